//! Binding queries: WITH, SELECT (FROM, WHERE, GROUP BY, HAVING, the select
//! list, DISTINCT, ORDER BY), set operations, VALUES, LIMIT/OFFSET.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::DataType;
use sqlparser::ast::{self, Expr as A, Spanned};

use super::aggregates::{contains_aggregate, is_aggregate_call};
use super::expr::{cast, compare, AggCtx, Ctx};
use super::scope::resolve;
use super::window::{point_at_windows, window_schema, WinCtx};
use super::Binder;
use crate::error::{Error, Result};
use crate::functions::ScalarFunc;
use crate::plan::{
    BinaryOp, Expr, JoinKind, LogicalPlan, PlanColumn, PlanSchema, SetOpKind, SortExpr,
};
use crate::types::common_type;

/// One item of the select list after `*` is expanded.
enum Item<'q> {
    /// An expression, its output name, and whether that is an alias (`AS name`).
    Ast {
        expr: &'q A,
        name: String,
        aliased: bool,
    },
    Column {
        index: usize,
    },
}

impl Binder<'_> {
    /// Binds a whole query (WITH ... body ORDER BY ... LIMIT ...).
    pub(crate) fn bind_query(&mut self, q: &ast::Query) -> Result<LogicalPlan> {
        crate::stack::check()?;
        if q.fetch.is_some() || !q.locks.is_empty() || q.for_clause.is_some() {
            return Err(Error::unsupported("FETCH, FOR and locking clauses"));
        }
        let pushed = q.with.is_some();
        if let Some(with) = &q.with {
            if with.recursive {
                return Err(Error::unsupported("WITH RECURSIVE"));
            }
            self.ctes.push(HashMap::new());
            for cte in &with.cte_tables {
                let result = self.bind_cte(cte);
                if let Err(e) = result {
                    self.ctes.pop();
                    return Err(e);
                }
            }
        }
        let result = self.bind_query_body(q);
        if pushed {
            self.ctes.pop();
        }
        result
    }

    fn bind_cte(&mut self, cte: &ast::Cte) -> Result<()> {
        let name = cte.alias.name.value.clone();
        if self
            .ctes
            .last()
            .is_some_and(|frame| frame.contains_key(&name.to_lowercase()))
        {
            return Err(Error::plan(format!(
                "WITH names '{name}' twice; each common table expression needs its own name"
            )));
        }
        let plan = self.bind_query(&cte.query)?;
        let plan = rename(plan, Some(&name), &cte.alias.columns)?;
        if let Some(frame) = self.ctes.last_mut() {
            let defined_at = self.outer.len();
            frame.insert(
                name.to_lowercase(),
                (crate::plan::SharedPlan::new(plan), defined_at),
            );
        }
        Ok(())
    }

    fn bind_query_body(&mut self, q: &ast::Query) -> Result<LogicalPlan> {
        let (order_by, all) = match &q.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(v) => (v.as_slice(), None),
                ast::OrderByKind::All(options) => (&[][..], Some(options)),
            },
            None => (&[][..], None),
        };
        let mut plan = match q.body.as_ref() {
            ast::SetExpr::Select(s) => self.bind_select(s, order_by)?,
            body => {
                let plan = self.bind_set_expr(body)?;
                if order_by.is_empty() {
                    plan
                } else {
                    self.order_output(plan, order_by)?
                }
            }
        };
        // `ORDER BY ALL`: by every output column, left to right (DuckDB's).
        if let Some(options) = all {
            let positions: Vec<ast::OrderByExpr> = (1..=plan.schema().len())
                .map(|i| ast::OrderByExpr {
                    expr: A::Value(ast::Value::Number(i.to_string(), false).into()),
                    options: options.clone(),
                    with_fill: None,
                })
                .collect();
            plan = self.order_output(plan, &positions)?;
        }
        if let Some(limit) = &q.limit_clause {
            let (limit, offset) = match limit {
                ast::LimitClause::LimitOffset {
                    limit,
                    offset,
                    limit_by,
                } => {
                    if !limit_by.is_empty() {
                        return Err(Error::unsupported("LIMIT BY"));
                    }
                    (limit.as_ref(), offset.as_ref().map(|o| &o.value))
                }
                ast::LimitClause::OffsetCommaLimit { offset, limit } => (Some(limit), Some(offset)),
            };
            let fetch = limit
                .map(|l| self.constant_count(l, "LIMIT"))
                .transpose()?
                .flatten();
            let skip = offset
                .map(|o| self.constant_count(o, "OFFSET"))
                .transpose()?
                .flatten()
                .unwrap_or(0);
            if let LogicalPlan::Sort { fetch: f, .. } = &mut plan {
                *f = fetch.map(|n| n.saturating_add(skip));
            }
            plan = LogicalPlan::Limit {
                input: Box::new(plan),
                skip,
                fetch,
            };
        }
        Ok(plan)
    }

    /// A LIMIT or OFFSET value: a constant, non-negative integer (NULL: none).
    fn constant_count(&mut self, e: &A, what: &str) -> Result<Option<usize>> {
        let empty = PlanSchema::default();
        let bound = self.bind_expr(e, Ctx::plain(&empty))?;
        if !bound.is_constant() {
            return Err(Error::plan(format!("{what} must be a constant")));
        }
        let v = crate::exec::evaluate_constant(&bound)?;
        if v.is_null() {
            return Ok(None);
        }
        match v.as_i64() {
            Some(n) if n >= 0 && crate::types::is_integer(v.data_type()) => Ok(Some(n as usize)),
            _ => Err(Error::plan(format!(
                "{what} must be a non-negative integer, got {v}"
            ))),
        }
    }

    fn bind_set_expr(&mut self, body: &ast::SetExpr) -> Result<LogicalPlan> {
        crate::stack::check()?;
        match body {
            ast::SetExpr::Select(s) => self.bind_select(s, &[]),
            ast::SetExpr::Query(q) => self.bind_query(q),
            ast::SetExpr::Values(v) => self.bind_values(v),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let op = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                let all = match set_quantifier {
                    ast::SetQuantifier::All => true,
                    ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
                    other => return Err(Error::unsupported(format!("set quantifier {other}"))),
                };
                let l = self.bind_set_expr(left)?;
                let r = self.bind_set_expr(right)?;
                set_operation(l, r, op, all)
            }
            other => Err(Error::unsupported(format!("'{other}' as a query"))),
        }
    }

    fn bind_values(&mut self, v: &ast::Values) -> Result<LogicalPlan> {
        let empty = PlanSchema::default();
        let mut rows = Vec::with_capacity(v.rows.len());
        let mut types: Vec<DataType> = Vec::new();
        for row in &v.rows {
            let bound = row
                .content
                .iter()
                .map(|e| self.bind_typed(e, Ctx::plain(&empty)))
                .collect::<Result<Vec<_>>>()?;
            if !rows.is_empty() && bound.len() != types.len() {
                return Err(Error::plan(format!(
                    "VALUES rows have {} and {} columns",
                    types.len(),
                    bound.len()
                )));
            }
            if types.is_empty() {
                types = vec![DataType::Null; bound.len()];
            }
            for (t, (_, bt)) in types.iter_mut().zip(&bound) {
                *t = common_type(t, bt).ok_or_else(|| {
                    Error::type_error(format!("VALUES column mixes {t} and {bt}"))
                })?;
            }
            rows.push(bound);
        }
        let rows = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .zip(&types)
                    .map(|((e, et), t)| cast(e, &et, t))
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        let schema = PlanSchema::new(
            types
                .iter()
                .enumerate()
                .map(|(i, t)| PlanColumn::new(None, format!("column{}", i + 1), t.clone()))
                .collect(),
        );
        Ok(LogicalPlan::Values { rows, schema })
    }

    fn bind_select(
        &mut self,
        s: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> Result<LogicalPlan> {
        if s.top.is_some()
            || s.into.is_some()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
        {
            return Err(Error::unsupported(
                "TOP, INTO, LATERAL VIEW and PREWHERE clauses",
            ));
        }
        let win = RefCell::new(WinCtx::new(&s.named_window)?);
        // FROM
        check_relation_names(&s.from)?;
        let mut plan = if s.from.is_empty() {
            LogicalPlan::Values {
                rows: vec![vec![]],
                schema: PlanSchema::default(),
            }
        } else {
            let mut iter = s.from.iter();
            let mut plan = self.bind_table_with_joins(iter.next().expect("non-empty"))?;
            for twj in iter {
                // `FROM t, UNNEST(t.list)`: the list reads the items before.
                if is_unnest(&twj.relation) {
                    plan = self.bind_unnest(plan, &twj.relation, false)?;
                    plan = self.bind_joins(plan, &twj.joins)?;
                    continue;
                }
                let right = self.bind_table_with_joins(twj)?;
                let schema = plan.schema().join(right.schema());
                plan = LogicalPlan::Join {
                    left: Box::new(plan),
                    right: Box::new(right),
                    kind: JoinKind::Cross,
                    on: vec![],
                    filter: None,
                    schema,
                };
            }
            plan
        };
        // WHERE
        if let Some(w) = &s.selection {
            if contains_aggregate(w) {
                return Err(Error::plan("aggregate functions are not allowed in WHERE"));
            }
            let (pred, t) = self.bind_typed(w, Ctx::plain(plan.schema()))?;
            let pred = condition(pred, t, "WHERE")?;
            plan = LogicalPlan::Filter {
                input: Box::new(plan),
                predicate: pred,
            };
        }
        // The select list, with * expanded (over the FROM clause's columns,
        // not a select-list UNNEST's element).
        let unnest;
        (plan, unnest) = self.select_unnest(&s.projection, plan)?;
        let items = match &unnest {
            Some((projection, from)) => expand_items(projection, from)?,
            None => expand_items(&s.projection, plan.schema())?,
        };
        let all_keys: Vec<A>;
        let group_by: &[A] = match &s.group_by {
            ast::GroupByExpr::Expressions(exprs, mods) if mods.is_empty() => exprs,
            // GROUP BY ALL: by every select item that aggregates nothing (as
            // in DuckDB), written as their positions.
            ast::GroupByExpr::All(mods) if mods.is_empty() => {
                all_keys = items
                    .iter()
                    .enumerate()
                    .filter(|(_, item)| {
                        !matches!(item, Item::Ast { expr, .. } if contains_aggregate(expr))
                    })
                    .map(|(i, _)| super::expr::number(&(i + 1).to_string()))
                    .collect();
                &all_keys
            }
            _ => {
                return Err(Error::unsupported(
                    "GROUP BY modifiers (write ROLLUP(...), CUBE(...) or GROUPING SETS (...))",
                ))
            }
        };
        let aggregating = !group_by.is_empty()
            || s.having.is_some()
            || items
                .iter()
                .any(|i| matches!(i, Item::Ast { expr, .. } if contains_aggregate(expr)))
            || order_by.iter().any(|o| contains_aggregate(&o.expr));

        let input_schema = plan.schema().clone();
        let sets_as_written = super::grouping::grouping_sets(group_by)?;
        let flat_keys: Vec<&A>;
        let key_asts: Vec<&A> = match &sets_as_written {
            Some(sets) => {
                flat_keys = sets.iter().flatten().copied().collect();
                flat_keys
            }
            None => group_by.iter().collect(),
        };
        let (pre, agg_ctx) = if aggregating {
            let mut group = Vec::new();
            // Each key as written (each syntax node once), with its
            // position in `group`.
            let mut written: Vec<(&A, usize)> = Vec::with_capacity(key_asts.len());
            for g in key_asts {
                if written.iter().any(|(w, _)| std::ptr::eq(*w, g)) {
                    continue;
                }
                let g_ast = self.group_key_ast(g, &items, &input_schema)?;
                let bound = match g_ast {
                    Ok(a) => {
                        if contains_aggregate(a) {
                            return Err(Error::plan(
                                "aggregate functions are not allowed in GROUP BY",
                            ));
                        }
                        self.bind_expr(a, Ctx::plain(&input_schema))?
                    }
                    Err(index) => Expr::col(index),
                };
                let at = match group.iter().position(|k| *k == bound) {
                    Some(at) => at,
                    None => {
                        group.push(bound);
                        group.len() - 1
                    }
                };
                written.push((g, at));
            }
            let ctx = match &sets_as_written {
                None => AggCtx {
                    input: input_schema.clone(),
                    group,
                    aggs: vec![],
                    keys: vec![],
                    sets: None,
                },
                Some(sets_ast) => {
                    // The keys of each set, by position in `group`.
                    let at = |a: &A| {
                        written
                            .iter()
                            .find(|(w, _)| std::ptr::eq(*w, a))
                            .map_or(0, |&(_, at)| at)
                    };
                    let sets: Vec<Vec<usize>> = sets_ast
                        .iter()
                        .map(|s| s.iter().map(|a| at(a)).collect())
                        .collect();
                    let n = input_schema.len();
                    plan = super::grouping::expand(plan, &group, &sets);
                    let k = group.len();
                    AggCtx {
                        input: plan.schema().clone(),
                        group: (n..=n + k).map(Expr::col).collect(),
                        aggs: vec![],
                        keys: group,
                        sets: Some(sets),
                    }
                }
            };
            (None, Some(RefCell::new(ctx)))
        } else {
            (Some(input_schema.clone()), None)
        };

        // Bind the select list, HAVING and ORDER BY keys over the (grouped) input.
        // For an aggregating query the aggregate's output schema is only known once
        // every aggregate call is found, so bind against a placeholder and fix up.
        let placeholder;
        let ctx = match &agg_ctx {
            Some(a) => {
                placeholder = agg_placeholder_schema(&a.borrow());
                Ctx {
                    schema: &placeholder,
                    agg: Some(a),
                    win: Some(&win),
                }
            }
            None => Ctx {
                win: Some(&win),
                ..Ctx::plain(pre.as_ref().expect("set when not aggregating"))
            },
        };
        let mut exprs = Vec::with_capacity(items.len());
        let mut columns = Vec::with_capacity(items.len());
        // Earlier items' aliases, which later items may use where no input
        // column has the name (`COUNT(*) AS c, c + c`, as in DuckDB).
        let mut lateral: Vec<(&str, std::borrow::Cow<A>)> = Vec::new();
        for item in &items {
            match item {
                Item::Ast {
                    expr,
                    name,
                    aliased,
                } => {
                    let expr: std::borrow::Cow<A> = match lateral.is_empty() {
                        true => std::borrow::Cow::Borrowed(*expr),
                        false => {
                            let aliases: Vec<(&str, &A)> =
                                lateral.iter().map(|(n, e)| (*n, e.as_ref())).collect();
                            std::borrow::Cow::Owned(with_aliases(expr, &aliases, &input_schema)?)
                        }
                    };
                    let b = self.bind_expr(&expr, ctx)?;
                    if *aliased {
                        lateral.push((name.as_str(), expr));
                    }
                    let qualifier = match (&b, &agg_ctx) {
                        (Expr::Column(c), None) => input_schema
                            .columns
                            .get(c.index)
                            .and_then(|col| col.qualifier.clone()),
                        _ => None,
                    };
                    columns.push(PlanColumn::new(qualifier, name.clone(), DataType::Null));
                    exprs.push(b);
                }
                Item::Column { index } => {
                    let b = match &agg_ctx {
                        Some(a) => {
                            let pos = a.borrow().key_position(&Expr::col(*index));
                            Expr::col(pos.ok_or_else(|| {
                                Error::plan(format!(
                                    "column '{}' must appear in the GROUP BY clause or be used in an aggregate function",
                                    input_schema.columns[*index].name
                                ))
                            })?)
                        }
                        None => Expr::col(*index),
                    };
                    let c = &input_schema.columns[*index];
                    columns.push(PlanColumn::new(
                        c.qualifier.clone(),
                        c.name.clone(),
                        DataType::Null,
                    ));
                    exprs.push(b);
                }
            }
        }
        let having = match &s.having {
            Some(h) => {
                let h = with_aliases(h, &item_aliases(&items), &input_schema)?;
                let (b, t) = self.bind_typed(&h, Ctx { win: None, ..ctx })?;
                Some(condition(b, t, "HAVING")?)
            }
            None => None,
        };
        // ORDER BY keys: an output column (position, alias or equal expression) or
        // a hidden extra column computed alongside the select list.
        let visible = exprs.len();
        let hidden_allowed = !matches!(s.distinct, Some(ast::Distinct::Distinct));
        let mut keys = Vec::with_capacity(order_by.len());
        for o in order_by {
            let (descending, nulls_first) = sort_options(o)?;
            let index = self.output_or_hidden(&o.expr, ctx, &mut exprs, &mut columns)?;
            if index >= visible && !hidden_allowed {
                return Err(Error::plan(
                    "with SELECT DISTINCT, ORDER BY expressions must appear in the select list",
                ));
            }
            keys.push(SortExpr {
                expr: Expr::col(index),
                descending,
                nulls_first,
            });
        }
        // DISTINCT ON keys, found as ORDER BY keys are.
        let distinct_on = match &s.distinct {
            Some(ast::Distinct::On(on)) => on
                .iter()
                .map(|e| self.output_or_hidden(e, ctx, &mut exprs, &mut columns))
                .collect::<Result<Vec<_>>>()?,
            _ => vec![],
        };

        let qualify = match &s.qualify {
            Some(q) => {
                let q = with_aliases(q, &item_aliases(&items), &input_schema)?;
                let (b, t) = self.bind_typed(&q, ctx)?;
                Some(condition(b, t, "QUALIFY")?)
            }
            None => None,
        };

        // Assemble: Aggregate -> Filter(HAVING) -> Window -> Filter(QUALIFY)
        // -> Project -> Distinct -> Sort -> Project.
        if let Some(a) = agg_ctx {
            let a = a.into_inner();
            let schema = agg_output_schema(&a, &a.input);
            plan = LogicalPlan::Aggregate {
                input: Box::new(plan),
                group: a.group,
                aggs: a.aggs,
                schema,
            };
            if let Some(h) = having {
                plan = LogicalPlan::Filter {
                    input: Box::new(plan),
                    predicate: h,
                };
            }
        }
        let windows = win.into_inner().exprs;
        if !windows.is_empty() {
            let width = plan.schema().len();
            let schema = window_schema(plan.schema(), &windows);
            plan = LogicalPlan::Window {
                input: Box::new(plan),
                exprs: windows,
                schema,
            };
            for e in exprs.iter_mut() {
                *e = point_at_windows(e, width);
            }
            if let Some(q) = qualify {
                plan = LogicalPlan::Filter {
                    input: Box::new(plan),
                    predicate: point_at_windows(&q, width),
                };
            }
        } else if let Some(q) = qualify {
            plan = LogicalPlan::Filter {
                input: Box::new(plan),
                predicate: q,
            };
        }
        for (c, e) in columns.iter_mut().zip(&exprs) {
            c.data_type = e.data_type(plan.schema());
        }
        let projected = PlanSchema::new(columns);
        plan = LogicalPlan::Project {
            input: Box::new(plan),
            exprs,
            schema: projected.clone(),
        };
        match &s.distinct {
            None | Some(ast::Distinct::All) => {}
            Some(ast::Distinct::Distinct) => {
                plan = LogicalPlan::Distinct {
                    input: Box::new(plan),
                }
            }
            // The first row of each ON key in ORDER BY order: ROW_NUMBER() = 1
            // over a window partitioned by the keys (the extra column is
            // dropped below).
            Some(ast::Distinct::On(_)) => {
                let first = crate::plan::WindowExpr {
                    func: crate::plan::WindowFunc::RowNumber,
                    args: vec![],
                    distinct: false,
                    filter: None,
                    ignore_nulls: false,
                    partition_by: distinct_on.iter().map(|&i| Expr::col(i)).collect(),
                    order_by: keys.clone(),
                    frame: crate::plan::WindowFrame::default_for(!keys.is_empty()),
                };
                let width = plan.schema().len();
                let schema = window_schema(plan.schema(), std::slice::from_ref(&first));
                plan = LogicalPlan::Window {
                    input: Box::new(plan),
                    exprs: vec![first],
                    schema,
                };
                plan = LogicalPlan::Filter {
                    input: Box::new(plan),
                    predicate: Expr::col(width).binary(
                        BinaryOp::Eq,
                        Expr::Literal(crate::plan::ScalarValue::int64(1)),
                    ),
                };
            }
        }
        if !keys.is_empty() {
            plan = LogicalPlan::Sort {
                input: Box::new(plan),
                keys,
                fetch: None,
            };
        }
        if projected.len() > visible || !distinct_on.is_empty() {
            let schema = PlanSchema::shared(projected.columns[..visible].to_vec());
            plan = LogicalPlan::Project {
                input: Box::new(plan),
                exprs: (0..visible).map(Expr::col).collect(),
                schema,
            };
        }
        Ok(plan)
    }

    /// Where ORDER BY (or DISTINCT ON) key `e` is among the output columns —
    /// a position, an alias, or an expression equal to a select item's —
    /// else a hidden column computed alongside the select list for it.
    fn output_or_hidden(
        &mut self,
        e: &A,
        ctx: Ctx,
        exprs: &mut Vec<Expr>,
        columns: &mut Vec<PlanColumn>,
    ) -> Result<usize> {
        if let Some(i) = self.output_position(e, columns)? {
            return Ok(i);
        }
        let b = self.bind_expr(e, ctx)?;
        if let Some(i) = exprs.iter().position(|x| *x == b) {
            return Ok(i);
        }
        exprs.push(b);
        columns.push(PlanColumn::new(
            None,
            format!("__key{}", exprs.len()),
            DataType::Null,
        ));
        Ok(exprs.len() - 1)
    }

    /// A GROUP BY key as written: a position or select-list alias means that
    /// select item. `Err(index)` is a column from an expanded `*`.
    fn group_key_ast<'q>(
        &self,
        g: &'q A,
        items: &'q [Item<'q>],
        input: &PlanSchema,
    ) -> Result<std::result::Result<&'q A, usize>> {
        if let Some(pos) = position_literal(g)? {
            return match items.get(pos.wrapping_sub(1)) {
                Some(Item::Ast { expr, .. }) => Ok(Ok(*expr)),
                Some(Item::Column { index }) => Ok(Err(*index)),
                None => Err(Error::plan(format!(
                    "GROUP BY position {pos} is not in the select list (1 to {})",
                    items.len()
                ))),
            };
        }
        if let A::Identifier(id) = g {
            if resolve(input, None, &id.value)?.is_none() {
                for item in items {
                    if let Item::Ast { expr, name, .. } = item {
                        if name.eq_ignore_ascii_case(&id.value) && !contains_aggregate(expr) {
                            return Ok(Ok(*expr));
                        }
                    }
                }
            }
        }
        Ok(Ok(g))
    }

    /// An ORDER BY key that names an output column: a position or an alias.
    fn output_position<C: std::borrow::Borrow<PlanColumn>>(
        &self,
        e: &A,
        columns: &[C],
    ) -> Result<Option<usize>> {
        if let Some(pos) = position_literal(e)? {
            return if pos >= 1 && pos <= columns.len() {
                Ok(Some(pos - 1))
            } else {
                Err(Error::plan(format!(
                    "ORDER BY position {pos} is not in the select list (1 to {})",
                    columns.len()
                )))
            };
        }
        if let A::Identifier(id) = e {
            let found: Vec<usize> = columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.borrow().name.eq_ignore_ascii_case(&id.value))
                .map(|(i, _)| i)
                .collect();
            if found.len() == 1 {
                return Ok(Some(found[0]));
            }
        }
        Ok(None)
    }

    /// ORDER BY over a set operation or VALUES: keys name output columns.
    fn order_output(
        &mut self,
        plan: LogicalPlan,
        order_by: &[ast::OrderByExpr],
    ) -> Result<LogicalPlan> {
        let schema = plan.schema().clone();
        let mut keys = Vec::with_capacity(order_by.len());
        for o in order_by {
            let (descending, nulls_first) = sort_options(o)?;
            let expr = match self.output_position(&o.expr, &schema.columns)? {
                Some(i) => Expr::col(i),
                None => self.bind_expr(&o.expr, Ctx::plain(&schema))?,
            };
            keys.push(SortExpr {
                expr,
                descending,
                nulls_first,
            });
        }
        Ok(LogicalPlan::Sort {
            input: Box::new(plan),
            keys,
            fetch: None,
        })
    }

    fn bind_table_with_joins(&mut self, twj: &ast::TableWithJoins) -> Result<LogicalPlan> {
        let plan = match is_unnest(&twj.relation) {
            // A list of constants, or of the outer query's columns.
            true => {
                let one_row = LogicalPlan::Values {
                    rows: vec![vec![]],
                    schema: PlanSchema::default(),
                };
                self.bind_unnest(one_row, &twj.relation, false)?
            }
            false => self.bind_table_factor(&twj.relation)?,
        };
        self.bind_joins(plan, &twj.joins)
    }

    /// `plan` joined with each of `joins` in turn. An UNNEST reads the
    /// lists of the rows joined so far (it is lateral, as in DuckDB).
    fn bind_joins(&mut self, mut plan: LogicalPlan, joins: &[ast::Join]) -> Result<LogicalPlan> {
        for join in joins {
            if is_unnest(&join.relation) {
                plan = self.bind_unnest_join(plan, join)?;
                continue;
            }
            let right = self.bind_table_factor(&join.relation)?;
            plan = self.bind_join(plan, right, &join.join_operator)?;
        }
        Ok(plan)
    }

    /// `left JOIN UNNEST(list) ...`: CROSS JOIN (or an inner join, whose
    /// condition filters the elements) keeps rows with elements; `LEFT JOIN
    /// ... ON TRUE` keeps the others too, with a NULL element.
    fn bind_unnest_join(&mut self, left: LogicalPlan, join: &ast::Join) -> Result<LogicalPlan> {
        use ast::JoinOperator as J;
        // `ON TRUE`: every element joins its row.
        let always = |c: &ast::JoinConstraint| match c {
            ast::JoinConstraint::On(A::Value(v)) => {
                matches!(v.value, ast::Value::Boolean(true))
            }
            _ => false,
        };
        let (outer, on) =
            match &join.join_operator {
                J::CrossJoin(ast::JoinConstraint::None) => (false, None),
                J::CrossJoin(c) if always(c) => (false, None),
                J::Join(c) | J::Inner(c) if always(c) => (false, None),
                J::Join(ast::JoinConstraint::On(e)) | J::Inner(ast::JoinConstraint::On(e)) => {
                    (false, Some(e))
                }
                J::Left(c) | J::LeftOuter(c) if always(c) => (true, None),
                J::Left(ast::JoinConstraint::None)
                | J::LeftOuter(ast::JoinConstraint::None)
                | J::Join(ast::JoinConstraint::None)
                | J::Inner(ast::JoinConstraint::None) => {
                    return Err(Error::plan(
                        "this JOIN needs ON or USING (or write CROSS JOIN)",
                    ))
                }
                _ => return Err(Error::unsupported(
                    "this join with UNNEST (use CROSS JOIN, JOIN ... ON, or LEFT JOIN ... ON TRUE)",
                )),
            };
        let plan = self.bind_unnest(left, &join.relation, outer)?;
        match on {
            None => Ok(plan),
            Some(c) => {
                let (pred, t) = self.bind_typed(c, Ctx::plain(plan.schema()))?;
                let predicate = condition(pred, t, "a JOIN condition")?;
                Ok(LogicalPlan::Filter {
                    input: Box::new(plan),
                    predicate,
                })
            }
        }
    }

    /// `UNNEST(list) [WITH ORDINALITY] [AS t[(element[, position])]]` over
    /// `left`'s rows. Without column names the element column is named by
    /// the alias (`UNNEST(missions) AS m`: `m`), else `unnest`.
    fn bind_unnest(
        &mut self,
        left: LogicalPlan,
        t: &ast::TableFactor,
        outer: bool,
    ) -> Result<LogicalPlan> {
        let (alias, list, with_ordinality) = unnest_parts(t)?;
        let (list, t) = self.bind_typed(list, Ctx::plain(left.schema()))?;
        unnest_node(left, list, &t, alias, with_ordinality, outer, "unnest")
    }

    /// `GENERATE_SERIES(...)` or `RANGE(...)` in FROM: the series' list,
    /// unnested (one row per value, in a column named as the function).
    fn bind_series(
        &mut self,
        func: ScalarFunc,
        args: &[ast::FunctionArg],
        alias: Option<&ast::TableAlias>,
        with_ordinality: bool,
    ) -> Result<LogicalPlan> {
        let args = args
            .iter()
            .map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Ok(e.clone()),
                other => Err(Error::unsupported(format!(
                    "the argument '{other}' of {}()",
                    func.name()
                ))),
            })
            .collect::<Result<Vec<A>>>()?;
        let empty = PlanSchema::default();
        let list = self.bind_scalar_call(func, &args, Ctx::plain(&empty))?;
        let t = list.data_type(&empty);
        let one_row = LogicalPlan::Values {
            rows: vec![vec![]],
            schema: PlanSchema::default(),
        };
        let name = func.name().to_lowercase();
        unnest_node(one_row, list, &t, alias, with_ordinality, false, &name)
    }
}

