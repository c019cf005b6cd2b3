//! Opening the repository: the way git's hooks see it (`GIT_DIR`, discovery), and for
//! `pre-receive` with git's quarantine and alternate object directories.

use anyhow::Context as _;

/// Opens the repository the way git's own hooks see it: from `GIT_DIR` and the object
/// directory variables when git set them, else by discovery from the current directory.
/// `None` when there is no repository (a message file checked by hand).
pub fn open_from_env() -> anyhow::Result<Option<git2::Repository>> {
    match git2::Repository::open_from_env() {
        Ok(repo) => Ok(Some(repo)),
        Err(e)
            if e.code() == git2::ErrorCode::NotFound && std::env::var_os("GIT_DIR").is_none() =>
        {
            Ok(None)
        }
        Err(e) => Err(e).context("cannot open the git repository"),
    }
}

/// The repository a `pre-receive` hook checks, opened the way git hands it over.
pub struct HookRepository {
    /// The repository; its object database also reads the quarantine and every directory
    /// in `GIT_ALTERNATE_OBJECT_DIRECTORIES`.
    pub repo: git2::Repository,
    /// The repository directory (`GIT_DIR`), absolute.
    pub git_dir: std::path::PathBuf,
    /// The quarantine: the object directory git receives the push into, when the hook
    /// runs inside one (git 2.11 and later, for every push that sends objects).
    pub quarantine: Option<Quarantine>,
}

/// git's quarantine directory and an object database that reads it alone.
pub struct Quarantine {
    pub path: std::path::PathBuf,
    pub odb: git2::Odb<'static>,
}

impl Quarantine {
    /// True when `oid` was received by this push (its object is in the quarantine).
    pub fn contains(&self, oid: git2::Oid) -> bool {
        self.odb.exists(oid)
    }
}

/// Opens the repository of a `pre-receive` hook: `GIT_DIR` (else discovery from the
/// current directory), plus the object directories git names in `GIT_OBJECT_DIRECTORY`
/// (the quarantine) and `GIT_ALTERNATE_OBJECT_DIRECTORIES`, parsed with git's own rules.
///
/// libgit2's `open_from_env` is not used: it splits the alternates variable on `:`
/// without undoing git's C-quoting, so a repository whose path contains `:` (git quotes
/// such a path) would lose its main object store and every lookup would fail.
pub fn open_for_hook() -> anyhow::Result<HookRepository> {
    use std::path::{Path, PathBuf};

    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let absolute = |p: &Path| -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    let repo = match std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => {
            let dir = absolute(Path::new(&dir));
            git2::Repository::open_ext(
                &dir,
                git2::RepositoryOpenFlags::NO_SEARCH,
                std::iter::empty::<&std::ffi::OsStr>(),
            )
            .with_context(|| format!("cannot open the git repository {}", dir.display()))?
        }
        None => git2::Repository::discover(&cwd).context("cannot open the git repository")?,
    };
    let git_dir = repo.path().to_path_buf();
    let own_objects = git_dir.join("objects");
    let same_dir = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };

    let object_dir = std::env::var_os("GIT_OBJECT_DIRECTORY")
        .filter(|d| !d.is_empty())
        .map(|d| absolute(Path::new(&d)));
    // git ≥ 2.13 names the quarantine; before that, an object directory other than the
    // repository's own can only be one.
    let quarantine_path = std::env::var_os("GIT_QUARANTINE_PATH")
        .filter(|d| !d.is_empty())
        .map(|d| absolute(Path::new(&d)))
        .or_else(|| object_dir.clone().filter(|d| !same_dir(d, &own_objects)));

    // Every directory to read besides the repository's own, each once.
    let mut extra: Vec<PathBuf> = Vec::new();
    let mut push_dir = |dir: PathBuf| {
        if !same_dir(&dir, &own_objects) && !extra.iter().any(|d| same_dir(d, &dir)) {
            extra.push(dir);
        }
    };
    if let Some(dir) = &object_dir {
        push_dir(dir.clone());
    }
    if let Some(dir) = &quarantine_path {
        push_dir(dir.clone());
    }
    if let Some(value) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        use std::os::unix::ffi::OsStrExt;
        for entry in parse_alternates(value.as_bytes()) {
            push_dir(absolute(Path::new(std::ffi::OsStr::from_bytes(&entry))));
        }
    }
    {
        let odb = repo.odb().context("cannot open the object database")?;
        for dir in &extra {
            if !dir.is_dir() {
                anyhow::bail!("object directory {} does not exist", dir.display());
            }
            odb.add_disk_alternate(utf8_path(dir)?)
                .with_context(|| format!("cannot add object directory {}", dir.display()))?;
        }
    }

    let quarantine = match quarantine_path {
        Some(path) => {
            let odb = git2::Odb::new().context("cannot open the quarantine")?;
            odb.add_disk_alternate(utf8_path(&path)?)
                .with_context(|| format!("cannot read the quarantine {}", path.display()))?;
            Some(Quarantine { path, odb })
        }
        None => None,
    };
    Ok(HookRepository {
        repo,
        git_dir,
        quarantine,
    })
}

