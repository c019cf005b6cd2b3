//! `embargo check-text [FILE|-]...` (contract §12): any text checked verbatim, `#` lines
//! included, from files and standard input, with `check`'s verdict, formats and exit codes.

mod common;

use std::path::Path;

use common::{example_registry, Sandbox};
use serde_json::Value;

/// SX-2026-011 (critical) is released 2026-11-25: its details are public from 2026-12-16.
const NOTES: &str = "# Release 1.4.2\n\n## Security\n# Fixed the ratchet header replay\n";

fn check_text(sb: &Sandbox, dir: &Path, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let registry = example_registry();
    let mut all = vec!["--registry", registry.to_str().unwrap()];
    all.extend_from_slice(args);
    sb.run_embargo(dir, &all, stdin)
}

#[test]
fn hash_lines_are_text_and_are_checked() {
    let sb = Sandbox::new();
    let file = sb.path().join("NOTES.md");
    std::fs::write(&file, NOTES).unwrap();
    let (code, out, err) = check_text(&sb, sb.path(), &["check-text", "NOTES.md"], b"");
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("text NOTES.md"), "{out}");
    assert!(out.contains("line 4") || out.contains(":4:"), "{out}");
    assert!(out.contains("# Fixed the ratchet header replay"), "{out}");
    // The commit-msg hook, under `git commit` with an editor, lets the same `#` line
    // through, because git strips it: the difference is the point of check-text.
    let repo = sb.repo("r");
    common::install_commit_msg_hook(&repo);
    let message = sb.path().join("message");
    std::fs::write(
        &message,
        "Release notes\n# Fixed the ratchet header replay\n",
    )
    .unwrap();
    let out = sb
        .command("git")
        .current_dir(&repo)
        .env("EMBARGO_BIN", common::embargo_bin())
        .env("EMBARGO_REGISTRY", example_registry())
        .env("GIT_EDITOR", "true")
        .args(["commit", "-q", "--allow-empty", "-e", "-F"])
        .arg(&message)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn standard_input_with_a_dash_or_no_file() {
    let sb = Sandbox::new();
    for args in [&["check-text", "-"][..], &["check-text"][..]] {
        let (code, out, err) = check_text(&sb, sb.path(), args, NOTES.as_bytes());
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(out.contains("text (stdin)"), "{out}");
    }
    let (code, _, err) = check_text(&sb, sb.path(), &["check-text"], b"# A clean heading\n");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn several_files_one_verdict_and_as_of_honoured() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("clean.md"), "# Nothing here\n").unwrap();
    std::fs::write(sb.path().join("notes.md"), NOTES).unwrap();
    let args = ["--format", "json", "check-text", "clean.md", "notes.md"];
    let (code, out, err) = check_text(&sb, sb.path(), &args, b"");
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let text = doc.to_string();
    assert!(text.contains("\"type\":\"text\""), "{text}");
    assert!(text.contains("\"path\":\"notes.md\""), "{text}");
    assert!(!text.contains("\"path\":\"clean.md\""), "{text}");
    // On the details date the same notes pass; the day before they do not.
    for (day, expected) in [("2026-12-15", 1), ("2026-12-16", 0)] {
        let (code, _, err) = check_text(
            &sb,
            sb.path(),
            &["--as-of", day, "check-text", "clean.md", "notes.md"],
            b"",
        );
        assert_eq!(code, expected, "{day}: {err}");
    }
}

#[test]
fn ci_formats_point_at_the_file() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("notes.md"), NOTES).unwrap();
    let (code, out, err) = check_text(
        &sb,
        sb.path(),
        &["--format", "sarif", "check-text", "notes.md"],
        b"",
    );
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let loc = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "notes.md");
    assert_eq!(loc["region"]["startLine"], 4);
    let (code, out, _) = check_text(
        &sb,
        sb.path(),
        &["--format", "github", "check-text", "notes.md"],
        b"",
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("::error "), "{out}");
    assert!(out.contains("file=notes.md,line=4"), "{out}");
}

#[test]
fn bad_input_exits_2() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("latin1.txt"), b"caf\xe9\n").unwrap();
    let cases: &[&[&str]] = &[
        &["check-text", "missing.md"],
        &["check-text", "latin1.txt"],
        &["check-text", "-", "-"],
        &["check-text", "."],
        &["--as-of", "commit", "check-text", "-"],
    ];
    for args in cases {
        let (code, out, err) = check_text(&sb, sb.path(), args, b"text\n");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.starts_with("embargo: error:"), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
