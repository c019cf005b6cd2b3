//! `embargo pre-receive`: the server-side backstop (contract §7): every new commit, ref
//! name and annotated tag of a push, and all other text it publishes; any error rejects.
//!
//! Which commits are new (exactly the contract's set, whether or not this push carried
//! their objects) is [`crate::history::push`]'s business. In each commit and tag, the
//! message and every text field ([`crate::git::published`]) are checked; so are push
//! options, notes and the files of a blob or tree a ref points at
//! ([`crate::git::pushed`]).

use std::collections::HashSet;

use anyhow::{anyhow, bail, Context as _};
use git2::{ObjectType, Oid};
use serde_json::{json, Value};

use crate::bounded::read_capped;
use crate::commands::content::{check_commits, Pending};
use crate::commands::object_findings;
use crate::commands::Context;
use crate::engine::content::ContentMode;
use crate::engine::source::{CommitRef, Source};
use crate::engine::verdict::Checker;
use crate::git::diff::CachedObjects;
use crate::git::objects::{self, MAX_TAG_DEPTH};
use crate::git::pack::Packs;
use crate::git::pushed;
use crate::git::repo::{self, HookRepository};
use crate::history::changes;
use crate::load;
use crate::report::{self, escape_controls, Checked, Report, Style, EXIT_ERROR, EXIT_OK};
use crate::{audit, history};

/// Standard input larger than this is refused: git sends one short line per ref.
const MAX_INPUT_BYTES: u64 = 256 << 20;

/// One `<old> <new> <ref>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub old: String,
    pub new: String,
    pub name: String,
}

impl Update {
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.new)
    }

    pub fn is_creation(&self) -> bool {
        is_zero(&self.old)
    }
}

fn is_zero(id: &str) -> bool {
    id.bytes().all(|b| b == b'0')
}

fn is_object_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses git's pre-receive input. SHA-1 (40 hex digits) and SHA-256 (64) ids are both
/// accepted; a malformed line is an error naming its number.
pub fn parse_updates(input: &[u8]) -> anyhow::Result<Vec<Update>> {
    let mut updates = Vec::new();
    let input = input.strip_suffix(b"\n").unwrap_or(input);
    if input.is_empty() {
        return Ok(updates);
    }
    for (i, raw) in input.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        let malformed = |why: &str| {
            let shown = report::truncate_chars(&String::from_utf8_lossy(raw), 100);
            anyhow!(
                "standard input line {number} is malformed ({why}): `{}`; expected `<old-id> <new-id> <ref>`",
                escape_controls(&shown)
            )
        };
        let line = std::str::from_utf8(raw).map_err(|_| malformed("not UTF-8"))?;
        let fields: Vec<&str> = line.split(' ').collect();
        let [old, new, name] = fields[..] else {
            return Err(malformed("not three space-separated fields"));
        };
        if !is_object_id(old) || !is_object_id(new) {
            return Err(malformed("object ids must be 40 or 64 hexadecimal digits"));
        }
        if old.len() != new.len() {
            return Err(malformed("the two object ids differ in length"));
        }
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(malformed("bad ref name"));
        }
        updates.push(Update {
            old: old.to_ascii_lowercase(),
            new: new.to_ascii_lowercase(),
            name: name.to_string(),
        });
    }
    Ok(updates)
}

/// What a run found, for the exit code, GitLab's web UI and the audit log.
struct Outcome {
    code: i32,
    /// The findings with issue ids and matched fields (for the audit log only).
    findings: Value,
    /// One line for `GL-HOOK-ERR:`, without registry content.
    reason: String,
}

/// What the audit record needs even when the run fails part way.
#[derive(Default)]
struct AuditState {
    path: Option<std::path::PathBuf>,
    git_dir: Option<std::path::PathBuf>,
    updates: Vec<Update>,
    day: Option<String>,
}

pub fn run(ctx: &Context) -> anyhow::Result<i32> {
    let mut state = AuditState {
        path: ctx.audit_log.clone(),
        ..AuditState::default()
    };
    let outcome = check_push(ctx, &mut state);
    finish(&state, outcome)
}

