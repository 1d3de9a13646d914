//! Reading files: the format from the extension, the schema from the file, and
//! batches with only the requested columns (projection pushed into the reader
//! for CSV, Arrow IPC and Parquet).

use std::fs::File;
#[cfg_attr(not(all(feature = "json", feature = "ipc")), allow(unused_imports))]
use std::io::{BufReader, Read, Seek};
use std::path::Path;
#[cfg_attr(
    not(any(feature = "csv", feature = "json", feature = "parquet")),
    allow(unused_imports)
)]
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};

use crate::catalog::BatchIter;
use crate::error::{Error, Result};

/// Rows per batch a reader produces.
#[cfg_attr(
    not(any(feature = "csv", feature = "json", feature = "parquet")),
    allow(dead_code)
)]
const BATCH_SIZE: usize = 8192;
/// Rows sampled to infer a CSV or JSON Lines schema.
#[cfg_attr(not(any(feature = "csv", feature = "json")), allow(dead_code))]
const INFER_ROWS: usize = 1000;

/// File formats tern reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// Arrow IPC, file or stream format.
    Arrow,
    /// Apache Parquet.
    Parquet,
}

impl FileFormat {
    /// The format for a path's extension.
    ///
    /// ```
    /// use engine_core::io::FileFormat;
    /// assert_eq!(FileFormat::from_path("data/x.parquet".as_ref()), Some(FileFormat::Parquet));
    /// assert_eq!(FileFormat::from_path("notes.txt".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_lowercase();
        Some(match ext.as_str() {
            "csv" => FileFormat::Csv,
            "tsv" | "tab" => FileFormat::Tsv,
            "jsonl" | "ndjson" => FileFormat::Jsonl,
            "arrow" | "ipc" | "feather" | "arrows" => FileFormat::Arrow,
            "parquet" | "pq" => FileFormat::Parquet,
            _ => return None,
        })
    }
}

fn data_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Data {
        source_name: path.display().to_string(),
        message: e.to_string(),
    }
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg_attr(
    all(
        feature = "csv",
        feature = "json",
        feature = "ipc",
        feature = "parquet"
    ),
    allow(dead_code)
)]
fn missing(format: &str) -> Error {
    Error::unsupported(format!(
        "reading {format}: this build of engine-core lacks the feature"
    ))
}

/// The schema of a file.
pub fn infer_schema(path: &Path, format: FileFormat) -> Result<SchemaRef> {
    let file = open(path)?;
    match format {
        FileFormat::Csv | FileFormat::Tsv => {
            #[cfg(feature = "csv")]
            {
                let (schema, _) = csv_format(format)
                    .infer_schema(file, Some(INFER_ROWS))
                    .map_err(|e| data_error(path, e))?;
                Ok(Arc::new(schema))
            }
            #[cfg(not(feature = "csv"))]
            {
                let _ = file;
                Err(missing("CSV"))
            }
        }
        FileFormat::Jsonl => {
            #[cfg(feature = "json")]
            {
                let (schema, _) = arrow_json::reader::infer_json_schema_from_seekable(
                    BufReader::new(file),
                    Some(INFER_ROWS),
                )
                .map_err(|e| data_error(path, e))?;
                Ok(Arc::new(schema))
            }
            #[cfg(not(feature = "json"))]
            {
                let _ = file;
                Err(missing("JSON Lines"))
            }
        }
        FileFormat::Arrow => {
            #[cfg(feature = "ipc")]
            {
                Ok(ipc_reader(path, file, None)?.0)
            }
            #[cfg(not(feature = "ipc"))]
            {
                let _ = file;
                Err(missing("Arrow IPC"))
            }
        }
        FileFormat::Parquet => {
            #[cfg(feature = "parquet")]
            {
                let builder =
                    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                        .map_err(|e| data_error(path, e))?;
                Ok(Arc::clone(builder.schema()))
            }
            #[cfg(not(feature = "parquet"))]
            {
                let _ = file;
                Err(missing("Parquet"))
            }
        }
    }
}

