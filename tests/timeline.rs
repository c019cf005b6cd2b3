//! The disclosure timeline end to end (contract §12): `registry status` on each boundary
//! day for every severity, its JSON, the notices on boundary days, the calendar parsed
//! back by a real iCalendar parser, and one issue run from report to disclosure with
//! the commands alone.

mod common;

use std::path::{Path, PathBuf};

use common::{require_tool, Sandbox};
use serde_json::Value;

/// Released 2026-11-25 with the default policy: level public 2026-12-02, details public
/// 2026-12-16. One issue per severity, an unreleased one and one disclosed early.
const REGISTRY: &str = r#"{
  "version": 1,
  "issues": [
    {"id": "TL-CRIT", "severity": "critical", "terms": ["crit words"], "released": "2026-11-25", "fixed_in": "3.1.0"},
    {"id": "TL-HIGH", "severity": "high", "terms": ["high words"], "released": "2026-11-25", "fixed_in": "3.1.0"},
    {"id": "TL-MED", "severity": "medium", "terms": ["med words"], "released": "2026-11-25", "fixed_in": "3.1.0"},
    {"id": "TL-LOW", "severity": "low", "terms": ["low words"], "released": "2026-11-25", "fixed_in": "3.1.0"},
    {"id": "TL-UNTR", "terms": ["untr words"], "summary": "untriaged summary", "aliases": ["CVE-2031-0001"], "released": "2026-11-25", "fixed_in": "3.1.0"},
    {"id": "TL-LATER", "severity": "high", "terms": ["later words"]},
    {"id": "TL-EARLY", "severity": "critical", "terms": ["early words"], "released": "2026-11-25", "disclosed": "2026-12-05", "fixed_in": "3.0.9"}
  ]
}
"#;

fn setup(text: &str) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let reg = sb.path().join("registry.json");
    std::fs::write(&reg, text).unwrap();
    (sb, reg)
}

fn run(sb: &Sandbox, reg: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--registry", reg.to_str().unwrap()];
    all.extend_from_slice(args);
    sb.run_embargo(sb.path(), &all, b"")
}

fn status(sb: &Sandbox, reg: &Path, day: &str) -> Value {
    let (code, out, err) = run(
        sb,
        reg,
        &["--as-of", day, "--format", "json", "registry", "status"],
    );
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn issue<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing: {doc}"))
}

#[test]
fn phases_and_blocking_on_each_boundary_day_for_every_severity() {
    let (sb, reg) = setup(REGISTRY);
    // (day, phase of the released issues)
    let days = [
        ("2026-11-24", "unreleased"),
        ("2026-11-25", "released"),
        ("2026-11-26", "released"),
        ("2026-12-01", "released"),
        ("2026-12-02", "level-public"),
        ("2026-12-03", "level-public"),
        ("2026-12-15", "level-public"),
        ("2026-12-16", "details-public"),
        ("2026-12-17", "details-public"),
    ];
    for (day, phase) in days {
        let doc = status(&sb, &reg, day);
        assert_eq!(doc["as_of"], day);
        for id in ["TL-CRIT", "TL-HIGH", "TL-MED", "TL-LOW", "TL-UNTR"] {
            let i = issue(&doc, id);
            assert_eq!(i["phase"], phase, "{id} on {day}");
            // Low is never blocked; the rest until the details date.
            let blocked = id != "TL-LOW" && phase != "details-public";
            assert_eq!(i["blocked"], blocked, "{id} on {day}");
        }
        let later = issue(&doc, "TL-LATER");
        assert_eq!(
            (&later["phase"], &later["blocked"]),
            (&"unreleased".into(), &true.into())
        );
    }
    for (day, phase, blocked) in [
        ("2026-12-04", "level-public", true),
        ("2026-12-05", "disclosed", false),
        ("2026-12-06", "disclosed", false),
    ] {
        let doc = status(&sb, &reg, day);
        let early = issue(&doc, "TL-EARLY");
        assert_eq!(early["phase"], phase, "{day}");
        assert_eq!(early["blocked"], blocked, "{day}");
    }
    // The verdict agrees with the status: a mention of the untriaged issue is blocked the
    // day before the details date and allowed on it.
    for (day, code) in [("2026-12-15", 1), ("2026-12-16", 0)] {
        let args = [
            "--registry",
            reg.to_str().unwrap(),
            "--as-of",
            day,
            "commit-msg",
            "-",
        ];
        let (got, _, err) = sb.run_embargo(sb.path(), &args, b"fix untr words\n");
        assert_eq!(got, code, "{day}: {err}");
    }
}

