//! Memory: the heap bytes a compiled engine holds, per statement, and how
//! they grow with the W2 fleet (1,000, 10,000, 100,000 tenants, and
//! 1,000,000 under `cargo bench`), beside the spec `Store`'s bytes for the
//! same policies, the scratch space's size, heap allocations per check on a
//! warm scratch (DESIGN.md: zero), and the compile and artifact load time
//! per size (the growth of both: the median of five runs where one takes
//! under half a second, else one run; criterion's medians for the smaller
//! sizes are in the `build` bench).
//!
//! Live bytes come from a counting global allocator (`stats_alloc`): the
//! bytes allocated and not yet freed before and after building a value,
//! with the value kept alive. Peak resident memory is the process's high
//! water mark (`VmHWM`), reset before each workload where Linux allows it.
//!
//! Not a criterion bench (one measurement per size says it all): it prints
//! a table and, under `cargo bench`, writes `<target>/sesame-bench/memory.json`
//! for the report.
//! `cargo bench -p sesame-benches --bench memory`; under `cargo test
//! --benches` only the example, W1, W3 and W2 at 1,000 tenants run.
//! `SESAME_BENCH_MAX_TENANTS=100000` caps the W2 sizes.
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

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use compiled::runtime_requests;
use serde_json::json;
use sesame_benches::{examples_dir, w1, w2, w3};
use sesame_runtime::Engine;
use sesame_spec::{Request, Store};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Whether the bench runs for real (`cargo bench` passes `--bench`).
fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Heap bytes allocated and not yet freed.
fn live() -> usize {
    let s = GLOBAL.stats();
    s.bytes_allocated.saturating_sub(s.bytes_deallocated)
}

/// Heap allocations so far (reallocations count as allocations).
fn allocations() -> usize {
    let s = GLOBAL.stats();
    s.allocations + s.reallocations
}

