//! `sesame bench-gen`: writes a seeded benchmark workload to disk.
//!
//! `sesame bench-gen --workload w1|w2|w3 [--tenants N] [--requests M]
//! [--seed S] --out DIR` writes `DIR/store.json` and `DIR/requests.jsonl`
//! from the generators of `sesame-benches` (W1 one tenant, W2 a fleet of
//! `N` tenants, W3 the AWS managed policy corpus). The same seed writes the
//! same files. The store streams out policy by policy, so a
//! million-tenant W2 never exists as one string.
//!
//! Exit codes: 0 when both files are written, 2 otherwise (W3 without its
//! corpus says `skipped: ...`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use sesame_benches::workload::{Kind, Params, generate, write_requests, write_store};

/// The arguments of `sesame bench-gen`.
#[derive(Clone, Debug, clap::Args)]
pub struct BenchGenArgs {
    /// The workload: `w1` (one tenant), `w2` (a fleet), `w3` (AWS managed
    /// policies).
    #[arg(long, value_parser = parse_kind)]
    pub workload: Kind,
    /// How many tenants (W2).
    #[arg(long, default_value_t = 1000)]
    pub tenants: usize,
    /// How many requests.
    #[arg(long, default_value_t = 10_000)]
    pub requests: usize,
    /// The seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The folder to write `store.json` and `requests.jsonl` into (created
    /// if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// Reads a workload name for clap.
///
/// # Errors
///
/// A message naming the accepted names.
pub fn parse_kind(name: &str) -> Result<Kind, String> {
    Kind::from_name(name)
        .ok_or_else(|| format!("unknown workload `{name}`; expected `w1`, `w2` or `w3`"))
}

fn create(path: &Path) -> Result<BufWriter<File>, String> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| format!("{}: cannot create: {e}", path.display()))
}

/// Generates the workload and writes both files.
///
/// # Errors
///
/// A message naming the file or the missing data.
pub fn run(args: &BenchGenArgs) -> Result<ExitCode, String> {
    let start = Instant::now();
    let params = Params {
        seed: args.seed,
        requests: args.requests,
        tenants: args.tenants,
    };
    let (store, requests) = generate(args.workload, &params).map_err(|e| e.to_string())?;
    let generated = start.elapsed();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("{}: cannot create the folder: {e}", args.out.display()))?;
    let store_path = args.out.join("store.json");
    let mut out = create(&store_path)?;
    write_store(&store, &mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("{}: cannot write: {e}", store_path.display()))?;
    let requests_path = args.out.join("requests.jsonl");
    let mut out = create(&requests_path)?;
    write_requests(&requests, &mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("{}: cannot write: {e}", requests_path.display()))?;
    let statements: usize = store.policies.values().map(|p| p.statements.len()).sum();
    eprintln!(
        "wrote {} ({} policies, {} statements, {} principals, {} resources) and {} ({} requests); generated in {:.2} s, total {:.2} s",
        store_path.display(),
        store.policies.len(),
        statements,
        store.principals.len(),
        store.resources.len(),
        requests_path.display(),
        requests.len(),
        generated.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sesame_spec::{Request, Store};

    #[test]
    fn writes_a_store_and_requests_that_read_back_as_generated() {
        let dir = std::env::temp_dir().join(format!("sesame-bench-gen-{}", std::process::id()));
        let args = BenchGenArgs {
            workload: Kind::W2,
            tenants: 50,
            requests: 40,
            seed: 9,
            out: dir.clone(),
        };
        assert_eq!(run(&args).unwrap(), ExitCode::SUCCESS);
        let store = Store::from_file(&dir.join("store.json")).unwrap();
        let text = std::fs::read_to_string(dir.join("requests.jsonl")).unwrap();
        let requests: Vec<Request> = text
            .lines()
            .map(|l| Request::from_json_text(l).unwrap())
            .collect();
        let (want_store, want_requests) = generate(
            Kind::W2,
            &Params {
                seed: 9,
                requests: 40,
                tenants: 50,
            },
        )
        .unwrap();
        assert!(store == want_store);
        assert_eq!(requests, want_requests);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_workloads_are_named() {
        assert_eq!(
            parse_kind("w9").unwrap_err(),
            "unknown workload `w9`; expected `w1`, `w2` or `w3`"
        );
        assert_eq!(parse_kind("W3"), Ok(Kind::W3));
    }
}
