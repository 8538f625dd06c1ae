//! A request's context keys, resolved to the engine's key ids once per
//! request.
//!
//! Condition keys are case-insensitive, so a request's `SES:fromAddress`
//! is the store's `ses:FromAddress`. A check resolves the request's keys at
//! the first condition that reads one: every key to its id (or to none, for
//! keys no policy reads), the first of several spellings winning, as the
//! spec's own lookup finds it. Afterwards a key is one load from the
//! scratch's per-key memo.
//!
//! A sender's requests carry the same few keys message after message, so
//! the scratch space remembers the keys it met with their ids
//! ([`KeyCache`], indexed by a key's length and last bytes): a key met
//! before costs a length and up to five word comparisons. Any other key is
//! lower-cased and looked up in the engine's name map ([`KeyNames`]), and
//! remembered for the next request. Whole contexts are remembered too
//! ([`Shape`]): a context whose keys, in order, are those of one met
//! before (a sender's code builds every request's context the same way)
//! writes that one's ids without looking a key up.

use std::cell::Cell;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use crate::hash::FastMap;
use crate::table::KeyCode;
use crate::text::{last_word, word_at};

/// The engine's context keys by lower-cased name.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyNames {
    ids: FastMap<Box<str>, u32>,
    /// Every name, by id, for keys that cannot be lower-cased on the stack.
    names: Box<[Box<str>]>,
}

/// Bytes a key may have to be lower-cased on the stack; longer keys (and
/// keys with a capital sigma, whose lower case depends on its neighbours)
/// are compared with every name instead.
const STACK_KEY: usize = 256;

impl KeyNames {
    /// The map of `keys`; `Err((first, second))` when two ids share a name.
    pub(crate) fn new(keys: &[KeyCode]) -> Result<KeyNames, (u32, u32)> {
        let mut ids = FastMap::default();
        for (id, key) in (0u32..).zip(keys) {
            if let Some(first) = ids.insert(key.lower.clone(), id) {
                return Err((first, id));
            }
        }
        Ok(KeyNames {
            ids,
            names: keys.iter().map(|k| k.lower.clone()).collect(),
        })
    }

    /// The id of the key that `key` names in some letter case.
    pub(crate) fn id(&self, key: &str) -> Option<u32> {
        let mut buf = [0u8; STACK_KEY];
        match lower_on_stack(key, &mut buf) {
            Some(lower) => self.ids.get(lower).copied(),
            None => (0u32..)
                .zip(self.names.iter())
                .find(|(_, name)| crate::text::lower_eq(key, name))
                .map(|(id, _)| id),
        }
    }
}

/// `key.to_lowercase()` written into `buf`, unless it does not fit or
/// `key` holds a capital sigma.
fn lower_on_stack<'b>(key: &str, buf: &'b mut [u8; STACK_KEY]) -> Option<&'b str> {
    let mut len = 0;
    if key.is_ascii() {
        let out = buf.get_mut(..key.len())?;
        for (o, b) in out.iter_mut().zip(key.bytes()) {
            *o = b.to_ascii_lowercase();
        }
        len = key.len();
    } else {
        for c in key.chars() {
            if c == '\u{3A3}' {
                return None;
            }
            for l in c.to_lowercase() {
                let rest = buf.get_mut(len..)?;
                if rest.len() < l.len_utf8() {
                    return None;
                }
                len += l.encode_utf8(rest).len();
            }
        }
    }
    std::str::from_utf8(buf.get(..len)?).ok()
}

/// Keys a scratch space remembers (a power of two).
pub(crate) const REMEMBERED: usize = 64;

/// The longest key a slot remembers (longer keys, and keys shorter than
/// eight bytes, are looked up every time).
const LONGEST: usize = 40;

/// One remembered key: the length and the id (`u32::MAX` for none), the
/// key's last eight bytes, and its first four eight-byte words (0 past the
/// end).
#[derive(Clone, Debug)]
#[repr(align(64))]
struct Slot([Cell<u64>; 6]);

/// The keys of the last contexts a scratch space met, with their ids: a
/// small direct-mapped cache indexed by a key's length and last bytes.
///
/// A slot holds a key of `n` bytes (eight to `LONGEST`) as words; every
/// byte is in some word, so equal words and lengths mean equal keys.
#[derive(Clone, Debug)]
pub(crate) struct KeyCache {
    slots: Box<[Slot; REMEMBERED]>,
    /// Whole contexts met before, by their keys in order.
    shapes: Box<[Shape; SHAPES]>,
}

