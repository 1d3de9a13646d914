//! ORDER BY: gathers the input, sorts with `lexsort_to_indices` (top-k when a
//! LIMIT is known), and emits one batch.

use arrow_array::RecordBatch;
use arrow_ord::sort::{lexsort_to_indices, SortColumn, SortOptions};

use super::eval::evaluate;
use super::{ExecContext, Stream};
use crate::error::Result;
use crate::plan::SortExpr;

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
            let batches = input.by_ref().collect::<Result<Vec<_>>>()?;
            let Some(first) = batches.first() else {
                return Ok(None);
            };
            let batch = arrow_select::concat::concat_batches(&first.schema(), &batches)?;
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
        };
        run().transpose()
    })))
}
