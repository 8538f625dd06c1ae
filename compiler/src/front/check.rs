//! Validation per policy type: what AWS refuses when a policy of a given
//! type is created, beyond the grammar the reader already enforces.
//!
//! Sources: IAM User Guide, "IAM JSON policy elements reference" (Principal:
//! "You cannot use the Principal element in an identity-based policy"; Sid:
//! "[0-9A-Za-z]*" and unique in IAM), "IAM and AWS STS quotas" (customer
//! managed 6,144, inline user 2,048, role 10,240, group 5,120 characters,
//! whitespace not counted; session policies 2,048); AWS Organizations "SCP
//! syntax" / "RCP syntax" and quotas (5,120 characters, every character
//! counted; `Version` must be `2012-10-17`; an RCP's `Principal` must be
//! `"*"` and it has no `NotPrincipal`); SES Developer Guide, "Sending
//! authorization policy anatomy" (4 KB, 20 policies per identity, names of
//! at most 64 letters, digits, `-` and `_`, exactly one `Resource` which is
//! the identity's ARN, a principal in every statement); KMS key policies
//! 32 KB; Secrets Manager resource policies 20,480 characters; S3 bucket
//! policies 20 KB. AWS managed policies are never held to a size limit.
//!
//! Messages follow AWS's `MalformedPolicyDocument` texts where AWS has one
//! ("Policy document should not specify a principal", "Missing required
//! field Principal", "Policy statement must contain resources", "Statement
//! IDs (SID) in a single policy must be unique", "Resource ... must be in
//! ARN format or "*"", "Actions/Conditions must be prefaced by a vendor"),
//! in the house style (lowercase, no trailing period, input in backticks).

use std::fmt;

use sesame_spec::model::{Policy, PrincipalKind, Principals, Version};

use super::ast::Parsed;
use super::diag::Diagnostic;

/// What a policy is attached as, which decides what it may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyType {
    /// A customer managed identity policy (the default for identities).
    Identity,
    /// An inline policy of an IAM user.
    InlineUser,
    /// An inline policy of an IAM role.
    InlineRole,
    /// An inline policy of an IAM group.
    InlineGroup,
    /// An AWS managed policy: identity rules, no size limit.
    AwsManaged,
    /// A permissions boundary (a managed policy).
    Boundary,
    /// A session policy passed when assuming a role.
    Session,
    /// A resource-based policy of a resource type without rules of its own.
    Resource,
    /// An Amazon SES sending-authorization policy on a verified identity.
    SesSending,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// An AWS KMS key policy.
    KeyPolicy,
    /// An AWS Secrets Manager resource policy.
    SecretPolicy,
    /// An Amazon S3 bucket policy.
    BucketPolicy,
}

/// How a size limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeUnit {
    /// Characters other than JSON whitespace (IAM).
    NonWhitespaceChars,
    /// Every character.
    Chars,
    /// Bytes of the text.
    Bytes,
}

impl PolicyType {
    /// Every type, in the order of `--type` help.
    pub const ALL: [PolicyType; 14] = [
        PolicyType::Identity,
        PolicyType::InlineUser,
        PolicyType::InlineRole,
        PolicyType::InlineGroup,
        PolicyType::AwsManaged,
        PolicyType::Boundary,
        PolicyType::Session,
        PolicyType::Resource,
        PolicyType::SesSending,
        PolicyType::Scp,
        PolicyType::Rcp,
        PolicyType::KeyPolicy,
        PolicyType::SecretPolicy,
        PolicyType::BucketPolicy,
    ];