/// Contexts a scratch space remembers whole (a power of two).
const SHAPES: usize = 32;

/// The most keys a remembered context has.
const SHAPE_KEYS: usize = 8;

/// The longest key a remembered context has (its bytes are four words).
const SHAPE_LONGEST: usize = 32;

/// The keys of one context met before, in order, with the memo entries
/// they resolved to: a context with the same keys in the same order (a
/// sender's requests are built by one piece of code) writes those entries
/// without looking any key up.
///
/// Each key is its length and four words: the first, second and third
/// eight bytes (0 past the end) and the last eight. Keys are eight to
/// [`SHAPE_LONGEST`] bytes, so every byte is in some word and equal words
/// and lengths mean equal keys.
#[derive(Clone, Debug)]
struct Shape {
    /// The number of keys (0: empty).
    len: Cell<usize>,
    keys: [[Cell<u64>; 5]; SHAPE_KEYS],
    /// The memo entries to write, `(id, 1 + position)`, last to first so
    /// that a key's first position is written last; `len` of them at most.
    writes: [Cell<(u32, u32)>; SHAPE_KEYS],
    /// How many of `writes` are in use.
    written: Cell<usize>,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            len: Cell::new(0),
            keys: std::array::from_fn(|_| std::array::from_fn(|_| Cell::new(0))),
            writes: std::array::from_fn(|_| Cell::new((NONE, 0))),
            written: Cell::new(0),
        }
    }
}

/// A key's words as a [`Shape`] holds them, when it can hold it.
#[inline]
fn shape_words(key: &str) -> Option<[u64; 5]> {
    let b = key.as_bytes();
    let n = b.len();
    if n > SHAPE_LONGEST {
        return None;
    }
    let (first, last) = (b.first_chunk::<8>()?, b.last_chunk::<8>()?);
    Some([
        n as u64,
        u64::from_le_bytes(*first),
        word_at(b, 8),
        word_at(b, 16),
        u64::from_le_bytes(*last),
    ])
}

/// The slot a context of these keys is remembered in: its length, its
/// first and last keys' lengths and their last eight bytes (lengths alone
/// put a sender's few shapes in one slot often enough to cost a full
/// resolve on one W1 context in thirteen).
#[inline]
fn shape_index(context: &[(&str, &[&str])]) -> usize {
    let (Some((first, _)), Some((last, _))) = (context.first(), context.last()) else {
        return 0;
    };
    let mix = (context.len() | first.len() << 8 | last.len() << 16) as u64
        ^ last_word(last.as_bytes())
        ^ last_word(first.as_bytes()).rotate_left(29);
    (mix.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 59) as usize % SHAPES
}

impl Shape {
    /// Whether it holds exactly `context`'s keys, in order.
    #[inline]
    fn holds(&self, context: &[(&str, &[&str])]) -> bool {
        if self.len.get() != context.len() {
            return false;
        }
        context
            .iter()
            .zip(&self.keys)
            .all(|((key, _), [n, w0, w1, w2, last])| {
                let b = key.as_bytes();
                let len = b.len();
                len as u64 == n.get()
                    && b.first_chunk::<8>()
                        .is_some_and(|w| u64::from_le_bytes(*w) == w0.get())
                    && b.last_chunk::<8>()
                        .is_some_and(|w| u64::from_le_bytes(*w) == last.get())
                    && (len <= 16 || word_at(b, 8) == w1.get())
                    && (len <= 24 || word_at(b, 16) == w2.get())
            })
    }
}

/// The id of a key no policy reads (past the end of every memo).
const NONE: u32 = u32::MAX;

/// The length half of an empty slot's first word: no key has it.
const EMPTY: u64 = u32::MAX as u64;

impl Default for KeyCache {
    fn default() -> KeyCache {
        KeyCache {
            slots: Box::new(std::array::from_fn(|_| {
                Slot(std::array::from_fn(|i| {
                    Cell::new(if i == 0 { EMPTY } else { 0 })
                }))
            })),
            shapes: Box::new(std::array::from_fn(|_| Shape::default())),
        }
    }
}

impl KeyCache {
    /// Forgets every key (the engine changed).
    pub(crate) fn clear(&mut self) {
        *self = KeyCache::default();
    }

