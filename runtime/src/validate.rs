//! Checks that every id in a [`Table`] points at something.

use crate::engine::TableError;
use crate::table::{GlobValue, PatternCode, Piece, Table, Template, Test, TextValue};

fn within(what: &str, id: u32, len: usize) -> Result<(), TableError> {
    if (id as usize) < len {
        Ok(())
    } else {
        Err(TableError(format!(
            "{what} id {id} is out of range ({len})"
        )))
    }
}

fn template(t: &Template, keys: usize) -> Result<(), TableError> {
    for piece in &t.pieces {
        if let Piece::Var { key, .. } = piece {
            within("key", *key, keys)?;
        }
    }
    Ok(())
}

/// Checks every id of the table.
pub(crate) fn validate(t: &Table) -> Result<(), TableError> {
    let keys = t.keys.len();
    for p in &t.policies {
        within("body", p.body, t.bodies.len())?;
    }
    for id in t.policy_index.values() {
        within("policy", *id, t.policies.len())?;
    }
    for b in &t.bodies {
        let end = u64::from(b.first) + u64::from(b.len);
        if end > t.statements.len() as u64 {
            return Err(TableError(format!(
                "a body's statements end at {end}, past {}",
                t.statements.len()
            )));
        }
    }
    for s in &t.statements {
        for p in &s.action.patterns {
            within("action pattern", *p, t.actions.patterns.len())?;
        }
        if let Some(r) = &s.resource {
            for p in &r.patterns {
                within("resource pattern", *p, t.resource_patterns.len())?;
            }
        }
        for c in &s.conditions {
            within("predicate", *c, t.predicates.len())?;
        }
    }
    for c in t.actions.known.values() {
        within("action class", *c, t.actions.classes.len())?;
    }
    for p in &t.resource_patterns {
        if let PatternCode::Template(tm) = p {
            template(tm, keys)?;
        }
    }
    for p in &t.predicates {
        within("key", p.key, keys)?;
        match &p.test {
            Test::Equals(vs) | Test::EqualsIgnoreCase(vs) => {
                for v in vs {
                    if let TextValue::Template(tm) = v {
                        template(tm, keys)?;
                    }
                }
            }
            Test::Like(vs) | Test::Arn(vs) => {
                for v in vs {
                    if let GlobValue::Template(tm) = v {
                        template(tm, keys)?;
                    }
                }
            }
            _ => {}
        }
    }
    let policies = t.policies.len();
    for p in &t.principals {
        if p.caller.is_some_and(|c| !c.fits(&p.arn)) {
            return Err(TableError(format!(
                "the caller record of `{}` does not fit its ARN",
                p.arn
            )));
        }
        for id in p.policies.iter().chain(p.boundary.iter()) {
            within("policy", *id, policies)?;
        }
        for (k, _) in &p.tags {
            within("key", *k, keys)?;
        }
    }
    for r in &t.resources {
        for id in &r.policies {
            within("policy", *id, policies)?;
        }
        for (k, _) in &r.tags {
            within("key", *k, keys)?;
        }
    }
    for a in &t.accounts {
        for id in a.scps.iter().chain(a.rcps.iter()).flat_map(|l| l.iter()) {
            within("policy", *id, policies)?;
        }
    }
    for id in t.principal_index.values().chain(t.role_index.values()) {
        within("principal", *id, t.principals.len())?;
    }
    for id in t.resource_index.values() {
        within("resource", *id, t.resources.len())?;
    }
    for id in t.account_index.values() {
        within("account", *id, t.accounts.len())?;
    }
    Ok(())
}
