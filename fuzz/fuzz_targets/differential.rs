//! Fuzz target `differential`: libFuzzer's bytes drive the same store and
//! request generator as the differential proptest
//! (`compiler/tests/support/generate.rs`). The compiled engine, and the same
//! engine reloaded from its artifact, must answer every request exactly as
//! the spec evaluator: outcome, deciding statements, failed layer, message,
//! and refusals. Each request is asked again with another context, so a
//! kept plan meets a context it was not built with; the reloaded engine's
//! scratch keeps no plans, and its requests name their context keys once
//! (`Engine::context_keys`). `Engine::check_outcome` must give the same
//! outcome, layer and message, its statements the spec's first ones.
//!
//! Run from `fuzz/`: `RUSTC_BOOTSTRAP=1 cargo fuzz run differential`.

#![no_main]

#[path = "../../compiler/tests/support/generate.rs"]
mod generate;

use generate::{Choices, context, request, store};
use libfuzzer_sys::fuzz_target;
use sesame_compiler::compile::{
    check_spec, check_spec_keyed, check_spec_named, check_spec_outcome,
};
use sesame_runtime::{CallKey, Engine};

fuzz_target!(|data: &[u8]| {
    let choices: Vec<u16> = data
        .chunks(2)
        .map(|pair| u16::from_le_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
        .collect();
    let mut c = Choices {
        data: &choices,
        pos: 0,
    };
    let store = store(&mut c);
    let engine = sesame_compiler::compile(&store).expect("generated stores compile");
    let reloaded = Engine::from_artifact(&engine.to_artifact()).expect("artifacts reload");
    let mut scratch = engine.scratch();
    let mut reloaded_scratch = reloaded.scratch_with_plans(0);
    for _ in 0..6 {
        let mut request = request(&mut c, &store);
        // The call named once (its plan found by its number in round 1).
        let call = CallKey::new(
            &request.principal,
            &request.action,
            &request.resource,
            request.session_policy.as_deref(),
        );
        for round in 0..2 {
            if round == 1 {
                request.context = context(&mut c);
            }
            let spec = sesame_spec::evaluate(&store, &request);
            // Plain, keys named once (the reloaded engine), and keys and
            // call named once.
            for way in 0..3 {
                let compiled = match way {
                    0 => check_spec(&engine, &mut scratch, &request),
                    1 => check_spec_keyed(&reloaded, &mut reloaded_scratch, &request),
                    _ => check_spec_named(&engine, &mut scratch, (&call, false), &request),
                };
                match (&spec, &compiled) {
                    (Ok(s), Ok((d, message))) => {
                        assert_eq!(s, d, "request {request:?}\nstore {store:#?}");
                        assert_eq!(&s.message(&request), message);
                    }
                    (Err(s), Err(e)) => assert_eq!(s.to_string(), e.to_string()),
                    _ => panic!(
                        "spec {spec:?}, compiled {compiled:?}, request {request:?}\nstore {store:#?}"
                    ),
                }
            }
            let fast = if round == 0 {
                check_spec_outcome(&engine, &mut scratch, &request)
            } else {
                check_spec_named(&engine, &mut scratch, (&call, true), &request)
            };
            match (&spec, &fast) {
                (Ok(s), Ok((d, message))) => {
                    assert_eq!((s.outcome, s.layer), (d.outcome, d.layer), "{request:?}");
                    assert_eq!(&s.message(&request), message);
                    assert_eq!(s.statements.first(), d.statements.first());
                    assert!(d.statements.iter().all(|h| s.statements.contains(h)));
                }
                (Err(s), Err(e)) => assert_eq!(s.to_string(), e.to_string()),
                _ => panic!("spec {spec:?}, outcome only {fast:?}, request {request:?}"),
            }
        }
    }
});
