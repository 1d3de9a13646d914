//! Hundreds of malformed statements: each must give an error, never a panic.
//! They are made by cutting valid queries at every token, dropping and doubling
//! tokens, swapping neighbours, and from a list of classic mistakes.

use engine_core::Engine;

const VALID: &[&str] = &[
    "SELECT a, b + 1 AS c FROM t WHERE a > 1 AND b IS NOT NULL ORDER BY c DESC LIMIT 5",
    "SELECT a, COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1",
    "SELECT x.a, y.b FROM t x LEFT JOIN t y ON x.a = y.b",
    "WITH w AS (SELECT a FROM t) SELECT * FROM w UNION ALL SELECT b FROM t",
    "SELECT CASE WHEN a IN (1, 2) THEN 'x' ELSE UPPER(s) END FROM t WHERE s LIKE 'a%'",
    "SELECT CAST(a AS VARCHAR), (SELECT MAX(b) FROM t) FROM t WHERE EXISTS (SELECT 1 FROM t)",
    "SELECT a, SUM(b) OVER (PARTITION BY s ORDER BY a ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING EXCLUDE TIES) FROM t",
    "SELECT LAG(a, 1, 0) OVER w, RANK() OVER (w RANGE 1 PRECEDING) FROM t WINDOW w AS (ORDER BY a) QUALIFY a > 0",
];

const MISTAKES: &[&str] = &[
    "",
    ";",
    "SELECT",
    "SELECT FROM t",
    "FROM t",
    "SELECT * FROM",
    "SELECT * FROM t WHERE",
    "SELECT (1",
    "SELECT 1)",
    "SELECT 'unterminated",
    "SELECT \"unterminated",
    "SELECT `x",
    "SELECT 1 +",
    "SELECT * FROM t t t t",
    "SELECT a FROM t GROUP",
    "SELECT a FROM t ORDER",
    "SELECT * FROM t LIMIT -1",
    "SELECT * FROM t LIMIT 'x'",
    "SELECT * FROM t LIMIT a",
    "SELECT * FROM t OFFSET 1.5",
    "SELECT COUNT(*, a) FROM t",
    "SELECT SUM() FROM t",
    "SELECT SUM(COUNT(a)) FROM t",
    "SELECT a FROM t WHERE COUNT(*) > 1",
    "SELECT a FROM t GROUP BY 9",
    "SELECT a FROM t ORDER BY 0",
    "SELECT a FROM t ORDER BY 99",
    "SELECT * FROM t JOIN t",
    "SELECT * FROM t JOIN u ON t.a = u.a",
    "SELECT nope FROM t",
    "SELECT t.nope FROM t",
    "SELECT q.a FROM t",
    "SELECT * FROM nope",
    "SELECT nope(a) FROM t",
    "SELECT a FROM t UNION SELECT a, b FROM t",
    "SELECT 1 FROM t WHERE a IN (SELECT a, b FROM t)",
    "SELECT (SELECT a, b FROM t)",
    "SELECT a + 'x' FROM t",
    "SELECT a FROM t WHERE s",
    "SELECT NOT s FROM t",
    "SELECT -s FROM t",
    "SELECT CAST(a AS NOTATYPE) FROM t",
    "SELECT SUBSTRING(s, 'x') FROM t",
    "SELECT ROUND(s) FROM t",
    "SELECT UPPER() FROM t",
    "SELECT a FROM t WHERE a = ANY(b)",
    "SELECT ))) FROM t",
    "SELECT * FROM (SELECT 1)) x",
    "SELECT * FROM t WHERE a BETWEEN 1",
    "SELECT CASE END",
    "SELECT CASE WHEN THEN 1 END",
    "SELECT 1 AS",
    "SELECT a AS b AS c FROM t",
    "INSERT INTO nope VALUES (1)",
    "INSERT INTO t VALUES (1, 2, 3, 4, 5)",
    "INSERT INTO t (nope) VALUES (1)",
    "CREATE TABLE t (a INTEGER)",
    "CREATE TABLE z (a NOTATYPE)",
    "DROP TABLE nope",
    "SET integer_division = 'perhaps'",
    "SET nope = 1",
    "EXPLAIN",
    "DESCRIBE nope",
    "SHOW COLUMNS FROM nope",
    "WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r",
    "SELECT * FROM t WHERE a = (SELECT a FROM t)",
    "SELECT 9223372036854775807 + 1",
    "SELECT CAST('x' AS INTEGER)",
    "SELECT DATE 'not a date'",
    "SELECT 1 FROM t HAVING s",
    "SELECT DISTINCT a FROM t ORDER BY b",
    "SELECT a FROM t WINDOW w AS (), w AS ()",
    "SELECT a FROM t WHERE ROW_NUMBER() OVER () > 1",
    "SELECT SUM(a) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM t",
    "SELECT SUM(a) OVER (ORDER BY a, b RANGE 1 PRECEDING) FROM t",
    "SELECT LAG(a, s) OVER () FROM t",
    "SELECT SUM(a) OVER (ROWS 1 PRECEDING EXCLUDE) FROM t",
    "SELECT a FROM t QUALIFY s",
];

fn engine() -> Engine {
    let e = Engine::new();
    e.query("CREATE TABLE t (a INTEGER, b INTEGER, s VARCHAR); INSERT INTO t VALUES (1, 2, 'a'), (2, NULL, 'b')").unwrap();
    e
}

fn tokens(sql: &str) -> Vec<String> {
    // A crude split that keeps punctuation as tokens: enough to break SQL in many ways.
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in sql.chars() {
        if ch.is_whitespace() || "(),+*=><'".contains(ch) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !ch.is_whitespace() {
                out.push(ch.to_string());
            }
        } else {
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn malformed() -> Vec<String> {
    let mut out: Vec<String> = MISTAKES.iter().map(|s| s.to_string()).collect();
    for q in VALID {
        let t = tokens(q);
        for cut in 1..t.len() {
            out.push(t[..cut].join(" "));
        }
        for i in 0..t.len() {
            let mut dropped = t.clone();
            dropped.remove(i);
            out.push(dropped.join(" "));
            let mut doubled = t.clone();
            doubled.insert(i, t[i].clone());
            out.push(doubled.join(" "));
            if i + 1 < t.len() {
                let mut swapped = t.clone();
                swapped.swap(i, i + 1);
                out.push(swapped.join(" "));
            }
        }
    }
    out.push(format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000)));
    out.push(format!("SELECT 1{}", " + 1".repeat(5000)));
    out
}

#[test]
fn malformed_statements_error_and_never_panic() {
    let e = engine();
    let statements = malformed();
    assert!(
        statements.len() > 500,
        "only {} statements",
        statements.len()
    );
    let mut errors = 0;
    for sql in &statements {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| e.query(sql)));
        match outcome {
            Err(_) => panic!("panicked on: {sql}"),
            Ok(Err(err)) => {
                assert!(!err.to_string().is_empty());
                errors += 1;
            }
            Ok(Ok(_)) => {}
        }
    }
    // Mutations sometimes yield valid SQL (dropping `DESC`, say); the mistakes never do.
    for sql in MISTAKES {
        assert!(e.query(sql).is_err(), "accepted: {sql}");
    }
    assert!(
        errors > statements.len() / 2,
        "{errors} errors of {}",
        statements.len()
    );
}
