//! Window functions: answers checked against DuckDB, every frame shape
//! against a brute-force reference, and the errors.

mod common;

use common::{rows, sorted, Rng};
use engine_core::Engine;

/// A table `t(id, p, k, v)`: partitions `p` (some NULL), order keys `k`
/// with ties and NULLs, values `v` with NULLs; inserted in `id` order.
fn random_table(seed: u64, n: usize) -> (Engine, Vec<Row>) {
    let mut rng = Rng(seed);
    let mut data = Vec::new();
    for id in 0..n as i64 {
        // A value below `n` (shifted by `from`), NULL one time in `nulls`.
        let mut maybe = |n: usize, from: i64, nulls: usize| {
            let x = rng.below(n) as i64 + from;
            (rng.below(nulls) != 0).then_some(x)
        };
        let p = maybe(3, 0, 8);
        let k = maybe(12, 0, 6);
        let v = maybe(100, -30, 5);
        data.push(Row { id, p, k, v });
    }
    let show = |x: Option<i64>| x.map_or("NULL".to_string(), |x| x.to_string());
    let values: Vec<String> = data
        .iter()
        .map(|r| format!("({}, {}, {}, {})", r.id, show(r.p), show(r.k), show(r.v)))
        .collect();
    let e = Engine::new();
    e.query(&format!(
        "CREATE TABLE t (id BIGINT, p BIGINT, k BIGINT, v BIGINT); INSERT INTO t VALUES {}",
        values.join(", ")
    ))
    .unwrap();
    (e, data)
}

#[derive(Clone, Copy)]
struct Row {
    id: i64,
    p: Option<i64>,
    k: Option<i64>,
    v: Option<i64>,
}

#[derive(Clone, Copy, Debug)]
enum Bound {
    UnboundedPreceding,
    Preceding(i64),
    Current,
    Following(i64),
    UnboundedFollowing,
}

impl Bound {
    fn sql(self) -> String {
        match self {
            Bound::UnboundedPreceding => "UNBOUNDED PRECEDING".into(),
            Bound::Preceding(n) => format!("{n} PRECEDING"),
            Bound::Current => "CURRENT ROW".into(),
            Bound::Following(n) => format!("{n} FOLLOWING"),
            Bound::UnboundedFollowing => "UNBOUNDED FOLLOWING".into(),
        }
    }
}

/// The frame of each row of one sorted partition, the slow and obvious
/// way: positions `[start, end)` by the bound's definition, then the
/// excluded rows taken out. `keys` are the partition's ORDER BY keys in
/// order (NULLs sort as the largest value, so last ascending, first
/// descending); `desc` is the direction.
fn reference_frames(
    keys: &[Option<i64>],
    desc: bool,
    units: &str,
    start: Bound,
    end: Bound,
    exclude: &str,
) -> Vec<Vec<usize>> {
    let m = keys.len();
    let peer_start = |i: usize| {
        (0..=i)
            .rev()
            .take_while(|&j| keys[j] == keys[i])
            .last()
            .unwrap()
    };
    let peer_end = |i: usize| (i..m).take_while(|&j| keys[j] == keys[i]).last().unwrap() + 1;
    // Peer group numbers.
    let mut group = vec![0usize; m];
    for i in 1..m {
        group[i] = group[i - 1] + usize::from(keys[i] != keys[i - 1]);
    }
    // Whether sorted key `a` comes before value `b` in the sort's direction.
    let before = |a: i64, b: i64| if desc { a > b } else { a < b };
    let after = |a: i64, b: i64| if desc { a < b } else { a > b };
    let shift = |k: i64, n: i64, back: bool| if back == desc { k + n } else { k - n };
    let bound = |b: Bound, i: usize, is_start: bool| -> usize {
        match b {
            Bound::UnboundedPreceding => 0,
            Bound::UnboundedFollowing => m,
            Bound::Current => match (units, is_start) {
                ("ROWS", true) => i,
                ("ROWS", false) => i + 1,
                (_, true) => peer_start(i),
                (_, false) => peer_end(i),
            },
            Bound::Preceding(n) | Bound::Following(n) => {
                let back = matches!(b, Bound::Preceding(_));
                match units {
                    "ROWS" => {
                        let r = if back { i as i64 - n } else { i as i64 + n };
                        let r = if is_start { r } else { r + 1 };
                        r.clamp(0, m as i64) as usize
                    }
                    "GROUPS" => {
                        let g = if back {
                            group[i] as i64 - n
                        } else {
                            group[i] as i64 + n
                        };
                        let rows = (0..m).filter(|&j| group[j] as i64 == g);
                        match (is_start, g < 0) {
                            (true, true) => 0,
                            (false, true) => 0,
                            (true, false) => rows.min().unwrap_or(m),
                            (false, false) => rows.max().map_or(m, |j| j + 1),
                        }
                    }
                    _ => match keys[i] {
                        None => match is_start {
                            true => peer_start(i),
                            false => peer_end(i),
                        },
                        Some(k) => {
                            let target = shift(k, n, back);
                            let non_null: Vec<usize> =
                                (0..m).filter(|&j| keys[j].is_some()).collect();
                            let (lo, hi) = (non_null[0], non_null.last().unwrap() + 1);
                            match is_start {
                                // The first row not before the target.
                                true => (lo..hi)
                                    .find(|&j| !before(keys[j].unwrap(), target))
                                    .unwrap_or(hi),
                                // The first row after it.
                                false => (lo..hi)
                                    .find(|&j| after(keys[j].unwrap(), target))
                                    .unwrap_or(hi),
                            }
                        }
                    },
                }
            }
        }
    };
    (0..m)
        .map(|i| {
            let (s, e) = (bound(start, i, true), bound(end, i, false));
            (s..e.max(s))
                .filter(|&j| match exclude {
                    "CURRENT ROW" => j != i,
                    "GROUP" => keys[j] != keys[i],
                    "TIES" => j == i || keys[j] != keys[i],
                    _ => true,
                })
                .collect()
        })
        .collect()
}

