//! # engine-core
//!
//! tern's SQL engine: SQL text in, Arrow record batches out, with a cold start of
//! a few milliseconds. This crate has no network code and no sample data; the
//! `tern` facade crate adds those extras behind features.
//!
//! A query flows one way through the modules:
//!
//! ```text
//! sql/       parse (sqlparser, tern's dialect) -> bind names and types -> LogicalPlan
//! plan/      logical plan, expressions, optimizer rules
//! exec/      batch-iterator operators running Arrow kernels
//! functions/ scalar functions, looked up by a static match
//! catalog/   tables: registered batches, dataset providers
//! io/        file formats and the blob read path
//! cache/     the buffer pool and remote caches in front of blob reads
//! ```
//!
//! ```
//! let engine = engine_core::Engine::new();
//! let result = engine.query("SELECT 1 + 2 AS three, UPPER('tern') AS name").unwrap();
//! assert_eq!(result.num_rows(), 1);
//! assert_eq!(result.schema().field(0).name(), "three");
//! ```
#![warn(missing_docs)]

pub mod cache;
pub mod catalog;
mod engine;
mod error;
pub mod exec;
pub mod functions;
pub mod io;
mod os_memory;
pub mod physical;
pub mod plan;
pub mod sql;
mod stack;
pub mod types;
mod util;

pub use engine::{Engine, EngineBuilder, QueryResult, QueryStats, Settings};
pub use error::{Error, Location, Result};
pub use exec::QueryHandle;

/// Arrow types used in tern's public API, re-exported so users need not pin
/// arrow versions themselves.
pub mod arrow {
    pub use arrow_array as array;
    pub use arrow_schema as schema;
}
