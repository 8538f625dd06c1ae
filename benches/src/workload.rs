//! What the seeded workloads share: the choice of workload, its parameters,
//! helpers that build policy trees directly (no JSON text in between, so a
//! million-tenant store is cheap to make), and the writers `sesame bench-gen`
//! uses to put a store and its requests on disk.
//!
//! - [`crate::w1`]: one tenant, about fifty statements over ten policies;
//! - [`crate::w2`]: a fleet of tenants sharing managed-style policies;
//! - [`crate::w3`]: every AWS managed policy in `shared/corpus/aws-managed/`.
//!
//! Every generator takes a seed and returns the same store and requests for
//! it on every platform ([`crate::prng::Rng`]).

use std::fmt;
use std::io::{self, Write};

use sesame_spec::model::{
    ActionClause, BaseOperator, Condition, Effect, Operator, Polarity, Policy, PrincipalClause,
    PrincipalKind, Principals, ResourceClause, SetQualifier, Statement, Version,
};
use sesame_spec::store::PrincipalEntry;
use sesame_spec::{ReadError, Request, Store};

/// The platform account every workload's tenants live in.
pub const PLATFORM: &str = "111122223333";

/// Which workload to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One tenant ([`crate::w1`]).
    W1,
    /// A fleet of tenants ([`crate::w2`]).
    W2,
    /// The AWS managed policies ([`crate::w3`]).
    W3,
}

impl Kind {
    /// The workload a name (`w1`, `w2`, `w3`, any case) stands for.
    pub fn from_name(name: &str) -> Option<Kind> {
        match name.to_ascii_lowercase().as_str() {
            "w1" => Some(Kind::W1),
            "w2" => Some(Kind::W2),
            "w3" => Some(Kind::W3),
            _ => None,
        }
    }
}

/// The knobs of a generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// The seed.
    pub seed: u64,
    /// How many requests to generate.
    pub requests: usize,
    /// How many tenants (W2 only).
    pub tenants: usize,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            seed: 1,
            requests: 10_000,
            tenants: 1_000,
        }
    }
}

/// Why a workload could not be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkloadError {
    /// The data the workload needs is absent (W3 without the corpus); the
    /// message says what is missing.
    Skipped(String),
    /// The data is there but could not be read.
    Read(ReadError),
    /// The parameters make no workload (zero tenants).
    Params(String),
}

