//! One window function's values over rows in their window's sorted order.
//! Ranking functions read the layout alone, LAG and LEAD the partition,
//! and the rest the frame: a value function by position, an aggregate
//! through prefix sums (counts, exact sums) or a segment tree (float sums,
//! MIN, MAX).

use std::ops::Range;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, UInt32Array,
};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType;

use super::frame_aggregates;
use super::layout::{Frames, Layout, Pieces};
use super::segment::SegmentTree;
use crate::error::{Error, Result};
use crate::plan::{AggFunc, FrameBound, FrameExclude, WindowExpr, WindowFunc};

/// What one call reads, in sorted order.
pub(super) struct Input<'a> {
    pub expr: &'a WindowExpr,
    pub args: Vec<ArrayRef>,
    /// Rows an aggregate's FILTER keeps (all when `None`).
    pub filter: Option<BooleanArray>,
    pub layout: &'a Layout,
    pub n: usize,
}

/// The call's values, in sorted order.
pub(super) fn compute(input: &Input, frames: Option<&Frames>) -> Result<ArrayRef> {
    let f = input.expr.func;
    match f {
        WindowFunc::RowNumber
        | WindowFunc::Rank
        | WindowFunc::DenseRank
        | WindowFunc::PercentRank
        | WindowFunc::CumeDist => Ok(ranking(input)),
        WindowFunc::Ntile => ntile(input),
        WindowFunc::Lag | WindowFunc::Lead => shifted(input, f == WindowFunc::Lead),
        WindowFunc::FirstValue | WindowFunc::LastValue | WindowFunc::NthValue => {
            let frames = frames.ok_or_else(|| Error::exec("internal: a frame expected"))?;
            value(input, frames)
        }
        WindowFunc::Aggregate(a) => {
            let frames = frames.ok_or_else(|| Error::exec("internal: a frame expected"))?;
            aggregate(input, frames, a)
        }
    }
}

/// ROW_NUMBER, RANK, DENSE_RANK, PERCENT_RANK, CUME_DIST.
fn ranking(input: &Input) -> ArrayRef {
    let n = input.n;
    let mut ints = Vec::with_capacity(n);
    let mut floats = Vec::new();
    let func = input.expr.func;
    let _ = input.layout.each(|p, peers| {
        let rows = p.len();
        for (g, peer) in peers.iter().enumerate() {
            for i in peer.clone() {
                match func {
                    WindowFunc::RowNumber => ints.push((i - p.start + 1) as i64),
                    WindowFunc::Rank => ints.push((peer.start - p.start + 1) as i64),
                    WindowFunc::DenseRank => ints.push(g as i64 + 1),
                    WindowFunc::PercentRank => floats.push(match rows {
                        1 => 0.0,
                        _ => (peer.start - p.start) as f64 / (rows - 1) as f64,
                    }),
                    _ => floats.push((peer.end - p.start) as f64 / rows as f64),
                }
            }
        }
        Ok(())
    });
    match func {
        WindowFunc::PercentRank | WindowFunc::CumeDist => Arc::new(Float64Array::from(floats)),
        _ => Arc::new(Int64Array::from(ints)),
    }
}

/// NTILE(k): rows split into k buckets whose sizes differ by at most one,
/// the larger first.
fn ntile(input: &Input) -> Result<ArrayRef> {
    let k = int_arg(input, 0, "NTILE")?;
    let mut out = Int64Array::builder(input.n);
    input.layout.each(|p, _| {
        let rows = p.len() as i64;
        for i in p.clone() {
            if k.is_null(i) {
                out.append_null();
                continue;
            }
            let buckets = k.value(i);
            if buckets <= 0 {
                return Err(Error::exec(format!(
                    "NTILE needs a positive number of buckets, got {buckets}"
                )));
            }
            let r = (i - p.start) as i64;
            let (q, rem) = (rows / buckets, rows % buckets);
            let bucket = match r < rem * (q + 1) {
                true => r / (q + 1),
                false => rem + (r - rem * (q + 1)) / q.max(1),
            };
            out.append_value(bucket + 1);
        }
        Ok(())
    })?;
    Ok(Arc::new(out.finish()))
}

