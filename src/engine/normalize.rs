//! Text normalization for matching (contract §5): compatibility decomposition, default
//! ignorables and combining marks dropped, confusables mapped to their Latin prototype,
//! dashes unified, lower case — with a map from the folded text back to the user's own
//! characters, so every finding points at what the user wrote.
//!
//! Folding is done one character at a time. That keeps the offset map trivial (each
//! original character owns a contiguous piece of the folded text) and is what makes the
//! ASCII fast path exact: an ASCII character folds to its lower case and nothing else.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A text and its folded form.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    original: &'a str,
    folded: String,
    /// The characters whose folded form differs in length from the original, in order.
    /// Everywhere else an original byte and a folded byte correspond one to one.
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    folded: (usize, usize),
    original: (usize, usize),
}

impl<'a> Normalized<'a> {
    pub fn new(original: &'a str) -> Self {
        if original.is_ascii() {
            return Normalized {
                original,
                folded: original.to_ascii_lowercase(),
                segments: Vec::new(),
            };
        }
        let mut folded = String::with_capacity(original.len());
        let mut segments = Vec::new();
        FOLD_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            for (at, c) in original.char_indices() {
                if c.is_ascii() {
                    folded.push(c.to_ascii_lowercase());
                    continue;
                }
                let start = folded.len();
                let piece = cache.entry(c).or_insert_with(|| fold_char(c));
                folded.push_str(piece);
                if piece.len() != c.len_utf8() {
                    segments.push(Segment {
                        folded: (start, folded.len()),
                        original: (at, at + c.len_utf8()),
                    });
                }
            }
        });
        Normalized {
            original,
            folded,
            segments,
        }
    }

    pub fn original(&self) -> &'a str {
        self.original
    }

    /// The folded text that every matcher runs on.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// Maps a byte range of the folded text to the smallest range of the original text
    /// that produced it.
    pub fn to_original(&self, range: Range<usize>) -> Range<usize> {
        let start = {
            // The last segment starting at or before `range.start`.
            let i = self.segments.partition_point(|s| s.folded.0 <= range.start);
            match i.checked_sub(1).map(|i| self.segments[i]) {
                None => range.start,
                Some(s) if range.start < s.folded.1 => s.original.0,
                Some(s) => s.original.1 + (range.start - s.folded.1),
            }
        };
        let end = {
            // The last segment starting strictly before `range.end`.
            let i = self.segments.partition_point(|s| s.folded.0 < range.end);
            match i.checked_sub(1).map(|i| self.segments[i]) {
                None => range.end,
                Some(s) if range.end <= s.folded.1 => s.original.1,
                Some(s) => s.original.1 + (range.end - s.folded.1),
            }
        };
        start..end.max(start)
    }
}

thread_local! {
    static FOLD_CACHE: RefCell<HashMap<char, String>> = RefCell::new(HashMap::new());
}

/// Folds one non-ASCII character.
pub fn fold_char(c: char) -> String {
    let mut out = String::new();
    for d in std::iter::once(c).nfkd() {
        if is_default_ignorable(d) || is_combining_mark(d) {
            continue;
        }
        if is_dash(d) {
            out.push('-');
            continue;
        }
        if d.is_ascii() {
            out.push(d.to_ascii_lowercase());
            continue;
        }
        for l in d.to_lowercase() {
            let mut buf = [0u8; 4];
            let proto: String = unicode_security::skeleton(l.encode_utf8(&mut buf))
                .filter(|p| !is_combining_mark(*p))
                .collect();
            // Only a look-alike of plain Latin is mapped: mapping ASCII itself (`m` to `rn`,
            // `0` to `O`) or into other scripts would break ids and patterns as written.
            if !proto.is_empty() && proto.is_ascii() {
                out.push_str(&proto.to_ascii_lowercase());
            } else {
                out.push(l);
            }
        }
    }
    out
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): invisible
/// characters that can be slipped inside a word, bidi controls among them.
pub fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Unicode's Dash property plus the minus signs: all of them are `-` for matching.
pub fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{058A}' | '\u{05BE}' | '\u{1400}' | '\u{1806}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2053}'
                | '\u{207B}'
                | '\u{208B}'
                | '\u{2212}'
                | '\u{2796}'
                | '\u{2E17}'
                | '\u{2E1A}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{2E40}'
                | '\u{2E5D}'
                | '\u{301C}'
                | '\u{3030}'
                | '\u{30A0}'
                | '\u{FE31}'
                | '\u{FE32}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{10EAD}'
    )
}

