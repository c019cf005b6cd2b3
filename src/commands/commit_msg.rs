//! `embargo commit-msg FILE`: the local hook. Checks the message as git will record it,
//! and what the commit adds (the staged changes, §11), findings to stderr, so the
//! committer can fix both before the commit exists.

use std::path::Path;

use anyhow::{anyhow, bail, Context as _};

use crate::cleanup::{self, Mode};
use crate::commands::content::check_piece;
use crate::commands::Context;
use crate::engine::content::ContentMode;
use crate::engine::source::Source;
use crate::git;
use crate::git::diff::CachedObjects;
use crate::history::changes;
use crate::load;
use crate::report::{Report, Style};

pub fn run(ctx: &Context, file: &Path) -> anyhow::Result<i32> {
    let day = ctx.day()?;
    let repo = git::repo::open_from_env()?;
    let checker = load::checker(ctx.registry.as_deref(), repo.as_ref())?;
    let bytes = super::read_input(file)?;
    let encoding = git::config::last_config_value(repo.as_ref(), &["i18n.commitEncoding"])?;
    let message = decode(&bytes, encoding.as_deref(), file)?;

    let editor_used = std::env::var("GIT_EDITOR").map_or(true, |e| e != ":");
    let mode_config = git::config::last_config_value(repo.as_ref(), &["commit.cleanup"])?;
    let mode = Mode::effective(mode_config.as_deref(), editor_used);
    let configured =
        git::config::last_config_value(repo.as_ref(), &["core.commentChar", "core.commentString"])?;
    let comment = cleanup::comment_prefix(configured.as_deref(), &message);
    let text = cleanup::apply(&message, mode, &comment, editor_used);

    let findings = checker.check(&text, day);
    let mut report = Report::default();
    report.add(
        Source::MessageFile {
            path: file.display().to_string(),
        },
        text,
        findings,
    );
    // The staged changes (§11): one hook checks what the commit says and what it adds.
    let content = ctx.content(checker.registry());
    if let Some(repo) = repo.as_ref().filter(|r| !r.is_bare()) {
        if content != ContentMode::Off {
            let (staged, others) = changes::staged(repo)?;
            let odb = repo.odb().context("cannot open the object database")?;
            let objects = CachedObjects::new(&odb);
            changes::adds(&objects, staged, &others, |piece| {
                report
                    .items
                    .extend(check_piece(&checker, piece, None, day, content));
                Ok(())
            })
            .context("cannot read the staged changes")?;
        }
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

/// Git records the message in `i18n.commitEncoding` (UTF-8 by default). Bytes that are
/// not valid in it are refused rather than guessed at: a mention could hide in them.
fn decode(bytes: &[u8], encoding: Option<&str>, file: &Path) -> anyhow::Result<String> {
    let label = encoding.unwrap_or("utf-8");
    let enc = encoding_rs::Encoding::for_label(label.trim().as_bytes())
        .ok_or_else(|| anyhow!("i18n.commitEncoding names an unknown encoding `{label}`"))?;
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        let at = std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        bail!(
            "{} is not valid {} (first bad byte at offset {at}); fix the message or set i18n.commitEncoding",
            file.display(),
            enc.name()
        );
    }
    Ok(text.into_owned())
}
