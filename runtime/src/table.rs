//! The compiled form of a policy store: what the compiler's back end writes
//! and [`crate::Engine`] answers from.
//!
//! Everything is numbered: store policies, distinct policy bodies (a policy
//! attached under several names or several times is compiled once),
//! statements, condition predicates, context keys, action and resource
//! patterns. Lists hold ids into the other lists; [`crate::Engine::new`]
//! checks that every id is in range, so the check path never meets a dangling
//! one.
//!
//! The parts that grow with the store's entries (names, ARNs, tag values,
//! lists of ids) are not allocated one by one: strings live in one text
//! arena ([`Table::text`], addressed by [`Str`]), id lists in one id arena
//! ([`Table::lists`], [`Ids`]), tags in one tag arena ([`Table::tag_pairs`],
//! [`Tags`]), wildcard programs' texts and tokens in the text arena and
//! [`Table::pieces`] / [`Table::arn_toks`] ([`Program`] is a `Copy` of
//! ranges), condition values in one arena per value type
//! ([`Table::text_values`], [`Table::glob_values`], ..., addressed by
//! [`Span`]), and the name-to-id maps are [`StrIndex`]es with their keys in
//! one buffer. A table of a million entries is then a few dozen
//! allocations, which is what lets an artifact load in milliseconds.

use crate::glob::{ArnTok, Program, Tok};
use crate::hash::StrIndex;
use crate::text::Cidr;

/// A string of [`Table::text`]: its byte range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Str {
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

/// A list of ids in [`Table::lists`]: its range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ids {
    /// The first item.
    pub start: u32,
    /// One past the last item.
    pub end: u32,
}

/// A list of tags (key id, value) in [`Table::tag_pairs`]: its range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Tags {
    /// The first item.
    pub start: u32,
    /// One past the last item.
    pub end: u32,
}

/// A range of one of the table's item arenas ([`Table::pieces`],
/// [`Table::arn_toks`] and the predicate value arenas); which arena is
/// told by where the span is stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The first item.
    pub start: u32,
    /// One past the last item.
    pub end: u32,
}

/// The items of `arena` in `span` (empty for a range outside it, which
/// [`crate::Engine::new`] refuses).
#[inline]
fn slice<T>(arena: &[T], span: Span) -> &[T] {
    arena
        .get(span.start as usize..span.end as usize)
        .unwrap_or(&[])
}

/// Appends `items` to `arena`, giving their span.
fn push<T: Clone>(arena: &mut Vec<T>, items: &[T]) -> Result<Span, ArenaFull> {
    let (start, end) = range_of(arena.len(), arena.len() + items.len())?;
    arena.extend_from_slice(items);
    Ok(Span { start, end })
}

/// [`Table::action_signature`] of `test`, its ids in `lists`.
pub(crate) fn action_signature(lists: &[u32], test: &PatternTest) -> u64 {
    if test.negated {
        return u64::MAX;
    }
    lists
        .get(test.patterns.start as usize..test.patterns.end as usize)
        .unwrap_or(&[])
        .iter()
        .fold(0, |sig, p| sig | (1u64 << (p % 64)))
}

/// Sets each body's allow and deny signatures from its statements'.
pub(crate) fn sign_bodies(bodies: &mut [BodyCode], statements: &[StatementCode]) {
    for b in bodies {
        let (mut allow, mut deny) = (0, 0);
        let first = b.first as usize;
        for s in statements
            .get(first..first.saturating_add(b.len as usize))
            .unwrap_or(&[])
        {
            match s.effect {
                Effect::Allow => allow |= s.actions,
                Effect::Deny => deny |= s.actions,
            }
        }
        b.allow_actions = allow;
        b.deny_actions = deny;
    }
}

/// A table arena would pass `u32` positions (4 GiB of text or 2^32 items).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaFull;

impl std::fmt::Display for ArenaFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("table arena: more than 32-bit positions allow")
    }
}

impl std::error::Error for ArenaFull {}

fn range_of(start: usize, end: usize) -> Result<(u32, u32), ArenaFull> {
    Ok((
        u32::try_from(start).map_err(|_| ArenaFull)?,
        u32::try_from(end).map_err(|_| ArenaFull)?,
    ))
}

