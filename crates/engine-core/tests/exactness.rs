//! Answers that used to be wrong, each checked against DuckDB 2.0's answer
//! (in the comment beside it): rounding casts, −0.0, integer overflow,
//! statistics pruning through casts, wide decimals, NaN in JSON, empty IN
//! subqueries, duplicate CTE names.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal256Array, Float64Array, RecordBatch, StringArray};
use arrow_buffer::i256;
use arrow_schema::{DataType, Field, Schema};
use common::{rows, sorted};
use engine_core::Engine;

fn error(e: &Engine, sql: &str) -> String {
    match e.query(sql) {
        Ok(_) => panic!("{sql}: expected an error"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn casts_to_integers_round() {
    let e = Engine::new();
    // DuckDB: 3, -3, 3 (decimals: half away from zero); 2, -2, 4 (doubles: ties to even).
    assert_eq!(
        rows(
            &e,
            "SELECT CAST(2.7 AS INT), CAST(-2.5 AS INT), CAST(2.5 AS BIGINT), \
             CAST(CAST(2.5 AS DOUBLE) AS INT), CAST(CAST(-2.5 AS DOUBLE) AS BIGINT), \
             CAST(CAST(3.5 AS DOUBLE) AS INT)"
        ),
        ["3|-3|3|2|-2|4"]
    );
    // Per row, not only for constants.
    assert_eq!(
        rows(
            &e,
            "SELECT CAST(x AS INT) FROM (VALUES (1.5), (-1.5), (0.49)) t(x) ORDER BY 1"
        ),
        ["-2", "0", "2"]
    );
    // DuckDB: Conversion Error (128 does not fit TINYINT).
    assert!(error(&e, "SELECT CAST(127.5 AS TINYINT)").contains("TINYINT"));
}

#[test]
fn negative_zero_equals_zero() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE z AS SELECT CAST('-0.0' AS DOUBLE) AS x UNION ALL SELECT CAST(0.0 AS DOUBLE)",
    )
    .unwrap();
    // DuckDB: true, true, 1 group of 2, 1 distinct value, 4 join pairs.
    assert_eq!(
        rows(
            &e,
            "SELECT CAST('-0.0' AS DOUBLE) = 0.0, CAST('-0.0' AS DOUBLE) >= 0.0"
        ),
        ["true|true"]
    );
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM z GROUP BY x"), ["2"]);
    assert_eq!(rows(&e, "SELECT COUNT(DISTINCT x) FROM z"), ["1"]);
    assert_eq!(
        rows(&e, "SELECT COUNT(*) FROM z a JOIN z b ON a.x = b.x"),
        ["4"]
    );
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM z WHERE x = 0.0"), ["2"]);
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM z WHERE x IN (0.0)"), ["2"]);
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM (SELECT x FROM z UNION SELECT 0.0)"
        ),
        ["1"]
    );
    // DuckDB: every NaN is one value, equal to itself.
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(DISTINCT x), COUNT(*) FILTER (WHERE x = x) FROM \
             (VALUES (CAST('nan' AS DOUBLE)), (CAST('-nan' AS DOUBLE))) t(x)"
        ),
        ["1|2"]
    );
}

