//! Rendering findings for people and machines: the [`Report`] a command builds, the four
//! output formats ([`format`]) behind one [`Render`] trait (human, json, sarif, github), and the
//! exit code a report stands for. Nothing from the registry is printed unless
//! `--reveal` is given: a finding shows the user's own text, its position, its kind and
//! its severity, never the issue.

pub mod format;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::fmt;
use std::io::{self, Write};

use crate::engine::registry::Registry;
use crate::engine::source::{RequestKind, Source};
use crate::engine::verdict::{Finding, Kind, Level};

pub fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::MessageFile { path } if path == "-" => f.write_str("commit message (stdin)"),
            Source::MessageFile { path } => write!(f, "commit message {}", escape_controls(path)),
            Source::Commit { id, subject } => write!(
                f,
                "commit {} \"{}\"",
                short_id(id),
                escape_controls(&truncate_chars(subject, 60))
            ),
            Source::RefName { name } => write!(f, "ref name {}", escape_controls(name)),
            Source::Text { path } if path == "-" => f.write_str("text (stdin)"),
            Source::Text { path } => write!(f, "text {}", escape_controls(path)),
            Source::Tag { name, id } => {
                write!(f, "tag {} ({})", escape_controls(name), short_id(id))
            }
            Source::Change {
                commit,
                path,
                first_line,
            } => {
                match commit {
                    Some(c) => write!(
                        f,
                        "commit {} \"{}\" ",
                        short_id(&c.id),
                        escape_controls(&truncate_chars(&c.subject, 60))
                    )?,
                    None => f.write_str("staged ")?,
                }
                let what = if first_line.is_some() { "file" } else { "path" };
                write!(f, "{what} {}", escape_controls(path))
            }
            Source::Request { kind, field } => write!(
                f,
                "{} {}",
                match kind {
                    RequestKind::PullRequest => "pull request",
                    RequestKind::MergeRequest => "merge request",
                },
                field
            ),
            Source::Field { object, id, field } => {
                f.write_str(object)?;
                if let Some(id) = id {
                    write!(f, " {}", short_id(id))?;
                }
                write!(f, " {}", escape_controls(&truncate_chars(field, 100)))
            }
        }
    }
}

/// Exit code: nothing blocked.
pub const EXIT_OK: i32 = 0;
/// Exit code: at least one blocked mention.
pub const EXIT_BLOCKED: i32 = 1;
/// Exit code: an error (usage, registry, git, input). Hooks reject on it.
pub const EXIT_ERROR: i32 = 2;

/// One checked text that has findings.
#[derive(Debug, Clone)]
pub struct Checked {
    pub source: Source,
    pub text: String,
    pub findings: Vec<Finding>,
}

/// Everything a command found. Clean texts are only counted, so a history scan keeps
/// no more than it must.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub checked: usize,
    pub items: Vec<Checked>,
}

impl Report {
    pub fn add(&mut self, source: Source, text: String, findings: Vec<Finding>) {
        self.checked += 1;
        if !findings.is_empty() {
            self.items.push(Checked {
                source,
                text,
                findings,
            });
        }
    }

    pub fn blocked(&self) -> usize {
        self.count(Level::Block)
    }

    pub fn warnings(&self) -> usize {
        self.count(Level::Warn)
    }

    fn count(&self, level: Level) -> usize {
        self.items
            .iter()
            .flat_map(|i| &i.findings)
            .filter(|f| f.level == level)
            .count()
    }

    /// The exit code the report stands for (§1).
    pub fn exit_code(&self) -> i32 {
        if self.blocked() > 0 {
            EXIT_BLOCKED
        } else {
            EXIT_OK
        }
    }
}

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct Style<'a> {
    pub registry: &'a Registry,
    pub reveal: bool,
    pub color: bool,
    /// What the checked texts are, for the summary line ("message", "commit").
    pub noun: &'a str,
    /// Print a summary line even when nothing was found.
    pub always_summarize: bool,
}

/// At most this many findings per text are shown; the rest are counted.
pub const MAX_SHOWN_PER_TEXT: usize = 50;

/// One output format: the four formats render the same [`Report`] with the same
/// [`Style`], so a command picks one by [`format::Format`] and never by name.
pub trait Render {
    fn render(&self, report: &Report, style: &Style<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// 1-based line and column (in characters) of a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

pub fn position(text: &str, at: usize) -> Position {
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: 1 + before.bytes().filter(|&b| b == b'\n').count(),
        column: 1 + before[line_start..].chars().count(),
    }
}

/// The position of byte offset `at` of a checked text as its source numbers lines: a
/// change's lines as in the file it adds them to.
pub fn locate(source: &Source, text: &str, at: usize) -> Position {
    let mut p = position(text, at);
    p.line += source.first_line() - 1;
    p
}

/// The line containing byte offset `at`, as (start, end) byte offsets, without its `\r\n`.
pub fn line_bounds(text: &str, at: usize) -> (usize, usize) {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let mut end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if text[start..end].ends_with('\r') {
        end -= 1;
    }
    (start, end.max(start))
}

/// Makes text safe for a terminal or a log: control, format and bidi characters become
/// visible `<U+XXXX>` escapes, so nobody's screen is rewritten by what they are shown.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if c == '\n' || needs_escape(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || crate::engine::normalize::is_default_ignorable(c)
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FFFC}')
}

pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The default `policy.help` line when the registry sets none.
pub const DEFAULT_HELP: &str =
    "Describe the change without naming the security issue until it is disclosed.";

pub fn help_line(registry: &Registry) -> &str {
    registry.policy.help.as_deref().unwrap_or(DEFAULT_HELP)
}

/// A finding's description without registry content.
pub fn describe(finding: &Finding) -> String {
    match &finding.kind {
        Kind::Embargoed { severity, .. } => {
            format!("mention of an embargoed security issue (severity: {severity})")
        }
        Kind::Generic { label } => format!("generic security language ({label})"),
        Kind::Bidi { code_point } => {
            format!("bidirectional control character U+{code_point:04X}")
        }
        Kind::TooLarge { size, limit } => format!(
            "file too large to check ({size} bytes, over {} MiB): not checked for mentions",
            limit >> 20
        ),
    }
}

/// What `--reveal` adds: the issue id and the field that matched, with its value.
pub fn revealed(registry: &Registry, finding: &Finding) -> Option<(String, String, String)> {
    use crate::engine::matcher::Field;
    let Kind::Embargoed { issue, field, .. } = &finding.kind else {
        return None;
    };
    let issue = &registry.issues[*issue];
    let value = match field {
        Field::Id => issue.id.clone(),
        Field::Alias(i) => issue.aliases[*i].clone(),
        Field::Term(i) => issue.terms[*i].clone(),
        Field::Pattern(i) => issue.patterns[*i].clone(),
    };
    Some((issue.id.clone(), field.describe(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "first\nsé x\r\nthird";
        assert_eq!(position(text, 0), Position { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(position(text, x), Position { line: 2, column: 4 });
        assert_eq!(
            &text[{
                let (a, b) = line_bounds(text, x);
                a..b
            }],
            "sé x"
        );
    }

    #[test]
    fn controls_are_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\u{202E}c\td\n"),
            "a<U+001B>[2Jb<U+202E>c<U+0009>d<U+000A>"
        );
    }
}
