//! A filter's conditions as scan hints: the conjuncts of the form
//! `column op constant` (or `constant op column`, `column IS [NOT] NULL`).
//! Others are simply not passed on; the filter itself runs above the scan
//! either way, so a hint only ever saves work.

use arrow_schema::{DataType, Schema};

use crate::catalog::{ColumnPredicate, PredicateOp};
use crate::plan::{BinaryOp, Expr, ScalarValue};

/// The hints in `predicate`, a filter over a scan of a table with `schema`
/// (the filter's column `i` is the table's column `i`).
pub(super) fn column_predicates(predicate: &Expr, schema: &Schema) -> Vec<ColumnPredicate> {
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
            if let Some(i) = column(expr).filter(|&i| i < schema.fields().len()) {
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

/// The column an operand reads, directly or through a numeric widening cast
/// (which keeps the order of values, so statistics still bound it).
fn column(e: &Expr) -> Option<usize> {
    match e {
        Expr::Column(i) => Some(*i),
        Expr::Cast { expr, to, .. } if to.is_numeric() => match expr.as_ref() {
            Expr::Column(i) => Some(*i),
            _ => None,
        },
        _ => None,
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
                Expr::Column(0),
            ),
            bin(
                BinaryOp::And,
                Expr::IsNull {
                    expr: Box::new(Expr::Column(1)),
                    negated: true,
                },
                bin(BinaryOp::Eq, Expr::Column(0), Expr::Column(0)),
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
    fn disjunctions_give_no_hint() {
        let e = bin(
            BinaryOp::Or,
            bin(
                BinaryOp::Gt,
                Expr::Column(0),
                Expr::Literal(ScalarValue::int64(1)),
            ),
            bin(
                BinaryOp::Lt,
                Expr::Column(0),
                Expr::Literal(ScalarValue::int64(0)),
            ),
        );
        assert!(column_predicates(&e, &schema()).is_empty());
    }
}
