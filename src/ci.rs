//! What `embargo check` checks when it is given no revisions (contract §7): the pull
//! request, merge request or push that the CI job was started for, read from the CI's own
//! environment. Only the environment and the event payload are read here; walking the
//! commits is [`crate::history`]'s job.
//!
//! * **GitHub Actions** (`$GITHUB_EVENT_NAME`, payload at `$GITHUB_EVENT_PATH`):
//!   - `pull_request`, `pull_request_target`: `pull_request.base.sha..pull_request.head.sha`
//!     (never `$GITHUB_SHA`, the synthetic merge commit), plus the title, the body and the
//!     head branch name, which a squash merge turns into the commit message;
//!   - `push`: `before..after`. A new branch (all-zero `before`): the commits of `after`
//!     not on the repository's default branch (`repository.default_branch` of the
//!     payload), never "not on any other branch of the clone": a push of one commit to
//!     two new branches starts two runs, and each would exclude the other's. A force
//!     push whose old tip is no longer in the clone is handled the same way. A deleted
//!     branch (all-zero `after`): nothing. The pushed ref name is checked too;
//!   - `merge_group`: `merge_group.base_sha..merge_group.head_sha`.
//! * **GitLab CI** merge request pipelines (`$CI_MERGE_REQUEST_IID`):
//!   `$CI_MERGE_REQUEST_DIFF_BASE_SHA..$CI_COMMIT_SHA` (in merged-results and merge-train
//!   pipelines, where `$CI_COMMIT_SHA` is GitLab's synthetic merge, the source branch tip
//!   `$CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` instead), plus the title, the description and
//!   the source branch name.
//! * Anything else: nothing is guessed; `check` asks for revisions.

use anyhow::{anyhow, bail, Context as _};
use serde_json::Value;

use crate::bounded::read_capped;

use crate::engine::source::{RequestKind, Source};

/// The largest event payload read.
const MAX_EVENT_BYTES: u64 = 64 << 20;

/// Which CI the plan came from: it decides how a missing history is explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    GitLab,
}

/// The commits to check, as the CI describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Range {
    /// Commits reachable from `tip` and not from `base` (`base..tip`).
    Between {
        base: String,
        tip: String,
        /// A force push: `base` may be gone from the clone, and then the range is taken
        /// as for a new branch.
        base_may_be_gone: bool,
        /// The pushed ref, for that fallback.
        branch: Option<String>,
        /// The repository's default branch, for that fallback.
        default_branch: Option<String>,
    },
    /// A new branch: the commits of `tip` not on the repository's default branch
    /// (`default_branch`, a short name, from the event; `None` when the event lacks it,
    /// which is an error when the range is walked). `branch` is the pushed ref.
    NewBranch {
        tip: String,
        branch: Option<String>,
        default_branch: Option<String>,
    },
    /// Nothing to walk (a deleted branch).
    Nothing,
}

impl Range {
    /// `base..tip`, where `base` must be in the clone.
    fn between(base: String, tip: String) -> Range {
        Range::Between {
            base,
            tip,
            base_may_be_gone: false,
            branch: None,
            default_branch: None,
        }
    }
}

/// What to check in this CI job.
#[derive(Debug, Clone)]
pub struct Plan {
    pub provider: Provider,
    /// "GitHub pull request #12", for messages.
    pub what: String,
    pub range: Range,
    /// Texts that are not commits: pull request fields, the pushed ref name.
    pub texts: Vec<(Source, String)>,
    /// The fork a pull or merge request comes from: CI gives such jobs no secrets.
    pub fork: Option<String>,
    /// Things the user must know about what was (not) checked; printed on stderr.
    pub notes: Vec<String>,
}

/// The outcome of looking at the environment.
#[derive(Debug, Clone)]
pub enum Detected {
    Plan(Plan),
    /// A CI was recognised, but the job is not one `check` knows what to check for.
    Unsupported(String),
    /// No CI recognised.
    None,
}

