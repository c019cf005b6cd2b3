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
fn an_alias_no_mention_can_hold_is_named_only_by_lint() {
    let (sb, reg) = setup();
    let broken = marker_registry_json().replace("MKALIAS-9931", "MKALIAS\u{2bc}9931");
    std::fs::write(&reg, broken).unwrap();
    let (code, out, err) = sb.run_embargo(
        sb.path(),
        &["--registry", reg.to_str().unwrap(), "commit-msg", "-"],
        MESSAGE.as_bytes(),
    );
    assert_eq!(code, 2);
    let all = format!("{out}{err}");
    assert_no_leak(&all, "");
    assert!(!all.contains('\u{2bc}') && !all.contains("`'`"), "{all}");
    assert!(all.contains("can never match"), "{all}");
    // The security team's lint names it, and what it reads as.
    let (code, out, err) =
        sb.run_embargo(sb.path(), &["registry", "lint", reg.to_str().unwrap()], b"");
    assert_eq!(code, 2);
    assert!(
        format!("{out}{err}").contains("MKALIAS\u{2bc}9931 (`\u{2bc}`, which reads as `'`)"),
        "{out}{err}"
    );
}

/// The help, the completion scripts and the man page never read the registry, even
/// when one is configured.
#[test]
fn help_completions_and_man_page_leak_nothing() {
    let (sb, reg) = setup();
    for args in [
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["completions", "fish"],
        vec!["man"],
        vec!["--help"],
        vec!["commit-msg", "--help"],
        vec!["registry", "lint", "--help"],
    ] {
        let mut cmd = sb.embargo();
        cmd.current_dir(sb.path())
            .env("EMBARGO_REGISTRY", &reg)
            .args(&args);
        let (code, out, err) = common::text(&cmd.output().unwrap());
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_no_leak(&format!("{out}{err}"), "");
    }
}

/// The marker registry with its first issue released on 2026-11-25 in version 9.9: level
/// public 2026-12-02, details public 2026-12-16.
fn released_markers() -> (Sandbox, std::path::PathBuf) {
    let (sb, reg) = setup();
    let text = marker_registry_json().replace(
        "\"released\": null",
        "\"released\": \"2026-11-25\", \"fixed_in\": \"9.9\"",
    );
    std::fs::write(&reg, text).unwrap();
    (sb, reg)
}

fn run_on(sb: &Sandbox, reg: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["--registry", reg.to_str().unwrap()];
    all.extend_from_slice(args);
    let (code, out, err) = sb.run_embargo(sb.path(), &all, b"");
    assert_eq!(code, 0, "{args:?}: {err}");
    format!("{out}{err}")
}

#[test]
fn registry_status_prints_ids_and_dates_only() {
    let (sb, reg) = released_markers();
    for format in ["human", "json"] {
        let out = run_on(&sb, &reg, &["--format", format, "registry", "status"]);
        assert!(out.contains("MKID-4417"), "ids are printed: {out}");
        common::assert_no_leak_but_ids(&out);
    }
    // From the secret, not even the ids.
    for format in ["human", "json"] {
        let (code, out, err) = common::run_with_stdin(
            sb.embargo()
                .current_dir(sb.path())
                .env(
                    "EMBARGO_REGISTRY_JSON",
                    std::fs::read_to_string(&reg).unwrap(),
                )
                .args(["--format", format, "registry", "status"]),
            b"",
        );
        assert_eq!(code, 0, "{err}");
        assert_no_leak(&format!("{out}{err}"), "");
    }
}

#[test]
fn notices_say_no_more_than_the_day_allows() {
    let (sb, reg) = released_markers();
    // Before the details date: nothing from the registry at all, in either format.
    for day in ["2026-11-25", "2026-12-01", "2026-12-02", "2026-12-15"] {
        for format in ["human", "json"] {
            let partners = run_on(
                &sb,
                &reg,
                &[
                    "--as-of",
                    day,
                    "--format",
                    format,
                    "notice",
                    "partners",
                    "--date",
                    "2026-11-25",
                ],
            );
            assert!(partners.contains("9.9"), "{partners}");
            assert_no_leak(&partners, "");
            let notes = run_on(
                &sb,
                &reg,
                &[
                    "--as-of",
                    day,
                    "--format",
                    format,
                    "notice",
                    "release-notes",
                    "--fixed-in",
                    "9.9",
                ],
            );
            assert_no_leak(&notes, "");
        }
    }
    // From the details date: the id, the alias and the summary, never terms or patterns,
    // and nothing of the issue that is still embargoed.
    let notes = run_on(
        &sb,
        &reg,
        &[
            "--as-of",
            "2026-12-16",
            "notice",
            "release-notes",
            "--fixed-in",
            "9.9",
        ],
    );
    assert!(
        notes.contains("MKID-4417") && notes.contains("MKALIAS-9931"),
        "{notes}"
    );
    assert_no_leak(&notes, "MKID-4417 MKALIAS-9931 MKSUMMARYQX");
    // The calendar: ids and severities only; from the secret, no ids.
    let calendar = run_on(&sb, &reg, &["--as-of", "2026-11-20", "notice", "calendar"]);
    assert!(calendar.contains("MKID-4417"), "{calendar}");
    common::assert_no_leak_but_ids(&calendar);
    let (code, out, err) = common::run_with_stdin(
        sb.embargo()
            .current_dir(sb.path())
            .env(
                "EMBARGO_REGISTRY_JSON",
                std::fs::read_to_string(&reg).unwrap(),
            )
            .args(["--as-of", "2026-11-20", "notice", "calendar"]),
        b"",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("BEGIN:VEVENT"), "{out}");
    assert_no_leak(&format!("{out}{err}"), "");
}

