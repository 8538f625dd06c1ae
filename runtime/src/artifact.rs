//! The artifact: a compiled [`Table`] as bytes, written once by the compiler
//! and loaded by senders without the compiler, serde or any front end.
//!
//! Layout:
//!
//! ```text
//! magic    8 bytes  "SESAMEAR"
//! version  u32 LE   FORMAT_VERSION
//! length   u64 LE   length of the body
//! checksum u64 LE   checksum of the body (see below)
//! body     pool, arena sizes, id-list and tag arenas, then the table's
//!          sections in a fixed order
//! ```
//!
//! In the body every number is an unsigned LEB128 varint (a `u32` takes one
//! to five bytes), a signed delta is zigzag-encoded first, a list is a
//! count and its items, an option a `0`/`1` tag, an enum a tag. A
//! statement, resource, predicate and principal start with one number that
//! packs their small enums and presence flags (so a record costs one
//! varint there, not one per field); the loader refuses a number past the
//! combinations that exist.
//!
//! **Strings** are written once, in a pool at the start of the body: every
//! distinct string of the table, sorted, each as the length of the prefix it
//! shares with the one before, the length of the rest, and the rest's bytes
//! (front coding: sorted ARNs such as `arn:aws:iam::111122223333:user/t042`
//! then cost a byte or two each). Everywhere else a string is its pool
//! number. The pool decodes straight into the table's text arena, so a
//! loaded table holds each string once and allocates nothing per string.
//! A shared prefix may be at most [`MAX_EXPANSION`] - 1 times the bytes that
//! encode the string, so the decoded text is at most [`MAX_EXPANSION`] times
//! the input and a forged pool cannot make the loader allocate without
//! bound.
//!
//! **Arena sizes** follow the pool: how many items the table's id, tag,
//! program and condition-value arenas will hold, so that the loader
//! reserves each once, at its final size (no regrowth, no copies). Each
//! item takes at least a byte of the body, so the sizes together may not
//! pass the bytes left; after the table, each arena must hold exactly the
//! items announced.
//!
//! **Id lists and tags** ([`Table::lists`], [`Table::tag_pairs`]) follow
//! the sizes as two runs of items (every list's ids, each a little-endian
//! `u32`, then every tag's key and value as varints), decoded in two tight
//! loops; where the table holds a list, the
//! body has only its length, and the loader hands out consecutive ranges of
//! the arena. The lengths must use up each arena exactly.
//!
//! **Sorted ids** (index entries in key order, the set bits of an action
//! class) are written as deltas from the one before. Action classes are
//! sparse bitsets: the number of words, then the positions of the set bits.
//!
//! **Name-to-id maps** ([`crate::hash::StrIndex`]) are written as (key,
//! value) lists sorted by key and rebuilt at load in one pass, with
//! capacity reserved; a corrupted map cannot then hide a key.
//!
//! **The checksum** is a 64-bit multiply-rotate mix over little-endian
//! words, four lanes at a time (a few GB/s), folded with the length. It
//! guards against corruption, not forgery: every single-word change changes
//! it, since each step is a bijection of the running state and of the word.
//!
//! Loading checks the magic, version, length and checksum first, then reads
//! with bounds checks everywhere: a list may not claim more items than bytes
//! remain, so a corrupted count cannot make the loader allocate without
//! bound. [`crate::Engine::new`] then checks every id and range. Truncated,
//! corrupted or foreign bytes give an [`ArtifactError`] naming what is
//! wrong, in which section and at which body offset, never a panic.

use std::fmt;

use crate::engine::CallerCode;
use crate::glob::{ArnTok, Program, Tok};
use crate::hash::{FastMap, FromDistinctError, StrIndex};
use crate::table::{
    AccountCode, ActionTable, BodyCode, Cmp, Derived, Effect, GlobValue, Ids, KeyCode, PatternCode,
    PatternTest, Piece, PolicyCode, PredicateCode, PrincipalCode, PrincipalName, PrincipalTest,
    Qualifier, ResourceCode, ResourceKind, SessionError, SessionProblem, Span, StatementCode, Str,
    Table, Tags, Template, Test, TextValue,
};
use crate::text::{Cidr, le_word};
use crate::validate::TableError;

/// The artifact's first bytes.
pub const MAGIC: &[u8; 8] = b"SESAMEAR";
/// The layout version this build writes and reads.
pub const FORMAT_VERSION: u32 = 4;
/// The header's length: magic, version, body length, checksum.
pub const HEADER_LEN: usize = 8 + 4 + 8 + 8;
/// The most text the string pool may decode to, per byte of body.
pub const MAX_EXPANSION: usize = 32;

/// What kind of problem an [`ArtifactError`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// The bytes end before the header or a value does.
    Truncated,
    /// The bytes are not a Sesame artifact.
    Foreign,
    /// An artifact of another format version.
    Version(u32),
    /// The checksum does not match, or the body does not decode.
    Corrupt,
    /// The body decodes but an id or range points nowhere.
    Inconsistent(TableError),
}

/// Why bytes are not a loadable artifact: what is wrong, and where.
///
/// One pointer wide, so that the decoder's `Result`s of numbers travel in
/// registers (the load runs through millions of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactError(Box<ErrorInfo>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct ErrorInfo {
    kind: Kind,
    /// The header field or body section.
    place: &'static str,
    /// The body offset, where one applies.
    offset: Option<usize>,
    detail: String,
}

impl ArtifactError {
    #[cold]
    fn new(kind: Kind, place: &'static str, offset: Option<usize>, detail: String) -> Self {
        ArtifactError(Box::new(ErrorInfo {
            kind,
            place,
            offset,
            detail,
        }))
    }

    /// Whether the bytes stop early: shorter than the header, shorter than
    /// the header's body length, or ending in the middle of a value.
    pub fn is_truncated(&self) -> bool {
        self.0.kind == Kind::Truncated
    }

    /// Whether the bytes do not start with [`MAGIC`].
    pub fn is_foreign(&self) -> bool {
        self.0.kind == Kind::Foreign
    }

    /// Whether the artifact has another [`FORMAT_VERSION`].
    pub fn is_version_mismatch(&self) -> bool {
        matches!(self.0.kind, Kind::Version(_))
    }

    /// The format version found, for a version mismatch.
    pub fn found_version(&self) -> Option<u32> {
        match self.0.kind {
            Kind::Version(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the body is damaged: a wrong checksum, padding, or bytes
    /// that do not decode.
    pub fn is_corrupt(&self) -> bool {
        self.0.kind == Kind::Corrupt
    }

    /// Whether the body decodes to a table whose ids or ranges point
    /// nowhere ([`TableError`]).
    pub fn is_inconsistent(&self) -> bool {
        matches!(self.0.kind, Kind::Inconsistent(_))
    }

    /// The header field or body section where the problem is.
    pub fn place(&self) -> &str {
        self.0.place
    }

    /// The body offset of the problem, where one applies.
    pub fn offset(&self) -> Option<usize> {
        self.0.offset
    }
}

impl From<TableError> for ArtifactError {
    fn from(e: TableError) -> Self {
        let detail = e.to_string();
        ArtifactError::new(Kind::Inconsistent(e), "table", None, detail)
    }
}

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "artifact: {}", self.0.place)?;
        if let Some(o) = self.0.offset {
            write!(f, " at body byte {o}")?;
        }
        write!(f, ": {}", self.0.detail)
    }
}

impl std::error::Error for ArtifactError {}

const K0: u64 = 0x9e37_79b9_7f4a_7c15;
const K1: u64 = 0xc2b2_ae3d_27d4_eb4f;

#[inline]
fn step(h: u64, w: u64) -> u64 {
    (h ^ w).wrapping_mul(K1).rotate_left(29)
}

