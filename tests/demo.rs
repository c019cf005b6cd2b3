//! `./demo.sh`, run as a newcomer runs it (HOME, TMPDIR and the install prefix inside a
//! sandbox; the binary under test handed to install.sh instead of a release build): it
//! must work on any day, say where it installs before it does, and leave no scratch
//! directory behind.

mod common;

use std::path::Path;

use common::*;

/// Runs demo.sh judged on `as_of`, with `extra` arguments and environment: (exit code,
/// stdout, stderr).
fn demo(sb: &Sandbox, as_of: &str, args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let tmp = sb.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut cmd = sb.command("bash");
    cmd.current_dir(sb.path())
        .arg(project_root().join("demo.sh"))
        .args(args)
        .env("EMBARGO_AS_OF", as_of)
        .env("EMBARGO_INSTALL_FROM", embargo_bin())
        .env("TMPDIR", &tmp)
        .env("PATH", path_without_embargo())
        .env_remove("PREFIX");
    for (k, v) in env {
        cmd.env(k, v);
    }
    text(&cmd.output().unwrap())
}

fn tmp_entries(sb: &Sandbox) -> Vec<String> {
    std::fs::read_dir(sb.path().join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn assert_refused_then_recorded(code: i32, out: &str, err: &str) {
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("-> refused"), "{out}");
    assert!(out.contains("-> recorded:"), "{out}");
    assert!(out.contains("Harden relay queue handling"), "{out}");
    // The refusal is embargo's own, from the hook, not some other failure of git commit.
    assert!(err.contains("error[embargoed-mention]"), "{err}");
    assert!(!err.contains("UNEXPECTED"), "{err}");
}

#[test]
fn demo_works_years_after_the_example_dates_and_cleans_up() {
    for as_of in ["2026-11-27", "2036-06-30", "2126-01-01"] {
        let sb = Sandbox::new();
        let prefix = sb.path().join("prefix");
        let (code, out, err) = demo(&sb, as_of, &[], &[("PREFIX", &prefix)]);
        assert_refused_then_recorded(code, &out, &err);
        assert!(prefix.join("bin/embargo").is_file());
        assert_eq!(tmp_entries(&sb), Vec::<String>::new(), "{out}");
        assert!(
            out.contains("scratch repository has been\nremoved"),
            "{out}"
        );
    }
}

#[test]
fn demo_says_where_it_installs_before_installing() {
    let sb = Sandbox::new();
    // No PREFIX: the default, ~/.local, in the sandbox's HOME.
    let (code, out, err) = demo(&sb, "2030-01-01", &[], &[]);
    assert_refused_then_recorded(code, &out, &err);
    let bin_dir = sb.home().join(".local/bin");
    assert!(bin_dir.join("embargo").is_file());
    let announced = out
        .find(&format!("installing embargo into {}", bin_dir.display()))
        .unwrap_or_else(|| panic!("no announcement:\n{out}"));
    let installed = out
        .find("installed: binary")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(announced < installed, "{out}");
}

#[test]
fn demo_keep_leaves_the_repository_and_names_it() {
    let sb = Sandbox::new();
    let prefix = sb.path().join("prefix");
    let (code, out, err) = demo(&sb, "2040-02-29", &["--keep"], &[("PREFIX", &prefix)]);
    assert_refused_then_recorded(code, &out, &err);
    let kept = tmp_entries(&sb);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let dir = sb.path().join("tmp").join(&kept[0]);
    assert!(
        out.contains(&format!("(remove {} when done)", dir.display())),
        "{out}"
    );
    let log = sb.git_ok(&dir.join("repo"), &["log", "--format=%s"]);
    assert_eq!(log, "Harden relay queue handling\n");
}

#[test]
fn demo_rejects_an_unknown_argument() {
    let sb = Sandbox::new();
    let prefix = sb.path().join("prefix");
    let (code, _, err) = demo(&sb, "2030-01-01", &["--bogus"], &[("PREFIX", &prefix)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown argument '--bogus'"), "{err}");
    assert!(!prefix.exists());
}
