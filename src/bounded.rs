//! Bounded reads of untrusted input (a registry, a message, a CI event file, a hook's
//! standard input): a reader is read to its end or to a limit, whichever comes first, so
//! hostile input cannot make a hook hold more than the limit in memory; and a path is
//! read only when it is a regular file, so it cannot block a hook or never end.

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context as _};

/// Opens `path` for reading when it is a regular file; anything else (a FIFO, a device
/// such as `/dev/zero`, a socket, a directory) is refused with its kind named. The open
/// itself does not block (a FIFO opened to read would wait for a writer), and the check
/// is made on the open file, so nothing swapped in after a `stat` gets through.
pub fn open_regular(path: &Path, what: &str) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    // Without effect on a regular file: reading one never blocks.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options
        .open(path)
        .with_context(|| format!("cannot read {what}"))?;
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {what}"))?;
    regular(&meta, what)?;
    Ok(file)
}

/// An error naming what `meta` is, unless it is a regular file.
pub fn regular(meta: &Metadata, what: &str) -> anyhow::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let kind = if meta.is_dir() {
        "it is a directory"
    } else {
        file_kind(meta)
    };
    bail!("cannot read {what}: {kind}")
}

#[cfg(unix)]
fn file_kind(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_fifo() {
        "it is a FIFO, not a regular file"
    } else if t.is_char_device() || t.is_block_device() {
        "it is a device, not a regular file"
    } else if t.is_socket() {
        "it is a socket, not a regular file"
    } else {
        "it is not a regular file"
    }
}

#[cfg(not(unix))]
fn file_kind(_meta: &Metadata) -> &'static str {
    "it is not a regular file"
}

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

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_opened_and_a_fifo_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        assert!(open_regular(&file, "the file").is_ok());
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = open_regular(&fifo, "the registry").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read the registry: it is a FIFO, not a regular file"
        );
        let err = open_regular(Path::new("/dev/zero"), "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read x: it is a device, not a regular file"
        );
        let err = open_regular(dir.path(), "x").unwrap_err();
        assert_eq!(err.to_string(), "cannot read x: it is a directory");
    }
}
