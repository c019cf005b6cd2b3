//! Checking what commits add (contract §11), for every command: each piece of text that
//! [`crate::history::changes`] finds is checked by the engine's change rule and, when it
//! has findings, becomes a report item named by commit, file and line.

use time::Date;

use crate::engine::content::ContentMode;
use crate::engine::source::{CommitRef, Source};
use crate::engine::verdict::{Checker, Finding, Kind, Level};
use crate::git::diff::MAX_TEXT_BYTES;
use crate::history::changes::Piece;
use crate::report::Checked;

/// The report item for one piece a commit (or the staged changes, `commit` `None`)
/// adds, if it has findings.
pub fn check_piece(
    checker: &Checker,
    piece: Piece,
    commit: Option<&CommitRef>,
    day: Date,
    mode: ContentMode,
) -> Option<Checked> {
    let (path, first_line, text, findings) = match piece {
        Piece::Path { path } => {
            let findings = checker.check_change(&path, day, mode);
            (path.clone(), None, path, findings)
        }
        Piece::Lines {
            path,
            first_line,
            text,
        } => {
            let findings = checker.check_change(&text, day, mode);
            (path, Some(first_line), text, findings)
        }
        Piece::TooLarge { path, size } => {
            let finding = Finding {
                kind: Kind::TooLarge {
                    size,
                    limit: MAX_TEXT_BYTES,
                },
                level: Level::Warn,
                span: 0..path.len(),
            };
            (path.clone(), None, path, vec![finding])
        }
    };
    if findings.is_empty() {
        return None;
    }
    Some(Checked {
        source: Source::Change {
            commit: commit.cloned(),
            path,
            first_line,
        },
        text,
        findings,
    })
}
