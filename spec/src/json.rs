//! A JSON tree that keeps object keys in order and refuses duplicate keys.
//!
//! `serde_json::Value` silently keeps the last of two equal keys; AWS rejects
//! such a policy ("Duplicate key" is a `MalformedPolicyDocument`), so the spec
//! reads documents into this tree instead, with serde_json as the tokenizer.
//! serde_json's own recursion limit (128 levels) bounds nesting.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value with ordered, duplicate-free objects.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, in the string form documented on [`Json::scalar_text`].
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object, keys in document order.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Reads a JSON text. Errors carry serde_json's line and column.
    pub fn parse(text: &str) -> Result<Json, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = Json::deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }

    /// The text of a scalar used where a string is expected: strings as they
    /// are, booleans as `true`/`false`, numbers as described below.
    /// `None` for null, arrays and objects.
    ///
    /// Numbers: an integer that fits in 64 bits is written in decimal; any
    /// other number is written in Rust's shortest round-trip form for `f64`
    /// (`{:?}`), so `1.50` reads as `1.5` and `1e3` as `1000.0`. AWS does not
    /// document how it renders a JSON number used as a condition value; this
    /// is Sesame's choice, and both readers must make it.
    pub fn scalar_text(&self) -> Option<&str> {
        match self {
            Json::String(s) | Json::Number(s) => Some(s),
            Json::Bool(true) => Some("true"),
            Json::Bool(false) => Some("false"),
            Json::Null | Json::Array(_) | Json::Object(_) => None,
        }
    }

    /// A short name for the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Renders a float the way [`Json::scalar_text`] documents.
pub fn float_text(value: f64) -> String {
    format!("{value:?}")
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(float_text(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries: Vec<(String, Json)> = Vec::new();
        // Small objects (policies) scan; a store's maps of 100,000s of
        // principals and resources use a set, so reading stays linear.
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let duplicate = if entries.len() < 16 {
                entries.iter().any(|(k, _)| *k == key)
            } else {
                if seen.is_empty() {
                    seen.extend(entries.iter().map(|(k, _)| k.clone()));
                }
                !seen.insert(key.clone())
            };
            if duplicate {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_in_large_objects_are_refused() {
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str(&format!("\"k{i}\": {i}, "));
        }
        text.push_str("\"k42\": 0}");
        let err = Json::parse(&text).unwrap_err().to_string();
        assert!(err.contains("duplicate key `k42`"), "{err}");
        text.truncate(text.len() - "\"k42\": 0}".len());
        text.push_str("\"k100\": 0}");
        assert!(Json::parse(&text).is_ok());
    }

    #[test]
    fn duplicate_keys_are_refused_with_a_place() {
        let err = Json::parse("{\n  \"a\": 1,\n  \"a\": 2\n}").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("duplicate key `a`"), "{text}");
        assert!(text.contains("line 3"), "{text}");
    }

    #[test]
    fn numbers_and_booleans_have_string_forms() {
        let json = Json::parse(r#"[1, -2, 1.50, 1e3, true, false]"#).unwrap();
        let Json::Array(items) = json else { panic!() };
        let texts: Vec<_> = items.iter().map(|j| j.scalar_text().unwrap()).collect();
        assert_eq!(texts, ["1", "-2", "1.5", "1000.0", "true", "false"]);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(Json::parse(&text).is_err());
    }

    #[test]
    fn trailing_text_is_refused() {
        assert!(Json::parse("{} {}").is_err());
    }
}
