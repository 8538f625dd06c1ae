//! The artifact: a compiled [`Table`] as bytes, written once by the compiler
//! and loaded by senders without the compiler, serde or any front end.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic    8 bytes  "SESAMEAR"
//! version  u32      FORMAT_VERSION
//! length   u64      length of the body
//! checksum u64      FNV-1a 64 of the body
//! body              the table, field by field
//! ```
//!
//! In the body a string is a `u32` length and UTF-8 bytes, a list a `u32`
//! count and its items, an option a `0`/`1` tag, an enum a `u8` tag. Loading
//! checks the magic, version, length and checksum first, then reads with
//! bounds checks everywhere: a list may not claim more items than bytes
//! remain, so a corrupted count cannot make the loader allocate without
//! bound. [`crate::Engine::new`] then checks every id. Truncated, corrupted
//! or foreign bytes give an [`ArtifactError`] naming what was wrong, never a
//! panic.

use std::fmt;

use crate::engine::CallerCode;
use crate::glob::{ArnTok, Program, Tok};
use crate::hash::FastMap;
use crate::table::{
    AccountCode, ActionTable, BodyCode, Cmp, Derived, Effect, GlobValue, KeyCode, PatternCode,
    PatternTest, Piece, PolicyCode, PredicateCode, PrincipalCode, PrincipalName, PrincipalTest,
    Qualifier, ResourceCode, ResourceKind, SessionError, SessionProblem, StatementCode, Table,
    Template, Test, TextValue,
};
use crate::text::Cidr;

/// The artifact's first bytes.
pub const MAGIC: &[u8; 8] = b"SESAMEAR";
/// The layout version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8 + 8;

/// Why bytes are not a loadable artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactError(pub String);

impl fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "artifact: {}", self.0)
    }
}

impl std::error::Error for ArtifactError {}

fn bad(message: impl Into<String>) -> ArtifactError {
    ArtifactError(message.into())
}

/// FNV-1a, 64 bits.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Writes a table as an artifact.
pub fn write(table: &Table) -> Vec<u8> {
    let mut body = Vec::new();
    table.put(&mut body);
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// Reads an artifact back into a table.
///
/// # Errors
///
/// An [`ArtifactError`] for a wrong magic, version, length or checksum, or a
/// body that does not decode.
pub fn read(bytes: &[u8]) -> Result<Table, ArtifactError> {
    if bytes.len() < HEADER {
        return Err(bad(format!(
            "{} bytes is shorter than the {HEADER}-byte header",
            bytes.len()
        )));
    }
    if bytes.get(..8) != Some(MAGIC.as_slice()) {
        return Err(bad("not a Sesame artifact (wrong magic bytes)"));
    }
    let mut r = Reader {
        bytes: bytes.get(8..HEADER).unwrap_or(&[]),
    };
    let version = r.u32()?;
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "format version {version} is not the supported version {FORMAT_VERSION}"
        )));
    }
    let length = r.u64()?;
    let sum = r.u64()?;
    let body = bytes.get(HEADER..).unwrap_or(&[]);
    if body.len() as u64 != length {
        return Err(bad(format!(
            "the header says the body has {length} bytes, but {} follow (truncated or padded)",
            body.len()
        )));
    }
    if checksum(body) != sum {
        return Err(bad("checksum mismatch: the body is corrupted"));
    }
    let mut r = Reader { bytes: body };
    let table = Table::get(&mut r)?;
    if !r.bytes.is_empty() {
        return Err(bad(format!(
            "{} bytes left over after the table",
            r.bytes.len()
        )));
    }
    Ok(table)
}

