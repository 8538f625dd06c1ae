//! The AWS managed policies through validation and lints: every one is
//! valid as an AWS managed policy, and the lints stay quiet where the data
//! says the policy is right.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use sesame_compiler::front::{PolicyType, Target, check_policy, lint_policy, parse_policy};

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/aws-managed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn every_managed_policy_is_valid_as_aws_managed() {
    let Some(files) = corpus() else {
        eprintln!("skipped: ../shared/corpus/aws-managed/ is absent");
        return;
    };
    let mut lints: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut too_big_for_customer = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let parsed = parse_policy(&text).unwrap();
        let errors = check_policy(
            &text,
            &parsed,
            Target {
                ty: PolicyType::AwsManaged,
                resource: None,
            },
        );
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let as_customer = check_policy(
            &text,
            &parsed,
            Target {
                ty: PolicyType::Identity,
                resource: None,
            },
        );
        if as_customer.iter().any(|d| d.code() == "size") {
            too_big_for_customer += 1;
        }
        for d in lint_policy(&parsed) {
            assert!(!d.is_error());
            *lints.entry(d.code()).or_default() += 1;
        }
    }
    eprintln!("lints over the managed corpus: {lints:?}");
    // shared/corpus/README.md: 67 documents are larger than 6,144
    // characters even with whitespace removed.
    assert_eq!(too_big_for_customer, 67);
}
