//! A small strict JSON reader that keeps the line and column of every value, so registry
//! validation can point at the exact place of each problem (serde_json keeps no spans).
//!
//! It reads RFC 8259 JSON and nothing else: no comments, no trailing commas, no
//! single quotes, no bare words. Every [`Value`] and every object [`Key`] carries its
//! 1-based line and 1-based column, columns counted in characters (Unicode scalar
//! values), so a position matches what an editor shows. Objects keep their members in
//! order, duplicates included, so a validator can report duplicate keys. A byte-order
//! mark at the very start is skipped, as RFC 8259 allows.
//!
//! Errors carry a position and a plain message that never quotes the input, so they can
//! be shown even when the text is private. Nesting deeper than [`MAX_DEPTH`] is an
//! error, so hostile input cannot overflow the stack. The reader never panics.

use std::fmt;

/// How deep arrays and objects may nest.
pub const MAX_DEPTH: usize = 128;

/// A JSON value and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// 1-based line of the value's first character.
    pub line: usize,
    /// 1-based column (in characters) of the value's first character.
    pub column: usize,
    /// Byte offsets of the value's text (its first character to just after its last), so
    /// an editor can replace a value and keep every other byte of the document.
    pub span: std::ops::Range<usize>,
    pub kind: Kind,
}

/// An object member's key and where its opening quote is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub line: usize,
    pub column: usize,
    /// Byte offsets of the key's quoted text.
    pub span: std::ops::Range<usize>,
}

/// What a value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    /// Members in document order, duplicate keys kept.
    Object(Vec<(Key, Value)>),
}

impl Kind {
    /// The kind's name with its article, for messages: "a string", "an object", ...
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }
}

/// A number as written. JSON numbers have no fixed precision, so the text is kept and
/// read on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    raw: String,
}

impl Number {
    /// The number exactly as written in the document.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether it is written as an integer: no fraction, no exponent.
    pub fn is_integer(&self) -> bool {
        !self.raw.contains(['.', 'e', 'E'])
    }

    /// The value when written as a non-negative integer that fits a `u64`
    /// (`-0` counts as 0).
    pub fn as_u64(&self) -> Option<u64> {
        if !self.is_integer() {
            return None;
        }
        match self.raw.strip_prefix('-') {
            Some(rest) => (rest == "0").then_some(0),
            None => self.raw.parse().ok(),
        }
    }

    /// The value when written as an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        self.raw.parse().ok()
    }

    /// The value as the nearest `f64` (infinite when out of range).
    pub fn as_f64(&self) -> f64 {
        self.raw.parse().unwrap_or(f64::NAN)
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(Key, Value)]> {
        match &self.kind {
            Kind::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// The first member named `name`, when this is an object that has one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
    }
}

/// A syntax error: where, and what was expected. The message never quotes the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for Error {}

/// Reads one JSON document: a single value, with only whitespace around it.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        column: 1,
        depth: 0,
    };
    if text.starts_with('\u{FEFF}') {
        // Skipped without counting: editors do not show it.
        reader.pos = '\u{FEFF}'.len_utf8();
    }
    reader.skip_whitespace();
    if reader.at_end() {
        return Err(reader.error("expected a JSON value, found end of input"));
    }
    let value = reader.value()?;
    reader.skip_whitespace();
    if !reader.at_end() {
        return Err(reader.error("unexpected content after the JSON value"));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    column: usize,
    depth: usize,
}

