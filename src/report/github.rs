//! The github format (`check --format github`): GitHub Actions workflow commands, one
//! `::error` (blocked) or `::warning` line per finding, then a plain summary line.
//!
//! ```text
//! ::error file=.git/COMMIT_MSG/<id>,line=1,endLine=1,col=5,endColumn=26,title=embargo%3A embargoed-mention in commit 0123456789ab::mention of …
//! ```
//!
//! `file` is the pseudo path the sarif format uses (see [`super::sarif`]), or for what a
//! commit adds (§11) the changed file itself, at its line; the message
//! names the commit or pull request field and quotes the user's line. Messages escape
//! `%`, CR and LF (`%25`, `%0D`, `%0A`); properties also escape `:` and `,` (`%3A`,
//! `%2C`), as the Actions runner requires. Control characters in echoed text are made
//! visible first, like every other format. GitHub shows at most 10 errors and 10 warnings
//! per step as annotations; every finding is in the log regardless.

use std::io::{self, Write};

use super::{
    describe, escape_controls, help_line, line_bounds, locate, revealed, sarif::pseudo_path,
    short_id, truncate_chars, Render, Report, Source, Style,
};
use crate::engine::source::CommitRef;
use crate::engine::verdict::{Finding, Level};

/// GitHub Actions workflow commands: one annotation per finding.
pub struct Github;

impl Render for Github {
    fn render(&self, report: &Report, style: &Style<'_>, out: &mut dyn Write) -> io::Result<()> {
        for item in &report.items {
            for f in &item.findings {
                writeln!(out, "{}", command(&item.source, &item.text, f, style))?;
            }
        }
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        writeln!(
            out,
            "embargo: {}, {} in {} checked",
            plural(report.blocked(), "blocked mention", "blocked mentions"),
            plural(report.warnings(), "warning", "warnings"),
            plural(report.checked, style.noun, &format!("{}s", style.noun)),
        )
    }
}

/// One workflow command for one finding.
pub fn command(source: &Source, text: &str, f: &Finding, style: &Style<'_>) -> String {
    let start = locate(source, text, f.span.start);
    let end = locate(source, text, f.span.end);
    let (ls, le) = line_bounds(text, f.span.start);
    let where_ = match source {
        Source::Commit { id, .. }
        | Source::Change {
            commit: Some(CommitRef { id, .. }),
            ..
        } => format!("commit {}", short_id(id)),
        other => other.to_string(),
    };
    let title = format!("embargo: {} in {where_}", f.kind.name());
    let mut message = format!(
        "{} in {source}, line {}, column {}\n  {}",
        describe(f),
        start.line,
        start.column,
        escape_controls(&truncate_chars(&text[ls..le], 200))
    );
    if style.reveal {
        if let Some((id, field, value)) = revealed(style.registry, f) {
            message.push_str(&format!(
                "\n  registry: {} ({field}: {})",
                escape_controls(&id),
                escape_controls(&value)
            ));
        }
    }
    if f.level == Level::Block {
        message.push('\n');
        message.push_str(&escape_controls(help_line(style.registry)));
    }
    format!(
        "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        match f.level {
            Level::Block => "error",
            Level::Warn => "warning",
        },
        escape_property(&pseudo_path(source)),
        start.line,
        end.line,
        start.column,
        end.column,
        escape_property(&title),
        escape_data(&message)
    )
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_requires() {
        assert_eq!(escape_data("50% a\r\nb:c,d"), "50%25 a%0D%0Ab:c,d");
        assert_eq!(escape_property("50% a\r\nb:c,d"), "50%25 a%0D%0Ab%3Ac%2Cd");
    }
}
