//! Text as a reader sees it (contract §5): what a terminal, a web page or a Markdown view
//! shows of a message, one piece of the original at a time, so that positions still map
//! back to what the user wrote. Folding ([`crate::engine::normalize`]) runs on what this shows.
//!
//! * terminal escape sequences (CSI, OSC and the other string sequences, two-character
//!   escapes, their 8-bit C1 forms) and other control characters (C0 but tab and line
//!   breaks, DEL, C1) show nothing; a backspace erases what was shown before it;
//! * percent-encoding (`%2D`, `%E2%80%93`) and HTML character references (`&#45;`,
//!   `&#x2d;`, `&ndash;`) show the character they encode, decoded once (`%252D` is
//!   `%2D`, as a browser shows a URL decoded once);
//! * fillers that display as a blank (Hangul fillers, the Braille blank) show a space;
//! * in the Markdown view ([`View::Markdown`]), an HTML tag without attributes shows as
//!   a Markdown view renders raw HTML (`SX<b>-</b>2026`): an inline formatting tag (`<b>`,
//!   `</span>`, `<code>`) shows nothing, any other a space. `git log` shows the same tag
//!   as written, and a tag's name can be anything (`<SX-2026-011>`), so a text with a tag
//!   is read both ways ([`has_tag`]); a tag with attributes is left as written in both;
//! * in the camelCase view ([`View::CamelSplit`]), a capital right after a small letter
//!   starts a word, as a reader of code splits `TestSx2026011` or `ratchetHeaderReplay`.
//!   Folding loses case, so this cannot be a rule of the one written view without
//!   splitting ids written in mixed case (`GHSA-7xQ2-…`): a text with such a join is read
//!   both ways ([`has_camel_join`]).
//!
//! * in the terminal view ([`View::Terminal`]), a terminal's cursor moves: a backspace,
//!   a carriage return not followed by a line feed and the CSI cursor moves (`ESC[nD`
//!   back, `ESC[nC` forward, `ESC[nG` to a column) move where the next character is
//!   written, and it overwrites what is there, so `Fix AX-2026-011`CR`Fix S` shows
//!   `Fix SX-2026-011`. The written view keeps the contract's rule (a backspace erases,
//!   the sequences show nothing); a text with a cursor move is read both ways
//!   ([`has_cursor_move`]).
//!
//! Markdown's emphasis and code markers need nothing here: they are separators where the
//! matcher looks for an identifier's groups.

use std::ops::Range;

/// What one piece of the original text shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The piece itself: one character, or a run of plain ASCII.
    Itself,
    /// Nothing.
    Nothing,
    /// Another character: a decoded reference, or a space for a blank filler.
    Char(char),
    /// Several characters: a named HTML reference that stands for two.
    Str(&'static str),
    /// Nothing, and what was shown last is erased (a backspace).
    Erase,
    /// Nothing; the cursor moves ([`View::Terminal`] only).
    Move(Cursor),
}

/// A move of a terminal's cursor within its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Back(usize),
    Forward(usize),
    /// To this column, counted from 0.
    Column(usize),
}

/// The farthest a cursor move reaches: wider than any terminal, and it bounds the line a
/// hostile text can make the terminal view build.
pub const MAX_COLUMN: usize = 4096;

/// ASCII bytes that show as they are written and start nothing: printable characters but
/// `%`, `&` and `<` (which may start a tag), tab and line breaks.
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = matches!(b as u8, b' '..=b'~' | b'\t'..=b'\r')
            && b != b'%' as usize
            && b != b'&' as usize
            && b != b'<' as usize;
        b += 1;
    }
    table
};

/// Whether a text shows exactly as it is written ([`View::Written`]):
/// plain ASCII bytes only. Eight bytes at a time: a word with no byte below space, no
/// DEL, `%` or `&` is plain without a look at each byte (most words of a message); the
/// others (line breaks) are looked at.
pub fn is_plain_ascii(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !bytes.is_ascii() {
        return false;
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A high bit for (at least) every byte below `k` (every byte is below 0x80).
    let below = |x: u64, k: u64| x.wrapping_sub(k * ONES) & !x & HIGH;
    let equal = |x: u64, k: u64| below(x ^ (k * ONES), 1);
    // As written, `<` is itself.
    let plain = |chunk: &[u8]| chunk.iter().all(|&b| PLAIN[b as usize] || b == b'<');
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().unwrap());
        let suspect =
            below(x, 0x20) | equal(x, 0x7f) | equal(x, b'%' as u64) | equal(x, b'&' as u64);
        if suspect != 0 && !plain(w) {
            return false;
        }
    }
    plain(words.remainder())
}

