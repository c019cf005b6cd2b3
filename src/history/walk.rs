//! Reading the commits of a scan (`check`), each object inflated exactly once, on every
//! core: a walk of everything some tips reach, or a given list of commits.
//!
//! libgit2's revwalk inflates every commit to learn its parents, and a scan then had to
//! read it again for the message; that second read, and the object cache that kept every
//! commit of the first, were most of a full scan's time and memory. Here one read gives
//! both: the parents come from the same raw object whose message is then checked.
//!
//! Inflating is most of the cost left, so the walk runs on several threads that share
//! one queue of commits to read: whenever the history has more than one line of
//! development in flight (branches, merges, several projects), they inflate in
//! parallel; on a straight line, one inflates while the other checks. Commits are
//! visited in no fixed order; callers that print sort what they found.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use git2::{ObjectType, Odb, Oid};

use crate::git::objects;
use crate::git::pack::Packs;

/// Where a scan reads objects: the packs directly where they can, else libgit2.
#[derive(Clone, Copy)]
pub struct Objects<'a> {
    pub odb: &'a Odb<'a>,
    pub packs: &'a Packs,
}

/// Where a scan starts.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// Every commit these tips reach.
    Reachable(&'a [Oid]),
    /// Exactly these commits.
    Listed(&'a [Oid]),
}

/// What can stop a scan.
#[derive(Debug)]
pub enum WalkError {
    /// An object could not be read (missing from the clone, or unreadable).
    Read(Oid, git2::Error),
    /// The object is not a commit.
    NotCommit(Oid, ObjectType),
    /// The commit's headers cannot be parsed.
    Malformed(Oid, anyhow::Error),
    /// A shallow clone's boundary: the commit's parents were never fetched.
    Shallow(Oid),
    /// `visit` refused to go on.
    Visit(anyhow::Error),
    /// A worker thread panicked.
    Panicked,
}

/// A commit the scan has read.
pub struct Read {
    pub oid: Oid,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The raw object, headers and message.
    pub data: Vec<u8>,
}

/// Commits read and not yet checked travel between workers in batches this size...
const BATCH: usize = 256;
/// ...and at most this many batches wait: beyond that a worker checks its own, so memory
/// stays flat however long the history.
const QUEUED_BATCHES: usize = 8;

struct Shared {
    /// Commits to read that no worker has taken, the most recent first (by the committer
    /// time of the commit that led to them).
    heap: BinaryHeap<(i64, Reverse<u64>, Oid)>,
    seen: HashSet<Oid>,
    next_seq: u64,
    /// Batches read and waiting to be checked.
    checks: Vec<Vec<Read>>,
    /// Workers holding a commit to read: more may join the heap while this is not zero.
    reading: usize,
    /// Workers waiting for work.
    waiting: usize,
    failed: Option<WalkError>,
}

impl Shared {
    fn enqueue(&mut self, time: i64, oid: Oid) {
        let seq = Reverse(self.next_seq);
        self.next_seq += 1;
        self.heap.push((time, seq, oid));
    }
}

/// Reads every commit of `start` once, on `workers` threads, handing each to `visit`
/// with that worker's state (made by `init`); returns the states. Reaching a commit of
/// `shallow` is an error rather than a silent end of history. The calling thread waits,
/// calling `tick` with the number of commits visited so far about ten times a second.
///
/// A worker that reads a commit goes on to read its first parent itself (a line of
/// history stays on one thread; handing every step to another thread would cost a
/// wake-up per commit) and leaves the other parents to whoever is free. What it reads
/// it hands out in batches for checking; an idle worker takes them, and when none is
/// idle the reader checks its own.
pub fn scan<S: Send>(
    objects: Objects<'_>,
    start: Start<'_>,
    shallow: &HashSet<Oid>,
    workers: usize,
    init: impl Fn() -> S + Sync,
    visit: impl Fn(&mut S, &Read) -> anyhow::Result<()> + Sync,
    mut tick: impl FnMut(usize),
) -> Result<Vec<S>, WalkError> {
    let (tips, follow) = match start {
        Start::Reachable(tips) => (tips, true),
        Start::Listed(oids) => (oids, false),
    };
    let mut shared = Shared {
        heap: BinaryHeap::new(),
        seen: HashSet::new(),
        next_seq: 0,
        checks: Vec::new(),
        reading: 0,
        waiting: 0,
        failed: None,
    };
    for &tip in tips {
        if shared.seen.insert(tip) {
            // A list keeps its order; tips are all equally recent.
            shared.enqueue(i64::MAX, tip);
        }
    }
    let shared = Mutex::new(shared);
    let wake = Condvar::new();
    let visited = AtomicUsize::new(0);
    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
    let fail = |e: WalkError| {
        let mut s = lock();
        s.failed.get_or_insert(e);
        wake.notify_all();
    };
    let check = |state: &mut S, batch: Vec<Read>| -> bool {
        for read in &batch {
            if let Err(e) = visit(state, read) {
                fail(WalkError::Visit(e));
                return false;
            }
            visited.fetch_add(1, Ordering::Relaxed);
        }
        true
    };

    let work = |state: &mut S| {
        let mut next: Option<Oid> = None;
        let mut pending: Vec<Read> = Vec::with_capacity(BATCH);
        loop {
            // A commit to read: the rest of this worker's line, or one nobody has taken.
            let oid = match next.take() {
                Some(oid) => Some(oid),
                None => {
                    let mut s = lock();
                    if s.failed.is_some() {
                        return;
                    }
                    let oid = s.heap.pop().map(|(_, _, oid)| oid);
                    if oid.is_some() {
                        s.reading += 1;
                    }
                    oid
                }
            };
            if let Some(oid) = oid {
                let (data, links) = match read_commit(objects, oid, follow.then_some(shallow)) {
                    Ok(read) => read,
                    Err(e) => return fail(e),
                };
                let mut s = lock();
                if s.failed.is_some() {
                    return;
                }
                if follow {
                    for parent in &links.parents {
                        if s.seen.insert(*parent) {
                            if next.is_none() {
                                next = Some(*parent);
                            } else {
                                s.enqueue(links.time, *parent);
                            }
                        }
                    }
                }
                if next.is_none() {
                    // This line ended: go on with any commit nobody has taken.
                    next = s.heap.pop().map(|(_, _, oid)| oid);
                }
                if next.is_none() {
                    s.reading -= 1;
                }
                pending.push(Read {
                    oid,
                    time: links.time,
                    data,
                });
                let mut own = None;
                if pending.len() >= BATCH || next.is_none() {
                    let batch = std::mem::replace(&mut pending, Vec::with_capacity(BATCH));
                    if s.checks.len() < QUEUED_BATCHES {
                        s.checks.push(batch);
                    } else {
                        own = Some(batch);
                    }
                }
                if s.waiting > 0 && (!s.heap.is_empty() || !s.checks.is_empty() || s.reading == 0) {
                    wake.notify_all();
                }
                drop(s);
                if let Some(batch) = own {
                    if !check(state, batch) {
                        return;
                    }
                }
                continue;
            }
            // Nothing to read: check what others read, or wait for more.
            let mut s = lock();
            loop {
                if s.failed.is_some() {
                    return;
                }
                if let Some(batch) = s.checks.pop() {
                    drop(s);
                    if !check(state, batch) {
                        return;
                    }
                    break;
                }
                if !s.heap.is_empty() {
                    break;
                }
                if s.reading == 0 {
                    wake.notify_all();
                    return;
                }
                s.waiting += 1;
                s = wake.wait(s).unwrap_or_else(|e| e.into_inner());
                s.waiting -= 1;
            }
        }
    };

    let workers = workers.max(1);
    let caller = std::thread::current();
    let states = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    // A worker that panics must not leave the others waiting for the
                    // commits it held: the scan fails, and everyone stops.
                    let _guard = OnUnwind(|| fail(WalkError::Panicked), &caller);
                    let mut state = init();
                    work(&mut state);
                    state
                })
            })
            .collect();
        while !handles.iter().all(|h| h.is_finished()) {
            tick(visited.load(Ordering::Relaxed));
            std::thread::park_timeout(Duration::from_millis(100));
        }
        let states: Vec<Option<S>> = handles.into_iter().map(|h| h.join().ok()).collect();
        states
    });
    tick(visited.load(Ordering::Relaxed));
    let shared = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = shared.failed {
        return Err(e);
    }
    states
        .into_iter()
        .collect::<Option<Vec<S>>>()
        .ok_or(WalkError::Panicked)
}

