//! The bytes of the compiled form: shared read-only bytes ([`Shared`]), a little-endian
//! [`Writer`] and a bounds-checked [`Reader`], and the flat layouts (a header of u64
//! counts, then sections of little-endian words) that the literal index and the issue
//! table are read from where they lie. Everything works over `&[u8]`: where the bytes
//! come from (a buffer, a mapped file) is the caller's business.

use std::ops::Range;
use std::sync::Arc;

/// Read-only bytes shared without copying, kept alive as long as any part of them is in
/// use: a buffer, or anything else that holds bytes (the cache hands in a mapped file).
#[derive(Clone)]
pub struct Shared {
    backing: Arc<dyn AsRef<[u8]> + Send + Sync>,
    range: Range<usize>,
}

impl Shared {
    /// Bytes held by `backing`, all of them.
    pub fn new(backing: impl AsRef<[u8]> + Send + Sync + 'static) -> Shared {
        let len = backing.as_ref().len();
        Shared {
            backing: Arc::new(backing),
            range: 0..len,
        }
    }

    pub fn from_vec(data: Vec<u8>) -> Shared {
        Shared::new(data)
    }

    pub fn as_slice(&self) -> &[u8] {
        &(*self.backing).as_ref()[self.range.clone()]
    }

    /// A part of these bytes (`range` relative to them).
    pub fn slice(&self, range: Range<usize>) -> Shared {
        assert!(range.start <= range.end && range.end <= self.range.len());
        Shared {
            backing: Arc::clone(&self.backing),
            range: self.range.start + range.start..self.range.start + range.end,
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Shared({} bytes)", self.range.len())
    }
}

/// A string, owned or shared with the bytes it was read from: a cached pattern's text
/// stays where it lies until the pattern is compiled.
#[derive(Clone)]
pub(crate) struct SharedStr(Shared);

impl SharedStr {
    /// Bytes that are UTF-8, as the caller has checked (a table's text cut at character
    /// boundaries); `None` if they are not after all.
    pub(crate) fn new(bytes: Shared) -> Option<SharedStr> {
        std::str::from_utf8(bytes.as_slice()).ok()?;
        Some(SharedStr(bytes))
    }

    pub(crate) fn as_str(&self) -> &str {
        // Made only from a `String`, or from bytes checked to be UTF-8 in `new`.
        std::str::from_utf8(self.0.as_slice()).expect("a shared string is UTF-8")
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr(Shared::from_vec(s.into_bytes()))
    }
}

impl std::fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedStr({} bytes)", self.0.as_slice().len())
    }
}

/// Little-endian binary writer; strings go to one table so the reader checks UTF-8 once.
pub struct Writer {
    buf: Vec<u8>,
    strings: String,
}

impl Default for Writer {
    fn default() -> Writer {
        Writer::new()
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer {
            buf: Vec::new(),
            strings: String::new(),
        }
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub fn str(&mut self, s: &str) {
        self.u64(self.strings.len() as u64);
        self.u64(s.len() as u64);
        self.strings.push_str(s);
    }

    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u32(0),
            Some(s) => {
                self.u32(1);
                self.str(s);
            }
        }
    }

    /// The string table, then the rest.
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.strings.len() + self.buf.len() + 8);
        out.extend_from_slice(&(self.strings.len() as u64).to_le_bytes());
        out.extend_from_slice(self.strings.as_bytes());
        out.extend_from_slice(&self.buf);
        out
    }
}

/// Reads what [`Writer`] wrote; every read is bounds-checked and returns `None` past the
/// end or on anything malformed.
pub struct Reader<'a> {
    /// What is being read, when it can be shared (see [`Reader::view`]).
    all: Option<&'a Shared>,
    buf: &'a [u8],
    strings: &'a str,
}

