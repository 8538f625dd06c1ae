//! Throughput: checks per second over a whole request stream, on all cores
//! and on one, beside the spec evaluator on all cores in the same run (the
//! stream split into one chunk per core under `std::thread::scope`).
//! Workloads: the example store, W1, and W2 with 10,000 tenants. Criterion
//! reports elements (checks) per second; one line per workload prints the
//! ratios.
//!
//! Two ways to run the compiled engine, each on all cores (`all`) and on one
//! (`1`):
//!
//! - `sesame`: long-lived workers (one per core, or one), started before
//!   timing, each calling `Engine::check` with its own scratch space over
//!   its own part of the stream, as a sender's service runs: the calling
//!   thread answers the first part, worker threads the others. A pass bumps
//!   a generation number the threads watch; between passes they spin, as a
//!   busy service's workers never sleep, and park when idle longer. So the
//!   figure holds no thread spawn and no wake-up of a sleeping thread.
//!   Their scratch spaces keep plans from
//!   one pass to the next (warmed by one untimed pass), so a repeated
//!   request is answered from its plan; on one core the calling thread
//!   answers the whole stream.
//! - `sesame-batch`: `Engine::check_batch_with` over the same number of
//!   kept scratch spaces, which spawns its threads on every call (a scoped
//!   spawn and join: 60 µs at the median on this machine when idle, some
//!   hundreds of warm checks).
//! - `sesame-fresh`: `Engine::check_batch` (`threads = 0`, `threads = 1`),
//!   which makes fresh scratch spaces for every call, so every batch is cold:
//!   each worker builds the plans of its chunk, and the figure is mostly plan
//!   building. Kept for honesty, and for one-off batches.
//!
//! After criterion's measures, each workload's passes are timed again back
//! to back (all cores, then one, alternating kinds within a few seconds),
//! printed as one line and, under `cargo bench`, written to
//! `<target>/sesame-bench/throughput.json` for the report: a ratio of two
//! criterion columns timed minutes apart moves with a shared machine's load.
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
#[path = "common/output.rs"]
mod output;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use compiled::runtime_requests;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sesame_benches::{example_workload, w1, w2};
use sesame_runtime::{Engine, Scratch};
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

/// What the batches write per request: its outcome (a refused request
/// counts as an implicit deny).
fn outcome_code(
    _: &sesame_runtime::Request<'_>,
    d: Result<sesame_runtime::Decision<'_>, sesame_runtime::CheckError>,
) -> u8 {
    d.map_or(3, |d| runtime_code(d.outcome))
}

/// The compiled engine over the whole stream, one worker per kept scratch
/// space (their plans stay from one call to the next).
fn sesame_warm(
    engine: &Engine,
    scratches: &mut [Scratch],
    requests: &[sesame_runtime::Request<'_>],
    out: &mut [u8],
) {
    engine.check_batch_with(scratches, requests, out, outcome_code);
}

/// Long-lived workers: the calling thread answers the first part of the
/// stream with its own scratch space, and `count - 1` threads the other
/// parts, each with its own. A pass bumps a generation number the threads
/// watch; after a pass they spin for a while, as a busy service's workers
/// never sleep, and park once idle longer (so the other benchmarks run on
/// free cores).
struct Workers {
    engine: Arc<Engine>,
    /// The calling thread's part and scratch space.
    part: &'static [sesame_runtime::Request<'static>],
    scratch: Scratch,
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
}

/// What the calling thread and the worker threads share.
struct Shared {
    generation: AtomicU64,
    /// Worker threads done with the current pass.
    done: AtomicUsize,
    stop: AtomicBool,
    /// Per worker thread, the checksum of its last pass.
    sums: Vec<AtomicU64>,
}

/// Spins a worker waits for the next pass before it parks.
const SPINS: u32 = 1 << 20;

/// A position-weighted sum of outcome codes, so a wrong answer anywhere
/// shows.
fn checksum(first: usize, codes: impl Iterator<Item = u8>) -> u64 {
    codes.enumerate().fold(0u64, |sum, (i, c)| {
        sum.wrapping_add(u64::from(c).wrapping_mul((first + i) as u64 + 1))
    })
}

