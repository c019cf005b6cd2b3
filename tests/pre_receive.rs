//! `embargo pre-receive` (contract §7, §8, §9): real `git push` over `file://` into bare
//! repositories whose hook `install.sh --server` installed, so the hook runs in git's
//! quarantine exactly as on a server.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::server::*;
use common::*;
use serde_json::Value;

const EMBARGOED: &str = "Fix ratchet header replay in the relay";

#[test]
fn benign_push_is_accepted() {
    let s = Server::new("benign.git");
    let head = s.commit("Tidy the parser");
    let out = s.push(&["origin", "main"]);
    assert_accepted(&out);
    assert_eq!(
        s.server_ref("refs/heads/main").as_deref(),
        Some(head.as_str())
    );
    assert!(!stderr(&out).contains("error["), "{}", stderr(&out));
}

#[test]
fn embargoed_commit_made_with_no_verify_is_rejected_and_ref_unchanged() {
    let s = Server::new("commit.git");
    let before = s.server_ref("refs/heads/main").unwrap();
    s.commit("Refactor the relay");
    s.commit(EMBARGOED);
    s.commit("Update docs"); // the mention is not at the tip
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(err.contains("remote: error[embargoed-mention]"), "{err}");
    assert!(err.contains("severity: critical"), "{err}");
    assert!(err.contains("in 3 commits checked"), "{err}");
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), before);
}

#[test]
fn embargoed_branch_name_is_rejected() {
    let s = Server::new("branch.git");
    let out = s.push(&["origin", "main:refs/heads/fix/ratchet-header-replay"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains("ref name refs/heads/fix/ratchet-header-replay"));
    assert_eq!(s.server_ref("refs/heads/fix/ratchet-header-replay"), None);
}

#[test]
fn annotated_tag_with_embargoed_message_is_rejected() {
    let s = Server::new("tag.git");
    s.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        "Release 1.0: fixes CVE-2026-41873",
    ]);
    let out = s.push(&["origin", "v1.0"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains("tag v1.0"), "{}", stderr(&out));
    assert_eq!(s.server_ref("refs/tags/v1.0"), None);

    // A benign tag pointing at that tag: the chain is followed.
    s.git(&["tag", "-a", "outer", "v1.0", "-m", "Signed off"]);
    let out = s.push(&["origin", "outer"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains("tag v1.0"), "{}", stderr(&out));

    // A tag object's own name travels with it, whatever ref it is pushed under.
    s.git(&["tag", "-a", "ratchet-header-replay", "-m", "Benign"]);
    let out = s.push(&["origin", "refs/tags/ratchet-header-replay:refs/tags/v2"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("tag ratchet-header-replay"),
        "{}",
        stderr(&out)
    );

    s.git(&["tag", "-a", "v1.1", "-m", "Release 1.1"]);
    assert_accepted(&s.push(&["origin", "v1.1"]));
    assert!(s.server_ref("refs/tags/v1.1").is_some());
}

#[test]
fn deletion_is_accepted() {
    let s = Server::new("delete.git");
    s.commit("Work in progress");
    assert_accepted(&s.push(&["origin", "HEAD:refs/heads/topic"]));
    assert!(s.server_ref("refs/heads/topic").is_some());
    let out = s.push(&["origin", ":refs/heads/topic"]);
    assert_accepted(&out);
    assert_eq!(s.server_ref("refs/heads/topic"), None);
}

#[test]
fn new_branch_at_an_already_pushed_commit_is_accepted() {
    let s = Server::new("existing.git");
    // Pushed while its embargo was already lifted (the judging day is after the
    // timeline): the commit is on the server.
    s.commit(EMBARGOED);
    let out = s
        .push_cmd(&s.client, &["origin", "main"])
        .env("EMBARGO_AS_OF", "2027-06-01")
        .output()
        .unwrap();
    assert_accepted(&out);
    // Judged today that commit would be blocked, but it is not new: a branch created
    // at it, or at its parent, brings nothing new to check.
    assert_accepted(&s.push(&["origin", "main:refs/heads/release"]));
    assert_accepted(&s.push(&["origin", "main~1:refs/heads/older"]));
    assert!(s.server_ref("refs/heads/release").is_some());
    // A new commit on top of it is checked, and only it.
    s.commit("Tidy up");
    assert_accepted(&s.push(&["origin", "main"]));
}

#[test]
fn force_push_is_checked() {
    let s = Server::new("force.git");
    let base = s.git(&["rev-parse", "HEAD"]);
    let pushed = s.commit("First attempt");
    assert_accepted(&s.push(&["origin", "main"]));

    s.git(&["reset", "-q", "--hard", &base]);
    s.commit(EMBARGOED);
    let out = s.push(&["origin", "+main"]);
    assert_rejected(&out);
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), pushed);

    // Rewinding to a commit the server has is fine.
    s.git(&["reset", "-q", "--hard", &base]);
    assert_accepted(&s.push(&["origin", "+main"]));
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), base);
}