/// Argument `at` as BIGINT values.
fn int_arg(input: &Input, at: usize, name: &str) -> Result<Int64Array> {
    let a = input
        .args
        .get(at)
        .ok_or_else(|| Error::exec(format!("internal: {name} without its argument")))?;
    let a = arrow_cast::cast(a, &DataType::Int64)?;
    Ok(a.as_primitive::<Int64Type>().clone())
}

/// The positions of a column's non-NULL values, for IGNORE NULLS: `before[i]`
/// counts those before row `i`, `at[k]` is the k-th one's row.
struct Valid {
    before: Vec<u32>,
    at: Vec<u32>,
}

impl Valid {
    fn new(a: &ArrayRef) -> Valid {
        let nulls = a.logical_nulls();
        let mut before = Vec::with_capacity(a.len() + 1);
        let mut at = Vec::new();
        for i in 0..a.len() {
            before.push(at.len() as u32);
            if nulls.as_ref().is_none_or(|m| m.is_valid(i)) {
                at.push(i as u32);
            }
        }
        before.push(at.len() as u32);
        Valid { before, at }
    }

    /// The `k`-th (0-based) non-NULL row in `r`.
    fn nth(&self, r: &Range<usize>, k: usize) -> Option<usize> {
        let idx = self.before[r.start] as usize + k;
        (idx < self.before[r.end] as usize).then(|| self.at[idx] as usize)
    }

    /// The `k`-th (0-based) non-NULL row in `r`, counting from its end.
    fn nth_back(&self, r: &Range<usize>, k: usize) -> Option<usize> {
        let last = (self.before[r.end] as usize).checked_sub(k + 1)?;
        (last >= self.before[r.start] as usize).then(|| self.at[last] as usize)
    }
}

/// LAG and LEAD: the value `offset` rows before or after, within the
/// partition, else the default.
fn shifted(input: &Input, lead: bool) -> Result<ArrayRef> {
    let value = &input.args[0];
    let name = input.expr.func.name();
    let offsets = match input.args.len() > 1 {
        true => Some(int_arg(input, 1, name)?),
        false => None,
    };
    let valid = input.expr.ignore_nulls.then(|| Valid::new(value));
    let mut idx = UInt32Array::builder(input.n);
    let mut from_default = Vec::with_capacity(input.n);
    input.layout.each(|p, _| {
        for i in p.clone() {
            let off = match &offsets {
                Some(o) if o.is_null(i) => {
                    idx.append_null();
                    from_default.push(false);
                    continue;
                }
                Some(o) => o.value(i),
                None => 1,
            };
            // LAG(x, -1) is LEAD(x, 1).
            let forward = lead == (off >= 0);
            let k = off.unsigned_abs() as usize;
            let target = match (&valid, forward) {
                (None, true) => i.checked_add(k).filter(|&t| t < p.end),
                (None, false) => i.checked_sub(k).filter(|&t| t >= p.start),
                (Some(_), _) if k == 0 => Some(i),
                (Some(v), true) => v.nth(&(i + 1..p.end), k - 1),
                (Some(v), false) => v.nth_back(&(p.start..i), k - 1),
            };
            match target {
                Some(t) => {
                    idx.append_value(t as u32);
                    from_default.push(false);
                }
                None => {
                    idx.append_null();
                    from_default.push(true);
                }
            }
        }
        Ok(())
    })?;
    let taken = arrow_select::take::take(value.as_ref(), &idx.finish(), None)?;
    match input.args.get(2) {
        Some(default) => {
            let mask = BooleanArray::from(from_default);
            Ok(arrow_select::zip::zip(&mask, default, &taken)?)
        }
        None => Ok(taken),
    }
}

