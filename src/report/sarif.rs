//! The sarif format (`check --format sarif`): SARIF 2.1.0, for GitHub code scanning and
//! other SARIF viewers.
//!
//! Commit messages are not files, but code scanning only shows results that have a
//! `physicalLocation` with a relative `artifactLocation.uri` and a `region` with a
//! `startLine`. Each checked text therefore gets a pseudo path inside `.git/`, where git
//! never tracks a file, so an alert can never be mistaken for one on real code:
//!
//! | checked text                     | `artifactLocation.uri`              |
//! |----------------------------------|-------------------------------------|
//! | commit message                   | `.git/COMMIT_MSG/<full commit id>`  |
//! | pull request title, body, branch | `.git/PULL_REQUEST/title`, `…/body`, `…/head-branch` |
//! | merge request fields             | `.git/MERGE_REQUEST/title`, `…/description`, `…/source-branch` |
//! | ref name                         | `.git/REF/<ref name>`               |
//! | annotated tag message            | `.git/TAG/<tag name>`               |
//! | message file (commit-msg)        | `.git/COMMIT_EDITMSG`               |
//! | a text file (check-text)         | its own path; stdin: `.git/STDIN`   |
//! | lines a commit adds (§11)        | the file's own path, at its line    |
//! | a path a commit adds             | that path, line 1                   |
//!
//! The region is the finding's line and column in that text (columns in Unicode code
//! points: `run.columnKind` says so), the result's message names the commit and quotes
//! the user's line, and `partialFingerprints` keeps alerts stable across runs (the
//! upload action, which fingerprints lines of real files, finds no file there and skips
//! the result, logging it at debug level only). The commit is also given as a
//! logical location and in `properties.source` (the json format's `source` object).
//! Rule ids are the finding kinds. Nothing from the registry is written without
//! `--reveal`.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{
    describe, escape_controls, help_line, line_bounds, locate, revealed, truncate_chars, Render,
    Report, RequestKind, Source, Style,
};
use crate::engine::registry::GenericMode;
use crate::engine::source::CommitRef;
use crate::engine::verdict::{Finding, Kind, Level};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The rules, one per finding kind, in `ruleIndex` order.
const RULES: [(&str, &str, &str, &str); 4] = [
    (
        "embargoed-mention",
        "EmbargoedMention",
        "Mention of an embargoed security issue",
        "The text names a security issue from the embargo registry whose embargo has not \
         lifted: its id, an alias, a term or a pattern. A commit message, once pushed, \
         cannot be unpublished; describe the change without naming the issue until it is \
         disclosed.",
    ),
    (
        "generic-security-language",
        "GenericSecurityLanguage",
        "Generic security language",
        "The text uses words that announce a security fix (\"vulnerability\", \"exploit\", \
         a CVE or GHSA id, ...) and names no issue that may already be described.",
    ),
    (
        "bidi-control",
        "BidiControl",
        "Bidirectional control character",
        "The text contains a bidirectional-text control character, which makes it display \
         differently from what it says.",
    ),
    (
        "file-too-large",
        "FileTooLarge",
        "File too large to check",
        "A commit adds a text file larger than the limit for checking its lines; it was \
         not checked for mentions of embargoed issues. Review it by hand.",
    ),
];

/// A SARIF 2.1.0 log, for code scanning.
pub struct Sarif;

impl Render for Sarif {
    fn render(&self, report: &Report, style: &Style<'_>, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &document(report, style))?;
        writeln!(out)
    }
}

pub fn document(report: &Report, style: &Style<'_>) -> Value {
    let generic_level = match style.registry.policy.generic {
        GenericMode::Deny => "error",
        GenericMode::Warn => "warning",
        GenericMode::Off => "note",
    };
    let help = help_line(style.registry);
    let rules: Vec<Value> = RULES
        .iter()
        .map(|(id, name, short, full)| {
            let level = match *id {
                "generic-security-language" => generic_level,
                "file-too-large" => "warning",
                _ => "error",
            };
            json!({
                "id": id,
                "name": name,
                "shortDescription": { "text": short },
                "fullDescription": { "text": full },
                "help": { "text": help },
                "defaultConfiguration": { "level": level },
                "properties": { "tags": ["security", "embargo"], "precision": "very-high" },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .items
        .iter()
        .flat_map(|item| {
            item.findings
                .iter()
                .map(move |f| result(&item.source, &item.text, f, style))
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "embargo",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "invocations": [{ "executionSuccessful": true }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "checked": report.checked,
                "blocked": report.blocked(),
                "warnings": report.warnings(),
            },
        }]
    })
}

/// The pseudo path a checked text is reported at (see the module documentation), as a
/// path: the github format's `file`.
pub fn pseudo_path(source: &Source) -> String {
    match source {
        Source::MessageFile { .. } => ".git/COMMIT_EDITMSG".to_string(),
        Source::Text { path } if path == "-" => ".git/STDIN".to_string(),
        // A file checked by `check-text` is a real file: its alerts belong on it.
        Source::Text { path } => path.trim_start_matches("./").to_string(),
        Source::Commit { id, .. } => format!(".git/COMMIT_MSG/{id}"),
        Source::RefName { name } => format!(".git/REF/{name}"),
        Source::Tag { name, .. } => format!(".git/TAG/{name}"),
        Source::Change { path, .. } => path.clone(),
        Source::Request { kind, field } => format!(
            ".git/{}/{}",
            match kind {
                RequestKind::PullRequest => "PULL_REQUEST",
                RequestKind::MergeRequest => "MERGE_REQUEST",
            },
            field.replace(' ', "-")
        ),
        Source::Field { object, id, field } => format!(
            ".git/{}/{}{}",
            object.to_uppercase().replace(' ', "_"),
            id.as_deref().map_or(String::new(), |id| format!("{id}/")),
            field.replace(' ', "-")
        ),
    }
}

/// The pseudo path as a relative URI reference: sarif's `artifactLocation.uri`.
pub fn artifact_uri(source: &Source) -> String {
    encode_path(&pseudo_path(source))
}

/// The json format's source object with its strings made safe to display.
fn escaped(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(escape_controls(&s)),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, escaped(v))).collect()),
        other => other,
    }
}

