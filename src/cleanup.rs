//! git's own commit-message cleanup, as `git commit` applies it after the commit-msg
//! hook (sequencer.c `cleanup_message`, wt-status.c `wt_status_locate_end`, strbuf.c
//! `strbuf_stripspace`), on bytes as git does; and, where the hook cannot know every
//! input of it, the set of cleanups git may apply.
//!
//! The result is the message git records, byte for byte: the text `check` and
//! `pre-receive` will see later in the commit.

/// `commit.cleanup` / `--cleanup` as git resolves it (`get_cleanup_mode`), with
/// `scissors` split into what it does: whitespace cleanup plus a cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `verbatim`: recorded as it is.
    Verbatim,
    /// `whitespace` (and the default without an editor): comment lines stay.
    Whitespace,
    /// `strip` (and the default with an editor): comment lines go.
    Strip,
}

/// One way git may clean the message up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cleanup {
    pub mode: Mode,
    /// Truncate at the scissors line (`-v`, `commit.verbose`, or `scissors` mode).
    pub cut: bool,
    /// The comment prefix (`core.commentChar`/`core.commentString`), bytes.
    pub comment: Vec<u8>,
}

/// The characters `core.commentChar=auto` chooses from, in git's order.
pub const AUTO_CANDIDATES: &[u8] = b"#;@!$%^&|:";

const CUT_LINE: &[u8] = b"------------------------ >8 ------------------------";

/// git's `cleanup_message`: the message git records.
pub fn apply(message: &[u8], c: &Cleanup) -> Vec<u8> {
    let mut text = message;
    if c.cut {
        text = &text[..locate_end(text, &c.comment)];
    }
    match c.mode {
        Mode::Verbatim => text.to_vec(),
        Mode::Whitespace => stripspace(text, None),
        Mode::Strip => stripspace(text, Some(&c.comment)),
    }
}

