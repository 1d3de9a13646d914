//! ORDER BY. The input is gathered into [`Runs`]: rows held in memory and,
//! when holding more would pass the memory limit, sorted runs spilled to disk
//! (`spill.rs`). Without spills the held rows are sorted at once with
//! `lexsort_to_indices` and come out as one batch; with spills every run is
//! merged (a k-way merge on `arrow-row` keys), a batch at a time, so a sort
//! of more data than the limit completes. The workers of a parallel scan
//! each gather their own runs, merged the same way.
//!
//! With `LIMIT k` (top-k) a gatherer keeps the best `k` rows seen so far,
//! compacting whenever enough rows have piled up, so `ORDER BY x LIMIT 10`
//! over a huge file holds little more than a batch.

use arrow_array::RecordBatch;
use arrow_ord::sort::{lexsort_to_indices, SortColumn, SortOptions};

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

/// What one gatherer of a sort's input holds: rows in memory (unsorted) and
/// sorted runs on disk.
pub(super) struct Runs {
    pub(super) pending: Vec<RecordBatch>,
    #[cfg(feature = "ipc")]
    pub(super) spilled: Vec<super::spill::SpillFile>,
    /// The memory `pending` holds, and as much again for its sorted copy.
    pub(super) held: Reservation,
}

impl Runs {
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
                let best = sorted(&runs.pending, keys, Some(k), ctx)?;
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
    if let Some(batch) = sorted(&runs.pending, keys, None, ctx)? {
        runs.spilled.push(super::spill::SpillFile::write(&batch)?);
        runs.pending.clear();
        runs.held.resize(0)?;
        return Ok(());
    }
    let _ = (runs, keys, ctx);
    Err(why)
}

/// The sorted output of every gatherer's runs: one sorted batch when nothing
/// was spilled, else a merge of all runs.
pub(super) fn finish<'a>(
    parts: Vec<Runs>,
    keys: &'a [SortExpr],
    fetch: Option<usize>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    if parts.iter().all(|r| r.spilled() == 0) {
        let pending: Vec<RecordBatch> = parts.iter().flat_map(|r| r.pending.clone()).collect();
        let out = sorted(&pending, keys, fetch, ctx)?;
        drop(parts);
        return Ok(Box::new(out.into_iter().map(Ok)));
    }
    #[cfg(feature = "ipc")]
    return super::merge::merge(parts, keys, fetch, ctx);
    #[cfg(not(feature = "ipc"))]
    unreachable!("nothing spills without the ipc feature")
}

/// `batches` as one batch sorted by `keys`, its first `fetch` rows only when
/// given; `None` when there are no rows.
pub(super) fn sorted(
    batches: &[RecordBatch],
    keys: &[SortExpr],
    fetch: Option<usize>,
    ctx: &ExecContext,
) -> Result<Option<RecordBatch>> {
    if batches.is_empty() {
        return Ok(None);
    }
    let batch = super::concat(batches)?;
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
    let indices = lexsort_to_indices(&columns, fetch)?;
    Ok(Some(arrow_select::take::take_record_batch(
        &batch, &indices,
    )?))
}

/// The order a sort key asks for.
pub(super) fn options(k: &SortExpr) -> SortOptions {
    SortOptions {
        descending: k.descending,
        nulls_first: k.nulls_first,
    }
}
