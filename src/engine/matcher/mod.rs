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
//! [`crate::load::cache`]), which keeps a hook's start-up short with a large registry.
//!
//! Patterns are compiled only when needed: a pattern whose every match must start with one
//! of a few literals (extracted from the regex as the regex crate does for its own
//! prefilter) is compiled and run only on text that contains one of them, found by one
//! SIMD (Teddy) search for the literals of all patterns; the others always run.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::engine::normalize::{fold, Normalized};
use crate::engine::registry::{Issue, Issues};
use crate::load::cache::{Reader, SharedStr, Writer};
use crate::mapped::layout::{self, monotonic, u32_at, u64_at};
use crate::mapped::Bytes;

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

    /// The kind's number and the index.
    fn encode(self) -> (u32, usize) {
        match self {
            Field::Id => (0, 0),
            Field::Alias(k) => (1, k),
            Field::Term(k) => (2, k),
            Field::Pattern(k) => (3, k),
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

/// The registry compiled once.
#[derive(Debug)]
pub struct Matcher {
    literals: Option<Literals>,
    patterns: Patterns,
}

/// Regexes are compiled with these limits so a hostile or careless pattern cannot make
/// a hook eat memory.
const REGEX_SIZE_LIMIT: usize = 16 << 20;

/// One (issue, field) that squeezes to a literal, while the index is built.
struct OwnerSpec {
    issue: usize,
    field: Field,
    phrase: bool,
    /// Byte lengths of the identifier's groups or the phrase's words.
    pieces: Vec<u32>,
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
                patterns.push(Pattern {
                    issue: i,
                    index: k,
                    source: SharedStr::from(pattern.clone()),
                    prefixes,
                    regex: OnceLock::new(),
                });
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
        let mut found = Vec::new();
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
        self.patterns.find(folded, |issue, field, range| {
            found.push(Mention {
                issue,
                field,
                span: text.to_original(range),
            })
        });
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
    folded[at..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric)
}

/// Checks an identifier starting at `start`; returns where it ends.
fn verify_identifier<'a>(
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
        if !folded[at..].starts_with(group) {
            return None;
        }
        at += group.len();
    }
    (!alnum_at(folded, at)).then_some(at)
}

/// Checks a phrase starting at `start`; returns where it ends.
fn verify_phrase<'a>(
    folded: &str,
    start: usize,
    words: impl Iterator<Item = &'a str>,
) -> Option<usize> {
    if alnum_before(folded, start) {
        return None;
    }
    let mut at = start;
    for (i, word) in words.enumerate() {
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
        if !folded[at..].starts_with(word) {
            return None;
        }
        at += word.len();
    }
    (!alnum_at(folded, at)).then_some(at)
}

/// The folded text's alphanumeric characters alone (the *squeezed* text), with a bit for
/// every squeezed offset where a run of them starts, and checkpoints back to the folded
/// text every `STRIDE` squeezed bytes so a hit's position is recovered by a short rescan.
#[derive(Default)]
struct Squeezed {
    /// Scratch, reused from one text to the next: only `..len` is this text's.
    bytes: Vec<u8>,
    len: usize,
    /// Bit `i` is set when a run starts at squeezed offset `i`.
    starts: Vec<u64>,
    /// Pairs of (squeezed offset, folded offset) that correspond: as many alphanumeric
    /// bytes come before the one as before the other.
    checkpoints: Vec<(usize, usize)>,
}

const STRIDE: usize = 1024;

