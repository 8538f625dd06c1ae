//! Building and loading: compile time (W3, all AWS managed policies; W2
//! fleets), artifact size per statement, and artifact load time, against the
//! targets of DESIGN.md (compile W3 < 2 s, load a 100,000-tenant W2 artifact
//! < 50 ms, <= 200 bytes per statement). Sizes and statement counts are
//! printed beside criterion's medians. Each time is the compile or the load
//! alone: the engine made is freed after its time is taken. The growth of
//! compile and load time and memory up to 1,000,000 tenants (one timed run
//! per size): the `memory` bench.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Bencher, Criterion, criterion_group, criterion_main};
use sesame_benches::{w2, w3};
use sesame_runtime::Engine;
use sesame_spec::Store;

/// Whether criterion runs for real (`cargo bench` passes `--bench`).
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Times `make` alone: what it makes is dropped after the time is taken.
/// (Criterion's `iter` would time freeing a 100,000-tenant engine with its
/// load; `iter_with_large_drop` would keep a batch of them alive at once.)
fn time_without_drop<T>(b: &mut Bencher<'_>, mut make: impl FnMut() -> T) {
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let start = Instant::now();
            let made = black_box(make());
            total += start.elapsed();
            drop(made);
        }
        total
    });
}

fn statements(store: &Store) -> usize {
    store.policies.values().map(|p| p.statements.len()).sum()
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    match w3::store_from(&w3::corpus_dir()) {
        Ok(store) => {
            let engine = sesame_compiler::compile(&store).expect("W3 compiles");
            let bytes = engine.to_artifact().len();
            let n = statements(&store);
            println!(
                "build/w3: {} policies, {n} statements, artifact {bytes} bytes ({:.1} bytes per statement)",
                store.policies.len(),
                bytes as f64 / n as f64
            );
            group.bench_function("compile/w3", |b| {
                time_without_drop(b, || sesame_compiler::compile(&store).unwrap());
            });
        }
        Err(e) => println!("build/w3 skipped: {e}"),
    }
    let sizes: &[usize] = if bench_mode() {
        &[1_000, 10_000, 100_000]
    } else {
        &[1_000]
    };
    for &tenants in sizes {
        let store = w2::store(tenants, 1).expect("w2 generates");
        let engine = sesame_compiler::compile(&store).expect("w2 compiles");
        let artifact = engine.to_artifact();
        let n = statements(&store);
        println!(
            "build/w2-{tenants}: {} policies, {n} statements, artifact {} bytes ({:.1} bytes per statement)",
            store.policies.len(),
            artifact.len(),
            artifact.len() as f64 / n as f64
        );
        group.bench_function(format!("compile/w2/{tenants}"), |b| {
            time_without_drop(b, || sesame_compiler::compile(&store).unwrap());
        });
        group.bench_function(format!("load/w2/{tenants}"), |b| {
            time_without_drop(b, || Engine::from_artifact(&artifact).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, build);
criterion_main!(benches);
