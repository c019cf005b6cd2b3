//! Comparing trees and blobs for the changes a commit makes (contract §11): which files
//! two trees hold differently (unchanged subtrees skipped by id), reading a blob within a
//! size limit, git's binary test, and the lines a line diff adds.
//!
//! Trees are parsed here rather than through libgit2's diff machinery: a history scan
//! compares thousands of trees on several threads, and all it needs is the entries that
//! differ, each subtree read only when its id changed.

use std::ops::Range;

use anyhow::{anyhow, bail, Context as _};
use git2::{ObjectType, Odb, Oid};

/// A text file bigger than this is not read; it is reported as a warning naming it
/// (never skipped in silence). Source files are far below it; what is above it is
/// generated or data, and reading it would make a hook's memory unbounded.
pub const MAX_TEXT_BYTES: usize = 16 << 20;

/// Git decides a file is binary when its first 8,000 bytes hold a NUL (`buffer_is_binary`).
pub const BINARY_PROBE: usize = 8000;

/// Tree entries: files are blobs (regular, executable, symlink), `SUBMODULE` a commit.
const MODE_TREE: u32 = 0o040000;
const MODE_SUBMODULE: u32 = 0o160000;

/// One entry of a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub mode: u32,
    pub name: &'a [u8],
    pub oid: Oid,
}

impl Entry<'_> {
    pub fn is_tree(&self) -> bool {
        self.mode & 0o170000 == MODE_TREE
    }

    pub fn is_submodule(&self) -> bool {
        self.mode & 0o170000 == MODE_SUBMODULE
    }
}

/// The entries of a raw tree, in the tree's order; an error for a malformed tree.
pub fn entries(data: &[u8]) -> anyhow::Result<Vec<Entry<'_>>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let sp = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| anyhow!("malformed tree entry"))?;
        let mode = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|m| u32::from_str_radix(m, 8).ok())
            .ok_or_else(|| anyhow!("malformed tree entry mode"))?;
        let after = &rest[sp + 1..];
        let nul = after
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| anyhow!("malformed tree entry name"))?;
        let id = after
            .get(nul + 1..nul + 21)
            .ok_or_else(|| anyhow!("truncated tree entry"))?;
        out.push(Entry {
            mode,
            name: &after[..nul],
            oid: Oid::from_bytes(id)?,
        });
        rest = &after[nul + 21..];
    }
    Ok(out)
}

/// One file that differs between two trees: its path and its blob on each side (`None`
/// where the side has no file there). Submodules are not files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: Vec<u8>,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

/// Reads objects for a comparison.
pub trait Objects {
    /// The object's type and bytes; an error when it cannot be read.
    fn read(&self, oid: Oid) -> anyhow::Result<(ObjectType, Vec<u8>)>;
    /// The object's size without inflating it where the store allows.
    fn size(&self, oid: Oid) -> anyhow::Result<usize>;
}

impl Objects for Odb<'_> {
    fn read(&self, oid: Oid) -> anyhow::Result<(ObjectType, Vec<u8>)> {
        let o = Odb::read(self, oid).with_context(|| format!("cannot read object {oid}"))?;
        Ok((o.kind(), o.data().to_vec()))
    }

    fn size(&self, oid: Oid) -> anyhow::Result<usize> {
        Ok(self
            .read_header(oid)
            .with_context(|| format!("cannot read object {oid}"))?
            .0)
    }
}

fn read_tree(objects: &impl Objects, oid: Oid) -> anyhow::Result<Vec<u8>> {
    match objects.read(oid)? {
        (ObjectType::Tree, data) => Ok(data),
        (kind, _) => bail!("object {oid} is a {kind}, not a tree"),
    }
}

/// Git orders a tree's entries by name, a subtree's name as if it ended in `/`.
fn order_key<'a>(e: &Entry<'a>) -> (&'a [u8], u8) {
    (e.name, if e.is_tree() { b'/' } else { 0 })
}

fn compare(a: &Entry<'_>, b: &Entry<'_>) -> std::cmp::Ordering {
    let (an, at) = order_key(a);
    let (bn, bt) = order_key(b);
    let common = an.len().min(bn.len());
    an[..common].cmp(&bn[..common]).then_with(|| {
        let next = |name: &[u8], tail: u8| name.get(common).copied().unwrap_or(tail);
        next(an, at).cmp(&next(bn, bt))
    })
}

