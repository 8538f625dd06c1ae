//! W3: every AWS managed policy in `shared/corpus/aws-managed/` in one store,
//! attached to one role, and requests over real action names.
//!
//! The corpus sits beside the workspace (`../shared/corpus/` from the
//! workspace root); where it is absent, [`generate`] answers
//! [`WorkloadError::Skipped`] saying so, and the benches and tests that use
//! W3 skip with that message.
//!
//! The role `W3Everything` has every policy attached except the few whose
//! `Deny` statements cover every action (`AWSDenyAll`, and the boundary-style
//! documents that deny with `NotAction`): with those attached every request
//! would be an explicit deny. They stay in the store's `policies`, so a
//! compiler still compiles all of them. `AdministratorAccess` is attached, so
//! no request is an implicit deny; the mix is allows and the explicit denies
//! of the managed policies' own `Deny` statements.
//!
//! Requests name the role through an `sts` session and use the actions of
//! `iam-actions-ses-and-friends.json` (SES, Secrets Manager, KMS, S3) with a
//! resource ARN built from each action's resource type, plus every literal
//! action named in the policies.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sesame_spec::model::Polarity;
use sesame_spec::{Policy, ReadError, Request, Store, parse_policy};

use crate::prng::Rng;
use crate::workload::{PLATFORM, WorkloadError, one, principal_entry, request, time};

/// The role every policy is attached to.
pub const ROLE: &str = "arn:aws:iam::111122223333:role/W3Everything";
/// The session the requests come from.
pub const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/W3Everything/bench";

/// The shared corpus folder (`../shared/corpus` from the workspace root).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn read(path: &Path) -> Result<String, WorkloadError> {
    std::fs::read_to_string(path).map_err(|e| {
        WorkloadError::Read(ReadError::new(
            &path.display().to_string(),
            format!("cannot read: {e}"),
        ))
    })
}

/// Whether a policy has a `Deny` statement over every action (`*` or a
/// `NotAction`).
fn denies_everything(policy: &Policy) -> bool {
    policy.statements.iter().any(|s| {
        s.effect == sesame_spec::model::Effect::Deny
            && (s.action.polarity == Polarity::Not || s.action.patterns.iter().any(|p| p == "*"))
    })
}

