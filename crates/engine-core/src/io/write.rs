//! Writing query results. A file is written to a temporary name beside the
//! target and renamed into place, so a failed write never leaves half a file.

use std::io::Write;
use std::path::Path;

use arrow_array::RecordBatch;
#[cfg_attr(not(any(feature = "parquet", feature = "json")), allow(unused_imports))]
use std::sync::Arc;

use arrow_schema::SchemaRef;

use crate::error::{Error, Result};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Arrow IPC file format.
    Arrow,
    /// Apache Parquet (zstd-compressed).
    Parquet,
}

impl OutputFormat {
    /// The format for a file name's extension, if it is one tern writes.
    ///
    /// ```
    /// use engine_core::io::OutputFormat;
    /// assert_eq!(OutputFormat::from_path("out.csv".as_ref()), Some(OutputFormat::Csv));
    /// assert_eq!(OutputFormat::from_path("out.xyz".as_ref()), None);
    /// ```
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_lowercase();
        Self::from_name(&ext)
    }

    /// The format for a name such as `csv` or `jsonl`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "csv" => OutputFormat::Csv,
            "tsv" => OutputFormat::Tsv,
            "json" => OutputFormat::Json,
            "jsonl" | "ndjson" => OutputFormat::Jsonl,
            "arrow" | "ipc" | "feather" => OutputFormat::Arrow,
            "parquet" | "pq" => OutputFormat::Parquet,
            _ => return None,
        })
    }
}

