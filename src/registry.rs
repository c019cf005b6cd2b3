//! The registry of embargoed issues: its model, and strict validation of its JSON form
//! (contract §4) that reports every problem at once with file, line, column and issue.

use std::fmt;
use time::Date;

/// How serious an issue is. `Untriaged` is judged as `Critical` until someone triages it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Untriaged,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Untriaged => "untriaged",
        }
    }

    /// Low-severity fixes may be described in commit messages; everything else waits.
    pub fn is_embargoable(self) -> bool {
        self != Severity::Low
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do with generic security language ("vulnerability", a CVE id, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenericMode {
    Off,
    Warn,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub level_notice_days: u32,
    pub details_notice_days: u32,
    pub generic: GenericMode,
    pub help: Option<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            level_notice_days: 7,
            details_notice_days: 14,
            generic: GenericMode::Warn,
            help: None,
        }
    }
}

/// One embargoed issue. Every string field is private to the security team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub id: String,
    pub severity: Severity,
    pub summary: Option<String>,
    pub aliases: Vec<String>,
    pub terms: Vec<String>,
    pub patterns: Vec<String>,
    pub released: Option<Date>,
    pub disclosed: Option<Date>,
    /// 1-based line of the issue's object in the registry text, for `--reveal` output.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    pub policy: Policy,
    pub issues: Vec<Issue>,
    /// Where it came from: a path, or `$EMBARGO_REGISTRY_JSON`. Never private.
    pub origin: String,
}

/// One validation problem. `message` never quotes registry content; `detail` may
/// (an offending value, a regex parser's explanation) and is shown only to people who
/// already hold the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    /// The id of the issue the problem is in, when it has a usable one.
    pub issue: Option<String>,
    /// 0-based index of the issue in `issues`, when the problem is inside one.
    pub index: Option<usize>,
    pub message: String,
    pub detail: Option<String>,
}

impl Problem {
    /// Full form, for the registry's owner: location, issue id, message and detail.
    pub fn full(&self) -> String {
        let mut s = format!("{}:{}:{}: ", self.origin, self.line, self.column);
        match (&self.issue, self.index) {
            (Some(id), _) => s.push_str(&format!("issue {id}: ")),
            (None, Some(i)) => s.push_str(&format!("issues[{i}]: ")),
            _ => {}
        }
        s.push_str(&self.message);
        if let Some(d) = &self.detail {
            s.push_str(": ");
            s.push_str(d);
        }
        s
    }

    /// Redacted form, for anyone: location and message, no id, no registry content.
    pub fn redacted(&self) -> String {
        let mut s = format!("{}:{}:{}: ", self.origin, self.line, self.column);
        if let Some(i) = self.index {
            s.push_str(&format!("issues[{i}]: "));
        }
        s.push_str(&self.message);
        s
    }
}

/// Parses and validates a registry's text. `origin` names it in every problem.
/// Either the whole registry is valid, or every problem found is returned.
pub fn parse(text: &str, origin: &str) -> Result<Registry, Vec<Problem>> {
    let _ = (text, origin);
    todo!("registry validation")
}
