//! The server backstop holds (issue 11, contract §7, §10): every route by which a
//! determined pusher got an embargoed mention past the pre-receive hook, reproduced
//! with real git against a bare repository over `file://` with the hook that
//! `install.sh --server` installed. Each is rejected with the ref unchanged, and its
//! benign twin is accepted.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::server::*;
use common::*;

const EMBARGOED: &str = "Fix ratchet header replay in the relay";

/// A registry that knows none of the example issues: what the server had before the
/// security team added them.
const EMPTY_REGISTRY: &str = r#"{"version": 1, "issues": [
  {"id": "SX-2026-900", "severity": "low", "summary": "unrelated", "terms": ["unrelated words"]}
]}"#;

fn head(s: &Server) -> String {
    s.git(&["rev-parse", "HEAD"])
}

/// A commit whose message is `message`'s bytes, recorded in `encoding` by git itself.
/// git decodes the whole object, headers included, so the dates carry a time zone
/// that reads the same in every encoding here (`+0000` is a UTF-7 shift sequence that
/// glibc refuses, and git then shows the raw bytes).
fn commit_encoded(s: &Server, encoding: &str, message: &[u8]) -> String {
    let file = s.sb.path().join("encoded-message");
    std::fs::write(&file, message).unwrap();
    let out =
        s.sb.command("git")
            .current_dir(&s.client)
            .env("GIT_AUTHOR_DATE", "1780000000 -0500")
            .env("GIT_COMMITTER_DATE", "1780000000 -0500")
            .args(["-c", &format!("i18n.commitEncoding={encoding}")])
            .args([
                "commit",
                "-q",
                "--no-verify",
                "--allow-empty",
                "--cleanup=verbatim",
                "-F",
            ])
            .arg(&file)
            .output()
            .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    head(s)
}

/// What `git log` shows as the commit's message (git decodes it with iconv).
fn shown_message(s: &Server, id: &str) -> String {
    s.git(&["log", "-1", "--format=%B", id])
}

// --- 1. objects already in the store -----------------------------------------------

