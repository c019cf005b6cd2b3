//! git configuration read as git reads it (contract §3, issue 15): `git -c`,
//! `--config-env` and `GIT_CONFIG_COUNT`, includes and `includeIf`, precedence, and one
//! rule for relative paths (the repository's git directory, from any directory), with
//! real `git commit` running the commit-msg hook.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const MENTION: &str = "Fix MKID-4417 in the parser";
const BENIGN: &str = "Tidy the parser";

struct Repo {
    sb: Sandbox,
    repo: PathBuf,
    registry: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let sb = Sandbox::new();
        let repo = sb.repo("work");
        install_commit_msg_hook(&repo);
        let registry = sb.path().join("registry.json");
        std::fs::write(&registry, marker_registry_json()).unwrap();
        Repo { sb, repo, registry }
    }

    fn reg(&self) -> &str {
        self.registry.to_str().unwrap()
    }

    /// `git GLOBAL... commit -m MESSAGE` in `dir`, with the hook finding the binary.
    fn commit_cmd(&self, dir: &Path, global: &[&str], message: &str) -> Command {
        let mut cmd = self.sb.command("git");
        cmd.current_dir(dir)
            .env("EMBARGO_BIN", embargo_bin())
            .args(global)
            .args(["commit", "-q", "--allow-empty", "-m", message]);
        cmd
    }

    /// Runs it: `Ok(())` when the commit was made, else `Err(stderr)`.
    fn commit_in(&self, dir: &Path, global: &[&str], message: &str) -> Result<(), String> {
        self.run(&mut self.commit_cmd(dir, global, message))
    }

    fn commit(&self, global: &[&str], message: &str) -> Result<(), String> {
        self.commit_in(&self.repo, global, message)
    }

    fn run(&self, cmd: &mut Command) -> Result<(), String> {
        let before = self.sb.git_ok(&self.repo, &["rev-parse", "HEAD"]);
        let (code, _, err) = text(&cmd.output().unwrap());
        let after = self.sb.git_ok(&self.repo, &["rev-parse", "HEAD"]);
        if after != before {
            assert_eq!(code, 0, "{err}");
            Ok(())
        } else {
            assert_ne!(code, 0, "{err}");
            Err(err)
        }
    }

    fn config(&self, kv: &[&str]) {
        let mut args = vec!["config"];
        args.extend_from_slice(kv);
        self.sb.git_ok(&self.repo, &args);
    }
}

/// The hook refused because the message mentions the issue (the registry was read),
/// not because of an error.
fn blocked(result: Result<(), String>) {
    let err = result.expect_err("the mention was let through");
    assert!(
        !err.contains("embargo: error"),
        "refused by an error:\n{err}"
    );
}

#[test]
fn command_line_config_wins_and_a_missing_registry_refuses() {
    let r = Repo::new();
    r.config(&["embargo.registry", r.reg()]);
    r.commit(&[], BENIGN).unwrap();
    let err = r
        .commit(
            &["-c", "embargo.registry=/nonexistent/registry.json"],
            BENIGN,
        )
        .unwrap_err();
    assert!(err.contains("embargo: error"), "{err}");
    assert!(err.contains("/nonexistent/registry.json"), "{err}");

    r.config(&["embargo.registry", "/nonexistent/registry.json"]);
    assert!(r.commit(&[], BENIGN).is_err());
    let by_c = format!("embargo.registry={}", r.reg());
    r.commit(&["-c", &by_c], BENIGN).unwrap();
    blocked(r.commit(&["-c", &by_c], MENTION));
}

#[test]
fn config_env_and_git_config_count_are_read() {
    let r = Repo::new();
    r.config(&["embargo.registry", "/nonexistent/registry.json"]);
    let mut cmd = r.commit_cmd(&r.repo, &["--config-env=embargo.registry=REG"], BENIGN);
    r.run(cmd.env("REG", r.reg())).unwrap();
    let mut cmd = r.commit_cmd(&r.repo, &["--config-env=embargo.registry=REG"], MENTION);
    blocked(r.run(cmd.env("REG", r.reg())));

    let mut cmd = r.commit_cmd(&r.repo, &[], BENIGN);
    cmd.env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "embargo.registry")
        .env("GIT_CONFIG_VALUE_0", r.reg());
    r.run(&mut cmd).unwrap();
    // `-c` comes after GIT_CONFIG_COUNT in git's order, so it wins.
    let mut cmd = r.commit_cmd(
        &r.repo,
        &["-c", "embargo.registry=/nonexistent/c.json"],
        BENIGN,
    );
    cmd.env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "embargo.registry")
        .env("GIT_CONFIG_VALUE_0", r.reg());
    let err = r.run(&mut cmd).unwrap_err();
    assert!(err.contains("/nonexistent/c.json"), "{err}");
}

