//! The regular English inflections of a term's last word (contract §5): `leak` also
//! matches `leaks`, `leaked` and `leaking`. The index holds each term once; where a
//! stretch of text is looked up, its possible stems are looked up too ([`stems`]), and a
//! term found through a stem is verified with its last word inflected
//! ([`is_inflection`]). Forms follow the spelling rules rather than a dictionary; a few
//! that are not words (`leakes`) cost nothing: they never occur.

/// The most bytes an inflection adds to a word (`drop`: `dropping`).
pub(super) const MAX_SUFFIX: usize = 4;

/// Whether `text_word` is a regular inflection of `word` (see [`inflections`]).
pub(super) fn is_inflection(text_word: &str, word: &str) -> bool {
    text_word.len() > word.len()
        && text_word.len() <= word.len() + MAX_SUFFIX
        && inflections(word).iter().any(|f| f == text_word)
}

/// The stems a squeezed stretch of text (in digit form: `i` and `l` are `1`) may be an
/// inflection of, each given to `stem`: strip `-s`, `-es`, `-ed`, `-d`, `-ing`, and undo
/// `y` to `i`, a dropped `e`, a doubled consonant. Every candidate is a guess the index
/// and the verification settle.
pub(super) fn stems(window: &[u8], buf: &mut Vec<u8>, mut stem: impl FnMut(&[u8])) {
    let n = window.len();
    let mut try_stem = |keep: usize, add: Option<u8>| {
        if keep < 2 {
            return;
        }
        buf.clear();
        buf.extend_from_slice(&window[..keep]);
        buf.extend(add);
        stem(buf);
    };
    let ends = |suffix: &[u8]| window.ends_with(suffix);
    let doubled = |end: usize| end >= 3 && window[end - 1] == window[end - 2];
    if ends(b"s") {
        try_stem(n - 1, None);
        if ends(b"es") {
            try_stem(n - 2, None);
        }
        if ends(b"1es") {
            try_stem(n - 3, Some(b'y'));
        }
    }
    if ends(b"ed") {
        try_stem(n - 2, None);
        try_stem(n - 1, None);
        if ends(b"1ed") {
            try_stem(n - 3, Some(b'y'));
        }
        if doubled(n - 2) {
            try_stem(n - 3, None);
        }
    }
    if ends(b"1ng") {
        try_stem(n - 3, None);
        try_stem(n - 3, Some(b'e'));
        if doubled(n - 3) {
            try_stem(n - 4, None);
        }
    }
}

/// `-s`, `-es`, `-ed`, `-ing`, with the regular spelling changes: a final `e` dropped
/// (`escape`: `escaped`, `escaping`), a final `y` after a consonant turned into `i`
/// (`apply`: `applies`, `applied`), and a final consonant doubled after a single vowel
/// (`drop`: `dropped`, `dropping`). Only for plain ASCII words of two letters or more.
fn inflections(word: &str) -> Vec<String> {
    let b = word.as_bytes();
    if b.len() < 2 || !b.iter().all(u8::is_ascii_lowercase) {
        return Vec::new();
    }
    let vowel = |c: u8| b"aeiou".contains(&c);
    let (last, before) = (b[b.len() - 1], b[b.len() - 2]);
    let stem = &word[..word.len() - 1];
    let mut out: Vec<String> = ["s", "es", "ed", "ing"]
        .iter()
        .map(|suffix| format!("{word}{suffix}"))
        .collect();
    if last == b'e' {
        out.push(format!("{word}d"));
        out.push(format!("{stem}ing"));
    }
    if last == b'y' && !vowel(before) {
        out.push(format!("{stem}ies"));
        out.push(format!("{stem}ied"));
    }
    let single_vowel_before = vowel(before) && (b.len() < 3 || !vowel(b[b.len() - 3]));
    if !vowel(last) && !b"wxy".contains(&last) && single_vowel_before {
        let l = last as char;
        out.push(format!("{word}{l}ed"));
        out.push(format!("{word}{l}ing"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: &[(&str, &[&str])] = &[
        ("leak", &["leaks", "leaked", "leaking"]),
        ("patch", &["patches", "patched", "patching"]),
        ("bypass", &["bypasses", "bypassed", "bypassing"]),
        ("escape", &["escapes", "escaped", "escaping"]),
        ("apply", &["applies", "applied", "applying"]),
        ("replay", &["replays", "replayed", "replaying"]),
        ("drop", &["drops", "dropped", "dropping"]),
        ("overflow", &["overflows", "overflowed", "overflowing"]),
        ("free", &["frees", "freed", "freeing"]),
        ("control", &["controls", "controlled", "controlling"]),
    ];

    #[test]
    fn regular_forms_are_inflections() {
        for (word, forms) in WORDS {
            for form in *forms {
                assert!(is_inflection(form, word), "{word}: {form}");
            }
            assert!(!is_inflection(word, word));
        }
    }

    /// Every form's digit form leads back to its word's digit form among the stems.
    #[test]
    fn every_form_has_its_word_among_its_stems() {
        let digit = |s: &str| -> Vec<u8> {
            s.bytes()
                .map(|b| match b {
                    b'o' => b'0',
                    b'i' | b'l' => b'1',
                    b => b,
                })
                .collect()
        };
        for (word, forms) in WORDS {
            for form in *forms {
                let mut found = false;
                stems(&digit(form), &mut Vec::new(), |s| found |= s == digit(word));
                assert!(found, "{form} does not lead back to {word}");
            }
        }
    }

    #[test]
    fn only_plain_words_are_inflected() {
        assert!(inflections("x").is_empty());
        assert!(inflections("2026").is_empty());
        assert!(inflections("ключ").is_empty());
        assert!(
            !is_inflection("leakked", "leak"),
            "no doubling after two vowels"
        );
        assert!(!is_inflection("fixxed", "fix"), "no doubling of x");
        assert!(!is_inflection("leakage", "leak"));
    }
}
