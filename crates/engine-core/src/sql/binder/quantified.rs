//! `x op ANY (SELECT ...)` and `x op ALL (SELECT ...)`.
//!
//! `= ANY` is IN and `<> ALL` is NOT IN (semi-joins when uncorrelated).
//! The others compare `x` with the subquery's column reduced to what
//! decides the answer: its smallest and largest values, and a NULL when it
//! holds one. `x > ANY(S)` is true when `x` is above some value of S, that
//! is above S's smallest; NULL when no value says so but S holds a NULL
//! (or `x` is NULL); false when S is empty. The reduced list gives the same
//! answers to `x op ANY(list)` for every op but `=`, and a handful of values
//! stand in for S however many rows it has. `x op ALL(S)` is
//! `NOT (x op' ANY(S))` for the opposite comparison `op'`.

use std::sync::Arc;

use arrow_schema::DataType;
use sqlparser::ast::{self, Expr as A};

use super::expr::{call_bound, cast, quantified_op, Ctx};
use super::Binder;
use crate::error::{Error, Result};
use crate::functions::ScalarFunc;
use crate::plan::{
    AggFunc, AggregateExpr, BinaryOp, Expr, LogicalPlan, PlanColumn, PlanSchema, ScalarValue,
    Subquery,
};

impl Binder<'_> {
    /// `left op ANY (q)`, or `left op ALL (q)` when `all`.
    pub(super) fn bind_quantified(
        &mut self,
        left: &A,
        op: &ast::BinaryOperator,
        q: &ast::Query,
        all: bool,
        ctx: Ctx,
    ) -> Result<Expr> {
        let op = quantified_op(op, if all { "ALL" } else { "ANY" })?;
        // ALL holds when no row makes the opposite comparison true.
        let op = match all {
            false => op,
            true => match op {
                BinaryOp::Eq => BinaryOp::NotEq,
                BinaryOp::NotEq => BinaryOp::Eq,
                BinaryOp::Lt => BinaryOp::GtEq,
                BinaryOp::LtEq => BinaryOp::Gt,
                BinaryOp::Gt => BinaryOp::LtEq,
                _ => BinaryOp::Lt,
            },
        };
        let any = match op {
            BinaryOp::Eq => self.bind_expr(
                &A::In {
                    expr: Box::new(left.clone()),
                    target: ast::InTarget::Subquery(Box::new(q.clone())),
                    negated: false,
                    global: false,
                },
                ctx,
            )?,
            _ => {
                let sub = self.bind_subquery(q, ctx)?;
                let reduced = reduce(&sub)?;
                let list = reduced.plan.schema().columns[0].data_type.clone();
                let (l, lt) = self.bind_typed(left, ctx)?;
                let args = vec![(l, lt), (Expr::ScalarSubquery(Arc::new(reduced)), list)];
                call_bound(ScalarFunc::AnyOf(op), args)?.0
            }
        };
        Ok(match all {
            true => Expr::Not(Box::new(any)),
            false => any,
        })
    }
}

/// The subquery's one column as a list of its smallest and largest
/// values, with a NULL when it holds one; NULL when it has no rows.
fn reduce(sub: &Subquery) -> Result<Subquery> {
    let input = sub.plan.schema();
    if input.len() != 1 {
        return Err(Error::plan(format!(
            "a subquery compared with ANY or ALL must return one column, it returns {}",
            input.len()
        )));
    }
    let element = input.columns[0].data_type.clone();
    let value = Expr::column(input, 0);
    let agg = |func, args: Vec<Expr>| AggregateExpr {
        func,
        args,
        distinct: false,
        filter: None,
        order: Vec::new(),
    };
    let aggs = vec![
        agg(AggFunc::Min, vec![value.clone()]),
        agg(AggFunc::Max, vec![value.clone()]),
        agg(AggFunc::CountStar, vec![]),
        agg(AggFunc::Count, vec![value]),
    ];
    let schema = PlanSchema::new(vec![
        PlanColumn::new(None, "min", element.clone()),
        PlanColumn::new(None, "max", element.clone()),
        PlanColumn::new(None, "rows", DataType::Int64),
        PlanColumn::new(None, "values", DataType::Int64),
    ]);
    let at = |i| Expr::column(&schema, i);
    let list_type = crate::functions::list_of(&element);
    let list = |items: Vec<Expr>| Expr::Function {
        func: ScalarFunc::ListValue,
        args: items,
    };
    let null = cast(
        Expr::Literal(ScalarValue::null(&DataType::Null)),
        &DataType::Null,
        &element,
    )?;
    let zero = Expr::Literal(ScalarValue::int64(0));
    let reduced = Expr::Case {
        whens: vec![
            (
                at(2).binary(BinaryOp::Eq, zero),
                Expr::Literal(ScalarValue::null(&list_type)),
            ),
            (
                at(2).binary(BinaryOp::Gt, at(3)),
                list(vec![at(0), at(1), null]),
            ),
        ],
        else_expr: Some(Box::new(list(vec![at(0), at(1)]))),
    };
    let plan = LogicalPlan::Aggregate {
        input: Box::new(sub.plan.clone()),
        group: Vec::new(),
        aggs,
        schema: schema.clone(),
    };
    let plan = LogicalPlan::Project {
        input: Box::new(plan),
        exprs: vec![reduced],
        schema: PlanSchema::new(vec![PlanColumn::new(None, "reduced", list_type)]),
    };
    Ok(Subquery {
        plan,
        correlated: sub.correlated,
    })
}
