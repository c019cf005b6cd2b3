//! Command-line parsing and dispatch: which options and formats each command takes,
//! settled before any work is done, and errors mapped to exit codes (§1).

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use time::{Date, OffsetDateTime};

use crate::commands::{self, AsOf, Context};
use crate::engine::registry::ContentMode;
use crate::report::format::Format;
use crate::report::{EXIT_ERROR, EXIT_OK};
use crate::{git, manual};

#[derive(Debug, Parser)]
#[command(
    name = "embargo",
    version,
    about = "Keeps mentions of embargoed security issues out of commit messages.",
    after_help = "Exit codes: 0 nothing blocked, 1 blocked mention, 2 error."
)]
pub struct Cli {
    /// The registry file (else $EMBARGO_REGISTRY, $EMBARGO_REGISTRY_JSON, git config
    /// embargo.registry, $XDG_CONFIG_HOME/embargo/registry.json).
    #[arg(long, global = true, value_name = "PATH")]
    pub registry: Option<PathBuf>,

    /// The day embargoes are judged on (default today, UTC; env EMBARGO_AS_OF).
    /// `check` also takes `commit`: each commit on its own committer date.
    #[arg(long, global = true, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,

    /// Also print registry ids and which field matched (for the security team).
    #[arg(long, global = true)]
    pub reveal: bool,

    /// Output format: human or json; `check` and `check-text` also take sarif and github.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = Format::Human,
        hide_possible_values = true
    )]
    pub format: Format,

    /// Colour: auto (a terminal, and NO_COLOR unset or empty), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto,
        hide_possible_values = true
    )]
    pub color: ColorWhen,

    /// What is checked in the changes commits make: off, ids (ids and aliases) or all
    /// (terms and patterns too). Default: the registry's `policy.content` (ids).
    #[arg(long, global = true, value_name = "MODE", value_parser = parse_content)]
    pub content: Option<ContentMode>,

    /// Append a JSON line per rejected push to this file (pre-receive; else git config
    /// embargo.auditLog).
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the commit message git is about to record (the commit-msg hook).
    CommitMsg {
        /// The message file git passes to the hook; `-` reads standard input.
        file: PathBuf,
    },
    /// Check a push: reads `<old> <new> <ref>` lines on stdin (the pre-receive hook).
    PreReceive,
    /// Check commit messages of revisions, as `git rev-list` takes them; in CI with none,
    /// the pull request, merge request or push being built.
    Check {
        /// Revisions (`A..B`, `^A B`, `A...B`, `--all`), in command-line order.
        #[command(flatten)]
        revisions: commands::check::Revisions,
    },
    /// Check any text verbatim (release notes, an advisory, a blog post), as `check`
    /// judges commit messages; no git cleanup, `#` lines included.
    CheckText {
        /// The files to check; `-` (or none) reads standard input.
        files: Vec<PathBuf>,
    },
    /// Work with the registry itself.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Texts for the disclosure timeline: partner notice, release notes, calendar.
    Notice {
        #[command(subcommand)]
        command: commands::notice::NoticeCommand,
    },
    /// Print a shell completion script (bash, zsh or fish) to standard output.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the manual page (roff) to standard output.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Validate a registry and report every problem with its location.
    Lint {
        /// The registry to lint (default: the one --registry names, else the discovered
        /// one; giving both a PATH and --registry is an error).
        path: Option<PathBuf>,
    },
    /// Each issue's phase, dates and whether a mention is blocked on the as-of day.
    Status {
        /// The registry (default: the one --registry names, else the discovered one;
        /// giving both a PATH and --registry is an error).
        path: Option<PathBuf>,
    },
    /// Add an issue to the registry file.
    Add(commands::registry_edit::AddArgs),
    /// Set an issue's severity.
    Triage(commands::registry_edit::TriageArgs),
    /// Record the release of issues (default day: the as-of day).
    Release(commands::registry_edit::ReleaseArgs),
    /// Record the disclosure of issues (default day: the as-of day).
    Disclose(commands::registry_edit::DiscloseArgs),
    /// The pre-receive hook of the repository that holds the registry: refuses a push
    /// that leaves the registry file invalid or missing on a pushed branch.
    PreReceive {
        /// The registry file in the repository's tree.
        #[arg(long, value_name = "PATH", default_value = commands::registry_pre_receive::DEFAULT_FILE)]
        file: String,
    },
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// The shells `embargo completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

