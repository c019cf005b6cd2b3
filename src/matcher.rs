//! Finding mentions of registry issues in text (contract §5): ids and aliases as whole
//! identifiers with flexible separators, terms as whole-word phrases, patterns as regexes.
//!
//! Ids, aliases and terms are all found with one Aho-Corasick automaton run over the
//! *squeezed* text — the folded text with every non-alphanumeric character removed — so
//! `SX-2026-011`, `sx 2026 011` and `SX_2026_011` are one literal, `sx2026011`. Each hit is
//! then verified against the folded text for the rule of its kind (which separators may
//! stand where, whole-word boundaries). Overlapping search makes the pass complete: every
//! real match is a squeezed occurrence, and hits are rare enough that verification is free.

use std::collections::HashMap;
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::normalize::{fold, Normalized};
use crate::registry::Issue;

/// Which field of an issue matched. Indices point into the issue's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Id,
    Alias(usize),
    Term(usize),
    Pattern(usize),
}

impl Field {
    /// The field's name, e.g. `term #2` (1-based), for `--reveal` output.
    pub fn describe(self) -> String {
        match self {
            Field::Id => "id".to_string(),
            Field::Alias(i) => format!("alias #{}", i + 1),
            Field::Term(i) => format!("term #{}", i + 1),
            Field::Pattern(i) => format!("pattern #{}", i + 1),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Alias(_) => "alias",
            Field::Term(_) => "term",
            Field::Pattern(_) => "pattern",
        }
    }
}

/// One place where the text mentions an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Index into the registry's `issues`.
    pub issue: usize,
    pub field: Field,
    /// Byte range in the *original* text.
    pub span: Range<usize>,
}

/// How a squeezed hit is verified against the folded text.
#[derive(Debug, Clone)]
enum Shape {
    /// Letter and digit groups; between groups any run of `-_./` or whitespace, or nothing.
    Identifier(Vec<String>),
    /// Words; between words at least one non-alphanumeric character.
    Phrase(Vec<String>),
}

#[derive(Debug, Clone)]
struct Literal {
    issue: usize,
    field: Field,
    shape: Shape,
}

/// The registry compiled once into automata.
#[derive(Debug)]
pub struct Matcher {
    literals: Option<AhoCorasick>,
    /// For each automaton pattern, every (issue, field) that squeezes to it.
    owners: Vec<Vec<Literal>>,
    patterns: Option<RegexSet>,
    regexes: Vec<(usize, Field, Regex)>,
}

/// Regexes are compiled with these limits so a hostile or careless pattern cannot make
/// a hook eat memory.
const REGEX_SIZE_LIMIT: usize = 16 << 20;

impl Matcher {
    pub fn new(issues: &[Issue]) -> Result<Matcher, String> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut squeezed_literals: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<Literal>> = Vec::new();
        let mut regexes = Vec::new();
        let mut add = |squeezed: String, literal: Literal| {
            if squeezed.is_empty() {
                return;
            }
            let at = *index.entry(squeezed.clone()).or_insert_with(|| {
                squeezed_literals.push(squeezed);
                owners.push(Vec::new());
                owners.len() - 1
            });
            owners[at].push(literal);
        };
        for (i, issue) in issues.iter().enumerate() {
            let names = std::iter::once((Field::Id, &issue.id)).chain(
                issue
                    .aliases
                    .iter()
                    .enumerate()
                    .map(|(k, a)| (Field::Alias(k), a)),
            );
            for (field, name) in names {
                let groups = identifier_groups(&fold(name));
                let literal = Literal {
                    issue: i,
                    field,
                    shape: Shape::Identifier(groups.clone()),
                };
                add(groups.concat(), literal);
            }
            for (k, term) in issue.terms.iter().enumerate() {
                let words = phrase_words(&fold(term));
                let literal = Literal {
                    issue: i,
                    field: Field::Term(k),
                    shape: Shape::Phrase(words.clone()),
                };
                add(words.concat(), literal);
            }
            for (k, pattern) in issue.patterns.iter().enumerate() {
                let re = RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|_| format!("pattern #{} of issues[{i}] does not compile", k + 1))?;
                regexes.push((i, Field::Pattern(k), re));
            }
        }
        let literals = if squeezed_literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&squeezed_literals)
                    .or_else(|_| {
                        // A DFA for a very large registry can exceed the automaton's size
                        // limits; the NFA is slower but has none.
                        AhoCorasick::builder()
                            .match_kind(MatchKind::Standard)
                            .build(&squeezed_literals)
                    })
                    .map_err(|e| format!("cannot build the literal automaton: {e}"))?,
            )
        };
        let patterns = if regexes.is_empty() {
            None
        } else {
            Some(
                RegexSetBuilder::new(regexes.iter().map(|(_, _, re)| re.as_str()))
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT * 4)
                    .build()
                    .map_err(|_| "the registry's patterns do not compile together".to_string())?,
            )
        };
        Ok(Matcher {
            literals,
            owners,
            patterns,
            regexes,
        })
    }

    /// Every mention in the text, ordered by position. Identical (issue, field, span)
    /// triples are reported once.
    pub fn find(&self, text: &Normalized<'_>) -> Vec<Mention> {
        let mut found = Vec::new();
        let folded = text.folded();
        if let Some(ac) = &self.literals {
            let squeezed = Squeezed::new(folded);
            for hit in ac.find_overlapping_iter(squeezed.bytes.as_slice()) {
                let start = squeezed.to_folded_start(folded, hit.start());
                for literal in &self.owners[hit.pattern().as_usize()] {
                    let end = match &literal.shape {
                        Shape::Identifier(groups) => verify_identifier(folded, start, groups),
                        Shape::Phrase(words) => verify_phrase(folded, start, words),
                    };
                    if let Some(end) = end {
                        found.push(Mention {
                            issue: literal.issue,
                            field: literal.field,
                            span: text.to_original(start..end),
                        });
                    }
                }
            }
        }
        if let Some(set) = &self.patterns {
            for k in set.matches(folded).iter() {
                let (issue, field, re) = &self.regexes[k];
                for m in re.find_iter(folded) {
                    if m.start() < m.end() {
                        found.push(Mention {
                            issue: *issue,
                            field: *field,
                            span: text.to_original(m.range()),
                        });
                    }
                }
            }
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
}

/// Splits a folded identifier into its maximal runs of letters and of digits.
fn identifier_groups(folded: &str) -> Vec<String> {
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
fn phrase_words(folded: &str) -> Vec<String> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn is_identifier_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '/') || c.is_whitespace()
}