/// Every managed policy by file stem, in name order.
///
/// # Errors
///
/// [`WorkloadError::Skipped`] when the folder is absent, a read error
/// naming the file otherwise.
pub fn managed_policies(dir: &Path) -> Result<Vec<(String, Policy)>, WorkloadError> {
    let folder = dir.join("aws-managed");
    if !folder.is_dir() {
        return Err(WorkloadError::Skipped(format!(
            "w3: the AWS managed policy corpus `{}` is absent",
            folder.display()
        )));
    }
    let entries = std::fs::read_dir(&folder).map_err(|e| {
        WorkloadError::Read(ReadError::new(
            &folder.display().to_string(),
            format!("cannot list: {e}"),
        ))
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for path in paths {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = read(&path)?;
        let policy = parse_policy(&text).map_err(|e| e.within(path.display().to_string()))?;
        out.push((name, policy));
    }
    Ok(out)
}

/// Fills an ARN template from the service data (`${Region}`, ...).
fn fill(template: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 2..).unwrap_or("");
        let Some(end) = after.find('}') else {
            out.push_str(rest.get(start..).unwrap_or(""));
            rest = "";
            break;
        };
        let name = after.get(..end).unwrap_or("");
        match name {
            "Partition" => out.push_str("aws"),
            "Region" => out.push_str("us-east-1"),
            "Account" => out.push_str(PLATFORM),
            other => out.push_str(&format!(
                "bench-{}-{}",
                other.to_ascii_lowercase(),
                rng.below(100)
            )),
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The (action, resource ARN template or `*`) pairs of the service data.
fn corpus_actions(dir: &Path) -> Result<Vec<(String, String)>, WorkloadError> {
    let path = dir.join("iam-actions-ses-and-friends.json");
    if !path.is_file() {
        return Err(WorkloadError::Skipped(format!(
            "w3: the IAM action list `{}` is absent",
            path.display()
        )));
    }
    let json: Value = serde_json::from_str(&read(&path)?).map_err(|e| {
        WorkloadError::Read(ReadError::new(&path.display().to_string(), e.to_string()))
    })?;
    let mut out = Vec::new();
    let Some(services) = json.get("services").and_then(Value::as_object) else {
        return Err(WorkloadError::Read(ReadError::new(
            &path.display().to_string(),
            "no `services` object",
        )));
    };
    for (service, data) in services {
        let types = data.get("resource_types").and_then(Value::as_object);
        let Some(actions) = data.get("actions").and_then(Value::as_object) else {
            continue;
        };
        for (action, info) in actions {
            let kinds = info
                .get("resource_types")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let kind = kinds
                .iter()
                .find(|k| k.get("required").and_then(Value::as_bool) == Some(true))
                .or_else(|| kinds.first())
                .and_then(|k| k.get("name").and_then(Value::as_str));
            let template = kind
                .and_then(|k| types.and_then(|t| t.get(k)))
                .and_then(|t| t.get("arn").and_then(Value::as_str))
                .unwrap_or("*");
            out.push((format!("{service}:{action}"), template.to_owned()));
        }
    }
    Ok(out)
}

/// The W3 store from the corpus in `dir`.
///
/// # Errors
///
/// [`WorkloadError::Skipped`] when the corpus is absent.
pub fn store_from(dir: &Path) -> Result<Store, WorkloadError> {
    let policies = managed_policies(dir)?;
    let mut store = Store::default();
    let mut attached = Vec::new();
    for (name, policy) in policies {
        if !denies_everything(&policy) {
            attached.push(name.clone());
        }
        store.policies.insert(name, policy);
    }
    store
        .principals
        .insert(ROLE.to_owned(), principal_entry(attached, None, &[]));
    Ok(store)
}

/// Requests over real action names for a W3 store.
///
/// # Errors
///
/// [`WorkloadError::Skipped`] when the action list is absent.
pub fn requests_for(
    store: &Store,
    dir: &Path,
    seed: u64,
    count: usize,
) -> Result<Vec<Request>, WorkloadError> {
    let corpus = corpus_actions(dir)?;
    let literal: BTreeSet<&str> = store
        .policies
        .values()
        .flat_map(|p| p.statements.iter())
        .filter(|s| s.action.polarity == Polarity::Is)
        .flat_map(|s| s.action.patterns.iter())
        .map(String::as_str)
        .filter(|a| !a.contains(['*', '?']) && a.contains(':'))
        .collect();
    let literal: Vec<&str> = literal.into_iter().collect();
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let (action, resource) = if rng.chance(50) || literal.is_empty() {
            match corpus.get(rng.below(corpus.len())) {
                Some((action, template)) => (action.clone(), fill(template, &mut rng)),
                None => continue,
            }
        } else {
            let action = literal.get(rng.below(literal.len())).copied().unwrap_or("");
            let service = action.split(':').next().unwrap_or("");
            let resource = if rng.chance(40) {
                "*".to_owned()
            } else {
                format!(
                    "arn:aws:{service}:us-east-1:{PLATFORM}:bench/item-{}",
                    rng.below(1000)
                )
            };
            (action.to_owned(), resource)
        };
        let context = vec![
            one("aws:SourceIp", "198.51.100.7"),
            one("aws:RequestedRegion", "us-east-1"),
            one("aws:CurrentTime", time(&mut rng, 2026, 1)),
        ];
        out.push(request(SESSION, &action, &resource, context));
    }
    Ok(out)
}

/// The W3 store and `count` requests from `seed`, from the shared corpus.
///
/// # Errors
///
/// [`WorkloadError::Skipped`] when the corpus is absent.
pub fn generate(seed: u64, count: usize) -> Result<(Store, Vec<Request>), WorkloadError> {
    let dir = corpus_dir();
    let store = store_from(&dir)?;
    let requests = requests_for(&store, &dir, seed, count)?;
    Ok((store, requests))
}
