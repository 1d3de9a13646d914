//! Finding aggregate calls in the SQL syntax tree, before binding, to decide
//! whether a SELECT aggregates.

use sqlparser::ast::{self, Expr as A};

use crate::plan::AggFunc;

/// The lower-case name of a function call.
pub(super) fn function_name(f: &ast::Function) -> String {
    f.name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_lowercase())
        .unwrap_or_default()
}

/// Whether `f` is a call of an aggregate function (and not a window function).
pub(super) fn is_aggregate_call(f: &ast::Function) -> bool {
    f.over.is_none() && AggFunc::from_name(&function_name(f)).is_some()
}

/// Whether the expression contains an aggregate call outside any subquery.
///
/// The walk stops at the binder's depth limit (answering `false`): such a tree
/// fails to bind anyway, and walking it whole could overflow the stack.
pub(super) fn contains_aggregate(e: &A) -> bool {
    walk(e, super::MAX_EXPR_DEPTH + 1)
}

fn walk(e: &A, budget: usize) -> bool {
    if budget == 0 {
        return false;
    }
    let contains_aggregate = |e: &A| walk(e, budget - 1);
    let any = |v: &[&A]| v.iter().any(|e| walk(e, budget - 1));
    match e {
        A::Function(f) => {
            if is_aggregate_call(f) {
                return true;
            }
            // A window's keys may aggregate: `RANK() OVER (ORDER BY SUM(x))`.
            if let Some(ast::WindowType::WindowSpec(w)) = &f.over {
                if w.partition_by.iter().any(&contains_aggregate)
                    || w.order_by.iter().any(|o| contains_aggregate(&o.expr))
                {
                    return true;
                }
            }
            match &f.args {
                ast::FunctionArguments::List(list) => list.args.iter().any(|a| match a {
                    ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))
                    | ast::FunctionArg::Named {
                        arg: ast::FunctionArgExpr::Expr(e),
                        ..
                    } => contains_aggregate(e),
                    _ => false,
                }),
                _ => false,
            }
        }
        A::BinaryOp { left, right, .. } => any(&[left, right]),
        A::UnaryOp { expr, .. }
        | A::Nested(expr)
        | A::IsNull(expr)
        | A::IsNotNull(expr)
        | A::IsTrue(expr)
        | A::IsFalse(expr)
        | A::IsNotTrue(expr)
        | A::IsNotFalse(expr)
        | A::Cast { expr, .. }
        | A::Collate { expr, .. }
        | A::Ceil { expr, .. }
        | A::Floor { expr, .. } => contains_aggregate(expr),
        A::IsDistinctFrom(a, b) | A::IsNotDistinctFrom(a, b) => any(&[a, b]),
        A::Between {
            expr, low, high, ..
        } => any(&[expr, low, high]),
        A::Like { expr, pattern, .. } | A::ILike { expr, pattern, .. } => any(&[expr, pattern]),
        A::In { expr, target, .. } => {
            contains_aggregate(expr)
                || match target {
                    ast::InTarget::List(list) => list.iter().any(&contains_aggregate),
                    _ => false,
                }
        }
        A::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(&contains_aggregate)
                || conditions
                    .iter()
                    .any(|c| contains_aggregate(&c.condition) || contains_aggregate(&c.result))
                || else_result.as_deref().is_some_and(&contains_aggregate)
        }
        A::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            contains_aggregate(expr)
                || substring_from.as_deref().is_some_and(&contains_aggregate)
                || substring_for.as_deref().is_some_and(&contains_aggregate)
        }
        A::Trim {
            expr, trim_what, ..
        } => contains_aggregate(expr) || trim_what.as_deref().is_some_and(&contains_aggregate),
        A::Tuple(items) => items.iter().any(contains_aggregate),
        A::Array(list) => list.elem.iter().any(contains_aggregate),
        A::CompoundFieldAccess { root, access_chain } => {
            contains_aggregate(root)
                || access_chain.iter().any(|a| match a {
                    ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => {
                        contains_aggregate(index)
                    }
                    _ => false,
                })
        }
        _ => false,
    }
}

/// Whether binary and unary operator chains nest deeper than `limit` (checked
/// with a loop down the left spine, where long chains grow, so it cannot
/// overflow the stack itself).
pub(super) fn deeper_than(e: &A, limit: usize) -> bool {
    let mut depth = 0;
    let mut cur = e;
    loop {
        depth += 1;
        if depth > limit {
            return true;
        }
        cur = match cur {
            A::BinaryOp { left, right, .. } => {
                if deeper_than(right, limit - depth) {
                    return true;
                }
                left
            }
            A::UnaryOp { expr, .. } | A::Nested(expr) => expr,
            _ => return false,
        };
    }
}
