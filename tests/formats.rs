//! `embargo check` output formats: json parses with its documented fields, sarif passes
//! Microsoft's SARIF validator (schema and GitHub code scanning rules), github
//! annotations are escaped as the Actions runner requires, and no format leaks registry
//! content without `--reveal`.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const FORMATS: [&str; 4] = ["human", "json", "sarif", "github"];

fn commit(sb: &Sandbox, dir: &Path, message: &str) -> String {
    sb.git_ok(
        dir,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "--cleanup=verbatim",
            "-m",
            message,
        ],
    );
    sb.git_ok(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

/// A repository whose last three commits have one finding of each kind, and a pull
/// request event over them whose title mentions an issue too.
struct Fixture {
    sb: Sandbox,
    repo: PathBuf,
    event: PathBuf,
    embargoed: String,
}

fn fixture() -> Fixture {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let base = sb.git_ok(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let embargoed = commit(
        &sb,
        &repo,
        "Fix the chunk digest comparison, 100% done: ok\n\nMore text.",
    );
    commit(&sb, &repo, "Close a vulnerability in the parser");
    let head = commit(&sb, &repo, "Tidy \u{202E}txet desrever");
    let event = sb.path().join("event.json");
    let payload = serde_json::json!({"pull_request": {
        "number": 3, "title": "Ratchet header replay, fixed", "body": "Nothing here.",
        "base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "topic"}}});
    std::fs::write(&event, payload.to_string()).unwrap();
    Fixture {
        sb,
        repo,
        event,
        embargoed,
    }
}

impl Fixture {
    fn check(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = self.sb.embargo();
        cmd.current_dir(&self.repo)
            .env("EMBARGO_REGISTRY", example_registry())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &self.event)
            .arg("check")
            .args(args);
        run_with_stdin(&mut cmd, b"")
    }
}

#[test]
fn json_parses_with_the_documented_fields() {
    let f = fixture();
    let (code, out, err) = f.check(&["--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("json output parses");
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["checked"], 6,
        "3 commits and the title, body and head branch"
    );
    assert_eq!(doc["blocked"], 3);
    assert_eq!(doc["warnings"], 1);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4);
    let title = &findings[0];
    assert_eq!(title["source"]["type"], "pull-request");
    assert_eq!(title["source"]["field"], "title");
    let commit = findings
        .iter()
        .find(|x| x["source"]["commit"] == f.embargoed.as_str())
        .expect("the embargoed commit's finding");
    for key in [
        "kind",
        "level",
        "severity",
        "message",
        "line",
        "column",
        "end_line",
        "end_column",
        "text",
        "line_text",
    ] {
        assert!(commit.get(key).is_some(), "missing {key}: {commit}");
    }
    assert_eq!(commit["source"]["type"], "commit");
    assert_eq!(commit["source"]["commit"], f.embargoed.as_str());
    assert_eq!(commit["source"]["short"], &f.embargoed[..12]);
    assert_eq!(commit["kind"], "embargoed-mention");
    assert_eq!(commit["level"], "error");
    assert_eq!(commit["severity"], "high");
    assert_eq!(commit["text"], "chunk digest");
    assert_eq!(
        (commit["line"].as_u64(), commit["column"].as_u64()),
        (Some(1), Some(9))
    );
    assert!(commit.get("issue").is_none(), "issue only with --reveal");
}

/// Runs the multitool's `validate` with one kind of rules and returns its results.
fn validate(tool: &Path, file: &Path, rule_kind: &str, dir: &Path) -> Vec<Value> {
    let out_file = dir.join(format!("validation-{rule_kind}.sarif"));
    let out = std::process::Command::new(tool)
        .args([
            "validate",
            file.to_str().unwrap(),
            "--rule-kind",
            rule_kind,
            "--log",
            "ForceOverwrite",
        ])
        .arg("-o")
        .arg(&out_file)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("HOME", dir)
        .output()
        .expect("run sarif-multitool");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "sarif-multitool failed:\n{log}");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).expect("validator output"))
            .expect("validator output parses");
    doc["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn sarif_passes_the_sarif_multitool_validator() {
    let Some(tool) = require_tool("sarif-multitool") else {
        return;
    };
    let f = fixture();
    let (code, out, err) = f.check(&["--format", "sarif"]);
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("sarif is json");
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let mut rule_ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    rule_ids.sort();
    assert_eq!(
        rule_ids,
        [
            "bidi-control",
            "embargoed-mention",
            "embargoed-mention",
            "generic-security-language"
        ]
    );
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with(".git/"),
            "{r}"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1, "{r}");
    }
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&".git/PULL_REQUEST/title"), "{uris:?}");
    assert!(
        uris.contains(&format!(".git/COMMIT_MSG/{}", f.embargoed).as_str()),
        "{uris:?}"
    );

    let file = f.sb.path().join("embargo.sarif");
    std::fs::write(&file, &out).unwrap();
    let mut problems = Vec::new();
    for kind in ["Sarif", "Ghas"] {
        for r in validate(&tool, &file, kind, f.sb.path()) {
            let level = r["level"].as_str().unwrap_or("warning");
            // SARIF2005 asks for an informationUri; embargo has no public home page to give.
            if level == "error" || (level == "warning" && r["ruleId"] != "SARIF2005") {
                problems.push(r);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "validator findings:\n{problems:#?}\n\nSARIF:\n{out}"
    );
}

#[test]
fn check_text_sarif_passes_the_validator_with_the_file_as_location() {
    let Some(tool) = require_tool("sarif-multitool") else {
        return;
    };
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("NOTES.md"),
        "# Notes\n\nFixed the ratchet header replay.\n",
    )
    .unwrap();
    let mut cmd = sb.embargo();
    cmd.current_dir(sb.path())
        .env("EMBARGO_REGISTRY", example_registry())
        .args(["--format", "sarif", "check-text", "NOTES.md"]);
    let (code, out, err) = run_with_stdin(&mut cmd, b"");
    assert_eq!(code, 1, "{err}");
    let file = sb.path().join("embargo.sarif");
    std::fs::write(&file, &out).unwrap();
    for kind in ["Sarif", "Ghas"] {
        let problems: Vec<Value> = validate(&tool, &file, kind, sb.path())
            .into_iter()
            .filter(|r| {
                let level = r["level"].as_str().unwrap_or("warning");
                level == "error" || (level == "warning" && r["ruleId"] != "SARIF2005")
            })
            .collect();
        assert!(problems.is_empty(), "{kind}: {problems:#?}\n{out}");
    }
}

