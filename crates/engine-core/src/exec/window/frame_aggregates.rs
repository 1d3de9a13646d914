//! The aggregates over frames beyond COUNT, SUM, AVG, MIN and MAX (which
//! `compute` handles). Statistics combine Welford states in a segment tree,
//! boolean aggregates read prefix counts, ANY_VALUE the next kept row and
//! the quantiles a Fenwick tree of ranks, so each costs at most log n per
//! row whatever the frames. The rest (MODE, ARRAY_AGG, STRING_AGG,
//! APPROX_COUNT_DISTINCT, and any aggregate of DISTINCT values over frames
//! that do not only grow) fold each frame's rows into the grouped
//! aggregation's own accumulators, a frame per group: their cost is the rows
//! the frames hold together.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array, UInt32Array};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType;

use super::compute::{each_frame, prefix, Input};
use super::layout::{Frames, Pieces};
use super::segment::SegmentTree;
use crate::error::{Error, Result};
use crate::exec::aggregate::accumulator;
use crate::exec::aggregate::moments::State;
use crate::plan::{AggFunc, AggregateExpr};

/// Frame rows folded into one set of accumulators at a time, so that
/// memory stays bounded however many rows the frames hold together.
const CHUNK_ROWS: usize = 64 * 1024;

/// The most frame rows one call reads in all: past it a query with
/// overlapping frames over a large partition (a running MODE over millions
/// of rows) would run for hours, so it stops at once with an error that
/// says what to change.
const MAX_FRAME_ROWS: u64 = 1 << 32;

/// Any aggregate, a frame per group. Consecutive rows with the same frame
/// (a whole partition, peers under RANGE) share one group.
pub(super) fn by_groups(input: &Input, frames: &Frames, func: AggFunc) -> Result<ArrayRef> {
    let expr = input.expr;
    let agg = AggregateExpr {
        func,
        args: expr.args.clone(),
        distinct: expr.distinct,
        filter: None,
        order: Vec::new(),
    };
    let types: Vec<DataType> = input.args.iter().map(|a| a.data_type().clone()).collect();
    let kept = |j: usize| {
        input
            .filter
            .as_ref()
            .is_none_or(|f| f.is_valid(j) && f.value(j))
    };
    // The values of a chunk's groups, each frame's rows given to its group.
    let fold = |take: &mut Vec<u32>, ids: &mut Vec<u32>, groups: u32| -> Result<ArrayRef> {
        let mut acc = accumulator(&agg, &types)?;
        if !take.is_empty() {
            let idx = UInt32Array::from(std::mem::take(take));
            let values = input
                .args
                .iter()
                .map(|a| arrow_select::take::take(a.as_ref(), &idx, None))
                .collect::<Result<Vec<_>, _>>()?;
            acc.update(&values, ids, groups as usize)?;
            ids.clear();
        }
        acc.finish(groups as usize)
    };
    // The rows all frames hold, counted before any is read.
    let mut read = 0u64;
    let mut last: Option<Pieces> = None;
    each_frame(input, frames, |_, pieces| {
        if last.as_ref() != Some(pieces) {
            read += pieces.iter().map(|r| r.len() as u64).sum::<u64>();
            last = Some(pieces.clone());
        }
        Ok(())
    })?;
    if read > MAX_FRAME_ROWS {
        return Err(Error::unsupported(format!(
            "{}(...) OVER (...) reads every row of every frame, and these frames hold \
             {read} rows together (at most {MAX_FRAME_ROWS}): bound the frame \
             (ROWS BETWEEN n PRECEDING AND CURRENT ROW) or partition further",
            func.name()
        )));
    }
    let mut parts: Vec<ArrayRef> = Vec::new();
    let mut which = Vec::with_capacity(input.n);
    let (mut take, mut ids) = (Vec::new(), Vec::new());
    let (mut groups, mut before) = (0u32, 0u32);
    let mut last: Option<Pieces> = None;
    each_frame(input, frames, |_, pieces| {
        if last.as_ref() != Some(pieces) {
            if take.len() >= CHUNK_ROWS {
                parts.push(fold(&mut take, &mut ids, groups)?);
                before += groups;
                groups = 0;
            }
            for r in pieces.iter() {
                take.extend(r.clone().filter(|&j| kept(j)).map(|j| j as u32));
            }
            ids.resize(take.len(), groups);
            groups += 1;
            last = Some(pieces.clone());
        }
        which.push(before + groups - 1);
        Ok(())
    })?;
    parts.push(fold(&mut take, &mut ids, groups)?);
    let parts: Vec<&dyn Array> = parts.iter().map(|p| p.as_ref()).collect();
    let all = arrow_select::concat::concat(&parts)?;
    Ok(arrow_select::take::take(
        all.as_ref(),
        &UInt32Array::from(which),
        None,
    )?)
}

