//! A small, fast, non-cryptographic hasher for the engine's string maps.
//!
//! The keys are ARNs and action names chosen by the store's author, not by an
//! attacker on the check path, so a multiply-rotate hash (in the style of
//! rustc's `FxHasher`) is enough and costs a few cycles per 8 bytes.

use std::collections::HashMap;

use crate::table::Str;
use crate::text::le_word;
use std::hash::{BuildHasherDefault, Hasher};

/// The multiply-rotate hasher.
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (slot, byte) in word.iter_mut().zip(rest) {
                *slot = *byte;
            }
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The multiply-rotate state has its entropy in the high bits, while
    /// `HashMap` picks buckets by the low bits: ARNs that differ only in the
    /// middle (`.../identity/tenant-00042.example`) then crowd into a few
    /// buckets and a lookup grows with the store. A final avalanche (the
    /// 64-bit finalizer of MurmurHash3) spreads every bit over every bit.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The hash of a string key as [`StrIndex`] uses it: the multiply-rotate
/// step over two independent lanes (even and odd 8-byte words), so that
/// ARN-length keys take half the dependent multiplies, then the lanes and
/// the length are folded and avalanched as [`FastHasher::finish`] does.
/// A key longer than 16 bytes whose length is not a multiple of 16 ends
/// with its last 16 bytes as one more pair of whole words (overlapping the
/// pair before; the length, folded in, tells such keys apart).
#[inline]
pub fn hash_str(key: &str) -> u64 {
    hash_bytes(key.as_bytes())
}

/// [`hash_str`] of a key's bytes (the same value for the same bytes), for
/// callers that hold a key's range in a text known to be valid UTF-8 and
/// need not check that the range falls on character boundaries.
#[inline]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    #[inline(always)]
    fn step(h: u64, w: u64) -> u64 {
        (h.rotate_left(5) ^ w).wrapping_mul(SEED)
    }
    let (mut a, mut b) = (0u64, SEED);
    let mut pairs = bytes.chunks_exact(16);
    for pair in &mut pairs {
        let (x, y) = pair.split_at(8);
        a = step(a, le_word(x));
        b = step(b, le_word(y));
    }
    let rest = pairs.remainder();
    if !rest.is_empty() {
        // The last 16 bytes of a longer key (overlapping the pairs before)
        // as two whole words, without the branches of a short read.
        let tail = bytes
            .len()
            .checked_sub(16)
            .and_then(|from| bytes.get(from..))
            .and_then(|t| <[u8; 16]>::try_from(t).ok());
        let (x, y) = match tail {
            // The two words at once (the low one is the first 8 bytes).
            Some(t) => {
                let w = u128::from_le_bytes(t);
                (w as u64, (w >> 64) as u64)
            }
            None => {
                let (x, y) = rest.split_at(rest.len().min(8));
                (le_word(x), le_word(y))
            }
        };
        a = step(a, x);
        b = step(b, y);
    }
    let h = FastHasher {
        hash: step(a ^ b.rotate_left(32), bytes.len() as u64),
    };
    h.finish()
}

/// A map from strings to `u32` ids whose keys are strings of a table's
/// text arena ([`crate::table::Table::text`]): the map holds only their
/// ranges, so building one copies no key and allocates nothing per key.
/// Every method that reads keys takes that text; a map asked with another
/// text finds nothing or the wrong entries, never panics
/// ([`crate::Engine::new`] checks that every key range is a string of the
/// table's text).
///
/// Open addressing with linear probing over a power-of-two slot array kept
/// at most half full; each slot holds the high half of the key's hash and
/// 1 + the entry number (0 is empty), so a probe compares strings only when
/// the hash halves agree. Entries keep insertion order.
#[derive(Clone, Debug, Default)]
pub struct StrIndex {
    /// Per entry: its key's range in the text, and its value.
    entries: Vec<(Str, u32)>,
    slots: Vec<u64>,
}

/// The text of `s` in `text` (empty for a range outside it).
#[inline]
fn key_text(text: &str, s: Str) -> &str {
    text.get(s.start as usize..s.end as usize).unwrap_or("")
}

/// The bytes of `s` in `text` (empty for a range outside it), without the
/// character-boundary checks of [`key_text`]: equal ranges of valid UTF-8
/// compare and hash as their strings do.
#[inline]
fn key_bytes(text: &str, s: Str) -> &[u8] {
    text.as_bytes()
        .get(s.start as usize..s.end as usize)
        .unwrap_or(&[])
}

