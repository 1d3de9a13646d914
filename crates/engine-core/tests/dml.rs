//! Tables you write to: CREATE TABLE with its rules, INSERT, UPDATE, DELETE
//! and COPY. Every statement that fails leaves its table as it was.

mod common;

use common::rows;
use engine_core::{Engine, Error};

fn tmp(name: &str) -> String {
    let d = std::env::temp_dir().join(format!("tern-dml-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name).display().to_string()
}

#[test]
fn defaults_and_not_null() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE t (id INT NOT NULL, name VARCHAR DEFAULT 'none', score DOUBLE DEFAULT 1.5 * 2)",
    )
    .unwrap();
    assert_eq!(rows(&e, "INSERT INTO t (id) VALUES (1), (2)"), ["2"]);
    e.query("INSERT INTO t VALUES (3, 'c', NULL)").unwrap();
    // A column left out takes its DEFAULT; one with none is NULL.
    e.query("INSERT INTO t (score, id) VALUES (7, 4)").unwrap();
    assert_eq!(
        rows(&e, "SELECT * FROM t ORDER BY id"),
        ["1|none|3.0", "2|none|3.0", "3|c|NULL", "4|none|7.0"]
    );
    let err = e.query("INSERT INTO t (name) VALUES ('x')").unwrap_err();
    assert!(matches!(err, Error::Constraint(_)), "{err}");
    assert!(err.to_string().contains("'id' is NOT NULL"), "{err}");
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM t"), ["4"]);
    for (sql, says) in [
        ("CREATE TABLE u (a INT DEFAULT 'x')", "cannot cast"),
        ("CREATE TABLE u (a INT, A INT)", "twice"),
        (
            "CREATE TABLE u (a INT CHECK (a > (SELECT 1)))",
            "subquery in CHECK",
        ),
        ("CREATE TABLE u (a INT CHECK (SUM(a) > 0))", "not allowed"),
        ("CREATE TABLE u (a INT CHECK (b > 0))", "unknown column"),
        ("CREATE TABLE u (a INT REFERENCES t (id))", "REFERENCES"),
        ("INSERT INTO t (id, id) VALUES (1, 2)", "twice"),
    ] {
        let err = e.query(sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
}

#[test]
fn checks_stop_rows_that_break_them() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE c (id INT CHECK (id > 0), name VARCHAR, \
         CHECK (LENGTH(name) < 5 OR id > 100)); INSERT INTO c VALUES (1, 'ab'), (2, NULL)",
    )
    .unwrap();
    // A NULL condition passes; a false one fails the whole statement.
    for sql in [
        "INSERT INTO c VALUES (3, 'x'), (0, 'y')",
        "INSERT INTO c VALUES (4, 'toolong')",
        "UPDATE c SET id = id - 1",
        "INSERT INTO c SELECT -id, name FROM c",
    ] {
        let err = e.query(sql).unwrap_err();
        assert!(matches!(err, Error::Constraint(_)), "{sql}: {err}");
        assert!(err.to_string().contains("CHECK ("), "{sql}: {err}");
    }
    assert_eq!(rows(&e, "SELECT * FROM c ORDER BY id"), ["1|ab", "2|NULL"]);
    e.query("INSERT INTO c VALUES (101, 'a long name')")
        .unwrap();
    e.query("UPDATE c SET id = id + 1").unwrap();
    assert_eq!(rows(&e, "SELECT id FROM c ORDER BY id"), ["2", "3", "102"]);
    // INSERT ... SELECT into a checked table.
    e.query("CREATE TABLE d (x INT CHECK (x % 2 = 0))").unwrap();
    e.query("INSERT INTO d SELECT id * 2 FROM c").unwrap();
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM d"), ["3"]);
}

#[test]
fn keys_allow_each_value_once() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR UNIQUE); \
         INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, NULL)",
    )
    .unwrap();
    for sql in [
        // Against rows already there, and within the statement's own rows.
        "INSERT INTO t VALUES (1, 'z')",
        "INSERT INTO t VALUES (7, 'q'), (7, 'r')",
        "INSERT INTO t VALUES (8, 'a')",
        "UPDATE t SET id = 5",
    ] {
        let err = e.query(sql).unwrap_err();
        assert!(matches!(err, Error::Constraint(_)), "{sql}: {err}");
        assert!(err.to_string().contains("duplicate key"), "{sql}: {err}");
    }
    // A PRIMARY KEY's columns are NOT NULL.
    assert!(e.query("INSERT INTO t VALUES (NULL, 'n')").is_err());
    assert_eq!(
        rows(&e, "SELECT * FROM t ORDER BY id"),
        ["1|a", "2|NULL", "3|NULL"]
    );
    // Keys over several columns, as table constraints.
    e.query(
        "CREATE TABLE k (a INT, b INT, PRIMARY KEY (a, b)); \
         INSERT INTO k VALUES (1, 1), (1, 2); UPDATE k SET b = b + 1",
    )
    .unwrap();
    assert_eq!(rows(&e, "SELECT b FROM k ORDER BY b"), ["2", "3"]);
    assert!(e.query("UPDATE k SET b = 1").is_err());
    assert!(e
        .query("CREATE TABLE two (a INT PRIMARY KEY, b INT PRIMARY KEY)")
        .is_err());
}

