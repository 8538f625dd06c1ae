//! The back end: normalised policies to a [`Table`] the runtime answers from.
//!
//! - **Actions.** Every distinct lower-cased action pattern gets an id and a
//!   matcher ([`Program`]). Each literal action the store names (a pattern
//!   without wildcards) gets a class: the bitset of patterns matching it,
//!   deduplicated. At check time a request's action is one hash lookup away
//!   from its class; actions the store never names run the wildcard patterns.
//!   Only patterns whose literal prefix fits are tried against each literal,
//!   through a sorted list of the literals.
//! - **Resources.** Distinct patterns, keyed by text and by whether their
//!   body substitutes variables, compiled to a [`Program`] (exact, prefix or
//!   general) or to a [`Template`] whose variables are filled in per request.
//! - **Conditions.** Distinct canonical predicates, values parsed once:
//!   numbers, dates, CIDR blocks, wildcard programs, templates.
//! - **Keys.** Distinct lower-cased context keys, each marked with what the
//!   engine derives for it; principals' and resources' tags are resolved to
//!   key ids here, so the check path never formats `aws:PrincipalTag/...`.
//! - **Entries.** Principals, role sessions' roles, resources and accounts
//!   become hash maps to lists of policy ids.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash};

use sesame_runtime::hash::{FastHasher, FastMap, FromDistinctError, IndexFull, StrIndex};

use sesame_runtime::glob::{
    ArnTok, Program, Tok, arn_condition_rules, arn_rules, plain_rules, tokens,
};
use sesame_runtime::table::{
    AccountCode, ActionTable, BodyCode, Cmp, Derived, Effect, GlobValue, Ids, KeyCode, PatternCode,
    PatternTest, Piece, PolicyCode, PredicateCode, PrincipalCode, PrincipalName, PrincipalTest,
    Qualifier, ResourceCode, ResourceKind, StatementCode, Str, Table, Template, Test, TextValue,
};
use sesame_runtime::text::{Cidr, parse_date, parse_number};
use sesame_spec::Store;
use sesame_spec::model::{self, BaseOperator, Polarity, PrincipalKind, Principals, SetQualifier};

use crate::compile::{CompileError, Limits};
use crate::middle::{NBody, NCondition, NPolicy, NStatement, Normalized, is_negated};

fn full(e: impl std::fmt::Display) -> CompileError {
    CompileError::new(format!("the store is too large: {e}"))
}

fn id(n: usize, what: &str) -> Result<u32, CompileError> {
    u32::try_from(n).map_err(|_| CompileError::new(format!("too many {what} for 32-bit ids")))
}

/// Interns values, giving each distinct one an id: its position in
/// [`Interner::keys`]. Keys that borrow the store cost no copy; owned keys
/// are moved in, and one found is dropped.
///
/// Open addressing with linear probing over a power-of-two slot array kept
/// at most half full; each slot holds the high half of the key's hash and
/// 1 + the key's id (0 is empty). A new key, the common case in a fleet of
/// tenants with their own patterns and conditions, costs one read and
/// write of one slot: a `HashMap` of the keys also writes a bucket as wide
/// as the key elsewhere, and with a million keys each is a cache miss.
struct Interner<K> {
    slots: Vec<u64>,
    /// The distinct keys, by id.
    keys: Vec<K>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            slots: Vec::new(),
            keys: Vec::new(),
        }
    }
}

/// The hash of an interned key (equal for a key and its borrowed form).
fn hash_of<Q: Hash + ?Sized>(key: &Q) -> u64 {
    BuildHasherDefault::<FastHasher>::default().hash_one(key)
}

impl<K: Hash + Eq> Interner<K> {
    /// Makes room for `n` keys in all, so that the slots are not placed
    /// again as the keys come.
    fn reserve(&mut self, n: usize) {
        self.keys.reserve(n.saturating_sub(self.keys.len()));
        self.grow(n);
    }

    /// Grows the slots to hold `n` keys at most half full, placing the
    /// keys held again.
    fn grow(&mut self, n: usize) {
        let want = (2 * n.max(4)).next_power_of_two();
        if want <= self.slots.len() {
            return;
        }
        self.slots = vec![0; want];
        let mask = want - 1;
        for (i, key) in self.keys.iter().enumerate() {
            let hash = hash_of(key);
            let mut at = (hash as usize) & mask;
            while self.slots.get(at).is_some_and(|s| *s != 0) {
                at = (at + 1) & mask;
            }
            if let Some(slot) = self.slots.get_mut(at) {
                *slot = ((hash >> 32) << 32) | (i as u64 + 1);
            }
        }
    }

