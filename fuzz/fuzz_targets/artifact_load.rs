//! Fuzz target `artifact_load`: arbitrary bytes as a compiled artifact.
//!
//! The bytes are loaded twice: as they are (the header checks refuse almost
//! everything), and as the body behind a valid header with the right length
//! and checksum (`artifact::frame`), so that the body decoder and the engine's table validation
//! see arbitrary input. Neither may panic or allocate without bound; a table
//! that loads is then asked a few requests, which must not panic either.
//!
//! Run from `fuzz/`: `RUSTC_BOOTSTRAP=1 cargo fuzz run artifact_load -- -rss_limit_mb=512`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_runtime::{Engine, Request};

fn exercise(engine: &Engine) {
    let mut scratch = engine.scratch();
    let context_values: &[&str] = &["a@example.com", "10.0.0.1", "2025-01-01T00:00:00Z"];
    let context = [("ses:Recipients", context_values), ("aws:SourceIp", &context_values[1..2])];
    for (principal, action, resource) in [
        ("arn:aws:iam::111122223333:user/alice", "ses:SendEmail", "arn:aws:ses:us-east-1:111122223333:identity/example.com"),
        ("arn:aws:sts::111122223333:assumed-role/Sender/s", "s3:GetObject", "arn:aws:s3:::bucket/key"),
        ("ses.amazonaws.com", "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k"),
        ("arn:aws:iam::111122223333:root", "ses:ListEmailIdentities", "*"),
    ] {
        let request = Request {
            context: &context,
            ..Request::new(principal, action, resource)
        };
        if let Ok(decision) = engine.check(&mut scratch, &request) {
            let _ = decision.message(&request);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(engine) = Engine::from_artifact(data) {
        exercise(&engine);
    }
    let framed = sesame_runtime::artifact::frame(data);
    if let Ok(engine) = Engine::from_artifact(&framed) {
        exercise(&engine);
    }
});