struct Reader<'b> {
    bytes: &'b [u8],
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Result<&'b [u8], ArtifactError> {
        if self.bytes.len() < n {
            return Err(bad("the body ends in the middle of a value"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ArtifactError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, ArtifactError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, ArtifactError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, ArtifactError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A list count, which cannot exceed the bytes left (every item takes at
    /// least one byte).
    fn count(&mut self) -> Result<usize, ArtifactError> {
        let n = self.u32()? as usize;
        if n > self.bytes.len() {
            return Err(bad(format!(
                "a list claims {n} items but only {} bytes remain",
                self.bytes.len()
            )));
        }
        Ok(n)
    }
}

trait Code: Sized {
    fn put(&self, w: &mut Vec<u8>);
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError>;
}

impl Code for u8 {
    fn put(&self, w: &mut Vec<u8>) {
        w.push(*self);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        r.u8()
    }
}

impl Code for bool {
    fn put(&self, w: &mut Vec<u8>) {
        w.push(u8::from(*self));
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        match r.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            t => Err(bad(format!("`{t}` is not a boolean"))),
        }
    }
}

impl Code for u32 {
    fn put(&self, w: &mut Vec<u8>) {
        w.extend_from_slice(&self.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        r.u32()
    }
}

impl Code for u64 {
    fn put(&self, w: &mut Vec<u8>) {
        w.extend_from_slice(&self.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        r.u64()
    }
}

impl Code for u128 {
    fn put(&self, w: &mut Vec<u8>) {
        w.extend_from_slice(&self.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(u128::from_le_bytes(r.array()?))
    }
}

impl Code for i128 {
    fn put(&self, w: &mut Vec<u8>) {
        w.extend_from_slice(&self.to_le_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(i128::from_le_bytes(r.array()?))
    }
}

impl Code for f64 {
    fn put(&self, w: &mut Vec<u8>) {
        self.to_bits().put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(f64::from_bits(r.u64()?))
    }
}

impl Code for char {
    fn put(&self, w: &mut Vec<u8>) {
        u32::from(*self).put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        let v = r.u32()?;
        char::from_u32(v).ok_or_else(|| bad(format!("`{v}` is not a character")))
    }
}

impl Code for Box<str> {
    fn put(&self, w: &mut Vec<u8>) {
        (self.len() as u32).put(w);
        w.extend_from_slice(self.as_bytes());
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        let n = r.count()?;
        let bytes = r.take(n)?;
        std::str::from_utf8(bytes)
            .map(Into::into)
            .map_err(|_| bad("a string is not UTF-8"))
    }
}

impl<T: Code> Code for Option<T> {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            None => w.push(0),
            Some(v) => {
                w.push(1);
                v.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        match r.u8()? {
            0 => Ok(None),
            1 => Ok(Some(T::get(r)?)),
            t => Err(bad(format!("`{t}` is not an option tag"))),
        }
    }
}

impl<A: Code, B: Code> Code for (A, B) {
    fn put(&self, w: &mut Vec<u8>) {
        self.0.put(w);
        self.1.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok((A::get(r)?, B::get(r)?))
    }
}

impl<T: Code> Code for Vec<T> {
    fn put(&self, w: &mut Vec<u8>) {
        (self.len() as u32).put(w);
        for v in self {
            v.put(w);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        let n = r.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(T::get(r)?);
        }
        Ok(out)
    }
}

impl<T: Code> Code for Box<[T]> {
    fn put(&self, w: &mut Vec<u8>) {
        (self.len() as u32).put(w);
        for v in self.iter() {
            v.put(w);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(Vec::<T>::get(r)?.into())
    }
}

impl Code for FastMap<Box<str>, u32> {
    fn put(&self, w: &mut Vec<u8>) {
        let mut entries: Vec<(&Box<str>, &u32)> = self.iter().collect();
        entries.sort();
        (entries.len() as u32).put(w);
        for (k, v) in entries {
            k.put(w);
            v.put(w);
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        let n = r.count()?;
        let mut map = FastMap::default();
        map.reserve(n);
        for _ in 0..n {
            let k = Box::<str>::get(r)?;
            let v = r.u32()?;
            map.insert(k, v);
        }
        Ok(map)
    }
}

/// Enums written as a `u8` tag and their fields.
macro_rules! tag_err {
    ($what:literal, $t:expr) => {
        Err(bad(format!("`{}` is not a {} tag", $t, $what)))
    };
}

impl Code for Tok {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            Tok::Lit(c) => {
                w.push(0);
                c.put(w);
            }
            Tok::Star => w.push(1),
            Tok::Quest => w.push(2),
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        match r.u8()? {
            0 => Ok(Tok::Lit(char::get(r)?)),
            1 => Ok(Tok::Star),
            2 => Ok(Tok::Quest),
            t => tag_err!("token", t),
        }
    }
}

impl Code for ArnTok {
    fn put(&self, w: &mut Vec<u8>) {
        self.tok.put(w);
        self.star_crosses.put(w);
        self.quest_colon.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(ArnTok {
            tok: Tok::get(r)?,
            star_crosses: bool::get(r)?,
            quest_colon: bool::get(r)?,
        })
    }
}

impl Code for Program {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            Program::Exact(s) => {
                w.push(0);
                s.put(w);
            }
            Program::Prefix(s) => {
                w.push(1);
                s.put(w);
            }
            Program::Suffix(s) => {
                w.push(2);
                s.put(w);
            }
            Program::Pieces(p) => {
                w.push(3);
                p.put(w);
            }
            Program::General(t) => {
                w.push(4);
                t.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => Program::Exact(Code::get(r)?),
            1 => Program::Prefix(Code::get(r)?),
            2 => Program::Suffix(Code::get(r)?),
            3 => Program::Pieces(Code::get(r)?),
            4 => Program::General(Code::get(r)?),
            t => return tag_err!("pattern", t),
        })
    }
}

impl Code for Piece {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            Piece::Toks(t) => {
                w.push(0);
                t.put(w);
            }
            Piece::Var { key, default } => {
                w.push(1);
                key.put(w);
                default.put(w);
            }
            Piece::Never => w.push(2),
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => Piece::Toks(Code::get(r)?),
            1 => Piece::Var {
                key: Code::get(r)?,
                default: Code::get(r)?,
            },
            2 => Piece::Never,
            t => return tag_err!("template piece", t),
        })
    }
}

impl Code for Template {
    fn put(&self, w: &mut Vec<u8>) {
        self.pieces.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(Template {
            pieces: Code::get(r)?,
        })
    }
}

impl Code for PatternCode {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            PatternCode::Fixed(p) => {
                w.push(0);
                p.put(w);
            }
            PatternCode::Template(t) => {
                w.push(1);
                t.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => PatternCode::Fixed(Code::get(r)?),
            1 => PatternCode::Template(Code::get(r)?),
            t => return tag_err!("resource pattern", t),
        })
    }
}

