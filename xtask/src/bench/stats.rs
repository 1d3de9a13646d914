//! Summaries of repeated measurements.

use serde_json::{json, Value};

/// Median, min, max and mean of a set of samples, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub runs: usize,
}

impl Summary {
    pub fn of(samples_ms: &[f64]) -> Option<Summary> {
        if samples_ms.is_empty() {
            return None;
        }
        let mut v = samples_ms.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: v[0],
            max: v[n - 1],
            mean: v.iter().sum::<f64>() / n as f64,
            runs: n,
        })
    }

    pub fn to_json(self) -> Value {
        json!({
            "median_ms": round(self.median),
            "avg_ms": round(self.mean),
            "min_ms": round(self.min),
            "max_ms": round(self.max),
            "runs": self.runs,
        })
    }
}

/// Rounds to nanosecond resolution (in milliseconds) so the JSON stays readable.
pub fn round(ms: f64) -> f64 {
    (ms * 1e6).round() / 1e6
}

/// Human-readable duration.
pub fn fmt_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{:.1} µs", ms * 1000.0)
    } else {
        format!("{ms:.3} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_samples() {
        let s = Summary::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!(
            (s.median, s.min, s.max, s.mean, s.runs),
            (2.5, 1.0, 10.0, 4.0, 4)
        );
        assert!(Summary::of(&[]).is_none());
        assert_eq!(fmt_ms(0.0123), "12.3 µs");
    }
}