const COMMIT_MSG_EXAMPLES: &str = "\
Exit codes: 0 nothing blocked, 1 blocked mention, 2 error.

Examples:
  embargo commit-msg .git/COMMIT_EDITMSG
  git log -1 --format=%B | embargo --format json commit-msg -
  embargo --registry ~/secure/registry.json --as-of 2026-12-16 commit-msg msg.txt";

const PRE_RECEIVE_EXAMPLES: &str = "\
Findings go to standard error, which git shows the pusher. Exit codes: 0 nothing
blocked, 1 blocked mention, 2 error; any non-zero code rejects the push.

Examples:
  exec embargo pre-receive                  # the hook's whole body
  embargo --audit-log /var/log/embargo.jsonl pre-receive
  echo \"$old $new refs/heads/main\" | GIT_DIR=repo.git embargo pre-receive";

const CHECK_EXAMPLES: &str = "\
Formats: human (default), json, sarif (SARIF 2.1.0) and github (workflow commands).
Exit codes: 0 nothing blocked, 1 blocked mention, 2 error.

Examples:
  embargo check origin/main..HEAD
  embargo check --all --format sarif > embargo.sarif
  embargo check --as-of commit v1.2.0..v1.3.0";

const CHECK_TEXT_EXAMPLES: &str = "\
Formats: human (default), json, sarif (SARIF 2.1.0) and github (workflow commands).
Exit codes: 0 nothing blocked, 1 blocked mention, 2 error.

Examples:
  embargo check-text RELEASE-NOTES.md
  embargo --as-of 2026-12-16 check-text advisory.md blog-post.md
  git show -s --format=%B HEAD | embargo check-text -";

const LINT_EXAMPLES: &str = "\
Exit codes: 0 valid, 2 invalid or unreadable.

Examples:
  embargo registry lint
  embargo registry lint ~/secure/registry.json
  embargo registry lint git:/srv/git/security.git#main:registry.json
  embargo registry lint --format json registry.json";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  embargo completions bash > ~/.local/share/bash-completion/completions/embargo
  embargo completions zsh > ~/.zfunc/_embargo      # with fpath+=(~/.zfunc)
  embargo completions fish > ~/.config/fish/completions/embargo.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  embargo man | man -l -
  embargo man > ~/.local/share/man/man1/embargo.1";

const STATUS_EXAMPLES: &str = "\
Exit codes: 0 printed, 2 error.

Examples:
  embargo registry status
  embargo --as-of 2026-12-16 registry status
  embargo registry status --format json ~/secure/registry.json";

/// What every edit of the registry file promises.
const EDIT_NOTE: &str = "\
The rest of the file stays byte for byte as it was; the result is validated and written
atomically. An edit that would leave the registry invalid, an unknown id, or a registry
that is not a plain file changes nothing and exits 2.";

const ADD_EXAMPLES: &str = "\
Examples:
  embargo registry add SX-2026-031 --severity high --term \"lease renewal race\"
  embargo registry add SX-2026-032 --alias CVE-2026-50001 --summary \"private note\"";

const REGISTRY_PRE_RECEIVE_EXAMPLES: &str = "\
For the security team's own registry repository (install.sh --registry-repo installs
it): the pusher holds the registry, so lint's report is shown in full, ids included.
Exit codes: 0 every pushed branch has a valid registry, 2 otherwise; 2 rejects the push.

Examples:
  exec embargo registry pre-receive                 # the hook's whole body
  exec embargo registry pre-receive --file team/registry.json";

const TRIAGE_EXAMPLES: &str = "\
Examples:
  embargo registry triage SX-2026-023 --severity medium
  embargo --registry ~/secure/registry.json registry triage SX-2026-023 --severity low";

const RELEASE_EXAMPLES: &str = "\
Examples:
  embargo registry release SX-2026-011 SX-2026-014 --fixed-in 2.4.1
  embargo registry release SX-2026-011 --date 2026-11-25";

