//! Constant folding: an expression that reads no column (and calls nothing
//! volatile) is computed once, at plan time.
//!
//! ```text
//! before: Filter (#0 > (1 + 2))          after: Filter (#0 > 3)
//! ```

use crate::plan::{Expr, LogicalPlan};

/// Replaces constant sub-expressions by their value.
pub fn fold_constants(plan: LogicalPlan) -> LogicalPlan {
    plan.transform_up(&mut |node| node.map_exprs(&mut |e| fold_expr(&e)))
}
/// Folds the largest constant sub-expressions of `e`. One that fails to
/// evaluate (say, a bad cast) is left as it is, to fail only if it is reached;
/// its parts are folded instead, unless it failed for want of memory: then it
/// is left whole to the query run, whose own memory limit applies (folding
/// its parts would only retry the same work level by level).
fn fold_expr(e: &Expr) -> Expr {
    e.transform(&mut |x| {
        if matches!(x, Expr::Literal(_)) || !x.is_constant() {
            return None;
        }
        match crate::exec::evaluate_constant(x) {
            Ok(v) => Some(Expr::Literal(v)),
            Err(crate::Error::ResourcesExhausted(_)) => Some(x.clone()),
            Err(_) => None,
        }
    })
}
