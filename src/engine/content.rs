//! What counts in the changes a commit makes (contract §11): which fields of an issue
//! a change may not mention under each `policy.content` mode, and the check of one
//! piece of added text (added lines, an added path). Which lines a commit adds is the
//! edges' business (`history::changes`); this module only judges text.

use time::Date;

use crate::engine::matcher::Field;
use crate::engine::normalize::Normalized;
pub use crate::engine::registry::ContentMode;
use crate::engine::verdict::{judge, Checker, Finding};

/// Whether a mention through `field` counts in changes under `mode`. Generic security
/// language never does: code and changelogs speak of vulnerabilities all the time.
pub fn counts(mode: ContentMode, field: Field) -> bool {
    match mode {
        ContentMode::Off => false,
        ContentMode::Ids => matches!(field, Field::Id | Field::Alias(_)),
        ContentMode::All => true,
    }
}

impl Checker {
    /// The findings in a piece of text a commit adds, on one day, under `mode`: blocked
    /// mentions of the fields that count, nothing else (no generic language, no bidi
    /// controls, which source files and translations carry legitimately).
    pub fn check_change(&self, text: &str, as_of: Date, mode: ContentMode) -> Vec<Finding> {
        if mode == ContentMode::Off || text.is_empty() {
            return Vec::new();
        }
        let (registry, matcher) = self.parts();
        let normalized = Normalized::new(text);
        let mut mentions = matcher.find_with(&normalized, mode == ContentMode::All);
        mentions.retain(|m| counts(mode, m.field));
        if mentions.is_empty() {
            return Vec::new();
        }
        judge(registry, &mentions, &[], as_of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::registry::{Issue, Policy, Registry, Severity};
    use crate::engine::verdict::{Kind, Level};
    use time::macros::date;

    const DAY: Date = date!(2026 - 11 - 27);

    fn checker(severity: Severity) -> Checker {
        let issue = Issue {
            id: "SX-2026-011".into(),
            severity,
            summary: None,
            aliases: vec!["CVE-2026-41873".into()],
            terms: vec!["ratchet header replay".into()],
            patterns: vec![r"queue\s+takeover".into()],
            released: None,
            disclosed: None,
            fixed_in: None,
            line: 1,
        };
        let registry = Registry {
            policy: Policy::default(),
            issues: vec![issue].into(),
            origin: "test".into(),
        };
        Checker::new(registry).unwrap()
    }

    fn fields(c: &Checker, text: &str, mode: ContentMode) -> Vec<Field> {
        c.check_change(text, DAY, mode)
            .into_iter()
            .map(|f| match f.kind {
                Kind::Embargoed { field, .. } => field,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn ids_mode_counts_ids_and_aliases_only() {
        let c = checker(Severity::High);
        let text = "// SX-2026-011, CVE-2026-41873: ratchet header replay, queue takeover";
        assert_eq!(
            fields(&c, text, ContentMode::Ids),
            [Field::Id, Field::Alias(0)]
        );
        assert_eq!(
            fields(&c, text, ContentMode::All),
            [
                Field::Id,
                Field::Alias(0),
                Field::Term(0),
                Field::Pattern(0)
            ]
        );
        assert!(fields(&c, text, ContentMode::Off).is_empty());
    }

    #[test]
    fn generic_language_and_bidi_never_count_in_changes() {
        let c = checker(Severity::High);
        let text = "fix a vulnerability, see CVE-2020-0001 \u{202E}";
        assert!(c.check("x vulnerability", DAY).len() == 1);
        assert!(c.check_change(text, DAY, ContentMode::All).is_empty());
    }

    #[test]
    fn verdict_applies_to_changes_as_to_messages() {
        let text = "fn test_sx_2026_011() {}";
        let found = checker(Severity::Critical).check_change(text, DAY, ContentMode::Ids);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].level, Level::Block);
        assert_eq!(&text[found[0].span.clone()], "sx_2026_011");
        let low = checker(Severity::Low);
        assert!(low.check_change(text, DAY, ContentMode::Ids).is_empty());
    }
}
