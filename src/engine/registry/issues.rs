//! The registry's issues, in registry order: parsed ones, or those of a compiled form,
//! each decoded the first time it is used.

use std::fmt;
use std::ops::{Index, Range};
use std::sync::OnceLock;

use crate::engine::codec::SharedStr;

use super::model::Issue;
use super::table::IssueTable;

/// The registry's issues, in registry order: parsed ones, or those of the compiled-registry
/// cache, each decoded the first time it is used. A hook that finds no mention decodes
/// none of them; one that finds a mention decodes only the issues mentioned.
#[derive(Clone)]
pub struct Issues(Repr);

#[derive(Clone)]
enum Repr {
    Parsed(Vec<Issue>),
    Cached {
        table: IssueTable,
        /// Issue `i` once decoded, in slots made when the first issue is decoded (boxed:
        /// an empty slot costs 16 bytes).
        decoded: OnceLock<Box<[OnceLock<Box<Issue>>]>>,
    },
}

impl Issues {
    /// The issues of a compiled form, which [`IssueTable`] has checked through.
    pub(crate) fn cached(table: IssueTable) -> Issues {
        Issues(Repr::Cached {
            table,
            decoded: OnceLock::new(),
        })
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Parsed(v) => v.len(),
            Repr::Cached { table, .. } => table.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<&Issue> {
        match &self.0 {
            Repr::Parsed(v) => v.get(i),
            Repr::Cached { table, decoded } => {
                let slots =
                    decoded.get_or_init(|| (0..table.len()).map(|_| OnceLock::new()).collect());
                Some(slots.get(i)?.get_or_init(|| {
                    // The table was checked whole when the cache was loaded: every issue in
                    // it decodes. The message names no registry content.
                    Box::new(table.issue(i).unwrap_or_else(|| {
                        panic!("issues[{i}] of the registry cache does not decode")
                    }))
                }))
            }
        }
    }

    /// How many patterns the issues have in all (counted without decoding them).
    pub(crate) fn patterns(&self) -> usize {
        match &self.0 {
            Repr::Parsed(v) => v.iter().map(|i| i.patterns.len()).sum(),
            Repr::Cached { table, .. } => table.patterns(),
        }
    }

    /// Pattern `k` of issue `i`, without decoding the issue.
    pub(crate) fn pattern(&self, i: usize, k: usize) -> Option<SharedStr> {
        match &self.0 {
            Repr::Parsed(v) => Some(v.get(i)?.patterns.get(k)?.clone().into()),
            Repr::Cached { table, .. } => table.pattern(i, k),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            issues: self,
            range: 0..self.len(),
        }
    }

    /// How many cached issues have been decoded so far.
    #[cfg(test)]
    pub(crate) fn decoded(&self) -> usize {
        match &self.0 {
            Repr::Parsed(_) => 0,
            Repr::Cached { decoded, .. } => decoded.get().map_or(0, |slots| {
                slots.iter().filter(|s| s.get().is_some()).count()
            }),
        }
    }
}

impl From<Vec<Issue>> for Issues {
    fn from(issues: Vec<Issue>) -> Issues {
        Issues(Repr::Parsed(issues))
    }
}

impl Index<usize> for Issues {
    type Output = Issue;

    fn index(&self, i: usize) -> &Issue {
        let len = self.len();
        self.get(i)
            .unwrap_or_else(|| panic!("issue index {i} out of range for {len} issues"))
    }
}

impl<'a> IntoIterator for &'a Issues {
    type Item = &'a Issue;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The issues in order (decoding each cached one as it goes).
#[derive(Clone)]
pub struct Iter<'a> {
    issues: &'a Issues,
    range: Range<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Issue;

    fn next(&mut self) -> Option<&'a Issue> {
        self.range.next().map(|i| &self.issues[i])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back().map(|i| &self.issues[i])
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Compares issue by issue, whichever way each side holds them.
impl PartialEq for Issues {
    fn eq(&self, other: &Issues) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Issues {}

impl fmt::Debug for Issues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
