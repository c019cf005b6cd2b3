//! `embargo check [REVISIONS...]`: commit messages (and what the commits add, §11) of a revision range, or in CI the pull
//! request, merge request or push being built (contract §7).
//!
//! Revisions are taken as `git rev-list` takes them: `A..B`, `^A B`, `A...B`, plain
//! revisions, `X^!` and `X^@`, `--all`, `--branches`, `--tags`, `--remotes` and `--not`,
//! in command-line order. With none, [`crate::ci`] says what the CI job is about.
//! Which commits those name, and reading them, is [`crate::history`]'s business.

use std::collections::{HashMap, HashSet};
use std::ops::Deref;

use anyhow::{anyhow, bail, Context as _};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};
use git2::{Oid, Repository};
use time::{Date, OffsetDateTime};

use crate::ci::{self, Detected};
use crate::commands::content::check_piece;
use crate::commands::object_findings;
use crate::commands::{AsOf, Context};
use crate::engine::content::ContentMode;
use crate::engine::source::{CommitRef, Source};
use crate::engine::verdict::Checker;
use crate::git::diff::CachedObjects;
use crate::git::pack::Packs;
use crate::git::{objects, pushed};
use crate::history::changes;
use crate::history::range::{plan_commits, revision_commits};
use crate::history::{self, Selection};
use crate::load;
use crate::progress::Progress;
use crate::report::{Checked, Report, Style};

/// The revision arguments of `check`, in command-line order: `--all` and friends are
/// real flags (so global options such as `--format` still parse after them), and their
/// positions among the plain revisions are kept, as `--not` needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revisions(pub Vec<String>);

impl Deref for Revisions {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.0
    }
}

const PSEUDO: [(&str, &str); 5] = [
    ("all", "All refs (and HEAD), as `git rev-list --all`"),
    ("branches", "All branches (refs/heads)"),
    ("tags", "All tags (refs/tags)"),
    ("remotes", "All remote-tracking branches (refs/remotes)"),
    (
        "not",
        "Reverses the meaning of `^` for the revisions that follow",
    ),
];

