//! The compiled engine as a bench [`Engine`]: the store compiled once, the
//! requests turned into borrowed runtime requests once, one scratch space;
//! each check is then exactly what a sender's send path pays.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use sesame_benches::peer::Engine;
use sesame_spec::{Outcome, Request, Store};

/// The compiled engine three times over one compiled store (a refusal
/// counts as an implicit deny, as for the spec engine): `sesame`, whose
/// scratch space keeps plans (a repeated principal, action and resource goes
/// straight to its conditions); `sesame-keyed`, the same with the requests'
/// context keys named once ([`keyed_requests`]), as a sender that makes its
/// context shapes when it starts; `sesame-cold`, whose scratch keeps no
/// plan, so every check works its plan out afresh (the cost of a request
/// the scratch has not seen); and `sesame-outcome` and
/// `sesame-keyed-outcome`, the first two through
/// [`sesame_runtime::Engine::check_outcome`] (the same answer, found
/// without recording every statement behind it), as a send path asks; and
/// `sesame-named` and `sesame-named-outcome`, `sesame-keyed`'s requests
/// with their calls named once too ([`named_requests`]), as a sender does
/// that makes a [`sesame_runtime::CallKey`] per tenant identity and
/// action.
pub(crate) fn compiled_engines<'a>(store: &Store, requests: &'a [Request]) -> [Engine<'a>; 7] {
    let engine = Rc::new(sesame_compiler::compile(store).expect("the workload compiles"));
    let plain = Rc::new(runtime_requests(requests));
    let keyed = Rc::new(keyed_requests(&engine, requests));
    let named = Rc::new(named_requests(&engine, requests));
    [
        ("sesame", sesame_runtime::DEFAULT_PLANS, &plain, false),
        ("sesame-keyed", sesame_runtime::DEFAULT_PLANS, &keyed, false),
        ("sesame-cold", 0, &plain, false),
        (
            "sesame-outcome",
            sesame_runtime::DEFAULT_PLANS,
            &plain,
            true,
        ),
        (
            "sesame-keyed-outcome",
            sesame_runtime::DEFAULT_PLANS,
            &keyed,
            true,
        ),
        ("sesame-named", sesame_runtime::DEFAULT_PLANS, &named, false),
        (
            "sesame-named-outcome",
            sesame_runtime::DEFAULT_PLANS,
            &named,
            true,
        ),
    ]
    .map(|(name, plans, runtime, outcome_only)| {
        let engine = Rc::clone(&engine);
        let runtime = Rc::clone(runtime);
        let scratch = RefCell::new(engine.scratch_with_plans(plans));
        Engine::new(name, move |i| {
            let Some(request) = runtime.get(i) else {
                return Outcome::ImplicitDeny;
            };
            let mut scratch = scratch.borrow_mut();
            outcome(if outcome_only {
                engine.check_outcome(&mut scratch, request)
            } else {
                engine.check(&mut scratch, request)
            })
        })
    })
}

/// Sesame over `requests` answered in `order`, for the `-reordered` rows:
/// its check `k` answers request `order[k]`. Its scratch's plans are built
/// first by one pass over the stream in stream order; the requests it
/// answers are packed in the order it answers them, as the other rows'
/// are in theirs (see [`runtime_requests`]), so the row differs from
/// `sesame` only in the order the plans are read.
pub(crate) fn reordered_sesame(
    store: &Store,
    requests: &[Request],
    order: &[usize],
) -> Engine<'static> {
    let engine = sesame_compiler::compile(store).expect("the workload compiles");
    let mut scratch = engine.scratch();
    for r in &runtime_requests(requests) {
        let _ = engine.check(&mut scratch, r);
    }
    let answered = runtime_requests(&in_order(requests, order));
    let scratch = RefCell::new(scratch);
    Engine::new("sesame-reordered", move |k| {
        let Some(request) = answered.get(k) else {
            return Outcome::ImplicitDeny;
        };
        outcome(engine.check(&mut scratch.borrow_mut(), request))
    })
}

/// A compiled answer in the spec's terms (a refusal as an implicit deny).
fn outcome(answer: Result<sesame_runtime::Decision<'_>, sesame_runtime::CheckError>) -> Outcome {
    match answer.map(|d| d.outcome) {
        Ok(sesame_runtime::Outcome::Allow) => Outcome::Allow,
        Ok(sesame_runtime::Outcome::ExplicitDeny) => Outcome::ExplicitDeny,
        Ok(sesame_runtime::Outcome::ImplicitDeny) | Err(_) => Outcome::ImplicitDeny,
    }
}

/// `requests` in `order` (indexes into them).
pub(crate) fn in_order(requests: &[Request], order: &[usize]) -> Vec<Request> {
    order.iter().map(|&i| requests[i].clone()).collect()
}

/// Borrowed runtime requests over copies of the same strings, packed in
/// stream order into one buffer (and their context tables into two), built
/// once and kept for the bench process's lifetime. A sender builds each
/// request from the message in hand, so its strings are hot; packing keeps
/// the stream's own data from being scattered through a heap that grows
/// with the store, which would otherwise add cache misses that scale with
/// the fleet to every engine reading these requests.
pub(crate) fn runtime_requests(requests: &[Request]) -> Vec<sesame_runtime::Request<'static>> {
    pack(requests, None, false)
}

