//! Semi-join pushdown: a semi or anti join (an EXISTS or IN after
//! decorrelation) whose condition reads left-side columns of only one input
//! of the inner join below it moves onto that input, when it is cheap next to
//! that input (its right side estimated smaller). It runs after
//! [`push_down_filters`](super::push_down_filters), so the estimates see the
//! filters in place.
//!
//! ```text
//! before: Semi Join on=[#1 = #0]               after: Inner Join on=[#0 = #0]
//!           Inner Join on=[#0 = #0]                     Scan lineitem [l_orderkey]
//!             Scan lineitem [l_orderkey]                Semi Join on=[#0 = #0]
//!             Scan orders [o_orderkey]                    Scan orders [o_orderkey]
//!           Aggregate ... HAVING                          Aggregate ... HAVING
//! ```

use crate::plan::cardinality::estimate;
use crate::plan::{Expr, JoinKind, LogicalPlan};

/// Moves every semi and anti join in `plan` as far down as it pays.
pub fn push_down_semi_joins(plan: LogicalPlan) -> LogicalPlan {
    sink_semi_join(plan.map_inputs(&mut push_down_semi_joins))
}

/// A semi or anti join whose condition reads the left side's columns from
/// one input of an inner join below it moves onto that input: it is a filter
/// on those rows, and filtering early shrinks the join (TPC-H q18's `IN`
/// subquery keeps 57 of 1.5 million orders before they meet lineitem).
fn sink_semi_join(plan: LogicalPlan) -> LogicalPlan {
    let LogicalPlan::Join {
        left,
        right,
        kind: kind @ (JoinKind::Semi | JoinKind::Anti),
        on,
        filter,
        schema,
    } = plan
    else {
        return plan;
    };
    let rebuild = |left: Box<LogicalPlan>, right, on, filter| LogicalPlan::Join {
        left,
        right,
        kind,
        on,
        filter,
        schema,
    };
    let LogicalPlan::Join {
        left: a,
        right: b,
        kind: inner @ (JoinKind::Inner | JoinKind::Cross),
        on: inner_on,
        filter: inner_filter,
        schema: inner_schema,
    } = *left
    else {
        return rebuild(left, right, on, filter);
    };
    let subquery = on
        .iter()
        .any(|(l, r)| l.contains_subquery() || r.contains_subquery())
        || filter.as_ref().is_some_and(Expr::contains_subquery);
    // The left side's columns the condition reads.
    let mut used: Vec<_> = on.iter().flat_map(|(l, _)| l.columns()).collect();
    if let Some(f) = &filter {
        used.extend(
            f.columns()
                .into_iter()
                .filter(|&c| !right.schema().contains(c)),
        );
    }
    let inner_join = |a: Box<LogicalPlan>, b: Box<LogicalPlan>| LogicalPlan::Join {
        left: a,
        right: b,
        kind: inner,
        on: inner_on,
        filter: inner_filter,
        schema: inner_schema,
    };
    // Worth it only when the semi join is cheap next to the input it filters
    // (its right side smaller): a costly semi join (TPC-H q21's EXISTS over
    // all of lineitem) is better left above joins that shrink its input first.
    let on_a = a.schema().contains_all(&used);
    let target = if on_a { &a } else { &b };
    let cheap = estimate(&right) < estimate(target);
    if !subquery && !cheap {
        return rebuild(Box::new(inner_join(a, b)), right, on, filter);
    }
    if !subquery && !used.is_empty() && on_a {
        let semi = LogicalPlan::Join {
            schema: a.schema().clone(),
            left: a,
            right,
            kind,
            on,
            filter,
        };
        inner_join(Box::new(sink_semi_join(semi)), b)
    } else if !subquery && !used.is_empty() && b.schema().contains_all(&used) {
        let semi = LogicalPlan::Join {
            schema: b.schema().clone(),
            left: b,
            right,
            kind,
            on,
            filter,
        };
        inner_join(a, Box::new(sink_semi_join(semi)))
    } else {
        rebuild(Box::new(inner_join(a, b)), right, on, filter)
    }
}
