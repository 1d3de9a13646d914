//! Helpers shared by the integration tests.

use arrow_array::cast::AsArray;
use arrow_array::Array;
use engine_core::{Engine, QueryResult};

/// An engine with a table `n` of the integers 0 to 999 (column `n`), to
/// build test tables from.
#[allow(dead_code)]
pub fn with_numbers() -> Engine {
    let e = Engine::new();
    e.query(
        "CREATE TABLE n AS WITH d(x) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) \
         SELECT a.x * 100 + b.x * 10 + c.x AS n FROM d a, d b, d c",
    )
    .unwrap();
    e
}

/// The result of `sql` as rows of `a|b|...` strings (NULL as "NULL"), in result order.
#[allow(dead_code)]
pub fn rows(e: &Engine, sql: &str) -> Vec<String> {
    result_rows(&e.query(sql).unwrap_or_else(|err| panic!("{sql}: {err}")))
}

#[allow(dead_code)]
/// A result as rows of `a|b|...` strings (NULL as "NULL"), in result order.
pub fn result_rows(r: &QueryResult) -> Vec<String> {
    let b = r.concat().unwrap();
    let cols: Vec<_> = b
        .columns()
        .iter()
        .map(|c| arrow_cast::cast(c, &arrow_schema::DataType::Utf8).unwrap())
        .collect();
    (0..b.num_rows())
        .map(|i| {
            cols.iter()
                .map(|c| {
                    let s = c.as_string::<i32>();
                    if s.is_null(i) {
                        "NULL".to_string()
                    } else {
                        s.value(i).to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// Asserts that each query fails with an error whose message contains its
/// fragment.
#[allow(dead_code)]
pub fn assert_errors(e: &Engine, cases: &[(&str, &str)]) {
    for (sql, fragment) in cases {
        let err = match e.query(sql) {
            Ok(_) => panic!("{sql}: succeeded, expected an error with '{fragment}'"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(fragment), "{sql}: {err}");
    }
}

/// The same rows, sorted (for results whose order SQL leaves open).
#[allow(dead_code)]
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// xorshift64*: a small deterministic generator, so a fuzz failure replays
/// from its seed on every machine.
#[allow(dead_code)]
pub struct Rng(pub u64);

#[allow(dead_code)]
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}
