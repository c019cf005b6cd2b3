//! `embargo check [REVISIONS...]`: commit messages of a revision range, or in CI the pull
//! request, merge request or push being built (contract §7).
//!
//! Revisions are taken as `git rev-list` takes them: `A..B`, `^A B`, `A...B`, plain
//! revisions, `X^!` and `X^@`, `--all`, `--branches`, `--tags`, `--remotes` and `--not`,
//! in command-line order. With none, [`crate::ci`] says what the CI job is about.
//!
//! History is never silently cut short: a range endpoint missing from the clone, or a
//! walk that reaches a shallow clone's boundary (a commit whose parents were not
//! fetched), is an error (exit 2) that says how to fetch the full history.

use std::collections::{HashMap, HashSet};
use std::ops::Deref;

use anyhow::{anyhow, bail, Context as _};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};
use git2::{ErrorCode, ObjectType, Oid, Repository, Revwalk};
use time::{Date, OffsetDateTime};

use crate::ci::{self, Detected, Plan, Provider, Range};
use crate::cli::{AsOf, Context, Format};
use crate::engine::verdict::Checker;
use crate::load;
use crate::pack::Packs;
use crate::progress::Progress;
use crate::report::{self, escape_controls, Checked, Report, Source, Style};
use crate::walk::{self, Start, WalkError};
use crate::{objects, published, pushed};

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

/// How to explain a history that is not all there.
const FETCH_FIX: &str = "embargo never checks fewer commits than asked; fetch the full history: \
     GitHub Actions: `actions/checkout` with `fetch-depth: 0`; GitLab CI: set the variable \
     `GIT_DEPTH: 0`; elsewhere: `git fetch --unshallow` (or fetch the missing commits)";

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
                 (see the README for running it where the secret is available)"
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
        let count = selection.len().unwrap_or(0);
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
    let report = scan(&repo, &selection, &checker, ctx.as_of, report)?;

    let only_commits = plan.as_ref().is_none_or(|p| p.texts.is_empty());
    let style = Style {
        registry: checker.registry(),
        reveal: ctx.reveal,
        color: ctx.color_stdout,
        noun: if only_commits { "commit" } else { "text" },
        always_summarize: true,
    };
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Sarif => report::sarif::render(&report, &style, &mut out),
        Format::Github => report::github::render(&report, &style, &mut out),
        other => report::render(other, &report, &style, &mut out),
    }
    .context("cannot write the report")?;
    Ok(report.exit_code())
}

/// The commits a check covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Everything these tips reach (the revisions exclude nothing), found by the scan's
    /// own walk, one read per commit.
    Reachable(Vec<Oid>),
    /// These commits, as libgit2's revwalk listed them (ranges with exclusions, CI plans).
    Listed(Vec<Oid>),
}

impl Selection {
    /// How many commits, when that is known before the walk.
    fn len(&self) -> Option<usize> {
        match self {
            Selection::Reachable(_) => None,
            Selection::Listed(oids) => Some(oids.len()),
        }
    }
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
    /// Idents already found clean on the judging day: most commits repeat a few.
    clean: HashSet<String>,
}

/// At most this many clean idents are remembered per scanning thread.
const MAX_CLEAN_IDENTS: usize = 100_000;

