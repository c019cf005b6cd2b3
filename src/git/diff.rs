//! Comparing trees and blobs for the changes a commit makes (contract §11): which files
//! two trees hold differently (unchanged subtrees skipped by id), reading a blob within a
//! size limit, git's binary test, and the lines a line diff adds.
//!
//! Trees are parsed here rather than through libgit2's diff machinery: a history scan
//! compares thousands of trees on several threads, and all it needs is the entries that
//! differ, each subtree read only when its id changed. Objects come through
//! [`CachedObjects`]: the packs read directly where they can, libgit2 otherwise, recent
//! ones kept for the next commit. Lines are diffed with `similar`'s Myers diff on lines
//! numbered by content, after what xdiff also sets aside (common head and tail lines,
//! lines one side alone has); docs/content.md says why and what it costs.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use git2::{ObjectType, Odb, Oid};

use crate::git::pack::Packs;

/// A text file bigger than this is not read; it is reported as a warning naming it
/// (never skipped in silence). Source files are far below it; what is above it is
/// generated or data, and reading it would make a hook's memory unbounded.
pub const MAX_TEXT_BYTES: usize = 16 << 20;

/// Git decides a file is binary when its first 8,000 bytes hold a NUL (`buffer_is_binary`).
pub const BINARY_PROBE: usize = 8000;

/// Tree entries: files are blobs (regular, executable, symlink), `SUBMODULE` a commit.
const MODE_TREE: u32 = 0o040000;
const MODE_SUBMODULE: u32 = 0o160000;

/// One entry of a tree. The id stays raw bytes: most entries of two trees compared are
/// equal and are skipped on those bytes, so only the ones that differ become an [`Oid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    pub mode: u32,
    pub name: &'a [u8],
    pub id: &'a [u8; 20],
}

impl Entry<'_> {
    pub fn is_tree(&self) -> bool {
        self.mode & 0o170000 == MODE_TREE
    }

    pub fn is_submodule(&self) -> bool {
        self.mode & 0o170000 == MODE_SUBMODULE
    }

    pub fn oid(&self) -> Oid {
        // git2 refuses only a slice that is not 20 bytes long, which an array cannot be.
        Oid::from_bytes(self.id).unwrap_or_else(|_| Oid::zero())
    }
}

/// A mode as git's tree parser reads it: octal digits only, nothing else before the space.
fn parse_mode(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u32, |mode, &b| {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        mode.checked_mul(8)?.checked_add(u32::from(b - b'0'))
    })
}

