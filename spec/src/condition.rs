//! Condition evaluation (IAM User Guide, "IAM JSON policy elements: Condition
//! operators", "Single-valued vs. multivalued context keys", "Creating a
//! condition with multiple context keys or values").
//!
//! A statement's conditions all must hold (operators AND, keys AND); a
//! condition holds when the request value matches any of its values (OR).
//! Rules, each pinned by corpus cases:
//! - **Missing key.** A key given with an empty list of values counts as
//!   missing. A positive operator is false; a negated operator
//!   (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...) is true; `...IfExists`
//!   makes any operator true; `Null: true` holds exactly when the key is
//!   missing and `Null: false` when it is present.
//! - **No qualifier.** The condition holds when some request value matches
//!   some policy value; a negated operator is the negation of its positive
//!   form, so it holds when no request value matches any policy value. With
//!   one request value these are AWS's documented meanings; a multivalued key
//!   without a qualifier is Sesame's choice, documented here.
//! - **`ForAllValues:`** holds when every request value matches (for a
//!   negated operator: matches none of the policy values); it also holds when
//!   the key is missing or has no values ("also returns true if there are no
//!   context keys in the request").
//! - **`ForAnyValue:`** holds when at least one request value matches; it is
//!   false when the key is missing (unless `IfExists`) or has no values.
//! - **Values.** `String*` compare exactly, `...IgnoreCase` after lower-casing
//!   both sides; `StringLike` with `*` and `?` across the whole string;
//!   `Numeric*` as decimal numbers; `Date*` as instants (ISO 8601 with or
//!   without a zone, UTC when none, or epoch seconds); `Bool` ignoring case;
//!   `BinaryEquals` exactly (both base64); `IpAddress` by CIDR, v4 or v6, a
//!   plain address meaning /32 or /128; `ArnEquals` and `ArnLike` alike,
//!   component by component with wildcards (see
//!   [`crate::glob::matches_arn_condition`]). A request or policy value
//!   that does not parse for its operator matches nothing.
//! - **Variables** are substituted in string and ARN operator values
//!   (see [`crate::variables`]).

use std::net::IpAddr;

use crate::glob::{matches_arn_condition, matches_plain, text};
use crate::model::{BaseOperator, Condition, SetQualifier, Version};
use crate::variables::{Lookup, substitute};

/// Whether one condition holds for the request context.
pub fn condition_holds(condition: &Condition, version: Version, context: &dyn Lookup) -> bool {
    let operator = condition.operator;
    let base = operator.base;
    // A key given with no values is treated as missing everywhere: "Null ...
    // false ... the key exists and its value is not null", and ForAllValues
    // "returns true if ... the context key value resolves to a null data set".
    let request_values = context.values(&condition.key).filter(|v| !v.is_empty());
    if base == BaseOperator::Null {
        let present = request_values.is_some();
        return condition
            .values
            .iter()
            .any(|v| match v.to_lowercase().as_str() {
                "true" => !present,
                "false" => present,
                _ => false,
            });
    }
    let negated = base.is_negated();
    // One request value against the policy values, in the operator's sense
    // (for a negated operator: matches none of them).
    let per_value = |value: &str| -> bool {
        let any = condition
            .values
            .iter()
            .any(|policy_value| value_matches(base, value, policy_value, version, context));
        any != negated
    };
    match (operator.qualifier, request_values) {
        (_, None) if operator.if_exists => true,
        (None, None) => negated,
        (None, Some(values)) => {
            let any_positive = values.iter().any(|v| {
                condition
                    .values
                    .iter()
                    .any(|p| value_matches(base, v, p, version, context))
            });
            any_positive != negated
        }
        (Some(SetQualifier::ForAllValues), None) => true,
        (Some(SetQualifier::ForAllValues), Some(values)) => values.iter().all(|v| per_value(v)),
        (Some(SetQualifier::ForAnyValue), None) => false,
        (Some(SetQualifier::ForAnyValue), Some(values)) => values.iter().any(|v| per_value(v)),
    }
}

