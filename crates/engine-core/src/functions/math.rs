//! Numeric functions. Arguments arrive as Int64 or Float64 (the binder casts them).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array};
use arrow_schema::DataType;

use super::float_type;
use crate::error::{Error, Result};

use super::registry::{def, FunctionDef, FunctionKind::Scalar};
use super::ScalarFunc as F;

/// The numeric functions.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["round"],
        Scalar(F::Round),
        "ROUND(x [, digits]) -> type of x",
        "x rounded half away from zero, to digits places (0)",
    ),
    def(
        &["abs"],
        Scalar(F::Abs),
        "ABS(x) -> type of x",
        "the absolute value",
    ),
    def(
        &["floor"],
        Scalar(F::Floor),
        "FLOOR(x) -> type of x",
        "the largest integer not above x",
    ),
    def(
        &["ceil", "ceiling"],
        Scalar(F::Ceil),
        "CEIL(x) -> type of x",
        "the smallest integer not below x",
    ),
    def(
        &["sign"],
        Scalar(F::Sign),
        "SIGN(x) -> type of x",
        "-1, 0 or 1",
    ),
    def(
        &["sqrt"],
        Scalar(F::Sqrt),
        "SQRT(x) -> DOUBLE",
        "the square root (NULL for a negative x)",
    ),
    def(
        &["power", "pow"],
        Scalar(F::Power),
        "POWER(x, y) -> DOUBLE",
        "x to the power y",
    ),
    def(
        &["pi"],
        Scalar(F::Pi),
        "PI() -> DOUBLE",
        "3.141592653589793",
    ),
    def(
        &["exp"],
        Scalar(F::Exp),
        "EXP(x) -> DOUBLE",
        "e to the power x",
    ),
    def(
        &["ln"],
        Scalar(F::Ln),
        "LN(x) -> DOUBLE",
        "the natural logarithm (NULL for a negative x)",
    ),
    def(
        &["log10"],
        Scalar(F::Log10),
        "LOG10(x) -> DOUBLE",
        "the base-10 logarithm",
    ),
    def(
        &["log2"],
        Scalar(F::Log2),
        "LOG2(x) -> DOUBLE",
        "the base-2 logarithm",
    ),
    def(
        &["log"],
        Scalar(F::Log),
        "LOG([base,] x) -> DOUBLE",
        "the logarithm of x to base (10)",
    ),
    def(
        &["trunc"],
        Scalar(F::Trunc),
        "TRUNC(x) -> type of x",
        "x without its fraction, towards zero",
    ),
    def(
        &["sin"],
        Scalar(F::Math(MathFn::Sin)),
        "SIN(x) -> DOUBLE",
        "the sine (radians)",
    ),
    def(
        &["cos"],
        Scalar(F::Math(MathFn::Cos)),
        "COS(x) -> DOUBLE",
        "the cosine (radians)",
    ),
    def(
        &["tan"],
        Scalar(F::Math(MathFn::Tan)),
        "TAN(x) -> DOUBLE",
        "the tangent (radians)",
    ),
    def(
        &["cot"],
        Scalar(F::Math(MathFn::Cot)),
        "COT(x) -> DOUBLE",
        "the cotangent (radians)",
    ),
    def(
        &["asin"],
        Scalar(F::Math(MathFn::Asin)),
        "ASIN(x) -> DOUBLE",
        "the arcsine, in radians (NaN outside -1..1)",
    ),
    def(
        &["acos"],
        Scalar(F::Math(MathFn::Acos)),
        "ACOS(x) -> DOUBLE",
        "the arccosine, in radians (NaN outside -1..1)",
    ),
    def(
        &["atan"],
        Scalar(F::Math(MathFn::Atan)),
        "ATAN(x) -> DOUBLE",
        "the arctangent, in radians",
    ),
    def(
        &["atan2"],
        Scalar(F::Atan2),
        "ATAN2(y, x) -> DOUBLE",
        "the angle of the point (x, y), in radians",
    ),
    def(
        &["degrees"],
        Scalar(F::Math(MathFn::Degrees)),
        "DEGREES(x) -> DOUBLE",
        "radians in degrees",
    ),
    def(
        &["radians"],
        Scalar(F::Math(MathFn::Radians)),
        "RADIANS(x) -> DOUBLE",
        "degrees in radians",
    ),
    def(
        &["cbrt"],
        Scalar(F::Math(MathFn::Cbrt)),
        "CBRT(x) -> DOUBLE",
        "the cube root",
    ),
    def(
        &["isnan"],
        Scalar(F::IsNan),
        "ISNAN(x) -> BOOLEAN",
        "whether x is NaN",
    ),
    def(
        &["isinf"],
        Scalar(F::IsInf),
        "ISINF(x) -> BOOLEAN",
        "whether x is infinite",
    ),
    def(
        &["isfinite"],
        Scalar(F::IsFinite),
        "ISFINITE(x) -> BOOLEAN",
        "whether x is neither infinite nor NaN",
    ),
];