#[test]
fn commit_borrowed_through_alternates_is_checked() {
    let s = Server::new("upstream.git");
    // A fork without the hook, whose objects the upstream borrows (fork networks,
    // `--shared`/`--reference` setups).
    let fork = s.sb.path().join("srv/fork.git");
    s.sb.git_ok(
        s.sb.path(),
        &["clone", "-q", "--bare", &s.url, fork.to_str().unwrap()],
    );
    std::fs::write(
        s.bare.join("objects/info/alternates"),
        format!("{}\n", fork.join("objects").display()),
    )
    .unwrap();
    let fork_url = format!("file://{}", fork.display());
    s.git(&["remote", "add", "fork", &fork_url]);

    let benign = s.commit("Tidy the relay");
    assert_accepted(&s.push(&["fork", "HEAD:refs/heads/tidy"]));
    s.commit(EMBARGOED);
    let bad = s.commit("Later change");
    assert_accepted(&s.push(&["fork", "HEAD:refs/heads/topic"]));

    // Upstream advertises the fork's tips as `.have`: the push sends no objects.
    let out = s.push(&["origin", &format!("{bad}:refs/heads/topic")]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("error[embargoed-mention]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.server_ref("refs/heads/topic"), None);

    // The benign twin through the same route.
    assert_accepted(&s.push(&["origin", &format!("{benign}:refs/heads/tidy")]));
    assert_eq!(
        s.server_ref("refs/heads/tidy").as_deref(),
        Some(benign.as_str())
    );
}

#[test]
fn branch_pushed_again_after_the_registry_learned_the_issue_is_checked() {
    let s = Server::new("repush.git");
    let empty = s.write_file("empty-registry.json", EMPTY_REGISTRY);
    s.config(&["embargo.registry", empty.to_str().unwrap()]);
    s.commit(EMBARGOED);
    let bad = s.commit("Follow-up");
    // Fewer objects than receive.unpackLimit: unpacked loose into the store.
    assert_accepted(&s.push(&["origin", "HEAD:refs/heads/topic"]));
    assert_accepted(&s.push(&["origin", ":refs/heads/topic"]));
    assert!(s
        .sb
        .git(&s.bare, &["cat-file", "-e", &bad])
        .status
        .success());

    // The security team adds the issue; the same branch is pushed again. git does not
    // write objects the store already has, so the quarantine holds none of them.
    s.config(&["embargo.registry", example_registry().to_str().unwrap()]);
    let out = s.push(&["origin", "HEAD:refs/heads/topic"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("in 2 commits checked"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.server_ref("refs/heads/topic"), None);

    // The benign twin: a branch deleted and pushed again with clean commits.
    s.git(&["checkout", "-q", "-b", "clean", "origin/main"]);
    s.commit("Clean change");
    assert_accepted(&s.push(&["origin", "HEAD:refs/heads/clean"]));
    assert_accepted(&s.push(&["origin", ":refs/heads/clean"]));
    assert_accepted(&s.push(&["origin", "HEAD:refs/heads/clean"]));
    assert!(s.server_ref("refs/heads/clean").is_some());
}

/// pkt-line framing of git's protocol.
fn pkt(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:04x}", data.len() + 4).into_bytes();
    out.extend_from_slice(data);
    out
}

/// Reads pkt-lines up to a flush packet; the lines' payloads.
fn read_until_flush(r: &mut impl Read) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    loop {
        let mut len = [0u8; 4];
        r.read_exact(&mut len).unwrap();
        let len = usize::from_str_radix(std::str::from_utf8(&len).unwrap(), 16).unwrap();
        if len == 0 {
            return lines;
        }
        let mut data = vec![0u8; len - 4];
        r.read_exact(&mut data).unwrap();
        lines.push(data);
    }
}

/// A custom client speaking receive-pack's protocol: one ref update, and a pack built
/// by `git pack-objects` from `objects` (rev-list arguments), which may hold more than
/// the update needs. Returns receive-pack's status report and its stderr.
fn raw_push(s: &Server, old: &str, new: &str, refname: &str, objects: &[&str]) -> (String, String) {
    let mut rev_list = s.sb.command("git");
    rev_list
        .current_dir(&s.client)
        .args(["rev-list", "--objects"])
        .args(objects);
    let list = rev_list.output().unwrap();
    assert!(list.status.success());
    let mut pack_objects = s.sb.command("git");
    pack_objects
        .current_dir(&s.client)
        .args(["pack-objects", "--stdout", "-q"]);
    let pack = pipe(&mut pack_objects, &list.stdout);

    let mut child =
        s.sb.command("git")
            .arg("receive-pack")
            .arg(&s.bare)
            .env("EMBARGO_BIN", embargo_bin())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    read_until_flush(&mut stdout); // the ref advertisement
    let command = format!("{old} {new} {refname}\0report-status\n");
    stdin.write_all(&pkt(command.as_bytes())).unwrap();
    stdin.write_all(b"0000").unwrap();
    stdin.write_all(&pack).unwrap();
    drop(stdin);
    let report: Vec<String> = read_until_flush(&mut stdout)
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let out = child.wait_with_output().unwrap();
    (
        report.concat(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pipe(cmd: &mut Command, input: &[u8]) -> Vec<u8> {
    let (code, out, err) = {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&data));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        (out.status.code(), out.stdout, out.stderr)
    };
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&err));
    out
}

#[test]
fn unreferenced_commit_smuggled_in_a_pack_is_checked_when_a_ref_reaches_it() {
    let s = Server::new("smuggle.git");
    let old = s.server_ref("refs/heads/main").unwrap();
    // The smuggled commit, on a side line the update does not reach.
    s.git(&["checkout", "-q", "-b", "smuggled"]);
    let hidden = s.commit(EMBARGOED);
    s.git(&["checkout", "-q", "main"]);
    let clean = s.commit("Clean update");

    // A clean update whose pack also carries the unreferenced commit: it publishes
    // nothing embargoed, so it is accepted, and the commit lands in the store.
    let (report, err) = raw_push(
        &s,
        &old,
        &clean,
        "refs/heads/main",
        &[&clean, &hidden, &format!("^{old}")],
    );
    assert!(report.contains("ok refs/heads/main"), "{report}\n{err}");
    assert!(s
        .sb
        .git(&s.bare, &["cat-file", "-e", &hidden])
        .status
        .success());
    assert_eq!(
        s.server_ref("refs/heads/main").as_deref(),
        Some(clean.as_str())
    );

    // A plain push of a branch at it: git sends the objects again, the store already
    // has them, the quarantine does not.
    let out = s.push(&["origin", "smuggled"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("error[embargoed-mention]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.server_ref("refs/heads/smuggled"), None);

    // The custom client pushing the embargoed commit directly is rejected too.
    let (report, _) = raw_push(
        &s,
        &"0".repeat(40),
        &hidden,
        "refs/heads/direct",
        &[&hidden],
    );
    assert!(report.contains("ng refs/heads/direct"), "{report}");
    assert_eq!(s.server_ref("refs/heads/direct"), None);

    // The benign twin: a smuggled clean commit, later published.
    s.git(&["checkout", "-q", "-b", "later", "main"]);
    let later = s.commit("Clean follow-up");
    s.git(&["checkout", "-q", "main"]);
    let clean2 = s.commit("Another clean update");
    let (report, _) = raw_push(
        &s,
        &clean,
        &clean2,
        "refs/heads/main",
        &[&clean2, &later, &format!("^{clean}")],
    );
    assert!(report.contains("ok refs/heads/main"), "{report}");
    assert_accepted(&s.push(&["origin", "later"]));
}

// --- 2. encodings as git decodes them -------------------------------------------------

#[test]
fn messages_are_decoded_as_git_decodes_them() {
    // Each message shows the mention in `git log` (iconv) and hides it from a reader
    // that does not decode the label as iconv does.
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "UTF-7",
            b"Fix +AHIAYQB0AGMAaABlAHQ- header replay\n",
            "ratchet header replay",
        ),
        (
            "ISO-2022-KR",
            b"\x1b$)CFix SX-2026\x0e\x0f-011\n",
            "SX-2026-011",
        ),
        (
            "ISO-2022-CN",
            b"Fix SX-2026\x1b$)A\x0e\x0f-011\n",
            "SX-2026-011",
        ),
        (
            "ISO-2022-JP-2",
            b"Fix SX-2026\x1b$B\x1b(B-011\n",
            "SX-2026-011",
        ),
        // ISO-8859-1, not windows-1252: 0x9A is a C1 control, not `š` (which would glue the
        // words into one). Decoded, the control is invisible (§5); the raw bytes, where 0x9A
        // is not UTF-8, read as a break, and both are checked, so the push is refused.
        (
            "ISO-8859-1",
            b"Fix ratchet\x9aheader replay\n",
            "ratchet\u{9a}header replay",
        ),
    ];
    for (encoding, message, mention) in cases {
        let s = Server::new(&format!("enc-{encoding}.git"));
        let before = s.server_ref("refs/heads/main").unwrap();
        let id = commit_encoded(&s, encoding, message);
        let shown = shown_message(&s, &id);
        assert!(
            shown.contains(mention),
            "{encoding}: git log shows {shown:?}"
        );
        let out = s.push(&["origin", "main"]);
        assert_rejected(&out);
        assert!(
            stderr(&out).contains("error[embargoed-mention]"),
            "{encoding}: {}",
            stderr(&out)
        );
        assert_eq!(
            s.server_ref("refs/heads/main").unwrap(),
            before,
            "{encoding}"
        );

        // The benign twin in the same encoding.
        s.git(&["reset", "-q", "--hard", &before]);
        let benign: &[u8] = match *encoding {
            "UTF-7" => b"Tidy +AHQAaABl- parser\n",
            "ISO-2022-KR" => b"\x1b$)CTidy the\x0e\x0f parser\n",
            "ISO-8859-1" => b"Tidy the caf\xe9 parser\n",
            _ => b"Tidy the\x1b(B parser\n",
        };
        commit_encoded(&s, encoding, benign);
        assert_accepted(&s.push(&["origin", "main"]));
    }
}

#[test]
fn raw_bytes_git_shows_when_it_cannot_decode_the_object_are_checked() {
    // A UTF-7 commit dated `+0000`: glibc refuses the `+0000` shift sequence, so git
    // cannot decode the whole object and `git log` shows the raw bytes, where the alias
    // is plain. The message alone decodes (`+CVE-` is a valid UTF-7 run) to text without it.
    let s = Server::new("enc-raw.git");
    let before = s.server_ref("refs/heads/main").unwrap();
    let id = raw_commit(&s, "encoding UTF-7\n", b"Fix +CVE-2026-41873\n");
    assert!(shown_message(&s, &id).contains("+CVE-2026-41873"));
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains(" message bytes"), "{}", stderr(&out));
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), before);
    s.git(&["reset", "-q", "--hard", &before]);
    raw_commit(&s, "encoding UTF-7\n", b"Fix +AHQ-he parser\n");
    assert_accepted(&s.push(&["origin", "main"]));
}

