//! Text a push publishes outside commit and tag objects (contract §7): push options
//! (GitLab turns `-o merge_request.title=...` into a merge request), notes added on
//! `refs/notes/*` (`git log` prints them under the commit), and the files of a blob or
//! tree a ref points at directly; and, for `check`, the notes shown with the commits of
//! a range. Each comes back as a source and its text; the caller checks them like
//! messages.

use anyhow::{anyhow, bail, Context as _};
use git2::{ObjectType, Oid, Repository};

use crate::engine::source::Source;

/// A blob larger than this is not read: an error, never a silent skip.
pub const MAX_BLOB_BYTES: usize = 64 << 20;
/// A tree a ref points at is read up to this many entries, then it is an error.
const MAX_TREE_ENTRIES: usize = 100_000;
/// More push options than git itself accepts is an error.
const MAX_PUSH_OPTIONS: usize = 10_000;
/// git's rule for a binary file: a NUL in its first 8,000 bytes.
const BINARY_PROBE: usize = 8000;

/// The push options git hands the hook (`GIT_PUSH_OPTION_COUNT`, `GIT_PUSH_OPTION_<n>`),
/// read through `var`.
pub fn push_options(var: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Vec<(Source, String)>> {
    let Some(count) = var("GIT_PUSH_OPTION_COUNT") else {
        return Ok(Vec::new());
    };
    let count: usize = count
        .trim()
        .parse()
        .map_err(|_| anyhow!("GIT_PUSH_OPTION_COUNT is not a number"))?;
    if count > MAX_PUSH_OPTIONS {
        bail!("GIT_PUSH_OPTION_COUNT is larger than {MAX_PUSH_OPTIONS}");
    }
    (0..count)
        .map(|i| {
            let name = format!("GIT_PUSH_OPTION_{i}");
            let value = var(&name).ok_or_else(|| anyhow!("{name} is not set (or not UTF-8)"))?;
            let source = Source::Field {
                object: "push option".to_string(),
                id: None,
                field: format!("#{}", i + 1),
            };
            Ok((source, value))
        })
        .collect()
}

/// The notes a new commit of a notes ref adds: every blob its tree has that its first
/// parent's tree has not (all of them for a root), as (source, text).
pub fn added_notes(
    repo: &Repository,
    notes_ref: &str,
    commit: Oid,
) -> anyhow::Result<Vec<(Source, String)>> {
    let commit = repo
        .find_commit(commit)
        .with_context(|| format!("cannot read notes commit {commit}"))?;
    let tree = commit
        .tree()
        .with_context(|| format!("cannot read the tree of notes commit {}", commit.id()))?;
    let parent_tree = match commit.parent_ids().next() {
        Some(p) => Some(
            repo.find_commit(p)
                .and_then(|c| c.tree())
                .with_context(|| format!("cannot read notes commit {p}"))?,
        ),
        None => None,
    };
    let diff = repo
        .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)
        .with_context(|| format!("cannot compare notes commit {}", commit.id()))?;
    let mut out = Vec::new();
    for delta in diff.deltas() {
        let file = delta.new_file();
        if file.id().is_zero()
            || !matches!(
                file.mode(),
                git2::FileMode::Blob | git2::FileMode::BlobExecutable
            )
        {
            continue;
        }
        let path = file
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Notes live at the annotated object's id, split into fan-out directories.
        let annotated: String = path.chars().filter(|c| *c != '/').collect();
        let text = blob_text(repo, file.id())?.unwrap_or_default();
        let source = Source::Field {
            object: "note".to_string(),
            id: Some(if Oid::from_str(&annotated).is_ok() {
                annotated
            } else {
                path
            }),
            field: format!("({notes_ref})"),
        };
        out.push((source, text));
    }
    Ok(out)
}

