//! Projection merging: a projection over a projection that only picks columns
//! (or constants) becomes one projection, so the column-order projections that
//! join reordering and decorrelation add cost nothing at run time.
//!
//! ```text
//! before: Project #1, #22                 after: Project #21, #1
//!           Project #20, #21, ..., #0, #1          Inner Join on=[#1 = #0]
//!             Inner Join on=[#1 = #0]                ...
//! ```

use crate::plan::columns::projection_map;
use crate::plan::{Expr, LogicalPlan};

/// Merges every projection into a column-picking projection below it.
pub fn merge_projections(plan: LogicalPlan) -> LogicalPlan {
    plan.transform_up(&mut |node| {
        let LogicalPlan::Project {
            input,
            exprs,
            schema,
        } = node
        else {
            return node;
        };
        match *input {
            LogicalPlan::Project {
                input: inner,
                exprs: picks,
                schema: picked,
            } if picks
                .iter()
                .all(|e| matches!(e, Expr::Column(_) | Expr::Literal(_)))
                && !exprs.iter().any(Expr::contains_subquery) =>
            {
                let picks = projection_map(&picks, &picked);
                let exprs = exprs
                    .iter()
                    .map(|e| e.substitute(&|id| picks.get(&id).cloned()))
                    .collect();
                LogicalPlan::Project {
                    input: inner,
                    exprs,
                    schema,
                }
            }
            other => LogicalPlan::Project {
                input: Box::new(other),
                exprs,
                schema,
            },
        }
    })
}
