//! The throughput suite of `cargo xtask bench --throughput`: whole-process
//! time and peak RSS of the 10M-row queries of `../shared/peers/compare.sh`
//! (over `target/bench-data/medium.parquet`, written by
//! `tern_benches::medium` with the same schema) and of the 22 TPC-H queries at
//! scale factor 1 (the data of `cargo xtask tpch`), each in a fresh process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::measure;
use super::stats::{self, fmt_ms, Summary};
use tern_benches::{medium, tpch};

/// The 10M-row queries, `{medium}` standing for the file.
pub const MEDIUM_QUERIES: [(&str, &str); 2] = [
    (
        "group_by_10m",
        "SELECT k, COUNT(*) AS n, SUM(v) AS s, AVG(v) AS a FROM '{medium}' GROUP BY k ORDER BY k",
    ),
    (
        "string_filter_10m",
        "SELECT COUNT(*) AS n FROM '{medium}' WHERE s = 'abcdefgh'",
    ),
];

/// Where the suite's data is, generated if missing.
pub struct Data {
    medium: PathBuf,
    tpch: PathBuf,
    queries: PathBuf,
}

fn data(root: &Path) -> Data {
    let target = root.join("target");
    Data {
        medium: medium::path(&target),
        tpch: tpch::data_dir(&target, 1.0),
        queries: root.join("tests/tpch/queries"),
    }
}

/// Writes the suite's data under `root/target` unless it is there, in a
/// child process (`cargo xtask bench-data`): a process started later by
/// this one inherits this one's resident size into its peak RSS figure
/// (Linux records the old address space's high-water mark at exec), so
/// this process must stay small.
pub fn prepare(root: &Path) -> Result<Data, String> {
    eprintln!("throughput: preparing data (10M rows, TPC-H SF1; once)...");
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let status = std::process::Command::new(me)
        .arg("bench-data")
        .status()
        .map_err(|e| format!("cannot run xtask bench-data: {e}"))?;
    if !status.success() {
        return Err("writing the throughput suite's data failed".into());
    }
    Ok(data(root))
}

/// `cargo xtask bench-data`: writes the data.
pub fn generate(root: &Path) -> Result<(), String> {
    let d = data(root);
    medium::generate(&d.medium, medium::ROWS)?;
    tpch::generate(&d.tpch, 1.0)
}

/// Times (ms) and peak RSS (KiB) of each query of the suite.
#[derive(Default)]
pub struct Throughput {
    times: BTreeMap<String, Vec<f64>>,
    rss_kib: BTreeMap<String, u64>,
}

impl Throughput {
    fn add(&mut self, name: String, ms: f64, rss: u64) {
        let peak = self.rss_kib.entry(name.clone()).or_default();
        *peak = (*peak).max(rss);
        self.times.entry(name).or_default().push(ms);
    }
}

/// One run of every query of the suite with `tern`.
pub fn measure_round(tern: &Path, data: &Data, t: &mut Throughput) -> Result<(), String> {
    for (name, sql) in MEDIUM_QUERIES {
        let sql = sql.replace("{medium}", &data.medium.display().to_string());
        let (ms, rss) = measure::process(tern, &["-c", &sql])?;
        t.add(name.to_string(), ms, rss);
    }
    let tables: Vec<String> = tpch::TABLES
        .iter()
        .map(|name| format!("{name}={}", tpch::table_path(&data.tpch, name).display()))
        .collect();
    for q in 1..=22 {
        let path = data.queries.join(format!("q{q:02}.sql"));
        let sql = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut args: Vec<&str> = Vec::new();
        for t in &tables {
            args.extend(["--table", t]);
        }
        args.extend(["-c", &sql]);
        let (ms, rss) = measure::process(tern, &args)?;
        t.add(format!("tpch_q{q:02}"), ms, rss);
    }
    Ok(())
}

fn mb(kib: u64) -> f64 {
    stats::round(kib as f64 / 1024.0)
}

