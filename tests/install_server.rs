//! `install.sh --server`: where the pre-receive hook goes for a plain bare repository,
//! GitLab (`custom_hooks/pre-receive.d`) and Gitea/Forgejo (`hooks/pre-receive.d`);
//! chaining an existing pre-receive hook with the same standard input; idempotence;
//! uninstall. What embargo decides about a push is tested elsewhere: here the binary the
//! hook runs is a fake (`EMBARGO_BIN`) that records what it was given.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o111 == 0o111
}

struct Server {
    sb: Sandbox,
    bare: PathBuf,
    prefix: PathBuf,
}

impl Server {
    fn new() -> Server {
        let sb = Sandbox::new();
        let bare = sb.path().join("srv/project.git");
        std::fs::create_dir_all(&bare).unwrap();
        sb.git_ok(&bare, &["init", "-q", "--bare", "-b", "main"]);
        let prefix = sb.path().join("prefix");
        Server { sb, bare, prefix }
    }

    fn installed_bin(&self) -> PathBuf {
        self.prefix.join("bin/embargo")
    }

    fn install(&self, args: &[&str]) -> (i32, String, String) {
        let args: Vec<&str> = args.iter().copied().chain(["--no-build"]).collect();
        run_install(&self.sb, &self.prefix, &args)
    }

    fn install_ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.install(args);
        assert_eq!(code, 0, "install.sh {args:?} failed:\n{out}\n{err}");
        out
    }

    fn install_server(&self) -> String {
        self.install_ok(&["--server", self.bare.to_str().unwrap()])
    }

    fn uninstall_server(&self) -> String {
        self.install_ok(&["--uninstall", "--server", self.bare.to_str().unwrap()])
    }

    /// A fake embargo: records its arguments and standard input, exits `FAKE_EXIT`.
    fn fake_embargo(&self) -> PathBuf {
        let path = self.sb.path().join("fake/embargo");
        let dir = self.sb.path().join("fake");
        write_script(
            &path,
            &format!(
                "#!/bin/sh\necho \"$*\" >>'{d}/args'\ncat >>'{d}/stdin'\nexit \"${{FAKE_EXIT:-0}}\"\n",
                d = dir.display()
            ),
        );
        path
    }

    fn fake_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.sb.path().join("fake").join(name)).unwrap_or_default()
    }

    /// Runs the installed hook at `hook` as git would: in the bare repository, with
    /// `stdin`, and the fake binary.
    fn run_hook(&self, hook: &Path, stdin: &[u8], fake_exit: &str) -> (i32, String, String) {
        let fake = self.fake_embargo();
        let mut cmd = self.sb.command(hook);
        cmd.current_dir(&self.bare)
            .env("PATH", path_without_embargo())
            .env("GIT_DIR", ".")
            .env("EMBARGO_BIN", fake)
            .env("FAKE_EXIT", fake_exit);
        run_with_stdin(&mut cmd, stdin)
    }

    /// Everything under the repository's hook locations, for before/after comparisons.
    fn snapshot(&self) -> Vec<(String, Vec<u8>, u32, std::time::SystemTime)> {
        let mut out = Vec::new();
        for dir in [
            "hooks",
            "hooks/pre-receive.d",
            "custom_hooks",
            "custom_hooks/pre-receive.d",
        ] {
            let Ok(entries) = std::fs::read_dir(self.bare.join(dir)) else {
                continue;
            };
            for e in entries {
                let e = e.unwrap();
                let meta = e.metadata().unwrap();
                if meta.is_dir() {
                    continue;
                }
                out.push((
                    format!("{dir}/{}", e.file_name().to_string_lossy()),
                    std::fs::read(e.path()).unwrap(),
                    meta.permissions().mode(),
                    meta.modified().unwrap(),
                ));
            }
        }
        out.sort();
        out
    }
}

const UPDATE: &[u8] = b"0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 refs/heads/main\n";

/// An existing pre-receive hook: copies its standard input to `old-stdin`, fails when
/// `OLD_EXIT` says so.
fn old_hook(s: &Server) -> String {
    format!(
        "#!/bin/sh\ncat >>'{}'\nexit \"${{OLD_EXIT:-0}}\"\n",
        s.sb.path().join("old-stdin").display()
    )
}

#[test]
fn plain_bare_repository_gets_hooks_pre_receive() {
    let s = Server::new();
    let out = s.install_server();
    let hook = s.bare.join("hooks/pre-receive");
    assert!(
        out.contains(&format!("installed: pre-receive hook {}", hook.display())),
        "{out}"
    );
    assert!(out.contains("installed: binary"), "{out}");
    assert!(is_executable(&hook));
    let body = std::fs::read_to_string(&hook).unwrap();
    assert!(body.contains("# embargo-hook-marker:"));
    assert!(body.contains(&format!(
        "EMBARGO_PREFIX_BIN='{}'\n",
        s.installed_bin().display()
    )));
    assert!(body.contains("EMBARGO_CHAINED=''\n"));
    assert!(body.contains("exec \"$bin\" pre-receive"));
    assert!(!s.bare.join("hooks/pre-receive.embargo-chained").exists());

    // The hook hands standard input to the binary unchanged.
    let (code, _, err) = s.run_hook(&hook, UPDATE, "0");
    assert_eq!(code, 0, "{err}");
    assert_eq!(s.fake_file("args"), "pre-receive\n");
    assert_eq!(s.fake_file("stdin").as_bytes(), UPDATE);
    let (code, _, _) = s.run_hook(&hook, UPDATE, "1");
    assert_eq!(code, 1);
}

