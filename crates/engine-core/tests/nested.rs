//! Lists and structs: list literals, UNNEST, ARRAY_AGG, indexing, SPLIT and
//! struct fields. Every answer is DuckDB 2.0's for the same query (over the
//! same rows, which DuckDB builds with its own list syntax).

mod common;

use common::{rows, sorted};
use engine_core::Engine;

/// `n(id, tags)`: two lists, an empty one, a NULL one and one holding a
/// NULL; and the sample astronauts (lists of missions, a struct of their
/// birth place) as `astronauts`.
fn engine() -> Engine {
    let e = Engine::new();
    let astronauts = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/virtual/astronauts.parquet"
    );
    e.query(&format!(
        "CREATE TABLE n AS SELECT * FROM (VALUES (1, ['a', 'b']), (2, []), (3, NULL), \
         (4, ['c', NULL, 'a'])) v(id, tags);
         CREATE VIEW astronauts AS SELECT * FROM '{astronauts}'"
    ))
    .unwrap();
    e
}

#[test]
fn unnest_gives_a_row_per_element() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT id, t FROM n CROSS JOIN UNNEST(tags) AS u(t) ORDER BY id, t NULLS LAST"
        ),
        ["1|a", "1|b", "4|a", "4|c", "4|NULL"]
    );
    // A comma is a cross join too, and the alias alone names the column.
    assert_eq!(
        rows(
            &e,
            "SELECT id, t FROM n, UNNEST(tags) AS t WHERE t = 'a' ORDER BY id"
        ),
        ["1|a", "4|a"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id, t, k FROM n CROSS JOIN UNNEST(tags) WITH ORDINALITY AS u(t, k) ORDER BY id, k"
        ),
        ["1|a|1", "1|b|2", "4|c|1", "4|NULL|2", "4|a|3"]
    );
    // LEFT JOIN ... ON TRUE keeps the rows without elements.
    assert_eq!(
        rows(
            &e,
            "SELECT id, t FROM n LEFT JOIN UNNEST(tags) AS u(t) ON TRUE ORDER BY id, t NULLS LAST"
        ),
        ["1|a", "1|b", "2|NULL", "3|NULL", "4|a", "4|c", "4|NULL"]
    );
    assert_eq!(
        rows(&e, "SELECT x FROM UNNEST([3, 1, 2]) AS u(x) ORDER BY x"),
        ["1", "2", "3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT t, COUNT(*) FROM n CROSS JOIN UNNEST(tags) AS u(t) GROUP BY t ORDER BY t NULLS LAST"
        ),
        ["a|2", "b|1", "c|1", "NULL|1"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*), COUNT(DISTINCT m) FROM astronauts CROSS JOIN UNNEST(missions) AS u(m)"
        ),
        ["846|246"]
    );
    for (sql, says) in [
        (
            "SELECT * FROM n CROSS JOIN UNNEST(id) AS u",
            "UNNEST needs a list",
        ),
        (
            "SELECT * FROM n LEFT JOIN UNNEST(tags) AS u",
            "needs ON or USING",
        ),
        (
            "SELECT * FROM n CROSS JOIN UNNEST(tags) AS u(a, b)",
            "the alias names 2",
        ),
        (
            "SELECT * FROM n CROSS JOIN UNNEST(tags, tags) AS u",
            "several lists",
        ),
    ] {
        let err = e.query(sql).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

#[test]
fn array_agg_collects_a_group_in_input_order() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT id, ARRAY_AGG(t) FROM n CROSS JOIN UNNEST(tags) AS u(t) GROUP BY id ORDER BY id"
        ),
        // (The NULL element prints as nothing in this helper's text.)
        ["1|[a, b]", "4|[c, , a]"]
    );
    assert_eq!(rows(&e, "SELECT ARRAY_AGG(id) FROM n"), ["[1, 2, 3, 4]"]);
    // A group of no rows (here: all filtered out) is NULL.
    assert_eq!(
        rows(&e, "SELECT ARRAY_AGG(id) FILTER (WHERE id > 9) FROM n"),
        ["NULL"]
    );
    // Aggregated, then unnested again: the same rows.
    assert_eq!(
        sorted(rows(
            &e,
            "SELECT x FROM (SELECT ARRAY_AGG(id) AS xs FROM n) CROSS JOIN UNNEST(xs) AS u(x)"
        )),
        ["1", "2", "3", "4"]
    );
    assert_eq!(
        rows(&e, "SELECT ARRAY_AGG(id ORDER BY id DESC) FROM n"),
        ["[4, 3, 2, 1]"]
    );
}