impl Code for TextValue {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            TextValue::Text(s) => {
                w.push(0);
                s.put(w);
            }
            TextValue::Template(t) => {
                w.push(1);
                t.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => TextValue::Text(Code::get(r)?),
            1 => TextValue::Template(Code::get(r)?),
            t => return tag_err!("text value", t),
        })
    }
}

impl Code for GlobValue {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            GlobValue::Fixed(p) => {
                w.push(0);
                p.put(w);
            }
            GlobValue::Template(t) => {
                w.push(1);
                t.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => GlobValue::Fixed(Code::get(r)?),
            1 => GlobValue::Template(Code::get(r)?),
            t => return tag_err!("wildcard value", t),
        })
    }
}

impl Code for Cmp {
    fn put(&self, w: &mut Vec<u8>) {
        w.push(match self {
            Cmp::Eq => 0,
            Cmp::Lt => 1,
            Cmp::Le => 2,
            Cmp::Gt => 3,
            Cmp::Ge => 4,
        });
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => Cmp::Eq,
            1 => Cmp::Lt,
            2 => Cmp::Le,
            3 => Cmp::Gt,
            4 => Cmp::Ge,
            t => return tag_err!("comparison", t),
        })
    }
}

impl Code for Cidr {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            Cidr::V4 { net, mask } => {
                w.push(0);
                net.put(w);
                mask.put(w);
            }
            Cidr::V6 { net, mask } => {
                w.push(1);
                net.put(w);
                mask.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => Cidr::V4 {
                net: Code::get(r)?,
                mask: Code::get(r)?,
            },
            1 => Cidr::V6 {
                net: Code::get(r)?,
                mask: Code::get(r)?,
            },
            t => return tag_err!("CIDR", t),
        })
    }
}

