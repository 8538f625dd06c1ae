//! Writes `BENCHMARKS.md` and `benches/scaling.svg` from criterion's output
//! (`target/criterion/**/new/{benchmark,estimates}.json`), the memory
//! bench's `target/sesame-bench/memory.json` and, when present,
//! `benches/callgrind.sh`'s `target/sesame-bench/callgrind.json`, so the
//! report always says what the last `cargo bench` measured on this machine.
//! Every verdict in its targets tables is computed from those numbers.
//!
//! ```sh
//! cargo bench -p sesame-benches   # check, peers, throughput, scaling, build, memory
//! benches/callgrind.sh            # optional: instructions per check
//! cargo run -p sesame-benches --example report
//! ```
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One measured benchmark: group (`example`, `peers/w1`, `scaling/w2`),
/// function (`spec`, `sesame/1000`), median in nanoseconds.
struct Measure {
    group: String,
    function: String,
    median_ns: f64,
    /// Elements per iteration (`Throughput::Elements`), where declared.
    elements: Option<f64>,
}

fn find(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "new") && path.join("estimates.json").exists()
            {
                out.push(path);
            } else {
                find(&path, out);
            }
        }
    }
}

fn measures(root: &Path) -> Vec<Measure> {
    let mut dirs = Vec::new();
    find(root, &mut dirs);
    let mut out = Vec::new();
    for dir in dirs {
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
        };
        let bench = read("benchmark.json");
        let estimates = read("estimates.json");
        let group = bench["group_id"].as_str().unwrap_or("").to_owned();
        let mut function = bench["function_id"].as_str().unwrap_or("").to_owned();
        if let Some(v) = bench["value_str"].as_str() {
            function = format!("{function}/{v}");
        }
        // `bench_function("example/spec")` has no group: the id is the group.
        let mut group = group;
        if function.is_empty() {
            if let Some((g, f)) = group.clone().rsplit_once('/') {
                group = g.to_owned();
                function = f.to_owned();
            }
        }
        let median_ns = estimates["median"]["point_estimate"]
            .as_f64()
            .unwrap_or(f64::NAN);
        let elements = bench["throughput"]["Elements"].as_f64();
        out.push(Measure {
            group,
            function,
            median_ns,
            elements,
        });
    }
    out.sort_by(|a, b| (&a.group, &a.function).cmp(&(&b.group, &b.function)));
    out
}

fn human(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or("unknown".to_owned(), |kb| {
            format!("{:.0} GiB", kb / 1_048_576.0)
        });
    format!(
        "{cpu}, {cores} cores available, {memory} memory; {}",
        command_output("rustc", &["--version"])
    )
}

/// The scaling curve as an SVG: time per check against tenants, log-log.
fn scaling_svg(series: &BTreeMap<String, Vec<(f64, f64)>>) -> String {
    let (w, h, pad) = (640.0, 400.0, 60.0);
    let points: Vec<(f64, f64)> = series.values().flatten().copied().collect();
    let (x0, x1) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(p.0.log10()), b.max(p.0.log10()))
    });
    let (y0, y1) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(p.1.log10().floor()), b.max(p.1.log10().ceil()))
    });
    let sx = |x: f64| pad + (x.log10() - x0) / (x1 - x0).max(1e-9) * (w - 2.0 * pad);
    let sy = |y: f64| h - pad - (y.log10() - y0) / (y1 - y0).max(1e-9) * (h - 2.0 * pad);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle" font-size="14">W2 check time per request vs tenants (log-log, criterion medians)</text>"#,
        w / 2.0
    );
    let mut decade = y0;
    while decade <= y1 {
        let y = sy(10f64.powf(decade));
        let _ = writeln!(
            s,
            r##"<line x1="{pad}" x2="{}" y1="{y}" y2="{y}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
            w - pad,
            pad - 5.0,
            y + 4.0,
            human(10f64.powf(decade))
        );
        decade += 1.0;
    }
    let mut tenants: Vec<f64> = points.iter().map(|p| p.0).collect();
    tenants.sort_by(f64::total_cmp);
    tenants.dedup();
    for t in &tenants {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            sx(*t),
            h - pad + 18.0,
            tenants_label(*t)
        );
    }
    let colours = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"];
    for (i, (name, pts)) in series.iter().enumerate() {
        let colour = colours[i % colours.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
            path.join(" ")
        );
        for (x, y) in pts {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                sx(*x),
                sy(*y)
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" fill="{colour}">{name}</text>"#,
            w - pad + 5.0,
            40.0 + 16.0 * i as f64
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">tenants</text></svg>"#,
        w / 2.0,
        h - 15.0
    );
    s
}

