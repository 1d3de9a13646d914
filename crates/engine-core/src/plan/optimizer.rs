//! The optimizer: runs the rules of [`rules`](super::rules) over a plan and
//! over every plan inside it (subqueries, CTE bodies). The rules work with
//! column identities: [`identify`] gives the bound plan's references theirs
//! first, and [`resolve`] sets their positions in the rewritten plan last.
//! The rules, in order:
//!
//! 0. [`inline_ctes`]: a CTE used once becomes part of the plan that uses
//!    it (so the rules below reach into it); one used more stays shared and
//!    runs once. This runs once, over the whole plan.
//! 1. [`decorrelate`]: EXISTS / IN / NOT IN subqueries in WHERE become semi,
//!    anti and mark joins; correlated scalar subqueries with aggregates become
//!    left joins against the subquery grouped by its correlation keys. It runs
//!    first, on the plans as bound, where a subquery's correlation predicates
//!    still sit in its WHERE.
//! 2. [`push_down_filters`]: conjuncts move into joins and become join keys.
//! 3. [`push_down_semi_joins`]: a cheap semi join moves onto the join input
//!    it filters.
//! 4. [`reorder_joins`]: trees of inner joins are reordered from cardinality
//!    estimates, so no cross product forms where predicates connect tables and
//!    hash tables are built on the smaller side.
//! 5. [`push_down_aggregates`]: an aggregate over an inner join whose
//!    aggregates read one side is first computed on that side, by its group
//!    and join keys, where the estimates say that shrinks it (eager
//!    aggregation).
//! 6. [`fold_constants`]: constant expressions are computed once.
//! 7. [`common_subexpressions`]: an expression an aggregate's keys and
//!    arguments compute more than once is computed once, below it.
//! 8. [`prune_columns`]: each scan reads only the columns the plan uses.
//! 9. [`merge_projections`]: a projection over a column-picking projection
//!    becomes one.
//! 10. [`reduce_aggregates`]: an aggregate whose groups a join keeps only
//!     where a small other side holds their keys first drops the input rows
//!     of the other groups (a semi join with the other side, shared).
//!
//! A new rule is a file in `plan/rules/` with a doc comment showing a plan
//! before and after, tests beside it, and a line here.

use std::collections::HashMap;
use std::sync::Arc;

use super::columns::{identify, resolve};
use super::rules::{
    common_subexpressions, decorrelate, fold_constants, inline_ctes, merge_projections,
    prune_columns, push_down_aggregates, push_down_filters, push_down_semi_joins,
    reduce_aggregates, reorder_joins,
};
use super::{LogicalPlan, SharedPlan};
use crate::error::Result;

/// Runs every rule over `plan` and the plans inside it.
pub fn optimize(plan: LogicalPlan) -> Result<LogicalPlan> {
    let plan = identify(plan)?;
    resolve(Optimizer::default().run(inline_ctes(plan)))
}

/// The rules, applied to a plan and to every subquery and shared CTE plan
/// inside it (each shared plan once).
#[derive(Default)]
struct Optimizer {
    shared: HashMap<usize, Arc<SharedPlan>>,
}

impl Optimizer {
    fn run(&mut self, plan: LogicalPlan) -> LogicalPlan {
        let plan = decorrelate(plan);
        let plan = self.inner_plans(plan);
        let plan = push_down_filters(plan);
        let plan = push_down_semi_joins(plan);
        let plan = reorder_joins(plan);
        let plan = push_down_aggregates(plan);
        let plan = fold_constants(plan);
        let plan = common_subexpressions(plan);
        // Last: it shares plans, whose columns are then no longer pruned.
        reduce_aggregates(merge_projections(prune_columns(plan)))
    }

    /// Optimizes the subqueries and shared plans held anywhere in `plan`.
    fn inner_plans(&mut self, plan: LogicalPlan) -> LogicalPlan {
        plan.transform_up(&mut |node| {
            let node = match node {
                LogicalPlan::Shared(p) => {
                    let key = Arc::as_ptr(&p) as usize;
                    let done = match self.shared.get(&key) {
                        Some(done) => Arc::clone(done),
                        None => {
                            let done = SharedPlan::new(self.run(p.plan.clone()));
                            self.shared.insert(key, Arc::clone(&done));
                            done
                        }
                    };
                    return LogicalPlan::Shared(done);
                }
                other => other,
            };
            node.map_exprs(&mut |e| {
                if e.contains_subquery() {
                    e.map_subqueries(&mut |p| self.run(p.clone()))
                } else {
                    e
                }
            })
        })
    }
}