/// Every file that differs between trees `old` and `new` (either may be absent: the
/// empty tree), in path order. Subtrees with the same id on both sides are not read.
pub fn changed_files(
    objects: &impl Objects,
    old: Option<Oid>,
    new: Option<Oid>,
) -> anyhow::Result<Vec<FileChange>> {
    let mut out = Vec::new();
    diff_trees(objects, old, new, &mut Vec::new(), &mut out, 0)?;
    Ok(out)
}

/// Paths deeper than this are refused: git itself refuses far shallower ones, and a
/// hostile tree must not exhaust the stack.
const MAX_DEPTH: usize = 4096;

fn diff_trees(
    objects: &impl Objects,
    old: Option<Oid>,
    new: Option<Oid>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<FileChange>,
    depth: usize,
) -> anyhow::Result<()> {
    if old == new {
        return Ok(());
    }
    if depth > MAX_DEPTH {
        bail!("tree nested deeper than {MAX_DEPTH} levels");
    }
    let old_data = old.map(|o| read_tree(objects, o)).transpose()?;
    let new_data = new.map(|o| read_tree(objects, o)).transpose()?;
    let a = old_data.as_deref().map(entries).transpose()?.unwrap_or_default();
    let b = new_data.as_deref().map(entries).transpose()?.unwrap_or_default();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let ord = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => compare(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (x, y) = match ord {
            std::cmp::Ordering::Less => (a.get(i).copied(), None),
            std::cmp::Ordering::Greater => (None, b.get(j).copied()),
            std::cmp::Ordering::Equal => (a.get(i).copied(), b.get(j).copied()),
        };
        if x.is_some() {
            i += 1;
        }
        if y.is_some() {
            j += 1;
        }
        if let (Some(x), Some(y)) = (x, y) {
            if x.oid == y.oid && x.mode == y.mode {
                continue;
            }
        }
        let name = x.or(y).map(|e| e.name).unwrap_or_default();
        let len = prefix.len();
        prefix.extend_from_slice(name);
        let tree = |e: Option<Entry<'_>>| e.filter(|e| e.is_tree()).map(|e| e.oid);
        let blob = |e: Option<Entry<'_>>| {
            e.filter(|e| !e.is_tree() && !e.is_submodule())
                .map(|e| e.oid)
        };
        // Both sides are trees here, or one of them is (a file that became a directory
        // or the reverse), or both are files.
        if tree(x).is_some() || tree(y).is_some() {
            prefix.push(b'/');
            diff_trees(objects, tree(x), tree(y), prefix, out, depth + 1)?;
            prefix.truncate(len + name.len());
        }
        // A mode change alone (same blob) adds no line and no path.
        let (old_blob, new_blob) = (blob(x), blob(y));
        if new_blob.is_some() && old_blob != new_blob || new_blob.is_none() && old_blob.is_some() {
            out.push(FileChange {
                path: prefix.clone(),
                old: old_blob,
                new: new_blob,
            });
        }
        prefix.truncate(len);
    }
    Ok(())
}

/// The blob at `path` (slash-separated) in tree `root`, if there is a file there.
pub fn lookup(objects: &impl Objects, root: Oid, path: &[u8]) -> anyhow::Result<Option<Oid>> {
    let mut tree = root;
    let mut parts = path.split(|&b| b == b'/').peekable();
    while let Some(part) = parts.next() {
        let data = read_tree(objects, tree)?;
        let list = entries(&data)?;
        let last = parts.peek().is_none();
        let found = list
            .iter()
            .find(|e| e.name == part && e.is_tree() != last && !e.is_submodule());
        match found {
            None => return Ok(None),
            Some(e) if last => return Ok(Some(e.oid)),
            Some(e) => tree = e.oid,
        }
    }
    Ok(None)
}

/// A blob as the check sees it.
#[derive(Debug)]
pub enum Blob {
    Text(Vec<u8>),
    /// A NUL in the first [`BINARY_PROBE`] bytes.
    Binary,
    /// Larger than [`MAX_TEXT_BYTES`]: not read.
    TooLarge(usize),
}

