//! MemcachedCache against real memcached processes on free loopback ports:
//! the shared cache scenarios, faults included, several servers, item limits.

use std::sync::{Arc, Mutex};

use cache_memcached::MemcachedCache;
use engine_core::cache::{BlobCache, RemoteOptions};
use tern_test_servers::caches::{memcached, MemcachedBackdoor};
use tern_test_servers::suite;

fn maker(url: String) -> impl Fn(RemoteOptions) -> Arc<dyn BlobCache> {
    move |options| {
        let options = suite::unsigned_allowed(options);
        Arc::new(MemcachedCache::from_url_with(&url, options).expect("a valid URL"))
    }
}

#[test]
fn a_cache_without_a_secret_is_refused_unless_allowed() {
    let url = "memcached://127.0.0.1:1";
    let err = MemcachedCache::from_url_with(url, RemoteOptions::default()).unwrap_err();
    assert!(err.to_string().contains("set TERN_CACHE_KEY"), "{err}");
    let open = RemoteOptions {
        allow_unauthenticated: true,
        ..RemoteOptions::default()
    };
    assert!(MemcachedCache::from_url_with(url, open).is_ok());
    let signed = RemoteOptions {
        secret: Some(engine_core::cache::envelope::CacheSecret::new([7u8; 32]).unwrap()),
        ..RemoteOptions::default()
    };
    assert!(MemcachedCache::from_url_with(url, signed).is_ok());
}

fn url_of(port: u16) -> String {
    format!("memcached://127.0.0.1:{port}")
}

#[test]
fn a_second_process_hits_what_the_first_stored() {
    let server = memcached();
    suite::shared_between_processes(&maker(url_of(server.port)), "shared");
}

#[test]
fn garbage_under_real_keys_is_a_miss_and_is_replaced() {
    let server = memcached();
    let backdoor = MemcachedBackdoor {
        ports: vec![server.port],
    };
    suite::garbage_is_never_data(&maker(url_of(server.port)), &backdoor, "garbage");
}

#[test]
fn a_server_that_is_not_there_opens_the_circuit() {
    suite::down_from_the_start(&maker(url_of(tern_test_servers::free_port())), "down");
}

#[test]
fn a_server_killed_mid_query_then_restarted() {
    let server = Arc::new(Mutex::new(memcached()));
    let url = url_of(server.lock().unwrap().port);
    suite::killed_mid_query(&maker(url), server, "killed");
}

#[test]
fn a_server_paused_mid_query_then_resumed() {
    let server = Arc::new(Mutex::new(memcached()));
    let url = url_of(server.lock().unwrap().port);
    suite::paused_mid_query(&maker(url), server, "paused");
}

#[test]
fn a_flapping_server() {
    let server = Arc::new(Mutex::new(memcached()));
    let url = url_of(server.lock().unwrap().port);
    suite::flapping(&maker(url), server, "flapping");
}

#[test]
fn keys_spread_over_several_servers() {
    let servers = [memcached(), memcached(), memcached()];
    // As MEMCACHED_SERVER takes them: host:port, separated by commas.
    let list: Vec<String> = servers.iter().map(|s| s.addr()).collect();
    let (first, _) = suite::shared_between_processes(&maker(list.join(",")), "several");
    let backdoor = MemcachedBackdoor {
        ports: servers.iter().map(|s| s.port).collect(),
    };
    let per_server = backdoor.keys_per_server();
    assert!(per_server.iter().all(|&n| n > 0), "{per_server:?}");
    assert_eq!(per_server.iter().sum::<usize>() as u64, first.remote.sets);
}

#[test]
fn ranges_over_the_item_limit_stay_local_and_do_not_open_the_circuit() {
    let server = memcached();
    // A limit between the smallest file (about 16 KB) and the largest (about 140 KB).
    let url = format!("{}?max_item_size=60000", url_of(server.port));
    let f = suite::Fixture::new("limit");
    let cache = maker(url)(RemoteOptions::default());
    assert_eq!(
        cache.max_entry_size(),
        60000 - engine_core::cache::envelope::HEADER_LEN
    );
    let r = f.check(&f.engine(Arc::clone(&cache), true));
    assert!(r.remote.sets > 0 && r.origin_reads > r.remote.sets, "{r:?}");
    assert_eq!(r.remote.errors, 0);
}

#[test]
fn a_ttl_is_set_and_refreshed_by_hits() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    let server = memcached();
    let backdoor = MemcachedBackdoor {
        ports: vec![server.port],
    };
    let f = suite::Fixture::new("ttl");
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    let short = RemoteOptions {
        ttl: Some(Duration::from_secs(100)),
        ..RemoteOptions::default()
    };
    f.check(&f.engine(maker(url_of(server.port))(short), true));
    let exp = backdoor.expiries();
    assert_eq!(exp.len() as i64, suite::PARTS);
    assert!(
        exp.iter().all(|&e| e > now() && e <= now() + 100),
        "{exp:?}"
    );
    // A process with a longer TTL hits every entry and pushes its expiry out.
    let long = RemoteOptions {
        ttl: Some(Duration::from_secs(5000)),
        ..RemoteOptions::default()
    };
    let r = f.check(&f.engine(maker(url_of(server.port))(long), true));
    assert_eq!(r.remote.hits as i64, suite::PARTS);
    let exp = backdoor.expiries();
    assert!(exp.iter().all(|&e| e > now() + 1000), "refreshed: {exp:?}");
}

#[test]
fn bad_server_lists_are_errors_not_panics() {
    for bad in [
        "",
        " , ",
        "redis://h:1",
        "memcached://h:port",
        "memcached://h?ttl=3",
    ] {
        let e = MemcachedCache::from_url(bad).unwrap_err().to_string();
        assert!(e.contains("memcached"), "{bad}: {e}");
    }
}
