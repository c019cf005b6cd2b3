//! The compiled-registry cache: what a hook would otherwise redo on every commit.
//!
//! Parsing and validating a large registry and indexing its literals takes far longer
//! than checking one commit message, so the result is stored in
//! `$XDG_CACHE_HOME/embargo/` (default `~/.cache/embargo/`), one file per registry path,
//! and reused while it is provably current. A cache file is used only when all of these
//! hold, and any doubt means the registry is parsed as if there were no cache:
//!
//! * it was written by this very build of `embargo` (version, executable size and time);
//! * it is for the registry as it is now, by one of two tests (the cache never decides
//!   what the registry says, only how fast it is compiled):
//!   - *unread*: `stat` shows the very file the cache was compiled from (device, inode,
//!     size, modification and change times, all to the nanosecond), and that file had
//!     been left alone for [`SETTLE`](super::stamp::SETTLE) both when it was looked at
//!     to be compiled and when the cache file was written — git's own racy-clean rule
//!     for its index. A file changed within that window could be changed again without
//!     its times moving (coarse timestamps), so it is not trusted on `stat` alone; a
//!     change made later always moves them. The change time cannot be set back, so a
//!     rewrite that restores the size and modification time is still seen;
//!   - *read*: otherwise the registry is read, and its length and a 128-bit hash of its
//!     bytes must match those recorded. A match whose `stat` had moved (a `touch`, a copy
//!     of the same content) records the new `stat` once the file has settled, so the
//!     next run need not read it again;
//! * its content hashes to the recorded checksum and decodes without a single
//!   inconsistency: the literal index and the issue table are checked through when they
//!   are loaded, though each issue is decoded only when a finding needs it;
//! * on Unix, neither the file nor its directory can be written by group or others.
//!
//! What is in the payload is the engine's business ([`Checker::encode`]); this module
//! keeps only the file around it (header, stamp, checksum), its private I/O and mapping,
//! and the rules above.
//!
//! A registry given as `$EMBARGO_REGISTRY_JSON` (a CI secret) is never cached: it is not
//! written to disk, and CI runs once per job anyway. Writing the cache is best effort
//! (a temporary file renamed into place, mode 0600): a read-only home only costs time.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::engine::codec::{Reader, Shared};
use crate::engine::registry::Registry;
use crate::engine::verdict::Checker;
use crate::load::discovery::Located;
use crate::load::stamp::{nanos, Stamp, STAMP_BYTES};
use crate::mapped::Bytes;

const MAGIC: &[u8; 8] = b"EMBARGO\x01";
/// Bumped whenever the layout changes (the build identity changes with every build too).
const FORMAT: u32 = 3;

/// A checker for the registry file at `registry` from its cache file, without reading
/// the registry: only when `stat` shows it unchanged and settled (see the module
/// documentation). `None` otherwise; the registry is then read, and [`load`] compares
/// its content.
pub fn load_unread(registry: &Path) -> Option<Checker> {
    load_unread_from(&cache_file(&registry.display().to_string())?, registry)
}

/// A checker for a registry named in git, from its cache file, when that was compiled from
/// this very blob: a blob id names its content, so the blob is not read.
pub fn load_blob(origin: &str, blob: git2::Oid) -> Option<Checker> {
    load_from(&cache_file(origin)?, origin, Current::Blob(blob))
}

fn load_unread_from(path: &Path, registry: &Path) -> Option<Checker> {
    let current = Stamp::of(&fs::metadata(registry).ok()?, 0)?;
    let origin = registry.display().to_string();
    load_from(path, &origin, Current::Unread(current))
}

/// A checker for a registry that has been read, from its cache file, if there is a
/// current one.
pub fn load(located: &Located) -> Option<Checker> {
    if located.from_secret {
        return None;
    }
    let path = cache_file(&located.origin)?;
    load_from(&path, &located.origin, Current::Read(located))
}

/// What the cache file is checked against.
#[derive(Clone, Copy)]
enum Current<'a> {
    /// The registry file's `stat`, taken now.
    Unread(Stamp),
    /// The id of the blob a registry named in git is now.
    Blob(git2::Oid),
    Read(&'a Located),
}

