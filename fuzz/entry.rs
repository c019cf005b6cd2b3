//! The fuzz entry points: one function per target, shared by the libFuzzer targets under
//! `fuzz/fuzz_targets/` and by `tests/fuzz_regression.rs`, which replays every kept input
//! without libFuzzer. Each takes arbitrary bytes, drives one reader of untrusted input
//! through the library's public functions, and panics only when an invariant the library
//! promises is broken (a position outside the text, a loaded registry that does not
//! compile, two readers of one object that disagree).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use embargo::engine::{normalize, registry, verdict};
use embargo::git::{commit_graph, diff, objects, pack};
use embargo::{ci, cleanup};

/// The day every check is judged on: fixed, so a kept input always replays the same way.
fn day() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::November, 28).unwrap()
}

/// Text for a target that takes text: valid UTF-8 as given, anything else decoded lossily
/// (the callers decode untrusted bytes before these functions see them).
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A directory of this process's own for the readers that take a path (packs, the
/// commit-graph, the CI event payload). Reused by every run of the process.
fn scratch() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("embargo-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// Removes this process's scratch directory (the regression test calls it at the end).
pub fn remove_scratch() {
    let _ = std::fs::remove_dir_all(scratch());
}

/// `range` lies inside `s` on character boundaries.
#[track_caller]
fn assert_span(s: &str, range: &std::ops::Range<usize>) {
    assert!(
        range.start <= range.end
            && range.end <= s.len()
            && s.is_char_boundary(range.start)
            && s.is_char_boundary(range.end),
        "span {range:?} is not a character range of a {}-byte text",
        s.len()
    );
}

/// The registry reader and validator: any text is a registry or a list of problems with
/// positions inside the text, and a registry that validates compiles.
pub fn registry(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match registry::parse(text, "fuzz.json") {
        Ok(reg) => {
            let checker = verdict::Checker::new(reg).expect("a validated registry compiles");
            let _ = checker.check(text, day());
        }
        Err(problems) => {
            assert!(
                !problems.is_empty(),
                "an invalid registry names its problems"
            );
            // A line ends at LF, CRLF or a lone CR (JSON counts all three as white space,
            // and the reader numbers lines as editors that show a lone CR as a break).
            let lines = text.matches('\n').count() + text.matches('\r').count() + 1;
            for p in &problems {
                assert!(
                    p.line >= 1 && p.line <= lines && p.column >= 1,
                    "problem outside the text: {}",
                    p.full()
                );
                let _ = p.redacted();
            }
        }
    }
}

/// Normalization and its position map: every range of the folded text maps back to a
/// character range of the original, in order.
pub fn normalize(data: &[u8]) {
    let original = text(data);
    let written = normalize::Normalized::new(&original);
    normalized_map(&original, &written, true);
    // The other readings: HTML tags hidden, camelCase joins split, where they differ.
    let others = [
        normalize::Normalized::in_markdown(&original),
        normalize::Normalized::camel_split(&original),
    ];
    for other in others.iter().flatten() {
        normalized_map(&original, other, true);
    }
    // A terminal's cursor moves: what the screen shows is out of the text's order.
    if let Some(screen) = normalize::Normalized::in_terminal(&original) {
        normalized_map(&original, &screen, false);
    }
}

fn normalized_map(original: &str, n: &normalize::Normalized<'_>, in_order: bool) {
    let folded = n.folded();
    let bounds: Vec<usize> = folded
        .char_indices()
        .map(|(i, _)| i)
        .chain([folded.len()])
        .step_by((folded.len() / 48).max(1))
        .collect();
    let mut last_start = 0;
    for (k, &a) in bounds.iter().enumerate() {
        for &b in &bounds[k..] {
            let r = n.to_original(a..b);
            assert_span(original, &r);
            if b == a {
                continue;
            }
            assert!(r.start < r.end, "folded {a}..{b} maps to nothing");
        }
        let r = n.to_original(a..a);
        assert_span(original, &r);
        assert!(
            !in_order || r.start >= last_start,
            "the map goes backwards at folded {a}"
        );
        last_start = r.start;
    }
}

/// The matcher: an issue whose id, term and pattern come from the input, over a message
/// from the input. Findings lie inside the message, and an id or term mentions itself.
pub fn matcher(data: &[u8]) {
    let input = text(data);
    let mut parts = input.splitn(4, '\n');
    let (id, term, pattern) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let message = parts.next().unwrap_or("");
    let mut issue = serde_json::json!({"id": id, "severity": "critical"});
    if !term.is_empty() {
        issue["terms"] = serde_json::json!([term]);
    }
    if !pattern.is_empty() {
        issue["patterns"] = serde_json::json!([pattern]);
    }
    let json = serde_json::json!({"version": 1, "policy": {"generic": "warn"}, "issues": [issue]});
    let Ok(reg) = registry::parse(&json.to_string(), "fuzz.json") else {
        return;
    };
    let checker = verdict::Checker::new(reg).expect("a validated registry compiles");
    for f in checker.check(message, day()) {
        assert_span(message, &f.span);
    }
    // The registry refuses an id that no mention could hold (`;` in it, or a character
    // that reads as one), so every id it accepts must mention itself.
    for own in [id, term] {
        let folded = normalize::Normalized::new(own);
        if !folded.folded().chars().any(char::is_alphanumeric) {
            continue;
        }
        let found = checker.check(own, day());
        assert!(
            found
                .iter()
                .any(|f| matches!(f.kind, verdict::Kind::Embargoed { .. })),
            "{own:?} does not mention itself"
        );
    }
}

/// The commit and tag object parser: the scan's message-only reader agrees with the full
/// parser, and nothing else in an object can make a reader panic.
pub fn object(data: &[u8]) {
    let whole = objects::parse(data);
    let message = objects::message(data);
    match (&whole, &message) {
        (Ok(raw), Ok(m)) => {
            assert_eq!(m, &raw.message, "the two readers of a message disagree");
            let _ = raw.signature_time();
            let _ = objects::subject(&raw.message);
        }
        (Err(_), Err(_)) => {}
        _ => panic!("one reader decodes the message and the other does not"),
    }
    let headers = objects::parse_headers(data);
    let _ = headers.signature_time();
    let _ = objects::commit_links(data);
}

/// What a commit adds, read from untrusted trees and blobs. The input is parsed as a raw
/// tree (entries or an error), and split at its first 0xFF byte into an old and a new
/// text for the line diff, whose promise is the one the check rests on: every line of
/// the new text that it does not mark as added is, in order, a line of the old text, so
/// no line can hide from the check; and what it marks is well-formed.
pub fn changes(data: &[u8]) {
    if let Ok(entries) = diff::entries(data) {
        // Each entry took a mode digit, a space, its name, a NUL and 20 id bytes.
        let mut taken = 0;
        for e in &entries {
            assert!(!e.name.contains(&0), "a name holds a NUL");
            taken += e.name.len() + 23;
        }
        assert!(taken <= data.len(), "entries hold more than the tree");
    }
    let split = data.iter().position(|&b| b == 0xff).unwrap_or(data.len());
    let old = &data[..split];
    let new = data.get(split + 1..).unwrap_or_default();
    let added = diff::added_lines(old, new);
    let starts = diff::line_starts(new);
    let lines = starts.len() - 1;
    assert_eq!(lines, diff::line_count(new));
    assert_eq!(added.lines.len(), added.bytes.len());
    let mut marked = vec![false; lines];
    let mut after = 1;
    for (l, b) in added.lines.iter().zip(&added.bytes) {
        assert!(
            after <= l.start && l.start < l.end && l.end <= lines + 1,
            "{l:?} of {lines} lines"
        );
        assert_eq!(
            *b,
            starts[l.start - 1]..starts[l.end - 1],
            "bytes of lines {l:?}"
        );
        after = l.end;
        marked[l.start - 1..l.end - 1].fill(true);
    }
    let old_starts = diff::line_starts(old);
    let mut old_lines = old_starts.windows(2).map(|w| &old[w[0]..w[1]]);
    for (i, w) in starts.windows(2).enumerate() {
        if !marked[i] {
            let line = &new[w[0]..w[1]];
            assert!(
                old_lines.any(|o| o == line),
                "line {} is not marked added and is no later line of the old text",
                i + 1
            );
        }
    }
    assert!(
        diff::added_lines(new, new).lines.is_empty(),
        "a text adds nothing to itself"
    );
    let probe = &data[..data.len().min(diff::BINARY_PROBE)];
    assert_eq!(diff::is_binary(data), probe.contains(&0));
}

/// The pack reader, deltas included. The input is a pack and the offsets of its objects:
/// one byte (the object count, 1 to 16), four bytes per object (a little-endian offset
/// into the pack file; the top bit sends it through the index's 64-bit table), then the
/// pack file's body after its 12-byte header. The index is built to match, so the
/// fuzzer spends its time on the objects, not on finding a valid index.
pub fn pack(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16) + 1;
    if rest.len() < 4 * n {
        return;
    }
    let (offsets, body) = rest.split_at(4 * n);
    let offsets: Vec<u32> = offsets
        .chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let oid = |i: usize| {
        let mut id = [0x5au8; 20];
        id[0] = (i * 16) as u8;
        id
    };
    let mut packfile = b"PACK".to_vec();
    packfile.extend_from_slice(&2u32.to_be_bytes());
    packfile.extend_from_slice(&(n as u32).to_be_bytes());
    packfile.extend_from_slice(body);
    packfile.extend_from_slice(&[0; 20]);
    let mut idx = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
    for byte in 0..256 {
        let below = (0..n).filter(|&i| usize::from(oid(i)[0]) <= byte).count();
        idx.extend_from_slice(&(below as u32).to_be_bytes());
    }
    for i in 0..n {
        idx.extend_from_slice(&oid(i));
    }
    idx.extend(std::iter::repeat_n(0u8, 4 * n));
    let mut large = Vec::new();
    for &o in &offsets {
        if o & 0x8000_0000 != 0 {
            let slot = 0x8000_0000 | large.len() as u32;
            idx.extend_from_slice(&slot.to_be_bytes());
            large.push(u64::from(o & 0x7fff_ffff));
        } else {
            idx.extend_from_slice(&o.to_be_bytes());
        }
    }
    for l in large {
        idx.extend_from_slice(&l.to_be_bytes());
    }
    idx.extend_from_slice(&[0; 40]);
    let objects = scratch().join("objects");
    let dir = objects.join("pack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fuzz.pack"), &packfile).unwrap();
    std::fs::write(dir.join("fuzz.idx"), &idx).unwrap();
    let packs = pack::Packs::open(&objects);
    for i in 0..n {
        let id = git2::Oid::from_bytes(&oid(i)).unwrap();
        if let Some(commit) = packs.read_commit(id) {
            let _ = objects::message(&commit);
        }
    }
    let mut absent = oid(0);
    absent[19] ^= 0xff;
    let absent = git2::Oid::from_bytes(&absent).unwrap();
    assert!(
        packs.read_commit(absent).is_none(),
        "an object that is not in the pack was found"
    );
}

