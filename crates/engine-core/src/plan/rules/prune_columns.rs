//! Projection pushdown: each scan reads only the columns the query uses.
//!
//! A pass from the root down computes which output columns of every node are
//! needed and gives each scan the projection of its table's columns that are.
//! Column positions do not change: the scan fills the unread positions with
//! `NullArray`s (no allocation), which no operator reads. The analysis is
//! conservative where positions are not all visible: an expression holding a
//! subquery (which may read any column of the row as an outer column) needs
//! every input column, and a shared CTE plan is not pruned.

use arrow_schema::DataType;

use crate::plan::{Expr, LogicalPlan};

/// Sets scan projections to the columns the plan needs.
pub fn prune_columns(mut plan: LogicalPlan) -> LogicalPlan {
    let all = vec![true; plan.schema().len()];
    visit(&mut plan, &all);
    plan
}

/// Marks the input columns `e` reads (all of them if it holds a subquery).
fn mark(e: &Expr, needed: &mut [bool]) {
    if e.contains_subquery() {
        needed.iter_mut().for_each(|n| *n = true);
        return;
    }
    for c in e.columns() {
        if let Some(n) = needed.get_mut(c) {
            *n = true;
        }
    }
}

/// `required[i]`: whether output column `i` of `plan` is needed above it.
fn visit(plan: &mut LogicalPlan, required: &[bool]) {
    match plan {
        LogicalPlan::Scan {
            projection, schema, ..
        } => {
            if required.iter().all(|r| *r) || schema.is_empty() {
                *projection = None;
            } else {
                *projection = Some(
                    required
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| **r)
                        .map(|(i, _)| i)
                        .collect(),
                );
            }
        }
        LogicalPlan::Values { .. } | LogicalPlan::Shared(_) => {}
        LogicalPlan::Filter { input, predicate } => {
            let mut needed = required.to_vec();
            mark(predicate, &mut needed);
            visit(input, &needed);
        }
        LogicalPlan::Project { input, exprs, .. } => {
            let mut needed = vec![false; input.schema().len()];
            for (i, e) in exprs.iter_mut().enumerate() {
                if required.get(i).copied().unwrap_or(true) {
                    mark(e, &mut needed);
                } else {
                    // Nobody reads this output: an untyped NULL keeps the
                    // positions without reading the expression's columns or
                    // allocating (a `NullArray`, as the scan's unread columns).
                    *e = Expr::Literal(crate::plan::ScalarValue::null(&DataType::Null));
                }
            }
            visit(input, &needed);
        }
        LogicalPlan::Aggregate {
            input, group, aggs, ..
        } => {
            let mut needed = vec![false; input.schema().len()];
            group.iter().for_each(|e| mark(e, &mut needed));
            for a in aggs.iter() {
                a.args.iter().for_each(|e| mark(e, &mut needed));
                if let Some(f) = &a.filter {
                    mark(f, &mut needed);
                }
            }
            visit(input, &needed);
        }
        LogicalPlan::Sort { input, keys, .. } => {
            let mut needed = required.to_vec();
            keys.iter().for_each(|k| mark(&k.expr, &mut needed));
            visit(input, &needed);
        }
        LogicalPlan::Limit { input, .. } | LogicalPlan::Rename { input, .. } => {
            visit(input, required)
        }
        LogicalPlan::Distinct { input } => {
            // Every column is part of a row's identity.
            let all = vec![true; input.schema().len()];
            visit(input, &all);
        }
        LogicalPlan::SetOp { left, right, .. } => {
            let (l, r) = (
                vec![true; left.schema().len()],
                vec![true; right.schema().len()],
            );
            visit(left, &l);
            visit(right, &r);
        }
        LogicalPlan::Join {
            left,
            right,
            on,
            filter,
            kind,
            ..
        } => {
            let nl = left.schema().len();
            // Semi, anti and mark joins output left's columns (and a mark):
            // the right side is needed only for the join condition.
            let mut needed = vec![false; nl + right.schema().len()];
            let passed = if kind.left_only() { nl } else { needed.len() };
            needed[..passed].copy_from_slice(&required[..passed]);
            if let Some(f) = filter {
                mark(f, &mut needed);
            }
            let (mut l, mut r) = (needed[..nl].to_vec(), needed[nl..].to_vec());
            for (le, re) in on.iter() {
                mark(le, &mut l);
                mark(re, &mut r);
            }
            visit(left, &l);
            visit(right, &r);
        }
    }
}
