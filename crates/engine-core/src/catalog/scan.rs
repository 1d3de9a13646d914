//! What a scan is asked for: the columns, and hints that let a table read less.
//!
//! The executor turns a filter right above a scan into [`ColumnPredicate`]s and
//! a limit right above it into [`ScanRequest::limit`]. They are hints: a table
//! may skip data that provably fails them (Parquet skips row groups and pages
//! by their statistics) but never has to, since the filter still runs above
//! the scan. [`ScanCounters`] record what was read, for `QueryStats`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::plan::ScalarValue;

/// A comparison of a table column with a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredicateOp {
    /// `column = value`
    Eq,
    /// `column <> value`
    NotEq,
    /// `column < value`
    Lt,
    /// `column <= value`
    LtEq,
    /// `column > value`
    Gt,
    /// `column >= value`
    GtEq,
    /// `column IS NULL` (the value is unused)
    IsNull,
    /// `column IS NOT NULL` (the value is unused)
    IsNotNull,
}

impl PredicateOp {
    /// The operator with its operands swapped: `5 < x` is `x > 5`.
    pub fn flip(self) -> Self {
        match self {
            PredicateOp::Lt => PredicateOp::Gt,
            PredicateOp::LtEq => PredicateOp::GtEq,
            PredicateOp::Gt => PredicateOp::Lt,
            PredicateOp::GtEq => PredicateOp::LtEq,
            other => other,
        }
    }
}

/// `column op value`, one conjunct of the filter over a scan.
#[derive(Debug, Clone)]
pub struct ColumnPredicate {
    /// The table column's name.
    pub column: String,
    /// The comparison.
    pub op: PredicateOp,
    /// The constant compared with (a NULL for `IS [NOT] NULL`).
    pub value: ScalarValue,
}

/// What was read by the scans of one query.
#[derive(Debug, Default)]
pub struct ScanCounters {
    files: AtomicU64,
    row_groups_read: AtomicU64,
    row_groups_skipped: AtomicU64,
    dictionary_skipped: AtomicU64,
    pages_skipped: AtomicU64,
    rows_read: AtomicU64,
    bytes_read: AtomicU64,
    files_planned: AtomicU64,
    files_done: AtomicU64,
}

/// A snapshot of [`ScanCounters`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanStats {
    /// Files opened.
    pub files: u64,
    /// Parquet row groups decoded.
    pub row_groups_read: u64,
    /// Parquet row groups skipped by their statistics, their dictionaries
    /// or a limit.
    pub row_groups_skipped: u64,
    /// Of those, the row groups a `column = constant` condition ruled out
    /// because the constant is not in the column's dictionary.
    pub row_groups_skipped_by_dictionary: u64,
    /// Parquet data pages ruled out by the page index, counted per condition
    /// (two conditions on one column can each rule out the same page).
    pub pages_skipped: u64,
    /// Rows the scans produced.
    pub rows_read: u64,
    /// Bytes the scans' readers were handed (from the file, a cache or the
    /// network), file metadata included.
    pub bytes_read: u64,
    /// Files the scans started so far are to read (a file split between
    /// the parts of a parallel scan counts once per part). It grows as
    /// scans start, so `files_done / files_planned` is the progress of the
    /// scans begun, not of the query.
    pub files_planned: u64,
    /// Of those, the files read to their end (once per part).
    pub files_done: u64,
}

impl ScanCounters {
    /// Counts one opened file.
    pub fn add_file(&self) {
        self.files.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts row groups decoded and skipped.
    pub fn add_row_groups(&self, read: u64, skipped: u64) {
        self.row_groups_read.fetch_add(read, Ordering::Relaxed);
        self.row_groups_skipped
            .fetch_add(skipped, Ordering::Relaxed);
    }

    /// Counts row groups ruled out by their dictionaries (also counted as
    /// skipped by [`add_row_groups`](Self::add_row_groups)).
    pub fn add_row_groups_skipped_by_dictionary(&self, n: u64) {
        self.dictionary_skipped.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts pages skipped.
    pub fn add_pages_skipped(&self, n: u64) {
        self.pages_skipped.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts rows produced.
    pub fn add_rows(&self, n: u64) {
        self.rows_read.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts bytes handed to a reader.
    pub fn add_bytes(&self, n: u64) {
        self.bytes_read.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts files a scan is about to read.
    pub fn add_files_planned(&self, n: u64) {
        self.files_planned.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one file read to its end.
    pub fn add_file_done(&self) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> ScanStats {
        ScanStats {
            files: self.files.load(Ordering::Relaxed),
            row_groups_read: self.row_groups_read.load(Ordering::Relaxed),
            row_groups_skipped: self.row_groups_skipped.load(Ordering::Relaxed),
            row_groups_skipped_by_dictionary: self.dictionary_skipped.load(Ordering::Relaxed),
            pages_skipped: self.pages_skipped.load(Ordering::Relaxed),
            rows_read: self.rows_read.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            files_planned: self.files_planned.load(Ordering::Relaxed),
            files_done: self.files_done.load(Ordering::Relaxed),
        }
    }
}

/// A scan's request: the columns wanted and hints to read less.
///
/// ```
/// use engine_core::catalog::{MemTable, ScanRequest, TableProvider};
/// # use std::sync::Arc;
/// # use arrow_array::{Int64Array, RecordBatch};
/// let batch = RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1, 2])) as _)]).unwrap();
/// let table = MemTable::try_new(batch.schema(), vec![batch]).unwrap();
/// let req = ScanRequest { limit: Some(1), ..ScanRequest::default() };
/// // A table that cannot use a hint ignores it: the engine applies the limit.
/// let rows: usize = table.scan_with(&req).unwrap().map(|b| b.unwrap().num_rows()).sum();
/// assert_eq!(rows, 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ScanRequest {
    /// The table's columns wanted, by index and in this order; all when `None`.
    pub projection: Option<Vec<usize>>,
    /// Conditions every wanted row meets (all of them).
    pub filters: Vec<ColumnPredicate>,
    /// The consumer stops after this many rows (there is no filter between).
    pub limit: Option<usize>,
    /// Where to count what was read.
    pub counters: Arc<ScanCounters>,
    /// Read only this part of the table (a parallel scan's worker). Only
    /// asked of a table whose [`partitions`](super::TableProvider::partitions)
    /// is more than 1.
    pub partition: Option<Partition>,
}

/// Part `index` of `count` of a table, for the workers of a parallel scan.
///
/// A table splits its data into units it can read on their own (Parquet row
/// groups, files, in-memory batches), in order, and part `index` is the
/// `index`-th of `count` contiguous runs of them, as even as the units allow.
/// The parts cover every row once, and reading them one after another gives
/// the table's order.
///
/// ```
/// use engine_core::catalog::Partition;
/// let p = Partition { index: 1, count: 3 };
/// assert_eq!(p.units(7), 2..4);
/// let all: Vec<_> = (0..3).flat_map(|i| Partition { index: i, count: 3 }.units(7)).collect();
/// assert_eq!(all, (0..7).collect::<Vec<_>>());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// Which part, from 0.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl Partition {
    /// The units of `total` that fall in this part.
    pub fn units(&self, total: usize) -> std::ops::Range<usize> {
        let count = self.count.max(1);
        let at = |i: usize| (total as u128 * i as u128 / count as u128) as usize;
        at(self.index.min(count))..at((self.index + 1).min(count))
    }
}
