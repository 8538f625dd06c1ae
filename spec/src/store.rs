//! The policy store (`store.json`): which policy is attached where.
//!
//! ```json
//! {
//!   "policies":   { "TenantSend": { "Version": "2012-10-17", "Statement": [] },
//!                   "Shared": "policies/shared.json" },
//!   "principals": { "arn:aws:iam::111122223333:user/tenant-a":
//!                     { "policies": ["TenantSend", "Shared"], "boundary": "Boundary",
//!                       "tags": { "team": "mail" } } },
//!   "resources":  { "arn:aws:ses:us-east-1:111122223333:identity/example.com":
//!                     { "policies": ["SendAuth"], "tags": {}, "account": "111122223333" } },
//!   "accounts":   { "111122223333": { "scps": [["FullAccess"], ["DenyOutsideEU"]],
//!                                     "rcps": [["RcpFullAccess"]] } }
//! }
//! ```
//!
//! A policy is a document object or a path relative to the store file.
//! Policies named under `principals` are identity policies (plus the
//! permissions `boundary`), under `resources` resource policies, under
//! `accounts` SCP and RCP levels: each inner list is one level of the
//! organization tree (root, OU, ..., account). Every SCP level must allow;
//! RCP levels only deny (see [`crate::eval`]).
//! A request may name any store policy as its session policy.
//!
//! Loading checks each policy against every place it is attached:
//! identity policies, boundaries, SCPs and session policies may not have a
//! `Principal` and must have a `Resource` (IAM User Guide, "IAM JSON policy
//! elements: Principal": "You cannot use the Principal element in an
//! identity-based policy"); resource policies and RCPs must have a
//! `Principal`, and may leave out `Resource`, which then means the resource
//! the policy is attached to (as in a role trust policy).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::ReadError;
use crate::json::Json;
use crate::model::Policy;
use crate::parse::policy_from_json;

/// Where a policy is attached, which decides what it may contain and how it
/// is evaluated. Also the layers of [`crate::Decision`], in the order AWS
/// evaluates them (IAM User Guide, "Policy evaluation logic").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// Resource control policies of the resource's account.
    Rcp,
    /// Service control policies of the principal's account.
    Scp,
    /// Resource-based policies of the requested resource.
    Resource,
    /// Identity-based policies of the principal.
    Identity,
    /// The principal's permissions boundary.
    Boundary,
    /// The request's session policy.
    Session,
}

impl Layer {
    /// Every layer, in evaluation order.
    pub const ALL: [Layer; 6] = [
        Layer::Rcp,
        Layer::Scp,
        Layer::Resource,
        Layer::Identity,
        Layer::Boundary,
        Layer::Session,
    ];

    /// The lower-case name used in JSON (`"identity"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Rcp => "rcp",
            Layer::Scp => "scp",
            Layer::Resource => "resource",
            Layer::Identity => "identity",
            Layer::Boundary => "boundary",
            Layer::Session => "session",
        }
    }

    /// The layer a JSON name stands for.
    pub fn from_name(name: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Whether statements of policies in this layer name principals.
    pub fn has_principals(self) -> bool {
        matches!(self, Layer::Resource | Layer::Rcp)
    }
}

/// A loaded store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Store {
    /// Every policy by name.
    pub policies: BTreeMap<String, Policy>,
    /// IAM principals (users, roles, federated users, root) by ARN.
    pub principals: BTreeMap<String, PrincipalEntry>,
    /// Resources with policies or tags, by ARN.
    pub resources: BTreeMap<String, ResourceEntry>,
    /// Accounts with SCPs or RCPs, by 12-digit id.
    pub accounts: BTreeMap<String, AccountEntry>,
}

/// What the store attaches to one principal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrincipalEntry {
    /// Identity policies, in order.
    pub policies: Vec<String>,
    /// The permissions boundary, if any.
    pub boundary: Option<String>,
    /// Tags (`aws:PrincipalTag/...`), in order.
    pub tags: Vec<(String, String)>,
}

