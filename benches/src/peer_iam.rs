//! `iam-rs` (crates.io), an embeddable IAM policy evaluator, as a peer.
//!
//! `iam-rs` evaluates a list of policies for one request (explicit deny,
//! then allow, else not applicable); it knows no store, layers or accounts.
//! The glue here is what a sender embedding it would write: each store
//! policy parsed once into its own evaluator, and per request the layers
//! combined as the spec does for the features W1 and W2 use (any `Deny`
//! decides; every SCP level and the boundary must allow; same account: an
//! identity allow; cross-account: an identity allow and a resource-policy
//! allow). The store-derived context keys (`aws:PrincipalTag/*`,
//! `aws:ResourceTag/*`, `aws:PrincipalArn`, `aws:PrincipalAccount`,
//! `aws:ResourceAccount`) are added when a request is prepared, outside the
//! timing, as a sender would pass them.
//!
//! Known gap of `iam-rs` 0.8.0: it substitutes policy variables in
//! `Resource` only, never in condition values, so
//! `"aws:ResourceTag/tenant": "${aws:PrincipalTag/tenant}"` compares the
//! tag with the literal text `${aws:PrincipalTag/tenant}`. [`as_iam_rs_reads`]
//! gives the store as iam-rs reads it (those policies under `2008-10-17`,
//! where the spec too reads `${...}` literally), and iam-rs agrees with the
//! spec on that store exactly; on the real store it denies the tag-matched
//! grants.
//!
//! Resource-policy principals: `iam-rs` matches an account id only against
//! the account's root, so resource policies are evaluated with the caller's
//! ARN and again with its account id, which is how AWS reads an account in
//! `Principal`. Requests on `*` (actions with no resource) are given as
//! `arn:aws:<service>:<region>:<account>:*`, since `iam-rs` requests need an
//! ARN.

use std::collections::HashMap;

use iam_rs::{
    Arn, Context, ContextValue, Decision, IAMPolicy, IAMRequest, PolicyEvaluator, Principal,
    PrincipalId,
};
use sesame_spec::model::Version;
use sesame_spec::{Outcome, Request, Store};

use crate::workload::policy_json;

/// The store as iam-rs 0.8.0 reads it: every policy with a `${...}` in a
/// condition value is read under `2008-10-17` (variables literal), and
/// nothing else changes. Also the number of policies changed.
pub fn as_iam_rs_reads(store: &Store) -> (Store, usize) {
    let mut out = store.clone();
    let mut changed = 0;
    for policy in out.policies.values_mut() {
        let has = policy.statements.iter().any(|s| {
            s.conditions
                .iter()
                .any(|c| c.values.iter().any(|v| v.contains("${")))
        });
        let in_resource = policy.statements.iter().any(|s| {
            s.resource
                .as_ref()
                .is_some_and(|r| r.patterns.iter().any(|p| p.contains("${")))
        });
        if has && !in_resource {
            policy.version = Version::V2008_10_17;
            changed += 1;
        }
    }
    (out, changed)
}

/// The peer: one evaluator per store policy.
pub struct IamRsPeer {
    evaluators: HashMap<String, PolicyEvaluator>,
}

/// A request prepared for [`IamRsPeer::check`].
pub struct IamPrepared {
    as_caller: IAMRequest,
    as_account: Option<IAMRequest>,
    identity: Vec<String>,
    boundary: Option<String>,
    scps: Vec<Vec<String>>,
    resource: Vec<String>,
    same_account: bool,
}