impl Table {
    /// The text of `s` (empty for a range the table does not hold, which
    /// [`crate::Engine::new`] refuses).
    #[inline]
    pub fn str(&self, s: Str) -> &str {
        self.text
            .get(s.start as usize..s.end as usize)
            .unwrap_or("")
    }

    /// The bytes of `s` (empty for a range the table does not hold), as
    /// [`Table::str`] without its character-boundary checks, for
    /// comparisons.
    #[inline]
    pub(crate) fn bytes(&self, s: Str) -> &[u8] {
        self.text
            .as_bytes()
            .get(s.start as usize..s.end as usize)
            .unwrap_or(b"")
    }

    /// The ids of `ids` (empty for a range the table does not hold).
    #[inline]
    pub fn ids(&self, ids: Ids) -> &[u32] {
        self.lists
            .get(ids.start as usize..ids.end as usize)
            .unwrap_or(&[])
    }

    /// The tags of `tags` (empty for a range the table does not hold).
    #[inline]
    pub fn tags(&self, tags: Tags) -> &[(u32, Str)] {
        self.tag_pairs
            .get(tags.start as usize..tags.end as usize)
            .unwrap_or(&[])
    }

    /// The value of tag `key` among `tags`, if there.
    pub(crate) fn tag(&self, tags: Tags, key: u32) -> Option<&str> {
        tag_value(self.tags(tags), key).map(|v| self.str(v))
    }

    /// The pieces of a [`Program::Pieces`].
    #[inline]
    pub fn pieces(&self, span: Span) -> &[Str] {
        slice(&self.pieces, span)
    }

    /// The tokens of a [`Program::General`].
    #[inline]
    pub fn arn_toks(&self, span: Span) -> &[ArnTok] {
        slice(&self.arn_toks, span)
    }

    /// The values of a [`Test::Equals`] or [`Test::EqualsIgnoreCase`].
    #[inline]
    pub fn text_values(&self, span: Span) -> &[TextValue] {
        slice(&self.text_values, span)
    }

    /// The values of a [`Test::Like`] or [`Test::Arn`].
    #[inline]
    pub fn glob_values(&self, span: Span) -> &[GlobValue] {
        slice(&self.glob_values, span)
    }

    /// The values of a [`Test::Numeric`].
    #[inline]
    pub fn numbers(&self, span: Span) -> &[Option<f64>] {
        slice(&self.numbers, span)
    }

    /// The values of a [`Test::Date`].
    #[inline]
    pub fn dates(&self, span: Span) -> &[Option<i128>] {
        slice(&self.dates, span)
    }

    /// The values of a [`Test::Bool`] or [`Test::Binary`].
    #[inline]
    pub fn words(&self, span: Span) -> &[Str] {
        slice(&self.words, span)
    }

    /// The values of a [`Test::Ip`].
    #[inline]
    pub fn cidrs(&self, span: Span) -> &[Option<Cidr>] {
        slice(&self.cidrs, span)
    }

