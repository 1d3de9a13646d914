//! Formats: writing results to files (CSV, TSV, JSON, JSON Lines, Arrow IPC),
//! each behind its cargo feature.

mod write;

pub use write::{write_file, write_to, OutputFormat};
