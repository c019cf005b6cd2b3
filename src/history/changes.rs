//! What a commit adds (contract §11), as pieces of text to check: the lines its diff
//! adds against its first parent (every line of a root commit) in text files, the paths
//! of the files it adds or renames, and for a merge only what the merge itself
//! introduces. The same rule serves the staged changes of the commit-msg hook.
//!
//! A merge's lines are those of its result that a diff against *each* parent adds (a
//! line the merged branch brought is in that parent, and its own commits answer for
//! it); a path is new when no parent has a file there. Renames are recognised when the
//! same content leaves one path and arrives at another (exact renames): only the new
//! path is checked. A file renamed with changes is diffed against the file it came from,
//! paired as git pairs them ([`super::renames`]); in a merge it counts as added.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use std::path::Path;

use anyhow::{anyhow, bail, Context as _};
use git2::{DiffOptions, ErrorCode, FileMode, Index, ObjectType, Oid, Repository};

use crate::git::diff::{self, Blob, FileChange, Objects};
use crate::git::objects::RawObject;
use crate::history::renames;

/// One piece of text a commit adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// The path of a file the commit adds or renames into.
    Path { path: String },
    /// Consecutive added lines of `path`, the first of them line `first_line` (1-based)
    /// of the file's new version.
    Lines {
        path: String,
        first_line: usize,
        text: String,
    },
    /// A text file too large to check ([`diff::MAX_TEXT_BYTES`]), with its size.
    TooLarge { path: String, size: usize },
}

/// The tree and parents of a raw commit.
pub fn tree_and_parents(data: &[u8]) -> anyhow::Result<(Oid, Vec<Oid>)> {
    let mut tree = None;
    let mut parents = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        let hex = |v: &[u8]| {
            std::str::from_utf8(v)
                .ok()
                .and_then(|h| Oid::from_str(h.trim()).ok())
                .ok_or_else(|| anyhow!("malformed commit header"))
        };
        if let Some(v) = line.strip_prefix(b"tree ") {
            tree = Some(hex(v)?);
        } else if let Some(v) = line.strip_prefix(b"parent ") {
            parents.push(hex(v)?);
        }
    }
    Ok((
        tree.ok_or_else(|| anyhow!("commit without a tree"))?,
        parents,
    ))
}

/// A parent commit larger than this is refused (the scan refuses such messages too).
const MAX_COMMIT_BYTES: usize = 64 << 20;

/// The tree of commit `oid`.
pub fn commit_tree(objects: &impl Objects, oid: Oid) -> anyhow::Result<Oid> {
    match objects.read(oid, MAX_COMMIT_BYTES)? {
        Ok((ObjectType::Commit, data)) => Ok(tree_and_parents(&data)?.0),
        Ok((kind, _)) => bail!("object {oid} is a {kind}, not a commit"),
        Err(size) => bail!("commit {oid} is too large ({size} bytes)"),
    }
}

/// Hands `visit` every piece of text the raw commit `data` adds.
pub fn commit_adds(
    objects: &impl Objects,
    data: &[u8],
    visit: impl FnMut(Piece) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (tree, parents) = tree_and_parents(data)?;
    tree_adds(objects, tree, &parents, visit)
}

/// The tree and parents of a parsed commit (`tree` and `parent` headers).
pub fn parsed_tree_and_parents(object: &RawObject) -> anyhow::Result<(Oid, Vec<Oid>)> {
    let hex = |v: &[u8]| {
        std::str::from_utf8(v)
            .ok()
            .and_then(|h| Oid::from_str(h.trim()).ok())
            .ok_or_else(|| anyhow!("malformed commit header"))
    };
    let mut tree = None;
    let mut parents = Vec::new();
    for (k, v) in &object.headers {
        match k.as_str() {
            "tree" if tree.is_none() => tree = Some(hex(v)?),
            "parent" => parents.push(hex(v)?),
            _ => {}
        }
    }
    Ok((
        tree.ok_or_else(|| anyhow!("commit without a tree"))?,
        parents,
    ))
}

