//! The spec's reader: policy text to [`Policy`], following the IAM User Guide,
//! "Grammar of the IAM JSON policy language" and "IAM JSON policy elements
//! reference".
//!
//! It accepts every form AWS accepts (a `Statement` object or array, a string
//! wherever a list may stand, both versions, every `Principal` form) and
//! refuses, with the place named, what AWS refuses structurally: a missing
//! `Effect`, `Action` together with `NotAction`, duplicate keys, unknown
//! elements, wrong types, unknown condition operators.
//!
//! Choices where AWS is silent or lenient, kept so that nothing ambiguous
//! reaches the evaluator (fail closed):
//! - an empty list (`"Action": []`, an empty `Statement` array, an empty
//!   condition value list) is refused;
//! - a `Principal` value may be `*` only as the whole value of `"AWS"` (or the
//!   bare string `"*"`); a partial wildcard such as `arn:aws:iam::*:root` is
//!   refused ("You cannot use a wildcard to match part of a principal name or
//!   ARN", IAM User Guide, "AWS JSON policy elements: Principal");
//! - an operator with an empty key object (`"StringEquals": {}`) is refused:
//!   read as "no condition" it would silently widen an `Allow`;
//! - element names, `Effect` values and operator names are case-sensitive.
//!
//! Which elements a policy *type* requires (no `Principal` in identity
//! policies, a `Resource` everywhere but resource policies) is checked where
//! the store attaches the policy ([`crate::store`]).

use crate::error::ReadError;
use crate::json::Json;
use crate::model::{
    ActionClause, Condition, Effect, Operator, Polarity, Policy, PrincipalClause, PrincipalKind,
    Principals, ResourceClause, Statement, Version,
};

/// Reads a policy document from its JSON text.
///
/// # Errors
///
/// A [`ReadError`] naming the place (JSON line and column for syntax errors,
/// the element path such as `Statement[1].Effect` otherwise).
pub fn parse_policy(text: &str) -> Result<Policy, ReadError> {
    let json = Json::parse(text).map_err(|e| ReadError::new("", e.to_string()))?;
    policy_from_json(&json)
}

/// Reads a policy document from an already-read JSON tree.
///
/// # Errors
///
/// A [`ReadError`] naming the element path.
pub fn policy_from_json(json: &Json) -> Result<Policy, ReadError> {
    let Json::Object(entries) = json else {
        return Err(ReadError::new(
            "",
            format!("a policy must be a JSON object, found {}", json.type_name()),
        ));
    };
    let mut version = Version::Absent;
    let mut id = None;
    let mut statements = None;
    for (key, value) in entries {
        match key.as_str() {
            "Version" => {
                version = match string(value, "Version")? {
                    "2012-10-17" => Version::V2012_10_17,
                    "2008-10-17" => Version::V2008_10_17,
                    other => {
                        return Err(ReadError::new(
                            "Version",
                            format!(
                                "unsupported policy version `{other}`; expected `2012-10-17` or `2008-10-17`"
                            ),
                        ));
                    }
                }
            }
            "Id" => id = Some(string(value, "Id")?.to_owned()),
            "Statement" => statements = Some(statement_list(value)?),
            other => {
                return Err(ReadError::new(
                    other,
                    format!("unknown policy element `{other}`"),
                ));
            }
        }
    }
    let statements =
        statements.ok_or_else(|| ReadError::new("", "missing required element `Statement`"))?;
    Ok(Policy {
        version,
        id,
        statements,
    })
}

fn statement_list(value: &Json) -> Result<Vec<Statement>, ReadError> {
    match value {
        Json::Object(_) => Ok(vec![statement(value, "Statement")?]),
        Json::Array(items) => {
            if items.is_empty() {
                return Err(ReadError::new("Statement", "`Statement` must not be empty"));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| statement(item, &format!("Statement[{i}]")))
                .collect()
        }
        other => Err(ReadError::new(
            "Statement",
            format!(
                "`Statement` must be an object or an array of objects, found {}",
                other.type_name()
            ),
        )),
    }
}

