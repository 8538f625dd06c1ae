//! A Cedar translation of a Sesame store, so `cedar-policy` (the engine
//! behind Amazon Verified Permissions) can be timed on the same decisions.
//!
//! # The translation
//!
//! - **Entities.** Each principal is `Principal::"<ARN>"` with attributes
//!   `arn`, `account` and `tags` (a record, keys lower-cased since tag keys
//!   are case-insensitive in conditions); its parents are
//!   `IdPolicy::"<name>"` for each attached identity policy,
//!   `Boundary::"<name>"` for its boundary and `Account::"<id>"`. Each
//!   resource is `Resource::"<ARN>"` with `arn`, `account` (when the ARN or
//!   the store names one) and `tags`; its parents are `ResPolicy::"<name>"`.
//!   Attachment is membership, so a shared policy is translated once.
//! - **Actions** are `Action::"<lower-cased name>"`; an IAM action pattern
//!   becomes an action group `Action::"group-N"` whose members are the
//!   workload's actions it matches (Cedar has no action wildcards), so a
//!   statement tests `action in Action::"group-N"`; `*` is no constraint.
//! - **Identity policies**: each `Allow` statement is a `permit`, each
//!   `Deny` a `forbid`, scoped `principal in IdPolicy::"<name>"`.
//! - **Layers that must allow** (each SCP level, the boundary) are one
//!   `forbid ... unless { <any Allow statement of the layer applies> }`
//!   scoped to the account or boundary, plus a `forbid` per `Deny`.
//! - **Resource policies**: a cross-account request is forbidden unless some
//!   `Allow` statement of the resource's policies applies (one unscoped
//!   `forbid ... unless`), and their `Deny` statements are `forbid`s.
//! - **Resources** patterns: literal ARNs compare `resource.arn ==`, others
//!   use `like` (Cedar's `*` crosses `:`, IAM's does not within the first
//!   five ARN parts: the same on well-formed ARNs, which every workload
//!   request uses).
//! - **Conditions** are `when` clauses over the context record (keys
//!   lower-cased); `aws:PrincipalTag/*`, `aws:ResourceTag/*`,
//!   `aws:PrincipalArn`, `aws:PrincipalAccount` and `aws:ResourceAccount` read
//!   the entities. Keys compared with `Date*` operators are `datetime`
//!   values, with `IpAddress` `ip` values; `ses:Recipients` and
//!   `aws:TagKeys` are sets. A missing key, negated operators, `IfExists`,
//!   `Null` and `ForAllValues:` follow the spec's rules.
//!
//! A decision is `Allow`, or a deny whose determining policies tell
//! explicit (`deny-*` ids) from implicit (`gate-*` ids, or none).
//!
//! # What it cannot express (the translation refuses, naming the place)
//!
//! `?` in action, resource or `StringLike` patterns; policy variables in
//! `Resource` or inside a longer value (Cedar has no string concatenation);
//! `ForAllValues:`/`ForAnyValue:` other than `ForAllValues:StringEquals`
//! with literal values (Cedar's `containsAll` compares whole strings, and it
//! has no quantifier over a set for `like`); `Numeric*`, `Bool`,
//! `BinaryEquals`, `Arn*` and the `IgnoreCase` operators; `NotAction`
//! (`NotResource`) in a `forbid ... unless` gate; `NotPrincipal`; resource
//! policies naming anything but whole accounts; RCPs; session policies; role
//! sessions. W1 and W2 are written inside these limits; the agreement with
//! the spec is checked on a sample before any timing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityUid, Policy as CedarPolicy, PolicyId,
    PolicySet, Request as CedarRequest, RestrictedExpression,
};
use sesame_spec::model::{
    BaseOperator, Condition, Effect, Polarity, PrincipalKind, Principals, SetQualifier, Statement,
};
use sesame_spec::{Outcome, Request, Store};

/// Why a store or request has no faithful Cedar translation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Untranslatable(pub String);

impl fmt::Display for Untranslatable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no cedar translation: {}", self.0)
    }
}

impl std::error::Error for Untranslatable {}

