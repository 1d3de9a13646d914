//! Caches in front of the blob read path.
//!
//! Every range a query reads from a file comes through
//! [`Blob::read_range`](crate::io::Blob::read_range). When the engine caches a
//! file (always for remote stores, for local files when asked), that call goes
//! through a [`ReadCache`]:
//!
//! ```text
//! read_range ──► buffer pool ──hit──► bytes
//!                    │ miss
//!                    ▼
//!               remote cache ──hit──► bytes (and into the pool)
//!                    │ miss, skip or error
//!                    ▼
//!                  origin ──► bytes, written back to the pool and
//!                             (when small enough) to the remote cache
//! ```
//!
//! - [`BlobCache`] is what a cache does: get, set, touch, delete, stats. Its
//!   methods cannot fail: a cache that breaks answers "miss" and counts an
//!   error, so a cache never fails a query.
//! - [`BufferPool`] is the local, in-process cache: byte-bounded, LRU,
//!   thread-safe.
//! - [`RemoteCache`] turns a [`RemoteBackend`] (Redis, Memcached, Valkey: the
//!   `cache-*` crates, so engine-core holds no network client) into a
//!   [`BlobCache`] that checks every entry ([`envelope`]) and stops calling a
//!   failing server for a while ([`CircuitBreaker`]).
//! - [`CacheKey`] names a range of one version of a file, so a changed file is
//!   never served from the cache.

mod breaker;
pub mod envelope;
mod key;
mod pool;
mod read;
mod remote;
mod stats;

pub use breaker::{BreakerState, CircuitBreaker};
pub use key::CacheKey;
pub use pool::BufferPool;
pub use read::{
    CacheConfig, CacheReport, ReadCache, DEFAULT_BUFFER_POOL_BYTES, DEFAULT_REMOTE_MAX_ENTRY,
};
pub use remote::{BackendError, RemoteBackend, RemoteCache, RemoteOptions};
pub use stats::{CacheCounters, CacheStats};

/// The byte buffer caches hand out (re-exported so cache crates need not pin
/// the `bytes` crate's version).
pub use bytes::Bytes;

/// A cache of file ranges.
///
/// Methods never fail and never panic: an implementation that cannot reach its
/// store treats a `get` as a miss and a `set` as done, and counts the failure
/// in its [`stats`](Self::stats). That is what lets the engine put any cache in
/// front of every read without a cache ever breaking a query.
///
/// ```
/// use bytes::Bytes;
/// use engine_core::cache::{BlobCache, BufferPool, CacheKey};
/// use engine_core::io::BlobMeta;
///
/// let pool = BufferPool::new(1 << 20);
/// let meta = BlobMeta { location: "data.csv".into(), size: 10, version: Some("v1".into()) };
/// let key = CacheKey::for_range(&meta, 0..4).unwrap();
/// assert!(pool.get(&key).is_none());
/// pool.set(&key, Bytes::from_static(b"abcd"));
/// assert_eq!(pool.get(&key).unwrap(), Bytes::from_static(b"abcd"));
/// assert_eq!(pool.stats().hits, 1);
/// ```
pub trait BlobCache: Send + Sync + std::fmt::Debug {
    /// A short name for statistics and messages (`"redis"`, `"bufferpool"`, ...).
    fn name(&self) -> &str;

    /// The bytes stored under `key`, or `None` on a miss (or any failure).
    fn get(&self, key: &CacheKey) -> Option<Bytes>;

    /// Stores `value` under `key` (best effort).
    fn set(&self, key: &CacheKey, value: Bytes);

    /// Refreshes the entry's time to live, where the cache has one.
    fn touch(&self, key: &CacheKey);

    /// Removes the entry under `key`, if any.
    fn delete(&self, key: &CacheKey);

    /// What the cache has done so far.
    fn stats(&self) -> CacheStats;

    /// The largest value this cache takes; the read path does not offer larger
    /// ones (a memcached server, say, refuses items over 1 MiB by default).
    fn max_entry_size(&self) -> usize {
        usize::MAX
    }
}

/// The value of the environment variable `var`, trimmed, when it is set and
/// not empty: where the cache crates read their server URLs from
/// (`REDIS_CONNECTION`, `MEMCACHED_SERVER`, `VALKEY_CONNECTION`).
pub fn env_url(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A cache that holds nothing: every `get` misses, every `set` is dropped.
///
/// ```
/// use bytes::Bytes;
/// use engine_core::cache::{BlobCache, CacheKey, NullCache};
/// use engine_core::io::BlobMeta;
///
/// let meta = BlobMeta { location: "x".into(), size: 3, version: Some("1".into()) };
/// let key = CacheKey::for_range(&meta, 0..3).unwrap();
/// NullCache.set(&key, Bytes::from_static(b"abc"));
/// assert!(NullCache.get(&key).is_none());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NullCache;

impl BlobCache for NullCache {
    fn name(&self) -> &str {
        "null"
    }
    fn get(&self, _key: &CacheKey) -> Option<Bytes> {
        None
    }
    fn set(&self, _key: &CacheKey, _value: Bytes) {}
    fn touch(&self, _key: &CacheKey) {}
    fn delete(&self, _key: &CacheKey) {}
    fn stats(&self) -> CacheStats {
        CacheStats::default()
    }
}
