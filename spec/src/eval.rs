//! The reference evaluator: a request and a store to a [`Decision`].
//!
//! The order follows the IAM User Guide, "Policy evaluation logic" and its
//! flow chart, with the cross-account rules of "Cross-account policy
//! evaluation logic":
//!
//! 1. Gather the policies that apply: the RCP levels of the resource's
//!    account; the SCP levels of the principal's account (not for AWS service
//!    principals, which belong to no account); the resource's resource-based
//!    policies; the principal's identity policies and permissions boundary (a
//!    role session `arn:aws:sts::ID:assumed-role/R/S` takes role `R`'s); the
//!    request's session policy.
//! 2. **Explicit deny**: any applying `Deny` statement in any of them decides.
//! 3. **SCPs**: every level that is present must have an applying `Allow`
//!    (not for service-linked roles, which "SCPs do not affect"). RCP levels
//!    only deny: every level carries `RCPFullAWSAccess`, which cannot be
//!    detached, so an RCP never fails to allow.
//! 4. **Grants**, same account (the principal's account owns the resource):
//!    an identity-policy `Allow` or a resource-policy `Allow` is enough. A
//!    resource-policy `Allow` that names the user ARN or the role-session ARN
//!    itself, or `*`, is final (no boundary limits it, and no session policy
//!    limits a grant to the session or federated-user ARN; a session policy
//!    does limit a grant to a user ARN); one that names a role ARN or reaches the principal
//!    through `NotPrincipal` still has to pass the boundary and the session
//!    policy; one that names only the account delegates to the account, so it
//!    still needs the identity-policy `Allow` ("Permissions boundaries for IAM
//!    entities", "Session policies").
//!    **Cross-account**: the resource policy must allow (naming the principal
//!    in any way, the account included) *and* the identity side must allow.
//!    **AWS service principals** (`ses.amazonaws.com`) have no identity side:
//!    a resource-policy `Allow` is enough. **KMS keys and role trust
//!    policies** are the documented exception to "either side is enough": the
//!    key or trust policy must allow even within the account, and when it
//!    names only the account, the identity policies must allow too.
//! 5. A permissions boundary and a session policy, when present, must allow.
//! 6. Otherwise: allow.
//!
//! Choices where AWS is silent, each pinned by corpus cases:
//! - The root user (`arn:aws:iam::ID:root`) has an implicit identity allow.
//! - A resource whose ARN has no account (`arn:aws:s3:::bucket`) and whose
//!   store entry names none is taken to be in the principal's account.
//! - `NotPrincipal` spares a caller only when every link of its chain is
//!   listed (account and user; account, role and session), and a `Deny` with
//!   `NotPrincipal` always applies to a caller with a permissions boundary,
//!   as the IAM User Guide documents ("AWS JSON policy elements: NotPrincipal").
//! - KMS keys and role trust policies: within the account too, the key or
//!   trust policy must allow ("Policy evaluation logic").
//! - A principal must be a six-part ARN or an AWS service principal name
//!   (`*.amazonaws.com`); anything else is refused. A session policy may be
//!   given only for role sessions and federated users.

use crate::condition::condition_holds;
use crate::decision::{Decision, StatementRef};
use crate::error::ReadError;
use crate::glob::{matches_arn, matches_plain, tokens};
use crate::model::{Effect, Polarity, Policy, PrincipalKind, Principals, Statement};
use crate::request::Request;
use crate::store::{Layer, Store, check_policy_for_layer};
use crate::variables::{Lookup, substitute};

/// Who is asking, as read from the request's principal string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// An IAM user `arn:PART:iam::ACCOUNT:user/PATH/NAME`.
    User {
        /// The owning account.
        account: String,
        /// The user name (last path segment).
        name: String,
    },
    /// A role session `arn:PART:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    RoleSession {
        /// The owning account.
        account: String,
        /// The partition (`aws`, `aws-cn`, ...).
        partition: String,
        /// The role name.
        role: String,
    },
    /// The account's root user `arn:PART:iam::ACCOUNT:root`.
    Root {
        /// The account.
        account: String,
    },
    /// A federated user `arn:PART:sts::ACCOUNT:federated-user/NAME`.
    FederatedUser {
        /// The owning account.
        account: String,
    },
    /// Any other ARN (a role ARN used directly, for example).
    OtherArn {
        /// The account field of the ARN.
        account: String,
    },
    /// An AWS service principal such as `ses.amazonaws.com`.
    Service,
}