fn refuse<T>(message: String) -> Result<T, Untranslatable> {
    Err(Untranslatable(message))
}

/// Context keys whose requests carry several values.
const SET_KEYS: [&str; 2] = ["ses:recipients", "aws:tagkeys"];

/// A Cedar string literal.
fn lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn uid(kind: &str, id: &str) -> String {
    format!("{kind}::{}", lit(id))
}

fn parse_uid(kind: &str, id: &str) -> Result<EntityUid, Untranslatable> {
    EntityUid::from_str(&uid(kind, id))
        .map_err(|e| Untranslatable(format!("entity `{kind}::{id}`: {e}")))
}

/// Whether an IAM glob (`*` only, `?` refused earlier) matches, ignoring case.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None, 0usize);
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some('*'), _) => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            (Some(a), Some(b)) if a == b => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

fn account_of_arn(arn: &str) -> Option<&str> {
    if !arn.starts_with("arn:") {
        return None;
    }
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// What a condition key reads.
enum Source {
    Context(String),
    PrincipalTag(String),
    ResourceTag(String),
    Attr(&'static str, &'static str),
}

impl Source {
    fn of(key: &str) -> Source {
        let lower = key.to_lowercase();
        if let Some(tag) = lower.strip_prefix("aws:principaltag/") {
            Source::PrincipalTag(tag.to_owned())
        } else if let Some(tag) = lower.strip_prefix("aws:resourcetag/") {
            Source::ResourceTag(tag.to_owned())
        } else {
            match lower.as_str() {
                "aws:principalarn" => Source::Attr("principal", "arn"),
                "aws:principalaccount" => Source::Attr("principal", "account"),
                "aws:resourceaccount" => Source::Attr("resource", "account"),
                _ => Source::Context(lower),
            }
        }
    }

    /// (presence test, value expression).
    fn exprs(&self) -> (String, String) {
        match self {
            Source::Context(k) => (
                format!("context has {}", lit(k)),
                format!("context[{}]", lit(k)),
            ),
            Source::PrincipalTag(k) => (
                format!("principal.tags has {}", lit(k)),
                format!("principal.tags[{}]", lit(k)),
            ),
            Source::ResourceTag(k) => (
                format!("resource.tags has {}", lit(k)),
                format!("resource.tags[{}]", lit(k)),
            ),
            Source::Attr(who, attr) => (format!("{who} has {attr}"), format!("{who}.{attr}")),
        }
    }
}

/// How the context carries a key's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    Text,
    Set,
    Date,
    Ip,
}

/// The translation of a store, with the policy sets to evaluate.
pub struct CedarPeer {
    /// Policies that apply to every principal.
    global: Vec<CedarPolicy>,
    /// Policies scoped to a principal group: `IdPolicy::"x"`, ....
    scoped: HashMap<String, Vec<CedarPolicy>>,
    entities: Entities,
    key_kinds: HashMap<String, KeyKind>,
    authorizer: Authorizer,
    /// How many Cedar policies the translation has.
    pub policy_count: usize,
}

/// A request translated for [`CedarPeer::check`], with the policy set it
/// is evaluated against.
pub struct Prepared {
    request: CedarRequest,
    set: usize,
}

/// The translated requests and the per-principal policy sets they use.
pub struct PreparedRequests {
    /// One per input request, in order.
    pub requests: Vec<Prepared>,
    sets: Vec<PolicySet>,
}

struct Translator<'a> {
    store: &'a Store,
    actions: Vec<String>,
    key_kinds: HashMap<String, KeyKind>,
    next: usize,
    global: Vec<CedarPolicy>,
    scoped: HashMap<String, Vec<CedarPolicy>>,
    /// Action groups by their member list: `Action::"group-N"`.
    groups: BTreeMap<Vec<String>, String>,
}