    /// Appends program pieces to [`Table::pieces`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_pieces(&mut self, items: &[Str]) -> Result<Span, ArenaFull> {
        push(&mut self.pieces, items)
    }

    /// Appends program tokens to [`Table::arn_toks`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_arn_toks(&mut self, items: &[ArnTok]) -> Result<Span, ArenaFull> {
        push(&mut self.arn_toks, items)
    }

    /// Appends values to [`Table::text_values`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_text_values(&mut self, items: &[TextValue]) -> Result<Span, ArenaFull> {
        push(&mut self.text_values, items)
    }

    /// Appends values to [`Table::glob_values`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_glob_values(&mut self, items: &[GlobValue]) -> Result<Span, ArenaFull> {
        push(&mut self.glob_values, items)
    }

    /// Appends values to [`Table::numbers`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_numbers(&mut self, items: &[Option<f64>]) -> Result<Span, ArenaFull> {
        push(&mut self.numbers, items)
    }

    /// Appends values to [`Table::dates`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_dates(&mut self, items: &[Option<i128>]) -> Result<Span, ArenaFull> {
        push(&mut self.dates, items)
    }

    /// Appends values to [`Table::words`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_words(&mut self, items: &[Str]) -> Result<Span, ArenaFull> {
        push(&mut self.words, items)
    }

    /// Appends values to [`Table::cidrs`].
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 items.
    pub fn add_cidrs(&mut self, items: &[Option<Cidr>]) -> Result<Span, ArenaFull> {
        push(&mut self.cidrs, items)
    }

    /// Appends `s` to the text arena.
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 4 GiB of text.
    pub fn add_str(&mut self, s: &str) -> Result<Str, ArenaFull> {
        let (start, end) = range_of(self.text.len(), self.text.len() + s.len())?;
        self.text.push_str(s);
        Ok(Str { start, end })
    }

    /// Appends `ids` to the id arena.
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 ids.
    pub fn add_ids(&mut self, ids: &[u32]) -> Result<Ids, ArenaFull> {
        let (start, end) = range_of(self.lists.len(), self.lists.len() + ids.len())?;
        self.lists.extend_from_slice(ids);
        Ok(Ids { start, end })
    }

    /// The action signature of an action test: for `Action`, bit
    /// `p % 64` of each of its pattern ids `p`; for `NotAction`, every bit
    /// (it may match any request, even one that matches no pattern). A
    /// request whose action matches pattern `p` holds bit `p % 64`
    /// ([`ActionTable::request_signature`]), so a statement and a request
    /// whose signatures share no bit cannot match: a filter that is never
    /// wrong when it rejects, and cheap enough to run before anything else.
    pub fn action_signature(&self, test: &PatternTest) -> u64 {
        action_signature(&self.lists, test)
    }

    /// Sets every statement's action signature from its action test, and
    /// every body's allow and deny signatures from its statements (what
    /// [`crate::Engine::new`] checks): for a table built or read without
    /// them.
    pub fn sign_actions(&mut self) {
        let signatures: Vec<u64> = self
            .statements
            .iter()
            .map(|s| self.action_signature(&s.action))
            .collect();
        for (s, sig) in self.statements.iter_mut().zip(signatures) {
            s.actions = sig;
        }
        sign_bodies(&mut self.bodies, &self.statements);
    }

    /// Appends `tags` to the tag arena.
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] past 2^32 tags.
    pub fn add_tags(&mut self, tags: &[(u32, Str)]) -> Result<Tags, ArenaFull> {
        let (start, end) = range_of(self.tag_pairs.len(), self.tag_pairs.len() + tags.len())?;
        self.tag_pairs.extend_from_slice(tags);
        Ok(Tags { start, end })
    }
}

/// A compiled store.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// The text arena: every [`Str`] of the table points into it.
    pub text: String,
    /// The id arena: every [`Ids`] of the table points into it.
    pub lists: Vec<u32>,
    /// The tag arena: every [`Tags`] of the table points into it; tag
    /// values are [`Str`]s.
    pub tag_pairs: Vec<(u32, Str)>,
    /// The pieces of every [`Program::Pieces`].
    pub pieces: Vec<Str>,
    /// The tokens of every [`Program::General`].
    pub arn_toks: Vec<ArnTok>,
    /// The values of every [`Test::Equals`] and [`Test::EqualsIgnoreCase`].
    pub text_values: Vec<TextValue>,
    /// The values of every [`Test::Like`] and [`Test::Arn`].
    pub glob_values: Vec<GlobValue>,
    /// The values of every [`Test::Numeric`].
    pub numbers: Vec<Option<f64>>,
    /// The values of every [`Test::Date`].
    pub dates: Vec<Option<i128>>,
    /// The values of every [`Test::Bool`] and [`Test::Binary`].
    pub words: Vec<Str>,
    /// The values of every [`Test::Ip`].
    pub cidrs: Vec<Option<Cidr>>,
    /// Store policies, by id.
    pub policies: Vec<PolicyCode>,
    /// Store policy names to ids (for session policies).
    pub policy_index: StrIndex,
    /// Distinct policy bodies.
    pub bodies: Vec<BodyCode>,
    /// Every statement of every body, bodies contiguous.
    pub statements: Vec<StatementCode>,
    /// Distinct condition predicates.
    pub predicates: Vec<PredicateCode>,
    /// Distinct context keys, lower-cased.
    pub keys: Vec<KeyCode>,
    /// The action dimension.
    pub actions: ActionTable,
    /// Distinct resource patterns (ARN rules).
    pub resource_patterns: Vec<PatternCode>,
    /// Principals of the store.
    pub principals: Vec<PrincipalCode>,
    /// Principal ARNs to ids.
    pub principal_index: StrIndex,
    /// `PARTITION:ACCOUNT:ROLE` to the principal id a role session of that
    /// role takes its policies from.
    pub role_index: StrIndex,
    /// Resources of the store.
    pub resources: Vec<ResourceCode>,
    /// Resource ARNs to ids.
    pub resource_index: StrIndex,
    /// Accounts with SCPs or RCPs.
    pub accounts: Vec<AccountCode>,
    /// Account ids to ids.
    pub account_index: StrIndex,
}

