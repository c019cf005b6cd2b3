//! `embargo commit-msg FILE`: the local hook. Checks the message as git will record it,
//! and what the commit adds (the staged changes, §11), findings to stderr, so the
//! committer can fix both before the commit exists.

use std::path::Path;

use anyhow::{anyhow, Context as _};
use time::Date;

use crate::cleanup::{self, Changed, Known};
use crate::commands::content::check_piece;
use crate::commands::Context;
use crate::engine::content::ContentMode;
use crate::engine::source::Source;
use crate::engine::verdict::{Checker, Finding, Level};
use crate::git::config::GitConfig;
use crate::git::diff::CachedObjects;
use crate::git::encoding::{self, DecodeError};
use crate::git::invocation::{self, Invocation};
use crate::git::{self, config};
use crate::history::changes;
use crate::load;
use crate::report::{Checked, Report, Style};

pub fn run(ctx: &Context, file: &Path) -> anyhow::Result<i32> {
    // git's own start-up runs beside opening the repository and loading the registry.
    config::prefetch();
    let day = ctx.day()?;
    let repo = git::repo::open_from_env()?;
    let checker = load::checker(ctx.registry.as_deref(), repo.as_ref())?;
    // The staged changes (§11) are checked on a second thread while this one waits for
    // git's configuration, which the message needs and they do not.
    let content = ctx.content(checker.registry());
    let staged_too = repo.as_ref().is_some_and(|r| !r.is_bare()) && content != ContentMode::Off;
    let (message, staged) = std::thread::scope(|scope| {
        let staged = staged_too.then(|| {
            let checker = &checker;
            scope.spawn(move || staged_items(checker, day, content))
        });
        let message = check_message(file, &checker, day, repo.as_ref());
        let staged = staged.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow!("checking the staged changes failed")))
        });
        (message, staged)
    });
    let mut report = message?;
    if let Some(items) = staged.transpose()? {
        report.items.extend(items);
    }
    let style = Style {
        registry: checker.registry(),
        reveal: ctx.reveal,
        color: ctx.color_stderr,
        noun: "message",
        always_summarize: false,
    };
    ctx.format
        .renderer()
        .render(&report, &style, &mut std::io::stderr().lock())?;
    let code = report.exit_code();
    // The process exits right after this hook: tearing the checker down (its index, its
    // mapping of the cache file) one piece at a time would only delay that exit.
    std::mem::forget(checker);
    Ok(code)
}

/// The message as git will record it, checked: every message git may record from the
/// file (one when all is known), the one reported being the first that is blocked, else
/// the first with any finding.
fn check_message(
    file: &Path,
    checker: &Checker,
    day: Date,
    repo: Option<&git2::Repository>,
) -> anyhow::Result<Report> {
    let bytes = super::read_input(file)?;
    let config = config::get()?;
    let encoding = config.string("i18n.commitEncoding")?;
    let known = what_git_will_do(config, repo)?;
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for c in cleanup::possible(&known, &bytes)? {
        let text = cleanup::apply(&bytes, &c);
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    let mut checked = Vec::with_capacity(texts.len());
    for text in &texts {
        let message = decode(text, encoding.as_deref(), file)?;
        let findings = checker.check(&message, day);
        checked.push((message, findings));
    }
    let rank = |f: &[Finding]| (f.iter().any(|x| x.level == Level::Block), !f.is_empty());
    let best = checked
        .iter()
        .map(|(_, f)| rank(f))
        .max()
        .unwrap_or_default();
    let at = checked
        .iter()
        .position(|(_, f)| rank(f) == best)
        .unwrap_or(0);
    let (text, findings) = checked.swap_remove(at);
    let mut report = Report::default();
    report.add(
        Source::MessageFile {
            path: file.display().to_string(),
        },
        text,
        findings,
    );
    Ok(report)
}

/// The report items of the staged changes (§11): the index git is about to commit
/// against `HEAD`. The repository is opened again here, as git's environment names it (a
/// libgit2 handle is not shared between threads).
fn staged_items(
    checker: &Checker,
    day: Date,
    content: ContentMode,
) -> anyhow::Result<Vec<Checked>> {
    let repo = git::repo::open_from_env()?
        .ok_or_else(|| anyhow!("the repository is gone while checking the staged changes"))?;
    let (staged, others) = changes::staged(&repo)?;
    let odb = repo.odb().context("cannot open the object database")?;
    let objects = CachedObjects::new(&odb);
    let mut items = Vec::new();
    changes::adds(&objects, staged, &others, |piece| {
        items.extend(check_piece(checker, piece, None, day, content));
        Ok(())
    })
    .context("cannot read the staged changes")?;
    Ok(items)
}

/// Git records the message in `i18n.commitEncoding` (UTF-8 by default), and shows it
/// decoded through iconv ([`encoding`]). Bytes that are not valid in it are refused
/// rather than guessed at: a mention could hide in them.
fn decode(bytes: &[u8], label: Option<&str>, file: &Path) -> anyhow::Result<String> {
    let label = label.unwrap_or("UTF-8");
    if label.is_empty() || encoding::is_utf8_label(label.as_bytes()) {
        return std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
            anyhow!(
                "{} is not valid UTF-8 (first bad byte at offset {}); fix the message or set i18n.commitEncoding",
                file.display(),
                e.valid_up_to()
            )
        });
    }
    encoding::decode(bytes, Some(label.as_bytes())).map_err(|e| match e {
        DecodeError::UnknownLabel(shown) => anyhow!(
            "i18n.commitEncoding names `{shown}`, which the system's iconv (what git decodes with) does not know"
        ),
        DecodeError::Invalid(shown) => anyhow!(
            "{} is not valid {shown}; fix the message or set i18n.commitEncoding",
            file.display()
        ),
    })
}

