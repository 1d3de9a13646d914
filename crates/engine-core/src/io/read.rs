//! Reading files: the format from the extension, the schema from the file, and
//! batches with only the requested columns (projection pushed into the reader
//! for CSV, Arrow IPC and Parquet).

use std::path::Path;
#[cfg_attr(
    not(any(feature = "csv", feature = "json", feature = "parquet")),
    allow(unused_imports)
)]
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};

use super::blob::Blob;
#[cfg(feature = "parquet")]
use super::blob::BlobChunks;
use crate::catalog::{BatchIter, ScanRequest};
use crate::error::{Error, Result};

/// Rows per batch a reader produces.
#[cfg_attr(
    not(any(feature = "csv", feature = "json", feature = "parquet")),
    allow(dead_code)
)]
const BATCH_SIZE: usize = 8192;
/// Cells (rows × columns) a text reader's batch may hold: the CSV decoder
/// sets aside room for every cell of a batch up front, so a file of 20,000
/// columns read 8,192 rows at a time took 2.6 GB before its first row.
#[cfg_attr(not(any(feature = "csv", feature = "json")), allow(dead_code))]
const CELLS_PER_BATCH: usize = 1 << 20;

/// Rows per batch for a text file of `columns` columns: [`BATCH_SIZE`], or
/// fewer for very wide files.
#[cfg_attr(not(any(feature = "csv", feature = "json")), allow(dead_code))]
fn text_batch_rows(columns: usize) -> usize {
    (CELLS_PER_BATCH / columns.max(1)).clamp(1, BATCH_SIZE)
}

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
    /// Delimited text as `read_csv`'s options describe it.
    Delimited(CsvDialect),
}

/// How a delimited text file is written: `read_csv(path, delim = ';',
/// header = false, ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvDialect {
    /// The byte between fields (`,`).
    pub delimiter: u8,
    /// Whether the first line names the columns; without one they are
    /// `column0`, `column1`, ... (as in DuckDB).
    pub header: bool,
    /// The byte around a field holding delimiters or newlines (`"`).
    pub quote: u8,
    /// The byte before a quote inside a quoted field (none: doubled quotes).
    pub escape: Option<u8>,
    /// Lines starting with this byte are skipped.
    pub comment: Option<u8>,
    /// Every column read as text, not inferred.
    pub all_text: bool,
}

impl Default for CsvDialect {
    fn default() -> Self {
        CsvDialect {
            delimiter: b',',
            header: true,
            quote: b'"',
            escape: None,
            comment: None,
            all_text: false,
        }
    }
}

impl FileFormat {
    /// Whether it is delimited text (CSV, TSV or a dialect of them).
    pub fn is_delimited(self) -> bool {
        matches!(
            self,
            FileFormat::Csv | FileFormat::Tsv | FileFormat::Delimited(_)
        )
    }

    /// The dialect of a delimited format.
    ///
    /// ```
    /// use engine_core::io::FileFormat;
    /// assert_eq!(FileFormat::Tsv.dialect().unwrap().delimiter, b'\t');
    /// assert!(FileFormat::Parquet.dialect().is_none());
    /// ```
    pub fn dialect(self) -> Option<CsvDialect> {
        match self {
            FileFormat::Csv => Some(CsvDialect::default()),
            FileFormat::Tsv => Some(CsvDialect {
                delimiter: b'\t',
                ..CsvDialect::default()
            }),
            FileFormat::Delimited(d) => Some(d),
            _ => None,
        }
    }

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

fn data_error(blob: &Blob, e: impl std::fmt::Display) -> Error {
    Error::Data {
        source_name: blob.location().to_string(),
        message: e.to_string(),
    }
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

/// Runs `f`, turning a panic inside a format reader into a data error naming
/// the file. Some readers trust offsets and lengths found in the file and
/// panic on malformed ones (arrow-ipc slicing past a buffer, found by
/// `tests/fuzz_readers.rs`); a broken file must be an error, never a crash.
fn guarded<T>(blob: &Blob, f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(malformed(blob, payload.as_ref())))
}

fn malformed(blob: &Blob, payload: &(dyn std::any::Any + Send)) -> Error {
    let why = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "the reader failed".into());
    data_error(blob, format!("malformed file: {why}"))
}

/// A reader's batches with [`guarded`]'s promise: a panic while decoding ends
/// the stream with a data error.
struct Guarded {
    inner: BatchIter,
    blob: Arc<Blob>,
    failed: bool,
}

impl Iterator for Guarded {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let inner = &mut self.inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.next())) {
            Ok(item) => item,
            Err(payload) => {
                self.failed = true;
                Some(Err(malformed(&self.blob, payload.as_ref())))
            }
        }
    }
}

