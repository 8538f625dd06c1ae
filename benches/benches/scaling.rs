//! Scaling with the fleet: the check cost of the compiled engine, the spec
//! evaluator and the floor (hash the action and the resource ARN into
//! prebuilt maps, read one entry) on W2 at 1,000, 10,000, 100,000 and
//! 1,000,000 tenants, with each size's generation and compile time printed.
//! The sizes above 1,000 run only under `cargo bench` (the 1,000,000-tenant
//! store takes about half a minute to generate and compile and several GB
//! of memory), so `cargo test --benches` stays fast; it says what it skips.
//! `SESAME_BENCH_MAX_TENANTS=100000` caps the sizes. Compile and load times
//! and memory across sizes: the `build` and `memory` benches.
//!
//! `cargo bench -p sesame-benches --bench scaling`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "common/compiled.rs"]
#[allow(dead_code)]
mod compiled;

use compiled::compiled_engines;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use sesame_benches::peer::{Engine, Floor, ratio_line, spec_engine};
use sesame_benches::w2;

fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn scaling(c: &mut Criterion) {
    let all: &[usize] = &[1_000, 10_000, 100_000, 1_000_000];
    let cap = std::env::var("SESAME_BENCH_MAX_TENANTS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let mut sizes = Vec::new();
    for &tenants in all {
        if !bench_mode() && tenants > 1_000 {
            println!(
                "scaling/w2 {tenants} tenants skipped in test mode (runs under `cargo bench`)"
            );
        } else if tenants > cap {
            println!("scaling/w2 {tenants} tenants skipped: above SESAME_BENCH_MAX_TENANTS={cap}");
        } else {
            sizes.push(tenants);
        }
    }
    let count = if bench_mode() { 4000 } else { 200 };
    let mut group = c.benchmark_group("scaling/w2");
    group.sample_size(20);
    for &tenants in &sizes {
        let start = Instant::now();
        let (store, requests) = w2::generate(tenants, 1, count).expect("w2 generates");
        println!(
            "w2 {tenants} tenants: generated in {:.3} s ({} policies, {} identities)",
            start.elapsed().as_secs_f64(),
            store.policies.len(),
            store.resources.len()
        );
        let spec = spec_engine(&store, &requests);
        let floor = Floor::new(&requests, &spec);
        let mut engines: Vec<Engine<'_>> = vec![spec_engine(&store, &requests)];
        engines.push(Engine::over("floor", &requests, |r| floor.check(r)));
        let start = Instant::now();
        engines.extend(compiled_engines(&store, &requests));
        println!(
            "w2 {tenants} tenants: compiled (and its requests packed) in {:.3} s",
            start.elapsed().as_secs_f64()
        );
        for engine in &engines {
            let mut i = 0usize;
            let n = requests.len();
            group.bench_function(format!("{}/{tenants}", engine.name), |b| {
                b.iter(|| {
                    i = if i + 1 == n { 0 } else { i + 1 };
                    engine.check(i)
                })
            });
        }
        let rounds = if bench_mode() { 5 } else { 1 };
        println!(
            "{}",
            ratio_line(
                &format!("scaling/w2-{tenants}"),
                &engines,
                requests.len(),
                rounds
            )
        );
    }
    group.finish();
}

criterion_group!(benches, scaling);
criterion_main!(benches);