impl Args for Revisions {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let mut cmd = cmd;
        for (name, help) in PSEUDO {
            cmd = cmd.arg(
                Arg::new(name)
                    .long(name)
                    .action(ArgAction::Count)
                    .help(help)
                    .help_heading("Revision options"),
            );
        }
        cmd.arg(
            Arg::new("revisions")
                .value_name("REVISIONS")
                .num_args(0..)
                .action(ArgAction::Append)
                .help("Revisions as `git rev-list` takes them (`A..B`, `^A B`, `A...B`); none: detect the CI job"),
        )
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for Revisions {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut items: Vec<(usize, String)> = Vec::new();
        for (name, _) in PSEUDO {
            if m.value_source(name) != Some(ValueSource::CommandLine) {
                continue;
            }
            if let Some(indices) = m.indices_of(name) {
                items.extend(indices.map(|i| (i, format!("--{name}"))));
            }
        }
        if let (Some(values), Some(indices)) =
            (m.get_many::<String>("revisions"), m.indices_of("revisions"))
        {
            items.extend(indices.zip(values.cloned()));
        }
        items.sort_by_key(|(i, _)| *i);
        Ok(Revisions(items.into_iter().map(|(_, v)| v).collect()))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

pub fn run(ctx: &Context, revisions: &[String]) -> anyhow::Result<i32> {
    let repo = Repository::open_from_env()
        .context("`embargo check` must run inside a git repository (or with GIT_DIR set)")?;
    let plan = if revisions.is_empty() {
        match ci::detect(&ci::env_var)? {
            Detected::Plan(plan) => Some(plan),
            Detected::Unsupported(why) => bail!(
                "no revisions given, and {why}; give the revisions to check as `git rev-list` \
                 takes them (`origin/main..HEAD`, `^origin/main HEAD`, `--all`)"
            ),
            Detected::None => bail!(
                "no revisions given and no CI pull request, merge request or push detected; give \
                 the revisions to check as `git rev-list` takes them (`origin/main..HEAD`, \
                 `^origin/main HEAD`, `--all`)"
            ),
        }
    } else {
        None
    };
    let checker = load::checker(ctx.registry.as_deref(), Some(&repo)).map_err(|e| {
        let fork = plan
            .as_ref()
            .and_then(|p| p.fork.as_deref().map(|f| (f, p.what.as_str())));
        match fork {
            Some((fork, what)) if secret_missing(ctx) => e.context(format!(
                "this {what} comes from the fork {fork}, and CI gives jobs for forks no secrets, \
                 so the registry is not available; the check fails rather than pass unchecked \
                 (docs/ci.md says how to run it where the secret is available)"
            )),
            _ => e,
        }
    })?;
    release_freed_memory();

    let selection = match &plan {
        Some(plan) => Selection::Listed(plan_commits(&repo, plan)?),
        None => revision_commits(&repo, revisions)?,
    };
    if let Some(plan) = &plan {
        let count = selection.known_len().unwrap_or(0);
        let extra = if plan.texts.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = plan.texts.iter().map(|(s, _)| s.to_string()).collect();
            format!(" and {}", names.join(", "))
        };
        eprintln!(
            "embargo: {}: checking {count} commit{}{extra}",
            plan.what,
            if count == 1 { "" } else { "s" }
        );
        for note in &plan.notes {
            eprintln!("embargo: warning: {note}");
        }
    }

    let today = OffsetDateTime::now_utc().date();
    let text_day = match ctx.as_of {
        AsOf::Day(d) => d,
        AsOf::CommitDate => today,
    };
    let mut report = Report::default();
    for (source, text) in plan.iter().flat_map(|p| p.texts.iter()) {
        let findings = checker.check(text, text_day);
        report.add(source.clone(), text.clone(), findings);
    }
    let content = ctx.content(checker.registry());
    let report = scan(&repo, &selection, &checker, ctx.as_of, content, report)?;

    let only_commits = plan.as_ref().is_none_or(|p| p.texts.is_empty());
    let style = Style {
        registry: checker.registry(),
        reveal: ctx.reveal,
        color: ctx.color_stdout,
        noun: if only_commits { "commit" } else { "text" },
        always_summarize: true,
    };
    let mut out = std::io::stdout().lock();
    ctx.format
        .renderer()
        .render(&report, &style, &mut out)
        .context("cannot write the report")?;
    Ok(report.exit_code())
}

/// What one scanning thread found.
#[derive(Default)]
struct Found {
    checked: usize,
    /// Texts with findings, with their commit's committer time and id for the order.
    items: Vec<(i64, Oid, Checked)>,
    /// Every commit checked and its committer time, when the repository has notes to
    /// look up afterwards.
    oids: Vec<(Oid, i64)>,
    /// Idents found clean on the judging day ([`object_findings`]).
    clean: HashSet<String>,
}

/// Reads the selected commits and checks their messages, idents, extra headers and
/// notes (as the pre-receive hook checks a push), adding them to `report`,
/// newest first. A failure anywhere stops the scan and is the result: nothing is
/// reported from a scan that did not finish.
fn scan(
    repo: &Repository,
    selection: &Selection,
    checker: &Checker,
    as_of: AsOf,
    content: ContentMode,
    mut report: Report,
) -> anyhow::Result<Report> {
    let odb = repo.odb().context("cannot open the object database")?;
    // As the scan reads commits: from the packs directly, unless git points elsewhere.
    let packs = if std::env::var_os("GIT_OBJECT_DIRECTORY").is_some() {
        Packs::default()
    } else {
        Packs::open(&repo.commondir().join("objects"))
    };
    let odb = CachedObjects::with_packs(&odb, &packs);
    let notes_refs = pushed::notes_refs(repo)?;
    let with_notes = !notes_refs.is_empty();
    let mut progress = Progress::stderr("commits", selection.known_len());
    let found = history::scan(
        repo,
        selection,
        Found::default,
        |found, commit| {
            let raw = objects::parse(&commit.data)
                .with_context(|| format!("cannot read commit {}", commit.oid))?;
            let day = match as_of {
                AsOf::Day(d) => d,
                AsOf::CommitDate => committer_day(&raw, commit.oid)?,
            };
            found.checked += 1;
            if with_notes {
                found.oids.push((commit.oid, commit.time));
            }
            // The message, idents and extra headers, as the pre-receive hook checks them.
            // Under `--as-of commit` the day changes from commit to commit: no ident is
            // clean for good.
            if matches!(as_of, AsOf::CommitDate) {
                found.clean.clear();
            }
            for (field, text, findings) in object_findings(checker, day, &raw, &mut found.clean) {
                let source = match field {
                    None => Source::Commit {
                        id: commit.oid.to_string(),
                        subject: objects::subject(&raw.message).to_string(),
                    },
                    Some(field) => Source::Field {
                        object: "commit".to_string(),
                        id: Some(commit.oid.to_string()),
                        field,
                    },
                };
                found.items.push((
                    commit.time,
                    commit.oid,
                    Checked {
                        source,
                        text,
                        findings,
                    },
                ));
            }
            if content != ContentMode::Off {
                let named = CommitRef {
                    id: commit.oid.to_string(),
                    subject: objects::subject(&raw.message).to_string(),
                };
                changes::commit_adds(&odb, &commit.data, |piece| {
                    if let Some(item) = check_piece(checker, piece, Some(&named), day, content) {
                        found.items.push((commit.time, commit.oid, item));
                    }
                    Ok(())
                })
                .with_context(|| format!("cannot read the changes of commit {}", commit.oid))?;
            }
            Ok(())
        },
        |visited| progress.set(visited),
    );
    progress.finish();
    let found = found?;
    let mut items = Vec::new();
    let mut checked: HashMap<Oid, i64> = HashMap::new();
    for part in found {
        report.checked += part.checked;
        items.extend(part.items);
        checked.extend(part.oids);
    }
    // The notes `git log` shows with these commits, judged like their commits.
    for notes_ref in &notes_refs {
        for (oid, source, text) in pushed::notes_on(repo, notes_ref, &checked)? {
            let time = checked.get(&oid).copied().unwrap_or(0);
            let day = match as_of {
                AsOf::Day(d) => d,
                AsOf::CommitDate => OffsetDateTime::from_unix_timestamp(time)
                    .map_err(|_| anyhow!("commit {oid} has an out-of-range committer date"))?
                    .date(),
            };
            let findings = checker.check(&text, day);
            if !findings.is_empty() {
                let item = Checked {
                    source,
                    text,
                    findings,
                };
                items.push((time, oid, item));
            }
        }
    }
    // Oldest first, the order they were made in (and `pre-receive`'s); the id settles
    // equal times.
    items.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    report
        .items
        .extend(items.into_iter().map(|(_, _, item)| item));
    Ok(report)
}

/// Hands the heap's free memory back to the system. Parsing and compiling a large
/// registry (no cache yet) leaves tens of megabytes freed but still resident, which a
/// long scan would otherwise carry to its end (measured: 70 MiB peak instead of 52).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// No registry but the (empty or absent) CI secret: what a fork's job sees.
fn secret_missing(ctx: &Context) -> bool {
    let empty = |name: &str| std::env::var(name).map_or(true, |v| v.trim().is_empty());
    ctx.registry.is_none() && empty("EMBARGO_REGISTRY") && empty("EMBARGO_REGISTRY_JSON")
}

/// The UTC day of a commit's committer date, for `--as-of commit`.
fn committer_day(raw: &objects::RawObject, oid: Oid) -> anyhow::Result<Date> {
    let seconds = raw.signature_time().ok_or_else(|| {
        anyhow!("commit {oid} has no readable committer date (needed by --as-of commit)")
    })?;
    Ok(OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| anyhow!("commit {oid} has an out-of-range committer date"))?
        .date())
}
