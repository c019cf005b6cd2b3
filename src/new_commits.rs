//! Which commits a push brings (contract §7): exactly those reachable from the pushed
//! tips and from no ref that existed before the push, whether or not the push carried
//! their objects.
//!
//! Where the object store alone cannot prove a commit new, the painting walk
//! ([`exact_new_commits`]) decides: from the tips and from every ref, in commit-graph
//! generation order, exact under clock skew. git's quarantine proves part of the answer
//! for free: a commit whose object is in the quarantine and not in the repository's
//! store (its own objects and the alternates it borrows from) cannot be reachable from
//! any existing ref, because everything a ref reaches is in that store. So the walk
//! from the tips goes through such commits without reading a ref, and hands only the
//! commits where it stops (objects the store already has, whatever put them there) to
//! the painting walk. The union is the exact set: what the tips reach is the commits
//! proven new plus what those stopping points reach, and the painting walk removes
//! from the latter all that a ref reaches. A plain push on top of a branch stops at the
//! branch's old tip, which a ref names, so the painting walk ends at once.

use std::collections::{HashSet, VecDeque};

use anyhow::Context as _;
use git2::{ObjectType, Odb, OdbLookupFlags, Oid};

use crate::commands::pre_receive::exact_new_commits;
use crate::git::{self, HookRepository};
use crate::objects::{self, RawObject};

/// Visits every commit new to the repository once, with its parsed object: first those
/// the quarantine proves new (breadth-first from the tips), then those the painting
/// walk finds.
pub fn visit_new_commits(
    hook: &HookRepository,
    tips: &[Oid],
    mut visit: impl FnMut(Oid, RawObject) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(quarantine) = &hook.quarantine else {
        for oid in exact_new_commits(&hook.repo, tips)? {
            visit(oid, read_commit(&hook.repo, oid)?.1)?;
        }
        return Ok(());
    };
    // The store as it was before the push: the repository's own objects and the
    // alternates it names, without the quarantine.
    let store_repo = git2::Repository::open_bare(&hook.git_dir)
        .with_context(|| format!("cannot open {}", hook.git_dir.display()))?;
    let store = store_repo
        .odb()
        .context("cannot open the repository's object store")?;
    let in_store = |oid: Oid| exists(&store, oid);

    let mut seen: HashSet<Oid> = tips.iter().copied().collect();
    let mut queue: VecDeque<Oid> = tips.iter().copied().collect();
    let mut stops: Vec<Oid> = Vec::new();
    while let Some(oid) = queue.pop_front() {
        if !quarantine.contains(oid) || in_store(oid) {
            stops.push(oid);
            continue;
        }
        let (parents, object) = read_commit(&hook.repo, oid)?;
        for parent in parents {
            if seen.insert(parent) {
                queue.push_back(parent);
            }
        }
        visit(oid, object)?;
    }
    if stops.is_empty() {
        return Ok(());
    }
    let stop_set: HashSet<Oid> = stops.iter().copied().collect();
    for oid in exact_new_commits(&hook.repo, &stops)? {
        // Commits the quarantine walk visited can be reached again from a stopping
        // point (an old commit whose parent came with this push): once is enough.
        if seen.insert(oid) || stop_set.contains(&oid) {
            visit(oid, read_commit(&hook.repo, oid)?.1)?;
        }
    }
    Ok(())
}

/// Whether the store has the object, without rescanning its packs on a miss: nothing
/// repacks it while the hook runs, and most lookups here miss.
fn exists(odb: &Odb<'_>, oid: Oid) -> bool {
    odb.exists_ext(oid, OdbLookupFlags::NO_REFRESH)
}

/// A commit's parents and parsed object.
fn read_commit(repo: &git2::Repository, oid: Oid) -> anyhow::Result<(Vec<Oid>, RawObject)> {
    let odb = repo.odb().context("cannot open the object database")?;
    let object = odb
        .read(oid)
        .with_context(|| format!("cannot read commit {oid}"))?;
    if object.kind() != ObjectType::Commit {
        anyhow::bail!("object {oid} is a {}, not a commit", object.kind());
    }
    let links =
        git::commit_links(object.data()).with_context(|| format!("cannot parse commit {oid}"))?;
    let raw = objects::parse(object.data()).with_context(|| format!("cannot read commit {oid}"))?;
    Ok((links.parents, raw))
}
