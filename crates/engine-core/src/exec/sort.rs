//! ORDER BY. The input is gathered into [`Runs`]: rows held in memory and,
//! when holding more would pass the memory limit, sorted runs spilled to disk
//! (`spill.rs`). Without spills the held rows are sorted at once and come out
//! as one batch; with spills every run is merged (a k-way merge on
//! `arrow-row` keys, `merge.rs`), a batch at a time, so a sort of more data
//! than the limit completes. The workers of a parallel scan each gather and
//! sort their own part at the same time; the sorted parts are then merged.
//!
//! One key sorts with Arrow's sort kernel. Several keys are encoded as
//! `arrow-row` rows first, which compare as bytes: a comparison per row pair
//! instead of a dynamic comparator per key (10M rows by two keys: 2.8 s to
//! 1 s), when the memory limit has room for the rows.
//!
//! With `LIMIT k` (top-k) a gatherer keeps the best `k` rows seen so far,
//! compacting whenever enough rows have piled up, so `ORDER BY x LIMIT 10`
//! over a huge file holds little more than a batch.

use arrow_array::{RecordBatch, UInt32Array};
use arrow_ord::sort::{lexsort_to_indices, SortColumn, SortOptions};
use arrow_row::{RowConverter, SortField};

use super::eval::evaluate;
use super::{batch_size, batches_size, ExecContext, Reservation, Stream};
use crate::error::{Error, Result};
use crate::plan::SortExpr;

/// Rows gathered before a top-k compaction (at least twice `k`), so that a
/// compaction's sort is amortised over many input rows.
const COMPACT_ROWS: usize = 64 * 1024;

pub(super) fn sort<'a>(
    input: Stream<'a>,
    keys: &'a [SortExpr],
    fetch: Option<usize>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let mut input = Some(input);
    let mut merged: Option<Stream<'a>> = None;
    Ok(Box::new(std::iter::from_fn(move || {
        if let Some(input) = input.take() {
            match gather(input, keys, fetch, None, ctx)
                .and_then(|r| finish(vec![r], keys, fetch, ctx))
            {
                Ok(s) => merged = Some(s),
                Err(e) => return Some(Err(e)),
            }
        }
        merged.as_mut()?.next()
    })))
}

/// What one gatherer of a sort's input holds: rows in memory and sorted runs
/// on disk.
pub(super) struct Runs {
    /// Rows in memory: unsorted, or after [`Runs::sort`] one sorted batch.
    pub(super) pending: Vec<RecordBatch>,
    /// Whether `pending` is sorted.
    pub(super) presorted: bool,
    #[cfg(feature = "ipc")]
    pub(super) spilled: Vec<super::spill::SpillFile>,
    /// The memory `pending` holds, and as much again for its sorted copy.
    pub(super) held: Reservation,
}

impl Runs {
    /// Sorts the rows held in memory (in a parallel sort's worker, so the
    /// parts sort at the same time), keeping the first `fetch`.
    pub(super) fn sort(
        &mut self,
        keys: &[SortExpr],
        fetch: Option<usize>,
        ctx: &ExecContext,
    ) -> Result<()> {
        let batch = sorted(std::mem::take(&mut self.pending), keys, fetch, ctx)?;
        self.pending = batch.into_iter().collect();
        self.presorted = true;
        self.held.resize(2 * batches_size(&self.pending))
    }

    /// The rows held in memory as one sorted batch (the first `fetch` when
    /// given and not sorted yet); `None` when there are none.
    pub(super) fn take_sorted(
        &mut self,
        keys: &[SortExpr],
        fetch: Option<usize>,
        ctx: &ExecContext,
    ) -> Result<Option<RecordBatch>> {
        let pending = std::mem::take(&mut self.pending);
        match self.presorted {
            true => Ok(pending.into_iter().next()),
            false => sorted(pending, keys, fetch, ctx),
        }
    }

    fn rows(&self) -> usize {
        self.pending.iter().map(RecordBatch::num_rows).sum()
    }

    fn spilled(&self) -> usize {
        #[cfg(feature = "ipc")]
        return self.spilled.len();
        #[cfg(not(feature = "ipc"))]
        0
    }
}

