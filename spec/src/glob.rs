//! Wildcard matching, written to be obviously right: a pattern is a list of
//! tokens, and a table over (pattern prefix, text prefix) says which prefixes
//! match. Quadratic in the worst case, never exponential, so pathological
//! patterns such as `*a*a*a*a*b` stay bounded.
//!
//! Three flavours:
//! - [`matches_plain`]: `StringLike` and actions; `*` is any run of
//!   characters, `?` any one character (IAM User Guide, "Condition
//!   operators", String condition operators).
//! - [`matches_arn`]: `Resource` and `NotResource`
//!   (IAM User Guide, "IAM JSON policy elements: Resource", "Using wildcards in
//!   resource ARNs"): the ARN's first five colon-separated segments are
//!   matched segment by segment, so a wildcard there does not cross a colon;
//!   except that a `*` which is the last character of a segment "can expand to
//!   match beyond the colon boundaries". The sixth segment (the resource part)
//!   is the rest of the string, colons included, and wildcards in it match
//!   anything. The pattern `*` alone therefore matches every string.
//! - [`matches_arn_condition`]: the `Arn*` condition operators compare the six
//!   components separately, so there the segment-final `*` does not run on.
//! - Literal tokens come from policy variables and their escapes (`${*}` is a
//!   literal `*`), which never act as wildcards.

/// One token of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A character that must appear as it is.
    Lit(char),
    /// `*`: any run of characters.
    Star,
    /// `?`: any one character.
    Quest,
}

/// Tokens of a pattern with no variables: `*` and `?` are wildcards.
pub fn tokens(pattern: &str) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::Quest,
            c => Tok::Lit(c),
        })
        .collect()
}

/// The tokens as plain text (wildcards written as `*` and `?`), for operators
/// that compare without wildcards.
pub fn text(tokens: &[Tok]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Tok::Lit(c) => *c,
            Tok::Star => '*',
            Tok::Quest => '?',
        })
        .collect()
}

/// Whether `text` matches `pattern`; `*` and `?` match any characters.
pub fn matches_plain(pattern: &[Tok], text: &str) -> bool {
    let rules: Vec<(bool, bool)> = pattern.iter().map(|_| (true, true)).collect();
    table_match(pattern, &rules, text)
}

/// Whether `text` matches a `Resource` pattern ARN-wise (see the module
/// docs): a segment-final `*` runs on across colons.
pub fn matches_arn(pattern: &[Tok], text: &str) -> bool {
    arn_match(pattern, text, true)
}

/// Whether `text` matches an `ArnEquals`/`ArnLike` value: "each of the six
/// colon-delimited components of the ARN is checked separately" (IAM User
/// Guide, "Condition operators", ARN condition operators), so unlike in
/// `Resource` no `*` crosses a colon before the resource part.
pub fn matches_arn_condition(pattern: &[Tok], text: &str) -> bool {
    arn_match(pattern, text, false)
}

fn arn_match(pattern: &[Tok], text: &str, run_on: bool) -> bool {
    // For each token: may a `*` here cross a colon, may a `?` here be a colon.
    let mut rules = Vec::with_capacity(pattern.len());
    let mut colons_before = 0usize;
    for (i, tok) in pattern.iter().enumerate() {
        let in_resource_part = colons_before >= 5;
        let last_of_segment = matches!(pattern.get(i + 1), None | Some(Tok::Lit(':')));
        match tok {
            Tok::Star => rules.push((in_resource_part || (run_on && last_of_segment), false)),
            Tok::Quest => rules.push((false, in_resource_part)),
            Tok::Lit(c) => {
                if *c == ':' {
                    colons_before += 1;
                }
                rules.push((false, false));
            }
        }
    }
    table_match(pattern, &rules, text)
}

