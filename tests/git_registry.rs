//! A registry named in a git repository, `git:REPO#REV:PATH` (contract §3), with real
//! `git commit` through the installed commit-msg hook and real pushes to a bare
//! repository: every way of naming it, the file as committed (never a work tree), a
//! pushed update taking effect at once, the errors (exit 2, nothing of the registry
//! shown), the server hook reading it from another bare repository, and a registry file
//! inside the checked repository.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// Mentions the marker registry's first issue (critical, embargoed) by its term.
const EMBARGOED: &str = "fix mkterm alphaqz in the parser";

/// The marker registry without the term of [`EMBARGOED`], the same length.
fn without_term() -> String {
    let text = marker_registry_json().replace("mkterm alphaqz", "mkterm omegazz");
    assert_eq!(text.len(), marker_registry_json().len());
    text
}

struct Setup {
    sb: Sandbox,
    /// The registry repository: bare, as on a server.
    bare: PathBuf,
    /// A clone of it where the security team commits.
    team: PathBuf,
    /// The repository being checked, with the commit-msg hook installed.
    project: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let sb = Sandbox::new();
        let bare = sb.path().join("srv/security.git");
        std::fs::create_dir_all(&bare).unwrap();
        sb.git_ok(&bare, &["init", "-q", "--bare", "-b", "main"]);
        let team = sb.path().join("security");
        sb.git_ok(
            sb.path(),
            &[
                "clone",
                "-q",
                bare.to_str().unwrap(),
                team.to_str().unwrap(),
            ],
        );
        sb.git_ok(&team, &["checkout", "-q", "-b", "main"]);
        let project = sb.repo("project");
        let s = Setup {
            sb,
            bare,
            team,
            project,
        };
        s.commit_registry("registry.json", &marker_registry_json());
        s.commit_registry("team/registry.json", &marker_registry_json());
        s.sb.git_ok(&s.team, &["tag", "v1"]);
        s.sb.git_ok(&s.team, &["push", "-q", "origin", "main", "v1"]);
        let (code, out, err) = run_install(
            &s.sb,
            &s.sb.path().join("prefix"),
            &["--repo", s.project.to_str().unwrap(), "--no-build"],
        );
        assert_eq!(code, 0, "{out}{err}");
        s
    }

    fn commit_registry(&self, path: &str, text: &str) {
        let file = self.team.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        self.sb.git_ok(&self.team, &["add", path]);
        self.sb.git_ok(
            &self.team,
            &["commit", "-q", "-m", &format!("Update {path}")],
        );
    }

    fn push_registry(&self, text: &str) {
        self.commit_registry("registry.json", text);
        self.sb
            .git_ok(&self.team, &["push", "-q", "origin", "main"]);
    }

    fn configure(&self, value: &str) {
        self.sb
            .git_ok(&self.project, &["config", "embargo.registry", value]);
    }

    /// `git commit --allow-empty -m MESSAGE` in the project, through the hook: (exit
    /// code, stderr).
    fn commit(&self, message: &str) -> (i32, String) {
        let mut cmd = self.sb.command("git");
        cmd.current_dir(&self.project)
            .env("PATH", path_without_embargo())
            .args(["commit", "-q", "--allow-empty", "-m", message]);
        let (code, _, err) = text(&cmd.output().unwrap());
        (code, err)
    }

    fn assert_refused(&self, message: &str, why: &str) {
        let (code, err) = self.commit(message);
        assert_ne!(code, 0, "{why}: the commit was recorded\n{err}");
        assert!(err.contains("mkterm alphaqz"), "{why}: {err}");
        assert_no_leak(&err, message);
    }

    fn assert_recorded(&self, message: &str, why: &str) {
        let (code, err) = self.commit(message);
        assert_eq!(code, 0, "{why}: the commit was refused\n{err}");
    }

    /// `embargo ARGS commit-msg -` in the project, with `message` on stdin.
    fn check(&self, args: &[&str], message: &str) -> (i32, String, String) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["commit-msg", "-"]);
        self.sb.run_embargo(&self.project, &all, message.as_bytes())
    }
}

fn spec(repo: &Path, rev: &str, path: &str) -> String {
    format!("git:{}#{rev}:{path}", repo.display())
}

