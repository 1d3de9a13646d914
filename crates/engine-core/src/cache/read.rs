//! The cached read path: buffer pool, then remote cache, then origin.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::{BlobCache, BufferPool, CacheKey, CacheStats};
use crate::error::Result;
use crate::io::BlobMeta;

/// The buffer pool's default bound: 64 MiB.
pub const DEFAULT_BUFFER_POOL_BYTES: usize = 64 << 20;

/// Ranges up to this size (2 MiB) are written to the remote cache by default;
/// larger ones stay in the buffer pool only, since a shared server's memory is
/// best spent on the many small reads (footers, column chunks) that cost a
/// round trip each.
pub const DEFAULT_REMOTE_MAX_ENTRY: usize = 2 << 20;

/// How an engine caches what it reads (set with `Engine::builder()`).
///
/// ```
/// use engine_core::cache::CacheConfig;
///
/// let c = CacheConfig::default();
/// assert!(c.remote.is_none());
/// assert!(!c.cache_local_files);
/// assert_eq!(c.buffer_pool_bytes, 64 << 20);
/// ```
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// The shared remote cache, if any.
    pub remote: Option<Arc<dyn BlobCache>>,
    /// The buffer pool's bound in bytes; 0 turns it off.
    pub buffer_pool_bytes: usize,
    /// Ranges larger than this are not written to the remote cache.
    pub remote_max_entry: usize,
    /// Cache local files too (off by default: the OS page cache already does;
    /// worth it on network file systems).
    pub cache_local_files: bool,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            remote: None,
            buffer_pool_bytes: DEFAULT_BUFFER_POOL_BYTES,
            remote_max_entry: DEFAULT_REMOTE_MAX_ENTRY,
            cache_local_files: false,
        }
    }
}

/// What the cached read path did: per query in `QueryStats::cache`, in total
/// from `Engine::cache_report`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheReport {
    /// The buffer pool's counts.
    pub bufferpool: CacheStats,
    /// The remote cache's name (`redis`, `memcached`, `valkey`), if one is set.
    pub remote_name: Option<String>,
    /// The remote cache's counts.
    pub remote: CacheStats,
    /// Reads that went to the file's store.
    pub origin_reads: u64,
    /// Bytes those reads returned.
    pub origin_bytes: u64,
}

impl CacheReport {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &CacheReport) -> CacheReport {
        CacheReport {
            bufferpool: self.bufferpool.since(&earlier.bufferpool),
            remote_name: self.remote_name.clone(),
            remote: self.remote.since(&earlier.remote),
            origin_reads: self.origin_reads.saturating_sub(earlier.origin_reads),
            origin_bytes: self.origin_bytes.saturating_sub(earlier.origin_bytes),
        }
    }
}

/// The layered read path one engine's cached files share.
///
/// ```
/// use bytes::Bytes;
/// use engine_core::cache::{CacheConfig, ReadCache};
/// use engine_core::io::BlobMeta;
///
/// let cache = ReadCache::new(&CacheConfig::default());
/// let meta = BlobMeta { location: "f".into(), size: 4, version: Some("1".into()) };
/// let origin = || Ok(Bytes::from_static(b"data"));
/// assert_eq!(cache.read(&meta, 0..4, origin).unwrap(), Bytes::from_static(b"data"));
/// assert_eq!(cache.read(&meta, 0..4, || unreachable!("served by the pool")).unwrap(), Bytes::from_static(b"data"));
/// let r = cache.report();
/// assert_eq!((r.origin_reads, r.bufferpool.hits), (1, 1));
/// ```
#[derive(Debug)]
pub struct ReadCache {
    pool: Option<BufferPool>,
    remote: Option<Arc<dyn BlobCache>>,
    remote_max: usize,
    origin_reads: AtomicU64,
    origin_bytes: AtomicU64,
}

