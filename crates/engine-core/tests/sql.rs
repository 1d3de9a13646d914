//! SQL semantics over small in-memory tables (engine-core alone, no datasets).

use arrow_array::RecordBatch;
mod common;

use common::{assert_errors, rows, sorted};
use engine_core::{Engine, Error};

fn engine() -> Engine {
    let e = Engine::new();
    e.query(
        "CREATE TABLE t (id INTEGER, name VARCHAR, score DOUBLE, grp VARCHAR);
         INSERT INTO t VALUES (1, 'ann', 1.5, 'a'), (2, 'bob', NULL, 'a'), (3, 'cy', 3.0, 'b'), (4, NULL, 4.0, NULL);
         CREATE TABLE u (id INTEGER, tag VARCHAR);
         INSERT INTO u VALUES (1, 'x'), (1, 'y'), (3, 'z'), (9, 'w')",
    )
    .unwrap();
    e
}

#[test]
fn projection_filter_and_expressions() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT id * 2 + 1 AS x FROM t WHERE id BETWEEN 2 AND 3 ORDER BY x"
        ),
        ["5", "7"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT name FROM t WHERE name LIKE '_o%' OR name ILIKE 'C%' ORDER BY 1"
        ),
        ["bob", "cy"]
    );
    assert_eq!(rows(&e, "SELECT id FROM t WHERE name IS NULL"), ["4"]);
    assert_eq!(
        rows(&e, "SELECT id FROM t WHERE id IN (1, 3, NULL) ORDER BY id"),
        ["1", "3"]
    );
    assert_eq!(
        rows(&e, "SELECT id FROM t WHERE id NOT IN (1, 2) ORDER BY id"),
        ["3", "4"]
    );
    assert_eq!(rows(&e, "SELECT CASE WHEN id < 2 THEN 'low' WHEN id < 4 THEN 'mid' ELSE 'high' END FROM t ORDER BY id"), ["low", "mid", "mid", "high"]);
    assert_eq!(
        rows(
            &e,
            "SELECT CASE grp WHEN 'a' THEN 1 ELSE 0 END FROM t ORDER BY id"
        ),
        ["1", "1", "0", "0"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT CAST('42' AS INTEGER) + 1, TRY_CAST('x' AS INTEGER), '7'::INTEGER * 2"
        ),
        ["43|NULL|14"]
    );
}

#[test]
fn null_semantics_and_division() {
    let e = engine();
    assert_eq!(
        rows(&e, "SELECT 7 / 2, 7 / 0, 7 % 0, NULL + 1, 1 = NULL"),
        ["3.5|inf|NULL|NULL|NULL"]
    );
    e.query("SET integer_division = true").unwrap();
    assert_eq!(
        rows(&e, "SELECT 7 / 2, -7 / 2, 7.0 / 2, 7 / 0"),
        ["3|-3|3.5|NULL"]
    );
    assert!(matches!(
        e.query("SET integer_division = maybe"),
        Err(Error::Plan(_))
    ));
    assert!(matches!(
        e.query("SET no_such_setting = 1"),
        Err(Error::UnknownName { .. })
    ));
}

#[test]
fn scalar_functions() {
    let e = engine();
    assert_eq!(
        rows(&e, "SELECT UPPER('aé'), LOWER('AB'), LENGTH('héllo'), SUBSTRING('abcdef', 2, 3), SUBSTRING('abcdef' FROM 4), CONCAT('a', NULL, 'b'), TRIM('  x '), REPLACE('aXbX', 'X', '-')"),
        ["AÉ|ab|5|bcd|def|ab|x|a-b-"]
    );
    assert_eq!(rows(&e, "SELECT ROUND(2.567, 2), ROUND(2.5), ABS(-3), FLOOR(-1.5), CEIL(1.2), COALESCE(NULL, 2, 3), NULLIF(1, 1), NULLIF(1, 2)"), ["2.57|3.0|3|-2.0|2.0|2|NULL|1"]);
    let now = rows(&e, "SELECT NOW() IS NOT NULL, CURRENT_DATE IS NOT NULL");
    assert_eq!(now, ["true|true"]);
}

#[test]
fn aggregates_and_grouping() {
    let e = engine();
    assert_eq!(rows(&e, "SELECT COUNT(*), COUNT(name), COUNT(score), SUM(id), AVG(score), MIN(name), MAX(score) FROM t"), ["4|3|3|10|2.8333333333333335|ann|4.0"]);
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT grp, COUNT(*), SUM(score) FROM t GROUP BY grp"
        )),
        ["NULL|1|4.0", "a|2|1.5", "b|1|3.0"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT grp, COUNT(*) AS n FROM t GROUP BY 1 HAVING COUNT(*) > 1"
        ),
        ["a|2"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(DISTINCT grp), COUNT(*) FILTER (WHERE id > 2) FROM t"
        ),
        ["2|2"]
    );
    assert_eq!(rows(&e, "SELECT SUM(id) FROM t WHERE id > 100"), ["NULL"]);
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(NULL), COUNT(DISTINCT NULL), MAX(NULL), SUM(NULL) FROM t"
        ),
        ["0|0|NULL|NULL"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT 1 IN (SELECT NULL), 1 NOT IN (SELECT NULL), NULL IN (1)"
        ),
        ["NULL|NULL|NULL"]
    );
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM t WHERE id > 100"), ["0"]);
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT id % 2 AS parity, COUNT(*) FROM t GROUP BY parity"
        )),
        ["0|2", "1|2"]
    );
    let err = e.query("SELECT name, COUNT(*) FROM t").unwrap_err();
    assert!(err.to_string().contains("GROUP BY"), "{err}");
    assert!(matches!(
        e.query("SELECT SUM(name) FROM t"),
        Err(Error::Type { .. })
    ));
}

#[test]
fn ordering_limit_distinct() {
    let e = engine();
    assert_eq!(
        rows(&e, "SELECT score FROM t ORDER BY score DESC NULLS LAST"),
        ["4.0", "3.0", "1.5", "NULL"]
    );
    assert_eq!(
        rows(&e, "SELECT score FROM t ORDER BY score NULLS FIRST"),
        ["NULL", "1.5", "3.0", "4.0"]
    );
    assert_eq!(
        rows(&e, "SELECT id FROM t ORDER BY id LIMIT 2 OFFSET 1"),
        ["2", "3"]
    );
    // LIMIT NULL is no limit (as in DuckDB and PostgreSQL).
    assert_eq!(
        rows(&e, "SELECT id FROM t ORDER BY id LIMIT NULL OFFSET 2"),
        rows(&e, "SELECT id FROM t ORDER BY id OFFSET 2")
    );
    assert!(!rows(&e, "SELECT id FROM t ORDER BY id OFFSET 2").is_empty());
    assert_eq!(
        rows(&e, "SELECT name AS n FROM t ORDER BY n LIMIT 1"),
        ["ann"]
    );
    assert_eq!(
        rows(&e, "SELECT name FROM t ORDER BY id DESC LIMIT 1"),
        ["NULL"]
    );
    assert_eq!(
        sorted(rows(&e, "SELECT DISTINCT grp FROM t")),
        ["NULL", "a", "b"]
    );
}