/// Reads a blob within [`MAX_TEXT_BYTES`] and tells text from binary as git does.
pub fn read_blob(objects: &impl Objects, oid: Oid) -> anyhow::Result<Blob> {
    let size = objects.size(oid)?;
    if size > MAX_TEXT_BYTES {
        return Ok(Blob::TooLarge(size));
    }
    let (kind, data) = objects.read(oid)?;
    if kind != ObjectType::Blob {
        bail!("object {oid} is a {kind}, not a blob");
    }
    Ok(if is_binary(&data) {
        Blob::Binary
    } else {
        Blob::Text(data)
    })
}

pub fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(BINARY_PROBE)].contains(&0)
}

/// The 1-based line numbers of `new` that a line diff from `old` adds, as runs of
/// consecutive lines (first, last inclusive), ascending. A diff of text, whatever the
/// attributes say: what counts is what a reader of the file sees.
pub fn added_lines(old: &[u8], new: &[u8]) -> anyhow::Result<Vec<Range<usize>>> {
    if old.is_empty() {
        let lines = line_count(new);
        return Ok(if lines == 0 { vec![] } else { vec![1..lines + 1] });
    }
    let mut opts = git2::DiffOptions::new();
    opts.force_text(true).context_lines(0).interhunk_lines(0);
    let patch = git2::Patch::from_buffers(old, None, new, None, Some(&mut opts))
        .context("cannot diff a file")?;
    let mut runs: Vec<Range<usize>> = Vec::new();
    for h in 0..patch.num_hunks() {
        for l in 0..patch.num_lines_in_hunk(h)? {
            let line = patch.line_in_hunk(h, l)?;
            if line.origin() != '+' {
                continue;
            }
            let Some(n) = line.new_lineno().map(|n| n as usize) else {
                continue;
            };
            match runs.last_mut() {
                Some(r) if r.end == n => r.end = n + 1,
                _ => runs.push(n..n + 1),
            }
        }
    }
    Ok(runs)
}

/// Lines of a text as git counts them: a last line without a newline counts.
pub fn line_count(data: &[u8]) -> usize {
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Byte offsets where each line of `data` starts, and the end: line `n` (1-based) is
/// `starts[n - 1]..starts[n]`.
pub fn line_starts(data: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        data.iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
            .map(|(i, _)| i + 1),
    );
    if *starts.last().unwrap_or(&0) != data.len() {
        starts.push(data.len());
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_are_runs_in_the_new_text() {
        let old = b"a\nb\nc\n";
        let new = b"a\nx\ny\nb\nc\nz\n";
        assert_eq!(added_lines(old, new).unwrap(), vec![2..4, 6..7]);
        assert_eq!(added_lines(b"", b"one\ntwo").unwrap(), vec![1..3]);
        assert_eq!(added_lines(b"a\nb\n", b"a\n").unwrap(), Vec::<Range<usize>>::new());
    }

    #[test]
    fn binary_is_a_nul_in_the_first_8000_bytes() {
        assert!(is_binary(b"ab\0c"));
        let mut late = vec![b'a'; BINARY_PROBE];
        late.push(0);
        assert!(!is_binary(&late));
        assert!(!is_binary("caf\u{e9} \x01\x02".as_bytes()));
    }

    #[test]
    fn line_starts_end_with_the_text() {
        assert_eq!(line_starts(b"a\nbc\nd"), vec![0, 2, 5, 6]);
        assert_eq!(line_starts(b"a\n"), vec![0, 2]);
        assert_eq!(line_count(b"a\nbc\nd"), 3);
    }

    #[test]
    fn tree_entries_parse_and_order_as_git_orders() {
        let mut raw = Vec::new();
        for (mode, name) in [("100644", "a.c"), ("40000", "a"), ("100644", "a0")] {
            raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            raw.extend_from_slice(&[7u8; 20]);
        }
        let list = entries(&raw).unwrap();
        assert_eq!(list.len(), 3);
        assert!(list[1].is_tree());
        // "a.c" < "a/" < "a0", the order git writes them in.
        assert_eq!(compare(&list[0], &list[1]), std::cmp::Ordering::Less);
        assert_eq!(compare(&list[1], &list[2]), std::cmp::Ordering::Less);
        assert!(entries(b"100644 x\0short").is_err());
    }
}