#[test]
fn status_json_has_the_documented_fields_and_dates() {
    let (sb, reg) = setup(REGISTRY);
    let doc = status(&sb, &reg, "2026-11-30");
    let crit = issue(&doc, "TL-CRIT");
    let mut keys: Vec<&str> = crit
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "blocked",
            "details_public_on",
            "disclosed",
            "fixed_in",
            "id",
            "level_public_on",
            "phase",
            "released",
            "severity"
        ]
    );
    assert_eq!(crit["released"], "2026-11-25");
    assert_eq!(crit["level_public_on"], "2026-12-02");
    assert_eq!(crit["details_public_on"], "2026-12-16");
    assert_eq!(crit["disclosed"], Value::Null);
    assert_eq!(crit["fixed_in"], "3.1.0");
    assert_eq!(issue(&doc, "TL-UNTR")["severity"], "untriaged");
    let later = issue(&doc, "TL-LATER");
    for field in [
        "released",
        "level_public_on",
        "details_public_on",
        "disclosed",
        "fixed_in",
    ] {
        assert_eq!(later[field], Value::Null, "{field}");
    }
    assert_eq!(issue(&doc, "TL-EARLY")["disclosed"], "2026-12-05");
    // The private fields come only with --reveal.
    assert!(issue(&doc, "TL-UNTR").get("summary").is_none());
    let (_, out, _) = run(
        &sb,
        &reg,
        &[
            "--as-of",
            "2026-11-30",
            "--format",
            "json",
            "--reveal",
            "registry",
            "status",
        ],
    );
    let revealed: Value = serde_json::from_str(&out).unwrap();
    let untr = issue(&revealed, "TL-UNTR");
    assert_eq!(untr["summary"], "untriaged summary");
    assert_eq!(untr["aliases"][0], "CVE-2031-0001");
}

#[test]
fn human_status_puts_the_next_change_first_and_honours_as_of_from_the_environment() {
    let (sb, reg) = setup(REGISTRY);
    let (code, out, err) = common::run_with_stdin(
        sb.embargo()
            .current_dir(sb.path())
            .env("EMBARGO_AS_OF", "2026-12-03")
            .args(["--registry", reg.to_str().unwrap(), "registry", "status"]),
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains("as of 2026-12-03") && lines[0].contains("next change 2026-12-05"),
        "{out}"
    );
    assert!(lines[1].starts_with("ID "), "{out}");
    // TL-EARLY is disclosed on 12-05, before the others' details date of 12-16.
    assert!(lines[2].starts_with("TL-EARLY "), "{out}");
    assert!(lines[3].starts_with("TL-CRIT ") && lines[3].contains("2026-12-16 details-public"));
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    assert!(!out.contains("untriaged summary") && !out.contains("untr words"));
}

#[test]
fn partner_notice_says_levels_and_versions_only_from_the_release_day() {
    let (sb, reg) = setup(REGISTRY);
    let (code, _, err) = run(
        &sb,
        &reg,
        &[
            "--as-of",
            "2026-11-24",
            "notice",
            "partners",
            "--date",
            "2026-11-25",
        ],
    );
    assert_eq!(code, 2, "the day before the release is too early");
    assert!(err.contains("--as-of 2026-11-25"), "{err}");
    for day in ["2026-11-25", "2026-11-26"] {
        let (code, out, err) = run(
            &sb,
            &reg,
            &["--as-of", day, "notice", "partners", "--date", "2026-11-25"],
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("versions 3.0.9, 3.1.0"), "{out}");
        assert!(out.contains("fixes 6 security issues"), "{out}");
        for line in [
            "- 2 critical severity issues",
            "- 1 high severity issue",
            "- 1 medium severity issue",
            "- 1 low severity issue",
            "- 1 issue of a severity not yet rated (handled as critical)",
        ] {
            assert!(out.contains(line), "{line}: {out}");
        }
        assert!(!out.contains("TL-"), "no ids: {out}");
        assert!(!out.contains("words") && !out.contains("summary") && !out.contains("CVE"));
    }
    // The as-of day is the default release day.
    let (_, out, _) = run(
        &sb,
        &reg,
        &[
            "--as-of",
            "2026-11-25",
            "--format",
            "json",
            "notice",
            "partners",
        ],
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["date"], "2026-11-25");
    assert_eq!(doc["counts"]["critical"], 2);
    assert_eq!(doc["counts"]["untriaged"], 1);
    // A day without a release.
    let (_, out, _) = run(&sb, &reg, &["--as-of", "2026-11-26", "notice", "partners"]);
    assert!(out.contains("fixes no security issue"), "{out}");
}