/// The body checksum: four multiply-rotate lanes over 32-byte blocks, then
/// the tail word by word, folded with the length. Each step is a bijection
/// of the lane for a fixed word and of the word for a fixed lane, so any
/// change confined to one 8-byte word changes the result.
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut lanes = [K0, K0 ^ 1, K0 ^ 2, K0 ^ 3];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = step(*lane, le_word(w));
        }
    }
    let mut h = bytes.len() as u64;
    for lane in lanes {
        h = step(h, lane);
    }
    for w in blocks.remainder().chunks(8) {
        h = step(h, le_word(w));
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// Writes a table as an artifact.
pub fn write(table: &Table) -> Vec<u8> {
    let mut collect = Writer {
        collecting: true,
        sizes: [0; ARENAS.len()],
        strings: Vec::new(),
        numbers: FastMap::default(),
        list_items: Vec::new(),
        tag_items: Vec::new(),
        out: Vec::new(),
    };
    collect.table(table);
    let mut strings = std::mem::take(&mut collect.strings);
    strings.sort_unstable();
    strings.dedup();
    let mut w = Writer {
        collecting: false,
        sizes: collect.sizes,
        numbers: strings
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i as u32))
            .collect(),
        strings: Vec::new(),
        list_items: Vec::new(),
        tag_items: Vec::new(),
        out: Vec::new(),
    };
    w.pool(&strings);
    for n in w.sizes {
        w.len(n);
    }
    for i in &collect.list_items {
        w.raw(&i.to_le_bytes());
    }
    for (k, v) in &collect.tag_items {
        w.u(*k);
        w.s(v);
    }
    w.table(table);
    let body = w.out;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Frames `body` as an artifact with a valid header (for tests and fuzzing:
/// any bytes then reach the body decoder).
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn header_error(kind: Kind, place: &'static str, detail: String) -> ArtifactError {
    ArtifactError::new(kind, place, None, detail)
}

/// Reads an artifact back into a table.
///
/// # Errors
///
/// An [`ArtifactError`] for a wrong magic, version, length or checksum, or a
/// body that does not decode.
pub fn read(bytes: &[u8]) -> Result<Table, ArtifactError> {
    // A header field, zero-padded where the input ends early.
    let field = |range: std::ops::Range<usize>| -> [u8; 8] {
        let mut w = [0u8; 8];
        for (slot, b) in w.iter_mut().zip(bytes.get(range).unwrap_or(&[])) {
            *slot = *b;
        }
        w
    };
    let magic = match bytes.get(..MAGIC.len()) {
        Some(head) => head == MAGIC.as_slice(),
        None => MAGIC.starts_with(bytes),
    };
    if !magic {
        return Err(header_error(
            Kind::Foreign,
            "header",
            "not a Sesame artifact (wrong magic bytes)".to_owned(),
        ));
    }
    if bytes.len() < HEADER_LEN {
        return Err(header_error(
            Kind::Truncated,
            "header",
            format!(
                "{} bytes is shorter than the {HEADER_LEN}-byte header",
                bytes.len()
            ),
        ));
    }
    let v = field(8..12);
    let version = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
    if version != FORMAT_VERSION {
        return Err(header_error(
            Kind::Version(version),
            "header",
            format!(
                "format version {version} is not the supported version {FORMAT_VERSION}; recompile the store with this build's `sesame compile`"
            ),
        ));
    }
    let length = u64::from_le_bytes(field(12..20));
    let sum = u64::from_le_bytes(field(20..28));
    let body = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    if body.len() as u64 != length {
        let kind = if (body.len() as u64) < length {
            Kind::Truncated
        } else {
            Kind::Corrupt
        };
        return Err(header_error(
            kind,
            "header",
            format!(
                "the header says the body has {length} bytes, but {} follow ({})",
                body.len(),
                if (body.len() as u64) < length {
                    "truncated"
                } else {
                    "padded"
                }
            ),
        ));
    }
    if checksum(body) != sum {
        return Err(header_error(
            Kind::Corrupt,
            "header",
            "checksum mismatch: the body is corrupted".to_owned(),
        ));
    }
    let mut r = Reader {
        c: Cur {
            body,
            pos: 0,
            section: "string pool",
        },
        pool: Vec::new(),
        t: Table::default(),
    };
    let table = r.table()?;
    let c = r.at("end");
    if c.pos != body.len() {
        return Err(c.corrupt(format!(
            "{} bytes left over after the table",
            body.len() - c.pos
        )));
    }
    Ok(table)
}

// ---------------------------------------------------------------- writing

/// The writer walks the table twice: once collecting its strings for the
/// pool, once writing (numbers are dropped while collecting).
struct Writer<'t> {
    collecting: bool,
    /// The item count of each arena the reader fills, counted while
    /// collecting (in the order of [`ARENAS`]).
    sizes: [usize; ARENAS.len()],
    strings: Vec<&'t str>,
    numbers: FastMap<&'t str, u32>,
    /// The items of every arena id list, in the order the lists are
    /// written (gathered while collecting, written after the sizes).
    list_items: Vec<u32>,
    /// The (key, value) pairs of every tag list, likewise.
    tag_items: Vec<(u32, &'t str)>,
    out: Vec<u8>,
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

impl<'t> Writer<'t> {
    fn uv(&mut self, mut v: u64) {
        if self.collecting {
            return;
        }
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    fn u(&mut self, v: u32) {
        self.uv(u64::from(v));
    }

    fn len(&mut self, n: usize) {
        self.uv(n as u64);
    }

    fn flag(&mut self, b: bool) {
        self.uv(u64::from(b));
    }

    fn raw(&mut self, bytes: &[u8]) {
        if !self.collecting {
            self.out.extend_from_slice(bytes);
        }
    }

    fn s(&mut self, s: &'t str) {
        if self.collecting {
            self.strings.push(s);
        } else {
            let n = self.numbers.get(s).copied().unwrap_or(0);
            self.u(n);
        }
    }

    fn opt_s(&mut self, s: Option<&'t str>) {
        match s {
            None => self.u(0),
            Some(s) => {
                self.u(1);
                self.s(s);
            }
        }
    }

    fn pool(&mut self, strings: &[&str]) {
        self.len(strings.len());
        self.len(strings.iter().map(|s| s.len()).sum());
        let mut prev: &[u8] = &[];
        for s in strings {
            let b = s.as_bytes();
            let lcp = prev.iter().zip(b).take_while(|(x, y)| x == y).count();
            // The shared prefix is capped so that the text is at most
            // MAX_EXPANSION times the bytes encoding it.
            let shared = lcp.min((MAX_EXPANSION - 1) * (b.len() - lcp + 2));
            let rest = b.get(shared..).unwrap_or(&[]);
            self.len(shared);
            self.len(rest.len());
            self.raw(rest);
            prev = b;
        }
    }

    /// Counts `n` items of arena `a` (while collecting).
    fn arena(&mut self, a: usize, n: usize) {
        if self.collecting {
            if let Some(c) = self.sizes.get_mut(a) {
                *c += n;
            }
        }
    }

    /// An id list of [`Table::lists`]: its items go to the arena written
    /// after the sizes, and here only its length.
    fn list(&mut self, ids: &[u32]) {
        self.arena(LISTS, ids.len());
        if self.collecting {
            self.list_items.extend_from_slice(ids);
        }
        self.len(ids.len());
    }

    fn ids(&mut self, ids: &[u32]) {
        self.len(ids.len());
        for i in ids {
            self.u(*i);
        }
    }

    fn index(&mut self, t: &'t Table, index: &'t StrIndex) {
        let mut entries: Vec<(&'t str, u32)> = index.iter(&t.text).collect();
        entries.sort_unstable();
        self.len(entries.len());
        let (mut key, mut value) = (0i64, 0i64);
        for (k, v) in entries {
            if self.collecting {
                self.strings.push(k);
                continue;
            }
            let n = i64::from(self.numbers.get(k).copied().unwrap_or(0));
            self.uv(zigzag(n - key));
            self.uv(zigzag(i64::from(v) - value));
            key = n;
            value = i64::from(v);
        }
    }

    fn tok(&mut self, t: &Tok) {
        self.u(match t {
            Tok::Lit(c) => u32::from(*c) << 2,
            Tok::Star => 1,
            Tok::Quest => 2,
        });
    }

    fn toks(&mut self, ts: &[Tok]) {
        self.len(ts.len());
        for t in ts {
            self.tok(t);
        }
    }

    fn program(&mut self, table: &'t Table, p: Program) {
        match p {
            Program::Exact(s) => {
                self.u(0);
                self.s(table.str(s));
            }
            Program::Prefix(s) => {
                self.u(1);
                self.s(table.str(s));
            }
            Program::Suffix(s) => {
                self.u(2);
                self.s(table.str(s));
            }
            Program::Pieces(ps) => {
                self.u(3);
                let ps = table.pieces(ps);
                self.arena(PIECES, ps.len());
                self.len(ps.len());
                for s in ps {
                    self.s(table.str(*s));
                }
            }
            Program::General(ts) => {
                self.u(4);
                let ts = table.arn_toks(ts);
                self.arena(ARN_TOKS, ts.len());
                self.len(ts.len());
                for t in ts {
                    let flags = u32::from(t.star_crosses) | (u32::from(t.quest_colon) << 1);
                    match t.tok {
                        Tok::Lit(c) => self.uv((u64::from(c) << 4) | u64::from(flags << 2)),
                        Tok::Star => self.uv(1 | u64::from(flags << 2)),
                        Tok::Quest => self.uv(2 | u64::from(flags << 2)),
                    }
                }
            }
        }
    }

    fn template(&mut self, t: &'t Template) {
        self.len(t.pieces.len());
        for p in &t.pieces {
            match p {
                Piece::Toks(ts) => {
                    self.u(0);
                    self.toks(ts);
                }
                Piece::Var { key, default } => {
                    self.u(1);
                    self.u(*key);
                    self.opt_s(default.as_deref());
                }
                Piece::Never => self.u(2),
            }
        }
    }

    fn test(&mut self, table: &'t Table, test: Test) {
        let cmp = |c: &Cmp| match c {
            Cmp::Eq => 0,
            Cmp::Lt => 1,
            Cmp::Le => 2,
            Cmp::Gt => 3,
            Cmp::Ge => 4,
        };
        match test {
            Test::Null {
                when_missing,
                when_present,
            } => {
                self.u(0);
                self.flag(when_missing);
                self.flag(when_present);
            }
            Test::Equals(vs) | Test::EqualsIgnoreCase(vs) => {
                self.u(if matches!(test, Test::Equals(_)) {
                    1
                } else {
                    2
                });
                self.values(TEXT_VALUES, table.text_values(vs), |w, v| match v {
                    TextValue::Text(s) => {
                        w.u(0);
                        w.s(table.str(*s));
                    }
                    TextValue::Template(t) => {
                        w.u(1);
                        w.template(t);
                    }
                });
            }
            Test::Like(vs) | Test::Arn(vs) => {
                self.u(if matches!(test, Test::Like(_)) { 3 } else { 4 });
                self.values(GLOB_VALUES, table.glob_values(vs), |w, v| match v {
                    GlobValue::Fixed(p) => {
                        w.u(0);
                        w.program(table, *p);
                    }
                    GlobValue::Template(t) => {
                        w.u(1);
                        w.template(t);
                    }
                });
            }
            Test::Numeric(c, vs) => {
                self.u(5);
                self.u(cmp(&c));
                self.values(NUMBERS, table.numbers(vs), |w, v| match v {
                    None => w.u(0),
                    Some(f) => {
                        w.u(1);
                        w.raw(&f.to_bits().to_le_bytes());
                    }
                });
            }
            Test::Date(c, vs) => {
                self.u(6);
                self.u(cmp(&c));
                self.values(DATES, table.dates(vs), |w, v| match v {
                    None => w.u(0),
                    Some(d) => {
                        w.u(1);
                        w.raw(&d.to_le_bytes());
                    }
                });
            }
            Test::Bool(vs) | Test::Binary(vs) => {
                self.u(if matches!(test, Test::Bool(_)) { 7 } else { 8 });
                self.values(WORDS, table.words(vs), |w, v| w.s(table.str(*v)));
            }
            Test::Ip(vs) => {
                self.u(9);
                self.values(CIDRS, table.cidrs(vs), |w, v| match v {
                    None => w.u(0),
                    Some(Cidr::V4 { net, mask }) => {
                        w.u(1);
                        w.raw(&net.to_le_bytes());
                        w.raw(&mask.to_le_bytes());
                    }
                    Some(Cidr::V6 { net, mask }) => {
                        w.u(2);
                        w.raw(&net.to_le_bytes());
                        w.raw(&mask.to_le_bytes());
                    }
                });
            }
        }
    }

    /// Writes a counted list of values, each by `item`, counting them
    /// towards the arena `arena`'s size.
    fn values<T>(&mut self, arena: usize, vs: &'t [T], mut item: impl FnMut(&mut Self, &'t T)) {
        self.arena(arena, vs.len());
        self.len(vs.len());
        for v in vs {
            item(self, v);
        }
    }

    fn table(&mut self, t: &'t Table) {
        // Policies.
        self.len(t.policies.len());
        for p in &t.policies {
            self.s(t.str(p.name));
            self.u(p.body);
            match p.session_error {
                None => self.u(0),
                Some(e) => {
                    self.u(match e.problem {
                        SessionProblem::Principal => 1,
                        SessionProblem::NoResource => 2,
                    });
                    self.u(e.statement);
                }
            }
        }
        self.index(t, &t.policy_index);
        // Bodies.
        self.len(t.bodies.len());
        for b in &t.bodies {
            self.u(b.first);
            self.u(b.len);
            self.u(u32::from(b.has_allow) | (u32::from(b.has_deny) << 1));
        }
        // Statements.
        self.len(t.statements.len());
        for s in &t.statements {
            // One flags number: sid, deny, action negated, resource,
            // resource negated, principal.
            let flags = u32::from(s.sid.is_some())
                | (u32::from(s.effect == Effect::Deny) << 1)
                | (u32::from(s.action.negated) << 2)
                | (u32::from(s.resource.is_some()) << 3)
                | (u32::from(s.resource.as_ref().is_some_and(|r| r.negated)) << 4)
                | (u32::from(s.principal.is_some()) << 5);
            self.u(flags);
            if let Some(sid) = s.sid {
                self.s(t.str(sid));
            }
            self.u(s.index);
            self.list(t.ids(s.action.patterns));
            if let Some(r) = &s.resource {
                self.list(t.ids(r.patterns));
            }
            if let Some(p) = &s.principal {
                self.principal_test(p);
            }
            self.list(t.ids(s.conditions));
        }
        // Predicates.
        self.len(t.predicates.len());
        for p in &t.predicates {
            self.u(p.key);
            // The qualifier (0 to 2) and the flags (0 to 3) as one number.
            let qualifier = match p.qualifier {
                None => 0,
                Some(Qualifier::ForAllValues) => 1,
                Some(Qualifier::ForAnyValue) => 2,
            };
            self.u(qualifier + 3 * (u32::from(p.if_exists) | (u32::from(p.negated) << 1)));
            self.test(t, p.test);
        }
        // Keys.
        self.len(t.keys.len());
        for k in &t.keys {
            self.s(&k.lower);
            let tag = DERIVED.iter().position(|d| *d == k.derived).unwrap_or(0);
            self.len(tag);
        }
        // Actions.
        self.len(t.actions.patterns.len());
        for p in &t.actions.patterns {
            self.program(t, *p);
        }
        self.index(t, &t.actions.known);
        self.len(t.actions.classes.len());
        for class in &t.actions.classes {
            self.len(class.len());
            let ones: usize = class.iter().map(|w| w.count_ones() as usize).sum();
            self.len(ones);
            let mut prev = 0u64;
            for (wi, w) in class.iter().enumerate() {
                let mut w = *w;
                while w != 0 {
                    let bit = (wi as u64) * 64 + u64::from(w.trailing_zeros());
                    self.uv(bit - prev);
                    prev = bit;
                    w &= w - 1;
                }
            }
        }
        // Resource patterns.
        self.len(t.resource_patterns.len());
        for p in &t.resource_patterns {
            match p {
                PatternCode::Fixed(p) => {
                    self.u(0);
                    self.program(t, *p);
                }
                PatternCode::Template(tm) => {
                    self.u(1);
                    self.template(tm);
                }
            }
        }
        // Principals.
        self.len(t.principals.len());
        for p in &t.principals {
            // One number: the caller kind (0 for none, else the kind + 1)
            // plus 7 times the flags.
            let parts = p.caller.map(|c| c.to_parts()).unwrap_or_default();
            let kind = parts.first().map_or(0, |k| k + 1);
            let flags = u32::from(p.has_boundary) | (u32::from(p.service_linked) << 1);
            self.u(kind + 7 * flags);
            self.s(t.str(p.arn));
            for part in parts.iter().skip(1) {
                self.u(*part);
            }
            self.list(t.ids(p.policies));
            match p.boundary {
                None => self.u(0),
                Some(b) => self.uv(u64::from(b) + 1),
            }
            self.tags(t, p.tags);
        }
        self.index(t, &t.principal_index);
        self.index(t, &t.role_index);
        // Resources.
        self.len(t.resources.len());
        for r in &t.resources {
            // One flags number: the kind (0 to 2), then whether each
            // account is there.
            let kind = match r.kind {
                ResourceKind::Other => 0,
                ResourceKind::KmsKey => 1,
                ResourceKind::IamRole => 2,
            };
            self.u(kind
                | (u32::from(r.account.is_some()) << 2)
                | (u32::from(r.arn_account.is_some()) << 3));
            self.list(t.ids(r.policies));
            self.tags(t, r.tags);
            for a in r.account.iter().chain(r.arn_account.iter()) {
                self.s(t.str(*a));
            }
        }
        self.index(t, &t.resource_index);
        // Accounts.
        self.len(t.accounts.len());
        for a in &t.accounts {
            for levels in [&a.scps, &a.rcps] {
                self.len(levels.len());
                for level in levels.iter() {
                    self.ids(level);
                }
            }
        }
        self.index(t, &t.account_index);
    }

    /// A tag list of [`Table::tag_pairs`]: its pairs go to the arena
    /// written after the sizes, and here only its length.
    fn tags(&mut self, t: &'t Table, tags: Tags) {
        let list = t.tags(tags);
        self.arena(TAG_PAIRS, list.len());
        if self.collecting {
            for (k, v) in list {
                self.s(t.str(*v));
                self.tag_items.push((*k, t.str(*v)));
            }
        }
        self.len(list.len());
    }

    fn principal_test(&mut self, p: &'t PrincipalTest) {
        self.flag(p.negated);
        self.len(p.entries.len());
        for e in &p.entries {
            match e {
                PrincipalName::AwsAny => self.u(0),
                PrincipalName::Aws {
                    value,
                    root_account,
                } => {
                    self.u(1);
                    self.s(value);
                    self.opt_s(root_account.as_deref());
                }
                PrincipalName::Service(v) => {
                    self.u(2);
                    self.s(v);
                }
                PrincipalName::Exact(v) => {
                    self.u(3);
                    self.s(v);
                }
            }
        }
    }
}

/// The arenas whose sizes follow the pool, in order.
const ARENAS: [&str; 10] = [
    "id list",
    "tag",
    "program piece",
    "program token",
    "text value",
    "pattern value",
    "number",
    "date",
    "word",
    "address",
];
const LISTS: usize = 0;
const TAG_PAIRS: usize = 1;
const PIECES: usize = 2;
const ARN_TOKS: usize = 3;
const TEXT_VALUES: usize = 4;
const GLOB_VALUES: usize = 5;
const NUMBERS: usize = 6;
const DATES: usize = 7;
const WORDS: usize = 8;
const CIDRS: usize = 9;

const DERIVED: [Derived; 10] = [
    Derived::None,
    Derived::PrincipalIsAwsService,
    Derived::PrincipalServiceName,
    Derived::PrincipalArn,
    Derived::PrincipalAccount,
    Derived::PrincipalType,
    Derived::Username,
    Derived::ResourceAccount,
    Derived::PrincipalTag,
    Derived::ResourceTag,
];

// ---------------------------------------------------------------- reading

/// A varint of one to three bytes at `pos` (any `u32` below 2^21), moving
/// `pos` past it; `None` (and `pos` unmoved) for a longer or cut-off one,
/// which the caller reads the slow way.
#[inline(always)]
fn short_uv(body: &[u8], pos: &mut usize) -> Option<u32> {
    let p = *pos;
    let b = u32::from(*body.get(p)?);
    if b < 0x80 {
        *pos = p + 1;
        return Some(b);
    }
    let c = u32::from(*body.get(p + 1)?);
    if c < 0x80 {
        *pos = p + 2;
        return Some((b & 0x7f) | (c << 7));
    }
    let d = u32::from(*body.get(p + 2)?);
    if d < 0x80 {
        *pos = p + 3;
        return Some((b & 0x7f) | ((c & 0x7f) << 7) | (d << 14));
    }
    None
}

/// The runs handed out of an arena decoded up front: the next item, and
/// how many items it has.
#[derive(Clone, Copy)]
struct Runs {
    next: u32,
    len: u32,
}

/// A place in the body: its bytes, the position, and the section being
/// read (which errors name). It is `Copy`: each section's loop reads
/// through a local copy that the compiler keeps in registers (the slow and
/// error paths take it by value, and the rare out-of-line readers a copy,
/// through [`Cur::apart`]), and the reader stores its position back once.
#[derive(Clone, Copy)]
struct Cur<'b> {
    body: &'b [u8],
    pos: usize,
    section: &'static str,
}

/// A varint that [`short_uv`] did not read (four bytes or more, cut off,
/// or overflowing): its value and the position after it.
#[cold]
#[inline(never)]
fn uv_slow(body: &[u8], pos: usize, section: &'static str) -> Result<(u64, usize), ArtifactError> {
    let mut c = Cur { body, pos, section };
    let mut v = 0u64;
    let mut shift = 0u32;
    loop {
        let Some(b) = c.body.get(c.pos).copied() else {
            return Err(c.corrupt("the body ends in the middle of a number".to_owned()));
        };
        c.pos += 1;
        if shift == 63 && b > 1 {
            return Err(c.corrupt("a number overflows 64 bits".to_owned()));
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok((v, c.pos));
        }
        shift += 7;
        if shift > 63 {
            return Err(c.corrupt("a number overflows 64 bits".to_owned()));
        }
    }
}

/// [`uv_slow`] for a number that must fit 32 bits.
#[cold]
#[inline(never)]
fn u_slow(body: &[u8], pos: usize, section: &'static str) -> Result<(u32, usize), ArtifactError> {
    let (v, pos) = uv_slow(body, pos, section)?;
    match u32::try_from(v) {
        Ok(v) => Ok((v, pos)),
        Err(_) => Err(corrupt_at(
            section,
            pos,
            format!("`{v}` does not fit 32 bits"),
        )),
    }
}

// The errors, out of line and given the section and position as scalars:
// a whole `Cur` (five words) would go by a copy on the stack, which the
// compiler then writes before every check, on the path without an error.

#[cold]
#[inline(never)]
fn corrupt_at(section: &'static str, pos: usize, detail: String) -> ArtifactError {
    ArtifactError::new(Kind::Corrupt, section, Some(pos), detail)
}

#[cold]
#[inline(never)]
fn not_in_pool_at(section: &'static str, pos: usize, i: usize, n: usize) -> ArtifactError {
    corrupt_at(
        section,
        pos,
        format!("string `{i}` is not in the pool of {n}"),
    )
}

#[cold]
#[inline(never)]
fn cut_at(section: &'static str, pos: usize, n: usize, left: usize) -> ArtifactError {
    corrupt_at(
        section,
        pos,
        format!("the body ends in the middle of a value ({n} bytes wanted, {left} left)"),
    )
}

#[cold]
#[inline(never)]
fn not_a_at(section: &'static str, pos: usize, v: u32, what: &str) -> ArtifactError {
    corrupt_at(section, pos, format!("`{v}` is not a {what} tag"))
}

#[cold]
#[inline(never)]
fn too_many_at(section: &'static str, pos: usize, n: u64, left: usize) -> ArtifactError {
    corrupt_at(
        section,
        pos,
        format!("a list claims {n} items but only {left} bytes remain"),
    )
}

#[cold]
#[inline(never)]
fn past_arena_at(section: &'static str, pos: usize, n: u64, len: u32, what: &str) -> ArtifactError {
    corrupt_at(
        section,
        pos,
        format!("a {what} of {n} items passes the end of its arena ({len} items)"),
    )
}

/// Pool string `i` as a [`Str`]; `pool` holds 0, then where each string
/// ends (each starts where the one before ends).
#[inline(always)]
fn str_at(c: Cur<'_>, pool: &[u32], i: usize) -> Result<Str, ArtifactError> {
    match (pool.get(i), pool.get(i.wrapping_add(1))) {
        (Some(&start), Some(&end)) => Ok(Str { start, end }),
        _ => Err(c.not_in_pool(i, pool.len().saturating_sub(1))),
    }
}

/// The text of `s` in `text` (empty for a range outside it).
fn text_of(text: &str, s: Str) -> &str {
    text.get(s.start as usize..s.end as usize).unwrap_or("")
}

impl<'b> Cur<'b> {
    #[inline(always)]
    fn corrupt(&self, detail: String) -> ArtifactError {
        corrupt_at(self.section, self.pos, detail)
    }

    #[inline(always)]
    fn not_in_pool(&self, i: usize, n: usize) -> ArtifactError {
        not_in_pool_at(self.section, self.pos, i, n)
    }

    #[inline(always)]
    fn left(&self) -> usize {
        self.body.len().saturating_sub(self.pos)
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Result<&'b [u8], ArtifactError> {
        match self
            .pos
            .checked_add(n)
            .and_then(|e| self.body.get(self.pos..e))
        {
            Some(b) => {
                self.pos += n;
                Ok(b)
            }
            None => Err(self.cut(n)),
        }
    }

    #[inline(always)]
    fn cut(&self, n: usize) -> ArtifactError {
        cut_at(self.section, self.pos, n, self.left())
    }

    /// A varint: numbers of up to three bytes (string numbers of a pool of
    /// up to two million strings) are read inline.
    #[inline(always)]
    fn uv(&mut self) -> Result<u64, ArtifactError> {
        if let Some(v) = short_uv(self.body, &mut self.pos) {
            return Ok(u64::from(v));
        }
        let (v, pos) = uv_slow(self.body, self.pos, self.section)?;
        self.pos = pos;
        Ok(v)
    }

    /// A varint that must fit 32 bits.
    #[inline(always)]
    fn u(&mut self) -> Result<u32, ArtifactError> {
        if let Some(v) = short_uv(self.body, &mut self.pos) {
            return Ok(v);
        }
        let (v, pos) = u_slow(self.body, self.pos, self.section)?;
        self.pos = pos;
        Ok(v)
    }

    /// A number that must be below `n` (a tag, a kind).
    #[inline(always)]
    fn below(&mut self, n: u32, what: &str) -> Result<u32, ArtifactError> {
        let v = self.u()?;
        if v < n {
            Ok(v)
        } else {
            Err(self.not_a(v, what))
        }
    }

    #[inline(always)]
    fn not_a(&self, v: u32, what: &str) -> ArtifactError {
        not_a_at(self.section, self.pos, v, what)
    }

    #[inline(always)]
    fn flag(&mut self) -> Result<bool, ArtifactError> {
        Ok(self.below(2, "boolean")? == 1)
    }

    /// A list count, which cannot exceed the bytes left (every item takes at
    /// least one byte).
    #[inline(always)]
    fn count(&mut self) -> Result<usize, ArtifactError> {
        let n = self.uv()?;
        if n > self.left() as u64 {
            return Err(self.too_many(n));
        }
        Ok(n as usize)
    }

    #[inline(always)]
    fn too_many(&self, n: u64) -> ArtifactError {
        too_many_at(self.section, self.pos, n, self.left())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ArtifactError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A pool string as a [`Str`].
    #[inline(always)]
    fn s(&mut self, pool: &[u32]) -> Result<Str, ArtifactError> {
        let i = self.u()? as usize;
        str_at(*self, pool, i)
    }

    /// A pool string, copied out of `text` (the pool's text).
    fn boxed(&mut self, pool: &[u32], text: &str) -> Result<Box<str>, ArtifactError> {
        let s = self.s(pool)?;
        Ok(text_of(text, s).into())
    }

    fn opt_boxed(&mut self, pool: &[u32], text: &str) -> Result<Option<Box<str>>, ArtifactError> {
        Ok(if self.flag()? {
            Some(self.boxed(pool, text)?)
        } else {
            None
        })
    }

    /// Runs `read` on a copy of the cursor, taking its position back: for
    /// readers kept out of line, so that the caller's cursor stays in
    /// registers.
    #[inline(always)]
    fn apart<T>(
        &mut self,
        read: impl FnOnce(&mut Cur<'b>) -> Result<T, ArtifactError>,
    ) -> Result<T, ArtifactError> {
        let mut copy = *self;
        let v = read(&mut copy);
        self.pos = copy.pos;
        v
    }

    /// The span of the items an arena gained since it had `start`.
    #[inline(always)]
    fn span(&self, start: usize, end: usize) -> Result<Span, ArtifactError> {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(start), Ok(end)) => Ok(Span { start, end }),
            _ => Err(self.corrupt("an arena passes 32-bit positions".to_owned())),
        }
    }

    /// The next run of an arena decoded up front: its length, then the
    /// items after those handed out before.
    #[inline(always)]
    fn run(&mut self, runs: &mut Runs, what: &str) -> Result<(u32, u32), ArtifactError> {
        let n = self.uv()?;
        let start = runs.next;
        let end = u64::from(start).saturating_add(n);
        if end > u64::from(runs.len) {
            return Err(self.past_arena(n, runs.len, what));
        }
        runs.next = end as u32;
        Ok((start, end as u32))
    }

    #[inline(always)]
    fn past_arena(&self, n: u64, len: u32, what: &str) -> ArtifactError {
        past_arena_at(self.section, self.pos, n, len, what)
    }

    /// An id list of the arena.
    #[inline(always)]
    fn ids(&mut self, lists: &mut Runs) -> Result<Ids, ArtifactError> {
        let (start, end) = self.run(lists, "id list")?;
        Ok(Ids { start, end })
    }

    /// A tag list of the arena.
    #[inline(always)]
    fn tags(&mut self, pairs: &mut Runs) -> Result<Tags, ArtifactError> {
        let (start, end) = self.run(pairs, "tag list")?;
        Ok(Tags { start, end })
    }

    fn boxed_ids(&mut self) -> Result<Box<[u32]>, ArtifactError> {
        let n = self.count()?;
        (0..n).map(|_| self.u()).collect()
    }

    fn tok(&mut self) -> Result<Tok, ArtifactError> {
        let v = self.u()?;
        decode_tok(v & 3, v >> 2).ok_or_else(|| self.corrupt(format!("`{v}` is not a token")))
    }

    fn toks(&mut self) -> Result<Box<[Tok]>, ArtifactError> {
        let n = self.count()?;
        (0..n).map(|_| self.tok()).collect()
    }

    /// A program: the one-string kinds inline, the token kinds out of line.
    #[inline(always)]
    fn program(
        &mut self,
        pool: &[u32],
        pieces: &mut Vec<Str>,
        toks: &mut Vec<ArnTok>,
    ) -> Result<Program, ArtifactError> {
        Ok(match self.below(5, "pattern")? {
            0 => Program::Exact(self.s(pool)?),
            1 => Program::Prefix(self.s(pool)?),
            2 => Program::Suffix(self.s(pool)?),
            tag => self.apart(|c| c.token_program(tag, pool, pieces, toks))?,
        })
    }

    /// A program of pieces (`tag` 3) or of tokens (4).
    #[inline(never)]
    fn token_program(
        &mut self,
        tag: u32,
        pool: &[u32],
        pieces: &mut Vec<Str>,
        toks: &mut Vec<ArnTok>,
    ) -> Result<Program, ArtifactError> {
        Ok(match tag {
            3 => {
                let n = self.count()?;
                let start = pieces.len();
                for _ in 0..n {
                    let s = self.s(pool)?;
                    pieces.push(s);
                }
                Program::Pieces(self.span(start, pieces.len())?)
            }
            _ => {
                let n = self.count()?;
                let start = toks.len();
                for _ in 0..n {
                    let v = self.uv()?;
                    let flags = (v >> 2) & 3;
                    let tok = u32::try_from(v >> 4)
                        .ok()
                        .and_then(|payload| decode_tok((v & 3) as u32, payload))
                        .ok_or_else(|| self.corrupt(format!("`{v}` is not a pattern token")))?;
                    toks.push(ArnTok {
                        tok,
                        star_crosses: flags & 1 != 0,
                        quest_colon: flags & 2 != 0,
                    });
                }
                Program::General(self.span(start, toks.len())?)
            }
        })
    }

    #[inline(never)]
    fn template(&mut self, pool: &[u32], text: &str) -> Result<Template, ArtifactError> {
        let n = self.count()?;
        let mut pieces = Vec::with_capacity(n);
        for _ in 0..n {
            pieces.push(match self.below(3, "template piece")? {
                0 => Piece::Toks(self.toks()?),
                1 => Piece::Var {
                    key: self.u()?,
                    default: self.opt_boxed(pool, text)?,
                },
                _ => Piece::Never,
            });
        }
        Ok(Template {
            pieces: pieces.into(),
        })
    }

    fn cmp(&mut self) -> Result<Cmp, ArtifactError> {
        Ok(match self.below(5, "comparison")? {
            0 => Cmp::Eq,
            1 => Cmp::Lt,
            2 => Cmp::Le,
            3 => Cmp::Gt,
            _ => Cmp::Ge,
        })
    }

    /// Reads a counted list of values, each by `item`, onto the end of
    /// `arena`; its span there.
    #[inline(always)]
    fn list<T>(
        &mut self,
        arena: &mut Vec<T>,
        mut item: impl FnMut(&mut Self) -> Result<T, ArtifactError>,
    ) -> Result<Span, ArtifactError> {
        let n = self.count()?;
        let start = arena.len();
        for _ in 0..n {
            let v = item(self)?;
            arena.push(v);
        }
        self.span(start, arena.len())
    }

    /// A condition test; its values go to the table's arenas. Pattern
    /// tests (the common ones) are read inline, the rest out of line.
    #[inline(always)]
    fn test(&mut self, pool: &[u32], t: &mut Table) -> Result<Test, ArtifactError> {
        let tag = self.below(10, "condition test")?;
        if tag == 3 || tag == 4 {
            let Table {
                text,
                glob_values,
                pieces,
                arn_toks,
                ..
            } = t;
            let vs = self.list(glob_values, |c| {
                Ok(if c.flag()? {
                    GlobValue::Template(c.apart(|c| c.template(pool, text))?)
                } else {
                    GlobValue::Fixed(c.program(pool, pieces, arn_toks)?)
                })
            })?;
            return Ok(if tag == 3 {
                Test::Like(vs)
            } else {
                Test::Arn(vs)
            });
        }
        self.apart(|c| c.other_test(tag, pool, t))
    }

    /// A test other than a pattern test.
    #[inline(never)]
    fn other_test(&mut self, tag: u32, pool: &[u32], t: &mut Table) -> Result<Test, ArtifactError> {
        Ok(match tag {
            0 => Test::Null {
                when_missing: self.flag()?,
                when_present: self.flag()?,
            },
            1 | 2 => {
                let Table {
                    text, text_values, ..
                } = t;
                let vs = self.list(text_values, |c| {
                    Ok(if c.flag()? {
                        TextValue::Template(c.template(pool, text)?)
                    } else {
                        TextValue::Text(c.s(pool)?)
                    })
                })?;
                if tag == 1 {
                    Test::Equals(vs)
                } else {
                    Test::EqualsIgnoreCase(vs)
                }
            }
            5 => {
                let c = self.cmp()?;
                let vs = self.list(&mut t.numbers, |r| {
                    Ok(if r.flag()? {
                        Some(f64::from_bits(u64::from_le_bytes(r.array()?)))
                    } else {
                        None
                    })
                })?;
                Test::Numeric(c, vs)
            }
            6 => {
                let c = self.cmp()?;
                let vs = self.list(&mut t.dates, |r| {
                    Ok(if r.flag()? {
                        Some(i128::from_le_bytes(r.array()?))
                    } else {
                        None
                    })
                })?;
                Test::Date(c, vs)
            }
            7 | 8 => {
                let vs = self.list(&mut t.words, |r| r.s(pool))?;
                if tag == 7 {
                    Test::Bool(vs)
                } else {
                    Test::Binary(vs)
                }
            }
            9 => Test::Ip(self.list(&mut t.cidrs, |r| {
                Ok(match r.below(3, "CIDR")? {
                    0 => None,
                    1 => Some(Cidr::V4 {
                        net: u32::from_le_bytes(r.array()?),
                        mask: u32::from_le_bytes(r.array()?),
                    }),
                    _ => Some(Cidr::V6 {
                        net: u128::from_le_bytes(r.array()?),
                        mask: u128::from_le_bytes(r.array()?),
                    }),
                })
            })?),
            // Pattern tests are read by `test`; a tag past 9 was refused.
            _ => return Err(self.not_a(tag, "condition test")),
        })
    }

    #[inline(never)]
    fn principal_test(&mut self, pool: &[u32], text: &str) -> Result<PrincipalTest, ArtifactError> {
        let negated = self.flag()?;
        let n = self.count()?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(match self.below(4, "principal")? {
                0 => PrincipalName::AwsAny,
                1 => PrincipalName::Aws {
                    value: self.boxed(pool, text)?,
                    root_account: self.opt_boxed(pool, text)?,
                },
                2 => PrincipalName::Service(self.boxed(pool, text)?),
                _ => PrincipalName::Exact(self.boxed(pool, text)?),
            });
        }
        Ok(PrincipalTest {
            negated,
            entries: entries.into(),
        })
    }
}

struct Reader<'b> {
    /// Where the sections read so far end.
    c: Cur<'b>,
    /// 0, then where each pool string ends in the text arena (it starts
    /// where the one before ends).
    pool: Vec<u32>,
    /// The table being read: its text arena is the pool, and programs and
    /// condition values go straight into its arenas.
    t: Table,
}

