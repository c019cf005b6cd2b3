//! `embargo registry add|triage|release|disclose`: edits the registry file in place
//! (contract §12). The file is locked for the whole read-edit-write, so two editors at
//! once both land; the new text replaces it atomically (a temporary file in the same
//! directory, synced, renamed over it, its mode kept), so a reader sees the old registry
//! or the new one, never a part. Anything wrong changes nothing and exits 2.

use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use serde_json::json;
use time::Date;

use crate::commands::{date_arg, Context};
use crate::engine::edit::{self as registry_edit, Edit, EditError, NewIssue};
use crate::engine::registry::Severity;
use crate::git;
use crate::load::discovery;
use crate::report::escape_controls;
use crate::report::format::Format;
use crate::report::EXIT_OK;

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The new issue's id (unique, case-insensitively).
    pub id: String,
    /// critical, high, medium, low or untriaged (left out: untriaged, judged as critical).
    #[arg(long, value_parser = parse_severity)]
    pub severity: Option<Severity>,
    /// A private one-line description.
    #[arg(long)]
    pub summary: Option<String>,
    /// Another name of the issue (a CVE or GHSA id), matched as an identifier.
    #[arg(long = "alias", value_name = "ALIAS")]
    pub aliases: Vec<String>,
    /// A phrase that gives the issue away.
    #[arg(long = "term", value_name = "TERM")]
    pub terms: Vec<String>,
    /// A regular expression that gives the issue away.
    #[arg(long = "pattern", value_name = "PATTERN")]
    pub patterns: Vec<String>,
    /// The version whose release fixes it.
    #[arg(long, value_name = "VERSION")]
    pub fixed_in: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct TriageArgs {
    pub id: String,
    #[arg(long, value_parser = parse_severity)]
    pub severity: Severity,
}

#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// The release day (default: the as-of day).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date_arg)]
    pub date: Option<Date>,
    /// The version whose release fixes them.
    #[arg(long, value_name = "VERSION")]
    pub fixed_in: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct DiscloseArgs {
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// The disclosure day (default: the as-of day).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date_arg)]
    pub date: Option<Date>,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| "expected critical, high, medium, low or untriaged".into())
}

pub fn add(ctx: &Context, a: &AddArgs) -> anyhow::Result<i32> {
    let edit = Edit::Add(NewIssue {
        id: a.id.clone(),
        severity: a.severity,
        summary: a.summary.clone(),
        aliases: a.aliases.clone(),
        terms: a.terms.clone(),
        patterns: a.patterns.clone(),
        fixed_in: a.fixed_in.clone(),
    });
    run(ctx, "add", &edit, vec![a.id.clone()], None)
}

pub fn triage(ctx: &Context, a: &TriageArgs) -> anyhow::Result<i32> {
    let edit = Edit::Triage {
        id: a.id.clone(),
        severity: a.severity,
    };
    run(ctx, "triage", &edit, vec![a.id.clone()], None)
}

pub fn release(ctx: &Context, a: &ReleaseArgs) -> anyhow::Result<i32> {
    let date = a.date.map_or_else(|| ctx.day(), Ok)?;
    let edit = Edit::Release {
        ids: a.ids.clone(),
        date,
        fixed_in: a.fixed_in.clone(),
    };
    run(ctx, "release", &edit, a.ids.clone(), Some(date))
}

pub fn disclose(ctx: &Context, a: &DiscloseArgs) -> anyhow::Result<i32> {
    let date = a.date.map_or_else(|| ctx.day(), Ok)?;
    let edit = Edit::Disclose {
        ids: a.ids.clone(),
        date,
    };
    run(ctx, "disclose", &edit, a.ids.clone(), Some(date))
}

