//! The optimizer's rules seen from outside: EXPLAIN shows the plan shapes each
//! rule promises (semi/anti/mark joins, grouped joins, no cross products), and
//! the answers stay those of SQL's semantics, NULLs included.

mod common;

use common::{rows, sorted};
use engine_core::Engine;

/// EXPLAIN's logical plan (the rules' work), without its heading and indent.
fn explain(e: &Engine, sql: &str) -> String {
    let lines = rows(e, &format!("EXPLAIN {sql}"));
    assert_eq!(lines[0], "Logical plan:");
    lines[1..]
        .iter()
        .take_while(|l| *l != "Physical plan:")
        .map(|l| &l[2..])
        .collect::<Vec<_>>()
        .join("\n")
}

fn engine() -> Engine {
    let e = Engine::new();
    e.query(
        "CREATE TABLE o (ok INTEGER, ck INTEGER, status VARCHAR);
         INSERT INTO o VALUES (1, 10, 'F'), (2, 10, 'O'), (3, 20, 'F'), (4, 30, 'F'), (5, NULL, 'O');
         CREATE TABLE l (ok INTEGER, qty INTEGER, supp INTEGER);
         INSERT INTO l VALUES (1, 5, 100), (1, 7, 101), (2, 1, 100), (3, 9, 102), (3, 2, 102), (9, 4, 100);
         CREATE TABLE c (ck INTEGER, name VARCHAR);
         INSERT INTO c VALUES (10, 'ann'), (20, 'bob'), (30, 'cy'), (40, 'dee');
         CREATE TABLE n (v INTEGER);
         INSERT INTO n VALUES (1), (NULL);
         CREATE TABLE empty (v INTEGER)",
    )
    .unwrap();
    e
}

#[test]
fn exists_and_not_exists_become_semi_and_anti_joins() {
    let e = engine();
    let sql = "SELECT ok FROM o WHERE EXISTS (SELECT * FROM l WHERE l.ok = o.ok AND l.qty > 4) ORDER BY ok";
    assert!(
        explain(&e, sql).contains("Semi Join on=[#0 = #0]"),
        "{}",
        explain(&e, sql)
    );
    assert_eq!(rows(&e, sql), ["1", "3"]);

    let sql = "SELECT ok FROM o WHERE NOT EXISTS (SELECT * FROM l WHERE l.ok = o.ok) ORDER BY ok";
    assert!(explain(&e, sql).contains("Anti Join"));
    assert_eq!(rows(&e, sql), ["4", "5"]);

    // A non-equality correlation becomes the join's residual condition (q21).
    let sql = "SELECT DISTINCT l1.ok FROM l l1 WHERE EXISTS (SELECT * FROM l l2 WHERE l2.ok = l1.ok AND l2.supp <> l1.supp) ORDER BY 1";
    let plan = explain(&e, sql);
    assert!(plan.contains("Semi Join on=[#0 = #0] filter="), "{plan}");
    assert_eq!(rows(&e, sql), ["1"]);
}

#[test]
fn in_subqueries_become_semi_and_mark_joins_with_null_rules() {
    let e = engine();
    let sql = "SELECT ok FROM o WHERE ck IN (SELECT ck FROM c WHERE name <> 'cy') ORDER BY ok";
    assert!(explain(&e, sql).contains("Semi Join"));
    assert_eq!(rows(&e, sql), ["1", "2", "3"]);

    // NOT IN: a mark join; a NULL key on either side makes the answer NULL.
    let sql = "SELECT ok FROM o WHERE ck NOT IN (SELECT ck FROM c WHERE ck < 25) ORDER BY ok";
    assert!(explain(&e, sql).contains("Mark Join"));
    assert_eq!(
        rows(&e, sql),
        ["4"],
        "the NULL ck of order 5 is not 'not in'"
    );
    assert_eq!(
        rows(&e, "SELECT ok FROM o WHERE ok NOT IN (SELECT v FROM n)"),
        Vec::<String>::new(),
        "a NULL in the subquery makes NOT IN unknown for every row"
    );
    assert_eq!(
        rows(
            &e,
            "SELECT COUNT(*) FROM o WHERE ck NOT IN (SELECT v FROM empty)"
        ),
        ["5"],
        "NOT IN an empty set is true, even for NULL"
    );
    // Correlated NOT IN is not rewritten, and stays correct.
    assert_eq!(
        rows(
            &e,
            "SELECT ok FROM o WHERE ok NOT IN (SELECT l.ok FROM l WHERE l.supp = 100 AND l.qty < o.ok) ORDER BY ok"
        ),
        ["1", "3", "4", "5"]
    );
}

