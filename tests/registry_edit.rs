//! `registry add|triage|release|disclose` (contract §12): edits in place keep every byte
//! outside the edited issue, failures change nothing (exit 2), the file is replaced
//! atomically with its mode, and two editors at once both land.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::Sandbox;

/// Odd but valid layout: tabs, a comment-like string, non-ASCII, an unusual policy, CRLF
/// in one place; everything but the edited issue must survive byte for byte.
const REGISTRY: &str = "{\"version\":1,\r\n\t\"policy\" : { \"generic\" : \"deny\" ,\"help\":\"Frag das Team — ✓\" },\n\t\"issues\" : [\n\t\t{ \"id\" : \"ED-1\" , \"terms\" : [ \"first   term\" ] },\n\t\t{\n\t\t\t\"id\": \"ED-2\",\n\t\t\t\"severity\": \"HIGH\",\n\t\t\t\"patterns\": [\"ed\\\\s+two\"],\n\t\t\t\"released\": null\n\t\t}\n\t]\n}\n";

fn setup() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let reg = sb.path().join("registry.json");
    std::fs::write(&reg, REGISTRY).unwrap();
    (sb, reg)
}

fn run(sb: &Sandbox, reg: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--registry", reg.to_str().unwrap()];
    all.extend_from_slice(args);
    sb.run_embargo(sb.path(), &all, b"")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The directory holds only the registry (no temporary file left behind).
fn only_registry(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "home")
        .collect();
    assert_eq!(names, ["registry.json"]);
}