/// An UNNEST node of `list` (of type `t`) over `left`, its columns named by
/// `alias` (the alias alone names the element), else `default`.
fn unnest_node(
    left: LogicalPlan,
    list: Expr,
    t: &DataType,
    alias: Option<&ast::TableAlias>,
    with_ordinality: bool,
    outer: bool,
    default: &str,
) -> Result<LogicalPlan> {
    let element = match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            f.data_type().clone()
        }
        DataType::Null => DataType::Null,
        other => {
            return Err(Error::type_error(format!(
                "UNNEST needs a list, got {}",
                crate::types::type_name(other)
            )))
        }
    };
    let qualifier = alias.map(|a| a.name.value.clone());
    let names: Vec<String> = alias
        .map(|a| a.columns.iter().map(|c| c.name.value.clone()).collect())
        .unwrap_or_default();
    let max = if with_ordinality { 2 } else { 1 };
    if names.len() > max {
        return Err(Error::plan(format!(
            "UNNEST gives {max} column{}, the alias names {}",
            if max == 1 { "" } else { "s" },
            names.len()
        )));
    }
    let name = names
        .first()
        .cloned()
        .or_else(|| qualifier.clone())
        .unwrap_or_else(|| default.to_string());
    let mut columns = left.schema().columns.clone();
    columns.push(Arc::new(PlanColumn::new(qualifier.clone(), name, element)));
    if with_ordinality {
        let name = names
            .get(1)
            .cloned()
            .unwrap_or_else(|| "ordinality".to_string());
        columns.push(Arc::new(PlanColumn::new(qualifier, name, DataType::Int64)));
    }
    Ok(LogicalPlan::Unnest {
        input: Box::new(left),
        list,
        outer,
        ordinality: with_ordinality,
        schema: PlanSchema::shared(columns),
    })
}

