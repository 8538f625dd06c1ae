//! `compile`: a policy store to a [`sesame_runtime::Engine`], with limits,
//! and the helpers that let tests and the CLI put the compiled engine beside
//! the spec evaluator.
//!
//! The pipeline is [`crate::middle::normalize`] (distinct bodies, lower-cased
//! actions and keys, canonical predicates) then [`crate::back::build`]
//! (classes, matchers, predicates, entry maps), then
//! [`sesame_runtime::Engine::new`], which checks every id of the table.
//! [`compile_with`] runs the first two as one pass over the store
//! ([`crate::back::build_store`]: each body is built as it is normalised).

use std::fmt;

use sesame_runtime::{CallKey, CheckError, Decision, Engine, Layer, Outcome};
use sesame_spec::{ReadError, Store};

/// Limits on what one compilation may produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Distinct statements (after deduplicating identical policies).
    pub max_statements: usize,
    /// Distinct action classes.
    pub max_action_classes: usize,
    /// Distinct condition predicates.
    pub max_predicates: usize,
    /// Characters in one action, resource or condition pattern.
    pub max_pattern_chars: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_statements: 10_000_000,
            max_action_classes: 1_000_000,
            max_predicates: 10_000_000,
            max_pattern_chars: 4_096,
        }
    }
}

/// Why a store could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    message: String,
}

impl CompileError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> CompileError {
        CompileError {
            message: message.into(),
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "compile: {}", self.message)
    }
}

impl std::error::Error for CompileError {}

/// Compiles a store with the default [`Limits`].
///
/// # Errors
///
/// A [`CompileError`] when a limit is exceeded.
pub fn compile(store: &Store) -> Result<Engine, CompileError> {
    compile_with(store, &Limits::default())
}

/// Compiles a store within `limits`.
///
/// # Errors
///
/// A [`CompileError`] naming the limit that was exceeded.
pub fn compile_with(store: &Store, limits: &Limits) -> Result<Engine, CompileError> {
    let table = crate::back::build_store(store, limits)?;
    Engine::new(table).map_err(|e| CompileError::new(e.to_string()))
}

