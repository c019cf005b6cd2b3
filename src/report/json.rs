//! The json format: one document with stable fields (documented in docs/output.md), for
//! scripts and dashboards.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{
    escape_controls, line_bounds, locate, revealed, short_id, Render, Report, Source, Style,
};
use crate::engine::verdict::{Finding, Kind, Level};

pub const SCHEMA_VERSION: u64 = 1;

/// One JSON document (schema version [`SCHEMA_VERSION`]).
pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, style: &Style<'_>, out: &mut dyn Write) -> io::Result<()> {
        let doc = document(report, style);
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

pub fn document(report: &Report, style: &Style<'_>) -> Value {
    let findings: Vec<Value> = report
        .items
        .iter()
        .flat_map(|item| {
            item.findings
                .iter()
                .map(move |f| finding(&item.source, &item.text, f, style))
        })
        .collect();
    json!({
        "version": SCHEMA_VERSION,
        "checked": report.checked,
        "blocked": report.blocked(),
        "warnings": report.warnings(),
        "findings": findings,
    })
}

/// The source object; user text in it is escaped like every echoed text (§8).
pub fn source(source: &Source) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), source.type_name().into());
    match source {
        Source::MessageFile { path } | Source::Text { path } => {
            m.insert("path".into(), escape_controls(path).into());
        }
        Source::Commit { id, subject } => {
            m.insert("commit".into(), id.as_str().into());
            m.insert("short".into(), short_id(id).into());
            m.insert("subject".into(), escape_controls(subject).into());
        }
        Source::RefName { name } => {
            m.insert("ref".into(), escape_controls(name).into());
        }
        Source::Tag { name, id } => {
            m.insert("tag".into(), escape_controls(name).into());
            m.insert("object".into(), id.as_str().into());
        }
        Source::Request { field, .. } => {
            m.insert("field".into(), field.as_str().into());
        }
        Source::Field { object, id, field } => {
            m.insert("object".into(), object.as_str().into());
            if let Some(id) = id {
                m.insert("id".into(), id.as_str().into());
            }
            m.insert("field".into(), escape_controls(field).into());
        }
        Source::Change {
            commit,
            path,
            first_line,
        } => {
            if let Some(c) = commit {
                m.insert("commit".into(), c.id.as_str().into());
                m.insert("short".into(), short_id(&c.id).into());
                m.insert("subject".into(), escape_controls(&c.subject).into());
            }
            m.insert("path".into(), escape_controls(path).into());
            m.insert(
                "part".into(),
                if first_line.is_some() {
                    "lines"
                } else {
                    "path"
                }
                .into(),
            );
        }
    }
    Value::Object(m)
}

fn finding(src: &Source, text: &str, f: &Finding, style: &Style<'_>) -> Value {
    let start = locate(src, text, f.span.start);
    let end = locate(src, text, f.span.end);
    let (ls, le) = line_bounds(text, f.span.start);
    let mut m = Map::new();
    m.insert("source".into(), source(src));
    m.insert("kind".into(), f.kind.name().into());
    m.insert(
        "level".into(),
        match f.level {
            Level::Block => "error",
            Level::Warn => "warning",
        }
        .into(),
    );
    m.insert(
        "severity".into(),
        match &f.kind {
            Kind::Embargoed { severity, .. } => severity.as_str().into(),
            _ => Value::Null,
        },
    );
    m.insert("message".into(), super::describe(f).into());
    m.insert("line".into(), start.line.into());
    m.insert("column".into(), start.column.into());
    m.insert("end_line".into(), end.line.into());
    m.insert("end_column".into(), end.column.into());
    m.insert("text".into(), escape_controls(&text[f.span.clone()]).into());
    m.insert("line_text".into(), escape_controls(&text[ls..le]).into());
    if style.reveal {
        if let Some((id, field, value)) = revealed(style.registry, f) {
            m.insert(
                "issue".into(),
                json!({ "id": id, "field": field, "value": value }),
            );
        }
    }
    Value::Object(m)
}