impl Caller {
    /// Reads a principal string: a six-part ARN, or an AWS service principal
    /// name (`ses.amazonaws.com`). Anything else is refused rather than
    /// guessed at (a mistyped ARN must not pass for a service).
    ///
    /// # Errors
    ///
    /// A [`ReadError`] at `principal`.
    pub fn of(principal: &str) -> Result<Caller, ReadError> {
        let parts: Vec<&str> = principal.splitn(6, ':').collect();
        let [arn, partition, service, _region, account, resource] = parts.as_slice() else {
            if !principal.starts_with("arn:") && is_service_name(principal) {
                return Ok(Caller::Service);
            }
            return Err(ReadError::new(
                "principal",
                format!(
                    "`{principal}` is neither an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`) nor an AWS service principal such as `ses.amazonaws.com`"
                ),
            ));
        };
        if *arn != "arn" {
            return Err(ReadError::new(
                "principal",
                format!("`{principal}` is not an ARN: it must start with `arn:`"),
            ));
        }
        let account = (*account).to_owned();
        Ok(match (*service, *resource) {
            ("iam", "root") => Caller::Root { account },
            ("iam", r) if r.starts_with("user/") => Caller::User {
                account,
                name: r.rsplit('/').next().unwrap_or("").to_owned(),
            },
            ("sts", r) if r.starts_with("assumed-role/") => {
                let mut segments = r.split('/');
                let role = segments.nth(1).unwrap_or("").to_owned();
                Caller::RoleSession {
                    account,
                    partition: (*partition).to_owned(),
                    role,
                }
            }
            ("sts", r) if r.starts_with("federated-user/") => Caller::FederatedUser { account },
            _ => Caller::OtherArn { account },
        })
    }

    /// The caller's account, if it has one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::User { account, .. }
            | Caller::RoleSession { account, .. }
            | Caller::Root { account }
            | Caller::FederatedUser { account }
            | Caller::OtherArn { account } => Some(account),
            Caller::Service => None,
        }
    }
}

/// The request context after the derived keys are added; keys compared
/// case-insensitively.
#[derive(Clone, Debug, Default)]
pub struct Context {
    entries: Vec<(String, Vec<String>)>,
}

impl Context {
    /// The entries, keys in the case they were given or derived in.
    pub fn entries(&self) -> &[(String, Vec<String>)] {
        &self.entries
    }

    fn add_if_missing(&mut self, key: &str, values: Vec<String>) {
        if self.values(key).is_none() {
            self.entries.push((key.to_owned(), values));
        }
    }
}

