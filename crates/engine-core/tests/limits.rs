//! Hostile shapes of SQL: each gives an answer or a clear error, never a
//! stack overflow (which would abort the process) and never time or memory
//! exponential in the text.

mod common;

use common::rows;
use engine_core::Engine;

fn error(e: &Engine, sql: &str) -> String {
    match e.query(sql) {
        Ok(_) => panic!("{}…: expected an error", &sql[..sql.len().min(60)]),
        Err(err) => err.to_string(),
    }
}

/// Runs `f` on a thread with `mb` MiB of stack: unoptimised test builds take
/// several times the stack per level that release builds do.
fn with_stack<T: Send + 'static>(mb: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(mb << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn long_operator_chains_are_an_error() {
    let e = Engine::new();
    for sql in [
        format!("SELECT 1{}", "+1".repeat(200_000)),
        format!("EXPLAIN SELECT 1{}", "+1".repeat(200_000)),
        format!("SELECT 'a'{}", " || 'a'".repeat(50_000)),
        format!("SELECT 1{}", "::BIGINT".repeat(50_000)),
        format!("SELECT 1{}", " EXCEPT SELECT 1".repeat(10_000)),
    ] {
        let err = error(&e, &sql);
        assert!(err.contains("nests more than 1000 levels"), "{err}");
    }
}

#[test]
fn long_and_or_union_chains_run() {
    // DuckDB answers each of these (it flattens AND/OR and set operations).
    let e = Engine::new();
    e.query("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3)")
        .unwrap();
    let and = format!(
        "SELECT COUNT(*) FROM t WHERE {}",
        vec!["x > 0"; 20_000].join(" AND ")
    );
    assert_eq!(rows(&e, &and), ["3"]);
    let or = format!(
        "SELECT COUNT(*) FROM t WHERE {}",
        (0..20_000)
            .map(|i| format!("x = {}", i + 2))
            .collect::<Vec<_>>()
            .join(" OR ")
    );
    assert_eq!(rows(&e, &or), ["2"]);
    let union = format!(
        "SELECT COUNT(*), SUM(x) FROM (SELECT 1 AS x{})",
        " UNION ALL SELECT 1".repeat(10_000)
    );
    assert_eq!(rows(&e, &union), ["10001|10001"]);
    let explain = format!("EXPLAIN SELECT 1{}", " UNION ALL SELECT 1".repeat(10_000));
    assert!(e.query(&explain).is_ok());
    let distinct = format!(
        "SELECT * FROM (SELECT 1 AS x{}) ORDER BY x",
        " UNION SELECT 2".repeat(10_000)
    );
    assert_eq!(rows(&e, &distinct), ["1", "2"]);
}

#[test]
fn deep_nesting_within_the_limit_runs() {
    with_stack(256, || {
        let e = Engine::new();
        let sum = format!("SELECT 1{}", "+1".repeat(900));
        assert_eq!(rows(&e, &sum), ["901"]);
        let parens = format!("SELECT {}1{}", "(".repeat(50), ")".repeat(50));
        assert_eq!(rows(&e, &parens), ["1"]);
    });
}

#[test]
fn a_small_stack_gives_an_error_not_an_abort() {
    // 900 levels are within the limit but not within 256 KiB of stack.
    let err = with_stack(1, || {
        let e = Engine::new();
        e.query(&format!("SELECT 1{}", "+1".repeat(900)))
            .map(|_| ())
            .unwrap_err()
            .to_string()
    });
    assert!(err.contains("nests too deeply"), "{err}");
}