#[test]
fn joins() {
    let e = engine();
    assert_eq!(
        sorted(rows(&e, "SELECT t.id, u.tag FROM t JOIN u ON t.id = u.id")),
        ["1|x", "1|y", "3|z"]
    );
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT t.id, u.tag FROM t LEFT JOIN u ON t.id = u.id"
        )),
        ["1|x", "1|y", "2|NULL", "3|z", "4|NULL"]
    );
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT t.id, u.tag FROM t RIGHT JOIN u ON t.id = u.id"
        )),
        ["1|x", "1|y", "3|z", "NULL|w"]
    );
    assert_eq!(
        rows(&e, "SELECT COUNT(*) FROM t FULL JOIN u ON t.id = u.id"),
        ["6"]
    );
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM t CROSS JOIN u"), ["16"]);
    assert_eq!(
        sorted(rows(&e, "SELECT id, tag FROM t JOIN u USING (id)")),
        ["1|x", "1|y", "3|z"]
    );
    assert_eq!(
        rows(&e, "SELECT * FROM t JOIN u USING (id) WHERE tag = 'z'"),
        ["3|cy|3.0|b|z"]
    );
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT t.id, u.tag FROM t, u WHERE t.id = u.id AND u.tag <> 'x'"
        )),
        ["1|y", "3|z"]
    );
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT a.id, b.id FROM t a JOIN t b ON a.id < b.id AND b.id < 3"
        )),
        ["1|2"]
    );
    let err = e
        .query("SELECT id FROM t JOIN u ON t.id = u.id")
        .unwrap_err();
    assert!(matches!(err, Error::Ambiguous(_)), "{err}");
}

/// Build keys spread over about 30 values a row: hashed, with a bit per
/// value of their range ruling out most probe rows before the hash lookup.
/// Probes at both ends of the range and just past them, NULLs on both
/// sides, a repeated key, and the extreme integers (the largest one's
/// offset from the range's start wraps). DuckDB gives the same answers.
#[test]
fn joins_on_sparse_integer_keys() {
    let e = common::with_numbers();
    e.query(
        "CREATE TABLE b AS SELECT n * 30 - 200 AS k, n AS v FROM n WHERE n < 100;
         INSERT INTO b VALUES (NULL, -1), (0, 1000), (-200, 7);
         CREATE TABLE p AS SELECT CAST(n - 300 AS BIGINT) AS k FROM n;
         INSERT INTO p VALUES (NULL), (9223372036854775807), (-9223372036854775807), \
             (2770), (2771), (-201)",
    )
    .unwrap();
    for (sql, expected) in [
        (
            "SELECT COUNT(*), SUM(b.v), MIN(p.k), MAX(p.k) FROM p JOIN b ON p.k = b.k",
            "33|1541|-200|2770",
        ),
        ("SELECT COUNT(*) FROM p WHERE k IN (SELECT k FROM b)", "32"),
        (
            "SELECT COUNT(*) FROM p WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = p.k)",
            "974",
        ),
        (
            "SELECT COUNT(*), COUNT(b.v) FROM p LEFT JOIN b ON p.k = b.k",
            "1007|33",
        ),
    ] {
        assert_eq!(rows(&e, sql), [expected], "{sql}");
    }
}

/// `SEMI JOIN` and `ANTI JOIN` as DuckDB writes them (and Spark's `LEFT SEMI`
/// / `LEFT ANTI`): the left side's rows with / without a partner, each once,
/// and only its columns. Answers checked against DuckDB 1.5.
#[test]
fn semi_and_anti_joins_keep_the_left_side() {
    let e = engine();
    for (sql, expected) in [
        (
            "SELECT * FROM t SEMI JOIN u ON t.id = u.id ORDER BY id",
            vec!["1|ann|1.5|a", "3|cy|3.0|b"],
        ),
        (
            "SELECT id FROM t LEFT SEMI JOIN u USING (id) ORDER BY id",
            vec!["1", "3"],
        ),
        (
            "SELECT id FROM t ANTI JOIN u ON t.id = u.id ORDER BY id",
            vec!["2", "4"],
        ),
        (
            "SELECT id FROM t LEFT ANTI JOIN u USING (id) ORDER BY id",
            vec!["2", "4"],
        ),
        // A condition beyond the keys, and one reading only the right side.
        (
            "SELECT id FROM t SEMI JOIN u ON t.id = u.id AND u.tag = 'z'",
            vec!["3"],
        ),
        (
            "SELECT COUNT(*) FROM t ANTI JOIN u ON t.id = u.id AND u.tag > 'x'",
            vec!["2"],
        ),
        // NULL never matches: the NULL name is kept by ANTI, dropped by SEMI.
        (
            "SELECT id FROM t ANTI JOIN t AS o ON t.name = o.name || '' AND o.id > 2 ORDER BY id",
            vec!["1", "2", "4"],
        ),
    ] {
        assert_eq!(rows(&e, sql), expected, "{sql}");
    }
    let msg = |sql: &str| e.query(sql).unwrap_err().to_string();
    // The right side's columns are not in the output.
    assert!(msg("SELECT tag FROM t SEMI JOIN u USING (id)").contains("unknown column 'tag'"));
    assert!(msg("SELECT * FROM t RIGHT SEMI JOIN u USING (id)").starts_with("not supported"));
    assert!(msg("SELECT * FROM t SEMI JOIN u").contains("needs ON or USING"));
}

/// The functions added with the conformance work, on columns: NULLs pass
/// through, and a padding that would outgrow the memory limit fails before
/// it is built. Answers checked against DuckDB 1.5.
#[test]
fn prefix_padding_hashing_and_date_part_functions() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT id, STARTS_WITH(name, 'b'), ENDS_WITH(name, 'y'), LPAD(name, 4, '*'), \
             RPAD(name, 2, '*'), ASCII(name) FROM t ORDER BY id"
        ),
        [
            "1|false|false|*ann|an|97",
            "2|true|false|*bob|bo|98",
            "3|false|true|**cy|cy|99",
            "4|NULL|NULL|NULL|NULL|NULL"
        ]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT LPAD('x', id - 2, NULL), RPAD('x', NULL) FROM t WHERE id = 3"
        ),
        ["NULL|NULL"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(DISTINCT SHA256(grp)), MIN(LENGTH(SHA256(name))) FROM t"
        ),
        ["2|64"]
    );
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT YEAR(d), MONTH(d), DAY(d) FROM (SELECT DATE '1969-12-31' AS d UNION ALL SELECT NULL)"
        )),
        ["1969|12|31", "NULL|NULL|NULL"]
    );
    let msg = |sql: &str| e.query(sql).unwrap_err().to_string();
    assert!(msg("SELECT YEAR(1)").contains("expects a date or timestamp"));
    assert!(msg("SELECT STARTS_WITH('a')").contains("takes 2 argument(s)"));
    assert!(msg("SELECT LOG10('a')").contains("expects a number"));
    e.query("SET memory_limit = '1MB'").unwrap();
    assert!(
        msg("SELECT LPAD(name, 10000000, 'x') FROM t").contains("memory"),
        "{}",
        msg("SELECT LPAD(name, 10000000, 'x') FROM t")
    );
}