/// Tenants as the tables and the plot print them: `1k`, `100k`, `1M`.
fn tenants_label(t: f64) -> String {
    if t >= 1_000_000.0 && t % 1_000_000.0 == 0.0 {
        format!("{}M", t / 1_000_000.0)
    } else if t >= 1_000.0 && t % 1_000.0 == 0.0 {
        format!("{}k", t / 1_000.0)
    } else {
        format!("{t}")
    }
}

fn bytes(b: f64) -> String {
    if b >= 1_073_741_824.0 {
        format!("{:.2} GiB", b / 1_073_741_824.0)
    } else if b >= 1_048_576.0 {
        format!("{:.1} MiB", b / 1_048_576.0)
    } else if b >= 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

fn per_second(n: f64) -> String {
    if n >= 1_000_000.0 {
        format!("{:.2} M/s", n / 1_000_000.0)
    } else if n >= 1_000.0 {
        format!("{:.1} k/s", n / 1_000.0)
    } else {
        format!("{n:.0} /s")
    }
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Checks per second of a throughput measure (elements per iteration over
/// the median iteration time).
fn checks_per_second(m: &Measure) -> Option<f64> {
    m.elements.map(|n| n / m.median_ns * 1e9)
}

/// A workload's speedup on all cores over one, from criterion's columns
/// and, when the bench wrote them, from its passes timed back to back.
struct Speedup {
    group: String,
    columns: f64,
    back_to_back: Option<f64>,
}

/// The throughput section: checks per second on all cores and on one, by
/// long-lived workers, by batches over kept scratch spaces and by batches
/// with fresh ones, and the spec on all cores, per workload, then the
/// bench's back-to-back ratios (`throughput.json` at `path`). Returns the
/// workers' speedups for the targets.
fn throughput_section(
    md: &mut String,
    groups: &BTreeMap<&str, Vec<&Measure>>,
    path: &Path,
) -> Vec<Speedup> {
    let mut speedups = Vec::new();
    let rows: Vec<(&str, &Vec<&Measure>)> = groups
        .iter()
        .filter(|(g, _)| g.starts_with("throughput/"))
        .map(|(g, l)| (*g, l))
        .collect();
    if rows.is_empty() {
        return speedups;
    }
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let _ = writeln!(
        md,
        "## Throughput: checks per second over the whole stream\n"
    );
    let _ = writeln!(
        md,
        "`cargo bench -p sesame-benches --bench throughput`: criterion's elements (checks) per second, from the median time\nof one pass over the stream, on all cores ({cores} here) and on one. Workers: long-lived workers (one per core, or\none: the calling thread and threads started before timing), each calling `Engine::check` with its own scratch\nspace over its own part of the stream, as a sender's service runs; a pass bumps a generation number the threads\nspin on (they park only when idle longer), and their scratch spaces keep plans across passes (warmed by one\nuntimed pass). Batch: `Engine::check_batch_with` over the same kept scratch spaces, which\nspawns its threads on every call. Fresh: `Engine::check_batch` (`threads = 0`, `threads = 1`), which makes new\nscratch spaces for every call, so each pass builds its plans again (mostly plan building). The spec evaluator on\nall cores splits the same stream into one chunk per core. Criterion measures each column at a different moment:\non a shared machine the all ÷ one core ratios move with the load (the bench also prints them timed back to back).\n"
    );
    let _ = writeln!(
        md,
        "| workload | requests | workers, all cores | workers, one core | workers all ÷ one | batch, all cores | batch, one core | batch all ÷ one | fresh, all cores | fresh, one core | fresh all ÷ one | spec, all cores | workers ÷ spec (all cores) |"
    );
    let _ = writeln!(
        md,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (group, list) in rows {
        let get = |name: &str| list.iter().find(|m| m.function == name).copied();
        let all = get("sesame/all").and_then(checks_per_second);
        let one = get("sesame/1").and_then(checks_per_second);
        let batch_all = get("sesame-batch/all").and_then(checks_per_second);
        let batch_one = get("sesame-batch/1").and_then(checks_per_second);
        let fresh_all = get("sesame-fresh/all").and_then(checks_per_second);
        let fresh_one = get("sesame-fresh/1").and_then(checks_per_second);
        let spec = get("spec/all").and_then(checks_per_second);
        let n = get("sesame/all").and_then(|m| m.elements);
        let cell = |v: Option<f64>| v.map_or("n/a".to_owned(), per_second);
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.1}x", a / b),
            _ => "n/a".to_owned(),
        };
        if let (Some(a), Some(o)) = (all, one) {
            if o > 0.0 {
                speedups.push(Speedup {
                    group: group.to_owned(),
                    columns: a / o,
                    back_to_back: None,
                });
            }
        }
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            group.trim_start_matches("throughput/"),
            n.map_or("?".to_owned(), |n| format!("{n:.0}")),
            cell(all),
            cell(one),
            ratio(all, one),
            cell(batch_all),
            cell(batch_one),
            ratio(batch_all, batch_one),
            cell(fresh_all),
            cell(fresh_one),
            ratio(fresh_all, fresh_one),
            cell(spec),
            ratio(all, spec),
        );
    }
    let _ = writeln!(md);
    let Some(value) = read_json(path) else {
        return speedups;
    };
    let _ = writeln!(
        md,
        "The same passes timed back to back (the bench's printed line; `target/sesame-bench/throughput.json`): the median\nof {} passes of each kind, one kind after another within seconds, so the ratios do not straddle a change in the\nmachine's load.\n",
        value["rows"][0]["rounds"].as_u64().unwrap_or(0),
    );
    let _ = writeln!(
        md,
        "| workload | workers, all cores | workers, one core | workers all ÷ one | batch all ÷ one | fresh all ÷ one |"
    );
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for r in value["rows"].as_array().into_iter().flatten() {
        let group = r["workload"].as_str().unwrap_or("?");
        let speedup = r["workers_speedup"].as_f64();
        if let Some(s) = speedups.iter_mut().find(|s| s.group == group) {
            s.back_to_back = speedup;
        }
        let x = |k: &str| {
            r[k].as_f64()
                .map_or("n/a".to_owned(), |v| format!("{v:.2}x"))
        };
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} | {} |",
            group.trim_start_matches("throughput/"),
            r["workers_all_per_s"]
                .as_f64()
                .map_or("n/a".to_owned(), per_second),
            r["workers_one_per_s"]
                .as_f64()
                .map_or("n/a".to_owned(), per_second),
            x("workers_speedup"),
            x("batch_speedup"),
            x("fresh_speedup"),
        );
    }
    let _ = writeln!(md);
    speedups
}

