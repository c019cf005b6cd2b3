//! Registry patterns: each compiled on first use, and run only on text that contains one
//! of the literals every match of it starts with (one SIMD search for all of them).

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::engine::codec::{Reader, SharedStr, Writer};
use crate::engine::registry::{Issues, REGEX_SIZE_LIMIT};

use super::field::Field;

/// One registry pattern, compiled on first use.
#[derive(Debug)]
pub(super) struct Pattern {
    issue: usize,
    index: usize,
    source: SharedStr,
    /// Every match starts with one of these (ASCII-lowercased) byte strings; `None` when
    /// no short list says so, and the pattern runs on every text.
    prefixes: Option<Vec<Vec<u8>>>,
    regex: OnceLock<Regex>,
}

impl Pattern {
    pub(super) fn new(
        issue: usize,
        index: usize,
        source: SharedStr,
        prefixes: Option<Vec<Vec<u8>>>,
    ) -> Pattern {
        Pattern {
            issue,
            index,
            source,
            prefixes,
            regex: OnceLock::new(),
        }
    }

    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            RegexBuilder::new(self.source.as_str())
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                // Registry validation compiles every pattern with these very settings, so
                // this cannot fail for a registry that loaded. The message names no content.
                .unwrap_or_else(|_| {
                    panic!(
                        "pattern #{} of issues[{}] does not compile",
                        self.index + 1,
                        self.issue
                    )
                })
        })
    }
}

#[derive(Debug)]
pub(super) struct Patterns {
    list: Vec<Pattern>,
    /// Finds which patterns' prefixes occur in a text.
    prefilter: Option<Prefilter>,
    /// Patterns without prefixes.
    always: Vec<usize>,
    always_set: OnceLock<Option<RegexSet>>,
}

/// The prefixes of all patterns that have them, made *prefix-free* (no literal is a prefix
/// of another: the longer one is dropped, its patterns go to the shorter, which every match
/// of theirs starts with too), so that at most one literal starts at any position and a
/// leftmost search restarted one byte after each hit sees every occurrence.
#[derive(Debug)]
struct Prefilter {
    search: PrefixSearch,
    /// For each literal, the patterns (indices into `list`) it stands for.
    owners: Vec<Vec<u32>>,
    /// How many patterns have prefixes.
    patterns: usize,
    /// The length the literals were cut to for Teddy; 0 for the automaton.
    cut: usize,
}

#[derive(Debug)]
enum PrefixSearch {
    /// Teddy (SIMD) for up to 64 literals, on lower-cased text.
    Packed(aho_corasick::packed::Searcher),
    /// Aho-Corasick, ASCII case-insensitive, overlapping.
    Automaton(AhoCorasick),
}

/// Teddy's limit.
const PACKED_LITERALS: usize = 64;

/// Sorted, merged: a literal that starts with another is dropped and its owners join it.
fn prefix_free(mut pairs: Vec<(Vec<u8>, u32)>) -> Vec<(Vec<u8>, Vec<u32>)> {
    pairs.sort();
    let mut out: Vec<(Vec<u8>, Vec<u32>)> = Vec::new();
    for (literal, owner) in pairs {
        match out.last_mut() {
            Some((kept, owners)) if literal.starts_with(kept) => owners.push(owner),
            _ => out.push((literal, vec![owner])),
        }
    }
    for (_, owners) in &mut out {
        owners.sort_unstable();
        owners.dedup();
    }
    out
}