/// `value op ANY(list)` and `ARRAY_CONTAINS(list, value)` over list columns,
/// with DuckDB's NULL rules (answers from DuckDB 1.5 over the same rows):
/// ANY is true when some element satisfies it, else NULL when the value or
/// an element is NULL, and false for an empty or NULL list; ARRAY_CONTAINS
/// skips NULL elements and is NULL for a NULL list or value.
#[test]
fn comparisons_with_any_element_of_a_list() {
    use arrow_array::builder::{ListBuilder, StringBuilder};
    let mut xs = ListBuilder::new(StringBuilder::new());
    for list in [
        Some(vec![Some("a"), None]),
        Some(vec![Some("a")]),
        Some(vec![]),
        None,
        Some(vec![Some("b"), Some("c")]),
        Some(vec![Some("b"), None]),
    ] {
        match list {
            Some(items) => {
                for item in items {
                    xs.values().append_option(item);
                }
                xs.append(true);
            }
            None => xs.append(false),
        }
    }
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            std::sync::Arc::new(arrow_array::Int64Array::from_iter_values(1..=6)) as _,
        ),
        ("xs", std::sync::Arc::new(xs.finish()) as _),
        (
            "v",
            std::sync::Arc::new(arrow_array::StringArray::from(vec![
                Some("a"),
                Some("b"),
                Some("a"),
                Some("a"),
                None,
                Some("a"),
            ])) as _,
        ),
    ])
    .unwrap();
    let e = Engine::new();
    e.register_batches("l", vec![batch]).unwrap();
    assert_eq!(
        rows(
            &e,
            "SELECT id, v = ANY(xs), v <> ANY(xs), v < ANY(xs), ARRAY_CONTAINS(xs, v) \
             FROM l ORDER BY id"
        ),
        [
            "1|true|NULL|NULL|true",
            "2|false|true|false|false",
            "3|false|false|false|false",
            "4|false|false|false|NULL",
            "5|NULL|NULL|NULL|NULL",
            "6|NULL|true|true|false",
        ]
    );
    assert_eq!(
        rows(&e, "SELECT id FROM l WHERE 'a' = ANY(xs) ORDER BY id"),
        ["1", "2"]
    );
    assert_eq!(
        rows(&e, "SELECT COUNT(*) FROM l WHERE LIST_CONTAINS(xs, 'c')"),
        ["1"]
    );
    let msg = |sql: &str| e.query(sql).unwrap_err().to_string();
    assert!(msg("SELECT 'a' = ANY(v) FROM l").contains("needs a list"));
    assert!(msg("SELECT ARRAY_CONTAINS(v, 'a') FROM l").contains("needs a list"));
}

/// HAVING may name a select-list alias (as in DuckDB) where no column of the
/// FROM clause has that name; a name inside a subquery is the subquery's.
#[test]
fn having_reads_select_list_aliases() {
    let e = engine();
    for (sql, expected) in [
        (
            "SELECT grp, COUNT(*) AS n FROM t GROUP BY grp HAVING n > 1",
            vec!["a|2"],
        ),
        (
            "SELECT grp, SUM(score) AS s FROM t GROUP BY grp HAVING s + 1 > 3 ORDER BY grp",
            vec!["b|3.0", "NULL|4.0"],
        ),
        (
            "SELECT grp AS g, COUNT(*) FROM t GROUP BY grp HAVING g = 'b'",
            vec!["b|1"],
        ),
        // `tag` is u's column in the subquery, not an alias of the outer query.
        (
            "SELECT grp AS tag, COUNT(*) FROM t GROUP BY grp \
             HAVING EXISTS (SELECT 1 FROM u WHERE tag = 'z') AND grp = 'b'",
            vec!["b|1"],
        ),
    ] {
        assert_eq!(rows(&e, sql), expected, "{sql}");
    }
    // Inside an aggregate's arguments, names are the FROM clause's.
    let err = e
        .query("SELECT name AS n FROM t GROUP BY name HAVING COUNT(n) > 1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown column 'n'"), "{err}");
    // A column of that name wins, here one that is not grouped.
    let err = e
        .query("SELECT grp, COUNT(*) AS id FROM t GROUP BY grp HAVING id > 1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("must appear in the GROUP BY clause"), "{err}");
}

/// Two tables of one FROM clause with the same name, and `* EXCEPT` naming a
/// column the star does not cover, are errors (DuckDB's rules), not guesses.
#[test]
fn ambiguous_names_and_unknown_exclusions_are_errors() {
    let e = engine();
    let msg = |sql: &str| e.query(sql).unwrap_err().to_string();
    for sql in [
        "SELECT * FROM t JOIN t USING (id)",
        "SELECT * FROM t, u, T",
        "SELECT * FROM t AS a JOIN u AS a ON a.id = a.id",
        "SELECT * FROM (SELECT 1 AS x) AS s, (SELECT 2 AS y) AS s",
    ] {
        assert!(
            msg(sql).contains("is given to two tables"),
            "{sql}: {}",
            msg(sql)
        );
    }
    // Another name for one of them is enough; a subquery has its own FROM.
    assert_eq!(
        rows(&e, "SELECT COUNT(*) FROM t JOIN t AS o USING (id)"),
        ["4"]
    );
    assert_eq!(
        rows(&e, "SELECT COUNT(*) FROM t WHERE id IN (SELECT id FROM t)"),
        ["4"]
    );
    assert_eq!(
        msg("SELECT * EXCEPT (id, nmae) FROM t"),
        "unknown column 'nmae' (did you mean 'name'?)"
    );
    assert!(msg("SELECT * EXCLUDE (tag) FROM t").contains("unknown column 'tag'"));
    assert!(
        msg("SELECT t.* EXCLUDE (tag) FROM t JOIN u USING (id)").contains("unknown column 'tag'")
    );
    assert_eq!(
        rows(
            &e,
            "SELECT * EXCLUDE (NAME, score, grp) FROM t ORDER BY id LIMIT 1"
        ),
        ["1"]
    );
}