fn statement(value: &Json, place: &str) -> Result<Statement, ReadError> {
    let Json::Object(entries) = value else {
        return Err(ReadError::new(
            place,
            format!("a statement must be an object, found {}", value.type_name()),
        ));
    };
    let mut sid = None;
    let mut effect = None;
    let mut principal: Option<PrincipalClause> = None;
    let mut action: Option<ActionClause> = None;
    let mut resource: Option<ResourceClause> = None;
    let mut conditions = Vec::new();
    for (key, value) in entries {
        let here = format!("{place}.{key}");
        match key.as_str() {
            "Sid" => sid = Some(string(value, &here)?.to_owned()),
            "Effect" => {
                effect = Some(match string(value, &here)? {
                    "Allow" => Effect::Allow,
                    "Deny" => Effect::Deny,
                    other => {
                        return Err(ReadError::new(
                            &here,
                            format!("`Effect` must be `Allow` or `Deny`, found `{other}`"),
                        ));
                    }
                });
            }
            "Action" | "NotAction" => {
                if action.is_some() {
                    return Err(both(place, "Action", "NotAction"));
                }
                action = Some(ActionClause {
                    polarity: polarity(key),
                    patterns: string_list(value, &here)?,
                });
            }
            "Resource" | "NotResource" => {
                if resource.is_some() {
                    return Err(both(place, "Resource", "NotResource"));
                }
                resource = Some(ResourceClause {
                    polarity: polarity(key),
                    patterns: string_list(value, &here)?,
                });
            }
            "Principal" | "NotPrincipal" => {
                if principal.is_some() {
                    return Err(both(place, "Principal", "NotPrincipal"));
                }
                principal = Some(PrincipalClause {
                    polarity: polarity(key),
                    principals: principals(value, &here)?,
                });
            }
            "Condition" => conditions = condition_block(value, &here)?,
            other => {
                return Err(ReadError::new(
                    &here,
                    format!("unknown statement element `{other}`"),
                ));
            }
        }
    }
    let effect =
        effect.ok_or_else(|| ReadError::new(place, "missing required element `Effect`"))?;
    let action = action.ok_or_else(|| {
        ReadError::new(
            place,
            "a statement needs exactly one of `Action` or `NotAction`",
        )
    })?;
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn polarity(key: &str) -> Polarity {
    if key.starts_with("Not") {
        Polarity::Not
    } else {
        Polarity::Is
    }
}

fn both(place: &str, a: &str, b: &str) -> ReadError {
    ReadError::new(
        place,
        format!("a statement cannot have both `{a}` and `{b}`"),
    )
}

fn string<'a>(value: &'a Json, place: &str) -> Result<&'a str, ReadError> {
    match value {
        Json::String(s) => Ok(s),
        other => Err(ReadError::new(
            place,
            format!("expected a string, found {}", other.type_name()),
        )),
    }
}

/// A string or a non-empty array of strings.
fn string_list(value: &Json, place: &str) -> Result<Vec<String>, ReadError> {
    match value {
        Json::String(s) => Ok(vec![s.clone()]),
        Json::Array(items) => {
            if items.is_empty() {
                return Err(ReadError::new(place, "the list must not be empty"));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| string(item, &format!("{place}[{i}]")).map(str::to_owned))
                .collect()
        }
        other => Err(ReadError::new(
            place,
            format!(
                "expected a string or an array of strings, found {}",
                other.type_name()
            ),
        )),
    }
}

fn principals(value: &Json, place: &str) -> Result<Principals, ReadError> {
    match value {
        Json::String(s) if s == "*" => Ok(Principals::Any),
        Json::String(s) => Err(ReadError::new(
            place,
            format!(
                "a principal given as a string must be `*`, found `{s}`; name principals as {{\"AWS\": ...}} or {{\"Service\": ...}}"
            ),
        )),
        Json::Object(entries) => {
            if entries.is_empty() {
                return Err(ReadError::new(
                    place,
                    "the principal object must not be empty",
                ));
            }
            let mut map = Vec::new();
            for (key, value) in entries {
                let here = format!("{place}.{key}");
                let kind = PrincipalKind::from_key(key).ok_or_else(|| {
                    ReadError::new(
                        &here,
                        format!(
                            "unknown principal type `{key}`; expected `AWS`, `Service`, `Federated` or `CanonicalUser`"
                        ),
                    )
                })?;
                let values = string_list(value, &here)?;
                for (i, v) in values.iter().enumerate() {
                    let wild = v.contains('*') || v.contains('?');
                    if wild && !(kind == PrincipalKind::Aws && v == "*") {
                        return Err(ReadError::new(
                            &format!("{here}[{i}]"),
                            format!(
                                "`{v}` has a wildcard; a principal can be `*` only as a whole `AWS` value, never part of a name or ARN"
                            ),
                        ));
                    }
                }
                map.push((kind, values));
            }
            Ok(Principals::Map(map))
        }
        other => Err(ReadError::new(
            place,
            format!("expected `*` or an object, found {}", other.type_name()),
        )),
    }
}

