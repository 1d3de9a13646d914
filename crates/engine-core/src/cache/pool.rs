//! The buffer pool: file ranges kept in this process, least recently used
//! dropped first, bounded in bytes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use bytes::Bytes;
use hashbrown::HashMap;

use super::{BlobCache, CacheCounters, CacheKey, CacheStats};

/// Bookkeeping bytes counted per entry on top of its value, so that many tiny
/// entries cannot hold far more memory than the bound says.
const ENTRY_OVERHEAD: usize = 64;

/// A thread-safe, byte-bounded LRU cache of file ranges.
///
/// A value larger than the whole pool is not kept. Values are [`Bytes`], so a
/// hit hands out the stored buffer without copying it.
///
/// ```
/// use bytes::Bytes;
/// use engine_core::cache::{BlobCache, BufferPool, CacheKey};
/// use engine_core::io::BlobMeta;
///
/// let meta = BlobMeta { location: "f".into(), size: 1000, version: Some("1".into()) };
/// let key = |i: u64| CacheKey::for_range(&meta, i * 100..(i + 1) * 100).unwrap();
/// let pool = BufferPool::new(400); // room for two 100-byte entries and their overhead
/// pool.set(&key(0), Bytes::from(vec![0u8; 100]));
/// pool.set(&key(1), Bytes::from(vec![1u8; 100]));
/// pool.get(&key(0)); // 0 is now the most recently used
/// pool.set(&key(2), Bytes::from(vec![2u8; 100])); // evicts 1
/// assert!(pool.get(&key(0)).is_some());
/// assert!(pool.get(&key(1)).is_none());
/// assert_eq!(pool.stats().evictions, 1);
/// ```
#[derive(Debug)]
pub struct BufferPool {
    capacity: usize,
    inner: Mutex<Lru>,
    counters: CacheCounters,
}

#[derive(Debug, Default)]
struct Lru {
    /// Key -> (value, tick of its last use).
    entries: HashMap<CacheKey, (Bytes, u64)>,
    /// Tick of last use -> key: the first entry is the least recently used.
    order: BTreeMap<u64, CacheKey>,
    tick: u64,
    bytes: usize,
}

impl Lru {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn remove(&mut self, key: &CacheKey) -> bool {
        match self.entries.remove(key) {
            Some((value, tick)) => {
                self.order.remove(&tick);
                self.bytes -= value.len() + ENTRY_OVERHEAD;
                true
            }
            None => false,
        }
    }
}

impl BufferPool {
    /// A pool holding at most `capacity` bytes. Allocates nothing until used.
    pub fn new(capacity: usize) -> Self {
        BufferPool {
            capacity,
            inner: Mutex::new(Lru::default()),
            counters: CacheCounters::default(),
        }
    }

    /// The bound, in bytes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes held now (values and per-entry overhead).
    pub fn used(&self) -> usize {
        self.lock().bytes
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the pool holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // The pool's invariants hold between statements, so a panic elsewhere
        // while the lock was held leaves it usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl BlobCache for BufferPool {
    fn name(&self) -> &str {
        "bufferpool"
    }

    fn get(&self, key: &CacheKey) -> Option<Bytes> {
        let mut lru = self.lock();
        let tick = lru.next_tick();
        let Some((value, last)) = lru.entries.get_mut(key) else {
            drop(lru);
            self.counters.miss();
            return None;
        };
        let old = std::mem::replace(last, tick);
        let value = value.clone();
        lru.order.remove(&old);
        lru.order.insert(tick, *key);
        drop(lru);
        self.counters.hit(value.len());
        Some(value)
    }

    fn set(&self, key: &CacheKey, value: Bytes) {
        let size = value.len() + ENTRY_OVERHEAD;
        if size > self.capacity {
            self.counters.rejected();
            return;
        }
        let mut lru = self.lock();
        lru.remove(key);
        let mut evicted = 0;
        while lru.bytes + size > self.capacity {
            let Some((_, oldest)) = lru.order.pop_first() else {
                break;
            };
            if let Some((v, _)) = lru.entries.remove(&oldest) {
                lru.bytes -= v.len() + ENTRY_OVERHEAD;
                evicted += 1;
            }
        }
        let tick = lru.next_tick();
        lru.entries.insert(*key, (value, tick));
        lru.order.insert(tick, *key);
        lru.bytes += size;
        drop(lru);
        self.counters.evicted(evicted);
        self.counters.set(size - ENTRY_OVERHEAD);
    }

    fn touch(&self, _key: &CacheKey) {}

    fn delete(&self, key: &CacheKey) {
        self.lock().remove(key);
    }

    fn stats(&self) -> CacheStats {
        self.counters.snapshot()
    }

    fn max_entry_size(&self) -> usize {
        self.capacity.saturating_sub(ENTRY_OVERHEAD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::BlobMeta;

    fn key(i: u64) -> CacheKey {
        let meta = BlobMeta {
            location: "pool-test".into(),
            size: u64::MAX,
            version: Some("v".into()),
        };
        CacheKey::for_range(&meta, i..i + 1).unwrap()
    }

    #[test]
    fn stays_within_its_bound_and_keeps_the_recently_used() {
        let pool = BufferPool::new(10 * (100 + ENTRY_OVERHEAD));
        for i in 0..100 {
            pool.set(&key(i), Bytes::from(vec![i as u8; 100]));
            assert!(pool.used() <= pool.capacity());
            // Keep 0 hot: it must survive every eviction.
            assert!(pool.get(&key(0)).is_some(), "after {i}");
        }
        assert_eq!(pool.len(), 10);
        assert_eq!(pool.stats().evictions, 90);
        assert!(pool.get(&key(99)).is_some());
        assert!(pool.get(&key(50)).is_none());
        assert_eq!(&pool.get(&key(98)).unwrap()[..3], &[98, 98, 98]);
    }

    #[test]
    fn replacing_and_deleting_keep_the_byte_count_right() {
        let pool = BufferPool::new(1 << 20);
        pool.set(&key(1), Bytes::from(vec![0; 1000]));
        pool.set(&key(1), Bytes::from(vec![0; 10]));
        assert_eq!(pool.used(), 10 + ENTRY_OVERHEAD);
        pool.delete(&key(1));
        assert_eq!(pool.used(), 0);
        assert!(pool.is_empty());
    }

    #[test]
    fn a_value_larger_than_the_pool_is_not_kept() {
        let pool = BufferPool::new(100);
        pool.set(&key(1), Bytes::from(vec![0; 100]));
        assert!(pool.get(&key(1)).is_none());
        assert_eq!(pool.stats().rejected, 1);
    }

    #[test]
    fn many_threads_share_one_pool() {
        let pool = std::sync::Arc::new(BufferPool::new(64 * (16 + ENTRY_OVERHEAD)));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let pool = std::sync::Arc::clone(&pool);
                std::thread::spawn(move || {
                    for i in 0..1000u64 {
                        let k = key(t * 10_000 + i % 100);
                        match pool.get(&k) {
                            Some(v) => assert_eq!(v[0], (i % 100) as u8),
                            None => pool.set(&k, Bytes::from(vec![(i % 100) as u8; 16])),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(pool.used() <= pool.capacity());
        let s = pool.stats();
        assert_eq!(s.hits + s.misses, 4000);
    }
}
