//! Dates, timestamps and intervals: `EXTRACT` / `DATE_PART`, `DATE_TRUNC`, and
//! interval literals. The calendar work is arrow's (`arrow_arith::temporal`,
//! `arrow_cast::parse`) and chrono's; this module only maps SQL onto it.

use std::sync::Arc;

use arrow_arith::temporal::DatePart;
use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{
    Array, ArrayRef, Date32Array, Float64Array, PrimitiveArray, StringArray,
    TimestampMicrosecondArray,
};
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
    def(&["year"], Scalar(part(DatePart::Year)), "YEAR(date | timestamp) -> BIGINT", "the year"),
    def(&["quarter"], Scalar(part(DatePart::Quarter)), "QUARTER(date | timestamp) -> BIGINT", "the quarter, 1 to 4"),
    def(&["month"], Scalar(part(DatePart::Month)), "MONTH(date | timestamp) -> BIGINT", "the month, 1 to 12"),
    def(&["week", "weekofyear"], Scalar(part(DatePart::Week)), "WEEK(date | timestamp) -> BIGINT", "the ISO week, 1 to 53"),
    def(&["day", "dayofmonth"], Scalar(part(DatePart::Day)), "DAY(date | timestamp) -> BIGINT", "the day of the month"),
    def(&["dayofweek"], Scalar(part(DatePart::DayOfWeekSunday0)), "DAYOFWEEK(date | timestamp) -> BIGINT", "the day of the week, 0 (Sunday) to 6"),
    def(&["isodow"], Scalar(part(DatePart::DayOfWeekMonday1)), "ISODOW(date | timestamp) -> BIGINT", "the ISO day of the week, 1 (Monday) to 7"),
    def(&["dayofyear"], Scalar(part(DatePart::DayOfYear)), "DAYOFYEAR(date | timestamp) -> BIGINT", "the day of the year, from 1"),
    def(&["isoyear"], Scalar(part(DatePart::YearISO)), "ISOYEAR(date | timestamp) -> BIGINT", "the year of the ISO week"),
    def(&["hour"], Scalar(part(DatePart::Hour)), "HOUR(timestamp) -> BIGINT", "the hour, 0 to 23"),
    def(&["minute"], Scalar(part(DatePart::Minute)), "MINUTE(timestamp) -> BIGINT", "the minute, 0 to 59"),
    def(&["second"], Scalar(part(DatePart::Second)), "SECOND(timestamp) -> BIGINT", "the second, 0 to 59"),
    def(&["millisecond"], Scalar(part(DatePart::Millisecond)), "MILLISECOND(timestamp) -> BIGINT", "the milliseconds within the minute (seconds included), 0 to 59999"),
    def(&["microsecond"], Scalar(part(DatePart::Microsecond)), "MICROSECOND(timestamp) -> BIGINT", "the microseconds within the minute (seconds included)"),
    def(&["epoch"], Scalar(F::Date(DateFn::Epoch)), "EPOCH(date | timestamp) -> DOUBLE", "seconds since 1970-01-01 00:00 UTC; also EXTRACT(epoch FROM x)"),
    def(&["last_day"], Scalar(F::Date(DateFn::LastDay)), "LAST_DAY(date | timestamp) -> DATE", "the last day of the month"),
    def(&["dayname"], Scalar(F::Date(DateFn::DayName)), "DAYNAME(date | timestamp) -> VARCHAR", "the day of the week in English (Monday)"),
    def(&["monthname"], Scalar(F::Date(DateFn::MonthName)), "MONTHNAME(date | timestamp) -> VARCHAR", "the month in English (January)"),
    def(&["make_date"], Scalar(F::Date(DateFn::MakeDate)), "MAKE_DATE(year, month, day) -> DATE", "the date of those numbers (an error when there is none)"),
    def(
        &["make_timestamp"],
        Scalar(F::Date(DateFn::MakeTimestamp)),
        "MAKE_TIMESTAMP(year, month, day, hour, minute, seconds) -> TIMESTAMP",
        "the time of those numbers; seconds may have a fraction",
    ),
    def(
        &["strftime"],
        Scalar(F::Date(DateFn::Strftime)),
        "STRFTIME(date | timestamp, format) -> VARCHAR",
        "the value as text in a format (%Y-%m-%d %H:%M:%S, %f microseconds, %A day name, ...)",
    ),
    def(
        &["strptime"],
        Scalar(F::Date(DateFn::Strptime { or_null: false })),
        "STRPTIME(text, format) -> TIMESTAMP",
        "the text read in a format (STRFTIME's); an error when it does not match",
    ),
    def(
        &["try_strptime"],
        Scalar(F::Date(DateFn::Strptime { or_null: true })),
        "TRY_STRPTIME(text, format) -> TIMESTAMP",
        "as STRPTIME, NULL when the text does not match",
    ),
];

