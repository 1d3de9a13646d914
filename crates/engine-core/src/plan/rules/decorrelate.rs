//! Decorrelation: subqueries in WHERE and in the select list become joins, so
//! they run once per query instead of once per outer row.
//!
//! - `EXISTS (sub)` / `NOT EXISTS (sub)` conjuncts of a filter: a semi / anti
//!   join; the subquery's correlation predicates (those reading the outer
//!   row) become the join's keys and residual condition.
//! - `x IN (sub)` conjuncts: a semi join on `x = sub's column` (plus the
//!   correlation predicates).
//! - `x NOT IN (sub)` with an uncorrelated subquery: a mark join, whose mark
//!   column carries IN's three-valued answer (NULL when `x` is NULL or the
//!   subquery returns a NULL), and the filter keeps rows where the mark is
//!   false.
//! - A correlated scalar subquery with an aggregate and equality correlations
//!   (`l_quantity < (SELECT 0.2 * AVG(l_quantity) FROM lineitem WHERE
//!   l_partkey = p_partkey)`), anywhere in a filter or select list: a left join
//!   against the subquery grouped by its correlation columns. Subqueries with
//!   COUNT are left alone (a missing group must count 0, not NULL).
//!
//! Anything else stays a subquery, which the executor evaluates per outer row
//! (correct, only slower). Example, TPC-H q4:
//!
//! ```text
//! before: Filter ((#4 >= 1993-07-01) AND EXISTS (subquery))
//!           Scan orders
//!         subquery: Project ...
//!                     Filter ((#0 = outer1.#0) AND (#11 < #12))
//!                       Scan lineitem
//! after:  Filter (#4 >= 1993-07-01)
//!           Semi Join on=[#0 = #0]
//!             Scan orders
//!             Filter (#11 < #12)
//!               Scan lineitem
//! ```
//!
//! Columns keep their identities through all of this: a correlation
//! predicate moved into a join reads the subquery's columns and the outer
//! query's (its outer references become plain references) with nothing
//! renumbered. A semi or anti join outputs its left side's columns; mark and
//! grouped joins add columns, and a projection then restores the filter's
//! input columns.

use super::split_join_condition;
use crate::plan::columns::{projection_map, rename_map};
use crate::plan::{
    BinaryOp, Expr, JoinKind, LogicalPlan, PlanColumn, PlanSchema, ScalarValue, Subquery,
};

/// Rewrites the subqueries of `plan` (and of the plans inside its subqueries)
/// into joins where it can.
pub fn decorrelate(plan: LogicalPlan) -> LogicalPlan {
    plan.transform_up(&mut |node| {
        // Inner subqueries first, so a subquery pulled into a join is already flat.
        let node = node.map_exprs(&mut |e| {
            if e.contains_subquery() {
                e.map_subqueries(&mut |p| decorrelate(p.clone()))
            } else {
                e
            }
        });
        match node {
            LogicalPlan::Filter { input, predicate } if predicate.contains_subquery() => {
                rewrite_filter(*input, predicate)
            }
            LogicalPlan::Project {
                input,
                exprs,
                schema,
            } if exprs.iter().any(Expr::contains_subquery) => {
                let (input, exprs) = scalar_joins(*input, exprs);
                LogicalPlan::Project {
                    input: Box::new(input),
                    exprs,
                    schema,
                }
            }
            other => other,
        }
    })
}

