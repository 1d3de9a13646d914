//! Projection pushdown: each scan reads only the columns the query uses.
//!
//! A pass from the root down computes which output columns of every node are
//! needed and gives each scan the projection of its table's columns that are.
//! Column positions do not change: the scan fills the unread positions with
//! `NullArray`s (no allocation), which no operator reads. The analysis is
//! conservative where positions are not all visible: an expression holding a
//! correlated subquery (which may read any column of the row as an outer
//! column) needs every input column, and a shared CTE plan is not pruned.

use arrow_schema::DataType;

use crate::plan::schema::IdSet;
use crate::plan::{Expr, LogicalPlan, PlanSchema};

/// Sets scan projections to the columns the plan needs.
pub fn prune_columns(mut plan: LogicalPlan) -> LogicalPlan {
    let all = ids(plan.schema());
    visit(&mut plan, &all);
    plan
}

fn ids(schema: &PlanSchema) -> IdSet {
    schema.columns.iter().map(|c| c.id).collect()
}

/// Adds the input columns `e` reads to `needed` (all of `input`'s if it
/// holds a correlated subquery).
fn mark(e: &Expr, input: &PlanSchema, needed: &mut IdSet) {
    if e.contains_correlated_subquery() {
        needed.extend(input.columns.iter().map(|c| c.id));
        return;
    }
    needed.extend(e.columns());
}

/// `required`: the columns of `plan`'s output needed above it (it may name
/// other columns too, which `plan` ignores).
fn visit(plan: &mut LogicalPlan, required: &IdSet) {
    match plan {
        LogicalPlan::Scan {
            projection, schema, ..
        } => {
            let read: Vec<usize> = (0..schema.len())
                .filter(|&i| required.contains(&schema.columns[i].id))
                .collect();
            if read.len() == schema.len() || schema.is_empty() {
                *projection = None;
            } else {
                *projection = Some(read);
            }
        }
        LogicalPlan::Values { .. } | LogicalPlan::Shared(_) => {}
        LogicalPlan::Filter { input, predicate } => {
            let mut needed = required.clone();
            mark(predicate, input.schema(), &mut needed);
            visit(input, &needed);
        }
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => {
            let mut needed = IdSet::default();
            for (c, e) in schema.columns.iter().zip(exprs.iter_mut()) {
                if required.contains(&c.id) {
                    mark(e, input.schema(), &mut needed);
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
            let mut needed = IdSet::default();
            group
                .iter()
                .for_each(|e| mark(e, input.schema(), &mut needed));
            for a in aggs.iter() {
                a.args
                    .iter()
                    .for_each(|e| mark(e, input.schema(), &mut needed));
                if let Some(f) = &a.filter {
                    mark(f, input.schema(), &mut needed);
                }
            }
            visit(input, &needed);
        }
        LogicalPlan::Expand {
            input,
            lists,
            schema,
        } => {
            // As a projection, for each list: an output nobody reads is an
            // untyped NULL in every list.
            let mut needed = IdSet::default();
            for (i, c) in schema.columns.iter().enumerate() {
                for list in lists.iter_mut() {
                    if required.contains(&c.id) {
                        mark(&list[i], input.schema(), &mut needed);
                    } else {
                        list[i] = Expr::Literal(crate::plan::ScalarValue::null(&DataType::Null));
                    }
                }
            }
            visit(input, &needed);
        }
        LogicalPlan::Unnest { input, list, .. } => {
            let mut needed = required.clone();
            mark(list, input.schema(), &mut needed);
            visit(input, &needed);
        }
        LogicalPlan::Window { input, exprs, .. } => {
            let mut needed = required.clone();
            exprs
                .iter()
                .flat_map(|w| w.exprs())
                .for_each(|e| mark(e, input.schema(), &mut needed));
            visit(input, &needed);
        }
        LogicalPlan::Sort { input, keys, .. } => {
            let mut needed = required.clone();
            keys.iter()
                .for_each(|k| mark(&k.expr, input.schema(), &mut needed));
            visit(input, &needed);
        }
        LogicalPlan::Limit { input, .. } => visit(input, required),
        LogicalPlan::Rename { input, schema } => {
            // The same columns under new identities.
            let needed = schema
                .columns
                .iter()
                .zip(&input.schema().columns)
                .filter(|(out, _)| required.contains(&out.id))
                .map(|(_, i)| i.id)
                .collect();
            visit(input, &needed);
        }
        LogicalPlan::Distinct { input } => {
            // Every column is part of a row's identity.
            let all = ids(input.schema());
            visit(input, &all);
        }
        LogicalPlan::SetOp { left, right, .. } => {
            let (l, r) = (ids(left.schema()), ids(right.schema()));
            visit(left, &l);
            visit(right, &r);
        }
        LogicalPlan::Join {
            left,
            right,
            on,
            filter,
            ..
        } => {
            // A semi, anti or mark join outputs left's columns (and a mark),
            // so nothing above requires the right side's: it is needed only
            // for the join condition.
            let mut needed = required.clone();
            if let Some(f) = filter {
                let both = left.schema().join(right.schema());
                mark(f, &both, &mut needed);
            }
            for (le, re) in on.iter() {
                mark(le, left.schema(), &mut needed);
                mark(re, right.schema(), &mut needed);
            }
            visit(left, &needed);
            visit(right, &needed);
            keep_only(right, &needed);
        }
    }
}

/// Drops from the join input `plan` (the side hashed, held whole) the columns
/// nothing above reads that its own filter or join condition did: TPC-H q21
/// held `o_orderstatus` (a 16-byte view each) beside each of 729,000
/// hashed order keys after `o_orderstatus = 'F'` had been decided. A scan
/// or projection already leaves such columns as NULLs.
fn keep_only(plan: &mut LogicalPlan, needed: &IdSet) {
    // The columns its own condition reads, which it therefore passes on.
    let mut read = IdSet::default();
    match plan {
        LogicalPlan::Filter { predicate, .. } => read.extend(predicate.columns()),
        LogicalPlan::Join { on, filter, .. } => {
            for (l, r) in on.iter() {
                read.extend(l.columns());
                read.extend(r.columns());
            }
            if let Some(f) = filter {
                read.extend(f.columns());
            }
        }
        _ => return,
    }
    read.retain(|id| !needed.contains(id));
    let schema = plan.schema().clone();
    if !schema.columns.iter().any(|c| read.contains(&c.id)) {
        return;
    }
    let unread = |c: &crate::plan::PlanColumn| read.contains(&c.id);
    let exprs = schema
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| match unread(c) {
            true => Expr::Literal(crate::plan::ScalarValue::null(&DataType::Null)),
            false => Expr::column(&schema, i),
        })
        .collect();
    *plan = LogicalPlan::Project {
        input: Box::new(plan.take()),
        exprs,
        schema,
    };
}
