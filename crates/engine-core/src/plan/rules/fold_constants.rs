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
/// evaluate (say, a bad cast) is left as it is, to fail only if it is reached.
fn fold_expr(e: &Expr) -> Expr {
    e.transform(&mut |x| {
        if matches!(x, Expr::Literal(_)) || !x.is_constant() {
            return None;
        }
        crate::exec::evaluate_constant(x).ok().map(Expr::Literal)
    })
}
