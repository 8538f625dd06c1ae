//! Checks that every id in a [`Table`] points at something and every arena
//! range lies in its arena, in one linear pass.

use std::fmt;

use crate::glob::Program;
use crate::hash::StrIndex;
use crate::table::{
    Effect, GlobValue, Ids, PatternCode, Piece, Span, Str, Table, Tags, Template, Test, TextValue,
};

/// What is wrong with a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    /// An id past the end of the list it indexes.
    DanglingId,
    /// An arena range outside its arena, reversed, or not on character
    /// boundaries.
    BadRange,
    /// A principal's caller record that does not fit its ARN.
    BadCaller,
    /// Two context keys with one name.
    DuplicateKey,
    /// An action signature that is not its statement's or body's.
    BadSignature,
}

/// A table whose ids or ranges point nowhere: where, and what.
///
/// One pointer wide, so that the checks' `Result`s travel in a register
/// (a load runs through millions of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError(Box<ErrorInfo>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct ErrorInfo {
    problem: Problem,
    /// The table part that holds the bad reference (`statement 4`, ...).
    place: String,
    /// What is wrong with it.
    detail: String,
}

impl TableError {
    #[cold]
    fn new(problem: Problem, place: impl fmt::Display, detail: String) -> TableError {
        TableError(Box::new(ErrorInfo {
            problem,
            place: place.to_string(),
            detail,
        }))
    }

    /// Whether an id points past the end of its list.
    pub fn is_dangling_id(&self) -> bool {
        self.0.problem == Problem::DanglingId
    }

    /// Whether a string, id-list or tag range lies outside its arena.
    pub fn is_bad_range(&self) -> bool {
        self.0.problem == Problem::BadRange
    }

    /// Whether a principal's precomputed caller record does not fit its ARN.
    pub fn is_bad_caller(&self) -> bool {
        self.0.problem == Problem::BadCaller
    }

    /// Whether two context keys share a name.
    pub fn is_duplicate_key(&self) -> bool {
        self.0.problem == Problem::DuplicateKey
    }

    /// Whether a statement's or body's action signature is not the one its
    /// action tests give ([`crate::table::Table::sign_actions`]).
    pub fn is_bad_signature(&self) -> bool {
        self.0.problem == Problem::BadSignature
    }

    /// Context keys `first` and `second` share a name.
    pub(crate) fn duplicate_key(first: u32, second: u32) -> TableError {
        TableError::new(
            Problem::DuplicateKey,
            At(Part::Key, second as usize),
            format!("it has the name of key {first}"),
        )
    }

    /// The table part that holds the bad reference, such as `statement 4`.
    pub fn place(&self) -> &str {
        &self.0.place
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inconsistent table: {}: {}", self.0.place, self.0.detail)
    }
}

impl std::error::Error for TableError {}

/// The place being checked, formatted only when something is wrong: a
/// part of the table and an index, two words that the checks pass in
/// registers (a name as a `&str` would make them three, stored to the
/// stack before every check).
#[derive(Clone, Copy)]
struct At(Part, usize);

/// A part of the table, named in errors.
#[derive(Clone, Copy)]
enum Part {
    Account,
    ActionPattern,
    Body,
    ConditionPatternValue,
    ConditionTextValue,
    ConditionWord,
    Key,
    Policy,
    Predicate,
    Principal,
    ProgramPiece,
    ResourcePattern,
    Resource,
    Statement,
    PolicyIndexEntry,
    ActionIndexEntry,
    PrincipalIndexEntry,
    RoleIndexEntry,
    ResourceIndexEntry,
    AccountIndexEntry,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Account => "account",
            Part::ActionPattern => "action pattern",
            Part::Body => "body",
            Part::ConditionPatternValue => "condition pattern value",
            Part::ConditionTextValue => "condition text value",
            Part::ConditionWord => "condition word",
            Part::Key => "key",
            Part::Policy => "policy",
            Part::Predicate => "predicate",
            Part::Principal => "principal",
            Part::ProgramPiece => "program piece",
            Part::ResourcePattern => "resource pattern",
            Part::Resource => "resource",
            Part::Statement => "statement",
            Part::PolicyIndexEntry => "policy index entry",
            Part::ActionIndexEntry => "action index entry",
            Part::PrincipalIndexEntry => "principal index entry",
            Part::RoleIndexEntry => "role index entry",
            Part::ResourceIndexEntry => "resource index entry",
            Part::AccountIndexEntry => "account index entry",
        }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.name(), self.1)
    }
}

