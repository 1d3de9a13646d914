//! Reading Parquet with pushdown: only the wanted columns, only the row groups
//! (and, with a page index, the pages) whose statistics allow a match for the
//! scan's predicates — and, for `column = constant`, whose dictionaries hold
//! the constant — and no more row groups than a limit needs. A
//! `column = 'text'` condition on a string column is also decided while
//! decoding (a row filter): that column is read as keys into its dictionary
//! (the text is compared once per dictionary entry) or else as `Utf8View`
//! (views of the page's strings, no copy per row), turned back into the
//! column's type for the rows that pass, and the other columns are decoded
//! only for the matching rows.
//!
//! Skipping is conservative: a row group is dropped only when its statistics
//! prove that no row can satisfy a predicate. Unknown statistics keep it. For
//! float columns the statistics leave NaN out (NaN sorts above every number
//! here, as in PostgreSQL and DuckDB), so `>`, `>=`, `=` and `<>` on a float
//! column prune only where the file records a NaN count of zero.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, Datum, RecordBatch, Scalar, StringViewArray, UInt64Array,
};
use arrow_buffer::BooleanBuffer;
use arrow_schema::{ArrowError, DataType, Field, Schema};
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::arrow_reader::{
    ArrowPredicate, ArrowPredicateFn, ArrowReaderMetadata, ArrowReaderOptions,
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder, RowFilter, RowSelection,
    RowSelector,
};
use parquet::arrow::{parquet_column, ProjectionMask};
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::{ColumnChunkMetaData, PageIndexPolicy, ParquetMetaData};
use parquet::file::serialized_reader::SerializedPageReader;
use parquet::schema::types::SchemaDescriptor;

use super::blob::{Blob, BlobChunks, ChunkWindow};
use crate::catalog::{ColumnPredicate, PredicateOp, ScanRequest};
use crate::error::{Error, Result};

/// For each column of `schema`, the range of values of an integer or date
/// column over the whole file (from row-group statistics), when recorded.
pub(super) fn integer_ranges(
    schema: &Schema,
    parquet_schema: &SchemaDescriptor,
    meta: &ParquetMetaData,
) -> Vec<Option<(i64, i64)>> {
    schema
        .fields()
        .iter()
        .map(|f| {
            if !(crate::types::is_integer(f.data_type()) || *f.data_type() == DataType::Date32) {
                return None;
            }
            let conv = StatisticsConverter::try_new(f.name(), schema, parquet_schema).ok()?;
            let groups = meta.row_groups();
            let as_i64 = |a: ArrayRef| arrow_cast::cast(&a, &DataType::Int64).ok();
            let mins = as_i64(conv.row_group_mins(groups).ok()?)?;
            let maxes = as_i64(conv.row_group_maxes(groups).ok()?)?;
            // A row group without statistics leaves the range unknown.
            if mins.null_count() > 0 || maxes.null_count() > 0 {
                return None;
            }
            let lo =
                arrow_arith::aggregate::min(mins.as_primitive::<arrow_array::types::Int64Type>())?;
            let hi =
                arrow_arith::aggregate::max(maxes.as_primitive::<arrow_array::types::Int64Type>())?;
            Some((lo, hi))
        })
        .collect()
}

fn data_error(blob: &Blob, e: impl std::fmt::Display) -> Error {
    Error::Data {
        source_name: blob.location().to_string(),
        message: e.to_string(),
    }
}