#[test]
fn several_refs_in_one_push() {
    let s = Server::new("several.git");
    s.commit("Harden the parser against a vulnerability"); // generic language: a warning
    s.commit("Second change");
    s.git(&["tag", "light"]);
    // Three refs at the same two new commits: each commit is checked once.
    let out = s.push(&["origin", "main", "main:refs/heads/copy", "light"]);
    assert_accepted(&out);
    let err = stderr(&out);
    assert_eq!(
        err.matches("warning[generic-security-language]").count(),
        1,
        "{err}"
    );
    assert!(err.contains("in 2 commits checked"), "{err}");

    // One bad ref rejects the whole push; no ref moves.
    let main_before = s.server_ref("refs/heads/main").unwrap();
    s.commit("Benign change");
    s.git(&["checkout", "-q", "-b", "feature"]);
    s.commit(EMBARGOED);
    s.git(&["checkout", "-q", "main"]);
    let out = s.push(&["origin", "main", "feature", "main:refs/heads/other"]);
    assert_rejected(&out);
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), main_before);
    assert_eq!(s.server_ref("refs/heads/feature"), None);
    assert_eq!(s.server_ref("refs/heads/other"), None);
}

#[test]
fn mention_hidden_after_a_nul_byte_is_rejected() {
    let s = Server::new("nul.git");
    let id = raw_commit(&s, "", b"Routine cleanup\0 ratchet header replay\n");
    // git itself shows only what comes before the NUL.
    let shown = s.git(&["log", "-1", "--format=%B", &id]);
    assert!(!shown.contains("ratchet"), "{shown}");
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(err.contains("error[embargoed-mention]"), "{err}");
    assert!(!err.contains('\0'), "the NUL is shown escaped:\n{err}");
}

#[test]
fn message_is_decoded_per_its_encoding_header() {
    let s = Server::new("encoding.git");
    let text = "Nettoyage SX-2026-011\n";
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    raw_commit(&s, "encoding UTF-16LE\n", &utf16);
    assert_rejected(&s.push(&["origin", "main"]));
}

#[test]
fn repository_path_with_a_colon_works() {
    let s = Server::new("team:project.git");
    assert!(s.bare.to_str().unwrap().contains(':'));
    s.commit("Benign change");
    assert_accepted(&s.push(&["origin", "main"]));
    // A branch at an existing commit: read from the main store, not the quarantine.
    assert_accepted(&s.push(&["origin", "main~1:refs/heads/old"]));
    s.commit(EMBARGOED);
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("error[embargoed-mention]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_or_broken_registry_rejects() {
    // None configured anywhere.
    let s = Server::bare_only("none.git");
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("no registry found"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.server_ref("refs/heads/main"), None);

    // Configured but missing.
    let missing = s.sb.path().join("no-such-registry.json");
    s.config(&["embargo.registry", missing.to_str().unwrap()]);
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("cannot read registry"),
        "{}",
        stderr(&out)
    );

    // Present but invalid: rejected without echoing its content.
    let broken = s.write_file(
        "broken.json",
        r#"{"version": 1, "issues": [{"id": "PRIVATE-77", "severity": "bogus"}]}"#,
    );
    s.config(&["embargo.registry", broken.to_str().unwrap()]);
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(err.contains("is invalid"), "{err}");
    assert!(!err.contains("PRIVATE-77"), "{err}");
    assert!(
        err.lines().filter(|l| l.contains("embargo: error")).count() == 1,
        "{err}"
    );

    // Also through the environment the hook inherits.
    let out = s
        .push_cmd(&s.client, &["origin", "main"])
        .env("EMBARGO_REGISTRY", s.write_file("empty.json", "{"))
        .output()
        .unwrap();
    assert_rejected(&out);
    assert_eq!(s.server_ref("refs/heads/main"), None);
}