/// A filter whose conjuncts hold subqueries: joins for those that allow it,
/// a filter for the rest, and a projection back to the input's columns when
/// joins added some.
fn rewrite_filter(input: LogicalPlan, predicate: Expr) -> LogicalPlan {
    let input_schema = input.schema().clone();
    let mut plan = input;
    let mut kept = Vec::new();
    for c in predicate.split_conjunction() {
        let attempt = match &c {
            Expr::Exists { subquery, negated } if subquery.correlated => {
                let kind = if *negated {
                    JoinKind::Anti
                } else {
                    JoinKind::Semi
                };
                semi_join(plan, subquery, None, kind).map(|p| (p, None))
            }
            Expr::InSubquery {
                expr,
                subquery,
                negated: false,
            } if !expr.contains_subquery() => {
                semi_join(plan, subquery, Some(expr.as_ref().clone()), JoinKind::Semi)
                    .map(|p| (p, None))
            }
            Expr::InSubquery {
                expr,
                subquery,
                negated: true,
            } if !subquery.correlated && !expr.contains_subquery() => {
                let join = mark_join(plan, subquery, expr.as_ref().clone());
                let mark = join.schema().columns.last().map(|c| c.id);
                Ok((join, mark))
            }
            _ => Err(plan),
        };
        match attempt {
            Ok((p, mark)) => {
                plan = p;
                if let Some(m) = mark {
                    kept.push(Expr::Not(Box::new(Expr::column_id(m))));
                }
            }
            Err(p) => {
                plan = p;
                kept.push(c);
            }
        }
    }
    let (plan, kept) = scalar_joins(plan, kept);
    restore_columns(plan.filtered(kept), input_schema)
}

/// `plan` cut back to `schema`'s columns, when it has more.
fn restore_columns(plan: LogicalPlan, schema: PlanSchema) -> LogicalPlan {
    if plan.schema().len() == schema.len() {
        return plan;
    }
    LogicalPlan::Project {
        input: Box::new(plan),
        exprs: Expr::columns_of(&schema),
        schema,
    }
}

/// A correlation predicate moved into the join above: its references to the
/// enclosing query's row become references to those columns, which the join
/// has on its left.
fn to_join_space(e: &Expr) -> Expr {
    e.transform(&mut |x| match x {
        Expr::OuterColumn { column, .. } => Some(Expr::column_id(column.id)),
        _ => None,
    })
}

/// The expression a column of `plan`'s output stands for below the
/// projections and renames at its top, and the node below them.
fn compose(value: Expr, plan: &LogicalPlan) -> Expr {
    match plan {
        LogicalPlan::Project { exprs, schema, .. } => {
            let m = projection_map(exprs, schema);
            value.substitute(&|id| m.get(&id).cloned())
        }
        LogicalPlan::Rename { input, schema } => {
            let m = rename_map(input.schema(), schema);
            value.substitute(&|id| m.get(&id).cloned())
        }
        _ => value,
    }
}

/// Whether `e` can move into a join: no subquery, and outer references only
/// to the query directly around the subquery.
fn movable(e: &Expr) -> bool {
    !e.contains_subquery() && !e.references_outer(2)
}

/// A subquery's plan taken apart: the expression its one column computes
/// (over `rest`), the correlation conjuncts (over `rest`), and the rest.
struct Peeled {
    value: Expr,
    correlated: Vec<Expr>,
    rest: LogicalPlan,
}

/// Looks through projections (and, when `set_semantics`, DISTINCT and ORDER
/// BY, which do not change whether a row exists) down to the filter holding
/// the correlation predicates.
fn peel(plan: &LogicalPlan, set_semantics: bool) -> Option<Peeled> {
    let mut value = first_column(plan)?;
    let mut p = plan;
    loop {
        match p {
            LogicalPlan::Project { input, exprs, .. } => {
                if exprs.iter().any(Expr::contains_subquery) {
                    return None;
                }
                value = compose(value, p);
                p = input;
            }
            LogicalPlan::Rename { input, .. } => {
                value = compose(value, p);
                p = input
            }
            LogicalPlan::Distinct { input } | LogicalPlan::Sort { input, .. } if set_semantics => {
                p = input
            }
            LogicalPlan::Filter { input, predicate } => {
                let (correlated, own): (Vec<Expr>, Vec<Expr>) = predicate
                    .clone()
                    .split_conjunction()
                    .into_iter()
                    .partition(|c| c.references_outer(1));
                if correlated.is_empty() || !correlated.iter().all(movable) {
                    return None;
                }
                let rest = input.as_ref().clone().filtered(own);
                if rest.references_outer(1) {
                    return None;
                }
                return Some(Peeled {
                    value,
                    correlated,
                    rest,
                });
            }
            _ => return None,
        }
    }
}