/// One row of `memory.json`, the fields the report reads.
struct MemoryRow {
    workload: String,
    tenants: Option<f64>,
    statements: f64,
    engine: f64,
    loaded: f64,
    store: f64,
    artifact: f64,
    scratch_fresh: f64,
    scratch_warm: f64,
    warm_checks: f64,
    warm_allocations: f64,
    compile_s: f64,
    load_s: f64,
    peak: Option<f64>,
}

fn memory_rows(value: &serde_json::Value) -> Vec<MemoryRow> {
    let Some(rows) = value["rows"].as_array() else {
        return Vec::new();
    };
    rows.iter()
        .map(|r| {
            let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
            MemoryRow {
                workload: r["workload"].as_str().unwrap_or("?").to_owned(),
                tenants: r["tenants"].as_f64(),
                statements: f("statements"),
                engine: f("engine_bytes"),
                loaded: f("loaded_engine_bytes"),
                store: f("store_bytes"),
                artifact: f("artifact_bytes"),
                scratch_fresh: f("scratch_fresh_bytes"),
                scratch_warm: f("scratch_warm_bytes"),
                warm_checks: f("warm_checks"),
                warm_allocations: f("warm_allocations"),
                compile_s: f("compile_seconds"),
                load_s: f("load_seconds"),
                peak: r["peak_rss_bytes"].as_f64(),
            }
        })
        .collect()
}

