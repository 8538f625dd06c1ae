//! A kept plan answers every context as the spec does: the plan of one
//! principal, action and resource is built by the first request and then
//! meets contexts that carry the derived keys its conditions read (a
//! context's own value comes first), in other letter cases, with no values,
//! and not at all. Each answer is the spec's, and the outcomes are the ones
//! the store's author means.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sesame_compiler::compile::check_spec;
use sesame_spec::{Outcome, Request, Store};

const STORE: &str = r#"{
  "policies": {
    "TagSend": { "Version": "2012-10-17", "Statement": [
      { "Sid": "OwnTaggedIdentity", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "StringEquals": { "aws:ResourceTag/tenant": "${aws:PrincipalTag/tenant}" } } },
      { "Sid": "NotFromElsewhere", "Effect": "Deny", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "StringNotEquals": { "aws:PrincipalAccount": "111122223333" } } }
    ] }
  },
  "principals": {
    "arn:aws:iam::111122223333:user/acme": { "policies": ["TagSend"], "tags": { "tenant": "acme" } }
  },
  "resources": {
    "arn:aws:ses:us-east-1:111122223333:identity/acme.example": { "tags": { "tenant": "acme" } }
  }
}"#;

/// A request context: keys and their values.
type Context<'a> = &'a [(&'a str, &'a [&'a str])];

fn request(context: Context<'_>) -> Request {
    let mut r = Request::new(
        "arn:aws:iam::111122223333:user/acme",
        "ses:SendEmail",
        "arn:aws:ses:us-east-1:111122223333:identity/acme.example",
    );
    r.context = context
        .iter()
        .map(|(k, vs)| {
            (
                (*k).to_owned(),
                vs.iter().map(|v| (*v).to_owned()).collect(),
            )
        })
        .collect();
    r
}

#[test]
fn a_kept_plan_meets_contexts_that_override_derived_keys() {
    let store = Store::from_json_text(STORE, None).unwrap();
    let engine = sesame_compiler::compile(&store).unwrap();
    let mut scratch = engine.scratch();
    let cases: &[(Context<'_>, Outcome)] = &[
        (&[], Outcome::Allow),
        (
            &[("aws:PrincipalTag/tenant", &["globex"])],
            Outcome::ImplicitDeny,
        ),
        (&[("AWS:PRINCIPALTAG/TENANT", &["acme"])], Outcome::Allow),
        (
            &[("aws:ResourceTag/tenant", &["globex"])],
            Outcome::ImplicitDeny,
        ),
        // Given with no values, the key is missing: nothing derived stands in.
        (&[("aws:principaltag/tenant", &[])], Outcome::ImplicitDeny),
        (
            &[("aws:PrincipalAccount", &["444455556666"])],
            Outcome::ExplicitDeny,
        ),
        (&[("ses:FromAddress", &["a@acme.example"])], Outcome::Allow),
        (&[], Outcome::Allow),
    ];
    for round in 0..2 {
        for (context, outcome) in cases {
            let r = request(context);
            let spec = sesame_spec::evaluate(&store, &r).unwrap();
            let (compiled, _) = check_spec(&engine, &mut scratch, &r).unwrap();
            assert_eq!(spec, compiled, "round {round}, context {context:?}");
            assert_eq!(spec.outcome, *outcome, "round {round}, context {context:?}");
        }
    }
}

/// One statement per single-valued test a plan keeps inline (a literal,
/// a prefix, a suffix, a date, an IPv4 block; negated, `IfExists`), and
/// ones that stay general (two values, an IPv6 block, a set qualifier).
const INLINE: &str = r#"{
  "policies": {
    "Inline": { "Version": "2012-10-17", "Statement": [
      { "Sid": "Exact", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "StringEquals": { "ses:FromAddress": "news@acme.example" } } },
      { "Sid": "Prefix", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "StringLike": { "ses:FromAddress": "billing@*" } } },
      { "Sid": "Suffix", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "StringLike": { "ses:FromAddress": "*@support.acme.example" } } },
      { "Sid": "ExactLike", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "StringLike": { "ses:FromAddress": "ops@acme.example" } } },
      { "Sid": "Binary", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "BinaryEquals": { "ses:Token": "QUJD" } } },
      { "Sid": "Hours", "Effect": "Deny", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "DateGreaterThanEquals": { "aws:CurrentTime": "2027-01-01T00:00:00Z" } } },
      { "Sid": "Office", "Effect": "Deny", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "NotIpAddress": { "aws:SourceIp": "203.0.113.0/24" } } },
      { "Sid": "NotBulk", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "StringEqualsIfExists": { "ses:FromDisplayName": "Acme" },
                       "StringEquals": { "ses:FeedbackAddress": "fb@acme.example" } } },
      { "Sid": "Lab", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "IpAddress": { "aws:SourceIp": "2001:db8::/32" },
                       "StringLike": { "ses:FromAddress": ["lab@*", "*@lab.acme.example"] } } },
      { "Sid": "Recipients", "Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*",
        "Condition": { "ForAllValues:StringLike": { "ses:Recipients": "*@acme.example" },
                       "StringEquals": { "ses:FromAddress": "team@acme.example" } } }
    ] }
  },
  "principals": {
    "arn:aws:iam::111122223333:user/acme": { "policies": ["Inline"] }
  }
}"#;

