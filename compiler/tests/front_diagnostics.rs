//! Every error and lint class of the front end, on its exact message and
//! span (shown as the text the span covers).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use sesame_compiler::front::{
    Limits, PolicyType, Target, check_policy, check_untyped, lint_policy, read,
};

/// (code, message, the text under the span) for every diagnostic: reading
/// errors if the text does not read, else the checks for `ty` (untyped when
/// `None`) and the lints.
fn run(
    text: &str,
    ty: Option<PolicyType>,
    resource: Option<&str>,
) -> Vec<(String, String, String)> {
    let found = match read(text, &Limits::default()) {
        Err(errors) => errors,
        Ok(parsed) => {
            let mut out = match ty {
                Some(ty) => check_policy(text, &parsed, Target { ty, resource }),
                None => check_untyped(&parsed),
            };
            out.extend(lint_policy(&parsed));
            out
        }
    };
    found
        .into_iter()
        .map(|d| {
            let span = d.span().expect("every diagnostic here has a span");
            (
                d.code().to_owned(),
                d.message().to_owned(),
                text[span.range()].to_owned(),
            )
        })
        .collect()
}

fn one(text: &str, ty: Option<PolicyType>) -> (String, String, String) {
    let mut all = run(text, ty, None);
    assert_eq!(all.len(), 1, "expected one diagnostic for {text}: {all:?}");
    all.remove(0)
}

fn d(code: &str, message: &str, under: &str) -> (String, String, String) {
    (code.to_owned(), message.to_owned(), under.to_owned())
}

/// A valid identity-policy statement body to build on.
const V: &str = r#""Version":"2012-10-17""#;

