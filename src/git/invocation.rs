//! What the `git` process that runs a hook was asked to do, for what git does not tell
//! hooks in their environment (`--cleanup=`, `-v`, `-e`): its command line, read from
//! the operating system and parsed with git's own option rules.
//!
//! Linux only (`/proc`); elsewhere, or when anything is in doubt, the answer is
//! "unknown" and the caller assumes the least it can.

use std::ffi::OsString;

/// The command line of the nearest `git` process above this one, if it can be read.
/// Hook managers (a shell, pre-commit, husky) may stand in between: they are walked past.
pub fn git_ancestor() -> Option<Vec<OsString>> {
    #[cfg(target_os = "linux")]
    {
        linux::git_ancestor()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::ffi::OsString;
    use std::os::unix::ffi::{OsStrExt, OsStringExt};

    /// How far up the process tree to look for git.
    const MAX_DEPTH: usize = 16;
    /// The most of a command line read.
    const MAX_CMDLINE: usize = 1 << 20;

    pub fn git_ancestor() -> Option<Vec<OsString>> {
        let mut pid = std::os::unix::process::parent_id();
        for _ in 0..MAX_DEPTH {
            if pid <= 1 {
                return None;
            }
            if is_git(pid) {
                return cmdline(pid);
            }
            pid = parent_of(pid)?;
        }
        None
    }

    fn is_git(pid: u32) -> bool {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        let by_exe = exe
            .as_ref()
            .and_then(|p| p.file_name())
            .is_some_and(|n| is_git_name(n.as_bytes()));
        by_exe
            || cmdline(pid)
                .and_then(|args| args.into_iter().next())
                .is_some_and(|a0| {
                    std::path::Path::new(&a0)
                        .file_name()
                        .is_some_and(|n| is_git_name(n.as_bytes()))
                })
    }

    /// `git`, or a dashed command from git's exec path (`git-commit`); not helpers such
    /// as `git-lfs` that git does not run hooks from, which parse as another command.
    fn is_git_name(name: &[u8]) -> bool {
        name == b"git" || name.starts_with(b"git-")
    }

    fn cmdline(pid: u32) -> Option<Vec<OsString>> {
        use std::io::Read as _;
        let mut bytes = Vec::new();
        std::fs::File::open(format!("/proc/{pid}/cmdline"))
            .ok()?
            .take(MAX_CMDLINE as u64)
            .read_to_end(&mut bytes)
            .ok()?;
        if bytes.is_empty() || bytes.len() >= MAX_CMDLINE {
            return None;
        }
        if bytes.last() == Some(&0) {
            bytes.pop();
        }
        Some(
            bytes
                .split(|&b| b == 0)
                .map(|a| OsString::from_vec(a.to_vec()))
                .collect(),
        )
    }

    /// The parent's pid from `/proc/PID/stat`: the field after the command name, which
    /// is in parentheses and may itself hold spaces and parentheses.
    fn parent_of(pid: u32) -> Option<u32> {
        let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
        let close = stat.iter().rposition(|&b| b == b')')?;
        let rest = std::str::from_utf8(&stat[close + 1..]).ok()?;
        rest.split_whitespace().nth(1)?.parse().ok()
    }
}

/// What `git commit`'s options say about the message, as `parse_and_validate_options`
/// in git's builtin/commit.c decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOptions {
    /// `-v` counted, `--no-verbose` zero; `None` when not given (`commit.verbose` decides).
    pub verbose: Option<i64>,
    /// `--cleanup=MODE`: `None` when not given (`commit.cleanup` decides), `Some(None)`
    /// after `--no-cleanup` (the default mode, whatever the config says).
    pub cleanup: Option<Option<String>>,
    /// Whether git will use an editor (and so wrote its hint lines into the file).
    pub use_editor: bool,
    /// `--trailer` was given: git added lines after choosing `core.commentChar=auto`.
    pub trailers: bool,
    /// `-n`/`--no-verify`: git runs no commit-msg hook.
    pub no_verify: bool,
    /// git starts from a message given or named on the command line (`-m`, `-F`, `-c`,
    /// `-C`, `--amend`, `--fixup`, `--squash`, `-t`), not from an empty one.
    pub starting_message: bool,
}

/// What a git command line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    Commit(CommitOptions),
    /// Another git command (merge, ...), by name.
    Other(String),
    /// Not understood: an option this parser does not know, bad UTF-8, ...
    Unknown,
}

