//! Writes `BENCHMARKS.md` and `benches/scaling.svg` from criterion's output
//! (`target/criterion/**/new/{benchmark,estimates}.json`), so the report
//! always says what the last `cargo bench` measured on this machine.
//!
//! ```sh
//! cargo bench -p sesame-benches          # check, peers, scaling
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
        out.push(Measure {
            group,
            function,
            median_ns,
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
            r#"<text x="{}" y="{}" text-anchor="middle">{t}</text>"#,
            sx(*t),
            h - pad + 18.0
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

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let criterion = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("criterion");
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
        "Written by `cargo run -p sesame-benches --example report` from the criterion results of the last\n`cargo bench -p sesame-benches`; every figure below is a criterion median from that run, on this machine:\n"
    );
    let _ = writeln!(md, "- machine: {}", machine());
    let _ = writeln!(
        md,
        "- command: `cargo bench -p sesame-benches && cargo run -p sesame-benches --example report`"
    );
    let _ = writeln!(
        md,
        "- ratios are taken within one group (same run, same requests): `spec ÷ engine` is how many times faster than the\n  reference evaluator an engine is; `engine ÷ floor` is how far above the least work any engine must do\n  (hash the action and the resource ARN into prebuilt maps and read one entry).\n"
    );
    let mut sesame_vs: Vec<(String, f64, Option<f64>, Option<f64>)> = Vec::new();
    for (group, list) in &groups {
        if group.starts_with("scaling/") {
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
        let compiled = get("sesame").or_else(|| get("compiled"));
        if let Some(c) = compiled {
            sesame_vs.push((
                (*group).to_owned(),
                c,
                spec.map(|s| s / c),
                get("cedar").map(|x| x / c),
            ));
        }
    }
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
        let _ = writeln!(md, "| engine | tenants | median per check |");
        let _ = writeln!(md, "| --- | ---: | ---: |");
        for (engine, pts) in &series {
            for (t, ns) in pts {
                let _ = writeln!(md, "| {engine} | {t} | {} |", human(*ns));
            }
        }
        let _ = writeln!(md);
        std::fs::write(root.join("benches/scaling.svg"), scaling_svg(&series)).unwrap();
    }
    // Targets.
    let _ = writeln!(md, "## Targets (DESIGN.md) against this run\n");
    let _ = writeln!(
        md,
        "| workload | sesame median | ≤ 100 ns | ≥ 100x spec | ≥ 50x cedar |"
    );
    let _ = writeln!(md, "| --- | ---: | :---: | :---: | :---: |");
    let yes = |b: bool| if b { "met" } else { "**not met**" };
    for (group, c, vs_spec, vs_cedar) in &sesame_vs {
        let _ = writeln!(
            md,
            "| `{group}` | {} | {} | {} | {} |",
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
        );
    }
    if let Some(pts) = series.get("sesame") {
        if let (Some(first), Some(last)) = (pts.first(), pts.last()) {
            let growth = last.1 / first.1;
            let _ = writeln!(
                md,
                "\nW2 scaling: {} tenants {} vs {} tenants {}: {growth:.2}x ({} the 1.5x bound; the bound is stated for 1,000 vs 1,000,000).",
                first.0,
                human(first.1),
                last.0,
                human(last.1),
                if growth <= 1.5 { "within" } else { "outside" }
            );
        }
    }
    let notes = root.join("benches/BENCHMARKS-notes.md");
    if let Ok(text) = std::fs::read_to_string(&notes) {
        let _ = writeln!(md, "\n{}", text.trim_end());
    }
    std::fs::write(root.join("BENCHMARKS.md"), md).unwrap();
    println!("wrote BENCHMARKS.md ({} measures)", all.len());
}