const DISCLOSE_EXAMPLES: &str = "\
Examples:
  embargo registry disclose SX-2026-011
  embargo registry disclose SX-2026-014 --date 2027-01-15";

const PARTNERS_EXAMPLES: &str = "\
Examples:
  embargo notice partners
  embargo notice partners --date 2026-11-25";

const RELEASE_NOTES_EXAMPLES: &str = "\
Examples:
  embargo notice release-notes --fixed-in 2.4.1
  embargo --as-of 2026-12-16 notice release-notes --fixed-in 2.4.1";

const CALENDAR_EXAMPLES: &str = "\
Examples:
  embargo notice calendar > embargo.ics
  embargo --registry ~/secure/registry.json notice calendar";

/// The text that ends a command's help: its exit codes or promises, and examples.
fn notes(path: &[&str]) -> Option<String> {
    let text = match path {
        ["commit-msg"] => COMMIT_MSG_EXAMPLES,
        ["pre-receive"] => PRE_RECEIVE_EXAMPLES,
        ["check"] => CHECK_EXAMPLES,
        ["check-text"] => CHECK_TEXT_EXAMPLES,
        ["registry", "lint"] => LINT_EXAMPLES,
        ["registry", "status"] => STATUS_EXAMPLES,
        ["registry", "pre-receive"] => REGISTRY_PRE_RECEIVE_EXAMPLES,
        ["registry", "add"] => return Some(format!("{EDIT_NOTE}\n\n{ADD_EXAMPLES}")),
        ["registry", "triage"] => return Some(format!("{EDIT_NOTE}\n\n{TRIAGE_EXAMPLES}")),
        ["registry", "release"] => return Some(format!("{EDIT_NOTE}\n\n{RELEASE_EXAMPLES}")),
        ["registry", "disclose"] => return Some(format!("{EDIT_NOTE}\n\n{DISCLOSE_EXAMPLES}")),
        ["notice", "partners"] => PARTNERS_EXAMPLES,
        ["notice", "release-notes"] => RELEASE_NOTES_EXAMPLES,
        ["notice", "calendar"] => CALENDAR_EXAMPLES,
        ["completions"] => COMPLETIONS_EXAMPLES,
        ["man"] => MAN_EXAMPLES,
        _ => return None,
    };
    Some(text.to_string())
}

const AS_OF_HELP: &str = "The day embargoes are judged on (default today, UTC; env EMBARGO_AS_OF)";

/// The global options (contract §2, and --audit-log) that mean nothing to a command:
/// hidden from its help. Only --audit-log is refused there (it is not a §2 option);
/// the others stay accepted everywhere, as scripts pass them.
fn irrelevant_options(path: &[&str]) -> &'static [&'static str] {
    match path {
        ["pre-receive"] => &[],
        ["commit-msg"] | ["check"] => &["audit_log"],
        ["registry", "lint"] => &["audit_log", "as_of", "registry"],
        ["registry", "status"] => &["audit_log", "registry"],
        ["registry", "pre-receive"] => &["audit_log", "as_of", "registry", "reveal", "format"],
        // iCalendar only: --format has nothing to choose.
        ["notice", "calendar"] => &["audit_log", "format"],
        ["completions"] | ["man"] => &[
            "audit_log",
            "as_of",
            "registry",
            "reveal",
            "format",
            "color",
        ],
        _ => &["audit_log"],
    }
}

impl Command {
    /// The output formats the command takes: `check` and `check-text` print reports for
    /// CI (all four); the calendar is iCalendar (`human`, the default); the rest print
    /// for a person or a script (human, json).
    pub fn formats(&self) -> &'static [Format] {
        formats_of(&self.path())
    }

    /// The subcommand names that lead to this command (`["registry", "lint"]`).
    fn path(&self) -> Vec<&'static str> {
        match self {
            Command::CommitMsg { .. } => vec!["commit-msg"],
            Command::PreReceive => vec!["pre-receive"],
            Command::Check { .. } => vec!["check"],
            Command::CheckText { .. } => vec!["check-text"],
            Command::Registry { command } => vec![
                "registry",
                match command {
                    RegistryCommand::Lint { .. } => "lint",
                    RegistryCommand::Status { .. } => "status",
                    RegistryCommand::Add(_) => "add",
                    RegistryCommand::Triage(_) => "triage",
                    RegistryCommand::Release(_) => "release",
                    RegistryCommand::Disclose(_) => "disclose",
                    RegistryCommand::PreReceive { .. } => "pre-receive",
                },
            ],
            Command::Notice { command } => vec![
                "notice",
                match command {
                    commands::notice::NoticeCommand::Partners { .. } => "partners",
                    commands::notice::NoticeCommand::ReleaseNotes { .. } => "release-notes",
                    commands::notice::NoticeCommand::Calendar => "calendar",
                },
            ],
            Command::Completions { .. } => vec!["completions"],
            Command::Man => vec!["man"],
        }
    }
}

