//! Shared helpers for the integration tests: real `git` in temporary directories with an
//! isolated environment (no user or system config, explicit identities), and the
//! `embargo` binary under test.
#![allow(dead_code)]

pub mod server;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn embargo_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_embargo"))
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn example_registry() -> PathBuf {
    project_root().join("fixtures/registry.example.json")
}

/// A sandbox: a temporary HOME with no git config, and the environment every command
/// run through it gets.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("embargo-test")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A command with the sandbox's environment: isolated config, fixed identities,
    /// no inherited embargo settings, a fixed judging day.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_COMMITTER_NAME", "Test Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_EDITOR", ":")
            .env("EMBARGO_AS_OF", "2026-11-27")
            .env_remove("EMBARGO_REGISTRY")
            .env_remove("EMBARGO_REGISTRY_JSON")
            .env_remove("EMBARGO_BIN")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_EVENT_PATH")
            .env_remove("GITHUB_EVENT_NAME")
            .env_remove("GITLAB_CI")
            .env_remove("CI_MERGE_REQUEST_IID")
            .env_remove("NO_COLOR");
        c
    }

    pub fn git(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self
            .command("git")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap();
        out
    }

    /// Runs git and panics with its output when it fails.
    pub fn git_ok(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git(dir, args);
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// An empty commit in `dir` with this committer date (git's date formats); its id.
    pub fn commit_dated(&self, dir: &Path, message: &str, date: &str) -> String {
        let out = self
            .command("git")
            .current_dir(dir)
            .env("GIT_COMMITTER_DATE", date)
            .args(["commit", "-q", "--allow-empty", "-m", message])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.git_ok(dir, &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// A fresh non-bare repository with one initial commit on `main`.
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.git_ok(&dir, &["init", "-q", "-b", "main"]);
        std::fs::write(dir.join("README"), "hello\n").unwrap();
        self.git_ok(&dir, &["add", "README"]);
        self.git_ok(&dir, &["commit", "-q", "-m", "Initial commit"]);
        dir
    }

    pub fn embargo(&self) -> Command {
        self.command(embargo_bin())
    }

    /// Runs embargo with `stdin` and returns (exit code, stdout, stderr).
    pub fn run_embargo(&self, dir: &Path, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
        run_with_stdin(self.embargo().current_dir(dir).args(args), stdin)
    }
}

pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Unique marker strings for leak tests: every private field of the registry carries
/// one, so any of them appearing in output is a leak.
pub const MARKERS: &[&str] = &[
    "MKID-4417",
    "MKSUMMARYQX",
    "MKALIAS-9931",
    "mkterm alphaqz",
    "mkpattern",
    "MKID-5523",
    "MKSUMMARYZW",
];

/// A registry whose private strings are the markers above. The message
/// `fix mkterm alphaqz` mentions the first issue (critical) by term only, so the term is
/// text the user wrote; output may echo it but must not echo any other marker.
pub fn marker_registry_json() -> String {
    r#"{
  "version": 1,
  "policy": {"help": "Ask the security team."},
  "issues": [
    {"id": "MKID-4417", "severity": "critical", "summary": "MKSUMMARYQX secret",
     "aliases": ["MKALIAS-9931"], "terms": ["mkterm alphaqz"],
     "patterns": ["mkpattern\\s+\\d+"], "released": null, "disclosed": null},
    {"id": "MKID-5523", "severity": "high", "summary": "MKSUMMARYZW secret",
     "terms": ["ghost words unused"]}
  ]
}"#
    .to_string()
}

/// Markers that must not appear in output for a message that only says
/// `fix mkterm alphaqz`.
pub fn private_markers_not_in(message: &str) -> Vec<&'static str> {
    MARKERS
        .iter()
        .copied()
        .filter(|m| !message.to_lowercase().contains(&m.to_lowercase()))
        .collect()
}

pub fn assert_no_leak(output: &str, message: &str) {
    for m in private_markers_not_in(message) {
        assert!(
            !output.to_lowercase().contains(&m.to_lowercase()),
            "output leaks registry marker {m:?}:\n{output}"
        );
    }
    assert!(
        !output.contains("ghost words"),
        "output leaks a term:\n{output}"
    );
}

/// The markers that are ids: the timeline commands print ids (§12), and nothing else
/// private.
pub const ID_MARKERS: &[&str] = &["MKID-4417", "MKID-5523"];

/// No private field but the ids in `output`.
pub fn assert_no_leak_but_ids(output: &str) {
    let ids: String = ID_MARKERS.join(" ");
    assert_no_leak(output, &ids);
}

/// `PATH` without any directory that holds an `embargo` executable, so the hook can
/// only find the binary through the recorded prefix.
pub fn path_without_embargo() -> OsString {
    path_without("embargo")
}