#[test]
fn json_errors() {
    assert_eq!(
        one(r#"{"Statement":{"Effect":"Allow" "Action":"a:b"}}"#, None),
        d("json", "expected `,` or `}`, found `\"`", "\"")
    );
    assert_eq!(
        one(r#"{"Statement":[1,]}"#, None),
        d("json", "expected a JSON value, found `]`", "]")
    );
    assert_eq!(
        one(r#"{"Statement":{"Effect":"Allow","Effect":"Deny"}}"#, None),
        d("duplicate-key", "duplicate key `Effect`", "\"Effect\"")
    );
    assert_eq!(
        one(r#"{"Id":"\ud800"}"#, None),
        d(
            "json",
            "lone leading surrogate `\\uD800` in a string; it must be followed by a trailing surrogate escape",
            "\\ud800"
        )
    );
    assert_eq!(
        one(r#"{"Id":"\q"}"#, None),
        d("json", "invalid escape `\\q` in a string", "\\q")
    );
    assert_eq!(
        one("{\"Id\":\"a\tb\"}", None),
        d(
            "json",
            "control character `\\t` in a string; write it as an escape",
            "\t"
        )
    );
    assert_eq!(
        one(r#"{"Id":1e400}"#, None),
        d("json", "number `1e400` is out of range", "1e400")
    );
    assert_eq!(
        one(r#"{"Id":01}"#, None),
        d("json", "invalid number `01`", "01")
    );
    assert_eq!(
        one(r#"{} x"#, None),
        d("json", "trailing characters after the JSON value", "x")
    );
    assert_eq!(
        one(r#"{"Id":"ab"#, None),
        d("json", "unterminated string", "\"ab")
    );
}

#[test]
fn structure_errors() {
    assert_eq!(
        one(r#"[]"#, None),
        d(
            "type",
            "a policy must be a JSON object, found an array",
            "[]"
        )
    );
    assert_eq!(
        one(r#"{"Version":"2012-10-17"}"#, None),
        d(
            "missing-element",
            "missing required element `Statement`",
            r#"{"Version":"2012-10-17"}"#
        )
    );
    assert_eq!(
        one(r#"{"Statement":[]}"#, None),
        d("empty", "`Statement` must not be empty", "[]")
    );
    assert_eq!(
        one(r#"{"Statement":"x"}"#, None),
        d(
            "type",
            "`Statement` must be an object or an array of objects, found a string",
            "\"x\""
        )
    );
    assert_eq!(
        one(r#"{"Statement":[1]}"#, None),
        d("type", "a statement must be an object, found a number", "1")
    );
    assert_eq!(
        run(r#"{"Statment":[]}"#, None, None),
        vec![
            d(
                "unknown-element",
                "unknown policy element `Statment`",
                "\"Statment\""
            ),
            d(
                "missing-element",
                "missing required element `Statement`",
                r#"{"Statment":[]}"#
            ),
        ]
    );
    assert_eq!(
        one(
            r#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"a:b"}}"#,
            None
        ),
        d(
            "version",
            "unsupported policy version `2012-10-18`",
            "\"2012-10-18\""
        )
    );
    assert_eq!(
        one(
            r#"{"Version":1,"Statement":{"Effect":"Allow","Action":"a:b"}}"#,
            None
        ),
        d("type", "expected a string, found a number", "1")
    );
    assert_eq!(
        one(r#"{"Statement":{"Action":"a:b"}}"#, None),
        d(
            "missing-element",
            "missing required element `Effect`",
            r#"{"Action":"a:b"}"#
        )
    );
    assert_eq!(
        one(r#"{"Statement":{"Effect":"Allow"}}"#, None),
        d(
            "missing-element",
            "a statement needs exactly one of `Action` or `NotAction`",
            r#"{"Effect":"Allow"}"#
        )
    );
    assert_eq!(
        one(r#"{"Statement":{"Effect":"allow","Action":"a:b"}}"#, None),
        d(
            "effect",
            "`Effect` must be `Allow` or `Deny`, found `allow`",
            "\"allow\""
        )
    );
    assert_eq!(
        one(
            r#"{"Statement":{"Effect":"Allow","Action":"a:b","NotAction":"c:d"}}"#,
            None
        ),
        d(
            "both-elements",
            "a statement cannot have both `Action` and `NotAction`",
            "\"NotAction\""
        )
    );
    assert_eq!(
        one(
            r#"{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*","NotResource":"*"}}"#,
            None
        ),
        d(
            "both-elements",
            "a statement cannot have both `Resource` and `NotResource`",
            "\"NotResource\""
        )
    );
    assert_eq!(
        one(r#"{"Statement":{"Effect":"Allow","Action":[]}}"#, None),
        d("empty", "`Action` must not be an empty list", "[]")
    );
    assert_eq!(
        one(r#"{"Statement":{"Effect":"Allow","Action":{"a":1}}}"#, None),
        d(
            "type",
            "expected a string or an array of strings, found an object",
            r#"{"a":1}"#
        )
    );
    assert_eq!(
        one(
            r#"{"Statement":{"Effect":"Allow","Action":["a:b",2]}}"#,
            None
        ),
        d("type", "expected a string, found a number", "2")
    );
    assert_eq!(
        one(
            r#"{"Statement":{"Effect":"Allow","Action":"a:b","Foo":1}}"#,
            None
        ),
        d(
            "unknown-element",
            "unknown statement element `Foo`",
            "\"Foo\""
        )
    );
}

#[test]
fn principal_and_condition_errors() {
    let s = |rest: &str| format!(r#"{{"Statement":{{"Effect":"Allow","Action":"a:b",{rest}}}}}"#);
    assert_eq!(
        one(&s(r#""Principal":"arn:aws:iam::1:root""#), None),
        d(
            "principal",
            "a principal given as a string must be `*`, found `arn:aws:iam::1:root`",
            "\"arn:aws:iam::1:root\""
        )
    );
    assert_eq!(
        one(&s(r#""Principal":{}"#), None),
        d("empty", "`Principal` must not be an empty object", "{}")
    );
    assert_eq!(
        one(&s(r#""Principal":{"aws":"*"}"#), None),
        d("principal", "unknown principal type `aws`", "\"aws\"")
    );
    assert_eq!(
        one(
            &s(r#""Principal":{"AWS":["111122223333","arn:aws:iam::*:root"]}"#),
            None
        ),
        d(
            "principal",
            "`arn:aws:iam::*:root` has a wildcard; a principal can be `*` only as a whole `AWS` value",
            "\"arn:aws:iam::*:root\""
        )
    );
    assert_eq!(
        one(&s(r#""Principal":7"#), None),
        d("type", "expected `*` or an object, found a number", "7")
    );
    assert_eq!(
        one(&s(r#""Condition":[]"#), None),
        d(
            "type",
            "`Condition` must be an object, found an array",
            "[]"
        )
    );
    assert_eq!(
        one(&s(r#""Condition":{"StringEqual":{"k:k":"v"}}"#), None),
        d(
            "operator",
            "unknown condition operator `StringEqual`",
            "\"StringEqual\""
        )
    );
    assert_eq!(
        one(&s(r#""Condition":{"StringEquals":"v"}"#), None),
        d(
            "type",
            "a condition operator takes an object of keys to values, found a string",
            "\"v\""
        )
    );
    assert_eq!(
        one(&s(r#""Condition":{"StringEquals":{}}"#), None),
        d("empty", "`StringEquals` names no condition keys", "{}")
    );
    assert_eq!(
        one(&s(r#""Condition":{"StringEquals":{"a:k":[]}}"#), None),
        d("empty", "the value list must not be empty", "[]")
    );
    assert_eq!(
        one(
            &s(r#""Condition":{"StringEquals":{"a:k":["x",null]}}"#),
            None
        ),
        d(
            "type",
            "a condition value must be a string, number or boolean, found null",
            "null"
        )
    );
}

#[test]
fn placement_errors() {
    let identity = format!(
        r#"{{{V},"Statement":{{"Effect":"Allow","Principal":"*","Action":"ses:SendEmail","Resource":"*"}}}}"#
    );
    assert_eq!(
        one(&identity, Some(PolicyType::Identity)),
        d(
            "placement",
            "policy document should not specify a principal: a customer managed policy cannot have `Principal` or `NotPrincipal`",
            "\"Principal\""
        )
    );
    let no_resource =
        format!(r#"{{{V},"Statement":{{"Effect":"Allow","Action":"ses:SendEmail"}}}}"#);
    assert_eq!(
        one(&no_resource, Some(PolicyType::InlineRole)),
        d(
            "placement",
            "policy statement must contain resources: an inline role policy needs `Resource` or `NotResource`",
            r#"{"Effect":"Allow","Action":"ses:SendEmail"}"#
        )
    );
    assert!(run(&no_resource, None, None).is_empty());
    assert_eq!(
        one(&no_resource, Some(PolicyType::BucketPolicy)),
        d(
            "placement",
            "missing required field `Principal` in a bucket policy",
            r#"{"Effect":"Allow","Action":"ses:SendEmail"}"#
        )
    );
    let rcp = format!(
        r#"{{{V},"Statement":{{"Effect":"Deny","Principal":{{"AWS":"111122223333"}},"Action":"s3:*","Resource":"*"}}}}"#
    );
    let rcp_allow = format!(
        r#"{{{V},"Statement":{{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}}}"#
    );
    assert_eq!(
        one(&rcp_allow, Some(PolicyType::Rcp)),
        d(
            "placement",
            "`Allow` in a resource control policy grants nothing: RCPs only restrict",
            "\"Allow\""
        )
    );
    assert_eq!(
        one(&rcp, Some(PolicyType::Rcp)),
        d(
            "placement",
            "a resource control policy's principal must be `\"Principal\": \"*\"`",
            r#""Principal":{"AWS":"111122223333"}"#
        )
    );
}

#[test]
fn version_and_sid_errors() {
    let scp = r#"{"Statement":{"Effect":"Deny","Action":"ses:*","Resource":"*"}}"#;
    assert_eq!(
        one(scp, Some(PolicyType::Scp)),
        d(
            "version",
            "a service control policy must have `\"Version\": \"2012-10-17\"`",
            scp
        )
    );
    assert_eq!(
        one(scp, Some(PolicyType::Identity)),
        d(
            "version",
            "the policy has no `Version`; it is read as `2008-10-17`",
            scp
        )
    );
    let sids = format!(
        r#"{{{V},"Statement":[{{"Sid":"Send mail","Effect":"Allow","Action":"ses:SendEmail","Resource":"*"}},{{"Sid":"Send mail","Effect":"Deny","Action":"ses:SendEmail","Resource":"*"}}]}}"#
    );
    assert_eq!(
        run(&sids, Some(PolicyType::Identity), None),
        vec![
            d(
                "sid",
                "statement IDs (SID) must be alpha-numeric; `Send mail` is not",
                "\"Send mail\""
            ),
            d(
                "sid",
                "statement IDs (SID) must be alpha-numeric; `Send mail` is not",
                "\"Send mail\""
            ),
            d(
                "sid",
                "statement IDs (SID) in a single policy must be unique; `Send mail` is repeated",
                "\"Send mail\""
            ),
        ]
    );
    // Resource policies allow spaces in Sids; uniqueness still holds.
    let with_principal = sids.replace(r#""Effect""#, r#""Principal":"*","Effect""#);
    assert_eq!(
        run(&with_principal, Some(PolicyType::Resource), None),
        vec![d(
            "sid",
            "statement IDs (SID) in a single policy must be unique; `Send mail` is repeated",
            "\"Send mail\""
        )]
    );
}

#[test]
fn size_limits_per_type() {
    // A statement with a long action list, sized to cross each limit.
    let policy = |actions: usize| {
        let list: Vec<String> = (0..actions)
            .map(|i| format!("\"ses:Get{}\"", ["Template", "Contact", "Account"][i % 3]))
            .collect();
        format!(
            "{{\n  {V},\n  \"Statement\": {{\"Effect\": \"Allow\", \"Action\": [{}], \"Resource\": \"*\"}}\n}}",
            list.join(", ")
        )
    };
    let big = policy(450); // about 6,850 characters without whitespace
    let sizes: Vec<_> = run(&big, Some(PolicyType::Identity), None)
        .into_iter()
        .filter(|(c, ..)| c == "size")
        .collect();
    assert_eq!(sizes.len(), 1);
    let non_ws = big.chars().filter(|c| !c.is_whitespace()).count();
    assert_eq!(
        sizes[0].1,
        format!(
            "a customer managed policy can have at most 6144 characters (whitespace not counted); this one has {non_ws}"
        )
    );
    assert_eq!(sizes[0].2, big.trim_end());
    for (ty, fits) in [
        (PolicyType::AwsManaged, true),
        (PolicyType::InlineRole, true),
        (PolicyType::InlineGroup, false),
        (PolicyType::InlineUser, false),
        (PolicyType::Resource, true),
    ] {
        let has_size = run(&big, Some(ty), None).iter().any(|(c, ..)| c == "size");
        assert_eq!(has_size, !fits, "{ty}");
    }
    // SCPs count every character, whitespace included.
    let padded = policy(280).replace(", ", ",      ");
    let chars = padded.chars().count();
    let non_ws = padded.chars().filter(|c| !c.is_whitespace()).count();
    assert!(chars > 5_120 && non_ws <= 5_120, "{chars} {non_ws}");
    assert_eq!(
        run(&padded, Some(PolicyType::Scp), None)
            .into_iter()
            .filter(|(c, ..)| c == "size")
            .map(|(_, m, _)| m)
            .collect::<Vec<_>>(),
        vec![format!(
            "a service control policy can have at most 5120 characters; this one has {chars}"
        )]
    );
    assert!(
        !run(&padded, Some(PolicyType::InlineGroup), None)
            .iter()
            .any(|(c, ..)| c == "size")
    );
}

#[test]
fn ses_sending_authorization_rules() {
    let identity = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
    let p = |resource: &str| {
        format!(
            r#"{{{V},"Statement":{{"Effect":"Allow","Principal":{{"AWS":"444455556666"}},"Action":"ses:SendEmail","Resource":{resource}}}}}"#
        )
    };
    assert!(
        run(
            &p(&format!("\"{identity}\"")),
            Some(PolicyType::SesSending),
            Some(identity)
        )
        .is_empty()
    );
    assert_eq!(
        run(
            &p("\"arn:aws:ses:us-east-1:111122223333:identity/other.com\""),
            Some(PolicyType::SesSending),
            Some(identity)
        ),
        vec![d(
            "ses",
            "the `Resource` of a sending-authorization policy must be the identity's ARN `arn:aws:ses:us-east-1:111122223333:identity/example.com`, found `arn:aws:ses:us-east-1:111122223333:identity/other.com`",
            "\"arn:aws:ses:us-east-1:111122223333:identity/other.com\""
        )]
    );
    let two = format!("[\"{identity}\",\"{identity}\"]");
    assert_eq!(
        run(&p(&two), Some(PolicyType::SesSending), Some(identity)),
        vec![d(
            "ses",
            "a sending-authorization policy statement must have exactly one `Resource`, the identity's ARN",
            &format!("\"Resource\":{two}")
        )]
    );
    let big = p(&format!("\"{identity}\"")).replace(
        "\"Effect\"",
        &format!("\"Sid\":\"{}\",\"Effect\"", "a".repeat(4_000)),
    );
    assert_eq!(
        run(&big, Some(PolicyType::SesSending), Some(identity))
            .into_iter()
            .map(|(c, m, _)| (c, m))
            .collect::<Vec<_>>(),
        vec![(
            "size".to_owned(),
            format!(
                "an SES sending-authorization policy can have at most 4096 bytes; this one has {}",
                big.len()
            )
        )]
    );
    let name = sesame_compiler::front::check::check_ses_policy_name("tenant a").unwrap();
    assert_eq!(
        name.message(),
        "sending-authorization policy name `tenant a` must be 1 to 64 letters, digits, `-` or `_`"
    );
}

#[test]
fn shape_errors() {
    let s = |rest: &str| format!(r#"{{{V},"Statement":{{"Effect":"Allow",{rest}}}}}"#);
    assert_eq!(
        one(&s(r#""Action":"SendEmail","Resource":"*""#), None),
        d(
            "action",
            "actions must be prefaced by a vendor, e.g. `iam`, `ses`, `s3`; found `SendEmail`",
            "\"SendEmail\""
        )
    );
    assert_eq!(
        one(
            &s(r#""Action":"ses:SendEmail","Resource":"example.com""#),
            None
        ),
        d(
            "arn",
            "resource `example.com` must be in ARN format or `*`",
            "\"example.com\""
        )
    );
    assert_eq!(
        one(
            &s(r#""Principal":{"AWS":"tenant-a"},"Action":"ses:SendEmail""#),
            None
        ),
        d(
            "principal",
            "invalid principal in policy: `\"AWS\": \"tenant-a\"`",
            "\"tenant-a\""
        )
    );
    assert_eq!(
        one(
            &s(
                r#""Action":"ses:SendEmail","Resource":"*","Condition":{"StringEquals":{"FromAddress":"a@b.c"}}"#
            ),
            None
        ),
        d(
            "condition-key",
            "condition keys must be prefaced by a vendor, e.g. `aws`, `ses`; found `FromAddress`",
            "\"FromAddress\""
        )
    );
}

#[test]
fn lints() {
    let s = |rest: &str| format!(r#"{{{V},"Statement":{{{rest}}}}}"#);
    let allow = |rest: &str| s(&format!(r#""Effect":"Allow",{rest}"#));
    assert_eq!(
        one(&allow(r#""Action":"ses:SendEmails","Resource":"*""#), None),
        d(
            "unknown-action",
            "unknown action `ses:SendEmails`: `ses` has no action `SendEmails`",
            "\"ses:SendEmails\""
        )
    );
    assert_eq!(
        one(&allow(r#""Action":"ses:Frobnicate*","Resource":"*""#), None),
        d(
            "unknown-action",
            "`ses:Frobnicate*` matches no `ses` action",
            "\"ses:Frobnicate*\""
        )
    );
    assert!(
        run(
            &allow(r#""Action":["ses:send*","SES:SendEmail","ec2:Whatever"],"Resource":"*""#),
            None,
            None
        )
        .is_empty()
    );
    assert_eq!(
        one(
            &allow(
                r#""Action":"ses:SendEmail","Resource":"*","Condition":{"StringEquals":{"ses:FromAdress":"a@b.c"}}"#
            ),
            None
        ),
        d(
            "unknown-condition-key",
            "unknown condition key `ses:FromAdress`: `ses` has no such key",
            "\"ses:FromAdress\""
        )
    );
    assert_eq!(
        one(
            &allow(
                r#""Action":"ses:SendEmail","Resource":"*","Condition":{"ForAnyValue:StringLike":{"ses:FromAddress":"*@b.c"}}"#
            ),
            None
        ),
        d(
            "set-operator-on-single-valued-key",
            "`ForAnyValue` is a set operator, but `ses:FromAddress` is a single-valued key",
            "\"ForAnyValue:StringLike\""
        )
    );
    assert_eq!(
        one(
            &allow(
                r#""Action":"ses:SendEmail","Resource":"*","Condition":{"StringLike":{"ses:Recipients":"*@b.c"}}"#
            ),
            None
        ),
        d(
            "plain-operator-on-multivalued-key",
            "`StringLike` on multivalued key `ses:Recipients` compares its values one by one and holds if any matches",
            "\"StringLike\""
        )
    );
    assert_eq!(
        one(
            &allow(
                r#""Action":"ses:SendEmail","Resource":"*","Condition":{"ForAllValues:StringLike":{"ses:Recipients":"*@b.c"}}"#
            ),
            None
        ),
        d(
            "for-all-values-in-allow",
            "`ForAllValues:StringLike` in an `Allow` also holds when `ses:Recipients` is missing or empty",
            "\"ForAllValues:StringLike\""
        )
    );
    assert!(run(
        &s(r#""Effect":"Deny","Action":"ses:SendEmail","Resource":"*","Condition":{"ForAllValues:StringLike":{"ses:Recipients":"*@b.c"}}"#),
        None,
        None
    )
    .is_empty());
    assert_eq!(
        one(
            &allow(r#""NotPrincipal":{"AWS":"111122223333"},"Action":"ses:SendEmail""#),
            None
        ),
        d(
            "not-principal-with-allow",
            "`NotPrincipal` with `Allow` grants access to every principal not listed, including anonymous users",
            "\"NotPrincipal\""
        )
    );
    let old = r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}}"#;
    assert_eq!(
        one(old, None),
        d(
            "variable-in-2008",
            "`${aws:username}` is plain text under `\"Version\": \"2008-10-17\"`",
            "\"arn:aws:s3:::b/${aws:username}/*\""
        )
    );
    assert!(run(&old.replace("2008-10-17", "2012-10-17"), None, None).is_empty());
}

#[test]
fn never_matches() {
    let s = |rest: &str| format!(r#"{{{V},"Statement":{{"Effect":"Deny",{rest}}}}}"#);
    assert_eq!(
        one(&s(r#""NotAction":"*","Resource":"*""#), None),
        d(
            "never-matches",
            "this statement can never match: `NotAction` excludes every action with `*`",
            "\"*\""
        )
    );
    assert_eq!(
        one(
            &s(r#""Action":"ses:SendEmail","NotResource":["arn:aws:ses:*:*:identity/a","*"]"#),
            None
        ),
        d(
            "never-matches",
            "this statement can never match: `NotResource` excludes every resource with `*`",
            "\"*\""
        )
    );
    assert_eq!(
        one(&s(r#""NotPrincipal":"*","Action":"ses:SendEmail""#), None),
        d(
            "never-matches",
            "this statement can never match: `NotPrincipal` excludes every principal with `*`",
            "\"*\""
        )
    );
    assert_eq!(
        one(
            &s(
                r#""Action":"ses:SendEmail","Resource":"*","Condition":{"Null":{"ses:FromAddress":"yes"}}"#
            ),
            None
        ),
        d(
            "never-matches",
            "this statement can never match: `Null` takes `true` or `false`, found `yes`",
            "\"yes\""
        )
    );
    assert_eq!(
        one(
            &s(
                r#""Action":"ses:SendEmail","Resource":"*","Condition":{"Null":{"ses:FromAddress":"true"},"StringLike":{"ses:fromaddress":"*@b.c"}}"#
            ),
            None
        ),
        d(
            "never-matches",
            "this statement can never match: `StringLike` needs `ses:fromaddress` present, but `Null` requires it missing",
            "\"StringLike\""
        )
    );
    assert!(run(
        &s(r#""Action":"ses:SendEmail","Resource":"*","Condition":{"Null":{"ses:FromAddress":"true"},"StringLikeIfExists":{"ses:FromAddress":"*@b.c"}}"#),
        None,
        None
    )
    .is_empty());
    assert_eq!(
        one(
            &s(
                r#""Action":["ses:SendEmail","ses:SendRawEmail"],"Resource":"arn:aws:s3:::bucket/*""#
            ),
            None
        ),
        d(
            "never-matches",
            "this statement can never match: its actions (`ses:SendEmail`, `ses:SendRawEmail`) never act on `s3` resources",
            "\"arn:aws:s3:::bucket/*\""
        )
    );
}

#[test]
fn resource_types() {
    // Seed 000: CreateEmailIdentity on an identity ARN without a name.
    let seed = r#"{"Version":"2012-10-17","Statement":[{"Sid":"stmt1643366831422","Effect":"Allow","Action":["ses:CreateEmailIdentity"],"Resource":"arn:aws:ses:us-west-2:122443365328:identity/"}]}"#;
    assert_eq!(
        run(seed, Some(PolicyType::Identity), None),
        vec![d(
            "resource-type",
            "`ses:CreateEmailIdentity` cannot act on `arn:aws:ses:us-west-2:122443365328:identity/`: it takes `identity` (`arn:${Partition}:ses:${Region}:${Account}:identity/${IdentityName}`)",
            "\"arn:aws:ses:us-west-2:122443365328:identity/\""
        )]
    );
    assert!(
        run(
            &seed.replace("identity/\"", "identity/*\""),
            Some(PolicyType::Identity),
            None
        )
        .is_empty()
    );
    assert!(
        run(
            &seed.replace("identity/\"", "identity/example.com\""),
            Some(PolicyType::Identity),
            None
        )
        .is_empty()
    );
    let list = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ses:ListEmailIdentities","Resource":"arn:aws:ses:us-west-2:122443365328:identity/example.com"}}"#;
    assert_eq!(
        one(list, None),
        d(
            "resource-type",
            "`ses:ListEmailIdentities` does not support resource-level permissions; only `\"Resource\": \"*\"` matches it",
            "\"ses:ListEmailIdentities\""
        )
    );
}

#[test]
fn diagnostics_render_and_serialize() {
    let text = "{\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"ses:SendEmails\", \"Resource\": \"*\"}\n}";
    let parsed = read(text, &Limits::default()).unwrap();
    let lint = lint_policy(&parsed).into_iter().next().unwrap();
    let rendered = lint.render("p.json", text, false);
    assert!(
        rendered.contains("[unknown-action] Warning: unknown action `ses:SendEmails`"),
        "{rendered}"
    );
    assert!(rendered.contains("p.json:2:46"), "{rendered}");
    assert!(rendered.contains("^^^^^^^^"), "{rendered}");
    assert!(
        rendered.contains("Help: did you mean `ses:SendEmail`?"),
        "{rendered}"
    );
    let json = lint.to_json("p.json", &sesame_compiler::loc::LineIndex::new(text));
    assert_eq!(
        json,
        serde_json::json!({
            "severity": "warning",
            "code": "unknown-action",
            "message": "unknown action `ses:SendEmails`: `ses` has no action `SendEmails`",
            "file": "p.json",
            "span": {"start": 47, "end": 63, "line": 2, "column": 46, "end_line": 2, "end_column": 62},
            "help": "did you mean `ses:SendEmail`?"
        })
    );
}

// ---- limits: refused in bounded time and memory --------------------------

fn quick<T>(f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    out
}

#[test]
fn huge_inputs_are_refused_before_reading() {
    let huge = format!(
        r#"{{"Statement":{{"Effect":"Allow","Action":"a:b","Resource":"{}"}}}}"#,
        "x".repeat(2 << 20)
    );
    let errors = quick(|| read(&huge, &Limits::default()).unwrap_err());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code(), "limit");
    assert_eq!(
        errors[0].message(),
        format!(
            "the policy has {} bytes, more than the limit of 1048576",
            huge.len()
        )
    );
}

#[test]
fn deep_nesting_is_refused_with_a_limit_error() {
    let deep = format!(
        r#"{{"Statement":{{"Effect":"Allow","Action":"a:b","Condition":{{"Bool":{{"k":{}{}}}}}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let errors = quick(|| read(&deep, &Limits::default()).unwrap_err());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code(), "limit");
    assert_eq!(
        errors[0].message(),
        "arrays and objects nest deeper than 127 levels"
    );
}

#[test]
fn wildcard_heavy_and_wide_inputs_are_refused() {
    let stars = format!(
        r#"{{"Statement":{{"Effect":"Allow","Action":"a:b","Resource":"arn:aws:s3:::{}"}}}}"#,
        "*a".repeat(100)
    );
    let errors = quick(|| read(&stars, &Limits::default()).unwrap_err());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code(), "limit");
    assert_eq!(
        errors[0].message(),
        "this string has 100 wildcards, more than the limit of 64"
    );
    let statements: Vec<String> = (0..5_000)
        .map(|_| r#"{"Effect":"Allow","Action":"a:b"}"#.to_owned())
        .collect();
    let wide = format!(r#"{{"Statement":[{}]}}"#, statements.join(","));
    let errors = quick(|| read(&wide, &Limits::default()).unwrap_err());
    assert_eq!(
        errors[0].message(),
        "the policy has 5000 statements, more than the limit of 4096"
    );
    let values: Vec<String> = (0..70_000).map(|i| format!("\"v{i}\"")).collect();
    let many = format!(
        r#"{{"Statement":{{"Effect":"Allow","Action":"a:b","Condition":{{"StringEquals":{{"a:k":[{}]}}}}}}}}"#,
        values.join(",")
    );
    let errors = quick(|| read(&many, &Limits::default()).unwrap_err());
    assert_eq!(
        errors[0].message(),
        "the policy has 70001 strings, more than the limit of 65536"
    );
    // A wildcard-heavy pattern within the limit lints in bounded time.
    let within = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"ses:{}x","Resource":"*"}}}}"#,
        "*a".repeat(30)
    );
    let parsed = read(&within, &Limits::default()).unwrap();
    quick(|| lint_policy(&parsed));
}

#[test]
fn lints_over_a_policy_at_the_limits_take_bounded_time() {
    // 60,000 unknown actions and 2,000 `Null` conditions with matching keys.
    let actions: Vec<String> = (0..60_000).map(|i| format!("\"ses:Nope{i}\"")).collect();
    let nulls: Vec<String> = (0..2_000).map(|i| format!("\"a:k{i}\":\"true\"")).collect();
    let likes: Vec<String> = (0..2_000).map(|i| format!("\"a:k{i}\":\"x\"")).collect();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":[{}],"Resource":"*","Condition":{{"Null":{{{}}},"StringLike":{{{}}}}}}}}}"#,
        actions.join(","),
        nulls.join(","),
        likes.join(",")
    );
    let parsed = read(&text, &Limits::default()).unwrap();
    let lints = quick(|| lint_policy(&parsed));
    assert_eq!(
        lints
            .iter()
            .filter(|d| d.code() == "unknown-action")
            .count(),
        60_000
    );
    assert_eq!(
        lints.iter().filter(|d| d.code() == "never-matches").count(),
        2_000
    );
}
