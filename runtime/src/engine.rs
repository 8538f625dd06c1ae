//! The check path: a compiled [`Table`] answering requests with no heap
//! allocation, through a per-worker [`Scratch`].
//!
//! A check first looks for the plan of its principal, action, resource and
//! session policy in the scratch space (the `plan` module). Building one is
//! the static half of a check: it works out who is asking (user, role
//! session, root, federated user, other ARN, AWS service) by splitting the
//! principal string in place, finds the store entries of the principal (the
//! role's for a session), the resource and the accounts through hash maps,
//! turns the lower-cased action into its class (a bitset of the action
//! patterns that match it: one hash lookup for actions the store names, the
//! wildcard patterns run otherwise), and walks only the statements of the
//! attached policies. Answering from a plan is the dynamic half: the
//! conditions (and resource patterns with variables) of the statements the
//! plan kept, each condition computed at most once per request and memoised
//! in the scratch space under a per-request epoch, so nothing is cleared
//! between requests. A key is the request's context's first (its keys
//! resolved once per request by the `context` module), then the one the engine
//! derives (principal ARN, account, type, user name, service, resource
//! account, and the store's tags), exactly as the spec adds them; a
//! condition that reads only derived keys is answered when its plan is
//! built, for every request whose context does not override them.

use std::cell::Cell;
use std::net::IpAddr;

use crate::context::{self, ContextKeys, KeyCache, KeyMemo, KeyNames, Slots};
use crate::decision::{CheckError, Decision, Hit, Outcome, StatementView};
use crate::glob::{
    ArnTok, MatchBuffers, Program, Tok, arn_condition_rules, arn_rules, plain_rules,
};
use crate::plan::{
    Conditions, DEFAULT_PLANS, Entry, Facts, Fixed, Plan, PlanCache, PlanKey, Quick, Structure,
    resource_policy_required,
};
use crate::request::Request;
use crate::table::{
    Cmp, Derived, Effect, GlobValue, PatternCode, Piece, PredicateCode, PrincipalCode,
    PrincipalName, PrincipalTest, Qualifier, ResourceKind, StatementCode, Table, Template, Test,
    TextValue,
};
use crate::text::{
    AddressCache, Cidr, both_lower_eq, lower_eq, lower_into, parse_date, parse_number,
};

/// A compiled store, ready to answer. `Send + Sync`: share one engine between
/// threads, each with its own [`Scratch`].
#[derive(Clone, Debug)]
pub struct Engine {
    table: Table,
    words: usize,
    id: u64,
    /// The context keys by name.
    names: KeyNames,
}

static NEXT_ENGINE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub use crate::validate::TableError;

/// Per-worker buffers: memo tables and text buffers sized for one engine.
/// Reused across checks; a warm scratch makes a check allocation-free.
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    engine: u64,
    epoch: u32,
    memo: Memo,
    work: Work,
    action: String,
    action_known: Option<u32>,
    action_valid: bool,
    action_bits: Vec<u64>,
    key: String,
    role_arn: String,
    hits: Vec<Hit>,
    /// Per context key: the epoch of the last request that carried it
    /// (high half) and 1 + the position of its first entry there.
    key_memo: KeyMemo,
    /// What the last requests carried, remembered for the next ones.
    seen: Seen,
    plans: PlanCache,
}

/// What a scratch space remembers from one request to the next, since a
/// sender's requests repeat their strings: the context keys it met, with
/// their ids, and the addresses it read, with what they read as. Both are
/// small direct-mapped caches whose hits compare the whole text.
#[derive(Clone, Debug, Default)]
struct Seen {
    keys: KeyCache,
    addresses: AddressCache,
}

/// Results computed during one request: condition predicates and resource
/// patterns, by id.
#[derive(Clone, Debug, Default)]
struct Memo {
    preds: SmallMemo,
    resources: SmallMemo,
}

/// A direct-mapped memo of a fixed size, so a scratch space stays small
/// whatever the store's size: an entry holds the request epoch, the id and
/// its result; a collision only costs recomputing a pure result.
#[derive(Clone, Debug)]
struct SmallMemo {
    slots: Box<[(u32, u32, bool); SMALL_MEMO]>,
}

const SMALL_MEMO: usize = 256;

impl Default for SmallMemo {
    fn default() -> SmallMemo {
        SmallMemo {
            slots: Box::new([(0, 0, false); SMALL_MEMO]),
        }
    }
}

impl SmallMemo {
    #[inline]
    fn slot(id: u32) -> usize {
        (id.wrapping_mul(0x9e37_79b9) >> 24) as usize % SMALL_MEMO
    }

    #[inline]
    fn get(&self, id: u32, epoch: u32) -> Option<bool> {
        match self.slots.get(Self::slot(id)) {
            Some(&(e, i, v)) if e == epoch && i == id => Some(v),
            _ => None,
        }
    }

    #[inline]
    fn set(&mut self, id: u32, epoch: u32, value: bool) {
        if let Some(slot) = self.slots.get_mut(Self::slot(id)) {
            *slot = (epoch, id, value);
        }
    }

    fn clear(&mut self) {
        self.slots.fill((0, 0, false));
    }
}

#[derive(Clone, Debug, Default)]
struct Work {
    /// The keys a predicate reads (while a plan is built).
    keys: Vec<u32>,
    text: String,
    toks: Vec<Tok>,
    rules: Vec<ArnTok>,
    bufs: MatchBuffers,
}

/// How a statement's principal element names the caller, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Naming {
    Account = 1,
    Broad = 2,
    Direct = 3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    RoleSession,
    Root,
    Federated,
    OtherArn,
    Service,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Caller<'a> {
    kind: Kind,
    /// The ARN's resource part (`user/...`, `role/...`).
    resource: &'a str,
    partition: &'a str,
    account: &'a str,
    /// The user name or the role name.
    name: &'a str,
}

/// The first six colon-separated fields of `s` (the sixth is the rest, as
/// `splitn(6, ':')` gives them) and how many there are.
pub(crate) fn colon_fields(s: &str) -> ([&str; 6], usize) {
    let mut fields = [""; 6];
    let mut count = 0;
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b':' {
            if let Some(slot) = fields.get_mut(count) {
                *slot = s.get(start..i).unwrap_or("");
            }
            count += 1;
            start = i + 1;
            if count == 5 {
                break;
            }
        }
    }
    if let Some(slot) = fields.get_mut(count) {
        *slot = s.get(start..).unwrap_or("");
    }
    (fields, count + 1)
}

