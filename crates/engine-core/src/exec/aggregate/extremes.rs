//! Aggregates that keep one row of each group: MIN, MAX, BOOL_AND and
//! BOOL_OR (MIN and MAX of booleans), ANY_VALUE, and ARG_MIN/ARG_MAX, which
//! carry a second value from the winning row.

use arrow_array::{Array, ArrayRef};
use arrow_row::{OwnedRow, RowConverter, SortField};
use arrow_schema::DataType;

use super::{same, vec_bytes, Accumulator};
use crate::error::Result;

/// Which row of a group is kept.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Pick {
    /// The smallest key; of equal keys, the first met.
    Min,
    /// The largest key; of equal keys, the first met.
    Max,
    /// The first row met.
    First,
}

/// Column values as comparable `arrow-row` bytes, and the type to decode them to.
struct Codec {
    converter: RowConverter,
    data_type: DataType,
}

impl Codec {
    fn new(t: &DataType) -> Result<Self> {
        Ok(Codec {
            converter: RowConverter::new(vec![SortField::new(t.clone())])?,
            data_type: t.clone(),
        })
    }

    /// The column of `rows`, NULL where there is none.
    fn decode<'r>(&self, rows: impl Iterator<Item = Option<&'r OwnedRow>>) -> Result<ArrayRef> {
        let null = self
            .converter
            .convert_columns(&[arrow_array::new_null_array(&self.data_type, 1)])?;
        let rows = rows.map(|r| match r {
            Some(r) => r.row(),
            None => null.row(0),
        });
        let mut out = self.converter.convert_rows(rows)?;
        Ok(out.remove(0))
    }
}

/// The kept row of each group, as `arrow-row` bytes of its key (and of the
/// carried value). Its arguments are `[key]`, or `[carried, key]` for ARG_MIN
/// and ARG_MAX. Rows with a NULL argument are skipped.
pub(super) struct Best {
    key: Codec,
    carried: Option<Codec>,
    best: Vec<Option<(OwnedRow, Option<OwnedRow>)>>,
    /// Bytes of the rows in `best`.
    row_bytes: usize,
    pick: Pick,
}

impl Best {
    /// Keeps a row by `pick` of keys of type `key`, carrying a value of type
    /// `carried` if given.
    pub(super) fn new(key: &DataType, carried: Option<&DataType>, pick: Pick) -> Result<Self> {
        Ok(Best {
            key: Codec::new(key)?,
            carried: carried.map(Codec::new).transpose()?,
            best: vec![],
            row_bytes: 0,
            pick,
        })
    }

    /// The kept rows' arguments, in the order `update` takes them.
    fn arguments(&mut self, num_groups: usize) -> Result<Vec<ArrayRef>> {
        self.best.resize(num_groups, None);
        let keys = self
            .key
            .decode(self.best.iter().map(|b| b.as_ref().map(|(k, _)| k)))?;
        Ok(match &self.carried {
            Some(c) => {
                let carried = c.decode(
                    self.best
                        .iter()
                        .map(|b| b.as_ref().and_then(|(_, v)| v.as_ref())),
                )?;
                vec![carried, keys]
            }
            None => vec![keys],
        })
    }
}

impl Accumulator for Best {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.best) + self.row_bytes
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        // The other's kept rows, folded in as rows: the best of bests.
        let mut other = same::<Self>(other)?;
        let len = other.best.len();
        let values = other.arguments(len)?;
        self.update(&values, &map[..len], n)
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        self.best.resize(num_groups, None);
        let Some(k) = values.last() else {
            return Ok(());
        };
        let keys = self
            .key
            .converter
            .convert_columns(std::slice::from_ref(k))?;
        let carried = match &self.carried {
            Some(c) => Some((
                c.converter.convert_columns(&values[..1])?,
                values[0].logical_nulls(),
            )),
            None => None,
        };
        let nulls = k.logical_nulls();
        for (i, &g) in ids.iter().enumerate() {
            if nulls.as_ref().is_some_and(|n| n.is_null(i))
                || carried
                    .as_ref()
                    .is_some_and(|(_, n)| n.as_ref().is_some_and(|n| n.is_null(i)))
            {
                continue;
            }
            let row = keys.row(i);
            let slot = &mut self.best[g as usize];
            let better = match (slot.as_ref(), self.pick) {
                (None, _) => true,
                (Some(_), Pick::First) => false,
                (Some((cur, _)), Pick::Min) => row < cur.row(),
                (Some((cur, _)), Pick::Max) => row > cur.row(),
            };
            if better {
                let old = slot.as_ref().map_or(0, |(k, v)| {
                    k.row().as_ref().len() + v.as_ref().map_or(0, |v| v.row().as_ref().len())
                });
                let value = carried.as_ref().map(|(rows, _)| rows.row(i).owned());
                let new = row.as_ref().len() + value.as_ref().map_or(0, |v| v.row().as_ref().len());
                self.row_bytes = self.row_bytes + new - old;
                *slot = Some((row.owned(), value));
            }
        }
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        let mut columns = self.arguments(num_groups)?;
        Ok(columns.swap_remove(0))
    }
}