/// The entries of a raw tree, in the tree's order; an error for a malformed tree.
pub fn entries(data: &[u8]) -> anyhow::Result<Vec<Entry<'_>>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let sp = memchr::memchr(b' ', rest).ok_or_else(|| anyhow!("malformed tree entry"))?;
        let mode = parse_mode(&rest[..sp]).ok_or_else(|| anyhow!("malformed tree entry mode"))?;
        let after = &rest[sp + 1..];
        let nul = memchr::memchr(0, after).ok_or_else(|| anyhow!("malformed tree entry name"))?;
        let id = after
            .get(nul + 1..nul + 21)
            .and_then(|id| <&[u8; 20]>::try_from(id).ok())
            .ok_or_else(|| anyhow!("truncated tree entry"))?;
        out.push(Entry {
            mode,
            name: &after[..nul],
            id,
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

/// An object as a comparison reads it: its type and bytes, shared with the cache. A
/// `Vec` rather than `[u8]` behind the `Arc`, so an inflated object is never copied.
pub type Object = (ObjectType, Arc<Vec<u8>>);

/// Reads objects for a comparison.
pub trait Objects {
    /// The object, or `Err(size)` when it is larger than `max` bytes (then not inflated);
    /// an error when it cannot be read.
    fn read(&self, oid: Oid, max: usize) -> anyhow::Result<Result<Object, usize>>;
}

/// The trees and blobs a comparison reads, through libgit2, with a cache of the recent
/// ones shared by every thread: a commit's old side is its parent's new side, so a
/// history scan would otherwise inflate most trees and changed files twice.
pub struct CachedObjects<'a> {
    odb: &'a Odb<'a>,
    /// Read first where they can be: libdeflate inflates twice as fast as libgit2's zlib.
    packs: Option<&'a Packs>,
    cache: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    map: HashMap<Oid, Object>,
    order: VecDeque<Oid>,
    bytes: usize,
}

/// What the cache holds at most, and the largest object it keeps.
const CACHE_BYTES: usize = 64 << 20;
const CACHE_OBJECT: usize = 1 << 20;

impl<'a> CachedObjects<'a> {
    pub fn new(odb: &'a Odb<'a>) -> CachedObjects<'a> {
        CachedObjects {
            odb,
            packs: None,
            cache: Mutex::new(Recent::default()),
        }
    }

    /// The same, reading from these packs directly where they can (see [`Packs`]).
    pub fn with_packs(odb: &'a Odb<'a>, packs: &'a Packs) -> CachedObjects<'a> {
        CachedObjects {
            packs: Some(packs),
            ..CachedObjects::new(odb)
        }
    }

    fn read_uncached(&self, oid: Oid, max: usize) -> anyhow::Result<Result<Object, usize>> {
        if let Some(found) = self.packs.and_then(|p| p.read_object(oid, max)) {
            return Ok(found.map(|(kind, data)| (kind, Arc::new(data))));
        }
        let (size, _) = self
            .odb
            .read_header(oid)
            .with_context(|| format!("cannot read object {oid}"))?;
        if size > max {
            return Ok(Err(size));
        }
        let o = self
            .odb
            .read(oid)
            .with_context(|| format!("cannot read object {oid}"))?;
        Ok(Ok((o.kind(), Arc::new(o.data().to_vec()))))
    }
}

impl Objects for CachedObjects<'_> {
    fn read(&self, oid: Oid, max: usize) -> anyhow::Result<Result<Object, usize>> {
        let lock = || self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(o) = lock().map.get(&oid) {
            return Ok(Ok(o.clone()));
        }
        let object = match self.read_uncached(oid, max)? {
            Ok(o) => o,
            Err(size) => return Ok(Err(size)),
        };
        if object.1.len() <= CACHE_OBJECT {
            let mut cache = lock();
            if cache.map.insert(oid, object.clone()).is_none() {
                cache.order.push_back(oid);
                cache.bytes += object.1.len();
            }
            while cache.bytes > CACHE_BYTES {
                let Some(old) = cache.order.pop_front() else {
                    break;
                };
                if let Some((_, data)) = cache.map.remove(&old) {
                    cache.bytes -= data.len();
                }
            }
        }
        Ok(Ok(object))
    }
}

/// Trees are not limited by [`MAX_TEXT_BYTES`] but by this: git's own trees stay far
/// below it, and a hostile one must not make a hook allocate without bound.
const MAX_TREE_BYTES: usize = 64 << 20;

