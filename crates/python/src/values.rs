//! Arrow values as Python objects, for `fetchall()` and the DB-API cursor:
//! integers as `int`, text as `str`, DATE as `datetime.date`, TIMESTAMP as
//! `datetime.datetime`, DECIMAL as `decimal.Decimal`, lists as `list`,
//! structs and maps as `dict`, NULL as `None`.

use arrow_array::cast::AsArray;
use arrow_array::temporal_conversions::{as_date, as_datetime, as_time};
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use chrono::{Datelike, Timelike};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

/// Rows `start..end` of `batch` as tuples.
pub fn rows<'py>(
    py: Python<'py>,
    batch: &RecordBatch,
    start: usize,
    end: usize,
    out: &mut Vec<Bound<'py, PyTuple>>,
) -> PyResult<()> {
    // Only the rows asked for (a cursor fetches one at a time); their
    // dictionaries are decoded once per column, not per value.
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|c| {
            let rows = c.slice(start, end - start);
            match c.data_type() {
                DataType::Dictionary(_, v) => arrow_cast::cast(&rows, v).map_err(to_err),
                _ => Ok(rows),
            }
        })
        .collect::<PyResult<_>>()?;
    for row in 0..end - start {
        let values = columns
            .iter()
            .map(|c| value(py, c, row))
            .collect::<PyResult<Vec<_>>>()?;
        out.push(PyTuple::new(py, values)?);
    }
    Ok(())
}

fn to_err(e: arrow_schema::ArrowError) -> PyErr {
    crate::errors::InternalError::new_err(e.to_string())
}

/// The module `name`, imported once.
fn module<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyModule>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyModule>> {
    Ok(cell
        .get_or_try_init(py, || Ok::<_, PyErr>(py.import(name)?.unbind()))?
        .bind(py))
}

static DATETIME: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static DECIMAL: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn datetime(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    module(py, &DATETIME, "datetime")
}

fn timedelta<'py>(py: Python<'py>, days: i64, micros: i64) -> PyResult<Bound<'py, PyAny>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("days", days)?;
    kwargs.set_item("microseconds", micros)?;
    datetime(py)?.getattr("timedelta")?.call((), Some(&kwargs))
}

