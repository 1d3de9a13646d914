//! Tables over files: one file, a glob (`data/*.parquet`, `logs/**/*.jsonl`) or
//! a folder (every readable file below it), on the local file system or in any
//! [`BlobStore`] (object stores: `s3://bucket/data/*.parquet`).
//!
//! The table's schema is the union of its files' schemas: a column missing from
//! a file reads as NULL there, and a column whose type differs between files is
//! widened to their common type; types with none are an error naming both files.
//! A scan opens the files one after another and streams their batches.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow_array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{Field, Schema, SchemaRef};

use super::{BatchIter, ScanRequest, TableProvider};
use crate::cache::ReadCache;
use crate::error::{Error, Result};
use crate::io::{
    inspect, line_splits, read, unit_bytes, Blob, BlobMeta, BlobStore, FileFormat, FilePart,
    LocalStore,
};
use crate::types::common_type;

/// A table backed by files of one format.
#[derive(Debug)]
pub struct FileTable {
    files: Vec<(Arc<Blob>, SchemaRef)>,
    format: FileFormat,
    schema: SchemaRef,
    /// Rows in all files: counted where the format records it, otherwise
    /// guessed at 100 bytes a row.
    estimated_rows: u64,
    /// Per column of `schema`, the value range over all files, where every
    /// file records one.
    ranges: Vec<Option<(i64, i64)>>,
    /// Per file, the units a parallel scan splits it into: its row groups
    /// (Parquet), else the whole file; see `splits` for text files.
    units: Vec<usize>,
    /// Per text file of at least two [`crate::io::SPLIT_BYTES`], the line starts it
    /// splits at ([`line_splits`]): found when a parallel scan first asks,
    /// since a CSV file is read through to find them.
    splits: OnceLock<Vec<Option<Vec<u64>>>>,
    /// `read_parquet(..., filename = true)`: the last column is each row's
    /// file, not read from it.
    filename: bool,
}

impl FileTable {
    /// Per file, where a split text file begins its units (see `splits`).
    fn splits(&self) -> &[Option<Vec<u64>>] {
        self.splits.get_or_init(|| {
            self.files
                .iter()
                .map(|(blob, _)| {
                    // Small and binary files answer without a read. A file
                    // that cannot be read here is read whole, and its error
                    // reported by the scan.
                    let bounds = line_splits(blob, self.format).ok()?;
                    (bounds.len() > 2).then_some(bounds)
                })
                .collect()
        })
    }

    /// Per file, the units a parallel scan splits it into.
    fn unit_counts(&self) -> Vec<usize> {
        let splits = self.splits();
        self.units
            .iter()
            .zip(splits)
            .map(|(&n, s)| s.as_ref().map_or(n, |b| b.len() - 1))
            .collect()
    }

    /// The locations of the files read, in order.
    pub fn locations(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(b, _)| b.location())
    }
}

/// Whether a table name written in SQL looks like a path rather than a table:
/// it has a readable extension, a path separator or a glob character.
pub fn looks_like_path(name: &str) -> bool {
    name.contains('/')
        || name.contains('\\')
        || name.contains('*')
        || name.contains('?')
        || FileFormat::from_path(Path::new(name)).is_some()
}

impl FileTable {
    /// A table over local files at `location`: a file, a glob or a folder.
    ///
    /// ```no_run
    /// let t = engine_core::catalog::FileTable::open("data/*.parquet").unwrap();
    /// ```
    pub fn open(location: &str) -> Result<Self> {
        Self::open_local(location, None, None)
    }

    /// A table over the files at `location` in `store`: a file, a glob, or a
    /// folder (a location ending in `/`, or one that is not a file).
    pub fn open_in(store: Arc<dyn BlobStore>, location: &str) -> Result<Self> {
        Self::open_store(store, location, None, None)
    }

    /// [`open`](Self::open), reading through `cache` when one is given.
    pub(crate) fn open_local(
        location: &str,
        cache: Option<Arc<ReadCache>>,
        format: Option<FileFormat>,
    ) -> Result<Self> {
        let store: Arc<dyn BlobStore> = Arc::new(LocalStore);
        let files = expand_local(location)?
            .into_iter()
            .map(|meta| Blob::new(Arc::clone(&store), meta).with_cache(cache.clone()))
            .collect();
        Self::from_blobs(location, files, format)
    }

    /// [`open_in`](Self::open_in), reading through `cache` when one is given.
    pub(crate) fn open_store(
        store: Arc<dyn BlobStore>,
        location: &str,
        cache: Option<Arc<ReadCache>>,
        format: Option<FileFormat>,
    ) -> Result<Self> {
        let files = expand_in(store.as_ref(), location)?
            .into_iter()
            .map(|meta| Blob::new(Arc::clone(&store), meta).with_cache(cache.clone()))
            .collect();
        Self::from_blobs(location, files, format)
    }

