//! Finding and reading the registry (contract §3), in the discovery order, from paths,
//! environment and git config only: never from a file inside a working tree, so a pull
//! request cannot switch its own check off. A path may name a file committed in a git
//! repository instead ([`git_registry`]).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};

use crate::bounded::read_capped;
use crate::load::git_registry;
use crate::load::stamp::{self, Stamp};

/// The largest registry read; anything bigger is a mistake, not a registry.
pub const MAX_REGISTRY_BYTES: u64 = 64 << 20;

/// A registry's text and the name it goes by in messages.
#[derive(Debug, Clone)]
pub struct Located {
    pub origin: String,
    pub text: String,
    /// True when the registry came from the `EMBARGO_REGISTRY_JSON` secret: its content
    /// is never echoed, not even by `registry lint`, because CI logs are public.
    pub from_secret: bool,
    /// What `stat` said about the registry file just before it was read (none for the
    /// secret), for the cache to tell later that the file has not changed.
    pub stamp: Option<Stamp>,
    /// The blob it was read from, for a registry named in git: its id names its content,
    /// so the cache is keyed by it.
    pub blob: Option<git2::Oid>,
}

/// Where the registry is, before it is read.
pub enum Found {
    File(PathBuf),
    Git(git_registry::Spec),
    Secret(String),
}

impl Found {
    /// A registry named by a path: a file, or `git:REPO#REV:PATH`, whose relative REPO is
    /// taken from `base` (`None`: the current directory), as a relative file path in the
    /// same setting is.
    fn named(name: PathBuf, base: Option<&Path>) -> anyhow::Result<Found> {
        match name.to_str() {
            Some(spec) if git_registry::is_spec(spec) => {
                let base = match base {
                    Some(base) => base.to_path_buf(),
                    None => std::env::current_dir().context("cannot read the current directory")?,
                };
                Ok(Found::Git(git_registry::Spec::parse(spec, &base)?))
            }
            _ => Ok(Found::File(name)),
        }
    }

    /// Reads the registry found; `repo` is the repository being checked, which a
    /// registry named in git may not be.
    pub fn read(self, repo: Option<&git2::Repository>) -> anyhow::Result<Located> {
        match self {
            Found::File(path) => read_path(&path),
            Found::Git(spec) => read_git(git_registry::resolve(spec, repo)?),
            Found::Secret(text) => Ok(Located {
                origin: "$EMBARGO_REGISTRY_JSON".to_string(),
                text,
                from_secret: true,
                stamp: None,
                blob: None,
            }),
        }
    }
}

/// Finds the registry: the first source that is set wins (§3).
pub fn locate(flag: Option<&Path>, repo: Option<&git2::Repository>) -> anyhow::Result<Located> {
    find(flag, repo)?.read(repo)
}

/// A registry given by its path alone (`registry lint PATH`): a file, or a `git:` name.
pub fn read_named(name: &Path) -> anyhow::Result<Located> {
    Found::named(name.to_path_buf(), None)?.read(None)
}

/// A registry named in git, resolved, read.
pub fn read_git(resolved: git_registry::Resolved) -> anyhow::Result<Located> {
    Ok(Located {
        origin: resolved.spec.origin(),
        text: resolved.read(MAX_REGISTRY_BYTES)?,
        from_secret: false,
        stamp: None,
        blob: Some(resolved.blob),
    })
}

/// Where the registry is, in the discovery order; reading it is left to the caller, whose
/// errors in reading it come next, as if nothing came between. A file that the repository
/// being checked tracks is refused (it is published with it); one inside its work tree
/// but untracked is used, with a warning.
pub fn find(flag: Option<&Path>, repo: Option<&git2::Repository>) -> anyhow::Result<Found> {
    let found = find_any(flag, repo)?;
    if let (Found::File(path), Some(repo)) = (&found, repo) {
        match published(path, repo)? {
            Inside::No => {}
            Inside::Untracked => eprintln!(
                "embargo: warning: the registry {} is inside the work tree of the repository \
                 being checked; keep it outside, where a commit cannot publish it",
                path.display()
            ),
            Inside::Tracked => bail!(
                "the registry {} is tracked by the repository being checked, so it is \
                 published with it; keep the registry outside it (see `Keeping the registry` \
                 in the README)",
                path.display()
            ),
        }
    }
    Ok(found)
}

enum Inside {
    No,
    Untracked,
    Tracked,
}

