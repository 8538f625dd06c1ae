//! A JSON reader with a span on every value and every object key, written
//! with nom directly over the text.
//!
//! It accepts exactly the JSON the spec's reader accepts (serde_json's
//! grammar and limits) and gives the same values:
//! - whitespace is space, tab, line feed and carriage return only;
//! - strings refuse control characters (U+0000 to U+001F) and unknown
//!   escapes; `\uXXXX` escapes must pair surrogates (a lone leading or
//!   trailing surrogate is refused, as serde_json refuses it for text);
//! - a number's value is the one serde_json computes, written as
//!   `sesame_spec::json::Json::scalar_text` documents it: a `u64` or an `i64`
//!   in decimal, `-0` and every other number as the `{:?}` form of the `f64`
//!   serde_json's default (not `float_roundtrip`) parser makes, which is
//!   [`number_text`];
//! - a key twice in one object is refused (`duplicate key `a``);
//! - arrays and objects nest at most [`MAX_DEPTH`] levels (serde_json's
//!   recursion limit of 128 refuses the 128th level).

use std::collections::HashSet;
use std::sync::OnceLock;

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit0, digit1, multispace0, one_of};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};

use crate::loc::Span;

/// The deepest nesting of arrays and objects accepted: the spec's reader
/// (serde_json, recursion limit 128) refuses a 128th level.
pub const MAX_DEPTH: usize = 127;

/// A JSON value and its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// What the value is.
    pub kind: Kind,
    /// The value's text, from its first to its last byte.
    pub span: Span,
}

/// The kinds of JSON values.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, in the string form of [`number_text`].
    Number(String),
    /// A string, escapes decoded.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in document order, keys distinct.
    Object(Vec<Member>),
}

/// One member of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The key, escapes decoded.
    pub key: String,
    /// The key's text, quotes included.
    pub key_span: Span,
    /// The value.
    pub value: Value,
}

impl Value {
    /// The text of a scalar where a string is expected: strings as they are,
    /// numbers in their string form, booleans as `true`/`false`.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) | Kind::Number(s) => Some(s),
            Kind::Bool(true) => Some("true"),
            Kind::Bool(false) => Some("false"),
            Kind::Null | Kind::Array(_) | Kind::Object(_) => None,
        }
    }

    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Why a JSON text was refused, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    span: Span,
    message: String,
    limit: bool,
}

impl JsonError {
    fn new(span: Span, message: impl Into<String>) -> JsonError {
        JsonError {
            span,
            message: message.into(),
            limit: false,
        }
    }

    /// Where the text goes wrong.
    pub fn span(&self) -> Span {
        self.span
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether a limit (nesting depth) refused the text rather than the
    /// grammar.
    pub fn is_limit(&self) -> bool {
        self.limit
    }
}

/// Reads a whole JSON text: one value, with only whitespace around it.
///
/// # Errors
///
/// A [`JsonError`] at the first place the text departs from JSON.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let reader = Reader { len: text.len() };
    let rest = skip_ws(text);
    let (rest, value) = reader.value(rest, 0)?;
    let rest = skip_ws(rest);
    if !rest.is_empty() {
        let at = reader.offset(rest);
        return Err(JsonError::new(
            Span::new(at, at + first_char_len(rest)),
            "trailing characters after the JSON value",
        ));
    }
    Ok(value)
}

struct Reader {
    len: usize,
}

type Res<'a, T> = Result<(&'a str, T), JsonError>;

fn skip_ws(input: &str) -> &str {
    let parsed: IResult<&str, &str> = multispace0(input);
    match parsed {
        Ok((rest, _)) => rest,
        Err(_) => input,
    }
}

fn first_char_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

fn describe(rest: &str) -> String {
    match rest.chars().next() {
        None => "the end of the input".to_owned(),
        Some(c) if c.is_control() => format!("`{}`", c.escape_default()),
        Some(c) => format!("`{c}`"),
    }
}

