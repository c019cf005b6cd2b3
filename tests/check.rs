//! `embargo check`: revision ranges, `--as-of commit`, CI detection (GitHub pull
//! requests and pushes, GitLab merge requests), shallow clones, the registry secret and
//! the progress bar, against real repositories in temporary directories.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const ZERO: &str = "0000000000000000000000000000000000000000";

fn commit(sb: &Sandbox, dir: &Path, message: &str) -> String {
    sb.git_ok(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    rev(sb, dir, "HEAD")
}

fn rev(sb: &Sandbox, dir: &Path, name: &str) -> String {
    sb.git_ok(dir, &["rev-parse", name]).trim().to_string()
}

fn short(id: &str) -> &str {
    &id[..12]
}

/// Runs `embargo` in `dir` with the example registry and extra environment.
fn embargo(sb: &Sandbox, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = sb.embargo();
    cmd.current_dir(dir)
        .env("EMBARGO_REGISTRY", example_registry())
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_with_stdin(&mut cmd, b"")
}

fn check(sb: &Sandbox, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    embargo(sb, dir, &all, &[])
}

#[test]
fn a_benign_range_exits_0() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let base = rev(&sb, &repo, "HEAD");
    commit(&sb, &repo, "Add the parser");
    commit(&sb, &repo, "Tidy the parser");
    let (code, out, err) = check(&sb, &repo, &[&format!("{base}..HEAD")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("0 blocked mentions, 0 warnings in 2 commits checked"),
        "{out}"
    );
}

#[test]
fn an_embargoed_commit_in_the_range_exits_1_and_is_named_by_short_id() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let base = rev(&sb, &repo, "HEAD");
    commit(&sb, &repo, "Add the parser");
    let bad = commit(&sb, &repo, "Fix the chunk digest comparison");
    commit(&sb, &repo, "Tidy the parser");
    let (code, out, err) = check(&sb, &repo, &[&format!("{base}..HEAD")]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(short(&bad)), "{out}");
    assert!(out.contains("1 blocked mention"), "{out}");
    assert!(out.contains("3 commits checked"), "{out}");
    // The same commit outside the range is not looked at.
    let (code, out, _) = check(&sb, &repo, &[&format!("{bad}..HEAD")]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn revisions_are_taken_as_git_rev_list_takes_them() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let base = rev(&sb, &repo, "HEAD");
    let bad = commit(&sb, &repo, "Fix the ratchet header replay");
    sb.git_ok(&repo, &["checkout", "-q", "-b", "side", &base]);
    commit(&sb, &repo, "Side work");
    sb.git_ok(&repo, &["checkout", "-q", "main"]);
    let cases: &[(&[&str], i32, &str)] = &[
        (&["main"], 1, "2 commits"),
        (&["^side", "main"], 1, "1 commit"),
        (&["side..main"], 1, "1 commit"),
        (&["main..side"], 0, "1 commit"),
        (&["main...side"], 1, "2 commits"),
        (&[&format!("{bad}^!")], 1, "1 commit"),
        (&["--branches"], 1, "3 commits"),
        (&["--all", "--not", "main"], 0, "1 commit"),
        (&["--all"], 1, "3 commits"),
    ];
    for (args, want, count) in cases {
        let (code, out, err) = check(&sb, &repo, args);
        assert_eq!(code, *want, "{args:?}: {out}{err}");
        assert!(
            out.contains(&format!("in {count} checked")),
            "{args:?}: {out}"
        );
    }
    // Global options after `--all` are still options.
    let (code, out, err) = check(&sb, &repo, &["--all", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["checked"], 3);
    let (code, _, err) = check(&sb, &repo, &["--bogus"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = check(&sb, &repo, &["no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown revision `no-such-branch`"), "{err}");
}

#[test]
fn text_after_a_nul_in_a_raw_commit_message_is_checked() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let tree = rev(&sb, &repo, "HEAD^{tree}");
    let parent = rev(&sb, &repo, "HEAD");
    let raw = format!(
        "tree {tree}\nparent {parent}\nauthor A <a@example.com> 1790000000 +0000\n\
         committer A <a@example.com> 1790000000 +0000\n\nHarmless subject\0hidden chunk digest\n"
    );
    let path = sb.path().join("raw-commit");
    std::fs::write(&path, raw).unwrap();
    let id = sb
        .git_ok(
            &repo,
            &[
                "hash-object",
                "-t",
                "commit",
                "-w",
                "--literally",
                path.to_str().unwrap(),
            ],
        )
        .trim()
        .to_string();
    let (code, out, err) = check(&sb, &repo, &[&format!("{id}^!")]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(short(&id)), "{out}");
}

#[test]
fn as_of_commit_judges_each_commit_on_its_committer_date() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // SX-2026-011 is released 2026-11-25: its embargo lifts 21 days later, on 2026-12-16.
    let lifted = sb.commit_dated(
        &repo,
        "Fix the ratchet header replay",
        "2026-12-20T12:00:00+00:00",
    );
    let kept = sb.commit_dated(
        &repo,
        "Ratchet header replay, again",
        "2026-11-26T12:00:00+00:00",
    );

    let (code, out, err) = check(&sb, &repo, &["--as-of", "commit", &format!("{lifted}^!")]);
    assert_eq!(code, 0, "{out}{err}");
    // Judged on the default day (2026-11-27 in the sandbox) it is still embargoed.
    let (code, out, _) = check(&sb, &repo, &[&format!("{lifted}^!")]);
    assert_eq!(code, 1, "{out}");

    let (code, out, err) = check(&sb, &repo, &["--as-of", "commit", "HEAD~2..HEAD"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(short(&kept)), "{out}");
    assert!(!out.contains(short(&lifted)), "{out}");

    // EMBARGO_AS_OF=commit does the same.
    let (code, out, _) = embargo(
        &sb,
        &repo,
        &["check", &format!("{lifted}^!")],
        &[("EMBARGO_AS_OF", "commit")],
    );
    assert_eq!(code, 0, "{out}");
    // A 1-day timeline judged on the commit date.
    let (code, _, err) = embargo(&sb, &repo, &["commit-msg", "--as-of", "commit", "-"], &[]);
    assert_eq!(code, 2, "{err}");
}

/// A repository shaped like a GitHub pull request: `topic` branched from the initial
/// commit, `main` moved on with an embargoed commit of its own, and the synthetic merge
/// commit actions/checkout would check out (its message mentions an issue too).
struct PullRequest {
    sb: Sandbox,
    repo: PathBuf,
    base: String,
    head: String,
    merge_base: String,
    merge: String,
    main_only: String,
}

fn pull_request_repo() -> PullRequest {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let merge_base = rev(&sb, &repo, "HEAD");
    sb.git_ok(&repo, &["checkout", "-q", "-b", "topic"]);
    commit(&sb, &repo, "Add the parser");
    let head = commit(&sb, &repo, "Tidy the parser");
    sb.git_ok(&repo, &["checkout", "-q", "main"]);
    let main_only = commit(&sb, &repo, "Fix the chunk digest comparison");
    let base = rev(&sb, &repo, "HEAD");
    sb.git_ok(&repo, &["checkout", "-q", "--detach", "main"]);
    sb.git_ok(
        &repo,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge topic: fix the ratchet header replay",
            "topic",
        ],
    );
    let merge = rev(&sb, &repo, "HEAD");
    PullRequest {
        sb,
        repo,
        base,
        head,
        merge_base,
        merge,
        main_only,
    }
}

impl PullRequest {
    fn event(&self, title: &str, body: Option<&str>, head_ref: &str, head_repo: &str) -> PathBuf {
        let payload = serde_json::json!({
            "action": "synchronize",
            "number": 5,
            "pull_request": {
                "number": 5,
                "title": title,
                "body": body,
                "base": {"sha": self.base, "ref": "main", "repo": {"full_name": "acme/widgets"}},
                "head": {
                    "sha": self.head,
                    "ref": head_ref,
                    "repo": {"full_name": head_repo, "fork": head_repo != "acme/widgets"}
                }
            }
        });
        let path = self.sb.path().join("event.json");
        std::fs::write(&path, payload.to_string()).unwrap();
        path
    }

    fn run_github(
        &self,
        event_name: &str,
        event: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        let mut all_env = vec![
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", event_name),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_SHA", self.merge.as_str()),
            ("GITHUB_REF", "refs/pull/5/merge"),
        ];
        all_env.extend_from_slice(env);
        let mut all_args = vec!["check"];
        all_args.extend_from_slice(args);
        embargo(&self.sb, &self.repo, &all_args, &all_env)
    }
}

#[test]
fn github_pull_request_checks_base_to_head_and_skips_the_synthetic_merge() {
    let pr = pull_request_repo();
    let event = pr.event(
        "Parser cleanup",
        Some("Refactors the parser."),
        "topic",
        "acme/widgets",
    );
    for name in ["pull_request", "pull_request_target"] {
        let (code, out, err) = pr.run_github(name, &event, &[], &[]);
        assert_eq!(code, 0, "{name}: {out}{err}");
        assert!(
            err.contains("GitHub pull request #5: checking 2 commits"),
            "{err}"
        );
        assert!(
            !out.contains(short(&pr.merge)),
            "the synthetic merge was checked: {out}"
        );
        assert!(
            !out.contains(short(&pr.main_only)),
            "a base commit was checked: {out}"
        );
        assert!(out.contains("in 5 texts checked"), "{out}");
    }
    // A null body is fine.
    let event = pr.event("Parser cleanup", None, "topic", "acme/widgets");
    let (code, out, err) = pr.run_github("pull_request", &event, &[], &[]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn github_pull_request_title_body_and_head_branch_are_checked() {
    let pr = pull_request_repo();
    let cases = [
        (
            "Fix the chunk digest timing",
            Some("Refactors."),
            "topic",
            "pull request title",
        ),
        (
            "Parser cleanup",
            Some("Closes\nSX-2026-011 quietly."),
            "topic",
            "pull request body",
        ),
        (
            "Parser cleanup",
            None,
            "fix-ratchet-header-replay",
            "pull request head branch",
        ),
    ];
    for (title, body, head_ref, field) in cases {
        let event = pr.event(title, body, head_ref, "acme/widgets");
        let (code, out, err) = pr.run_github("pull_request", &event, &[], &[]);
        assert_eq!(code, 1, "{field}: {out}{err}");
        assert!(out.contains(field), "{field}: {out}");
        assert!(out.contains("1 blocked mention"), "{field}: {out}");
    }
}

#[test]
fn github_pull_request_commits_in_the_range_are_checked() {
    let pr = pull_request_repo();
    pr.sb.git_ok(&pr.repo, &["checkout", "-q", "topic"]);
    let bad = commit(&pr.sb, &pr.repo, "Stop the ratchet header replay");
    let pr = PullRequest {
        head: bad.clone(),
        ..pr
    };
    let event = pr.event("Parser cleanup", None, "topic", "acme/widgets");
    let (code, out, err) = pr.run_github("pull_request", &event, &["--format", "json"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["findings"][0]["source"]["commit"], bad.as_str());
    assert!(err.contains("checking 3 commits"), "{err}");
}

#[test]
fn github_push_checks_before_to_after_and_new_branches() {
    let sb = Sandbox::new();
    let origin = sb.repo("origin");
    commit(&sb, &origin, "Fix the chunk digest comparison");
    let url = format!("file://{}", origin.display());
    sb.git_ok(sb.path(), &["clone", "-q", &url, "clone"]);
    let clone = sb.path().join("clone");
    sb.git_ok(&clone, &["checkout", "-q", "-b", "feature"]);
    let f1 = commit(&sb, &clone, "Add a");
    let f2 = commit(&sb, &clone, "Add b");
    // What actions/checkout leaves: the pushed branch as a remote-tracking ref too.
    sb.git_ok(
        &clone,
        &["update-ref", "refs/remotes/origin/feature", "HEAD"],
    );
    let push = |before: &str, after: &str, reference: &str, forced: bool| {
        let path = sb.path().join("push.json");
        let payload = serde_json::json!({"ref": reference, "before": before, "after": after, "forced": forced,
            "repository": {"default_branch": "main"}});
        std::fs::write(&path, payload.to_string()).unwrap();
        embargo(
            &sb,
            &clone,
            &["check"],
            &[
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_EVENT_NAME", "push"),
                ("GITHUB_EVENT_PATH", path.to_str().unwrap()),
            ],
        )
    };
    // New branch: only its own commits, not main's history (which has a mention).
    let (code, out, err) = push(ZERO, &f2, "refs/heads/feature", false);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("checking 2 commits"), "{err}");
    // An existing branch: before..after.
    let (code, _, err) = push(&f1, &f2, "refs/heads/feature", false);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("checking 1 commit"), "{err}");
    // A deleted branch: nothing to check.
    let (code, _, err) = push(&f2, ZERO, "refs/heads/feature", false);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("checking 0 commits"), "{err}");
    // A force push whose old tip is gone: as a new branch.
    let gone = "1234567890123456789012345678901234567890";
    let (code, _, err) = push(gone, &f2, "refs/heads/feature", true);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("checking 2 commits"), "{err}");
    // ... but without `forced` a missing `before` is an error.
    let (code, _, err) = push(gone, &f2, "refs/heads/feature", false);
    assert_eq!(code, 2, "{err}");
    // An embargoed commit on the new branch fails, and so does the branch name.
    let f3 = commit(&sb, &clone, "Ratchet header replay");
    sb.git_ok(
        &clone,
        &["update-ref", "refs/remotes/origin/feature", "HEAD"],
    );
    let (code, out, err) = push(ZERO, &f3, "refs/heads/feature", false);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(short(&f3)), "{out}");
    let (code, out, _) = push(&f2, &f2, "refs/heads/fix-chunk-digest", false);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("ref name refs/heads/fix-chunk-digest"),
        "{out}"
    );
}

