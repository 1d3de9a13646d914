//! Differential SQL fuzzing: random queries from a small grammar (joins,
//! filters with NULLs, aggregates, subqueries, set operations, window
//! functions) run with the optimizer and without it (`SET optimizer =
//! false`); the two answers must be the same rows. A rewrite that changes an answer — the worst kind of bug —
//! shows up here as a failing query, printed with both results.
//!
//! Seeded, so a failure repeats: `TERN_FUZZ_SEED` picks the seed and
//! `TERN_FUZZ_QUERIES` the count (10,000 by default) for longer local runs.

mod common;

use common::Rng;
use engine_core::Engine;

/// Tables and their columns: integers (small, with NULLs) and strings.
const TABLES: &[(&str, &[&str], &[&str])] = &[
    ("t1", &["a", "b"], &["s"]),
    ("t2", &["a", "c"], &["u"]),
    ("t3", &["b", "c"], &["s"]),
];

fn setup() -> Engine {
    let e = Engine::new();
    e.query(
        "CREATE TABLE t1 (a INTEGER, b INTEGER, s VARCHAR);
         INSERT INTO t1 VALUES (1, 10, 'x'), (2, 20, 'y'), (2, NULL, 'x'), (3, 30, NULL),
           (NULL, 10, 'z'), (4, 40, 'y'), (5, NULL, NULL), (1, 10, 'x');
         CREATE TABLE t2 (a INTEGER, c INTEGER, u VARCHAR);
         INSERT INTO t2 VALUES (1, 100, 'x'), (2, 200, 'q'), (2, 201, 'x'), (NULL, 300, 'y'),
           (6, NULL, 'z'), (3, 100, NULL);
         CREATE TABLE t3 (b INTEGER, c INTEGER, s VARCHAR);
         INSERT INTO t3 VALUES (10, 100, 'x'), (20, NULL, 'y'), (NULL, 200, 'x'), (40, 201, 'w')",
    )
    .unwrap();
    e
}

/// One table in FROM, with the alias its columns are read through.
struct Source {
    alias: String,
    ints: Vec<String>,
    strs: Vec<String>,
}

struct Gen {
    rng: Rng,
    aliases: usize,
}

impl Gen {
    fn source(&mut self) -> Source {
        let (name, ints, strs) = TABLES[self.rng.below(TABLES.len())];
        self.aliases += 1;
        let alias = format!("{name}_{}", self.aliases);
        Source {
            ints: ints.iter().map(|c| format!("{alias}.{c}")).collect(),
            strs: strs.iter().map(|c| format!("{alias}.{c}")).collect(),
            alias: format!("{name} {alias}"),
        }
    }

    fn int_expr(&mut self, cols: &[String], depth: usize) -> String {
        if depth == 0 || self.rng.chance(40) {
            return if cols.is_empty() || self.rng.chance(25) {
                self.rng
                    .pick(&["0", "1", "2", "3", "10", "NULL", "-1"])
                    .to_string()
            } else {
                cols[self.rng.below(cols.len())].clone()
            };
        }
        let l = self.int_expr(cols, depth - 1);
        let r = self.int_expr(cols, depth - 1);
        match self.rng.below(5) {
            0 => format!("({l} + {r})"),
            1 => format!("({l} - {r})"),
            2 => format!("({l} * {r})"),
            3 => format!("COALESCE({l}, {r})"),
            _ => format!(
                "CASE WHEN {} THEN {l} ELSE {r} END",
                self.predicate(cols, &[], 0)
            ),
        }
    }

    fn predicate(&mut self, ints: &[String], strs: &[String], depth: usize) -> String {
        if depth > 0 && self.rng.chance(35) {
            let l = self.predicate(ints, strs, depth - 1);
            let r = self.predicate(ints, strs, depth - 1);
            return match self.rng.below(3) {
                0 => format!("({l} AND {r})"),
                1 => format!("({l} OR {r})"),
                _ => format!("NOT ({l})"),
            };
        }
        match self.rng.below(6) {
            0 if !strs.is_empty() => {
                let s = &strs[self.rng.below(strs.len())];
                let v = self.rng.pick(&["'x'", "'y'", "'z'", "NULL"]);
                format!("{s} {} {v}", self.rng.pick(&["=", "<>", "<", ">="]))
            }
            1 => {
                let x = self.int_expr(ints, 1);
                format!(
                    "{x} IS {}NULL",
                    if self.rng.chance(50) { "NOT " } else { "" }
                )
            }
            2 => {
                let x = self.int_expr(ints, 1);
                format!(
                    "{x} {}IN (1, 2, NULL, 10)",
                    if self.rng.chance(30) { "NOT " } else { "" }
                )
            }
            3 => {
                let x = self.int_expr(ints, 1);
                format!("{x} BETWEEN 1 AND 20")
            }
            _ => {
                let l = self.int_expr(ints, 1);
                let r = self.int_expr(ints, 1);
                format!(
                    "{l} {} {r}",
                    self.rng.pick(&["=", "<>", "<", "<=", ">", ">="])
                )
            }
        }
    }