/// [`runtime_requests`] whose contexts name their keys once
/// ([`sesame_runtime::Engine::context_keys`]), as a sender does that makes
/// its few context shapes when it starts: one set of keys per distinct key
/// list in the stream, made by `engine`, each request's context borrowing
/// its keys from its list's set.
pub(crate) fn keyed_requests(
    engine: &sesame_runtime::Engine,
    requests: &[Request],
) -> Vec<sesame_runtime::Request<'static>> {
    pack(requests, Some(engine), false)
}

/// [`keyed_requests`] that also name their calls once
/// ([`sesame_runtime::CallKey`]), as a sender does that makes a key per
/// tenant identity and action it sends for: one key per distinct
/// principal, action, resource and session policy in the stream, each
/// request borrowing its four strings from its key.
pub(crate) fn named_requests(
    engine: &sesame_runtime::Engine,
    requests: &[Request],
) -> Vec<sesame_runtime::Request<'static>> {
    pack(requests, Some(engine), true)
}

/// The requests packed as [`runtime_requests`] says, their context keys
/// named once by `keyed`'s engine when there is one, and their calls
/// when `called`.
fn pack(
    requests: &[Request],
    keyed: Option<&sesame_runtime::Engine>,
    called: bool,
) -> Vec<sesame_runtime::Request<'static>> {
    let mut text = String::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut push = |s: &str| {
        let start = text.len();
        text.push_str(s);
        spans.push((start, text.len()));
    };
    for r in requests {
        push(&r.principal);
        push(&r.action);
        push(&r.resource);
        push(r.session_policy.as_deref().unwrap_or(""));
        for (k, vs) in &r.context {
            push(k);
            for v in vs {
                push(v);
            }
        }
    }
    let text: &'static str = Box::leak(text.into_boxed_str());
    let mut spans = spans.into_iter().map(|(a, b)| &text[a..b]);
    let mut next = move || spans.next().expect("one span per string");
    // Values and context entries, flat, in stream order.
    let mut values: Vec<&'static str> = Vec::new();
    let mut heads = Vec::with_capacity(requests.len());
    let mut keys: Vec<(&'static str, usize, usize)> = Vec::new();
    // One set of named keys per distinct key list, kept for the process.
    let mut made: HashMap<Vec<&str>, &'static sesame_runtime::ContextKeys> = HashMap::new();
    // One call key per distinct call, likewise.
    type Call<'r> = (&'r str, &'r str, &'r str, Option<&'r str>);
    let mut calls: HashMap<Call<'_>, &'static sesame_runtime::CallKey> = HashMap::new();
    for r in requests {
        let (mut principal, mut action, mut resource, mut session) =
            (next(), next(), next(), next());
        let call = called.then(|| {
            let of = (
                r.principal.as_str(),
                r.action.as_str(),
                r.resource.as_str(),
                r.session_policy.as_deref(),
            );
            *calls.entry(of).or_insert_with(|| {
                Box::leak(Box::new(sesame_runtime::CallKey::new(
                    of.0, of.1, of.2, of.3,
                )))
            })
        });
        // The call's copies stay in the buffer when its key's text is used
        // instead, as the context keys' do below.
        if let Some(c) = call {
            (principal, action, resource) = (c.principal(), c.action(), c.resource());
            session = c.session_policy().unwrap_or("");
        }
        let first_key = keys.len();
        let shape: Option<&'static sesame_runtime::ContextKeys> = keyed.map(|engine| {
            let names = r.context.iter().map(|(k, _)| k.as_str()).collect();
            *made
                .entry(names)
                .or_insert_with_key(|names| Box::leak(Box::new(engine.context_keys(names))))
        });
        let mut names = shape.map(|s| s.names());
        for (_, vs) in &r.context {
            // The key's copy stays in the buffer when the named keys' text
            // is used instead, so both packings lay the strings out alike.
            let key = next();
            let key = names.as_mut().and_then(Iterator::next).unwrap_or(key);
            let start = values.len();
            for _ in vs {
                values.push(next());
            }
            keys.push((key, start, values.len()));
        }
        let session = r.session_policy.as_ref().map(|_| session);
        heads.push((
            principal,
            action,
            resource,
            session,
            first_key,
            keys.len(),
            shape,
            call,
        ));
    }
    let values: &'static [&'static str] = Box::leak(values.into_boxed_slice());
    let contexts: &'static [(&'static str, &'static [&'static str])] = Box::leak(
        keys.iter()
            .map(|(k, a, b)| (*k, &values[*a..*b]))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    heads
        .into_iter()
        .map(
            |(principal, action, resource, session_policy, a, b, keys, call)| {
                sesame_runtime::Request {
                    principal,
                    action,
                    resource,
                    context: &contexts[a..b],
                    session_policy,
                    keys,
                    call,
                }
            },
        )
        .collect()
}
