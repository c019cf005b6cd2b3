//! Text normalization for matching (contract §5): the text as it is rendered
//! ([`crate::engine::render`]), then compatibility decomposition, default ignorables and combining
//! marks dropped, confusables mapped to their Latin prototype, dashes unified, lower case —
//! with a map from the folded text back to the user's own characters, so every finding
//! points at what the user wrote.
//!
//! Folding is done one rendered piece (mostly one character) at a time. That keeps the
//! offset map simple (each piece of the original owns a contiguous piece of the folded
//! text) and is what makes the ASCII fast path exact: plain ASCII shows as written and
//! folds to its lower case and nothing else.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::engine::render::{self, Cursor, Shown, View};

/// A text and its folded form.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    original: &'a str,
    folded: String,
    /// The characters whose folded form differs in length from the original, in order.
    /// Everywhere else an original byte and a folded byte correspond one to one.
    /// In the terminal view every piece has one, and their originals are out of order.
    segments: Vec<Segment>,
    reordered: bool,
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    folded: (usize, usize),
    original: (usize, usize),
}

impl<'a> Normalized<'a> {
    /// The text as written and shown in `git log` or a terminal (HTML tags as written).
    pub fn new(original: &'a str) -> Self {
        Self::rendered(original, View::Written)
    }

    /// The text as a Markdown view shows it, HTML tags hidden, when that differs from
    /// [`Normalized::new`] (the text has a tag): a mention in either is a mention.
    pub fn in_markdown(original: &'a str) -> Option<Self> {
        render::has_tag(original).then(|| Self::rendered(original, View::Markdown))
    }

    /// The text with each camelCase join read as the start of a word (`TestSx2026011` as
    /// `Test Sx2026011`), when it has one: a mention in either reading is a mention.
    pub fn camel_split(original: &'a str) -> Option<Self> {
        render::has_camel_join(original).then(|| Self::rendered(original, View::CamelSplit))
    }

    /// The text as a terminal shows it, when a cursor move makes that differ from
    /// [`Normalized::new`]: what is written after a carriage return, a backspace or a CSI
    /// cursor move overwrites what the line showed there. A mention in either counts.
    pub fn in_terminal(original: &'a str) -> Option<Self> {
        render::has_cursor_move(original).then(|| Self::on_screen(original))
    }