/// Growth from the first to the last size, per statement: at most 1.15x
/// more per statement counts as linear (the tolerance absorbs noise in
/// one-shot timings), below 1 as better than linear.
fn growth_words(first: f64, last: f64, statements_factor: f64) -> String {
    let factor = last / first;
    let per_statement = factor / statements_factor;
    let verdict = if per_statement < 0.87 {
        "better than linear"
    } else if per_statement <= 1.15 {
        "linear"
    } else {
        "**worse than linear**"
    };
    format!("{factor:.1}x ({per_statement:.2}x per statement: {verdict})")
}

/// The memory section; returns the rows for the targets.
fn memory_section(md: &mut String, path: &Path) -> Vec<MemoryRow> {
    let _ = writeln!(md, "## Memory: heap held by the compiled engine\n");
    let Some(value) = read_json(path) else {
        let _ = writeln!(
            md,
            "No memory results (`{}` is absent): run `cargo bench -p sesame-benches --bench memory`.\n",
            path.display()
        );
        return Vec::new();
    };
    let rows = memory_rows(&value);
    let _ = writeln!(
        md,
        "`cargo bench -p sesame-benches --bench memory` (its own file: `target/sesame-bench/memory.json`, one measurement\nper workload): live heap bytes counted by a global allocator before and after compiling, with the engine kept\nalive; the same for an engine loaded from its artifact, and for the spec `Store` of the same policies. The scratch\nis one worker's buffers, fresh and after one pass over the stream; allocations are counted over a second pass.\n"
    );
    let _ = writeln!(
        md,
        "| workload | statements | engine heap | per statement | loaded from artifact, per statement | spec store, per statement | artifact, per statement | scratch fresh / warm | allocations per warm check |"
    );
    let _ = writeln!(
        md,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for r in &rows {
        let _ = writeln!(
            md,
            "| `{}` | {:.0} | {} | {:.0} B | {:.0} B | {:.0} B | {:.0} B | {} / {} | {:.3} |",
            r.workload,
            r.statements,
            bytes(r.engine),
            r.engine / r.statements,
            r.loaded / r.statements,
            r.store / r.statements,
            r.artifact / r.statements,
            bytes(r.scratch_fresh),
            bytes(r.scratch_warm),
            r.warm_allocations / r.warm_checks.max(1.0),
        );
    }
    let _ = writeln!(md);
    let fleet: Vec<&MemoryRow> = rows.iter().filter(|r| r.tenants.is_some()).collect();
    if !fleet.is_empty() {
        let _ = writeln!(md, "### Growth with the W2 fleet\n");
        let _ = writeln!(
            md,
            "Compile and artifact load time per size: the median of five runs where one takes under half a second, else one\nrun (criterion's medians for the smaller sizes: the `build` group above); peak resident memory is the bench\nprocess's high-water mark for that size. Growth is judged per statement, with 15% tolerance for noise.\n"
        );
        let _ = writeln!(
            md,
            "| tenants | statements | engine heap | per statement | spec store | compile | µs per statement | load | µs per statement | peak RSS |"
        );
        let _ = writeln!(
            md,
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for r in &fleet {
            let _ = writeln!(
                md,
                "| {} | {:.0} | {} | {:.0} B | {} | {} | {:.2} | {} | {:.2} | {} |",
                tenants_label(r.tenants.unwrap_or(0.0)),
                r.statements,
                bytes(r.engine),
                r.engine / r.statements,
                bytes(r.store),
                human(r.compile_s * 1e9),
                r.compile_s * 1e6 / r.statements,
                human(r.load_s * 1e9),
                r.load_s * 1e6 / r.statements,
                r.peak.map_or("?".to_owned(), bytes),
            );
        }
        if let (Some(first), Some(last)) = (fleet.first(), fleet.last()) {
            if fleet.len() > 1 {
                let sf = last.statements / first.statements;
                let _ = writeln!(
                    md,
                    "\nFrom {} to {} tenants the statements grow {sf:.1}x; engine heap {}, compile time {}, load time {}.",
                    tenants_label(first.tenants.unwrap_or(0.0)),
                    tenants_label(last.tenants.unwrap_or(0.0)),
                    growth_words(first.engine, last.engine, sf),
                    growth_words(first.compile_s, last.compile_s, sf),
                    growth_words(first.load_s, last.load_s, sf),
                );
            }
        }
        let _ = writeln!(md);
    }
    rows
}

/// The callgrind line(s), when `benches/callgrind.sh` has run.
fn callgrind_section(md: &mut String, path: &Path) {
    let _ = writeln!(md, "## Instructions per check (callgrind)\n");
    let Some(value) = read_json(path) else {
        let _ = writeln!(
            md,
            "No callgrind results (`{}` is absent): run `benches/callgrind.sh`.\n",
            path.display()
        );
        return;
    };
    let _ = writeln!(
        md,
        "`benches/callgrind.sh` ({}, commit {}): instructions counted by `valgrind --tool=callgrind` in the\n`callgrind_check` harness's `measured_checks` only: {} passes over the stream on a warm scratch (also with\nthe requests' context keys named once: `keyed`; and that asking for the outcome alone, `Engine::check_outcome`:\n`keyed-outcome`; with their calls named once too, `CallKey`: `named` and `named-outcome`), and one pass on a scratch that keeps no plans (`cold`:\nevery check builds its plan). Unlike the medians, this\ncount does not drift with the machine's load.\n",
        value["valgrind"].as_str().unwrap_or("valgrind"),
        value["commit"].as_str().unwrap_or("?"),
        value["passes"].as_u64().unwrap_or(0),
    );
    let _ = writeln!(
        md,
        "| stream | scratch | checks | instructions | per check |"
    );
    let _ = writeln!(md, "| --- | --- | ---: | ---: | ---: |");
    for r in value["rows"].as_array().into_iter().flatten() {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {:.0} |",
            r["workload"].as_str().unwrap_or("?"),
            r["scratch"].as_str().unwrap_or("warm"),
            r["checks"].as_u64().unwrap_or(0),
            r["instructions"].as_u64().unwrap_or(0),
            r["instructions_per_check"].as_f64().unwrap_or(f64::NAN),
        );
    }
    let _ = writeln!(md);
}

/// A check workload's row in the targets table: group, sesame's median,
/// and its ratios to the spec, cedar and the floor.
type VersusRow = (String, f64, Option<f64>, Option<f64>, Option<f64>);

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let criterion = target.join("criterion");
    let extra = target.join("sesame-bench");
    let all = measures(&criterion);
    assert!(
        !all.is_empty(),
        "no criterion results under {}: run `cargo bench -p sesame-benches` first",
        criterion.display()
    );
    let mut groups: BTreeMap<&str, Vec<&Measure>> = BTreeMap::new();
    for m in &all {
        groups.entry(m.group.as_str()).or_default().push(m);
    }
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo run -p sesame-benches --example report` from the results of the last\n`cargo bench -p sesame-benches` (criterion's medians, and the memory bench's and `benches/callgrind.sh`'s files\nunder `target/sesame-bench/`), on this machine:\n"
    );
    let _ = writeln!(md, "- machine: {}", machine());
    let _ = writeln!(
        md,
        "- command: `cargo bench -p sesame-benches && benches/callgrind.sh && cargo run -p sesame-benches --example report`"
    );
    let _ = writeln!(
        md,
        "- ratios are taken within one group (same run, same requests): `spec ÷ engine` is how many times faster than the\n  reference evaluator an engine is; `engine ÷ floor` is how far above the least work any engine must do\n  (hash the action and the resource ARN into prebuilt maps and read one entry).\n"
    );
    let mut sesame_vs: Vec<VersusRow> = Vec::new();
    for (group, list) in &groups {
        if group.starts_with("scaling/") || group.starts_with("throughput/") {
            continue;
        }
        let get = |name: &str| {
            list.iter()
                .find(|m| m.function == name)
                .map(|m| m.median_ns)
        };
        let spec = get("spec");
        let floor = get("floor");
        let _ = writeln!(md, "## `{group}`\n");
        if spec.is_none() {
            // Not a check comparison (compile and load times): medians only.
            let _ = writeln!(md, "| benchmark | median |\n| --- | ---: |");
            for m in list {
                let _ = writeln!(md, "| {} | {} |", m.function, human(m.median_ns));
            }
            let _ = writeln!(md);
            continue;
        }
        let _ = writeln!(
            md,
            "| engine | median per check | spec ÷ engine | engine ÷ floor |"
        );
        let _ = writeln!(md, "| --- | ---: | ---: | ---: |");
        for m in list {
            let vs_spec = spec.map_or("".to_owned(), |s| format!("{:.1}x", s / m.median_ns));
            let vs_floor = floor.map_or("".to_owned(), |f| format!("{:.1}x", m.median_ns / f));
            let _ = writeln!(
                md,
                "| {} | {} | {vs_spec} | {vs_floor} |",
                m.function,
                human(m.median_ns)
            );
        }
        let _ = writeln!(md);
        // A warm scratch (plans kept), the same with context keys named
        // once, a cold one (none kept), the first two asking for the
        // outcome alone, and the keyed ones with their calls named once.
        for (warm, cold, label) in [
            ("sesame", "compiled", String::new()),
            (
                "sesame-keyed",
                "compiled-keyed",
                " (context keys named once)".to_owned(),
            ),
            (
                "sesame-cold",
                "compiled-cold",
                " (no plan cache)".to_owned(),
            ),
            (
                "sesame-outcome",
                "compiled-outcome",
                " (outcome only)".to_owned(),
            ),
            (
                "sesame-keyed-outcome",
                "compiled-keyed-outcome",
                " (context keys named once, outcome only)".to_owned(),
            ),
            (
                "sesame-named",
                "compiled-named",
                " (context keys and call named once)".to_owned(),
            ),
            (
                "sesame-named-outcome",
                "compiled-named-outcome",
                " (context keys and call named once, outcome only)".to_owned(),
            ),
        ] {
            if let Some(c) = get(warm).or_else(|| get(cold)) {
                sesame_vs.push((
                    format!("{group}{label}"),
                    c,
                    spec.map(|s| s / c),
                    get("cedar").map(|x| x / c),
                    floor.map(|f| c / f),
                ));
            }
        }
    }
    let speedups = throughput_section(&mut md, &groups, &extra.join("throughput.json"));
    // Scaling.
    let mut series: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for m in all.iter().filter(|m| m.group.starts_with("scaling/")) {
        if let Some((engine, tenants)) = m.function.rsplit_once('/') {
            if let Ok(t) = tenants.parse::<f64>() {
                series
                    .entry(engine.to_owned())
                    .or_default()
                    .push((t, m.median_ns));
            }
        }
    }
    for pts in series.values_mut() {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    if !series.is_empty() {
        let _ = writeln!(md, "## Scaling: W2 fleet, check cost against tenants\n");
        let _ = writeln!(md, "![W2 scaling](benches/scaling.svg)\n");
        let mut tenants: Vec<f64> = series.values().flatten().map(|p| p.0).collect();
        tenants.sort_by(f64::total_cmp);
        tenants.dedup();
        let _ = write!(md, "| engine |");
        for t in &tenants {
            let _ = write!(md, " {} tenants |", tenants_label(*t));
        }
        let _ = write!(md, "\n| --- |");
        for _ in &tenants {
            let _ = write!(md, " ---: |");
        }
        let _ = writeln!(md);
        for (engine, pts) in &series {
            let _ = write!(md, "| {engine} |");
            for t in &tenants {
                let cell = pts
                    .iter()
                    .find(|p| p.0 == *t)
                    .map_or("not run".to_owned(), |p| human(p.1));
                let _ = write!(md, " {cell} |");
            }
            let _ = writeln!(md);
        }
        let _ = writeln!(md);
        std::fs::write(root.join("benches/scaling.svg"), scaling_svg(&series)).unwrap();
    }
    let memory = memory_section(&mut md, &extra.join("memory.json"));
    callgrind_section(&mut md, &extra.join("callgrind.json"));
    // Targets.
    let yes = |b: bool| if b { "met" } else { "**not met**" };
    let _ = writeln!(md, "## Targets (DESIGN.md) against this run\n");
    let _ = writeln!(
        md,
        "| workload | sesame median | ≤ 100 ns | ≥ 100x spec | ≥ 50x cedar | within 5x of the floor |"
    );
    let _ = writeln!(md, "| --- | ---: | :---: | :---: | :---: | :---: |");
    for (group, c, vs_spec, vs_cedar, vs_floor) in &sesame_vs {
        let _ = writeln!(
            md,
            "| `{group}` | {} | {} | {} | {} | {} |",
            human(*c),
            yes(*c <= 100.0),
            vs_spec.map_or("n/a".to_owned(), |r| format!(
                "{} ({r:.0}x)",
                yes(r >= 100.0)
            )),
            vs_cedar.map_or("n/a".to_owned(), |r| format!(
                "{} ({r:.0}x)",
                yes(r >= 50.0)
            )),
            vs_floor.map_or("n/a".to_owned(), |r| format!("{} ({r:.1}x)", yes(r <= 5.0))),
        );
    }
    let _ = writeln!(md, "\n| target | measured | |\n| --- | ---: | :---: |");
    if let Some(pts) = series.get("sesame") {
        if let (Some(first), Some(last)) = (pts.first(), pts.last()) {
            let growth = last.1 / first.1;
            let bound = if last.0 >= 1_000_000.0 {
                yes(growth <= 1.5).to_owned()
            } else {
                format!(
                    "{} (1M not run; the bound is for 1k vs 1M)",
                    if growth <= 1.5 {
                        "within so far"
                    } else {
                        "**not met**"
                    }
                )
            };
            let _ = writeln!(
                md,
                "| W2 check, {} vs {} tenants, within 1.5x | {} vs {}: {growth:.2}x | {bound} |",
                tenants_label(first.0),
                tenants_label(last.0),
                human(first.1),
                human(last.1),
            );
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    for s in &speedups {
        // Judged on the back-to-back ratio when the bench wrote one.
        let (judged, measured) = match s.back_to_back {
            Some(b) => (
                b,
                format!(
                    "{b:.2}x on {cores:.0} cores back to back (criterion's columns: {:.2}x)",
                    s.columns
                ),
            ),
            None => (s.columns, format!("{:.2}x on {cores:.0} cores", s.columns)),
        };
        let _ = writeln!(
            md,
            "| near-linear with threads (≥ 0.8 x {cores:.0} cores; long-lived workers), `{}` | {measured} | {} |",
            s.group.trim_start_matches("throughput/"),
            yes(judged >= 0.8 * cores)
        );
    }
    let median = |name: &str| {
        all.iter()
            .find(|m| m.group == "build" && m.function == name)
            .map(|m| m.median_ns)
    };
    if let Some(ns) = median("compile/w3") {
        let _ = writeln!(
            md,
            "| compile W3 < 2 s | {} | {} |",
            human(ns),
            yes(ns < 2e9)
        );
    }
    if let Some(ns) = median("load/w2/100000") {
        let _ = writeln!(
            md,
            "| load the 100k-tenant W2 artifact < 50 ms | {} | {} |",
            human(ns),
            yes(ns < 5e7)
        );
    }
    for r in &memory {
        let per = r.artifact / r.statements;
        if r.workload == "w3" || r.tenants == Some(100_000.0) {
            let _ = writeln!(
                md,
                "| artifact ≤ 200 bytes per statement, `{}` | {per:.0} B | {} |",
                r.workload,
                yes(per <= 200.0)
            );
        }
    }
    let checks: f64 = memory.iter().map(|r| r.warm_checks).sum();
    let allocations: f64 = memory.iter().map(|r| r.warm_allocations).sum();
    if checks > 0.0 {
        let _ = writeln!(
            md,
            "| zero heap allocations on the check path (warm scratch, all memory-bench workloads) | {allocations:.0} in {checks:.0} checks | {} |",
            yes(allocations == 0.0)
        );
    }
    let notes = root.join("benches/BENCHMARKS-notes.md");
    if let Ok(text) = std::fs::read_to_string(&notes) {
        let _ = writeln!(md, "\n{}", text.trim_end());
    }
    std::fs::write(root.join("BENCHMARKS.md"), md).unwrap();
    println!("wrote BENCHMARKS.md ({} measures)", all.len());
}
