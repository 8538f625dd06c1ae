//! A small harness for instruction counts: compiles a workload (the example
//! store by default; `w1` or `w2-10k`), warms one scratch with a pass over
//! the request stream, then answers the stream `passes` more times inside
//! `measured_checks`, the only function `benches/callgrind.sh` collects
//! (`valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect=*measured_checks*`). It prints the workload, the
//! number of checks measured and the outcome counts, as one JSON line.
//!
//! ```sh
//! cargo run --release -p sesame-benches --example callgrind_check -- example 2
//! PLANS=0 cargo run --release -p sesame-benches --example callgrind_check -- w1 1
//! ```
//!
//! `PLANS` sets the scratch's plan capacity (default
//! [`sesame_runtime::DEFAULT_PLANS`]; 0 measures the cold path). `KEEP=N`
//! answers only the stream's first N requests; the wall-clock time per
//! check goes to stderr (outside callgrind's collected function):
//!
//! ```sh
//! KEEP=100 target/release/examples/callgrind_check example 6000
//! ```
//!
//! `SHUFFLE=1` answers the measured passes in the seeded shuffle of the
//! stream the `-reordered` bench rows use ([`REORDER_SEED`]; the requests
//! packed in that order), after the warm-up built the plans in stream
//! order: the same plans, read out of the order they were built in.
//! `KEYED=1` gives the requests' context keys named once
//! ([`sesame_runtime::Engine::context_keys`], one set per key list in the
//! stream), as the `-keyed` bench rows do. `NAMED=1` names the requests'
//! calls once too ([`sesame_runtime::CallKey`], one per distinct principal,
//! action, resource and session policy), as the `-named` rows do.
//! `OUTCOME=1` answers through
//! [`sesame_runtime::Engine::check_outcome`], as the `-outcome` rows do.
//!
//! `REPEAT=N` answers a stream as long as the workload's whose requests
//! are its first N over and over, each copy packed on its own: the same
//! bytes to read as the whole stream, but only N distinct requests. Set
//! beside `KEEP=N` (N requests, little to read) it tells what the time
//! per check owes to reading the stream and what to its variety (the
//! branch predictor learns a short cycle of requests; a sender's stream
//! repeats no such cycle):
//!
//! ```sh
//! KEYED=1 REPEAT=300 target/release/examples/callgrind_check w1 60
//! KEYED=1 KEEP=300 target/release/examples/callgrind_check w1 60
//! ```
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "../benches/common/compiled.rs"]
#[allow(dead_code)]
mod compiled;

use std::hint::black_box;

use sesame_benches::prng::{REORDER_SEED, Rng};
use sesame_benches::{example_workload, w1, w2};
use sesame_runtime::{Engine, Outcome, Request, Scratch};

/// The timed region: every check of `passes` passes over the stream.
/// Returns the outcome counts so nothing is optimised away.
#[inline(never)]
fn measured_checks(
    engine: &Engine,
    scratch: &mut Scratch,
    requests: &[Request<'_>],
    (passes, outcome_only): (usize, bool),
) -> [usize; 4] {
    let mut counts = [0usize; 4];
    for _ in 0..passes {
        for r in requests {
            let answer = if outcome_only {
                engine.check_outcome(scratch, black_box(r))
            } else {
                engine.check(scratch, black_box(r))
            };
            let slot = match answer {
                Ok(d) => match d.outcome {
                    Outcome::Allow => 0,
                    Outcome::ExplicitDeny => 1,
                    Outcome::ImplicitDeny => 2,
                },
                Err(_) => 3,
            };
            counts[slot] += 1;
        }
    }
    counts
}

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "example".to_owned());
    let passes: usize = args.next().and_then(|p| p.parse().ok()).unwrap_or(2);
    let (store, requests) = match workload.as_str() {
        "example" => example_workload().expect("the example workload loads"),
        "w1" => w1::generate(1, 4000),
        "w2-10k" => w2::generate(10_000, 1, 4000).expect("w2 generates"),
        other => {
            eprintln!("callgrind_check: unknown workload `{other}` (example, w1, w2-10k)");
            std::process::exit(2);
        }
    };
    let engine = sesame_compiler::compile(&store).expect("the workload compiles");
    // `KEYED=1`: the requests name their context keys once, as senders
    // that make their context shapes up front do.
    let keyed = std::env::var("KEYED").is_ok_and(|v| v == "1");
    let named = std::env::var("NAMED").is_ok_and(|v| v == "1");
    let pack = |requests: &[sesame_spec::Request]| {
        if named {
            compiled::named_requests(&engine, requests)
        } else if keyed {
            compiled::keyed_requests(&engine, requests)
        } else {
            compiled::runtime_requests(requests)
        }
    };
    let requests: Vec<sesame_spec::Request> = match std::env::var("REPEAT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(n) if n > 0 => requests
            .iter()
            .take(n)
            .cycle()
            .take(requests.len())
            .cloned()
            .collect(),
        _ => requests,
    };
    let runtime = pack(&requests);
    // `PLANS=0` measures the cold path: a scratch that keeps no plan.
    let plans = std::env::var("PLANS")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(sesame_runtime::DEFAULT_PLANS);
    let mut scratch = engine.scratch_with_plans(plans);
    // Warm-up, not collected: scratch buffers reach their working size.
    // `KEEP=N` answers only the stream's first N requests: with a few
    // hundred, plans and requests stay in the near caches, and the time
    // per check (printed on stderr) moves little from run to run, which
    // makes it a quick way to compare two builds of the code path itself.
    let keep = std::env::var("KEEP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(runtime.len())
        .min(runtime.len());
    let runtime = &runtime[..keep];
    black_box(warm_up(&engine, &mut scratch, runtime));
    // `SHUFFLE=1`: the stream in the `-reordered` rows' seeded shuffle,
    // packed in that order, the plans already built in stream order.
    let shuffled: Vec<Request<'_>>;
    let runtime = if std::env::var("SHUFFLE").is_ok_and(|v| v == "1") {
        let order = Rng::new(REORDER_SEED).shuffled(runtime.len());
        let kept = &requests[..runtime.len()];
        shuffled = pack(&compiled::in_order(kept, &order));
        &shuffled[..]
    } else {
        runtime
    };
    let start = std::time::Instant::now();
    // `OUTCOME=1`: the checks ask for the outcome alone.
    let outcome_only = std::env::var("OUTCOME").is_ok_and(|v| v == "1");
    let counts = measured_checks(&engine, &mut scratch, runtime, (passes, outcome_only));
    let per_check = start.elapsed().as_secs_f64() * 1e9 / (runtime.len() * passes).max(1) as f64;
    eprintln!("{per_check:.1} ns per check (wall clock, {keep} requests, {passes} passes)");
    println!(
        "{{\"workload\":\"{workload}\",\"checks\":{},\"allow\":{},\"explicit_deny\":{},\"implicit_deny\":{},\"refused\":{}}}",
        runtime.len() * passes,
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    );
}

/// The warm-up pass (a separate function, so callgrind does not collect it).
#[inline(never)]
fn warm_up(engine: &Engine, scratch: &mut Scratch, requests: &[Request<'_>]) -> usize {
    requests
        .iter()
        .filter(|r| engine.check(scratch, r).is_ok())
        .count()
}