/// Runs `f` on a runtime request borrowing a spec request's strings.
pub fn with_request<R>(
    request: &sesame_spec::Request,
    f: impl FnOnce(&sesame_runtime::Request<'_>) -> R,
) -> R {
    let names = request.context.iter().map(|(k, _)| k.as_str());
    borrowed(request, names, (None, None), f)
}

/// Runs `f` on a runtime request borrowing a spec request's strings, with
/// its context's keys named once by `engine` ([`Engine::context_keys`]) and
/// borrowed from them, as a sender that names its keys up front builds its
/// requests.
pub fn with_keyed_request<R>(
    engine: &Engine,
    request: &sesame_spec::Request,
    f: impl FnOnce(&sesame_runtime::Request<'_>) -> R,
) -> R {
    with_keys(engine, None, request, f)
}

/// Runs `f` on a runtime request made by `call` ([`CallKey::request`]),
/// with `request`'s context, its keys named once by `engine` and borrowed
/// from them: a sender that names both a tenant's call and its context
/// shapes up front. `call` holds `request`'s principal, action, resource
/// and session policy (the runtime request reads them from `call`).
pub fn with_named_request<R>(
    engine: &Engine,
    call: &CallKey,
    request: &sesame_spec::Request,
    f: impl FnOnce(&sesame_runtime::Request<'_>) -> R,
) -> R {
    with_keys(engine, Some(call), request, f)
}

/// [`with_keyed_request`], its other strings `call`'s when given
/// ([`with_named_request`]).
fn with_keys<R>(
    engine: &Engine,
    call: Option<&CallKey>,
    request: &sesame_spec::Request,
    f: impl FnOnce(&sesame_runtime::Request<'_>) -> R,
) -> R {
    let names: Vec<&str> = request.context.iter().map(|(k, _)| k.as_str()).collect();
    let keys = engine.context_keys(&names);
    borrowed(request, keys.names(), (Some(&keys), call), f)
}

/// A runtime request as the spec's (every string copied): what
/// [`with_request`] borrows from, for comparing a runtime answer with the
/// spec's.
pub fn to_spec_request(request: &sesame_runtime::Request<'_>) -> sesame_spec::Request {
    let mut spec = sesame_spec::Request::new(request.principal, request.action, request.resource);
    spec.context = request
        .context
        .iter()
        .map(|(k, vs)| {
            (
                (*k).to_owned(),
                vs.iter().map(|v| (*v).to_owned()).collect(),
            )
        })
        .collect();
    spec.session_policy = request.session_policy.map(str::to_owned);
    spec
}

/// Runs `f` on a runtime request borrowing `request`'s strings, its
/// context's keys read from `names` (one per context entry, in order) and
/// named by `keys`; its other strings `call`'s, when given.
fn borrowed<'k, R>(
    request: &sesame_spec::Request,
    names: impl Iterator<Item = &'k str>,
    (keys, call): (Option<&'k sesame_runtime::ContextKeys>, Option<&'k CallKey>),
    f: impl FnOnce(&sesame_runtime::Request<'_>) -> R,
) -> R {
    let values: Vec<Vec<&str>> = request
        .context
        .iter()
        .map(|(_, vs)| vs.iter().map(String::as_str).collect())
        .collect();
    let context: Vec<(&str, &[&str])> = names
        .zip(&values)
        .map(|(k, vs)| (k, vs.as_slice()))
        .collect();
    let runtime = match call {
        Some(call) => sesame_runtime::Request {
            context: &context,
            keys,
            ..call.request()
        },
        None => sesame_runtime::Request {
            principal: &request.principal,
            action: &request.action,
            resource: &request.resource,
            context: &context,
            session_policy: request.session_policy.as_deref(),
            keys,
            call: None,
        },
    };
    f(&runtime)
}

/// The spec's layer for a runtime layer.
pub fn spec_layer(layer: Layer) -> sesame_spec::Layer {
    match layer {
        Layer::Rcp => sesame_spec::Layer::Rcp,
        Layer::Scp => sesame_spec::Layer::Scp,
        Layer::Resource => sesame_spec::Layer::Resource,
        Layer::Identity => sesame_spec::Layer::Identity,
        Layer::Boundary => sesame_spec::Layer::Boundary,
        Layer::Session => sesame_spec::Layer::Session,
    }
}

/// A compiled decision in the spec's terms, for comparison and output.
pub fn to_spec_decision(decision: &Decision<'_>) -> sesame_spec::Decision {
    sesame_spec::Decision {
        outcome: match decision.outcome {
            Outcome::Allow => sesame_spec::Outcome::Allow,
            Outcome::ExplicitDeny => sesame_spec::Outcome::ExplicitDeny,
            Outcome::ImplicitDeny => sesame_spec::Outcome::ImplicitDeny,
        },
        statements: decision
            .statements()
            .map(|s| sesame_spec::StatementRef {
                layer: spec_layer(s.layer),
                policy: s.policy.to_owned(),
                index: s.index,
                sid: s.sid.map(str::to_owned),
            })
            .collect(),
        layer: decision.layer.map(spec_layer),
    }
}

/// A refused request in the spec's terms (same text).
pub fn to_spec_error(error: &CheckError) -> ReadError {
    ReadError::new("", error.to_string())
}

/// Checks a spec request with the compiled engine and answers in the spec's
/// terms, with the compiled message.
///
/// # Errors
///
/// The refusal, in the spec's terms.
pub fn check_spec(
    engine: &Engine,
    scratch: &mut sesame_runtime::Scratch,
    request: &sesame_spec::Request,
) -> Result<(sesame_spec::Decision, String), ReadError> {
    with_request(request, |r| spec_terms(engine.check(scratch, r), r))
}

/// [`check_spec`] with the request's context keys named once
/// ([`with_keyed_request`]).
///
/// # Errors
///
/// The refusal, in the spec's terms.
pub fn check_spec_keyed(
    engine: &Engine,
    scratch: &mut sesame_runtime::Scratch,
    request: &sesame_spec::Request,
) -> Result<(sesame_spec::Decision, String), ReadError> {
    with_keyed_request(engine, request, |r| spec_terms(engine.check(scratch, r), r))
}

/// [`check_spec`] with the request's context keys and its call named once
/// ([`with_named_request`]; `call` holds the request's principal, action,
/// resource and session policy), through [`Engine::check`] or, when
/// `outcome_only`, [`Engine::check_outcome`].
///
/// # Errors
///
/// The refusal, in the spec's terms.
pub fn check_spec_named(
    engine: &Engine,
    scratch: &mut sesame_runtime::Scratch,
    (call, outcome_only): (&CallKey, bool),
    request: &sesame_spec::Request,
) -> Result<(sesame_spec::Decision, String), ReadError> {
    with_named_request(engine, call, request, |r| {
        let decision = if outcome_only {
            engine.check_outcome(scratch, r)
        } else {
            engine.check(scratch, r)
        };
        spec_terms(decision, r)
    })
}

/// [`check_spec`] through [`Engine::check_outcome`]: the same outcome,
/// layer and message, and only the statements it met deciding.
///
/// # Errors
///
/// The refusal, in the spec's terms.
pub fn check_spec_outcome(
    engine: &Engine,
    scratch: &mut sesame_runtime::Scratch,
    request: &sesame_spec::Request,
) -> Result<(sesame_spec::Decision, String), ReadError> {
    with_request(request, |r| spec_terms(engine.check_outcome(scratch, r), r))
}

/// A decision (or refusal) in the spec's terms, with the compiled message.
fn spec_terms(
    decision: Result<Decision<'_>, CheckError>,
    request: &sesame_runtime::Request<'_>,
) -> Result<(sesame_spec::Decision, String), ReadError> {
    match decision {
        Ok(d) => Ok((to_spec_decision(&d), d.message(request))),
        Err(e) => Err(to_spec_error(&e)),
    }
}