impl Binder<'_> {
    pub(super) fn bind_table_factor(&mut self, t: &ast::TableFactor) -> Result<LogicalPlan> {
        crate::stack::check()?;
        match t {
            ast::TableFactor::Table {
                name,
                alias,
                args,
                version,
                with_ordinality,
                ..
            } => {
                if let Some(args) = args {
                    let full = super::object_name(name).to_lowercase();
                    if let Some(f @ ScalarFunc::Series { .. }) = ScalarFunc::from_name(&full) {
                        return self.bind_series(f, &args.args, alias.as_ref(), *with_ordinality);
                    }
                    if let Some(format) = crate::functions::registry::reader(&full) {
                        let (path, table) = self.read_files(&full, &args.args, format)?;
                        let qualifier = alias.as_ref().map_or(full, |a| a.name.value.clone());
                        let columns = alias.as_ref().map(|a| a.columns.as_slice()).unwrap_or(&[]);
                        return scan_plan(path, table, &qualifier, columns);
                    }
                }
                if args.is_some() {
                    return Err(Error::unsupported(format!("table function {name}()")));
                }
                if version.is_some() {
                    return Err(Error::unsupported("time travel (FOR ...)"));
                }
                let full = super::object_name(name);
                let qualifier = alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| full.clone());
                let columns = alias.as_ref().map(|a| a.columns.as_slice()).unwrap_or(&[]);
                let lower = full.to_lowercase();
                if let Some((cte, defined_at)) = self.ctes.iter().rev().find_map(|f| f.get(&lower))
                {
                    // Its outer columns are numbered from where it was
                    // defined: from a deeper subquery they would name the
                    // wrong query.
                    if *defined_at != self.outer.len() && cte.plan.outer_reach() > 0 {
                        return Err(Error::unsupported(format!(
                            "'{full}' reads a column of an enclosing query and is used \
                             inside a subquery of the query that defines it; define it \
                             in that subquery instead"
                        )));
                    }
                    return rename(
                        LogicalPlan::Shared(Arc::clone(cte)),
                        Some(&qualifier),
                        columns,
                    );
                }
                if let Some(view) = self.catalog.view(&full) {
                    let plan = self.bind_view(&full, &view)?;
                    return rename(plan, Some(&qualifier), columns);
                }
                let table = self
                    .resolve_table(&full)
                    .map_err(|e| e.at(super::expr::location(name.span())))?;
                scan_plan(full, table, &qualifier, columns)
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if *lateral {
                    return Err(Error::unsupported("LATERAL subqueries"));
                }
                // A subquery in FROM does not see the columns of the query it is in.
                let outer = std::mem::take(&mut self.outer);
                let correlated = std::mem::take(&mut self.correlated);
                let plan = self.bind_query(subquery);
                self.outer = outer;
                self.correlated = correlated;
                let plan = plan?;
                match alias {
                    Some(a) => rename(plan, Some(&a.name.value), &a.columns),
                    None => rename(plan, None, &[]),
                }
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let plan = self.bind_table_with_joins(table_with_joins)?;
                match alias {
                    Some(a) => rename(plan, Some(&a.name.value), &a.columns),
                    None => Ok(plan),
                }
            }
            other => Err(Error::unsupported(format!("'{other}' in FROM"))),
        }
    }

    /// A view's query, bound in a scope of its own: it sees no CTE and no
    /// column of the query that uses it.
    pub(super) fn bind_view(
        &mut self,
        name: &str,
        view: &crate::catalog::View,
    ) -> Result<LogicalPlan> {
        let lower = name.to_lowercase();
        if self.views.contains(&lower) {
            return Err(Error::plan(format!("view '{name}' refers to itself")));
        }
        let outer = std::mem::take(&mut self.outer);
        let correlated = std::mem::take(&mut self.correlated);
        let ctes = std::mem::take(&mut self.ctes);
        self.views.push(lower);
        let plan = self.bind_query(&view.query);
        self.views.pop();
        self.outer = outer;
        self.correlated = correlated;
        self.ctes = ctes;
        let plan = plan?;
        if view.columns.is_empty() {
            return Ok(plan);
        }
        let names: Vec<ast::TableAliasColumnDef> = view
            .columns
            .iter()
            .map(|c| ast::TableAliasColumnDef::from_name(c.as_str()))
            .collect();
        rename(plan, Some(name), &names)
    }

    /// `SELECT ..., UNNEST(list) ...`: one row per element of each row's
    /// list (none for a NULL or empty list), as a lateral Unnest below the
    /// select list; the item then reads the element. Returns the plan and,
    /// when there is such an item, the select list reading the element and
    /// the FROM clause's columns (what `*` expands to).
    #[allow(clippy::type_complexity)]
    fn select_unnest(
        &mut self,
        projection: &[ast::SelectItem],
        plan: LogicalPlan,
    ) -> Result<(LogicalPlan, Option<(Vec<ast::SelectItem>, PlanSchema)>)> {
        let is_unnest = |e: &A| {
            matches!(e, A::Function(f) if f.over.is_none()
                && super::aggregates::function_name(f) == "unnest")
        };
        let at: Vec<usize> = projection
            .iter()
            .enumerate()
            .filter(|(_, item)| match item {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => is_unnest(e),
                _ => false,
            })
            .map(|(i, _)| i)
            .collect();
        let i = match at.as_slice() {
            [] => return Ok((plan, None)),
            [i] => *i,
            _ => {
                return Err(Error::unsupported(
                    "more than one UNNEST in a select list (unnest in FROM, one join each)",
                ))
            }
        };
        let (call, alias) = match &projection[i] {
            ast::SelectItem::UnnamedExpr(e) => (e, None),
            ast::SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.clone())),
            _ => return Ok((plan, None)),
        };
        let A::Function(f) = call else {
            return Ok((plan, None));
        };
        let (args, distinct, star) = self.function_args(f)?;
        let [list] = args.as_slice() else {
            return Err(Error::plan("UNNEST takes one list"));
        };
        if distinct || star || contains_aggregate(list) {
            return Err(Error::unsupported(
                "UNNEST of DISTINCT, * or an aggregate in a select list",
            ));
        }
        let (bound, t) = self.bind_typed(list, Ctx::plain(plan.schema()))?;
        let from = plan.schema().clone();
        const ELEMENT: &str = "__unnest";
        let plan = unnest_node(plan, bound, &t, None, false, false, ELEMENT)?;
        // The item reads the element, under the name it had.
        let mut items = projection.to_vec();
        items[i] = ast::SelectItem::ExprWithAlias {
            expr: A::Identifier(ast::Ident::new(ELEMENT)),
            alias: alias.unwrap_or_else(|| ast::Ident::new(output_name(call))),
        };
        Ok((plan, Some((items, from))))
    }

    /// `read_csv('path')` and the like: the files at the path (a glob or
    /// folder too), read in the function's format whatever their names say.
    fn read_files(
        &self,
        function: &str,
        args: &[ast::FunctionArg],
        format: crate::io::FileFormat,
    ) -> Result<(String, Arc<dyn crate::catalog::TableProvider>)> {
        let (path, options) = match args {
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)), options @ ..] => {
                (super::expr::constant_text(e), options)
            }
            _ => (None, args),
        };
        let options = super::file_options::file_options(function, format, options)?;
        let path = path.ok_or_else(|| {
            Error::plan(format!(
                "{function}() takes a file path (or glob) in quotes"
            ))
        })?;
        use crate::catalog::access;
        access::check_location(self.settings, &path)?;
        let mut table = self.catalog.open_files_as(&path, Some(options.format))?;
        if options.filename {
            table = table.with_filename()?;
        }
        access::check_files(self.settings, &path, &table)?;
        Ok((path, Arc::new(table)))
    }

    /// A table by name: registered or provided, else files when the name
    /// looks like a path (`'data/*.parquet'`).
    pub(super) fn resolve_table(
        &self,
        name: &str,
    ) -> Result<Arc<dyn crate::catalog::TableProvider>> {
        match self.catalog.lookup(name)? {
            Some(t) => Ok(t),
            None if crate::catalog::looks_like_path(name) => {
                use crate::catalog::access;
                access::check_location(self.settings, name)?;
                let table = self.catalog.open_files(name)?;
                access::check_files(self.settings, name, &table)?;
                Ok(Arc::new(table))
            }
            None => self.catalog.resolve(name),
        }
    }

    fn bind_join(
        &mut self,
        left: LogicalPlan,
        right: LogicalPlan,
        op: &ast::JoinOperator,
    ) -> Result<LogicalPlan> {
        use ast::JoinOperator as J;
        let (kind, constraint) = match op {
            J::Join(c) | J::Inner(c) => (JoinKind::Inner, Some(c)),
            // DuckDB's SEMI and ANTI joins; as there, no RIGHT SEMI or RIGHT ANTI.
            J::Semi(c) | J::LeftSemi(c) => (JoinKind::Semi, Some(c)),
            J::Anti(c) | J::LeftAnti(c) => (JoinKind::Anti, Some(c)),
            J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, Some(c)),
            J::Right(c) | J::RightOuter(c) => (JoinKind::Right, Some(c)),
            J::FullOuter(c) => (JoinKind::Full, Some(c)),
            J::CrossJoin(c) => (JoinKind::Cross, Some(c)),
            other => {
                return Err(Error::unsupported(
                    format!("join '{other:?}'")
                        .split('(')
                        .next()
                        .unwrap_or("this join")
                        .to_string(),
                ))
            }
        };
        if kind != JoinKind::Cross && matches!(constraint, Some(ast::JoinConstraint::None) | None) {
            return Err(Error::plan(
                "this JOIN needs ON or USING (or write CROSS JOIN)",
            ));
        }
        let nl = left.schema().len();
        let mut schema = left.schema().join(right.schema());
        let mut on = Vec::new();
        let mut filter = None;
        let using_names: Vec<String> = match constraint {
            Some(ast::JoinConstraint::Using(names)) => names
                .iter()
                .map(|n| {
                    n.0.last()
                        .and_then(|p| p.as_ident())
                        .map(|i| i.value.clone())
                        .unwrap_or_default()
                })
                .collect(),
            Some(ast::JoinConstraint::Natural) => left
                .schema()
                .columns
                .iter()
                .filter(|c| {
                    !c.hidden
                        && right
                            .schema()
                            .columns
                            .iter()
                            .any(|r| !r.hidden && r.name.eq_ignore_ascii_case(&c.name))
                })
                .map(|c| c.name.clone())
                .collect(),
            _ => vec![],
        };
        for name in &using_names {
            let li = resolve(left.schema(), None, name)?.ok_or_else(|| {
                Error::unknown_column(name, super::scope::candidates(left.schema()))
            })?;
            let ri = resolve(right.schema(), None, name)?.ok_or_else(|| {
                Error::unknown_column(name, super::scope::candidates(right.schema()))
            })?;
            let lt = left.schema().columns[li].data_type.clone();
            let rt = right.schema().columns[ri].data_type.clone();
            let key = compare(Expr::col(li), &lt, BinaryOp::Eq, Expr::col(ri), &rt)?;
            if let Expr::Binary {
                left: l, right: r, ..
            } = key
            {
                on.push((*l, *r));
            }
            Arc::make_mut(&mut schema.columns[nl + ri]).hidden = true;
        }
        match constraint {
            Some(ast::JoinConstraint::On(e)) => {
                let (b, t) = self.bind_typed(e, Ctx::plain(&schema))?;
                if t != DataType::Boolean {
                    return Err(Error::type_error(format!(
                        "the JOIN condition must be boolean, got {t}"
                    )));
                }
                let (keys, rest) = split_equi_keys(b, nl);
                on = keys;
                filter = Expr::conjunction(rest);
            }
            Some(ast::JoinConstraint::None)
            | Some(ast::JoinConstraint::Using(_))
            | Some(ast::JoinConstraint::Natural)
            | None => {}
            Some(other) => return Err(Error::unsupported(format!("join constraint {other:?}"))),
        }
        let kind = if kind == JoinKind::Inner
            && on.is_empty()
            && filter.is_none()
            && using_names.is_empty()
        {
            JoinKind::Cross
        } else {
            kind
        };
        let kind = if kind == JoinKind::Cross && (!on.is_empty() || filter.is_some()) {
            JoinKind::Inner
        } else {
            kind
        };
        if kind.left_only() {
            // A semi or anti join outputs its left side's columns only.
            schema = left.schema().clone();
        }
        Ok(LogicalPlan::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            on,
            filter,
            schema,
        })
    }
}

