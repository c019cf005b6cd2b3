//! Commit and tag messages read from raw git objects: every byte git stores (text after
//! a NUL included, which `git log` hides but every clone carries), decoded per the
//! object's `encoding` header as git decodes it ([`crate::git::encoding`]).

use std::borrow::Cow;

use anyhow::{anyhow, Context as _};
use git2::{ObjectType, Oid, Repository};

use crate::git::encoding::{self, DecodeError};

/// Tags that point at tags are followed this deep at most.
pub const MAX_TAG_DEPTH: usize = 64;

/// A parsed commit or tag object: the headers that matter here and the message.
#[derive(Debug, Clone)]
pub struct RawObject {
    /// `tree`/`object`, `parent`s, `type`, `tag`, `encoding`, `committer`/`tagger`...
    pub headers: Vec<(String, Vec<u8>)>,
    pub message: String,
    /// The message's raw bytes (lossily), where they read differently from the decoded
    /// message: what git shows when it cannot decode the whole object (a UTF-7 commit
    /// with a `+0000` date, say), and what a viewer that does not decode shows.
    pub undecoded: Option<String>,
}

impl RawObject {
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The commit's committer (or the tag's tagger) time, seconds since the epoch.
    pub fn signature_time(&self) -> Option<i64> {
        let sig = self.header("committer").or_else(|| self.header("tagger"))?;
        let sig = std::str::from_utf8(sig).ok()?;
        let after_email = &sig[sig.rfind('>')? + 1..];
        after_email.split_whitespace().next()?.parse().ok()
    }
}

/// Reads a commit or tag object and decodes its message.
pub fn read(repo: &Repository, oid: Oid) -> anyhow::Result<(ObjectType, RawObject)> {
    let odb = repo.odb().context("cannot open the object database")?;
    let object = odb
        .read(oid)
        .with_context(|| format!("cannot read object {oid}"))?;
    let kind = object.kind();
    if !matches!(kind, ObjectType::Commit | ObjectType::Tag) {
        return Err(anyhow!("object {oid} is a {kind}, not a commit or tag"));
    }
    let raw = parse(object.data()).with_context(|| format!("cannot read the {kind} {oid}"))?;
    Ok((kind, raw))
}

/// Splits a raw commit or tag into headers and message. Continuation lines (a leading
/// space, as in `gpgsig`) belong to the header before them. A message that cannot be
/// decoded as git would decode it is an error.
pub fn parse(data: &[u8]) -> Result<RawObject, DecodeError> {
    let mut raw = parse_headers(data);
    let body = body(data);
    raw.message = decode(body, raw.header("encoding"))?;
    if raw
        .header("encoding")
        .is_some_and(|l| !l.is_empty() && !encoding::is_utf8_label(l))
    {
        let lossy = String::from_utf8_lossy(body);
        if lossy != raw.message {
            raw.undecoded = Some(lossy.into_owned());
        }
    }
    Ok(raw)
}

/// The headers of a raw commit or tag, with an empty message.
pub fn parse_headers(data: &[u8]) -> RawObject {
    let (head, _) = split(data);
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    for line in header_lines(head) {
        if let Some(more) = line.strip_prefix(b" ") {
            if let Some((_, v)) = headers.last_mut() {
                v.push(b'\n');
                v.extend_from_slice(more);
            }
        } else {
            let (k, v) = match line.iter().position(|&b| b == b' ') {
                Some(i) => (&line[..i], &line[i + 1..]),
                None => (line, &line[line.len()..]),
            };
            headers.push((String::from_utf8_lossy(k).into_owned(), v.to_vec()));
        }
    }
    RawObject {
        headers,
        message: String::new(),
        undecoded: None,
    }
}

/// The raw message bytes of a commit or tag: everything after the headers.
pub fn body(data: &[u8]) -> &[u8] {
    split(data).1
}

/// The message of a raw commit or tag, decoded as [`parse`] decodes it, without
/// collecting the headers: what a history scan needs of every commit.
pub fn message(data: &[u8]) -> Result<String, DecodeError> {
    let (head, body) = split(data);
    // The first `encoding` header's value, continuation lines included.
    let mut encoding: Option<Cow<'_, [u8]>> = None;
    let mut in_encoding = false;
    for line in header_lines(head) {
        if let Some(more) = line.strip_prefix(b" ") {
            if let (true, Some(value)) = (in_encoding, encoding.as_mut()) {
                value.to_mut().push(b'\n');
                value.to_mut().extend_from_slice(more);
            }
            continue;
        }
        let key = line.split(|&b| b == b' ').next().unwrap_or(line);
        in_encoding = encoding.is_none() && key == b"encoding";
        if in_encoding {
            encoding = Some(Cow::Borrowed(line.get(9..).unwrap_or(&[])));
        }
    }
    decode(body, encoding.as_deref())
}