/// Parses a `git` command line: git's own options, then the command's.
pub fn parse(args: &[OsString]) -> Invocation {
    // Option names are ASCII; a value that is not UTF-8 (a comment character in `-c`)
    // keeps its place, which is all that matters here.
    let owned: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    // A dashed form (`git-commit`, from git's exec path) names its command itself.
    let argv0 = args.first().map(|a| a.rsplit('/').next().unwrap_or(a));
    if let Some(cmd) = argv0.and_then(|a| a.strip_prefix("git-")) {
        return match cmd {
            "commit" => parse_commit(&args[1..]).map_or(Invocation::Unknown, Invocation::Commit),
            other => Invocation::Other(other.to_string()),
        };
    }
    let mut i = 1;
    // git.c `handle_options`.
    while let Some(&arg) = args.get(i) {
        if !arg.starts_with('-') {
            break;
        }
        const WITH_VALUE: &[&str] = &[
            "-c",
            "-C",
            "--git-dir",
            "--work-tree",
            "--namespace",
            "--config-env",
            "--attr-source",
            "--shallow-file",
        ];
        const FLAGS: &[&str] = &[
            "-p",
            "--paginate",
            "-P",
            "--no-pager",
            "--no-replace-objects",
            "--bare",
            "--literal-pathspecs",
            "--no-literal-pathspecs",
            "--glob-pathspecs",
            "--noglob-pathspecs",
            "--icase-pathspecs",
            "--no-optional-locks",
            "--no-lazy-fetch",
            "--no-advice",
        ];
        if WITH_VALUE.contains(&arg) {
            i += 2;
        } else if FLAGS.contains(&arg)
            || [
                "--git-dir=",
                "--work-tree=",
                "--namespace=",
                "--config-env=",
                "--attr-source=",
            ]
            .iter()
            .any(|p| arg.starts_with(p))
        {
            i += 1;
        } else {
            return Invocation::Unknown;
        }
    }
    match args.get(i) {
        Some(&"commit") => {
            parse_commit(&args[i + 1..]).map_or(Invocation::Unknown, Invocation::Commit)
        }
        Some(cmd) => Invocation::Other(cmd.to_string()),
        None => Invocation::Unknown,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// No value (`OPT_BOOL`, `OPT_COUNTUP`, `OPT_SET_INT`).
    None,
    /// A value, attached or the next argument (`OPT_STRING`, `OPT_FILENAME`, ...).
    Required,
    /// A value only when attached (`--opt=v`, `-Sv`).
    Optional,
}

/// `git commit`'s options (builtin/commit.c, `builtin_commit_options`): short name, long
/// name, value, whether `--no-` is refused.
const COMMIT_OPTIONS: &[(Option<char>, &str, Arg, bool)] = &[
    (Some('q'), "quiet", Arg::None, false),
    (Some('v'), "verbose", Arg::None, false),
    (Some('F'), "file", Arg::Required, false),
    (None, "author", Arg::Required, false),
    (None, "date", Arg::Required, false),
    (Some('m'), "message", Arg::Required, false),
    (Some('c'), "reedit-message", Arg::Required, false),
    (Some('C'), "reuse-message", Arg::Required, false),
    (None, "fixup", Arg::Required, false),
    (None, "squash", Arg::Required, false),
    (None, "reset-author", Arg::None, false),
    (None, "trailer", Arg::Required, true),
    (Some('s'), "signoff", Arg::None, false),
    (Some('t'), "template", Arg::Required, false),
    (Some('e'), "edit", Arg::None, false),
    (None, "cleanup", Arg::Required, false),
    (None, "status", Arg::None, false),
    (Some('S'), "gpg-sign", Arg::Optional, false),
    (Some('a'), "all", Arg::None, false),
    (Some('i'), "include", Arg::None, false),
    (None, "interactive", Arg::None, false),
    (Some('p'), "patch", Arg::None, false),
    (Some('o'), "only", Arg::None, false),
    (Some('n'), "no-verify", Arg::None, false),
    (None, "dry-run", Arg::None, false),
    (None, "short", Arg::None, false),
    (None, "branch", Arg::None, false),
    (None, "ahead-behind", Arg::None, false),
    (None, "porcelain", Arg::None, false),
    (None, "long", Arg::None, false),
    (Some('z'), "null", Arg::None, false),
    (None, "amend", Arg::None, false),
    (None, "no-post-rewrite", Arg::None, false),
    (Some('u'), "untracked-files", Arg::Optional, false),
    (None, "pathspec-from-file", Arg::Required, false),
    (None, "pathspec-file-nul", Arg::None, false),
    (None, "allow-empty", Arg::None, false),
    (None, "allow-empty-message", Arg::None, false),
];

#[derive(Default)]
struct CommitState {
    verbose: Option<i64>,
    cleanup: Option<Option<String>>,
    edit: Option<bool>,
    message: bool,
    file: bool,
    reuse: bool,
    reedit: bool,
    amend: bool,
    squash: bool,
    template: bool,
    fixup: Option<String>,
    trailers: bool,
    no_verify: bool,
}

impl CommitState {
    /// Applies one option; `unset` for its `--no-` form.
    fn set(&mut self, long: &str, unset: bool, value: Option<&str>) {
        match long {
            "verbose" => {
                self.verbose = Some(if unset {
                    0
                } else {
                    self.verbose.unwrap_or(0).max(0) + 1
                })
            }
            "cleanup" => {
                self.cleanup = Some(if unset {
                    None
                } else {
                    value.map(str::to_string)
                })
            }
            "edit" => self.edit = Some(!unset),
            "message" => self.message = !unset,
            "file" => self.file = !unset,
            "reuse-message" => self.reuse = !unset,
            "reedit-message" => self.reedit = !unset,
            "amend" => self.amend = !unset,
            "squash" => self.squash = !unset,
            "template" => self.template = !unset,
            "fixup" => {
                self.fixup = if unset {
                    None
                } else {
                    value.map(str::to_string)
                }
            }
            "trailer" => self.trailers = true,
            "no-verify" => self.no_verify = !unset,
            _ => {}
        }
    }
}

/// git's parse-options over `git commit`'s table: bundled short options, attached or
/// separate values, `--no-` forms, unique abbreviations of long options, `--`.
/// `None` for anything git would refuse or this parser does not know.
fn parse_commit(args: &[&str]) -> Option<CommitOptions> {
    let mut st = CommitState::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        i += 1;
        if arg == "--" || arg == "--end-of-options" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let (opt, unset) = find_long(name)?;
            let (_, long_name, kind, _) = *opt;
            let value = match (kind, unset) {
                (_, true) | (Arg::None, false) => {
                    if attached.is_some() {
                        return None;
                    }
                    None
                }
                (Arg::Optional, false) => attached,
                (Arg::Required, false) => match attached {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        Some(*args.get(i - 1)?)
                    }
                },
            };
            st.set(long_name, unset, value);
        } else if let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut rest = shorts;
            while let Some(c) = rest.chars().next() {
                rest = &rest[c.len_utf8()..];
                let &(_, long_name, kind, _) = COMMIT_OPTIONS.iter().find(|o| o.0 == Some(c))?;
                let value = match kind {
                    Arg::None => None,
                    Arg::Optional => Some(std::mem::take(&mut rest)),
                    Arg::Required if !rest.is_empty() => Some(std::mem::take(&mut rest)),
                    Arg::Required => {
                        i += 1;
                        Some(*args.get(i - 1)?)
                    }
                };
                st.set(long_name, false, value);
            }
        }
        // Anything else is a pathspec: git keeps parsing options after it.
    }

    // builtin/commit.c, parse_and_validate_options.
    let mut use_editor = !(st.file || st.message || st.reuse);
    if let Some(fixup) = &st.fixup {
        let alpha = fixup.bytes().take_while(u8::is_ascii_alphabetic).count();
        let suboption = alpha > 0 && fixup.as_bytes().get(alpha) == Some(&b':');
        if !suboption {
            use_editor = false;
        }
    }
    if let Some(edit) = st.edit {
        use_editor = edit;
    }
    Some(CommitOptions {
        verbose: st.verbose,
        cleanup: st.cleanup,
        use_editor,
        trailers: st.trailers,
        no_verify: st.no_verify,
        starting_message: st.message
            || st.file
            || st.reuse
            || st.reedit
            || st.amend
            || st.squash
            || st.template
            || st.fixup.is_some(),
    })
}