    /// The slot of the key `key` with hash `hash`: its id if held, else
    /// the empty slot where it would go.
    fn probe<Q>(&self, key: &Q, hash: u64) -> Result<u32, usize>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let mask = self.slots.len().wrapping_sub(1);
        let tag = hash >> 32;
        let mut at = (hash as usize) & mask;
        // Never full: an empty slot ends every probe.
        loop {
            let slot = self.slots.get(at).copied().unwrap_or(0);
            if slot == 0 {
                return Err(at);
            }
            let i = ((slot & 0xffff_ffff) as u32).wrapping_sub(1);
            if slot >> 32 == tag && self.keys.get(i as usize).is_some_and(|k| k.borrow() == key) {
                return Ok(i);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds `key`, whose hash is `hash` and which goes in slot `at`.
    fn add(&mut self, key: K, hash: u64, at: usize, what: &str) -> Result<u32, CompileError> {
        // Ids are below 2^32 - 1, so that 1 + the id fits the slot.
        let i = id(self.keys.len() + 1, what)? - 1;
        if let Some(slot) = self.slots.get_mut(at) {
            *slot = ((hash >> 32) << 32) | (u64::from(i) + 1);
        }
        self.keys.push(key);
        Ok(i)
    }

    /// The id of `key`, moved in when it is new, and whether it is.
    fn intern(&mut self, key: K, what: &str) -> Result<(u32, bool), CompileError> {
        self.grow(self.keys.len() + 1);
        let hash = hash_of(&key);
        match self.probe(&key, hash) {
            Ok(i) => Ok((i, false)),
            Err(at) => Ok((self.add(key, hash, at, what)?, true)),
        }
    }

    /// The id of `key`, copied in when it is new, and whether it is.
    fn intern_ref<Q>(&mut self, key: &Q, what: &str) -> Result<(u32, bool), CompileError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        self.grow(self.keys.len() + 1);
        let hash = hash_of(key);
        match self.probe(key, hash) {
            Ok(i) => Ok((i, false)),
            Err(at) => Ok((self.add(key.to_owned(), hash, at, what)?, true)),
        }
    }
}

/// How many streams of keys [`Guesses`] follows.
const STREAMS: usize = 16;

/// Guesses where a key is in a [`StrIndex`] before hashing it. A store's
/// keys are often looked up in the order they were put in: each tenant's
/// inline policy by the tenant's principal, each tenant's tag value by its
/// resources, both in name order. So the entry after the last one found
/// for keys of the same shape (length and first bytes) is tried first. A
/// right guess reads the entry after the one read last, and its text,
/// which are in order in memory, instead of a random slot of an index
/// that outgrows the caches with the store; a wrong one costs one
/// comparison before the usual lookup. Keys of other shapes (shared
/// policies' names, an account id) keep to their own streams, so they do
/// not break a tenant stream they are interleaved with.
#[derive(Default)]
struct Guesses {
    /// Per stream, the entry to try first.
    next: [usize; STREAMS],
}

impl Guesses {
    /// The stream of keys shaped like `key`: its length and up to 8 of
    /// its first bytes (half of it at most, so that the numbers that tell
    /// a tenant's names apart mostly fall outside).
    fn stream(key: &str) -> usize {
        let bytes = key.as_bytes();
        let head = bytes.get(..(bytes.len() / 2).min(8)).unwrap_or(&[]);
        let h = head.iter().fold(bytes.len() as u64, |h, b| {
            (h.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
        });
        (h >> 60) as usize % STREAMS
    }

    /// The entry number and value of `key` in `index` (keys in `text`),
    /// trying the entry its stream expects first.
    fn find(&mut self, index: &StrIndex, text: &str, key: &str) -> Option<(usize, u32)> {
        let next = self.next.get_mut(Self::stream(key))?;
        let entry = match index.at(text, *next, key) {
            Some(_) => *next,
            None => index.position(text, key)?,
        };
        *next = entry + 1;
        index.entries().get(entry).map(|(_, v)| (entry, *v))
    }
}

/// Whether a pattern has no wildcard: [`Program::new`] makes such a
/// pattern, read without variables, [`Program::Exact`] of its own text.
fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?'])
}

/// How a pattern's tokens get their rules: [`plain_rules`], [`arn_rules`] or
/// [`arn_condition_rules`].
type Rules = fn(&[Tok], &mut Vec<ArnTok>);

/// What a pattern or value with possible variables compiles to.
enum Parsed {
    /// Its tokens, in [`Scratch::toks`]'s buffer: give it back with
    /// [`Builder::program`] or [`Builder::give_back`].
    Fixed(Vec<Tok>),
    Template(Template),
}

/// Builds a table; `'s` is the store the resource patterns are interned
/// from (by reference).
struct Builder<'l, 's> {
    limits: &'l Limits,
    table: Table,
    /// The statements of the bodies given so far.
    statements: usize,
    /// Why a body given so far could not be built, the first time.
    failed: Option<CompileError>,
    keys: Interner<String>,
    /// Lower-cased action patterns.
    action_ids: Interner<String>,
    /// Resource patterns and whether they substitute variables.
    resource_ids: Interner<(&'s str, bool)>,
    /// Canonical predicate texts.
    predicate_ids: Interner<String>,
    /// Strings already in the table's text arena, each to its start there.
    strings: StrIndex,
    /// Where lookups in `strings` look first.
    string_guesses: Guesses,
    /// Where lookups in the table's policy index look first.
    policy_guesses: Guesses,
    /// Scratch space reused from one pattern to the next.
    scratch: Scratch,
}

/// Buffers a [`Builder`] reuses instead of allocating per pattern, value or
/// entry.
#[derive(Default)]
struct Scratch {
    /// A pattern's tokens.
    toks: Vec<Tok>,
    /// A pattern's tokens with their rules.
    rules: Vec<ArnTok>,
    /// A tag's lower-cased key.
    text: String,
    /// Ids to append to the table's id arena.
    ids: Vec<u32>,
    /// A statement's action, resource or condition ids.
    statement_ids: Vec<u32>,
    /// An entry's tags as the keys they fill in: key id, tag position.
    tag_keys: Vec<(u32, usize)>,
    /// An entry's tags to append to the table's tag arena.
    tags: Vec<(u32, Str)>,
}

fn derived(lower: &str) -> Derived {
    match lower {
        "aws:principalisawsservice" => Derived::PrincipalIsAwsService,
        "aws:principalservicename" => Derived::PrincipalServiceName,
        "aws:principalarn" => Derived::PrincipalArn,
        "aws:principalaccount" => Derived::PrincipalAccount,
        "aws:principaltype" => Derived::PrincipalType,
        "aws:username" => Derived::Username,
        "aws:resourceaccount" => Derived::ResourceAccount,
        k if k.starts_with("aws:principaltag/") => Derived::PrincipalTag,
        k if k.starts_with("aws:resourcetag/") => Derived::ResourceTag,
        _ => Derived::None,
    }
}

impl<'l, 's> Builder<'l, 's> {
    /// A builder adding to `table`.
    fn new(limits: &'l Limits, table: Table) -> Builder<'l, 's> {
        Builder {
            limits,
            table,
            statements: 0,
            failed: None,
            keys: Interner::default(),
            action_ids: Interner::default(),
            resource_ids: Interner::default(),
            predicate_ids: Interner::default(),
            strings: StrIndex::default(),
            string_guesses: Guesses::default(),
            policy_guesses: Guesses::default(),
            scratch: Scratch::default(),
        }
    }