#[test]
fn subqueries_ctes_and_set_operations() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT name FROM t WHERE id = (SELECT MAX(id) FROM u WHERE id < 5)"
        ),
        ["cy"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM t WHERE id IN (SELECT id FROM u) ORDER BY id"
        ),
        ["1", "3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id) ORDER BY id"
        ),
        ["1", "3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id, (SELECT COUNT(*) FROM u WHERE u.id = t.id) FROM t ORDER BY id"
        ),
        ["1|2", "2|0", "3|1", "4|0"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT x FROM (SELECT id * 10 AS x FROM t) AS s WHERE x > 20 ORDER BY x"
        ),
        ["30", "40"]
    );
    assert_eq!(
        rows(
            &e,
            "WITH big AS (SELECT * FROM t WHERE id > 2) SELECT COUNT(*) FROM big b1, big b2"
        ),
        ["4"]
    );
    assert_eq!(
        rows(&e, "SELECT id FROM t UNION SELECT id FROM u ORDER BY 1"),
        ["1", "2", "3", "4", "9"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM (SELECT id FROM t UNION ALL SELECT id FROM u)"
        ),
        ["8"]
    );
    assert_eq!(
        rows(&e, "SELECT id FROM t INTERSECT SELECT id FROM u ORDER BY 1"),
        ["1", "3"]
    );
    assert_eq!(
        rows(&e, "SELECT id FROM t EXCEPT SELECT id FROM u ORDER BY 1"),
        ["2", "4"]
    );
    assert_eq!(
        rows(&e, "SELECT 1 UNION ALL SELECT 2.5 ORDER BY 1"),
        ["1.0", "2.5"]
    );
    let err = e
        .query("SELECT id FROM t WHERE id = (SELECT id FROM u)")
        .unwrap_err();
    assert!(err.to_string().contains("at most one"), "{err}");
}

#[test]
fn metadata_statements() {
    let e = engine();
    assert_eq!(
        rows(&e, "DESCRIBE t"),
        [
            "id|INTEGER|YES",
            "name|VARCHAR|YES",
            "score|DOUBLE|YES",
            "grp|VARCHAR|YES"
        ]
    );
    assert_eq!(rows(&e, "SHOW COLUMNS FROM u").len(), 2);
    let plan = rows(
        &e,
        "EXPLAIN SELECT t.id FROM t, u WHERE t.id = u.id AND t.id > 1",
    );
    assert!(
        plan.iter().any(|l| l.contains("Inner Join on=[#0 = #0]")),
        "{plan:?}"
    );
    assert!(
        plan.iter().any(|l| l.trim_start().starts_with("Filter")),
        "{plan:?}"
    );
    e.query("DROP TABLE u").unwrap();
    assert!(matches!(
        e.query("SELECT * FROM u"),
        Err(Error::UnknownName { kind: "table", .. })
    ));
}

#[test]
fn errors_name_the_problem() {
    let e = engine();
    let msg = |sql: &str| e.query(sql).unwrap_err().to_string();
    assert_eq!(
        msg("SELECT nmae FROM t"),
        "unknown column 'nmae' at line 1, column 8 (did you mean 'name'?)"
    );
    assert_eq!(
        msg("SELECT *\nFROM tt"),
        "unknown table 'tt' at line 2, column 6 (did you mean 't'?)"
    );
    assert_eq!(
        msg("SELECT id, 'a' + 1 FROM t"),
        "type error at line 1, column 12: cannot apply '+' to VARCHAR and INTEGER"
    );
    assert_eq!(
        msg("SELECT uper(name) FROM t"),
        "unknown function 'uper' at line 1, column 8 (did you mean 'upper'?)"
    );
    assert!(msg("SELECT 'a' + 1").starts_with("type error"));
    assert!(msg("SELECT * FROM t WHERE [id]").starts_with("type error"));
    let syntax = e.query("SELECT *\nFROM t\nWHERE id = = 1").unwrap_err();
    match syntax {
        Error::Syntax { line, column, .. } => assert_eq!((line, column), (3, 12)),
        other => panic!("{other}"),
    }
    assert!(matches!(
        e.query("SELECT 1 +"),
        Err(Error::Syntax { line: 1, .. })
    ));
}

#[test]
fn register_batches_and_case_insensitive_names() {
    let e = Engine::new();
    let b = RecordBatch::try_from_iter([(
        "Value",
        std::sync::Arc::new(arrow_array::Int64Array::from(vec![5, 6])) as _,
    )])
    .unwrap();
    e.register_batches("MyTable", vec![b]).unwrap();
    assert_eq!(rows(&e, "SELECT SUM(value) FROM mytable"), ["11"]);
    assert!(e.register_batches("x", vec![]).is_err());
}

// Answers checked against DuckDB 2.0.
#[test]
fn series_group_by_all_positions_and_digit_groups() {
    let e = engine();
    // GENERATE_SERIES includes its stop, RANGE does not; the alias alone
    // names the column.
    assert_eq!(
        rows(
            &e,
            "SELECT * FROM generate_series(2, 10, 2) AS gs WHERE gs > 5"
        ),
        ["6", "8", "10"]
    );
    assert_eq!(
        rows(&e, "SELECT * FROM generate_series(10, 1, -3)"),
        ["10", "7", "4", "1"]
    );
    assert!(rows(&e, "SELECT * FROM generate_series(1, 0)").is_empty());
    assert_eq!(rows(&e, "SELECT * FROM range(3)"), ["0", "1", "2"]);
    assert_eq!(rows(&e, "SELECT * FROM range(10, 0, -4)"), ["10", "6", "2"]);
    assert_eq!(
        rows(
            &e,
            "SELECT n, i FROM range(4, 6) WITH ORDINALITY AS r(n, i)"
        ),
        ["4|1", "5|2"]
    );
    let err = e
        .query("SELECT * FROM range(1, 5, 0)")
        .unwrap_err()
        .to_string();
    assert!(err.contains("step cannot be 0"), "{err}");
    let err = e
        .query("SELECT * FROM range(0, 9223372036854775807)")
        .unwrap_err()
        .to_string();
    assert!(err.contains("builds at most"), "{err}");
    // GROUP BY ALL groups by the select items that aggregate nothing.
    assert_eq!(
        rows(
            &e,
            "SELECT grp, COUNT(*), MAX(id) FROM t GROUP BY ALL ORDER BY grp"
        ),
        ["a|2|2", "b|1|3", "NULL|1|4"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT grp IS NULL AS g, id > 1, COUNT(*) FROM t GROUP BY ALL ORDER BY 1, 2"
        ),
        ["false|false|1", "false|true|2", "true|true|1"]
    );
    // POSITION / STRPOS count characters from 1; 0 when absent.
    assert_eq!(
        rows(
            &e,
            "SELECT STRPOS('héllo', 'l'), POSITION('b' IN 'abc'), STRPOS('abc', 'z'), STRPOS('abc', '')"
        ),
        ["3|2|0|1"]
    );
    // Underscores group digits.
    assert_eq!(rows(&e, "SELECT 1_000 + 2.5_0"), ["1002.50"]);
}

