//! The statistical, boolean, ordered and text aggregates. Every answer is
//! DuckDB 2.0's for the same query, except where docs/sql.md states that
//! tern's rule differs (each such case says so).

mod common;

use common::{assert_errors, rows};
use engine_core::Engine;

fn tiny() -> Engine {
    let e = Engine::new();
    e.query(
        "CREATE TABLE t AS SELECT * FROM (VALUES (1, 2.0), (2, 3.5), (2, 1.0), (4, NULL), \
         (NULL, 7.0)) v(x, y)",
    )
    .unwrap();
    e
}

#[test]
fn statistics_over_a_few_rows() {
    let e = tiny();
    assert_eq!(
        rows(
            &e,
            "SELECT ROUND(STDDEV(x), 9), ROUND(STDDEV_POP(x), 9), ROUND(VARIANCE(x), 9), \
             VAR_POP(x), VAR_SAMP(x) = VARIANCE(x), STDDEV_SAMP(x) = STDDEV(x) FROM t"
        ),
        ["1.258305739|1.089724736|1.583333333|1.1875|true|true"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT ROUND(CORR(x, y), 9), ROUND(COVAR_SAMP(x, y), 9), ROUND(COVAR_POP(x, y), 9), \
             ROUND(REGR_SLOPE(y, x), 9), ROUND(REGR_INTERCEPT(y, x), 9), \
             ROUND(REGR_R2(y, x), 9), REGR_COUNT(y, x) FROM t"
        ),
        ["0.114707867|0.083333333|0.055555556|0.25|1.75|0.013157895|3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT REGR_AVGX(y, x), REGR_AVGY(y, x), ROUND(REGR_SXX(y, x), 9), \
             ROUND(REGR_SYY(y, x), 9), ROUND(REGR_SXY(y, x), 9) FROM t"
        ),
        ["1.6666666666666667|2.1666666666666665|0.666666667|3.166666667|0.166666667"]
    );
}

#[test]
fn order_statistics_pick_as_duckdb_does() {
    let e = tiny();
    assert_eq!(
        rows(
            &e,
            "SELECT MEDIAN(x), QUANTILE_CONT(x, 0.25), QUANTILE_DISC(x, 0.25), MODE(x) FROM t"
        ),
        ["2.0|1.75|1|2"]
    );
    // QUANTILE_DISC takes the first value at or past the fraction.
    assert_eq!(
        rows(
            &e,
            "SELECT QUANTILE_DISC(v, 0.4), QUANTILE_DISC(v, 0.34), QUANTILE_DISC(v, 0), \
             QUANTILE_DISC(v, 1), QUANTILE_CONT(v, 0.4), QUANTILE(v, 0.6) \
             FROM (VALUES (3), (1), (2)) t(v)"
        ),
        ["2|2|1|3|1.8|2"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT QUANTILE_DISC(v, 0.5), MEDIAN(v) FROM (VALUES (1), (2), (3), (4)) t(v)"
        ),
        ["2|2.5"]
    );
    // MODE: of equally frequent values, the one met first (tern's rule).
    assert_eq!(
        rows(&e, "SELECT MODE(v) FROM (VALUES (3), (1), (1), (3)) t(v)"),
        ["3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT MODE(d), QUANTILE_DISC(d, 0.5), MODE(s) FROM (VALUES \
             (DATE '2020-01-04', 'b'), (DATE '2020-01-01', 'a'), (DATE '2020-01-01', 'b')) t(d, s)"
        ),
        ["2020-01-01|2020-01-01|b"]
    );
}

#[test]
fn boolean_text_and_chosen_row_aggregates() {
    let e = tiny();
    assert_eq!(
        rows(
            &e,
            "SELECT BOOL_AND(x > 1), BOOL_OR(x > 2), EVERY(x > 0), COUNT_IF(x > 1), \
             ANY_VALUE(x), STRING_AGG(x::VARCHAR, ','), STRING_AGG(x::VARCHAR), \
             GROUP_CONCAT(y::VARCHAR, ' ') FROM t"
        ),
        ["false|true|true|3|1|1,2,2,4|1,2,2,4|2.0 3.5 1.0 7.0"]
    );
    // ARG_MIN/ARG_MAX skip rows where either argument is NULL.
    assert_eq!(
        rows(
            &e,
            "SELECT ARG_MIN(y, x), ARG_MAX(y, x), MIN_BY(x, y), MAX_BY(x, y), \
             ARG_MAX(y, x) IS NULL FROM t"
        ),
        ["2.0|3.5|2|2|false"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT ARG_MIN(y, x), ARG_MAX(y, x) FROM (VALUES (1, NULL), (2, 3), (3, NULL)) t(x, y)"
        ),
        ["3|3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT STRING_AGG(DISTINCT s, '|'), APPROX_COUNT_DISTINCT(s), COUNT(DISTINCT s) \
             FROM (VALUES ('a'), ('b'), ('a'), (NULL)) t(s)"
        ),
        ["a|b|2|2"]
    );
}