fn check_push(ctx: &Context, state: &mut AuditState) -> anyhow::Result<Outcome> {
    let day = ctx.day()?;
    state.day = Some(day.to_string());
    let input = read_capped(std::io::stdin().lock(), MAX_INPUT_BYTES, "standard input")?;
    state.updates = parse_updates(&input)?;

    let hook = repo::open_for_hook().map_err(|e| {
        if state.updates.iter().any(|u| u.new.len() == 64) {
            e.context("SHA-256 repositories cannot be read by this build (libgit2 reads SHA-1 object stores only)")
        } else {
            e
        }
    })?;
    state.git_dir = Some(hook.git_dir.clone());
    if state.path.is_none() {
        state.path = audit_log_from_config(&hook)?;
    }
    let checker = load::checker(ctx.registry.as_deref(), Some(&hook.repo))?;

    let mut report = Report::default();
    for (source, text) in pushed::push_options(&|name| std::env::var(name).ok())? {
        let findings = checker.check(&text, day);
        report.add(source, text, findings);
    }
    let mut tips: Vec<Oid> = Vec::new();
    let mut tip_set = HashSet::new();
    let mut notes_tips: Vec<(Oid, &str)> = Vec::new();
    let mut tags_seen = HashSet::new();
    for (i, update) in state.updates.iter().enumerate() {
        if update.is_deletion() {
            continue;
        }
        let line = i + 1;
        if update.new.len() != 40 {
            bail!(
                "standard input line {line}: SHA-256 object ids cannot be read by this build \
                 (libgit2 reads SHA-1 object stores only)"
            );
        }
        let findings = checker.check(&update.name, day);
        report.add(
            Source::RefName {
                name: update.name.clone(),
            },
            update.name.clone(),
            findings,
        );
        let new = Oid::from_str(&update.new)
            .with_context(|| format!("standard input line {line}: bad object id"))?;
        let (target, kind) = check_tag_chain(
            &hook,
            &checker,
            day,
            update,
            new,
            &mut tags_seen,
            &mut report,
        )?;
        if kind != ObjectType::Commit {
            for (source, text) in pushed::ref_contents(&hook.repo, &update.name, target, kind)? {
                let findings = checker.check(&text, day);
                report.add(source, text, findings);
            }
            continue;
        }
        if update.name.starts_with("refs/notes/") {
            notes_tips.push((target, &update.name));
        }
        if tip_set.insert(target) {
            tips.push(target);
        }
    }

    // Commits with findings, kept with their committer time: they are listed oldest
    // first, as `check` lists them, whatever order the walk met them in.
    let mut commits = 0usize;
    // What each commit adds (§11), read through the quarantine like its message.
    let content = ctx.content(checker.registry());
    let odb = hook.repo.odb().context("cannot open the object database")?;
    let own = hook.git_dir.join("objects");
    let mut dirs = vec![own.as_path()];
    if let Some(q) = &hook.quarantine {
        dirs.insert(0, q.path.as_path());
    }
    let packs = Packs::open_dirs(&dirs);
    let objects_read = CachedObjects::with_packs(&odb, &packs);
    let mut pending = Vec::new();
    let mut found: Vec<(i64, Oid, Checked)> = Vec::new();
    let mut clean = HashSet::new();
    // The values refs had before the push: a walk that stops at one of them is done.
    let old_values: Vec<Oid> = state
        .updates
        .iter()
        .filter(|u| !u.is_creation())
        .filter_map(|u| Oid::from_str(&u.old).ok())
        .collect();
    history::push::new_commits(&hook, &tips, &old_values, |oid, object| {
        commits += 1;
        let time = object.signature_time().unwrap_or(i64::MIN);
        if content != ContentMode::Off {
            let (tree, parents) = changes::parsed_tree_and_parents(&object)?;
            let commit = CommitRef {
                id: oid.to_string(),
                subject: objects::subject(&object.message).to_string(),
            };
            pending.push(Pending {
                commit,
                tree,
                parents,
            });
        }
        for (field, text, findings) in object_findings(&checker, day, &object, &mut clean) {
            let source = match field {
                None => Source::Commit {
                    id: oid.to_string(),
                    subject: objects::subject(&object.message).to_string(),
                },
                Some(field) => Source::Field {
                    object: "commit".to_string(),
                    id: Some(oid.to_string()),
                    field,
                },
            };
            let item = Checked {
                source,
                text,
                findings,
            };
            found.push((time, oid, item));
        }
        Ok(())
    })?;
    // Stable: a commit's message comes before its fields.
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    report
        .items
        .extend(found.into_iter().map(|(_, _, item)| item));
    // Reading a push's trees and blobs, libgit2 would hash each object again (SHA-1DC,
    // a third of the time): git's index-pack computed every received object's id from
    // its content, and objects already in the repository were verified when they came.
    // Nor keep every object read in its own cache: ours keeps the recent ones.
    git2::opts::strict_hash_verification(false);
    git2::opts::enable_caching(false);
    let added = check_commits(&objects_read, &checker, &pending, day, content)?;
    report.items.extend(added);
    // Notes: what each new commit of a notes ref adds. Notes histories are their own,
    // so this second walk covers only them.
    for &(tip, notes_ref) in &notes_tips {
        let mut notes_commits = Vec::new();
        history::push::new_commits(&hook, &[tip], &old_values, |oid, _| {
            notes_commits.push(oid);
            Ok(())
        })?;
        for oid in notes_commits {
            for (source, text) in pushed::added_notes(&hook.repo, notes_ref, oid)? {
                let findings = checker.check(&text, day);
                report.add(source, text, findings);
            }
        }
    }
    report.checked = commits;

    let style = Style {
        registry: checker.registry(),
        reveal: ctx.reveal,
        color: ctx.color_stderr,
        noun: "commit",
        always_summarize: false,
    };
    ctx.format
        .renderer()
        .render(&report, &style, &mut std::io::stderr().lock())
        .context("cannot write the report")?;
    let audit_style = Style {
        reveal: true,
        color: false,
        ..style
    };
    Ok(Outcome {
        code: report.exit_code(),
        findings: report::json::document(&report, &audit_style),
        reason: reason(&report),
    })
}