// Answers checked against DuckDB 2.0.
#[test]
fn date_differences_count_boundaries() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT DATEDIFF('days', DATE '2022-07-07', DATE '2022-01-01'), \
             DATEDIFF('minutes', TIMESTAMP '2022-07-07 10:00:00', TIMESTAMP '2022-07-07 12:30:59'), \
             DATEDIFF('month', DATE '2022-01-31', DATE '2022-02-01'), \
             DATEDIFF('year', DATE '2021-12-31', DATE '2022-01-01'), \
             DATEDIFF('quarter', DATE '2022-03-31', DATE '2022-04-01'), \
             DATEDIFF('hour', TIMESTAMP '2022-01-01 23:59:00', TIMESTAMP '2022-01-02 00:01:00'), \
             DATEDIFF('day', TIMESTAMP '2022-01-01 23:59:00', DATE '2022-01-02'), \
             DATEDIFF('days', '2022-07-07', DATE '2022-07-08')"
        ),
        ["-187|150|1|1|1|1|1|1"]
    );
    // Weeks are whole weeks of days (DuckDB's rule), not Mondays passed.
    assert_eq!(
        rows(
            &e,
            "SELECT DATEDIFF('week', DATE '2024-01-07', DATE '2024-01-08'), \
             DATEDIFF('week', DATE '2024-01-14', DATE '2024-01-08'), \
             DATEDIFF('week', DATE '2024-01-01', DATE '2024-01-15'), \
             DATEDIFF('millisecond', TIMESTAMP '2024-01-01 10:00:00.0015', TIMESTAMP '2024-01-01 10:00:00.0031'), \
             DATEDIFF('day', NULL, DATE '2024-01-01')"
        ),
        ["0|0|2|2|NULL"]
    );
    let err = e
        .query("SELECT DATEDIFF('dow', DATE '2024-01-01', DATE '2024-01-02')")
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot count in"), "{err}");
}

/// Regular expressions, each answer DuckDB 2.0's.
#[test]
fn regular_expressions() {
    let e = Engine::new();
    assert_eq!(
        rows(
            &e,
            "SELECT 'Cordelia' ~ '^C.', 'abc' ~* 'B', 'abc' !~ 'b', 'abc' !~* 'B', \
             REGEXP_MATCHES('ABC', 'b', 'i'), REGEXP_FULL_MATCH('abc', 'b'), \
             REGEXP_FULL_MATCH('ab', 'a|ab'), 'Mars' REGEXP 'a.s', 'Mars' NOT RLIKE 'a.s'"
        ),
        ["true|true|false|false|true|false|true|true|false"]
    );
    assert_eq!(
        rows(
            &e,
            concat!(
                r"SELECT REGEXP_REPLACE('aaa', 'a', 'b'), REGEXP_REPLACE('aaa', 'a', 'b', 'g'), ",
                r"REGEXP_REPLACE('abc', '(b)', '<\1>'), REGEXP_REPLACE('abc', '(b)', '\0\0'), ",
                r"REGEXP_REPLACE('abc', 'b', '\\'), REGEXP_REPLACE('a.c', '.', '$0'), ",
                r"REGEXP_REPLACE('a.c', '.', 'x', 'gl')"
            )
        ),
        [r"baa|bbb|a<b>c|abbc|a\c|$0.c|axc"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT REGEXP_EXTRACT('abc123', '[0-9]+'), \
             REGEXP_EXTRACT('abc123', '([a-z]+)([0-9]+)', 2), REGEXP_EXTRACT('abc', 'z') = '', \
             REGEXP_EXTRACT_ALL('a1b22c', '[0-9]+'), REGEXP_SPLIT_TO_ARRAY('a1b2c', '[0-9]')"
        ),
        ["123|123|true|[1, 22]|[a, b, c]"]
    );
    // A NULL argument gives NULL; a pattern may differ row by row.
    assert_eq!(
        rows(
            &e,
            "SELECT REGEXP_MATCHES(NULL, 'a'), REGEXP_REPLACE('a', NULL, 'b'), \
             REGEXP_EXTRACT('a', 'a', NULL)"
        ),
        ["NULL|NULL|NULL"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT s ~ p FROM (VALUES ('abc', 'b'), ('abc', '^b'), ('xyz', 'y$|^x')) t(s, p)"
        ),
        ["true", "false", "true"]
    );
    for (sql, says) in [
        ("SELECT 'a' ~ '('", "invalid regular expression"),
        (
            "SELECT REGEXP_MATCHES('a', 'a', 'q')",
            "unknown regular expression option 'q'",
        ),
        ("SELECT REGEXP_MATCHES('a', 'a', 'g')", "option 'g'"),
        ("SELECT REGEXP_EXTRACT('a', '(a)', 2)", "no group 2"),
        (
            "SELECT REGEXP_EXTRACT('a', 'a', 'x')",
            "group is an integer",
        ),
        ("SELECT REGEXP_REPLACE('a', 'a')", "3 to 4 argument"),
    ] {
        let err = e.query(sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

/// A correlated subquery whose value is not NULL over no rows
/// (`COALESCE(SUM(x), 0)`) keeps that value for outer rows without a
/// match: it must not become a LEFT JOIN's NULL. DuckDB's answers.
#[test]
fn correlated_aggregates_over_no_rows_keep_their_value() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE p AS SELECT * FROM (VALUES (1), (2), (3)) v(id); \
         CREATE TABLE s AS SELECT * FROM (VALUES (2, 10.0), (2, 5.0), (3, NULL)) v(pid, r)",
    )
    .unwrap();
    for (sql, want) in [
        (
            "SELECT id, (SELECT COALESCE(SUM(r), 0) FROM s WHERE s.pid = p.id) FROM p ORDER BY id",
            vec!["1|0.0", "2|15.0", "3|0.0"],
        ),
        (
            "SELECT id, (SELECT CASE WHEN MAX(r) IS NULL THEN 'none' ELSE 'some' END \
             FROM s WHERE s.pid = p.id) FROM p ORDER BY id",
            vec!["1|none", "2|some", "3|none"],
        ),
        (
            "SELECT id FROM p WHERE (SELECT COALESCE(SUM(r), 0) FROM s WHERE s.pid = p.id) = 0 \
             ORDER BY id",
            vec!["1", "3"],
        ),
        // NULL over no rows: still a join, with the same answers.
        (
            "SELECT id, (SELECT 2 * SUM(r) FROM s WHERE s.pid = p.id) FROM p ORDER BY id",
            vec!["1|NULL", "2|30.0", "3|NULL"],
        ),
    ] {
        assert_eq!(rows(&e, sql), want, "{sql}");
    }
}

#[test]
fn show_functions_lists_the_binders_table() {
    let e = Engine::new();
    let all = e.query("SHOW FUNCTIONS").unwrap();
    assert_eq!(
        all.num_rows(),
        engine_core::functions::registry::functions().count()
    );
    assert_eq!(
        rows(&e, "SHOW FUNCTIONS LIKE 'regexp_ex%'"),
        [
            "regexp_extract|scalar|REGEXP_EXTRACT(text, pattern [, group]) -> VARCHAR|regexp_substr|the first match, or its group; '' if none",
            "regexp_extract_all|scalar|REGEXP_EXTRACT_ALL(text, pattern [, group]) -> VARCHAR[]||every match, or its group",
        ]
    );
    // An alias finds its function; ILIKE ignores case.
    assert_eq!(
        rows(&e, "SHOW FUNCTIONS ILIKE 'MIN_BY'")
            .iter()
            .map(|r| r.split('|').take(2).collect::<Vec<_>>().join("|"))
            .collect::<Vec<_>>(),
        ["arg_min|aggregate"]
    );
    let kinds = rows(&e, "SHOW FUNCTIONS LIKE 'r%'");
    assert!(
        kinds.iter().any(|r| r.starts_with("range|table|")),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|r| r.starts_with("rank|window|")),
        "{kinds:?}"
    );
    assert!(e.query("SHOW FUNCTIONS WHERE name = 'x'").is_err());
}

