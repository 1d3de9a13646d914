//! Eager aggregation: an aggregate over an inner join whose aggregates read
//! one side only is first computed on that side, grouped by the side's group
//! keys and join keys; the join then meets one row per such group instead of
//! every row, and the aggregate above merges the partial results (a SUM of
//! sums, a SUM of counts, a MIN of minimums).
//!
//! TPC-H q10 sums `lineitem` revenue per customer, grouped by seven columns
//! of `customer` (its name, address, comment …). Its `lineitem ⋈ orders`
//! side has 115,000 rows over 38,000 customers: pushed down, they are summed
//! by `o_custkey` (one integer) before the join, and the seven string keys
//! are grouped over 38,000 rows, not 115,000.
//!
//! ```text
//! before: Aggregate group=[c_name] aggs=[SUM(l_price)]
//!           Inner Join on=[o_custkey = c_custkey]
//!             (lineitem ⋈ orders)
//!             customer
//! after:  Aggregate group=[c_name] aggs=[SUM(#sum)]
//!           Inner Join on=[#o_custkey = c_custkey]
//!             Aggregate group=[o_custkey] aggs=[SUM(l_price) AS #sum]
//!               (lineitem ⋈ orders)
//!             customer
//! ```
//!
//! Correct for any inner join: each row of the pushed side joins the same
//! rows of the other side as the group it falls in, so every joined group
//! carries the same rows, added up in another order. It is done only when
//! the estimates say it pays: the side's groups are at most half its rows
//! (the partial aggregate shrinks it), and the join keeps at least half of
//! them (a join that drops most rows is cheaper to aggregate after).
//! COUNT, COUNT(*), SUM, MIN and MAX merge; AVG, DISTINCT and FILTER
//! clauses leave the aggregate as it is, and so does a global aggregate
//! (no GROUP BY), whose empty input must still give COUNT's 0.

use crate::plan::cardinality::{distinct, estimate};
use crate::plan::{
    AggFunc, AggregateExpr, ColumnId, Expr, JoinKind, LogicalPlan, PlanColumn, PlanSchema,
};

/// Pushes each aggregate in `plan` below the join under it where that pays.
pub fn push_down_aggregates(plan: LogicalPlan) -> LogicalPlan {
    plan.transform_up(&mut push)
}

/// `plan` with its aggregate pushed below its join, or `plan` unchanged.
fn push(plan: LogicalPlan) -> LogicalPlan {
    if let LogicalPlan::Aggregate {
        input,
        group,
        aggs,
        schema,
    } = &plan
    {
        if let Some((input, group, aggs)) = pushed(input, group, aggs) {
            return LogicalPlan::Aggregate {
                input: Box::new(input),
                group,
                aggs,
                schema: schema.clone(),
            };
        }
    }
    plan
}

/// The join under `input`'s column-picking projections: an inner equi-join
/// without other conditions.
fn join_under(input: &LogicalPlan) -> Option<&LogicalPlan> {
    match input {
        LogicalPlan::Project {
            input: inner,
            exprs,
            schema,
        } => {
            // Only projections that pass columns on under their identities.
            let passes = exprs
                .iter()
                .zip(&schema.columns)
                .all(|(e, c)| matches!(e, Expr::Column(r) if r.id == c.id));
            passes.then(|| join_under(inner)).flatten()
        }
        LogicalPlan::Join {
            kind: JoinKind::Inner,
            on,
            filter: None,
            ..
        } if !on.is_empty() => Some(input),
        _ => None,
    }
}