    /// Makes room in the interners for every resource pattern and
    /// condition the store's policies write (at most that many are
    /// distinct), so that the maps are not rebuilt as they grow, and in
    /// the text map for a tag value per principal and an id per account
    /// (names, which are distinct, do not go through it; a larger map
    /// would spread its probes over more memory than it needs).
    fn reserve(&mut self, store: &Store) {
        let statements = store.policies.values().flat_map(|p| &p.statements);
        let (patterns, conditions) = statements.fold((0, 0), |(p, c), s| {
            let r = s.resource.as_ref().map_or(0, |r| r.patterns.len());
            (p + r, c + s.conditions.len())
        });
        self.resource_ids.reserve(patterns);
        self.predicate_ids.reserve(conditions);
        self.strings = StrIndex::with_capacity(store.principals.len() + store.accounts.len());
    }

    /// `s` in the table's text arena, stored once however often it occurs.
    fn text(&mut self, s: &str) -> Result<Str, CompileError> {
        if let Some((_, start)) = self.string_guesses.find(&self.strings, &self.table.text, s) {
            return Ok(Str {
                start,
                end: id(start as usize + s.len(), "bytes of text")?,
            });
        }
        let v = self.table.add_str(s).map_err(full)?;
        self.strings
            .insert(&self.table.text, v, v.start)
            .map_err(full)?;
        Ok(v)
    }

    fn key(&mut self, lower: &str) -> Result<u32, CompileError> {
        let (i, new) = self.keys.intern_ref(lower, "context keys")?;
        if new {
            self.table.keys.push(KeyCode {
                derived: derived(lower),
                lower: lower.into(),
            });
        }
        Ok(i)
    }

    fn check_size(&self, text: &str, place: &str) -> Result<(), CompileError> {
        let n = text.chars().count();
        if n > self.limits.max_pattern_chars {
            return Err(CompileError::new(format!(
                "{place}: pattern of {n} characters is longer than the limit of {} (`max_pattern_chars`)",
                self.limits.max_pattern_chars
            )));
        }
        Ok(())
    }

    /// Reads `${...}` variables the way the spec's substitution does.
    fn parse(&mut self, pattern: &str, substitutes: bool) -> Result<Parsed, CompileError> {
        let mut current = std::mem::take(&mut self.scratch.toks);
        current.clear();
        if !substitutes {
            current.extend(tokens(pattern));
            return Ok(Parsed::Fixed(current));
        }
        let mut pieces: Vec<Piece> = Vec::new();
        let mut rest = pattern;
        while let Some(start) = rest.find("${") {
            let (before, after_dollar) = rest.split_at(start);
            current.extend(tokens(before));
            let inner_and_rest = after_dollar.get(2..).unwrap_or("");
            let Some(end) = inner_and_rest.find('}') else {
                current.extend(tokens(after_dollar));
                rest = "";
                break;
            };
            let inner = inner_and_rest.get(..end).unwrap_or("");
            rest = inner_and_rest.get(end + 1..).unwrap_or("");
            match inner {
                "*" => current.push(Tok::Lit('*')),
                "?" => current.push(Tok::Lit('?')),
                "$" => current.push(Tok::Lit('$')),
                _ => {
                    if !current.is_empty() {
                        pieces.push(Piece::Toks(std::mem::take(&mut current).into()));
                    }
                    let piece = match inner.split_once(',') {
                        Some((key, default)) => {
                            match default
                                .trim()
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                            {
                                Some(d) => Piece::Var {
                                    key: self.key(&key.trim().to_lowercase())?,
                                    default: Some(d.into()),
                                },
                                None => Piece::Never,
                            }
                        }
                        None => Piece::Var {
                            key: self.key(&inner.trim().to_lowercase())?,
                            default: None,
                        },
                    };
                    pieces.push(piece);
                }
            }
        }
        current.extend(tokens(rest));
        if pieces.is_empty() {
            return Ok(Parsed::Fixed(current));
        }
        if !current.is_empty() {
            pieces.push(Piece::Toks(current.into()));
        }
        Ok(Parsed::Template(Template {
            pieces: pieces.into(),
        }))
    }

    /// Returns a token buffer that [`Builder::parse`] lent.
    fn give_back(&mut self, toks: Vec<Tok>) {
        self.scratch.toks = toks;
    }

    /// The program of lent tokens under `rules` (one of [`plain_rules`],
    /// [`arn_rules`], [`arn_condition_rules`]), giving the buffer back.
    fn program(&mut self, toks: Vec<Tok>, rules: Rules) -> Result<Program, CompileError> {
        let mut with_rules = std::mem::take(&mut self.scratch.rules);
        rules(&toks, &mut with_rules);
        let program = Program::new(&with_rules, &mut self.table).map_err(full);
        self.scratch.rules = with_rules;
        self.give_back(toks);
        program
    }

    /// The program of a pattern read without variables; a literal one is
    /// [`Program::Exact`] of its text, as [`Program::new`] makes it, with
    /// no tokens built.
    fn fixed_program(&mut self, pattern: &str, rules: Rules) -> Result<Program, CompileError> {
        if is_literal(pattern) {
            return Ok(Program::Exact(self.table.add_str(pattern).map_err(full)?));
        }
        let mut toks = std::mem::take(&mut self.scratch.toks);
        toks.clear();
        toks.extend(tokens(pattern));
        self.program(toks, rules)
    }

    fn action(&mut self, lower: String) -> Result<u32, CompileError> {
        let (i, new) = self.action_ids.intern(lower, "action patterns")?;
        if new {
            // A new pattern's text, copied out of the interner so that the
            // program can be added beside it (once per distinct pattern).
            let lower = self.action_ids.keys.last().cloned().unwrap_or_default();
            self.check_size(&lower, "action pattern")?;
            let program = self.fixed_program(&lower, plain_rules)?;
            self.table.actions.patterns.push(program);
        }
        Ok(i)
    }

