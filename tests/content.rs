//! What commits add (contract §11): added lines and paths checked by `check`, by the
//! server's `pre-receive` (a real `git push`) and by the `commit-msg` hook (a real
//! `git commit`, staged changes), in real repositories with the example registry.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A repository with one clean commit; files are added by [`commit_files`].
fn setup() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let dir = sb.repo("work");
    (sb, dir)
}

/// Writes the files and commits them all with a clean message; the commit's id.
fn commit_files(sb: &Sandbox, dir: &Path, files: &[(&str, &[u8])], message: &str) -> String {
    for (name, data) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    sb.git_ok(dir, &["add", "-A"]);
    sb.git_ok(dir, &["commit", "-q", "--no-verify", "-m", message]);
    rev(sb, dir, "HEAD")
}

fn rev(sb: &Sandbox, dir: &Path, name: &str) -> String {
    sb.git_ok(dir, &["rev-parse", name]).trim().to_string()
}

/// `embargo check ARGS` in `dir` with the example registry: (code, stdout, stderr).
fn check(sb: &Sandbox, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut cmd = sb.embargo();
    cmd.current_dir(dir)
        .env("EMBARGO_REGISTRY", example_registry())
        .arg("check")
        .args(args);
    run_with_stdin(&mut cmd, b"")
}

/// The json findings of `check --format json ARGS`, with the exit code.
fn findings(sb: &Sandbox, dir: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = check(sb, dir, &all);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (
        code,
        doc["findings"].as_array().cloned().unwrap_or_default(),
    )
}

/// The one finding of the last commit, which must be blocked.
#[track_caller]
fn blocked_one(sb: &Sandbox, dir: &Path) -> Value {
    let (code, found) = findings(sb, dir, &["HEAD^..HEAD"]);
    assert_eq!(code, 1, "{found:?}");
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0].clone()
}

/// The registry's other names for the issue, and its summary, are not printed (§8).
#[track_caller]
fn hides(output: &str, private: &[&str]) {
    for p in private {
        assert!(!output.contains(p), "output prints {p:?}:\n{output}");
    }
}

#[track_caller]
fn allowed(sb: &Sandbox, dir: &Path, args: &[&str]) {
    let (code, out, err) = check(sb, dir, args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 blocked mentions"), "{out}");
}

#[test]
fn changelog_line_naming_an_alias_is_blocked_at_its_line_and_column() {
    let (sb, dir) = setup();
    let id = commit_files(
        &sb,
        &dir,
        &[(
            "CHANGELOG.md",
            b"# Changes\n\n## 1.4.2\n- Fix CVE-2026-41873 in the relay\n",
        )],
        "Update the changelog",
    );
    let f = blocked_one(&sb, &dir);
    assert_eq!(f["kind"], "embargoed-mention");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["source"]["type"], "change");
    assert_eq!(f["source"]["commit"], id.as_str());
    assert_eq!(f["source"]["path"], "CHANGELOG.md");
    assert_eq!(f["source"]["part"], "lines");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(7))
    );
    assert_eq!(f["text"], "CVE-2026-41873");
    assert_eq!(f["line_text"], "- Fix CVE-2026-41873 in the relay");

    // The human format names the commit, the file, line and column, and marks the match.
    let (code, out, _) = check(&sb, &dir, &["HEAD^..HEAD"]);
    assert_eq!(code, 1);
    let short = &id[..12];
    assert!(
        out.contains(&format!(
            "commit {short} \"Update the changelog\" file CHANGELOG.md:4:7"
        )),
        "{out}"
    );
    assert!(
        out.contains("4 | - Fix CVE-2026-41873 in the relay"),
        "{out}"
    );
    assert!(out.contains("  |       ^^^^^^^^^^^^^^\n"), "{out}");
}

#[test]
fn id_in_a_code_comment_and_in_a_snake_case_test_name_are_blocked() {
    let (sb, dir) = setup();
    commit_files(
        &sb,
        &dir,
        &[("src/relay.c", b"int relay(void)\n{\n    return 0;\n}\n")],
        "Add the relay",
    );
    commit_files(
        &sb,
        &dir,
        &[(
            "src/relay.c",
            b"int relay(void)\n{\n    // guard against SX-2026-011\n    return 0;\n}\n",
        )],
        "Guard the relay",
    );
    let f = blocked_one(&sb, &dir);
    assert_eq!(f["source"]["path"], "src/relay.c");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(3), Some(22))
    );

    commit_files(
        &sb,
        &dir,
        &[("tests/relay.rs", b"#[test]\nfn test_sx_2026_011() {}\n")],
        "Test the relay",
    );
    let f = blocked_one(&sb, &dir);
    assert_eq!(f["source"]["path"], "tests/relay.rs");
    assert_eq!(f["text"], "sx_2026_011");
    assert_eq!(f["line"].as_u64(), Some(2));
}