/// ROUND(x [, digits]): half away from zero; integers with digits ≥ 0 are unchanged.
pub(super) fn round(args: &[ArrayRef]) -> Result<ArrayRef> {
    let digits = args.get(1).map(|d| d.as_primitive::<Int64Type>());
    let digit = |i: usize| {
        digits
            .map(|d| (!d.is_null(i)).then(|| d.value(i)))
            .unwrap_or(Some(0))
    };
    if float_type(args[0].data_type()) {
        let x = args[0].as_primitive::<Float64Type>();
        let out: Float64Array = (0..x.len())
            .map(|i| {
                let d = digit(i)?;
                if x.is_null(i) {
                    return None;
                }
                let f = 10f64.powi(d.clamp(-300, 300) as i32);
                Some((x.value(i) * f).round() / f)
            })
            .collect();
        Ok(Arc::new(out))
    } else {
        let x = args[0].as_primitive::<Int64Type>();
        let out: Int64Array = (0..x.len())
            .map(|i| {
                let (Some(d), false) = (digit(i), x.is_null(i)) else {
                    return Ok(None);
                };
                round_int(x.value(i), d).map(Some)
            })
            .collect::<Result<_>>()?;
        Ok(Arc::new(out))
    }
}

/// `v` rounded half away from zero to `digits` (a negative count rounds to
/// tens, hundreds, …); a result past the Int64 range is an error, as in DuckDB.
fn round_int(v: i64, digits: i64) -> Result<i64> {
    if digits >= 0 {
        return Ok(v);
    }
    // 10^19 already exceeds every Int64, so any larger power rounds to 0.
    let Some(f) = 10i128.checked_pow(digits.unsigned_abs().min(19) as u32) else {
        return Ok(0);
    };
    let v = i128::from(v);
    let r = (v.abs() + f / 2) / f * f;
    i64::try_from(if v < 0 { -r } else { r })
        .map_err(|_| Error::exec(format!("numeric overflow: ROUND({v}, {digits})")))
}

/// ABS(x); fails on the one integer with no positive counterpart.
pub(super) fn abs(a: &ArrayRef) -> Result<ArrayRef> {
    if float_type(a.data_type()) {
        return float_unary(a, f64::abs);
    }
    let x = a.as_primitive::<Int64Type>();
    let out: Int64Array = x.try_unary(|v| {
        v.checked_abs()
            .ok_or_else(|| arrow_schema::ArrowError::ArithmeticOverflow(format!("ABS({v})")))
    })?;
    Ok(Arc::new(out))
}

/// FLOOR / CEIL; integers are unchanged.
pub(super) fn floor_ceil(a: &ArrayRef, floor: bool) -> Result<ArrayRef> {
    if float_type(a.data_type()) {
        float_unary(a, if floor { f64::floor } else { f64::ceil })
    } else {
        Ok(Arc::clone(a))
    }
}

/// SIGN(x): -1, 0 or 1 in x's type.
pub(super) fn sign(a: &ArrayRef) -> Result<ArrayRef> {
    if float_type(a.data_type()) {
        return float_unary(a, |v| {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        });
    }
    let x = a.as_primitive::<Int64Type>();
    Ok(Arc::new(x.unary::<_, Int64Type>(i64::signum)))
}