/// The one-line reason for GitLab's web UI: counts and where, never registry content.
fn reason(report: &Report) -> String {
    let blocked = report.blocked();
    let first = report
        .items
        .iter()
        .find(|i| {
            i.findings
                .iter()
                .any(|f| f.level == crate::engine::verdict::Level::Block)
        })
        .map(|i| i.source.to_string())
        .unwrap_or_default();
    format!(
        "embargo rejected this push: {blocked} blocked mention{} (first in {first}); describe the change without naming the security issue",
        if blocked == 1 { "" } else { "s" }
    )
}

/// Checks the pushed object if it is an annotated tag, and the tags it points at, and
/// returns the object at the end of the chain (a commit, a tree or a blob) and its kind.
fn check_tag_chain(
    hook: &HookRepository,
    checker: &Checker,
    day: time::Date,
    update: &Update,
    new: Oid,
    seen: &mut HashSet<Oid>,
    report: &mut Report,
) -> anyhow::Result<(Oid, ObjectType)> {
    let odb = hook.repo.odb().context("cannot open the object database")?;
    let mut oid = new;
    for _ in 0..MAX_TAG_DEPTH {
        let (_, kind) = odb
            .read_header(oid)
            .with_context(|| format!("cannot read object {oid} pushed to {}", update.name))?;
        match kind {
            ObjectType::Commit => return Ok((oid, kind)),
            ObjectType::Tag => {
                let (_, tag) = objects::read(&hook.repo, oid)?;
                let target = tag
                    .header("object")
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| Oid::from_str(h.trim()).ok())
                    .ok_or_else(|| anyhow!("tag {oid} has no valid `object` header"))?;
                if seen.insert(oid) {
                    let name = tag
                        .header("tag")
                        .map(|n| String::from_utf8_lossy(n).into_owned())
                        .unwrap_or_else(|| update.name.clone());
                    let short = update
                        .name
                        .strip_prefix("refs/tags/")
                        .unwrap_or(&update.name);
                    if name != short {
                        // The tag's own name travels with the object; check it too.
                        let findings = checker.check(&name, day);
                        report.add(
                            Source::Tag {
                                name: name.clone(),
                                id: oid.to_string(),
                            },
                            name.clone(),
                            findings,
                        );
                    }
                    let mut clean = HashSet::new();
                    for (field, text, findings) in object_findings(checker, day, &tag, &mut clean) {
                        let source = match field {
                            None => Source::Tag {
                                name: name.clone(),
                                id: oid.to_string(),
                            },
                            Some(field) => Source::Field {
                                object: "tag".to_string(),
                                id: Some(oid.to_string()),
                                field,
                            },
                        };
                        report.add(source, text, findings);
                    }
                }
                oid = target;
            }
            _ => return Ok((oid, kind)),
        }
    }
    bail!("tag chain from {new} is deeper than {MAX_TAG_DEPTH} tags")
}

