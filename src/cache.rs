//! The compiled-registry cache: what a hook would otherwise redo on every commit.
//!
//! Parsing and validating a large registry and indexing its literals takes far longer
//! than checking one commit message, so the result is stored in
//! `$XDG_CACHE_HOME/embargo/` (default `~/.cache/embargo/`), one file per registry path,
//! and reused while it is provably current. A cache file is used only when all of these
//! hold, and any doubt means the registry is parsed as if there were no cache:
//!
//! * it was written by this very build of `embargo` (version, executable size and time);
//! * it records the registry's exact length and a 128-bit hash of its bytes, and both
//!   match the registry just read (the registry is always read: the cache never decides
//!   what the registry says, only how fast it is compiled);
//! * its content hashes to the recorded checksum, decodes without a single inconsistency,
//!   and the decoded issues hash to the fingerprint the compiled matcher was built from;
//! * on Unix, neither the file nor its directory can be written by group or others.
//!
//! A registry given as `$EMBARGO_REGISTRY_JSON` (a CI secret) is never cached: it is not
//! written to disk, and CI runs once per job anyway. Writing the cache is best effort
//! (a temporary file renamed into place, mode 0600): a read-only home only costs time.

use std::fs;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use time::Date;

use crate::discovery::Located;
use crate::matcher::{self, Matcher};
use crate::registry::{GenericMode, Issue, Policy, Registry, Severity};
use crate::verdict::Checker;

const MAGIC: &[u8; 8] = b"EMBARGO\x01";
/// Bumped whenever the layout changes (the build identity changes with every build too).
const FORMAT: u32 = 1;

/// A checker for the registry from its cache file, if there is a current one.
pub fn load(located: &Located) -> Option<Checker> {
    if located.from_secret {
        return None;
    }
    load_from(&cache_file(&located.origin)?, located)
}

fn load_from(path: &Path, located: &Located) -> Option<Checker> {
    let data = read_private(path)?;
    let (registry, fingerprint, matcher) = decode(&data, located)?;
    checker(registry, fingerprint, matcher).ok()
}

/// Compiles a parsed registry into a checker, and stores it for next time (best effort).
pub fn compile(located: &Located, registry: Registry) -> Result<Checker, String> {
    let matcher = Matcher::new(&registry.issues)?;
    let fingerprint = matcher::fingerprint(&registry.issues);
    if !located.from_secret {
        if let Some(path) = cache_file(&located.origin) {
            let _ = store(&path, located, &registry, fingerprint, &matcher);
        }
    }
    checker(registry, fingerprint, matcher)
}

