//! The compiled form of a [`Checker`] as bytes, for a cache to keep between runs: the
//! policy, the issue table (`IssueTable`) and the matcher's index. Decoding checks
//! everything it reads and decodes no issue: each is decoded where it lies when used.

use crate::engine::codec::{Reader, Shared, Writer};
use crate::engine::matcher::Matcher;
use crate::engine::registry::table::IssueTable;
use crate::engine::registry::{ContentMode, GenericMode, Issues, Policy, Registry};
use crate::engine::verdict::Checker;

impl Checker {
    /// The compiled form; `None` when the registry does not fit the issue table's 32-bit
    /// offsets (it is then compiled every time).
    pub fn encode(&self) -> Option<Vec<u8>> {
        let (registry, matcher) = self.parts();
        encode(registry, matcher)
    }

    /// Reads what [`Checker::encode`] wrote, for the registry named `origin`; `None` on
    /// anything inconsistent, never a panic.
    pub fn decode(payload: &Shared, origin: &str) -> Option<Checker> {
        let (registry, matcher) = decode(payload, origin)?;
        Some(Checker::from_parts(registry, matcher))
    }
}

/// `None` when the registry does not fit the table.
fn encode(registry: &Registry, matcher: &Matcher) -> Option<Vec<u8>> {
    let Registry {
        policy,
        issues,
        origin: _,
    } = registry;
    Some(payload(policy, &IssueTable::encode(issues)?, matcher))
}

pub(crate) fn payload(policy: &Policy, table: &[u8], matcher: &Matcher) -> Vec<u8> {
    let mut w = Writer::new();
    // Destructured field by field: a new field fails to compile here until it is stored.
    let Policy {
        level_notice_days,
        details_notice_days,
        generic,
        help,
        content,
    } = policy;
    w.u32(*level_notice_days);
    w.u32(*details_notice_days);
    w.u32(match generic {
        GenericMode::Off => 0,
        GenericMode::Warn => 1,
        GenericMode::Deny => 2,
    });
    w.opt_str(help.as_deref());
    w.u32(match content {
        ContentMode::Off => 0,
        ContentMode::Ids => 1,
        ContentMode::All => 2,
    });
    w.bytes(table);
    matcher.encode(&mut w);
    w.finish()
}

/// Reads what [`encode`] wrote. The issues stay where they lie, each decoded when used.
fn decode(payload: &Shared, origin: &str) -> Option<(Registry, Matcher)> {
    let mut r = Reader::new(payload)?;
    let level_notice_days = r.u32()?;
    let details_notice_days = r.u32()?;
    let generic = match r.u32()? {
        0 => GenericMode::Off,
        1 => GenericMode::Warn,
        2 => GenericMode::Deny,
        _ => return None,
    };
    let help = r.opt_str()?;
    let content = match r.u32()? {
        0 => ContentMode::Off,
        1 => ContentMode::Ids,
        2 => ContentMode::All,
        _ => return None,
    };
    let issues = Issues::cached(IssueTable::from_bytes(r.view()?)?);
    let matcher = Matcher::decode(&mut r, &issues)?;
    if !r.rest().is_empty() {
        return None;
    }
    let registry = Registry {
        policy: Policy {
            level_notice_days,
            details_notice_days,
            generic,
            help,
            content,
        },
        issues,
        origin: origin.to_string(),
    };
    Some((registry, matcher))
}
