//! The k-way merge behind a sort that spilled or ran in parallel: each run's
//! current batch with its sort keys as `arrow-row` rows, and a heap of the
//! runs ordered by their next row (run numbers compared through the rows, so
//! nothing is allocated per row). Output batches are built with
//! `interleave`, [`MERGE_ROWS`] rows at a time, so a merge holds one batch
//! per run beyond what the runs themselves hold.

use std::cmp::Ordering;

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, NullArray, RecordBatch, RecordBatchOptions};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::DataType;

use super::eval::evaluate;
use super::sort::{options, Runs};
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
    for mut r in parts {
        if let Some(batch) = r.take_sorted(keys, None, ctx)? {
            let slices: Vec<RecordBatch> = (0..batch.num_rows())
                .step_by(MERGE_ROWS)
                .map(|s| batch.slice(s, MERGE_ROWS.min(batch.num_rows() - s)))
                .collect();
            sources.push(Box::new(slices.into_iter().map(Ok)));
        }
        #[cfg(feature = "ipc")]
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
    /// Each run's current batch, its sort keys as rows, and its next row.
    current: Vec<Option<(RecordBatch, Rows, usize)>>,
    /// The runs with rows left, a binary min-heap by their next row (ties
    /// by run number, so equal keys come out in run order).
    heap: Vec<usize>,
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
            heap: Vec::with_capacity(n),
            converter: None,
            keys,
            ctx,
        };
        for run in 0..n {
            if m.load(run)? {
                m.heap.push(run);
                m.sift_up(m.heap.len() - 1);
            }
        }
        Ok(m)
    }

    /// Loads run `run`'s next non-empty batch; false when the run is done.
    fn load(&mut self, run: usize) -> Result<bool> {
        self.current[run] = None;
        let batch = loop {
            match self.sources[run].next().transpose()? {
                None => return Ok(false),
                Some(b) if b.num_rows() == 0 => continue,
                Some(b) => break b,
            }
        };
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
        self.current[run] = Some((batch, rows, 0));
        Ok(true)
    }

    /// Whether run `a`'s next row comes before run `b`'s.
    fn before(&self, a: usize, b: usize) -> bool {
        let next = |r: usize| {
            let (_, rows, at) = self.current[r]
                .as_ref()
                .expect("a run in the heap is loaded");
            rows.row(*at)
        };
        match next(a).cmp(&next(b)) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => a < b,
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.before(self.heap[i], self.heap[parent]) {
                break;
            }
            self.heap.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut first = i;
            if l < self.heap.len() && self.before(self.heap[l], self.heap[first]) {
                first = l;
            }
            if r < self.heap.len() && self.before(self.heap[r], self.heap[first]) {
                first = r;
            }
            if first == i {
                return;
            }
            self.heap.swap(i, first);
            i = first;
        }
    }

    /// Up to `max` rows, the smallest left; `None` when all runs are done.
    fn next_batch(&mut self, max: usize) -> Result<Option<RecordBatch>> {
        // (batch slot, row) of each output row; batches kept until built.
        let mut picks: Vec<(usize, usize)> = Vec::with_capacity(max);
        let mut batches: Vec<RecordBatch> = Vec::new();
        let mut slot: Vec<Option<usize>> = vec![None; self.current.len()];
        while picks.len() < max {
            let Some(&run) = self.heap.first() else {
                break;
            };
            let (batch, _, at) = self.current[run]
                .as_mut()
                .expect("a run in the heap is loaded");
            let s = *slot[run].get_or_insert_with(|| {
                batches.push(batch.clone());
                batches.len() - 1
            });
            picks.push((s, *at));
            *at += 1;
            if *at == batch.num_rows() {
                // The batch is done: the next one gets a slot of its own.
                slot[run] = None;
                if !self.load(run)? {
                    let last = self.heap.pop().expect("not empty");
                    if self.heap.is_empty() {
                        continue;
                    }
                    self.heap[0] = last;
                }
            }
            self.sift_down(0);
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
/// A pruned column (NULL in every batch) is made at the new length: arrow
/// interleaves a `NullArray` one row at a time through its generic fallback.
fn interleave(batches: &[&RecordBatch], picks: &[(usize, usize)]) -> Result<RecordBatch> {
    let Some(first) = batches.first() else {
        return Err(crate::error::Error::exec("no batches to merge"));
    };
    let fast = (0..first.num_columns())
        .map(|c| {
            let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
            if arrays.iter().all(|a| a.data_type() == &DataType::Null) {
                Ok(Arc::new(NullArray::new(picks.len())) as ArrayRef)
            } else {
                arrow_select::interleave::interleave(&arrays, picks)
            }
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .and_then(|columns| {
            RecordBatch::try_new_with_options(
                first.schema(),
                columns,
                &RecordBatchOptions::new().with_row_count(Some(picks.len())),
            )
        });
    match fast {
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
