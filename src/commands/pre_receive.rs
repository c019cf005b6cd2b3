//! `embargo pre-receive`: the server-side backstop (contract §7): every new commit, ref
//! name and annotated tag of a push, read from git's quarantine; any error rejects.

use crate::cli::Context;

pub fn run(_ctx: &Context) -> anyhow::Result<i32> {
    anyhow::bail!("pre-receive is not implemented yet")
}