/// The matching table. `rules[i]` says, for token `i`, whether a `*` may
/// consume `:` and whether a `?` may be `:`.
fn table_match(pattern: &[Tok], rules: &[(bool, bool)], text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    // row[j]: does the pattern prefix seen so far match chars[..j]?
    let mut row = vec![false; chars.len() + 1];
    if let Some(first) = row.first_mut() {
        *first = true;
    }
    for (tok, &(star_crosses, quest_colon)) in pattern.iter().zip(rules) {
        let mut next = vec![false; chars.len() + 1];
        match tok {
            Tok::Star => {
                // next[j] = row[j] || (next[j-1] && chars[j-1] may be eaten)
                let mut carry = false;
                for j in 0..=chars.len() {
                    let prev_ok = j > 0
                        && carry
                        && chars.get(j - 1).is_some_and(|c| *c != ':' || star_crosses);
                    let here = row.get(j).copied().unwrap_or(false) || prev_ok;
                    if let Some(slot) = next.get_mut(j) {
                        *slot = here;
                    }
                    carry = here;
                }
            }
            Tok::Quest => {
                for j in 1..=chars.len() {
                    let ok = row.get(j - 1).copied().unwrap_or(false)
                        && chars.get(j - 1).is_some_and(|c| *c != ':' || quest_colon);
                    if let Some(slot) = next.get_mut(j) {
                        *slot = ok;
                    }
                }
            }
            Tok::Lit(lit) => {
                for j in 1..=chars.len() {
                    let ok =
                        row.get(j - 1).copied().unwrap_or(false) && chars.get(j - 1) == Some(lit);
                    if let Some(slot) = next.get_mut(j) {
                        *slot = ok;
                    }
                }
            }
        }
        row = next;
    }
    row.last().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(p: &str, t: &str) -> bool {
        matches_plain(&tokens(p), t)
    }
    fn arn(p: &str, t: &str) -> bool {
        matches_arn(&tokens(p), t)
    }

    #[test]
    fn plain_wildcards() {
        assert!(plain("*", ""));
        assert!(plain("*", "a:b/c"));
        assert!(plain("ses:Send*", "ses:SendEmail"));
        assert!(!plain("ses:Send*", "ses:GetSend"));
        assert!(plain("a?c", "abc"));
        assert!(!plain("a?c", "ac"));
        assert!(plain("*@example.com", "a@example.com"));
        assert!(!plain("*@example.com", "a@example.com.evil"));
        assert!(plain("a.b", "a.b"));
        assert!(!plain("a.b", "axb"), "regex metacharacters are literal");
        assert!(plain("x*:*y", "x:y"));
    }

    #[test]
    fn arn_wildcards_stay_in_their_segment() {
        let id = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
        assert!(arn("*", id));
        assert!(arn("arn:aws:ses:*:111122223333:identity/*", id));
        assert!(arn("arn:aws:ses:us-east-1:*:identity/example.com", id));
        // `?` never crosses a colon in the first five segments.
        assert!(!arn(
            "arn:aws:ses:us-east-1?111122223333:identity/example.com",
            id
        ));
        // A mid-segment `*` does not cross colons ...
        assert!(!arn("arn:aws:ses:us-*-1:identity/example.com", id));
        // ... but a segment-final `*` runs on.
        assert!(arn("arn:aws:ses:us-east-*", id));
        assert!(arn("arn:aws:*", id));
        assert!(!arn("arn:aws:ses:*:222222222222:identity/*", id));
        // In the resource part, `*` and `?` cross colons.
        assert!(arn("arn:aws:s3:::b/*", "arn:aws:s3:::b/x:y/z"));
        assert!(arn("arn:aws:s3:::b/x?y", "arn:aws:s3:::b/x:y"));
        // Case-sensitive.
        assert!(!arn(
            "arn:aws:ses:us-east-1:111122223333:identity/Example.com",
            id
        ));
    }

    #[test]
    fn arn_conditions_do_not_run_on() {
        let id = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
        let cond = |p: &str| matches_arn_condition(&tokens(p), id);
        assert!(!cond("arn:aws:ses:*"));
        assert!(cond("arn:aws:ses:*:*:*"));
        assert!(cond("arn:aws:ses:*:111122223333:identity/*"));
        assert!(!cond("*"));
        assert!(cond("arn:*:*:*:*:*"));
    }

    /// The same rules by plain backtracking: exponential, so only for short
    /// inputs, but too simple to get wrong.
    fn naive(p: &[Tok], rules: &[(bool, bool)], t: &[char]) -> bool {
        match (p.first(), rules.first()) {
            (None, _) | (_, None) => t.is_empty(),
            (Some(Tok::Lit(c)), _) => t.first() == Some(c) && naive(&p[1..], &rules[1..], &t[1..]),
            (Some(Tok::Quest), Some(&(_, colon))) => {
                t.first().is_some_and(|x| *x != ':' || colon)
                    && naive(&p[1..], &rules[1..], &t[1..])
            }
            (Some(Tok::Star), Some(&(cross, _))) => (0..=t.len()).any(|k| {
                t[..k].iter().all(|x| *x != ':' || cross) && naive(&p[1..], &rules[1..], &t[k..])
            }),
        }
    }

    fn naive_rules(p: &[Tok], arn: bool, run_on: bool) -> Vec<(bool, bool)> {
        let mut colons = 0;
        p.iter()
            .enumerate()
            .map(|(i, tok)| {
                let resource = !arn || colons >= 5;
                let last = matches!(p.get(i + 1), None | Some(Tok::Lit(':')));
                if *tok == Tok::Lit(':') {
                    colons += 1;
                }
                (resource || (run_on && last), resource)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn table_equals_backtracking(
            p in "[a:*?]{0,10}",
            t in "[a:b]{0,10}",
        ) {
            let toks = tokens(&p);
            let chars: Vec<char> = t.chars().collect();
            proptest::prop_assert_eq!(matches_plain(&toks, &t), naive(&toks, &naive_rules(&toks, false, false), &chars));
            proptest::prop_assert_eq!(matches_arn(&toks, &t), naive(&toks, &naive_rules(&toks, true, true), &chars));
            proptest::prop_assert_eq!(matches_arn_condition(&toks, &t), naive(&toks, &naive_rules(&toks, true, false), &chars));
        }
    }

    #[test]
    fn pathological_patterns_are_quick() {
        let p = "*a".repeat(200) + "b";
        let t = "a".repeat(5_000);
        assert!(!plain(&p, &t));
        assert!(!arn(&p, &t));
    }
}