    /// The table over `blobs`, each read in `forced` format, else in its
    /// extension's.
    fn from_blobs(location: &str, blobs: Vec<Blob>, forced: Option<FileFormat>) -> Result<Self> {
        let mut format: Option<FileFormat> = None;
        let mut files = Vec::with_capacity(blobs.len());
        let mut estimated_rows = 0u64;
        let mut facts = Vec::with_capacity(blobs.len());
        for blob in blobs {
            let f = forced.or_else(|| FileFormat::from_path(Path::new(blob.location()))).ok_or_else(|| {
                Error::plan(format!("cannot tell the format of '{}' from its extension (csv, tsv, jsonl, arrow, parquet)", blob.location()))
            })?;
            match format {
                None => format = Some(f),
                Some(prev) if prev != f => {
                    return Err(Error::plan(format!(
                        "'{location}' mixes formats ({prev:?} and {f:?} in '{}'); one table reads one format",
                        blob.location()
                    )))
                }
                _ => {}
            }
            let blob = Arc::new(blob);
            let (schema, fact) = inspect(&blob, f)?;
            estimated_rows += fact.rows.unwrap_or(blob.size() / 100);
            facts.push(fact);
            files.push((blob, schema));
        }
        let format =
            format.ok_or_else(|| Error::plan(format!("no readable files in '{location}'")))?;
        let schema = merge_schemas(&files)?;
        let ranges = merge_ranges(&schema, &files, &facts);
        let units = facts.iter().map(|f| f.row_groups.unwrap_or(1)).collect();
        Ok(FileTable {
            ranges,
            units,
            splits: OnceLock::new(),
            files,
            format,
            schema,
            estimated_rows,
            filename: false,
        })
    }

    /// The table with a last column, `filename`, holding each row's file
    /// (DuckDB's `filename = true`); an error if the files have a column of
    /// that name.
    ///
    /// ```
    /// use engine_core::catalog::{FileTable, TableProvider};
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/virtual/planets.parquet");
    /// let table = FileTable::open(path).unwrap().with_filename().unwrap();
    /// let schema = table.schema();
    /// assert_eq!(schema.field(schema.fields().len() - 1).name(), "filename");
    /// ```
    pub fn with_filename(mut self) -> Result<Self> {
        if self.schema.index_of("filename").is_ok() {
            return Err(Error::plan(
                "the files already have a column 'filename', so filename = true cannot add one",
            ));
        }
        let mut fields: Vec<arrow_schema::FieldRef> =
            self.schema.fields().iter().cloned().collect();
        fields.push(Arc::new(arrow_schema::Field::new(
            "filename",
            arrow_schema::DataType::Utf8,
            true,
        )));
        self.schema = Arc::new(Schema::new(fields));
        self.ranges.push(None);
        self.filename = true;
        Ok(self)
    }
}

/// Each table column's value range over all files: the widest, when every
/// file records one for that column.
fn merge_ranges(
    schema: &SchemaRef,
    files: &[(Arc<Blob>, SchemaRef)],
    facts: &[crate::io::FileFacts],
) -> Vec<Option<(i64, i64)>> {
    schema
        .fields()
        .iter()
        .map(|field| {
            files
                .iter()
                .zip(facts)
                .try_fold(None, |acc: Option<(i64, i64)>, ((_, fs), fact)| {
                    let i = fs.index_of(field.name()).ok()?;
                    let (lo, hi) = (*fact.ranges.get(i)?)?;
                    Some(Some(match acc {
                        Some((a, b)) => (a.min(lo), b.max(hi)),
                        None => (lo, hi),
                    }))
                })?
        })
        .collect()
}

fn is_glob(location: &str) -> bool {
    location.contains(['*', '?', '['])
}

fn readable(meta: &BlobMeta) -> bool {
    FileFormat::from_path(Path::new(&meta.location)).is_some()
}

/// The local files a location names, sorted. A glob is matched against the
/// walk of its literal folder, as for a store (so the walk's rules hold: no
/// links to folders followed, a bounded number of entries).
fn expand_local(location: &str) -> Result<Vec<BlobMeta>> {
    if is_glob(location) {
        let literal = &location[..location.find(['*', '?', '[']).unwrap_or(location.len())];
        if literal.rfind('/').is_none() {
            // `*.csv`: walk the current folder, match names without `./`.
            let here = format!("./{location}");
            return expand_in(&LocalStore, &here);
        }
        return expand_in(&LocalStore, location);
    }
    let meta = std::fs::metadata(location).map_err(|source| Error::Io {
        path: location.to_string(),
        source,
    })?;
    if meta.is_dir() {
        let out: Vec<BlobMeta> = LocalStore
            .list(location)?
            .into_iter()
            .filter(readable)
            .collect();
        if out.is_empty() {
            return Err(Error::plan(format!(
                "no readable files (csv, tsv, jsonl, arrow, parquet) in folder '{location}'"
            )));
        }
        return Ok(out);
    }
    Ok(vec![LocalStore.head(location)?])
}