#[test]
fn ctes_used_twice_run_once() {
    // Each CTE doubles the one before: inlined, 22 levels are 4 million
    // copies of the first (DuckDB: 0.3 s; tern before: 37 s and 2.5 GB).
    let e = Engine::new();
    let mut ctes = vec!["a0 AS (SELECT 1 AS x)".to_string()];
    for i in 1..=22 {
        ctes.push(format!(
            "a{i} AS (SELECT x FROM a{p} UNION ALL SELECT x FROM a{p})",
            p = i - 1
        ));
    }
    let with = ctes.join(", ");
    assert_eq!(
        rows(&e, &format!("WITH {with} SELECT COUNT(*), SUM(x) FROM a22")),
        ["4194304|4194304"]
    );
    // EXPLAIN prints each shared plan once, in the logical plan and in the
    // physical one.
    let plan = rows(&e, &format!("EXPLAIN WITH {with} SELECT COUNT(*) FROM a22"));
    assert!(plan.len() < 400, "{} lines", plan.len());
    assert!(plan.iter().any(|l| l.contains("Shared #22 (as above)")));
    assert!(plan
        .iter()
        .any(|l| l.contains("Materialized #22 (as above)")));
}

#[test]
fn ctes_used_once_are_inlined_and_shared_ones_stay_correct() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE o (k INTEGER); INSERT INTO o VALUES (1), (2), (3);
         CREATE TABLE i (k INTEGER, v INTEGER); INSERT INTO i VALUES (1, 10), (1, 11), (3, 30)",
    )
    .unwrap();
    let plan = rows(
        &e,
        "EXPLAIN WITH c AS (SELECT k FROM o) SELECT * FROM c WHERE k = 2",
    );
    assert!(!plan.iter().any(|l| l.contains("Shared")), "{plan:#?}");
    // A CTE inside a correlated subquery reads the outer row: it is run per
    // row, shared or not. DuckDB: 1|2, 2|0, 3|1 and 1|4, 2|0, 3|1.
    let sql = "SELECT k, (WITH m AS (SELECT v FROM i WHERE i.k = o.k) SELECT COUNT(*) FROM m) \
               FROM o ORDER BY k";
    assert_eq!(rows(&e, sql), ["1|2", "2|0", "3|1"]);
    let sql = "SELECT k, (WITH m AS (SELECT v FROM i WHERE i.k = o.k) \
               SELECT COUNT(*) FROM m a, m b) FROM o ORDER BY k";
    assert_eq!(rows(&e, sql), ["1|4", "2|0", "3|1"]);
    // Used from a subquery deeper than its definition, its outer columns
    // would name the wrong query: an error, not a wrong answer.
    let sql = "SELECT k, (WITH m AS (SELECT v FROM i WHERE i.k = o.k) \
               SELECT (SELECT COUNT(*) FROM m)) FROM o ORDER BY k";
    assert!(error(&e, sql).contains("enclosing query"));
    // A shared CTE read by two joined references. DuckDB: 5 (2×2 + 1×1).
    let sql = "WITH m AS (SELECT k FROM i) SELECT COUNT(*) FROM m a JOIN m b ON a.k = b.k";
    assert_eq!(rows(&e, sql), ["5"]);
}

/// A query that runs for minutes: a billion-row cross join.
fn endless(e: &Engine) -> &'static str {
    e.query(
        "CREATE TABLE big AS SELECT 1 AS x FROM (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) a(v),
         (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) b(v), (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) c(v),
         (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) d(v), (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) e(v)",
    )
    .unwrap();
    "SELECT COUNT(*) FROM big a, big b WHERE a.x + b.x > 0"
}

#[test]
fn a_query_can_be_cancelled_from_another_thread() {
    let e = Engine::new();
    let sql = endless(&e);
    let handle = engine_core::QueryHandle::new();
    let canceller = {
        let h = handle.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            h.cancel();
        })
    };
    let err = e.query_with(sql, &handle).unwrap_err();
    canceller.join().unwrap();
    assert!(matches!(err, engine_core::Error::Cancelled(_)), "{err}");
    // The engine is still usable, and a handle not cancelled changes nothing.
    let fresh = engine_core::QueryHandle::new();
    assert_eq!(
        common::result_rows(&e.query_with("SELECT COUNT(*) FROM big", &fresh).unwrap()),
        ["100000"]
    );
}