impl Lookup for Context {
    fn values(&self, key: &str) -> Option<&[String]> {
        let key = key.to_lowercase();
        self.entries
            .iter()
            .find(|(k, _)| k.to_lowercase() == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// How a statement's `Principal` names the caller, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Naming {
    /// Through the caller's account (`123456789012` or `arn:...:root`).
    Account,
    /// Through the caller's role ARN, or by not being in `NotPrincipal`.
    Broad,
    /// By the caller's own ARN (user, role session, federated user), its
    /// service name, or `*`.
    Direct,
}

/// Everything the evaluator worked out about one request.
#[derive(Clone, Debug)]
pub struct Setting<'a> {
    /// The request.
    pub request: &'a Request,
    /// Who is asking.
    pub caller: Caller,
    /// The store's entry for the caller (the role's entry for a session).
    pub principal_key: Option<String>,
    /// The resource's owning account, if known.
    pub resource_account: Option<String>,
    /// The context with derived keys.
    pub context: Context,
    /// The ARN of the caller's role, for sessions.
    pub role_arn: Option<String>,
    /// Whether the caller has a permissions boundary.
    pub has_boundary: bool,
}

/// What one statement did with the request: for `sesame explain`.
#[derive(Clone, Debug)]
pub struct StatementTrace {
    /// Which statement.
    pub statement: StatementRef,
    /// For SCPs and RCPs, the level of the organization tree (0 = root).
    pub level: Option<usize>,
    /// Its effect.
    pub effect: Effect,
    /// Whether `Action`/`NotAction` matched.
    pub action: bool,
    /// Whether `Resource`/`NotResource` matched (or was absent).
    pub resource: bool,
    /// How `Principal`/`NotPrincipal` named the caller; `None` when it did
    /// not; `Some(Direct)` for statements without a principal element.
    pub principal: Option<Naming>,
    /// Each condition with whether it held, in order.
    pub conditions: Vec<(String, bool)>,
}

impl StatementTrace {
    /// Whether the statement applies to the request.
    pub fn applies(&self) -> bool {
        self.action
            && self.resource
            && self.principal.is_some()
            && self.conditions.iter().all(|(_, held)| *held)
    }
}

/// Evaluates a request against a store.
///
/// # Errors
///
/// A [`ReadError`] when the request names a session policy the store does not
/// define or one that cannot be a session policy.
pub fn evaluate(store: &Store, request: &Request) -> Result<Decision, ReadError> {
    Ok(explain(store, request)?.decision)
}

/// The decision together with every statement considered.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Every statement of every policy that applies to the request's
    /// principal, resource and accounts, in layer order.
    pub traces: Vec<StatementTrace>,
    /// The context the conditions saw, derived keys included.
    pub context: Context,
}

/// Evaluates a request and keeps the reasoning.
///
/// # Errors
///
/// As [`evaluate`].
pub fn explain(store: &Store, request: &Request) -> Result<Explanation, ReadError> {
    let setting = setting(store, request)?;
    let groups = policy_groups(store, &setting)?;
    let mut traces = Vec::new();
    let mut levels = [0usize; 2];
    for group in &groups {
        let level = match group.layer {
            Layer::Rcp | Layer::Scp => {
                let slot = usize::from(group.layer == Layer::Scp);
                let level = levels.get(slot).copied().unwrap_or(0);
                if let Some(next) = levels.get_mut(slot) {
                    *next += 1;
                }
                Some(level)
            }
            _ => None,
        };
        for (name, policy) in &group.policies {
            for (index, statement) in policy.statements.iter().enumerate() {
                let mut t = trace(group.layer, name, policy, index, statement, &setting);
                t.level = level;
                traces.push(t);
            }
        }
    }
    let decision = decide(&groups, &traces, &setting);
    Ok(Explanation {
        decision,
        traces,
        context: setting.context,
    })
}

/// One group of policies that must allow together: an RCP or SCP level, or a
/// layer.
struct Group<'s> {
    layer: Layer,
    policies: Vec<(&'s str, &'s Policy)>,
}