fn formats_of(path: &[&str]) -> &'static [Format] {
    match path {
        ["check"] | ["check-text"] => &[Format::Human, Format::Json, Format::Sarif, Format::Github],
        ["notice", "calendar"] => &[Format::Human],
        // The registry repository's hook: a report to the pusher, for a person only.
        ["registry", "pre-receive"] => &[Format::Human],
        _ => &[Format::Human, Format::Json],
    }
}

/// The command line as clap sees it: the derived definition, with each command's help
/// showing only the options that apply to it and the formats it takes.
pub fn command() -> clap::Command {
    let cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    trim_help(cmd, &globals, &mut Vec::new())
}

/// Gives each command its own copy of the global options it should show differently.
/// Clap copies a global option into every subcommand when the command is built, unless
/// the subcommand already has one with that id: the copy made here, hidden or with a
/// narrower help, is then the one its help shows, and it still parses as global.
fn trim_help(
    mut cmd: clap::Command,
    globals: &[clap::Arg],
    path: &mut Vec<String>,
) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    if names.is_empty() && !path.is_empty() {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Some(text) = notes(&path) {
            cmd = cmd.after_help(text);
        }
        let hidden = irrelevant_options(&path);
        let formats = formats_of(&path);
        for arg in globals {
            let id = arg.get_id().as_str();
            if hidden.contains(&id) {
                cmd = cmd.arg(arg.clone().hide(true));
            } else if id == "format" {
                let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
                let list = match names.split_last() {
                    Some((last, [])) => last.to_string(),
                    Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                    None => String::new(),
                };
                cmd = cmd.arg(
                    arg.clone()
                        .hide_possible_values(true)
                        .help(format!("Output format: {list}")),
                );
            } else if id == "as_of" && path != ["check"] {
                cmd = cmd.arg(arg.clone().help(AS_OF_HELP));
            }
        }
        return cmd;
    }
    for name in names {
        path.push(name.clone());
        cmd = cmd.mut_subcommand(&name, |sc| trim_help(sc, globals, path));
        path.pop();
    }
    cmd
}

/// The innermost subcommand's matches and the names that lead to it.
fn leaf(matches: &clap::ArgMatches) -> (&clap::ArgMatches, Vec<&str>) {
    let mut at = matches;
    let mut path = Vec::new();
    while let Some((name, sub)) = at.subcommand() {
        path.push(name);
        at = sub;
    }
    (at, path)
}

