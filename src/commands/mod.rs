//! The entry points, one module per command; each returns an exit code or an error.

pub mod check;
pub mod check_text;
pub mod commit_msg;
pub mod notice;
pub mod pre_receive;
pub mod registry_edit;
pub mod registry_lint;
pub mod registry_status;

use std::io::Read;

use anyhow::{bail, Context as _};

/// The largest message checked. A bigger one is refused (exit 2), not skimmed.
pub const MAX_MESSAGE_BYTES: u64 = 64 << 20;

/// Reads a file, or standard input for `-`, refusing anything over the size limit.
pub fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let name = path.display().to_string();
    let mut bytes = Vec::new();
    if name == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_MESSAGE_BYTES + 1)
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
        file.take(MAX_MESSAGE_BYTES + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {name}"))?;
    }
    if bytes.len() as u64 > MAX_MESSAGE_BYTES {
        bail!(
            "{name} is larger than {} MiB; refusing to check it",
            MAX_MESSAGE_BYTES >> 20
        );
    }
    Ok(bytes)
}