/// FIRST_VALUE, LAST_VALUE, NTH_VALUE: a row of the frame, by position.
fn value(input: &Input, frames: &Frames) -> Result<ArrayRef> {
    let value = &input.args[0];
    let func = input.expr.func;
    let nth = match func {
        WindowFunc::NthValue => Some(int_arg(input, 1, "NTH_VALUE")?),
        _ => None,
    };
    let valid = input.expr.ignore_nulls.then(|| Valid::new(value));
    // Rows of `r`, non-NULL ones only with IGNORE NULLS: the k-th from
    // the start or the end.
    let pick = |r: &Range<usize>, k: usize, back: bool| -> Option<usize> {
        match (&valid, back) {
            (Some(v), false) => v.nth(r, k),
            (Some(v), true) => v.nth_back(r, k),
            (None, false) => (k < r.len()).then(|| r.start + k),
            (None, true) => (k < r.len()).then(|| r.end - 1 - k),
        }
    };
    let count = |r: &Range<usize>| match &valid {
        Some(v) => (v.before[r.end] - v.before[r.start]) as usize,
        None => r.len(),
    };
    let mut idx = UInt32Array::builder(input.n);
    each_frame(input, frames, |i, pieces| {
        let found = match func {
            WindowFunc::FirstValue => pieces
                .iter()
                .filter(|r| !r.is_empty())
                .find_map(|r| pick(r, 0, false)),
            WindowFunc::LastValue => pieces
                .iter()
                .rev()
                .filter(|r| !r.is_empty())
                .find_map(|r| pick(r, 0, true)),
            _ => {
                let n = nth.as_ref().expect("NTH_VALUE's n");
                if n.is_null(i) {
                    None
                } else {
                    let k = n.value(i);
                    if k <= 0 {
                        return Err(Error::exec(format!(
                            "NTH_VALUE counts rows from 1, got {k}"
                        )));
                    }
                    let mut k = (k - 1) as usize;
                    let mut found = None;
                    for r in pieces.iter().filter(|r| !r.is_empty()) {
                        let c = count(r);
                        if k < c {
                            found = pick(r, k, false);
                            break;
                        }
                        k -= c;
                    }
                    found
                }
            }
        };
        match found {
            Some(t) => idx.append_value(t as u32),
            None => idx.append_null(),
        }
        Ok(())
    })?;
    Ok(arrow_select::take::take(
        value.as_ref(),
        &idx.finish(),
        None,
    )?)
}

/// Calls `f(row, its frame)` for every row, in order.
pub(super) fn each_frame(
    input: &Input,
    frames: &Frames,
    mut f: impl FnMut(usize, &Pieces) -> Result<()>,
) -> Result<()> {
    input.layout.each(|p, peers| {
        for (g, peer) in peers.iter().enumerate() {
            for i in peer.clone() {
                let pieces = frames.pieces(i, p, peers, g)?;
                f(i, &pieces)?;
            }
        }
        Ok(())
    })
}

/// Whether every frame is small enough (at most 32 rows) that reading its
/// rows costs less than building and asking a segment tree.
fn small(frames: &Frames) -> bool {
    frames.max_rows().is_some_and(|n| n <= 32)
}

/// Prefix sums of `values`: `out[i]` is the sum of the first `i`.
pub(super) fn prefix<T: Copy + std::ops::Add<Output = T>>(
    values: impl Iterator<Item = T>,
    zero: T,
) -> Vec<T> {
    let mut out = vec![zero];
    let mut acc = zero;
    for v in values {
        acc = acc + v;
        out.push(acc);
    }
    out
}