/// A commit's raw object: from the packs when they hold it plainly, else via libgit2.
/// Runs its closure if dropped while panicking, and wakes the waiting caller either way.
struct OnUnwind<'a, F: Fn()>(F, &'a std::thread::Thread);

impl<F: Fn()> Drop for OnUnwind<'_, F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            (self.0)();
        }
        self.1.unpark();
    }
}

fn read_commit(
    objects: Objects<'_>,
    oid: Oid,
    shallow: Option<&HashSet<Oid>>,
) -> Result<(Vec<u8>, objects::CommitLinks), WalkError> {
    if shallow.is_some_and(|s| s.contains(&oid)) {
        return Err(WalkError::Shallow(oid));
    }
    let data = match objects.packs.read_commit(oid) {
        Some(data) => data,
        None => {
            let object = objects.odb.read(oid).map_err(|e| WalkError::Read(oid, e))?;
            if object.kind() != ObjectType::Commit {
                return Err(WalkError::NotCommit(oid, object.kind()));
            }
            object.data().to_vec()
        }
    };
    let links = objects::commit_links(&data).map_err(|e| WalkError::Malformed(oid, e))?;
    Ok((data, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(repo: &git2::Repository, parents: &[Oid], time: i64, message: &str) -> Oid {
        let mut raw = format!("tree {}\n", Oid::zero());
        for p in parents {
            raw.push_str(&format!("parent {p}\n"));
        }
        raw.push_str(&format!(
            "author A <a@example.com> {time} +0000\ncommitter A <a@example.com> {time} +0000\n\n{message}\n"
        ));
        repo.odb()
            .unwrap()
            .write(ObjectType::Commit, raw.as_bytes())
            .unwrap()
    }

    /// A line of `more` commits on a root: its tip.
    fn line(repo: &git2::Repository, more: i64) -> Oid {
        let mut tip = commit(repo, &[], 1, "root");
        for i in 0..more {
            tip = commit(repo, &[tip], 2 + i, "more");
        }
        tip
    }

    /// Everything `tip` reaches, on two workers, through libgit2 only.
    fn scan_line(
        repo: &git2::Repository,
        tip: Oid,
        visit: impl Fn(&mut (), &Read) -> anyhow::Result<()> + Sync,
    ) -> Result<Vec<()>, WalkError> {
        let odb = repo.odb().unwrap();
        let objects = Objects {
            odb: &odb,
            packs: &Packs::default(),
        };
        scan(
            objects,
            Start::Reachable(&[tip]),
            &HashSet::new(),
            2,
            || (),
            visit,
            |_| {},
        )
    }

    /// (oid, time, message) of every commit visited, sorted by oid.
    fn visit_all(
        repo: &git2::Repository,
        start: Start<'_>,
        shallow: &HashSet<Oid>,
        workers: usize,
    ) -> Result<Vec<(Oid, i64, String)>, WalkError> {
        let odb = repo.odb().unwrap();
        let packs = Packs::open(&repo.path().join("objects"));
        let states = scan(
            Objects {
                odb: &odb,
                packs: &packs,
            },
            start,
            shallow,
            workers,
            Vec::new,
            |seen: &mut Vec<(Oid, i64, String)>, c| {
                let text = String::from_utf8_lossy(&c.data);
                let message = text.split_once("\n\n").unwrap().1.trim().to_string();
                seen.push((c.oid, c.time, message));
                Ok(())
            },
            |_| {},
        )?;
        let mut all: Vec<_> = states.into_iter().flatten().collect();
        all.sort();
        Ok(all)
    }

    #[test]
    fn every_reachable_commit_once_with_its_message_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let root = commit(&repo, &[], 100, "root");
        let a = commit(&repo, &[root], 200, "a");
        let b = commit(&repo, &[root], 300, "b");
        let merge = commit(&repo, &[a, b], 400, "merge");
        let c = commit(&repo, &[a], 250, "c");
        let _unreachable = commit(&repo, &[c], 500, "not reached");
        for workers in [1, 2, 4] {
            let got = visit_all(
                &repo,
                Start::Reachable(&[merge, c, merge]),
                &HashSet::new(),
                workers,
            )
            .unwrap();
            let mut want = vec![
                (root, 100, "root".to_string()),
                (a, 200, "a".to_string()),
                (b, 300, "b".to_string()),
                (merge, 400, "merge".to_string()),
                (c, 250, "c".to_string()),
            ];
            want.sort();
            assert_eq!(got, want, "{workers} workers");
        }
    }

    #[test]
    fn a_long_history_on_several_lines_is_read_completely() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let mut tips = Vec::new();
        for line in 0..3 {
            let mut tip = commit(&repo, &[], 1, &format!("root {line}"));
            for i in 0..300 {
                tip = commit(&repo, &[tip], 2 + i, &format!("{line} {i}"));
            }
            tips.push(tip);
        }
        let got = visit_all(&repo, Start::Reachable(&tips), &HashSet::new(), 2).unwrap();
        assert_eq!(got.len(), 3 * 301);
    }

    #[test]
    fn a_list_is_read_as_given_without_parents() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let root = commit(&repo, &[], 100, "root");
        let a = commit(&repo, &[root], 200, "a");
        let got = visit_all(&repo, Start::Listed(&[a]), &HashSet::new(), 2).unwrap();
        assert_eq!(got, vec![(a, 200, "a".to_string())]);
    }

    #[test]
    fn a_missing_parent_stops_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let gone = Oid::from_str("1111111111111111111111111111111111111111").unwrap();
        let tip = commit(&repo, &[gone], 100, "orphan");
        match visit_all(&repo, Start::Reachable(&[tip]), &HashSet::new(), 2) {
            Err(WalkError::Read(oid, e)) => {
                assert_eq!(oid, gone);
                assert_eq!(e.code(), git2::ErrorCode::NotFound);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_blob_is_not_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let blob = repo.blob(b"data").unwrap();
        let result = visit_all(&repo, Start::Listed(&[blob]), &HashSet::new(), 1);
        assert!(matches!(result, Err(WalkError::NotCommit(o, ObjectType::Blob)) if o == blob));
    }

    #[test]
    fn a_shallow_boundary_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let root = commit(&repo, &[], 100, "root");
        let tip = commit(&repo, &[root], 200, "tip");
        let shallow: HashSet<Oid> = [root].into();
        let result = visit_all(&repo, Start::Reachable(&[tip]), &shallow, 2);
        assert!(matches!(result, Err(WalkError::Shallow(oid)) if oid == root));
    }

    #[test]
    fn a_panicking_worker_fails_the_scan_without_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let tip = line(&repo, 600);
        let result = scan_line(&repo, tip, |_, c| {
            assert!(c.time != 300, "a bug in a visitor");
            Ok(())
        });
        assert!(matches!(result, Err(WalkError::Panicked)));
    }

    #[test]
    fn visit_can_stop_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let tip = line(&repo, 100);
        let seen = AtomicUsize::new(0);
        let result = scan_line(&repo, tip, |_, _| {
            seen.fetch_add(1, Ordering::Relaxed);
            anyhow::bail!("enough")
        });
        assert!(matches!(result, Err(WalkError::Visit(_))));
        assert!(seen.load(Ordering::Relaxed) <= 2, "both workers stop");
    }
}