fn run(
    ctx: &Context,
    action: &str,
    edit: &Edit,
    ids: Vec<String>,
    date: Option<Date>,
) -> anyhow::Result<i32> {
    let repo = git::repo::open_from_env().ok().flatten();
    let path = discovery::locate_file(ctx.registry.as_deref(), repo.as_ref())?;
    edit_file(&path, edit)?;
    let origin = path.display().to_string();
    match ctx.format {
        Format::Json => {
            let doc = json!({
                "registry": origin, "action": action, "ids": ids,
                "date": date.map(|d| d.to_string()),
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        _ => {
            let ids: Vec<String> = ids.iter().map(|i| escape_controls(i)).collect();
            let when = date.map_or_else(String::new, |d| format!(" on {d}"));
            println!(
                "registry {}: {action} {}{when}",
                escape_controls(&origin),
                ids.join(", ")
            );
        }
    }
    Ok(EXIT_OK)
}

/// Applies `edit` to the registry file at `path`, under its lock, atomically.
pub fn edit_file(path: &Path, edit: &Edit) -> anyhow::Result<()> {
    let name = path.display().to_string();
    // The file a symlink names is edited, and the link kept.
    let target = fs::canonicalize(path).with_context(|| format!("cannot read registry {name}"))?;
    let locked = lock(&target, &name)?;
    let meta = locked.metadata()?;
    if meta.len() > discovery::MAX_REGISTRY_BYTES {
        bail!(
            "registry {name} is larger than {} MiB",
            discovery::MAX_REGISTRY_BYTES >> 20
        );
    }
    let mut bytes = Vec::new();
    (&locked)
        .take(discovery::MAX_REGISTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read registry {name}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "registry {name} is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let edited = registry_edit::apply(&text, &name, edit).map_err(|e| match &e {
        EditError::AlreadyInvalid(p) | EditError::Invalid(p) => {
            // The problems' positions and kinds, not the registry's text: the editor's
            // terminal is the security team's, but the reason has to fit one line.
            let first = p.first().map(|p| p.redacted()).unwrap_or_default();
            anyhow!("{e} (first: {first})")
        }
        _ => anyhow!("registry {name}: {e}"),
    })?;
    replace(&target, edited.as_bytes(), &meta)
        .with_context(|| format!("cannot write registry {name}"))?;
    drop(locked);
    Ok(())
}

/// Opens and locks the registry file itself. An editor that waited for the lock may find
/// the file replaced by the one before it: it then locks the new file.
fn lock(target: &Path, name: &str) -> anyhow::Result<File> {
    loop {
        let meta = fs::metadata(target).with_context(|| format!("cannot read registry {name}"))?;
        // Checked before opening: opening a FIFO would wait for a writer.
        if !meta.is_file() {
            bail!("registry {name} is not a plain file; only a file can be edited in place");
        }
        let file = File::open(target).with_context(|| format!("cannot read registry {name}"))?;
        file.lock()
            .with_context(|| format!("cannot lock registry {name}"))?;
        let held = file.metadata()?;
        let now = fs::metadata(target).with_context(|| format!("cannot read registry {name}"))?;
        if (held.dev(), held.ino()) == (now.dev(), now.ino()) {
            return Ok(file);
        }
    }
}

/// Writes `bytes` to a new file beside `target` with its mode, syncs it and renames it
/// over `target`, then syncs the directory so the rename survives a crash.
fn replace(target: &Path, bytes: &[u8], meta: &fs::Metadata) -> anyhow::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (temp, mut file) = create_temp(dir, &file_name)?;
    let written = (|| -> anyhow::Result<()> {
        file.set_permissions(meta.permissions())?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, target)?;
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .context("cannot sync the registry's directory")
}

fn create_temp(dir: &Path, file_name: &str) -> anyhow::Result<(PathBuf, File)> {
    let pid = std::process::id();
    for n in 0..100u32 {
        let temp = dir.join(format!(".{file_name}.embargo-{pid}-{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot create a temporary file in {}", dir.display())
                })
            }
        }
    }
    bail!("cannot create a temporary file in {}", dir.display())
}