impl<'a> Reader<'a> {
    /// A reader of plain words, without a string table (a file header).
    pub fn raw(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            all: None,
            buf,
            strings: "",
        }
    }

    /// A reader of what [`Writer::finish`] returned.
    pub fn new(bytes: &'a Shared) -> Option<Reader<'a>> {
        let mut r = Reader::raw(bytes.as_slice());
        r.all = Some(bytes);
        let n = usize::try_from(r.u64()?).ok()?;
        r.strings = std::str::from_utf8(r.take(n)?).ok()?;
        Some(r)
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.buf)
    }

    /// Bytes left: a bound for any count read, so a corrupt count cannot reserve much.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u64()?).ok()?;
        self.take(n)
    }

    /// What [`Writer::bytes`] wrote, shared rather than copied.
    pub fn view(&mut self) -> Option<Shared> {
        let all = self.all?;
        let piece = self.bytes()?;
        let start = piece.as_ptr() as usize - all.as_slice().as_ptr() as usize;
        Some(all.slice(start..start + piece.len()))
    }

    pub fn str(&mut self) -> Option<&'a str> {
        let at = usize::try_from(self.u64()?).ok()?;
        let n = usize::try_from(self.u64()?).ok()?;
        self.strings.get(at..at.checked_add(n)?)
    }

    pub fn opt_str(&mut self) -> Option<Option<String>> {
        match self.u32()? {
            0 => Some(None),
            1 => Some(Some(self.str()?.to_string())),
            _ => None,
        }
    }
}

/// Flat layouts: a header of u64 counts, then sections of little-endian words, read
/// where they lie. Every access is bounds-checked.
pub(crate) mod layout {
    use std::ops::Range;

    /// The little-endian u32 at index `i` of a section.
    pub(crate) fn u32_at(section: &[u8], i: usize) -> u32 {
        u32::from_le_bytes(section[4 * i..4 * i + 4].try_into().unwrap())
    }

    /// The little-endian u64 at index `i` of a section.
    pub(crate) fn u64_at(section: &[u8], i: usize) -> u64 {
        u64::from_le_bytes(section[8 * i..8 * i + 8].try_into().unwrap())
    }

    /// The `N` u64 counts a layout starts with. None can exceed the bytes there are, so
    /// arithmetic on them cannot overflow.
    pub(crate) fn header<const N: usize>(bytes: &[u8]) -> Option<[usize; N]> {
        let words = bytes.get(..8 * N)?;
        let mut header = [0usize; N];
        for (i, h) in header.iter_mut().enumerate() {
            *h = usize::try_from(u64_at(words, i)).ok()?;
        }
        header.iter().all(|&v| v <= bytes.len()).then_some(header)
    }

    /// The sections of these sizes, one after the other after a header of `words` u64s;
    /// they must end exactly where the bytes do.
    pub(crate) fn sections<const N: usize>(
        bytes: &[u8],
        words: usize,
        sizes: [usize; N],
    ) -> Option<[Range<usize>; N]> {
        let mut sections: [Range<usize>; N] = std::array::from_fn(|_| 0..0);
        let mut at = 8 * words;
        for (section, size) in sections.iter_mut().zip(sizes) {
            *section = at..at.checked_add(size)?;
            at = section.end;
        }
        (at == bytes.len()).then_some(sections)
    }

    /// Whether the u32s of `section` (at least one) rise from 0 to `last` without falling:
    /// every pair compared, branch-free, so that the check vectorizes.
    pub(crate) fn monotonic(section: &[u8], last: usize) -> bool {
        let words = section.chunks_exact(4).map(|w| u32_at(w, 0));
        let next = section.get(4..).unwrap_or_default().chunks_exact(4);
        let falls = words
            .zip(next)
            .fold(false, |bad, (a, b)| bad | (u32_at(b, 0) < a));
        let first = section.get(..4).map(|w| u32_at(w, 0));
        let end = section
            .len()
            .checked_sub(4)
            .map(|at| u32_at(&section[at..], 0));
        !falls && first == Some(0) && end.map(|e| e as usize) == Some(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_and_reader_round_trip() {
        let mut w = Writer::new();
        w.u32(7);
        w.str("héllo");
        w.bytes(b"xy");
        w.u64(5);
        let buf = Shared::from_vec(w.finish());
        let mut r = Reader::new(&buf).unwrap();
        assert_eq!(r.u32(), Some(7));
        assert_eq!(r.str(), Some("héllo"));
        assert_eq!(r.bytes(), Some(&b"xy"[..]));
        assert_eq!(r.u64(), Some(5));
        assert!(r.rest().is_empty());
        // Truncated input reads as None, never panics.
        for n in 0..buf.as_slice().len() {
            let part = buf.slice(0..n);
            if let Some(mut r) = Reader::new(&part) {
                let _ = (r.u32(), r.str(), r.bytes(), r.u64());
            }
        }
    }
}