/// Bitwise operators, numbers as conditions, float division by zero, list
/// containment, negative SUBSTRING starts, DATE_TRUNC of a date and
/// lateral aliases: DuckDB 2.0's answers.
#[test]
fn duckdb_operator_rules() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT 5 | 3, 5 & 3, ~5, NULL | '192.168.1.1/8', NOT 5, 1 AND 0, 2 OR NULL"
        ),
        ["7|1|-6|NULL|false|false|true"]
    );
    assert_eq!(
        rows(&e, "SELECT id FROM t WHERE id & 1 ORDER BY id"),
        ["1", "3"]
    );
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM t WHERE 0 | 0"), ["0"]);
    assert_eq!(
        rows(&e, "SELECT COUNT(*) FROM t WHERE 'true' AND 2.5"),
        ["4"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT CASE WHEN id - 1 THEN 'y' ELSE 'n' END FROM t ORDER BY id"
        ),
        ["n", "y", "y", "y"]
    );
    assert_eq!(
        rows(&e, "SELECT 1 / 0, -1 / 0.0, 0 / 0.0, 1.5 / 0, 7 % 0"),
        ["inf|-inf|NaN|inf|NULL"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT [1, 2, 3] @> [1, 2], [1, 2] <@ [1, 2, 3], [1, NULL] @> [NULL], \
             [1, 2] @> [3], ['a'] @> [], LIST_HAS_ALL(['x', 'y'], ['y']), NULL @> [1]"
        ),
        ["true|true|true|false|true|true|NULL"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT SUBSTRING('Mars' FROM -1), SUBSTRING('Mars', -2, 2), SUBSTRING('Mars', 0, 2), \
             SUBSTRING('Mars', -10, 12), SUBSTRING('Mars', 2)"
        ),
        ["s|rs|M|Mars|ars"]
    );
    assert_eq!(
        rows(&e, "SELECT DATE_TRUNC('year', DATE '1921-03-02')"),
        ["1921-01-01T00:00:00"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT grp, COUNT(*) AS c, c + c AS doubled FROM t WHERE grp IS NOT NULL \
             GROUP BY grp ORDER BY grp"
        ),
        ["a|2|4", "b|1|2"]
    );
    // An input column wins over an alias of the same name.
    assert_eq!(
        rows(
            &e,
            "SELECT id * 10 AS id, id + 1 AS x, x * 2 FROM t ORDER BY 1 LIMIT 1"
        ),
        ["10|2|4"]
    );
    for (sql, says) in [
        ("SELECT 'a' | 1", "works on integers"),
        ("SELECT 1.5 & 1", "works on integers"),
        ("SELECT ~name FROM t", "works on integers"),
        ("SELECT COUNT(*) FROM t WHERE 'abc'", "cannot cast"),
        (
            "SELECT COUNT(*) FROM t WHERE DATE '2020-01-01'",
            "needs a boolean",
        ),
        ("SELECT [1] @> 1", "needs a list"),
    ] {
        let err = e.query(sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

/// SQLite's leniency where an operand can never be evaluated, and NULLIF's
/// type (the records of the SQLite corpus that needed them).
#[test]
fn unreachable_operands_and_nullif_types() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT grp, COALESCE(5, score), COALESCE(COALESCE(-86, score), name), \
             CASE 8 WHEN 76 THEN score * 8 ELSE 1 END, CASE WHEN true THEN 2 ELSE score END \
             FROM t WHERE grp = 'a' GROUP BY grp"
        ),
        ["a|5.0|-86.0|1.0|2.0"]
    );
    // A branch that can be taken still needs its columns grouped.
    for sql in [
        "SELECT COALESCE(score, 5) FROM t GROUP BY grp",
        "SELECT CASE WHEN grp = 'a' THEN score END FROM t GROUP BY grp",
    ] {
        let err = e.query(sql).unwrap_err().to_string();
        assert!(err.contains("must appear in the GROUP BY"), "{sql}: {err}");
    }
    assert_eq!(
        rows(
            &e,
            "SELECT NULLIF(53, AVG(score)) / -71 * NULLIF(-78, -27), NULLIF(53, 53.0), \
             NULLIF('a', 'b') FROM t"
        ),
        ["58.225352112676056|NULL|a"]
    );
    assert_eq!(
        rows(
            &e,
            "SET integer_division = true; SELECT NULLIF(53, 2.5) / -71"
        ),
        ["0"]
    );
}

/// Conditional, text and math functions; DuckDB 2.0's answers.
#[test]
fn more_scalar_functions() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT IF(1 > 0, 'a', 'b'), IIF(false, 1, 2.5), SPLIT_PART('a,b,c', ',', 2), \
             SPLIT_PART('a,b,c', ',', -1), SPLIT_PART('a,b,c', ',', 5) = '', \
             SPLIT_PART('abc', '', 2), LEVENSHTEIN('kitten', 'sitting'), \
             CONCAT_WS('-', 'a', NULL, 'c'), REPEAT('ab', 3), REPEAT('ab', -1) = ''"
        ),
        ["a|2.5|b|c|true|b|3|a-c|ababab|true"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT ROUND(SIN(1), 6), ROUND(COS(1), 6), ROUND(TAN(1), 6), ROUND(ASIN(0.5), 6), \
             ROUND(ACOS(0.5), 6), ROUND(ATAN(1), 6), ROUND(ATAN2(1, 2), 6), ROUND(DEGREES(PI()), 6), \
             ROUND(RADIANS(180), 6), ROUND(COT(1), 6), ROUND(CBRT(27), 9), LOG(100), LOG(2, 8), \
             TRUNC(-2.7), TRUNC(5)"
        ),
        ["0.841471|0.540302|1.557408|0.523599|1.047198|0.785398|0.463648|180.0|3.141593|0.642093|3.0|2.0|3.0|-2.0|5"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT SQRT(-1), ISNAN(LN(-1)), ISINF(1 / 0), ISFINITE(2.0), ISNAN(NULL)"
        ),
        ["NaN|true|true|true|NULL"]
    );
    // HASH: equal values hash equally, NULL too; a different value differs.
    assert_eq!(
        rows(
            &e,
            "SELECT HASH(1) = HASH(1), HASH('a', 2) = HASH('a', 2), HASH(NULL) IS NULL, \
             HASH(1) = HASH(2)"
        ),
        ["true|true|false|false"]
    );
    e.query("SET memory_limit = '10MB'").unwrap();
    let err = e.query("SELECT REPEAT('x', 1000000000)").unwrap_err();
    assert!(matches!(err, Error::ResourcesExhausted(_)), "{err}");
}