fn load_from(path: &Path, origin: &str, current: Current<'_>) -> Option<Checker> {
    let (data, written) = read_private(path)?;
    let all = data.as_slice();
    let head = Head::read(all)?;
    // The cheap comparisons first: a stale cache file is not hashed.
    let unread_ok = |stamp: &Stamp| {
        head.stamp
            .is_some_and(|s| s.same_file(stamp) && s.settled(written))
    };
    match current {
        Current::Unread(stamp) if !unread_ok(&stamp) => return None,
        Current::Unread(_) => {}
        Current::Blob(blob) if head.text_hash != blob_key(blob) => return None,
        Current::Blob(_) => {}
        Current::Read(located) => {
            let text = located.text.as_bytes();
            if head.text_len != text.len() as u64 || head.text_hash != content_key(located) {
                return None;
            }
        }
    }
    if hash128(&all[head.body..]) != head.checksum {
        return None;
    }
    let checker = Checker::decode(
        &Shared::new(Mapped(data.slice(head.payload..all.len()))),
        origin,
    )?;
    if let Current::Read(Located {
        stamp: Some(stamp), ..
    }) = current
    {
        // Same content, but `stat` could not tell: record the registry's `stat` now, once
        // it is settled, so that the next run is spared reading it (git refreshes its
        // index the same way).
        if !unread_ok(stamp) && stamp.settled(None) {
            let payload = &all[head.payload..];
            let _ = write_file(path, head.text_len, head.text_hash, Some(stamp), payload);
        }
    }
    Some(checker)
}

/// A cache file, mapped, as the engine's shared bytes: the issues and the literal index
/// are read where they lie in it.
struct Mapped(Bytes);

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// Compiles a parsed registry into a checker, and stores it for next time (best effort).
pub fn compile(located: &Located, registry: Registry) -> Result<Checker, String> {
    let checker = Checker::new(registry)?;
    if !located.from_secret {
        if let Some(path) = cache_file(&located.origin) {
            let _ = store(&path, located, &checker);
        }
    }
    Ok(checker)
}

/// `$XDG_CACHE_HOME/embargo`, else `~/.cache/embargo`.
pub fn cache_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(x) if !x.is_empty() && Path::new(&x).is_absolute() => PathBuf::from(x),
        _ => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".cache"),
    };
    Some(base.join("embargo"))
}

/// One file per registry path (the content is checked anyway; the name only keeps two
/// registries from taking turns evicting each other).
fn cache_file(origin: &str) -> Option<PathBuf> {
    let canonical = fs::canonicalize(origin).unwrap_or_else(|_| PathBuf::from(origin));
    let key = hash128(canonical.to_string_lossy().as_bytes()) as u64;
    Some(cache_dir()?.join(format!("registry-{key:016x}.bin")))
}

