//! How tern reconciles types: the common type of two values, what a comparison
//! or arithmetic casts its operands to, and SQL type names to Arrow types.

use std::sync::Arc;

use arrow_schema::{DataType, TimeUnit};
use sqlparser::ast;

use crate::error::{Error, Result};

/// Whether the type is an integer, float or decimal.
pub fn is_numeric(t: &DataType) -> bool {
    is_integer(t)
        || is_float(t)
        || matches!(
            t,
            DataType::Decimal32(..)
                | DataType::Decimal64(..)
                | DataType::Decimal128(..)
                | DataType::Decimal256(..)
        )
}

/// Whether the type is a signed or unsigned integer.
pub fn is_integer(t: &DataType) -> bool {
    use DataType::*;
    matches!(
        t,
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
    )
}

/// Whether the type is a float.
pub fn is_float(t: &DataType) -> bool {
    matches!(t, DataType::Float16 | DataType::Float32 | DataType::Float64)
}

/// Whether the type is a string.
pub fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn is_temporal(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
    )
}

/// Digits before and after the point needed to hold any value of `t`.
fn decimal_shape(t: &DataType) -> Option<(u8, i8)> {
    match t {
        DataType::Decimal128(p, s) => Some((p.saturating_sub((*s).max(0) as u8), *s)),
        t if is_integer(t) => Some((19, 0)),
        _ => None,
    }
}

/// The type both `a` and `b` can be cast to without losing meaning (for UNION,
/// CASE, COALESCE, IN lists), or `None` when there is none.
pub fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if a == b {
        return Some(a.clone());
    }
    Some(match (a, b) {
        (Null, t) | (t, Null) => t.clone(),
        (x, y) if is_integer(x) && is_integer(y) => Int64,
        (x, y) if is_float(x) && is_numeric(y) || is_numeric(x) && is_float(y) => Float64,
        (x, y) if is_numeric(x) && is_numeric(y) => {
            let (ia, sa) = decimal_shape(x)?;
            let (ib, sb) = decimal_shape(y)?;
            let scale = sa.max(sb);
            let precision = (ia.max(ib) as i16 + scale as i16).min(38) as u8;
            Decimal128(precision, scale)
        }
        // Views stay views (Parquet's strings read as such): comparing
        // them with a literal casts the literal, not the column.
        (Utf8View, Utf8) | (Utf8, Utf8View) => Utf8View,
        (x, y) if is_string(x) && is_string(y) => Utf8,
        (Date32, Timestamp(u, z)) | (Timestamp(u, z), Date32) => Timestamp(*u, z.clone()),
        (Timestamp(..), Timestamp(..)) => Timestamp(TimeUnit::Microsecond, None),
        (x, _) | (_, x) if is_string(x) => Utf8,
        // Lists of one element type: `IFNULL(missions, [])`.
        (List(x), List(y)) => List(Arc::new(arrow_schema::Field::new_list_field(
            common_type(x.data_type(), y.data_type())?,
            true,
        ))),
        _ => return None,
    })
}

/// The type the operands of a comparison are cast to. A string compared with a
/// number, date or boolean is read as that type (`id = '3'`, `d > '2020-01-01'`).
pub fn comparison_type(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    match (a, b) {
        (x, y) if is_string(x) && (is_numeric(y) || is_temporal(y) || *y == Boolean) => {
            Some(y.clone())
        }
        (x, y) if is_string(y) && (is_numeric(x) || is_temporal(x) || *x == Boolean) => {
            Some(x.clone())
        }
        (Decimal128(..), f) | (f, Decimal128(..)) if is_float(f) => Some(Float64),
        _ => common_type(a, b),
    }
}

/// How `a op b` is computed, for `op` one of `+ - * / %`: the types both
/// operands are cast to, and the result's type.
#[derive(Debug, Clone, PartialEq)]
pub struct Arithmetic {
    /// The left operand's type for the kernel.
    pub left: DataType,
    /// The right operand's type for the kernel.
    pub right: DataType,
    /// The result's type.
    pub result: DataType,
    /// The operands are swapped (`interval + date` is computed as `date + interval`).
    pub swapped: bool,
}

impl Arithmetic {
    fn same(t: DataType, result: DataType) -> Self {
        Arithmetic {
            left: t.clone(),
            right: t,
            result,
            swapped: false,
        }
    }
}