/// A reader of `blob`'s `projection` (indices into the file's Arrow schema)
/// that skips what `req`'s predicates and limit allow, counting what it reads;
/// only the row groups in `only` when given.
pub(super) fn reader(
    blob: &Arc<Blob>,
    projection: Option<&[usize]>,
    req: &ScanRequest,
    only: Option<std::ops::Range<usize>>,
    batch_size: usize,
) -> Result<ParquetBatches> {
    let policy = if req.filters.is_empty() {
        PageIndexPolicy::Skip
    } else {
        PageIndexPolicy::Optional
    };
    let options = ArrowReaderOptions::new().with_page_index_policy(policy);
    let mut input = BlobChunks::new(Arc::clone(blob));
    let mut meta =
        ArrowReaderMetadata::load(&input, options.clone()).map_err(|e| data_error(blob, e))?;
    // Equality with a string is decided while decoding, one row group at a
    // time (`GroupByGroup`): the column is read as keys into its dictionary
    // or, where a chunk has pages without one, as views of its pages (no
    // copy per row); the other columns only for the rows that pass.
    let string_eq = string_equalities(&req.filters, meta.schema());
    // The file's own types, for its statistics and dictionaries.
    let stored = Arc::clone(meta.schema());
    if !string_eq.is_empty() {
        let file = meta.metadata();
        let descr = file.file_metadata().schema_descr();
        let fields: Vec<Field> = meta
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if !string_eq.iter().any(|(c, _)| *c == i) {
                    return f.as_ref().clone();
                }
                // A column whose every page is dictionary encoded is read as
                // the dictionary's keys: the text is compared once per
                // dictionary entry, not once per row.
                let dictionary =
                    parquet_column(descr, meta.schema(), f.name()).is_some_and(|(leaf, _)| {
                        file.row_groups()
                            .iter()
                            .all(|g| all_dictionary_encoded(g.column(leaf)))
                    });
                let hint = match dictionary {
                    true => {
                        DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                    }
                    false => DataType::Utf8View,
                };
                f.as_ref().clone().with_data_type(hint)
            })
            .collect();
        let hinted = Arc::new(Schema::new_with_metadata(
            fields,
            meta.schema().metadata().clone(),
        ));
        meta =
            ArrowReaderMetadata::try_new(Arc::clone(meta.metadata()), options.with_schema(hinted))
                .map_err(|e| data_error(blob, e))?;
    }
    // The columns read in step: the projected ones, and a row filter's.
    let descr = meta.metadata().file_metadata().schema_descr();
    let leaves = (0..descr.num_columns())
        .filter(|&i| {
            let root = descr.get_column_root_idx(i);
            projection.is_none_or(|p| p.contains(&root))
                || string_eq.iter().any(|(c, _)| *c == root)
        })
        .count();
    input.keep_for_columns(leaves);
    let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(input.clone(), meta.clone())
        .with_batch_size(batch_size);
    let projection =
        projection.map(|p| ProjectionMask::roots(b.parquet_schema(), p.iter().copied()));
    if let Some(mask) = &projection {
        b = b.with_projection(mask.clone());
    }
    let string_eq: Vec<(ProjectionMask, String)> = string_eq
        .into_iter()
        .map(|(column, value)| (ProjectionMask::roots(b.parquet_schema(), [column]), value))
        .collect();
    let file = Arc::clone(b.metadata());
    let total = file.num_row_groups();
    let mut keep: Vec<bool> = (0..total)
        .map(|i| only.as_ref().is_none_or(|r| r.contains(&i)))
        .collect();
    // Row groups outside `only` are another worker's, not skipped.
    let elsewhere = keep.iter().filter(|k| !**k).count();
    for p in &req.filters {
        if let Some(may_match) = row_groups_may_match(p, &stored, b.parquet_schema(), &file) {
            for (k, m) in keep.iter_mut().zip(may_match) {
                *k &= m;
            }
        }
    }
    if let (Some(limit), true) = (req.limit, req.filters.is_empty()) {
        // Row groups past the first `limit` rows are never needed.
        let mut rows = 0u64;
        for (i, k) in keep.iter_mut().enumerate() {
            if rows >= limit as u64 {
                *k = false;
            } else if *k {
                rows += file.row_group(i).num_rows().max(0) as u64;
            }
        }
        b = b.with_limit(limit);
    }
    let by_dictionary = dictionary_pruning(
        blob,
        &req.filters,
        &stored,
        b.parquet_schema(),
        &file,
        &mut keep,
    );
    req.counters
        .add_row_groups_skipped_by_dictionary(by_dictionary);
    let groups: Vec<usize> = (0..total).filter(|&i| keep[i]).collect();
    let mut selection = None;
    if !req.filters.is_empty() && !groups.is_empty() {
        if let Some((s, skipped)) =
            page_selection(&req.filters, &stored, b.parquet_schema(), &file, &groups)
        {
            req.counters.add_pages_skipped(skipped);
            selection = Some(s);
        }
    }
    req.counters.add_row_groups(
        groups.len() as u64,
        (total - elsewhere - groups.len()) as u64,
    );
    if string_eq.is_empty() {
        if let Some(s) = selection {
            b = b.with_row_selection(s);
        }
        let r = b
            .with_row_groups(groups)
            .build()
            .map_err(|e| data_error(blob, e))?;
        return Ok(Box::new(r));
    }
    Ok(Box::new(GroupByGroup {
        input,
        meta,
        batch_size,
        projection,
        string_eq,
        groups: groups.into_iter(),
        selection,
        current: None,
    }))
}

