//! `sesame validate` end to end: exit codes, rendered and JSON output,
//! stores with policies attached as every type, `--type`, `--deny-warnings`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sesame(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sesame"))
        .args(args)
        .output()
        .unwrap()
}

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sesame-front-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap()
}

const GOOD: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ses:SendEmail","Resource":"*"}}"#;

#[test]
fn exit_codes_follow_the_findings() {
    let d = dir("exit");
    let good = write(&d, "good.json", GOOD);
    let warn = write(&d, "warn.json", &GOOD.replace("SendEmail", "SendEmails"));
    let bad = write(&d, "bad.json", &GOOD.replace("Allow", "allow"));
    let o = sesame(&["validate", &good]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "validated 1 policy: 0 errors, 0 warnings\n"
    );
    assert_eq!(sesame(&["validate", &warn]).status.code(), Some(0));
    assert_eq!(
        sesame(&["validate", "--deny-warnings", &warn])
            .status
            .code(),
        Some(1)
    );
    let o = sesame(&["validate", &bad, &good]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("[effect] Error: `Effect` must be `Allow` or `Deny`, found `allow`"),
        "{text}"
    );
    let column = GOOD.find("\"Allow\"").unwrap() + 1;
    assert!(text.contains(&format!("bad.json:1:{column}")), "{text}");
    assert!(text.contains("^^^|^^^"), "{text}");
    let o = sesame(&["validate", &d.join("missing.json").display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.json: cannot read"));
    let o = sesame(&["validate", "--type", "personal", &good]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown policy type `personal`"));
}

#[test]
fn json_output_has_offsets_lines_and_columns() {
    let d = dir("json");
    let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"ses:SendEmail\", \"Resource\": \"*\"}\n}\n";
    let p = write(&d, "p.json", text);
    let o = sesame(&["validate", "--json", "--type", "inline-user", &p]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 0);
    let diag = &v["diagnostics"][0];
    assert_eq!(diag["code"], "placement");
    assert_eq!(
        diag["message"],
        "policy document should not specify a principal: an inline user policy cannot have `Principal` or `NotPrincipal`"
    );
    let start = text.find("\"Principal\"").unwrap();
    assert_eq!(diag["span"]["start"], start);
    assert_eq!(diag["span"]["end"], start + "\"Principal\"".len());
    assert_eq!(diag["span"]["line"], 3);
    assert_eq!(
        diag["span"]["column"],
        start - text[..start].rfind('\n').unwrap()
    );
    assert_eq!(diag["file"], p.as_str());
}

#[test]
fn a_store_types_each_policy_by_where_it_is_attached() {
    let d = dir("store");
    write(
        &d,
        "shared.json",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ses:SendEmail"}}"#,
    );
    let identity = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
    let store = format!(
        r#"{{
  "policies": {{
    "Shared": "shared.json",
    "Send auth": {{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{{"AWS":"444455556666"}},"Action":"ses:SendEmail","Resource":"arn:aws:ses:us-east-1:111122223333:identity/other.com"}}}},
    "Guard": {{"Statement":{{"Effect":"Deny","Action":"ses:*","Resource":"*"}}}},
    "Loose": {{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"ses:SendEmails","Resource":"*"}}}}
  }},
  "principals": {{"arn:aws:iam::111122223333:user/a": {{"policies": ["Shared", "Missing"]}}}},
  "resources": {{"{identity}": {{"policies": ["Send auth"]}}}},
  "accounts": {{"111122223333": {{"scps": [["Guard"]]}}}}
}}"#
    );
    let s = write(&d, "store.json", &store);
    let o = sesame(&["validate", "--json", &s]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let found: Vec<(String, String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap();
            let text = std::fs::read_to_string(file).unwrap();
            let under = d["span"]["start"]
                .as_u64()
                .map(|s| text[s as usize..d["span"]["end"].as_u64().unwrap() as usize].to_owned())
                .unwrap_or_default();
            (
                d["code"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
                under,
            )
        })
        .collect();
    let expect = |code: &str, message: &str, under: &str| {
        assert!(
            found.contains(&(code.to_owned(), message.to_owned(), under.to_owned())),
            "missing {code}: {message} at {under:?} in {found:#?}"
        );
    };
    expect(
        "store",
        "policy `Missing` is not defined under `policies`",
        "\"Missing\"",
    );
    expect(
        "ses",
        "sending-authorization policy name `Send auth` must be 1 to 64 letters, digits, `-` or `_`",
        "\"Send auth\"",
    );
    expect(
        "ses",
        "the `Resource` of a sending-authorization policy must be the identity's ARN `arn:aws:ses:us-east-1:111122223333:identity/example.com`, found `arn:aws:ses:us-east-1:111122223333:identity/other.com`",
        "\"arn:aws:ses:us-east-1:111122223333:identity/other.com\"",
    );
    expect(
        "version",
        "a service control policy must have `\"Version\": \"2012-10-17\"`",
        r#"{"Statement":{"Effect":"Deny","Action":"ses:*","Resource":"*"}}"#,
    );
    expect(
        "placement",
        "policy statement must contain resources: a customer managed policy needs `Resource` or `NotResource`",
        r#"{"Effect":"Allow","Action":"ses:SendEmail"}"#,
    );
    expect(
        "unknown-action",
        "unknown action `ses:SendEmails`: `ses` has no action `SendEmails`",
        "\"ses:SendEmails\"",
    );
    assert_eq!(v["policies"], 4);
    assert_eq!(found.len(), 6, "{found:#?}");
    let o = sesame(&["validate", "--type", "identity", &s]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_identity_with_too_many_sending_policies_is_refused() {
    let d = dir("ses20");
    let identity = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
    let mut policies = Vec::new();
    let mut names = Vec::new();
    for i in 0..21 {
        policies.push(format!(
            r#""P{i}": {{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{{"AWS":"444455556666"}},"Action":"ses:SendEmail","Resource":"{identity}"}}}}"#
        ));
        names.push(format!("\"P{i}\""));
    }
    let store = format!(
        r#"{{"policies": {{{}}}, "resources": {{"{identity}": {{"policies": [{}]}}}}}}"#,
        policies.join(","),
        names.join(",")
    );
    let s = write(&d, "store.json", &store);
    let v = json(&sesame(&["validate", "--json", &s]));
    assert_eq!(v["errors"], 1, "{v}");
    assert_eq!(
        v["diagnostics"][0]["message"],
        "SES identity `arn:aws:ses:us-east-1:111122223333:identity/example.com` has 21 sending-authorization policies; an identity can have at most 20"
    );
}

#[test]
fn the_example_store_validates() {
    let store = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/store.json");
    if !store.exists() {
        eprintln!("skipped: examples/store.json is absent");
        return;
    }
    let o = sesame(&["validate", "--json", &store.display().to_string()]);
    let v = json(&o);
    assert_eq!(v["errors"], 0, "{v}");
    assert_eq!(o.status.code(), Some(0));
}