/// One store policy.
#[derive(Clone, Debug)]
pub struct PolicyCode {
    /// Its name in the store.
    pub name: Str,
    /// Its body.
    pub body: u32,
    /// Why it cannot be a session policy, if it cannot.
    pub session_error: Option<SessionError>,
}

/// Why a policy cannot be a session policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionError {
    /// The first offending statement.
    pub statement: u32,
    /// What is wrong with it.
    pub problem: SessionProblem,
}

/// What makes a statement unfit for a session policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionProblem {
    /// It has a `Principal` or `NotPrincipal`.
    Principal,
    /// It has no `Resource` or `NotResource`.
    NoResource,
}

/// One distinct policy body.
#[derive(Clone, Copy, Debug)]
pub struct BodyCode {
    /// Its first statement.
    pub first: u32,
    /// How many statements it has.
    pub len: u32,
    /// Whether some statement allows.
    pub has_allow: bool,
    /// Whether some statement denies.
    pub has_deny: bool,
    /// The action signature of its allows: the union of their
    /// [`StatementCode::actions`] (0 when it has none).
    pub allow_actions: u64,
    /// The action signature of its denies, likewise.
    pub deny_actions: u64,
}

impl BodyCode {
    /// The action signature of its statements of `effect`.
    #[inline]
    pub fn actions(&self, effect: Effect) -> u64 {
        match effect {
            Effect::Allow => self.allow_actions,
            Effect::Deny => self.deny_actions,
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Allows.
    Allow,
    /// Denies.
    Deny,
}

/// One statement.
#[derive(Clone, Debug)]
pub struct StatementCode {
    /// Its `Sid`.
    pub sid: Option<Str>,
    /// Its index in its policy.
    pub index: u32,
    /// Its effect.
    pub effect: Effect,
    /// `Action` or `NotAction`.
    pub action: PatternTest,
    /// `Resource` or `NotResource`, if present.
    pub resource: Option<PatternTest>,
    /// `Principal` or `NotPrincipal`, if present.
    pub principal: Option<PrincipalTest>,
    /// Predicate ids, all of which must hold.
    pub conditions: Ids,
    /// Its action signature ([`Table::action_signature`]): a statement
    /// whose signature shares no bit with a request's
    /// ([`ActionTable::request_signature`]) cannot match its action.
    pub actions: u64,
}

/// A list of patterns, matched or excluded.
#[derive(Clone, Debug)]
pub struct PatternTest {
    /// `NotAction` / `NotResource`.
    pub negated: bool,
    /// Pattern ids (action patterns or resource patterns).
    pub patterns: Ids,
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug)]
pub struct PrincipalTest {
    /// `NotPrincipal`.
    pub negated: bool,
    /// What it names.
    pub entries: Box<[PrincipalName]>,
}

/// One value of a `Principal` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalName {
    /// `"*"` or `{"AWS": "*"}`.
    AwsAny,
    /// An `AWS` value other than `*`.
    Aws {
        /// The value.
        value: Box<str>,
        /// The account, when the value is `arn:PART:iam::ACCOUNT:root`.
        root_account: Option<Box<str>>,
    },
    /// A `Service` value.
    Service(Box<str>),
    /// A `Federated` or `CanonicalUser` value.
    Exact(Box<str>),
}

/// The action dimension: lower-cased patterns and the classes of the actions
/// the store names literally.
#[derive(Clone, Debug, Default)]
pub struct ActionTable {
    /// Distinct lower-cased action patterns.
    pub patterns: Vec<Program>,
    /// Literal actions (lower case) to class ids.
    pub known: StrIndex,
    /// Per class, the bitset of patterns that match its actions.
    pub classes: Vec<Box<[u64]>>,
}

