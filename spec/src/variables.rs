//! Policy variables (IAM User Guide, "IAM policy elements: Variables and
//! tags").
//!
//! Under `"Version": "2012-10-17"` only, `${key}` in a `Resource` or
//! `NotResource` pattern and in the values of string and ARN condition
//! operators is replaced by the request's value for `key`:
//! - `${key, 'default'}` uses `default` when the key is missing;
//! - `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`;
//! - the substituted text is literal: a `*` in a user name is not a wildcard;
//! - a variable that cannot be resolved (the key is missing and there is no
//!   default, or the key has more than one value: "you cannot use a
//!   multivalued context key as a policy variable") makes that pattern or
//!   value match nothing ("If AWS cannot resolve a variable this might cause
//!   the entire statement to be invalid"). Sesame's choice for negated
//!   operators follows from that: the positive match is false, so
//!   `StringNotEquals` against an unresolvable value holds;
//! - a `${` with no closing `}` is ordinary text; a `${...}` whose default is
//!   not in single quotes cannot be resolved.
//!
//! Under `2008-10-17`, or with no `Version`, `${...}` is ordinary text.

use crate::glob::{Tok, tokens};
use crate::model::Version;

/// Read access to a request context, keys compared case-insensitively.
pub trait Lookup {
    /// The values of `key` (any case), or `None` when the key is missing.
    fn values(&self, key: &str) -> Option<&[String]>;
}

/// The tokens of `pattern` after substitution, or `None` when a variable in it
/// cannot be resolved.
pub fn substitute(pattern: &str, version: Version, context: &dyn Lookup) -> Option<Vec<Tok>> {
    if !version.substitutes_variables() {
        return Some(tokens(pattern));
    }
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        let (before, after_dollar) = rest.split_at(start);
        out.extend(tokens(before));
        let inner_and_rest = after_dollar.get(2..).unwrap_or("");
        let Some(end) = inner_and_rest.find('}') else {
            // No closing brace: the rest is ordinary text.
            out.extend(tokens(after_dollar));
            return Some(out);
        };
        let inner = inner_and_rest.get(..end).unwrap_or("");
        let literal = resolve(inner, context)?;
        out.extend(literal.chars().map(Tok::Lit));
        rest = inner_and_rest.get(end + 1..).unwrap_or("");
    }
    out.extend(tokens(rest));
    Some(out)
}

/// The literal text a variable's inside (`key` or `key, 'default'`) stands for.
fn resolve(inner: &str, context: &dyn Lookup) -> Option<String> {
    match inner {
        "*" => return Some("*".to_owned()),
        "?" => return Some("?".to_owned()),
        "$" => return Some("$".to_owned()),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let quoted = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))?;
            (key.trim(), Some(quoted))
        }
        None => (inner.trim(), None),
    };
    match context.values(key) {
        Some([single]) => Some(single.clone()),
        Some(_) => None,
        None => default.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::text;

    struct Ctx(Vec<(&'static str, Vec<String>)>);
    impl Lookup for Ctx {
        fn values(&self, key: &str) -> Option<&[String]> {
            self.0
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_slice())
        }
    }

    fn sub(p: &str) -> Option<String> {
        let ctx = Ctx(vec![
            ("aws:username", vec!["al*ce".to_owned()]),
            ("ses:Recipients", vec!["a".to_owned(), "b".to_owned()]),
        ]);
        substitute(p, Version::V2012_10_17, &ctx).map(|t| text(&t))
    }

    #[test]
    fn substitution() {
        assert_eq!(sub("user/${aws:username}").as_deref(), Some("user/al*ce"));
        assert_eq!(sub("user/${AWS:UserName}").as_deref(), Some("user/al*ce"));
        assert_eq!(sub("${aws:userid}"), None);
        assert_eq!(sub("${aws:userid, 'nobody'}").as_deref(), Some("nobody"));
        assert_eq!(sub("${aws:userid, nobody}"), None);
        assert_eq!(sub("${ses:Recipients}"), None);
        assert_eq!(sub("a${*}b${?}${$}").as_deref(), Some("a*b?$"));
        assert_eq!(sub("a${b").as_deref(), Some("a${b"));
    }

    #[test]
    fn substituted_text_is_literal() {
        let ctx = Ctx(vec![("aws:username", vec!["*".to_owned()])]);
        let toks = substitute("${aws:username}", Version::V2012_10_17, &ctx).unwrap();
        assert_eq!(toks, [Tok::Lit('*')]);
        let toks = substitute("${*}", Version::V2012_10_17, &ctx).unwrap();
        assert_eq!(toks, [Tok::Lit('*')]);
    }

    #[test]
    fn old_versions_do_not_substitute() {
        let ctx = Ctx(vec![("aws:username", vec!["alice".to_owned()])]);
        for v in [Version::V2008_10_17, Version::Absent] {
            let toks = substitute("${aws:username}", v, &ctx).unwrap();
            assert_eq!(text(&toks), "${aws:username}");
        }
    }
}
