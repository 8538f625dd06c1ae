//! The `sesame` command-line tool: a thin shell over `sesame_compiler::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    sesame_compiler::cli::main()
}
