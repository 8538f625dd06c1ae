//! `sesame-runtime`: the part of Sesame that senders link into their send
//! path.
//!
//! An [`Engine`] holds a compiled policy store (a [`table::Table`], written
//! by `sesame-compiler`) and answers "may this principal call this action on
//! this resource, in this context?" with [`Engine::check`], allocating
//! nothing once the caller's [`Scratch`] is warm. A check has a static half
//! (who calls, the resource's entry and account, and which statements of
//! which layers can apply, from the principal, action, resource and session
//! policy alone) and a dynamic half (those statements' conditions and
//! variable resource patterns against the request's context). The scratch
//! keeps the static half as a *plan* in a bounded cache
//! ([`DEFAULT_PLANS`], [`Engine::scratch_with_plans`]), in the manner of
//! regex-automata's lazy DFA cache, so a request that repeats the four
//! strings only pays for its conditions. A sender that asks about the
//! same tenant again and again can name the four strings once
//! ([`CallKey`]) and its context keys once ([`ContextKeys`]), so a check
//! of them finds its plan and its context's keys without reading their
//! text. Its answers are those of
//! the reference evaluator in `sesame-spec`, statement for statement; the
//! compiler's differential tests hold it to that. An engine travels as an
//! [`artifact`] ([`Engine::to_artifact`], [`Engine::from_artifact`]). It
//! depends on no front end (no nom, petgraph or serde_json).
//!
//! ```
//! use sesame_runtime::{Engine, Request, table::Table};
//!
//! let engine = Engine::new(Table::default())?;
//! let mut scratch = engine.scratch();
//! let request = Request::new("arn:aws:iam::111122223333:user/a", "ses:SendEmail", "*");
//! let decision = engine.check(&mut scratch, &request)?;
//! assert_eq!(decision.outcome, sesame_runtime::Outcome::ImplicitDeny);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod artifact;
mod batch;
mod context;
pub mod decision;
pub mod engine;
pub mod glob;
pub mod hash;
mod plan;
pub mod request;
pub mod table;
pub mod text;
mod validate;
mod values;

pub use context::ContextKeys;
pub use decision::{CheckError, Decision, Hit, Layer, Outcome, StatementView};
pub use engine::{Engine, Scratch, TableError};
pub use plan::DEFAULT_PLANS;
pub use request::{CallKey, Request};

#[cfg(test)]
mod tests {
    #[test]
    fn engine_is_shared_and_scratch_moves() {
        fn shared<T: Send + Sync>() {}
        fn movable<T: Send>() {}
        shared::<crate::Engine>();
        movable::<crate::Scratch>();
    }

    /// Two context keys of one name are refused: a request's key must name
    /// one id.
    #[test]
    fn a_table_with_two_keys_of_one_name_is_refused() {
        let key = |name: &str| crate::table::KeyCode {
            lower: name.into(),
            derived: crate::table::Derived::None,
        };
        let mut table = crate::table::Table {
            keys: vec![key("ses:fromaddress"), key("aws:sourceip")],
            ..crate::table::Table::default()
        };
        assert!(crate::Engine::new(table.clone()).is_ok());
        table.keys.push(key("ses:fromaddress"));
        let err = crate::Engine::new(table).unwrap_err();
        assert!(err.is_duplicate_key(), "{err}");
        assert_eq!(err.place(), "key 2");
        assert!(err.to_string().contains("key 0"), "{err}");
    }
}