impl Squeezed {
    fn fill(&mut self, folded: &str) {
        let n = folded.len();
        // Drop a buffer a huge text left behind.
        if self.bytes.len() > (1 << 20) && self.bytes.len() > 4 * n {
            *self = Squeezed::default();
        }
        if self.bytes.len() < n {
            self.bytes.resize(n, 0);
        }
        let words = n / 64 + 1;
        if self.starts.len() < words {
            self.starts.resize(words, 0);
        }
        self.starts[..words].fill(0);
        self.checkpoints.clear();
        self.checkpoints.push((0, 0));
        let mut next = STRIDE;
        let mut len = 0;
        if folded.is_ascii() {
            // 64 bytes at a time: a mask of the alphanumeric bytes, the run starts from it,
            // then a branch-free copy.
            let (bytes, starts) = (&mut self.bytes[..n], &mut self.starts[..words]);
            let folded = folded.as_bytes();
            let (mut carry, mut word, mut acc) = (0u64, 0usize, 0u64);
            for (block, chunk) in folded.chunks(64).enumerate() {
                let alnum = alnum_mask(chunk);
                let mut run_starts = alnum & !((alnum << 1) | carry);
                carry = alnum >> 63;
                if len >= next {
                    // Any aligned pair of offsets will do as a checkpoint.
                    self.checkpoints.push((len, block * 64));
                    next = len + STRIDE;
                }
                // Start bits gather in a register until the word they go to changes.
                while run_starts != 0 {
                    let i = run_starts.trailing_zeros();
                    let at = len + (alnum & ((1u64 << i) - 1)).count_ones() as usize;
                    if at / 64 != word {
                        starts[word] |= acc;
                        (word, acc) = (at / 64, 0);
                    }
                    acc |= 1 << (at % 64);
                    run_starts &= run_starts - 1;
                }
                for (i, &b) in chunk.iter().enumerate() {
                    bytes[len] = b;
                    len += ((alnum >> i) & 1) as usize;
                }
            }
            starts[word] |= acc;
        } else {
            let mut prev = false;
            for (at, c) in folded.char_indices() {
                let alnum = c.is_alphanumeric();
                if alnum {
                    if !prev {
                        self.starts[len / 64] |= 1 << (len % 64);
                        if len >= next {
                            self.checkpoints.push((len, at));
                            next = len + STRIDE;
                        }
                    }
                    let mut buf = [0u8; 4];
                    let enc = c.encode_utf8(&mut buf).as_bytes();
                    self.bytes[len..len + enc.len()].copy_from_slice(enc);
                    len += enc.len();
                }
                prev = alnum;
            }
        }
        self.len = len;
    }