/// Whether a name looks like an AWS service principal: dot-separated labels
/// of letters, digits and `-`, ending in `.amazonaws.com` (or `.com.cn`).
fn is_service_name(name: &str) -> bool {
    (name.ends_with(".amazonaws.com") || name.ends_with(".amazonaws.com.cn"))
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

impl<'a> Caller<'a> {
    /// Reads a principal: a six-part ARN or an AWS service principal name.
    fn of(principal: &'a str) -> Result<Caller<'a>, CheckError> {
        let ([arn, partition, svc, _, account, resource], 6) = colon_fields(principal) else {
            if !principal.starts_with("arn:") && is_service_name(principal) {
                return Ok(Caller {
                    kind: Kind::Service,
                    resource: "",
                    partition: "",
                    account: "",
                    name: "",
                });
            }
            return Err(CheckError::NotAPrincipal(principal.to_owned()));
        };
        if arn != "arn" {
            return Err(CheckError::NotAnArn(principal.to_owned()));
        }
        let (kind, name) = match (svc, resource) {
            ("iam", "root") => (Kind::Root, ""),
            ("iam", r) if r.starts_with("user/") => {
                (Kind::User, r.rsplit('/').next().unwrap_or(""))
            }
            ("sts", r) if r.starts_with("assumed-role/") => {
                (Kind::RoleSession, r.split('/').nth(1).unwrap_or(""))
            }
            ("sts", r) if r.starts_with("federated-user/") => (Kind::Federated, ""),
            _ => (Kind::OtherArn, ""),
        };
        Ok(Caller {
            kind,
            resource,
            partition,
            account,
            name,
        })
    }

    fn account(&self) -> Option<&'a str> {
        (self.kind != Kind::Service).then_some(self.account)
    }
}

/// The values of a context key.
#[derive(Clone, Copy, Debug)]
enum Vals<'a> {
    Many(&'a [&'a str]),
    One(&'a str),
}

impl<'a> Vals<'a> {
    fn single(self) -> Option<&'a str> {
        match self {
            Vals::One(v) => Some(v),
            Vals::Many([v]) => Some(v),
            Vals::Many(_) => None,
        }
    }

    fn any(self, mut f: impl FnMut(&'a str) -> bool) -> bool {
        match self {
            Vals::One(v) => f(v),
            Vals::Many(vs) => vs.iter().any(|v| f(v)),
        }
    }

    fn all(self, mut f: impl FnMut(&'a str) -> bool) -> bool {
        match self {
            Vals::One(v) => f(v),
            Vals::Many(vs) => vs.iter().all(|v| f(v)),
        }
    }
}

/// A principal ARN read as a caller once, at compile time: its kind and
/// where its fields lie in the ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallerCode {
    kind: Kind,
    resource: (u32, u32),
    partition: (u32, u32),
    account: (u32, u32),
    name: (u32, u32),
}

impl CallerCode {
    /// Reads `principal` as the check path would; `None` when the check
    /// refuses it.
    pub fn of(principal: &str) -> Option<CallerCode> {
        let c = Caller::of(principal).ok()?;
        Some(CallerCode::encode(&c, principal))
    }

    /// The record of a caller read from `principal`.
    pub(crate) fn encode(c: &Caller<'_>, principal: &str) -> CallerCode {
        let base = principal.as_ptr() as usize;
        let range = |part: &str| -> (u32, u32) {
            if part.is_empty() {
                return (0, 0);
            }
            let start = (part.as_ptr() as usize).saturating_sub(base);
            (
                u32::try_from(start).unwrap_or(0),
                u32::try_from(start + part.len()).unwrap_or(0),
            )
        };
        CallerCode {
            kind: c.kind,
            resource: range(c.resource),
            partition: range(c.partition),
            account: range(c.account),
            name: range(c.name),
        }
    }

    /// The caller's kind.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// The record as numbers: the kind, then four `(start, end)` ranges.
    pub(crate) fn to_parts(self) -> Vec<u32> {
        let kind = match self.kind {
            Kind::User => 0,
            Kind::RoleSession => 1,
            Kind::Root => 2,
            Kind::Federated => 3,
            Kind::OtherArn => 4,
            Kind::Service => 5,
        };
        let mut v = vec![kind];
        for (a, b) in [self.resource, self.partition, self.account, self.name] {
            v.push(a);
            v.push(b);
        }
        v
    }

    /// The record from [`CallerCode::to_parts`]'s numbers.
    pub(crate) fn from_parts(p: [u32; 9]) -> Option<CallerCode> {
        let [kind, r0, r1, p0, p1, a0, a1, n0, n1] = p;
        let kind = match kind {
            0 => Kind::User,
            1 => Kind::RoleSession,
            2 => Kind::Root,
            3 => Kind::Federated,
            4 => Kind::OtherArn,
            5 => Kind::Service,
            _ => return None,
        };
        Some(CallerCode {
            kind,
            resource: (r0, r1),
            partition: (p0, p1),
            account: (a0, a1),
            name: (n0, n1),
        })
    }

    /// Whether every range lies in `arn` on character boundaries.
    pub(crate) fn fits(&self, arn: &str) -> bool {
        [self.resource, self.partition, self.account, self.name]
            .iter()
            .all(|(a, b)| arn.get(*a as usize..*b as usize).is_some())
    }

    pub(crate) fn caller<'a>(&self, principal: &'a str) -> Caller<'a> {
        let get = |(a, b): (u32, u32)| principal.get(a as usize..b as usize).unwrap_or("");
        Caller {
            kind: self.kind,
            resource: get(self.resource),
            partition: get(self.partition),
            account: get(self.account),
            name: get(self.name),
        }
    }
}

/// Everything worked out about one request, borrowed.
struct Setting<'a> {
    t: &'a Table,
    principal: &'a str,
    resource: &'a str,
    context: &'a [(&'a str, &'a [&'a str])],
    /// Who calls, and the stored entries the request meets: read when a
    /// condition first asks.
    who: Who<'a>,
    /// The caller's fields, read out of the principal (by the ranges of
    /// its [`CallerCode`]) when a check first needs its account or name.
    caller: Cell<Option<Caller<'a>>>,
    /// The action's class (only while a plan is built).
    action_bits: &'a [u64],
    epoch: u32,
    /// The engine's context keys by name.
    names: &'a KeyNames,
    seen: &'a Seen,
    /// Whether the context's keys have been resolved: from the start when
    /// the request names keys made for this engine, otherwise when a
    /// condition first reads the context.
    resolved: Cell<bool>,
    /// Where they are: the table of the context keys the request names
    /// (epoch [`context::NAMED`]), or the scratch's key memo and this
    /// request's epoch (which resolving fills).
    positions: Cell<(&'a Slots, u32)>,
    /// The last request value read as a date, a number and an address
    /// (by address and length: the request's strings stay put while it is
    /// answered), so predicates over one key parse its value once.
    parsed: Parsed,
}

