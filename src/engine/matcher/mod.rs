//! Finding mentions of registry issues in text (contract §5): ids and aliases as whole
//! identifiers with flexible separators, terms as whole-word phrases, patterns as regexes.
//!
//! Ids, aliases and terms are all *squeezed* — folded, with every non-alphanumeric character
//! removed — so `SX-2026-011`, `sx 2026 011` and `SX_2026_011` are one literal, `sx2026011`.
//! A mention must start where a run of alphanumeric characters starts and end where one
//! ends (nothing alphanumeric may touch it), so the text is searched only there: for each
//! run start, the squeezed text up to each following run end is looked up in a hash table
//! of the squeezed literals, behind a bit filter on the first bytes that rejects almost
//! every run start at once. Each hit is then verified against the folded text for the rule
//! of its kind (which separators may stand where, whole-word boundaries). Building this
//! index is linear in the registry and it can be stored and reloaded as flat arrays (see
//! [`crate::engine::compiled`]), which keeps a hook's start-up short with a large registry.
//!
//! Patterns are compiled only when needed: a pattern whose every match must start with one
//! of a few literals (extracted from the regex as the regex crate does for its own
//! prefilter) is compiled and run only on text that contains one of them, found by one
//! SIMD (Teddy) search for the literals of all patterns; the others always run.

mod field;
mod inflect;
mod literals;
mod patterns;
mod squeeze;
mod verify;

use std::collections::HashMap;
use std::ops::Range;

use crate::engine::codec::{Reader, SharedStr, Writer};
use crate::engine::normalize::{fold, Normalized};
use crate::engine::registry::{Issue, Issues};

pub use self::field::Field;
use self::literals::{Literals, OwnerSpec};
use self::patterns::{prefix_literals, Pattern, Patterns};
pub(crate) use self::verify::unholdable_character;
use self::verify::{identifier_groups, phrase_words};

/// One place where the text mentions an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Index into the registry's `issues`.
    pub issue: usize,
    pub field: Field,
    /// Byte range in the *original* text.
    pub span: Range<usize>,
}

/// The registry compiled once.
#[derive(Debug)]
pub struct Matcher {
    literals: Option<Literals>,
    patterns: Patterns,
}