#[test]
fn degenerate_groups() {
    let e = tiny();
    // No rows: counts are 0 (COUNT_IF too, where DuckDB gives NULL), the rest NULL.
    assert_eq!(
        rows(
            &e,
            "SELECT STDDEV(x), MEDIAN(x), MODE(x), STRING_AGG(x::VARCHAR, ','), ARG_MAX(x, x), \
             BOOL_AND(x > 0), CORR(x, y), REGR_COUNT(y, x), COUNT_IF(x > 0) FROM t WHERE false"
        ),
        ["NULL|NULL|NULL|NULL|NULL|NULL|NULL|0|0"]
    );
    // One row: sample statistics are NULL, population ones 0; a variable that
    // does not vary makes CORR and REGR_SLOPE NaN, as in DuckDB.
    assert_eq!(
        rows(
            &e,
            "SELECT STDDEV(x), STDDEV_POP(x), VAR_SAMP(x), COVAR_SAMP(x, y), COVAR_POP(x, y), \
             CORR(x, y), REGR_SLOPE(y, x), REGR_INTERCEPT(y, x), REGR_R2(y, x) FROM t WHERE x = 4 OR y = 7"
        ),
        ["NULL|0.0|NULL|NULL|NULL|NULL|NULL|NULL|NULL"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT CORR(a, b), REGR_SLOPE(b, a), REGR_INTERCEPT(b, a), REGR_R2(b, a), \
             REGR_R2(a, b), REGR_SXX(b, a) FROM (VALUES (1, 2), (1, 3)) t(a, b)"
        ),
        ["NaN|NaN|NULL|NULL|1.0|0.0"]
    );
}

#[test]
fn grouped_over_the_sample_satellites() {
    let e = Engine::new();
    let satellites = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/virtual/satellites.parquet"
    );
    e.query(&format!(
        "CREATE VIEW satellites AS SELECT * FROM '{satellites}'"
    ))
    .unwrap();
    assert_eq!(
        rows(
            &e,
            "SELECT planetId, ROUND(STDDEV(radius), 6), ROUND(VAR_POP(radius), 4), MEDIAN(radius), \
             ROUND(QUANTILE_CONT(radius, 0.9), 6), QUANTILE_DISC(radius, 0.9), \
             ARG_MAX(name, radius), COUNT_IF(radius > 1000), BOOL_AND(radius > 100), \
             BOOL_OR(radius > 1000) FROM satellites GROUP BY planetId ORDER BY planetId"
        ),
        [
            "3|NULL|0.0|1737.5|1737.5|1737.5|Moon|1|true|true",
            "4|3.464823|6.0025|8.65|10.61|11.1|Phobos|0|false|false",
            "5|512.34063|258575.1166|1.6|45.52|49.3|Ganymede|4|false|true",
            "6|361.58234|128598.4809|3.5|198.2|198.2|Titan|1|false|true",
            "7|238.435432|54745.8457|35.0|581.22|584.7|Titania|0|false|false",
            "8|349.468448|113404.7535|37.0|198.0|210.0|Triton|1|false|true",
            "9|261.394705|54661.7536|23.0|374.36|603.6|Charon|0|false|false",
        ]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT ROUND(CORR(gm, radius), 9), ROUND(COVAR_SAMP(gm, radius), 4), \
             ROUND(REGR_SLOPE(gm, radius), 9), ROUND(REGR_INTERCEPT(gm, radius), 6), \
             ROUND(REGR_R2(gm, radius), 9), REGR_COUNT(gm, radius), \
             ROUND(REGR_AVGX(gm, radius), 6), ROUND(REGR_SXX(gm, radius), 2) FROM satellites"
        ),
        ["0.921208829|499084.1991|2.817762729|-133.422389|0.848625707|177|132.84678|31173248.95"]
    );
}

#[test]
fn aggregate_mistakes_are_errors() {
    let e = tiny();
    assert_errors(
        &e,
        &[
            ("SELECT STDDEV('a') FROM t", "numeric"),
            ("SELECT CORR(x) FROM t", "two arguments"),
            ("SELECT QUANTILE_CONT(x, 1.5) FROM t", "from 0 to 1"),
            ("SELECT QUANTILE_DISC(x, y) FROM t", "constant"),
            ("SELECT MEDIAN('a') FROM t", "numeric"),
            ("SELECT STRING_AGG(x, y::VARCHAR) FROM t", "constant"),
            ("SELECT STRING_AGG(x, ',', '-') FROM t", "1 to 2 arguments"),
            ("SELECT BOOL_AND(DATE '2020-01-01') FROM t", "boolean"),
            ("SELECT COUNT_IF([x]) FROM t", "boolean"),
            ("SELECT ARG_MAX(x) FROM t", "two arguments"),
            ("SELECT QUANTILE_CONT(x, y) OVER () FROM t", "constant"),
        ],
    );
}

