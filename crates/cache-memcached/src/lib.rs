//! A shared remote cache for tern on memcached.
//!
//! [`MemcachedCache`] holds the file ranges tern reads from remote storage in
//! one or several memcached servers, so that a fleet of short-lived workers
//! reads each range from object storage once:
//!
//! ```no_run
//! use cache_memcached::MemcachedCache;
//!
//! let cache = MemcachedCache::from_url("memcached://cache-1:11211,cache-2:11211")?;
//! let engine = engine_core::Engine::builder().cache(cache).build();
//! # Ok::<(), engine_core::Error>(())
//! ```
//!
//! - **Servers**: `memcached://host[:port]` (or `memcache://`, or a bare
//!   `host[:port]`; port 11211 by default), several separated by commas. Keys
//!   are spread over the servers by their hash, the same way in every process
//!   and every tern version (keys are already hashes, so this is stable across
//!   builds; adding a server moves about 1/n of them).
//! - **Lazy**: building the cache parses only; connections (a small pool per
//!   server, on the `memcache` crate's binary protocol, without TLS) are made
//!   on first use. After a failure every connection is dropped and the next
//!   call reconnects: a restarted server is picked up again by itself.
//! - **Fast to give up**, **never fails a query**, **never serves wrong
//!   bytes**: as every tern remote cache ([`RemoteCache`](engine_core::cache::RemoteCache)).
//! - **Item size**: memcached refuses items over 1 MiB unless started with
//!   `-I`; tern does not offer larger ranges (they stay in the buffer pool).
//!   Add `?max_item_size=BYTES` to the URL for a server started with `-I`.
//! - **TTL**: none by default; with [`RemoteOptions::ttl`] entries expire and a
//!   hit refreshes them (a `touch` after the `get`: two round trips, as the
//!   crate has no `gat`).
//!
//! [`MemcachedCache::from_env`] reads `MEMCACHED_SERVER` (`host[:port]`,
//! several separated by commas).

mod backend;

pub use backend::MemcachedBackend;
pub use engine_core::cache::{BlobCache, RemoteOptions};

use engine_core::cache::RemoteCache;

/// A [`BlobCache`] on one or several memcached servers.
///
/// ```
/// use cache_memcached::MemcachedCache;
/// use engine_core::cache::{envelope::CacheSecret, BlobCache, RemoteOptions};
///
/// // Entries are signed with a secret every worker shares (`from_url` takes
/// // it from TERN_CACHE_KEY); a cache without one is refused.
/// let secret = CacheSecret::new("a long random string every worker shares")?;
/// let options = RemoteOptions { secret: Some(secret), ..Default::default() };
/// let cache = MemcachedCache::from_url_with("127.0.0.1:1,127.0.0.1:2", options.clone())?; // connects on first use
/// assert_eq!(cache.name(), "memcached");
/// assert!(cache.max_entry_size() < 1 << 20);
/// assert!(MemcachedCache::from_url_with("redis://127.0.0.1", options).is_err());
/// assert!(MemcachedCache::from_url_with("127.0.0.1:1", RemoteOptions::default()).is_err());
/// # Ok::<(), engine_core::Error>(())
/// ```
#[derive(Debug)]
pub struct MemcachedCache(RemoteCache<MemcachedBackend>);

engine_core::remote_cache_type!(
    MemcachedCache,
    MemcachedBackend,
    "MEMCACHED_SERVER",
    |url, options| { MemcachedBackend::new(url, options) }
);