impl ReadCache {
    /// The read path `config` describes.
    pub fn new(config: &CacheConfig) -> Self {
        ReadCache {
            pool: (config.buffer_pool_bytes > 0).then(|| BufferPool::new(config.buffer_pool_bytes)),
            remote_max: config
                .remote
                .as_ref()
                .map_or(0, |r| config.remote_max_entry.min(r.max_entry_size())),
            remote: config.remote.clone(),
            origin_reads: AtomicU64::new(0),
            origin_bytes: AtomicU64::new(0),
        }
    }

    /// Bytes `range` of the file `meta`: from the buffer pool, else the remote
    /// cache, else `origin` (then stored in both). A file without a version
    /// goes straight to `origin`: its content cannot be told apart.
    pub fn read(
        &self,
        meta: &BlobMeta,
        range: Range<u64>,
        origin: impl FnOnce() -> Result<Bytes>,
    ) -> Result<Bytes> {
        let len = range.end - range.start;
        let Some(key) = CacheKey::for_range(meta, range) else {
            return self.read_origin(origin);
        };
        if let Some(bytes) = self.pool.as_ref().and_then(|p| p.get(&key)) {
            return Ok(bytes);
        }
        let remote = self
            .remote
            .as_ref()
            .filter(|_| len <= self.remote_max as u64);
        if let Some(remote) = remote {
            if let Some(bytes) = remote.get(&key) {
                if bytes.len() as u64 == len {
                    if let Some(pool) = &self.pool {
                        pool.set(&key, bytes.clone());
                    }
                    return Ok(bytes);
                }
                // A sound entry of the wrong length cannot be ours: drop it.
                remote.delete(&key);
            }
        }
        let bytes = self.read_origin(origin)?;
        if let Some(pool) = &self.pool {
            pool.set(&key, bytes.clone());
        }
        if let Some(remote) = remote {
            remote.set(&key, bytes.clone());
        }
        Ok(bytes)
    }

    fn read_origin(&self, origin: impl FnOnce() -> Result<Bytes>) -> Result<Bytes> {
        let bytes = origin()?;
        self.origin_reads.fetch_add(1, Ordering::Relaxed);
        self.origin_bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }

    /// The buffer pool, when one is on.
    pub fn buffer_pool(&self) -> Option<&BufferPool> {
        self.pool.as_ref()
    }

