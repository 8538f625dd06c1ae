//! Workloads for Sesame's benchmarks: the stores and request streams the
//! criterion benches in `benches/` time, so that anyone can rerun them.
//!
//! [`example`] generates the bundled example store (`examples/store.json`)
//! and its request stream, and [`example_workload`] loads them; the seeded
//! generators for W1, W2 and W3 follow ([`workload`], [`w1`], [`w2`],
//! [`w3`], sharing the [`prng`]). With the `peers` feature (on by default),
//! [`cedar`] and [`peer_iam`] put cedar-policy and iam-rs on the same
//! decisions, and [`peer`] runs engines side by side against a floor.

#[cfg(feature = "peers")]
pub mod cedar;
pub mod example;
pub mod peer;
#[cfg(feature = "peers")]
pub mod peer_iam;
pub mod prng;
pub mod w1;
pub mod w2;
pub mod w3;
pub mod workload;

use std::path::{Path, PathBuf};

use sesame_spec::{ReadError, Request, Store};

/// The workspace's `examples/` folder.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// The example store and its requests.
///
/// # Errors
///
/// A [`ReadError`] naming the file and place.
pub fn example_workload() -> Result<(Store, Vec<Request>), ReadError> {
    let dir = examples_dir();
    let store = Store::from_file(&dir.join("store.json"))?;
    let path = dir.join("requests.jsonl");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ReadError::new(&path.display().to_string(), e.to_string()))?;
    let requests = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            Request::from_json_text(l).map_err(|e| e.within(format!("requests.jsonl:{}", i + 1)))
        })
        .collect::<Result<_, _>>()?;
    Ok((store, requests))
}
