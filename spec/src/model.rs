//! The policy language's abstract syntax: what a policy document says, with
//! no spans and no normalisation beyond what the JSON forms make equivalent.
//!
//! Both readers produce this tree: the spec's own serde-based reader
//! ([`crate::parse_policy`]) and the compiler's nom front end. For every
//! document they must produce equal trees, or both reject it.
//!
//! Equivalent JSON forms collapse here, following the IAM User Guide,
//! "Grammar of the IAM JSON policy language": a single string where a list may
//! stand becomes a one-element list, a single `Statement` object becomes a
//! one-element list, and JSON numbers and booleans used as condition values
//! become their string form (see [`crate::json::Json::scalar_text`]).

use std::fmt;

/// A whole policy document.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The `Version` element.
    pub version: Version,
    /// The optional `Id` element.
    pub id: Option<String>,
    /// The statements, in document order (never empty).
    pub statements: Vec<Statement>,
}

/// The policy language version.
///
/// IAM User Guide, "IAM JSON policy elements: Version": `2012-10-17` is the
/// current version; `2008-10-17` is the original one, under which policy
/// variables are not recognised. A document without `Version` is read as
/// `2008-10-17` ("If you do not include a Version element, the value defaults
/// to 2008-10-17").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `"Version": "2012-10-17"`.
    V2012_10_17,
    /// `"Version": "2008-10-17"`.
    V2008_10_17,
    /// No `Version` element: evaluated as `2008-10-17`.
    Absent,
}

impl Version {
    /// Whether `${...}` policy variables are substituted under this version.
    pub fn substitutes_variables(self) -> bool {
        self == Version::V2012_10_17
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// One statement of a policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Statement {
    /// The optional `Sid`.
    pub sid: Option<String>,
    /// The `Effect`.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`, if present (resource policies only).
    pub principal: Option<PrincipalClause>,
    /// `Action` or `NotAction` (exactly one is required).
    pub action: ActionClause,
    /// `Resource` or `NotResource`. Absent only where the policy type allows
    /// it (a resource policy's statements apply to the resource the policy is
    /// attached to, as in a role trust policy).
    pub resource: Option<ResourceClause>,
    /// The `Condition` block, in document order; empty when absent or `{}`.
    pub conditions: Vec<Condition>,
}

/// Whether a clause lists what the statement applies to or what it excludes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Polarity {
    /// `Action`, `Resource`, `Principal`.
    Is,
    /// `NotAction`, `NotResource`, `NotPrincipal`.
    Not,
}

/// `Action` or `NotAction`: action patterns as written (`service:Name`, with
/// `*` and `?` wildcards; matched case-insensitively).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActionClause {
    /// `Action` or `NotAction`.
    pub polarity: Polarity,
    /// The patterns, as written (never empty).
    pub patterns: Vec<String>,
}

/// `Resource` or `NotResource`: ARN patterns as written (case-sensitive).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceClause {
    /// `Resource` or `NotResource`.
    pub polarity: Polarity,
    /// The patterns, as written (never empty).
    pub patterns: Vec<String>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PrincipalClause {
    /// `Principal` or `NotPrincipal`.
    pub polarity: Polarity,
    /// What the clause names.
    pub principals: Principals,
}

/// The value of a `Principal` element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Principals {
    /// The bare string `"*"`: everyone (the same as `{"AWS": "*"}`).
    Any,
    /// An object of principal kinds to values, in document order.
    Map(Vec<(PrincipalKind, Vec<String>)>),
}

/// The keys of a `Principal` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// `"AWS"`: accounts, users, roles, role sessions, federated users, `*`.
    Aws,
    /// `"Service"`: AWS service principals such as `ses.amazonaws.com`.
    Service,
    /// `"Federated"`: web identity or SAML providers.
    Federated,
    /// `"CanonicalUser"`: an S3 canonical user id.
    CanonicalUser,
}

impl PrincipalKind {
    /// The JSON key naming this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }

    /// The kind a JSON key names, if any (case-sensitive, as AWS reads it).
    pub fn from_key(key: &str) -> Option<PrincipalKind> {
        match key {
            "AWS" => Some(PrincipalKind::Aws),
            "Service" => Some(PrincipalKind::Service),
            "Federated" => Some(PrincipalKind::Federated),
            "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
            _ => None,
        }
    }
}

/// One operator/key pair of a `Condition` block with its values.
///
/// `"Condition": {"StringEquals": {"a": "1", "b": ["2", "3"]}}` is two
/// conditions: `StringEquals a [1]` and `StringEquals b [2, 3]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The operator, parsed.
    pub operator: Operator,
    /// The context key, as written (compared case-insensitively).
    pub key: String,
    /// The values, as written (numbers and booleans in their string form;
    /// never empty).
    pub values: Vec<String>,
}

/// A condition operator: an optional set qualifier, a base operator and an
/// optional `IfExists` suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operator {
    /// `ForAllValues:` or `ForAnyValue:`, if present.
    pub qualifier: Option<SetQualifier>,
    /// The base operator.
    pub base: BaseOperator,
    /// Whether the name ends in `IfExists`.
    pub if_exists: bool,
}

/// The set qualifiers for multivalued context keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:`.
    ForAllValues,
    /// `ForAnyValue:`.
    ForAnyValue,
}

