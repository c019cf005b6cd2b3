//! Files moved and edited in one commit (contract §11: the lines a commit's diff adds):
//! only what the move adds is checked, as `git diff` shows it, by `check` and by the
//! commit-msg hook; and which added file is which deleted file moved is decided as git
//! decides it, differentially against `git diff -M` over generated commits.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::Value;

fn write(dir: &Path, name: &str, data: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn commit_all(sb: &Sandbox, dir: &Path, message: &str) {
    sb.git_ok(dir, &["add", "-A"]);
    sb.git_ok(dir, &["commit", "-q", "--no-verify", "-m", message]);
}

/// `check --format json HEAD^..HEAD` with the example registry: exit code and findings.
fn last_commit_findings(sb: &Sandbox, dir: &Path) -> (i32, Vec<Value>) {
    let mut cmd = sb.embargo();
    cmd.current_dir(dir)
        .env("EMBARGO_REGISTRY", example_registry())
        .args(["check", "--format", "json", "HEAD^..HEAD"]);
    let (code, out, err) = run_with_stdin(&mut cmd, b"");
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (
        code,
        doc["findings"].as_array().cloned().unwrap_or_default(),
    )
}

/// Twenty lines of notes, the fifth naming an issue embargoed today; `extra` replaces
/// line `at` (1-based) when given.
fn notes(edit: Option<(usize, &str)>) -> String {
    (1..=20)
        .map(|i| match edit {
            Some((at, text)) if at == i => format!("{text}\n"),
            _ if i == 5 => "The replay guard of SX-2026-011 lives here.\n".to_string(),
            _ => format!("Note {i}: how the relay forwards a message.\n"),
        })
        .collect()
}

#[test]
fn a_file_moved_and_edited_is_checked_for_what_the_move_adds() {
    let sb = Sandbox::new();
    let dir = sb.repo("work");
    // Mentioned before it was embargoed (or by a commit that is not being checked).
    write(&dir, "docs/notes.md", &notes(None));
    commit_all(&sb, &dir, "Add notes");

    // Moved and one unrelated line changed: what git's diff shows as added is that line.
    sb.git_ok(&dir, &["mv", "docs/notes.md", "docs/guide.md"]);
    write(
        &dir,
        "docs/guide.md",
        &notes(Some((12, "Note 12: rewritten."))),
    );
    commit_all(&sb, &dir, "Rename the notes");
    let shown = sb.git_ok(&dir, &["show", "-M", "--format=", "HEAD"]);
    assert!(shown.contains("rename to docs/guide.md"), "{shown}");
    let (code, found) = last_commit_findings(&sb, &dir);
    assert_eq!((code, found.len()), (0, 0), "{found:#?}");

    // Moved again, adding a mention: that line is found, not the old one.
    sb.git_ok(&dir, &["mv", "docs/guide.md", "docs/howto.md"]);
    write(
        &dir,
        "docs/howto.md",
        &notes(Some((15, "See CVE-2026-41873 for the details."))),
    );
    commit_all(&sb, &dir, "Move the guide");
    let (code, found) = last_commit_findings(&sb, &dir);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["source"]["path"], "docs/howto.md");
    assert_eq!(found[0]["line"].as_u64(), Some(15));
    assert_eq!(found[0]["text"], "CVE-2026-41873");

    // Moved and mostly rewritten (less than half kept): git shows a new file, every
    // line added, the old mention with it.
    sb.git_ok(&dir, &["mv", "docs/howto.md", "docs/relay.md"]);
    let rewritten: String = (1..=20)
        .map(|i| match i {
            5 => "The replay guard of SX-2026-011 lives here.\n".to_string(),
            _ => format!("Rewritten paragraph {i} about queues and timers.\n"),
        })
        .collect();
    write(&dir, "docs/relay.md", &rewritten);
    commit_all(&sb, &dir, "Rewrite the guide");
    let shown = sb.git_ok(&dir, &["show", "-M", "--format=", "--stat", "HEAD"]);
    assert!(!shown.contains("=>"), "git paired them:\n{shown}");
    let (code, found) = last_commit_findings(&sb, &dir);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["line"].as_u64(), Some(5));
}

