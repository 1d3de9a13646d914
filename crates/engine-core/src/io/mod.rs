//! Storage and formats: the one read path for file bytes ([`Blob`], over a
//! [`BlobStore`]), reading files (CSV, TSV, JSON Lines, Arrow IPC, Parquet) and
//! writing results (CSV, TSV, JSON, JSON Lines, Arrow IPC, Parquet), each format
//! behind its cargo feature.

mod blob;
mod buffers;
#[cfg(feature = "parquet")]
mod parquet;
mod read;
mod split;
mod write;

pub(crate) use blob::counting_reads;
pub(crate) use blob::split_scheme;
pub use blob::{Blob, BlobMeta, BlobReader, BlobStore, LocalStore};
pub use read::{infer_schema, inspect, read, CsvDialect, FileFacts, FileFormat, FilePart};
pub use split::{line_splits, unit_bytes, SPLIT_BYTES};
pub use write::{write_file, write_to, OutputFormat};