impl Workers {
    fn new(
        engine: &Arc<Engine>,
        requests: &'static [sesame_runtime::Request<'static>],
        count: usize,
    ) -> Workers {
        let count = count.max(1);
        let chunk = requests.len().div_ceil(count).max(1);
        let part = |w: usize| {
            let first = (w * chunk).min(requests.len());
            (
                first,
                &requests[first..((w + 1) * chunk).min(requests.len())],
            )
        };
        let shared = Arc::new(Shared {
            generation: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            sums: (1..count).map(|_| AtomicU64::new(0)).collect(),
        });
        let handles = (1..count)
            .map(|w| {
                let (engine, shared) = (Arc::clone(engine), Arc::clone(&shared));
                let (first, part) = part(w);
                std::thread::spawn(move || {
                    let mut scratch = engine.scratch();
                    let mut seen = 0;
                    loop {
                        let mut spins = 0u32;
                        loop {
                            if shared.stop.load(Ordering::Acquire) {
                                return;
                            }
                            let g = shared.generation.load(Ordering::Acquire);
                            if g != seen {
                                seen = g;
                                break;
                            }
                            if spins < SPINS {
                                spins += 1;
                                std::hint::spin_loop();
                            } else {
                                std::thread::park_timeout(Duration::from_millis(1));
                            }
                        }
                        let codes = part
                            .iter()
                            .map(|r| outcome_code(r, engine.check(&mut scratch, r)));
                        shared.sums[w - 1].store(checksum(first, codes), Ordering::Release);
                        shared.done.fetch_add(1, Ordering::AcqRel);
                    }
                })
            })
            .collect();
        Workers {
            engine: Arc::clone(engine),
            part: part(0).1,
            scratch: engine.scratch(),
            shared,
            handles,
        }
    }

    /// One pass over the stream; the checksum of its answers.
    fn run(&mut self) -> u64 {
        self.shared.done.store(0, Ordering::Release);
        self.shared.generation.fetch_add(1, Ordering::AcqRel);
        for h in &self.handles {
            h.thread().unpark();
        }
        let (engine, scratch) = (&self.engine, &mut self.scratch);
        let codes = self
            .part
            .iter()
            .map(|r| outcome_code(r, engine.check(scratch, r)));
        let mine = checksum(0, codes);
        while self.shared.done.load(Ordering::Acquire) < self.handles.len() {
            std::hint::spin_loop();
        }
        self.shared
            .sums
            .iter()
            .fold(mine, |s, w| s.wrapping_add(w.load(Ordering::Acquire)))
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        for h in self.handles.drain(..) {
            h.thread().unpark();
            h.join().expect("a worker finishes");
        }
    }
}

