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