/// The repository's notes refs (`refs/notes/*`).
pub fn notes_refs(repo: &Repository) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let refs = repo
        .references_glob("refs/notes/*")
        .context("cannot list the notes refs")?;
    for reference in refs {
        let reference = reference.context("cannot read a notes ref")?;
        if let Some(name) = reference.name() {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// The notes of `notes_ref` on the given commits, as (commit, source, text).
pub fn notes_on<V>(
    repo: &Repository,
    notes_ref: &str,
    commits: &std::collections::HashMap<Oid, V>,
) -> anyhow::Result<Vec<(Oid, Source, String)>> {
    let notes = match repo.notes(Some(notes_ref)) {
        Ok(notes) => notes,
        // A notes ref that is not a notes tree (a tag, say) holds no notes git shows.
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read the notes of {notes_ref}")),
    };
    let mut out = Vec::new();
    for note in notes {
        let (blob, annotated) =
            note.with_context(|| format!("cannot read the notes of {notes_ref}"))?;
        if !commits.contains_key(&annotated) {
            continue;
        }
        let Some(text) = blob_text(repo, blob)? else {
            continue;
        };
        let source = Source::Field {
            object: "note".to_string(),
            id: Some(annotated.to_string()),
            field: format!("({notes_ref})"),
        };
        out.push((annotated, source, text));
    }
    Ok(out)
}

/// The texts of a blob or tree a ref points at: a blob's content; a tree's paths and
/// the content of its files. Binary files (as git decides) give their path only.
pub fn ref_contents(
    repo: &Repository,
    ref_name: &str,
    oid: Oid,
    kind: ObjectType,
) -> anyhow::Result<Vec<(Source, String)>> {
    let source = |path: &str| Source::Field {
        object: "ref".to_string(),
        id: None,
        field: if path.is_empty() {
            ref_name.to_string()
        } else {
            format!("{ref_name}:{path}")
        },
    };
    let mut out = Vec::new();
    match kind {
        ObjectType::Blob => {
            if let Some(text) = blob_text(repo, oid)? {
                out.push((source(""), text));
            }
        }
        ObjectType::Tree => {
            let tree = repo
                .find_tree(oid)
                .with_context(|| format!("cannot read tree {oid} pushed to {ref_name}"))?;
            let mut files: Vec<(String, Oid, bool)> = Vec::new();
            let mut entries = 0usize;
            tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                entries += 1;
                if entries > MAX_TREE_ENTRIES {
                    return git2::TreeWalkResult::Abort;
                }
                let name = String::from_utf8_lossy(entry.name_bytes());
                let is_blob = entry.kind() == Some(ObjectType::Blob);
                files.push((format!("{dir}{name}"), entry.id(), is_blob));
                git2::TreeWalkResult::Ok
            })
            .with_context(|| format!("cannot read tree {oid} pushed to {ref_name}"))?;
            if entries > MAX_TREE_ENTRIES {
                bail!("tree {oid} pushed to {ref_name} has more than {MAX_TREE_ENTRIES} entries");
            }
            for (path, id, is_blob) in files {
                // The path itself is text the tree publishes.
                out.push((source(&path), path.clone()));
                if is_blob {
                    if let Some(text) = blob_text(repo, id)? {
                        out.push((source(&path), text));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

/// A blob's content as text; `None` for a binary one. Too large is an error.
fn blob_text(repo: &Repository, oid: Oid) -> anyhow::Result<Option<String>> {
    let odb = repo.odb().context("cannot open the object database")?;
    let (size, kind) = odb
        .read_header(oid)
        .with_context(|| format!("cannot read blob {oid}"))?;
    if kind != ObjectType::Blob {
        bail!("object {oid} is a {kind}, not a blob");
    }
    if size > MAX_BLOB_BYTES {
        bail!(
            "blob {oid} is larger than {} MiB; it cannot be checked",
            MAX_BLOB_BYTES >> 20
        );
    }
    let object = odb
        .read(oid)
        .with_context(|| format!("cannot read blob {oid}"))?;
    let data = object.data();
    if data[..data.len().min(BINARY_PROBE)].contains(&0) {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(data).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn options(vars: &[(&str, &str)]) -> anyhow::Result<Vec<(Source, String)>> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        push_options(&|k: &str| map.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn push_options_are_read_by_count() {
        assert!(options(&[]).unwrap().is_empty());
        let got = options(&[
            ("GIT_PUSH_OPTION_COUNT", "2"),
            ("GIT_PUSH_OPTION_0", "ci.skip"),
            ("GIT_PUSH_OPTION_1", "merge_request.title=x"),
        ])
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0.to_string(), "push option #2");
        assert_eq!(got[1].1, "merge_request.title=x");
        assert!(options(&[("GIT_PUSH_OPTION_COUNT", "x")]).is_err());
        assert!(options(&[("GIT_PUSH_OPTION_COUNT", "1")]).is_err());
    }
}
