//! A remote cache server made safe to put in front of every read.
//!
//! A [`RemoteBackend`] speaks one protocol (the `cache-redis`,
//! `cache-memcached` and `cache-valkey` crates) and may fail in any way a
//! network server can. [`RemoteCache`] wraps one into a [`BlobCache`] that
//! cannot: it seals every value in an [`envelope`] and checks it on the way
//! back, counts what happens, and stops calling the server for a while after
//! repeated failures ([`CircuitBreaker`]).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use super::envelope::{self, HEADER_LEN, SIGNED_HEADER_LEN};
use super::{BlobCache, BreakerState, CacheCounters, CacheKey, CacheStats, CircuitBreaker};

/// How a backend call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// The server could not be reached, timed out, or answered nonsense: counts
    /// towards opening the circuit.
    Unavailable(String),
    /// The server is fine but refused this one value (too large for it).
    Rejected(String),
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::Unavailable(m) => write!(f, "{m}"),
            BackendError::Rejected(m) => write!(f, "refused: {m}"),
        }
    }
}

/// One remote cache protocol: raw bytes under text keys. Calls block, must time
/// out quickly (see [`RemoteOptions`]), and must connect on first use, not
/// when the backend is built.
pub trait RemoteBackend: Send + Sync + fmt::Debug {
    /// The protocol's name for statistics: `"redis"`, `"memcached"`, ...
    fn name(&self) -> &'static str;

    /// The server(s), for messages: `"redis 127.0.0.1:6379"`.
    fn describe(&self) -> String;

    /// The value under `key`. With `refresh_ttl`, also resets the entry's time
    /// to live (in the same round trip where the protocol allows).
    fn get(
        &self,
        key: &str,
        refresh_ttl: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, BackendError>;

    /// Stores `value` under `key`, expiring after `ttl` when given.
    fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), BackendError>;

    /// Resets the time to live of the entry under `key`.
    fn touch(&self, key: &str, ttl: Duration) -> Result<(), BackendError>;

    /// Removes the entry under `key`.
    fn delete(&self, key: &str) -> Result<(), BackendError>;

    /// The largest value the server takes, header included.
    fn max_value_size(&self) -> usize {
        usize::MAX
    }
}

/// Settings every remote cache shares.
///
/// ```
/// use std::time::Duration;
/// use engine_core::cache::RemoteOptions;
///
/// let o = RemoteOptions::default();
/// assert_eq!(o.ttl, None);
/// assert_eq!(o.failure_threshold, 3);
/// let o = RemoteOptions { ttl: Some(Duration::from_secs(3600)), ..o };
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteOptions {
    /// Time to live of stored entries; `None` (the default) keeps them until the
    /// server evicts them. With a TTL, a hit refreshes it.
    pub ttl: Option<Duration>,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for one read or write on a connection.
    pub io_timeout: Duration,
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit skips the server before one probe call
    /// (doubling after each failed probe, up to 16 times this).
    pub cool_down: Duration,
    /// Most idle connections kept for reuse.
    pub max_idle_connections: usize,
    /// The secret entries are signed with ([`envelope::seal_signed`]): with
    /// one, an entry anyone without it wrote is rejected (counted
    /// `invalid`, and the origin read); without, entries carry a checksum,
    /// which catches corruption but not forgery.
    pub secret: Option<envelope::CacheSecret>,
    /// Accept a cache without a `secret`: the caches' constructors
    /// (`from_url_with`) refuse one otherwise. Off by default.
    pub allow_unauthenticated: bool,
}

impl RemoteOptions {
    /// The defaults with the secret in `TERN_CACHE_KEY` and
    /// `allow_unauthenticated` from `TERN_CACHE_UNAUTHENTICATED=1`.
    pub fn from_env() -> crate::Result<Self> {
        Ok(RemoteOptions {
            secret: envelope::CacheSecret::from_env()?,
            allow_unauthenticated: std::env::var(envelope::UNAUTHENTICATED_ENV_VAR)
                .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on")),
            ..RemoteOptions::default()
        })
    }

