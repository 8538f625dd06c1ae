//! Text rules shared by the check path: case folding exactly as Rust's
//! `str::to_lowercase` does it, numbers, dates and CIDR blocks, parsed
//! without allocating.

use std::cell::Cell;
use std::net::IpAddr;

/// The one context-sensitive lower-case mapping in `str::to_lowercase`
/// (a word-final capital sigma); texts holding it take the allocating path so
/// that case folding stays exactly `str::to_lowercase`.
const CAPITAL_SIGMA: char = '\u{3A3}';

/// Writes `text` lower-cased into `out` (cleared first), as
/// `str::to_lowercase` would, without allocating when `out` has room (and the
/// text holds no capital sigma).
pub fn lower_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else if text.contains(CAPITAL_SIGMA) {
        out.push_str(&text.to_lowercase());
    } else {
        for c in text.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

/// Whether `text.to_lowercase() == lowered`, where `lowered` is already lower
/// case (as `str::to_lowercase` makes it).
pub fn lower_eq(text: &str, lowered: &str) -> bool {
    if text.len() != lowered.len() && text.is_ascii() {
        return false;
    }
    if text.is_ascii() {
        return text.len() == lowered.len()
            && text
                .bytes()
                .zip(lowered.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b);
    }
    if text.contains(CAPITAL_SIGMA) {
        return text.to_lowercase() == lowered;
    }
    text.chars()
        .flat_map(char::to_lowercase)
        .eq(lowered.chars())
}

/// Whether `a.to_lowercase() == b.to_lowercase()`.
pub fn both_lower_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    if a.contains(CAPITAL_SIGMA) || b.contains(CAPITAL_SIGMA) {
        return a.to_lowercase() == b.to_lowercase();
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A decimal number: optional sign, digits, optional fraction and exponent;
/// `inf`, `NaN`, hex and empty strings are not numbers.
pub fn parse_number(s: &str) -> Option<f64> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'e' | b'E'))
        && s.bytes().any(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn digits(s: &str, from: usize, len: usize) -> Option<i64> {
    let part = s.get(from..from.checked_add(len)?)?;
    if part.len() == len && part.bytes().all(|c| c.is_ascii_digit()) {
        part.parse().ok()
    } else {
        None
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = month == 2 && is_leap(year);
    let days = usize::try_from(month - 1)
        .ok()
        .and_then(|m| DAYS_IN_MONTH.get(m));
    days.map_or(0, |d| i64::from(*d) + i64::from(leap))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The form requests carry (`aws:CurrentTime`): exactly
/// `YYYY-MM-DDThh:mm:ssZ`, read without the general parser's steps; `None`
/// for anything else (the general parser then decides).
#[inline]
fn parse_plain_utc(s: &str) -> Option<i128> {
    let b: &[u8; 20] = s.as_bytes().try_into().ok()?;
    let (date, rest) = b.split_first_chunk::<8>()?;
    let (time, rest) = rest.split_first_chunk::<8>()?;
    let secs: &[u8; 4] = rest.try_into().ok()?;
    // Three little-endian words: `YYYY-MM-`, `DDThh:mm`, `:ssZ`.
    let words = [
        u64::from_le_bytes(*date),
        u64::from_le_bytes(*time),
        u64::from(u32::from_le_bytes(*secs)),
    ];
    // Per word, the separators' bytes and the digits' bytes, checked all at
    // once: a digit xor `0` is 0 to 9, which adding 0x76 leaves below 0x80.
    const SEPARATORS: [(u64, u64); 3] = [
        (0xff00_00ff_0000_0000, 0x2d00_002d_0000_0000), // `-` at 4 and 7
        (0x0000_ff00_00ff_0000, 0x0000_3a00_0054_0000), // `T` at 2, `:` at 5
        // `:` at 0, `Z` at 3, and the four bytes past the string must be 0.
        (0xffff_ffff_ff00_00ff, 0x0000_0000_5a00_003a),
    ];
    let mut bad = 0u64;
    let mut digits = [0u64; 3];
    for ((w, (mask, want)), d) in words.iter().zip(SEPARATORS).zip(&mut digits) {
        let x = (w ^ 0x3030_3030_3030_3030) & !mask;
        bad |= (w & mask) ^ want;
        bad |= x & 0xf0f0_f0f0_f0f0_f0f0;
        bad |= (x.wrapping_add(0x7676_7676_7676_7676) & !mask) & 0x8080_8080_8080_8080;
        *d = x;
    }
    if bad != 0 {
        return None;
    }
    // Each byte's digit times ten plus the next byte's digit: two-digit
    // fields at once (no byte carries: at most 9 * 10 + 9).
    let [date, time, secs] = digits.map(|x| x * 10 + (x >> 8));
    let field = |w: u64, at: u32| ((w >> (8 * at)) & 0xff) as u32;
    let year = field(date, 0) * 100 + field(date, 2);
    let (month, day) = (field(date, 5), field(time, 0));
    let (hour, minute, second) = (field(time, 3), field(time, 6), field(secs, 1));
    // Without a branch on the year or the month, which vary from request
    // to request: whether the year is leap, as 0 or 1, and the month's
    // days and the days before it from tables.
    let leap = u32::from((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)));
    let m = month.wrapping_sub(1) as usize;
    let (&before, &days_in) = DAYS_BEFORE_MONTH.get(m).zip(DAYS_IN_MONTH.get(m))?;
    let february = u32::from(month == 2);
    let after_february = u32::from(month > 2);
    let month_days = days_in + (leap & february);
    let out_of_range = (day < 1) | (day > month_days) | (hour > 23) | (minute > 59) | (second > 59);
    if out_of_range {
        return None;
    }
    let before = before + (leap & after_february);
    // The days of the years before this one, counted from a year that is
    // a multiple of 400 (so the leap rule lines up and every quotient is
    // of a positive number), then this year's.
    let years = year + 399;
    let leaps = years / 4 - years / 100 + years / 400;
    let days = i64::from(365 * years + leaps + before + day - 1) - DAYS_TO_EPOCH;
    let secs = days * 86_400 + i64::from(hour * 3_600 + minute * 60 + second);
    Some(i128::from(secs) * 1_000_000_000)
}

/// Days before the first of each month in a common year.
const DAYS_BEFORE_MONTH: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

/// Days of each month in a common year.
const DAYS_IN_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// [`parse_plain_utc`]'s day count at 1970-01-01 (year 1970: `years` is
/// 2,369, `leaps` 574).
const DAYS_TO_EPOCH: i64 = 365 * 2369 + 574;

/// An instant as nanoseconds since the Unix epoch: epoch seconds (digits
/// only), or ISO 8601 `YYYY-MM-DD`, optionally `Thh:mm`, `:ss`, a fraction,
/// and a zone `Z`, `+hh:mm`, `-hh:mm`, `+hhmm` or `+hh` (UTC when none).
pub fn parse_date(s: &str) -> Option<i128> {
    match parse_plain_utc(s) {
        Some(instant) => Some(instant),
        None => parse_other_date(s),
    }
}

/// [`parse_date`] for every form but the plain one, out of line: a check
/// reading `aws:CurrentTime` as requests carry it never comes here.
#[inline(never)]
fn parse_other_date(s: &str) -> Option<i128> {
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
        let secs: i128 = s.parse().ok()?;
        return secs.checked_mul(1_000_000_000);
    }
    let b = s.as_bytes();
    let year = digits(s, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut pos = 10;
    let (mut hour, mut minute, mut second, mut nanos) = (0i64, 0i64, 0i64, 0i128);
    if b.get(pos) == Some(&b'T') {
        hour = digits(s, pos + 1, 2)?;
        if b.get(pos + 3) != Some(&b':') {
            return None;
        }
        minute = digits(s, pos + 4, 2)?;
        pos += 6;
        if b.get(pos) == Some(&b':') {
            second = digits(s, pos + 1, 2)?;
            pos += 3;
            if b.get(pos) == Some(&b'.') {
                let frac = s
                    .get(pos + 1..)?
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                if frac == 0 {
                    return None;
                }
                let mut value: i128 = 0;
                for (i, d) in s.get(pos + 1..pos + 1 + frac)?.bytes().enumerate() {
                    if i < 9 {
                        value = value * 10 + i128::from(d - b'0');
                    }
                }
                for _ in frac..9 {
                    value *= 10;
                }
                nanos = value;
                pos += 1 + frac;
            }
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
    }
    let offset_minutes: i64 = match s.get(pos..)? {
        "" | "Z" => 0,
        zone => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let z = zone.get(1..)?;
            let (h, m): (i64, i64) = match z.len() {
                2 => (z.parse().ok()?, 0),
                4 => (z.get(..2)?.parse().ok()?, z.get(2..)?.parse().ok()?),
                5 if z.as_bytes().get(2) == Some(&b':') => {
                    (z.get(..2)?.parse().ok()?, z.get(3..)?.parse().ok()?)
                }
                _ => return None,
            };
            if !z.bytes().all(|c| c.is_ascii_digit() || c == b':') || h > 23 || m > 59 {
                return None;
            }
            sign * (h * 60 + m)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

/// A request's IP address, read as the standard library reads one
/// (`IpAddr::from_str`), without its general parser's steps: dotted-quad
/// IPv4 (no leading zeros, four octets of at most three digits, each <=
/// 255), or IPv6 as eight groups of one to four hex digits, one `::` for
/// one or more zero groups, and a dotted quad for the last two groups.
/// Property tests hold both readings equal.
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    match parse_v4(s) {
        Some(a) => Some(IpAddr::V4(a)),
        None => parse_v6(s.as_bytes()).map(IpAddr::V6),
    }
}

/// Addresses of eight to sixteen bytes a scratch space has read, with what
/// they read as: a sender's requests come from a few addresses, message
/// after message. A small two-way cache: a slot holds an address's length
/// and its first and last eight bytes (together all of them, so equal
/// words and lengths mean equal text); an address goes in the first slot
/// of its pair, moving the one there to the second, so two addresses that
/// share a pair both stay; a third only costs reading again. Shorter
/// addresses (`1.2.3.4`) are read as they come: reading one costs less
/// than finding it.
#[derive(Clone, Debug)]
pub(crate) struct AddressCache {
    slots: Box<[[Cell<AddressSlot>; 2]; ADDRESSES / 2]>,
}

/// Addresses an [`AddressCache`] remembers (a power of two).
const ADDRESSES: usize = 32;

/// Length (0: empty), the two words, and the address read.
type AddressSlot = (usize, u64, u64, Option<IpAddr>);

impl Default for AddressCache {
    fn default() -> AddressCache {
        AddressCache {
            slots: Box::new(std::array::from_fn(|_| {
                std::array::from_fn(|_| Cell::new((0, 0, 0, None)))
            })),
        }
    }
}

impl AddressCache {
    /// [`parse_ip`]`(s)`, remembered for addresses of eight to sixteen
    /// bytes. The hit is inline; the rest is not.
    #[inline]
    pub(crate) fn parse(&self, s: &str) -> Option<IpAddr> {
        let b = s.as_bytes();
        let n = b.len();
        let (Some(head), Some(tail)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) else {
            return parse_ip(s);
        };
        let (w0, w1) = (u64::from_le_bytes(*head), u64::from_le_bytes(*tail));
        let index = ((w0 ^ w1.rotate_left(29) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60)
            as usize;
        let Some(pair) = self.slots.get(index % (ADDRESSES / 2)) else {
            return parse_ip(s);
        };
        let (len, x0, x1, address) = pair[0].get();
        if (len, x0, x1) == (n, w0, w1) {
            return address;
        }
        Self::miss(pair, s, (n, w0, w1))
    }

    /// An address not in the first slot of its pair: found in the second
    /// (the two swap), or read (unless longer than sixteen bytes) and put
    /// first, the first moving second.
    #[inline(never)]
    fn miss(
        pair: &[Cell<AddressSlot>; 2],
        s: &str,
        (n, w0, w1): (usize, u64, u64),
    ) -> Option<IpAddr> {
        if n > 16 {
            return parse_ip(s);
        }
        let [first, second] = pair;
        let older = second.replace(first.get());
        if (older.0, older.1, older.2) == (n, w0, w1) {
            first.set(older);
            return older.3;
        }
        let address = parse_ip(s);
        first.set((n, w0, w1, address));
        address
    }
}

/// An IPv6 address, the whole of `b`.
fn parse_v6(b: &[u8]) -> Option<std::net::Ipv6Addr> {
    let mut at = 0;
    let mut head = [0u16; 8];
    let (head_len, head_v4) = v6_groups(b, &mut at, &mut head);
    let groups = if head_len == 8 {
        head
    } else {
        // A dotted quad ends an address: no `::` after one.
        if head_v4 || b.get(at..at + 2) != Some(b"::") {
            return None;
        }
        at += 2;
        // `::` stands for at least one zero group.
        let mut tail = [0u16; 7];
        let room = tail.get_mut(..7 - head_len)?;
        let (tail_len, _) = v6_groups(b, &mut at, room);
        let mut groups = [0u16; 8];
        groups
            .get_mut(..head_len)?
            .copy_from_slice(head.get(..head_len)?);
        groups
            .get_mut(8 - tail_len..)?
            .copy_from_slice(tail.get(..tail_len)?);
        groups
    };
    (at == b.len()).then(|| std::net::Ipv6Addr::from(groups))
}

/// Reads up to `groups.len()` colon-separated groups from `b` at `*at`
/// (a separator before every group but the first), a dotted quad filling
/// the last two when at least two are left; stops before the first thing
/// that is not a group. The number read, and whether a dotted quad ended
/// them.
fn v6_groups(b: &[u8], at: &mut usize, groups: &mut [u16]) -> (usize, bool) {
    let limit = groups.len();
    let mut i = 0;
    while i < limit {
        let mut p = *at;
        if i > 0 {
            if b.get(p) != Some(&b':') {
                return (i, false);
            }
            p += 1;
        }
        if i + 1 < limit {
            if let Some((quad, end)) = dotted_quad(b, p) {
                let [o0, o1, o2, o3] = quad;
                if let Some([g0, g1]) = groups.get_mut(i..i + 2) {
                    *g0 = u16::from_be_bytes([o0, o1]);
                    *g1 = u16::from_be_bytes([o2, o3]);
                }
                *at = end;
                return (i + 2, true);
            }
        }
        let mut value = 0u16;
        let mut digits = 0;
        while digits < 4 {
            let Some(d) = b.get(p).and_then(|c| char::from(*c).to_digit(16)) else {
                break;
            };
            value = (value << 4) | d as u16;
            p += 1;
            digits += 1;
        }
        if digits == 0 {
            return (i, false);
        }
        if let Some(g) = groups.get_mut(i) {
            *g = value;
        }
        *at = p;
        i += 1;
    }
    (limit, false)
}

/// A dotted quad at `b[at..]` (not necessarily the end of `b`): its octets
/// and the position after it.
fn dotted_quad(b: &[u8], mut at: usize) -> Option<([u8; 4], usize)> {
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            if b.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let mut value = 0u32;
        let mut digits = 0;
        while digits < 3 {
            let Some(c) = b.get(at).filter(|c| c.is_ascii_digit()) else {
                break;
            };
            if digits == 1 && value == 0 {
                // A leading zero.
                return None;
            }
            value = value * 10 + u32::from(c - b'0');
            at += 1;
            digits += 1;
        }
        if digits == 0 {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
    }
    Some((octets, at))
}

/// A dotted-quad IPv4 address, the whole of `s`.
fn parse_v4(s: &str) -> Option<std::net::Ipv4Addr> {
    let (octets, end) = dotted_quad(s.as_bytes(), 0)?;
    (end == s.len()).then(|| std::net::Ipv4Addr::from(octets))
}

/// A CIDR block from a policy, read once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cidr {
    /// An IPv4 network and mask.
    V4 {
        /// The network address, masked.
        net: u32,
        /// The mask.
        mask: u32,
    },
    /// An IPv6 network and mask.
    V6 {
        /// The network address, masked.
        net: u128,
        /// The mask.
        mask: u128,
    },
}

impl Cidr {
    /// Reads `a.b.c.d/n`, an IPv6 block, or a plain address (/32, /128);
    /// `None` when it cannot match any address.
    pub fn parse(cidr: &str) -> Option<Cidr> {
        let (net, prefix) = match cidr.split_once('/') {
            Some((net, prefix)) => (net, Some(prefix.parse::<u32>().ok()?)),
            None => (cidr, None),
        };
        match net.parse::<IpAddr>().ok()? {
            IpAddr::V4(n) => {
                let prefix = prefix.unwrap_or(32);
                if prefix > 32 {
                    return None;
                }
                let mask = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix)
                };
                Some(Cidr::V4 {
                    net: u32::from(n) & mask,
                    mask,
                })
            }
            IpAddr::V6(n) => {
                let prefix = prefix.unwrap_or(128);
                if prefix > 128 {
                    return None;
                }
                let mask = if prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - prefix)
                };
                Some(Cidr::V6 {
                    net: u128::from(n) & mask,
                    mask,
                })
            }
        }
    }

    /// Whether the address lies in the block.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self, address) {
            (Cidr::V4 { net, mask }, IpAddr::V4(a)) => u32::from(a) & mask == *net,
            (Cidr::V6 { net, mask }, IpAddr::V6(a)) => u128::from(a) & mask == *net,
            _ => false,
        }
    }
}