fn setting<'a>(store: &Store, request: &'a Request) -> Result<Setting<'a>, ReadError> {
    let caller = Caller::of(&request.principal)?;
    let mut role_arn = None;
    let principal_key = match &caller {
        Caller::RoleSession {
            account,
            partition,
            role,
        } => {
            let plain = format!("arn:{partition}:iam::{account}:role/{role}");
            let prefix = format!("arn:{partition}:iam::{account}:role/");
            let found = if store.principals.contains_key(&plain) {
                Some(plain.clone())
            } else {
                store
                    .principals
                    .keys()
                    .find(|k| {
                        k.strip_prefix(&prefix)
                            .is_some_and(|path| path.rsplit('/').next() == Some(role.as_str()))
                    })
                    .cloned()
            };
            role_arn = Some(found.clone().unwrap_or(plain));
            found
        }
        Caller::Service => None,
        _ => store
            .principals
            .contains_key(&request.principal)
            .then(|| request.principal.clone()),
    };
    let resource_entry = store.resources.get(&request.resource);
    let arn_account = request
        .resource
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty() && request.resource.starts_with("arn:"))
        .map(str::to_owned);
    let resource_account = resource_entry
        .and_then(|e| e.account.clone())
        .or(arn_account);

    let mut context = Context {
        entries: request.context.clone(),
    };
    match &caller {
        Caller::Service => {
            context.add_if_missing("aws:PrincipalIsAWSService", vec!["true".into()]);
            context.add_if_missing("aws:PrincipalServiceName", vec![request.principal.clone()]);
        }
        other => {
            context.add_if_missing("aws:PrincipalIsAWSService", vec!["false".into()]);
            let arn = role_arn
                .clone()
                .unwrap_or_else(|| request.principal.clone());
            context.add_if_missing("aws:PrincipalArn", vec![arn]);
            if let Some(account) = other.account() {
                context.add_if_missing("aws:PrincipalAccount", vec![account.to_owned()]);
            }
            let kind = match other {
                Caller::User { .. } => Some("User"),
                Caller::RoleSession { .. } => Some("AssumedRole"),
                Caller::Root { .. } => Some("Account"),
                Caller::FederatedUser { .. } => Some("FederatedUser"),
                _ => None,
            };
            if let Some(kind) = kind {
                context.add_if_missing("aws:PrincipalType", vec![kind.to_owned()]);
            }
            if let Caller::User { name, .. } = other {
                context.add_if_missing("aws:username", vec![name.clone()]);
            }
        }
    }
    if let Some(account) = &resource_account {
        context.add_if_missing("aws:ResourceAccount", vec![account.clone()]);
    }
    if let Some(entry) = principal_key.as_ref().and_then(|k| store.principals.get(k)) {
        for (key, value) in &entry.tags {
            context.add_if_missing(&format!("aws:PrincipalTag/{key}"), vec![value.clone()]);
        }
    }
    if let Some(entry) = resource_entry {
        for (key, value) in &entry.tags {
            context.add_if_missing(&format!("aws:ResourceTag/{key}"), vec![value.clone()]);
        }
    }
    let has_boundary = principal_key
        .as_ref()
        .and_then(|k| store.principals.get(k))
        .is_some_and(|e| e.boundary.is_some());
    Ok(Setting {
        request,
        caller,
        has_boundary,
        principal_key,
        resource_account,
        context,
        role_arn,
    })
}

fn named<'s>(store: &'s Store, names: &'s [String]) -> Vec<(&'s str, &'s Policy)> {
    // Names were checked when the store was loaded.
    names
        .iter()
        .filter_map(|n| store.policies.get(n).map(|p| (n.as_str(), p)))
        .collect()
}

fn policy_groups<'s>(store: &'s Store, setting: &Setting<'_>) -> Result<Vec<Group<'s>>, ReadError> {
    let mut groups = Vec::new();
    let resource_account = setting
        .resource_account
        .as_deref()
        .or(setting.caller.account());
    if let Some(entry) = resource_account.and_then(|a| store.accounts.get(a)) {
        for level in &entry.rcps {
            groups.push(Group {
                layer: Layer::Rcp,
                policies: named(store, level),
            });
        }
    }
    if setting.caller != Caller::Service && !is_service_linked_role(setting) {
        if let Some(entry) = setting.caller.account().and_then(|a| store.accounts.get(a)) {
            for level in &entry.scps {
                groups.push(Group {
                    layer: Layer::Scp,
                    policies: named(store, level),
                });
            }
        }
    }
    if let Some(entry) = store.resources.get(&setting.request.resource) {
        groups.push(Group {
            layer: Layer::Resource,
            policies: named(store, &entry.policies),
        });
    }
    if let Some(entry) = setting
        .principal_key
        .as_ref()
        .and_then(|k| store.principals.get(k))
    {
        groups.push(Group {
            layer: Layer::Identity,
            policies: named(store, &entry.policies),
        });
        if let Some(boundary) = &entry.boundary {
            groups.push(Group {
                layer: Layer::Boundary,
                policies: named(store, std::slice::from_ref(boundary)),
            });
        }
    }
    if let Some(name) = &setting.request.session_policy {
        if !matches!(
            setting.caller,
            Caller::RoleSession { .. } | Caller::FederatedUser { .. }
        ) {
            return Err(ReadError::new(
                "session_policy",
                format!(
                    "a session policy applies only to role sessions (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`) and federated users, not to `{}`",
                    setting.request.principal
                ),
            ));
        }
        let (name, policy) = store.policies.get_key_value(name).ok_or_else(|| {
            ReadError::new(
                "session_policy",
                format!("policy `{name}` is not defined in the store"),
            )
        })?;
        check_policy_for_layer(policy, Layer::Session).map_err(|e| {
            e.within(format!("policy `{name}`"))
                .within("session_policy")
        })?;
        groups.push(Group {
            layer: Layer::Session,
            policies: vec![(name.as_str(), policy)],
        });
    }
    Ok(groups)
}

