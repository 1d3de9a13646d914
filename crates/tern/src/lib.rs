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
        let engine = engine_core::Engine::new();
        #[cfg(feature = "datasets-virtual")]
        engine.register_datasets(datasets_virtual::provider());
        #[cfg(feature = "object-store")]
        std::sync::Arc::new(source_object_store::ObjectStoreSource::new()).register(&engine);
        Engine(engine)
    }

    /// The underlying engine-core engine.
    pub fn into_inner(self) -> engine_core::Engine {
        self.0
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
