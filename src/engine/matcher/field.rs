//! Which field of an issue a mention matched.

/// Which field of an issue matched. Indices point into the lists.
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
    pub(super) fn encode(self) -> (u32, usize) {
        match self {
            Field::Id => (0, 0),
            Field::Alias(k) => (1, k),
            Field::Term(k) => (2, k),
            Field::Pattern(k) => (3, k),
        }
    }
}
