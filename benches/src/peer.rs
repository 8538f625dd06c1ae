//! Engines measured side by side on the same requests: each is a name and
//! a check over the index of a request in a shared stream, so adding an
//! engine to a bench is one line:
//!
//! ```text
//! engines.push(Engine::over("sesame", &requests, |r| compiled.check(r).outcome));
//! ```
//!
//! Before timing, [`agreement`] checks that an engine gives the spec's
//! outcome on a sample; [`Floor`] is the least work any engine must do
//! (DESIGN.md, "Performance targets"); [`ratio_line`] prints each engine's
//! time per check against the spec's in one line.

use std::collections::HashMap;
use std::time::Instant;

use sesame_spec::{Outcome, Request, Store, evaluate};

/// One engine under test.
pub struct Engine<'a> {
    /// The name in reports (`spec`, `cedar`, ...).
    pub name: String,
    check: Box<dyn Fn(usize) -> Outcome + 'a>,
}

impl<'a> Engine<'a> {
    /// An engine from a check over request indices (for engines that
    /// prepare their own request form ahead of the timing).
    pub fn new(name: &str, check: impl Fn(usize) -> Outcome + 'a) -> Engine<'a> {
        Engine {
            name: name.to_owned(),
            check: Box::new(check),
        }
    }

    /// An engine from a check over Sesame requests.
    pub fn over(
        name: &str,
        requests: &'a [Request],
        check: impl Fn(&Request) -> Outcome + 'a,
    ) -> Engine<'a> {
        Engine::new(name, move |i| {
            requests.get(i).map_or(Outcome::ImplicitDeny, &check)
        })
    }

    /// The outcome for request `i` of the stream.
    #[inline]
    pub fn check(&self, i: usize) -> Outcome {
        (self.check)(i)
    }
}

/// The spec evaluator, the reference every engine is compared with (a
/// request it refuses counts as an implicit deny).
pub fn spec_engine<'a>(store: &'a Store, requests: &'a [Request]) -> Engine<'a> {
    Engine::over("spec", requests, move |r| {
        evaluate(store, r).map_or(Outcome::ImplicitDeny, |d| d.outcome)
    })
}

/// cedar-policy on the Cedar translation of the store ([`crate::cedar`]),
/// requests translated and policy sets sliced per principal ahead of time.
///
/// # Errors
///
/// What the translation cannot express.
#[cfg(feature = "peers")]
pub fn cedar_engine<'a>(
    store: &Store,
    requests: &[Request],
) -> Result<(Engine<'a>, usize), String> {
    let peer = crate::cedar::CedarPeer::new(store, requests).map_err(|e| e.to_string())?;
    let prepared = peer.prepare(store, requests).map_err(|e| e.to_string())?;
    let count = peer.policy_count;
    Ok((
        Engine::new("cedar", move |i| {
            prepared
                .requests
                .get(i)
                .map_or(Outcome::ImplicitDeny, |r| peer.check(&prepared, r))
        }),
        count,
    ))
}

/// iam-rs with the layering glue of [`crate::peer_iam`].
///
/// # Errors
///
/// A policy or request iam-rs cannot read.
#[cfg(feature = "peers")]
pub fn iam_rs_engine<'a>(store: &Store, requests: &[Request]) -> Result<Engine<'a>, String> {
    let peer = crate::peer_iam::IamRsPeer::new(store)?;
    let prepared: Vec<_> = requests
        .iter()
        .map(|r| crate::peer_iam::IamRsPeer::prepare(store, r))
        .collect::<Result<_, _>>()?;
    Ok(Engine::new("iam-rs", move |i| {
        prepared
            .get(i)
            .map_or(Outcome::ImplicitDeny, |p| peer.check(p))
    }))
}

/// Compares an engine with the reference on requests `0..sample`.
///
/// # Errors
///
/// The disagreements (at most ten shown) with the request index and both
/// outcomes.
pub fn agreement(
    reference: &Engine<'_>,
    other: &Engine<'_>,
    requests: &[Request],
    sample: usize,
) -> Result<usize, String> {
    let mut wrong = Vec::new();
    let n = sample.min(requests.len());
    for i in 0..n {
        let want = reference.check(i);
        let got = other.check(i);
        if want != got {
            wrong.push(format!(
                "request {i}: {} says {want}, {} says {got}: {} {} on {}",
                reference.name,
                other.name,
                requests.get(i).map_or("", |r| r.principal.as_str()),
                requests.get(i).map_or("", |r| r.action.as_str()),
                requests.get(i).map_or("", |r| r.resource.as_str()),
            ));
        }
    }
    if wrong.is_empty() {
        Ok(n)
    } else {
        let shown: Vec<&String> = wrong.iter().take(10).collect();
        Err(format!(
            "{} of {n} requests disagree:\n{}",
            wrong.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        ))
    }
}