    /// Everything counted so far.
    pub fn report(&self) -> CacheReport {
        CacheReport {
            bufferpool: self.pool.as_ref().map(|p| p.stats()).unwrap_or_default(),
            remote_name: self.remote.as_ref().map(|r| r.name().to_string()),
            remote: self.remote.as_ref().map(|r| r.stats()).unwrap_or_default(),
            origin_reads: self.origin_reads.load(Ordering::Relaxed),
            origin_bytes: self.origin_bytes.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{BackendError, RemoteBackend, RemoteCache, RemoteOptions};
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Duration;

    /// Server storage in the process, to test the layering alone.
    #[derive(Debug, Default)]
    struct Shared(Mutex<HashMap<String, Vec<u8>>>);

    impl RemoteBackend for Arc<Shared> {
        fn name(&self) -> &'static str {
            "shared"
        }
        fn describe(&self) -> String {
            "shared".into()
        }
        fn get(&self, key: &str, _: Option<Duration>) -> Result<Option<Vec<u8>>, BackendError> {
            Ok(self.0.lock().unwrap().get(key).cloned())
        }
        fn set(&self, key: &str, value: &[u8], _: Option<Duration>) -> Result<(), BackendError> {
            self.0.lock().unwrap().insert(key.into(), value.to_vec());
            Ok(())
        }
        fn touch(&self, _: &str, _: Duration) -> Result<(), BackendError> {
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<(), BackendError> {
            self.0.lock().unwrap().remove(key);
            Ok(())
        }
    }

    fn config(shared: &Arc<Shared>, remote_max_entry: usize) -> CacheConfig {
        CacheConfig {
            remote: Some(Arc::new(RemoteCache::new(
                Arc::clone(shared),
                RemoteOptions::default(),
            ))),
            remote_max_entry,
            ..CacheConfig::default()
        }
    }

    fn meta(version: &str) -> BlobMeta {
        BlobMeta {
            location: "s3://bucket/file.parquet".into(),
            size: 100,
            version: Some(version.into()),
        }
    }

    fn origin(byte: u8, n: usize) -> impl FnOnce() -> Result<Bytes> {
        move || Ok(Bytes::from(vec![byte; n]))
    }

    #[test]
    fn a_second_process_reads_from_the_remote_cache_not_the_origin() {
        let shared = Arc::new(Shared::default());
        let first = ReadCache::new(&config(&shared, 1 << 20));
        first.read(&meta("1"), 10..20, origin(7, 10)).unwrap();
        let second = ReadCache::new(&config(&shared, 1 << 20));
        let got = second
            .read(&meta("1"), 10..20, || panic!("origin read"))
            .unwrap();
        assert_eq!(&got[..], &[7; 10]);
        let r = second.report();
        assert_eq!(r.remote.hits, 1);
        assert_eq!(r.origin_reads, 0);
        assert_eq!(r.remote_name.as_deref(), Some("shared"));
        // And the hit went into the pool: the next read needs no server.
        second
            .read(&meta("1"), 10..20, || panic!("origin read"))
            .unwrap();
        assert_eq!(second.report().bufferpool.hits, 1);
    }

    #[test]
    fn a_changed_file_is_read_again_not_served_stale() {
        let shared = Arc::new(Shared::default());
        let cache = ReadCache::new(&config(&shared, 1 << 20));
        cache.read(&meta("1"), 0..10, origin(1, 10)).unwrap();
        let got = cache.read(&meta("2"), 0..10, origin(2, 10)).unwrap();
        assert_eq!(&got[..], &[2; 10]);
        let fresh = ReadCache::new(&config(&shared, 1 << 20));
        assert_eq!(
            &fresh.read(&meta("2"), 0..10, origin(9, 10)).unwrap()[..],
            &[2; 10]
        );
        let unversioned = BlobMeta {
            version: None,
            ..meta("2")
        };
        assert_eq!(
            &cache.read(&unversioned, 0..10, origin(3, 10)).unwrap()[..],
            &[3; 10]
        );
        assert_eq!(
            &cache.read(&unversioned, 0..10, origin(4, 10)).unwrap()[..],
            &[4; 10]
        );
        assert_eq!(cache.report().origin_reads, 4);
    }

    #[test]
    fn large_ranges_stay_out_of_the_remote_cache() {
        let shared = Arc::new(Shared::default());
        let cache = ReadCache::new(&config(&shared, 16));
        cache.read(&meta("1"), 0..16, origin(1, 16)).unwrap();
        cache.read(&meta("1"), 0..17, origin(1, 17)).unwrap();
        assert_eq!(shared.0.lock().unwrap().len(), 1);
        let r = cache.report();
        assert_eq!((r.remote.sets, r.bufferpool.sets), (1, 2));
        cache
            .read(&meta("1"), 0..17, || panic!("origin read"))
            .unwrap();
    }

    #[test]
    fn without_a_pool_every_read_asks_the_remote_cache() {
        let shared = Arc::new(Shared::default());
        let cache = ReadCache::new(&CacheConfig {
            buffer_pool_bytes: 0,
            ..config(&shared, 1 << 20)
        });
        assert!(cache.buffer_pool().is_none());
        cache.read(&meta("1"), 0..8, origin(5, 8)).unwrap();
        for _ in 0..3 {
            cache
                .read(&meta("1"), 0..8, || panic!("origin read"))
                .unwrap();
        }
        let r = cache.report();
        assert_eq!((r.remote.hits, r.remote.misses, r.origin_reads), (3, 1, 1));
    }
}
