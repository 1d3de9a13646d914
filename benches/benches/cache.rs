//! What the cache layers buy and cost, for a query over a 4 MB Parquet file
//! served over HTTP by nginx on loopback (the origin):
//!
//! - `origin`: no buffer pool, no remote cache: every range from nginx;
//! - `bufferpool_hit`: every range from the in-process buffer pool;
//! - `remote_hit`: no buffer pool, every range from Redis;
//! - `remote_down_circuit_open`: no buffer pool, a cache at a dead port whose
//!   circuit is open: the origin plus what a skipped cache costs (compare
//!   with `origin`; the target is under 1 ms a query);
//! - `cache_call_circuit_open`: one cache call skipped by the open circuit.
//!
//! Needs nginx and redis-server (`cargo xtask test` installs them):
//! `cargo bench -p tern-benches --bench cache`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tern::cache::{BlobCache, RemoteOptions};
use tern::cache_redis::RedisCache;
use tern_test_servers::caches::{resp, Resp};
use tern_test_servers::fixtures::{parquet_file, scratch};
use tern_test_servers::web::nginx;

const SQL: &str = "SELECT COUNT(*), SUM(id), SUM(value), MAX(name) FROM t";

fn engine(url: &str, pool: bool, cache: Option<Arc<dyn BlobCache>>) -> tern::Engine {
    let mut b = tern::Engine::builder().buffer_pool_size(if pool { 256 << 20 } else { 0 });
    if let Some(c) = cache {
        b = b.shared_cache(c);
    }
    let e = b.build();
    e.register_file("t", url).unwrap();
    e.query(SQL).unwrap(); // fills what is to be hit
    e
}

fn layers(c: &mut Criterion) {
    let dir = scratch("bench");
    parquet_file(&dir.join("data.parquet"), 130_000, 16_384);
    let size = std::fs::metadata(dir.join("data.parquet")).unwrap().len();
    let web = nginx(&dir);
    let url = format!("{}/data.parquet", web.url());
    let redis = resp(Resp::Redis);
    let redis_url = format!("redis://{}", redis.addr());

    let mut g = c.benchmark_group(format!("cache_{:.1}MB_parquet", size as f64 / 1e6));
    g.sample_size(30).measurement_time(Duration::from_secs(5));

    let origin = engine(&url, false, None);
    g.bench_function("origin", |b| {
        b.iter(|| black_box(origin.query(SQL).unwrap()))
    });

    let pool = engine(&url, true, None);
    g.bench_function("bufferpool_hit", |b| {
        b.iter(|| black_box(pool.query(SQL).unwrap()))
    });

    // Signed entries, as a shared cache must have: the figures include the MAC.
    let signed = RemoteOptions {
        secret: Some(
            tern::cache::envelope::CacheSecret::new("a long random secret for the benchmark")
                .unwrap(),
        ),
        ..RemoteOptions::default()
    };
    let remote: Arc<dyn BlobCache> =
        Arc::new(RedisCache::from_url_with(&redis_url, signed.clone()).unwrap());
    let hit = engine(&url, false, Some(remote));
    assert!(hit.query(SQL).unwrap().stats().cache.remote.hits > 0);
    g.bench_function("remote_hit", |b| {
        b.iter(|| black_box(hit.query(SQL).unwrap()))
    });

    let dead = format!("redis://127.0.0.1:{}", tern_test_servers::free_port());
    let options = RemoteOptions {
        cool_down: Duration::from_secs(3600),
        ..signed
    };
    let down: Arc<dyn BlobCache> =
        Arc::new(RedisCache::from_url_with(&dead, options.clone()).unwrap());
    let down = engine(&url, false, Some(down));
    assert!(down.query(SQL).unwrap().stats().cache.remote.skips > 0);
    g.bench_function("remote_down_circuit_open", |b| {
        b.iter(|| black_box(down.query(SQL).unwrap()))
    });
    g.finish();

    // The skip itself, per cache call, without the query around it.
    let skipped = RedisCache::from_url_with(&dead, options).unwrap();
    let meta = tern::io::BlobMeta {
        location: url.clone(),
        size,
        version: Some("v".into()),
    };
    let key = tern::cache::CacheKey::for_range(&meta, 0..1024).unwrap();
    for _ in 0..3 {
        skipped.get(&key); // fails until the circuit opens
    }
    assert_eq!(skipped.breaker_state(), tern::cache::BreakerState::Open);
    c.bench_function("cache_call_circuit_open", |b| {
        b.iter(|| black_box(skipped.get(&key)))
    });
    drop(web);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, layers);
criterion_main!(benches);