fn account_of(arn: &str) -> Option<&str> {
    if !arn.starts_with("arn:") {
        return None;
    }
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

impl IamRsPeer {
    /// Parses every store policy with `iam-rs`.
    ///
    /// # Errors
    ///
    /// The policy `iam-rs` cannot read, with its message.
    pub fn new(store: &Store) -> Result<IamRsPeer, String> {
        let mut evaluators = HashMap::with_capacity(store.policies.len());
        for (name, policy) in &store.policies {
            let text = policy_json(policy);
            let parsed: IAMPolicy = serde_json::from_str(&text)
                .map_err(|e| format!("iam-rs cannot read policy `{name}`: {e}"))?;
            evaluators.insert(name.clone(), PolicyEvaluator::with_policies(vec![parsed]));
        }
        Ok(IamRsPeer { evaluators })
    }

    /// Prepares a request: `iam-rs` request values and the policies of each
    /// layer.
    ///
    /// # Errors
    ///
    /// A request `iam-rs` cannot take.
    pub fn prepare(store: &Store, request: &Request) -> Result<IamPrepared, String> {
        let principal_entry = store.principals.get(&request.principal);
        let resource_entry = store.resources.get(&request.resource);
        let principal_account = account_of(&request.principal).map(str::to_owned);
        let resource_account = resource_entry
            .and_then(|e| e.account.clone())
            .or_else(|| account_of(&request.resource).map(str::to_owned));
        let mut context = Context::new();
        for (key, values) in &request.context {
            let value = match values.as_slice() {
                [one]
                    if !key.eq_ignore_ascii_case("ses:Recipients")
                        && !key.eq_ignore_ascii_case("aws:TagKeys") =>
                {
                    ContextValue::String(one.clone())
                }
                _ => ContextValue::StringList(values.clone()),
            };
            context.insert(key.clone(), value);
        }
        context.insert(
            "aws:PrincipalArn".into(),
            ContextValue::String(request.principal.clone()),
        );
        if let Some(a) = &principal_account {
            context.insert(
                "aws:PrincipalAccount".into(),
                ContextValue::String(a.clone()),
            );
        }
        if let Some(a) = &resource_account {
            context.insert(
                "aws:ResourceAccount".into(),
                ContextValue::String(a.clone()),
            );
        }
        for (k, v) in principal_entry.map(|e| e.tags.as_slice()).unwrap_or(&[]) {
            context.insert(
                format!("aws:PrincipalTag/{k}"),
                ContextValue::String(v.clone()),
            );
        }
        for (k, v) in resource_entry.map(|e| e.tags.as_slice()).unwrap_or(&[]) {
            context.insert(
                format!("aws:ResourceTag/{k}"),
                ContextValue::String(v.clone()),
            );
        }
        let resource_text = if request.resource == "*" {
            let service = request.action.split(':').next().unwrap_or("");
            let region = request
                .context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("aws:RequestedRegion"))
                .and_then(|(_, v)| v.first().cloned())
                .unwrap_or_default();
            format!(
                "arn:aws:{service}:{region}:{}:*",
                principal_account.clone().unwrap_or_default()
            )
        } else {
            request.resource.clone()
        };
        let arn = Arn::parse(&resource_text)
            .map_err(|e| format!("iam-rs cannot read resource `{resource_text}`: {e}"))?;
        let make = |who: &str| {
            IAMRequest::new_with_context(
                Principal::Aws(PrincipalId::String(who.to_owned())),
                request.action.clone(),
                arn.clone(),
                context.clone(),
            )
        };
        let scps = principal_account
            .as_deref()
            .and_then(|a| store.accounts.get(a))
            .map(|e| e.scps.clone())
            .unwrap_or_default();
        Ok(IamPrepared {
            as_caller: make(&request.principal),
            as_account: principal_account.as_deref().map(make),
            identity: principal_entry
                .map(|e| e.policies.clone())
                .unwrap_or_default(),
            boundary: principal_entry.and_then(|e| e.boundary.clone()),
            scps,
            resource: resource_entry
                .map(|e| e.policies.clone())
                .unwrap_or_default(),
            same_account: match (&principal_account, &resource_account) {
                (Some(p), Some(r)) => p == r,
                _ => true,
            },
        })
    }

    fn decide(&self, name: &str, request: &IAMRequest) -> Decision {
        self.evaluators
            .get(name)
            .and_then(|e| e.evaluate(request).ok())
            .map_or(Decision::NotApplicable, |r| r.decision)
    }

    /// The decision for a prepared request.
    pub fn check(&self, p: &IamPrepared) -> Outcome {
        let mut deny = false;
        let mut layer = |names: &[String], request: &IAMRequest| {
            let mut allow = false;
            for name in names {
                match self.decide(name, request) {
                    Decision::Deny => deny = true,
                    Decision::Allow => allow = true,
                    Decision::NotApplicable => {}
                }
            }
            allow
        };
        let scps_allow: Vec<bool> = p
            .scps
            .iter()
            .map(|level| layer(level, &p.as_caller))
            .collect();
        let identity_allow = layer(&p.identity, &p.as_caller);
        let boundary_allow = match &p.boundary {
            Some(b) => layer(std::slice::from_ref(b), &p.as_caller),
            None => true,
        };
        let resource_allow_caller = layer(&p.resource, &p.as_caller);
        let resource_allow_account = match &p.as_account {
            Some(r) => layer(&p.resource, r),
            None => false,
        };
        if deny {
            return Outcome::ExplicitDeny;
        }
        let scps_ok = scps_allow.iter().all(|a| *a);
        let identity_side = identity_allow && boundary_allow;
        let allowed = scps_ok
            && if p.same_account {
                identity_side || resource_allow_caller
            } else {
                identity_side && (resource_allow_caller || resource_allow_account)
            };
        if allowed {
            Outcome::Allow
        } else {
            Outcome::ImplicitDeny
        }
    }
}
