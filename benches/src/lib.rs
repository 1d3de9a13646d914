//! criterion benchmarks for tern live in `benches/benches/`; run them with
//! `cargo bench -p tern-benches`. This library holds what they share.

/// The seven reference queries every benchmark measures, by name.
pub const QUERIES: [(&str, &str); 7] = [
    ("count", "SELECT COUNT(*) FROM $planets"),
    ("select_all", "SELECT * FROM $planets"),
    ("where", "SELECT * FROM $planets WHERE gravity > 10"),
    (
        "aggregation",
        "SELECT AVG(gravity), MAX(mass), MIN(mass) FROM $planets",
    ),
    (
        "group_by",
        "SELECT name, COUNT(*) FROM $satellites GROUP BY name",
    ),
    (
        "join",
        "SELECT p.name, s.name FROM $planets p JOIN $satellites s ON p.id = s.planetId LIMIT 10",
    ),
    ("order_by", "SELECT * FROM $planets ORDER BY mass DESC"),
];

pub mod medium;
pub mod tpch;