/// One-entry caches of parsed request values, for one request.
#[derive(Default)]
struct Parsed {
    date: Cell<Option<(usize, usize, Option<i128>)>>,
    number: Cell<Option<(usize, usize, Option<f64>)>>,
    ip: Cell<Option<(usize, usize, Option<IpAddr>)>>,
}

/// `parse(value)`, through a one-entry cache keyed by the value's place.
fn cached<T: Copy>(
    cell: &Cell<Option<(usize, usize, Option<T>)>>,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Option<T> {
    let place = (value.as_ptr() as usize, value.len());
    if let Some((p, l, v)) = cell.get() {
        if (p, l) == place {
            return v;
        }
    }
    let v = parse(value);
    cell.set(Some((place.0, place.1, v)));
    v
}

fn bit(bits: &[u64], i: u32) -> bool {
    bits.get((i / 64) as usize)
        .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

impl<'a> Setting<'a> {
    /// Whether the request's context carries `key` (given, even with no
    /// values, it comes before anything derived).
    fn carries(&self, key: u32) -> bool {
        if self.context.is_empty() {
            return false;
        }
        self.position(key).is_some()
    }

    /// The position of `key`'s first entry in the context, the context's
    /// keys resolved on the first call.
    #[inline(always)]
    fn position(&self, key: u32) -> Option<usize> {
        if !self.resolved.get() {
            self.resolve();
        }
        let (slots, epoch) = self.positions.get();
        context::position(slots, key, epoch)
    }

    /// Resolves the context's keys into the memo, once per request (one
    /// that names its keys starts resolved).
    #[inline(never)]
    fn resolve(&self) {
        let (memo, epoch) = self.positions.get();
        context::resolve(self.context, self.names, &self.seen.keys, memo, epoch);
        self.resolved.set(true);
    }

    /// The same request with an empty context: what the engine derives,
    /// alone.
    fn without_context(&self) -> Setting<'a> {
        Setting {
            t: self.t,
            principal: self.principal,
            resource: self.resource,
            context: &[],
            who: self.who,
            caller: Cell::new(self.caller.get()),
            action_bits: self.action_bits,
            epoch: self.epoch,
            names: self.names,
            seen: self.seen,
            // No key is looked up in a context, so none is memoised.
            resolved: Cell::new(true),
            positions: Cell::new((&[], self.epoch)),
            parsed: Parsed::default(),
        }
    }

    /// The caller's fields.
    fn caller(&self) -> Caller<'a> {
        if let Some(c) = self.caller.get() {
            return c;
        }
        let c = self.who.code().caller(self.principal);
        self.caller.set(Some(c));
        c
    }

    #[inline(always)]
    fn lookup(&self, key: u32) -> Option<Vals<'a>> {
        if let Some((_, v)) = self.position(key).and_then(|i| self.context.get(i)) {
            return Some(Vals::Many(v));
        }
        let code = self.t.keys.get(key as usize)?;
        let service = self.who.kind() == Kind::Service;
        let one = |v: &'a str| Some(Vals::One(v));
        match code.derived {
            Derived::None => None,
            Derived::PrincipalIsAwsService => one(if service { "true" } else { "false" }),
            Derived::PrincipalServiceName => service.then_some(Vals::One(self.principal)),
            Derived::PrincipalArn => {
                (!service).then_some(Vals::One(self.who.role_arn().unwrap_or(self.principal)))
            }
            Derived::PrincipalAccount => self.caller().account().map(Vals::One),
            Derived::PrincipalType => match self.who.kind() {
                Kind::User => one("User"),
                Kind::RoleSession => one("AssumedRole"),
                Kind::Root => one("Account"),
                Kind::Federated => one("FederatedUser"),
                Kind::OtherArn | Kind::Service => None,
            },
            Derived::Username => {
                (self.who.kind() == Kind::User).then_some(Vals::One(self.caller().name))
            }
            Derived::ResourceAccount => self.who.resource_account().map(Vals::One),
            Derived::PrincipalTag => self.who.tag(self.t, Side::Principal, key).map(Vals::One),
            Derived::ResourceTag => self.who.tag(self.t, Side::Resource, key).map(Vals::One),
        }
    }

    /// Substitutes a template's variables into `toks`; false when one cannot
    /// be resolved.
    /// A policy variable's value: the key's single value, or the default
    /// when the key is missing; `None` when neither (or several values).
    fn variable<'x>(&self, key: u32, default: Option<&'x str>) -> Option<&'x str>
    where
        'a: 'x,
    {
        match self.lookup(key) {
            Some(vals) => vals.single(),
            None => default,
        }
    }

    fn materialize(&self, template: &Template, toks: &mut Vec<Tok>) -> bool {
        toks.clear();
        for piece in &template.pieces {
            match piece {
                Piece::Toks(ts) => toks.extend_from_slice(ts),
                Piece::Var { key, default } => match self.variable(*key, default.as_deref()) {
                    Some(v) => toks.extend(v.chars().map(Tok::Lit)),
                    None => return false,
                },
                Piece::Never => return false,
            }
        }
        true
    }

    /// The template's text (wildcards written as `*` and `?`).
    /// Written straight into `text`, variables as they resolve (see
    /// [`Setting::materialize`]); false when one cannot be resolved.
    fn render(&self, template: &Template, text: &mut String) -> bool {
        text.clear();
        for piece in &template.pieces {
            match piece {
                Piece::Toks(ts) => text.extend(ts.iter().map(|t| match t {
                    Tok::Lit(c) => *c,
                    Tok::Star => '*',
                    Tok::Quest => '?',
                })),
                Piece::Var { key, default } => match self.variable(*key, default.as_deref()) {
                    Some(v) => text.push_str(v),
                    None => return false,
                },
                Piece::Never => return false,
            }
        }
        true
    }

    fn glob(&self, v: &Table, value: &GlobValue, arn: bool, text: &str, work: &mut Work) -> bool {
        match value {
            GlobValue::Fixed(p) => p.matches(v, text, &mut work.bufs),
            GlobValue::Template(t) => {
                if !self.materialize(t, &mut work.toks) {
                    return false;
                }
                if arn {
                    arn_condition_rules(&work.toks, &mut work.rules);
                } else {
                    plain_rules(&work.toks, &mut work.rules);
                }
                work.bufs.matches(&work.rules, text)
            }
        }
    }

    /// Whether one request value matches one of the predicate's values, in
    /// the positive sense of its operator.
    fn value_matches(&self, v: &Table, test: &Test, value: &str, work: &mut Work) -> bool {
        match test {
            Test::Null { .. } => false,
            Test::Equals(vs) => v.text_values(*vs).iter().any(|x| match x {
                TextValue::Text(t) => v.bytes(*t) == value.as_bytes(),
                TextValue::Template(t) => self.render(t, &mut work.text) && work.text == value,
            }),
            Test::EqualsIgnoreCase(vs) => v.text_values(*vs).iter().any(|x| match x {
                TextValue::Text(t) => lower_eq(value, v.str(*t)),
                TextValue::Template(t) => {
                    self.render(t, &mut work.text) && both_lower_eq(&work.text, value)
                }
            }),
            Test::Like(vs) => v
                .glob_values(*vs)
                .iter()
                .any(|g| self.glob(v, g, false, value, work)),
            Test::Arn(vs) => v
                .glob_values(*vs)
                .iter()
                .any(|g| self.glob(v, g, true, value, work)),
            Test::Numeric(cmp, vs) => match cached(&self.parsed.number, value, parse_number) {
                Some(r) => v
                    .numbers(*vs)
                    .iter()
                    .any(|p| p.is_some_and(|p| compare(*cmp, r.partial_cmp(&p)))),
                None => false,
            },
            Test::Date(cmp, vs) => match cached(&self.parsed.date, value, parse_date) {
                Some(r) => v
                    .dates(*vs)
                    .iter()
                    .any(|p| p.is_some_and(|p| compare(*cmp, Some(r.cmp(&p))))),
                None => false,
            },
            Test::Bool(vs) => v.words(*vs).iter().any(|p| lower_eq(value, v.str(*p))),
            Test::Binary(vs) => v.words(*vs).iter().any(|p| v.bytes(*p) == value.as_bytes()),
            Test::Ip(vs) => {
                match cached(&self.parsed.ip, value, |v| self.seen.addresses.parse(v)) {
                    // Every block tested, without stopping at the first
                    // that holds: which one does varies from request to
                    // request, and a branch on it costs more than the
                    // tests left.
                    Some(a) => v
                        .cidrs(*vs)
                        .iter()
                        .fold(false, |hit, c| hit | c.is_some_and(|c| c.contains(a))),
                    None => false,
                }
            }
        }
    }

    /// Whether predicate `p` holds, its values read from `v` (the table
    /// or a plan cache's copies).
    #[inline(always)]
    fn holds(&self, p: &PredicateCode, v: &Table, work: &mut Work) -> bool {
        // A key given with no values counts as missing.
        let values = self.lookup(p.key).filter(|v| !matches!(v, Vals::Many([])));
        if let Test::Null {
            when_missing,
            when_present,
        } = p.test
        {
            let present = values.is_some();
            return (when_missing && !present) || (when_present && present);
        }
        let per_value =
            |x: &str, work: &mut Work| self.value_matches(v, &p.test, x, work) != p.negated;
        match (p.qualifier, values) {
            (_, None) if p.if_exists => true,
            (None, None) => p.negated,
            (None, Some(vs)) => vs.any(|x| self.value_matches(v, &p.test, x, work)) != p.negated,
            (Some(Qualifier::ForAllValues), None) => true,
            (Some(Qualifier::ForAllValues), Some(vs)) => vs.all(|v| per_value(v, work)),
            (Some(Qualifier::ForAnyValue), None) => false,
            (Some(Qualifier::ForAnyValue), Some(vs)) => vs.any(|v| per_value(v, work)),
        }
    }

    /// Whether predicate `p` holds, by its inline form `q`: the rows of
    /// [`Setting::holds`] for no set qualifier (a [`Quick`] never has one,
    /// nor a `Null` test). Written out rather than passed through `holds`
    /// with `q` as its value test: that shared form measured 19, 58 and 28
    /// more instructions per warm check on the example, W1 and W2-10k.
    #[inline(always)]
    fn quick(&self, q: &Quick, p: &PredicateCode) -> bool {
        match self.lookup(p.key) {
            None | Some(Vals::Many([])) => p.if_exists || p.negated,
            Some(vs) => vs.any(|x| self.quick_value(q, x)) != p.negated,
        }
    }

    /// Whether one request value passes `q`, in the positive sense of its
    /// operator.
    #[inline]
    fn quick_value(&self, q: &Quick, value: &str) -> bool {
        let v = value.as_bytes();
        match q {
            Quick::Exact(s) => v == s.bytes(),
            Quick::Prefix(s) => v.starts_with(s.bytes()),
            Quick::Suffix(s) => v.ends_with(s.bytes()),
            Quick::Date { accepts, at } => match cached(&self.parsed.date, value, parse_date) {
                Some(r) => {
                    let at = (u128::from(at[1]) << 64 | u128::from(at[0])) as i128;
                    ordering_in(*accepts, r.cmp(&at))
                }
                None => false,
            },
            Quick::Ipv4 { net, mask } => {
                cached(&self.parsed.ip, value, |v| self.seen.addresses.parse(v)).is_some_and(|a| {
                    Cidr::V4 {
                        net: *net,
                        mask: *mask,
                    }
                    .contains(a)
                })
            }
        }
    }

    /// How a `Principal` element names the caller (the strongest naming).
    fn naming(&self, test: &PrincipalTest) -> Option<Naming> {
        let service = self.who.kind() == Kind::Service;
        let mut best = None;
        for entry in &test.entries {
            let n = match entry {
                // `*` grants like a direct naming: neither boundaries nor
                // session policies limit it.
                PrincipalName::AwsAny => Some(Naming::Direct),
                PrincipalName::Aws {
                    value,
                    root_account,
                } => {
                    if service {
                        None
                    } else if **value == *self.principal {
                        Some(Naming::Direct)
                    } else if self.who.role_arn() == Some(&**value) {
                        Some(Naming::Broad)
                    } else if **value == *self.caller().account
                        || root_account.as_deref() == Some(self.caller().account)
                    {
                        Some(Naming::Account)
                    } else {
                        None
                    }
                }
                PrincipalName::Service(value) => {
                    (service && **value == *self.principal).then_some(Naming::Direct)
                }
                PrincipalName::Exact(value) => {
                    (**value == *self.principal).then_some(Naming::Direct)
                }
            };
            best = best.max(n);
            if best == Some(Naming::Direct) {
                break;
            }
        }
        best
    }

    /// Whether a `NotPrincipal` element exempts the caller: every link of
    /// its chain (account and user; account, role and session; the root's
    /// account; a service's name) is listed, or the element lists `*`.
    fn not_principal_exempts(&self, test: &PrincipalTest) -> bool {
        let entries = &test.entries;
        if entries.contains(&PrincipalName::AwsAny) {
            return true;
        }
        let aws_listed = |v: &str| {
            entries
                .iter()
                .any(|e| matches!(e, PrincipalName::Aws { value, .. } if **value == *v))
        };
        let account = self.caller().account;
        let account_listed = || {
            entries.iter().any(|e| {
                matches!(e, PrincipalName::Aws { value, root_account }
                    if **value == *account || root_account.as_deref() == Some(account))
            })
        };
        match self.who.kind() {
            Kind::Service => entries
                .iter()
                .any(|e| matches!(e, PrincipalName::Service(v) if **v == *self.principal)),
            Kind::Root => account_listed(),
            Kind::RoleSession => {
                account_listed()
                    && self.who.role_arn().is_some_and(aws_listed)
                    && aws_listed(self.principal)
            }
            Kind::User | Kind::Federated | Kind::OtherArn => {
                account_listed() && aws_listed(self.principal)
            }
        }
    }
}

