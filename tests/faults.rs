//! Faults injected from outside (issue 10, class 7): the audit log's disk full or its
//! directory gone, the registry replaced while a scan runs, a truncated pack, a corrupted
//! cache file. Each ends in a one-line cause and a non-zero exit, or in the correct
//! verdict; never in a silent pass.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::server::*;
use common::*;

const EMBARGOED: &str = "Fix ratchet header replay in the relay";

/// A shell script for `EMBARGO_BIN`: runs `before`, then the binary under test through
/// `through` (a command that runs another, or nothing).
fn wrapper(s: &Server, name: &str, before: &str, through: &str) -> PathBuf {
    let path = s.sb.path().join(name);
    let bin = embargo_bin();
    write_script(
        &path,
        &format!(
            "#!/bin/sh\n{before}\nexec {through} '{}' \"$@\"\n",
            bin.display()
        ),
    );
    path
}

#[test]
fn an_audit_log_that_is_a_device_rejects_the_push_and_says_why() {
    let s = Server::new("audit-dev-full.git");
    s.config(&["embargo.auditLog", "/dev/full"]);
    let before = s.server_ref("refs/heads/main");
    s.commit(EMBARGOED);
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(
        err.contains("cannot write the audit log /dev/full"),
        "no cause given:\n{err}"
    );
    assert_eq!(s.server_ref("refs/heads/main"), before);
}

/// A full disk, as a write sees it: the file may not grow past a limit (`RLIMIT_FSIZE`,
/// with `SIGXFSZ` ignored so the write fails instead of killing the hook). The log is
/// filled to just under the limit, so the record is cut off part way.
#[test]
fn an_audit_log_that_cannot_grow_rejects_the_push_and_says_why() {
    let s = Server::new("audit-full.git");
    let audit = s.sb.path().join("audit.log");
    let limit = 64 * 1024;
    std::fs::write(&audit, format!("{}\n", "x".repeat(limit - 100))).unwrap();
    s.config(&["embargo.auditLog", audit.to_str().unwrap()]);
    let bin = wrapper(
        &s,
        "embargo-fsize",
        "trap '' XFSZ",
        &format!("prlimit --fsize={limit}"),
    );
    let before = s.server_ref("refs/heads/main");
    s.commit(EMBARGOED);
    let out = s
        .push_cmd(&s.client, &["origin", "main"])
        .env("EMBARGO_BIN", &bin)
        .output()
        .unwrap();
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(
        err.contains("cannot write the audit log") && err.contains("too large"),
        "no cause given:\n{err}"
    );
    assert_eq!(s.server_ref("refs/heads/main"), before);
    // The log holds exactly the limit: the cut-off record is the only damage, and the
    // next record written after it starts on a line of its own.
    assert_eq!(std::fs::metadata(&audit).unwrap().len(), limit as u64);
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    let text = std::fs::read_to_string(&audit).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["outcome"], "rejected");
}

#[test]
fn an_audit_log_directory_removed_during_the_push_rejects_it() {
    let s = Server::new("audit-gone.git");
    let dir = s.sb.path().join("audit");
    std::fs::create_dir_all(&dir).unwrap();
    let audit = dir.join("embargo.log");
    s.config(&["embargo.auditLog", audit.to_str().unwrap()]);
    // The directory disappears after git received the pack, before the hook logs.
    let bin = wrapper(&s, "embargo-rm", &format!("rm -rf '{}'", dir.display()), "");
    let before = s.server_ref("refs/heads/main");
    s.commit(EMBARGOED);
    let out = s
        .push_cmd(&s.client, &["origin", "main"])
        .env("EMBARGO_BIN", &bin)
        .output()
        .unwrap();
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(
        err.contains("cannot write the audit log"),
        "no cause given:\n{err}"
    );
    assert!(!dir.exists(), "the wrapper removed the directory");
    assert_eq!(s.server_ref("refs/heads/main"), before);

    // Nothing to log for an accepted push: the verdict alone counts.
    std::fs::create_dir_all(&dir).unwrap();
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    s.commit("Tidy the parser");
    let out = s
        .push_cmd(&s.client, &["origin", "main"])
        .env("EMBARGO_BIN", &bin)
        .output()
        .unwrap();
    assert_accepted(&out);
}