/// Reads the selected commits and checks their messages, adding them to `report`,
/// newest first. A failure anywhere stops the scan and is the result: nothing is
/// reported from a scan that did not finish.
fn scan(
    repo: &Repository,
    selection: &Selection,
    checker: &Checker,
    as_of: AsOf,
    mut report: Report,
) -> anyhow::Result<Report> {
    // Each commit is read once, so libgit2's object cache would only hold the whole
    // history in memory. And, like `git log`, reading does not hash every object again:
    // a clone's objects were verified when they arrived.
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    let odb = repo.odb().context("cannot open the object database")?;
    let (start, shallow) = match selection {
        Selection::Reachable(tips) => (Start::Reachable(tips), shallow_commits(repo)?),
        // `collect` has checked the list against the shallow boundary.
        Selection::Listed(oids) => (Start::Listed(oids), HashSet::new()),
    };
    let notes_refs = pushed::notes_refs(repo)?;
    let with_notes = !notes_refs.is_empty();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
    let mut progress = Progress::stderr("commits", selection.len());
    // Packs are read directly where they can be (see `pack`); everything else, and every
    // object when GIT_OBJECT_DIRECTORY points elsewhere, through libgit2.
    let packs = if std::env::var_os("GIT_OBJECT_DIRECTORY").is_some() {
        Packs::default()
    } else {
        Packs::open(&repo.commondir().join("objects"))
    };
    let objects = walk::Objects {
        odb: &odb,
        packs: &packs,
    };
    let found = walk::scan(
        objects,
        start,
        &shallow,
        workers,
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
            // The idents and extra headers, as the pre-receive hook checks them.
            for field in published::fields(&raw) {
                let ident = matches!(field.name.as_str(), "author" | "committer");
                let cacheable = ident && matches!(as_of, AsOf::Day(_));
                if cacheable && found.clean.contains(&field.text) {
                    continue;
                }
                let findings = checker.check(&field.text, day);
                if findings.is_empty() {
                    if cacheable {
                        if found.clean.len() >= MAX_CLEAN_IDENTS {
                            found.clean.clear();
                        }
                        found.clean.insert(field.text);
                    }
                    continue;
                }
                let source = Source::Field {
                    object: "commit".to_string(),
                    id: Some(commit.oid.to_string()),
                    field: field.name,
                };
                let item = Checked {
                    source,
                    text: field.text,
                    findings,
                };
                found.items.push((commit.time, commit.oid, item));
            }
            let message = raw.message;
            let findings = checker.check(&message, day);
            if !findings.is_empty() {
                let source = Source::Commit {
                    id: commit.oid.to_string(),
                    subject: objects::subject(&message).to_string(),
                };
                let item = Checked {
                    source,
                    text: message,
                    findings,
                };
                found.items.push((commit.time, commit.oid, item));
            }
            Ok(())
        },
        |visited| progress.set(visited),
    );
    progress.finish();
    let found = found.map_err(|e| match e {
        WalkError::Read(oid, e) if e.code() != ErrorCode::NotFound && !repo.is_shallow() => {
            anyhow!("cannot read commit {oid}: {}", e.message())
        }
        WalkError::Read(_, e) => history_error(repo, e),
        WalkError::NotCommit(oid, kind) => anyhow!("object {oid} is a {kind}, not a commit"),
        WalkError::Malformed(oid, e) => e.context(format!("cannot parse commit {oid}")),
        WalkError::Shallow(oid) => shallow_error(oid),
        WalkError::Visit(e) => e,
        WalkError::Panicked => anyhow!("a scanning thread failed"),
    })?;
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
    // Newest first, as `git log` lists them; the id settles equal times.
    items.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    report
        .items
        .extend(items.into_iter().map(|(_, _, item)| item));
    Ok(report)
}

/// More threads than this only contend for the object database.
const MAX_WORKERS: usize = 4;

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

/// The commits named by `git rev-list`-style arguments.
pub fn revision_commits(repo: &Repository, revisions: &[String]) -> anyhow::Result<Selection> {
    // The tips to include (`true`) and exclude, in command-line order.
    let mut marks: Vec<(Oid, bool)> = Vec::new();
    let mut negated = false;
    for arg in revisions {
        let arg = arg.as_str();
        match arg {
            "--not" => negated = !negated,
            "--all" | "--branches" | "--tags" | "--remotes" => {
                let prefix = match arg {
                    "--all" => "refs/",
                    "--branches" => "refs/heads/",
                    "--tags" => "refs/tags/",
                    _ => "refs/remotes/",
                };
                let tips = ref_tips(repo, &[prefix])?;
                marks.extend(tips.into_iter().map(|oid| (oid, !negated)));
                if arg == "--all" {
                    marks.extend(head_commit(repo)?.map(|head| (head, !negated)));
                }
            }
            s if s.starts_with('-') => bail!("unsupported option `{s}` in revisions"),
            s if s.contains("...") => {
                let (a, b) = s.split_once("...").unwrap_or((s, ""));
                let a = resolve(repo, if a.is_empty() { "HEAD" } else { a })?;
                let b = resolve(repo, if b.is_empty() { "HEAD" } else { b })?;
                marks.push((a, !negated));
                marks.push((b, !negated));
                match repo.merge_bases(a, b) {
                    Ok(bases) => {
                        for base in bases.iter() {
                            marks.push((*base, negated));
                        }
                    }
                    Err(e) if e.code() == ErrorCode::NotFound => {}
                    Err(e) => return Err(history_error(repo, e)),
                }
            }
            s if s.contains("..") => {
                let (a, b) = s.split_once("..").unwrap_or((s, ""));
                let a = resolve(repo, if a.is_empty() { "HEAD" } else { a })?;
                let b = resolve(repo, if b.is_empty() { "HEAD" } else { b })?;
                marks.push((a, negated));
                marks.push((b, !negated));
            }
            s if s.starts_with('^') && s.len() > 1 => {
                marks.push((resolve(repo, &s[1..])?, negated));
            }
            s if s.ends_with("^!") && s.len() > 2 => {
                let commit = resolve(repo, &s[..s.len() - 2])?;
                marks.push((commit, !negated));
                for parent in parents(repo, commit)? {
                    marks.push((parent, negated));
                }
            }
            s if s.ends_with("^@") && s.len() > 2 => {
                let commit = resolve(repo, &s[..s.len() - 2])?;
                for parent in parents(repo, commit)? {
                    marks.push((parent, !negated));
                }
            }
            s => marks.push((resolve(repo, s)?, !negated)),
        }
    }
    if marks.iter().all(|&(_, include)| include) {
        // The walk reads each tip once, however often it is named.
        return Ok(Selection::Reachable(
            marks.into_iter().map(|(oid, _)| oid).collect(),
        ));
    }
    let mut revwalk = repo.revwalk().context("cannot walk the history")?;
    for (oid, include) in marks {
        let result = if include {
            revwalk.push(oid)
        } else {
            revwalk.hide(oid)
        };
        result.map_err(|e| anyhow!("cannot walk from {oid}: {}; {FETCH_FIX}", e.message()))?;
    }
    Ok(Selection::Listed(collect(repo, revwalk)?))
}