/// Gathers `input` into runs. Each batch is reserved twice (the rows, and
/// their sorted copy to come); when that does not fit, or this gatherer
/// would hold more than `share` bytes (one of several gathering at once),
/// the rows held are sorted and spilled, and the batch is tried again.
pub(super) fn gather(
    input: Stream<'_>,
    keys: &[SortExpr],
    fetch: Option<usize>,
    share: Option<usize>,
    ctx: &ExecContext,
) -> Result<Runs> {
    let mut runs = Runs {
        pending: Vec::new(),
        presorted: false,
        #[cfg(feature = "ipc")]
        spilled: Vec::new(),
        held: ctx.memory.reserve("ORDER BY"),
    };
    let mut rows = 0;
    for b in input {
        let b = b?;
        let bytes = 2 * batch_size(&b);
        // Past its share a part spills what it holds; holding nothing, it
        // takes the batch if the pool has room.
        let over_share =
            share.is_some_and(|s| !runs.pending.is_empty() && runs.held.bytes() + bytes > s);
        let grown = match over_share {
            true => Err(Error::ResourcesExhausted(
                "ORDER BY: one part of a parallel sort passes its share of memory_limit".into(),
            )),
            false => runs.held.grow(bytes),
        };
        if let Err(e) = grown {
            spill(&mut runs, keys, ctx, e)?;
            rows = 0;
            runs.held.grow(bytes)?;
        }
        rows += b.num_rows();
        runs.pending.push(b);
        if let Some(k) = fetch {
            if rows >= (2 * k).max(COMPACT_ROWS) {
                let best = sorted(std::mem::take(&mut runs.pending), keys, Some(k), ctx)?;
                rows = best.as_ref().map_or(0, RecordBatch::num_rows);
                runs.pending = best.into_iter().collect();
                runs.held.resize(2 * batches_size(&runs.pending))?;
            }
        }
    }
    Ok(runs)
}

/// Sorts the rows `runs` holds into a spill file and lets their memory go;
/// `why` (the limit's error) is the answer when nothing can be spilled.
fn spill(runs: &mut Runs, keys: &[SortExpr], ctx: &ExecContext, why: Error) -> Result<()> {
    #[cfg(feature = "ipc")]
    if let Some(batch) = sorted(std::mem::take(&mut runs.pending), keys, None, ctx)? {
        runs.spilled.push(super::spill::SpillFile::write(&batch)?);
        runs.held.resize(0)?;
        return Ok(());
    }
    let _ = (runs, keys, ctx);
    Err(why)
}

/// The sorted output of every gatherer's runs: one sorted batch when they
/// hold one run between them, else a merge of all runs.
pub(super) fn finish<'a>(
    mut parts: Vec<Runs>,
    keys: &'a [SortExpr],
    fetch: Option<usize>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    parts.retain(|r| r.rows() > 0 || r.spilled() > 0);
    let runs: usize = parts
        .iter()
        .map(|r| r.spilled() + usize::from(r.rows() > 0))
        .sum();
    if runs <= 1 && parts.iter().all(|r| r.spilled() == 0) {
        let Some(mut part) = parts.pop() else {
            return Ok(Box::new(std::iter::empty()));
        };
        let out = part.take_sorted(keys, fetch, ctx)?;
        drop(part);
        return Ok(Box::new(out.into_iter().map(Ok)));
    }
    super::merge::merge(parts, keys, fetch, ctx)
}