/// Looks at the environment through `var` (`std::env::var` in production; a map in
/// tests). Empty values count as unset.
pub fn detect(var: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Detected> {
    let get = |name: &str| var(name).filter(|v| !v.is_empty());
    if let Some(event) = get("GITHUB_EVENT_NAME") {
        return github(&get, &event);
    }
    if get("CI_MERGE_REQUEST_IID").is_some() {
        return gitlab(&get).map(Detected::Plan);
    }
    if get("GITLAB_CI").is_some() {
        let source = get("CI_PIPELINE_SOURCE").unwrap_or_else(|| "unknown".into());
        return Ok(Detected::Unsupported(format!(
            "this GitLab CI pipeline (source `{source}`) is not a merge request pipeline"
        )));
    }
    Ok(Detected::None)
}

/// The real environment, for [`detect`].
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// An all-zero object id: git's "no commit" (a created or deleted ref).
pub fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

fn is_object_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn github(get: &dyn Fn(&str) -> Option<String>, event: &str) -> anyhow::Result<Detected> {
    if !matches!(
        event,
        "pull_request" | "pull_request_target" | "push" | "merge_group"
    ) {
        return Ok(Detected::Unsupported(format!(
            "the GitHub Actions event `{event}` is not a pull request, push or merge group"
        )));
    }
    let path = get("GITHUB_EVENT_PATH").ok_or_else(|| {
        anyhow!("$GITHUB_EVENT_NAME is `{event}` but $GITHUB_EVENT_PATH is not set")
    })?;
    let payload = read_payload(&path)?;
    let plan = match event {
        "push" => github_push(&payload)?,
        "merge_group" => github_merge_group(&payload)?,
        _ => github_pull_request(&payload)?,
    };
    Ok(Detected::Plan(plan))
}

fn read_payload(path: &str) -> anyhow::Result<Value> {
    let what = format!("the GitHub event payload {path}");
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {what}"))?;
    let bytes = read_capped(file, MAX_EVENT_BYTES, &what)?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("the GitHub event payload {path} is not valid JSON"))
}

/// A string at a `/`-separated path of the payload.
fn string_at<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    v.pointer(path).and_then(Value::as_str)
}

fn required<'a>(v: &'a Value, path: &str) -> anyhow::Result<&'a str> {
    string_at(v, path).ok_or_else(|| {
        anyhow!(
            "the GitHub event payload has no `{}`",
            path.trim_start_matches('/').replace('/', ".")
        )
    })
}

fn object_id(v: &Value, path: &str) -> anyhow::Result<String> {
    let s = required(v, path)?;
    if !is_object_id(s) {
        bail!(
            "the GitHub event payload's `{}` is not a commit id",
            path.trim_start_matches('/').replace('/', ".")
        );
    }
    Ok(s.to_ascii_lowercase())
}

fn request(kind: RequestKind, field: &str) -> Source {
    Source::Request {
        kind,
        field: field.to_string(),
    }
}

fn github_pull_request(payload: &Value) -> anyhow::Result<Plan> {
    let base = object_id(payload, "/pull_request/base/sha")?;
    let tip = object_id(payload, "/pull_request/head/sha")?;
    let number = payload
        .pointer("/pull_request/number")
        .and_then(Value::as_u64)
        .map_or_else(String::new, |n| format!(" #{n}"));
    let mut texts = Vec::new();
    let kind = RequestKind::PullRequest;
    if let Some(title) = string_at(payload, "/pull_request/title") {
        texts.push((request(kind, "title"), title.to_string()));
    }
    if let Some(body) = string_at(payload, "/pull_request/body") {
        texts.push((request(kind, "body"), body.to_string()));
    }
    if let Some(head_ref) = string_at(payload, "/pull_request/head/ref") {
        texts.push((request(kind, "head branch"), head_ref.to_string()));
    }
    let base_repo = string_at(payload, "/pull_request/base/repo/full_name");
    let fork = match payload.pointer("/pull_request/head/repo") {
        Some(Value::Null) => Some("a fork that no longer exists".to_string()),
        Some(repo) => {
            let head_repo = repo.get("full_name").and_then(Value::as_str);
            let is_fork = repo.get("fork").and_then(Value::as_bool) == Some(true)
                || matches!((head_repo, base_repo), (Some(h), Some(b)) if h != b);
            match (is_fork, head_repo) {
                (true, Some(name)) if Some(name) != base_repo => Some(name.to_string()),
                _ => None,
            }
        }
        None => None,
    };
    Ok(Plan {
        provider: Provider::GitHub,
        what: format!("GitHub pull request{number}"),
        range: Range::between(base, tip),
        texts,
        fork,
        notes: Vec::new(),
    })
}

