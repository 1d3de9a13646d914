//! Counting and summing: COUNT, COUNT_IF, SUM and AVG.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, Decimal128Type, Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, ArrowNativeTypeOp, Float64Array, Int64Array, PrimitiveArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;

use super::{same, vec_bytes, Accumulator};
use crate::error::{Error, Result};

/// What COUNT counts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Counted {
    /// Every row: `COUNT(*)`.
    Rows,
    /// Rows whose value is not NULL: `COUNT(x)`.
    Values,
    /// Rows whose (boolean) value is true: `COUNT_IF(b)`.
    True,
}

pub(super) struct Count {
    counts: Vec<i64>,
    counted: Counted,
}

impl Count {
    pub(super) fn new(counted: Counted) -> Self {
        Count {
            counts: vec![],
            counted,
        }
    }
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
        if self.counted == Counted::True {
            let v = values[0].as_boolean();
            for (i, &g) in ids.iter().enumerate() {
                if v.is_valid(i) && v.value(i) {
                    self.counts[g as usize] += 1;
                }
            }
            return Ok(());
        }
        // Logical nulls: a NULL-typed column has no validity buffer.
        match values
            .first()
            .filter(|_| self.counted == Counted::Values)
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
pub(super) struct Sum<P: ArrowPrimitiveType> {
    sums: Vec<P::Native>,
    seen: Vec<bool>,
    /// The error when a sum overflows.
    overflow: &'static str,
    /// The result's type (a decimal's precision and scale).
    output: DataType,
}

impl<P: ArrowPrimitiveType> Sum<P> {
    pub(super) fn new(overflow: &'static str, output: DataType) -> Self {
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

pub(super) struct Avg {
    sums: Vec<f64>,
    counts: Vec<i64>,
}

impl Avg {
    pub(super) fn new() -> Self {
        Avg {
            sums: vec![],
            counts: vec![],
        }
    }
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
pub(super) struct AvgExact {
    sums: Vec<i128>,
    counts: Vec<i64>,
    scale: i8,
}

impl AvgExact {
    /// Over values with `scale` decimal places (0 for integers).
    pub(super) fn new(scale: i8) -> Self {
        AvgExact {
            sums: vec![],
            counts: vec![],
            scale,
        }
    }
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