#[test]
fn a_new_file_and_a_rename_into_a_path_naming_the_id_are_blocked() {
    let (sb, dir) = setup();
    commit_files(
        &sb,
        &dir,
        &[("tests/sx-2026-011.rs", b"fn replay() {}\n")],
        "Add a regression test",
    );
    let f = blocked_one(&sb, &dir);
    assert_eq!(f["source"]["path"], "tests/sx-2026-011.rs");
    assert_eq!(f["source"]["part"], "path");
    assert_eq!(f["text"], "sx-2026-011");

    commit_files(&sb, &dir, &[("docs/notes.md", b"notes\n")], "Add notes");
    sb.git_ok(&dir, &["mv", "docs/notes.md", "docs/CVE-2026-42210.md"]);
    sb.git_ok(
        &dir,
        &["commit", "-q", "--no-verify", "-m", "Move the notes"],
    );
    let f = blocked_one(&sb, &dir);
    assert_eq!(f["source"]["path"], "docs/CVE-2026-42210.md");
    assert_eq!(f["severity"], "high");
}

/// The example registry with `policy.content` set to `mode`, written into the sandbox.
fn registry_with_content(sb: &Sandbox, mode: &str) -> PathBuf {
    let registry = sb.path().join(format!("{mode}.json"));
    let text = std::fs::read_to_string(example_registry()).unwrap();
    let policy = format!("\"policy\": {{\n    \"content\": \"{mode}\",");
    let text = text.replacen("\"policy\": {", &policy, 1);
    assert_ne!(text.len(), std::fs::read(example_registry()).unwrap().len());
    std::fs::write(&registry, text).unwrap();
    registry
}

#[test]
fn terms_count_under_all_not_under_ids() {
    let (sb, dir) = setup();
    commit_files(
        &sb,
        &dir,
        &[("src/relay.c", b"/* stop the ratchet header replay */\n")],
        "Harden the relay",
    );
    allowed(&sb, &dir, &["HEAD^..HEAD"]);
    let (code, found) = findings(&sb, &dir, &["--content", "all", "HEAD^..HEAD"]);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["text"], "ratchet header replay");

    // The same through the registry's policy.
    let registry = registry_with_content(&sb, "all");
    let (code, _, err) = sb.run_embargo(
        &dir,
        &[
            "--registry",
            registry.to_str().unwrap(),
            "check",
            "HEAD^..HEAD",
        ],
        b"",
    );
    assert_eq!(code, 1, "{err}");
}

#[test]
fn content_off_by_policy_or_flag_checks_messages_only() {
    let (sb, dir) = setup();
    commit_files(
        &sb,
        &dir,
        &[("CHANGELOG.md", b"- Fix SX-2026-011\n")],
        "Update the changelog",
    );
    let (code, _, _) = check(&sb, &dir, &["HEAD^..HEAD"]);
    assert_eq!(code, 1);
    allowed(&sb, &dir, &["--content", "off", "HEAD^..HEAD"]);

    let registry = registry_with_content(&sb, "off");
    let (code, out, err) = sb.run_embargo(
        &dir,
        &[
            "--registry",
            registry.to_str().unwrap(),
            "check",
            "HEAD^..HEAD",
        ],
        b"",
    );
    assert_eq!(code, 0, "{out}{err}");
    // The flag overrides the policy both ways.
    let (code, _, _) = sb.run_embargo(
        &dir,
        &[
            "--registry",
            registry.to_str().unwrap(),
            "--content",
            "ids",
            "check",
            "HEAD^..HEAD",
        ],
        b"",
    );
    assert_eq!(code, 1);
}

