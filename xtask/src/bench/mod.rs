//! `cargo xtask bench [-o FILE.json] [--runs N] [--rev GIT_REV] [--throughput]`:
//! cold start, init, first query, warm queries, peak RSS and binary size of
//! the dist build, written as JSON (schema in docs/performance.md). With
//! `--rev`, the other revision is built in a worktree and measured in the same
//! run, runs interleaved, and the two are compared. `--throughput` adds the
//! throughput suite (`throughput.rs`): 10M-row queries and TPC-H SF1.

pub mod build;
pub mod measure;
pub mod stats;
pub mod throughput;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use build::Build;
use stats::{fmt_ms, Summary};

/// The seven warm queries, by their established names (shared with the criterion benches).
pub use tern_benches::QUERIES;

/// The queries timed as whole processes.
pub const COLD_QUERIES: [(&str, &str); 2] = [
    ("select_1", "SELECT 1"),
    ("count_planets", "SELECT COUNT(*) FROM $planets"),
];

/// Everything measured for one build.
#[derive(Default)]
pub struct Figures {
    pub cold: BTreeMap<&'static str, Vec<f64>>,
    pub rss_kib: Vec<u64>,
    pub init_process: Vec<f64>,
    pub init_in_process: Vec<f64>,
    pub first_query: Vec<f64>,
    pub warm: BTreeMap<&'static str, Vec<f64>>,
    pub binary_bytes: u64,
    pub throughput: throughput::Throughput,
}

/// One round of every process figure (a run index of the interleaved loop).
fn measure_round(b: &Build, f: &mut Figures) -> Result<(), String> {
    for (name, sql) in COLD_QUERIES {
        let (ms, rss) = measure::process(&b.tern, &["-c", sql])?;
        f.cold.entry(name).or_default().push(ms);
        f.rss_kib.push(rss);
    }
    if let Some(probe) = &b.probe {
        let (ms, _) = measure::process(probe, &["init"])?;
        f.init_process.push(ms);
        f.init_in_process.extend(measure::probe(probe, &["init"])?);
        f.first_query
            .extend(measure::probe(probe, &["first", QUERIES[0].1])?);
    }
    Ok(())
}

fn measure_warm(b: &Build, runs: usize, f: &mut Figures) -> Result<(), String> {
    if let Some(probe) = &b.probe {
        for (name, sql) in QUERIES {
            let times = measure::probe(probe, &["warm", &runs.to_string(), sql])?;
            // The first run is the cold one; the rest are warm.
            f.warm.insert(name, times[1..].to_vec());
        }
    }
    Ok(())
}

/// Measures the builds with their process runs interleaved (A B A B ...), so
/// that drift on the machine hits each equally; the throughput suite too
/// (a tenth of the runs, at least 3) when its data is given.
pub fn measure_all(
    builds: &[Build],
    runs: usize,
    suite: Option<&throughput::Data>,
) -> Result<Vec<Figures>, String> {
    let mut figures: Vec<Figures> = builds.iter().map(|_| Figures::default()).collect();
    for (b, f) in builds.iter().zip(figures.iter_mut()) {
        f.binary_bytes = std::fs::metadata(&b.tern).map(|m| m.len()).unwrap_or(0);
        // One unmeasured run each, to fault the binaries into the page cache.
        measure_round(b, &mut Figures::default())?;
    }
    for _ in 0..runs {
        for (b, f) in builds.iter().zip(figures.iter_mut()) {
            measure_round(b, f)?;
        }
    }
    for (b, f) in builds.iter().zip(figures.iter_mut()) {
        measure_warm(b, runs.max(10), f)?;
    }
    if let Some(data) = suite {
        for _ in 0..(runs / 10).max(3) {
            for (b, f) in builds.iter().zip(figures.iter_mut()) {
                throughput::measure_round(&b.tern, data, &mut f.throughput)?;
            }
        }
    }
    Ok(figures)
}

fn summary(v: &[f64]) -> Value {
    Summary::of(v).map(Summary::to_json).unwrap_or(Value::Null)
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu_model": cpu,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "kernel": kernel,
    })
}