/// `f(a = b)` passes the comparison, in every function and aggregate: the
/// parser once read `name = value` as a named argument, so `IF(id = 1, ...)`
/// and `COUNT_IF(grp = 'a')` were refused (DuckDB's answers). A reader's
/// options keep the same spelling (`read_csv(..., delim = ';')`, tested in
/// dml.rs).
#[test]
fn a_comparison_is_a_function_argument() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT IF(id = 1, 'one', 'other'), COALESCE(name = 'bob', false), \
             NULLIF(id = 3, true) FROM t ORDER BY id"
        ),
        [
            "one|false|false",
            "other|true|false",
            "other|false|NULL",
            "other|false|false"
        ]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT_IF(grp = 'a'), BOOL_AND(id = id), BOOL_OR(score = 3.0), \
             SUM(CAST(id = 2 AS INTEGER)), COUNT(*) FILTER (WHERE id = 4) FROM t"
        ),
        ["2|true|true|1|1"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id, COUNT_IF(tag = 'x') OVER (ORDER BY tag) FROM u ORDER BY tag"
        ),
        ["9|0", "1|1", "1|1", "3|1"]
    );
}

/// The calendar functions beside DATE_PART, checked against DuckDB 2.0:
/// parts by name, EPOCH, LAST_DAY, the names of days and months,
/// MAKE_DATE/MAKE_TIMESTAMP and STRFTIME/STRPTIME, over columns (NULLs
/// included) and with their errors.
#[test]
fn calendar_functions() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE d (t TIMESTAMP, f VARCHAR);
         INSERT INTO d VALUES (TIMESTAMP '2024-02-10 07:08:09.25', '%Y'),
             (TIMESTAMP '1969-12-31 23:59:59', '%d.%m.%y %I %p'), (NULL, '%j')",
    )
    .unwrap();
    assert_eq!(
        rows(
            &e,
            "SELECT QUARTER(t), WEEK(t), DAYOFWEEK(t), ISODOW(t), DAYOFYEAR(t), ISOYEAR(t), \
             HOUR(t), MINUTE(t), SECOND(t), MILLISECOND(t), MICROSECOND(t), EPOCH(t), \
             EXTRACT(epoch FROM CAST(t AS DATE)), LAST_DAY(t), DAYNAME(t), MONTHNAME(t), \
             STRFTIME(t, f) FROM d ORDER BY t NULLS LAST"
        ),
        [
            "4|1|3|3|365|1970|23|59|59|59000|59000000|-1.0|-86400.0|1969-12-31|Wednesday|December|31.12.69 11 PM",
            "1|6|6|6|41|2024|7|8|9|9250|9250000|1707548889.25|1707523200.0|2024-02-29|Saturday|February|2024",
            "NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
        ]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT MAKE_DATE(2024, 2, 29), MAKE_TIMESTAMP(2024, 1, 2, 3, 4, 5.5), \
             MAKE_DATE(NULL, 1, 1), STRPTIME('2024-01-07 10:11', '%Y-%m-%d %H:%M'), \
             STRPTIME('07/02/24', '%d/%m/%y'), TRY_STRPTIME('7 Feb', '%Y'), \
             STRFTIME(DATE '2024-01-07', '%a %b %-d, %f')"
        ),
        ["2024-02-29|2024-01-02T03:04:05.500|NULL|2024-01-07T10:11:00|2024-02-07T00:00:00|NULL|Sun Jan 7, 000000"]
    );
    assert_errors(
        &e,
        &[
            ("SELECT MAKE_DATE(2024, 2, 30)", "2024-2-30 is not a date"),
            (
                "SELECT MAKE_TIMESTAMP(2024, 1, 1, 24, 0, 0)",
                "is not a time",
            ),
            (
                "SELECT STRPTIME('7 Feb', '%Y')",
                "does not match the format '%Y'",
            ),
            (
                "SELECT STRFTIME(DATE '2024-01-01', '%Q')",
                "bad format '%Q'",
            ),
            // chrono cannot print an offset of a time without one: an error,
            // not a panic.
            (
                "SELECT STRFTIME(DATE '2024-01-01', '%z')",
                "cannot apply the format",
            ),
            ("SELECT MAKE_DATE('2024', 1, 1)", "expects a number"),
            (
                "SELECT STRFTIME(DATE '2024-01-01', REPEAT('%Y', 3000))",
                "a format is at most 4096 bytes",
            ),
        ],
    );
    // A long text built row by row is checked against the memory limit as
    // it grows (8 KB a row here, 80 MB in all).
    let sql = "SELECT MAX(LENGTH(STRFTIME(MAKE_DATE(2024, 1, 1 + i % 28), REPEAT('%Y', 2000)))) \
               FROM range(10000) t(i)";
    e.query("SET memory_limit = '1GB'").unwrap();
    assert_eq!(rows(&e, sql), ["8000"]);
    e.query("SET memory_limit = '10MB'").unwrap();
    let err = e.query(sql).unwrap_err();
    assert!(matches!(err, Error::ResourcesExhausted(_)), "{err}");
}

/// A timestamp as text, and text as a timestamp, as in DuckDB and
/// PostgreSQL: a space between date and time, a fraction only when there is
/// one, and text without seconds read as a time.
#[test]
fn timestamps_as_text_as_in_duckdb() {
    let e = Engine::new();
    assert_eq!(
        rows(
            &e,
            "SELECT CAST(TIMESTAMP '2024-02-10 10:00' AS VARCHAR), \
             CAST(TIMESTAMP '2024-02-10T10:00:01.5' AS VARCHAR), \
             TIMESTAMP '1969-12-31 23:59:59.000001' || '', \
             CAST(CAST('2024-02-10 10:00:00.25' AS TIMESTAMP) AS TEXT) LIKE '% 10:00:00.25', \
             TRY_CAST('2024-13-01 10:00' AS TIMESTAMP), CAST(DATE '2024-01-01' AS VARCHAR)"
        ),
        ["2024-02-10 10:00:00|2024-02-10 10:00:01.5|1969-12-31 23:59:59.000001|true|NULL|2024-01-01"]
    );
    // Other units keep their own precision.
    let ns = arrow_array::TimestampNanosecondArray::from(vec![Some(1_500_000_001), None]);
    let ms = arrow_array::TimestampMillisecondArray::from(vec![Some(86_400_120), Some(0)]);
    let batch = RecordBatch::try_from_iter([
        ("ns", std::sync::Arc::new(ns) as arrow_array::ArrayRef),
        ("ms", std::sync::Arc::new(ms) as arrow_array::ArrayRef),
    ])
    .unwrap();
    e.register_batches("units", vec![batch]).unwrap();
    assert_eq!(
        rows(
            &e,
            "SELECT CAST(ns AS VARCHAR), CAST(ms AS VARCHAR) FROM units"
        ),
        [
            "1970-01-01 00:00:01.500000001|1970-01-02 00:00:00.12",
            "NULL|1970-01-01 00:00:00"
        ]
    );
    assert!(e
        .query("SELECT CAST('2024-02-10 10:0' AS TIMESTAMP)")
        .unwrap_err()
        .to_string()
        .contains("2024-02-10 10:0"));
}