#[inline]
fn within(at: At, what: &str, id: u32, len: usize) -> Result<(), TableError> {
    if (id as usize) < len {
        Ok(())
    } else {
        Err(dangling(at, what, id, len))
    }
}

#[cold]
fn dangling(at: At, what: &str, id: u32, len: usize) -> TableError {
    TableError::new(
        Problem::DanglingId,
        at,
        format!("{what} id {id} is out of range ({len})"),
    )
}

#[inline]
fn range(at: At, what: &str, start: u32, end: u32, len: usize) -> Result<(), TableError> {
    if start <= end && end as usize <= len {
        Ok(())
    } else {
        Err(outside(at, what, start, end, len))
    }
}

#[cold]
fn outside(at: At, what: &str, start: u32, end: u32, len: usize) -> TableError {
    TableError::new(
        Problem::BadRange,
        at,
        format!("{what} range {start}..{end} is outside its arena ({len})"),
    )
}

/// Whether `s` is a string of the text arena: a range in it, on
/// character boundaries (which every position of an ASCII text is, so that
/// `ascii`, the text's [`str::is_ascii`] found once, spares reading the
/// bytes at its ends).
#[inline(always)]
fn text(t: &Table, ascii: bool, at: At, s: Str) -> Result<(), TableError> {
    let (start, end) = (s.start as usize, s.end as usize);
    let text = &t.text;
    if start <= end
        && end <= text.len()
        && (ascii || (text.is_char_boundary(start) && text.is_char_boundary(end)))
    {
        Ok(())
    } else {
        Err(not_a_string(t, at, s))
    }
}

#[cold]
fn not_a_string(t: &Table, at: At, s: Str) -> TableError {
    TableError::new(
        Problem::BadRange,
        at,
        format!(
            "string range {}..{} is not a string of the text arena ({} bytes)",
            s.start,
            s.end,
            t.text.len()
        ),
    )
}

#[cold]
fn bad_signature(at: At, found: u64, expected: u64) -> TableError {
    TableError::new(
        Problem::BadSignature,
        at,
        format!(
            "action signature `{found:#x}` is not `{expected:#x}`, the one its action tests give"
        ),
    )
}

#[inline]
fn ids(t: &Table, at: At, ids: Ids) -> Result<&[u32], TableError> {
    range(at, "id list", ids.start, ids.end, t.lists.len())?;
    Ok(t.ids(ids))
}

#[inline(always)]
fn tags(t: &Table, ascii: bool, at: At, tags: Tags, keys: usize) -> Result<(), TableError> {
    range(at, "tag list", tags.start, tags.end, t.tag_pairs.len())?;
    // Key ids strictly rising: the first may be any id.
    let mut next = 0u64;
    for (k, v) in t.tags(tags) {
        within(at, "key", *k, keys)?;
        if u64::from(*k) < next {
            return Err(unsorted_tags(at));
        }
        next = u64::from(*k) + 1;
        text(t, ascii, at, *v)?;
    }
    Ok(())
}

#[cold]
fn unsorted_tags(at: At) -> TableError {
    TableError::new(
        Problem::BadRange,
        at,
        "tags are not sorted by key id".to_owned(),
    )
}

fn span(at: At, what: &str, s: Span, len: usize) -> Result<(), TableError> {
    range(at, what, s.start, s.end, len)
}

