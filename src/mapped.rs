//! Read-only bytes shared without copying: a buffer, or a file mapped into memory (the
//! compiled-registry cache, git's pack files). Everything unsafe about mappings is here.
//!
//! It stays at the top level, not under `git/`: the cache maps its files too, and the
//! cache is not git.

use std::fs;
use std::ops::Range;
use std::sync::Arc;

/// Bytes that can be shared without copying: a buffer, or a read-only mapping of a file,
/// kept alive as long as any part of it is in use.
#[derive(Clone)]
pub(crate) struct Bytes {
    region: Arc<Region>,
    range: Range<usize>,
}

impl Bytes {
    fn new(region: Region) -> Bytes {
        let len = region.as_slice().len();
        Bytes {
            region: Arc::new(region),
            range: 0..len,
        }
    }

    pub(crate) fn from_vec(data: Vec<u8>) -> Bytes {
        Bytes::new(Region::Owned(data))
    }

    /// The whole file, mapped where the platform can (read into memory otherwise);
    /// `populate` reads every page in at once, for a file that will be read whole.
    /// `None` for an empty or unreadable file.
    pub(crate) fn map(file: &fs::File, populate: bool) -> Option<Bytes> {
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        if len == 0 {
            return None;
        }
        #[cfg(unix)]
        if let Some(region) = Region::map(file, len, populate) {
            return Some(Bytes::new(region));
        }
        let _ = populate;
        let mut data = Vec::with_capacity(len);
        std::io::Read::read_to_end(&mut &*file, &mut data).ok()?;
        Some(Bytes::from_vec(data))
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.region.as_slice()[self.range.clone()]
    }

    /// A part of these bytes (`range` relative to them).
    pub(crate) fn slice(&self, range: Range<usize>) -> Bytes {
        assert!(range.start <= range.end && range.end <= self.range.len());
        Bytes {
            region: Arc::clone(&self.region),
            range: self.range.start + range.start..self.range.start + range.end,
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.range.len())
    }
}

enum Region {
    Owned(Vec<u8>),
    /// A private read-only mapping. The files mapped (cache files, git's packs and
    /// indexes) are replaced by renaming, never rewritten in place, so a mapped file does
    /// not change under a running check.
    #[cfg(unix)]
    Mapped {
        ptr: *mut libc::c_void,
        len: usize,
    },
}

// SAFETY: the mapping is read-only (PROT_READ, MAP_PRIVATE) and owned by this value
// alone; moving it to another thread moves sole ownership of the pages with it.
#[cfg(unix)]
unsafe impl Send for Region {}
// SAFETY: nothing writes through the pointer after `mmap` returns, so shared references
// from several threads only ever read the same immutable bytes.
#[cfg(unix)]
unsafe impl Sync for Region {}

impl Region {
    fn as_slice(&self) -> &[u8] {
        match self {
            Region::Owned(v) => v,
            // SAFETY: `ptr` is a live mapping of `len` readable bytes until `drop`.
            #[cfg(unix)]
            Region::Mapped { ptr, len } => unsafe {
                std::slice::from_raw_parts(*ptr as *const u8, *len)
            },
        }
    }

    /// Maps the whole file; with `populate`, its pages are read in at once (no fault per
    /// page later).
    #[cfg(unix)]
    fn map(file: &fs::File, len: usize, populate: bool) -> Option<Region> {
        use std::os::unix::io::AsRawFd as _;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let flags = if populate {
            libc::MAP_PRIVATE | libc::MAP_POPULATE
        } else {
            libc::MAP_PRIVATE
        };
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let flags = {
            let _ = populate;
            libc::MAP_PRIVATE
        };
        // SAFETY: a fresh mapping of an open file; the result is checked.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                flags,
                file.as_raw_fd(),
                0,
            )
        };
        (ptr != libc::MAP_FAILED).then_some(Region::Mapped { ptr, len })
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Region::Mapped { ptr, len } = *self {
            // SAFETY: unmaps the mapping made in `map`, which nothing uses any more.
            unsafe {
                libc::munmap(ptr, len);
            }
        }
    }
}
