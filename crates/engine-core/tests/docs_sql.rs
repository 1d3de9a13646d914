//! The examples of docs/sql.md (rows `| `SELECT ...` | `result` |` of its
//! tables) run here, so the reference cannot drift from what tern does.

mod common;

use common::rows;
use engine_core::Engine;

#[test]
fn sql_reference_examples_hold() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sql.md"))
        .expect("docs/sql.md");
    let engine = Engine::new();
    let mut checked = 0;
    for line in doc.lines() {
        let Some(rest) = line.strip_prefix("| `SELECT") else {
            continue;
        };
        let cells: Vec<&str> = rest.split('|').map(str::trim).collect();
        // Example rows give the result in backticks (other tables describe).
        if cells.len() < 2 || !(cells[1].starts_with('`') && cells[1].ends_with('`')) {
            continue;
        }
        let sql = format!("SELECT {}", cells[0].trim_end_matches('`').trim());
        let expected = cells[1].trim_matches('`');
        assert_eq!(rows(&engine, &sql), [expected], "{sql}");
        checked += 1;
    }
    assert!(
        checked >= 15,
        "found only {checked} examples in docs/sql.md"
    );
}

/// Every function `SHOW FUNCTIONS` lists is documented on the reference page
/// (its name in capitals, or in backticks).
#[test]
fn every_function_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sql.md"))
        .expect("docs/sql.md");
    let missing: Vec<&str> = engine_core::functions::registry::functions()
        .map(|f| f.names[0])
        .filter(|n| !doc.contains(&n.to_uppercase()) && !doc.contains(&format!("`{n}")))
        .collect();
    assert!(missing.is_empty(), "not in docs/sql.md: {missing:?}");
}