/// An aggregate over each row's frame.
fn aggregate(input: &Input, frames: &Frames, func: AggFunc) -> Result<ArrayRef> {
    let n = input.n;
    // Which rows the aggregate reads: FILTER keeps them, and all but
    // COUNT(*) skip NULLs.
    let arg = input.args.first();
    // (ARG_MIN's and the two-variable statistics' rows need both values.)
    let nulls: Vec<_> = input
        .args
        .iter()
        .filter_map(|a| a.logical_nulls())
        .collect();
    let kept: Vec<bool> = (0..n)
        .map(|i| {
            input
                .filter
                .as_ref()
                .is_none_or(|f| f.is_valid(i) && f.value(i))
                && nulls.iter().all(|m| m.is_valid(i))
        })
        .collect();
    // (At most u32::MAX rows are windowed at once.)
    let counts = prefix(kept.iter().map(|&k| k as u32), 0u32);
    let count = |pieces: &Pieces| -> u64 {
        pieces
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| (counts[r.end] - counts[r.start]) as u64)
            .sum()
    };
    if input.expr.distinct {
        // Frames that only grow add each row once; others are read whole.
        let frame = &input.expr.frame;
        let growing = frame.start == FrameBound::UnboundedPreceding
            && frame.exclude == FrameExclude::NoOthers;
        return match func {
            AggFunc::Count | AggFunc::CountStar | AggFunc::Sum | AggFunc::Avg if growing => {
                distinct(input, frames, func, &kept)
            }
            _ => frame_aggregates::by_groups(input, frames, func),
        };
    }
    match func {
        AggFunc::CountStar | AggFunc::Count => {
            let mut out = Vec::with_capacity(n);
            each_frame(input, frames, |_, pieces| {
                out.push(count(pieces) as i64);
                Ok(())
            })?;
            Ok(Arc::new(Int64Array::from(out)))
        }
        AggFunc::Sum | AggFunc::Avg => {
            let a = arg.ok_or_else(|| Error::exec("internal: SUM without its argument"))?;
            sum(input, frames, func == AggFunc::Avg, a, &kept, &count)
        }
        AggFunc::Min | AggFunc::Max | AggFunc::ArgMin | AggFunc::ArgMax => {
            let a = arg.ok_or_else(|| Error::exec("internal: MIN without its argument"))?;
            // ARG_MIN(x, key) takes x from the row of the best key.
            let key = match func {
                AggFunc::ArgMin | AggFunc::ArgMax => &input.args[1],
                _ => a,
            };
            let rows = RowConverter::new(vec![SortField::new(key.data_type().clone())])?
                .convert_columns(std::slice::from_ref(key))?;
            let none = u32::MAX;
            let max = matches!(func, AggFunc::Max | AggFunc::ArgMax);
            let better = |x: u32, y: u32| -> u32 {
                match (x == none, y == none) {
                    (true, _) => y,
                    (_, true) => x,
                    _ => {
                        let (rx, ry) = (rows.row(x as usize), rows.row(y as usize));
                        if (ry > rx) == max && ry != rx {
                            y
                        } else {
                            x
                        }
                    }
                }
            };
            let leaves = (0..n as u32)
                .map(|i| if kept[i as usize] { i } else { none })
                .collect();
            // Small frames are read row by row; others through a tree.
            let tree = (!small(frames)).then(|| SegmentTree::new(leaves, none, better));
            let mut idx = UInt32Array::builder(n);
            each_frame(input, frames, |_, pieces| {
                let best = pieces.iter().filter(|r| !r.is_empty()).fold(none, |b, r| {
                    let here = match &tree {
                        Some(t) => t.query(r.start, r.end),
                        None => r
                            .clone()
                            .filter(|&j| kept[j])
                            .fold(none, |x, j| better(x, j as u32)),
                    };
                    better(b, here)
                });
                match best == none {
                    true => idx.append_null(),
                    false => idx.append_value(best),
                }
                Ok(())
            })?;
            Ok(arrow_select::take::take(a.as_ref(), &idx.finish(), None)?)
        }
        AggFunc::BoolAnd | AggFunc::BoolOr | AggFunc::CountIf => {
            frame_aggregates::booleans(input, frames, func, &kept)
        }
        AggFunc::AnyValue => frame_aggregates::first_kept(input, frames, &kept),
        AggFunc::Median | AggFunc::QuantileCont | AggFunc::QuantileDisc => {
            frame_aggregates::quantiles(input, frames, func, &kept)
        }
        f if f.univariate_moment() || f.bivariate() => {
            frame_aggregates::moments(input, frames, func, &kept)
        }
        _ => frame_aggregates::by_groups(input, frames, func),
    }
}

