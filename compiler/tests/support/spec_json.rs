//! The spec's JSON tree for a front-end JSON value, so the two JSON readers
//! can be compared value for value. Shared by `compiler/tests/front_parse.rs`
//! and the `parse` fuzz target (`fuzz/fuzz_targets/parse.rs`).

use sesame_compiler::front::json::{Kind, Value};
use sesame_spec::json::Json;

/// The spec's tree for `value`.
pub(crate) fn to_spec_json(value: &Value) -> Json {
    match &value.kind {
        Kind::Null => Json::Null,
        Kind::Bool(b) => Json::Bool(*b),
        Kind::Number(n) => Json::Number(n.clone()),
        Kind::String(s) => Json::String(s.clone()),
        Kind::Array(items) => Json::Array(items.iter().map(to_spec_json).collect()),
        Kind::Object(members) => Json::Object(
            members
                .iter()
                .map(|m| (m.key.clone(), to_spec_json(&m.value)))
                .collect(),
        ),
    }
}