fn audit_log_from_config(hook: &HookRepository) -> anyhow::Result<Option<std::path::PathBuf>> {
    let path = crate::git::config::get()?.path("embargo.auditLog", Some(hook.repo.commondir()))?;
    Ok(path.filter(|p| !p.as_os_str().is_empty()))
}

fn under_gitlab() -> bool {
    ["GL_ID", "GL_USERNAME"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()))
}

fn gitlab_line(reason: &str) {
    if under_gitlab() {
        eprintln!(
            "GL-HOOK-ERR: {}",
            escape_controls(&report::truncate_chars(reason, 300))
        );
    }
}

/// Rejections (and errors) go to GitLab's web UI and the audit log; an audit record that
/// cannot be written turns the run into an error, so nothing rejected goes unaudited
/// and nothing goes through because the log is broken.
fn finish(state: &AuditState, outcome: anyhow::Result<Outcome>) -> anyhow::Result<i32> {
    match outcome {
        Ok(o) if o.code == EXIT_OK => Ok(EXIT_OK),
        Ok(o) => {
            gitlab_line(&o.reason);
            if let Some(path) = &state.path {
                let record = record(state, o.code, None, o.findings);
                audit::append(path, &record).context("the push is rejected")?;
            }
            Ok(o.code)
        }
        Err(e) => {
            let cause = error_line(&e);
            gitlab_line(&format!(
                "embargo could not check this push, so it is rejected: {cause}"
            ));
            if let Some(path) = &state.path {
                let record = record(state, EXIT_ERROR, Some(&cause), Value::Null);
                if let Err(audit_error) = audit::append(path, &record) {
                    return Err(e.context(format!("also: {}", error_line(&audit_error))));
                }
            }
            Err(e)
        }
    }
}

fn error_line(e: &anyhow::Error) -> String {
    let mut line = e.to_string();
    for cause in e.chain().skip(1) {
        line.push_str(": ");
        line.push_str(&cause.to_string());
    }
    escape_controls(&line)
}

/// One audit record (docs/server.md, "The audit log", documents its fields).
fn record(state: &AuditState, code: i32, error: Option<&str>, findings: Value) -> Value {
    let updates: Vec<Value> = state
        .updates
        .iter()
        .map(|u| json!({"old": u.old, "new": u.new, "ref": u.name}))
        .collect();
    json!({
        "version": 1,
        "time": audit::now(),
        "repository": audit::repository(state.git_dir.as_deref()),
        "pusher": audit::pusher(),
        "outcome": if error.is_some() { "error" } else { "rejected" },
        "exit_code": code,
        "error": error,
        "as_of": state.day,
        "updates": updates,
        "result": findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_sha1_and_sha256_lines() {
        let z256 = "0".repeat(64);
        let b256 = "ab".repeat(32);
        let input = format!("{Z} {A} refs/heads/main\n{b256} {z256} refs/heads/gone\n");
        let updates = parse_updates(input.as_bytes()).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].is_creation() && !updates[0].is_deletion());
        assert!(updates[1].is_deletion());
        assert!(parse_updates(b"").unwrap().is_empty());
    }

    #[test]
    fn malformed_lines_name_their_number() {
        for bad in [
            format!("{Z} {A} refs/heads/ok\n{A} refs/heads/x\n"),
            format!("{Z} {A} refs/heads/ok\n{Z} {A}x refs/heads/x\n"),
            format!(
                "{Z} {A} refs/heads/ok\n{Z} {} refs/heads/x\n",
                "a".repeat(64)
            ),
            format!("{Z} {A} refs/heads/ok\n{Z} {A} refs/heads/x y\n"),
            format!("{Z} {A} refs/heads/ok\n\n"),
        ] {
            let err = parse_updates(bad.as_bytes()).unwrap_err().to_string();
            assert!(err.contains("line 2 is malformed"), "{bad:?}: {err}");
        }
    }
}