fn trace(
    layer: Layer,
    name: &str,
    policy: &Policy,
    index: usize,
    statement: &Statement,
    setting: &Setting<'_>,
) -> StatementTrace {
    let request = setting.request;
    let action_hit = statement
        .action
        .patterns
        .iter()
        .any(|p| matches_plain(&tokens(&p.to_lowercase()), &request.action.to_lowercase()));
    let action = action_hit == (statement.action.polarity == Polarity::Is);
    let resource = match &statement.resource {
        None => true,
        Some(clause) => {
            let hit = clause.patterns.iter().any(|p| {
                substitute(p, policy.version, &setting.context)
                    .is_some_and(|t| matches_arn(&t, &request.resource))
            });
            hit == (clause.polarity == Polarity::Is)
        }
    };
    let principal = match &statement.principal {
        None => Some(Naming::Direct),
        Some(clause) => match clause.polarity {
            Polarity::Is => naming(&clause.principals, setting),
            Polarity::Not => {
                let boundary_quirk = statement.effect == Effect::Deny && setting.has_boundary;
                let exempt = !boundary_quirk && not_principal_exempts(&clause.principals, setting);
                (!exempt).then_some(Naming::Broad)
            }
        },
    };
    let conditions = statement
        .conditions
        .iter()
        .map(|c| {
            (
                format!("{}: {} {:?}", c.operator, c.key, c.values),
                condition_holds(c, policy.version, &setting.context),
            )
        })
        .collect();
    StatementTrace {
        level: None,
        statement: StatementRef {
            layer,
            policy: name.to_owned(),
            index,
            sid: statement.sid.clone(),
        },
        effect: statement.effect,
        action,
        resource,
        principal,
        conditions,
    }
}

/// How the principal element names the caller (strongest naming), if at all.
fn naming(principals: &Principals, setting: &Setting<'_>) -> Option<Naming> {
    let entries: Vec<(PrincipalKind, &str)> = match principals {
        Principals::Any => vec![(PrincipalKind::Aws, "*")],
        Principals::Map(map) => map
            .iter()
            .flat_map(|(kind, values)| values.iter().map(move |v| (*kind, v.as_str())))
            .collect(),
    };
    let caller = &setting.caller;
    let own_arn = setting.request.principal.as_str();
    entries
        .into_iter()
        .filter_map(|(kind, value)| match kind {
            // "For IAM users and role principals within your account, no other
            // permissions are required" and "Permissions boundaries and
            // session policies do not limit permissions granted using ... a
            // wildcard (*) in the Principal element" (IAM User Guide,
            // "Principal"; "Policy evaluation logic").
            PrincipalKind::Aws if value == "*" => Some(Naming::Direct),
            PrincipalKind::Aws => {
                if *caller == Caller::Service {
                    None
                } else if value == own_arn {
                    Some(Naming::Direct)
                } else if setting.role_arn.as_deref() == Some(value) {
                    Some(Naming::Broad)
                } else if caller.account().is_some_and(|a| {
                    value == a || account_root(value).is_some_and(|root| root == a)
                }) {
                    Some(Naming::Account)
                } else {
                    None
                }
            }
            PrincipalKind::Service => {
                (*caller == Caller::Service && value == own_arn).then_some(Naming::Direct)
            }
            PrincipalKind::Federated | PrincipalKind::CanonicalUser => {
                (value == own_arn).then_some(Naming::Direct)
            }
        })
        .max()
}

