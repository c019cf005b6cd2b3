//! Bounded reads of untrusted input (a registry, a message, a CI event file, a hook's
//! standard input): a reader is read to its end or to a limit, whichever comes first, so
//! hostile input cannot make a hook hold more than the limit in memory.

use std::io::Read;

use anyhow::{bail, Context as _};

/// Reads `reader` to its end, refusing more than `limit` bytes. `what` names the input in
/// errors: "cannot read {what}" when reading fails, "{what} is larger than {limit}" when
/// there is more than `limit` bytes (the limit in MiB when it is a whole number of them).
pub fn read_capped(reader: impl Read, limit: u64, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    // One byte more than allowed: enough to tell "exactly the limit" from "over it".
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what}"))?;
    if bytes.len() as u64 > limit {
        bail!("{what} is larger than {}", describe(limit));
    }
    Ok(bytes)
}

/// `64 MiB` for a whole number of MiB, `100 bytes` otherwise.
fn describe(limit: u64) -> String {
    const MIB: u64 = 1 << 20;
    if limit >= MIB && limit.is_multiple_of(MIB) {
        format!("{} MiB", limit / MIB)
    } else {
        format!("{limit} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit() {
        let data = [7u8; 100];
        assert_eq!(read_capped(&data[..], 100, "input").unwrap(), data);
        assert_eq!(read_capped(&data[..], 1000, "input").unwrap(), data);
        assert!(read_capped(&b""[..], 0, "input").unwrap().is_empty());
    }

    #[test]
    fn refuses_more_than_the_limit_naming_it() {
        let data = [7u8; 101];
        let err = read_capped(&data[..], 100, "the input").unwrap_err();
        assert_eq!(err.to_string(), "the input is larger than 100 bytes");
        let big = std::io::repeat(0).take((2 << 20) + 1);
        let err = read_capped(big, 2 << 20, "registry r.json").unwrap_err();
        assert_eq!(err.to_string(), "registry r.json is larger than 2 MiB");
    }

    #[test]
    fn a_failed_read_names_the_input() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("boom"))
            }
        }
        let err = read_capped(Broken, 10, "standard input").unwrap_err();
        assert_eq!(err.to_string(), "cannot read standard input");
    }
}
