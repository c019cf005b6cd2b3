//! The disclosure timeline (contract §12): each issue's dates and phase on a day, when
//! its phase next changes, and what each notice may say on a day. Pure: no files, no
//! printing; the commands render what this decides.

use std::collections::BTreeMap;

use time::{Date, Duration};

use super::registry::{Issue, Policy, Registry, Severity};
use super::verdict;

/// Where an issue stands on a day. Ordered by how much is public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Not released (or released after the day): nothing may be said.
    Unreleased,
    /// Released: trusted partners may know the level.
    Released,
    /// The release notes may say that an issue of this level was fixed.
    LevelPublic,
    /// The details are public by the timeline (the embargo is lifted).
    DetailsPublic,
    /// Disclosed: everything is public.
    Disclosed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Unreleased => "unreleased",
            Phase::Released => "released",
            Phase::LevelPublic => "level-public",
            Phase::DetailsPublic => "details-public",
            Phase::Disclosed => "disclosed",
        }
    }
}

/// One issue's dates. The level and details dates follow from `released` and the policy;
/// a date past the calendar's end is no date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub released: Option<Date>,
    pub level_public_on: Option<Date>,
    pub details_public_on: Option<Date>,
    pub disclosed: Option<Date>,
}

impl Dates {
    pub fn of(issue: &Issue, policy: &Policy) -> Dates {
        let after = |days: u32| {
            issue
                .released
                .and_then(|r| r.checked_add(Duration::days(i64::from(days))))
        };
        Dates {
            released: issue.released,
            level_public_on: after(policy.level_notice_days),
            details_public_on: verdict::details_public_on(issue, policy),
            disclosed: issue.disclosed,
        }
    }

    pub fn phase(&self, day: Date) -> Phase {
        let reached = |d: Option<Date>| d.is_some_and(|d| d <= day);
        if reached(self.disclosed) {
            Phase::Disclosed
        } else if reached(self.details_public_on) {
            Phase::DetailsPublic
        } else if reached(self.level_public_on) {
            Phase::LevelPublic
        } else if reached(self.released) {
            Phase::Released
        } else {
            Phase::Unreleased
        }
    }

    /// The first day after `day` on which the phase changes, and the phase it changes to.
    pub fn next_change(&self, day: Date) -> Option<(Date, Phase)> {
        let now = self.phase(day);
        self.milestones()
            .into_iter()
            .filter(|(_, d)| *d > day)
            .map(|(_, d)| (d, self.phase(d)))
            .filter(|(_, p)| *p > now)
            .min()
    }

    /// Every dated step of the timeline, in the order they are reached by the timeline
    /// alone; steps that fall after the disclosure are left out (nothing is left to say).
    pub fn milestones(&self) -> Vec<(Milestone, Date)> {
        let mut steps: Vec<(Milestone, Date)> = [
            (Milestone::Partners, self.released),
            (Milestone::LevelPublic, self.level_public_on),
            (Milestone::DetailsPublic, self.details_public_on),
            (Milestone::Disclosure, self.disclosed),
        ]
        .into_iter()
        .filter_map(|(m, d)| Some((m, d?)))
        .collect();
        if let Some(disclosed) = self.disclosed {
            steps.retain(|&(m, d)| m == Milestone::Disclosure || d < disclosed);
        }
        steps.sort_by_key(|&(m, d)| (d, m));
        steps
    }

    /// What the public (the release notes) may be told about the issue on `day`.
    pub fn public_may_know(&self, day: Date) -> Knowledge {
        match self.phase(day) {
            Phase::Unreleased | Phase::Released => Knowledge::Nothing,
            Phase::LevelPublic => Knowledge::Level,
            Phase::DetailsPublic | Phase::Disclosed => Knowledge::Details,
        }
    }
}

/// A dated step of the timeline: a calendar event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Milestone {
    /// The release day: the partner notice goes out.
    Partners,
    LevelPublic,
    DetailsPublic,
    Disclosure,
}

impl Milestone {
    pub fn as_str(self) -> &'static str {
        match self {
            Milestone::Partners => "partner-notice",
            Milestone::LevelPublic => "level-public",
            Milestone::DetailsPublic => "details-public",
            Milestone::Disclosure => "disclosure",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Milestone::Partners => "release: partners may learn the level",
            Milestone::LevelPublic => "the release notes may state the level",
            Milestone::DetailsPublic => "details may be published (embargo lifted)",
            Milestone::Disclosure => "disclosure",
        }
    }
}

