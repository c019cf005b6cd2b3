//! The human format: one block per finding, with the user's own line and the match
//! marked, in the shape compilers use, then a one-line summary.

use std::io::{self, Write};

use super::{
    describe, escape_controls, help_line, line_bounds, locate, revealed, Render, Report, Style,
    MAX_SHOWN_PER_TEXT,
};
use crate::engine::verdict::{Finding, Level};

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Long lines are shown as a window around the match.
const CONTEXT_CHARS: usize = 60;

/// For people: each finding with its line, an excerpt and a marker, then a summary.
pub struct Human;

impl Render for Human {
    fn render(&self, report: &Report, style: &Style<'_>, out: &mut dyn Write) -> io::Result<()> {
        let paint = |code: &'static str| if style.color { code } else { "" };
        for item in &report.items {
            for finding in item.findings.iter().take(MAX_SHOWN_PER_TEXT) {
                let (word, color) = match finding.level {
                    Level::Block => ("error", RED),
                    Level::Warn => ("warning", YELLOW),
                };
                let pos = locate(&item.source, &item.text, finding.span.start);
                writeln!(
                    out,
                    "{}{word}[{}]{}{}: {}{}",
                    paint(color),
                    finding.kind.name(),
                    paint(RESET),
                    paint(BOLD),
                    describe(finding),
                    paint(RESET)
                )?;
                writeln!(
                    out,
                    "  {}-->{} {}:{}:{}",
                    paint(BLUE),
                    paint(RESET),
                    item.source,
                    pos.line,
                    pos.column
                )?;
                let (shown, marks) = excerpt(&item.text, finding);
                let gutter = pos.line.to_string();
                let pad = " ".repeat(gutter.len());
                writeln!(out, "{pad} {}|{}", paint(BLUE), paint(RESET))?;
                writeln!(out, "{gutter} {}|{} {shown}", paint(BLUE), paint(RESET))?;
                writeln!(
                    out,
                    "{pad} {}|{} {}{marks}{}",
                    paint(BLUE),
                    paint(RESET),
                    paint(color),
                    paint(RESET)
                )?;
                if style.reveal {
                    if let Some((id, field, value)) = revealed(style.registry, finding) {
                        writeln!(
                            out,
                            "{pad} = registry: {} ({field}: {})",
                            escape_controls(&id),
                            escape_controls(&value)
                        )?;
                    }
                }
                if finding.level == Level::Block {
                    writeln!(
                        out,
                        "{pad} = help: {}",
                        escape_controls(help_line(style.registry))
                    )?;
                }
                writeln!(out)?;
            }
            let hidden = item.findings.len().saturating_sub(MAX_SHOWN_PER_TEXT);
            if hidden > 0 {
                writeln!(out, "... and {hidden} more findings in {}\n", item.source)?;
            }
        }
        let (blocked, warnings) = (report.blocked(), report.warnings());
        if blocked + warnings > 0 || style.always_summarize {
            let plural = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            writeln!(
                out,
                "embargo: {}, {} in {} checked",
                plural(blocked, "blocked mention", "blocked mentions"),
                plural(warnings, "warning", "warnings"),
                plural(report.checked, style.noun, &format!("{}s", style.noun)),
            )?;
        }
        Ok(())
    }
}

/// The finding's line, escaped, and a marker line underneath the matched part.
fn excerpt(text: &str, finding: &Finding) -> (String, String) {
    let (line_start, line_end) = line_bounds(text, finding.span.start);
    let match_end = finding.span.end.min(line_end).max(finding.span.start);
    let mut before = &text[line_start..finding.span.start];
    let mut after = &text[match_end..line_end];
    let mut lead = "";
    let mut tail = "";
    if before.chars().count() > CONTEXT_CHARS {
        let cut = before
            .char_indices()
            .rev()
            .nth(CONTEXT_CHARS - 1)
            .map_or(0, |(i, _)| i);
        before = &before[cut..];
        lead = "…";
    }
    if after.chars().count() > CONTEXT_CHARS {
        let cut = after
            .char_indices()
            .nth(CONTEXT_CHARS)
            .map_or(after.len(), |(i, _)| i);
        after = &after[..cut];
        tail = "…";
    }
    let matched = escape_controls(&text[finding.span.start..match_end]);
    let continued = if finding.span.end > line_end {
        "…"
    } else {
        ""
    };
    let before = format!("{lead}{}", escape_controls(before));
    let shown = format!("{before}{matched}{}{tail}", escape_controls(after));
    let width = matched.chars().count().max(1);
    let marks = format!(
        "{}{}{continued}",
        " ".repeat(before.chars().count()),
        "^".repeat(width)
    );
    (shown, marks)
}