#[test]
fn negative_zero_in_parquet_statistics_does_not_prune() {
    let dir = std::env::temp_dir().join(format!("tern-negzero-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("z.parquet");
    let e = Engine::new();
    let schema = Arc::new(Schema::new(vec![Field::new("f", DataType::Float64, true)]));
    let b = RecordBatch::try_new(
        schema,
        vec![Arc::new(Float64Array::from(vec![-0.0, -0.0])) as ArrayRef],
    )
    .unwrap();
    e.register_batches("src", vec![b]).unwrap();
    e.query("SELECT f FROM src")
        .unwrap()
        .write_parquet(&path)
        .unwrap();
    let p = path.display();
    // DuckDB: 2 and 2.
    assert_eq!(
        rows(&e, &format!("SELECT COUNT(*) FROM '{p}' WHERE f >= 0.0")),
        ["2"]
    );
    assert_eq!(
        rows(&e, &format!("SELECT COUNT(*) FROM '{p}' WHERE f = 0")),
        ["2"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strings_cast_to_numbers_are_not_pruned_by_string_statistics() {
    let dir = std::env::temp_dir().join(format!("tern-strprune-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.parquet");
    let e = Engine::new();
    let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
    let b = RecordBatch::try_new(
        schema,
        vec![Arc::new(StringArray::from(vec!["5", "9", "10", "100"])) as ArrayRef],
    )
    .unwrap();
    e.register_batches("src", vec![b]).unwrap();
    e.query("SELECT s FROM src")
        .unwrap()
        .write_parquet(&path)
        .unwrap();
    // The statistics say min '10', max '9' (text order); '9' < 10 as numbers.
    // DuckDB: 5, 9.
    let sql = format!(
        "SELECT s FROM '{}' WHERE CAST(s AS BIGINT) < 10",
        path.display()
    );
    assert_eq!(sorted(rows(&e, &sql)), ["5", "9"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wide_decimals_sum_exactly() {
    let e = Engine::new();
    let t = DataType::Decimal256(40, 2);
    let schema = Arc::new(Schema::new(vec![Field::new("d", t.clone(), true)]));
    let values = Decimal256Array::from(vec![
        Some(i256::from_i128(125)),
        Some(i256::from_i128(250)),
        None,
    ])
    .with_data_type(t);
    let b = RecordBatch::try_new(schema, vec![Arc::new(values) as ArrayRef]).unwrap();
    e.register_batches("w", vec![b]).unwrap();
    // DuckDB (over DECIMAL(38,2), its widest): 3.75, 1.875.
    assert_eq!(rows(&e, "SELECT SUM(d), AVG(d) FROM w"), ["3.75|1.875"]);
}

#[test]
fn integer_functions_do_not_wrap() {
    let e = Engine::new();
    // DuckDB: Out of Range Error: Overflow in ROUND of integer.
    assert!(error(&e, "SELECT ROUND(9223372036854775807, -1)").contains("overflow"));
    // DuckDB: 0, -20, 12300.
    assert_eq!(
        rows(&e, "SELECT ROUND(5, -19), ROUND(-15, -1), ROUND(12345, -2)"),
        ["0|-20|12300"]
    );
    // DuckDB: Overflow in multiplication / on abs.
    assert!(error(&e, "SELECT 9223372036854775807 * 2").contains("overflow"));
    assert!(error(&e, "SELECT ABS(-9223372036854775807 - 1)").contains("overflow"));
}

#[test]
fn in_an_empty_subquery_is_false() {
    let e = Engine::new();
    e.query("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1), (2), (NULL)")
        .unwrap();
    // DuckDB: false, false, true (NULL IN an empty set is false: no value is unknown).
    assert_eq!(
        rows(
            &e,
            "SELECT 1 IN (SELECT id FROM t WHERE id > 100), \
             NULL IN (SELECT id FROM t WHERE id > 100), \
             1 NOT IN (SELECT id FROM t WHERE id > 100)"
        ),
        ["false|false|true"]
    );
    // DuckDB: 0 and 3.
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM t WHERE id IN (SELECT id FROM t WHERE id < 0)"
        ),
        ["0"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM t WHERE id NOT IN (SELECT id FROM t WHERE id < 0)"
        ),
        ["3"]
    );
}

#[test]
fn duplicate_cte_names_are_an_error() {
    let e = Engine::new();
    // DuckDB: Parser Error: Duplicate CTE name "a".
    let err = error(&e, "WITH a AS (SELECT 1), A AS (SELECT 2) SELECT * FROM a");
    assert!(err.contains("'A' twice"), "{err}");
    // The same name in a nested WITH shadows, as in DuckDB.
    assert_eq!(
        rows(
            &e,
            "WITH a AS (SELECT 1 AS x) SELECT * FROM (WITH a AS (SELECT 2 AS x) SELECT x FROM a)"
        ),
        ["2"]
    );
}

#[test]
fn json_keeps_nan_and_infinity() {
    let e = Engine::new();
    let r = e
        .query(
            "SELECT CAST('nan' AS DOUBLE) AS x, CAST('-inf' AS DOUBLE) AS y, 1.5 AS z, \
             CAST(NULL AS DOUBLE) AS w, CAST(CAST('inf' AS DOUBLE) AS FLOAT) AS v",
        )
        .unwrap();
    let mut out = Vec::new();
    engine_core::io::write_to(
        &mut out,
        engine_core::io::OutputFormat::Json,
        r.schema(),
        r.batches(),
    )
    .unwrap();
    // DuckDB: {"x":NaN,"y":-Infinity,...}; null stays null.
    assert_eq!(
        String::from_utf8(out).unwrap().trim(),
        r#"[{"x":NaN,"y":-Infinity,"z":1.5,"w":null,"v":Infinity}]"#
    );
}
