//! Context keys named once ([`sesame_runtime::Engine::context_keys`]) only
//! spare the check the work of resolving them: a request that borrows its
//! keys from them answers as the same request with keys of its own, and a
//! request whose context is not theirs (other keys, the same keys in
//! another order or at other addresses, keys made by another engine) is
//! resolved as it stands. Every answer here is also the spec's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sesame_compiler::compile::to_spec_request;
use sesame_runtime::{ContextKeys, Engine, Outcome, Request};
use sesame_spec::Store;

/// Sends from one address, from one network, to anyone but one address.
const STORE: &str = r#"{
  "policies": {
    "Send": { "Version": "2012-10-17", "Statement": [
      { "Sid": "FromTheOffice", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": {
          "StringEquals": { "ses:FromAddress": "news@example.com" },
          "IpAddress": { "aws:SourceIp": "10.0.0.0/8" } } },
      { "Sid": "NeverTheBoard", "Effect": "Deny", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "ForAnyValue:StringEquals": { "ses:Recipients": "board@example.com" } } }
    ] }
  },
  "principals": { "arn:aws:iam::111122223333:user/news": { "policies": ["Send"] } }
}"#;

/// The same condition keys, met in another order, beside keys `STORE` does
/// not read: an engine whose key ids are not `STORE`'s.
const OTHER: &str = r#"{
  "policies": {
    "Other": { "Version": "2012-10-17", "Statement": [
      { "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": {
          "StringEquals": { "aws:RequestedRegion": "eu-west-1", "aws:SourceVpc": "vpc-1" },
          "ForAnyValue:StringLike": { "ses:Recipients": "*" },
          "IpAddress": { "aws:SourceIp": "192.0.2.0/24" },
          "StringLike": { "ses:FromAddress": "*" } } }
    ] }
  },
  "principals": { "arn:aws:iam::111122223333:user/news": { "policies": ["Other"] } }
}"#;

const NEWS: &str = "arn:aws:iam::111122223333:user/news";

fn engine(text: &str) -> (Store, Engine) {
    let store = Store::from_json_text(text, None).unwrap();
    let engine = sesame_compiler::compile(&store).unwrap();
    (store, engine)
}

/// The engine's answer to `context` (keys named by `keys`, if any), after
/// asserting the spec gives the same.
fn outcome(
    (store, engine): &(Store, Engine),
    context: &[(&str, &[&str])],
    keys: Option<&ContextKeys>,
) -> Outcome {
    let request = Request {
        context,
        keys,
        ..Request::new(NEWS, "ses:SendEmail", "*")
    };
    let mut scratch = engine.scratch();
    let answer = engine.check(&mut scratch, &request).unwrap().outcome;
    let spec = sesame_spec::evaluate(store, &to_spec_request(&request)).unwrap();
    assert_eq!(
        format!("{answer:?}"),
        format!("{:?}", spec.outcome),
        "{context:?}"
    );
    answer
}

const FROM: &[&str] = &["news@example.com"];
const OFFICE: &[&str] = &["10.1.2.3"];
const HOME: &[&str] = &["192.0.2.7"];
const READERS: &[&str] = &["a@example.org", "b@example.org"];
const BOARD: &[&str] = &["a@example.org", "board@example.com"];

#[test]
fn named_keys_answer_as_the_same_context_does() {
    let compiled = engine(STORE);
    let keys = compiled
        .1
        .context_keys(&["ses:FromAddress", "aws:SourceIp", "ses:Recipients"]);
    for (ip, to, expected) in [
        (OFFICE, READERS, Outcome::Allow),
        (HOME, READERS, Outcome::ImplicitDeny),
        (OFFICE, BOARD, Outcome::ExplicitDeny),
        (OFFICE, &[][..], Outcome::Allow),
    ] {
        let named = keys.pairs([FROM, ip, to]).unwrap();
        let own = [
            ("ses:FromAddress", FROM),
            ("aws:SourceIp", ip),
            ("ses:Recipients", to),
        ];
        assert_eq!(outcome(&compiled, &named, Some(&keys)), expected);
        assert_eq!(outcome(&compiled, &own, None), expected);
        // The keys named, but the context's own: resolved as given.
        assert_eq!(outcome(&compiled, &own, Some(&keys)), expected);
    }
}

#[test]
fn a_context_that_is_not_the_keys_is_resolved_as_it_stands() {
    let compiled = engine(STORE);
    let keys = compiled
        .1
        .context_keys(&["ses:FromAddress", "aws:SourceIp"]);
    let mut names = keys.names();
    let (from, ip) = (names.next().unwrap(), names.next().unwrap());
    // The keys' own text in the other order: read as written, the address
    // is not an address and the network not a network.
    let swapped = [(ip, FROM), (from, OFFICE)];
    assert_eq!(
        outcome(&compiled, &swapped, Some(&keys)),
        Outcome::ImplicitDeny
    );
    // One of the two keys: no network, no allow.
    assert_eq!(
        outcome(&compiled, &[(from, FROM)], Some(&keys)),
        Outcome::ImplicitDeny
    );
    // Three keys where two were named.
    let more = [(from, FROM), (ip, OFFICE), ("ses:Recipients", BOARD)];
    assert_eq!(
        outcome(&compiled, &more, Some(&keys)),
        Outcome::ExplicitDeny
    );
    assert_eq!(keys.pairs([FROM]), None, "one list for two keys");
}

#[test]
fn keys_named_by_another_engine_are_resolved_afresh() {
    let compiled = engine(STORE);
    let other = engine(OTHER).1;
    let keys = other.context_keys(&["ses:FromAddress", "aws:SourceIp", "ses:Recipients"]);
    for (ip, to, expected) in [
        (OFFICE, READERS, Outcome::Allow),
        (HOME, READERS, Outcome::ImplicitDeny),
        (OFFICE, BOARD, Outcome::ExplicitDeny),
    ] {
        let named = keys.pairs([FROM, ip, to]).unwrap();
        assert_eq!(outcome(&compiled, &named, Some(&keys)), expected);
    }
    // An engine compiled again from the same store is another engine too.
    let again = engine(STORE)
        .1
        .context_keys(&["aws:SourceIp", "ses:FromAddress"]);
    let named = again.pairs([OFFICE, FROM]).unwrap();
    assert_eq!(outcome(&compiled, &named, Some(&again)), Outcome::Allow);
}
