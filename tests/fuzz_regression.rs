//! Every input the fuzzers keep (fuzz/corpus/TARGET/ and the crashes in
//! fuzz/artifacts/TARGET/) replayed through the same entry points as the fuzz targets,
//! without libFuzzer: a crash once found stays fixed, and the readers of untrusted input
//! are exercised on thousands of odd inputs in every test run. See docs/fuzzing.md.

#[path = "../fuzz/entry.rs"]
mod entry;

use std::path::Path;

/// A fuzz target's entry point.
type Entry = fn(&[u8]);

/// The targets and their entry points, as fuzz/Cargo.toml names them.
const TARGETS: &[(&str, Entry)] = &[
    ("registry", entry::registry),
    ("normalize", entry::normalize),
    ("matcher", entry::matcher),
    ("object", entry::object),
    ("pack", entry::pack),
    ("commit_graph", entry::commit_graph),
    ("cleanup", entry::cleanup),
    ("ci_event", entry::ci_event),
    ("changes", entry::changes),
];

fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_kept_fuzz_input_replays_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (name, run) in TARGETS {
        let corpus = inputs(&root.join("corpus").join(name));
        assert!(
            corpus.iter().any(|p| p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")),
            "fuzz/corpus/{name} has no seed input (fuzz/make-seeds.sh writes them)"
        );
        for file in corpus
            .iter()
            .chain(&inputs(&root.join("artifacts").join(name)))
        {
            let data = std::fs::read(file).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{name}: {} fails", file.display());
            total += 1;
        }
    }
    entry::remove_scratch();
    eprintln!("{total} fuzz inputs replayed");
}
