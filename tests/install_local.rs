//! `install.sh --repo` and the commit-msg hook it installs, exercised with real
//! `git commit`: the hook finds the binary through the prefix recorded at install time
//! (no `EMBARGO_BIN`, and no `embargo` on `PATH`).

mod common;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const EMBARGOED: &str = "Fix ratchet header replay";

/// A sandbox with a repository configured to use the example registry, and an install
/// prefix inside the sandbox.
struct Setup {
    sb: Sandbox,
    repo: PathBuf,
    prefix: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let sb = Sandbox::new();
        let repo = sb.repo("work");
        let registry = example_registry();
        sb.git_ok(
            &repo,
            &["config", "embargo.registry", registry.to_str().unwrap()],
        );
        let prefix = sb.path().join("prefix");
        Setup { sb, repo, prefix }
    }

    fn installed_bin(&self) -> PathBuf {
        self.prefix.join("bin/embargo")
    }

    fn hook(&self) -> PathBuf {
        self.repo.join(".git/hooks/commit-msg")
    }

    /// `sh install.sh ARGS --binary <embargo under test> --prefix <prefix>`, run from the
    /// sandbox directory (not the repository).
    fn install(&self, args: &[&str]) -> (i32, String, String) {
        run_install(&self.sb, &self.prefix, args)
    }

    fn install_ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.install(args);
        assert_eq!(code, 0, "install.sh {args:?} failed:\n{out}\n{err}");
        out
    }

    fn install_repo(&self) -> String {
        self.install_ok(&["--repo", self.repo.to_str().unwrap()])
    }

    /// git in the repository, with `PATH` holding no `embargo`.
    fn git_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.sb.command("git");
        cmd.current_dir(&self.repo)
            .env("PATH", path_without_embargo())
            .args(args);
        cmd
    }

    fn git(&self, args: &[&str]) -> (i32, String, String) {
        text(&self.git_cmd(args).output().unwrap())
    }

    fn git_ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.git(args);
        assert_eq!(code, 0, "git {args:?} failed:\n{out}\n{err}");
        out
    }

    /// git with an editor script.
    fn git_with_editor(&self, editor: &Path, args: &[&str]) -> (i32, String, String) {
        let mut cmd = self.git_cmd(args);
        cmd.env("GIT_EDITOR", editor);
        text(&cmd.output().unwrap())
    }

    fn count(&self) -> u32 {
        self.git_ok(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }

    fn head(&self) -> String {
        self.git_ok(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn last_message(&self) -> String {
        self.git_ok(&["log", "-1", "--format=%B"])
    }

    /// Commits (allowing an empty change) and asserts it was recorded.
    fn commit_recorded(&self, args: &[&str]) {
        let before = self.count();
        let mut all = vec!["commit", "--allow-empty"];
        all.extend_from_slice(args);
        let (code, out, err) = self.git(&all);
        assert_eq!(code, 0, "commit {args:?} was refused:\n{out}\n{err}");
        assert_eq!(self.count(), before + 1);
    }

    /// Commits and asserts it was refused by embargo, no commit created; returns stderr.
    fn commit_refused(&self, args: &[&str]) -> String {
        let before = self.count();
        let head = self.head();
        let mut all = vec!["commit", "--allow-empty"];
        all.extend_from_slice(args);
        let (code, out, err) = self.git(&all);
        assert_ne!(code, 0, "commit {args:?} was recorded:\n{out}\n{err}");
        assert_eq!(self.count(), before, "a commit was created");
        assert_eq!(self.head(), head);
        err
    }

    fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.sb.path().join("scripts").join(name);
        write_script(&path, body);
        path
    }
}

fn assert_embargo_finding(stderr: &str) {
    assert!(
        stderr.contains("embargoed") && stderr.contains("critical"),
        "stderr does not show the finding:\n{stderr}"
    );
}

#[test]
fn install_puts_binary_and_hook_in_place_recording_the_prefix() {
    let s = Setup::new();
    let out = s.install_repo();
    assert!(out.contains("installed: binary"), "{out}");
    assert!(out.contains("installed: commit-msg hook"), "{out}");
    assert_eq!(
        std::fs::read(s.installed_bin()).unwrap(),
        std::fs::read(embargo_bin()).unwrap()
    );
    let hook = std::fs::read_to_string(s.hook()).unwrap();
    assert!(hook.starts_with("#!/bin/sh\n"));
    assert!(hook.contains("# embargo-hook-marker:"));
    let recorded = format!("EMBARGO_PREFIX_BIN='{}'\n", s.installed_bin().display());
    assert!(hook.contains(&recorded), "{hook}");
    assert!(hook.contains("EMBARGO_CHAINED=''\n"));
    let mode = std::fs::metadata(s.hook()).unwrap().permissions().mode();
    assert_eq!(mode & 0o111, 0o111, "hook is not executable");
}

#[test]
fn benign_commit_recorded_embargoed_refused_low_recorded() {
    let s = Setup::new();
    s.install_repo();

    s.commit_recorded(&["-m", "Tidy the parser"]);

    let err = s.commit_refused(&["-m", EMBARGOED]);
    assert_embargo_finding(&err);
    assert!(err.contains("ratchet header replay"), "{err}");
    assert!(
        err.contains("ask the security team"),
        "policy.help missing:\n{err}"
    );
    // Nothing from the registry the message did not say itself.
    assert!(!err.contains("SX-2026-011"), "{err}");

    s.commit_recorded(&["-m", "Reduce verbose log noise"]);
    assert_eq!(s.last_message().trim(), "Reduce verbose log noise");
}

#[test]
fn verbose_commit_with_embargoed_id_only_in_the_diff_is_recorded() {
    let s = Setup::new();
    s.install_repo();
    // The id is in a line the commit removes: in the `commit -v` diff, and not in what
    // the commit adds, which the hook checks too (§11).
    std::fs::write(
        s.repo.join("notes.txt"),
        "Regression test for SX-2026-011 (ratchet header replay).\n",
    )
    .unwrap();
    s.git_ok(&["add", "notes.txt"]);
    s.git_ok(&["commit", "-q", "--no-verify", "-m", "Add notes"]);
    std::fs::write(s.repo.join("notes.txt"), "Parser notes.\n").unwrap();
    s.git_ok(&["add", "notes.txt"]);

    // Control: the hook does check messages written in the editor of `commit -v`.
    let bad = s.script(
        "prepend-embargoed",
        "#!/bin/sh\n{ printf 'Fix ratchet header replay\\n'; cat \"$1\"; } >\"$1.new\" && mv \"$1.new\" \"$1\"\n",
    );
    let before = s.count();
    let (code, _, err) = s.git_with_editor(&bad, &["commit", "-v"]);
    assert_ne!(code, 0, "{err}");
    assert_eq!(s.count(), before);
    assert_embargo_finding(&err);

    // The id is below the scissors line only: git cuts it off, so does embargo.
    let seen = s.sb.path().join("seen-by-editor");
    let good = s.script(
        "prepend-benign",
        &format!(
            "#!/bin/sh\ncp \"$1\" '{}'\n{{ printf 'Add parser notes\\n'; cat \"$1\"; }} >\"$1.new\" && mv \"$1.new\" \"$1\"\n",
            seen.display()
        ),
    );
    let (code, out, err) = s.git_with_editor(&good, &["commit", "-v"]);
    assert_eq!(code, 0, "commit -v was refused:\n{out}\n{err}");
    assert_eq!(s.count(), before + 1);
    assert_eq!(s.last_message().trim(), "Add parser notes");
    let seen = std::fs::read_to_string(&seen).unwrap();
    assert!(
        seen.contains(" >8 ") && seen.contains("-Regression test for SX-2026-011"),
        "{seen}"
    );
}

#[test]
fn comment_char_auto_comment_line_git_strips_is_not_checked() {
    let s = Setup::new();
    s.install_repo();
    s.git_ok(&["config", "core.commentChar", "auto"]);
    let chosen = s.sb.path().join("chosen-comment-char");
    // Appends a line starting with the comment character git chose (read from its
    // hint line), containing an embargoed term.
    let editor = s.script(
        "append-comment",
        &format!(
            "#!/bin/sh\nc=$(sed -n 's/^\\(.\\) Please enter the commit message.*/\\1/p' \"$1\" | head -n 1)\n\
             printf '%s' \"$c\" >'{}'\nprintf '%s ratchet header replay\\n' \"$c\" >>\"$1\"\n",
            chosen.display()
        ),
    );
    // `#42` starts a line of the message, so `auto` picks another character.
    let before = s.count();
    let (code, out, err) = s.git_with_editor(
        &editor,
        &["commit", "--allow-empty", "-e", "-m", "#42 Tidy the parser"],
    );
    assert_eq!(code, 0, "commit was refused:\n{out}\n{err}");
    assert_eq!(s.count(), before + 1);
    let c = std::fs::read_to_string(&chosen).unwrap();
    assert!(!c.is_empty() && c != "#", "git chose {c:?}");
    assert_eq!(s.last_message().trim(), "#42 Tidy the parser");

    // Control: the same term on a line git keeps is refused.
    let keeps = s.script(
        "append-plain",
        "#!/bin/sh\nprintf 'Also ratchet header replay\\n' >>\"$1\"\n",
    );
    let (code, _, err) = s.git_with_editor(
        &keeps,
        &["commit", "--allow-empty", "-e", "-m", "#43 Tidy more"],
    );
    assert_ne!(code, 0, "{err}");
    assert_eq!(s.count(), before + 1);
    assert_embargo_finding(&err);
}

#[test]
fn hash_line_kept_by_git_without_an_editor_is_refused() {
    let s = Setup::new();
    s.install_repo();
    // With -m and the default cleanup git keeps `#` lines: they are the message.
    let err = s.commit_refused(&["-m", "#ratchet header replay"]);
    assert_embargo_finding(&err);
    let err = s.commit_refused(&["-m", "Tidy\n\n# ratchet header replay"]);
    assert_embargo_finding(&err);
}

#[test]
fn verbatim_cleanup_keeps_comment_lines_and_they_are_checked() {
    let s = Setup::new();
    s.install_repo();
    s.git_ok(&["config", "commit.cleanup", "verbatim"]);
    let editor = s.script(
        "prepend-comment",
        "#!/bin/sh\n{ printf 'Tidy the parser\\n# ratchet header replay\\n'; cat \"$1\"; } >\"$1.new\" && mv \"$1.new\" \"$1\"\n",
    );
    let before = s.count();
    let (code, _, err) = s.git_with_editor(&editor, &["commit", "--allow-empty"]);
    assert_ne!(code, 0, "{err}");
    assert_eq!(s.count(), before);
    assert_embargo_finding(&err);
}

#[test]
fn amend_to_an_embargoed_message_is_refused_and_head_unchanged() {
    let s = Setup::new();
    s.install_repo();
    s.commit_recorded(&["-m", "Tidy the parser"]);
    let head = s.head();
    let (code, _, err) = s.git(&["commit", "--amend", "--allow-empty", "-m", EMBARGOED]);
    assert_ne!(code, 0, "{err}");
    assert_embargo_finding(&err);
    assert_eq!(s.head(), head, "HEAD moved");
    assert_eq!(s.last_message().trim(), "Tidy the parser");
}

#[test]
fn merge_no_ff_with_an_embargoed_message_is_refused() {
    let s = Setup::new();
    s.install_repo();
    s.git_ok(&["checkout", "-q", "-b", "topic"]);
    std::fs::write(s.repo.join("topic.txt"), "topic\n").unwrap();
    s.git_ok(&["add", "topic.txt"]);
    s.git_ok(&["commit", "-q", "-m", "Topic work"]);
    s.git_ok(&["checkout", "-q", "main"]);
    let head = s.head();

    let (code, _, err) = s.git(&[
        "merge",
        "--no-ff",
        "-m",
        "Merge ratchet header replay fix",
        "topic",
    ]);
    assert_ne!(code, 0, "merge was recorded:\n{err}");
    assert_embargo_finding(&err);
    assert_eq!(s.head(), head, "HEAD moved");
    s.git_ok(&["merge", "--abort"]);

    let (code, _, err) = s.git(&["merge", "--no-ff", "-m", "Merge topic", "topic"]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(s.head(), head);
}

#[test]
fn relative_hooks_path_is_honoured() {
    let s = Setup::new();
    s.git_ok(&["config", "core.hooksPath", ".githooks"]);
    // install.sh runs from the sandbox: the relative path is the work tree's.
    let (code, out, err) = s.install(&["--repo", s.repo.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("core.hooksPath"),
        "no note about core.hooksPath:\n{err}"
    );
    let hook = s.repo.join(".githooks/commit-msg");
    assert!(hook.is_file(), "{out}");
    assert!(!s.hook().exists());
    assert!(out.contains(hook.to_str().unwrap()), "{out}");

    let err = s.commit_refused(&["-m", EMBARGOED]);
    assert_embargo_finding(&err);
    s.commit_recorded(&["-m", "Tidy the parser"]);
}

/// An existing hook that logs its argument, and fails on messages containing `WIP`.
fn existing_hook(log: &Path) -> String {
    format!(
        "#!/bin/sh\necho \"old $1\" >>'{}'\nif grep -q WIP \"$1\"; then echo 'old hook: no WIP commits' >&2; exit 1; fi\n",
        log.display()
    )
}

#[test]
fn existing_hook_is_chained_and_runs_first() {
    let s = Setup::new();
    let log = s.sb.path().join("old-hook.log");
    let original = existing_hook(&log);
    write_script(&s.hook(), &original);

    let out = s.install_repo();
    assert!(out.contains("kept: existing commit-msg hook"), "{out}");
    let kept = s.repo.join(".git/hooks/commit-msg.embargo-chained");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), original);
    let hook = std::fs::read_to_string(s.hook()).unwrap();
    assert!(
        hook.contains("EMBARGO_CHAINED='commit-msg.embargo-chained'\n"),
        "{hook}"
    );

    // Both run: the old hook with git's arguments, then embargo.
    s.commit_recorded(&["-m", "Tidy the parser"]);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(logged, "old .git/COMMIT_EDITMSG\n");

    let err = s.commit_refused(&["-m", EMBARGOED]);
    assert_embargo_finding(&err);
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 2);

    // The old hook refuses: so does the commit.
    let err = s.commit_refused(&["-m", "WIP tidy"]);
    assert!(err.contains("old hook: no WIP commits"), "{err}");
    assert!(err.contains("chained commit-msg hook"), "{err}");
}

