//! The committed example (`examples/`) is what the generator writes, and it
//! tells the story `examples/README.md` tells: every request gets the answer
//! its scenario was written for, all three outcomes are well represented,
//! and every policy, principal and identity in the store takes part.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use sesame_benches::example::{REQUESTS, generate, intended_outcomes};
use sesame_benches::examples_dir;
use sesame_spec::{Outcome, Request, Store, evaluate, explain};

const REGENERATE: &str =
    "run `cargo run -p sesame-benches --example regenerate_examples` and commit the result";

fn committed(name: &str) -> String {
    let path = examples_dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; {REGENERATE}", path.display()))
}

fn load() -> (Store, Vec<Request>) {
    let store = Store::from_file(&examples_dir().join("store.json")).unwrap();
    let requests = committed("requests.jsonl")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            Request::from_json_text(l).unwrap_or_else(|e| panic!("requests.jsonl:{}: {e}", i + 1))
        })
        .collect();
    (store, requests)
}

#[test]
fn committed_files_equal_the_generator_output() {
    let (store, requests) = generate();
    // Compare line by line first, so a mismatch names the line.
    for (name, fresh) in [("store.json", &store), ("requests.jsonl", &requests)] {
        let old = committed(name);
        for (i, (a, b)) in old.lines().zip(fresh.lines()).enumerate() {
            assert_eq!(
                a,
                b,
                "examples/{name}:{} differs from the generator; {REGENERATE}",
                i + 1
            );
        }
        assert_eq!(
            old, *fresh,
            "examples/{name} differs from the generator; {REGENERATE}"
        );
    }
}

#[test]
fn the_generator_is_deterministic() {
    assert_eq!(generate(), generate());
    assert_eq!(intended_outcomes().len(), REQUESTS);
}

#[test]
fn every_request_gets_its_intended_answer_and_the_mix_is_balanced() {
    let (store, requests) = load();
    assert_eq!(requests.len(), REQUESTS);
    let intended = intended_outcomes();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (i, (request, (scenario, expected))) in requests.iter().zip(&intended).enumerate() {
        let decision = evaluate(&store, request)
            .unwrap_or_else(|e| panic!("requests.jsonl:{}: request error: {e}", i + 1));
        *counts.entry(decision.outcome.as_str()).or_default() += 1;
        if decision.outcome != *expected {
            wrong.push(format!(
                "requests.jsonl:{} ({scenario}): expected {expected}, got {}",
                i + 1,
                decision.outcome
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} requests disagree with their scenario:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    for outcome in [Outcome::Allow, Outcome::ExplicitDeny, Outcome::ImplicitDeny] {
        let n = counts.get(outcome.as_str()).copied().unwrap_or(0);
        assert!(
            n * 10 >= requests.len(),
            "{outcome}: {n} of {} requests, less than 10% ({counts:?})",
            requests.len()
        );
    }
    // Allow is the most common answer, as on a healthy platform.
    assert!(
        counts["Allow"] > counts["ImplicitDeny"] && counts["ImplicitDeny"] > counts["ExplicitDeny"],
        "{counts:?}"
    );
}

#[test]
fn every_policy_principal_and_identity_takes_part() {
    let (store, requests) = load();
    let mut applied: BTreeSet<String> = BTreeSet::new();
    let mut principals: BTreeSet<String> = BTreeSet::new();
    let mut resources: BTreeSet<String> = BTreeSet::new();
    let mut actions: BTreeSet<String> = BTreeSet::new();
    for request in &requests {
        let explanation = explain(&store, request).unwrap();
        for t in explanation.traces.iter().filter(|t| t.applies()) {
            applied.insert(t.statement.policy.clone());
        }
        for (key, values) in explanation.context.entries() {
            if key == "aws:PrincipalArn" {
                principals.extend(values.iter().cloned());
            }
        }
        resources.insert(request.resource.clone());
        actions.insert(request.action.clone());
    }
    let unused: Vec<&String> = store
        .policies
        .keys()
        .filter(|p| !applied.contains(*p))
        .collect();
    assert!(
        unused.is_empty(),
        "policies with no statement applying to any request: {unused:?}"
    );
    let absent: Vec<&String> = store
        .principals
        .keys()
        .filter(|p| !principals.contains(*p))
        .collect();
    assert!(
        absent.is_empty(),
        "principals that make no request: {absent:?}"
    );
    let untouched: Vec<&String> = store
        .resources
        .keys()
        .filter(|r| !resources.contains(*r))
        .collect();
    assert!(
        untouched.is_empty(),
        "identities no request names: {untouched:?}"
    );
    for action in [
        "ses:SendEmail",
        "ses:SendRawEmail",
        "ses:SendTemplatedEmail",
        "ses:CreateEmailIdentity",
        "ses:GetEmailIdentity",
        "ses:ListEmailIdentities",
        "ses:DeleteEmailIdentity",
    ] {
        assert!(actions.contains(action), "no request for {action}");
    }
}

#[test]
fn the_explain_example_is_a_denied_tenant_send() {
    let (store, _) = load();
    let request = Request::from_json_text(&committed("request.json")).unwrap();
    assert!(request.action.starts_with("ses:Send"), "{}", request.action);
    let decision = evaluate(&store, &request).unwrap();
    assert_ne!(
        decision.outcome,
        Outcome::Allow,
        "examples/request.json should show a denial"
    );
}
