//! Scalar functions, a module per family (`string`, `regex`, `math`,
//! `conditional`, `datetime`, `list`, `list_shape`), each with its part of the function
//! table ([`registry`]), where the binder finds functions by their
//! lower-cased name and `SHOW FUNCTIONS` lists them. The table is constant:
//! nothing is registered at start-up, so a new engine pays nothing for the
//! function library.
//!
//! The binder calls [`ScalarFunc::from_name`] and [`ScalarFunc::coerce`] (which
//! says what each argument is cast to); the executor calls [`ScalarFunc::invoke`]
//! with arrays already of those types.

mod aggregates;
mod conditional;
pub mod datetime;
#[cfg(feature = "json")]
mod json;
mod list;
mod list_shape;
mod math;
mod regex;
pub mod registry;
mod string;
mod windows;

pub use datetime::DateFn;
pub use list_shape::ListFn;
pub use math::MathFn;
pub(crate) use string::text_bytes;

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Date32Array, TimestampMicrosecondArray};
use arrow_schema::{DataType, TimeUnit};

use crate::error::{Error, Result};
use crate::types::{common_type, is_float, is_integer, is_numeric, is_string};

/// Scalar functions known to tern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ScalarFunc {
    Upper,
    Lower,
    Length,
    Substring,
    Concat,
    Trim,
    LTrim,
    RTrim,
    Replace,
    Left,
    Right,
    Reverse,
    Round,
    Abs,
    Floor,
    Ceil,
    Sqrt,
    Power,
    Sign,
    Coalesce,
    NullIf,
    Greatest,
    Least,
    Now,
    CurrentDate,
    DatePart,
    DateTrunc,
    /// `DATEDIFF(part, start, end)`: `part` boundaries between the two.
    DateDiff,
    StartsWith,
    EndsWith,
    /// `CONTAINS(text, sub)`; of a list, `LIST_CONTAINS`.
    Contains,
    Ascii,
    LPad,
    RPad,
    Md5,
    Sha1,
    Sha256,
    Pi,
    Exp,
    Ln,
    Log10,
    Log2,
    /// `LOG(x)` (base 10) or `LOG(base, x)`.
    Log,
    Trunc,
    /// Trigonometry and other functions of one DOUBLE.
    Math(MathFn),
    Atan2,
    IsNan,
    IsInf,
    IsFinite,
    /// `IF(cond, a, b)`: bound as `CASE WHEN cond THEN a ELSE b END`.
    If,
    /// `SPLIT_PART(s, sep, n)`: the n-th part (from 1; negative from the end).
    SplitPart,
    /// `LEVENSHTEIN(a, b)`: the edit distance, in characters.
    Levenshtein,
    /// `CONCAT_WS(sep, a, ...)`: the non-NULL values joined by sep.
    ConcatWs,
    /// `REPEAT(s, n)`: s n times.
    Repeat,
    /// `HASH(x)`: a 64-bit hash of the value.
    Hash,
    /// A JSON function over text (with the `json` feature).
    Json(JsonFn),
    /// `YEAR(x)`, `LAST_DAY(x)`, `STRFTIME(x, f)`, ... (see `datetime.rs`).
    Date(DateFn),
    ArrayContains,
    /// `LIST_HAS_ALL(list, sub)`, `list @> sub`: every element of `sub` is in `list`.
    ListHasAll,
    /// `[a, b, ...]` (and `LIST_VALUE(a, b, ...)`): a list of its arguments.
    ListValue,
    /// `list[i]`: the element at `i` (from 1; negative from the end).
    ListElement,
    /// A function that reorders or reshapes lists (see `list_shape.rs`).
    ListOp(ListFn),
    /// `SPLIT(s, separator)`: the parts of `s` as a list.
    Split,
    /// `STRPOS(s, sub)`, `POSITION(sub IN s)`: where `sub` first starts in
    /// `s`, in characters from 1; 0 when it does not occur.
    Strpos,
    /// `GENERATE_SERIES(start, stop [, step])` (`stop` included) and
    /// `RANGE(...)` (excluded) as a list; read as a table, one row each.
    Series {
        /// Whether `stop` is part of the series.
        inclusive: bool,
    },
    /// `s['field']`, `s.field`, `s->'field'`: a struct's field, by its
    /// position (bound from that syntax).
    StructField(u32),
    /// `value op ANY(list)`, for a comparison `op` (bound from that syntax).
    AnyOf(crate::plan::BinaryOp),
    /// `REGEXP_MATCHES(s, pattern [, flags])` and `s ~ pattern`: whether the
    /// pattern matches somewhere in `s`.
    RegexpMatches,
    /// `REGEXP_FULL_MATCH(s, pattern [, flags])`: whether it matches all of `s`.
    RegexpFullMatch,
    /// `REGEXP_REPLACE(s, pattern, replacement [, flags])`.
    RegexpReplace,
    /// `REGEXP_EXTRACT(s, pattern [, group])`.
    RegexpExtract,
    /// `REGEXP_EXTRACT_ALL(s, pattern [, group])`: every match, as a list.
    RegexpExtractAll,
    /// `REGEXP_SPLIT_TO_ARRAY(s, pattern)`: the texts between matches.
    RegexpSplit,
}

