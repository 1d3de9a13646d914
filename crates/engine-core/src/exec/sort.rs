//! ORDER BY: sorts with `lexsort_to_indices` and emits one batch. Without a
//! LIMIT it gathers the whole input first. With `LIMIT k` (top-k) it keeps the
//! best `k` rows seen so far, compacting whenever enough rows have piled up, so
//! `ORDER BY x LIMIT 10` over a huge file holds little more than a batch.

use arrow_array::RecordBatch;
use arrow_ord::sort::{lexsort_to_indices, SortColumn, SortOptions};

use super::eval::evaluate;
use super::{batch_size, batches_size, ExecContext, Stream};
use crate::error::Result;
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
    let mut input = input;
    let mut done = false;
    Ok(Box::new(std::iter::from_fn(move || {
        if done {
            return None;
        }
        done = true;
        let mut run = || -> Result<Option<RecordBatch>> {
            let mut held = ctx.memory.reserve("ORDER BY");
            let mut pending: Vec<RecordBatch> = Vec::new();
            let mut rows = 0;
            for b in input.by_ref() {
                let b = b?;
                held.grow(batch_size(&b))?;
                rows += b.num_rows();
                pending.push(b);
                if let Some(k) = fetch {
                    if rows >= (2 * k).max(COMPACT_ROWS) {
                        let best = sorted(&pending, keys, Some(k), ctx)?;
                        rows = best.as_ref().map_or(0, RecordBatch::num_rows);
                        pending = best.into_iter().collect();
                        held.resize(batches_size(&pending))?;
                    }
                }
            }
            // The sorted copy is built while the gathered rows are still held.
            held.grow(batches_size(&pending))?;
            sorted(&pending, keys, fetch, ctx)
        };
        run().transpose()
    })))
}

/// `batches` as one batch sorted by `keys`, its first `fetch` rows only when
/// given; `None` when there are no rows.
fn sorted(
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
                options: Some(SortOptions {
                    descending: k.descending,
                    nulls_first: k.nulls_first,
                }),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let indices = lexsort_to_indices(&columns, fetch)?;
    Ok(Some(arrow_select::take::take_record_batch(
        &batch, &indices,
    )?))
}