#[test]
fn statement_timeout_stops_a_query() {
    let e = Engine::new();
    let sql = endless(&e);
    e.query("SET statement_timeout = '50ms'").unwrap();
    let err = e.query(sql).unwrap_err().to_string();
    assert!(err.contains("statement_timeout (50 ms)"), "{err}");
    // Quick statements are unaffected; 0 turns the limit off.
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM big"), ["100000"]);
    e.query("SET statement_timeout = 0").unwrap();
    assert!(e.settings().statement_timeout.is_none());
    for (value, ms) in [("1500", 1500), ("'2s'", 2000), ("'1 min'", 60_000)] {
        e.query(&format!("SET statement_timeout = {value}"))
            .unwrap();
        assert_eq!(e.settings().statement_timeout.unwrap().as_millis(), ms);
    }
    assert!(error(&e, "SET statement_timeout = 'soon'").contains("milliseconds"));
    assert!(error(&e, "SET statement_timeout = -1").contains("milliseconds"));
}

#[test]
fn skewed_and_cross_joins_emit_bounded_batches() {
    // One key with 100,000 partners on each side would be 10^10 pairs at
    // once; here 1 × 100,000 and 3 × 100,000 with a residual condition.
    let e = Engine::new();
    e.query(
        "CREATE TABLE d (v INTEGER); INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
         CREATE TABLE many AS SELECT 7 AS k, a.v * 10000 + b.v * 1000 + c.v * 100 + d2.v * 10 + e.v AS n
           FROM d a, d b, d c, d d2, d e;
         CREATE TABLE one (k INTEGER); INSERT INTO one VALUES (7), (7), (7), (8)",
    )
    .unwrap();
    let check = |sql: &str, rows: usize| {
        let r = e.query(sql).unwrap();
        assert_eq!(r.num_rows(), rows, "{sql}");
        let largest = r.batches().iter().map(|b| b.num_rows()).max().unwrap_or(0);
        assert!(largest <= 65_536, "{sql}: a batch of {largest} rows");
    };
    check("SELECT * FROM one JOIN many ON one.k = many.k", 300_000);
    check(
        "SELECT * FROM one LEFT JOIN many ON one.k = many.k AND many.n % 2 = 0",
        150_001,
    );
    check("SELECT * FROM one CROSS JOIN many", 400_000);
    check(
        "SELECT * FROM one WHERE EXISTS (SELECT 1 FROM many WHERE many.k = one.k AND many.n > one.k * 14000)",
        3,
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*), SUM(n) FROM one JOIN many ON one.k = many.k WHERE n < 10"
        ),
        ["30|135"]
    );
}

/// A million rows: `k` 0..1,000,000 and `s` a ten-character string with an 'a'.
fn million(e: &Engine) {
    use engine_core::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let n = 1_000_000;
    let k: ArrayRef = Arc::new(Int64Array::from_iter_values(0..n));
    let s: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..n).map(|i| format!("a{i:09}")),
    ));
    let batch = RecordBatch::try_from_iter([("k", k), ("s", s)]).unwrap();
    e.register_batches("t", vec![batch]).unwrap();
}

