//! The pre-commit hook (`.pre-commit-hooks.yaml`, `language: rust`) through the real
//! `pre-commit` tool from PyPI: pre-commit clones this project (its working tree, as a
//! commit of a temporary repository), builds it with cargo, and runs `embargo commit-msg`
//! as the commit-msg hook of another temporary repository.
//!
//! The first run builds embargo in release mode (a few minutes); the build directory is
//! kept in `target/pre-commit-hook` so later runs reuse it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

/// A git repository holding the project's working tree (tracked and untracked files that
/// are not ignored) as one commit; returns its path and the commit id.
fn snapshot_of_the_project(sb: &Sandbox) -> (PathBuf, String) {
    let root = project_root();
    let listing = sb.git_ok(
        &root,
        &[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ],
    );
    let dest = sb.path().join("embargo-src");
    for name in listing.split('\0').filter(|n| !n.is_empty()) {
        let from = root.join(name);
        if !from.is_file() {
            continue; // deleted in the working tree, or a submodule
        }
        let to = dest.join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    assert!(dest.join(".pre-commit-hooks.yaml").is_file());
    sb.git_ok(&dest, &["init", "-q", "-b", "main"]);
    sb.git_ok(&dest, &["add", "-A"]);
    sb.git_ok(&dest, &["commit", "-q", "-m", "snapshot"]);
    let rev = sb.git_ok(&dest, &["rev-parse", "HEAD"]).trim().to_string();
    (dest, rev)
}

/// The real toolchain locations: the sandbox has its own HOME, where rustup and cargo
/// would find nothing.
fn toolchain_env(cmd: &mut Command) {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".cargo")));
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".rustup")));
    if let Some(p) = cargo_home {
        cmd.env("CARGO_HOME", p);
    }
    if let Some(p) = rustup_home {
        cmd.env("RUSTUP_HOME", p);
    }
    cmd.env(
        "CARGO_TARGET_DIR",
        project_root().join("target").join("pre-commit-hook"),
    )
    // A quicker build than the release profile's: this tests the hook, not speed.
    .env("CARGO_PROFILE_RELEASE_LTO", "false")
    .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
    .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
    .env("CARGO_TERM_PROGRESS_WHEN", "never");
}

fn run(sb: &Sandbox, dir: &Path, program: &Path, args: &[&str]) -> Output {
    let mut cmd = sb.command(program);
    cmd.current_dir(dir)
        .args(args)
        .env("PRE_COMMIT_HOME", sb.path().join("pre-commit-home"))
        .env("EMBARGO_REGISTRY", example_registry());
    toolchain_env(&mut cmd);
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_pre_commit_hook_refuses_an_embargoed_commit_message() {
    let Some(pre_commit) = require_tool("pre-commit") else {
        return;
    };
    // pre-commit builds the hook with cargo (`language: rust`).
    if require_tool("cargo").is_none() {
        return;
    }
    let sb = Sandbox::new();
    let (source, rev) = snapshot_of_the_project(&sb);
    let repo = sb.repo("work");
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: {}\n  rev: {rev}\n  hooks:\n  - id: embargo\n",
            source.display()
        ),
    )
    .unwrap();
    let out = run(
        &sb,
        &repo,
        &pre_commit,
        &["install", "--hook-type", "commit-msg"],
    );
    assert!(out.status.success(), "pre-commit install:\n{}", text(&out));
    assert!(repo.join(".git/hooks/commit-msg").is_file());
    sb.git_ok(&repo, &["add", ".pre-commit-config.yaml"]);

    let git = Path::new("git");
    // A benign message goes through (and, the first time, pre-commit builds embargo).
    let out = run(
        &sb,
        &repo,
        git,
        &["commit", "-q", "-m", "Add the pre-commit config"],
    );
    assert!(
        out.status.success(),
        "benign commit refused:\n{}",
        text(&out)
    );
    let before = sb.git_ok(&repo, &["rev-parse", "HEAD"]);

    // An embargoed one is refused, with embargo's finding shown.
    let out = run(
        &sb,
        &repo,
        git,
        &[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "Fix the chunk digest comparison",
        ],
    );
    let shown = text(&out);
    assert!(!out.status.success(), "embargoed commit accepted:\n{shown}");
    assert!(shown.contains("embargo (commit message)"), "{shown}");
    assert!(
        shown.contains("mention of an embargoed security issue"),
        "{shown}"
    );
    assert_eq!(
        sb.git_ok(&repo, &["rev-parse", "HEAD"]),
        before,
        "a commit was made"
    );
    assert!(!shown.contains("SX-2026-014"), "{shown}");
}
