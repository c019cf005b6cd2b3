//! A registry named in a git repository, `git:REPO#REV:PATH` (contract §3): parsing the
//! name, and reading the blob at `REV:PATH` from REPO's object store — never from a work
//! tree, so what counts is what was committed, as of the moment of the check.

use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};

/// What a `git:` registry name starts with.
pub const PREFIX: &str = "git:";

/// A parsed `git:REPO#REV:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The repository, `~/` expanded, absolute.
    pub repo: PathBuf,
    pub rev: String,
    /// The file in the commit's tree, `/`-separated, without `.` or `..`.
    pub path: String,
}

/// Whether a registry name is a `git:` name rather than a file's path.
pub fn is_spec(name: &str) -> bool {
    name.starts_with(PREFIX)
}

impl Spec {
    /// Parses `git:REPO#REV:PATH`: REPO runs to the first `#` (so it cannot contain one),
    /// REV to the next `:` (git allows none in a revision name), PATH is the rest. A
    /// relative REPO is taken from `base`.
    pub fn parse(name: &str, base: &Path) -> anyhow::Result<Spec> {
        let usage = "expected git:REPO#REV:PATH, e.g. git:/srv/git/security.git#main:registry.json";
        let rest = name
            .strip_prefix(PREFIX)
            .ok_or_else(|| anyhow!("registry `{name}`: {usage}"))?;
        let (repo, rev_path) = rest
            .split_once('#')
            .ok_or_else(|| anyhow!("registry `{name}`: no `#` after the repository; {usage}"))?;
        let (rev, path) = rev_path
            .split_once(':')
            .ok_or_else(|| anyhow!("registry `{name}`: no `:` after the revision; {usage}"))?;
        if repo.is_empty() || rev.is_empty() || path.is_empty() {
            bail!(
                "registry `{name}`: the repository, revision and path must all be given; {usage}"
            );
        }
        let path = tree_path(path)
            .ok_or_else(|| anyhow!("registry `{name}`: `{path}` is not a path inside a commit (no `.`, `..` or empty parts)"))?;
        let repo = expand_home(repo)?;
        let repo = if repo.is_absolute() {
            repo
        } else {
            base.join(repo)
        };
        // One name for one repository, in messages and for the cache.
        let repo = std::fs::canonicalize(&repo).unwrap_or(repo);
        Ok(Spec {
            repo,
            rev: rev.to_string(),
            path,
        })
    }

    /// How the registry is named in messages: the name with REPO made absolute.
    pub fn origin(&self) -> String {
        format!("{PREFIX}{}#{}:{}", self.repo.display(), self.rev, self.path)
    }
}

/// `~/` at the start of REPO is the home directory, as in `embargo.registry` paths.
fn expand_home(repo: &str) -> anyhow::Result<PathBuf> {
    match repo.strip_prefix("~/") {
        Some(rest) => {
            let home = std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .ok_or_else(|| anyhow!("registry repository `{repo}`: HOME is not set"))?;
            Ok(PathBuf::from(home).join(rest))
        }
        None => Ok(PathBuf::from(repo)),
    }
}

/// The path as a tree path: a leading `/` is the tree's root, as for git's `REV:/PATH`.
/// `None` for an empty path, or one with `.`, `..` or empty parts.
pub fn tree_path(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let plain = |p: &&str| {
        !p.is_empty() && matches!(Path::new(p).components().next(), Some(Component::Normal(_)))
    };
    parts.iter().all(plain).then(|| parts.join("/"))
}

/// The registry's blob, resolved but not yet read: resolving is cheap (a ref, a commit
/// and the trees on the path), reading and inflating a large registry is not, and the
/// cache needs only the blob id.
pub struct Resolved {
    pub spec: Spec,
    pub repo: git2::Repository,
    pub blob: git2::Oid,
}

