//! The format of a value in a remote cache: a small header, then the bytes.
//!
//! A remote server is shared, outlives processes and can hold anything: a
//! value cut short by a full server, bytes another program wrote under our
//! key, an entry from an older tern. So every value carries a header, checked
//! on every read; a value that fails any check is a miss (and is deleted), never
//! data.
//!
//! ```text
//! offset  size  field
//!      0     4  magic "TRN\x01"
//!      4     4  format version (u32, little-endian)
//!      8     8  payload length (u64)
//!     16     8  XXH3-64 of the payload
//!     24     8  fingerprint of the key the value was stored under
//!     32     …  payload
//! ```

use bytes::Bytes;

use super::CacheKey;

const MAGIC: [u8; 4] = *b"TRN\x01";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of header before the payload.
pub const HEADER_LEN: usize = 32;

/// Why a stored value was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Shorter than a header, or not starting with the magic bytes.
    NotOurs,
    /// Written by another format version.
    Version(u32),
    /// The payload is not as long as the header says (truncated or padded).
    Length,
    /// The payload's checksum does not match.
    Checksum,
    /// The value belongs to another key.
    WrongKey,
}

/// `payload` with its header, ready to store under `key`.
///
/// ```
/// use bytes::Bytes;
/// use engine_core::cache::{envelope, CacheKey};
/// use engine_core::io::BlobMeta;
///
/// let meta = BlobMeta { location: "f".into(), size: 5, version: Some("1".into()) };
/// let key = CacheKey::for_range(&meta, 0..5).unwrap();
/// let stored = envelope::seal(&key, b"hello");
/// assert_eq!(envelope::open(&key, Bytes::from(stored.clone())).unwrap(), Bytes::from_static(b"hello"));
/// let mut cut = stored;
/// cut.pop();
/// assert_eq!(envelope::open(&key, Bytes::from(cut)), Err(envelope::Invalid::Length));
/// ```
pub fn seal(key: &CacheKey, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&twox_hash::XxHash3_64::oneshot(payload).to_le_bytes());
    out.extend_from_slice(&key.fingerprint().to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of a value stored under `key`, after checking its header.
pub fn open(key: &CacheKey, stored: Bytes) -> Result<Bytes, Invalid> {
    if stored.len() < HEADER_LEN || stored[..4] != MAGIC {
        return Err(Invalid::NotOurs);
    }
    let word = |at: usize| u64::from_le_bytes(stored[at..at + 8].try_into().expect("8 bytes"));
    let version = u32::from_le_bytes(stored[4..8].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(Invalid::Version(version));
    }
    if word(8) != (stored.len() - HEADER_LEN) as u64 {
        return Err(Invalid::Length);
    }
    if word(24) != key.fingerprint() {
        return Err(Invalid::WrongKey);
    }
    let payload = stored.slice(HEADER_LEN..);
    if word(16) != twox_hash::XxHash3_64::oneshot(&payload) {
        return Err(Invalid::Checksum);
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::BlobMeta;

    fn key(n: u64) -> CacheKey {
        let meta = BlobMeta {
            location: "envelope".into(),
            size: 1 << 20,
            version: Some("1".into()),
        };
        CacheKey::for_range(&meta, 0..n).unwrap()
    }

    #[test]
    fn every_damage_is_caught() {
        let k = key(100);
        let payload: Vec<u8> = (0..100).collect();
        let good = seal(&k, &payload);
        assert_eq!(
            &open(&k, Bytes::from(good.clone())).unwrap()[..],
            &payload[..]
        );

        assert_eq!(open(&k, Bytes::new()), Err(Invalid::NotOurs));
        assert_eq!(
            open(&k, Bytes::from_static(b"garbage")),
            Err(Invalid::NotOurs)
        );
        assert_eq!(
            open(&k, Bytes::from(payload.clone())),
            Err(Invalid::NotOurs)
        );

        let mut v2 = good.clone();
        v2[4] = 2;
        assert_eq!(open(&k, Bytes::from(v2)), Err(Invalid::Version(2)));

        let mut long = good.clone();
        long.push(0);
        assert_eq!(open(&k, Bytes::from(long)), Err(Invalid::Length));
        assert_eq!(
            open(&k, Bytes::from(good[..HEADER_LEN + 50].to_vec())),
            Err(Invalid::Length)
        );

        // Every single flipped payload bit is caught by the checksum.
        for bit in 0..payload.len() * 8 {
            let mut flipped = good.clone();
            flipped[HEADER_LEN + bit / 8] ^= 1 << (bit % 8);
            assert_eq!(open(&k, Bytes::from(flipped)), Err(Invalid::Checksum));
        }

        assert_eq!(open(&key(99), Bytes::from(good)), Err(Invalid::WrongKey));
    }

    #[test]
    fn empty_payloads_round_trip() {
        let k = key(0);
        assert!(open(&k, Bytes::from(seal(&k, b""))).unwrap().is_empty());
    }
}
