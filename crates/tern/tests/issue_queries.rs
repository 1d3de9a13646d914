//! The seven reference queries, through the library, against values computed
//! independently: DuckDB 2.0.0 over the Parquet copies of the datasets
//! (`../shared/data/virtual/*.parquet`), not through tern's embedded Arrow data.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};

fn run(sql: &str) -> RecordBatch {
    let engine = tern::Engine::new();
    engine
        .query(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .concat()
        .unwrap()
}

fn strings(b: &RecordBatch, col: usize) -> Vec<String> {
    let c = arrow_cast::cast(b.column(col), &arrow_schema::DataType::Utf8).unwrap();
    c.as_string::<i32>()
        .iter()
        .map(|v| v.unwrap_or("NULL").to_string())
        .collect()
}

#[test]
fn count_star() {
    let b = run("SELECT COUNT(*) FROM $planets");
    assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0), 9);
}

#[test]
fn select_star_has_every_row_and_column() {
    let b = run("SELECT * FROM $planets");
    assert_eq!((b.num_rows(), b.num_columns()), (9, 20));
    let mut names = strings(&b, 1);
    names.sort();
    assert_eq!(
        names,
        ["Earth", "Jupiter", "Mars", "Mercury", "Neptune", "Pluto", "Saturn", "Uranus", "Venus"]
    );
    assert_eq!(
        b.schema().field(5).data_type(),
        &arrow_schema::DataType::Decimal128(3, 1)
    );
}

#[test]
fn where_on_a_decimal_column() {
    let b = run("SELECT * FROM $planets WHERE gravity > 10");
    let mut names = strings(&b, 1);
    names.sort();
    assert_eq!(names, ["Jupiter", "Neptune"]);
}

#[test]
fn avg_max_min() {
    let b = run("SELECT AVG(gravity), MAX(mass), MIN(mass) FROM $planets");
    let avg = b.column(0).as_primitive::<Float64Type>().value(0);
    assert!((avg - 8.733333333333333).abs() < 1e-9, "{avg}");
    assert_eq!(b.column(1).as_primitive::<Float64Type>().value(0), 1898.0);
    assert_eq!(b.column(2).as_primitive::<Float64Type>().value(0), 0.0146);
}

#[test]
fn group_by_name() {
    // Every satellite name is distinct: 177 groups of one.
    let b = run("SELECT name, COUNT(*) FROM $satellites GROUP BY name");
    assert_eq!(b.num_rows(), 177);
    let counts = b.column(1).as_primitive::<Int64Type>();
    assert!(counts.values().iter().all(|&c| c == 1));
    let mut names = strings(&b, 0);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 177);
}

#[test]
fn join_with_limit() {
    let b = run(
        "SELECT p.name, s.name FROM $planets p JOIN $satellites s ON p.id = s.planetId LIMIT 10",
    );
    assert_eq!(b.num_rows(), 10);
    // Every pair must be a real planet/moon pair.
    let all = run(
        "SELECT p.name || '/' || s.name FROM $planets p JOIN $satellites s ON p.id = s.planetId",
    );
    assert_eq!(all.num_rows(), 177);
    let valid = strings(&all, 0);
    let (planets, moons) = (strings(&b, 0), strings(&b, 1));
    for (p, m) in planets.iter().zip(&moons) {
        assert!(valid.contains(&format!("{p}/{m}")), "{p}/{m} is not a pair");
    }
}

#[test]
fn order_by_mass_desc() {
    let b = run("SELECT * FROM $planets ORDER BY mass DESC");
    assert_eq!(
        strings(&b, 1),
        ["Jupiter", "Saturn", "Neptune", "Uranus", "Earth", "Venus", "Mars", "Mercury", "Pluto"]
    );
}

#[test]
fn readme_query() {
    let b = run("SELECT name, id FROM $planets WHERE id > 3");
    let mut rows: Vec<(String, String)> = strings(&b, 0).into_iter().zip(strings(&b, 1)).collect();
    rows.sort_by_key(|r| r.1.parse::<i64>().unwrap());
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        ["Mars", "Jupiter", "Saturn", "Uranus", "Neptune", "Pluto"]
    );
}

#[test]
fn facade_engine_without_datasets_is_engine_core() {
    let core = engine_core::Engine::new();
    let err = core.query("SELECT * FROM $planets").unwrap_err();
    assert!(
        err.to_string().contains("unknown table '$planets'"),
        "{err}"
    );
    assert!(b_is_null(&run("SELECT NULL")));
}

fn b_is_null(b: &RecordBatch) -> bool {
    b.column(0).logical_null_count() == 1
}
