//! Throughput: checks per second over a whole request stream, on all cores
//! (`Engine::check_batch` with `threads = 0`) and on one core
//! (`check_batch` with `threads = 1`, so both pay the same per-batch cost:
//! spawning the workers and sizing their scratch spaces), beside the spec
//! evaluator on all cores in the same run (the stream split into one chunk
//! per core under `std::thread::scope`). Workloads: the example store, W1,
//! and W2 with 10,000 tenants. Criterion reports elements (checks) per
//! second; one line per workload prints the ratios.
//!
//! `cargo bench -p sesame-benches --bench throughput`; under `cargo test
//! --benches` each bench runs once on a short stream.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "common/compiled.rs"]
#[allow(dead_code)]
mod compiled;

use std::time::{Duration, Instant};

use compiled::runtime_requests;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sesame_benches::{example_workload, w1, w2};
use sesame_runtime::Engine;
use sesame_spec::{Outcome, Request, Store};

/// Whether criterion runs for real (`cargo bench` passes `--bench`).
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// One byte per outcome, so the batch writes something the optimiser keeps.
fn code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Allow => 1,
        Outcome::ExplicitDeny => 2,
        Outcome::ImplicitDeny => 3,
    }
}

fn runtime_code(outcome: sesame_runtime::Outcome) -> u8 {
    match outcome {
        sesame_runtime::Outcome::Allow => 1,
        sesame_runtime::Outcome::ExplicitDeny => 2,
        sesame_runtime::Outcome::ImplicitDeny => 3,
    }
}

/// The compiled engine over the whole stream on `threads` workers (0: all
/// cores); a refused request counts as an implicit deny.
fn sesame_batch(
    engine: &Engine,
    requests: &[sesame_runtime::Request<'_>],
    out: &mut [u8],
    threads: usize,
) {
    engine.check_batch(requests, out, threads, |_, d| {
        d.map_or(3, |d| runtime_code(d.outcome))
    });
}

/// The spec evaluator over the whole stream, one chunk per core.
fn spec_batch(store: &Store, requests: &[Request], out: &mut [u8], threads: usize) {
    let chunk = requests.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for (reqs, outs) in requests.chunks(chunk).zip(out.chunks_mut(chunk)) {
            scope.spawn(move || {
                for (r, o) in reqs.iter().zip(outs.iter_mut()) {
                    *o = sesame_spec::evaluate(store, r).map_or(3, |d| code(d.outcome));
                }
            });
        }
    });
}

/// Median seconds of `rounds` runs of `f`.
fn median_secs(rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn run(c: &mut Criterion, label: &str, store: &Store, requests: &[Request]) {
    let n = requests.len();
    let threads = cores();
    let engine = sesame_compiler::compile(store).expect("the workload compiles");
    let runtime = runtime_requests(requests);

    // Same decisions before timing: the batch answers of both engines.
    let mut ours = vec![0u8; n];
    let mut theirs = vec![0u8; n];
    sesame_batch(&engine, &runtime, &mut ours, 0);
    spec_batch(store, requests, &mut theirs, threads);
    let differ = ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    if differ == 0 {
        println!("{label}: sesame's batch agrees with the spec on {n} of {n} requests");
    } else {
        println!("{label}: sesame's batch DIFFERS from the spec on {differ} of {n} requests");
    }

    let mut group = c.benchmark_group(label);
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(if bench_mode() { 5 } else { 1 }));
    let mut out = vec![0u8; n];
    group.bench_function(BenchmarkId::new("sesame", "all"), |b| {
        b.iter(|| sesame_batch(&engine, &runtime, &mut out, 0))
    });
    group.bench_function(BenchmarkId::new("sesame", "1"), |b| {
        b.iter(|| sesame_batch(&engine, &runtime, &mut out, 1))
    });
    group.bench_function(BenchmarkId::new("spec", "all"), |b| {
        b.iter(|| spec_batch(store, requests, &mut out, threads))
    });
    group.finish();

    // One line with the ratios, from a few timed passes of each.
    let rounds = if bench_mode() { 5 } else { 1 };
    let all = median_secs(rounds, || sesame_batch(&engine, &runtime, &mut out, 0));
    let one = median_secs(rounds, || sesame_batch(&engine, &runtime, &mut out, 1));
    let spec = median_secs(rounds, || spec_batch(store, requests, &mut out, threads));
    let per_s = |s: f64| n as f64 / s.max(f64::MIN_POSITIVE);
    println!(
        "{label} ({n} requests, {threads} cores, median of {rounds}): sesame all cores {:.0} checks/s, one core {:.0} checks/s ({:.2}x on {threads} cores); spec all cores {:.0} checks/s; sesame / spec on all cores {:.1}x",
        per_s(all),
        per_s(one),
        one / all.max(f64::MIN_POSITIVE),
        per_s(spec),
        spec / all.max(f64::MIN_POSITIVE),
    );
}

fn throughput(c: &mut Criterion) {
    let count = if bench_mode() { 4000 } else { 200 };
    let (store, requests) = example_workload().expect("the example workload loads");
    let take = if bench_mode() { requests.len() } else { count };
    run(
        c,
        "throughput/example",
        &store,
        &requests[..take.min(requests.len())],
    );
    let (store, requests) = w1::generate(1, count);
    run(c, "throughput/w1", &store, &requests);
    let (store, requests) = w2::generate(10_000, 1, count).expect("w2 generates");
    run(c, "throughput/w2-10k", &store, &requests);
}

criterion_group!(benches, throughput);
criterion_main!(benches);
