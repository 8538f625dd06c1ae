//! Plans: everything a check can work out from the principal, the action,
//! the resource and the session policy alone, kept in the caller's
//! [`crate::Scratch`] so that the next request with the same four strings
//! goes straight to its conditions.
//!
//! A plan holds who the caller is (kind, account, role, stored entries),
//! the resource's account and kind, and, for every policy of every layer the
//! request meets, the statements whose action, principal and (fixed)
//! resource patterns match: the only statements whose conditions can still
//! decide. Resource patterns with policy variables depend on the request's
//! context, so their statements stay in the plan and are matched per
//! request. Building a plan is the structural half of a check (a walk over
//! the layers' policies); answering from one is a handful of predicate tests
//! over the plan's own copies of the predicates, their values
//! ([`crate::values`]) and the caller's and resource's tags, so a warm check
//! reads the plan and the request and nothing of a table that may span
//! gigabytes. A predicate that reads only derived keys carries its answer
//! ([`Fixed`]), good for every request whose context does not carry them.
//!
//! The cache is bounded, like the lazy DFA cache of regex-automata's hybrid
//! engine: when it holds its capacity of plans (or its text and statement
//! budgets are spent) it is cleared and refilled, and its vectors keep their
//! capacity, so a warm scratch space never allocates. A capacity of zero
//! keeps no plan: every check builds its plan afresh (the uncached path,
//! which the benches report next to the cached one).

use crate::decision::{CheckError, Layer, Outcome};
use crate::engine::{CallerCode, Kind, Naming};
use crate::glob::Program;
use crate::hash::FastMap;
use crate::table::{
    Effect, GlobValue, PredicateCode, ResourceKind, StatementCode, Table, Test, TextValue,
};
use crate::text::Cidr;
use crate::text::{last_word, le_word, word_at};
use crate::values::Values;

/// The number of plans a scratch space keeps by default.
pub const DEFAULT_PLANS: usize = 8192;

/// Text bytes and entries a cache may hold per plan of capacity
/// before it is cleared.
const TEXT_PER_PLAN: usize = 256;
const ENTRIES_PER_PLAN: usize = 64;

/// The most predicates a plan compares pairwise for shared ids.
const SHARED_SCAN: usize = 64;

/// The most conditions a statement may have for plans to share its copied
/// predicates (two bits of answers ahead per condition in a word).
const SHARED_LIST: usize = 32;

/// A range in one of the cache's vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One statement that may apply: its action, principal and fixed resource
/// patterns match.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    /// The statement id in the table.
    pub(crate) id: u32,
    /// The store policy id (for the decision's hits).
    pub(crate) policy: u32,
    /// Its index in its policy.
    pub(crate) index: u32,
    /// Its condition predicates, in the cache's predicate list.
    pub(crate) preds: Span,
    /// The layer it was met in.
    pub(crate) layer: Layer,
    /// How its principal element names the caller.
    pub(crate) naming: Naming,
    /// Whether its resource patterns need the request (policy variables).
    pub(crate) dynamic: bool,
}

impl Entry {
    /// Whether it applies whatever the request's context: no conditions,
    /// no resource pattern waiting for a variable.
    fn unconditional(&self) -> bool {
        self.preds.start == self.preds.end && !self.dynamic
    }
}

/// The static half of a request.
///
/// Laid out for the warm check: the first cache line holds what finding
/// the plan reads (its hash, the key's lengths and where its text lies)
/// and the entry lists, flags and caller's kind deciding reads first; the
/// caller, the boundary's and session policy's lists, and the strings and
/// tags that conditions may ask for follow (a check reads those only when
/// it reaches them).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(crate) struct Plan {
    hash: u64,
    /// The principal, action and resource, one after the other, in the
    /// cache's text.
    key: Span,
    principal_len: u32,
    action_len: u32,
    /// Every deny that may apply, in every layer, in order.
    pub(crate) denies: Span,
    /// The SCP levels whose allows depend on the request (each a span of
    /// entries, in the level list); levels with an unconditional allow are
    /// left out.
    pub(crate) scp_levels: Span,
    /// The allows of the resource's policies.
    pub(crate) resource_allows: Span,
    /// The allows of the caller's identity policies.
    pub(crate) identity_allows: Span,
    /// A KMS key, or an IAM role under an `sts:` action.
    pub(crate) resource_policy_required: bool,
    /// Whether the caller's account owns the resource (a resource with no
    /// account is the caller's; a service has no account).
    pub(crate) same_account: bool,
    /// The caller's kind (also in `caller`, a cache line further on).
    pub(crate) kind: Kind,
    session_name: Option<Span>,
    /// The caller, as ranges of the principal string.
    pub(crate) caller: CallerCode,
    /// The boundary's allows, when a boundary applies and none of its
    /// allows is unconditional.
    pub(crate) boundary: Option<Span>,
    /// The session policy's allows, likewise.
    pub(crate) session: Option<Span>,
    /// The role ARN of a role session, in the cache's text.
    pub(crate) role_arn: Option<Span>,
    /// The caller's stored entry (the role's for a session).
    pub(crate) principal_code: Option<u32>,
    /// The resource's account, in the cache's text.
    pub(crate) resource_account: Option<Span>,
    /// The caller's and the resource's tags (key id, value in the cache's
    /// text), in the cache's tag list: a check that reads a tag reads the
    /// plan, not the store's entries.
    pub(crate) principal_tags: Span,
    pub(crate) resource_tags: Span,
    /// The number of the [`crate::CallKey`] whose strings the plan was last
    /// found or built for (0: none): a request naming
    /// that key finds it without comparing strings.
    call: u64,
}

// Three cache lines.
const _: () = assert!(std::mem::size_of::<Plan>() == 192);

