//! The front end's reader against the spec's: the same documents accepted,
//! equal ASTs, over the AWS managed policies, hand-picked edge cases and
//! generated documents.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/spec_json.rs"]
mod spec_json;

use spec_json::to_spec_json;
use std::path::PathBuf;
use std::time::Instant;

use proptest::prelude::*;
use sesame_compiler::front::json::{self, MAX_DEPTH};
use sesame_compiler::front::parse_policy;
use sesame_spec::json::Json;

/// Both readers, on both levels (JSON and policy), must agree on `text`.
fn agree(text: &str) {
    let spec_json = Json::parse(text);
    let front_json = json::parse(text);
    match (&spec_json, &front_json) {
        (Ok(a), Ok(b)) => assert_eq!(*a, to_spec_json(b), "JSON trees differ for {text:?}"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("JSON readers disagree on {text:?}: spec {a:?}, front {b:?}"),
    }
    let spec = sesame_spec::parse_policy(text);
    let front = parse_policy(text);
    match (&spec, &front) {
        (Ok(a), Ok(b)) => assert_eq!(*a, b.policy, "ASTs differ for {text:?}"),
        (Err(_), Err(e)) => assert!(!e.is_empty(), "refused without a diagnostic: {text:?}"),
        (a, b) => panic!("policy readers disagree on {text:?}: spec {a:?}, front {b:?}"),
    }
}

fn corpus(folder: &str) -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn every_managed_policy_parses_to_the_spec_ast() {
    let Some(files) = corpus("aws-managed") else {
        eprintln!("skipped: ../shared/corpus/aws-managed/ is absent");
        return;
    };
    assert_eq!(files.len(), 1452, "the managed corpus has 1,452 policies");
    let texts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    // The front end alone, over the whole corpus (run with `--release` for
    // the number to report).
    let started = Instant::now();
    let mut bytes = 0;
    for text in &texts {
        bytes += text.len();
        assert!(parse_policy(text).is_ok());
    }
    let front_time = started.elapsed();
    eprintln!(
        "front end: parsed {} managed policies ({bytes} bytes) in {front_time:?}",
        files.len()
    );
    let started = Instant::now();
    let mut statements = 0;
    for (path, text) in files.iter().zip(&texts) {
        let front =
            parse_policy(text).unwrap_or_else(|e| panic!("{}: refused: {e:?}", path.display()));
        let spec = sesame_spec::parse_policy(text).unwrap();
        assert_eq!(front.policy, spec, "{}", path.display());
        assert_eq!(front.spans.statements.len(), spec.statements.len());
        statements += spec.statements.len();
    }
    eprintln!(
        "parsed {} managed policies ({statements} statements) in {:?} with the front end and the spec",
        files.len(),
        started.elapsed()
    );
    assert_eq!(statements, 7656);
    if let Some(deprecated) = corpus("aws-managed-deprecated") {
        for path in deprecated {
            agree(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn spans_point_at_the_managed_policies_elements() {
    let Some(files) = corpus("aws-managed") else {
        eprintln!("skipped: ../shared/corpus/aws-managed/ is absent");
        return;
    };
    for path in files.iter().take(200) {
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = parse_policy(&text).unwrap();
        for (statement, spans) in parsed
            .policy
            .statements
            .iter()
            .zip(&parsed.spans.statements)
        {
            for (pattern, span) in statement.action.patterns.iter().zip(&spans.action.items) {
                assert_eq!(&text[span.range()], format!("\"{pattern}\""));
            }
            assert_eq!(&text[spans.effect.key.range()], "\"Effect\"");
            assert_eq!(&text[spans.whole.range()][..1], "{");
        }
    }
}

#[test]
fn edge_cases_agree() {
    let cases = [
        r#"{"Statement":{"Effect":"Allow","Action":"a:b"}}"#,
        r#"{"Statement":{"\u0045ffect":"\u0041llow","Action":"a:b"}}"#,
        r#"{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"a:b"}}"#,
        r#"{"Statement":{"Effect":"Allow","\u0045ffect":"Deny","Action":"a:b"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\ud83d\ude00"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\ud800"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\udc00"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\ud800\u0041"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\ud800\n"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\uD83D\uDE00\u00e9\/"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\x"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"\u12"}}"#,
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a\tb\"}}",
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a\u{7f}b\"}}",
        "\u{feff}{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\"}}",
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\"}}\u{a0}",
        "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"a:b\"}} \r\n\t",
        r#"{"Statement":{"Effect":"Allow","Action":"a:b"}} {}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":[0,-0,1.50,1e3,-1E-3,18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,123456789012345678901234567890,0e99999999999,1e-400,0.1,12345678901234567890.123e-5,1844674407370955161.0e2,184467440737095516160,1e308,17976931348623157e292,2.5e-324]}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":1e400}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":01}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":1.}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":-}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":+1}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":.5}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"Bool":{"k":[true,false,"x"]}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"Bool":{"k":null}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"Bool":{"k":[]}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"Bool":{}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"NullIfExists":{"k":"true"}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Condition":{"ForAnyValue:Null":{"k":"true"}}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{"AWS":"*"}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{"Service":"*"}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{"AWS":"arn:aws:iam::?:root"}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":"arn:aws:iam::1:root"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Principal":{"aws":"*"}}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","NotPrincipal":{"AWS":["1","2"]},"Principal":"*"}}"#,
        r#"{"Statement":[]}"#,
        r#"{"Statement":[1]}"#,
        r#"{"Statement":"x"}"#,
        r#"{"Version":"2012-10-17"}"#,
        r#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"a:b"}}"#,
        r#"{"Version":17,"Statement":{"Effect":"Allow","Action":"a:b"}}"#,
        r#"{"Id":"x","Version":"2008-10-17","Statement":{"Sid":"","Effect":"Deny","NotAction":["a:b"],"NotResource":"*"}}"#,
        r#"[]"#,
        r#""#,
        r#"   "#,
        r#"{"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b",}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":["a:b",]}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b"}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b"}}}"#,
        r#"{"Statement":{"Effect":tru,"Action":"a:b"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"a:b","Resource":[null]}}"#,
    ];
    for case in cases {
        agree(case);
    }
}

#[test]
fn nesting_depth_agrees_with_serde_json() {
    for depth in [
        1,
        2,
        64,
        MAX_DEPTH - 1,
        MAX_DEPTH,
        MAX_DEPTH + 1,
        MAX_DEPTH + 2,
        1000,
    ] {
        let arrays = "[".repeat(depth) + &"]".repeat(depth);
        agree(&arrays);
        let objects = "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth);
        agree(&objects);
        // Deep nesting inside a policy, where a condition value may stand.
        let inner = "[".repeat(depth) + &"]".repeat(depth);
        agree(&format!(
            r#"{{"Statement":{{"Effect":"Allow","Action":"a:b","Condition":{{"Bool":{{"k":{inner}}}}}}}}}"#
        ));
    }
    assert!(json::parse(&("[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH))).is_ok());
    assert!(Json::parse(&("[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH))).is_ok());
    let too_deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert!(json::parse(&too_deep).unwrap_err().is_limit());
    assert!(Json::parse(&too_deep).is_err());
}

// ---- generated documents ----------------------------------------------

/// A JSON document as generated: strings are raw JSON string bodies
/// (escapes included, possibly invalid), numbers raw number text.
#[derive(Clone, Debug)]
enum Gen {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Gen>),
    Obj(Vec<(String, Gen)>),
}

const WORDS: &[&str] = &[
    "Allow",
    "Deny",
    "allow",
    "\\u0041llow",
    "*",
    "s3:GetObject",
    "ses:*",
    "ses:Send?mail",
    "ses:SendEmail",
    "arn:aws:iam::*:root",
    "arn:aws:iam::111122223333:root",
    "111122223333",
    "ses.amazonaws.com",
    "arn:aws:ses:us-east-1:1:identity/*",
    "2012-10-17",
    "2008-10-17",
    "2012-10-18",
    "",
    "\\ud83d\\ude00",
    "\\ud800",
    "\\udc00",
    "\\ud800\\u0041",
    "a\\nb",
    "\\/",
    "\\x",
    "tab\there",
    "${aws:username}",
    "caf\u{e9}",
    "\\u00e9",
    "true",
    "1.0",
    "a\\\"b",
];

const KEYS: &[&str] = &[
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
    "StringEquals",
    "ForAllValues:StringLike",
    "ForAnyValue:StringEqualsIgnoreCase",
    "Bool",
    "Null",
    "NullIfExists",
    "NumericLessThanIfExists",
    "StringEqual",
    "aws:SourceIp",
    "ses:Recipients",
    "Foo",
    "\\u0045ffect",
    "effect",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "1.50",
    "1e3",
    "-1.5E-3",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1e400",
    "0e99999999999",
    "1e-400",
    "0.1",
    "01",
    "1.",
    "-",
    "1e",
    "12345678901234567890.123e-5",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(WORDS).prop_map(str::to_owned),
        1 => "[a-z*?:/${}-]{0,12}",
        1 => any::<String>().prop_map(|s| s.chars().filter(|c| *c != '"' && *c != '\\').collect()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[A-Za-z:]{0,8}",
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(NUMBERS).prop_map(str::to_owned),
        3 => "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,4})?",
    ]
}

fn scalar() -> impl Strategy<Value = Gen> {
    prop_oneof![
        1 => Just(Gen::Null),
        1 => any::<bool>().prop_map(Gen::Bool),
        3 => number().prop_map(Gen::Num),
        6 => word().prop_map(Gen::Str),
    ]
}

fn any_json() -> impl Strategy<Value = Gen> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Gen::Arr),
            prop::collection::vec((key(), inner), 0..4).prop_map(Gen::Obj),
        ]
    })
}

/// A string or a list of strings, sometimes something else.
fn string_list() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => word().prop_map(Gen::Str),
        4 => prop::collection::vec(word().prop_map(Gen::Str), 0..4).prop_map(Gen::Arr),
        1 => any_json(),
    ]
}

fn principal() -> impl Strategy<Value = Gen> {
    let kinds = prop::collection::vec(
        (
            prop::sample::select(&["AWS", "Service", "Federated", "CanonicalUser", "aws"][..])
                .prop_map(str::to_owned),
            string_list(),
        ),
        0..3,
    );
    prop_oneof![
        2 => Just(Gen::Str("*".to_owned())),
        5 => kinds.prop_map(Gen::Obj),
        1 => any_json(),
    ]
}

fn condition() -> impl Strategy<Value = Gen> {
    let values = prop_oneof![
        3 => scalar(),
        3 => prop::collection::vec(scalar(), 0..4).prop_map(Gen::Arr),
        1 => any_json(),
    ];
    let keys = prop::collection::vec((key(), values), 0..3).prop_map(Gen::Obj);
    let operator = prop_oneof![
        6 => prop::sample::select(&[
            "StringEquals", "StringLike", "ForAllValues:StringLike", "ForAnyValue:StringEquals",
            "Bool", "Null", "NumericLessThanIfExists", "ArnLike", "DateGreaterThan", "IpAddress",
            "NullIfExists", "StringEqual", "ForAnyValue:", "BinaryEquals",
        ][..]).prop_map(str::to_owned),
        1 => key(),
    ];
    prop_oneof![
        6 => prop::collection::vec((operator, keys), 0..3).prop_map(Gen::Obj),
        1 => any_json(),
    ]
}

fn statement() -> impl Strategy<Value = Gen> {
    let element = prop_oneof![
        2 => word().prop_map(|w| ("Sid".to_owned(), Gen::Str(w))),
        6 => prop::sample::select(&["Allow", "Deny", "allow", "\\u0041llow"][..])
            .prop_map(|e| ("Effect".to_owned(), Gen::Str(e.to_owned()))),
        5 => (prop::sample::select(&["Action", "NotAction"][..]), string_list())
            .prop_map(|(k, v)| (k.to_owned(), v)),
        4 => (prop::sample::select(&["Resource", "NotResource"][..]), string_list())
            .prop_map(|(k, v)| (k.to_owned(), v)),
        2 => (prop::sample::select(&["Principal", "NotPrincipal"][..]), principal())
            .prop_map(|(k, v)| (k.to_owned(), v)),
        3 => condition().prop_map(|c| ("Condition".to_owned(), c)),
        1 => (key(), any_json()),
    ];
    // The usual valid core, then extra elements that may clash with it.
    (
        prop::sample::select(&["Allow", "Deny"][..]),
        string_list(),
        prop::collection::vec(element, 0..5),
        any::<bool>(),
    )
        .prop_map(|(effect, action, extra, core)| {
            let mut members = Vec::new();
            if core {
                members.push(("Effect".to_owned(), Gen::Str(effect.to_owned())));
                members.push(("Action".to_owned(), action));
            }
            members.extend(extra);
            Gen::Obj(members)
        })
}

fn policy() -> impl Strategy<Value = Gen> {
    let statements = prop_oneof![
        2 => statement(),
        5 => prop::collection::vec(statement(), 0..4).prop_map(Gen::Arr),
        1 => any_json(),
    ];
    let version = prop_oneof![
        5 => prop::sample::select(&["2012-10-17", "2008-10-17", "2012-10-18"][..])
            .prop_map(|v| Gen::Str(v.to_owned())),
        1 => any_json(),
    ];
    (
        prop::option::of(version),
        prop::option::of(word()),
        prop::option::weighted(0.95, statements),
        prop::collection::vec((key(), any_json()), 0..2),
        any::<u8>(),
    )
        .prop_map(|(version, id, statements, junk, shuffle)| {
            let mut members = Vec::new();
            if let Some(v) = version {
                members.push(("Version".to_owned(), v));
            }
            if let Some(id) = id {
                members.push(("Id".to_owned(), Gen::Str(id)));
            }
            if let Some(s) = statements {
                members.push(("Statement".to_owned(), s));
            }
            if shuffle % 8 == 0 {
                members.extend(junk);
            }
            if !members.is_empty() {
                let n = members.len();
                members.rotate_left(usize::from(shuffle) % n);
            }
            Gen::Obj(members)
        })
}

// Mostly valid documents, so that accepted ASTs are compared often.

const GOOD_WORDS: &[&str] = &[
    "s3:GetObject",
    "ses:SendEmail",
    "ses:Send*",
    "SES:sendrawemail",
    "kms:Decrypt",
    "arn:aws:ses:us-east-1:111122223333:identity/example.com",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "*",
    "\\u0041llow",
    "\\ud83d\\ude00",
    "caf\u{e9}",
    "a\\nb",
    "\\/",
    "${aws:username}",
    "",
];

fn good_word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(GOOD_WORDS).prop_map(str::to_owned),
        2 => "[a-zA-Z0-9:*?/${}._ -]{0,16}",
    ]
}

fn good_list() -> impl Strategy<Value = Gen> {
    prop_oneof![
        1 => good_word().prop_map(Gen::Str),
        2 => prop::collection::vec(good_word().prop_map(Gen::Str), 1..4).prop_map(Gen::Arr),
    ]
}

fn good_number() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => prop::sample::select(&NUMBERS[..14]).prop_filter("in range", |n| *n != "1e400" && *n != "01")
            .prop_map(str::to_owned),
        3 => "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,2})?",
    ]
}

