//! The seeded workloads: deterministic for a seed, different across seeds,
//! every outcome present (by the spec evaluator on a sample), and what
//! `bench-gen` writes reads back as the same store and requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use sesame_benches::workload::{
    Kind, Params, WorkloadError, generate, write_requests, write_store,
};
use sesame_benches::{w1, w2, w3};
use sesame_spec::{Outcome, Request, Store, evaluate};

fn mix(store: &Store, requests: &[Request], sample: usize) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for (i, request) in requests.iter().take(sample).enumerate() {
        let decision =
            evaluate(store, request).unwrap_or_else(|e| panic!("request {i}: {e}: {request:?}"));
        *counts.entry(decision.outcome.as_str()).or_insert(0) += 1;
    }
    counts
}

fn assert_every_outcome(
    counts: &BTreeMap<&'static str, usize>,
    total: usize,
    at_least_percent: usize,
) {
    for outcome in [Outcome::Allow, Outcome::ExplicitDeny, Outcome::ImplicitDeny] {
        let n = counts.get(outcome.as_str()).copied().unwrap_or(0);
        assert!(
            n * 100 >= total * at_least_percent,
            "{outcome}: {n} of {total}, under {at_least_percent}% ({counts:?})"
        );
    }
}

/// Writes the store and requests as bench-gen does and reads them back.
fn round_trip(store: &Store, requests: &[Request]) {
    let mut text = Vec::new();
    write_store(store, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let back = Store::from_json_text(&text, None).unwrap_or_else(|e| panic!("{e}"));
    assert!(back == *store, "the written store reads back differently");
    let mut lines = Vec::new();
    write_requests(requests, &mut lines).unwrap();
    let lines = String::from_utf8(lines).unwrap();
    let back: Vec<Request> = lines
        .lines()
        .map(|l| Request::from_json_text(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(back, requests);
}

#[test]
fn w1_is_deterministic_and_mixed() {
    let (store, requests) = w1::generate(7, 2000);
    let (store2, requests2) = w1::generate(7, 2000);
    assert!(store == store2);
    assert_eq!(requests, requests2);
    let (_, other) = w1::generate(8, 2000);
    assert_ne!(requests, other, "another seed gives another stream");
    let statements: usize = store.policies.values().map(|p| p.statements.len()).sum();
    assert!(
        (40..=60).contains(&statements),
        "about fifty statements, found {statements}"
    );
    assert!(
        store.policies.len() >= 10,
        "{} policies",
        store.policies.len()
    );
    let counts = mix(&store, &requests, 2000);
    assert_every_outcome(&counts, 2000, 10);
    // Literal and wildcard-reached identities both appear.
    assert!(
        requests
            .iter()
            .any(|r| r.action == "ses:SendTemplatedEmail")
    );
    assert!(
        requests
            .iter()
            .any(|r| !r.context.iter().any(|(k, _)| k == "ses:Recipients")
                && r.action.starts_with("ses:Send"))
    );
    round_trip(&store, &requests[..200]);
}

#[test]
fn w2_is_deterministic_and_mixed() {
    let (store, requests) = w2::generate(1000, 3, 2000).unwrap();
    let (store2, requests2) = w2::generate(1000, 3, 2000).unwrap();
    assert!(store == store2);
    assert_eq!(requests, requests2);
    assert_eq!(store.resources.len(), 2000, "two identities per tenant");
    assert_eq!(
        store.principals.len(),
        1000 + w2::SENDING_AUTHORIZATION,
        "tenants and partner relays"
    );
    // Shared documents are stored once: pool + inline + sending authorization.
    assert_eq!(
        store.policies.len(),
        w2::MANAGED + w2::SENDING_AUTHORIZATION + 1000 + 3
    );
    for entry in store.principals.values() {
        assert!((1..=6).contains(&entry.policies.len()));
    }
    let counts = mix(&store, &requests, 2000);
    assert_every_outcome(&counts, 2000, 10);
    // Cross-account sends through sending authorization are allowed sometimes.
    let partner_allowed = requests.iter().take(2000).any(|r| {
        r.principal.contains("44445555") && evaluate(&store, r).unwrap().outcome == Outcome::Allow
    });
    assert!(partner_allowed, "no partner send is allowed");
    round_trip(&store, &requests[..200]);
}

#[test]
fn w2_tenant_count_is_checked() {
    assert!(matches!(
        w2::generate(0, 1, 1),
        Err(WorkloadError::Params(_))
    ));
}

#[test]
fn w2_scales_by_tenants_with_the_same_requests_shape() {
    let (store, requests) = w2::generate(20_000, 5, 500).unwrap();
    assert_eq!(store.resources.len(), 40_000);
    let counts = mix(&store, &requests, 500);
    assert_every_outcome(&counts, 500, 5);
}

#[test]
fn w3_reads_the_corpus_or_says_it_is_absent() {
    match generate(
        Kind::W3,
        &Params {
            seed: 11,
            requests: 40,
            tenants: 0,
        },
    ) {
        Err(WorkloadError::Skipped(why)) => {
            assert!(why.contains("absent"), "{why}");
            eprintln!("skipped: {why}");
        }
        Err(other) => panic!("{other}"),
        Ok((store, requests)) => {
            assert!(store.policies.len() > 1000, "{}", store.policies.len());
            let again = w3::requests_for(&store, &w3::corpus_dir(), 11, 40).unwrap();
            assert_eq!(requests, again);
            // The spec evaluator is slow over 7,000 statements in a debug
            // build: a small sample, plus the first `ses:List*` request,
            // which `AmazonCognitoIdpEmailServiceRolePolicy` denies.
            let list = requests
                .iter()
                .find(|r| r.action.starts_with("ses:List"))
                .expect("a ses:List* request among 40");
            assert_eq!(
                evaluate(&store, list).unwrap().outcome,
                Outcome::ExplicitDeny
            );
            let counts = mix(&store, &requests, 8);
            // AdministratorAccess is attached: no implicit deny is possible.
            assert!(counts.get("Allow").copied().unwrap_or(0) >= 3, "{counts:?}");
            assert_eq!(counts.get("ImplicitDeny"), None, "{counts:?}");
            assert!(requests.iter().any(|r| r.action.starts_with("ses:")));
        }
    }
}

#[test]
fn w3_without_a_corpus_is_skipped_with_a_message() {
    let dir = std::env::temp_dir().join("sesame-no-corpus-here");
    match w3::store_from(&dir) {
        Err(WorkloadError::Skipped(why)) => assert!(why.contains("is absent"), "{why}"),
        other => panic!("expected a skip, got {:?}", other.map(|s| s.policies.len())),
    }
}

#[cfg(feature = "peers")]
mod peers {
    use sesame_benches::peer::{agreement, cedar_engine, iam_rs_engine, spec_engine};
    use sesame_benches::peer_iam::as_iam_rs_reads;
    use sesame_benches::{cedar, w1, w2};
    use sesame_spec::{Request, Store};

    fn workloads() -> Vec<(&'static str, Store, Vec<Request>)> {
        let (s1, r1) = w1::generate(21, 600);
        let (s2, r2) = w2::generate(2000, 21, 600).unwrap();
        vec![("w1", s1, r1), ("w2", s2, r2)]
    }

    #[test]
    fn cedar_gives_the_spec_decisions_with_no_evaluation_errors() {
        for (label, store, requests) in workloads() {
            let peer = cedar::CedarPeer::new(&store, &requests).unwrap();
            let prepared = peer.prepare(&store, &requests).unwrap();
            for (i, p) in prepared.requests.iter().enumerate() {
                let (_, errors) = peer.check_with_errors(&prepared, p);
                assert_eq!(errors, 0, "{label} request {i}: cedar evaluation errors");
            }
            let spec = spec_engine(&store, &requests);
            let (cedar, _) = cedar_engine(&store, &requests).unwrap();
            let n = agreement(&spec, &cedar, &requests, requests.len())
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(n, requests.len());
        }
    }

    #[test]
    fn iam_rs_gives_the_spec_decisions_on_the_store_as_it_reads_it() {
        for (label, store, requests) in workloads() {
            let (literal, changed) = as_iam_rs_reads(&store);
            assert!(changed > 0, "{label}: the gap is exercised");
            let spec = spec_engine(&literal, &requests);
            let iam = iam_rs_engine(&store, &requests).unwrap();
            agreement(&spec, &iam, &requests, requests.len())
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            // And the gap is real: on the store as written, some differ.
            let real = spec_engine(&store, &requests);
            assert!(agreement(&real, &iam, &requests, requests.len()).is_err());
        }
    }

    #[test]
    fn cedar_refuses_what_it_cannot_express() {
        let store = Store::from_json_text(
            r#"{"policies": {"P": {"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                "Action": "ses:SendEmail", "Resource": "*",
                "Condition": {"ForAllValues:StringLike": {"ses:Recipients": ["*@example.com"]}}}}},
              "principals": {"arn:aws:iam::111122223333:user/a": {"policies": ["P"]}}}"#,
            None,
        )
        .unwrap();
        let requests = vec![Request::new(
            "arn:aws:iam::111122223333:user/a",
            "ses:SendEmail",
            "arn:aws:ses:us-east-1:111122223333:identity/example.com",
        )];
        let err = cedar::CedarPeer::new(&store, &requests).err().unwrap();
        assert!(err.to_string().contains("ForAllValues:StringLike"), "{err}");
    }
}
