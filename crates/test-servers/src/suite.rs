//! The scenarios every remote cache passes, against a real server.
//!
//! Each takes a constructor `make(options)` for the cache under test, so one
//! suite covers Redis, Valkey and Memcached; "a process" is a fresh engine
//! with a fresh cache object (its own connections, breaker and buffer pool).
//! Every query's answer is checked against the one computed without a cache,
//! so a scenario fails if a fault ever changes an answer or fails a query.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine_core::cache::{BlobCache, CacheReport, RemoteOptions};
use engine_core::io::{write_to, OutputFormat};
use engine_core::Engine;

use crate::caches::{Backdoor, RespBackdoor};
use crate::fixtures::{hook_url, parquet_rows, scratch, HookStore};
use crate::process::Server;

/// Builds the cache under test with the given options.
pub type MakeCache<'a> = &'a dyn Fn(RemoteOptions) -> Arc<dyn BlobCache>;

/// `options` allowed to go without a secret: the shared scenarios test what
/// a cache does, not the signing policy (each cache crate tests that a
/// cache without a secret is refused unless allowed).
pub fn unsigned_allowed(options: RemoteOptions) -> RemoteOptions {
    RemoteOptions {
        allow_unauthenticated: true,
        ..options
    }
}

/// Options for fault tests: quick timeouts, a circuit that opens after two
/// failures and probes again after 100 ms.
pub fn fault_options() -> RemoteOptions {
    RemoteOptions {
        connect_timeout: Duration::from_millis(200),
        io_timeout: Duration::from_millis(200),
        failure_threshold: 2,
        cool_down: Duration::from_millis(100),
        ..RemoteOptions::default()
    }
}

/// Files this many: each is read as one block (one cache entry), so there are
/// enough keys to spread over every node of a cluster.
pub const PARTS: i64 = 40;

/// A folder of [`PARTS`] Parquet files of 500 to 4,400 rows (15 to 130 KB,
/// 98,000 rows in all), read through a [`HookStore`].
pub struct Fixture {
    /// The folder.
    pub path: PathBuf,
    /// The store it is read through (`hook://`).
    pub store: Arc<HookStore>,
    expected: String,
}

fn csv(engine: &Engine, sql: &str) -> (String, CacheReport) {
    let r = engine
        .query(sql)
        .unwrap_or_else(|e| panic!("the query failed (a cache must never fail one): {e}"));
    let mut out = Vec::new();
    write_to(&mut out, OutputFormat::Csv, r.schema(), r.batches()).unwrap();
    (String::from_utf8(out).unwrap(), r.stats().cache.clone())
}

impl Fixture {
    /// Writes the files and computes the expected answer without any cache.
    pub fn new(name: &str) -> Fixture {
        let path = scratch(name);
        let mut next = 0;
        for i in 0..PARTS {
            let rows = 500 + 100 * i;
            parquet_rows(
                &path.join(format!("part-{i:02}.parquet")),
                next..next + rows,
                1 << 20,
            );
            next += rows;
        }
        let (expected, _) = csv(
            &Engine::new(),
            &Self::sql_for(&format!("{}/*.parquet", path.display())),
        );
        assert!(
            expected.ends_with("\n98000,4801951000,1200487750.0,name-00000000,name-00097999\n"),
            "the fixture's answer: {expected}"
        );
        Fixture {
            path,
            store: Arc::new(HookStore::default()),
            expected,
        }
    }

    fn sql_for(location: &str) -> String {
        format!("SELECT COUNT(*), SUM(id), SUM(value), MIN(name), MAX(name) FROM '{location}'")
    }

    /// The query, over `hook://` (so its reads go through the cache).
    pub fn sql(&self) -> String {
        Self::sql_for(&format!("{}/*.parquet", hook_url(&self.path)))
    }

    /// "A process": an engine with `cache`, the buffer pool on or off.
    pub fn engine(&self, cache: Arc<dyn BlobCache>, pool: bool) -> Engine {
        let engine = Engine::builder()
            .shared_cache(cache)
            .buffer_pool_size(if pool { 64 << 20 } else { 0 })
            .build();
        engine.register_store("hook", Arc::clone(&self.store) as _);
        engine
    }

