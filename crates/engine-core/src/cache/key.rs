//! Cache keys: which bytes of which version of which file.

use std::fmt;
use std::ops::Range;

use crate::io::BlobMeta;

/// Bumped whenever what a key covers changes meaning, so that a fleet running
/// mixed versions never reads the other version's entries as its own.
const KEY_VERSION: &str = "tern-cache-key-1";

/// The name of one cached range: a 128-bit hash of the file's location, size
/// and version (ETag or modification time) and the range. A file that changes
/// gets a new size or version and so new keys: stale bytes are never found.
///
/// Its text form (`tern:` and 32 hex digits) is what remote caches store it
/// under: short, and valid as a memcached key.
///
/// ```
/// use engine_core::cache::CacheKey;
/// use engine_core::io::BlobMeta;
///
/// let v1 = BlobMeta { location: "s3://b/k.parquet".into(), size: 100, version: Some("\"e1\"".into()) };
/// let v2 = BlobMeta { version: Some("\"e2\"".into()), ..v1.clone() };
/// let a = CacheKey::for_range(&v1, 0..10).unwrap();
/// assert_eq!(a, CacheKey::for_range(&v1, 0..10).unwrap());
/// assert_ne!(a, CacheKey::for_range(&v2, 0..10).unwrap());
/// assert_ne!(a, CacheKey::for_range(&v1, 0..11).unwrap());
/// assert!(a.to_string().starts_with("tern:"));
/// // Without a version the content cannot be told apart: not cacheable.
/// let unversioned = BlobMeta { version: None, ..v1 };
/// assert!(CacheKey::for_range(&unversioned, 0..10).is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey(u128);

impl CacheKey {
    /// The key of bytes `range` of the file `meta` names, or `None` when the
    /// store gave no version for it (its content could change unseen).
    pub fn for_range(meta: &BlobMeta, range: Range<u64>) -> Option<CacheKey> {
        let version = meta.version.as_deref()?;
        // Length-prefixed fields, so no two different tuples hash the same text.
        let mut text = Vec::with_capacity(64 + meta.location.len() + version.len());
        for field in [KEY_VERSION, meta.location.as_str(), version] {
            text.extend_from_slice(&(field.len() as u64).to_le_bytes());
            text.extend_from_slice(field.as_bytes());
        }
        for n in [meta.size, range.start, range.end] {
            text.extend_from_slice(&n.to_le_bytes());
        }
        Some(CacheKey(twox_hash::XxHash3_128::oneshot(&text)))
    }

    /// 64 bits of the key, which a remote entry's header repeats so that a
    /// value stored under the wrong key is caught.
    pub fn fingerprint(&self) -> u64 {
        self.0 as u64
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tern:{:032x}", self.0)
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
