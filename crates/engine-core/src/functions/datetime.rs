//! Dates, timestamps and intervals: `EXTRACT` / `DATE_PART`, `DATE_TRUNC`, and
//! interval literals. The calendar work is arrow's (`arrow_arith::temporal`,
//! `arrow_cast::parse`) and chrono's; this module only maps SQL onto it.

use std::sync::Arc;

use arrow_arith::temporal::DatePart;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, Date32Array, PrimitiveArray};
use arrow_buffer::IntervalMonthDayNano;
use arrow_schema::{DataType, TimeUnit};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::error::{Error, Result};

use super::registry::{def, FunctionDef, FunctionKind::Scalar};
use super::ScalarFunc as F;

/// The date and time functions.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(&["now", "current_timestamp"], Scalar(F::Now), "NOW() -> TIMESTAMP", "the current time (UTC)"),
    def(&["current_date", "today"], Scalar(F::CurrentDate), "CURRENT_DATE -> DATE", "today's date (UTC)"),
    def(
        &["date_part", "datepart"],
        Scalar(F::DatePart),
        "DATE_PART(part, date | timestamp) -> BIGINT",
        "a part (year, month, day, hour, dow, epoch, ...) of a date or time; also EXTRACT(part FROM x)",
    ),
    def(
        &["date_trunc", "datetrunc"],
        Scalar(F::DateTrunc),
        "DATE_TRUNC(part, date | timestamp) -> type of x",
        "the date or time cut down to the start of its part (year, month, week, day, hour, ...)",
    ),
    def(
        &["datediff", "date_diff"],
        Scalar(F::DateDiff),
        "DATEDIFF(part, start, end) -> BIGINT",
        "how many part boundaries lie from start to end",
    ),
    def(&["year"], Scalar(F::Year), "YEAR(date | timestamp) -> BIGINT", "the year"),
    def(&["month"], Scalar(F::Month), "MONTH(date | timestamp) -> BIGINT", "the month, 1 to 12"),
    def(&["day", "dayofmonth"], Scalar(F::Day), "DAY(date | timestamp) -> BIGINT", "the day of the month"),
];

/// A date part by its SQL name (`year`, `month`, `dow`, ...).
///
/// ```
/// use engine_core::functions::datetime::date_part_named;
/// assert!(date_part_named("YEAR").is_ok());
/// assert!(date_part_named("fortnight").is_err());
/// ```
pub fn date_part_named(name: &str) -> Result<DatePart> {
    name.parse::<DatePart>().map_err(|_| {
        Error::plan(format!(
            "unknown date part '{name}' (year, quarter, month, week, day, dow, doy, hour, minute, second, ...)"
        ))
    })
}

/// An interval literal: `'3'` with unit `MONTH`, `'90 days'`, `'1 year 2 months'`.
///
/// ```
/// use engine_core::functions::datetime::parse_interval;
/// let i = parse_interval("1 year 2 months", None).unwrap();
/// assert_eq!((i.months, i.days, i.nanoseconds), (14, 0, 0));
/// let d = parse_interval("90", Some("day")).unwrap();
/// assert_eq!(d.days, 90);
/// ```
pub fn parse_interval(text: &str, unit: Option<&str>) -> Result<IntervalMonthDayNano> {
    let spelled = match unit {
        // `INTERVAL '3' MONTH`: the unit is outside the quotes.
        Some(u) => {
            let u = u.to_lowercase();
            let u = match u.as_str() {
                "years" | "months" | "weeks" | "days" | "hours" | "minutes" | "seconds" => {
                    u.trim_end_matches('s').to_string()
                }
                _ => u,
            };
            format!("{} {u}", text.trim())
        }
        None => text.trim().to_string(),
    };
    arrow_cast::parse::parse_interval_month_day_nano(&spelled)
        .map_err(|e| Error::type_error(format!("bad interval '{spelled}': {e}")))
}

/// `DATE_PART(part, value)`: the part as a BIGINT. `part` is a constant.
pub(super) fn date_part(args: &[ArrayRef]) -> Result<ArrayRef> {
    let part = constant_text(&args[0], "DATE_PART")?;
    part_of(&args[1], date_part_named(&part)?)
}

/// One part of each date or timestamp, as BIGINT (YEAR(x) is DATE_PART('year', x)).
pub(super) fn part_of(values: &ArrayRef, part: DatePart) -> Result<ArrayRef> {
    let ints = arrow_arith::temporal::date_part(values.as_ref(), part)?;
    Ok(arrow_cast::cast(&ints, &DataType::Int64)?)
}

/// The one value of a constant text argument (the date part's name).
fn constant_text(a: &ArrayRef, func: &str) -> Result<String> {
    let s = a
        .as_string_opt::<i32>()
        .ok_or_else(|| Error::type_error(format!("{func} takes the part's name as text")))?;
    if s.is_empty() || s.is_null(0) {
        return Err(Error::plan(format!("{func} needs a part name")));
    }
    Ok(s.value(0).to_string())
}

/// The units `DATE_TRUNC` truncates to.
#[derive(Clone, Copy)]
enum Trunc {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
}

fn trunc_unit(name: &str) -> Result<Trunc> {
    Ok(match date_part_named(name)? {
        DatePart::Year => Trunc::Year,
        DatePart::Quarter => Trunc::Quarter,
        DatePart::Month => Trunc::Month,
        DatePart::Week | DatePart::WeekISO => Trunc::Week,
        DatePart::Day => Trunc::Day,
        DatePart::Hour => Trunc::Hour,
        DatePart::Minute => Trunc::Minute,
        DatePart::Second => Trunc::Second,
        other => {
            return Err(Error::plan(format!(
                "DATE_TRUNC cannot truncate to '{other}'"
            )))
        }
    })
}

