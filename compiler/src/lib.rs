//! `sesame-compiler`: Sesame's policy compiler and the library behind the
//! `sesame` command-line tool.
//!
//! The binary (`src/bin/sesame.rs`) only parses flags; the commands live in
//! [`cli`] so they can be tested and reused. Today the commands answer with
//! the reference evaluator of `sesame-spec`; the nom front end, the decision
//! table compiler and the compiled engine build on the same commands.

pub mod cli;