    /// The id of `key`, from the cache or else from `names` (and then
    /// remembered); `NONE` when no policy reads it.
    #[inline]
    fn id(&self, key: &str, names: &KeyNames) -> u32 {
        let b = key.as_bytes();
        let n = b.len();
        let (Some(first), Some(last)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) else {
            return names.id(key).unwrap_or(NONE);
        };
        if n > LONGEST {
            return names.id(key).unwrap_or(NONE);
        }
        let (first, last) = (u64::from_le_bytes(*first), u64::from_le_bytes(*last));
        let index = ((last ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize;
        let Some(Slot([meta, stored_last, w0, w1, w2, w3])) = self.slots.get(index % REMEMBERED)
        else {
            return names.id(key).unwrap_or(NONE);
        };
        let m = meta.get();
        if (m & 0xffff_ffff) as usize == n
            && stored_last.get() == last
            && w0.get() == first
            && (n <= 16 || w1.get() == word_at(b, 8))
            && (n <= 24 || w2.get() == word_at(b, 16))
            && (n <= 32 || w3.get() == word_at(b, 24))
        {
            return (m >> 32) as u32;
        }
        let id = names.id(key).unwrap_or(NONE);
        meta.set(n as u64 | (u64::from(id) << 32));
        stored_last.set(last);
        for (i, w) in [w0, w1, w2, w3].into_iter().enumerate() {
            w.set(word_at(b, 8 * i));
        }
        id
    }
}

/// Context keys named once, for one engine: what a sender's code puts in
/// every request's context, resolved to the engine's key ids when the
/// sender starts rather than at each check.
///
/// [`crate::Engine::context_keys`] makes them. A request whose context
/// borrows its keys from them, in their order ([`ContextKeys::pairs`]), and
/// names them in [`crate::Request::keys`], skips key resolution: the check
/// sees the keys are these (their text is at the same address, which these
/// keys own and the request borrows) and reads each key's position from
/// the table made when they were made. Any other context, or keys made by
/// another engine, is resolved as usual, so the answer never depends on
/// them.
///
/// ```
/// use sesame_runtime::{Engine, Request, table::Table};
///
/// let engine = Engine::new(Table::default())?;
/// let keys = engine.context_keys(&["ses:FromAddress", "ses:Recipients"]);
/// let mut scratch = engine.scratch();
/// // Per message:
/// let (from, to): (&[&str], &[&str]) = (&["news@example.com"], &["a@example.org"]);
/// let context = keys.pairs([from, to]).expect("one value list per key");
/// let request = Request {
///     context: &context,
///     keys: Some(&keys),
///     ..Request::new("arn:aws:iam::111122223333:user/a", "ses:SendEmail", "*")
/// };
/// let decision = engine.check(&mut scratch, &request)?;
/// assert_eq!(decision.outcome, sesame_runtime::Outcome::ImplicitDeny);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ContextKeys {
    /// The id of the engine that resolved them.
    engine: u64,
    names: Box<[Box<str>]>,
    /// Per key id of the engine, 1 + the position of the key's first entry
    /// in a context of these keys (0: not among them), as [`resolve`] finds
    /// positions: a [`Slots`] table of epoch [`NAMED`].
    positions: KeyMemo,
}

impl ContextKeys {
    /// `names` resolved by the engine `engine` through its `ids`.
    pub(crate) fn new<S: AsRef<str>>(engine: u64, names: &[S], ids: &KeyNames) -> ContextKeys {
        let names: Box<[Box<str>]> = names.iter().map(|n| Box::from(n.as_ref())).collect();
        let positions = KeyMemo::new(ids.names.len());
        // Last to first, so a key's first position is the one kept.
        for (i, name) in names.iter().enumerate().rev() {
            if let Some(at) = ids.id(name).and_then(|id| positions.0.get(id as usize)) {
                at.store(i as u64 + 1, Relaxed);
            }
        }
        ContextKeys {
            engine,
            names,
            positions,
        }
    }

