//! The cached read path through real queries over local files: the buffer
//! pool answers repeated reads, a changed file is read afresh, and files are
//! only cached when the engine is asked to. (Remote caches are tested against
//! real servers in the cache-* crates.)

#![cfg(feature = "csv")]

use std::path::PathBuf;

use engine_core::Engine;

mod common;

fn csv_file(name: &str, rows: usize) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tern-caching-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let path = d.join(name);
    let mut text = String::from("id,name\n");
    for i in 0..rows {
        text.push_str(&format!("{i},n{i}\n"));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_buffer_pool_answers_repeated_reads_of_a_local_file() {
    let path = csv_file("pool.csv", 1000);
    let engine = Engine::builder().cache_local_files(true).build();
    let sql = format!("SELECT COUNT(*), SUM(id) FROM '{}'", path.display());
    let first = engine.query(&sql).unwrap();
    assert_eq!(common::result_rows(&first), ["1000|499500"]);
    let c = &first.stats().cache;
    assert!(c.origin_reads >= 1, "{c:?}");
    assert_eq!(c.remote_name, None);

    let second = engine.query(&sql).unwrap();
    assert_eq!(common::result_rows(&second), ["1000|499500"]);
    let c = &second.stats().cache;
    assert_eq!(c.origin_reads, 0, "{c:?}");
    assert!(c.bufferpool.hits >= 1, "{c:?}");
    assert_eq!(
        engine.cache_report().origin_reads,
        first.stats().cache.origin_reads
    );
}

#[test]
fn a_changed_file_is_never_served_from_the_pool() {
    let path = csv_file("changing.csv", 10);
    let engine = Engine::builder().cache_local_files(true).build();
    let sql = format!("SELECT SUM(id) FROM '{}'", path.display());
    assert_eq!(common::rows(&engine, &sql), ["45"]);
    // Same location, new content (and size): new keys, so a fresh read.
    csv_file("changing.csv", 20);
    let r = engine.query(&sql).unwrap();
    assert_eq!(common::result_rows(&r), ["190"]);
    assert!(r.stats().cache.origin_reads >= 1);
}

#[test]
fn local_files_are_not_cached_unless_asked() {
    let path = csv_file("plain.csv", 10);
    let engine = Engine::new();
    let sql = format!("SELECT COUNT(*) FROM '{}'", path.display());
    for _ in 0..2 {
        let r = engine.query(&sql).unwrap();
        assert_eq!(r.stats().cache, Default::default());
    }
}