    /// The name used by `--type`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::InlineUser => "inline-user",
            PolicyType::InlineRole => "inline-role",
            PolicyType::InlineGroup => "inline-group",
            PolicyType::AwsManaged => "aws-managed",
            PolicyType::Boundary => "boundary",
            PolicyType::Session => "session",
            PolicyType::Resource => "resource",
            PolicyType::SesSending => "ses-sending",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
            PolicyType::KeyPolicy => "key",
            PolicyType::SecretPolicy => "secret",
            PolicyType::BucketPolicy => "bucket",
        }
    }

    /// The type a `--type` name stands for.
    pub fn from_name(name: &str) -> Option<PolicyType> {
        PolicyType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The noun with its article, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            PolicyType::Identity => "a customer managed policy",
            PolicyType::InlineUser => "an inline user policy",
            PolicyType::InlineRole => "an inline role policy",
            PolicyType::InlineGroup => "an inline group policy",
            PolicyType::AwsManaged => "an AWS managed policy",
            PolicyType::Boundary => "a permissions boundary",
            PolicyType::Session => "a session policy",
            PolicyType::Resource => "a resource-based policy",
            PolicyType::SesSending => "an SES sending-authorization policy",
            PolicyType::Scp => "a service control policy",
            PolicyType::Rcp => "a resource control policy",
            PolicyType::KeyPolicy => "a key policy",
            PolicyType::SecretPolicy => "a secret's resource policy",
            PolicyType::BucketPolicy => "a bucket policy",
        }
    }

    /// Whether statements name principals (resource-based policies and RCPs).
    pub fn has_principals(self) -> bool {
        matches!(
            self,
            PolicyType::Resource
                | PolicyType::SesSending
                | PolicyType::Rcp
                | PolicyType::KeyPolicy
                | PolicyType::SecretPolicy
                | PolicyType::BucketPolicy
        )
    }

    /// The size limit and how it counts; `None` for no limit.
    pub fn size_limit(self) -> Option<(usize, SizeUnit)> {
        match self {
            PolicyType::Identity | PolicyType::Boundary => {
                Some((6_144, SizeUnit::NonWhitespaceChars))
            }
            PolicyType::InlineUser | PolicyType::Session => {
                Some((2_048, SizeUnit::NonWhitespaceChars))
            }
            PolicyType::InlineRole => Some((10_240, SizeUnit::NonWhitespaceChars)),
            PolicyType::InlineGroup => Some((5_120, SizeUnit::NonWhitespaceChars)),
            PolicyType::SesSending => Some((4_096, SizeUnit::Bytes)),
            PolicyType::Scp | PolicyType::Rcp => Some((5_120, SizeUnit::Chars)),
            PolicyType::KeyPolicy => Some((32_768, SizeUnit::Bytes)),
            PolicyType::SecretPolicy => Some((20_480, SizeUnit::Chars)),
            PolicyType::BucketPolicy => Some((20_480, SizeUnit::Bytes)),
            PolicyType::AwsManaged | PolicyType::Resource => None,
        }
    }

    /// Whether `Sid` values must be alphanumeric (IAM policies, SCPs, RCPs).
    fn alphanumeric_sids(self) -> bool {
        !matches!(
            self,
            PolicyType::Resource
                | PolicyType::SesSending
                | PolicyType::KeyPolicy
                | PolicyType::SecretPolicy
                | PolicyType::BucketPolicy
        )
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The longest SES sending-authorization policy name.
pub const SES_POLICY_NAME_MAX: usize = 64;
/// The most sending-authorization policies on one SES identity.
pub const SES_POLICIES_PER_IDENTITY: usize = 20;

/// Where a policy is attached: its type and, for a resource policy, the ARN
/// of the resource (an SES identity's ARN is what its sending-authorization
/// policy's `Resource` must be).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The policy type.
    pub ty: PolicyType,
    /// The resource the policy is attached to, if known.
    pub resource: Option<&'a str>,
}