#[test]
fn release_notes_say_nothing_then_levels_then_details() {
    let (sb, reg) = setup(REGISTRY);
    let notes = |day: &str| {
        let (code, out, err) = run(
            &sb,
            &reg,
            &[
                "--as-of",
                day,
                "notice",
                "release-notes",
                "--fixed-in",
                "3.1.0",
            ],
        );
        assert_eq!(code, 0, "{err}");
        (out, err)
    };
    let (out, err) = notes("2026-12-01");
    assert_eq!(out, "", "nothing before the level date");
    assert!(err.contains("no security section for 3.1.0"), "{err}");
    for day in ["2026-12-02", "2026-12-15"] {
        let (out, _) = notes(day);
        assert!(out.starts_with("## Security\n"), "{out}");
        assert!(
            out.contains("fixes 5 security issues; details will follow"),
            "{out}"
        );
        assert!(out.contains("- 1 critical severity issue"), "{out}");
        assert!(
            !out.contains("TL-") && !out.contains("CVE") && !out.contains("summary"),
            "{out}"
        );
    }
    let (out, _) = notes("2026-12-16");
    assert!(
        out.contains("- TL-UNTR (untriaged, CVE-2031-0001): untriaged summary\n"),
        "{out}"
    );
    assert!(out.contains("- TL-LOW (low)\n"), "{out}");
    assert!(
        !out.contains("details will follow") && !out.contains("words"),
        "{out}"
    );
    // Disclosure opens the details before the details date.
    let (_, out, _) = run(
        &sb,
        &reg,
        &[
            "--as-of",
            "2026-12-05",
            "notice",
            "release-notes",
            "--fixed-in",
            "3.0.9",
        ],
    );
    assert!(out.contains("- TL-EARLY (critical)\n"), "{out}");
    let (code, _, err) = run(&sb, &reg, &["notice", "release-notes"]);
    assert_eq!(code, 2, "--fixed-in is required: {err}");
}

#[test]
fn calendar_is_rfc5545_that_a_real_parser_reads_back() {
    let (sb, reg) = setup(REGISTRY);
    let (code, out, err) = run(&sb, &reg, &["--as-of", "2026-12-02", "notice", "calendar"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("END:VCALENDAR\r\n"));
    for line in out.split("\r\n") {
        assert!(!line.contains('\n'), "bare LF in {line:?}");
        assert!(line.len() <= 75, "line over 75 octets: {line:?}");
    }
    assert!(!out.contains("words") && !out.contains("summary") && !out.contains("CVE"));
    // The same registry and day give the same UIDs: a re-import updates.
    let (_, again, _) = run(&sb, &reg, &["--as-of", "2026-12-01", "notice", "calendar"]);
    let uids = |s: &str| -> Vec<String> {
        s.split("\r\n")
            .filter(|l| l.starts_with("UID:"))
            .map(String::from)
            .collect()
    };
    assert!(uids(&out).iter().all(|u| uids(&again).contains(u)));

    let Some(python) = require_tool("python-icalendar") else {
        return;
    };
    let ics = sb.path().join("timeline.ics");
    std::fs::write(&ics, &out).unwrap();
    let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for e in cal.walk('VEVENT'):
    print(e.decoded('dtstart').isoformat(), e.decoded('dtend').isoformat(), str(e['uid']), str(e['summary']))
"#;
    let parsed = sb
        .command(python)
        .args(["-c", script])
        .arg(&ics)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let events = String::from_utf8(parsed.stdout).unwrap();
    let lines: Vec<&str> = events.lines().collect();
    // From 12-02: the level dates of the five 3.1.0 issues and TL-EARLY, its disclosure,
    // the details dates of the five; TL-EARLY's details date falls after its disclosure.
    assert_eq!(lines.len(), 12, "{events}");
    assert!(
        lines[0].starts_with("2026-12-02 2026-12-03 level-public-"),
        "{events}"
    );
    assert!(lines[0].ends_with("TL-CRIT (critical): the release notes may state the level"));
    assert!(
        events.contains("2026-12-05 2026-12-06 disclosure-"),
        "{events}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("2026-12-16 2026-12-17 details-public-"))
            .count(),
        5
    );
    let mut unique: Vec<&str> = lines.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 12, "UIDs are unique");
}