    fn resource(&mut self, pattern: &'s str, substitutes: bool) -> Result<u32, CompileError> {
        let subst = substitutes && pattern.contains("${");
        let (i, new) = self
            .resource_ids
            .intern((pattern, subst), "resource patterns")?;
        if new {
            self.check_size(pattern, "resource pattern")?;
            let code = if subst {
                match self.parse(pattern, subst)? {
                    Parsed::Fixed(toks) => PatternCode::Fixed(self.program(toks, arn_rules)?),
                    Parsed::Template(t) => PatternCode::Template(t),
                }
            } else {
                PatternCode::Fixed(self.fixed_program(pattern, arn_rules)?)
            };
            self.table.resource_patterns.push(code);
        }
        Ok(i)
    }

    fn text_value(&mut self, v: &str, subst: bool, lower: bool) -> Result<TextValue, CompileError> {
        Ok(match self.parse(v, subst)? {
            Parsed::Fixed(toks) => {
                let text: String = toks
                    .iter()
                    .map(|t| match t {
                        Tok::Lit(c) => *c,
                        Tok::Star => '*',
                        Tok::Quest => '?',
                    })
                    .collect();
                self.give_back(toks);
                let text = if lower { text.to_lowercase() } else { text };
                TextValue::Text(self.table.add_str(&text).map_err(full)?)
            }
            Parsed::Template(t) => TextValue::Template(t),
        })
    }

    fn glob_value(&mut self, v: &str, subst: bool, arn: bool) -> Result<GlobValue, CompileError> {
        self.check_size(v, "condition value")?;
        let rules = if arn {
            arn_condition_rules
        } else {
            plain_rules
        };
        Ok(match self.parse(v, subst)? {
            Parsed::Fixed(toks) => GlobValue::Fixed(self.program(toks, rules)?),
            Parsed::Template(t) => GlobValue::Template(t),
        })
    }

