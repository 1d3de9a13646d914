//! TPC-H: data generated in process and answers checked.
//!
//! Data comes from the `tpchgen` / `tpchgen-arrow` crates (a Rust port of the
//! reference `dbgen`, deterministic for a scale factor), written as one Parquet
//! file per table. The same generator wrote the data behind the answers in
//! `../shared/bench/tpch/answers` (scale factor 1) and in `tests/tpch/sf0.01`
//! (computed by DuckDB over [`generate`]'s files; see that folder's README).
//!
//! [`compare_csv`] decides whether a result matches an answer: exact text for
//! strings, dates and decimals (money must stay exact), a relative tolerance of
//! 1e-9 only for values the answer prints with more than six fractional digits
//! (floating-point averages and ratios).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::ArrowError;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use tpchgen::generators::{
    CustomerGenerator, LineItemGenerator, NationGenerator, OrderGenerator, PartGenerator,
    PartSuppGenerator, RegionGenerator, SupplierGenerator,
};
use tpchgen_arrow::{
    CustomerArrow, LineItemArrow, NationArrow, OrderArrow, PartArrow, PartSuppArrow, RegionArrow,
    SupplierArrow,
};

/// The eight TPC-H tables.
pub const TABLES: [&str; 8] = [
    "customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier",
];

/// Rows per generated batch and per Parquet row group's write chunk.
const BATCH: usize = 64 * 1024;
/// Rows per Parquet row group (so large tables have several, as real files do).
const ROW_GROUP: usize = 1 << 20;

/// Where the data of scale factor `sf` lives under `target/`.
pub fn data_dir(target: &Path, sf: f64) -> PathBuf {
    target.join("tpch").join(format!("sf{sf}"))
}

/// The Parquet file of `table` in `dir`.
pub fn table_path(dir: &Path, table: &str) -> PathBuf {
    dir.join(format!("{table}.parquet"))
}

/// Writes the eight tables of scale factor `sf` into `dir` as Parquet, skipping
/// tables already there. Each file is written under a temporary name and
/// renamed, so an interrupted run never leaves a half file behind.
pub fn generate(dir: &Path, sf: f64) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for table in TABLES {
        let path = table_path(dir, table);
        if path.exists() {
            continue;
        }
        let batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>> = match table {
            "customer" => Box::new(
                CustomerArrow::new(CustomerGenerator::new(sf, 1, 1)).with_batch_size(BATCH),
            ),
            "lineitem" => Box::new(
                LineItemArrow::new(LineItemGenerator::new(sf, 1, 1)).with_batch_size(BATCH),
            ),
            "nation" => {
                Box::new(NationArrow::new(NationGenerator::new(sf, 1, 1)).with_batch_size(BATCH))
            }
            "orders" => {
                Box::new(OrderArrow::new(OrderGenerator::new(sf, 1, 1)).with_batch_size(BATCH))
            }
            "part" => Box::new(PartArrow::new(PartGenerator::new(sf, 1, 1)).with_batch_size(BATCH)),
            "partsupp" => Box::new(
                PartSuppArrow::new(PartSuppGenerator::new(sf, 1, 1)).with_batch_size(BATCH),
            ),
            "region" => {
                Box::new(RegionArrow::new(RegionGenerator::new(sf, 1, 1)).with_batch_size(BATCH))
            }
            "supplier" => Box::new(
                SupplierArrow::new(SupplierGenerator::new(sf, 1, 1)).with_batch_size(BATCH),
            ),
            _ => unreachable!("TABLES lists the tables above"),
        };
        write_parquet(&path, batches)?;
    }
    Ok(())
}

