//! A filter's conditions as scan hints: the conjuncts of the form
//! `column op constant` (or `constant op column`, `column IS [NOT] NULL`).
//! Others are simply not passed on; the filter itself runs above the scan
//! either way, so a hint only ever saves work.

use arrow_schema::{DataType, Schema};

use crate::catalog::{ColumnPredicate, PredicateOp};
use crate::plan::{BinaryOp, Expr, ScalarValue};

/// The hints in `predicate`, a filter over a scan of a table with `schema`
/// (the filter's column `i` is the table's column `i`).
pub(crate) fn column_predicates(predicate: &Expr, schema: &Schema) -> Vec<ColumnPredicate> {
    let mut out = Vec::new();
    collect(predicate, schema, &mut out);
    out
}

fn collect(e: &Expr, schema: &Schema, out: &mut Vec<ColumnPredicate>) {
    match e {
        Expr::Binary {
            op: BinaryOp::And,
            left,
            right,
        } => {
            collect(left, schema, out);
            collect(right, schema, out);
        }
        Expr::Binary { op, left, right } => {
            let Some(op) = comparison(*op) else { return };
            let column = |e: &Expr| column(e, schema);
            let found = match (column(left), right.as_ref(), column(right), left.as_ref()) {
                (Some(i), Expr::Literal(v), _, _) => Some((i, op, v)),
                (_, _, Some(i), Expr::Literal(v)) => Some((i, op.flip(), v)),
                _ => None,
            };
            if let Some((i, op, v)) = found {
                if !v.is_null() && i < schema.fields().len() {
                    out.push(ColumnPredicate {
                        column: schema.field(i).name().clone(),
                        op,
                        value: v.clone(),
                    });
                }
            }
        }
        Expr::IsNull { expr, negated } => {
            if let Some(i) = column(expr, schema) {
                out.push(ColumnPredicate {
                    column: schema.field(i).name().clone(),
                    op: if *negated {
                        PredicateOp::IsNotNull
                    } else {
                        PredicateOp::IsNull
                    },
                    value: ScalarValue::null(&DataType::Null),
                });
            }
        }
        _ => {}
    }
}

fn comparison(op: BinaryOp) -> Option<PredicateOp> {
    Some(match op {
        BinaryOp::Eq => PredicateOp::Eq,
        BinaryOp::NotEq => PredicateOp::NotEq,
        BinaryOp::Lt => PredicateOp::Lt,
        BinaryOp::LtEq => PredicateOp::LtEq,
        BinaryOp::Gt => PredicateOp::Gt,
        BinaryOp::GtEq => PredicateOp::GtEq,
        _ => return None,
    })
}

/// The column an operand reads, directly or through a cast that maps distinct
/// values to distinct values in the same order (so the column's statistics
/// still bound it, and a constant that converts back exactly means the same).
fn column(e: &Expr, schema: &Schema) -> Option<usize> {
    let (i, to) = match e {
        Expr::Column(c) => (c.index, None),
        Expr::Cast { expr, to, .. } => match expr.as_ref() {
            Expr::Column(c) => (c.index, Some(to)),
            _ => return None,
        },
        _ => return None,
    };
    let field = schema.fields().get(i)?;
    match to {
        Some(to) if !order_preserving(field.data_type(), to) => None,
        _ => Some(i),
    }
}