/// The slots for `n` keys: at least twice as many, a power of two.
fn slot_count(n: usize) -> usize {
    (2 * n.max(4)).next_power_of_two()
}

impl StrIndex {
    /// An empty map with room for `n` keys.
    pub fn with_capacity(n: usize) -> StrIndex {
        let mut m = StrIndex {
            entries: Vec::with_capacity(n),
            slots: Vec::new(),
        };
        m.resize("", n);
        m
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether entry `entry`'s key is `key`: its range's bytes, without
    /// the character-boundary checks of [`key_text`] (equal bytes of
    /// valid UTF-8 are equal strings), the lengths first.
    #[inline]
    fn same_key(&self, text: &str, entry: usize, key: &[u8]) -> bool {
        let Some((s, _)) = self.entries.get(entry) else {
            return false;
        };
        s.end.wrapping_sub(s.start) as usize == key.len() && key_bytes(text, *s) == key
    }

    #[inline]
    fn key_at<'t>(&self, text: &'t str, entry: usize) -> &'t str {
        self.entries.get(entry).map_or("", |e| key_text(text, e.0))
    }

    /// The slot of `key`: where it is, or the empty slot where it would go.
    #[inline]
    fn probe(&self, text: &str, key: &str, hash: u64) -> (usize, Option<usize>) {
        let mask = self.slots.len().wrapping_sub(1);
        let tag = hash >> 32;
        let mut i = (hash as usize) & mask;
        // The table is never full, so an empty slot ends every probe; the
        // bound only guards against a table built wrongly.
        for _ in 0..self.slots.len() {
            let slot = self.slots.get(i).copied().unwrap_or(0);
            if slot == 0 {
                return (i, None);
            }
            let entry = ((slot & 0xffff_ffff) as usize).wrapping_sub(1);
            if slot >> 32 == tag && self.same_key(text, entry, key.as_bytes()) {
                return (i, Some(entry));
            }
            i = (i + 1) & mask;
        }
        (usize::MAX, None)
    }

    /// The value of `key`, the map's keys being strings of `text`.
    #[inline]
    pub fn get(&self, text: &str, key: &str) -> Option<&u32> {
        if self.slots.is_empty() {
            return None;
        }
        let (_, entry) = self.probe(text, key, hash_str(key));
        entry.and_then(|e| self.entries.get(e)).map(|e| &e.1)
    }

    /// The entry number (insertion order) of `key`, the map's keys being
    /// strings of `text`.
    #[inline]
    pub fn position(&self, text: &str, key: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        self.probe(text, key, hash_str(key)).1
    }

    /// Whether entry `entry`'s key is `key` and its value if so, the map's
    /// keys being strings of `text`: a lookup that costs one read of the
    /// entry and its key, for a caller that can guess where a key is.
    #[inline]
    pub fn at(&self, text: &str, entry: usize, key: &str) -> Option<u32> {
        if self.same_key(text, entry, key.as_bytes()) {
            self.entries.get(entry).map(|e| e.1)
        } else {
            None
        }
    }

    /// Whether `key` is in the map, the map's keys being strings of `text`.
    pub fn contains_key(&self, text: &str, key: &str) -> bool {
        self.get(text, key).is_some()
    }

    /// Sets the key `key`, a string of `text`, to `value`; the old value,
    /// if a key with the same text was there (its range is kept).
    ///
    /// # Errors
    ///
    /// When the map would pass 2^32 - 2 keys (slots hold `u32` numbers).
    pub fn insert(&mut self, text: &str, key: Str, value: u32) -> Result<Option<u32>, IndexFull> {
        if self.slots.len() < 2 * (self.entries.len() + 1) {
            self.resize(text, self.entries.len() + 1);
        }
        let k = key_text(text, key);
        let hash = hash_str(k);
        match self.probe(text, k, hash) {
            (_, Some(entry)) => Ok(self
                .entries
                .get_mut(entry)
                .map(|e| std::mem::replace(&mut e.1, value))),
            (slot, None) => {
                let number = u32::try_from(self.entries.len() + 1)
                    .ok()
                    .filter(|n| *n != u32::MAX)
                    .ok_or(IndexFull)?;
                let cell = self.slots.get_mut(slot).ok_or(IndexFull)?;
                *cell = ((hash >> 32) << 32) | u64::from(number);
                self.entries.push((key, value));
                Ok(None)
            }
        }
    }

    /// A map of the distinct keys (strings of `text`) and values of
    /// `entries`, in that order, built in one pass: the
    /// keys' slots are found in slot order (a counting sort on the high
    /// bits of each home slot), so the slot array is written region by
    /// region instead of at random, which is what a cold load of a large
    /// map is bound by.
    ///
    /// # Errors
    ///
    /// The first key that repeats, or [`FromDistinctError::Full`] past
    /// 2^32 - 2 keys.
    pub fn from_distinct(
        text: &str,
        entries: Vec<(Str, u32)>,
    ) -> Result<StrIndex, FromDistinctError> {
        let n = entries.len();
        if u32::try_from(n).ok().filter(|n| *n < u32::MAX).is_none() {
            return Err(FromDistinctError::Full);
        }
        let mut m = StrIndex {
            entries,
            slots: vec![0; slot_count(n)],
        };
        // Each key's hash, then the entry numbers ordered by home region.
        let mask = m.slots.len().wrapping_sub(1);
        let shift = (m.slots.len().trailing_zeros()).saturating_sub(8);
        let region = |h: u64| ((h as usize & mask) >> shift) & 0xff;
        let mut starts = [0usize; 257];
        let hashes: Vec<u64> = m
            .entries
            .iter()
            .map(|(key, _)| {
                let h = hash_bytes(key_bytes(text, *key));
                if let Some(c) = starts.get_mut(region(h) + 1) {
                    *c += 1;
                }
                h
            })
            .collect();
        for r in 1..starts.len() {
            let before = starts.get(r - 1).copied().unwrap_or(0);
            if let Some(c) = starts.get_mut(r) {
                *c += before;
            }
        }
        let mut ordered: Vec<u32> = vec![0; hashes.len()];
        for (e, h) in hashes.iter().enumerate() {
            if let Some(next) = starts.get_mut(region(*h)) {
                if let Some(cell) = ordered.get_mut(*next) {
                    // `e` < n < 2^32 - 1, checked above.
                    *cell = e as u32;
                }
                *next += 1;
            }
        }
        for e in ordered {
            let h = hashes.get(e as usize).copied().unwrap_or(0);
            let mut i = (h as usize) & mask;
            let tag = h >> 32;
            loop {
                let slot = m.slots.get(i).copied().unwrap_or(0);
                if slot == 0 {
                    break;
                }
                if slot >> 32 == tag {
                    let other = ((slot & 0xffff_ffff) as usize).wrapping_sub(1);
                    let this = m.key_at(text, e as usize);
                    if m.key_at(text, other) == this {
                        return Err(FromDistinctError::Repeated(this.to_owned()));
                    }
                }
                i = (i + 1) & mask;
            }
            if let Some(cell) = m.slots.get_mut(i) {
                *cell = (tag << 32) | (u64::from(e) + 1);
            }
        }
        Ok(m)
    }

    /// Makes room for `n` keys in all, re-placing the keys it holds.
    fn resize(&mut self, text: &str, n: usize) {
        let want = slot_count(n);
        if want <= self.slots.len() {
            return;
        }
        self.slots = vec![0; want];
        let mask = want - 1;
        for e in 0..self.entries.len() {
            let hash = hash_str(self.key_at(text, e));
            let mut i = (hash as usize) & mask;
            while self.slots.get(i).is_some_and(|s| *s != 0) {
                i = (i + 1) & mask;
            }
            if let Some(cell) = self.slots.get_mut(i) {
                *cell = ((hash >> 32) << 32) | (e as u64 + 1);
            }
        }
    }

    /// The keys (as strings of `text`) and values, in insertion order.
    pub fn iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = (&'t str, u32)> + 't {
        self.entries
            .iter()
            .map(move |(k, v)| (key_text(text, *k), *v))
    }

    /// The key ranges and values, in insertion order.
    pub fn entries(&self) -> &[(Str, u32)] {
        &self.entries
    }

    /// The values, in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &u32> + '_ {
        self.entries.iter().map(|e| &e.1)
    }
}

