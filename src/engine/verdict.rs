//! The verdict (contract §6): which mentions are blocked on a given day, what generic
//! security language and bidi controls are reported, and [`Checker`], the one engine that
//! every entry point (commit-msg, pre-receive, check) runs text through.

use std::ops::Range;

use time::{Date, Duration};

use crate::engine::generic::{self, GenericHit};
use crate::engine::matcher::{Field, Matcher, Mention};
use crate::engine::normalize::{is_bidi_control, Normalized};
use crate::engine::registry::{GenericMode, Issue, Policy, Registry, Severity};

/// Why a mentioned issue may be named, or that it may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Low severity: may always be described.
    Low,
    /// `disclosed` is on or before the day.
    Disclosed,
    /// `released` + level + details days is on or before the day.
    Lifted,
    /// Still under embargo.
    Embargoed,
}

impl Status {
    pub fn is_blocked(self) -> bool {
        self == Status::Embargoed
    }
}

/// The day an issue's details become public by the release timeline, if it has one.
pub fn details_public_on(issue: &Issue, policy: &Policy) -> Option<Date> {
    let days = i64::from(policy.level_notice_days) + i64::from(policy.details_notice_days);
    issue.released?.checked_add(Duration::days(days))
}

pub fn status(issue: &Issue, policy: &Policy, as_of: Date) -> Status {
    if !issue.severity.is_embargoable() {
        Status::Low
    } else if issue.disclosed.is_some_and(|d| d <= as_of) {
        Status::Disclosed
    } else if details_public_on(issue, policy).is_some_and(|d| d <= as_of) {
        Status::Lifted
    } else {
        Status::Embargoed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Rejects the commit, push or pull request (exit 1).
    Block,
    /// Printed, but lets it through.
    Warn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A mention of a registry issue that is still under embargo.
    Embargoed {
        issue: usize,
        field: Field,
        /// Severity as judged: untriaged issues count as critical but say so.
        severity: Severity,
    },
    /// Generic security language not accounted for by an allowed issue.
    Generic { label: &'static str },
    /// A bidirectional-text control character.
    Bidi { code_point: u32 },
    /// A text file a commit adds too large to check (§11): its size and the limit, in
    /// bytes.
    TooLarge { size: usize, limit: usize },
}

impl Kind {
    /// The public name of the kind, used by every output format.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Embargoed { .. } => "embargoed-mention",
            Kind::Generic { .. } => "generic-security-language",
            Kind::Bidi { .. } => "bidi-control",
            Kind::TooLarge { .. } => "file-too-large",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    pub level: Level,
    /// Byte range in the original text.
    pub span: Range<usize>,
}

/// The registry and its compiled matcher: built once, then run over any number of texts.
#[derive(Debug)]
pub struct Checker {
    registry: Registry,
    matcher: Matcher,
}

impl Checker {
    pub fn new(registry: Registry) -> Result<Checker, String> {
        let matcher = Matcher::new(&registry.issues)?;
        Ok(Checker { registry, matcher })
    }

    /// A checker from a registry and a matcher already compiled from its issues (the
    /// compiled form's decoder checks that they belong together).
    pub(crate) fn from_parts(registry: Registry, matcher: Matcher) -> Checker {
        Checker { registry, matcher }
    }

    /// The registry and its matcher, for the compiled form.
    pub(crate) fn parts(&self) -> (&Registry, &Matcher) {
        (&self.registry, &self.matcher)
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Everything to report about one text on one day, ordered by position.
    pub fn check(&self, text: &str, as_of: Date) -> Vec<Finding> {
        let normalized = Normalized::new(text);
        let mentions = self.matcher.find(&normalized);
        let generic = if self.registry.policy.generic == GenericMode::Off {
            Vec::new()
        } else {
            generic::find(&normalized)
        };
        let mut findings = judge(&self.registry, &mentions, &generic, as_of);
        findings.extend(bidi_controls(text));
        findings.sort_by_key(|f| (f.span.start, f.span.end));
        findings
    }
}

/// Turns mentions and generic hits into findings.
pub fn judge(
    registry: &Registry,
    mentions: &[Mention],
    generic: &[GenericHit],
    as_of: Date,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut allowed_mention = false;
    for m in mentions {
        let issue = &registry.issues[m.issue];
        let status = status(issue, &registry.policy, as_of);
        if status.is_blocked() {
            findings.push(Finding {
                kind: Kind::Embargoed {
                    issue: m.issue,
                    field: m.field,
                    severity: issue.severity,
                },
                level: Level::Block,
                span: m.span.clone(),
            });
        } else {
            allowed_mention = true;
        }
    }
    // A message that cites an issue it may cite has explained its security language.
    let level = match registry.policy.generic {
        GenericMode::Off => return findings,
        _ if allowed_mention => return findings,
        GenericMode::Warn => Level::Warn,
        GenericMode::Deny => Level::Block,
    };
    for hit in generic {
        let overlaps = mentions
            .iter()
            .any(|m| m.span.start < hit.span.end && hit.span.start < m.span.end);
        if !overlaps {
            findings.push(Finding {
                kind: Kind::Generic { label: hit.label },
                level,
                span: hit.span.clone(),
            });
        }
    }
    findings
}

/// Bidi controls are always reported and always block: text that displays differently
/// from what it says has no place in a commit message.
pub fn bidi_controls(text: &str) -> Vec<Finding> {
    // Every bidi control is encoded with a lead byte 0xD8 (U+061C) or 0xE2; most messages
    // have neither, and this test runs at memory speed.
    if !text.bytes().any(|b| b == 0xD8 || b == 0xE2) {
        return Vec::new();
    }
    text.char_indices()
        .filter(|&(_, c)| is_bidi_control(c))
        .map(|(at, c)| Finding {
            kind: Kind::Bidi {
                code_point: c as u32,
            },
            level: Level::Block,
            span: at..at + c.len_utf8(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn issue(id: &str, severity: Severity, term: &str) -> Issue {
        Issue {
            id: id.into(),
            severity,
            summary: None,
            aliases: vec![],
            terms: vec![term.into()],
            patterns: vec![],
            released: None,
            disclosed: None,
            fixed_in: None,
            line: 1,
        }
    }

    fn registry(issues: Vec<Issue>, generic: GenericMode) -> Registry {
        Registry {
            policy: Policy {
                generic,
                ..Policy::default()
            },
            issues: issues.into(),
            origin: "test".into(),
        }
    }

    const DAY: Date = date!(2026 - 11 - 27);

    #[test]
    fn embargoable_severities_block_and_low_does_not() {
        for (sev, blocked) in [
            (Severity::Critical, true),
            (Severity::High, true),
            (Severity::Medium, true),
            (Severity::Untriaged, true),
            (Severity::Low, false),
        ] {
            let r = registry(vec![issue("A-1", sev, "alpha beta")], GenericMode::Off);
            let found = Checker::new(r).unwrap().check("fix alpha beta", DAY);
            assert_eq!(
                found.iter().any(|f| f.level == Level::Block),
                blocked,
                "{sev}"
            );
        }
    }

    #[test]
    fn disclosure_date_lifts_on_the_day_not_before() {
        let mut i = issue("A-1", Severity::High, "alpha beta");
        i.disclosed = Some(DAY);
        assert_eq!(status(&i, &Policy::default(), DAY), Status::Disclosed);
        assert_eq!(
            status(&i, &Policy::default(), DAY.previous_day().unwrap()),
            Status::Embargoed
        );
    }

    #[test]
    fn release_timeline_lifts_after_level_and_details_days() {
        let mut i = issue("A-1", Severity::Critical, "alpha beta");
        i.released = Some(date!(2026 - 11 - 01));
        let policy = Policy::default();
        // 7 + 14 days after the 1st is the 22nd.
        assert_eq!(
            status(&i, &policy, date!(2026 - 11 - 21)),
            Status::Embargoed
        );
        assert_eq!(status(&i, &policy, date!(2026 - 11 - 22)), Status::Lifted);
        // The level alone being public (day 7) does not lift the embargo on mentions.
        assert_eq!(
            status(&i, &policy, date!(2026 - 11 - 08)),
            Status::Embargoed
        );
        let short = Policy {
            level_notice_days: 1,
            details_notice_days: 2,
            ..Policy::default()
        };
        assert_eq!(status(&i, &short, date!(2026 - 11 - 04)), Status::Lifted);
    }

    #[test]
    fn generic_language_warns_denies_or_is_ignored() {
        let text = "fix a vulnerability in the parser";
        for (mode, expect) in [
            (GenericMode::Off, None),
            (GenericMode::Warn, Some(Level::Warn)),
            (GenericMode::Deny, Some(Level::Block)),
        ] {
            let r = registry(vec![], mode);
            let found = Checker::new(r).unwrap().check(text, DAY);
            assert_eq!(found.first().map(|f| f.level), expect, "{mode:?}");
        }
    }

    #[test]
    fn an_allowed_issue_accounts_for_generic_language() {
        let r = registry(
            vec![issue("LOW-1", Severity::Low, "tiny leak")],
            GenericMode::Deny,
        );
        let c = Checker::new(r).unwrap();
        assert!(c.check("security fix for the tiny leak", DAY).is_empty());
        assert_eq!(c.check("security fix for something", DAY).len(), 1);
    }

    #[test]
    fn a_blocked_cve_alias_is_reported_once_not_also_as_generic() {
        let mut i = issue("A-1", Severity::High, "alpha beta");
        i.aliases = vec!["CVE-2026-1234".into()];
        let c = Checker::new(registry(vec![i], GenericMode::Warn)).unwrap();
        let found = c.check("fixes CVE-2026-1234", DAY);
        assert_eq!(found.len(), 1);
        assert!(matches!(found[0].kind, Kind::Embargoed { .. }));
    }

    #[test]
    fn bidi_controls_always_block() {
        let c = Checker::new(registry(vec![], GenericMode::Off)).unwrap();
        let found = c.check("ok \u{202E}txet", DAY);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Kind::Bidi { code_point: 0x202E });
        assert_eq!(found[0].level, Level::Block);
        assert_eq!(found[0].span, 3..6);
    }

    #[test]
    fn every_bidi_control_is_found_past_the_fast_path() {
        let all = [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}',
        ]
        .into_iter()
        .chain([
            '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ]);
        for c in all {
            let text = format!("caf\u{e9} {c}x");
            let found = bidi_controls(&text);
            assert_eq!(found.len(), 1, "U+{:04X}", c as u32);
            assert_eq!(found[0].span, 6..6 + c.len_utf8());
        }
        // Other characters with the same lead bytes are not bidi controls.
        assert!(bidi_controls("\u{2014} \u{0600} \u{2026}").is_empty());
    }
}