/// Whether a `NotPrincipal` element exempts the caller: every link of the
/// caller's chain must be listed (IAM User Guide, "AWS JSON policy elements:
/// NotPrincipal": AWS checks the account, then the role, then the session, so
/// the example that spares one user lists both `user/Bob` and the account's
/// `root`). The chains: a user is its account and its user ARN; a role session
/// is its account, its role ARN and its session ARN; a federated user is its
/// account and its ARN; the root user is its account; a service is its name.
/// A bare `*` (or `"AWS": "*"`) lists everyone.
fn not_principal_exempts(principals: &Principals, setting: &Setting<'_>) -> bool {
    let listed: Vec<(PrincipalKind, &str)> = match principals {
        Principals::Any => return true,
        Principals::Map(map) => map
            .iter()
            .flat_map(|(kind, values)| values.iter().map(move |v| (*kind, v.as_str())))
            .collect(),
    };
    if listed
        .iter()
        .any(|(k, v)| *k == PrincipalKind::Aws && *v == "*")
    {
        return true;
    }
    let own = setting.request.principal.as_str();
    let aws_listed = |value: &str| {
        listed
            .iter()
            .any(|(k, v)| *k == PrincipalKind::Aws && *v == value)
    };
    let account_listed = |account: &str| {
        listed.iter().any(|(k, v)| {
            *k == PrincipalKind::Aws && (*v == account || account_root(v) == Some(account))
        })
    };
    match &setting.caller {
        Caller::Service => listed
            .iter()
            .any(|(k, v)| *k == PrincipalKind::Service && *v == own),
        Caller::Root { account } => account_listed(account),
        Caller::RoleSession { account, .. } => {
            account_listed(account)
                && setting.role_arn.as_deref().is_some_and(aws_listed)
                && aws_listed(own)
        }
        Caller::User { account, .. }
        | Caller::FederatedUser { account }
        | Caller::OtherArn { account } => account_listed(account) && aws_listed(own),
    }
}

/// Whether the resource's own policy must allow even within the account: "IAM
/// role trust policies and KMS key policies are exceptions ... they must
/// explicitly allow access for principals" (IAM User Guide, "Policy
/// evaluation logic"). KMS keys (`arn:PART:kms:REGION:ACCOUNT:key/ID`), and IAM
/// roles as the resource of an `sts:` action.
fn resource_policy_required(request: &Request) -> bool {
    let parts: Vec<&str> = request.resource.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "kms", _, _, rest] => rest.starts_with("key/"),
        ["arn", _, "iam", _, _, rest] => {
            rest.starts_with("role/") && request.action.to_lowercase().starts_with("sts:")
        }
        _ => false,
    }
}

/// Whether the caller acts through a service-linked role (a role whose path
/// is `/aws-service-role/`): "SCPs do not affect any service-linked role"
/// (AWS Organizations User Guide, "Service control policies", Effects on
/// permissions). A session ARN does not carry its role's path, so this is
/// known only for roles in the store.
fn is_service_linked_role(setting: &Setting<'_>) -> bool {
    let arn = setting
        .role_arn
        .as_deref()
        .unwrap_or(setting.request.principal.as_str());
    arn.splitn(6, ':')
        .nth(5)
        .is_some_and(|r| r.starts_with("role/aws-service-role/"))
}

/// Whether a name looks like an AWS service principal: dot-separated labels
/// of letters, digits and `-`, ending in `.amazonaws.com` (or `.com.cn` for
/// the China partition).
fn is_service_name(name: &str) -> bool {
    let known_suffix = name.ends_with(".amazonaws.com") || name.ends_with(".amazonaws.com.cn");
    known_suffix
        && name.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The account of `arn:PART:iam::ACCOUNT:root`.
fn account_root(value: &str) -> Option<&str> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] => Some(account),
        _ => None,
    }
}