#[test]
fn gitlab_merge_request_variables() {
    let pr = pull_request_repo();
    let run = |title: &str, description: &str, branch: &str| {
        embargo(
            &pr.sb,
            &pr.repo,
            &["check"],
            &[
                ("GITLAB_CI", "true"),
                ("CI_PIPELINE_SOURCE", "merge_request_event"),
                ("CI_MERGE_REQUEST_IID", "9"),
                ("CI_MERGE_REQUEST_DIFF_BASE_SHA", pr.merge_base.as_str()),
                ("CI_COMMIT_SHA", pr.head.as_str()),
                ("CI_MERGE_REQUEST_TITLE", title),
                ("CI_MERGE_REQUEST_DESCRIPTION", description),
                ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", branch),
            ],
        )
    };
    let (code, out, err) = run("Parser cleanup", "Refactors.", "topic");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("GitLab merge request !9: checking 2 commits"),
        "{err}"
    );
    for (title, description, branch, field) in [
        ("Fix the chunk digest", "", "topic", "merge request title"),
        (
            "Parser cleanup",
            "Fixes CVE-2026-42210",
            "topic",
            "merge request description",
        ),
        (
            "Parser cleanup",
            "",
            "sx-2026-011",
            "merge request source branch",
        ),
    ] {
        let (code, out, err) = run(title, description, branch);
        assert_eq!(code, 1, "{field}: {out}{err}");
        assert!(out.contains(field), "{field}: {out}");
    }
}

