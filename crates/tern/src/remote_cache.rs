//! Remote caches chosen by URL or environment, among those compiled in.
//!
//! | URL | cache | feature | environment variable |
//! |---|---|---|---|
//! | `redis://host:6379` (several, comma-separated: a cluster) | `cache_redis::RedisCache` | `cache-redis` | `REDIS_CONNECTION` |
//! | `valkey://host:6379` | `cache_valkey::ValkeyCache` | `cache-valkey` | `VALKEY_CONNECTION` |
//! | `memcached://host:11211` (several, comma-separated) | `cache_memcached::MemcachedCache` | `cache-memcached` | `MEMCACHED_SERVER` (`host[:port]`) |

use std::sync::Arc;

use engine_core::cache::{BlobCache, RemoteOptions};
use engine_core::{Error, Result};

pub use engine_core::cache::envelope::UNAUTHENTICATED_ENV_VAR;

/// The cache a URL names, with default [`RemoteOptions`] and the secret in
/// `TERN_CACHE_KEY`, which signs every entry so that one written by anyone
/// without it is never used. Without a secret it is refused, unless
/// `TERN_CACHE_UNAUTHENTICATED=1` accepts entries anyone who can write to
/// the server could have forged. Connects on first use, not here.
///
/// ```
/// let e = tern::remote_cache::from_url("ftp://host").unwrap_err();
/// assert!(e.to_string().contains("redis://"), "{e}");
/// ```
pub fn from_url(url: &str) -> Result<Arc<dyn BlobCache>> {
    from_url_with(url, RemoteOptions::from_env()?)
}

/// [`from_url`] with `options` (TTL, timeouts, circuit breaker).
#[cfg_attr(
    not(any(
        feature = "cache-redis",
        feature = "cache-valkey",
        feature = "cache-memcached"
    )),
    allow(unused_variables)
)]
pub fn from_url_with(url: &str, options: RemoteOptions) -> Result<Arc<dyn BlobCache>> {
    let url = url.trim();
    let scheme = url
        .split("://")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match scheme.as_str() {
        "redis" | "rediss" => {
            #[cfg(feature = "cache-redis")]
            return Ok(Arc::new(cache_redis::RedisCache::from_url_with(url, options)?));
            #[cfg(not(feature = "cache-redis"))]
            return Err(not_built("redis", "cache-redis"));
        }
        "valkey" | "valkeys" => {
            #[cfg(feature = "cache-valkey")]
            return Ok(Arc::new(cache_valkey::ValkeyCache::from_url_with(url, options)?));
            #[cfg(not(feature = "cache-valkey"))]
            return Err(not_built("valkey", "cache-valkey"));
        }
        "memcached" | "memcache" => {
            #[cfg(feature = "cache-memcached")]
            return Ok(Arc::new(cache_memcached::MemcachedCache::from_url_with(url, options)?));
            #[cfg(not(feature = "cache-memcached"))]
            return Err(not_built("memcached", "cache-memcached"));
        }
        _ => Err(Error::config(format!(
            "cannot tell a cache from '{url}': use redis://host:port, valkey://host:port or memcached://host:port"
        ))),
    }
}

#[allow(dead_code)] // used only when a cache feature is off
fn not_built(what: &str, feature: &str) -> Error {
    Error::config(format!(
        "this tern was built without {what} support (cargo feature `{feature}`)"
    ))
}

/// The cache the environment names: `REDIS_CONNECTION`, `VALKEY_CONNECTION`
/// or `MEMCACHED_SERVER` (the first one set, in that order), or `None`.
pub fn from_env() -> Result<Option<Arc<dyn BlobCache>>> {
    let env = engine_core::cache::env_url;
    if let Some(url) = env("REDIS_CONNECTION") {
        let url = if url.contains("://") {
            url
        } else {
            format!("redis://{url}")
        };
        return from_url(&url).map(Some);
    }
    if let Some(url) = env("VALKEY_CONNECTION") {
        let url = if url.contains("://") {
            url
        } else {
            format!("valkey://{url}")
        };
        return from_url(&url).map(Some);
    }
    if let Some(servers) = env("MEMCACHED_SERVER") {
        return from_url(&format!(
            "memcached://{}",
            servers.trim_start_matches("memcached://")
        ))
        .map(Some);
    }
    Ok(None)
}