const fn part(p: DatePart) -> F {
    F::Date(DateFn::Part(p))
}

/// The date functions that are not `DATE_PART`, `DATE_TRUNC` or `DATEDIFF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFn {
    /// `YEAR(x)`, `HOUR(x)`, `DAYOFWEEK(x)`, ...: `DATE_PART` of one part.
    Part(DatePart),
    /// `EPOCH(x)`, `EXTRACT(epoch FROM x)`: seconds since 1970-01-01 00:00
    /// UTC, with their fraction (DOUBLE, as in DuckDB).
    Epoch,
    /// `LAST_DAY(x)`: the last day of x's month.
    LastDay,
    /// `DAYNAME(x)`: `Monday`, ...
    DayName,
    /// `MONTHNAME(x)`: `January`, ...
    MonthName,
    /// `MAKE_DATE(year, month, day)`.
    MakeDate,
    /// `MAKE_TIMESTAMP(year, month, day, hour, minute, seconds)`.
    MakeTimestamp,
    /// `STRFTIME(x, format)`.
    Strftime,
    /// `STRPTIME(text, format)`; `TRY_STRPTIME` with `or_null`.
    Strptime {
        /// NULL, not an error, for a text that does not match.
        or_null: bool,
    },
}

impl DateFn {
    /// The function's name in SQL.
    pub fn name(self) -> &'static str {
        match self {
            DateFn::Part(p) => match p {
                DatePart::Year => "YEAR",
                DatePart::Quarter => "QUARTER",
                DatePart::Month => "MONTH",
                DatePart::Week | DatePart::WeekISO => "WEEK",
                DatePart::Day => "DAY",
                DatePart::DayOfWeekSunday0 => "DAYOFWEEK",
                DatePart::DayOfWeekMonday1 => "ISODOW",
                DatePart::DayOfYear => "DAYOFYEAR",
                DatePart::YearISO => "ISOYEAR",
                DatePart::Hour => "HOUR",
                DatePart::Minute => "MINUTE",
                DatePart::Second => "SECOND",
                DatePart::Millisecond => "MILLISECOND",
                DatePart::Microsecond => "MICROSECOND",
                _ => "DATE_PART",
            },
            DateFn::Epoch => "EPOCH",
            DateFn::LastDay => "LAST_DAY",
            DateFn::DayName => "DAYNAME",
            DateFn::MonthName => "MONTHNAME",
            DateFn::MakeDate => "MAKE_DATE",
            DateFn::MakeTimestamp => "MAKE_TIMESTAMP",
            DateFn::Strftime => "STRFTIME",
            DateFn::Strptime { or_null: false } => "STRPTIME",
            DateFn::Strptime { or_null: true } => "TRY_STRPTIME",
        }
    }

    /// The result type, for arguments of the types the binder cast them to.
    pub(super) fn return_type(self) -> DataType {
        match self {
            DateFn::Part(_) => DataType::Int64,
            DateFn::Epoch => DataType::Float64,
            DateFn::LastDay | DateFn::MakeDate => DataType::Date32,
            DateFn::DayName | DateFn::MonthName | DateFn::Strftime => DataType::Utf8,
            DateFn::MakeTimestamp | DateFn::Strptime { .. } => {
                DataType::Timestamp(TimeUnit::Microsecond, None)
            }
        }
    }

    /// Calls the function; `args` have the types `ScalarFunc::coerce` chose.
    /// `fits` is asked about text that can outgrow its inputs (STRFTIME's).
    pub(super) fn call(
        self,
        args: &[ArrayRef],
        fits: &dyn Fn(usize, &str) -> Result<()>,
    ) -> Result<ArrayRef> {
        match self {
            DateFn::Part(p) => part_of(&args[0], p),
            DateFn::Epoch => epoch(&args[0]),
            DateFn::LastDay => map_dates(&args[0], |d| {
                let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1)?;
                Some(Date32Type::from_naive_date(
                    first
                        .checked_add_months(chrono::Months::new(1))?
                        .pred_opt()?,
                ))
            }),
            DateFn::DayName => names(&args[0], |d| d.format("%A").to_string()),
            DateFn::MonthName => names(&args[0], |d| d.format("%B").to_string()),
            DateFn::MakeDate => make_date(args),
            DateFn::MakeTimestamp => make_timestamp(args),
            DateFn::Strftime => strftime(&args[0], &args[1], fits),
            DateFn::Strptime { or_null } => strptime(&args[0], &args[1], or_null),
        }
    }
}