#[test]
fn gitlab_custom_hooks_directory_is_used() {
    let s = Server::new();
    std::fs::create_dir_all(s.bare.join("custom_hooks/pre-receive.d")).unwrap();
    let out = s.install_server();
    let hook = s.bare.join("custom_hooks/pre-receive.d/embargo");
    assert!(
        out.contains(&format!("installed: pre-receive hook {}", hook.display())),
        "{out}"
    );
    assert!(is_executable(&hook));
    assert!(!s.bare.join("hooks/pre-receive").exists());
    let body = std::fs::read_to_string(&hook).unwrap();
    assert!(body.contains("EMBARGO_CHAINED=''\n"));
}

#[test]
fn gitea_hooks_directory_is_used_and_its_dispatcher_left_alone() {
    let s = Server::new();
    let dispatcher =
        "#!/usr/bin/env bash\n# gitea dispatcher\nfor hook in hooks/pre-receive.d/*; do :; done\n";
    write_script(&s.bare.join("hooks/pre-receive"), dispatcher);
    write_script(
        &s.bare.join("hooks/pre-receive.d/gitea"),
        "#!/bin/sh\nexit 0\n",
    );
    let out = s.install_server();
    let hook = s.bare.join("hooks/pre-receive.d/embargo");
    assert!(
        out.contains(&format!("installed: pre-receive hook {}", hook.display())),
        "{out}"
    );
    assert!(is_executable(&hook));
    assert_eq!(
        std::fs::read_to_string(s.bare.join("hooks/pre-receive")).unwrap(),
        dispatcher
    );
    assert!(!s.bare.join("hooks/pre-receive.embargo-chained").exists());
    assert!(s.bare.join("hooks/pre-receive.d/gitea").exists());
}

#[test]
fn existing_pre_receive_is_chained_and_gets_the_same_stdin() {
    let s = Server::new();
    let original = old_hook(&s);
    let hook = s.bare.join("hooks/pre-receive");
    write_script(&hook, &original);
    let out = s.install_server();
    assert!(out.contains("kept: existing pre-receive hook"), "{out}");
    let kept = s.bare.join("hooks/pre-receive.embargo-chained");
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), original);
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains("EMBARGO_CHAINED='pre-receive.embargo-chained'\n"));

    // Run by hand: both get every line.
    let stdin = [UPDATE, b"1111111111111111111111111111111111111111 2222222222222222222222222222222222222222 refs/tags/v1\n"].concat();
    let (code, _, err) = s.run_hook(&hook, &stdin, "0");
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(s.sb.path().join("old-stdin")).unwrap(), stdin);
    assert_eq!(s.fake_file("stdin").as_bytes(), &stdin[..]);
    let (code, _, _) = s.run_hook(&hook, &stdin, "1");
    assert_eq!(code, 1, "embargo's rejection must reject");

    // A real push: git runs the chain; the old hook and embargo read the same updates.
    let fake = s.fake_embargo();
    let _ = std::fs::remove_file(s.sb.path().join("old-stdin"));
    let _ = std::fs::remove_file(s.sb.path().join("fake/stdin"));
    let work = s.sb.repo("work");
    let push = |old_exit: &str, fake_exit: &str, refspec: &str| {
        let out =
            s.sb.command("git")
                .current_dir(&work)
                .env("PATH", path_without_embargo())
                .env("EMBARGO_BIN", &fake)
                .env("OLD_EXIT", old_exit)
                .env("FAKE_EXIT", fake_exit)
                .args(["push", s.bare.to_str().unwrap(), refspec])
                .output()
                .unwrap();
        text(&out)
    };
    let (code, _, err) = push("0", "0", "main");
    assert_eq!(code, 0, "{err}");
    let old_saw = std::fs::read_to_string(s.sb.path().join("old-stdin")).unwrap();
    let head = s.sb.git_ok(&work, &["rev-parse", "HEAD"]);
    assert_eq!(
        old_saw,
        format!("{} {} refs/heads/main\n", "0".repeat(40), head.trim())
    );
    assert_eq!(s.fake_file("stdin"), old_saw);

    // Either one failing rejects the push; a failing old hook stops before embargo.
    let before = s.fake_file("stdin");
    let (code, _, err) = push("1", "0", "main:refs/heads/second");
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("chained pre-receive hook"), "{err}");
    assert_eq!(
        s.fake_file("stdin"),
        before,
        "embargo ran after the old hook failed"
    );
    let (code, _, err) = push("0", "1", "main:refs/heads/third");
    assert_ne!(code, 0, "{err}");
    let refs =
        s.sb.git_ok(&s.bare, &["for-each-ref", "--format=%(refname)"]);
    assert_eq!(refs.trim(), "refs/heads/main");
}