impl ScalarFunc {
    /// Looks up a function by its lower-case name.
    ///
    /// ```
    /// use engine_core::functions::ScalarFunc;
    /// assert_eq!(ScalarFunc::from_name("upper"), Some(ScalarFunc::Upper));
    /// assert_eq!(ScalarFunc::from_name("no_such_fn"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ScalarFunc> {
        registry::scalar(name)
    }

    /// The function's name in SQL.
    pub fn name(self) -> &'static str {
        use ScalarFunc::*;
        match self {
            Upper => "UPPER",
            Lower => "LOWER",
            Length => "LENGTH",
            Substring => "SUBSTRING",
            Concat => "CONCAT",
            Trim => "TRIM",
            LTrim => "LTRIM",
            RTrim => "RTRIM",
            Replace => "REPLACE",
            Left => "LEFT",
            Right => "RIGHT",
            Reverse => "REVERSE",
            Round => "ROUND",
            Abs => "ABS",
            Floor => "FLOOR",
            Ceil => "CEIL",
            Sqrt => "SQRT",
            Power => "POWER",
            Sign => "SIGN",
            Coalesce => "COALESCE",
            NullIf => "NULLIF",
            Greatest => "GREATEST",
            Least => "LEAST",
            Now => "NOW",
            CurrentDate => "CURRENT_DATE",
            DatePart => "DATE_PART",
            DateTrunc => "DATE_TRUNC",
            DateDiff => "DATEDIFF",
            StartsWith => "STARTS_WITH",
            EndsWith => "ENDS_WITH",
            Contains => "CONTAINS",
            Ascii => "ASCII",
            LPad => "LPAD",
            RPad => "RPAD",
            Md5 => "MD5",
            Sha1 => "SHA1",
            Sha256 => "SHA256",
            Pi => "PI",
            Exp => "EXP",
            Ln => "LN",
            Log10 => "LOG10",
            Log2 => "LOG2",
            Log => "LOG",
            Trunc => "TRUNC",
            Math(f) => f.name(),
            Atan2 => "ATAN2",
            IsNan => "ISNAN",
            IsInf => "ISINF",
            IsFinite => "ISFINITE",
            If => "IF",
            SplitPart => "SPLIT_PART",
            Levenshtein => "LEVENSHTEIN",
            ConcatWs => "CONCAT_WS",
            Repeat => "REPEAT",
            Hash => "HASH",
            Json(f) => f.name(),
            Date(f) => f.name(),
            ArrayContains => "ARRAY_CONTAINS",
            ListHasAll => "LIST_HAS_ALL",
            ListValue => "LIST_VALUE",
            ListElement => "LIST_ELEMENT",
            ListOp(f) => f.name(),
            Split => "SPLIT",
            Strpos => "STRPOS",
            Series { inclusive: true } => "GENERATE_SERIES",
            Series { inclusive: false } => "RANGE",
            StructField(_) => "STRUCT_EXTRACT",
            RegexpMatches => "REGEXP_MATCHES",
            RegexpFullMatch => "REGEXP_FULL_MATCH",
            RegexpReplace => "REGEXP_REPLACE",
            RegexpExtract => "REGEXP_EXTRACT",
            RegexpExtractAll => "REGEXP_EXTRACT_ALL",
            RegexpSplit => "REGEXP_SPLIT_TO_ARRAY",
            AnyOf(op) => match op {
                crate::plan::BinaryOp::Eq => "= ANY",
                crate::plan::BinaryOp::NotEq => "<> ANY",
                crate::plan::BinaryOp::Lt => "< ANY",
                crate::plan::BinaryOp::LtEq => "<= ANY",
                crate::plan::BinaryOp::Gt => "> ANY",
                _ => ">= ANY",
            },
        }
    }

    /// Whether two calls with the same arguments may give different results.
    pub fn is_volatile(self) -> bool {
        matches!(self, ScalarFunc::Now | ScalarFunc::CurrentDate)
    }

    /// The types the arguments are cast to before the call, or an error naming
    /// what does not fit.
    pub fn coerce(self, args: &[DataType]) -> Result<Vec<DataType>> {
        use DataType::*;
        use ScalarFunc::*;
        let n = args.len();
        let arity = |lo: usize, hi: usize| -> Result<()> {
            if n < lo || n > hi {
                let want = if lo == hi {
                    lo.to_string()
                } else if hi == usize::MAX {
                    format!("at least {lo}")
                } else {
                    format!("{lo} to {hi}")
                };
                Err(Error::plan(format!(
                    "{} takes {want} argument(s), got {n}",
                    self.name()
                )))
            } else {
                Ok(())
            }
        };
        let numeric = |t: &DataType| -> Result<DataType> {
            if is_integer(t) || *t == Null {
                Ok(Int64)
            } else if is_numeric(t) {
                Ok(Float64)
            } else if is_string(t) {
                Err(Error::type_error(format!(
                    "{} expects a number, got a string",
                    self.name()
                )))
            } else {
                Err(Error::type_error(format!(
                    "{} expects a number, got {t}",
                    self.name()
                )))
            }
        };
        Ok(match self {
            // The number of a list's elements (as in DuckDB), or of a text's
            // characters.
            Length
                if matches!(
                    args.first(),
                    Some(List(_) | LargeList(_) | FixedSizeList(..))
                ) =>
            {
                arity(1, 1)?;
                vec![list_of(&list_element(self, &args[0], &Null)?)]
            }
            Upper | Lower | Length | Reverse => {
                arity(1, 1)?;
                vec![Utf8]
            }
            Trim | LTrim | RTrim => {
                arity(1, 2)?;
                vec![Utf8; n]
            }
            Substring => {
                arity(2, 3)?;
                let mut v = vec![Utf8, Int64];
                if n == 3 {
                    v.push(Int64);
                }
                v
            }
            Left | Right => {
                arity(2, 2)?;
                vec![Utf8, Int64]
            }
            Concat => {
                arity(1, usize::MAX)?;
                vec![Utf8; n]
            }
            Replace => {
                arity(3, 3)?;
                vec![Utf8; 3]
            }
            Round => {
                arity(1, 2)?;
                let mut v = vec![numeric(&args[0])?];
                if n == 2 {
                    v.push(Int64);
                }
                v
            }
            Abs | Sign => {
                arity(1, 1)?;
                vec![numeric(&args[0])?]
            }
            Floor | Ceil => {
                arity(1, 1)?;
                vec![numeric(&args[0])?]
            }
            Sqrt | Exp | Ln | Log10 | Log2 | Math(_) | IsNan | IsInf | IsFinite => {
                arity(1, 1)?;
                numeric(&args[0])?;
                vec![Float64]
            }
            Log | Atan2 => {
                arity(if self == Log { 1 } else { 2 }, 2)?;
                args.iter().try_for_each(|a| numeric(a).map(|_| ()))?;
                vec![Float64; n]
            }
            Trunc => {
                arity(1, 1)?;
                vec![numeric(&args[0])?]
            }
            If => {
                arity(3, 3)?;
                let t = supertype(self, &args[1..])?;
                vec![args[0].clone(), t.clone(), t]
            }
            SplitPart => {
                arity(3, 3)?;
                vec![Utf8, Utf8, Int64]
            }
            Levenshtein => {
                arity(2, 2)?;
                vec![Utf8, Utf8]
            }
            ConcatWs => {
                arity(2, usize::MAX)?;
                vec![Utf8; n]
            }
            Repeat => {
                arity(2, 2)?;
                vec![Utf8, Int64]
            }
            Hash => {
                arity(1, usize::MAX)?;
                args.to_vec()
            }
            Json(JsonFn::Valid) => {
                arity(1, 1)?;
                vec![Utf8]
            }
            Json(f) => {
                let least = match f {
                    JsonFn::Extract | JsonFn::ExtractString => 2,
                    _ => 1,
                };
                arity(least, 2)?;
                let mut v = vec![Utf8];
                if let Some(p) = args.get(1) {
                    // An integer path is an array index.
                    v.push(if is_integer(p) { Int64 } else { Utf8 });
                }
                v
            }
            Pi => {
                arity(0, 0)?;
                vec![]
            }
            Contains
                if matches!(
                    args.first(),
                    Some(List(_) | LargeList(_) | FixedSizeList(..))
                ) =>
            {
                ArrayContains.coerce(args)?
            }
            StartsWith | EndsWith | Contains => {
                arity(2, 2)?;
                vec![Utf8, Utf8]
            }
            Ascii | Md5 | Sha1 | Sha256 => {
                arity(1, 1)?;
                vec![Utf8]
            }
            LPad | RPad => {
                arity(2, 3)?;
                vec![Utf8, Int64, Utf8][..n].to_vec()
            }
            Date(DateFn::MakeDate) => {
                arity(3, 3)?;
                for t in args {
                    numeric(t)?;
                }
                vec![Int64; 3]
            }
            Date(DateFn::MakeTimestamp) => {
                arity(6, 6)?;
                for t in args {
                    numeric(t)?;
                }
                vec![Int64, Int64, Int64, Int64, Int64, Float64]
            }
            Date(DateFn::Strftime) => {
                arity(2, 2)?;
                vec![self.temporal(&args[0])?, Utf8]
            }
            Date(DateFn::Strptime { .. }) => {
                arity(2, 2)?;
                vec![Utf8, Utf8]
            }
            Date(_) => {
                arity(1, 1)?;
                vec![self.temporal(&args[0])?]
            }
            ArrayContains => {
                arity(2, 2)?;
                let element = list_element(self, &args[0], &args[1])?;
                vec![list_of(&element), element]
            }
            ListHasAll => {
                arity(2, 2)?;
                let sub = list_element(self, &args[1], &Null)?;
                let element = list_element(self, &args[0], &sub)?;
                vec![list_of(&element), list_of(&element)]
            }
            AnyOf(_) => {
                arity(2, 2)?;
                let element = list_element(self, &args[1], &args[0])?;
                vec![element.clone(), list_of(&element)]
            }
            ListValue => match n {
                0 => vec![],
                _ => vec![supertype(self, args)?; n],
            },
            ListElement => {
                arity(2, 2)?;
                let element = list_element(self, &args[0], &DataType::Null)?;
                if !is_integer(&args[1]) && args[1] != DataType::Null {
                    return Err(Error::type_error(format!(
                        "a list index must be an integer, got {}",
                        args[1]
                    )));
                }
                vec![list_of(&element), Int64]
            }
            Split | Strpos => {
                arity(2, 2)?;
                vec![Utf8, Utf8]
            }
            ListOp(f) => {
                let (lo, hi) = f.arity();
                arity(lo, hi)?;
                self.coerce_list(f, args)?
            }
            RegexpMatches | RegexpFullMatch => {
                arity(2, 3)?;
                vec![Utf8; n]
            }
            RegexpReplace => {
                arity(3, 4)?;
                vec![Utf8; n]
            }
            RegexpSplit => {
                arity(2, 2)?;
                vec![Utf8; n]
            }
            RegexpExtract | RegexpExtractAll => {
                arity(2, 3)?;
                if n == 3 && !is_integer(&args[2]) && args[2] != Null {
                    return Err(Error::type_error(format!(
                        "{}'s group is an integer, got {}",
                        self.name(),
                        args[2]
                    )));
                }
                vec![Utf8, Utf8, Int64][..n].to_vec()
            }
            Series { .. } => {
                arity(1, 3)?;
                for t in args {
                    if !is_integer(t) && *t != Null {
                        return Err(Error::type_error(format!(
                            "{} counts in integers, got {t}",
                            self.name()
                        )));
                    }
                }
                vec![Int64; n]
            }
            StructField(i) => {
                arity(1, 1)?;
                match &args[0] {
                    DataType::Struct(fields) if (i as usize) < fields.len() => {
                        vec![args[0].clone()]
                    }
                    other => {
                        return Err(Error::type_error(format!(
                            "a field can only be read from a struct, got {other}"
                        )))
                    }
                }
            }
            Power => {
                arity(2, 2)?;
                numeric(&args[0])?;
                numeric(&args[1])?;
                vec![Float64, Float64]
            }
            Coalesce | Greatest | Least => {
                arity(1, usize::MAX)?;
                let t = supertype(self, args)?;
                vec![t; n]
            }
            NullIf => {
                arity(2, 2)?;
                let t = supertype(self, args)?;
                vec![t.clone(), t]
            }
            Now | CurrentDate => {
                arity(0, 0)?;
                vec![]
            }
            DateDiff => {
                arity(3, 3)?;
                // Both ends as timestamps (a date is its midnight).
                self.temporal(&args[1])?;
                self.temporal(&args[2])?;
                let ts = Timestamp(TimeUnit::Microsecond, None);
                vec![Utf8, ts.clone(), ts]
            }
            DatePart => {
                arity(2, 2)?;
                vec![Utf8, self.temporal(&args[1])?]
            }
            // A DATE is truncated as its midnight, giving a TIMESTAMP (as in DuckDB).
            DateTrunc => {
                arity(2, 2)?;
                let t = match self.temporal(&args[1])? {
                    Date32 => Timestamp(TimeUnit::Microsecond, None),
                    t => t,
                };
                vec![Utf8, t]
            }
        })
    }

    /// What a list function's arguments are cast to: the list as it is (a
    /// NULL as a list of NULLs), two lists to one type, options to text.
    fn coerce_list(self, f: ListFn, args: &[DataType]) -> Result<Vec<DataType>> {
        use DataType::*;
        let n = args.len();
        let list =
            |t: &DataType| -> Result<DataType> { Ok(list_of(&list_element(self, t, &Null)?)) };
        Ok(match f {
            ListFn::Slice if is_string(&args[0]) => vec![Utf8, Int64, Int64],
            ListFn::Slice => {
                for t in &args[1..] {
                    if !is_integer(t) && *t != Null {
                        return Err(Error::type_error(format!(
                            "{}'s bounds are integers, got {t}",
                            self.name()
                        )));
                    }
                }
                vec![list(&args[0])?, Int64, Int64]
            }
            ListFn::Concat => {
                let a = list_element(self, &args[0], &Null)?;
                let b = list_element(self, &args[1], &Null)?;
                let t = supertype(self, &[a, b])?;
                vec![list_of(&t), list_of(&t)]
            }
            ListFn::Position => {
                let element = list_element(self, &args[0], &args[1])?;
                vec![list_of(&element), element]
            }
            ListFn::Flatten => {
                let inner = list_element(self, &args[0], &Null)?;
                let element = list_element(self, &inner, &Null)?;
                vec![list_of(&list_of(&element))]
            }
            ListFn::Sort { .. } => {
                let mut v = vec![list(&args[0])?];
                v.extend(std::iter::repeat_n(Utf8, n - 1));
                v
            }
            _ => vec![list(&args[0])?],
        })
    }

    /// The type a date or timestamp argument is cast to: dates stay dates,
    /// timestamps become microseconds, text is read as a timestamp.
    fn temporal(self, t: &DataType) -> Result<DataType> {
        use DataType::*;
        Ok(match t {
            Date32 | Timestamp(TimeUnit::Microsecond, _) => t.clone(),
            Date64 => Date32,
            Timestamp(_, tz) => Timestamp(TimeUnit::Microsecond, tz.clone()),
            t if is_string(t) || *t == Null => Timestamp(TimeUnit::Microsecond, None),
            other => {
                return Err(Error::type_error(format!(
                    "{} expects a date or timestamp, got {other}",
                    self.name()
                )))
            }
        })
    }

    /// The result type for arguments already of the types [`coerce`](Self::coerce) chose.
    pub fn return_type(self, args: &[DataType]) -> DataType {
        use DataType::*;
        use ScalarFunc::*;
        match self {
            Upper | Lower | Substring | Concat | Trim | LTrim | RTrim | Replace | Left | Right
            | Reverse | LPad | RPad | Md5 | Sha1 | Sha256 => Utf8,
            StartsWith | EndsWith | Contains | ArrayContains | ListHasAll | AnyOf(_)
            | RegexpMatches | RegexpFullMatch => Boolean,
            RegexpReplace | RegexpExtract => Utf8,
            RegexpExtractAll | RegexpSplit => list_of(&Utf8),
            ListValue => list_of(args.first().unwrap_or(&Null)),
            ListElement => match args.first() {
                Some(List(f)) => f.data_type().clone(),
                _ => Null,
            },
            ListOp(ListFn::Unique | ListFn::Position) => Int64,
            ListOp(ListFn::Flatten) => match args.first() {
                Some(List(f)) => f.data_type().clone(),
                _ => list_of(&Null),
            },
            ListOp(_) => args.first().cloned().unwrap_or(Null),
            Split => list_of(&Utf8),
            Strpos => Int64,
            Series { .. } => list_of(&Int64),
            StructField(i) => match args.first() {
                Some(Struct(fields)) => fields
                    .get(i as usize)
                    .map_or(Null, |f| f.data_type().clone()),
                _ => Null,
            },
            Ascii => Int32,
            Pi | Exp | Ln | Log10 | Log2 | Log | Math(_) | Atan2 => Float64,
            IsNan | IsInf | IsFinite => Boolean,
            Trunc => args.first().cloned().unwrap_or(Float64),
            If => args.get(1).cloned().unwrap_or(Null),
            SplitPart | ConcatWs | Repeat => Utf8,
            Levenshtein => Int64,
            Hash => UInt64,
            Json(JsonFn::Valid) => Boolean,
            Json(JsonFn::ArrayLength) => UInt64,
            Json(_) => Utf8,
            Date(f) => f.return_type(),
            Length => Int64,
            Round | Abs | Floor | Ceil | Sign => args.first().cloned().unwrap_or(Float64),
            Sqrt | Power => Float64,
            Coalesce | NullIf | Greatest | Least => args.first().cloned().unwrap_or(Null),
            Now => Timestamp(TimeUnit::Microsecond, None),
            CurrentDate => Date32,
            DatePart => Int64,
            DateTrunc => args.get(1).cloned().unwrap_or(Date32),
            DateDiff => Int64,
        }
    }

    /// Calls the function on arrays of `num_rows` values.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use engine_core::arrow::array::{Array, ArrayRef, StringArray};
    /// use engine_core::functions::ScalarFunc;
    ///
    /// let s: ArrayRef = Arc::new(StringArray::from(vec!["tern"]));
    /// let up = ScalarFunc::Upper.invoke(&[s], 1).unwrap();
    /// assert_eq!(up.len(), 1);
    /// ```
    pub fn invoke(self, args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        self.invoke_checked(args, num_rows, &crate::exec::check_string_column)
    }

    /// [`invoke`](Self::invoke), asking `fits(bytes, name)` before building a
    /// string result that can outgrow its inputs (REPLACE, CONCAT): the
    /// executor checks it against the query's memory limit.
    pub(crate) fn invoke_checked(
        self,
        args: &[ArrayRef],
        num_rows: usize,
        fits: &dyn Fn(usize, &str) -> Result<()>,
    ) -> Result<ArrayRef> {
        use ScalarFunc::*;
        match self {
            Upper => string::map_str(&args[0], |s, out| out.push_str(&s.to_uppercase())),
            Lower => string::map_str(&args[0], |s, out| out.push_str(&s.to_lowercase())),
            Reverse => string::map_str(&args[0], |s, out| out.extend(s.chars().rev())),
            Length => match args[0].data_type() {
                DataType::List(_) => list::lengths(&args[0]),
                _ => string::char_length(&args[0]),
            },
            Substring => string::substring(args),
            Left => string::left_right(args, true),
            Right => string::left_right(args, false),
            Concat => {
                fits(args.iter().map(string::text_bytes).sum(), "CONCAT")?;
                string::concat(args, num_rows)
            }
            Trim => string::trim(args, true, true),
            LTrim => string::trim(args, true, false),
            RTrim => string::trim(args, false, true),
            Replace => {
                // A bound needs no scan of the text; only when it does not
                // fit is every occurrence counted.
                fits(string::replaced_bytes(args, false), "REPLACE")
                    .or_else(|_| fits(string::replaced_bytes(args, true), "REPLACE"))?;
                string::replace(args)
            }
            Round => math::round(args),
            Abs => math::abs(&args[0]),
            Floor => math::floor_ceil(&args[0], true),
            Ceil => math::floor_ceil(&args[0], false),
            Sqrt => math::float_unary(&args[0], f64::sqrt),
            Power => math::power(&args[0], &args[1]),
            Sign => math::sign(&args[0]),
            Coalesce => conditional::coalesce(args, num_rows),
            NullIf => {
                let eq = arrow_ord::cmp::eq(&args[0], &args[1])?;
                Ok(arrow_select::nullif::nullif(&args[0], &eq)?)
            }
            Greatest => math::extreme(args, true),
            Least => math::extreme(args, false),
            Now => {
                let micros = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_micros() as i64)
                    .unwrap_or(0);
                Ok(Arc::new(TimestampMicrosecondArray::from(vec![
                    micros;
                    num_rows
                ])))
            }
            CurrentDate => {
                let days = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| (d.as_secs() / 86_400) as i32)
                    .unwrap_or(0);
                Ok(Arc::new(Date32Array::from(vec![days; num_rows])))
            }
            DatePart => datetime::date_part(args),
            DateTrunc => datetime::date_trunc(args),
            DateDiff => datetime::date_diff(args),
            StartsWith => Ok(Arc::new(arrow_string::like::starts_with(
                &args[0], &args[1],
            )?)),
            EndsWith => Ok(Arc::new(arrow_string::like::ends_with(&args[0], &args[1])?)),
            Contains => match args[0].data_type() {
                DataType::List(_) => list::contains(&args[0], &args[1]),
                _ => Ok(Arc::new(arrow_string::like::contains(&args[0], &args[1])?)),
            },
            Ascii => string::ascii(&args[0]),
            LPad | RPad => {
                fits(string::padded_bytes(args), self.name())?;
                string::pad(args, self == LPad)
            }
            Md5 => string::digest::<md5::Md5>(&args[0]),
            Sha1 => string::digest::<sha1::Sha1>(&args[0]),
            Sha256 => string::digest::<sha2::Sha256>(&args[0]),
            Pi => Ok(Arc::new(arrow_array::Float64Array::from(vec![
                std::f64::consts::PI;
                num_rows
            ]))),
            Exp => math::float_unary(&args[0], f64::exp),
            Ln => math::float_unary(&args[0], f64::ln),
            Log10 => math::float_unary(&args[0], f64::log10),
            Log2 => math::float_unary(&args[0], f64::log2),
            Log => match args {
                [x] => math::float_unary(x, f64::log10),
                [base, x] => math::float_binary(x, base, f64::log),
                _ => Err(Error::exec("LOG takes one or two arguments")),
            },
            Trunc => math::trunc(&args[0]),
            Math(f) => math::float_unary(&args[0], f.apply()),
            Atan2 => math::float_binary(&args[0], &args[1], f64::atan2),
            IsNan => math::float_test(&args[0], f64::is_nan),
            IsInf => math::float_test(&args[0], f64::is_infinite),
            IsFinite => math::float_test(&args[0], f64::is_finite),
            // The binder makes IF a CASE; called directly it is one.
            If => {
                let cond = args[0]
                    .as_any()
                    .downcast_ref::<arrow_array::BooleanArray>()
                    .ok_or_else(|| Error::exec("IF needs a boolean condition"))?;
                let mask = crate::exec::true_mask(cond);
                Ok(arrow_select::zip::zip(&mask, &args[1], &args[2])?)
            }
            SplitPart => string::split_part(args),
            Levenshtein => string::levenshtein(&args[0], &args[1]),
            ConcatWs => string::concat_ws(args, num_rows),
            Repeat => {
                fits(string::repeated_bytes(args), "REPEAT")?;
                string::repeat(&args[0], &args[1])
            }
            Hash => hash(args, num_rows),
            #[cfg(feature = "json")]
            Json(f) => json::call(f, args),
            // Without the feature no JSON function is in the table to bind.
            #[cfg(not(feature = "json"))]
            Json(f) => Err(Error::unsupported(format!(
                "{} (this build has no json feature)",
                f.name()
            ))),
            Date(f) => f.call(args, fits),
            ArrayContains => list::contains(&args[0], &args[1]),
            ListHasAll => list::has_all(&args[0], &args[1]),
            AnyOf(op) => list::any(op, &args[0], &args[1]),
            ListValue => list::make(args, num_rows),
            ListElement => list::element(&args[0], &args[1]),
            ListOp(f) => list_shape::call(f, args),
            Split => string::split(&args[0], &args[1]),
            Strpos => string::strpos(&args[0], &args[1]),
            Series { inclusive } => list::series(args, num_rows, inclusive),
            StructField(i) => struct_field(&args[0], i as usize),
            RegexpMatches => regex::matches(args, false),
            RegexpFullMatch => regex::matches(args, true),
            RegexpReplace => regex::replace(args, fits),
            RegexpExtract => regex::extract(args),
            RegexpExtractAll => regex::all(args, false),
            RegexpSplit => regex::all(args, true),
        }
    }
}