    fn on_screen(original: &'a str) -> Self {
        let mut out = Normalized {
            original,
            folded: String::with_capacity(original.len()),
            segments: Vec::new(),
            reordered: true,
        };
        // The line being written: what each column shows, and which piece wrote it.
        let mut line: Vec<(Range<usize>, Shown)> = Vec::new();
        let mut cursor: usize = 0;
        // The last cursor move: it owns the blanks it passes over.
        let mut mover = 0..0;
        FOLD_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let mut flush = |line: &mut Vec<(Range<usize>, Shown)>, out: &mut Normalized| {
                for (range, shown) in line.drain(..) {
                    let start = out.folded.len();
                    let mut push = |c: char| push_folded(&mut out.folded, &mut cache, c);
                    match shown {
                        Shown::Itself => original[range.clone()].chars().for_each(&mut push),
                        Shown::Char(c) => push(c),
                        Shown::Str(s) => s.chars().for_each(push),
                        Shown::Nothing | Shown::Erase | Shown::Move(_) => {}
                    }
                    out.segments.push(Segment {
                        folded: (start, out.folded.len()),
                        original: (range.start, range.end),
                    });
                }
            };
            render::render(original, View::Terminal, |range, shown| {
                let moved = match shown {
                    Shown::Nothing => return,
                    Shown::Move(m) => Some(m),
                    // Not in this view; a backspace is a move back here.
                    Shown::Erase => Some(Cursor::Back(1)),
                    _ => None,
                };
                if let Some(m) = moved {
                    mover = range;
                    cursor = match m {
                        Cursor::Back(n) => cursor.saturating_sub(n),
                        Cursor::Forward(n) => cursor + n,
                        Cursor::Column(n) => n,
                    }
                    .min(render::MAX_COLUMN);
                    return;
                }
                if matches!(&original[range.clone()], "\n" | "\r" | "\u{b}" | "\u{c}") {
                    flush(&mut line, &mut out);
                    line.push((range, shown));
                    flush(&mut line, &mut out);
                    cursor = 0;
                    return;
                }
                // Columns passed over show a blank, owned by the move that passed them.
                while line.len() < cursor {
                    line.push((mover.clone(), Shown::Char(' ')));
                }
                if cursor < line.len() {
                    line[cursor] = (range, shown);
                } else {
                    line.push((range, shown));
                }
                cursor += 1;
            });
            flush(&mut line, &mut out);
        });
        out
    }

    fn rendered(original: &'a str, view: View) -> Self {
        if view == View::Written && render::is_plain_ascii(original) {
            return Normalized {
                original,
                folded: original.to_ascii_lowercase(),
                segments: Vec::new(),
                reordered: false,
            };
        }
        let mut folded = String::with_capacity(original.len());
        let mut segments: Vec<Segment> = Vec::new();
        FOLD_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let mut push = |folded: &mut String, c: char| push_folded(folded, &mut cache, c);
            render::render(original, view, |range, shown| {
                let start = folded.len();
                match shown {
                    Shown::Itself => {
                        let piece = &original[range.clone()];
                        if piece.is_ascii() {
                            // Plain ASCII folds to its lower case: the identity map holds.
                            folded.push_str(piece);
                            folded[start..].make_ascii_lowercase();
                            return;
                        }
                        let c = piece.chars().next().unwrap_or(' ');
                        push(&mut folded, c);
                        // One character for one of the same length: the identity map holds.
                        let added = &folded[start..];
                        if added.len() == range.len() && added.chars().nth(1).is_none() {
                            return;
                        }
                    }
                    Shown::Nothing => {}
                    Shown::Char(c) => push(&mut folded, c),
                    Shown::Str(s) => s.chars().for_each(|c| push(&mut folded, c)),
                    Shown::Erase => erase_last(&mut folded, &mut segments),
                    Shown::Move(_) => {}
                }
                segments.push(Segment {
                    folded: (folded.len().min(start), folded.len()),
                    original: (range.start, range.end),
                });
            });
        });
        Normalized {
            original,
            folded,
            segments,
            reordered: false,
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
        if self.reordered {
            return self.to_original_reordered(range);
        }
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

    /// [`Normalized::to_original`] where every piece has a segment, in the folded text's
    /// order, but their originals are out of order: from the first original byte to the
    /// last of the pieces that show the range (or of the piece at an empty range).
    fn to_original_reordered(&self, range: Range<usize>) -> Range<usize> {
        let first = self.segments.partition_point(|s| s.folded.1 <= range.start);
        let shown = self.segments[first..]
            .iter()
            .take_while(|s| s.folded.0 < range.end || s.folded.0 == range.start);
        let (mut lo, mut hi) = (usize::MAX, 0);
        for s in shown.filter(|s| s.original.0 < s.original.1 || s.folded.0 < s.folded.1) {
            lo = lo.min(s.original.0);
            hi = hi.max(s.original.1);
            if range.is_empty() {
                break;
            }
        }
        if lo == usize::MAX {
            let end = self.original.len();
            return end..end;
        }
        lo..hi.max(lo)
    }
}