#[test]
fn missing_chained_hook_refuses_the_commit() {
    let s = Setup::new();
    let log = s.sb.path().join("old-hook.log");
    write_script(&s.hook(), &existing_hook(&log));
    s.install_repo();
    std::fs::remove_file(s.repo.join(".git/hooks/commit-msg.embargo-chained")).unwrap();
    let err = s.commit_refused(&["-m", "Tidy the parser"]);
    assert!(err.contains("is missing"), "{err}");
}

#[test]
fn install_twice_changes_nothing() {
    let s = Setup::new();
    let log = s.sb.path().join("old-hook.log");
    write_script(&s.hook(), &existing_hook(&log));
    s.install_repo();

    let hooks = s.repo.join(".git/hooks");
    let snapshot = || {
        let mut files: Vec<(String, Vec<u8>, u32, std::time::SystemTime)> =
            std::fs::read_dir(&hooks)
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    let meta = e.metadata().unwrap();
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                        meta.permissions().mode(),
                        meta.modified().unwrap(),
                    )
                })
                .collect();
        files.sort();
        files
    };
    let first = snapshot();
    let bin_first = std::fs::metadata(s.installed_bin())
        .unwrap()
        .modified()
        .unwrap();

    let out = s.install_repo();
    assert!(out.contains("unchanged: binary"), "{out}");
    assert!(out.contains("unchanged: commit-msg hook"), "{out}");
    assert!(
        !out.contains("installed:") && !out.contains("kept:"),
        "{out}"
    );
    assert_eq!(
        snapshot(),
        first,
        "the second install changed the hooks directory"
    );
    assert_eq!(
        std::fs::metadata(s.installed_bin())
            .unwrap()
            .modified()
            .unwrap(),
        bin_first
    );
    assert!(!hooks
        .join("commit-msg.embargo-chained.embargo-chained")
        .exists());
}