/// This build of the program: its version, and the size and modification time of the
/// running executable. `None` when the executable cannot be identified: no cache then.
fn build_id() -> Option<Vec<u8>> {
    let exe = std::env::current_exe().ok()?;
    let meta = fs::metadata(exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut id = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
    id.extend_from_slice(&meta.len().to_le_bytes());
    id.extend_from_slice(&modified.as_nanos().to_le_bytes());
    Some(id)
}

#[cfg(unix)]
fn private(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o022 == 0
}

#[cfg(not(unix))]
fn private(_meta: &fs::Metadata) -> bool {
    true
}

/// The cache file's bytes, and when it was written (`None` if that is unknown).
fn read_private(path: &Path) -> Option<(Bytes, Option<i128>)> {
    let dir = fs::metadata(path.parent()?).ok()?;
    let file = fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || !private(&meta) || !private(&dir) {
        return None;
    }
    let written = meta.modified().ok().map(nanos);
    // Read whole at once (the checksum covers all of it): its pages are read in together.
    Some((Bytes::map(&file, true)?, written))
}

/// A cache file's header:
///
/// `MAGIC`, `FORMAT` (u32), the build id (u32 length, bytes), the registry's length (u64)
/// and hash (u128), then the *body*'s length (u64) and checksum (u128), and the body: the
/// registry's [`Stamp`] (`STAMP_BYTES`, the first u64 saying whether there is one) and
/// the payload ([`encode`]).
struct Head {
    text_len: u64,
    text_hash: u128,
    checksum: u128,
    stamp: Option<Stamp>,
    /// Where the body and the payload start.
    body: usize,
    payload: usize,
}

impl Head {
    fn read(all: &[u8]) -> Option<Head> {
        let mut r = Reader::raw(all);
        if r.take(8)? != MAGIC || r.u32()? != FORMAT {
            return None;
        }
        let build_len = r.u32()? as usize;
        if r.take(build_len)? != build_id()?.as_slice() {
            return None;
        }
        let text_len = r.u64()?;
        let text_hash = r.u128()?;
        let body_len = r.u64()?;
        let checksum = r.u128()?;
        if body_len != r.remaining() as u64 {
            return None;
        }
        let body = all.len() - r.remaining();
        let stamp = Stamp::read(&mut r)?;
        Some(Head {
            text_len,
            text_hash,
            checksum,
            stamp,
            body,
            payload: body + STAMP_BYTES,
        })
    }
}

fn store(path: &Path, located: &Located, checker: &Checker) -> std::io::Result<()> {
    // A registry too large for the table's 32-bit offsets is compiled every time.
    let Some(payload) = checker.encode() else {
        return Ok(());
    };
    let text = located.text.as_bytes();
    let stamp = located.stamp.as_ref();
    write_file(
        path,
        text.len() as u64,
        content_key(located),
        stamp,
        &payload,
    )
}

/// What a cache file records of the registry's content: the hash of its text, or for a
/// registry named in git the blob id, which names the text already.
fn content_key(located: &Located) -> u128 {
    located
        .blob
        .map_or_else(|| hash128(located.text.as_bytes()), blob_key)
}

fn blob_key(blob: git2::Oid) -> u128 {
    let mut h = Hasher128::new();
    h.write(b"git blob ");
    h.write(blob.as_bytes());
    h.finish()
}

fn write_file(
    path: &Path,
    text_len: u64,
    text_hash: u128,
    stamp: Option<&Stamp>,
    payload: &[u8],
) -> std::io::Result<()> {
    let Some(build) = build_id() else {
        return Ok(());
    };
    let mut body_head = Vec::with_capacity(STAMP_BYTES);
    Stamp::write(stamp, &mut body_head);
    let mut checksum = Hasher128::new();
    checksum.write(&body_head);
    checksum.write(payload);

    let mut out = Vec::with_capacity(payload.len() + 256);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(build.len() as u32).to_le_bytes());
    out.extend_from_slice(&build);
    out.extend_from_slice(&text_len.to_le_bytes());
    out.extend_from_slice(&text_hash.to_le_bytes());
    out.extend_from_slice(&((body_head.len() + payload.len()) as u64).to_le_bytes());
    out.extend_from_slice(&checksum.finish().to_le_bytes());
    out.extend_from_slice(&body_head);
    out.extend_from_slice(payload);

    let dir = path.parent().expect("cache file has a directory");
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".tmp-{}-{nanos}", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options
        .open(&tmp)
        // No fsync: a file left torn by a crash fails its checksum and is rebuilt.
        .and_then(|mut f| f.write_all(&out))
        .and_then(|_| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A fast 128-bit non-cryptographic hash: four independent multiply-rotate lanes over
/// 32-byte blocks (several GB/s), finished with full-avalanche mixing. It detects change,
/// not malice: whoever can write the registry can write the cache as well.
pub(crate) struct Hasher128 {
    lanes: [u64; 4],
    pending: [u8; 32],
    pending_len: usize,
    total: u64,
}

const PRIMES: [u64; 4] = [
    0x9E37_79B1_85EB_CA87,
    0xC2B2_AE3D_27D4_EB4F,
    0x1656_67B1_9E37_79F9,
    0x85EB_CA77_C2B2_AE63,
];

fn fmix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

impl Hasher128 {
    pub(crate) fn new() -> Hasher128 {
        Hasher128 {
            lanes: [PRIMES[0], PRIMES[1], PRIMES[2], PRIMES[3]],
            pending: [0; 32],
            pending_len: 0,
            total: 0,
        }
    }

    #[inline]
    fn block(lanes: &mut [u64; 4], block: &[u8]) {
        for (i, lane) in lanes.iter_mut().enumerate() {
            let w = u64::from_le_bytes(block[i * 8..i * 8 + 8].try_into().unwrap());
            *lane = (*lane ^ w).wrapping_mul(PRIMES[i]).rotate_left(31);
        }
    }

    pub(crate) fn write(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.pending_len > 0 {
            let n = (32 - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + n].copy_from_slice(&data[..n]);
            self.pending_len += n;
            data = &data[n..];
            if self.pending_len < 32 {
                return;
            }
            let block = self.pending;
            Self::block(&mut self.lanes, &block);
            self.pending_len = 0;
        }
        let mut blocks = data.chunks_exact(32);
        for b in &mut blocks {
            Self::block(&mut self.lanes, b);
        }
        let rest = blocks.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    pub(crate) fn finish(mut self) -> u128 {
        if self.pending_len > 0 {
            let mut block = [0u8; 32];
            block[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
            Self::block(&mut self.lanes, &block);
        }
        let [a, b, c, d] = self.lanes;
        let t = self.total;
        let hi = fmix(a ^ fmix(b.wrapping_add(t)) ^ c.rotate_left(17) ^ fmix(d));
        let lo =
            fmix(b ^ fmix(c ^ t.rotate_left(32)) ^ d.rotate_left(29) ^ fmix(a.wrapping_add(hi)));
        (u128::from(hi) << 64) | u128::from(lo)
    }
}

pub(crate) fn hash128(data: &[u8]) -> u128 {
    let mut h = Hasher128::new();
    h.write(data);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::{Duration, SystemTime};

    use crate::engine::codec::layout::u32_at;
    use crate::engine::codec::Writer;
    use crate::engine::compiled::payload;
    use crate::engine::matcher::Matcher;
    use crate::engine::registry::table::{IssueTable, TABLE_ENDS, TABLE_FIRSTS, TABLE_TEXT};
    use crate::engine::registry::{Issues, Severity};
    use crate::engine::verdict::Finding;
    use crate::load::discovery::{self, Located};

    fn located(text: &str) -> Located {
        Located {
            origin: "registry.json".to_string(),
            text: text.to_string(),
            from_secret: false,
            stamp: None,
            blob: None,
        }
    }

    fn example() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/registry.example.json"
        );
        fs::read_to_string(path).unwrap()
    }

    /// A registry of `n` issues with every kind of field, present and absent, and text
    /// that is not ASCII.
    fn generated(n: usize) -> String {
        let severities = ["critical", "high", "medium", "low", "untriaged"];
        let issues: Vec<String> = (0..n)
            .map(|i| {
                let mut fields = vec![format!("\"id\": \"GX-{i:05}\"")];
                if i % 6 != 5 {
                    fields.push(format!("\"severity\": \"{}\"", severities[i % 5]));
                }
                if i % 4 != 0 {
                    fields.push(format!(
                        "\"summary\": \"Zusammenfassung {i}: Größe ≠ ½ — ✓\""
                    ));
                }
                let aliases: Vec<String> =
                    (0..i % 4).map(|k| format!("\"CVE-2030-{i}{k}\"")).collect();
                fields.push(format!("\"aliases\": [{}]", aliases.join(", ")));
                let terms: Vec<String> = (0..i % 3)
                    .map(|k| format!("\"ключ{i} утечка{k} word{i}x{k}\""))
                    .collect();
                fields.push(format!("\"terms\": [{}]", terms.join(", ")));
                if i % 7 == 0 {
                    fields.push(format!(
                        "\"patterns\": [\"gx{i}q\\\\s+(?:in|of)\\\\s+\\\\w+\", \"zq{i}é+\"]"
                    ));
                }
                if i % 3 == 0 {
                    fields.push(format!(
                        "\"released\": \"2026-{:02}-{:02}\"",
                        1 + i % 12,
                        1 + i % 28
                    ));
                }
                if i % 5 == 0 {
                    fields.push("\"disclosed\": \"2025-12-31\"".to_string());
                }
                if i % 4 == 2 {
                    fields.push(format!("\"fixed_in\": \"v{i}.0\""));
                }
                format!("    {{{}}}", fields.join(", "))
            })
            .collect();
        format!(
            "{{\"version\": 1, \"policy\": {{\"generic\": \"deny\"}}, \"issues\": [\n{}\n]}}\n",
            issues.join(",\n")
        )
    }

    /// Parses, compiles and stores, as `load::checker` does on a miss.
    fn compile_to(path: &Path, located: &Located) -> Checker {
        let registry = crate::engine::registry::parse(&located.text, &located.origin).unwrap();
        let checker = Checker::new(registry).unwrap();
        store(path, located, &checker).unwrap();
        checker
    }

    fn load_read(path: &Path, located: &Located) -> Option<Checker> {
        load_from(path, &located.origin, Current::Read(located))
    }

    const TEXTS: &[&str] = &[
        "fix the chunk digest comparison",
        "Fixes SX-2026-011 and cve 2026 41873.",
        "prevent queue  takeover via proxy; r\u{0430}tchet header replay",
        "symlinked manifest outside the tree, a security fix",
        "nothing to see here",
    ];

    fn findings(c: &Checker) -> Vec<Vec<Finding>> {
        let day = time::macros::date!(2026 - 11 - 28);
        TEXTS.iter().map(|t| c.check(t, day)).collect()
    }

    fn xorshift(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }

    const LATER: Duration = Duration::from_secs(10);

    /// The registry file read as `load::checker` reads it, but as if that happened
    /// [`LATER`] after its last change (a test cannot wait that long, nor set a change
    /// time back).
    fn read_settled(registry: &Path) -> Located {
        let mut located = discovery::read_path(registry).unwrap();
        let stamp = located.stamp.as_mut().expect("a stamp on Unix");
        stamp.seen += LATER.as_nanos() as i128;
        located
    }

    /// Dates the cache file [`LATER`] than now, as if it had been written then.
    fn written_later(cache: &Path) {
        let file = fs::File::options().write(true).open(cache).unwrap();
        file.set_modified(SystemTime::now() + LATER).unwrap();
    }

    /// A registry file and its cache, written as if the registry had been left alone
    /// long enough before it was compiled.
    fn settled_cache(dir: &Path, text: &str) -> (PathBuf, PathBuf, Checker) {
        let registry = dir.join("registry.json");
        fs::write(&registry, text).unwrap();
        let cache = dir.join("cache").join("r.bin");
        let fresh = compile_to(&cache, &read_settled(&registry));
        written_later(&cache);
        (registry, cache, fresh)
    }

    #[test]
    fn a_cached_checker_finds_what_a_fresh_one_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("embargo").join("r.bin");
        let loc = located(&example());
        let fresh = compile_to(&path, &loc);
        let cached = load_read(&path, &loc).expect("cache hit");
        assert_eq!(cached.registry(), fresh.registry());
        assert_eq!(findings(&cached), findings(&fresh));
        assert!(findings(&fresh).iter().filter(|f| !f.is_empty()).count() >= 4);
    }

    #[test]
    fn a_blob_is_known_by_its_id_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bin");
        let [a, b] = ["1", "2"].map(|d| git2::Oid::from_str(&d.repeat(40)).unwrap());
        let loc = Located {
            blob: Some(a),
            ..located(&example())
        };
        let fresh = compile_to(&path, &loc);
        let cached = load_from(&path, &loc.origin, Current::Blob(a)).expect("hit");
        assert_eq!(findings(&cached), findings(&fresh));
        assert!(load_from(&path, &loc.origin, Current::Blob(b)).is_none());
        // The key is the blob's: the same text read from a file is not taken for it.
        assert!(load_read(&path, &located(&example())).is_none());
    }

    #[test]
    fn any_change_to_the_registry_misses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bin");
        let text = example();
        compile_to(&path, &located(&text));
        assert!(load_read(&path, &located(&text)).is_some());
        let changed = text.replacen("chunk digest", "chunk digesT", 1);
        assert!(load_read(&path, &located(&changed)).is_none());
        assert!(load_read(&path, &located(&format!("{text} "))).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn an_unchanged_settled_registry_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let (registry, cache, fresh) = settled_cache(dir.path(), &example());
        // `load_unread_from` has the registry's path only, and `stat`s it.
        let cached = load_unread_from(&cache, &registry).expect("hit on stat alone");
        assert_eq!(cached.registry().origin, registry.display().to_string());
        // Nothing is decoded to load, and only the issues mentioned to check.
        assert_eq!(cached.registry().issues.decoded(), 0);
        let day = time::macros::date!(2026 - 11 - 28);
        assert!(cached.check("nothing to see here", day).is_empty());
        assert_eq!(cached.registry().issues.decoded(), 0);
        assert_eq!(cached.check("fix the chunk digest", day).len(), 1);
        assert_eq!(cached.registry().issues.decoded(), 1);
        assert_eq!(findings(&cached), findings(&fresh));
        assert_eq!(cached.registry(), fresh.registry());
        // Another registry file, however alike, is not this one.
        let copy = dir.path().join("copy.json");
        fs::copy(&registry, &copy).unwrap();
        assert!(load_unread_from(&cache, &copy).is_none());
        assert!(load_unread_from(&cache, &dir.path().join("gone.json")).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_rewrite_that_keeps_the_size_and_restores_the_mtime_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let text = example();
        let (registry, cache, _) = settled_cache(dir.path(), &text);
        assert!(load_unread_from(&cache, &registry).is_some());
        let before = fs::metadata(&registry).unwrap();
        let changed = text.replacen("chunk digest", "chunk digesT", 1);
        assert_eq!(changed.len(), text.len());
        // Past the coarsest clock tick, so that the change time can move.
        std::thread::sleep(Duration::from_millis(30));

        // In place: same inode, same size, the modification time put back.
        fs::write(&registry, &changed).unwrap();
        let file = fs::File::options().write(true).open(&registry).unwrap();
        file.set_modified(before.modified().unwrap()).unwrap();
        let after = fs::metadata(&registry).unwrap();
        assert_eq!(after.len(), before.len());
        assert_eq!(after.modified().unwrap(), before.modified().unwrap());
        assert!(load_unread_from(&cache, &registry).is_none(), "ctime moved");
        assert!(
            load_read(&cache, &read_settled(&registry)).is_none(),
            "content"
        );

        // Renamed into place: another inode.
        let other = dir.path().join("new.json");
        fs::write(&other, &text).unwrap();
        let file = fs::File::options().write(true).open(&other).unwrap();
        file.set_modified(before.modified().unwrap()).unwrap();
        fs::rename(&other, &registry).unwrap();
        assert!(load_unread_from(&cache, &registry).is_none(), "inode");
        // The content is the cached one again: a hit once read.
        assert!(load_read(&cache, &read_settled(&registry)).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_racy_registry_is_verified_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let text = example();
        let registry = dir.path().join("registry.json");
        fs::write(&registry, &text).unwrap();
        let cache = dir.path().join("r.bin");

        // Changed just before it was read for the cache: `stat` cannot vouch for it.
        let located = discovery::read_path(&registry).unwrap();
        compile_to(&cache, &located);
        written_later(&cache);
        assert!(load_unread_from(&cache, &registry).is_none());
        assert!(load_read(&cache, &located).is_some());

        // Settled when read, but the cache file says it was written just now, and the
        // earlier of the two counts.
        compile_to(&cache, &read_settled(&registry));
        assert!(load_unread_from(&cache, &registry).is_none());
        written_later(&cache);
        assert!(load_unread_from(&cache, &registry).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_content_hit_records_the_new_stat() {
        let dir = tempfile::tempdir().unwrap();
        let (registry, cache, _) = settled_cache(dir.path(), &example());
        // Touched: the same content, another modification time.
        let file = fs::File::options().write(true).open(&registry).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(60))
            .unwrap();
        assert!(load_unread_from(&cache, &registry).is_none());
        // Racy when read: a hit, but nothing is recorded.
        let cached_at = fs::metadata(&cache).unwrap().modified().unwrap();
        assert!(load_read(&cache, &discovery::read_path(&registry).unwrap()).is_some());
        assert_eq!(fs::metadata(&cache).unwrap().modified().unwrap(), cached_at);
        // Settled when read: a hit that records the new `stat`.
        assert!(load_read(&cache, &read_settled(&registry)).is_some());
        written_later(&cache);
        assert!(load_unread_from(&cache, &registry).is_some());
    }

    #[test]
    fn cached_issues_decode_to_what_parsing_gives() {
        for text in [example(), generated(1500)] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("r.bin");
            let loc = located(&text);
            let fresh = compile_to(&path, &loc);
            let cached = load_read(&path, &loc).expect("cache hit");
            let issues = &cached.registry().issues;
            assert_eq!(issues.decoded(), 0);
            assert_eq!(issues.len(), fresh.registry().issues.len());
            // Out of order, one at a time, then all.
            for i in (0..issues.len()).rev().step_by(7) {
                assert_eq!(issues[i], fresh.registry().issues[i], "issue {i}");
            }
            assert!(issues.get(issues.len()).is_none());
            assert_eq!(cached.registry(), fresh.registry());
            assert_eq!(issues.decoded(), issues.len());
            assert_eq!(findings(&cached), findings(&fresh));
        }
        // The generated registry has every kind of field, present and absent.
        let registry = crate::engine::registry::parse(&generated(1500), "r").unwrap();
        let issues = &registry.issues;
        assert!(
            issues.iter().any(|i| i.summary.is_none())
                && issues.iter().any(|i| i.summary.is_some())
        );
        assert!(
            issues.iter().any(|i| i.patterns.len() == 2)
                && issues.iter().any(|i| i.disclosed.is_some())
        );
        assert!(
            issues.iter().any(|i| i.fixed_in.is_some())
                && issues.iter().any(|i| i.fixed_in.is_none())
        );
        assert!(issues.iter().any(|i| i.severity == Severity::Untriaged));
        let table = IssueTable::from_bytes(Shared::from_vec(IssueTable::encode(issues).unwrap()));
        let table = table.expect("a table checks");
        assert!((0..table.len()).all(|i| table.issue(i).as_ref() == Some(&issues[i])));
    }

    /// A cache file around an issue table as given, under a checksum that fits it.
    fn store_table(path: &Path, loc: &Located, table: &[u8]) {
        let registry = crate::engine::registry::parse(&loc.text, &loc.origin).unwrap();
        let matcher = Matcher::new(&registry.issues).unwrap();
        let payload = payload(&registry.policy, table, &matcher);
        let text = loc.text.as_bytes();
        write_file(path, text.len() as u64, hash128(text), None, &payload).unwrap();
    }

    #[test]
    fn a_damaged_issue_table_misses_and_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bin");
        let text = generated(60);
        let loc = located(&text);
        let registry = crate::engine::registry::parse(&text, "r").unwrap();
        let good = IssueTable::encode(&registry.issues).unwrap();
        store_table(&path, &loc, &good);
        assert!(load_read(&path, &loc).is_some());
        let table = IssueTable::from_bytes(Shared::from_vec(good.clone())).unwrap();
        let (ends, firsts) = (
            table.sections[TABLE_ENDS].clone(),
            table.sections[TABLE_FIRSTS].clone(),
        );
        let set = |bytes: &mut Vec<u8>, at: usize, v: u32| {
            bytes[at..at + 4].copy_from_slice(&v.to_le_bytes())
        };
        let get = |bytes: &[u8], at: usize| u32_at(&bytes[at..], 0);

        // The per-issue offset table out of order, past the strings, or not from 0;
        // a string end out of order or inside a character.
        let mut damaged = Vec::new();
        for k in [1, 2, 30, 59] {
            let at = firsts.start + 4 * k;
            let mut bad = good.clone();
            set(&mut bad, at, get(&good, at + 4) + 1);
            damaged.push(bad);
            let mut bad = good.clone();
            set(&mut bad, at, get(&good, at - 4).wrapping_sub(1));
            damaged.push(bad);
        }
        let mut bad = good.clone();
        set(&mut bad, firsts.start, 1);
        damaged.push(bad);
        let mut bad = good.clone();
        set(&mut bad, firsts.end - 4, get(&good, firsts.end - 4) + 1);
        damaged.push(bad);
        let mut bad = good.clone();
        set(&mut bad, ends.start + 40, get(&good, ends.start + 48));
        damaged.push(bad);
        let multibyte = (ends.start..ends.end)
            .step_by(4)
            .find(|&at| {
                let end = get(&good, at) as usize;
                table
                    .section(TABLE_TEXT)
                    .get(end + 1)
                    .is_some_and(|b| b & 0xC0 == 0x80)
            })
            .expect("a string before a multibyte character");
        let mut bad = good.clone();
        set(&mut bad, multibyte, get(&good, multibyte) + 1);
        damaged.push(bad);
        for (k, bad) in damaged.iter().enumerate() {
            assert!(
                IssueTable::from_bytes(Shared::from_vec(bad.clone())).is_none(),
                "damage {k}"
            );
            store_table(&path, &loc, bad);
            assert!(load_read(&path, &loc).is_none(), "damage {k}");
        }

        // Anything at all below the checksum: a miss, or issues that all decode.
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut bad = good.clone();
            for _ in 0..1 + xorshift(&mut rng) % 3 {
                let at = xorshift(&mut rng) as usize % bad.len();
                bad[at] ^= 1 << (xorshift(&mut rng) % 8);
            }
            if let Some(table) = IssueTable::from_bytes(Shared::from_vec(bad)) {
                let issues = Issues::cached(table);
                assert_eq!(issues.iter().count(), issues.len());
                for i in 0..issues.len() + 1 {
                    for k in 0..3 {
                        let _ = issues.pattern(i, k).map(|p| p.as_str().len());
                    }
                }
            }
        }
    }

    #[test]
    fn a_damaged_cache_misses_and_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bin");
        let loc = located(&example());
        compile_to(&path, &loc);
        let good = fs::read(&path).unwrap();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        for round in 0..300 {
            xorshift(&mut rng);
            let mut bad = good.clone();
            if round % 3 == 0 {
                bad.truncate(rng as usize % good.len());
            } else {
                let at = rng as usize % bad.len();
                bad[at] ^= 1 << (rng >> 61);
            }
            fs::write(&path, &bad).unwrap();
            assert!(load_read(&path, &loc).is_none(), "round {round}");
        }
    }

    #[test]
    fn decoding_damaged_indexes_never_panics() {
        // Below the checksum: whatever the bytes, decoding and matching do not panic.
        let registry = crate::engine::registry::parse(&example(), "r").unwrap();
        let matcher = Matcher::new(&registry.issues).unwrap();
        let mut w = Writer::new();
        matcher.encode(&mut w);
        let good = w.finish();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            xorshift(&mut rng);
            let mut bad = good.clone();
            for _ in 0..1 + rng % 4 {
                let at = (rng >> 8) as usize % bad.len();
                bad[at] = bad[at].wrapping_add((rng >> 40) as u8 | 1);
                rng = rng.rotate_left(11);
            }
            let bytes = Shared::from_vec(bad);
            if let Some(mut r) = Reader::new(&bytes) {
                if let Some(m) = Matcher::decode(&mut r, &registry.issues) {
                    for t in TEXTS {
                        m.find(&crate::engine::normalize::Normalized::new(t));
                    }
                }
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_others_can_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bin");
        let loc = located(&example());
        compile_to(&path, &loc);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o620)).unwrap();
        assert!(load_read(&path, &loc).is_none());
    }

    #[test]
    fn a_secret_registry_is_never_cached() {
        let loc = Located {
            from_secret: true,
            ..located(&example())
        };
        assert!(load(&loc).is_none());
        // `compile` works as usual and writes nothing (no cache path is even computed).
        let registry = crate::engine::registry::parse(&loc.text, &loc.origin).unwrap();
        assert!(compile(&loc, registry).is_ok());
    }

    #[test]
    fn hash_sees_every_byte_and_the_length() {
        let base = vec![7u8; 1000];
        let h = hash128(&base);
        for at in [0, 1, 31, 32, 500, 999] {
            let mut changed = base.clone();
            changed[at] ^= 1;
            assert_ne!(hash128(&changed), h, "byte {at}");
        }
        assert_ne!(hash128(&base[..999]), h);
        assert_ne!(hash128(b""), hash128(b"\0"));
        // Hashing in pieces is the same as hashing at once.
        let mut s = Hasher128::new();
        for piece in base.chunks(7) {
            s.write(piece);
        }
        assert_eq!(s.finish(), h);
    }
}
