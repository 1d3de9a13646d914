//! # tern
//!
//! An embeddable analytical SQL engine whose first query in a fresh process
//! takes milliseconds. This facade re-exports [`engine_core`] and plugs in the
//! extras enabled by cargo features:
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `datasets-virtual` | yes | the sample datasets `$planets`, `$satellites`, ... |
//! | `csv`, `json`, `ipc`, `parquet` | yes | file formats in engine-core |
//! | `object-store` | no | `s3://`, `gs://`, `az://`, `http(s)://` files ([`source_object_store`]) |
//! | `cache-redis` | no | a shared cache of file blocks on Redis or a Redis Cluster (`cache_redis`) |
//! | `cache-memcached` | no | the same on memcached (`cache_memcached`) |
//! | `cache-valkey` | no | the same on Valkey or a Valkey cluster (`cache_valkey`) |
//!
//! A remote cache, chosen by URL (docs/caching.md):
//!
//! ```no_run
//! let cache = tern::remote_cache::from_url("redis://cache.internal:6379")?;
//! let engine = tern::Engine::builder().shared_cache(cache).build();
//! # Ok::<(), tern::Error>(())
//! ```
//!
//! ```
//! let engine = tern::Engine::new();
//! let result = engine.query("SELECT name FROM $planets WHERE id = 3").unwrap();
//! assert_eq!(result.num_rows(), 1);
//! ```

pub use engine_core::*;

#[cfg(feature = "datasets-virtual")]
pub use datasets_virtual;

#[cfg(feature = "object-store")]
pub use source_object_store;

#[cfg(feature = "cache-redis")]
pub use cache_redis;

#[cfg(feature = "cache-memcached")]
pub use cache_memcached;

#[cfg(feature = "cache-valkey")]
pub use cache_valkey;

pub mod remote_cache;

use std::sync::Arc;

use engine_core::cache::BlobCache;

/// tern's engine with every enabled extra plugged in.
///
/// It dereferences to [`engine_core::Engine`], so every method of that type is
/// available; [`into_inner`](Engine::into_inner) hands it out.
///
/// ```
/// let engine = tern::Engine::new();
/// assert!(engine.query("SELECT COUNT(*) FROM $satellites").is_ok());
/// ```
pub struct Engine(engine_core::Engine);

impl Engine {
    /// A new engine with the extras enabled by features (the sample datasets
    /// under `datasets-virtual`, object storage under `object-store`). Like
    /// [`engine_core::Engine::new`] it does no I/O and builds no table:
    /// datasets decode on first use, object stores connect on first read.
    pub fn new() -> Self {
        Engine::with_extras(engine_core::Engine::new())
    }

    /// An [`EngineBuilder`], to set up caching.
    pub fn builder() -> EngineBuilder {
        EngineBuilder(engine_core::Engine::builder())
    }

    fn with_extras(engine: engine_core::Engine) -> Self {
        #[cfg(feature = "datasets-virtual")]
        engine.register_datasets(datasets_virtual::provider());
        #[cfg(feature = "object-store")]
        Arc::new(source_object_store::ObjectStoreSource::new()).register(&engine);
        Engine(engine)
    }

    /// The underlying engine-core engine.
    pub fn into_inner(self) -> engine_core::Engine {
        self.0
    }
}

/// Builds a [`tern::Engine`](Engine) with caching settings: engine-core's
/// [`EngineBuilder`](engine_core::EngineBuilder), plus the extras.
///
/// ```
/// let engine = tern::Engine::builder()
///     .buffer_pool_size(32 << 20)
///     .cache_local_files(true)
///     .build();
/// assert!(engine.query("SELECT COUNT(*) FROM $planets").is_ok());
/// ```
#[must_use]
pub struct EngineBuilder(engine_core::EngineBuilder);

impl EngineBuilder {
    /// A remote cache between the buffer pool and the files' stores (see
    /// [`engine_core::EngineBuilder::cache`]).
    pub fn cache(self, cache: impl BlobCache + 'static) -> Self {
        EngineBuilder(self.0.cache(cache))
    }

    /// [`cache`](Self::cache) for a cache behind an `Arc`, such as one from
    /// [`remote_cache::from_url`].
    pub fn shared_cache(self, cache: Arc<dyn BlobCache>) -> Self {
        EngineBuilder(self.0.shared_cache(cache))
    }

    /// Bounds the buffer pool (64 MiB by default); 0 turns it off.
    pub fn buffer_pool_size(self, bytes: usize) -> Self {
        EngineBuilder(self.0.buffer_pool_size(bytes))
    }

    /// Ranges larger than `bytes` (2 MiB by default) stay out of the remote cache.
    pub fn remote_cache_max_entry(self, bytes: usize) -> Self {
        EngineBuilder(self.0.remote_cache_max_entry(bytes))
    }

    /// Caches local files too (off by default).
    pub fn cache_local_files(self, yes: bool) -> Self {
        EngineBuilder(self.0.cache_local_files(yes))
    }

    /// The engine, with the extras enabled by features.
    pub fn build(self) -> Engine {
        Engine::with_extras(self.0.build())
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl std::ops::Deref for Engine {
    type Target = engine_core::Engine;
    fn deref(&self) -> &engine_core::Engine {
        &self.0
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

/// The examples of docs/sources.md, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/sources.md")]
struct SourcesDoctests;

/// The examples of docs/caching.md, compiled as doctests.
#[cfg(all(doctest, feature = "cache-redis"))]
#[doc = include_str!("../../../docs/caching.md")]
struct CachingDoctests;