#[test]
fn sarif_validator_rejects_a_broken_log() {
    // The validator really validates: a result without a region line and without a
    // location is caught.
    let Some(tool) = require_tool("sarif-multitool") else {
        return;
    };
    let f = fixture();
    let (_, out, _) = f.check(&["--format", "sarif"]);
    let mut doc: Value = serde_json::from_str(&out).unwrap();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    doc["runs"][0]["results"][1]
        .as_object_mut()
        .unwrap()
        .remove("locations");
    let file = f.sb.path().join("broken.sarif");
    std::fs::write(&file, doc.to_string()).unwrap();
    let errors: Vec<String> = ["Sarif", "Ghas"]
        .iter()
        .flat_map(|k| validate(&tool, &file, k, f.sb.path()))
        .filter(|r| r["level"] == "error")
        .map(|r| r["ruleId"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(errors.iter().any(|id| id.starts_with("JSON")), "{errors:?}");
    assert!(errors.iter().any(|id| id.starts_with("GH")), "{errors:?}");
}

#[test]
fn github_annotations_are_escaped() {
    let f = fixture();
    let (code, out, err) = f.check(&["--format", "github"]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let commands: Vec<&&str> = lines.iter().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 4, "{out}");
    assert_eq!(
        commands
            .iter()
            .filter(|l| l.starts_with("::error "))
            .count(),
        3,
        "{out}"
    );
    assert_eq!(
        commands
            .iter()
            .filter(|l| l.starts_with("::warning "))
            .count(),
        1,
        "{out}"
    );
    assert!(lines
        .last()
        .unwrap()
        .starts_with("embargo: 3 blocked mentions, 1 warning in 6 texts checked"));
    let short = &f.embargoed[..12];
    let line = commands
        .iter()
        .find(|l| l.contains(short))
        .expect("the commit's annotation");
    let (props, message) = line["::error ".len()..].split_once("::").unwrap();
    assert_eq!(
        props,
        format!(
            "file=.git/COMMIT_MSG/{},line=1,endLine=1,col=9,endColumn=21,\
             title=embargo%3A embargoed-mention in commit {short}",
            f.embargoed
        )
    );
    // `%` and line breaks are escaped in the message; `:` and `,` are not.
    assert!(message.contains("100%25 done: ok"), "{message}");
    assert!(message.contains("%0A"), "{message}");
    assert!(
        !message.contains('\r') && !message.contains("100% "),
        "{message}"
    );
    // The title's own `:` is escaped in the property.
    let title = commands
        .iter()
        .find(|l| l.contains("pull request title"))
        .unwrap();
    assert!(
        title.contains("title=embargo%3A embargoed-mention in pull request title::"),
        "{title}"
    );
    assert!(title.contains("file=.git/PULL_REQUEST/title,"), "{title}");
}

#[test]
fn github_property_values_escape_commas_and_colons() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let head = sb.git_ok(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let event = sb.path().join("push.json");
    let payload =
        serde_json::json!({"ref": "refs/heads/chunk,digest", "before": head, "after": head});
    std::fs::write(&event, payload.to_string()).unwrap();
    let mut cmd = sb.embargo();
    cmd.current_dir(&repo)
        .env("EMBARGO_REGISTRY", example_registry())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["check", "--format", "github"]);
    let (code, out, err) = run_with_stdin(&mut cmd, b"");
    assert_eq!(code, 1, "{out}{err}");
    let line = out.lines().find(|l| l.starts_with("::error ")).unwrap();
    assert!(
        line.starts_with(
            "::error file=.git/REF/refs/heads/chunk%2Cdigest,line=1,endLine=1,col=12,endColumn=24,\
             title=embargo%3A embargoed-mention in ref name refs/heads/chunk%2Cdigest::"
        ),
        "{line}"
    );
}

#[test]
fn no_format_prints_registry_content_without_reveal() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let base = sb.git_ok(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let message = "fix mkterm alphaqz";
    let head = commit(&sb, &repo, message);
    let event = sb.path().join("event.json");
    let payload = serde_json::json!({"pull_request": {"number": 1, "title": message, "body": message,
        "base": {"sha": base, "ref": "main"}, "head": {"sha": head, "ref": "mkterm-alphaqz"}}});
    std::fs::write(&event, payload.to_string()).unwrap();
    let run = |format: &str, reveal: bool| {
        let mut cmd = sb.embargo();
        cmd.current_dir(&repo)
            .env("EMBARGO_REGISTRY_JSON", marker_registry_json())
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .args(["check", "--format", format]);
        if reveal {
            cmd.arg("--reveal");
        }
        run_with_stdin(&mut cmd, b"")
    };
    for format in FORMATS {
        let (code, out, err) = run(format, false);
        assert_eq!(code, 1, "{format}: {out}{err}");
        assert_no_leak(&format!("{out}{err}"), message);
        // Explicit revisions too.
        let mut cmd = sb.embargo();
        cmd.current_dir(&repo)
            .env("EMBARGO_REGISTRY_JSON", marker_registry_json())
            .args(["check", "--format", format, "--all"]);
        let (code, out, err) = run_with_stdin(&mut cmd, b"");
        assert_eq!(code, 1, "{format}: {out}{err}");
        assert_no_leak(&format!("{out}{err}"), message);
        // With --reveal the id is there: the leak check above looks at real output.
        let (_, out, _) = run(format, true);
        assert!(out.contains("MKID-4417"), "{format} --reveal: {out}");
    }
}

#[test]
fn no_ci_format_echoes_raw_control_characters() {
    let f = fixture();
    for format in FORMATS {
        let (_, out, _) = f.check(&["--format", format]);
        assert!(
            !out.contains('\u{202E}'),
            "{format}: raw bidi control in output"
        );
        assert!(!out.contains('\r'), "{format}: raw CR in output");
    }
}

#[test]
fn sarif_and_github_are_only_for_check_and_check_text() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    for format in ["sarif", "github"] {
        let mut cmd = sb.embargo();
        cmd.current_dir(&repo)
            .env("EMBARGO_REGISTRY", example_registry())
            .args(["commit-msg", "--format", format, "-"]);
        let (code, _, err) = run_with_stdin(&mut cmd, b"fine message\n");
        assert_eq!(code, 2, "{format}: {err}");
    }
}