impl Cli {
    /// Parses the command line, refusing (as clap refuses any bad value) a `--format`
    /// the command does not take, `--audit-log` outside `pre-receive`, and `registry
    /// lint` given two registries. The global options are accepted before the
    /// subcommand as well as after it (`embargo --format json pre-receive`, as hooks
    /// write it); what a command does not take is refused here, once the command is
    /// known and before anything runs.
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut cmd = command();
        let matches = cmd.try_get_matches_from_mut(args)?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.with_cmd(&cmd))?;
        let (sub_matches, path) = leaf(&matches);
        let mut sub = &cmd;
        for name in &path {
            if let Some(next) = sub.find_subcommand(name) {
                sub = next;
            }
        }
        // Only ids the command has: asking clap about any other one panics.
        let given = |id: &str| {
            sub.get_arguments().any(|a| a.get_id() == id)
                && sub_matches.value_source(id) == Some(ValueSource::CommandLine)
        };

        let allowed = cli.command.formats();
        if !allowed.contains(&cli.format) {
            let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(sub);
            err.insert(
                ContextKind::InvalidArg,
                ContextValue::String("--format <FORMAT>".to_string()),
            );
            err.insert(
                ContextKind::InvalidValue,
                ContextValue::String(cli.format.name().to_string()),
            );
            err.insert(
                ContextKind::ValidValue,
                ContextValue::Strings(allowed.iter().map(|f| f.name().to_string()).collect()),
            );
            let why = match path.as_slice() {
                ["notice", "calendar"] => {
                    "`embargo notice calendar` writes iCalendar only: leave out --format"
                }
                _ => "--format sarif and github are only for `embargo check` and `embargo check-text`",
            };
            err.insert(
                ContextKind::Suggested,
                ContextValue::StyledStrs(vec![why.into()]),
            );
            return Err(err);
        }
        if given("audit_log") && path != ["pre-receive"] {
            let mut err = clap::Error::new(ErrorKind::UnknownArgument).with_cmd(sub);
            err.insert(
                ContextKind::InvalidArg,
                ContextValue::String("--audit-log".to_string()),
            );
            err.insert(
                ContextKind::Suggested,
                ContextValue::StyledStrs(vec![
                    "--audit-log is only for `embargo pre-receive`".into()
                ]),
            );
            return Err(err);
        }
        // A registry command that takes the registry as PATH: one registry, said once.
        if path.first() == Some(&"registry") && given("registry") && given("path") {
            let mut err = clap::Error::new(ErrorKind::ArgumentConflict).with_cmd(sub);
            err.insert(
                ContextKind::InvalidArg,
                ContextValue::String("[PATH]".to_string()),
            );
            err.insert(
                ContextKind::PriorArg,
                ContextValue::String("--registry <PATH>".to_string()),
            );
            err.insert(
                ContextKind::Suggested,
                ContextValue::StyledStrs(vec![
                    "name the registry once: as PATH or with --registry".into(),
                ]),
            );
            return Err(err);
        }

        Ok(cli)
    }
}

fn parse_content(s: &str) -> Result<ContentMode, String> {
    ContentMode::parse(s).ok_or_else(|| "expected off, ids or all".to_string())
}

/// `--as-of` or `EMBARGO_AS_OF`: a day that exists, written `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> anyhow::Result<Date> {
    commands::date_arg(s).map_err(anyhow::Error::msg)
}

fn resolve_as_of(flag: Option<&str>) -> anyhow::Result<AsOf> {
    let env = std::env::var("EMBARGO_AS_OF")
        .ok()
        .filter(|s| !s.is_empty());
    let (value, from) = match (flag, env) {
        (Some(flag), _) => (flag.to_string(), "--as-of"),
        (None, Some(env)) => (env, "EMBARGO_AS_OF"),
        (None, None) => return Ok(AsOf::Day(OffsetDateTime::now_utc().date())),
    };
    if value.trim() == "commit" {
        return Ok(AsOf::CommitDate);
    }
    parse_date(&value)
        .map(AsOf::Day)
        .map_err(|e| e.context(from))
}

/// Whether to colour a stream: `--color`, and for `auto` a terminal and no `NO_COLOR`
/// (set and non-empty, as no-color.org says).
fn colored(when: ColorWhen, terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    run(std::env::args_os())
}

pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_args(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    let as_of = match resolve_as_of(cli.as_of.as_deref()) {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    let ctx = Context {
        registry: cli.registry.clone(),
        as_of,
        reveal: cli.reveal,
        format: cli.format,
        color_stdout: colored(cli.color, std::io::stdout().is_terminal()),
        color_stderr: colored(cli.color, std::io::stderr().is_terminal()),
        audit_log: cli.audit_log.clone(),
        content: cli.content,
    };
    let result = match &cli.command {
        Command::CommitMsg { file } => commands::commit_msg::run(&ctx, file),
        Command::PreReceive => commands::pre_receive::run(&ctx),
        Command::Check { revisions } => commands::check::run(&ctx, revisions),
        Command::Registry { command } => match command {
            RegistryCommand::Lint { path } => commands::registry_lint::run(&ctx, path.as_deref()),
            RegistryCommand::Status { path } => {
                commands::registry_status::run(&ctx, path.as_deref())
            }
            RegistryCommand::Add(a) => commands::registry_edit::add(&ctx, a),
            RegistryCommand::Triage(a) => commands::registry_edit::triage(&ctx, a),
            RegistryCommand::Release(a) => commands::registry_edit::release(&ctx, a),
            RegistryCommand::Disclose(a) => commands::registry_edit::disclose(&ctx, a),
            RegistryCommand::PreReceive { file } => commands::registry_pre_receive::run(file),
        },
        Command::CheckText { files } => commands::check_text::run(&ctx, files),
        Command::Notice { command } => commands::notice::run(&ctx, command),
        Command::Completions { shell } => print_completions(*shell),
        Command::Man => print_man(),
    };
    match result {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

/// Every error is one line on stderr and exit 2: hooks reject, CI fails.
fn fail(e: &anyhow::Error) -> i32 {
    // libgit2's errors carry its class and code (`class=Repository (6); code=NotFound
    // (-3)`); the user gets git's words instead.
    let causes: Vec<String> = e
        .chain()
        .map(|cause| match cause.downcast_ref::<git2::Error>() {
            Some(git) => git::error::in_user_words(git),
            None => cause.to_string(),
        })
        .collect();
    let line = format!("embargo: error: {}", causes.join(": "));
    eprintln!("{}", crate::report::escape_controls(&line));
    EXIT_ERROR
}

/// `embargo completions SHELL`: the script for that shell, from the definition the
/// parser uses.
fn print_completions(shell: CompletionShell) -> anyhow::Result<i32> {
    let shell = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    write_stdout(&manual::completions(command(), shell))
}

/// `embargo man`: the manual page, from the definition the parser uses.
fn print_man() -> anyhow::Result<i32> {
    write_stdout(&manual::man_page(command())?)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<i32> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to standard output: {e}"))?;
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command, with the global options given after it: parsing settles (a value
    /// or a usage error), never panics, whatever arguments the command has.
    #[test]
    fn every_command_parses_global_options_after_it() {
        let cmd = command();
        let mut paths = Vec::new();
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            if sub.has_subcommands() {
                for leaf in sub.get_subcommands().filter(|s| s.get_name() != "help") {
                    paths.push(vec![
                        sub.get_name().to_string(),
                        leaf.get_name().to_string(),
                    ]);
                }
            } else {
                paths.push(vec![sub.get_name().to_string()]);
            }
        }
        assert!(paths.len() >= 10, "{paths:?}");
        // What each command needs besides the global options, so that parsing gets as
        // far as the checks of try_parse_args.
        let needs = |path: &[String]| -> &[&str] {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            match path.as_slice() {
                ["commit-msg"] => &["-"],
                ["completions"] => &["bash"],
                ["registry", "add" | "release" | "disclose"] => &["NEW-1"],
                ["registry", "triage"] => &["NEW-1", "--severity", "low"],
                ["notice", "release-notes"] => &["--fixed-in", "1.0"],
                _ => &[],
            }
        };
        for path in paths {
            let mut args = vec!["embargo".to_string()];
            args.extend(path.iter().cloned());
            args.extend(needs(&path).iter().map(|a| a.to_string()));
            args.extend(
                [
                    "--registry",
                    "r.json",
                    "--as-of",
                    "2026-12-01",
                    "--color",
                    "never",
                ]
                .map(String::from),
            );
            let parsed = Cli::try_parse_args(&args);
            assert!(parsed.is_ok(), "{path:?}: {parsed:?}");
            if let Ok(cli) = &parsed {
                assert_eq!(
                    cli.registry.as_deref(),
                    Some(std::path::Path::new("r.json"))
                );
                assert_eq!(cli.as_of.as_deref(), Some("2026-12-01"));
                assert_eq!(cli.color, ColorWhen::Never);
            }
            let mut refused = args.clone();
            refused.extend(["--audit-log", "a.jsonl"].map(String::from));
            let parsed = Cli::try_parse_args(&refused);
            if path != ["pre-receive"] {
                assert!(parsed.is_err(), "{path:?} took --audit-log");
            }
        }
    }
}