/// Batches of a Parquet file, as the reader hands them out.
pub(super) type ParquetBatches =
    Box<dyn Iterator<Item = std::result::Result<RecordBatch, ArrowError>> + Send>;

/// A scan with a row filter, read one row group at a time.
///
/// parquet-rs evaluates a row filter over every row group of a reader before
/// it decodes the first projected column, so the filter's column chunks are
/// read twice, far apart: the blocks [`BlobChunks`] keeps are gone by the
/// second read, and the first batch waits for the whole file. A reader per
/// row group reads each chunk once, while its blocks are kept.
struct GroupByGroup {
    input: BlobChunks,
    meta: ArrowReaderMetadata,
    batch_size: usize,
    projection: Option<ProjectionMask>,
    /// The columns decided while decoding and the text each must equal.
    string_eq: Vec<(ProjectionMask, String)>,
    groups: std::vec::IntoIter<usize>,
    /// The page index's selection over the rows of `groups`, in order.
    selection: Option<RowSelection>,
    current: Option<ParquetRecordBatchReader>,
}

impl GroupByGroup {
    fn open(&mut self, group: usize) -> parquet::errors::Result<ParquetRecordBatchReader> {
        let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(
            self.input.clone(),
            self.meta.clone(),
        )
        .with_batch_size(self.batch_size)
        .with_row_groups(vec![group]);
        if let Some(mask) = &self.projection {
            b = b.with_projection(mask.clone());
        }
        if let Some(rest) = &mut self.selection {
            let rows = self.meta.metadata().row_group(group).num_rows().max(0) as usize;
            b = b.with_row_selection(rest.split_off(rows));
        }
        let predicates = self
            .string_eq
            .iter()
            .map(|(mask, value)| {
                let mut eq = TextEquals::new(value);
                Box::new(ArrowPredicateFn::new(
                    mask.clone(),
                    move |batch: RecordBatch| eq.evaluate(batch.column(0)),
                )) as Box<dyn ArrowPredicate>
            })
            .collect();
        b.with_row_filter(RowFilter::new(predicates)).build()
    }
}

impl Iterator for GroupByGroup {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = self.current.as_mut().and_then(Iterator::next) {
                return Some(batch);
            }
            let group = self.groups.next()?;
            match self.open(group) {
                Ok(r) => self.current = Some(r),
                Err(e) => {
                    self.groups = Vec::new().into_iter();
                    self.current = None;
                    return Some(Err(e.into()));
                }
            }
        }
    }
}

/// `column = 'text'` as a row filter evaluates it: on a dictionary-encoded
/// column (read as keys into the chunk's dictionary), the text is compared
/// with each dictionary entry once, and each row looks its key up in the
/// result; on any other string layout, row by row.
struct TextEquals {
    wanted: String,
    /// The dictionary last compared, and which of its entries equal `wanted`.
    memo: Option<(ArrayRef, Vec<bool>)>,
}

impl TextEquals {
    fn new(wanted: &str) -> Self {
        TextEquals {
            wanted: wanted.to_string(),
            memo: None,
        }
    }

    fn evaluate(&mut self, column: &ArrayRef) -> std::result::Result<BooleanArray, ArrowError> {
        let Some(dict) = column.as_dictionary_opt::<Int32Type>() else {
            let wanted = arrow_cast::cast(
                &StringViewArray::from(vec![self.wanted.as_str()]),
                column.data_type(),
            )?;
            return arrow_ord::cmp::eq(column, &Scalar::new(wanted));
        };
        let values = dict.values();
        let fresh = self
            .memo
            .as_ref()
            .is_none_or(|(seen, _)| !Arc::ptr_eq(seen, values));
        if fresh {
            let equal = arrow_ord::cmp::eq(
                values,
                &Scalar::new(arrow_cast::cast(
                    &StringViewArray::from(vec![self.wanted.as_str()]),
                    values.data_type(),
                )?),
            )?;
            let table = (0..equal.len())
                .map(|i| equal.is_valid(i) && equal.value(i))
                .collect();
            self.memo = Some((Arc::clone(values), table));
        }
        let table = &self.memo.as_ref().expect("set above").1;
        let keys = dict.keys().values();
        // parquet-rs checks the keys against the dictionary; a key outside
        // it would match nothing rather than panic.
        let hits = BooleanBuffer::collect_bool(keys.len(), |i| {
            table.get(keys[i] as usize).copied().unwrap_or(false)
        });
        let hits = match dict.nulls() {
            Some(valid) => &hits & valid.inner(),
            None => hits,
        };
        Ok(BooleanArray::new(hits, None))
    }
}