impl ActionTable {
    /// The action signature of a request whose action matches the
    /// patterns of `class` (a bitset of pattern ids): bit `p % 64` for
    /// every pattern `p` it matches, and bit 63, which every `NotAction`
    /// statement's signature holds (a request that matches no pattern
    /// still meets those).
    #[inline]
    pub fn request_signature(class: &[u64]) -> u64 {
        class.iter().fold(NOT_ACTION, |sig, w| sig | w)
    }
}

/// The bit of an action signature that every request holds (see
/// [`ActionTable::request_signature`]).
const NOT_ACTION: u64 = 1 << 63;

/// A resource pattern.
#[derive(Clone, Debug)]
pub enum PatternCode {
    /// No policy variables.
    Fixed(Program),
    /// With policy variables, substituted per request.
    Template(Template),
}

/// A pattern or value with policy variables.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    /// The pieces, in order.
    pub pieces: Box<[Piece]>,
}

/// One piece of a [`Template`].
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// Tokens written in the policy.
    Toks(Box<[Tok]>),
    /// `${key}` or `${key, 'default'}`: the key's single value, literally.
    Var {
        /// The key id.
        key: u32,
        /// The default for a missing key.
        default: Option<Box<str>>,
    },
    /// A variable that can never be resolved (a malformed default).
    Never,
}

/// A context key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCode {
    /// The key, lower-cased as `str::to_lowercase` does.
    pub lower: Box<str>,
    /// What the engine derives for it when the request does not carry it.
    pub derived: Derived,
}

/// The keys the engine derives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derived {
    /// Nothing.
    None,
    /// `aws:PrincipalIsAWSService`.
    PrincipalIsAwsService,
    /// `aws:PrincipalServiceName`.
    PrincipalServiceName,
    /// `aws:PrincipalArn`.
    PrincipalArn,
    /// `aws:PrincipalAccount`.
    PrincipalAccount,
    /// `aws:PrincipalType`.
    PrincipalType,
    /// `aws:username`.
    Username,
    /// `aws:ResourceAccount`.
    ResourceAccount,
    /// `aws:PrincipalTag/...` (from the principal's store entry).
    PrincipalTag,
    /// `aws:ResourceTag/...` (from the resource's store entry).
    ResourceTag,
}

/// One condition: operator, key and values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PredicateCode {
    /// The key id.
    pub key: u32,
    /// `ForAllValues:` / `ForAnyValue:`.
    pub qualifier: Option<Qualifier>,
    /// `...IfExists`.
    pub if_exists: bool,
    /// Whether the operator is a negated one (`StringNotEquals`, ...).
    pub negated: bool,
    /// The positive test of one request value against the policy values.
    pub test: Test,
}

/// The set qualifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    /// `ForAllValues:`.
    ForAllValues,
    /// `ForAnyValue:`.
    ForAnyValue,
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// Equal.
    Eq,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
}

impl Cmp {
    /// The orderings of a request value against a policy value this
    /// operator accepts, as a set: bit 0 less, bit 1 equal, bit 2 greater.
    pub(crate) fn accepts(self) -> u8 {
        match self {
            Cmp::Eq => 0b010,
            Cmp::Lt => 0b001,
            Cmp::Le => 0b011,
            Cmp::Gt => 0b100,
            Cmp::Ge => 0b110,
        }
    }
}

/// A string value that may hold variables.
#[derive(Clone, Debug, PartialEq)]
pub enum TextValue {
    /// Literal text (for `...IgnoreCase`, already lower-cased).
    Text(Str),
    /// Text with variables.
    Template(Template),
}

/// A wildcard value that may hold variables.
#[derive(Clone, Debug, PartialEq)]
pub enum GlobValue {
    /// Without variables.
    Fixed(Program),
    /// With variables.
    Template(Template),
}

