//! The middle end: a store's policies normalised into the atoms the back end
//! compiles.
//!
//! - Every distinct policy body is kept once, however many names or
//!   attachments share it (the managed-policy case: one body, thousands of
//!   principals); statements are numbered per body.
//! - Action patterns are lower-cased (actions match case-insensitively) and
//!   deduplicated within their statement.
//! - Condition keys are lower-cased (keys compare case-insensitively) and each
//!   condition is reduced to a canonical predicate text, so the back end
//!   compiles a condition shared by many statements once and the check path
//!   evaluates it once per request.
//! - Whether a body substitutes `${...}` variables (its `Version`) travels
//!   with its patterns and values.
//! - Each policy's fitness as a session policy is worked out here, with the
//!   first offending statement.
//!
//! The operator metadata (negated operators, operators with variables) is
//! restated here from the IAM User Guide's operator table rather than taken
//! from the spec, which the compiled engine is checked against.

use std::hash::{Hash, Hasher};

use sesame_runtime::hash::{FastHasher, FastMap};

use sesame_runtime::table::{SessionError, SessionProblem};
use sesame_spec::Store;
use sesame_spec::model::{
    BaseOperator, Effect, Operator, Polarity, Policy, PrincipalClause, Statement,
};

/// A store, normalised.
#[derive(Debug)]
pub struct Normalized<'s> {
    /// Store policies in name order; the id of each is its position.
    pub policies: Vec<NPolicy<'s>>,
    /// Distinct bodies.
    pub bodies: Vec<NBody<'s>>,
}

/// One store policy.
#[derive(Debug)]
pub struct NPolicy<'s> {
    /// Its name.
    pub name: &'s str,
    /// Its body's position in [`Normalized::bodies`].
    pub body: usize,
    /// Why it cannot be a session policy.
    pub session_error: Option<SessionError>,
}

/// One distinct body.
#[derive(Debug)]
pub struct NBody<'s> {
    /// Whether `${...}` is substituted (`Version` 2012-10-17).
    pub substitutes: bool,
    /// Its statements, in order.
    pub statements: Vec<NStatement<'s>>,
}

/// One statement, normalised.
#[derive(Debug)]
pub struct NStatement<'s> {
    /// The `Sid`.
    pub sid: Option<&'s str>,
    /// The index in the policy.
    pub index: usize,
    /// The effect.
    pub effect: Effect,
    /// `NotAction`.
    pub action_negated: bool,
    /// Lower-cased, distinct action patterns.
    pub actions: Vec<String>,
    /// `Resource` / `NotResource`: negated and the patterns as written.
    pub resources: Option<(bool, Vec<&'s str>)>,
    /// `Principal` / `NotPrincipal`.
    pub principal: Option<&'s PrincipalClause>,
    /// The conditions.
    pub conditions: Vec<NCondition<'s>>,
}

/// One condition, normalised.
#[derive(Debug)]
pub struct NCondition<'s> {
    /// The operator.
    pub operator: Operator,
    /// The key, lower-cased.
    pub key: String,
    /// The values as written.
    pub values: &'s [String],
    /// Whether variables are substituted in the values (the body's version
    /// and an operator that takes variables).
    pub substitutes: bool,
    /// A canonical text: equal for conditions that always agree.
    pub canonical: String,
}

/// Whether an operator holds when the request value matches none of the
/// policy values and when the key is missing (IAM User Guide, "Condition
/// operators").
pub fn is_negated(base: BaseOperator) -> bool {
    use BaseOperator as B;
    matches!(
        base,
        B::StringNotEquals
            | B::StringNotEqualsIgnoreCase
            | B::StringNotLike
            | B::NumericNotEquals
            | B::DateNotEquals
            | B::NotIpAddress
            | B::ArnNotEquals
            | B::ArnNotLike
    )
}

/// Whether policy variables are substituted in an operator's values (IAM User
/// Guide, "Policy variables": string and ARN operators).
pub fn takes_variables(base: BaseOperator) -> bool {
    use BaseOperator as B;
    matches!(
        base,
        B::StringEquals
            | B::StringNotEquals
            | B::StringEqualsIgnoreCase
            | B::StringNotEqualsIgnoreCase
            | B::StringLike
            | B::StringNotLike
            | B::ArnEquals
            | B::ArnLike
            | B::ArnNotEquals
            | B::ArnNotLike
    )
}

fn session_error(policy: &Policy) -> Option<SessionError> {
    policy.statements.iter().enumerate().find_map(|(i, s)| {
        let problem = if s.principal.is_some() {
            SessionProblem::Principal
        } else if s.resource.is_none() {
            SessionProblem::NoResource
        } else {
            return None;
        };
        Some(SessionError {
            statement: u32::try_from(i).unwrap_or(u32::MAX),
            problem,
        })
    })
}

/// The canonical text of a condition: the operator's name (which holds no
/// `|`), then the key and each value with its length before it, then
/// whether variables are substituted. Equal texts mean equal conditions.
fn canonical(operator: Operator, key: &str, values: &[String], substitutes: bool) -> String {
    use std::fmt::Write;
    let room: usize = values.iter().map(|v| v.len() + 8).sum();
    let mut out = String::with_capacity(48 + key.len() + room);
    // Writing to a `String` cannot fail.
    let _ = write!(out, "{operator}|{}:{key}|{}", key.len(), values.len());
    for v in values {
        let _ = write!(out, "|{}:{v}", v.len());
    }
    let _ = write!(out, "|{substitutes}");
    out
}