impl Matcher {
    /// Compiles the issues' ids, aliases and terms, and parses their patterns (an error
    /// for a pattern that does not parse). Patterns are compiled on first use, with the
    /// size limit that registry validation compiles each of them with: for a registry
    /// that loaded, that cannot fail.
    pub fn new<'a>(issues: impl IntoIterator<Item = &'a Issue>) -> Result<Matcher, String> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut squeezed_literals: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<OwnerSpec>> = Vec::new();
        let mut patterns = Vec::new();
        let mut add = |pieces: Vec<String>, owner: (usize, Field, bool)| {
            let squeezed = pieces.concat();
            if squeezed.is_empty() {
                return;
            }
            let at = *index.entry(squeezed.clone()).or_insert_with(|| {
                squeezed_literals.push(squeezed);
                owners.push(Vec::new());
                owners.len() - 1
            });
            owners[at].push(OwnerSpec {
                issue: owner.0,
                field: owner.1,
                phrase: owner.2,
                pieces: pieces.iter().map(|p| p.len() as u32).collect(),
            });
        };
        for (i, issue) in issues.into_iter().enumerate() {
            let names = std::iter::once((Field::Id, &issue.id)).chain(
                issue
                    .aliases
                    .iter()
                    .enumerate()
                    .map(|(k, a)| (Field::Alias(k), a)),
            );
            for (field, name) in names {
                add(identifier_groups(&fold(name)), (i, field, false));
            }
            for (k, term) in issue.terms.iter().enumerate() {
                add(phrase_words(&fold(term)), (i, Field::Term(k), true));
            }
            for (k, pattern) in issue.patterns.iter().enumerate() {
                let prefixes = prefix_literals(pattern)
                    .map_err(|_| format!("pattern #{} of issues[{i}] does not compile", k + 1))?;
                patterns.push(Pattern::new(
                    i,
                    k,
                    SharedStr::from(pattern.clone()),
                    prefixes,
                ));
            }
        }
        Ok(Matcher {
            literals: Literals::build(squeezed_literals, owners)?,
            patterns: Patterns::build(patterns, None),
        })
    }

    /// Every mention in the text, ordered by position. Identical (issue, field, span)
    /// triples are reported once.
    pub fn find(&self, text: &Normalized<'_>) -> Vec<Mention> {
        self.find_with(text, true)
    }

    /// As [`Matcher::find`], without running the patterns when `patterns` is false (a
    /// commit's changes checked for ids only need none of them). A text with an HTML tag
    /// is also read as a Markdown view shows it ([`Normalized::in_markdown`]), one with a
    /// camelCase join as words ([`Normalized::camel_split`]), and one that moves a
    /// terminal's cursor as a terminal shows it ([`Normalized::in_terminal`]): what any
    /// reader sees counts.
    pub fn find_with(&self, text: &Normalized<'_>, patterns: bool) -> Vec<Mention> {
        let mut found = Vec::new();
        self.collect(text, patterns, &mut found);
        let original = text.original();
        let others = [
            Normalized::in_markdown(original),
            Normalized::camel_split(original),
            Normalized::in_terminal(original),
        ];
        for other in others.iter().flatten() {
            self.collect(other, patterns, &mut found);
        }
        found.sort_by(|a, b| {
            (a.span.start, a.span.end, a.issue, a.field).cmp(&(
                b.span.start,
                b.span.end,
                b.issue,
                b.field,
            ))
        });
        found.dedup();
        found
    }

    fn collect(&self, text: &Normalized<'_>, patterns: bool, found: &mut Vec<Mention>) {
        let folded = text.folded();
        if let Some(literals) = &self.literals {
            literals.find(folded, |issue, field, range| {
                found.push(Mention {
                    issue,
                    field,
                    span: text.to_original(range),
                })
            });
        }
        if patterns {
            self.patterns.find(folded, |issue, field, range| {
                found.push(Mention {
                    issue,
                    field,
                    span: text.to_original(range),
                })
            });
        }
    }

    /// Writes the compiled form for the cache.
    pub(crate) fn encode(&self, w: &mut Writer) {
        match &self.literals {
            None => w.u32(0),
            Some(l) => {
                w.u32(1);
                l.encode(w);
            }
        }
        self.patterns.encode(w);
    }

    /// Reads a compiled form written by [`Matcher::encode`] for these issues, without
    /// decoding any of them: a pattern's text is taken from its issue where it lies.
    /// Everything is bounds-checked: `None` rather than a panic on anything inconsistent.
    pub(crate) fn decode(r: &mut Reader<'_>, issues: &Issues) -> Option<Matcher> {
        let literals = match r.u32()? {
            0 => None,
            1 => Some(Literals::decode(r, issues.len())?),
            _ => return None,
        };
        let patterns = Patterns::decode(r, issues)?;
        Some(Matcher { literals, patterns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::registry::Severity;

    fn issue(id: &str, aliases: &[&str], terms: &[&str], patterns: &[&str]) -> Issue {
        Issue {
            id: id.to_string(),
            severity: Severity::High,
            summary: None,
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            terms: terms.iter().map(|s| s.to_string()).collect(),
            patterns: patterns.iter().map(|s| s.to_string()).collect(),
            released: None,
            disclosed: None,
            fixed_in: None,
            line: 1,
        }
    }

    fn spans(issues: &[Issue], text: &str) -> Vec<(usize, Field, String)> {
        let m = Matcher::new(issues).unwrap();
        m.find(&Normalized::new(text))
            .into_iter()
            .map(|x| (x.issue, x.field, text[x.span].to_string()))
            .collect()
    }

    fn one() -> Vec<Issue> {
        vec![issue(
            "SX-2026-011",
            &["CVE-2026-41873", "GHSA-7xq2-9m4r-p3fw"],
            &["ratchet header replay", "chunk digest"],
            &[r"queue\s+takeover\s+via\s+\w+"],
        )]
    }

    #[test]
    fn id_matches_with_flexible_separators() {
        for text in [
            "fix SX-2026-011 now",
            "fix sx 2026 011 now",
            "fix SX_2026_011",
            "fix sx2026011",
            "fix sx.2026/011",
            "fix SX-\n2026-\n011",
            "(SX-2026-011)",
        ] {
            let found = spans(&one(), text);
            assert_eq!(found.len(), 1, "{text:?}");
            assert_eq!(found[0].1, Field::Id, "{text:?}");
        }
    }

    #[test]
    fn id_near_misses_do_not_match() {
        for text in [
            "SX-2026-0111",
            "SX-2026-01",
            "XSX-2026-011",
            "1SX-2026-011",
            "SX-2026-011a",
            "SX-20-26-011",
            "SX:2026:011",
        ] {
            assert!(spans(&one(), text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn aliases_match_as_identifiers() {
        let found = spans(&one(), "see cve 2026 41873 and ghsa-7XQ2-9M4R-P3FW.");
        assert_eq!(
            found,
            vec![
                (0, Field::Alias(0), "cve 2026 41873".to_string()),
                (0, Field::Alias(1), "ghsa-7XQ2-9M4R-P3FW".to_string()),
            ]
        );
        assert!(spans(&one(), "CVE-2026-418730").is_empty());
    }

    #[test]
    fn terms_match_whole_words_across_lines_and_punctuation() {
        let found = spans(&one(), "Stop the Ratchet\nheader -- replay!");
        assert_eq!(
            found,
            vec![(0, Field::Term(0), "Ratchet\nheader -- replay".to_string())]
        );
        assert_eq!(spans(&one(), "chunk, digest").len(), 1);
    }

    #[test]
    fn term_near_misses_do_not_match() {
        for text in [
            "chunk digester",
            "chunkdigest",
            "xchunk digest",
            "chunk digest2",
            "ratchet header replayz",
            "ratchets header replay",
        ] {
            assert!(spans(&one(), text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn patterns_match_case_insensitively_on_folded_text() {
        let found = spans(&one(), "prevent Queue  TAKEOVER via proxy");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, Field::Pattern(0));
        assert_eq!(found[0].2, "Queue  TAKEOVER via proxy");
    }

    #[test]
    fn obfuscated_mentions_map_back_to_the_users_characters() {
        // Cyrillic а and е, a zero-width space and a soft hyphen inside the term.
        let text = "r\u{0430}tch\u{0435}t he\u{200B}ader re\u{00AD}play";
        let found = spans(&one(), text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2, text);
        let text = "ＳＸ－２０２６－０１１";
        assert_eq!(spans(&one(), text)[0].2, text);
        let text = "SX\u{2011}2026\u{2013}011";
        assert_eq!(spans(&one(), text)[0].2, text);
    }

    #[test]
    fn overlapping_literals_of_several_issues_are_all_found() {
        let issues = vec![
            issue("A-1", &[], &["header replay"], &[]),
            issue("B-2", &[], &["ratchet header"], &[]),
        ];
        let found = spans(&issues, "ratchet header replay");
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn shared_literals_report_every_owner() {
        let issues = vec![
            issue("A-1", &[], &["same thing"], &[]),
            issue("B-2", &[], &["same-thing"], &[]),
        ];
        let found = spans(&issues, "the same thing");
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn positions_stay_right_far_into_long_text() {
        let mut text = "word ".repeat(5000);
        text.push_str("x chunk digest y");
        let found = spans(&one(), &text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].2, "chunk digest");
    }

    #[test]
    fn non_latin_text_is_matched_too() {
        let issues = vec![issue("Ж-7", &[], &["ключ утечка"], &[])];
        assert_eq!(spans(&issues, "fix ж 7 and КЛЮЧ, утечка").len(), 2);
    }

    /// Contract §5, text as it is rendered: each evasion in the issue, and its span in
    /// the user's own text.
    #[test]
    fn rendered_text_evasions_are_mentions() {
        for (text, mentioned) in [
            ("fix **SX**-2026-011", "SX**-2026-011"),
            ("fix `SX`-`2026`-`011` now", "SX`-`2026`-`011"),
            ("fix ~~SX~~-2026-011", "SX~~-2026-011"),
            ("fix _SX_-2026-011", "SX_-2026-011"),
            (
                "fix SX\u{1b}[1m-2026\u{1b}[0m-011",
                "SX\u{1b}[1m-2026\u{1b}[0m-011",
            ),
            ("fix S\u{8}SX-2026-011", "SX-2026-011"),
            ("fix SX%2D2026%2D011", "SX%2D2026%2D011"),
            ("fix SX&#45;2026&#x2d;011", "SX&#45;2026&#x2d;011"),
            ("fix SX&ndash;2026&nbsp;011", "SX&ndash;2026&nbsp;011"),
            ("fix SX-2O26-O11", "SX-2O26-O11"),
            ("fix SX-2026-0l1", "SX-2026-0l1"),
            ("fix SX-2026-OII", "SX-2026-OII"),
            ("fix \u{0405}\u{03A7}-2026-011", "\u{0405}\u{03A7}-2026-011"),
            ("the ratchet header replayed", "ratchet header replayed"),
            (
                "ratchet\u{3164}header\u{FFA0}replay",
                "ratchet\u{3164}header\u{FFA0}replay",
            ),
            ("a chunk digests b", "chunk digests"),
            ("fix SX<b>-</b>2026-011", "SX<b>-</b>2026-011"),
            ("fix <span>SX</span>-2026-011", "SX</span>-2026-011"),
            ("fix S<em>X</em>-2026-011", "S<em>X</em>-2026-011"),
            // A tag's name is read as written too (`git log` shows it).
            ("fix <SX-2026-011>", "SX-2026-011"),
            ("fix </sx2026011 >", "sx2026011"),
            ("the ratchet <header> replay", "ratchet <header> replay"),
            // camelCase and PascalCase joins start words (a Go test, a method).
            ("func TestSX2026011(t *testing.T)", "SX2026011"),
            ("fn testSx2026011() {}", "Sx2026011"),
            ("void ratchetHeaderReplay();", "ratchetHeaderReplay"),
            (
                "fix SX-\u{0662}\u{0660}\u{0662}\u{0666}-\u{06F0}\u{06F1}\u{06F1}",
                "SX-\u{0662}\u{0660}\u{0662}\u{0666}-\u{06F0}\u{06F1}\u{06F1}",
            ),
        ] {
            let found = spans(&one(), text);
            assert!(
                found.iter().any(|(_, _, s)| s == mentioned),
                "{text:?}: {found:?}"
            );
        }
    }

    #[test]
    fn a_terms_last_word_matches_its_regular_inflections() {
        let issues = vec![
            issue("A-1", &[], &["apply"], &[]),
            issue("A-2", &[], &["heap escape"], &[]),
            issue("A-3", &[], &["stack drop"], &[]),
        ];
        for (text, n) in [
            ("it applied", 1),
            ("applies; applying", 2),
            ("heap escaped, heap escaping, heap escapes", 3),
            ("stack dropped and stack dropping", 2),
            ("heaps escape", 0),
            ("appliance", 0),
            ("stack droplet", 0),
        ] {
            assert_eq!(
                spans(&issues, text).len(),
                n,
                "{text:?}: {:?}",
                spans(&issues, text)
            );
        }
        // The span is the whole inflected word.
        assert_eq!(spans(&issues, "x heap escaping y")[0].2, "heap escaping");
        // Ids and aliases are not inflected.
        let ids = vec![issue("LEAK", &["drip"], &[], &[])];
        assert!(spans(&ids, "leaked drips").is_empty());
    }

    #[test]
    fn digit_lookalikes_count_only_in_digit_groups() {
        let issues = vec![issue("IO-1100", &["OIL-7"], &["oil leak"], &[])];
        // Letters where the id has letters stay letters, and digits stay digits.
        for text in ["10-1100", "I0-1100", "0IL-7", "oil 1eak", "0il leak"] {
            assert!(spans(&issues, text).is_empty(), "{text:?}");
        }
        for text in ["IO-1IOO", "io-llOo", "OIL-7", "oil leaks"] {
            assert_eq!(spans(&issues, text).len(), 1, "{text:?}");
        }
        // Two literals with one digit form are both found.
        let issues = vec![issue("SX-01", &[], &[], &[]), issue("SXO-1", &[], &[], &[])];
        assert_eq!(spans(&issues, "SXO-1 and SX-01").len(), 2);
    }
}