/// Whether a request value matches one policy value under the positive form
/// of `base` (`StringNotEquals` compares as `StringEquals`).
fn value_matches(
    base: BaseOperator,
    request: &str,
    policy: &str,
    version: Version,
    context: &dyn Lookup,
) -> bool {
    use BaseOperator as B;
    let substituted = || {
        if base.takes_variables() {
            substitute(policy, version, context)
        } else {
            Some(crate::glob::tokens(policy))
        }
    };
    match base {
        B::StringEquals | B::StringNotEquals => substituted().is_some_and(|t| text(&t) == request),
        B::StringEqualsIgnoreCase | B::StringNotEqualsIgnoreCase => {
            substituted().is_some_and(|t| text(&t).to_lowercase() == request.to_lowercase())
        }
        B::StringLike | B::StringNotLike => {
            substituted().is_some_and(|t| matches_plain(&t, request))
        }
        B::ArnEquals | B::ArnLike | B::ArnNotEquals | B::ArnNotLike => {
            substituted().is_some_and(|t| matches_arn_condition(&t, request))
        }
        B::NumericEquals
        | B::NumericNotEquals
        | B::NumericLessThan
        | B::NumericLessThanEquals
        | B::NumericGreaterThan
        | B::NumericGreaterThanEquals => match (parse_number(request), parse_number(policy)) {
            (Some(r), Some(p)) => compare(base, r.partial_cmp(&p)),
            _ => false,
        },
        B::DateEquals
        | B::DateNotEquals
        | B::DateLessThan
        | B::DateLessThanEquals
        | B::DateGreaterThan
        | B::DateGreaterThanEquals => match (parse_date(request), parse_date(policy)) {
            (Some(r), Some(p)) => compare(base, Some(r.cmp(&p))),
            _ => false,
        },
        B::Bool => request.to_lowercase() == policy.to_lowercase(),
        B::BinaryEquals => request == policy,
        B::IpAddress | B::NotIpAddress => ip_in_cidr(request, policy),
        B::Null => false,
    }
}

fn compare(base: BaseOperator, ordering: Option<std::cmp::Ordering>) -> bool {
    use BaseOperator as B;
    use std::cmp::Ordering::{Equal, Greater, Less};
    let Some(ord) = ordering else { return false };
    match base {
        B::NumericEquals | B::NumericNotEquals | B::DateEquals | B::DateNotEquals => ord == Equal,
        B::NumericLessThan | B::DateLessThan => ord == Less,
        B::NumericLessThanEquals | B::DateLessThanEquals => ord != Greater,
        B::NumericGreaterThan | B::DateGreaterThan => ord == Greater,
        B::NumericGreaterThanEquals | B::DateGreaterThanEquals => ord != Less,
        _ => false,
    }
}