/// Which reading of a text: as written (`git log`, a terminal: every text is read so),
/// and two more for texts that read differently to some readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Written,
    /// HTML tags hidden, as a Markdown view hides them (a pull request's body on a forge).
    Markdown,
    /// A capital after a small letter starts a word (camelCase, PascalCase).
    CamelSplit,
    /// A terminal's cursor moves, and what is written next overwrites.
    Terminal,
}

/// Whether `text` moves a terminal's cursor (a backspace, a carriage return not before a
/// line feed, a CSI cursor move), so that it reads differently in [`View::Terminal`].
pub fn has_cursor_move(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !bytes
        .iter()
        .any(|&b| matches!(b, 0x08 | b'\r' | 0x1b | 0xc2))
    {
        return false;
    }
    (0..bytes.len()).any(|at| match bytes[at] {
        0x08 => true,
        b'\r' => bytes.get(at + 1) != Some(&b'\n'),
        0x1b if bytes.get(at + 1) == Some(&b'[') => cursor_move(text, at + 2).is_some(),
        0xc2 if bytes.get(at + 1) == Some(&0x9b) => cursor_move(text, at + 2).is_some(),
        _ => false,
    })
}

/// The cursor move a CSI whose parameters start at `from` makes, if it is one: one
/// decimal parameter (none or 0 is 1; a column counts from 1), then `D`, `C` or `G`.
fn cursor_move(text: &str, from: usize) -> Option<Cursor> {
    let end = csi_len(text, from);
    let (&last, params) = text.as_bytes()[from..end].split_last()?;
    if !params.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = params
        .iter()
        .try_fold(0usize, |n, &d| {
            n.checked_mul(10)?.checked_add(usize::from(d - b'0'))
        })
        .unwrap_or(MAX_COLUMN)
        .clamp(1, MAX_COLUMN);
    match last {
        b'D' => Some(Cursor::Back(n)),
        b'C' => Some(Cursor::Forward(n)),
        b'G' => Some(Cursor::Column(n - 1)),
        _ => None,
    }
}

/// Whether `text` joins words in camelCase (an ASCII capital right after a small letter),
/// so that it reads differently in [`View::CamelSplit`].
pub fn has_camel_join(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

/// A space and the lower case of each ASCII capital: what a capital that starts a word
/// in camelCase shows in [`View::CamelSplit`].
const SPACED: [&str; 26] = [
    " a", " b", " c", " d", " e", " f", " g", " h", " i", " j", " k", " l", " m", " n", " o", " p",
    " q", " r", " s", " t", " u", " v", " w", " x", " y", " z",
];

/// Whether `text` has an HTML tag that [`View::Markdown`] hides, so that it reads
/// differently in a Markdown view.
pub fn has_tag(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|at| bytes[at] == b'<' && tag(bytes, at).is_some())
}

