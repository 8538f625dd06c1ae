//! Policy text to the spec's AST plus spans.
//!
//! The grammar is the one of the IAM User Guide, "Grammar of the IAM JSON
//! policy language", with the choices the spec's reader documents
//! (`sesame_spec::parse`): empty lists and empty operator objects refused, a
//! principal may be `*` only as a whole `AWS` value, names case-sensitive. This reader is written apart from the spec's: it walks
//! the spanned JSON of [`super::json`] and reports every structural error it
//! finds, each with its span, instead of the first. The tests check that both
//! readers accept the same documents and give equal trees.

use sesame_spec::model::{
    ActionClause, Condition, Effect, Operator, Polarity, Policy, PrincipalClause, PrincipalKind,
    Principals, ResourceClause, Statement, Version,
};

use super::ast::{
    ConditionSpans, Entry, ListSpans, Parsed, PolicySpans, PrincipalSpans, StatementSpans,
};
use super::diag::Diagnostic;
use super::json::{self, Kind, Member, Value};
use crate::loc::Span;

/// Reads a policy document.
///
/// # Errors
///
/// Every error found, each with its span: the JSON error if the text is not
/// JSON, otherwise each structural error.
pub fn parse_policy(text: &str) -> Result<Parsed, Vec<Diagnostic>> {
    let value = json::parse(text).map_err(|e| vec![json_error(&e)])?;
    policy_from_value(&value)
}

/// The diagnostic for a JSON syntax error.
pub fn json_error(e: &json::JsonError) -> Diagnostic {
    let code = if e.is_limit() {
        "limit"
    } else if e.message().starts_with("duplicate key") {
        "duplicate-key"
    } else {
        "json"
    };
    Diagnostic::error(code, e.message()).at(e.span())
}

/// Reads a policy from an already-read JSON value.
///
/// # Errors
///
/// Every structural error found, each with its span.
pub fn policy_from_value(value: &Value) -> Result<Parsed, Vec<Diagnostic>> {
    let mut cx = Cx { errors: Vec::new() };
    let parsed = cx.policy(value);
    match parsed {
        Some(parsed) if cx.errors.is_empty() => Ok(parsed),
        _ => Err(cx.errors),
    }
}

struct Cx {
    errors: Vec<Diagnostic>,
}

fn entry(member: &Member) -> Entry {
    Entry {
        key: member.key_span,
        value: member.value.span,
    }
}

fn polarity(key: &str) -> Polarity {
    if key.starts_with("Not") {
        Polarity::Not
    } else {
        Polarity::Is
    }
}

impl Cx {
    fn error(&mut self, code: &'static str, span: Span, message: String) {
        self.errors.push(Diagnostic::error(code, message).at(span));
    }

    fn type_error(&mut self, value: &Value, expected: &str) {
        self.error(
            "type",
            value.span,
            format!("expected {expected}, found {}", value.type_name()),
        );
    }

