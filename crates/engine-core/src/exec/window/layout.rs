//! Where each row of a window's sort falls: its partition, its peer group
//! (rows with equal ORDER BY keys), and the frame a frame-reading function
//! sees from it. Every position here is in sorted order.

use std::ops::Range;

use arrow_array::{Array, ArrayRef};
use arrow_ord::ord::{make_comparator, DynComparator};
use arrow_schema::{DataType, SortOptions};

use crate::error::{Error, Result};
use crate::plan::{FrameBound, FrameExclude, FrameUnits, ScalarValue, SortExpr, WindowFrame};

/// The partitions and peer groups of sorted rows.
pub(super) struct Layout {
    /// Each partition's rows.
    pub partitions: Vec<Range<usize>>,
    /// Each peer group's rows, in order; a partition's groups are contiguous.
    pub peers: Vec<Range<usize>>,
    /// For each partition, the index of its first peer group.
    pub first_peer: Vec<usize>,
}

impl Layout {
    /// The layout of `n` rows sorted by `partition` keys, then `order` keys.
    pub fn new(n: usize, partition: &[ArrayRef], order: &[ArrayRef]) -> Result<Layout> {
        let ranges = |cols: &[ArrayRef]| -> Result<Vec<Range<usize>>> {
            match (cols.is_empty(), n) {
                (_, 0) => Ok(vec![]),
                // One partition (or peer group) of every row.
                (true, _) => Ok(std::iter::once(0..n).collect()),
                (false, _) => Ok(arrow_ord::partition::partition(cols)?.ranges()),
            }
        };
        let partitions = ranges(partition)?;
        let peers = match order.is_empty() {
            true => partitions.clone(),
            false => {
                let both: Vec<ArrayRef> = partition.iter().chain(order).cloned().collect();
                ranges(&both)?
            }
        };
        let mut first_peer = Vec::with_capacity(partitions.len());
        let mut g = 0;
        for p in &partitions {
            while peers[g].start < p.start {
                g += 1;
            }
            first_peer.push(g);
        }
        Ok(Layout {
            partitions,
            peers,
            first_peer,
        })
    }

    /// Calls `f(partition, its peer groups)` for each partition.
    pub fn each(
        &self,
        mut f: impl FnMut(&Range<usize>, &[Range<usize>]) -> Result<()>,
    ) -> Result<()> {
        for (i, p) in self.partitions.iter().enumerate() {
            let end = self
                .first_peer
                .get(i + 1)
                .copied()
                .unwrap_or(self.peers.len());
            f(p, &self.peers[self.first_peer[i]..end])?;
        }
        Ok(())
    }
}

/// Up to three ranges of rows: a frame with its excluded rows taken out.
pub(super) type Pieces = [Range<usize>; 3];

/// Computes each row's frame.
pub(super) struct Frames<'a> {
    frame: &'a WindowFrame,
    /// The start's and the end's ROWS or GROUPS offsets, read once.
    offsets: [usize; 2],
    /// For RANGE offsets: the one ORDER BY key's values, sorted, and the
    /// values each offset bound moves them to.
    range: Option<RangeKeys>,
}

/// A RANGE frame's search data.
struct RangeKeys {
    /// Compares the sorted key at `j` with the start bound's value for row `i`.
    start: Option<DynComparator>,
    end: Option<DynComparator>,
    /// Which rows have a NULL key (they frame their peers).
    keys: ArrayRef,
}

