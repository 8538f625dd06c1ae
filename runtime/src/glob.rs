//! Wildcard matching on the check path, allocation-free.
//!
//! The semantics are the spec's (`sesame_spec::glob`): in plain patterns
//! (actions, `StringLike`) `*` is any run of characters and `?` any one; in
//! ARN patterns (`Resource`, `NotResource`, `Arn*` operators) a `*` in the
//! first five colon-separated segments does not cross a colon unless it is the
//! last character of its segment, a `?` there is never a colon, and in the
//! sixth segment both match anything. Literal tokens (from policy variables
//! and `${*}`-style escapes) never act as wildcards.
//!
//! Patterns without variables are classified when compiled: a literal string
//! is compared with `==`, a literal prefix followed by one final `*` with
//! `starts_with`, and everything else runs a matcher over the text's
//! characters. When every `*` may match any character the matcher is the
//! greedy two-pointer algorithm with one backtrack point (linear in practice,
//! O(n·m) at worst); otherwise a dynamic-programming table over two rows kept
//! in the caller's scratch buffers.

use crate::table::{ArenaFull, Span, Str, Table};

/// One token of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tok {
    /// A character that must appear as it is.
    Lit(char),
    /// `*`: any run of characters.
    Star,
    /// `?`: any one character.
    Quest,
}

/// The tokens of a pattern written without variables.
pub fn tokens(pattern: &str) -> impl Iterator<Item = Tok> + '_ {
    pattern.chars().map(|c| match c {
        '*' => Tok::Star,
        '?' => Tok::Quest,
        c => Tok::Lit(c),
    })
}

/// A token with the ARN rules that apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArnTok {
    /// The token.
    pub tok: Tok,
    /// For `*`: whether it may consume a `:`.
    pub star_crosses: bool,
    /// For `?`: whether it may be a `:`.
    pub quest_colon: bool,
}

/// Writes the `Resource` ARN rules for `tokens` into `out` (cleared first):
/// a segment-final `*` runs on across colons.
pub fn arn_rules(tokens: &[Tok], out: &mut Vec<ArnTok>) {
    arn_rules_with(tokens, out, true);
}

/// Writes the `Arn*` condition rules for `tokens` into `out`: the six
/// components are compared separately, so no `*` crosses a colon before the
/// resource part.
pub fn arn_condition_rules(tokens: &[Tok], out: &mut Vec<ArnTok>) {
    arn_rules_with(tokens, out, false);
}

fn arn_rules_with(tokens: &[Tok], out: &mut Vec<ArnTok>, run_on: bool) {
    out.clear();
    let mut colons_before = 0usize;
    for (i, tok) in tokens.iter().enumerate() {
        let in_resource_part = colons_before >= 5;
        let last_of_segment = matches!(tokens.get(i + 1), None | Some(Tok::Lit(':')));
        let (star_crosses, quest_colon) = match tok {
            Tok::Star => (in_resource_part || (run_on && last_of_segment), false),
            Tok::Quest => (false, in_resource_part),
            Tok::Lit(c) => {
                if *c == ':' {
                    colons_before += 1;
                }
                (false, false)
            }
        };
        out.push(ArnTok {
            tok: *tok,
            star_crosses,
            quest_colon,
        });
    }
}

/// Plain tokens as ARN tokens whose wildcards match anything.
pub fn plain_rules(tokens: &[Tok], out: &mut Vec<ArnTok>) {
    out.clear();
    out.extend(tokens.iter().map(|t| ArnTok {
        tok: *t,
        star_crosses: true,
        quest_colon: true,
    }));
}

/// A pattern without variables, classified for speed. Its text and tokens
/// live in the arenas of the [`Table`] that holds it ([`Table::text`],
/// [`Table::pieces`], [`Table::arn_toks`]), so a loaded table allocates
/// nothing per pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    /// No wildcards: the text must equal this.
    Exact(Str),
    /// Literal characters then one final `*` that may match anything.
    Prefix(Str),
    /// One leading `*` that may match anything, then literal characters.
    Suffix(Str),
    /// Literal pieces ([`Table::pieces`]) separated by `*`s that may match
    /// anything (no `?`): the first piece is a prefix, the last a suffix,
    /// and the ones between are found leftmost, in order.
    Pieces(Span),
    /// Anything else: the tokens with their rules ([`Table::arn_toks`]).
    General(Span),
}