/// How much may be said about an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Knowledge {
    Nothing,
    Level,
    Details,
}

/// One issue as `registry status` shows it.
#[derive(Debug, Clone)]
pub struct Standing<'a> {
    pub index: usize,
    pub issue: &'a Issue,
    pub dates: Dates,
    pub phase: Phase,
    pub blocked: bool,
    pub next: Option<(Date, Phase)>,
}

/// Every issue's standing on `day`, the issue whose phase changes next first (ties and
/// issues with no change to come in registry order).
pub fn status(registry: &Registry, day: Date) -> Vec<Standing<'_>> {
    let mut all: Vec<Standing<'_>> = registry
        .issues
        .iter()
        .enumerate()
        .map(|(index, issue)| {
            let dates = Dates::of(issue, &registry.policy);
            Standing {
                index,
                issue,
                dates,
                phase: dates.phase(day),
                blocked: verdict::status(issue, &registry.policy, day).is_blocked(),
                next: dates.next_change(day),
            }
        })
        .collect();
    all.sort_by_key(|s| (s.next.is_none(), s.next.map(|(d, _)| d), s.index));
    all
}

/// How many issues of each severity, most severe first.
pub type Counts = BTreeMap<Severity, usize>;

/// The partner notice for the release of `day`: levels and versions only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerNotice {
    pub day: Date,
    pub counts: Counts,
    /// The `fixed_in` versions of those issues, sorted, each once.
    pub versions: Vec<String>,
    /// How many of them have no `fixed_in`.
    pub without_version: usize,
}

pub fn partner_notice(registry: &Registry, day: Date) -> PartnerNotice {
    let released: Vec<&Issue> = registry
        .issues
        .iter()
        .filter(|i| i.released == Some(day))
        .collect();
    let mut versions: Vec<String> = released.iter().filter_map(|i| i.fixed_in.clone()).collect();
    versions.sort();
    versions.dedup();
    PartnerNotice {
        day,
        counts: count(released.iter().copied()),
        versions,
        without_version: released.iter().filter(|i| i.fixed_in.is_none()).count(),
    }
}

/// The security section of version `version`'s release notes as `day` allows it.
#[derive(Debug, Clone)]
pub struct ReleaseNotes<'a> {
    /// Issues whose details may be published, in registry order.
    pub detailed: Vec<&'a Issue>,
    /// Issues whose level only may be stated.
    pub counts: Counts,
    /// Issues of the version that may not be mentioned yet (only counted, never shown).
    pub withheld: usize,
}

pub fn release_notes<'a>(registry: &'a Registry, version: &str, day: Date) -> ReleaseNotes<'a> {
    let mut notes = ReleaseNotes {
        detailed: Vec::new(),
        counts: Counts::new(),
        withheld: 0,
    };
    let fixed = registry
        .issues
        .iter()
        .filter(|i| i.fixed_in.as_deref() == Some(version));
    for issue in fixed {
        match Dates::of(issue, &registry.policy).public_may_know(day) {
            Knowledge::Details => notes.detailed.push(issue),
            Knowledge::Level => *notes.counts.entry(issue.severity).or_default() += 1,
            Knowledge::Nothing => notes.withheld += 1,
        }
    }
    notes
}

/// A dated step of one issue: a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The issue's position in the registry.
    pub index: usize,
    pub issue: &'a Issue,
    pub milestone: Milestone,
    pub date: Date,
}

/// The steps on or after `day` of every issue, by date, then registry order.
pub fn coming(registry: &Registry, day: Date) -> Vec<Event<'_>> {
    let mut events: Vec<Event<'_>> = registry
        .issues
        .iter()
        .enumerate()
        .flat_map(|(index, issue)| {
            Dates::of(issue, &registry.policy)
                .milestones()
                .into_iter()
                .filter(|&(_, date)| date >= day)
                .map(move |(milestone, date)| Event {
                    index,
                    issue,
                    milestone,
                    date,
                })
        })
        .collect();
    events.sort_by_key(|e| (e.date, e.index, e.milestone));
    events
}