/// LIKE as in DuckDB: no escape character unless ESCAPE names one, so a
/// backslash is an ordinary character (arrow's kernel escapes with it; the
/// binder respells the pattern for it).
#[test]
fn like_escapes_only_with_escape() {
    let e = Engine::new();
    assert_eq!(
        rows(
            &e,
            r"SELECT 'a\b' LIKE 'a\b', 'a%' LIKE 'a\%', 'ab' LIKE 'a\b', 'a\' LIKE 'a\',
                     'a%' LIKE 'a\%' ESCAPE '\', 'a%' LIKE 'a!%' ESCAPE '!', 'ab' LIKE 'a!%' ESCAPE '!',
                     'a!' LIKE 'a!!' ESCAPE '!', 'ab' LIKE 'a!b' ESCAPE '!', 'AB%' ILIKE 'a_!%' ESCAPE '!',
                     'a_c' NOT LIKE 'a#_c' ESCAPE '#', 'x' LIKE 'x' ESCAPE ''"
        ),
        ["true|false|false|true|true|true|false|true|true|true|false|true"]
    );
    // A pattern from a column: its backslashes are characters too.
    assert_eq!(
        rows(
            &e,
            r"SELECT p, 'a\b' LIKE p FROM (VALUES ('a\b'), ('a\_'), ('a\%'), ('a_')) t(p) ORDER BY p"
        ),
        [r"a\%|true", r"a\_|true", r"a\b|true", "a_|false"]
    );
    assert_errors(
        &e,
        &[
            (
                "SELECT 'a' LIKE 'a!' ESCAPE '!'",
                "ends with its escape character",
            ),
            ("SELECT 'a' LIKE 'a' ESCAPE 'ab'", "must be one character"),
            (
                "SELECT 'a' LIKE p ESCAPE '!' FROM (VALUES ('a')) t(p)",
                "not a constant",
            ),
        ],
    );
}

/// `WITHIN GROUP (ORDER BY ...)` is never ignored: the ordered-set
/// aggregates take it as DuckDB does (their answers), LISTAGG/STRING_AGG as
/// their ORDER BY, and forms that make no sense are errors.
#[test]
fn within_group_orders_or_is_refused() {
    let e = Engine::new();
    assert_eq!(
        rows(
            &e,
            "SELECT PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY x), \
             PERCENTILE_DISC(0.25) WITHIN GROUP (ORDER BY x), MODE() WITHIN GROUP (ORDER BY x), \
             PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY x DESC), \
             PERCENTILE_DISC(0.7) WITHIN GROUP (ORDER BY x DESC), \
             LISTAGG(CAST(x AS VARCHAR), ',') WITHIN GROUP (ORDER BY x DESC), \
             SUM(x) WITHIN GROUP (ORDER BY x) \
             FROM (VALUES (1), (10), (2), (2)) t(x)"
        ),
        ["1.75|1|2|4.0|2|10,2,2,1|15"]
    );
    assert_errors(
        &e,
        &[
        (
            "SELECT PERCENTILE_CONT(0.5, 1) WITHIN GROUP (ORDER BY x) FROM (VALUES (1)) t(x)",
            "got 2 argument(s)",
        ),
        (
            "SELECT MODE() WITHIN GROUP (ORDER BY x, x) FROM (VALUES (1)) t(x)",
            "takes one ORDER BY key",
        ),
        (
            "SELECT STRING_AGG(x, ',' ORDER BY x) WITHIN GROUP (ORDER BY x) FROM (VALUES ('a')) t(x)",
            "both in its arguments and in WITHIN GROUP",
        ),
        (
            "SELECT PERCENTILE_DISC(1.5) WITHIN GROUP (ORDER BY x DESC) FROM (VALUES (1)) t(x)",
            "needs a constant fraction",
        ),
        ],
    );
}

/// DISTINCT ON keeps the first row of each key in ORDER BY order (DuckDB's
/// answers); without ORDER BY, some row of each key.
#[test]
fn distinct_on_keeps_the_first_row_of_each_key() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT DISTINCT ON (grp) grp, name, score FROM t ORDER BY grp, score DESC NULLS LAST"
        ),
        ["a|ann|1.5", "b|cy|3.0", "NULL|NULL|4.0"]
    );
    // The key and the order may be hidden expressions, or positions.
    assert_eq!(
        rows(
            &e,
            "SELECT DISTINCT ON (id % 2) name FROM t ORDER BY id % 2, id DESC"
        ),
        ["NULL", "cy"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT DISTINCT ON (1) grp, id FROM t ORDER BY 1, 2 DESC"
        ),
        ["a|2", "b|3", "NULL|4"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM (SELECT DISTINCT ON (grp) id FROM t)"
        ),
        ["3"]
    );
}

/// `x op ANY/ALL (SELECT ...)`, every answer DuckDB's: true, false and NULL
/// as SQL's three-valued rules give them, over empty and NULL-holding sets.
#[test]
fn quantified_comparisons_with_subqueries() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM t WHERE id > ANY (SELECT id FROM u) ORDER BY id"
        ),
        ["2", "3", "4"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM t WHERE id >= ALL (SELECT id FROM u WHERE id < 9) ORDER BY id"
        ),
        ["3", "4"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM t WHERE id = SOME (SELECT id FROM u) ORDER BY id"
        ),
        ["1", "3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM t WHERE id <> ALL (SELECT id FROM u) ORDER BY id"
        ),
        ["2", "4"]
    );
    // A NULL in the set, an empty set, a NULL on the left.
    assert_eq!(
        rows(
            &e,
            "SELECT id, id < ALL (SELECT x FROM (VALUES (3), (NULL)) v(x)), \
             id < ANY (SELECT x FROM (VALUES (3), (NULL)) v(x)), \
             id = ALL (SELECT x FROM (VALUES (3), (3)) v(x)), \
             id > ALL (SELECT id FROM u WHERE id > 100), \
             id > ANY (SELECT id FROM u WHERE id > 100) FROM t ORDER BY id"
        ),
        [
            "1|NULL|true|false|true|false",
            "2|NULL|true|false|true|false",
            "3|false|NULL|true|true|false",
            "4|false|NULL|false|true|false"
        ]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT NULL > ANY (SELECT 1), NULL > ANY (SELECT 1 WHERE FALSE)"
        ),
        ["NULL|false"]
    );
    // Correlated: each row against its own set.
    assert_eq!(
        rows(
            &e,
            "SELECT t.id, 'x' < ALL (SELECT tag FROM u WHERE u.id = t.id) FROM t ORDER BY 1"
        ),
        ["1|false", "2|true", "3|true", "4|true"]
    );
    let err = e
        .query("SELECT 1 > ANY (SELECT id, tag FROM u)")
        .unwrap_err();
    assert!(err.to_string().contains("one column"), "{err}");
}

#[test]
fn order_by_all_sorts_by_every_column() {
    let e = engine();
    assert_eq!(
        rows(&e, "SELECT grp, id FROM t ORDER BY ALL"),
        ["a|1", "a|2", "b|3", "NULL|4"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT grp, COUNT(*) FROM t GROUP BY ALL ORDER BY ALL DESC NULLS LAST"
        ),
        ["b|1", "a|2", "NULL|1"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM u UNION SELECT id FROM t ORDER BY ALL DESC LIMIT 2"
        ),
        ["9", "4"]
    );
}