impl Program {
    /// Classifies tokens that already carry their rules, adding the
    /// program's text and tokens to `table`'s arenas.
    ///
    /// # Errors
    ///
    /// [`ArenaFull`] when an arena would pass 32-bit positions.
    pub fn new(toks: &[ArnTok], table: &mut Table) -> Result<Program, ArenaFull> {
        let literal = |ts: &[ArnTok]| -> Option<String> {
            ts.iter()
                .map(|t| match t.tok {
                    Tok::Lit(c) => Some(c),
                    _ => None,
                })
                .collect()
        };
        if let Some(text) = literal(toks) {
            return Ok(Program::Exact(table.add_str(&text)?));
        }
        if let Some((last, head)) = toks.split_last() {
            if last.tok == Tok::Star && last.star_crosses {
                if let Some(text) = literal(head) {
                    return Ok(Program::Prefix(table.add_str(&text)?));
                }
            }
        }
        if let Some((first, tail)) = toks.split_first() {
            if first.tok == Tok::Star && first.star_crosses {
                if let Some(text) = literal(tail) {
                    return Ok(Program::Suffix(table.add_str(&text)?));
                }
            }
        }
        if toks.iter().all(|t| match t.tok {
            Tok::Star => t.star_crosses,
            Tok::Quest => false,
            Tok::Lit(_) => true,
        }) {
            let mut pieces: Vec<Str> = Vec::new();
            let mut current = String::new();
            for t in toks {
                match t.tok {
                    Tok::Lit(c) => current.push(c),
                    _ => pieces.push(table.add_str(&std::mem::take(&mut current))?),
                }
            }
            pieces.push(table.add_str(&current)?);
            return Ok(Program::Pieces(table.add_pieces(&pieces)?));
        }
        Ok(Program::General(table.add_arn_toks(toks)?))
    }

    /// Whether `text` matches, reading the program from `table`'s arenas and
    /// using the scratch buffers for the general case.
    #[inline]
    pub fn matches(&self, table: &Table, text: &str, buffers: &mut MatchBuffers) -> bool {
        match *self {
            Program::Exact(s) => table.bytes(s) == text.as_bytes(),
            Program::Prefix(p) => text.as_bytes().starts_with(table.bytes(p)),
            Program::Suffix(p) => text.as_bytes().ends_with(table.bytes(p)),
            Program::Pieces(pieces) => match_pieces(table, table.pieces(pieces), text.as_bytes()),
            Program::General(toks) => buffers.matches(table.arn_toks(toks), text),
        }
    }
}

/// `P0 * P1 * ... * Pn` with universal stars: leftmost placement of each
/// middle piece is always best. Compared as bytes: the pieces and the text
/// are valid UTF-8, so byte matches are character matches.
fn match_pieces(table: &Table, pieces: &[Str], text: &[u8]) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    let first = table.bytes(*first);
    let Some((last, middle)) = rest.split_last() else {
        return first == text;
    };
    let last = table.bytes(*last);
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let Some(mut window) = text.get(first.len()..text.len() - last.len()) else {
        return false;
    };
    for piece in middle {
        let piece = table.bytes(*piece);
        match find(window, piece) {
            Some(at) => window = window.get(at + piece.len()..).unwrap_or(b""),
            None => return false,
        }
    }
    true
}

/// The first position of `needle` in `haystack`: a plain scan, quicker than
/// a two-way searcher's set-up for the short texts of ARNs and addresses.
/// (A match of valid UTF-8 in valid UTF-8 starts on a character boundary.)
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let last_start = haystack.len().checked_sub(needle.len())?;
    (0..=last_start).find(|&i| {
        haystack.get(i) == Some(&first) && haystack.get(i + 1..i + needle.len()) == Some(rest)
    })
}

/// Reusable buffers for the general matcher.
#[derive(Clone, Debug, Default)]
pub struct MatchBuffers {
    chars: Vec<char>,
    row: Vec<bool>,
    next: Vec<bool>,
}

impl MatchBuffers {
    /// Buffers with room for texts of `n` characters.
    pub fn with_capacity(n: usize) -> MatchBuffers {
        MatchBuffers {
            chars: Vec::with_capacity(n),
            row: Vec::with_capacity(n + 1),
            next: Vec::with_capacity(n + 1),
        }
    }