#[test]
fn pusher_output_contains_no_private_registry_string() {
    let s = Server::bare_only("leak.git");
    let registry = s.write_file("markers.json", &marker_registry_json());
    s.config(&["embargo.registry", registry.to_str().unwrap()]);
    let audit = s.sb.path().join("audit.log");
    s.config(&["embargo.auditLog", audit.to_str().unwrap()]);
    let message = "fix mkterm alphaqz";
    s.commit(message);
    let out = s
        .push_cmd(&s.client, &["origin", "main:refs/heads/topic"])
        .env("GL_ID", "user-7")
        .env("GL_USERNAME", "alice")
        .output()
        .unwrap();
    assert_rejected(&out);
    let text = all_output(&out);
    assert_no_leak(&text, message);
    let gl: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("GL-HOOK-ERR: "))
        .collect();
    assert_eq!(gl.len(), 1, "{text}");
    assert!(gl[0].contains("1 blocked mention"), "{text}");

    // The audit log, for the security team, has the issue id and the field.
    let record: Value =
        serde_json::from_str(std::fs::read_to_string(&audit).unwrap().trim()).unwrap();
    assert_eq!(record["pusher"], "alice");
    assert_eq!(record["outcome"], "rejected");
    let finding = &record["result"]["findings"][0];
    assert_eq!(finding["issue"]["id"], "MKID-4417");
    assert_eq!(finding["issue"]["field"], "term #1");

    // With --reveal (set where the hook is run), the pusher sees the id too.
    let (code, _, err) = run_by_hand(
        &s,
        &["--reveal"],
        &format!(
            "{} {} refs/heads/topic\n",
            "0".repeat(40),
            s.git(&["rev-parse", "HEAD"])
        ),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("MKID-4417"), "{err}");
}

/// Runs `embargo pre-receive` by hand in the bare repository, the client's objects
/// reachable as an alternate but no quarantine: the exact fallback.
fn run_by_hand(s: &Server, flags: &[&str], input: &str) -> (i32, String, String) {
    let objects = s.client.join(".git/objects");
    let mut cmd = s.sb.embargo();
    cmd.current_dir(&s.bare)
        .env("GIT_DIR", &s.bare)
        .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", &objects)
        .args(flags)
        .arg("pre-receive");
    run_with_stdin(&mut cmd, input.as_bytes())
}

#[test]
fn concurrent_rejected_pushes_leave_whole_audit_lines() {
    const PUSHES: usize = 20;
    let s = Server::new("audit.git");
    let audit = s.sb.path().join("audit/embargo.log");
    std::fs::create_dir_all(audit.parent().unwrap()).unwrap();
    s.config(&["embargo.auditLog", audit.to_str().unwrap()]);
    // Long messages make each record larger than a pipe buffer.
    let padding = "lorem ipsum ".repeat(2000);
    let clients: Vec<PathBuf> = (0..PUSHES)
        .map(|i| {
            let dir = s.sb.path().join(format!("clone-{i}"));
            s.sb.git_ok(s.sb.path(), &["clone", "-q", &s.url, dir.to_str().unwrap()]);
            s.sb.git_ok(
                &dir,
                &[
                    "commit",
                    "-q",
                    "--no-verify",
                    "--allow-empty",
                    "-m",
                    &format!("{EMBARGO_MSG} {i}\n\n{padding}"),
                ],
            );
            dir
        })
        .collect();
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(i, dir)| {
                let s = &s;
                scope.spawn(move || {
                    s.push_cmd(dir, &["origin", &format!("HEAD:refs/heads/b{i}")])
                        .env("USER", format!("pusher{i}"))
                        .output()
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outputs {
        assert_rejected(out);
    }
    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), PUSHES, "{} lines", lines.len());
    let mut refs: Vec<String> = lines
        .iter()
        .map(|l| {
            let r: Value = serde_json::from_str(l).expect("an intact JSON line");
            assert_eq!(r["outcome"], "rejected");
            assert_eq!(r["exit_code"], 1);
            assert!(r["time"].as_str().unwrap().ends_with('Z'));
            assert!(r["repository"].as_str().unwrap().ends_with("audit.git"));
            assert!(r["pusher"].as_str().unwrap().starts_with("pusher"));
            let f = &r["result"]["findings"][0];
            assert_eq!(f["issue"]["id"], "SX-2026-011");
            assert!(f["source"]["subject"]
                .as_str()
                .unwrap()
                .starts_with(EMBARGO_MSG));
            r["updates"][0]["ref"].as_str().unwrap().to_string()
        })
        .collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), PUSHES);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&audit).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