#[test]
fn list_literals_indexes_and_split() {
    let e = engine();
    // From 1; negative counts from the end; 0 and past the end are NULL.
    assert_eq!(
        rows(
            &e,
            "SELECT id, tags[1], tags[-1], tags[5], tags[0] FROM n ORDER BY id"
        ),
        [
            "1|a|b|NULL|NULL",
            "2|NULL|NULL|NULL|NULL",
            "3|NULL|NULL|NULL|NULL",
            "4|c|a|NULL|NULL"
        ]
    );
    assert_eq!(
        rows(&e, "SELECT COALESCE(tags, ['none'])[1] FROM n ORDER BY id"),
        ["a", "NULL", "none", "c"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT SPLIT('a,b,,c', ',')[3], SPLIT('a,b,,c', ',')[4], SPLIT('ab', '')[2], SPLIT(NULL, ',')"
        ),
        ["|c|b|NULL"]
    );
    assert_eq!(
        rows(&e, "SELECT [1, 2, NULL][2], [1, 2][-2], ['a'][2]"),
        ["2|1|NULL"]
    );
    let err = e.query("SELECT id[1] FROM n").unwrap_err().to_string();
    assert!(
        err.contains("reads a list's element or a struct's field"),
        "{err}"
    );
}

#[test]
fn struct_fields_by_subscript_dot_and_arrow() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT birth_place['town'], birth_place.state, a.birth_place.town, \
             birth_place->>'state', missions[1], missions[-1] \
             FROM astronauts a WHERE name = 'Buzz Aldrin'"
        ),
        ["Montclair|NJ|Montclair|NJ|Gemini 12|Apollo 11"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM astronauts WHERE birth_place->>'state' = 'CA'"
        ),
        rows(
            &e,
            "SELECT COUNT(*) FROM astronauts WHERE birth_place['state'] = 'CA'"
        )
    );
    for (sql, says) in [
        (
            "SELECT birth_place['nope'] FROM astronauts",
            "unknown field 'nope'",
        ),
        ("SELECT birth_place[1] FROM astronauts", "named by a string"),
        // A text that is not JSON, read as JSON.
        ("SELECT name->>'x' FROM astronauts", "malformed JSON"),
    ] {
        let err = e.query(sql).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

/// JSON in text columns (DuckDB 2.0's answers).
#[test]
fn json_text_is_read_by_path() {
    let e = Engine::new();
    e.query(
        r#"CREATE TABLE j AS SELECT * FROM (VALUES (1, '{"a": {"b": [1, 2, {"c": "x"}]}, "n": null}'),
           (2, '[10, 20]'), (3, NULL)) v(id, doc)"#,
    )
    .unwrap();
    assert_eq!(
        rows(
            &e,
            "SELECT doc -> '$.a.b[2].c', doc ->> '$.a.b[2].c', doc ->> '$.a.b', doc ->> 'n', \
             doc -> 'n', doc ->> 'zz', JSON_TYPE(doc), JSON_ARRAY_LENGTH(doc, '$.a.b') \
             FROM j WHERE id = 1"
        ),
        [r#""x"|x|[1,2,{"c":"x"}]|NULL|null|NULL|OBJECT|3"#]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id, doc ->> 1, JSON_ARRAY_LENGTH(doc), JSON_VALID(doc) FROM j ORDER BY id"
        ),
        ["1|NULL|0|true", "2|20|2|true", "3|NULL|NULL|NULL"]
    );
    assert_eq!(
        rows(
            &e,
            r#"SELECT JSON_EXTRACT('{"a": 1.5}', '$.a'), JSON_EXTRACT_STRING('{"a": true}', 'a'),
               JSON_VALID('{x'), JSON_TYPE('[1]', '$[0]'), '{"a b": 2}' ->> '$."a b"'"#
        ),
        ["1.5|true|false|UBIGINT|2"]
    );
    for (sql, says) in [
        ("SELECT '{bad' ->> 'a'", "malformed JSON"),
        (r#"SELECT '{"a": 1}' ->> '$.'"#, "invalid JSON path"),
        ("SELECT 5 ->> 'a'", "JSON text"),
    ] {
        let err = e.query(sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

/// UNNEST as a select item (DuckDB 2.0's answers).
#[test]
fn unnest_in_the_select_list() {
    let e = engine();
    assert_eq!(
        rows(
            &e,
            "SELECT id, UNNEST(tags) AS t FROM n ORDER BY id, t NULLS LAST"
        ),
        ["1|a", "1|b", "4|a", "4|c", "4|NULL"]
    );
    assert_eq!(
        rows(&e, "SELECT UNNEST([3, 1, 2]) ORDER BY 1"),
        ["1", "2", "3"]
    );
    // After WHERE, before GROUP BY.
    assert_eq!(
        rows(
            &e,
            "SELECT UNNEST(tags) AS t, COUNT(*) FROM n WHERE id > 1 GROUP BY t ORDER BY t NULLS LAST"
        ),
        ["a|1", "c|1", "NULL|1"]
    );
    // `*` is the FROM clause's columns only.
    assert_eq!(
        rows(&e, "SELECT *, UNNEST(tags) FROM n WHERE id = 1"),
        ["1|[a, b]|a", "1|[a, b]|b"]
    );
    for (sql, says) in [
        (
            "SELECT UNNEST(tags) + 1 FROM n",
            "UNNEST inside an expression",
        ),
        (
            "SELECT UNNEST(tags), UNNEST(tags) FROM n",
            "more than one UNNEST",
        ),
        ("SELECT UNNEST(id) FROM n", "needs a list"),
    ] {
        let err = e.query(sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

#[test]
fn lists_are_sorted_sliced_and_joined() {
    let e = engine();
    // Over the table's lists: a NULL list stays NULL, an empty one empty
    // (a NULL element shows as nothing between commas).
    assert_eq!(
        rows(
            &e,
            "SELECT id, LIST_SORT(tags), LIST_REVERSE_SORT(tags), LIST_DISTINCT(tags), \
             LIST_UNIQUE(tags), LIST_REVERSE(tags), tags[2:] FROM n ORDER BY id"
        ),
        [
            "1|[a, b]|[b, a]|[a, b]|2|[b, a]|[b]",
            "2|[]|[]|[]|0|[]|[]",
            "3|NULL|NULL|NULL|NULL|NULL|NULL",
            "4|[a, c, ]|[c, a, ]|[c, a]|2|[a, , c]|[, a]"
        ]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT LIST_SORT([3, NULL, 1], 'DESC', 'NULLS FIRST'), \
             [1, 2, 3, 4][-3:-2], [1, 2, 3, 4][3:2], LIST_SLICE([1, 2], NULL, 1), \
             'héllo'[2:3]"
        ),
        ["[, 3, 1]|[2, 3]|[]|NULL|él"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT [1] || [2.5], LIST_CONCAT(NULL, ['x']), FLATTEN([[1], NULL, [2, 3]]), \
             LIST_POSITION([1, NULL, 2], 2), LIST_POSITION([1, NULL], NULL), \
             LIST_POSITION([1], 5), ARRAY_LENGTH([7, 8])"
        ),
        ["[1.0, 2.5]|[x]|[1, 2, 3]|3|2|NULL|2"]
    );
    // Sorting a group's values, and slicing with bounds from columns.
    assert_eq!(
        rows(
            &e,
            "SELECT LIST_SORT(ARRAY_AGG(x))[k:k + 1] FROM (VALUES (3, 1), (1, 1), (2, 1)) v(x, k) GROUP BY k"
        ),
        ["[1, 2]"]
    );
    let err = e.query("SELECT LIST_SORT([1], 'UP')").unwrap_err();
    assert!(err.to_string().contains("'ASC' or 'DESC'"), "{err}");
    let err = e.query("SELECT LIST_SORT(1)").unwrap_err();
    assert!(err.to_string().contains("needs a list"), "{err}");
}