impl Code for Test {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            Test::Null {
                when_missing,
                when_present,
            } => {
                w.push(0);
                when_missing.put(w);
                when_present.put(w);
            }
            Test::Equals(v) => {
                w.push(1);
                v.put(w);
            }
            Test::EqualsIgnoreCase(v) => {
                w.push(2);
                v.put(w);
            }
            Test::Like(v) => {
                w.push(3);
                v.put(w);
            }
            Test::Arn(v) => {
                w.push(4);
                v.put(w);
            }
            Test::Numeric(c, v) => {
                w.push(5);
                c.put(w);
                v.put(w);
            }
            Test::Date(c, v) => {
                w.push(6);
                c.put(w);
                v.put(w);
            }
            Test::Bool(v) => {
                w.push(7);
                v.put(w);
            }
            Test::Binary(v) => {
                w.push(8);
                v.put(w);
            }
            Test::Ip(v) => {
                w.push(9);
                v.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => Test::Null {
                when_missing: Code::get(r)?,
                when_present: Code::get(r)?,
            },
            1 => Test::Equals(Code::get(r)?),
            2 => Test::EqualsIgnoreCase(Code::get(r)?),
            3 => Test::Like(Code::get(r)?),
            4 => Test::Arn(Code::get(r)?),
            5 => Test::Numeric(Code::get(r)?, Code::get(r)?),
            6 => Test::Date(Code::get(r)?, Code::get(r)?),
            7 => Test::Bool(Code::get(r)?),
            8 => Test::Binary(Code::get(r)?),
            9 => Test::Ip(Code::get(r)?),
            t => return tag_err!("condition test", t),
        })
    }
}

impl Code for Qualifier {
    fn put(&self, w: &mut Vec<u8>) {
        w.push(match self {
            Qualifier::ForAllValues => 0,
            Qualifier::ForAnyValue => 1,
        });
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => Qualifier::ForAllValues,
            1 => Qualifier::ForAnyValue,
            t => return tag_err!("set qualifier", t),
        })
    }
}

impl Code for PredicateCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.key.put(w);
        self.qualifier.put(w);
        self.if_exists.put(w);
        self.negated.put(w);
        self.test.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(PredicateCode {
            key: Code::get(r)?,
            qualifier: Code::get(r)?,
            if_exists: Code::get(r)?,
            negated: Code::get(r)?,
            test: Code::get(r)?,
        })
    }
}

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

impl Code for KeyCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.lower.put(w);
        let tag = DERIVED.iter().position(|d| *d == self.derived).unwrap_or(0);
        w.push(tag as u8);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        let lower = Code::get(r)?;
        let t = r.u8()?;
        let derived = *DERIVED
            .get(t as usize)
            .ok_or_else(|| bad(format!("`{t}` is not a derived-key tag")))?;
        Ok(KeyCode { lower, derived })
    }
}

impl Code for PrincipalName {
    fn put(&self, w: &mut Vec<u8>) {
        match self {
            PrincipalName::AwsAny => w.push(0),
            PrincipalName::Aws {
                value,
                root_account,
            } => {
                w.push(1);
                value.put(w);
                root_account.put(w);
            }
            PrincipalName::Service(v) => {
                w.push(2);
                v.put(w);
            }
            PrincipalName::Exact(v) => {
                w.push(3);
                v.put(w);
            }
        }
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => PrincipalName::AwsAny,
            1 => PrincipalName::Aws {
                value: Code::get(r)?,
                root_account: Code::get(r)?,
            },
            2 => PrincipalName::Service(Code::get(r)?),
            3 => PrincipalName::Exact(Code::get(r)?),
            t => return tag_err!("principal", t),
        })
    }
}

impl Code for PatternTest {
    fn put(&self, w: &mut Vec<u8>) {
        self.negated.put(w);
        self.patterns.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(PatternTest {
            negated: Code::get(r)?,
            patterns: Code::get(r)?,
        })
    }
}

impl Code for PrincipalTest {
    fn put(&self, w: &mut Vec<u8>) {
        self.negated.put(w);
        self.entries.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(PrincipalTest {
            negated: Code::get(r)?,
            entries: Code::get(r)?,
        })
    }
}

impl Code for StatementCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.sid.put(w);
        self.index.put(w);
        (self.effect == Effect::Deny).put(w);
        self.action.put(w);
        self.resource.put(w);
        self.principal.put(w);
        self.conditions.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(StatementCode {
            sid: Code::get(r)?,
            index: Code::get(r)?,
            effect: if bool::get(r)? {
                Effect::Deny
            } else {
                Effect::Allow
            },
            action: Code::get(r)?,
            resource: Code::get(r)?,
            principal: Code::get(r)?,
            conditions: Code::get(r)?,
        })
    }
}

