//! Hash aggregation. Each input batch's group keys are encoded as rows and
//! interned to dense group ids; each aggregate's accumulator folds the batch's
//! values into per-group state. Memory grows with the number of groups, not
//! with the input. With no GROUP BY there is exactly one group, even for no input.

mod collect;
mod distinct;
mod extremes;
pub(super) mod moments;
mod sorted;
mod sums;

use std::any::Any;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type, Int64Type};
use arrow_array::{ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::DataType;

use super::eval::{evaluate, true_mask};
use super::rowset::KeyMap;
use super::{make_batch, ExecContext, Reservation, Stream};
use crate::error::{Error, Result};
use crate::plan::{AggFunc, AggregateExpr, Expr, PlanSchema, ScalarValue};
use collect::{ArrayAgg, Ordered, Rank, StringAgg};
use distinct::Distinct;
use extremes::{Best, Pick};
use moments::Moments;
use sorted::Sorted;
use sums::{Avg, AvgExact, Count, Counted, Sum};

/// Rows of a batch folded at a time.
const CHUNK_ROWS: usize = 64 * 1024;

pub(super) fn aggregate<'a>(
    input: Stream<'a>,
    input_schema: &'a PlanSchema,
    group: &'a [Expr],
    aggs: &'a [AggregateExpr],
    seeds: &'a [Vec<ScalarValue>],
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let mut input = Some(input);
    Ok(Box::new(std::iter::from_fn(move || {
        let input = input.take()?;
        let run = || {
            let mut agg = Aggregator::new(input_schema, group, aggs, ctx)?;
            agg.seed(seeds)?;
            for batch in input {
                agg.fold(&batch?, ctx)?;
            }
            agg.finish(schema)
        };
        Some(run())
    })))
}

/// Whether an aggregation can run as partial aggregations merged at the
/// end: every aggregate but DISTINCT ones, whose seen-values sets do not merge.
pub(crate) fn mergeable(aggs: &[AggregateExpr]) -> bool {
    aggs.iter().all(|a| {
        (!a.distinct || a.func == AggFunc::CountStar) && a.func != AggFunc::ApproxCountDistinct
    })
}

/// The groups and aggregate states of one aggregation: batches fold into
/// it; a parallel step's workers each fold their part into their own, and
/// the parts are merged.
pub(super) struct Aggregator<'a> {
    group: &'a [Expr],
    aggs: &'a [AggregateExpr],
    groups: KeyMap,
    accs: Vec<Box<dyn Accumulator>>,
    ids: Vec<u32>,
    held: Reservation,
}

impl<'a> Aggregator<'a> {
    pub(super) fn new(
        input_schema: &PlanSchema,
        group: &'a [Expr],
        aggs: &'a [AggregateExpr],
        ctx: &ExecContext,
    ) -> Result<Self> {
        let key_types: Vec<DataType> = group.iter().map(|g| g.data_type(input_schema)).collect();
        Ok(Aggregator {
            group,
            aggs,
            groups: KeyMap::new(&key_types)?,
            accs: aggs
                .iter()
                .map(|a| new_accumulator(a, input_schema))
                .collect::<Result<Vec<_>>>()?,
            ids: Vec::new(),
            held: ctx.memory.reserve("GROUP BY"),
        })
    }

    /// Makes the groups with key values `seeds` exist, with no rows yet.
    pub(super) fn seed(&mut self, seeds: &[Vec<ScalarValue>]) -> Result<()> {
        if seeds.is_empty() || self.group.is_empty() {
            return Ok(());
        }
        let keys = (0..self.group.len())
            .map(|k| {
                let values: Vec<&dyn arrow_array::Array> =
                    seeds.iter().map(|s| s[k].array().as_ref()).collect();
                Ok(arrow_select::concat::concat(&values)?)
            })
            .collect::<Result<Vec<ArrayRef>>>()?;
        self.groups.intern(&keys, &mut self.ids)
    }

    fn num_groups(&self) -> usize {
        if self.group.is_empty() {
            1
        } else {
            self.groups.len()
        }
    }

