//! The commits a push brings, what `pre-receive` checks (contract §7): exactly those
//! reachable from the pushed tips and from no ref that existed before the push, whether
//! or not the push carried their objects. Objects can be in the store without any check
//! having seen them: borrowed through alternates, left by a deleted branch, unpacked
//! loose (git does not write an object the store already has), or sent unreferenced by
//! an earlier push.
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
//! branch's old tip, which the push's own input names as a ref's value before the push:
//! then nothing is left to paint, and no ref is read at all.
//! docs/server.md has the measurements.

use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

use anyhow::{bail, Context as _};
use git2::{ObjectType, Odb, OdbLookupFlags, Oid};

use crate::git::objects::{self, RawObject, MAX_TAG_DEPTH};
use crate::git::repo::HookRepository;
use crate::git::CommitGraph;

/// Visits every commit new to the repository once, with its parsed object: first those
/// the quarantine proves new (breadth-first from the tips), then those the painting
/// walk finds. `old_values` are values refs had before the push (the `<old>` ids of the
/// push's input): a stopping point that is one of them (peeled) is not new, nor is
/// anything it reaches.
pub fn new_commits(
    hook: &HookRepository,
    tips: &[Oid],
    old_values: &[Oid],
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

    let mut seen: HashSet<Oid> = tips.iter().copied().collect();
    let mut queue: VecDeque<Oid> = tips.iter().copied().collect();
    let mut stops: Vec<Oid> = Vec::new();
    while let Some(oid) = queue.pop_front() {
        if !quarantine.contains(oid) || exists(&store, oid) {
            stops.push(oid);
            continue;
        }
        // Read from the quarantine alone: the store would only miss first.
        let (parents, object) = read_commit_from(&quarantine.odb, oid)?;
        for parent in parents {
            if seen.insert(parent) {
                queue.push_back(parent);
            }
        }
        visit(oid, object)?;
    }
    let odb = hook.repo.odb().context("cannot open the object database")?;
    let old: HashSet<Oid> = old_values
        .iter()
        .filter_map(|&oid| peel(&odb, None, oid))
        .collect();
    if stops.iter().all(|oid| old.contains(oid)) {
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

/// The commit an object peels to, if it is readable and peels to one.
fn peel(odb: &Odb<'_>, graph: Option<&CommitGraph>, mut oid: Oid) -> Option<Oid> {
    for _ in 0..MAX_TAG_DEPTH {
        if graph.is_some_and(|g| g.get(oid).is_some()) {
            return Some(oid);
        }
        match odb.read_header(oid).ok()?.1 {
            ObjectType::Commit => return Some(oid),
            ObjectType::Tag => {
                let object = odb.read(oid).ok()?;
                let tag = objects::parse_headers(object.data());
                let target = std::str::from_utf8(tag.header("object")?).ok()?;
                oid = Oid::from_str(target.trim()).ok()?;
            }
            _ => return None,
        }
    }
    None
}

/// A commit's parents and parsed object.
fn read_commit(repo: &git2::Repository, oid: Oid) -> anyhow::Result<(Vec<Oid>, RawObject)> {
    let odb = repo.odb().context("cannot open the object database")?;
    read_commit_from(&odb, oid)
}

fn read_commit_from(odb: &Odb<'_>, oid: Oid) -> anyhow::Result<(Vec<Oid>, RawObject)> {
    let object = odb
        .read(oid)
        .with_context(|| format!("cannot read commit {oid}"))?;
    if object.kind() != ObjectType::Commit {
        bail!("object {oid} is a {}, not a commit", object.kind());
    }
    let links = objects::commit_links(object.data())
        .with_context(|| format!("cannot parse commit {oid}"))?;
    let raw = objects::parse(object.data()).with_context(|| format!("cannot read commit {oid}"))?;
    Ok((links.parents, raw))
}

/// Commits reachable from `tips` and from no ref of the repository, exactly, in the
/// order the walk found them.
///
/// One walk paints commits `NEW` (from the tips) and `OLD` (from every ref and `HEAD`),
/// highest first, and stops once no commit that is only `NEW` is left to visit and
/// nothing left to visit can still reach one found. Commits in the commit-graph are
/// ordered by generation number, which makes that stopping point provable; commits not
/// in it (everything, without a graph) by committer date, and the walk then visits
/// all of them that the refs reach before it stops, so the answer never depends on
/// clocks. A ref whose target cannot be read is skipped: that only makes more commits
/// count as new.
pub fn exact_new_commits(repo: &git2::Repository, tips: &[Oid]) -> anyhow::Result<Vec<Oid>> {
    if tips.is_empty() {
        return Ok(Vec::new());
    }
    let graph = if repo.path().join("shallow").exists() {
        None
    } else {
        CommitGraph::open(&repo.path().join("objects"))?
    };
    let odb = repo.odb().context("cannot open the object database")?;
    let mut walk = Walk {
        odb,
        graph,
        index: HashMap::new(),
        nodes: Vec::new(),
        heap: BinaryHeap::new(),
        new_only_queued: 0,
        new_only_unsettled: 0,
        found: Vec::new(),
    };
    for oid in ref_commits(repo, &walk)? {
        let i = walk.node(oid)?;
        walk.paint(i, OLD);
    }
    for &tip in tips {
        let i = walk.node(tip)?;
        walk.paint(i, NEW);
    }
    walk.run()?;
    Ok(walk
        .found
        .iter()
        .filter(|&&i| walk.nodes[i].flags == NEW)
        .map(|&i| walk.nodes[i].oid)
        .collect())
}

/// The commits every ref (and `HEAD`) points at, annotated tags peeled.
fn ref_commits(repo: &git2::Repository, walk: &Walk<'_>) -> anyhow::Result<Vec<Oid>> {
    let mut targets = Vec::new();
    let refs = repo
        .references()
        .context("cannot list the repository's refs")?;
    for reference in refs.flatten() {
        // A packed annotated tag carries its peeled target: no tag object to read.
        if let Some(oid) = reference.target_peel().or_else(|| reference.target()) {
            targets.push(oid);
        } else if let Ok(resolved) = reference.resolve() {
            targets.extend(resolved.target());
        }
    }
    if let Ok(head) = repo.head() {
        targets.extend(head.target());
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for oid in targets {
        if seen.insert(oid) {
            if let Some(commit) = walk.peel(oid) {
                out.push(commit);
            }
        }
    }
    Ok(out)
}

const NEW: u8 = 1;
const OLD: u8 = 2;
/// The generation of commits the commit-graph does not hold: above every real one.
const INFINITY: u32 = u32::MAX;

struct Node {
    oid: Oid,
    flags: u8,
    generation: u32,
    time: i64,
    parents: Vec<Oid>,
    queued: bool,
    visited: bool,
}

struct Walk<'r> {
    odb: git2::Odb<'r>,
    graph: Option<CommitGraph>,
    index: HashMap<Oid, usize>,
    nodes: Vec<Node>,
    heap: BinaryHeap<(u32, i64, usize)>,
    /// Queued commits painted `NEW` only.
    new_only_queued: usize,
    /// Visited commits outside the graph painted `NEW` only: `OLD` may still reach them
    /// from any commit outside the graph left to visit.
    new_only_unsettled: usize,
    /// Commits visited while `NEW` only, in order.
    found: Vec<usize>,
}

impl Walk<'_> {
    fn node(&mut self, oid: Oid) -> anyhow::Result<usize> {
        if let Some(&i) = self.index.get(&oid) {
            return Ok(i);
        }
        let (generation, time, parents) = match self.graph.as_ref().and_then(|g| g.get(oid)) {
            Some(c) => (c.generation, c.time, c.parents),
            None => {
                let object = self
                    .odb
                    .read(oid)
                    .with_context(|| format!("cannot read commit {oid}"))?;
                if object.kind() != ObjectType::Commit {
                    bail!("object {oid} is a {}, not a commit", object.kind());
                }
                let links = objects::commit_links(object.data())
                    .with_context(|| format!("cannot parse commit {oid}"))?;
                (INFINITY, links.time, links.parents)
            }
        };
        let i = self.nodes.len();
        self.nodes.push(Node {
            oid,
            flags: 0,
            generation,
            time,
            parents,
            queued: false,
            visited: false,
        });
        self.index.insert(oid, i);
        Ok(i)
    }

    /// The commit an object peels to, if it is readable and peels to one.
    fn peel(&self, oid: Oid) -> Option<Oid> {
        peel(&self.odb, self.graph.as_ref(), oid)
    }

    fn paint(&mut self, i: usize, flags: u8) {
        let node = &mut self.nodes[i];
        let before = node.flags;
        let after = before | flags;
        if after == before {
            return;
        }
        node.flags = after;
        if before == NEW {
            if node.queued {
                self.new_only_queued -= 1;
            }
            if node.visited && node.generation == INFINITY {
                self.new_only_unsettled -= 1;
            }
        }
        if !node.queued {
            node.queued = true;
            if after == NEW {
                self.new_only_queued += 1;
            }
            self.heap.push((node.generation, node.time, i));
        }
    }

    fn run(&mut self) -> anyhow::Result<()> {
        loop {
            if self.new_only_queued == 0 {
                // Nothing only NEW is left to visit. What was found is settled once no
                // commit outside the graph is left to visit (commits in the graph have
                // their parents in it, so they cannot reach those outside it), or when
                // nothing outside the graph was found.
                let outside_left = self.heap.peek().is_some_and(|t| t.0 == INFINITY);
                if self.new_only_unsettled == 0 || !outside_left {
                    return Ok(());
                }
            }
            let Some((_, _, i)) = self.heap.pop() else {
                return Ok(());
            };
            let node = &mut self.nodes[i];
            node.queued = false;
            let flags = node.flags;
            if flags == NEW {
                self.new_only_queued -= 1;
                if !node.visited {
                    self.found.push(i);
                }
                if node.generation == INFINITY {
                    self.new_only_unsettled += 1;
                }
            }
            node.visited = true;
            let parents = node.parents.clone();
            for p in parents {
                let j = self.node(p)?;
                self.paint(j, flags);
            }
        }
    }
}