type CommitOption = (Option<char>, &'static str, Arg, bool);

/// parse-options' `parse_long_opt`: an exact name wins, else a unique abbreviation;
/// `no-` negates (an option named `no-x` is negated by `x`). Returns the option and
/// whether it is unset.
fn find_long(arg: &str) -> Option<(&'static CommitOption, bool)> {
    let (arg_start, arg_unset, no_no) = match arg.strip_prefix("no-") {
        Some(r) => match r.strip_prefix("no-") {
            Some(rr) => (rr, false, true),
            None => (r, true, false),
        },
        None => (arg, false, false),
    };
    let mut abbrev: Option<(&'static CommitOption, bool)> = None;
    let mut ambiguous = false;
    let mut register = |opt: &'static CommitOption, unset: bool| match abbrev {
        Some((o, u)) if std::ptr::eq(o, opt) && u == unset => {}
        Some(_) => ambiguous = true,
        None => abbrev = Some((opt, unset)),
    };
    for opt in COMMIT_OPTIONS {
        let allow_unset = !opt.3;
        let (long_name, opt_unset) = match opt.1.strip_prefix("no-") {
            Some(r) => (r, true),
            None if no_no => continue,
            None => (opt.1, false),
        };
        if arg_unset != opt_unset && !allow_unset {
            continue;
        }
        if arg_start == long_name {
            return Some((opt, arg_unset ^ opt_unset));
        }
        if long_name.starts_with(arg_start) {
            register(opt, arg_unset ^ opt_unset);
        }
        if allow_unset && "no-".starts_with(arg) {
            register(opt, !opt_unset);
        }
    }
    if ambiguous {
        return None;
    }
    abbrev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(args: &[&str]) -> Option<CommitOptions> {
        let mut argv: Vec<OsString> = vec!["git".into()];
        argv.extend(args.iter().map(OsString::from));
        match parse(&argv) {
            Invocation::Commit(o) => Some(o),
            _ => None,
        }
    }

    #[test]
    fn editor_cleanup_and_verbose_follow_git() {
        let o = commit(&["commit", "-m", "x"]).unwrap();
        assert!(!o.use_editor);
        assert_eq!((o.verbose, o.cleanup), (None, None));
        let o = commit(&["-c", "a=b", "commit", "-vvem", "-v", "--clean=verbatim"]).unwrap();
        assert!(o.use_editor);
        assert_eq!(o.verbose, Some(2));
        assert_eq!(o.cleanup, Some(Some("verbatim".into())));
        let o = commit(&["commit", "--cleanup", "strip", "-F", "f", "--no-verbose"]).unwrap();
        assert!(!o.use_editor);
        assert_eq!(o.verbose, Some(0));
        assert_eq!(o.cleanup, Some(Some("strip".into())));
        let o = commit(&["commit", "--no-cleanup", "--amend", "file.c"]).unwrap();
        assert!(o.use_editor && o.starting_message);
        assert!(
            !commit(&["commit", "-v", "-s", "--no-status"])
                .unwrap()
                .starting_message
        );
        assert!(commit(&["commit", "-t", "tpl"]).unwrap().starting_message);
        assert_eq!(o.cleanup, Some(None));
        assert!(!commit(&["commit", "--fixup=abc"]).unwrap().use_editor);
        assert!(
            commit(&["commit", "--fixup=reword:abc"])
                .unwrap()
                .use_editor
        );
        assert!(commit(&["commit", "-c", "HEAD"]).unwrap().use_editor);
        assert!(!commit(&["commit", "-C", "HEAD"]).unwrap().use_editor);
        assert!(
            commit(&["commit", "-F", "f", "--no-file"])
                .unwrap()
                .use_editor
        );
        assert!(
            commit(&["commit", "--verb", "--no-edit", "-n"])
                .unwrap()
                .no_verify
        );
        // `--ver` could be --verbose or --verify (the negation of --no-verify).
        assert_eq!(commit(&["commit", "--ver"]), None);
        assert!(
            commit(&["commit", "--trailer", "a=b", "-m", "--edit"])
                .unwrap()
                .trailers
        );
        // A value that looks like an option is still the value.
        assert!(!commit(&["commit", "-m", "--edit"]).unwrap().use_editor);
        // After `--` everything is a path.
        assert!(commit(&["commit", "--", "-m"]).unwrap().use_editor);
    }

    #[test]
    fn doubt_is_unknown() {
        assert_eq!(commit(&["commit", "--bogus"]), None);
        // `--s` could be --signoff, --squash, --short, --status: git refuses it.
        assert_eq!(commit(&["commit", "--s"]), None);
        assert_eq!(commit(&["commit", "-m"]), None);
        let argv: Vec<OsString> = ["git", "--weird", "commit"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(parse(&argv), Invocation::Unknown);
        let argv: Vec<OsString> = ["git", "-C", "d", "merge"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(parse(&argv), Invocation::Other("merge".into()));
        let argv: Vec<OsString> = ["/usr/lib/git-core/git-commit", "-vm", "x"]
            .iter()
            .map(OsString::from)
            .collect();
        assert!(matches!(parse(&argv), Invocation::Commit(o) if o.verbose == Some(1)));
    }
}