impl Translator<'_> {
    fn add(&mut self, scope: Option<&str>, kind: &str, text: String) -> Result<(), Untranslatable> {
        let id = format!("{kind}-{}", self.next);
        self.next += 1;
        let policy = CedarPolicy::parse(Some(PolicyId::new(&id)), &text)
            .map_err(|e| Untranslatable(format!("generated policy does not parse: {e}: {text}")))?;
        match scope {
            Some(s) => self.scoped.entry(s.to_owned()).or_default().push(policy),
            None => self.global.push(policy),
        }
        Ok(())
    }

    /// The action constraint of a statement: `None` when it matches no
    /// action of the workload, `Some("")` for no constraint.
    fn action_expr(
        &mut self,
        statement: &Statement,
        place: &str,
    ) -> Result<Option<String>, Untranslatable> {
        let patterns = &statement.action.patterns;
        if patterns.iter().any(|p| p.contains('?')) {
            return refuse(format!("{place}: `?` in an action pattern"));
        }
        let any = patterns.iter().any(|p| p == "*");
        let matched: Vec<String> = if any {
            Vec::new()
        } else {
            self.actions
                .iter()
                .filter(|a| patterns.iter().any(|p| glob_matches(p, a)))
                .cloned()
                .collect()
        };
        // One action group entity per distinct member list: membership is
        // one ancestor lookup, where a literal list is a set built per check.
        let next = self.groups.len();
        let group = if matched.is_empty() {
            String::new()
        } else {
            self.groups
                .entry(matched.clone())
                .or_insert_with(|| format!("group-{next}"))
                .clone()
        };
        let list = || format!("action in {}", uid("Action", &group));
        Ok(match (statement.action.polarity, any) {
            (Polarity::Is, true) => Some(String::new()),
            (Polarity::Is, false) if matched.is_empty() => None,
            (Polarity::Is, false) => Some(list()),
            (Polarity::Not, true) => None,
            (Polarity::Not, false) if matched.is_empty() => Some(String::new()),
            (Polarity::Not, false) => Some(format!("!({})", list())),
        })
    }

    fn resource_expr(&self, statement: &Statement, place: &str) -> Result<String, Untranslatable> {
        let Some(clause) = &statement.resource else {
            return Ok(String::new());
        };
        let mut alternatives = Vec::new();
        for pattern in &clause.patterns {
            if pattern.contains("${") {
                return refuse(format!(
                    "{place}: a policy variable in `Resource` (`{pattern}`)"
                ));
            }
            if pattern.contains('?') {
                return refuse(format!("{place}: `?` in a resource pattern"));
            }
            if pattern == "*" {
                alternatives.clear();
                alternatives.push("true".to_owned());
                break;
            }
            if pattern.contains('*') {
                alternatives.push(format!("resource.arn like {}", lit(pattern)));
            } else {
                alternatives.push(format!("resource.arn == {}", lit(pattern)));
            }
        }
        let any = format!("({})", alternatives.join(" || "));
        Ok(match clause.polarity {
            Polarity::Is => any,
            Polarity::Not => format!("!{any}"),
        })
    }

    /// "The request value matches policy value `v`" for one condition.
    fn matches_value(
        &self,
        base: BaseOperator,
        value_expr: &str,
        v: &str,
        place: &str,
    ) -> Result<String, Untranslatable> {
        use BaseOperator as B;
        let positive = |op: BaseOperator| -> BaseOperator {
            match op {
                B::StringNotEquals => B::StringEquals,
                B::StringNotLike => B::StringLike,
                B::NotIpAddress => B::IpAddress,
                B::DateNotEquals => B::DateEquals,
                other => other,
            }
        };
        let variable = |v: &str| -> Result<Option<(String, String)>, Untranslatable> {
            if !v.contains("${") {
                return Ok(None);
            }
            let inner = v
                .strip_prefix("${")
                .and_then(|r| r.strip_suffix('}'))
                .filter(|r| !r.contains("${") && !r.contains(','));
            match inner {
                Some(key) => match Source::of(key) {
                    Source::Context(_) => {
                        refuse(format!("{place}: variable `{v}` from the context"))
                    }
                    source => Ok(Some(source.exprs())),
                },
                None => refuse(format!(
                    "{place}: a policy variable inside a longer value (`{v}`)"
                )),
            }
        };
        Ok(match positive(base) {
            B::StringEquals => match variable(v)? {
                Some((present, value)) => format!("({present} && {value_expr} == {value})"),
                None => format!("{value_expr} == {}", lit(v)),
            },
            B::StringLike => {
                if v.contains("${") || v.contains('?') {
                    return refuse(format!(
                        "{place}: `StringLike` value `{v}` (variables and `?`)"
                    ));
                }
                format!("{value_expr} like {}", lit(v))
            }
            B::DateEquals => format!("{value_expr} == datetime({})", lit(v)),
            B::DateLessThan => format!("{value_expr} < datetime({})", lit(v)),
            B::DateLessThanEquals => format!("{value_expr} <= datetime({})", lit(v)),
            B::DateGreaterThan => format!("{value_expr} > datetime({})", lit(v)),
            B::DateGreaterThanEquals => format!("{value_expr} >= datetime({})", lit(v)),
            B::IpAddress => format!("{value_expr}.isInRange(ip({}))", lit(v)),
            other => return refuse(format!("{place}: operator `{}`", other.as_str())),
        })
    }

    fn condition_expr(&self, c: &Condition, place: &str) -> Result<String, Untranslatable> {
        let base = c.operator.base;
        let source = Source::of(&c.key);
        let (present, value) = source.exprs();
        if base == BaseOperator::Null {
            let wants_absent: Vec<String> = c
                .values
                .iter()
                .filter_map(|v| match v.to_lowercase().as_str() {
                    "true" => Some(format!("!({present})")),
                    "false" => Some(present.clone()),
                    _ => None,
                })
                .collect();
            return Ok(if wants_absent.is_empty() {
                "false".to_owned()
            } else {
                format!("({})", wants_absent.join(" || "))
            });
        }
        match c.operator.qualifier {
            Some(SetQualifier::ForAllValues) => {
                if base != BaseOperator::StringEquals || c.values.iter().any(|v| v.contains("${")) {
                    return refuse(format!(
                        "{place}: `{}` (only `ForAllValues:StringEquals` with literal values)",
                        c.operator
                    ));
                }
                let list: Vec<String> = c.values.iter().map(|v| lit(v)).collect();
                return Ok(format!(
                    "(!({present}) || [{}].containsAll({value}))",
                    list.join(", ")
                ));
            }
            Some(SetQualifier::ForAnyValue) => {
                return refuse(format!("{place}: `{}`", c.operator));
            }
            None => {}
        }
        if let Source::Context(k) = &source {
            if SET_KEYS.contains(&k.as_str()) {
                return refuse(format!(
                    "{place}: `{}` on the multivalued key `{}`",
                    c.operator, c.key
                ));
            }
        }
        let any: Vec<String> = c
            .values
            .iter()
            .map(|v| self.matches_value(base, &value, v, place))
            .collect::<Result<_, _>>()?;
        let matched = format!("({present} && ({}))", any.join(" || "));
        let held = if base.is_negated() {
            format!("!{matched}")
        } else {
            matched
        };
        Ok(if c.operator.if_exists {
            format!("(!({present}) || {held})")
        } else {
            held
        })
    }

    /// The whole applicability test of a statement (`None`: never applies),
    /// without its action when `with_action` is false.
    fn body(
        &mut self,
        statement: &Statement,
        place: &str,
        with_action: bool,
    ) -> Result<Option<(String, String)>, Untranslatable> {
        let Some(action) = self.action_expr(statement, place)? else {
            return Ok(None);
        };
        let mut parts = Vec::new();
        if !with_action && !action.is_empty() {
            parts.push(action.clone());
        }
        parts.push(self.resource_expr(statement, place)?);
        for c in &statement.conditions {
            parts.push(self.condition_expr(c, place)?);
        }
        parts.retain(|p| !p.is_empty());
        let when = if parts.is_empty() {
            "true".to_owned()
        } else {
            parts.join(" && ")
        };
        Ok(Some((action, when)))
    }

    fn scope_action(action: &str) -> String {
        if action.is_empty() || action.starts_with('!') {
            "action".to_owned()
        } else {
            action.to_owned()
        }
    }

    /// `permit`/`forbid` per statement of an identity-side policy.
    fn statements(&mut self, policy_name: &str, scope: &str) -> Result<(), Untranslatable> {
        let Some(policy) = self.store.policies.get(policy_name) else {
            return refuse(format!("policy `{policy_name}` is not in the store"));
        };
        let scope_uid = scope.to_owned();
        for (i, statement) in policy.statements.iter().enumerate() {
            let place = format!("{policy_name}.Statement[{i}]");
            let Some((action, when)) = self.body(statement, &place, true)? else {
                continue;
            };
            let when = if action.starts_with('!') {
                format!("{action} && {when}")
            } else {
                when
            };
            let head = format!(
                "principal in {scope_uid}, {}, resource",
                Self::scope_action(&action)
            );
            match statement.effect {
                Effect::Allow => {
                    self.add(
                        Some(scope),
                        "permit",
                        format!("permit ({head}) when {{ {when} }};"),
                    )?;
                }
                Effect::Deny => {
                    self.add(
                        Some(scope),
                        "deny",
                        format!("forbid ({head}) when {{ {when} }};"),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// A layer that must allow: `forbid unless any Allow applies`, plus its
    /// `Deny` statements.
    fn gate(&mut self, names: &[String], scope: &str) -> Result<(), Untranslatable> {
        let mut allows = Vec::new();
        for name in names {
            let Some(policy) = self.store.policies.get(name) else {
                return refuse(format!("policy `{name}` is not in the store"));
            };
            for (i, statement) in policy.statements.iter().enumerate() {
                let place = format!("{name}.Statement[{i}]");
                let Some((_, when)) = self.body(statement, &place, false)? else {
                    continue;
                };
                match statement.effect {
                    Effect::Allow => allows.push(format!("({when})")),
                    Effect::Deny => {
                        let (action, when) = match self.body(statement, &place, true)? {
                            Some(x) => x,
                            None => continue,
                        };
                        let when = if action.starts_with('!') {
                            format!("{action} && {when}")
                        } else {
                            when
                        };
                        self.add(
                            Some(scope),
                            "deny",
                            format!(
                                "forbid (principal in {scope}, {}, resource) when {{ {when} }};",
                                Self::scope_action(&action)
                            ),
                        )?;
                    }
                }
            }
        }
        let unless = if allows.is_empty() {
            "false".to_owned()
        } else {
            allows.join(" || ")
        };
        self.add(
            Some(scope),
            "gate",
            format!("forbid (principal in {scope}, action, resource) unless {{ {unless} }};"),
        )
    }

    /// Resource policies: their denies, and the cross-account gate.
    fn resource_policies(&mut self) -> Result<(), Untranslatable> {
        let mut names: BTreeSet<&String> = BTreeSet::new();
        for entry in self.store.resources.values() {
            names.extend(entry.policies.iter());
        }
        let mut allows = Vec::new();
        for name in names {
            let Some(policy) = self.store.policies.get(name) else {
                return refuse(format!("policy `{name}` is not in the store"));
            };
            for (i, statement) in policy.statements.iter().enumerate() {
                let place = format!("{name}.Statement[{i}]");
                let Some(clause) = &statement.principal else {
                    return refuse(format!(
                        "{place}: a resource policy statement without `Principal`"
                    ));
                };
                if clause.polarity == Polarity::Not {
                    return refuse(format!("{place}: `NotPrincipal`"));
                }
                let accounts: Vec<String> = match &clause.principals {
                    Principals::Any => return refuse(format!("{place}: `Principal: *`")),
                    Principals::Map(map) => {
                        let mut out = Vec::new();
                        for (kind, values) in map {
                            for v in values {
                                let account = v
                                    .strip_prefix("arn:aws:iam::")
                                    .and_then(|r| r.strip_suffix(":root"))
                                    .unwrap_or(v);
                                if *kind != PrincipalKind::Aws
                                    || account.len() != 12
                                    || !account.chars().all(|c| c.is_ascii_digit())
                                {
                                    return refuse(format!(
                                        "{place}: principal `{v}` (only whole accounts)"
                                    ));
                                }
                                out.push(format!("principal.account == {}", lit(account)));
                            }
                        }
                        out
                    }
                };
                let Some((action, when)) = self.body(statement, &place, false)? else {
                    continue;
                };
                let _ = action;
                let applies = format!(
                    "resource in {} && ({}) && {when}",
                    uid("ResPolicy", name),
                    accounts.join(" || ")
                );
                match statement.effect {
                    Effect::Allow => allows.push(format!("({applies})")),
                    Effect::Deny => {
                        self.add(
                            None,
                            "deny",
                            format!("forbid (principal, action, resource) when {{ {applies} }};"),
                        )?;
                    }
                }
            }
        }
        let unless = if allows.is_empty() {
            "false".to_owned()
        } else {
            allows.join(" || ")
        };
        self.add(
            None,
            "gate",
            format!(
                "forbid (principal, action, resource) when {{ resource has account && principal.account != resource.account }} unless {{ {unless} }};"
            ),
        )
    }
}

fn tags_expr(tags: &[(String, String)]) -> RestrictedExpression {
    RestrictedExpression::new_record(tags.iter().map(|(k, v)| {
        (
            k.to_lowercase(),
            RestrictedExpression::new_string(v.clone()),
        )
    }))
    .unwrap_or_else(|_| RestrictedExpression::new_string(String::new()))
}

impl CedarPeer {
    /// Translates a store for the given requests (their actions are the
    /// universe action patterns expand over; their principals and resources
    /// become entities).
    ///
    /// # Errors
    ///
    /// [`Untranslatable`] naming the first construct Cedar cannot express.
    pub fn new(store: &Store, requests: &[Request]) -> Result<CedarPeer, Untranslatable> {
        if store.accounts.values().any(|a| !a.rcps.is_empty()) {
            return refuse("resource control policies".to_owned());
        }
        let mut actions: BTreeSet<String> =
            requests.iter().map(|r| r.action.to_lowercase()).collect();
        for policy in store.policies.values() {
            for s in &policy.statements {
                for p in &s.action.patterns {
                    if !p.contains(['*', '?']) {
                        actions.insert(p.to_lowercase());
                    }
                }
            }
        }
        let mut key_kinds: HashMap<String, KeyKind> = SET_KEYS
            .iter()
            .map(|k| ((*k).to_owned(), KeyKind::Set))
            .collect();
        for policy in store.policies.values() {
            for s in &policy.statements {
                for c in &s.conditions {
                    use BaseOperator as B;
                    let kind = match c.operator.base {
                        B::DateEquals
                        | B::DateNotEquals
                        | B::DateLessThan
                        | B::DateLessThanEquals
                        | B::DateGreaterThan
                        | B::DateGreaterThanEquals => KeyKind::Date,
                        B::IpAddress | B::NotIpAddress => KeyKind::Ip,
                        _ => continue,
                    };
                    key_kinds.insert(c.key.to_lowercase(), kind);
                }
            }
        }
        let mut t = Translator {
            store,
            actions: actions.into_iter().collect(),
            key_kinds,
            next: 0,
            global: Vec::new(),
            scoped: HashMap::new(),
            groups: BTreeMap::new(),
        };
        let mut identity: BTreeSet<&String> = BTreeSet::new();
        let mut boundaries: BTreeSet<&String> = BTreeSet::new();
        for entry in store.principals.values() {
            identity.extend(entry.policies.iter());
            boundaries.extend(entry.boundary.iter());
        }
        for name in identity {
            t.statements(name, &uid("IdPolicy", name))?;
        }
        for name in boundaries {
            t.gate(std::slice::from_ref(name), &uid("Boundary", name))?;
        }
        for (id, entry) in &store.accounts {
            for level in &entry.scps {
                t.gate(level, &uid("Account", id))?;
            }
        }
        t.resource_policies()?;

        // Entities for every principal and resource in the store or the requests.
        let mut principals: BTreeMap<&str, ()> =
            store.principals.keys().map(|k| (k.as_str(), ())).collect();
        let mut resources: BTreeMap<&str, ()> =
            store.resources.keys().map(|k| (k.as_str(), ())).collect();
        for r in requests {
            if r.session_policy.is_some() {
                return refuse("session policies".to_owned());
            }
            if !r.principal.contains(":iam::") {
                return refuse(format!(
                    "principal `{}` (IAM users and roles only)",
                    r.principal
                ));
            }
            principals.insert(&r.principal, ());
            resources.insert(&r.resource, ());
        }
        let mut entities = Vec::with_capacity(principals.len() + resources.len());
        // Actions, each a member of the groups that list it.
        let mut action_parents: HashMap<&str, HashSet<EntityUid>> = HashMap::new();
        for (members, group) in &t.groups {
            let group_uid = parse_uid("Action", group)?;
            entities.push(Entity::new_no_attrs(group_uid.clone(), HashSet::new()));
            for a in members {
                action_parents
                    .entry(a.as_str())
                    .or_default()
                    .insert(group_uid.clone());
            }
        }
        for a in &t.actions {
            let parents = action_parents.remove(a.as_str()).unwrap_or_default();
            entities.push(Entity::new_no_attrs(parse_uid("Action", a)?, parents));
        }
        for arn in principals.keys() {
            let entry = store.principals.get(*arn);
            let mut parents = HashSet::new();
            let mut attrs = HashMap::new();
            attrs.insert(
                "arn".to_owned(),
                RestrictedExpression::new_string((*arn).to_owned()),
            );
            if let Some(account) = account_of_arn(arn) {
                attrs.insert(
                    "account".to_owned(),
                    RestrictedExpression::new_string(account.to_owned()),
                );
                parents.insert(parse_uid("Account", account)?);
            }
            attrs.insert(
                "tags".to_owned(),
                tags_expr(entry.map(|e| e.tags.as_slice()).unwrap_or(&[])),
            );
            if let Some(entry) = entry {
                for p in &entry.policies {
                    parents.insert(parse_uid("IdPolicy", p)?);
                }
                if let Some(b) = &entry.boundary {
                    parents.insert(parse_uid("Boundary", b)?);
                }
            }
            let entity = Entity::new(parse_uid("Principal", arn)?, attrs, parents)
                .map_err(|e| Untranslatable(format!("principal `{arn}`: {e}")))?;
            entities.push(entity);
        }
        for arn in resources.keys() {
            let entry = store.resources.get(*arn);
            let mut parents = HashSet::new();
            let mut attrs = HashMap::new();
            attrs.insert(
                "arn".to_owned(),
                RestrictedExpression::new_string((*arn).to_owned()),
            );
            let account = entry
                .and_then(|e| e.account.clone())
                .or_else(|| account_of_arn(arn).map(str::to_owned));
            if let Some(account) = account {
                attrs.insert(
                    "account".to_owned(),
                    RestrictedExpression::new_string(account),
                );
            }
            attrs.insert(
                "tags".to_owned(),
                tags_expr(entry.map(|e| e.tags.as_slice()).unwrap_or(&[])),
            );
            if let Some(entry) = entry {
                for p in &entry.policies {
                    parents.insert(parse_uid("ResPolicy", p)?);
                }
            }
            let entity = Entity::new(parse_uid("Resource", arn)?, attrs, parents)
                .map_err(|e| Untranslatable(format!("resource `{arn}`: {e}")))?;
            entities.push(entity);
        }
        let entities = Entities::from_entities(entities, None)
            .map_err(|e| Untranslatable(format!("entities: {e}")))?;
        let policy_count = t.global.len() + t.scoped.values().map(Vec::len).sum::<usize>();
        Ok(CedarPeer {
            global: t.global,
            scoped: t.scoped,
            entities,
            key_kinds: t.key_kinds,
            authorizer: Authorizer::new(),
            policy_count,
        })
    }

    fn context(&self, request: &Request) -> Result<Context, Untranslatable> {
        let mut pairs = Vec::with_capacity(request.context.len());
        for (key, values) in &request.context {
            if values.is_empty() {
                continue;
            }
            let key = key.to_lowercase();
            let kind = self.key_kinds.get(&key).copied().unwrap_or(KeyKind::Text);
            let value = match (kind, values.as_slice()) {
                (KeyKind::Set, _) => RestrictedExpression::new_set(
                    values
                        .iter()
                        .map(|v| RestrictedExpression::new_string(v.clone())),
                ),
                (KeyKind::Text, [one]) => RestrictedExpression::new_string(one.clone()),
                (KeyKind::Date, [one]) => RestrictedExpression::new_datetime(one),
                (KeyKind::Ip, [one]) => RestrictedExpression::new_ip(one),
                _ => return refuse(format!("several values for the single-valued key `{key}`")),
            };
            pairs.push((key, value));
        }
        Context::from_pairs(pairs).map_err(|e| Untranslatable(format!("context: {e}")))
    }

    /// The policy set for one principal: the global policies and those
    /// scoped to its groups (Cedar's recommended "policy slicing"; with every
    /// tenant's inline policy in one set, each check would walk them all).
    fn slice(&self, store: &Store, principal: &str) -> Result<PolicySet, Untranslatable> {
        let mut set = PolicySet::new();
        let mut add = |p: &CedarPolicy| {
            set.add(p.clone())
                .map_err(|e| Untranslatable(format!("policy set: {e}")))
        };
        for p in &self.global {
            add(p)?;
        }
        let mut scopes = Vec::new();
        if let Some(account) = account_of_arn(principal) {
            scopes.push(uid("Account", account));
        }
        if let Some(entry) = store.principals.get(principal) {
            scopes.extend(entry.policies.iter().map(|p| uid("IdPolicy", p)));
            scopes.extend(entry.boundary.iter().map(|b| uid("Boundary", b)));
        }
        for scope in scopes {
            for p in self.scoped.get(&scope).map(Vec::as_slice).unwrap_or(&[]) {
                add(p)?;
            }
        }
        Ok(set)
    }

    /// Translates requests, each with its principal's policy set.
    ///
    /// # Errors
    ///
    /// [`Untranslatable`] for a request Cedar cannot take.
    pub fn prepare(
        &self,
        store: &Store,
        requests: &[Request],
    ) -> Result<PreparedRequests, Untranslatable> {
        let mut sets = Vec::new();
        let mut by_principal: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::with_capacity(requests.len());
        for r in requests {
            let set = match by_principal.get(r.principal.as_str()) {
                Some(i) => *i,
                None => {
                    sets.push(self.slice(store, &r.principal)?);
                    let i = sets.len() - 1;
                    by_principal.insert(&r.principal, i);
                    i
                }
            };
            let request = CedarRequest::new(
                parse_uid("Principal", &r.principal)?,
                parse_uid("Action", &r.action.to_lowercase())?,
                parse_uid("Resource", &r.resource)?,
                self.context(r)?,
                None,
            )
            .map_err(|e| Untranslatable(format!("request: {e}")))?;
            out.push(Prepared { request, set });
        }
        Ok(PreparedRequests {
            requests: out,
            sets,
        })
    }

    /// The decision for a prepared request, and whether Cedar reported
    /// evaluation errors (a translation bug if so).
    pub fn check_with_errors(
        &self,
        prepared: &PreparedRequests,
        request: &Prepared,
    ) -> (Outcome, usize) {
        let Some(set) = prepared.sets.get(request.set) else {
            return (Outcome::ImplicitDeny, 1);
        };
        let response = self
            .authorizer
            .is_authorized(&request.request, set, &self.entities);
        let errors = response.diagnostics().errors().count();
        let outcome = match response.decision() {
            Decision::Allow => Outcome::Allow,
            Decision::Deny => {
                if response
                    .diagnostics()
                    .reason()
                    .any(|id| id.to_string().starts_with("deny-"))
                {
                    Outcome::ExplicitDeny
                } else {
                    Outcome::ImplicitDeny
                }
            }
        };
        (outcome, errors)
    }

    /// The decision for a prepared request.
    pub fn check(&self, prepared: &PreparedRequests, request: &Prepared) -> Outcome {
        self.check_with_errors(prepared, request).0
    }
}
