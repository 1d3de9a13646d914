//! Parallel execution: every query gives the same answer, in the same order
//! where SQL fixes one (or where a serial scan gives one), on one thread and
//! on several; the stats show that the parallel runs did use several.

use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray};
use engine_core::Engine;

mod common;
use common::{result_rows, rows};

/// Rows of the big table: past the size below which nothing runs in
/// parallel (2^18 by the table's row count).
const N: i64 = 300_000;
/// Batches of the big table: the units its parallel parts are made of.
const BATCHES: i64 = 12;

/// `big`: `k` 0..N, `g` = k % 7, `s` a string of k % 1000, `v` k / 4 (floats
/// whose sums are exact), `d` a DECIMAL(12,2), `x` NULL on every third row.
/// `dim`: `g` 0..10 (3 of them absent from `big`) and a name.
fn engine() -> Engine {
    let e = Engine::new();
    let per = N / BATCHES;
    let batches = (0..BATCHES)
        .map(|b| {
            let ks: Vec<i64> = (b * per..(b + 1) * per).collect();
            RecordBatch::try_from_iter([
                ("k", Arc::new(Int64Array::from(ks.clone())) as ArrayRef),
                (
                    "g",
                    Arc::new(Int64Array::from_iter_values(ks.iter().map(|k| k % 7))) as ArrayRef,
                ),
                (
                    "s",
                    Arc::new(StringArray::from_iter_values(
                        ks.iter().map(|k| format!("s{:03}", k % 1000)),
                    )) as ArrayRef,
                ),
                (
                    "v",
                    Arc::new(Float64Array::from_iter_values(
                        ks.iter().map(|&k| k as f64 / 4.0),
                    )) as ArrayRef,
                ),
                (
                    "d",
                    Arc::new(
                        Decimal128Array::from_iter_values(ks.iter().map(|&k| (k % 10_000) as i128))
                            .with_precision_and_scale(12, 2)
                            .unwrap(),
                    ) as ArrayRef,
                ),
                (
                    "x",
                    Arc::new(Int64Array::from_iter(
                        ks.iter().map(|&k| (k % 3 != 0).then_some(k % 100)),
                    )) as ArrayRef,
                ),
            ])
            .unwrap()
        })
        .collect();
    e.register_batches("big", batches).unwrap();
    let dim = RecordBatch::try_from_iter([
        (
            "g",
            Arc::new(Int64Array::from_iter_values(0..10)) as ArrayRef,
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                (0..10).map(|g| format!("group {g}")),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    e.register_batches("dim", vec![dim]).unwrap();
    e
}

/// Queries over `big` whose answers must not depend on the thread count.
const QUERIES: &[&str] = &[
    // Aggregation: partial states merged.
    "SELECT COUNT(*), COUNT(x), SUM(k), SUM(v), SUM(d), AVG(k), AVG(d), AVG(v), MIN(s), MAX(s), MIN(x), MAX(v) FROM big",
    "SELECT g, COUNT(*), SUM(x), AVG(x), MIN(s), MAX(k), SUM(d) FROM big GROUP BY g ORDER BY g",
    "SELECT s, COUNT(*) AS n, SUM(v) FROM big WHERE k % 5 = 0 GROUP BY s ORDER BY n DESC, s LIMIT 20",
    "SELECT g, x, COUNT(*) FROM big WHERE x IS NULL OR x < 3 GROUP BY g, x ORDER BY g, x NULLS FIRST",
    "SELECT COUNT(*) FILTER (WHERE g = 1), SUM(k) FILTER (WHERE x > 50) FROM big",
    // Nothing passes the filter: COUNT is 0, SUM NULL, one row.
    "SELECT COUNT(*), SUM(k), MIN(s), AVG(v) FROM big WHERE k < 0",
    "SELECT g, COUNT(*) FROM big WHERE k < 0 GROUP BY g",
    // DISTINCT aggregates keep the serial path above a parallel scan.
    "SELECT COUNT(DISTINCT s), COUNT(DISTINCT x), SUM(DISTINCT g) FROM big",
    // Plain scans: the rows come back in the table's order.
    "SELECT k, s FROM big WHERE k % 9973 = 1",
    "SELECT k * 2 AS kk, UPPER(s) FROM big WHERE s = 's042' AND k > 250000",
    // Sorts, DISTINCT and set operations gather the parts.
    "SELECT k, v FROM big WHERE g = 3 ORDER BY v DESC LIMIT 5",
    // Sorted in each worker, then merged: several keys, NULLs, both ways.
    "SELECT k, x, s FROM big ORDER BY x DESC NULLS FIRST, s, k",
    "SELECT k, g, v FROM big WHERE k % 3 = 1 ORDER BY g, v DESC LIMIT 1000 OFFSET 5",
    "SELECT s, k FROM big ORDER BY s DESC, k LIMIT 7",
    "SELECT DISTINCT x FROM big ORDER BY x NULLS LAST",
    "SELECT g FROM big WHERE k < 20 UNION SELECT g + 100 FROM big WHERE k > 299990 ORDER BY 1",
    "SELECT x FROM big WHERE k < 1000 INTERSECT SELECT x FROM big WHERE k > 299000 ORDER BY 1",
    // Joins probed in parallel against a shared build.
    "SELECT d.name, COUNT(*), SUM(b.k) FROM big b JOIN dim d ON b.g = d.g GROUP BY d.name ORDER BY d.name",
    "SELECT b.k, d.name FROM big b JOIN dim d ON b.g = d.g WHERE b.k % 50000 = 7",
    "SELECT d.name, COUNT(b.k) FROM dim d LEFT JOIN big b ON b.g = d.g AND b.k < 10 GROUP BY d.name ORDER BY 1",
    "SELECT b.g, COUNT(*) FROM big b LEFT JOIN dim d ON b.x = d.g GROUP BY b.g ORDER BY 1",
    "SELECT COUNT(*) FROM big b WHERE EXISTS (SELECT 1 FROM dim d WHERE d.g = b.x)",
    "SELECT COUNT(*) FROM big b WHERE NOT EXISTS (SELECT 1 FROM dim d WHERE d.g = b.x)",
    "SELECT COUNT(*) FROM big b WHERE b.x NOT IN (SELECT g FROM dim WHERE g > 2)",
    "SELECT COUNT(*), MIN(b.k) FROM big b RIGHT JOIN dim d ON b.g = d.g AND b.k < 100",
    // Semi and anti joins that hash the small left side: the big right
    // side's parts mark it together.
    "SELECT d.g, d.name FROM dim d WHERE EXISTS (SELECT 1 FROM big b WHERE b.g = d.g AND b.k > 100)",
    "SELECT d.g FROM dim d WHERE NOT EXISTS (SELECT 1 FROM big b WHERE b.g = d.g)",
    "SELECT d.g FROM dim d WHERE EXISTS (SELECT 1 FROM big b WHERE b.x = d.g AND b.k < d.g * 10)",
    "SELECT d.g FROM dim d WHERE NOT EXISTS (SELECT 1 FROM big b WHERE b.x = d.g AND b.k < d.g * 10)",
    "SELECT COUNT(*) FROM dim d WHERE d.g IN (SELECT x FROM big WHERE k % 2 = 0)",
    "SELECT COUNT(*) FROM big a JOIN big b ON a.k = b.k + 1 WHERE b.g = 2",
    // Subqueries inside the pipeline: uncorrelated ones run once and are
    // shared, correlated ones run per row in each worker.
    "SELECT COUNT(*) FROM big WHERE k > (SELECT MAX(k) - 100 FROM big)",
    "SELECT k, (SELECT name FROM dim WHERE dim.g = big.g) FROM big WHERE k % 100000 = 3",
    // Statistics merged from the workers' partial states; texts, modes and
    // chosen rows in table order, as a serial scan meets them.
    "SELECT g, ROUND(STDDEV(v), 6), ROUND(CORR(v, x), 9), REGR_COUNT(v, x), MEDIAN(x), \
     QUANTILE_DISC(s, 0.3), MODE(x), ARG_MAX(s, x), ANY_VALUE(k), MD5(STRING_AGG(s, ',')), \
     BOOL_OR(x > 98), COUNT_IF(x > 50) FROM big GROUP BY g ORDER BY g",
    // Grouping sets: the rows expanded in each worker, the empty set's row once.
    "SELECT g, x % 3, COUNT(*), SUM(d), GROUPING(g, x % 3) FROM big \
     GROUP BY CUBE(g, x % 3) ORDER BY 5, 1, 2",
    // A CTE used twice.
    "WITH c AS (SELECT g, SUM(k) AS t FROM big GROUP BY g) SELECT a.g, a.t - b.t FROM c a JOIN c b ON a.g = b.g + 1 ORDER BY 1",
];

#[test]
fn answers_do_not_depend_on_the_thread_count() {
    let e = engine();
    for sql in QUERIES {
        e.query("SET threads = 1").unwrap();
        let serial = e.query(sql).unwrap_or_else(|err| panic!("{sql}: {err}"));
        assert_eq!(serial.stats().threads, 1, "{sql}");
        for threads in [2, 3, 5] {
            e.query(&format!("SET threads = {threads}")).unwrap();
            let parallel = e.query(sql).unwrap_or_else(|err| panic!("{sql}: {err}"));
            assert_eq!(
                result_rows(&parallel),
                result_rows(&serial),
                "{sql} on {threads} threads"
            );
        }
    }
}

#[test]
fn big_scans_use_the_threads_they_are_given() {
    let e = engine();
    for (sql, threads) in [
        ("SELECT COUNT(*) FROM big", 3),
        ("SELECT g, SUM(v) FROM big GROUP BY g", 4),
        ("SELECT g, COUNT(*) FROM big GROUP BY ROLLUP(g)", 3),
        ("SELECT k FROM big ORDER BY s, k LIMIT 3", 2),
        ("SELECT COUNT(*) FROM big b JOIN dim d ON b.g = d.g", 2),
        ("SELECT k FROM big WHERE k % 1000 = 0", 5),
        // A semi join hashing the small side, the big side streamed in parts.
        (
            "SELECT d.g FROM dim d WHERE EXISTS (SELECT 1 FROM big b WHERE b.g = d.g)",
            3,
        ),
    ] {
        e.query(&format!("SET threads = {threads}")).unwrap();
        let r = e.query(sql).unwrap();
        assert_eq!(r.stats().threads, threads, "{sql}");
    }
    // A table too small to split stays on one thread, and so does a scan
    // that stops after a few rows.
    e.query("SET threads = 4").unwrap();
    assert_eq!(
        e.query("SELECT COUNT(*) FROM dim").unwrap().stats().threads,
        1
    );
    assert_eq!(
        e.query("SELECT k FROM big LIMIT 5")
            .unwrap()
            .stats()
            .threads,
        1
    );
    // More threads than parts: one per part.
    assert_eq!(
        e.query("SET threads = 64; SELECT SUM(k) FROM big")
            .unwrap()
            .stats()
            .threads,
        BATCHES as usize
    );
}

#[test]
fn a_failing_worker_fails_the_query_with_its_own_error() {
    let e = engine();
    e.query("SET threads = 4").unwrap();
    // Only the last part holds the row that fails the cast.
    let err = e
        .query("SELECT SUM(CAST(CASE WHEN k = 299999 THEN 'x' ELSE '1' END AS INTEGER)) FROM big")
        .unwrap_err()
        .to_string();
    assert!(err.contains("'x'"), "{err}");
    assert!(!err.contains("another worker"), "{err}");
    // The engine answers the next query.
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM big WHERE g = 0"), ["42858"]);
    // The memory limit holds across the workers.
    e.query("SET memory_limit = '1MB'").unwrap();
    let err = e
        .query("SELECT s, k FROM big ORDER BY s")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("out of memory: "), "{err}");
}

#[test]
fn thread_settings() {
    let e = Engine::new();
    for bad in ["0", "-1", "'lots'", "100000"] {
        let err = e
            .query(&format!("SET threads = {bad}"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a number of threads"), "{bad}: {err}");
    }
    e.query("SET threads = 3").unwrap();
    assert_eq!(e.settings().threads, Some(3));
    e.query("SET threads = 'default'").unwrap();
    assert_eq!(e.settings().threads, None);
    let err = e
        .query("SET parallel_min_rows = 'few'")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a number of rows"), "{err}");
    e.query("SET parallel_min_rows = 1000").unwrap();
    assert_eq!(e.settings().parallel_min_rows, 1000);
    e.query("SET parallel_min_rows = 'default'").unwrap();
    assert_eq!(e.settings().parallel_min_rows, engine_core::exec::MIN_ROWS);
}

#[test]
fn the_size_threshold_is_a_setting() {
    let e = engine();
    e.query("SET threads = 2").unwrap();
    let sql = "SELECT SUM(k) FROM big";
    e.query(&format!("SET parallel_min_rows = {}", N + 1))
        .unwrap();
    assert_eq!(e.query(sql).unwrap().stats().threads, 1);
    e.query(&format!("SET parallel_min_rows = {N}")).unwrap();
    assert_eq!(e.query(sql).unwrap().stats().threads, 2);
}

/// A Parquet file of several row groups splits by row group: every row
/// group is read once, by one worker, and the answers match the serial ones.
#[cfg(feature = "parquet")]
#[test]
fn parquet_files_split_by_row_group() {
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    let dir = std::env::temp_dir().join(format!("tern-parallel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.parquet");
    let e = engine();
    let all = e.query("SELECT * FROM big").unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(40_000))
        .build();
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        all.schema().clone(),
        Some(props),
    )
    .unwrap();
    for b in all.batches() {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    let f = Engine::new();
    f.register_file("p", path.to_str().unwrap()).unwrap();
    for sql in [
        "SELECT g, COUNT(*), SUM(d), MIN(s) FROM p GROUP BY g ORDER BY g",
        "SELECT k FROM p WHERE k % 29989 = 0",
        "SELECT COUNT(*) FROM p WHERE k >= 290000",
    ] {
        f.query("SET threads = 1").unwrap();
        let serial = f.query(sql).unwrap();
        f.query("SET threads = 3").unwrap();
        let parallel = f.query(sql).unwrap();
        assert_eq!(result_rows(&parallel), result_rows(&serial), "{sql}");
        assert_eq!(parallel.stats().threads, 3, "{sql}");
        let (s, p) = (serial.stats().scan, parallel.stats().scan);
        assert_eq!(
            (p.row_groups_read, p.row_groups_skipped, p.rows_read),
            (s.row_groups_read, s.row_groups_skipped, s.rows_read),
            "{sql}"
        );
    }
    // Several files of several row groups: a part's share can start or end
    // in any file, and files wholly outside it are not opened.
    for i in 0..3 {
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(50_000))
            .build();
        let part = all.concat().unwrap().slice(i * 100_000, 100_000);
        let mut w = ArrowWriter::try_new(
            std::fs::File::create(dir.join(format!("many-{i}.parquet"))).unwrap(),
            all.schema().clone(),
            Some(props),
        )
        .unwrap();
        w.write(&part).unwrap();
        w.close().unwrap();
    }
    let glob = format!("{}/many-*.parquet", dir.display());
    f.register_file("m", &glob).unwrap();
    for threads in [1, 2, 3, 4, 5] {
        f.query(&format!("SET threads = {threads}")).unwrap();
        let r = f
            .query("SELECT COUNT(*), SUM(k), MIN(k), MAX(k) FROM m")
            .unwrap();
        assert_eq!(
            result_rows(&r),
            ["300000|44999850000|0|299999"],
            "{threads}"
        );
        assert_eq!(r.stats().threads, threads, "{threads}");
        assert_eq!(r.stats().scan.row_groups_read, 6, "{threads}");
        let r = f.query("SELECT k FROM m WHERE k % 49999 = 0").unwrap();
        assert_eq!(
            result_rows(&r),
            ["0", "49999", "99998", "149997", "199996", "249995", "299994"],
            "{threads}: in file order"
        );
    }
    // 8 row groups, the last ones skipped by their statistics.
    let r = f.query("SELECT COUNT(*) FROM p WHERE k >= 290000").unwrap();
    assert_eq!(result_rows(&r), ["10000"]);
    assert_eq!(r.stats().scan.row_groups_read, 1);
    assert_eq!(r.stats().scan.row_groups_skipped, 7);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn explain_analyze_shows_what_each_node_did() {
    let e = engine();
    e.query("SET threads = 2").unwrap();
    let r = e
        .query("EXPLAIN ANALYZE SELECT g, COUNT(*) FROM big WHERE k % 2 = 0 GROUP BY g ORDER BY g")
        .unwrap();
    let lines = result_rows(&r);
    let line = |starts: &str| {
        lines
            .iter()
            .find(|l| l.trim_start().starts_with(starts))
            .unwrap_or_else(|| panic!("no {starts} line in {lines:#?}"))
            .clone()
    };
    // Rows out of each operator of the physical plan, summed over the two
    // workers.
    let scan = line("TableScan big");
    assert!(scan.contains("partitions=2  [rows=300000 "), "{lines:#?}");
    assert!(line("Filter").contains("[rows=150000 "), "{lines:#?}");
    assert!(
        line("Parallel workers=2").contains("[rows=150000 "),
        "{lines:#?}"
    );
    let agg = line("HashAggregate (partial per worker, then merged)");
    assert!(agg.contains("[rows=7 "), "{agg}");
    assert!(agg.contains(" memory="), "{agg}");
    assert!(line("Sort").contains("[rows=7 "), "{lines:#?}");
    let total = lines.last().unwrap();
    assert!(total.starts_with("total: 7 rows in "), "{total}");
    assert!(total.ends_with(", 2 threads"), "{total}");
    // The query ran: its errors are EXPLAIN ANALYZE's.
    let err = e
        .query("EXPLAIN ANALYZE SELECT CAST(s AS INTEGER) FROM big")
        .unwrap_err()
        .to_string();
    assert!(err.contains("s000"), "{err}");
}

#[test]
fn text_files_split_at_line_starts() {
    use std::fmt::Write as _;
    let dir = std::env::temp_dir().join(format!("tern-parallel-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // About 36 MB of each: four or five 8 MiB units, lines of varying length.
    let n = 400_000u64;
    let (mut csv, mut jsonl) = (String::from("k,g,s\n"), String::new());
    for k in 0..n {
        let s = "x".repeat((k % 50) as usize);
        let pad = "p".repeat(40);
        writeln!(csv, "{k},{},{s}{pad}", k % 7).unwrap();
        writeln!(jsonl, r#"{{"k":{k},"g":{},"s":"{s}{pad}"}}"#, k % 7).unwrap();
    }
    std::fs::write(dir.join("t.csv"), &csv).unwrap();
    std::fs::write(dir.join("t.jsonl"), &jsonl).unwrap();
    // The same rows, one field quoted (holding a line break): read by one worker.
    let pad = "p".repeat(40);
    let quoted = csv.replacen(&format!("0,0,{pad}\n"), &format!("0,0,\"{pad}\nx\"\n"), 1);
    std::fs::write(dir.join("q.csv"), &quoted).unwrap();
    let e = Engine::new();
    let sum = n * (n - 1) / 2;
    let squares: u64 = (0..n).map(|k| k * k).sum();
    for (file, split) in [("t.csv", true), ("t.jsonl", true), ("q.csv", false)] {
        let path = dir.join(file);
        let t = format!("'{}'", path.display());
        for threads in [1, 2, 3] {
            e.query(&format!("SET threads = {threads}")).unwrap();
            let r = e
                .query(&format!(
                    "SELECT COUNT(*), SUM(k), SUM(k * k), MIN(k), MAX(k) FROM {t}"
                ))
                .unwrap();
            assert_eq!(
                result_rows(&r),
                [format!("{n}|{sum}|{squares}|0|{}", n - 1)],
                "{file} on {threads} threads: every row once"
            );
            let expected = if split { threads } else { 1 };
            assert_eq!(r.stats().threads, expected, "{file} on {threads} threads");
            let r = e
                .query(&format!(
                    "SELECT k, g, LENGTH(s) FROM {t} WHERE k % 99991 = 0"
                ))
                .unwrap();
            let expected: Vec<String> = (0..n)
                .filter(|k| k % 99991 == 0)
                .map(|k| {
                    let len = if file == "q.csv" && k == 0 {
                        42
                    } else {
                        k % 50 + 40
                    };
                    format!("{k}|{}|{len}", k % 7)
                })
                .collect();
            assert_eq!(
                result_rows(&r),
                expected,
                "{file} on {threads} threads: rows in file order"
            );
        }
    }
    // EXPLAIN reads no file. A big CSV file's parts are found by reading
    // it, when a parallel scan first asks: before that, EXPLAIN plans on as
    // many workers as threads and says so; after, it knows (one, for a file
    // holding a quote). JSON Lines splits are found without reading through.
    e.query("SET threads = 2").unwrap();
    e.register_file("quoted", dir.join("q.csv").to_str().unwrap())
        .unwrap();
    let plan = rows(&e, "EXPLAIN SELECT SUM(k) FROM quoted").join("\n");
    assert!(plan.contains("Parallel workers=2 (at most"), "{plan}");
    assert_eq!(
        result_rows(&e.query("SELECT COUNT(*) FROM quoted").unwrap()),
        [n.to_string()]
    );
    let plan = rows(&e, "EXPLAIN SELECT SUM(k) FROM quoted").join("\n");
    assert!(!plan.contains("Parallel"), "{plan}");
    let plan = rows(
        &e,
        &format!(
            "EXPLAIN SELECT SUM(k) FROM '{}'",
            dir.join("t.jsonl").display()
        ),
    );
    assert!(
        plan.iter().any(|l| l.trim() == "Parallel workers=2"),
        "{plan:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