fn decide(groups: &[Group<'_>], traces: &[StatementTrace], setting: &Setting<'_>) -> Decision {
    let applying = |layer: Layer, effect: Effect| -> Vec<&StatementTrace> {
        traces
            .iter()
            .filter(|t| t.statement.layer == layer && t.effect == effect && t.applies())
            .collect()
    };
    // 2. Explicit deny, anywhere.
    let mut denies: Vec<StatementRef> = Vec::new();
    for t in traces
        .iter()
        .filter(|t| t.effect == Effect::Deny && t.applies())
    {
        // A policy attached at two SCP or RCP levels is named once.
        if !denies.contains(&t.statement) {
            denies.push(t.statement.clone());
        }
    }
    if !denies.is_empty() {
        return Decision::explicit_deny(denies);
    }
    // 3. Every SCP level must allow. RCP levels only deny: "RCPFullAWSAccess
    //    can't be detached, so there will always be an Allow statement" (IAM
    //    User Guide, "Policy evaluation logic"; Organizations, "RCP syntax":
    //    Allow is supported only in RCPFullAWSAccess).
    for layer in [Layer::Scp] {
        for group in groups.iter().filter(|g| g.layer == layer) {
            let allowed = traces.iter().any(|t| {
                t.statement.layer == layer
                    && t.effect == Effect::Allow
                    && t.applies()
                    && group.policies.iter().any(|(n, _)| *n == t.statement.policy)
            });
            if !allowed {
                return Decision::implicit_deny(layer);
            }
        }
    }
    // 4. Grants.
    let resource_allows = applying(Layer::Resource, Effect::Allow);
    let identity_allows = applying(Layer::Identity, Effect::Allow);
    let grants: Vec<StatementRef> = resource_allows
        .iter()
        .chain(&identity_allows)
        .map(|t| t.statement.clone())
        .collect();
    let identity_ok = !identity_allows.is_empty() || matches!(setting.caller, Caller::Root { .. });
    let strongest = resource_allows.iter().filter_map(|t| t.principal).max();
    if setting.caller == Caller::Service {
        return if strongest.is_some() {
            Decision::allow(grants)
        } else {
            Decision::implicit_deny(Layer::Resource)
        };
    }
    let same_account = match (setting.caller.account(), &setting.resource_account) {
        (Some(p), Some(r)) => p == r,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let session_allows = || {
        !groups.iter().any(|g| g.layer == Layer::Session)
            || !applying(Layer::Session, Effect::Allow).is_empty()
    };
    if same_account && resource_policy_required(setting.request) {
        // A key or trust policy must allow; naming the account delegates to
        // the identity policies.
        match strongest {
            None => return Decision::implicit_deny(Layer::Resource),
            Some(Naming::Account) if !identity_ok => {
                return Decision::implicit_deny(Layer::Identity);
            }
            _ => {}
        }
    }
    if same_account {
        if strongest == Some(Naming::Direct) {
            // Final: no boundary limits it. A session policy still limits a
            // grant to a user ARN; only a grant to the session ARN itself is
            // beyond it ("Session policies").
            let own_session = matches!(
                setting.caller,
                Caller::RoleSession { .. } | Caller::FederatedUser { .. }
            );
            if !own_session && !session_allows() {
                return Decision::implicit_deny(Layer::Session);
            }
            return Decision::allow(grants);
        }
        if !(identity_ok || strongest == Some(Naming::Broad)) {
            return Decision::implicit_deny(Layer::Identity);
        }
    } else {
        if strongest.is_none() {
            return Decision::implicit_deny(Layer::Resource);
        }
        if !identity_ok {
            return Decision::implicit_deny(Layer::Identity);
        }
    }
    // 5. Boundary and session policy, when present.
    for layer in [Layer::Boundary, Layer::Session] {
        if groups.iter().any(|g| g.layer == layer) && applying(layer, Effect::Allow).is_empty() {
            return Decision::implicit_deny(layer);
        }
    }
    Decision::allow(grants)
}