    /// Fails for a cache that would take entries anyone could have forged:
    /// no secret, and not allowed to go without one.
    ///
    /// ```
    /// use engine_core::cache::RemoteOptions;
    ///
    /// assert!(RemoteOptions::default().require_signed().is_err());
    /// let open = RemoteOptions { allow_unauthenticated: true, ..Default::default() };
    /// assert!(open.require_signed().is_ok());
    /// ```
    pub fn require_signed(&self) -> crate::Result<()> {
        if self.secret.is_none() && !self.allow_unauthenticated {
            return Err(crate::Error::config(format!(
                "a shared cache needs a secret to sign its entries: set {} to the same long \
                 random string on every worker (or {}=1, or RemoteOptions::allow_unauthenticated, \
                 to accept entries anyone who can write to the server could forge)",
                envelope::SECRET_ENV_VAR,
                envelope::UNAUTHENTICATED_ENV_VAR
            )));
        }
        Ok(())
    }
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            ttl: None,
            connect_timeout: Duration::from_millis(250),
            io_timeout: Duration::from_millis(500),
            failure_threshold: 3,
            cool_down: Duration::from_secs(5),
            max_idle_connections: 8,
            secret: None,
            allow_unauthenticated: false,
        }
    }
}

/// A [`RemoteBackend`] as a [`BlobCache`]: checked entries, counted calls and a
/// circuit breaker.
///
/// ```
/// use std::time::Duration;
/// use engine_core::cache::{BackendError, BlobCache, RemoteBackend, RemoteCache, RemoteOptions};
///
/// /// A server that is never there.
/// #[derive(Debug)]
/// struct Down;
/// impl RemoteBackend for Down {
///     fn name(&self) -> &'static str { "down" }
///     fn describe(&self) -> String { "down 127.0.0.1:1".into() }
///     fn get(&self, _: &str, _: Option<Duration>) -> Result<Option<Vec<u8>>, BackendError> {
///         Err(BackendError::Unavailable("connection refused".into()))
///     }
///     fn set(&self, _: &str, _: &[u8], _: Option<Duration>) -> Result<(), BackendError> {
///         Err(BackendError::Unavailable("connection refused".into()))
///     }
///     fn touch(&self, _: &str, _: Duration) -> Result<(), BackendError> { Ok(()) }
///     fn delete(&self, _: &str) -> Result<(), BackendError> { Ok(()) }
/// }
///
/// let cache = RemoteCache::new(Down, RemoteOptions { failure_threshold: 2, ..Default::default() });
/// let meta = engine_core::io::BlobMeta { location: "f".into(), size: 9, version: Some("1".into()) };
/// let key = engine_core::cache::CacheKey::for_range(&meta, 0..9).unwrap();
/// for _ in 0..5 {
///     assert!(cache.get(&key).is_none()); // a miss, never an error
/// }
/// let s = cache.stats();
/// assert_eq!((s.errors, s.skips), (2, 3)); // two failures opened the circuit
/// assert!(s.last_error.unwrap().contains("connection refused"));
/// ```
#[derive(Debug)]
pub struct RemoteCache<B> {
    backend: B,
    options: RemoteOptions,
    breaker: CircuitBreaker,
    counters: CacheCounters,
}

impl<B: RemoteBackend> RemoteCache<B> {
    /// Wraps `backend`; `options` are the ones the backend was built with.
    pub fn new(backend: B, options: RemoteOptions) -> Self {
        RemoteCache {
            breaker: CircuitBreaker::new(options.failure_threshold, options.cool_down),
            backend,
            options,
            counters: CacheCounters::default(),
        }
    }

    /// The wrapped backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The options in force.
    pub fn options(&self) -> &RemoteOptions {
        &self.options
    }

    /// Whether the circuit is closed (server in use), open or half-open.
    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// Runs one admitted backend call, feeding the breaker and counters.
    fn call<T>(&self, f: impl FnOnce(&B) -> Result<T, BackendError>) -> Option<T> {
        if !self.breaker.admit() {
            self.counters.skip();
            return None;
        }
        match f(&self.backend) {
            Ok(v) => {
                self.breaker.success();
                Some(v)
            }
            Err(BackendError::Rejected(_)) => {
                // The server answered: it is healthy, the value just did not fit.
                self.breaker.success();
                self.counters.rejected();
                None
            }
            Err(BackendError::Unavailable(m)) => {
                self.breaker.failure();
                self.counters
                    .error(format!("{}: {m}", self.backend.describe()));
                None
            }
        }
    }
}

