//! The 10M-row table of the throughput suite, with the schema of
//! `../shared/peers/make_data.py` (`medium.parquet`): `id` int64 0..n, `k`
//! int64 uniform in 0..1000, `v` float64 uniform in [0, 1), `s` an 8-letter
//! string drawn uniformly from 1,000 distinct ones, `'abcdefgh'` among them.
//! Snappy, 1 Mi-row row groups. Seeded: the same file on every machine (not
//! the same values as the Python script's generator, the same distribution).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::ArrowError;

/// Rows of the table.
pub const ROWS: usize = 10_000_000;

/// Rows per generated batch.
const BATCH: usize = 1 << 16;

/// The file's path under `target/`.
pub fn path(target: &Path) -> PathBuf {
    target.join("bench-data").join("medium.parquet")
}

/// xorshift64*: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// 1,000 distinct 8-letter words, sorted, `'abcdefgh'` among them.
fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut words = std::collections::BTreeSet::from(["abcdefgh".to_string()]);
    while words.len() < 1000 {
        let w: String = (0..8)
            .map(|_| (b'a' + rng.below(26) as u8) as char)
            .collect();
        words.insert(w);
    }
    words.into_iter().collect()
}

/// Writes the table to `file` (with `rows` rows) unless it is there.
pub fn generate(file: &Path, rows: usize) -> Result<(), String> {
    if file.exists() {
        return Ok(());
    }
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut rng = Rng(42);
    let words = vocabulary(&mut rng);
    let batches = (0..rows).step_by(BATCH).map(move |start| {
        let n = BATCH.min(rows - start);
        let id = Int64Array::from_iter_values(start as i64..(start + n) as i64);
        let k = Int64Array::from_iter_values((0..n).map(|_| rng.below(1000) as i64));
        let v = Float64Array::from_iter_values((0..n).map(|_| rng.unit()));
        let s = StringArray::from_iter_values((0..n).map(|_| &words[rng.below(1000) as usize]));
        RecordBatch::try_from_iter([
            ("id", Arc::new(id) as ArrayRef),
            ("k", Arc::new(k) as ArrayRef),
            ("v", Arc::new(v) as ArrayRef),
            ("s", Arc::new(s) as ArrayRef),
        ])
    });
    crate::tpch::write_parquet(file, batches.map(|b| b.map_err(ArrowError::from)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_fixed_and_holds_the_filtered_word() {
        let a = vocabulary(&mut Rng(42));
        assert_eq!(a.len(), 1000);
        assert!(a.binary_search(&"abcdefgh".to_string()).is_ok());
        assert_eq!(a, vocabulary(&mut Rng(42)));
    }
}