/// A bound WHERE, HAVING, QUALIFY or join condition, as a boolean (see
/// [`super::expr::boolean`]).
pub(super) fn condition(e: Expr, t: DataType, clause: &str) -> Result<Expr> {
    super::expr::boolean(e, &t, &format!("{clause} condition"))
}

/// Whether a FROM item is `UNNEST(...)` (a table function to tern's
/// dialect, an UNNEST item to others).
fn is_unnest(t: &ast::TableFactor) -> bool {
    match t {
        ast::TableFactor::UNNEST { .. } => true,
        ast::TableFactor::Table {
            name,
            args: Some(_),
            ..
        } => name.0.len() == 1 && super::object_name(name).eq_ignore_ascii_case("unnest"),
        _ => false,
    }
}

/// An UNNEST item's alias, its one list, and whether it asks WITH ORDINALITY.
fn unnest_parts(t: &ast::TableFactor) -> Result<(Option<&ast::TableAlias>, &A, bool)> {
    let several = || Error::unsupported("UNNEST of several lists at once");
    match t {
        ast::TableFactor::UNNEST {
            alias,
            array_exprs,
            with_offset,
            with_ordinality,
            ..
        } => {
            if *with_offset {
                return Err(Error::unsupported(
                    "UNNEST ... WITH OFFSET (use WITH ORDINALITY)",
                ));
            }
            let [list] = array_exprs.as_slice() else {
                return Err(several());
            };
            Ok((alias.as_ref(), list, *with_ordinality))
        }
        ast::TableFactor::Table {
            alias,
            args: Some(args),
            with_ordinality,
            ..
        } => match args.args.as_slice() {
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(list))] => {
                Ok((alias.as_ref(), list, *with_ordinality))
            }
            _ => Err(several()),
        },
        _ => Err(Error::plan("internal: UNNEST expected")),
    }
}

