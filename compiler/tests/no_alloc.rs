//! The check path allocates nothing once the engine is compiled and the
//! worker's scratch space is warm: a counting global allocator watches
//! allow, explicit-deny and implicit-deny checks with conditions, policy
//! variables, derived keys, tags, role sessions, unknown actions (wildcard
//! classification) and session policies.
//!
//! The counter is global, so this test runs without libtest's harness
//! (`harness = false`): no other thread (the harness's, waiting on a
//! channel, allocates when it parks) shares the counted region.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// One test per binary: the counting allocator is process-wide.

use std::alloc::System;

use sesame_runtime::{CallKey, Outcome, Request};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const STORE: &str = r#"{
  "policies": {
    "Send": { "Version": "2012-10-17", "Statement": [
      { "Sid": "OwnIdentity", "Effect": "Allow", "Action": ["ses:SendEmail", "ses:SendRaw*"],
        "Resource": "arn:aws:ses:us-east-1:111122223333:identity/${aws:PrincipalTag/domain}",
        "Condition": { "StringLike": { "ses:FromAddress": "*@${aws:PrincipalTag/domain}" },
                       "ForAllValues:StringLike": { "ses:Recipients": ["*@example.com", "*@example.org"] },
                       "IpAddress": { "aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"] },
                       "DateLessThan": { "aws:CurrentTime": "2030-01-01T00:00:00Z" },
                       "NumericLessThanEquals": { "n:count": "50" } } },
      { "Sid": "NoProd", "Effect": "Deny", "Action": "ses:*",
        "Resource": "*", "Condition": { "StringEqualsIgnoreCase": { "aws:ResourceTag/env": "PROD" } } },
      { "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::bucket/${aws:username}/*" }
    ] },
    "Boundary": { "Version": "2012-10-17", "Statement": [
      { "Effect": "Allow", "NotAction": "iam:*", "Resource": "*" } ] },
    "Scp": { "Version": "2012-10-17", "Statement": [
      { "Effect": "Allow", "Action": "*", "Resource": "*" },
      { "Effect": "Deny", "Action": "ses:Delete*", "Resource": "*",
        "Condition": { "ArnNotLike": { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/Admin*" } } } ] },
    "SendAuth": { "Version": "2012-10-17", "Statement": [
      { "Sid": "Partner", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::444455556666:root" },
        "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "Bool": { "aws:SecureTransport": "true" } } } ] },
    "Session": { "Version": "2012-10-17", "Statement": [
      { "Effect": "Allow", "Action": "ses:Send*", "Resource": "*" } ] }
  },
  "principals": {
    "arn:aws:iam::111122223333:user/tenant-a": { "policies": ["Send"], "boundary": "Boundary",
      "tags": { "domain": "example.com" } },
    "arn:aws:iam::111122223333:role/path/Sender": { "policies": ["Send"], "tags": { "domain": "example.net" } },
    "arn:aws:iam::444455556666:user/partner": { "policies": ["Session"] }
  },
  "resources": {
    "arn:aws:ses:us-east-1:111122223333:identity/example.com": { "policies": ["SendAuth"], "tags": { "env": "dev" } },
    "arn:aws:ses:us-east-1:111122223333:identity/prod.com": { "tags": { "env": "prod" } }
  },
  "accounts": { "111122223333": { "scps": [["Scp"]] } }
}"#;

fn main() {
    warm_checks_do_not_allocate();
    println!("test warm_checks_do_not_allocate ... ok");
}

fn warm_checks_do_not_allocate() {
    let store = sesame_spec::Store::from_json_text(STORE, None).unwrap();
    let engine = sesame_compiler::compile(&store).unwrap();
    let mut scratch = engine.scratch();

    let recipients: &[&str] = &["a@example.com", "b@example.org"];
    let bad_recipients: &[&str] = &["a@example.com", "b@evil.test"];
    let from: &[&str] = &["news@example.com"];
    let ip: &[&str] = &["203.0.113.9"];
    let ip6: &[&str] = &["2001:db8::7"];
    let time: &[&str] = &["2026-11-23T10:00:00Z"];
    let count: &[&str] = &["7"];
    let tls: &[&str] = &["TRUE"];
    let good_net = [
        ("ses:FromAddress", &["news@example.net"][..]),
        ("ses:Recipients", recipients),
        ("aws:SourceIp", ip),
        ("aws:CurrentTime", time),
        ("n:count", count),
    ];
    let good = [
        ("ses:FromAddress", from),
        ("ses:Recipients", recipients),
        ("aws:SourceIp", ip),
        ("aws:CurrentTime", time),
        ("n:count", count),
        ("aws:SecureTransport", tls),
    ];
    let bad = [
        ("SES:FROMADDRESS", from),
        ("ses:recipients", bad_recipients),
        ("aws:SourceIp", ip6),
        ("aws:CurrentTime", time),
        ("n:count", count),
    ];
    // The same context with its keys named once, as a sender does when it
    // starts (made here, before the counted checks).
    let keys = engine.context_keys(&good.map(|(k, _)| k));
    let named = keys
        .pairs([from, recipients, ip, time, count, tls])
        .unwrap();
    let identity = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
    let tenant = "arn:aws:iam::111122223333:user/tenant-a";
    // And the call named once too.
    let call = CallKey::new(tenant, "ses:SendEmail", identity, None);
    let requests = [
        (
            Request {
                context: &named,
                keys: Some(&keys),
                ..Request::new(tenant, "ses:SendEmail", identity)
            },
            Outcome::Allow,
        ),
        (
            Request {
                context: &named,
                keys: Some(&keys),
                ..call.request()
            },
            Outcome::Allow,
        ),
        (
            Request {
                context: &good,
                ..Request::new(tenant, "ses:SendEmail", identity)
            },
            Outcome::Allow,
        ),
        (
            Request {
                context: &good,
                ..Request::new(tenant, "SES:SendRawEmail", identity)
            },
            Outcome::Allow,
        ),
        (
            Request {
                context: &bad,
                ..Request::new(tenant, "ses:SendEmail", identity)
            },
            Outcome::ImplicitDeny,
        ),
        (
            Request::new(
                tenant,
                "ses:SendEmail",
                "arn:aws:ses:us-east-1:111122223333:identity/prod.com",
            ),
            Outcome::ExplicitDeny,
        ),
        (
            Request::new(tenant, "ses:DeleteIdentity", identity),
            Outcome::ExplicitDeny,
        ),
        (
            Request::new(tenant, "s3:GetObject", "arn:aws:s3:::bucket/tenant-a/x"),
            Outcome::Allow,
        ),
        (
            Request::new(tenant, "s3:GetObject", "arn:aws:s3:::bucket/other/x"),
            Outcome::ImplicitDeny,
        ),
        (
            Request::new(tenant, "iam:PassRole", "*"),
            Outcome::ImplicitDeny,
        ),
        (
            Request {
                context: &good_net,
                ..Request::new(
                    "arn:aws:sts::111122223333:assumed-role/Sender/s",
                    "ses:SendEmail",
                    "arn:aws:ses:us-east-1:111122223333:identity/example.net",
                )
            },
            Outcome::Allow,
        ),
        (
            Request {
                context: &good,
                ..Request::new(
                    "arn:aws:sts::111122223333:assumed-role/Nobody/s",
                    "ses:SendEmail",
                    identity,
                )
            },
            Outcome::ImplicitDeny,
        ),
        (
            Request {
                context: &good,
                ..Request::new(
                    "arn:aws:iam::444455556666:user/partner",
                    "ses:SendEmail",
                    identity,
                )
            },
            Outcome::Allow,
        ),
        (
            Request {
                context: &good_net,
                session_policy: Some("Session"),
                ..Request::new(
                    "arn:aws:sts::111122223333:assumed-role/Sender/s",
                    "ses:SendEmail",
                    "arn:aws:ses:us-east-1:111122223333:identity/example.net",
                )
            },
            Outcome::Allow,
        ),
        (
            Request::new("ses.amazonaws.com", "ses:SendEmail", identity),
            Outcome::ImplicitDeny,
        ),
    ];
    // Warm up: sizes every buffer, and checks the expected outcomes.
    for (request, expected) in &requests {
        let d = engine.check(&mut scratch, request).unwrap();
        assert_eq!(d.outcome, *expected, "{request:?}");
        let spec_request = sesame_compiler::compile::to_spec_request(request);
        let spec = sesame_spec::evaluate(&store, &spec_request).unwrap();
        assert_eq!(
            sesame_compiler::compile::to_spec_decision(&d),
            spec,
            "{request:?}"
        );
    }
    // A scratch space that keeps no plans works each one out afresh, and
    // one too small for the stream clears its cache again and again: both
    // must stay allocation-free once warm too.
    let mut uncached = engine.scratch_with_plans(0);
    let mut small = engine.scratch_with_plans(3);
    for (request, _) in &requests {
        engine.check(&mut uncached, request).unwrap();
        engine.check(&mut small, request).unwrap();
    }
    let region = Region::new(GLOBAL);
    let mut allows = 0;
    let passes = 200;
    for _ in 0..passes {
        for (request, _) in &requests {
            for scratch in [&mut scratch, &mut uncached, &mut small] {
                let d = engine.check(scratch, request).unwrap();
                allows += usize::from(d.outcome == Outcome::Allow);
                allows += d.statements().filter(|s| s.sid.is_some()).count();
                let d = engine.check_outcome(scratch, request).unwrap();
                allows += usize::from(d.outcome == Outcome::Allow);
            }
        }
    }
    let stats = region.change();
    let allocations = stats.allocations + stats.reallocations;
    assert!(allows > 0);
    // The counter does see allocations: rendering a message allocates.
    let probe = Region::new(GLOBAL);
    let d = engine.check(&mut scratch, &requests[0].0).unwrap();
    let message = d.message(&requests[0].0);
    assert!(probe.change().allocations > 0 && !message.is_empty());
    assert_eq!(
        allocations,
        0,
        "the warm check path allocated {allocations} times in {} checks",
        passes * requests.len() * 6
    );
}