/// Each value of a DATE or TIMESTAMP column as a chrono date and time (a
/// date as its midnight); `None` for NULL.
fn datetimes(values: &ArrayRef) -> Result<Vec<Option<NaiveDateTime>>> {
    Ok(match values.data_type() {
        DataType::Date32 => values
            .as_primitive::<Date32Type>()
            .iter()
            .map(|d| Date32Type::to_naive_date_opt(d?)?.and_hms_opt(0, 0, 0))
            .collect(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => values
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .map(|us| Some(chrono::DateTime::from_timestamp_micros(us?)?.naive_utc()))
            .collect(),
        other => {
            return Err(Error::type_error(format!(
                "expected a date or timestamp, got {other}"
            )))
        }
    })
}

/// A DATE column computed from each value's date.
fn map_dates(values: &ArrayRef, f: impl Fn(NaiveDate) -> Option<i32>) -> Result<ArrayRef> {
    let out: Date32Array = datetimes(values)?
        .into_iter()
        .map(|t| f(t?.date()))
        .collect();
    Ok(Arc::new(out))
}

/// A text column computed from each value's date.
fn names(values: &ArrayRef, f: impl Fn(NaiveDate) -> String) -> Result<ArrayRef> {
    let out: StringArray = datetimes(values)?
        .into_iter()
        .map(|t| t.map(|t| f(t.date())))
        .collect();
    Ok(Arc::new(out))
}

/// Seconds since the epoch, with their fraction.
fn epoch(values: &ArrayRef) -> Result<ArrayRef> {
    let out: Float64Array = match values.data_type() {
        DataType::Date32 => values
            .as_primitive::<Date32Type>()
            .unary(|d| d as f64 * 86_400.0),
        _ => values
            .as_primitive::<TimestampMicrosecondType>()
            .unary(|us| us as f64 / 1e6),
    };
    Ok(Arc::new(out))
}

/// The date of a year, month and day, if there is one.
fn date_of(year: i64, month: i64, day: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        year.try_into().ok()?,
        month.try_into().ok()?,
        day.try_into().ok()?,
    )
}

fn make_date(args: &[ArrayRef]) -> Result<ArrayRef> {
    let [y, m, d] = [0, 1, 2].map(|i| args[i].as_primitive::<Int64Type>());
    let mut out = Vec::with_capacity(y.len());
    for i in 0..y.len() {
        if y.is_null(i) || m.is_null(i) || d.is_null(i) {
            out.push(None);
            continue;
        }
        let (yv, mv, dv) = (y.value(i), m.value(i), d.value(i));
        let date = date_of(yv, mv, dv)
            .ok_or_else(|| Error::exec(format!("MAKE_DATE: {yv}-{mv}-{dv} is not a date")))?;
        out.push(Some(Date32Type::from_naive_date(date)));
    }
    Ok(Arc::new(Date32Array::from(out)))
}