/// The checker for a registry and its compiled matcher, provided the matcher was built
/// from exactly these issues; otherwise it is compiled afresh.
fn checker(registry: Registry, fingerprint: u128, matcher: Matcher) -> Result<Checker, String> {
    if fingerprint == matcher::fingerprint(&registry.issues) {
        Ok(Checker::from_parts(registry, matcher))
    } else {
        Checker::new(registry)
    }
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

fn read_private(path: &Path) -> Option<Bytes> {
    let dir = fs::metadata(path.parent()?).ok()?;
    let file = fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || !private(&meta) || !private(&dir) {
        return None;
    }
    let len = usize::try_from(meta.len()).ok()?;
    #[cfg(unix)]
    if let Some(region) = Region::map(&file, len) {
        return Some(Bytes::new(region));
    }
    let mut data = Vec::with_capacity(len);
    std::io::Read::read_to_end(&mut &file, &mut data).ok()?;
    Some(Bytes::from_vec(data))
}

fn store(
    path: &Path,
    located: &Located,
    registry: &Registry,
    fingerprint: u128,
    matcher: &Matcher,
) -> std::io::Result<()> {
    let Some(build) = build_id() else {
        return Ok(());
    };
    let mut w = Writer::new();
    encode_registry(&mut w, registry);
    w.u128(fingerprint);
    matcher.encode(&mut w);
    let payload = w.finish();

    let mut out = Vec::with_capacity(payload.len() + 128);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&(build.len() as u32).to_le_bytes());
    out.extend_from_slice(&build);
    out.extend_from_slice(&(located.text.len() as u64).to_le_bytes());
    out.extend_from_slice(&hash128(located.text.as_bytes()).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&hash128(&payload).to_le_bytes());
    out.extend_from_slice(&payload);

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

fn decode(data: &Bytes, located: &Located) -> Option<(Registry, u128, Matcher)> {
    let all = data.as_slice();
    let mut r = Reader::raw(all);
    if r.take(8)? != MAGIC || r.u32()? != FORMAT {
        return None;
    }
    let build_len = r.u32()? as usize;
    if r.take(build_len)? != build_id()?.as_slice() {
        return None;
    }
    let text = located.text.as_bytes();
    if r.u64()? != text.len() as u64 || r.u128()? != hash128(text) {
        return None;
    }
    let payload_len = r.u64()?;
    let checksum = r.u128()?;
    let start = all.len() - r.remaining();
    if (all.len() - start) as u64 != payload_len || hash128(&all[start..]) != checksum {
        return None;
    }
    let payload = data.slice(start..all.len());
    let mut r = Reader::new(&payload)?;
    let registry = decode_registry(&mut r, &located.origin)?;
    let fingerprint = r.u128()?;
    let matcher = Matcher::decode(&mut r, &registry.issues)?;
    r.rest()
        .is_empty()
        .then_some((registry, fingerprint, matcher))
}

fn encode_registry(w: &mut Writer, registry: &Registry) {
    // Destructured field by field: a new field fails to compile here until it is stored.
    let Registry {
        policy,
        issues,
        origin: _,
    } = registry;
    let Policy {
        level_notice_days,
        details_notice_days,
        generic,
        help,
    } = policy;
    w.u32(*level_notice_days);
    w.u32(*details_notice_days);
    w.u32(match generic {
        GenericMode::Off => 0,
        GenericMode::Warn => 1,
        GenericMode::Deny => 2,
    });
    w.opt_str(help.as_deref());
    w.u32(issues.len() as u32);
    for issue in issues {
        let Issue {
            id,
            severity,
            summary,
            aliases,
            terms,
            patterns,
            released,
            disclosed,
            line,
        } = issue;
        w.str(id);
        w.u32(match severity {
            Severity::Critical => 0,
            Severity::High => 1,
            Severity::Medium => 2,
            Severity::Low => 3,
            Severity::Untriaged => 4,
        });
        w.opt_str(summary.as_deref());
        for list in [aliases, terms, patterns] {
            w.u32(list.len() as u32);
            for s in list {
                w.str(s);
            }
        }
        for date in [released, disclosed] {
            match date {
                None => w.u32(0),
                Some(d) => {
                    w.u32(1);
                    w.u32(d.to_julian_day() as u32);
                }
            }
        }
        w.u64(*line as u64);
    }
}

fn decode_registry(r: &mut Reader<'_>, origin: &str) -> Option<Registry> {
    let level_notice_days = r.u32()?;
    let details_notice_days = r.u32()?;
    let generic = match r.u32()? {
        0 => GenericMode::Off,
        1 => GenericMode::Warn,
        2 => GenericMode::Deny,
        _ => return None,
    };
    let help = r.opt_str()?;
    let count = r.u32()? as usize;
    let mut issues = Vec::with_capacity(count.min(r.remaining()));
    for _ in 0..count {
        let id = r.str()?.to_string();
        let severity = match r.u32()? {
            0 => Severity::Critical,
            1 => Severity::High,
            2 => Severity::Medium,
            3 => Severity::Low,
            4 => Severity::Untriaged,
            _ => return None,
        };
        let summary = r.opt_str()?;
        let mut lists: [Vec<String>; 3] = Default::default();
        for list in &mut lists {
            let n = r.u32()? as usize;
            list.reserve_exact(n.min(r.remaining()));
            for _ in 0..n {
                list.push(r.str()?.to_string());
            }
        }
        let mut dates = [None, None];
        for date in &mut dates {
            *date = match r.u32()? {
                0 => None,
                1 => Some(Date::from_julian_day(r.u32()? as i32).ok()?),
                _ => return None,
            };
        }
        let line = usize::try_from(r.u64()?).ok()?;
        let [aliases, terms, patterns] = lists;
        let [released, disclosed] = dates;
        issues.push(Issue {
            id,
            severity,
            summary,
            aliases,
            terms,
            patterns,
            released,
            disclosed,
            line,
        });
    }
    Some(Registry {
        policy: Policy {
            level_notice_days,
            details_notice_days,
            generic,
            help,
        },
        issues,
        origin: origin.to_string(),
    })
}

/// Little-endian binary writer; strings go to one table so the reader checks UTF-8 once.
pub(crate) struct Writer {
    buf: Vec<u8>,
    strings: String,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer {
            buf: Vec::new(),
            strings: String::new(),
        }
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn u128(&mut self, v: u128) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.u64(self.strings.len() as u64);
        self.u64(s.len() as u64);
        self.strings.push_str(s);
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u32(0),
            Some(s) => {
                self.u32(1);
                self.str(s);
            }
        }
    }

    /// The string table, then the rest.
    pub(crate) fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.strings.len() + self.buf.len() + 8);
        out.extend_from_slice(&(self.strings.len() as u64).to_le_bytes());
        out.extend_from_slice(self.strings.as_bytes());
        out.extend_from_slice(&self.buf);
        out
    }
}