fn good_scalar() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => good_word().prop_map(Gen::Str),
        2 => good_number().prop_map(Gen::Num),
        1 => any::<bool>().prop_map(Gen::Bool),
    ]
}

fn good_principal() -> impl Strategy<Value = Gen> {
    let name = "[a-z0-9:/.-]{1,20}".prop_map(Gen::Str);
    let names = prop_oneof![
        name.clone(),
        prop::collection::vec(name, 1..3).prop_map(Gen::Arr),
    ];
    let kind = prop::sample::select(&["AWS", "Service", "Federated", "CanonicalUser"][..])
        .prop_map(str::to_owned);
    prop_oneof![
        1 => Just(Gen::Str("*".to_owned())),
        1 => Just(Gen::Obj(vec![("AWS".to_owned(), Gen::Str("*".to_owned()))])),
        3 => prop::collection::vec((kind, names), 1..3).prop_map(|mut kinds| {
            // Distinct kinds: a repeated key is a different (refused) document.
            let mut seen = Vec::new();
            kinds.retain(|(k, _)| if seen.contains(k) { false } else { seen.push(k.clone()); true });
            Gen::Obj(kinds)
        }),
    ]
}

fn good_condition() -> impl Strategy<Value = Gen> {
    let values = prop_oneof![
        2 => good_scalar(),
        2 => prop::collection::vec(good_scalar(), 1..4).prop_map(Gen::Arr),
    ];
    let keys = prop::collection::btree_map("[a-z]{1,4}:[A-Za-z/]{1,8}", values, 1..3)
        .prop_map(|m| Gen::Obj(m.into_iter().collect()));
    let operator = prop::sample::select(
        &[
            "StringEquals",
            "StringLike",
            "ForAllValues:StringLike",
            "ForAnyValue:StringEquals",
            "StringNotEqualsIgnoreCase",
            "Bool",
            "Null",
            "NumericLessThanIfExists",
            "ArnLike",
            "DateGreaterThan",
            "IpAddress",
            "BinaryEquals",
        ][..],
    );
    prop::collection::btree_map(operator, keys, 0..3)
        .prop_map(|m| Gen::Obj(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

fn good_statement() -> impl Strategy<Value = Gen> {
    (
        prop::option::of(good_word()),
        prop::sample::select(&["Allow", "Deny", "\\u0041llow"][..]),
        prop::sample::select(&["Action", "NotAction"][..]),
        good_list(),
        prop::option::of((
            prop::sample::select(&["Resource", "NotResource"][..]),
            good_list(),
        )),
        prop::option::of((
            prop::sample::select(&["Principal", "NotPrincipal"][..]),
            good_principal(),
        )),
        prop::option::of(good_condition()),
        any::<u8>(),
    )
        .prop_map(
            |(sid, effect, action_key, action, resource, principal, condition, turn)| {
                let mut members = vec![
                    ("Effect".to_owned(), Gen::Str(effect.to_owned())),
                    (action_key.to_owned(), action),
                ];
                if let Some(sid) = sid {
                    members.push(("Sid".to_owned(), Gen::Str(sid)));
                }
                if let Some((k, v)) = resource {
                    members.push((k.to_owned(), v));
                }
                if let Some((k, v)) = principal {
                    members.push((k.to_owned(), v));
                }
                if let Some(c) = condition {
                    members.push(("Condition".to_owned(), c));
                }
                let n = members.len();
                members.rotate_left(usize::from(turn) % n);
                Gen::Obj(members)
            },
        )
}

fn good_policy() -> impl Strategy<Value = Gen> {
    (
        prop::option::of(prop::sample::select(&["2012-10-17", "2008-10-17"][..])),
        prop::option::of(good_word()),
        prop_oneof![
            1 => good_statement(),
            3 => prop::collection::vec(good_statement(), 1..4).prop_map(Gen::Arr),
        ],
        any::<bool>(),
    )
        .prop_map(|(version, id, statements, first)| {
            let mut members = Vec::new();
            if let Some(v) = version {
                members.push(("Version".to_owned(), Gen::Str(v.to_owned())));
            }
            if let Some(id) = id {
                members.push(("Id".to_owned(), Gen::Str(id)));
            }
            members.push(("Statement".to_owned(), statements));
            if first {
                members.reverse();
            }
            Gen::Obj(members)
        })
}

/// Writes a generated document, with whitespace chosen by `seed`.
fn write(doc: &Gen, seed: &mut u64, out: &mut String) {
    let ws = |seed: &mut u64, out: &mut String| {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = (*seed >> 33) % 16;
        out.push_str(match pick {
            0 => " ",
            1 => "\n  ",
            2 => "\t",
            3 => "\r\n",
            4 if (*seed >> 40) % 64 == 0 => "\u{a0}",
            _ => "",
        });
    };
    ws(seed, out);
    match doc {
        Gen::Null => out.push_str("null"),
        Gen::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Gen::Num(n) => out.push_str(n),
        Gen::Str(s) => {
            out.push('"');
            out.push_str(s);
            out.push('"');
        }
        Gen::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, seed, out);
            }
            ws(seed, out);
            out.push(']');
        }
        Gen::Obj(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(seed, out);
                out.push('"');
                out.push_str(k);
                out.push('"');
                ws(seed, out);
                out.push(':');
                write(v, seed, out);
            }
            ws(seed, out);
            out.push('}');
        }
    }
    ws(seed, out);
}

