//! The optimizer's rules, one per file, each a function from plan to plan
//! with one job. [`optimize`](super::optimizer::optimize) runs them in order.

mod common_subexpressions;
mod decorrelate;
mod fold_constants;
mod inline_ctes;
mod merge_projections;
mod prune_columns;
mod push_down_aggregates;
mod push_down_filters;
mod push_down_semi_joins;
mod reduce_aggregates;
mod reorder_joins;

pub use common_subexpressions::common_subexpressions;
pub use decorrelate::decorrelate;
pub use fold_constants::fold_constants;
pub use inline_ctes::inline_ctes;
pub use merge_projections::merge_projections;
pub use prune_columns::prune_columns;
pub use push_down_aggregates::push_down_aggregates;
pub use push_down_filters::push_down_filters;
pub use push_down_semi_joins::push_down_semi_joins;
pub use reduce_aggregates::reduce_aggregates;
pub use reorder_joins::reorder_joins;

use crate::plan::{BinaryOp, Expr, PlanSchema};

/// Splits a join condition into equi-join key pairs (an expression over the
/// left input's columns, one over the right's) and the rest. An equality
/// that reads no column, an enclosing query's row or a subquery stays in the
/// rest.
pub(crate) fn split_join_condition(
    cond: Expr,
    left: &PlanSchema,
    right: &PlanSchema,
) -> (Vec<(Expr, Expr)>, Vec<Expr>) {
    let mut keys = Vec::new();
    let mut rest = Vec::new();
    for c in cond.split_conjunction() {
        if let Expr::Binary {
            op: BinaryOp::Eq,
            left: a,
            right: b,
        } = &c
        {
            // Some(true): over the left input only; Some(false): the right's.
            let side = |e: &Expr| -> Option<bool> {
                let cols = e.columns();
                if cols.is_empty() || e.outer_reach() > 0 || e.contains_subquery() {
                    None
                } else if left.contains_all(&cols) {
                    Some(true)
                } else if right.contains_all(&cols) {
                    Some(false)
                } else {
                    None
                }
            };
            match (side(a), side(b)) {
                (Some(true), Some(false)) => {
                    keys.push((a.as_ref().clone(), b.as_ref().clone()));
                    continue;
                }
                (Some(false), Some(true)) => {
                    keys.push((b.as_ref().clone(), a.as_ref().clone()));
                    continue;
                }
                _ => {}
            }
        }
        rest.push(c);
    }
    (keys, rest)
}