/// The plans of one scratch space.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlanCache {
    capacity: usize,
    /// Open addressing: 0 is empty, otherwise 1 + a plan index.
    slots: Vec<u32>,
    plans: Vec<Plan>,
    text: String,
    levels: Vec<Span>,
    entries: Vec<Entry>,
    /// The allows of the plan being built, until its denies are all in
    /// `entries` (kept for its capacity).
    staged: Vec<Entry>,
    /// Condition predicates of the entries, copied out of the table, so a
    /// check reads them from the plan (hot) rather than from a table that
    /// may span gigabytes.
    preds: Vec<PlanPredicate>,
    /// The predicate lists copied so far, by the statement's condition
    /// list in the table and their answers ahead: plans whose entries
    /// share a statement (a fleet's managed policies) share its copies,
    /// so the predicates checks read stay few and near one another.
    lists: FastMap<(u32, u32, u64), Span>,
    values: Values,
    /// Tags of the plans' callers and resources, sorted by key id within
    /// each plan's spans.
    tags: Vec<(u32, Span)>,
}

/// The four strings that identify a plan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PlanKey<'r> {
    pub(crate) principal: &'r str,
    pub(crate) action: &'r str,
    pub(crate) resource: &'r str,
    pub(crate) session: Option<&'r str>,
}

impl PlanKey<'_> {
    /// The key's hash, for [`PlanCache::find`] and [`PlanCache::build`]:
    /// each string absorbed in its own chain (sixteen bytes per folded
    /// multiply: the low and high halves of a 64 x 64-bit product, xored,
    /// as foldhash and rapidhash mix, then its length), and the chains
    /// folded together. Separate chains, because each multiply waits on
    /// the one before it in its chain: one chain through all the strings
    /// made every check wait for a dozen multiplies in a row. A cache only
    /// needs the hash to spread keys: a hit compares the strings.
    #[inline(always)]
    pub(crate) fn digest(&self) -> u64 {
        let principal = absorb(SEED, self.principal.as_bytes());
        let action = absorb(SEED ^ ACTION_LANE, self.action.as_bytes());
        let resource = absorb(SEED ^ RESOURCE_LANE, self.resource.as_bytes());
        let session = match self.session {
            Some(s) => absorb(SEED ^ SESSION_LANE, s.as_bytes()),
            None => 0,
        };
        fold(
            fold(principal ^ SECRET, resource ^ FOLD) ^ action,
            session ^ FOLD,
        )
    }
}

/// The high and low halves of `a * b`, xored.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// `bytes` mixed into `h`, sixteen bytes per folded multiply (a tail is
/// read as the last sixteen bytes, overlapping the previous ones, or in
/// one fold when the string is shorter),
/// then its length added: the next string's first fold, or the digest's
/// last, mixes it.
#[inline]
fn absorb(mut h: u64, bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let mut pairs = bytes.chunks_exact(16);
    for pair in &mut pairs {
        let (x, y) = pair.split_at(8);
        h = fold(le_word(x) ^ h, le_word(y) ^ SECRET);
    }
    if pairs.remainder().is_empty() {
        // Nothing left.
    } else if let Some(last) = bytes.last_chunk::<16>() {
        let (x, y) = last.split_at(8);
        h = fold(le_word(x) ^ h, le_word(y) ^ SECRET);
    } else if n > 8 {
        // Two overlapping words cover nine to fifteen bytes.
        h = fold(word_at(bytes, 0) ^ h, last_word(bytes) ^ SECRET);
    } else {
        h = fold(le_word(bytes) ^ h, SECRET ^ 0xff);
    }
    h.wrapping_add(n as u64)
}

/// Whether `a` and `b` hold the same bytes; eight to sixteen bytes (most
/// actions) as two overlapping words, without a call.
#[inline]
fn same_short(a: &[u8], b: &[u8]) -> bool {
    match (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        (Some(x), Some(y)) if a.len() == b.len() && a.len() <= 16 => {
            x == y && last_word(a) == last_word(b)
        }
        _ => a == b,
    }
}

const SEED: u64 = 0x243f_6a88_85a3_08d3;
const SECRET: u64 = 0x1319_8a2e_0370_7344;
const FOLD: u64 = 0x9e37_79b9_7f4a_7c15;
/// Seeds of the action's, the resource's and the session policy's chains.
const ACTION_LANE: u64 = 0xa409_3822_299f_31d0;
const RESOURCE_LANE: u64 = 0x082e_fa98_ec4e_6c89;
const SESSION_LANE: u64 = 0x4528_21e6_38d0_1377;

impl PlanCache {
    /// A cache keeping up to `capacity` plans (0: none).
    pub(crate) fn new(capacity: usize) -> PlanCache {
        let slots = if capacity == 0 {
            0
        } else {
            (capacity * 2).next_power_of_two()
        };
        PlanCache {
            capacity,
            slots: vec![0; slots],
            ..PlanCache::default()
        }
    }

    /// Forgets every plan (the engine changed), keeping capacity.
    pub(crate) fn clear(&mut self) {
        self.plans.clear();
        self.text.clear();
        self.levels.clear();
        self.entries.clear();
        self.preds.clear();
        self.lists.clear();
        self.values.clear();
        self.tags.clear();
        self.slots.fill(0);
    }

    fn text(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// A text span of the cache as a string.
    pub(crate) fn str(&self, span: Option<Span>) -> Option<&str> {
        span.map(|s| self.text(s))
    }

    /// The number of the plan for `key`, if kept (inlined into both ways
    /// of answering: out of line, every check paid the call).
    #[inline(always)]
    pub(crate) fn find(&self, key: &PlanKey<'_>, hash: u64) -> Option<u32> {
        self.probe(hash, &ByKey(key))
    }

    /// The number of the plan kept under call key number `call`, whose
    /// hash is `hash`, if any: [`PlanCache::find`] with the key's number
    /// standing for its strings, none compared (the key vouches for them:
    /// [`crate::CallKey`]).
    #[inline(always)]
    pub(crate) fn find_call(&self, hash: u64, call: u64) -> Option<u32> {
        self.probe(hash, &ByCall(call))
    }

    /// The first plan of hash `hash` that `wanted` takes, along the open
    /// addressing's probe sequence.
    #[inline(always)]
    fn probe(&self, hash: u64, wanted: &impl Wanted) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = (hash as usize) & mask;
        loop {
            let slot = *self.slots.get(i)?;
            let index = slot.checked_sub(1)?;
            let plan = self.plans.get(index as usize)?;
            if plan.hash == hash && wanted.takes(self, plan) {
                return Some(index);
            }
            i = (i + 1) & mask;
        }
    }