    /// Folds one input batch in.
    pub(super) fn fold(&mut self, whole: &RecordBatch, ctx: &ExecContext) -> Result<()> {
        // A batch is folded in slices of at most CHUNK_ROWS rows, so the per-row
        // scratch (group ids) stays small whatever a batch claims: a 482-byte
        // malformed Arrow file declaring 671 million rows made COUNT(*) allocate
        // 2.6 GB of ids.
        for start in (0..whole.num_rows()).step_by(CHUNK_ROWS) {
            let batch = whole.slice(start, CHUNK_ROWS.min(whole.num_rows() - start));
            let n = batch.num_rows();
            self.ids.clear();
            if self.group.is_empty() {
                self.ids.resize(n, 0);
            } else {
                let keys = self
                    .group
                    .iter()
                    .map(|g| evaluate(g, &batch, ctx))
                    .collect::<Result<Vec<_>>>()?;
                self.groups.intern(&keys, &mut self.ids)?;
            }
            let num_groups = self.num_groups();
            let ids = &self.ids;
            for (agg, acc) in self.aggs.iter().zip(self.accs.iter_mut()) {
                let values = agg
                    .args
                    .iter()
                    .map(|a| evaluate(a, &batch, ctx))
                    .collect::<Result<Vec<_>>>()?;
                match &agg.filter {
                    Some(f) => {
                        let mask = true_mask(evaluate(f, &batch, ctx)?.as_boolean());
                        let keep: Vec<u32> = (0..n)
                            .filter(|&i| mask.value(i))
                            .map(|i| i as u32)
                            .collect();
                        update_kept(acc.as_mut(), &values, ids, &keep, num_groups)?;
                    }
                    None => acc.update(&values, ids, num_groups)?,
                }
            }
            self.account()?;
        }
        Ok(())
    }

    /// Counts what the groups and states hold against the memory limit.
    fn account(&mut self) -> Result<()> {
        let state: usize = self.accs.iter().map(|a| a.memory_size()).sum();
        self.held
            .resize(self.groups.memory_size() + state + 4 * self.ids.capacity())
    }

    /// Adds `other`'s groups and states (another part of the same input).
    pub(super) fn merge(&mut self, other: Aggregator<'_>) -> Result<()> {
        let mut map = Vec::new();
        if self.group.is_empty() {
            map.push(0);
        } else {
            self.groups.intern(&other.groups.keys()?, &mut map)?;
        }
        let num_groups = self.num_groups();
        for (acc, theirs) in self.accs.iter_mut().zip(other.accs) {
            acc.merge(theirs, &map, num_groups)?;
        }
        self.account()
    }

    /// The output batch: the group keys, then one column per aggregate.
    pub(super) fn finish(mut self, schema: &PlanSchema) -> Result<RecordBatch> {
        let num_groups = self.num_groups();
        let mut columns = if self.group.is_empty() {
            vec![]
        } else {
            self.groups.keys()?
        };
        for acc in self.accs.iter_mut() {
            columns.push(acc.finish(num_groups)?);
        }
        make_batch(schema, columns, num_groups)
    }
}

/// Per-group state of one aggregate (also read by window aggregates: each
/// frame is a group there).
pub(super) trait Accumulator: Send + Any {
    /// Folds `values` (the aggregate's arguments) into the groups `ids`.
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()>;
    /// Folds in `other`, an accumulator of the same aggregate over other
    /// rows, whose group `g` is this one's `map[g]`.
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], num_groups: usize) -> Result<()>;
    /// One value per group.
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef>;
    /// Bytes of state held.
    fn memory_size(&self) -> usize;
}

/// Folds the rows `keep` of `values` (whose groups are `ids`) into `acc`.
fn update_kept(
    acc: &mut dyn Accumulator,
    values: &[ArrayRef],
    ids: &[u32],
    keep: &[u32],
    num_groups: usize,
) -> Result<()> {
    let idx = UInt32Array::from(keep.to_vec());
    let values = values
        .iter()
        .map(|v| arrow_select::take::take(v.as_ref(), &idx, None))
        .collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<u32> = keep.iter().map(|&i| ids[i as usize]).collect();
    acc.update(&values, &ids, num_groups)
}

/// `other` as the accumulator type `T`: accumulators merge only with their
/// own aggregate's, made by the same `new_accumulator` call.
fn same<T: Accumulator>(other: Box<dyn Accumulator>) -> Result<Box<T>> {
    let any: Box<dyn Any> = other;
    any.downcast::<T>()
        .map_err(|_| Error::exec("internal: merging the states of different aggregates"))
}

/// Bytes a vector's buffer takes.
fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}