impl<'b> Reader<'b> {
    /// A cursor at the end of what was read, for `section`.
    #[inline(always)]
    fn at(&self, section: &'static str) -> Cur<'b> {
        Cur { section, ..self.c }
    }

    #[inline(never)]
    fn pool(&mut self) -> Result<(), ArtifactError> {
        let mut c = self.at("string pool");
        let n = c.count()?;
        let total = c.uv()?;
        if total > MAX_EXPANSION.saturating_mul(c.left()) as u64 {
            return Err(c.corrupt(format!(
                "the pool claims {total} bytes of text, more than {MAX_EXPANSION} times the {} bytes left",
                c.left()
            )));
        }
        let total = total as usize;
        if u32::try_from(total).is_err() {
            return Err(c.corrupt(format!("the pool's {total} bytes pass 4 GiB")));
        }
        // The text, string by string: each is `shared` bytes of the one
        // before (at `prev..`), then `rest` bytes of the body.
        let mut text: Vec<u8> = Vec::with_capacity(total);
        let mut ends: Vec<u32> = Vec::with_capacity(n + 1);
        ends.push(0);
        let mut prev = 0usize;
        for _ in 0..n {
            let shared = c.uv()?;
            let rest = c.uv()?;
            let len = text.len();
            let prev_len = len - prev;
            let fresh = match usize::try_from(rest) {
                Ok(rest) => c.pos.checked_add(rest).and_then(|e| c.body.get(c.pos..e)),
                Err(_) => None,
            };
            let Some(fresh) = fresh else {
                return Err(c.too_many(rest));
            };
            if shared > prev_len as u64 || shared > (MAX_EXPANSION as u64 - 1) * (rest + 2) {
                return Err(c.corrupt(format!(
                    "a pool string shares {shared} bytes with one of {prev_len} (or more than its encoding allows)"
                )));
            }
            let shared = shared as usize;
            if len + shared + fresh.len() > total {
                return Err(c.corrupt(format!(
                    "the pool's strings pass its declared {total} bytes"
                )));
            }
            text.extend_from_within(prev..prev + shared);
            text.extend_from_slice(fresh);
            c.pos += fresh.len();
            prev = len;
            // At most `total` < 2^32, checked above.
            ends.push(text.len() as u32);
        }
        let len = text.len();
        if len != total {
            return Err(c.corrupt(format!(
                "the pool's strings have {len} bytes, not the declared {total}"
            )));
        }
        let text = String::from_utf8(text)
            .map_err(|e| c.corrupt(format!("the pool is not UTF-8 ({e})")))?;
        if let Some(bad) = ends.iter().find(|e| !text.is_char_boundary(**e as usize)) {
            return Err(c.corrupt(format!(
                "a pool string ends at {bad}, inside a UTF-8 character"
            )));
        }
        self.c = c;
        self.pool = ends;
        self.t.text = text;
        Ok(())
    }

    /// The arena of `n` id-list items, each a little-endian `u32` (a
    /// fixed width, decoded in one pass without a branch per item).
    #[inline(never)]
    fn list_arena(&mut self, n: usize) -> Result<Vec<u32>, ArtifactError> {
        let mut c = self.at("id lists");
        let bytes = match n.checked_mul(4) {
            Some(len) => c.take(len)?,
            None => return Err(c.corrupt(format!("`{n}` id-list items overflow"))),
        };
        self.c = c;
        Ok(bytes
            .chunks_exact(4)
            .map(|w| <[u8; 4]>::try_from(w).map_or(0, u32::from_le_bytes))
            .collect())
    }

    /// The arena of `n` tag pairs.
    #[inline(never)]
    fn tag_arena(&mut self, n: usize) -> Result<Vec<(u32, Str)>, ArtifactError> {
        let mut c = self.at("tags");
        let pool = self.pool.as_slice();
        let mut pairs = Vec::with_capacity(n);
        for _ in 0..n {
            let k = c.u()?;
            let v = c.u()?;
            pairs.push((k, str_at(c, pool, v as usize)?));
        }
        self.c = c;
        Ok(pairs)
    }

    #[inline(never)]
    fn index(&mut self, what: &'static str) -> Result<StrIndex, ArtifactError> {
        let mut c = self.at(what);
        let n = c.count()?;
        let pool = self.pool.as_slice();
        let mut entries: Vec<(Str, u32)> = Vec::with_capacity(n);
        let (mut key, mut value) = (0i64, 0i64);
        for _ in 0..n {
            key = key.wrapping_add(unzigzag(c.uv()?));
            value = value.wrapping_add(unzigzag(c.uv()?));
            let Ok(k) = usize::try_from(key) else {
                return Err(c.corrupt(format!("`{key}` is not a pool string")));
            };
            let Ok(v) = u32::try_from(value) else {
                return Err(c.corrupt(format!("`{value}` is not an id")));
            };
            entries.push((str_at(c, pool, k)?, v));
        }
        self.c = c;
        StrIndex::from_distinct(&self.t.text, entries).map_err(|e| match e {
            FromDistinctError::Repeated(key) => c.corrupt(format!("the key `{key}` appears twice")),
            FromDistinctError::Full => {
                c.corrupt("more keys than 32-bit positions allow".to_owned())
            }
        })
    }

    /// The arena sizes after the pool: every arena is reserved once, at its
    /// final size. Each item takes at least one byte of the body, so the
    /// sizes together may not pass the bytes left.
    fn arena_sizes(&mut self) -> Result<[usize; ARENAS.len()], ArtifactError> {
        let mut c = self.at("arena sizes");
        let mut sizes = [0usize; ARENAS.len()];
        let mut total = 0usize;
        for n in &mut sizes {
            *n = c.count()?;
            total = total.saturating_add(*n);
        }
        if total > c.left() {
            return Err(c.corrupt(format!(
                "the arenas claim {total} items but only {} bytes remain",
                c.left()
            )));
        }
        self.c = c;
        let [
            _,
            _,
            pieces,
            toks,
            texts,
            globs,
            numbers,
            dates,
            words,
            cidrs,
        ] = sizes;
        let t = &mut self.t;
        t.pieces.reserve_exact(pieces);
        t.arn_toks.reserve_exact(toks);
        t.text_values.reserve_exact(texts);
        t.glob_values.reserve_exact(globs);
        t.numbers.reserve_exact(numbers);
        t.dates.reserve_exact(dates);
        t.words.reserve_exact(words);
        t.cidrs.reserve_exact(cidrs);
        Ok(sizes)
    }

    /// Whether every arena got the items its size announced.
    fn check_arena_sizes(
        &self,
        sizes: [usize; ARENAS.len()],
        lists: usize,
        tag_pairs: usize,
    ) -> Result<(), ArtifactError> {
        let t = &self.t;
        let found = [
            lists,
            tag_pairs,
            t.pieces.len(),
            t.arn_toks.len(),
            t.text_values.len(),
            t.glob_values.len(),
            t.numbers.len(),
            t.dates.len(),
            t.words.len(),
            t.cidrs.len(),
        ];
        for ((name, want), got) in ARENAS.iter().zip(sizes).zip(found) {
            if want != got {
                return Err(self.at("end").corrupt(format!(
                    "the {name} arena was announced with {want} items but has {got}"
                )));
            }
        }
        Ok(())
    }

    /// The policies section.
    #[inline(never)]
    fn policies(&mut self) -> Result<Vec<PolicyCode>, ArtifactError> {
        let mut c = self.at("policies");
        let pool = self.pool.as_slice();
        let n = c.count()?;
        let mut policies = Vec::with_capacity(n);
        for _ in 0..n {
            let name = c.s(pool)?;
            let body = c.u()?;
            let session_error = match c.below(3, "session problem")? {
                0 => None,
                p => Some(SessionError {
                    problem: if p == 1 {
                        SessionProblem::Principal
                    } else {
                        SessionProblem::NoResource
                    },
                    statement: c.u()?,
                }),
            };
            policies.push(PolicyCode {
                name,
                body,
                session_error,
            });
        }
        self.c = c;
        Ok(policies)
    }

    /// The bodies section.
    #[inline(never)]
    fn bodies(&mut self) -> Result<Vec<BodyCode>, ArtifactError> {
        let mut c = self.at("bodies");
        let n = c.count()?;
        let mut bodies = Vec::with_capacity(n);
        for _ in 0..n {
            let first = c.u()?;
            let len = c.u()?;
            let flags = c.below(4, "body flags")?;
            bodies.push(BodyCode {
                first,
                len,
                has_allow: flags & 1 != 0,
                has_deny: flags & 2 != 0,
                // Not written: set from the statements' signatures.
                allow_actions: 0,
                deny_actions: 0,
            });
        }
        self.c = c;
        Ok(bodies)
    }

    /// The statements section; their id lists go to `lists`.
    #[inline(never)]
    fn statements(
        &mut self,
        runs: &mut Runs,
        arena: &[u32],
    ) -> Result<Vec<StatementCode>, ArtifactError> {
        let mut c = self.at("statements");
        let mut lists = *runs;
        let pool = self.pool.as_slice();
        let text = self.t.text.as_str();
        let n = c.count()?;
        let mut statements = Vec::with_capacity(n);
        for _ in 0..n {
            let flags = c.below(64, "statement flags")?;
            let sid = if flags & 1 != 0 {
                Some(c.s(pool)?)
            } else {
                None
            };
            let index = c.u()?;
            let effect = if flags & 2 != 0 {
                Effect::Deny
            } else {
                Effect::Allow
            };
            let action = PatternTest {
                negated: flags & 4 != 0,
                patterns: c.ids(&mut lists)?,
            };
            let resource = if flags & 8 != 0 {
                Some(PatternTest {
                    negated: flags & 16 != 0,
                    patterns: c.ids(&mut lists)?,
                })
            } else if flags & 16 != 0 {
                return Err(c.corrupt("a statement without a resource test negates it".to_owned()));
            } else {
                None
            };
            let principal = if flags & 32 != 0 {
                Some(c.apart(|c| c.principal_test(pool, text))?)
            } else {
                None
            };
            let conditions = c.ids(&mut lists)?;
            // Not written: read off the action test.
            let actions = crate::table::action_signature(arena, &action);
            statements.push(StatementCode {
                sid,
                index,
                effect,
                action,
                resource,
                principal,
                conditions,
                actions,
            });
        }
        self.c = c;
        *runs = lists;
        Ok(statements)
    }

    /// The predicates section.
    #[inline(never)]
    fn predicates(&mut self) -> Result<Vec<PredicateCode>, ArtifactError> {
        let mut c = self.at("predicates");
        let pool = self.pool.as_slice();
        let t = &mut self.t;
        let n = c.count()?;
        let mut predicates = Vec::with_capacity(n);
        for _ in 0..n {
            let key = c.u()?;
            let packed = c.below(12, "predicate qualifier and flags")?;
            let qualifier = match packed % 3 {
                0 => None,
                1 => Some(Qualifier::ForAllValues),
                _ => Some(Qualifier::ForAnyValue),
            };
            let flags = packed / 3;
            predicates.push(PredicateCode {
                key,
                qualifier,
                if_exists: flags & 1 != 0,
                negated: flags & 2 != 0,
                test: c.test(pool, t)?,
            });
        }
        self.c = c;
        Ok(predicates)
    }

    /// The keys section.
    fn keys(&mut self) -> Result<Vec<KeyCode>, ArtifactError> {
        let mut c = self.at("keys");
        let pool = self.pool.as_slice();
        let text = self.t.text.as_str();
        let n = c.count()?;
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            let lower = c.boxed(pool, text)?;
            let t = c.u()?;
            let derived = *DERIVED
                .get(t as usize)
                .ok_or_else(|| c.corrupt(format!("`{t}` is not a derived-key tag")))?;
            keys.push(KeyCode { lower, derived });
        }
        self.c = c;
        Ok(keys)
    }

