//! Decimal `+`, `-` and `*` that cannot overflow, without overflow checks.
//!
//! Arrow's kernels check every 128-bit product and sum for overflow; the
//! checked 128-bit multiply is a library call, and TPC-H q1's two products a
//! row took a fifth of its time. One pass over each operand finds its largest
//! magnitude; when those prove that no row can overflow 128 bits, the same
//! result is computed unchecked (the product of two values that fit in 64
//! bits as one 64×64→128-bit multiply). Arrow's kernels fail only on such an
//! overflow, so the answers are theirs, and so are the result types (Hive's
//! rules). Anything not proven returns `None` and goes to arrow.

use std::sync::Arc;

use arrow_arith::arity::binary;
use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use arrow_array::{Array, ArrayRef, Datum, PrimitiveArray};
use arrow_schema::DataType;

use crate::error::Result;
use crate::plan::BinaryOp;

/// `l op r` for two Decimal128 operands when no row can overflow; `None`
/// when that is not proven (or an operand is a NULL scalar), for arrow.
pub(super) fn arithmetic(op: BinaryOp, l: &dyn Datum, r: &dyn Datum) -> Option<Result<ArrayRef>> {
    let ((la, l_scalar), (ra, r_scalar)) = (l.get(), r.get());
    let (&DataType::Decimal128(p1, s1), &DataType::Decimal128(p2, s2)) =
        (la.data_type(), ra.data_type())
    else {
        return None;
    };
    if l_scalar && r_scalar {
        return None;
    }
    let (la, ra) = (
        la.as_primitive::<Decimal128Type>(),
        ra.as_primitive::<Decimal128Type>(),
    );
    // NULL slots count too: their values are unspecified.
    let (ml, mr) = (largest(la), largest(ra));
    let fits = |m: Option<u128>| m.is_some_and(|m| m <= i128::MAX as u128);
    let narrow = ml <= i64::MAX as u128 && mr <= i64::MAX as u128;
    let (out_type, f): (DataType, fn(i128, i128) -> i128) = match op {
        BinaryOp::Multiply if fits(ml.checked_mul(mr)) && (s1 as i16 + s2 as i16) <= 38 => (
            DataType::Decimal128((p1 as u16 + p2 as u16 + 1).min(38) as u8, s1 + s2),
            match narrow {
                true => |a, b| (a as i64 as i128) * (b as i64 as i128),
                false => i128::wrapping_mul,
            },
        ),
        BinaryOp::Plus | BinaryOp::Minus if s1 == s2 && fits(ml.checked_add(mr)) => (
            DataType::Decimal128((p1.max(p2) + 1).min(38), s1),
            match op {
                BinaryOp::Plus => i128::wrapping_add,
                _ => i128::wrapping_sub,
            },
        ),
        _ => return None,
    };
    let out: PrimitiveArray<Decimal128Type> = match (l_scalar, r_scalar) {
        (true, _) => {
            let a = scalar(la)?;
            ra.unary(|b| f(a, b))
        }
        (_, true) => {
            let b = scalar(ra)?;
            la.unary(|a| f(a, b))
        }
        _ => match binary(la, ra, f) {
            Ok(a) => a,
            Err(e) => return Some(Err(e.into())),
        },
    };
    Some(Ok(Arc::new(out.with_data_type(out_type))))
}

/// The largest magnitude among `a`'s values.
fn largest(a: &PrimitiveArray<Decimal128Type>) -> u128 {
    a.values().iter().fold(0, |m, v| m.max(v.unsigned_abs()))
}

/// A scalar operand's value, `None` when it is NULL.
fn scalar(a: &PrimitiveArray<Decimal128Type>) -> Option<i128> {
    (a.len() == 1 && a.is_valid(0)).then(|| a.value(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Decimal128Array, Scalar};

    fn dec(values: &[Option<i128>], p: u8, s: i8) -> ArrayRef {
        Arc::new(
            Decimal128Array::from(values.to_vec())
                .with_precision_and_scale(p, s)
                .unwrap(),
        )
    }

    /// The fast path's answer and type equal arrow's checked kernels'.
    #[test]
    fn results_and_types_equal_arrows() {
        let big = i64::MAX as i128;
        let huge = 10i128.pow(30);
        let l = dec(
            &[Some(12345), Some(-99), None, Some(big), Some(-big)],
            38,
            2,
        );
        let r = dec(&[Some(7), None, Some(1), Some(big), Some(big)], 22, 2);
        let h = dec(&[Some(3), Some(-huge), None, Some(1), Some(2)], 38, 2);
        let one = Scalar::new(dec(&[Some(100)], 22, 2));
        for op in [BinaryOp::Multiply, BinaryOp::Plus, BinaryOp::Minus] {
            let pairs: [(&dyn Datum, &dyn Datum); 5] =
                [(&l, &r), (&one, &r), (&l, &one), (&h, &one), (&one, &h)];
            for (a, b) in pairs {
                let fast = arithmetic(op, a, b).expect("no overflow possible").unwrap();
                let slow = match op {
                    BinaryOp::Multiply => arrow_arith::numeric::mul(a, b),
                    BinaryOp::Plus => arrow_arith::numeric::add(a, b),
                    _ => arrow_arith::numeric::sub(a, b),
                }
                .unwrap();
                assert_eq!(fast.data_type(), slow.data_type(), "{op:?}");
                assert_eq!(fast.to_data(), slow.to_data(), "{op:?}");
            }
        }
    }

    #[test]
    fn unproven_cases_go_to_arrow() {
        let huge = dec(&[Some(10i128.pow(30)), Some(1)], 38, 0);
        let narrow = dec(&[Some(10i128.pow(10)), Some(1)], 38, 0);
        let other_scale = dec(&[Some(1), Some(1)], 5, 1);
        // A product past 128 bits (arrow fails it), scales that differ, a
        // NULL scalar.
        assert!(arithmetic(BinaryOp::Multiply, &huge, &narrow).is_none());
        assert!(arrow_arith::numeric::mul(&huge, &narrow).is_err());
        assert!(arithmetic(BinaryOp::Multiply, &huge, &huge).is_none());
        assert!(arithmetic(BinaryOp::Plus, &huge, &other_scale).is_none());
        let null = Scalar::new(dec(&[None], 5, 1));
        assert!(arithmetic(BinaryOp::Plus, &other_scale, &null).is_none());
    }
}