/// The `column = 'text'` conditions on the file's top-level string columns:
/// (column index in `schema`, the text).
fn string_equalities(filters: &[ColumnPredicate], schema: &Schema) -> Vec<(usize, String)> {
    filters
        .iter()
        .filter(|p| p.op == PredicateOp::Eq)
        .filter_map(|p| {
            let (i, f) = schema.column_with_name(&p.column)?;
            let text = matches!(
                f.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
            .then(|| p.value.as_str())??;
            Some((i, text.to_string()))
        })
        .collect()
}

/// Drops from `keep` the row groups whose dictionaries rule out a
/// `column = constant` condition; returns how many it dropped.
///
/// A column chunk whose every data page is dictionary encoded holds only the
/// values of its dictionary page, so a constant that is not among them
/// matches no row of the group — even where the min/max statistics allow
/// it (`'b'` lies between `'a'` and `'c'`). Checked for string and 32/64-bit
/// integer columns, in the row groups the statistics kept; each check reads
/// the chunk's dictionary page alone (it ends where the first data page
/// starts), not the blocks around it, which the scan would read a second
/// time. A dictionary that cannot be read or decoded proves nothing.
fn dictionary_pruning(
    blob: &Arc<Blob>,
    filters: &[ColumnPredicate],
    schema: &Schema,
    parquet_schema: &SchemaDescriptor,
    meta: &ParquetMetaData,
    keep: &mut [bool],
) -> u64 {
    let mut dropped = 0;
    for p in filters.iter().filter(|p| p.op == PredicateOp::Eq) {
        let Some((leaf, field)) = parquet_column(parquet_schema, schema, &p.column) else {
            continue;
        };
        let physical = parquet_schema.column(leaf).physical_type();
        let Some(wanted) = dictionary_value(p, field.data_type(), physical) else {
            continue;
        };
        for (i, k) in keep.iter_mut().enumerate() {
            let group = meta.row_group(i);
            let chunk = group.column(leaf);
            if !*k || !all_dictionary_encoded(chunk) {
                continue;
            }
            let rows = group.num_rows().max(0) as usize;
            if dictionary_holds(blob, chunk, rows, &wanted) == Some(false) {
                *k = false;
                dropped += 1;
            }
        }
    }
    dropped
}

/// A constant as a dictionary page stores it (PLAIN encoding).
enum Plain {
    /// A BYTE_ARRAY value: the bytes, stored after their length.
    Bytes(Vec<u8>),
    /// An INT32 or INT64 value, little-endian.
    Fixed(Vec<u8>),
}

/// `p`'s constant as a column of `data_type` stored as `physical` holds it,
/// for the columns whose dictionaries are checked: strings, and integers
/// stored as themselves. `None` for others, or for a constant that does not
/// convert exactly.
fn dictionary_value(
    p: &ColumnPredicate,
    data_type: &DataType,
    physical: PhysicalType,
) -> Option<Plain> {
    Some(match (data_type, physical) {
        (DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View, PhysicalType::BYTE_ARRAY) => {
            Plain::Bytes(p.value.as_str()?.as_bytes().to_vec())
        }
        (DataType::Int32, PhysicalType::INT32) => {
            let v = exact_value(p, data_type)?;
            let v = v.as_primitive::<arrow_array::types::Int32Type>().value(0);
            Plain::Fixed(v.to_le_bytes().to_vec())
        }
        (DataType::Int64, PhysicalType::INT64) => {
            let v = exact_value(p, data_type)?;
            let v = v.as_primitive::<arrow_array::types::Int64Type>().value(0);
            Plain::Fixed(v.to_le_bytes().to_vec())
        }
        _ => return None,
    })
}

/// Whether every data page of `chunk` is dictionary encoded, by the page
/// encoding statistics (a writer that left them out is not trusted).
fn all_dictionary_encoded(chunk: &ColumnChunkMetaData) -> bool {
    chunk.dictionary_page_offset().is_some()
        && chunk.page_encoding_stats_mask().is_some_and(|mask| {
            mask.is_only(Encoding::PLAIN_DICTIONARY) || mask.is_only(Encoding::RLE_DICTIONARY)
        })
}

/// The largest dictionary page (with its header) read to prune a row group.
const MAX_DICTIONARY_PAGE: u64 = 16 << 20;

/// Whether `chunk`'s dictionary page holds `wanted`; `None` when the page
/// cannot be read or is not what it should be.
fn dictionary_holds(
    blob: &Blob,
    chunk: &ColumnChunkMetaData,
    rows: usize,
    wanted: &Plain,
) -> Option<bool> {
    let start = u64::try_from(chunk.dictionary_page_offset()?).ok()?;
    let end = u64::try_from(chunk.data_page_offset()).ok()?;
    // The offsets come from the file: a broken one must not read the file
    // whole. Writers keep dictionary pages to about a MiB.
    if end <= start || end - start > MAX_DICTIONARY_PAGE {
        return None;
    }
    let page = Arc::new(ChunkWindow::read(blob, start..end).ok()?);
    let mut pages = SerializedPageReader::new(page, chunk, rows, None).ok()?;
    let Page::DictionaryPage {
        buf,
        num_values,
        encoding,
        ..
    } = pages.get_next_page().ok()??
    else {
        return None;
    };
    if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
        return None;
    }
    let count = num_values as usize;
    match wanted {
        Plain::Bytes(w) => {
            let mut rest = &buf[..];
            for _ in 0..count {
                let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
                let value = rest.get(4..4 + len)?;
                if value == w.as_slice() {
                    return Some(true);
                }
                rest = &rest[4 + len..];
            }
            Some(false)
        }
        Plain::Fixed(w) => {
            let values = buf.get(..count.checked_mul(w.len())?)?;
            Some(values.chunks_exact(w.len()).any(|v| v == w.as_slice()))
        }
    }
}