impl<'a> Frames<'a> {
    /// The frames of `frame` over rows sorted by `order`; `key` is the
    /// sorted first ORDER BY key (read for RANGE offsets).
    pub fn new(frame: &'a WindowFrame, order: &[SortExpr], key: Option<&ArrayRef>) -> Result<Self> {
        let offsets =
            |b: &FrameBound| matches!(b, FrameBound::Preceding(_) | FrameBound::Following(_));
        let range = match (frame.units, offsets(&frame.start) || offsets(&frame.end)) {
            (FrameUnits::Range, true) => {
                let (Some(key), Some(k)) = (key, order.first()) else {
                    return Err(Error::plan(
                        "a RANGE frame with an offset needs exactly one ORDER BY key",
                    ));
                };
                let opts = SortOptions {
                    descending: k.descending,
                    nulls_first: k.nulls_first,
                };
                let keys = widen(key)?;
                let cmp = |b: &FrameBound| -> Result<Option<DynComparator>> {
                    let shifted = match b {
                        FrameBound::Preceding(v) => shift(&keys, v, !k.descending)?,
                        FrameBound::Following(v) => shift(&keys, v, k.descending)?,
                        _ => return Ok(None),
                    };
                    Ok(Some(make_comparator(
                        keys.as_ref(),
                        shifted.as_ref(),
                        opts,
                    )?))
                };
                Some(RangeKeys {
                    start: cmp(&frame.start)?,
                    end: cmp(&frame.end)?,
                    keys,
                })
            }
            _ => None,
        };
        let rows_or_groups = |b: &FrameBound| match (b, frame.units) {
            (_, FrameUnits::Range) => Ok(0),
            (FrameBound::Preceding(v) | FrameBound::Following(v), _) => count(v),
            _ => Ok(0),
        };
        let offsets = [rows_or_groups(&frame.start)?, rows_or_groups(&frame.end)?];
        Ok(Frames {
            frame,
            offsets,
            range,
        })
    }

    /// The most rows a frame holds, when the frame says (ROWS between two
    /// offsets or the current row): small frames are read row by row.
    pub fn max_rows(&self) -> Option<usize> {
        if self.frame.units != FrameUnits::Rows {
            return None;
        }
        // Each bound as a signed distance from the current row.
        let at = |b: &FrameBound, n: usize| match b {
            FrameBound::Preceding(_) => Some(-(n as i64)),
            FrameBound::CurrentRow => Some(0),
            FrameBound::Following(_) => Some(n as i64),
            _ => None,
        };
        let start = at(&self.frame.start, self.offsets[0])?;
        let end = at(&self.frame.end, self.offsets[1])?;
        Some(usize::try_from(end - start + 1).unwrap_or(0))
    }

    /// Row `i`'s frame (pieces in order; empty ones have `start >= end`), in
    /// partition `p` whose peer groups are `peers`, `g` being `i`'s group.
    pub fn pieces(
        &self,
        i: usize,
        p: &Range<usize>,
        peers: &[Range<usize>],
        g: usize,
    ) -> Result<Pieces> {
        let start = self.bound(&self.frame.start, true, i, p, peers, g)?;
        let end = self.bound(&self.frame.end, false, i, p, peers, g)?;
        let end = end.max(start);
        let cut = |a: usize, b: usize| a.max(start)..b.min(end).max(a.max(start));
        Ok(match self.frame.exclude {
            FrameExclude::NoOthers => [start..end, 0..0, 0..0],
            FrameExclude::CurrentRow => [cut(start, i), cut(i + 1, end), 0..0],
            FrameExclude::Group => [cut(start, peers[g].start), cut(peers[g].end, end), 0..0],
            FrameExclude::Ties => [
                cut(start, peers[g].start),
                cut(i, i + 1),
                cut(peers[g].end, end),
            ],
        })
    }

    /// Where a bound puts the frame's first row (`is_start`) or the row
    /// after its last.
    fn bound(
        &self,
        b: &FrameBound,
        is_start: bool,
        i: usize,
        p: &Range<usize>,
        peers: &[Range<usize>],
        g: usize,
    ) -> Result<usize> {
        let units = self.frame.units;
        let peer = &peers[g];
        Ok(match b {
            FrameBound::UnboundedPreceding => p.start,
            FrameBound::UnboundedFollowing => p.end,
            FrameBound::CurrentRow => match (units, is_start) {
                (FrameUnits::Rows, true) => i,
                (FrameUnits::Rows, false) => i + 1,
                (_, true) => peer.start,
                (_, false) => peer.end,
            },
            FrameBound::Preceding(_) | FrameBound::Following(_) => {
                let back = matches!(b, FrameBound::Preceding(_));
                let n = self.offsets[usize::from(!is_start)];
                match units {
                    FrameUnits::Rows => {
                        let row = match back {
                            true => i.checked_sub(n),
                            false => i.checked_add(n),
                        };
                        match (row, is_start) {
                            (None, _) if back => p.start,
                            (None, _) => p.end,
                            (Some(r), true) => r.clamp(p.start, p.end),
                            (Some(r), false) => r.saturating_add(1).clamp(p.start, p.end),
                        }
                    }
                    FrameUnits::Groups => {
                        let target = match back {
                            true => g.checked_sub(n),
                            false => g.checked_add(n).filter(|&t| t < peers.len()),
                        };
                        match (target, is_start) {
                            (Some(t), true) => peers[t].start,
                            (Some(t), false) => peers[t].end,
                            (None, _) if back => p.start,
                            (None, _) => p.end,
                        }
                    }
                    FrameUnits::Range => self.range_bound(is_start, i, p, peer)?,
                }
            }
        })
    }