#[test]
fn inline_tests_of_a_kept_plan_answer_as_the_spec() {
    let store = Store::from_json_text(INLINE, None).unwrap();
    let engine = sesame_compiler::compile(&store).unwrap();
    let mut scratch = engine.scratch();
    let ip = ("aws:SourceIp", &["203.0.113.7"][..]);
    let now = ("aws:CurrentTime", &["2026-12-02T10:00:00Z"][..]);
    let from = |f: &'static [&'static str]| ("ses:FromAddress", f);
    let news = from(&["news@acme.example"]);
    // The same request at another time, or from another address.
    let at = |t: &'static [&'static str]| vec![ip, ("aws:CurrentTime", t), news];
    let source = |a: &'static [&'static str]| vec![("aws:SourceIp", a), now, news];
    // With a feedback address, under a display name; from the team, to
    // these recipients.
    let feedback = ("ses:FeedbackAddress", &["fb@acme.example"][..]);
    let shown = |n: &'static [&'static str]| vec![ip, now, feedback, ("ses:FromDisplayName", n)];
    let to = |r: &'static [&'static str]| {
        vec![ip, now, from(&["team@acme.example"]), ("ses:Recipients", r)]
    };
    let cases: Vec<Vec<(&str, &[&str])>> = vec![
        vec![],
        vec![ip, now, news],
        vec![ip, now, from(&["News@acme.example"])],
        vec![ip, now, from(&["news@acme.example", "x@y"])],
        vec![ip, now, from(&[])],
        vec![ip, now, from(&["billing@"])],
        vec![ip, now, from(&["billing"])],
        vec![ip, now, from(&["billing@x"])],
        vec![ip, now, from(&["x@billing@"])],
        vec![ip, now, from(&["a@support.acme.example"])],
        vec![ip, now, from(&["@support.acme.example"])],
        vec![ip, now, from(&["@support.acme.example.x"])],
        vec![ip, now, from(&["ops@acme.example"])],
        vec![ip, now, from(&["ops@acme.example "])],
        vec![ip, now, ("ses:Token", &["QUJD"])],
        vec![ip, now, ("ses:Token", &["qujd"])],
        at(&["2027-01-01T00:00:00Z"]),
        at(&["2026-12-31T23:59:59Z"]),
        at(&["2027-06-01T00:00:00Z"]),
        at(&["not a date"]),
        at(&["1798761600"]),
        source(&["198.51.100.1"]),
        source(&["203.0.113.255"]),
        vec![("aws:SourceIp", &["2001:db8::1"]), now, from(&["lab@x"])],
        source(&["::ffff:203.0.113.7"]),
        source(&["bogus"]),
        vec![ip, now, from(&["x@y"])],
        vec![ip, now, feedback],
        shown(&["Bulk"]),
        shown(&["Acme"]),
        shown(&[]),
        to(&["a@acme.example"]),
        to(&["a@else.example"]),
    ];
    let mut seen = std::collections::BTreeSet::new();
    // The first round builds the plan; the second answers from it.
    for round in 0..2 {
        for context in &cases {
            let r = request(context);
            let spec = sesame_spec::evaluate(&store, &r).unwrap();
            let (compiled, _) = check_spec(&engine, &mut scratch, &r).unwrap();
            assert_eq!(spec, compiled, "round {round}, context {context:?}");
            seen.insert(format!("{:?}", spec.outcome));
        }
    }
    assert_eq!(seen.len(), 3, "every outcome met: {seen:?}");
}