fn count<'a>(issues: impl Iterator<Item = &'a Issue>) -> Counts {
    let mut counts = Counts::new();
    for issue in issues {
        *counts.entry(issue.severity).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn issue(severity: Severity, released: Option<Date>, disclosed: Option<Date>) -> Issue {
        Issue {
            id: "T-1".into(),
            severity,
            summary: None,
            aliases: vec![],
            terms: vec!["t".into()],
            patterns: vec![],
            released,
            disclosed,
            fixed_in: Some("1.0".into()),
            line: 1,
        }
    }

    fn registry(issues: Vec<Issue>) -> Registry {
        Registry {
            policy: Policy::default(),
            issues: issues.into(),
            origin: "test".into(),
        }
    }

    #[test]
    fn phases_change_on_the_day_of_each_date() {
        let dates = Dates::of(
            &issue(Severity::High, Some(date!(2026 - 11 - 25)), None),
            &Policy::default(),
        );
        assert_eq!(dates.level_public_on, Some(date!(2026 - 12 - 02)));
        assert_eq!(dates.details_public_on, Some(date!(2026 - 12 - 16)));
        let cases = [
            (date!(2026 - 11 - 24), Phase::Unreleased),
            (date!(2026 - 11 - 25), Phase::Released),
            (date!(2026 - 12 - 01), Phase::Released),
            (date!(2026 - 12 - 02), Phase::LevelPublic),
            (date!(2026 - 12 - 15), Phase::LevelPublic),
            (date!(2026 - 12 - 16), Phase::DetailsPublic),
        ];
        for (day, phase) in cases {
            assert_eq!(dates.phase(day), phase, "{day}");
        }
        assert_eq!(
            dates.next_change(date!(2026 - 11 - 25)),
            Some((date!(2026 - 12 - 02), Phase::LevelPublic))
        );
        assert_eq!(dates.next_change(date!(2026 - 12 - 16)), None);
    }

    #[test]
    fn disclosure_wins_and_cuts_the_later_steps() {
        let dates = Dates::of(
            &issue(
                Severity::Critical,
                Some(date!(2026 - 11 - 25)),
                Some(date!(2026 - 12 - 05)),
            ),
            &Policy::default(),
        );
        assert_eq!(dates.phase(date!(2026 - 12 - 05)), Phase::Disclosed);
        let steps: Vec<Milestone> = dates.milestones().into_iter().map(|(m, _)| m).collect();
        assert_eq!(
            steps,
            [
                Milestone::Partners,
                Milestone::LevelPublic,
                Milestone::Disclosure
            ]
        );
        assert_eq!(
            dates.next_change(date!(2026 - 12 - 02)),
            Some((date!(2026 - 12 - 05), Phase::Disclosed))
        );
    }

    #[test]
    fn release_notes_say_what_each_day_allows() {
        let r = registry(vec![issue(
            Severity::Medium,
            Some(date!(2026 - 11 - 25)),
            None,
        )]);
        let at = |day| {
            let n = release_notes(&r, "1.0", day);
            (
                n.withheld,
                n.counts.values().sum::<usize>(),
                n.detailed.len(),
            )
        };
        assert_eq!(at(date!(2026 - 12 - 01)), (1, 0, 0));
        assert_eq!(at(date!(2026 - 12 - 02)), (0, 1, 0));
        assert_eq!(at(date!(2026 - 12 - 16)), (0, 0, 1));
        assert_eq!(release_notes(&r, "1.1", date!(2026 - 12 - 16)).withheld, 0);
    }

    #[test]
    fn calendar_steps_are_the_coming_ones() {
        let r = registry(vec![
            issue(Severity::Low, Some(date!(2026 - 11 - 25)), None),
            issue(Severity::Untriaged, None, None),
        ]);
        let kinds: Vec<(Milestone, Date)> = coming(&r, date!(2026 - 12 - 02))
            .into_iter()
            .map(|e| (e.milestone, e.date))
            .collect();
        assert_eq!(
            kinds,
            [
                (Milestone::LevelPublic, date!(2026 - 12 - 02)),
                (Milestone::DetailsPublic, date!(2026 - 12 - 16))
            ]
        );
    }
}
