//! A shared remote cache for tern on Redis.
//!
//! [`RedisCache`] holds the file ranges tern reads from remote storage in a
//! Redis server (or a Redis Cluster), so that a fleet of short-lived workers
//! reads each range from object storage once:
//!
//! ```no_run
//! use cache_redis::RedisCache;
//!
//! let cache = RedisCache::from_url("redis://cache.internal:6379")?;
//! let engine = engine_core::Engine::builder().cache(cache).build();
//! # Ok::<(), engine_core::Error>(())
//! ```
//!
//! - **Lazy**: constructing a cache only parses its URL; the first get or set
//!   connects. Connections are pooled and created as they are needed.
//! - **Fast to give up**: 250 ms to connect, 500 ms per read or write by
//!   default ([`RemoteOptions`]).
//! - **Never fails a query**: a down, slow or restarting server is a miss;
//!   after 3 failures in a row the cache skips the server for 5 s, then probes
//!   it once, and is back in use as soon as a probe works.
//! - **Never serves wrong bytes**: values carry a header with their length, a
//!   checksum and the key; anything else under a key is a miss and is deleted.
//! - **Cluster**: give several seed URLs separated by commas, or the URL of any
//!   one node of a cluster: a node that reports `cluster_enabled:1` switches
//!   the cache to cluster mode (keys spread over the masters by slot).
//! - **TTL**: none by default (the server's eviction policy decides, e.g.
//!   `maxmemory-policy allkeys-lru`); with [`RemoteOptions::ttl`] entries
//!   expire and a hit refreshes them (`GETEX`, Redis 6.2+).
//!
//! The URL comes from the argument or, with [`RedisCache::from_env`], the
//! `REDIS_CONNECTION` variable: `redis://[user:password@]host[:port][/db]`,
//! `rediss://` for TLS is not built in (no TLS stack in this crate).
//!
//! The protocol code ([`RespBackend`]) is shared with the `cache-valkey` crate.

mod backend;
mod pool;

pub use backend::RespBackend;
pub use engine_core::cache::{BlobCache, RemoteOptions};

use engine_core::cache::RemoteCache;

/// A [`BlobCache`] on a Redis server or cluster.
///
/// ```
/// use cache_redis::RedisCache;
/// use engine_core::cache::{envelope::CacheSecret, BlobCache, RemoteOptions};
///
/// // Entries are signed with a secret every worker shares (`from_url` takes
/// // it from TERN_CACHE_KEY); a cache without one is refused.
/// let secret = CacheSecret::new("a long random string every worker shares").unwrap();
/// let options = RemoteOptions { secret: Some(secret), ..Default::default() };
/// // Nothing listens here: the cache still builds (it connects on first use),
/// // and a get is a miss, counted as an error.
/// let cache = RedisCache::from_url_with("redis://127.0.0.1:1", options.clone()).unwrap();
/// let meta = engine_core::io::BlobMeta { location: "f".into(), size: 1, version: Some("1".into()) };
/// let key = engine_core::cache::CacheKey::for_range(&meta, 0..1).unwrap();
/// assert!(cache.get(&key).is_none());
/// assert_eq!(cache.stats().errors, 1);
/// assert!(RedisCache::from_url_with("http://not-redis", options).is_err());
/// assert!(RedisCache::from_url_with("redis://127.0.0.1:1", RemoteOptions::default()).is_err());
/// ```
#[derive(Debug)]
pub struct RedisCache(RemoteCache<RespBackend>);

engine_core::remote_cache_type!(
    RedisCache,
    RespBackend,
    "REDIS_CONNECTION",
    |url, options| { RespBackend::new("redis", &["redis"], url, options) }
);
