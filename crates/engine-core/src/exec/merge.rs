//! The k-way merge behind a sort that spilled: each run's current batch
//! with its sort keys as `arrow-row` rows, and a heap of each run's next row.
//! Output batches are built with `interleave`, [`MERGE_ROWS`] rows at a time,
//! so a merge holds one batch per run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use arrow_array::RecordBatch;
use arrow_row::{OwnedRow, RowConverter, Rows, SortField};

use super::eval::evaluate;
use super::sort::{options, sorted, Runs};
use super::{ExecContext, Stream};
use crate::error::Result;
use crate::plan::SortExpr;

/// Rows per merged output batch.
const MERGE_ROWS: usize = 8192;

/// A k-way merge of every run: each run's current batch and its keys as
/// rows; a heap of each run's next row.
pub(super) fn merge<'a>(
    parts: Vec<Runs>,
    keys: &'a [SortExpr],
    fetch: Option<usize>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let mut sources: Vec<Box<dyn Iterator<Item = Result<RecordBatch>> + 'a>> = Vec::new();
    let mut held = Vec::new();
    for r in parts {
        if let Some(batch) = sorted(&r.pending, keys, None, ctx)? {
            let slices: Vec<RecordBatch> = (0..batch.num_rows())
                .step_by(MERGE_ROWS)
                .map(|s| batch.slice(s, MERGE_ROWS.min(batch.num_rows() - s)))
                .collect();
            sources.push(Box::new(slices.into_iter().map(Ok)));
        }
        for file in r.spilled {
            // Read a batch at a time; the file lives as long as its reader.
            let batches = file.read()?;
            sources.push(Box::new(batches.inspect(move |_| {
                let _ = &file;
            })));
        }
        held.push(r.held);
    }
    let mut m = Merger::new(sources, keys, ctx)?;
    let mut left = fetch.unwrap_or(usize::MAX);
    Ok(Box::new(std::iter::from_fn(move || {
        // The runs' memory stays reserved while the merge reads them.
        let _ = &held;
        if left == 0 {
            return None;
        }
        match m.next_batch(MERGE_ROWS.min(left)) {
            Ok(Some(b)) => {
                left -= b.num_rows();
                Some(Ok(b))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    })))
}

/// The runs being merged.
struct Merger<'a> {
    sources: Vec<Box<dyn Iterator<Item = Result<RecordBatch>> + 'a>>,
    /// Each run's current batch and its sort keys as rows.
    current: Vec<Option<(RecordBatch, Rows)>>,
    heap: BinaryHeap<Reverse<(OwnedRow, usize, usize)>>,
    converter: Option<RowConverter>,
    keys: &'a [SortExpr],
    ctx: &'a ExecContext,
}

impl<'a> Merger<'a> {
    fn new(
        sources: Vec<Box<dyn Iterator<Item = Result<RecordBatch>> + 'a>>,
        keys: &'a [SortExpr],
        ctx: &'a ExecContext,
    ) -> Result<Self> {
        let n = sources.len();
        let mut m = Merger {
            sources,
            current: (0..n).map(|_| None).collect(),
            heap: BinaryHeap::new(),
            converter: None,
            keys,
            ctx,
        };
        for run in 0..n {
            m.advance(run)?;
        }
        Ok(m)
    }

    /// Loads run `run`'s next batch and pushes its first row.
    fn advance(&mut self, run: usize) -> Result<()> {
        self.current[run] = None;
        let Some(batch) = self.sources[run].next().transpose()? else {
            return Ok(());
        };
        if batch.num_rows() == 0 {
            return self.advance(run);
        }
        let columns = self
            .keys
            .iter()
            .map(|k| evaluate(&k.expr, &batch, self.ctx))
            .collect::<Result<Vec<_>>>()?;
        if self.converter.is_none() {
            let fields = self
                .keys
                .iter()
                .zip(&columns)
                .map(|(k, c)| SortField::new_with_options(c.data_type().clone(), options(k)))
                .collect();
            self.converter = Some(RowConverter::new(fields)?);
        }
        let converter = self.converter.as_ref().expect("set above");
        let rows = converter.convert_columns(&columns)?;
        self.heap.push(Reverse((rows.row(0).owned(), run, 0)));
        self.current[run] = Some((batch, rows));
        Ok(())
    }

    /// Up to `max` rows, the smallest left; `None` when all runs are done.
    fn next_batch(&mut self, max: usize) -> Result<Option<RecordBatch>> {
        // (run, row) of each output row; batches by run, kept until built.
        let mut picks: Vec<(usize, usize)> = Vec::with_capacity(max);
        let mut batches: Vec<RecordBatch> = Vec::new();
        let mut slot: Vec<Option<usize>> = vec![None; self.current.len()];
        while picks.len() < max {
            let Some(Reverse((_, run, row))) = self.heap.pop() else {
                break;
            };
            let (batch, rows) = self.current[run]
                .as_ref()
                .expect("a run in the heap is loaded");
            let s = *slot[run].get_or_insert_with(|| {
                batches.push(batch.clone());
                batches.len() - 1
            });
            picks.push((s, row));
            if row + 1 < batch.num_rows() {
                let next = rows.row(row + 1).owned();
                self.heap.push(Reverse((next, run, row + 1)));
            } else {
                // The batch is done: the next one gets a slot of its own.
                slot[run] = None;
                self.advance(run)?;
            }
        }
        if picks.is_empty() {
            return Ok(None);
        }
        let refs: Vec<&RecordBatch> = batches.iter().collect();
        let batch = interleave(&refs, &picks)?;
        Ok(Some(batch))
    }
}

/// Rows picked from `batches` (whose columns may differ in type only where a
/// column the plan never reads is an untyped NULL array in some).
fn interleave(batches: &[&RecordBatch], picks: &[(usize, usize)]) -> Result<RecordBatch> {
    match arrow_select::interleave::interleave_record_batch(batches, picks) {
        Ok(b) => Ok(b),
        Err(_) => {
            let owned: Vec<RecordBatch> = batches.iter().map(|b| (*b).clone()).collect();
            let whole = super::concat(&owned)?;
            let mut offsets = vec![0; owned.len()];
            for i in 1..owned.len() {
                offsets[i] = offsets[i - 1] + owned[i - 1].num_rows();
            }
            let idx = arrow_array::UInt32Array::from_iter_values(
                picks.iter().map(|&(b, r)| (offsets[b] + r) as u32),
            );
            Ok(arrow_select::take::take_record_batch(&whole, &idx)?)
        }
    }
}
