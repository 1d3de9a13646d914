//! Hash aggregation. Each input batch's group keys are encoded as rows and
//! interned to dense group ids; each aggregate's accumulator folds the batch's
//! values into per-group state. Memory grows with the number of groups, not
//! with the input. With no GROUP BY there is exactly one group, even for no input.

use std::any::Any;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::types::{Decimal128Type, Float64Type, Int64Type};
use arrow_array::ArrowNativeTypeOp;
use arrow_array::{
    Array, ArrayRef, Float64Array, Int64Array, PrimitiveArray, RecordBatch, UInt32Array,
};
use arrow_buffer::NullBuffer;
use arrow_row::{OwnedRow, RowConverter, SortField};
use arrow_schema::DataType;

use super::eval::{evaluate, true_mask};
use super::rowset::{Interner, KeyEncoder, KeyMap};
use super::{make_batch, ExecContext, Reservation, Stream};
use crate::error::{Error, Result};
use crate::plan::{AggFunc, AggregateExpr, Expr, PlanSchema};

/// Rows of a batch folded at a time.
const CHUNK_ROWS: usize = 64 * 1024;

pub(super) fn aggregate<'a>(
    input: Stream<'a>,
    input_schema: &'a PlanSchema,
    group: &'a [Expr],
    aggs: &'a [AggregateExpr],
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let mut input = Some(input);
    Ok(Box::new(std::iter::from_fn(move || {
        let input = input.take()?;
        let run = || {
            let mut agg = Aggregator::new(input_schema, group, aggs, ctx)?;
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
    aggs.iter()
        .all(|a| !a.distinct || a.func == AggFunc::CountStar)
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
                        let idx = UInt32Array::from(keep.clone());
                        let values = values
                            .iter()
                            .map(|v| arrow_select::take::take(v.as_ref(), &idx, None))
                            .collect::<Result<Vec<_>, _>>()?;
                        let ids: Vec<u32> = keep.iter().map(|&i| ids[i as usize]).collect();
                        acc.update(&values, &ids, num_groups)?;
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

/// Per-group state of one aggregate.
trait Accumulator: Send + Any {
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
    let arg_type = agg
        .args
        .first()
        .map(|a| a.data_type(input))
        .unwrap_or(DataType::Null);
    let inner: Box<dyn Accumulator> = match agg.func {
        AggFunc::CountStar => Box::new(Count {
            counts: vec![],
            star: true,
        }),
        AggFunc::Count => Box::new(Count {
            counts: vec![],
            star: false,
        }),
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
            DataType::Decimal128(_, s) => Box::new(AvgExact {
                sums: vec![],
                counts: vec![],
                scale: s,
            }),
            ref t if crate::types::is_integer(t) => Box::new(AvgExact {
                sums: vec![],
                counts: vec![],
                scale: 0,
            }),
            _ => Box::new(Avg {
                sums: vec![],
                counts: vec![],
            }),
        },
        AggFunc::Min | AggFunc::Max => Box::new(MinMax::new(&arg_type, agg.func == AggFunc::Max)?),
        AggFunc::ArrayAgg => Box::new(ArrayAgg {
            values: vec![],
            entries: vec![],
            bytes: 0,
            data_type: arg_type.clone(),
        }),
    };
    if agg.distinct && agg.func != AggFunc::CountStar {
        return Ok(Box::new(Distinct::new(&arg_type, inner)?));
    }
    Ok(inner)
}

struct Count {
    counts: Vec<i64>,
    star: bool,
}

impl Accumulator for Count {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.counts)
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        self.counts.resize(n, 0);
        for (&g, c) in map.iter().zip(same::<Self>(other)?.counts) {
            self.counts[g as usize] += c;
        }
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        self.counts.resize(num_groups, 0);
        // Logical nulls: a NULL-typed column has no validity buffer.
        match values
            .first()
            .filter(|_| !self.star)
            .and_then(|v| v.logical_nulls())
        {
            Some(nulls) => {
                for (i, &g) in ids.iter().enumerate() {
                    if nulls.is_valid(i) {
                        self.counts[g as usize] += 1;
                    }
                }
            }
            None => {
                for &g in ids {
                    self.counts[g as usize] += 1;
                }
            }
        }
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.counts.resize(num_groups, 0);
        Ok(Arc::new(Int64Array::from(std::mem::take(&mut self.counts))))
    }
}

/// SUM over one primitive type: a sum per group, and whether the group met
/// a value (a group that met none sums to NULL). Kept apart from the sums
/// because `Option<i128>` takes 32 bytes a group, these 17: TPC-H q18 sums
/// 1.5 million decimal groups. Integer sums check for overflow
/// (`ArrowNativeTypeOp::add_checked`; a float sum never fails).
struct Sum<P: ArrowPrimitiveType> {
    sums: Vec<P::Native>,
    seen: Vec<bool>,
    /// The error when a sum overflows.
    overflow: &'static str,
    /// The result's type (a decimal's precision and scale).
    output: DataType,
}

impl<P: ArrowPrimitiveType> Sum<P> {
    fn new(overflow: &'static str, output: DataType) -> Self {
        Sum {
            sums: vec![],
            seen: vec![],
            overflow,
            output,
        }
    }

    fn resize(&mut self, n: usize) {
        self.sums.resize(n, P::Native::default());
        self.seen.resize(n, false);
    }

    #[inline]
    fn add_to(&mut self, g: usize, x: P::Native) -> Result<()> {
        let s = &mut self.sums[g];
        *s = s.add_checked(x).map_err(|_| Error::exec(self.overflow))?;
        self.seen[g] = true;
        Ok(())
    }
}

impl<P: ArrowPrimitiveType> Accumulator for Sum<P> {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.sums) + vec_bytes(&self.seen)
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        self.resize(n);
        let other = same::<Self>(other)?;
        for ((&g, x), seen) in map.iter().zip(other.sums).zip(other.seen) {
            if seen {
                self.add_to(g as usize, x)?;
            }
        }
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        self.resize(num_groups);
        let v = values[0].as_primitive::<P>();
        if v.null_count() == 0 {
            // The hot loop, written out: a call per row returning a
            // `Result` cost q1 a tenth of its instructions.
            let (sums, seen) = (&mut self.sums[..], &mut self.seen[..]);
            let mut overflowed = false;
            for (&g, &x) in ids.iter().zip(v.values().iter()) {
                let g = g as usize;
                match sums[g].add_checked(x) {
                    Ok(sum) => sums[g] = sum,
                    Err(_) => overflowed = true,
                }
                seen[g] = true;
            }
            return match overflowed {
                true => Err(Error::exec(self.overflow)),
                false => Ok(()),
            };
        }
        for (i, &g) in ids.iter().enumerate() {
            if v.is_valid(i) {
                self.add_to(g as usize, v.value(i))?;
            }
        }
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.resize(num_groups);
        let sums = std::mem::take(&mut self.sums);
        let seen = NullBuffer::from(std::mem::take(&mut self.seen));
        let a = PrimitiveArray::<P>::try_new(sums.into(), Some(seen))?
            .with_data_type(self.output.clone());
        Ok(Arc::new(a))
    }
}

