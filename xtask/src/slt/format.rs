//! Rendering engine values the way the conformance files write them.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, TimeUnit};

/// Formats row `i` of `a` for a column whose type letter is `kind` (I, R or T).
pub fn value(a: &ArrayRef, i: usize, kind: char) -> String {
    if is_null(a, i) {
        return "NULL".into();
    }
    match kind {
        'R' => match float(a, i) {
            Some(f) => real(f),
            None => text(a, i),
        },
        'I' => match a.data_type() {
            t if t.is_floating() || matches!(t, DataType::Decimal128(..)) => float(a, i)
                .map(|f| format!("{}", f.trunc() as i64))
                .unwrap_or_else(|| text(a, i)),
            _ => text(a, i),
        },
        _ => text(a, i),
    }
}

/// Whether row `i` is NULL. A column of type NULL (`SELECT NULL`) has no
/// validity buffer: its nulls are only logical.
fn is_null(a: &ArrayRef, i: usize) -> bool {
    a.logical_nulls().is_some_and(|n| n.is_null(i))
}

fn float(a: &ArrayRef, i: usize) -> Option<f64> {
    let f = arrow_cast::cast(&a.slice(i, 1), &DataType::Float64).ok()?;
    let f = f.as_primitive::<Float64Type>();
    (!f.is_null(0)).then(|| f.value(0))
}

/// `%.3f`, with `-0.000` written `0.000`.
fn real(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let s = format!("{f:.3}");
    if s == "-0.000" {
        "0.000".into()
    } else {
        s
    }
}

/// Text form; an empty string is `(empty)`, inside lists and structs too.
fn text(a: &ArrayRef, i: usize) -> String {
    if is_null(a, i) {
        return "NULL".into();
    }
    let s = match a.data_type() {
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => {
            real(float(a, i).unwrap_or(f64::NAN))
        }
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Timestamp(unit, _) => {
            let micros = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i) * 1_000_000,
                TimeUnit::Millisecond => {
                    a.as_primitive::<TimestampMillisecondType>().value(i) * 1_000
                }
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => {
                    a.as_primitive::<TimestampNanosecondType>().value(i) / 1_000
                }
            };
            timestamp(micros)
        }
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let v = l.value(i);
            let items: Vec<String> = (0..v.len()).map(|j| text(&v, j)).collect();
            format!("[{}]", items.join(", "))
        }
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let items: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(k, f)| format!("{}: {}", f.name(), text(s.column(k), i)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        DataType::Binary => String::from_utf8_lossy(a.as_binary::<i32>().value(i)).into_owned(),
        _ => {
            let opts = FormatOptions::default();
            match ArrayFormatter::try_new(a.as_ref(), &opts) {
                Ok(f) => f.value(i).to_string(),
                Err(e) => format!("<{e}>"),
            }
        }
    };
    if s.is_empty() {
        "(empty)".into()
    } else {
        s
    }
}

fn timestamp(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let base = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        tod / 3600,
        (tod % 3600) / 60,
        tod % 60
    );
    if frac == 0 {
        base
    } else {
        format!("{base}.{frac:06}")
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn formats_like_the_corpus() {
        let f: ArrayRef = Arc::new(arrow_array::Float64Array::from(vec![
            Some(-0.0001),
            Some(1.0),
            None,
        ]));
        assert_eq!(value(&f, 0, 'R'), "0.000");
        assert_eq!(value(&f, 1, 'R'), "1.000");
        assert_eq!(value(&f, 2, 'R'), "NULL");
        let i: ArrayRef = Arc::new(arrow_array::Int64Array::from(vec![7]));
        assert_eq!(value(&i, 0, 'R'), "7.000");
        assert_eq!(value(&i, 0, 'I'), "7");
        let s: ArrayRef = Arc::new(arrow_array::StringArray::from(vec!["", "a "]));
        assert_eq!(value(&s, 0, 'T'), "(empty)");
        assert_eq!(value(&s, 1, 'T'), "a ");
        // `SELECT NULL`: a column of type NULL, without a validity buffer.
        let n: ArrayRef = Arc::new(arrow_array::NullArray::new(2));
        assert_eq!(value(&n, 1, 'T'), "NULL");
        assert_eq!(value(&n, 0, 'I'), "NULL");
        assert_eq!(timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(timestamp(951_782_400_000_001), "2000-02-29 00:00:00.000001");
    }
}
