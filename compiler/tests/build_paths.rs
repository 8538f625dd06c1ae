//! The compile's one pass ([`sesame_compiler::back::build_store`]: each
//! body built as it is normalised) makes the table that normalising the
//! whole store then building it makes, field for field (compared through
//! their `Debug` text), on generated stores and on W2 fleets; and both
//! refuse a store past the statement limit with the same error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/generate.rs"]
mod generate;

use generate::{Choices, store};
use proptest::prelude::*;
use sesame_compiler::Limits;
use sesame_compiler::back::{build, build_store};
use sesame_compiler::middle::normalize;
use sesame_spec::Store;

/// Both paths' results on `store`, as text.
fn both(store: &Store, limits: &Limits) -> (String, String) {
    let two_pass = build(store, normalize(store), limits);
    let one_pass = build_store(store, limits);
    (format!("{two_pass:?}"), format!("{one_pass:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn one_pass_builds_the_two_pass_table(data in prop::collection::vec(any::<u16>(), 400..800)) {
        let mut c = Choices { data: &data, pos: 0 };
        let store = store(&mut c);
        let (two_pass, one_pass) = both(&store, &Limits::default());
        prop_assert_eq!(two_pass, one_pass);
    }
}

#[test]
fn one_pass_builds_the_two_pass_table_for_fleets() {
    for tenants in [1, 50, 700] {
        let store = sesame_benches::w2::store(tenants, 7).unwrap();
        let (two_pass, one_pass) = both(&store, &Limits::default());
        assert!(two_pass.starts_with("Ok("), "{tenants}");
        assert_eq!(two_pass, one_pass, "{tenants}");
    }
}

/// Both paths refuse a store past a limit with the same error, and meet
/// the errors in the same order: the statement count before any body's
/// pattern, the first body's pattern before a later one's.
#[test]
fn both_paths_refuse_with_the_same_error() {
    let store = sesame_benches::w2::store(40, 7).unwrap();
    let statements = Limits {
        max_statements: 30,
        ..Limits::default()
    };
    // Every tenant's inline policy names its identities' ARNs, about 50
    // characters; the managed policies' patterns are shorter.
    let patterns = Limits {
        max_pattern_chars: 45,
        ..Limits::default()
    };
    let both_limits = Limits {
        max_statements: 30,
        max_pattern_chars: 45,
        ..Limits::default()
    };
    for (limits, says) in [
        (&statements, "max_statements"),
        (&patterns, "max_pattern_chars"),
        (&both_limits, "max_statements"),
    ] {
        let (two_pass, one_pass) = both(&store, limits);
        assert!(two_pass.contains(says), "{two_pass}");
        assert_eq!(two_pass, one_pass);
    }
}
