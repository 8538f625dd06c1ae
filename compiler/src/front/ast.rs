//! The spans of a parsed policy, kept beside the spec's AST.
//!
//! The front end produces the spec's own [`Policy`] (so that the two readers
//! can be compared with `==`) and, in parallel, a tree of spans with one
//! entry per element: [`PolicySpans`] mirrors [`Policy`], statement for
//! statement, pattern for pattern and condition for condition.

use sesame_spec::model::Policy;

use crate::loc::Span;

/// A policy and the spans of its elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The policy, as the spec's reader would read it.
    pub policy: Policy,
    /// Where each element of `policy` is written.
    pub spans: PolicySpans,
}

/// A key and its value's span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key, quotes included.
    pub key: Span,
    /// The value.
    pub value: Span,
}

impl Entry {
    /// From the key to the end of the value.
    pub fn whole(self) -> Span {
        self.key.join(self.value)
    }
}

/// The spans of a whole policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySpans {
    /// The whole document object.
    pub whole: Span,
    /// `Version`, if present.
    pub version: Option<Entry>,
    /// `Id`, if present.
    pub id: Option<Entry>,
    /// `Statement`.
    pub statement: Entry,
    /// One per statement of the policy, in order.
    pub statements: Vec<StatementSpans>,
}

/// The spans of one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementSpans {
    /// The statement object.
    pub whole: Span,
    /// `Sid`, if present.
    pub sid: Option<Entry>,
    /// `Effect`.
    pub effect: Entry,
    /// `Principal` or `NotPrincipal`, if present.
    pub principal: Option<PrincipalSpans>,
    /// `Action` or `NotAction`.
    pub action: ListSpans,
    /// `Resource` or `NotResource`, if present.
    pub resource: Option<ListSpans>,
    /// `Condition`, if present.
    pub condition: Option<Entry>,
    /// One per condition of the statement, in order.
    pub conditions: Vec<ConditionSpans>,
}

/// The spans of an element that is a string or a list of strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListSpans {
    /// The key and the whole value.
    pub entry: Entry,
    /// One per string, in order.
    pub items: Vec<Span>,
}

/// The spans of `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalSpans {
    /// The key and the whole value.
    pub entry: Entry,
    /// One per principal kind of an object value, in order (empty for `"*"`).
    pub kinds: Vec<ListSpans>,
}

/// The spans of one operator/key pair of a `Condition` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionSpans {
    /// The operator's key, such as `"StringEquals"`.
    pub operator: Span,
    /// The context key and its whole value.
    pub key: Entry,
    /// One per value, in order.
    pub values: Vec<Span>,
}
