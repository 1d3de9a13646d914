//! CTE inlining: a common table expression used once becomes part of the
//! plan that uses it, so filters, join reordering and column pruning reach
//! into it; one used more than once stays a [`LogicalPlan::Shared`] node,
//! which the executor runs once and replays (unless it reads an enclosing
//! query's columns, and so differs per outer row).
//!
//! ```text
//! WITH a AS (SELECT * FROM t) SELECT * FROM a WHERE x = 1
//! before: Filter (#0 = 1)               after: Filter (#0 = 1)
//!           Rename a                             Rename a
//!             Shared #1                            Project #0, #1
//!               Project #0, #1                       Scan t
//!                 Scan t
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use crate::plan::{Expr, LogicalPlan, SharedPlan};

/// Inlines every shared plan that `plan` (with its subqueries and shared
/// plans) references exactly once.
pub fn inline_ctes(plan: LogicalPlan) -> LogicalPlan {
    let mut uses = HashMap::new();
    count(&plan, &mut uses);
    Inliner {
        uses,
        rebuilt: HashMap::new(),
    }
    .inline(plan)
}

fn key(p: &Arc<SharedPlan>) -> usize {
    Arc::as_ptr(p) as usize
}

/// Counts the references to each shared plan, walking each one's body once.
fn count(plan: &LogicalPlan, uses: &mut HashMap<usize, usize>) {
    if let LogicalPlan::Shared(p) = plan {
        let n = uses.entry(key(p)).or_insert(0);
        *n += 1;
        if *n == 1 {
            count(&p.plan, uses);
        }
        return;
    }
    plan.for_each_expr(&mut |e| {
        e.visit(&mut |x| match x {
            Expr::ScalarSubquery(s) | Expr::Exists { subquery: s, .. } => count(&s.plan, uses),
            Expr::InSubquery { subquery, .. } => count(&subquery.plan, uses),
            _ => {}
        })
    });
    for i in plan.inputs() {
        count(i, uses);
    }
}

struct Inliner {
    uses: HashMap<usize, usize>,
    /// Each shared plan kept, rebuilt once with its own single-use CTEs
    /// inlined (so its references still share one plan).
    rebuilt: HashMap<usize, Arc<SharedPlan>>,
}

impl Inliner {
    fn inline(&mut self, plan: LogicalPlan) -> LogicalPlan {
        plan.transform_up(&mut |node| {
            let node = node.map_exprs(&mut |e| {
                if e.contains_subquery() {
                    e.map_subqueries(&mut |p| self.inline(p.clone()))
                } else {
                    e
                }
            });
            let LogicalPlan::Shared(p) = node else {
                return node;
            };
            let k = key(&p);
            if self.uses.get(&k).copied().unwrap_or(0) <= 1 {
                let body = Arc::try_unwrap(p).map_or_else(|p| p.plan.clone(), |p| p.plan);
                return self.inline(body);
            }
            if let Some(done) = self.rebuilt.get(&k) {
                return LogicalPlan::Shared(Arc::clone(done));
            }
            let done = SharedPlan::new(self.inline(p.plan.clone()));
            self.rebuilt.insert(k, Arc::clone(&done));
            LogicalPlan::Shared(done)
        })
    }
}