#[derive(Clone, Debug)]
enum Mutation {
    None,
    Truncate(usize),
    Insert(usize, char),
    Remove(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        12 => Just(Mutation::None),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), prop::sample::select(&['"', ',', '{', '}', '[', ']', ':', '\\', '1', 'x', ' '][..]))
            .prop_map(|(at, c)| Mutation::Insert(at, c)),
        1 => any::<usize>().prop_map(Mutation::Remove),
    ]
}

fn apply(text: &mut String, m: &Mutation) {
    let boundary = |text: &str, at: usize| {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    match *m {
        Mutation::None => {}
        Mutation::Truncate(at) => {
            let at = boundary(text, at);
            text.truncate(at);
        }
        Mutation::Insert(at, c) => {
            let at = boundary(text, at);
            text.insert(at, c);
        }
        Mutation::Remove(at) => {
            let at = boundary(text, at);
            if at < text.len() {
                text.remove(at);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_documents_agree(doc in policy(), seed in any::<u64>(), m in mutation()) {
        let mut seed = seed;
        let mut text = String::new();
        write(&doc, &mut seed, &mut text);
        apply(&mut text, &m);
        agree(&text);
    }

    #[test]
    fn mostly_valid_documents_agree(doc in good_policy(), seed in any::<u64>(), m in mutation()) {
        let mut seed = seed;
        let mut text = String::new();
        write(&doc, &mut seed, &mut text);
        apply(&mut text, &m);
        agree(&text);
    }

    #[test]
    fn generated_json_agrees(doc in any_json(), seed in any::<u64>()) {
        let mut seed = seed;
        let mut text = String::new();
        write(&doc, &mut seed, &mut text);
        agree(&text);
    }
}

#[test]
fn duplicate_keys_are_found_in_large_objects() {
    for n in [2, 15, 16, 17, 40] {
        let keys: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
        let object = format!("{{{}}}", keys.join(","));
        agree(&object);
        assert!(json::parse(&object).is_ok());
        for dup in [0, n / 2, n - 1] {
            let with_dup = format!("{{{},\"k{dup}\":0}}", keys.join(","));
            agree(&with_dup);
            let err = json::parse(&with_dup).unwrap_err();
            assert_eq!(err.message(), format!("duplicate key `k{dup}`"));
        }
        // Inside a policy, among a condition operator's keys (`a:k1` twice
        // when there are at least two keys).
        let pairs: Vec<String> = (0..n).map(|i| format!("\"a:k{i}\":\"v\"")).collect();
        let condition = format!(
            r#"{{"Statement":{{"Effect":"Allow","Action":"a:b","Condition":{{"StringEquals":{{{},"a:k1":"x"}}}}}}}}"#,
            pairs.join(",")
        );
        assert!(parse_policy(&condition).is_err());
        agree(&condition);
    }
}