/// Tenants that share one policy share its kept predicates only where the
/// answers worked out ahead agree: each tenant's plan on its own identity
/// and on another's answers as the spec does, whichever plan was built
/// first, while every plan stays kept in one scratch.
#[test]
fn plans_that_share_a_policy_keep_their_own_answers() {
    let tenants = ["acme", "globex", "initech"];
    let mut principals = Vec::new();
    let mut resources = Vec::new();
    for t in tenants {
        principals.push(format!(
            r#""arn:aws:iam::111122223333:user/{t}": {{ "policies": ["TagSend"], "tags": {{ "tenant": "{t}" }} }}"#
        ));
        resources.push(format!(
            r#""arn:aws:ses:us-east-1:111122223333:identity/{t}.example": {{ "tags": {{ "tenant": "{t}" }} }}"#
        ));
    }
    let policies =
        &STORE[STORE.find(r#""policies""#).unwrap()..STORE.find(r#""principals""#).unwrap()];
    let text = format!(
        "{{ {policies} \"principals\": {{ {} }}, \"resources\": {{ {} }} }}",
        principals.join(", "),
        resources.join(", ")
    );
    let store = Store::from_json_text(&text, None).unwrap();
    let engine = sesame_compiler::compile(&store).unwrap();
    // Every order of building: tenant after tenant, each on every identity.
    for first in 0..tenants.len() {
        let mut scratch = engine.scratch();
        let mut allowed = 0;
        for round in 0..2 {
            for i in 0..tenants.len() {
                let caller = tenants[(first + i) % tenants.len()];
                for owner in tenants {
                    let r = Request::new(
                        &format!("arn:aws:iam::111122223333:user/{caller}"),
                        "ses:SendEmail",
                        &format!("arn:aws:ses:us-east-1:111122223333:identity/{owner}.example"),
                    );
                    let spec = sesame_spec::evaluate(&store, &r).unwrap();
                    let (compiled, _) = check_spec(&engine, &mut scratch, &r).unwrap();
                    assert_eq!(
                        spec, compiled,
                        "round {round}: {caller} on {owner}'s identity"
                    );
                    let expected = if caller == owner {
                        Outcome::Allow
                    } else {
                        Outcome::ImplicitDeny
                    };
                    assert_eq!(spec.outcome, expected, "{caller} on {owner}'s identity");
                    allowed += usize::from(caller == owner);
                }
            }
        }
        assert_eq!(allowed, 2 * tenants.len());
    }
}

/// A request naming a call key answers as the same request unnamed: when
/// its strings are the key's (its plan then found by the key's number
/// from the second check on, also after another key of the same text took
/// the plan), when they are copies of them, and when they are another
/// request's altogether (the key is not taken); also while a scratch of
/// one plan keeps losing it.
#[test]
fn a_call_key_stands_only_for_its_own_strings() {
    let store = Store::from_json_text(STORE, None).unwrap();
    let engine = sesame_compiler::compile(&store).unwrap();
    let acme = "arn:aws:iam::111122223333:user/acme";
    let own = "arn:aws:ses:us-east-1:111122223333:identity/acme.example";
    let other = "arn:aws:ses:us-east-1:111122223333:identity/other.example";
    let key = sesame_runtime::CallKey::new(acme, "ses:SendEmail", own, None);
    let twin = key.clone();
    let again = sesame_runtime::CallKey::new(acme, "ses:SendEmail", own, None);
    let copies = (acme.to_owned(), "ses:SendEmail".to_owned(), own.to_owned());
    let named = [key.request(), twin.request(), again.request()];
    let copied = sesame_runtime::Request {
        call: Some(&key),
        ..sesame_runtime::Request::new(&copies.0, &copies.1, &copies.2)
    };
    let elsewhere = sesame_runtime::Request {
        resource: other,
        ..key.request()
    };
    let session = sesame_runtime::Request {
        session_policy: Some("TagSend"),
        ..key.request()
    };
    let outcome = |scratch: &mut sesame_runtime::Scratch, r: &sesame_runtime::Request<'_>| {
        engine.check(scratch, r).map(|d| d.outcome)
    };
    for plans in [sesame_runtime::DEFAULT_PLANS, 1] {
        let mut scratch = engine.scratch_with_plans(plans);
        for _ in 0..2 {
            for r in named.iter().chain([&copied]) {
                assert_eq!(outcome(&mut scratch, r), Ok(sesame_runtime::Outcome::Allow));
            }
            // Not the key's strings: answered for the strings given.
            assert_eq!(
                outcome(&mut scratch, &elsewhere),
                Ok(sesame_runtime::Outcome::ImplicitDeny)
            );
            let plain = sesame_runtime::Request {
                call: None,
                ..session
            };
            assert_eq!(
                outcome(&mut scratch, &session),
                outcome(&mut engine.scratch(), &plain)
            );
            assert_eq!(
                outcome(&mut scratch, &named[0]),
                Ok(sesame_runtime::Outcome::Allow)
            );
        }
    }
}