impl Reader<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consumes one byte, keeping line and column. Columns advance on the first byte
    /// of each UTF-8 sequence only, so they count characters.
    fn bump(&mut self) {
        let Some(b) = self.peek() else { return };
        self.pos += 1;
        match b {
            b'\n' => {
                self.line += 1;
                self.column = 1;
            }
            // A lone CR ends a line too; in CRLF the LF does it.
            b'\r' if self.peek() != Some(b'\n') => {
                self.line += 1;
                self.column = 1;
            }
            _ if b & 0xC0 != 0x80 => self.column += 1,
            _ => {}
        }
    }

    fn error(&self, message: &str) -> Error {
        self.error_at(self.line, self.column, message)
    }

    fn error_at(&self, line: usize, column: usize, message: &str) -> Error {
        Error {
            line,
            column,
            message: message.to_string(),
        }
    }

    /// An error at the current position: `expected`, completed with what was found.
    fn unexpected(&self, expected: &str) -> Error {
        let found = match self.peek() {
            None => "end of input",
            Some(b'}' | b']' | b',' | b':') => "a punctuation mark",
            Some(b'"') => "a string",
            Some(b'-' | b'0'..=b'9') => "a number",
            Some(_) => "an unexpected character",
        };
        self.error(&format!("{expected}, found {found}"))
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    fn value(&mut self) -> Result<Value, Error> {
        let (line, column, start) = (self.line, self.column, self.pos);
        let kind = match self.peek() {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Kind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => Kind::Number(self.number()?),
            Some(b't') => self.word("true", Kind::Bool(true))?,
            Some(b'f') => self.word("false", Kind::Bool(false))?,
            Some(b'n') => self.word("null", Kind::Null)?,
            _ => return Err(self.unexpected("expected a JSON value")),
        };
        Ok(Value {
            line,
            column,
            span: start..self.pos,
            kind,
        })
    }

    fn word(&mut self, word: &str, kind: Kind) -> Result<Kind, Error> {
        let (line, column) = (self.line, self.column);
        let rest = &self.bytes[self.pos..];
        let whole = rest.starts_with(word.as_bytes())
            && !rest
                .get(word.len())
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !whole {
            return Err(self.error_at(
                line,
                column,
                "expected a JSON value (true, false and null are lowercase; strings need double quotes)",
            ));
        }
        for _ in 0..word.len() {
            self.bump();
        }
        Ok(kind)
    }

    fn enter(&mut self) -> Result<(), Error> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(&format!(
                "arrays and objects nested more than {MAX_DEPTH} deep"
            )));
        }
        self.depth += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<Kind, Error> {
        self.enter()?;
        self.bump(); // {
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.bump();
            self.depth -= 1;
            return Ok(Kind::Object(members));
        }
        loop {
            if self.peek() != Some(b'"') {
                let expected = if members.is_empty() {
                    "expected a member name in double quotes or '}'"
                } else {
                    "expected a member name in double quotes after ',' (no trailing commas)"
                };
                return Err(self.unexpected(expected));
            }
            let (line, column, start) = (self.line, self.column, self.pos);
            let name = self.string()?;
            let span = start..self.pos;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("expected ':' after a member name"));
            }
            self.bump();
            self.skip_whitespace();
            let value = self.value()?;
            members.push((
                Key {
                    name,
                    line,
                    column,
                    span,
                },
                value,
            ));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.bump();
                    self.skip_whitespace();
                }
                Some(b'}') => {
                    self.bump();
                    self.depth -= 1;
                    return Ok(Kind::Object(members));
                }
                _ => return Err(self.unexpected("expected ',' or '}' after an object member")),
            }
        }
    }

    fn array(&mut self) -> Result<Kind, Error> {
        self.enter()?;
        self.bump(); // [
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.bump();
            self.depth -= 1;
            return Ok(Kind::Array(items));
        }
        loop {
            if self.peek() == Some(b']') {
                return Err(self.error("expected a value after ',' (no trailing commas)"));
            }
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.bump();
                    self.skip_whitespace();
                }
                Some(b']') => {
                    self.bump();
                    self.depth -= 1;
                    return Ok(Kind::Array(items));
                }
                _ => return Err(self.unexpected("expected ',' or ']' after an array element")),
            }
        }
    }

    /// Reads a string starting at its opening quote.
    fn string(&mut self) -> Result<String, Error> {
        let (line, column) = (self.line, self.column);
        self.bump(); // "
        let mut out = String::new();
        loop {
            // Copy a run of plain characters at once. Runs start and end at ASCII bytes
            // (or the end), so they are whole UTF-8 sequences.
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.bump();
            }
            out.push_str(std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or("\u{FFFD}"));
            match self.peek() {
                None => {
                    return Err(self.error_at(
                        line,
                        column,
                        "unterminated string: no closing double quote",
                    ))
                }
                Some(b'"') => {
                    self.bump();
                    return Ok(out);
                }
                Some(b'\\') => out.push(self.escape()?),
                Some(_) => {
                    return Err(self.error(
                        "control character in a string (line breaks and tabs must be escaped)",
                    ))
                }
            }
        }
    }

    /// Reads an escape sequence starting at its backslash.
    fn escape(&mut self) -> Result<char, Error> {
        let (line, column) = (self.line, self.column);
        self.bump(); // backslash
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.bump();
                let first = self.hex4(line, column)?;
                return match first {
                    0xD800..=0xDBFF => {
                        let low_escape = self.bytes[self.pos..].starts_with(b"\\u");
                        if !low_escape {
                            return Err(self.error_at(
                                line,
                                column,
                                "unpaired surrogate: a \\u escape of a high surrogate must be followed by one of a low surrogate",
                            ));
                        }
                        let (l2, c2) = (self.line, self.column);
                        self.bump();
                        self.bump();
                        let second = self.hex4(l2, c2)?;
                        if !(0xDC00..=0xDFFF).contains(&second) {
                            return Err(self.error_at(
                                line,
                                column,
                                "unpaired surrogate: a \\u escape of a high surrogate must be followed by one of a low surrogate",
                            ));
                        }
                        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        char::from_u32(code)
                            .ok_or_else(|| self.error_at(line, column, "invalid \\u escape"))
                    }
                    0xDC00..=0xDFFF => Err(self.error_at(
                        line,
                        column,
                        "unpaired surrogate: a low surrogate \\u escape without a high one before it",
                    )),
                    _ => char::from_u32(first)
                        .ok_or_else(|| self.error_at(line, column, "invalid \\u escape")),
                };
            }
            None => {
                return Err(self.error_at(line, column, "unterminated escape sequence"));
            }
            Some(_) => {
                return Err(self.error_at(
                    line,
                    column,
                    "invalid escape sequence (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                ));
            }
        };
        self.bump();
        Ok(c)
    }

    /// Reads the four hex digits of a `\u` escape that started at (line, column).
    fn hex4(&mut self, line: usize, column: usize) -> Result<u32, Error> {
        let mut code = 0u32;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| (b as char).to_digit(16));
            let Some(d) = digit else {
                return Err(self.error_at(
                    line,
                    column,
                    "invalid \\u escape: expected four hexadecimal digits",
                ));
            };
            code = code * 16 + d;
            self.bump();
        }
        Ok(code)
    }

    fn digits(&mut self) -> usize {
        let mut n = 0;
        while let Some(b'0'..=b'9') = self.peek() {
            self.bump();
            n += 1;
        }
        n
    }

    fn number(&mut self) -> Result<Number, Error> {
        let (line, column) = (self.line, self.column);
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => {
                self.bump();
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error_at(line, column, "invalid number: leading zeros"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => {
                return Err(self.error_at(line, column, "invalid number: expected a digit"));
            }
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if self.digits() == 0 {
                return Err(self.error_at(
                    line,
                    column,
                    "invalid number: expected a digit after the decimal point",
                ));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            if self.digits() == 0 {
                return Err(self.error_at(
                    line,
                    column,
                    "invalid number: expected a digit in the exponent",
                ));
            }
        }
        if let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'+' || b == b'-' {
                return Err(self.error_at(line, column, "invalid number"));
            }
        }
        // Only ASCII was consumed.
        let raw = String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned();
        Ok(Number { raw })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Error {
        parse(text).expect_err("should fail")
    }

    fn pos(e: &Error) -> (usize, usize) {
        (e.line, e.column)
    }

    #[test]
    fn scalars() {
        assert_eq!(parse("null").unwrap().kind, Kind::Null);
        assert_eq!(parse(" true ").unwrap().kind, Kind::Bool(true));
        assert_eq!(parse("\nfalse\n").unwrap().kind, Kind::Bool(false));
        assert_eq!(parse("\"hi\"").unwrap().as_str(), Some("hi"));
        let Kind::Number(n) = parse("-12.5e+3").unwrap().kind else {
            panic!()
        };
        assert_eq!(n.as_str(), "-12.5e+3");
        assert!(!n.is_integer());
        assert_eq!(n.as_f64(), -12500.0);
    }

    #[test]
    fn integers() {
        let num = |t: &str| match parse(t).unwrap().kind {
            Kind::Number(n) => n,
            other => panic!("{other:?}"),
        };
        assert_eq!(num("1").as_u64(), Some(1));
        assert_eq!(num("0").as_u64(), Some(0));
        assert_eq!(num("-0").as_u64(), Some(0));
        assert_eq!(num("-3").as_u64(), None);
        assert_eq!(num("-3").as_i64(), Some(-3));
        assert_eq!(num("1.0").as_u64(), None);
        assert_eq!(num("1e2").as_u64(), None);
        assert_eq!(num("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(num("18446744073709551616").as_u64(), None);
    }

    #[test]
    fn spans_cover_each_value_and_key_exactly() {
        let text = "\u{FEFF}{ \"k\" : [1, \"é\\\"\", {}] ,\"n\":null}\n";
        let root = parse(text).unwrap();
        assert_eq!(&text[root.span.clone()], &text[3..text.len() - 1]);
        let members = root.as_object().unwrap();
        assert_eq!(&text[members[0].0.span.clone()], "\"k\"");
        let items = members[0].1.as_array().unwrap();
        let texts: Vec<&str> = items.iter().map(|v| &text[v.span.clone()]).collect();
        assert_eq!(texts, ["1", "\"é\\\"\"", "{}"]);
        assert_eq!(&text[members[0].1.span.clone()], "[1, \"é\\\"\", {}]");
        assert_eq!(&text[members[1].1.span.clone()], "null");
    }

    #[test]
    fn positions_of_values_and_keys() {
        let text = "{\n  \"a\": 1,\n  \"b\": [true, null],\n    \"c\": {\"d\": \"x\"}\n}";
        let v = parse(text).unwrap();
        assert_eq!((v.line, v.column), (1, 1));
        let members = v.as_object().unwrap();
        let (ka, va) = &members[0];
        assert_eq!((ka.name.as_str(), ka.line, ka.column), ("a", 2, 3));
        assert_eq!((va.line, va.column), (2, 8));
        let (kb, vb) = &members[1];
        assert_eq!((kb.line, kb.column), (3, 3));
        assert_eq!((vb.line, vb.column), (3, 8));
        let items = vb.as_array().unwrap();
        assert_eq!((items[0].line, items[0].column), (3, 9));
        assert_eq!((items[1].line, items[1].column), (3, 15));
        let (kc, vc) = &members[2];
        assert_eq!((kc.line, kc.column), (4, 5));
        let (kd, vd) = &vc.as_object().unwrap()[0];
        assert_eq!((kd.line, kd.column), (4, 11));
        assert_eq!((vd.line, vd.column), (4, 16));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // "é" is two bytes, "日本" six, "😀" four: one column each character.
        let text = "[\"é日本😀\", 1,\n \"ü\", 2]";
        let v = parse(text).unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(items[0].as_str(), Some("é日本😀"));
        assert_eq!((items[1].line, items[1].column), (1, 10));
        assert_eq!((items[2].line, items[2].column), (2, 2));
        assert_eq!((items[3].line, items[3].column), (2, 7));
        // Errors too.
        let e = err("[\"日本\" x]");
        assert_eq!(pos(&e), (1, 7));
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let v = parse("[1,\r\n2,\r3]").unwrap();
        let items = v.as_array().unwrap();
        assert_eq!((items[1].line, items[1].column), (2, 1));
        assert_eq!((items[2].line, items[2].column), (3, 1));
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let v = parse("\u{FEFF}[1]").unwrap();
        assert_eq!((v.line, v.column), (1, 1));
        assert_eq!(v.as_array().unwrap()[0].column, 2);
    }

    #[test]
    fn objects_keep_order_and_duplicates() {
        let v = parse(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        let names: Vec<_> = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        assert_eq!(names, ["b", "a", "b"]);
        assert_eq!(v.get("b").unwrap().column, 7);
        assert!(v.get("z").is_none());
    }

    #[test]
    fn escapes() {
        let v = parse(r#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u65E5""#).unwrap();
        assert_eq!(v.as_str(), Some("\" \\ / \u{8} \u{c} \n \r \t A é 日"));
        let v = parse(r#""\u0000""#).unwrap();
        assert_eq!(v.as_str(), Some("\0"));
    }

    #[test]
    fn surrogate_pairs() {
        let v = parse(r#""\ud83d\ude00 \uD834\uDD1E""#).unwrap();
        assert_eq!(v.as_str(), Some("😀 𝄞"));
        // Lone high, lone low, high followed by a non-surrogate, reversed pair.
        for bad in [
            r#""\ud83d""#,
            r#""\ud83dx""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\ude00\ud83d""#,
            r#""\ud83d\u""#,
        ] {
            let e = err(bad);
            assert_eq!(pos(&e).0, 1, "{bad}");
            assert!(
                e.message.contains("surrogate") || e.message.contains("\\u"),
                "{bad}: {}",
                e.message
            );
        }
        assert_eq!(pos(&err(r#"["ab\ud83d"]"#)), (1, 5));
    }

    #[test]
    fn string_errors() {
        let e = err("[\"abc");
        assert_eq!(pos(&e), (1, 2));
        assert!(e.message.contains("unterminated string"));
        let e = err("\"a\nb\"");
        assert_eq!(pos(&e), (1, 3));
        assert!(e.message.contains("control character"));
        let e = err("\"a\tb\"");
        assert_eq!(pos(&e), (1, 3));
        let e = err(r#""ab\x""#);
        assert_eq!(pos(&e), (1, 4));
        assert!(e.message.contains("invalid escape"));
        let e = err(r#""\u12G4""#);
        assert_eq!(pos(&e), (1, 2));
        assert!(e.message.contains("four hexadecimal digits"));
        let e = err("\"\\");
        assert_eq!(pos(&e), (1, 2));
    }

    #[test]
    fn structure_errors() {
        let cases: &[(&str, (usize, usize), &str)] = &[
            ("", (1, 1), "expected a JSON value, found end of input"),
            ("   \n  ", (2, 3), "expected a JSON value"),
            (
                "{\"a\": 1 \"b\": 2}",
                (1, 9),
                "expected ',' or '}' after an object member",
            ),
            ("{\"a\": 1,}", (1, 9), "no trailing commas"),
            ("[1, 2,]", (1, 7), "no trailing commas"),
            (
                "[1 2]",
                (1, 4),
                "expected ',' or ']' after an array element",
            ),
            ("{\"a\" 1}", (1, 6), "expected ':' after a member name"),
            (
                "{a: 1}",
                (1, 2),
                "expected a member name in double quotes or '}'",
            ),
            ("{'a': 1}", (1, 2), "expected a member name"),
            ("[1] [2]", (1, 5), "unexpected content after the JSON value"),
            ("{\n  \"a\": 1\n", (3, 1), "found end of input"),
            ("[tru]", (1, 2), "expected a JSON value"),
            ("[True]", (1, 2), "expected a JSON value"),
            ("[nullx]", (1, 2), "expected a JSON value"),
            ("[01]", (1, 2), "leading zeros"),
            ("[-]", (1, 2), "expected a digit"),
            ("[1.]", (1, 2), "decimal point"),
            ("[1e]", (1, 2), "exponent"),
            ("[.5]", (1, 2), "expected a JSON value"),
            ("[+1]", (1, 2), "expected a JSON value"),
            ("[1x]", (1, 2), "invalid number"),
            ("[NaN]", (1, 2), "expected a JSON value"),
            ("// c\n[1]", (1, 1), "expected a JSON value"),
            ("[1, /* c */ 2]", (1, 5), "expected a JSON value"),
            ("[\u{a0}1]", (1, 2), "expected a JSON value"),
        ];
        for (text, at, message) in cases {
            let e = err(text);
            assert_eq!(pos(&e), *at, "{text:?}: {e}");
            assert!(e.message.contains(message), "{text:?}: {e}");
        }
    }

    #[test]
    fn error_messages_never_quote_the_input() {
        for text in [
            "[SECRETWORD]",
            "{\"SECRETKEY\" SECRET}",
            "[\"SECRET\" SECRET]",
            "[1SECRET]",
            "\"SECRET\\q\"",
        ] {
            let e = err(text);
            assert!(!e.message.contains("SECRET"), "{text}: {e}");
        }
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = err(&deep);
        assert_eq!(pos(&e), (1, MAX_DEPTH + 1));
        assert!(e.message.contains("nested"));
        let objects = "{\"a\":".repeat(MAX_DEPTH + 1);
        assert!(err(&objects).message.contains("nested"));
        // Far deeper than any stack could take recursively.
        assert!(err(&"[".repeat(1_000_000)).message.contains("nested"));
    }

    #[test]
    fn never_panics_on_truncated_or_random_input() {
        let sample = "{\n  \"version\": 1, \"é\": [\"\\ud83d\\ude00\", -1.5e+3, true, null],\n  \"x\": {\"y\": \"\\u00e9\\n\"}\n}\r\n";
        // Every prefix, at character boundaries.
        for (i, _) in sample.char_indices() {
            let _ = parse(&sample[..i]);
            let _ = parse(&sample[i..]);
        }
        // Pseudo-random documents built from JSON-ish fragments, and random characters.
        let pieces = [
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d83d", "\\ude00", "1", "-", ".", "e",
            "0", "true", "null", "fals", " ", "\n", "\r", "\t", "é", "😀", "a", "\u{0}",
            "\u{FEFF}", "\"k\":", "\\n",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut doc = String::new();
            for _ in 0..len {
                doc.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            if let Err(e) = parse(&doc) {
                assert!(e.line >= 1 && e.column >= 1);
            }
            let chars: String = (0..len)
                .filter_map(|_| char::from_u32((next() % 0x250) as u32))
                .collect();
            let _ = parse(&chars);
        }
    }
}