/// `PATH` without any directory that holds `program`.
pub fn path_without(program: &str) -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|d| !d.join(program).exists())
        .collect();
    std::env::join_paths(dirs).unwrap()
}

pub fn write_script(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

pub fn text(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Where ci/install-test-tools.sh keeps the test tools, by the same rule: the first of
/// `$EMBARGO_TEST_TOOLS`, `$XDG_CACHE_HOME/embargo-test-tools` (an absolute path only),
/// `$HOME/.cache/embargo-test-tools` (when HOME is a directory), `target/test-tools`.
pub fn test_tools_dir() -> PathBuf {
    test_tools_dir_in(|name| std::env::var_os(name))
}

/// `test_tools_dir` for the environment `var` describes.
pub fn test_tools_dir_in(var: impl Fn(&str) -> Option<OsString>) -> PathBuf {
    let set = |name| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("EMBARGO_TEST_TOOLS") {
        return dir;
    }
    if let Some(cache) = set("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return cache.join("embargo-test-tools");
    }
    if let Some(home) = set("HOME").filter(|p| p.is_dir()) {
        return home.join(".cache").join("embargo-test-tools");
    }
    project_root().join("target").join("test-tools")
}

/// A tool installed by ci/install-test-tools.sh (or on PATH): found, or (under CI=true)
/// a failure, else a skip notice.
pub fn require_tool(name: &str) -> Option<PathBuf> {
    let found = find_tool(name);
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("`{name}` is needed by this test and missing; run ci/install-test-tools.sh");
        }
        skipped(&format!(
            "`{name}` not found in {} or on PATH (ci/install-test-tools.sh installs the test \
             tools; CI=true makes this a failure)",
            test_tools_dir().join("bin").display()
        ));
    }
    found
}

/// Says on standard error that a test is skipped. Written to the stream itself: the
/// test harness keeps what `eprintln!` prints from a passing test, so the notice would
/// never be seen.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// A tool in the test tools' bin/ or on PATH, if there is one (no notice, no failure:
/// for tools CI does not promise, such as other shells).
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let mut candidates = vec![test_tools_dir().join("bin").join(name)];
    if let Some(paths) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&paths).map(|p| p.join(name)));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// A second account for tests that need another user (files or directories someone
/// else owns): `nobody`, reached with `setpriv`, which only root can do. When the tests
/// do not run as root (or there is no `nobody` or `setpriv`), `None`, after a visible
/// `SKIPPED` line naming `what`: the rest of the suite needs no root.
pub fn second_account(what: &str) -> Option<SecondAccount> {
    let id = |args: &[&str]| -> Option<u32> {
        let out = Command::new("id").args(args).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let reason = if id(&["-u"]) != Some(0) {
        "not running as root"
    } else if let Some(setpriv) = setpriv {
        match (id(&["-u", "nobody"]), id(&["-g", "nobody"])) {
            (Some(uid), Some(gid)) => return Some(SecondAccount { uid, gid, setpriv }),
            _ => "no account named nobody",
        }
    } else {
        "no setpriv"
    };
    skipped(&format!(
        "{what}: needs a second account ({reason}; run the tests as root)"
    ));
    None
}

pub struct SecondAccount {
    pub uid: u32,
    pub gid: u32,
    setpriv: PathBuf,
}

impl SecondAccount {
    /// `program` run as this account with the sandbox's environment.
    pub fn command(&self, sb: &Sandbox, program: impl AsRef<std::ffi::OsStr>) -> Command {
        // By its full path: a test may give the command a PATH without it.
        let mut c = sb.command(&self.setpriv);
        c.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--clear-groups")
            .arg("--")
            .arg(program);
        c
    }
}

/// `sh install.sh ARGS --binary <embargo under test> --prefix PREFIX`, run from the
/// sandbox directory with a `PATH` that holds no `embargo`: (exit code, stdout, stderr).
pub fn run_install(sb: &Sandbox, prefix: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = sb.command("sh");
    cmd.current_dir(sb.path())
        .env("PATH", path_without_embargo())
        .arg(project_root().join("install.sh"))
        .args(args)
        .arg("--binary")
        .arg(embargo_bin())
        .arg("--prefix")
        .arg(prefix);
    text(&cmd.output().unwrap())
}

/// Installs the project's commit-msg hook script in `repo` as is (it finds the binary
/// through `EMBARGO_BIN`, which the caller sets to [`embargo_bin`]).
pub fn install_commit_msg_hook(repo: &Path) {
    let script = std::fs::read_to_string(project_root().join("hooks/commit-msg")).unwrap();
    write_script(&repo.join(".git/hooks/commit-msg"), &script);
}