pub(crate) fn write_parquet(
    path: &Path,
    batches: impl Iterator<Item = Result<RecordBatch, ArrowError>>,
) -> Result<(), String> {
    let tmp = path.with_extension("parquet.tmp");
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", tmp.display());
    let mut batches = batches.peekable();
    let schema = match batches.peek() {
        Some(Ok(b)) => b.schema(),
        Some(Err(e)) => return Err(format!("generating {}: {e}", path.display())),
        None => return Err(format!("the generator gave no rows for {}", path.display())),
    };
    let file = File::create(&tmp).map_err(|e| fail(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build();
    let mut writer =
        ArrowWriter::try_new(file, Arc::clone(&schema), Some(props)).map_err(|e| fail(&e))?;
    for b in batches {
        let b = b.map_err(|e| fail(&e))?;
        writer.write(&b).map_err(|e| fail(&e))?;
    }
    writer.close().map_err(|e| fail(&e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(&e))
}

/// Splits one CSV line into fields (RFC 4180 quoting; answers have no
/// newlines inside fields).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// A number's digits after the decimal point, when `s` is a plain decimal.
fn fraction_digits(s: &str) -> Option<usize> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() && digits(int) && digits(frac)).then_some(frac.len())
}

/// `s` without trailing fractional zeros (`12.50` -> `12.5`, `3.00` -> `3`).
fn normalize_decimal(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn same_value(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    match (fraction_digits(expected), fraction_digits(actual)) {
        // An exact decimal in the answer: the result must be the same number.
        (Some(digits), Some(_)) if digits <= 6 => {
            normalize_decimal(expected) == normalize_decimal(actual)
        }
        _ => match (expected.parse::<f64>(), actual.parse::<f64>()) {
            (Ok(e), Ok(a)) => {
                let scale = e.abs().max(a.abs()).max(f64::MIN_POSITIVE);
                (e - a).abs() / scale <= 1e-9
            }
            _ => false,
        },
    }
}

/// Checks a result (CSV with a header line) against an answer (the same
/// format): same column names, same number of rows, same values in order.
///
/// ```
/// use tern_benches::tpch::compare_csv;
/// assert!(compare_csv("a,b\nx,1.50\n", "a,b\nx,1.5\n").is_ok());
/// assert!(compare_csv("a,b\nx,0.6989\n", "a,b\nx,0.69889999996\n").is_err());
/// assert!(compare_csv("avg\n25.522005853257337\n", "avg\n25.52200585325734\n").is_ok());
/// ```
pub fn compare_csv(expected: &str, actual: &str) -> Result<(), String> {
    // Lines as written: an empty line is a row whose one value is NULL.
    let exp: Vec<&str> = expected.lines().collect();
    let act: Vec<&str> = actual.lines().collect();
    let (Some(eh), Some(ah)) = (exp.first(), act.first()) else {
        return Err("no header line".into());
    };
    if csv_fields(eh) != csv_fields(ah) {
        return Err(format!("columns differ: expected {eh}, got {ah}"));
    }
    if exp.len() != act.len() {
        return Err(format!(
            "expected {} rows, got {}",
            exp.len() - 1,
            act.len() - 1
        ));
    }
    let names = csv_fields(eh);
    for (row, (e, a)) in exp.iter().zip(&act).enumerate().skip(1) {
        // NULL is an empty field, quoted or not.
        let (ef, af) = (csv_fields(e), csv_fields(a));
        if ef.len() != af.len() {
            return Err(format!("row {row}: expected {e}, got {a}"));
        }
        for (i, (x, y)) in ef.iter().zip(&af).enumerate() {
            if !same_value(x, y) {
                let name = names.get(i).map(String::as_str).unwrap_or("?");
                return Err(format!("row {row}, column {name}: expected {x}, got {y}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_must_be_exact_and_floats_close() {
        assert!(same_value("37734107.00", "37734107"));
        assert!(same_value("0.0500934266742163", "0.05009342667421631"));
        assert!(!same_value("53758257134.8700", "53758257134.8701"));
        assert!(!same_value("406181.0111", "406181.01110000005"));
        assert!(!same_value("BRAZIL", "brazil"));
        assert!(!same_value("1995-03-05", "1995-03-06"));
    }

    #[test]
    fn quoted_fields_and_row_counts() {
        assert_eq!(
            csv_fields(r#"1,"a,b","say ""hi""""#),
            ["1", "a,b", r#"say "hi""#]
        );
        assert!(compare_csv("a\n1\n2\n", "a\n1\n").is_err());
        assert!(compare_csv("a\n1\n", "b\n1\n").is_err());
    }
}
