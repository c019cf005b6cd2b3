//! Editing a registry's text (contract §12): one issue added or changed, every byte
//! outside that issue kept as it was, using the positions the JSON reader keeps. The
//! result is validated as `registry lint` validates; a registry invalid before or after
//! the edit, an unknown id or a duplicate one is an error and no text. Pure: text in,
//! text out.

use std::ops::Range;

use time::Date;

use super::json::{self, Value};
use super::registry::{self, Problem, Severity};
use super::verdict::Checker;

/// One edit, as the `registry` subcommands ask for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Add(NewIssue),
    Triage {
        id: String,
        severity: Severity,
    },
    Release {
        ids: Vec<String>,
        date: Date,
        fixed_in: Option<String>,
    },
    Disclose {
        ids: Vec<String>,
        date: Date,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewIssue {
    pub id: String,
    pub severity: Option<Severity>,
    pub summary: Option<String>,
    pub aliases: Vec<String>,
    pub terms: Vec<String>,
    pub patterns: Vec<String>,
    pub fixed_in: Option<String>,
}

/// Why an edit was not made. Messages name the ids the user gave, nothing else of the
/// registry; `Invalid` carries the validator's problems for the caller to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// The registry was invalid before the edit.
    AlreadyInvalid(Vec<Problem>),
    /// The edit would make it invalid.
    Invalid(Vec<Problem>),
    UnknownId(String),
    DuplicateId(String),
    /// Nothing to edit: a usage mistake.
    Usage(String),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::AlreadyInvalid(p) => write!(
                f,
                "the registry is invalid ({} problem{}); run `embargo registry lint` and fix it first",
                p.len(),
                plural(p.len())
            ),
            EditError::Invalid(p) => write!(
                f,
                "the edit would make the registry invalid ({} problem{}); nothing was changed",
                p.len(),
                plural(p.len())
            ),
            EditError::UnknownId(id) => write!(f, "no issue with id `{id}` in the registry"),
            EditError::DuplicateId(id) => {
                write!(f, "an issue with id `{id}` is already in the registry (ids are unique, case-insensitively)")
            }
            EditError::Usage(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EditError {}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Applies `edit` to a registry's text and returns the new text, validated.
pub fn apply(text: &str, origin: &str, edit: &Edit) -> Result<String, EditError> {
    validate(text, origin).map_err(EditError::AlreadyInvalid)?;
    let mut text = text.to_string();
    match edit {
        Edit::Add(new) => {
            if new.id.trim().is_empty() {
                return Err(EditError::Usage("the new issue's id is empty".into()));
            }
            if find_issue(&text, &new.id)?.is_some() {
                return Err(EditError::DuplicateId(new.id.clone()));
            }
            text = add_issue(&text, new)?;
        }
        Edit::Triage { id, severity } => {
            text = set_field(&text, id, "severity", &quote(severity.as_str()))?;
        }
        Edit::Release {
            ids,
            date,
            fixed_in,
        } => {
            for id in unique(ids)? {
                text = set_field(&text, id, "released", &quote(&date.to_string()))?;
                if let Some(v) = fixed_in {
                    text = set_field(&text, id, "fixed_in", &quote(v))?;
                }
            }
        }
        Edit::Disclose { ids, date } => {
            for id in unique(ids)? {
                text = set_field(&text, id, "disclosed", &quote(&date.to_string()))?;
            }
        }
    }
    validate(&text, origin).map_err(EditError::Invalid)?;
    Ok(text)
}

/// The registry as `registry lint` judges it: valid JSON and schema, and compilable.
fn validate(text: &str, origin: &str) -> Result<(), Vec<Problem>> {
    let registry = registry::parse(text, origin)?;
    Checker::new(registry).map(drop).map_err(|message| {
        vec![Problem {
            origin: origin.to_string(),
            line: 1,
            column: 1,
            issue: None,
            index: None,
            message,
            detail: None,
        }]
    })
}

fn unique(ids: &[String]) -> Result<Vec<&String>, EditError> {
    if ids.is_empty() {
        return Err(EditError::Usage("no issue id given".into()));
    }
    let mut seen: Vec<&String> = Vec::new();
    for id in ids {
        if !seen.iter().any(|s| s.to_lowercase() == id.to_lowercase()) {
            seen.push(id);
        }
    }
    Ok(seen)
}

/// A JSON string literal of `s`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The text's JSON tree. The text was validated, or spliced from validated text, so an
/// error here is the editor's own mistake: reported as an invalid result, never a panic.
fn parse(text: &str) -> Result<Value, EditError> {
    json::parse(text).map_err(|e| {
        EditError::Invalid(vec![Problem {
            origin: String::new(),
            line: e.line,
            column: e.column,
            issue: None,
            index: None,
            message: format!("invalid JSON: {}", e.message),
            detail: None,
        }])
    })
}

/// The issue objects of a (valid) registry.
fn issues(root: &Value) -> &[Value] {
    root.get("issues").and_then(Value::as_array).unwrap_or(&[])
}

/// The index of the issue with this id, case-insensitively (ids are unique so).
fn find_issue(text: &str, id: &str) -> Result<Option<usize>, EditError> {
    let root = parse(text)?;
    let wanted = id.to_lowercase();
    Ok(issues(&root).iter().position(|issue| {
        issue
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_lowercase() == wanted)
    }))
}

fn splice(text: &str, range: Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}

/// Sets `field` of the issue `id` to the JSON `value`, replacing the value if the field
/// is there and adding the member after the issue's last one otherwise.
fn set_field(text: &str, id: &str, field: &str, value: &str) -> Result<String, EditError> {
    let index = find_issue(text, id)?.ok_or_else(|| EditError::UnknownId(id.to_string()))?;
    let root = parse(text)?;
    let issue = issues(&root)
        .get(index)
        .ok_or_else(|| EditError::UnknownId(id.to_string()))?;
    Ok(set_member(text, issue, field, value))
}

/// Sets member `name` of `object` to the JSON `value`, in the object's own layout.
fn set_member(text: &str, object: &Value, name: &str, value: &str) -> String {
    let members = object.as_object().unwrap_or(&[]);
    if let Some((_, v)) = members.iter().find(|(k, _)| k.name == name) {
        return splice(text, v.span.clone(), value);
    }
    let Some((last_key, last_value)) = members.last() else {
        // `{}` (perhaps with blanks inside) becomes `{"name": value}`.
        return splice(
            text,
            object.span.clone(),
            &format!("{{{}: {value}}}", quote(name)),
        );
    };
    // The new member is laid out as the last one is: the same blanks before its key
    // (after the comma) and between its key and value.
    let before_last = match members.len() {
        1 => object.span.start + 1..last_key.span.start,
        n => members[n - 2].1.span.end..last_key.span.start,
    };
    let lead = after_comma(&text[before_last]);
    let lead = if lead.is_empty() { " " } else { lead };
    let colon = &text[last_key.span.end..last_value.span.start];
    let member = format!(",{lead}{}{colon}{value}", quote(name));
    splice(text, last_value.span.end..last_value.span.end, &member)
}

/// Appends the new issue to the issues array, laid out as the last issue is.
fn add_issue(text: &str, new: &NewIssue) -> Result<String, EditError> {
    let mut fields = vec![("id", quote(&new.id))];
    if let Some(s) = new.severity {
        fields.push(("severity", quote(s.as_str())));
    }
    if let Some(s) = &new.summary {
        fields.push(("summary", quote(s)));
    }
    for (name, items) in [
        ("aliases", &new.aliases),
        ("terms", &new.terms),
        ("patterns", &new.patterns),
    ] {
        if !items.is_empty() {
            fields.push((name, list(items)));
        }
    }
    if let Some(v) = &new.fixed_in {
        fields.push(("fixed_in", quote(v)));
    }
    let root = parse(text)?;
    // A valid registry has its `issues` member.
    let Some(array) = root.get("issues") else {
        return Err(EditError::Usage(
            "the registry has no `issues` array".into(),
        ));
    };
    let items = array.as_array().unwrap_or(&[]);
    let Some(last) = items.last() else {
        let indent = indentation(text, array.span.start);
        let nl = newline_at(text, array.span.start);
        let object = multiline_object(
            &fields,
            &format!("{indent}    "),
            &format!("{indent}  "),
            nl,
        );
        return Ok(splice(
            text,
            array.span.clone(),
            &format!("[{nl}{indent}  {object}{nl}{indent}]"),
        ));
    };
    let before_last = match items.len() {
        1 => array.span.start + 1..last.span.start,
        n => items[n - 2].span.end..last.span.start,
    };
    let lead = after_comma(&text[before_last]);
    let last_text = &text[last.span.clone()];
    let object = if last_text.contains('\n') {
        let outer = indentation(text, last.span.start);
        let inner = last
            .as_object()
            .and_then(|m| m.first())
            .map(|(k, _)| indentation(text, k.span.start))
            .filter(|i| i.len() > outer.len())
            .unwrap_or_else(|| format!("{outer}  "));
        multiline_object(&fields, &inner, &outer, newline_at(text, last.span.start))
    } else {
        inline_object(&fields)
    };
    Ok(splice(
        text,
        last.span.end..last.span.end,
        &format!(",{lead}{object}"),
    ))
}

/// What separates two members or items after their comma (all of it when there is none).
fn after_comma(between: &str) -> &str {
    between.rfind(',').map_or(between, |i| &between[i + 1..])
}

fn inline_object(fields: &[(&str, String)]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", quote(k)))
        .collect();
    format!("{{{}}}", members.join(", "))
}

/// The line ending of the line holding byte `at` (a file may mix them): CRLF or LF.
fn newline_at(text: &str, at: usize) -> &'static str {
    match text[at..].find('\n') {
        Some(i) if text[..at + i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

fn multiline_object(fields: &[(&str, String)], inner: &str, outer: &str, nl: &str) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{inner}{}: {v}", quote(k)))
        .collect();
    format!("{{{nl}{}{nl}{outer}}}", members.join(&format!(",{nl}")))
}

/// The blanks that start the line holding byte `at`, up to the first other character.
fn indentation(text: &str, at: usize) -> String {
    let start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TEXT: &str = r#"{
  "version": 1,
  "issues": [
    {
      "id": "A-1",
      "severity": "high",
      "terms": ["first term"],
      "released": null
    },
    {"id": "B-2", "terms": ["second   term"]}
  ]
}
"#;

    fn release(ids: &[&str]) -> Edit {
        Edit::Release {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            date: date!(2026 - 11 - 25),
            fixed_in: Some("2.1".into()),
        }
    }

    #[test]
    fn a_value_is_replaced_and_a_member_added_in_place() {
        let out = apply(TEXT, "r", &release(&["a-1", "B-2"])).unwrap();
        let expected = TEXT
            .replace(
                "\"released\": null\n",
                "\"released\": \"2026-11-25\",\n      \"fixed_in\": \"2.1\"\n",
            )
            .replace(
                "[\"second   term\"]}",
                "[\"second   term\"], \"released\": \"2026-11-25\", \"fixed_in\": \"2.1\"}",
            );
        assert_eq!(out, expected);
    }

    #[test]
    fn a_new_issue_follows_the_last_ones_layout() {
        let new = NewIssue {
            id: "C-3".into(),
            severity: Some(Severity::Low),
            terms: vec!["a \"quoted\" term".into()],
            ..NewIssue::default()
        };
        let out = apply(TEXT, "r", &Edit::Add(new.clone())).unwrap();
        assert_eq!(
            out,
            TEXT.replace(
                "[\"second   term\"]}\n",
                "[\"second   term\"]},\n    {\"id\": \"C-3\", \"severity\": \"low\", \"terms\": [\"a \\\"quoted\\\" term\"]}\n"
            )
        );
        // A CRLF file gets CRLF lines.
        let crlf = "{\r\n  \"version\": 1,\r\n  \"issues\": []\r\n}\r\n";
        let out = apply(crlf, "r", &Edit::Add(new.clone())).unwrap();
        assert!(
            out.contains("[\r\n    {\r\n      \"id\": \"C-3\",\r\n"),
            "{out:?}"
        );
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
        let empty = "{\"version\": 1, \"issues\": []}";
        let out = apply(empty, "r", &Edit::Add(new)).unwrap();
        assert!(
            registry::parse(&out, "r").unwrap().issues.len() == 1,
            "{out}"
        );
    }

    #[test]
    fn errors_change_nothing() {
        let dup = NewIssue {
            id: "b-2".into(),
            ..NewIssue::default()
        };
        assert_eq!(
            apply(TEXT, "r", &Edit::Add(dup)),
            Err(EditError::DuplicateId("b-2".into()))
        );
        assert_eq!(
            apply(TEXT, "r", &release(&["A-1", "Z-9"])),
            Err(EditError::UnknownId("Z-9".into()))
        );
        let bad = NewIssue {
            id: "C-3".into(),
            patterns: vec!["x*".into()],
            ..NewIssue::default()
        };
        assert!(matches!(
            apply(TEXT, "r", &Edit::Add(bad)),
            Err(EditError::Invalid(_))
        ));
        assert!(matches!(
            apply("{\"version\": 2}", "r", &release(&["A-1"])),
            Err(EditError::AlreadyInvalid(_))
        ));
        // Strings are written as JSON reads them back.
        let odd = "q\"\\\n\t\u{1}é";
        let text = format!("{{\"x\": {}}}", quote(odd));
        assert_eq!(
            json::parse(&text).unwrap().get("x").unwrap().as_str(),
            Some(odd)
        );
    }
}
