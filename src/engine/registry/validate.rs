//! Strict validation of the registry's JSON form (contract §4): every problem is
//! reported at once, with file, line, column and issue, and never quotes the registry
//! except in a problem's `detail`.

use std::collections::HashMap;

use regex::RegexBuilder;
use time::Date;

use crate::engine::date::{parse_day, DayError};
use crate::engine::json::{self, Key, Kind, Value};
use crate::engine::matcher::unholdable_character;
use crate::engine::normalize::fold;

use super::model::{ContentMode, GenericMode, Issue, Policy, Severity, REGEX_SIZE_LIMIT};

/// One validation problem. `message` never quotes registry content; `detail` may
/// (an offending value, a regex parser's explanation) and is shown only to people who
/// already hold the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    /// The id of the issue the problem is in, when it has a usable one.
    pub issue: Option<String>,
    /// 0-based index of the issue in `issues`, when the problem is inside one.
    pub index: Option<usize>,
    pub message: String,
    pub detail: Option<String>,
}

impl Problem {
    /// Full form, for the registry's owner: location, issue id, message and detail.
    pub fn full(&self) -> String {
        let mut s = format!("{}:{}:{}: ", self.origin, self.line, self.column);
        match (&self.issue, self.index) {
            (Some(id), _) => s.push_str(&format!("issue {id}: ")),
            (None, Some(i)) => s.push_str(&format!("issues[{i}]: ")),
            _ => {}
        }
        s.push_str(&self.message);
        if let Some(d) = &self.detail {
            s.push_str(": ");
            s.push_str(d);
        }
        s
    }

    /// Redacted form, for anyone: location and message, no id, no registry content.
    pub fn redacted(&self) -> String {
        let mut s = format!("{}:{}:{}: ", self.origin, self.line, self.column);
        if let Some(i) = self.index {
            s.push_str(&format!("issues[{i}]: "));
        }
        s.push_str(&self.message);
        s
    }
}

/// Parses and validates a registry's text into its policy and issues. `origin` names it
/// in every problem. Either the whole registry is valid, or every problem found is
/// returned.
pub(super) fn validate(text: &str, origin: &str) -> Result<(Policy, Vec<Issue>), Vec<Problem>> {
    let root = match json::parse(text) {
        Ok(root) => root,
        Err(e) => {
            return Err(vec![Problem {
                origin: origin.to_string(),
                line: e.line,
                column: e.column,
                issue: None,
                index: None,
                message: format!("invalid JSON: {}", e.message),
                detail: None,
            }])
        }
    };
    let mut validator = Validator {
        origin,
        problems: Vec::new(),
    };
    let parsed = validator.registry(&root);
    let mut problems = validator.problems;
    if problems.is_empty() {
        if let Some(parsed) = parsed {
            return Ok(parsed);
        }
    }
    problems.sort_by_key(|p| (p.line, p.column));
    Err(problems)
}

// ---------------------------------------------------------------------------------------
// Validation. Every check reports and carries on, so one pass finds every problem.
// Messages name schema fields and kinds of mistakes only; anything taken from the
// registry (ids, terms, unknown keys, bad values) goes into `detail`.

const TOP_FIELDS: &[&str] = &["version", "policy", "issues"];

/// Where a problem is: inside which issue, if any.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    issue: Option<&'a str>,
    index: Option<usize>,
}

const TOP: Ctx<'static> = Ctx {
    issue: None,
    index: None,
};

/// Walks the JSON of a registry, collecting every problem on the way.
struct Validator<'o> {
    origin: &'o str,
    problems: Vec<Problem>,
}

/// The kinds of registry strings that must be able to match something.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    Alias,
    Term,
    Pattern,
}

impl ListKind {
    fn field(self) -> &'static str {
        match self {
            ListKind::Alias => "aliases",
            ListKind::Term => "terms",
            ListKind::Pattern => "patterns",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            ListKind::Alias => "alias",
            ListKind::Term => "term",
            ListKind::Pattern => "pattern",
        }
    }
}

/// A member name seen in an object, to report repeated schema fields.
struct Seen<'a> {
    names: Vec<(&'a str, usize)>,
}

impl<'a> Seen<'a> {
    /// The line of the earlier occurrence of `name`, or records this one.
    fn earlier(&mut self, name: &'a str, line: usize) -> Option<usize> {
        if let Some(&(_, l)) = self.names.iter().find(|(n, _)| *n == name) {
            return Some(l);
        }
        self.names.push((name, line));
        None
    }
}

