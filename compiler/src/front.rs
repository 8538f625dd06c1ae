//! The front end: policy text to the spec's AST with a span on every
//! element, validation per policy type, and lints.
//!
//! - [`json`]: a nom reader for JSON that keeps spans and refuses duplicate
//!   keys, accepting exactly what the spec's serde_json-based reader accepts;
//! - [`parse`]: JSON to [`sesame_spec::model::Policy`] plus [`ast::PolicySpans`];
//! - [`check`]: what each policy type (identity, resource, SES
//!   sending-authorization, SCP, RCP, boundary, key, secret and bucket
//!   policies) allows, size limits, `Sid` and `Version` rules, ARN shapes;
//! - [`lint`]: warnings for policies that are valid but probably wrong;
//! - [`diag`]: diagnostics, rendered for a terminal or as JSON.
//!
//! [`read`] runs the reader under [`Limits`], so that huge, deeply nested
//! or wildcard-heavy inputs are refused with a limit error in bounded time
//! and memory.

pub mod ast;
pub mod check;
pub mod diag;
pub mod json;
pub mod lint;
pub mod parse;

pub use ast::Parsed;
pub use check::{PolicyType, Target, check_policy, check_untyped};
pub use diag::{Diagnostic, Severity};
pub use lint::lint_policy;
pub use parse::parse_policy;

use crate::loc::Span;

/// Bounds on what the front end reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest policy text, in bytes. The largest AWS managed policy is
    /// about 170 KB with its indentation; KMS key policies may have 32 KB.
    pub max_bytes: usize,
    /// The most statements in one policy.
    pub max_statements: usize,
    /// The most strings (patterns, principals, condition values) in one
    /// policy.
    pub max_strings: usize,
    /// The most `*` and `?` wildcards in one pattern or condition value.
    pub max_wildcards: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 1 << 20,
            max_statements: 4_096,
            max_strings: 65_536,
            max_wildcards: 64,
        }
    }
}

/// Reads a policy text under `limits`: its size is checked before reading,
/// then its shape (statements, strings, wildcards per string).
///
/// # Errors
///
/// Every error found, each with its span; a limit error has the code `limit`.
pub fn read(text: &str, limits: &Limits) -> Result<Parsed, Vec<Diagnostic>> {
    if text.len() > limits.max_bytes {
        return Err(vec![
            Diagnostic::error(
                "limit",
                format!(
                    "the policy has {} bytes, more than the limit of {}",
                    text.len(),
                    limits.max_bytes
                ),
            )
            .at(Span::new(0, 0)),
        ]);
    }
    let parsed = parse_policy(text)?;
    let errors = shape_limits(&parsed, limits);
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// Reads a policy from an already-read JSON value (a policy inside a store
/// file) under `limits`; spans are those of the value's text.
///
/// # Errors
///
/// Every error found, each with its span.
pub fn read_value(value: &json::Value, limits: &Limits) -> Result<Parsed, Vec<Diagnostic>> {
    if value.span.len() > limits.max_bytes {
        return Err(vec![
            Diagnostic::error(
                "limit",
                format!(
                    "the policy has {} bytes, more than the limit of {}",
                    value.span.len(),
                    limits.max_bytes
                ),
            )
            .at(value.span),
        ]);
    }
    let parsed = parse::policy_from_value(value)?;
    let errors = shape_limits(&parsed, limits);
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

fn shape_limits(parsed: &Parsed, limits: &Limits) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let policy = &parsed.policy;
    if policy.statements.len() > limits.max_statements {
        errors.push(
            Diagnostic::error(
                "limit",
                format!(
                    "the policy has {} statements, more than the limit of {}",
                    policy.statements.len(),
                    limits.max_statements
                ),
            )
            .at(parsed.spans.statement.value),
        );
        return errors;
    }
    let mut strings = 0usize;
    for (statement, spans) in policy.statements.iter().zip(&parsed.spans.statements) {
        let mut each = |text: &str, span: Span| {
            strings += 1;
            let wildcards = text.bytes().filter(|&b| b == b'*' || b == b'?').count();
            if wildcards > limits.max_wildcards {
                errors.push(
                    Diagnostic::error(
                        "limit",
                        format!(
                            "this string has {wildcards} wildcards, more than the limit of {}",
                            limits.max_wildcards
                        ),
                    )
                    .at(span),
                );
            }
        };
        for (p, span) in statement.action.patterns.iter().zip(&spans.action.items) {
            each(p, *span);
        }
        if let (Some(r), Some(rs)) = (&statement.resource, &spans.resource) {
            for (p, span) in r.patterns.iter().zip(&rs.items) {
                each(p, *span);
            }
        }
        for (c, cs) in statement.conditions.iter().zip(&spans.conditions) {
            for (v, span) in c.values.iter().zip(&cs.values) {
                each(v, *span);
            }
        }
        if let (Some(p), Some(ps)) = (&statement.principal, &spans.principal) {
            if let sesame_spec::model::Principals::Map(map) = &p.principals {
                for ((_, values), ls) in map.iter().zip(&ps.kinds) {
                    for (v, span) in values.iter().zip(&ls.items) {
                        each(v, *span);
                    }
                }
            }
        }
    }
    if strings > limits.max_strings {
        errors.push(
            Diagnostic::error(
                "limit",
                format!(
                    "the policy has {strings} strings, more than the limit of {}",
                    limits.max_strings
                ),
            )
            .at(parsed.spans.whole),
        );
    }
    errors
}
