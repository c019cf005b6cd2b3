//! Finding and reading the registry (contract §3), in the discovery order, from paths,
//! environment and git config only: never from a file inside a working tree, so a pull
//! request cannot switch its own check off.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};

use crate::bounded::read_capped;
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
}

/// Where the registry is, before it is read.
pub enum Found {
    File(PathBuf),
    Secret(String),
}

impl Found {
    /// Reads the registry found.
    pub fn read(self) -> anyhow::Result<Located> {
        match self {
            Found::File(path) => read_path(&path),
            Found::Secret(text) => Ok(Located {
                origin: "$EMBARGO_REGISTRY_JSON".to_string(),
                text,
                from_secret: true,
                stamp: None,
            }),
        }
    }
}

/// Finds the registry: the first source that is set wins (§3).
pub fn locate(flag: Option<&Path>, repo: Option<&git2::Repository>) -> anyhow::Result<Located> {
    find(flag, repo)?.read()
}

/// Where the registry is, in the discovery order; reading it is left to the caller, whose
/// errors in reading it come next, as if nothing came between.
pub fn find(flag: Option<&Path>, repo: Option<&git2::Repository>) -> anyhow::Result<Found> {
    let mut looked = Vec::new();
    if let Some(path) = flag {
        return Ok(Found::File(path.to_path_buf()));
    }
    looked.push("--registry (not given)".to_string());
    match std::env::var_os("EMBARGO_REGISTRY") {
        Some(p) if !p.is_empty() => return Ok(Found::File(PathBuf::from(p))),
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
            match crate::git::config::get()?.path("embargo.registry", Some(repo.commondir()))? {
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
        Found::File(path) if path.to_string_lossy().starts_with("git:") => bail!(
            "registry {} is in a git repository and cannot be edited in place; edit it in a \
             clone of that repository and push",
            path.display()
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
    })
}