#[test]
fn git_commit_of_a_staged_move_with_an_edit_is_not_refused_for_old_lines() {
    let sb = Sandbox::new();
    let dir = sb.repo("work");
    write(&dir, "docs/notes.md", &notes(None));
    commit_all(&sb, &dir, "Add notes");
    install_commit_msg_hook(&dir);
    let commit = |message: &str| {
        let mut cmd = sb.command("git");
        cmd.current_dir(&dir)
            .env("EMBARGO_REGISTRY", example_registry())
            .env("EMBARGO_BIN", embargo_bin())
            .args(["commit", "-q", "-m", message]);
        let (code, _, err) = run_with_stdin(&mut cmd, b"");
        (code, err)
    };

    sb.git_ok(&dir, &["mv", "docs/notes.md", "docs/guide.md"]);
    write(
        &dir,
        "docs/guide.md",
        &notes(Some((12, "Note 12: rewritten."))),
    );
    sb.git_ok(&dir, &["add", "-A"]);
    let (code, err) = commit("Rename the notes");
    assert_eq!(code, 0, "{err}");

    sb.git_ok(&dir, &["mv", "docs/guide.md", "docs/howto.md"]);
    write(
        &dir,
        "docs/howto.md",
        &notes(Some((15, "See CVE-2026-41873 for the details."))),
    );
    sb.git_ok(&dir, &["add", "-A"]);
    let (code, err) = commit("Move the guide");
    assert_ne!(code, 0, "the staged mention went through");
    assert!(err.contains("staged file docs/howto.md:15:5"), "{err}");
    assert!(!err.contains(":5:"), "the moved line was reported:\n{err}");
}

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The added lines of each file between two commits, as `git diff -M50% -U0` shows them.
fn git_added(sb: &Sandbox, dir: &Path, from: &str, to: &str) -> BTreeSet<(String, usize)> {
    let diff = sb.git_ok(
        dir,
        &[
            "diff",
            "-M50%",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            from,
            to,
        ],
    );
    let mut out = BTreeSet::new();
    let mut path = String::new();
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("+++ b/") {
            path = p.to_string();
        } else if let Some(rest) = line.strip_prefix("@@ ") {
            let plus = rest.split(' ').nth(1).unwrap().trim_start_matches('+');
            let (start, count) = match plus.split_once(',') {
                Some((s, c)) => (s.parse::<usize>().unwrap(), c.parse::<usize>().unwrap()),
                None => (plus.parse().unwrap(), 1),
            };
            for l in start..start + count {
                out.insert((path.clone(), l));
            }
        }
    }
    out
}

/// The added lines of each file of commit `to` (one parent), as embargo finds them.
fn our_added(dir: &Path, to: &str) -> BTreeSet<(String, usize)> {
    use embargo::git::diff::CachedObjects;
    use embargo::history::changes::{tree_adds, Piece};
    let repo = git2::Repository::open(dir).unwrap();
    let odb = repo.odb().unwrap();
    let objects = CachedObjects::new(&odb);
    let commit = repo.find_commit(git2::Oid::from_str(to).unwrap()).unwrap();
    let parents: Vec<_> = commit.parent_ids().collect();
    let mut out = BTreeSet::new();
    tree_adds(&objects, commit.tree_id(), &parents, |piece| {
        if let Piece::Lines {
            path,
            first_line,
            text,
        } = piece
        {
            for l in first_line..first_line + text.lines().count() {
                out.insert((path.clone(), l));
            }
        }
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn moved_files_are_paired_as_git_diff_pairs_them() {
    let sb = Sandbox::new();
    let dir = sb.repo("work");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut unique = 0usize;
    let mut line = |rng: &mut Rng, crlf: bool| {
        unique += 1;
        // Lines of every length around git's 64-byte spans; each line unique, so the
        // line diff has one answer and only the pairing can differ.
        let pad = "abcdefghij".repeat(rng.below(14) as usize);
        let end = if crlf { "\r\n" } else { "\n" };
        format!("line {unique} {pad}{end}")
    };
    let mut paired = 0;
    let mut unpaired = 0;
    for round in 0..40 {
        let files = 1 + rng.below(3) as usize;
        let mut sources = Vec::new();
        for f in 0..files {
            let crlf = rng.below(4) == 0;
            let n = 1 + rng.below(30) as usize;
            let lines: Vec<String> = (0..n).map(|_| line(&mut rng, crlf)).collect();
            write(&dir, &format!("old/r{round}f{f}.txt"), &lines.concat());
            sources.push((lines, crlf));
        }
        commit_all(&sb, &dir, "sources");
        let from = sb.git_ok(&dir, &["rev-parse", "HEAD"]).trim().to_string();

        // Each source deleted; in its place a file keeping a random share of its lines,
        // the others deleted or replaced, new ones inserted, order kept.
        for (f, (lines, crlf)) in sources.iter().enumerate() {
            std::fs::remove_file(dir.join(format!("old/r{round}f{f}.txt"))).unwrap();
            let keep = rng.below(11);
            let mut out = String::new();
            for l in lines {
                if rng.below(10) < keep {
                    out.push_str(l);
                } else if rng.below(2) == 0 {
                    out.push_str(&line(&mut rng, *crlf));
                }
                if rng.below(10) >= keep && rng.below(2) == 0 {
                    out.push_str(&line(&mut rng, *crlf));
                }
            }
            write(&dir, &format!("new/moved{round}-{f}.md"), &out);
        }
        commit_all(&sb, &dir, "moves");
        let to = sb.git_ok(&dir, &["rev-parse", "HEAD"]).trim().to_string();

        let theirs = git_added(&sb, &dir, &from, &to);
        let ours = our_added(&dir, &to);
        assert_eq!(ours, theirs, "round {round}: {from}..{to}");
        let status = sb.git_ok(&dir, &["diff", "-M50%", "--name-status", &from, &to]);
        paired += status.lines().filter(|l| l.starts_with('R')).count();
        unpaired += status.lines().filter(|l| l.starts_with('A')).count();
    }
    // The generated cases fall on both sides of git's threshold.
    assert!(
        paired >= 10 && unpaired >= 10,
        "{paired} paired, {unpaired} not"
    );
}
