//! Synthetic benchmark inputs, shared by the `perf` bench and `tests/corpus.rs`:
//! the real commit messages of `../shared/corpus`, a synthetic registry of 10,000 issues
//! that none of them mentions, a registry of the CVEs named by `cve_mentions.jsonl`, and a
//! `git fast-import` stream that turns the corpus into a repository.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

/// The corpus files that make up the benchmark history, one branch each.
pub const HISTORY_FILES: &[&str] = &[
    "simplexmq.jsonl",
    "openssh-portable.jsonl",
    "curl.jsonl",
    "git.jsonl",
];
pub const CVE_FILE: &str = "cve_mentions.jsonl";

/// `../shared/corpus` from the crate root, or `$EMBARGO_CORPUS`.
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("EMBARGO_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    }
}

pub struct Message {
    pub repo: String,
    pub message: String,
    /// CVE ids named by the message (`cve_mentions.jsonl` only).
    pub cves: Vec<String>,
}

pub fn read_jsonl(path: &Path) -> io::Result<Vec<Message>> {
    let file = std::fs::File::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for line in io::BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let cves = v
            .get("cves")
            .and_then(|c| c.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Message {
            repo: s("repo"),
            message: s("message"),
            cves,
        });
    }
    Ok(out)
}

/// Every message of the benchmark history, file by file.
pub fn history(dir: &Path) -> io::Result<Vec<(String, Vec<Message>)>> {
    HISTORY_FILES
        .iter()
        .map(|f| {
            Ok((
                f.trim_end_matches(".jsonl").to_string(),
                read_jsonl(&dir.join(f))?,
            ))
        })
        .collect()
}

/// A small deterministic generator (SplitMix64), so every run builds the same registry.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A made-up word of three or four syllables: pronounceable, in no dictionary.
pub fn word(rng: &mut Rng) -> String {
    const ONSETS: &[&str] = &[
        "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "kr", "tr", "pl",
        "zv", "dr", "gl", "sk", "vr",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ae", "oi", "y"];
    let mut w = String::new();
    for _ in 0..3 + rng.below(2) {
        w.push_str(ONSETS[rng.below(ONSETS.len())]);
        w.push_str(VOWELS[rng.below(VOWELS.len())]);
    }
    if rng.below(2) == 0 {
        w.push(['x', 'q', 'k', 'n'][rng.below(4)]);
    }
    w
}

pub struct SynthIssue {
    pub id: String,
    pub alias: String,
    pub term: String,
    pub pattern: Option<String>,
}

/// The synthetic registry: `issues` issues with an id, a CVE alias and a three-word term,
/// and `patterns` of them with a pattern as well.
pub fn synthetic_issues(issues: usize, patterns: usize) -> Vec<SynthIssue> {
    let mut rng = Rng::new(0x5eed_2026);
    (0..issues)
        .map(|i| {
            let term = format!("{} {} {}", word(&mut rng), word(&mut rng), word(&mut rng));
            let pattern = (i < patterns).then(|| {
                format!(
                    r"{}s?\s+(?:in|of)\s+\w+\s+{}",
                    word(&mut rng),
                    word(&mut rng)
                )
            });
            SynthIssue {
                id: format!("BX-2026-{:05}", i + 1),
                alias: format!("CVE-2099-{}", 10_000 + i),
                term,
                pattern,
            }
        })
        .collect()
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The registry file: one issue per line after the policy.
pub fn synthetic_registry_json(issues: &[SynthIssue]) -> String {
    const SEVERITIES: &[Option<&str>] = &[
        Some("critical"),
        Some("high"),
        Some("medium"),
        Some("low"),
        None,
        Some("High"),
    ];
    let mut out = String::from(
        "{\n  \"version\": 1,\n  \"policy\": {\"generic\": \"warn\", \"help\": \"Ask the security team.\"},\n  \"issues\": [\n",
    );
    for (i, issue) in issues.iter().enumerate() {
        out.push_str("    {");
        write!(out, "\"id\": {}", json_str(&issue.id)).unwrap();
        if let Some(sev) = SEVERITIES[i % SEVERITIES.len()] {
            write!(out, ", \"severity\": \"{sev}\"").unwrap();
        }
        write!(
            out,
            ", \"summary\": \"Synthetic issue number {} for benchmarks.\"",
            i + 1
        )
        .unwrap();
        write!(out, ", \"aliases\": [{}]", json_str(&issue.alias)).unwrap();
        write!(out, ", \"terms\": [{}]", json_str(&issue.term)).unwrap();
        if let Some(p) = &issue.pattern {
            write!(out, ", \"patterns\": [{}]", json_str(p)).unwrap();
        }
        if i % 7 == 3 {
            out.push_str(", \"released\": \"2026-11-20\"");
        }
        if i % 11 == 5 {
            out.push_str(", \"disclosed\": null");
        }
        out.push('}');
        out.push_str(if i + 1 < issues.len() { ",\n" } else { "\n" });
    }
    out.push_str("  ]\n}\n");
    out
}

/// What a user would feed `grep -F -i -f`: every id, alias and term, one a line.
pub fn grep_terms(issues: &[SynthIssue]) -> String {
    let mut out = String::new();
    for i in issues {
        writeln!(out, "{}\n{}\n{}", i.id, i.alias, i.term).unwrap();
    }
    out
}

/// Every distinct CVE id named by the messages.
pub fn cve_ids(messages: &[Message]) -> Vec<String> {
    let mut ids: Vec<String> = messages
        .iter()
        .flat_map(|m| m.cves.iter().map(|c| c.to_ascii_uppercase()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A registry that embargoes every CVE in `ids`: each CVE is an issue's id.
pub fn cve_registry_json(ids: &[String]) -> String {
    let mut out = String::from("{\n  \"version\": 1,\n  \"issues\": [\n");
    for (i, id) in ids.iter().enumerate() {
        write!(
            out,
            "    {{\"id\": {}, \"severity\": \"high\"}}",
            json_str(id)
        )
        .unwrap();
        out.push_str(if i + 1 < ids.len() { ",\n" } else { "\n" });
    }
    out.push_str("  ]\n}\n");
    out
}

/// A `git fast-import` stream: one branch per corpus file, one commit per message, oldest
/// first, all with the empty tree.
pub fn write_fast_import(
    history: &[(String, Vec<Message>)],
    out: &mut impl Write,
) -> io::Result<()> {
    let mut time: u64 = 1_500_000_000;
    for (branch, messages) in history {
        // The corpus lists newest first; history grows oldest first.
        for m in messages.iter().rev() {
            time += 60;
            writeln!(out, "commit refs/heads/{branch}")?;
            writeln!(out, "committer Bench <bench@example.com> {time} +0000")?;
            writeln!(out, "data {}", m.message.len())?;
            out.write_all(m.message.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}