struct Avg {
    sums: Vec<f64>,
    counts: Vec<i64>,
}

impl Accumulator for Avg {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.sums) + vec_bytes(&self.counts)
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        self.sums.resize(n, 0.0);
        self.counts.resize(n, 0);
        let other = same::<Self>(other)?;
        for ((&g, s), c) in map.iter().zip(other.sums).zip(other.counts) {
            self.sums[g as usize] += s;
            self.counts[g as usize] += c;
        }
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        self.sums.resize(num_groups, 0.0);
        self.counts.resize(num_groups, 0);
        let v = arrow_cast::cast(&values[0], &DataType::Float64)?;
        let v = v.as_primitive::<Float64Type>();
        if v.null_count() == 0 {
            for (&g, &x) in ids.iter().zip(v.values().iter()) {
                self.sums[g as usize] += x;
                self.counts[g as usize] += 1;
            }
            return Ok(());
        }
        for (i, &g) in ids.iter().enumerate() {
            if v.is_valid(i) {
                self.sums[g as usize] += v.value(i);
                self.counts[g as usize] += 1;
            }
        }
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.sums.resize(num_groups, 0.0);
        self.counts.resize(num_groups, 0);
        let out: Float64Array = self
            .sums
            .iter()
            .zip(&self.counts)
            .map(|(s, &c)| (c > 0).then(|| s / c as f64))
            .collect();
        Ok(Arc::new(out))
    }
}

