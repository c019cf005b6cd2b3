//! The issues in the compiled form: a flat table read where it lies, so that a cached
//! registry decodes only the issues a text mentions.

use std::ops::Range;

use time::Date;

use super::model::{Issue, Severity};
use crate::engine::codec::layout::{self, monotonic, u32_at};
use crate::engine::codec::{Shared, SharedStr};

/// The issues as the cache stores them: flat little-endian arrays, like the literal index
/// (see `engine::matcher`), that are checked through once when loaded, without allocating,
/// so that any issue can later be decoded from where it lies without a failure.
///
/// After a header of three u64s (`n` issues, `s` strings, the text's length):
///
/// * `text`: every string of every issue, concatenated: per issue its id, its summary
///   if it has one, its `fixed_in` if it has one, its aliases, terms and patterns;
/// * `ends`: u32 × (s + 1): string `k` is `text[ends[k]..ends[k + 1]]`;
/// * `firsts`: u32 × (n + 1), the per-issue offset table: issue `i`'s strings are
///   `firsts[i]..firsts[i + 1]`;
/// * `records`: u32 × 8 per issue: severity, which optional strings there are (bit 0 the
///   summary, bit 1 `fixed_in`), the number of
///   aliases and of terms (the patterns are the strings left), which dates there are
///   (bit 0 released, bit 1 disclosed), the released and disclosed Julian days, and the
///   line.
#[derive(Clone)]
pub(crate) struct IssueTable {
    data: Shared,
    pub(crate) sections: [Range<usize>; 4],
    n: usize,
    /// How many patterns the issues have in all.
    patterns: usize,
}

pub(crate) const TABLE_TEXT: usize = 0;
pub(crate) const TABLE_ENDS: usize = 1;
pub(crate) const TABLE_FIRSTS: usize = 2;
const TABLE_RECORDS: usize = 3;
const RECORD_WORDS: usize = 8;

/// One issue's record, checked.
struct Record {
    severity: Severity,
    summary: bool,
    fixed_in: bool,
    aliases: usize,
    terms: usize,
    /// Julian days, within `Date`'s range.
    released: Option<i32>,
    disclosed: Option<i32>,
    line: usize,
    /// Its strings (indices into `ends`).
    strings: Range<usize>,
}

impl Record {
    /// Where the patterns start among the record's strings.
    fn patterns_start(&self) -> usize {
        self.aliases_start() + self.aliases + self.terms
    }

    /// Where the aliases start: after the id and the optional strings.
    fn aliases_start(&self) -> usize {
        1 + usize::from(self.summary) + usize::from(self.fixed_in)
    }

    /// A record's words, if they are consistent with its strings.
    #[inline]
    fn parse(words: &[u8], strings: Range<usize>) -> Option<Record> {
        let w = |k: usize| u32_at(words, k);
        let severity = match w(0) {
            0 => Severity::Critical,
            1 => Severity::High,
            2 => Severity::Medium,
            3 => Severity::Low,
            4 => Severity::Untriaged,
            _ => return None,
        };
        let (optional, aliases, terms, dates) = (w(1), w(2), w(3), w(4));
        let (summary, fixed_in) = (optional & 1 == 1, optional & 2 == 2);
        // The id, the optional strings, the aliases and the terms; the patterns are the rest.
        let named =
            1 + u64::from(summary) + u64::from(fixed_in) + u64::from(aliases) + u64::from(terms);
        if optional > 3 || dates > 3 || named > strings.len() as u64 {
            return None;
        }
        let days = Date::MIN.to_julian_day()..=Date::MAX.to_julian_day();
        let day = |bit: u32, k: usize| match dates & bit {
            0 => Some(None),
            _ => days.contains(&(w(k) as i32)).then_some(Some(w(k) as i32)),
        };
        Some(Record {
            severity,
            summary,
            fixed_in,
            aliases: aliases as usize,
            terms: terms as usize,
            released: day(1, 5)?,
            disclosed: day(2, 6)?,
            line: w(7) as usize,
            strings,
        })
    }
}