/// Reads what [`Writer`] wrote; every read is bounds-checked and returns `None` past the
/// end or on anything malformed.
pub(crate) struct Reader<'a> {
    /// What is being read, when it can be shared (see [`Reader::view`]).
    all: Option<&'a Bytes>,
    buf: &'a [u8],
    strings: &'a str,
}

impl<'a> Reader<'a> {
    fn raw(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            all: None,
            buf,
            strings: "",
        }
    }

    pub(crate) fn new(bytes: &'a Bytes) -> Option<Reader<'a>> {
        let mut r = Reader::raw(bytes.as_slice());
        r.all = Some(bytes);
        let n = usize::try_from(r.u64()?).ok()?;
        r.strings = std::str::from_utf8(r.take(n)?).ok()?;
        Some(r)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    /// Bytes left: a bound for any count read, so a corrupt count cannot reserve much.
    fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(crate) fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }

    /// What [`Writer::bytes`] wrote, shared rather than copied.
    pub(crate) fn view(&mut self) -> Option<Bytes> {
        let all = self.all?;
        let piece = self.bytes()?;
        let start = piece.as_ptr() as usize - all.as_slice().as_ptr() as usize;
        Some(all.slice(start..start + piece.len()))
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        let at = usize::try_from(self.u64()?).ok()?;
        let n = usize::try_from(self.u64()?).ok()?;
        self.strings.get(at..at.checked_add(n)?)
    }

    fn opt_str(&mut self) -> Option<Option<String>> {
        match self.u32()? {
            0 => Some(None),
            1 => Some(Some(self.str()?.to_string())),
            _ => None,
        }
    }
}

/// Bytes that can be shared without copying: a buffer, or a read-only mapping of a cache
/// file, kept alive as long as any part of it is in use.
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
    /// A private read-only mapping. Cache files are replaced by renaming, never rewritten
    /// in place, so a mapped file does not change under a running check.
    #[cfg(unix)]
    Mapped {
        ptr: *mut libc::c_void,
        len: usize,
    },
}