/// What the store attaches to one resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceEntry {
    /// Resource-based policies, in order.
    pub policies: Vec<String>,
    /// Tags (`aws:ResourceTag/...`), in order.
    pub tags: Vec<(String, String)>,
    /// The owning account, for ARNs without one (S3 buckets).
    pub account: Option<String>,
}

/// The organization policies over one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountEntry {
    /// SCP levels, root first; each level must allow.
    pub scps: Vec<Vec<String>>,
    /// RCP levels, root first; their `Deny` statements apply.
    pub rcps: Vec<Vec<String>>,
}

impl Store {
    /// Reads a store file; policy paths are relative to its folder.
    ///
    /// # Errors
    ///
    /// A [`ReadError`] naming the file and the place in it.
    pub fn from_file(path: &Path) -> Result<Store, ReadError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ReadError::new(&shown, format!("cannot read the store: {e}")))?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Store::from_json_text(&text, Some(base)).map_err(|e| e.within(shown))
    }

    /// Reads a store from its JSON text. Policies given as paths are read
    /// relative to `base`; without a base, a path is an error.
    ///
    /// # Errors
    ///
    /// A [`ReadError`] naming the place.
    pub fn from_json_text(text: &str, base: Option<&Path>) -> Result<Store, ReadError> {
        let json = Json::parse(text).map_err(|e| ReadError::new("", e.to_string()))?;
        Store::from_json(&json, base)
    }

    /// Reads a store from a JSON tree.
    ///
    /// # Errors
    ///
    /// A [`ReadError`] naming the place.
    pub fn from_json(json: &Json, base: Option<&Path>) -> Result<Store, ReadError> {
        let entries = object(json, "")?;
        let mut store = Store::default();
        for (key, value) in entries {
            match key.as_str() {
                "policies" => {
                    for (name, policy) in object(value, "policies")? {
                        let place = format!("policies.{name}");
                        let policy = load_policy(policy, base).map_err(|e| e.within(place))?;
                        store.policies.insert(name.clone(), policy);
                    }
                }
                "principals" => {
                    for (arn, entry) in object(value, "principals")? {
                        let place = format!("principals.{arn}");
                        store
                            .principals
                            .insert(arn.clone(), principal_entry(entry, &place)?);
                    }
                }
                "resources" => {
                    for (arn, entry) in object(value, "resources")? {
                        let place = format!("resources.{arn}");
                        store
                            .resources
                            .insert(arn.clone(), resource_entry(entry, &place)?);
                    }
                }
                "accounts" => {
                    for (id, entry) in object(value, "accounts")? {
                        let place = format!("accounts.{id}");
                        store
                            .accounts
                            .insert(id.clone(), account_entry(entry, &place)?);
                    }
                }
                other => {
                    return Err(ReadError::new(
                        other,
                        format!(
                            "unknown store section `{other}`; expected `policies`, `principals`, `resources` or `accounts`"
                        ),
                    ));
                }
            }
        }
        store.check_attachments()?;
        Ok(store)
    }

    /// Every (place, policy name, layer) the store attaches.
    fn attachments(&self) -> Vec<(String, &str, Layer)> {
        let mut out = Vec::new();
        for (arn, entry) in &self.principals {
            for (i, name) in entry.policies.iter().enumerate() {
                out.push((
                    format!("principals.{arn}.policies[{i}]"),
                    name.as_str(),
                    Layer::Identity,
                ));
            }
            if let Some(name) = &entry.boundary {
                out.push((
                    format!("principals.{arn}.boundary"),
                    name.as_str(),
                    Layer::Boundary,
                ));
            }
        }
        for (arn, entry) in &self.resources {
            for (i, name) in entry.policies.iter().enumerate() {
                out.push((
                    format!("resources.{arn}.policies[{i}]"),
                    name.as_str(),
                    Layer::Resource,
                ));
            }
        }
        for (id, entry) in &self.accounts {
            for (kind, levels, layer) in [
                ("scps", &entry.scps, Layer::Scp),
                ("rcps", &entry.rcps, Layer::Rcp),
            ] {
                for (l, level) in levels.iter().enumerate() {
                    for (i, name) in level.iter().enumerate() {
                        out.push((
                            format!("accounts.{id}.{kind}[{l}][{i}]"),
                            name.as_str(),
                            layer,
                        ));
                    }
                }
            }
        }
        out
    }

    fn check_attachments(&self) -> Result<(), ReadError> {
        for (place, name, layer) in self.attachments() {
            let policy = self.policies.get(name).ok_or_else(|| {
                ReadError::new(
                    &place,
                    format!("policy `{name}` is not defined under `policies`"),
                )
            })?;
            check_policy_for_layer(policy, layer)
                .map_err(|e| e.within(format!("policy `{name}`")).within(place))?;
        }
        for (arn, entry) in &self.principals {
            if let Some(dup) = first_duplicate(&entry.policies) {
                return Err(ReadError::new(
                    &format!("principals.{arn}.policies"),
                    format!("policy `{dup}` is attached twice"),
                ));
            }
        }
        for (arn, entry) in &self.resources {
            if let Some(dup) = first_duplicate(&entry.policies) {
                return Err(ReadError::new(
                    &format!("resources.{arn}.policies"),
                    format!("policy `{dup}` is attached twice"),
                ));
            }
        }
        Ok(())
    }
}

