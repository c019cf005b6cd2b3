//! ci/install-test-tools.sh: it and the tests agree on where the tools are, and it needs
//! no root (run as a second account when the tests run as root).

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use common::*;

fn script() -> PathBuf {
    project_root().join("ci/install-test-tools.sh")
}

#[test]
fn the_script_and_the_tests_agree_on_the_cache_directory() {
    let sb = Sandbox::new();
    let home = sb.home();
    // Paths inside the sandbox only: a script that ignored --print-dir would install
    // there, not somewhere on the machine.
    let at = |p: &str| sb.path().join(p).to_string_lossy().into_owned();
    let (tools, xdg, other) = (at("tools"), at("xdg-cache"), at("no-such-home"));
    let cases: &[&[(&str, &str)]] = &[
        &[("EMBARGO_TEST_TOOLS", &tools), ("XDG_CACHE_HOME", &xdg)],
        &[("XDG_CACHE_HOME", &xdg)],
        // A relative XDG_CACHE_HOME is ignored, as the XDG spec says.
        &[("XDG_CACHE_HOME", "relative/cache")],
        &[("XDG_CACHE_HOME", "")],
        &[],
        &[("HOME", &other)],
    ];
    for case in cases {
        let var = |name: &str| -> Option<OsString> {
            if let Some((_, v)) = case.iter().find(|(k, _)| *k == name) {
                return Some(v.into());
            }
            (name == "HOME").then(|| home.clone().into_os_string())
        };
        let mut cmd = sb.command("sh");
        cmd.arg(script())
            .arg("--print-dir")
            .env_remove("EMBARGO_TEST_TOOLS")
            .env_remove("XDG_CACHE_HOME")
            .env("HOME", &home);
        for (k, v) in case.iter() {
            cmd.env(k, v);
        }
        let (code, out, err) = text(&cmd.output().unwrap());
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            Path::new(out.trim_end()),
            test_tools_dir_in(var),
            "{case:?}"
        );
    }
}

/// A `PATH` of the commands the script uses, without python3, npm or apt-get: nothing
/// can be downloaded, so the run shows what happens when a tool cannot be installed.
fn path_without_installers(sb: &Sandbox) -> PathBuf {
    let bin = sb.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let tools = [
        "sh", "dirname", "mktemp", "rm", "id", "mkdir", "flock", "readlink", "ln", "cat", "sed",
        "grep", "chmod",
    ];
    let path = std::env::var_os("PATH").unwrap();
    for tool in tools {
        if let Some(found) = std::env::split_paths(&path)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
        {
            std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
        }
    }
    bin
}

#[test]
fn without_root_a_missing_prerequisite_is_named_and_nothing_fails_midway() {
    let Some(account) = second_account("install-test-tools.sh as a user without root") else {
        return;
    };
    let sb = Sandbox::new();
    let cache = sb.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(
        sb.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let chown = std::process::Command::new("chown")
        .arg(format!("{}:{}", account.uid, account.gid))
        .arg(&cache)
        .status()
        .unwrap();
    assert!(chown.success());
    let bin = path_without_installers(&sb);
    let (code, out, err) = text(
        &account
            .command(&sb, "sh")
            .arg(script())
            .env("EMBARGO_TEST_TOOLS", cache.join("tools"))
            .env("PATH", &bin)
            .env("HOME", "/nonexistent")
            .output()
            .unwrap(),
    );
    // Not root: no apt-get, but the package to ask for; both tools reported missing,
    // exit 1, and no shell error on the way.
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("needs python3 python3-venv (ask for the Debian/Ubuntu package(s)"),
        "{err}"
    );
    assert!(err.contains("needs nodejs npm"), "{err}");
    assert!(
        !out.contains("apt-get") && !err.contains("apt-get"),
        "{out}{err}"
    );
    assert!(err.contains("MISSING: pre-commit"), "{err}");
    assert!(err.contains("MISSING: python-icalendar"), "{err}");
    assert!(err.contains("MISSING: sarif-multitool"), "{err}");
    assert!(!err.contains("Permission denied"), "{err}");
    assert!(cache.join("tools/bin").is_dir());
}

#[test]
fn a_cache_another_account_filled_is_used_read_only() {
    let Some(account) = second_account("a read-only test-tools cache") else {
        return;
    };
    // A cache root filled (here: by hand, as root) where the second account may not
    // write: the script must find everything in place and change nothing.
    let sb = Sandbox::new();
    std::fs::set_permissions(
        sb.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let tools = sb.path().join("tools");
    let venv = tools.join("venv");
    write_script(&venv.join("bin/python3"), "#!/bin/sh\nexit 0\n");
    write_script(&venv.join("bin/pre-commit"), "#!/bin/sh\nexit 0\n");
    std::fs::write(
        venv.join(".embargo-packages"),
        "pre-commit==4.7.0\nicalendar==7.3.0\n",
    )
    .unwrap();
    let multitool = tools.join("npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    write_script(&multitool, "#!/bin/sh\nexit 0\n");
    std::fs::write(tools.join("npm/.embargo-version"), "5.7.0\n").unwrap();
    std::fs::create_dir_all(tools.join("bin")).unwrap();
    write_script(
        &tools.join("bin/python-icalendar"),
        &format!(
            "#!/bin/sh\nexec \"{}\" \"$@\"\n",
            venv.join("bin/python3").display()
        ),
    );
    for (name, target) in [
        ("pre-commit", venv.join("bin/pre-commit")),
        ("sarif-multitool", multitool.clone()),
    ] {
        std::os::unix::fs::symlink(target, tools.join("bin").join(name)).unwrap();
    }
    let (code, out, err) = text(
        &account
            .command(&sb, "sh")
            .arg(script())
            .env("EMBARGO_TEST_TOOLS", &tools)
            .env("HOME", "/nonexistent")
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(out, "", "nothing to install, nothing said");
    assert_eq!(err, "");
    assert!(!tools.join(".lock").exists());
}