/// The statistics of one column, one entry per row group or per page.
struct Stats {
    mins: ArrayRef,
    maxes: ArrayRef,
    null_counts: UInt64Array,
    nan_counts: UInt64Array,
    row_counts: Option<UInt64Array>,
}

/// For each entry of `stats`, whether a row there can satisfy `p`; `None` when
/// the predicate cannot be checked against these statistics (its constant does
/// not convert exactly to the column's type, say).
fn may_match(p: &ColumnPredicate, stats: &Stats) -> Option<Vec<bool>> {
    let n = stats.null_counts.len();
    let keep_unknown = |a: &BooleanArray| -> Vec<bool> {
        (0..a.len()).map(|i| a.is_null(i) || a.value(i)).collect()
    };
    match p.op {
        PredicateOp::IsNull => {
            return Some(
                (0..n)
                    .map(|i| stats.null_counts.is_null(i) || stats.null_counts.value(i) > 0)
                    .collect(),
            );
        }
        PredicateOp::IsNotNull => {
            let rows = stats.row_counts.as_ref()?;
            return Some(
                (0..n)
                    .map(|i| {
                        stats.null_counts.is_null(i)
                            || rows.is_null(i)
                            || stats.null_counts.value(i) < rows.value(i)
                    })
                    .collect(),
            );
        }
        _ => {}
    }
    let value = exact_value(p, stats.mins.data_type())?;
    let zero = || {
        arrow_cast::cast(&value, &DataType::Float64)
            .is_ok_and(|v| v.as_primitive::<arrow_array::types::Float64Type>().value(0) == 0.0)
    };
    if crate::types::is_float(stats.mins.data_type()) && zero() {
        // Statistics order −0.0 before 0.0, SQL calls them equal: a bound of
        // either sign says nothing about a zero constant.
        return None;
    }
    let value = Scalar::new(value);
    let (mins, maxes): (&dyn Datum, &dyn Datum) = (&stats.mins, &stats.maxes);
    let result = match p.op {
        PredicateOp::Eq => {
            let lo = arrow_ord::cmp::lt_eq(mins, &value).ok()?;
            let hi = arrow_ord::cmp::gt_eq(maxes, &value).ok()?;
            arrow_arith::boolean::and(&lo, &hi).ok()?
        }
        PredicateOp::NotEq => {
            // Only a group whose every value equals the constant fails `<>`.
            let lo = arrow_ord::cmp::eq(mins, &value).ok()?;
            let hi = arrow_ord::cmp::eq(maxes, &value).ok()?;
            arrow_arith::boolean::not(&arrow_arith::boolean::and(&lo, &hi).ok()?).ok()?
        }
        PredicateOp::Lt => arrow_ord::cmp::lt(mins, &value).ok()?,
        PredicateOp::LtEq => arrow_ord::cmp::lt_eq(mins, &value).ok()?,
        PredicateOp::Gt => arrow_ord::cmp::gt(maxes, &value).ok()?,
        PredicateOp::GtEq => arrow_ord::cmp::gt_eq(maxes, &value).ok()?,
        PredicateOp::IsNull | PredicateOp::IsNotNull => unreachable!("handled above"),
    };
    let mut keep = keep_unknown(&result);
    let nan_sensitive = crate::types::is_float(stats.mins.data_type())
        && !matches!(p.op, PredicateOp::Lt | PredicateOp::LtEq);
    if nan_sensitive {
        for (i, k) in keep.iter_mut().enumerate() {
            let no_nans = stats.nan_counts.is_valid(i) && stats.nan_counts.value(i) == 0;
            *k |= !no_nans;
        }
    }
    Some(keep)
}