fn make_timestamp(args: &[ArrayRef]) -> Result<ArrayRef> {
    let ints: Vec<_> = args[..5]
        .iter()
        .map(|a| a.as_primitive::<Int64Type>())
        .collect();
    let secs = args[5].as_primitive::<Float64Type>();
    let mut out = Vec::with_capacity(secs.len());
    for i in 0..secs.len() {
        if secs.is_null(i) || ints.iter().any(|a| a.is_null(i)) {
            out.push(None);
            continue;
        }
        let v: Vec<i64> = ints.iter().map(|a| a.value(i)).collect();
        let s = secs.value(i);
        let bad = || {
            Error::exec(format!(
                "MAKE_TIMESTAMP: {}-{}-{} {}:{}:{s} is not a time",
                v[0], v[1], v[2], v[3], v[4]
            ))
        };
        let date = date_of(v[0], v[1], v[2]).ok_or_else(bad)?;
        // Whole hours, minutes and seconds within the day, as DuckDB checks.
        if !(0..24).contains(&v[3]) || !(0..60).contains(&v[4]) || !(0.0..60.0).contains(&s) {
            return Err(bad());
        }
        let micros = (v[3] * 3_600 + v[4] * 60) * 1_000_000 + (s * 1e6).round() as i64;
        let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
        let us = midnight
            .and_utc()
            .timestamp_micros()
            .checked_add(micros)
            .ok_or_else(bad)?;
        out.push(Some(us));
    }
    Ok(Arc::new(TimestampMicrosecondArray::from(out)))
}

/// A STRFTIME/STRPTIME format in chrono's items. DuckDB's `%f` is
/// microseconds (chrono's is nanoseconds), `%g` milliseconds and `%n`
/// nanoseconds; the rest are chrono's and DuckDB's alike.
fn format_items(func: &str, format: &str) -> Result<Vec<chrono::format::Item<'static>>> {
    // Parsed, a format takes some 16 bytes a character, outside the query's
    // memory accounting; real formats are a few dozen characters.
    const LONGEST: usize = 4096;
    if format.len() > LONGEST {
        return Err(Error::exec(format!(
            "{func}: a format is at most {LONGEST} bytes, this one is {}",
            format.len()
        )));
    }
    let mut spelled = String::with_capacity(format.len() + 4);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        spelled.push(c);
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('f') => spelled.push_str("6f"),
            Some('g') => spelled.push_str("3f"),
            Some('n') => spelled.push_str("9f"),
            Some(other) => spelled.push(other),
            None => {}
        }
    }
    let items: Vec<_> = chrono::format::StrftimeItems::new(&spelled)
        .map(|i| i.to_owned())
        .collect();
    if items
        .iter()
        .any(|i| matches!(i, chrono::format::Item::Error))
    {
        return Err(Error::exec(format!("{func}: bad format '{format}'")));
    }
    Ok(items)
}

/// The last format parsed, kept while the next rows use the same one.
struct Formats<'a> {
    func: &'static str,
    text: Option<&'a str>,
    items: Vec<chrono::format::Item<'static>>,
}

impl<'a> Formats<'a> {
    fn new(func: &'static str) -> Self {
        Formats {
            func,
            text: None,
            items: Vec::new(),
        }
    }

    fn get(&mut self, format: &'a str) -> Result<&[chrono::format::Item<'static>]> {
        if self.text != Some(format) {
            self.items = format_items(self.func, format)?;
            self.text = Some(format);
        }
        Ok(&self.items)
    }
}

