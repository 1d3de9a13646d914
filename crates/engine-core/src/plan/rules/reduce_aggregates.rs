//! Semi-join reduction of an aggregate: when a join keeps only the groups
//! of an aggregate whose keys the other side holds, and that side is small,
//! the aggregate's input is first cut to the rows whose group keys the
//! other side holds. A group is kept or dropped whole (its rows share the
//! key), so the groups that reach the join are the same, computed from far
//! fewer rows.
//!
//! TPC-H q20 compares each `partsupp` row with the sum of its `lineitem`
//! quantities. Decorrelated, that sum is an aggregate of a year of
//! `lineitem` by (part, supplier) — 540,000 groups — joined to the 8,500
//! `partsupp` rows of 'forest' parts. Reduced, only the `lineitem` rows of
//! those 8,500 pairs are aggregated.
//!
//! ```text
//! before: Right Join on=[#1 = #0, #2 = #1]       after: Right Join on=[#1 = #0, #2 = #1]
//!           Project (0.5 * #2), #0, #1                    Project (0.5 * #2), #0, #1
//!             Aggregate group=[#0, #1]                      Aggregate group=[#0, #1]
//!               Scan lineitem                                 Semi Join on=[#0 = #0, #1 = #1]
//!           Semi Join (partsupp, part)                          Scan lineitem
//!                                                               Rename
//!                                                                 Shared #1
//!                                                                   Semi Join (partsupp, part)
//!                                                       Shared #1 (as above)
//! ```
//!
//! The other side becomes a shared plan, run once for both uses. Since a
//! shared plan's rows are held for the run, it is done only when the other
//! side is estimated at most [`MAX_SHARED_ROWS`] rows and a tenth of the
//! aggregate's input; a side that an enclosing query's row feeds is left
//! alone. The rule runs last, after column pruning, so the shared plan
//! reads only the columns its two uses need.

use crate::plan::cardinality::estimate;
use crate::plan::{ColumnId, Expr, JoinKind, LogicalPlan, SharedPlan};

/// The most rows (estimated) the other side may have to be shared.
const MAX_SHARED_ROWS: f64 = 1_000_000.0;

/// Reduces the aggregates below every join in `plan` that allows it.
pub fn reduce_aggregates(plan: LogicalPlan) -> LogicalPlan {
    plan.transform_up(&mut reduce)
}

fn reduce(plan: LogicalPlan) -> LogicalPlan {
    let LogicalPlan::Join {
        left,
        right,
        kind,
        on,
        filter,
        schema,
    } = plan
    else {
        return plan;
    };
    // The sides whose unmatched rows the join drops.
    let (left_dropped, right_dropped) = match kind {
        JoinKind::Inner => (true, true),
        JoinKind::Right | JoinKind::Semi => (true, false),
        JoinKind::Left => (false, true),
        _ => (false, false),
    };
    let (mut left, mut right) = (*left, *right);
    if !on.is_empty() {
        let left_keys: Vec<&Expr> = on.iter().map(|(l, _)| l).collect();
        let right_keys: Vec<&Expr> = on.iter().map(|(_, r)| r).collect();
        let mut reduced = false;
        if left_dropped {
            if let Some(groups) = reducible(&left, &left_keys, &right) {
                left = reduce_side(left, &groups, &mut right, &right_keys);
                reduced = true;
            }
        }
        if right_dropped && !reduced {
            if let Some(groups) = reducible(&right, &right_keys, &left) {
                right = reduce_side(right, &groups, &mut left, &left_keys);
            }
        }
    }
    LogicalPlan::Join {
        left: Box::new(left),
        right: Box::new(right),
        kind,
        on,
        filter,
        schema,
    }
}

/// When `side` is an aggregate (under projections and renames) whose group
/// keys include the columns `keys` read, and cutting its input by `other`
/// pays: the aggregate input's columns those keys group by.
fn reducible(side: &LogicalPlan, keys: &[&Expr], other: &LogicalPlan) -> Option<Vec<ColumnId>> {
    let groups: Vec<ColumnId> = keys
        .iter()
        .map(|k| match k {
            Expr::Column(c) => group_input(side, c.id),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let input_rows = estimate(aggregate_input(side)?);
    let other_rows = estimate(other);
    let pays = other_rows <= MAX_SHARED_ROWS && other_rows * 10.0 <= input_rows;
    (pays && other.outer_reach() == 0).then_some(groups)
}

/// `side` with its aggregate's input cut to the rows whose `groups` columns
/// `other` holds (by `other_keys`); `other` becomes a shared plan.
fn reduce_side(
    side: LogicalPlan,
    groups: &[ColumnId],
    other: &mut LogicalPlan,
    other_keys: &[&Expr],
) -> LogicalPlan {
    let shared = match other {
        LogicalPlan::Shared(p) => std::sync::Arc::clone(p),
        _ => {
            let p = SharedPlan::new(other.take());
            *other = LogicalPlan::Shared(std::sync::Arc::clone(&p));
            p
        }
    };
    // The second use of the shared plan, under columns of its own.
    let original = shared.plan.schema();
    let renamed = original.requalify(None);
    let key_of = |e: &Expr| {
        e.substitute(&|id| {
            original
                .index_of(id)
                .map(|i| Expr::column_id(renamed.columns[i].id))
        })
    };
    let on: Vec<(Expr, Expr)> = groups
        .iter()
        .zip(other_keys)
        .map(|(&id, k)| (Expr::column_id(id), key_of(k)))
        .collect();
    let filter = LogicalPlan::Rename {
        input: Box::new(LogicalPlan::Shared(shared)),
        schema: renamed,
    };
    with_aggregate_input(side, &mut |input| {
        let schema = input.schema().clone();
        LogicalPlan::Join {
            left: Box::new(input),
            right: Box::new(filter.clone()),
            kind: JoinKind::Semi,
            on: on.clone(),
            filter: None,
            schema,
        }
    })
}

/// The aggregate input's column that output column `id` of `plan` is a
/// plain group key of, through projections of plain columns and renames.
fn group_input(plan: &LogicalPlan, id: ColumnId) -> Option<ColumnId> {
    let at = plan.schema().index_of(id)?;
    match plan {
        LogicalPlan::Project { input, exprs, .. } => match exprs.get(at)? {
            Expr::Column(c) => group_input(input, c.id),
            _ => None,
        },
        LogicalPlan::Rename { input, .. } => group_input(input, input.schema().columns.get(at)?.id),
        LogicalPlan::Aggregate { group, .. } => match group.get(at)? {
            Expr::Column(c) => Some(c.id),
            _ => None,
        },
        _ => None,
    }
}

/// The input of the aggregate under `plan`'s projections and renames.
fn aggregate_input(plan: &LogicalPlan) -> Option<&LogicalPlan> {
    match plan {
        LogicalPlan::Project { input, .. } | LogicalPlan::Rename { input, .. } => {
            aggregate_input(input)
        }
        LogicalPlan::Aggregate { input, .. } => Some(input),
        _ => None,
    }
}

/// `plan` with the input of the aggregate under its projections and renames
/// replaced by `f` of it.
fn with_aggregate_input(
    plan: LogicalPlan,
    f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan,
) -> LogicalPlan {
    match plan {
        LogicalPlan::Project { .. } | LogicalPlan::Rename { .. } => {
            plan.map_inputs(&mut |input| with_aggregate_input(input, f))
        }
        LogicalPlan::Aggregate {
            input,
            group,
            aggs,
            schema,
        } => LogicalPlan::Aggregate {
            input: Box::new(f(*input)),
            group,
            aggs,
            schema,
        },
        other => other,
    }
}