#[test]
fn one_issue_from_report_to_disclosure_with_the_commands_alone() {
    let (sb, reg) = setup("{\n  \"version\": 1,\n  \"issues\": []\n}\n");
    let ok = |args: &[&str]| {
        let (code, out, err) = run(&sb, &reg, args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        out
    };
    let phase = |day: &str| issue(&status(&sb, &reg, day), "SX-2026-040")["phase"].clone();
    let mention = |day: &str| {
        let args = [
            "--registry",
            reg.to_str().unwrap(),
            "--as-of",
            day,
            "commit-msg",
            "-",
        ];
        sb.run_embargo(sb.path(), &args, b"Fix the lantern overflow\n")
            .0
    };
    // Reported: added untriaged with its term; a mention is blocked at once.
    ok(&[
        "--as-of",
        "2026-11-02",
        "registry",
        "add",
        "SX-2026-040",
        "--term",
        "lantern overflow",
        "--summary",
        "Lantern overflow in the parser",
    ]);
    assert_eq!(
        issue(&status(&sb, &reg, "2026-11-02"), "SX-2026-040")["severity"],
        "untriaged"
    );
    assert_eq!(mention("2026-11-02"), 1);
    ok(&["registry", "triage", "SX-2026-040", "--severity", "high"]);
    // Released with version 2.0.0 on the as-of day.
    ok(&[
        "--as-of",
        "2026-11-10",
        "registry",
        "release",
        "SX-2026-040",
        "--fixed-in",
        "2.0.0",
    ]);
    assert_eq!(phase("2026-11-10"), "released");
    let partners = ok(&["--as-of", "2026-11-10", "notice", "partners"]);
    assert!(partners.contains("- 1 high severity issue") && partners.contains("version 2.0.0"));
    assert_eq!(mention("2026-11-17"), 1);
    assert_eq!(phase("2026-11-17"), "level-public");
    let notes = ok(&[
        "--as-of",
        "2026-11-17",
        "notice",
        "release-notes",
        "--fixed-in",
        "2.0.0",
    ]);
    assert!(
        notes.contains("fixes 1 security issue; details will follow"),
        "{notes}"
    );
    // Disclosed early, before the details date of 12-01.
    ok(&[
        "--as-of",
        "2026-11-20",
        "registry",
        "disclose",
        "SX-2026-040",
    ]);
    assert_eq!(phase("2026-11-20"), "disclosed");
    assert_eq!(mention("2026-11-20"), 0);
    let notes = ok(&[
        "--as-of",
        "2026-11-20",
        "notice",
        "release-notes",
        "--fixed-in",
        "2.0.0",
    ]);
    assert!(
        notes.contains("- SX-2026-040 (high): Lantern overflow in the parser"),
        "{notes}"
    );
    let lint = ok(&["registry", "lint"]);
    assert!(lint.contains("valid registry, 1 issue"), "{lint}");
}

#[test]
fn status_is_coloured_on_a_terminal_unless_no_color() {
    let Some(script) = require_tool("script") else {
        return;
    };
    let (sb, reg) = setup(REGISTRY);
    // `script` runs the command on a pseudo-terminal: stdout is a terminal there.
    let command = format!(
        "{} --registry {} --as-of 2026-11-30 registry status",
        common::embargo_bin().display(),
        reg.display()
    );
    for (no_color, coloured) in [(None, true), (Some("1"), false)] {
        let mut cmd = sb.command(&script);
        cmd.args(["-qec", &command, "/dev/null"]);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("TL-CRIT"), "{text}");
        assert_eq!(
            text.contains("\x1b[1;31myes"),
            coloured,
            "NO_COLOR={no_color:?}: {text:?}"
        );
    }
}
