//! Copies of condition values, kept with the plans that test them.
//!
//! A predicate's values (strings, wildcard programs, numbers, dates,
//! addresses) live in the table's arenas, which for a fleet of a million
//! tenants span gigabytes: a check that reads a tenant's own `From` domain
//! there pays a cache miss or several. When a plan is built, each of its
//! predicates is copied into the plan cache's own small arenas (a second
//! [`Table`] that holds only values), so a check answered from a plan reads
//! memory the scratch space keeps hot. Values with policy variables keep
//! pointing into the table (their templates are rendered per request), and
//! so does a predicate that would overflow an arena; both read as before.

use crate::glob::Program;
use crate::table::{GlobValue, Span, Str, Table, Test, TextValue};

/// The value arenas of a plan cache.
#[derive(Clone, Debug, Default)]
pub(crate) struct Values {
    pub(crate) arenas: Table,
}

impl Values {
    /// Forgets every value, keeping capacity.
    pub(crate) fn clear(&mut self) {
        let a = &mut self.arenas;
        a.text.clear();
        a.pieces.clear();
        a.arn_toks.clear();
        a.text_values.clear();
        a.glob_values.clear();
        a.numbers.clear();
        a.dates.clear();
        a.words.clear();
        a.cidrs.clear();
    }

    /// How many bytes and items the arenas hold, for the cache's budget.
    pub(crate) fn size(&self) -> usize {
        let a = &self.arenas;
        a.text.len()
            + a.pieces.len()
            + a.arn_toks.len()
            + a.text_values.len()
            + a.glob_values.len()
            + a.numbers.len()
            + a.dates.len()
            + a.words.len()
            + a.cidrs.len()
    }

    /// `test` (over `t`'s arenas) with its values copied here, or `None`
    /// when it keeps reading `t` (a value with variables, or an arena
    /// full); on `None` nothing is left half-copied that a check could
    /// read.
    pub(crate) fn copy(&mut self, t: &Table, test: Test) -> Option<Test> {
        Some(match test {
            Test::Null { .. } => test,
            Test::Equals(vs) => Test::Equals(self.text_values(t, vs)?),
            Test::EqualsIgnoreCase(vs) => Test::EqualsIgnoreCase(self.text_values(t, vs)?),
            Test::Like(vs) => Test::Like(self.glob_values(t, vs)?),
            Test::Arn(vs) => Test::Arn(self.glob_values(t, vs)?),
            Test::Numeric(cmp, vs) => {
                Test::Numeric(cmp, self.arenas.add_numbers(t.numbers(vs)).ok()?)
            }
            Test::Date(cmp, vs) => Test::Date(cmp, self.arenas.add_dates(t.dates(vs)).ok()?),
            Test::Bool(vs) => Test::Bool(self.words(t, vs)?),
            Test::Binary(vs) => Test::Binary(self.words(t, vs)?),
            Test::Ip(vs) => Test::Ip(self.arenas.add_cidrs(t.cidrs(vs)).ok()?),
        })
    }

    fn str(&mut self, t: &Table, s: Str) -> Option<Str> {
        self.arenas.add_str(t.str(s)).ok()
    }

    fn text_values(&mut self, t: &Table, vs: Span) -> Option<Span> {
        let values = t.text_values(vs);
        if values.iter().any(|v| matches!(v, TextValue::Template(_))) {
            return None;
        }
        let start = self.arenas.text_values.len();
        for v in values {
            if let TextValue::Text(s) = v {
                let s = self.str(t, *s)?;
                self.arenas.text_values.push(TextValue::Text(s));
            }
        }
        span(start, self.arenas.text_values.len())
    }

    fn glob_values(&mut self, t: &Table, vs: Span) -> Option<Span> {
        let values = t.glob_values(vs);
        if values.iter().any(|v| matches!(v, GlobValue::Template(_))) {
            return None;
        }
        let start = self.arenas.glob_values.len();
        for v in values {
            if let GlobValue::Fixed(p) = v {
                let p = self.program(t, p)?;
                self.arenas.glob_values.push(GlobValue::Fixed(p));
            }
        }
        span(start, self.arenas.glob_values.len())
    }

    fn program(&mut self, t: &Table, p: &Program) -> Option<Program> {
        Some(match p {
            Program::Exact(s) => Program::Exact(self.str(t, *s)?),
            Program::Prefix(s) => Program::Prefix(self.str(t, *s)?),
            Program::Suffix(s) => Program::Suffix(self.str(t, *s)?),
            Program::Pieces(g) => {
                let start = self.arenas.pieces.len();
                for s in t.pieces(*g) {
                    let s = self.str(t, *s)?;
                    self.arenas.pieces.push(s);
                }
                Program::Pieces(span(start, self.arenas.pieces.len())?)
            }
            Program::General(g) => Program::General(self.arenas.add_arn_toks(t.arn_toks(*g)).ok()?),
        })
    }

    fn words(&mut self, t: &Table, vs: Span) -> Option<Span> {
        let start = self.arenas.words.len();
        for s in t.words(vs) {
            let s = self.str(t, *s)?;
            self.arenas.words.push(s);
        }
        span(start, self.arenas.words.len())
    }
}