/// `left` semi/anti-joined with the subquery (`key IN sub` when `key` is
/// given), or `left` back when the subquery does not fit.
fn semi_join(
    left: LogicalPlan,
    sub: &Subquery,
    key: Option<Expr>,
    kind: JoinKind,
) -> Result<LogicalPlan, LogicalPlan> {
    let (right, mut conjuncts) = if sub.correlated {
        let Some(peeled) = peel(&sub.plan, true) else {
            return Err(left);
        };
        let mut conjuncts: Vec<Expr> = peeled.correlated.iter().map(to_join_space).collect();
        if let Some(k) = &key {
            conjuncts.push(k.clone().binary(BinaryOp::Eq, peeled.value));
        }
        (peeled.rest, conjuncts)
    } else {
        if sub.plan.references_outer(1) {
            return Err(left);
        }
        let conjuncts = match (&key, first_column(&sub.plan)) {
            (Some(k), Some(v)) => vec![k.clone().binary(BinaryOp::Eq, v)],
            (Some(_), None) => return Err(left),
            (None, _) => vec![],
        };
        (sub.plan.clone(), conjuncts)
    };
    let Some(cond) = Expr::conjunction(std::mem::take(&mut conjuncts)) else {
        return Err(left);
    };
    let (on, rest) = split_join_condition(cond, left.schema(), right.schema());
    let schema = left.schema().clone();
    Ok(LogicalPlan::Join {
        left: Box::new(left),
        right: Box::new(right),
        kind,
        on,
        filter: Expr::conjunction(rest),
        schema,
    })
}

/// `left` mark-joined with an uncorrelated subquery on `key = its column`:
/// left's columns plus the mark.
fn mark_join(left: LogicalPlan, sub: &Subquery, key: Expr) -> LogicalPlan {
    let mut schema = left.schema().clone();
    schema.columns.push(std::sync::Arc::new(PlanColumn::new(
        None,
        "__mark",
        arrow_schema::DataType::Boolean,
    )));
    LogicalPlan::Join {
        left: Box::new(left),
        right: Box::new(sub.plan.clone()),
        kind: JoinKind::Mark,
        on: vec![(key, Expr::column(sub.plan.schema(), 0))],
        filter: None,
        schema,
    }
}

/// The first output column of `plan` (a subquery's value).
fn first_column(plan: &LogicalPlan) -> Option<Expr> {
    (!plan.schema().is_empty()).then(|| Expr::column(plan.schema(), 0))
}

/// Replaces correlated scalar subqueries in `exprs` (over `plan`) by columns
/// of grouped left joins added to `plan`.
fn scalar_joins(plan: LogicalPlan, exprs: Vec<Expr>) -> (LogicalPlan, Vec<Expr>) {
    let mut current = Some(plan);
    let exprs = exprs
        .into_iter()
        .map(|e| {
            e.transform(&mut |x| {
                let Expr::ScalarSubquery(sub) = x else {
                    return None;
                };
                if !sub.correlated {
                    return None;
                }
                let plan = current.take().expect("put back below");
                match grouped_join(plan, sub) {
                    Ok((p, column)) => {
                        current = Some(p);
                        Some(Expr::column_id(column))
                    }
                    Err(p) => {
                        current = Some(p);
                        None
                    }
                }
            })
        })
        .collect();
    (current.expect("always put back"), exprs)
}

/// `left` left-joined with the scalar subquery grouped by its correlation
/// columns; the identity of the subquery's value among the join's columns.
fn grouped_join(
    left: LogicalPlan,
    sub: &Subquery,
) -> Result<(LogicalPlan, crate::plan::ColumnId), LogicalPlan> {
    let Some((right, outer_keys)) = grouped_subquery(sub) else {
        return Err(left);
    };
    let value = right.schema().columns[0].id;
    let on = outer_keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, Expr::column(right.schema(), 1 + i)))
        .collect();
    let schema = left.schema().join(right.schema());
    Ok((
        LogicalPlan::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind: JoinKind::Left,
            on,
            filter: None,
            schema,
        },
        value,
    ))
}