/// The benchmark JSON for one build's figures.
pub fn to_json(root: &Path, f: &Figures, runs: usize) -> Value {
    let git = |args: &[&str]| build::git(root, args).unwrap_or_default();
    let mut benchmarks = Map::new();
    let cold_count = Summary::of(
        f.cold
            .get("count_planets")
            .map(Vec::as_slice)
            .unwrap_or(&[]),
    );
    benchmarks.insert(
        "cold_start_ms".into(),
        cold_count
            .map(|s| json!(stats::round(s.median)))
            .unwrap_or(Value::Null),
    );
    let cold: Map<String, Value> = f
        .cold
        .iter()
        .map(|(k, v)| (k.to_string(), summary(v)))
        .collect();
    benchmarks.insert("cold_start".into(), Value::Object(cold));
    benchmarks.insert(
        "init".into(),
        json!({"process": summary(&f.init_process), "in_process": summary(&f.init_in_process)}),
    );
    benchmarks.insert("first_query".into(), summary(&f.first_query));
    for (name, v) in &f.warm {
        benchmarks.insert(name.to_string(), summary(v));
    }
    let peak = f.rss_kib.iter().max().copied().unwrap_or(0);
    benchmarks.insert(
        "peak_rss_mb".into(),
        json!(stats::round(peak as f64 / 1024.0)),
    );
    benchmarks.insert(
        "binary_size_mb".into(),
        json!(stats::round(f.binary_bytes as f64 / (1024.0 * 1024.0))),
    );
    let suite = throughput::to_json(&f.throughput);
    if suite.as_object().is_some_and(|o| !o.is_empty()) {
        benchmarks.insert("throughput".into(), suite);
    }
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "git": {
            "commit": git(&["rev-parse", "HEAD"]),
            "branch": git(&["rev-parse", "--abbrev-ref", "HEAD"]),
            "message": git(&["log", "-1", "--format=%s"]),
        },
        "timestamp": now_utc(),
        "runs": runs,
        "machine": machine(),
        "benchmarks": benchmarks,
    })
}

/// The current time as ISO 8601 UTC, without a date crate.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        tod / 3600,
        (tod % 3600) / 60,
        tod % 60
    )
}

/// Prints a human summary of one build's figures.
pub fn print(label: &str, f: &Figures) {
    println!("== {label}");
    for (name, v) in &f.cold {
        if let Some(s) = Summary::of(v) {
            println!(
                "  cold start {name:<14} median {:>10}  (min {}, max {})",
                fmt_ms(s.median),
                fmt_ms(s.min),
                fmt_ms(s.max)
            );
        }
    }
    if let Some(s) = Summary::of(&f.init_in_process) {
        println!("  init (in process)        median {:>10}", fmt_ms(s.median));
    }
    if let Some(s) = Summary::of(&f.init_process) {
        println!("  init (process)           median {:>10}", fmt_ms(s.median));
    }
    if let Some(s) = Summary::of(&f.first_query) {
        println!("  first query              median {:>10}", fmt_ms(s.median));
    }
    for (name, v) in &f.warm {
        if let Some(s) = Summary::of(v) {
            println!("  warm {name:<19} median {:>10}", fmt_ms(s.median));
        }
    }
    println!(
        "  peak RSS {:.1} MB, binary {:.1} MB",
        f.rss_kib.iter().max().copied().unwrap_or(0) as f64 / 1024.0,
        f.binary_bytes as f64 / (1024.0 * 1024.0)
    );
    throughput::print(&f.throughput);
}

pub fn command(root: &Path, args: &[String]) -> Result<(), String> {
    let mut out: Option<PathBuf> = None;
    let mut runs = 30;
    let mut rev: Option<String> = None;
    let mut suite = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-o" | "--output" => out = Some(PathBuf::from(it.next().ok_or("-o needs a file")?)),
            "--runs" => {
                runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--runs needs a positive number")?
            }
            "--rev" => rev = Some(it.next().ok_or("--rev needs a git revision")?.clone()),
            "--throughput" => suite = true,
            other => return Err(format!("unknown bench option '{other}'")),
        }
    }
    let mut builds = vec![build::build(root, &root.join("target"), "this checkout")?];
    if let Some(rev) = &rev {
        let tree = build::worktree(root, rev)?;
        builds.push(build::build(
            &tree,
            &root.join("target/bench-rev/target"),
            rev,
        )?);
    }
    eprintln!(
        "measuring ({runs} runs{})...",
        if builds.len() > 1 {
            ", interleaved"
        } else {
            ""
        }
    );
    let data = match suite {
        true => Some(throughput::prepare(root)?),
        false => None,
    };
    let figures = measure_all(&builds, runs, data.as_ref())?;
    for (b, f) in builds.iter().zip(&figures) {
        print(&b.label, f);
    }
    let here = to_json(root, &figures[0], runs);
    if let Some(path) = &out {
        std::fs::write(
            path,
            serde_json::to_string_pretty(&here).map_err(|e| e.to_string())? + "\n",
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let (Some(rev), Some(theirs)) = (&rev, figures.get(1)) {
        let tree = root.join("target/bench-rev/tree");
        let other = to_json(&tree, theirs, runs);
        println!();
        crate::compare::print_comparison(rev, &other, "this checkout", &here);
    }
    Ok(())
}