#[test]
fn uninstall_restores_the_original_hook_exactly() {
    let s = Setup::new();
    let log = s.sb.path().join("old-hook.log");
    let original = existing_hook(&log);
    write_script(&s.hook(), &original);
    std::fs::set_permissions(s.hook(), std::fs::Permissions::from_mode(0o750)).unwrap();
    s.install_repo();

    let out = s.install_ok(&["--uninstall", "--repo", s.repo.to_str().unwrap()]);
    assert!(out.contains("removed: commit-msg hook"), "{out}");
    assert!(out.contains("restored: previous commit-msg hook"), "{out}");
    assert_eq!(std::fs::read_to_string(s.hook()).unwrap(), original);
    let mode = std::fs::metadata(s.hook()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o750);
    assert!(!s
        .repo
        .join(".git/hooks/commit-msg.embargo-chained")
        .exists());
    // The binary stays: other repositories may use it.
    assert!(s.installed_bin().exists());

    // embargo no longer runs; the original hook still does.
    s.commit_recorded(&["-m", EMBARGOED]);
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("old .git/COMMIT_EDITMSG"));

    // Uninstalling again: nothing to do.
    let out = s.install_ok(&["--uninstall", "--repo", s.repo.to_str().unwrap()]);
    assert!(out.contains("not embargo's"), "{out}");
    assert_eq!(std::fs::read_to_string(s.hook()).unwrap(), original);
}