fn github_push(payload: &Value) -> anyhow::Result<Plan> {
    let before = object_id(payload, "/before")?;
    let after = object_id(payload, "/after")?;
    let pushed = string_at(payload, "/ref").map(str::to_string);
    let branch = pushed.clone().filter(|r| r.starts_with("refs/heads/"));
    let default_branch = string_at(payload, "/repository/default_branch")
        .filter(|b| !b.is_empty())
        .map(str::to_string);
    let mut texts = Vec::new();
    let range = if is_zero(&after) {
        Range::Nothing
    } else {
        if let Some(name) = &pushed {
            texts.push((Source::RefName { name: name.clone() }, name.clone()));
        }
        if is_zero(&before) {
            Range::NewBranch {
                tip: after,
                branch,
                default_branch,
            }
        } else {
            Range::Between {
                base: before,
                tip: after,
                base_may_be_gone: payload.get("forced").and_then(Value::as_bool) == Some(true),
                branch,
                default_branch,
            }
        }
    };
    let what = match &pushed {
        Some(r) => format!("GitHub push to {r}"),
        None => "GitHub push".to_string(),
    };
    Ok(Plan {
        provider: Provider::GitHub,
        what,
        range,
        texts,
        fork: None,
        notes: Vec::new(),
    })
}

fn github_merge_group(payload: &Value) -> anyhow::Result<Plan> {
    Ok(Plan {
        provider: Provider::GitHub,
        what: "GitHub merge group".to_string(),
        range: Range::between(
            object_id(payload, "/merge_group/base_sha")?,
            object_id(payload, "/merge_group/head_sha")?,
        ),
        texts: Vec::new(),
        fork: None,
        notes: Vec::new(),
    })
}