/// The type arithmetic is done in for `a op b`, with `op` one of `+ - * / %`
/// (see [`arithmetic`]).
pub fn arithmetic_type(
    op: &str,
    a: &DataType,
    b: &DataType,
    integer_division: bool,
) -> Result<DataType> {
    arithmetic(op, a, b, integer_division).map(|a| a.result)
}

/// How tern computes `a op b` (documented in docs/sql.md):
///
/// - integers give BIGINT; `/` gives DOUBLE (BIGINT under `integer_division`);
/// - a float operand makes the operation DOUBLE;
/// - DECIMAL with DECIMAL or an integer stays exact, with PostgreSQL's and
///   DuckDB's precision and scale (`+ -`: the larger scale; `*`: the sum of
///   the scales); `/` gives DOUBLE, as in DuckDB;
/// - DATE ± INTERVAL gives DATE (calendar months), TIMESTAMP ± INTERVAL a
///   TIMESTAMP, DATE − DATE the days between as BIGINT.
///
/// ```
/// use arrow_schema::DataType::*;
/// use engine_core::types::arithmetic;
/// let a = arithmetic("*", &Decimal128(15, 2), &Decimal128(15, 2), false).unwrap();
/// assert_eq!(a.result, Decimal128(31, 4));
/// assert_eq!(arithmetic("-", &Date32, &Date32, false).unwrap().result, Int64);
/// ```
pub fn arithmetic(
    op: &str,
    a: &DataType,
    b: &DataType,
    integer_division: bool,
) -> Result<Arithmetic> {
    use DataType::*;
    let bad = || {
        Error::type_error(format!(
            "cannot apply '{op}' to {} and {}",
            type_name(a),
            type_name(b)
        ))
    };
    let a2 = if *a == Null { b } else { a };
    let b2 = if *b == Null { a } else { b };
    if *a2 == Null {
        let t = if op == "/" && !integer_division {
            Float64
        } else {
            Int64
        };
        return Ok(Arithmetic::same(t.clone(), t));
    }
    let interval = Interval(arrow_schema::IntervalUnit::MonthDayNano);
    let is_interval = |t: &DataType| matches!(t, Interval(_));
    match (a2, b2) {
        (Date32, Date32) if op == "-" => return Ok(Arithmetic::same(Int64, Int64)),
        (d @ (Date32 | Timestamp(..)), i) if is_interval(i) && (op == "+" || op == "-") => {
            return Ok(Arithmetic {
                left: d.clone(),
                right: interval,
                result: d.clone(),
                swapped: false,
            })
        }
        (i, d @ (Date32 | Timestamp(..))) if is_interval(i) && op == "+" => {
            return Ok(Arithmetic {
                left: d.clone(),
                right: interval,
                result: d.clone(),
                swapped: true,
            })
        }
        (x, y) if is_interval(x) && is_interval(y) && (op == "+" || op == "-") => {
            return Ok(Arithmetic::same(interval.clone(), interval))
        }
        _ => {}
    }
    if !is_numeric(a2) || !is_numeric(b2) {
        return Err(bad());
    }
    Ok(match (a2, b2) {
        (x, y) if is_integer(x) && is_integer(y) => {
            if op == "/" && !integer_division {
                Arithmetic::same(Float64, Float64)
            } else {
                Arithmetic::same(Int64, Int64)
            }
        }
        (x, y) if is_float(x) || is_float(y) || op == "/" => Arithmetic::same(Float64, Float64),
        (x, y) => {
            let as_decimal = |t: &DataType| match t {
                Decimal128(p, s) => Some((*p, *s)),
                t if is_integer(t) => Some((19, 0)),
                _ => None,
            };
            let ((p1, s1), (p2, s2)) = match (as_decimal(x), as_decimal(y)) {
                (Some(l), Some(r)) => (l, r),
                // DECIMAL256 and the like: computed as floats.
                _ => return Ok(Arithmetic::same(Float64, Float64)),
            };
            let result = decimal_result(op, (p1, s1), (p2, s2)).ok_or_else(bad)?;
            // An integer added to a decimal is cast to the decimal's scale
            // (19 integer digits kept): the result is the same, and the
            // kernel adds equal scales instead of rescaling each row with a
            // checked 128-bit multiply (TPC-H q1's `1 - l_discount`).
            let rescaled = |t: &DataType, (p, s): (u8, i8), other: i8| match t {
                t if is_integer(t) && (op == "+" || op == "-") && (1..=19).contains(&other) => {
                    Decimal128(p + other as u8, other)
                }
                _ => Decimal128(p, s),
            };
            Arithmetic {
                left: rescaled(x, (p1, s1), s2),
                right: rescaled(y, (p2, s2), s1),
                result,
                swapped: false,
            }
        }
    })
}