    /// Keeps plan `i` under call key number `call` (its strings are the
    /// plan's key: the plan was just found or built for them).
    #[inline]
    pub(crate) fn name(&mut self, i: u32, call: u64) {
        if let Some(plan) = self.plans.get_mut(i as usize) {
            plan.call = call;
        }
    }

    /// Whether `plan` was built for `key`: the lengths first, then the
    /// bytes.
    #[inline(always)]
    fn same_key(&self, plan: &Plan, key: &PlanKey<'_>, text: &[u8]) -> bool {
        let (p, a) = (plan.principal_len as usize, plan.action_len as usize);
        if key.principal.len() != p || key.action.len() != a {
            return false;
        }
        let Some(stored) = text.get(plan.key.range()) else {
            return false;
        };
        if stored.len() != p + a + key.resource.len() {
            return false;
        }
        let Some((principal, rest)) = stored.split_at_checked(p) else {
            return false;
        };
        let Some((action, resource)) = rest.split_at_checked(a) else {
            return false;
        };
        same_short(action, key.action.as_bytes())
            && principal == key.principal.as_bytes()
            && resource == key.resource.as_bytes()
            && match (plan.session_name, key.session) {
                (None, None) => true,
                (Some(s), Some(k)) => self.text(s) == k,
                _ => false,
            }
    }

    /// Plan number `i`.
    #[inline]
    pub(crate) fn plan(&self, i: u32) -> Option<&Plan> {
        self.plans.get(i as usize)
    }

    /// Empties the cache if it is full or over budget, keeping capacity.
    fn make_room(&mut self) {
        let full = self.plans.len() >= self.capacity
            || self.text.len() > self.capacity.saturating_mul(TEXT_PER_PLAN)
            || self.entries.len() > self.capacity.saturating_mul(ENTRIES_PER_PLAN)
            || self.tags.len() > self.capacity.saturating_mul(ENTRIES_PER_PLAN)
            || self.values.size() > self.capacity.saturating_mul(TEXT_PER_PLAN);
        if full {
            self.clear();
        }
    }

    fn push_text(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        span(start, self.text.len())
    }

    /// Keeps a finished plan under its key (when the cache keeps plans);
    /// its number.
    fn insert(&mut self, plan: Plan) -> u32 {
        let index = self.plans.len();
        self.plans.push(plan);
        if let Some(mask) = self.slots.len().checked_sub(1) {
            let mut i = (plan.hash as usize) & mask;
            while let Some(slot) = self.slots.get_mut(i) {
                if *slot == 0 {
                    *slot = u32::try_from(index + 1).unwrap_or(0);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        u32::try_from(index).unwrap_or(u32::MAX)
    }

    /// The entries of a span.
    pub(crate) fn entries(&self, g: Span) -> &[Entry] {
        self.entries.get(g.range()).unwrap_or(&[])
    }

    /// The predicates of an entry.
    pub(crate) fn preds(&self, e: &Entry) -> &[PlanPredicate] {
        self.preds.get(e.preds.range()).unwrap_or(&[])
    }

    /// The arenas of the predicates' copied values.
    pub(crate) fn values(&self) -> &Table {
        &self.values.arenas
    }

    /// A plan's tags.
    pub(crate) fn tags(&self, g: Span) -> &[(u32, Span)] {
        self.tags.get(g.range()).unwrap_or(&[])
    }

    /// The value of tag `key` among `tags` (a plan's span), if there.
    pub(crate) fn tag(&self, tags: Span, key: u32) -> Option<&str> {
        crate::table::tag_value(self.tags(tags), key).map(|v| self.text(v))
    }

    /// Copies a store entry's tags into the cache.
    fn push_tags(&mut self, t: &Table, tags: Option<crate::table::Tags>) -> Span {
        let start = self.tags.len();
        for (k, v) in tags.map_or(&[][..], |g| t.tags(g)) {
            let v = self.push_text(t.str(*v));
            self.tags.push((*k, v));
        }
        span(start, self.tags.len())
    }

    /// The SCP levels to check.
    pub(crate) fn levels(&self, l: Span) -> &[Span] {
        self.levels.get(l.range()).unwrap_or(&[])
    }
}

/// Which plan of the right hash a probe takes. A trait rather than a
/// closure: a closure's body was left out of line, and with it the key's
/// comparison on every check.
trait Wanted {
    fn takes(&self, cache: &PlanCache, plan: &Plan) -> bool;
}

/// The plan built for these strings.
struct ByKey<'k, 'r>(&'k PlanKey<'r>);

impl Wanted for ByKey<'_, '_> {
    #[inline(always)]
    fn takes(&self, cache: &PlanCache, plan: &Plan) -> bool {
        cache.same_key(plan, self.0, cache.text.as_bytes())
    }
}

/// The plan kept under this call key number.
struct ByCall(u64);

impl Wanted for ByCall {
    #[inline(always)]
    fn takes(&self, _: &PlanCache, plan: &Plan) -> bool {
        plan.call == self.0
    }
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: u32::try_from(start).unwrap_or(u32::MAX),
        end: u32::try_from(end).unwrap_or(u32::MAX),
    }
}

/// What the builder needs from the check path: the structural test of a
/// statement (`None` when it cannot apply; otherwise its naming and whether
/// its resource needs the request), and a predicate's answer when it reads
/// only keys the engine derives from the plan's principal and resource.
pub(crate) trait Structure {
    fn structural(&mut self, st: &StatementCode) -> Option<(Naming, bool)>;
    fn fixed(&mut self, p: &PredicateCode) -> Option<Fixed>;
}

/// A condition predicate of a plan.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
pub(crate) struct PlanPredicate {
    /// Its id in the table (for the per-request memo).
    pub(crate) id: u32,
    /// The predicate, its values in the cache's arenas when `copied`.
    pub(crate) code: PredicateCode,
    pub(crate) copied: bool,
    /// Whether another predicate of its plan has its id, so its answer is
    /// worth keeping for the request (see [`PlanCache::mark_shared`]).
    pub(crate) shared: bool,
    /// Its answer for a request that carries none of `keys`.
    pub(crate) fixed: Option<Fixed>,
    /// The same test in a form a check answers inline, when it has one.
    pub(crate) quick: Option<Quick>,
}

// A plan's predicate fills one cache line's worth of bytes.
const _: () = assert!(std::mem::size_of::<PlanPredicate>() == 64);

/// The longest literal a [`Quick`] test keeps inline.
const QUICK_TEXT: usize = 22;

/// A predicate without a set qualifier whose one value is a literal, a
/// date or an IPv4 block: the plan keeps the value itself, so a check
/// tests the request's values against it without reading the plan's value
/// arenas or going through the general value test. Each variant is the
/// positive test of one request value, exactly as [`Test`] defines it for
/// its one value (the predicate's `negated`, `if_exists` and key still
/// apply around it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quick {
    /// `StringEquals` (and `BinaryEquals`): the value's bytes are these.
    Exact(Inline),
    /// `StringLike` with one final `*`: the value starts with these.
    Prefix(Inline),
    /// `StringLike` with one leading `*`: the value ends with these.
    Suffix(Inline),
    /// `Date*`: the value read as a date compares to this instant (its low
    /// and high halves, so the variant stays eight-byte aligned) in one of
    /// the orderings the operator accepts ([`Cmp::accepts`]).
    Date { accepts: u8, at: [u64; 2] },
    /// `IpAddress`: the value read as an IPv4 address is in this block.
    Ipv4 { net: u32, mask: u32 },
}

/// Up to [`QUICK_TEXT`] bytes, kept inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Inline {
    len: u8,
    bytes: [u8; QUICK_TEXT],
}

