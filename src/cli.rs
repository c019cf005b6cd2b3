//! Command-line parsing and dispatch: which options and formats each command takes,
//! settled before any work is done, and errors mapped to exit codes (§1).

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};
use time::{Date, OffsetDateTime};

use crate::commands::{self, AsOf, Context};
use crate::engine::registry::ContentMode;
use crate::report::format::Format;
use crate::report::{EXIT_ERROR, EXIT_OK};

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

    /// Output format. `check` also takes sarif and github.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

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
    /// Work with the registry itself.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Validate a registry and report every problem with its location.
    Lint {
        /// The registry to lint (default: the discovered one).
        path: Option<PathBuf>,
    },
}

impl Command {
    /// The output formats the command takes: `check` prints reports for CI (all four);
    /// the hooks and `registry lint` print for a person or a script (human, json).
    pub fn formats(&self) -> &'static [Format] {
        match self {
            Command::Check { .. } => &[Format::Human, Format::Json, Format::Sarif, Format::Github],
            _ => &[Format::Human, Format::Json],
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Command::CommitMsg { .. } => "commit-msg",
            Command::PreReceive => "pre-receive",
            Command::Check { .. } => "check",
            Command::Registry { .. } => "registry",
        }
    }
}

impl Cli {
    /// Parses the command line, refusing (as clap refuses any bad value) a `--format`
    /// the command does not take. `--format` is global, so `embargo --format json
    /// pre-receive` works as hooks write it; the value is checked against the command
    /// here, once the command is known and before anything runs.
    pub fn try_parse_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let cli = Cli::try_parse_from(args)?;
        let allowed = cli.command.formats();
        if allowed.contains(&cli.format) {
            return Ok(cli);
        }
        let mut cmd = Cli::command();
        cmd.build();
        let sub = cmd
            .find_subcommand(cli.command.name())
            .cloned()
            .unwrap_or(cmd);
        let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(&sub);
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
        err.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![
                "--format sarif and github are only for `embargo check`".into(),
            ]),
        );
        Err(err)
    }
}

fn parse_content(s: &str) -> Result<ContentMode, String> {
    ContentMode::parse(s).ok_or_else(|| "expected off, ids or all".to_string())
}

pub fn parse_date(s: &str) -> anyhow::Result<Date> {
    crate::engine::date::parse_day(s.trim())
        .map_err(|_| anyhow::anyhow!("invalid date `{}`: expected YYYY-MM-DD", s.trim()))
}

fn resolve_as_of(flag: Option<&str>) -> anyhow::Result<AsOf> {
    let env = std::env::var("EMBARGO_AS_OF")
        .ok()
        .filter(|s| !s.is_empty());
    match flag.map(str::to_string).or(env) {
        None => Ok(AsOf::Day(OffsetDateTime::now_utc().date())),
        Some(s) if s.trim() == "commit" => Ok(AsOf::CommitDate),
        Some(s) => parse_date(&s).map(AsOf::Day),
    }
}

fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
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
        color_stdout: color_allowed() && std::io::stdout().is_terminal(),
        color_stderr: color_allowed() && std::io::stderr().is_terminal(),
        audit_log: cli.audit_log.clone(),
        content: cli.content,
    };
    let result = match &cli.command {
        Command::CommitMsg { file } => commands::commit_msg::run(&ctx, file),
        Command::PreReceive => commands::pre_receive::run(&ctx),
        Command::Check { revisions } => commands::check::run(&ctx, revisions),
        Command::Registry {
            command: RegistryCommand::Lint { path },
        } => commands::registry_lint::run(&ctx, path.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

/// Every error is one line on stderr and exit 2: hooks reject, CI fails.
fn fail(e: &anyhow::Error) -> i32 {
    let mut line = format!("embargo: error: {e}");
    for cause in e.chain().skip(1) {
        line.push_str(": ");
        line.push_str(&cause.to_string());
    }
    eprintln!("{}", crate::report::escape_controls(&line));
    EXIT_ERROR
}