fn first_duplicate(names: &[String]) -> Option<&str> {
    names
        .iter()
        .enumerate()
        .find(|(i, n)| names.iter().take(*i).any(|m| m == *n))
        .map(|(_, n)| n.as_str())
}

/// Checks that a policy may be used in a layer (see the module docs).
///
/// # Errors
///
/// A [`ReadError`] naming the statement.
pub fn check_policy_for_layer(policy: &Policy, layer: Layer) -> Result<(), ReadError> {
    for (i, statement) in policy.statements.iter().enumerate() {
        let place = format!("Statement[{i}]");
        if layer.has_principals() {
            if statement.principal.is_none() {
                return Err(ReadError::new(
                    &place,
                    format!(
                        "a statement in {} needs a `Principal` or `NotPrincipal`",
                        with_article(layer)
                    ),
                ));
            }
        } else {
            if statement.principal.is_some() {
                return Err(ReadError::new(
                    &place,
                    format!(
                        "{} cannot have a `Principal` or `NotPrincipal` element",
                        with_article(layer)
                    ),
                ));
            }
            if statement.resource.is_none() {
                return Err(ReadError::new(
                    &place,
                    format!(
                        "a statement in {} needs a `Resource` or `NotResource`",
                        with_article(layer)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The noun for a layer's policies, as AWS's messages use it.
pub fn layer_noun(layer: Layer) -> &'static str {
    match layer {
        Layer::Rcp => "resource control policy",
        Layer::Scp => "service control policy",
        Layer::Resource => "resource-based policy",
        Layer::Identity => "identity-based policy",
        Layer::Boundary => "permissions boundary",
        Layer::Session => "session policy",
    }
}

/// The noun with its article: `an identity-based policy`.
pub fn with_article(layer: Layer) -> &'static str {
    match layer {
        Layer::Rcp => "a resource control policy",
        Layer::Scp => "a service control policy",
        Layer::Resource => "a resource-based policy",
        Layer::Identity => "an identity-based policy",
        Layer::Boundary => "a permissions boundary",
        Layer::Session => "a session policy",
    }
}

fn load_policy(value: &Json, base: Option<&Path>) -> Result<Policy, ReadError> {
    match value {
        Json::Object(_) => policy_from_json(value),
        Json::String(relative) => {
            let Some(base) = base else {
                return Err(ReadError::new(
                    "",
                    format!(
                        "policy path `{relative}` cannot be resolved: this store has no folder"
                    ),
                ));
            };
            let path = base.join(relative);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ReadError::new("", format!("cannot read policy file `{relative}`: {e}"))
            })?;
            crate::parse::parse_policy(&text).map_err(|e| e.within(relative.clone()))
        }
        other => Err(ReadError::new(
            "",
            format!(
                "a policy must be a document object or a path, found {}",
                other.type_name()
            ),
        )),
    }
}

fn object<'a>(value: &'a Json, place: &str) -> Result<&'a [(String, Json)], ReadError> {
    match value {
        Json::Object(entries) => Ok(entries),
        other => Err(ReadError::new(
            place,
            format!("expected an object, found {}", other.type_name()),
        )),
    }
}

fn string(value: &Json, place: &str) -> Result<String, ReadError> {
    match value {
        Json::String(s) => Ok(s.clone()),
        other => Err(ReadError::new(
            place,
            format!("expected a string, found {}", other.type_name()),
        )),
    }
}

fn names(value: &Json, place: &str) -> Result<Vec<String>, ReadError> {
    match value {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string(item, &format!("{place}[{i}]")))
            .collect(),
        other => Err(ReadError::new(
            place,
            format!(
                "expected an array of policy names, found {}",
                other.type_name()
            ),
        )),
    }
}

