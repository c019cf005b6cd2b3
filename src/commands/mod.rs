//! The entry points, one module per command; each returns an exit code or an error.

pub mod check;
pub mod commit_msg;
pub mod pre_receive;
pub mod registry_lint;

use anyhow::Context as _;

use crate::bounded::read_capped;

/// The largest message checked. A bigger one is refused (exit 2), not skimmed.
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// Reads a file, or standard input for `-`, refusing anything over the size limit.
pub fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        return read_capped(std::io::stdin().lock(), MAX_MESSAGE_BYTES, "standard input");
    }
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
    read_capped(file, MAX_MESSAGE_BYTES, &name)
}
