//! A small, fast, non-cryptographic hasher for the engine's string maps.
//!
//! The keys are ARNs and action names chosen by the store's author, not by an
//! attacker on the check path, so a multiply-rotate hash (in the style of
//! rustc's `FxHasher`) is enough and costs a few cycles per 8 bytes.

use std::collections::HashMap;
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
}
