//! The entry points, one module per command; each returns an exit code or an error.

pub mod check;
pub mod check_text;
pub mod commit_msg;
pub mod content;
pub mod notice;
pub mod pre_receive;
pub mod registry_edit;
pub mod registry_lint;
pub mod registry_pre_receive;
pub mod registry_status;

use std::collections::HashSet;
use std::path::PathBuf;

use time::Date;

use crate::bounded::{self, read_capped};
use crate::engine::date::DayError;
use crate::engine::registry::{ContentMode, Registry};
use crate::engine::verdict::{Checker, Finding, Kind};
use crate::git::objects::RawObject;
use crate::git::published;
use crate::report::format::Format;

/// When embargoes are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    Day(Date),
    /// Each commit on its own committer date (`check --as-of commit`).
    CommitDate,
}

/// The global options every command runs with, resolved once.
#[derive(Debug, Clone)]
pub struct Context {
    pub registry: Option<PathBuf>,
    pub as_of: AsOf,
    pub reveal: bool,
    pub format: Format,
    /// Colour on stdout / stderr: a terminal and no `NO_COLOR`.
    pub color_stdout: bool,
    pub color_stderr: bool,
    pub audit_log: Option<PathBuf>,
    /// `--content`: overrides the registry's `policy.content` (§11).
    pub content: Option<ContentMode>,
}

impl Context {
    /// The day for commands that judge one day only.
    pub fn day(&self) -> anyhow::Result<Date> {
        match self.as_of {
            AsOf::Day(d) => Ok(d),
            AsOf::CommitDate => {
                anyhow::bail!("--as-of commit is only for `embargo check`")
            }
        }
    }
}

impl Context {
    /// What is checked in changes: `--content`, else the registry's policy.
    pub fn content(&self, registry: &Registry) -> ContentMode {
        self.content.unwrap_or(registry.policy.content)
    }
}

/// A `YYYY-MM-DD` option value (clap's value parser for `--date`; `--as-of` too).
pub fn date_arg(s: &str) -> Result<Date, String> {
    let s = s.trim();
    crate::engine::date::parse_day(s).map_err(|e| match e {
        DayError::Shape => format!("invalid date `{s}`: expected YYYY-MM-DD"),
        // Said as `registry lint` says it: the form is right, the day does not exist.
        DayError::NoSuchDay => format!("invalid date `{s}`: no such day in the calendar"),
    })
}

/// The largest message checked. A bigger one is refused (exit 2), not skimmed.
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// Reads a file, or standard input for `-`, refusing anything over the size limit.
pub fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        return read_capped(std::io::stdin().lock(), MAX_MESSAGE_BYTES, "standard input");
    }
    let name = path.display().to_string();
    let file = bounded::open_regular(path, &name)?;
    read_capped(file, MAX_MESSAGE_BYTES, &name)
}

/// The texts of a commit or tag that have findings: its message (`None`) and the fields
/// it publishes besides ([`published::fields`]: idents, extra headers), each with its
/// findings. Generic security language counts where people describe a change, not in
/// names and addresses (`Security Team <security@…>`), so idents keep only the rest.
///
/// Finding nothing is the rule, and a check costs per call as well as per byte: the
/// texts are checked as one first, and one by one only when that finds something.
/// Idents repeat from commit to commit, so those found clean on this day are kept in
/// `clean` (at most [`MAX_CLEAN_IDENTS`]) and not checked again. (A disclosed issue
/// named in one text can account for generic language in another in the joint check:
/// a warning, never a blocked mention, can go unreported.)
pub(crate) fn object_findings(
    checker: &Checker,
    day: Date,
    raw: &RawObject,
    clean: &mut HashSet<String>,
) -> Vec<(Option<String>, String, Vec<Finding>)> {
    let fields: Vec<published::Field> = published::fields(raw)
        .into_iter()
        .filter(|f| !(published::is_ident(&f.name) && clean.contains(&f.text)))
        .collect();
    let mut all = raw.message.clone();
    for field in &fields {
        all.push('\n');
        all.push_str(&field.text);
    }
    if checker.check(&all, day).is_empty() {
        if clean.len() + fields.len() > MAX_CLEAN_IDENTS {
            clean.clear();
        }
        clean.extend(
            fields
                .into_iter()
                .filter(|f| published::is_ident(&f.name))
                .map(|f| f.text),
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    let findings = checker.check(&raw.message, day);
    if !findings.is_empty() {
        out.push((None, raw.message.clone(), findings));
    }
    for field in fields {
        let mut findings = checker.check(&field.text, day);
        if published::is_ident(&field.name) {
            findings.retain(|f| !matches!(f.kind, Kind::Generic { .. }));
        }
        if !findings.is_empty() {
            out.push((Some(field.name), field.text, findings));
        }
    }
    out
}

/// At most this many clean idents are remembered (per scanning thread, or per push).
pub(crate) const MAX_CLEAN_IDENTS: usize = 100_000;
