//! `embargo notice partners|release-notes|calendar`: texts the security team sends as
//! they are (contract §12). Each says no more than the day allows; what that is, is
//! decided in [`crate::engine::timeline`], and only rendered here.

use std::io::Write;

use anyhow::{bail, Context as _};
use clap::Subcommand;
use serde_json::{json, Value};
use time::Date;

use crate::commands::{date_arg, Context};
use crate::engine::registry::Severity;
use crate::engine::timeline::{self, Counts};
use crate::ical;
use crate::report::format::Format;
use crate::report::EXIT_OK;

use super::registry_status::load;

#[derive(Debug, Subcommand)]
pub enum NoticeCommand {
    /// The trusted-partner notice for a release day: how many issues of each severity
    /// it fixes, and the versions; nothing else.
    Partners {
        /// The release day (default: the as-of day).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date_arg)]
        date: Option<Date>,
    },
    /// The security section of a version's release notes, as the as-of day allows it.
    ReleaseNotes {
        /// The version (an issue's `fixed_in`, compared exactly).
        #[arg(long, value_name = "VERSION", required = true)]
        fixed_in: String,
    },
    /// The coming partner, level and details dates as iCalendar (RFC 5545) events.
    Calendar,
}

pub fn run(ctx: &Context, command: &NoticeCommand) -> anyhow::Result<i32> {
    let day = ctx.day()?;
    let text = match command {
        NoticeCommand::Partners { date } => partners(ctx, date.unwrap_or(day), day)?,
        NoticeCommand::ReleaseNotes { fixed_in } => release_notes(ctx, fixed_in, day)?,
        NoticeCommand::Calendar => calendar(ctx, day)?,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write the notice")?;
    Ok(EXIT_OK)
}

fn counts_json(counts: &Counts) -> Value {
    counts
        .iter()
        .map(|(s, n)| (s.as_str().to_string(), json!(n)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn counts_lines(counts: &Counts) -> String {
    counts
        .iter()
        .map(|(s, n)| match s {
            Severity::Untriaged => format!(
                "- {n} issue{} of a severity not yet rated (handled as critical)\n",
                plural(*n)
            ),
            s => format!("- {n} {s} severity issue{}\n", plural(*n)),
        })
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn partners(ctx: &Context, release: Date, day: Date) -> anyhow::Result<String> {
    if release > day {
        bail!(
            "partners may learn of the release of {release} from that day on, and it is {day}; \
             to prepare the notice, give --as-of {release}"
        );
    }
    let (registry, _) = load(ctx, None)?;
    let notice = timeline::partner_notice(&registry, release);
    if ctx.format == Format::Json {
        let doc = json!({
            "date": release.to_string(),
            "counts": counts_json(&notice.counts),
            "fixed_in": notice.versions,
        });
        return Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?));
    }
    let total: usize = notice.counts.values().sum();
    let mut text = format!("Security notice for trusted partners: release of {release}\n\n");
    if total == 0 {
        text.push_str(&format!(
            "The release of {release} fixes no security issue under embargo.\n"
        ));
        return Ok(text);
    }
    let versions = match notice.versions.as_slice() {
        [] => String::new(),
        [v] => format!(" (version {v})"),
        vs => format!(" (versions {})", vs.join(", ")),
    };
    text.push_str(&format!(
        "The release of {release}{versions} fixes {total} security issue{}:\n\n",
        plural(total)
    ));
    text.push_str(&counts_lines(&notice.counts));
    text.push_str(
        "\nThe details are under embargo until they are published. Please update, and keep \
         this notice confidential until then.\n",
    );
    Ok(text)
}

fn release_notes(ctx: &Context, version: &str, day: Date) -> anyhow::Result<String> {
    let (registry, _) = load(ctx, None)?;
    let notes = timeline::release_notes(&registry, version, day);
    if ctx.format == Format::Json {
        let detailed: Vec<Value> = notes
            .detailed
            .iter()
            .map(|i| {
                json!({"id": i.id, "severity": i.severity.as_str(), "aliases": i.aliases,
                       "summary": i.summary})
            })
            .collect();
        let doc = json!({
            "fixed_in": version, "as_of": day.to_string(),
            "issues": detailed, "counts": counts_json(&notes.counts),
        });
        return Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?));
    }
    let counted: usize = notes.counts.values().sum();
    if notes.detailed.is_empty() && counted == 0 {
        // Said on stderr, and the same whether there is nothing yet or nothing at all:
        // telling them apart would say that an issue exists.
        eprintln!("embargo: no security section for {version} as of {day}");
        return Ok(String::new());
    }
    let mut text = String::from("## Security\n\n");
    if !notes.detailed.is_empty() {
        text.push_str("This release fixes these security issues:\n\n");
        for issue in &notes.detailed {
            let mut names = vec![issue.severity.as_str().to_string()];
            names.extend(issue.aliases.iter().cloned());
            text.push_str(&format!("- {} ({})", issue.id, names.join(", ")));
            if let Some(summary) = &issue.summary {
                text.push_str(&format!(": {summary}"));
            }
            text.push('\n');
        }
        if counted > 0 {
            text.push_str(&format!(
                "\nIt also fixes {counted} further security issue{}; details will follow:\n\n",
                plural(counted)
            ));
            text.push_str(&counts_lines(&notes.counts));
        }
    } else {
        text.push_str(&format!(
            "This release fixes {counted} security issue{}; details will follow:\n\n",
            plural(counted)
        ));
        text.push_str(&counts_lines(&notes.counts));
    }
    Ok(text)
}

fn calendar(ctx: &Context, day: Date) -> anyhow::Result<String> {
    let (registry, from_secret) = load(ctx, None)?;
    let show_ids = !from_secret || ctx.reveal;
    let events: Vec<ical::Event> = timeline::coming(&registry, day)
        .into_iter()
        .map(|e| {
            // Keyed by id (by position for a secret registry, whose ids stay unsaid), so
            // the same step of the same issue keeps its UID when its date moves.
            let (name, key) = if show_ids {
                (e.issue.id.clone(), e.issue.id.to_lowercase())
            } else {
                let n = e.index + 1;
                (format!("issue #{n}"), format!("#{n}"))
            };
            ical::Event {
                uid: format!(
                    "{}-{:016x}@embargo",
                    e.milestone.as_str(),
                    ical::stable_hash(&key)
                ),
                date: e.date,
                summary: format!("{name} ({}): {}", e.issue.severity, e.milestone.describe()),
                description: format!(
                    "Embargo timeline of {name}, severity {}: {} on {}.",
                    e.issue.severity,
                    e.milestone.describe(),
                    e.date
                ),
            }
        })
        .collect();
    Ok(ical::calendar("Embargo timeline", day, &events))
}
