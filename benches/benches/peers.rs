//! Peers on the same decisions: the spec evaluator, cedar-policy (on the
//! Cedar translation of [`sesame_benches::cedar`]) and iam-rs (with the
//! layering glue of [`sesame_benches::peer_iam`]), plus the floor, on W1 and
//! on W2 with 10,000 tenants. Every engine is checked against the spec on a
//! sample before timing, and one line per workload prints each engine's
//! median time per check relative to the spec's.
//!
//! `cargo bench -p sesame-benches --bench peers`; under `cargo test
//! --benches` (criterion's test mode) each bench runs once on a short
//! stream. `SESAME_BENCH_WORKLOAD=w1|w2` runs one workload only.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "common/compiled.rs"]
mod compiled;

use compiled::{compiled_engines, in_order, reordered_sesame};
use criterion::{Criterion, criterion_group, criterion_main};
use sesame_benches::peer::{
    Engine, Floor, agreement, cedar_engine, iam_rs_engine, outcome_mix, ratio_line, spec_engine,
};
use sesame_benches::peer_iam::as_iam_rs_reads;
use sesame_benches::prng::{REORDER_SEED, Rng};
use sesame_benches::{w1, w2};
use sesame_spec::{Request, Store};

/// Whether criterion runs for real (`cargo bench` passes `--bench`).
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn run(c: &mut Criterion, label: &str, store: &Store, requests: &[Request]) {
    let n = requests.len();
    let spec = spec_engine(store, requests);
    let floor = Floor::new(requests, &spec);
    let mut engines: Vec<Engine<'_>> = vec![spec_engine(store, requests)];
    engines.push(Engine::over("floor", requests, |r| floor.check(r)));
    engines.extend(compiled_engines(store, requests));
    match cedar_engine(store, requests) {
        Ok((cedar, policies)) => {
            println!("{label}: cedar translation has {policies} policies");
            engines.push(cedar);
        }
        Err(e) => println!("{label}: cedar left out: {e}"),
    }
    match iam_rs_engine(store, requests) {
        Ok(iam) => engines.push(iam),
        Err(e) => println!("{label}: iam-rs left out: {e}"),
    }
    let [allow, explicit, implicit] = outcome_mix(&spec, n);
    println!(
        "{label}: {n} requests, spec mix Allow {allow} / ExplicitDeny {explicit} / ImplicitDeny {implicit}"
    );
    // Sesame and the floor again over the same requests in a shuffled
    // order (sesame's plans built in stream order first): cycling a stream
    // in the order its plans were built reads the plans' memory front to
    // back, which the hardware can prefetch; a sender's repeats come in no
    // such order. The requests themselves are packed in the order they
    // are answered, as a sender's request is in hand when it asks.
    let order = Rng::new(REORDER_SEED).shuffled(n);
    let shuffled = in_order(requests, &order);
    let reordered = [
        reordered_sesame(store, requests, &order),
        Engine::over("floor-reordered", &shuffled, |r| floor.check(r)),
    ];
    // The floor answers by action and resource only: it is a cost, not an
    // engine, and is not compared.
    for engine in engines.iter().skip(1).filter(|e| e.name != "floor") {
        say_agreement(label, &engine.name, agreement(&spec, engine, requests, n));
    }
    let shuffled_spec = spec_engine(store, &shuffled);
    say_agreement(
        label,
        &reordered[0].name,
        agreement(&shuffled_spec, &reordered[0], &shuffled, n),
    );
    // iam-rs reads `${...}` in condition values literally: compare it with
    // the spec on the store read that way too.
    let (literal, changed) = as_iam_rs_reads(store);
    let literal_spec = spec_engine(&literal, requests);
    if let Some(iam) = engines.iter().find(|e| e.name == "iam-rs") {
        match agreement(&literal_spec, iam, requests, n) {
            Ok(k) => println!(
                "{label}: iam-rs agrees on {k} of {k} requests with the spec on the store as iam-rs reads it ({changed} policies with condition variables read literally)"
            ),
            Err(e) => println!("{label}: iam-rs DISAGREES even with variables literal: {e}"),
        }
    }
    let mut group = c.benchmark_group(label);
    group.sample_size(20);
    // Each engine answers its own stream's requests in turn, cycling (the
    // reordered ones' streams are the shuffle).
    for engine in engines.iter().chain(&reordered) {
        let mut i = 0usize;
        group.bench_function(engine.name.as_str(), |b| {
            b.iter(|| {
                i = if i + 1 == n { 0 } else { i + 1 };
                engine.check(i)
            })
        });
    }
    group.finish();
    let rounds = if bench_mode() { 7 } else { 1 };
    println!("{}", ratio_line(label, &engines, n, rounds));
}

/// Prints whether `name` gave the spec's answers (the first difference if
/// not). Sesame's rows must: a difference there stops the bench (and
/// `cargo test --benches`) before anything is timed.
fn say_agreement(label: &str, name: &str, result: Result<usize, String>) {
    match result {
        Ok(k) => println!("{label}: {name} agrees with the spec on {k} of {k} requests"),
        Err(e) => {
            let first = e.lines().next().unwrap_or("");
            println!("{label}: {name} differs from the spec: {first}");
            assert!(
                !name.starts_with("sesame"),
                "{label}: {name} differs from the spec:\n{e}"
            );
        }
    }
}

fn peers(c: &mut Criterion) {
    let requests = if bench_mode() { 4000 } else { 200 };
    // `SESAME_BENCH_WORKLOAD=w1` (or `w2`) runs one workload only, for
    // instruction counts under `valgrind --tool=callgrind`.
    let only = std::env::var("SESAME_BENCH_WORKLOAD").ok();
    let wanted = |w: &str| only.as_deref().is_none_or(|o| o.eq_ignore_ascii_case(w));
    if wanted("w1") {
        let (store, stream) = w1::generate(1, requests);
        run(c, "peers/w1", &store, &stream);
    }
    if wanted("w2") {
        let (store, stream) = w2::generate(10_000, 1, requests).expect("w2 generates");
        run(c, "peers/w2-10k", &store, &stream);
    }
}

criterion_group!(benches, peers);
criterion_main!(benches);