/// A backspace: the last piece that showed anything shows nothing any more. Its place in
/// the folded text becomes empty, and so do those of the empty pieces after it.
fn erase_last(folded: &mut String, segments: &mut Vec<Segment>) {
    let end = folded.len();
    let Some(last) = folded.chars().next_back() else {
        return;
    };
    // Pieces after the erased one that showed nothing sit at `end`.
    let trailing = segments
        .iter()
        .rev()
        .take_while(|s| s.folded == (end, end))
        .count();
    let first_trailing = segments.len() - trailing;
    let at = match first_trailing.checked_sub(1).map(|i| segments[i]) {
        // The last piece shown is a segment of its own: erase all of it.
        Some(s) if s.folded.1 == end => {
            segments[first_trailing - 1].folded.1 = s.folded.0;
            s.folded.0
        }
        // An unchanged character: it becomes a segment that shows nothing.
        before => {
            let at = end - last.len_utf8();
            let original = match before {
                Some(s) => s.original.1 + (at - s.folded.1),
                None => at,
            };
            segments.insert(
                first_trailing,
                Segment {
                    folded: (at, at),
                    original: (original, original + last.len_utf8()),
                },
            );
            at
        }
    };
    folded.truncate(at);
    for s in segments.iter_mut().rev().take(trailing) {
        s.folded = (at, at);
    }
}

/// Appends what `c` folds to, each non-ASCII character folded once per thread.
fn push_folded(folded: &mut String, cache: &mut HashMap<char, String>, c: char) {
    if c.is_ascii() {
        folded.push(c.to_ascii_lowercase());
    } else {
        folded.push_str(cache.entry(c).or_insert_with(|| fold_char(c)));
    }
}

thread_local! {
    static FOLD_CACHE: RefCell<HashMap<char, String>> = RefCell::new(HashMap::new());
}

/// Folds one non-ASCII character.
pub fn fold_char(c: char) -> String {
    let mut decomposed = String::new();
    for d in std::iter::once(c).nfkd() {
        if is_default_ignorable(d) || is_combining_mark(d) {
            continue;
        }
        decomposed.push(if is_dash(d) { '-' } else { d });
    }
    if decomposed.is_ascii() {
        return decomposed.to_ascii_lowercase();
    }
    // The look-alike of the character as written comes before its lower case and before
    // a compatibility form that is not plain Latin: an upper-case Cyrillic, Greek or
    // Armenian letter can look Latin where its lower case does not (`Н` but `н`), and
    // Greek lunate sigma `ϲ` looks like `c` where its decomposition `ς` does not.
    // A digit of another script reads as its value (`٢٠٢٦` is 2026), unless it looks
    // like a Latin letter or digit, which is how a reader of Latin text reads it.
    if looks_like_a_long_dash(c) {
        return "-".to_string();
    }
    let look = lookalike(c);
    if let Some(proto) = &look {
        if proto.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return proto.clone();
        }
    }
    if let Some(d) = decimal_digit(c) {
        return d.to_string();
    }
    if let Some(proto) = look {
        return proto;
    }
    let mut out = String::new();
    for d in decomposed.chars() {
        if d.is_ascii() {
            out.push(d.to_ascii_lowercase());
            continue;
        }
        if let Some(proto) = lookalike(d) {
            out.push_str(&proto);
            continue;
        }
        for l in d.to_lowercase() {
            match latin_prototype(l) {
                Some(proto) => out.push_str(&proto),
                None => out.push(l),
            }
        }
    }
    out
}