#[test]
fn removed_lines_low_disclosed_near_miss_and_binary_are_allowed() {
    let (sb, dir) = setup();
    commit_files(
        &sb,
        &dir,
        &[("NOTES", b"keep\nSX-2026-011 was here\nkeep\n")],
        "Add notes",
    );
    // Removing the line adds nothing.
    commit_files(&sb, &dir, &[("NOTES", b"keep\nkeep\n")], "Trim notes");
    allowed(&sb, &dir, &["HEAD^..HEAD"]);

    // A low-severity id, a disclosed alias, and a near miss of an embargoed id.
    commit_files(
        &sb,
        &dir,
        &[(
            "CHANGELOG.md",
            b"- SX-2026-020 quieter logs\n- CVE-2025-90112 fixed\n- ticket SX-2026-0111\n",
        )],
        "Changelog",
    );
    allowed(&sb, &dir, &["HEAD^..HEAD"]);

    // A binary file (a NUL in its first 8,000 bytes) is not read for mentions.
    let mut blob = b"\x89PNG\r\n\x1a\n\0\0".to_vec();
    blob.extend_from_slice(b"SX-2026-011");
    commit_files(&sb, &dir, &[("logo.png", &blob)], "Add the logo");
    allowed(&sb, &dir, &["HEAD^..HEAD"]);
    // The same bytes without the NUL are text, and blocked.
    commit_files(
        &sb,
        &dir,
        &[(
            "logo.txt",
            &blob
                .iter()
                .copied()
                .filter(|&b| b != 0)
                .collect::<Vec<u8>>(),
        )],
        "Add the logo as text",
    );
    let f = blocked_one(&sb, &dir);
    assert_eq!(f["source"]["path"], "logo.txt");
}

/// A branch whose commit adds an embargoed line, merged into `main` without fast-forward.
fn merged_branch(sb: &Sandbox, dir: &Path) -> String {
    sb.git_ok(dir, &["checkout", "-q", "-b", "topic"]);
    let topic = commit_files(
        sb,
        dir,
        &[("src/relay.c", b"// SX-2026-011\nint relay;\n")],
        "Relay work",
    );
    sb.git_ok(dir, &["checkout", "-q", "main"]);
    commit_files(sb, dir, &[("other.txt", b"other\n")], "Other work");
    topic
}

#[test]
fn a_merge_answers_only_for_what_it_introduces() {
    let (sb, dir) = setup();
    let topic = merged_branch(&sb, &dir);
    sb.git_ok(
        &dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "--no-verify",
            "-m",
            "Merge topic",
            "topic",
        ],
    );
    // The merge alone brings the branch's line but does not add it: allowed.
    allowed(&sb, &dir, &["HEAD^!"]);
    // The branch's own commit answers for it.
    let (code, found) = findings(&sb, &dir, &["HEAD^..HEAD"]);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["source"]["commit"], topic.as_str());
}

#[test]
fn an_evil_merge_is_blocked_for_the_lines_it_adds_itself() {
    let (sb, dir) = setup();
    merged_branch(&sb, &dir);
    sb.git_ok(&dir, &["merge", "-q", "--no-ff", "--no-commit", "topic"]);
    std::fs::write(
        dir.join("src/relay.c"),
        "// SX-2026-011\nint relay;\n// see CVE-2026-41873\n",
    )
    .unwrap();
    sb.git_ok(&dir, &["add", "src/relay.c"]);
    sb.git_ok(&dir, &["commit", "-q", "--no-verify", "-m", "Merge topic"]);
    let merge = rev(&sb, &dir, "HEAD");
    let (code, found) = findings(&sb, &dir, &["HEAD^!"]);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["source"]["commit"], merge.as_str());
    assert_eq!(found[0]["line"].as_u64(), Some(3));
    assert_eq!(found[0]["text"], "CVE-2026-41873");
}

#[test]
fn a_text_file_too_large_to_check_is_a_warning_naming_it() {
    let (sb, dir) = setup();
    let big = "filler line\n".repeat((17 << 20) / 12);
    commit_files(&sb, &dir, &[("data/big.txt", big.as_bytes())], "Add data");
    let (code, found) = findings(&sb, &dir, &["HEAD^..HEAD"]);
    assert_eq!(code, 0);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["kind"], "file-too-large");
    assert_eq!(found[0]["level"], "warning");
    assert_eq!(found[0]["source"]["path"], "data/big.txt");
    let (code, out, _) = check(&sb, &dir, &["HEAD^..HEAD"]);
    assert_eq!(code, 0);
    assert!(out.contains("warning[file-too-large]"), "{out}");
    assert!(out.contains("data/big.txt"), "{out}");
}

