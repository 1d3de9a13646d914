//! Helpers shared by the integration tests.

use arrow_array::cast::AsArray;
use arrow_array::Array;
use engine_core::{Engine, QueryResult};

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

/// The same rows, sorted (for results whose order SQL leaves open).
#[allow(dead_code)]
pub fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