impl<B: RemoteBackend> BlobCache for RemoteCache<B> {
    fn name(&self) -> &str {
        self.backend.name()
    }

    fn get(&self, key: &CacheKey) -> Option<Bytes> {
        let text = key.to_string();
        let stored = self.call(|b| b.get(&text, self.options.ttl))?;
        let Some(stored) = stored else {
            self.counters.miss();
            return None;
        };
        let opened = match &self.options.secret {
            Some(secret) => envelope::open_signed(secret, key, Bytes::from(stored)),
            None => envelope::open(key, Bytes::from(stored)),
        };
        match opened {
            Ok(payload) => {
                self.counters.hit(payload.len());
                Some(payload)
            }
            Err(_) => {
                // Truncated, corrupt, forged, foreign or from another format:
                // never data. Delete it so the next reader stores a good one.
                self.counters.invalid();
                self.counters.miss();
                self.call(|b| b.delete(&text));
                None
            }
        }
    }

    fn set(&self, key: &CacheKey, value: Bytes) {
        if value.len() > self.max_entry_size() {
            self.counters.rejected();
            return;
        }
        // Sealed inside the call: an open circuit skips the copy and checksum
        // of the value too, not just the round trip.
        let stored = self.call(|b| {
            let sealed = match &self.options.secret {
                Some(secret) => envelope::seal_signed(secret, key, &value),
                None => envelope::seal(key, &value),
            };
            b.set(&key.to_string(), &sealed, self.options.ttl)
        });
        if stored.is_some() {
            self.counters.set(value.len());
        }
    }

    fn touch(&self, key: &CacheKey) {
        if let Some(ttl) = self.options.ttl {
            self.call(|b| b.touch(&key.to_string(), ttl));
        }
    }

    fn delete(&self, key: &CacheKey) {
        self.call(|b| b.delete(&key.to_string()));
    }

    fn stats(&self) -> CacheStats {
        self.counters.snapshot()
    }

    fn max_entry_size(&self) -> usize {
        let header = match self.options.secret {
            Some(_) => SIGNED_HEADER_LEN,
            None => HEADER_LEN,
        };
        self.backend.max_value_size().saturating_sub(header)
    }
}