/// The base condition operators (IAM User Guide, "IAM JSON policy elements:
/// Condition operators").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the variant names are the operator names
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl BaseOperator {
    /// Every base operator, in the order of the IAM User Guide.
    pub const ALL: [BaseOperator; 27] = [
        BaseOperator::StringEquals,
        BaseOperator::StringNotEquals,
        BaseOperator::StringEqualsIgnoreCase,
        BaseOperator::StringNotEqualsIgnoreCase,
        BaseOperator::StringLike,
        BaseOperator::StringNotLike,
        BaseOperator::NumericEquals,
        BaseOperator::NumericNotEquals,
        BaseOperator::NumericLessThan,
        BaseOperator::NumericLessThanEquals,
        BaseOperator::NumericGreaterThan,
        BaseOperator::NumericGreaterThanEquals,
        BaseOperator::DateEquals,
        BaseOperator::DateNotEquals,
        BaseOperator::DateLessThan,
        BaseOperator::DateLessThanEquals,
        BaseOperator::DateGreaterThan,
        BaseOperator::DateGreaterThanEquals,
        BaseOperator::Bool,
        BaseOperator::BinaryEquals,
        BaseOperator::IpAddress,
        BaseOperator::NotIpAddress,
        BaseOperator::ArnEquals,
        BaseOperator::ArnLike,
        BaseOperator::ArnNotEquals,
        BaseOperator::ArnNotLike,
        BaseOperator::Null,
    ];

    /// The operator's name as written in a policy.
    pub fn as_str(self) -> &'static str {
        match self {
            BaseOperator::StringEquals => "StringEquals",
            BaseOperator::StringNotEquals => "StringNotEquals",
            BaseOperator::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            BaseOperator::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            BaseOperator::StringLike => "StringLike",
            BaseOperator::StringNotLike => "StringNotLike",
            BaseOperator::NumericEquals => "NumericEquals",
            BaseOperator::NumericNotEquals => "NumericNotEquals",
            BaseOperator::NumericLessThan => "NumericLessThan",
            BaseOperator::NumericLessThanEquals => "NumericLessThanEquals",
            BaseOperator::NumericGreaterThan => "NumericGreaterThan",
            BaseOperator::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            BaseOperator::DateEquals => "DateEquals",
            BaseOperator::DateNotEquals => "DateNotEquals",
            BaseOperator::DateLessThan => "DateLessThan",
            BaseOperator::DateLessThanEquals => "DateLessThanEquals",
            BaseOperator::DateGreaterThan => "DateGreaterThan",
            BaseOperator::DateGreaterThanEquals => "DateGreaterThanEquals",
            BaseOperator::Bool => "Bool",
            BaseOperator::BinaryEquals => "BinaryEquals",
            BaseOperator::IpAddress => "IpAddress",
            BaseOperator::NotIpAddress => "NotIpAddress",
            BaseOperator::ArnEquals => "ArnEquals",
            BaseOperator::ArnLike => "ArnLike",
            BaseOperator::ArnNotEquals => "ArnNotEquals",
            BaseOperator::ArnNotLike => "ArnNotLike",
            BaseOperator::Null => "Null",
        }
    }

    /// Whether this operator is a negated one: it holds when the request value
    /// matches none of the policy values, and it holds when the key is missing
    /// (IAM User Guide, "Condition operators"; "...if the key is not present
    /// ... negated matching operators ... evaluate to true").
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            BaseOperator::StringNotEquals
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringNotLike
                | BaseOperator::NumericNotEquals
                | BaseOperator::DateNotEquals
                | BaseOperator::NotIpAddress
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }

    /// Whether policy variables are substituted in this operator's values
    /// (IAM User Guide, "Policy variables": string and ARN operators).
    pub fn takes_variables(self) -> bool {
        matches!(
            self,
            BaseOperator::StringEquals
                | BaseOperator::StringNotEquals
                | BaseOperator::StringEqualsIgnoreCase
                | BaseOperator::StringNotEqualsIgnoreCase
                | BaseOperator::StringLike
                | BaseOperator::StringNotLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnLike
                | BaseOperator::ArnNotEquals
                | BaseOperator::ArnNotLike
        )
    }
}

impl Operator {
    /// Reads an operator name such as `ForAnyValue:StringLikeIfExists`.
    ///
    /// Names are case-sensitive. `IfExists` is not allowed on `Null`, and set
    /// qualifiers are not allowed on `Null`, matching the grammar in the IAM
    /// User Guide. Returns `None` for anything else.
    pub fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        };
        let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let base = BaseOperator::ALL
            .into_iter()
            .find(|op| op.as_str() == base_name)?;
        if base == BaseOperator::Null && (if_exists || qualifier.is_some()) {
            return None;
        }
        Some(Operator {
            qualifier,
            base,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.base.as_str())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_round_trip() {
        for base in BaseOperator::ALL {
            for qualifier in [
                None,
                Some(SetQualifier::ForAllValues),
                Some(SetQualifier::ForAnyValue),
            ] {
                for if_exists in [false, true] {
                    let op = Operator {
                        qualifier,
                        base,
                        if_exists,
                    };
                    let parsed = Operator::parse(&op.to_string());
                    if base == BaseOperator::Null && (if_exists || qualifier.is_some()) {
                        assert_eq!(parsed, None, "{op}");
                    } else {
                        assert_eq!(parsed, Some(op));
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_operators_are_refused() {
        for name in [
            "stringequals",
            "StringEqual",
            "ForAllValue:StringEquals",
            "ForAnyValue:",
            "IfExists",
            "NullIfExists",
            "StringEqualsIfExistsIfExists",
            "",
        ] {
            assert_eq!(Operator::parse(name), None, "{name}");
        }
    }
}