/// The predicate's constant as `data_type`, when it converts without change
/// (so `x < 10.5` on an integer column is not turned into `x < 10`).
fn exact_value(p: &ColumnPredicate, data_type: &DataType) -> Option<ArrayRef> {
    let v = p.value.array();
    if v.is_null(0) {
        return None;
    }
    if v.data_type() == data_type {
        return Some(Arc::clone(v));
    }
    let cast = arrow_cast::cast(v, data_type).ok()?;
    let back = arrow_cast::cast(&cast, v.data_type()).ok()?;
    (cast.is_valid(0) && back.to_data() == v.to_data()).then_some(cast)
}

/// Row groups where `p` may hold, from their statistics; `None` if unknown.
fn row_groups_may_match(
    p: &ColumnPredicate,
    schema: &Schema,
    parquet_schema: &SchemaDescriptor,
    meta: &ParquetMetaData,
) -> Option<Vec<bool>> {
    let conv = StatisticsConverter::try_new(&p.column, schema, parquet_schema).ok()?;
    let groups = meta.row_groups();
    let stats = Stats {
        mins: conv.row_group_mins(groups).ok()?,
        maxes: conv.row_group_maxes(groups).ok()?,
        null_counts: conv.row_group_null_counts(groups).ok()?,
        nan_counts: conv.row_group_nan_counts(groups).ok()?,
        row_counts: conv.row_group_row_counts(groups).ok()?,
    };
    may_match(p, &stats)
}

/// Rows of the row groups `groups` (in order) left after dropping the pages
/// that cannot match, and how many pages were dropped; `None` without a page
/// index or when it drops nothing.
fn page_selection(
    filters: &[ColumnPredicate],
    schema: &Schema,
    parquet_schema: &SchemaDescriptor,
    meta: &ParquetMetaData,
    groups: &[usize],
) -> Option<(RowSelection, u64)> {
    let index = meta.page_index()?.as_ref();
    let mut selection: Option<RowSelection> = None;
    let mut skipped = 0;
    for p in filters {
        let Ok(conv) = StatisticsConverter::try_new(&p.column, schema, parquet_schema) else {
            continue;
        };
        let Ok(Some(row_counts)) = conv.data_page_row_counts(index, meta.row_groups(), groups)
        else {
            continue;
        };
        let stats = (|| {
            Some(Stats {
                mins: conv.data_page_mins(index, groups).ok()?,
                maxes: conv.data_page_maxes(index, groups).ok()?,
                null_counts: conv.data_page_null_counts(index, groups).ok()?,
                nan_counts: conv.data_page_nan_counts(index, groups).ok()?,
                row_counts: Some(row_counts.clone()),
            })
        })();
        let Some(keep) = stats.as_ref().and_then(|s| may_match(p, s)) else {
            continue;
        };
        if keep.len() != row_counts.len() || row_counts.null_count() > 0 {
            continue;
        }
        skipped += keep.iter().filter(|k| !**k).count() as u64;
        let selectors: Vec<RowSelector> = keep
            .iter()
            .zip(row_counts.values())
            .map(|(&k, &rows)| {
                if k {
                    RowSelector::select(rows as usize)
                } else {
                    RowSelector::skip(rows as usize)
                }
            })
            .collect();
        let s = RowSelection::from(selectors);
        selection = Some(match selection {
            Some(prev) => prev.intersection(&s),
            None => s,
        });
    }
    (skipped > 0)
        .then(|| selection.map(|s| (s, skipped)))
        .flatten()
}
