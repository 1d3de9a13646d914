//! Variances, standard deviations, covariances, correlation and the
//! REGR_* family, from running means and sums of squared deviations
//! (Welford's update; partial states merge by Chan et al.'s formula), which
//! stay accurate where the textbook `Σx² − (Σx)²/n` cancels away.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array};

use super::{same, vec_bytes, Accumulator};
use crate::error::Result;
use crate::plan::AggFunc;

/// One group's state over the pairs `(a, b)` where neither is NULL (`b` is
/// unused by the one-argument statistics). For `REGR_*(y, x)`, `a` is `y`.
#[derive(Clone, Copy, Default)]
pub(in crate::exec) struct State {
    pub(in crate::exec) n: f64,
    mean_a: f64,
    mean_b: f64,
    /// Σ(a − mean_a)².
    m2_a: f64,
    /// Σ(b − mean_b)².
    m2_b: f64,
    /// Σ(a − mean_a)(b − mean_b).
    c_ab: f64,
}

impl State {
    #[inline]
    pub(in crate::exec) fn add(&mut self, a: f64, b: f64) {
        self.n += 1.0;
        let da = a - self.mean_a;
        let db = b - self.mean_b;
        self.mean_a += da / self.n;
        self.mean_b += db / self.n;
        self.m2_a += da * (a - self.mean_a);
        self.m2_b += db * (b - self.mean_b);
        self.c_ab += da * (b - self.mean_b);
    }

    pub(in crate::exec) fn merge(&mut self, o: &State) {
        if o.n == 0.0 {
            return;
        }
        if self.n == 0.0 {
            *self = *o;
            return;
        }
        let n = self.n + o.n;
        let da = o.mean_a - self.mean_a;
        let db = o.mean_b - self.mean_b;
        let w = self.n * o.n / n;
        self.m2_a += o.m2_a + da * da * w;
        self.m2_b += o.m2_b + db * db * w;
        self.c_ab += o.c_ab + da * db * w;
        self.mean_a += da * o.n / n;
        self.mean_b += db * o.n / n;
        self.n = n;
    }

    /// The statistic `func` of this state; `None` is NULL.
    pub(in crate::exec) fn value(&self, func: AggFunc) -> Option<f64> {
        let n = self.n;
        let some = |v: f64| (n > 0.0).then_some(v);
        let sample = |v: f64| (n > 1.0).then(|| v / (n - 1.0));
        match func {
            AggFunc::VarPop => some(self.m2_a / n),
            AggFunc::VarSamp => sample(self.m2_a),
            AggFunc::StddevPop => some((self.m2_a / n).sqrt()),
            AggFunc::StddevSamp => sample(self.m2_a).map(f64::sqrt),
            AggFunc::CovarPop => some(self.c_ab / n),
            AggFunc::CovarSamp => sample(self.c_ab),
            // 0/0 is NaN where a variable does not vary, as in DuckDB.
            AggFunc::Corr => some(self.c_ab / (self.m2_a.sqrt() * self.m2_b.sqrt())),
            AggFunc::RegrSlope => some(self.c_ab / self.m2_b),
            AggFunc::RegrIntercept => {
                let slope = self.c_ab / self.m2_b;
                (n > 0.0 && slope.is_finite()).then_some(self.mean_a - slope * self.mean_b)
            }
            // PostgreSQL's and DuckDB's rule: no fit when x does not vary,
            // a perfect one when only y does not.
            AggFunc::RegrR2 => match (n > 0.0, self.m2_b == 0.0, self.m2_a == 0.0) {
                (false, _, _) | (true, true, _) => None,
                (true, false, true) => Some(1.0),
                (true, false, false) => Some(self.c_ab * self.c_ab / (self.m2_a * self.m2_b)),
            },
            AggFunc::RegrAvgX => some(self.mean_b),
            AggFunc::RegrAvgY => some(self.mean_a),
            AggFunc::RegrSxx => some(self.m2_b),
            AggFunc::RegrSyy => some(self.m2_a),
            AggFunc::RegrSxy => some(self.c_ab),
            _ => None,
        }
    }
}

/// The per-group states of one statistic.
pub(super) struct Moments {
    func: AggFunc,
    states: Vec<State>,
}

impl Moments {
    pub(super) fn new(func: AggFunc) -> Self {
        Moments {
            func,
            states: vec![],
        }
    }
}

impl Accumulator for Moments {
    fn memory_size(&self) -> usize {
        vec_bytes(&self.states)
    }
    fn merge(&mut self, other: Box<dyn Accumulator>, map: &[u32], n: usize) -> Result<()> {
        self.states.resize(n, State::default());
        for (&g, o) in map.iter().zip(same::<Self>(other)?.states.iter()) {
            self.states[g as usize].merge(o);
        }
        Ok(())
    }
    fn update(&mut self, values: &[ArrayRef], ids: &[u32], num_groups: usize) -> Result<()> {
        self.states.resize(num_groups, State::default());
        let a = values[0].as_primitive::<Float64Type>();
        match values.get(1) {
            Some(b) => {
                let b = b.as_primitive::<Float64Type>();
                for (i, &g) in ids.iter().enumerate() {
                    if a.is_valid(i) && b.is_valid(i) {
                        self.states[g as usize].add(a.value(i), b.value(i));
                    }
                }
            }
            None => {
                for (i, &g) in ids.iter().enumerate() {
                    if a.is_valid(i) {
                        self.states[g as usize].add(a.value(i), 0.0);
                    }
                }
            }
        }
        Ok(())
    }
    fn finish(&mut self, num_groups: usize) -> Result<ArrayRef> {
        self.states.resize(num_groups, State::default());
        if self.func == AggFunc::RegrCount {
            let counts = self.states.iter().map(|s| s.n as i64);
            return Ok(Arc::new(Int64Array::from_iter_values(counts)));
        }
        let out: Float64Array = self.states.iter().map(|s| s.value(self.func)).collect();
        Ok(Arc::new(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merging two halves' states gives the state of the whole, so parallel
    /// parts agree with one pass.
    #[test]
    fn merged_halves_match_one_pass() {
        let xs: Vec<(f64, f64)> = (0..50)
            .map(|i| ((i * 37 % 11) as f64 + 1e9, (i * 13 % 7) as f64 * 0.5))
            .collect();
        let mut whole = State::default();
        xs.iter().for_each(|&(a, b)| whole.add(a, b));
        for cut in [0, 1, 17, 49, 50] {
            let (mut left, mut right) = (State::default(), State::default());
            xs[..cut].iter().for_each(|&(a, b)| left.add(a, b));
            xs[cut..].iter().for_each(|&(a, b)| right.add(a, b));
            left.merge(&right);
            for f in [AggFunc::VarSamp, AggFunc::CovarPop, AggFunc::RegrSlope] {
                let (w, m) = (whole.value(f).unwrap(), left.value(f).unwrap());
                // Values near 1e9 carry about 1e-7 of rounding in their means.
                assert!(
                    (w - m).abs() <= 1e-6 * w.abs().max(1.0),
                    "{cut}: {w} vs {m}"
                );
            }
        }
        // The variance of values near 1e9 keeps its digits.
        let plain: Vec<f64> = xs.iter().map(|&(a, _)| a - 1e9).collect();
        let mean = plain.iter().sum::<f64>() / 50.0;
        let var = plain.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 49.0;
        assert!((whole.value(AggFunc::VarSamp).unwrap() - var).abs() < 1e-6);
    }
}