/// Checks a parsed policy against the rules of its type. `text` is the
/// policy's source, for size limits.
pub fn check_policy(text: &str, parsed: &Parsed, target: Target<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let ty = target.ty;
    size(text, parsed, ty, &mut out);
    version(parsed, ty, &mut out);
    sids(parsed, Some(ty), &mut out);
    let policy: &Policy = &parsed.policy;
    for (statement, spans) in policy.statements.iter().zip(&parsed.spans.statements) {
        // Placement of Principal and Resource.
        if ty.has_principals() {
            match (&statement.principal, &spans.principal) {
                (None, _) => out.push(
                    Diagnostic::error(
                        "placement",
                        format!("missing required field `Principal` in {}", ty.noun()),
                    )
                    .at(spans.whole)
                    .with_help("a resource-based policy names who it applies to with `Principal` (or `NotPrincipal`)"),
                ),
                (Some(p), Some(ps)) if ty == PolicyType::Rcp => {
                    let star = match &p.principals {
                        Principals::Any => true,
                        Principals::Map(map) => {
                            map.len() == 1
                                && map.first().is_some_and(|(k, v)| {
                                    *k == PrincipalKind::Aws && v.len() == 1 && v.first().is_some_and(|s| s == "*")
                                })
                        }
                    };
                    if p.polarity == sesame_spec::model::Polarity::Not || !star {
                        out.push(
                            Diagnostic::error(
                                "placement",
                                "a resource control policy's principal must be `\"Principal\": \"*\"`",
                            )
                            .at(ps.entry.whole())
                            .with_help("RCPs apply to every principal; narrow them with conditions such as `aws:PrincipalAccount`"),
                        );
                    }
                }
                _ => {}
            }
        } else {
            if let Some(ps) = &spans.principal {
                out.push(
                    Diagnostic::error(
                        "placement",
                        format!(
                            "policy document should not specify a principal: {} cannot have `Principal` or `NotPrincipal`",
                            ty.noun()
                        ),
                    )
                    .at(ps.entry.key)
                    .with_help("principals are named in resource-based policies; an identity policy applies to whoever it is attached to"),
                );
            }
            if statement.resource.is_none() {
                out.push(
                    Diagnostic::error(
                        "placement",
                        format!(
                            "policy statement must contain resources: {} needs `Resource` or `NotResource`",
                            ty.noun()
                        ),
                    )
                    .at(spans.whole)
                    .with_help("add `\"Resource\": \"*\"` or the ARNs the statement is about"),
                );
            }
        }
        if ty == PolicyType::Rcp && statement.effect == sesame_spec::model::Effect::Allow {
            out.push(
                Diagnostic::warning(
                    "placement",
                    "`Allow` in a resource control policy grants nothing: RCPs only restrict",
                )
                .at(spans.effect.value)
                .with_help("AWS supports `Allow` in RCPs only for `RCPFullAWSAccess`; write the restriction as a `Deny`"),
            );
        }
        if ty == PolicyType::SesSending {
            ses_statement(statement, spans, target.resource, &mut out);
        }
        shapes(statement, spans, &mut out);
    }
    out
}

/// The checks that hold for every policy type: unique `Sid`s and the shapes
/// of actions, ARNs, principals and condition keys. For a policy whose type
/// is not known.
pub fn check_untyped(parsed: &Parsed) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    sids(parsed, None, &mut out);
    for (statement, spans) in parsed
        .policy
        .statements
        .iter()
        .zip(&parsed.spans.statements)
    {
        shapes(statement, spans, &mut out);
    }
    out
}

fn size(text: &str, parsed: &Parsed, ty: PolicyType, out: &mut Vec<Diagnostic>) {
    let Some((limit, unit)) = ty.size_limit() else {
        return;
    };
    let (count, what) = match unit {
        SizeUnit::NonWhitespaceChars => (
            text.chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r'))
                .count(),
            "characters (whitespace not counted)",
        ),
        SizeUnit::Chars => (text.chars().count(), "characters"),
        SizeUnit::Bytes => (text.len(), "bytes"),
    };
    if count > limit {
        out.push(
            Diagnostic::error(
                "size",
                format!(
                    "{} can have at most {limit} {what}; this one has {count}",
                    ty.noun()
                ),
            )
            .at(parsed.spans.whole)
            .with_help("split the policy, or merge statements that share actions or resources"),
        );
    }
}

