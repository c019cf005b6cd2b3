//! `embargo commit-msg FILE`: the local hook. Checks the message as git will record it,
//! findings to stderr, so the committer can fix the message before the commit exists.

use std::path::Path;

use anyhow::anyhow;

use crate::cleanup::{self, Mode};
use crate::commands::Context;
use crate::engine::source::Source;
use crate::git;
use crate::git::encoding::{self, DecodeError};
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