fn trunc_date(d: NaiveDate, unit: Trunc) -> NaiveDate {
    let first_month = |m: u32| NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap_or(d);
    match unit {
        Trunc::Year => first_month(1),
        Trunc::Quarter => first_month((d.month0() / 3) * 3 + 1),
        Trunc::Month => first_month(d.month()),
        // ISO weeks start on Monday.
        Trunc::Week => d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64),
        _ => d,
    }
}

fn trunc_datetime(t: NaiveDateTime, unit: Trunc) -> NaiveDateTime {
    let day = trunc_date(t.date(), unit).and_hms_opt(0, 0, 0).unwrap_or(t);
    match unit {
        Trunc::Hour => day + chrono::Duration::hours(t.hour() as i64),
        Trunc::Minute => day + chrono::Duration::minutes(t.hour() as i64 * 60 + t.minute() as i64),
        Trunc::Second => day + chrono::Duration::seconds(t.num_seconds_from_midnight() as i64),
        _ => day,
    }
}

/// `DATE_TRUNC(part, value)`: a date stays a date, a timestamp a timestamp.
pub(super) fn date_trunc(args: &[ArrayRef]) -> Result<ArrayRef> {
    let unit = trunc_unit(&constant_text(&args[0], "DATE_TRUNC")?)?;
    let v = &args[1];
    match v.data_type() {
        DataType::Date32 => {
            let a = v.as_primitive::<Date32Type>();
            let out: Date32Array = a.unary(|days| {
                Date32Type::to_naive_date_opt(days)
                    .map(|d| Date32Type::from_naive_date(trunc_date(d, unit)))
                    .unwrap_or(days)
            });
            Ok(Arc::new(out))
        }
        DataType::Timestamp(TimeUnit::Microsecond, tz) => {
            let a = v.as_primitive::<TimestampMicrosecondType>();
            let out: PrimitiveArray<TimestampMicrosecondType> = a.unary(|us| {
                chrono::DateTime::from_timestamp_micros(us)
                    .map(|t| {
                        trunc_datetime(t.naive_utc(), unit)
                            .and_utc()
                            .timestamp_micros()
                    })
                    .unwrap_or(us)
            });
            Ok(Arc::new(out.with_timezone_opt(tz.clone())))
        }
        other => Err(Error::type_error(format!(
            "DATE_TRUNC expects a date or timestamp, got {other}"
        ))),
    }
}

/// `DATEDIFF(part, start, end)`: how many `part` boundaries lie between
/// `start` and `end` (negative when `end` is earlier), as in DuckDB: the
/// difference of the two values truncated to `part`, counted in `part`s.
pub(super) fn date_diff(args: &[ArrayRef]) -> Result<ArrayRef> {
    let part = date_part_named(&constant_text(&args[0], "DATEDIFF")?)?;
    let (a, b) = (
        args[1].as_primitive::<TimestampMicrosecondType>(),
        args[2].as_primitive::<TimestampMicrosecondType>(),
    );
    const US_PER_DAY: i64 = 86_400_000_000;
    // Each value's number in `part`s since a fixed origin.
    let index = |us: i64| -> Option<i64> {
        let t = chrono::DateTime::from_timestamp_micros(us)?.naive_utc();
        let months = t.year() as i64 * 12 + t.month0() as i64;
        Some(match part {
            DatePart::Year => t.year() as i64,
            DatePart::Quarter => months.div_euclid(3),
            DatePart::Month => months,
            // Weeks are counted from the days between (below).
            DatePart::Day | DatePart::Week | DatePart::WeekISO => us.div_euclid(US_PER_DAY),
            DatePart::Hour => us.div_euclid(3_600_000_000),
            DatePart::Minute => us.div_euclid(60_000_000),
            DatePart::Second => us.div_euclid(1_000_000),
            DatePart::Millisecond => us.div_euclid(1_000),
            DatePart::Microsecond => us,
            _ => return None,
        })
    };
    if index(0).is_none() {
        return Err(Error::plan(format!("DATEDIFF cannot count in '{part}'")));
    }
    let out: arrow_array::Int64Array = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| {
            let diff = index(y?)? - index(x?)?;
            // DuckDB counts whole weeks of days, not Mondays passed.
            Some(match part {
                DatePart::Week | DatePart::WeekISO => diff / 7,
                _ => diff,
            })
        })
        .collect();
    Ok(Arc::new(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::StringArray;

    #[test]
    fn truncates_dates_on_the_calendar() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(trunc_date(d(1996, 8, 17), Trunc::Quarter), d(1996, 7, 1));
        assert_eq!(trunc_date(d(1996, 2, 29), Trunc::Month), d(1996, 2, 1));
        // 2024-01-03 is a Wednesday; its ISO week starts Monday 2024-01-01.
        assert_eq!(trunc_date(d(2024, 1, 3), Trunc::Week), d(2024, 1, 1));
        let args: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec!["year"])),
            Arc::new(Date32Array::from(vec![Some(9_000), None])),
        ];
        let out = date_trunc(&args).unwrap();
        let out = out.as_primitive::<Date32Type>();
        assert_eq!(
            Date32Type::to_naive_date_opt(out.value(0)),
            Some(d(1994, 1, 1))
        );
        assert!(out.is_null(1));
    }

    #[test]
    fn intervals_in_every_spelling() {
        assert_eq!(parse_interval("3", Some("MONTH")).unwrap().months, 3);
        assert_eq!(parse_interval("90 days", None).unwrap().days, 90);
        assert_eq!(parse_interval("2", Some("years")).unwrap().months, 24);
        assert!(parse_interval("three", Some("MONTH")).is_err());
    }
}
