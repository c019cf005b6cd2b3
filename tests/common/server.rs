//! A bare "server" repository with the pre-receive hook that `install.sh --server`
//! installed, and a client that pushes to it over `file://`, so the hook runs in git's
//! quarantine exactly as on a server.

use std::path::{Path, PathBuf};
use std::process::Output;

use super::*;

pub struct Server {
    pub sb: Sandbox,
    pub bare: PathBuf,
    pub client: PathBuf,
    pub url: String,
}

impl Server {
    /// A bare repository at `srv/<name>` with the hook installed and the example
    /// registry configured, and a client whose `main` (one benign commit) is pushed.
    pub fn new(name: &str) -> Server {
        let server = Server::bare_only(name);
        server.config(&["embargo.registry", example_registry().to_str().unwrap()]);
        let out = server.push(&["origin", "main"]);
        assert!(
            out.status.success(),
            "initial push failed:\n{}",
            stderr(&out)
        );
        server
    }

    /// The same without registry configuration and without the initial push.
    pub fn bare_only(name: &str) -> Server {
        let sb = Sandbox::new();
        let bare = sb.path().join("srv").join(name);
        std::fs::create_dir_all(&bare).unwrap();
        sb.git_ok(&bare, &["init", "-q", "--bare", "-b", "main"]);
        let out = sb
            .command("sh")
            .current_dir(sb.path())
            .arg(project_root().join("install.sh"))
            .arg("--server")
            .arg(&bare)
            .arg("--no-build")
            .arg("--binary")
            .arg(embargo_bin())
            .arg("--prefix")
            .arg(sb.path().join("prefix"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "install.sh --server failed:\n{}",
            stderr(&out)
        );
        assert!(bare.join("hooks/pre-receive").exists());
        let client = sb.repo("client");
        let url = format!("file://{}", bare.display());
        sb.git_ok(&client, &["remote", "add", "origin", &url]);
        Server {
            sb,
            bare,
            client,
            url,
        }
    }

    pub fn config(&self, kv: &[&str]) {
        let mut args = vec!["config"];
        args.extend_from_slice(kv);
        self.sb.git_ok(&self.bare, &args);
    }

    pub fn push_cmd(&self, dir: &Path, args: &[&str]) -> std::process::Command {
        let mut c = self.sb.command("git");
        c.current_dir(dir)
            .arg("push")
            .args(args)
            .env("EMBARGO_BIN", embargo_bin());
        c
    }

    pub fn push(&self, args: &[&str]) -> Output {
        self.push_cmd(&self.client, args).output().unwrap()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.sb.git_ok(&self.client, args).trim().to_string()
    }

    /// A commit made with `--no-verify`, as someone skipping the local hook would.
    pub fn commit(&self, message: &str) -> String {
        self.git(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
        self.git(&["rev-parse", "HEAD"])
    }

    pub fn server_ref(&self, name: &str) -> Option<String> {
        let out = self.sb.git(
            &self.bare,
            &["rev-parse", "-q", "--verify", &format!("{name}^{{object}}")],
        );
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn write_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.sb.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[track_caller]
pub fn assert_accepted(out: &Output) {
    assert!(
        out.status.success(),
        "push was rejected:\n{}",
        all_output(out)
    );
}

#[track_caller]
pub fn assert_rejected(out: &Output) {
    let text = all_output(out);
    assert!(!out.status.success(), "push was accepted:\n{text}");
    assert!(
        text.contains("pre-receive hook declined"),
        "not rejected by the hook:\n{text}"
    );
}

/// Writes a commit object with `git hash-object --literally`, bypassing every check.
pub fn raw_commit(s: &Server, headers_extra: &str, message: &[u8]) -> String {
    let tree = s.git(&["rev-parse", "HEAD^{tree}"]);
    let parent = s.git(&["rev-parse", "HEAD"]);
    let mut body = format!(
        "tree {tree}\nparent {parent}\nauthor A <a@example.com> 1780000000 +0000\n\
         committer A <a@example.com> 1780000000 +0000\n{headers_extra}\n"
    )
    .into_bytes();
    body.extend_from_slice(message);
    let path = s.sb.path().join("raw-commit");
    std::fs::write(&path, &body).unwrap();
    let id = s.git(&[
        "hash-object",
        "-t",
        "commit",
        "--literally",
        "-w",
        path.to_str().unwrap(),
    ]);
    s.git(&["update-ref", "refs/heads/main", &id]);
    id
}