/// Whether `path` is inside `repo`'s work tree, and tracked there (in the index, in any
/// stage: the next commit publishes it). Judged by the path as given and by the file it
/// resolves to, so a symbolic link does not hide a file in the work tree.
fn published(path: &Path, repo: &git2::Repository) -> anyhow::Result<Inside> {
    let Some(workdir) = repo.workdir() else {
        return Ok(Inside::No);
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let given = lexical(&cwd.join(path));
    let mut candidates = vec![(workdir.to_path_buf(), given.clone())];
    if let (Ok(w), Ok(p)) = (workdir.canonicalize(), given.canonicalize()) {
        candidates.push((w, p));
    }
    let mut inside = Inside::No;
    for (workdir, file) in candidates {
        let Ok(relative) = file.strip_prefix(&workdir) else {
            continue;
        };
        // The index takes plain relative paths only (libgit2 panics on others).
        if relative.as_os_str().is_empty()
            || !relative
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        inside = Inside::Untracked;
        let index = repo
            .index()
            .context("cannot read the index of the repository being checked")?;
        if (0..=3).any(|stage| index.get_path(relative, stage).is_some()) {
            return Ok(Inside::Tracked);
        }
    }
    Ok(inside)
}

/// `path` with `.` and `..` taken away lexically, as a path given by a user reads.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn find_any(flag: Option<&Path>, repo: Option<&git2::Repository>) -> anyhow::Result<Found> {
    let mut looked = Vec::new();
    if let Some(path) = flag {
        return Found::named(path.to_path_buf(), None);
    }
    looked.push("--registry (not given)".to_string());
    match std::env::var_os("EMBARGO_REGISTRY") {
        Some(p) if !p.is_empty() => return Found::named(PathBuf::from(p), None),
        _ => looked.push("$EMBARGO_REGISTRY (unset)".to_string()),
    }
    match std::env::var("EMBARGO_REGISTRY_JSON") {
        Ok(text) if text.trim().is_empty() => bail!(
            "$EMBARGO_REGISTRY_JSON is set but empty: the registry secret is not available \
             to this job (pull requests from forks get no secrets); the check cannot run \
             without it and does not pass without it"
        ),
        Ok(text) => return Ok(Found::Secret(text)),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("$EMBARGO_REGISTRY_JSON is not valid UTF-8")
        }
        Err(std::env::VarError::NotPresent) => {
            looked.push("$EMBARGO_REGISTRY_JSON (unset)".to_string())
        }
    }
    match repo {
        Some(repo) => {
            let config = crate::git::config::get()?;
            // A `git:` name is taken as it is written: its REPO, not the whole value, is
            // the path that a relative value is taken from the git directory for.
            if let Some(name) = config
                .string("embargo.registry")?
                .filter(|v| git_registry::is_spec(v))
            {
                return Found::named(PathBuf::from(name), Some(repo.commondir()));
            }
            match config.path("embargo.registry", Some(repo.commondir()))? {
                Some(path) if path.as_os_str().is_empty() => {
                    bail!("git config embargo.registry is set but empty")
                }
                Some(path) => return Ok(Found::File(path)),
                None => looked.push("git config embargo.registry (unset)".to_string()),
            }
        }
        None => looked.push("git config embargo.registry (not in a repository)".to_string()),
    }
    match default_path() {
        Some(path) if path.exists() => return Ok(Found::File(path)),
        Some(path) => looked.push(format!("{} (no such file)", path.display())),
        None => looked.push("$XDG_CONFIG_HOME and $HOME (both unset)".to_string()),
    }
    Err(anyhow!(
        "no registry found; looked at: {}",
        looked.join(", ")
    ))
}

/// The registry as a file to edit in place: found in the discovery order, and only a
/// plain path will do (the secret is no file; a `git:` registry is edited by a commit).
pub fn locate_file(
    flag: Option<&Path>,
    repo: Option<&git2::Repository>,
) -> anyhow::Result<PathBuf> {
    match find(flag, repo)? {
        Found::Git(spec) => bail!(
            "registry {} is in a git repository and cannot be edited in place; edit it in a \
             clone of that repository and push",
            spec.origin()
        ),
        Found::File(path) => Ok(path),
        Found::Secret(_) => bail!(
            "the registry comes from $EMBARGO_REGISTRY_JSON, which is not a file and cannot be \
             edited; edit the file it is made from"
        ),
    }
}

/// `$XDG_CONFIG_HOME/embargo/registry.json`, else `~/.config/embargo/registry.json`.
pub fn default_path() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME") {
        Some(x) if !x.is_empty() && Path::new(&x).is_absolute() => PathBuf::from(x),
        _ => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".config"),
    };
    Some(base.join("embargo").join("registry.json"))
}

pub fn read_path(path: &Path) -> anyhow::Result<Located> {
    let origin = path.display().to_string();
    let meta = fs::metadata(path).with_context(|| format!("cannot read registry {origin}"))?;
    if meta.is_dir() {
        bail!("cannot read registry {origin}: it is a directory");
    }
    // Checked before opening as well, so a registry that is too large is named as such
    // without being read.
    if meta.len() > MAX_REGISTRY_BYTES {
        bail!(
            "registry {origin} is larger than {} MiB",
            MAX_REGISTRY_BYTES >> 20
        );
    }
    // Stamped before it is read, from the very file read: a change made while it is read
    // then shows in its `stat` next time.
    let seen = stamp::now();
    let file = fs::File::open(path).with_context(|| format!("cannot read registry {origin}"))?;
    let stamp = file.metadata().ok().and_then(|m| Stamp::of(&m, seen));
    let bytes = read_capped(file, MAX_REGISTRY_BYTES, &format!("registry {origin}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "registry {origin} is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(Located {
        origin,
        text,
        from_secret: false,
        stamp,
        blob: None,
    })
}
