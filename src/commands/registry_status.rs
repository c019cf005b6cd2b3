//! `embargo registry status [PATH]`: each issue's phase on the as-of day, its dates and
//! whether a mention is blocked (contract §12), the issue whose phase changes next first.
//! Ids, severities, dates and versions are printed; summaries, aliases, terms and
//! patterns only with `--reveal`; for a registry from the CI secret, ids only with it.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use serde_json::{json, Value};
use time::Date;

use crate::commands::Context;
use crate::engine::registry::Registry;
use crate::engine::timeline::{self, Phase, Standing};
use crate::git;
use crate::load::{self, discovery};
use crate::report::escape_controls;
use crate::report::format::Format;
use crate::report::EXIT_OK;

/// Finds, reads and validates the registry for a command that reads it whole; also says
/// whether it came from the CI secret.
pub fn load(ctx: &Context, path: Option<&Path>) -> anyhow::Result<(Registry, bool)> {
    let located = match path {
        Some(p) => discovery::read_named(p)?,
        None => {
            let repo = git::repo::open_from_env().ok().flatten();
            discovery::locate(ctx.registry.as_deref(), repo.as_ref())?
        }
    };
    let registry = load::parse_redacted(&located)?;
    Ok((registry, located.from_secret))
}

pub fn run(ctx: &Context, path: Option<&Path>) -> anyhow::Result<i32> {
    let day = ctx.day()?;
    let (registry, from_secret) = load(ctx, path)?;
    let show_ids = !from_secret || ctx.reveal;
    let standings = timeline::status(&registry, day);
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            let doc = document(&standings, day, show_ids, ctx.reveal);
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)
        }
        // The parser lets only human and json through (cli::Command::formats).
        Format::Human | Format::Sarif | Format::Github => write!(
            out,
            "{}",
            table(
                &registry,
                &standings,
                day,
                show_ids,
                ctx.reveal,
                ctx.color_stdout
            )
        ),
    }
    .context("cannot write the status")?;
    Ok(EXIT_OK)
}

fn day_or_null(d: Option<Date>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

/// The documented JSON (§12), with the private fields added under `--reveal`.
pub fn document(standings: &[Standing<'_>], day: Date, show_ids: bool, reveal: bool) -> Value {
    let issues: Vec<Value> = standings
        .iter()
        .map(|s| {
            let mut v = json!({
                "id": if show_ids { Value::String(s.issue.id.clone()) } else { Value::Null },
                "severity": s.issue.severity.as_str(),
                "phase": s.phase.as_str(),
                "released": day_or_null(s.dates.released),
                "level_public_on": day_or_null(s.dates.level_public_on),
                "details_public_on": day_or_null(s.dates.details_public_on),
                "disclosed": day_or_null(s.dates.disclosed),
                "fixed_in": s.issue.fixed_in,
                "blocked": s.blocked,
            });
            if reveal {
                v["summary"] = json!(s.issue.summary);
                v["aliases"] = json!(s.issue.aliases);
                v["terms"] = json!(s.issue.terms);
                v["patterns"] = json!(s.issue.patterns);
            }
            v
        })
        .collect();
    json!({"as_of": day.to_string(), "issues": issues})
}

const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

fn table(
    registry: &Registry,
    standings: &[Standing<'_>],
    day: Date,
    show_ids: bool,
    reveal: bool,
    color: bool,
) -> String {
    let paint = |code: &'static str| if color { code } else { "" };
    let date = |d: Option<Date>| d.map_or_else(|| "-".to_string(), |d| d.to_string());
    let blocked = standings.iter().filter(|s| s.blocked).count();
    let mut out = format!(
        "{}registry {} as of {day}{}: {} issue{}, {blocked} blocked",
        paint(BOLD),
        escape_controls(&registry.origin),
        paint(RESET),
        standings.len(),
        if standings.len() == 1 { "" } else { "s" },
    );
    match standings.first().and_then(|s| s.next) {
        Some((d, p)) => out.push_str(&format!("; next change {d} ({})\n", p.as_str())),
        None => out.push_str("; no change to come\n"),
    }
    if standings.is_empty() {
        return out;
    }
    let header = [
        "ID",
        "SEVERITY",
        "PHASE",
        "BLOCKED",
        "RELEASED",
        "LEVEL PUBLIC",
        "DETAILS PUBLIC",
        "DISCLOSED",
        "FIXED IN",
        "NEXT CHANGE",
    ];
    let rows: Vec<[String; 10]> = standings
        .iter()
        .map(|s| {
            [
                if show_ids {
                    escape_controls(&s.issue.id)
                } else {
                    format!("#{}", s.index + 1)
                },
                s.issue.severity.to_string(),
                s.phase.as_str().to_string(),
                if s.blocked { "yes" } else { "no" }.to_string(),
                date(s.dates.released),
                date(s.dates.level_public_on),
                date(s.dates.details_public_on),
                date(s.dates.disclosed),
                s.issue
                    .fixed_in
                    .as_deref()
                    .map_or_else(|| "-".to_string(), escape_controls),
                s.next
                    .map_or_else(|| "-".to_string(), |(d, p)| format!("{d} {}", p.as_str())),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String], paints: &[&str]| {
        let mut l = String::new();
        for (c, cell) in cells.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            let sep = if c + 1 == cells.len() { "" } else { "  " };
            let (on, off) = match paints[c] {
                "" => ("", ""),
                code => (code, paint(RESET)),
            };
            l.push_str(&format!("{on}{cell}{off}"));
            if !sep.is_empty() {
                l.push_str(&" ".repeat(pad));
                l.push_str(sep);
            }
        }
        l.push('\n');
        l
    };
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    out.push_str(&line(&header, &[paint(BOLD); 10]));
    for (s, row) in standings.iter().zip(&rows) {
        let phase = paint(match s.phase {
            Phase::Unreleased => DIM,
            Phase::Released | Phase::LevelPublic => YELLOW,
            Phase::DetailsPublic | Phase::Disclosed => GREEN,
        });
        let blocked = paint(if s.blocked { RED } else { GREEN });
        let mut paints = [""; 10];
        paints[2] = phase;
        paints[3] = blocked;
        out.push_str(&line(row, &paints));
        if reveal {
            let list = |l: &[String]| {
                l.iter()
                    .map(|s| escape_controls(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if let Some(summary) = &s.issue.summary {
                out.push_str(&format!("    summary:  {}\n", escape_controls(summary)));
            }
            for (name, l) in [
                ("aliases", &s.issue.aliases),
                ("terms", &s.issue.terms),
                ("patterns", &s.issue.patterns),
            ] {
                if !l.is_empty() {
                    out.push_str(&format!(
                        "    {name}:{:w$}{}\n",
                        "",
                        list(l),
                        w = 9 - name.len()
                    ));
                }
            }
        }
    }
    out
}