#[test]
fn commit_msg_decodes_the_message_as_git_will() {
    // The local hook reads the message in i18n.commitEncoding through iconv too.
    let sb = Sandbox::new();
    let repo = sb.repo("local");
    let cases: &[(&str, &[u8], i32)] = &[
        ("UTF-7", b"Fix +AHIAYQB0AGMAaABlAHQ- header replay\n", 1),
        // 0x8A is a C1 control in ISO-8859-1, invisible (contract §5), and `Š` in
        // windows-1252: only as ISO-8859-1 does the message read "ratchet header".
        ("ISO-8859-1", b"Fix ratchet hea\x8ader replay\n", 1),
        ("ISO-8859-1", b"Tidy the caf\xe9 parser\n", 0),
        ("X-NO-SUCH-CHARSET", b"Tidy\n", 2),
    ];
    for (encoding, message, expected) in cases {
        sb.git_ok(&repo, &["config", "i18n.commitEncoding", encoding]);
        let file = sb.path().join("message");
        std::fs::write(&file, message).unwrap();
        let (code, _, err) = sb.run_embargo(
            &repo,
            &[
                "--registry",
                example_registry().to_str().unwrap(),
                "commit-msg",
                file.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(code, *expected, "{encoding}: {err}");
    }
}

#[test]
fn an_encoding_git_cannot_decode_rejects_the_push() {
    let s = Server::new("enc-unknown.git");
    let before = s.server_ref("refs/heads/main").unwrap();
    commit_encoded(&s, "X-NO-SUCH-CHARSET", b"Tidy the parser\n");
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    let err = stderr(&out);
    assert!(err.contains("X-NO-SUCH-CHARSET"), "{err}");
    assert!(err.contains("iconv"), "{err}");
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), before);
}

