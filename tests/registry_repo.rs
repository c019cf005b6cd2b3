//! The guarded registry repository (`install.sh --registry-repo DIR [--registry-file
//! PATH]`): real pushes to a bare repository holding the registry, whose installed hook
//! runs the binary under test. A push that leaves the registry invalid or missing on a
//! branch is refused with `registry lint`'s report and changes no ref; a valid one is
//! accepted. Also: placement, chaining, idempotence and uninstall, as for `--server`.

mod common;

use std::path::PathBuf;

use common::*;

struct RegistryRepo {
    sb: Sandbox,
    bare: PathBuf,
    work: PathBuf,
    prefix: PathBuf,
}

const INVALID: &str = r#"{"version": 1, "issues": [
  {"id": "SEC-1", "severity": "critical", "terms": ["alpha beta"]},
  {"id": "SEC-1", "severity": "catastrophic", "patterns": ["x*"]}
]}"#;

impl RegistryRepo {
    /// A bare registry repository with one valid commit on `main`, and a clone of it.
    fn new() -> RegistryRepo {
        let sb = Sandbox::new();
        let bare = sb.path().join("srv/security.git");
        std::fs::create_dir_all(&bare).unwrap();
        sb.git_ok(&bare, &["init", "-q", "--bare", "-b", "main"]);
        let work = sb.path().join("security");
        sb.git_ok(
            sb.path(),
            &[
                "clone",
                "-q",
                bare.to_str().unwrap(),
                work.to_str().unwrap(),
            ],
        );
        sb.git_ok(&work, &["checkout", "-q", "-b", "main"]);
        let prefix = sb.path().join("prefix");
        let r = RegistryRepo {
            sb,
            bare,
            work,
            prefix,
        };
        r.commit_file("registry.json", &marker_registry_json(), "Add the registry");
        r.sb.git_ok(&r.work, &["push", "-q", "origin", "main"]);
        r
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

    fn guard(&self, extra: &[&str]) -> String {
        let mut args = vec!["--registry-repo", self.bare.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.install_ok(&args)
    }

    fn commit_file(&self, path: &str, content: &str, message: &str) {
        let file = self.work.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, content).unwrap();
        self.sb.git_ok(&self.work, &["add", path]);
        self.sb.git_ok(&self.work, &["commit", "-q", "-m", message]);
    }

    /// `git push origin ARGS` with the hook finding the binary through the prefix only.
    fn push(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = self.sb.command("git");
        cmd.current_dir(&self.work)
            .env("PATH", path_without_embargo())
            .args(["push", "origin"])
            .args(args);
        text(&cmd.output().unwrap())
    }

    fn remote_ref(&self, name: &str) -> String {
        let out = self
            .sb
            .git(&self.bare, &["rev-parse", "--verify", "-q", name]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

#[test]
fn an_invalid_registry_is_refused_with_the_lint_report_and_a_valid_one_accepted() {
    let r = RegistryRepo::new();
    let out = r.guard(&[]);
    let hook = r.bare.join("hooks/pre-receive");
    assert!(
        out.contains(&format!("installed: pre-receive hook {}", hook.display())),
        "{out}"
    );
    // What is on HEAD now is linted at install time.
    assert!(
        out.contains("#HEAD:registry.json: valid registry, 2 issues"),
        "{out}"
    );
    let before = r.remote_ref("main");

    r.commit_file("registry.json", INVALID, "Break the registry");
    let (code, _, err) = r.push(&["main"]);
    assert_ne!(code, 0, "{err}");
    // lint's report, ids included: the pusher holds the registry.
    assert!(err.contains("refs/heads/main:registry.json"), "{err}");
    assert!(err.contains("SEC-1"), "{err}");
    assert!(err.contains("duplicate"), "{err}");
    assert!(err.contains("catastrophic"), "{err}");
    assert!(err.contains("problems"), "{err}");
    assert!(err.contains("push refused"), "{err}");
    assert_eq!(r.remote_ref("main"), before, "the ref moved");

    // Fixed on top: accepted.
    r.commit_file(
        "registry.json",
        &marker_registry_json().replace("MKID-5523", "MKID-5524"),
        "Fix",
    );
    let (code, _, err) = r.push(&["main"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("refs/heads/main:registry.json: valid registry, 2 issues"),
        "{err}"
    );
    let head = r.sb.git_ok(&r.work, &["rev-parse", "HEAD"]);
    assert_eq!(r.remote_ref("main"), head.trim());
}

#[test]
fn every_pushed_branch_is_guarded_and_a_missing_file_is_refused() {
    let r = RegistryRepo::new();
    r.guard(&[]);
    // A new branch without the file, alongside a valid one: the whole push is refused.
    r.sb.git_ok(&r.work, &["checkout", "-q", "-b", "drop"]);
    r.sb.git_ok(&r.work, &["rm", "-q", "registry.json"]);
    r.sb.git_ok(&r.work, &["commit", "-q", "-m", "Remove the registry"]);
    let (code, _, err) = r.push(&["drop", "main:refs/heads/copy"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("refs/heads/drop:registry.json"), "{err}");
    assert!(err.contains("no file `registry.json`"), "{err}");
    assert_eq!(r.remote_ref("refs/heads/drop"), "");
    assert_eq!(r.remote_ref("refs/heads/copy"), "");

    // A directory in the file's place is not a registry either.
    r.sb.git_ok(&r.work, &["checkout", "-q", "main"]);
    r.sb.git_ok(&r.work, &["checkout", "-q", "-b", "dir"]);
    r.sb.git_ok(&r.work, &["rm", "-q", "registry.json"]);
    r.commit_file("registry.json/inner", "x", "A directory");
    let (code, _, err) = r.push(&["dir"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("is a directory"), "{err}");

    // Tags are not branches, and deleting a branch leaves nothing to check.
    r.sb.git_ok(&r.work, &["tag", "broken", "drop"]);
    let (code, _, err) = r.push(&["refs/tags/broken", "main:refs/heads/gone"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = r.push(&[":refs/heads/gone"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(r.remote_ref("refs/heads/gone"), "");
}

#[test]
fn registry_file_names_a_file_in_a_subfolder() {
    let r = RegistryRepo::new();
    let (code, out, err) = r.install(&[
        "--registry-repo",
        r.bare.to_str().unwrap(),
        "--registry-file",
        "team/registry.json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("guarding: team/registry.json"), "{out}");
    // Not there yet on HEAD: said at install time.
    assert!(err.contains("not valid yet"), "{err}");
    assert!(err.contains("no file `team/registry.json`"), "{err}");
    let hook = std::fs::read_to_string(r.bare.join("hooks/pre-receive")).unwrap();
    assert!(
        hook.contains("EMBARGO_REGISTRY_FILE='team/registry.json'\n"),
        "{hook}"
    );
    // The top-level file does not count.
    r.commit_file("README", "x", "Touch");
    let (code, _, err) = r.push(&["main"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("refs/heads/main:team/registry.json"), "{err}");
    r.commit_file("team/registry.json", &marker_registry_json(), "Move");
    let (code, _, err) = r.push(&["main"]);
    assert_eq!(code, 0, "{err}");
    r.commit_file("team/registry.json", INVALID, "Break");
    let (code, _, err) = r.push(&["main"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("SEC-1"), "{err}");
}

#[test]
fn chained_idempotent_and_uninstalled() {
    let r = RegistryRepo::new();
    let hook = r.bare.join("hooks/pre-receive");
    let log = r.sb.path().join("old-stdin");
    let original = format!(
        "#!/bin/sh\ncat >>'{}'\nexit \"${{OLD_EXIT:-0}}\"\n",
        log.display()
    );
    write_script(&hook, &original);
    let out = r.guard(&[]);
    assert!(out.contains("kept: existing pre-receive hook"), "{out}");
    let installed = std::fs::read(&hook).unwrap();
    let out = r.guard(&[]);
    assert!(out.contains("unchanged: pre-receive hook"), "{out}");
    assert!(!out.contains("kept:"), "{out}");
    assert_eq!(std::fs::read(&hook).unwrap(), installed);

    // Both hooks run, on the same updates; the invalid push is still refused.
    r.commit_file("registry.json", INVALID, "Break");
    let (code, _, err) = r.push(&["main"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("SEC-1"), "{err}");
    let seen = std::fs::read_to_string(&log).unwrap();
    assert!(seen.ends_with(" refs/heads/main\n"), "{seen}");

    let out = r.install_ok(&["--uninstall", "--registry-repo", r.bare.to_str().unwrap()]);
    assert!(out.contains("removed: pre-receive hook"), "{out}");
    assert!(out.contains("restored: previous pre-receive hook"), "{out}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
    // Unguarded now: the same push goes through.
    let (code, _, err) = r.push(&["main"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn hook_directories_are_used_as_for_the_server_hook() {
    // Gitea's and Forgejo's dispatcher: what makes hooks/pre-receive.d run at all.
    let dispatcher =
        "#!/bin/sh\nhookname=$(basename $0)\nfor hook in hooks/${hookname}.d/*; do :; done\n";
    for dir in ["custom_hooks/pre-receive.d", "hooks/pre-receive.d"] {
        let r = RegistryRepo::new();
        std::fs::create_dir_all(r.bare.join(dir)).unwrap();
        if dir == "hooks/pre-receive.d" {
            write_script(&r.bare.join("hooks/pre-receive"), dispatcher);
        }
        let out = r.guard(&[]);
        let hook = r.bare.join(dir).join("embargo-registry");
        assert!(
            out.contains(&format!("installed: pre-receive hook {}", hook.display())),
            "{dir}: {out}"
        );
        if dir == "hooks/pre-receive.d" {
            let kept = std::fs::read_to_string(r.bare.join("hooks/pre-receive")).unwrap();
            assert_eq!(kept, dispatcher, "the dispatcher is left alone");
        } else {
            assert!(!r.bare.join("hooks/pre-receive").exists(), "{dir}");
        }
        // Nothing runs a pre-receive.d here (no host), so run it as the host would.
        let stdin = format!(
            "{} {} refs/heads/main\n",
            "0".repeat(40),
            r.remote_ref("main")
        );
        let mut cmd = r.sb.command(&hook);
        cmd.current_dir(&r.bare)
            .env("GIT_DIR", ".")
            .env("PATH", path_without_embargo());
        let (code, _, err) = run_with_stdin(&mut cmd, stdin.as_bytes());
        assert_eq!(code, 0, "{dir}: {err}");
        assert!(err.contains("valid registry"), "{dir}: {err}");
        let out = r.install_ok(&["--uninstall", "--registry-repo", r.bare.to_str().unwrap()]);
        assert!(out.contains("removed: pre-receive hook"), "{dir}: {out}");
        assert!(!hook.exists());
    }
}

#[test]
fn a_pre_receive_d_that_nothing_runs_gets_the_hook_itself() {
    let r = RegistryRepo::new();
    std::fs::create_dir_all(r.bare.join("hooks/pre-receive.d")).unwrap();
    let (code, out, err) = r.install(&["--registry-repo", r.bare.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("no dispatcher runs it"), "{err}");
    assert!(r.bare.join("hooks/pre-receive").exists(), "{out}");
    assert!(!r.bare.join("hooks/pre-receive.d/embargo-registry").exists());
}

#[test]
fn bad_arguments_change_nothing() {
    let r = RegistryRepo::new();
    let nowhere = r.sb.path().join("nowhere");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--registry-repo", r.work.to_str().unwrap()],
            "not a bare repository",
        ),
        (
            &["--registry-repo", nowhere.to_str().unwrap()],
            "no such directory",
        ),
        (
            &["--registry-file", "registry.json"],
            "--registry-file needs --registry-repo",
        ),
        (
            &[
                "--registry-repo",
                r.bare.to_str().unwrap(),
                "--registry-file",
                "../registry.json",
            ],
            "inside the repository's tree",
        ),
        (
            &[
                "--registry-repo",
                r.bare.to_str().unwrap(),
                "--registry-file",
                "/etc/registry.json",
            ],
            "inside the repository's tree",
        ),
        (
            &[
                "--registry-repo",
                r.bare.to_str().unwrap(),
                "--server",
                r.bare.to_str().unwrap(),
            ],
            "same repository",
        ),
    ];
    for (args, expected) in cases {
        let (code, out, err) = r.install(args);
        assert_eq!(code, 2, "{args:?}:\n{out}\n{err}");
        assert!(
            err.contains(expected),
            "{args:?}: expected {expected:?} in:\n{err}"
        );
        assert!(!r.prefix.join("bin/embargo").exists(), "{args:?}");
        assert!(!r.bare.join("hooks/pre-receive").exists(), "{args:?}");
    }
}

/// The guard reads the pushed objects from git's quarantine, and a file it cannot read
/// as a registry (not UTF-8) is refused like an invalid one.
#[test]
fn the_hook_command_refuses_malformed_input_and_unreadable_files() {
    let r = RegistryRepo::new();
    let (code, _, err) =
        r.sb.run_embargo(&r.bare, &["registry", "pre-receive"], b"not an update\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("malformed"), "{err}");
    let (code, _, err) = r.sb.run_embargo(
        &r.bare,
        &["registry", "pre-receive", "--file", "a/../b"],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--file"), "{err}");

    r.guard(&[]);
    std::fs::write(r.work.join("registry.json"), [b'{', 0xff, b'}']).unwrap();
    r.sb.git_ok(&r.work, &["commit", "-q", "-am", "Not UTF-8"]);
    let (code, _, err) = r.push(&["main"]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("not UTF-8"), "{err}");
}