fn condition_block(value: &Json, place: &str) -> Result<Vec<Condition>, ReadError> {
    let Json::Object(operators) = value else {
        return Err(ReadError::new(
            place,
            format!("`Condition` must be an object, found {}", value.type_name()),
        ));
    };
    let mut conditions = Vec::new();
    for (name, keys) in operators {
        let here = format!("{place}.{name}");
        let operator = Operator::parse(name)
            .ok_or_else(|| ReadError::new(&here, format!("unknown condition operator `{name}`")))?;
        let Json::Object(keys) = keys else {
            return Err(ReadError::new(
                &here,
                format!(
                    "a condition operator takes an object of keys to values, found {}",
                    keys.type_name()
                ),
            ));
        };
        if keys.is_empty() {
            return Err(ReadError::new(
                &here,
                format!("`{name}` names no condition keys"),
            ));
        }
        for (key, values) in keys {
            let at = format!("{here}.{key}");
            conditions.push(Condition {
                operator,
                key: key.clone(),
                values: condition_values(values, &at)?,
            });
        }
    }
    Ok(conditions)
}

fn condition_values(value: &Json, place: &str) -> Result<Vec<String>, ReadError> {
    let scalar = |item: &Json, at: &str| {
        item.scalar_text().map(str::to_owned).ok_or_else(|| {
            ReadError::new(
                at,
                format!(
                    "a condition value must be a string, number or boolean, found {}",
                    item.type_name()
                ),
            )
        })
    };
    match value {
        Json::Array(items) => {
            if items.is_empty() {
                return Err(ReadError::new(place, "the value list must not be empty"));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, item)| scalar(item, &format!("{place}[{i}]")))
                .collect()
        }
        other => Ok(vec![scalar(other, place)?]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BaseOperator, SetQualifier};

    #[test]
    fn single_forms_equal_list_forms() {
        let a = parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ses:SendEmail","Resource":"*"}}"#,
        )
        .unwrap();
        let b = parse_policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ses:SendEmail"],"Resource":["*"]}]}"#,
        )
        .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn conditions_split_per_key() {
        let p = parse_policy(
            r#"{"Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":"*",
                "Condition":{"ForAnyValue:StringLikeIfExists":{"a":"x","b":[1,true]}}}}"#,
        )
        .unwrap();
        assert_eq!(p.version, Version::Absent);
        let s = &p.statements[0];
        assert_eq!(s.action.polarity, Polarity::Not);
        assert_eq!(s.conditions.len(), 2);
        assert_eq!(s.conditions[1].values, ["1", "true"]);
        assert_eq!(
            s.conditions[0].operator,
            Operator {
                qualifier: Some(SetQualifier::ForAnyValue),
                base: BaseOperator::StringLike,
                if_exists: true
            }
        );
    }

    fn err(text: &str) -> String {
        parse_policy(text).unwrap_err().to_string()
    }

    #[test]
    fn structural_errors_name_the_place() {
        assert_eq!(
            err(r#"{"Statement":[{"Action":"a:b","Resource":"*"}]}"#),
            "Statement[0]: missing required element `Effect`"
        );
        assert_eq!(
            err(r#"{"Statement":{"Effect":"Allow","Action":"a:b","NotAction":"c:d"}}"#),
            "Statement: a statement cannot have both `Action` and `NotAction`"
        );
        assert_eq!(
            err(r#"{"Statement":{"Effect":"allow","Action":"a:b"}}"#),
            "Statement.Effect: `Effect` must be `Allow` or `Deny`, found `allow`"
        );
        assert_eq!(
            err(r#"{"Version":"2012-10-18","Statement":[]}"#),
            "Version: unsupported policy version `2012-10-18`; expected `2012-10-17` or `2008-10-17`"
        );
        assert_eq!(
            err(r#"{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#),
            "Statement.Action: the list must not be empty"
        );
        assert_eq!(
            err(
                r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"StringEqual":{"k":"v"}}}}"#
            ),
            "Statement.Condition.StringEqual: unknown condition operator `StringEqual`"
        );
        assert_eq!(
            err(
                r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{"AWS":"arn:aws:iam::*:root"}}}"#
            ),
            "Statement.Principal.AWS[0]: `arn:aws:iam::*:root` has a wildcard; a principal can be `*` only as a whole `AWS` value, never part of a name or ARN"
        );
        assert_eq!(
            err(r#"{"Statement":{"Effect":"Allow","Action":"a:b","Foo":1}}"#),
            "Statement.Foo: unknown statement element `Foo`"
        );
        assert!(
            err(r#"{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"a:b"}}"#)
                .contains("duplicate key `Effect`")
        );
        assert_eq!(
            err(
                r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"Bool":{"k":null}}}}"#
            ),
            "Statement.Condition.Bool.k: a condition value must be a string, number or boolean, found null"
        );
    }
}
