//! Rewrites `examples/store.json` and `examples/requests.jsonl` from the
//! seeded generator in `sesame_benches::example`:
//! `cargo run -p sesame-benches --example regenerate_examples`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = sesame_benches::examples_dir();
    let (store, requests) = sesame_benches::example::generate();
    for (name, text) in [("store.json", store), ("requests.jsonl", requests)] {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("{}: cannot write: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!(
            "wrote {} ({} bytes, {} lines)",
            path.display(),
            text.len(),
            text.lines().count()
        );
    }
    ExitCode::SUCCESS
}
