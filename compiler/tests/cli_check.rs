//! The `sesame` binary end to end: `compile`, `check` on a store and on an
//! artifact with both engines, refused request lines, unusable input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sesame(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sesame-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn compiled_store_artifact_and_spec_give_the_same_answers() {
    let store = examples().join("store.json");
    let requests = std::fs::read_to_string(examples().join("requests.jsonl")).unwrap();
    let sample: String = requests
        .lines()
        .take(300)
        .map(|l| format!("{l}\n"))
        .collect();
    let artifact = temp("example.sesame");
    let out = sesame(
        &[
            "compile",
            store.to_str().unwrap(),
            "-o",
            artifact.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = sesame(
        &["check", store.to_str().unwrap(), "--engine", "spec"],
        &sample,
    );
    let compiled = sesame(&["check", store.to_str().unwrap()], &sample);
    let loaded = sesame(&["check", artifact.to_str().unwrap(), "-"], &sample);
    for out in [&spec, &compiled, &loaded] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(spec.stdout.iter().filter(|b| **b == b'\n').count(), 300);
    assert_eq!(spec.stdout, compiled.stdout);
    assert_eq!(spec.stdout, loaded.stdout);
    let first = String::from_utf8(spec.stdout).unwrap();
    assert!(
        first.starts_with(r#"{"decision":"#),
        "answers start with the decision: {first:.80}"
    );
    let summary = String::from_utf8(loaded.stderr).unwrap();
    assert!(
        summary.contains("checked 300 requests with the compiled engine"),
        "{summary}"
    );
}

#[test]
fn refused_lines_are_named_and_the_rest_answered() {
    let store = examples().join("store.json");
    let input = concat!(
        r#"{"principal":"arn:aws:iam::111122223333:user/tenants/hooli","action":"ses:SendEmail","resource":"*"}"#,
        "\n",
        r#"{"principal":"arn:aws:iam::111122223333:user/tenants/hooli","action":1,"resource":"*"}"#,
        "\n",
        "not json\n",
        r#"{"principal":"hooli","action":"ses:SendEmail","resource":"*"}"#,
        "\n",
        r#"{"principal":"arn:aws:iam::111122223333:user/tenants/hooli","action":"ses:SendEmail","resource":"*"}"#,
        "\n",
    );
    for engine in ["spec", "compiled"] {
        let out = sesame(
            &["check", store.to_str().unwrap(), "--engine", engine],
            input,
        );
        assert_eq!(out.status.code(), Some(1), "{engine}");
        let lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(lines.len(), 5, "{engine}: {lines:?}");
        assert!(lines[0].starts_with(r#"{"decision":"#), "{engine}");
        assert!(
            lines[1].contains("stdin: line 2: action: expected a string, found a number"),
            "{engine}: {}",
            lines[1]
        );
        assert!(
            lines[2].contains("stdin: line 3: "),
            "{engine}: {}",
            lines[2]
        );
        assert!(
            lines[3].contains("stdin: line 4: principal: `hooli` is neither an ARN"),
            "{engine}: {}",
            lines[3]
        );
        assert_eq!(lines[4], lines[0], "{engine}");
    }
}

#[test]
fn unusable_input_exits_2_with_the_place() {
    let missing = sesame(&["check", "no/such/store.json", "--engine", "spec"], "");
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8(missing.stderr).unwrap();
    assert!(
        err.contains("no/such/store.json: cannot read the store"),
        "{err}"
    );

    let store = examples().join("store.json");
    let artifact = temp("truncated.sesame");
    let out = sesame(
        &[
            "compile",
            store.to_str().unwrap(),
            "-o",
            artifact.to_str().unwrap(),
        ],
        "",
    );
    assert!(out.status.success());
    let bytes = std::fs::read(&artifact).unwrap();
    std::fs::write(&artifact, &bytes[..bytes.len() / 2]).unwrap();
    let out = sesame(&["check", artifact.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("truncated"), "{err}");

    let broken = temp("broken-store.json");
    std::fs::write(
        &broken,
        r#"{"policies": {"P": {"Statement": {"Effect": "Allow"}}}}"#,
    )
    .unwrap();
    let out = sesame(&["check", broken.to_str().unwrap(), "--engine", "spec"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "policies.P: Statement: a statement needs exactly one of `Action` or `NotAction`"
        ),
        "{err}"
    );
}