#[test]
fn uninstall_without_a_previous_hook_removes_the_hook_and_then_the_binary() {
    let s = Setup::new();
    s.install_repo();
    s.install_ok(&["--uninstall", "--repo", s.repo.to_str().unwrap()]);
    assert!(!s.hook().exists());
    s.commit_recorded(&["-m", EMBARGOED]);

    let out = s.install_ok(&["--uninstall"]);
    assert!(out.contains("removed: binary"), "{out}");
    assert!(!s.installed_bin().exists());
}

#[test]
fn missing_binary_refuses_with_a_clear_message() {
    let s = Setup::new();
    s.install_repo();
    std::fs::remove_file(s.installed_bin()).unwrap();

    // PATH: a directory holding git only.
    let git = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("git"))
        .find(|g| g.is_file())
        .expect("git on PATH");
    let only_git = s.sb.path().join("only-git");
    std::fs::create_dir_all(&only_git).unwrap();
    std::os::unix::fs::symlink(&git, only_git.join("git")).unwrap();

    let before = s.count();
    let missing = s.sb.path().join("nowhere/embargo");
    let out = s
        .git_cmd(&["commit", "--allow-empty", "-m", "Tidy the parser"])
        .env("PATH", &only_git)
        .env("EMBARGO_BIN", &missing)
        .output()
        .unwrap();
    let (code, _, err) = text(&out);
    assert_ne!(code, 0, "commit was recorded without embargo:\n{err}");
    assert_eq!(s.count(), before);
    assert!(err.contains("embargo: binary not found"), "{err}");
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    assert!(err.contains(s.installed_bin().to_str().unwrap()), "{err}");
    assert!(err.contains("refusing the commit"), "{err}");
}

