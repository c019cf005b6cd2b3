//! `embargo completions bash|zsh|fish` and `embargo man`: generated from the same clap
//! definition the parser uses, and working in the real shells and in `man`'s formatter
//! (each skipped, with a visible line, where that shell or formatter is missing: the
//! test tools do not include them, since installing them takes root).

mod common;

use std::path::Path;

use common::*;

fn generated(sb: &Sandbox, args: &[&str]) -> String {
    let (code, out, err) = sb.run_embargo(sb.path(), args, b"");
    assert_eq!(code, 0, "{args:?}: {err}");
    assert_eq!(err, "", "{args:?}");
    out
}

/// What bash's completion offers for the words of a command line (the last one being
/// completed), with the script `embargo completions bash` printed.
fn bash_completes(sb: &Sandbox, script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let current = words.last().unwrap();
    let previous = words[words.len() - 2];
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_embargo embargo '{current}' '{previous}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words.len() - 1
    );
    let (code, out, err) = text(&sb.command("bash").args(["-c", &program]).output().unwrap());
    assert_eq!(code, 0, "{err}");
    out.lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_commands_options_and_values() {
    let sb = Sandbox::new();
    let script = sb.path().join("embargo.bash");
    std::fs::write(&script, generated(&sb, &["completions", "bash"])).unwrap();

    assert_eq!(
        bash_completes(&sb, &script, &["embargo", "co"]),
        ["commit-msg", "completions"]
    );
    let options = bash_completes(&sb, &script, &["embargo", "check", "--"]);
    for option in [
        "--registry",
        "--as-of",
        "--format",
        "--color",
        "--all",
        "--not",
    ] {
        assert!(options.iter().any(|o| o == option), "{option}: {options:?}");
    }
    assert_eq!(
        bash_completes(&sb, &script, &["embargo", "completions", "f"]),
        ["fish"]
    );
    assert_eq!(
        bash_completes(&sb, &script, &["embargo", "check", "--color", ""]),
        ["auto", "always", "never"]
    );
    assert_eq!(
        bash_completes(&sb, &script, &["embargo", "registry", "l"]),
        ["lint"]
    );
}

#[test]
fn zsh_and_fish_scripts_parse_in_their_shells() {
    let sb = Sandbox::new();
    let zsh = generated(&sb, &["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef embargo\n"), "{zsh}");
    let fish = generated(&sb, &["completions", "fish"]);
    assert!(fish.contains("complete -c embargo"), "{fish}");
    for (shell, script, check) in [("zsh", &zsh, "-n"), ("fish", &fish, "--no-execute")] {
        // Neither shell is one the test tools install (they need root to install).
        let Some(program) = find_tool(shell) else {
            skipped(&format!(
                "{shell} is not installed: its completion script was not parsed"
            ));
            continue;
        };
        let path = sb.path().join(format!("embargo.{shell}"));
        std::fs::write(&path, script).unwrap();
        let (code, out, err) = text(&sb.command(&program).arg(check).arg(&path).output().unwrap());
        assert_eq!(code, 0, "{shell}: {out}{err}");
        if shell == "fish" {
            // And fish completes with it.
            let line = format!("source '{}'; complete -C 'embargo co'", path.display());
            let (code, out, err) = text(
                &sb.command(&program)
                    .args(["--no-config", "-c", &line])
                    .output()
                    .unwrap(),
            );
            assert_eq!(code, 0, "{err}");
            let offered: Vec<&str> = out.lines().filter_map(|l| l.split('\t').next()).collect();
            assert_eq!(offered, ["commit-msg", "completions"], "{out}");
        }
    }
}

#[test]
fn completions_take_only_the_three_shells() {
    let sb = Sandbox::new();
    let (code, out, err) = sb.run_embargo(sb.path(), &["completions", "tcsh"], b"");
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(
        err.contains("invalid value 'tcsh'") && err.contains("[possible values: bash, zsh, fish]"),
        "{err}"
    );
}

#[test]
fn the_man_page_describes_every_command_and_formats_cleanly() {
    let sb = Sandbox::new();
    let page = generated(&sb, &["man"]);
    assert!(page.contains(".TH embargo 1"), "{page}");
    for section in [
        ".SH SUBCOMMANDS",
        ".SH \"EXIT STATUS\"",
        ".SH \"EMBARGO COMMIT-MSG\"",
        ".SH \"EMBARGO PRE-RECEIVE\"",
        ".SH \"EMBARGO CHECK\"",
        ".SH \"EMBARGO REGISTRY LINT\"",
        ".SH \"EMBARGO COMPLETIONS\"",
        ".SH \"EMBARGO MAN\"",
    ] {
        assert!(page.contains(section), "{section}:\n{page}");
    }
    // No references to pages that do not exist.
    assert!(!page.contains("(1)\n"), "{page}");
    let Some(groff) = find_tool("groff") else {
        skipped("groff is not installed: the man page was not formatted");
        return;
    };
    let path = sb.path().join("embargo.1");
    std::fs::write(&path, &page).unwrap();
    // -ww: every warning; -z: no output, only the check.
    let (code, out, err) = text(
        &sb.command(groff)
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(err, "", "groff warnings");
}