    fn squeezed(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The first run start at or after `from`, or `None`.
    fn next_start(&self, from: usize) -> Option<usize> {
        if from >= self.len {
            return None;
        }
        let mut word = from / 64;
        let mut bits = self.starts[word] & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                let at = word * 64 + bits.trailing_zeros() as usize;
                return (at < self.len).then_some(at);
            }
            word += 1;
            if word * 64 >= self.len {
                return None;
            }
            bits = self.starts[word];
        }
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

/// Bit `i` set when `chunk[i]` (ASCII, at most 64 bytes) is alphanumeric: eight bytes at a
/// time, with byte-wise range checks in one 64-bit word (no byte is above 0x7F, so no sum
/// carries into the next byte) and a multiply that gathers the eight flags into a byte.
fn alnum_mask(chunk: &[u8]) -> u64 {
    let mut mask = 0u64;
    let mut words = chunk.chunks_exact(8);
    for (k, w) in (&mut words).enumerate() {
        let x = u64::from_le_bytes(w.try_into().unwrap());
        let l = x | 0x2020_2020_2020_2020;
        let letter = l.wrapping_add(0x1F1F_1F1F_1F1F_1F1F) & !l.wrapping_add(0x0505_0505_0505_0505);
        let digit = x.wrapping_add(0x5050_5050_5050_5050) & !x.wrapping_add(0x4646_4646_4646_4646);
        let high = (letter | digit) & 0x8080_8080_8080_8080;
        mask |= ((high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    let done = chunk.len() - words.remainder().len();
    for (i, b) in words.remainder().iter().enumerate() {
        mask |= (b.is_ascii_alphanumeric() as u64) << (done + i);
    }
    mask
}

thread_local! {
    static SQUEEZED: RefCell<Squeezed> = RefCell::new(Squeezed::default());
}

/// The squeezed ids, aliases and terms, laid out flat in little-endian bytes: the same
/// bytes in memory and in the cache file, so a cached index is used where it lies (a
/// mapped file) instead of being decoded. Every access is bounds-checked.
///
/// Sections, after a header of eleven u64s (`n` literals, `m` owners, `p` pieces, `s`
/// slots, `f` filter words, `l` length words, the text's length, `filter_shift`,
/// `key_len`, `min_len`, `max_len`):
///
/// * `text`: every squeezed literal, concatenated;
/// * `ends`: u32 × (n + 1): literal `k` is `text[ends[k]..ends[k + 1]]`;
/// * `owner_ends`: u32 × (n + 1): the owners of literal `k`, `owner_ends[k]..owner_ends[k + 1]`;
/// * `owners`: (u32 issue, u32 code) × m, the code being the field kind (2 bits), phrase
///   (1 bit) and the field's index (29 bits);
/// * `piece_ends`: u32 × (m + 1): owner `j`'s pieces are `piece_ends[j]..piece_ends[j + 1]`;
/// * `pieces`: u32 × p: byte lengths of each owner's groups or words, adding up to the literal;
/// * `slots`: u32 × s: open addressing on the literal's hash, literal index + 1, 0 for
///   empty; a power of two at least twice `n`, so a probe always ends;
/// * `filter`: u64 × f: a two-probe Bloom filter on a literal's first `key_len` bytes;
/// * `lengths`: u64 × l: bit set of the literal lengths that occur.
#[derive(Debug)]
struct Literals {
    data: Bytes,
    sections: [Range<usize>; 9],
    n: usize,
    filter_shift: u32,
    key_len: u32,
    min_len: u32,
    max_len: u32,
}

const TEXT: usize = 0;
const ENDS: usize = 1;
const OWNER_ENDS: usize = 2;
const OWNERS: usize = 3;
const PIECE_ENDS: usize = 4;
const PIECES: usize = 5;
const SLOTS: usize = 6;
const FILTER: usize = 7;
const LENGTHS: usize = 8;
const HEADER_WORDS: usize = 11;

/// The sections of a [`Literals`] as slices, taken once per text.
struct View<'a> {
    text: &'a [u8],
    ends: &'a [u8],
    owner_ends: &'a [u8],
    owners: &'a [u8],
    piece_ends: &'a [u8],
    pieces: &'a [u8],
    slots: &'a [u8],
    filter: &'a [u8],
    lengths: &'a [u8],
}

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hash bits of a filter key.
fn mix_key(key: u64) -> u64 {
    (key ^ (key >> 29)).wrapping_mul(MIX)
}

/// The two filter bits of a key (a Bloom filter with two probes): two disjoint slices of
/// its hash, each `64 - shift` (at most 24) bits long.
fn filter_bits(key: u64, shift: u32) -> (usize, usize) {
    let h = mix_key(key);
    let bits = 64 - shift;
    let a = h >> shift;
    let b = (h >> (shift - bits)) & ((1 << bits) - 1);
    (a as usize, b as usize)
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = (bytes.len() as u64).wrapping_mul(MIX);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap());
        h = (h ^ w).wrapping_mul(MIX).rotate_left(27);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(buf))
            .wrapping_mul(MIX)
            .rotate_left(27);
    }
    mix_key(h)
}

/// Callers check that the index fits in 29 bits.
fn field_code(field: Field, phrase: bool) -> u32 {
    let (kind, k) = field.encode();
    (kind << 30) | ((phrase as u32) << 29) | k as u32
}

fn field_of(code: u32) -> (Field, bool) {
    let k = (code & ((1 << 29) - 1)) as usize;
    let field = match code >> 30 {
        0 => Field::Id,
        1 => Field::Alias(k),
        2 => Field::Term(k),
        _ => Field::Pattern(k),
    };
    (field, code & (1 << 29) != 0)
}

