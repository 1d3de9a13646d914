//! Cardinality estimates for the planner: how many rows a plan produces and
//! how many distinct values a column holds. Inputs: table row counts (Parquet
//! footers, in-memory tables), distinct counts bounded by an integer column's
//! range, and fixed selectivities for filter conjuncts (equality 1/10, range
//! 1/3, LIKE 1/4). Rough by design: they only have to rank join orders and
//! pick hash-table sides.

use super::{BinaryOp, ColumnId, Expr, JoinKind, LogicalPlan};

/// Rows `plan` is estimated to produce.
pub fn estimate(plan: &LogicalPlan) -> f64 {
    match plan {
        LogicalPlan::Scan { table, .. } => table.estimated_rows().unwrap_or(1000) as f64,
        LogicalPlan::Values { rows, .. } => rows.len() as f64,
        LogicalPlan::Filter { input, predicate } => {
            // Bounds on one column count once: `d >= x AND d < y` is one range.
            let mut ranged: Vec<ColumnId> = Vec::new();
            let s: f64 = predicate
                .clone()
                .split_conjunction()
                .iter()
                .map(|c| match range_column(c) {
                    Some(col) if ranged.contains(&col) => 1.0,
                    Some(col) => {
                        ranged.push(col);
                        selectivity(c)
                    }
                    None => selectivity(c),
                })
                .product();
            (estimate(input) * s).max(1.0)
        }
        // A few elements a list.
        LogicalPlan::Unnest { input, .. } => estimate(input) * 4.0,
        LogicalPlan::Expand { input, lists, .. } => estimate(input) * lists.len() as f64,
        LogicalPlan::Project { input, .. }
        | LogicalPlan::Rename { input, .. }
        | LogicalPlan::Window { input, .. }
        | LogicalPlan::Sort { input, .. } => estimate(input),
        LogicalPlan::Shared(p) => *p.rows.get_or_init(|| estimate(&p.plan)),
        LogicalPlan::Limit { input, fetch, .. } => {
            let n = estimate(input);
            fetch.map_or(n, |f| n.min(f as f64))
        }
        LogicalPlan::Aggregate { input, group, .. } => {
            if group.is_empty() {
                1.0
            } else {
                (estimate(input) / 10.0).max(1.0)
            }
        }
        LogicalPlan::Distinct { input } => (estimate(input) / 2.0).max(1.0),
        LogicalPlan::SetOp { left, right, .. } => estimate(left) + estimate(right),
        LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            ..
        } => {
            let (l, r) = (estimate(left), estimate(right));
            match kind {
                // Equi-joins are mostly key to foreign key: the larger side's rows.
                JoinKind::Inner if !on.is_empty() => l.max(r),
                JoinKind::Inner | JoinKind::Cross => l * r,
                JoinKind::Left | JoinKind::Mark => l,
                JoinKind::Right => r,
                JoinKind::Full => l + r,
                // A semi join keeps at most the left rows, and no more than
                // the right side can match when that is small.
                JoinKind::Semi => (l / 2.0).min(r).max(1.0),
                JoinKind::Anti => (l / 2.0).max(1.0),
            }
        }
    }
}

/// About how many distinct values the column with identity `col` of
/// `plan`'s output holds, when it can be traced to a table column with
/// statistics.
pub fn distinct(plan: &LogicalPlan, col: ColumnId) -> Option<f64> {
    let at = || plan.schema().index_of(col);
    match plan {
        LogicalPlan::Scan { table, .. } => table.estimated_distinct(at()?).map(|d| d as f64),
        LogicalPlan::Filter { input, .. } => distinct(input, col).map(|d| d.min(estimate(plan))),
        LogicalPlan::Project { input, exprs, .. } => match exprs.get(at()?)? {
            Expr::Column(c) => distinct(input, c.id),
            _ => None,
        },
        LogicalPlan::Rename { input, .. } => distinct(input, input.schema().columns.get(at()?)?.id),
        LogicalPlan::Sort { input, .. }
        | LogicalPlan::Limit { input, .. }
        | LogicalPlan::Distinct { input } => distinct(input, col),
        LogicalPlan::Window { input, .. } | LogicalPlan::Unnest { input, .. } => {
            match input.schema().contains(col) {
                true => distinct(input, col),
                false => None,
            }
        }
        LogicalPlan::Shared(p) => {
            let known = p.distinct.lock().ok()?.get(&col).copied();
            match known {
                Some(d) => d,
                None => {
                    let d = distinct(&p.plan, col);
                    p.distinct.lock().ok()?.insert(col, d);
                    d
                }
            }
        }
        LogicalPlan::Aggregate { input, group, .. } => match group.get(at()?)? {
            Expr::Column(c) => distinct(input, c.id),
            _ => None,
        },
        LogicalPlan::Join { left, right, .. } => {
            if left.schema().contains(col) {
                distinct(left, col)
            } else if right.schema().contains(col) {
                distinct(right, col)
            } else {
                None
            }
        }
        LogicalPlan::Values { .. } | LogicalPlan::SetOp { .. } | LogicalPlan::Expand { .. } => None,
    }
}

/// The column a range conjunct (`col < constant`, either way round) bounds.
fn range_column(e: &Expr) -> Option<ColumnId> {
    let Expr::Binary { op, left, right } = e else {
        return None;
    };
    if !matches!(
        op,
        BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq
    ) {
        return None;
    }
    let column = |x: &Expr| match x {
        Expr::Column(c) => Some(c.id),
        Expr::Cast { expr, .. } => match expr.as_ref() {
            Expr::Column(c) => Some(c.id),
            _ => None,
        },
        _ => None,
    };
    match (column(left), column(right)) {
        (Some(c), None) if right.is_constant() => Some(c),
        (None, Some(c)) if left.is_constant() => Some(c),
        _ => None,
    }
}

/// The fraction of rows a filter conjunct keeps (fixed guesses).
fn selectivity(e: &Expr) -> f64 {
    match e {
        Expr::Binary { op, .. } => match op {
            BinaryOp::Eq | BinaryOp::IsNotDistinctFrom => 0.1,
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => 1.0 / 3.0,
            BinaryOp::Or => match e {
                Expr::Binary { left, right, .. } => {
                    (selectivity(left) + selectivity(right)).min(1.0)
                }
                _ => 0.5,
            },
            _ => 0.9,
        },
        Expr::Like { negated: false, .. } => 0.25,
        Expr::InList {
            negated: false,
            list,
            ..
        } => (0.1 * list.len() as f64).min(0.5),
        Expr::IsNull { negated: false, .. } => 0.1,
        _ => 0.5,
    }
}