impl Reader {
    fn offset(&self, rest: &str) -> usize {
        self.len - rest.len()
    }

    fn here(&self, rest: &str) -> Span {
        let at = self.offset(rest);
        Span::new(at, at + first_char_len(rest))
    }

    fn unexpected(&self, rest: &str, expected: &str) -> JsonError {
        JsonError::new(
            self.here(rest),
            format!("expected {expected}, found {}", describe(rest)),
        )
    }

    fn value<'a>(&self, input: &'a str, depth: usize) -> Res<'a, Value> {
        let start = self.offset(input);
        let Some(first) = input.chars().next() else {
            return Err(self.unexpected(input, "a JSON value"));
        };
        let (rest, kind) = match first {
            '{' | '[' => {
                if depth >= MAX_DEPTH {
                    let mut err = JsonError::new(
                        self.here(input),
                        format!("arrays and objects nest deeper than {MAX_DEPTH} levels"),
                    );
                    err.limit = true;
                    return Err(err);
                }
                if first == '{' {
                    self.object(input, depth + 1)?
                } else {
                    self.array(input, depth + 1)?
                }
            }
            '"' => {
                let (rest, s) = self.string(input)?;
                (rest, Kind::String(s))
            }
            '-' | '0'..='9' => self.number(input)?,
            't' | 'f' | 'n' => {
                let lit: IResult<&str, &str> =
                    alt((tag("true"), tag("false"), tag("null"))).parse(input);
                match lit {
                    Ok((rest, "true")) => (rest, Kind::Bool(true)),
                    Ok((rest, "false")) => (rest, Kind::Bool(false)),
                    Ok((rest, _)) => (rest, Kind::Null),
                    Err(_) => return Err(self.unexpected(input, "a JSON value")),
                }
            }
            _ => return Err(self.unexpected(input, "a JSON value")),
        };
        let span = Span::new(start, self.offset(rest));
        Ok((rest, Value { kind, span }))
    }

    fn array<'a>(&self, input: &'a str, depth: usize) -> Res<'a, Kind> {
        let mut rest = skip_ws(input.get(1..).unwrap_or(""));
        let mut items = Vec::new();
        if let Some(after) = rest.strip_prefix(']') {
            return Ok((after, Kind::Array(items)));
        }
        loop {
            let (after, item) = self.value(rest, depth)?;
            items.push(item);
            rest = skip_ws(after);
            let sep: IResult<&str, char> = one_of(",]").parse(rest);
            match sep {
                Ok((after, ',')) => rest = skip_ws(after),
                Ok((after, _)) => return Ok((after, Kind::Array(items))),
                Err(_) => return Err(self.unexpected(rest, "`,` or `]`")),
            }
        }
    }

    fn object<'a>(&self, input: &'a str, depth: usize) -> Res<'a, Kind> {
        let mut rest = skip_ws(input.get(1..).unwrap_or(""));
        let mut members: Vec<Member> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((after, Kind::Object(members)));
        }
        loop {
            if !rest.starts_with('"') {
                return Err(self.unexpected(rest, "an object key (a string)"));
            }
            let key_start = self.offset(rest);
            let (after, key) = self.string(rest)?;
            let key_span = Span::new(key_start, self.offset(after));
            // A linear scan for small objects; a set once they grow.
            let duplicate = if members.len() < 16 {
                members.iter().any(|m| m.key == key)
            } else {
                if seen.is_empty() {
                    seen.extend(members.iter().map(|m| m.key.clone()));
                }
                !seen.insert(key.clone())
            };
            if duplicate {
                return Err(JsonError::new(key_span, format!("duplicate key `{key}`")));
            }
            rest = skip_ws(after);
            let colon: IResult<&str, char> = char(':').parse(rest);
            let Ok((after, _)) = colon else {
                return Err(self.unexpected(rest, "`:` after an object key"));
            };
            let (after, value) = self.value(skip_ws(after), depth)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            rest = skip_ws(after);
            let sep: IResult<&str, char> = one_of(",}").parse(rest);
            match sep {
                Ok((after, ',')) => rest = skip_ws(after),
                Ok((after, _)) => return Ok((after, Kind::Object(members))),
                Err(_) => return Err(self.unexpected(rest, "`,` or `}`")),
            }
        }
    }

    /// A string token starting at its opening quote.
    fn string<'a>(&self, input: &'a str) -> Res<'a, String> {
        let body = input.get(1..).unwrap_or("");
        let mut out = String::new();
        let mut rest = body;
        loop {
            // The run of characters that stand for themselves.
            let plain = rest
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            out.push_str(rest.get(..plain).unwrap_or(""));
            rest = rest.get(plain..).unwrap_or("");
            let Some(c) = rest.chars().next() else {
                return Err(JsonError::new(
                    Span::new(self.offset(input), self.len),
                    "unterminated string",
                ));
            };
            match c {
                '"' => return Ok((rest.get(1..).unwrap_or(""), out)),
                '\\' => rest = self.escape(rest, &mut out)?,
                _ => {
                    return Err(JsonError::new(
                        self.here(rest),
                        format!(
                            "control character `{}` in a string; write it as an escape",
                            c.escape_default()
                        ),
                    ));
                }
            }
        }
    }

    /// One escape starting at its backslash; appends what it stands for.
    fn escape<'a>(&self, input: &'a str, out: &mut String) -> Result<&'a str, JsonError> {
        let after = input.get(1..).unwrap_or("");
        let Some(c) = after.chars().next() else {
            return Err(self.unexpected(after, "an escape character"));
        };
        let rest = after.get(c.len_utf8()..).unwrap_or("");
        let simple = match c {
            '"' => Some('"'),
            '\\' => Some('\\'),
            '/' => Some('/'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            return Ok(rest);
        }
        if c != 'u' {
            return Err(JsonError::new(
                Span::new(self.offset(input), self.offset(rest)),
                format!("invalid escape `\\{}` in a string", c.escape_default()),
            ));
        }
        let (rest, n) = self.hex4(input, rest)?;
        let escape_span = Span::new(self.offset(input), self.offset(rest));
        if (0xDC00..=0xDFFF).contains(&n) {
            return Err(JsonError::new(
                escape_span,
                format!("lone trailing surrogate `\\u{n:04X}` in a string"),
            ));
        }
        if !(0xD800..=0xDBFF).contains(&n) {
            // Outside the surrogate ranges every value is a character.
            out.push(char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER));
            return Ok(rest);
        }
        let lone = || {
            JsonError::new(
                escape_span,
                format!(
                    "lone leading surrogate `\\u{n:04X}` in a string; it must be followed by a trailing surrogate escape"
                ),
            )
        };
        let Some(second) = rest.strip_prefix("\\u") else {
            return Err(lone());
        };
        let (rest, n2) = self.hex4(input, second)?;
        if !(0xDC00..=0xDFFF).contains(&n2) {
            return Err(lone());
        }
        let code = (((n - 0xD800) << 10) | (n2 - 0xDC00)) + 0x1_0000;
        out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
        Ok(rest)
    }

    fn hex4<'a>(&self, escape: &str, input: &'a str) -> Res<'a, u32> {
        let digits = input
            .get(..4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(n) => Ok((input.get(4..).unwrap_or(""), n)),
            None => {
                let bad = input
                    .char_indices()
                    .find(|&(i, c)| i >= 4 || !c.is_ascii_hexdigit())
                    .map_or(input.len(), |(i, _)| i);
                Err(JsonError::new(
                    Span::new(self.offset(escape), self.offset(input) + bad.min(4)),
                    "a `\\u` escape needs four hexadecimal digits",
                ))
            }
        }
    }

    fn number<'a>(&self, input: &'a str) -> Res<'a, Kind> {
        let grammar: IResult<&str, &str> = recognize((
            opt(char('-')),
            alt((tag("0"), recognize((one_of("123456789"), digit0)))),
            opt((char('.'), digit1)),
            opt((one_of("eE"), opt(one_of("+-")), digit1)),
        ))
        .parse(input);
        // The text is measured by what is left: nom 8's `recognize` cuts a
        // number short when it ends the input.
        let Ok((rest, _)) = grammar else {
            return Err(JsonError::new(
                self.here(input),
                format!("invalid number starting at {}", describe(input)),
            ));
        };
        let text = input.get(..input.len() - rest.len()).unwrap_or("");
        let span = Span::new(self.offset(input), self.offset(rest));
        // A number directly followed by more number characters (`01`, `1.`,
        // `1e`, `-`) is malformed, not a number and trailing text.
        if rest
            .starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            return Err(JsonError::new(
                span.join(self.here(rest)),
                format!(
                    "invalid number `{text}{}`",
                    rest.chars().next().unwrap_or(' ')
                ),
            ));
        }
        let value = number_text(text)
            .ok_or_else(|| JsonError::new(span, format!("number `{text}` is out of range")))?;
        Ok((rest, Kind::Number(value)))
    }
}