    fn predicate(&mut self, c: NCondition<'s>) -> Result<u32, CompileError> {
        let NCondition {
            operator,
            key,
            values,
            substitutes,
            canonical,
        } = c;
        let (i, new) = self
            .predicate_ids
            .intern(canonical, "condition predicates")?;
        if !new {
            return Ok(i);
        }
        use BaseOperator as B;
        let base = operator.base;
        let subst = substitutes;
        let cmp = match base {
            B::NumericEquals | B::NumericNotEquals | B::DateEquals | B::DateNotEquals => Cmp::Eq,
            B::NumericLessThan | B::DateLessThan => Cmp::Lt,
            B::NumericLessThanEquals | B::DateLessThanEquals => Cmp::Le,
            B::NumericGreaterThan | B::DateGreaterThan => Cmp::Gt,
            _ => Cmp::Ge,
        };
        let test = match base {
            B::Null => Test::Null {
                when_missing: values.iter().any(|v| v.to_lowercase() == "true"),
                when_present: values.iter().any(|v| v.to_lowercase() == "false"),
            },
            B::StringEquals
            | B::StringNotEquals
            | B::StringEqualsIgnoreCase
            | B::StringNotEqualsIgnoreCase => {
                let lower = matches!(
                    base,
                    B::StringEqualsIgnoreCase | B::StringNotEqualsIgnoreCase
                );
                let vs = values
                    .iter()
                    .map(|v| self.text_value(v, subst, lower))
                    .collect::<Result<Vec<_>, _>>()?;
                let span = self.table.add_text_values(&vs).map_err(full)?;
                if lower {
                    Test::EqualsIgnoreCase(span)
                } else {
                    Test::Equals(span)
                }
            }
            B::StringLike
            | B::StringNotLike
            | B::ArnEquals
            | B::ArnLike
            | B::ArnNotEquals
            | B::ArnNotLike => {
                let arn = !matches!(base, B::StringLike | B::StringNotLike);
                let vs = values
                    .iter()
                    .map(|v| self.glob_value(v, subst, arn))
                    .collect::<Result<Vec<_>, _>>()?;
                let span = self.table.add_glob_values(&vs).map_err(full)?;
                if arn {
                    Test::Arn(span)
                } else {
                    Test::Like(span)
                }
            }
            B::NumericEquals
            | B::NumericNotEquals
            | B::NumericLessThan
            | B::NumericLessThanEquals
            | B::NumericGreaterThan
            | B::NumericGreaterThanEquals => {
                let vs: Vec<Option<f64>> = values.iter().map(|v| parse_number(v)).collect();
                Test::Numeric(cmp, self.table.add_numbers(&vs).map_err(full)?)
            }
            B::DateEquals
            | B::DateNotEquals
            | B::DateLessThan
            | B::DateLessThanEquals
            | B::DateGreaterThan
            | B::DateGreaterThanEquals => {
                let vs: Vec<Option<i128>> = values.iter().map(|v| parse_date(v)).collect();
                Test::Date(cmp, self.table.add_dates(&vs).map_err(full)?)
            }
            B::Bool | B::BinaryEquals => {
                let bool = base == B::Bool;
                let vs = values
                    .iter()
                    .map(|v| {
                        if bool {
                            self.table.add_str(&v.to_lowercase())
                        } else {
                            self.table.add_str(v)
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(full)?;
                let span = self.table.add_words(&vs).map_err(full)?;
                if bool {
                    Test::Bool(span)
                } else {
                    Test::Binary(span)
                }
            }
            B::IpAddress | B::NotIpAddress => {
                let vs: Vec<Option<Cidr>> = values.iter().map(|v| Cidr::parse(v)).collect();
                Test::Ip(self.table.add_cidrs(&vs).map_err(full)?)
            }
        };
        let key = self.key(&key)?;
        self.table.predicates.push(PredicateCode {
            key,
            qualifier: operator.qualifier.map(|q| match q {
                SetQualifier::ForAllValues => Qualifier::ForAllValues,
                SetQualifier::ForAnyValue => Qualifier::ForAnyValue,
            }),
            if_exists: operator.if_exists,
            negated: is_negated(base),
            test,
        });
        Ok(i)
    }

    fn principal(clause: &model::PrincipalClause) -> PrincipalTest {
        let entries = match &clause.principals {
            Principals::Any => vec![PrincipalName::AwsAny],
            Principals::Map(map) => map
                .iter()
                .flat_map(|(kind, values)| values.iter().map(move |v| (*kind, v.as_str())))
                .map(|(kind, v)| match kind {
                    PrincipalKind::Aws if v == "*" => PrincipalName::AwsAny,
                    PrincipalKind::Aws => PrincipalName::Aws {
                        value: v.into(),
                        root_account: root_account(v).map(Into::into),
                    },
                    PrincipalKind::Service => PrincipalName::Service(v.into()),
                    PrincipalKind::Federated | PrincipalKind::CanonicalUser => {
                        PrincipalName::Exact(v.into())
                    }
                })
                .collect(),
        };
        PrincipalTest {
            negated: clause.polarity == Polarity::Not,
            entries: entries.into(),
        }
    }

    /// Classes of the literal actions: the patterns each one matches.
    fn classes(&mut self) -> Result<(), CompileError> {
        let patterns = &self.table.actions.patterns;
        let words = patterns.len().div_ceil(64);
        let mut literals: Vec<(&str, usize)> = self
            .action_ids
            .keys
            .iter()
            .enumerate()
            .filter(|(i, _)| matches!(patterns.get(*i), Some(Program::Exact(_))))
            .map(|(i, t)| (t.as_str(), i))
            .collect();
        literals.sort_unstable();
        let mut sets: Vec<Vec<u64>> = vec![vec![0u64; words]; literals.len()];
        let mut buffers = sesame_runtime::glob::MatchBuffers::default();
        for (pi, (program, text)) in patterns.iter().zip(&self.action_ids.keys).enumerate() {
            let prefix: String = text
                .chars()
                .take_while(|c| *c != '*' && *c != '?')
                .collect();
            let start = literals.partition_point(|(l, _)| *l < prefix.as_str());
            for (li, (literal, _)) in literals.iter().enumerate().skip(start) {
                if !literal.starts_with(prefix.as_str()) {
                    break;
                }
                if program.matches(&self.table, literal, &mut buffers) {
                    if let Some(w) = sets.get_mut(li).and_then(|s| s.get_mut(pi / 64)) {
                        *w |= 1u64 << (pi % 64);
                    }
                }
            }
        }
        let mut class_ids: HashMap<Vec<u64>, u32> = HashMap::new();
        let mut table = ActionTable {
            patterns: std::mem::take(&mut self.table.actions.patterns),
            ..ActionTable::default()
        };
        for ((_, pattern), set) in literals.iter().zip(sets) {
            let next = id(class_ids.len(), "action classes")?;
            let class = *class_ids.entry(set.clone()).or_insert_with(|| {
                table.classes.push(set.into());
                next
            });
            // A literal is an exact pattern, whose text is the key.
            if let Some(Program::Exact(key)) = table.patterns.get(*pattern) {
                table
                    .known
                    .insert(&self.table.text, *key, class)
                    .map_err(full)?;
            }
        }
        if table.classes.len() > self.limits.max_action_classes {
            return Err(CompileError::new(format!(
                "the store has {} action classes, more than the limit of {} (`max_action_classes`)",
                table.classes.len(),
                self.limits.max_action_classes
            )));
        }
        self.table.actions = table;
        Ok(())
    }

    /// The context keys that tags fill in: each tag key's lower-cased
    /// text (`aws:principaltag/...`, `aws:resourcetag/...`) to its id.
    fn tag_keys(&self) -> FastMap<Box<str>, u32> {
        self.table
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| matches!(k.derived, Derived::PrincipalTag | Derived::ResourceTag))
            .filter_map(|(i, k)| Some((k.lower.clone(), u32::try_from(i).ok()?)))
            .collect()
    }

    /// The tags of a principal or resource as the keys they fill in (the
    /// first tag for each key, by key id), their values in the text arena.
    fn tags(
        &mut self,
        prefix: &str,
        keys: &FastMap<Box<str>, u32>,
        tags: &[(String, String)],
    ) -> Result<sesame_runtime::table::Tags, CompileError> {
        let mut found = std::mem::take(&mut self.scratch.tag_keys);
        found.clear();
        let mut name = std::mem::take(&mut self.scratch.text);
        for (at, (k, _)) in tags.iter().enumerate() {
            lower_concat(&mut name, prefix, k);
            if let Some(key) = keys.get(name.as_str()) {
                if !found.iter().any(|(seen, _)| seen == key) {
                    found.push((*key, at));
                }
            }
        }
        self.scratch.text = name;
        found.sort_unstable_by_key(|(k, _)| *k);
        let mut pairs = std::mem::take(&mut self.scratch.tags);
        pairs.clear();
        for (key, at) in &found {
            let value = tags.get(*at).map_or("", |(_, v)| v.as_str());
            pairs.push((*key, self.text(value)?));
        }
        let span = self.table.add_tags(&pairs).map_err(full);
        self.scratch.tag_keys = found;
        self.scratch.tags = pairs;
        span
    }

    /// The id of the policy named `name`, once the policies are in the
    /// table.
    fn policy_id(&self, name: &str) -> Option<u32> {
        self.table.policy_index.get(&self.table.text, name).copied()
    }

    /// Appends the ids of the policies named `names` (those the store
    /// has) to the id arena.
    fn policy_ids(&mut self, names: &[String]) -> Result<Ids, CompileError> {
        let mut ids = std::mem::take(&mut self.scratch.ids);
        ids.clear();
        let (index, text) = (&self.table.policy_index, self.table.text.as_str());
        let guesses = &mut self.policy_guesses;
        ids.extend(
            names
                .iter()
                .filter_map(|n| guesses.find(index, text, n).map(|(_, id)| id)),
        );
        let added = self.table.add_ids(&ids).map_err(full);
        self.scratch.ids = ids;
        added
    }
}

/// `prefix` then `name` in `out`, lower-cased as `str::to_lowercase` does
/// (in place when the text is ASCII, where that is ASCII lower-casing).
fn lower_concat(out: &mut String, prefix: &str, name: &str) {
    out.clear();
    out.push_str(prefix);
    out.push_str(name);
    if out.is_ascii() {
        out.make_ascii_lowercase();
    } else {
        *out = out.to_lowercase();
    }
}

/// The account of `arn:PART:iam::ACCOUNT:root`.
fn root_account(value: &str) -> Option<&str> {
    let mut parts = value.splitn(6, ':');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some("root")) => Some(account),
        _ => None,
    }
}

/// The role name a principal ARN `arn:P:iam::A:role/PATH/NAME` gives role
/// sessions, as `P:A:NAME`, and whether the ARN has no path.
fn role_key(arn: &str) -> Option<(String, bool)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let path = rest.strip_prefix("role/")?;
    let name = path.rsplit('/').next().unwrap_or("");
    Some((format!("{partition}:{account}:{name}"), path == name))
}

/// An empty table with room reserved for what the store will put in it:
/// `statements` statements and `bodies` bodies (the most there can be:
/// reserving does not touch memory, so an upper bound costs nothing), an
/// entry per policy, principal, resource and account, and text for their
/// names, so that these are not copied as they grow.
fn sized_table(store: &Store, statements: usize, bodies: usize) -> Table {
    let mut t = Table::default();
    t.statements.reserve(statements);
    t.bodies.reserve(bodies);
    t.policies.reserve(store.policies.len());
    t.principals.reserve(store.principals.len());
    t.resources.reserve(store.resources.len());
    t.accounts.reserve(store.accounts.len());
    let names = store.policies.keys().map(String::len).sum::<usize>()
        + store.principals.keys().map(String::len).sum::<usize>()
        + store.resources.keys().map(String::len).sum::<usize>()
        + store.accounts.keys().map(String::len).sum::<usize>();
    t.text.reserve(names);
    t
}

/// The index of names that are distinct (the keys of one of the store's
/// maps) and strings of `text`, built in one pass
/// ([`StrIndex::from_distinct`] writes its slots region by region rather
/// than at random, one name at a time).
fn distinct_index(text: &str, names: Vec<(Str, u32)>) -> Result<StrIndex, CompileError> {
    StrIndex::from_distinct(text, names).map_err(|e| match e {
        FromDistinctError::Repeated(name) => {
            CompileError::new(format!("the store names `{name}` twice"))
        }
        FromDistinctError::Full => full(IndexFull),
    })
}

/// The error for a store with `statements` distinct statements, past the
/// limit.
fn too_many_statements(statements: usize, limits: &Limits) -> CompileError {
    CompileError::new(format!(
        "the store has {statements} distinct statements, more than the limit of {} (`max_statements`)",
        limits.max_statements
    ))
}

/// Builds the table for a normalised store.
///
/// # Errors
///
/// A [`CompileError`] naming the limit that was exceeded.
pub fn build<'s>(
    store: &'s Store,
    norm: Normalized<'s>,
    limits: &Limits,
) -> Result<Table, CompileError> {
    let statements: usize = norm.bodies.iter().map(|b| b.statements.len()).sum();
    if statements > limits.max_statements {
        return Err(too_many_statements(statements, limits));
    }
    let mut b = Builder::new(limits, sized_table(store, statements, norm.bodies.len()));
    b.reserve(store);
    for body in norm.bodies {
        b.body(body);
    }
    if let Some(e) = b.failed.take() {
        return Err(e);
    }
    b.finish(store, &norm.policies)
}