#[test]
fn every_frame_shape_matches_a_brute_force_reference() {
    let (e, data) = random_table(0x5eed_f00d, 160);
    let shapes: Vec<(&str, Bound, Bound)> = vec![
        ("ROWS", Bound::UnboundedPreceding, Bound::Current),
        ("ROWS", Bound::Preceding(2), Bound::Following(1)),
        ("ROWS", Bound::Following(1), Bound::Following(3)),
        ("ROWS", Bound::Preceding(3), Bound::Preceding(1)),
        ("ROWS", Bound::Current, Bound::UnboundedFollowing),
        ("ROWS", Bound::Preceding(0), Bound::Following(0)),
        ("RANGE", Bound::UnboundedPreceding, Bound::Current),
        ("RANGE", Bound::Preceding(3), Bound::Following(2)),
        ("RANGE", Bound::Current, Bound::Following(5)),
        ("RANGE", Bound::UnboundedPreceding, Bound::Preceding(1)),
        ("RANGE", Bound::Following(2), Bound::UnboundedFollowing),
        ("GROUPS", Bound::Preceding(1), Bound::Following(1)),
        ("GROUPS", Bound::UnboundedPreceding, Bound::Preceding(1)),
        ("GROUPS", Bound::Current, Bound::Following(2)),
    ];
    let mut checked = 0;
    for desc in [false, true] {
        // Each partition's rows in the window's order: by `k` (NULLs as the
        // largest value), ties in input order. (SQL leaves ties open; with
        // two sort keys, `p` and `k`, tern's sort breaks them by row index,
        // which this reference relies on to check FIRST_VALUE and ROWS.)
        let mut parts: Vec<Vec<Row>> = Vec::new();
        let mut by_p: std::collections::BTreeMap<Option<i64>, Vec<Row>> = Default::default();
        for r in &data {
            by_p.entry(r.p).or_default().push(*r);
        }
        for (_, mut rs) in by_p {
            rs.sort_by(|a, b| {
                let o = match (a.k, b.k) {
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, _) => std::cmp::Ordering::Greater,
                    (_, None) => std::cmp::Ordering::Less,
                    (Some(x), Some(y)) => x.cmp(&y),
                };
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
            parts.push(rs);
        }
        for &(units, start, end) in &shapes {
            for exclude in ["NO OTHERS", "CURRENT ROW", "GROUP", "TIES"] {
                let spec = format!(
                    "PARTITION BY p ORDER BY k{} {units} BETWEEN {} AND {} EXCLUDE {exclude}",
                    if desc { " DESC" } else { "" },
                    start.sql(),
                    end.sql()
                );
                let sql = format!(
                    "SELECT id, SUM(v) OVER w, COUNT(v) OVER w, COUNT(*) OVER w, MIN(v) OVER w, \
                     MAX(v) OVER w, AVG(v) OVER w, FIRST_VALUE(v) OVER w, LAST_VALUE(v) OVER w, \
                     NTH_VALUE(v, 2) OVER w, LAST_VALUE(v IGNORE NULLS) OVER w, \
                     SUM(CAST(v AS DOUBLE)) OVER w, QUANTILE_DISC(v, 0.3) OVER w, \
                     MEDIAN(v) OVER w, BOOL_OR(v > 50) OVER w, COUNT_IF(v > 0) OVER w, \
                     ANY_VALUE(v) OVER w, ARG_MAX(id, v) OVER w, COUNT(DISTINCT v) OVER w, \
                     MODE(v) OVER w, ARRAY_AGG(v) OVER w \
                     FROM t WINDOW w AS ({spec})"
                );
                let mut expected = Vec::new();
                for rs in &parts {
                    let keys: Vec<Option<i64>> = rs.iter().map(|r| r.k).collect();
                    let frames = reference_frames(&keys, desc, units, start, end, exclude);
                    for (i, frame) in frames.iter().enumerate() {
                        let vals: Vec<i64> = frame.iter().filter_map(|&j| rs[j].v).collect();
                        let show = |x: Option<i64>| x.map_or("NULL".to_string(), |x| x.to_string());
                        let avg = match vals.len() {
                            0 => "NULL".to_string(),
                            n => format!("{:?}", vals.iter().sum::<i64>() as f64 / n as f64),
                        };
                        expected.push(
                            [
                                rs[i].id.to_string(),
                                show((!vals.is_empty()).then(|| vals.iter().sum())),
                                vals.len().to_string(),
                                frame.len().to_string(),
                                show(vals.iter().copied().min()),
                                show(vals.iter().copied().max()),
                                avg,
                                show(frame.first().and_then(|&j| rs[j].v)),
                                show(frame.last().and_then(|&j| rs[j].v)),
                                show(frame.get(1).and_then(|&j| rs[j].v)),
                                show(vals.last().copied()),
                                // Small integers: a float sum is exact.
                                match vals.is_empty() {
                                    true => "NULL".to_string(),
                                    false => format!("{:?}", vals.iter().sum::<i64>() as f64),
                                },
                                show(quantile_disc(&vals, 0.3)),
                                median(&vals).map_or("NULL".to_string(), |m| format!("{m:?}")),
                                show_bool((!vals.is_empty()).then(|| vals.iter().any(|&x| x > 50))),
                                vals.iter().filter(|&&x| x > 0).count().to_string(),
                                show(vals.first().copied()),
                                show(arg_max(frame.iter().map(|&j| (rs[j].id, rs[j].v)))),
                                vals.iter()
                                    .collect::<std::collections::HashSet<_>>()
                                    .len()
                                    .to_string(),
                                show(mode(&vals)),
                                match frame.is_empty() {
                                    true => "NULL".to_string(),
                                    false => {
                                        let items: Vec<String> = frame
                                            .iter()
                                            .map(|&j| {
                                                rs[j].v.map_or(String::new(), |x| x.to_string())
                                            })
                                            .collect();
                                        format!("[{}]", items.join(", "))
                                    }
                                },
                            ]
                            .join("|"),
                        );
                    }
                }
                assert_eq!(sorted(rows(&e, &sql)), sorted(expected), "{spec}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 14 * 4);
}

/// QUANTILE_DISC's rule: the first value at or past fraction `q`.
fn quantile_disc(vals: &[i64], q: f64) -> Option<i64> {
    let mut v = vals.to_vec();
    v.sort();
    let m = v.len();
    (m > 0).then(|| v[((q * m as f64).ceil() as usize).clamp(1, m) - 1])
}

fn median(vals: &[i64]) -> Option<f64> {
    let mut v = vals.to_vec();
    v.sort();
    let m = v.len();
    (m > 0).then(|| (v[(m - 1) / 2] + v[m / 2]) as f64 / 2.0)
}

/// The most frequent value; of ties, the first met.
fn mode(vals: &[i64]) -> Option<i64> {
    let count = |x: i64| vals.iter().filter(|&&y| y == x).count();
    let best = vals.iter().map(|&x| count(x)).max()?;
    vals.iter().copied().find(|&x| count(x) == best)
}

/// The id of the row with the largest value; of ties, the first met.
fn arg_max(rows: impl Iterator<Item = (i64, Option<i64>)>) -> Option<i64> {
    let mut best: Option<(i64, i64)> = None;
    for (id, v) in rows {
        if let Some(v) = v {
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((id, v));
            }
        }
    }
    best.map(|(id, _)| id)
}

fn show_bool(b: Option<bool>) -> String {
    b.map_or("NULL".to_string(), |b| b.to_string())
}

/// `t(id, g, x)`: two partitions, ties in `x`, a NULL.
fn small() -> Engine {
    let e = Engine::new();
    e.query(
        "CREATE TABLE s (id INTEGER, g VARCHAR, x DOUBLE);
         INSERT INTO s VALUES (1, 'a', 10), (2, 'a', 20), (3, 'a', 20), (4, 'a', 40),
                              (5, 'b', 5), (6, 'b', NULL), (7, 'b', 7)",
    )
    .unwrap();
    e
}

// Every answer below is DuckDB 2.0's for the same query.

#[test]
fn ranking_functions() {
    let e = small();
    assert_eq!(
        rows(
            &e,
            "SELECT id, ROW_NUMBER() OVER w, RANK() OVER w, DENSE_RANK() OVER w, \
             PERCENT_RANK() OVER w, CUME_DIST() OVER w, NTILE(3) OVER w \
             FROM s WHERE g = 'a' WINDOW w AS (ORDER BY x) ORDER BY id"
        ),
        [
            "1|1|1|1|0.0|0.25|1",
            "2|2|2|2|0.3333333333333333|0.75|1",
            "3|3|2|2|0.3333333333333333|0.75|2",
            "4|4|4|3|1.0|1.0|3",
        ]
    );
    // Without ORDER BY every row of a partition is a peer of the others.
    assert_eq!(
        rows(&e, "SELECT g, RANK() OVER (PARTITION BY g), COUNT(*) OVER (PARTITION BY g) FROM s WHERE id IN (1, 2, 5) ORDER BY g"),
        ["a|1|2", "a|1|2", "b|1|1"]
    );
    // NTILE with more buckets than rows, and the larger buckets first.
    assert_eq!(
        rows(
            &e,
            "SELECT NTILE(10) OVER (ORDER BY id), NTILE(2) OVER (ORDER BY id) FROM s ORDER BY id"
        ),
        ["1|1", "2|1", "3|1", "4|1", "5|2", "6|2", "7|2"]
    );
}

#[test]
fn offsets_and_values() {
    let e = small();
    assert_eq!(
        rows(
            &e,
            "SELECT id, LAG(x) OVER w, LEAD(x, 2, -1) OVER w, LAG(x, -1) OVER w, \
             LAG(x IGNORE NULLS) OVER w, FIRST_VALUE(x) OVER w, LAST_VALUE(x) OVER w, \
             NTH_VALUE(x, 2) OVER w \
             FROM s WINDOW w AS (PARTITION BY g ORDER BY id) ORDER BY id"
        ),
        [
            "1|NULL|20.0|20.0|NULL|10.0|10.0|NULL",
            "2|10.0|40.0|20.0|10.0|10.0|20.0|20.0",
            "3|20.0|-1.0|40.0|20.0|10.0|20.0|20.0",
            "4|20.0|-1.0|NULL|20.0|10.0|40.0|20.0",
            "5|NULL|7.0|NULL|NULL|5.0|5.0|NULL",
            "6|5.0|-1.0|7.0|5.0|5.0|NULL|NULL",
            "7|NULL|-1.0|NULL|5.0|5.0|7.0|NULL",
        ]
    );
    // LAG's default takes the value's type, as in DuckDB.
    assert_eq!(
        rows(
            &e,
            "SELECT LAG(id, 1, 0.6) OVER (ORDER BY id) FROM s WHERE id < 3 ORDER BY id"
        ),
        ["1", "1"]
    );
}

#[test]
fn aggregates_over_frames_and_groups() {
    let e = small();
    // The default frame with ORDER BY ends at the row's last peer.
    assert_eq!(
        rows(
            &e,
            "SELECT id, SUM(x) OVER (PARTITION BY g ORDER BY x), \
             SUM(x) OVER (PARTITION BY g ORDER BY x ROWS UNBOUNDED PRECEDING), \
             AVG(x) OVER (PARTITION BY g), COUNT(x) OVER (PARTITION BY g), \
             MAX(x) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) \
             FROM s ORDER BY id"
        ),
        [
            "1|10.0|10.0|22.5|4|20.0",
            "2|50.0|30.0|22.5|4|20.0",
            "3|50.0|50.0|22.5|4|40.0",
            "4|90.0|90.0|22.5|4|40.0",
            "5|5.0|5.0|6.0|2|40.0",
            "6|12.0|12.0|6.0|2|7.0",
            "7|12.0|12.0|6.0|2|7.0",
        ]
    );
    // Aggregates of a grouped query, windowed: a share of the total.
    assert_eq!(
        rows(
            &e,
            "SELECT g, COUNT(*), SUM(COUNT(*)) OVER (), RANK() OVER (ORDER BY SUM(x) DESC) \
             FROM s GROUP BY g ORDER BY g"
        ),
        ["a|4|7|1", "b|3|7|2"]
    );
    // DISTINCT over growing frames, and FILTER.
    assert_eq!(
        rows(
            &e,
            "SELECT id, COUNT(DISTINCT x) OVER (PARTITION BY g), \
             SUM(DISTINCT x) OVER (PARTITION BY g ORDER BY id), \
             COUNT(*) FILTER (WHERE x > 8) OVER (PARTITION BY g) \
             FROM s ORDER BY id"
        ),
        [
            "1|3|10.0|4",
            "2|3|30.0|4",
            "3|3|30.0|4",
            "4|3|70.0|4",
            "5|2|5.0|0",
            "6|2|5.0|0",
            "7|2|12.0|0",
        ]
    );
    // RANGE over dates, with an interval.
    assert_eq!(
        rows(
            &e,
            "SELECT d, COUNT(*) OVER (ORDER BY d RANGE BETWEEN INTERVAL 2 DAY PRECEDING AND CURRENT ROW) \
             FROM (VALUES (DATE '2024-01-01'), (DATE '2024-01-02'), (DATE '2024-01-03'), (DATE '2024-01-09')) v(d) ORDER BY d"
        ),
        ["2024-01-01|1", "2024-01-02|2", "2024-01-03|3", "2024-01-09|1"]
    );
}

#[test]
fn named_windows_qualify_and_placement() {
    let e = small();
    // A window built on a named one adds its frame; QUALIFY reads an alias.
    assert_eq!(
        rows(
            &e,
            "SELECT id, SUM(id) OVER (w ROWS 1 PRECEDING) AS s, ROW_NUMBER() OVER w AS rn \
             FROM s WINDOW w AS (PARTITION BY g ORDER BY id) QUALIFY rn <= 2 ORDER BY id"
        ),
        ["1|1|1", "2|3|2", "5|5|1", "6|11|2"]
    );
    // Window calls inside expressions, in ORDER BY, under DISTINCT and in a
    // subquery filtered outside.
    assert_eq!(
        rows(
            &e,
            "SELECT id, 100 * x / SUM(x) OVER (PARTITION BY g) FROM s WHERE g = 'b' \
             ORDER BY ROW_NUMBER() OVER (ORDER BY id DESC)"
        ),
        ["7|58.333333333333336", "6|NULL", "5|41.666666666666664"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT DISTINCT g, COUNT(*) OVER (PARTITION BY g) FROM s ORDER BY g"
        ),
        ["a|4", "b|3"]
    );
    assert_eq!(
        rows(
            &e,
            "SELECT id FROM (SELECT id, RANK() OVER (ORDER BY x DESC NULLS LAST) r FROM s) WHERE r <= 2 ORDER BY id"
        ),
        ["2", "3", "4"]
    );
    // An unaliased column is named as written, its EXCLUDE clause included.
    let r = e
        .query("SELECT SUM(id) OVER (ORDER BY id ROWS 1 PRECEDING EXCLUDE CURRENT ROW) FROM s")
        .unwrap();
    assert_eq!(
        r.schema().field(0).name(),
        "SUM(id) OVER (ORDER BY id ROWS 1 PRECEDING EXCLUDE CURRENT ROW)"
    );
    assert_eq!(
        rows(&e, "SELECT SUM(id) OVER (ORDER BY id ROWS 1 PRECEDING EXCLUDE CURRENT ROW) FROM s ORDER BY id LIMIT 3"),
        ["NULL", "1", "2"]
    );
    // No rows in, no rows out.
    assert!(rows(&e, "SELECT ROW_NUMBER() OVER () FROM s WHERE id > 100").is_empty());
}

#[test]
fn misplaced_and_malformed_windows_are_errors() {
    let e = small();
    let err = |sql: &str| e.query(sql).map(|_| ()).unwrap_err().to_string();
    for (sql, says) in [
        (
            "SELECT id FROM s WHERE ROW_NUMBER() OVER () > 1",
            "not allowed here",
        ),
        (
            "SELECT g FROM s GROUP BY ROW_NUMBER() OVER ()",
            "not allowed here",
        ),
        (
            "SELECT g FROM s GROUP BY g HAVING RANK() OVER () > 1",
            "not allowed here",
        ),
        (
            "SELECT SUM(ROW_NUMBER() OVER ()) FROM s",
            "not allowed here",
        ),
        (
            "SELECT ROW_NUMBER() OVER (ORDER BY RANK() OVER ()) FROM s",
            "not allowed here",
        ),
        ("SELECT ROW_NUMBER(id) OVER () FROM s", "takes no arguments"),
        ("SELECT LAG() OVER () FROM s", "1 to 3 arguments"),
        (
            "SELECT NTILE(0) OVER () FROM s",
            "positive number of buckets",
        ),
        ("SELECT NTILE('a') OVER () FROM s", "must be an integer"),
        (
            "SELECT NTH_VALUE(x, 0) OVER () FROM s",
            "counts rows from 1",
        ),
        ("SELECT UPPER(g) OVER () FROM s", "unknown window function"),
        (
            "SELECT ROW_NUMBER() FROM s",
            "ROW_NUMBER() is a window function: it needs OVER",
        ),
        ("SELECT LAG(x) FROM s", "needs OVER"),
        ("SELECT RANK() IGNORE NULLS OVER () FROM s", "IGNORE NULLS"),
        ("SELECT SUM(x) OVER w FROM s", "window 'w' is not defined"),
        ("SELECT 1 FROM s WINDOW w AS (), w AS ()", "defined twice"),
        (
            "SELECT SUM(x) OVER (w PARTITION BY g) FROM s WINDOW w AS (ORDER BY id)",
            "own PARTITION BY",
        ),
        (
            "SELECT SUM(x) OVER (ROWS BETWEEN CURRENT ROW AND 1 PRECEDING) FROM s",
            "cannot start at CURRENT ROW",
        ),
        (
            "SELECT SUM(x) OVER (ROWS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM s",
            "UNBOUNDED FOLLOWING",
        ),
        (
            "SELECT SUM(x) OVER (ROWS -1 PRECEDING) FROM s",
            "non-negative",
        ),
        (
            "SELECT SUM(x) OVER (ROWS id PRECEDING) FROM s",
            "must be a constant",
        ),
        (
            "SELECT SUM(x) OVER (ORDER BY id, x RANGE 1 PRECEDING) FROM s",
            "exactly one ORDER BY key",
        ),
        (
            "SELECT SUM(x) OVER (ORDER BY g RANGE 1 PRECEDING) FROM s",
            "must be a number",
        ),
        (
            "SELECT SUM(x) OVER (GROUPS 1 PRECEDING) FROM s",
            "needs an ORDER BY",
        ),
        (
            "SELECT ARRAY_AGG(x ORDER BY id) OVER () FROM s",
            "'ORDER BY id' in a window",
        ),
        (
            "SELECT id FROM s QUALIFY [id]",
            "QUALIFY condition needs a boolean",
        ),
    ] {
        let got = err(sql);
        assert!(got.contains(says), "{sql}: {got}");
    }
}
