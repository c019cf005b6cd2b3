//! No command prints the registry's private strings without `--reveal` (contract §8).
//! The registry's every private field carries a unique marker; each command and format
//! is run on a message that mentions the first issue by its term only, and the output
//! may contain that term (the user's own text) and nothing else of the registry.

mod common;

use common::{assert_no_leak, marker_registry_json, Sandbox};

const MESSAGE: &str = "fix mkterm alphaqz in the parser\n";

fn setup() -> (Sandbox, std::path::PathBuf) {
    let sb = Sandbox::new();
    let reg = sb.path().join("registry.json");
    std::fs::write(&reg, marker_registry_json()).unwrap();
    (sb, reg)
}

#[test]
fn commit_msg_human_and_json_leak_nothing() {
    let (sb, reg) = setup();
    for format in ["human", "json"] {
        let (code, out, err) = sb.run_embargo(
            sb.path(),
            &[
                "--registry",
                reg.to_str().unwrap(),
                "--format",
                format,
                "commit-msg",
                "-",
            ],
            MESSAGE.as_bytes(),
        );
        assert_eq!(code, 1, "{format}: the marker term must be blocked\n{err}");
        assert!(
            err.contains("mkterm alphaqz"),
            "the user's own text is shown"
        );
        assert_no_leak(&format!("{out}{err}"), MESSAGE);
    }
}

#[test]
fn reveal_is_what_prints_the_registry() {
    let (sb, reg) = setup();
    let (_, _, err) = sb.run_embargo(
        sb.path(),
        &[
            "--registry",
            reg.to_str().unwrap(),
            "--reveal",
            "commit-msg",
            "-",
        ],
        MESSAGE.as_bytes(),
    );
    assert!(
        err.contains("MKID-4417"),
        "--reveal names the issue:\n{err}"
    );
}

#[test]
fn registry_from_a_secret_is_never_echoed() {
    let (sb, _) = setup();
    // A valid registry in the secret: lint says only that it is valid.
    let (code, out, err) = common::run_with_stdin(
        sb.embargo()
            .current_dir(sb.path())
            .env("EMBARGO_REGISTRY_JSON", marker_registry_json())
            .args(["registry", "lint"]),
        b"",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_no_leak(&format!("{out}{err}"), "");
    // An invalid one: every problem is located, none is quoted.
    let broken = marker_registry_json()
        .replace("\"critical\"", "\"MKSEVERITYBAD\"")
        .replace("mkpattern\\\\s+\\\\d+", "MKBROKEN(");
    for args in [&["registry", "lint"][..], &["commit-msg", "-"][..]] {
        let (code, out, err) = common::run_with_stdin(
            sb.embargo()
                .current_dir(sb.path())
                .env("EMBARGO_REGISTRY_JSON", &broken)
                .args(args),
            MESSAGE.as_bytes(),
        );
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        let all = format!("{out}{err}");
        assert_no_leak(&all, "");
        assert!(
            !all.contains("MKSEVERITYBAD") && !all.contains("MKBROKEN"),
            "{all}"
        );
        assert!(
            all.contains("$EMBARGO_REGISTRY_JSON:"),
            "problems are located:\n{all}"
        );
    }
}

#[test]
fn a_broken_registry_file_is_redacted_in_the_hook_path() {
    let (sb, reg) = setup();
    let broken = marker_registry_json().replace("\"critical\"", "\"MKSEVERITYBAD\"");
    std::fs::write(&reg, broken).unwrap();
    let (code, out, err) = sb.run_embargo(
        sb.path(),
        &["--registry", reg.to_str().unwrap(), "commit-msg", "-"],
        MESSAGE.as_bytes(),
    );
    assert_eq!(code, 2);
    let all = format!("{out}{err}");
    assert_no_leak(&all, "");
    assert!(!all.contains("MKSEVERITYBAD"), "{all}");
    assert!(all.contains("registry.json:"), "{all}");
}

#[test]
fn findings_in_changes_leak_nothing_in_any_format_or_hook() {
    let (sb, reg) = setup();
    let dir = sb.repo("r");
    std::fs::write(dir.join("notes.txt"), MESSAGE).unwrap();
    std::fs::write(dir.join("mkterm-alphaqz.txt"), "x\n").unwrap();
    sb.git_ok(&dir, &["add", "-A"]);
    // The staged changes, through the commit-msg hook's command.
    let (code, out, err) = sb.run_embargo(
        &dir,
        &[
            "--registry",
            reg.to_str().unwrap(),
            "--content",
            "all",
            "commit-msg",
            "-",
        ],
        b"Tidy the notes\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("staged file notes.txt:1:5"), "{err}");
    assert_no_leak(&format!("{out}{err}"), MESSAGE);

    sb.git_ok(&dir, &["commit", "-q", "-m", "Tidy the notes"]);
    for format in ["human", "json", "sarif", "github"] {
        let (code, out, err) = sb.run_embargo(
            &dir,
            &[
                "--registry",
                reg.to_str().unwrap(),
                "--content",
                "all",
                "--format",
                format,
                "check",
                "HEAD^..HEAD",
            ],
            b"",
        );
        assert_eq!(code, 1, "{format}: {err}");
        assert!(
            out.contains("mkterm alphaqz"),
            "{format}: the user's line\n{out}"
        );
        assert!(
            out.contains("mkterm-alphaqz.txt"),
            "{format}: the path\n{out}"
        );
        assert_no_leak(&format!("{out}{err}"), MESSAGE);
    }
}