/// A `/proc/self/status` field in bytes (`VmHWM`, `VmRSS`), where there is one.
fn proc_status_bytes(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets the peak resident size (Linux: `5` to `/proc/self/clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn statements(store: &Store) -> usize {
    store.policies.values().map(|p| p.statements.len()).sum()
}

fn per(bytes: usize, n: usize) -> f64 {
    bytes as f64 / n.max(1) as f64
}

/// The median of `first` and, when it took under half a second, four more
/// timed runs of `again` (so the small sizes' times are not one noisy
/// sample; the large ones are too slow to repeat). What `again` makes is
/// dropped after its time is taken, as the first run's is.
fn settle<T>(first: f64, mut again: impl FnMut() -> T) -> f64 {
    let mut samples = vec![first];
    if first < 0.5 {
        for _ in 0..4 {
            let start = Instant::now();
            let made = black_box(again());
            samples.push(start.elapsed().as_secs_f64());
            drop(made);
        }
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Everything measured for one workload.
fn measure(
    label: &str,
    tenants: Option<usize>,
    make_store: impl FnOnce() -> Store,
    make_requests: impl FnOnce() -> Vec<Request>,
) -> serde_json::Value {
    reset_peak();
    let before = live();
    let start = Instant::now();
    let store = make_store();
    let generate_s = start.elapsed().as_secs_f64();
    let store_bytes = live().saturating_sub(before);
    let n_statements = statements(&store);
    let n_policies = store.policies.len();

    let requests = make_requests();
    let runtime = runtime_requests(&requests);

    let before = live();
    let start = Instant::now();
    let engine = sesame_compiler::compile(&store).expect("the workload compiles");
    let first_compile = start.elapsed().as_secs_f64();
    let engine_bytes = live().saturating_sub(before);
    let compile_s = settle(first_compile, || {
        sesame_compiler::compile(&store).expect("the workload compiles")
    });
    drop(store);

    // The scratch: fresh, then after one pass over the stream (buffers it
    // grows stay grown), then the allocations of a second pass.
    let before = live();
    let mut scratch = engine.scratch();
    let scratch_fresh = live().saturating_sub(before);
    let mut refused = 0usize;
    for r in &runtime {
        match engine.check(&mut scratch, r) {
            Ok(d) => {
                black_box((d.outcome, d.hits.len()));
            }
            Err(_) => refused += 1,
        }
    }
    let scratch_warm = live().saturating_sub(before);
    let first = allocations();
    for r in &runtime {
        if let Ok(d) = engine.check(&mut scratch, r) {
            black_box((d.outcome, d.hits.len()));
        }
    }
    let warm_allocations = allocations().saturating_sub(first);
    drop(scratch);

    let artifact = engine.to_artifact();
    drop(engine);
    let before = live();
    let start = Instant::now();
    let loaded = Engine::from_artifact(&artifact).expect("the artifact loads");
    let first_load = start.elapsed().as_secs_f64();
    let loaded_bytes = live().saturating_sub(before);
    drop(loaded);
    let load_s = settle(first_load, || {
        Engine::from_artifact(&artifact).expect("the artifact loads")
    });
    let peak = proc_status_bytes("VmHWM");

    let checks = runtime.len();
    println!(
        "memory/{label}: {n_policies} policies, {n_statements} statements; engine {engine_bytes} B ({:.0} B/statement), \
         loaded {loaded_bytes} B ({:.0} B/statement), spec store {store_bytes} B ({:.0} B/statement); \
         artifact {} B ({:.0} B/statement); scratch {scratch_fresh} B fresh, {scratch_warm} B warm; \
         {warm_allocations} allocations in {checks} warm checks ({refused} refused); \
         generate {generate_s:.3} s, compile {compile_s:.3} s, load {load_s:.3} s; peak RSS {} MiB",
        per(engine_bytes, n_statements),
        per(loaded_bytes, n_statements),
        per(store_bytes, n_statements),
        artifact.len(),
        per(artifact.len(), n_statements),
        peak.map_or("?".to_owned(), |b| (b / 1_048_576).to_string()),
    );
    json!({
        "workload": label,
        "tenants": tenants,
        "policies": n_policies,
        "statements": n_statements,
        "engine_bytes": engine_bytes,
        "loaded_engine_bytes": loaded_bytes,
        "store_bytes": store_bytes,
        "artifact_bytes": artifact.len(),
        "scratch_fresh_bytes": scratch_fresh,
        "scratch_warm_bytes": scratch_warm,
        "warm_checks": checks,
        "warm_allocations": warm_allocations,
        "refused": refused,
        "generate_seconds": generate_s,
        "compile_seconds": compile_s,
        "compile_runs": if first_compile < 0.5 { 5 } else { 1 },
        "load_seconds": load_s,
        "load_runs": if first_load < 0.5 { 5 } else { 1 },
        "peak_rss_bytes": peak,
    })
}

fn main() {
    let bench = bench_mode();
    let count = if bench { 4000 } else { 200 };
    let mut rows = Vec::new();

    rows.push(measure(
        "example",
        None,
        || Store::from_file(&examples_dir().join("store.json")).expect("the example store loads"),
        || {
            sesame_benches::example_workload()
                .expect("the example workload loads")
                .1
        },
    ));
    rows.push(measure("w1", None, w1::store, || w1::generate(1, count).1));
    let dir = w3::corpus_dir();
    match w3::store_from(&dir) {
        Ok(probe) => {
            let requests = w3::requests_for(&probe, &dir, 1, count).unwrap_or_default();
            drop(probe);
            rows.push(measure(
                "w3",
                None,
                || w3::store_from(&dir).expect("W3 loads"),
                || requests,
            ));
        }
        Err(e) => println!("memory/w3 skipped: {e}"),
    }

    let cap = std::env::var("SESAME_BENCH_MAX_TENANTS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let sizes: &[usize] = if bench {
        &[1_000, 10_000, 100_000, 1_000_000]
    } else {
        &[1_000]
    };
    for &tenants in sizes {
        if tenants > cap {
            println!("memory/w2-{tenants} skipped: above SESAME_BENCH_MAX_TENANTS={cap}");
            continue;
        }
        rows.push(measure(
            &format!("w2-{tenants}"),
            Some(tenants),
            || w2::store(tenants, 1).expect("w2 generates"),
            || w2::requests(tenants, 1, count),
        ));
    }
    if !bench {
        println!(
            "memory: W2 at 10,000, 100,000 and 1,000,000 tenants runs only under `cargo bench` (test mode measures 1,000)"
        );
    }
    // Test mode (`cargo test --benches`) leaves the last bench run's file
    // alone.
    if bench {
        output::write_json("memory.json", &json!({ "rows": rows }));
    }
}