#[test]
fn correlated_scalar_aggregates_become_grouped_left_joins() {
    let e = engine();
    // q17's shape: compare with an aggregate over the same key.
    let sql = "SELECT l.ok, l.qty FROM l WHERE l.qty > (SELECT AVG(x.qty) FROM l x WHERE x.ok = l.ok) ORDER BY 1, 2";
    let plan = explain(&e, sql);
    assert!(plan.contains("Left Join"), "{plan}");
    assert!(
        plan.contains("Aggregate group=[#0] aggs=[AVG(#1)]"),
        "{plan}"
    );
    assert!(!plan.contains("subquery"), "{plan}");
    assert_eq!(rows(&e, sql), ["1|7", "3|9"]);

    // In the select list, and with no row to aggregate: NULL.
    assert_eq!(
        rows(
            &e,
            "SELECT ok, (SELECT SUM(qty) FROM l WHERE l.ok = o.ok) FROM o ORDER BY ok"
        ),
        ["1|12", "2|1", "3|11", "4|NULL", "5|NULL"]
    );
    // COUNT over no rows is 0, not NULL: left as a subquery, still right.
    let sql = "SELECT ok, (SELECT COUNT(*) FROM l WHERE l.ok = o.ok) FROM o ORDER BY ok";
    assert!(explain(&e, sql).contains("subquery, correlated"));
    assert_eq!(rows(&e, sql), ["1|2", "2|1", "3|2", "4|0", "5|0"]);
}

#[test]
fn predicates_move_through_outer_joins_projections_and_ors() {
    let e = engine();
    // The condition on the preserved side of a LEFT JOIN filters below it.
    let sql = "SELECT * FROM o LEFT JOIN c ON o.ck = c.ck WHERE o.status = 'F'";
    let plan = explain(&e, sql);
    let join = plan.find(" Join").unwrap();
    let filter = plan.find("Filter").unwrap();
    assert!(filter > join, "the filter sits under the join:\n{plan}");
    assert_eq!(
        rows(&e, &format!("{sql} ORDER BY o.ok")),
        ["1|10|F|10|ann", "3|20|F|20|bob", "4|30|F|30|cy"]
    );
    // ... but not one on the NULL-padded side.
    assert_eq!(
        rows(
            &e,
            "SELECT o.ok FROM o LEFT JOIN c ON o.ck = c.ck WHERE c.name IS NULL ORDER BY 1"
        ),
        ["5"]
    );
    // A key repeated in every branch of an OR becomes a hash-join key (q19).
    let sql = "SELECT o.ok FROM o, l WHERE (o.ok = l.ok AND l.qty > 6) OR (o.ok = l.ok AND o.status = 'O') ORDER BY 1";
    let plan = explain(&e, sql);
    assert!(plan.contains("Inner Join on="), "{plan}");
    assert!(!plan.contains("Cross Join"), "{plan}");
    assert_eq!(rows(&e, sql), ["1", "2", "3"]);
    // Through a derived table's projection into the scan.
    let sql = "SELECT * FROM (SELECT ok + 1 AS k, status FROM o) WHERE k > 4";
    assert!(
        explain(&e, sql).contains("Filter ((#0 + 1) > 4)"),
        "{}",
        explain(&e, sql)
    );
    assert_eq!(rows(&e, sql), ["5|F", "6|O"]);
}