/// The commits a CI plan names.
pub fn plan_commits(repo: &Repository, plan: &Plan) -> anyhow::Result<Vec<Oid>> {
    let mut walk = repo.revwalk().context("cannot walk the history")?;
    match &plan.range {
        Range::Nothing => return Ok(Vec::new()),
        Range::Between {
            base,
            tip,
            base_may_be_gone,
            branch,
            default_branch,
        } => {
            let tip = present(repo, plan, tip, "tip")?;
            match present(repo, plan, base, "base") {
                Ok(base) => {
                    walk.push(tip).map_err(|e| history_error(repo, e))?;
                    walk.hide(base).map_err(|e| history_error(repo, e))?;
                }
                Err(_) if *base_may_be_gone => {
                    eprintln!(
                        "embargo: the force-pushed old tip {base} is not in this clone; checking \
                         the commits of {tip} that are not on the default branch"
                    );
                    new_branch(repo, &mut walk, tip, branch.as_deref(), default_branch)?;
                }
                Err(e) => return Err(e),
            }
        }
        Range::NewBranch {
            tip,
            branch,
            default_branch,
        } => {
            let tip = present(repo, plan, tip, "tip")?;
            new_branch(repo, &mut walk, tip, branch.as_deref(), default_branch)?;
        }
    }
    collect(repo, walk)
}

/// A new branch: `tip`, minus everything on the repository's default branch (its local
/// or remote-tracking ref). Other branches of the clone do not count: a commit pushed
/// to two new branches at once is on neither's "other branch" in the sense that matters,
/// since neither run has checked it. The default branch itself, new, is all new.
fn new_branch(
    repo: &Repository,
    walk: &mut Revwalk<'_>,
    tip: Oid,
    branch: Option<&str>,
    default_branch: &Option<String>,
) -> anyhow::Result<()> {
    walk.push(tip).map_err(|e| history_error(repo, e))?;
    let Some(default) = default_branch.as_deref() else {
        bail!(
            "the GitHub push event has no `repository.default_branch`, so the commits of this \
             new branch cannot be told from those already on the default branch; give the \
             revisions to check as `git rev-list` takes them"
        );
    };
    if branch.and_then(|b| b.strip_prefix("refs/heads/")) == Some(default) {
        return Ok(());
    }
    let is_default = |name: &str| -> bool {
        name.strip_prefix("refs/heads/") == Some(default)
            || name
                .strip_prefix("refs/remotes/")
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(_, b)| b == default)
    };
    let mut found = false;
    let references = repo.references().context("cannot list refs")?;
    for reference in references {
        let reference = reference.context("cannot read a ref")?;
        let Some(name) = reference.name() else {
            continue;
        };
        if !is_default(name) {
            continue;
        }
        let Ok(resolved) = reference.resolve() else {
            continue;
        };
        if let Some(oid) = peeled_commit(repo, &resolved)? {
            walk.hide(oid).map_err(|e| history_error(repo, e))?;
            found = true;
        }
    }
    if !found {
        bail!(
            "the default branch `{}` is not in this clone, so the commits of this new branch \
             cannot be told from those already on it; {FETCH_FIX}",
            escape_controls(default)
        );
    }
    Ok(())
}

