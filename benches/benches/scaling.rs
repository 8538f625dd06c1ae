//! Scaling with the fleet: the spec evaluator's check cost on W2 at 1,000,
//! 10,000 and 100,000 tenants beside the floor (hash the action and the
//! resource ARN into prebuilt maps, read one entry), and how long W2's
//! generator takes, up to 1,000,000 tenants (printed; only under
//! `cargo bench`, so `cargo test --benches` stays fast).
//!
//! `cargo bench -p sesame-benches --bench scaling`
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "common/compiled.rs"]
mod compiled;

use compiled::compiled_engine;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use sesame_benches::peer::{Engine, Floor, ratio_line, spec_engine};
use sesame_benches::w2;

fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn scaling(c: &mut Criterion) {
    let sizes: &[usize] = if bench_mode() {
        &[1_000, 10_000, 100_000]
    } else {
        &[1_000]
    };
    let count = if bench_mode() { 4000 } else { 200 };
    let mut group = c.benchmark_group("scaling/w2");
    group.sample_size(20);
    for &tenants in sizes {
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
        engines.push(compiled_engine(&store, &requests));
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
    if bench_mode() {
        let start = Instant::now();
        let store = w2::store(1_000_000, 1).expect("w2 generates");
        println!(
            "w2 1000000 tenants: store generated in {:.3} s ({} policies, {} principals, {} identities)",
            start.elapsed().as_secs_f64(),
            store.policies.len(),
            store.principals.len(),
            store.resources.len()
        );
        let start = Instant::now();
        let requests = w2::requests(1_000_000, 1, 100_000);
        println!(
            "w2 1000000 tenants: 100000 requests generated in {:.3} s",
            start.elapsed().as_secs_f64()
        );
        drop(requests);
        drop(store);
    }
}

criterion_group!(benches, scaling);
criterion_main!(benches);