    /// The action patterns section.
    fn action_patterns(&mut self) -> Result<Vec<Program>, ArtifactError> {
        let mut c = self.at("action patterns");
        let pool = self.pool.as_slice();
        let Table {
            pieces, arn_toks, ..
        } = &mut self.t;
        let n = c.count()?;
        let mut patterns = Vec::with_capacity(n);
        for _ in 0..n {
            patterns.push(c.program(pool, pieces, arn_toks)?);
        }
        self.c = c;
        Ok(patterns)
    }

    /// The action classes section: sparse bitsets over `patterns` patterns.
    fn action_classes(&mut self, patterns: usize) -> Result<Vec<Box<[u64]>>, ArtifactError> {
        let mut c = self.at("action classes");
        let words = patterns.div_ceil(64);
        let n = c.count()?;
        let mut classes = Vec::with_capacity(n);
        for _ in 0..n {
            let len = c.uv()?;
            if len > words as u64 {
                return Err(c.corrupt(format!(
                    "a class of {len} words is longer than the {words} the patterns need"
                )));
            }
            let mut bits = vec![0u64; len as usize];
            let ones = c.count()?;
            let mut bit = 0u64;
            for i in 0..ones {
                let d = c.uv()?;
                bit = bit.saturating_add(d);
                if (i > 0 && d == 0) || bit >= len * 64 {
                    return Err(c.corrupt(format!(
                        "bit {bit} repeats or lies past the class's {len} words"
                    )));
                }
                if let Some(w) = bits.get_mut((bit / 64) as usize) {
                    *w |= 1u64 << (bit % 64);
                }
            }
            classes.push(bits.into_boxed_slice());
        }
        self.c = c;
        Ok(classes)
    }