/// Element `i` of `a` as a Python object.
pub fn value<'py>(py: Python<'py>, a: &ArrayRef, i: usize) -> PyResult<Bound<'py, PyAny>> {
    if a.is_null(i) {
        return Ok(py.None().into_bound(py));
    }
    macro_rules! prim {
        ($t:ty) => {
            Ok(a.as_primitive::<$t>()
                .value(i)
                .into_pyobject(py)?
                .into_any())
        };
    }
    let timestamp = |v: i64, unit: &TimeUnit, tz: &Option<std::sync::Arc<str>>| {
        let t = match unit {
            TimeUnit::Second => as_datetime::<TimestampSecondType>(v),
            TimeUnit::Millisecond => as_datetime::<TimestampMillisecondType>(v),
            TimeUnit::Microsecond => as_datetime::<TimestampMicrosecondType>(v),
            TimeUnit::Nanosecond => as_datetime::<TimestampNanosecondType>(v),
        };
        let Some(t) = t else {
            return formatted(py, a, i);
        };
        let (y, mo, d) = (t.year(), t.month(), t.day());
        let (h, mi, s) = (t.hour(), t.minute(), t.second());
        let us = t.nanosecond() / 1000;
        let dt = datetime(py)?;
        let tzinfo = match tz {
            Some(_) => dt.getattr("timezone")?.getattr("utc")?,
            None => py.None().into_bound(py),
        };
        dt.getattr("datetime")?
            .call1((y, mo, d, h, mi, s, us, tzinfo))
    };
    match a.data_type() {
        DataType::Null => Ok(py.None().into_bound(py)),
        DataType::Boolean => Ok(pyo3::types::PyBool::new(py, a.as_boolean().value(i))
            .to_owned()
            .into_any()),
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float16 => {
            let v = f64::from(a.as_primitive::<Float16Type>().value(i).to_f32());
            Ok(v.into_pyobject(py)?.into_any())
        }
        DataType::Float32 => {
            let v = f64::from(a.as_primitive::<Float32Type>().value(i));
            Ok(v.into_pyobject(py)?.into_any())
        }
        DataType::Float64 => prim!(Float64Type),
        DataType::Utf8 => Ok(a.as_string::<i32>().value(i).into_pyobject(py)?.into_any()),
        DataType::LargeUtf8 => Ok(a.as_string::<i64>().value(i).into_pyobject(py)?.into_any()),
        DataType::Utf8View => Ok(a.as_string_view().value(i).into_pyobject(py)?.into_any()),
        DataType::Binary => Ok(PyBytes::new(py, a.as_binary::<i32>().value(i)).into_any()),
        DataType::LargeBinary => Ok(PyBytes::new(py, a.as_binary::<i64>().value(i)).into_any()),
        DataType::BinaryView => Ok(PyBytes::new(py, a.as_binary_view().value(i)).into_any()),
        DataType::FixedSizeBinary(_) => {
            Ok(PyBytes::new(py, a.as_fixed_size_binary().value(i)).into_any())
        }
        DataType::Date32 | DataType::Date64 => {
            let d = match a.data_type() {
                DataType::Date32 => {
                    as_date::<Date32Type>(a.as_primitive::<Date32Type>().value(i).into())
                }
                _ => as_date::<Date64Type>(a.as_primitive::<Date64Type>().value(i)),
            };
            let date = d.map(|d| {
                datetime(py)?
                    .getattr("date")?
                    .call1((d.year(), d.month(), d.day()))
            });
            match date {
                Some(Ok(date)) => Ok(date),
                // Outside Python's years 1 to 9999: the text tern prints.
                _ => formatted(py, a, i),
            }
        }
        DataType::Timestamp(unit, tz) => {
            let v = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().value(i),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(i),
            };
            match timestamp(v, unit, tz) {
                Ok(v) => Ok(v),
                // Outside Python's years 1 to 9999.
                Err(_) => formatted(py, a, i),
            }
        }
        DataType::Time32(_) | DataType::Time64(_) => {
            let t = match a.data_type() {
                DataType::Time32(TimeUnit::Second) => as_time::<Time32SecondType>(
                    a.as_primitive::<Time32SecondType>().value(i).into(),
                ),
                DataType::Time32(_) => as_time::<Time32MillisecondType>(
                    a.as_primitive::<Time32MillisecondType>().value(i).into(),
                ),
                DataType::Time64(TimeUnit::Microsecond) => as_time::<Time64MicrosecondType>(
                    a.as_primitive::<Time64MicrosecondType>().value(i),
                ),
                _ => as_time::<Time64NanosecondType>(
                    a.as_primitive::<Time64NanosecondType>().value(i),
                ),
            };
            match t {
                Some(t) => datetime(py)?.getattr("time")?.call1((
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.nanosecond() / 1000,
                )),
                None => formatted(py, a, i),
            }
        }
        DataType::Duration(unit) => {
            let v = match unit {
                TimeUnit::Second => a
                    .as_primitive::<DurationSecondType>()
                    .value(i)
                    .saturating_mul(1_000_000),
                TimeUnit::Millisecond => a
                    .as_primitive::<DurationMillisecondType>()
                    .value(i)
                    .saturating_mul(1000),
                TimeUnit::Microsecond => a.as_primitive::<DurationMicrosecondType>().value(i),
                TimeUnit::Nanosecond => a.as_primitive::<DurationNanosecondType>().value(i) / 1000,
            };
            timedelta(py, 0, v)
        }
        // As DuckDB does: a month is 30 days.
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = a.as_primitive::<IntervalMonthDayNanoType>().value(i);
            timedelta(
                py,
                i64::from(v.months) * 30 + i64::from(v.days),
                v.nanoseconds / 1000,
            )
        }
        DataType::Interval(IntervalUnit::DayTime) => {
            let v = a.as_primitive::<IntervalDayTimeType>().value(i);
            timedelta(py, v.days.into(), i64::from(v.milliseconds) * 1000)
        }
        DataType::Interval(IntervalUnit::YearMonth) => {
            let months = a.as_primitive::<IntervalYearMonthType>().value(i);
            timedelta(py, i64::from(months) * 30, 0)
        }
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => {
            let text = formatted(py, a, i)?;
            module(py, &DECIMAL, "decimal")?
                .getattr("Decimal")?
                .call1((text,))
        }
        DataType::List(_) => list(py, &a.as_list::<i32>().value(i)),
        DataType::LargeList(_) => list(py, &a.as_list::<i64>().value(i)),
        DataType::FixedSizeList(..) => list(py, &a.as_fixed_size_list().value(i)),
        DataType::Struct(fields) => {
            let s = a.as_struct();
            let dict = PyDict::new(py);
            for (f, c) in fields.iter().zip(s.columns()) {
                dict.set_item(f.name(), value(py, c, i)?)?;
            }
            Ok(dict.into_any())
        }
        DataType::Map(..) => {
            let m = a.as_map();
            let entries = m.value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            let dict = PyDict::new(py);
            for j in 0..entries.len() {
                dict.set_item(value(py, keys, j)?, value(py, values, j)?)?;
            }
            Ok(dict.into_any())
        }
        DataType::Dictionary(_, v) => {
            let decoded = arrow_cast::cast(&a.slice(i, 1), v).map_err(to_err)?;
            value(py, &decoded, 0)
        }
        _ => formatted(py, a, i),
    }
}

fn list<'py>(py: Python<'py>, items: &ArrayRef) -> PyResult<Bound<'py, PyAny>> {
    let values = (0..items.len())
        .map(|j| value(py, items, j))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, values)?.into_any())
}

/// Element `i` as the text tern prints for it.
fn formatted<'py>(py: Python<'py>, a: &ArrayRef, i: usize) -> PyResult<Bound<'py, PyAny>> {
    let f = arrow_cast::display::ArrayFormatter::try_new(
        a.as_ref(),
        &arrow_cast::display::FormatOptions::default(),
    )
    .map_err(to_err)?;
    Ok(f.value(i).to_string().into_pyobject(py)?.into_any())
}