/// Why [`StrIndex::from_distinct`] refused its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FromDistinctError {
    /// This key came twice.
    Repeated(String),
    /// More keys than 32-bit positions allow.
    Full,
}

/// A [`StrIndex`] cannot grow further (2^32 - 2 keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexFull;

impl std::fmt::Display for IndexFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("string index: more keys than 32-bit positions allow")
    }
}

impl std::error::Error for IndexFull {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    /// Keys that differ only in the middle still spread over the low bits
    /// that pick a bucket.
    #[test]
    fn similar_keys_spread_over_buckets() {
        let build = BuildHasherDefault::<FastHasher>::default();
        let mut buckets = std::collections::HashSet::new();
        for i in 0..4096 {
            let key = format!("arn:aws:ses:us-east-1:111122223333:identity/tenant-{i:05}.example");
            buckets.insert(build.hash_one(key.as_str()) & 4095);
        }
        // A uniform hash fills about 63% of 4096 buckets with 4096 keys.
        assert!(
            buckets.len() > 2400,
            "only {} of 4096 buckets used",
            buckets.len()
        );
    }

    /// The two-lane string hash sees every byte and the length, and
    /// spreads ARNs that differ in the middle over the low bits.
    #[test]
    fn str_hash_sees_every_byte_and_spreads() {
        for len in 0..40usize {
            let key: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let text = String::from_utf8(key.clone()).unwrap();
            let h = hash_str(&text);
            for i in 0..len {
                let mut other = key.clone();
                other[i] = b'A';
                assert_ne!(
                    hash_str(std::str::from_utf8(&other).unwrap()),
                    h,
                    "{len} {i}"
                );
            }
            let longer = format!("{text}\0");
            assert_ne!(hash_str(&longer), h, "{len}");
        }
        let mut buckets = std::collections::HashSet::new();
        for i in 0..4096 {
            let key = format!("arn:aws:ses:us-east-1:111122223333:identity/tenant-{i:05}.example");
            buckets.insert(hash_str(&key) & 4095);
        }
        assert!(
            buckets.len() > 2400,
            "only {} of 4096 buckets used",
            buckets.len()
        );
    }

