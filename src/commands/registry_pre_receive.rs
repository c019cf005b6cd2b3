//! `embargo registry pre-receive [--file PATH]`: the hook of the security team's own
//! registry repository. It refuses any push that would leave the registry file invalid
//! or missing on a pushed branch, with `registry lint`'s report: whoever pushes there
//! holds the registry, so issue ids may be shown.

use std::io::Write as _;

use anyhow::{anyhow, Context as _};

use crate::commands::pre_receive::{parse_updates, Update};
use crate::commands::registry_lint;
use crate::git::repo;
use crate::load::discovery::MAX_REGISTRY_BYTES;
use crate::load::git_registry;
use crate::report::{EXIT_ERROR, EXIT_OK};

/// Standard input larger than this is refused: git sends one short line per ref.
const MAX_INPUT_BYTES: u64 = 64 << 20;

/// The file guarded when none is named.
pub const DEFAULT_FILE: &str = "registry.json";

pub fn run(file: &str) -> anyhow::Result<i32> {
    // The same rule as for the PATH of a `git:` registry name, which points at this file.
    let file = git_registry::tree_path(file).ok_or_else(|| {
        anyhow!("--file `{file}`: give the file's path inside the repository's tree, such as registry.json")
    })?;
    let input =
        crate::bounded::read_capped(std::io::stdin().lock(), MAX_INPUT_BYTES, "standard input")?;
    let updates = parse_updates(&input)?;
    // The pushed objects are still in git's quarantine: read them through it.
    let hook = repo::open_for_hook()?;
    let mut stderr = std::io::stderr().lock();
    let mut refused = Vec::new();
    for update in updates.iter().filter(|u| guarded(u)) {
        let origin = format!("{}:{file}", update.name);
        let verdict = match blob_text(&hook.repo, update, &file) {
            Ok(text) => registry_lint::lint(&text, &origin),
            Err(e) => Err(vec![registry_lint::problem(&origin, format!("{e:#}"))]),
        };
        match verdict {
            Ok(n) => {
                let _ = writeln!(
                    stderr,
                    "embargo: {origin}: valid registry, {n} issue{}",
                    if n == 1 { "" } else { "s" }
                );
            }
            Err(problems) => {
                for line in registry_lint::human_lines(&origin, &problems, true) {
                    let _ = writeln!(stderr, "{line}");
                }
                refused.push(update.name.as_str());
            }
        }
    }
    if refused.is_empty() {
        return Ok(EXIT_OK);
    }
    let _ = writeln!(
        stderr,
        "embargo: push refused: {file} would be invalid on {}; fix it and push again",
        refused.join(", ")
    );
    Ok(EXIT_ERROR)
}

/// Branches that the push leaves in place: the registry must be valid on each. Tags and
/// other refs are not read by anyone as the registry's current state; a deleted branch
/// leaves nothing to check.
fn guarded(update: &Update) -> bool {
    update.name.starts_with("refs/heads/") && !update.is_deletion()
}

/// The text of `file` in the commit the branch is to point at.
fn blob_text(repo: &git2::Repository, update: &Update, file: &str) -> anyhow::Result<String> {
    let oid = git2::Oid::from_str(&update.new).context("bad object id")?;
    let commit = repo
        .find_object(oid, None)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| {
            anyhow!(
                "{} does not point at a commit ({})",
                update.name,
                e.message()
            )
        })?;
    let blob = git_registry::file_in(&commit, file)?;
    git_registry::read_blob(repo, blob, MAX_REGISTRY_BYTES).map_err(|e| anyhow!("`{file}`: {e}"))
}
