//! Bad input gets a one-line cause and exit 2, or is checked in full: never a panic and
//! never a silent pass.

mod common;

use common::{example_registry, Sandbox};

fn run(sb: &Sandbox, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let reg = example_registry();
    let mut full = vec!["--registry", reg.to_str().unwrap()];
    full.extend_from_slice(args);
    sb.run_embargo(sb.path(), &full, stdin)
}

#[test]
fn a_50_mb_message_is_checked_in_full() {
    let sb = Sandbox::new();
    let mut msg = "Refactor the queue.\n".to_string();
    while msg.len() < 50 << 20 {
        msg.push_str("lorem ipsum dolor sit amet, consectetur adipiscing elit sed do\n");
    }
    msg.push_str("and at the very end: ratchet header replay\n");
    let path = sb.path().join("huge.txt");
    std::fs::write(&path, &msg).unwrap();
    let (code, _, err) = run(&sb, &["commit-msg", path.to_str().unwrap()], b"");
    assert_eq!(
        code,
        1,
        "the mention at the end is found:\n{}",
        &err[..err.len().min(2000)]
    );
    assert!(err.contains("ratchet header replay"));
}

#[test]
fn a_message_over_the_limit_is_refused_not_skimmed() {
    let sb = Sandbox::new();
    let path = sb.path().join("too-big.txt");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len((64 << 20) + 1).unwrap();
    let (code, _, err) = run(&sb, &["commit-msg", path.to_str().unwrap()], b"");
    assert_eq!(code, 2);
    assert!(err.contains("larger than 64 MiB"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn text_after_a_nul_byte_is_checked() {
    let sb = Sandbox::new();
    let (code, _, err) = run(
        &sb,
        &["commit-msg", "-"],
        b"Tidy up\0 ratchet header replay\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("<U+0000>"), "the NUL is shown escaped:\n{err}");
}

#[test]
fn invalid_utf8_is_an_error() {
    let sb = Sandbox::new();
    let (code, _, err) = run(&sb, &["commit-msg", "-"], b"ratchet \xff header\n");
    assert_eq!(code, 2);
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn unreadable_inputs_are_errors() {
    let sb = Sandbox::new();
    // A directory cannot be read as a file, even by root.
    let dir = sb.path().to_str().unwrap();
    let (code, _, err) = run(&sb, &["commit-msg", dir], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("embargo: error: cannot read"), "{err}");
    let (code, _, err) = sb.run_embargo(sb.path(), &["--registry", dir, "commit-msg", "-"], b"x");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a directory"), "{err}");
    let (code, _, err) = sb.run_embargo(
        sb.path(),
        &["--registry", "/no/such/registry.json", "commit-msg", "-"],
        b"x",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/no/such/registry.json"), "{err}");
}

#[test]
fn a_registry_that_is_not_utf8_is_an_error() {
    let sb = Sandbox::new();
    let reg = sb.path().join("latin1.json");
    std::fs::write(
        &reg,
        b"{\"version\": 1, \"issues\": [{\"id\": \"caf\xe9\"}]}",
    )
    .unwrap();
    let (code, _, err) = sb.run_embargo(
        sb.path(),
        &["--registry", reg.to_str().unwrap(), "commit-msg", "-"],
        b"x",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not UTF-8"), "{err}");
}

#[test]
fn missing_registry_names_every_place_looked_at() {
    let sb = Sandbox::new();
    let (code, _, err) = sb.run_embargo(sb.path(), &["commit-msg", "-"], b"x");
    assert_eq!(code, 2);
    for place in [
        "--registry",
        "$EMBARGO_REGISTRY",
        "$EMBARGO_REGISTRY_JSON",
        "embargo.registry",
        "registry.json",
    ] {
        assert!(err.contains(place), "{place} missing from: {err}");
    }
}

#[test]
fn discovery_order_is_flag_env_secret_config_xdg() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let low = sb.path().join("low.json");
    std::fs::write(
        &low,
        r#"{"version":1,"issues":[{"id":"Q-1","severity":"low","terms":["zeta word"]}]}"#,
    )
    .unwrap();
    let high = r#"{"version":1,"issues":[{"id":"Q-1","severity":"high","terms":["zeta word"]}]}"#;
    let high_path = sb.path().join("high.json");
    std::fs::write(&high_path, high).unwrap();
    let xdg = sb.home().join(".config/embargo");
    std::fs::create_dir_all(&xdg).unwrap();
    std::fs::write(xdg.join("registry.json"), high).unwrap();
    let msg = b"zeta word\n";
    let code = |cmd: &mut std::process::Command| {
        common::run_with_stdin(cmd.current_dir(&repo).args(["commit-msg", "-"]), msg).0
    };
    // XDG only: high, blocked.
    assert_eq!(code(&mut sb.embargo()), 1);
    // git config beats XDG.
    sb.git_ok(
        &repo,
        &["config", "embargo.registry", low.to_str().unwrap()],
    );
    assert_eq!(code(&mut sb.embargo()), 0);
    // The secret beats git config.
    assert_eq!(code(sb.embargo().env("EMBARGO_REGISTRY_JSON", high)), 1);
    // $EMBARGO_REGISTRY beats the secret.
    assert_eq!(
        code(
            sb.embargo()
                .env("EMBARGO_REGISTRY_JSON", high)
                .env("EMBARGO_REGISTRY", &low)
        ),
        0
    );
    // --registry beats everything.
    let mut c = sb.embargo();
    c.env("EMBARGO_REGISTRY", &low)
        .args(["--registry", high_path.to_str().unwrap()]);
    assert_eq!(code(&mut c), 1);
}

/// Runs `embargo ARGS` and gives up after `secs` seconds: a read that blocks must fail
/// this test, not hang the suite.
fn run_with_deadline(sb: &Sandbox, args: &[&str], secs: u64) -> (i32, String, String) {
    let mut child = sb
        .embargo()
        .current_dir(sb.path())
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() >= secs {
            child.kill().unwrap();
            panic!("embargo {args:?} still runs after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    common::text(&child.wait_with_output().unwrap())
}

#[test]
fn a_registry_that_is_not_a_regular_file_is_refused_at_once() {
    let sb = Sandbox::new();
    let fifo = sb.path().join("registry.fifo");
    assert!(sb.command("mkfifo").arg(&fifo).status().unwrap().success());
    let fifo = fifo.to_str().unwrap();
    for (args, kind) in [
        (vec!["registry", "lint", "/dev/zero"], "a device"),
        (vec!["registry", "lint", fifo], "a FIFO"),
        (vec!["--registry", fifo, "commit-msg", "-"], "a FIFO"),
        (
            vec!["--registry", "/dev/zero", "commit-msg", "-"],
            "a device",
        ),
    ] {
        let (code, _, err) = run_with_deadline(&sb, &args, 10);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains(&format!("it is {kind}, not a regular file")),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A message file that is a FIFO does not block the hook either.
    let reg = example_registry();
    let (code, _, err) = run_with_deadline(
        &sb,
        &["--registry", reg.to_str().unwrap(), "commit-msg", fifo],
        10,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a FIFO"), "{err}");
}

#[test]
fn a_registry_over_the_size_limit_is_refused() {
    let sb = Sandbox::new();
    let reg = sb.path().join("big.json");
    let f = std::fs::File::create(&reg).unwrap();
    f.set_len((64 << 20) + 1).unwrap();
    let (code, _, err) = run_with_deadline(&sb, &["registry", "lint", reg.to_str().unwrap()], 10);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("larger than 64 MiB"), "{err}");
}

#[test]
fn registry_lint_names_where_utf8_breaks_and_a_raw_nul() {
    let sb = Sandbox::new();
    let reg = sb.path().join("latin1.json");
    std::fs::write(
        &reg,
        b"{\"version\": 1,\n \"issues\": [{\"id\": \"caf\xe9\"}]}",
    )
    .unwrap();
    let (code, _, err) =
        sb.run_embargo(sb.path(), &["registry", "lint", reg.to_str().unwrap()], b"");
    assert_eq!(code, 2, "{err}");
    let at = format!(
        "{}:2:24: the registry is not UTF-8 (byte 38)",
        reg.display()
    );
    assert!(err.contains(&at), "{err}");

    std::fs::write(
        &reg,
        b"{\"version\": 1, \"issues\": [{\"id\": \"SX\x00-1\"}]}",
    )
    .unwrap();
    let (code, out, _) =
        sb.run_embargo(sb.path(), &["registry", "lint", reg.to_str().unwrap()], b"");
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(":1:37: invalid JSON: a raw NUL byte in a string"),
        "{out}"
    );
}

#[test]
fn registry_lint_reports_ids_and_aliases_that_match_the_same_text() {
    let sb = Sandbox::new();
    let reg = sb.path().join("dups.json");
    std::fs::write(
        &reg,
        "{\"version\": 1, \"issues\": [\n\
         {\"id\": \"SX-1\", \"aliases\": [\"sx 1\"]},\n\
         {\"id\": \"\u{FF33}\u{FF38}-1\"},\n\
         {\"id\": \"SX_1\"},\n\
         {\"id\": \"SX-2\", \"aliases\": [\"CVE-2026-1\"]},\n\
         {\"id\": \"SX-3\", \"aliases\": [\"cve 2026 1\", \"SX.2\"]}\n\
         ]}",
    )
    .unwrap();
    let (code, out, _) =
        sb.run_embargo(sb.path(), &["registry", "lint", reg.to_str().unwrap()], b"");
    assert_eq!(code, 2, "{out}");
    for line in [
        ":3:8: issue \u{FF33}\u{FF38}-1: duplicate id (also at line 2)",
        ":4:8: issue SX_1: duplicate id (also at line 2)",
        ":6:28: issue SX-3: duplicate alias: it matches the same text as the alias at line 5",
        ":6:42: issue SX-3: duplicate alias: it matches the same text as the id at line 5",
    ] {
        assert!(out.contains(line), "{line:?} missing:\n{out}");
    }
    // An alias that repeats its own issue's id is no clash.
    assert!(!out.contains(":2:"), "{out}");
    assert!(out.contains("4 problems"), "{out}");
}