/// Opens REPO (exactly that directory: no search upwards, no `GIT_DIR` or other
/// environment, which in a hook belongs to the repository being checked) and finds the
/// blob at `REV:PATH`. `checked` is the repository being checked, which REPO may not be.
pub fn resolve(spec: Spec, checked: Option<&git2::Repository>) -> anyhow::Result<Resolved> {
    let origin = spec.origin();
    let repo = git2::Repository::open_ext(
        &spec.repo,
        git2::RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(|e| {
        anyhow!(
            "registry {origin}: cannot open the repository {}: {}",
            spec.repo.display(),
            e.message()
        )
    })?;
    if let Some(checked) = checked {
        if same_repository(&repo, checked) {
            bail!(
                "registry {origin}: the repository is the one being checked; a registry \
                 committed there is published with it. Keep it in a private repository"
            );
        }
    }
    let commit = repo
        .revparse_single(&spec.rev)
        .map_err(|e| {
            anyhow!(
                "registry {origin}: unknown revision `{}` ({})",
                spec.rev,
                e.message()
            )
        })?
        .peel_to_commit()
        .map_err(|_| anyhow!("registry {origin}: `{}` does not name a commit", spec.rev))?;
    let blob = file_in(&commit, &spec.path).map_err(|e| anyhow!("registry {origin}: {e}"))?;
    drop(commit);
    Ok(Resolved { spec, repo, blob })
}

/// Whether two opened repositories are one: the same common git directory (so a linked
/// work tree of the checked repository is the checked repository too).
pub fn same_repository(a: &git2::Repository, b: &git2::Repository) -> bool {
    let canon = |r: &git2::Repository| {
        let dir = r.commondir();
        dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
    };
    canon(a) == canon(b)
}

impl Resolved {
    /// The registry's text, refusing a blob over `limit` bytes before it is inflated.
    pub fn read(&self, limit: u64) -> anyhow::Result<String> {
        read_blob(&self.repo, self.blob, limit)
            .map_err(|e| anyhow!("registry {}: {e}", self.spec.origin()))
    }
}

/// The blob of the regular file at `path` in `commit`'s tree.
pub fn file_in(commit: &git2::Commit<'_>, path: &str) -> anyhow::Result<git2::Oid> {
    let tree = commit.tree().context("cannot read the commit's tree")?;
    let entry = tree.get_path(Path::new(path)).map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            anyhow!("no file `{path}` in commit {}", commit.id())
        } else {
            anyhow!(
                "cannot read the tree of commit {}: {}",
                commit.id(),
                e.message()
            )
        }
    })?;
    match (entry.kind(), entry.filemode()) {
        // A symbolic link's blob is its target's name, not the file.
        (Some(git2::ObjectType::Blob), 0o120000) => {
            bail!(
                "`{path}` is a symbolic link in commit {}, not a file",
                commit.id()
            )
        }
        (Some(git2::ObjectType::Blob), _) => Ok(entry.id()),
        (Some(git2::ObjectType::Tree), _) => {
            bail!(
                "`{path}` is a directory in commit {}, not a file",
                commit.id()
            )
        }
        _ => bail!("`{path}` is not a file in commit {}", commit.id()),
    }
}

/// A blob's text: over `limit` bytes is refused before it is inflated, and it must be
/// UTF-8.
pub fn read_blob(repo: &git2::Repository, blob: git2::Oid, limit: u64) -> anyhow::Result<String> {
    let odb = repo.odb().context("cannot open the object store")?;
    let unreadable = |e: git2::Error| anyhow!("cannot read blob {blob}: {}", e.message());
    let (size, _) = odb.read_header(blob).map_err(unreadable)?;
    if size as u64 > limit {
        bail!("larger than {} MiB", limit >> 20);
    }
    let object = odb.read(blob).map_err(unreadable)?;
    let text = std::str::from_utf8(object.data())
        .map_err(|e| anyhow!("not UTF-8 (byte {})", e.valid_up_to()))?;
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str) -> anyhow::Result<Spec> {
        Spec::parse(name, Path::new("/base"))
    }

    #[test]
    fn a_name_splits_at_the_first_hash_and_the_next_colon() {
        let s = parse("git:/srv/security.git#refs/heads/main:sub/dir/registry.json").unwrap();
        assert_eq!(s.repo, PathBuf::from("/srv/security.git"));
        assert_eq!(s.rev, "refs/heads/main");
        assert_eq!(s.path, "sub/dir/registry.json");
        // A `#` or `:` in the path is the path's.
        let s = parse("git:/r#v1.0:a#b:c.json").unwrap();
        assert_eq!((s.rev.as_str(), s.path.as_str()), ("v1.0", "a#b:c.json"));
        assert_eq!(s.origin(), "git:/r#v1.0:a#b:c.json");
        // A leading `/` is the root of the tree.
        assert_eq!(
            parse("git:/r#main:/registry.json").unwrap().path,
            "registry.json"
        );
    }

    #[test]
    fn a_relative_repository_is_taken_from_the_base_and_home_is_expanded() {
        assert_eq!(
            parse("git:sec.git#main:r.json").unwrap().repo,
            PathBuf::from("/base/sec.git")
        );
        let home = std::env::var_os("HOME");
        if let Some(home) = home.filter(|h| !h.is_empty()) {
            let s = parse("git:~/sec.git#main:r.json").unwrap();
            assert_eq!(s.repo, PathBuf::from(home).join("sec.git"));
        }
    }

    #[test]
    fn incomplete_names_and_paths_leaving_the_tree_are_errors() {
        for bad in [
            "git:",
            "git:/r",
            "git:/r#main",
            "git:#main:r.json",
            "git:/r#:r.json",
            "git:/r#main:",
            "git:/r#main:/",
            "git:/r#main:a//b.json",
            "git:/r#main:../r.json",
            "git:/r#main:a/./r.json",
            "/plain/file.json",
        ] {
            let e = parse(bad).expect_err(bad).to_string();
            assert!(
                e.contains("git:REPO#REV:PATH") || e.contains("not a path"),
                "{bad}: {e}"
            );
        }
    }
}
