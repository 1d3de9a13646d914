//! Window functions. The input is gathered into one batch; the calls are
//! grouped by their PARTITION BY and ORDER BY keys, and each group sorts
//! the rows once (`layout` finds the partitions and peer groups of that
//! order). Each call's arguments are put in that order, its values computed
//! there (`compute`), and put back in the input's order, so the rows come
//! out as they came in, with one column per call.

mod compute;
mod frame_aggregates;
mod layout;
mod segment;

use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_ord::sort::SortColumn;
use arrow_select::take::take;

use super::eval::evaluate;
use super::memory::array_size;
use super::{BatchMaker, ExecContext, Stream};
use crate::error::{Error, Result};
use crate::plan::{PlanSchema, SortExpr, WindowExpr};
use compute::Input;
use layout::{Frames, Layout};

/// The window operator over `input`: its rows, then one column per call.
pub(super) fn window<'a>(
    input: Stream<'a>,
    exprs: &'a [WindowExpr],
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let mut input = Some(input);
    Ok(Box::new(std::iter::from_fn(move || {
        let input = input.take()?;
        run(input, exprs, schema, ctx).transpose()
    })))
}

fn run(
    input: Stream<'_>,
    exprs: &[WindowExpr],
    schema: &PlanSchema,
    ctx: &ExecContext,
) -> Result<Option<RecordBatch>> {
    let mut held = ctx.memory.reserve("window functions");
    let batches = super::gather(input, &mut held)?;
    if batches.is_empty() {
        return Ok(None);
    }
    let batch = super::concat(&batches)?;
    drop(batches);
    let n = batch.num_rows();
    if n == 0 {
        return Ok(None);
    }
    if u32::try_from(n).is_err() {
        return Err(Error::ResourcesExhausted(format!(
            "window functions over {n} rows: at most {} rows are windowed at once",
            u32::MAX
        )));
    }
    let mut results: Vec<Option<ArrayRef>> = vec![None; exprs.len()];
    // One sort per distinct PARTITION BY / ORDER BY.
    for (first, w) in exprs.iter().enumerate() {
        if results[first].is_some() {
            continue;
        }
        let group: Vec<usize> = (first..exprs.len())
            .filter(|&j| results[j].is_none() && exprs[j].same_order(w))
            .collect();
        let order = Order::new(w, &batch, ctx, &mut held)?;
        for j in group {
            let values = order.compute(&exprs[j], &batch, ctx)?;
            held.grow(array_size(values.as_ref()))?;
            results[j] = Some(values);
        }
    }
    let mut columns = batch.columns().to_vec();
    columns.extend(results.into_iter().flatten());
    BatchMaker::new(schema).make(columns, n).map(Some)
}

/// The rows sorted by one PARTITION BY / ORDER BY.
struct Order {
    /// Sorted position → input row (`None`: already in order).
    sorted: Option<UInt32Array>,
    /// Input row → sorted position.
    back: Option<UInt32Array>,
    layout: Layout,
    /// The first ORDER BY key, sorted (RANGE frames search it).
    key: Option<ArrayRef>,
    order: Vec<SortExpr>,
}

impl Order {
    fn new(
        w: &WindowExpr,
        batch: &RecordBatch,
        ctx: &ExecContext,
        held: &mut super::Reservation,
    ) -> Result<Order> {
        let n = batch.num_rows();
        let eval = |e| evaluate(e, batch, ctx);
        let partition: Vec<ArrayRef> = w.partition_by.iter().map(eval).collect::<Result<_>>()?;
        let order: Vec<ArrayRef> = w
            .order_by
            .iter()
            .map(|k| eval(&k.expr))
            .collect::<Result<_>>()?;
        let keys: Vec<SortColumn> = partition
            .iter()
            .map(|a| SortColumn {
                values: a.clone(),
                options: None,
            })
            .chain(w.order_by.iter().zip(&order).map(|(k, a)| SortColumn {
                values: a.clone(),
                options: Some(super::sort::options(k)),
            }))
            .collect();
        held.grow(
            keys.iter()
                .map(|k| array_size(k.values.as_ref()))
                .sum::<usize>()
                + 16 * n,
        )?;
        let (sorted, back) = match keys.is_empty() {
            true => (None, None),
            false => {
                let sorted = super::sort::sort_indices(&keys, None, ctx)?;
                let mut back = vec![0u32; n];
                for (pos, &row) in sorted.values().iter().enumerate() {
                    back[row as usize] = pos as u32;
                }
                (Some(sorted), Some(UInt32Array::from(back)))
            }
        };
        let put = |a: &ArrayRef| -> Result<ArrayRef> {
            match &sorted {
                Some(s) => Ok(take(a.as_ref(), s, None)?),
                None => Ok(a.clone()),
            }
        };
        let partition: Vec<ArrayRef> = partition.iter().map(put).collect::<Result<_>>()?;
        let order_sorted: Vec<ArrayRef> = order.iter().map(put).collect::<Result<_>>()?;
        let layout = Layout::new(n, &partition, &order_sorted)?;
        Ok(Order {
            sorted,
            back,
            layout,
            key: order_sorted.into_iter().next(),
            order: w.order_by.clone(),
        })
    }

    /// Array `a` (in input order) in this order.
    fn put(&self, a: ArrayRef) -> Result<ArrayRef> {
        match &self.sorted {
            Some(s) => Ok(take(a.as_ref(), s, None)?),
            None => Ok(a),
        }
    }

    /// Call `w`'s values, in input order.
    fn compute(&self, w: &WindowExpr, batch: &RecordBatch, ctx: &ExecContext) -> Result<ArrayRef> {
        let args = w
            .args
            .iter()
            .map(|e| self.put(evaluate(e, batch, ctx)?))
            .collect::<Result<Vec<_>>>()?;
        let filter = match &w.filter {
            Some(f) => {
                let f = self.put(evaluate(f, batch, ctx)?)?;
                Some(
                    f.as_any()
                        .downcast_ref::<arrow_array::BooleanArray>()
                        .ok_or_else(|| Error::exec("internal: a FILTER that is not boolean"))?
                        .clone(),
                )
            }
            None => None,
        };
        let input = Input {
            expr: w,
            args,
            filter,
            layout: &self.layout,
            n: batch.num_rows(),
        };
        let frames = match w.func.uses_frame() {
            true => Some(Frames::new(&w.frame, &self.order, self.key.as_ref())?),
            false => None,
        };
        let values = compute::compute(&input, frames.as_ref())?;
        match &self.back {
            Some(b) => Ok(take(values.as_ref(), b, None)?),
            None => Ok(values),
        }
    }
}