/// Whether a request value that compares `ordering` to a policy value
/// passes `cmp` (never when they do not compare).
#[inline]
fn compare(cmp: Cmp, ordering: Option<std::cmp::Ordering>) -> bool {
    ordering.is_some_and(|ord| ordering_in(cmp.accepts(), ord))
}

/// Whether `ordering` is in the set `accepts` ([`Cmp::accepts`]): a shift,
/// not a branch on the operator (a plan's predicates come in any order, and
/// a jump per operator is one a predictor often misses).
#[inline]
fn ordering_in(accepts: u8, ordering: std::cmp::Ordering) -> bool {
    // `Less` is -1, `Equal` 0, `Greater` 1.
    let at = (ordering as i8 + 1) as u8;
    accepts >> at & 1 != 0
}

/// Who asks about what: the caller and the stored entries a request meets.
///
/// While a plan is built these are in hand ([`Built`]); a check answered
/// from a kept plan reads them out of the plan only when a condition asks
/// (most never do), so the plan's later cache lines stay unread.
#[derive(Clone, Copy)]
enum Who<'a> {
    Built(&'a Built<'a>),
    Plan(&'a PlanCache, &'a Plan),
}

/// What `build_plan` worked out about the caller and the resource.
struct Built<'a> {
    code: CallerCode,
    role_arn: Option<&'a str>,
    principal_code: Option<&'a PrincipalCode>,
    resource_account: Option<&'a str>,
    /// The caller's and the resource's tags in the store.
    tags: [Option<crate::table::Tags>; 2],
}

