//! The *squeezed* text: the folded text's alphanumeric characters alone, with where each
//! run of them starts, which is where the literal index looks up mentions.

use std::cell::RefCell;

/// The folded text's alphanumeric characters alone (the *squeezed* text), with a bit for
/// every squeezed offset where a run of them starts, and checkpoints back to the folded
/// text every `STRIDE` squeezed bytes so a hit's position is recovered by a short rescan.
#[derive(Default)]
pub(super) struct Squeezed {
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
    pub(super) fn fill(&mut self, folded: &str) {
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

    pub(super) fn squeezed(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The first run start at or after `from`, or `None`.
    pub(super) fn next_start(&self, from: usize) -> Option<usize> {
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
    pub(super) fn to_folded_start(&self, folded: &str, target: usize) -> usize {
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
pub(super) fn alnum_mask(chunk: &[u8]) -> u64 {
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
    pub(super) static SQUEEZED: RefCell<Squeezed> = RefCell::new(Squeezed::default());
}

#[cfg(test)]
mod tests {
    use super::*;

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