    /// A subquery predicate over `outer`'s columns: EXISTS, IN or a scalar
    /// comparison, correlated or not.
    fn subquery_predicate(&mut self, outer: &[String]) -> String {
        let inner = self.source();
        let correlate = !outer.is_empty() && self.rng.chance(60);
        let mut conds = vec![self.predicate(&inner.ints, &inner.strs, 1)];
        if correlate {
            let o = &outer[self.rng.below(outer.len())];
            let i = &inner.ints[self.rng.below(inner.ints.len())];
            conds.push(format!("{i} = {o}"));
        }
        let wh = conds.join(" AND ");
        let col = inner.ints[self.rng.below(inner.ints.len())].clone();
        match self.rng.below(3) {
            0 => format!(
                "{}EXISTS (SELECT 1 FROM {} WHERE {wh})",
                if self.rng.chance(40) { "NOT " } else { "" },
                inner.alias
            ),
            1 if !outer.is_empty() => format!(
                "{} {}IN (SELECT {col} FROM {} WHERE {wh})",
                outer[self.rng.below(outer.len())],
                if self.rng.chance(40) { "NOT " } else { "" },
                inner.alias
            ),
            _ if !outer.is_empty() => format!(
                "{} {} (SELECT {}({col}) FROM {} WHERE {wh})",
                outer[self.rng.below(outer.len())],
                self.rng.pick(&["=", "<", ">="]),
                self.rng.pick(&["MAX", "MIN", "COUNT", "SUM"]),
                inner.alias
            ),
            _ => format!("EXISTS (SELECT 1 FROM {} WHERE {wh})", inner.alias),
        }
    }

    fn select(&mut self) -> String {
        let mut sources = vec![self.source()];
        let mut from = sources[0].alias.clone();
        let mut joins = 0;
        while joins < 2 && self.rng.chance(45) {
            let next = self.source();
            let l = sources[self.rng.below(sources.len())].ints.clone();
            let key_l = &l[self.rng.below(l.len())];
            let key_r = &next.ints[self.rng.below(next.ints.len())];
            from = match self.rng.below(4) {
                0 => format!("{from}, {}", next.alias),
                1 => format!("{from} LEFT JOIN {} ON {key_l} = {key_r}", next.alias),
                2 => format!("{from} RIGHT JOIN {} ON {key_l} = {key_r}", next.alias),
                _ => format!("{from} JOIN {} ON {key_l} = {key_r}", next.alias),
            };
            if from.contains(&format!(", {}", next.alias)) {
                // A comma join's condition goes to WHERE (or stays a cross product).
                if self.rng.chance(80) {
                    from = format!("{from} /*eq {key_l} = {key_r}*/");
                }
            }
            sources.push(next);
            joins += 1;
        }
        let ints: Vec<String> = sources.iter().flat_map(|s| s.ints.clone()).collect();
        let strs: Vec<String> = sources.iter().flat_map(|s| s.strs.clone()).collect();
        let mut conds = Vec::new();
        // Conditions for comma joins, taken out of the marker comments.
        while let Some(start) = from.find("/*eq ") {
            let end = from[start..].find("*/").unwrap() + start;
            conds.push(from[start + 5..end].trim().to_string());
            from.replace_range(start..end + 2, "");
        }
        if self.rng.chance(70) {
            conds.push(self.predicate(&ints, &strs, 2));
        }
        if self.rng.chance(25) {
            conds.push(self.subquery_predicate(&ints));
        }
        let wh = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        if self.rng.chance(35) {
            let key = ints[self.rng.below(ints.len())].clone();
            let arg = self.int_expr(&ints, 1);
            let agg = self
                .rng
                .pick(&["COUNT(*)", "SUM", "MIN", "MAX", "COUNT", "AVG"]);
            let agg = if agg == "COUNT(*)" {
                agg.to_string()
            } else {
                format!(
                    "{agg}({}{arg})",
                    if self.rng.chance(20) { "DISTINCT " } else { "" }
                )
            };
            let having = if self.rng.chance(30) {
                " HAVING COUNT(*) > 1".to_string()
            } else {
                String::new()
            };
            return format!("SELECT {key}, {agg} FROM {from}{wh} GROUP BY {key}{having}");
        }
        let n = 1 + self.rng.below(3);
        let cols: Vec<String> = (0..n)
            .map(|_| {
                if !strs.is_empty() && self.rng.chance(25) {
                    strs[self.rng.below(strs.len())].clone()
                } else {
                    self.int_expr(&ints, 2)
                }
            })
            .collect();
        let mut cols = cols;
        let mut qualify = String::new();
        if self.rng.chance(20) {
            // Window calls whose answers do not depend on how ties are
            // ordered: whole partitions, ranks and RANGE frames.
            cols.push(self.window(&ints));
            if self.rng.chance(30) {
                qualify = format!(" QUALIFY {} <= 2", self.window(&ints));
            }
        }
        let distinct = if self.rng.chance(15) { "DISTINCT " } else { "" };
        format!(
            "SELECT {distinct}{} FROM {from}{wh}{qualify}",
            cols.join(", ")
        )
    }

