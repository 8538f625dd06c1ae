//! The spec reader accepts every AWS managed policy in `../shared/corpus/`
//! (skipped, with a message, where that folder is absent: a fresh clone).

use std::path::Path;

use sesame_spec::parse_policy;

#[test]
fn every_managed_policy_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let mut count = 0;
    for folder in ["aws-managed", "aws-managed-deprecated"] {
        let dir = root.join(folder);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!(
                "skipped: {} is absent (the shared corpus is not part of a clone)",
                dir.display()
            );
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(e) = parse_policy(&text) {
                panic!("{}: {e}", path.display());
            }
            count += 1;
        }
    }
    assert!(count >= 1_452, "only {count} managed policies found");
    eprintln!("{count} managed policies read");
}