#[test]
fn missing_binary_rejects_the_push_with_a_clear_message() {
    let s = Server::new();
    s.install_server();
    std::fs::remove_file(s.installed_bin()).unwrap();
    let hook = s.bare.join("hooks/pre-receive");
    let mut cmd = s.sb.command(&hook);
    cmd.current_dir(&s.bare)
        .env("PATH", s.sb.path().join("empty-path"))
        .env("EMBARGO_BIN", s.sb.path().join("nowhere/embargo"));
    let (code, _, err) = run_with_stdin(&mut cmd, UPDATE);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("embargo: binary not found"), "{err}");
    assert!(err.contains("refusing the push"), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("binary not found"))
            .count(),
        1
    );
}

#[test]
fn installing_twice_changes_nothing() {
    // Plain with a chained hook, GitLab and Gitea layouts.
    for layout in ["plain", "gitlab", "gitea"] {
        let s = Server::new();
        match layout {
            "plain" => write_script(&s.bare.join("hooks/pre-receive"), &old_hook(&s)),
            "gitlab" => std::fs::create_dir_all(s.bare.join("custom_hooks/pre-receive.d")).unwrap(),
            _ => std::fs::create_dir_all(s.bare.join("hooks/pre-receive.d")).unwrap(),
        }
        s.install_server();
        let first = s.snapshot();
        let out = s.install_server();
        assert!(
            out.contains("unchanged: pre-receive hook"),
            "{layout}: {out}"
        );
        assert!(out.contains("unchanged: binary"), "{layout}: {out}");
        assert!(
            !out.contains("installed:") && !out.contains("kept:"),
            "{layout}: {out}"
        );
        assert_eq!(
            s.snapshot(),
            first,
            "{layout}: the second install changed the hooks"
        );
    }
}

#[test]
fn uninstall_restores_the_chained_hook_exactly() {
    let s = Server::new();
    let original = old_hook(&s);
    let hook = s.bare.join("hooks/pre-receive");
    write_script(&hook, &original);
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o700)).unwrap();
    s.install_server();

    let out = s.uninstall_server();
    assert!(out.contains("removed: pre-receive hook"), "{out}");
    assert!(out.contains("restored: previous pre-receive hook"), "{out}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
    assert_eq!(
        std::fs::metadata(&hook).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(!s.bare.join("hooks/pre-receive.embargo-chained").exists());
    assert!(s.installed_bin().exists(), "the binary stays");
}

#[test]
fn uninstall_removes_only_our_file_from_hook_directories() {
    for dir in ["custom_hooks/pre-receive.d", "hooks/pre-receive.d"] {
        let s = Server::new();
        let other = s.bare.join(dir).join("other");
        write_script(&other, "#!/bin/sh\nexit 0\n");
        s.install_server();
        assert!(s.bare.join(dir).join("embargo").exists());
        let out = s.uninstall_server();
        assert!(out.contains("removed: pre-receive hook"), "{dir}: {out}");
        assert!(!s.bare.join(dir).join("embargo").exists());
        assert!(other.exists());
        assert!(!s.bare.join("hooks/pre-receive").exists());
    }
    // Nothing installed: nothing to do.
    let s = Server::new();
    let out = s.uninstall_server();
    assert!(out.contains("not installed"), "{out}");
}

#[test]
fn server_errors() {
    let s = Server::new();
    let work = s.sb.repo("work");
    let plain = s.sb.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let cases: &[(&Path, &str)] = &[
        (&work, "not a bare repository"),
        (&plain, "not a git repository"),
        (&s.bare.join("refs"), "not the repository itself"),
    ];
    for (dir, expected) in cases {
        let (code, out, err) = s.install(&["--server", dir.to_str().unwrap()]);
        assert_eq!(code, 2, "{dir:?}:\n{out}\n{err}");
        assert!(
            err.contains(expected),
            "{dir:?}: expected {expected:?} in:\n{err}"
        );
        assert!(!s.installed_bin().exists());
    }

    // Someone else's `embargo` in a hook directory is never overwritten.
    let foreign = s.bare.join("hooks/pre-receive.d/embargo");
    write_script(&foreign, "#!/bin/sh\necho mine\n");
    let (code, _, err) = s.install(&["--server", s.bare.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not embargo's hook"), "{err}");
    assert!(
        !s.installed_bin().exists(),
        "nothing is changed when a target is refused"
    );
    assert_eq!(
        std::fs::read_to_string(&foreign).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
}
