//! `sesame-spec`: the executable meaning of an AWS IAM policy set.
//!
//! This crate is Sesame's oracle. It reads policy documents, stores and
//! requests with its own serde_json-based reader ([`parse_policy`],
//! [`Store`], [`Request`]) and answers requests with a reference evaluator
//! ([`evaluate`]) written to be obviously right, never to be fast. The
//! compiler and the runtime are checked against it by property tests, fuzzing
//! and the conformance corpus in `spec/corpus/`, and it shares no code with
//! them.
//!
//! Each rule cites the AWS page it comes from; where AWS is silent the choice
//! is written down in the module that makes it and pinned by corpus cases:
//! - [`parse`]: what a document may contain;
//! - [`store`]: where policies are attached, and what each attachment allows;
//! - [`eval`]: the layers, same- and cross-account grants, principals;
//! - [`condition`]: every operator family, missing keys, set qualifiers;
//! - [`glob`]: action, string and ARN wildcards;
//! - [`variables`]: `${...}` policy variables;
//! - [`decision`]: decisions and AWS's denial messages.
//!
//! ```
//! use sesame_spec::{evaluate, Outcome, Request, Store};
//!
//! let store = Store::from_json_text(r#"{
//!   "policies": { "Send": { "Version": "2012-10-17", "Statement": {
//!       "Effect": "Allow", "Action": "ses:SendEmail",
//!       "Resource": "arn:aws:ses:us-east-1:111122223333:identity/example.com" } } },
//!   "principals": { "arn:aws:iam::111122223333:user/tenant-a": { "policies": ["Send"] } }
//! }"#, None)?;
//! let request = Request::new(
//!     "arn:aws:iam::111122223333:user/tenant-a",
//!     "ses:SendEmail",
//!     "arn:aws:ses:us-east-1:111122223333:identity/example.com",
//! );
//! assert_eq!(evaluate(&store, &request)?.outcome, Outcome::Allow);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod condition;
pub mod conformance;
pub mod decision;
pub mod error;
pub mod eval;
pub mod glob;
pub mod json;
pub mod model;
pub mod parse;
pub mod request;
pub mod store;
pub mod variables;

pub use decision::{Decision, Outcome, StatementRef};
pub use error::ReadError;
pub use eval::{Explanation, StatementTrace, evaluate, explain};
pub use model::Policy;
pub use parse::parse_policy;
pub use request::Request;
pub use store::{Layer, Store};