/// The schema of a file.
pub fn infer_schema(blob: &Arc<Blob>, format: FileFormat) -> Result<SchemaRef> {
    inspect(blob, format).map(|(schema, _)| schema)
}

/// What the planner learns of a file before reading it.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// Rows, where the format records them (Parquet).
    pub rows: Option<u64>,
    /// Per column, the range of an integer or date column, where recorded.
    pub ranges: Vec<Option<(i64, i64)>>,
    /// Parts the file reads on its own (Parquet row groups); `None`: one.
    pub row_groups: Option<usize>,
}

/// A file's schema and what its metadata tells of its contents.
pub fn inspect(blob: &Arc<Blob>, format: FileFormat) -> Result<(SchemaRef, FileFacts)> {
    guarded(blob, || inspect_unguarded(blob, format))
}

// Without every format feature, `blob` may go unused.
#[cfg_attr(
    not(all(
        feature = "csv",
        feature = "json",
        feature = "ipc",
        feature = "parquet"
    )),
    allow(unused_variables)
)]
fn inspect_unguarded(blob: &Arc<Blob>, format: FileFormat) -> Result<(SchemaRef, FileFacts)> {
    match format {
        FileFormat::Csv | FileFormat::Tsv | FileFormat::Delimited(_) => {
            #[cfg(feature = "csv")]
            {
                let d = format.dialect().unwrap_or_default();
                Ok((csv_schema(blob, d)?, FileFacts::default()))
            }
            #[cfg(not(feature = "csv"))]
            {
                Err(missing("CSV"))
            }
        }
        FileFormat::Jsonl => {
            #[cfg(feature = "json")]
            {
                let (schema, _) = arrow_json::reader::infer_json_schema_from_seekable(
                    blob.reader(),
                    Some(INFER_ROWS),
                )
                .map_err(|e| data_error(blob, e))?;
                Ok((Arc::new(schema), FileFacts::default()))
            }
            #[cfg(not(feature = "json"))]
            {
                Err(missing("JSON Lines"))
            }
        }
        FileFormat::Arrow => {
            #[cfg(feature = "ipc")]
            {
                Ok((ipc_reader(blob, None)?.0, FileFacts::default()))
            }
            #[cfg(not(feature = "ipc"))]
            {
                Err(missing("Arrow IPC"))
            }
        }
        FileFormat::Parquet => {
            #[cfg(feature = "parquet")]
            {
                let builder =
                    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                        BlobChunks::new(Arc::clone(blob)),
                    )
                    .map_err(|e| data_error(blob, e))?;
                let meta = builder.metadata();
                let facts = FileFacts {
                    rows: Some(meta.file_metadata().num_rows().max(0) as u64),
                    row_groups: Some(meta.num_row_groups()),
                    ranges: super::parquet::integer_ranges(
                        builder.schema(),
                        builder.parquet_schema(),
                        meta,
                    ),
                };
                Ok((Arc::clone(builder.schema()), facts))
            }
            #[cfg(not(feature = "parquet"))]
            {
                Err(missing("Parquet"))
            }
        }
    }
}

#[cfg(feature = "csv")]
fn csv_format(d: CsvDialect) -> arrow_csv::reader::Format {
    let mut f = arrow_csv::reader::Format::default()
        .with_header(d.header)
        .with_delimiter(d.delimiter)
        .with_quote(d.quote);
    if let Some(e) = d.escape {
        f = f.with_escape(e);
    }
    if let Some(c) = d.comment {
        f = f.with_comment(c);
    }
    f
}

/// A delimited file's schema as its dialect reads it: columns named as
/// DuckDB names them without a header, all text when asked.
#[cfg(feature = "csv")]
fn csv_schema(blob: &Arc<Blob>, d: CsvDialect) -> Result<SchemaRef> {
    let (schema, _) = csv_format(d)
        .infer_schema(blob.reader(), Some(INFER_ROWS))
        .map_err(|e| data_error(blob, e))?;
    if d.header && !d.all_text {
        return Ok(Arc::new(schema));
    }
    let fields: Vec<arrow_schema::Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = match d.header {
                true => f.name().clone(),
                false => format!("column{i}"),
            };
            let t = match d.all_text {
                true => arrow_schema::DataType::Utf8,
                false => f.data_type().clone(),
            };
            arrow_schema::Field::new(name, t, true)
        })
        .collect();
    Ok(Arc::new(arrow_schema::Schema::new(fields)))
}