#[test]
fn hook_looks_at_embargo_bin_then_path_then_the_prefix() {
    let s = Setup::new();
    s.install_repo();
    let log = s.sb.path().join("which.log");
    let fake = |name: &str| {
        s.script(
            &format!("{name}/embargo"),
            &format!("#!/bin/sh\necho \"{name} $*\" >>'{}'\n", log.display()),
        )
    };
    let from_env = fake("env");
    let on_path = fake("path");
    let msg = s.sb.path().join("MSG");
    std::fs::write(&msg, "Tidy\n").unwrap();
    let run = |embargo_bin: Option<&Path>, path: OsString| {
        let mut cmd = s.sb.command(s.hook());
        cmd.current_dir(&s.repo).arg(&msg).env("PATH", path);
        if let Some(b) = embargo_bin {
            cmd.env("EMBARGO_BIN", b);
        }
        text(&cmd.output().unwrap())
    };
    let with_fake_dir = {
        let mut dirs = vec![on_path.parent().unwrap().to_path_buf()];
        dirs.extend(std::env::split_paths(&path_without_embargo()));
        std::env::join_paths(dirs).unwrap()
    };

    let (code, _, err) = run(Some(&from_env), with_fake_dir.clone());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(None, with_fake_dir.clone());
    assert_eq!(code, 0, "{err}");
    // EMBARGO_BIN set but wrong: a warning, then PATH.
    let (code, _, err) = run(Some(&s.sb.path().join("nope")), with_fake_dir);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("EMBARGO_BIN"), "{err}");
    let msg_arg = msg.display().to_string();
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("env commit-msg {msg_arg}\npath commit-msg {msg_arg}\npath commit-msg {msg_arg}\n")
    );

    // Neither: the recorded prefix (the real binary, which checks the message).
    std::fs::write(&msg, format!("{EMBARGOED}\n")).unwrap();
    let (code, _, err) = run(None, path_without_embargo());
    assert_eq!(code, 1, "{err}");
    assert_embargo_finding(&err);

    // The template itself records no prefix and says so.
    let mut cmd = s.sb.command("sh");
    cmd.current_dir(&s.repo)
        .arg(project_root().join("hooks/commit-msg"))
        .arg(&msg)
        .env("PATH", path_without_embargo());
    let (code, _, err) = text(&cmd.output().unwrap());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no install prefix recorded"), "{err}");
}

