//! Aggregates that need every value of a group: ARRAY_AGG, STRING_AGG,
//! MEDIAN, QUANTILE_CONT/QUANTILE_DISC and MODE. Each keeps the argument's
//! arrays as they came and, for each value, its group and place; the values
//! are grouped at the end.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, Float64Array, StringArray, UInt32Array};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType;

use super::{same, vec_bytes, Accumulator};
use crate::error::{Error, Result};

/// The values met, by group.
struct Collected {
    values: Vec<ArrayRef>,
    /// (group, array, row) of each value, in the order met.
    entries: Vec<(u32, u32, u32)>,
    /// Bytes of the arrays in `values`.
    bytes: usize,
    data_type: DataType,
}

impl Collected {
    fn new(data_type: &DataType) -> Self {
        Collected {
            values: vec![],
            entries: vec![],
            bytes: 0,
            data_type: data_type.clone(),
        }
    }

    fn memory_size(&self) -> usize {
        vec_bytes(&self.entries) + self.bytes
    }

    fn add(&mut self, v: &ArrayRef, ids: &[u32]) -> Result<()> {
        let at = u32::try_from(self.values.len())
            .map_err(|_| Error::exec("an aggregate over more than 4 billion batches"))?;
        self.bytes += crate::exec::memory::array_size(v.as_ref());
        self.values.push(Arc::clone(v));
        self.entries
            .extend(ids.iter().enumerate().map(|(i, &g)| (g, at, i as u32)));
        Ok(())
    }

    fn merge(&mut self, other: Collected, map: &[u32]) {
        let shift = self.values.len() as u32;
        self.bytes += other.bytes;
        self.values.extend(other.values);
        self.entries.extend(
            other
                .entries
                .into_iter()
                .map(|(g, a, r)| (map[g as usize], a + shift, r)),
        );
    }

    /// Every value in one array, group after group (each group's values in
    /// the order met), and where each group's values start and end. A
    /// counting sort by group.
    fn grouped(&self, num_groups: usize) -> Result<(ArrayRef, OffsetBuffer<i32>)> {
        let mut lengths = vec![0usize; num_groups];
        for &(g, _, _) in &self.entries {
            lengths[g as usize] += 1;
        }
        let offsets = OffsetBuffer::<i32>::from_lengths(lengths.iter().copied());
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
        Ok((flat, offsets))
    }
}

/// The ranges of `offsets`, one per group.
fn ranges(offsets: &OffsetBuffer<i32>) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    offsets.windows(2).map(|w| w[0] as usize..w[1] as usize)
}

/// ARRAY_AGG: each group's values as a list, NULLs kept.
pub(super) struct ArrayAgg(Collected);

impl ArrayAgg {
    pub(super) fn new(data_type: &DataType) -> Self {
        ArrayAgg(Collected::new(data_type))
    }
}

impl Accumulator for ArrayAgg {
    fn memory_size(&self) -> usize {
        self.0.memory_size()
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], _: usize) -> Result<()> {
        self.0.merge(same::<Self>(other)?.0, map);
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], _: usize) -> Result<()> {
        self.0.add(&values[0], ids)
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        let (flat, offsets) = self.0.grouped(num_groups)?;
        // A group with no values (all filtered out) is NULL, as in DuckDB.
        let nulls = NullBuffer::from(ranges(&offsets).map(|r| !r.is_empty()).collect::<Vec<_>>());
        let field = Arc::new(arrow_schema::Field::new_list_field(
            self.0.data_type.clone(),
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

/// STRING_AGG: each group's non-NULL texts joined by the separator; NULL for
/// a group with none.
pub(super) struct StringAgg {
    texts: Collected,
    separator: String,
}

impl StringAgg {
    pub(super) fn new(separator: &str) -> Self {
        StringAgg {
            texts: Collected::new(&DataType::Utf8),
            separator: separator.to_string(),
        }
    }
}

impl Accumulator for StringAgg {
    fn memory_size(&self) -> usize {
        self.texts.memory_size()
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], _: usize) -> Result<()> {
        self.texts.merge(same::<Self>(other)?.texts, map);
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], _: usize) -> Result<()> {
        self.texts.add(&values[0], ids)
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        let (flat, offsets) = self.texts.grouped(num_groups)?;
        let flat = flat.as_string::<i32>();
        let mut joined = String::new();
        let out: StringArray = ranges(&offsets)
            .map(|r| {
                joined.clear();
                let mut any = false;
                for s in r.filter(|&i| flat.is_valid(i)).map(|i| flat.value(i)) {
                    if any {
                        joined.push_str(&self.separator);
                    }
                    joined.push_str(s);
                    any = true;
                }
                any.then(|| joined.clone())
            })
            .collect();
        Ok(Arc::new(out))
    }
}

/// What an order statistic picks from a group's sorted non-NULL values.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Rank {
    /// QUANTILE_CONT (and MEDIAN): interpolated at fraction `q` (values are
    /// DOUBLE).
    Continuous(f64),
    /// QUANTILE_DISC: the first value at or past fraction `q`.
    Discrete(f64),
    /// MODE: the most frequent value, the first met of equally frequent ones.
    Mode,
}