#[test]
fn operators_past_the_memory_limit_fail_cleanly() {
    let e = Engine::new();
    million(&e);
    let cases = [
        ("SELECT k FROM t ORDER BY s DESC", "ORDER BY"),
        ("SELECT * FROM t", "the query's result"),
        (
            "SELECT COUNT(*) FROM t a JOIN t b ON a.k = b.k",
            "a join's build side",
        ),
        (
            "SELECT COUNT(*) FROM (SELECT s FROM t GROUP BY s)",
            "GROUP BY",
        ),
        (
            "SELECT COUNT(*) FROM (SELECT DISTINCT s FROM t)",
            "DISTINCT",
        ),
        (
            "SELECT COUNT(*) FROM (SELECT s FROM t INTERSECT SELECT s FROM t)",
            "INTERSECT",
        ),
        (
            "WITH c AS (SELECT s FROM t WHERE k % 2 = 0) \
             SELECT (SELECT MAX(s) FROM c), (SELECT MIN(s) FROM c)",
            "a CTE used more than once",
        ),
        // Aggregation folds 64 Ki rows at a time: each case must pass 2 MB
        // within one such slice.
        (
            "SELECT SUM(LENGTH(REPLACE(s, 'a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'))) FROM t",
            "REPLACE",
        ),
        ("SELECT SUM(LENGTH(CONCAT(s, s, s, s))) FROM t", "CONCAT"),
        ("SELECT SUM(LENGTH(s || s || s || s)) FROM t", "||"),
    ];
    e.query("SET memory_limit = '2MB'").unwrap();
    for (sql, what) in cases {
        let err = e.query(sql).expect_err(sql);
        assert!(
            matches!(err, engine_core::Error::ResourcesExhausted(_)),
            "{sql}: {err}"
        );
        let text = err.to_string();
        assert!(text.starts_with("out of memory: "), "{text}");
        assert!(
            text.contains(&format!("{what} needs more memory")),
            "{sql}: {text}"
        );
        assert!(text.contains("of a 1.9 MiB limit"), "{text}");
    }
    // The same queries answer with room, and say what they held.
    e.query("SET memory_limit = '1GB'").unwrap();
    for (sql, _) in cases {
        let r = e.query(sql).unwrap_or_else(|err| panic!("{sql}: {err}"));
        assert!(r.stats().peak_memory > 2_000_000, "{sql}");
    }
    assert_eq!(
        rows(&e, "SELECT SUM(LENGTH(REPLACE(s, 'a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'))) FROM t"),
        ["49000000"]
    );
}

#[test]
fn strings_a_join_takes_from_its_build_side_are_charged_once() {
    use engine_core::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringViewArray};
    use std::sync::Arc;
    let e = Engine::new();
    // A build side of 20,000 long strings (about 1.2 MB of text)...
    let k: ArrayRef = Arc::new(Int64Array::from_iter_values(0..20_000));
    let s: ArrayRef =
        Arc::new(StringViewArray::from_iter_values((0..20_000).map(|i| {
            format!("a name long enough to be kept out of line {i:06}")
        })));
    let build = RecordBatch::try_from_iter([("k", k), ("s", s)]).unwrap();
    e.register_batches("b", vec![build]).unwrap();
    // ...probed by 300 batches, each matching one row. Every output batch's
    // strings point into the build side's buffers; charged whole per batch,
    // the collected result held 300 times 1.2 MB.
    let probe: Vec<RecordBatch> = (0..300)
        .map(|i| {
            let k: ArrayRef = Arc::new(Int64Array::from_iter_values((0..1000).map(|j| {
                if j == 0 {
                    i
                } else {
                    1_000_000 + j
                }
            })));
            RecordBatch::try_from_iter([("pk", k)]).unwrap()
        })
        .collect();
    e.register_batches("p", probe).unwrap();
    e.query("SET memory_limit = '16MB'; SET threads = 1")
        .unwrap();
    let out = rows(&e, "SELECT s FROM p JOIN b ON pk = k");
    assert_eq!(out.len(), 300);
    assert_eq!(out[299], "a name long enough to be kept out of line 000299");
}

#[test]
fn a_string_that_doubles_at_each_level_stops_at_the_limit() {
    let e = Engine::new();
    e.query("SET memory_limit = '4MiB'").unwrap();
    let mut sql = format!("'{}'", "x".repeat(1024));
    for _ in 0..40 {
        sql = format!("REPLACE({sql}, 'x', 'xx')");
    }
    let err = error(&e, &format!("SELECT LENGTH({sql})"));
    assert!(err.contains("REPLACE needs more memory"), "{err}");
}

#[test]
fn memory_limit_settings() {
    let e = Engine::new();
    assert_eq!(e.settings().memory_limit, None);
    e.query("SET memory_limit = '512MiB'").unwrap();
    assert_eq!(e.settings().memory_limit, Some(512 << 20));
    e.query("SET memory_limit = 1000000").unwrap();
    assert_eq!(e.settings().memory_limit, Some(1_000_000));
    e.query("SET memory_limit = 'unlimited'").unwrap();
    assert_eq!(e.settings().memory_limit, Some(usize::MAX));
    e.query("SET memory_limit = 'default'").unwrap();
    assert_eq!(e.settings().memory_limit, None);
    let err = error(&e, "SET memory_limit = 'lots'");
    assert!(err.contains("'lots' is not a size"), "{err}");
    let err = error(&e, "SET memory_limt = '1GB'");
    assert!(err.contains("did you mean 'memory_limit'"), "{err}");
}