fn version(parsed: &Parsed, ty: PolicyType, out: &mut Vec<Diagnostic>) {
    let version = parsed.policy.version;
    let strict = matches!(ty, PolicyType::Scp | PolicyType::Rcp);
    if strict && version != Version::V2012_10_17 {
        let d = Diagnostic::error(
            "version",
            format!("{} must have `\"Version\": \"2012-10-17\"`", ty.noun()),
        )
        .with_help("add `\"Version\": \"2012-10-17\"` as the first element");
        out.push(match parsed.spans.version {
            Some(e) => d.at(e.value),
            None => d.at(parsed.spans.whole),
        });
        return;
    }
    if version == Version::Absent {
        out.push(
            Diagnostic::warning("version", "the policy has no `Version`; it is read as `2008-10-17`")
                .at(parsed.spans.whole)
                .with_help("add `\"Version\": \"2012-10-17\"`; under `2008-10-17`, policy variables such as `${aws:username}` are plain text"),
        );
    }
}

fn sids(parsed: &Parsed, ty: Option<PolicyType>, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<&str> = Vec::new();
    for (statement, spans) in parsed
        .policy
        .statements
        .iter()
        .zip(&parsed.spans.statements)
    {
        let (Some(sid), Some(entry)) = (&statement.sid, spans.sid) else {
            continue;
        };
        if ty.is_some_and(PolicyType::alphanumeric_sids)
            && !sid.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            out.push(
                Diagnostic::error(
                    "sid",
                    format!("statement IDs (SID) must be alpha-numeric; `{sid}` is not"),
                )
                .at(entry.value)
                .with_help("check that the Sid satisfies the regular expression `[0-9A-Za-z]*`"),
            );
        }
        if !sid.is_empty() {
            if seen.contains(&sid.as_str()) {
                out.push(
                    Diagnostic::error(
                        "sid",
                        format!("statement IDs (SID) in a single policy must be unique; `{sid}` is repeated"),
                    )
                    .at(entry.value),
                );
            }
            seen.push(sid);
        }
    }
}

fn ses_statement(
    statement: &sesame_spec::model::Statement,
    spans: &super::ast::StatementSpans,
    identity: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    match (&statement.resource, &spans.resource) {
        (Some(r), Some(rs)) => {
            if r.polarity == sesame_spec::model::Polarity::Not || r.patterns.len() != 1 {
                out.push(
                    Diagnostic::error(
                        "ses",
                        "a sending-authorization policy statement must have exactly one `Resource`, the identity's ARN",
                    )
                    .at(rs.entry.whole()),
                );
            } else if let (Some(identity), Some(pattern), Some(span)) =
                (identity, r.patterns.first(), rs.items.first())
            {
                if pattern != identity {
                    out.push(
                        Diagnostic::error(
                            "ses",
                            format!(
                                "the `Resource` of a sending-authorization policy must be the identity's ARN `{identity}`, found `{pattern}`"
                            ),
                        )
                        .at(*span)
                        .with_help(format!("write `\"Resource\": \"{identity}\"`")),
                    );
                }
            }
        }
        _ => out.push(
            Diagnostic::error(
                "ses",
                "a sending-authorization policy statement must have exactly one `Resource`, the identity's ARN",
            )
            .at(spans.whole),
        ),
    }
}