fn utf8_path(path: &std::path::Path) -> anyhow::Result<&str> {
    path.to_str()
        .with_context(|| format!("object directory {} is not valid UTF-8", path.display()))
}

/// Splits `GIT_ALTERNATE_OBJECT_DIRECTORIES` as git does (`parse_alt_odb_entry`):
/// entries separated by `:`; an entry that starts with `"` is C-quoted (git quotes a
/// path containing `:` or starting with `"`), and an entry whose quoting is broken is
/// taken literally up to the next `:`; entries starting with `#` are comments; empty
/// entries are skipped.
pub fn parse_alternates(value: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let (entry, end) = if rest[0] == b'#' {
            (Vec::new(), find_or_len(rest, b':'))
        } else if let Some((unquoted, end)) =
            (rest[0] == b'"').then(|| unquote_c_style(rest)).flatten()
        {
            (unquoted, end)
        } else {
            let end = find_or_len(rest, b':');
            (rest[..end].to_vec(), end)
        };
        // git skips one byte after the entry: the separator.
        rest = &rest[(end + 1).min(rest.len())..];
        if !entry.is_empty() {
            out.push(entry);
        }
    }
    out
}

fn find_or_len(s: &[u8], byte: u8) -> usize {
    s.iter().position(|&b| b == byte).unwrap_or(s.len())
}

/// git's `unquote_c_style`: `s` starts with `"`; returns the unquoted bytes and the
/// offset just past the closing quote, or `None` for broken quoting.
pub fn unquote_c_style(s: &[u8]) -> Option<(Vec<u8>, usize)> {
    if s.first() != Some(&b'"') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        match *s.get(i)? {
            b'"' => return Some((out, i + 1)),
            b'\\' => {
                let c = *s.get(i + 1)?;
                i += 2;
                let byte = match c {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    b'\\' | b'"' => c,
                    b'0'..=b'3' => {
                        let d1 = *s.get(i)?;
                        let d2 = *s.get(i + 1)?;
                        if !(b'0'..=b'7').contains(&d1) || !(b'0'..=b'7').contains(&d2) {
                            return None;
                        }
                        i += 2;
                        ((c - b'0') << 6) | ((d1 - b'0') << 3) | (d2 - b'0')
                    }
                    _ => return None,
                };
                out.push(byte);
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternates_are_split_and_unquoted_like_git() {
        assert_eq!(
            parse_alternates(b"/a/objects:/b/objects"),
            vec![b"/a/objects".to_vec(), b"/b/objects".to_vec()]
        );
        assert_eq!(
            parse_alternates(b"\"/srv/a:b.git/./objects\":/c"),
            vec![b"/srv/a:b.git/./objects".to_vec(), b"/c".to_vec()]
        );
        assert_eq!(
            parse_alternates(b"/x::#comment:\"q\\\"\\\\\\303\\251\\n\""),
            vec![b"/x".to_vec(), b"q\"\\\xc3\xa9\n".to_vec()]
        );
        // Broken quoting: taken literally up to the next separator.
        assert_eq!(
            parse_alternates(b"\"/unterminated:/next"),
            vec![b"\"/unterminated".to_vec(), b"/next".to_vec()]
        );
        assert_eq!(parse_alternates(b""), Vec::<Vec<u8>>::new());
    }
}