/// The subquery as `SELECT value, k1, ..., kn ... GROUP BY k1, ..., kn` and
/// the outer expressions each key must equal, when it has that shape.
fn grouped_subquery(sub: &Subquery) -> Option<(LogicalPlan, Vec<Expr>)> {
    // Down to the aggregate, composing the projections above it.
    let mut value = first_column(&sub.plan)?;
    let mut p = &sub.plan;
    let (agg_input, aggs, agg_schema) = loop {
        match p {
            LogicalPlan::Project { input, exprs, .. } => {
                if exprs.iter().any(Expr::contains_subquery)
                    || exprs.iter().any(|e| e.references_outer(1))
                {
                    return None;
                }
                value = compose(value, p);
                p = input;
            }
            LogicalPlan::Rename { input, .. } => {
                value = compose(value, p);
                p = input
            }
            LogicalPlan::Aggregate {
                input,
                group,
                aggs,
                schema,
            } if group.is_empty() => break (input, aggs, schema),
            _ => return None,
        }
    };
    if aggs
        .iter()
        .any(|a| a.func.counts() || a.references_outer(1))
    {
        return None;
    }
    // A key with no rows gets NULL from the LEFT JOIN, where the subquery
    // gives `value` over NULL aggregates: `COALESCE(SUM(x), 0)` is 0. The
    // rewrite holds only when that value is NULL too.
    let nulls: std::collections::HashMap<_, _> = agg_schema
        .columns
        .iter()
        .map(|c| (c.id, Expr::Literal(ScalarValue::null(&c.data_type))))
        .collect();
    let on_empty = value.clone().substitute(&|id| nulls.get(&id).cloned());
    if !crate::exec::evaluate_constant(&on_empty).is_ok_and(|v| v.is_null()) {
        return None;
    }
    let LogicalPlan::Filter { input, predicate } = agg_input.as_ref() else {
        return None;
    };
    let mut inner_keys = Vec::new();
    let mut outer_keys = Vec::new();
    let mut own = Vec::new();
    for c in predicate.clone().split_conjunction() {
        if !c.references_outer(1) {
            own.push(c);
            continue;
        }
        if !movable(&c) {
            return None;
        }
        // Only `inner = outer` correlations: they become group keys.
        let Expr::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } = &c
        else {
            return None;
        };
        let inner_only = |e: &Expr| !e.references_outer(1) && !e.columns().is_empty();
        let outer_only = |e: &Expr| e.references_outer(1) && e.columns().is_empty();
        let (inner, outer) = if inner_only(left) && outer_only(right) {
            (left, right)
        } else if inner_only(right) && outer_only(left) {
            (right, left)
        } else {
            return None;
        };
        inner_keys.push(inner.as_ref().clone());
        outer_keys.push(to_join_space(outer));
    }
    let rest = input.as_ref().clone().filtered(own);
    if rest.references_outer(1) {
        return None;
    }
    let k = inner_keys.len();
    let mut columns: Vec<std::sync::Arc<PlanColumn>> = inner_keys
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let c = PlanColumn::new(None, format!("__key{i}"), e.data_type(rest.schema()));
            std::sync::Arc::new(c)
        })
        .collect();
    columns.extend(agg_schema.columns.iter().cloned());
    let aggregate = LogicalPlan::Aggregate {
        input: Box::new(rest),
        group: inner_keys,
        aggs: aggs.clone(),
        schema: PlanSchema::shared(columns.clone()),
    };
    // The value reads the aggregates, which keep their identities.
    let mut out = vec![std::sync::Arc::new(PlanColumn::new(
        None,
        "__value",
        value.data_type(aggregate.schema()),
    ))];
    out.extend(columns[..k].iter().cloned());
    let mut exprs = vec![value];
    exprs.extend((0..k).map(|i| Expr::column(aggregate.schema(), i)));
    Some((
        LogicalPlan::Project {
            input: Box::new(aggregate),
            exprs,
            schema: PlanSchema::shared(out),
        },
        outer_keys,
    ))
}

impl crate::plan::AggregateExpr {
    fn references_outer(&self, depth: usize) -> bool {
        self.args.iter().any(|a| a.references_outer(depth))
            || self
                .filter
                .as_ref()
                .is_some_and(|f| f.references_outer(depth))
    }
}