/// What git will do with the file, from git's environment for the hook, the command line
/// of the `git commit` that runs it, and git's configuration; `None` where unknown.
fn what_git_will_do(config: &GitConfig, repo: Option<&git2::Repository>) -> anyhow::Result<Known> {
    // git sets `GIT_EDITOR=:` for the hook when it uses no editor; anything else means
    // an editor (a user's own `GIT_EDITOR=:` with `-e` is told apart by the command line).
    let no_editor_signal = std::env::var_os("GIT_EDITOR").is_some_and(|e| e == ":");
    let options = match invocation::git_ancestor().map(|argv| invocation::parse(&argv)) {
        // A command line that contradicts git's signal is not the commit running us.
        Some(Invocation::Commit(o)) if !o.no_verify && (o.use_editor || no_editor_signal) => {
            Some(o)
        }
        _ => None,
    };
    let config_cleanup = config.string("commit.cleanup")?;
    let config_verbose = config.bool_or_int("commit.verbose")?;
    let comment = config
        .last(&["core.commentChar", "core.commentString"])
        .map(|v| v.map(<[u8]>::to_vec))
        .map(|v| v.ok_or_else(|| anyhow!("git config core.commentChar has no value")))
        .transpose()?;
    Ok(match options {
        Some(o) => Known {
            editor: Some(o.use_editor),
            cleanup: Some(o.cleanup.unwrap_or(config_cleanup)),
            verbose: Some(o.verbose.or(config_verbose).unwrap_or(0) != 0),
            comment,
            changed: if prepare_hook(config, repo) {
                Changed::Unknown
            } else if o.trailers {
                Changed::AddedLines
            } else {
                Changed::Nothing
            },
            empty_start: !o.starting_message && empty_start(config, repo),
        },
        None => Known {
            editor: (!no_editor_signal).then_some(true),
            cleanup: None,
            verbose: None,
            comment,
            changed: Changed::Unknown,
            empty_start: false,
        },
    })
}

/// Whether `git commit` without message options starts from an empty message: no
/// `commit.template`, and no merge or squash message waiting in the git directory.
fn empty_start(config: &GitConfig, repo: Option<&git2::Repository>) -> bool {
    let Some(repo) = repo else { return false };
    config.last(&["commit.template"]).is_none()
        && ["MERGE_MSG", "SQUASH_MSG"]
            .iter()
            .all(|f| matches!(std::fs::symlink_metadata(repo.path().join(f)), Err(e) if e.kind() == std::io::ErrorKind::NotFound))
}

/// Whether a `prepare-commit-msg` hook may have changed the file after git wrote it:
/// one is in the hooks directory (`core.hooksPath`, else the repository's `hooks`), or
/// that cannot be told.
fn prepare_hook(config: &GitConfig, repo: Option<&git2::Repository>) -> bool {
    let Some(repo) = repo else { return true };
    // git runs hooks from the top of the work tree (the git directory when bare), and
    // takes a relative `core.hooksPath` from there.
    let top = repo.workdir().unwrap_or_else(|| repo.path());
    let dir = match config.path("core.hooksPath", Some(top)) {
        Ok(Some(dir)) => dir,
        Ok(None) => repo.commondir().join("hooks"),
        Err(_) => return true,
    };
    std::fs::metadata(dir.join("prepare-commit-msg")).is_ok()
}