    /// Whether `text` matches the tokens.
    pub fn matches(&mut self, toks: &[ArnTok], text: &str) -> bool {
        let strategy = Strategy::of(toks);
        if text.is_ascii() {
            // One byte is one character.
            return strategy.run(toks, text.as_bytes(), &mut self.row, &mut self.next);
        }
        self.chars.clear();
        self.chars.extend(text.chars());
        strategy.run(toks, &self.chars, &mut self.row, &mut self.next)
    }
}

/// How to match a token list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    /// Every `*` may match anything: two pointers.
    Greedy,
    /// No `*` crosses a colon before the fifth literal colon: the first five
    /// segments are matched one by one (greedily, since no segment of the
    /// text holds a colon), then the rest greedily.
    Segments,
    /// Anything else: the table.
    Table,
}

impl Strategy {
    fn of(toks: &[ArnTok]) -> Strategy {
        if toks.iter().all(|t| t.tok != Tok::Star || t.star_crosses) {
            return Strategy::Greedy;
        }
        let mut colons = 0;
        for t in toks {
            match t.tok {
                Tok::Lit(':') => {
                    colons += 1;
                    if colons == 5 {
                        break;
                    }
                }
                Tok::Star if t.star_crosses => return Strategy::Table,
                Tok::Quest if t.quest_colon => return Strategy::Table,
                _ => {}
            }
        }
        Strategy::Segments
    }

    fn run<T: Copy + Into<char>>(
        self,
        toks: &[ArnTok],
        text: &[T],
        row: &mut Vec<bool>,
        next: &mut Vec<bool>,
    ) -> bool {
        match self {
            Strategy::Greedy => greedy(toks, text),
            Strategy::Segments => segments(toks, text),
            Strategy::Table => table(toks, text, row, next),
        }
    }
}

/// Matches segment by segment up to the fifth colon, then the rest.
fn segments<T: Copy + Into<char>>(toks: &[ArnTok], text: &[T]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    for _ in 0..5 {
        let (Some(ptail), Some(ttail)) = (toks.get(p..), text.get(t..)) else {
            return false;
        };
        let pe = ptail.iter().position(|x| x.tok == Tok::Lit(':'));
        let te = ttail.iter().position(|c| (*c).into() == ':');
        match (pe, te) {
            (Some(pe), Some(te)) => {
                let (Some(ps), Some(ts)) = (ptail.get(..pe), ttail.get(..te)) else {
                    return false;
                };
                if !greedy(ps, ts) {
                    return false;
                }
                p += pe + 1;
                t += te + 1;
            }
            (None, None) => return greedy(ptail, ttail),
            _ => return false,
        }
    }
    match (toks.get(p..), text.get(t..)) {
        (Some(ps), Some(ts)) => greedy(ps, ts),
        _ => false,
    }
}

#[inline]
fn single_ok(t: &ArnTok, c: char) -> bool {
    match t.tok {
        Tok::Lit(l) => l == c,
        Tok::Quest => c != ':' || t.quest_colon,
        Tok::Star => false,
    }
}