impl Literals {
    fn build(
        literals: Vec<String>,
        owner_specs: Vec<Vec<OwnerSpec>>,
    ) -> Result<Option<Literals>, String> {
        if literals.is_empty() {
            return Ok(None);
        }
        let too_big = || "the registry is too large to index".to_string();
        let u32_of = |v: usize| u32::try_from(v).map_err(|_| too_big());
        let n = literals.len();
        let mut text = String::new();
        let mut ends = vec![0u32];
        let mut owner_ends = vec![0u32];
        let mut owners = Vec::new();
        let mut piece_ends = vec![0u32];
        let mut pieces = Vec::new();
        for (literal, specs) in literals.iter().zip(owner_specs) {
            text.push_str(literal);
            ends.push(u32_of(text.len())?);
            for spec in specs {
                if spec.field.encode().1 >= 1 << 29 {
                    return Err(too_big());
                }
                owners.push(u32_of(spec.issue)?);
                owners.push(field_code(spec.field, spec.phrase));
                pieces.extend_from_slice(&spec.pieces);
                piece_ends.push(u32_of(pieces.len())?);
            }
            owner_ends.push(u32_of(owners.len() / 2)?);
        }
        let min_len = literals.iter().map(String::len).min().unwrap_or(1) as u32;
        let max_len = literals.iter().map(String::len).max().unwrap_or(1) as u32;
        let key_len = min_len.min(8);
        let mut lengths = vec![0u64; max_len as usize / 64 + 1];
        for l in &literals {
            lengths[l.len() / 64] |= 1 << (l.len() % 64);
        }
        // About 16 bits per literal and two probes: a run start that begins no literal
        // passes the filter with a probability of 1 or 2 percent.
        let filter_log2 = (n * 16).next_power_of_two().trailing_zeros().clamp(10, 24);
        let mut filter = vec![0u64; 1 << (filter_log2 - 6)];
        let filter_shift = 64 - filter_log2;
        let slot_count = (n * 2).next_power_of_two().max(8);
        let mut slots = vec![0u32; slot_count];
        for (k, l) in literals.iter().enumerate() {
            let (a, b) = filter_bits(load_key(l.as_bytes(), 0, key_mask(key_len)), filter_shift);
            filter[a / 64] |= 1 << (a % 64);
            filter[b / 64] |= 1 << (b % 64);
            let mut at = hash_bytes(l.as_bytes()) as usize & (slot_count - 1);
            while slots[at] != 0 {
                at = (at + 1) & (slot_count - 1);
            }
            slots[at] = u32_of(k + 1)?;
        }

        let mut data = Vec::new();
        for v in [
            n,
            owners.len() / 2,
            pieces.len(),
            slots.len(),
            filter.len(),
            lengths.len(),
            text.len(),
            filter_shift as usize,
            key_len as usize,
            min_len as usize,
            max_len as usize,
        ] {
            data.extend_from_slice(&(v as u64).to_le_bytes());
        }
        data.extend_from_slice(text.as_bytes());
        for list in [&ends, &owner_ends, &owners, &piece_ends, &pieces, &slots] {
            list.iter()
                .for_each(|v| data.extend_from_slice(&v.to_le_bytes()));
        }
        for list in [&filter, &lengths] {
            list.iter()
                .for_each(|v| data.extend_from_slice(&v.to_le_bytes()));
        }
        Ok(Some(
            Literals::from_bytes(Bytes::from_vec(data), None).ok_or_else(too_big)?,
        ))
    }

    /// Takes a flat index, checking that its sections fit together and every index in it
    /// is in range (so that no lookup can fail or loop), and, when `issues` is given, that
    /// every owner is one of them.
    fn from_bytes(data: Bytes, issues: Option<usize>) -> Option<Literals> {
        let bytes = data.as_slice();
        let header: [usize; HEADER_WORDS] = layout::header(bytes)?;
        let [n, m, p, s, f, l, text_len, filter_shift, key_len, min_len, max_len] = header;
        let sizes = [
            text_len,
            4 * (n + 1),
            4 * (n + 1),
            8 * m,
            4 * (m + 1),
            4 * p,
            4 * s,
            8 * f,
            8 * l,
        ];
        let sections = layout::sections(bytes, HEADER_WORDS, sizes)?;
        if n == 0 || n > u32::MAX as usize {
            return None;
        }
        let filter_bits_log2 = 64usize.checked_sub(filter_shift)?;
        if !(10..=24).contains(&filter_bits_log2)
            || f << 6 != 1 << filter_bits_log2
            || !s.is_power_of_two()
            || s < 2 * n
            || key_len == 0
            || key_len > 8
            || key_len > min_len
            || min_len > max_len
            || l != max_len / 64 + 1
        {
            return None;
        }
        let section = |i: usize| &bytes[sections[i].clone()];
        if !monotonic(section(ENDS), text_len)
            || !monotonic(section(OWNER_ENDS), m)
            || !monotonic(section(PIECE_ENDS), p)
        {
            return None;
        }
        // One pass each, a word at a time (the index has tens of thousands of entries).
        let (mut filled, mut highest) = (0, 0);
        for slot in section(SLOTS).chunks_exact(4) {
            let k = u32_at(slot, 0);
            filled += usize::from(k != 0);
            highest = highest.max(k);
        }
        if filled != n || highest as usize > n {
            return None;
        }
        if let Some(issues) = issues {
            let owners = section(OWNERS).chunks_exact(8);
            if owners
                .map(|o| u32_at(o, 0))
                .max()
                .is_some_and(|i| i as usize >= issues)
            {
                return None;
            }
        }
        Some(Literals {
            data,
            sections,
            n,
            filter_shift: filter_shift as u32,
            key_len: key_len as u32,
            min_len: min_len as u32,
            max_len: max_len as u32,
        })
    }