/// `wt_status_locate_end`: where the scissors line starts: exactly the comment prefix,
/// a space, the cut line and `\n`, at the start of the message or after a `\n`. git
/// searches with `strstr`, which stops at a NUL byte.
pub fn locate_end(message: &[u8], comment: &[u8]) -> usize {
    let searched = match message.iter().position(|&b| b == 0) {
        Some(nul) => &message[..nul],
        None => message,
    };
    let mut pattern = Vec::with_capacity(comment.len() + CUT_LINE.len() + 3);
    pattern.push(b'\n');
    pattern.extend_from_slice(comment);
    pattern.push(b' ');
    pattern.extend_from_slice(CUT_LINE);
    pattern.push(b'\n');
    if searched.starts_with(&pattern[1..]) {
        return 0;
    }
    match find(searched, &pattern) {
        Some(at) => (at + 1).min(message.len()),
        None => message.len(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// git's `isspace`: space, tab, `\n`, `\r` only.
fn git_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `strbuf_stripspace`: comment lines dropped (when `comment` is given), trailing
/// whitespace removed, runs of empty lines made one, none at the start or the end, and
/// a final newline.
pub fn stripspace(text: &[u8], comment: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 1);
    let mut empties = 0usize;
    for line in text.split_inclusive(|&b| b == b'\n') {
        if comment.is_some_and(|c| line.starts_with(c)) {
            continue;
        }
        let mut len = line.len();
        while len > 0 && git_space(line[len - 1]) {
            len -= 1;
        }
        if len == 0 {
            empties += 1;
            continue;
        }
        if empties > 0 && !out.is_empty() {
            out.push(b'\n');
        }
        empties = 0;
        out.extend_from_slice(&line[..len]);
        out.push(b'\n');
    }
    out
}

/// builtin/commit.c `adjust_comment_line_char`: the character `auto` chooses for the
/// message git starts from (before any editor): `#` when no `#` is anywhere in it,
/// else the first candidate no line starts with. `None` when every one is used (git
/// then refuses to commit).
pub fn auto_choice(message: &[u8]) -> Option<u8> {
    if !message.contains(&b'#') {
        return Some(b'#');
    }
    let mut used = [false; 256];
    if let Some(&first) = message.first() {
        used[usize::from(first)] = true;
    }
    let searched = match message.iter().position(|&b| b == 0) {
        Some(nul) => &message[..nul],
        None => message,
    };
    for w in searched.windows(2) {
        if (w[0] == b'\n' || w[0] == b'\r') && w[1] != 0 {
            used[usize::from(w[1])] = true;
        }
    }
    AUTO_CANDIDATES
        .iter()
        .copied()
        .find(|&c| !used[usize::from(c)])
}

/// The comment characters git's own hint lines in the file were written with (git
/// writes them, with the character `auto` chose, before the editor runs): the English
/// "Please enter the commit message" pair, or the scissors line and its explanation.
pub fn auto_from_hints(file: &[u8]) -> Vec<u8> {
    let lines: Vec<&[u8]> = file.split(|&b| b == b'\n').collect();
    let mut found = Vec::new();
    for pair in lines.windows(2) {
        let (first, second) = (pair[0], pair[1]);
        let Some(&c) = first.first() else { continue };
        if !AUTO_CANDIDATES.contains(&c) || found.contains(&c) {
            continue;
        }
        let body = &first[1..];
        let hint = body == b" Please enter the commit message for your changes. Lines starting"
            && (second.starts_with(&[c, b' ', b'w', b'i', b't', b'h', b' ', b'\'', c, b'\'']));
        let scissors = body.strip_prefix(b" ") == Some(CUT_LINE)
            && second.first() == Some(&c)
            && &second[1..] == b" Do not modify or remove the line above.";
        if hint || scissors {
            found.push(c);
        }
    }
    found
}

/// What is known of the inputs of git's cleanup; `None` where the hook cannot know.
#[derive(Debug, Clone)]
pub struct Known {
    /// Whether git uses an editor (`use_editor`).
    pub editor: Option<bool>,
    /// The cleanup setting in force (`--cleanup`, else `commit.cleanup`): `Some(None)`
    /// when neither is set.
    pub cleanup: Option<Option<String>>,
    /// The verbosity (`-v`, else `commit.verbose`).
    pub verbose: Option<bool>,
    /// `core.commentChar`/`core.commentString` in force, bytes; `None` for `#`.
    pub comment: Option<Vec<u8>>,
    /// What may have changed the file between git's choice of the `auto` character and
    /// the hook, other than an editor.
    pub changed: Changed,
    /// git started from an empty message (no `-m`, `-F`, `-c`, `-C`, `--amend`,
    /// template, merge or squash message; a sign-off line at most), so `auto` chose `#`.
    pub empty_start: bool,
}

/// What may have changed the file after git chose the `auto` character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Nothing: without an editor, the file is the message git chose from.
    Nothing,
    /// Lines may have been added (`--trailer`).
    AddedLines,
    /// Anything (a `prepare-commit-msg` hook, or the hook cannot tell).
    Unknown,
}

/// Every cleanup git may apply given what is known: one when all is known.
/// An invalid cleanup mode is an error, as it is for git.
pub fn possible(known: &Known, file: &[u8]) -> anyhow::Result<Vec<Cleanup>> {
    let editors: &[bool] = match known.editor {
        Some(true) => &[true],
        Some(false) => &[false],
        None => &[true, false],
    };
    let verboses: &[bool] = match known.verbose {
        Some(true) => &[true],
        Some(false) => &[false],
        None => &[false, true],
    };
    let mut out: Vec<Cleanup> = Vec::new();
    for &editor in editors {
        let modes: Vec<(Mode, bool)> = match &known.cleanup {
            Some(arg) => vec![mode_for(arg.as_deref(), editor)?],
            None => {
                let mut all = vec![
                    (Mode::Verbatim, false),
                    (Mode::Whitespace, false),
                    (Mode::Strip, false),
                ];
                if editor {
                    all.push((Mode::Whitespace, true));
                }
                all
            }
        };
        let comments = comments(known, editor, file);
        for &(mode, scissors) in &modes {
            for &verbose in verboses {
                let cut = verbose || scissors;
                for comment in &comments {
                    let c = Cleanup {
                        mode,
                        cut,
                        // The prefix only matters where it is used.
                        comment: if cut || mode == Mode::Strip {
                            comment.clone()
                        } else {
                            Vec::new()
                        },
                    };
                    if !out.contains(&c) {
                        out.push(c);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// `get_cleanup_mode`: the mode and whether it cuts at the scissors line.
fn mode_for(arg: Option<&str>, editor: bool) -> anyhow::Result<(Mode, bool)> {
    Ok(match arg {
        None | Some("default") if editor => (Mode::Strip, false),
        None | Some("default") => (Mode::Whitespace, false),
        Some("verbatim") => (Mode::Verbatim, false),
        Some("whitespace") => (Mode::Whitespace, false),
        Some("strip") => (Mode::Strip, false),
        Some("scissors") => (Mode::Whitespace, editor),
        Some(other) => anyhow::bail!("invalid cleanup mode `{other}` (git refuses it too)"),
    })
}

/// The comment prefixes git may use.
fn comments(known: &Known, editor: bool, file: &[u8]) -> Vec<Vec<u8>> {
    let auto = match &known.comment {
        None => return vec![b"#".to_vec()],
        Some(c) if c.eq_ignore_ascii_case(b"auto") => true,
        Some(c) => return vec![c.clone()],
    };
    debug_assert!(auto);
    if known.empty_start {
        // `adjust_comment_line_char`: no line of the message git started from begins
        // with `#` (a sign-off line cannot), so `#`.
        return vec![b"#".to_vec()];
    }
    let all = || AUTO_CANDIDATES.iter().map(|&c| vec![c]).collect::<Vec<_>>();
    if editor {
        // git chose from the message before the editor ran; its hint lines say which.
        let hinted = auto_from_hints(file);
        if hinted.is_empty() {
            return all();
        }
        return hinted.into_iter().map(|c| vec![c]).collect();
    }
    // No editor: the file is the message git chose from, plus any added lines, which
    // can only have ruled out more characters than git saw ruled out.
    match auto_choice(file) {
        _ if known.changed == Changed::Unknown => all(),
        Some(c) if known.changed == Changed::Nothing => vec![vec![c]],
        Some(c) => AUTO_CANDIDATES
            .iter()
            .take_while(|&&x| x != c)
            .chain(std::iter::once(&c))
            .map(|&x| vec![x])
            .collect(),
        None => all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cl(mode: Mode, cut: bool, comment: &str) -> Cleanup {
        Cleanup {
            mode,
            cut,
            comment: comment.as_bytes().to_vec(),
        }
    }

    fn s(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn stripspace_is_gits() {
        let msg = b"\n\nSubject  \r\n# secret\n\n\n\nbody\t\n\n";
        assert_eq!(
            s(apply(msg, &cl(Mode::Strip, false, "#"))),
            "Subject\n\nbody\n"
        );
        assert_eq!(
            s(apply(msg, &cl(Mode::Whitespace, false, "#"))),
            "Subject\n# secret\n\nbody\n"
        );
        assert_eq!(apply(msg, &cl(Mode::Verbatim, false, "#")), msg.to_vec());
        // A comment string is a prefix of bytes, not a character.
        assert_eq!(
            s(apply(b"a\n// b\n/c\n", &cl(Mode::Strip, false, "//"))),
            "a\n/c\n"
        );
        assert_eq!(
            apply(b"\xc3\xa9 x\nk\n", &cl(Mode::Strip, false, "\u{e9}")),
            b"k\n"
        );
    }

    #[test]
    fn scissors_is_the_exact_line() {
        let cut = "# ------------------------ >8 ------------------------";
        let msg = format!("Subject\n{cut}\nSX-1\n");
        assert_eq!(
            s(apply(msg.as_bytes(), &cl(Mode::Whitespace, true, "#"))),
            "Subject\n"
        );
        assert_eq!(
            s(apply(msg.as_bytes(), &cl(Mode::Whitespace, false, "#"))),
            msg
        );
        // CR-LF, trailing space, no final newline, another prefix: not the line.
        for other in [
            format!("Subject\n{cut}\r\nSX-1\n"),
            format!("Subject\n{cut} \nSX-1\n"),
            format!("Subject\n{cut}"),
            format!("Subject\n;{}\nSX-1\n", &cut[1..]),
        ] {
            assert_eq!(locate_end(other.as_bytes(), b"#"), other.len(), "{other:?}");
        }
        assert_eq!(locate_end(format!("{cut}\nx").as_bytes(), b"#"), 0);
    }

    #[test]
    fn auto_follows_git() {
        assert_eq!(auto_choice(b"no hash here\n; x\n"), Some(b'#'));
        // `#` inside a line rules nothing out; at the start of one it does.
        assert_eq!(auto_choice(b"a # inside\n"), Some(b'#'));
        assert_eq!(auto_choice(b"a\n# start\n"), Some(b';'));
        assert_eq!(auto_choice(b"# one\n; two\r@ three\n"), Some(b'!'));
        assert_eq!(auto_choice(b"#\n;\n@\n!\n$\n%\n^\n&\n|\n:\n"), None);
        let file = b"Fix ; it\n\n; Please enter the commit message for your changes. Lines starting\n; with ';' will be ignored, and an empty message aborts the commit.\n";
        assert_eq!(auto_from_hints(file), vec![b';']);
        assert_eq!(auto_from_hints(b"Fix\n"), Vec::<u8>::new());
    }

    #[test]
    fn unknowns_widen_the_set() {
        let known = Known {
            editor: Some(true),
            cleanup: Some(None),
            verbose: Some(false),
            comment: None,
            changed: Changed::Nothing,
            empty_start: false,
        };
        assert_eq!(
            possible(&known, b"").unwrap(),
            vec![cl(Mode::Strip, false, "#")]
        );
        let unknown = Known {
            editor: None,
            cleanup: None,
            verbose: None,
            ..known.clone()
        };
        assert_eq!(possible(&unknown, b"").unwrap().len(), 6);
        let auto = Known {
            comment: Some(b"AUTO".to_vec()),
            ..known
        };
        assert_eq!(
            possible(&auto, b"x\n").unwrap().len(),
            AUTO_CANDIDATES.len()
        );
        // Started from an empty message, git chose `#` whatever the editor left.
        let empty_start = Known {
            empty_start: true,
            ..auto.clone()
        };
        assert_eq!(
            possible(&empty_start, b"; x\n").unwrap(),
            vec![cl(Mode::Strip, false, "#")]
        );
        let bad = Known {
            cleanup: Some(Some("bogus".into())),
            ..unknown
        };
        assert!(possible(&bad, b"").is_err());
    }
}