#[test]
fn each_way_of_naming_the_registry_is_read() {
    let s = Setup::new();
    for (rev, path) in [
        ("main", "registry.json"),
        ("refs/heads/main", "registry.json"),
        ("v1", "registry.json"),
        ("main", "team/registry.json"),
    ] {
        // From the bare repository and from the team's clone alike.
        for repo in [&s.bare, &s.team] {
            let value = spec(repo, rev, path);
            s.configure(&value);
            s.assert_refused(EMBARGOED, &value);
            s.assert_recorded("tidy the parser", &value);
        }
    }
    // `~/` is the home directory.
    let home_repo = s.sb.home().join("security.git");
    s.sb.git_ok(
        s.sb.path(),
        &[
            "clone",
            "-q",
            "--bare",
            s.bare.to_str().unwrap(),
            home_repo.to_str().unwrap(),
        ],
    );
    s.configure("git:~/security.git#main:registry.json");
    s.assert_refused(EMBARGOED, "~/");
    // A relative REPO in the config is taken from the git directory, as a relative path
    // there is, whatever the current directory.
    s.configure("git:../../srv/security.git#main:registry.json");
    s.assert_refused(EMBARGOED, "relative");
    std::fs::create_dir_all(s.project.join("sub")).unwrap();
    let (code, _, err) = s.sb.run_embargo(
        &s.project.join("sub"),
        &["commit-msg", "-"],
        EMBARGOED.as_bytes(),
    );
    assert_eq!(code, 1, "relative, from a subdirectory: {err}");
    // `git -c` names it too, over the repository's config.
    s.configure("/nonexistent/registry.json");
    let mut cmd = s.sb.command("git");
    cmd.current_dir(&s.project)
        .env("PATH", path_without_embargo())
        .args([
            "-c",
            &format!("embargo.registry={}", spec(&s.bare, "v1", "registry.json")),
        ])
        .args(["commit", "-q", "--allow-empty", "-m", EMBARGOED]);
    let (code, _, err) = text(&cmd.output().unwrap());
    assert_ne!(code, 0, "git -c: {err}");
    assert!(err.contains("mkterm alphaqz"), "git -c: {err}");
    // The flag and the environment take it too.
    let value = spec(&s.bare, "main", "registry.json");
    s.configure("/nonexistent/registry.json");
    let (code, _, err) = s.check(&["--registry", &value], EMBARGOED);
    assert_eq!(code, 1, "--registry: {err}");
    let (code, _, err) = run_with_stdin(
        s.sb.embargo()
            .current_dir(&s.project)
            .env("EMBARGO_REGISTRY", &value)
            .args(["commit-msg", "-"]),
        EMBARGOED.as_bytes(),
    );
    assert_eq!(code, 1, "EMBARGO_REGISTRY: {err}");
    // And `registry lint` and `registry status`.
    let (code, out, err) =
        s.sb.run_embargo(&s.project, &["registry", "lint", &value], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("valid registry, 2 issues"), "{out}");
    let (code, out, err) =
        s.sb.run_embargo(&s.project, &["registry", "status", &value], b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("MKID-4417"), "{out}");
    // It is edited by a commit to its repository, not in place.
    let (code, _, err) = s.sb.run_embargo(
        &s.project,
        &["--registry", &value, "registry", "disclose", "MKID-4417"],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be edited in place"), "{err}");
}

#[test]
fn the_file_as_committed_counts_not_the_work_tree() {
    let s = Setup::new();
    s.configure(&spec(&s.team, "main", "registry.json"));
    s.assert_refused(EMBARGOED, "committed");
    // Changed in the work tree, then staged: neither counts.
    std::fs::write(s.team.join("registry.json"), without_term()).unwrap();
    s.assert_refused(EMBARGOED, "changed in the work tree");
    s.sb.git_ok(&s.team, &["add", "registry.json"]);
    s.assert_refused(EMBARGOED, "staged");
    // Committed: it counts.
    s.sb.git_ok(&s.team, &["commit", "-q", "-m", "Drop the term"]);
    s.assert_recorded(EMBARGOED, "committed without the term");
}

#[test]
fn a_pushed_update_takes_effect_at_once_every_time() {
    let s = Setup::new();
    s.configure(&spec(&s.bare, "main", "registry.json"));
    // Warm the cache.
    s.assert_refused(EMBARGOED, "first");
    s.assert_refused(EMBARGOED, "cached");
    // Updates of the same length, pushed one right after another (well within a
    // second, the granularity a file's timestamps may have): each is seen by the next
    // commit.
    s.push_registry(&without_term());
    s.assert_recorded(EMBARGOED, "after the first update");
    s.push_registry(&marker_registry_json());
    s.assert_refused(EMBARGOED, "after the second update");
    s.push_registry(&without_term());
    s.assert_recorded(EMBARGOED, "after the third update");
}

#[test]
fn errors_exit_2_and_show_nothing_of_the_registry() {
    let s = Setup::new();
    let broken = marker_registry_json().replace("\"critical\"", "\"MKSEVERITYBAD\"");
    s.commit_registry("broken.json", &broken);
    s.sb.git_ok(&s.team, &["push", "-q", "origin", "main"]);
    let project_repo = s.project.clone();
    let cases = [
        (
            spec(&s.sb.path().join("nowhere.git"), "main", "registry.json"),
            "cannot open the repository",
        ),
        (
            spec(&s.bare, "no-such-branch", "registry.json"),
            "unknown revision",
        ),
        (
            spec(&s.bare, "main", "missing.json"),
            "no file `missing.json`",
        ),
        (spec(&s.bare, "main", "team"), "is a directory"),
        (spec(&s.bare, "main", "broken.json"), "is invalid"),
        (
            spec(&s.bare, "main^{tree}", "registry.json"),
            "does not name a commit",
        ),
        (
            spec(&project_repo, "main", "README"),
            "the repository is the one being checked",
        ),
        (format!("git:{}", s.bare.display()), "git:REPO#REV:PATH"),
    ];
    for (value, expected) in &cases {
        s.configure(value);
        let (code, err) = s.commit(EMBARGOED);
        assert_ne!(code, 0, "{value}: the commit was recorded");
        assert!(
            err.contains(expected),
            "{value}: expected {expected:?} in:\n{err}"
        );
        assert_no_leak(&err, "");
        assert!(!err.contains("MKSEVERITYBAD"), "{err}");
        assert!(
            !err.contains("mkterm"),
            "{value}: the message's text is not the error's\n{err}"
        );
        let (code, out, err) = s.check(&["--registry", value], EMBARGOED);
        assert_eq!(code, 2, "{value}: {out}{err}");
        assert!(err.contains(expected), "{value}: {err}");
        assert_no_leak(&format!("{out}{err}"), "");
    }
}

#[test]
fn the_server_hook_reads_its_registry_from_another_bare_repository() {
    let s = Setup::new();
    let server = s.sb.path().join("srv/project.git");
    std::fs::create_dir_all(&server).unwrap();
    s.sb.git_ok(&server, &["init", "-q", "--bare", "-b", "main"]);
    let (code, out, err) = run_install(
        &s.sb,
        &s.sb.path().join("prefix"),
        &["--server", server.to_str().unwrap(), "--no-build"],
    );
    assert_eq!(code, 0, "{out}{err}");
    s.sb.git_ok(
        &server,
        &[
            "config",
            "embargo.registry",
            &spec(&s.bare, "main", "registry.json"),
        ],
    );
    let push = |refspec: &str| {
        let mut cmd = s.sb.command("git");
        cmd.current_dir(&s.project)
            .env("PATH", path_without_embargo())
            .args(["push", server.to_str().unwrap(), refspec]);
        text(&cmd.output().unwrap())
    };
    let (code, _, err) = push("main");
    assert_eq!(code, 0, "{err}");
    // Committed without the local hook's say (no hook here), pushed: refused.
    s.sb.git_ok(
        &s.project,
        &[
            "-c",
            "core.hooksPath=/dev/null",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            EMBARGOED,
        ],
    );
    let (code, _, err) = push("main");
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("mkterm alphaqz"), "{err}");
    assert_no_leak(&err, EMBARGOED);
    // The registry updated on its server: the same push goes through.
    s.push_registry(&without_term());
    let (code, _, err) = push("main");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_registry_file_inside_the_checked_repository() {
    let s = Setup::new();
    let inside = s.project.join("registry.json");
    std::fs::write(&inside, marker_registry_json()).unwrap();
    s.configure(inside.to_str().unwrap());
    // Untracked: used, with a warning.
    let (code, err) = s.commit(EMBARGOED);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("mkterm alphaqz"), "{err}");
    let (code, err) = s.commit("tidy the parser");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning") && err.contains("inside the work tree"),
        "{err}"
    );
    // Tracked (staged is enough to be published by the next commit): refused.
    s.sb.git_ok(&s.project, &["add", "registry.json"]);
    let (code, err) = s.commit("tidy the parser");
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("tracked"), "{err}");
    assert_no_leak(&err, "");
    let (code, _, err) = s.check(&[], "tidy the parser");
    assert_eq!(code, 2, "{err}");
    // However the path is spelled; and a relative path leading out of the work tree is
    // outside it.
    std::fs::create_dir_all(s.project.join("sub")).unwrap();
    let (code, _, err) = s.check(&["--registry", "./sub/../registry.json"], "tidy the parser");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("tracked"), "{err}");
    std::fs::write(s.sb.path().join("outside.json"), marker_registry_json()).unwrap();
    let (code, _, err) = s.check(&["--registry", "../outside.json"], EMBARGOED);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("inside the work tree"), "{err}");
}