/// AVG of integers or decimals: an exact 128-bit sum, divided once at the end
/// (so `AVG(1.10, 2.20)` is 1.65, not 1.6500000000000001).
struct AvgExact {
    sums: Vec<i128>,
    counts: Vec<i64>,
    scale: i8,
}

impl Accumulator for AvgExact {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.sums) + vec_bytes(&self.counts)
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        self.sums.resize(n, 0);
        self.counts.resize(n, 0);
        let other = same::<Self>(other)?;
        for ((&g, s), c) in map.iter().zip(other.sums).zip(other.counts) {
            let sum = &mut self.sums[g as usize];
            *sum = sum
                .checked_add(s)
                .ok_or_else(|| Error::exec("AVG overflowed its 128-bit sum"))?;
            self.counts[g as usize] += c;
        }
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        self.sums.resize(num_groups, 0);
        self.counts.resize(num_groups, 0);
        let mut add = |g: u32, x: i128| -> Result<()> {
            let s = &mut self.sums[g as usize];
            *s = s
                .checked_add(x)
                .ok_or_else(|| Error::exec("AVG overflowed its 128-bit sum"))?;
            self.counts[g as usize] += 1;
            Ok(())
        };
        match values[0].data_type() {
            DataType::Decimal128(..) => {
                let v = values[0].as_primitive::<Decimal128Type>();
                if v.null_count() == 0 {
                    for (&g, &x) in ids.iter().zip(v.values().iter()) {
                        add(g, x)?;
                    }
                    return Ok(());
                }
                for (i, &g) in ids.iter().enumerate() {
                    if v.is_valid(i) {
                        add(g, v.value(i))?;
                    }
                }
            }
            _ => {
                let v = arrow_cast::cast(&values[0], &DataType::Int64)?;
                let v = v.as_primitive::<Int64Type>();
                for (i, &g) in ids.iter().enumerate() {
                    if v.is_valid(i) {
                        add(g, v.value(i) as i128)?;
                    }
                }
            }
        }
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.sums.resize(num_groups, 0);
        self.counts.resize(num_groups, 0);
        let unit = 10f64.powi(self.scale as i32);
        let out: Float64Array = self
            .sums
            .iter()
            .zip(&self.counts)
            .map(|(&s, &c)| (c > 0).then(|| s as f64 / c as f64 / unit))
            .collect();
        Ok(Arc::new(out))
    }
}

/// MIN / MAX of any orderable type, comparing `arrow-row` encodings.
struct MinMax {
    converter: RowConverter,
    best: Vec<Option<OwnedRow>>,
    /// Bytes of the rows in `best`.
    row_bytes: usize,
    max: bool,
    data_type: DataType,
}

impl MinMax {
    fn new(t: &DataType, max: bool) -> Result<Self> {
        Ok(MinMax {
            converter: RowConverter::new(vec![SortField::new(t.clone())])?,
            best: vec![],
            row_bytes: 0,
            max,
            data_type: t.clone(),
        })
    }
}

impl Accumulator for MinMax {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.best) + self.row_bytes
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        // The other's best values, folded in as values: the best of bests.
        let mut other = same::<Self>(other)?;
        let len = other.best.len();
        let values = other.finish(len)?;
        self.update(&[values], &map[..len], n)
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        self.best.resize(num_groups, None);
        let v = &values[0];
        let rows = self.converter.convert_columns(std::slice::from_ref(v))?;
        let nulls = v.logical_nulls();
        for (i, &g) in ids.iter().enumerate() {
            if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                continue;
            }
            let row = rows.row(i);
            let slot = &mut self.best[g as usize];
            let better = match slot {
                None => true,
                Some(cur) => (row > cur.row()) == self.max && row != cur.row(),
            };
            if better {
                let old = slot.as_ref().map_or(0, |r| r.row().as_ref().len());
                self.row_bytes = self.row_bytes + row.as_ref().len() - old;
                *slot = Some(row.owned());
            }
        }
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.best.resize(num_groups, None);
        let null = self
            .converter
            .convert_columns(&[arrow_array::new_null_array(&self.data_type, 1)])?;
        let rows = self.best.iter().map(|b| match b {
            Some(r) => r.row(),
            None => null.row(0),
        });
        let mut out = self.converter.convert_rows(rows)?;
        Ok(out.remove(0))
    }
}