/// Whose tags.
#[derive(Clone, Copy)]
enum Side {
    Principal = 0,
    Resource = 1,
}

impl<'a> Who<'a> {
    /// The caller's kind (a kept plan has it in its first cache line).
    #[inline]
    fn kind(self) -> Kind {
        match self {
            Who::Built(b) => b.code.kind(),
            Who::Plan(_, plan) => plan.kind,
        }
    }

    /// The caller, as ranges of the principal string.
    fn code(self) -> CallerCode {
        match self {
            Who::Built(b) => b.code,
            Who::Plan(_, plan) => plan.caller,
        }
    }

    /// The role ARN of a role session.
    fn role_arn(self) -> Option<&'a str> {
        match self {
            Who::Built(b) => b.role_arn,
            Who::Plan(cache, plan) => cache.str(plan.role_arn),
        }
    }

    /// The resource's account.
    fn resource_account(self) -> Option<&'a str> {
        match self {
            Who::Built(b) => b.resource_account,
            Who::Plan(cache, plan) => cache.str(plan.resource_account),
        }
    }

    /// The caller's stored entry (the role's for a session).
    fn principal_code(self, t: &'a Table) -> Option<&'a PrincipalCode> {
        match self {
            Who::Built(b) => b.principal_code,
            Who::Plan(_, plan) => plan
                .principal_code
                .and_then(|i| t.principals.get(i as usize)),
        }
    }

    /// The value of tag `key` of the caller or of the resource.
    fn tag(self, t: &'a Table, side: Side, key: u32) -> Option<&'a str> {
        match self {
            Who::Built(b) => t.tag(b.tags.get(side as usize).copied().flatten()?, key),
            Who::Plan(cache, plan) => {
                let span = match side {
                    Side::Principal => plan.principal_tags,
                    Side::Resource => plan.resource_tags,
                };
                cache.tag(span, key)
            }
        }
    }
}

/// The evaluator for one request: the setting plus the memo tables.
struct Eval<'a, 'm> {
    s: Setting<'a>,
    memo: &'m mut Memo,
    work: &'m mut Work,
}

impl Eval<'_, '_> {
    fn resource_matches(&mut self, id: u32) -> bool {
        if let Some(v) = self.memo.resources.get(id, self.s.epoch) {
            return v;
        }
        let result = match self.s.t.resource_patterns.get(id as usize) {
            Some(PatternCode::Fixed(p)) => {
                p.matches(self.s.t, self.s.resource, &mut self.work.bufs)
            }
            Some(PatternCode::Template(t)) if self.s.materialize(t, &mut self.work.toks) => {
                arn_rules(&self.work.toks, &mut self.work.rules);
                self.work.bufs.matches(&self.work.rules, self.s.resource)
            }
            Some(PatternCode::Template(_)) | None => false,
        };
        self.memo.resources.set(id, self.s.epoch, result);
        result
    }

    /// Whether predicate `id` (`code`, the plan's copy) holds, memoised
    /// for the request.
    fn predicate(&mut self, id: u32, code: &PredicateCode, values: &Table) -> bool {
        if let Some(v) = self.memo.preds.get(id, self.s.epoch) {
            return v;
        }
        let result = self.s.holds(code, values, self.work);
        self.memo.preds.set(id, self.s.epoch, result);
        result
    }

    fn resource_ok(&mut self, r: &crate::table::PatternTest) -> bool {
        let mut hit = false;
        for p in self.s.t.ids(r.patterns) {
            if self.resource_matches(*p) {
                hit = true;
                break;
            }
        }
        hit != r.negated
    }
}

impl Structure for Eval<'_, '_> {
    /// A predicate's answer for every request that carries none of the
    /// keys it reads, when those are at most two keys the engine derives
    /// (tags, the caller's account, ...): computed once, as the spec
    /// computes it for an empty context.
    fn fixed(&mut self, p: &PredicateCode) -> Option<Fixed> {
        let t = self.s.t;
        let derived = |k: u32| {
            t.keys
                .get(k as usize)
                .is_some_and(|c| c.derived != Derived::None)
        };
        if !derived(p.key) {
            return None;
        }
        let mut keys = std::mem::take(&mut self.work.keys);
        self.keys_read(p, &mut keys);
        let fixed = match (keys.iter().all(|k| derived(*k)), keys.as_slice()) {
            (true, [a]) => Some([*a, *a]),
            (true, [a, b]) => Some([*a, *b]),
            _ => None,
        };
        self.work.keys = keys;
        let keys = fixed?;
        let alone = self.s.without_context();
        let result = alone.holds(p, t, self.work);
        Some(Fixed { result, keys })
    }

    /// Whether statement `st` can apply to the request's principal, action
    /// and resource, and how it names the caller; conditions and resource
    /// patterns with policy variables are left to [`Conditions::holds`].
    #[inline]
    fn structural(&mut self, st: &StatementCode) -> Option<(Naming, bool)> {
        let t = self.s.t;
        let hit = t
            .ids(st.action.patterns)
            .iter()
            .any(|p| bit(self.s.action_bits, *p));
        if hit == st.action.negated {
            return None;
        }
        let naming = match &st.principal {
            None => Naming::Direct,
            Some(p) if !p.negated => self.s.naming(p)?,
            Some(p) => {
                // A `Deny` with `NotPrincipal` always applies to a caller
                // with a permissions boundary.
                let quirk = st.effect == Effect::Deny
                    && self
                        .s
                        .who
                        .principal_code(self.s.t)
                        .is_some_and(|c| c.has_boundary);
                if !quirk && self.s.not_principal_exempts(p) {
                    return None;
                }
                Naming::Broad
            }
        };
        let mut dynamic = false;
        if let Some(r) = &st.resource {
            dynamic = t.ids(r.patterns).iter().any(|p| {
                matches!(
                    t.resource_patterns.get(*p as usize),
                    Some(PatternCode::Template(_))
                )
            });
            if !dynamic && !self.resource_ok(r) {
                return None;
            }
        }
        Some((naming, dynamic))
    }
}

impl Eval<'_, '_> {
    /// The keys a predicate reads: its own and its values' variables.
    fn keys_read(&self, p: &PredicateCode, keys: &mut Vec<u32>) {
        keys.clear();
        keys.push(p.key);
        let t = self.s.t;
        let mut add = |template: &Template| {
            for piece in &template.pieces {
                if let Piece::Var { key, .. } = piece {
                    if !keys.contains(key) {
                        keys.push(*key);
                    }
                }
            }
        };
        match p.test {
            Test::Equals(vs) | Test::EqualsIgnoreCase(vs) => {
                for v in t.text_values(vs) {
                    if let TextValue::Template(tm) = v {
                        add(tm);
                    }
                }
            }
            Test::Like(vs) | Test::Arn(vs) => {
                for v in t.glob_values(vs) {
                    if let GlobValue::Template(tm) = v {
                        add(tm);
                    }
                }
            }
            _ => {}
        }
    }
}

impl Conditions for Eval<'_, '_> {
    #[inline(always)]
    fn holds(&mut self, cache: &PlanCache, e: &Entry) -> bool {
        if e.dynamic {
            let t = self.s.t;
            let resource = t.statements.get(e.id as usize).map(|st| &st.resource);
            match resource {
                Some(Some(r)) => {
                    if !self.resource_ok(r) {
                        return false;
                    }
                }
                Some(None) => {}
                None => return false,
            }
        }
        for p in cache.preds(e) {
            if let Some(f) = p.fixed {
                let [a, b] = f.keys;
                if !self.s.carries(a) && (a == b || !self.s.carries(b)) {
                    if f.result {
                        continue;
                    }
                    return false;
                }
            }
            let holds = if let Some(q) = &p.quick {
                self.s.quick(q, &p.code)
            } else {
                let values = if p.copied { cache.values() } else { self.s.t };
                if p.shared {
                    self.predicate(p.id, &p.code, values)
                } else {
                    self.s.holds(&p.code, values, self.work)
                }
            };
            if !holds {
                return false;
            }
        }
        true
    }

    fn kind(&self) -> Kind {
        self.s.who.kind()
    }
}
impl Engine {
    /// An engine over a table, after checking that every id in it is in
    /// range.
    ///
    /// # Errors
    ///
    /// A [`TableError`] naming the first dangling id.
    pub fn new(table: Table) -> Result<Engine, TableError> {
        crate::validate::validate(&table)?;
        let words = table.actions.patterns.len().div_ceil(64);
        let id = NEXT_ENGINE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let names = KeyNames::new(&table.keys)
            .map_err(|(first, second)| TableError::duplicate_key(first, second))?;
        Ok(Engine {
            table,
            words,
            id,
            names,
        })
    }

    /// The engine as an artifact ([`crate::artifact`]).
    pub fn to_artifact(&self) -> Vec<u8> {
        crate::artifact::write(&self.table)
    }

    /// An engine from an artifact, checked as [`Engine::new`] checks tables.
    ///
    /// # Errors
    ///
    /// An [`crate::artifact::ArtifactError`] naming what is wrong.
    pub fn from_artifact(bytes: &[u8]) -> Result<Engine, crate::artifact::ArtifactError> {
        let table = crate::artifact::read(bytes)?;
        Engine::new(table).map_err(crate::artifact::ArtifactError::from)
    }

    /// Context keys named once for this engine, for a sender whose
    /// requests carry these keys in this order (see [`ContextKeys`]).
    pub fn context_keys<S: AsRef<str>>(&self, names: &[S]) -> ContextKeys {
        ContextKeys::new(self.id, names, &self.names)
    }

    /// The table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// A scratch space sized for this engine, keeping up to
    /// [`DEFAULT_PLANS`] plans.
    pub fn scratch(&self) -> Scratch {
        self.scratch_with_plans(DEFAULT_PLANS)
    }

    /// A scratch space sized for this engine, keeping up to `plans` plans
    /// (the static half of a request: who calls, which statements can
    /// apply). With 0 it keeps none and every check works its plan out
    /// afresh; the answers are the same.
    pub fn scratch_with_plans(&self, plans: usize) -> Scratch {
        let mut s = Scratch {
            plans: PlanCache::new(plans),
            action: String::with_capacity(128),
            key: String::with_capacity(256),
            role_arn: String::with_capacity(256),
            work: Work {
                keys: Vec::with_capacity(16),
                text: String::with_capacity(256),
                toks: Vec::with_capacity(256),
                rules: Vec::with_capacity(256),
                bufs: MatchBuffers::with_capacity(256),
            },
            hits: Vec::with_capacity(self.table.statements.len().min(4096)),
            action_bits: Vec::with_capacity(self.words),
            ..Scratch::default()
        };
        s.fit(self);
        s
    }

    /// A deciding statement, resolved to its names.
    pub fn resolve(&self, hit: Hit) -> StatementView<'_> {
        let t = &self.table;
        let policy = t.policies.get(hit.policy as usize);
        let sid = policy
            .and_then(|p| t.bodies.get(p.body as usize))
            .and_then(|b| t.statements.get(b.first as usize + hit.index as usize))
            .and_then(|s| s.sid.map(|sid| t.str(sid)));
        StatementView {
            layer: hit.layer,
            policy: policy.map_or("", |p| t.str(p.name)),
            index: hit.index as usize,
            sid,
        }
    }

    /// Answers one request.
    ///
    /// The scratch space keeps the plan of each (principal, action,
    /// resource, session policy) it meets (the `plan` module); a request that
    /// repeats those four strings goes straight to its conditions.
    ///
    /// # Errors
    ///
    /// A [`CheckError`] when the principal is not a principal, or the
    /// request names a session policy the store does not define, or one
    /// that cannot be a session policy.
    pub fn check<'e>(
        &'e self,
        scratch: &'e mut Scratch,
        request: &Request<'_>,
    ) -> Result<Decision<'e>, CheckError> {
        self.answer_with::<true>(scratch, request)
    }

    /// Answers one request as [`Engine::check`] does (the same outcome,
    /// layer and message), with less work: it stops at the first `Deny`
    /// that applies, and in the resource-based and identity-based policies
    /// at the first `Allow` that settles their answer, so the decision's
    /// `hits` are those deciding statements only (the first of them is
    /// `check`'s first). For a send path that needs the answer every time
    /// and the whole explanation only sometimes (ask `check` then).
    ///
    /// # Errors
    ///
    /// As [`Engine::check`].
    pub fn check_outcome<'e>(
        &'e self,
        scratch: &'e mut Scratch,
        request: &Request<'_>,
    ) -> Result<Decision<'e>, CheckError> {
        self.answer_with::<false>(scratch, request)
    }

    /// [`Engine::check`] (`EVERY` statement behind the answer recorded)
    /// and [`Engine::check_outcome`].
    #[inline(always)]
    fn answer_with<'e, const EVERY: bool>(
        &'e self,
        scratch: &'e mut Scratch,
        request: &Request<'_>,
    ) -> Result<Decision<'e>, CheckError> {
        scratch.fit(self);
        let key = PlanKey {
            principal: request.principal,
            action: request.action,
            resource: request.resource,
            session: request.session_policy,
        };
        let index = match request.call.and_then(|c| c.named(request)) {
            Some((call, hash)) => match scratch.plans.find_call(hash, call) {
                Some(i) => i,
                None => self.named_plan(scratch, request, &key, (call, hash))?,
            },
            None => {
                let hash = key.digest();
                match scratch.plans.find(&key, hash) {
                    Some(i) => i,
                    None => self.build_plan(scratch, request, &key, hash)?,
                }
            }
        };
        let Scratch {
            epoch,
            memo,
            work,
            plans,
            hits,
            key_memo,
            seen,
            ..
        } = scratch;
        hits.clear();
        let Some(plan) = plans.plan(index) else {
            // The plan just built or found is always kept; were it not,
            // the answer is the one that grants nothing.
            return Ok(Decision {
                outcome: Outcome::ImplicitDeny,
                layer: None,
                hits: &[],
                engine: self,
            });
        };
        let who = Who::Plan(plans, plan);
        let setting = self.setting(request, (who, None), &[], *epoch, (key_memo.slots(), seen));
        let mut ev = Eval {
            s: setting,
            memo,
            work,
        };
        let (outcome, layer) = crate::plan::decide::<EVERY>(&mut ev, plans, plan, hits);
        let hits: &'e [Hit] = match outcome {
            Outcome::ImplicitDeny => &[],
            _ => hits.as_slice(),
        };
        Ok(Decision {
            outcome,
            layer,
            hits,
            engine: self,
        })
    }

    /// The plan of a request that names its call key (the key's number
    /// and hash) when none is kept under the key's number: found by its
    /// strings or built, and then kept under it. Out of line, so that the
    /// lookup of a request naming none stays as it was.
    #[inline(never)]
    fn named_plan(
        &self,
        scratch: &mut Scratch,
        request: &Request<'_>,
        key: &PlanKey<'_>,
        (call, hash): (u64, u64),
    ) -> Result<u32, CheckError> {
        let index = match scratch.plans.find(key, hash) {
            Some(i) => i,
            None => self.build_plan(scratch, request, key, hash)?,
        };
        scratch.plans.name(index, call);
        Ok(index)
    }

    /// Works out the static half of a request (who calls, the resource's
    /// entry and account, the statements whose action, principal and fixed
    /// resource patterns match) and keeps it in the scratch's plan cache.
    /// Kept out of line: a warm check never runs it.
    #[inline(never)]
    fn build_plan(
        &self,
        scratch: &mut Scratch,
        request: &Request<'_>,
        key: &PlanKey<'_>,
        hash: u64,
    ) -> Result<u32, CheckError> {
        scratch.set_action(self, request.action);
        let Scratch {
            epoch,
            memo,
            work,
            action,
            action_known,
            action_bits,
            key: role_key,
            role_arn,
            key_memo,
            seen,
            plans,
            ..
        } = scratch;
        let t = &self.table;
        let bits: &[u64] = match action_known.and_then(|c| t.actions.classes.get(c as usize)) {
            Some(b) => b,
            None => action_bits,
        };
        // A principal the store names was read when compiled.
        let stored = t.principal_index.get(&t.text, request.principal).copied();
        let caller = match stored
            .and_then(|i| t.principals.get(i as usize))
            .and_then(|p| p.caller)
        {
            Some(code) => code.caller(request.principal),
            None => Caller::of(request.principal)?,
        };
        let session =
            crate::plan::session_policy(t, request.principal, caller.kind, request.session_policy)?;
        let mut principal_id = None;
        let mut role: Option<&str> = None;
        match caller.kind {
            Kind::RoleSession => {
                role_key.clear();
                role_key.push_str(caller.partition);
                role_key.push(':');
                role_key.push_str(caller.account);
                role_key.push(':');
                role_key.push_str(caller.name);
                principal_id = t.role_index.get(&t.text, role_key.as_str()).copied();
                match principal_id.and_then(|i| t.principals.get(i as usize)) {
                    Some(p) => role = Some(t.str(p.arn)),
                    None => {
                        role_arn.clear();
                        role_arn.push_str("arn:");
                        role_arn.push_str(caller.partition);
                        role_arn.push_str(":iam::");
                        role_arn.push_str(caller.account);
                        role_arn.push_str(":role/");
                        role_arn.push_str(caller.name);
                        role = Some(role_arn.as_str());
                    }
                }
            }
            Kind::Service => {}
            _ => principal_id = stored,
        }
        let principal_code = principal_id.and_then(|i| t.principals.get(i as usize));
        let resource_id = t.resource_index.get(&t.text, request.resource).copied();
        let resource_code = resource_id.and_then(|i| t.resources.get(i as usize));
        let (arn_account, resource_kind) = match resource_code {
            Some(r) => (r.arn_account.map(|a| t.str(a)), r.kind),
            None => (
                ResourceKind::arn_account(request.resource),
                ResourceKind::of(request.resource),
            ),
        };
        let resource_account = resource_code
            .and_then(|r| r.account.map(|a| t.str(a)))
            .or(arn_account);
        let code = CallerCode::encode(&caller, request.principal);
        let facts = Facts {
            caller: code,
            caller_account: caller.account(),
            caller_resource: caller.resource,
            role_arn: role,
            principal_code: principal_id.filter(|_| principal_code.is_some()),
            resource_code: resource_id.filter(|_| resource_code.is_some()),
            resource_account,
            resource_policy_required: resource_policy_required(resource_kind, action),
            session,
            actions: crate::table::ActionTable::request_signature(bits),
        };
        let built = Built {
            code,
            role_arn: role,
            principal_code,
            resource_account,
            tags: [
                principal_code.map(|p| p.tags),
                resource_code.map(|r| r.tags),
            ],
        };
        let who = (Who::Built(&built), Some(caller));
        let setting = self.setting(request, who, bits, *epoch, (key_memo.slots(), seen));
        let mut ev = Eval {
            s: setting,
            memo,
            work,
        };
        Ok(plans.build(t, key, hash, &facts, &mut ev))
    }

    /// The setting of one request: its strings, who is asking about what,
    /// and the scratch's key memo under this request's epoch.
    fn setting<'a>(
        &'a self,
        request: &Request<'a>,
        (who, caller): (Who<'a>, Option<Caller<'a>>),
        action_bits: &'a [u64],
        epoch: u32,
        (key_memo, seen): (&'a Slots, &'a Seen),
    ) -> Setting<'a> {
        // Keys named once are taken before any condition reads the context:
        // a comparison of their addresses, cheaper here than behind the
        // call that resolving a context is.
        let named = context::named_table(request.context, request.keys, self.id);
        Setting {
            t: &self.table,
            principal: request.principal,
            resource: request.resource,
            context: request.context,
            who,
            caller: Cell::new(caller),
            action_bits,
            epoch,
            names: &self.names,
            seen,
            resolved: Cell::new(named.is_some()),
            positions: Cell::new(named.map_or((key_memo, epoch), |t| (t, context::NAMED))),
            parsed: Parsed::default(),
        }
    }
}