    fn window(&mut self, ints: &[String]) -> String {
        let key = ints[self.rng.below(ints.len())].clone();
        let arg = self.int_expr(ints, 1);
        match self.rng.below(5) {
            0 => format!("COUNT(*) OVER (PARTITION BY {key})"),
            1 => format!("SUM({arg}) OVER (PARTITION BY {key})"),
            2 => format!("RANK() OVER (PARTITION BY {key} ORDER BY {arg})"),
            3 => format!("DENSE_RANK() OVER (ORDER BY {arg} DESC)"),
            _ => format!(
                "MAX({arg}) OVER (ORDER BY {key} RANGE BETWEEN 1 PRECEDING AND 2 FOLLOWING)"
            ),
        }
    }

    fn query(&mut self) -> String {
        self.aliases = 0;
        let q = self.select();
        if self.rng.chance(12) {
            // Set operations need the same column count: wrap both sides.
            let other = self.select();
            let op = self
                .rng
                .pick(&["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]);
            return format!("SELECT COUNT(*) FROM ({q}) x {op} SELECT COUNT(*) FROM ({other}) y");
        }
        q
    }
}

/// Rows as sorted strings: SQL leaves the order open without ORDER BY.
fn answer(e: &Engine, sql: &str) -> Result<Vec<String>, String> {
    let r = e.query(sql).map_err(|err| err.to_string())?;
    let mut rows = common::result_rows(&r);
    rows.sort();
    Ok(rows)
}

#[test]
fn optimized_and_unoptimized_plans_agree() {
    let seed: u64 = std::env::var("TERN_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7e57_5eed);
    let count: usize = std::env::var("TERN_FUZZ_QUERIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let optimized = setup();
    let plain = setup();
    plain.query("SET optimizer = false").unwrap();
    let mut generator = Gen {
        rng: Rng(seed | 1),
        aliases: 0,
    };
    let (mut answered, mut errors) = (0, 0);
    for i in 0..count {
        let sql = generator.query();
        // A panic is a failure too: report the query that caused it.
        let run = |e: &Engine| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| answer(e, &sql)))
                .unwrap_or_else(|_| panic!("query {i} of seed {seed} panicked:\n{sql}"))
        };
        let a = run(&optimized);
        let b = run(&plain);
        match (&a, &b) {
            (Ok(x), Ok(y)) if x == y => answered += 1,
            // The same mistake (a type error, say) is fine; rows must match.
            (Err(_), Err(_)) => errors += 1,
            _ => panic!(
                "query {i} of seed {seed}: the optimizer changed the answer\n{sql}\n\
                 optimized:   {a:?}\nunoptimized: {b:?}"
            ),
        }
    }
    // The grammar makes valid SQL: most queries must answer.
    assert!(
        answered > count * 9 / 10,
        "{answered} of {count} answered, {errors} errors"
    );
}

/// Queries the fuzzer found wrong, kept with DuckDB 2.0's answers.
#[test]
fn found_by_fuzzing() {
    let e = setup();
    // An outer join padded a never-read column with its typed NULLs while
    // the matched rows carried untyped ones: concatenating them failed.
    let sql = "SELECT t1_1.a, COUNT((t1_1.b - t1_2.a)) FROM t1 t1_1 \
               RIGHT JOIN t1 t1_2 ON t1_1.b = t1_2.b RIGHT JOIN t1 t1_3 ON t1_2.a = t1_3.a \
               WHERE COALESCE(NULL, t1_2.a) BETWEEN 1 AND 20 AND t1_3.b IN \
               (SELECT t2_4.c FROM t2 t2_4 WHERE CASE WHEN NULL IS NULL THEN t2_4.c ELSE NULL END >= t2_4.a) \
               GROUP BY t1_1.a";
    assert_eq!(answer(&e, sql), Ok(vec![]));
    // Join reordering put a correlated NOT IN on a lower join, where the
    // subquery's outer column (t2_3.a) did not exist: a panic.
    let sql = "SELECT t1_1.a, AVG(t1_1.b) FROM t1 t1_1 JOIN t2 t2_2 ON t1_1.a = t2_2.a \
               JOIN t2 t2_3 ON t1_1.a = t2_3.a WHERE t1_1.a NOT IN (SELECT t3_4.b FROM t3 t3_4 \
               WHERE (t3_4.s < NULL AND t3_4.b IN (1, 2, NULL, 10)) AND t3_4.b = t2_3.a) \
               GROUP BY t1_1.a";
    assert_eq!(
        answer(&e, sql),
        Ok(vec![
            "1|10.0".to_string(),
            "2|20.0".to_string(),
            "3|30.0".to_string()
        ])
    );
}