/// The suite's JSON: each 10M-row query's summary and peak RSS, and under
/// `tpch_sf1` each query's, their total (sum of medians) and the largest RSS.
pub fn to_json(t: &Throughput) -> Value {
    let mut out = Map::new();
    let mut tpch = Map::new();
    let mut total = 0.0;
    let mut tpch_peak = 0;
    for (name, times) in &t.times {
        let Some(s) = Summary::of(times) else {
            continue;
        };
        let rss = t.rss_kib.get(name).copied().unwrap_or(0);
        let mut v = s.to_json();
        v["peak_rss_mb"] = json!(mb(rss));
        match name.strip_prefix("tpch_") {
            Some(q) => {
                total += s.median;
                tpch_peak = tpch_peak.max(rss);
                tpch.insert(q.to_string(), v);
            }
            None => {
                out.insert(name.clone(), v);
            }
        }
    }
    if !tpch.is_empty() {
        tpch.insert("total_ms".into(), json!(stats::round(total)));
        tpch.insert("peak_rss_mb".into(), json!(mb(tpch_peak)));
        out.insert("tpch_sf1".into(), Value::Object(tpch));
    }
    Value::Object(out)
}

/// Prints the suite's medians.
pub fn print(t: &Throughput) {
    let mut total = 0.0;
    for (name, times) in &t.times {
        if let Some(s) = Summary::of(times) {
            let rss = t.rss_kib.get(name).copied().unwrap_or(0);
            println!(
                "  throughput {name:<18} median {:>10}  peak RSS {:.1} MB",
                fmt_ms(s.median),
                rss as f64 / 1024.0
            );
            if name.starts_with("tpch_") {
                total += s.median;
            }
        }
    }
    if total > 0.0 {
        println!("  throughput tpch_sf1 total     {:>10}", fmt_ms(total));
    }
}

/// (figure, value, unit) for `cargo xtask compare`: each query's median and
/// peak RSS, and the TPC-H total.
pub fn figures(throughput: &Value) -> Vec<(String, f64, &'static str)> {
    let mut out = Vec::new();
    let Some(all) = throughput.as_object() else {
        return out;
    };
    let mut add = |name: String, v: &Value| {
        if let Some(m) = v.get("median_ms").and_then(Value::as_f64) {
            out.push((name.clone(), m, "ms"));
        }
        if let Some(r) = v.get("peak_rss_mb").and_then(Value::as_f64) {
            out.push((format!("{name} RSS"), r, "MB"));
        }
    };
    for (name, v) in all {
        if name == "tpch_sf1" {
            continue;
        }
        add(name.clone(), v);
    }
    if let Some(t) = all.get("tpch_sf1").and_then(Value::as_object) {
        for (q, v) in t {
            if v.is_object() {
                add(format!("tpch {q}"), v);
            }
        }
        if let Some(total) = t.get("total_ms").and_then(Value::as_f64) {
            out.push(("tpch total".into(), total, "ms"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_figures_agree() {
        let mut t = Throughput::default();
        t.add("group_by_10m".into(), 10.0, 2048);
        t.add("group_by_10m".into(), 30.0, 1024);
        t.add("tpch_q01".into(), 100.0, 4096);
        t.add("tpch_q02".into(), 50.0, 1024);
        let v = to_json(&t);
        assert_eq!(v["group_by_10m"]["median_ms"], json!(20.0));
        assert_eq!(v["group_by_10m"]["peak_rss_mb"], json!(2.0));
        assert_eq!(v["tpch_sf1"]["total_ms"], json!(150.0));
        assert_eq!(v["tpch_sf1"]["peak_rss_mb"], json!(4.0));
        let names: Vec<String> = figures(&v).into_iter().map(|f| f.0).collect();
        assert_eq!(
            names,
            [
                "group_by_10m",
                "group_by_10m RSS",
                "tpch q01",
                "tpch q01 RSS",
                "tpch q02",
                "tpch q02 RSS",
                "tpch total"
            ]
        );
    }
}