#[test]
fn each_edit_changes_only_its_issue_byte_for_byte() {
    let (sb, reg) = setup();
    let (code, out, err) = run(
        &sb,
        &reg,
        &[
            "registry",
            "release",
            "ed-2",
            "--date",
            "2026-11-25",
            "--fixed-in",
            "4.0",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("release ed-2 on 2026-11-25"), "{out}");
    let released = REGISTRY.replace(
        "\"released\": null\n",
        "\"released\": \"2026-11-25\",\n\t\t\t\"fixed_in\": \"4.0\"\n",
    );
    assert_eq!(read(&reg), released);

    let (code, _, err) = run(
        &sb,
        &reg,
        &["registry", "triage", "ED-1", "--severity", "Medium"],
    );
    assert_eq!(code, 0, "{err}");
    let triaged = released.replace(
        "[ \"first   term\" ] }",
        "[ \"first   term\" ], \"severity\" : \"medium\" }",
    );
    assert_eq!(read(&reg), triaged);

    // Disclose takes the as-of day by default.
    let (code, _, err) = run(
        &sb,
        &reg,
        &["--as-of", "2026-12-01", "registry", "disclose", "ED-1"],
    );
    assert_eq!(code, 0, "{err}");
    let disclosed = triaged.replace(
        "\"severity\" : \"medium\" }",
        "\"severity\" : \"medium\", \"disclosed\" : \"2026-12-01\" }",
    );
    assert_eq!(read(&reg), disclosed);

    let (code, _, err) = run(
        &sb,
        &reg,
        &[
            "registry",
            "add",
            "ED-3",
            "--severity",
            "low",
            "--summary",
            "a \"quoted\" — summary",
            "--alias",
            "CVE-2031-7",
            "--term",
            "third term",
            "--pattern",
            "ed\\s+three",
            "--fixed-in",
            "4.1",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let added = disclosed.replace(
        "\t\t}\n\t]\n}\n",
        "\t\t},\n\t\t{\n\t\t\t\"id\": \"ED-3\",\n\t\t\t\"severity\": \"low\",\n\t\t\t\"summary\": \"a \\\"quoted\\\" — summary\",\n\t\t\t\"aliases\": [\"CVE-2031-7\"],\n\t\t\t\"terms\": [\"third term\"],\n\t\t\t\"patterns\": [\"ed\\\\s+three\"],\n\t\t\t\"fixed_in\": \"4.1\"\n\t\t}\n\t]\n}\n",
    );
    assert_eq!(read(&reg), added);
    let (code, out, _) = run(&sb, &reg, &["registry", "lint"]);
    assert_eq!(code, 0, "{out}");
    only_registry(sb.path());
}

#[test]
fn a_failed_edit_leaves_the_file_untouched_and_exits_2() {
    let (sb, reg) = setup();
    let before = std::fs::metadata(&reg).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["registry", "add", "ED-9", "--pattern", "x*"],
            "would make the registry invalid",
        ),
        (
            &["registry", "add", "ED-9", "--term", " "],
            "would make the registry invalid",
        ),
        (&["registry", "add", "ed-1"], "already in the registry"),
        (
            &["registry", "triage", "ED-7", "--severity", "low"],
            "no issue with id `ED-7`",
        ),
        (
            &["registry", "release", "ED-1", "ED-7"],
            "no issue with id `ED-7`",
        ),
        (
            &["registry", "disclose", "ED-1", "--date", "2026-02-30"],
            "invalid date",
        ),
        (
            &["registry", "triage", "ED-1", "--severity", "severe"],
            "expected critical",
        ),
    ];
    for (args, reason) in cases {
        let (code, out, err) = run(&sb, &reg, args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(reason), "{args:?}: {err}");
        if err.starts_with("embargo: error:") {
            assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        }
        assert_eq!(read(&reg), REGISTRY, "{args:?} changed the file");
    }
    let after = std::fs::metadata(&reg).unwrap();
    assert_eq!(
        (before.ino(), before.mtime_nsec()),
        (after.ino(), after.mtime_nsec())
    );
    only_registry(sb.path());

    // A registry that is invalid already is not edited.
    std::fs::write(
        &reg,
        "{\"version\": 1, \"issues\": [{\"id\": \"A\", \"bogus\": 1}]}",
    )
    .unwrap();
    let (code, _, err) = run(&sb, &reg, &["registry", "triage", "A", "--severity", "low"]);
    assert_eq!(code, 2);
    assert!(err.contains("registry is invalid"), "{err}");
}

#[test]
fn only_a_plain_file_is_edited() {
    let (sb, reg) = setup();
    // The secret.
    let (code, _, err) = common::run_with_stdin(
        sb.embargo()
            .current_dir(sb.path())
            .env("EMBARGO_REGISTRY_JSON", REGISTRY)
            .args(["registry", "triage", "ED-1", "--severity", "low"]),
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("$EMBARGO_REGISTRY_JSON"), "{err}");
    // A registry in a git repository.
    let (code, _, err) = sb.run_embargo(
        sb.path(),
        &[
            "--registry",
            "git:/srv/security.git#main:registry.json",
            "registry",
            "disclose",
            "ED-1",
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot be edited in place"), "{err}");
    // A directory, a FIFO (opening one would hang), a missing file.
    let fifo = sb.path().join("fifo.json");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for path in [
        sb.path().to_path_buf(),
        fifo,
        sb.path().join("missing.json"),
    ] {
        let (code, _, err) = run(&sb, &path, &["registry", "disclose", "ED-1"]);
        assert_eq!(code, 2, "{}: {err}", path.display());
    }
    assert_eq!(read(&reg), REGISTRY);
}

#[test]
fn the_file_is_replaced_with_its_mode_and_through_a_symlink() {
    let (sb, reg) = setup();
    std::fs::set_permissions(&reg, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = sb.path().join("link.json");
    std::os::unix::fs::symlink(&reg, &link).unwrap();
    let (code, _, err) = run(
        &sb,
        &link,
        &["registry", "disclose", "ED-2", "--date", "2026-10-01"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(read(&reg).contains("\"disclosed\": \"2026-10-01\""));
    assert_eq!(
        std::fs::metadata(&reg).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn concurrent_editors_lose_nothing() {
    let (sb, reg) = setup();
    // Two processes at a time, several rounds: every added issue must be there.
    for round in 0..6 {
        let children: Vec<_> = (0..2)
            .map(|k| {
                sb.embargo()
                    .current_dir(sb.path())
                    .args(["--registry", reg.to_str().unwrap(), "registry", "add"])
                    .arg(format!("CC-{round}-{k}"))
                    .args(["--term", &format!("concurrent term {round} {k}")])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let text = read(&reg);
    for round in 0..6 {
        for k in 0..2 {
            assert!(
                text.contains(&format!("\"CC-{round}-{k}\"")),
                "CC-{round}-{k} lost:\n{text}"
            );
        }
    }
    assert!(text.starts_with(&REGISTRY[..REGISTRY.find("\t\t}\n\t]").unwrap()]));
    only_registry(sb.path());
}
