//! Git history as the commands need it: which commits a revision range or a CI plan
//! names ([`range`]), which commits a push brings ([`push`]), and reading a selection of
//! commits once each, on every core ([`walk`], driven by [`scan`]). Commands decide what
//! to do with each commit; how to find and read them is here.

pub mod changes;
pub mod push;
pub mod range;
pub mod renames;
pub mod walk;

use anyhow::{anyhow, Context as _};
use git2::{ErrorCode, Repository};

use crate::git::pack::Packs;
pub use range::Selection;
use walk::{Start, WalkError};

/// More threads than this only contend for the object database.
const MAX_WORKERS: usize = 4;

/// Reads every commit of `selection` once and hands it to `visit` with one worker's
/// state (made by `init`); returns the states. A failure anywhere stops the scan and is
/// the result, worded for the user (a missing commit says how to fetch it). `tick` gets
/// the number of commits visited so far, for progress.
pub fn scan<S: Send>(
    repo: &Repository,
    selection: &Selection,
    init: impl Fn() -> S + Sync,
    visit: impl Fn(&mut S, &walk::Read) -> anyhow::Result<()> + Sync,
    tick: impl FnMut(usize),
) -> anyhow::Result<Vec<S>> {
    // Each commit is read once, so libgit2's object cache would only hold the whole
    // history in memory. And, like `git log`, reading does not hash every object again:
    // a clone's objects were verified when they arrived.
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    let odb = repo.odb().context("cannot open the object database")?;
    let (start, shallow) = match selection {
        Selection::Reachable(tips) => (Start::Reachable(tips), range::shallow_commits(repo)?),
        // `range` has checked the list against the shallow boundary.
        Selection::Listed(oids) => (Start::Listed(oids), Default::default()),
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
    // Packs are read directly where they can be (see `git::pack`); everything else, and every
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
    walk::scan(objects, start, &shallow, workers, init, visit, tick).map_err(|e| match e {
        WalkError::Read(oid, e) if e.code() != ErrorCode::NotFound && !repo.is_shallow() => {
            anyhow!("cannot read commit {oid}: {}", e.message())
        }
        WalkError::Read(_, e) => range::history_error(repo, e),
        WalkError::NotCommit(oid, kind) => anyhow!("object {oid} is a {kind}, not a commit"),
        WalkError::Malformed(oid, e) => e.context(format!("cannot parse commit {oid}")),
        WalkError::Shallow(oid) => range::shallow_error(oid),
        WalkError::Visit(e) => e,
        WalkError::Panicked => anyhow!("a scanning thread failed"),
    })
}