#[test]
fn a_comma_join_of_300_tables_answers() {
    // Planning was quartic in the number of inputs (a 1,000-way join took
    // 389 s) and every join copied its inputs' schemas (3.6 GB).
    let n = 300;
    let sql = format!(
        "SELECT COUNT(*), MIN(t0.v), MAX(t{last}.v) FROM {tables} WHERE {conds}",
        last = n - 1,
        tables = (0..n)
            .map(|i| format!("p t{i}"))
            .collect::<Vec<_>>()
            .join(", "),
        conds = (1..n)
            .map(|i| format!("t{}.id = t{i}.id", i - 1))
            .collect::<Vec<_>>()
            .join(" AND "),
    );
    let answer = with_stack(256, move || {
        let e = Engine::new();
        e.query(
            "CREATE TABLE p AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS v(id, v)",
        )
        .unwrap();
        let plan = rows(&e, &format!("EXPLAIN {sql}"));
        assert!(!plan.iter().any(|l| l.contains("Cross")), "{plan:?}");
        rows(&e, &sql)
    });
    assert_eq!(answer, ["3|a|c"]);
}

/// A million rows in 100 batches: `k` 0..1,000,000 and `s` a ten-character
/// string ordering the rows differently from `k`.
fn million_in_batches(e: &Engine) {
    use engine_core::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let batches = (0..100i64)
        .map(|b| {
            let ks: Vec<i64> = (b * 10_000..(b + 1) * 10_000).collect();
            let k: ArrayRef = Arc::new(Int64Array::from(ks.clone()));
            let s: ArrayRef = Arc::new(StringArray::from_iter_values(
                ks.iter().map(|k| format!("s{:09}", (k * 7919) % 1_000_003)),
            ));
            RecordBatch::try_from_iter([("k", k), ("s", s)]).unwrap()
        })
        .collect();
    e.register_batches("t", batches).unwrap();
}

#[test]
fn a_sort_larger_than_the_memory_limit_spills_to_disk() {
    let e = Engine::new();
    million_in_batches(&e);
    // The filter sits above the sort (it cannot pass the LIMIT), so the
    // sort orders every row; the LIMIT is no smaller than the table.
    let sql = "SELECT k, s FROM (SELECT k, s FROM t ORDER BY s DESC, k LIMIT 1000000) \
               WHERE k % 9973 = 3";
    let expected = rows(&e, sql);
    assert_eq!(expected.len(), 101);
    let mut sorted = expected.clone();
    sorted.sort_by(|a, b| b.split('|').nth(1).cmp(&a.split('|').nth(1)));
    assert_eq!(expected, sorted, "the answer is in order");
    for threads in [1, 2] {
        e.query(&format!(
            "SET threads = {threads}; SET memory_limit = '8MB'"
        ))
        .unwrap();
        let r = e
            .query(sql)
            .unwrap_or_else(|err| panic!("{threads}: {err}"));
        assert_eq!(common::result_rows(&r), expected, "{threads} threads");
        assert!(r.stats().peak_memory <= 8_000_000, "{:?}", r.stats());
        assert_eq!(r.stats().threads, threads);
        // Without the LIMIT, the same sort's every row: counted.
        assert_eq!(
            rows(
                &e,
                "SELECT COUNT(*), MIN(s), MAX(s) FROM (SELECT s FROM t ORDER BY s)"
            ),
            ["1000000|s000000000|s001000002"]
        );
        e.query("SET memory_limit = 'default'").unwrap();
    }
    // One batch larger than the limit cannot be spilled in parts: a clean error.
    let e = Engine::new();
    million(&e);
    e.query("SET memory_limit = '8MB'").unwrap();
    let err = error(&e, "SELECT COUNT(*) FROM (SELECT s FROM t ORDER BY s)");
    assert!(err.contains("ORDER BY needs more memory"), "{err}");
}
