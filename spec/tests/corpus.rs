//! Runs the whole conformance corpus (`spec/corpus/`) against the spec
//! evaluator and reader: every case's decision, deciding statements, failed
//! layer and (where pinned) message, and every refused document's error.

use std::path::Path;

use sesame_spec::conformance::load_dir;
use sesame_spec::{evaluate, parse_policy};

#[test]
fn corpus_agrees_with_the_spec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let files = load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        for case in &file.cases {
            count += 1;
            let answer = evaluate(&file.store, &case.request);
            if let Err(why) = case.expected.check(&case.request, &answer) {
                failures.push(format!(
                    "{} / {}: {why}\n    source: {}",
                    file.path.file_name().unwrap().to_string_lossy(),
                    case.name,
                    case.source
                ));
            }
        }
        for reject in &file.rejects {
            count += 1;
            match parse_policy(&reject.policy_text) {
                Ok(_) => failures.push(format!(
                    "{} / {}: the document was accepted",
                    file.path.display(),
                    reject.name
                )),
                Err(e) if e.to_string() != reject.error => failures.push(format!(
                    "{} / {}: expected error `{}`, got `{e}`",
                    file.path.display(),
                    reject.name,
                    reject.error
                )),
                Err(_) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} corpus cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count > 0, "the corpus is empty");
    eprintln!("{count} corpus cases agree with the spec");
}
