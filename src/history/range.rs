//! Revision ranges: the commits named by `git rev-list`-style arguments, or by a CI plan
//! (a pull request's base..head, a push's before..after, a new branch).
//!
//! History is never silently cut short: a range endpoint missing from the clone, or a
//! walk that reaches a shallow clone's boundary (a commit whose parents were not
//! fetched), is an error (exit 2) that says how to fetch the full history.

use std::collections::HashSet;

use anyhow::{anyhow, bail, Context as _};
use git2::{ErrorCode, ObjectType, Oid, Repository, Revwalk};

use crate::ci::{Plan, Provider, Range};
use crate::report::escape_controls;

/// How to explain a history that is not all there.
const FETCH_FIX: &str = "embargo never checks fewer commits than asked; fetch the full history: \
     GitHub Actions: `actions/checkout` with `fetch-depth: 0`; GitLab CI: set the variable \
     `GIT_DEPTH: 0`; elsewhere: `git fetch --unshallow` (or fetch the missing commits)";
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
    pub fn known_len(&self) -> Option<usize> {
        match self {
            Selection::Reachable(_) => None,
            Selection::Listed(oids) => Some(oids.len()),
        }
    }
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
/// or remote-tracking ref). Other branches of the clone do not count: one commit pushed
/// to two new branches at once starts two runs, and each would exclude the other's
/// branch, so neither would check it. The default branch itself, new, is all new.
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

pub(super) fn shallow_error(oid: Oid) -> anyhow::Error {
    anyhow!(
        "this clone is shallow and commit {oid} of the range has parents that were not \
         fetched, so part of the range is missing; {FETCH_FIX}"
    )
}

/// The commits whose parents a shallow clone lacks (`.git/shallow`).
pub(super) fn shallow_commits(repo: &Repository) -> anyhow::Result<HashSet<Oid>> {
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

pub(super) fn history_error(repo: &Repository, e: git2::Error) -> anyhow::Error {
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