fn overflows(acc: u64, digit: u64) -> bool {
    acc >= u64::MAX / 10 && (acc > u64::MAX / 10 || digit > u64::MAX % 10)
}

fn pow10() -> &'static [f64] {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=308)
            .map(|i| format!("1e{i}").parse::<f64>().unwrap_or(f64::INFINITY))
            .collect()
    })
}

/// The string form of a JSON number that matches the grammar
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, computed the way
/// serde_json 1 computes its value without `float_roundtrip`: an integer that
/// fits a `u64` (or, negative and nonzero, an `i64`) stays exact; anything
/// else becomes `significand * 10^exponent` on `f64`s with the first 19 or
/// 20 significant digits, written with `{:?}`. `None` for a number too large
/// for an `f64`.
pub fn number_text(text: &str) -> Option<String> {
    let (positive, digits) = match text.strip_prefix('-') {
        Some(rest) => (false, rest.as_bytes()),
        None => (true, text.as_bytes()),
    };
    let mut i = 0;
    let mut significand: u64 = 0;
    let mut exponent: i32 = 0;
    let mut overflowed = false;
    // Integer part.
    while let Some(&b) = digits.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        let d = u64::from(b - b'0');
        if overflowed {
            exponent = exponent.saturating_add(1);
        } else if overflows(significand, d) {
            overflowed = true;
            exponent = 1;
        } else {
            significand = significand * 10 + d;
        }
        i += 1;
    }
    let next = digits.get(i).copied();
    if next.is_none() && !overflowed {
        if positive {
            return Some(significand.to_string());
        }
        let neg = (significand as i64).wrapping_neg();
        return Some(if neg >= 0 {
            float_text(-(significand as f64))
        } else {
            neg.to_string()
        });
    }
    // Fraction: digits after an overflow are dropped.
    if next == Some(b'.') {
        i += 1;
        let mut dropping = false;
        while let Some(&b) = digits.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            let d = u64::from(b - b'0');
            if !dropping {
                if overflows(significand, d) {
                    dropping = true;
                } else {
                    significand = significand * 10 + d;
                    exponent = exponent.saturating_sub(1);
                }
            }
            i += 1;
        }
    }
    // Exponent.
    if matches!(digits.get(i), Some(b'e' | b'E')) {
        i += 1;
        let positive_exp = match digits.get(i) {
            Some(b'+') => {
                i += 1;
                true
            }
            Some(b'-') => {
                i += 1;
                false
            }
            _ => true,
        };
        let mut exp: i32 = 0;
        while let Some(&b) = digits.get(i) {
            if !b.is_ascii_digit() {
                break;
            }
            let d = i32::from(b - b'0');
            if exp >= i32::MAX / 10 && (exp > i32::MAX / 10 || d > i32::MAX % 10) {
                if significand != 0 && positive_exp {
                    return None;
                }
                return Some(float_text(if positive { 0.0 } else { -0.0 }));
            }
            exp = exp * 10 + d;
            i += 1;
        }
        exponent = if positive_exp {
            exponent.saturating_add(exp)
        } else {
            exponent.saturating_sub(exp)
        };
    }
    f64_from_parts(positive, significand, exponent).map(float_text)
}