/// The files of `store` a location names, sorted: a glob is matched against
/// the listing of its literal prefix (`*` stays within one `/` segment, `**`
/// crosses them).
fn expand_in(store: &dyn BlobStore, location: &str) -> Result<Vec<BlobMeta>> {
    if is_glob(location) {
        let literal = &location[..location.find(['*', '?', '[']).unwrap_or(location.len())];
        let prefix = &literal[..literal.rfind('/').map_or(0, |i| i + 1)];
        let pattern = glob::Pattern::new(location)
            .map_err(|e| Error::plan(format!("bad glob '{location}': {e}")))?;
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..glob::MatchOptions::new()
        };
        let out: Vec<BlobMeta> = store
            .list(prefix)?
            .into_iter()
            .filter(|m| pattern.matches_with(&m.location, options))
            .collect();
        if out.is_empty() {
            return Err(Error::plan(format!("no files match '{location}'")));
        }
        return Ok(out);
    }
    if !location.ends_with('/') {
        match store.head(location) {
            Ok(meta) => return Ok(vec![meta]),
            Err(e) if FileFormat::from_path(Path::new(location)).is_some() => return Err(e),
            Err(_) => {} // no extension: perhaps a folder
        }
    }
    let folder = if location.ends_with('/') {
        location.to_string()
    } else {
        format!("{location}/")
    };
    let out: Vec<BlobMeta> = store.list(&folder)?.into_iter().filter(readable).collect();
    if out.is_empty() {
        return Err(Error::plan(format!(
            "no readable files (csv, tsv, jsonl, arrow, parquet) under '{location}'"
        )));
    }
    Ok(out)
}

/// The union of the files' columns, in first-seen order, types widened.
fn merge_schemas(files: &[(Arc<Blob>, SchemaRef)]) -> Result<SchemaRef> {
    let mut fields: Vec<(Field, usize)> = Vec::new();
    for (i, (path, schema)) in files.iter().enumerate() {
        for f in schema.fields() {
            match fields.iter_mut().find(|(g, _)| g.name() == f.name()) {
                Some((g, first)) => {
                    if g.data_type() != f.data_type() {
                        let t = common_type(g.data_type(), f.data_type()).ok_or_else(|| Error::Data {
                            source_name: path.location().to_string(),
                            message: format!(
                                "column '{}' is {} here but {} in '{}', and they have no common type",
                                f.name(),
                                f.data_type(),
                                g.data_type(),
                                files[*first].0.location()
                            ),
                        })?;
                        *g = Field::new(g.name(), t, true);
                    }
                }
                None => fields.push((Field::new(f.name(), f.data_type().clone(), true), i)),
            }
        }
    }
    Ok(Arc::new(Schema::new(
        fields.into_iter().map(|(f, _)| f).collect::<Vec<_>>(),
    )))
}

