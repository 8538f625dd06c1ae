//! The compiled engine as a bench [`Engine`]: the store compiled once, the
//! requests turned into borrowed runtime requests once, one scratch space;
//! each check is then exactly what a sender's send path pays.

use std::cell::RefCell;
use std::rc::Rc;

use sesame_benches::peer::Engine;
use sesame_spec::{Outcome, Request, Store};

/// The compiled engine over `requests` (a refusal counts as an implicit
/// deny, as for the spec engine).
/// The compiled engine twice over one compiled store: `sesame`, whose
/// scratch space keeps plans (a repeated principal, action and resource goes
/// straight to its conditions), and `sesame-cold`, whose scratch keeps none,
/// so every check works its plan out afresh (the cost of a request the
/// scratch has not seen).
pub(crate) fn compiled_engines<'a>(store: &Store, requests: &'a [Request]) -> [Engine<'a>; 2] {
    let engine = Rc::new(sesame_compiler::compile(store).expect("the workload compiles"));
    let runtime = Rc::new(runtime_requests(requests));
    [
        ("sesame", sesame_runtime::DEFAULT_PLANS),
        ("sesame-cold", 0),
    ]
    .map(|(name, plans)| {
        let engine = Rc::clone(&engine);
        let runtime = Rc::clone(&runtime);
        let scratch = RefCell::new(engine.scratch_with_plans(plans));
        Engine::new(name, move |i| {
            let Some(request) = runtime.get(i) else {
                return Outcome::ImplicitDeny;
            };
            let mut scratch = scratch.borrow_mut();
            match engine.check(&mut scratch, request) {
                Ok(d) => match d.outcome {
                    sesame_runtime::Outcome::Allow => Outcome::Allow,
                    sesame_runtime::Outcome::ExplicitDeny => Outcome::ExplicitDeny,
                    sesame_runtime::Outcome::ImplicitDeny => Outcome::ImplicitDeny,
                },
                Err(_) => Outcome::ImplicitDeny,
            }
        })
    })
}

/// Borrowed runtime requests over the same strings, built once (the
/// context tables are kept for the bench process's lifetime).
pub(crate) fn runtime_requests<'a>(requests: &'a [Request]) -> Vec<sesame_runtime::Request<'a>> {
    let values: &'a [Vec<Vec<&'a str>>] = Box::leak(
        requests
            .iter()
            .map(|r| {
                r.context
                    .iter()
                    .map(|(_, v)| v.iter().map(String::as_str).collect())
                    .collect()
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let contexts: &'a [Vec<(&'a str, &'a [&'a str])>] = Box::leak(
        requests
            .iter()
            .zip(values)
            .map(|(r, vs)| {
                r.context
                    .iter()
                    .zip(vs)
                    .map(|((k, _), v)| (k.as_str(), v.as_slice()))
                    .collect()
            })
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    requests
        .iter()
        .zip(contexts)
        .map(|(r, ctx)| sesame_runtime::Request {
            principal: &r.principal,
            action: &r.action,
            resource: &r.resource,
            context: ctx,
            session_policy: r.session_policy.as_deref(),
        })
        .collect()
}