/// How many requests of each outcome an engine gives on `0..n`.
pub fn outcome_mix(engine: &Engine<'_>, n: usize) -> [usize; 3] {
    let mut out = [0usize; 3];
    for i in 0..n {
        let slot = match engine.check(i) {
            Outcome::Allow => out.get_mut(0),
            Outcome::ExplicitDeny => out.get_mut(1),
            Outcome::ImplicitDeny => out.get_mut(2),
        };
        if let Some(slot) = slot {
            *slot += 1;
        }
    }
    out
}

/// The floor: hash the request's action and resource ARN into prebuilt
/// maps and read one entry of a table (DESIGN.md, "Performance targets").
/// The table holds the reference's outcomes for the workload's requests, so
/// the floor answers them too.
pub struct Floor {
    actions: HashMap<String, u32>,
    resources: HashMap<String, u32>,
    table: Vec<Outcome>,
    width: usize,
}

impl Floor {
    /// Builds the maps and the table from a stream and its reference engine.
    pub fn new(requests: &[Request], reference: &Engine<'_>) -> Floor {
        let mut actions: HashMap<String, u32> = HashMap::new();
        let mut resources: HashMap<String, u32> = HashMap::new();
        for r in requests {
            let n = actions.len() as u32;
            actions.entry(r.action.clone()).or_insert(n);
            let n = resources.len() as u32;
            resources.entry(r.resource.clone()).or_insert(n);
        }
        let width = resources.len().max(1);
        let mut table = vec![Outcome::ImplicitDeny; actions.len().max(1) * width];
        for (i, r) in requests.iter().enumerate() {
            let (Some(a), Some(res)) = (actions.get(&r.action), resources.get(&r.resource)) else {
                continue;
            };
            if let Some(slot) = table.get_mut(*a as usize * width + *res as usize) {
                *slot = reference.check(i);
            }
        }
        Floor {
            actions,
            resources,
            table,
            width,
        }
    }

    /// Two hash lookups and one table read.
    #[inline]
    pub fn check(&self, request: &Request) -> Outcome {
        let a = self.actions.get(request.action.as_str());
        let r = self.resources.get(request.resource.as_str());
        match (a, r) {
            (Some(a), Some(r)) => self
                .table
                .get(*a as usize * self.width + *r as usize)
                .copied()
                .unwrap_or(Outcome::ImplicitDeny),
            _ => Outcome::ImplicitDeny,
        }
    }
}

/// Median nanoseconds per check of an engine over the stream `0..n`,
/// from `rounds` passes.
pub fn time_per_check(engine: &Engine<'_>, n: usize, rounds: usize) -> f64 {
    let n = n.max(1);
    let mut samples: Vec<f64> = (0..rounds.max(1))
        .map(|_| {
            let start = Instant::now();
            for i in 0..n {
                std::hint::black_box(engine.check(std::hint::black_box(i)));
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(0.0)
}

/// One line: each engine's median ns per check and its ratio to the first
/// engine (the spec), as time relative to the spec's (below 1: faster):
/// `W1 (2000 requests, median of 5): spec 950.1 ns (1.0000x spec) | cedar
/// 120.0 ns (0.1263x spec) | ...`.
pub fn ratio_line(label: &str, engines: &[Engine<'_>], n: usize, rounds: usize) -> String {
    let times: Vec<(String, f64)> = engines
        .iter()
        .map(|e| (e.name.clone(), time_per_check(e, n, rounds)))
        .collect();
    let base = times
        .first()
        .map_or(1.0, |(_, t)| *t)
        .max(f64::MIN_POSITIVE);
    let parts: Vec<String> = times
        .iter()
        .map(|(name, t)| format!("{name} {t:.1} ns ({:.4}x spec)", t / base))
        .collect();
    format!(
        "{label} ({n} requests, median of {rounds}): {}",
        parts.join(" | ")
    )
}