fn levels(value: &Json, place: &str) -> Result<Vec<Vec<String>>, ReadError> {
    match value {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| names(item, &format!("{place}[{i}]")))
            .collect(),
        other => Err(ReadError::new(
            place,
            format!(
                "expected an array of levels, each an array of policy names, found {}",
                other.type_name()
            ),
        )),
    }
}

fn tags(value: &Json, place: &str) -> Result<Vec<(String, String)>, ReadError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (key, value) in object(value, place)? {
        let at = format!("{place}.{key}");
        if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(ReadError::new(
                &at,
                format!("tag `{key}` is given twice (tag keys are case-insensitive in conditions)"),
            ));
        }
        out.push((key.clone(), string(value, &at)?));
    }
    Ok(out)
}

fn principal_entry(value: &Json, place: &str) -> Result<PrincipalEntry, ReadError> {
    let mut entry = PrincipalEntry::default();
    for (key, value) in object(value, place)? {
        let at = format!("{place}.{key}");
        match key.as_str() {
            "policies" => entry.policies = names(value, &at)?,
            "boundary" => entry.boundary = Some(string(value, &at)?),
            "tags" => entry.tags = tags(value, &at)?,
            other => {
                return Err(ReadError::new(
                    &at,
                    format!(
                        "unknown principal field `{other}`; expected `policies`, `boundary` or `tags`"
                    ),
                ));
            }
        }
    }
    Ok(entry)
}

fn resource_entry(value: &Json, place: &str) -> Result<ResourceEntry, ReadError> {
    let mut entry = ResourceEntry::default();
    for (key, value) in object(value, place)? {
        let at = format!("{place}.{key}");
        match key.as_str() {
            "policies" => entry.policies = names(value, &at)?,
            "tags" => entry.tags = tags(value, &at)?,
            "account" => entry.account = Some(string(value, &at)?),
            other => {
                return Err(ReadError::new(
                    &at,
                    format!(
                        "unknown resource field `{other}`; expected `policies`, `tags` or `account`"
                    ),
                ));
            }
        }
    }
    Ok(entry)
}

fn account_entry(value: &Json, place: &str) -> Result<AccountEntry, ReadError> {
    let mut entry = AccountEntry::default();
    for (key, value) in object(value, place)? {
        let at = format!("{place}.{key}");
        match key.as_str() {
            "scps" => entry.scps = levels(value, &at)?,
            "rcps" => entry.rcps = levels(value, &at)?,
            other => {
                return Err(ReadError::new(
                    &at,
                    format!("unknown account field `{other}`; expected `scps` or `rcps`"),
                ));
            }
        }
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_policy_is_named() {
        let err = Store::from_json_text(
            r#"{"principals":{"arn:aws:iam::1:user/a":{"policies":["Nope"]}}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "principals.arn:aws:iam::1:user/a.policies[0]: policy `Nope` is not defined under `policies`"
        );
    }

    #[test]
    fn principal_in_identity_policy_is_refused() {
        let err = Store::from_json_text(
            r#"{"policies":{"P":{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}},
                "principals":{"arn:aws:iam::1:user/a":{"policies":["P"]}}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "principals.arn:aws:iam::1:user/a.policies[0]: policy `P`: Statement[0]: an identity-based policy cannot have a `Principal` or `NotPrincipal` element"
        );
    }
}
