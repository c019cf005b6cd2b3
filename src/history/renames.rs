//! Renames with changes: which file a commit adds is a file it deletes, moved and
//! edited, paired as git's rename detection pairs them (`-M50%`: at least half the
//! content in common, the best-scoring pairs first, each deleted file the source of one
//! rename). The lines such a file brings from its old path were checked when they were
//! added there; only what the move adds to them is new, exactly as for a file edited in
//! place. Counting the whole file as added would refuse a commit that only moves a file
//! whose old lines mention an issue embargoed since.
//!
//! The score is git's estimate (`diffcore-delta`): the bytes of lines the two versions
//! share, over the larger of the two sizes. Which file is paired with which matters
//! for how many findings a commit gets, never for what escapes: whatever a pairing
//! leaves unchecked is in a file of the parent commit, checked when it was added. Pairing is bounded ([`MAX_PAIRS`]), as git
//! bounds it (`diff.renameLimit`); past the bound a changed file counts as added, which
//! checks more, never less.

use std::collections::{HashMap, HashSet};

use git2::Oid;

use crate::git::diff::{self, Blob, FileChange, Objects};

/// The score git asks of a rename by default (`-M`: 50%), as a fraction of 100.
const MIN_SCORE: usize = 50;
/// Past this many candidate pairs (files added × files deleted) renames with changes are
/// not looked for: git's default limit is larger, but each pair costs a comparison of
/// two files, and a hook's budget is seconds.
pub const MAX_PAIRS: usize = 100 * 100;

/// For each added file that is a deleted file renamed with changes, the deleted file's
/// blob, keyed by the added file's path. Exact renames (the same blob) are not listed:
/// they add no lines at all. Binary and too-large files take no part.
pub fn with_changes(
    objects: &impl Objects,
    changes: &[FileChange],
) -> anyhow::Result<HashMap<Vec<u8>, Oid>> {
    let added_blobs: HashSet<Oid> = changes
        .iter()
        .filter(|c| c.old.is_none())
        .filter_map(|c| c.new)
        .collect();
    let deleted_blobs: HashSet<Oid> = changes
        .iter()
        .filter(|c| c.new.is_none())
        .filter_map(|c| c.old)
        .collect();
    let added: Vec<(&[u8], Oid)> = changes
        .iter()
        .filter(|c| c.old.is_none())
        .filter_map(|c| c.new.map(|n| (c.path.as_slice(), n)))
        .filter(|(_, n)| !deleted_blobs.contains(n))
        .collect();
    let mut deleted: Vec<Oid> = changes
        .iter()
        .filter(|c| c.new.is_none())
        .filter_map(|c| c.old)
        .filter(|o| !added_blobs.contains(o))
        .collect();
    deleted.sort();
    deleted.dedup();
    let mut out = HashMap::new();
    if added.is_empty() || deleted.is_empty() || added.len() * deleted.len() > MAX_PAIRS {
        return Ok(out);
    }
    let mut sources = Vec::with_capacity(deleted.len());
    for oid in deleted {
        if let Blob::Text(text) = diff::read_blob(objects, oid)? {
            sources.push((oid, text.len(), line_bytes(&text)));
        }
    }
    let mut candidates = Vec::new();
    for (i, &(path, oid)) in added.iter().enumerate() {
        let Blob::Text(text) = diff::read_blob(objects, oid)? else {
            continue;
        };
        let lines = line_bytes(&text);
        for (j, (_, size, source)) in sources.iter().enumerate() {
            let larger = (*size).max(text.len());
            // Sizes too far apart cannot reach the score (git's own shortcut).
            if larger == 0 || size.abs_diff(text.len()) * 100 > larger * (100 - MIN_SCORE) {
                continue;
            }
            let score = shared_bytes(source, &lines) * 100 / larger;
            if score >= MIN_SCORE {
                candidates.push((score, i, j, path));
            }
        }
    }
    // The best pairs first; ties in git's order of destinations, then sources.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut used_dst = HashSet::new();
    let mut used_src = HashSet::new();
    for (_, i, j, path) in candidates {
        if used_dst.contains(&i) || used_src.contains(&j) {
            continue;
        }
        used_dst.insert(i);
        used_src.insert(j);
        out.insert(path.to_vec(), sources[j].0);
    }
    Ok(out)
}

/// How many bytes of `text` fall in each class of span, as git's `diffcore-delta`
/// counts them: a span ends at a newline or after 64 bytes, a CR before a LF is not
/// counted (text files), and spans are classed by git's span hash, so two files score
/// as git scores them, collisions and all.
fn line_bytes(text: &[u8]) -> HashMap<u32, usize> {
    const HASHBASE: u32 = 107_927;
    let mut out: HashMap<u32, usize> = HashMap::new();
    let (mut a1, mut a2, mut n) = (0u32, 0u32, 0usize);
    let mut flush = |a1: u32, a2: u32, n: usize| {
        let key = a1.wrapping_add(a2.wrapping_mul(0x61)) % HASHBASE;
        *out.entry(key).or_default() += n;
    };
    for (i, &c) in text.iter().enumerate() {
        if c == b'\r' && text.get(i + 1) == Some(&b'\n') {
            continue;
        }
        let old = a1;
        a1 = (a1 << 7) ^ (a2 >> 25);
        a2 = (a2 << 7) ^ (old >> 25);
        a1 = a1.wrapping_add(u32::from(c));
        n += 1;
        if n < 64 && c != b'\n' {
            continue;
        }
        flush(a1, a2, n);
        (a1, a2, n) = (0, 0, 0);
    }
    if n > 0 {
        flush(a1, a2, n);
    }
    out
}

/// The bytes two texts have in common, span class by span class.
fn shared_bytes(a: &HashMap<u32, usize>, b: &HashMap<u32, usize>) -> usize {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .filter_map(|(span, n)| large.get(span).map(|m| (*n).min(*m)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_bytes_count_each_line_as_often_as_both_have_it() {
        // A CR before a LF does not count, and a line of 64 bytes or more is spans of 64.
        assert_eq!(line_bytes(b"ab\r\n"), line_bytes(b"ab\n"));
        let long = [b'q'; 130];
        assert_eq!(line_bytes(&long).values().sum::<usize>(), 130);
        assert_eq!(line_bytes(&long).len(), 2); // two spans of 64 alike, then one of 2
        let a = line_bytes(b"x\nx\ny\nz");
        let b = line_bytes(b"x\ny\ny\nw\n");
        // "x\n" once (2), "y\n" once (2); "z" without newline is shared with nothing.
        assert_eq!(shared_bytes(&a, &b), 4);
        assert_eq!(shared_bytes(&b, &a), 4);
    }
}
