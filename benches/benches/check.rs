//! Check latency on the example store (`examples/store.json` and its request
//! stream): the spec evaluator (the baseline), the compiled engine (with a
//! scratch space that keeps plans, the same with the context keys named
//! once, and with one that keeps none; and the first two through
//! `Engine::check_outcome`, the answer without every statement behind it),
//! and a
//! floor (the least work any engine must do: hash the action and the
//! resource ARN into prebuilt maps and read one entry), all in one run so
//! the ratios hold on a shared machine. Each iteration answers the next
//! request of the stream, cycling; the `-reordered` rows answer the same
//! stream in a seeded shuffle of it (packed in that order), after the plans
//! were built in stream order (so the plans' memory is not read front to
//! back).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "common/compiled.rs"]
#[allow(dead_code)]
mod compiled;

use compiled::{in_order, keyed_requests, named_requests, runtime_requests};
use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sesame_benches::example_workload;
use sesame_benches::prng::{REORDER_SEED, Rng};
use sesame_runtime::{Request, Scratch};

fn checks(c: &mut Criterion) {
    let (store, requests) = example_workload().expect("the example workload loads");
    let engine = sesame_compiler::compile(&store).expect("the example store compiles");

    let runtime = runtime_requests(&requests);

    let mut i = 0usize;
    c.bench_function("example/spec", |b| {
        b.iter(|| {
            i = if i + 1 == requests.len() { 0 } else { i + 1 };
            sesame_spec::evaluate(&store, &requests[i]).unwrap()
        })
    });

    // One check, as every compiled row times it (`-outcome` rows through
    // `check_outcome`).
    let answer_with = |scratch: &mut Scratch, r: &Request<'_>, outcome_only: bool| {
        let d = if outcome_only {
            engine.check_outcome(scratch, r)
        } else {
            engine.check(scratch, r)
        };
        let d = d.unwrap();
        black_box((d.outcome, d.hits.len()))
    };
    let answer = |scratch: &mut Scratch, r: &Request<'_>| answer_with(scratch, r, false);

    // `compiled` keeps plans; `compiled-keyed` too, its requests' context
    // keys named once (as a sender that makes its context shapes when it
    // starts); `compiled-cold` keeps none, so each check works out who
    // calls, the resource and the statements that can apply, afresh; the
    // `-outcome` rows ask for the answer alone, as a send path does; the
    // `-named` rows also name each call once (a `CallKey` per principal,
    // action and resource), as a sender does per tenant identity.
    let keyed = keyed_requests(&engine, &requests);
    let named = named_requests(&engine, &requests);
    let kept = sesame_runtime::DEFAULT_PLANS;
    for (name, plans, runtime, outcome_only) in [
        ("example/compiled", kept, &runtime, false),
        ("example/compiled-keyed", kept, &keyed, false),
        ("example/compiled-cold", 0, &runtime, false),
        ("example/compiled-outcome", kept, &runtime, true),
        ("example/compiled-keyed-outcome", kept, &keyed, true),
        ("example/compiled-named", kept, &named, false),
        ("example/compiled-named-outcome", kept, &named, true),
    ] {
        let mut scratch = engine.scratch_with_plans(plans);
        let mut i = 0usize;
        c.bench_function(name, |b| {
            b.iter(|| {
                i = if i + 1 == runtime.len() { 0 } else { i + 1 };
                answer_with(&mut scratch, &runtime[i], outcome_only)
            })
        });
    }

    // The same plans read in another order: built by one pass in stream
    // order (untimed), then the stream answered in a seeded shuffle of it.
    // Cycling the stream in the order its plans were built reads the plan
    // list, keys, entries and predicates front to back, which the hardware
    // can prefetch; a sender's repeated requests come in no such order.
    // The shuffled requests are packed in the order they are answered, as
    // a sender's request is in hand when it asks.
    let order = Rng::new(REORDER_SEED).shuffled(runtime.len());
    let shuffled = runtime_requests(&in_order(&requests, &order));
    let mut scratch = engine.scratch();
    for r in &runtime {
        answer(&mut scratch, r);
    }
    let mut k = 0usize;
    c.bench_function("example/compiled-reordered", |b| {
        b.iter(|| {
            k = if k + 1 == shuffled.len() { 0 } else { k + 1 };
            answer(&mut scratch, &shuffled[k])
        })
    });

    let actions: HashMap<&str, u32> = requests
        .iter()
        .enumerate()
        .map(|(n, r)| (r.action.as_str(), n as u32))
        .collect();
    let resources: HashMap<&str, u32> = requests
        .iter()
        .enumerate()
        .map(|(n, r)| (r.resource.as_str(), n as u32))
        .collect();
    let floor = |r: &Request<'_>| {
        black_box(
            actions.get(r.action).copied().unwrap_or(0)
                ^ resources.get(r.resource).copied().unwrap_or(0),
        )
    };
    let mut i = 0usize;
    c.bench_function("example/floor", |b| {
        b.iter(|| {
            i = if i + 1 == runtime.len() { 0 } else { i + 1 };
            floor(&runtime[i])
        })
    });
    let mut k = 0usize;
    c.bench_function("example/floor-reordered", |b| {
        b.iter(|| {
            k = if k + 1 == shuffled.len() { 0 } else { k + 1 };
            floor(&shuffled[k])
        })
    });
}

criterion_group!(benches, checks);
criterion_main!(benches);
