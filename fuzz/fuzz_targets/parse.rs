//! Fuzz target `parse`: arbitrary bytes through the front end and the spec's
//! reader. Neither may panic; both must accept the same documents and give
//! equal ASTs (and, at the JSON level, equal trees); every accepted policy
//! is then checked as every policy type and linted, and its diagnostics
//! rendered, none of which may panic.
//!
//! Run from `fuzz/`: `RUSTC_BOOTSTRAP=1 cargo fuzz run parse -- -dict=parse.dict`.

#![no_main]

#[path = "../../compiler/tests/support/spec_json.rs"]
mod spec_json;

use spec_json::to_spec_json;
use libfuzzer_sys::fuzz_target;
use sesame_compiler::front::json;
use sesame_compiler::front::{Limits, PolicyType, Target, check_policy, lint_policy, parse_policy};
use sesame_spec::json::Json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match (json::parse(text), Json::parse(text)) {
        (Ok(a), Ok(b)) => assert_eq!(to_spec_json(&a), b, "JSON trees differ for {text:?}"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("JSON readers disagree on {text:?}: front {a:?}, spec {b:?}"),
    }
    let front = parse_policy(text);
    let spec = sesame_spec::parse_policy(text);
    match (&front, &spec) {
        (Ok(a), Ok(b)) => assert_eq!(a.policy, *b, "ASTs differ for {text:?}"),
        (Err(e), Err(_)) => assert!(!e.is_empty()),
        _ => panic!("policy readers disagree on {text:?}: front {front:?}, spec {spec:?}"),
    }
    let Ok(parsed) = sesame_compiler::front::read(text, &Limits::default()) else {
        return;
    };
    let mut all = lint_policy(&parsed);
    for ty in PolicyType::ALL {
        all.extend(check_policy(
            text,
            &parsed,
            Target {
                ty,
                resource: Some("arn:aws:ses:us-east-1:111122223333:identity/example.com"),
            },
        ));
    }
    for d in all.iter().take(8) {
        let _ = d.render("fuzz.json", text, false);
    }
});