    fn string<'v>(&mut self, value: &'v Value) -> Option<&'v str> {
        let s = value.as_str();
        if s.is_none() {
            self.type_error(value, "a string");
        }
        s
    }

    fn policy(&mut self, value: &Value) -> Option<Parsed> {
        let Kind::Object(members) = &value.kind else {
            self.error(
                "type",
                value.span,
                format!(
                    "a policy must be a JSON object, found {}",
                    value.type_name()
                ),
            );
            return None;
        };
        let mut version = Version::Absent;
        let mut version_entry = None;
        let mut id = None;
        let mut id_entry = None;
        let mut statements = None;
        let mut ok = true;
        for member in members {
            match member.key.as_str() {
                "Version" => {
                    version_entry = Some(entry(member));
                    match self.string(&member.value) {
                        Some("2012-10-17") => version = Version::V2012_10_17,
                        Some("2008-10-17") => version = Version::V2008_10_17,
                        Some(other) => {
                            self.errors.push(
                                Diagnostic::error(
                                    "version",
                                    format!("unsupported policy version `{other}`"),
                                )
                                .at(member.value.span)
                                .with_help("the version is `2012-10-17` (current) or `2008-10-17`"),
                            );
                            ok = false;
                        }
                        None => ok = false,
                    }
                }
                "Id" => {
                    id_entry = Some(entry(member));
                    match self.string(&member.value) {
                        Some(s) => id = Some(s.to_owned()),
                        None => ok = false,
                    }
                }
                "Statement" => statements = Some((entry(member), self.statements(&member.value))),
                other => {
                    self.errors.push(
                        Diagnostic::error("unknown-element", format!("unknown policy element `{other}`"))
                            .at(member.key_span)
                            .with_help("a policy has `Version`, `Id` and `Statement`; names are case-sensitive"),
                    );
                    ok = false;
                }
            }
        }
        let Some((statement, list)) = statements else {
            self.errors.push(
                Diagnostic::error("missing-element", "missing required element `Statement`")
                    .at(value.span),
            );
            return None;
        };
        let (statements, statement_spans): (Vec<_>, Vec<_>) = list?.into_iter().unzip();
        if !ok {
            return None;
        }
        Some(Parsed {
            policy: Policy {
                version,
                id,
                statements,
            },
            spans: PolicySpans {
                whole: value.span,
                version: version_entry,
                id: id_entry,
                statement,
                statements: statement_spans,
            },
        })
    }

    fn statements(&mut self, value: &Value) -> Option<Vec<(Statement, StatementSpans)>> {
        match &value.kind {
            Kind::Object(_) => Some(vec![self.statement(value)?]),
            Kind::Array(items) => {
                if items.is_empty() {
                    self.error("empty", value.span, "`Statement` must not be empty".into());
                    return None;
                }
                let all: Vec<_> = items.iter().map(|item| self.statement(item)).collect();
                all.into_iter().collect()
            }
            _ => {
                self.error(
                    "type",
                    value.span,
                    format!(
                        "`Statement` must be an object or an array of objects, found {}",
                        value.type_name()
                    ),
                );
                None
            }
        }
    }

    fn statement(&mut self, value: &Value) -> Option<(Statement, StatementSpans)> {
        let Kind::Object(members) = &value.kind else {
            self.error(
                "type",
                value.span,
                format!("a statement must be an object, found {}", value.type_name()),
            );
            return None;
        };
        let mut ok = true;
        let mut sid = None;
        let mut effect = None;
        let mut principal: Option<Option<(PrincipalClause, PrincipalSpans)>> = None;
        let mut action: Option<Option<(ActionClause, ListSpans)>> = None;
        let mut resource: Option<Option<(ResourceClause, ListSpans)>> = None;
        let mut conditions = None;
        for member in members {
            let key = member.key.as_str();
            match key {
                "Sid" => {
                    sid = Some((self.string(&member.value).map(str::to_owned), entry(member)));
                }
                "Effect" => {
                    let value = match self.string(&member.value) {
                        Some("Allow") => Some(Effect::Allow),
                        Some("Deny") => Some(Effect::Deny),
                        Some(other) => {
                            let mut d = Diagnostic::error(
                                "effect",
                                format!("`Effect` must be `Allow` or `Deny`, found `{other}`"),
                            )
                            .at(member.value.span);
                            if other.eq_ignore_ascii_case("allow")
                                || other.eq_ignore_ascii_case("deny")
                            {
                                d = d.with_help("`Effect` values are case-sensitive");
                            }
                            self.errors.push(d);
                            None
                        }
                        None => None,
                    };
                    effect = Some((value, entry(member)));
                }
                "Action" | "NotAction" => {
                    if action.is_some() {
                        self.both(member, "Action", "NotAction");
                        ok = false;
                        continue;
                    }
                    action = Some(self.list(member).map(|(patterns, spans)| {
                        (
                            ActionClause {
                                polarity: polarity(key),
                                patterns,
                            },
                            spans,
                        )
                    }));
                }
                "Resource" | "NotResource" => {
                    if resource.is_some() {
                        self.both(member, "Resource", "NotResource");
                        ok = false;
                        continue;
                    }
                    resource = Some(self.list(member).map(|(patterns, spans)| {
                        (
                            ResourceClause {
                                polarity: polarity(key),
                                patterns,
                            },
                            spans,
                        )
                    }));
                }
                "Principal" | "NotPrincipal" => {
                    if principal.is_some() {
                        self.both(member, "Principal", "NotPrincipal");
                        ok = false;
                        continue;
                    }
                    principal = Some(self.principal(member));
                }
                "Condition" => conditions = Some((self.conditions(&member.value), entry(member))),
                other => {
                    self.errors.push(
                        Diagnostic::error(
                            "unknown-element",
                            format!("unknown statement element `{other}`"),
                        )
                        .at(member.key_span)
                        .with_help(
                            "a statement has `Sid`, `Effect`, `Principal` or `NotPrincipal`, `Action` or `NotAction`, `Resource` or `NotResource`, and `Condition`; names are case-sensitive",
                        ),
                    );
                    ok = false;
                }
            }
        }
        let Some((effect, effect_entry)) = effect else {
            self.errors.push(
                Diagnostic::error("missing-element", "missing required element `Effect`")
                    .at(value.span),
            );
            return None;
        };
        let Some(action) = action else {
            self.errors.push(
                Diagnostic::error(
                    "missing-element",
                    "a statement needs exactly one of `Action` or `NotAction`",
                )
                .at(value.span),
            );
            return None;
        };
        let (sid, sid_entry) = match sid {
            Some((Some(s), e)) => (Some(s), Some(e)),
            Some((None, _)) => return None,
            None => (None, None),
        };
        let (principal, principal_spans) = match principal {
            Some(Some((clause, spans))) => (Some(clause), Some(spans)),
            Some(None) => return None,
            None => (None, None),
        };
        let (resource, resource_spans) = match resource {
            Some(Some((clause, spans))) => (Some(clause), Some(spans)),
            Some(None) => return None,
            None => (None, None),
        };
        let (conditions, condition_entry, condition_spans) = match conditions {
            Some((Some(list), e)) => {
                let (c, s): (Vec<_>, Vec<_>) = list.into_iter().unzip();
                (c, Some(e), s)
            }
            Some((None, _)) => return None,
            None => (Vec::new(), None, Vec::new()),
        };
        let effect = effect?;
        let (action, action_spans) = action?;
        if !ok {
            return None;
        }
        Some((
            Statement {
                sid,
                effect,
                principal,
                action,
                resource,
                conditions,
            },
            StatementSpans {
                whole: value.span,
                sid: sid_entry,
                effect: effect_entry,
                principal: principal_spans,
                action: action_spans,
                resource: resource_spans,
                condition: condition_entry,
                conditions: condition_spans,
            },
        ))
    }

    fn both(&mut self, member: &Member, a: &str, b: &str) {
        self.errors.push(
            Diagnostic::error(
                "both-elements",
                format!("a statement cannot have both `{a}` and `{b}`"),
            )
            .at(member.key_span)
            .with_help(format!(
                "keep `{a}` to list what applies, or `{b}` to list what does not"
            )),
        );
    }

    /// A string or a non-empty array of strings.
    fn list(&mut self, member: &Member) -> Option<(Vec<String>, ListSpans)> {
        let value = &member.value;
        let (items, spans) = match &value.kind {
            Kind::String(s) => (vec![s.clone()], vec![value.span]),
            Kind::Array(items) => {
                if items.is_empty() {
                    self.error(
                        "empty",
                        value.span,
                        format!("`{}` must not be an empty list", member.key),
                    );
                    return None;
                }
                let mut out = Vec::with_capacity(items.len());
                let mut failed = false;
                for item in items {
                    match self.string(item) {
                        Some(s) => out.push(s.to_owned()),
                        None => failed = true,
                    }
                }
                if failed {
                    return None;
                }
                (out, items.iter().map(|i| i.span).collect())
            }
            _ => {
                self.type_error(value, "a string or an array of strings");
                return None;
            }
        };
        Some((
            items,
            ListSpans {
                entry: entry(member),
                items: spans,
            },
        ))
    }

    fn principal(&mut self, member: &Member) -> Option<(PrincipalClause, PrincipalSpans)> {
        let value = &member.value;
        let clause = |principals| PrincipalClause {
            polarity: polarity(&member.key),
            principals,
        };
        match &value.kind {
            Kind::String(s) if s == "*" => Some((
                clause(Principals::Any),
                PrincipalSpans {
                    entry: entry(member),
                    kinds: Vec::new(),
                },
            )),
            Kind::String(s) => {
                self.errors.push(
                    Diagnostic::error(
                        "principal",
                        format!("a principal given as a string must be `*`, found `{s}`"),
                    )
                    .at(value.span)
                    .with_help("name principals as {\"AWS\": ...}, {\"Service\": ...}, {\"Federated\": ...} or {\"CanonicalUser\": ...}"),
                );
                None
            }
            Kind::Object(kinds) => {
                if kinds.is_empty() {
                    self.error(
                        "empty",
                        value.span,
                        format!("`{}` must not be an empty object", member.key),
                    );
                    return None;
                }
                let mut map = Vec::new();
                let mut spans = Vec::new();
                let mut failed = false;
                for kind_member in kinds {
                    let Some(kind) = PrincipalKind::from_key(&kind_member.key) else {
                        self.errors.push(
                            Diagnostic::error(
                                "principal",
                                format!("unknown principal type `{}`", kind_member.key),
                            )
                            .at(kind_member.key_span)
                            .with_help("the principal types are `AWS`, `Service`, `Federated` and `CanonicalUser`"),
                        );
                        failed = true;
                        continue;
                    };
                    let Some((values, list_spans)) = self.list(kind_member) else {
                        failed = true;
                        continue;
                    };
                    for (v, span) in values.iter().zip(&list_spans.items) {
                        let wild = v.contains('*') || v.contains('?');
                        if wild && !(kind == PrincipalKind::Aws && v == "*") {
                            self.errors.push(
                                Diagnostic::error(
                                    "principal",
                                    format!("`{v}` has a wildcard; a principal can be `*` only as a whole `AWS` value"),
                                )
                                .at(*span)
                                .with_help("you cannot use a wildcard to match part of a principal name or ARN; name the principal, or use `\"AWS\": \"*\"` with a condition"),
                            );
                            failed = true;
                        }
                    }
                    map.push((kind, values));
                    spans.push(list_spans);
                }
                if failed {
                    return None;
                }
                Some((
                    clause(Principals::Map(map)),
                    PrincipalSpans {
                        entry: entry(member),
                        kinds: spans,
                    },
                ))
            }
            _ => {
                self.type_error(value, "`*` or an object");
                None
            }
        }
    }

    fn conditions(&mut self, value: &Value) -> Option<Vec<(Condition, ConditionSpans)>> {
        let Kind::Object(operators) = &value.kind else {
            self.error(
                "type",
                value.span,
                format!("`Condition` must be an object, found {}", value.type_name()),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut failed = false;
        for op in operators {
            let Some(operator) = Operator::parse(&op.key) else {
                self.errors.push(
                    Diagnostic::error(
                        "operator",
                        format!("unknown condition operator `{}`", op.key),
                    )
                    .at(op.key_span)
                    .with_help("operators are case-sensitive, such as `StringEquals`, `ForAnyValue:StringLike` or `ArnLikeIfExists`; `Null` takes no qualifier and no `IfExists`"),
                );
                failed = true;
                continue;
            };
            let Kind::Object(keys) = &op.value.kind else {
                self.error(
                    "type",
                    op.value.span,
                    format!(
                        "a condition operator takes an object of keys to values, found {}",
                        op.value.type_name()
                    ),
                );
                failed = true;
                continue;
            };
            if keys.is_empty() {
                self.errors.push(
                    Diagnostic::error("empty", format!("`{}` names no condition keys", op.key))
                        .at(op.value.span)
                        .with_help("an operator with no keys would add no condition and silently widen the statement; remove it or name a key"),
                );
                failed = true;
                continue;
            }
            for key in keys {
                let Some((values, spans)) = self.condition_values(&key.value) else {
                    failed = true;
                    continue;
                };
                out.push((
                    Condition {
                        operator,
                        key: key.key.clone(),
                        values,
                    },
                    ConditionSpans {
                        operator: op.key_span,
                        key: entry(key),
                        values: spans,
                    },
                ));
            }
        }
        if failed { None } else { Some(out) }
    }

    fn condition_values(&mut self, value: &Value) -> Option<(Vec<String>, Vec<Span>)> {
        let items: Vec<&Value> = match &value.kind {
            Kind::Array(items) => {
                if items.is_empty() {
                    self.error(
                        "empty",
                        value.span,
                        "the value list must not be empty".into(),
                    );
                    return None;
                }
                items.iter().collect()
            }
            _ => vec![value],
        };
        let mut out = Vec::with_capacity(items.len());
        let mut failed = false;
        for item in &items {
            match item.scalar_text() {
                Some(s) => out.push(s.to_owned()),
                None => {
                    self.error(
                        "type",
                        item.span,
                        format!(
                            "a condition value must be a string, number or boolean, found {}",
                            item.type_name()
                        ),
                    );
                    failed = true;
                }
            }
        }
        if failed {
            return None;
        }
        Some((out, items.iter().map(|i| i.span).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(String, Span)> {
        parse_policy(text)
            .unwrap_err()
            .into_iter()
            .map(|d| (d.message().to_owned(), d.span().unwrap()))
            .collect()
    }

    #[test]
    fn spans_follow_the_elements() {
        let text = r#"{"Statement":{"Effect":"Allow","Action":["a:b","c:d"],"Condition":{"Bool":{"k":true}}}}"#;
        let parsed = parse_policy(text).unwrap();
        let s = &parsed.spans.statements[0];
        assert_eq!(&text[s.action.items[1].range()], "\"c:d\"");
        assert_eq!(&text[s.effect.value.range()], "\"Allow\"");
        assert_eq!(&text[s.conditions[0].operator.range()], "\"Bool\"");
        assert_eq!(&text[s.conditions[0].values[0].range()], "true");
        assert_eq!(parsed.policy.statements[0].conditions[0].values, ["true"]);
    }

    #[test]
    fn every_structural_error_is_reported() {
        let text = r#"{"Statement":[{"Effect":"allow","Action":[]},{"Effect":"Deny","Action":"a:b","Foo":1}]}"#;
        let found = errors(text);
        assert_eq!(
            found,
            vec![
                (
                    "`Effect` must be `Allow` or `Deny`, found `allow`".to_owned(),
                    Span::new(24, 31)
                ),
                (
                    "`Action` must not be an empty list".to_owned(),
                    Span::new(41, 43)
                ),
                (
                    "unknown statement element `Foo`".to_owned(),
                    Span::new(77, 82)
                ),
            ]
        );
    }
}
