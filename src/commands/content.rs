//! Checking what commits add (contract §11), for every command: each piece of text that
//! [`crate::history::changes`] finds is checked by the engine's change rule and, when it
//! has findings, becomes a report item named by commit, file and line. The commits of
//! a push are checked on every core ([`check_commits`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{anyhow, Context as _};
use git2::Oid;
use time::Date;

use crate::engine::content::ContentMode;
use crate::engine::source::{CommitRef, Source};
use crate::engine::verdict::{Checker, Finding, Kind, Level};
use crate::git::diff::{Objects, MAX_TEXT_BYTES};
use crate::history::changes::{self, Piece};
use crate::report::Checked;

/// The report item for one piece a commit (or the staged changes, `commit` `None`)
/// adds, if it has findings.
pub fn check_piece(
    checker: &Checker,
    piece: Piece,
    commit: Option<&CommitRef>,
    day: Date,
    mode: ContentMode,
) -> Option<Checked> {
    let (path, first_line, text, findings) = match piece {
        Piece::Path { path } => {
            let findings = checker.check_change(&path, day, mode);
            (path.clone(), None, path, findings)
        }
        Piece::Lines {
            path,
            first_line,
            text,
        } => {
            let findings = checker.check_change(&text, day, mode);
            (path, Some(first_line), text, findings)
        }
        Piece::TooLarge { path, size } => {
            let finding = Finding {
                kind: Kind::TooLarge {
                    size,
                    limit: MAX_TEXT_BYTES,
                },
                level: Level::Warn,
                span: 0..path.len(),
            };
            (path.clone(), None, path, vec![finding])
        }
    };
    if findings.is_empty() {
        return None;
    }
    Some(Checked {
        source: Source::Change {
            commit: commit.cloned(),
            path,
            first_line,
        },
        text,
        findings,
    })
}

/// One commit whose changes are to be checked: its name in findings, its tree and its
/// parents.
pub struct Pending {
    pub commit: CommitRef,
    pub tree: Oid,
    pub parents: Vec<Oid>,
}

/// What one thread found: report items by the index of their commit.
type Found = Vec<(usize, Vec<Checked>)>;

/// More threads than this only contend for the object database.
const MAX_WORKERS: usize = 4;

/// Checks what each of `commits` adds, on every core, and returns the report items in
/// the order of `commits` (each commit's in path order). The first error stops the
/// check and is the result.
pub fn check_commits(
    objects: &(impl Objects + Sync),
    checker: &Checker,
    commits: &[Pending],
    day: Date,
    mode: ContentMode,
) -> anyhow::Result<Vec<Checked>> {
    if mode == ContentMode::Off || commits.is_empty() {
        return Ok(Vec::new());
    }
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_WORKERS)
        .min(commits.len());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let one = |p: &Pending| -> anyhow::Result<Vec<Checked>> {
        let mut items = Vec::new();
        changes::tree_adds(objects, p.tree, &p.parents, |piece| {
            items.extend(check_piece(checker, piece, Some(&p.commit), day, mode));
            Ok(())
        })
        .with_context(|| format!("cannot read the changes of commit {}", p.commit.id))?;
        Ok(items)
    };
    let work = || -> anyhow::Result<Found> {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= commits.len() || failed.load(Ordering::Relaxed) {
                return Ok(done);
            }
            match one(&commits[i]) {
                Ok(items) if items.is_empty() => {}
                Ok(items) => done.push((i, items)),
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
    };
    let results: Vec<anyhow::Result<Found>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers).map(|_| s.spawn(work)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("a checking thread failed")))
            })
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().flat_map(|(_, items)| items).collect())
}