    #[test]
    fn str_index_finds_what_it_holds() {
        /// Appends `key` to `text`, giving its range.
        fn add(text: &mut String, key: &str) -> Str {
            let start = text.len() as u32;
            text.push_str(key);
            Str {
                start,
                end: text.len() as u32,
            }
        }
        let mut text = String::new();
        let mut m = StrIndex::with_capacity(0);
        assert_eq!(m.get(&text, "a"), None);
        for i in 0..1000u32 {
            let k = add(&mut text, &format!("key-{i}"));
            assert_eq!(m.insert(&text, k, i).unwrap(), None);
        }
        let again = add(&mut text, "key-7");
        assert_eq!(m.insert(&text, again, 70).unwrap(), Some(7));
        let empty = add(&mut text, "");
        assert_eq!(m.insert(&text, empty, 5000).unwrap(), None);
        assert_eq!(m.len(), 1001);
        for i in 0..1000u32 {
            let want = if i == 7 { 70 } else { i };
            assert_eq!(m.get(&text, &format!("key-{i}")), Some(&want));
        }
        assert_eq!(m.get(&text, ""), Some(&5000));
        assert_eq!(m.get(&text, "key-1000"), None);
        // Entry numbers are insertion order; `at` answers only for the
        // entry that holds the key.
        assert_eq!(m.position(&text, "key-42"), Some(42));
        assert_eq!(m.position(&text, "key-1000"), None);
        assert_eq!(m.at(&text, 42, "key-42"), Some(42));
        assert_eq!(m.at(&text, 43, "key-42"), None);
        assert_eq!(m.at(&text, 5000, "key-42"), None);
        assert_eq!(StrIndex::default().position(&text, "key-1"), None);
        assert!(m.contains_key(&text, "key-999"));
        let keys: Vec<&str> = m.iter(&text).map(|(k, _)| k).take(3).collect();
        assert_eq!(keys, ["key-0", "key-1", "key-2"]);
        assert_eq!(m.values().count(), 1001);
        assert_eq!(m.entries().len(), 1001);
        assert!(StrIndex::default().get(&text, "x").is_none());

        let mut text = String::new();
        let keys: Vec<Str> = (0..5000)
            .map(|i| add(&mut text, &format!("arn:x:{i}")))
            .collect();
        let built = StrIndex::from_distinct(
            &text,
            keys.iter()
                .enumerate()
                .map(|(i, k)| (*k, i as u32))
                .collect(),
        )
        .unwrap();
        for i in 0..5000u32 {
            assert_eq!(built.get(&text, &format!("arn:x:{i}")), Some(&i));
        }
        assert_eq!(built.get(&text, "arn:x:5000"), None);
        // A map asked with another text finds nothing, without panicking.
        assert_eq!(built.get("", "arn:x:1"), None);

        let mut text = String::new();
        let twice: Vec<Str> = ["a", "b", "a"].iter().map(|k| add(&mut text, k)).collect();
        assert_eq!(
            StrIndex::from_distinct(&text, twice.iter().map(|k| (*k, 0)).collect()).unwrap_err(),
            FromDistinctError::Repeated("a".to_owned())
        );
    }
}