fn read_tree(objects: &impl Objects, oid: Oid) -> anyhow::Result<Arc<Vec<u8>>> {
    match objects.read(oid, MAX_TREE_BYTES)? {
        Ok((ObjectType::Tree, data)) => Ok(data),
        Ok((kind, _)) => bail!("object {oid} is a {kind}, not a tree"),
        Err(size) => bail!("tree {oid} is too large ({size} bytes)"),
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
    let a = old_data
        .as_deref()
        .map(|d| entries(d.as_slice()))
        .transpose()?
        .unwrap_or_default();
    let b = new_data
        .as_deref()
        .map(|d| entries(d.as_slice()))
        .transpose()?
        .unwrap_or_default();
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
            if x.id == y.id && x.mode == y.mode {
                continue;
            }
        }
        let name = x.or(y).map(|e| e.name).unwrap_or_default();
        let len = prefix.len();
        prefix.extend_from_slice(name);
        let tree = |e: Option<Entry<'_>>| e.filter(|e| e.is_tree()).map(|e| e.oid());
        let blob = |e: Option<Entry<'_>>| {
            e.filter(|e| !e.is_tree() && !e.is_submodule())
                .map(|e| e.oid())
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

/// A blob as the check sees it.
#[derive(Debug)]
pub enum Blob {
    Text(Arc<Vec<u8>>),
    /// A NUL in the first [`BINARY_PROBE`] bytes.
    Binary,
    /// Larger than [`MAX_TEXT_BYTES`]: not read.
    TooLarge(usize),
}

/// Reads a blob within [`MAX_TEXT_BYTES`] and tells text from binary as git does.
pub fn read_blob(objects: &impl Objects, oid: Oid) -> anyhow::Result<Blob> {
    let (kind, data) = match objects.read(oid, MAX_TEXT_BYTES)? {
        Ok(o) => o,
        Err(size) => return Ok(Blob::TooLarge(size)),
    };
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

/// Lines a diff adds: runs of consecutive 1-based line numbers of the new text,
/// ascending, and where each run lies in it, in bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddedLines {
    pub lines: Vec<Range<usize>>,
    pub bytes: Vec<Range<usize>>,
}

/// The lines a line diff from `old` to `new` adds: a Myers diff (git's default) of the
/// lines, whatever the attributes say: what counts is what a reader of the file sees.
///
/// The lines both versions start and end with are set aside first, as git's xdiff does
/// (`xdl_trim_ends`): most changes touch a small part of a file, and the diff then
/// sees only that part.
pub fn added_lines(old: &[u8], new: &[u8]) -> AddedLines {
    let (p, head, old_mid, new_mid) = trim_common_lines(old, new);
    let mut added = diff_lines(old_mid, new_mid);
    for r in &mut added.lines {
        *r = r.start + head..r.end + head;
    }
    for r in &mut added.bytes {
        *r = r.start + p..r.end + p;
    }
    added
}

/// Where `old` and `new` start to differ (at a line start, in bytes), the number of
/// lines before it, and what is left of each once the lines they start and end with
/// alike are taken away.
fn trim_common_lines<'a>(old: &'a [u8], new: &'a [u8]) -> (usize, usize, &'a [u8], &'a [u8]) {
    let mut p = common_prefix(old, new);
    if p < old.len() || p < new.len() {
        // Back to the start of the line the two differ in.
        p = old[..p]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
    }
    let head = count_newlines(&old[..p]);
    let (old, new) = (&old[p..], &new[p..]);
    let mut s = common_suffix(old, new);
    let at_line_start =
        |text: &[u8], s: usize| s == text.len() || text[text.len() - s - 1] == b'\n';
    if !(at_line_start(old, s) && at_line_start(new, s)) {
        // Forward to the start of the next line inside the common end.
        let tail = &new[new.len() - s..];
        s = tail
            .iter()
            .position(|&b| b == b'\n')
            .map_or(0, |i| s - i - 1);
    }
    (p, head, &old[..old.len() - s], &new[..new.len() - s])
}