/// Splits a join condition over `left ++ right` columns into equi-join key pairs
/// (left expression, right expression re-based to the right input) and the rest.
fn split_equi_keys(cond: Expr, nl: usize) -> (Vec<(Expr, Expr)>, Vec<Expr>) {
    let mut keys = Vec::new();
    let mut rest = Vec::new();
    for c in cond.split_conjunction() {
        if let Expr::Binary {
            op: BinaryOp::Eq,
            left,
            right,
        } = &c
        {
            let side = |e: &Expr| -> Option<bool> {
                let cols = e.column_positions();
                if cols.is_empty() || has_subquery_or_outer(e) {
                    None
                } else if cols.iter().all(|&i| i < nl) {
                    Some(true)
                } else if cols.iter().all(|&i| i >= nl) {
                    Some(false)
                } else {
                    None
                }
            };
            match (side(left), side(right)) {
                (Some(true), Some(false)) => {
                    keys.push((left.as_ref().clone(), shift(right, nl)));
                    continue;
                }
                (Some(false), Some(true)) => {
                    keys.push((right.as_ref().clone(), shift(left, nl)));
                    continue;
                }
                _ => {}
            }
        }
        rest.push(c);
    }
    (keys, rest)
}

/// Whether `e` holds a subquery or reads an enclosing query's column: such an
/// expression cannot become a join key.
fn has_subquery_or_outer(e: &Expr) -> bool {
    let mut outer = false;
    e.visit(&mut |x| outer |= matches!(x, Expr::OuterColumn { .. }));
    outer || e.contains_subquery()
}

