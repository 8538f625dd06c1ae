//! `Engine::check_batch_with` and `Engine::check_batch` against single
//! checks: every answer (outcome, layer, deciding statements, message,
//! refusal) equal to `check`'s on a fresh scratch, for no, one and several
//! scratch spaces, kept warm across calls or borrowed from another engine;
//! `out` shorter or longer than the requests; empty input; and the chunking
//! the docs promise (contiguous, sizes within one, the last chunk on the
//! calling thread).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;

use sesame_compiler::compile;
use sesame_runtime::{CheckError, Decision, Engine, Request, Scratch};
use sesame_spec::conformance::load_dir;

/// Runs `f` on borrowed runtime requests over `requests`' strings.
fn with_runtime<R>(requests: &[sesame_spec::Request], f: impl FnOnce(&[Request<'_>]) -> R) -> R {
    let values: Vec<Vec<Vec<&str>>> = requests
        .iter()
        .map(|r| {
            r.context
                .iter()
                .map(|(_, v)| v.iter().map(String::as_str).collect())
                .collect()
        })
        .collect();
    let contexts: Vec<Vec<(&str, &[&str])>> = requests
        .iter()
        .zip(&values)
        .map(|(r, vs)| {
            r.context
                .iter()
                .zip(vs)
                .map(|((k, _), v)| (k.as_str(), v.as_slice()))
                .collect()
        })
        .collect();
    let runtime: Vec<Request<'_>> = requests
        .iter()
        .zip(&contexts)
        .map(|(r, c)| Request {
            principal: &r.principal,
            action: &r.action,
            resource: &r.resource,
            context: c,
            session_policy: r.session_policy.as_deref(),
            keys: None,
            call: None,
        })
        .collect();
    f(&runtime)
}

/// Everything a check answers, as text.
fn describe(r: &Request<'_>, d: Result<Decision<'_>, CheckError>) -> String {
    match d {
        Ok(d) => format!(
            "{:?} {:?} {:?} {}",
            d.outcome,
            d.layer,
            d.hits,
            d.message(r)
        ),
        Err(e) => format!("refused: {e}"),
    }
}

/// The answers of single checks, one fresh scratch for the stream.
fn single(engine: &Engine, requests: &[Request<'_>]) -> Vec<String> {
    let mut scratch = engine.scratch();
    requests
        .iter()
        .map(|r| describe(r, engine.check(&mut scratch, r)))
        .collect()
}

/// The workloads: W1 (301 requests, so chunks differ in size) and every
/// conformance corpus file.
fn workloads() -> Vec<(String, sesame_spec::Store, Vec<sesame_spec::Request>)> {
    let (store, requests) = sesame_benches::w1::generate(7, 301);
    let mut all = vec![("w1".to_owned(), store, requests)];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/corpus");
    for file in load_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let name = file.path.display().to_string();
        let requests = file.cases.into_iter().map(|c| c.request).collect();
        all.push((name, file.store, requests));
    }
    all
}

#[test]
fn batch_with_equals_single_checks_on_any_number_of_scratches() {
    let mut compared = 0;
    for (name, store, requests) in workloads() {
        let engine = compile(&store).unwrap_or_else(|e| panic!("{name}: {e}"));
        with_runtime(&requests, |requests| {
            let expected = single(&engine, requests);
            for k in [0, 1, 2, 3, 5, requests.len() + 2] {
                let mut scratches: Vec<Scratch> = (0..k).map(|_| engine.scratch()).collect();
                // Twice on the same scratches: the second call answers from
                // the plans the first one built.
                for pass in 0..2 {
                    let mut out = vec![String::new(); requests.len()];
                    engine.check_batch_with(&mut scratches, requests, &mut out, describe);
                    assert_eq!(out, expected, "{name}: {k} scratches, pass {pass}");
                    compared += out.len();
                }
            }
            for threads in [0, 1, 3] {
                let mut out = vec![String::new(); requests.len()];
                engine.check_batch(requests, &mut out, threads, describe);
                assert_eq!(out, expected, "{name}: check_batch on {threads} threads");
            }
        });
    }
    assert!(compared > 1000, "only {compared} answers compared");
}

/// Scratch spaces that last served another engine are refitted: their
/// plans are not the new engine's.
#[test]
fn scratches_of_another_engine_answer_for_this_one() {
    let (store_a, requests_a) = sesame_benches::w1::generate(1, 120);
    let (store_b, requests_b) = sesame_benches::w1::generate(2, 120);
    let a = compile(&store_a).unwrap();
    let b = compile(&store_b).unwrap();
    let mut scratches: Vec<Scratch> = (0..3).map(|_| a.scratch()).collect();
    with_runtime(&requests_a, |requests| {
        let mut out = vec![String::new(); requests.len()];
        a.check_batch_with(&mut scratches, requests, &mut out, describe);
        assert_eq!(out, single(&a, requests));
    });
    with_runtime(&requests_b, |requests| {
        let mut out = vec![String::new(); requests.len()];
        b.check_batch_with(&mut scratches, requests, &mut out, describe);
        assert_eq!(out, single(&b, requests));
    });
    // Back to the first engine, and its requests, on the same scratches.
    with_runtime(&requests_a, |requests| {
        let mut out = vec![String::new(); requests.len()];
        a.check_batch_with(&mut scratches, requests, &mut out, describe);
        assert_eq!(out, single(&a, requests));
    });
}

/// Only the first `min(requests, out)` answers are written; the rest of
/// `out` keeps its values.
#[test]
fn out_shorter_or_longer_than_the_requests() {
    let (store, requests) = sesame_benches::w1::generate(3, 50);
    let engine = compile(&store).unwrap();
    with_runtime(&requests, |requests| {
        let expected = single(&engine, requests);
        for k in [0, 1, 3] {
            let mut scratches: Vec<Scratch> = (0..k).map(|_| engine.scratch()).collect();

            let mut short = vec!["untouched".to_owned(); requests.len() - 7];
            engine.check_batch_with(&mut scratches, requests, &mut short, describe);
            assert_eq!(short, expected[..requests.len() - 7], "{k} scratches");

            let mut long = vec!["untouched".to_owned(); requests.len() + 5];
            engine.check_batch_with(&mut scratches, requests, &mut long, describe);
            assert_eq!(long[..requests.len()], expected[..], "{k} scratches");
            assert!(long[requests.len()..].iter().all(|s| s == "untouched"));

            let mut few = vec!["untouched".to_owned(); 5];
            engine.check_batch_with(&mut scratches, &requests[..2], &mut few, describe);
            assert_eq!(few[..2], expected[..2], "{k} scratches");
            assert!(few[2..].iter().all(|s| s == "untouched"));
        }
        let mut short = vec!["untouched".to_owned(); 3];
        engine.check_batch(requests, &mut short, 2, describe);
        assert_eq!(short, expected[..3]);
    });
}

/// No request or no room for an answer: nothing is called, nothing written.
#[test]
fn empty_input_calls_nothing() {
    let (store, requests) = sesame_benches::w1::generate(4, 10);
    let engine = compile(&store).unwrap();
    let calls = AtomicUsize::new(0);
    let count = |_: &Request<'_>, _: Result<Decision<'_>, CheckError>| {
        calls.fetch_add(1, Ordering::Relaxed);
        1u8
    };
    with_runtime(&requests, |requests| {
        for k in [0, 1, 3] {
            let mut scratches: Vec<Scratch> = (0..k).map(|_| engine.scratch()).collect();
            let mut out = [0u8; 4];
            engine.check_batch_with(&mut scratches, &[], &mut out, count);
            assert_eq!(out, [0; 4]);
            engine.check_batch_with(&mut scratches, requests, &mut [], count);
            engine.check_batch(&[], &mut out, k, count);
            engine.check_batch(requests, &mut [], k, count);
            assert_eq!(out, [0; 4]);
        }
        assert_eq!(calls.load(Ordering::Relaxed), 0);
        // And the counter counts: one call per answer.
        let mut out = [0u8; 10];
        engine.check_batch_with(&mut [engine.scratch()], requests, &mut out, count);
        assert_eq!(calls.load(Ordering::Relaxed), 10);
        assert_eq!(out, [1; 10]);
    });
}

/// The chunks the docs promise: contiguous, in scratch order, sizes
/// differing by at most one (larger first), the last on the calling thread,
/// and with one scratch no thread spawned.
#[test]
fn chunks_are_contiguous_balanced_and_end_on_the_caller() {
    let (store, requests) = sesame_benches::w1::generate(5, 103);
    let engine = compile(&store).unwrap();
    let here = std::thread::current().id();
    let on_thread = |_: &Request<'_>, _: Result<Decision<'_>, CheckError>| -> Option<ThreadId> {
        Some(std::thread::current().id())
    };
    with_runtime(&requests, |requests| {
        let n = requests.len();
        for k in [1, 2, 3, 4, 7] {
            let mut scratches: Vec<Scratch> = (0..k).map(|_| engine.scratch()).collect();
            let mut out = vec![None; n];
            engine.check_batch_with(&mut scratches, requests, &mut out, on_thread);
            let threads: Vec<ThreadId> = out.iter().map(|t| t.unwrap()).collect();
            // Runs of one thread, in order.
            let mut runs: Vec<(ThreadId, usize)> = Vec::new();
            for t in threads {
                match runs.last_mut() {
                    Some((last, len)) if *last == t => *len += 1,
                    _ => runs.push((t, 1)),
                }
            }
            assert_eq!(runs.len(), k, "{k} scratches: {runs:?}");
            let sizes: Vec<usize> = runs.iter().map(|r| r.1).collect();
            let expected: Vec<usize> = (0..k).map(|i| n / k + usize::from(i < n % k)).collect();
            assert_eq!(sizes, expected, "{k} scratches");
            assert_eq!(runs.last().unwrap().0, here, "{k} scratches");
            for (i, (t, _)) in runs.iter().enumerate() {
                assert!(
                    runs[..i].iter().all(|(u, _)| u != t),
                    "{k} scratches: a thread answered two chunks"
                );
            }
        }
    });
}