/// A JSON function (see `json.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum JsonFn {
    Extract,
    ExtractString,
    Valid,
    ArrayLength,
    Type,
}

impl JsonFn {
    fn name(self) -> &'static str {
        match self {
            JsonFn::Extract => "JSON_EXTRACT",
            JsonFn::ExtractString => "JSON_EXTRACT_STRING",
            JsonFn::Valid => "JSON_VALID",
            JsonFn::ArrayLength => "JSON_ARRAY_LENGTH",
            JsonFn::Type => "JSON_TYPE",
        }
    }
}

/// HASH(x, ...): xxHash3 of the values' `arrow-row` encoding (tern's own
/// numbers: they are not DuckDB's). NULL hashes too.
fn hash(args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
    let fields = args
        .iter()
        .map(|a| arrow_row::SortField::new(a.data_type().clone()))
        .collect();
    let rows = arrow_row::RowConverter::new(fields)?.convert_columns(args)?;
    let out: arrow_array::UInt64Array = (0..num_rows.min(rows.num_rows()))
        .map(|i| twox_hash::XxHash3_64::oneshot(rows.row(i).as_ref()))
        .collect();
    Ok(Arc::new(out))
}

/// Field `i` of a struct column; NULL where the struct is.
fn struct_field(s: &ArrayRef, i: usize) -> Result<ArrayRef> {
    let s = s
        .as_any()
        .downcast_ref::<arrow_array::StructArray>()
        .ok_or_else(|| Error::exec("a field can only be read from a struct"))?;
    let field = Arc::clone(s.column(i));
    let Some(outer) = s.nulls() else {
        return Ok(field);
    };
    let nulls = arrow_buffer::NullBuffer::union(Some(outer), field.nulls());
    let data = field.to_data().into_builder().nulls(nulls).build()?;
    Ok(arrow_array::make_array(data))
}

