//! Any bytes as a Parquet, CSV, JSON Lines or Arrow file (the first byte picks
//! the format): an answer or `Error::Data`, never a panic or an abort. Run
//! with `cargo fuzz run readers` (see ../README.md).

#![no_main]

use std::path::PathBuf;
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

const FORMATS: [&str; 4] = ["parquet", "csv", "jsonl", "arrow"];

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("tern-fuzz-readers-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("fuzz folder");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    quiet_caught_panics();
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let ext = FORMATS[pick as usize % FORMATS.len()];
    let path = dir().join(format!("input.{ext}"));
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let e = Engine::new();
    let _ = e.query("SET memory_limit = '256MB'");
    let p = path.display();
    for sql in [
        format!("SELECT * FROM '{p}'"),
        format!("SELECT COUNT(*) FROM '{p}'"),
        format!("DESCRIBE '{p}'"),
    ] {
        let _ = e.query(&sql);
    }
});