// --- 3. text a push publishes outside the message ------------------------------------

#[test]
fn embargoed_author_or_committer_name_is_rejected() {
    for (who, var) in [
        ("author", "GIT_AUTHOR_NAME"),
        ("committer", "GIT_COMMITTER_NAME"),
    ] {
        let s = Server::new(&format!("ident-{who}.git"));
        let before = s.server_ref("refs/heads/main").unwrap();
        let out =
            s.sb.command("git")
                .current_dir(&s.client)
                .env(var, "Ratchet Header Replay")
                .args(["commit", "-q", "--no-verify", "--allow-empty", "-m", "Tidy"])
                .output()
                .unwrap();
        assert!(out.status.success());
        let out = s.push(&["origin", "main"]);
        assert_rejected(&out);
        let err = stderr(&out);
        assert!(err.contains(&format!(" {who}")), "{who}: {err}");
        assert_eq!(s.server_ref("refs/heads/main").unwrap(), before, "{who}");
        // The benign twin: another name. Generic security language is no finding in a
        // name, only in what people write about a change.
        s.git(&["reset", "-q", "--hard", &before]);
        let out =
            s.sb.command("git")
                .current_dir(&s.client)
                .env(var, "Vulnerability Response Team")
                .args(["commit", "-q", "--no-verify", "--allow-empty", "-m", "Tidy"])
                .output()
                .unwrap();
        assert!(out.status.success());
        let out = s.push(&["origin", "main"]);
        assert_accepted(&out);
        assert!(
            !stderr(&out).contains("warning["),
            "{who}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn embargoed_tagger_is_rejected() {
    let s = Server::new("tagger.git");
    let out =
        s.sb.command("git")
            .current_dir(&s.client)
            .env("GIT_COMMITTER_NAME", "SX-2026-011 team")
            .args(["tag", "-a", "v1", "-m", "Release 1"])
            .output()
            .unwrap();
    assert!(out.status.success());
    let out = s.push(&["origin", "v1"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains(" tagger"), "{}", stderr(&out));
    assert_eq!(s.server_ref("refs/tags/v1"), None);
    s.git(&["tag", "-a", "v2", "-m", "Release 2"]);
    assert_accepted(&s.push(&["origin", "v2"]));
}

#[test]
fn mergetag_header_embedding_an_embargoed_tag_message_is_rejected() {
    let Some(_) = require_tool("ssh-keygen") else {
        return;
    };
    let s = Server::new("mergetag.git");
    let before = s.server_ref("refs/heads/main").unwrap();
    let key = s.sb.path().join("key");
    let out =
        s.sb.command("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
            .arg(&key)
            .output()
            .unwrap();
    assert!(out.status.success());
    let signing = format!("user.signingkey={}.pub", key.display());
    let merge_signed_tag = |tag_message: &str| -> String {
        s.git(&["checkout", "-q", "-b", "side", &before]);
        s.commit("Side work");
        s.git(&[
            "-c",
            "gpg.format=ssh",
            "-c",
            &signing,
            "tag",
            "-s",
            "-f",
            "rel",
            "-m",
            tag_message,
        ]);
        s.git(&["checkout", "-q", "main"]);
        s.git(&["reset", "-q", "--hard", &before]);
        s.commit("Main work");
        s.git(&[
            "merge",
            "-q",
            "--no-ff",
            "--no-verify",
            "-m",
            "Merge release",
            "rel",
        ]);
        s.git(&["branch", "-q", "-D", "side"]);
        head(&s)
    };
    // The merge records the signed tag, message included, in a `mergetag` header; the
    // tag itself is never pushed.
    let merge = merge_signed_tag("Release: fixes SX-2026-011");
    let raw = s.git(&["cat-file", "commit", &merge]);
    assert!(raw.contains("mergetag object"), "{raw}");
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains(" mergetag"), "{}", stderr(&out));
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), before);

    // The benign twin: a signed tag with a clean message (its signature is not text).
    merge_signed_tag("Release 1.1");
    assert_accepted(&s.push(&["origin", "main"]));
}

#[test]
fn unknown_extra_header_is_checked() {
    let s = Server::new("header.git");
    let before = s.server_ref("refs/heads/main").unwrap();
    raw_commit(&s, "x-review-note ratchet header replay\n", b"Tidy\n");
    let out = s.push(&["origin", "main"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains(" x-review-note"), "{}", stderr(&out));
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), before);
    // A signature header is not text; a clean unknown header passes.
    s.git(&["reset", "-q", "--hard", &before]);
    raw_commit(
        &s,
        "x-review-note looks good\ngpgsig -----BEGIN SSH SIGNATURE-----\n SX-2026-011\n -----END SSH SIGNATURE-----\n",
        b"Tidy\n",
    );
    assert_accepted(&s.push(&["origin", "main"]));
}

