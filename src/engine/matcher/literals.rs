//! The index of squeezed ids, aliases and terms: a flat hash table behind a Bloom filter
//! on a literal's first bytes, the same bytes in memory and in the compiled form.

use std::ops::Range;

use crate::engine::codec::layout::{self, monotonic, u32_at, u64_at};
use crate::engine::codec::{Reader, Shared, Writer};

use super::field::Field;
use super::squeeze::SQUEEZED;
use super::verify::{verify_identifier, verify_phrase};

/// One (issue, field) that squeezes to a literal, while the index is built.
pub(super) struct OwnerSpec {
    pub(super) issue: usize,
    pub(super) field: Field,
    pub(super) phrase: bool,
    /// Byte lengths of the identifier's groups or the phrase's words.
    pub(super) pieces: Vec<u32>,
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
pub(super) struct Literals {
    data: Shared,
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
    pub(super) fn build(
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
            Literals::from_bytes(Shared::from_vec(data), None).ok_or_else(too_big)?,
        ))
    }

    /// Takes a flat index, checking that its sections fit together and every index in it
    /// is in range (so that no lookup can fail or loop), and, when `issues` is given, that
    /// every owner is one of them.
    fn from_bytes(data: Shared, issues: Option<usize>) -> Option<Literals> {
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
    pub(super) fn find(&self, folded: &str, mut report: impl FnMut(usize, Field, Range<usize>)) {
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

    pub(super) fn encode(&self, w: &mut Writer) {
        w.bytes(self.data.as_slice());
    }

    pub(super) fn decode(r: &mut Reader<'_>, issues: usize) -> Option<Literals> {
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
