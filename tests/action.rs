//! action.yml's binary cache: the scripts of its steps, taken from the file and run with
//! bash as a runner would run them (GitHub's variables set by hand; actions/cache itself
//! is GitHub's and not run here).

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// The `run: |` script of the step whose `name:` is `step`, as the runner gets it.
fn step_script(step: &str) -> String {
    let yml = std::fs::read_to_string(project_root().join("action.yml")).unwrap();
    let mut lines = yml
        .lines()
        .skip_while(|l| l.trim() != format!("- name: {step}"));
    assert!(lines.next().is_some(), "no step named {step:?}");
    let mut lines = lines.skip_while(|l| l.trim() != "run: |");
    assert!(lines.next().is_some(), "step {step:?} has no run block");
    let mut script = String::new();
    for line in lines {
        if !line.trim().is_empty() && !line.starts_with("        ") {
            break;
        }
        script.push_str(line.get(8..).unwrap_or(""));
        script.push('\n');
    }
    script
}

/// Runs a step's script in `dir` with these variables; (exit code, stdout, stderr, the
/// GITHUB_OUTPUT file, the GITHUB_PATH file).
fn run_step(
    sb: &Sandbox,
    step: &str,
    dir: &Path,
    env: &[(&str, &str)],
) -> (i32, String, String, String, String) {
    let output = sb.path().join("github-output");
    let path_file = sb.path().join("github-path");
    let _ = std::fs::remove_file(&output);
    let _ = std::fs::remove_file(&path_file);
    let mut cmd = sb.command("bash");
    cmd.current_dir(dir)
        .args(["-e", "-c", &step_script(step)])
        .env("GITHUB_ACTION_PATH", dir)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_PATH", &path_file)
        .env("RUNNER_TEMP", sb.path().join("runner-temp"))
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (code, out, err) = text(&cmd.output().unwrap());
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    (code, out, err, read(&output), read(&path_file))
}

/// A copy of what the key covers: Cargo.toml, Cargo.lock and src/.
fn action_copy(sb: &Sandbox) -> PathBuf {
    let dest = sb.path().join("action");
    let root = project_root();
    let listing = sb.git_ok(
        &root,
        &["ls-files", "--cached", "--others", "--exclude-standard"],
    );
    for name in listing.lines() {
        let covered = name == "Cargo.toml" || name == "Cargo.lock" || name.starts_with("src/");
        if covered && root.join(name).is_file() {
            let to = dest.join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(root.join(name), to).unwrap();
        }
    }
    dest
}

fn key(sb: &Sandbox, dir: &Path, env: &[(&str, &str)]) -> String {
    let (code, out, err, output, _) = run_step(sb, "Cache key for the embargo binary", dir, env);
    assert_eq!(code, 0, "{out}{err}");
    let key = output
        .lines()
        .find_map(|l| l.strip_prefix("key="))
        .unwrap_or_else(|| panic!("no key in {output:?}"));
    assert!(
        output.contains(&format!(
            "dir={}",
            sb.path().join("runner-temp/embargo-bin").display()
        )),
        "{output}"
    );
    key.to_string()
}

#[test]
fn the_cache_key_names_os_arch_ref_version_and_the_sources() {
    let sb = Sandbox::new();
    let dir = action_copy(&sb);
    let version = std::fs::read_to_string(dir.join("Cargo.toml"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    let tagged = key(&sb, &dir, &[("ACTION_REF", "v0.1.0")]);
    let prefix = format!("embargo-bin-Linux-X64-v0.1.0-{version}-");
    let hash = tagged
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{tagged} does not start with {prefix}"));
    assert_eq!(hash.len(), 16, "{tagged}");
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{tagged}");
    // The same sources give the same key: a second run restores what the first saved.
    assert_eq!(key(&sb, &dir, &[("ACTION_REF", "v0.1.0")]), tagged);

    // Another OS, another architecture, another ref: another key.
    let mac = key(
        &sb,
        &dir,
        &[("ACTION_REF", "v0.1.0"), ("RUNNER_OS", "macOS")],
    );
    assert_eq!(mac, tagged.replace("-Linux-", "-macOS-"));
    let arm = key(
        &sb,
        &dir,
        &[("ACTION_REF", "v0.1.0"), ("RUNNER_ARCH", "ARM64")],
    );
    assert_eq!(arm, tagged.replace("-X64-", "-ARM64-"));
    let branch = key(&sb, &dir, &[("ACTION_REF", "feature/x,y")]);
    assert_eq!(
        branch,
        tagged.replace("-v0.1.0-", "-feature_x_y-"),
        "a ref's slashes and commas are not key characters"
    );

    // A moving ref whose sources change gets a new key.
    let main = key(&sb, &dir, &[("ACTION_REF", "main")]);
    let lib = dir.join("src/lib.rs");
    let mut text = std::fs::read_to_string(&lib).unwrap();
    text.push_str("\n// changed\n");
    std::fs::write(&lib, text).unwrap();
    let changed = key(&sb, &dir, &[("ACTION_REF", "main")]);
    assert_ne!(changed, main);
    assert_eq!(changed[..changed.len() - 16], main[..main.len() - 16]);
}

#[test]
fn a_cached_binary_is_used_without_a_toolchain() {
    let sb = Sandbox::new();
    let dir = sb.path().join("action");
    std::fs::create_dir_all(&dir).unwrap();
    let bin_dir = sb.path().join("runner-temp/embargo-bin");
    std::fs::create_dir_all(bin_dir.join("bin")).unwrap();
    std::fs::copy(embargo_bin(), bin_dir.join("bin/embargo")).unwrap();
    let no_cargo = path_without("cargo").to_string_lossy().into_owned();
    let env = |hit: &'static str| {
        [
            ("EMBARGO_BIN_DIR", bin_dir.to_str().unwrap().to_string()),
            ("EMBARGO_CACHE_HIT", hit.to_string()),
            ("PATH", no_cargo.clone()),
        ]
    };

    let hit = env("true");
    let hit: Vec<(&str, &str)> = hit.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err, _, path) = run_step(&sb, "Install embargo", &dir, &hit);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("embargo: using the cached binary (embargo "),
        "{out}"
    );
    assert_eq!(path, format!("{}/bin\n", bin_dir.display()));

    // No cache, no toolchain: an error annotation that says what to do, exit 2.
    let miss = env("false");
    let miss: Vec<(&str, &str)> = miss.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err, _, path) = run_step(&sb, "Install embargo", &dir, &miss);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        out.starts_with("::error title=embargo::cargo not found"),
        "{out}"
    );
    assert_eq!(path, "");
}
