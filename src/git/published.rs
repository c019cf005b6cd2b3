//! All the text a commit or tag publishes besides its message (contract §7): the
//! author, committer and tagger names and addresses, and the extra headers (`mergetag`,
//! which embeds a whole tag, and any header git does not know), as `git log` and
//! hosting sites show them.
//!
//! The message's raw bytes count too where they read differently from the decoded
//! message ([`RawObject::undecoded`]): git shows them when it cannot decode the whole
//! object.
//!
//! Left out: the headers that hold only object ids or the encoding's name, and
//! signatures (`gpgsig`, `gpgsig-sha256`, and the signature block of a tag embedded in
//! `mergetag`), which are machine output no one writes into.

use crate::git::encoding;
use crate::git::objects::{self, RawObject};

/// One text field of an object: its header name (`author`, `mergetag`, ...) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub text: String,
}

/// Headers that hold ids or names of formats, not text anyone writes. A tag's `tag`
/// header is its name, which callers check as a name.
const NOT_TEXT: &[&str] = &["tree", "parent", "object", "type", "encoding", "tag"];

/// Signatures, excepted by the contract.
const SIGNATURES: &[&str] = &["gpgsig", "gpgsig-sha256"];

/// The text fields of a parsed commit or tag, in header order. Values are decoded per
/// the object's `encoding`, as git decodes the whole object for `git log`; where that
/// decoding differs from the raw bytes (or fails, when git shows the raw bytes), the
/// raw text is included as well, so no reading of the object escapes the check.
pub fn fields(raw: &RawObject) -> Vec<Field> {
    let encoding = raw.header("encoding");
    let mut out = Vec::new();
    for (name, value) in &raw.headers {
        if NOT_TEXT.contains(&name.as_str()) || SIGNATURES.contains(&name.as_str()) {
            continue;
        }
        let value: &[u8] = if is_ident(name) { ident(value) } else { value };
        let text = if name == "mergetag" {
            embedded_tag(value)
        } else {
            decoded(value, encoding)
        };
        out.push(Field {
            name: name.clone(),
            text,
        });
    }
    if let Some(raw_message) = &raw.undecoded {
        out.push(Field {
            name: "message bytes".to_string(),
            text: raw_message.clone(),
        });
    }
    out
}

/// True for the fields that name a person: `author`, `committer`, `tagger`.
pub fn is_ident(name: &str) -> bool {
    matches!(name, "author" | "committer" | "tagger")
}

/// `Name <email>` of an ident line, without the date git appends.
fn ident(value: &[u8]) -> &[u8] {
    match value.iter().rposition(|&b| b == b'>') {
        Some(end) => &value[..=end],
        None => value,
    }
}

/// The text as git shows it, and the raw bytes too where they read differently.
fn decoded(value: &[u8], encoding: Option<&[u8]>) -> String {
    let raw = String::from_utf8_lossy(value).into_owned();
    // UTF-8, the rule, reads the same raw and decoded.
    if encoding.is_none_or(|l| l.is_empty() || encoding::is_utf8_label(l)) {
        return raw;
    }
    match encoding::decode(value, encoding) {
        Ok(text) if text != raw => format!("{text}\n{raw}"),
        _ => raw,
    }
}

/// A tag embedded in a `mergetag` header: its name, tagger, extra headers and message,
/// without its signature.
fn embedded_tag(value: &[u8]) -> String {
    let (tag, message) = match objects::parse(value) {
        Ok(tag) => {
            let message = tag.message.clone();
            (tag, message)
        }
        // A message git could not decode is shown raw: check it raw.
        Err(_) => {
            let mut tag = objects::parse_headers(value);
            let message = String::from_utf8_lossy(objects::body(value)).into_owned();
            tag.message = message.clone();
            (tag, message)
        }
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(name) = tag.header("tag") {
        parts.push(decoded(name, tag.header("encoding")));
    }
    parts.extend(fields(&tag).into_iter().map(|f| f.text));
    parts.push(without_signature(&message).to_string());
    parts.join("\n")
}

/// A tag message without the signature git appends to it (`git tag -s`).
fn without_signature(message: &str) -> &str {
    const STARTS: &[&str] = &[
        "-----BEGIN PGP SIGNATURE-----",
        "-----BEGIN PGP MESSAGE-----",
        "-----BEGIN SSH SIGNATURE-----",
        "-----BEGIN SIGNED MESSAGE-----",
    ];
    let mut at = 0;
    for line in message.split_inclusive('\n') {
        if STARTS.iter().any(|s| line.trim_end() == *s) {
            return &message[..at];
        }
        at += line.len();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_texts(data: &[u8]) -> Vec<(String, String)> {
        fields(&objects::parse(data).unwrap())
            .into_iter()
            .map(|f| (f.name, f.text))
            .collect()
    }

    #[test]
    fn idents_and_unknown_headers_are_text_ids_and_signatures_are_not() {
        let raw = b"tree t\nparent p\nauthor Ann Other <ann@example.com> 1700000000 +0100\n\
committer C <c@example.com> 1700000000 +0000\nencoding UTF-8\nx-note hello\ngpgsig -----BEGIN\n sig\n -----END\n\nmsg\n";
        assert_eq!(
            names_and_texts(raw),
            vec![
                ("author".into(), "Ann Other <ann@example.com>".into()),
                ("committer".into(), "C <c@example.com>".into()),
                ("x-note".into(), "hello".into()),
            ]
        );
    }

    #[test]
    fn mergetag_gives_the_tag_without_its_signature() {
        let raw = b"tree t\nparent p\nparent q\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\
mergetag object q\n type commit\n tag v1\n tagger T <t@b> 1 +0000\n \n the tag message\n -----BEGIN PGP SIGNATURE-----\n abc\n -----END PGP SIGNATURE-----\n\nMerge\n";
        let got = names_and_texts(raw);
        assert_eq!(got[2].0, "mergetag");
        assert_eq!(got[2].1, "v1\nT <t@b>\nthe tag message\n");
    }

    #[test]
    fn headers_are_decoded_per_the_encoding_and_kept_raw() {
        let raw = b"tree t\nauthor +AHI-atchet <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\nencoding UTF-7\n\nm\n";
        let got = names_and_texts(raw);
        assert_eq!(got[0].1, "ratchet <a@b>\n+AHI-atchet <a@b>");
        // Undecodable: the raw text alone, as git shows it.
        let raw = b"tree t\nauthor \xff <a@b> 1 +0000\nencoding EUC-JP\n\nm\n";
        assert_eq!(names_and_texts(raw)[0].1, "\u{FFFD} <a@b>");
    }
}