#[test]
fn includes_and_every_include_if_are_followed() {
    let r = Repo::new();
    r.config(&["remote.origin.url", "https://example.com/team/app.git"]);
    let included = r.sb.path().join("included.config");
    std::fs::write(&included, format!("[embargo]\n\tregistry = {}\n", r.reg())).unwrap();
    for header in [
        "[include]",
        "[includeIf \"gitdir:/\"]",
        "[includeIf \"onbranch:main\"]",
        "[includeIf \"hasconfig:remote.*.url:https://example.com/**\"]",
    ] {
        std::fs::write(
            r.sb.home().join(".gitconfig"),
            format!("{header}\n\tpath = {}\n", included.display()),
        )
        .unwrap();
        r.commit(&[], BENIGN)
            .unwrap_or_else(|e| panic!("{header}: registry not found:\n{e}"));
        blocked(r.commit(&[], MENTION));
    }
    // A condition that does not hold includes nothing: no registry, refused.
    std::fs::write(
        r.sb.home().join(".gitconfig"),
        format!(
            "[includeIf \"onbranch:other\"]\n\tpath = {}\n",
            included.display()
        ),
    )
    .unwrap();
    let err = r.commit(&[], BENIGN).unwrap_err();
    assert!(err.contains("no registry found"), "{err}");
}

#[test]
fn a_relative_registry_path_is_taken_from_the_git_directory_from_anywhere() {
    let r = Repo::new();
    std::fs::copy(&r.registry, r.repo.join(".git/registry.json")).unwrap();
    // A file of that name in the work tree is never read.
    std::fs::write(r.repo.join("registry.json"), "{}").unwrap();
    let sub = r.repo.join("sub/dir");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("registry.json"), "{}").unwrap();

    r.config(&["embargo.registry", "registry.json"]);
    for dir in [&r.repo, &sub] {
        r.commit_in(dir, &[], BENIGN).unwrap();
        blocked(r.commit_in(dir, &[], MENTION));
    }
    // The same rule for `-c` and for the global file.
    r.config(&["--unset", "embargo.registry"]);
    for dir in [&r.repo, &sub] {
        r.commit_in(dir, &["-c", "embargo.registry=registry.json"], BENIGN)
            .unwrap();
    }
    std::fs::write(
        r.sb.home().join(".gitconfig"),
        "[embargo]\n\tregistry = registry.json\n",
    )
    .unwrap();
    blocked(r.commit_in(&sub, &[], MENTION));
}

#[test]
fn without_git_commit_above_the_hook_checks_every_message_git_may_record() {
    let r = Repo::new();
    r.config(&["embargo.registry", r.reg()]);
    let message = format!("{BENIGN}\n# {}\n", "MKID-4417 noted");
    // Under `git commit` with an editor, git strips the comment line: no mention.
    let file = r.sb.path().join("message");
    std::fs::write(&file, &message).unwrap();
    let mut cmd = r.sb.command("git");
    cmd.current_dir(&r.repo)
        .env("EMBARGO_BIN", embargo_bin())
        .env("GIT_EDITOR", "true")
        .args(["commit", "-q", "--allow-empty", "-e", "-F"])
        .arg(&file);
    r.run(&mut cmd).unwrap();
    // Run by hand, nothing says what git will do: the comment line may be kept.
    let (code, _, err) = run_with_stdin(
        r.sb.embargo()
            .current_dir(&r.repo)
            .env_remove("GIT_EDITOR")
            .args(["commit-msg", "-"]),
        message.as_bytes(),
    );
    assert_eq!(code, 1, "{err}");
}
