//! Common subexpressions of an aggregate: an expression its group keys and
//! aggregate arguments compute more than once is computed once, by a
//! projection below the aggregate, and read as a column. TPC-H q1 sums both
//! `price * (1 - discount)` and `price * (1 - discount) * (1 + tax)`: the
//! product is now computed once per row instead of twice.
//!
//! ```text
//! before: Aggregate group=[] aggs=[SUM((#0 * (1 - #1))), SUM(((#0 * (1 - #1)) * (1 + #2)))]
//!           Scan t [p, d, x]
//! after:  Aggregate group=[] aggs=[SUM(#3), SUM((#3 * (1 + #2)))]
//!           Project #0, #1, #2, (#0 * (1 - #1))
//!             Scan t [p, d, x]
//! ```
//!
//! Only expressions every row computes anyway are moved: nothing inside a
//! CASE (whose branches run only for some rows, so a failing cast there may
//! be guarded), nothing volatile, no subquery, and not the aggregates'
//! FILTER conditions.

use std::sync::Arc;

use crate::plan::{AggregateExpr, Expr, LogicalPlan, PlanColumn, PlanSchema};

/// Past this many candidate subexpressions in one aggregate the rule leaves
/// it alone (the search compares candidates pairwise).
const MAX_CANDIDATES: usize = 256;

/// Moves the repeated subexpressions of every aggregate into a projection.
pub fn common_subexpressions(plan: LogicalPlan) -> LogicalPlan {
    plan.transform_up(&mut |node| match node {
        LogicalPlan::Aggregate {
            input,
            group,
            aggs,
            schema,
        } => extract(*input, group, aggs, schema),
        other => other,
    })
}

fn extract(
    input: LogicalPlan,
    mut group: Vec<Expr>,
    mut aggs: Vec<AggregateExpr>,
    schema: PlanSchema,
) -> LogicalPlan {
    let mut computed: Vec<(Expr, Arc<PlanColumn>)> = Vec::new();
    // The largest repeated expression first; then count again, since moving
    // it out may leave its parts used once.
    while let Some(e) = largest_repeated(&group, &aggs) {
        let column = Arc::new(PlanColumn::new(
            None,
            format!("__common{}", computed.len()),
            e.data_type(input.schema()),
        ));
        let id = column.id;
        let swap = |x: &Expr| x.transform(&mut |y| (*y == e).then(|| Expr::column_id(id)));
        group = group.iter().map(swap).collect();
        for a in &mut aggs {
            a.args = a.args.iter().map(swap).collect();
        }
        computed.push((e, column));
    }
    if computed.is_empty() {
        return LogicalPlan::Aggregate {
            input: Box::new(input),
            group,
            aggs,
            schema,
        };
    }
    let mut exprs = Expr::columns_of(input.schema());
    let mut columns = input.schema().columns.clone();
    for (e, c) in computed {
        exprs.push(e);
        columns.push(c);
    }
    LogicalPlan::Aggregate {
        input: Box::new(LogicalPlan::Project {
            input: Box::new(input),
            exprs,
            schema: PlanSchema::shared(columns),
        }),
        group,
        aggs,
        schema,
    }
}

/// The largest expression that the group keys and aggregate arguments
/// compute at least twice, if any.
fn largest_repeated(group: &[Expr], aggs: &[AggregateExpr]) -> Option<Expr> {
    let mut seen: Vec<(&Expr, usize)> = Vec::new();
    let mut candidates = 0;
    let roots = group.iter().chain(aggs.iter().flat_map(|a| a.args.iter()));
    for root in roots {
        let mut stack = vec![root];
        while let Some(x) = stack.pop() {
            if matches!(x, Expr::Case { .. }) || !movable(x) {
                continue;
            }
            candidates += 1;
            if candidates > MAX_CANDIDATES {
                return None;
            }
            match seen.iter_mut().find(|(e, _)| *e == x) {
                Some((_, n)) => *n += 1,
                None => seen.push((x, 1)),
            }
            push_children(x, &mut stack);
        }
    }
    seen.into_iter()
        .filter(|(e, n)| *n >= 2 && !matches!(e, Expr::Column(_) | Expr::Literal(_)))
        .max_by_key(|(e, _)| size(e))
        .map(|(e, _)| e.clone())
}

/// Whether `e` may be computed for every row, ahead of the aggregate.
fn movable(e: &Expr) -> bool {
    e.is_deterministic() && !e.contains_subquery() && e.outer_reach() == 0
}

/// The expressions directly inside `e` (the operands the rule may look at).
fn push_children<'a>(e: &'a Expr, stack: &mut Vec<&'a Expr>) {
    match e {
        Expr::Binary { left, right, .. } => {
            stack.push(left);
            stack.push(right);
        }
        Expr::Not(x) | Expr::Negative(x) | Expr::Cast { expr: x, .. } => stack.push(x),
        Expr::IsNull { expr, .. } | Expr::IsBool { expr, .. } => stack.push(expr),
        Expr::Like { expr, pattern, .. } => {
            stack.push(expr);
            stack.push(pattern);
        }
        Expr::InList { expr, list, .. } => {
            stack.push(expr);
            stack.extend(list.iter());
        }
        Expr::Function { args, .. } => stack.extend(args.iter()),
        // CASE branches run for some rows only; the rest hold no operand
        // worth moving.
        _ => {}
    }
}

/// The number of nodes in `e`.
fn size(e: &Expr) -> usize {
    let mut n = 0;
    e.visit(&mut |_| n += 1);
    n
}