#[test]
fn update_and_delete() {
    let e = Engine::new();
    e.query(
        "CREATE TABLE t (id INT, name VARCHAR, score DOUBLE); \
         INSERT INTO t VALUES (1, 'a', 1.0), (2, 'b', 2.0), (3, 'c', NULL), (4, NULL, 4.0)",
    )
    .unwrap();
    // The count is of rows whose condition is true (not NULL).
    assert_eq!(
        rows(
            &e,
            "UPDATE t SET score = score * 10, name = UPPER(name) WHERE score > 1"
        ),
        ["2"]
    );
    assert_eq!(
        rows(&e, "SELECT * FROM t ORDER BY id"),
        ["1|a|1.0", "2|B|20.0", "3|c|NULL", "4|NULL|40.0"]
    );
    // SET reads the row as it was; subqueries may read other tables.
    e.query("CREATE TABLE bonus AS SELECT 3 AS id, 0.5 AS extra")
        .unwrap();
    e.query(
        "UPDATE t SET id = id + 10, score = COALESCE(score, 0) + \
         (SELECT COALESCE(SUM(extra), 0) FROM bonus b WHERE b.id = t.id)",
    )
    .unwrap();
    assert_eq!(
        rows(&e, "SELECT id, score FROM t ORDER BY id"),
        ["11|1.0", "12|20.0", "13|0.5", "14|40.0"]
    );
    assert_eq!(
        rows(&e, "DELETE FROM t WHERE name IS NULL OR id = 12"),
        ["2"]
    );
    assert_eq!(rows(&e, "SELECT id FROM t ORDER BY id"), ["11", "13"]);
    assert_eq!(rows(&e, "DELETE FROM t WHERE NULL"), ["0"]);
    assert_eq!(rows(&e, "DELETE FROM t"), ["2"]);
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM t"), ["0"]);
    // Inserting after a DELETE of every row.
    e.query("INSERT INTO t VALUES (5, 'e', 5)").unwrap();
    assert_eq!(rows(&e, "SELECT * FROM t"), ["5|e|5.0"]);
}