/// An Arrow IPC file or stream (told apart by the file's magic bytes).
#[cfg(feature = "ipc")]
fn ipc_reader(blob: &Arc<Blob>, projection: Option<Vec<usize>>) -> Result<(SchemaRef, BatchIter)> {
    let is_file = blob.size() >= 6 && blob.read_range(0..6)?[..] == b"ARROW1"[..];
    let b = Arc::clone(blob);
    let wrap =
        move |r: std::result::Result<RecordBatch, ArrowError>| r.map_err(|e| data_error(&b, e));
    if is_file {
        let r = arrow_ipc::reader::FileReader::try_new(blob.reader(), projection)
            .map_err(|e| data_error(blob, e))?;
        Ok((r.schema(), Box::new(r.map(wrap))))
    } else {
        let r = arrow_ipc::reader::StreamReader::try_new(blob.reader(), projection)
            .map_err(|e| data_error(blob, e))?;
        Ok((r.schema(), Box::new(r.map(wrap))))
    }
}

/// The part of a file one worker of a parallel scan reads.
#[derive(Debug, Clone, PartialEq)]
pub enum FilePart {
    /// These row groups of a Parquet file.
    RowGroups(std::ops::Range<usize>),
    /// These bytes of a text file, from a line start to a line start
    /// ([`line_splits`](super::line_splits)); only the part at byte 0 has
    /// the CSV header.
    Bytes(std::ops::Range<u64>),
}

/// Batches of a file, holding the columns `projection` names (indices into the
/// file's `schema`), or all of them. `req`'s hints may let the reader skip data (see
/// [`ScanRequest`]); rows it returns still need filtering. `part` narrows
/// the read to a parallel scan's part of the file.
pub fn read(
    blob: &Arc<Blob>,
    format: FileFormat,
    schema: &SchemaRef,
    projection: Option<&[usize]>,
    req: &ScanRequest,
    part: Option<FilePart>,
) -> Result<BatchIter> {
    let inner = guarded(blob, || {
        read_unguarded(blob, format, schema, projection, req, part)
    })?;
    Ok(Box::new(Guarded {
        inner,
        blob: Arc::clone(blob),
        failed: false,
    }))
}

// Without every format feature, some arguments go unused.
#[cfg_attr(
    not(all(
        feature = "csv",
        feature = "json",
        feature = "ipc",
        feature = "parquet"
    )),
    allow(unused_variables)
)]
fn read_unguarded(
    blob: &Arc<Blob>,
    format: FileFormat,
    schema: &SchemaRef,
    projection: Option<&[usize]>,
    req: &ScanRequest,
    part: Option<FilePart>,
) -> Result<BatchIter> {
    let (row_groups, bytes) = match part {
        Some(FilePart::RowGroups(r)) => (Some(r), None),
        Some(FilePart::Bytes(r)) => (None, Some(r)),
        None => (None, None),
    };
    // A text reader over the whole file or the part's bytes.
    let text = || -> std::io::Take<super::BlobReader> {
        use std::io::Read;
        let r = bytes.clone().unwrap_or(0..blob.size());
        blob.reader_at(r.start).take(r.end - r.start)
    };
    let b = Arc::clone(blob);
    let wrap =
        move |r: std::result::Result<RecordBatch, ArrowError>| r.map_err(|e| data_error(&b, e));
    match format {
        FileFormat::Csv | FileFormat::Tsv | FileFormat::Delimited(_) => {
            #[cfg(feature = "csv")]
            {
                // Only the part that starts the file has the header.
                let d = format.dialect().unwrap_or_default();
                let header = d.header && bytes.as_ref().is_none_or(|r| r.start == 0);
                let mut b = arrow_csv::ReaderBuilder::new(Arc::clone(schema))
                    .with_format(csv_format(CsvDialect { header, ..d }))
                    .with_batch_size(text_batch_rows(schema.fields().len()));
                if let Some(p) = projection {
                    b = b.with_projection(p.to_vec());
                }
                let r = b.build_buffered(text()).map_err(|e| data_error(blob, e))?;
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
                    .with_batch_size(text_batch_rows(schema.fields().len()))
                    .build(text())
                    .map_err(|e| data_error(blob, e))?;
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
                Ok(ipc_reader(blob, projection.map(|p| p.to_vec()))?.1)
            }
            #[cfg(not(feature = "ipc"))]
            {
                Err(missing("Arrow IPC"))
            }
        }
        FileFormat::Parquet => {
            #[cfg(feature = "parquet")]
            {
                let r = super::parquet::reader(blob, projection, req, row_groups, BATCH_SIZE)?;
                Ok(Box::new(r.map(wrap)))
            }
            #[cfg(not(feature = "parquet"))]
            {
                Err(missing("Parquet"))
            }
        }
    }
}