/// The header block (without its final newline) and the message after the blank line
/// that ends it; no blank line, no message.
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    if let Some(body) = data.strip_prefix(b"\n") {
        return (&[], body);
    }
    match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data.strip_suffix(b"\n").unwrap_or(data), &[]),
    }
}

fn header_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.split(|&b| b == b'\n').filter(|l| !l.is_empty())
}

/// Decodes per the `encoding` header (UTF-8 when absent), as git does.
pub fn decode(bytes: &[u8], encoding: Option<&[u8]>) -> Result<String, DecodeError> {
    encoding::decode(bytes, encoding)
}

/// The subject line of a message, as git shows it (first line).
pub fn subject(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

/// What the commit walk needs of a commit: its parents and committer time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitLinks {
    pub parents: Vec<git2::Oid>,
    pub time: i64,
}

/// Reads the parents and committer time from a raw commit's headers.
pub fn commit_links(data: &[u8]) -> anyhow::Result<CommitLinks> {
    let mut parents = Vec::new();
    let mut time = 0;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"parent ") {
            let hex = std::str::from_utf8(hex).unwrap_or("");
            parents.push(
                git2::Oid::from_str(hex.trim())
                    .map_err(|_| anyhow::anyhow!("bad parent line `parent {hex}`"))?,
            );
        } else if let Some(sig) = line.strip_prefix(b"committer ") {
            let sig = String::from_utf8_lossy(sig);
            if let Some(after) = sig.rfind('>').map(|i| &sig[i + 1..]) {
                time = after
                    .split_whitespace()
                    .next()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0);
            }
        }
    }
    Ok(CommitLinks { parents, time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_after_nul_is_kept() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1700000000 +0000\n\nsubject\0hidden SX-1\n";
        let o = parse(raw).unwrap();
        assert_eq!(o.message, "subject\0hidden SX-1\n");
        assert_eq!(o.signature_time(), Some(1_700_000_000));
    }

    #[test]
    fn continuation_headers_and_encoding() {
        let raw = b"tree t\ngpgsig -----BEGIN\n line\n -----END\nencoding ISO-8859-1\n\ncaf\xe9\n";
        let o = parse(raw).unwrap();
        assert_eq!(o.header("gpgsig").unwrap(), b"-----BEGIN\nline\n-----END");
        assert_eq!(o.message, "caf\u{e9}\n");
    }

    #[test]
    fn raw_bytes_are_kept_where_they_read_differently() {
        let o = parse(b"tree t\nencoding UTF-7\n\nFix +CVE-2026\n").unwrap();
        assert_eq!(o.undecoded.as_deref(), Some("Fix +CVE-2026\n"));
        assert!(!o.message.contains("CVE"));
        let same = parse(b"tree t\nencoding ISO-8859-1\n\nplain\n").unwrap();
        assert_eq!(same.undecoded, None);
        assert_eq!(parse(b"tree t\n\nplain\n").unwrap().undecoded, None);
    }

    #[test]
    fn message_alone_is_what_parse_gives() {
        let cases: &[&[u8]] = &[
            b"",
            b"\n",
            b"\nonly a message",
            b"tree t\n",
            b"tree t\nparent p",
            b"tree t\n\n",
            b"tree t\n\nsubject\0hidden\n",
            b"tree t\nencoding ISO-8859-1\n\ncaf\xe9\n",
            b"tree t\nencoding\n\ncaf\xe9\n",
            b"tree t\nencoding UTF-16\n more\n\ncaf\xe9\n",
            b"tree t\nencoding ISO-8859-1\nencoding UTF-16LE\n\ncaf\xe9\n",
            b"tree t\ngpgsig -----BEGIN\n encoding UTF-16LE\n -----END\n\nx\n\ny\n",
            b" leading continuation\nencoding latin1\n\n\xe9\n",
            b"tree t\nencodingx latin1\n\n\xe9\n",
        ];
        for data in cases {
            assert_eq!(
                message(data),
                parse(data).map(|o| o.message),
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
    }

    #[test]
    fn bad_utf8_decodes_lossily_and_an_unknown_label_is_an_error() {
        assert_eq!(decode(b"a\xffb", None).unwrap(), "a\u{FFFD}b");
        assert!(decode(b"a\xffb", Some(b"no-such-encoding")).is_err());
    }

    #[test]
    fn commit_links_reads_parents_and_committer_time() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 1111111111111111111111111111111111111111\n\
parent 2222222222222222222222222222222222222222\n\
author A <a@b> 5 +0000\ncommitter C <c@d> 1700000000 +0100\n\nparent 3333333333333333333333333333333333333333\n";
        let links = commit_links(raw).unwrap();
        assert_eq!(links.parents.len(), 2);
        assert_eq!(links.time, 1_700_000_000);
    }
}
