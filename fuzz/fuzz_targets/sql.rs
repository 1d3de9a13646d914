//! Any bytes as SQL against a small table: an answer or an error, never a
//! panic, an abort or a hang (each run is bounded by a statement timeout and
//! a memory limit). Run with `cargo fuzz run sql` (see ../README.md).

#![no_main]

use std::sync::OnceLock;

use engine_core::Engine;
use libfuzzer_sys::fuzz_target;

/// libFuzzer's panic hook aborts at every panic, even one the engine catches
/// and turns into an error on purpose (a reader's panic on a malformed file
/// becomes `Error::Data`). A silent hook instead: a panic that escapes the
/// engine still reaches libfuzzer-sys, which aborts on it — a crash found.
fn quiet_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let e = Engine::new();
        for sql in [
            "CREATE TABLE t (a INTEGER, b VARCHAR, c DOUBLE, d DATE)",
            "INSERT INTO t VALUES (1, 'x', 1.5, DATE '2024-01-01'), (2, NULL, -0.0, NULL), \
             (NULL, 'yy', NULL, DATE '1999-12-31'), (2, 'x', 3.25, DATE '2024-02-29')",
            "CREATE TABLE u AS SELECT a, b FROM t WHERE a IS NOT NULL",
            "SET statement_timeout = '2s'",
            "SET memory_limit = '256MB'",
            "SET enable_external_access = false",
            "SET lock_configuration = true",
        ] {
            e.query(sql).expect("fuzz setup");
        }
        e
    })
}

fuzz_target!(|data: &[u8]| {
    quiet_caught_panics();
    if let Ok(sql) = std::str::from_utf8(data) {
        let _ = engine().query(sql);
    }
});
