//! Project tasks, run as `cargo xtask <task>`:
//!
//! - `test`: every test: the workspace's unit, integration and doc tests, the
//!   Python package's tests, the conformance ratchet and the instruction
//!   guard. This is what CI runs (`.ci/run`).
//! - `python`: build the wheel, install it into a fresh virtualenv and run
//!   its pytest suite (see `python.rs`).
//! - `slt [--bless] [--verbose] [PATH...]`: run sqllogictest conformance files
//!   (all of tests/conformance by default), print one line per file and a total,
//!   and fail if any file passes fewer records than its committed baseline.
//!   `--bless` writes the new counts as the baseline.
//! - `bench [-o FILE.json] [--runs N] [--rev REV]`: cold start, init, first and
//!   warm queries, RSS and size of the dist build (see docs/performance.md).
//! - `compare A.json B.json`: two benchmark files side by side.
//! - `diagnose`: cold/warm checks against their targets.
//! - `instructions [--bless]`: the instruction-count regression guard.
//! - `layout`: records the hot-code order the optimised links use.
//! - `tpch [--sf SF] [--query N]... [--duckdb PATH]`: the 22 TPC-H queries,
//!   timed and checked against their answers (see `tpch.rs`).

mod bench;
mod compare;
mod diagnose;
mod instructions;
mod layout;
mod provision;
mod python;
mod slt;
mod tpch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const BASELINE: &str = "tests/conformance/baseline.txt";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {e}", root.display());
        return ExitCode::from(2);
    }
    match args.first().map(String::as_str) {
        Some("slt") => slt_command(&args[1..]),
        Some("test") => test_command(&args[1..]),
        Some("python") => {
            exit(provision::tools(&root).and_then(|env| python::command(&root, &env)))
        }
        Some("bench") => exit(bench::command(&root, &args[1..]).map(|_| true)),
        // Internal: the throughput suite's data, written in a process of its
        // own (see bench/throughput.rs).
        Some("bench-data") => exit(bench::throughput::generate(&root).map(|_| true)),
        Some("compare") => exit(compare::command(&args[1..]).map(|slower| !slower)),
        Some("diagnose") => exit(diagnose::command(&root)),
        Some("tpch") => exit(tpch::command(&root, &args[1..])),
        Some("layout") => exit(layout::command(&root).map(|_| true)),
        Some("instructions") => exit(instructions::command(
            &root,
            args.iter().any(|a| a == "--bless"),
        )),
        _ => {
            eprintln!(
                "usage: cargo xtask <test | python | slt [--bless] [--verbose] [PATH...] | bench [-o FILE] [--runs N] [--rev REV] | compare A.json B.json | diagnose | instructions [--bless] | layout | tpch [--sf SF] [--query N]...>"
            );
            ExitCode::from(2)
        }
    }
}

/// Exit status for a task: 0 when it succeeded, 1 when its check failed, 2 on error.
fn exit(result: Result<bool, String>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::from(2)
        }
    }
}

fn read_baseline() -> BTreeMap<String, usize> {
    std::fs::read_to_string(BASELINE)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (n, path) = l.trim().split_once(char::is_whitespace)?;
            Some((path.trim().to_string(), n.parse().ok()?))
        })
        .collect()
}

fn slt_command(args: &[String]) -> ExitCode {
    let bless = args.iter().any(|a| a == "--bless");
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let paths: Vec<PathBuf> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .collect();
    let files: Vec<PathBuf> = if paths.is_empty() {
        slt::find_files(Path::new("tests/conformance"))
    } else {
        paths
            .iter()
            .flat_map(|p| {
                if p.is_dir() {
                    slt::find_files(p)
                } else {
                    vec![p.clone()]
                }
            })
            .collect()
    };
    if files.is_empty() {
        eprintln!("slt: no .slt or .test files found");
        return ExitCode::from(2);
    }
    let baseline = read_baseline();
    let mut total = slt::Counts::default();
    let mut current = BTreeMap::new();
    let mut regressions = Vec::new();
    for f in &files {
        let name = f.to_string_lossy().replace('\\', "/");
        match slt::run_file(f) {
            Ok((c, failures)) => {
                println!(
                    "{name}: {} passed, {} failed, {} skipped",
                    c.passed, c.failed, c.skipped
                );
                if verbose {
                    for fail in failures.iter().take(200) {
                        println!(
                            "  line {}: {}\n    {}",
                            fail.line,
                            fail.sql.replace('\n', " "),
                            fail.reason
                        );
                    }
                }
                total.passed += c.passed;
                total.failed += c.failed;
                total.skipped += c.skipped;
                if let Some(&base) = baseline.get(&name) {
                    if c.passed < base {
                        regressions.push(format!("{name}: {} passed, baseline {base}", c.passed));
                    }
                }
                current.insert(name, c.passed);
            }
            Err(e) => {
                println!("{name}: cannot run: {e}");
                regressions.push(format!("{name}: cannot run"));
            }
        }
    }
    let totals = format!("{} passed, {} failed", total.passed, total.failed);
    if bless {
        let mut merged = baseline;
        merged.extend(current);
        let mut text = String::from(
            "# Conformance ratchet: records passed per file. Counts may rise (run\n# `cargo xtask slt --bless` and commit) but never fall.\n",
        );
        for (path, n) in &merged {
            text.push_str(&format!("{n} {path}\n"));
        }
        if let Err(e) = std::fs::write(BASELINE, text) {
            eprintln!("slt: cannot write {BASELINE}: {e}");
            return ExitCode::from(2);
        }
        println!("baseline written to {BASELINE}");
        println!("{totals}");
        return ExitCode::SUCCESS;
    }
    let ok = regressions.is_empty();
    if ok {
        println!("ratchet: no file below its baseline ({BASELINE})");
    } else {
        println!(
            "ratchet: {} file(s) fell below the baseline:",
            regressions.len()
        );
        for r in &regressions {
            println!("  {r}");
        }
    }
    println!("{totals}");
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn test_command(args: &[String]) -> ExitCode {
    let root = workspace_root();
    let env = match provision::tools(&root) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::from(2);
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut steps: Vec<(&str, bool)> = Vec::new();
    let status = Command::new(&cargo)
        .envs(env.iter().cloned())
        // The Python module has no Rust tests (it cannot link a test
        // binary without libpython): pytest tests it in the next step.
        .args([
            "test",
            "--workspace",
            "--all-features",
            "--exclude",
            "tern-python",
        ])
        .args(args)
        .status();
    steps.push(("cargo test", status.map(|s| s.success()).unwrap_or(false)));
    let python = python::command(&root, &env);
    if let Err(e) = &python {
        eprintln!("xtask: {e}");
    }
    steps.push(("python package", python.unwrap_or(false)));
    let slt_ok = slt_command(&[]) == ExitCode::SUCCESS;
    steps.push(("conformance ratchet", slt_ok));
    let instr = instructions::command(&root, false);
    if let Err(e) = &instr {
        eprintln!("xtask: {e}");
    }
    steps.push(("instruction-count guard", instr.unwrap_or(false)));
    let failed: Vec<&str> = steps
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| *n)
        .collect();
    for (name, ok) in &steps {
        println!("step {name}: {}", if *ok { "ok" } else { "FAILED" });
    }
    println!(
        "{} passed, {} failed",
        steps.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