    /// A RANGE offset bound: the first row whose key is not before (a
    /// start) or is after (an end) the row's key moved by the offset. A row
    /// with a NULL key frames its peers, the other NULLs.
    fn range_bound(
        &self,
        is_start: bool,
        i: usize,
        p: &Range<usize>,
        peer: &Range<usize>,
    ) -> Result<usize> {
        let r = self
            .range
            .as_ref()
            .ok_or_else(|| Error::exec("internal: a RANGE frame without its keys"))?;
        if r.keys.is_null(i) {
            return Ok(if is_start { peer.start } else { peer.end });
        }
        let cmp = match is_start {
            true => r.start.as_ref(),
            false => r.end.as_ref(),
        }
        .ok_or_else(|| Error::exec("internal: a RANGE bound without its comparator"))?;
        // The partition's non-NULL keys: NULLs sort together at one end.
        let null = |j: usize| r.keys.is_null(j);
        let (lo, hi) = match (null(p.start), null(p.end - 1)) {
            (true, _) => (first(p.start..p.end, |j| !null(j)), p.end),
            (_, true) => (p.start, first(p.start..p.end, null)),
            _ => (p.start, p.end),
        };
        // The first row past the bound's value.
        Ok(first(lo..hi, |j| match is_start {
            true => cmp(j, i) != std::cmp::Ordering::Less,
            false => cmp(j, i) == std::cmp::Ordering::Greater,
        }))
    }
}

/// The first position of `r` where `past` holds (`r.end` if none), `past`
/// being false and then true along `r`: a binary search.
fn first(r: Range<usize>, past: impl Fn(usize) -> bool) -> usize {
    let (mut a, mut b) = (r.start, r.end);
    while a < b {
        let m = a + (b - a) / 2;
        if past(m) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    a
}

/// A ROWS or GROUPS offset: a non-negative count.
fn count(v: &ScalarValue) -> Result<usize> {
    v.as_i64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| Error::exec("a frame offset must be a non-negative integer"))
}

/// Keys in a type offsets can be added to without overflowing at small
/// values: integers as BIGINT, floats as DOUBLE; others as they are.
fn widen(key: &ArrayRef) -> Result<ArrayRef> {
    let to = match key.data_type() {
        t if crate::types::is_integer(t) => DataType::Int64,
        t if crate::types::is_float(t) => DataType::Float64,
        _ => return Ok(key.clone()),
    };
    Ok(arrow_cast::cast(key, &to)?)
}

/// `keys` moved by `offset`: towards smaller values when `down`.
fn shift(keys: &ArrayRef, offset: &ScalarValue, down: bool) -> Result<ArrayRef> {
    let v = offset.array();
    let v = match (keys.data_type(), v.data_type()) {
        (k, o) if crate::types::is_numeric(k) && k != o => arrow_cast::cast(v, k)?,
        _ => v.clone(),
    };
    let scalar = arrow_array::Scalar::new(v);
    let moved = match down {
        true => arrow_arith::numeric::sub(keys, &scalar),
        false => arrow_arith::numeric::add(keys, &scalar),
    };
    moved.map_err(|e| {
        Error::exec(format!(
            "the RANGE frame's offset {offset} moves an ORDER BY value out of its type's range ({e})"
        ))
    })
}