/// A SUM or AVG argument's values as exact 128-bit integers (BIGINT and
/// DECIMAL, with the scale), or `None` for DOUBLE; rows not `kept` are 0.
fn exact(a: &ArrayRef, kept: &[bool]) -> Result<Option<(Vec<i128>, i8)>> {
    let n = a.len();
    Ok(match a.data_type() {
        DataType::Float64 => None,
        DataType::Decimal128(_, s) => {
            let v = a.as_primitive::<Decimal128Type>();
            Some((
                (0..n)
                    .map(|i| if kept[i] { v.value(i) } else { 0 })
                    .collect(),
                *s,
            ))
        }
        DataType::Int64 => {
            let v = a.as_primitive::<Int64Type>();
            Some((
                (0..n)
                    .map(|i| if kept[i] { v.value(i) as i128 } else { 0 })
                    .collect(),
                0,
            ))
        }
        other => return Err(Error::exec(format!("internal: a window SUM over {other}"))),
    })
}

/// The error when a sum of `a`'s type overflows.
fn overflow(a: &ArrayRef) -> &'static str {
    match a.data_type() {
        DataType::Decimal128(..) => "SUM overflowed DECIMAL(38)",
        _ => "SUM overflowed a 64-bit integer",
    }
}

/// Each frame's exact sum and count as SUM's type (BIGINT, DECIMAL(38, s))
/// or AVG's (DOUBLE).
fn finish_exact(
    a: &ArrayRef,
    out: Vec<Option<(i128, u64)>>,
    scale: i8,
    avg: bool,
) -> Result<ArrayRef> {
    if avg {
        let unit = 10f64.powi(scale as i32);
        let means = out
            .iter()
            .map(|x| x.map(|(s, c)| s as f64 / c as f64 / unit));
        return Ok(Arc::new(means.collect::<Float64Array>()));
    }
    let sums = out.into_iter().map(|x| x.map(|(s, _)| s));
    if let DataType::Decimal128(..) = a.data_type() {
        const LIMIT: i128 = 10i128.pow(38);
        let sums: Vec<Option<i128>> = sums.collect();
        if sums.iter().flatten().any(|s| s.abs() >= LIMIT) {
            return Err(Error::exec(overflow(a)));
        }
        let d = Decimal128Array::from(sums).with_precision_and_scale(38, scale)?;
        return Ok(Arc::new(d));
    }
    let ints = sums
        .map(|s| s.map(i64::try_from).transpose())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| Error::exec(overflow(a)))?;
    Ok(Arc::new(Int64Array::from(ints)))
}

/// Each frame's float sum and count as SUM's or AVG's value.
fn finish_float(out: Vec<Option<(f64, u64)>>, avg: bool) -> ArrayRef {
    let values = out
        .into_iter()
        .map(|x| x.map(|(s, c)| if avg { s / c as f64 } else { s }));
    Arc::new(values.collect::<Float64Array>())
}

