//! `embargo check [REVISIONS...]`: commit messages of a revision range, or in CI the pull
//! request, merge request or push being built (contract §7).

use crate::cli::Context;

pub fn run(_ctx: &Context, _revisions: &[String]) -> anyhow::Result<i32> {
    anyhow::bail!("check is not implemented yet")
}