/// A commit id from a CI plan that must be in the clone.
fn present(repo: &Repository, plan: &Plan, sha: &str, role: &str) -> anyhow::Result<Oid> {
    let oid = Oid::from_str(sha).with_context(|| format!("`{sha}` is not a commit id"))?;
    match repo.find_commit(oid) {
        Ok(_) => Ok(oid),
        Err(e) if e.code() == ErrorCode::NotFound => {
            let hint = match plan.provider {
                Provider::GitHub => {
                    " (for pull_request_target, also check out the pull request's head commit)"
                }
                Provider::GitLab => "",
            };
            Err(anyhow!(
                "the {role} of the range, commit {sha} of {}, is not in this clone; {FETCH_FIX}{hint}",
                plan.what
            ))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read commit {sha}")),
    }
}

/// Runs the walk, refusing to go past a shallow clone's boundary.
fn collect(repo: &Repository, walk: Revwalk<'_>) -> anyhow::Result<Vec<Oid>> {
    let shallow = shallow_commits(repo)?;
    let mut commits = Vec::new();
    for oid in walk {
        let oid = oid.map_err(|e| history_error(repo, e))?;
        if shallow.contains(&oid) {
            return Err(shallow_error(oid));
        }
        commits.push(oid);
    }
    Ok(commits)
}

fn shallow_error(oid: Oid) -> anyhow::Error {
    anyhow!(
        "this clone is shallow and commit {oid} of the range has parents that were not \
         fetched, so part of the range is missing; {FETCH_FIX}"
    )
}

/// The commits whose parents a shallow clone lacks (`.git/shallow`).
fn shallow_commits(repo: &Repository) -> anyhow::Result<HashSet<Oid>> {
    let path = repo.path().join("shallow");
    if !repo.is_shallow() && !path.exists() {
        return Ok(HashSet::new());
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Oid::from_str(l.trim()).with_context(|| format!("bad line in {}", path.display())))
        .collect()
}

fn history_error(repo: &Repository, e: git2::Error) -> anyhow::Error {
    if e.code() == ErrorCode::NotFound || repo.is_shallow() {
        anyhow!(
            "part of the history is missing from this clone ({}); {FETCH_FIX}",
            e.message()
        )
    } else {
        anyhow!("cannot walk the history: {}", e.message())
    }
}

/// A revision as `git rev-parse` takes it, peeled to a commit.
fn resolve(repo: &Repository, spec: &str) -> anyhow::Result<Oid> {
    let object = repo.revparse_single(spec).map_err(|e| match e.code() {
        ErrorCode::NotFound if repo.is_shallow() => anyhow!(
            "unknown revision `{spec}`: this clone is shallow and may not have it; {FETCH_FIX}"
        ),
        ErrorCode::NotFound => anyhow!("unknown revision `{spec}`"),
        _ => anyhow!("bad revision `{spec}`: {}", e.message()),
    })?;
    let commit = object
        .peel(ObjectType::Commit)
        .map_err(|_| anyhow!("revision `{spec}` does not name a commit"))?;
    Ok(commit.id())
}

fn parents(repo: &Repository, oid: Oid) -> anyhow::Result<Vec<Oid>> {
    let commit = repo
        .find_commit(oid)
        .with_context(|| format!("cannot read commit {oid}"))?;
    Ok(commit.parent_ids().collect())
}

fn head_commit(repo: &Repository) -> anyhow::Result<Option<Oid>> {
    match repo.head() {
        Ok(head) => peeled_commit(repo, &head),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
        Err(e) => Err(e).context("cannot read HEAD"),
    }
}

/// The commit a (resolved) ref points to; `None` for refs to trees or blobs, which
/// `git rev-list` skips too.
fn peeled_commit(
    repo: &Repository,
    reference: &git2::Reference<'_>,
) -> anyhow::Result<Option<Oid>> {
    let Some(target) = reference.target() else {
        return Ok(None);
    };
    let object = match repo.find_object(target, None) {
        Ok(o) => o,
        Err(e) => return Err(history_error(repo, e)),
    };
    Ok(object.peel(ObjectType::Commit).ok().map(|c| c.id()))
}

/// The commits at the tips of the refs under the given prefixes. Broken symbolic refs
/// are skipped, as `git rev-list` does; a ref to a missing object is an error.
fn ref_tips(repo: &Repository, prefixes: &[&str]) -> anyhow::Result<Vec<Oid>> {
    let mut tips = Vec::new();
    for reference in repo.references().context("cannot list refs")? {
        let reference = reference.context("cannot read a ref")?;
        let Some(name) = reference.name() else {
            continue;
        };
        if !prefixes.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let Ok(resolved) = reference.resolve() else {
            continue;
        };
        if let Some(oid) = peeled_commit(repo, &resolved)? {
            tips.push(oid);
        }
    }
    Ok(tips)
}
