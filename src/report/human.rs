//! The human format: one block per finding, with the user's own line and the match
//! marked, in the shape compilers use, then a one-line summary.

use std::io::{self, Write};

use super::{
    describe, escape_controls, help_line, line_bounds, locate, revealed, Render, Report, Source,
    Style, MAX_SHOWN_PER_TEXT,
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
            writeln!(out, "{}", summary(report, style))?;
        }
        Ok(())
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The summary line: counts, and how many texts were checked. When findings are in
/// texts other than those counted (a push rejected for a ref name or a tag while its
/// commits are clean), it says where they are, so that "0 commits checked" is never
/// the whole story.
fn summary(report: &Report, style: &Style<'_>) -> String {
    let (blocked, warnings) = (report.blocked(), report.warnings());
    let checked = plural(report.checked, style.noun);
    let elsewhere = report
        .items
        .iter()
        .any(|item| style.noun != "text" && noun(&item.source) != style.noun);
    if !elsewhere {
        return format!(
            "embargo: {}, {} in {checked} checked",
            plural(blocked, "blocked mention"),
            plural(warnings, "warning"),
        );
    }
    let counted = |n: usize, what: &str, level: Level| {
        let places = places(report, level);
        if places.is_empty() {
            plural(n, what)
        } else {
            format!("{} in {places}", plural(n, what))
        }
    };
    format!(
        "embargo: {}, {}; {checked} checked",
        counted(blocked, "blocked mention", Level::Block),
        counted(warnings, "warning", Level::Warn),
    )
}

/// The texts holding findings of `level`, by kind: "2 commits and 1 ref name".
fn places(report: &Report, level: Level) -> String {
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    for item in &report.items {
        if !item.findings.iter().any(|f| f.level == level) {
            continue;
        }
        let kind = noun(&item.source);
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((kind, 1)),
        }
    }
    let parts: Vec<String> = kinds.iter().map(|&(k, n)| plural(n, k)).collect();
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a text is, in the summary's words.
fn noun(source: &Source) -> &'static str {
    match source {
        Source::MessageFile { .. } => "message",
        Source::Commit { .. } => "commit",
        Source::RefName { .. } => "ref name",
        Source::Tag { .. } => "tag",
        Source::Request { .. } | Source::Text { .. } => "text",
        // An ident or header counts where it is stored; a note, a push option or a
        // pushed file is a text of its own.
        Source::Field { object, .. } => match object.as_str() {
            "commit" => "commit",
            "tag" => "tag",
            _ => "text",
        },
        // What a commit adds counts with the commit; the hook's staged changes apart.
        Source::Change {
            commit: Some(_), ..
        } => "commit",
        Source::Change { commit: None, .. } => "staged change",
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
