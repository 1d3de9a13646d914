//! Query parameters: `?`, `$1`, `$name` and `:name` take their values from
//! [`Params`], bound into the parsed statement (never into the text).

use engine_core::sql::{Param, Params};
use engine_core::{Engine, Error};

mod common;

fn run(e: &Engine, sql: &str, params: &Params) -> Vec<String> {
    common::result_rows(
        &e.query_params(sql, params)
            .unwrap_or_else(|err| panic!("{sql}: {err}")),
    )
}

fn types(e: &Engine, sql: &str, params: &Params) -> Vec<String> {
    let r = e.query_params(sql, params).unwrap();
    r.schema()
        .fields()
        .iter()
        .map(|f| f.data_type().to_string())
        .collect()
}

fn error(e: &Engine, sql: &str, params: &Params) -> String {
    match e.query_params(sql, params) {
        Ok(_) => panic!("{sql} should fail"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn question_marks_count_in_the_order_they_are_written() {
    let e = common::with_numbers();
    // The select list is visited after FROM's subquery by the tree walk; the
    // values still go to the marks in the order they are written.
    let sql =
        "SELECT ? AS label, COUNT(*) FROM (SELECT n FROM n WHERE n < ?) t WHERE n >= ? LIMIT ?";
    let p = Params::new().push("first").push(10).push(5).push(1);
    assert_eq!(run(&e, sql, &p), ["first|5"]);
}

#[test]
fn numbered_and_named_parameters() {
    let e = common::with_numbers();
    let p = Params::new().push(3).push(7);
    assert_eq!(
        run(
            &e,
            "SELECT COUNT(*) FROM n WHERE n BETWEEN $1 AND $2 OR n = $1",
            &p
        ),
        ["5"]
    );
    let p = Params::new().set("low", 990).set("tag", "x");
    assert_eq!(
        run(
            &e,
            "SELECT :tag || COUNT(*) FROM n WHERE n >= $low AND n >= :low",
            &p
        ),
        ["x10"]
    );
}

#[test]
fn a_value_is_one_value_whatever_its_text() {
    let e = Engine::new();
    e.query("CREATE TABLE users (name VARCHAR, secret VARCHAR)")
        .unwrap();
    e.query("INSERT INTO users VALUES ('ann', 's1'), ('bob', 's2')")
        .unwrap();
    let hostile = "x' OR '1'='1";
    let p = Params::new().push(hostile);
    assert!(run(&e, "SELECT secret FROM users WHERE name = ?", &p).is_empty());
    let p = Params::new().push("'; DROP TABLE users; --");
    assert_eq!(run(&e, "SELECT ? AS s", &p), ["'; DROP TABLE users; --"]);
    assert_eq!(
        common::rows(&e, "SELECT COUNT(*) FROM users"),
        ["2"],
        "the table is still there"
    );
    // A value is never read as a name either.
    let p = Params::new().push("name");
    assert_eq!(run(&e, "SELECT ? FROM users LIMIT 1", &p), ["name"]);
}

#[test]
fn every_kind_of_value_keeps_its_type() {
    let e = Engine::new();
    let p = Params::new()
        .push(Param::Null)
        .push(true)
        .push(-7)
        .push(0.1)
        .push(f64::NAN)
        .push("tern")
        .push(Param::Decimal("-12.50".into()))
        .push(Param::Date("2024-02-29".into()))
        .push(Param::Timestamp("2024-02-29 23:30:00.5+02:00".into()))
        .push(Param::Blob(vec![0, 0xca, 0xfe]))
        .push(f64::NEG_INFINITY);
    let sql = "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";
    assert_eq!(
        run(&e, sql, &p),
        ["NULL|true|-7|0.1|NaN|tern|-12.50|2024-02-29|2024-02-29T21:30:00.500|NULL|-inf"]
    );
    assert_eq!(
        types(&e, sql, &p),
        [
            "Null",
            "Boolean",
            "Int64",
            "Float64",
            "Float64",
            "Utf8",
            "Decimal128(4, 2)",
            "Date32",
            "Timestamp(µs)",
            "Binary",
            "Float64"
        ]
    );
    // Whole numbers past BIGINT stay exact.
    let p = Params::new().push(Param::Decimal("-123456789012345678901234567890".into()));
    assert_eq!(run(&e, "SELECT ?", &p), ["-123456789012345678901234567890"]);
    assert_eq!(types(&e, "SELECT ?", &p), ["Decimal128(30, 0)"]);
    // Text casts show a BLOB only when it is UTF-8; compare the bytes instead.
    let p = Params::new().push(Param::Blob(vec![0, 0xca, 0xfe]));
    assert_eq!(run(&e, "SELECT ? = X'00CAFE'", &p), ["true"]);
    // The double that comes back is the one given, to the last bit.
    let x = 0.1 + 0.2;
    let r = e
        .query_params(
            "SELECT ? = 0.30000000000000004::DOUBLE",
            &Params::new().push(x),
        )
        .unwrap();
    assert_eq!(common::result_rows(&r), ["true"]);
}

#[test]
fn parameters_work_where_literals_do() {
    let e = common::with_numbers();
    let p = Params::new().push(2).push(1);
    assert_eq!(
        run(&e, "SELECT n FROM n ORDER BY n LIMIT ? OFFSET ?", &p),
        ["1", "2"]
    );
    e.query("CREATE TABLE t (a INTEGER, b VARCHAR)").unwrap();
    let p = Params::new().set("a", 1).set("b", Param::Null);
    e.query_params("INSERT INTO t VALUES ($a, $b), ($a + 1, 'two')", &p)
        .unwrap();
    assert_eq!(
        common::rows(&e, "SELECT * FROM t ORDER BY a"),
        ["1|NULL", "2|two"]
    );
    // Several statements share the values.
    let p = Params::new().set("a", 2);
    let r = e
        .query_params(
            "DELETE FROM t WHERE a = $a; SELECT COUNT(*) FROM t WHERE a <> $a",
            &p,
        )
        .unwrap();
    assert_eq!(common::result_rows(&r), ["1"]);
}

#[test]
fn dollar_names_stay_tables_and_columns_unless_given_a_value() {
    let e = Engine::new();
    e.query("CREATE TABLE t AS SELECT 5 AS \"$x\"").unwrap();
    // `$x` without a value of that name is the column.
    let p = Params::new().push(1);
    assert_eq!(run(&e, "SELECT $x + ? FROM t", &p), ["6"]);
    // With one, it is the parameter; quoted, it is always the column.
    let p = Params::new().set("x", 10);
    assert_eq!(run(&e, "SELECT $x + \"$x\" FROM t", &p), ["15"]);
}

#[test]
fn mistakes_are_errors_that_say_which_parameter() {
    let e = Engine::new();
    let msg = error(&e, "SELECT ?,\n  ?", &Params::new().push(1));
    assert!(
        msg.contains("no value for parameter ?") && msg.contains("line 2, column 3"),
        "{msg}"
    );
    let msg = error(&e, "SELECT $3", &Params::new().push(1));
    assert!(msg.contains("no value for parameter $3"), "{msg}");
    let msg = error(&e, "SELECT :who", &Params::new().set("what", 1));
    assert!(msg.contains("no value for parameter :who"), "{msg}");
    let msg = error(&e, "SELECT ?", &Params::new().push(1).push(2));
    assert!(msg.contains("value 2 has no parameter"), "{msg}");
    let msg = error(&e, "SELECT 1", &Params::new().set("unused", 1));
    assert!(msg.contains("no parameter $unused"), "{msg}");
    let msg = error(&e, "SELECT $0", &Params::new().push(1));
    assert!(msg.contains("no value for parameter $0"), "{msg}");
    // Without values at all.
    let err = e.query("SELECT 1 WHERE 2 = ?").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Syntax {
                line: 1,
                column: 20,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("no value for parameter ?"),
        "{err}"
    );
}

#[test]
fn hex_literals_are_blobs() {
    let e = Engine::new();
    assert_eq!(
        common::rows(
            &e,
            "SELECT X'6869' = CAST('hi' AS BLOB), x'', X'00FF' = x'00ff'"
        ),
        ["true||true"]
    );
    let err = e.query("SELECT X'ABC'").unwrap_err();
    assert!(
        err.to_string().contains("even number of hex digits"),
        "{err}"
    );
}