/// `batch` with its list, struct and map columns as text (`[a, b]`,
/// `{x: 1}`), which CSV has no other way to hold (as DuckDB writes them).
#[cfg(feature = "csv")]
fn nested_as_text(batch: &RecordBatch) -> Result<RecordBatch> {
    use arrow_schema::{DataType, Field, Schema};
    let nested = |t: &DataType| t.is_nested();
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| nested(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let options = arrow_cast::display::FormatOptions::default().with_null("NULL");
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if !nested(f.data_type()) {
            fields.push(f.as_ref().clone());
            columns.push(c.clone());
            continue;
        }
        let fmt = arrow_cast::display::ArrayFormatter::try_new(c.as_ref(), &options)?;
        let text: arrow_array::StringArray = (0..c.len())
            .map(|i| c.is_valid(i).then(|| fmt.value(i).to_string()))
            .collect();
        fields.push(Field::new(f.name(), DataType::Utf8, true));
        columns.push(std::sync::Arc::new(text) as arrow_array::ArrayRef);
    }
    Ok(RecordBatch::try_new(
        std::sync::Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// Writes batches in `format` to `out`.
pub fn write_to<W: Write>(
    out: W,
    format: OutputFormat,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    match format {
        OutputFormat::Csv | OutputFormat::Tsv => {
            #[cfg(feature = "csv")]
            {
                let delimiter = if format == OutputFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                let mut w = arrow_csv::WriterBuilder::new()
                    .with_header(true)
                    .with_delimiter(delimiter)
                    .build(out);
                if batches.is_empty() {
                    w.write(&nested_as_text(&RecordBatch::new_empty(schema.clone()))?)?;
                }
                for b in batches {
                    w.write(&nested_as_text(b)?)?;
                }
                Ok(())
            }
            #[cfg(not(feature = "csv"))]
            {
                let _ = (out, schema, batches);
                Err(Error::unsupported(
                    "writing CSV: this build of engine-core lacks the feature",
                ))
            }
        }
        OutputFormat::Json | OutputFormat::Jsonl => {
            #[cfg(feature = "json")]
            {
                let refs: Vec<&RecordBatch> = batches.iter().collect();
                let builder = arrow_json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .with_encoder_factory(Arc::new(json::NonFiniteFloats));
                if format == OutputFormat::Json {
                    let mut w = builder.build::<_, arrow_json::writer::JsonArray>(out);
                    w.write_batches(&refs)?;
                    w.finish()?;
                } else {
                    let mut w = builder.build::<_, arrow_json::writer::LineDelimited>(out);
                    w.write_batches(&refs)?;
                    w.finish()?;
                }
                let _ = schema;
                Ok(())
            }
            #[cfg(not(feature = "json"))]
            {
                let _ = (out, schema, batches);
                Err(Error::unsupported(
                    "writing JSON: this build of engine-core lacks the feature",
                ))
            }
        }
        OutputFormat::Parquet => {
            // Parquet's writer needs a `Send` sink: encode into memory, then copy.
            let mut buf = Vec::new();
            write_parquet(&mut buf, schema, batches)?;
            let mut out = out;
            out.write_all(&buf)
                .map_err(|e| Error::exec(format!("cannot write Parquet: {e}")))
        }
        OutputFormat::Arrow => {
            #[cfg(feature = "ipc")]
            {
                let mut w = arrow_ipc::writer::FileWriter::try_new(out, schema)?;
                for b in batches {
                    w.write(b)?;
                }
                w.finish()?;
                Ok(())
            }
            #[cfg(not(feature = "ipc"))]
            {
                let _ = (out, schema, batches);
                Err(Error::unsupported(
                    "writing Arrow IPC: this build of engine-core lacks the feature",
                ))
            }
        }
    }
}

/// Writes batches as Parquet (zstd-compressed) to a `Send` sink.
fn write_parquet<W: Write + Send>(
    out: W,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    #[cfg(feature = "parquet")]
    {
        use parquet::basic::{Compression, ZstdLevel};
        use parquet::file::properties::WriterProperties;
        let err =
            |e: parquet::errors::ParquetError| Error::exec(format!("cannot write Parquet: {e}"));
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .build();
        let mut w = parquet::arrow::ArrowWriter::try_new(out, Arc::clone(schema), Some(props))
            .map_err(err)?;
        for b in batches {
            w.write(b).map_err(err)?;
        }
        w.close().map_err(err)?;
        Ok(())
    }
    #[cfg(not(feature = "parquet"))]
    {
        let _ = (out, schema, batches);
        Err(Error::unsupported(
            "writing Parquet: this build of engine-core lacks the feature",
        ))
    }
}

/// A new file beside the target, under a name no one can guess, created
/// exclusively: `O_CREAT | O_EXCL` fails on any existing name, a symbolic
/// link included, so a link planted in a shared folder cannot redirect the
/// write (and the file is only ever removed by the process that made it).
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    use std::hash::{BuildHasher, Hasher};
    let mut last = None;
    for _ in 0..8 {
        // std seeds each RandomState from the OS's random source.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        let tmp = dir.join(format!(".{name}.tern-tmp-{:016x}", h.finish()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

/// Writes batches to `path` in `format`, atomically: the data goes to a
/// temporary file in the same folder, which replaces `path` only when complete.
pub fn write_file(
    path: &Path,
    format: OutputFormat,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    let io_err = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let (tmp, file) = create_temp(&dir, &name).map_err(io_err)?;
    let result = (|| -> Result<()> {
        let mut buf = std::io::BufWriter::new(file);
        if format == OutputFormat::Parquet {
            write_parquet(&mut buf, schema, batches)?;
        } else {
            write_to(&mut buf, format, schema, batches)?;
        }
        let file = buf.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        std::fs::rename(&tmp, path).map_err(io_err)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(feature = "json")]
mod json {
    //! Floats that JSON has no number for. arrow-json writes NaN and ±∞ as
    //! `null`, which turns a value into a missing one; tern writes `NaN`,
    //! `Infinity` and `-Infinity` as DuckDB does (JavaScript's and JSON5's
    //! spellings, read back by Python's `json` and most JSON parsers).

    use std::sync::LazyLock;

    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float16Type, Float32Type, Float64Type};
    use arrow_array::Array;
    use arrow_json::writer::{
        make_encoder, Encoder, EncoderFactory, EncoderOptions, NullableEncoder,
    };
    use arrow_schema::{ArrowError, DataType, FieldRef};

    /// The defaults, for the finite values this factory hands back to arrow.
    static PLAIN: LazyLock<EncoderOptions> = LazyLock::new(EncoderOptions::default);

    #[derive(Debug)]
    pub(super) struct NonFiniteFloats;

    impl EncoderFactory for NonFiniteFloats {
        fn make_default_encoder<'a>(
            &self,
            field: &'a FieldRef,
            array: &'a dyn Array,
            _options: &'a EncoderOptions,
        ) -> Result<Option<NullableEncoder<'a>>, ArrowError> {
            let values: Vec<f64> = match array.data_type() {
                DataType::Float64 => {
                    let v = array.as_primitive::<Float64Type>().values();
                    if v.iter().all(|v| v.is_finite()) {
                        return Ok(None);
                    }
                    v.to_vec()
                }
                DataType::Float32 => (array.as_primitive::<Float32Type>().values().iter())
                    .map(|&v| f64::from(v))
                    .collect(),
                DataType::Float16 => (array.as_primitive::<Float16Type>().values().iter())
                    .map(|v| f64::from(v.to_f32()))
                    .collect(),
                _ => return Ok(None),
            };
            if values.iter().all(|v| v.is_finite()) {
                return Ok(None);
            }
            let finite = make_encoder(field, array, &PLAIN)?;
            let nulls = array.nulls().cloned();
            Ok(Some(NullableEncoder::new(
                Box::new(FloatEncoder { values, finite }),
                nulls,
            )))
        }
    }

    struct FloatEncoder<'a> {
        values: Vec<f64>,
        finite: NullableEncoder<'a>,
    }

    impl Encoder for FloatEncoder<'_> {
        fn encode(&mut self, idx: usize, out: &mut Vec<u8>) {
            let v = self.values[idx];
            if v.is_nan() {
                out.extend_from_slice(b"NaN");
            } else if v.is_infinite() {
                out.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
            } else {
                self.finite.encode(idx, out);
            }
        }
    }
}