    /// The resource patterns section.
    #[inline(never)]
    fn resource_patterns(&mut self) -> Result<Vec<PatternCode>, ArtifactError> {
        let mut c = self.at("resource patterns");
        let pool = self.pool.as_slice();
        let Table {
            text,
            pieces,
            arn_toks,
            ..
        } = &mut self.t;
        let text = text.as_str();
        let n = c.count()?;
        let mut resource_patterns = Vec::with_capacity(n);
        for _ in 0..n {
            resource_patterns.push(if c.flag()? {
                PatternCode::Template(c.apart(|c| c.template(pool, text))?)
            } else {
                PatternCode::Fixed(c.program(pool, pieces, arn_toks)?)
            });
        }
        self.c = c;
        Ok(resource_patterns)
    }

    /// The principals section; their id lists and tags go to `lists` and `tag_pairs`.
    #[inline(never)]
    fn principals(
        &mut self,
        list_runs: &mut Runs,
        tag_runs: &mut Runs,
    ) -> Result<Vec<PrincipalCode>, ArtifactError> {
        let mut c = self.at("principals");
        let (mut lists, mut tag_pairs) = (*list_runs, *tag_runs);
        let pool = self.pool.as_slice();
        let n = c.count()?;
        let mut principals = Vec::with_capacity(n);
        for _ in 0..n {
            let packed = c.below(28, "caller kind and principal flags")?;
            let flags = packed / 7;
            let arn = c.s(pool)?;
            let caller = match packed % 7 {
                0 => None,
                k => {
                    let mut parts = [k - 1, 0, 0, 0, 0, 0, 0, 0, 0];
                    for p in parts.iter_mut().skip(1) {
                        *p = c.u()?;
                    }
                    Some(CallerCode::from_parts(parts).ok_or_else(|| {
                        c.corrupt("a caller record has an unknown kind".to_owned())
                    })?)
                }
            };
            let policies = c.ids(&mut lists)?;
            let boundary = match c.u()? {
                0 => None,
                b => Some(b - 1),
            };
            let tags = c.tags(&mut tag_pairs)?;
            principals.push(PrincipalCode {
                arn,
                caller,
                policies,
                boundary,
                has_boundary: flags & 1 != 0,
                service_linked: flags & 2 != 0,
                tags,
            });
        }
        self.c = c;
        (*list_runs, *tag_runs) = (lists, tag_pairs);
        Ok(principals)
    }