/// Variances, covariances, CORR and REGR_*: each frame's Welford state,
/// combined from a segment tree of the rows' states.
pub(super) fn moments(
    input: &Input,
    frames: &Frames,
    func: AggFunc,
    kept: &[bool],
) -> Result<ArrayRef> {
    let a = input.args[0].as_primitive::<Float64Type>();
    let b = input.args.get(1).map(|b| b.as_primitive::<Float64Type>());
    let leaves = (0..input.n)
        .map(|i| {
            let mut s = State::default();
            if kept[i] {
                s.add(a.value(i), b.map_or(0.0, |b| b.value(i)));
            }
            s
        })
        .collect();
    let tree = SegmentTree::new(leaves, State::default(), |mut x: State, y: State| {
        x.merge(&y);
        x
    });
    let mut states = Vec::with_capacity(input.n);
    each_frame(input, frames, |_, pieces| {
        let mut s = State::default();
        for r in pieces.iter().filter(|r| !r.is_empty()) {
            s.merge(&tree.query(r.start, r.end));
        }
        states.push(s);
        Ok(())
    })?;
    Ok(match func {
        AggFunc::RegrCount => Arc::new(Int64Array::from_iter_values(
            states.iter().map(|s| s.n as i64),
        )),
        _ => Arc::new(
            states
                .iter()
                .map(|s| s.value(func))
                .collect::<Float64Array>(),
        ),
    })
}

/// BOOL_AND, BOOL_OR and COUNT_IF: from the counts of kept rows and of
/// true ones before each row.
pub(super) fn booleans(
    input: &Input,
    frames: &Frames,
    func: AggFunc,
    kept: &[bool],
) -> Result<ArrayRef> {
    let v = input.args[0].as_boolean();
    let seen = prefix(kept.iter().map(|&k| k as u32), 0u32);
    let trues = prefix((0..input.n).map(|i| (kept[i] && v.value(i)) as u32), 0u32);
    let count = |p: &[u32], pieces: &Pieces| -> u32 {
        pieces
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| p[r.end] - p[r.start])
            .sum()
    };
    let (mut ints, mut bools) = (Vec::new(), Vec::new());
    each_frame(input, frames, |_, pieces| {
        let (c, t) = (count(&seen, pieces), count(&trues, pieces));
        match func {
            AggFunc::CountIf => ints.push(t as i64),
            AggFunc::BoolAnd => bools.push((c > 0).then_some(t == c)),
            _ => bools.push((c > 0).then_some(t > 0)),
        }
        Ok(())
    })?;
    Ok(match func {
        AggFunc::CountIf => Arc::new(Int64Array::from(ints)),
        _ => Arc::new(BooleanArray::from(bools)),
    })
}

/// ANY_VALUE: the frame's first kept (non-NULL) row.
pub(super) fn first_kept(input: &Input, frames: &Frames, kept: &[bool]) -> Result<ArrayRef> {
    let n = input.n;
    // `next[i]`: the first kept row at or after `i` (`n` when none).
    let mut next = vec![n; n + 1];
    for i in (0..n).rev() {
        next[i] = if kept[i] { i } else { next[i + 1] };
    }
    let mut idx = UInt32Array::builder(n);
    each_frame(input, frames, |_, pieces| {
        let found = pieces
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| next[r.start])
            .zip(pieces.iter().filter(|r| !r.is_empty()))
            .find(|(k, r)| *k < r.end);
        match found {
            Some((k, _)) => idx.append_value(k as u32),
            None => idx.append_null(),
        }
        Ok(())
    })?;
    Ok(arrow_select::take::take(
        input.args[0].as_ref(),
        &idx.finish(),
        None,
    )?)
}