#[test]
fn a_refused_edit_quotes_nothing_from_the_registry() {
    let (sb, reg) = setup();
    let (code, out, err) = sb.run_embargo(
        sb.path(),
        &[
            "--registry",
            reg.to_str().unwrap(),
            "registry",
            "add",
            "NEW-1",
            "--pattern",
            "q*",
        ],
        b"",
    );
    assert_eq!(code, 2, "{out}{err}");
    assert_no_leak(&format!("{out}{err}"), "");
}

#[test]
fn check_text_leaks_nothing_in_any_format() {
    let (sb, reg) = setup();
    // A Markdown heading with the marker term: checked, echoed as the user's own text.
    let text = format!("# {MESSAGE}");
    for format in ["human", "json", "sarif", "github"] {
        let (code, out, err) = sb.run_embargo(
            sb.path(),
            &[
                "--registry",
                reg.to_str().unwrap(),
                "--format",
                format,
                "check-text",
                "-",
            ],
            text.as_bytes(),
        );
        assert_eq!(code, 1, "{format}: {err}");
        assert_no_leak(&format!("{out}{err}"), MESSAGE);
    }
}

#[test]
fn a_registry_named_in_git_leaks_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("security");
    let commit = |text: &str| {
        std::fs::write(repo.join("registry.json"), text).unwrap();
        sb.git_ok(&repo, &["add", "registry.json"]);
        sb.git_ok(&repo, &["commit", "-q", "-m", "registry"]);
    };
    commit(&marker_registry_json());
    let spec = format!("git:{}#main:registry.json", repo.display());
    for format in ["human", "json"] {
        let (code, out, err) = sb.run_embargo(
            sb.path(),
            &["--registry", &spec, "--format", format, "commit-msg", "-"],
            MESSAGE.as_bytes(),
        );
        assert_eq!(code, 1, "{format}: {err}");
        assert_no_leak(&format!("{out}{err}"), MESSAGE);
    }
    // An invalid committed registry is reported redacted, with where it is.
    commit(&marker_registry_json().replace("\"critical\"", "\"MKSEVERITYBAD\""));
    let (code, out, err) = sb.run_embargo(
        sb.path(),
        &["--registry", &spec, "commit-msg", "-"],
        MESSAGE.as_bytes(),
    );
    assert_eq!(code, 2, "{err}");
    let all = format!("{out}{err}");
    assert_no_leak(&all, "");
    assert!(!all.contains("MKSEVERITYBAD"), "{all}");
    assert!(all.contains(&spec), "{all}");
}

/// The registry repository's hook shows lint's full report to the security team, who push
/// there; a valid registry is reported by its count alone.
#[test]
fn the_registry_repositorys_hook_names_only_counts_for_a_valid_registry() {
    let sb = Sandbox::new();
    let team = sb.repo("team");
    std::fs::write(team.join("registry.json"), marker_registry_json()).unwrap();
    sb.git_ok(&team, &["add", "registry.json"]);
    sb.git_ok(&team, &["commit", "-q", "-m", "registry"]);
    let bare = sb.path().join("security.git");
    sb.git_ok(
        sb.path(),
        &[
            "clone",
            "-q",
            "--bare",
            team.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let head = sb.git_ok(&bare, &["rev-parse", "main"]);
    let update = format!("{} {} refs/heads/main\n", "0".repeat(40), head.trim());
    let (code, out, err) = common::run_with_stdin(
        sb.embargo()
            .current_dir(&bare)
            .env("GIT_DIR", ".")
            .args(["registry", "pre-receive"]),
        update.as_bytes(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("valid registry, 2 issues"), "{err}");
    assert_no_leak(&format!("{out}{err}"), "");
}

#[test]
fn ident_and_header_findings_leak_nothing() {
    // The author name mentions the first issue by its term: the hook and `check` may
    // echo that name (the user's own text), nothing else of the registry.
    let s = common::server::Server::bare_only("leak-ident.git");
    let reg = s.write_file("markers.json", &marker_registry_json());
    s.config(&["embargo.registry", reg.to_str().unwrap()]);
    let name = "mkterm alphaqz";
    let out =
        s.sb.command("git")
            .current_dir(&s.client)
            .env("GIT_AUTHOR_NAME", name)
            .args(["commit", "-q", "--allow-empty", "--no-verify", "-m", "Tidy"])
            .output()
            .unwrap();
    assert!(out.status.success());
    let out = s.push(&["origin", "main"]);
    let text = common::server::all_output(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains(" author"), "{text}");
    assert_no_leak(&text, name);
    for format in ["human", "json", "sarif", "github"] {
        let (code, out, err) = s.sb.run_embargo(
            &s.client,
            &[
                "--registry",
                reg.to_str().unwrap(),
                "--format",
                format,
                "check",
                "HEAD",
            ],
            b"",
        );
        assert_eq!(code, 1, "{format}: {out}{err}");
        assert_no_leak(&format!("{out}{err}"), name);
    }
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
