//! What a squeezed literal must look like in the folded text to count as a mention:
//! an identifier's groups with separators between them, a phrase's whole words.

use super::inflect::is_inflection;
use crate::engine::normalize::fold_char;

/// Splits a folded identifier into its maximal runs of letters and of digits.
pub(super) fn identifier_groups(folded: &str) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    let mut last: Option<bool> = None;
    for c in folded.chars() {
        if !c.is_alphanumeric() {
            last = None;
            continue;
        }
        let digit = c.is_numeric();
        match groups.last_mut() {
            Some(g) if last == Some(digit) => g.push(c),
            _ => groups.push(c.to_string()),
        }
        last = Some(digit);
    }
    groups
}

/// Splits a folded phrase into its words (maximal alphanumeric runs).
pub(super) fn phrase_words(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// What may stand between an identifier's groups: the contract's separators, and the
/// Markdown emphasis and code markers that render as nothing (`**SX**-2026`,
/// `` `SX`-`2026` ``).
fn is_identifier_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '/' | '*' | '`' | '~') || c.is_whitespace()
}

/// The first character of an id or alias that no mention of it can hold, with what it
/// reads as once folded: a mention is letter and digit groups with separators between
/// them, so an id with `;` or `#` in it, or a character that reads as one (`ʼ` reads as
/// `'`), would never match, not even itself.
pub(crate) fn unholdable_character(id: &str) -> Option<(char, char)> {
    id.chars().find_map(|c| {
        let folded = if c.is_ascii() {
            c.to_ascii_lowercase().to_string()
        } else {
            fold_char(c)
        };
        let bad = folded
            .chars()
            .find(|&f| !f.is_alphanumeric() && !is_identifier_separator(f))?;
        Some((c, bad))
    })
}

/// Where `group` ends when the folded text has it at `at`. A group of digits also takes
/// the letters that look like them (`o` for 0, `l` and `i` for 1: `2O26`, `l0l`).
fn group_at(folded: &str, at: usize, group: &str) -> Option<usize> {
    let text = folded.as_bytes().get(at..at + group.len())?;
    let digits = group.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let same = |(&t, g): (&u8, u8)| {
        t == g || digits && matches!((g, t), (b'0', b'o') | (b'1', b'l' | b'i'))
    };
    text.iter()
        .zip(group.bytes())
        .all(same)
        .then_some(at + group.len())
}

fn alnum_before(folded: &str, at: usize) -> bool {
    folded[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

fn alnum_at(folded: &str, at: usize) -> bool {
    folded[at..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric)
}

/// Checks an identifier starting at `start`; returns where it ends.
pub(super) fn verify_identifier<'a>(
    folded: &str,
    start: usize,
    groups: impl Iterator<Item = &'a str>,
) -> Option<usize> {
    if alnum_before(folded, start) {
        return None;
    }
    let mut at = start;
    for (i, group) in groups.enumerate() {
        if i > 0 {
            at += folded[at..]
                .char_indices()
                .find(|&(_, c)| !is_identifier_separator(c))
                .map_or(folded.len() - at, |(k, _)| k);
        }
        at = group_at(folded, at, group)?;
    }
    (!alnum_at(folded, at)).then_some(at)
}

/// Checks a phrase starting at `start`; returns where it ends. When `inflected`, the
/// text's last word is instead one of the regular inflections of the phrase's last word.
pub(super) fn verify_phrase<'a>(
    folded: &str,
    start: usize,
    words: impl Iterator<Item = &'a str>,
    inflected: bool,
) -> Option<usize> {
    if alnum_before(folded, start) {
        return None;
    }
    let mut at = start;
    let mut words = words.peekable();
    let mut i = 0;
    while let Some(word) = words.next() {
        let last = words.peek().is_none();
        i += 1;
        if i > 1 {
            let gap = folded[at..]
                .char_indices()
                .find(|&(_, c)| c.is_alphanumeric())
                .map_or(folded.len() - at, |(k, _)| k);
            if gap == 0 {
                return None;
            }
            at += gap;
        }
        if last && inflected {
            let len = folded[at..]
                .char_indices()
                .find(|&(_, c)| !c.is_alphanumeric())
                .map_or(folded.len() - at, |(k, _)| k);
            return is_inflection(&folded[at..at + len], word).then_some(at + len);
        }
        if !folded[at..].starts_with(word) {
            return None;
        }
        at += word.len();
    }
    (!alnum_at(folded, at)).then_some(at)
}
