//! The registry's model: the policy and the issues, as a valid registry states them.

use std::fmt;

use time::Date;

/// Patterns are compiled with this size limit, by validation and by the matcher alike:
/// a pattern that passes validation compiles for matching, and a hostile or careless
/// pattern cannot make a hook eat memory.
pub const REGEX_SIZE_LIMIT: usize = 16 << 20;

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
    /// `critical`, `high`, `medium`, `low` or `untriaged`, in any case.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "untriaged" => Some(Severity::Untriaged),
            _ => None,
        }
    }

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

impl GenericMode {
    /// `off`, `warn` or `deny`, in any case.
    pub fn parse(s: &str) -> Option<GenericMode> {
        match s.to_ascii_lowercase().as_str() {
            "off" => Some(GenericMode::Off),
            "warn" => Some(GenericMode::Warn),
            "deny" => Some(GenericMode::Deny),
            _ => None,
        }
    }
}

/// What is checked in the changes a commit makes (contract §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentMode {
    /// Messages only.
    Off,
    /// Ids and aliases in added lines and paths.
    Ids,
    /// Ids, aliases, terms and patterns.
    All,
}

impl ContentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentMode::Off => "off",
            ContentMode::Ids => "ids",
            ContentMode::All => "all",
        }
    }

    /// `off`, `ids` or `all`, in any case.
    pub fn parse(s: &str) -> Option<ContentMode> {
        match s.to_ascii_lowercase().as_str() {
            "off" => Some(ContentMode::Off),
            "ids" => Some(ContentMode::Ids),
            "all" => Some(ContentMode::All),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub level_notice_days: u32,
    pub details_notice_days: u32,
    pub generic: GenericMode,
    pub help: Option<String>,
    pub content: ContentMode,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            level_notice_days: 7,
            details_notice_days: 14,
            generic: GenericMode::Warn,
            help: None,
            content: ContentMode::Ids,
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
    /// The version whose release fixes it (§12): the notices name it; not private.
    pub fixed_in: Option<String>,
    /// 1-based line of the issue's object in the registry text, for `--reveal` output.
    pub line: usize,
}