/// The commit-graph reader. The first byte chooses one file or a chain of two layers
/// (then two little-endian bytes give the first layer's length); every 20 bytes of the
/// input at a 4-byte step are looked up as a commit id.
pub fn commit_graph(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let objects = scratch().join("graph-objects");
    let info = objects.join("info");
    let _ = std::fs::remove_dir_all(&info);
    std::fs::create_dir_all(info.join("commit-graphs")).unwrap();
    if mode & 1 == 0 {
        std::fs::write(info.join("commit-graph"), rest).unwrap();
    } else {
        let (at, files) = match rest {
            [a, b, files @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), files),
            _ => (0, rest),
        };
        let (base, top) = files.split_at(at.min(files.len()));
        let names = ["0".repeat(40), "1".repeat(40)];
        let dir = info.join("commit-graphs");
        std::fs::write(dir.join(format!("graph-{}.graph", names[0])), base).unwrap();
        std::fs::write(dir.join(format!("graph-{}.graph", names[1])), top).unwrap();
        std::fs::write(dir.join("commit-graph-chain"), names.join("\n") + "\n").unwrap();
    }
    let Ok(Some(graph)) = commit_graph::CommitGraph::open(&objects) else {
        return;
    };
    let _ = graph.len();
    for window in rest.windows(20).step_by(4).take(256) {
        let id = git2::Oid::from_bytes(window).unwrap();
        if let Some(c) = graph.get(id) {
            assert!(c.generation >= 1, "generation 0 is 'not computed'");
        }
    }
}

