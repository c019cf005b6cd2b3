//! `embargo registry lint [PATH]`: validates a registry and reports every problem with
//! its location. Problems name issue ids for the registry's holder; a registry that came
//! from the CI secret is reported redacted unless `--reveal` is given.

use std::path::Path;

use serde_json::json;

use crate::commands::Context;
use crate::engine::registry::{self, Problem};
use crate::engine::verdict::Checker;
use crate::git;
use crate::load::discovery;
use crate::report::format::Format;
use crate::report::{EXIT_ERROR, EXIT_OK};

pub fn run(ctx: &Context, path: Option<&Path>) -> anyhow::Result<i32> {
    let located = match path {
        Some(p) => discovery::read_named(p)?,
        None => {
            let repo = git::repo::open_from_env().ok().flatten();
            discovery::locate(ctx.registry.as_deref(), repo.as_ref())?
        }
    };
    let show_content = !located.from_secret || ctx.reveal;
    let render = |p: &Problem| if show_content { p.full() } else { p.redacted() };
    let result = lint(&located.text, &located.origin);
    let origin = &located.origin;
    match (ctx.format, result) {
        (Format::Json, result) => {
            let (valid, issues, problems) = match &result {
                Ok(n) => (true, Some(*n), vec![]),
                Err(ps) => (
                    false,
                    entries_seen(&located.text),
                    ps.iter()
                        .map(|p| {
                            json!({
                                "line": p.line, "column": p.column,
                                "issue": if show_content { p.issue.clone() } else { None },
                                "index": p.index,
                                "message": p.message,
                                "detail": if show_content { p.detail.clone() } else { None },
                                "text": render(p),
                            })
                        })
                        .collect(),
                ),
            };
            let doc =
                json!({"origin": origin, "valid": valid, "issues": issues, "problems": problems});
            println!("{}", serde_json::to_string_pretty(&doc)?);
            Ok(if valid { EXIT_OK } else { EXIT_ERROR })
        }
        (_, Ok(n)) => {
            println!(
                "{origin}: valid registry, {n} issue{}",
                if n == 1 { "" } else { "s" }
            );
            Ok(EXIT_OK)
        }
        (_, Err(problems)) => {
            for line in human_lines(origin, &problems, show_content) {
                println!("{line}");
            }
            Ok(EXIT_ERROR)
        }
    }
}

/// How many entries an invalid registry's `issues` array holds, valid or not: `None`
/// when the text is not JSON or has no such array.
fn entries_seen(text: &str) -> Option<usize> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(doc.get("issues")?.as_array()?.len())
}

/// Validates a registry's text as far as a check would take it (parsed, then compiled):
/// its number of issues, or every problem.
pub fn lint(text: &str, origin: &str) -> Result<usize, Vec<Problem>> {
    registry::parse(text, origin).and_then(|r| {
        let count = r.issues.len();
        Checker::new(r)
            .map(|_| count)
            .map_err(|e| vec![problem(origin, e)])
    })
}

/// A problem with the registry as a whole, not at a place in it.
pub fn problem(origin: &str, message: String) -> Problem {
    Problem {
        origin: origin.to_string(),
        line: 1,
        column: 1,
        issue: None,
        index: None,
        message,
        detail: None,
    }
}

/// The human report of an invalid registry: each problem, then their count. Problems
/// show registry content only with `show_content`.
pub fn human_lines(origin: &str, problems: &[Problem], show_content: bool) -> Vec<String> {
    let mut lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let text = if show_content { p.full() } else { p.redacted() };
            crate::report::escape_controls(&text)
        })
        .collect();
    lines.push(format!(
        "{origin}: {} problem{}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    ));
    lines
}