const EMBARGO_MSG: &str = "Fix ratchet header replay";

#[test]
fn audit_log_records_errors_and_its_own_failure_rejects() {
    let s = Server::new("audit-errors.git");
    let audit = s.sb.path().join("errors.log");
    // --audit-log given where the hook runs the binary: use the environment the hook
    // inherits for the registry, and the flag through a wrapper.
    let wrapper = s.write_file(
        "embargo-wrapper",
        &format!(
            "#!/bin/sh\nexec '{}' --audit-log '{}' \"$@\"\n",
            embargo_bin().display(),
            audit.display()
        ),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    s.commit("Benign");
    let out = s
        .push_cmd(&s.client, &["origin", "main"])
        .env("EMBARGO_BIN", &wrapper)
        .env("EMBARGO_REGISTRY", s.sb.path().join("missing.json"))
        .output()
        .unwrap();
    assert_rejected(&out);
    let record: Value =
        serde_json::from_str(std::fs::read_to_string(&audit).unwrap().trim()).unwrap();
    assert_eq!(record["outcome"], "error");
    assert_eq!(record["exit_code"], 2);
    assert!(record["error"]
        .as_str()
        .unwrap()
        .contains("cannot read registry"));
    assert_eq!(record["updates"][0]["ref"], "refs/heads/main");

    // An audit log that cannot be written: the push is still rejected, and says why.
    s.config(&["embargo.auditLog", s.sb.path().to_str().unwrap()]);
    s.commit(EMBARGOED);
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("cannot write the audit log"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn malformed_input_line_is_rejected_with_its_number() {
    let s = Server::new("input.git");
    let head = s.git(&["rev-parse", "HEAD"]);
    let input = format!("{} {head} refs/heads/x\nnot a valid line\n", "0".repeat(40));
    let (code, _, err) = run_by_hand(&s, &[], &input);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("line 2 is malformed"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line:\n{err}");
}

#[test]
fn unreadable_pushed_object_is_an_error() {
    let s = Server::new("missing-object.git");
    let input = format!("{} {} refs/heads/x\n", "0".repeat(40), "ab".repeat(20));
    let (code, _, err) = run_by_hand(&s, &[], &input);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read object"), "{err}");
}

/// The fallback without a quarantine computes exactly the commits the tips reach and no
/// ref reaches, with and without a commit-graph (whole and split), on a history with
/// merges and committer dates that go backwards. `git rev-list <tips> --not --all` is
/// not exact there: it stops early by dates and can list commits a ref reaches.
#[test]
fn fallback_walk_is_exact() {
    let sb = Sandbox::new();
    let repo = sb.path().join("r");
    std::fs::create_dir_all(&repo).unwrap();
    sb.git_ok(&repo, &["init", "-q", "-b", "main"]);
    let commit = |msg: &str, date: i64| {
        sb.commit_dated(&repo, msg, &format!("{} +0000", 1_600_000_000 + date));
    };
    let git = |args: &[&str]| sb.git_ok(&repo, args).trim().to_string();
    // A skewed history: dates jump back and forth.
    let dates = [100, 5000, 200, 300, 9000, 50, 400, 450, 20, 800];
    for (i, d) in dates.iter().enumerate() {
        commit(&format!("m{i}"), *d);
        if i == 3 {
            git(&["branch", "side"]);
        }
    }
    git(&["checkout", "-q", "side"]);
    for (i, d) in [70, 30, 6000, 10].iter().enumerate() {
        commit(&format!("s{i}"), *d);
    }
    git(&["checkout", "-q", "main"]);
    let out = sb
        .command("git")
        .current_dir(&repo)
        .args(["merge", "-q", "--no-ff", "-m", "merge side", "side"])
        .env("GIT_COMMITTER_DATE", "1600000060 +0000")
        .output()
        .unwrap();
    assert!(out.status.success());
    for (i, d) in [1, 2, 3].iter().enumerate() {
        commit(&format!("after{i}"), *d);
    }
    let all: Vec<String> = git(&["rev-list", "--all"])
        .lines()
        .map(String::from)
        .collect();

    // Refs at a few places; tips anywhere.
    let ref_sets: Vec<Vec<usize>> =
        vec![vec![], vec![5], vec![0], vec![3, 12], vec![all.len() - 1]];
    let graph_modes = ["none", "whole", "split"];
    for mode in graph_modes {
        let graph_dir = repo.join(".git/objects/info");
        let _ = std::fs::remove_file(graph_dir.join("commit-graph"));
        let _ = std::fs::remove_dir_all(graph_dir.join("commit-graphs"));
        for refs in &ref_sets {
            // Reset the ref namespace: only refs/keep/* (and nothing else) exist.
            for r in git(&["for-each-ref", "--format=%(refname)"]).lines() {
                git(&["update-ref", "-d", r]);
            }
            for (k, &at) in refs.iter().enumerate() {
                git(&["update-ref", &format!("refs/keep/k{k}"), &all[at]]);
            }
            match mode {
                "whole" => {
                    git(&["commit-graph", "write", "--reachable", "--no-progress"]);
                }
                "split" => {
                    // Two layers: a base from the first refs and one more on top.
                    git(&["update-ref", "refs/tmp/graph", &all[8]]);
                    git(&[
                        "commit-graph",
                        "write",
                        "--reachable",
                        "--split",
                        "--no-progress",
                    ]);
                    git(&["update-ref", "refs/tmp/graph", &all[0]]);
                    git(&[
                        "commit-graph",
                        "write",
                        "--reachable",
                        "--split=no-merge",
                        "--no-progress",
                    ]);
                    git(&["update-ref", "-d", "refs/tmp/graph"]);
                }
                _ => {}
            }
            let r = git2::Repository::open(repo.join(".git")).unwrap();
            // The graph, when written, agrees with the commits themselves.
            let graph = embargo::git::CommitGraph::open(&repo.join(".git/objects")).unwrap();
            assert_eq!(
                graph.is_some(),
                mode == "split" || (mode == "whole" && !refs.is_empty()),
                "{mode} {refs:?}"
            );
            if let Some(graph) = &graph {
                let mut held = 0;
                for c in &all {
                    let oid = git2::Oid::from_str(c).unwrap();
                    let Some(entry) = graph.get(oid) else {
                        continue;
                    };
                    held += 1;
                    let commit = r.find_commit(oid).unwrap();
                    assert_eq!(entry.time, commit.committer().when().seconds());
                    assert_eq!(entry.parents, commit.parent_ids().collect::<Vec<_>>());
                    for p in &entry.parents {
                        assert!(graph.get(*p).unwrap().generation < entry.generation);
                    }
                }
                assert_eq!(held, graph.len() as usize);
            }
            for tip_set in [vec![0], vec![2, 9], vec![all.len() - 1], vec![4, 13]] {
                let tips: Vec<git2::Oid> = tip_set
                    .iter()
                    .map(|&i| git2::Oid::from_str(&all[i]).unwrap())
                    .collect();
                let mut ours: Vec<String> = embargo::history::push::exact_new_commits(&r, &tips)
                    .unwrap()
                    .iter()
                    .map(|o| o.to_string())
                    .collect();
                let mut args: Vec<String> = vec!["rev-list".into()];
                args.extend(tip_set.iter().map(|&i| all[i].clone()));
                args.push("--not".into());
                args.push("--all".into());
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let mut theirs: Vec<String> = git(&args).lines().map(String::from).collect();
                // The truth: everything the tips reach (a full walk, no early stop) minus
                // everything the refs reach.
                let reach = |idx: &[usize]| -> std::collections::HashSet<String> {
                    if idx.is_empty() {
                        return Default::default();
                    }
                    let mut a = vec!["rev-list"];
                    a.extend(idx.iter().map(|&i| all[i].as_str()));
                    git(&a).lines().map(String::from).collect()
                };
                let old = reach(refs);
                let mut truth: Vec<String> = reach(&tip_set)
                    .into_iter()
                    .filter(|c| !old.contains(c))
                    .collect();
                ours.sort();
                theirs.sort();
                truth.sort();
                assert_eq!(ours, truth, "graph {mode}, refs {refs:?}, tips {tip_set:?}");
                if theirs != truth {
                    eprintln!("note: git rev-list differs from the exact set (clock skew): graph {mode}, refs {refs:?}, tips {tip_set:?}");
                }
            }
        }
    }
}

#[test]
fn fallback_by_hand_checks_exactly_the_new_commits() {
    let s = Server::new("by-hand.git");
    let old = s.server_ref("refs/heads/main").unwrap();
    s.commit(EMBARGOED);
    let new = s.commit("Later change");
    let input = format!("{old} {new} refs/heads/main\n");
    let (code, _, err) = run_by_hand(&s, &[], &input);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("in 2 commits checked"), "{err}");
    // Once the server has them under a ref, they are no longer new.
    s.sb.git_ok(
        &s.bare,
        &[
            "fetch",
            "-q",
            s.client.to_str().unwrap(),
            "main:refs/heads/imported",
        ],
    );
    let (code, _, err) = run_by_hand(&s, &[], &input);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_push_rejected_only_for_its_branch_name_says_where() {
    let s = Server::new("summary.git");
    // main is on the server already: the push brings no commit, only the name.
    let out = s.push(&["origin", "main:refs/heads/fix/ratchet-header-replay"]);
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(
        err.contains("embargo: 1 blocked mention in 1 ref name, 0 warnings; 0 commits checked"),
        "{err}"
    );
}

/// The commits named in `--> commit <id>` lines, in the order shown.
fn commits_listed(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.split("--> commit ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn pre_receive_and_check_list_findings_in_the_same_order_oldest_first() {
    let s = Server::new("order.git");
    // Committer dates out of the order the commits were made in: oldest first means by
    // date, not by the walk.
    let first = s.sb.commit_dated(
        &s.client,
        "Fix the chunk digest comparison",
        "2026-11-01T10:00:00Z",
    );
    let third = s.sb.commit_dated(
        &s.client,
        "Fix ratchet header replay",
        "2026-11-20T10:00:00Z",
    );
    let second = s.sb.commit_dated(
        &s.client,
        "Guard against manifest symlink escape",
        "2026-11-10T10:00:00Z",
    );
    let expected: Vec<String> = [&first, &second, &third]
        .iter()
        .map(|id| id[..12].to_string())
        .collect();

    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert_eq!(commits_listed(&stderr(&out)), expected, "{}", stderr(&out));

    let (code, out, err) = s.sb.run_embargo(
        &s.client,
        &[
            "--registry",
            example_registry().to_str().unwrap(),
            "check",
            "origin/main..main",
        ],
        b"",
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(commits_listed(&out), expected, "{out}");
}

#[test]
fn a_relative_audit_log_is_taken_from_the_repository_whichever_file_sets_it() {
    // Only rejected pushes are logged.
    let s = Server::new("audit-relative.git");
    s.config(&["embargo.auditLog", "audit.log"]);
    s.commit(EMBARGOED);
    assert_rejected(&s.push(&["origin", "main"]));
    assert!(s.bare.join("audit.log").is_file());

    // Set in the global file (as for every repository of a server): each repository's own.
    s.config(&["--unset", "embargo.auditLog"]);
    std::fs::remove_file(s.bare.join("audit.log")).unwrap();
    std::fs::write(
        s.sb.home().join(".gitconfig"),
        "[embargo]\n\tauditLog = logs/audit.log\n",
    )
    .unwrap();
    std::fs::create_dir_all(s.bare.join("logs")).unwrap();
    assert_rejected(&s.push(&["origin", "main"]));
    assert!(s.bare.join("logs/audit.log").is_file());
}