/// Whether casting `from` to `to` is exact and keeps order: integer widening,
/// integers into decimals wide enough, decimals to more digits on both sides
/// of the point, small integers and FLOAT to DOUBLE, and a string from one
/// layout to another (`Utf8`, `LargeUtf8`, `Utf8View` hold the same bytes). A
/// string cast to a number is not (`'9'` sorts after `'10'`), nor is any cast
/// that rounds (a DOUBLE to an integer, a BIGINT to a DOUBLE past 2^53).
fn order_preserving(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    let string = |t: &DataType| matches!(t, Utf8 | LargeUtf8 | Utf8View);
    if string(from) && string(to) {
        return true;
    }
    let int = |t: &DataType| -> Option<(bool, u32)> {
        Some(match t {
            Int8 => (true, 8),
            Int16 => (true, 16),
            Int32 => (true, 32),
            Int64 => (true, 64),
            UInt8 => (false, 8),
            UInt16 => (false, 16),
            UInt32 => (false, 32),
            UInt64 => (false, 64),
            _ => return None,
        })
    };
    // Digits left of the point a decimal holds.
    let whole_digits = |t: &DataType| match t {
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            Some((i16::from(*p) - i16::from(*s), *s))
        }
        _ => None,
    };
    match (int(from), int(to), to) {
        (Some((fs, fw)), Some((ts, tw)), _) => (fs == ts && tw >= fw) || (!fs && ts && tw > fw),
        (Some((_, fw)), None, Float64) => fw <= 32,
        (Some((_, fw)), None, Float32) => fw <= 16,
        (Some((_, fw)), None, _) => {
            // 2^8, 2^16, 2^32, 2^64 have 3, 5, 10, 20 digits.
            let digits = [(8, 3), (16, 5), (32, 10), (64, 20)];
            let need = digits
                .iter()
                .find(|(w, _)| *w == fw)
                .map_or(20, |(_, d)| *d);
            whole_digits(to).is_some_and(|(w, _)| w >= need)
        }
        _ => match (whole_digits(from), whole_digits(to)) {
            (Some((fw, fs)), Some((tw, ts))) => tw >= fw && ts >= fs,
            _ => matches!(
                (from, to),
                (Float32, Float64) | (Float16, Float32 | Float64)
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::Field;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("a", DataType::Int64, true),
            Field::new("b", DataType::Utf8, true),
        ])
    }

    fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        Expr::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
        }
    }

    #[test]
    fn conjuncts_of_column_and_constant_become_hints() {
        let e = bin(
            BinaryOp::And,
            bin(
                BinaryOp::Lt,
                Expr::Literal(ScalarValue::int64(5)),
                Expr::col(0),
            ),
            bin(
                BinaryOp::And,
                Expr::IsNull {
                    expr: Box::new(Expr::col(1)),
                    negated: true,
                },
                bin(BinaryOp::Eq, Expr::col(0), Expr::col(0)),
            ),
        );
        let hints = column_predicates(&e, &schema());
        assert_eq!(hints.len(), 2);
        assert_eq!(
            (hints[0].column.as_str(), hints[0].op),
            ("a", PredicateOp::Gt)
        );
        assert_eq!(hints[0].value.as_i64(), Some(5));
        assert_eq!(
            (hints[1].column.as_str(), hints[1].op),
            ("b", PredicateOp::IsNotNull)
        );
    }

    #[test]
    fn only_order_preserving_casts_give_hints() {
        let cast = |i: usize, to: DataType| Expr::Cast {
            expr: Box::new(Expr::col(i)),
            to,
            safe: false,
        };
        let lt = |e: Expr| {
            let p = bin(BinaryOp::Lt, e, Expr::Literal(ScalarValue::int64(10)));
            column_predicates(&p, &schema()).len()
        };
        // '9' sorts after '10': string statistics cannot bound a number.
        assert_eq!(lt(cast(1, DataType::Int64)), 0);
        // BIGINT to DOUBLE rounds past 2^53; to INT may fail or wrap.
        assert_eq!(lt(cast(0, DataType::Float64)), 0);
        assert_eq!(lt(cast(0, DataType::Int32)), 0);
        assert_eq!(lt(cast(0, DataType::Decimal128(18, 0))), 0);
        assert_eq!(lt(cast(0, DataType::Decimal128(38, 2))), 1);
        assert_eq!(lt(Expr::col(0)), 1);
        assert!(order_preserving(&DataType::Int32, &DataType::Int64));
        assert!(order_preserving(&DataType::UInt32, &DataType::Int64));
        assert!(!order_preserving(&DataType::UInt64, &DataType::Int64));
        assert!(order_preserving(&DataType::Int32, &DataType::Float64));
        assert!(order_preserving(&DataType::Float32, &DataType::Float64));
        assert!(!order_preserving(&DataType::Float64, &DataType::Int64));
        let dec = DataType::Decimal128;
        assert!(order_preserving(&dec(15, 2), &dec(16, 2)));
        assert!(order_preserving(&dec(15, 2), &dec(18, 4)));
        assert!(!order_preserving(&dec(15, 2), &dec(15, 1)));
        assert!(!order_preserving(&dec(15, 2), &dec(15, 3)));
        assert!(order_preserving(&DataType::LargeUtf8, &DataType::Utf8));
        assert!(order_preserving(&DataType::Utf8, &DataType::Utf8View));
        assert!(!order_preserving(&DataType::Utf8, &DataType::Binary));
    }

    #[test]
    fn disjunctions_give_no_hint() {
        let e = bin(
            BinaryOp::Or,
            bin(
                BinaryOp::Gt,
                Expr::col(0),
                Expr::Literal(ScalarValue::int64(1)),
            ),
            bin(
                BinaryOp::Lt,
                Expr::col(0),
                Expr::Literal(ScalarValue::int64(0)),
            ),
        );
        assert!(column_predicates(&e, &schema()).is_empty());
    }
}