/// The eight bytes of `b` from `at` as a little-endian word (0 when fewer
/// than eight bytes are left).
#[inline]
pub(crate) fn word_at(b: &[u8], at: usize) -> u64 {
    b.get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .map_or(0, |w| u64::from_le_bytes(*w))
}

/// The last eight bytes of `b` as a little-endian word (0 when it is
/// shorter).
#[inline]
pub(crate) fn last_word(b: &[u8]) -> u64 {
    b.last_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w))
}

/// Up to eight bytes as a little-endian word, zero-padded (written without
/// a copy loop, which the compiler would turn into a `memcpy` call).
#[inline]
pub(crate) fn le_word(bytes: &[u8]) -> u64 {
    if let Ok(w) = <[u8; 8]>::try_from(bytes) {
        return u64::from_le_bytes(w);
    }
    let bytes = bytes.get(..8).unwrap_or(bytes);
    let n = bytes.len();
    if let (Some(lo), Some(hi)) = (bytes.get(..4), bytes.get(n.saturating_sub(4)..)) {
        // Four to seven bytes: two overlapping 4-byte reads (a byte may sit
        // in both halves; every caller compares words built the same way).
        if let (Ok(lo), Ok(hi)) = (<[u8; 4]>::try_from(lo), <[u8; 4]>::try_from(hi)) {
            return u64::from(u32::from_le_bytes(lo)) | (u64::from(u32::from_le_bytes(hi)) << 32);
        }
    }
    let mut w = 0u64;
    for (i, b) in bytes.iter().enumerate() {
        w |= u64::from(*b) << (8 * i);
    }
    w
}