impl Code for BodyCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.first.put(w);
        self.len.put(w);
        self.has_allow.put(w);
        self.has_deny.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(BodyCode {
            first: Code::get(r)?,
            len: Code::get(r)?,
            has_allow: Code::get(r)?,
            has_deny: Code::get(r)?,
        })
    }
}

impl Code for SessionError {
    fn put(&self, w: &mut Vec<u8>) {
        self.statement.put(w);
        (self.problem == SessionProblem::NoResource).put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(SessionError {
            statement: Code::get(r)?,
            problem: if bool::get(r)? {
                SessionProblem::NoResource
            } else {
                SessionProblem::Principal
            },
        })
    }
}

impl Code for PolicyCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.name.put(w);
        self.body.put(w);
        self.session_error.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(PolicyCode {
            name: Code::get(r)?,
            body: Code::get(r)?,
            session_error: Code::get(r)?,
        })
    }
}

impl Code for ActionTable {
    fn put(&self, w: &mut Vec<u8>) {
        self.patterns.put(w);
        self.known.put(w);
        self.classes.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(ActionTable {
            patterns: Code::get(r)?,
            known: Code::get(r)?,
            classes: Code::get(r)?,
        })
    }
}

impl Code for CallerCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.to_parts().put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        let parts: [u32; 9] = {
            let v: Vec<u32> = Code::get(r)?;
            v.try_into()
                .map_err(|_| bad("a caller record does not have 9 fields"))?
        };
        CallerCode::from_parts(parts).ok_or_else(|| bad("a caller record has an unknown kind"))
    }
}

impl Code for PrincipalCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.arn.put(w);
        self.caller.put(w);
        self.policies.put(w);
        self.boundary.put(w);
        self.has_boundary.put(w);
        self.service_linked.put(w);
        self.tags.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(PrincipalCode {
            arn: Code::get(r)?,
            caller: Code::get(r)?,
            policies: Code::get(r)?,
            boundary: Code::get(r)?,
            has_boundary: Code::get(r)?,
            service_linked: Code::get(r)?,
            tags: Code::get(r)?,
        })
    }
}

impl Code for ResourceKind {
    fn put(&self, w: &mut Vec<u8>) {
        w.push(match self {
            ResourceKind::Other => 0,
            ResourceKind::KmsKey => 1,
            ResourceKind::IamRole => 2,
        });
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(match r.u8()? {
            0 => ResourceKind::Other,
            1 => ResourceKind::KmsKey,
            2 => ResourceKind::IamRole,
            t => return tag_err!("resource kind", t),
        })
    }
}

impl Code for ResourceCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.policies.put(w);
        self.tags.put(w);
        self.account.put(w);
        self.arn_account.put(w);
        self.kind.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(ResourceCode {
            policies: Code::get(r)?,
            tags: Code::get(r)?,
            account: Code::get(r)?,
            arn_account: Code::get(r)?,
            kind: Code::get(r)?,
        })
    }
}

impl Code for AccountCode {
    fn put(&self, w: &mut Vec<u8>) {
        self.scps.put(w);
        self.rcps.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(AccountCode {
            scps: Code::get(r)?,
            rcps: Code::get(r)?,
        })
    }
}

impl Code for Table {
    fn put(&self, w: &mut Vec<u8>) {
        self.policies.put(w);
        self.policy_index.put(w);
        self.bodies.put(w);
        self.statements.put(w);
        self.predicates.put(w);
        self.keys.put(w);
        self.actions.put(w);
        self.resource_patterns.put(w);
        self.principals.put(w);
        self.principal_index.put(w);
        self.role_index.put(w);
        self.resources.put(w);
        self.resource_index.put(w);
        self.accounts.put(w);
        self.account_index.put(w);
    }
    fn get(r: &mut Reader<'_>) -> Result<Self, ArtifactError> {
        Ok(Table {
            policies: Code::get(r)?,
            policy_index: Code::get(r)?,
            bodies: Code::get(r)?,
            statements: Code::get(r)?,
            predicates: Code::get(r)?,
            keys: Code::get(r)?,
            actions: Code::get(r)?,
            resource_patterns: Code::get(r)?,
            principals: Code::get(r)?,
            principal_index: Code::get(r)?,
            role_index: Code::get(r)?,
            resources: Code::get(r)?,
            resource_index: Code::get(r)?,
            accounts: Code::get(r)?,
            account_index: Code::get(r)?,
        })
    }
}