impl Validator<'_> {
    fn report(
        &mut self,
        ctx: Ctx<'_>,
        line: usize,
        column: usize,
        message: impl Into<String>,
        detail: Option<String>,
    ) {
        self.problems.push(Problem {
            origin: self.origin.to_string(),
            line,
            column,
            issue: ctx.issue.map(str::to_string),
            index: ctx.index,
            message: message.into(),
            detail,
        });
    }

    fn at(&mut self, ctx: Ctx<'_>, v: &Value, message: impl Into<String>) {
        self.report(ctx, v.line, v.column, message, None);
    }

    fn at_with(&mut self, ctx: Ctx<'_>, v: &Value, message: impl Into<String>, detail: String) {
        self.report(ctx, v.line, v.column, message, Some(detail));
    }

    /// Reports a member that is not in the schema, or a schema member given twice.
    /// Returns whether the member is the first of its name in the schema (`Some(true)`),
    /// a repeat (`Some(false)`), or unknown (`None`).
    fn member<'a>(
        &mut self,
        ctx: Ctx<'_>,
        key: &'a Key,
        fields: &[&str],
        seen: &mut Seen<'a>,
    ) -> Option<bool> {
        if !fields.contains(&key.name.as_str()) {
            self.report(
                ctx,
                key.line,
                key.column,
                "unknown field",
                Some(key.name.clone()),
            );
            return None;
        }
        match seen.earlier(&key.name, key.line) {
            Some(line) => {
                self.report(
                    ctx,
                    key.line,
                    key.column,
                    format!("duplicate field `{}` (also at line {line})", key.name),
                    None,
                );
                Some(false)
            }
            None => Some(true),
        }
    }

    fn missing(&mut self, ctx: Ctx<'_>, object: &Value, field: &str) {
        self.at(ctx, object, format!("missing field `{field}`"));
    }

    fn registry(&mut self, root: &Value) -> Option<(Policy, Vec<Issue>)> {
        let Some(members) = root.as_object() else {
            self.at(
                TOP,
                root,
                format!(
                    "expected an object at the top level, found {}",
                    root.kind.describe()
                ),
            );
            return None;
        };
        let mut seen = Seen { names: Vec::new() };
        let mut version_ok = None;
        let mut policy = None;
        let mut issues = None;
        for (key, value) in members {
            let Some(first) = self.member(TOP, key, TOP_FIELDS, &mut seen) else {
                continue;
            };
            match key.name.as_str() {
                "version" => {
                    let ok = self.version(value);
                    if first {
                        version_ok = Some(ok);
                    }
                }
                "policy" => {
                    let p = self.policy(value);
                    if first {
                        policy = Some(p);
                    }
                }
                "issues" => {
                    let i = self.issues(value);
                    if first {
                        issues = Some(i);
                    }
                }
                // member() lets only schema fields through.
                _ => {}
            }
        }
        if version_ok.is_none() {
            self.missing(TOP, root, "version");
        }
        if issues.is_none() {
            self.missing(TOP, root, "issues");
        }
        let policy = policy.unwrap_or(Some(Policy::default()))?;
        let issues = issues??;
        version_ok.filter(|ok| *ok)?;
        Some((policy, issues))
    }

    fn version(&mut self, v: &Value) -> bool {
        match &v.kind {
            Kind::Number(n) if n.is_integer() => {
                if n.as_u64() == Some(1) {
                    true
                } else {
                    self.at_with(
                        TOP,
                        v,
                        "unsupported registry version (this embargo reads version 1)",
                        n.as_str().to_string(),
                    );
                    false
                }
            }
            _ => {
                self.at(
                    TOP,
                    v,
                    format!(
                        "`version` must be the integer 1, found {}",
                        describe_value(v)
                    ),
                );
                false
            }
        }
    }

    fn policy(&mut self, v: &Value) -> Option<Policy> {
        let Some(members) = v.as_object() else {
            self.at(
                TOP,
                v,
                format!("expected an object, found {}", v.kind.describe()),
            );
            return None;
        };
        const FIELDS: &[&str] = &[
            "level_notice_days",
            "details_notice_days",
            "generic",
            "help",
            "content",
        ];
        let mut seen = Seen { names: Vec::new() };
        let mut policy = Policy::default();
        let mut ok = true;
        for (key, value) in members {
            let Some(first) = self.member(TOP, key, FIELDS, &mut seen) else {
                ok = false;
                continue;
            };
            match key.name.as_str() {
                "level_notice_days" | "details_notice_days" => match self.days(value) {
                    Some(d) if first => {
                        if key.name == "level_notice_days" {
                            policy.level_notice_days = d;
                        } else {
                            policy.details_notice_days = d;
                        }
                    }
                    Some(_) => {}
                    None => ok = false,
                },
                "generic" => match self.generic(value) {
                    Some(g) if first => policy.generic = g,
                    Some(_) => {}
                    None => ok = false,
                },
                "content" => match self.content(value) {
                    Some(c) if first => policy.content = c,
                    Some(_) => {}
                    None => ok = false,
                },
                "help" => match value.as_str() {
                    Some(s) if first => {
                        policy.help = (!s.trim().is_empty()).then(|| s.to_string());
                    }
                    Some(_) => {}
                    None => {
                        self.at(
                            TOP,
                            value,
                            format!("expected a string, found {}", value.kind.describe()),
                        );
                        ok = false;
                    }
                },
                // member() lets only schema fields through.
                _ => {}
            }
        }
        ok.then_some(policy)
    }

    fn days(&mut self, v: &Value) -> Option<u32> {
        match &v.kind {
            Kind::Number(n) if n.is_integer() && !n.as_str().starts_with('-') => {
                match n.as_u64().and_then(|d| u32::try_from(d).ok()) {
                    Some(d) => Some(d),
                    None => {
                        self.at_with(TOP, v, "number of days too large", n.as_str().to_string());
                        None
                    }
                }
            }
            Kind::Number(n) => {
                self.at_with(
                    TOP,
                    v,
                    "expected a non-negative whole number of days",
                    n.as_str().to_string(),
                );
                None
            }
            _ => {
                self.at(
                    TOP,
                    v,
                    format!(
                        "expected a non-negative whole number of days, found {}",
                        v.kind.describe()
                    ),
                );
                None
            }
        }
    }

    fn generic(&mut self, v: &Value) -> Option<GenericMode> {
        self.keyword(
            TOP,
            v,
            "`generic` mode",
            "off, warn or deny",
            GenericMode::parse,
        )
    }

    fn content(&mut self, v: &Value) -> Option<ContentMode> {
        self.keyword(
            TOP,
            v,
            "`content` mode",
            "off, ids or all",
            ContentMode::parse,
        )
    }

    /// A field that takes one of a few words: not a string, or an unknown word, is a
    /// problem naming the choices.
    fn keyword<T>(
        &mut self,
        ctx: Ctx<'_>,
        v: &Value,
        what: &str,
        choices: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Option<T> {
        let Some(s) = v.as_str() else {
            self.at(
                ctx,
                v,
                format!("expected a string ({choices}), found {}", v.kind.describe()),
            );
            return None;
        };
        let parsed = parse(s);
        if parsed.is_none() {
            self.at_with(
                ctx,
                v,
                format!("unknown {what} (expected {choices})"),
                s.to_string(),
            );
        }
        parsed
    }

    fn issues(&mut self, v: &Value) -> Option<Vec<Issue>> {
        let Some(items) = v.as_array() else {
            self.at(
                TOP,
                v,
                format!("expected an array of issues, found {}", v.kind.describe()),
            );
            return None;
        };
        let mut names = Names::new();
        let mut issues = Vec::with_capacity(items.len());
        let mut ok = true;
        for (index, item) in items.iter().enumerate() {
            match self.issue(index, item, &mut names) {
                Some(issue) => issues.push(issue),
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        Some(issues)
    }

    fn issue(&mut self, index: usize, v: &Value, names: &mut Names) -> Option<Issue> {
        let Some(members) = v.as_object() else {
            let ctx = Ctx {
                issue: None,
                index: Some(index),
            };
            self.at(
                ctx,
                v,
                format!("expected an issue object, found {}", v.kind.describe()),
            );
            return None;
        };
        // Problems anywhere in the issue name it, when its id is usable.
        let usable_id = v
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| id_is_usable(s));
        let ctx = Ctx {
            issue: usable_id,
            index: Some(index),
        };
        const FIELDS: &[&str] = &[
            "id",
            "severity",
            "summary",
            "aliases",
            "terms",
            "patterns",
            "released",
            "disclosed",
            "fixed_in",
        ];
        let mut seen = Seen { names: Vec::new() };
        let mut ok = true;
        let mut issue = Issue {
            id: String::new(),
            severity: Severity::Untriaged,
            summary: None,
            aliases: Vec::new(),
            terms: Vec::new(),
            patterns: Vec::new(),
            released: None,
            disclosed: None,
            fixed_in: None,
            line: v.line,
        };
        let mut has_id = false;
        for (key, value) in members {
            let Some(first) = self.member(ctx, key, FIELDS, &mut seen) else {
                ok = false;
                continue;
            };
            ok &= first;
            match key.name.as_str() {
                "id" => {
                    has_id = true;
                    match self.id(ctx, value) {
                        Some(id) if first => {
                            if let Some(clash) = names.add(id, value.line, index, true) {
                                self.at_with(ctx, value, clash, id.to_string());
                                ok = false;
                            }
                            issue.id = id.to_string();
                        }
                        Some(_) => {}
                        None => ok = false,
                    }
                }
                "severity" => match self.severity(ctx, value) {
                    Some(s) if first => issue.severity = s,
                    Some(_) => {}
                    None => ok = false,
                },
                "summary" => match &value.kind {
                    Kind::String(s) if first => issue.summary = Some(s.clone()),
                    Kind::String(_) | Kind::Null => {}
                    _ => {
                        self.at(
                            ctx,
                            value,
                            format!("expected a string or null, found {}", value.kind.describe()),
                        );
                        ok = false;
                    }
                },
                "fixed_in" => match &value.kind {
                    Kind::String(s) if s.trim().is_empty() => {
                        self.at(ctx, value, "empty `fixed_in` (leave it out or null)");
                        ok = false;
                    }
                    Kind::String(s) if first => issue.fixed_in = Some(s.clone()),
                    Kind::String(_) | Kind::Null => {}
                    _ => {
                        self.at(
                            ctx,
                            value,
                            format!("expected a string or null, found {}", value.kind.describe()),
                        );
                        ok = false;
                    }
                },
                "aliases" | "terms" | "patterns" => {
                    let kind = match key.name.as_str() {
                        "aliases" => ListKind::Alias,
                        "terms" => ListKind::Term,
                        _ => ListKind::Pattern,
                    };
                    match self.list(ctx, value, kind) {
                        Some(list) if first => match kind {
                            ListKind::Alias => {
                                for item in value.as_array().unwrap_or_default() {
                                    let Some(alias) = item.as_str() else { continue };
                                    if let Some(clash) = names.add(alias, item.line, index, false) {
                                        self.at_with(ctx, item, clash, alias.to_string());
                                        ok = false;
                                    }
                                }
                                issue.aliases = list;
                            }
                            ListKind::Term => issue.terms = list,
                            ListKind::Pattern => issue.patterns = list,
                        },
                        Some(_) => {}
                        None => ok = false,
                    }
                }
                "released" | "disclosed" => match self.date(ctx, value) {
                    Some(d) if first => {
                        if key.name == "released" {
                            issue.released = d;
                        } else {
                            issue.disclosed = d;
                        }
                    }
                    Some(_) => {}
                    None => ok = false,
                },
                // member() lets only schema fields through.
                _ => {}
            }
        }
        if !has_id {
            self.missing(ctx, v, "id");
            ok = false;
        }
        ok.then_some(issue)
    }

    fn id<'v>(&mut self, ctx: Ctx<'_>, v: &'v Value) -> Option<&'v str> {
        let Some(s) = v.as_str() else {
            self.at(
                ctx,
                v,
                format!("expected the id as a string, found {}", v.kind.describe()),
            );
            return None;
        };
        if s.trim().is_empty() {
            self.at(ctx, v, "empty id");
            return None;
        }
        if !can_match_literally(s) {
            self.at_with(
                ctx,
                v,
                "id can never match: it has no letter or digit",
                s.to_string(),
            );
            return None;
        }
        if let Some((why, detail)) = unmatchable_character(s) {
            self.at_with(ctx, v, format!("id can never match: {why}"), detail);
            return None;
        }
        Some(s)
    }

    fn severity(&mut self, ctx: Ctx<'_>, v: &Value) -> Option<Severity> {
        let choices = "critical, high, medium, low or untriaged";
        self.keyword(ctx, v, "severity", choices, Severity::parse)
    }

    fn list(&mut self, ctx: Ctx<'_>, v: &Value, kind: ListKind) -> Option<Vec<String>> {
        let items = match &v.kind {
            Kind::Null => return Some(Vec::new()),
            Kind::Array(items) => items,
            other => {
                self.at(
                    ctx,
                    v,
                    format!(
                        "`{}` must be an array of strings, found {}",
                        kind.field(),
                        other.describe()
                    ),
                );
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            let Some(s) = item.as_str() else {
                self.at(
                    ctx,
                    item,
                    format!("expected a string, found {}", item.kind.describe()),
                );
                ok = false;
                continue;
            };
            let noun = kind.noun();
            if s.is_empty() {
                self.at(ctx, item, format!("empty {noun}"));
                ok = false;
            } else if s.trim().is_empty() {
                self.at(ctx, item, format!("{noun} is only whitespace"));
                ok = false;
            } else if kind == ListKind::Pattern {
                ok &= self.pattern(ctx, item, s);
            } else if !can_match_literally(s) {
                self.at_with(
                    ctx,
                    item,
                    format!("{noun} can never match: it has no letter or digit"),
                    s.to_string(),
                );
                ok = false;
            } else if let Some((why, detail)) = (kind == ListKind::Alias)
                .then(|| unmatchable_character(s))
                .flatten()
            {
                self.at_with(ctx, item, format!("{noun} can never match: {why}"), detail);
                ok = false;
            }
            out.push(s.to_string());
        }
        ok.then_some(out)
    }

    /// Checks one pattern: it must compile as the matcher compiles it, and every match
    /// must be at least one character long.
    fn pattern(&mut self, ctx: Ctx<'_>, v: &Value, pattern: &str) -> bool {
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(true)
            .build()
            .parse(pattern);
        let hir = match hir {
            Ok(hir) => hir,
            Err(e) => {
                self.at_with(ctx, v, "invalid regex", regex_error_detail(pattern, &e));
                return false;
            }
        };
        match hir.properties().minimum_len() {
            Some(0) => {
                self.at(ctx, v, "pattern can match the empty string");
                return false;
            }
            None => {
                self.at(ctx, v, "pattern can never match");
                return false;
            }
            Some(_) => {}
        }
        if let Err(e) = RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
        {
            let message = match e {
                regex::Error::CompiledTooBig(_) => "pattern is too large once compiled",
                _ => "invalid regex",
            };
            self.at_with(ctx, v, message, e.to_string());
            return false;
        }
        true
    }

    /// `Some(None)` for null, `Some(Some(date))` for a valid date, `None` on a problem.
    fn date(&mut self, ctx: Ctx<'_>, v: &Value) -> Option<Option<Date>> {
        let s = match &v.kind {
            Kind::Null => return Some(None),
            Kind::String(s) => s,
            other => {
                self.at(
                    ctx,
                    v,
                    format!(
                        "expected a date string (YYYY-MM-DD) or null, found {}",
                        other.describe()
                    ),
                );
                return None;
            }
        };
        match parse_day(s) {
            Ok(d) => Some(Some(d)),
            Err(DayError::Shape) => {
                self.at_with(ctx, v, "invalid date: expected YYYY-MM-DD", s.clone());
                None
            }
            Err(DayError::NoSuchDay) => {
                self.at_with(
                    ctx,
                    v,
                    "invalid date: no such day in the calendar",
                    s.clone(),
                );
                None
            }
        }
    }
}

/// Whether an id can name an issue in the matcher: a letter or digit to match on.
fn id_is_usable(s: &str) -> bool {
    !s.trim().is_empty() && can_match_literally(s)
}

/// Whether an id, alias or term keeps a letter or digit once folded like the text it is
/// compared with; the matcher looks for nothing else, so without one it never matches.
/// The ids and aliases seen so far, by the text they match: folded, with only their
/// letters and digits, as the matcher squeezes them (`SX-1`, `ＳＸ-1` and `SX_1` are one).
struct Names(HashMap<String, (usize, usize, bool)>);

impl Names {
    fn new() -> Names {
        Names(HashMap::new())
    }

    /// Records the id or alias `name` of issue `index`, at `line`. When another id or
    /// alias already matches the same text, the problem to report. An alias that
    /// matches its own issue's id or another of its aliases only repeats it, and is fine.
    fn add(&mut self, name: &str, line: usize, index: usize, is_id: bool) -> Option<String> {
        let key: String = fold(name).chars().filter(|c| c.is_alphanumeric()).collect();
        let noun = |id: bool| if id { "id" } else { "alias" };
        match self.0.get(&key) {
            Some(&(_, at, _)) if at == index && !is_id => None,
            Some(&(other, _, true)) if is_id => {
                Some(format!("duplicate id (also at line {other})"))
            }
            Some(&(other, _, other_is_id)) => Some(format!(
                "duplicate {}: it matches the same text as the {} at line {other}",
                noun(is_id),
                noun(other_is_id)
            )),
            None => {
                self.0.insert(key, (line, index, is_id));
                None
            }
        }
    }
}

/// Why an id or alias can never be found: a character no mention can hold (see
/// [`unholdable_character`]), and what it reads as when that differs.
/// The message names no character (the hooks print it, and the registry's text stays
/// out of their output); the detail, which only `registry lint` prints, does.
fn unmatchable_character(s: &str) -> Option<(&'static str, String)> {
    let (c, reads) = unholdable_character(s)?;
    let reads = if reads == c {
        String::new()
    } else {
        format!(", which reads as `{reads}`")
    };
    let why = "it has a character no mention can hold; ids and aliases are letters and digits with `-`, `_`, `.`, `/` or spaces between them";
    Some((why, format!("{s} (`{c}`{reads})")))
}

fn can_match_literally(s: &str) -> bool {
    fold(s).chars().any(char::is_alphanumeric)
}

/// A JSON value's kind for messages, without its content.
fn describe_value(v: &Value) -> &'static str {
    match &v.kind {
        Kind::Number(n) if !n.is_integer() => "a number with a fraction or exponent",
        other => other.describe(),
    }
}

/// The regex parser's explanation, on one line, with where in the pattern it is.
fn regex_error_detail(pattern: &str, e: &regex_syntax::Error) -> String {
    let (kind, offset) = match e {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span().start.offset),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span().start.offset),
        other => return other.to_string(),
    };
    let at = pattern.get(..offset).map_or(1, |p| p.chars().count() + 1);
    format!("{kind} (at character {at} of the pattern)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::registry::parse;
    use time::macros::date;

    const EXAMPLE: &str = include_str!("../../../fixtures/registry.example.json");

    fn problems(text: &str) -> Vec<Problem> {
        parse(text, "reg.json").expect_err("should be rejected")
    }

    /// The only problem of a registry that has exactly one.
    fn one(text: &str) -> Problem {
        let mut all = problems(text);
        assert_eq!(all.len(), 1, "{all:#?}");
        all.remove(0)
    }

    /// A registry around one issue's members (each given as `"key": value` lines).
    fn with_issue(members: &str) -> String {
        format!("{{\n  \"version\": 1,\n  \"issues\": [\n    {{\n{members}\n    }}\n  ]\n}}\n")
    }

    /// (line, column, message) of every problem.
    fn summary(all: &[Problem]) -> Vec<(usize, usize, &str)> {
        all.iter()
            .map(|p| (p.line, p.column, p.message.as_str()))
            .collect()
    }

    #[test]
    fn example_fixture_parses() {
        let reg = parse(EXAMPLE, "fixtures/registry.example.json").unwrap();
        assert_eq!(reg.origin, "fixtures/registry.example.json");
        assert_eq!(reg.policy.level_notice_days, 7);
        assert_eq!(reg.policy.details_notice_days, 14);
        assert_eq!(reg.policy.generic, GenericMode::Warn);
        assert_eq!(
            reg.policy.help.as_deref(),
            Some("Security fixes are described only after disclosure; ask the security team.")
        );
        let ids: Vec<_> = reg.issues.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "SX-2026-011",
                "SX-2026-014",
                "SX-2026-017",
                "SX-2026-020",
                "SX-2026-023",
                "SX-2025-088"
            ]
        );
        let sx11 = &reg.issues[0];
        assert_eq!(sx11.severity, Severity::Critical);
        assert_eq!(sx11.aliases, ["CVE-2026-41873", "GHSA-7xq2-9m4r-p3fw"]);
        assert_eq!(sx11.terms, ["ratchet header replay"]);
        assert_eq!(sx11.patterns, [r"queue\s+takeover\s+via\s+\w+"]);
        assert_eq!(sx11.released, Some(date!(2026 - 11 - 25)));
        assert_eq!(sx11.disclosed, None);
        assert_eq!(sx11.line, 10);
        assert!(sx11.summary.is_some());
        assert_eq!(reg.issues[1].severity, Severity::High);
        assert_eq!(reg.issues[1].terms, ["chunk digest"]);
        assert_eq!(reg.issues[2].severity, Severity::Medium);
        assert_eq!(reg.issues[3].severity, Severity::Low);
        assert_eq!(reg.issues[3].terms, ["verbose log noise"]);
        assert_eq!(reg.issues[4].severity, Severity::Untriaged);
        assert_eq!(reg.issues[5].disclosed, Some(date!(2026 - 01 - 09)));
        // The matcher accepts what validation accepts.
        crate::engine::matcher::Matcher::new(&reg.issues).unwrap();
    }

    #[test]
    fn defaults_apply() {
        let reg = parse(
            r#"{"version": 1, "issues": [{"id": "SX-1"}]}"#,
            "$EMBARGO_REGISTRY_JSON",
        )
        .unwrap();
        assert_eq!(reg.policy, Policy::default());
        assert_eq!(reg.policy.level_notice_days, 7);
        assert_eq!(reg.policy.details_notice_days, 14);
        assert_eq!(reg.policy.generic, GenericMode::Warn);
        assert_eq!(reg.policy.help, None);
        let issue = &reg.issues[0];
        assert_eq!(issue.severity, Severity::Untriaged);
        assert_eq!(issue.summary, None);
        assert!(issue.aliases.is_empty() && issue.terms.is_empty() && issue.patterns.is_empty());
        assert_eq!((issue.released, issue.disclosed), (None, None));
        assert_eq!(issue.line, 1);

        // An empty policy object and an empty issue list are fine too.
        let reg = parse(r#"{"version": 1, "policy": {}, "issues": []}"#, "r").unwrap();
        assert_eq!(reg.policy, Policy::default());
        assert!(reg.issues.is_empty());
    }

    #[test]
    fn policy_values_are_read() {
        let reg = parse(
            r#"{"version": 1, "policy": {"level_notice_days": 0, "details_notice_days": 30,
                "generic": "DENY", "help": "Ask."}, "issues": []}"#,
            "r",
        )
        .unwrap();
        assert_eq!(
            reg.policy,
            Policy {
                level_notice_days: 0,
                details_notice_days: 30,
                generic: GenericMode::Deny,
                help: Some("Ask.".into()),
                content: ContentMode::Ids,
            }
        );
        let reg = parse(
            r#"{"version": 1, "policy": {"generic": "off"}, "issues": []}"#,
            "r",
        );
        assert_eq!(reg.unwrap().policy.generic, GenericMode::Off);
        for (text, mode) in [
            ("off", ContentMode::Off),
            ("IDS", ContentMode::Ids),
            ("all", ContentMode::All),
        ] {
            let reg = parse(
                &format!(r#"{{"version": 1, "policy": {{"content": "{text}"}}, "issues": []}}"#),
                "r",
            );
            assert_eq!(reg.unwrap().policy.content, mode, "{text}");
        }
    }

    #[test]
    fn severity_any_case_and_untriaged() {
        for (written, expected) in [
            ("CRITICAL", Severity::Critical),
            ("High", Severity::High),
            ("medium", Severity::Medium),
            ("lOw", Severity::Low),
            ("Untriaged", Severity::Untriaged),
        ] {
            let text = with_issue(&format!(
                "      \"id\": \"A-1\", \"severity\": \"{written}\""
            ));
            assert_eq!(parse(&text, "r").unwrap().issues[0].severity, expected);
        }
        let text = with_issue("      \"id\": \"A-1\"");
        assert_eq!(
            parse(&text, "r").unwrap().issues[0].severity,
            Severity::Untriaged
        );
    }

    #[test]
    fn nulls_mean_absent_where_allowed() {
        let text = with_issue(
            r#"      "id": "A-1", "summary": null, "aliases": null, "terms": null,
      "patterns": null, "released": null, "disclosed": null"#,
        );
        let issue = &parse(&text, "r").unwrap().issues[0];
        assert_eq!(issue.summary, None);
        assert!(issue.aliases.is_empty() && issue.terms.is_empty() && issue.patterns.is_empty());
    }

    #[test]
    fn syntax_error_is_one_problem_at_its_position() {
        let text = "{\n  \"version\": 1,\n  \"issues\": [\n    {\"id\": \"A-1\",}\n  ]\n}\n";
        let p = one(text);
        assert_eq!((p.line, p.column), (4, 18));
        assert!(p.message.starts_with("invalid JSON: "), "{}", p.message);
        assert_eq!(
            (p.issue.as_deref(), p.index, p.detail.as_deref()),
            (None, None, None)
        );
        assert_eq!(p.origin, "reg.json");
        assert_eq!(
            p.redacted(),
            "reg.json:4:18: invalid JSON: expected a member name in double quotes after ',' \
             (no trailing commas), found a punctuation mark"
        );

        let p = one("");
        assert_eq!((p.line, p.column), (1, 1));
        let p = one("{\"version\": 1, \"issues\": [\n\"é\" \"x\"]}");
        assert_eq!((p.line, p.column), (2, 5));
    }

    #[test]
    fn top_level_problems() {
        let p = one("[]");
        assert_eq!((p.line, p.column), (1, 1));
        assert_eq!(
            p.message,
            "expected an object at the top level, found an array"
        );

        let all = problems("{}");
        assert_eq!(
            summary(&all),
            [
                (1, 1, "missing field `version`"),
                (1, 1, "missing field `issues`")
            ]
        );

        let p = one(r#"{"version": 2, "issues": []}"#);
        assert_eq!((p.line, p.column), (1, 13));
        assert!(p.message.starts_with("unsupported registry version"));
        assert_eq!(p.detail.as_deref(), Some("2"));
        for bad in [r#""1""#, "1.0", "1e0", "true", "null"] {
            let p = one(&format!(r#"{{"version": {bad}, "issues": []}}"#));
            assert_eq!((p.line, p.column), (1, 13), "{bad}");
            assert!(
                p.message.starts_with("`version` must be the integer 1"),
                "{bad}"
            );
        }

        let p = one(r#"{"version": 1, "issues": {}}"#);
        assert_eq!((p.line, p.column), (1, 26));
        assert_eq!(p.message, "expected an array of issues, found an object");

        let p = one(r#"{"version": 1, "issues": [], "comment": "x"}"#);
        assert_eq!((p.line, p.column), (1, 30));
        assert_eq!(p.message, "unknown field");
        assert_eq!(p.detail.as_deref(), Some("comment"));

        let p = one("{\"version\": 1,\n \"issues\": [],\n \"version\": 1}");
        assert_eq!((p.line, p.column), (3, 2));
        assert_eq!(p.message, "duplicate field `version` (also at line 1)");
    }

    #[test]
    fn policy_problems() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                r#"{"level_notice_days": -1}"#,
                "expected a non-negative whole number of days",
                Some("-1"),
            ),
            (
                r#"{"level_notice_days": 1.5}"#,
                "expected a non-negative whole number of days",
                Some("1.5"),
            ),
            (
                r#"{"details_notice_days": "7"}"#,
                "expected a non-negative whole number of days, found a string",
                None,
            ),
            (
                r#"{"details_notice_days": 4294967296}"#,
                "number of days too large",
                Some("4294967296"),
            ),
            (
                r#"{"generic": "loud"}"#,
                "unknown `generic` mode (expected off, warn or deny)",
                Some("loud"),
            ),
            (
                r#"{"generic": false}"#,
                "expected a string (off, warn or deny), found a boolean",
                None,
            ),
            (
                r#"{"content": "terms"}"#,
                "unknown `content` mode (expected off, ids or all)",
                Some("terms"),
            ),
            (
                r#"{"content": 1}"#,
                "expected a string (off, ids or all), found a number",
                None,
            ),
            (
                r#"{"help": ["x"]}"#,
                "expected a string, found an array",
                None,
            ),
            (r#"{"strict": true}"#, "unknown field", Some("strict")),
        ];
        for (policy, message, detail) in cases {
            let text = format!("{{\"version\": 1,\n\"policy\": {policy},\n\"issues\": []}}");
            let p = one(&text);
            assert_eq!(p.line, 2, "{policy}");
            // Unknown fields are reported at the key, everything else at the value.
            let column = if *message == "unknown field" {
                12
            } else {
                policy.find(':').unwrap() + 13
            };
            assert_eq!(p.column, column, "{policy}");
            assert_eq!(&p.message, message, "{policy}");
            assert_eq!(p.detail.as_deref(), *detail, "{policy}");
            assert_eq!((p.issue.as_deref(), p.index), (None, None));
        }
        let p = one(r#"{"version": 1, "policy": [], "issues": []}"#);
        assert_eq!(
            (p.column, p.message.as_str()),
            (26, "expected an object, found an array")
        );
    }

    /// Each kind of issue problem: its message, position, detail and issue id.
    #[test]
    fn issue_problems_each_kind() {
        // (members, line, column, message, detail, issue id)
        type Case = (
            &'static str,
            usize,
            usize,
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (
                r#"      "severity": "high""#,
                4,
                5,
                "missing field `id`",
                None,
                None,
            ),
            (r#"      "id": """#, 5, 13, "empty id", None, None),
            (r#"      "id": "   ""#, 5, 13, "empty id", None, None),
            (
                r#"      "id": 11"#,
                5,
                13,
                "expected the id as a string, found a number",
                None,
                None,
            ),
            (
                r#"      "id": "--/""#,
                5,
                13,
                "id can never match: it has no letter or digit",
                Some("--/"),
                None,
            ),
            (
                r#"      "id": "A-1", "severity": "urgent""#,
                5,
                32,
                "unknown severity (expected critical, high, medium, low or untriaged)",
                Some("urgent"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "severity": null"#,
                5,
                32,
                "expected a string (critical, high, medium, low or untriaged), found null",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "summary": 3"#,
                5,
                31,
                "expected a string or null, found a number",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "terms": "one""#,
                5,
                29,
                "`terms` must be an array of strings, found a string",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "aliases": ["B-2", 7]"#,
                5,
                39,
                "expected a string, found a number",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "terms": [""]"#,
                5,
                30,
                "empty term",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "terms": ["  "]"#,
                5,
                30,
                "term is only whitespace",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "terms": ["-- !"]"#,
                5,
                30,
                "term can never match: it has no letter or digit",
                Some("-- !"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "aliases": ["\u00ad"]"#,
                5,
                32,
                "alias can never match: it has no letter or digit",
                Some("\u{ad}"),
                Some("A-1"),
            ),
            (
                r#"      "id": "SX-E;1""#,
                5,
                13,
                "id can never match: it has a character no mention can hold; ids and aliases are letters and digits with `-`, `_`, `.`, `/` or spaces between them",
                Some("SX-E;1 (`;`)"),
                Some("SX-E;1"),
            ),
            (
                r#"      "id": "A-1", "aliases": ["SX-\u02bcE-1"]"#,
                5,
                32,
                "alias can never match: it has a character no mention can hold; ids and aliases are letters and digits with `-`, `_`, `.`, `/` or spaces between them",
                Some("SX-\u{2bc}E-1 (`\u{2bc}`, which reads as `'`)"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "aliases": [""]"#,
                5,
                32,
                "empty alias",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "patterns": [""]"#,
                5,
                33,
                "empty pattern",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "patterns": ["a(b"]"#,
                5,
                33,
                "invalid regex",
                Some("unclosed group (at character 2 of the pattern)"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "patterns": ["a*"]"#,
                5,
                33,
                "pattern can match the empty string",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "patterns": ["\\bfoo|\\b"]"#,
                5,
                33,
                "pattern can match the empty string",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "patterns": ["[a&&b]"]"#,
                5,
                33,
                "pattern can never match",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "patterns": ["\\w{1000}{1000}"]"#,
                5,
                33,
                "pattern is too large once compiled",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "released": "2026-02-30""#,
                5,
                32,
                "invalid date: no such day in the calendar",
                Some("2026-02-30"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "disclosed": "2026-1-09""#,
                5,
                33,
                "invalid date: expected YYYY-MM-DD",
                Some("2026-1-09"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "disclosed": "2026-01-09T00:00""#,
                5,
                33,
                "invalid date: expected YYYY-MM-DD",
                Some("2026-01-09T00:00"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "released": 20260109"#,
                5,
                32,
                "expected a date string (YYYY-MM-DD) or null, found a number",
                None,
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "owner": "x""#,
                5,
                20,
                "unknown field",
                Some("owner"),
                Some("A-1"),
            ),
            (
                r#"      "id": "A-1", "terms": [], "terms": ["x"]"#,
                5,
                33,
                "duplicate field `terms` (also at line 5)",
                None,
                Some("A-1"),
            ),
            // Fields before the id are still attributed to the issue.
            (
                r#"      "severity": "bad", "id": "A-1""#,
                5,
                19,
                "unknown severity (expected critical, high, medium, low or untriaged)",
                Some("bad"),
                Some("A-1"),
            ),
        ];
        for (members, line, column, message, detail, issue) in cases {
            let p = one(&with_issue(members));
            assert_eq!(
                (p.line, p.column, p.message.as_str()),
                (*line, *column, *message),
                "{members}"
            );
            if *message != "pattern is too large once compiled" {
                assert_eq!(p.detail.as_deref(), *detail, "{members}");
            }
            assert_eq!(p.issue.as_deref(), *issue, "{members}");
            assert_eq!(p.index, Some(0), "{members}");
        }
    }

    #[test]
    fn issue_must_be_an_object() {
        let p = one(r#"{"version": 1, "issues": [{"id": "A-1"}, "B-2"]}"#);
        assert_eq!((p.line, p.column), (1, 42));
        assert_eq!(p.message, "expected an issue object, found a string");
        assert_eq!((p.issue.as_deref(), p.index), (None, Some(1)));
    }

    #[test]
    fn duplicate_ids_case_insensitive_at_the_second() {
        let text = "{\"version\": 1, \"issues\": [\n  {\"id\": \"SX-2026-011\"},\n  {\"id\": \"B-2\"},\n  {\"id\": \"sx-2026-011\"}\n]}";
        let p = one(text);
        assert_eq!((p.line, p.column), (4, 10));
        assert_eq!(p.message, "duplicate id (also at line 2)");
        assert_eq!(p.issue.as_deref(), Some("sx-2026-011"));
        assert_eq!(p.index, Some(2));
        assert_eq!(p.detail.as_deref(), Some("sx-2026-011"));
        assert_eq!(
            p.redacted(),
            "reg.json:4:10: issues[2]: duplicate id (also at line 2)"
        );
        assert_eq!(
            p.full(),
            "reg.json:4:10: issue sx-2026-011: duplicate id (also at line 2): sx-2026-011"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_in_order() {
        let text = r#"{
  "version": 1,
  "policy": {"generic": "sometimes", "colour": true},
  "issues": [
    {
      "id": "SX-1",
      "severity": "severe",
      "terms": ["", "ok term", "..."],
      "patterns": ["(", "x?"],
      "released": "2026-13-01"
    },
    {"id": "", "summary": 1},
    {"id": "sx-1", "disclosed": "yesterday", "extra": 1},
    42
  ],
  "notes": "x"
}"#;
        let all = problems(text);
        assert_eq!(
            summary(&all),
            [
                (3, 25, "unknown `generic` mode (expected off, warn or deny)"),
                (3, 38, "unknown field"),
                (
                    7,
                    19,
                    "unknown severity (expected critical, high, medium, low or untriaged)"
                ),
                (8, 17, "empty term"),
                (8, 32, "term can never match: it has no letter or digit"),
                (9, 20, "invalid regex"),
                (9, 25, "pattern can match the empty string"),
                (10, 19, "invalid date: no such day in the calendar"),
                (12, 12, "empty id"),
                (12, 27, "expected a string or null, found a number"),
                (13, 12, "duplicate id (also at line 6)"),
                (13, 33, "invalid date: expected YYYY-MM-DD"),
                (13, 46, "unknown field"),
                (14, 5, "expected an issue object, found a number"),
                (16, 3, "unknown field"),
            ]
        );
        let ids: Vec<_> = all.iter().map(|p| p.issue.as_deref()).collect();
        assert_eq!(
            ids,
            [
                None,
                None,
                Some("SX-1"),
                Some("SX-1"),
                Some("SX-1"),
                Some("SX-1"),
                Some("SX-1"),
                Some("SX-1"),
                None,
                None,
                Some("sx-1"),
                Some("sx-1"),
                Some("sx-1"),
                None,
                None
            ]
        );
        let indexes: Vec<_> = all.iter().map(|p| p.index).collect();
        assert_eq!(
            indexes,
            [
                None,
                None,
                Some(0),
                Some(0),
                Some(0),
                Some(0),
                Some(0),
                Some(0),
                Some(1),
                Some(1),
                Some(2),
                Some(2),
                Some(2),
                Some(3),
                None
            ]
        );
        assert!(all.iter().all(|p| p.origin == "reg.json"));
    }

    #[test]
    fn messages_never_quote_registry_content() {
        let text = r#"{
  "version": 1,
  "policy": {"generic": "MARKER_GENERIC_1", "MARKER_POLICY_KEY_2": 1, "help": 3},
  "issues": [
    {
      "id": "MARKER_ID_3",
      "severity": "MARKER_SEVERITY_4",
      "summary": 5,
      "aliases": ["MARKER_ALIAS_5", "", "·MARKER·"],
      "terms": ["MARKER_TERM_123", " ", "!!!", 6],
      "patterns": ["MARKER_PATTERN_7(", "(MARKER_PATTERN_8)?", "[MARKER_PATTERN_9&&0]"],
      "released": "MARKER_DATE_10",
      "disclosed": "2026-02-31",
      "MARKER_KEY_11": "MARKER_VALUE_12"
    },
    {"id": "marker_id_3", "MARKER_KEY_13": {"MARKER_NESTED_14": 1}},
    {"id": "MARKER_ID_15", "terms": "MARKER_TERM_16", "patterns": "MARKER_PATTERN_17"}
  ],
  "MARKER_TOP_18": 1
}"#;
        let all = problems(text);
        assert!(all.len() >= 18, "{all:#?}");
        for p in &all {
            for shown in [&p.message, &p.redacted()] {
                assert!(!shown.to_lowercase().contains("marker"), "{shown}");
                assert!(!shown.contains("2026-02-31"), "{shown}");
            }
        }
        // The details carry the content, for the registry's owner.
        assert!(all
            .iter()
            .any(|p| p.detail.as_deref() == Some("MARKER_SEVERITY_4")));
        assert!(all
            .iter()
            .any(|p| p.detail.as_deref() == Some("MARKER_KEY_11")));
        assert!(all.iter().any(|p| p
            .full()
            .contains("issue MARKER_ID_3: unknown field: MARKER_KEY_11")));

        // Syntax errors do not quote the text either.
        let p = one(r#"{"version": 1, "issues": [{"id": MARKER_BARE}]}"#);
        assert!(!p.redacted().contains("MARKER"), "{}", p.redacted());
        let p = one(r#"{"version": 1, "issues": [{"id": "MARKER" "x"}]}"#);
        assert!(!p.redacted().contains("MARKER"), "{}", p.redacted());
    }

    #[test]
    fn problems_are_sorted_and_issue_line_is_the_opening_brace() {
        let text = "{\"version\": 1, \"issues\": [\n\n  {\n    \"id\": \"A-1\"\n  },\n  {\"id\": \"B-2\"}\n]}";
        let reg = parse(text, "r").unwrap();
        assert_eq!(reg.issues[0].line, 3);
        assert_eq!(reg.issues[1].line, 6);

        let all = problems("{\"issues\": [{\"id\": \"\"}],\n\"version\": 3}");
        assert_eq!(
            summary(&all),
            [
                (1, 20, "empty id"),
                (
                    2,
                    12,
                    "unsupported registry version (this embargo reads version 1)"
                )
            ]
        );
    }

    #[test]
    fn never_panics_on_mangled_registries() {
        for (i, _) in EXAMPLE.char_indices() {
            let _ = parse(&EXAMPLE[..i], "r");
        }
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let swaps = [
            "\"", "1", "null", "[", "]", "{", "}", ",", "\"\"", "\"a*\"", "-0", "true",
        ];
        for _ in 0..300 {
            let mut text = EXAMPLE.to_string();
            for _ in 0..3 {
                let at = (next() as usize) % text.len();
                if text.is_char_boundary(at) {
                    text.insert_str(at, swaps[(next() as usize) % swaps.len()]);
                }
            }
            if let Err(all) = parse(&text, "r") {
                assert!(!all.is_empty());
                assert!(all
                    .windows(2)
                    .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)));
            }
        }
    }
}