#[test]
fn grouping_sets_rollup_and_cube() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE g AS SELECT * FROM (VALUES (1, 'x', 10), (1, 'y', 20), (2, 'x', 30), \
         (NULL, 'x', 40)) v(a, b, c)",
    )
    .unwrap();
    // A NULL key of the data and a key a set leaves out are both NULL;
    // GROUPING tells them apart.
    assert_eq!(
        rows(
            &e,
            "SELECT a, b, COUNT(*), SUM(c), GROUPING(a), GROUPING(b), GROUPING(a, b) FROM g \
             GROUP BY CUBE(a, b) ORDER BY 5, 6, 1 NULLS LAST, 2 NULLS LAST"
        ),
        [
            "1|x|1|10|0|0|0",
            "1|y|1|20|0|0|0",
            "2|x|1|30|0|0|0",
            "NULL|x|1|40|0|0|0",
            "1|NULL|2|30|0|1|1",
            "2|NULL|1|30|0|1|1",
            "NULL|NULL|1|40|0|1|1",
            "NULL|x|3|80|1|0|2",
            "NULL|y|1|20|1|0|2",
            "NULL|NULL|4|100|1|1|3",
        ]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT a, b, COUNT(*) FROM g WHERE a IS NOT NULL GROUP BY a, ROLLUP(b) \
             ORDER BY 1, 2 NULLS LAST"
        ),
        ["1|x|1", "1|y|1", "1|NULL|2", "2|x|1", "2|NULL|1"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT a, b, COUNT(*) FROM g WHERE a IS NOT NULL \
             GROUP BY GROUPING SETS ((a, b), (b), ()) HAVING COUNT(*) > 1 \
             ORDER BY 1 NULLS LAST, 2 NULLS LAST"
        ),
        ["NULL|x|2", "NULL|NULL|3"]
    );
    // A set named twice gives its rows twice.
    assert_eq!(
        rows(
            &e,
            "SELECT b, COUNT(*) FROM g GROUP BY GROUPING SETS ((b), (b)) ORDER BY 1, 2"
        ),
        ["x|3", "x|3", "y|1", "y|1"]
    );
    // The empty set gives its row over no input, as an aggregate without
    // GROUP BY does (DuckDB and PostgreSQL alike).
    assert_eq!(
        rows(
            &e,
            "SELECT a, COUNT(*) FROM g WHERE false GROUP BY ROLLUP(a)"
        ),
        ["NULL|0"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM g WHERE false GROUP BY GROUPING SETS (())"
        ),
        ["0"]
    );
    assert_errors(
        &e,
        &[
            (
                "SELECT GROUPING(c) FROM g GROUP BY ROLLUP(a)",
                "GROUP BY keys",
            ),
            ("SELECT GROUPING(a) FROM g", "GROUP BY"),
            (
                "SELECT COUNT(*) FROM g GROUP BY CUBE(a, b, c, a, b, c, a, b, c, a, b, c, a)",
                "12 keys",
            ),
        ],
    );
}

#[test]
fn ordered_aggregates_read_their_rows_in_order() {
    let e = tiny();
    // NULL keys sort last ascending and first descending, as ORDER BY does.
    assert_eq!(
        rows(
            &e,
            "SELECT ARRAY_AGG(y ORDER BY x), ARRAY_AGG(x ORDER BY y DESC), \
             STRING_AGG(CAST(x AS VARCHAR), '' ORDER BY y NULLS FIRST), \
             ANY_VALUE(y ORDER BY x DESC NULLS LAST) FROM t"
        ),
        ["[2.0, 3.5, 1.0, , 7.0]|[4, , 2, 1, 2]|4212|3.5"]
    );
    // Ties keep the input's order; several keys; DISTINCT; FILTER; groups.
    assert_eq!(
        rows(
            &e,
            "SELECT x, ARRAY_AGG(y ORDER BY x), ARRAY_AGG(DISTINCT x ORDER BY x DESC) \
             FILTER (WHERE y > 1), MODE(x ORDER BY x DESC) FROM t GROUP BY x \
             HAVING x IS NOT NULL ORDER BY x"
        ),
        ["1|[2.0]|[1]|1", "2|[3.5, 1.0]|[2]|2", "4|[]|NULL|4"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT MODE(x ORDER BY x DESC), MODE(x ORDER BY x), \
             STRING_AGG(s, ',' ORDER BY LENGTH(s) DESC, s) \
             FROM (VALUES (1, 'bb'), (2, 'a'), (1, 'c'), (2, 'dd')) v(x, s)"
        ),
        ["2|1|bb,dd,a,c"]
    );
    // Aggregates whose value no order changes take the clause and ignore it.
    assert_eq!(
        rows(&e, "SELECT SUM(x ORDER BY y), COUNT(x ORDER BY y) FROM t"),
        ["9|4"]
    );
    let err = e.query("SELECT UPPER('a' ORDER BY 1)").unwrap_err();
    assert!(err.to_string().contains("no aggregate"), "{err}");
    let err = e
        .query("SELECT ARRAY_AGG(x ORDER BY nope) FROM t")
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let err = e
        .query("SELECT ARRAY_AGG(x ORDER BY y) OVER () FROM t")
        .unwrap_err();
    assert!(err.to_string().contains("window"), "{err}");
}