/// SUM and AVG: integers and decimals exactly (128-bit prefix sums), floats
/// through a segment tree (prefix differences would cancel catastrophically).
fn sum(
    input: &Input,
    frames: &Frames,
    avg: bool,
    a: &ArrayRef,
    kept: &[bool],
    count: &dyn Fn(&Pieces) -> u64,
) -> Result<ArrayRef> {
    let n = input.n;
    let Some((values, scale)) = exact(a, kept)? else {
        let mut out = Vec::with_capacity(n);
        let v = a.as_primitive::<Float64Type>();
        let leaves: Vec<f64> = (0..n)
            .map(|i| if kept[i] { v.value(i) } else { 0.0 })
            .collect();
        // Small frames are summed row by row; others through a tree.
        let (tree, leaves) = match small(frames) {
            true => (None, leaves),
            false => (
                Some(SegmentTree::new(leaves, 0.0, |x: f64, y: f64| x + y)),
                vec![],
            ),
        };
        each_frame(input, frames, |_, pieces| {
            let c = count(pieces);
            let s: f64 = pieces
                .iter()
                .filter(|r| !r.is_empty())
                .map(|r| match &tree {
                    Some(t) => t.query(r.start, r.end),
                    None => leaves[r.clone()].iter().sum(),
                })
                .sum();
            out.push((c > 0).then_some((s, c)));
            Ok(())
        })?;
        return Ok(finish_float(out, avg));
    };
    let mut sums = Vec::with_capacity(n + 1);
    sums.push(0i128);
    let mut acc = Some(0i128);
    for v in values {
        acc = acc.and_then(|a| a.checked_add(v));
        sums.push(acc.unwrap_or(0));
    }
    // A prefix past 128 bits (decimals near 38 digits) makes every sum an
    // overflow error rather than a wrong value.
    let overflowed = acc.is_none();
    let mut out = Vec::with_capacity(n);
    let range_sum = |r: &Range<usize>| match overflowed {
        true => None,
        false => sums[r.end].checked_sub(sums[r.start]),
    };
    each_frame(input, frames, |_, pieces| {
        match count(pieces) {
            0 => out.push(None),
            c => {
                let s = pieces
                    .iter()
                    .filter(|r| !r.is_empty())
                    .try_fold(0i128, |acc, r| acc.checked_add(range_sum(r)?))
                    .ok_or_else(|| Error::exec(overflow(a)))?;
                out.push(Some((s, c)));
            }
        }
        Ok(())
    })?;
    finish_exact(a, out, scale, avg)
}

/// COUNT, SUM and AVG of distinct values, over frames that start at the
/// partition's start and keep every row (the binder allows no others):
/// such a frame only grows from one row to the next, so each row's value
/// is added once, when the frame first reaches it.
fn distinct(input: &Input, frames: &Frames, func: AggFunc, kept: &[bool]) -> Result<ArrayRef> {
    let a = input
        .args
        .first()
        .ok_or_else(|| Error::exec("internal: DISTINCT without an argument"))?;
    let rows = RowConverter::new(vec![SortField::new(a.data_type().clone())])?
        .convert_columns(std::slice::from_ref(a))?;
    let counting = matches!(func, AggFunc::Count | AggFunc::CountStar);
    let values = match counting {
        true => None,
        false => exact(a, kept)?,
    };
    let floats = (!counting && values.is_none()).then(|| a.as_primitive::<Float64Type>());
    let mut counts = Vec::with_capacity(input.n);
    let mut exact_out = Vec::new();
    let mut float_out = Vec::new();
    input.layout.each(|p, peers| {
        let mut seen = std::collections::HashSet::new();
        let (mut reached, mut c, mut s, mut f) = (p.start, 0u64, Some(0i128), 0f64);
        for (g, peer) in peers.iter().enumerate() {
            for i in peer.clone() {
                let end = frames.pieces(i, p, peers, g)?[0].end;
                while reached < end {
                    let j = reached;
                    reached += 1;
                    if !kept[j] || !seen.insert(rows.row(j)) {
                        continue;
                    }
                    c += 1;
                    match (&values, &floats) {
                        (Some((v, _)), _) => s = s.and_then(|s| s.checked_add(v[j])),
                        (None, Some(v)) => f += v.value(j),
                        _ => {}
                    }
                }
                counts.push(c as i64);
                match &values {
                    Some(_) => {
                        let s = s.ok_or_else(|| Error::exec(overflow(a)))?;
                        exact_out.push((c > 0).then_some((s, c)));
                    }
                    None => float_out.push((c > 0).then_some((f, c))),
                }
            }
        }
        Ok(())
    })?;
    match (counting, values) {
        (true, _) => Ok(Arc::new(Int64Array::from(counts))),
        (false, Some((_, scale))) => finish_exact(a, exact_out, scale, func == AggFunc::Avg),
        (false, None) => Ok(finish_float(float_out, func == AggFunc::Avg)),
    }
}