#[test]
fn install_takes_the_binary_from_embargo_install_from() {
    let s = Setup::new();
    let mut cmd = s.sb.command("sh");
    cmd.current_dir(s.sb.path())
        .env("PATH", path_without_embargo())
        .env("EMBARGO_INSTALL_FROM", embargo_bin())
        .arg(project_root().join("install.sh"))
        .args(["--no-build", "--prefix"])
        .arg(&s.prefix);
    let (code, out, err) = text(&cmd.output().unwrap());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("installed: binary"), "{out}");
    assert!(err.contains("is not on PATH"), "{err}");
    assert!(s.installed_bin().is_file());
    assert!(!s.hook().exists(), "no --repo, no hook");
}

#[test]
fn no_build_without_a_built_binary_is_an_error() {
    let s = Setup::new();
    let empty_target = s.sb.path().join("target");
    let mut cmd = s.sb.command("sh");
    cmd.current_dir(s.sb.path())
        .env("CARGO_TARGET_DIR", &empty_target)
        .env_remove("EMBARGO_INSTALL_FROM")
        .arg(project_root().join("install.sh"))
        .args(["--no-build", "--prefix"])
        .arg(&s.prefix);
    let (code, _, err) = text(&cmd.output().unwrap());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(!s.installed_bin().exists());
}