    fn view(&self) -> View<'_> {
        let bytes = self.data.as_slice();
        let s = |i: usize| &bytes[self.sections[i].clone()];
        View {
            text: s(TEXT),
            ends: s(ENDS),
            owner_ends: s(OWNER_ENDS),
            owners: s(OWNERS),
            piece_ends: s(PIECE_ENDS),
            pieces: s(PIECES),
            slots: s(SLOTS),
            filter: s(FILTER),
            lengths: s(LENGTHS),
        }
    }

    /// Calls `report` for every verified mention in the folded text.
    fn find(&self, folded: &str, mut report: impl FnMut(usize, Field, Range<usize>)) {
        let v = self.view();
        let (min_len, max_len) = (self.min_len as usize, self.max_len as usize);
        let key_mask = key_mask(self.key_len);
        let slot_mask = v.slots.len() / 4 - 1;
        let passes_filter = |sq: &[u8], at: usize| {
            let (a, b) = filter_bits(load_key(sq, at, key_mask), self.filter_shift);
            u64_at(v.filter, a / 64) & (1 << (a % 64)) != 0
                && u64_at(v.filter, b / 64) & (1 << (b % 64)) != 0
        };
        let literal =
            |k: usize| &v.text[u32_at(v.ends, k) as usize..u32_at(v.ends, k + 1) as usize];
        let lookup = |squeezed: &[u8]| {
            let mut at = hash_bytes(squeezed) as usize & slot_mask;
            loop {
                let k = u32_at(v.slots, at) as usize;
                if k == 0 {
                    return None;
                }
                if literal(k - 1) == squeezed {
                    return Some(k - 1);
                }
                at = (at + 1) & slot_mask;
            }
        };
        SQUEEZED.with(|squeezed| {
            let mut squeezed = squeezed.borrow_mut();
            squeezed.fill(folded);
            let sq = squeezed.squeezed();
            let mut next = squeezed.next_start(0);
            while let Some(s) = next {
                next = squeezed.next_start(s + 1);
                if sq.len() - s < min_len {
                    break;
                }
                if !passes_filter(sq, s) {
                    continue;
                }
                // Every run end after `s`: the next run starts, and the end of the text.
                let mut end = next;
                loop {
                    let e = end.unwrap_or(sq.len());
                    let len = e - s;
                    if len > max_len {
                        break;
                    }
                    if len >= min_len && u64_at(v.lengths, len / 64) & (1 << (len % 64)) != 0 {
                        if let Some(k) = lookup(&sq[s..e]) {
                            let start = squeezed.to_folded_start(folded, s);
                            self.verify(&v, folded, start, k, literal(k), &mut report);
                        }
                    }
                    if end.is_none() {
                        break;
                    }
                    end = squeezed.next_start(e + 1);
                }
            }
        })
    }

    /// Verifies every owner of literal `k` at folded offset `start`.
    fn verify(
        &self,
        v: &View<'_>,
        folded: &str,
        start: usize,
        k: usize,
        literal: &[u8],
        report: &mut impl FnMut(usize, Field, Range<usize>),
    ) {
        let Ok(literal) = std::str::from_utf8(literal) else {
            return;
        };
        for j in u32_at(v.owner_ends, k) as usize..u32_at(v.owner_ends, k + 1) as usize {
            let issue = u32_at(v.owners, 2 * j) as usize;
            let (field, phrase) = field_of(u32_at(v.owners, 2 * j + 1));
            let lens = (u32_at(v.piece_ends, j) as usize..u32_at(v.piece_ends, j + 1) as usize)
                .map(|i| u32_at(v.pieces, i) as usize);
            let Some(pieces) = split_pieces(literal, lens) else {
                continue;
            };
            let end = if phrase {
                verify_phrase(folded, start, pieces.into_iter())
            } else {
                verify_identifier(folded, start, pieces.into_iter())
            };
            if let Some(end) = end {
                report(issue, field, start..end);
            }
        }
    }

    fn encode(&self, w: &mut Writer) {
        w.bytes(self.data.as_slice());
    }

    fn decode(r: &mut Reader<'_>, issues: usize) -> Option<Literals> {
        let data = r.view()?;
        let literals = Literals::from_bytes(data, Some(issues))?;
        (literals.n > 0).then_some(literals)
    }
}