/// ARRAY_AGG: the argument's arrays as they came, and for each value its
/// group and place (group, array, row); grouped into lists at the end.
struct ArrayAgg {
    values: Vec<ArrayRef>,
    entries: Vec<(u32, u32, u32)>,
    /// Bytes of the arrays in `values`.
    bytes: usize,
    data_type: DataType,
}

impl Accumulator for ArrayAgg {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.entries) + self.bytes
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        let other = same::<Self>(other)?;
        let _ = n;
        let shift = self.values.len() as u32;
        self.bytes += other.bytes;
        self.values.extend(other.values);
        self.entries.extend(
            other
                .entries
                .into_iter()
                .map(|(g, a, r)| (map[g as usize], a + shift, r)),
        );
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], _: usize) -> Result<()> {
        let v = &values[0];
        let at = u32::try_from(self.values.len())
            .map_err(|_| Error::exec("ARRAY_AGG over more than 4 billion batches"))?;
        self.bytes += super::memory::array_size(v.as_ref());
        self.values.push(Arc::clone(v));
        self.entries
            .extend(ids.iter().enumerate().map(|(i, &g)| (g, at, i as u32)));
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        // A counting sort by group keeps each group's values in input order.
        let mut lengths = vec![0usize; num_groups];
        for &(g, _, _) in &self.entries {
            lengths[g as usize] += 1;
        }
        let offsets = arrow_buffer::OffsetBuffer::<i32>::from_lengths(lengths.iter().copied());
        let mut next: Vec<usize> = offsets[..num_groups].iter().map(|&o| o as usize).collect();
        let mut picks = vec![(0usize, 0usize); self.entries.len()];
        for &(g, a, r) in &self.entries {
            picks[next[g as usize]] = (a as usize, r as usize);
            next[g as usize] += 1;
        }
        let refs: Vec<&dyn Array> = self.values.iter().map(|a| a.as_ref()).collect();
        let flat = match refs.is_empty() {
            true => arrow_array::new_empty_array(&self.data_type),
            false => arrow_select::interleave::interleave(&refs, &picks)?,
        };
        // A group with no values (all filtered out) is NULL, as in DuckDB.
        let nulls =
            arrow_buffer::NullBuffer::from(lengths.iter().map(|&l| l > 0).collect::<Vec<_>>());
        let field = Arc::new(arrow_schema::Field::new_list_field(
            self.data_type.clone(),
            true,
        ));
        Ok(Arc::new(arrow_array::ListArray::try_new(
            field,
            offsets,
            flat,
            Some(nulls),
        )?))
    }
}

/// `agg(DISTINCT x)`: passes each (group, value) pair to the inner accumulator once.
struct Distinct {
    encoder: KeyEncoder,
    seen: Interner,
    inner: Box<dyn Accumulator>,
}

impl Distinct {
    fn new(t: &DataType, inner: Box<dyn Accumulator>) -> Result<Self> {
        let encoder = KeyEncoder::new(&[DataType::UInt32, t.clone()])?;
        let seen = Interner::new(&encoder);
        Ok(Distinct {
            encoder,
            seen,
            inner,
        })
    }
}

impl Accumulator for Distinct {
    fn memory_size(&self) -> usize {
        self.seen.memory_size() + self.inner.memory_size()
    }
    fn merge(&mut self, _: Box<dyn Accumulator>, _: &[u32], _: usize) -> Result<()> {
        // `mergeable` keeps DISTINCT aggregates out of partial aggregation
        // (see `physical::compile`).
        Err(Error::exec(
            "internal: DISTINCT aggregates do not merge partial states",
        ))
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        let v = &values[0];
        let gid: ArrayRef = Arc::new(UInt32Array::from(ids.to_vec()));
        let rows = self.encoder.encode(&[gid, Arc::clone(v)])?;
        let nulls = v.logical_nulls();
        let keep: Vec<u32> = (0..v.len())
            .filter(|&i| {
                nulls.as_ref().is_none_or(|n| n.is_valid(i)) && self.seen.intern(rows.row(i)).1
            })
            .map(|i| i as u32)
            .collect();
        let idx = UInt32Array::from(keep.clone());
        let v = arrow_select::take::take(v.as_ref(), &idx, None)?;
        let ids: Vec<u32> = keep.iter().map(|&i| ids[i as usize]).collect();
        self.inner.update(&[v], &ids, num_groups)
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.inner.finish(num_groups)
    }
}
