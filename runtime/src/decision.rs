//! Decisions and the statements behind them, borrowed from the engine and
//! the caller's scratch space; the message text is the spec's to the letter.

use std::fmt;

use crate::engine::Engine;
use crate::request::Request;

/// The three answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Some policy allows and nothing denies.
    Allow,
    /// A `Deny` statement applies.
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
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a policy is attached, in AWS's evaluation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// Resource control policies.
    Rcp,
    /// Service control policies.
    Scp,
    /// Resource-based policies.
    Resource,
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// The session policy.
    Session,
}

impl Layer {
    /// The lower-case name used in JSON.
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

    /// The noun AWS's messages use.
    pub fn noun(self) -> &'static str {
        match self {
            Layer::Rcp => "resource control policy",
            Layer::Scp => "service control policy",
            Layer::Resource => "resource-based policy",
            Layer::Identity => "identity-based policy",
            Layer::Boundary => "permissions boundary",
            Layer::Session => "session policy",
        }
    }

    /// The noun with its article.
    pub fn with_article(self) -> &'static str {
        match self {
            Layer::Rcp => "a resource control policy",
            Layer::Scp => "a service control policy",
            Layer::Resource => "a resource-based policy",
            Layer::Identity => "an identity-based policy",
            Layer::Boundary => "a permissions boundary",
            Layer::Session => "a session policy",
        }
    }
}

/// One deciding statement: the layer it was attached in, the store policy
/// (an id the engine resolves) and the statement's index in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hit {
    /// The layer.
    pub layer: Layer,
    /// The store policy id.
    pub policy: u32,
    /// The statement index in the policy.
    pub index: u32,
}

/// A deciding statement, resolved to names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementView<'e> {
    /// The layer.
    pub layer: Layer,
    /// The store's name for the policy.
    pub policy: &'e str,
    /// The statement index (0-based).
    pub index: usize,
    /// The statement's `Sid`.
    pub sid: Option<&'e str>,
}

/// The answer to a request.
///
/// `Allow`: every applying `Allow` of the resource-based, then identity-based
/// policies. `ExplicitDeny`: every applying `Deny`, in layer order, each
/// named once. `ImplicitDeny`: no statements, and the first layer that had
/// to allow and did not. From [`Engine::check_outcome`], only the first of
/// those `Deny` statements, and of those `Allow` statements the ones met
/// until each layer's answer was settled.
#[derive(Clone, Copy, Debug)]
pub struct Decision<'e> {
    /// The outcome.
    pub outcome: Outcome,
    /// For an implicit deny, the layer that did not allow.
    pub layer: Option<Layer>,
    /// The deciding statements.
    pub hits: &'e [Hit],
    pub(crate) engine: &'e Engine,
}

const SES_QUOTING_ACTIONS: [&str; 4] = [
    "ses:sendemail",
    "ses:sendrawemail",
    "ses:sendtemplatedemail",
    "ses:sendbulktemplatedemail",
];

impl<'e> Decision<'e> {
    /// The deciding statements, resolved.
    pub fn statements(&self) -> impl Iterator<Item = StatementView<'e>> + '_ {
        let engine = self.engine;
        self.hits.iter().map(move |h| engine.resolve(*h))
    }

    /// The message AWS would give (the spec's wording, to the letter).
    pub fn message(&self, request: &Request<'_>) -> String {
        let principal = request.principal;
        let action = request.action;
        let resource = request.resource;
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
                let layer = self.hits.first().map_or(Layer::Identity, |h| h.layer);
                format!(
                    "User: {principal} is not authorized to perform: {action}{on_resource} with an explicit deny in {}",
                    layer.with_article()
                )
            }
            Outcome::ImplicitDeny => {
                let layer = self.layer.unwrap_or(Layer::Identity);
                format!(
                    "User: {principal} is not authorized to perform: {action}{on_resource} because no {} allows the {action} action",
                    layer.noun()
                )
            }
        }
    }
}

/// A request the engine refuses to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// The principal is neither a six-part ARN nor a service principal name.
    NotAPrincipal(String),
    /// The principal has six colon-separated parts but does not start with
    /// `arn:`.
    NotAnArn(String),
    /// A session policy was given for a caller that is neither a role
    /// session nor a federated user.
    SessionNotAllowed(String),
    /// The session policy is not in the store.
    UnknownSessionPolicy(String),
    /// The session policy has a statement a session policy cannot have.
    InvalidSessionPolicy {
        /// The policy's name.
        policy: String,
        /// The statement's index.
        statement: u32,
        /// What is wrong.
        problem: crate::table::SessionProblem,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::table::SessionProblem;
        match self {
            CheckError::NotAPrincipal(p) => write!(
                f,
                "principal: `{p}` is neither an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`) nor an AWS service principal such as `ses.amazonaws.com`"
            ),
            CheckError::NotAnArn(p) => write!(
                f,
                "principal: `{p}` is not an ARN: it must start with `arn:`"
            ),
            CheckError::SessionNotAllowed(p) => write!(
                f,
                "session_policy: a session policy applies only to role sessions (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`) and federated users, not to `{p}`"
            ),
            CheckError::UnknownSessionPolicy(name) => write!(
                f,
                "session_policy: policy `{name}` is not defined in the store"
            ),
            CheckError::InvalidSessionPolicy {
                policy,
                statement,
                problem,
            } => {
                let what = match problem {
                    SessionProblem::Principal => {
                        "a session policy cannot have a `Principal` or `NotPrincipal` element"
                    }
                    SessionProblem::NoResource => {
                        "a statement in a session policy needs a `Resource` or `NotResource`"
                    }
                };
                write!(
                    f,
                    "session_policy: policy `{policy}`: Statement[{statement}]: {what}"
                )
            }
        }
    }
}

impl std::error::Error for CheckError {}