#[test]
fn embargoed_note_is_rejected() {
    let s = Server::new("notes.git");
    s.git(&[
        "notes",
        "add",
        "-m",
        "Backport of the SX-2026-011 fix",
        "HEAD",
    ]);
    let out = s.push(&["origin", "refs/notes/commits"]);
    assert_rejected(&out);
    assert!(stderr(&out).contains("note "), "{}", stderr(&out));
    assert_eq!(s.server_ref("refs/notes/commits"), None);
    // The benign twin (a notes history without the embargoed note), then an
    // embargoed line appended to that note later.
    s.git(&["update-ref", "-d", "refs/notes/commits"]);
    s.git(&["notes", "add", "-m", "Reviewed", "HEAD"]);
    assert_accepted(&s.push(&["origin", "refs/notes/commits"]));
    s.git(&["notes", "append", "-m", "Also see SX-2026-011", "HEAD"]);
    let before = s.server_ref("refs/notes/commits").unwrap();
    let out = s.push(&["origin", "refs/notes/commits"]);
    assert_rejected(&out);
    assert_eq!(s.server_ref("refs/notes/commits").unwrap(), before);
}

#[test]
fn embargoed_push_option_is_rejected() {
    let s = Server::new("options.git");
    s.config(&["receive.advertisePushOptions", "true"]);
    s.commit("Tidy the parser");
    let before = s.server_ref("refs/heads/main").unwrap();
    let out = s.push(&[
        "-o",
        "merge_request.create",
        "-o",
        "merge_request.title=Fix SX-2026-011",
        "origin",
        "main",
    ]);
    assert_rejected(&out);
    assert!(stderr(&out).contains("push option #2"), "{}", stderr(&out));
    assert_eq!(s.server_ref("refs/heads/main").unwrap(), before);
    let out = s.push(&[
        "-o",
        "merge_request.title=Tidy the parser",
        "origin",
        "main",
    ]);
    assert_accepted(&out);
}

