//! The physical plan: EXPLAIN prints it below the logical plan, and it shows
//! each choice made before the query runs — the conditions and row limits a
//! scan is told, the hashed side of each join, top-k sorts, shared plans run
//! once, and which pipelines run in parallel on how many workers.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use engine_core::physical::{Partitioning, PhysicalPlan};
use engine_core::Engine;

mod common;
use common::rows;

/// `big`: `k` 0..8000 in 8 batches (the units a parallel scan splits), `g` =
/// k % 5; `small`: `g` 0..3. Tables of 1,000 rows or more run in parallel.
fn engine() -> Engine {
    let e = Engine::new();
    let batches = (0..8)
        .map(|b| {
            let ks: Vec<i64> = (b * 1000..(b + 1) * 1000).collect();
            let gs: Vec<i64> = ks.iter().map(|k| k % 5).collect();
            RecordBatch::try_from_iter([
                ("k", Arc::new(Int64Array::from(ks)) as ArrayRef),
                ("g", Arc::new(Int64Array::from(gs)) as ArrayRef),
            ])
            .unwrap()
        })
        .collect();
    e.register_batches("big", batches).unwrap();
    e.query(
        "CREATE TABLE small AS SELECT * FROM (VALUES (0), (1), (2)) v(g);
         SET parallel_min_rows = 1000; SET threads = 3",
    )
    .unwrap();
    e
}

/// The lines of EXPLAIN's physical plan, and of its logical plan.
fn explain(e: &Engine, sql: &str) -> (Vec<String>, Vec<String>) {
    let lines = rows(e, &format!("EXPLAIN {sql}"));
    assert_eq!(lines[0], "Logical plan:", "{lines:#?}");
    let split = lines
        .iter()
        .position(|l| l == "Physical plan:")
        .unwrap_or_else(|| panic!("no physical plan in {lines:#?}"));
    let strip = |ls: &[String]| ls.iter().map(|l| l[2..].to_string()).collect();
    (strip(&lines[split + 1..]), strip(&lines[1..split]))
}

/// The first line of `plan` that, without its indentation, starts with `start`.
fn line<'a>(plan: &'a [String], start: &str) -> &'a str {
    plan.iter()
        .find(|l| l.trim_start().starts_with(start))
        .unwrap_or_else(|| panic!("no {start} line in {plan:#?}"))
}

#[test]
fn explain_prints_the_logical_then_the_physical_plan() {
    let e = engine();
    let (physical, logical) = explain(&e, "SELECT g FROM small WHERE g > 0 LIMIT 2");
    assert_eq!(
        logical,
        [
            "Limit skip=0 fetch=2",
            "  Project #0",
            "    Filter (#0 > 0)",
            "      Scan small"
        ]
    );
    // The filter's condition is also given to the scan, to skip data with.
    assert_eq!(
        physical,
        [
            "Limit skip=0 fetch=2",
            "  Projection #0",
            "    Filter (#0 > 0)",
            "      TableScan small filters=[g > 0]"
        ]
    );
    // Nothing drops rows between the limit and the scan: the scan may stop.
    let (physical, _) = explain(&e, "SELECT g + 1 FROM small LIMIT 2");
    assert!(
        line(&physical, "TableScan small").ends_with("limit=2"),
        "{physical:#?}"
    );
    // A sort that keeps a few rows is a top-k.
    let (physical, _) = explain(&e, "SELECT k FROM big ORDER BY k DESC LIMIT 3");
    assert_eq!(line(&physical, "TopK").trim(), "TopK 3 [#0 DESC]");
    assert_eq!(
        rows(&e, "SELECT k FROM big ORDER BY k DESC LIMIT 3"),
        ["7999", "7998", "7997"]
    );
}

#[test]
fn joins_show_the_side_they_hash() {
    let e = engine();
    // The small side is hashed: on the right of an inner join (the optimizer
    // puts it there), on the left of a semi join whose left side is smaller.
    let inner = "SELECT COUNT(*) FROM big JOIN small ON big.g = small.g";
    let (physical, _) = explain(&e, inner);
    assert!(
        line(&physical, "HashJoin Inner").ends_with("build=right partitions=3"),
        "{physical:#?}"
    );
    assert_eq!(rows(&e, inner), ["4800"]);
    let semi = "SELECT g FROM small WHERE g IN (SELECT g FROM big WHERE k > 10) ORDER BY g";
    let (physical, _) = explain(&e, semi);
    assert!(
        line(&physical, "HashJoin Semi").ends_with("build=left"),
        "{physical:#?}"
    );
    assert_eq!(rows(&e, semi), ["0", "1", "2"]);
    let (physical, _) = explain(&e, "SELECT COUNT(*) FROM small a, small b");
    assert_eq!(
        line(&physical, "NestedLoopJoin").trim(),
        "NestedLoopJoin Cross"
    );
}

