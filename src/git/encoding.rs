//! Text of a commit or tag in its declared `encoding`, decoded exactly as git decodes it
//! for `git log`: through the system's iconv, to UTF-8.
//!
//! git hands the `encoding` header's value to `iconv_open` unchanged (retrying once
//! with `UTF-8` for a spelling of UTF-8 and `ISO-8859-1` for `latin-1`), so it reads
//! UTF-7, the ISO-2022 family and every ISO-8859-n as iconv defines them. A decoder of
//! its own (WHATWG labels read ISO-8859-1 as windows-1252 and know no UTF-7) would let a
//! message say one thing to the check and another to `git log`. The same library call
//! gives the same text.
//!
//! Where git cannot decode (iconv does not know the label, or the bytes are invalid in
//! it), it shows the raw bytes, but other viewers may decode differently: that is an
//! error here, so a hook rejects (fail closed) and `check` stops.

use std::ffi::CString;

/// Why a text could not be decoded as git would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// iconv does not know the label (or it cannot be passed to iconv at all).
    UnknownLabel(String),
    /// The bytes are not valid in the encoding.
    Invalid(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::UnknownLabel(label) => write!(
                f,
                "its `encoding` header names `{label}`, which the system's iconv (what git decodes with) does not know"
            ),
            DecodeError::Invalid(label) => write!(
                f,
                "its text is not valid `{label}`, the encoding its `encoding` header names"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// True for the spellings git takes as UTF-8 (`is_encoding_utf8`): no conversion.
pub fn is_utf8_label(label: &[u8]) -> bool {
    label.eq_ignore_ascii_case(b"utf-8") || label.eq_ignore_ascii_case(b"utf8")
}

/// Decodes `bytes` written in `label` (UTF-8 when `None`) to text. UTF-8 is taken
/// lossily, as git shows it (invalid bytes become U+FFFD, every valid character stays).
pub fn decode(bytes: &[u8], label: Option<&[u8]>) -> Result<String, DecodeError> {
    match label {
        None => Ok(String::from_utf8_lossy(bytes).into_owned()),
        // git takes a header without a value (`encoding` alone) as no header.
        Some(l) if l.is_empty() || is_utf8_label(l) => {
            Ok(String::from_utf8_lossy(bytes).into_owned())
        }
        Some(l) => iconv_to_utf8(bytes, l),
    }
}

/// A label as shown in messages: escaped, bounded.
fn shown(label: &[u8]) -> String {
    let text = String::from_utf8_lossy(&label[..label.len().min(64)]);
    text.escape_debug().to_string()
}

/// git's `fallback_encoding`: the official spelling of a few common names.
fn fallback(label: &[u8]) -> Option<&'static [u8]> {
    if is_utf8_label(label) {
        Some(b"UTF-8")
    } else if label.eq_ignore_ascii_case(b"latin-1") {
        Some(b"ISO-8859-1")
    } else {
        None
    }
}

/// An open iconv conversion, closed on drop.
struct Converter(libc::iconv_t);

impl Converter {
    fn open(from: &[u8]) -> Option<Converter> {
        let from = CString::new(from).ok()?;
        let to = c"UTF-8";
        // SAFETY: both arguments are valid NUL-terminated strings that outlive the call.
        let cd = unsafe { libc::iconv_open(to.as_ptr(), from.as_ptr()) };
        // iconv_open signals failure with (iconv_t)-1.
        if cd as isize == -1 {
            None
        } else {
            Some(Converter(cd))
        }
    }
}

impl Drop for Converter {
    fn drop(&mut self) {
        // SAFETY: self.0 came from a successful iconv_open and is closed only here.
        unsafe {
            libc::iconv_close(self.0);
        }
    }
}

/// git's `reencode_string_iconv`: one conversion of the whole input; any error other
/// than a full output buffer fails it (no flush call, as git makes none).
fn iconv_to_utf8(bytes: &[u8], label: &[u8]) -> Result<String, DecodeError> {
    let converter = Converter::open(label)
        .or_else(|| fallback(label).and_then(Converter::open))
        .ok_or_else(|| DecodeError::UnknownLabel(shown(label)))?;
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() * 2 + 16);
    let mut input = bytes.as_ptr() as *mut libc::c_char;
    let mut in_left = bytes.len();
    loop {
        let used = out.len();
        let spare = out.capacity() - used;
        // SAFETY: `used` is within the allocation (len <= capacity).
        let mut output = unsafe { out.as_mut_ptr().add(used) } as *mut libc::c_char;
        let mut out_left = spare;
        // SAFETY: input points at `in_left` readable bytes of `bytes` (iconv only reads
        // through it, whatever the pointer's mutability); output at `out_left` writable
        // bytes of `out`'s spare capacity; iconv advances both within those bounds.
        let result = unsafe {
            libc::iconv(
                converter.0,
                &mut input,
                &mut in_left,
                &mut output,
                &mut out_left,
            )
        };
        let error = (result == usize::MAX).then(std::io::Error::last_os_error);
        // SAFETY: iconv wrote exactly `spare - out_left` bytes after `used`.
        unsafe { out.set_len(used + (spare - out_left)) };
        match error {
            None => break,
            Some(e) if e.raw_os_error() == Some(libc::E2BIG) => {
                out.reserve(in_left.max(16) * 4);
            }
            Some(_) => return Err(DecodeError::Invalid(shown(label))),
        }
    }
    Ok(match String::from_utf8(out) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_git_reads_as_iconv_does() {
        // UTF-7, which WHATWG decoders do not know.
        assert_eq!(decode(b"a +AGgAaQ- b", Some(b"UTF-7")).unwrap(), "a hi b");
        // ISO-8859-1 is not windows-1252: 0x80 is a C1 control, not the euro sign.
        assert_eq!(
            decode(b"\x80\xe9", Some(b"ISO-8859-1")).unwrap(),
            "\u{80}\u{e9}"
        );
        assert_eq!(
            decode(b"\x80\xe9", Some(b"windows-1252")).unwrap(),
            "\u{20ac}\u{e9}"
        );
        // ISO-2022-KR: the designator, then SO/SI around Korean.
        assert_eq!(
            decode(b"\x1b$)Cab\x0e\x30\x21\x0fcd", Some(b"ISO-2022-KR")).unwrap(),
            "ab\u{AC00}cd"
        );
        // git's fallbacks.
        assert_eq!(decode(b"\xe9", Some(b"latin-1")).unwrap(), "\u{e9}");
        assert_eq!(decode(b"caf\xc3\xa9", Some(b"utf8")).unwrap(), "caf\u{e9}");
    }

    #[test]
    fn what_cannot_be_decoded_is_an_error() {
        assert!(matches!(
            decode(b"x", Some(b"no-such-encoding")),
            Err(DecodeError::UnknownLabel(_))
        ));
        assert!(matches!(
            decode(b"x", Some(b"UTF-8\0x")),
            Err(DecodeError::UnknownLabel(_))
        ));
        assert!(matches!(
            decode(b"\xff\xfe\xfd", Some(b"EUC-JP")),
            Err(DecodeError::Invalid(_))
        ));
        let e = decode(b"x", Some(b"bogus\n")).unwrap_err().to_string();
        assert!(e.contains("bogus\\n"), "{e}");
    }

    #[test]
    fn utf8_is_taken_lossily_without_iconv() {
        assert_eq!(decode(b"a\xffb", None).unwrap(), "a\u{FFFD}b");
        assert_eq!(decode(b"a\xffb", Some(b"UTF-8")).unwrap(), "a\u{FFFD}b");
    }

    #[test]
    fn long_text_grows_the_output() {
        let input = b"\xe9".repeat(100_000);
        let text = decode(&input, Some(b"ISO-8859-1")).unwrap();
        assert_eq!(text.chars().count(), 100_000);
        assert!(text.chars().all(|c| c == '\u{e9}'));
    }
}