#[test]
fn blob_or_tree_behind_a_lightweight_tag_is_checked() {
    let s = Server::new("blob.git");
    let file = s.write_file("notes.txt", "Details of SX-2026-011\n");
    let blob = s.git(&["hash-object", "-w", file.to_str().unwrap()]);
    s.git(&["tag", "blobtag", &blob]);
    let out = s.push(&["origin", "blobtag"]);
    assert_rejected(&out);
    assert!(
        stderr(&out).contains("ref refs/tags/blobtag"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.server_ref("refs/tags/blobtag"), None);

    // A tree: a file named after the issue.
    let clean_blob = s.git(&[
        "hash-object",
        "-w",
        s.write_file("c.txt", "clean\n").to_str().unwrap(),
    ]);
    let tree = pipe(
        s.sb.command("git").current_dir(&s.client).arg("mktree"),
        format!("100644 blob {clean_blob}\tratchet-header-replay.txt\n").as_bytes(),
    );
    let tree = String::from_utf8(tree).unwrap().trim().to_string();
    s.git(&["tag", "treetag", &tree]);
    assert_rejected(&s.push(&["origin", "treetag"]));
    assert_eq!(s.server_ref("refs/tags/treetag"), None);

    // The benign twins.
    s.git(&["tag", "cleanblob", &clean_blob]);
    assert_accepted(&s.push(&["origin", "cleanblob"]));
    let tree = pipe(
        s.sb.command("git").current_dir(&s.client).arg("mktree"),
        format!("100644 blob {clean_blob}\tREADME\n").as_bytes(),
    );
    s.git(&["tag", "cleantree", String::from_utf8(tree).unwrap().trim()]);
    assert_accepted(&s.push(&["origin", "cleantree"]));
}

// --- 4. CI twin branches --------------------------------------------------------------

#[test]
fn github_push_of_one_commit_to_two_new_branches_checks_it_in_both_runs() {
    let sb = Sandbox::new();
    let origin = sb.path().join("origin.git");
    sb.git_ok(
        sb.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            origin.to_str().unwrap(),
        ],
    );
    let url = format!("file://{}", origin.display());
    let work = sb.repo("work");
    sb.git_ok(&work, &["remote", "add", "origin", &url]);
    sb.git_ok(&work, &["push", "-q", "origin", "main"]);
    sb.git_ok(&work, &["commit", "-q", "--allow-empty", "-m", EMBARGOED]);
    let bad = sb.git_ok(&work, &["rev-parse", "HEAD"]).trim().to_string();
    sb.git_ok(
        &work,
        &[
            "push",
            "-q",
            "origin",
            "HEAD:refs/heads/a",
            "HEAD:refs/heads/b",
        ],
    );
    sb.git_ok(&work, &["checkout", "-q", "-b", "clean", "main~1"]);
    sb.git_ok(
        &work,
        &["commit", "-q", "--allow-empty", "-m", "Tidy the parser"],
    );
    let clean = sb.git_ok(&work, &["rev-parse", "HEAD"]).trim().to_string();
    sb.git_ok(
        &work,
        &[
            "push",
            "-q",
            "origin",
            "HEAD:refs/heads/c",
            "HEAD:refs/heads/d",
        ],
    );

    // What actions/checkout with fetch-depth 0 leaves: every branch, remote-tracking.
    let clone = sb.path().join("clone");
    sb.git_ok(sb.path(), &["clone", "-q", &url, clone.to_str().unwrap()]);
    let run = |branch: &str, after: &str| {
        let event = sb.path().join(format!("push-{branch}.json"));
        let payload = serde_json::json!({
            "ref": format!("refs/heads/{branch}"),
            "before": "0".repeat(40),
            "after": after,
            "repository": {"default_branch": "main", "full_name": "acme/widgets"},
        });
        std::fs::write(&event, payload.to_string()).unwrap();
        let mut cmd = sb.embargo();
        cmd.current_dir(&clone)
            .env("EMBARGO_REGISTRY", example_registry())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", &event)
            .arg("check");
        run_with_stdin(&mut cmd, b"")
    };
    for branch in ["a", "b"] {
        let (code, out, err) = run(branch, &bad);
        assert_eq!(code, 1, "{branch}: {out}{err}");
        assert!(err.contains("checking 1 commit"), "{branch}: {err}");
    }
    for branch in ["c", "d"] {
        let (code, out, err) = run(branch, &clean);
        assert_eq!(code, 0, "{branch}: {out}{err}");
        assert!(err.contains("checking 1 commit"), "{branch}: {err}");
    }
}