// The mapping is read-only and owned by this value alone.
#[cfg(unix)]
unsafe impl Send for Region {}
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

    /// Maps the whole file, its pages read in at once (no fault per page later).
    #[cfg(unix)]
    fn map(file: &fs::File, len: usize) -> Option<Region> {
        use std::os::unix::io::AsRawFd as _;
        if len == 0 {
            return None;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let flags = libc::MAP_PRIVATE | libc::MAP_POPULATE;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let flags = libc::MAP_PRIVATE;
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

    use crate::discovery::Located;
    use crate::verdict::Finding;

    fn located(text: &str) -> Located {
        Located {
            origin: "registry.json".to_string(),
            text: text.to_string(),
            from_secret: false,
        }
    }

    fn example() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/registry.example.json"
        );
        fs::read_to_string(path).unwrap()
    }

    /// Parses, compiles and stores, as `load_checker` does on a miss.
    fn compile_to(path: &Path, located: &Located) -> Checker {
        let registry = crate::registry::parse(&located.text, &located.origin).unwrap();
        let matcher = Matcher::new(&registry.issues).unwrap();
        let fingerprint = matcher::fingerprint(&registry.issues);
        store(path, located, &registry, fingerprint, &matcher).unwrap();
        checker(registry, fingerprint, matcher).unwrap()
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

    #[test]
    fn a_cached_checker_finds_what_a_fresh_one_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("embargo").join("r.bin");
        let loc = located(&example());
        let fresh = compile_to(&path, &loc);
        let cached = load_from(&path, &loc).expect("cache hit");
        assert_eq!(cached.registry(), fresh.registry());
        assert_eq!(findings(&cached), findings(&fresh));
        assert!(findings(&fresh).iter().filter(|f| !f.is_empty()).count() >= 4);
    }

    #[test]
    fn any_change_to_the_registry_misses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.bin");
        let text = example();
        compile_to(&path, &located(&text));
        assert!(load_from(&path, &located(&text)).is_some());
        let changed = text.replacen("chunk digest", "chunk digesT", 1);
        assert!(load_from(&path, &located(&changed)).is_none());
        assert!(load_from(&path, &located(&format!("{text} "))).is_none());
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
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut bad = good.clone();
            if round % 3 == 0 {
                bad.truncate(rng as usize % good.len());
            } else {
                let at = rng as usize % bad.len();
                bad[at] ^= 1 << (rng >> 61);
            }
            fs::write(&path, &bad).unwrap();
            assert!(load_from(&path, &loc).is_none(), "round {round}");
        }
    }

    #[test]
    fn decoding_damaged_indexes_never_panics() {
        // Below the checksum: whatever the bytes, decoding and matching do not panic.
        let registry = crate::registry::parse(&example(), "r").unwrap();
        let matcher = Matcher::new(&registry.issues).unwrap();
        let mut w = Writer::new();
        matcher.encode(&mut w);
        let good = w.finish();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut bad = good.clone();
            for _ in 0..1 + rng % 4 {
                let at = (rng >> 8) as usize % bad.len();
                bad[at] = bad[at].wrapping_add((rng >> 40) as u8 | 1);
                rng = rng.rotate_left(11);
            }
            let bytes = Bytes::from_vec(bad);
            if let Some(mut r) = Reader::new(&bytes) {
                if let Some(m) = Matcher::decode(&mut r, &registry.issues) {
                    for t in TEXTS {
                        m.find(&crate::normalize::Normalized::new(t));
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
        assert!(load_from(&path, &loc).is_none());
    }

    #[test]
    fn a_secret_registry_is_never_cached() {
        let loc = Located {
            from_secret: true,
            ..located(&example())
        };
        assert!(load(&loc).is_none());
        // `compile` works as usual and writes nothing (no cache path is even computed).
        let registry = crate::registry::parse(&loc.text, &loc.origin).unwrap();
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

    #[test]
    fn writer_and_reader_round_trip() {
        let mut w = Writer::new();
        w.u32(7);
        w.str("héllo");
        w.bytes(b"xy");
        w.u128(5);
        let buf = Bytes::from_vec(w.finish());
        let mut r = Reader::new(&buf).unwrap();
        assert_eq!(r.u32(), Some(7));
        assert_eq!(r.str(), Some("héllo"));
        assert_eq!(r.bytes(), Some(&b"xy"[..]));
        assert_eq!(r.u128(), Some(5));
        assert!(r.rest().is_empty());
        // Truncated input reads as None, never panics.
        for n in 0..buf.as_slice().len() {
            let part = buf.slice(0..n);
            if let Some(mut r) = Reader::new(&part) {
                let _ = (r.u32(), r.str(), r.bytes(), r.u128());
            }
        }
    }
}