impl Scratch {
    /// Sizes the memo tables for `engine` and starts a new request epoch.
    #[inline]
    fn fit(&mut self, engine: &Engine) {
        if self.engine != engine.id || self.key_memo.len() != engine.table.keys.len() {
            self.refit(engine);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.restart_epochs();
        }
    }

    /// Forgets what was kept for another engine and sizes the key memo.
    #[cold]
    #[inline(never)]
    fn refit(&mut self, engine: &Engine) {
        if self.engine != engine.id {
            self.engine = engine.id;
            self.action_valid = false;
            self.plans.clear();
            self.seen.keys.clear();
        }
        let keys = engine.table.keys.len();
        if self.key_memo.len() != keys {
            self.key_memo = KeyMemo::new(keys);
        }
    }

    /// Clears the per-request memos when the epoch counter wraps.
    #[cold]
    #[inline(never)]
    fn restart_epochs(&mut self) {
        self.memo.preds.clear();
        self.memo.resources.clear();
        self.key_memo.clear();
        self.epoch = 1;
        self.action_valid = false;
    }

    /// Lower-cases the action and finds its class (or matches the wildcard
    /// patterns into `action_bits`); the last action is remembered, so a
    /// stream of one action pays this once.
    fn set_action(&mut self, engine: &Engine, action: &str) {
        if self.action_valid && crate::text::lower_eq(action, &self.action) {
            return;
        }
        lower_into(action, &mut self.action);
        let t = &engine.table;
        self.action_known = t.actions.known.get(&t.text, self.action.as_str()).copied();
        if self.action_known.is_none() {
            self.action_bits.clear();
            self.action_bits.resize(engine.words, 0);
            for (i, p) in t.actions.patterns.iter().enumerate() {
                if !matches!(p, Program::Exact(_))
                    && p.matches(t, &self.action, &mut self.work.bufs)
                {
                    if let Some(w) = self.action_bits.get_mut(i / 64) {
                        *w |= 1u64 << (i % 64);
                    }
                }
            }
        }
        self.action_valid = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When the epoch counter wraps, what was memoised under the epochs
    /// about to be reused is forgotten (a stale answer would otherwise be
    /// read as this request's).
    #[test]
    fn epochs_restart_when_the_counter_wraps() {
        let engine = Engine::new(Table::default()).unwrap();
        let mut s = engine.scratch();
        s.fit(&engine);
        // Answers memoised under epoch 1, the one a wrap comes back to.
        s.memo.preds.set(7, 1, true);
        s.memo.resources.set(9, 1, false);
        assert_eq!(s.memo.preds.get(7, 1), Some(true));
        s.epoch = u32::MAX;
        s.fit(&engine);
        assert_eq!(s.epoch, 1);
        assert_eq!(s.memo.preds.get(7, 1), None);
        assert_eq!(s.memo.resources.get(9, 1), None);
        // Another engine: the scratch forgets the first one's plans.
        let other = Engine::new(Table::default()).unwrap();
        s.fit(&other);
        assert_eq!(s.engine, other.id);
    }

    /// The operators' sets of orderings are the operators.
    #[test]
    fn comparisons_accept_their_orderings() {
        use std::cmp::Ordering::{self, Equal, Greater, Less};
        let expected = |cmp: Cmp, ord: Ordering| match cmp {
            Cmp::Eq => ord == Equal,
            Cmp::Lt => ord == Less,
            Cmp::Le => ord != Greater,
            Cmp::Gt => ord == Greater,
            Cmp::Ge => ord != Less,
        };
        for cmp in [Cmp::Eq, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge] {
            for ord in [Less, Equal, Greater] {
                assert_eq!(
                    compare(cmp, Some(ord)),
                    expected(cmp, ord),
                    "{cmp:?} {ord:?}"
                );
            }
            assert!(!compare(cmp, None), "{cmp:?} with no ordering");
        }
    }
}