/// Hands `visit` every piece of text a commit with this tree and these parents adds.
pub fn tree_adds(
    objects: &impl Objects,
    tree: Oid,
    parents: &[Oid],
    visit: impl FnMut(Piece) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let trees = parents
        .iter()
        .map(|&p| commit_tree(objects, p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let first = trees.first().copied();
    let changes = diff::changed_files(objects, first, Some(tree))?;
    // For a merge, each other parent's side of every file: a file not among the
    // differences from that parent is as that parent has it.
    let mut others = Vec::new();
    for &other in trees.get(1..).unwrap_or(&[]) {
        let differ = diff::changed_files(objects, Some(other), Some(tree))?;
        others.push(
            differ
                .into_iter()
                .map(|c| (c.path, c.old))
                .collect::<HashMap<_, _>>(),
        );
    }
    adds(objects, changes, &others, visit)
}

/// The files of a merge's result that differ from one of its other parents, with that
/// parent's blob there (`None`: no file); a file not listed is as that parent has it.
pub type OtherParent = HashMap<Vec<u8>, Option<Oid>>;

/// Hands `visit` what `changes` (against the first parent) add, given how the result
/// differs from the other parents of a merge (none for an ordinary commit).
pub fn adds(
    objects: &impl Objects,
    changes: Vec<FileChange>,
    other_parents: &[OtherParent],
    mut visit: impl FnMut(Piece) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let gone: HashSet<Oid> = changes
        .iter()
        .filter(|c| c.new.is_none())
        .filter_map(|c| c.old)
        .collect();
    let renamed_from = if other_parents.is_empty() {
        renames::with_changes(objects, &changes)?
    } else {
        HashMap::new()
    };
    for change in changes {
        let Some(new) = change.new else { continue };
        let path = String::from_utf8_lossy(&change.path).into_owned();
        // A merge that takes a parent's version of the file adds nothing to it.
        let Some(others) = other_parents
            .iter()
            .map(|o| o.get(&change.path).copied())
            .collect::<Option<Vec<Option<Oid>>>>()
        else {
            continue;
        };
        if change.old.is_none() && others.iter().all(Option::is_none) {
            visit(Piece::Path { path: path.clone() })?;
            if gone.contains(&new) && other_parents.is_empty() {
                continue; // renamed unchanged: the lines were checked where they came from
            }
        }
        let text = match diff::read_blob(objects, new)? {
            Blob::Text(t) => t,
            Blob::Binary => continue,
            Blob::TooLarge(size) => {
                visit(Piece::TooLarge { path, size })?;
                continue;
            }
        };
        let old = change
            .old
            .or_else(|| renamed_from.get(&change.path).copied());
        let mut added = added_against(objects, old, &text)?;
        if !others.is_empty() {
            let mut runs = added.lines;
            for other in others {
                if runs.is_empty() {
                    break;
                }
                runs = intersect(&runs, &added_against(objects, other, &text)?.lines);
            }
            let starts = diff::line_starts(&text);
            let mut bytes = Vec::with_capacity(runs.len());
            for run in &runs {
                let (Some(&from), Some(&to)) = (starts.get(run.start - 1), starts.get(run.end - 1))
                else {
                    bail!("a diff of {path} named lines past its end");
                };
                bytes.push(from..to);
            }
            added = diff::AddedLines { lines: runs, bytes };
        }
        for (run, bytes) in added.lines.into_iter().zip(added.bytes) {
            visit(Piece::Lines {
                path: path.clone(),
                first_line: run.start,
                text: String::from_utf8_lossy(&text[bytes]).into_owned(),
            })?;
        }
    }
    Ok(())
}

/// The staged changes of the repository (the commit-msg hook): the index git is about
/// to commit (`$GIT_INDEX_FILE`, which git sets for `commit -a` and partial commits, else
/// the repository's index) against `HEAD` (nothing on an unborn branch), and for a merge
/// being concluded (`MERGE_HEAD`) how the index differs from each merged commit.
pub fn staged(repo: &Repository) -> anyhow::Result<(Vec<FileChange>, Vec<OtherParent>)> {
    let mut index = match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(path) => Index::open(Path::new(&path))
            .with_context(|| format!("cannot read the index {}", Path::new(&path).display()))?,
        None => repo.index().context("cannot read the index")?,
    };
    let head = match repo.head() {
        Ok(r) => Some(r.peel_to_tree().context("cannot read HEAD's tree")?),
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
        Err(e) => return Err(e).context("cannot read HEAD"),
    };
    let changes = index_changes(repo, head.as_ref(), &mut index)?;
    let mut others = Vec::new();
    let merge_head = repo.path().join("MERGE_HEAD");
    if let Ok(text) = std::fs::read_to_string(&merge_head) {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let oid = Oid::from_str(line.trim())
                .with_context(|| format!("{} is malformed", merge_head.display()))?;
            let tree = repo
                .find_commit(oid)
                .and_then(|c| c.tree())
                .with_context(|| format!("cannot read the merged commit {oid}"))?;
            let differ = index_changes(repo, Some(&tree), &mut index)?;
            others.push(differ.into_iter().map(|c| (c.path, c.old)).collect());
        }
    }
    Ok((changes, others))
}