    /// The resources section; their id lists and tags go to `lists` and `tag_pairs`.
    #[inline(never)]
    fn resources(
        &mut self,
        list_runs: &mut Runs,
        tag_runs: &mut Runs,
    ) -> Result<Vec<ResourceCode>, ArtifactError> {
        let mut c = self.at("resources");
        let (mut lists, mut tag_pairs) = (*list_runs, *tag_runs);
        let pool = self.pool.as_slice();
        let n = c.count()?;
        let mut resources = Vec::with_capacity(n);
        for _ in 0..n {
            let flags = c.below(16, "resource flags")?;
            let kind = match flags & 3 {
                0 => ResourceKind::Other,
                1 => ResourceKind::KmsKey,
                2 => ResourceKind::IamRole,
                _ => return Err(c.corrupt("`3` is not a resource kind tag".to_owned())),
            };
            let policies = c.ids(&mut lists)?;
            let tags = c.tags(&mut tag_pairs)?;
            let account = if flags & 4 != 0 {
                Some(c.s(pool)?)
            } else {
                None
            };
            let arn_account = if flags & 8 != 0 {
                Some(c.s(pool)?)
            } else {
                None
            };
            resources.push(ResourceCode {
                policies,
                tags,
                account,
                arn_account,
                kind,
            });
        }
        self.c = c;
        (*list_runs, *tag_runs) = (lists, tag_pairs);
        Ok(resources)
    }