/// The type a list's elements and a value compared with them are cast to.
fn list_element(func: ScalarFunc, list: &DataType, value: &DataType) -> Result<DataType> {
    let element = match list {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            f.data_type().clone()
        }
        DataType::Null => DataType::Null,
        other => {
            return Err(Error::type_error(format!(
                "{} needs a list, got {other}",
                func.name()
            )))
        }
    };
    crate::types::comparison_type(&element, value).ok_or_else(|| {
        Error::type_error(format!(
            "{} cannot compare list elements of type {element} with {value}",
            func.name()
        ))
    })
}

/// A list of `element`s (nullable elements, as every list tern builds).
pub(crate) fn list_of(element: &DataType) -> DataType {
    DataType::List(Arc::new(arrow_schema::Field::new_list_field(
        element.clone(),
        true,
    )))
}

fn supertype(func: ScalarFunc, args: &[DataType]) -> Result<DataType> {
    args.iter().try_fold(DataType::Null, |acc, t| {
        common_type(&acc, t).ok_or_else(|| {
            Error::type_error(format!(
                "{} arguments have no common type ({acc} and {t})",
                func.name()
            ))
        })
    })
}

/// Whether a type is a float (re-exported for the math helpers).
pub(crate) fn float_type(t: &DataType) -> bool {
    is_float(t)
}
