//! The format of a value in a remote cache: a small header, then the bytes.
//!
//! A remote server is shared, outlives processes and can hold anything: a
//! value cut short by a full server, bytes another program wrote under our
//! key, an entry from an older tern — or one forged by anyone who can write
//! to the server. So every value carries a header, checked on every read; a
//! value that fails any check is a miss (and is deleted), never data.
//!
//! Without a secret ([`seal`], [`open`]) the header holds a checksum of the
//! payload: it catches corruption, not forgery, since anyone can compute it.
//! With a [`CacheSecret`] shared by the workers (`TERN_CACHE_KEY`;
//! [`seal_signed`], [`open_signed`]) it holds an HMAC-SHA256 of the cache key
//! and the payload: a value can only have been written by a holder of the
//! secret, and only for this key (so it cannot be replayed under another).
//!
//! ```text
//! offset  size  field (version 1: checksummed)
//!      0     4  magic "TRN\x01"
//!      4     4  format version (u32, little-endian)
//!      8     8  payload length (u64)
//!     16     8  XXH3-64 of the payload
//!     24     8  fingerprint of the key the value was stored under
//!     32     …  payload
//!
//! offset  size  field (version 2: signed)
//!      0    24  as above, with version 2 and the key's fingerprint at 16
//!     24    32  HMAC-SHA256(secret, key text, length, payload)
//!     56     …  payload
//! ```

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::CacheKey;

const MAGIC: [u8; 4] = *b"TRN\x01";
/// The format version of checksummed entries.
pub const FORMAT_VERSION: u32 = 1;
/// Bytes of header before the payload of a checksummed entry.
pub const HEADER_LEN: usize = 32;
/// The format version of signed entries.
pub const SIGNED_FORMAT_VERSION: u32 = 2;
/// Bytes of header before the payload of a signed entry.
pub const SIGNED_HEADER_LEN: usize = 56;
/// The environment variable [`CacheSecret::from_env`] reads.
pub const SECRET_ENV_VAR: &str = "TERN_CACHE_KEY";

/// The environment variable that accepts a shared cache without a secret
/// (`1`): entries anyone who can write to the server could forge.
pub const UNAUTHENTICATED_ENV_VAR: &str = "TERN_CACHE_UNAUTHENTICATED";

/// The secret the workers sharing a remote cache sign its entries with.
/// Its `Debug` does not show it.
///
/// ```
/// use engine_core::cache::envelope::CacheSecret;
///
/// let secret = CacheSecret::new("a long random string shared by the workers").unwrap();
/// assert_eq!(format!("{secret:?}"), "CacheSecret(..)");
/// assert!(CacheSecret::new("short").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CacheSecret(Vec<u8>);

impl CacheSecret {
    /// The shortest secret accepted, in bytes.
    pub const MIN_LEN: usize = 16;

    /// A secret of at least [`MIN_LEN`](Self::MIN_LEN) bytes.
    pub fn new(secret: impl AsRef<[u8]>) -> crate::Result<Self> {
        let bytes = secret.as_ref();
        if bytes.len() < Self::MIN_LEN {
            return Err(crate::Error::Config(format!(
                "a cache key needs at least {} bytes (a long random string)",
                Self::MIN_LEN
            )));
        }
        Ok(CacheSecret(bytes.to_vec()))
    }

    /// The secret in [`SECRET_ENV_VAR`], when set (an error when too short).
    pub fn from_env() -> crate::Result<Option<Self>> {
        match std::env::var_os(SECRET_ENV_VAR) {
            Some(v) if !v.is_empty() => Self::new(v.as_encoded_bytes()).map(Some),
            _ => Ok(None),
        }
    }

    fn tag(&self, key: &CacheKey, payload: &[u8]) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        let text = key.to_string();
        mac.update(&(text.len() as u64).to_le_bytes());
        mac.update(text.as_bytes());
        mac.update(&(payload.len() as u64).to_le_bytes());
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for CacheSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CacheSecret(..)")
    }
}

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
    /// A signed entry whose signature does not match: forged, or signed
    /// with another secret.
    Forged,
    /// An entry that is not signed, read by a cache that requires it (or a
    /// signed one read by a cache without a secret).
    Unsigned,
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
    if version == SIGNED_FORMAT_VERSION {
        return Err(Invalid::Unsigned);
    }
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