/// The formats a command takes are settled when the command line is parsed: a refused
/// one is a usage error before anything is read (here, a registry that does not exist
/// and a pre-receive input that would be malformed are never looked at), and no audit
/// record is written for it.
#[test]
fn a_refused_format_is_refused_before_any_work() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let audit = sb.path().join("audit.log");
    for (format, args) in [
        ("sarif", vec!["pre-receive"]),
        ("github", vec!["commit-msg", "-"]),
        ("sarif", vec!["registry", "lint"]),
        ("github", vec!["registry", "status"]),
        ("sarif", vec!["registry", "disclose", "X-1"]),
        ("sarif", vec!["notice", "partners"]),
    ] {
        let mut all = vec![
            "--registry",
            "no-such-registry.json",
            "--audit-log",
            audit.to_str().unwrap(),
            "--format",
            format,
        ];
        all.extend(&args);
        let (code, out, err) = sb.run_embargo(&repo, &all, b"not a pre-receive line\n");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(
            err.contains(&format!("invalid value '{format}' for '--format <FORMAT>'"))
                && err.contains("only for `embargo check`"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("no-such-registry"), "{args:?}: {err}");
        assert!(!err.contains("malformed"), "{args:?}: {err}");
    }
    assert!(!audit.exists(), "a usage error is not a checked push");
    // The calendar is iCalendar only.
    let (code, out, err) = sb.run_embargo(&repo, &["--format", "json", "notice", "calendar"], b"");
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("writes iCalendar only"), "{err}");
}

