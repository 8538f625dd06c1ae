//! `sesame-compiler`: Sesame's policy compiler and the library behind the
//! `sesame` command-line tool.
//!
//! The binary (`src/bin/sesame.rs`) only parses flags; the commands live in
//! [`cli`] so they can be tested and reused. `check` and `explain` answer
//! with the compiled engine by default ([`compile()`]: [`middle`] normalises,
//! [`back`] builds the `sesame_runtime` table) and with the reference
//! evaluator of `sesame-spec` under `--engine spec`.

pub mod back;
pub mod cli;
pub mod compile;
pub mod middle;

pub use compile::{CompileError, Limits, compile, compile_with};
pub mod front;
pub mod loc;
