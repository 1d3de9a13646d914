//! RedisCache against real redis-server processes on free loopback ports
//! (standalone and a 3-master cluster): the shared cache scenarios, faults
//! included, and Redis-specific behaviour.

use tern_test_servers::caches::Resp;

tern_test_servers::resp_cache_tests!(Resp::Redis, "redis", |url: &str, options| {
    cache_redis::RedisCache::from_url_with(url, options)
});

#[test]
fn a_ttl_is_set_and_refreshed_by_hits() {
    use std::time::Duration;
    let server = resp(Resp::Redis);
    let url = url_of(server.port);
    let options = RemoteOptions {
        ttl: Some(Duration::from_secs(1000)),
        ..RemoteOptions::default()
    };
    let f = suite::Fixture::new("ttl");
    f.check(&f.engine(maker(url.clone())(options.clone()), true));
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("tern:*").query(&mut conn).unwrap();
    assert!(!keys.is_empty());
    for k in &keys {
        let ttl: i64 = redis::cmd("TTL").arg(k).query(&mut conn).unwrap();
        assert!((900..=1000).contains(&ttl), "{k}: {ttl}");
        let _: i64 = redis::cmd("EXPIRE")
            .arg(k)
            .arg(50)
            .query(&mut conn)
            .unwrap();
    }
    let r = f.check(&f.engine(maker(url)(options), true));
    assert_eq!(r.remote.hits as usize, keys.len());
    for k in &keys {
        let ttl: i64 = redis::cmd("TTL").arg(k).query(&mut conn).unwrap();
        assert!(ttl > 50, "a hit refreshes the TTL: {k}: {ttl}");
    }
}

#[test]
fn bad_urls_are_errors_not_panics() {
    for bad in [
        "",
        "http://x",
        "redis://",
        "redis://h:notaport",
        "memcached://h",
    ] {
        let e = cache_redis::RedisCache::from_url(bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("redis"), "{bad}: {e}");
    }
}