impl fmt::Display for WorkloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkloadError::Skipped(why) => write!(f, "skipped: {why}"),
            WorkloadError::Read(e) => write!(f, "{e}"),
            WorkloadError::Params(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for WorkloadError {}

impl From<ReadError> for WorkloadError {
    fn from(e: ReadError) -> WorkloadError {
        WorkloadError::Read(e)
    }
}

/// Generates a workload.
///
/// # Errors
///
/// [`WorkloadError::Skipped`] for W3 without the corpus, and the errors of
/// each generator.
pub fn generate(kind: Kind, params: &Params) -> Result<(Store, Vec<Request>), WorkloadError> {
    match kind {
        Kind::W1 => Ok(crate::w1::generate(params.seed, params.requests)),
        Kind::W2 => crate::w2::generate(params.tenants, params.seed, params.requests),
        Kind::W3 => crate::w3::generate(params.seed, params.requests),
    }
}

// ---------------------------------------------------------------------------
// Building policy trees
// ---------------------------------------------------------------------------

/// A policy under `2012-10-17` with these statements.
pub(crate) fn policy(statements: Vec<Statement>) -> Policy {
    Policy {
        version: Version::V2012_10_17,
        id: None,
        statements,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// An `Allow` statement.
pub(crate) fn allow(
    sid: &str,
    actions: &[&str],
    resources: &[&str],
    conditions: Vec<Condition>,
) -> Statement {
    statement(Effect::Allow, sid, actions, resources, conditions)
}

/// A `Deny` statement.
pub(crate) fn deny(
    sid: &str,
    actions: &[&str],
    resources: &[&str],
    conditions: Vec<Condition>,
) -> Statement {
    statement(Effect::Deny, sid, actions, resources, conditions)
}

fn statement(
    effect: Effect,
    sid: &str,
    actions: &[&str],
    resources: &[&str],
    conditions: Vec<Condition>,
) -> Statement {
    Statement {
        sid: (!sid.is_empty()).then(|| sid.to_owned()),
        effect,
        principal: None,
        action: ActionClause {
            polarity: Polarity::Is,
            patterns: strings(actions),
        },
        resource: Some(ResourceClause {
            polarity: Polarity::Is,
            patterns: strings(resources),
        }),
        conditions,
    }
}

/// The same statement with `"Principal": {"AWS": [...]}`.
pub(crate) fn with_aws_principals(mut statement: Statement, principals: &[&str]) -> Statement {
    statement.principal = Some(PrincipalClause {
        polarity: Polarity::Is,
        principals: Principals::Map(vec![(PrincipalKind::Aws, strings(principals))]),
    });
    statement
}

/// A condition with no set qualifier.
pub(crate) fn cond(base: BaseOperator, key: &str, values: &[&str]) -> Condition {
    Condition {
        operator: Operator {
            qualifier: None,
            base,
            if_exists: false,
        },
        key: key.to_owned(),
        values: strings(values),
    }
}

/// A `ForAllValues:` condition.
pub(crate) fn for_all(base: BaseOperator, key: &str, values: &[&str]) -> Condition {
    Condition {
        operator: Operator {
            qualifier: Some(SetQualifier::ForAllValues),
            base,
            if_exists: false,
        },
        key: key.to_owned(),
        values: strings(values),
    }
}

/// A principal entry with identity policies and tags.
pub(crate) fn principal_entry(
    policies: Vec<String>,
    boundary: Option<&str>,
    tags: &[(&str, &str)],
) -> PrincipalEntry {
    PrincipalEntry {
        policies,
        boundary: boundary.map(str::to_owned),
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// A request with a context.
pub(crate) fn request(
    principal: &str,
    action: &str,
    resource: &str,
    context: Vec<(String, Vec<String>)>,
) -> Request {
    Request {
        principal: principal.to_owned(),
        action: action.to_owned(),
        resource: resource.to_owned(),
        context,
        session_policy: None,
    }
}

/// One context entry with one value.
pub(crate) fn one(key: &str, value: impl Into<String>) -> (String, Vec<String>) {
    (key.to_owned(), vec![value.into()])
}

/// A random instant in one of `years` years from `first_year`, as
/// `aws:CurrentTime` carries it.
pub(crate) fn time(rng: &mut crate::prng::Rng, first_year: u32, years: usize) -> String {
    let year = first_year + rng.below(years.max(1)) as u32;
    let month = 1 + rng.below(12);
    format!(
        "{year:04}-{month:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

// ---------------------------------------------------------------------------
// Writing a store and requests
// ---------------------------------------------------------------------------

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\""))
}

fn string_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// One policy document as compact JSON text, elements in the order AWS's
/// documentation writes them; condition operators in the order they first
/// appear (the reader gives back the same tree when each operator's
/// conditions are adjacent, as every generator writes them).
pub fn policy_json(policy: &Policy) -> String {
    let mut out = String::from("{");
    match policy.version {
        Version::V2012_10_17 => out.push_str("\"Version\": \"2012-10-17\", "),
        Version::V2008_10_17 => out.push_str("\"Version\": \"2008-10-17\", "),
        Version::Absent => {}
    }
    if let Some(id) = &policy.id {
        out.push_str(&format!("\"Id\": {}, ", quoted(id)));
    }
    out.push_str("\"Statement\": [");
    for (i, statement) in policy.statements.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&statement_json(statement));
    }
    out.push_str("]}");
    out
}

fn polarity_name(polarity: Polarity, name: &str) -> String {
    match polarity {
        Polarity::Is => name.to_owned(),
        Polarity::Not => format!("Not{name}"),
    }
}

fn statement_json(statement: &Statement) -> String {
    let mut parts = Vec::new();
    if let Some(sid) = &statement.sid {
        parts.push(format!("\"Sid\": {}", quoted(sid)));
    }
    parts.push(format!("\"Effect\": \"{}\"", statement.effect));
    if let Some(principal) = &statement.principal {
        let value = match &principal.principals {
            Principals::Any => "\"*\"".to_owned(),
            Principals::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|(kind, values)| {
                        format!("{}: {}", quoted(kind.as_str()), string_list(values))
                    })
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        };
        parts.push(format!(
            "{}: {value}",
            quoted(&polarity_name(principal.polarity, "Principal"))
        ));
    }
    parts.push(format!(
        "{}: {}",
        quoted(&polarity_name(statement.action.polarity, "Action")),
        string_list(&statement.action.patterns)
    ));
    if let Some(resource) = &statement.resource {
        parts.push(format!(
            "{}: {}",
            quoted(&polarity_name(resource.polarity, "Resource")),
            string_list(&resource.patterns)
        ));
    }
    if !statement.conditions.is_empty() {
        // Group by operator, in first-appearance order.
        let mut groups: Vec<(Operator, Vec<&Condition>)> = Vec::new();
        for condition in &statement.conditions {
            match groups.iter_mut().find(|(op, _)| *op == condition.operator) {
                Some((_, list)) => list.push(condition),
                None => groups.push((condition.operator, vec![condition])),
            }
        }
        let inner: Vec<String> = groups
            .iter()
            .map(|(op, conditions)| {
                let keys: Vec<String> = conditions
                    .iter()
                    .map(|c| format!("{}: {}", quoted(&c.key), string_list(&c.values)))
                    .collect();
                format!("{}: {{{}}}", quoted(&op.to_string()), keys.join(", "))
            })
            .collect();
        parts.push(format!("\"Condition\": {{{}}}", inner.join(", ")));
    }
    format!("{{{}}}", parts.join(", "))
}

fn tags_json(tags: &[(String, String)]) -> String {
    let inner: Vec<String> = tags
        .iter()
        .map(|(k, v)| format!("{}: {}", quoted(k), quoted(v)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// Writes a store as `store.json` text: one policy, principal, resource or
/// account per line, so a million-tenant store streams out without being
/// built as one string.
///
/// # Errors
///
/// The writer's errors.
pub fn write_store<W: Write>(store: &Store, out: &mut W) -> io::Result<()> {
    out.write_all(b"{\n  \"policies\": {")?;
    for (i, (name, policy)) in store.policies.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        write!(out, "{sep}    {}: {}", quoted(name), policy_json(policy))?;
    }
    out.write_all(b"\n  },\n  \"principals\": {")?;
    for (i, (arn, entry)) in store.principals.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        let mut fields = vec![format!("\"policies\": {}", string_list(&entry.policies))];
        if let Some(boundary) = &entry.boundary {
            fields.push(format!("\"boundary\": {}", quoted(boundary)));
        }
        if !entry.tags.is_empty() {
            fields.push(format!("\"tags\": {}", tags_json(&entry.tags)));
        }
        write!(out, "{sep}    {}: {{{}}}", quoted(arn), fields.join(", "))?;
    }
    out.write_all(b"\n  },\n  \"resources\": {")?;
    for (i, (arn, entry)) in store.resources.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        let mut fields = vec![format!("\"policies\": {}", string_list(&entry.policies))];
        if !entry.tags.is_empty() {
            fields.push(format!("\"tags\": {}", tags_json(&entry.tags)));
        }
        if let Some(account) = &entry.account {
            fields.push(format!("\"account\": {}", quoted(account)));
        }
        write!(out, "{sep}    {}: {{{}}}", quoted(arn), fields.join(", "))?;
    }
    out.write_all(b"\n  },\n  \"accounts\": {")?;
    for (i, (id, entry)) in store.accounts.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        let levels = |levels: &[Vec<String>]| {
            let inner: Vec<String> = levels.iter().map(|l| string_list(l)).collect();
            format!("[{}]", inner.join(", "))
        };
        write!(
            out,
            "{sep}    {}: {{\"scps\": {}, \"rcps\": {}}}",
            quoted(id),
            levels(&entry.scps),
            levels(&entry.rcps)
        )?;
    }
    out.write_all(b"\n  }\n}\n")?;
    Ok(())
}

/// One request as a JSON line (no newline): a context value with one
/// element is written as a string, others as arrays (the reader makes the
/// same request of both).
pub fn request_json(request: &Request) -> String {
    let mut parts = vec![
        format!("\"principal\": {}", quoted(&request.principal)),
        format!("\"action\": {}", quoted(&request.action)),
        format!("\"resource\": {}", quoted(&request.resource)),
    ];
    if !request.context.is_empty() {
        let inner: Vec<String> = request
            .context
            .iter()
            .map(|(key, values)| match values.as_slice() {
                [single] => format!("{}: {}", quoted(key), quoted(single)),
                _ => format!("{}: {}", quoted(key), string_list(values)),
            })
            .collect();
        parts.push(format!("\"context\": {{{}}}", inner.join(", ")));
    }
    if let Some(session) = &request.session_policy {
        parts.push(format!("\"session_policy\": {}", quoted(session)));
    }
    format!("{{{}}}", parts.join(", "))
}

/// Writes requests as `requests.jsonl` text, one per line.
///
/// # Errors
///
/// The writer's errors.
pub fn write_requests<W: Write>(requests: &[Request], out: &mut W) -> io::Result<()> {
    for request in requests {
        out.write_all(request_json(request).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
