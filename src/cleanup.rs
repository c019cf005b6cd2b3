//! git's own commit-message cleanup, as `git commit` will apply it after the commit-msg
//! hook: which comment lines and which scissors tail are not part of the message.
//!
//! Stripped lines are blanked rather than removed, so the line numbers in a finding are
//! the line numbers of the file the committer has open in their editor.

/// What git will do with comment lines (the effective `commit.cleanup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Comment lines are removed (the default when an editor is used).
    Strip,
    /// Comment lines stay (the default with `-m`/`-F`, and `whitespace`).
    Whitespace,
    /// The message is recorded as it is.
    Verbatim,
    /// Comment lines stay, the scissors tail goes.
    Scissors,
}

impl Mode {
    /// The mode git uses for a `commit.cleanup` value. Git runs the hook with
    /// `GIT_EDITOR=:` when no editor is used, which is how `editor_used` is known.
    pub fn effective(config: Option<&str>, editor_used: bool) -> Mode {
        match config.map(str::trim) {
            Some("strip") => Mode::Strip,
            Some("whitespace") => Mode::Whitespace,
            Some("verbatim") => Mode::Verbatim,
            Some("scissors") if editor_used => Mode::Scissors,
            Some("scissors") => Mode::Whitespace,
            // `default`, unset, and anything git itself would refuse: git strips comments
            // only when the message was edited. Unknown values keep the lines (check more).
            None | Some("default") if editor_used => Mode::Strip,
            _ => Mode::Whitespace,
        }
    }
}

/// The characters `core.commentChar=auto` chooses from, in git's order.
pub const AUTO_CANDIDATES: &str = "#;@!$%^&|:";

const CUT_LINE: &str = "------------------------ >8 ------------------------";

/// The comment prefix in force. `configured` is `core.commentString` or
/// `core.commentChar`, whichever git config sets last; `auto` is resolved from the
/// hint lines git wrote into the message with the character it chose. Without hint
/// lines (`commit.status=false`, `--no-status`) the character git chose cannot be
/// known: the empty prefix then means "no line is a comment", so every line is checked
/// (git picks a character no line of the message started with, so guessing `#` would
/// skip lines git keeps).
pub fn comment_prefix(configured: Option<&str>, message: &str) -> String {
    match configured {
        Some("auto") => detect_auto(message).unwrap_or_default(),
        Some(p) if !p.is_empty() => p.to_string(),
        _ => "#".to_string(),
    }
}

fn detect_auto(message: &str) -> Option<String> {
    for line in message.lines() {
        let mut chars = line.chars();
        let Some(c) = chars.next() else { continue };
        if !AUTO_CANDIDATES.contains(c) {
            continue;
        }
        let rest = chars.as_str();
        if rest.starts_with(" Please enter ") || rest == format!(" {CUT_LINE}") {
            return Some(c.to_string());
        }
    }
    None
}

/// Whether the text after a scissors line is what `git commit -v` writes there: its
/// comment lines, then nothing or the diff. Git cuts at the scissors line only in
/// `scissors` mode or with `-v` (which the hook cannot see); a scissors line the
/// committer typed without `-v` cuts nothing, so what follows it must be checked.
fn verbose_tail(tail: &str, comment: &str) -> bool {
    tail.split_inclusive('\n')
        .find(|line| !line.starts_with(comment))
        .is_none_or(|line| line.starts_with("diff --git ") || line.starts_with("Submodule "))
}

/// The message as git will record it, as far as matching is concerned. An empty
/// `comment` means no line is a comment.
pub fn apply(message: &str, mode: Mode, comment: &str, editor_used: bool) -> String {
    let mut text = message;
    if !comment.is_empty() && (editor_used || mode == Mode::Scissors) {
        let cut = format!("{comment} {CUT_LINE}");
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            if line.trim_end_matches(['\n', '\r']) == cut {
                if mode == Mode::Scissors || verbose_tail(&text[at + line.len()..], comment) {
                    text = &text[..at];
                }
                break;
            }
            at += line.len();
        }
    }
    if mode != Mode::Strip || comment.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.starts_with(comment) {
            if line.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_mode_follows_git() {
        assert_eq!(Mode::effective(None, true), Mode::Strip);
        assert_eq!(Mode::effective(None, false), Mode::Whitespace);
        assert_eq!(Mode::effective(Some("default"), false), Mode::Whitespace);
        assert_eq!(Mode::effective(Some("verbatim"), true), Mode::Verbatim);
        assert_eq!(Mode::effective(Some("whitespace"), true), Mode::Whitespace);
        assert_eq!(Mode::effective(Some("scissors"), true), Mode::Scissors);
        assert_eq!(Mode::effective(Some("scissors"), false), Mode::Whitespace);
        assert_eq!(Mode::effective(Some("strip"), false), Mode::Strip);
    }

    #[test]
    fn strip_blanks_comment_lines_and_keeps_line_numbers() {
        let msg = "Subject\n# secret\nbody\n";
        assert_eq!(apply(msg, Mode::Strip, "#", true), "Subject\n\nbody\n");
        assert_eq!(apply(msg, Mode::Whitespace, "#", false), msg);
        assert_eq!(apply(msg, Mode::Verbatim, "#", true), msg);
    }

    #[test]
    fn scissors_cuts_the_verbose_diff() {
        let msg = format!("Subject\n# {CUT_LINE}\ndiff --git a b\n+SX-1\n");
        assert_eq!(apply(&msg, Mode::Strip, "#", true), "Subject\n");
        assert_eq!(apply(&msg, Mode::Verbatim, "#", true), "Subject\n");
        // Without an editor there is no verbose diff: the line is the user's own.
        assert_eq!(apply(&msg, Mode::Whitespace, "#", false), msg);
        // Git's hint lines, then nothing (`-v` with nothing staged): cut.
        let hints = format!("Subject\n# {CUT_LINE}\n# Do not modify or remove the line above.\n");
        assert_eq!(apply(&hints, Mode::Strip, "#", true), "Subject\n");
        // A scissors line typed without `-v`: git keeps what follows it, and so must we.
        let typed = format!("Subject\n# {CUT_LINE}\nSX-1 details\n");
        assert_eq!(
            apply(&typed, Mode::Strip, "#", true),
            "Subject\n\nSX-1 details\n"
        );
        // In scissors mode git cuts at the line whoever wrote it.
        assert_eq!(apply(&typed, Mode::Scissors, "#", true), "Subject\n");
    }

    #[test]
    fn comment_prefix_handles_auto_and_strings() {
        let msg = "Fix\n; Please enter the commit message for your changes.\n";
        assert_eq!(comment_prefix(Some("auto"), msg), ";");
        // No hint lines: git's choice is unknown, nothing is treated as a comment.
        assert_eq!(comment_prefix(Some("auto"), "no hints"), "");
        assert_eq!(apply("#42 kept\n", Mode::Strip, "", true), "#42 kept\n");
        assert_eq!(comment_prefix(Some("//"), ""), "//");
        assert_eq!(comment_prefix(None, ""), "#");
        assert_eq!(apply("a\n// b\n", Mode::Strip, "//", true), "a\n\n");
    }
}