/// Normalises the store and builds its table in one pass: each distinct
/// body is built as soon as it is normalised, while the store's text it
/// reads is still in the cache, and its normalised form is dropped then
/// (so the memory it took is reused by the next body's), instead of
/// keeping every body for a second pass that reads the store again from
/// memory. The table is the one [`crate::middle::normalize`] then
/// [`build`] make.
///
/// # Errors
///
/// A [`CompileError`] naming the limit that was exceeded, the one
/// [`build`] gives.
pub fn build_store(store: &Store, limits: &Limits) -> Result<Table, CompileError> {
    let written = store.policies.values().map(|p| p.statements.len()).sum();
    let mut b = Builder::new(limits, sized_table(store, written, store.policies.len()));
    b.reserve(store);
    let kept = crate::middle::normalize_each(store, |body| {
        b.body(body);
        Ok::<(), std::convert::Infallible>(())
    });
    let policies = match kept {
        Ok(policies) => policies,
        Err(never) => match never {},
    };
    // The errors in the order the two passes meet them: the statement
    // count first (known before anything is built), then the first body
    // that failed.
    if b.statements > limits.max_statements {
        return Err(too_many_statements(b.statements, limits));
    }
    if let Some(e) = b.failed.take() {
        return Err(e);
    }
    // Room was reserved for every statement written; where policies
    // shared bodies, give back what the distinct ones did not take, so the
    // table holds what the two passes' does.
    b.table.statements.shrink_to_fit();
    b.table.bodies.shrink_to_fit();
    b.finish(store, &policies)
}