    /// Runs the query, asserts the right answer, returns what the cache did.
    pub fn check(&self, engine: &Engine) -> CacheReport {
        let (got, report) = csv(engine, &self.sql());
        assert_eq!(got, self.expected, "a wrong answer: {report:?}");
        report
    }

    /// Repeats the query until the cache serves hits without errors again
    /// (the server came back and the circuit closed by itself), for at most
    /// 30 s; returns the first fully healthy query's report.
    pub fn until_recovered(&self, engine: &Engine) -> CacheReport {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.check(engine);
            if r.remote.hits > 0 && r.remote.errors == 0 && r.remote.skips == 0 {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "the cache never recovered: {r:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // About 3 MB a fixture: do not leave one behind per test run.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A second process finds every range the first stored: all remote hits, no
/// read of the origin; a third query in that process needs no server at all.
pub fn shared_between_processes(make: MakeCache, name: &str) -> (CacheReport, CacheReport) {
    let f = Fixture::new(name);
    let first = f.check(&f.engine(make(RemoteOptions::default()), true));
    assert!(first.remote.sets > 0, "{first:?}");
    assert_eq!(first.remote.hits, 0, "{first:?}");
    assert_eq!(first.remote.errors, 0, "{first:?}");
    assert_eq!(first.origin_reads, first.remote.sets, "{first:?}");

    let engine = f.engine(make(RemoteOptions::default()), true);
    let second = f.check(&engine);
    assert_eq!(second.origin_reads, 0, "{second:?}");
    assert_eq!(second.remote.hits, first.remote.sets, "{second:?}");
    assert_eq!(second.remote.misses + second.remote.errors, 0, "{second:?}");
    assert_eq!(second.remote.bytes_read, first.remote.bytes_written);

    let third = f.check(&engine);
    assert_eq!(third.remote, Default::default(), "{third:?}");
    assert!(third.bufferpool.hits > 0);
    (first, second)
}

/// Garbage under every real key (random bytes, a cut value, another format
/// version, a flipped bit, an empty value, another key's value) is never
/// data: each is a miss, is deleted and rewritten, and the next process hits.
pub fn garbage_is_never_data(make: MakeCache, backdoor: &dyn Backdoor, name: &str) {
    let f = Fixture::new(name);
    let first = f.check(&f.engine(make(RemoteOptions::default()), true));
    let keys = backdoor.keys();
    assert_eq!(
        keys.len() as u64,
        first.remote.sets,
        "one key per range stored"
    );
    for (i, key) in keys.iter().enumerate() {
        let mut good = backdoor.get(key).expect("the entry tern stored");
        let bad = match i % 6 {
            0 => b"not a tern entry at all".to_vec(),
            1 => {
                good.truncate(good.len() - 1);
                good
            }
            2 => {
                good[4] = 9; // format version 9
                good
            }
            3 => {
                let last = good.len() - 1;
                good[last] ^= 0x10;
                good
            }
            4 => Vec::new(),
            _ => backdoor.get(&keys[(i + 1) % keys.len()]).unwrap(),
        };
        backdoor.put(key, &bad);
    }
    let second = f.check(&f.engine(make(RemoteOptions::default()), true));
    assert_eq!(second.remote.invalid, keys.len() as u64, "{second:?}");
    assert_eq!(second.remote.hits, 0, "{second:?}");
    assert_eq!(second.origin_reads, keys.len() as u64, "{second:?}");
    assert_eq!(second.remote.errors, 0, "{second:?}");

    let third = f.check(&f.engine(make(RemoteOptions::default()), true));
    assert_eq!(third.remote.hits, keys.len() as u64, "rewritten: {third:?}");
    assert_eq!(third.remote.invalid, 0, "{third:?}");
}

/// A server that is not there: right answers, `failure_threshold` errors, then
/// every call skipped while the circuit is open.
pub fn down_from_the_start(make: MakeCache, name: &str) {
    let f = Fixture::new(name);
    let options = RemoteOptions {
        cool_down: Duration::from_secs(3600),
        ..fault_options()
    };
    let engine = f.engine(make(options), false);
    let mut total = CacheReport::default();
    for _ in 0..3 {
        let r = f.check(&engine);
        total.remote.errors += r.remote.errors;
        total.remote.skips += r.remote.skips;
        total.remote.hits += r.remote.hits;
    }
    assert_eq!(total.remote.errors, 2, "{total:?}");
    assert!(total.remote.skips > 3 * PARTS as u64, "{total:?}");
    assert_eq!(total.remote.hits, 0);
    let report = engine.cache_report();
    let message = report.remote.last_error.expect("the failure is recorded");
    assert!(message.contains("127.0.0.1"), "names the server: {message}");
}

/// Runs the query with `fault` done to `server` after half of its origin
/// reads, asserts that the answer is right (in [`Fixture::check`]) and that
/// the failures were counted, `repair`s the server, and waits until the same
/// cache (no restart of the process) is healthy again. Returns the report of
/// the query that met the fault.
fn fault_mid_query(
    f: &Fixture,
    engine: &Engine,
    server: &Arc<Mutex<Server>>,
    fault: fn(&mut Server),
    repair: fn(&mut Server),
) -> CacheReport {
    let s = Arc::clone(server);
    f.store
        .arm(PARTS as usize / 2, move || fault(&mut s.lock().unwrap()));
    let during = f.check(engine);
    assert!(f.store.fired());
    assert!(during.remote.errors >= 1, "{during:?}");
    repair(&mut server.lock().unwrap());
    f.until_recovered(engine);
    during
}

/// The server is killed in the middle of a query: the answer is right, the
/// failures are counted, and once the server is back the cache serves hits.
pub fn killed_mid_query(make: MakeCache, server: Arc<Mutex<Server>>, name: &str) {
    let f = Fixture::new(name);
    let engine = f.engine(make(fault_options()), false);
    let during = fault_mid_query(&f, &engine, &server, Server::kill, Server::restart);
    assert!(during.remote.sets >= 1, "sets before the kill: {during:?}");
    assert!(during.remote.skips >= 1, "the circuit opened: {during:?}");
}

/// The server freezes (SIGSTOP) in the middle of a query: calls time out, the
/// answer is right, and after SIGCONT the cache recovers by itself.
pub fn paused_mid_query(make: MakeCache, server: Arc<Mutex<Server>>, name: &str) {
    let f = Fixture::new(name);
    let engine = f.engine(make(fault_options()), false);
    let during = fault_mid_query(&f, &engine, &server, |s| s.pause(), |s| s.resume());
    assert!(during.remote.skips >= 1, "{during:?}");
}

/// A flapping server: killed and restarted three times between queries; every
/// answer is right and the cache comes back each time. The restart also
/// leaves the cache's pooled connections dead, which it must notice.
pub fn flapping(make: MakeCache, server: Arc<Mutex<Server>>, name: &str) {
    let f = Fixture::new(name);
    let engine = f.engine(make(fault_options()), false);
    f.check(&engine);
    for _ in 0..3 {
        server.lock().unwrap().kill();
        let down = f.check(&engine);
        assert!(down.remote.errors + down.remote.skips > 0, "{down:?}");
        server.lock().unwrap().restart();
        f.until_recovered(&engine);
    }
}

/// A 3-master cluster: entries spread over every master, a second process
/// hits them all, and with one master killed mid-query the answers stay right
/// until it is restarted and the cache recovers.
pub fn cluster(make: MakeCache, nodes: Vec<Arc<Mutex<Server>>>, name: &str) {
    let backdoor = RespBackdoor {
        ports: nodes.iter().map(|n| n.lock().unwrap().port).collect(),
    };
    let (first, _) = shared_between_processes(make, name);
    let per_node = backdoor.keys_per_node();
    assert!(
        per_node.iter().all(|&n| n > 0),
        "keys on every master: {per_node:?}"
    );
    assert_eq!(per_node.iter().sum::<usize>() as u64, first.remote.sets);

    let f = Fixture::new(&format!("{name}-kill"));
    let engine = f.engine(make(fault_options()), false);
    fault_mid_query(&f, &engine, &nodes[0], Server::kill, Server::restart);
}
