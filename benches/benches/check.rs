//! Check latency on the example store, for the spec evaluator (the baseline
//! every compiled engine is compared with in the same run).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use sesame_benches::example_workload;

fn spec_check(c: &mut Criterion) {
    let (store, requests) = example_workload().expect("the example workload loads");
    let mut i = 0usize;
    c.bench_function("example/spec", |b| {
        b.iter(|| {
            i = (i + 1) % requests.len();
            sesame_spec::evaluate(&store, &requests[i]).unwrap()
        })
    });
}

criterion_group!(benches, spec_check);
criterion_main!(benches);