/// The positive test of a predicate, with its values compiled; the values
/// are spans of the table's value arenas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Test {
    /// `Null`: holds when the key is missing and some value is `true`, or
    /// present and some value is `false`.
    Null {
        /// Some value is `true`.
        when_missing: bool,
        /// Some value is `false`.
        when_present: bool,
    },
    /// `StringEquals` / `StringNotEquals` ([`Table::text_values`]).
    Equals(Span),
    /// `StringEqualsIgnoreCase` / `StringNotEqualsIgnoreCase`
    /// ([`Table::text_values`]).
    EqualsIgnoreCase(Span),
    /// `StringLike` / `StringNotLike` ([`Table::glob_values`]).
    Like(Span),
    /// `Arn*` ([`Table::glob_values`]).
    Arn(Span),
    /// `Numeric*` ([`Table::numbers`]); `None` values never match.
    Numeric(Cmp, Span),
    /// `Date*` ([`Table::dates`]); `None` values never match.
    Date(Cmp, Span),
    /// `Bool` ([`Table::words`]), values lower-cased.
    Bool(Span),
    /// `BinaryEquals` ([`Table::words`]).
    Binary(Span),
    /// `IpAddress` / `NotIpAddress` ([`Table::cidrs`]); `None` values never
    /// match.
    Ip(Span),
}

/// One principal of the store.
#[derive(Clone, Debug, Default)]
pub struct PrincipalCode {
    /// Its ARN.
    pub arn: Str,
    /// The ARN read as a caller, once ([`crate::engine::CallerCode::of`]);
    /// `None` when the check must refuse it.
    pub caller: Option<crate::engine::CallerCode>,
    /// Identity policy ids, in attachment order.
    pub policies: Ids,
    /// The permissions boundary's policy id.
    pub boundary: Option<u32>,
    /// Whether the entry names a permissions boundary.
    pub has_boundary: bool,
    /// Whether the ARN is a service-linked role's (`role/aws-service-role/...`),
    /// which SCPs do not affect.
    pub service_linked: bool,
    /// `aws:PrincipalTag/...` key ids and values, sorted by key id.
    pub tags: Tags,
}

/// One resource of the store.
#[derive(Clone, Debug, Default)]
pub struct ResourceCode {
    /// Resource policy ids, in attachment order.
    pub policies: Ids,
    /// `aws:ResourceTag/...` key ids and values, sorted by key id.
    pub tags: Tags,
    /// The owning account from the store.
    pub account: Option<Str>,
    /// The account field of the ARN, when it is an ARN with one.
    pub arn_account: Option<Str>,
    /// What the ARN names, for the key and trust policy rule.
    pub kind: ResourceKind,
}

/// What a resource ARN names, where it matters to the evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResourceKind {
    /// Anything else.
    #[default]
    Other,
    /// A KMS key: its key policy must allow, even within the account.
    KmsKey,
    /// An IAM role: its trust policy must allow `sts:` actions.
    IamRole,
}

impl ResourceKind {
    /// What `resource` names.
    pub fn of(resource: &str) -> ResourceKind {
        match crate::engine::colon_fields(resource) {
            (["arn", _, "kms", _, _, rest], 6) if rest.starts_with("key/") => ResourceKind::KmsKey,
            (["arn", _, "iam", _, _, rest], 6) if rest.starts_with("role/") => {
                ResourceKind::IamRole
            }
            _ => ResourceKind::Other,
        }
    }

    /// The account field of a resource ARN (empty fields and non-ARNs have
    /// none).
    pub fn arn_account(resource: &str) -> Option<&str> {
        match crate::engine::colon_fields(resource) {
            ([_, _, _, _, a, _], n) if n >= 5 && !a.is_empty() && resource.starts_with("arn:") => {
                Some(a)
            }
            _ => None,
        }
    }
}

/// One account's organization policies.
#[derive(Clone, Debug, Default)]
pub struct AccountCode {
    /// SCP levels, each a list of policy ids.
    pub scps: Box<[Box<[u32]>]>,
    /// RCP levels.
    pub rcps: Box<[Box<[u32]>]>,
}

/// The value of tag `key` in a tag list sorted by key id (a store entry's,
/// or a plan's copy of one).
pub(crate) fn tag_value<V: Copy>(tags: &[(u32, V)], key: u32) -> Option<V> {
    let i = tags.binary_search_by_key(&key, |(k, _)| *k).ok()?;
    tags.get(i).map(|(_, v)| *v)
}
