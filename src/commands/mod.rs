//! The entry points, one module per command; each returns an exit code or an error.

pub mod check;
pub mod commit_msg;
pub mod content;
pub mod pre_receive;
pub mod registry_lint;

use std::path::PathBuf;

use anyhow::Context as _;
use time::Date;

use crate::bounded::read_capped;
use crate::engine::registry::{ContentMode, Registry};
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

/// The largest message checked. A bigger one is refused (exit 2), not skimmed.
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// Reads a file, or standard input for `-`, refusing anything over the size limit.
pub fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        return read_capped(std::io::stdin().lock(), MAX_MESSAGE_BYTES, "standard input");
    }
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
    read_capped(file, MAX_MESSAGE_BYTES, &name)
}