#[cfg(feature = "csv")]
fn csv_format(format: FileFormat) -> arrow_csv::reader::Format {
    let f = arrow_csv::reader::Format::default().with_header(true);
    if format == FileFormat::Tsv {
        f.with_delimiter(b'\t')
    } else {
        f
    }
}

/// An Arrow IPC file or stream (told apart by the file's magic bytes).
#[cfg(feature = "ipc")]
fn ipc_reader(
    path: &Path,
    mut file: File,
    projection: Option<Vec<usize>>,
) -> Result<(SchemaRef, BatchIter)> {
    let mut magic = [0u8; 6];
    let is_file = file.read_exact(&mut magic).is_ok() && &magic == b"ARROW1";
    file.rewind().map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let p = path.to_path_buf();
    if is_file {
        let r = arrow_ipc::reader::FileReader::try_new(file, projection)
            .map_err(|e| data_error(path, e))?;
        let schema = r.schema();
        Ok((
            schema,
            Box::new(r.map(move |b| b.map_err(|e| data_error(&p, e)))),
        ))
    } else {
        let r = arrow_ipc::reader::StreamReader::try_new(BufReader::new(file), projection)
            .map_err(|e| data_error(path, e))?;
        let schema = r.schema();
        Ok((
            schema,
            Box::new(r.map(move |b| b.map_err(|e| data_error(&p, e)))),
        ))
    }
}

/// Batches of `path`, holding the columns `projection` names (indices into the
/// file's `schema`), or all of them.
#[cfg_attr(
    not(all(
        feature = "csv",
        feature = "json",
        feature = "ipc",
        feature = "parquet"
    )),
    allow(unused_variables)
)]
pub fn read(
    path: &Path,
    format: FileFormat,
    schema: &SchemaRef,
    projection: Option<&[usize]>,
) -> Result<BatchIter> {
    let file = open(path)?;
    let p = path.to_path_buf();
    let wrap =
        move |r: std::result::Result<RecordBatch, ArrowError>| r.map_err(|e| data_error(&p, e));
    match format {
        FileFormat::Csv | FileFormat::Tsv => {
            #[cfg(feature = "csv")]
            {
                let mut b = arrow_csv::ReaderBuilder::new(Arc::clone(schema))
                    .with_format(csv_format(format))
                    .with_batch_size(BATCH_SIZE);
                if let Some(p) = projection {
                    b = b.with_projection(p.to_vec());
                }
                let r = b.build(file).map_err(|e| data_error(path, e))?;
                Ok(Box::new(r.map(wrap)))
            }
            #[cfg(not(feature = "csv"))]
            {
                Err(missing("CSV"))
            }
        }
        FileFormat::Jsonl => {
            #[cfg(feature = "json")]
            {
                let r = arrow_json::ReaderBuilder::new(Arc::clone(schema))
                    .with_batch_size(BATCH_SIZE)
                    .build(BufReader::new(file))
                    .map_err(|e| data_error(path, e))?;
                let projection = projection.map(|p| p.to_vec());
                Ok(Box::new(r.map(move |b| {
                    let b = wrap(b)?;
                    match &projection {
                        Some(p) => Ok(b.project(p)?),
                        None => Ok(b),
                    }
                })))
            }
            #[cfg(not(feature = "json"))]
            {
                Err(missing("JSON Lines"))
            }
        }
        FileFormat::Arrow => {
            #[cfg(feature = "ipc")]
            {
                Ok(ipc_reader(path, file, projection.map(|p| p.to_vec()))?.1)
            }
            #[cfg(not(feature = "ipc"))]
            {
                Err(missing("Arrow IPC"))
            }
        }
        FileFormat::Parquet => {
            #[cfg(feature = "parquet")]
            {
                use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
                use parquet::arrow::ProjectionMask;
                let mut b = ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| data_error(path, e))?
                    .with_batch_size(BATCH_SIZE);
                if let Some(p) = projection {
                    let mask = ProjectionMask::roots(b.parquet_schema(), p.iter().copied());
                    b = b.with_projection(mask);
                }
                let r = b.build().map_err(|e| data_error(path, e))?;
                Ok(Box::new(r.map(wrap)))
            }
            #[cfg(not(feature = "parquet"))]
            {
                Err(missing("Parquet"))
            }
        }
    }
}