/// Calls `emit` for each piece of `text`, in order; the pieces cover the text. A run of
/// plain ASCII bytes (see [`is_plain_ascii`]) is one piece shown as itself; any other
/// piece that shows itself is one character.
pub fn render(text: &str, view: View, mut emit: impl FnMut(Range<usize>, Shown)) {
    let bytes = text.as_bytes();
    let camel = view == View::CamelSplit;
    let join = |i: usize| {
        camel && i > 0 && bytes[i - 1].is_ascii_lowercase() && bytes[i].is_ascii_uppercase()
    };
    let terminal = view == View::Terminal;
    let mut at = 0;
    while at < text.len() {
        if terminal {
            // One piece per character (the cursor may land inside any run), and the
            // controls that move the cursor.
            let c = text[at..].chars().next().unwrap();
            let moved = match c {
                '\u{8}' => Some((1, Cursor::Back(1))),
                '\r' if bytes.get(at + 1) != Some(&b'\n') => Some((1, Cursor::Column(0))),
                '\u{1b}' if bytes.get(at + 1) == Some(&b'[') => {
                    cursor_move(text, at + 2).map(|m| (csi_len(text, at + 2) - at, m))
                }
                '\u{9b}' => cursor_move(text, at + 2).map(|m| (csi_len(text, at + 2) - at, m)),
                _ => None,
            };
            if let Some((len, m)) = moved {
                emit(at..at + len, Shown::Move(m));
                at += len;
                continue;
            }
            if PLAIN[bytes[at] as usize] {
                emit(at..at + 1, Shown::Itself);
                at += 1;
                continue;
            }
        }
        if join(at) {
            emit(
                at..at + 1,
                Shown::Str(SPACED[usize::from(bytes[at] - b'A')]),
            );
            at += 1;
            continue;
        }
        if PLAIN[bytes[at] as usize] {
            let run = bytes[at..]
                .iter()
                .enumerate()
                .take_while(|&(i, &b)| PLAIN[b as usize] && (i == 0 || !join(at + i)))
                .count();
            emit(at..at + run, Shown::Itself);
            at += run;
            continue;
        }
        let c = text[at..].chars().next().unwrap();
        let (len, shown) = match c {
            '\u{1b}' => (escape_len(text, at), Shown::Nothing),
            '\u{9b}' => (csi_len(text, at + 2) - at, Shown::Nothing),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                (string_len(text, at + 2) - at, Shown::Nothing)
            }
            '%' => match percent(bytes, at) {
                Some((len, c)) => (len, decoded(c)),
                None => (1, Shown::Itself),
            },
            '&' => match reference(text, at) {
                Some((len, shown)) => (len, shown),
                None => (1, Shown::Itself),
            },
            '<' => match tag(bytes, at).filter(|_| view == View::Markdown) {
                Some((len, shown)) => (len, shown),
                None => (1, Shown::Itself),
            },
            c => (c.len_utf8(), class(c)),
        };
        emit(at..at + len, shown);
        at += len;
    }
}

/// What one character of the text shows.
fn class(c: char) -> Shown {
    match c {
        '\u{8}' => Shown::Erase,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' => Shown::Itself,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}' => Shown::Nothing,
        c if is_blank_filler(c) => Shown::Char(' '),
        _ => Shown::Itself,
    }
}

/// What a decoded character shows: as the same character written out would.
fn decoded(c: char) -> Shown {
    match class(c) {
        Shown::Itself => Shown::Char(c),
        other => other,
    }
}

/// Characters that display as a blank but are not white space (nor, for Unicode,
/// visible at all: most are Default_Ignorable): they part words as a space does.
pub fn is_blank_filler(c: char) -> bool {
    matches!(
        c,
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{1D159}'
    )
}

/// Length of the escape sequence at `at` (an ESC): a CSI, a string sequence (OSC, DCS,
/// SOS, PM, APC) or a two-character escape with its intermediates. An unfinished one
/// ends where what follows cannot belong to it.
fn escape_len(text: &str, at: usize) -> usize {
    let bytes = text.as_bytes();
    let end = match bytes.get(at + 1) {
        Some(b'[') => csi_len(text, at + 2),
        Some(b']' | b'P' | b'X' | b'^' | b'_') => string_len(text, at + 2),
        Some(_) => {
            let mut i = at + 1;
            while matches!(bytes.get(i), Some(0x20..=0x2f)) {
                i += 1;
            }
            match bytes.get(i) {
                Some(0x30..=0x7e) => i + 1,
                _ => i,
            }
        }
        None => at + 1,
    };
    end - at
}

/// End of a CSI whose parameters start at `from`: parameter and intermediate bytes,
/// then one final byte.
fn csi_len(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while matches!(bytes.get(i), Some(0x20..=0x3f)) {
        i += 1;
    }
    match bytes.get(i) {
        Some(0x40..=0x7e) => i + 1,
        _ => i,
    }
}