/// The type of `DECIMAL(p1,s1) op DECIMAL(p2,s2)` as arrow's kernels compute
/// it (`+ - * %`); `None` when the scale would not fit.
pub fn decimal_result(op: &str, (p1, s1): (u8, i8), (p2, s2): (u8, i8)) -> Option<DataType> {
    let (p1, s1, p2, s2) = (p1 as i16, s1 as i16, p2 as i16, s2 as i16);
    let (p, s) = match op {
        "+" | "-" => {
            let s = s1.max(s2);
            (s + (p1 - s1).max(p2 - s2) + 1, s)
        }
        "*" => (p1 + p2 + 1, s1 + s2),
        "%" => {
            let s = s1.max(s2);
            (s + (p1 - s1).min(p2 - s2), s)
        }
        _ => return None,
    };
    if s > 38 {
        return None;
    }
    Some(DataType::Decimal128(p.clamp(1, 38) as u8, s as i8))
}

/// The range a narrow SQL integer type promises, as the Arrow type that holds
/// exactly that range. tern computes every integer as BIGINT
/// ([`sql_to_arrow`]); a CAST to `TINYINT`, `SMALLINT`, `INTEGER` or an
/// unsigned type still checks that the value fits, as DuckDB does.
pub fn sql_integer_range(t: &ast::DataType) -> Option<DataType> {
    use ast::DataType as S;
    Some(match t {
        S::TinyInt(_) => DataType::Int8,
        S::SmallInt(_) | S::Int2(_) | S::Int16 => DataType::Int16,
        S::Int(_) | S::Integer(_) | S::Int4(_) | S::Int32 | S::Signed | S::SignedInteger => {
            DataType::Int32
        }
        S::TinyIntUnsigned(_) | S::UInt8 => DataType::UInt8,
        S::SmallIntUnsigned(_) | S::UInt16 => DataType::UInt16,
        S::IntUnsigned(_)
        | S::IntegerUnsigned(_)
        | S::UInt32
        | S::Unsigned
        | S::UnsignedInteger => DataType::UInt32,
        S::BigIntUnsigned(_) | S::UInt64 => DataType::UInt64,
        _ => return None,
    })
}

/// Arrow type for a SQL type name (`INTEGER`, `VARCHAR(20)`, `DECIMAL(10,2)`, ...).
pub fn sql_to_arrow(t: &ast::DataType) -> Result<DataType> {
    use ast::DataType as S;
    use DataType::*;
    Ok(match t {
        S::TinyInt(_)
        | S::SmallInt(_)
        | S::Int(_)
        | S::Integer(_)
        | S::BigInt(_)
        | S::Int2(_)
        | S::Int4(_)
        | S::Int8(_)
        | S::Int16
        | S::Int32
        | S::Int64
        | S::Signed
        | S::SignedInteger
        | S::HugeInt => Int64,
        S::TinyIntUnsigned(_)
        | S::SmallIntUnsigned(_)
        | S::IntUnsigned(_)
        | S::IntegerUnsigned(_)
        | S::BigIntUnsigned(_)
        | S::Unsigned
        | S::UnsignedInteger
        | S::UInt8
        | S::UInt16
        | S::UInt32
        | S::UInt64 => Int64,
        S::Float(_)
        | S::Real
        | S::Double(_)
        | S::DoublePrecision
        | S::Float4
        | S::Float8
        | S::Float32
        | S::Float64 => Float64,
        S::Decimal(info) | S::Numeric(info) | S::Dec(info) => match info {
            ast::ExactNumberInfo::None => Decimal128(18, 3),
            ast::ExactNumberInfo::Precision(p) => Decimal128((*p).clamp(1, 38) as u8, 0),
            ast::ExactNumberInfo::PrecisionAndScale(p, s) => {
                let p = (*p).clamp(1, 38) as u8;
                Decimal128(p, (*s).clamp(0, p as i64) as i8)
            }
        },
        S::Char(_)
        | S::Character(_)
        | S::Varchar(_)
        | S::CharVarying(_)
        | S::CharacterVarying(_)
        | S::Nvarchar(_)
        | S::Text
        | S::String(_)
        | S::Clob(_) => Utf8,
        S::Boolean | S::Bool => Boolean,
        S::Date => Date32,
        S::Timestamp(_, _) | S::Datetime(_) | S::TimestampNtz(_) => {
            Timestamp(TimeUnit::Microsecond, None)
        }
        S::Blob(_) | S::Bytea | S::Binary(_) | S::Varbinary(_) => Binary,
        S::Custom(name, _) => match name.to_string().to_lowercase().as_str() {
            "varchar" | "string" | "text" => Utf8,
            "int" | "integer" | "bigint" | "long" => Int64,
            "double" | "float" => Float64,
            other => return Err(Error::unsupported(format!("type '{other}'"))),
        },
        other => return Err(Error::unsupported(format!("type '{other}'"))),
    })
}

