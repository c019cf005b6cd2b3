//! `embargo check-text [FILE|-]...`: checks any text verbatim (release notes, an advisory
//! draft, a blog post) with `check`'s verdict and formats (contract §12). No git cleanup:
//! a Markdown `# heading` is text, and is checked.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _};

use crate::commands::Context;
use crate::engine::source::Source;
use crate::git;
use crate::load;
use crate::report::{Report, Style};

pub fn run(ctx: &Context, files: &[PathBuf]) -> anyhow::Result<i32> {
    let day = ctx.day()?;
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    if files.iter().filter(|f| f.as_os_str() == "-").count() > 1 {
        bail!("`-` (standard input) may be given once");
    }
    let repo = git::repo::open_from_env().ok().flatten();
    let checker = load::checker(ctx.registry.as_deref(), repo.as_ref())?;
    let mut report = Report::default();
    for file in files {
        let bytes = super::read_input(file)?;
        let name = file.display().to_string();
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow!(
                "{} is not UTF-8 text (first bad byte at offset {}); refusing to guess",
                if name == "-" { "standard input" } else { &name },
                e.utf8_error().valid_up_to()
            )
        })?;
        let findings = checker.check(&text, day);
        report.add(Source::Text { path: name }, text, findings);
    }
    let style = Style {
        registry: checker.registry(),
        reveal: ctx.reveal,
        color: ctx.color_stdout,
        noun: "text",
        always_summarize: true,
    };
    let mut out = std::io::stdout().lock();
    ctx.format
        .renderer()
        .render(&report, &style, &mut out)
        .context("cannot write the report")?;
    Ok(report.exit_code())
}