impl Prefilter {
    /// The prefilter for these (literal, pattern) pairs. `cut` is the length to cut the
    /// literals to for Teddy when it is known (from the cache: finding it takes a sort of
    /// every literal at each length tried), 0 for the automaton.
    pub(super) fn build(
        pairs: Vec<(Vec<u8>, u32)>,
        patterns: usize,
        cut: Option<usize>,
    ) -> Option<Prefilter> {
        let longest = pairs.iter().map(|(l, _)| l.len()).max()?;
        // Shorter prefixes are still prefixes: shorten until Teddy can take them all.
        let lengths = match cut {
            None => MIN_PREFIX_LEN..=longest,
            Some(cut) => cut..=cut,
        };
        for len in lengths.rev().filter(|&len| len >= MIN_PREFIX_LEN) {
            let literals = prefix_free(
                pairs
                    .iter()
                    .map(|(l, k)| (l[..l.len().min(len)].to_vec(), *k))
                    .collect(),
            );
            if literals.len() > PACKED_LITERALS {
                continue;
            }
            let searcher = aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(literals.iter().map(|(l, _)| l))
                .build();
            if let Some(searcher) = searcher {
                return Some(Prefilter {
                    search: PrefixSearch::Packed(searcher),
                    owners: literals.into_iter().map(|(_, o)| o).collect(),
                    patterns,
                    cut: len,
                });
            }
            break;
        }
        let literals = prefix_free(pairs);
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(literals.iter().map(|(l, _)| l))
            .ok()?;
        Some(Prefilter {
            search: PrefixSearch::Automaton(ac),
            owners: literals.into_iter().map(|(_, o)| o).collect(),
            patterns,
            cut: 0,
        })
    }

    /// Calls `hit` with every literal that occurs in the text, until it returns false.
    /// `None` when the text cannot be searched this way (then every pattern must run).
    pub(super) fn find(&self, folded: &str, mut hit: impl FnMut(usize) -> bool) -> Option<()> {
        match &self.search {
            PrefixSearch::Packed(searcher) => {
                // The literals are lower case, and so is folded text; checked anyway,
                // as the search is exact.
                let upper = folded
                    .bytes()
                    .fold(0u8, |acc, b| acc | (b.wrapping_sub(b'A') < 26) as u8);
                if upper != 0 {
                    return None;
                }
                let mut at = 0;
                while at < folded.len() {
                    let span = aho_corasick::Span::from(at..folded.len());
                    let Some(m) = searcher.find_in(folded, span) else {
                        break;
                    };
                    if !hit(m.pattern().as_usize()) {
                        break;
                    }
                    at = m.start() + 1;
                }
            }
            PrefixSearch::Automaton(ac) => {
                for m in ac.find_overlapping_iter(folded) {
                    if !hit(m.pattern().as_usize()) {
                        break;
                    }
                }
            }
        }
        Some(())
    }
}

/// Prefixes shorter than this find too many places to be worth it.
const MIN_PREFIX_LEN: usize = 3;
/// At most this many prefixes per pattern.
const MAX_PREFIXES: usize = 64;

/// The literals every match of the pattern starts with, as the regex crate itself would
/// extract them for its prefilter (case variants included), in ASCII lower case: `Ok(None)`
/// when there is no usable short list.
pub(super) fn prefix_literals(pattern: &str) -> Result<Option<Vec<Vec<u8>>>, ()> {
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
        .map_err(|_| ())?;
    let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let Some(literals) = seq.literals() else {
        return Ok(None);
    };
    let mut out: Vec<Vec<u8>> = literals
        .iter()
        .map(|l| l.as_bytes().to_ascii_lowercase())
        .collect();
    out.sort();
    out.dedup();
    if out.len() > MAX_PREFIXES {
        // Shorter prefixes of the same literals are still prefixes of every match.
        for l in &mut out {
            l.truncate(MIN_PREFIX_LEN);
        }
        out.dedup();
    }
    if out.is_empty() || out.len() > MAX_PREFIXES || out.iter().any(|l| l.len() < MIN_PREFIX_LEN) {
        return Ok(None);
    }
    Ok(Some(out))
}