#[test]
fn eight_table_comma_join_plans_without_a_cross_product() {
    let e = Engine::new();
    for i in 1..=8 {
        e.query(&format!(
            "CREATE TABLE t{i} AS SELECT * FROM (VALUES {}) v(a, b)",
            (0..50)
                .map(|k| format!("({k}, {})", (k * 7 + i) % 50))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .unwrap();
    }
    // A chain t1 - t2 - ... - t8 written in a scrambled order, SQLite select5 style.
    let sql = "SELECT COUNT(*) FROM t5, t1, t8, t3, t6, t2, t7, t4 \
               WHERE t1.b = t2.a AND t2.b = t3.a AND t3.b = t4.a AND t4.b = t5.a \
               AND t5.b = t6.a AND t6.b = t7.a AND t7.b = t8.a AND t1.a < 10";
    let plan = explain(&e, sql);
    assert!(!plan.contains("Cross Join"), "{plan}");
    assert_eq!(plan.matches("Inner Join").count(), 7, "{plan}");
    assert_eq!(rows(&e, sql), ["10"]);
}

#[test]
fn join_order_puts_the_largest_input_on_the_probe_side() {
    let e = Engine::new();
    e.query("CREATE TABLE big AS SELECT * FROM (VALUES (1, 1), (2, 2), (3, 3), (4, 1), (5, 2), (6, 3)) v(id, dim)")
        .unwrap();
    e.query("CREATE TABLE dim AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) v(id, name)")
        .unwrap();
    // Written small-first; planned with the large table streaming (left).
    let sql =
        "SELECT name, COUNT(*) FROM dim, big WHERE dim.id = big.dim GROUP BY name ORDER BY name";
    let plan = explain(&e, sql);
    let big = plan.find("Scan big").unwrap();
    let dim = plan.find("Scan dim").unwrap();
    assert!(big < dim, "{plan}");
    assert_eq!(rows(&e, sql), ["a|2", "b|2", "c|2"]);
}

#[test]
fn a_filtered_key_table_is_joined_before_it_is_hashed() {
    // TPC-H q3's shape: lines -> ords -> custs, ords and custs filtered.
    // Left-deep, ords (filtered to a third) would be hashed whole and custs
    // joined last; joining ords to custs first hashes far fewer rows.
    let e = Engine::new();
    e.query(
        "CREATE TABLE n AS WITH d(x) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) \
             SELECT a.x * 1000 + b.x * 100 + c.x * 10 + f.x AS n FROM d a, d b, d c, d f;
         CREATE TABLE lines AS SELECT n % 500 + 1 AS ok, n % 7 AS qty FROM n WHERE n < 2000;
         CREATE TABLE ords AS SELECT n + 1 AS ok, n % 150 + 1 AS ck, n % 300 AS d FROM n WHERE n < 500;
         CREATE TABLE custs AS SELECT n + 1 AS ck, CASE WHEN n % 10 = 0 THEN 'X' ELSE 'Y' END AS seg \
             FROM n WHERE n < 150",
    )
    .unwrap();
    let sql = "SELECT COUNT(*), SUM(qty) FROM custs, ords, lines \
               WHERE lines.ok = ords.ok AND ords.ck = custs.ck AND ords.d < 100 AND custs.seg = 'X'";
    let plan = explain(&e, sql);
    let lines: Vec<&str> = plan.lines().collect();
    let top = lines
        .iter()
        .position(|l| l.contains("Inner Join"))
        .expect("a join");
    // The largest input is probed by the top join; the other two are
    // joined below it, on its hashed side.
    assert!(
        lines[top + 1].trim_start().starts_with("Scan lines"),
        "{plan}"
    );
    let below = lines[top + 2..]
        .iter()
        .position(|l| l.contains("Inner Join"))
        .expect("a second join");
    assert!(
        lines[top + 2 + below].len() - lines[top + 2 + below].trim_start().len()
            > lines[top].len() - lines[top].trim_start().len(),
        "{plan}"
    );
    let off = Engine::new();
    off.query("SET optimizer = false").unwrap();
    for t in ["n", "lines", "ords", "custs"] {
        let batches = e.query(&format!("SELECT * FROM {t}")).unwrap();
        off.register_batches(t, batches.batches().to_vec()).unwrap();
    }
    assert_eq!(rows(&e, sql), rows(&off, sql));
    // DuckDB: 80, 245.
    assert_eq!(rows(&e, sql), ["80|245"]);
}

#[test]
fn an_aggregate_joined_to_a_few_keys_aggregates_only_their_rows() {
    // TPC-H q20's shape: a correlated sum over `big` per (k, j) pair of
    // `few`, decorrelated into an aggregate of all of `big` by (k, j) joined
    // to `few`. Only the rows of the pairs `few` holds need aggregating.
    let e = common::with_numbers();
    e.query(
        "CREATE TABLE big AS SELECT n % 50 AS k, n % 3 AS j, n AS v FROM n;
         CREATE TABLE few AS SELECT n AS k, n % 3 AS j, n * 10 AS need FROM n WHERE n < 8",
    )
    .unwrap();
    let sql = "SELECT k, need FROM few \
               WHERE need < (SELECT SUM(v) FROM big WHERE big.k = few.k AND big.j = few.j) \
               ORDER BY k";
    let plan = explain(&e, sql);
    let aggregate = plan.find("Aggregate").expect("an aggregate");
    let below = &plan[aggregate..];
    assert!(below.contains("Semi Join"), "{plan}");
    assert_eq!(plan.matches("Shared #1").count(), 2, "{plan}");
    let off = Engine::new();
    off.query("SET optimizer = false").unwrap();
    for t in ["big", "few"] {
        let batches = e.query(&format!("SELECT * FROM {t}")).unwrap();
        off.register_batches(t, batches.batches().to_vec()).unwrap();
    }
    assert_eq!(rows(&e, sql), rows(&off, sql));
    // DuckDB gives the same 8 rows.
    assert_eq!(
        rows(&e, sql),
        ["0|0", "1|10", "2|20", "3|30", "4|40", "5|50", "6|60", "7|70"]
    );
    // A plain join of an aggregate to a few keys, either side.
    let sql =
        "SELECT few.k, t.total FROM few JOIN (SELECT k, SUM(v) AS total FROM big GROUP BY k) t \
               ON few.k = t.k ORDER BY few.k";
    let plan = explain(&e, sql);
    assert!(
        plan[plan.find("Aggregate").unwrap()..].contains("Semi Join"),
        "{plan}"
    );
    assert_eq!(rows(&e, sql), rows(&off, sql));
    // A join that keeps the aggregate's unmatched groups is not reduced.
    let sql = "SELECT t.k, few.need FROM (SELECT k, SUM(v) AS total FROM big GROUP BY k) t \
               LEFT JOIN few ON few.k = t.k ORDER BY t.k";
    let plan = explain(&e, sql);
    assert!(!plan.contains("Semi Join"), "{plan}");
    assert_eq!(rows(&e, sql).len(), 50);
}

/// Whether an aggregate sits below the first inner join of `plan`.
fn aggregate_below_join(plan: &str) -> bool {
    plan.find("Inner Join")
        .is_some_and(|j| plan[j..].contains("Aggregate"))
}

#[test]
fn an_aggregate_over_a_join_is_first_computed_on_the_side_it_reads() {
    // TPC-H q10's shape: sums of one side grouped by the other side's
    // columns. `sales` (1,000 rows, 40 keys, some NULL) is summed by its
    // key before the join; `cust` repeats key 3, and several keys share a
    // name, so partial results are merged across keys and duplicated by the
    // join as the plain join would.
    let e = common::with_numbers();
    e.query(
        "CREATE TABLE sales AS SELECT CASE WHEN n % 97 = 0 THEN NULL ELSE n % 40 END AS ck, \
             n AS amount, CASE WHEN n % 7 = 0 THEN NULL ELSE n % 13 END AS qty, n % 2 AS flag FROM n;
         CREATE TABLE cust AS SELECT n AS ck, 'name' || (n % 5) AS name FROM n WHERE n < 30 \
             UNION ALL SELECT 3, 'dup'",
    )
    .unwrap();
    let off = Engine::new();
    off.query("SET optimizer = false").unwrap();
    for t in ["sales", "cust"] {
        let batches = e.query(&format!("SELECT * FROM {t}")).unwrap();
        off.register_batches(t, batches.batches().to_vec()).unwrap();
    }
    // (query, pushed below the join, DuckDB's answer)
    let cases: [(&str, bool, &[&str]); 5] = [
        (
            "SELECT name, SUM(amount), COUNT(*), COUNT(qty), MIN(qty), MAX(amount) \
             FROM sales JOIN cust ON sales.ck = cust.ck GROUP BY name ORDER BY name",
            true,
            &[
                "dup|12075|25|22|0|963",
                "name0|72420|147|127|0|985",
                "name1|72958|148|126|0|986",
                "name2|73496|148|127|0|987",
                "name3|73937|149|127|0|988",
                "name4|74475|150|129|0|989",
            ],
        ),
        // A plain group key of the summed side is grouped by below too;
        // the summed side on either side of the join.
        (
            "SELECT cust.name, sales.flag, COUNT(*), SUM(qty) FROM cust, sales \
             WHERE cust.ck = sales.ck GROUP BY cust.name, sales.flag ORDER BY 1, 2",
            true,
            &[
                "dup|1|25|135",
                "name0|0|73|373",
                "name0|1|74|387",
                "name1|0|74|369",
                "name1|1|74|385",
                "name2|0|74|379",
                "name2|1|74|381",
                "name3|0|74|385",
                "name3|1|75|364",
                "name4|0|75|404",
                "name4|1|75|389",
            ],
        ),
        // Without GROUP BY an empty join must still count 0: not pushed.
        (
            "SELECT COUNT(*), SUM(amount) FROM sales JOIN cust ON sales.ck = cust.ck \
             WHERE cust.ck > 1000",
            false,
            &["0|NULL"],
        ),
        // AVG does not merge from partial results as they are kept.
        (
            "SELECT name, AVG(amount) FROM sales JOIN cust ON sales.ck = cust.ck \
             GROUP BY name ORDER BY name",
            false,
            &[],
        ),
        // A computed key over the summed side is not grouped by below.
        (
            "SELECT sales.ck % 3, SUM(amount) FROM sales JOIN cust ON sales.ck = cust.ck \
             GROUP BY sales.ck % 3 ORDER BY 1",
            false,
            &[],
        ),
    ];
    for (sql, pushed, expected) in cases {
        let plan = explain(&e, sql);
        assert_eq!(aggregate_below_join(&plan), pushed, "{sql}\n{plan}");
        assert_eq!(rows(&e, sql), rows(&off, sql), "{sql}");
        if !expected.is_empty() {
            assert_eq!(rows(&e, sql), expected, "{sql}");
        }
    }
}

#[test]
fn optimizer_runs_inside_ctes_views_subqueries_and_inserts() {
    let e = engine();
    e.query("CREATE VIEW busy AS SELECT * FROM o WHERE EXISTS (SELECT * FROM l WHERE l.ok = o.ok)")
        .unwrap();
    let plan = explain(&e, "SELECT * FROM busy");
    assert!(plan.contains("Semi Join"), "{plan}");
    let plan = explain(
        &e,
        "WITH x AS (SELECT ok FROM o WHERE ok IN (SELECT ok FROM l)) SELECT * FROM x, x AS y WHERE x.ok = y.ok",
    );
    assert!(plan.contains("Semi Join"), "{plan}");
    // A subquery's own comma join gets keys, not a cross product.
    let plan = explain(
        &e,
        "SELECT ok FROM o WHERE ck = (SELECT MAX(c.ck) FROM c, l WHERE c.ck = l.supp AND l.ok = o.ok)",
    );
    assert!(!plan.contains("Cross Join"), "{plan}");
    e.query("CREATE TABLE copy (ok INTEGER)").unwrap();
    e.query(
        "INSERT INTO copy SELECT ok FROM o WHERE NOT EXISTS (SELECT * FROM l WHERE l.ok = o.ok)",
    )
    .unwrap();
    assert_eq!(sorted(rows(&e, "SELECT ok FROM copy")), ["4", "5"]);
}

#[test]
fn views_are_named_queries() {
    let e = engine();
    e.query("CREATE VIEW v AS SELECT ok, status FROM o WHERE ok < 3")
        .unwrap();
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM v"), ["2"]);
    // A view sees the tables as they are when a query uses it.
    e.query("INSERT INTO o VALUES (0, 10, 'F')").unwrap();
    assert_eq!(rows(&e, "SELECT COUNT(*) FROM v"), ["3"]);
    assert_eq!(rows(&e, "SELECT v.status FROM v WHERE v.ok = 0"), ["F"]);
    let err = e
        .query("CREATE VIEW v AS SELECT 1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    e.query("CREATE OR REPLACE VIEW v (x) AS SELECT 42")
        .unwrap();
    assert_eq!(rows(&e, "SELECT x FROM v"), ["42"]);
    let err = e
        .query("CREATE VIEW o AS SELECT 1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("is a table"), "{err}");
    let err = e
        .query("CREATE VIEW bad AS SELECT nope FROM o")
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope"), "{err}");
    e.query("CREATE OR REPLACE VIEW v AS SELECT * FROM v")
        .unwrap_err();
    e.query("DROP VIEW v").unwrap();
    assert!(e.query("SELECT * FROM v").is_err());
    e.query("DROP VIEW IF EXISTS v").unwrap();
}

#[test]
fn outer_joins_hash_the_smaller_side_and_filter_the_padded_side_early() {
    let e = engine();
    // o (5 rows) is larger than c (4): c LEFT JOIN o runs as o RIGHT JOIN c,
    // and the ON condition on o alone filters o before the join (q13).
    let sql = "SELECT c.ck, COUNT(o.ok) FROM c LEFT JOIN o ON c.ck = o.ck GROUP BY c.ck ORDER BY 1";
    assert!(
        explain(&e, sql).contains("Right Join on="),
        "{}",
        explain(&e, sql)
    );
    assert_eq!(rows(&e, sql), ["10|2", "20|1", "30|1", "40|0"]);
    let sql = "SELECT c.ck, COUNT(o.ok) FROM c LEFT JOIN o ON c.ck = o.ck AND o.status = 'F' GROUP BY c.ck ORDER BY 1";
    let plan = explain(&e, sql);
    let join = plan.find(" Join").unwrap();
    assert!(plan[join..].contains("Filter"), "{plan}");
    assert_eq!(rows(&e, sql), ["10|1", "20|1", "30|1", "40|0"]);
    // An ON condition on the preserved side stays in the join.
    let sql =
        "SELECT c.ck, o.ok FROM c LEFT JOIN o ON c.ck = o.ck AND c.name <> 'ann' ORDER BY 1, 2";
    assert_eq!(rows(&e, sql), ["10|NULL", "20|3", "30|4", "40|NULL"]);
}

#[test]
fn columns_keep_their_identity_through_rewrites() {
    let e = engine();
    // Two references to one CTE are one plan run once, but two sets of
    // columns: joining it with itself compares its columns with each other.
    let sql = "WITH s AS (SELECT ok, ck FROM o WHERE ck IS NOT NULL) \
               SELECT a.ok, b.ok FROM s a JOIN s b ON a.ck = b.ck AND a.ok < b.ok ORDER BY 1, 2";
    let plan = explain(&e, sql);
    assert!(plan.contains("Shared #1 (as above)"), "{plan}");
    assert!(
        plan.contains("Inner Join on=[#1 = #1] filter=(#0 < #2)"),
        "{plan}"
    );
    assert_eq!(rows(&e, sql), ["1|2"]);

    // A condition on a derived table moves through its alias (new names and
    // identities for the same rows) below the join that reordering put it in.
    let sql = "SELECT d.k, c.name FROM c, (SELECT ck AS k, COUNT(*) AS n FROM o GROUP BY ck) AS d \
               WHERE d.k = c.ck AND d.n > 1";
    let plan = explain(&e, sql);
    let at = |needle: &str| {
        plan.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle} in\n{plan}"))
    };
    assert!(at("Rename") < at("Filter (#1 > 1)"), "{plan}");
    assert_eq!(rows(&e, sql), ["10|ann"]);

    // A subquery rewritten into a join keeps reading the columns it named,
    // wherever reordering and pushdown leave them.
    let sql = "SELECT c.name, o.ok FROM c, o \
               WHERE c.ck = o.ck AND o.ok IN (SELECT l.ok FROM l WHERE l.qty > 4 AND l.supp = 100 + (o.ok - o.ok)) \
               ORDER BY 1, 2";
    assert_eq!(rows(&e, sql), ["ann|1"]);
    let off = engine();
    off.query("SET optimizer = false").unwrap();
    assert_eq!(rows(&off, sql), ["ann|1"]);
}

#[test]
fn small_rules_show_in_the_plan() {
    let e = engine();
    // fold_constants: computed once, at plan time.
    let plan = explain(&e, "SELECT ok FROM o WHERE ok > 1 + 2");
    assert!(plan.contains("Filter (#0 > 3)"), "{plan}");
    // prune_columns: the scan reads the one column used.
    assert!(plan.contains("Scan o [ok]"), "{plan}");
    // ...beside an uncorrelated subquery, which reads no column of the row
    // (TPC-H q22 read all of customer's), but not beside a correlated one.
    let sql = "SELECT ok FROM o WHERE ck > (SELECT MIN(ck) FROM o)";
    let plan = explain(&e, sql);
    assert!(
        plan.lines().any(|l| l.trim() == "Scan o [ok, ck]"),
        "{plan}"
    );
    assert_eq!(sorted(rows(&e, sql)), ["3", "4"]);
    let sql = "SELECT ok FROM o WHERE ck > (SELECT MIN(ck) FROM c WHERE c.name > o.status)";
    let plan = explain(&e, sql);
    assert!(plan.lines().any(|l| l.trim() == "Scan o"), "{plan}");
    assert_eq!(sorted(rows(&e, sql)), ["3", "4"]);
    // merge_projections: the order-restoring projection of a reordered join
    // and the select list's are one.
    let sql = "SELECT c.name, l.qty FROM l, o, c WHERE l.ok = o.ok AND o.ck = c.ck";
    let plan = explain(&e, sql);
    let above_joins = &plan[..plan.find("Join").expect("a join")];
    assert_eq!(above_joins.matches("Project").count(), 1, "{plan}");
    // prune_columns: the hashed side of a join keeps no column only its own
    // join or filter read (here the keys of `o ⋈ c`, and `status`).
    assert!(
        plan.lines()
            .any(|l| l.trim() == "Project #0, NULL, #2, NULL, #4"),
        "{plan}"
    );
    assert_eq!(
        sorted(rows(&e, sql)),
        ["ann|1", "ann|5", "ann|7", "bob|2", "bob|9"]
    );
    let sql = "SELECT l.qty FROM l JOIN o ON l.ok = o.ok WHERE o.status = 'F'";
    let plan = explain(&e, sql);
    assert!(
        plan.contains("Project #0, #1, NULL\n      Filter (#2 = 'F')"),
        "{plan}"
    );
    assert_eq!(sorted(rows(&e, sql)), ["2", "5", "7", "9"]);
    // push_down_semi_joins: an IN filtering one input of a join moves onto it.
    let sql = "SELECT l.qty FROM l, o WHERE l.ok = o.ok AND o.ok IN (SELECT ok FROM o WHERE status = 'O')";
    let plan = explain(&e, sql);
    let semi = plan.find("Semi Join").expect("a semi join");
    let inner = plan.find("Inner Join").expect("an inner join");
    assert!(
        inner < semi,
        "the semi join sits below the inner join:\n{plan}"
    );
    assert_eq!(sorted(rows(&e, sql)), ["1"]);
}

#[test]
fn an_aggregates_repeated_subexpressions_are_computed_once() {
    let e = engine();
    // q1's shape: the product in both sums is computed once, below.
    let sql = "SELECT ck, SUM(qty * (ok - 1)), SUM(qty * (ok - 1) * (ck + 1)), COUNT(*) \
               FROM o JOIN l USING (ok) GROUP BY ck ORDER BY ck";
    let plan = explain(&e, sql);
    let agg = plan
        .lines()
        .find(|l| l.contains("Aggregate"))
        .expect("an aggregate");
    assert_eq!(agg.matches(" - 1)").count(), 0, "{plan}");
    let below = &plan[plan.find("Aggregate").expect("an aggregate")..];
    assert!(
        below
            .lines()
            .any(|l| l.contains("Project") && l.contains(" - 1))")),
        "the product is projected below:\n{plan}"
    );
    let off = engine();
    off.query("SET optimizer = false").unwrap();
    assert_eq!(rows(&e, sql), rows(&off, sql));
    assert_eq!(rows(&e, sql), ["10|1|11|3", "20|22|462|2"]);

    // Not from CASE branches (which run for some rows only), nor volatile calls.
    let projects_below = |sql: &str| {
        let plan = explain(&e, sql);
        plan[plan.find("Aggregate").expect("an aggregate")..].contains("Project")
    };
    assert!(!projects_below(
        "SELECT SUM(CASE WHEN status = 'F' THEN ck * 2 END), \
                SUM(CASE WHEN status = 'O' THEN ck * 2 END) FROM o"
    ));
    assert!(!projects_below(
        "SELECT MIN(NOW() + INTERVAL '1' DAY), MAX(NOW() + INTERVAL '1' DAY) FROM o"
    ));
}