/// Gives a newtype around a [`RemoteCache`] (its field `0`) what every tern
/// remote cache has: `from_url`, `from_url_with`, `from_env` (reading the
/// environment variable named here, also defined as `ENV_VAR`),
/// `breaker_state`, and [`BlobCache`] passing every call through. `$make`
/// builds the backend from a URL and options (parsing only, not connecting).
/// The cache crates use it for `RedisCache`, `ValkeyCache` and `MemcachedCache`.
///
/// ```
/// use std::time::Duration;
/// use engine_core::cache::{BackendError, RemoteBackend, RemoteCache, RemoteOptions};
///
/// #[derive(Debug)]
/// pub struct Nowhere;
/// impl RemoteBackend for Nowhere {
///     fn name(&self) -> &'static str { "nowhere" }
///     fn describe(&self) -> String { "nowhere".into() }
///     fn get(&self, _: &str, _: Option<Duration>) -> Result<Option<Vec<u8>>, BackendError> { Ok(None) }
///     fn set(&self, _: &str, _: &[u8], _: Option<Duration>) -> Result<(), BackendError> { Ok(()) }
///     fn touch(&self, _: &str, _: Duration) -> Result<(), BackendError> { Ok(()) }
///     fn delete(&self, _: &str) -> Result<(), BackendError> { Ok(()) }
/// }
///
/// #[derive(Debug)]
/// pub struct NowhereCache(RemoteCache<Nowhere>);
/// engine_core::remote_cache_type!(NowhereCache, Nowhere, "NOWHERE_URL", |_url, _options| Ok(Nowhere));
///
/// let open = RemoteOptions { allow_unauthenticated: true, ..Default::default() };
/// let cache = NowhereCache::from_url_with("nowhere://x", open).unwrap();
/// assert_eq!(engine_core::cache::BlobCache::name(&cache), "nowhere");
/// assert_eq!(ENV_VAR, "NOWHERE_URL");
/// ```
#[macro_export]
macro_rules! remote_cache_type {
    ($name:ident, $backend:ty, $env:literal, $make:expr) => {
        #[doc = concat!("The environment variable [`", stringify!($name), "::from_env`] reads.")]
        pub const ENV_VAR: &str = $env;

        impl $name {
            /// A cache on the server(s) at `url`, with the options of
            /// [`RemoteOptions::from_env`](engine_core::cache::RemoteOptions::from_env):
            /// refused without `TERN_CACHE_KEY` unless `TERN_CACHE_UNAUTHENTICATED=1`.
            /// Parses only: it connects on first use.
            pub fn from_url(url: &str) -> $crate::Result<Self> {
                Self::from_url_with(url, $crate::cache::RemoteOptions::from_env()?)
            }

            /// [`from_url`](Self::from_url) with `options` (TTL, timeouts,
            /// circuit breaker, secret); refused without a secret unless
            /// `options.allow_unauthenticated`.
            pub fn from_url_with(
                url: &str,
                options: $crate::cache::RemoteOptions,
            ) -> $crate::Result<Self> {
                let make: fn(&str, &$crate::cache::RemoteOptions) -> $crate::Result<$backend> =
                    $make;
                // The URL's own mistakes first: they are the more specific.
                let backend = make(url, &options)?;
                options.require_signed()?;
                Ok($name($crate::cache::RemoteCache::new(backend, options)))
            }

            #[doc = concat!("A cache on the server(s) in `", $env, "`, or `None` when it is unset;")]
            /// its entries are signed with the secret in `TERN_CACHE_KEY` when set.
            pub fn from_env() -> $crate::Result<Option<Self>> {
                let options = $crate::cache::RemoteOptions::from_env()?;
                $crate::cache::env_url(ENV_VAR)
                    .map(|url| Self::from_url_with(&url, options))
                    .transpose()
            }

            /// Whether the circuit is closed (server in use), open or half-open.
            pub fn breaker_state(&self) -> $crate::cache::BreakerState {
                self.0.breaker_state()
            }
        }

        impl $crate::cache::BlobCache for $name {
            fn name(&self) -> &str {
                $crate::cache::BlobCache::name(&self.0)
            }
            fn get(&self, key: &$crate::cache::CacheKey) -> Option<$crate::cache::Bytes> {
                $crate::cache::BlobCache::get(&self.0, key)
            }
            fn set(&self, key: &$crate::cache::CacheKey, value: $crate::cache::Bytes) {
                $crate::cache::BlobCache::set(&self.0, key, value)
            }
            fn touch(&self, key: &$crate::cache::CacheKey) {
                $crate::cache::BlobCache::touch(&self.0, key)
            }
            fn delete(&self, key: &$crate::cache::CacheKey) {
                $crate::cache::BlobCache::delete(&self.0, key)
            }
            fn stats(&self) -> $crate::cache::CacheStats {
                $crate::cache::BlobCache::stats(&self.0)
            }
            fn max_entry_size(&self) -> usize {
                $crate::cache::BlobCache::max_entry_size(&self.0)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::BlobMeta;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// An in-process key-value store standing in for a server's storage, so
    /// that the checks and counts can be tested on their own (the cache crates
    /// test against real servers).
    #[derive(Debug, Default)]
    struct Memory {
        map: Mutex<HashMap<String, Vec<u8>>>,
        ttls: Mutex<Vec<(String, Option<Duration>)>>,
        limit: Option<usize>,
    }

    impl RemoteBackend for Memory {
        fn name(&self) -> &'static str {
            "memory"
        }
        fn describe(&self) -> String {
            "memory".into()
        }
        fn get(&self, key: &str, ttl: Option<Duration>) -> Result<Option<Vec<u8>>, BackendError> {
            self.ttls.lock().unwrap().push((key.into(), ttl));
            Ok(self.map.lock().unwrap().get(key).cloned())
        }
        fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), BackendError> {
            if self.limit.is_some_and(|l| value.len() > l) {
                return Err(BackendError::Rejected("too large".into()));
            }
            self.ttls.lock().unwrap().push((key.into(), ttl));
            self.map.lock().unwrap().insert(key.into(), value.to_vec());
            Ok(())
        }
        fn touch(&self, key: &str, ttl: Duration) -> Result<(), BackendError> {
            self.ttls.lock().unwrap().push((key.into(), Some(ttl)));
            Ok(())
        }
        fn delete(&self, key: &str) -> Result<(), BackendError> {
            self.map.lock().unwrap().remove(key);
            Ok(())
        }
    }

    fn key(n: u64) -> CacheKey {
        let meta = BlobMeta {
            location: "remote-test".into(),
            size: 1 << 30,
            version: Some("v".into()),
        };
        CacheKey::for_range(&meta, 0..n).unwrap()
    }

    #[test]
    fn values_round_trip_sealed_and_bad_ones_are_deleted() {
        let cache = RemoteCache::new(Memory::default(), RemoteOptions::default());
        cache.set(&key(3), Bytes::from_static(b"abc"));
        let raw = cache.backend().map.lock().unwrap()[&key(3).to_string()].clone();
        assert_eq!(raw.len(), HEADER_LEN + 3, "stored with its header");
        assert_eq!(cache.get(&key(3)).unwrap(), Bytes::from_static(b"abc"));

        let mut cut = raw.clone();
        cut.truncate(raw.len() - 1);
        cache
            .backend()
            .map
            .lock()
            .unwrap()
            .insert(key(3).to_string(), cut);
        assert!(cache.get(&key(3)).is_none());
        assert!(
            !cache
                .backend()
                .map
                .lock()
                .unwrap()
                .contains_key(&key(3).to_string()),
            "the bad entry is deleted"
        );
        let s = cache.stats();
        assert_eq!(
            (s.hits, s.misses, s.invalid, s.sets, s.errors),
            (1, 1, 1, 1, 0)
        );
    }

    #[test]
    fn a_ttl_is_set_and_refreshed_on_hits() {
        let ttl = Duration::from_secs(60);
        let options = RemoteOptions {
            ttl: Some(ttl),
            ..Default::default()
        };
        let cache = RemoteCache::new(Memory::default(), options);
        cache.set(&key(1), Bytes::from_static(b"x"));
        cache.get(&key(1));
        cache.touch(&key(1));
        let ttls = cache.backend().ttls.lock().unwrap().clone();
        assert_eq!(ttls.len(), 3);
        assert!(ttls.iter().all(|(_, t)| *t == Some(ttl)), "{ttls:?}");
    }

    #[test]
    fn refused_values_do_not_open_the_circuit() {
        let backend = Memory {
            limit: Some(HEADER_LEN + 10),
            ..Default::default()
        };
        let cache = RemoteCache::new(backend, RemoteOptions::default());
        for _ in 0..10 {
            cache.set(&key(11), Bytes::from(vec![0; 11]));
        }
        assert_eq!(cache.breaker_state(), BreakerState::Closed);
        let s = cache.stats();
        assert_eq!((s.rejected, s.errors, s.sets), (10, 0, 0));
    }

    #[test]
    fn with_a_secret_a_forged_entry_is_invalid_and_the_origin_is_read() {
        let options = RemoteOptions {
            secret: Some(envelope::CacheSecret::new("the fleet's shared secret").unwrap()),
            ..Default::default()
        };
        let cache = RemoteCache::new(Memory::default(), options);
        cache.set(&key(3), Bytes::from_static(b"abc"));
        let raw = cache.backend().map.lock().unwrap()[&key(3).to_string()].clone();
        assert_eq!(raw.len(), SIGNED_HEADER_LEN + 3, "stored signed");
        assert_eq!(cache.get(&key(3)).unwrap(), Bytes::from_static(b"abc"));
        // Someone with write access to the server, but not the secret,
        // stores a well-formed checksummed entry with other bytes.
        let forged = envelope::seal(&key(3), b"xyz");
        let map = &cache.backend().map;
        map.lock().unwrap().insert(key(3).to_string(), forged);
        assert!(
            cache.get(&key(3)).is_none(),
            "a miss: the caller reads the origin"
        );
        assert!(!map.lock().unwrap().contains_key(&key(3).to_string()));
        let s = cache.stats();
        assert_eq!((s.hits, s.invalid), (1, 1));
    }
}