/// End of a control string whose content starts at `from`: through its terminator (BEL,
/// ESC `\` or the 8-bit ST), or up to the end of the line when it has none.
fn string_len(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    for (i, c) in rest.char_indices() {
        match c {
            '\u{7}' | '\u{9c}' => return from + i + c.len_utf8(),
            '\u{1b}' if rest[i + 1..].starts_with('\\') => return from + i + 2,
            '\n' => return from + i,
            _ => {}
        }
    }
    text.len()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A percent-encoded character at `at`: one `%XX` for ASCII, or as many as one UTF-8
/// character takes. Its length in the text and the character.
fn percent(bytes: &[u8], at: usize) -> Option<(usize, char)> {
    let byte = |k: usize| -> Option<u8> {
        let p = at + 3 * k;
        if bytes.get(p) != Some(&b'%') {
            return None;
        }
        Some(hex(*bytes.get(p + 1)?)? << 4 | hex(*bytes.get(p + 2)?)?)
    };
    let first = byte(0)?;
    let n = match first {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let mut buf = [first, 0, 0, 0];
    for (k, slot) in buf.iter_mut().enumerate().take(n).skip(1) {
        *slot = byte(k)?;
    }
    let c = std::str::from_utf8(&buf[..n]).ok()?.chars().next()?;
    Some((3 * n, c))
}

/// An HTML character reference at `at`: numeric (`&#45;`, `&#x2D;`, the `;` optional
/// as browsers take it) or named (`&ndash;`, the `;` required). Its length and what it
/// shows.
fn reference(text: &str, at: usize) -> Option<(usize, Shown)> {
    let rest = &text.as_bytes()[at + 1..];
    if let Some(num) = rest.strip_prefix(b"#") {
        let (radix, digits_at) = match num.first() {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = rest[digits_at..]
            .iter()
            .take_while(|b| (**b as char).is_digit(radix))
            .count();
        if digits == 0 || digits > 8 {
            return None;
        }
        let s = std::str::from_utf8(&rest[digits_at..digits_at + digits]).ok()?;
        let c = char::from_u32(u32::from_str_radix(s, radix).ok()?)?;
        let semi = usize::from(rest.get(digits_at + digits) == Some(&b';'));
        return Some((1 + digits_at + digits + semi, decoded(c)));
    }
    let name = rest
        .iter()
        .take(40)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name == 0 || rest.get(name) != Some(&b';') {
        return None;
    }
    let key = &rest[..name];
    let i = html_escape::NAMED_ENTITIES
        .binary_search_by(|(n, _)| n.cmp(&key))
        .ok()?;
    let value = html_escape::NAMED_ENTITIES[i].1;
    let mut chars = value.chars();
    let shown = match (chars.next(), chars.next()) {
        (Some(c), None) => decoded(c),
        _ => Shown::Str(value),
    };
    Some((name + 2, shown))
}

/// Inline HTML elements that format text without parting it from what is around it.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "tt", "u", "var", "wbr",
];

/// An HTML tag without attributes at `at` (a `<`): `<name>`, `<name/>` or `</name>`,
/// white space allowed before the `>`, the name a letter then letters, digits or `-`
/// (CommonMark's raw HTML). Its length and what it shows.
fn tag(bytes: &[u8], at: usize) -> Option<(usize, Shown)> {
    let rest = bytes.get(at + 1..)?;
    let closing = usize::from(rest.first() == Some(&b'/'));
    let name = &rest[closing..];
    if !name.first()?.is_ascii_alphabetic() {
        return None;
    }
    let name_len = name
        .iter()
        .take(33)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    let mut i = closing + name_len;
    while matches!(rest.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if closing == 0 && rest.get(i) == Some(&b'/') {
        i += 1;
    }
    if name_len > 32 || rest.get(i) != Some(&b'>') {
        return None;
    }
    let name = &name[..name_len];
    let inline = INLINE_TAGS
        .iter()
        .any(|t| t.as_bytes().eq_ignore_ascii_case(name));
    Some((
        i + 2,
        if inline {
            Shown::Nothing
        } else {
            Shown::Char(' ')
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `text` shows, as a string, with backspaces applied.
    fn shown(text: &str) -> String {
        shown_as(text, View::Markdown)
    }

    fn shown_as(text: &str, view: View) -> String {
        let mut out = String::new();
        render(text, view, |range, s| match s {
            Shown::Itself => out.push_str(&text[range]),
            Shown::Nothing => {}
            Shown::Char(c) => out.push(c),
            Shown::Str(s) => out.push_str(s),
            Shown::Erase => {
                out.pop();
            }
            Shown::Move(_) => {}
        });
        out
    }

    #[test]
    fn cursor_moves_are_found_and_read() {
        for text in [
            "a\u{8}b",
            "Fix AX\rFix S",
            "x\u{1b}[2Dy",
            "x\u{1b}[Cy",
            "x\u{1b}[12Gy",
            "x\u{9b}3Dy",
            "end\r",
        ] {
            assert!(has_cursor_move(text), "{text:?}");
        }
        for text in [
            "a\r\nb",
            "x\u{1b}[1my",
            "x\u{1b}[2;3Dy",
            "x\u{1b}[?25ly",
            "x\u{1b}Dy",
            "\u{c2}",
        ] {
            assert!(!has_cursor_move(text), "{text:?}");
        }
        let moves = |text: &str| {
            let mut out = Vec::new();
            render(text, View::Terminal, |range, s| {
                if let Shown::Move(m) = s {
                    out.push((range, m));
                }
            });
            out
        };
        assert_eq!(moves("x\u{1b}[Dy"), [(1..4, Cursor::Back(1))]);
        assert_eq!(moves("x\u{1b}[0Cy"), [(1..5, Cursor::Forward(1))]);
        assert_eq!(moves("x\u{1b}[7Gy"), [(1..5, Cursor::Column(6))]);
        assert_eq!(
            moves("x\u{1b}[99999999999999999999Dy")[0].1,
            Cursor::Back(MAX_COLUMN)
        );
        assert_eq!(
            moves("ab\rc\r\n\u{8}"),
            [(2..3, Cursor::Column(0)), (6..7, Cursor::Back(1))]
        );
        // The other views keep the contract's rule: a backspace erases, a CSI is nothing.
        assert_eq!(shown_as("ab\u{8}c\u{1b}[1Dd", View::Written), "acd");
    }

    #[test]
    fn html_tags_without_attributes_show_as_a_markdown_view_shows_them() {
        assert_eq!(shown("SX<b>-</b>2026"), "SX-2026");
        assert_eq!(shown("<span>SX</span>-2026"), "SX-2026");
        assert_eq!(shown("S<EM>X</Em >-2026"), "SX-2026");
        assert_eq!(shown("SX<br/>2026<p>x</p>"), "SX 2026 x ");
        assert_eq!(shown("SX<custom-tag>2026"), "SX 2026");
        // Attributes, addresses, comparisons and includes are left as written.
        for plain in [
            "<a title=\"SX-2026\">x</a>",
            "A U Thor <author@example.com>",
            "a < b > c",
            "#include <stdio.h>",
            "<!-- hidden -->",
            "a <= b",
            "<>",
            "</>",
        ] {
            let expected = plain.replace("</a>", "");
            assert_eq!(shown(plain), expected, "{plain}");
        }
        // As written, a tag is itself; a text has one only where the Markdown view
        // hides something.
        let written = shown_as("SX<b>-</b>2026 <SX-1>", View::Written);
        assert_eq!(written, "SX<b>-</b>2026 <SX-1>");
        assert!(is_plain_ascii("SX<b>-</b>2026"));
        assert!(has_tag("SX<b>-</b>2026") && has_tag("x <SX-2026-011>"));
        for none in [
            "A U Thor <a@example.com>",
            "if a<b",
            "a <= b",
            "<a href=x>",
            "x",
        ] {
            assert!(!has_tag(none), "{none}");
        }
    }

    #[test]
    fn the_camel_case_view_starts_a_word_at_each_capital_after_a_small_letter() {
        let split = |t: &str| shown_as(t, View::CamelSplit);
        assert_eq!(split("TestSx2026011"), "Test sx2026011");
        assert_eq!(split("ratchetHeaderReplay()"), "ratchet header replay()");
        assert_eq!(split("fn testSX_2026_011"), "fn test sX_2026_011");
        // Capitals in a row, or after a digit or a separator, start nothing new.
        assert_eq!(
            split("GHSA-7xq2 HTTPServer a1B"),
            "GHSA-7xq2 HTTPServer a1B"
        );
        assert_eq!(split("é\u{1b}[1mxY"), "éx y");
        assert!(has_camel_join("ratchetHeader") && !has_camel_join("HTTP Header x1Y"));
    }

    #[test]
    fn terminal_escapes_and_controls_show_nothing() {
        assert_eq!(shown("SX\u{1b}[1m-2026\u{1b}[0m"), "SX-2026");
        assert_eq!(shown("a\u{1b}[38;5;196mb"), "ab");
        assert_eq!(
            shown("a\u{1b}]8;;https://x.example/\u{1b}\\b\u{1b}]8;;\u{7}c"),
            "abc"
        );
        assert_eq!(shown("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(shown("a\u{9b}1mb\u{9d}t\u{9c}c"), "abc");
        assert_eq!(shown("a\u{1b}(Bb\u{1b}c"), "ab");
        assert_eq!(shown("r\u{0}a\u{1}t\u{7f}c\u{85}h"), "ratch");
        assert_eq!(shown("a\tb\nc\r\n"), "a\tb\nc\r\n");
        // An OSC without its terminator hides the rest of its line, not the next one.
        assert_eq!(shown("a\u{1b}]2;hidden\nb"), "a\nb");
        assert_eq!(shown("end\u{1b}"), "end");
        assert_eq!(shown("end\u{1b}["), "end");
    }

    #[test]
    fn a_backspace_erases_what_was_shown_before_it() {
        assert_eq!(shown("s\u{8}skipped"), "skipped");
        assert_eq!(shown("SX-20x\u{8}26"), "SX-2026");
        assert_eq!(shown("ab\u{8}\u{8}\u{8}c"), "c");
    }

    #[test]
    fn percent_encoding_is_decoded_once() {
        assert_eq!(shown("SX%2D2026%2d0142"), "SX-2026-0142");
        assert_eq!(shown("a%20b"), "a b");
        assert_eq!(shown("a%E2%80%93b"), "a\u{2013}b");
        assert_eq!(shown("%252D"), "%2D");
        // Not an encoding: left as written.
        assert_eq!(
            shown("100% sure, 5%zz, %E2%80x, %"),
            "100% sure, 5%zz, %E2%80x, %"
        );
        // An encoded control is a control.
        assert_eq!(shown("ab%08c"), "ac");
    }

    #[test]
    fn html_character_references_are_decoded() {
        assert_eq!(shown("SX&#45;2026&#x2d;0142"), "SX-2026-0142");
        assert_eq!(shown("SX&#45 2026"), "SX- 2026");
        assert_eq!(
            shown("a&ndash;b&nbsp;c&amp;d&mdash;e"),
            "a\u{2013}b\u{a0}c&d\u{2014}e"
        );
        assert_eq!(shown("&NotEqualTilde;"), "\u{2242}\u{338}");
        // Not references: left as written.
        assert_eq!(
            shown("R&D, &nosuch; &ndash &#; &#xZ; &#99999999999;"),
            "R&D, &nosuch; &ndash &#; &#xZ; &#99999999999;"
        );
    }

    #[test]
    fn blank_fillers_show_a_space() {
        assert_eq!(
            shown("ratchet\u{3164}header\u{FFA0}replay\u{115F}x\u{1160}y\u{2800}z"),
            "ratchet header replay x y z"
        );
    }

    #[test]
    fn plain_ascii_is_recognised() {
        assert!(is_plain_ascii("Fix the parser\n\tand more\r\n"));
        for s in ["50%", "R&D", "a\u{1b}[1m", "a\u{8}", "a\u{7f}", "a\u{0}"] {
            assert!(!is_plain_ascii(s), "{s:?}");
        }
        // Every byte, at every place of a word and in the tail, against the table (`<` is
        // plain as written).
        for b in 0..128u8 {
            for at in 0..19 {
                let mut text = vec![b'x'; 19];
                text[at] = b;
                let text = String::from_utf8(text).unwrap();
                let plain = PLAIN[b as usize] || b == b'<';
                assert_eq!(is_plain_ascii(&text), plain, "byte {b} at {at}");
                // A tag at every place of a word and in the tail is found.
                let mut tagged = vec![b'x'; 19];
                tagged.splice(at..at, *b"<b>");
                assert!(
                    has_tag(std::str::from_utf8(&tagged).unwrap()),
                    "tag at {at}"
                );
            }
        }
    }

    #[test]
    fn pieces_cover_the_text_in_order() {
        let text = "a\u{1b}[1m%2D&ndash;\u{3164}é\u{8}";
        let mut next = 0;
        render(text, View::Markdown, |range, _| {
            assert_eq!(range.start, next);
            next = range.end;
        });
        assert_eq!(next, text.len());
    }
}