/// ARN, action and condition key shapes.
fn shapes(
    statement: &sesame_spec::model::Statement,
    spans: &super::ast::StatementSpans,
    out: &mut Vec<Diagnostic>,
) {
    for (action, span) in statement.action.patterns.iter().zip(&spans.action.items) {
        if action != "*" && !has_vendor(action) {
            out.push(
                Diagnostic::error(
                    "action",
                    format!("actions must be prefaced by a vendor, e.g. `iam`, `ses`, `s3`; found `{action}`"),
                )
                .at(*span)
                .with_help("write an action as `service:Name`, such as `ses:SendEmail`, or `*`"),
            );
        }
    }
    if let (Some(r), Some(rs)) = (&statement.resource, &spans.resource) {
        for (resource, span) in r.patterns.iter().zip(&rs.items) {
            if !arn_shaped(resource) {
                out.push(
                    Diagnostic::error(
                        "arn",
                        format!("resource `{resource}` must be in ARN format or `*`"),
                    )
                    .at(*span)
                    .with_help(
                        "an ARN has six parts: `arn:partition:service:region:account:resource`",
                    ),
                );
            }
        }
    }
    if let (Some(p), Some(ps)) = (&statement.principal, &spans.principal) {
        if let Principals::Map(map) = &p.principals {
            for ((kind, values), ls) in map.iter().zip(&ps.kinds) {
                if *kind != PrincipalKind::Aws {
                    continue;
                }
                for (value, span) in values.iter().zip(&ls.items) {
                    if !aws_principal_shaped(value) {
                        out.push(
                            Diagnostic::error(
                                "principal",
                                format!("invalid principal in policy: `\"AWS\": \"{value}\"`"),
                            )
                            .at(*span)
                            .with_help("an `AWS` principal is `*`, a 12-digit account ID, or an IAM or STS ARN"),
                        );
                    }
                }
            }
        }
    }
    for (condition, cs) in statement.conditions.iter().zip(&spans.conditions) {
        if !has_vendor(&condition.key) {
            out.push(
                Diagnostic::error(
                    "condition-key",
                    format!("condition keys must be prefaced by a vendor, e.g. `aws`, `ses`; found `{}`", condition.key),
                )
                .at(cs.key.key)
                .with_help("write a condition key as `service:Name`, such as `aws:SourceIp` or `ses:FromAddress`"),
            );
        }
    }
}

/// `vendor:name` with a non-empty vendor and name.
fn has_vendor(text: &str) -> bool {
    match text.split_once(':') {
        Some((vendor, name)) => !vendor.is_empty() && !name.is_empty(),
        None => false,
    }
}

/// `*`, or `arn:` followed by at least five more colon-separated parts
/// (partition, service, region, account, resource), with non-empty
/// partition and service. Policy variables and wildcards may stand anywhere.
pub fn arn_shaped(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let mut parts = text.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(_), Some(_), Some(_)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    !partition.is_empty() && !service.is_empty()
}

/// `*`, a 12-digit account ID, an ARN, or a unique ID (what AWS shows for
/// a principal that was deleted: upper-case letters and digits).
fn aws_principal_shaped(text: &str) -> bool {
    text == "*"
        || (text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()))
        || arn_shaped(text)
        || (text.len() >= 16
            && text.starts_with('A')
            && text
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

/// Checks an SES sending-authorization policy's name: at most 64 of
/// `[A-Za-z0-9_-]`.
pub fn check_ses_policy_name(name: &str) -> Option<Diagnostic> {
    let valid = !name.is_empty()
        && name.len() <= SES_POLICY_NAME_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        return None;
    }
    Some(Diagnostic::error(
        "ses",
        format!(
            "sending-authorization policy name `{name}` must be 1 to {SES_POLICY_NAME_MAX} letters, digits, `-` or `_`"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_shapes() {
        assert!(arn_shaped("*"));
        assert!(arn_shaped("arn:aws:s3:::bucket/*"));
        assert!(arn_shaped("arn:aws:ses:us-east-1:1:identity/a:b"));
        assert!(!arn_shaped("arn:aws:s3::bucket"));
        assert!(!arn_shaped("bucket"));
        assert!(!arn_shaped("arn::s3:::b"));
    }

    #[test]
    fn type_names_round_trip() {
        for ty in PolicyType::ALL {
            assert_eq!(PolicyType::from_name(ty.as_str()), Some(ty));
        }
        assert_eq!(PolicyType::from_name("Identity"), None);
    }

    #[test]
    fn ses_policy_names() {
        assert!(check_ses_policy_name("Tenant_A-1").is_none());
        assert!(check_ses_policy_name(&"a".repeat(64)).is_none());
        assert!(check_ses_policy_name(&"a".repeat(65)).is_some());
        assert!(check_ses_policy_name("a b").is_some());
        assert!(check_ses_policy_name("").is_some());
    }
}