/// MEDIAN, QUANTILE_CONT and QUANTILE_DISC over frames, in log n per row:
/// each partition's kept values are ranked once; a Fenwick tree counts the
/// ranks the current frame holds, and the k-th is found by descending it.
/// Frames only move forward, so each row enters and leaves the tree once;
/// rows a frame excludes (EXCLUDE ...) are taken out for that row's value
/// and put back.
pub(super) fn quantiles(
    input: &Input,
    frames: &Frames,
    func: AggFunc,
    kept: &[bool],
) -> Result<ArrayRef> {
    let a = &input.args[0];
    let q = match func {
        AggFunc::Median => 0.5,
        _ => input.args[1]
            .as_primitive_opt::<Float64Type>()
            .filter(|q| !q.is_empty() && q.is_valid(0))
            .map(|q| q.value(0))
            .ok_or_else(|| Error::exec("internal: a quantile's fraction is not a constant"))?,
    };
    let continuous = func != AggFunc::QuantileDisc;
    let rows = RowConverter::new(vec![SortField::new(a.data_type().clone())])?
        .convert_columns(std::slice::from_ref(a))?;
    let n = input.n;
    let floats = continuous.then(|| a.as_primitive::<Float64Type>());
    let mut out_floats: Vec<Option<f64>> = Vec::with_capacity(if continuous { n } else { 0 });
    let mut picks: Vec<Option<u32>> = Vec::with_capacity(if continuous { 0 } else { n });
    // `rank[j]`: row j's place among its partition's kept rows by value.
    let mut rank = vec![0u32; n];
    input.layout.each(|p, peers| {
        let mut by_rank: Vec<u32> = p.clone().filter(|&j| kept[j]).map(|j| j as u32).collect();
        by_rank.sort_by(|&x, &y| rows.row(x as usize).cmp(&rows.row(y as usize)));
        for (r, &j) in by_rank.iter().enumerate() {
            rank[j as usize] = r as u32;
        }
        let mut counts = Fenwick::new(by_rank.len());
        let flip = |counts: &mut Fenwick, j: usize, on: bool| {
            if kept[j] {
                counts.add(rank[j] as usize, on);
            }
        };
        let (mut lo, mut hi) = (p.start, p.start);
        let mut last: Option<Pieces> = None;
        for (g, peer) in peers.iter().enumerate() {
            for i in peer.clone() {
                let pieces = frames.pieces(i, p, peers, g)?;
                // The same frame as the row before (a whole partition, peers
                // under RANGE): the same value.
                if last.as_ref() == Some(&pieces) {
                    match continuous {
                        true => out_floats.push(out_floats.last().copied().flatten()),
                        false => picks.push(picks.last().copied().flatten()),
                    }
                    continue;
                }
                last = Some(pieces.clone());
                let held: Vec<&std::ops::Range<usize>> =
                    pieces.iter().filter(|r| !r.is_empty()).collect();
                if let (Some(first), Some(last)) = (held.first(), held.last()) {
                    let (s, e) = (first.start, last.end);
                    while hi < e {
                        flip(&mut counts, hi, true);
                        hi += 1;
                    }
                    while lo < s {
                        flip(&mut counts, lo, false);
                        lo += 1;
                    }
                    while lo > s {
                        lo -= 1;
                        flip(&mut counts, lo, true);
                    }
                    while hi > e {
                        hi -= 1;
                        flip(&mut counts, hi, false);
                    }
                }
                let gaps: Vec<usize> = held.windows(2).flat_map(|w| w[0].end..w[1].start).collect();
                gaps.iter().for_each(|&j| flip(&mut counts, j, false));
                let m = if held.is_empty() { 0 } else { counts.total };
                let at = |k: u32| by_rank[counts.kth(k)] as usize;
                match (m, floats) {
                    (0, Some(_)) => out_floats.push(None),
                    (0, None) => picks.push(None),
                    (m, Some(x)) => {
                        let pos = q * (m - 1) as f64;
                        let k = pos.floor() as u32;
                        let t = pos - k as f64;
                        let low = x.value(at(k));
                        out_floats.push(Some(match t == 0.0 {
                            true => low,
                            false => low + t * (x.value(at(k + 1)) - low),
                        }));
                    }
                    (m, None) => {
                        let k = ((q * m as f64).ceil() as u32).clamp(1, m) - 1;
                        picks.push(Some(at(k) as u32));
                    }
                }
                gaps.iter().for_each(|&j| flip(&mut counts, j, true));
            }
        }
        Ok(())
    })?;
    Ok(match continuous {
        true => Arc::new(Float64Array::from(out_floats)),
        false => arrow_select::take::take(a.as_ref(), &UInt32Array::from(picks), None)?,
    })
}

/// How many of each rank a frame holds, as a Fenwick (binary indexed) tree.
struct Fenwick {
    tree: Vec<u32>,
    /// The largest power of two at most the number of ranks.
    top: usize,
    total: u32,
}

impl Fenwick {
    fn new(ranks: usize) -> Self {
        let top = match ranks {
            0 => 0,
            n => 1 << (usize::BITS - 1 - n.leading_zeros()),
        };
        Fenwick {
            tree: vec![0; ranks + 1],
            top,
            total: 0,
        }
    }

    /// One more (or one fewer) of `rank`.
    fn add(&mut self, rank: usize, more: bool) {
        let mut i = rank + 1;
        while i < self.tree.len() {
            match more {
                true => self.tree[i] += 1,
                false => self.tree[i] -= 1,
            }
            i += i & i.wrapping_neg();
        }
        match more {
            true => self.total += 1,
            false => self.total -= 1,
        }
    }

    /// The rank of the `k`-th held value (from 0; `k` < total).
    fn kth(&self, k: u32) -> usize {
        let (mut pos, mut rest, mut step) = (0, k, self.top);
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && self.tree[next] <= rest {
                pos = next;
                rest -= self.tree[next];
            }
            step >>= 1;
        }
        pos
    }
}

#[cfg(test)]
mod tests {
    use super::Fenwick;

    #[test]
    fn fenwick_finds_the_kth_held_rank() {
        for n in [1usize, 2, 5, 8, 13] {
            let mut f = Fenwick::new(n);
            let held: Vec<usize> = (0..n).filter(|r| r % 3 != 1).collect();
            held.iter().for_each(|&r| f.add(r, true));
            assert_eq!(f.total as usize, held.len());
            for (k, &r) in held.iter().enumerate() {
                assert_eq!(f.kth(k as u32), r, "{k} of {n}");
            }
            f.add(held[0], false);
            if held.len() > 1 {
                assert_eq!(f.kth(0), held[1]);
            }
        }
    }
}
