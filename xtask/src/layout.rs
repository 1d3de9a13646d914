//! `cargo xtask layout`: records `crates/cli/link/symbol-order.txt`, the list
//! of functions a cold `tern` process runs, which the release link uses to put
//! that code together (see crates/cli/build.rs and docs/performance.md).
//!
//! It builds the release binaries with their symbols kept (same profile, so the
//! same symbol names as the shipped build), runs `tern -c` under callgrind for
//! `SELECT 1`, the seven benchmark queries and a read of each example file
//! format, and writes every function of the binary that ran, in the order it
//! was first seen. Run it again when the list has gone stale: functions renamed
//! since are not moved, which shows as more page faults on a first query.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Command;

const LIST: &str = "crates/cli/link/symbol-order.txt";

/// The queries whose code is laid out together.
fn workload() -> Vec<String> {
    let mut queries = vec!["SELECT 1".to_string()];
    queries.extend(tern_benches::QUERIES.iter().map(|(_, sql)| sql.to_string()));
    queries.extend(
        [
            "SELECT city, population FROM 'docs/examples/cities.csv' WHERE population > 1000000",
            "SELECT action, COUNT(*) FROM 'docs/examples/events.jsonl' GROUP BY action",
            "SELECT planetId, COUNT(*) FROM 'docs/examples/parquet/*.parquet' GROUP BY planetId",
        ]
        .map(String::from),
    );
    queries
}

/// The binary's text symbols and their sizes.
fn text_symbols(bin: &Path) -> Result<BTreeMap<String, u64>, String> {
    let out = Command::new("nm")
        .args(["-S", "--defined-only"])
        .arg(bin)
        .output()
        .map_err(|e| format!("cannot run nm: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter_map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            match p.as_slice() {
                [_, size, kind, name] if "tTwW".contains(*kind) => {
                    Some((name.to_string(), u64::from_str_radix(size, 16).ok()?))
                }
                _ => None,
            }
        })
        .collect())
}

/// Functions with cost in a callgrind profile of `bin -c sql`, mangled.
fn executed(bin: &Path, sql: &str, out_file: &Path) -> Result<Vec<String>, String> {
    let status = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--demangle=no",
            "--compress-strings=no",
            "--dump-instr=no",
        ])
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(bin)
        .args(["-c", sql])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    if !status.success() {
        return Err(format!("profiling `{sql}` failed"));
    }
    let text = std::fs::read_to_string(out_file).map_err(|e| e.to_string())?;
    Ok(text
        .lines()
        .filter_map(|l| l.strip_prefix("fn="))
        .map(|f| f.trim().to_string())
        .collect())
}

pub fn command(root: &Path) -> Result<(), String> {
    let target = root.join("target/layout");
    eprintln!("building the dist binaries with symbols into target/layout...");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .env("TERN_KEEP_SYMBOLS", "1")
        .args(["build", "--profile", "dist", "--quiet", "-p", "tern-cli"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the dist build failed".into());
    }
    let bin = target.join("dist/tern");
    let symbols = text_symbols(&bin)?;
    if symbols.is_empty() {
        return Err(format!("{} has no symbols", bin.display()));
    }
    let profile = target.join("layout.callgrind");
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    for sql in workload() {
        for f in executed(&bin, &sql, &profile)? {
            if symbols.contains_key(&f) && seen.insert(f.clone()) {
                order.push(f);
            }
        }
    }
    let bytes: u64 = order.iter().map(|f| symbols[f]).sum();
    let text_bytes: u64 = symbols.values().sum();
    let mut text = order.join("\n");
    text.push('\n');
    std::fs::write(root.join(LIST), text).map_err(|e| e.to_string())?;
    println!(
        "{LIST}: {} functions, {:.2} MB of {:.2} MB of code; rebuild the dist binaries to use it",
        order.len(),
        bytes as f64 / 1e6,
        text_bytes as f64 / 1e6
    );
    Ok(())
}