/// `payload` with a signed header, ready to store under `key`.
///
/// ```
/// use bytes::Bytes;
/// use engine_core::cache::envelope::{self, CacheSecret, Invalid};
/// use engine_core::cache::CacheKey;
/// use engine_core::io::BlobMeta;
///
/// let meta = BlobMeta { location: "f".into(), size: 5, version: Some("1".into()) };
/// let key = CacheKey::for_range(&meta, 0..5).unwrap();
/// let ours = CacheSecret::new("sixteen bytes or more").unwrap();
/// let stored = envelope::seal_signed(&ours, &key, b"hello");
/// assert_eq!(envelope::open_signed(&ours, &key, Bytes::from(stored.clone())).unwrap(), "hello");
/// let theirs = CacheSecret::new("another secret, as long").unwrap();
/// assert_eq!(envelope::open_signed(&theirs, &key, Bytes::from(stored)), Err(Invalid::Forged));
/// ```
pub fn seal_signed(secret: &CacheSecret, key: &CacheKey, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SIGNED_HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&SIGNED_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&key.fingerprint().to_le_bytes());
    out.extend_from_slice(&secret.tag(key, payload));
    out.extend_from_slice(payload);
    out
}

/// The payload of a signed value stored under `key`, after checking its
/// header and signature.
pub fn open_signed(secret: &CacheSecret, key: &CacheKey, stored: Bytes) -> Result<Bytes, Invalid> {
    if stored.len() < HEADER_LEN || stored[..4] != MAGIC {
        return Err(Invalid::NotOurs);
    }
    let version = u32::from_le_bytes(stored[4..8].try_into().expect("4 bytes"));
    match version {
        SIGNED_FORMAT_VERSION => {}
        FORMAT_VERSION => return Err(Invalid::Unsigned),
        other => return Err(Invalid::Version(other)),
    }
    if stored.len() < SIGNED_HEADER_LEN {
        return Err(Invalid::Length);
    }
    let word = |at: usize| u64::from_le_bytes(stored[at..at + 8].try_into().expect("8 bytes"));
    if word(8) != (stored.len() - SIGNED_HEADER_LEN) as u64 {
        return Err(Invalid::Length);
    }
    if word(16) != key.fingerprint() {
        return Err(Invalid::WrongKey);
    }
    let payload = stored.slice(SIGNED_HEADER_LEN..);
    // Compared in constant time: the time taken says nothing of the tag.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret.0).expect("any key length");
    let text = key.to_string();
    mac.update(&(text.len() as u64).to_le_bytes());
    mac.update(text.as_bytes());
    mac.update(&(payload.len() as u64).to_le_bytes());
    mac.update(&payload);
    mac.verify_slice(&stored[24..SIGNED_HEADER_LEN])
        .map_err(|_| Invalid::Forged)?;
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

        let mut v9 = good.clone();
        v9[4] = 9;
        assert_eq!(open(&k, Bytes::from(v9)), Err(Invalid::Version(9)));

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
    fn signed_entries_catch_forgery_and_replay() {
        let secret = CacheSecret::new("the workers' shared secret").unwrap();
        let k = key(100);
        let payload: Vec<u8> = (0..100).collect();
        let good = seal_signed(&secret, &k, &payload);
        assert_eq!(
            &open_signed(&secret, &k, Bytes::from(good.clone())).unwrap()[..],
            &payload[..]
        );
        // A forger knows the format and the key, not the secret: a value
        // with a recomputed checksum, or a re-signed one, fails.
        let forged = seal(&k, &[7; 100]);
        assert_eq!(
            open_signed(&secret, &k, Bytes::from(forged)),
            Err(Invalid::Unsigned)
        );
        let other = CacheSecret::new("not the workers' secret").unwrap();
        let resigned = seal_signed(&other, &k, &[7; 100]);
        assert_eq!(
            open_signed(&secret, &k, Bytes::from(resigned)),
            Err(Invalid::Forged)
        );
        for bit in (0..payload.len() * 8).step_by(7) {
            let mut flipped = good.clone();
            flipped[SIGNED_HEADER_LEN + bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                open_signed(&secret, &k, Bytes::from(flipped)),
                Err(Invalid::Forged)
            );
        }
        // A good entry copied under another key (same fingerprint forced).
        let mut moved = good.clone();
        moved[16..24].copy_from_slice(&key(99).fingerprint().to_le_bytes());
        assert_eq!(
            open_signed(&secret, &key(99), Bytes::from(moved)),
            Err(Invalid::Forged)
        );
        // A cache without the secret does not take signed entries.
        assert_eq!(open(&k, Bytes::from(good)), Err(Invalid::Unsigned));
    }

    #[test]
    fn empty_payloads_round_trip() {
        let k = key(0);
        assert!(open(&k, Bytes::from(seal(&k, b""))).unwrap().is_empty());
    }
}