/// A repository with `n` empty commits on `main`, one of which (in the middle) says
/// `message`; written with `git fast-import`, which is quick for many commits.
fn long_history(sb: &Sandbox, n: usize, message: &str) -> PathBuf {
    let repo = sb.path().join("long");
    std::fs::create_dir_all(&repo).unwrap();
    sb.git_ok(&repo, &["init", "-q", "-b", "main"]);
    let mut stream = String::new();
    for i in 0..n {
        let msg = if i == n / 2 {
            message.to_string()
        } else {
            format!("Change number {i}\n")
        };
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter C <c@example.com> {} +0000\ndata {}\n{msg}\n",
            1_700_000_000 + i,
            msg.len()
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

fn registry_json(severity: &str, term: &str) -> String {
    format!(
        r#"{{"version": 1, "issues": [{{"id": "SX-2026-0142", "severity": "{severity}", "terms": ["{term}"]}}]}}"#
    )
}

/// The registry is rewritten in place (truncated, half written, finished) and replaced
/// by renaming, over and over, while `check` scans a long history whose middle commit
/// every version of the registry blocks. Each run blocks (exit 1) or names what it could
/// not read (exit 2, one line); none passes. The compiled-registry cache is on, so this
/// also covers a cache consulted while its registry changes under it.
#[test]
fn a_registry_replaced_while_a_scan_runs_never_passes() {
    let sb = Sandbox::new();
    let repo = long_history(&sb, 20_000, "Fix ratchet header replay\n");
    let registry = sb.path().join("registry.json");
    let versions = [
        registry_json("critical", "ratchet header replay"),
        registry_json("high", "header replay"),
    ];
    std::fs::write(&registry, &versions[0]).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, registry) = (Arc::clone(&stop), registry.clone());
        let versions = versions.clone();
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let text = versions[i % 2].as_bytes();
                if i.is_multiple_of(3) {
                    let tmp = registry.with_extension("tmp");
                    std::fs::write(&tmp, text).unwrap();
                    std::fs::rename(&tmp, &registry).unwrap();
                } else {
                    use std::io::Write;
                    let mut f = std::fs::File::create(&registry).unwrap();
                    f.write_all(&text[..text.len() / 2]).unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    f.write_all(&text[text.len() / 2..]).unwrap();
                }
                i += 1;
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
        })
    };
    let mut blocked = 0;
    for _ in 0..12 {
        let out = sb
            .embargo()
            .current_dir(&repo)
            .env("XDG_CACHE_HOME", sb.path().join("cache"))
            .args(["--registry", registry.to_str().unwrap(), "check", "main"])
            .output()
            .unwrap();
        let (code, stdout, err) = text(&out);
        match code {
            1 => {
                assert!(
                    stdout.contains("ratchet header replay") || stdout.contains("header replay")
                );
                blocked += 1;
            }
            2 => assert_eq!(err.lines().count(), 1, "one line of cause:\n{err}"),
            _ => panic!("exit {code} while the registry changed:\n{stdout}\n{err}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(blocked > 0, "no run got a whole registry");
}

/// A repository whose whole history is in one pack, truncated to `keep` of its bytes.
fn truncated_pack(sb: &Sandbox, keep: impl Fn(u64) -> u64) -> PathBuf {
    let repo = sb.repo("packed");
    for i in 0..30 {
        let msg = if i == 15 {
            EMBARGOED.to_string()
        } else {
            format!("Change {i}")
        };
        sb.commit_dated(&repo, &msg, &format!("@{} +0000", 1_700_000_000 + i));
    }
    sb.git_ok(&repo, &["repack", "-a", "-d", "-q"]);
    let pack_dir = repo.join(".git/objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let len = std::fs::metadata(&pack).unwrap().len();
    // git writes packs read-only; root may write them anyway, another account may not.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pack, std::fs::Permissions::from_mode(0o644)).unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&pack).unwrap();
    f.set_len(keep(len)).unwrap();
    repo
}

#[test]
fn a_truncated_pack_is_an_error_naming_it() {
    for (what, keep) in [
        ("half", (|len| len / 2) as fn(u64) -> u64),
        ("no trailer", |len| len - 20),
        ("header only", |_| 12),
    ] {
        let sb = Sandbox::new();
        let repo = truncated_pack(&sb, keep);
        let reg = example_registry();
        let (code, stdout, err) = sb.run_embargo(
            &repo,
            &["--registry", reg.to_str().unwrap(), "check", "main"],
            b"",
        );
        match code {
            // Every commit could still be read: then the verdict must be the right one.
            1 => assert!(stdout.contains("ratchet header replay"), "{what}: {stdout}"),
            2 => {
                assert_eq!(err.lines().count(), 1, "{what}: one line of cause:\n{err}");
                // `main` exists: what is wrong is the objects, and the cause says so.
                assert!(err.contains("cannot be read"), "{what}: {err}");
            }
            _ => panic!("{what}: exit {code} on a truncated pack:\n{stdout}\n{err}"),
        }
    }
}

/// The cache file of the only registry used under `cache`.
fn cache_file(cache: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(cache.join("embargo"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

#[test]
fn a_corrupted_cache_file_never_changes_the_verdict() {
    let sb = Sandbox::new();
    let cache = sb.path().join("cache");
    let registry = sb.path().join("registry.json");
    std::fs::write(
        &registry,
        registry_json("critical", "ratchet header replay"),
    )
    .unwrap();
    // Settled long ago, so the cache may vouch for it on `stat` alone.
    sb.command("touch")
        .args(["-d", "2026-01-01"])
        .arg(&registry)
        .status()
        .unwrap();
    let run = || {
        let mut cmd = sb.embargo();
        cmd.current_dir(sb.path())
            .env("XDG_CACHE_HOME", &cache)
            .args(["--registry", registry.to_str().unwrap(), "commit-msg", "-"]);
        run_with_stdin(&mut cmd, EMBARGOED.as_bytes())
    };
    assert_eq!(run().0, 1);
    let file = cache_file(&cache);
    let good = std::fs::read(&file).unwrap();
    assert_eq!(run().0, 1, "blocked through the cache");
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 5] = [
        ("a flipped byte in the middle", |d| {
            let i = d.len() / 2;
            d[i] ^= 0x55;
        }),
        ("a flipped last byte", |d| *d.last_mut().unwrap() ^= 1),
        ("truncated", |d| d.truncate(d.len() / 3)),
        ("zeroed", |d| d.iter_mut().for_each(|b| *b = 0)),
        ("empty", |d| d.clear()),
    ];
    for (what, damage) in damages {
        let mut bytes = good.clone();
        damage(&mut bytes);
        std::fs::write(&file, &bytes).unwrap();
        let (code, _, err) = run();
        assert_eq!(code, 1, "{what}: the verdict changed:\n{err}");
        assert!(err.contains("ratchet header replay"), "{what}:\n{err}");
    }
}
