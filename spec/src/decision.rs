//! Decisions, the statements behind them, and AWS's denial message text.

use std::fmt;

use crate::request::Request;
use crate::store::{Layer, layer_noun, with_article};

/// The three answers (IAM User Guide, "Policy evaluation logic").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Some policy allows and nothing denies.
    Allow,
    /// A statement with `"Effect": "Deny"` applies.
    ExplicitDeny,
    /// Nothing denies, but a layer that must allow does not.
    ImplicitDeny,
}

impl Outcome {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "Allow",
            Outcome::ExplicitDeny => "ExplicitDeny",
            Outcome::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// The outcome a JSON name stands for.
    pub fn from_name(name: &str) -> Option<Outcome> {
        [Outcome::Allow, Outcome::ExplicitDeny, Outcome::ImplicitDeny]
            .into_iter()
            .find(|o| o.as_str() == name)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One statement of one attached policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// The layer the policy was attached in.
    pub layer: Layer,
    /// The store's name for the policy.
    pub policy: String,
    /// The statement's index in the policy (0-based).
    pub index: usize,
    /// The statement's `Sid`, if any.
    pub sid: Option<String>,
}

/// The answer to a request, with the statements that decided it.
///
/// - `Allow`: `statements` are every applying `Allow` statement of the
///   resource-based and identity-based policies (the grants), in layer order,
///   then attachment order, then statement order.
/// - `ExplicitDeny`: `statements` are every applying `Deny` statement, in the
///   same order; the first one's layer names the policy type in the message.
/// - `ImplicitDeny`: `statements` is empty and `layer` is the first layer, in
///   AWS's evaluation order, that had to allow and did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Allow, explicit deny or implicit deny.
    pub outcome: Outcome,
    /// The deciding statements (see the type's docs).
    pub statements: Vec<StatementRef>,
    /// For an implicit deny, the layer that did not allow.
    pub layer: Option<Layer>,
}

/// The SES v1 sending actions, whose denials SES words in its own style
/// (seed 000: "User `arn:...' is not authorized to perform `ses:SendEmail'
/// on resource `arn:...'").
const SES_QUOTING_ACTIONS: [&str; 4] = [
    "ses:sendemail",
    "ses:sendrawemail",
    "ses:sendtemplatedemail",
    "ses:sendbulktemplatedemail",
];

impl Decision {
    /// An allow by these statements.
    pub fn allow(statements: Vec<StatementRef>) -> Decision {
        Decision {
            outcome: Outcome::Allow,
            statements,
            layer: None,
        }
    }

    /// An explicit deny by these statements.
    pub fn explicit_deny(statements: Vec<StatementRef>) -> Decision {
        Decision {
            outcome: Outcome::ExplicitDeny,
            statements,
            layer: None,
        }
    }

    /// An implicit deny because `layer` did not allow.
    pub fn implicit_deny(layer: Layer) -> Decision {
        Decision {
            outcome: Outcome::ImplicitDeny,
            statements: Vec::new(),
            layer: Some(layer),
        }
    }

    /// The message AWS would give, in IAM's enhanced format (IAM User Guide,
    /// "Troubleshoot access denied error messages"), or SES's own quoting for
    /// the SES v1 sending actions. `on resource: ...` is left out when the
    /// resource is `*`, as AWS does for actions without a resource.
    pub fn message(&self, request: &Request) -> String {
        let principal = &request.principal;
        let action = &request.action;
        let resource = &request.resource;
        let ses_style = SES_QUOTING_ACTIONS.contains(&action.to_lowercase().as_str());
        let on_resource = if resource == "*" {
            String::new()
        } else {
            format!(" on resource: {resource}")
        };
        match self.outcome {
            Outcome::Allow => {
                format!("User: {principal} is authorized to perform: {action}{on_resource}")
            }
            _ if ses_style => format!(
                "User `{principal}' is not authorized to perform `{action}' on resource `{resource}'"
            ),
            Outcome::ExplicitDeny => {
                let layer = self.statements.first().map_or(Layer::Identity, |s| s.layer);
                format!(
                    "User: {principal} is not authorized to perform: {action}{on_resource} with an explicit deny in {}",
                    with_article(layer)
                )
            }
            Outcome::ImplicitDeny => {
                let layer = self.layer.unwrap_or(Layer::Identity);
                format!(
                    "User: {principal} is not authorized to perform: {action}{on_resource} because no {} allows the {action} action",
                    layer_noun(layer)
                )
            }
        }
    }

    /// The answer line of `sesame check`:
    /// `{"decision": ..., "layer": ..., "statements": [...], "message": ...}`
    /// (`layer` only for implicit denies, `sid` only where the statement has
    /// one).
    pub fn to_json(&self, request: &Request) -> serde_json::Value {
        let statements: Vec<serde_json::Value> = self
            .statements
            .iter()
            .map(|s| {
                let mut o = serde_json::Map::new();
                o.insert("layer".into(), s.layer.as_str().into());
                o.insert("policy".into(), s.policy.clone().into());
                o.insert("index".into(), s.index.into());
                if let Some(sid) = &s.sid {
                    o.insert("sid".into(), sid.clone().into());
                }
                serde_json::Value::Object(o)
            })
            .collect();
        let mut o = serde_json::Map::new();
        o.insert("decision".into(), self.outcome.as_str().into());
        if let Some(layer) = self.layer {
            o.insert("layer".into(), layer.as_str().into());
        }
        o.insert("statements".into(), statements.into());
        o.insert("message".into(), self.message(request).into());
        serde_json::Value::Object(o)
    }
}