fn f64_from_parts(positive: bool, significand: u64, mut exponent: i32) -> Option<f64> {
    let table = pow10();
    let mut f = significand as f64;
    loop {
        match table.get(exponent.unsigned_abs() as usize) {
            Some(&pow) => {
                if exponent >= 0 {
                    f *= pow;
                    if f.is_infinite() {
                        return None;
                    }
                } else {
                    f /= pow;
                }
                break;
            }
            None => {
                if f == 0.0 {
                    break;
                }
                if exponent >= 0 {
                    return None;
                }
                f /= 1e308;
                exponent += 308;
            }
        }
    }
    Some(if positive { f } else { -f })
}

fn float_text(value: f64) -> String {
    format!("{value:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Option<String> {
        number_text(text)
    }

    #[test]
    fn numbers_take_serde_json_forms() {
        assert_eq!(number("1").as_deref(), Some("1"));
        assert_eq!(number("-2").as_deref(), Some("-2"));
        assert_eq!(number("-0").as_deref(), Some("-0.0"));
        assert_eq!(number("1.50").as_deref(), Some("1.5"));
        assert_eq!(number("1e3").as_deref(), Some("1000.0"));
        assert_eq!(
            number("18446744073709551615").as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(
            number("18446744073709551616").as_deref(),
            Some("1.8446744073709552e19")
        );
        assert_eq!(
            number("-9223372036854775808").as_deref(),
            Some("-9223372036854775808")
        );
        assert_eq!(
            number("-9223372036854775809").as_deref(),
            Some("-9.223372036854776e18")
        );
        assert_eq!(number("1e400"), None);
        assert_eq!(number("0e99999999999").as_deref(), Some("0.0"));
        assert_eq!(number("1e-400").as_deref(), Some("0.0"));
    }

    #[test]
    fn spans_cover_values_and_keys() {
        let v = parse(r#" {"a": [1, "x"]} "#).unwrap();
        assert_eq!(v.span, Span::new(1, 16));
        let Kind::Object(members) = &v.kind else {
            panic!()
        };
        assert_eq!(members[0].key_span, Span::new(2, 5));
        assert_eq!(members[0].value.span, Span::new(7, 15));
    }

    #[test]
    fn errors_name_the_place() {
        let e = parse(r#"{"a":1,"a":2}"#).unwrap_err();
        assert_eq!(e.message(), "duplicate key `a`");
        assert_eq!(e.span(), Span::new(7, 10));
        let e = parse("[1,]").unwrap_err();
        assert_eq!(e.message(), "expected a JSON value, found `]`");
        assert_eq!(e.span(), Span::new(3, 4));
        let e = parse(r#""\ud800""#).unwrap_err();
        assert!(
            e.message().starts_with("lone leading surrogate `\\uD800`"),
            "{}",
            e.message()
        );
        let e = parse("01").unwrap_err();
        assert_eq!(e.message(), "invalid number `01`");
    }

    #[test]
    fn depth_is_limited_like_serde_json() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let e = parse(&deep).unwrap_err();
        assert!(e.is_limit());
        assert_eq!(e.span(), Span::new(MAX_DEPTH, MAX_DEPTH + 1));
    }

    #[test]
    fn escapes_decode() {
        let v = parse(r#""a\u0041\ud83d\ude00\n\/""#).unwrap();
        assert_eq!(v.as_str(), Some("aA\u{1F600}\n/"));
    }
}
