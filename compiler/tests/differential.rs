//! Differential test: generated stores and requests, answered by the spec
//! evaluator and by the compiled engine, which must agree on the outcome, the
//! deciding statements (layer, policy, index, Sid, in order), the failed
//! layer, the message, and refusals.
//!
//! Stores are built from a stream of small numbers that proptest generates
//! and shrinks (a shrunk stream picks earlier, simpler choices). The pools are
//! small so that patterns, principals, conditions and variables hit as often
//! as they miss: several accounts, users, role sessions (with and without a
//! stored role, with a role path), root, federated users, a role ARN used
//! directly, an AWS service; resources with tags and accounts; SCP and RCP
//! levels; boundaries; session policies (valid, invalid and unknown);
//! statements with `Action`/`NotAction` wildcards, `Resource`/`NotResource`
//! with variables, `Principal`/`NotPrincipal`, and conditions of every
//! operator family with set qualifiers and `IfExists`.
//!
//! Cases: 10,000 by default, or `PROPTEST_CASES`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/generate.rs"]
mod generate;

use generate::{Choices, context, request, store};
use proptest::prelude::*;
use sesame_compiler::compile;
use sesame_compiler::compile::{
    check_spec, check_spec_keyed, check_spec_named, check_spec_outcome,
};
use sesame_runtime::CallKey;
use sesame_spec::evaluate;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn compiled_engine_equals_spec(data in prop::collection::vec(any::<u16>(), 400..800)) {
        let mut c = Choices { data: &data, pos: 0 };
        let store = store(&mut c);
        let engine = compile(&store).unwrap();
        // One scratch keeps plans across the stream; the other keeps none.
        let mut scratch = engine.scratch();
        let mut uncached = engine.scratch_with_plans(0);
        for _ in 0..6 {
            let mut request = request(&mut c, &store);
            // The call named once, by two keys of the same text: each finds
            // the plan the other kept, by its strings, then by its number.
            let calls = [(); 2].map(|()| {
                CallKey::new(
                    &request.principal,
                    &request.action,
                    &request.resource,
                    request.session_policy.as_deref(),
                )
            });
            // The same principal, action and resource again with another
            // context: the kept plan must not carry the first context over.
            for round in 0..2 {
                if round == 1 {
                    request.context = context(&mut c);
                }
                let spec = evaluate(&store, &request);
                // Plain contexts with and without kept plans, keys named
                // once (in the scratch that also met them plain), and keys
                // and calls named once, twice (the second time its plan is
                // found by the call key's number).
                for (kept, keyed, named) in [
                    (true, false, None),
                    (false, false, None),
                    (true, true, None),
                    (true, true, Some(&calls[round])),
                    (true, true, Some(&calls[round])),
                    (false, true, Some(&calls[round])),
                ] {
                    let scratch = if kept { &mut scratch } else { &mut uncached };
                    let compiled = match (keyed, named) {
                        (_, Some(call)) => check_spec_named(&engine, scratch, (call, false), &request),
                        (true, None) => check_spec_keyed(&engine, scratch, &request),
                        (false, None) => check_spec(&engine, scratch, &request),
                    };
                    match (&spec, &compiled) {
                        (Ok(s), Ok((d, message))) => {
                            prop_assert_eq!(s, d, "request {:?}\nstore {:#?}", request, store);
                            prop_assert_eq!(&s.message(&request), message);
                        }
                        (Err(s), Err(e)) => prop_assert_eq!(s.to_string(), e.to_string()),
                        _ => prop_assert!(false, "spec {:?}, compiled {:?}, request {:?}\nstore {:#?}", spec, compiled, request, store),
                    }
                }
                // The outcome alone: the same answer, layer and message;
                // its statements are the spec's, the first of them first.
                for (kept, named) in [(true, None), (false, None), (true, Some(&calls[1 - round]))] {
                    let scratch = if kept { &mut scratch } else { &mut uncached };
                    let fast = match named {
                        Some(call) => check_spec_named(&engine, scratch, (call, true), &request),
                        None => check_spec_outcome(&engine, scratch, &request),
                    };
                    match (&spec, &fast) {
                        (Ok(s), Ok((d, message))) => {
                            prop_assert_eq!(s.outcome, d.outcome, "request {:?}\nstore {:#?}", request, store);
                            prop_assert_eq!(s.layer, d.layer);
                            prop_assert_eq!(&s.message(&request), message);
                            prop_assert_eq!(s.statements.first(), d.statements.first());
                            prop_assert!(d.statements.iter().all(|h| s.statements.contains(h)), "{:?} not within {:?}", d.statements, s.statements);
                            if s.outcome == sesame_spec::Outcome::ExplicitDeny {
                                prop_assert_eq!(d.statements.len(), 1);
                            }
                        }
                        (Err(s), Err(e)) => prop_assert_eq!(s.to_string(), e.to_string()),
                        _ => prop_assert!(false, "spec {:?}, outcome only {:?}, request {:?}\nstore {:#?}", spec, fast, request, store),
                    }
                }
            }
        }
    }
}

/// The generator is not degenerate: over a fixed set of streams, every
/// outcome, every implicit-deny layer, refusals and variables all occur, and
/// the two engines agree on each.
#[test]
fn generated_requests_cover_every_outcome() {
    use std::collections::BTreeMap;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut consumed = 0usize;
    for _ in 0..1_500 {
        let data: Vec<u16> = (0..600)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 16) as u16
            })
            .collect();
        let mut c = Choices {
            data: &data,
            pos: 0,
        };
        let store = store(&mut c);
        let engine = compile(&store).unwrap();
        let mut scratch = engine.scratch();
        for _ in 0..6 {
            let request = request(&mut c, &store);
            let spec = evaluate(&store, &request);
            let compiled = check_spec(&engine, &mut scratch, &request);
            let label = match &spec {
                Ok(d) => format!(
                    "{}/{:?}",
                    d.outcome,
                    d.layer.or(d.statements.first().map(|s| s.layer))
                ),
                Err(_) => "error".to_owned(),
            };
            *seen.entry(label).or_default() += 1;
            match (&spec, &compiled) {
                (Ok(s), Ok((d, _))) => assert_eq!(s, d, "{request:?}"),
                (Err(s), Err(e)) => assert_eq!(s.to_string(), e.to_string()),
                _ => panic!("spec {spec:?}, compiled {compiled:?}"),
            }
        }
        consumed += c.pos;
    }
    eprintln!(
        "outcomes: {seen:?}; choices used per case: {}",
        consumed / 1_500
    );
    for label in [
        "Allow/Some(Resource)",
        "Allow/Some(Identity)",
        "ExplicitDeny/Some(Rcp)",
        "ExplicitDeny/Some(Scp)",
        "ExplicitDeny/Some(Resource)",
        "ExplicitDeny/Some(Identity)",
        "ExplicitDeny/Some(Boundary)",
        "ExplicitDeny/Some(Session)",
        "ImplicitDeny/Some(Scp)",
        "ImplicitDeny/Some(Resource)",
        "ImplicitDeny/Some(Identity)",
        "ImplicitDeny/Some(Boundary)",
        "ImplicitDeny/Some(Session)",
        "error",
    ] {
        assert!(
            seen.get(label).copied().unwrap_or(0) >= 10,
            "{label} is rare: {seen:?}"
        );
    }
}
