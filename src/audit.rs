//! The server audit log (contract §9): one JSON line per rejected push, for the security
//! team. Unlike what the pusher sees, a record carries the full findings, issue ids and
//! matched fields included, so the file must be readable by that team only.
//!
//! Lines from concurrent pushes never interleave, truncate or get lost: the file is
//! opened with `O_APPEND` (every write lands at the end, atomically positioned), the
//! whole line goes out in one `write(2)`, and an exclusive `flock` is held meanwhile, so
//! writers that need more than one call (a short write) or live on a file system where
//! appends are not atomic (NFS) still cannot interleave. A record that cannot be written
//! is an error: the push is rejected rather than left unaudited.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use anyhow::{bail, Context as _};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Mode of a log file this creates: owner only. Create the file beforehand to choose
/// other permissions (a group for the security team); existing files are not changed.
pub const CREATE_MODE: u32 = 0o600;

/// The current time, RFC 3339 in UTC, to the second.
pub fn now() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// The first of the variables hosts set for the pushing user that is set (§9).
pub fn pusher() -> Option<String> {
    first_env(&[
        "GL_USERNAME",
        "GITEA_PUSHER_NAME",
        "GITHUB_USER_LOGIN",
        "REMOTE_USER",
        "USER",
    ])
}

/// The repository as the host names it (GitLab project path, Gitea owner/name, GitHub
/// Enterprise repository name), else the repository directory.
pub fn repository(git_dir: Option<&Path>) -> String {
    if let Some(p) = first_env(&["GL_PROJECT_PATH"]) {
        return p;
    }
    if let Some(name) = first_env(&["GITEA_REPO_NAME"]) {
        return match first_env(&["GITEA_REPO_USER_NAME"]) {
            Some(owner) => format!("{owner}/{name}"),
            None => name,
        };
    }
    if let Some(p) = first_env(&["GITHUB_REPO_NAME"]) {
        return p;
    }
    let dir = git_dir
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("GIT_DIR").map(Into::into))
        .unwrap_or_else(|| ".".into());
    dir.canonicalize().unwrap_or(dir).display().to_string()
}

fn first_env(names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| {
        std::env::var_os(n)
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string_lossy().into_owned())
    })
}

/// Appends `record` as one line to the log at `path`, creating it (mode 0600) if needed.
pub fn append(path: &Path, record: &Value) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(record).context("cannot encode the audit record")?;
    line.push(b'\n');
    append_line(path, &line)
        .with_context(|| format!("cannot write the audit log {}", path.display()))
}

fn append_line(path: &Path, line: &[u8]) -> anyhow::Result<()> {
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(CREATE_MODE)
        .open(path)?;
    if !file.metadata()?.is_file() {
        bail!("not a regular file");
    }
    let _lock = Lock::exclusive(&file)?;
    // A writer that died mid-line (disk full, killed) left a partial line: start ours on
    // a line of its own so it stays parseable.
    let len = file.metadata()?.len();
    let mut buf = Vec::with_capacity(line.len() + 1);
    if len > 0 {
        let mut last = [0u8; 1];
        file.read_exact_at(&mut last, len - 1)?;
        if last[0] != b'\n' {
            buf.push(b'\n');
        }
    }
    buf.extend_from_slice(line);
    write_whole(&file, &buf)?;
    file.sync_data()?;
    Ok(())
}

/// One `write(2)` for the whole line; only if the kernel writes less (a full disk, a
/// signal) does a second call follow, still under the lock.
fn write_whole(mut file: &File, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        match file.write(buf) {
            Ok(0) => return Err(std::io::Error::from(std::io::ErrorKind::WriteZero)),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An exclusive lock on the log (`flock(2)` on Unix), released when dropped (and when
/// the file is closed, so also on exit).
struct Lock<'a>(&'a File);

impl<'a> Lock<'a> {
    fn exclusive(file: &'a File) -> std::io::Result<Lock<'a>> {
        loop {
            match file.lock() {
                Ok(()) => return Ok(Lock(file)),
                // A signal while waiting for another writer: wait again.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for Lock<'_> {
    fn drop(&mut self) {
        // Failing to unlock is harmless: closing the file unlocks it.
        let _ = self.0.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn appends_whole_lines_and_repairs_a_partial_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        append(&path, &json!({"n": 1})).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"partial\":")
            .unwrap();
        append(&path, &json!({"n": 2})).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "{\"n\":1}\n{\"partial\":\n{\"n\":2}\n");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn concurrent_appends_stay_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let big = "x".repeat(100_000);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (path, big) = (&path, &big);
                s.spawn(move || {
                    for i in 0..20 {
                        append(path, &json!({"t": t, "i": i, "pad": big})).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 160);
        for l in lines {
            let v: Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["pad"].as_str().unwrap().len(), 100_000);
        }
    }

    #[test]
    fn unwritable_log_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = append(&dir.path().join("no/such/dir/audit.log"), &json!({})).unwrap_err();
        assert!(format!("{err:#}").contains("cannot write the audit log"));
        assert!(append(dir.path(), &json!({})).is_err());
    }

    #[test]
    fn time_is_rfc3339_utc() {
        let t = now();
        assert!(t.ends_with('Z'), "{t}");
        assert_eq!(t.len(), "2026-01-02T03:04:05Z".len(), "{t}");
    }
}
