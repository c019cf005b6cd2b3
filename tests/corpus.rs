//! The real commit messages of `../shared/corpus` against the engine: a synthetic registry
//! of 10,000 issues must block none of them (false positives), and the CVEs named in
//! `cve_mentions.jsonl`, registered as embargoed, must block every one of those messages
//! (recall). Generic security language is counted by the benchmark (`benches/run.sh`),
//! not here: it warns, it does not block.
//!
//! The corpus lives outside the repository (`../shared/`, present in CI): without it the
//! tests say so and pass on a developer's machine, but fail in CI (`CI=true`) or when
//! `EMBARGO_CORPUS` names it explicitly.

mod common;
#[path = "../benches/synth.rs"]
mod synth;

use std::path::PathBuf;

use embargo::engine::registry::{self, GenericMode};
use embargo::engine::verdict::{Checker, Kind};
use time::macros::date;

const DAY: time::Date = date!(2026 - 11 - 28);

fn corpus() -> Option<PathBuf> {
    let dir = synth::corpus_dir();
    if dir.join(synth::CVE_FILE).is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("EMBARGO_CORPUS").is_none(),
        "EMBARGO_CORPUS is set but {} has no corpus",
        dir.display()
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "no corpus at {} in CI: the false-positive and recall checks cannot run",
        dir.display()
    );
    common::skipped(&format!("no corpus at {}", dir.display()));
    None
}

/// A checker for a registry text, generic language off: only mentions are looked at.
fn checker(text: &str) -> Checker {
    let mut reg = registry::parse(text, "test").expect("registry is valid");
    reg.policy.generic = GenericMode::Off;
    Checker::new(reg).expect("registry compiles")
}

fn blocks(checker: &Checker, message: &str) -> bool {
    checker
        .check(message, DAY)
        .iter()
        .any(|f| matches!(f.kind, Kind::Embargoed { .. }))
}

#[test]
fn synthetic_registry_blocks_no_real_message() {
    let Some(dir) = corpus() else { return };
    let issues = synth::synthetic_issues(10_000, 50);
    let checker = checker(&synth::synthetic_registry_json(&issues));
    let mut checked = 0;
    let mut blocked = Vec::new();
    for (name, messages) in synth::history(&dir).unwrap() {
        for (i, m) in messages.iter().enumerate() {
            checked += 1;
            if blocks(&checker, &m.message) {
                blocked.push(format!("{name}.jsonl line {}", i + 1));
            }
        }
    }
    assert!(checked > 80_000, "only {checked} messages in the corpus");
    assert!(
        blocked.is_empty(),
        "{} false positives: {:?}",
        blocked.len(),
        &blocked[..blocked.len().min(10)]
    );
}

#[test]
fn embargoed_cves_block_every_message_naming_them() {
    let Some(dir) = corpus() else { return };
    let messages = synth::read_jsonl(&dir.join(synth::CVE_FILE)).unwrap();
    let ids = synth::cve_ids(&messages);
    assert!(ids.len() > 100, "only {} CVE ids", ids.len());
    let checker = checker(&synth::cve_registry_json(&ids));
    let missed: Vec<usize> = (0..messages.len())
        .filter(|&i| !blocks(&checker, &messages[i].message))
        .collect();
    assert!(
        missed.is_empty(),
        "{} of {} messages not blocked, e.g. {:?}",
        missed.len(),
        messages.len(),
        missed
            .iter()
            .take(5)
            .map(|&i| &messages[i].cves)
            .collect::<Vec<_>>()
    );
}