impl Patterns {
    pub(super) fn build(list: Vec<Pattern>, cut: Option<usize>) -> Patterns {
        let mut pairs = Vec::new();
        let mut always = Vec::new();
        for (k, p) in list.iter().enumerate() {
            match &p.prefixes {
                Some(ps) => pairs.extend(ps.iter().map(|l| (l.clone(), k as u32))),
                None => always.push(k),
            }
        }
        let with_prefixes = list.len() - always.len();
        let prefilter = Prefilter::build(pairs, with_prefixes, cut);
        if prefilter.is_none() {
            always = (0..list.len()).collect();
        }
        Patterns {
            list,
            prefilter,
            always,
            always_set: OnceLock::new(),
        }
    }

    fn always_set(&self) -> Option<&RegexSet> {
        self.always_set
            .get_or_init(|| {
                RegexSetBuilder::new(self.always.iter().map(|&k| self.list[k].source.as_str()))
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT * 4)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    pub(super) fn find(&self, folded: &str, mut report: impl FnMut(usize, Field, Range<usize>)) {
        if self.list.is_empty() {
            return;
        }
        let mut candidates: Vec<usize> = Vec::new();
        if let Some(pre) = &self.prefilter {
            let mut seen: Vec<bool> = Vec::new();
            let mut left = pre.patterns;
            let searched = pre.find(folded, |literal| {
                if seen.is_empty() {
                    seen.resize(self.list.len(), false);
                }
                for &k in &pre.owners[literal] {
                    if !seen[k as usize] {
                        seen[k as usize] = true;
                        candidates.push(k as usize);
                        left -= 1;
                    }
                }
                left > 0
            });
            if searched.is_none() {
                candidates = (0..self.list.len())
                    .filter(|k| !self.always.contains(k))
                    .collect();
            }
        }
        match self.always.len() {
            0 => {}
            1 => candidates.push(self.always[0]),
            _ => match self.always_set() {
                Some(set) => candidates.extend(set.matches(folded).iter().map(|i| self.always[i])),
                None => candidates.extend_from_slice(&self.always),
            },
        }
        for k in candidates {
            let p = &self.list[k];
            for m in p.regex().find_iter(folded) {
                if m.start() < m.end() {
                    report(p.issue, Field::Pattern(p.index), m.range());
                }
            }
        }
    }

    pub(super) fn encode(&self, w: &mut Writer) {
        w.u32(self.list.len() as u32);
        for p in &self.list {
            w.u32(p.issue as u32);
            w.u32(p.index as u32);
            match &p.prefixes {
                None => w.u32(0),
                Some(ps) => {
                    w.u32(1);
                    w.u32(ps.len() as u32);
                    for l in ps {
                        w.bytes(l);
                    }
                }
            }
        }
        w.u32(self.prefilter.as_ref().map_or(0, |p| p.cut) as u32);
    }

    pub(super) fn decode(r: &mut Reader<'_>, issues: &Issues) -> Option<Patterns> {
        let count = r.u32()? as usize;
        let mut list = Vec::with_capacity(count.min(1 << 16));
        // Every pattern of every issue, once, as `Matcher::new` lists them: by issue, then
        // by index within the issue (so a count that agrees means none is missing).
        if count != issues.patterns() {
            return None;
        }
        let mut last = None;
        for _ in 0..count {
            let issue = r.u32()? as usize;
            let index = r.u32()? as usize;
            if last.is_some_and(|l| l >= (issue, index)) {
                return None;
            }
            let source = issues.pattern(issue, index)?;
            last = Some((issue, index));
            let prefixes = match r.u32()? {
                0 => None,
                1 => {
                    let n = r.u32()? as usize;
                    if n == 0 || n > MAX_PREFIXES {
                        return None;
                    }
                    let mut ps = Vec::with_capacity(n);
                    for _ in 0..n {
                        let l = r.bytes()?;
                        if l.len() < MIN_PREFIX_LEN {
                            return None;
                        }
                        ps.push(l.to_vec());
                    }
                    Some(ps)
                }
                _ => return None,
            };
            list.push(Pattern::new(issue, index, source, prefixes));
        }
        // Any cut gives a correct prefilter (at worst the automaton): it is not checked.
        let cut = r.u32()? as usize;
        Some(Patterns::build(list, Some(cut)))
    }
}