fn statement<'s>(index: usize, s: &'s Statement, substitutes: bool) -> NStatement<'s> {
    let mut actions: Vec<String> = Vec::with_capacity(s.action.patterns.len());
    for p in &s.action.patterns {
        let lower = p.to_lowercase();
        if !actions.contains(&lower) {
            actions.push(lower);
        }
    }
    let conditions = s
        .conditions
        .iter()
        .map(|c| {
            let key = c.key.to_lowercase();
            let subst = substitutes && takes_variables(c.operator.base);
            let canonical = canonical(c.operator, &key, &c.values, subst);
            NCondition {
                operator: c.operator,
                key,
                values: &c.values,
                substitutes: subst,
                canonical,
            }
        })
        .collect();
    NStatement {
        sid: s.sid.as_deref(),
        index,
        effect: s.effect,
        action_negated: s.action.polarity == Polarity::Not,
        actions,
        resources: s.resource.as_ref().map(|r| {
            (
                r.polarity == Polarity::Not,
                r.patterns.iter().map(String::as_str).collect(),
            )
        }),
        principal: s.principal.as_ref(),
        conditions,
    }
}

/// A hash of a policy: its derived `Hash` fed to the fast hasher (equal
/// policies hash equally).
fn fingerprint(policy: &Policy) -> u64 {
    let mut hasher = FastHasher::default();
    policy.hash(&mut hasher);
    hasher.finish()
}

/// Normalises every policy of the store.
pub fn normalize(store: &Store) -> Normalized<'_> {
    let mut bodies: Vec<NBody<'_>> = Vec::with_capacity(store.policies.len());
    let kept = normalize_each(store, |body| {
        bodies.push(body);
        Ok::<(), std::convert::Infallible>(())
    });
    let policies = match kept {
        Ok(policies) => policies,
        Err(never) => match never {},
    };
    Normalized { policies, bodies }
}

/// Normalises every policy of the store, handing each distinct body to
/// `sink` as soon as it is made (the `n`th body handed has id `n`), and
/// gives the store's policies, or the first error `sink` gives.
///
/// # Errors
///
/// The first error of `sink`.
pub fn normalize_each<'s, E>(
    store: &'s Store,
    mut sink: impl FnMut(NBody<'s>) -> Result<(), E>,
) -> Result<Vec<NPolicy<'s>>, E> {
    // Per body: the policy it was made from, and the next body whose policy
    // has the same hash (`usize::MAX` ends the chain).
    let mut sources: Vec<(&Policy, usize)> = Vec::with_capacity(store.policies.len());
    // The first body of each policy hash.
    let mut seen: FastMap<u64, usize> = FastMap::default();
    seen.reserve(store.policies.len());
    let mut policies = Vec::with_capacity(store.policies.len());
    for (name, policy) in &store.policies {
        let key = fingerprint(policy);
        let first = seen.get(&key).copied().unwrap_or(usize::MAX);
        let body = match same_body(&sources, first, policy) {
            Some(b) => b,
            None => {
                let substitutes = policy.version == sesame_spec::model::Version::V2012_10_17;
                sink(NBody {
                    substitutes,
                    statements: policy
                        .statements
                        .iter()
                        .enumerate()
                        .map(|(i, s)| statement(i, s, substitutes))
                        .collect(),
                })?;
                // New bodies go to the front of their hash's chain.
                let b = sources.len();
                sources.push((policy, first));
                seen.insert(key, b);
                b
            }
        };
        policies.push(NPolicy {
            name,
            body,
            session_error: session_error(policy),
        });
    }
    Ok(policies)
}

/// The body made from a policy equal to `policy`, following the chain of
/// bodies with its hash from `first`.
fn same_body(sources: &[(&Policy, usize)], first: usize, policy: &Policy) -> Option<usize> {
    let mut at = first;
    while let Some((p, next)) = sources.get(at) {
        if *p == policy {
            return Some(at);
        }
        at = *next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::normalize;

    /// Equal policies under several names share one body, in the order
    /// of their first name; policies that differ in anything get their own.
    #[test]
    fn equal_policies_share_a_body() {
        let allow = r#"{ "Version": "2012-10-17", "Statement": [
            { "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*" } ] }"#;
        let other = r#"{ "Version": "2012-10-17", "Statement": [
            { "Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*" } ] }"#;
        let old = r#"{ "Version": "2008-10-17", "Statement": [
            { "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*" } ] }"#;
        let text = format!(
            r#"{{ "policies": {{ "A": {allow}, "B": {other}, "C": {allow}, "D": {old}, "E": {allow}, "F": {other} }} }}"#
        );
        let store = sesame_spec::Store::from_json_text(&text, None).unwrap();
        let norm = normalize(&store);
        let bodies: Vec<usize> = norm.policies.iter().map(|p| p.body).collect();
        assert_eq!(bodies, [0, 1, 0, 2, 0, 1]);
        assert_eq!(norm.bodies.len(), 3);
        assert!(norm.bodies[0].substitutes && !norm.bodies[2].substitutes);
    }
}