#[test]
fn failing_writes_change_nothing() {
    let e = Engine::new();
    // `src` holds three batches (one per INSERT); the last breaks NOT NULL.
    e.query(
        "CREATE TABLE src (v INT); INSERT INTO src VALUES (1); INSERT INTO src VALUES (2); \
         INSERT INTO src VALUES (NULL); CREATE TABLE t (v INT NOT NULL); INSERT INTO t VALUES (0)",
    )
    .unwrap();
    assert!(e.query("INSERT INTO t SELECT v FROM src").is_err());
    assert_eq!(rows(&e, "SELECT v FROM t"), ["0"]);
    // A cast failing on one row of an UPDATE.
    e.query("CREATE TABLE s (x VARCHAR); INSERT INTO s VALUES ('1'), ('2'), ('x')")
        .unwrap();
    e.query("CREATE TABLE n (x INT); INSERT INTO n VALUES (1), (2), (3)")
        .unwrap();
    let err = e
        .query("UPDATE n SET x = (SELECT s.x FROM s WHERE s.x = CAST(n.x AS VARCHAR) OR (n.x = 3 AND s.x = 'x'))")
        .unwrap_err();
    assert!(err.to_string().contains("cast"), "{err}");
    assert_eq!(rows(&e, "SELECT x FROM n ORDER BY x"), ["1", "2", "3"]);
    for (sql, says) in [
        ("UPDATE n SET y = 1", "unknown column 'y'"),
        ("UPDATE n SET x = 1, x = 2", "twice"),
        ("UPDATE n SET x = SUM(x)", "aggregate"),
        ("UPDATE n SET x = 1 WHERE [x]", "needs a boolean"),
        ("UPDATE n SET x = 1 FROM s", "UPDATE ... FROM"),
        ("DELETE FROM n WHERE DATE '2020-01-01'", "needs a boolean"),
        ("DELETE FROM nope", "unknown table"),
        ("UPDATE n SET x = 'a'", "cannot cast"),
    ] {
        let err = e.query(sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
    assert_eq!(rows(&e, "SELECT x FROM n ORDER BY x"), ["1", "2", "3"]);
}

#[test]
fn files_are_read_only_and_copy_writes_them() {
    let e = Engine::new();
    e.query("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, NULL)) v(id, name)")
        .unwrap();
    for (file, options) in [
        ("t.csv", ""),
        ("t.parquet", ""),
        ("t.data", " (FORMAT parquet)"),
        ("t.jsonl", " (FORMAT jsonl)"),
        ("t.tsv", " WITH (FORMAT csv, HEADER, DELIMITER '\t')"),
    ] {
        let path = tmp(file);
        assert_eq!(rows(&e, &format!("COPY t TO '{path}'{options}")), ["3"]);
        // FORMAT wins over the name: `t.data` holds Parquet, read back
        // under a name that says so.
        let readable = match file {
            "t.data" => {
                std::fs::copy(&path, tmp("t.data.parquet")).unwrap();
                tmp("t.data.parquet")
            }
            _ => path,
        };
        let read = format!("SELECT * FROM '{readable}' ORDER BY id");
        assert_eq!(rows(&e, &read), ["1|a", "2|b", "3|NULL"], "{file}");
        let err = e.query(&format!("DELETE FROM '{readable}'")).unwrap_err();
        assert!(err.to_string().contains("not supported"), "{file}: {err}");
    }
    let path = tmp("q.csv");
    e.query(&format!(
        "COPY (SELECT id * 10 AS id, name FROM t WHERE id > 1) TO '{path}'"
    ))
    .unwrap();
    e.query("CREATE TABLE back (id BIGINT, name VARCHAR)")
        .unwrap();
    assert_eq!(rows(&e, &format!("COPY back FROM '{path}'")), ["2"]);
    assert_eq!(
        rows(&e, "SELECT * FROM back ORDER BY id"),
        ["20|b", "30|NULL"]
    );
    let path = tmp("cols.csv");
    e.query(&format!("COPY t (name, id) TO '{path}'")).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().lines().next(),
        Some("name,id")
    );
    for (sql, says) in [
        (format!("COPY t TO '{path}' (FORMAT xml)"), "unknown FORMAT"),
        (format!("COPY t TO '{path}' (DELIMITER '|')"), "DELIMITER"),
        ("COPY t TO STDOUT".to_string(), "not supported"),
        (format!("COPY back FROM '{}'", tmp("t.parquet")), ""),
    ] {
        match e.query(&sql) {
            Err(err) => assert!(err.to_string().contains(says), "{sql}: {err}"),
            Ok(_) => assert!(says.is_empty(), "{sql} should fail"),
        }
    }
    // The sandbox covers files written as well as read.
    e.query("SET enable_external_access = false").unwrap();
    let err = e
        .query(&format!("COPY t TO '{}'", tmp("denied.csv")))
        .unwrap_err();
    assert!(matches!(err, Error::Denied(_)), "{err}");
    assert!(!std::path::Path::new(&tmp("denied.csv")).exists());
}

#[test]
fn concurrent_updates_lose_nothing() {
    let e = std::sync::Arc::new(Engine::new());
    e.query("CREATE TABLE c (n BIGINT); INSERT INTO c VALUES (0)")
        .unwrap();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let e = std::sync::Arc::clone(&e);
            std::thread::spawn(move || {
                for _ in 0..25 {
                    e.query("UPDATE c SET n = n + 1").unwrap();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(rows(&e, "SELECT n FROM c"), ["100"]);
}

#[test]
fn read_functions_read_files_in_their_format() {
    let e = Engine::new();
    e.query("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, name)")
        .unwrap();
    // Files whose names say nothing of their format.
    let (csv, parquet, jsonl) = (tmp("data.txt"), tmp("data.bin"), tmp("data.log"));
    e.query(&format!("COPY t TO '{csv}' (FORMAT csv)")).unwrap();
    e.query(&format!("COPY t TO '{parquet}' (FORMAT parquet)"))
        .unwrap();
    e.query(&format!("COPY t TO '{jsonl}' (FORMAT jsonl)"))
        .unwrap();
    for sql in [
        format!("SELECT id, name FROM read_csv('{csv}') ORDER BY id"),
        format!("SELECT id, name FROM read_csv_auto('{csv}') ORDER BY id"),
        format!("SELECT id, name FROM read_parquet('{parquet}') ORDER BY id"),
        format!("SELECT id, name FROM parquet_scan('{parquet}') ORDER BY id"),
        format!("SELECT id, name FROM read_json('{jsonl}') ORDER BY id"),
        format!("SELECT f.id, f.name FROM read_ndjson('{jsonl}') AS f ORDER BY 1"),
    ] {
        assert_eq!(rows(&e, &sql), ["1|a", "2|b"], "{sql}");
    }
    assert_eq!(
        rows(
            &e,
            &format!("SELECT x FROM read_csv('{csv}') AS r(x, y) ORDER BY x")
        ),
        ["1", "2"]
    );
    assert!(e.query(&format!("SELECT * FROM '{csv}'")).is_err());
    for (sql, says) in [
        (
            format!("SELECT * FROM read_csv('{csv}', nope = 1)"),
            "the options are",
        ),
        (
            format!("SELECT * FROM read_csv('{csv}', delim = ';;')"),
            "one character",
        ),
        (
            format!("SELECT * FROM read_csv('{csv}', header = 'yes')"),
            "true or false",
        ),
        (
            format!("SELECT * FROM read_parquet('{parquet}', header = false)"),
            "the options are filename",
        ),
        (
            format!("SELECT * FROM read_json('{jsonl}', format = 'array')"),
            "JSON Lines",
        ),
        ("SELECT * FROM read_csv(5)".to_string(), "file path"),
        (format!("SELECT * FROM read_parquet('{csv}')"), "bad data"),
    ] {
        let err = e.query(&sql).unwrap_err().to_string();
        assert!(err.contains(says), "{sql}: {err}");
    }
    // filename = true: a last column naming each row's file.
    for sql in [
        format!("SELECT id, filename FROM read_parquet('{parquet}', filename = true) ORDER BY id"),
        format!("SELECT id, filename FROM read_json('{jsonl}', filename = true, format = 'auto') ORDER BY id"),
        format!("SELECT id, filename FROM read_csv('{csv}', filename = true) ORDER BY id"),
    ] {
        let got = rows(&e, &sql);
        assert_eq!(got.len(), 2, "{sql}");
        assert!(got[1].starts_with("2|") && got[1].contains("data."), "{sql}: {got:?}");
    }
    assert_eq!(
        rows(
            &e,
            &format!(
                "SELECT COUNT(*) FROM read_parquet('{parquet}', filename = true) \
                 WHERE filename = '{parquet}' AND id > 1"
            )
        ),
        ["1"]
    );
    e.query("SET enable_external_access = false").unwrap();
    let err = e
        .query(&format!("SELECT * FROM read_csv('{csv}')"))
        .unwrap_err();
    assert!(matches!(err, Error::Denied(_)), "{err}");
}

#[test]
fn read_csv_takes_the_dialect_as_options() {
    let e = Engine::new();
    let semi = tmp("semi.txt");
    std::fs::write(&semi, "a;b;c\n1;x;2.5\n# a note\n2;'y;z';3\n").unwrap();
    let sql = format!(
        "SELECT a, b, c FROM read_csv('{semi}', delim = ';', quote = '''', comment = '#') ORDER BY a"
    );
    assert_eq!(rows(&e, &sql), ["1|x|2.5", "2|y;z|3.0"]);
    // Without a header the columns are column0, column1, ... (DuckDB's names),
    // and `:=` or `=>` name an option too.
    let bare = tmp("bare.txt");
    std::fs::write(&bare, "1|one\n2|two\n").unwrap();
    let sql = format!(
        "SELECT column1, column0 + 1 FROM read_csv('{bare}', header := false, sep => '|') \
         ORDER BY column0"
    );
    assert_eq!(rows(&e, &sql), ["one|2", "two|3"]);
    // all_varchar reads text: the numbers keep their leading zeros.
    let zeros = tmp("zeros.csv");
    std::fs::write(&zeros, "code\n007\n010\n").unwrap();
    assert_eq!(
        rows(
            &e,
            &format!("SELECT code FROM read_csv('{zeros}', all_varchar = true) ORDER BY 1")
        ),
        ["007", "010"]
    );
    assert_eq!(
        rows(
            &e,
            &format!("SELECT code FROM read_csv('{zeros}', auto_detect = true) ORDER BY 1")
        ),
        ["7", "10"]
    );
    // A tab by its escape, and a backslash escaping the quote.
    let tabs = tmp("tabs.txt");
    std::fs::write(&tabs, "k\tv\n1\t\"say \\\"hi\\\"\"\n").unwrap();
    assert_eq!(
        rows(
            &e,
            &format!("SELECT v FROM read_csv('{tabs}', delim = '\\t', escape = '\\')")
        ),
        ["say \"hi\""]
    );
}
