//! SQL's CAST over arrays.
//!
//! Arrow's cast truncates a fractional value cast to an integer (2.7 → 2);
//! SQL engines round. tern follows DuckDB and PostgreSQL: a DECIMAL rounds
//! half away from zero (2.5 → 3, −2.5 → −3), a float rounds to the nearest
//! integer with ties to even (2.5 → 2, 3.5 → 4), as C's `rint` does.
//!
//! A timestamp as text is DuckDB's and PostgreSQL's `2024-01-07 10:11:12.5`
//! (arrow writes `2024-01-07T10:11:12.500`), and text without seconds
//! (`'2024-01-07 10:11'`) is a timestamp, as there. Every other cast is
//! arrow's.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_cast::CastOptions;
use arrow_schema::{ArrowError, DataType, TimeUnit};

/// `a` cast to `to`; with `safe`, a value that does not fit becomes NULL,
/// otherwise it is an error.
pub(crate) fn cast_values(a: &ArrayRef, to: &DataType, safe: bool) -> Result<ArrayRef, ArrowError> {
    let opts = CastOptions {
        safe,
        ..Default::default()
    };
    if crate::types::is_integer(to) {
        let whole = match a.data_type() {
            DataType::Decimal32(p, s) if *s > 0 => Some(DataType::Decimal32(*p, 0)),
            DataType::Decimal64(p, s) if *s > 0 => Some(DataType::Decimal64(*p, 0)),
            DataType::Decimal128(p, s) if *s > 0 => Some(DataType::Decimal128(*p, 0)),
            DataType::Decimal256(p, s) if *s > 0 => Some(DataType::Decimal256(*p, 0)),
            _ => None,
        };
        if let Some(whole) = whole {
            // Dropping the scale rounds half away from zero; the precision
            // stays wide enough for the digit a carry may add.
            let rounded = arrow_cast::cast_with_options(a, &whole, &opts)?;
            return arrow_cast::cast_with_options(&rounded, to, &opts);
        }
        if crate::types::is_float(a.data_type()) {
            let f = arrow_cast::cast(a, &DataType::Float64)?;
            let rounded: ArrayRef = Arc::new(
                f.as_primitive::<Float64Type>()
                    .unary::<_, Float64Type>(f64::round_ties_even),
            );
            return arrow_cast::cast_with_options(&rounded, to, &opts);
        }
    }
    match (a.data_type(), to) {
        (DataType::Timestamp(unit, None), DataType::Utf8) => {
            return timestamp_text(a, *unit, safe);
        }
        (DataType::Utf8, DataType::Timestamp(..)) => {
            if let Some(filled) = with_seconds(a) {
                return arrow_cast::cast_with_options(&filled, to, &opts);
            }
        }
        _ => {}
    }
    arrow_cast::cast_with_options(a, to, &opts)
}

/// Timestamps (without a time zone) as DuckDB writes them: `YYYY-MM-DD
/// HH:MM:SS`, and the fraction of a second only when there is one, without
/// trailing zeros.
fn timestamp_text(a: &ArrayRef, unit: TimeUnit, safe: bool) -> Result<ArrayRef, ArrowError> {
    use std::fmt::Write;
    let (per_second, digits) = match unit {
        TimeUnit::Second => (1, 0),
        TimeUnit::Millisecond => (1_000, 3),
        TimeUnit::Microsecond => (1_000_000, 6),
        TimeUnit::Nanosecond => (1_000_000_000, 9),
    };
    let ticks = arrow_cast::cast(a, &DataType::Int64)?;
    let ticks = ticks.as_primitive::<Int64Type>();
    let mut out = StringBuilder::with_capacity(ticks.len(), ticks.len() * 20);
    let mut text = String::with_capacity(32);
    for t in ticks.iter() {
        let Some(t) = t else {
            out.append_null();
            continue;
        };
        let (seconds, fraction) = (t.div_euclid(per_second), t.rem_euclid(per_second));
        let Some(time) = chrono::DateTime::from_timestamp(seconds, 0) else {
            if safe {
                out.append_null();
                continue;
            }
            return Err(ArrowError::CastError(format!(
                "the timestamp {t} ({unit:?}) is out of range"
            )));
        };
        text.clear();
        let _ = write!(text, "{}", time.naive_utc().format("%Y-%m-%d %H:%M:%S"));
        if fraction != 0 {
            let _ = write!(text, ".{fraction:0digits$}");
            text.truncate(text.trim_end_matches('0').len());
        }
        out.append_value(&text);
    }
    Ok(Arc::new(out.finish()))
}

/// `'2024-01-07 10:11'` as `'2024-01-07 10:11:00'` (arrow's parser wants
/// the seconds), or `None` when no value lacks them.
fn with_seconds(a: &ArrayRef) -> Option<ArrayRef> {
    let texts = a.as_string::<i32>();
    let short = |t: &str| {
        let b = t.trim().as_bytes();
        b.len() == 16
            && matches!(b[10], b' ' | b'T')
            && b[13] == b':'
            && b.iter()
                .enumerate()
                .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13) || c.is_ascii_digit())
    };
    if !texts.iter().flatten().any(short) {
        return None;
    }
    let filled: StringArray = texts
        .iter()
        .map(|v| {
            v.map(|t| match short(t) {
                true => format!("{}:00", t.trim()),
                false => t.to_string(),
            })
        })
        .collect();
    Some(Arc::new(filled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, Decimal128Array, Float64Array, Int32Array};

    fn ints(a: ArrayRef) -> Vec<Option<i32>> {
        a.as_primitive::<arrow_array::types::Int32Type>()
            .iter()
            .collect()
    }

    #[test]
    fn decimals_round_half_away_from_zero() {
        let d: ArrayRef = Arc::new(
            Decimal128Array::from(vec![
                Some(27),
                Some(-25),
                Some(25),
                Some(24),
                None,
                Some(999),
            ])
            .with_precision_and_scale(3, 1)
            .unwrap(),
        );
        let out = cast_values(&d, &DataType::Int32, false).unwrap();
        assert_eq!(
            ints(out),
            vec![Some(3), Some(-3), Some(3), Some(2), None, Some(100)]
        );
    }

    #[test]
    fn floats_round_to_nearest_even() {
        let f: ArrayRef = Arc::new(Float64Array::from(vec![2.7, 2.5, 3.5, -2.5, -0.4]));
        let out = cast_values(&f, &DataType::Int32, false).unwrap();
        assert_eq!(
            ints(out),
            vec![Some(3), Some(2), Some(4), Some(-2), Some(0)]
        );
    }

    #[test]
    fn out_of_range_is_an_error_or_null() {
        let f: ArrayRef = Arc::new(Float64Array::from(vec![1e20]));
        assert!(cast_values(&f, &DataType::Int32, false).is_err());
        let out = cast_values(&f, &DataType::Int32, true).unwrap();
        assert!(out.is_null(0));
        let i: ArrayRef = Arc::new(Int32Array::from(vec![7]));
        assert_eq!(
            ints(cast_values(&i, &DataType::Int32, false).unwrap()),
            vec![Some(7)]
        );
    }
}
