//! What `stat` says about a registry file when it is read ([`Stamp`]), and when that
//! alone vouches, later, that the file has not changed: git's racy-clean rule for its
//! index (see [`crate::load::cache`] for how the cache uses it).

use std::fs;
use std::time::{Duration, SystemTime};

use crate::engine::codec::Reader;

/// How long a registry file must have been left alone, before it was read for the cache,
/// for `stat` alone to vouch for it later: more than the coarsest file time granularity
/// in use (FAT's 2 s), with room for a kernel clock that lags the wall clock.
pub const SETTLE: Duration = Duration::from_secs(3);

/// Nanoseconds since the Unix epoch (negative before it).
pub(super) fn nanos(t: SystemTime) -> i128 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// Now, as [`Stamp`] records when a registry was looked at.
pub(super) fn now() -> i128 {
    nanos(SystemTime::now())
}

/// What `stat` says about a registry file, and when it was asked: enough to tell, later,
/// that the file has not changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    /// Modification and status change times, in nanoseconds since the epoch.
    mtime: i128,
    ctime: i128,
    /// When the `stat` was taken (see [`now`]), before the file was read.
    pub(super) seen: i128,
}

/// The size of a stamp in a cache file, whether there is one or not.
pub(super) const STAMP_BYTES: usize = 8 * 4 + 16 * 3;

impl Stamp {
    /// The stamp of a file from its metadata, looked at at `seen`. `None` where there is
    /// no inode to go by.
    #[cfg(unix)]
    pub(super) fn of(meta: &fs::Metadata, seen: i128) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt as _;
        let time = |s: i64, ns: i64| i128::from(s) * 1_000_000_000 + i128::from(ns);
        Some(Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: time(meta.mtime(), meta.mtime_nsec()),
            ctime: time(meta.ctime(), meta.ctime_nsec()),
            seen,
        })
    }

    #[cfg(not(unix))]
    pub(super) fn of(_meta: &fs::Metadata, _seen: i128) -> Option<Stamp> {
        None
    }

    /// Whether `stat` shows the same file, unchanged (whenever each was looked at).
    pub(super) fn same_file(&self, other: &Stamp) -> bool {
        (self.dev, self.ino, self.len, self.mtime, self.ctime)
            == (other.dev, other.ino, other.len, other.mtime, other.ctime)
    }

    /// Whether the file had been left alone for [`SETTLE`] when it was looked at, and,
    /// when given, before the cache file was `written`: then any later change moves its
    /// times.
    pub(super) fn settled(&self, written: Option<i128>) -> bool {
        let by = written.map_or(self.seen, |w| w.min(self.seen));
        // Saturating: a header is compared before its checksum is.
        let settle = SETTLE.as_nanos() as i128;
        self.mtime.max(self.ctime).saturating_add(settle) <= by
    }

    pub(super) fn write(stamp: Option<&Stamp>, out: &mut Vec<u8>) {
        let s = stamp.copied().unwrap_or(Stamp {
            dev: 0,
            ino: 0,
            len: 0,
            mtime: 0,
            ctime: 0,
            seen: 0,
        });
        out.extend_from_slice(&u64::from(stamp.is_some()).to_le_bytes());
        for v in [s.dev, s.ino, s.len] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [s.mtime, s.ctime, s.seen] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Option<Option<Stamp>> {
        let present = r.u64()?;
        let [dev, ino, len] = [r.u64()?, r.u64()?, r.u64()?];
        let [mtime, ctime, seen] = [r.u128()?, r.u128()?, r.u128()?].map(|v| v as i128);
        match present {
            0 => Some(None),
            1 => Some(Some(Stamp {
                dev,
                ino,
                len,
                mtime,
                ctime,
                seen,
            })),
            _ => None,
        }
    }
}