/// A decimal number: optional sign, digits, optional fraction and exponent.
/// `inf`, `NaN`, hex and empty strings are not numbers.
pub fn parse_number(s: &str) -> Option<f64> {
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'))
        && s.chars().any(|c| c.is_ascii_digit());
    if !ok {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// An instant as nanoseconds since the Unix epoch.
///
/// Accepted: epoch seconds (digits only, as `aws:EpochTime` gives them), and
/// ISO 8601 `YYYY-MM-DD`, optionally followed by `Thh:mm`, `:ss`, a fraction
/// `.fff...`, and a zone `Z`, `+hh:mm`, `-hh:mm`, `+hhmm` or `+hh`; a time
/// without a zone is UTC.
pub fn parse_date(s: &str) -> Option<i128> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        let secs: i128 = s.parse().ok()?;
        return secs.checked_mul(1_000_000_000);
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if part.len() == len && part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut pos = 10;
    let (mut hour, mut minute, mut second, mut nanos) = (0i64, 0i64, 0i64, 0i128);
    if b.get(pos) == Some(&b'T') {
        hour = num(pos + 1, 2)?;
        if b.get(pos + 3) != Some(&b':') {
            return None;
        }
        minute = num(pos + 4, 2)?;
        pos += 6;
        if b.get(pos) == Some(&b':') {
            second = num(pos + 1, 2)?;
            pos += 3;
            if b.get(pos) == Some(&b'.') {
                let digits = s
                    .get(pos + 1..)?
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .count();
                if digits == 0 {
                    return None;
                }
                let frac = s.get(pos + 1..pos + 1 + digits)?;
                let mut value: i128 = 0;
                for (i, d) in frac.bytes().enumerate() {
                    if i < 9 {
                        value = value * 10 + i128::from(d - b'0');
                    }
                }
                for _ in digits..9 {
                    value *= 10;
                }
                nanos = value;
                pos += 1 + digits;
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
            let (h, m) = match z.len() {
                2 => (z.parse::<i64>().ok()?, 0),
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

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date, counted day by day
/// from the start of each year: slow but plain.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let mut days = 0i64;
    if year >= 1970 {
        for y in 1970..year {
            days += if is_leap(y) { 366 } else { 365 };
        }
    } else {
        for y in year..1970 {
            days -= if is_leap(y) { 366 } else { 365 };
        }
    }
    for m in 1..month {
        days += days_in_month(year, m);
    }
    days + day - 1
}

/// Whether an address lies in a CIDR block (a plain address is /32 or /128).
fn ip_in_cidr(address: &str, cidr: &str) -> bool {
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    let (net, prefix) = match cidr.split_once('/') {
        Some((net, prefix)) => {
            let Ok(prefix) = prefix.parse::<u32>() else {
                return false;
            };
            (net, Some(prefix))
        }
        None => (cidr, None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    match (address, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let prefix = prefix.unwrap_or(32);
            if prefix > 32 {
                return false;
            }
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let prefix = prefix.unwrap_or(128);
            if prefix > 128 {
                return false;
            }
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let z = parse_date("2018-08-31T12:00Z").unwrap();
        assert_eq!(parse_date("2018-08-31T12:00:00Z"), Some(z));
        assert_eq!(parse_date("2018-08-31T12:00:00"), Some(z));
        assert_eq!(parse_date("2018-08-31T14:00:00+02:00"), Some(z));
        assert_eq!(parse_date("2018-08-31T14:00:00+0200"), Some(z));
        assert_eq!(parse_date("2018-08-31T07:00-05"), Some(z));
        assert_eq!(parse_date("1535716800"), Some(z));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400 * 1_000_000_000));
        assert_eq!(parse_date("2018-08-31T12:00:00.5Z"), Some(z + 500_000_000));
        for bad in [
            "",
            "2018-13-01",
            "2019-02-29",
            "2018-08-31T25:00Z",
            "2018-08-31T12:00Q",
            "yesterday",
            "2018-08-31T12:00:00.",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1.50"), Some(1.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        for bad in ["", "inf", "NaN", "0x10", "1,5", "+", "."] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn ips() {
        assert!(ip_in_cidr("203.0.113.7", "203.0.113.0/24"));
        assert!(!ip_in_cidr("203.0.114.7", "203.0.113.0/24"));
        assert!(ip_in_cidr("203.0.113.7", "203.0.113.7"));
        assert!(ip_in_cidr("10.1.2.3", "0.0.0.0/0"));
        assert!(ip_in_cidr("2001:db8::1", "2001:db8::/32"));
        assert!(!ip_in_cidr("2001:db9::1", "2001:db8::/32"));
        assert!(!ip_in_cidr("203.0.113.7", "2001:db8::/32"));
        assert!(!ip_in_cidr("203.0.113.7", "203.0.113.0/33"));
        assert!(!ip_in_cidr("not-an-ip", "0.0.0.0/0"));
    }
}