/// Compared a block at a time: equal blocks are a `memcmp`.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let n = a.len().min(b.len());
    let (al, bl) = (a.len(), b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[al - i - BLOCK..al - i] == b[bl - i - BLOCK..bl - i] {
        i += BLOCK;
    }
    i + a[..al - i]
        .iter()
        .rev()
        .zip(b[..bl - i].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

fn count_newlines(text: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', text).count()
}

fn diff_lines(old: &[u8], new: &[u8]) -> AddedLines {
    if new.is_empty() {
        return AddedLines::default();
    }
    if old.is_empty() {
        return AddedLines {
            lines: std::iter::once(1..line_count(new) + 1).collect(),
            bytes: std::iter::once(0..new.len()).collect(),
        };
    }
    // Lines are numbered by content first, so the diff compares integers. The table is
    // sized for every line up front: growing it was a tenth of a history scan's time.
    let lines = count_newlines(old) + count_newlines(new) + 2;
    let mut ids: HashMap<&[u8], u32, BuildHasherDefault<LineHasher>> =
        HashMap::with_capacity_and_hasher(lines, BuildHasherDefault::default());
    let (old_ids, _) = line_ids(old, &mut ids);
    let (new_ids, starts) = line_ids(new, &mut ids);
    // Lines found on one side only are settled without the diff (xdiff's
    // `xdl_cleanup_records` does the same): a line of the new text that the old one does
    // not have is added. The diff orders only the lines both have, so a rewrite costs
    // nothing and a Myers diff, quadratic in the differences, sees only what it must.
    let mut in_old = vec![false; ids.len()];
    for &id in &old_ids {
        in_old[id as usize] = true;
    }
    let mut in_new = vec![false; ids.len()];
    for &id in &new_ids {
        in_new[id as usize] = true;
    }
    let mut added = vec![false; new_ids.len()];
    let mut new_common = Vec::new();
    let mut new_at = Vec::new();
    for (i, &id) in new_ids.iter().enumerate() {
        if in_old[id as usize] {
            new_common.push(id);
            new_at.push(i);
        } else {
            added[i] = true;
        }
    }
    let old_common: Vec<u32> = old_ids
        .iter()
        .copied()
        .filter(|&id| in_new[id as usize])
        .collect();
    if !new_common.is_empty() {
        let deadline = Instant::now() + DIFF_TIME;
        for op in similar::capture_diff_slices_deadline(
            similar::Algorithm::Myers,
            &old_common,
            &new_common,
            Some(deadline),
        ) {
            if let similar::DiffOp::Insert {
                new_index, new_len, ..
            }
            | similar::DiffOp::Replace {
                new_index, new_len, ..
            } = op
            {
                for &i in &new_at[new_index..new_index + new_len] {
                    added[i] = true;
                }
            }
        }
    }
    let mut out = AddedLines::default();
    for (i, _) in added.iter().enumerate().filter(|(_, &a)| a) {
        match (out.lines.last_mut(), out.bytes.last_mut()) {
            (Some(r), Some(b)) if r.end == i + 1 => {
                r.end = i + 2;
                b.end = starts[i + 1];
            }
            _ => {
                out.lines.push(i + 1..i + 2);
                out.bytes.push(starts[i]..starts[i + 1]);
            }
        }
    }
    out
}

/// Hashes a line eight bytes at a time (FxHash's step): the table only groups equal
/// lines of two versions of one file, so a keyed hash buys nothing here.
#[derive(Default)]
struct LineHasher(u64);

impl Hasher for LineHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A diff that takes longer than this settles for a coarser result: more lines count as
/// added (and are checked), never fewer.
const DIFF_TIME: Duration = Duration::from_millis(500);

/// Each line's id (equal lines, equal ids) and where each line starts, plus the end.
fn line_ids<'a>(
    text: &'a [u8],
    ids: &mut HashMap<&'a [u8], u32, BuildHasherDefault<LineHasher>>,
) -> (Vec<u32>, Vec<usize>) {
    let lines = count_newlines(text) + 1;
    let mut out = Vec::with_capacity(lines);
    let mut starts = Vec::with_capacity(lines + 1);
    starts.push(0);
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let next = ids.len() as u32;
        out.push(*ids.entry(&rest[..end]).or_insert(next));
        at += end;
        starts.push(at);
    }
    (out, starts)
}