fn span(start: usize, end: usize) -> Option<Span> {
    Some(Span {
        start: u32::try_from(start).ok()?,
        end: u32::try_from(end).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::{ArnTok, Tok};
    use crate::table::Cmp;
    use crate::text::Cidr;

    /// Every kind of value reads the same from its copy.
    #[test]
    fn copies_read_as_the_originals() {
        let mut t = Table::default();
        let a = t.add_str("news@tenant-1.example").unwrap();
        let b = t.add_str("ops").unwrap();
        let p1 = t.add_str("news@").unwrap();
        let p2 = t.add_str(".example").unwrap();
        let pieces = t.add_pieces(&[p1, p2]).unwrap();
        let toks: Vec<ArnTok> = "a?c"
            .chars()
            .map(|c| ArnTok {
                tok: if c == '?' { Tok::Quest } else { Tok::Lit(c) },
                star_crosses: false,
                quest_colon: false,
            })
            .collect();
        let general = t.add_arn_toks(&toks).unwrap();
        let texts = t
            .add_text_values(&[TextValue::Text(a), TextValue::Text(b)])
            .unwrap();
        let globs = t
            .add_glob_values(&[
                GlobValue::Fixed(Program::Exact(a)),
                GlobValue::Fixed(Program::Prefix(b)),
                GlobValue::Fixed(Program::Suffix(p2)),
                GlobValue::Fixed(Program::Pieces(pieces)),
                GlobValue::Fixed(Program::General(general)),
            ])
            .unwrap();
        let numbers = t.add_numbers(&[Some(1.5), None]).unwrap();
        let dates = t.add_dates(&[Some(7), None]).unwrap();
        let words = t.add_words(&[a, b]).unwrap();
        let cidrs = t.add_cidrs(&[None, Cidr::parse("10.0.0.0/8")]).unwrap();
        let mut v = Values::default();
        // Something already there, so copies do not start at 0.
        v.arenas.add_str("padding").unwrap();
        let strs = |tb: &Table, vs: &[TextValue]| -> Vec<String> {
            vs.iter()
                .map(|x| match x {
                    TextValue::Text(s) => tb.str(*s).to_owned(),
                    TextValue::Template(_) => unreachable!(),
                })
                .collect()
        };
        match v.copy(&t, Test::Equals(texts)) {
            Some(Test::Equals(c)) => assert_eq!(
                strs(&v.arenas, v.arenas.text_values(c)),
                strs(&t, t.text_values(texts))
            ),
            other => panic!("{other:?}"),
        }
        let Some(Test::Like(c)) = v.copy(&t, Test::Like(globs)) else {
            panic!("like")
        };
        let mut bufs = crate::glob::MatchBuffers::default();
        for text in [
            "news@tenant-1.example",
            "opsx",
            "x.example",
            "news@a.example",
            "abc",
            "zz",
        ] {
            let original: Vec<bool> = t
                .glob_values(globs)
                .iter()
                .map(|g| matches!(g, GlobValue::Fixed(p) if p.matches(&t, text, &mut bufs)))
                .collect();
            let copied: Vec<bool> = v
                .arenas
                .glob_values(c)
                .iter()
                .map(|g| matches!(g, GlobValue::Fixed(p) if p.matches(&v.arenas, text, &mut bufs)))
                .collect();
            assert_eq!(original, copied, "{text}");
        }
        let Some(Test::Numeric(Cmp::Lt, c)) = v.copy(&t, Test::Numeric(Cmp::Lt, numbers)) else {
            panic!("numbers")
        };
        assert_eq!(v.arenas.numbers(c), t.numbers(numbers));
        let Some(Test::Date(Cmp::Eq, c)) = v.copy(&t, Test::Date(Cmp::Eq, dates)) else {
            panic!("dates")
        };
        assert_eq!(v.arenas.dates(c), t.dates(dates));
        let Some(Test::Bool(c)) = v.copy(&t, Test::Bool(words)) else {
            panic!("words")
        };
        let read =
            |tb: &Table, ws: &[Str]| ws.iter().map(|s| tb.str(*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(read(&v.arenas, v.arenas.words(c)), read(&t, t.words(words)));
        let Some(Test::Ip(c)) = v.copy(&t, Test::Ip(cidrs)) else {
            panic!("cidrs")
        };
        assert_eq!(v.arenas.cidrs(c), t.cidrs(cidrs));
        assert!(v.size() > 0);
        v.clear();
        assert_eq!(v.size(), 0);
    }

    /// A value with variables is not copied: the predicate reads the table.
    #[test]
    fn templates_stay_in_the_table() {
        let mut t = Table::default();
        let a = t.add_str("x").unwrap();
        let template = crate::table::Template {
            pieces: Box::new([crate::table::Piece::Never]),
        };
        let vs = t
            .add_text_values(&[TextValue::Text(a), TextValue::Template(template)])
            .unwrap();
        let mut v = Values::default();
        assert!(v.copy(&t, Test::Equals(vs)).is_none());
    }
}