    /// The accounts section.
    fn accounts(&mut self) -> Result<Vec<AccountCode>, ArtifactError> {
        let mut c = self.at("accounts");
        let n = c.count()?;
        let mut accounts = Vec::with_capacity(n);
        for _ in 0..n {
            let mut levels = [Vec::new(), Vec::new()];
            for l in &mut levels {
                let m = c.count()?;
                for _ in 0..m {
                    l.push(c.boxed_ids()?);
                }
            }
            let [scps, rcps] = levels;
            accounts.push(AccountCode {
                scps: scps.into(),
                rcps: rcps.into(),
            });
        }
        self.c = c;
        Ok(accounts)
    }

    fn table(&mut self) -> Result<Table, ArtifactError> {
        self.pool()?;
        let sizes = self.arena_sizes()?;
        let [list_items, tag_items, ..] = sizes;
        let lists = self.list_arena(list_items)?;
        let tag_pairs = self.tag_arena(tag_items)?;
        let (Ok(list_len), Ok(tag_len)) =
            (u32::try_from(lists.len()), u32::try_from(tag_pairs.len()))
        else {
            return Err(self
                .at("arena sizes")
                .corrupt("an arena passes 32-bit positions".to_owned()));
        };
        let mut list_runs = Runs {
            next: 0,
            len: list_len,
        };
        let mut tag_runs = Runs {
            next: 0,
            len: tag_len,
        };

        let policies = self.policies()?;
        let policy_index = self.index("policy index")?;

        let mut bodies = self.bodies()?;
        let statements = self.statements(&mut list_runs, &lists)?;
        crate::table::sign_bodies(&mut bodies, &statements);
        let predicates = self.predicates()?;
        let keys = self.keys()?;

        let patterns = self.action_patterns()?;
        let known = self.index("action index")?;
        let classes = self.action_classes(patterns.len())?;

        let resource_patterns = self.resource_patterns()?;
        let principals = self.principals(&mut list_runs, &mut tag_runs)?;
        let principal_index = self.index("principal index")?;
        let role_index = self.index("role index")?;

        let resources = self.resources(&mut list_runs, &mut tag_runs)?;
        let resource_index = self.index("resource index")?;

        let accounts = self.accounts()?;
        let account_index = self.index("account index")?;
        self.check_arena_sizes(sizes, list_runs.next as usize, tag_runs.next as usize)?;

        Ok(Table {
            lists,
            tag_pairs,
            policies,
            policy_index,
            bodies,
            statements,
            predicates,
            keys,
            actions: ActionTable {
                patterns,
                known,
                classes,
            },
            resource_patterns,
            principals,
            principal_index,
            role_index,
            resources,
            resource_index,
            accounts,
            account_index,
            ..std::mem::take(&mut self.t)
        })
    }
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A token from its two-bit kind and its payload (the character, for a
/// literal).
fn decode_tok(kind: u32, payload: u32) -> Option<Tok> {
    match (kind, payload) {
        (0, c) => char::from_u32(c).map(Tok::Lit),
        (1, 0) => Some(Tok::Star),
        (2, 0) => Some(Tok::Quest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sees_every_single_byte_change() {
        let body: Vec<u8> = (0..301u32).map(|i| (i * 7 + 3) as u8).collect();
        let sum = checksum(&body);
        for i in 0..body.len() {
            for x in [1u8, 0x80, 0xff] {
                let mut b = body.clone();
                b[i] ^= x;
                assert_ne!(checksum(&b), sum, "byte {i} ^ {x}");
            }
        }
        assert_ne!(checksum(&body[..300]), sum);
        assert_ne!(checksum(&[0]), checksum(&[0, 0]));
    }

    #[test]
    fn varints_and_zigzag_round_trip() {
        for v in [
            0u64,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            2_097_151,
            2_097_152,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut w = Writer {
                collecting: false,
                sizes: [0; ARENAS.len()],
                strings: Vec::new(),
                numbers: FastMap::default(),
                list_items: Vec::new(),
                tag_items: Vec::new(),
                out: Vec::new(),
            };
            w.uv(v);
            let mut r = Cur {
                body: &w.out,
                pos: 0,
                section: "test",
            };
            assert_eq!(r.uv().unwrap(), v);
            assert_eq!(r.pos, w.out.len());
        }
        for v in [0i64, 1, -1, 63, -64, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        let eleven = [0xffu8; 11];
        let mut r = Cur {
            body: &eleven,
            pos: 0,
            section: "test",
        };
        assert!(r.uv().unwrap_err().is_corrupt());
    }

    #[test]
    fn header_errors_say_what_is_wrong() {
        let good = write(&Table::default());
        assert!(read(&good).is_ok());
        assert!(read(&good[..10]).unwrap_err().is_truncated());
        assert!(read(&good[..good.len() - 1]).unwrap_err().is_truncated());
        assert!(
            read(b"PK\x03\x04 a zip file, say, not an artifact")
                .unwrap_err()
                .is_foreign()
        );
        assert!(read(b"short").unwrap_err().is_foreign());
        let mut v1 = good.clone();
        v1[8..12].copy_from_slice(&1u32.to_le_bytes());
        let e = read(&v1).unwrap_err();
        assert!(e.is_version_mismatch());
        assert_eq!(e.found_version(), Some(1));
        assert!(e.to_string().contains("format version 1"), "{e}");
        let mut padded = good.clone();
        padded.push(0);
        assert!(read(&padded).unwrap_err().is_corrupt());
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let e = read(&flipped).unwrap_err();
        assert!(e.is_corrupt());
        assert!(e.to_string().contains("checksum"), "{e}");
    }

    #[test]
    fn arena_sizes_must_match_the_table() {
        let good = write(&Table::default());
        let mut body = good[HEADER_LEN..].to_vec();
        // An empty pool is two zeros; the id-list, tag and program-piece
        // arenas' sizes follow.
        assert_eq!(&body[..5], &[0, 0, 0, 0, 0]);
        body[4] = 1;
        let e = read(&frame(&body)).unwrap_err();
        assert!(e.is_corrupt(), "{e}");
        assert!(
            e.to_string()
                .contains("program piece arena was announced with 1 items but has 0"),
            "{e}"
        );
        body[4] = 0;
        // One id-list item that no list uses: its four bytes are taken
        // from the sections, which then end early.
        body[2] = 1;
        let e = read(&frame(&body)).unwrap_err();
        assert!(e.is_corrupt(), "{e}");
        body[2] = 0x7f;
        let e = read(&frame(&body)).unwrap_err();
        assert!(e.is_corrupt() && e.place() == "arena sizes", "{e}");
    }

    #[test]
    fn programs_and_values_out_of_their_arenas_are_refused() {
        let mut t = Table::default();
        t.actions
            .patterns
            .push(Program::Exact(Str { start: 0, end: 5 }));
        let e = crate::Engine::new(t).unwrap_err();
        assert!(e.is_bad_range(), "{e}");
        let mut t = Table::default();
        t.text.push_str("key");
        t.keys.push(KeyCode {
            lower: "key".into(),
            derived: Derived::None,
        });
        t.predicates.push(PredicateCode {
            key: 0,
            qualifier: None,
            if_exists: false,
            negated: false,
            test: Test::Like(Span { start: 0, end: 1 }),
        });
        let e = crate::Engine::new(t.clone()).unwrap_err();
        assert!(e.is_bad_range(), "{e}");
        t.glob_values
            .push(GlobValue::Fixed(Program::Pieces(Span { start: 0, end: 2 })));
        let e = crate::Engine::new(t.clone()).unwrap_err();
        assert!(e.is_bad_range(), "{e}");
        t.pieces.push(Str { start: 0, end: 3 });
        t.pieces.push(Str { start: 1, end: 3 });
        let engine = crate::Engine::new(t).unwrap();
        let loaded = read(&engine.to_artifact()).unwrap();
        assert_eq!(loaded.predicates.len(), 1);
        let Test::Like(vs) = loaded.predicates[0].test else {
            panic!("a `Like` test")
        };
        let [GlobValue::Fixed(p)] = loaded.glob_values(vs) else {
            panic!("one fixed value")
        };
        let mut buffers = crate::glob::MatchBuffers::default();
        assert!(p.matches(&loaded, "key-ey", &mut buffers));
        assert!(!p.matches(&loaded, "key", &mut buffers));
    }

    /// A string range must lie in the text and, in a text that is not
    /// ASCII, fall on character boundaries (validation reads the ends'
    /// bytes only when the text is not ASCII).
    #[test]
    fn string_ranges_must_be_strings_of_the_text() {
        let with = |text: &str, start: u32, end: u32| {
            let mut t = Table::default();
            t.text.push_str(text);
            t.actions.patterns.push(Program::Exact(Str { start, end }));
            crate::Engine::new(t)
        };
        for (text, start, end, ok) in [
            ("abc", 0, 3, true),
            ("abc", 1, 1, true),
            ("abc", 1, 4, false),
            ("abc", 2, 1, false),
            ("a\u{e9}b", 0, 4, true),
            ("a\u{e9}b", 1, 3, true),
            ("a\u{e9}b", 0, 2, false),
            ("a\u{e9}b", 2, 4, false),
            ("a\u{e9}b", 0, 5, false),
        ] {
            match with(text, start, end) {
                Ok(_) => assert!(ok, "{text:?} {start}..{end} accepted"),
                Err(e) => assert!(!ok && e.is_bad_range(), "{text:?} {start}..{end}: {e}"),
            }
        }
    }

    #[test]
    fn list_runs_use_their_arena_in_order_and_never_pass_it() {
        let body = [2u8, 1, 1];
        let mut r = Cur {
            body: &body,
            pos: 0,
            section: "test",
        };
        let mut runs = Runs { next: 0, len: 3 };
        assert_eq!(r.ids(&mut runs).unwrap(), Ids { start: 0, end: 2 });
        assert_eq!(r.tags(&mut runs).unwrap(), Tags { start: 2, end: 3 });
        let e = r.ids(&mut runs).unwrap_err();
        assert!(e.is_corrupt(), "{e}");
        assert!(e.to_string().contains("passes the end of its arena"), "{e}");
        assert_eq!(runs.next, 3);
    }

    #[test]
    fn forged_pools_are_refused_without_allocating() {
        // A pool claiming a huge text, and one whose strings expand past
        // their encoding.
        let huge = frame(&[1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0]);
        let e = read(&huge).unwrap_err();
        assert!(e.is_corrupt() && e.place() == "string pool", "{e}");
        let mut body = vec![2, 200, 1];
        body.extend_from_slice(&[0, 100]);
        body.extend(std::iter::repeat_n(b'a', 100));
        body.extend_from_slice(&[100, 0]);
        let e = read(&frame(&body)).unwrap_err();
        assert!(e.is_corrupt(), "{e}");
        assert_eq!(e.place(), "string pool");
        assert!(e.offset().is_some());
    }
}
