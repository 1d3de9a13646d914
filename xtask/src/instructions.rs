//! `cargo xtask instructions [--bless]`: a deterministic regression guard.
//!
//! Timings are too noisy for CI, instruction counts are not: valgrind's
//! callgrind counts the instructions of
//! - the cold-start process `tern -c "SELECT COUNT(*) FROM $planets"`, and
//! - the first query: `tern-probe first` minus `tern-probe none` (the same
//!   process start without engine or query),
//!
//! and the check fails when a count grows more than 10% over the committed
//! baseline (benches/instructions.txt). `--bless` records the current counts.

use std::path::Path;
use std::process::Command;

use crate::bench::build;

const BASELINE: &str = "benches/instructions.txt";
const TOLERANCE: f64 = 0.10;
const SQL: &str = "SELECT COUNT(*) FROM $planets";

/// Instructions executed by one run of `bin args` under callgrind.
fn count(bin: &Path, args: &[&str]) -> Result<u64, String> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(bin)
        .args(args)
        .output()
        .map_err(|e| {
            format!("cannot run valgrind: {e} (install it, e.g. apt-get install valgrind)")
        })?;
    if !out.status.success() {
        return Err(format!(
            "valgrind {}: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines()
        .find_map(|l| l.split("Collected :").nth(1))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("no instruction count in valgrind's output:\n{err}"))
}

pub fn measure(root: &Path) -> Result<Vec<(&'static str, u64)>, String> {
    let b = build::build(root, &root.join("target"), "this checkout")?;
    let probe = b.probe.as_ref().ok_or("this tree has no tern-probe")?;
    let cold = count(&b.tern, &["-c", SQL])?;
    let first = count(probe, &["first", SQL])?.saturating_sub(count(probe, &["none"])?);
    Ok(vec![("cold_start_process", cold), ("first_query", first)])
}

fn read_baseline(root: &Path) -> Vec<(String, u64)> {
    std::fs::read_to_string(root.join(BASELINE))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (n, c) = l.split_once(char::is_whitespace)?;
            Some((n.to_string(), c.trim().parse().ok()?))
        })
        .collect()
}

/// Checks the counts against the baseline (or records them); true when within it.
pub fn command(root: &Path, bless: bool) -> Result<bool, String> {
    let counts = measure(root)?;
    if bless {
        let mut text = String::from("# Instruction counts (valgrind callgrind) guarded by `cargo xtask instructions`:\n# CI fails when one grows more than 10%. Re-record with `cargo xtask instructions --bless`.\n");
        for (name, n) in &counts {
            text.push_str(&format!("{name} {n}\n"));
        }
        std::fs::write(root.join(BASELINE), text).map_err(|e| e.to_string())?;
        for (name, n) in &counts {
            println!("{name}: {n} instructions (recorded)");
        }
        return Ok(true);
    }
    let baseline = read_baseline(root);
    let mut ok = true;
    for (name, n) in &counts {
        match baseline.iter().find(|(b, _)| b == name) {
            Some((_, base)) => {
                let change = *n as f64 / *base as f64 - 1.0;
                let verdict = if change > TOLERANCE {
                    ok = false;
                    "REGRESSION (over +10%)"
                } else if change < -TOLERANCE {
                    "improved: record it with --bless"
                } else {
                    "ok"
                };
                println!(
                    "{name}: {n} instructions, baseline {base} ({:+.1}%) {verdict}",
                    change * 100.0
                );
            }
            None => {
                ok = false;
                println!("{name}: {n} instructions, no baseline in {BASELINE} (run --bless)");
            }
        }
    }
    Ok(ok)
}