impl IssueTable {
    /// The table for these issues; `None` if an offset or count does not fit in 32 bits.
    pub(crate) fn encode<'a, I>(issues: I) -> Option<Vec<u8>>
    where
        I: IntoIterator<Item = &'a Issue>,
        I::IntoIter: ExactSizeIterator,
    {
        let issues = issues.into_iter();
        let count = issues.len();
        let u32_of = |v: usize| u32::try_from(v).ok();
        let mut text = String::new();
        let mut ends = vec![0u32];
        let mut firsts = vec![0u32];
        let mut records = Vec::with_capacity(count * RECORD_WORDS);
        for issue in issues {
            // Destructured field by field: a new field fails to compile here until it is
            // stored.
            let Issue {
                id,
                severity,
                summary,
                aliases,
                terms,
                patterns,
                released,
                disclosed,
                fixed_in,
                line,
            } = issue;
            let strings = std::iter::once(id)
                .chain(summary)
                .chain(fixed_in)
                .chain(aliases)
                .chain(terms)
                .chain(patterns);
            for s in strings {
                text.push_str(s);
                ends.push(u32_of(text.len())?);
            }
            firsts.push(u32_of(ends.len() - 1)?);
            let day = |d: &Option<Date>| d.map_or(0, |d| d.to_julian_day() as u32);
            records.extend_from_slice(&[
                match severity {
                    Severity::Critical => 0,
                    Severity::High => 1,
                    Severity::Medium => 2,
                    Severity::Low => 3,
                    Severity::Untriaged => 4,
                },
                u32::from(summary.is_some()) | (u32::from(fixed_in.is_some()) << 1),
                u32_of(aliases.len())?,
                u32_of(terms.len())?,
                u32::from(released.is_some()) | (u32::from(disclosed.is_some()) << 1),
                day(released),
                day(disclosed),
                u32_of(*line)?,
            ]);
        }
        let mut out =
            Vec::with_capacity(24 + text.len() + 4 * (ends.len() + firsts.len() + records.len()));
        for v in [count, ends.len() - 1, text.len()] {
            out.extend_from_slice(&(v as u64).to_le_bytes());
        }
        out.extend_from_slice(text.as_bytes());
        for list in [&ends, &firsts, &records] {
            list.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        Some(out)
    }

    /// Takes a table, checking every offset and every record in it, so that every issue
    /// in it decodes; `None` on anything inconsistent.
    pub(crate) fn from_bytes(data: Shared) -> Option<IssueTable> {
        let bytes = data.as_slice();
        let [n, s, text_len] = layout::header(bytes)?;
        let sizes = [text_len, 4 * (s + 1), 4 * (n + 1), 4 * RECORD_WORDS * n];
        let sections = layout::sections(bytes, 3, sizes)?;
        let mut table = IssueTable {
            data,
            sections,
            n,
            patterns: 0,
        };
        // Every issue, once, in tight loops without allocating: a cached registry that
        // finds no mention decodes none of them.
        let text = table.section(TABLE_TEXT);
        // Any string cut from UTF-8 text at character boundaries is UTF-8.
        let text = std::str::from_utf8(text).ok()?;
        let (ends, firsts) = (table.section(TABLE_ENDS), table.section(TABLE_FIRSTS));
        if !monotonic(ends, text_len) || !monotonic(firsts, s) {
            return None;
        }
        // UTF-8 continuation bytes (0b10xx_xxxx) are not boundaries; the end of the text is.
        let inside = |end: u32| {
            text.as_bytes()
                .get(end as usize)
                .is_some_and(|&b| b & 0xC0 == 0x80)
        };
        if ends
            .chunks_exact(4)
            .fold(false, |bad, e| bad | inside(u32_at(e, 0)))
        {
            return None;
        }
        let records = table.section(TABLE_RECORDS).chunks_exact(4 * RECORD_WORDS);
        let mut patterns = 0;
        for (pair, record) in firsts.windows(8).step_by(4).zip(records) {
            let r = Record::parse(record, u32_at(pair, 0) as usize..u32_at(pair, 1) as usize)?;
            patterns += r.strings.len() - r.patterns_start();
        }
        table.patterns = patterns;
        Some(table)
    }

    pub(crate) fn section(&self, i: usize) -> &[u8] {
        &self.data.as_slice()[self.sections[i].clone()]
    }

    pub(crate) fn len(&self) -> usize {
        self.n
    }

    pub(crate) fn patterns(&self) -> usize {
        self.patterns
    }

    /// Issue `i`'s record (the offsets are checked already).
    fn record(&self, i: usize) -> Option<Record> {
        if i >= self.n {
            return None;
        }
        let firsts = self.section(TABLE_FIRSTS);
        let strings = u32_at(firsts, i) as usize..u32_at(firsts, i + 1) as usize;
        let size = 4 * RECORD_WORDS;
        Record::parse(
            &self.section(TABLE_RECORDS)[size * i..size * (i + 1)],
            strings,
        )
    }

    /// Pattern `k` of issue `i`, shared with the table rather than decoded.
    pub(crate) fn pattern(&self, i: usize, k: usize) -> Option<SharedStr> {
        let r = self.record(i)?;
        let string = r.strings.start + r.patterns_start() + k;
        if string >= r.strings.end {
            return None;
        }
        let ends = self.section(TABLE_ENDS);
        let at = self.sections[TABLE_TEXT].start;
        let range = at + u32_at(ends, string) as usize..at + u32_at(ends, string + 1) as usize;
        // The text is UTF-8 and every end is at a character boundary (see `from_bytes`).
        SharedStr::new(self.data.slice(range))
    }

    /// Decodes issue `i`: `None` only if it is out of range, as the table was checked
    /// when it was loaded.
    pub(crate) fn issue(&self, i: usize) -> Option<Issue> {
        let r = self.record(i)?;
        let (text, ends) = (self.section(TABLE_TEXT), self.section(TABLE_ENDS));
        let string = |k: usize| -> Option<String> {
            let bytes = text.get(u32_at(ends, k) as usize..u32_at(ends, k + 1) as usize)?;
            Some(std::str::from_utf8(bytes).ok()?.to_string())
        };
        let list = |range: Range<usize>| range.map(string).collect::<Option<Vec<String>>>();
        let mut at = r.strings.start;
        let id = string(at)?;
        at += 1;
        let summary = match r.summary {
            true => Some(string(at)?),
            false => None,
        };
        at += usize::from(r.summary);
        let fixed_in = match r.fixed_in {
            true => Some(string(at)?),
            false => None,
        };
        at += usize::from(r.fixed_in);
        let aliases = list(at..at + r.aliases)?;
        at += r.aliases;
        let terms = list(at..at + r.terms)?;
        at += r.terms;
        let patterns = list(at..r.strings.end)?;
        let date = |day: Option<i32>| match day {
            None => Some(None),
            Some(d) => Date::from_julian_day(d).ok().map(Some),
        };
        Some(Issue {
            id,
            severity: r.severity,
            summary,
            aliases,
            terms,
            patterns,
            released: date(r.released)?,
            disclosed: date(r.disclosed)?,
            fixed_in,
            line: r.line,
        })
    }
}