    /// The keys, in the order they were named.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// A context of these keys, in order, with `values` (the `i`th list
    /// for the `i`th key); `None` unless there is one list per key.
    pub fn pairs<'a, const N: usize>(
        &'a self,
        values: [&'a [&'a str]; N],
    ) -> Option<[(&'a str, &'a [&'a str]); N]> {
        if self.names.len() != N {
            return None;
        }
        let mut names = self.names();
        Some(values.map(|v| (names.next().unwrap_or_default(), v)))
    }

    /// Whether `context`'s keys are these keys' own text, in order (the
    /// same address and length: text these keys own and keep while the
    /// request borrows them, so the same bytes).
    #[inline]
    fn name(&self, context: &[(&str, &[&str])]) -> bool {
        self.names.len() == context.len()
            && self
                .names
                .iter()
                .zip(context)
                .all(|(n, (k, _))| std::ptr::eq::<str>(&**n, *k))
    }
}

/// A table of context key positions, by key id: the scratch's memo, each
/// entry `(epoch << 32) | (1 + position)` (0: never), or a
/// [`ContextKeys`]' table, each entry `1 + position` (epoch [`NAMED`]; 0:
/// not among the keys). Atomics only so that both have one type while a
/// [`ContextKeys`] stays shareable between threads; every access is
/// `Relaxed`, a plain load or store.
pub(crate) type Slots = [AtomicU64];

/// The epoch of a [`ContextKeys`]' table: never a request's (epochs start
/// at 1 and skip 0 when they wrap).
pub(crate) const NAMED: u32 = 0;

/// A scratch space's memo of where the last request's context keys are
/// ([`Slots`]), sized for one engine.
#[derive(Debug, Default)]
pub(crate) struct KeyMemo(Box<Slots>);

impl Clone for KeyMemo {
    fn clone(&self) -> KeyMemo {
        KeyMemo(
            self.0
                .iter()
                .map(|m| AtomicU64::new(m.load(Relaxed)))
                .collect(),
        )
    }
}

impl KeyMemo {
    /// A memo for `keys` key ids, empty.
    pub(crate) fn new(keys: usize) -> KeyMemo {
        KeyMemo((0..keys).map(|_| AtomicU64::new(0)).collect())
    }

    /// The memo's slots.
    pub(crate) fn slots(&self) -> &Slots {
        &self.0
    }

    /// The number of key ids it is sized for.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Forgets every position (the epochs restart).
    pub(crate) fn clear(&self) {
        self.0.iter().for_each(|m| m.store(0, Relaxed));
    }
}

/// The table of the keys a request names, when they are `engine`'s and its
/// context borrows their text, in order: each key id's position, epoch
/// [`NAMED`].
#[inline(always)]
pub(crate) fn named_table<'a>(
    context: &[(&str, &[&str])],
    keys: Option<&'a ContextKeys>,
    engine: u64,
) -> Option<&'a Slots> {
    keys.filter(|k| k.engine == engine && k.name(context))
        .map(|k| k.positions.slots())
}

/// Resolves every key of a context that names no keys ([`named_table`]) into
/// `memo`: for each key id met, the position of its first entry (`epoch`
/// in the high half, 1 + the position in the low half). The entries are
/// met last to first, so a key's first entry is written last and wins. A
/// context whose keys, in order, are those of one met before (a
/// [`Shape`]) writes the entries that one resolved to; any other is
/// resolved key by key and remembered.
pub(crate) fn resolve(
    context: &[(&str, &[&str])],
    names: &KeyNames,
    cache: &KeyCache,
    memo: &Slots,
    epoch: u32,
) {
    let high = u64::from(epoch) << 32;
    let shape = cache.shapes.get(shape_index(context));
    if let Some(shape) = shape.filter(|s| s.holds(context)) {
        for w in shape.writes.iter().take(shape.written.get()) {
            let (id, at) = w.get();
            if let Some(cell) = memo.get(id as usize) {
                cell.store(high | u64::from(at), Relaxed);
            }
        }
        return;
    }
    // Remembered when every key fits a shape.
    let shape = shape.filter(|_| context.len() <= SHAPE_KEYS);
    let mut fits = shape.is_some();
    let mut written = 0;
    for (i, (key, _)) in context.iter().enumerate().rev() {
        let id = cache.id(key, names);
        // `NONE` is past the end of the memo: nothing to record.
        if let Some(cell) = memo.get(id as usize) {
            cell.store(high | (i as u64 + 1), Relaxed);
            if let Some(w) = shape.and_then(|s| s.writes.get(written)) {
                w.set((id, i as u32 + 1));
                written += 1;
            }
        }
        match (shape.and_then(|s| s.keys.get(i)), shape_words(key)) {
            (Some(slot), Some(words)) if fits => {
                for (c, w) in slot.iter().zip(words) {
                    c.set(w);
                }
            }
            _ => fits = false,
        }
    }
    if let Some(shape) = shape {
        // A context that does not fit leaves the slot empty.
        shape.written.set(if fits { written } else { 0 });
        shape.len.set(if fits { context.len() } else { 0 });
    }
}