/// Lines of a text as git counts them: a last line without a newline counts.
pub fn line_count(data: &[u8]) -> usize {
    let newlines = count_newlines(data);
    newlines + usize::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Byte offsets where each line of `data` starts, and the end: line `n` (1-based) is
/// `starts[n - 1]..starts[n]`.
pub fn line_starts(data: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', data).map(|i| i + 1));
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
        assert_eq!(added_lines(old, new).lines, vec![2..4, 6..7]);
        assert_eq!(added_lines(b"", b"one\ntwo").lines, vec![1..3]);
        assert_eq!(
            added_lines(b"a\nb\n", b"a\n").lines,
            Vec::<Range<usize>>::new()
        );
        // Lines changed inside a line, at the ends, without a final newline.
        assert_eq!(added_lines(b"a\nbc\nd\n", b"a\nbx\nd\n").lines, vec![2..3]);
        assert_eq!(added_lines(b"a\nb", b"a\nbb").lines, vec![2..3]);
        assert_eq!(added_lines(b"x\nsame\n", b"y\nsame\n").lines, vec![1..2]);
        assert_eq!(
            added_lines(b"a\n", b"a\n").lines,
            Vec::<Range<usize>>::new()
        );
        assert_eq!(added_lines(b"a\nc\n", b"a\nb\nc\n").lines, vec![2..3]);
        assert_eq!(added_lines(b"ab\n", b"b\n").lines, vec![1..2]);
    }

    #[test]
    fn added_lines_are_as_few_as_a_minimal_diff_gives() {
        // new lines - longest common subsequence, for many small pseudo-random texts.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..300 {
            let mut text = |len: u64| -> Vec<u8> {
                (0..next(len))
                    .flat_map(|_| [b'a' + next(5) as u8, b'\n'])
                    .collect()
            };
            let (old, new) = (text(12), text(12));
            let (a, b): (Vec<&[u8]>, Vec<&[u8]>) =
                (old.chunks(2).collect(), new.chunks(2).collect());
            let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
            for i in 0..a.len() {
                for j in 0..b.len() {
                    lcs[i + 1][j + 1] = if a[i] == b[j] {
                        lcs[i][j] + 1
                    } else {
                        lcs[i][j + 1].max(lcs[i + 1][j])
                    };
                }
            }
            let added = added_lines(&old, &new);
            let count: usize = added.lines.iter().map(|r| r.len()).sum();
            assert_eq!(count, b.len() - lcs[a.len()][b.len()], "{old:?} {new:?}");
            let starts = line_starts(&new);
            for (l, by) in added.lines.iter().zip(&added.bytes) {
                assert_eq!(starts[l.start - 1]..starts[l.end - 1], *by);
            }
        }
        // A rewrite: every line added, no diff needed.
        assert_eq!(added_lines(b"a\nb\n", b"c\nd\ne\n").lines, vec![1..4]);
    }

    #[test]
    fn trimming_agrees_with_a_whole_diff() {
        let old: Vec<u8> = (0..200)
            .map(|i| format!("line {}\n", i % 7))
            .collect::<String>()
            .into();
        let mut new = old.clone();
        new.splice(700..700, b"line 3\nnew\nline 4\n".iter().copied());
        new.extend_from_slice(b"tail");
        let whole: usize = diff_lines(&old, &new).lines.iter().map(|r| r.len()).sum();
        let trimmed: usize = added_lines(&old, &new).lines.iter().map(|r| r.len()).sum();
        assert_eq!(whole, trimmed);
        let added = added_lines(&old, &new);
        // The byte ranges are exactly the lines the runs name.
        let starts = line_starts(&new);
        for (lines, bytes) in added.lines.iter().zip(&added.bytes) {
            assert_eq!(starts[lines.start - 1]..starts[lines.end - 1], *bytes);
        }
        assert!(new[added.bytes.last().unwrap().clone()].ends_with(b"tail"));
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
        assert_eq!(list[2].oid(), Oid::from_bytes(&[7u8; 20]).unwrap());
    }

    #[test]
    fn a_mode_is_octal_digits_only_as_git_reads_it() {
        let entry = |mode: &str| {
            let mut raw = format!("{mode} f\0").into_bytes();
            raw.extend_from_slice(&[1u8; 20]);
            entries(&raw).map(|e| e[0].mode).ok()
        };
        assert_eq!(entry("100755"), Some(0o100755));
        assert_eq!(entry("040000"), Some(0o40000));
        for bad in [
            "",
            "+100644",
            "100648",
            "10064a",
            " 100644",
            "77777777777777",
        ] {
            assert_eq!(entry(bad), None, "{bad:?}");
        }
    }
}