#[test]
fn install_warns_when_no_registry_is_found() {
    let s = Setup::new();
    s.git_ok(&["config", "--unset", "embargo.registry"]);
    let (code, out, err) = s.install(&["--repo", s.repo.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("no valid registry"), "{err}");
    assert!(err.contains("git config embargo.registry"), "{err}");
    // And the hook then fails closed.
    let err = s.commit_refused(&["-m", "Tidy the parser"]);
    assert!(err.contains("no registry found"), "{err}");
}

#[test]
fn bad_targets_are_errors_and_change_nothing() {
    let s = Setup::new();
    let plain = s.sb.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let bare = s.sb.path().join("bare.git");
    s.sb.git_ok(
        s.sb.path(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    let sub = s.repo.join("src");
    std::fs::create_dir_all(&sub).unwrap();
    let missing = s.sb.path().join("missing");
    let git_dir = s.repo.join(".git");

    let cases: &[(&[&str], &str)] = &[
        (&["--repo", plain.to_str().unwrap()], "not a git repository"),
        (&["--repo", missing.to_str().unwrap()], "no such directory"),
        (&["--repo", bare.to_str().unwrap()], "--server"),
        (
            &["--repo", sub.to_str().unwrap()],
            "not the top of a work tree",
        ),
        (&["--repo", git_dir.to_str().unwrap()], "work tree"),
        (
            &["--server", s.repo.to_str().unwrap()],
            "not a bare repository",
        ),
        (&["--frobnicate"], "unknown argument"),
    ];
    for (args, expected) in cases {
        let (code, out, err) = s.install(args);
        assert_eq!(code, 2, "install.sh {args:?}:\n{out}\n{err}");
        assert!(
            err.contains(expected),
            "install.sh {args:?}: expected {expected:?} in:\n{err}"
        );
        assert_eq!(
            err.lines().count(),
            1,
            "install.sh {args:?}: one line expected:\n{err}"
        );
        assert!(
            !s.installed_bin().exists(),
            "install.sh {args:?} installed the binary"
        );
        assert!(!s.hook().exists());
    }

    let mut cmd = s.sb.command("sh");
    cmd.arg(project_root().join("install.sh")).arg("--repo");
    let (code, _, err) = text(&cmd.output().unwrap());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--repo needs a value"), "{err}");

    let mut cmd = s.sb.command("sh");
    cmd.arg(project_root().join("install.sh")).arg("--help");
    let (code, out, _) = text(&cmd.output().unwrap());
    assert_eq!(code, 0);
    for word in [
        "--prefix",
        "--repo",
        "--server",
        "--uninstall",
        "--no-build",
    ] {
        assert!(out.contains(word), "--help does not mention {word}:\n{out}");
    }
}

#[test]
fn scripts_are_posix_sh() {
    for shell in ["sh", "dash"] {
        let available = Command::new(shell)
            .args(["-c", "exit 0"])
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            continue;
        }
        for script in [
            "install.sh",
            "hooks/commit-msg",
            "hooks/pre-receive",
            "hooks/registry-pre-receive",
        ] {
            let out = Command::new(shell)
                .arg("-n")
                .arg(project_root().join(script))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{shell} -n {script}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The man page and completions go where man and the shells look for them under the
/// prefix; here the default one, ~/.local, in the sandbox's HOME.
#[test]
fn install_puts_the_man_page_and_completions_where_they_are_found() {
    let s = Setup::new();
    let prefix = s.sb.home().join(".local");
    let (code, out, err) = run_install(&s.sb, &prefix, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let share = prefix.join("share");
    let files = [
        ("man page", share.join("man/man1/embargo.1")),
        (
            "bash completion",
            share.join("bash-completion/completions/embargo"),
        ),
        ("zsh completion", share.join("zsh/site-functions/_embargo")),
        (
            "fish completion",
            share.join("fish/vendor_completions.d/embargo.fish"),
        ),
    ];
    for (label, path) in &files {
        assert!(
            out.contains(&format!("installed: {label} {}", path.display())),
            "{out}"
        );
    }
    // Each is what the installed binary generates, plus the marker line.
    let man = std::fs::read_to_string(&files[0].1).unwrap();
    let (_, generated, _) = s.sb.run_embargo(s.sb.path(), &["man"], b"");
    assert!(
        man.starts_with(&generated),
        "the installed page is `embargo man`"
    );
    assert!(man
        .ends_with("embargo-install-marker: generated by install.sh from the installed embargo\n"));
    let zsh = std::fs::read_to_string(&files[2].1).unwrap();
    assert!(
        zsh.starts_with("#compdef embargo\n"),
        "zsh reads its first line"
    );

    let env_path = std::env::join_paths(
        std::iter::once(prefix.join("bin")).chain(std::env::split_paths(&path_without_embargo())),
    )
    .unwrap();
    // man finds the page from PATH (man-db maps PREFIX/bin to PREFIX/share/man).
    if let Some(man) = find_tool("man") {
        let out =
            s.sb.command(man)
                .env("PATH", &env_path)
                .env_remove("MANPATH")
                .args(["-w", "embargo"])
                .output()
                .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            files[0].1.display().to_string()
        );
    } else {
        skipped("man is not installed: the page's lookup was not checked");
    }
    // bash-completion loads it on demand from ~/.local/share.
    let loader = Path::new("/usr/share/bash-completion/bash_completion");
    if loader.is_file() {
        let script = format!(
            "source {}; _completion_loader embargo; complete -p embargo",
            loader.display()
        );
        let out =
            s.sb.command("bash")
                .env("PATH", &env_path)
                .env_remove("XDG_DATA_HOME")
                .args(["-c", &script])
                .output()
                .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("-F _embargo embargo"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        skipped("bash-completion is not installed: the completion's lookup was not checked");
    }
    // fish finds it in its vendor directory under ~/.local/share.
    if let Some(fish) = find_tool("fish") {
        let out =
            s.sb.command(fish)
                .env("PATH", &env_path)
                .env_remove("XDG_DATA_HOME")
                .env_remove("XDG_DATA_DIRS")
                .args(["-c", "complete -C 'embargo co'"])
                .output()
                .unwrap();
        let offered = String::from_utf8_lossy(&out.stdout);
        assert!(offered.starts_with("commit-msg\t"), "{offered}");
    } else {
        skipped("fish is not installed: the completion's lookup was not checked");
    }

    // Again: nothing changes.
    let (code, out, _) = run_install(&s.sb, &prefix, &[]);
    assert_eq!(code, 0);
    for (label, path) in &files {
        assert!(
            out.contains(&format!("unchanged: {label} {}", path.display())),
            "{out}"
        );
    }

    // Uninstalling removes them with the binary.
    let (code, out, _) = run_install(&s.sb, &prefix, &["--uninstall"]);
    assert_eq!(code, 0);
    for (label, path) in &files {
        assert!(
            out.contains(&format!("removed: {label} {}", path.display())),
            "{out}"
        );
        assert!(!path.exists());
    }
}

#[test]
fn a_completion_that_is_not_embargos_is_left_alone() {
    let s = Setup::new();
    let theirs = s.prefix.join("share/bash-completion/completions/embargo");
    std::fs::create_dir_all(theirs.parent().unwrap()).unwrap();
    std::fs::write(&theirs, "# someone else's\n").unwrap();
    let out = s.install_ok(&[]);
    assert!(
        out.contains(&format!("not embargo's: {} (left alone)", theirs.display())),
        "{out}"
    );
    assert!(out.contains("installed: man page"), "{out}");
    let out = s.install_ok(&["--uninstall"]);
    assert!(
        out.contains(&format!("not embargo's: {} (left alone)", theirs.display())),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "# someone else's\n"
    );
    assert!(!s.prefix.join("share/man/man1/embargo.1").exists());
}
