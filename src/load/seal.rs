//! Who may vouch for a compiled-registry cache file: the files and directories it lies
//! in, and a key that only the current user can read.
//!
//! A cache file decides nothing about the registry, but a forged one could say that a
//! registry with issues has none. So a cache is trusted only when nobody else could have
//! written it:
//!
//! * the cache root (`$XDG_CACHE_HOME`, else `~/.cache`), every directory below it down
//!   to the file, and the file itself are owned by the current user or by root, and none
//!   of them is writable by group or others: as git's `safe.directory` and ssh's
//!   `StrictModes` reason, whoever can write a directory can replace what is in it;
//! * its content carries a MAC, BLAKE3 in keyed mode, under a per-user secret: 32 random
//!   bytes in `key` beside the cache files, created with mode 0600 and held to the same
//!   rules (and readable by nobody else, or it is no secret). An outsider who can read the
//!   cache, and knows its format, still cannot write one that passes.
//!
//! Anything doubtful (a directory someone else owns, a key that cannot be read or made)
//! means no cache for this run: the registry is compiled as if there were none.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// A MAC's length in bytes.
pub(crate) const MAC_BYTES: usize = blake3::OUT_LEN;

/// The current user's cache directory and its key, both found trustworthy.
pub(crate) struct Seal {
    dir: PathBuf,
    key: [u8; blake3::KEY_LEN],
}

impl Seal {
    /// The seal of `dir` (`root/embargo`), checking `root`, `dir` and its key and making
    /// the directory and the key when they are missing. `None` when any of them is
    /// someone else's to change.
    pub(crate) fn open(root: &Path, dir: &Path) -> Option<Seal> {
        if dir.parent() != Some(root) {
            return None;
        }
        // Made when missing, private (as the XDG base directory rules ask of the root).
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        // The root may be a link (a home's `.cache` often is): what it leads to is checked.
        let stat = |d: &Path| {
            if d == root {
                fs::metadata(d)
            } else {
                fs::symlink_metadata(d)
            }
        };
        for d in [root, dir] {
            let meta = match stat(d) {
                Ok(meta) => meta,
                Err(_) => {
                    builder.create(d).ok()?;
                    stat(d).ok()?
                }
            };
            if !meta.is_dir() || !trusted(&meta) {
                return None;
            }
        }
        let key = read_key(&dir.join("key")).or_else(|| make_key(dir))?;
        Some(Seal {
            dir: dir.to_path_buf(),
            key,
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The MAC of `data` under this user's key.
    pub(crate) fn mac(&self, data: &[u8]) -> [u8; MAC_BYTES] {
        *blake3::keyed_hash(&self.key, data).as_bytes()
    }

    /// Whether `mac` is the MAC of `data` (compared in constant time).
    pub(crate) fn verify(&self, data: &[u8], mac: &[u8]) -> bool {
        <[u8; MAC_BYTES]>::try_from(mac)
            .is_ok_and(|mac| blake3::keyed_hash(&self.key, data) == blake3::Hash::from(mac))
    }

    /// Whether an open cache file can be trusted as to who wrote it.
    pub(crate) fn trusts_file(&self, meta: &fs::Metadata) -> bool {
        meta.is_file() && trusted(meta)
    }
}

/// Owned by the current user or root, and writable by neither group nor others.
#[cfg(unix)]
fn trusted(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    (meta.uid() == me || meta.uid() == 0) && meta.mode() & 0o022 == 0
}

#[cfg(not(unix))]
fn trusted(_meta: &fs::Metadata) -> bool {
    true
}

/// The key in `path`, when it is a regular file of exactly the key's length that only
/// its owner, the current user (or root), can read or write.
fn read_key(path: &Path) -> Option<[u8; blake3::KEY_LEN]> {
    let mut file = open_no_follow(path)?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || !trusted(&meta) || meta.len() != blake3::KEY_LEN as u64 {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.mode() & 0o077 != 0 {
            return None;
        }
    }
    let mut key = [0u8; blake3::KEY_LEN];
    file.read_exact(&mut key).ok()?;
    Some(key)
}

fn open_no_follow(path: &Path) -> Option<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path).ok()
}

/// Makes this user's key: random bytes written to a private temporary file, then linked
/// into place, which fails if another process made one first (that one is then read).
fn make_key(dir: &Path) -> Option<[u8; blake3::KEY_LEN]> {
    let mut key = [0u8; blake3::KEY_LEN];
    fs::File::open("/dev/urandom")
        .ok()?
        .read_exact(&mut key)
        .ok()?;
    let tmp = dir.join(format!(".key-{}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut f| std::io::Write::write_all(&mut f, &key));
    let linked = written.and_then(|_| fs::hard_link(&tmp, dir.join("key")));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Some(key),
        Err(_) => read_key(&dir.join("key")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn chmod(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_key_is_made_once_and_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("embargo");
        let a = Seal::open(root.path(), &dir).unwrap();
        let b = Seal::open(root.path(), &dir).unwrap();
        assert_eq!(a.key, b.key, "the second run reads the key the first made");
        assert_ne!(a.key, [0; 32]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.join("key")), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
        let mac = a.mac(b"payload");
        assert!(b.verify(b"payload", &mac));
        assert!(!b.verify(b"payload!", &mac));
        assert!(!b.verify(b"payload", &mac[..31]));
    }

    #[cfg(unix)]
    #[test]
    fn anything_others_can_write_or_read_is_not_trusted() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("embargo");
        assert!(Seal::open(root.path(), &dir).is_some());
        // The key readable by others: no secret.
        chmod(&dir.join("key"), 0o644);
        assert!(Seal::open(root.path(), &dir).is_none());
        chmod(&dir.join("key"), 0o600);
        // The directory or the cache root writable by others.
        chmod(&dir, 0o777);
        assert!(Seal::open(root.path(), &dir).is_none());
        chmod(&dir, 0o700);
        chmod(root.path(), 0o775);
        assert!(Seal::open(root.path(), &dir).is_none());
        chmod(root.path(), 0o755);
        // A key of the wrong length, or a link to one.
        fs::write(dir.join("key"), b"short").unwrap();
        assert!(Seal::open(root.path(), &dir).is_none());
        fs::remove_file(dir.join("key")).unwrap();
        let elsewhere = root.path().join("other-key");
        fs::write(&elsewhere, [7u8; 32]).unwrap();
        chmod(&elsewhere, 0o600);
        std::os::unix::fs::symlink(&elsewhere, dir.join("key")).unwrap();
        assert!(Seal::open(root.path(), &dir).is_none());
        // A directory that is a link is not the directory.
        fs::remove_file(dir.join("key")).unwrap();
        let real = root.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(&real, &dir).unwrap();
        assert!(Seal::open(root.path(), &dir).is_none());
    }

    #[test]
    fn two_users_keys_differ() {
        let (r1, r2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let a = Seal::open(r1.path(), &r1.path().join("embargo")).unwrap();
        let b = Seal::open(r2.path(), &r2.path().join("embargo")).unwrap();
        assert!(!b.verify(b"x", &a.mac(b"x")));
    }
}