#[test]
fn a_push_adding_an_embargoed_line_is_rejected_and_the_ref_stays() {
    let sb = Sandbox::new();
    let bare = sb.path().join("srv.git");
    std::fs::create_dir_all(&bare).unwrap();
    sb.git_ok(&bare, &["init", "-q", "--bare", "-b", "main"]);
    let (code, _, err) = run_install(
        &sb,
        &sb.path().join("prefix"),
        &["--server", bare.to_str().unwrap(), "--no-build"],
    );
    assert_eq!(code, 0, "{err}");
    sb.git_ok(
        &bare,
        &[
            "config",
            "embargo.registry",
            example_registry().to_str().unwrap(),
        ],
    );
    let dir = sb.repo("client");
    let url = format!("file://{}", bare.display());
    sb.git_ok(&dir, &["remote", "add", "origin", &url]);
    let push = |sb: &Sandbox| {
        sb.command("git")
            .current_dir(&dir)
            .args(["push", "-q", "origin", "main"])
            .env("EMBARGO_BIN", embargo_bin())
            .output()
            .unwrap()
    };
    assert!(push(&sb).status.success());
    let before = sb.git_ok(&bare, &["rev-parse", "main"]);

    commit_files(
        &sb,
        &dir,
        &[("CHANGELOG.md", b"- Fix GHSA-7xq2-9m4r-p3fw\n")],
        "Update the changelog",
    );
    let out = push(&sb);
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "push accepted:\n{text}");
    assert!(text.contains("pre-receive hook declined"), "{text}");
    assert!(text.contains("file CHANGELOG.md:1:7"), "{text}");
    hides(
        &text,
        &["SX-2026-011", "CVE-2026-41873", "ratchet", "Replayed"],
    );
    assert_eq!(sb.git_ok(&bare, &["rev-parse", "main"]), before);

    // A clean change goes through.
    sb.git_ok(&dir, &["reset", "-q", "--hard", "HEAD^"]);
    commit_files(
        &sb,
        &dir,
        &[("CHANGELOG.md", b"- Fix the relay\n")],
        "Changelog",
    );
    assert!(push(&sb).status.success());
}

/// A repository with the commit-msg hook installed by `install.sh --repo`.
fn hooked() -> (Sandbox, PathBuf) {
    let (sb, dir) = setup();
    let (code, _, err) = run_install(
        &sb,
        &sb.path().join("prefix"),
        &["--repo", dir.to_str().unwrap(), "--no-build"],
    );
    assert_eq!(code, 0, "{err}");
    sb.git_ok(
        &dir,
        &[
            "config",
            "embargo.registry",
            example_registry().to_str().unwrap(),
        ],
    );
    (sb, dir)
}