impl Inline {
    fn new(text: &[u8]) -> Option<Inline> {
        let mut bytes = [0; QUICK_TEXT];
        bytes.get_mut(..text.len())?.copy_from_slice(text);
        Some(Inline {
            len: u8::try_from(text.len()).ok()?,
            bytes,
        })
    }

    /// The bytes kept.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl Quick {
    /// The inline form of `code` (its values in `values`), if it has one.
    fn of(code: &PredicateCode, values: &Table) -> Option<Quick> {
        if code.qualifier.is_some() {
            return None;
        }
        let text = |s| Inline::new(values.bytes(s));
        match code.test {
            Test::Equals(vs) => match values.text_values(vs) {
                [TextValue::Text(s)] => text(*s).map(Quick::Exact),
                _ => None,
            },
            Test::Binary(vs) => match values.words(vs) {
                [s] => text(*s).map(Quick::Exact),
                _ => None,
            },
            Test::Like(vs) => match values.glob_values(vs) {
                [GlobValue::Fixed(Program::Exact(s))] => text(*s).map(Quick::Exact),
                [GlobValue::Fixed(Program::Prefix(s))] => text(*s).map(Quick::Prefix),
                [GlobValue::Fixed(Program::Suffix(s))] => text(*s).map(Quick::Suffix),
                _ => None,
            },
            Test::Date(cmp, vs) => match values.dates(vs) {
                [Some(at)] => {
                    let b = *at as u128;
                    Some(Quick::Date {
                        accepts: cmp.accepts(),
                        at: [b as u64, (b >> 64) as u64],
                    })
                }
                _ => None,
            },
            Test::Ip(vs) => match values.cidrs(vs) {
                [Some(Cidr::V4 { net, mask })] => Some(Quick::Ipv4 {
                    net: *net,
                    mask: *mask,
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The answer of a predicate that reads only derived keys (its key and its
/// values' variables: at most two), worked out when its plan was built.
/// It is the answer whenever the request's context carries neither key: a
/// context's own value of a key comes before the derived one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fixed {
    pub(crate) result: bool,
    pub(crate) keys: [u32; 2],
}

/// The static facts the check path worked out for a request, for
/// [`PlanCache::build`] to keep.
pub(crate) struct Facts<'a> {
    pub(crate) caller: CallerCode,
    /// The caller's account (none for a service) and its ARN's resource
    /// part, as the check path read them.
    pub(crate) caller_account: Option<&'a str>,
    pub(crate) caller_resource: &'a str,
    pub(crate) role_arn: Option<&'a str>,
    pub(crate) principal_code: Option<u32>,
    pub(crate) resource_code: Option<u32>,
    pub(crate) resource_account: Option<&'a str>,
    pub(crate) resource_policy_required: bool,
    pub(crate) session: Option<u32>,
    /// The action's signature
    /// ([`crate::table::ActionTable::request_signature`]).
    pub(crate) actions: u64,
}

/// Which statements of a layer's policies a walk keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Denies only (resource control policies).
    Denies,
    /// Denies, and allows.
    Both,
    /// Denies, and allows unless one of them is unconditional (the layer
    /// then allows whatever the context: its allows are dropped, so a walk
    /// stops looking for more once it meets one).
    MustAllow,
}

impl PlanCache {
    /// Builds and keeps the plan for `key` from `facts`, filtering every
    /// layer's statements through `s`.
    ///
    /// One walk per layer: its denies go straight to the entries, its
    /// allows to a staging list that follows the denies once every layer
    /// is walked (the plan keeps all denies first, then the allows layer by
    /// layer). Entries hold their condition ids until then; the
    /// predicates are copied last, only for entries the plan keeps.
    pub(crate) fn build(
        &mut self,
        t: &Table,
        key: &PlanKey<'_>,
        hash: u64,
        facts: &Facts<'_>,
        s: &mut impl Structure,
    ) -> u32 {
        self.make_room();
        // A cache that keeps no plan never finds one: no key to keep.
        let keep = self.capacity > 0;
        let key_start = self.text.len();
        if keep {
            self.text.push_str(key.principal);
            self.text.push_str(key.action);
            self.text.push_str(key.resource);
        }
        let key_text = span(key_start, self.text.len());
        let session_name = key.session.filter(|_| keep).map(|n| self.push_text(n));
        let role_arn = facts.role_arn.map(|r| self.push_text(r));
        let resource_account = facts.resource_account.map(|a| self.push_text(a));
        let principal_code = facts
            .principal_code
            .and_then(|i| t.principals.get(i as usize));
        let resource_code = facts
            .resource_code
            .and_then(|i| t.resources.get(i as usize));
        let principal_tags = self.push_tags(t, principal_code.map(|p| p.tags));
        let resource_tags = self.push_tags(t, resource_code.map(|r| r.tags));
        let preds_start = self.preds.len();

        let kind = facts.caller.kind();
        let caller_account = facts.caller_account;
        let service = kind == Kind::Service;
        let account_code = |a: Option<&str>| {
            a.and_then(|a| t.account_index.get(&t.text, a))
                .and_then(|i| t.accounts.get(*i as usize))
        };
        let rcp_key = facts.resource_account.or(caller_account);
        let rcp_account = account_code(rcp_key);
        // Service-linked roles (path `/aws-service-role/`) are beyond SCPs;
        // a session's ARN does not carry its role's path, so only stored
        // roles are known to be service-linked.
        let service_linked = match kind {
            Kind::RoleSession => principal_code.is_some_and(|p| p.service_linked),
            Kind::Service => false,
            _ => facts.caller_resource.starts_with("role/aws-service-role/"),
        };
        let scp_account = if service || service_linked {
            None
        } else if rcp_key == caller_account {
            rcp_account
        } else {
            account_code(caller_account)
        };

        let resource_policies: &[u32] = resource_code.map_or(&[], |r| t.ids(r.policies));
        let identity: &[u32] = principal_code.map_or(&[], |p| t.ids(p.policies));
        let boundary = principal_code.and_then(|p| p.boundary);

        // Denies, layer by layer, as the spec collects them; the allows
        // staged in the same walks, in the order the plan keeps them.
        let sig = facts.actions;
        let denies_start = self.entries.len();
        self.staged.clear();
        if let Some(a) = rcp_account {
            for level in &a.rcps {
                self.walk(t, Layer::Rcp, level, Walk::Denies, sig, s);
            }
        }
        // SCP levels whose allows depend on the request (their spans in
        // the staging list until it follows the denies).
        let levels_start = self.levels.len();
        if let Some(a) = scp_account {
            for level in &a.scps {
                if let Some(g) = self.walk(t, Layer::Scp, level, Walk::MustAllow, sig, s) {
                    self.levels.push(g);
                }
            }
        }
        let resource_allows = self.walk(t, Layer::Resource, resource_policies, Walk::Both, sig, s);
        let identity_allows = self.walk(t, Layer::Identity, identity, Walk::Both, sig, s);
        let boundary =
            boundary.and_then(|b| self.walk(t, Layer::Boundary, &[b], Walk::MustAllow, sig, s));
        let session = facts
            .session
            .and_then(|p| self.walk(t, Layer::Session, &[p], Walk::MustAllow, sig, s));
        let denies = span(denies_start, self.entries.len());

        // The allows follow the denies; then every kept entry's predicates.
        let base = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let moved = |g: Span| Span {
            start: g.start.saturating_add(base),
            end: g.end.saturating_add(base),
        };
        self.entries.extend_from_slice(&self.staged);
        for g in self.levels.get_mut(levels_start..).unwrap_or(&mut []) {
            *g = moved(*g);
        }
        let scp_levels = span(levels_start, self.levels.len());
        self.copy_predicates(t, denies_start, keep, s);

        let same_account = match (caller_account, facts.resource_account) {
            (Some(p), Some(r)) => p == r,
            (Some(_), None) => true,
            (None, _) => false,
        };
        self.mark_shared(preds_start);
        let plan = Plan {
            hash,
            key: key_text,
            principal_len: u32::try_from(key.principal.len()).unwrap_or(u32::MAX),
            action_len: u32::try_from(key.action.len()).unwrap_or(u32::MAX),
            session_name,
            caller: facts.caller,
            role_arn,
            principal_code: facts.principal_code,
            resource_account,
            principal_tags,
            resource_tags,
            call: 0,
            resource_policy_required: facts.resource_policy_required,
            same_account,
            kind,
            denies,
            scp_levels,
            resource_allows: moved(resource_allows.unwrap_or_default()),
            identity_allows: moved(identity_allows.unwrap_or_default()),
            boundary: boundary.map(moved),
            session: session.map(moved),
        };
        self.insert(plan)
    }

    /// Marks which of the predicates from `first` on share their id with
    /// another of them: only those keep their answer for the request (a
    /// predicate met once is answered once). Past [`SHARED_SCAN`]
    /// predicates every one keeps it, so a plan's build stays linear.
    fn mark_shared(&mut self, first: usize) {
        let Some(preds) = self.preds.get_mut(first..) else {
            return;
        };
        if preds.len() > SHARED_SCAN {
            return;
        }
        for i in 0..preds.len() {
            let id = preds.get(i).map_or(u32::MAX, |p| p.id);
            let shared = preds.iter().enumerate().any(|(j, p)| j != i && p.id == id);
            if let Some(p) = preds.get_mut(i) {
                p.shared = shared;
            }
        }
    }

    /// Walks `policies`' statements that may apply (their action,
    /// principal and fixed resource patterns match): denies to the
    /// entries, allows (unless `walk` is [`Walk::Denies`]) to the staging
    /// list, each entry's `preds` holding its statement's condition ids
    /// (see [`PlanCache::copy_predicates`]). The span of the allows staged,
    /// or, for [`Walk::MustAllow`], `None` when one of them is
    /// unconditional (nothing staged then) and for [`Walk::Denies`].
    fn walk(
        &mut self,
        t: &Table,
        layer: Layer,
        policies: &[u32],
        walk: Walk,
        sig: u64,
        s: &mut impl Structure,
    ) -> Option<Span> {
        let staged = self.staged.len();
        let mut want_allows = walk != Walk::Denies;
        for &policy in policies {
            let Some(body) = t
                .policies
                .get(policy as usize)
                .and_then(|p| t.bodies.get(p.body as usize))
            else {
                continue;
            };
            // The effects whose statements may match the action at all.
            let deny = body.deny_actions & sig != 0;
            let allow = want_allows && body.allow_actions & sig != 0;
            if !(deny || allow) {
                continue;
            }
            let first = body.first as usize;
            let statements = t
                .statements
                .get(first..first.saturating_add(body.len as usize))
                .unwrap_or(&[]);
            for (id, st) in (first..).zip(statements) {
                let wanted = match st.effect {
                    Effect::Deny => deny,
                    Effect::Allow => allow && want_allows,
                };
                if !wanted || st.actions & sig == 0 {
                    continue;
                }
                let Some((naming, dynamic)) = s.structural(st) else {
                    continue;
                };
                let entry = Entry {
                    id: u32::try_from(id).unwrap_or(u32::MAX),
                    policy,
                    index: st.index,
                    preds: Span {
                        start: st.conditions.start,
                        end: st.conditions.end,
                    },
                    layer,
                    naming,
                    dynamic,
                };
                match st.effect {
                    Effect::Deny => self.entries.push(entry),
                    Effect::Allow => {
                        if walk == Walk::MustAllow && entry.unconditional() {
                            // The layer allows whatever the context.
                            want_allows = false;
                            self.staged.truncate(staged);
                        } else {
                            self.staged.push(entry);
                        }
                    }
                }
            }
        }
        want_allows.then(|| span(staged, self.staged.len()))
    }

    /// Replaces the condition ids of the entries from `from` on with their
    /// predicates, copied (with their values, when `keep`: a plan that
    /// stays is answered from the cache's own copies) into the cache's
    /// predicate list.
    fn copy_predicates(&mut self, t: &Table, from: usize, keep: bool, s: &mut impl Structure) {
        for i in from..self.entries.len() {
            let Some(e) = self.entries.get(i) else { break };
            let listed = e.preds;
            let conditions = t.lists.get(listed.range()).unwrap_or(&[]);
            // What a predicate's copy depends on beyond its id: whether it
            // has an answer ahead, and which (two bits per predicate).
            // (A plan answered once gains nothing from an answer worked
            // out ahead: its check reads the key.)
            let answer = |c: u32, s: &mut _| {
                let p = t.predicates.get(c as usize).filter(|_| keep)?;
                Structure::fixed(s, p)
            };
            let mut fixed = [None; SHARED_LIST];
            let mut answers = 0u64;
            let shareable = keep && conditions.len() <= SHARED_LIST;
            if shareable {
                for ((&c, f), bits) in conditions.iter().zip(&mut fixed).zip((0..).step_by(2)) {
                    *f = answer(c, s);
                    answers |= f.map_or(0, |f| 1 + u64::from(f.result)) << bits;
                }
            }
            let shape = (listed.start, listed.end, answers);
            // A plan answered once (no plans kept) looks nothing up.
            let kept = if shareable {
                self.lists.get(&shape).copied()
            } else {
                None
            };
            let preds = match kept {
                Some(preds) => preds,
                None => {
                    let first = self.preds.len();
                    for (j, &c) in conditions.iter().enumerate() {
                        let fixed = match fixed.get(j) {
                            Some(f) if shareable => *f,
                            _ => answer(c, s),
                        };
                        let pred = self.copy_predicate(t, c, keep, fixed);
                        self.preds.push(pred);
                    }
                    let preds = span(first, self.preds.len());
                    if shareable {
                        self.lists.insert(shape, preds);
                    }
                    preds
                }
            };
            if let Some(e) = self.entries.get_mut(i) {
                e.preds = preds;
            }
        }
    }

    /// The plan's copy of predicate `c` (its answer ahead `fixed`).
    fn copy_predicate(
        &mut self,
        t: &Table,
        c: u32,
        keep: bool,
        fixed: Option<Fixed>,
    ) -> PlanPredicate {
        let Some(p) = t.predicates.get(c as usize) else {
            // A dangling predicate id (refused by validation): the
            // statement can never apply.
            return NEVER;
        };
        let quick = if keep { Quick::of(p, t) } else { None };
        // A quick test keeps its value inline.
        let copy = if keep && quick.is_none() {
            self.values.copy(t, p.test)
        } else {
            None
        };
        let (code, copied) = match copy {
            Some(test) => (PredicateCode { test, ..*p }, true),
            None => (*p, false),
        };
        PlanPredicate {
            id: c,
            code,
            copied,
            shared: true,
            fixed,
            quick,
        }
    }
}

/// A predicate that never holds: a `Null` test with neither answer, of a
/// key no request carries and no table holds.
const NEVER: PlanPredicate = PlanPredicate {
    id: u32::MAX,
    code: PredicateCode {
        key: u32::MAX,
        qualifier: None,
        if_exists: false,
        negated: false,
        test: crate::table::Test::Null {
            when_missing: false,
            when_present: false,
        },
    },
    copied: false,
    shared: true,
    fixed: None,
    quick: None,
};

/// Whether the resource's own policy must allow even within the account.
pub(crate) fn resource_policy_required(kind: ResourceKind, lower_action: &str) -> bool {
    match kind {
        ResourceKind::KmsKey => true,
        ResourceKind::IamRole => lower_action.starts_with("sts:"),
        ResourceKind::Other => false,
    }
}

/// The check-time half: whether an entry of the plan applies to this
/// request (its resource patterns with variables and its conditions).
pub(crate) trait Conditions {
    fn holds(&mut self, cache: &PlanCache, e: &Entry) -> bool;
    fn kind(&self) -> Kind;
}

/// Pushes the applying entries of `g` as hits and returns the strongest
/// naming among them; unless `EVERY` statement is wanted, stops at the
/// first entry whose naming is at least `settled` (no later entry changes
/// the answer).
#[inline(always)]
fn grants<const EVERY: bool>(
    ev: &mut impl Conditions,
    cache: &PlanCache,
    g: Span,
    hits: &mut Vec<crate::Hit>,
    settled: Naming,
) -> Option<Naming> {
    // Many plans have no grants in a layer (a resource without policies):
    // no call for those.
    if g.start == g.end {
        return None;
    }
    walk_grants::<EVERY>(ev, cache, g, hits, settled)
}

/// [`grants`] of a layer that has some.
#[inline(never)]
fn walk_grants<const EVERY: bool>(
    ev: &mut impl Conditions,
    cache: &PlanCache,
    g: Span,
    hits: &mut Vec<crate::Hit>,
    settled: Naming,
) -> Option<Naming> {
    let mut best = None;
    for e in cache.entries(g) {
        if ev.holds(cache, e) {
            best = best.max(Some(e.naming));
            hits.push(crate::Hit {
                layer: e.layer,
                policy: e.policy,
                index: e.index,
            });
            if !EVERY && best >= Some(settled) {
                break;
            }
        }
    }
    best
}

fn any_holds(ev: &mut impl Conditions, cache: &PlanCache, g: Span) -> bool {
    cache.entries(g).iter().any(|e| ev.holds(cache, e))
}

/// The decision, from a plan: explicit denies anywhere, then every SCP
/// level, then the grants (resource and identity policies, the same- and
/// cross-account rules, the key and trust-policy exception), then the
/// boundary and the session policy.
///
/// `EVERY` records every statement that applies (the decision's
/// explanation); without it, the walk stops at the first deny, and in each
/// layer of grants at the first allow that settles the layer's answer
/// (the outcome is the same; `hits` then holds only those). A constant, so
/// each way is compiled on its own.
pub(crate) fn decide<const EVERY: bool>(
    ev: &mut impl Conditions,
    cache: &PlanCache,
    plan: &Plan,
    hits: &mut Vec<crate::Hit>,
) -> (Outcome, Option<Layer>) {
    let kind = ev.kind();

    // Explicit deny, anywhere.
    for e in cache.entries(plan.denies) {
        if ev.holds(cache, e) {
            let hit = crate::Hit {
                layer: e.layer,
                policy: e.policy,
                index: e.index,
            };
            if !hits.contains(&hit) {
                hits.push(hit);
            }
            if !EVERY {
                break;
            }
        }
    }
    if !hits.is_empty() {
        return (Outcome::ExplicitDeny, None);
    }
    // Every SCP level must allow (RCP levels only deny).
    for level in cache.levels(plan.scp_levels) {
        if !any_holds(ev, cache, *level) {
            return (Outcome::ImplicitDeny, Some(Layer::Scp));
        }
    }
    // Grants.
    // A resource policy's strongest naming decides; any identity grant
    // does.
    let strongest = grants::<EVERY>(ev, cache, plan.resource_allows, hits, Naming::Direct);
    let before = hits.len();
    grants::<EVERY>(ev, cache, plan.identity_allows, hits, Naming::Account);
    let identity_ok = hits.len() > before || kind == Kind::Root;
    if kind == Kind::Service {
        return if strongest.is_some() {
            (Outcome::Allow, None)
        } else {
            (Outcome::ImplicitDeny, Some(Layer::Resource))
        };
    }
    let same_account = plan.same_account;
    if same_account && plan.resource_policy_required {
        // A key or trust policy must allow; naming the account delegates to
        // the identity policies.
        match strongest {
            None => return (Outcome::ImplicitDeny, Some(Layer::Resource)),
            Some(Naming::Account) if !identity_ok => {
                return (Outcome::ImplicitDeny, Some(Layer::Identity));
            }
            _ => {}
        }
    }
    if same_account {
        if strongest == Some(Naming::Direct) {
            // Final: no boundary limits it; a session policy still limits a
            // grant to a user ARN, not one to the session ARN itself.
            if !matches!(kind, Kind::RoleSession | Kind::Federated) {
                if let Some(s) = plan.session {
                    if !any_holds(ev, cache, s) {
                        return (Outcome::ImplicitDeny, Some(Layer::Session));
                    }
                }
            }
            return (Outcome::Allow, None);
        }
        if !(identity_ok || strongest == Some(Naming::Broad)) {
            return (Outcome::ImplicitDeny, Some(Layer::Identity));
        }
    } else {
        if strongest.is_none() {
            return (Outcome::ImplicitDeny, Some(Layer::Resource));
        }
        if !identity_ok {
            return (Outcome::ImplicitDeny, Some(Layer::Identity));
        }
    }
    // Boundary and session policy, when present.
    if let Some(b) = plan.boundary {
        if !any_holds(ev, cache, b) {
            return (Outcome::ImplicitDeny, Some(Layer::Boundary));
        }
    }
    if let Some(s) = plan.session {
        if !any_holds(ev, cache, s) {
            return (Outcome::ImplicitDeny, Some(Layer::Session));
        }
    }
    (Outcome::Allow, None)
}

/// The errors a request's session policy can raise, before any plan.
pub(crate) fn session_policy(
    t: &Table,
    principal: &str,
    kind: Kind,
    name: Option<&str>,
) -> Result<Option<u32>, CheckError> {
    let Some(name) = name else { return Ok(None) };
    if !matches!(kind, Kind::RoleSession | Kind::Federated) {
        return Err(CheckError::SessionNotAllowed(principal.to_owned()));
    }
    let id = *t
        .policy_index
        .get(&t.text, name)
        .ok_or_else(|| CheckError::UnknownSessionPolicy(name.to_owned()))?;
    if let Some(err) = t.policies.get(id as usize).and_then(|p| p.session_error) {
        return Err(CheckError::InvalidSessionPolicy {
            policy: name.to_owned(),
            statement: err.statement,
            problem: err.problem,
        });
    }
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store where no statement can apply: plans with empty lists.
    struct Nothing;

    impl Structure for Nothing {
        fn structural(&mut self, _: &StatementCode) -> Option<(Naming, bool)> {
            None
        }

        fn fixed(&mut self, _: &PredicateCode) -> Option<Fixed> {
            None
        }
    }

    fn facts() -> Facts<'static> {
        Facts {
            caller: CallerCode::of("arn:aws:iam::111122223333:user/a").unwrap(),
            caller_account: Some("111122223333"),
            caller_resource: "user/a",
            role_arn: None,
            principal_code: None,
            resource_code: None,
            resource_account: None,
            resource_policy_required: false,
            session: None,
            actions: u64::MAX,
        }
    }

    fn key(resource: &str) -> PlanKey<'_> {
        PlanKey {
            principal: "arn:aws:iam::111122223333:user/a",
            action: "ses:SendEmail",
            resource,
            session: None,
        }
    }

    fn build(c: &mut PlanCache, k: &PlanKey<'_>) {
        c.build(&Table::default(), k, k.digest(), &facts(), &mut Nothing);
    }

    fn kept(c: &PlanCache, k: &PlanKey<'_>) -> bool {
        c.find(k, k.digest()).is_some()
    }

    #[test]
    fn plans_are_found_by_all_four_strings_and_cleared_when_full() {
        let mut c = PlanCache::new(2);
        build(&mut c, &key("a"));
        build(&mut c, &key("b"));
        assert!(kept(&c, &key("a")) && kept(&c, &key("b")));
        assert!(!kept(&c, &key("c")));
        assert!(!kept(
            &c,
            &PlanKey {
                session: Some("s"),
                ..key("a")
            }
        ));
        assert!(!kept(
            &c,
            &PlanKey {
                action: "ses:sendemail",
                ..key("a")
            }
        ));
        // Full: the next plan clears the cache first.
        build(&mut c, &key("c"));
        assert!(kept(&c, &key("c")));
        assert!(!kept(&c, &key("a")) && !kept(&c, &key("b")));
    }

    /// A plan kept under a call key's number is found by that number
    /// without its strings being compared (the key's own check vouches
    /// for them: [`crate::CallKey`]), and by its strings under any other
    /// number or none; a new plan starts under none.
    #[test]
    fn plans_kept_under_a_call_number_are_found_by_it() {
        let mut c = PlanCache::new(4);
        let a = key("a");
        build(&mut c, &a);
        let i = c.find(&a, a.digest()).unwrap();
        assert_eq!(c.find_call(a.digest(), 7), None);
        c.name(i, 7);
        assert_eq!(c.find_call(a.digest(), 7), Some(i));
        assert_eq!(c.find(&key("b"), a.digest()), None);
        assert_eq!(c.find_call(a.digest(), 8), None);
        assert_eq!(c.find(&a, a.digest()), Some(i));
        assert_eq!(c.find_call(key("b").digest(), 7), None, "another hash");
        build(&mut c, &key("b"));
        let j = c.find(&key("b"), key("b").digest()).unwrap();
        assert_eq!(c.plan(j).map(|p| p.call), Some(0));
        assert_eq!(c.find_call(key("b").digest(), 0), Some(j), "unnamed");
    }

    #[test]
    fn a_cache_of_no_plans_keeps_none() {
        let mut c = PlanCache::new(0);
        build(&mut c, &key("a"));
        assert!(!kept(&c, &key("a")));
    }

    /// Strings of every length up to three words hash (the tails are read
    /// in place, never past either end) and differ from their neighbours.
    #[test]
    fn keys_of_every_length_hash() {
        let text = "arn:aws:ses:us-east-1:111122223333:identity/x.example";
        let mut seen = std::collections::HashSet::new();
        for n in 0..=text.len() {
            let k = PlanKey {
                action: &text[..n],
                ..key("r")
            };
            assert!(seen.insert(k.digest()), "length {n}");
        }
    }

    /// Every byte of every string reaches the hash, at every length (a
    /// byte no fold read would leave two keys in one chain).
    #[test]
    fn every_byte_is_hashed() {
        let text = "arn:aws:ses:us-east-1:111122223333:identity/tenant-00001.example.com";
        for n in 1..=text.len() {
            let base = &text[..n];
            for i in 0..n {
                let mut changed = base.as_bytes().to_vec();
                changed[i] ^= 1;
                let changed = String::from_utf8(changed).unwrap();
                for (a, b) in [
                    (key(base), key(&changed)),
                    (
                        PlanKey {
                            principal: base,
                            ..key("r")
                        },
                        PlanKey {
                            principal: &changed,
                            ..key("r")
                        },
                    ),
                ] {
                    assert_ne!(a.digest(), b.digest(), "length {n}, byte {i}");
                }
            }
        }
    }

    /// Short strings compare as slices do, at every length and byte.
    #[test]
    fn short_strings_compare_whole() {
        let text = b"ses:SendTemplatedEmail";
        for n in 0..=text.len() {
            let a = &text[..n];
            assert!(same_short(a, a));
            assert!(!same_short(a, &text[..n.saturating_sub(1)]) || n == 0);
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                assert!(!same_short(a, &b), "length {n}, byte {i}");
            }
        }
    }

    #[test]
    fn keys_that_differ_anywhere_hash_apart() {
        let a = key("arn:aws:ses:us-east-1:111122223333:identity/tenant-00001.example");
        let b = key("arn:aws:ses:us-east-1:111122223333:identity/tenant-00002.example");
        assert_ne!(a.digest(), b.digest());
        assert_ne!(
            PlanKey {
                session: Some(""),
                ..a
            }
            .digest(),
            a.digest(),
            "an empty session policy name is not no session policy"
        );
    }
}