#[test]
fn big_pipelines_run_in_parallel_as_the_plan_says() {
    let e = engine();
    // Each worker aggregates its part; the parts merge.
    let sql = "SELECT g, COUNT(*), SUM(k) FROM big WHERE k % 2 = 0 GROUP BY g ORDER BY g";
    let (physical, _) = explain(&e, sql);
    assert_eq!(
        physical,
        [
            "Sort [#0]",
            "  Projection #0, #1, #2",
            "    HashAggregate (partial per worker, then merged) group=[#1] aggs=[COUNT(*), SUM(#0)]",
            "      Parallel workers=3",
            "        Filter ((#0 % 2) = 0) partitions=3",
            "          TableScan big partitions=3",
        ]
    );
    let answer = rows(&e, sql);
    assert_eq!(answer[0], "0|800|3196000");
    // One thread: the same answer, and no parallel step in the plan.
    e.query("SET threads = 1").unwrap();
    let (physical, _) = explain(&e, sql);
    assert!(
        !physical.iter().any(|l| l.contains("Parallel")),
        "{physical:#?}"
    );
    assert!(
        !physical.iter().any(|l| l.contains("partial")),
        "{physical:#?}"
    );
    assert_eq!(rows(&e, sql), answer);
    e.query("SET threads = 3").unwrap();

    // DISTINCT aggregates do not merge: their input streams to one
    // aggregate rather than being gathered from workers.
    let (physical, _) = explain(&e, "SELECT COUNT(DISTINCT g) FROM big");
    assert!(
        !physical.iter().any(|l| l.contains("Parallel")),
        "{physical:#?}"
    );
    assert_eq!(rows(&e, "SELECT COUNT(DISTINCT g) FROM big"), ["5"]);
    // A sort's workers each sort their part, and the parts merge.
    let (physical, _) = explain(&e, "SELECT k FROM big ORDER BY g, k DESC");
    assert_eq!(physical[1], "  Sort [#1, #0 DESC]", "{physical:#?}");
    assert_eq!(physical[2], "    Parallel workers=3", "{physical:#?}");
    // The query's result gathers a big pipeline from its workers, in the
    // table's order; the hashed side of a join is built before they start.
    let sql = "SELECT k, small.g FROM big JOIN small ON big.g = small.g WHERE k < 12";
    let (physical, _) = explain(&e, sql);
    assert_eq!(physical[0], "Parallel workers=3", "{physical:#?}");
    assert!(
        line(&physical, "HashJoin Inner").ends_with("build=right partitions=3"),
        "{physical:#?}"
    );
    assert_eq!(
        rows(&e, sql),
        ["0|0", "1|1", "2|2", "5|0", "6|1", "7|2", "10|0", "11|1"]
    );
    // A query that stops early reads as a stream, on one thread.
    let (physical, _) = explain(&e, "SELECT k FROM big LIMIT 5");
    assert!(
        !physical.iter().any(|l| l.contains("Parallel")),
        "{physical:#?}"
    );
}

#[test]
fn the_plan_is_a_value_of_its_own() {
    let e = engine();
    let plan = e
        .physical_plan("SELECT g, COUNT(*) FROM big GROUP BY g")
        .unwrap();
    let PhysicalPlan::Project { input, .. } = &plan else {
        panic!("{:#?}", plan.explain_lines())
    };
    let PhysicalPlan::Aggregate { input, partial, .. } = input.as_ref() else {
        panic!("{:#?}", plan.explain_lines())
    };
    assert!(*partial);
    assert_eq!(plan.partitioning(), Partitioning::Single);
    let PhysicalPlan::Parallel {
        input: pipeline,
        workers,
        assumed,
    } = input.as_ref()
    else {
        panic!("{:#?}", plan.explain_lines())
    };
    assert_eq!(*workers, 3);
    assert!(!assumed);
    assert_eq!(pipeline.partitioning(), Partitioning::Parts(3));
    // It holds no borrow of the engine or the logical plan: it can move to
    // another thread and outlive both.
    drop(e);
    let lines = std::thread::spawn(move || plan.explain_lines())
        .join()
        .unwrap();
    assert_eq!(lines.len(), 4);
    // Only queries have one.
    let e = engine();
    assert!(e.physical_plan("SET threads = 2").is_err());
    assert!(e.physical_plan("SELECT 1; SELECT 2").is_err());
}

#[test]
fn a_shared_plan_is_compiled_and_run_once() {
    let e = engine();
    let sql = "WITH c AS (SELECT g, COUNT(*) AS n FROM big GROUP BY g) \
               SELECT a.g, b.n FROM c a JOIN c b ON a.g = b.g ORDER BY a.g";
    let (physical, _) = explain(&e, sql);
    let materialized: Vec<&String> = physical
        .iter()
        .filter(|l| l.contains("Materialized #1"))
        .collect();
    assert_eq!(materialized.len(), 2, "{physical:#?}");
    assert!(materialized[0].ends_with("Materialized #1 (run once)"));
    assert!(materialized[1].ends_with("Materialized #1 (as above)"));
    assert_eq!(
        rows(&e, sql),
        ["0|1600", "1|1600", "2|1600", "3|1600", "4|1600"]
    );
}