/// `STRFTIME(values, formats)`, asking `fits(bytes, name)` about the text
/// built so far after each MiB of it: a long format (`REPEAT('%Y', n)`)
/// multiplies its length by the rows, so the result is checked against
/// the query's memory limit (and a string column's 2 GiB) as it grows.
fn strftime(
    values: &ArrayRef,
    formats: &ArrayRef,
    fits: &dyn Fn(usize, &str) -> Result<()>,
) -> Result<ArrayRef> {
    use std::fmt::Write;
    const CHECK_EVERY: usize = 1 << 20;
    let times = datetimes(values)?;
    let formats = formats.as_string::<i32>();
    let mut cache = Formats::new("STRFTIME");
    let mut out = StringBuilder::new();
    let mut text = String::new();
    let (mut built, mut checked) = (0usize, 0usize);
    for (i, t) in times.into_iter().enumerate() {
        let Some(t) = t.filter(|_| formats.is_valid(i)) else {
            out.append_null();
            continue;
        };
        let items = cache.get(formats.value(i))?;
        text.clear();
        // A format chrono cannot apply (a time zone of a time without one)
        // is an error, not a panic.
        write!(text, "{}", t.format_with_items(items.iter())).map_err(|_| {
            Error::exec(format!(
                "STRFTIME: cannot apply the format '{}'",
                formats.value(i)
            ))
        })?;
        built += text.len();
        if built - checked >= CHECK_EVERY || text.len() >= CHECK_EVERY {
            fits(built, "STRFTIME")?;
            checked = built;
        }
        out.append_value(&text);
    }
    Ok(Arc::new(out.finish()))
}

fn strptime(texts: &ArrayRef, formats: &ArrayRef, or_null: bool) -> Result<ArrayRef> {
    let (texts, formats) = (texts.as_string::<i32>(), formats.as_string::<i32>());
    let func = if or_null { "TRY_STRPTIME" } else { "STRPTIME" };
    let mut cache = Formats::new(func);
    let mut out = Vec::with_capacity(texts.len());
    for i in 0..texts.len() {
        if texts.is_null(i) || formats.is_null(i) {
            out.push(None);
            continue;
        }
        let (text, format) = (texts.value(i), formats.value(i));
        let items = cache.get(format)?;
        match parse_time(text, items) {
            Some(t) => out.push(Some(t.and_utc().timestamp_micros())),
            None if or_null => out.push(None),
            None => {
                return Err(Error::exec(format!(
                    "STRPTIME: '{text}' does not match the format '{format}'"
                )))
            }
        }
    }
    Ok(Arc::new(TimestampMicrosecondArray::from(out)))
}

/// A date and time read from `text`; a format without a time gives midnight.
fn parse_time(text: &str, items: &[chrono::format::Item<'static>]) -> Option<NaiveDateTime> {
    let mut parsed = chrono::format::Parsed::new();
    chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
    let date = parsed.to_naive_date().ok()?;
    match parsed.to_naive_time() {
        Ok(time) => Some(date.and_time(time)),
        // No hour in the format: the day's midnight.
        Err(_) if parsed.hour_div_12().is_none() && parsed.hour_mod_12().is_none() => {
            date.and_hms_opt(0, 0, 0)
        }
        Err(_) => None,
    }
}

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
/// Milliseconds and microseconds count from the minute, seconds included
/// (`12.5` seconds are 12500 milliseconds), as in DuckDB and PostgreSQL;
/// arrow counts them from the second.
pub(super) fn part_of(values: &ArrayRef, part: DatePart) -> Result<ArrayRef> {
    let per_second = match part {
        DatePart::Millisecond => 1_000,
        DatePart::Microsecond => 1_000_000,
        DatePart::Nanosecond => 1_000_000_000,
        _ => 1,
    };
    let ints = arrow_arith::temporal::date_part(values.as_ref(), part)?;
    let ints = arrow_cast::cast(&ints, &DataType::Int64)?;
    if per_second == 1 {
        return Ok(ints);
    }
    let seconds = arrow_arith::temporal::date_part(values.as_ref(), DatePart::Second)?;
    let seconds = arrow_cast::cast(&seconds, &DataType::Int64)?;
    let out: PrimitiveArray<Int64Type> = arrow_arith::arity::binary(
        seconds.as_primitive::<Int64Type>(),
        ints.as_primitive::<Int64Type>(),
        |s, fraction| s * per_second + fraction,
    )?;
    Ok(Arc::new(out))
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