/// QUANTILE_CONT (and MEDIAN) of DOUBLEs: each group's two values around the
/// fraction, found by selection (linear in the group's size) rather than by
/// sorting, in IEEE total order (as `arrow-row` sorts floats), interpolated.
fn continuous(flat: &ArrayRef, offsets: &OffsetBuffer<i32>, q: f64) -> Result<ArrayRef> {
    let x = flat.as_primitive::<Float64Type>();
    let mut values: Vec<f64> = Vec::new();
    let out: Float64Array = ranges(offsets)
        .map(|r| {
            values.clear();
            values.extend(r.filter(|&i| x.is_valid(i)).map(|i| x.value(i)));
            let m = values.len();
            if m == 0 {
                return None;
            }
            let pos = q * (m - 1) as f64;
            let lo = pos.floor() as usize;
            let t = pos - lo as f64;
            let (_, a, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
            let a = *a;
            if t == 0.0 {
                return Some(a);
            }
            let b = above.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
            Some(a + t * (b - a))
        })
        .collect();
    Ok(Arc::new(out))
}

/// MEDIAN, QUANTILE_CONT, QUANTILE_DISC and MODE.
pub(super) struct Ordered {
    values: Collected,
    rank: Rank,
}

impl Ordered {
    pub(super) fn new(data_type: &DataType, rank: Rank) -> Self {
        Ordered {
            values: Collected::new(data_type),
            rank,
        }
    }
}

impl Accumulator for Ordered {
    fn memory_size(&self) -> usize {
        self.values.memory_size()
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], _: usize) -> Result<()> {
        self.values.merge(same::<Self>(other)?.values, map);
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], _: usize) -> Result<()> {
        self.values.add(&values[0], ids)
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        let (flat, offsets) = self.values.grouped(num_groups)?;
        if let Rank::Continuous(q) = self.rank {
            return continuous(&flat, &offsets, q);
        }
        // Values compare as `arrow-row` bytes, which order every type.
        let converter = RowConverter::new(vec![SortField::new(flat.data_type().clone())])?;
        let rows = converter.convert_columns(std::slice::from_ref(&flat))?;
        let nulls = flat.logical_nulls();
        let mut order: Vec<u32> = Vec::new();
        let mut picks: Vec<Option<u32>> = Vec::with_capacity(num_groups);
        for r in ranges(&offsets) {
            order.clear();
            order.extend(
                r.filter(|&i| nulls.as_ref().is_none_or(|n| n.is_valid(i)))
                    .map(|i| i as u32),
            );
            // Stable: equal values keep the order met, which MODE reads.
            order.sort_by(|&a, &b| rows.row(a as usize).cmp(&rows.row(b as usize)));
            let m = order.len();
            if m == 0 {
                picks.push(None);
                continue;
            }
            match self.rank {
                Rank::Discrete(q) => {
                    let at = ((q * m as f64).ceil() as usize).clamp(1, m) - 1;
                    picks.push(Some(order[at]));
                }
                // Computed by `continuous`, above.
                Rank::Continuous(_) => picks.push(None),
                Rank::Mode => {
                    // Runs of equal values; the longest wins, then the one
                    // whose first value came first.
                    let (mut best, mut best_len, mut start) = (order[0], 0, 0);
                    for i in 1..=m {
                        let ends = i == m
                            || rows.row(order[i] as usize) != rows.row(order[start] as usize);
                        if ends {
                            let len = i - start;
                            if len > best_len || (len == best_len && order[start] < best) {
                                (best, best_len) = (order[start], len);
                            }
                            start = i;
                        }
                    }
                    picks.push(Some(best));
                }
            }
        }
        let picks = UInt32Array::from(picks);
        Ok(arrow_select::take::take(flat.as_ref(), &picks, None)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Selection gives what sorting the group and reading the two values
    /// around the fraction gives, NaN, infinities and signed zeros included.
    #[test]
    fn selection_matches_a_sort() {
        let special = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0];
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for len in [1usize, 2, 3, 10, 101] {
            let values: Vec<Option<f64>> = (0..len)
                .map(|_| match next() % 10 {
                    0 => None,
                    1 => Some(special[(next() % 5) as usize]),
                    _ => Some((next() % 1000) as f64 / 7.0 - 50.0),
                })
                .collect();
            let flat: ArrayRef = Arc::new(Float64Array::from(values.clone()));
            let offsets = OffsetBuffer::<i32>::from_lengths([len]);
            for q in [0.0, 0.1, 0.25, 0.5, 0.9, 1.0] {
                let got = continuous(&flat, &offsets, q).unwrap();
                let got = got.as_primitive::<Float64Type>();
                let mut sorted: Vec<f64> = values.iter().flatten().copied().collect();
                sorted.sort_by(f64::total_cmp);
                if sorted.is_empty() {
                    assert!(got.is_null(0));
                    continue;
                }
                let pos = q * (sorted.len() - 1) as f64;
                let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                let t = pos - lo as f64;
                let want = match t == 0.0 {
                    true => sorted[lo],
                    false => sorted[lo] + t * (sorted[hi] - sorted[lo]),
                };
                let g = got.value(0);
                assert!(
                    g.to_bits() == want.to_bits() || (g.is_nan() && want.is_nan()),
                    "len {len}, q {q}: {g} vs {want}"
                );
            }
        }
    }
}