/// Percent-encodes everything but unreserved characters and `/`, so any ref or field
/// name is a valid relative URI reference.
pub fn encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A short stable key for the checked text, for fingerprints and logical locations.
fn source_key(source: &Source) -> String {
    match source {
        Source::Commit { id, .. } => format!("commit/{id}"),
        Source::Change { commit, path, .. } => format!(
            "change/{}/{}",
            commit.as_ref().map_or("staged", |c| c.id.as_str()),
            encode_path(path)
        ),
        other => artifact_uri(other).trim_start_matches(".git/").to_string(),
    }
}

fn result(source: &Source, text: &str, f: &Finding, style: &Style<'_>) -> Value {
    let start = locate(source, text, f.span.start);
    let end = locate(source, text, f.span.end);
    let (ls, le) = line_bounds(text, f.span.start);
    let index = RULES.iter().position(|r| r.0 == f.kind.name()).unwrap_or(0);
    let level = match f.level {
        Level::Block => "error",
        Level::Warn => "warning",
    };
    let mut message = format!(
        "{} in {} at line {}, column {}: {}",
        describe(f),
        source,
        start.line,
        start.column,
        escape_controls(&truncate_chars(&text[ls..le], 200))
    );
    let mut properties = Map::new();
    properties.insert("source".into(), escaped(super::json::source(source)));
    if let Kind::Embargoed { severity, .. } = &f.kind {
        properties.insert("severity".into(), severity.as_str().into());
    }
    if style.reveal {
        if let Some((id, field, value)) = revealed(style.registry, f) {
            message.push_str(&format!(
                " [registry: {} ({field}: {})]",
                escape_controls(&id),
                escape_controls(&value)
            ));
            properties.insert(
                "issue".into(),
                json!({ "id": id, "field": field, "value": value }),
            );
        }
    }
    if f.level == Level::Block {
        message.push_str(". ");
        message.push_str(&escape_controls(help_line(style.registry)));
    }
    let key = source_key(source);
    let mut logical = json!({ "fullyQualifiedName": key, "kind": "resource" });
    match source {
        Source::Commit { id, .. }
        | Source::Change {
            commit: Some(CommitRef { id, .. }),
            ..
        } => logical["name"] = super::short_id(id).into(),
        _ => {}
    }
    // A path a commit adds is reported on the file, not at a place in it.
    let region = match source {
        Source::Change {
            first_line: None, ..
        } => json!({ "startLine": 1 }),
        _ => json!({
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
            "snippet": { "text": escape_controls(&text[f.span.clone()]) },
        }),
    };
    json!({
        "ruleId": f.kind.name(),
        "ruleIndex": index,
        "level": level,
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": artifact_uri(source) },
                "region": region,
            },
            "logicalLocations": [logical],
        }],
        "partialFingerprints": {
            "embargoFinding/v1": format!("{key}:{}:{}:{}", f.kind.name(), start.line, start.column),
        },
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_paths_are_relative_and_encoded() {
        let id = "0123456789abcdef0123456789abcdef01234567".to_string();
        assert_eq!(
            artifact_uri(&Source::Commit {
                id: id.clone(),
                subject: "s".into()
            }),
            format!(".git/COMMIT_MSG/{id}")
        );
        assert_eq!(
            artifact_uri(&Source::Request {
                kind: RequestKind::PullRequest,
                field: "head branch".into()
            }),
            ".git/PULL_REQUEST/head-branch"
        );
        assert_eq!(
            artifact_uri(&Source::RefName {
                name: "refs/heads/a b#c%".into()
            }),
            ".git/REF/refs/heads/a%20b%23c%25"
        );
        assert_eq!(encode_path("é"), "%C3%A9");
    }
}