/// The position of `id`'s first entry in the context last resolved under
/// `epoch`, if it has one.
#[inline]
pub(crate) fn position(memo: &Slots, id: u32, epoch: u32) -> Option<usize> {
    let m = memo.get(id as usize)?.load(Relaxed);
    if (m >> 32) as u32 != epoch {
        return None;
    }
    ((m & 0xffff_ffff) as usize).checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Derived;

    fn names(keys: &[&str]) -> KeyNames {
        let codes: Vec<KeyCode> = keys
            .iter()
            .map(|k| KeyCode {
                lower: k.to_lowercase().into(),
                derived: Derived::None,
            })
            .collect();
        KeyNames::new(&codes).unwrap()
    }

    #[test]
    fn keys_resolve_in_any_case() {
        let n = names(&["ses:FromAddress", "aws:SourceIp", "ünïcödé:Κey"]);
        assert_eq!(n.id("SES:fromaddress"), Some(0));
        assert_eq!(n.id("aws:sourceip"), Some(1));
        assert_eq!(n.id("ÜNÏCÖDÉ:κEY"), Some(2));
        assert_eq!(n.id("aws:SourceIpx"), None);
        let long = "k".repeat(STACK_KEY + 10);
        let n = names(&[long.as_str()]);
        assert_eq!(n.id(&long.to_uppercase()), Some(0));
        // A capital sigma lower-cases by its neighbours: compared whole.
        let n = names(&["ΟΔΟΣ"]);
        assert_eq!(n.id("ΟΔΟΣ"), Some(0));
        assert_eq!(n.id("οδοσ"), None);
    }

    #[test]
    fn duplicate_names_are_refused() {
        let codes: Vec<KeyCode> = ["a", "a"]
            .iter()
            .map(|k| KeyCode {
                lower: (*k).into(),
                derived: Derived::None,
            })
            .collect();
        assert_eq!(KeyNames::new(&codes).err(), Some((0, 1)));
    }

    /// The first of several spellings wins; a warm cache gives the same
    /// positions as a cold one, and a key that differs from a remembered
    /// one in a single byte is looked up again.
    #[test]
    fn positions_follow_the_first_spelling() {
        let n = names(&["a:one", "a:two", "b:a-rather-long-key-of-thirty-two"]);
        let cache = KeyCache::default();
        let memo = KeyMemo::new(3);
        let v: &[&str] = &["x"];
        let first = [
            ("zz", v),
            ("A:TWO", v),
            ("a:two", v),
            ("b:a-rather-long-key-of-thirty-two", v),
        ];
        for epoch in 1..=2 {
            resolve(&first, &n, &cache, memo.slots(), epoch);
            assert_eq!(position(memo.slots(), 0, epoch), None);
            assert_eq!(position(memo.slots(), 1, epoch), Some(1));
            assert_eq!(position(memo.slots(), 2, epoch), Some(3));
        }
        let second = [("a:one", v), ("A:TWO", v), ("a:twp", v)];
        resolve(&second, &n, &cache, memo.slots(), 3);
        assert_eq!(position(memo.slots(), 0, 3), Some(0));
        assert_eq!(position(memo.slots(), 1, 3), Some(1));
        assert_eq!(position(memo.slots(), 2, 3), None);
        // An earlier epoch's entries do not count.
        assert_eq!(position(memo.slots(), 2, 2), Some(3));
    }

    /// Keys named once give the positions resolving gives (first spelling
    /// first); the same text at other addresses, fewer keys, or keys
    /// another engine named are not taken for them.
    #[test]
    fn named_keys_give_the_positions_resolving_gives() {
        let n = names(&[
            "ses:fromaddress",
            "ses:recipients",
            "b:a-rather-long-key-of-thirty-two",
        ]);
        let named_keys = [
            "x:unknown-key",
            "SES:Recipients",
            "ses:recipients",
            "ses:fromaddress",
        ];
        let keys = ContextKeys::new(7, &named_keys, &n);
        let v: &[&str] = &["x"];
        let named: Vec<(&str, &[&str])> = keys.names().map(|k| (k, v)).collect();
        let copied: Vec<(String, &[&str])> = keys.names().map(|k| (k.to_owned(), v)).collect();
        let copied: Vec<(&str, &[&str])> = copied.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let remembered = |cache: &KeyCache| cache.shapes.iter().filter(|s| s.len.get() > 0).count();
        let plain = KeyCache::default();
        let expected = KeyMemo::new(3);
        let given = named_table(&named, Some(&keys), 7);
        resolve(&named, &n, &plain, expected.slots(), 1);
        let given = given.expect("the named keys are taken");
        for id in 0..3 {
            assert_eq!(
                position(given, id, NAMED),
                position(expected.slots(), id, 1),
                "key {id}"
            );
        }
        assert_eq!(position(given, 1, NAMED), Some(1));
        assert_eq!(
            position(given, 3, NAMED),
            None,
            "an id past the engine's keys"
        );
        assert_eq!(remembered(&plain), 1);
        assert!(
            named_table(&copied, Some(&keys), 7).is_none(),
            "other text taken for the named keys"
        );
        assert!(
            named_table(&named, Some(&keys), 8).is_none(),
            "keys another engine named taken"
        );
        assert!(named_table(&named, None, 7).is_none());
        assert!(
            named_table(&named[..3], Some(&keys), 7).is_none(),
            "fewer keys taken for the named keys"
        );
    }

    /// Contexts resolved through a scratch's remembered keys and shapes
    /// give the positions a fresh cache gives, whatever was met before:
    /// the same context again, and then with one byte of one key changed
    /// (every length, every offset), with keys in other letter cases, in
    /// other orders and numbers, too short or too long to be remembered.
    #[test]
    fn remembered_contexts_resolve_as_fresh_ones() {
        let base = "aws:requestedregion:and-some-more-x";
        let mut vocabulary: Vec<String> = (1..=base.len()).map(|n| base[..n].to_owned()).collect();
        vocabulary.push(base.to_uppercase());
        vocabulary.push("ses:Recipients".to_owned());
        let mut store: Vec<String> = vocabulary.iter().map(|k| k.to_lowercase()).collect();
        store.sort();
        store.dedup();
        let store: Vec<&str> = store.iter().map(String::as_str).collect();
        let n = names(&store);
        let cache = KeyCache::default();
        let v: &[&str] = &["x"];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut epoch = 0;
        for _ in 0..4000 {
            let len = next(11);
            let keys: Vec<String> = (0..len)
                .map(|_| vocabulary[next(vocabulary.len())].clone())
                .collect();
            let mut changed = keys.clone();
            if let Some(key) = changed.get_mut(next(len.max(1))) {
                let mut b = key.clone().into_bytes();
                let at = next(b.len());
                b[at] = b'_';
                *key = String::from_utf8(b).unwrap();
            }
            // The context, again (a remembered shape whenever it could be
            // remembered), then the context with a byte changed.
            for keys in [&keys, &keys, &changed] {
                epoch += 1;
                let context: Vec<(&str, &[&str])> = keys.iter().map(|k| (k.as_str(), v)).collect();
                let memo = KeyMemo::new(store.len());
                let fresh = KeyMemo::new(store.len());
                resolve(&context, &n, &cache, memo.slots(), epoch);
                resolve(&context, &n, &KeyCache::default(), fresh.slots(), epoch);
                for id in 0..store.len() as u32 {
                    assert_eq!(
                        position(memo.slots(), id, epoch),
                        position(fresh.slots(), id, epoch),
                        "context {context:?}, key {id}"
                    );
                }
            }
        }
    }

    /// Keys of every remembered length that differ from a remembered key
    /// in one byte are not taken for it.
    #[test]
    fn a_remembered_key_is_that_key() {
        for len in 1..=LONGEST + 2 {
            let a: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let n = names(&[a.as_str()]);
            let cache = KeyCache::default();
            assert_eq!(cache.id(&a, &n), 0);
            assert_eq!(cache.id(&a, &n), 0);
            for i in 0..len {
                let mut b = a.clone().into_bytes();
                b[i] = b'_';
                let b = String::from_utf8(b).unwrap();
                assert_eq!(cache.id(&b, &n), NONE, "len {len}, byte {i}");
                // And the key itself again, after its slot was taken.
                assert_eq!(cache.id(&a, &n), 0);
            }
        }
    }

    /// Keys that share a slot evict each other and still resolve.
    #[test]
    fn colliding_keys_still_resolve() {
        let keys: Vec<String> = (0..300).map(|i| format!("k:{i}")).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let n = names(&refs);
        let cache = KeyCache::default();
        for _ in 0..2 {
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(cache.id(&k.to_uppercase(), &n), i as u32);
                assert_eq!(cache.id(&format!("{k}x"), &n), NONE);
            }
        }
    }
}
