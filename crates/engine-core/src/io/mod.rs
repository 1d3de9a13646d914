//! Formats: reading files (CSV, TSV, JSON Lines, Arrow IPC, Parquet) and writing
//! results (CSV, TSV, JSON, JSON Lines, Arrow IPC), each behind its cargo feature.

mod read;
mod write;

pub use read::{infer_schema, read, FileFormat};
pub use write::{write_file, write_to, OutputFormat};