/// Bidi controls: they can make a line display differently from what it says
/// (CVE-2021-42574), so they are reported wherever they appear.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Folds a registry string the same way as the text it is compared with.
pub fn fold(s: &str) -> String {
    Normalized::new(s).folded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(s: &str) -> String {
        fold(s)
    }

    #[test]
    fn ascii_is_lowercased_only() {
        let n = Normalized::new("Fix SX-2026-011 in Parser");
        assert_eq!(n.folded(), "fix sx-2026-011 in parser");
        assert_eq!(n.to_original(4..15), 4..15);
    }

    #[test]
    fn nfkc_compatibility_forms_fold() {
        assert_eq!(folded("ＳＸ－２０２６"), "sx-2026");
        assert_eq!(folded("ﬁx"), "fix");
    }

    #[test]
    fn default_ignorables_and_bidi_controls_vanish() {
        assert_eq!(folded("rat\u{200B}chet"), "ratchet");
        assert_eq!(folded("rat\u{00AD}chet"), "ratchet");
        assert_eq!(folded("rat\u{202E}chet\u{2066}"), "ratchet");
        assert_eq!(folded("\u{FEFF}ratchet"), "ratchet");
    }

    #[test]
    fn cyrillic_and_greek_lookalikes_map_to_latin() {
        // Cyrillic а, е, о, р, с and Greek Ο, ι.
        assert_eq!(folded("r\u{0430}tch\u{0435}t"), "ratchet");
        assert_eq!(folded("\u{0440}\u{043E}\u{0441}"), "poc");
        assert_eq!(folded("\u{039F}K"), "ok");
        assert_eq!(folded("\u{03B9}d"), "id");
    }

    #[test]
    fn ascii_is_never_remapped_by_confusables() {
        assert_eq!(folded("m0l1"), "m0l1");
    }

    #[test]
    fn every_dash_is_hyphen_minus() {
        for d in [
            '\u{2010}', '\u{2011}', '\u{2013}', '\u{2014}', '\u{2212}', '\u{FE63}', '\u{FF0D}',
        ] {
            assert_eq!(folded(&format!("a{d}b")), "a-b", "dash U+{:04X}", d as u32);
        }
    }

    #[test]
    fn combining_marks_are_dropped() {
        assert_eq!(folded("cafe\u{0301}"), "cafe");
        assert_eq!(folded("caf\u{00E9}"), "cafe");
    }

    #[test]
    fn other_scripts_survive_lowercased() {
        assert_eq!(folded("日本"), "日本");
        assert_eq!(folded("ДЖ"), "дж");
    }

    #[test]
    fn positions_map_back_through_expansion_and_removal() {
        // "x" ZWSP "ﬁ" "y": folded "xfiy".
        let text = "x\u{200B}\u{FB01}y";
        let n = Normalized::new(text);
        assert_eq!(n.folded(), "xfiy");
        // "fi" is the ligature, 3 bytes after the 3-byte ZWSP.
        assert_eq!(n.to_original(1..3), 4..7);
        assert_eq!(&text[n.to_original(1..3)], "\u{FB01}");
        // Half a ligature still points at the whole ligature.
        assert_eq!(n.to_original(2..3), 4..7);
        // "y" after everything.
        assert_eq!(&text[n.to_original(3..4)], "y");
        // The whole folded text is the whole original after the leading "x".
        assert_eq!(&text[n.to_original(0..4)], text);
    }

    #[test]
    fn positions_survive_multibyte_identity() {
        let text = "日本 SX-1 ёж";
        let n = Normalized::new(text);
        let at = n.folded().find("sx-1").unwrap();
        assert_eq!(&text[n.to_original(at..at + 4)], "SX-1");
    }
}