impl<'s> Builder<'_, 's> {
    /// Adds a body's statements, and the body, or keeps why it could not
    /// in [`Builder::failed`]. Past the statement limit or a failure, only
    /// counts the statements (the caller reports the total).
    fn body(&mut self, body: NBody<'s>) {
        self.statements += body.statements.len();
        if self.statements > self.limits.max_statements || self.failed.is_some() {
            return;
        }
        if let Err(e) = self.add_body(body) {
            self.failed = Some(e);
        }
    }

    /// Adds a body's statements, and the body.
    fn add_body(&mut self, body: NBody<'s>) -> Result<(), CompileError> {
        let first = id(self.table.statements.len(), "statements")?;
        let len = id(body.statements.len(), "statements")?;
        let has = |e| body.statements.iter().any(|s| s.effect == e);
        let (has_allow, has_deny) = (has(model::Effect::Allow), has(model::Effect::Deny));
        for s in body.statements {
            self.statement(s, body.substitutes)?;
        }
        self.table.bodies.push(BodyCode {
            first,
            len,
            has_allow,
            has_deny,
            // Set by `finish`, from the statements' signatures.
            allow_actions: 0,
            deny_actions: 0,
        });
        Ok(())
    }

    /// Adds one statement of a body that substitutes variables or not.
    fn statement(&mut self, s: NStatement<'s>, substitutes: bool) -> Result<(), CompileError> {
        // A statement's action, resource and condition ids, reused.
        let mut ids = std::mem::take(&mut self.scratch.statement_ids);
        ids.clear();
        for a in s.actions {
            ids.push(self.action(a)?);
        }
        let actions = self.table.add_ids(&ids).map_err(full)?;
        let resource = match &s.resources {
            None => None,
            Some((negated, patterns)) => {
                ids.clear();
                for p in patterns {
                    ids.push(self.resource(p, substitutes)?);
                }
                Some(PatternTest {
                    negated: *negated,
                    patterns: self.table.add_ids(&ids).map_err(full)?,
                })
            }
        };
        ids.clear();
        for c in s.conditions {
            ids.push(self.predicate(c)?);
        }
        let conditions = self.table.add_ids(&ids).map_err(full)?;
        self.scratch.statement_ids = ids;
        let sid = s.sid.map(|sid| self.text(sid)).transpose()?;
        let action = PatternTest {
            negated: s.action_negated,
            patterns: actions,
        };
        self.table.statements.push(StatementCode {
            sid,
            index: id(s.index, "statements")?,
            effect: match s.effect {
                model::Effect::Allow => Effect::Allow,
                model::Effect::Deny => Effect::Deny,
            },
            actions: self.table.action_signature(&action),
            action,
            resource,
            principal: s.principal.map(Builder::principal),
            conditions,
        });
        Ok(())
    }

    /// The table, once every body is in: the action classes and
    /// signatures, then the store's policies, principals, resources and
    /// accounts.
    fn finish(self, store: &Store, policies: &[NPolicy<'_>]) -> Result<Table, CompileError> {
        let mut b = self;
        if b.table.predicates.len() > b.limits.max_predicates {
            return Err(CompileError::new(format!(
                "the store has {} distinct conditions, more than the limit of {} (`max_predicates`)",
                b.table.predicates.len(),
                b.limits.max_predicates
            )));
        }
        b.classes()?;
        b.table.sign_actions();

        let mut names = Vec::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            let name = b.table.add_str(p.name).map_err(full)?;
            b.table.policies.push(PolicyCode {
                name,
                body: id(p.body, "policy bodies")?,
                session_error: p.session_error,
            });
            names.push((name, id(i, "policies")?));
        }
        b.table.policy_index = distinct_index(&b.table.text, names)?;
        let tag_keys = b.tag_keys();

        let mut arns = Vec::with_capacity(store.principals.len());
        for (i, (arn, entry)) in store.principals.iter().enumerate() {
            let pid = id(i, "principals")?;
            let arn_text = b.table.add_str(arn).map_err(full)?;
            arns.push((arn_text, pid));
            if let Some((key, exact)) = role_key(arn) {
                if exact || !b.table.role_index.contains_key(&b.table.text, key.as_str()) {
                    let key = b.table.add_str(&key).map_err(full)?;
                    b.table
                        .role_index
                        .insert(&b.table.text, key, pid)
                        .map_err(full)?;
                }
            }
            let tags = b.tags("aws:PrincipalTag/", &tag_keys, &entry.tags)?;
            let policies = b.policy_ids(&entry.policies)?;
            let boundary = entry.boundary.as_deref().and_then(|n| b.policy_id(n));
            b.table.principals.push(PrincipalCode {
                arn: arn_text,
                caller: sesame_runtime::engine::CallerCode::of(arn),
                policies,
                boundary,
                has_boundary: entry.boundary.is_some(),
                service_linked: arn
                    .splitn(6, ':')
                    .nth(5)
                    .is_some_and(|r| r.starts_with("role/aws-service-role/")),
                tags,
            });
        }
        b.table.principal_index = distinct_index(&b.table.text, arns)?;
        let mut arns = Vec::with_capacity(store.resources.len());
        for (i, (arn, entry)) in store.resources.iter().enumerate() {
            // Resource ARNs are distinct: no interning.
            let key = b.table.add_str(arn).map_err(full)?;
            arns.push((key, id(i, "resources")?));
            let tags = b.tags("aws:ResourceTag/", &tag_keys, &entry.tags)?;
            let policies = b.policy_ids(&entry.policies)?;
            let account = entry.account.as_deref().map(|a| b.text(a)).transpose()?;
            let arn_account = ResourceKind::arn_account(arn)
                .map(|a| b.text(a))
                .transpose()?;
            b.table.resources.push(ResourceCode {
                policies,
                tags,
                account,
                arn_account,
                kind: ResourceKind::of(arn),
            });
        }
        b.table.resource_index = distinct_index(&b.table.text, arns)?;
        let mut accounts = Vec::with_capacity(store.accounts.len());
        for (i, (account, entry)) in store.accounts.iter().enumerate() {
            let key = b.table.add_str(account).map_err(full)?;
            accounts.push((key, id(i, "accounts")?));
            let chain = |b: &Builder<'_, '_>, levels: &[Vec<String>]| {
                levels
                    .iter()
                    .map(|l| l.iter().filter_map(|n| b.policy_id(n)).collect())
                    .collect()
            };
            b.table.accounts.push(AccountCode {
                scps: chain(&b, &entry.scps),
                rcps: chain(&b, &entry.rcps),
            });
        }
        b.table.account_index = distinct_index(&b.table.text, accounts)?;
        Ok(b.table)
    }
}

#[cfg(test)]
mod tests {
    use sesame_runtime::Engine;
    use sesame_spec::{Outcome, Request, Store};

    use sesame_runtime::glob::{Program, Tok, arn_rules, plain_rules, tokens};
    use sesame_runtime::hash::StrIndex;
    use sesame_runtime::table::{Str, Table};

    use super::{Builder, Guesses, Rules};
    use crate::compile::{Limits, check_spec, compile};