/// The SQL-ish name users see for an Arrow type (in DESCRIBE and table headers).
pub fn type_name(t: &DataType) -> String {
    use DataType::*;
    match t {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 => "INTEGER".into(),
        Float16 | Float32 | Float64 => "DOUBLE".into(),
        Decimal128(p, s) | Decimal256(p, s) => format!("DECIMAL({p},{s})"),
        Utf8 | LargeUtf8 | Utf8View => "VARCHAR".into(),
        Boolean => "BOOLEAN".into(),
        Date32 | Date64 => "DATE".into(),
        Timestamp(..) => "TIMESTAMP".into(),
        Binary | LargeBinary | BinaryView => "BLOB".into(),
        List(f) | LargeList(f) => format!("{}[]", type_name(f.data_type())),
        Struct(fields) => format!(
            "STRUCT({})",
            fields
                .iter()
                .map(|f| format!("{} {}", f.name(), type_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Null => "NULL".into(),
        other => other.to_string().to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DataType::*;

    #[test]
    fn common_types() {
        assert_eq!(common_type(&Int64, &Float64), Some(Float64));
        assert_eq!(common_type(&Null, &Utf8), Some(Utf8));
        assert_eq!(
            common_type(&Decimal128(3, 1), &Int64),
            Some(Decimal128(20, 1))
        );
        assert_eq!(common_type(&Boolean, &Int64), None);
        assert_eq!(comparison_type(&Utf8, &Int64), Some(Int64));
        assert_eq!(comparison_type(&Decimal128(3, 1), &Float64), Some(Float64));
    }

    #[test]
    fn arithmetic_types() {
        assert_eq!(
            arithmetic_type("/", &Int64, &Int64, false).unwrap(),
            Float64
        );
        assert_eq!(arithmetic_type("/", &Int64, &Int64, true).unwrap(), Int64);
        assert_eq!(
            arithmetic_type("+", &Int64, &Decimal128(3, 1), false).unwrap(),
            Decimal128(21, 1)
        );
        // The integer is cast to the decimal's scale; the result is as before.
        let a = arithmetic("-", &Int64, &Decimal128(15, 2), false).unwrap();
        assert_eq!(
            (a.left, a.right, a.result),
            (Decimal128(21, 2), Decimal128(15, 2), Decimal128(22, 2))
        );
        let a = arithmetic("*", &Decimal128(15, 2), &Int32, false).unwrap();
        assert_eq!(a.right, Decimal128(19, 0));
        assert_eq!(
            arithmetic_type("/", &Decimal128(15, 2), &Decimal128(15, 2), false).unwrap(),
            Float64
        );
        assert_eq!(
            arithmetic_type("+", &Float64, &Decimal128(3, 1), false).unwrap(),
            Float64
        );
        let iv = Interval(arrow_schema::IntervalUnit::MonthDayNano);
        let a = arithmetic("+", &iv, &Date32, false).unwrap();
        assert!(a.swapped);
        assert_eq!(a.result, Date32);
        assert!(arithmetic("*", &Date32, &iv, false).is_err());
        assert!(arithmetic_type("+", &Utf8, &Int64, false).is_err());
    }
}