/// The first digit (zero) of every run of ten decimal digits (Unicode's Nd) outside
/// ASCII, ascending; Python's `unicodedata` (Unicode 14) wrote it: each run is the ten
/// digits 0 to 9 in order.
const DIGIT_ZEROS: [u32; 65] = [
    0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
    0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50,
    0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a decimal digit of any script (Unicode's Nd), but ASCII's own.
fn decimal_digit(c: char) -> Option<u32> {
    let c = c as u32;
    let at = DIGIT_ZEROS.partition_point(|&z| z <= c).checked_sub(1)?;
    let value = c - DIGIT_ZEROS[at];
    (value < 10).then_some(value)
}

/// The plain Latin that a letter or its capital looks like: matching stays blind to case
/// (`к` folds as `К` does, to `k`, so `КЛЮЧ` and `ключ` fold alike).
fn lookalike(c: char) -> Option<String> {
    latin_prototype(c).or_else(|| {
        let mut upper = c.to_uppercase();
        match (upper.next(), upper.next()) {
            (Some(u), None) if u != c => latin_prototype(u),
            _ => None,
        }
    })
}

/// The plain Latin (ASCII) that a character looks like, in lower case: its UTS #39
/// prototype without combining marks. Only a look-alike of plain Latin is mapped: mapping
/// ASCII itself (`m` to `rn`, `0` to `O`) or into other scripts would break ids and
/// patterns as written.
fn latin_prototype(c: char) -> Option<String> {
    let mut buf = [0u8; 4];
    let proto: String = unicode_security::skeleton(c.encode_utf8(&mut buf))
        .filter(|p| !is_combining_mark(*p))
        .collect();
    if proto.is_empty() || !proto.is_ascii() {
        return None;
    }
    // UTS #39 takes `l` as the prototype of `I` as well: a capital that looks like `l`
    // looks like `I` (Greek `Ι`, Cyrillic `І`), and is `i` in lower case.
    if proto == "l" && c.is_uppercase() {
        return Some("i".to_string());
    }
    Some(proto.to_ascii_lowercase())
}

/// UTS #39 takes the katakana prolonged sound mark `ー` as the prototype of the em dash
/// and of every long horizontal stroke (box drawing `─` `━`, CJK `一`, Hangul `ㅡ`,
/// halfwidth `ｰ`): each looks like a dash, so each reads as one. (The short ones, `˗`
/// `⁃` `Ⲻ`, have `-` itself as their prototype and are mapped as look-alikes.)
fn looks_like_a_long_dash(c: char) -> bool {
    let mut buf = [0u8; 4];
    let mut proto = unicode_security::skeleton(c.encode_utf8(&mut buf));
    matches!((proto.next(), proto.next()), (Some('\u{30FC}'), None))
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
    use crate::engine::render::MAX_COLUMN as MAX_SCREEN;

    fn folded(s: &str) -> String {
        fold(s)
    }

    /// What a terminal shows: a carriage return, a backspace and a CSI cursor move send
    /// the cursor back, and what follows overwrites; each finding maps to the characters
    /// of the user's text that show it.
    #[test]
    fn the_terminal_view_overwrites_where_the_cursor_moved() {
        let screen = |text: &str| Normalized::in_terminal(text).map(|n| n.folded().to_string());
        assert_eq!(
            screen("Fix AX-2026-011\rFix S").as_deref(),
            Some("fix sx-2026-011")
        );
        assert_eq!(screen("Fix ZZ\u{1b}[2DSX-1").as_deref(), Some("fix sx-1"));
        assert_eq!(
            screen("Fix SX-2026-0XY\u{8}\u{8}11").as_deref(),
            Some("fix sx-2026-011")
        );
        assert_eq!(screen("a\u{1b}[3Cb").as_deref(), Some("a   b"));
        assert_eq!(screen("ab\u{1b}[1Gc\r\nde\rF").as_deref(), Some("cb\r\nfe"));
        assert_eq!(
            screen("\u{1b}[99999Cx").map(|s| s.len()),
            Some(MAX_SCREEN + 1)
        );
        assert_eq!(screen("plain\r\ntext"), None);
        // The span of a finding is the first to the last byte of what shows it.
        let text = "Fix AX-2026-011\rFix S";
        let n = Normalized::in_terminal(text).unwrap();
        let at = n.folded().find("sx-2026-011").unwrap();
        let span = n.to_original(at..at + "sx-2026-011".len());
        assert_eq!(span, 5..text.len());
        // A blank a move passed over is the move's own.
        let n = Normalized::in_terminal("a\u{1b}[3Cb").unwrap();
        assert_eq!(n.to_original(1..2), 1..5);
        // The screen's `Fix` is the one written after the carriage return.
        let n = Normalized::in_terminal(text).unwrap();
        assert_eq!(n.to_original(0..3), 16..19);
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

    /// Every character that UTS #39 says looks like a dash, short (`-`) or long (`ー`,
    /// the em dash's prototype), reads as `-`: `SX─2026─011` is the id.
    #[test]
    fn every_look_alike_of_a_dash_is_hyphen_minus() {
        let mut checked = Vec::new();
        // Combining marks belong to the letter before them and are dropped first.
        let shown = |c: &char| !is_default_ignorable(*c) && !is_combining_mark(*c);
        for c in ('\u{80}'..=char::MAX).filter(shown) {
            let proto: String = unicode_security::skeleton(&c.to_string()).collect();
            if proto == "-" || proto == "\u{30FC}" {
                assert_eq!(folded(&format!("a{c}b")), "a-b", "U+{:04X} {c}", c as u32);
                checked.push(c);
            }
        }
        for c in [
            '\u{2014}', '\u{2500}', '\u{2501}', '\u{30FC}', '\u{4E00}', '\u{3161}', '\u{2043}',
        ] {
            assert!(checked.contains(&c), "U+{:04X} is not among them", c as u32);
        }
    }

    #[test]
    fn combining_marks_are_dropped() {
        assert_eq!(folded("cafe\u{0301}"), "cafe");
        assert_eq!(folded("caf\u{00E9}"), "cafe");
    }

    #[test]
    fn digits_of_other_scripts_read_as_their_value() {
        // Arabic-Indic, Extended Arabic-Indic, Mongolian.
        assert_eq!(folded("\u{0662}\u{0660}\u{0662}\u{0666}"), "2026");
        assert_eq!(folded("\u{06F2}\u{06F0}\u{06F2}\u{06F6}"), "2026");
        assert_eq!(folded("\u{1812}\u{1810}\u{1812}\u{1816}"), "2026");
        // A digit that looks like a Latin letter or digit reads as that: Devanagari
        // zero is a ring, `o` (which an id's digit group reads as 0).
        assert_eq!(folded("\u{0968}\u{0966}\u{0968}\u{096C}"), "2o26");
        // Every run of the table is ten digits that Rust also calls numeric, and the
        // characters just outside a run are not digits of it.
        for zero in DIGIT_ZEROS {
            for v in 0..10 {
                let c = char::from_u32(zero + v).unwrap();
                assert!(c.is_numeric(), "U+{:04X}", zero + v);
                assert_eq!(decimal_digit(c), Some(v), "U+{:04X}", zero + v);
            }
            assert!(char::from_u32(zero + 10).is_none_or(|c| decimal_digit(c) != Some(10)));
        }
        assert_eq!(decimal_digit('5'), None);
        assert_eq!(decimal_digit('\u{0669}'), Some(9));
        assert_eq!(decimal_digit('\u{066A}'), None);
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

    #[test]
    fn capital_lookalikes_map_to_latin() {
        // Cyrillic, Greek and Armenian capitals whose lower case looks like nothing Latin.
        for (c, latin) in [
            ('\u{041D}', "h"),
            ('\u{041C}', "m"),
            ('\u{041A}', "k"),
            ('\u{0412}', "b"),
            ('\u{03A7}', "x"),
            ('\u{039D}', "n"),
            ('\u{054F}', "s"),
            ('\u{0422}', "t"),
            ('\u{0397}', "h"),
            ('\u{0399}', "i"),
            ('\u{0406}', "i"),
            ('\u{04C0}', "i"),
        ] {
            assert_eq!(folded(&c.to_string()), latin, "U+{:04X}", c as u32);
        }
        assert_eq!(
            folded("\u{041D}\u{0415}\u{0410}\u{0420} \u{0412}\u{0423}\u{0422}"),
            "heap byt"
        );
        assert_eq!(folded("PR\u{0406}V\u{0406}LEGE"), "privilege");
        // Case stays invisible where the capital looks Latin and the small letter does not.
        assert_eq!(
            folded("\u{041A}\u{041B}\u{042E}\u{0427}"),
            folded("\u{043A}\u{043B}\u{044E}\u{0447}")
        );
    }

    /// Every character that UTS #39 (unicode-security's confusables data) says looks like
    /// one Latin letter or digit, capitals and small letters alike, folds to it, unless
    /// compatibility decomposition already makes it plain ASCII (`𝟎` is `0`).
    #[test]
    fn every_confusable_of_a_latin_letter_or_digit_folds_to_it() {
        let mut checked = 0;
        let (mut upper, mut lower) = (0, 0);
        for c in ('\u{80}'..=char::MAX).filter(|c| !render::is_blank_filler(*c)) {
            let s = c.to_string();
            let proto: String = unicode_security::skeleton(&s)
                .filter(|p| !is_combining_mark(*p))
                .collect();
            let mut p = proto.chars();
            let (Some(p), None) = (p.next(), p.next()) else {
                continue;
            };
            // Combining marks are dropped before anything else (a spacing mark such as
            // Oriya visarga `ଃ` looks like `8` but belongs to the letter before it).
            if !p.is_ascii_alphanumeric() || is_combining_mark(c) {
                continue;
            }
            // Compatibility forms and dashes come first (`𝟎` is `0`, `︱` a dash).
            let nfkd: String = s
                .nfkd()
                .filter(|d| !is_combining_mark(*d) && !is_default_ignorable(*d))
                .map(|d| if is_dash(d) { '-' } else { d })
                .collect();
            let expected = if !nfkd.is_empty() && nfkd.is_ascii() {
                nfkd.to_ascii_lowercase()
            } else if p == 'l' && c.is_uppercase() {
                // Looks like `I`, which UTS #39 also writes `l`.
                "i".to_string()
            } else {
                p.to_ascii_lowercase().to_string()
            };
            assert_eq!(fold(&s), expected, "U+{:04X} {c} looks like {p}", c as u32);
            checked += 1;
            upper += usize::from(c.is_uppercase());
            lower += usize::from(c.is_lowercase());
        }
        assert!(
            checked > 500 && upper > 50 && lower > 50,
            "{checked} {upper} {lower}"
        );
    }

    #[test]
    fn the_rendered_text_is_folded_and_maps_back() {
        let text = "Fix \u{1b}[1mSX\u{1b}[0m%2D2026&ndash;O142";
        let n = Normalized::new(text);
        assert_eq!(n.folded(), "fix sx-2026-o142");
        let at = n.folded().find("sx").unwrap();
        assert_eq!(
            &text[n.to_original(at..n.folded().len())],
            "SX\u{1b}[0m%2D2026&ndash;O142"
        );
        assert_eq!(&text[n.to_original(at + 2..at + 3)], "%2D");
    }

    #[test]
    fn a_backspace_erases_and_positions_still_map() {
        let text = "s\u{8}skipped x\u{1b}[1m\u{8}y \u{FB01}\u{8}z";
        let n = Normalized::new(text);
        assert_eq!(n.folded(), "skipped y z");
        let at = n.folded().find("skipped").unwrap();
        assert_eq!(&text[n.to_original(at..at + 7)], "skipped");
        assert_eq!(&text[n.to_original(8..9)], "y");
        assert_eq!(&text[n.to_original(10..11)], "z");
        assert_eq!(folded("\u{8}\u{8}a\u{8}\u{8}"), "");
    }

    #[test]
    fn blank_fillers_separate_words() {
        assert_eq!(
            folded("ratchet\u{3164}header\u{115F}replay"),
            "ratchet header replay"
        );
    }

    /// A character that folds to two of the same total length (`Ĳ` to `ij`) is one piece:
    /// half of it maps to all of it, never into its middle (found by the fuzzer).
    #[test]
    fn half_of_an_expanded_character_maps_to_all_of_it() {
        let text = "x\u{0132}y";
        let n = Normalized::new(text);
        assert_eq!(n.folded(), "xijy");
        assert_eq!(n.to_original(2..3), 1..3);
        assert_eq!(n.to_original(1..2), 1..3);
        assert_eq!(n.to_original(3..4), 3..4);
    }
}
