//! What a cache has done, counted without locks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Counts of what a cache did. Every field only grows, so the difference of two
/// snapshots ([`since`](Self::since)) is what happened in between.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Gets that found a valid entry.
    pub hits: u64,
    /// Gets that found nothing, or only a bad entry.
    pub misses: u64,
    /// Calls not made because the circuit was open (a skipped get is neither a
    /// hit nor a miss).
    pub skips: u64,
    /// Calls that failed: the server was down, slow or answered nonsense (a
    /// failed get is neither a hit nor a miss).
    pub errors: u64,
    /// Values stored.
    pub sets: u64,
    /// Values the server refused (too large for it); not a fault.
    pub rejected: u64,
    /// Entries found truncated, corrupt or of another format, and deleted.
    pub invalid: u64,
    /// Entries dropped to make room (the buffer pool).
    pub evictions: u64,
    /// Bytes returned by hits.
    pub bytes_read: u64,
    /// Bytes stored by sets.
    pub bytes_written: u64,
    /// The last failure, naming the server: for `--stats` and logs.
    pub last_error: Option<String>,
}

impl CacheStats {
    /// What happened between `earlier` and `self`.
    ///
    /// ```
    /// use engine_core::cache::CacheStats;
    ///
    /// let before = CacheStats { hits: 2, misses: 1, ..Default::default() };
    /// let after = CacheStats { hits: 5, misses: 1, ..Default::default() };
    /// assert_eq!(after.since(&before).hits, 3);
    /// ```
    pub fn since(&self, earlier: &CacheStats) -> CacheStats {
        let d = |a: u64, b: u64| a.saturating_sub(b);
        let errors = d(self.errors, earlier.errors);
        CacheStats {
            hits: d(self.hits, earlier.hits),
            misses: d(self.misses, earlier.misses),
            skips: d(self.skips, earlier.skips),
            errors,
            sets: d(self.sets, earlier.sets),
            rejected: d(self.rejected, earlier.rejected),
            invalid: d(self.invalid, earlier.invalid),
            evictions: d(self.evictions, earlier.evictions),
            bytes_read: d(self.bytes_read, earlier.bytes_read),
            bytes_written: d(self.bytes_written, earlier.bytes_written),
            last_error: if errors > 0 {
                self.last_error.clone()
            } else {
                None
            },
        }
    }
}

/// The live counters behind [`CacheStats`], shared by a cache's threads.
#[derive(Debug, Default)]
pub struct CacheCounters {
    hits: AtomicU64,
    misses: AtomicU64,
    skips: AtomicU64,
    errors: AtomicU64,
    sets: AtomicU64,
    rejected: AtomicU64,
    invalid: AtomicU64,
    evictions: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
    last_error: Mutex<Option<String>>,
}

fn bump(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

impl CacheCounters {
    /// A hit returning `bytes`.
    pub fn hit(&self, bytes: usize) {
        bump(&self.hits, 1);
        bump(&self.bytes_read, bytes as u64);
    }
    /// A miss.
    pub fn miss(&self) {
        bump(&self.misses, 1);
    }
    /// A call skipped (circuit open).
    pub fn skip(&self) {
        bump(&self.skips, 1);
    }
    /// A failed call, with what went wrong.
    pub fn error(&self, message: String) {
        bump(&self.errors, 1);
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(message);
    }
    /// A value of `bytes` stored.
    pub fn set(&self, bytes: usize) {
        bump(&self.sets, 1);
        bump(&self.bytes_written, bytes as u64);
    }
    /// A value refused by the server.
    pub fn rejected(&self) {
        bump(&self.rejected, 1);
    }
    /// A bad entry found (and deleted).
    pub fn invalid(&self) {
        bump(&self.invalid, 1);
    }
    /// `n` entries evicted.
    pub fn evicted(&self, n: u64) {
        bump(&self.evictions, n);
    }
    /// The counts now.
    pub fn snapshot(&self) -> CacheStats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheStats {
            hits: g(&self.hits),
            misses: g(&self.misses),
            skips: g(&self.skips),
            errors: g(&self.errors),
            sets: g(&self.sets),
            rejected: g(&self.rejected),
            invalid: g(&self.invalid),
            evictions: g(&self.evictions),
            bytes_read: g(&self.bytes_read),
            bytes_written: g(&self.bytes_written),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }
}