fn new_accumulator(agg: &AggregateExpr, input: &PlanSchema) -> Result<Box<dyn Accumulator>> {
    let types: Vec<DataType> = agg.args.iter().map(|a| a.data_type(input)).collect();
    accumulator(agg, &types)
}

/// The accumulator of `agg` over arguments of `types` (the ORDER BY keys'
/// types last).
pub(super) fn accumulator(agg: &AggregateExpr, types: &[DataType]) -> Result<Box<dyn Accumulator>> {
    // `agg(x ORDER BY k)`: the keys are the last arguments.
    let arguments = agg.args.len() - agg.order.len();
    let (types, key_types) = types.split_at(arguments);
    let arg_type = types.first().cloned().unwrap_or(DataType::Null);
    // A constant second argument: a quantile's fraction, STRING_AGG's separator.
    let constant = || match agg.args.get(1) {
        Some(Expr::Literal(v)) => Ok(v.clone()),
        _ => Err(Error::exec(format!(
            "internal: {}() without its constant argument",
            agg.func.name()
        ))),
    };
    let fraction = || {
        constant()?
            .as_f64()
            .ok_or_else(|| Error::exec("internal: a quantile's fraction is not a number"))
    };
    let inner: Box<dyn Accumulator> = match agg.func {
        AggFunc::CountStar => Box::new(Count::new(Counted::Rows)),
        AggFunc::Count | AggFunc::ApproxCountDistinct => Box::new(Count::new(Counted::Values)),
        AggFunc::CountIf => Box::new(Count::new(Counted::True)),
        AggFunc::Sum => match arg_type {
            DataType::Float64 => Box::new(Sum::<Float64Type>::new(
                "SUM overflowed a DOUBLE",
                DataType::Float64,
            )),
            DataType::Decimal128(_, s) => Box::new(Sum::<Decimal128Type>::new(
                "SUM overflowed DECIMAL(38)",
                DataType::Decimal128(38, s),
            )),
            _ => Box::new(Sum::<Int64Type>::new(
                "SUM overflowed a 64-bit integer",
                DataType::Int64,
            )),
        },
        AggFunc::Avg => match arg_type {
            // Integers and decimals sum exactly; only the mean is a float.
            DataType::Decimal128(_, s) => Box::new(AvgExact::new(s)),
            ref t if crate::types::is_integer(t) => Box::new(AvgExact::new(0)),
            _ => Box::new(Avg::new()),
        },
        AggFunc::Min | AggFunc::BoolAnd => Box::new(Best::new(&arg_type, None, Pick::Min)?),
        AggFunc::Max | AggFunc::BoolOr => Box::new(Best::new(&arg_type, None, Pick::Max)?),
        AggFunc::AnyValue => Box::new(Best::new(&arg_type, None, Pick::First)?),
        AggFunc::ArgMin | AggFunc::ArgMax => {
            let pick = match agg.func {
                AggFunc::ArgMin => Pick::Min,
                _ => Pick::Max,
            };
            Box::new(Best::new(&types[1], Some(&arg_type), pick)?)
        }
        AggFunc::ArrayAgg => Box::new(ArrayAgg::new(&arg_type)),
        AggFunc::StringAgg => Box::new(StringAgg::new(constant()?.as_str().unwrap_or(","))),
        AggFunc::Median => Box::new(Ordered::new(&arg_type, Rank::Continuous(0.5))),
        AggFunc::QuantileCont => Box::new(Ordered::new(&arg_type, Rank::Continuous(fraction()?))),
        AggFunc::QuantileDisc => Box::new(Ordered::new(&arg_type, Rank::Discrete(fraction()?))),
        AggFunc::Mode => Box::new(Ordered::new(&arg_type, Rank::Mode)),
        f => Box::new(Moments::new(f)),
    };
    let inner: Box<dyn Accumulator> = match (agg.distinct && agg.func != AggFunc::CountStar)
        || agg.func == AggFunc::ApproxCountDistinct
    {
        true => Box::new(Distinct::new(types, inner)?),
        false => inner,
    };
    if agg.order.is_empty() {
        return Ok(inner);
    }
    let keys = key_types
        .iter()
        .zip(&agg.order)
        .map(|(t, o)| arrow_row::SortField::new_with_options(t.clone(), *o))
        .collect();
    Ok(Box::new(Sorted::new(inner, arguments, keys)))
}