    /// A literal pattern's program, made without tokens, is the one
    /// `Program::new` makes of its tokens, under both rule sets; so is a
    /// pattern with wildcards.
    #[test]
    fn fixed_programs_are_program_new() {
        let limits = Limits::default();
        let rule_sets: [Rules; 2] = [plain_rules, arn_rules];
        for pattern in [
            "",
            "ses:SendEmail",
            "arn:aws:ses:us-east-1:111122223333:identity/t0000001.example",
            "arn:aws:s3:::bucket/${aws:username}",
            "ses:Send*",
            "arn:aws:ses:*:111122223333:identity/*",
            "a?c",
        ] {
            for rules in rule_sets {
                let mut b = Builder::new(&limits, Table::default());
                let fast = b.fixed_program(pattern, rules).unwrap();
                let toks: Vec<Tok> = tokens(pattern).collect();
                let mut with_rules = Vec::new();
                rules(&toks, &mut with_rules);
                let mut table = Table::default();
                let slow = Program::new(&with_rules, &mut table).unwrap();
                assert_eq!(fast, slow, "{pattern}");
                assert_eq!(b.table.text, table.text, "{pattern}");
                assert_eq!(b.table.pieces, table.pieces, "{pattern}");
                assert_eq!(b.table.arn_toks, table.arn_toks, "{pattern}");
            }
        }
    }

    /// Guessed lookups answer as plain ones, whatever the order of the
    /// keys: in insertion order (where the guesses hit), reversed, strided,
    /// interleaved with other shapes, and for keys the index lacks.
    #[test]
    fn guesses_answer_as_lookups() {
        let mut text = String::new();
        let mut names = Vec::new();
        for i in 0..500u32 {
            for name in [
                format!("Inline-t{i:07}"),
                format!("M-{i}"),
                format!("t{i:07}"),
            ] {
                let start = text.len() as u32;
                text.push_str(&name);
                names.push((
                    Str {
                        start,
                        end: text.len() as u32,
                    },
                    names.len() as u32,
                ));
            }
        }
        let index = StrIndex::from_distinct(&text, names).unwrap();
        let mut keys: Vec<String> = (0..520u32).map(|i| format!("Inline-t{i:07}")).collect();
        keys.extend((0..520u32).rev().map(|i| format!("t{i:07}")));
        keys.extend((0..520u32).step_by(7).flat_map(|i| {
            [
                format!("M-{}", i % 13),
                format!("Inline-t{i:07}"),
                "".to_owned(),
            ]
        }));
        let mut guesses = Guesses::default();
        for key in &keys {
            let want = index
                .position(&text, key)
                .map(|e| (e, index.entries()[e].1));
            assert_eq!(guesses.find(&index, &text, key), want, "{key}");
            assert_eq!(
                want.map(|(_, v)| v),
                index.get(&text, key).copied(),
                "{key}"
            );
        }
    }

    /// Statements of both effects, with `Action` and `NotAction`, over
    /// more than 64 action patterns (so signatures fold pattern ids).
    fn store() -> Store {
        let many: Vec<String> = (0..70).map(|i| format!("\"svc{i}:Do\"")).collect();
        let text = format!(
            r#"{{
  "policies": {{
    "Wide": {{ "Version": "2012-10-17", "Statement": [
      {{ "Effect": "Allow", "NotAction": "s3:*", "Resource": "*" }},
      {{ "Effect": "Allow", "Action": [{}], "Resource": "*" }},
      {{ "Effect": "Deny", "Action": ["svc69:Do", "iam:*"], "Resource": "*" }}
    ] }},
    "Narrow": {{ "Version": "2012-10-17", "Statement": [
      {{ "Effect": "Deny", "NotAction": ["ses:*", "svc*"], "Resource": "*" }}
    ] }}
  }},
  "principals": {{
    "arn:aws:iam::111122223333:user/wide": {{ "policies": ["Wide"] }},
    "arn:aws:iam::111122223333:user/both": {{ "policies": ["Wide", "Narrow"] }}
  }}
}}"#,
            many.join(", ")
        );
        Store::from_json_text(&text, None).unwrap()
    }

    /// Every request answers as the spec does, on a scratch that keeps
    /// plans and on one that keeps none: actions the store never names
    /// (meeting only `NotAction`), ones matching a pattern whose id passes
    /// 64, and ones only a wildcard matches.
    #[test]
    fn signatures_skip_nothing_that_applies() {
        let store = store();
        let engine = compile(&store).unwrap();
        let mut kept = engine.scratch();
        let mut cold = engine.scratch_with_plans(0);
        let mut outcomes = Vec::new();
        for user in ["wide", "both"] {
            for action in [
                "ec2:RunInstances",
                "s3:GetObject",
                "svc3:Do",
                "svc69:Do",
                "svc70:Do",
                "iam:PassRole",
                "ses:SendEmail",
            ] {
                let r = Request::new(
                    &format!("arn:aws:iam::111122223333:user/{user}"),
                    action,
                    "arn:aws:s3:::bucket/key",
                );
                let spec = sesame_spec::evaluate(&store, &r).unwrap();
                for scratch in [&mut kept, &mut cold] {
                    let (d, _) = check_spec(&engine, scratch, &r).unwrap();
                    assert_eq!(d.outcome, spec.outcome, "{user} {action}");
                }
                outcomes.push(spec.outcome);
            }
        }
        // The store's author means all three outcomes.
        for o in [Outcome::Allow, Outcome::ExplicitDeny, Outcome::ImplicitDeny] {
            assert!(outcomes.contains(&o), "{o:?}");
        }
    }

    /// A table whose signatures are not its action tests' is refused.
    #[test]
    fn wrong_signatures_are_refused() {
        let engine = compile(&store()).unwrap();
        let table = engine.table().clone();
        assert!(table.statements.iter().any(|s| s.actions == u64::MAX));

        let mut t = table.clone();
        let s = t
            .statements
            .iter_mut()
            .find(|s| s.actions != u64::MAX)
            .unwrap();
        s.actions &= !(s.actions & s.actions.wrapping_neg());
        let err = Engine::new(t).unwrap_err();
        assert!(err.is_bad_signature(), "{err}");
        assert!(err.place().starts_with("statement "), "{err}");

        let mut t = table.clone();
        t.bodies[0].deny_actions = 0;
        let err = Engine::new(t).unwrap_err();
        assert!(err.is_bad_signature() && err.place() == "body 0", "{err}");

        let mut t = table;
        for s in &mut t.statements {
            s.actions = 0;
        }
        for b in &mut t.bodies {
            b.allow_actions = 0;
            b.deny_actions = 0;
        }
        t.sign_actions();
        assert!(Engine::new(t).is_ok());
    }
}
