//! `sesame-runtime`: the part of Sesame that senders link into their send
//! path.
//!
//! It loads a compiled policy table and answers "may this principal call this
//! action on this resource, in this context?" without allocating. It depends
//! on no front end (no nom, petgraph or serde_json); the compiler crate writes
//! the tables it reads.
//!
//! This first version holds the request and decision vocabulary shared by the
//! compiled engine and its callers; the table and the check path follow.

pub mod request;

pub use request::Request;