/// Git's message cleanup as the commit-msg hook applies it, on bytes. The first byte
/// chooses the mode, whether to cut at the scissors line and the comment prefix; the
/// rest is the message.
pub fn cleanup(data: &[u8]) {
    let Some((&choice, message)) = data.split_first() else {
        return;
    };
    let mode = [
        cleanup::Mode::Verbatim,
        cleanup::Mode::Whitespace,
        cleanup::Mode::Strip,
    ][usize::from(choice % 3)];
    let comment: &[u8] = [&b"#"[..], b";", b"//", b""][usize::from(choice >> 6)];
    let cut = choice & 0x08 != 0;
    let c = cleanup::Cleanup {
        mode,
        cut,
        comment: comment.to_vec(),
    };
    let out = cleanup::apply(message, &c);
    if mode == cleanup::Mode::Verbatim && !cut {
        assert_eq!(out, message, "verbatim keeps the message as it is");
    }
    let _ = cleanup::stripspace(message, (!comment.is_empty()).then_some(comment));
    let _ = cleanup::auto_choice(message);
    let _ = cleanup::auto_from_hints(message);
}

/// The CI event payload: any bytes as the event file of each GitHub event `check` reads
/// are a plan or an error, never a panic.
pub fn ci_event(data: &[u8]) {
    let Some((&choice, payload)) = data.split_first() else {
        return;
    };
    let event =
        ["push", "pull_request", "pull_request_target", "merge_group"][usize::from(choice % 4)];
    let path = scratch().join("event.json");
    std::fs::write(&path, payload).unwrap();
    let path = path.to_str().unwrap().to_string();
    let var = |name: &str| match name {
        "GITHUB_EVENT_NAME" => Some(event.to_string()),
        "GITHUB_EVENT_PATH" => Some(path.clone()),
        _ => None,
    };
    let _ = ci::detect(&var);
}