/// Re-bases column references by `-by` (right-side expressions of a join).
fn shift(e: &Expr, by: usize) -> Expr {
    e.transform(&mut |x| match x {
        Expr::Column(c) => Some(Expr::col(c.index - by)),
        _ => None,
    })
}

pub(super) fn sort_options(o: &ast::OrderByExpr) -> Result<(bool, bool)> {
    let descending = match &o.options.sort {
        None | Some(ast::OrderBySort::Asc) => false,
        Some(ast::OrderBySort::Desc) => true,
        Some(other) => return Err(Error::unsupported(format!("ORDER BY {other:?}"))),
    };
    // NULLs sort as the largest value by default (PostgreSQL, DuckDB: NULLS LAST for ASC).
    let nulls_first = o.options.nulls_first.unwrap_or(descending);
    Ok((descending, nulls_first))
}

/// A bare integer literal in GROUP BY or ORDER BY is a 1-based position.
fn position_literal(e: &A) -> Result<Option<usize>> {
    if let A::Value(v) = e {
        if let ast::Value::Number(n, _) = &v.value {
            return n
                .parse::<usize>()
                .map(Some)
                .map_err(|_| Error::plan(format!("'{n}' is not a valid position")));
        }
    }
    Ok(None)
}

/// HAVING and QUALIFY may name a select-list alias where no column of the FROM clause
/// has that name (`SELECT k, COUNT(*) AS n ... HAVING n > 1`, as in DuckDB):
/// the alias stands for its expression. Names inside a subquery of HAVING
/// are the subquery's, and those inside an aggregate's arguments are the
/// FROM clause's (`HAVING COUNT(n) > 1` with `name AS n` is an error, as in
/// DuckDB): both are left alone.
/// The select items' output names and expressions.
fn item_aliases<'a>(items: &'a [Item<'_>]) -> Vec<(&'a str, &'a A)> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Ast { expr, name, .. } => Some((name.as_str(), *expr)),
            Item::Column { .. } => None,
        })
        .collect()
}