/// Applies `f` to a float array. A result that is not a number (the square
/// root or logarithm of a negative number) is NaN, as in IEEE 754 and DuckDB 2.
pub(super) fn float_unary(a: &ArrayRef, f: fn(f64) -> f64) -> Result<ArrayRef> {
    let x = a.as_primitive::<Float64Type>();
    let out: Float64Array = x.unary(f);
    Ok(Arc::new(out))
}

/// A function of one DOUBLE giving a DOUBLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum MathFn {
    Sin,
    Cos,
    Tan,
    Cot,
    Asin,
    Acos,
    Atan,
    Degrees,
    Radians,
    Cbrt,
}

impl MathFn {
    /// The function itself.
    pub(super) fn apply(self) -> fn(f64) -> f64 {
        match self {
            MathFn::Sin => f64::sin,
            MathFn::Cos => f64::cos,
            MathFn::Tan => f64::tan,
            MathFn::Cot => |x| 1.0 / x.tan(),
            MathFn::Asin => f64::asin,
            MathFn::Acos => f64::acos,
            MathFn::Atan => f64::atan,
            MathFn::Degrees => f64::to_degrees,
            MathFn::Radians => f64::to_radians,
            MathFn::Cbrt => f64::cbrt,
        }
    }

    /// Its SQL name.
    pub(super) fn name(self) -> &'static str {
        match self {
            MathFn::Sin => "SIN",
            MathFn::Cos => "COS",
            MathFn::Tan => "TAN",
            MathFn::Cot => "COT",
            MathFn::Asin => "ASIN",
            MathFn::Acos => "ACOS",
            MathFn::Atan => "ATAN",
            MathFn::Degrees => "DEGREES",
            MathFn::Radians => "RADIANS",
            MathFn::Cbrt => "CBRT",
        }
    }
}

/// A binary DOUBLE function over two DOUBLE arrays.
pub(super) fn float_binary(a: &ArrayRef, b: &ArrayRef, f: fn(f64, f64) -> f64) -> Result<ArrayRef> {
    let x = a.as_primitive::<Float64Type>();
    let y = b.as_primitive::<Float64Type>();
    let out: Float64Array = arrow_arith::arity::binary(x, y, f)?;
    Ok(Arc::new(out))
}

/// TRUNC(x): x without its fraction (towards zero); integers are unchanged.
pub(super) fn trunc(a: &ArrayRef) -> Result<ArrayRef> {
    match float_type(a.data_type()) {
        true => float_unary(a, f64::trunc),
        false => Ok(Arc::clone(a)),
    }
}

/// ISNAN, ISINF and ISFINITE of a DOUBLE.
pub(super) fn float_test(a: &ArrayRef, f: fn(f64) -> bool) -> Result<ArrayRef> {
    let x = a.as_primitive::<Float64Type>();
    let out: arrow_array::BooleanArray = x.iter().map(|v| v.map(f)).collect();
    Ok(Arc::new(out))
}

/// POWER(x, y).
pub(super) fn power(a: &ArrayRef, b: &ArrayRef) -> Result<ArrayRef> {
    float_binary(a, b, f64::powf)
}

/// GREATEST / LEAST: the largest or smallest non-null argument per row.
pub(super) fn extreme(args: &[ArrayRef], greatest: bool) -> Result<ArrayRef> {
    let mut result = Arc::clone(&args[0]);
    if matches!(result.data_type(), DataType::Null) {
        return Ok(result);
    }
    for a in &args[1..] {
        let better = if greatest {
            arrow_ord::cmp::gt(a, &result)?
        } else {
            arrow_ord::cmp::lt(a, &result)?
        };
        // Take `a` where it is better, or where the current result is null.
        let take_a: arrow_array::BooleanArray = (0..a.len())
            .map(|i| {
                Some(
                    a.is_valid(i) && (result.is_null(i) || (better.is_valid(i) && better.value(i))),
                )
            })
            .collect();
        result = arrow_select::zip::zip(&take_a, a, &result)?;
    }
    if result.len() != args[0].len() {
        return Err(Error::exec("argument lengths differ"));
    }
    Ok(result)
}