fn alnum_before(folded: &str, at: usize) -> bool {
    folded[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

fn alnum_at(folded: &str, at: usize) -> bool {
    folded[at..].chars().next().is_some_and(char::is_alphanumeric)
}

/// Checks an identifier starting at `start`; returns where it ends.
fn verify_identifier(folded: &str, start: usize, groups: &[String]) -> Option<usize> {
    if alnum_before(folded, start) {
        return None;
    }
    let mut at = start;
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            at += folded[at..]
                .char_indices()
                .find(|&(_, c)| !is_identifier_separator(c))
                .map_or(folded.len() - at, |(k, _)| k);
        }
        if !folded[at..].starts_with(group.as_str()) {
            return None;
        }
        at += group.len();
    }
    (!alnum_at(folded, at)).then_some(at)
}

/// Checks a phrase starting at `start`; returns where it ends.
fn verify_phrase(folded: &str, start: usize, words: &[String]) -> Option<usize> {
    if alnum_before(folded, start) {
        return None;
    }
    let mut at = start;
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            let gap = folded[at..]
                .char_indices()
                .find(|&(_, c)| c.is_alphanumeric())
                .map_or(folded.len() - at, |(k, _)| k);
            if gap == 0 {
                return None;
            }
            at += gap;
        }
        if !folded[at..].starts_with(word.as_str()) {
            return None;
        }
        at += word.len();
    }
    (!alnum_at(folded, at)).then_some(at)
}

/// The folded text's alphanumeric characters alone, with checkpoints back to the folded
/// text every `STRIDE` bytes so a hit's position is recovered by a short rescan.
struct Squeezed {
    bytes: Vec<u8>,
    /// (squeezed offset, folded offset) at character boundaries.
    checkpoints: Vec<(usize, usize)>,
}

const STRIDE: usize = 1024;

impl Squeezed {
    fn new(folded: &str) -> Squeezed {
        let mut bytes = Vec::with_capacity(folded.len());
        let mut checkpoints = vec![(0, 0)];
        let mut next = STRIDE;
        if folded.is_ascii() {
            for (at, &b) in folded.as_bytes().iter().enumerate() {
                if b.is_ascii_alphanumeric() {
                    if bytes.len() >= next {
                        checkpoints.push((bytes.len(), at));
                        next += STRIDE;
                    }
                    bytes.push(b);
                }
            }
        } else {
            for (at, c) in folded.char_indices() {
                if c.is_alphanumeric() {
                    if bytes.len() >= next {
                        checkpoints.push((bytes.len(), at));
                        next += STRIDE;
                    }
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        Squeezed { bytes, checkpoints }
    }

    /// The folded offset of the alphanumeric character at squeezed offset `target`.
    fn to_folded_start(&self, folded: &str, target: usize) -> usize {
        let i = self.checkpoints.partition_point(|&(s, _)| s <= target) - 1;
        let (mut squeezed, start) = self.checkpoints[i];
        for (k, c) in folded[start..].char_indices() {
            if c.is_alphanumeric() {
                if squeezed >= target {
                    return start + k;
                }
                squeezed += c.len_utf8();
            }
        }
        folded.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Severity;

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
        assert_eq!(found, vec![(0, Field::Term(0), "Ratchet\nheader -- replay".to_string())]);
        assert_eq!(spans(&one(), "chunk, digest").len(), 1);
    }

    #[test]
    fn term_near_misses_do_not_match() {
        for text in [
            "chunk digester",
            "chunkdigest",
            "xchunk digest",
            "chunk digest2",
            "ratchet header replays",
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
}