/// Two pointers and one backtrack point; right when every `*` may match any
/// character: the leftmost match of each star-free piece is always best.
fn greedy<T: Copy + Into<char>>(toks: &[ArnTok], text: &[T]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        let c: char = c.into();
        match toks.get(p) {
            Some(tok) if tok.tok == Tok::Star => {
                star = Some((p, t));
                p += 1;
            }
            Some(tok) if single_ok(tok, c) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks.get(p..)
        .is_some_and(|rest| rest.iter().all(|t| t.tok == Tok::Star))
}

/// The spec's table: `row[j]` says whether the pattern prefix seen so far
/// matches `text[..j]`.
fn table<T: Copy + Into<char>>(
    toks: &[ArnTok],
    text: &[T],
    row: &mut Vec<bool>,
    next: &mut Vec<bool>,
) -> bool {
    row.clear();
    row.resize(text.len() + 1, false);
    if let Some(first) = row.first_mut() {
        *first = true;
    }
    for tok in toks {
        next.clear();
        next.resize(text.len() + 1, false);
        match tok.tok {
            Tok::Star => {
                let mut carry = false;
                for j in 0..=text.len() {
                    let prev_ok = j > 0
                        && carry
                        && text
                            .get(j - 1)
                            .is_some_and(|c| (*c).into() != ':' || tok.star_crosses);
                    let here = row.get(j).copied().unwrap_or(false) || prev_ok;
                    if let Some(slot) = next.get_mut(j) {
                        *slot = here;
                    }
                    carry = here;
                }
            }
            _ => {
                for j in 1..=text.len() {
                    let ok = row.get(j - 1).copied().unwrap_or(false)
                        && text.get(j - 1).is_some_and(|c| single_ok(tok, (*c).into()));
                    if let Some(slot) = next.get_mut(j) {
                        *slot = ok;
                    }
                }
            }
        }
        std::mem::swap(row, next);
    }
    row.last().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(p: &str, t: &str) -> bool {
        let toks: Vec<Tok> = tokens(p).collect();
        let mut rules = Vec::new();
        arn_rules(&toks, &mut rules);
        let mut b = MatchBuffers::default();
        let general = b.matches(&rules, t);
        let mut table = Table::default();
        let program = Program::new(&rules, &mut table).unwrap();
        assert_eq!(program.matches(&table, t, &mut b), general, "{p} {t}");
        general
    }

    fn plain(p: &str, t: &str) -> bool {
        let toks: Vec<Tok> = tokens(p).collect();
        let mut rules = Vec::new();
        plain_rules(&toks, &mut rules);
        let mut b = MatchBuffers::default();
        let mut table = Table::default();
        Program::new(&rules, &mut table)
            .unwrap()
            .matches(&table, t, &mut b)
    }

    #[test]
    fn plain_wildcards() {
        assert!(plain("*", ""));
        assert!(plain("ses:send*", "ses:sendemail"));
        assert!(!plain("ses:send*", "ses:getsend"));
        assert!(plain("a?c", "abc"));
        assert!(!plain("a?c", "ac"));
        assert!(plain("*a*b", "xxaxxb"));
        assert!(!plain("*a*b", "xxaxxbc"));
        assert!(plain("x*:*y", "x:y"));
    }

    /// Plain backtracking over the same rules: exponential, too simple to
    /// get wrong.
    fn naive(p: &[ArnTok], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(tok) => match tok.tok {
                Tok::Star => (0..=t.len()).any(|k| {
                    t[..k].iter().all(|c| *c != ':' || tok.star_crosses) && naive(&p[1..], &t[k..])
                }),
                _ => t.first().is_some_and(|c| single_ok(tok, *c)) && naive(&p[1..], &t[1..]),
            },
        }
    }

    proptest::proptest! {
        #[test]
        fn every_strategy_equals_backtracking(p in "[a:*?é]{0,16}", t in "[a:bé]{0,16}") {
            let toks: Vec<Tok> = tokens(&p).collect();
            let chars: Vec<char> = t.chars().collect();
            let mut b = MatchBuffers::default();
            for rules in [arn_rules, arn_condition_rules, plain_rules] {
                let mut r = Vec::new();
                rules(&toks, &mut r);
                let expected = naive(&r, &chars);
                proptest::prop_assert_eq!(b.matches(&r, &t), expected);
                let mut arenas = Table::default();
                let program = Program::new(&r, &mut arenas).unwrap();
                proptest::prop_assert_eq!(program.matches(&arenas, &t, &mut b), expected);
                let (mut row, mut next) = (Vec::new(), Vec::new());
                proptest::prop_assert_eq!(table(&r, &chars, &mut row, &mut next), expected);
            }
        }
    }

    #[test]
    fn arn_segments() {
        let id = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
        assert!(arn("*", id));
        assert!(arn("arn:aws:ses:*:111122223333:identity/*", id));
        assert!(!arn(
            "arn:aws:ses:us-east-1?111122223333:identity/example.com",
            id
        ));
        assert!(!arn("arn:aws:ses:us-*-1:identity/example.com", id));
        assert!(arn(
            "arn:aws:ses:us-*-1:111122223333:identity/example.com",
            id
        ));
        assert!(arn("arn:aws:ses:us-east-*", id));
        assert!(arn("arn:aws:s3:::b/x?y", "arn:aws:s3:::b/x:y"));
        assert!(!arn("a*b:c", "a:b:c"));
    }
}
