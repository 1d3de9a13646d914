//! `agg(DISTINCT ...)`.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, UInt32Array};
use arrow_schema::DataType;

use super::{update_kept, Accumulator};
use crate::error::{Error, Result};
use crate::exec::rowset::{Interner, KeyEncoder};

/// `agg(DISTINCT x [, ...])`: passes each group's distinct argument rows to
/// the inner accumulator once, skipping rows whose first argument is NULL.
pub(super) struct Distinct {
    encoder: KeyEncoder,
    seen: Interner,
    inner: Box<dyn Accumulator>,
}

impl Distinct {
    /// Over arguments of types `types`.
    pub(super) fn new(types: &[DataType], inner: Box<dyn Accumulator>) -> Result<Self> {
        let mut key = vec![DataType::UInt32];
        key.extend_from_slice(types);
        let encoder = KeyEncoder::new(&key)?;
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
        let mut key: Vec<ArrayRef> = vec![Arc::new(UInt32Array::from(ids.to_vec()))];
        key.extend(values.iter().cloned());
        let rows = self.encoder.encode(&key)?;
        let nulls = v.logical_nulls();
        let keep: Vec<u32> = (0..v.len())
            .filter(|&i| {
                nulls.as_ref().is_none_or(|n| n.is_valid(i)) && self.seen.intern(rows.row(i)).1
            })
            .map(|i| i as u32)
            .collect();
        update_kept(self.inner.as_mut(), values, ids, &keep, num_groups)
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.inner.finish(num_groups)
    }
}