/// `--color` (contract §2): `always` and `never` whatever the output is, `auto` only on
/// a terminal and only without `NO_COLOR` (set and not empty, as no-color.org says);
/// accepted before and after the command.
#[test]
fn color_follows_the_flag_the_terminal_and_no_color() {
    let sb = Sandbox::new();
    let message = sb.path().join("message.txt");
    std::fs::write(&message, "Fix the chunk digest comparison\n").unwrap();
    let esc = "\x1b[";
    let piped = |args: &[&str], no_color: Option<&str>| {
        let mut cmd = sb.embargo();
        cmd.current_dir(sb.path())
            .env("EMBARGO_REGISTRY", example_registry())
            .args(args)
            .arg("commit-msg")
            .arg(&message);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let (code, out, err) = text(&cmd.output().unwrap());
        assert_eq!(code, 1, "{err}");
        format!("{out}{err}")
    };
    assert!(piped(&["--color", "always"], None).contains(esc));
    assert!(
        piped(&["--color=always"], Some("1")).contains(esc),
        "the flag wins"
    );
    assert!(!piped(&["--color", "never"], None).contains(esc));
    assert!(!piped(&[], None).contains(esc), "auto: not a terminal");
    assert!(!piped(&["--color", "auto"], None).contains(esc));

    let Some(script) = require_tool("script") else {
        return;
    };
    // util-linux `script` runs the command on a pseudo-terminal.
    let on_terminal = |args: &str, no_color: Option<&str>| {
        let line = format!(
            "'{}' {args} commit-msg '{}'",
            embargo_bin().display(),
            message.display()
        );
        let mut cmd = sb.command(&script);
        cmd.current_dir(sb.path())
            .env("EMBARGO_REGISTRY", example_registry())
            .env("TERM", "xterm")
            .env("SHELL", "/bin/sh")
            .args(["-qec", &line, "/dev/null"])
            .stdin(std::process::Stdio::null());
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(on_terminal("", None).contains(esc));
    assert!(
        on_terminal("", Some("")).contains(esc),
        "NO_COLOR empty: ignored"
    );
    assert!(!on_terminal("", Some("1")).contains(esc));
    assert!(!on_terminal("--color never", None).contains(esc));
}

#[test]
fn sarif_reports_what_commits_add_on_the_files_themselves() {
    let Some(tool) = require_tool("sarif-multitool") else {
        return;
    };
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join("src/relay.c"), "int a;\n// guard SX-2026-011\n").unwrap();
    std::fs::write(repo.join("notes-cve-2026-41873.md"), "notes\n").unwrap();
    sb.git_ok(&repo, &["add", "-A"]);
    commit(&sb, &repo, "Harden the relay");
    let mut cmd = sb.embargo();
    cmd.current_dir(&repo)
        .env("EMBARGO_REGISTRY", example_registry())
        .args(["--format", "sarif", "check", "HEAD^..HEAD"]);
    let (code, out, err) = run_with_stdin(&mut cmd, b"");
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("sarif is json");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let mut located: Vec<(String, Value)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"].clone(),
            )
        })
        .collect();
    located.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(located.len(), 2, "{out}");
    assert_eq!(located[0].0, "notes-cve-2026-41873.md");
    assert_eq!(located[0].1["startLine"], 1);
    assert_eq!(located[1].0, "src/relay.c");
    assert_eq!(located[1].1["startLine"], 2);
    assert_eq!(located[1].1["startColumn"], 10);

    let file = sb.path().join("changes.sarif");
    std::fs::write(&file, &out).unwrap();
    let mut problems = Vec::new();
    for kind in ["Sarif", "Ghas"] {
        for r in validate(&tool, &file, kind, sb.path()) {
            let level = r["level"].as_str().unwrap_or("warning");
            if level == "error" || (level == "warning" && r["ruleId"] != "SARIF2005") {
                problems.push(r);
            }
        }
    }
    assert!(
        problems.is_empty(),
        "validator findings:\n{problems:#?}\n\nSARIF:\n{out}"
    );
}
