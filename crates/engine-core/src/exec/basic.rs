//! Streaming operators: values, filter, project, rename, limit.

use arrow_array::cast::AsArray;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, NullArray, RecordBatch, RecordBatchOptions};
use arrow_schema::{Field, Schema};

use super::eval::{evaluate, true_mask};
use super::{evaluate_constant_in, make_batch, BatchMaker, ExecContext, Stream};
use crate::error::{Error, Result};
use crate::plan::{Expr, PlanSchema};

/// Literal rows as one batch.
pub(super) fn values<'a>(
    rows: &'a [Vec<Expr>],
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let ncols = schema.len();
    let mut columns: Vec<Vec<ArrayRef>> = vec![Vec::with_capacity(rows.len()); ncols];
    for row in rows {
        for (c, e) in row.iter().enumerate() {
            columns[c].push(std::sync::Arc::clone(evaluate_constant_in(e, ctx)?.array()));
        }
    }
    let arrays = columns
        .into_iter()
        .map(|parts| {
            let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
            Ok(arrow_select::concat::concat(&refs)?)
        })
        .collect::<Result<Vec<_>>>()?;
    let batch = make_batch(schema, arrays, rows.len())?;
    Ok(Box::new(std::iter::once(Ok(batch))))
}

/// Keeps rows where `predicate` is true.
pub(super) fn filter<'a>(
    input: Stream<'a>,
    predicate: &'a Expr,
    ctx: &'a ExecContext,
) -> Stream<'a> {
    Box::new(input.filter_map(move |b| {
        let run = || -> Result<Option<RecordBatch>> {
            let b = b?;
            let mask = evaluate(predicate, &b, ctx)?;
            let mask = mask
                .as_boolean_opt()
                .ok_or_else(|| Error::exec("filter predicate is not boolean"))?;
            let mask = true_mask(mask);
            let kept = mask.true_count();
            if kept == 0 {
                Ok(None)
            } else if kept == b.num_rows() {
                Ok(Some(b))
            } else {
                Ok(Some(filter_batch(&b, &mask)?))
            }
        };
        run().transpose()
    }))
}

/// The rows of `batch` where `mask` is true (a mask without NULLs). Like
/// arrow's `filter_record_batch`, but a column the plan pruned (all NULL, of
/// type `Null`) is made at the new length rather than copied slice by slice:
/// arrow filters a `NullArray` through its generic fallback, which cost q3 a
/// tenth of its time on the twelve pruned columns of `lineitem`.
pub(super) fn filter_batch(
    batch: &RecordBatch,
    mask: &arrow_array::BooleanArray,
) -> Result<RecordBatch> {
    let mut builder = arrow_select::filter::FilterBuilder::new(mask);
    if batch.num_columns() > 1 {
        builder = builder.optimize();
    }
    let predicate = builder.build();
    let rows = predicate.count();
    let columns = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            arrow_schema::DataType::Null => Ok(Arc::new(NullArray::new(rows)) as ArrayRef),
            _ => Ok(predicate.filter(c.as_ref())?),
        })
        .collect::<Result<Vec<_>>>()?;
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    Ok(RecordBatch::try_new_with_options(
        batch.schema(),
        columns,
        &options,
    )?)
}

/// Computes `exprs` over each batch.
pub(super) fn project<'a>(
    input: Stream<'a>,
    exprs: &'a [Expr],
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Stream<'a> {
    let mut maker = BatchMaker::new(schema);
    Box::new(input.map(move |b| {
        let b = b?;
        let columns = exprs
            .iter()
            .map(|e| evaluate(e, &b, ctx))
            .collect::<Result<Vec<_>>>()?;
        maker.make(columns, b.num_rows())
    }))
}

/// Each input batch once per list of expressions (GROUPING SETS' copies
/// of the rows), the lists in order.
pub(super) fn expand<'a>(
    input: Stream<'a>,
    lists: &'a [Vec<Expr>],
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Stream<'a> {
    let mut makers: Vec<BatchMaker> = lists.iter().map(|_| BatchMaker::new(schema)).collect();
    Box::new(input.flat_map(move |b| {
        let out: Vec<Result<RecordBatch>> = match b {
            Err(e) => vec![Err(e)],
            Ok(b) => lists
                .iter()
                .zip(makers.iter_mut())
                .map(|(list, maker)| {
                    let columns = list
                        .iter()
                        .map(|e| evaluate(e, &b, ctx))
                        .collect::<Result<Vec<_>>>()?;
                    maker.make(columns, b.num_rows())
                })
                .collect(),
        };
        out
    }))
}

/// The same columns under the plan's names.
pub(super) fn rename<'a>(input: Stream<'a>, schema: &'a PlanSchema) -> Stream<'a> {
    let mut maker = BatchMaker::new(schema);
    Box::new(input.map(move |b| {
        let b = b?;
        maker.make(b.columns().to_vec(), b.num_rows())
    }))
}

/// Skips `skip` rows, then passes at most `fetch`; stops pulling once done.
pub(super) fn limit<'a>(mut input: Stream<'a>, skip: usize, fetch: Option<usize>) -> Stream<'a> {
    let mut to_skip = skip;
    let mut left = fetch.unwrap_or(usize::MAX);
    Box::new(std::iter::from_fn(move || loop {
        if left == 0 {
            return None;
        }
        let b = match input.next()? {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        let n = b.num_rows();
        if to_skip >= n {
            to_skip -= n;
            continue;
        }
        let start = to_skip;
        to_skip = 0;
        let take = (n - start).min(left);
        left -= take;
        if take == 0 {
            continue;
        }
        return Some(Ok(b.slice(start, take)));
    }))
}

/// A scan that read only the `projection` columns, widened back to `width`
/// positions: the unread ones are `NullArray`s that nothing above reads (see
/// `plan/prune.rs`). The widened schema is built once, from the first batch, and
/// one `NullArray` per batch fills every unread position.
pub(super) fn projected_scan<'a>(
    input: crate::catalog::BatchIter,
    projection: &'a [usize],
    width: usize,
) -> Stream<'a> {
    let mut schema: Option<Arc<Schema>> = None;
    Box::new(input.map(move |b| {
        let b = b?;
        let n = b.num_rows();
        let schema = match &schema {
            Some(s) => Arc::clone(s),
            None => {
                // Unread positions are unnamed: nothing reads them, and
                // naming each cost a formatted string per column (a tenth of
                // a first query over a wide table).
                let mut fields = vec![Field::new("", arrow_schema::DataType::Null, true); width];
                for (k, &i) in projection.iter().enumerate() {
                    fields[i] = b.schema().field(k).clone();
                }
                let s = Arc::new(Schema::new(fields));
                schema = Some(Arc::clone(&s));
                s
            }
        };
        let nulls: ArrayRef = Arc::new(NullArray::new(n));
        let mut columns: Vec<ArrayRef> = vec![nulls; width];
        for (k, &i) in projection.iter().enumerate() {
            columns[i] = Arc::clone(b.column(k));
        }
        Ok(RecordBatch::try_new_with_options(
            schema,
            columns,
            &RecordBatchOptions::new().with_row_count(Some(n)),
        )?)
    }))
}