#[cfg(test)]
mod tests {
    /// The direct reading of `YYYY-MM-DDThh:mm:ssZ` gives what the general
    /// reading gives, and leaves everything else to it.
    #[test]
    fn plain_utc_dates_read_as_the_general_parser_reads_them() {
        let general = |s: &str| {
            // The general path alone: the same text with `+00:00` for `Z`.
            let t = s.strip_suffix('Z').map(|p| format!("{p}+00:00"));
            t.and_then(|t| parse_date(&t))
        };
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..20_000 {
            let s = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                next(10_000),
                next(14),
                next(33),
                next(25),
                next(61),
                next(61)
            );
            assert_eq!(parse_plain_utc(&s), general(&s), "{s}");
            if let Some(v) = parse_plain_utc(&s) {
                assert_eq!(parse_date(&s), Some(v));
            }
        }
        for s in [
            "2025-02-29T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2025-06-01T00:00:00+00:00",
            "2025-06-01T00:00:00.5Z",
            "2025-6-01T00:00:00Z",
            "x025-06-01T00:00:00Z",
        ] {
            assert_eq!(
                parse_plain_utc(s).is_some(),
                s == "2024-02-29T23:59:59Z",
                "{s}"
            );
        }
    }

    /// Every byte of a plain date replaced by every byte value: the direct
    /// reading accepts exactly what the general one accepts.
    #[test]
    fn plain_utc_dates_refuse_every_wrong_byte() {
        for base in ["2024-02-29T23:59:59Z", "1999-12-31T00:00:00Z"] {
            for i in 0..base.len() {
                for v in 0..=255u8 {
                    let mut b = base.as_bytes().to_vec();
                    b[i] = v;
                    let Ok(s) = String::from_utf8(b) else {
                        continue;
                    };
                    let general = s
                        .strip_suffix('Z')
                        .and_then(|p| parse_date(&format!("{p}+00:00")));
                    let plain = parse_plain_utc(&s);
                    assert!(plain.is_none() || plain == general, "{s}");
                    if s.ends_with('Z') && general.is_some() && s.len() == 20 {
                        assert_eq!(plain, general, "{s}");
                    }
                }
            }
        }
    }

    #[test]
    fn direct_ipv4_reading_agrees_with_the_standard_library() {
        let cases = [
            "192.0.2.1",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            "1.2.3.",
            ".1.2.3",
            "1.2.3.04",
            "1.2.3.0",
            "1234.1.1.1",
            "10.0.0.1 ",
            "2001:db8::1",
            "::ffff:1.2.3.4",
            "",
            "a.b.c.d",
            "1.2.3.255",
            "1.2.3.4:80",
            ":",
            "::",
            "1:2:3:4:5:6:7:8",
            "[::1]",
            "fe80::1%eth0",
        ];
        for c in cases {
            assert_eq!(parse_ip(c), c.parse::<IpAddr>().ok(), "{c:?}");
        }
        // Every octet value, with and without a leading zero.
        for n in 0..=300u32 {
            for text in [
                format!("{n}.1.2.3"),
                format!("0{n}.1.2.3"),
                format!("1.2.3.{n}"),
            ] {
                assert_eq!(parse_ip(&text), text.parse::<IpAddr>().ok(), "{text:?}");
            }
        }
    }

    /// A remembered address reads as it did; one that differs from it in
    /// any byte, or in length, is read afresh.
    #[test]
    fn remembered_addresses_are_those_addresses() {
        let cache = AddressCache::default();
        let texts = [
            "198.51.100.7",
            "198.51.100.70",
            "198.51.100.8",
            "2001:db8::5",
            "2001:db8::50",
            "1.2.3.4",
            "::",
            "::1",
            "1",
            "not an address",
            "0.0.0.0",
            "255.255.255.255",
            "fe80::1:2:3:4:5",
            "fe80::1:2:3:4:6",
        ];
        for _ in 0..3 {
            for t in texts {
                assert_eq!(cache.parse(t), t.parse::<IpAddr>().ok(), "{t}");
                for i in 0..t.len() {
                    let mut b = t.as_bytes().to_vec();
                    b[i] = if b[i] == b'1' { b'2' } else { b'1' };
                    let u = String::from_utf8(b).unwrap();
                    assert_eq!(cache.parse(&u), u.parse::<IpAddr>().ok(), "{u}");
                }
            }
        }
    }

    proptest::proptest! {
        /// Any text of address characters reads as std reads it, directly
        /// and through a cache.
        #[test]
        fn cached_addresses_read_as_std_reads_them(texts in proptest::collection::vec("[0-9a-f.:]{0,17}", 1..40)) {
            let cache = AddressCache::default();
            for t in texts.iter().chain(texts.iter()) {
                proptest::prop_assert_eq!(cache.parse(t), t.parse::<IpAddr>().ok());
            }
        }

        /// Any text of address characters reads as std reads it.
        #[test]
        fn addresses_read_as_std_reads_them(text in "[0-9a-fA-F.:]{0,24}") {
            proptest::prop_assert_eq!(parse_ip(&text), text.parse::<IpAddr>().ok());
        }

        /// Text built like an IPv6 address (groups of hex digits, colons,
        /// `::`, dotted quads, each a little off at times) reads as std
        /// reads it.
        #[test]
        fn v6_addresses_read_as_std_reads_them(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    "[0-9a-fA-F]{1,5}",
                    proptest::strategy::Just(":".to_owned()),
                    proptest::strategy::Just("::".to_owned()),
                    "(0|[1-9][0-9]{0,2}|0[0-9])(\\.(0|[1-9][0-9]{0,2}|00)){2,4}",
                    "[g.:%]",
                ],
                0..18,
            ),
            colons in proptest::collection::vec(proptest::bool::ANY, 18),
        ) {
            let mut text = String::new();
            for (part, colon) in parts.iter().zip(&colons) {
                text.push_str(part);
                if *colon {
                    text.push(':');
                }
            }
            proptest::prop_assert_eq!(parse_ip(&text), text.parse::<IpAddr>().ok(), "{}", text);
        }
    }

    use super::*;

    /// The direct reading counts the days of every four-digit year as the
    /// general reading does, leap days and month ends included.
    #[test]
    fn plain_utc_days_agree_with_the_civil_count() {
        for year in 0..=9999 {
            for month in 1..=12 {
                for day in [1, 15, 28, 29, 30, 31] {
                    let s = format!("{year:04}-{month:02}-{day:02}T23:59:58Z");
                    let expected = (day <= days_in_month(year, month)).then(|| {
                        i128::from(days_from_civil(year, month, day) * 86_400 + 86_398)
                            * 1_000_000_000
                    });
                    assert_eq!(parse_plain_utc(&s), expected, "{s}");
                }
            }
        }
    }

    #[test]
    fn dates() {
        let z = parse_date("2018-08-31T12:00Z").unwrap();
        assert_eq!(parse_date("2018-08-31T14:00:00+02:00"), Some(z));
        assert_eq!(parse_date("1535716800"), Some(z));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400 * 1_000_000_000));
        assert_eq!(parse_date("1969-12-31"), Some(-86_400 * 1_000_000_000));
        assert_eq!(parse_date("2019-02-29"), None);
    }

    #[test]
    fn lowering() {
        let mut s = String::new();
        lower_into("SES:SendEmail", &mut s);
        assert_eq!(s, "ses:sendemail");
        lower_into("ΟΔΟΣ", &mut s);
        assert_eq!(s, "ΟΔΟΣ".to_lowercase());
        assert!(lower_eq("Aws:UserName", "aws:username"));
        assert!(lower_eq("ÄB", "äb"));
        assert!(both_lower_eq("TRUE", "true"));
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains("203.0.113.7".parse().unwrap()));
        assert!(!c.contains("203.0.114.7".parse().unwrap()));
        assert_eq!(Cidr::parse("203.0.113.0/33"), None);
    }
}