fn git_commit(sb: &Sandbox, dir: &Path, args: &[&str]) -> (bool, String) {
    let out = sb
        .command("git")
        .current_dir(dir)
        .arg("commit")
        .args(args)
        .env("EMBARGO_BIN", embargo_bin())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn git_commit_is_refused_for_its_staged_changes() {
    let (sb, dir) = hooked();
    let head = rev(&sb, &dir, "HEAD");
    std::fs::write(dir.join("CHANGELOG.md"), "- Fix SX-2026-014\n").unwrap();
    sb.git_ok(&dir, &["add", "CHANGELOG.md"]);
    let (ok, err) = git_commit(&sb, &dir, &["-q", "-m", "Update the changelog"]);
    assert!(!ok, "commit went through:\n{err}");
    assert!(err.contains("staged file CHANGELOG.md:1:7"), "{err}");
    hides(&err, &["CVE-2026-42210", "chunk digest", "non-constant"]);
    assert_eq!(rev(&sb, &dir, "HEAD"), head);

    // `commit -a` and a partial commit hand the hook another index (GIT_INDEX_FILE).
    sb.git_ok(&dir, &["reset", "-q"]);
    sb.git_ok(&dir, &["add", "CHANGELOG.md"]);
    sb.git_ok(&dir, &["commit", "-q", "--no-verify", "-m", "Changelog"]);
    std::fs::write(
        dir.join("CHANGELOG.md"),
        "- Fix SX-2026-014\n- see CVE-2026-42210\n",
    )
    .unwrap();
    let (ok, err) = git_commit(&sb, &dir, &["-q", "-a", "-m", "More changelog"]);
    assert!(!ok, "commit -a went through:\n{err}");
    assert!(err.contains("staged file CHANGELOG.md:2:7"), "{err}");
    std::fs::write(dir.join("other.txt"), "clean\n").unwrap();
    sb.git_ok(&dir, &["add", "other.txt"]);
    let (ok, err) = git_commit(&sb, &dir, &["-q", "-m", "Partial", "--", "CHANGELOG.md"]);
    assert!(!ok, "partial commit went through:\n{err}");
    assert!(err.contains("staged file CHANGELOG.md:2:7"), "{err}");

    // A clean staged change is committed; the dirty file left unstaged is not its business.
    let (ok, err) = git_commit(&sb, &dir, &["-q", "-m", "Add other"]);
    assert!(ok, "{err}");
}

#[test]
fn a_staged_file_that_cannot_be_read_refuses_the_commit_with_its_cause() {
    let (sb, dir) = setup();
    std::fs::write(dir.join("notes.txt"), "a clean line\n").unwrap();
    sb.git_ok(&dir, &["add", "notes.txt"]);
    // The staged blob's object is gone (a broken object store, a crafted index).
    let blob = sb.git_ok(&dir, &["rev-parse", ":notes.txt"]);
    let blob = blob.trim();
    std::fs::remove_file(dir.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    std::fs::write(dir.join("msg"), "Add notes\n").unwrap();
    let mut cmd = sb.embargo();
    cmd.current_dir(&dir)
        .env("EMBARGO_REGISTRY", example_registry())
        .args(["commit-msg", "msg"]);
    let (code, out, err) = run_with_stdin(&mut cmd, b"");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("cannot read the staged changes"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // With the changes not checked, the same message passes: it was the changes.
    let mut off = sb.embargo();
    off.current_dir(&dir)
        .env("EMBARGO_REGISTRY", example_registry())
        .args(["--content", "off", "commit-msg", "msg"]);
    let (code, out, err) = run_with_stdin(&mut off, b"");
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn changed_files_are_the_files_git_diff_tree_reports() {
    use embargo::git::diff::{changed_files, CachedObjects};
    let (sb, dir) = setup();
    let mut commits = vec![rev(&sb, &dir, "HEAD")];
    let steps: &[&[(&str, &[u8])]] = &[
        &[
            ("a/b/c.txt", b"1\n"),
            ("a/d.txt", b"2\n"),
            ("a.c", b"3\n"),
            ("a0", b"4\n"),
        ],
        &[("a/b/c.txt", b"1 changed\n"), ("e/f/g/h.txt", b"5\n")],
        &[("x", b"file\n")],
    ];
    for files in steps {
        commits.push(commit_files(&sb, &dir, files, "step"));
    }
    // A file that becomes a directory, a deletion, a mode change, a submodule entry.
    sb.git_ok(&dir, &["rm", "-q", "x", "a/d.txt"]);
    std::fs::create_dir_all(dir.join("x")).unwrap();
    std::fs::write(dir.join("x/inside.txt"), "6\n").unwrap();
    sb.git_ok(&dir, &["add", "-A"]);
    sb.git_ok(&dir, &["update-index", "--chmod=+x", "a.c"]);
    sb.git_ok(
        &dir,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{},sub", commits[1]),
        ],
    );
    sb.git_ok(&dir, &["commit", "-q", "--no-verify", "-m", "reshape"]);
    commits.push(rev(&sb, &dir, "HEAD"));

    let repo = git2::Repository::open(&dir).unwrap();
    let odb = repo.odb().unwrap();
    let objects = CachedObjects::new(&odb);
    let tree = |c: &str| {
        repo.find_commit(git2::Oid::from_str(c).unwrap())
            .unwrap()
            .tree_id()
    };
    for pair in commits.windows(2) {
        let ours: Vec<String> = changed_files(&objects, Some(tree(&pair[0])), Some(tree(&pair[1])))
            .unwrap()
            .into_iter()
            .map(|c| String::from_utf8(c.path).unwrap())
            .collect();
        // git's list without submodules, which are not files; a mode change alone adds
        // nothing, so it is not a change here either.
        let theirs = sb.git_ok(
            &dir,
            &[
                "diff-tree",
                "-r",
                "--no-renames",
                "--raw",
                "--no-abbrev",
                &pair[0],
                &pair[1],
            ],
        );
        let mut theirs: Vec<String> = theirs
            .lines()
            .filter_map(|l| {
                let (meta, path) = l.split_once('\t')?;
                let f: Vec<&str> = meta.split(' ').collect();
                let submodule = f[0] == ":160000" || f[1] == "160000";
                (!submodule && f[2] != f[3]).then(|| path.to_string())
            })
            .collect();
        theirs.sort();
        let mut sorted = ours.clone();
        sorted.sort();
        assert_eq!(sorted, theirs, "{pair:?}");
    }
}