/// The files of the index that differ from `tree`, submodules left out.
fn index_changes(
    repo: &Repository,
    tree: Option<&git2::Tree<'_>>,
    index: &mut Index,
) -> anyhow::Result<Vec<FileChange>> {
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true).include_typechange(true);
    let diff = repo
        .diff_tree_to_index(tree, Some(index), Some(&mut opts))
        .context("cannot compare the index with HEAD")?;
    let side = |f: git2::DiffFile<'_>| {
        let file = !f.id().is_zero() && !matches!(f.mode(), FileMode::Commit | FileMode::Tree);
        file.then(|| f.id())
    };
    let mut out = Vec::new();
    for delta in diff.deltas() {
        let old = side(delta.old_file());
        let new = side(delta.new_file());
        let path = delta
            .new_file()
            .path_bytes()
            .or_else(|| delta.old_file().path_bytes())
            .unwrap_or_default()
            .to_vec();
        if old != new {
            out.push(FileChange { path, old, new });
        }
    }
    Ok(out)
}

/// The lines `new` adds against the blob `old` (none, binary or too large: every line).
fn added_against(
    objects: &impl Objects,
    old: Option<Oid>,
    new: &[u8],
) -> anyhow::Result<diff::AddedLines> {
    let old = match old.map(|o| diff::read_blob(objects, o)).transpose()? {
        Some(Blob::Text(t)) => t,
        _ => Arc::new(Vec::new()),
    };
    Ok(diff::added_lines(&old, new))
}

/// The lines in both sets of ascending runs.
fn intersect(a: &[Range<usize>], b: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if start < end {
            out.push(start..end);
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersection_of_runs() {
        assert_eq!(intersect(&[1..5, 8..10], &[3..9, 12..13]), vec![3..5, 8..9]);
        let one: Vec<Range<usize>> = std::iter::once(1..3).collect();
        assert!(intersect(&one, &[]).is_empty());
    }

    #[test]
    fn commit_headers_give_tree_and_parents() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 1111111111111111111111111111111111111111\n\
parent 2222222222222222222222222222222222222222\nauthor A <a@b> 1 +0000\n\n\
tree 3333333333333333333333333333333333333333\n";
        let (tree, parents) = tree_and_parents(raw).unwrap();
        assert_eq!(tree.to_string(), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
        assert_eq!(parents.len(), 2);
        assert!(tree_and_parents(b"parent x\n\nmsg").is_err());
    }
}
