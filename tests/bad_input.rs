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
