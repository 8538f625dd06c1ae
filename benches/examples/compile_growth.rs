//! A harness for profiling compiles: reads a store (`store.json` from
//! `sesame bench-gen`, or W2 generated in process with `w2:TENANTS`),
//! compiles it `runs` times and prints the fastest and the median compile,
//! per statement, as one JSON line. Only `sesame_compiler::compile` is
//! timed, so `valgrind --tool=callgrind --toggle-collect=...compile_with*`
//! counts the compile alone (run it with `runs` 1).
//!
//! ```sh
//! cargo run --release -p sesame-benches --example compile_growth -- DIR/store.json 5
//! cargo run --release -p sesame-benches --example compile_growth -- w2:100000 3
//! PHASES=1 cargo run --release -p sesame-benches --example compile_growth -- w2:100000 3
//! ```
//!
//! `PHASES=1` also times the compile's steps on each run and prints their
//! medians per statement on a second line: the middle end's normalisation
//! and the back end's table build run one after the other
//! (`normalize_us`, `build_us`), the two in the one pass the compile runs
//! (`normalize_and_build_us`, `sesame_compiler::back::build_store`), and
//! the runtime's validation in `Engine::new` (`validate_us`); and, for
//! scale, the time to read every string of the store once in the order the
//! compile reads them (`read_store_us`): a floor under any compile, which
//! grows too as the store outgrows the caches.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use sesame_benches::w2;
use sesame_spec::Store;

/// The store an argument names: `w2:TENANTS` or a store file.
fn store(arg: &str) -> Store {
    match arg.strip_prefix("w2:") {
        Some(tenants) => w2::store(tenants.parse().unwrap(), 1).expect("w2 generates"),
        None => Store::from_file(std::path::Path::new(arg)).expect("the store reads"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let source = args.first().map_or("w2:10000", String::as_str);
    let runs: usize = args.get(1).map_or(5, |a| a.parse().unwrap()).max(1);
    let store = store(source);
    let statements: usize = store.policies.values().map(|p| p.statements.len()).sum();
    if std::env::var("PHASES").is_ok_and(|v| v == "1") {
        phases(source, &store, statements, runs);
    }
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let engine = sesame_compiler::compile(black_box(&store)).expect("the store compiles");
        times.push(start.elapsed());
        drop(black_box(engine));
    }
    times.sort();
    let per = |d: Duration| d.as_secs_f64() * 1e6 / statements as f64;
    let fastest = times.first().copied().unwrap_or_default();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    println!(
        "{{\"store\":\"{source}\",\"statements\":{statements},\"runs\":{runs},\"fastest_ms\":{:.2},\"median_ms\":{:.2},\"fastest_us_per_statement\":{:.2},\"median_us_per_statement\":{:.2}}}",
        fastest.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        per(fastest),
        per(median)
    );
}

/// The median time per statement of each step of `compile`, over `runs`:
/// the steps `sesame_compiler::compile_with` takes, called one by one, and
/// the two passes its one pass replaces.
fn phases(source: &str, store: &Store, statements: usize, runs: usize) {
    let limits = sesame_compiler::Limits::default();
    let mut steps: [Vec<Duration>; 5] = Default::default();
    for _ in 0..runs {
        let read_from = Instant::now();
        black_box(read_store(black_box(store)));
        steps[4].push(read_from.elapsed());
        let start = Instant::now();
        let normalized = sesame_compiler::middle::normalize(black_box(store));
        let normalized_at = Instant::now();
        let table = sesame_compiler::back::build(store, normalized, &limits).expect("builds");
        let built_at = Instant::now();
        drop(black_box(table));
        let fused_from = Instant::now();
        let table = sesame_compiler::back::build_store(black_box(store), &limits).expect("builds");
        let fused_at = Instant::now();
        let engine = sesame_runtime::Engine::new(table).expect("validates");
        let validated_at = Instant::now();
        drop(black_box(engine));
        steps[0].push(normalized_at - start);
        steps[1].push(built_at - normalized_at);
        steps[2].push(fused_at - fused_from);
        steps[3].push(validated_at - fused_at);
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        let d = times.get(times.len() / 2).copied().unwrap_or_default();
        d.as_secs_f64() * 1e6 / statements.max(1) as f64
    };
    let [normalize, build, fused, validate, read] = &mut steps;
    println!(
        "{{\"store\":\"{source}\",\"runs\":{runs},\"normalize_us_per_statement\":{:.2},\"build_us_per_statement\":{:.2},\"normalize_and_build_us_per_statement\":{:.2},\"validate_us_per_statement\":{:.2},\"read_store_us_per_statement\":{:.2}}}",
        median(normalize),
        median(build),
        median(fused),
        median(validate),
        median(read)
    );
}

/// A fold of `text`'s bytes into `acc`.
fn fold(acc: u64, text: &str) -> u64 {
    text.bytes()
        .fold(acc, |a, b| a.rotate_left(5) ^ u64::from(b))
}

/// Every string of the store read once, in the order the compile reads
/// them: the policies (names, then each statement's patterns, conditions
/// and sid), then the principals and the resources (ARNs, policy names,
/// tags).
fn read_store(store: &Store) -> u64 {
    let mut acc = 0;
    for (name, p) in &store.policies {
        acc = fold(acc, name);
        for s in &p.statements {
            let resources = s.resource.iter().flat_map(|r| &r.patterns);
            for text in s.action.patterns.iter().chain(resources) {
                acc = fold(acc, text);
            }
            for c in &s.conditions {
                acc = c.values.iter().fold(fold(acc, &c.key), |a, v| fold(a, v));
            }
            acc = fold(acc, s.sid.as_deref().unwrap_or(""));
        }
    }
    let principals = store
        .principals
        .iter()
        .map(|(a, e)| (a, &e.policies, &e.tags));
    let resources = store
        .resources
        .iter()
        .map(|(a, e)| (a, &e.policies, &e.tags));
    for (arn, policies, tags) in principals.chain(resources) {
        acc = policies.iter().fold(fold(acc, arn), |a, n| fold(a, n));
        acc = tags.iter().fold(acc, |a, (k, v)| fold(fold(a, k), v));
    }
    acc
}