/// A program's text and token ranges (the pieces themselves are checked
/// once, with their arena).
#[inline(always)]
fn program(t: &Table, ascii: bool, at: At, p: Program) -> Result<(), TableError> {
    match p {
        Program::Exact(s) | Program::Prefix(s) | Program::Suffix(s) => text(t, ascii, at, s),
        Program::Pieces(s) => span(at, "program piece list", s, t.pieces.len()),
        Program::General(s) => span(at, "program token list", s, t.arn_toks.len()),
    }
}

fn template(at: At, t: &Template, keys: usize) -> Result<(), TableError> {
    for piece in &t.pieces {
        if let Piece::Var { key, .. } = piece {
            within(at, "key", *key, keys)?;
        }
    }
    Ok(())
}

/// A name map: its keys are strings of the text arena, its values ids
/// below `len`.
fn index(
    t: &Table,
    ascii: bool,
    name: Part,
    map: &StrIndex,
    what: &str,
    len: usize,
) -> Result<(), TableError> {
    for (i, (key, id)) in map.entries().iter().enumerate() {
        let at = At(name, i);
        text(t, ascii, at, *key)?;
        within(at, what, *id, len)?;
    }
    Ok(())
}

/// Checks every id and range of the table.
pub(crate) fn validate(t: &Table) -> Result<(), TableError> {
    let ascii = t.text.is_ascii();
    let keys = t.keys.len();
    let policies = t.policies.len();
    for (i, p) in t.policies.iter().enumerate() {
        let at = At(Part::Policy, i);
        within(at, "body", p.body, t.bodies.len())?;
        text(t, ascii, at, p.name)?;
    }
    index(
        t,
        ascii,
        Part::PolicyIndexEntry,
        &t.policy_index,
        "policy",
        policies,
    )?;
    for (i, b) in t.bodies.iter().enumerate() {
        let end = u64::from(b.first) + u64::from(b.len);
        if end > t.statements.len() as u64 {
            return Err(TableError::new(
                Problem::DanglingId,
                At(Part::Body, i),
                format!("statements end at {end}, past {}", t.statements.len()),
            ));
        }
    }
    for (i, s) in t.statements.iter().enumerate() {
        let at = At(Part::Statement, i);
        if let Some(sid) = s.sid {
            text(t, ascii, at, sid)?;
        }
        let mut sig = 0u64;
        for p in ids(t, at, s.action.patterns)? {
            within(at, "action pattern", *p, t.actions.patterns.len())?;
            sig |= 1u64 << (p % 64);
        }
        if s.action.negated {
            sig = u64::MAX;
        }
        if s.actions != sig {
            return Err(bad_signature(at, s.actions, sig));
        }
        if let Some(r) = &s.resource {
            for p in ids(t, at, r.patterns)? {
                within(at, "resource pattern", *p, t.resource_patterns.len())?;
            }
        }
        for c in ids(t, at, s.conditions)? {
            within(at, "predicate", *c, t.predicates.len())?;
        }
    }
    // Bodies' signatures, from their statements' (checked above).
    for (i, b) in t.bodies.iter().enumerate() {
        let (mut allow, mut deny) = (0u64, 0u64);
        let first = b.first as usize;
        for s in t
            .statements
            .get(first..first + b.len as usize)
            .unwrap_or(&[])
        {
            match s.effect {
                Effect::Allow => allow |= s.actions,
                Effect::Deny => deny |= s.actions,
            }
        }
        let at = At(Part::Body, i);
        if b.allow_actions != allow {
            return Err(bad_signature(at, b.allow_actions, allow));
        }
        if b.deny_actions != deny {
            return Err(bad_signature(at, b.deny_actions, deny));
        }
    }
    index(
        t,
        ascii,
        Part::ActionIndexEntry,
        &t.actions.known,
        "action class",
        t.actions.classes.len(),
    )?;
    for (i, p) in t.resource_patterns.iter().enumerate() {
        let at = At(Part::ResourcePattern, i);
        match p {
            PatternCode::Fixed(p) => program(t, ascii, at, *p)?,
            PatternCode::Template(tm) => template(at, tm, keys)?,
        }
    }
    // The shared arenas, each item once.
    for (i, s) in t.pieces.iter().enumerate() {
        text(t, ascii, At(Part::ProgramPiece, i), *s)?;
    }
    for (i, s) in t.words.iter().enumerate() {
        text(t, ascii, At(Part::ConditionWord, i), *s)?;
    }
    for (i, v) in t.text_values.iter().enumerate() {
        let at = At(Part::ConditionTextValue, i);
        match v {
            TextValue::Text(s) => text(t, ascii, at, *s)?,
            TextValue::Template(tm) => template(at, tm, keys)?,
        }
    }
    for (i, v) in t.glob_values.iter().enumerate() {
        let at = At(Part::ConditionPatternValue, i);
        match v {
            GlobValue::Fixed(p) => program(t, ascii, at, *p)?,
            GlobValue::Template(tm) => template(at, tm, keys)?,
        }
    }
    for (i, p) in t.actions.patterns.iter().enumerate() {
        program(t, ascii, At(Part::ActionPattern, i), *p)?;
    }
    for (i, p) in t.predicates.iter().enumerate() {
        let at = At(Part::Predicate, i);
        within(at, "key", p.key, keys)?;
        match p.test {
            Test::Null { .. } => {}
            Test::Equals(s) | Test::EqualsIgnoreCase(s) => {
                span(at, "text value list", s, t.text_values.len())?;
            }
            Test::Like(s) | Test::Arn(s) => {
                span(at, "pattern value list", s, t.glob_values.len())?;
            }
            Test::Numeric(_, s) => span(at, "number list", s, t.numbers.len())?,
            Test::Date(_, s) => span(at, "date list", s, t.dates.len())?,
            Test::Bool(s) | Test::Binary(s) => span(at, "word list", s, t.words.len())?,
            Test::Ip(s) => span(at, "address list", s, t.cidrs.len())?,
        }
    }
    for (i, p) in t.principals.iter().enumerate() {
        let at = At(Part::Principal, i);
        text(t, ascii, at, p.arn)?;
        if p.caller.is_some_and(|c| !c.fits(t.str(p.arn))) {
            return Err(TableError::new(
                Problem::BadCaller,
                at,
                format!(
                    "the caller record of `{}` does not fit its ARN",
                    t.str(p.arn)
                ),
            ));
        }
        for id in ids(t, at, p.policies)?.iter().chain(p.boundary.iter()) {
            within(at, "policy", *id, policies)?;
        }
        tags(t, ascii, at, p.tags, keys)?;
    }
    for (i, r) in t.resources.iter().enumerate() {
        let at = At(Part::Resource, i);
        for id in ids(t, at, r.policies)? {
            within(at, "policy", *id, policies)?;
        }
        tags(t, ascii, at, r.tags, keys)?;
        for s in r.account.iter().chain(r.arn_account.iter()) {
            text(t, ascii, at, *s)?;
        }
    }
    for (i, a) in t.accounts.iter().enumerate() {
        for id in a.scps.iter().chain(a.rcps.iter()).flat_map(|l| l.iter()) {
            within(At(Part::Account, i), "policy", *id, policies)?;
        }
    }
    let principals = t.principals.len();
    index(
        t,
        ascii,
        Part::PrincipalIndexEntry,
        &t.principal_index,
        "principal",
        principals,
    )?;
    index(
        t,
        ascii,
        Part::RoleIndexEntry,
        &t.role_index,
        "principal",
        principals,
    )?;
    index(
        t,
        ascii,
        Part::ResourceIndexEntry,
        &t.resource_index,
        "resource",
        t.resources.len(),
    )?;
    index(
        t,
        ascii,
        Part::AccountIndexEntry,
        &t.account_index,
        "account",
        t.accounts.len(),
    )?;
    Ok(())
}