fn with_aliases(having: &A, aliases: &[(&str, &A)], input: &PlanSchema) -> Result<A> {
    use sqlparser::ast::{Query, VisitMut, VisitorMut};
    use std::ops::ControlFlow;

    struct Aliases<'a> {
        aliases: &'a [(&'a str, &'a A)],
        input: &'a PlanSchema,
        subquery_depth: usize,
        aggregate_depth: usize,
        error: Option<Error>,
    }
    impl VisitorMut for Aliases<'_> {
        type Break = ();

        fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.subquery_depth += 1;
            ControlFlow::Continue(())
        }

        fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
            self.subquery_depth -= 1;
            ControlFlow::Continue(())
        }

        fn pre_visit_expr(&mut self, e: &mut A) -> ControlFlow<()> {
            if matches!(e, A::Function(f) if is_aggregate_call(f)) {
                self.aggregate_depth += 1;
            }
            ControlFlow::Continue(())
        }

        fn post_visit_expr(&mut self, e: &mut A) -> ControlFlow<()> {
            if matches!(e, A::Function(f) if is_aggregate_call(f)) {
                self.aggregate_depth -= 1;
            }
            let A::Identifier(id) = e else {
                return ControlFlow::Continue(());
            };
            if self.subquery_depth > 0 || self.aggregate_depth > 0 {
                return ControlFlow::Continue(());
            }
            match resolve(self.input, None, &id.value) {
                Ok(Some(_)) => return ControlFlow::Continue(()),
                Ok(None) => {}
                Err(err) => {
                    self.error = Some(err);
                    return ControlFlow::Break(());
                }
            }
            let aliased = self
                .aliases
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&id.value))
                .map(|&(_, expr)| expr);
            if let Some(expr) = aliased {
                *e = A::Nested(Box::new(expr.clone()));
            }
            ControlFlow::Continue(())
        }
    }

    let mut h = having.clone();
    let mut v = Aliases {
        aliases,
        input,
        subquery_depth: 0,
        aggregate_depth: 0,
        error: None,
    };
    let _ = h.visit(&mut v);
    match v.error {
        Some(e) => Err(e),
        None => Ok(h),
    }
}

/// Two relations of one FROM clause may not have the same name: a column
/// qualified with it, or one both have, could mean either (DuckDB's rule:
/// `FROM t JOIN t USING (id)` is an error; `FROM t JOIN t AS u` is not).
fn check_relation_names(from: &[ast::TableWithJoins]) -> Result<()> {
    // One table (the common case, and every tiny query's): nothing to compare.
    let single = |t: &ast::TableWithJoins| {
        t.joins.is_empty() && !matches!(t.relation, ast::TableFactor::NestedJoin { .. })
    };
    if from.len() <= 1 && from.iter().all(single) {
        return Ok(());
    }
    fn collect(t: &ast::TableFactor, out: &mut Vec<String>) {
        match t {
            ast::TableFactor::Table { name, alias, .. } => out.push(match alias {
                Some(a) => a.name.value.clone(),
                None => super::object_name(name),
            }),
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => {
                collect(&table_with_joins.relation, out);
                for j in &table_with_joins.joins {
                    collect(&j.relation, out);
                }
            }
            other => {
                let alias = match other {
                    ast::TableFactor::Derived { alias, .. }
                    | ast::TableFactor::NestedJoin { alias, .. }
                    | ast::TableFactor::TableFunction { alias, .. }
                    | ast::TableFactor::UNNEST { alias, .. } => alias.as_ref(),
                    _ => None,
                };
                if let Some(a) = alias {
                    out.push(a.name.value.clone());
                }
            }
        }
    }
    let mut names = Vec::new();
    for twj in from {
        collect(&twj.relation, &mut names);
        for j in &twj.joins {
            collect(&j.relation, &mut names);
        }
    }
    for (i, n) in names.iter().enumerate() {
        if names[..i].iter().any(|m| m.eq_ignore_ascii_case(n)) {
            return Err(Error::plan(format!(
                "the name '{n}' is given to two tables in this FROM clause; \
                 give one of them another name with AS"
            )));
        }
    }
    Ok(())
}

fn expand_items<'q>(
    projection: &'q [ast::SelectItem],
    input: &PlanSchema,
) -> Result<Vec<Item<'q>>> {
    let mut items = Vec::new();
    for p in projection {
        match p {
            ast::SelectItem::UnnamedExpr(e) => items.push(Item::Ast {
                expr: e,
                name: output_name(e),
                aliased: false,
            }),
            ast::SelectItem::ExprWithAlias { expr, alias } => items.push(Item::Ast {
                expr,
                name: alias.value.clone(),
                aliased: true,
            }),
            ast::SelectItem::Wildcard(opts) => {
                let excluded = excluded_names(opts);
                check_excluded(&excluded, input.columns.iter().map(|c| c.as_ref()))?;
                for (i, c) in input.columns.iter().enumerate() {
                    if !c.hidden && !excluded.iter().any(|x| x.eq_ignore_ascii_case(&c.name)) {
                        items.push(Item::Column { index: i });
                    }
                }
            }
            ast::SelectItem::QualifiedWildcard(kind, opts) => {
                let q = match kind {
                    ast::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                        n.0.iter()
                            .map(|p| p.as_ident().map(|i| i.value.clone()).unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(".")
                    }
                    ast::SelectItemQualifiedWildcardKind::Expr(e) => {
                        return Err(Error::unsupported(format!("'{e}.*'")))
                    }
                };
                let excluded = excluded_names(opts);
                check_excluded(
                    &excluded,
                    input.columns.iter().map(|c| c.as_ref()).filter(|c| {
                        c.qualifier
                            .as_deref()
                            .is_some_and(|cq| cq.eq_ignore_ascii_case(&q))
                    }),
                )?;
                let before = items.len();
                for (i, c) in input.columns.iter().enumerate() {
                    if c.qualifier
                        .as_deref()
                        .is_some_and(|cq| cq.eq_ignore_ascii_case(&q))
                        && !excluded.iter().any(|x| x.eq_ignore_ascii_case(&c.name))
                    {
                        items.push(Item::Column { index: i });
                    }
                }
                if items.len() == before && !super::scope::has_qualifier(input, &q) {
                    return Err(Error::unknown_table(
                        &q,
                        input.columns.iter().filter_map(|c| c.qualifier.clone()),
                    ));
                }
            }
            other => return Err(Error::unsupported(format!("select item '{other}'"))),
        }
    }
    Ok(items)
}

