//! Optimizer rules: each a function from plan to plan with one job.
//!
//! - [`fold_constants`]: expressions without column references are computed
//!   once, at plan time.
//! - [`push_down_filters`]: WHERE conjuncts move into the joins below them: a
//!   conjunct over one side filters that side before the join, and an equality
//!   across sides becomes a hash-join key (so `FROM a, b WHERE a.x = b.y` is a
//!   hash join rather than a cross product).
//! - [`prune_columns`](super::prune_columns): each scan reads only the columns
//!   the query uses (projection pushdown into the file readers).

use super::{AggregateExpr, Expr, JoinKind, LogicalPlan, SortExpr};
use crate::error::Result;
use crate::sql::{shift_columns, split_join_condition};

/// Runs every rule.
pub fn optimize(plan: LogicalPlan) -> Result<LogicalPlan> {
    let plan = push_down_filters(plan);
    let plan = fold_constants(plan);
    Ok(super::prune_columns(plan))
}

/// Applies `f` to each direct input of `plan`.
fn map_inputs(plan: LogicalPlan, f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan) -> LogicalPlan {
    let mut b = |p: Box<LogicalPlan>| Box::new(f(*p));
    match plan {
        LogicalPlan::Scan { .. } | LogicalPlan::Values { .. } | LogicalPlan::Shared(_) => plan,
        LogicalPlan::Filter { input, predicate } => LogicalPlan::Filter {
            input: b(input),
            predicate,
        },
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => LogicalPlan::Project {
            input: b(input),
            exprs,
            schema,
        },
        LogicalPlan::Aggregate {
            input,
            group,
            aggs,
            schema,
        } => LogicalPlan::Aggregate {
            input: b(input),
            group,
            aggs,
            schema,
        },
        LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            filter,
            schema,
        } => LogicalPlan::Join {
            left: b(left),
            right: b(right),
            kind,
            on,
            filter,
            schema,
        },
        LogicalPlan::Sort { input, keys, fetch } => LogicalPlan::Sort {
            input: b(input),
            keys,
            fetch,
        },
        LogicalPlan::Limit { input, skip, fetch } => LogicalPlan::Limit {
            input: b(input),
            skip,
            fetch,
        },
        LogicalPlan::Distinct { input } => LogicalPlan::Distinct { input: b(input) },
        LogicalPlan::SetOp {
            left,
            right,
            op,
            all,
            schema,
        } => LogicalPlan::SetOp {
            left: b(left),
            right: b(right),
            op,
            all,
            schema,
        },
        LogicalPlan::Rename { input, schema } => LogicalPlan::Rename {
            input: b(input),
            schema,
        },
    }
}

/// Replaces constant sub-expressions by their value.
pub fn fold_constants(plan: LogicalPlan) -> LogicalPlan {
    let plan = map_inputs(plan, &mut fold_constants);
    let fold = |e: Expr| fold_expr(&e);
    match plan {
        LogicalPlan::Filter { input, predicate } => LogicalPlan::Filter {
            input,
            predicate: fold(predicate),
        },
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => LogicalPlan::Project {
            input,
            exprs: exprs.into_iter().map(fold).collect(),
            schema,
        },
        LogicalPlan::Aggregate {
            input,
            group,
            aggs,
            schema,
        } => LogicalPlan::Aggregate {
            input,
            group: group.into_iter().map(fold).collect(),
            aggs: aggs
                .into_iter()
                .map(|a| AggregateExpr {
                    args: a.args.into_iter().map(fold).collect(),
                    filter: a.filter.map(fold),
                    ..a
                })
                .collect(),
            schema,
        },
        LogicalPlan::Sort { input, keys, fetch } => LogicalPlan::Sort {
            input,
            keys: keys
                .into_iter()
                .map(|k| SortExpr {
                    expr: fold(k.expr),
                    ..k
                })
                .collect(),
            fetch,
        },
        other => other,
    }
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

/// Moves filter conjuncts into the inner and cross joins below them.
pub fn push_down_filters(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Filter { input, predicate } => {
            let input = push_down_filters(*input);
            push_into(input, predicate.split_conjunction())
        }
        LogicalPlan::Join {
            left,
            right,
            kind: kind @ (JoinKind::Inner | JoinKind::Cross),
            on,
            filter: Some(f),
            schema,
        } => {
            // A join condition over one side of an inner join is a filter on that side.
            let join = LogicalPlan::Join {
                left,
                right,
                kind,
                on,
                filter: None,
                schema,
            };
            push_down_filters_join(join, f.split_conjunction())
        }
        other => map_inputs(other, &mut push_down_filters),
    }
}

fn push_down_filters_join(join: LogicalPlan, conjuncts: Vec<Expr>) -> LogicalPlan {
    let join = map_inputs(join, &mut push_down_filters);
    push_into(join, conjuncts)
}

/// Places `conjuncts` (over `plan`'s output) as deep as they can go.
fn push_into(plan: LogicalPlan, conjuncts: Vec<Expr>) -> LogicalPlan {
    if conjuncts.is_empty() {
        return plan;
    }
    match plan {
        LogicalPlan::Join {
            left,
            right,
            kind: JoinKind::Inner | JoinKind::Cross,
            mut on,
            filter,
            schema,
        } => {
            let nl = left.schema().len();
            let (mut to_left, mut to_right, mut here) = (Vec::new(), Vec::new(), Vec::new());
            for c in conjuncts {
                // Subqueries may read this level's columns by position: keep them here.
                if c.contains_subquery() {
                    here.push(c);
                    continue;
                }
                let cols = c.columns();
                if !cols.is_empty() && cols.iter().all(|&i| i < nl) {
                    to_left.push(c);
                } else if !cols.is_empty() && cols.iter().all(|&i| i >= nl) {
                    to_right.push(shift_columns(&c, nl));
                } else {
                    here.push(c);
                }
            }
            let left = Box::new(push_into(*left, to_left));
            let right = Box::new(push_into(*right, to_right));
            let mut rest = filter.map(|f| f.split_conjunction()).unwrap_or_default();
            if let Some(cond) = Expr::conjunction(here) {
                let (keys, others) = split_join_condition(cond, nl);
                on.extend(keys);
                rest.extend(others);
            }
            let filter = Expr::conjunction(rest);
            let kind = if on.is_empty() && filter.is_none() {
                JoinKind::Cross
            } else {
                JoinKind::Inner
            };
            LogicalPlan::Join {
                left,
                right,
                kind,
                on,
                filter,
                schema,
            }
        }
        LogicalPlan::Filter { input, predicate } => {
            let mut all = predicate.split_conjunction();
            all.extend(conjuncts);
            push_into(*input, all)
        }
        LogicalPlan::Rename { input, schema } => {
            let pushable = !conjuncts.iter().any(Expr::contains_subquery);
            if pushable {
                LogicalPlan::Rename {
                    input: Box::new(push_into(*input, conjuncts)),
                    schema,
                }
            } else {
                filter(LogicalPlan::Rename { input, schema }, conjuncts)
            }
        }
        other => filter(other, conjuncts),
    }
}

fn filter(plan: LogicalPlan, conjuncts: Vec<Expr>) -> LogicalPlan {
    match Expr::conjunction(conjuncts) {
        Some(predicate) => LogicalPlan::Filter {
            input: Box::new(plan),
            predicate,
        },
        None => plan,
    }
}
