//! All 22 TPC-H queries at scale factor 0.01, checked against the answers in
//! `tests/tpch/sf0.01` (DuckDB's, over the same generated data; see
//! `tests/tpch/answers.py`). The data is generated into a temporary folder
//! by the same code as `cargo xtask tpch`, and read as Parquet files
//! registered under the TPC-H table names, as a user would.

use std::path::{Path, PathBuf};

use tern::io::{write_to, OutputFormat};
use tern_benches::tpch;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches sits in the workspace")
        .to_path_buf()
}

/// A scratch folder removed when the test ends, pass or fail.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn tpch_22_queries_at_sf_0_01_give_the_stored_answers() {
    let dir = Scratch(std::env::temp_dir().join(format!("tern-tpch-{}", std::process::id())));
    tpch::generate(&dir.0, 0.01).expect("generate TPC-H data");
    let engine = tern::Engine::new();
    for t in tpch::TABLES {
        engine
            .register_file(t, tpch::table_path(&dir.0, t).to_str().unwrap())
            .unwrap();
    }
    check_all(&engine);
}

/// The same queries with every scan split across three threads: the tables
/// copied into memory (in the reader's batches, which are the parts) and
/// the size threshold for splitting taken away.
#[test]
fn tpch_22_queries_give_the_same_answers_on_three_threads() {
    let dir = Scratch(std::env::temp_dir().join(format!("tern-tpch-par-{}", std::process::id())));
    tpch::generate(&dir.0, 0.01).expect("generate TPC-H data");
    let engine = tern::Engine::new();
    for t in tpch::TABLES {
        let path = tpch::table_path(&dir.0, t);
        engine
            .query(&format!(
                "CREATE TABLE {t} AS SELECT * FROM '{}'",
                path.display()
            ))
            .unwrap();
    }
    engine
        .query("SET threads = 3; SET parallel_min_rows = 0")
        .unwrap();
    let r = engine
        .query("SELECT COUNT(*) FROM lineitem WHERE l_quantity > 1")
        .unwrap();
    assert_eq!(r.stats().threads, 3, "lineitem is split");
    check_all(&engine);
}

/// Runs the 22 queries on `engine`, failing with every wrong answer.
fn check_all(engine: &tern::Engine) {
    let root = repo();
    let mut failures = Vec::new();
    for q in 1..=22 {
        let sql =
            std::fs::read_to_string(root.join(format!("tests/tpch/queries/q{q:02}.sql"))).unwrap();
        let expected =
            std::fs::read_to_string(root.join(format!("tests/tpch/sf0.01/q{q:02}.csv"))).unwrap();
        let verdict = engine.query(&sql).map_err(|e| e.to_string()).and_then(|r| {
            let mut out = Vec::new();
            write_to(&mut out, OutputFormat::Csv, r.schema(), r.batches())
                .map_err(|e| e.to_string())?;
            tpch::compare_csv(&expected, &String::from_utf8(out).unwrap())
        });
        if let Err(e) = verdict {
            failures.push(format!("q{q:02}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_wrong_answer_is_caught() {
    // The checker itself: a changed digit in a decimal, a float out of
    // tolerance, a missing row.
    let answer = std::fs::read_to_string(repo().join("tests/tpch/sf0.01/q01.csv")).unwrap();
    let changed = answer.replacen("380456.00", "380456.01", 1);
    assert_ne!(answer, changed);
    assert!(tpch::compare_csv(&answer, &changed).is_err());
    let fewer: String = answer.lines().take(3).map(|l| format!("{l}\n")).collect();
    assert!(tpch::compare_csv(&answer, &fewer).is_err());
    assert!(tpch::compare_csv(&answer, &answer).is_ok());
}