/// The new input, group keys and aggregates when the aggregates can be
/// computed below the join under `input` and that pays.
fn pushed(
    input: &LogicalPlan,
    group: &[Expr],
    aggs: &[AggregateExpr],
) -> Option<(LogicalPlan, Vec<Expr>, Vec<AggregateExpr>)> {
    if group.is_empty() || aggs.is_empty() {
        return None;
    }
    let mergeable = |a: &AggregateExpr| {
        !a.distinct
            && a.filter.is_none()
            && matches!(
                a.func,
                AggFunc::Sum | AggFunc::Count | AggFunc::CountStar | AggFunc::Min | AggFunc::Max
            )
            && a.args
                .iter()
                .all(|e| !e.contains_subquery() && e.is_deterministic())
    };
    if !aggs.iter().all(mergeable) {
        return None;
    }
    let LogicalPlan::Join {
        left, right, on, ..
    } = join_under(input)?
    else {
        return None;
    };
    // The side every aggregate reads (either, when none reads a column).
    let read: Vec<ColumnId> = aggs
        .iter()
        .flat_map(|a| a.args.iter().flat_map(|e| e.columns()))
        .collect();
    let pick_right = right.schema().contains_all(&read);
    if !pick_right && !left.schema().contains_all(&read) {
        return None;
    }
    let (side, other) = if pick_right {
        (right.as_ref(), left.as_ref())
    } else {
        (left.as_ref(), right.as_ref())
    };
    if side.outer_reach() > 0 {
        return None;
    }
    // The side's columns the partial aggregate groups by: its plain-column
    // group keys, then its join keys.
    let mut keys: Vec<ColumnId> = Vec::new();
    for g in group {
        let cols = g.columns();
        if cols.iter().any(|c| side.schema().contains(*c)) {
            match g {
                Expr::Column(c) if !keys.contains(&c.id) => keys.push(c.id),
                Expr::Column(_) => {}
                // A computed key over the side's columns, or over both sides.
                _ => return None,
            }
        }
    }
    for (l, r) in on {
        match if pick_right { r } else { l } {
            Expr::Column(c) if !keys.contains(&c.id) => keys.push(c.id),
            Expr::Column(_) => {}
            _ => return None,
        }
    }
    if !pays(side, &keys, input) {
        return None;
    }
    // The partial aggregate: the keys, then one partial result per aggregate.
    let side_schema = side.schema();
    let mut columns: Vec<PlanColumn> = keys
        .iter()
        .map(|&id| {
            let c = &side_schema.columns[side_schema.index_of(id)?];
            Some(PlanColumn::new(
                c.qualifier.clone(),
                c.name.clone(),
                c.data_type.clone(),
            ))
        })
        .collect::<Option<_>>()?;
    for (i, a) in aggs.iter().enumerate() {
        columns.push(PlanColumn::new(
            None,
            format!("__partial{i}"),
            a.data_type(side_schema),
        ));
    }
    let partial_schema = PlanSchema::new(columns);
    let new_id = |id: ColumnId| {
        keys.iter()
            .position(|k| *k == id)
            .map(|i| partial_schema.columns[i].id)
    };
    let rekey = |e: &Expr| e.substitute(&|id| new_id(id).map(Expr::column_id));
    let partial = LogicalPlan::Aggregate {
        input: Box::new(side.clone()),
        group: keys.iter().map(|&id| Expr::column_id(id)).collect(),
        aggs: aggs.to_vec(),
        schema: partial_schema.clone(),
    };
    // (other side's key, partial's key) for each condition.
    let on: Vec<(Expr, Expr)> = on
        .iter()
        .map(|(l, r)| match pick_right {
            true => (l.clone(), rekey(r)),
            false => (r.clone(), rekey(l)),
        })
        .collect();
    // The hash table is built on the right: the smaller side goes there.
    let (left, right, on) = if estimate(&partial) <= estimate(other) {
        (other.clone(), partial, on)
    } else {
        let on = on.into_iter().map(|(o, p)| (p, o)).collect();
        (partial, other.clone(), on)
    };
    let join = LogicalPlan::Join {
        schema: left.schema().join(right.schema()),
        left: Box::new(left),
        right: Box::new(right),
        kind: JoinKind::Inner,
        on,
        filter: None,
    };
    let group = group.iter().map(rekey).collect();
    let merged = aggs
        .iter()
        .enumerate()
        .map(|(i, a)| AggregateExpr {
            func: match a.func {
                AggFunc::Min => AggFunc::Min,
                AggFunc::Max => AggFunc::Max,
                // Sums of sums, and sums of counts.
                _ => AggFunc::Sum,
            },
            args: vec![Expr::column_id(partial_schema.columns[keys.len() + i].id)],
            distinct: false,
            filter: None,
            order: Vec::new(),
        })
        .collect();
    Some((join, group, merged))
}

/// Whether grouping `side` by `keys` first is estimated to pay: at most half
/// as many groups as rows, and a join (`joined`) that keeps at least half
/// the side's rows.
fn pays(side: &LogicalPlan, keys: &[ColumnId], joined: &LogicalPlan) -> bool {
    let rows = estimate(side);
    let mut groups = 1.0f64;
    for &k in keys {
        match distinct(side, k) {
            Some(d) => groups *= d.max(1.0),
            None => return false,
        }
    }
    groups.min(rows) * 2.0 <= rows && estimate(joined) * 2.0 >= rows
}
