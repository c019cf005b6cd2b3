//! Loading the registry, the one way every checking command does it: [`discovery`] finds
//! it (paths, environment, git config; [`git_registry`] reads one named in a git
//! repository), [`cache`] keeps it compiled between runs (with [`stamp`], what `stat` said
//! about it), and [`checker`] turns what was found into the engine's [`Checker`], from the
//! cache or by compiling.

pub mod cache;
pub mod discovery;
pub mod git_registry;
pub mod stamp;

use std::path::Path;

use anyhow::anyhow;

use crate::engine::registry::{self, Problem, Registry};
use crate::engine::verdict::Checker;
use discovery::{Found, Located};

/// Locates, parses and compiles the registry: what every checking command starts with.
pub fn checker(flag: Option<&Path>, repo: Option<&git2::Repository>) -> anyhow::Result<Checker> {
    let found = discovery::find(flag, repo)?;
    // A current compiled form skips parsing and compiling; any doubt about it, and the
    // registry is parsed and validated as if there were no cache (see `cache`). A file
    // that `stat` shows unchanged since it was compiled is not even read, nor is a blob
    // whose id is the one it was compiled from.
    let located = match found {
        Found::File(path) => {
            if let Some(checker) = cache::load_unread(&path) {
                return Ok(checker);
            }
            Found::File(path).read(repo)?
        }
        Found::Git(spec) => {
            let resolved = git_registry::resolve(spec, repo)?;
            if let Some(checker) = cache::load_blob(&resolved.spec.origin(), resolved.blob) {
                return Ok(checker);
            }
            discovery::read_git(resolved)?
        }
        secret => secret.read(repo)?,
    };
    if let Some(checker) = cache::load(&located) {
        return Ok(checker);
    }
    let registry = parse_redacted(&located)?;
    cache::compile(&located, registry)
        .map_err(|e| anyhow!("registry {} cannot be compiled: {e}", located.origin))
}

/// Parses a located registry; problems are summarised without registry content, for
/// paths where whoever reads the error may not hold the registry (hooks, CI).
pub fn parse_redacted(located: &Located) -> anyhow::Result<Registry> {
    registry::parse(&located.text, &located.origin)
        .map_err(|problems| redacted_error(&located.origin, &problems))
}

fn redacted_error(origin: &str, problems: &[Problem]) -> anyhow::Error {
    let first = problems
        .first()
        .map(Problem::redacted)
        .unwrap_or_else(|| "unknown problem".to_string());
    anyhow!(
        "registry {origin} is invalid ({} problem{}; first: {first}); run `embargo registry lint` to see them all",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    )
}