impl TableProvider for FileTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn estimated_rows(&self) -> Option<u64> {
        Some(self.estimated_rows)
    }

    fn estimated_distinct(&self, column: usize) -> Option<u64> {
        let (lo, hi) = (*self.ranges.get(column)?)?;
        let span = (hi as i128 - lo as i128 + 1).max(1);
        Some(span.min(self.estimated_rows.max(1) as i128) as u64)
    }

    fn scan(&self, projection: Option<&[usize]>) -> Result<BatchIter> {
        self.scan_with(&ScanRequest {
            projection: projection.map(<[usize]>::to_vec),
            ..ScanRequest::default()
        })
    }

    fn partitions(&self) -> usize {
        self.unit_counts().iter().sum()
    }

    fn partitions_without_reading(&self) -> Option<usize> {
        // Only a CSV or TSV file big enough to split is read to find where.
        let reads = self.format.is_delimited()
            && self.splits.get().is_none()
            && self
                .files
                .iter()
                .any(|(blob, _)| blob.size() >= 2 * crate::io::SPLIT_BYTES);
        (!reads).then(|| self.partitions())
    }

    fn scan_with(&self, req: &ScanRequest) -> Result<BatchIter> {
        let wanted: Vec<usize> = match &req.projection {
            Some(p) => p.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let req = req.clone();
        let out_schema = Arc::new(Schema::new(
            wanted
                .iter()
                .map(|&i| self.schema.field(i).clone())
                .collect::<Vec<_>>(),
        ));
        let files = self.files.clone();
        let format = self.format;
        let table_schema = Arc::clone(&self.schema);
        // Where the file's name goes in the output, when it is wanted.
        let name_column = self.schema.fields().len() - 1;
        let name_slot = match self.filename {
            true => wanted.iter().position(|&i| i == name_column),
            false => None,
        };
        // Per file, the units to read: all, or the part's share of them.
        // Only a parallel scan's part asks for the splits: a whole scan of a
        // CSV must not read it through once more to find them.
        let shares: Vec<Option<std::ops::Range<usize>>> = match req.partition {
            None => vec![None; files.len()],
            Some(p) => {
                let counts = self.unit_counts();
                let wanted = p.units(counts.iter().sum());
                let mut start = 0;
                counts
                    .iter()
                    .map(|&n| {
                        let file = start..start + n;
                        start += n;
                        // The overlap of `wanted` with this file, empty when none.
                        let hi = wanted.end.clamp(file.start, file.end);
                        let lo = wanted.start.clamp(file.start, hi);
                        Some(lo - file.start..hi - file.start)
                    })
                    .collect()
            }
        };
        let splits: Vec<Option<Vec<u64>>> = match req.partition {
            Some(_) => self.splits().to_vec(),
            None => Vec::new(),
        };
        let planned = shares
            .iter()
            .filter(|s| !s.as_ref().is_some_and(|r| r.is_empty()))
            .count();
        req.counters.add_files_planned(planned as u64);
        let counters = Arc::clone(&req.counters);
        let mut next_file = 0;
        let mut current: Option<(BatchIter, Vec<Option<usize>>, Arc<Blob>)> = None;
        let mut next = move || loop {
            if let Some((batches, slots, blob)) = &mut current {
                match batches.next() {
                    Some(Ok(b)) => {
                        req.counters.add_rows(b.num_rows() as u64);
                        let b = conform(&b, slots, &out_schema);
                        return Some(match name_slot {
                            Some(at) => b.and_then(|b| named(b, at, blob.location())),
                            None => b,
                        });
                    }
                    Some(Err(e)) => return Some(Err(e)),
                    None => {
                        req.counters.add_file_done();
                        current = None;
                    }
                }
            }
            let (blob, file_schema) = files.get(next_file)?;
            let share = shares[next_file].clone();
            let bounds = splits.get(next_file).cloned().flatten();
            next_file += 1;
            if share.as_ref().is_some_and(|r| r.is_empty()) {
                continue; // another part's file
            }
            // Which of this file's columns fill the wanted ones (None: absent, NULL).
            let mut file_projection = Vec::new();
            let slots: Vec<Option<usize>> = wanted
                .iter()
                .map(|&i| {
                    if name_slot.is_some() && i == name_column {
                        return None; // filled in after the read
                    }
                    let name = table_schema.field(i).name();
                    file_schema.index_of(name).ok().map(|fi| {
                        file_projection.push(fi);
                        file_projection.len() - 1
                    })
                })
                .collect();
            req.counters.add_file();
            // Row groups of a Parquet file, line-aligned bytes of a split
            // text file; a file read whole is one unit.
            let part = match (share, &bounds) {
                (Some(r), _) if format == FileFormat::Parquet => Some(FilePart::RowGroups(r)),
                (Some(r), Some(b)) => Some(FilePart::Bytes(unit_bytes(b, r))),
                _ => None,
            };
            match read(
                blob,
                format,
                file_schema,
                Some(&file_projection),
                &req,
                part,
            ) {
                Ok(it) => current = Some((it, slots, Arc::clone(blob))),
                Err(e) => return Some(Err(e)),
            }
        };
        Ok(Box::new(std::iter::from_fn(move || {
            crate::io::counting_reads(&counters, &mut next)
        })))
    }
}

/// `b` with column `at` holding `location` in every row.
fn named(b: RecordBatch, at: usize, location: &str) -> Result<RecordBatch> {
    let mut columns = b.columns().to_vec();
    columns[at] = Arc::new(arrow_array::StringArray::from(vec![location; b.num_rows()]));
    Ok(RecordBatch::try_new_with_options(
        b.schema(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
    )?)
}

/// A file's batch as the table's columns: absent ones NULL, types widened.
fn conform(b: &RecordBatch, slots: &[Option<usize>], schema: &SchemaRef) -> Result<RecordBatch> {
    let columns = slots
        .iter()
        .zip(schema.fields())
        .map(|(slot, f)| -> Result<ArrayRef> {
            match slot {
                Some(i) => {
                    let c = b.column(*i);
                    if c.data_type() == f.data_type() {
                        Ok(Arc::clone(c))
                    } else {
                        Ok(arrow_cast::cast(c, f.data_type())?)
                    }
                }
                None => Ok(new_null_array(f.data_type(), b.num_rows())),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new_with_options(
        Arc::clone(schema),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
    )?)
}