fn key_mask(key_len: u32) -> u64 {
    if key_len >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * key_len)) - 1
    }
}

/// The first bytes of `bytes[at..]` (at least `key_len` of them are there), as a number.
fn load_key(bytes: &[u8], at: usize, mask: u64) -> u64 {
    match bytes.get(at..at + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().unwrap()) & mask,
        None => {
            let mut buf = [0u8; 8];
            let rest = &bytes[at..];
            buf[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(buf) & mask
        }
    }
}

/// The literal cut into its pieces; `None` unless they fit it exactly.
fn split_pieces(literal: &str, lens: impl Iterator<Item = usize>) -> Option<Vec<&str>> {
    let mut at = 0usize;
    let mut out = Vec::new();
    for l in lens {
        out.push(literal.get(at..at.checked_add(l)?)?);
        at += l;
    }
    (at == literal.len()).then_some(out)
}

/// One registry pattern, compiled on first use.
#[derive(Debug)]
struct Pattern {
    issue: usize,
    index: usize,
    source: SharedStr,
    /// Every match starts with one of these (ASCII-lowercased) byte strings; `None` when
    /// no short list says so, and the pattern runs on every text.
    prefixes: Option<Vec<Vec<u8>>>,
    regex: OnceLock<Regex>,
}

impl Pattern {
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
struct Patterns {
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
    fn build(pairs: Vec<(Vec<u8>, u32)>, patterns: usize, cut: Option<usize>) -> Option<Prefilter> {
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
    fn find(&self, folded: &str, mut hit: impl FnMut(usize) -> bool) -> Option<()> {
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
fn prefix_literals(pattern: &str) -> Result<Option<Vec<Vec<u8>>>, ()> {
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
    fn build(list: Vec<Pattern>, cut: Option<usize>) -> Patterns {
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

    fn find(&self, folded: &str, mut report: impl FnMut(usize, Field, Range<usize>)) {
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

    fn encode(&self, w: &mut Writer) {
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

    fn decode(r: &mut Reader<'_>, issues: &Issues) -> Option<Patterns> {
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
            list.push(Pattern {
                issue,
                index,
                source,
                prefixes,
                regex: OnceLock::new(),
            });
        }
        // Any cut gives a correct prefilter (at worst the automaton): it is not checked.
        let cut = r.u32()? as usize;
        Some(Patterns::build(list, Some(cut)))
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

    #[test]
    fn alnum_mask_agrees_with_the_standard_library() {
        for b in 0u8..128 {
            for at in 0..64 {
                let mut chunk = [b' '; 64];
                chunk[at] = b;
                for len in [at + 1, 64] {
                    let want: u64 = chunk[..len]
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.is_ascii_alphanumeric() as u64) << i)
                        .sum();
                    assert_eq!(
                        alnum_mask(&chunk[..len]),
                        want,
                        "byte {b} at {at}, len {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn squeezing_keeps_runs_and_positions() {
        let mut sq = Squeezed::default();
        for text in [
            "",
            "a",
            "--a-bc--d",
            &"ab cd-ef ".repeat(300),
            &"x".repeat(200),
            "fix ж 7 and ключ, утечка; ab9",
        ] {
            sq.fill(text);
            let want: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
            assert_eq!(sq.squeezed(), want.as_bytes());
            let mut at = 0;
            let mut starts = Vec::new();
            let mut prev = false;
            for (i, c) in text.char_indices() {
                let alnum = c.is_alphanumeric();
                if alnum && !prev {
                    starts.push((at, i));
                }
                if alnum {
                    at += c.len_utf8();
                }
                prev = alnum;
            }
            let mut found = Vec::new();
            let mut next = sq.next_start(0);
            while let Some(s) = next {
                found.push((s, sq.to_folded_start(text, s)));
                next = sq.next_start(s + 1);
            }
            assert_eq!(found, starts, "{text:?}");
        }
    }
}