fn gitlab(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Plan> {
    let iid = get("CI_MERGE_REQUEST_IID").unwrap_or_default();
    let sha = |name: &str| -> anyhow::Result<String> {
        let v = get(name).ok_or_else(|| {
            anyhow!("${name} is not set in this GitLab merge request pipeline (GitLab sets it in merge request pipelines)")
        })?;
        if !is_object_id(&v) {
            bail!("${name} is not a commit id");
        }
        Ok(v.to_ascii_lowercase())
    };
    let base = sha("CI_MERGE_REQUEST_DIFF_BASE_SHA")?;
    let synthetic = matches!(
        get("CI_MERGE_REQUEST_EVENT_TYPE").as_deref(),
        Some("merged_result" | "merge_train")
    );
    let tip = if synthetic && get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA").is_some() {
        sha("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")?
    } else {
        sha("CI_COMMIT_SHA")?
    };
    let kind = RequestKind::MergeRequest;
    let mut texts = Vec::new();
    let mut notes = Vec::new();
    if let Some(title) = get("CI_MERGE_REQUEST_TITLE") {
        texts.push((request(kind, "title"), title));
    }
    if let Some(description) = get("CI_MERGE_REQUEST_DESCRIPTION") {
        if get("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED").as_deref() == Some("true") {
            notes.push(
                "GitLab truncated $CI_MERGE_REQUEST_DESCRIPTION; only its first part was checked"
                    .to_string(),
            );
        }
        texts.push((request(kind, "description"), description));
    }
    if let Some(branch) = get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") {
        texts.push((request(kind, "source branch"), branch));
    }
    let fork = match (
        get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID"),
        get("CI_MERGE_REQUEST_PROJECT_ID"),
    ) {
        (Some(source), Some(target)) if source != target => Some(
            get("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH")
                .unwrap_or_else(|| format!("project {source}")),
        ),
        _ => None,
    };
    Ok(Plan {
        provider: Provider::GitLab,
        what: format!("GitLab merge request !{iid}"),
        range: Range::between(base, tip),
        texts,
        fork,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const ZERO: &str = "0000000000000000000000000000000000000000";

    fn with_env(vars: &[(&str, &str)]) -> anyhow::Result<Detected> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        detect(&move |k: &str| map.get(k).cloned())
    }

    fn github_event(name: &str, payload: &str) -> anyhow::Result<Detected> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, payload).unwrap();
        with_env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", name),
            ("GITHUB_EVENT_PATH", path.to_str().unwrap()),
        ])
    }

    fn plan(d: anyhow::Result<Detected>) -> Plan {
        match d.unwrap() {
            Detected::Plan(p) => p,
            other => panic!("expected a plan, got {other:?}"),
        }
    }

    #[test]
    fn nothing_detected_outside_ci() {
        assert!(matches!(with_env(&[]).unwrap(), Detected::None));
        assert!(matches!(
            with_env(&[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "push")]).unwrap(),
            Detected::Unsupported(_)
        ));
        let d = github_event("schedule", "{}").unwrap();
        assert!(matches!(d, Detected::Unsupported(m) if m.contains("schedule")));
    }

    #[test]
    fn github_pull_request_uses_base_and_head_and_fields() {
        let payload = format!(
            r#"{{"pull_request": {{"number": 7, "title": "T", "body": null,
                "base": {{"sha": "{A}", "repo": {{"full_name": "o/r"}}}},
                "head": {{"sha": "{B}", "ref": "topic", "repo": {{"full_name": "o/r", "fork": false}}}}}}}}"#
        );
        let p = plan(github_event("pull_request", &payload));
        assert_eq!(p.what, "GitHub pull request #7");
        assert!(matches!(&p.range, Range::Between { base, tip, .. } if base == A && tip == B));
        let fields: Vec<_> = p
            .texts
            .iter()
            .map(|(s, t)| (s.to_string(), t.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("pull request title".to_string(), "T"),
                ("pull request head branch".to_string(), "topic")
            ]
        );
        assert_eq!(p.fork, None);
    }

    #[test]
    fn github_fork_is_recognised() {
        let payload = format!(
            r#"{{"pull_request": {{"title": "T",
                "base": {{"sha": "{A}", "repo": {{"full_name": "o/r"}}}},
                "head": {{"sha": "{B}", "ref": "x", "repo": {{"full_name": "someone/r", "fork": true}}}}}}}}"#
        );
        let p = plan(github_event("pull_request_target", &payload));
        assert_eq!(p.fork.as_deref(), Some("someone/r"));
    }

    #[test]
    fn github_push_new_and_deleted_branches() {
        let p = plan(github_event(
            "push",
            &format!(
                r#"{{"ref": "refs/heads/x", "before": "{ZERO}", "after": "{B}",
                    "repository": {{"default_branch": "trunk"}}}}"#
            ),
        ));
        assert_eq!(
            p.range,
            Range::NewBranch {
                tip: B.into(),
                branch: Some("refs/heads/x".into()),
                default_branch: Some("trunk".into()),
            }
        );
        let p = plan(github_event(
            "push",
            &format!(r#"{{"ref": "refs/heads/x", "before": "{A}", "after": "{ZERO}"}}"#),
        ));
        assert_eq!(p.range, Range::Nothing);
        assert!(p.texts.is_empty());
        let p = plan(github_event(
            "push",
            &format!(
                r#"{{"ref": "refs/heads/x", "before": "{A}", "after": "{B}", "forced": true}}"#
            ),
        ));
        assert!(matches!(
            p.range,
            Range::Between {
                base_may_be_gone: true,
                ..
            }
        ));
    }

    #[test]
    fn github_payload_problems_are_errors() {
        assert!(github_event("push", "not json").is_err());
        assert!(github_event("push", r#"{"before": "x", "after": "y"}"#).is_err());
        assert!(with_env(&[("GITHUB_EVENT_NAME", "push")]).is_err());
    }

    #[test]
    fn gitlab_merge_request() {
        let p = plan(with_env(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "3"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", A),
            ("CI_COMMIT_SHA", B),
            ("CI_MERGE_REQUEST_TITLE", "title"),
            ("CI_MERGE_REQUEST_DESCRIPTION", "desc"),
            ("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED", "true"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "topic"),
            ("CI_MERGE_REQUEST_PROJECT_ID", "1"),
            ("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "2"),
            ("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", "someone/r"),
        ]));
        assert_eq!(p.what, "GitLab merge request !3");
        assert!(matches!(&p.range, Range::Between { base, tip, .. } if base == A && tip == B));
        assert_eq!(p.texts.len(), 3);
        assert_eq!(p.notes.len(), 1);
        assert_eq!(p.fork.as_deref(), Some("someone/r"));
    }

    #[test]
    fn gitlab_merged_results_use_the_source_tip() {
        let p = plan(with_env(&[
            ("CI_MERGE_REQUEST_IID", "3"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", A),
            ("CI_COMMIT_SHA", "3333333333333333333333333333333333333333"),
            ("CI_MERGE_REQUEST_EVENT_TYPE", "merged_result"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", B),
        ]));
        assert!(matches!(&p.range, Range::Between { tip, .. } if tip == B));
        assert!(with_env(&[("CI_MERGE_REQUEST_IID", "3"), ("CI_COMMIT_SHA", B)]).is_err());
    }
}