/// `batches` as one batch sorted by `keys`, its first `fetch` rows only when
/// given; `None` when there are no rows. The batches are let go once copied
/// into one, so the input is not held twice while it sorts.
fn sorted(
    batches: Vec<RecordBatch>,
    keys: &[SortExpr],
    fetch: Option<usize>,
    ctx: &ExecContext,
) -> Result<Option<RecordBatch>> {
    if batches.is_empty() {
        return Ok(None);
    }
    let batch = super::concat(&batches)?;
    drop(batches);
    if batch.num_rows() == 0 {
        return Ok(None);
    }
    let columns = keys
        .iter()
        .map(|k| {
            Ok(SortColumn {
                values: evaluate(&k.expr, &batch, ctx)?,
                options: Some(options(k)),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let indices = sort_indices(&columns, fetch, ctx)?;
    Ok(Some(arrow_select::take::take_record_batch(
        &batch, &indices,
    )?))
}

/// The order of the rows of `columns` (sort keys over one batch), the first
/// `fetch` only when given. Sorted as rows, ties keep their input order.
pub(super) fn sort_indices(
    columns: &[SortColumn],
    fetch: Option<usize>,
    ctx: &ExecContext,
) -> Result<UInt32Array> {
    let n = columns.first().map_or(0, |c| c.values.len());
    if columns.len() < 2 || u32::try_from(n).is_err() {
        return Ok(lexsort_to_indices(columns, fetch)?);
    }
    let fields = columns
        .iter()
        .map(|c| {
            SortField::new_with_options(c.values.data_type().clone(), c.options.unwrap_or_default())
        })
        .collect();
    let converter = RowConverter::new(fields)?;
    // The rows cost about their keys' size plus an offset each; without
    // room for them, the kernel sorts with no extra memory.
    let mut rows_held = ctx.memory.reserve("ORDER BY");
    let estimate: usize = columns
        .iter()
        .map(|c| super::memory::array_size(c.values.as_ref()))
        .sum::<usize>()
        + n * (std::mem::size_of::<usize>() + columns.len());
    if rows_held.grow(estimate).is_err() {
        return Ok(lexsort_to_indices(columns, fetch)?);
    }
    let arrays: Vec<_> = columns.iter().map(|c| c.values.clone()).collect();
    let rows = converter.convert_columns(&arrays)?;
    // Fixed-width keys encode to rows of one length: packed into words
    // beside their index, they sort in place, without chasing offsets.
    let width = rows.row(0).as_ref().len();
    let fixed = (0..n).all(|i| rows.row(i).as_ref().len() == width);
    let words = width.div_ceil(8);
    let packable = fixed && words <= 4 && rows_held.grow(n * (8 * words + 8)).is_ok();
    let idx = match (packable, words) {
        (true, 1) => sort_packed::<1>(rows, n, fetch),
        (true, 2) => sort_packed::<2>(rows, n, fetch),
        (true, 3) => sort_packed::<3>(rows, n, fetch),
        (true, 4) => sort_packed::<4>(rows, n, fetch),
        _ => {
            let order = |a: &u32, b: &u32| {
                rows.row(*a as usize)
                    .cmp(&rows.row(*b as usize))
                    .then(a.cmp(b))
            };
            let mut idx: Vec<u32> = (0..n as u32).collect();
            top(&mut idx, fetch, order);
            idx
        }
    };
    Ok(UInt32Array::from(idx))
}

/// The order of `rows` (each `W` words or fewer long), sorting each row's
/// bytes as big-endian words beside its index; the rows are let go once
/// packed.
fn sort_packed<const W: usize>(rows: arrow_row::Rows, n: usize, fetch: Option<usize>) -> Vec<u32> {
    let mut packed: Vec<([u64; W], u32)> = (0..n)
        .map(|i| {
            let mut bytes = [0u8; 32];
            let row = rows.row(i);
            bytes[..row.as_ref().len()].copy_from_slice(row.as_ref());
            let mut words = [0u64; W];
            for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
                *w = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
            }
            (words, i as u32)
        })
        .collect();
    drop(rows);
    top(&mut packed, fetch, |a, b| a.cmp(b));
    packed.into_iter().map(|(_, i)| i).collect()
}

/// Sorts `v` by `order`, or when `fetch` is below its length puts its first
/// `fetch` in order and drops the rest.
fn top<T>(v: &mut Vec<T>, fetch: Option<usize>, order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    match fetch {
        Some(k) if k < v.len() => {
            if k > 0 {
                v.select_nth_unstable_by(k - 1, &order);
            }
            v.truncate(k);
            v.sort_unstable_by(order);
        }
        _ => v.sort_unstable_by(order),
    }
}

/// The order a sort key asks for.
pub(super) fn options(k: &SortExpr) -> SortOptions {
    SortOptions {
        descending: k.descending,
        nulls_first: k.nulls_first,
    }
}
