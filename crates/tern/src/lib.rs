//! # tern
//!
//! An embeddable analytical SQL engine whose first query in a fresh process
//! takes milliseconds. This facade re-exports [`engine_core`] and plugs in the
//! extras enabled by cargo features:
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `datasets-virtual` | yes | the sample datasets `$planets`, `$satellites`, ... |
//! | `csv`, `json`, `ipc` | yes | file formats in engine-core |
//!
//! ```
//! let engine = tern::Engine::new();
//! let result = engine.query("SELECT name FROM $planets WHERE id = 3").unwrap();
//! assert_eq!(result.num_rows(), 1);
//! ```

pub use engine_core::*;

#[cfg(feature = "datasets-virtual")]
pub use datasets_virtual;

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
    /// under `datasets-virtual`). Like [`engine_core::Engine::new`] it does no
    /// I/O and builds no table: datasets decode on first use.
    pub fn new() -> Self {
        let engine = engine_core::Engine::new();
        #[cfg(feature = "datasets-virtual")]
        engine.register_datasets(datasets_virtual::provider());
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