/// Every name of a `* EXCEPT (...)` / `* EXCLUDE (...)` list must be a column
/// the star covers: a misspelt name would otherwise keep the column it meant.
fn check_excluded<'c>(
    excluded: &[String],
    covered: impl Iterator<Item = &'c PlanColumn> + Clone,
) -> Result<()> {
    for name in excluded {
        let known = covered
            .clone()
            .any(|c| !c.hidden && c.name.eq_ignore_ascii_case(name));
        if !known {
            return Err(Error::unknown_column(
                name,
                covered
                    .clone()
                    .filter(|c| !c.hidden)
                    .map(|c| c.name.clone()),
            ));
        }
    }
    Ok(())
}

fn excluded_names(opts: &ast::WildcardAdditionalOptions) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ex) = &opts.opt_exclude {
        match ex {
            ast::ExcludeSelectItem::Single(i) => {
                out.push(i.to_string().trim_matches('"').to_string())
            }
            ast::ExcludeSelectItem::Multiple(v) => out.extend(
                v.iter()
                    .map(|i| i.to_string().trim_matches('"').to_string()),
            ),
        }
    }
    if let Some(ex) = &opts.opt_except {
        out.push(ex.first_element.value.clone());
        out.extend(ex.additional_elements.iter().map(|i| i.value.clone()));
    }
    out
}

/// The name of an unaliased select item: a column's own name, otherwise the
/// expression as written.
fn output_name(e: &A) -> String {
    match e {
        A::Identifier(id) => id.value.clone(),
        A::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()).unwrap_or_default(),
        A::Nested(inner) => output_name(inner),
        // Printing recurses per level: a tree too deep to bind gets a plain name
        // (binding it then fails with a clear error).
        other if super::aggregates::deeper_than(other, super::MAX_EXPR_DEPTH) => "expr".to_string(),
        other => super::window::show_exclusions(other.to_string()),
    }
}

/// Placeholder output schema for binding an aggregating select list: group
/// keys then aggregates, types unknown until all aggregates are found.
fn agg_placeholder_schema(a: &AggCtx) -> PlanSchema {
    let mut schema = agg_output_schema(a, &a.input);
    // Room for aggregates not yet found: correlated subqueries see only keys.
    schema.columns.truncate(a.group.len());
    schema
}

pub(super) fn agg_output_schema(a: &AggCtx, input: &PlanSchema) -> PlanSchema {
    let mut columns: Vec<Arc<PlanColumn>> = a
        .group
        .iter()
        .map(|g| match g {
            Expr::Column(c) => input.columns[c.index].clone(),
            other => Arc::new(PlanColumn::new(
                None,
                other.to_string(),
                other.data_type(input),
            )),
        })
        .collect();
    for (i, agg) in a.aggs.iter().enumerate() {
        columns.push(Arc::new(PlanColumn::new(
            None,
            format!("__agg{i}"),
            agg.data_type(input),
        )));
    }
    PlanSchema::shared(columns)
}

/// A scan of `table` named `name`, its columns qualified by `qualifier`
/// (and renamed to `columns` when given).
fn scan_plan(
    name: String,
    table: Arc<dyn crate::catalog::TableProvider>,
    qualifier: &str,
    columns: &[ast::TableAliasColumnDef],
) -> Result<LogicalPlan> {
    let aliases = table.column_aliases();
    let schema = PlanSchema::new(
        table
            .schema()
            .fields()
            .iter()
            .map(|f| {
                let mut c = PlanColumn::new(
                    Some(qualifier.to_string()),
                    f.name().clone(),
                    f.data_type().clone(),
                );
                c.aka = aliases
                    .iter()
                    .find(|(_, real)| real == f.name())
                    .map(|(a, _)| a.to_string());
                c
            })
            .collect(),
    );
    let scan = LogicalPlan::Scan {
        name,
        table,
        projection: None,
        schema,
    };
    match columns.is_empty() {
        true => Ok(scan),
        false => rename(scan, Some(qualifier), columns),
    }
}

/// Gives a plan's columns a new qualifier and, optionally, new names.
fn rename(
    plan: LogicalPlan,
    qualifier: Option<&str>,
    names: &[ast::TableAliasColumnDef],
) -> Result<LogicalPlan> {
    let mut schema = plan.schema().requalify(qualifier);
    if names.len() > schema.len() {
        return Err(Error::plan(format!(
            "{} column names given for {} columns",
            names.len(),
            schema.len()
        )));
    }
    for (c, n) in schema.columns.iter_mut().zip(names) {
        let c = Arc::make_mut(c);
        c.name = n.name.value.clone();
        c.aka = None;
    }
    Ok(LogicalPlan::Rename {
        input: Box::new(plan),
        schema,
    })
}

/// UNION / INTERSECT / EXCEPT, casting both sides to common column types.
fn set_operation(l: LogicalPlan, r: LogicalPlan, op: SetOpKind, all: bool) -> Result<LogicalPlan> {
    let (ls, rs) = (l.schema().clone(), r.schema().clone());
    if ls.len() != rs.len() {
        let name = match op {
            SetOpKind::Union => "UNION",
            SetOpKind::Intersect => "INTERSECT",
            SetOpKind::Except => "EXCEPT",
        };
        return Err(Error::plan(format!(
            "each side of {name} must have the same number of columns ({} and {})",
            ls.len(),
            rs.len()
        )));
    }
    let types = ls
        .columns
        .iter()
        .zip(&rs.columns)
        .map(|(a, b)| {
            common_type(&a.data_type, &b.data_type).ok_or_else(|| {
                Error::type_error(format!(
                    "{op:?} column '{}' mixes {} and {}",
                    a.name, a.data_type, b.data_type
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let coerce = |plan: LogicalPlan, s: &PlanSchema| -> Result<LogicalPlan> {
        if s.columns.iter().zip(&types).all(|(c, t)| c.data_type == *t) {
            return Ok(plan);
        }
        let exprs = s
            .columns
            .iter()
            .zip(&types)
            .enumerate()
            .map(|(i, (c, t))| cast(Expr::col(i), &c.data_type, t))
            .collect::<Result<Vec<_>>>()?;
        let schema = PlanSchema::new(
            s.columns
                .iter()
                .zip(&types)
                .map(|(c, t)| PlanColumn::new(None, c.name.clone(), t.clone()))
                .collect(),
        );
        Ok(LogicalPlan::Project {
            input: Box::new(plan),
            exprs,
            schema,
        })
    };
    let schema = PlanSchema::new(
        ls.columns
            .iter()
            .zip(&types)
            .map(|(c, t)| PlanColumn::new(None, c.name.clone(), t.clone()))
            .collect(),
    );
    Ok(LogicalPlan::SetOp {
        left: Box::new(coerce(l, &ls)?),
        right: Box::new(coerce(r, &rs)?),
        op,
        all,
        schema,
    })
}