// --- 5. a hook installed where nothing runs it -----------------------------------------

#[test]
fn empty_pre_receive_d_without_a_dispatcher_still_gets_a_running_hook() {
    let sb = Sandbox::new();
    let bare = sb.path().join("srv/plain.git");
    std::fs::create_dir_all(&bare).unwrap();
    sb.git_ok(&bare, &["init", "-q", "--bare", "-b", "main"]);
    std::fs::create_dir_all(bare.join("hooks/pre-receive.d")).unwrap();
    let (code, out, err) = run_install(
        &sb,
        &sb.path().join("prefix"),
        &["--server", bare.to_str().unwrap(), "--no-build"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("no dispatcher runs it"), "{err}");
    sb.git_ok(
        &bare,
        &[
            "config",
            "embargo.registry",
            example_registry().to_str().unwrap(),
        ],
    );

    let client = sb.repo("client");
    let url = format!("file://{}", bare.display());
    sb.git_ok(&client, &["remote", "add", "origin", &url]);
    let push = |dir: &Path| -> Output {
        sb.command("git")
            .current_dir(dir)
            .env("PATH", path_without_embargo())
            .args(["push", "origin", "main"])
            .output()
            .unwrap()
    };
    assert_accepted(&push(&client));
    let before = sb.git_ok(&bare, &["rev-parse", "main"]);
    sb.git_ok(
        &client,
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            EMBARGOED,
        ],
    );
    assert_rejected(&push(&client));
    assert_eq!(sb.git_ok(&bare, &["rev-parse", "main"]), before);
}

// --- `check` reads the same text ---------------------------------------------------------

#[test]
fn check_reads_idents_extra_headers_and_notes_of_the_range() {
    let s = Server::new("check-fields.git");
    let base = head(&s);
    let author =
        s.sb.command("git")
            .current_dir(&s.client)
            .env("GIT_AUTHOR_NAME", "Ratchet Header Replay")
            .args(["commit", "-q", "--no-verify", "--allow-empty", "-m", "Tidy"])
            .output()
            .unwrap();
    assert!(author.status.success());
    let by_author = head(&s);
    let with_header = raw_commit(&s, "x-review-note SX-2026-011\n", b"Tidy more\n");
    let noted = s.commit("Clean");
    s.git(&["notes", "add", "-m", "Backport of SX-2026-011", &noted]);
    let check = |range: &str| {
        s.sb.run_embargo(
            &s.client,
            &[
                "--registry",
                example_registry().to_str().unwrap(),
                "check",
                range,
            ],
            b"",
        )
    };
    let (code, out, err) = check(&format!("{base}..HEAD"));
    assert_eq!(code, 1, "{out}{err}");
    for (id, field) in [(&by_author, "author"), (&with_header, "x-review-note")] {
        assert!(
            out.contains(&format!("commit {} {field}", &id[..12])),
            "{field}: {out}"
        );
    }
    assert!(out.contains(&format!("note {}", &noted[..12])), "{out}");
    assert!(out.contains("3 blocked"), "{out}");

    // The benign twin: a range with clean idents, headers and notes.
    s.git(&["reset", "-q", "--hard", &base]);
    raw_commit(&s, "x-review-note looks good\n", b"Tidy\n");
    let clean = s.commit("Clean");
    s.git(&["notes", "add", "-m", "Reviewed", &clean]);
    let (code, out, err) = check(&format!("{base}..HEAD"));
    assert_eq!(code, 0, "{out}{err}");

    // A message in an encoding git cannot decode is an error.
    commit_encoded(&s, "X-NO-SUCH-CHARSET", b"Tidy\n");
    let (code, out, err) = check("HEAD^!");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("X-NO-SUCH-CHARSET"), "{err}");
}
