//! `agg(x ORDER BY k)`: an aggregate that reads its group's rows in an order.

use arrow_array::{ArrayRef, UInt32Array};
use arrow_row::{RowConverter, SortField};

use super::{same, Accumulator};
use crate::error::Result;

/// Holds the rows (the aggregate's arguments, then the sort keys) and their
/// groups until the end, then passes them to the inner accumulator sorted
/// by the keys. One sort serves every group: each group's rows reach the
/// inner accumulator in key order, whatever lies between them. The sort is
/// stable, so ties keep the order the rows came in.
pub(super) struct Sorted {
    inner: Box<dyn Accumulator>,
    /// How many leading columns are the aggregate's own arguments.
    arguments: usize,
    keys: Vec<SortField>,
    chunks: Vec<(Vec<ArrayRef>, Vec<u32>)>,
    bytes: usize,
}

impl Sorted {
    /// `inner` over the first `arguments` columns, sorted by the rest (`keys`).
    pub(super) fn new(inner: Box<dyn Accumulator>, arguments: usize, keys: Vec<SortField>) -> Self {
        Sorted {
            inner,
            arguments,
            keys,
            chunks: Vec::new(),
            bytes: 0,
        }
    }
}

impl Accumulator for Sorted {
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], _: usize) -> Result<()> {
        self.bytes += values
            .iter()
            .map(|v| v.get_array_memory_size())
            .sum::<usize>()
            + std::mem::size_of_val(ids);
        self.chunks.push((values.to_vec(), ids.to_vec()));
        Ok(())
    }

    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], _: usize) -> Result<()> {
        let other = same::<Sorted>(other)?;
        self.bytes += other.bytes;
        for (values, ids) in other.chunks {
            let ids = ids.iter().map(|&g| map[g as usize]).collect();
            self.chunks.push((values, ids));
        }
        Ok(())
    }

    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        let chunks = std::mem::take(&mut self.chunks);
        if chunks.is_empty() {
            return self.inner.finish(num_groups);
        }
        let width = chunks[0].0.len();
        let columns = (0..width)
            .map(|c| {
                let parts: Vec<&dyn arrow_array::Array> =
                    chunks.iter().map(|(v, _)| v[c].as_ref()).collect();
                arrow_select::concat::concat(&parts)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<u32> = chunks.into_iter().flat_map(|(_, ids)| ids).collect();
        let rows =
            RowConverter::new(self.keys.clone())?.convert_columns(&columns[self.arguments..])?;
        let mut order: Vec<u32> = (0..ids.len() as u32).collect();
        order.sort_by(|&a, &b| rows.row(a as usize).cmp(&rows.row(b as usize)));
        let take = UInt32Array::from(order);
        let values = columns[..self.arguments]
            .iter()
            .map(|v| arrow_select::take::take(v.as_ref(), &take, None))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<u32> = take.values().iter().map(|&i| ids[i as usize]).collect();
        self.inner.update(&values, &ids, num_groups)?;
        self.inner.finish(num_groups)
    }

    fn memory_size(&self) -> usize {
        self.bytes + self.inner.memory_size()
    }
}
