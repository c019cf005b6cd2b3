//! The compiled-registry cache against another account (issue 10, class 3): a real
//! second user, `nobody`, run through `setpriv`, owns the directory that holds the
//! victim's cache and writes there a cache that says the registry blocks nothing. The
//! victim's check still blocks. Needs root (to become `nobody`); skipped with a notice
//! otherwise.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const MESSAGE: &[u8] = b"Fix ratchet header replay in the relay\n";

/// `nobody`'s user and group ids, when this test can act as it.
fn nobody() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED: the cache-forging test needs root to run a second account (`nobody`)");
        return None;
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "nobody"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    let ids = id("-u").zip(id("-g"));
    if ids.is_none() || require_tool("setpriv").is_none() {
        eprintln!("SKIPPED: no `nobody` account or no `setpriv` to become it");
        return None;
    }
    ids
}

fn chown(path: &Path, (uid, gid): (u32, u32)) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

/// `embargo commit-msg -` over [`MESSAGE`] with this cache root, as root or as `nobody`.
fn check(sb: &Sandbox, registry: &Path, cache: &Path, who: Option<(u32, u32)>) -> i32 {
    let mut cmd = match who {
        None => sb.embargo(),
        Some((uid, gid)) => {
            let mut c = sb.command("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg("--")
                .arg(embargo_bin());
            c
        }
    };
    cmd.current_dir(sb.path())
        .env("XDG_CACHE_HOME", cache)
        .args(["--registry", registry.to_str().unwrap(), "commit-msg", "-"]);
    run_with_stdin(&mut cmd, MESSAGE).0
}

/// Rewrites the cache file under `root` so that its term no longer matches, and seals it
/// again with the key found beside it: what whoever can read that key can do.
fn forge(root: &Path) -> PathBuf {
    let dir = root.join("embargo");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "bin"))
        .expect("a cache file");
    let mut bytes = std::fs::read(&file).unwrap();
    let needle = b"ratchetheaderreplay";
    let mut patched = 0;
    for at in 0..bytes.len() - needle.len() {
        if &bytes[at..at + needle.len()] == needle {
            bytes[at + needle.len() - 1] = b'x';
            patched += 1;
        }
    }
    assert!(patched > 0, "the term's literal is in the cache");
    let key: [u8; 32] = std::fs::read(dir.join("key")).unwrap().try_into().unwrap();
    let body = bytes.len() - 32;
    let mac = *blake3::keyed_hash(&key, &bytes[..body]).as_bytes();
    bytes[body..].copy_from_slice(&mac);
    // Written in place: the file keeps its owner.
    std::fs::write(&file, &bytes).unwrap();
    file
}

#[test]
fn a_cache_another_account_could_write_is_never_trusted() {
    let Some(nobody) = nobody() else { return };
    let sb = Sandbox::new();
    // `nobody` must reach the sandbox, the registry and the binary.
    std::fs::set_permissions(sb.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let registry = sb.path().join("registry.json");
    std::fs::write(
        &registry,
        r#"{"version": 1, "policy": {"generic": "off"}, "issues": [{"id": "SX-2026-0142", "severity": "critical", "terms": ["ratchet header replay"]}]}"#,
    )
    .unwrap();
    // Long settled, so a cache may vouch for it on `stat` alone.
    assert!(sb
        .command("touch")
        .args(["-d", "2026-01-01"])
        .arg(&registry)
        .status()
        .unwrap()
        .success());

    // The recipe works: in the victim's own private cache, sealed with the victim's own
    // key (which only the victim can read), the forged cache is believed.
    let own = sb.path().join("own-cache");
    assert_eq!(check(&sb, &registry, &own, None), 1);
    forge(&own);
    assert_eq!(
        check(&sb, &registry, &own, None),
        0,
        "a cache sealed with the victim's key is trusted, forged or not"
    );

    // The attack: `nobody` owns the cache root, writes the cache there with its own key
    // and forges it. The victim's check does not believe it, and writes nothing there.
    let shared = sb.path().join("shared-cache");
    std::fs::create_dir(&shared).unwrap();
    chown(&shared, nobody);
    assert_eq!(check(&sb, &registry, &shared, Some(nobody)), 1);
    let forged = forge(&shared);
    assert_eq!(
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&forged).unwrap()),
        nobody.0
    );
    assert_eq!(
        check(&sb, &registry, &shared, Some(nobody)),
        0,
        "nobody's own forged cache fools only nobody"
    );
    assert_eq!(
        check(&sb, &registry, &shared, None),
        1,
        "the victim believed a cache in a directory another account owns"
    );
    for entry in walk(&shared) {
        let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&entry).unwrap());
        assert_eq!(uid, nobody.0, "the victim wrote {}", entry.display());
    }

    // The same forged bytes and nobody's key moved into a directory the victim owns:
    // the key is someone else's, so it is not believed either.
    let moved = sb.path().join("moved-cache");
    std::fs::create_dir(&moved).unwrap();
    assert!(Command::new("cp")
        .args(["-a"])
        .arg(shared.join("embargo"))
        .arg(&moved)
        .status()
        .unwrap()
        .success());
    assert_eq!(check(&sb, &registry, &moved, None), 1);
}

/// Every file and directory below `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}
