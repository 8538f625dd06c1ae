//! A harness for profiling artifact loads: compiles W2 at `tenants` (or
//! reads the artifact from `path` when it exists, writing it there when it
//! does not), then loads it `loads` times and prints the fastest and the
//! median load, as one JSON line (and the compile time, when it compiles).
//!
//! With `LOAD_ARTIFACT_SIZES` set it also prints the loaded table's sizes.
//!
//! ```sh
//! cargo run --release -p sesame-benches --example load_artifact -- 100000 20 /tmp/w2-100k.art
//! perf record -g target/release/examples/load_artifact 100000 50 /tmp/w2-100k.art
//! ```
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use sesame_benches::w2;
use sesame_runtime::Engine;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let tenants: usize = args.first().map_or(100_000, |a| a.parse().unwrap());
    let loads: usize = args.get(1).map_or(20, |a| a.parse().unwrap());
    let path = args.get(2).cloned();
    let artifact = match path.as_deref().map(std::fs::read) {
        Some(Ok(bytes)) => bytes,
        _ => {
            let store = w2::store(tenants, 1).expect("w2 generates");
            let statements: usize = store.policies.values().map(|p| p.statements.len()).sum();
            let start = Instant::now();
            let engine = sesame_compiler::compile(&store).expect("w2 compiles");
            let compile = start.elapsed().as_secs_f64();
            println!(
                "{{\"tenants\":{tenants},\"statements\":{statements},\"compile_ms\":{:.1},\"compile_us_per_statement\":{:.2}}}",
                compile * 1e3,
                compile * 1e6 / statements as f64
            );
            let bytes = engine.to_artifact();
            if let Some(p) = &path {
                std::fs::write(p, &bytes).expect("artifact written");
            }
            bytes
        }
    };
    let mut times: Vec<Duration> = Vec::with_capacity(loads);
    for _ in 0..loads {
        let start = Instant::now();
        let engine = Engine::from_artifact(black_box(&artifact)).unwrap();
        times.push(start.elapsed());
        drop(black_box(engine));
    }
    if std::env::var_os("LOAD_ARTIFACT_SIZES").is_some() {
        let engine = Engine::from_artifact(&artifact).unwrap();
        let t = engine.table();
        println!(
            "{{\"text\":{},\"lists\":{},\"tag_pairs\":{},\"policies\":{},\"bodies\":{},\"statements\":{},\"predicates\":{},\"keys\":{},\"action_patterns\":{},\"action_names\":{},\"resource_patterns\":{},\"principals\":{},\"resources\":{},\"accounts\":{},\"index_keys\":{}}}",
            t.text.len(),
            t.lists.len(),
            t.tag_pairs.len(),
            t.policies.len(),
            t.bodies.len(),
            t.statements.len(),
            t.predicates.len(),
            t.keys.len(),
            t.actions.patterns.len(),
            t.actions.known.len(),
            t.resource_patterns.len(),
            t.principals.len(),
            t.resources.len(),
            t.accounts.len(),
            t.policy_index.len()
                + t.principal_index.len()
                + t.role_index.len()
                + t.resource_index.len()
                + t.account_index.len(),
        );
    }
    times.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{{\"tenants\":{tenants},\"bytes\":{},\"loads\":{loads},\"min_ms\":{:.3},\"median_ms\":{:.3}}}",
        artifact.len(),
        times.first().map_or(0.0, |d| ms(*d)),
        times.get(times.len() / 2).map_or(0.0, |d| ms(*d)),
    );
}