#[test]
fn without_revisions_outside_ci_it_asks_for_them() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let (code, out, err) = check(&sb, &repo, &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("give the revisions"), "{err}");
    let (code, _, err) = embargo(
        &sb,
        &repo,
        &["check"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "workflow_dispatch"),
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("workflow_dispatch") && err.contains("give the revisions"),
        "{err}"
    );
    let (code, _, err) = embargo(
        &sb,
        &repo,
        &["check"],
        &[("GITLAB_CI", "true"), ("CI_PIPELINE_SOURCE", "push")],
    );
    assert_eq!(code, 2);
    assert!(err.contains("not a merge request pipeline"), "{err}");
}

#[test]
fn a_shallow_clone_missing_part_of_the_range_exits_2_with_the_fix() {
    let sb = Sandbox::new();
    let origin = sb.repo("origin");
    let c1 = commit(&sb, &origin, "One");
    commit(&sb, &origin, "Two");
    let c3 = commit(&sb, &origin, "Three");
    let url = format!("file://{}", origin.display());
    sb.git_ok(sb.path(), &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let shallow = sb.path().join("shallow");
    let fixes = ["fetch-depth: 0", "GIT_DEPTH: 0", "git fetch --unshallow"];
    for args in [
        vec![format!("{c1}..{c3}")],
        vec!["HEAD".to_string()],
        vec!["--all".to_string()],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = check(&sb, &shallow, &args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        for fix in fixes {
            assert!(err.contains(fix), "{args:?}: {err}");
        }
    }
    // The same in CI, from a pull request event.
    let path = sb.path().join("event.json");
    let payload = serde_json::json!({"pull_request": {"number": 1, "title": "t", "body": null,
        "base": {"sha": c1, "ref": "main"}, "head": {"sha": c3, "ref": "topic"}}});
    std::fs::write(&path, payload.to_string()).unwrap();
    let (code, _, err) = embargo(
        &sb,
        &shallow,
        &["check"],
        &[
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_EVENT_PATH", path.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
    // A shallow clone that has the whole range is fine.
    sb.git_ok(sb.path(), &["clone", "-q", "--depth", "2", &url, "two"]);
    let (code, out, err) = check(&sb, &sb.path().join("two"), &["HEAD~1..HEAD"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 commit checked"), "{out}");
}

#[test]
fn the_registry_comes_from_the_ci_secret_and_a_fork_without_it_fails_clearly() {
    let pr = pull_request_repo();
    pr.sb.git_ok(&pr.repo, &["checkout", "-q", "topic"]);
    let head = commit(&pr.sb, &pr.repo, "fix mkterm alphaqz");
    let pr = PullRequest { head, ..pr };
    let secret = marker_registry_json();
    let run = |head_repo: &str, secret: &str| {
        let event = pr.event("Parser cleanup", None, "topic", head_repo);
        let mut cmd = pr.sb.embargo();
        cmd.current_dir(&pr.repo)
            .arg("check")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("EMBARGO_REGISTRY_JSON", secret);
        run_with_stdin(&mut cmd, b"")
    };
    let (code, out, err) = run("acme/widgets", &secret);
    assert_eq!(code, 1, "{out}{err}");
    assert_no_leak(&format!("{out}{err}"), "fix mkterm alphaqz");

    // A pull request from a fork gets no secrets: the check fails, saying why.
    let (code, out, err) = run("someone/widgets", "");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("fork someone/widgets"), "{err}");
    assert!(err.contains("no secrets"), "{err}");
    assert!(err.contains("EMBARGO_REGISTRY_JSON"), "{err}");
    assert!(err.contains("fails rather than pass"), "{err}");
    assert!(out.is_empty(), "{out}");
}

/// 1200 commits on branch `bulk`, made with fast-import.
fn bulk_repo(sb: &Sandbox) -> PathBuf {
    let repo = sb.repo("bulk");
    let mut stream = String::new();
    for i in 0..1200 {
        let message = format!("Change number {i}\n");
        stream.push_str(&format!(
            "commit refs/heads/bulk\ncommitter C <c@example.com> {} +0000\ndata {}\n{message}\n",
            1_790_000_000 + i,
            message.len()
        ));
    }
    let (code, _, err) = run_with_stdin(
        sb.command("git")
            .current_dir(&repo)
            .args(["fast-import", "--quiet"]),
        stream.as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    repo
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let sb = Sandbox::new();
    let repo = bulk_repo(&sb);
    let (code, out, err) = check(&sb, &repo, &["bulk"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1200 commits checked"), "{out}");
    assert!(
        !err.contains("checking commits") && !err.contains('\r'),
        "{err:?}"
    );
}

#[test]
fn a_progress_bar_on_a_terminal_for_long_scans() {
    let Some(script) = require_tool("script") else {
        return;
    };
    let sb = Sandbox::new();
    let repo = bulk_repo(&sb);
    // util-linux `script` runs the command on a pseudo-terminal.
    let on_terminal = |revisions: &str| {
        let line = format!("'{}' check {revisions}", embargo_bin().display());
        let out = sb
            .command(&script)
            .current_dir(&repo)
            .env("EMBARGO_REGISTRY", example_registry())
            .env("TERM", "xterm")
            .env("SHELL", "/bin/sh")
            .args(["-qec", &line, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{text}");
        text
    };
    // A range is listed before it is read: a bar with the total.
    let text = on_terminal("bulk~1100..bulk");
    assert!(text.contains("embargo: checking commits"), "{text:?}");
    assert!(text.contains("/1100 ["), "{text:?}");
    assert!(text.contains("1100 commits checked"), "{text:?}");
    // A whole history is counted as the walk finds it.
    let text = on_terminal("bulk");
    assert!(text.contains("embargo: checking commits 1"), "{text:?}");
    assert!(!text.contains("/1200 ["), "{text:?}");
    assert!(text.contains("1200 commits checked"), "{text:?}");
}

#[test]
fn a_whole_history_is_read_from_packs_deltas_and_loose_objects_alike() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // Similar messages, so that `repack -f` with a deep window stores commits as deltas.
    let mut bad = String::new();
    for i in 0..60 {
        let message =
            format!("Tidy the parser, step {i}\n\nThe parser keeps its state in one place now.");
        commit(&sb, &repo, &message);
        if i == 30 {
            bad = commit(
                &sb,
                &repo,
                "Tidy the parser, step 30b\n\nThe parser checks the chunk digest now.",
            );
        }
    }
    sb.git_ok(&repo, &["repack", "-adfq", "--window=250", "--depth=250"]);
    // Loose commits on top of the pack.
    commit(&sb, &repo, "Tidy the lexer");
    let total: usize = sb
        .git_ok(&repo, &["rev-list", "--all", "--count"])
        .trim()
        .parse()
        .unwrap();
    let (code, out, err) = check(&sb, &repo, &["--all"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(short(&bad)), "{out}");
    assert!(
        out.contains(&format!("in {total} commits checked")),
        "{out}"
    );
}

#[test]
fn a_damaged_pack_is_an_error_naming_the_commit_not_a_pass() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    for i in 0..30 {
        commit(&sb, &repo, &format!("Commit {i} with a few words"));
    }
    sb.git_ok(&repo, &["repack", "-adq"]);
    let pack = std::fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&pack, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut data = std::fs::read(&pack).unwrap();
    let end = data.len() - 40;
    for i in (200..end).step_by(97) {
        data[i] ^= 0x5a;
    }
    std::fs::write(&pack, data).unwrap();
    let (code, out, err) = check(&sb, &repo, &["--all"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("cannot read commit "), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// Git errors in the user's words, not libgit2's (`class=Repository (6); code=NotFound`).
#[test]
fn outside_a_repository_the_error_says_so_in_git_words() {
    let sb = Sandbox::new();
    let dir = sb.path().join("not-a-repo");
    std::fs::create_dir(&dir).unwrap();
    let mut cmd = sb.embargo();
    cmd.current_dir(&dir)
        .env("GIT_CEILING_DIRECTORIES", sb.path())
        .env("EMBARGO_REGISTRY", example_registry())
        .arg("check");
    let (code, out, err) = text(&cmd.output().unwrap());
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(
        err,
        format!(
            "embargo: error: `embargo check` must run inside a git repository (or with GIT_DIR \
             set): not a git repository (or any parent): {}\n",
            dir.display()
        )
    );
}

#[test]
fn a_repository_of_another_user_is_named_with_the_way_out() {
    let Some(account) = second_account("a repository another account owns") else {
        return;
    };
    let sb = Sandbox::new();
    std::fs::set_permissions(
        sb.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let repo = sb.repo("r");
    let (code, out, err) = text(
        &account
            .command(&sb, embargo_bin())
            .current_dir(&repo)
            .env("EMBARGO_REGISTRY", example_registry())
            .env("HOME", "/dev/null/home")
            .arg("check")
            .arg("HEAD")
            .output()
            .unwrap(),
    );
    assert_eq!(code, 2, "{out}{err}");
    let repo = repo.display();
    assert!(
        err.contains(&format!(
            "the repository {repo} belongs to another user, so git does not trust it; if it \
             is yours to use, run: git config --global --add safe.directory {repo}\n"
        )),
        "{err}"
    );
    assert!(!err.contains("class="), "{err}");
}