/// The compiled engine over the whole stream on `threads` workers (0: all
/// cores), each with a fresh scratch space: a cold batch.
fn sesame_fresh(
    engine: &Engine,
    requests: &[sesame_runtime::Request<'_>],
    out: &mut [u8],
    threads: usize,
) {
    engine.check_batch(requests, out, threads, outcome_code);
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

/// Benches one workload; returns its back-to-back ratios as a JSON row.
fn run(c: &mut Criterion, label: &str, store: &Store, requests: &[Request]) -> serde_json::Value {
    let n = requests.len();
    let threads = cores();
    let engine = Arc::new(sesame_compiler::compile(store).expect("the workload compiles"));
    let runtime: &'static [sesame_runtime::Request<'static>] =
        Box::leak(runtime_requests(requests).into_boxed_slice());
    let mut all_workers = Workers::new(&engine, runtime, threads);
    let mut one_worker = Workers::new(&engine, runtime, 1);
    let mut all_scratches: Vec<Scratch> = (0..threads).map(|_| engine.scratch()).collect();
    let mut one_scratch = [engine.scratch()];

    // Same decisions before timing: the spec's, the cold batch's and the
    // warm batch's on both scratch sets. These untimed passes also warm the
    // kept scratch spaces.
    let mut theirs = vec![0u8; n];
    spec_batch(store, requests, &mut theirs, threads);
    let mut ours = vec![0u8; n];
    let mut differ = 0;
    sesame_fresh(&engine, runtime, &mut ours, 0);
    differ += ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    sesame_warm(&engine, &mut all_scratches, runtime, &mut ours);
    differ += ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    sesame_warm(&engine, &mut one_scratch, runtime, &mut ours);
    differ += ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    // The workers' passes (the first warms them) against the spec's sum.
    let expected = checksum(0, theirs.iter().copied());
    for workers in [&mut all_workers, &mut one_worker] {
        for _ in 0..2 {
            differ += usize::from(workers.run() != expected);
        }
    }
    if differ == 0 {
        println!(
            "{label}: sesame (workers on all cores and on one, batches warm and fresh) agrees with the spec on {n} of {n} requests"
        );
    } else {
        println!("{label}: sesame DIFFERS from the spec ({differ} differences over {n} requests)");
    }

    let mut group = c.benchmark_group(label);
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(if bench_mode() { 5 } else { 1 }));
    let mut out = vec![0u8; n];
    group.bench_function(BenchmarkId::new("sesame", "all"), |b| {
        b.iter(|| all_workers.run())
    });
    group.bench_function(BenchmarkId::new("sesame", "1"), |b| {
        b.iter(|| one_worker.run())
    });
    group.bench_function(BenchmarkId::new("sesame-batch", "all"), |b| {
        b.iter(|| sesame_warm(&engine, &mut all_scratches, runtime, &mut out))
    });
    group.bench_function(BenchmarkId::new("sesame-batch", "1"), |b| {
        b.iter(|| sesame_warm(&engine, &mut one_scratch, runtime, &mut out))
    });
    group.bench_function(BenchmarkId::new("sesame-fresh", "all"), |b| {
        b.iter(|| sesame_fresh(&engine, runtime, &mut out, 0))
    });
    group.bench_function(BenchmarkId::new("sesame-fresh", "1"), |b| {
        b.iter(|| sesame_fresh(&engine, runtime, &mut out, 1))
    });
    group.bench_function(BenchmarkId::new("spec", "all"), |b| {
        b.iter(|| spec_batch(store, requests, &mut out, threads))
    });
    group.finish();

    // One line with the ratios, from timed passes of each, back to back:
    // many of the engine's sub-millisecond passes (one slow spawn or
    // scheduling delay moves a single pass a lot), a few of the spec's.
    let rounds = if bench_mode() { 31 } else { 1 };
    let spec_rounds = if bench_mode() { 3 } else { 1 };
    let all = median_secs(rounds, || {
        all_workers.run();
    });
    let one = median_secs(rounds, || {
        one_worker.run();
    });
    let batch_all = median_secs(rounds, || {
        sesame_warm(&engine, &mut all_scratches, runtime, &mut out)
    });
    let batch_one = median_secs(rounds, || {
        sesame_warm(&engine, &mut one_scratch, runtime, &mut out)
    });
    let fresh_all = median_secs(rounds, || sesame_fresh(&engine, runtime, &mut out, 0));
    let fresh_one = median_secs(rounds, || sesame_fresh(&engine, runtime, &mut out, 1));
    let spec = median_secs(spec_rounds, || {
        spec_batch(store, requests, &mut out, threads)
    });
    let per_s = |s: f64| n as f64 / s.max(f64::MIN_POSITIVE);
    let ratio = |a: f64, b: f64| a / b.max(f64::MIN_POSITIVE);
    println!(
        "{label} ({n} requests, {threads} cores, median of {rounds} passes, {spec_rounds} of the spec's): sesame workers all cores {:.0} checks/s, one core {:.0} checks/s ({:.2}x on {threads} cores); check_batch_with (kept scratches) all cores {:.0} checks/s, one core {:.0} checks/s ({:.2}x); sesame fresh (check_batch) all cores {:.0} checks/s, one core {:.0} checks/s ({:.2}x on {threads} cores); spec all cores {:.0} checks/s; sesame workers / spec on all cores {:.1}x",
        per_s(all),
        per_s(one),
        ratio(one, all),
        per_s(batch_all),
        per_s(batch_one),
        ratio(batch_one, batch_all),
        per_s(fresh_all),
        per_s(fresh_one),
        ratio(fresh_one, fresh_all),
        per_s(spec),
        ratio(spec, all),
    );
    serde_json::json!({
        "workload": label,
        "requests": n,
        "cores": threads,
        "rounds": rounds,
        "workers_all_per_s": per_s(all),
        "workers_one_per_s": per_s(one),
        "workers_speedup": ratio(one, all),
        "batch_speedup": ratio(batch_one, batch_all),
        "fresh_speedup": ratio(fresh_one, fresh_all),
    })
}

fn throughput(c: &mut Criterion) {
    let count = if bench_mode() { 4000 } else { 200 };
    let (store, requests) = example_workload().expect("the example workload loads");
    let take = if bench_mode() { requests.len() } else { count };
    let mut rows = vec![run(
        c,
        "throughput/example",
        &store,
        &requests[..take.min(requests.len())],
    )];
    let (store, requests) = w1::generate(1, count);
    rows.push(run(c, "throughput/w1", &store, &requests));
    let (store, requests) = w2::generate(10_000, 1, count).expect("w2 generates");
    rows.push(run(c, "throughput/w2-10k", &store, &requests));
    if bench_mode() {
        output::write_json("throughput.json", &serde_json::json!({ "rows": rows }));
    }
}

criterion_group!(benches, throughput);
criterion_main!(benches);
