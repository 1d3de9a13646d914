//! Binding expressions: SQL syntax to [`Expr`] over an input's columns, with
//! the casts that make operand types agree.

use std::cell::RefCell;
use std::sync::Arc;

use arrow_schema::DataType;
use sqlparser::ast::{self, Expr as A, Spanned, Value};

use super::aggregates::{contains_aggregate, function_name, is_aggregate_call};
use super::scope::{candidates, resolve};
use super::Binder;
use crate::error::{Error, Result};
use crate::functions::{ListFn, ScalarFunc};
use crate::plan::{AggFunc, AggregateExpr, BinaryOp, Expr, PlanSchema, ScalarValue, Subquery};
use crate::types::{arithmetic, common_type, comparison_type, is_numeric, is_string, sql_to_arrow};

/// What an aggregating SELECT binds against: the grouped input, the group keys
/// and the aggregates found so far. Output columns are the keys, then the aggregates.
pub(super) struct AggCtx {
    pub input: PlanSchema,
    pub group: Vec<Expr>,
    pub aggs: Vec<AggregateExpr>,
    /// With grouping sets, the keys as bound over the input (`group` then
    /// reads the Expand's copies of them, and last the set's number).
    pub keys: Vec<Expr>,
    /// With grouping sets, the keys (positions in `keys`) of each set.
    pub sets: Option<Vec<Vec<usize>>>,
}

impl AggCtx {
    /// The output position of the group key `e` (an expression over the
    /// input) is, if it is one.
    pub fn key_position(&self, e: &Expr) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k == e)
            .or_else(|| self.group.iter().position(|g| g == e))
    }
}

/// Where an expression is bound.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'s> {
    /// The columns the expression reads (for an aggregating SELECT, the
    /// aggregate's output).
    pub schema: &'s PlanSchema,
    /// Set in an aggregating SELECT's select list, HAVING and ORDER BY.
    pub agg: Option<&'s RefCell<AggCtx>>,
    /// Set where window calls may be (a SELECT's select list, QUALIFY and
    /// ORDER BY): they are collected here.
    pub win: Option<&'s RefCell<super::window::WinCtx>>,
}

impl<'s> Ctx<'s> {
    pub fn plain(schema: &'s PlanSchema) -> Self {
        Ctx {
            schema,
            agg: None,
            win: None,
        }
    }
}

impl Binder<'_> {
    /// Binds `e` and returns it with its type.
    pub(super) fn bind_typed(&mut self, e: &A, ctx: Ctx) -> Result<(Expr, DataType)> {
        let b = self.bind_expr(e, ctx)?;
        // The aggregate's output grows as aggregate calls are found: type
        // against what it holds now.
        let grouped = ctx.agg.map(|a| {
            let a = a.borrow();
            super::query::agg_output_schema(&a, &a.input)
        });
        let schema = grouped.as_ref().unwrap_or(ctx.schema);
        let t = match ctx.win {
            // Window calls are typed as the columns the window node will add.
            Some(w) if !w.borrow().exprs.is_empty() && super::window::has_window(&b) => {
                let w = w.borrow();
                let typed = super::window::window_schema(schema, &w.exprs);
                super::window::point_at_windows(&b, schema.len()).data_type(&typed)
            }
            _ => b.data_type(schema),
        };
        Ok((b, t))
    }

    pub(super) fn bind_expr(&mut self, e: &A, ctx: Ctx) -> Result<Expr> {
        crate::stack::check()?;
        if self.depth >= super::MAX_EXPR_DEPTH {
            return Err(Error::plan(format!(
                "the expression nests more than {} levels deep",
                super::MAX_EXPR_DEPTH
            )));
        }
        self.depth += 1;
        let result = self.bind_expr_inner(e, ctx);
        self.depth -= 1;
        result.map_err(|err| {
            // Computing a span walks the whole subtree: only when it is needed
            // and the tree is shallow enough to walk.
            if err.wants_location() && !super::aggregates::deeper_than(e, super::MAX_EXPR_DEPTH) {
                err.at(location(e.span()))
            } else {
                err
            }
        })
    }

    fn bind_expr_inner(&mut self, e: &A, ctx: Ctx) -> Result<Expr> {
        if let Some(agg) = ctx.agg {
            if let Some(bound) = self.bind_grouped(e, agg)? {
                return Ok(bound);
            }
        }
        match e {
            A::Identifier(id) => self.bind_column(None, id, ctx),
            A::CompoundIdentifier(ids) => {
                if let Some(e) = self.bind_struct_path(ids, ctx)? {
                    return Ok(e);
                }
                let (last, qual) = ids
                    .split_last()
                    .ok_or_else(|| Error::plan("empty identifier"))?;
                let q = qual
                    .iter()
                    .map(|i| i.value.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                self.bind_column(Some(&q), last, ctx)
            }
            A::Value(v) => literal(&v.value).map_err(|e| match e {
                // A parameter left without a value: say where it is.
                Error::Syntax {
                    message,
                    line: 0,
                    column: 0,
                } if matches!(v.value, Value::Placeholder(_)) => Error::Syntax {
                    message,
                    line: v.span.start.line,
                    column: v.span.start.column,
                },
                e => e,
            }),
            A::TypedString(ts) => {
                let s = match &ts.value.value {
                    Value::SingleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                let to = sql_to_arrow(&ts.data_type)?;
                cast(Expr::Literal(ScalarValue::utf8(&s)), &DataType::Utf8, &to)
            }
            A::Nested(inner) => self.bind_expr(inner, ctx),
            A::BinaryOp { left, op, right } => self.bind_binary(left, op, right, ctx),
            // `x op ANY (SELECT ...)`, `x op ALL (SELECT ...)`.
            A::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | A::AllOp {
                left,
                compare_op,
                right,
            } if matches!(right.as_ref(), A::Subquery(_)) => {
                let A::Subquery(q) = right.as_ref() else {
                    return Err(Error::plan("ANY or ALL expects a subquery here"));
                };
                let all = matches!(e, A::AllOp { .. });
                self.bind_quantified(left, compare_op, q, all, ctx)
            }
            // `x op ANY(list)`.
            A::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => {
                let op = quantified_op(compare_op, "ANY")?;
                let args = [left.as_ref().clone(), right.as_ref().clone()];
                self.bind_scalar_call(ScalarFunc::AnyOf(op), &args, ctx)
            }
            // `POSITION(sub IN s)`.
            A::Position { expr, r#in } => {
                let args = [r#in.as_ref().clone(), expr.as_ref().clone()];
                self.bind_scalar_call(ScalarFunc::Strpos, &args, ctx)
            }
            // `[a, b, ...]`: a list literal (or of expressions).
            A::Array(list) => self.bind_scalar_call(ScalarFunc::ListValue, &list.elem, ctx),
            // `s['field']`, `list[i]`, `s.field` after a subscript.
            A::CompoundFieldAccess { root, access_chain } => {
                let (mut e, mut t) = self.bind_typed(root, ctx)?;
                for access in access_chain {
                    (e, t) = match access {
                        ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => {
                            self.bind_subscript(e, t, index, ctx)?
                        }
                        ast::AccessExpr::Subscript(ast::Subscript::Slice {
                            lower_bound,
                            upper_bound,
                            stride: None,
                        }) => {
                            self.bind_slice(e, t, lower_bound.as_ref(), upper_bound.as_ref(), ctx)?
                        }
                        ast::AccessExpr::Dot(A::Identifier(id)) => field(e, &t, &id.value)?,
                        other => return Err(Error::unsupported(format!("the access '{other}'"))),
                    };
                }
                Ok(e)
            }
            A::UnaryOp { op, expr } => {
                let (b, t) = self.bind_typed(expr, ctx)?;
                match op {
                    ast::UnaryOperator::Not => Ok(Expr::Not(Box::new(boolean(b, &t, "NOT")?))),
                    ast::UnaryOperator::Minus | ast::UnaryOperator::Plus => {
                        if !is_numeric(&t) && t != DataType::Null {
                            return Err(Error::type_error(format!(
                                "cannot apply unary '{op}' to {t}"
                            )));
                        }
                        let b = if t == DataType::Null {
                            cast(b, &t, &DataType::Int64)?
                        } else {
                            b
                        };
                        Ok(if matches!(op, ast::UnaryOperator::Minus) {
                            negate(b)
                        } else {
                            b
                        })
                    }
                    ast::UnaryOperator::BitwiseNot => {
                        if t == DataType::Null {
                            return Ok(Expr::Literal(ScalarValue::null(&DataType::Int64)));
                        }
                        // `~x` is `x XOR -1`: every bit flipped.
                        let all = Expr::Literal(ScalarValue::int64(-1));
                        Ok(bits(b, &t, op)?.binary(BinaryOp::BitXor, all))
                    }
                    other => Err(Error::unsupported(format!("operator '{other}'"))),
                }
            }
            A::IsNull(inner) | A::IsNotNull(inner) => Ok(Expr::IsNull {
                expr: Box::new(self.bind_expr(inner, ctx)?),
                negated: matches!(e, A::IsNotNull(_)),
            }),
            A::IsTrue(inner) | A::IsFalse(inner) | A::IsNotTrue(inner) | A::IsNotFalse(inner) => {
                let (b, t) = self.bind_typed(inner, ctx)?;
                Ok(Expr::IsBool {
                    expr: Box::new(boolean(b, &t, "IS TRUE")?),
                    value: matches!(e, A::IsTrue(_) | A::IsNotTrue(_)),
                    negated: matches!(e, A::IsNotTrue(_) | A::IsNotFalse(_)),
                })
            }
            A::IsDistinctFrom(l, r) => self.bind_comparison(l, r, BinaryOp::IsDistinctFrom, ctx),
            A::IsNotDistinctFrom(l, r) => {
                self.bind_comparison(l, r, BinaryOp::IsNotDistinctFrom, ctx)
            }
            A::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let ge = self.bind_comparison(expr, low, BinaryOp::GtEq, ctx)?;
                let le = self.bind_comparison(expr, high, BinaryOp::LtEq, ctx)?;
                let both = ge.binary(BinaryOp::And, le);
                Ok(if *negated {
                    Expr::Not(Box::new(both))
                } else {
                    both
                })
            }
            A::In {
                expr,
                target: ast::InTarget::List(list),
                negated,
                ..
            } => self.bind_in_list(expr, list, *negated, ctx),
            A::In {
                expr,
                target: ast::InTarget::Subquery(subquery),
                negated,
                ..
            } => {
                let (b, t) = self.bind_typed(expr, ctx)?;
                let sub = self.bind_subquery(subquery, ctx)?;
                let cols = sub.plan.schema().columns.clone();
                if cols.len() != 1 {
                    return Err(Error::plan(format!(
                        "IN subquery must return one column, it returns {}",
                        cols.len()
                    )));
                }
                let st = &cols[0].data_type;
                let common = comparison_type(&t, st).ok_or_else(|| {
                    Error::type_error(format!("cannot compare {t} with {st} in IN"))
                })?;
                let sub = if *st != common {
                    Arc::new(cast_subquery(sub, &common)?)
                } else {
                    sub
                };
                Ok(Expr::InSubquery {
                    expr: Box::new(cast(b, &t, &common)?),
                    subquery: sub,
                    negated: *negated,
                })
            }
            // `s [NOT] REGEXP pattern`, `s [NOT] RLIKE pattern`.
            A::RLike {
                negated,
                expr,
                pattern,
                ..
            } => self.bind_regex_match(expr, pattern, false, *negated, ctx),
            A::Like {
                negated,
                expr,
                pattern,
                any,
                escape_char,
            }
            | A::ILike {
                negated,
                expr,
                pattern,
                any,
                escape_char,
            } => {
                if *any {
                    return Err(Error::unsupported("LIKE ANY"));
                }
                let (b, t) = self.bind_typed(expr, ctx)?;
                // SQL's pattern in arrow's spelling, where `\` escapes.
                let escape = escape_char
                    .as_deref()
                    .map(|e| match e {
                        A::Value(v) => match &v.value {
                            Value::SingleQuotedString(c) => like_escape(c),
                            other => Err(Error::type_error(format!(
                                "LIKE's ESCAPE is one character in quotes, got {other}"
                            ))),
                        },
                        other => Err(Error::unsupported(format!(
                            "LIKE ... ESCAPE {other}: the escape is one character in quotes"
                        ))),
                    })
                    .transpose()?
                    .flatten();
                let constant = match pattern.as_ref() {
                    A::Value(v) => match &v.value {
                        Value::SingleQuotedString(text) => Some(like_pattern(text, escape)?),
                        _ => None,
                    },
                    _ => None,
                };
                let (p, pt) = match &constant {
                    Some(text) => (Expr::Literal(ScalarValue::utf8(text)), DataType::Utf8),
                    None => self.bind_typed(pattern, ctx)?,
                };
                // A list or struct is no text to match (as in DuckDB).
                if let Some(nested) = [&t, &pt].into_iter().find(|t| t.is_nested()) {
                    return Err(Error::type_error(format!(
                        "LIKE matches text, not {}",
                        crate::types::type_name(nested)
                    )));
                }
                // String views are matched as they are (no copy into Utf8).
                let st = if t == DataType::Utf8View {
                    DataType::Utf8View
                } else {
                    DataType::Utf8
                };
                let mut pattern = cast(p, &pt, &st)?;
                if constant.is_none() {
                    if escape.is_some() {
                        return Err(Error::unsupported(
                            "LIKE ... ESCAPE with a pattern that is not a constant",
                        ));
                    }
                    // A backslash in a pattern from a column is itself.
                    let text = |s: &str| Expr::Literal(ScalarValue::utf8(s));
                    pattern = cast(
                        Expr::Function {
                            func: ScalarFunc::Replace,
                            args: vec![
                                cast(pattern, &st, &DataType::Utf8)?,
                                text("\\"),
                                text("\\\\"),
                            ],
                        },
                        &DataType::Utf8,
                        &st,
                    )?;
                }
                Ok(Expr::Like {
                    expr: Box::new(cast(b, &t, &st)?),
                    pattern: Box::new(pattern),
                    negated: *negated,
                    case_insensitive: matches!(e, A::ILike { .. }),
                })
            }
            A::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.bind_case(operand.as_deref(), conditions, else_result.as_deref(), ctx),
            A::Cast {
                kind,
                expr,
                data_type,
                ..
            } => {
                let (mut b, mut t) = self.bind_typed(expr, ctx)?;
                let to = sql_to_arrow(data_type)?;
                let safe = matches!(kind, ast::CastKind::TryCast | ast::CastKind::SafeCast);
                // A value outside a narrow integer type's range fails (or is
                // NULL for TRY_CAST) before it widens to BIGINT.
                if let Some(range) = crate::types::sql_integer_range(data_type) {
                    if t != range && t != DataType::Null {
                        b = if safe {
                            Expr::Cast {
                                expr: Box::new(b),
                                to: range.clone(),
                                safe: true,
                            }
                        } else {
                            let constant = matches!(b, Expr::Literal(_)) && is_numeric(&t);
                            cast(b, &t, &range).map_err(|err| match constant {
                                true => Error::type_error(format!(
                                    "{expr} is out of range for {data_type}"
                                )),
                                false => err,
                            })?
                        };
                        t = range;
                    }
                }
                if safe && t != to {
                    return Ok(Expr::Cast {
                        expr: Box::new(b),
                        to,
                        safe: true,
                    });
                }
                cast(b, &t, &to)
            }
            A::Function(f) => self.bind_function(f, ctx),
            A::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![expr.as_ref().clone()];
                args.push(
                    substring_from
                        .as_deref()
                        .cloned()
                        .unwrap_or_else(|| number("1")),
                );
                if let Some(f) = substring_for {
                    args.push(f.as_ref().clone());
                }
                self.bind_scalar_call(ScalarFunc::Substring, &args, ctx)
            }
            A::Trim {
                expr,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                if trim_characters.is_some() {
                    return Err(Error::unsupported("TRIM with a list of characters"));
                }
                let func = match trim_where {
                    Some(ast::TrimWhereField::Leading) => ScalarFunc::LTrim,
                    Some(ast::TrimWhereField::Trailing) => ScalarFunc::RTrim,
                    _ => ScalarFunc::Trim,
                };
                let mut args = vec![expr.as_ref().clone()];
                if let Some(w) = trim_what {
                    args.push(w.as_ref().clone());
                }
                self.bind_scalar_call(func, &args, ctx)
            }
            A::Ceil { expr, .. } => {
                self.bind_scalar_call(ScalarFunc::Ceil, std::slice::from_ref(expr), ctx)
            }
            A::Floor { expr, .. } => {
                self.bind_scalar_call(ScalarFunc::Floor, std::slice::from_ref(expr), ctx)
            }
            A::Subquery(q) => {
                let sub = self.bind_subquery(q, ctx)?;
                let n = sub.plan.schema().len();
                if n != 1 {
                    return Err(Error::plan(format!(
                        "a scalar subquery must return one column, it returns {n}"
                    )));
                }
                Ok(Expr::ScalarSubquery(sub))
            }
            A::Extract { field, expr, .. } => {
                let part = A::Value(Value::SingleQuotedString(date_field_name(field)).into());
                self.bind_scalar_call(ScalarFunc::DatePart, &[part, expr.as_ref().clone()], ctx)
            }
            A::Interval(iv) => interval_literal(iv),
            A::Exists { subquery, negated } => {
                let sub = self.bind_subquery(subquery, ctx)?;
                Ok(Expr::Exists {
                    subquery: sub,
                    negated: *negated,
                })
            }
            other => Err(Error::unsupported(format!("the expression '{other}'"))),
        }
    }

    /// In an aggregating SELECT: an aggregate call becomes a reference to its
    /// output column, and an expression equal to a group key becomes a
    /// reference to that key. `None` means: bind the parts.
    fn bind_grouped(&mut self, e: &A, agg: &RefCell<AggCtx>) -> Result<Option<Expr>> {
        match e {
            A::Function(f) if super::grouping::is_grouping_call(f) => {
                let (args, distinct, star) = self.function_args(f)?;
                if args.is_empty() || distinct || star {
                    return Err(Error::plan("GROUPING() takes one or more GROUP BY keys"));
                }
                let input = agg.borrow().input.clone();
                let mut at = Vec::with_capacity(args.len());
                for a in args {
                    let b = self.bind_expr(a, Ctx::plain(&input))?;
                    let pos = agg.borrow().key_position(&b);
                    match pos {
                        Some(p) => at.push(p),
                        None => {
                            return Err(Error::plan(format!(
                                "GROUPING() takes GROUP BY keys; '{a}' is not one"
                            )))
                        }
                    }
                }
                let a = agg.borrow();
                let set = Expr::col(a.keys.len());
                Ok(Some(super::grouping::grouping(&at, a.sets.as_deref(), set)))
            }
            A::Function(f) if is_aggregate_call(f) => {
                let input = agg.borrow().input.clone();
                let bound = self.bind_aggregate(f, Ctx::plain(&input), false)?;
                let mut a = agg.borrow_mut();
                let idx = match a.aggs.iter().position(|x| *x == bound) {
                    Some(i) => i,
                    None => {
                        a.aggs.push(bound);
                        a.aggs.len() - 1
                    }
                };
                Ok(Some(Expr::col(a.group.len() + idx)))
            }
            A::Value(_)
            | A::Subquery(_)
            | A::Exists { .. }
            | A::In {
                target: ast::InTarget::Subquery(_),
                ..
            }
            | A::Nested(_) => Ok(None),
            _ if contains_aggregate(e) => Ok(None),
            _ => {
                let input = agg.borrow().input.clone();
                let saved = self.correlated.clone();
                let bound = self.bind_expr(e, Ctx::plain(&input));
                self.correlated = saved;
                Ok(bound
                    .ok()
                    .and_then(|b| agg.borrow().key_position(&b))
                    .map(Expr::col))
            }
        }
    }

    fn bind_column(&mut self, qualifier: Option<&str>, id: &ast::Ident, ctx: Ctx) -> Result<Expr> {
        let name = id.value.as_str();
        if let Some(agg) = ctx.agg {
            let a = agg.borrow();
            if let Some(i) = resolve(&a.input, qualifier, name)? {
                return match a.key_position(&Expr::col(i)) {
                    Some(k) => Ok(Expr::col(k)),
                    None => Err(Error::plan(format!(
                        "column '{name}' must appear in the GROUP BY clause or be used in an aggregate function"
                    ))),
                };
            }
        } else if let Some(i) = resolve(ctx.schema, qualifier, name)? {
            return Ok(Expr::col(i));
        }
        // A column of an enclosing query: this subquery is correlated.
        for depth in 1..=self.outer.len() {
            let scope = &self.outer[self.outer.len() - depth];
            if let Some(index) = resolve(scope, qualifier, name)? {
                let data_type = scope.columns[index].data_type.clone();
                let n = self.correlated.len();
                for flag in &mut self.correlated[n.saturating_sub(depth)..] {
                    *flag = true;
                }
                return Ok(Expr::OuterColumn {
                    depth,
                    column: crate::plan::ColumnRef::position(index),
                    data_type,
                });
            }
        }
        // As in SQLite, a double-quoted name that is no column is a string.
        if qualifier.is_none() && id.quote_style == Some('"') {
            return Ok(Expr::Literal(ScalarValue::utf8(name)));
        }
        let schema = match ctx.agg {
            Some(a) => a.borrow().input.clone(),
            None => ctx.schema.clone(),
        };
        let full = match qualifier {
            Some(q) => format!("{q}.{name}"),
            None => name.to_string(),
        };
        if let Some(q) = qualifier {
            if !super::scope::has_qualifier(&schema, q) {
                return Err(Error::unknown_table(
                    q,
                    schema.columns.iter().filter_map(|c| c.qualifier.clone()),
                ));
            }
        }
        Err(Error::unknown_column(&full, candidates(&schema)).at(location(id.span)))
    }

    fn bind_binary(
        &mut self,
        left: &A,
        op: &ast::BinaryOperator,
        right: &A,
        ctx: Ctx,
    ) -> Result<Expr> {
        use ast::BinaryOperator as O;
        let cmp = match op {
            O::Eq => Some(BinaryOp::Eq),
            O::NotEq => Some(BinaryOp::NotEq),
            O::Lt => Some(BinaryOp::Lt),
            O::LtEq => Some(BinaryOp::LtEq),
            O::Gt => Some(BinaryOp::Gt),
            O::GtEq => Some(BinaryOp::GtEq),
            _ => None,
        };
        if let Some(c) = cmp {
            return self.bind_comparison(left, right, c, ctx);
        }
        if let O::PGRegexMatch | O::PGRegexIMatch | O::PGRegexNotMatch | O::PGRegexNotIMatch = op {
            let insensitive = matches!(op, O::PGRegexIMatch | O::PGRegexNotIMatch);
            let negated = matches!(op, O::PGRegexNotMatch | O::PGRegexNotIMatch);
            return self.bind_regex_match(left, right, insensitive, negated, ctx);
        }
        // `list @> sub` and `sub <@ list`: LIST_HAS_ALL.
        if let O::AtArrow | O::ArrowAt = op {
            let args = match op {
                O::AtArrow => [left.clone(), right.clone()],
                _ => [right.clone(), left.clone()],
            };
            return self.bind_scalar_call(ScalarFunc::ListHasAll, &args, ctx);
        }
        let (l, lt) = self.bind_typed(left, ctx)?;
        let (r, rt) = self.bind_typed(right, ctx)?;
        let int_div = self.settings.integer_division;
        match op {
            O::And | O::Or => {
                let bop = if matches!(op, O::And) {
                    BinaryOp::And
                } else {
                    BinaryOp::Or
                };
                Ok(boolean(l, &lt, bop.symbol())?.binary(bop, boolean(r, &rt, bop.symbol())?))
            }
            O::Plus
            | O::Minus
            | O::Multiply
            | O::Divide
            | O::Modulo
            | O::DuckIntegerDivide
            | O::MyIntegerDivide => {
                let (bop, sym, int_div) = match op {
                    O::Plus => (BinaryOp::Plus, "+", int_div),
                    O::Minus => (BinaryOp::Minus, "-", int_div),
                    O::Multiply => (BinaryOp::Multiply, "*", int_div),
                    O::Divide => (BinaryOp::Divide, "/", int_div),
                    O::Modulo => (BinaryOp::Modulo, "%", int_div),
                    _ => (BinaryOp::Divide, "/", true),
                };
                let a = arithmetic(sym, &lt, &rt, int_div)?;
                let (l, lt, r, rt) = if a.swapped {
                    (r, rt, l, lt)
                } else {
                    (l, lt, r, rt)
                };
                Ok(cast(l, &lt, &a.left)?.binary(bop, cast(r, &rt, &a.right)?))
            }
            O::BitwiseAnd | O::BitwiseOr => {
                let bop = match op {
                    O::BitwiseAnd => BinaryOp::BitAnd,
                    _ => BinaryOp::BitOr,
                };
                // NULL with anything is NULL (as in DuckDB, whatever the other side).
                if lt == DataType::Null || rt == DataType::Null {
                    return Ok(Expr::Literal(ScalarValue::null(&DataType::Int64)));
                }
                Ok(bits(l, &lt, op)?.binary(bop, bits(r, &rt, op)?))
            }
            // `[1] || [2]`: two lists joined.
            O::StringConcat if is_list(&lt) || is_list(&rt) => {
                let func = ScalarFunc::ListOp(ListFn::Concat);
                Ok(call_bound(func, vec![(l, lt), (r, rt)])?.0)
            }
            O::StringConcat => Ok(cast(l, &lt, &DataType::Utf8)?
                .binary(BinaryOp::StringConcat, cast(r, &rt, &DataType::Utf8)?)),
            // A struct's field (`->>` as text), named by a constant string.
            O::Arrow | O::LongArrow if matches!(lt, DataType::Struct(_)) => {
                let name = constant_text(right).ok_or_else(|| {
                    Error::plan(format!("'{op}' on a struct needs a field name in quotes"))
                })?;
                let (e, t) = field(l, &lt, &name)?;
                match op {
                    O::LongArrow => cast(e, &t, &DataType::Utf8),
                    _ => Ok(e),
                }
            }
            // JSON text: `->` gives JSON, `->>` text.
            O::Arrow | O::LongArrow if is_string(&lt) || lt == DataType::Null => {
                let f = match op {
                    O::Arrow => crate::functions::JsonFn::Extract,
                    _ => crate::functions::JsonFn::ExtractString,
                };
                let func = ScalarFunc::Json(f);
                if ScalarFunc::from_name(&func.name().to_lowercase()).is_none() {
                    return Err(Error::unsupported(format!(
                        "'{op}' on JSON text (this build has no json feature)"
                    )));
                }
                let targets = func.coerce(&[lt.clone(), rt.clone()])?;
                Ok(Expr::Function {
                    func,
                    args: vec![cast(l, &lt, &targets[0])?, cast(r, &rt, &targets[1])?],
                })
            }
            O::Arrow | O::LongArrow => Err(Error::unsupported(format!(
                "'{op}' on {} (it reads JSON text and struct fields)",
                crate::types::type_name(&lt)
            ))),
            other => Err(Error::unsupported(format!("operator '{other}'"))),
        }
    }

    /// `s ~ pattern` (`~*` ignoring case, `!~` and `!~*` negated), and
    /// `s [NOT] REGEXP pattern`: REGEXP_MATCHES.
    fn bind_regex_match(
        &mut self,
        text: &A,
        pattern: &A,
        insensitive: bool,
        negated: bool,
        ctx: Ctx,
    ) -> Result<Expr> {
        let mut args = vec![text.clone(), pattern.clone()];
        if insensitive {
            args.push(A::Value(Value::SingleQuotedString("i".into()).into()));
        }
        let m = self.bind_scalar_call(ScalarFunc::RegexpMatches, &args, ctx)?;
        Ok(match negated {
            true => Expr::Not(Box::new(m)),
            false => m,
        })
    }

    pub(super) fn bind_comparison(
        &mut self,
        left: &A,
        right: &A,
        op: BinaryOp,
        ctx: Ctx,
    ) -> Result<Expr> {
        let (l, lt) = self.bind_typed(left, ctx)?;
        let (r, rt) = self.bind_typed(right, ctx)?;
        compare(l, &lt, op, r, &rt)
    }

    fn bind_in_list(&mut self, expr: &A, list: &[A], negated: bool, ctx: Ctx) -> Result<Expr> {
        let (b, t) = self.bind_typed(expr, ctx)?;
        let mut items = Vec::with_capacity(list.len());
        let mut common = t.clone();
        for item in list {
            let (ib, it) = self.bind_typed(item, ctx)?;
            common = comparison_type(&common, &it).ok_or_else(|| {
                Error::type_error(format!("cannot compare {t} with {it} in IN list"))
            })?;
            items.push((ib, it));
        }
        let list = items
            .into_iter()
            .map(|(e, et)| cast(e, &et, &common))
            .collect::<Result<Vec<_>>>()?;
        Ok(Expr::InList {
            expr: Box::new(cast(b, &t, &common)?),
            list,
            negated,
        })
    }

    fn bind_case(
        &mut self,
        operand: Option<&A>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&A>,
        ctx: Ctx,
    ) -> Result<Expr> {
        let mut whens = Vec::with_capacity(conditions.len());
        let mut results = Vec::with_capacity(conditions.len() + 1);
        // Once a condition is constant true, later branches are never taken.
        let mut taken = false;
        for c in conditions {
            let cond = match operand {
                Some(op) => self.bind_comparison(op, &c.condition, BinaryOp::Eq, ctx)?,
                None => {
                    let (b, t) = self.bind_typed(&c.condition, ctx)?;
                    boolean(b, &t, "CASE WHEN")?
                }
            };
            let constant = constant_truth(&cond);
            let result = match taken || constant == Some(false) {
                true => self.bind_unreachable(&c.result, ctx)?,
                false => self.bind_typed(&c.result, ctx)?,
            };
            taken |= constant == Some(true);
            whens.push(cond);
            results.push(result);
        }
        let else_b = match (else_result, taken) {
            (Some(e), true) => Some(self.bind_unreachable(e, ctx)?),
            (e, _) => e.map(|e| self.bind_typed(e, ctx)).transpose()?,
        };
        let mut t = DataType::Null;
        for (_, rt) in results.iter().chain(else_b.iter()) {
            t = common_type(&t, rt).ok_or_else(|| {
                Error::type_error(format!("CASE branches have no common type ({t} and {rt})"))
            })?;
        }
        let whens = whens
            .into_iter()
            .zip(results)
            .map(|(c, (r, rt))| Ok((c, cast(r, &rt, &t)?)))
            .collect::<Result<Vec<_>>>()?;
        let else_expr = match else_b {
            Some((e, et)) => Some(Box::new(cast(e, &et, &t)?)),
            None if t != DataType::Null => Some(Box::new(Expr::Literal(ScalarValue::null(&t)))),
            None => None,
        };
        Ok(Expr::Case { whens, else_expr })
    }

    /// Binds `a`, an operand the expression can never evaluate (a CASE
    /// branch after a constant true condition or under a constant false one,
    /// a COALESCE argument after a non-NULL constant). Where it does not bind
    /// in place — it reads a column that is neither grouped nor aggregated —
    /// a NULL of its type stands in, as the value is never used (SQLite
    /// accepts such queries; DuckDB does not).
    fn bind_unreachable(&mut self, a: &A, ctx: Ctx) -> Result<(Expr, DataType)> {
        let err = match self.bind_typed(a, ctx) {
            Ok(bound) => return Ok(bound),
            Err(err) => err,
        };
        let Some(agg) = ctx.agg else {
            return Err(err);
        };
        let input = agg.borrow().input.clone();
        match self.bind_typed(a, Ctx::plain(&input)) {
            Ok((_, t)) => Ok((Expr::Literal(ScalarValue::null(&t)), t)),
            Err(_) => Err(err),
        }
    }

    pub(super) fn function_args<'a>(
        &self,
        f: &'a ast::Function,
    ) -> Result<(Vec<&'a A>, bool, bool)> {
        if let Some(order) = aggregate_order(f) {
            return Err(Error::unsupported(format!(
                "'ORDER BY {}' in the arguments of {}, which is no aggregate",
                display_list(order),
                function_name(f).to_uppercase()
            )));
        }
        self.arguments(f)
    }

    /// A call's arguments, whether DISTINCT, and whether `*`; an ORDER BY
    /// among them is left for [`aggregate_order`] to read.
    fn arguments<'a>(&self, f: &'a ast::Function) -> Result<(Vec<&'a A>, bool, bool)> {
        match &f.args {
            ast::FunctionArguments::None => Ok((vec![], false, false)),
            ast::FunctionArguments::Subquery(_) => Err(Error::unsupported(
                "a subquery as a function's argument list",
            )),
            ast::FunctionArguments::List(list) => {
                let distinct = matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                // `f(x LIMIT n)`, ...: not read, so not accepted (IGNORE
                // NULLS is read by window calls, ORDER BY by aggregates).
                if let Some(c) = list.clauses.iter().find(|c| {
                    !matches!(
                        c,
                        ast::FunctionArgumentClause::IgnoreOrRespectNulls(_)
                            | ast::FunctionArgumentClause::OrderBy(_)
                    )
                }) {
                    return Err(Error::unsupported(format!(
                        "'{c}' in a function's arguments"
                    )));
                }
                let mut args = Vec::new();
                let mut star = false;
                for a in &list.args {
                    match a {
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => args.push(e),
                        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard) => star = true,
                        other => {
                            return Err(Error::unsupported(format!(
                                "the function argument '{other}'"
                            )))
                        }
                    }
                }
                Ok((args, distinct, star))
            }
        }
    }

    fn bind_function(&mut self, f: &ast::Function, ctx: Ctx) -> Result<Expr> {
        let name = function_name(f);
        if f.over.is_some() {
            return self.bind_window(f, ctx);
        }
        if AggFunc::from_name(&name).is_some() {
            return Err(Error::plan(format!(
                "aggregate function {}() is not allowed here",
                name.to_uppercase()
            )));
        }
        if name == "unnest" {
            return Err(Error::unsupported(
                "UNNEST inside an expression: a select item may be UNNEST(list) itself \
                 (compute from its alias in an enclosing query), or UNNEST in FROM",
            ));
        }
        if super::grouping::is_grouping_call(f) {
            return Err(Error::plan(
                "GROUPING() reads GROUP BY keys: it belongs in the SELECT, HAVING or ORDER BY of a query with GROUP BY",
            ));
        }
        if let Some(w) = crate::plan::WindowFunc::from_name(&name) {
            return Err(Error::plan(format!(
                "{}() is a window function: it needs OVER (...)",
                w.name()
            )));
        }
        let func = ScalarFunc::from_name(&name).ok_or_else(|| Error::UnknownName {
            kind: "function",
            name: name.clone(),
            suggestion: crate::util::closest(
                &name,
                crate::functions::registry::all_names().map(str::to_string),
            ),
            location: location(f.name.span()),
        })?;
        let (args, distinct, star) = self.function_args(f)?;
        if distinct || star {
            return Err(Error::plan(format!(
                "{}() takes no DISTINCT or *",
                func.name()
            )));
        }
        let args: Vec<A> = args.into_iter().cloned().collect();
        self.bind_scalar_call(func, &args, ctx)
    }

    pub(super) fn bind_scalar_call(
        &mut self,
        func: ScalarFunc,
        args: &[A],
        ctx: Ctx,
    ) -> Result<Expr> {
        // `DATE_PART('epoch', x)` is a DOUBLE where every other part is a
        // BIGINT, so it is its own function.
        if let (ScalarFunc::DatePart, [A::Value(v), x]) = (func, args) {
            if matches!(&v.value, Value::SingleQuotedString(p) if p.eq_ignore_ascii_case("epoch")) {
                let epoch = ScalarFunc::Date(crate::functions::DateFn::Epoch);
                return self.bind_scalar_call(epoch, std::slice::from_ref(x), ctx);
            }
        }
        let mut bound: Vec<(Expr, DataType)> = Vec::with_capacity(args.len());
        for a in args {
            // COALESCE never reads past a non-NULL constant.
            let after_constant = func == ScalarFunc::Coalesce
                && bound
                    .iter()
                    .any(|(e, _)| matches!(e, Expr::Literal(v) if !v.is_null()));
            bound.push(match after_constant {
                true => self.bind_unreachable(a, ctx)?,
                false => self.bind_typed(a, ctx)?,
            });
        }
        let types: Vec<DataType> = bound.iter().map(|(_, t)| t.clone()).collect();
        let targets = func.coerce(&types)?;
        // IF(c, a, b) is CASE WHEN c THEN a ELSE b END.
        if let (ScalarFunc::If, [(c, tc), (a, ta), (b, tb)]) = (func, bound.as_slice()) {
            return Ok(Expr::Case {
                whens: vec![(
                    boolean(c.clone(), tc, "IF")?,
                    cast(a.clone(), ta, &targets[1])?,
                )],
                else_expr: Some(Box::new(cast(b.clone(), tb, &targets[2])?)),
            });
        }
        // NULLIF(a, b) compares in the common type but keeps a's type, as in
        // DuckDB and SQLite: CASE WHEN a = b THEN NULL ELSE a END.
        if let (ScalarFunc::NullIf, [(a, ta), (b, tb)]) = (func, bound.as_slice()) {
            let same = cast(a.clone(), ta, &targets[0])?
                .binary(BinaryOp::Eq, cast(b.clone(), tb, &targets[1])?);
            return Ok(Expr::Case {
                whens: vec![(same, Expr::Literal(ScalarValue::null(ta)))],
                else_expr: Some(Box::new(a.clone())),
            });
        }
        let args = bound
            .into_iter()
            .zip(targets)
            .map(|((e, t), to)| cast(e, &t, &to))
            .collect::<Result<Vec<_>>>()?;
        // `COALESCE(5, ...)` is 5 (in its common type), so an enclosing
        // COALESCE sees a constant too.
        if let (ScalarFunc::Coalesce, Some(first @ Expr::Literal(v))) = (func, args.first()) {
            if !v.is_null() {
                return Ok(first.clone());
            }
        }
        Ok(Expr::Function { func, args })
    }

    /// Binds an aggregate call's arguments over the aggregate's input (for a
    /// window aggregate, `in_window`, over the window's input, where an
    /// aggregate argument is the grouped query's: `SUM(COUNT(*)) OVER ()`).
    pub(super) fn bind_aggregate(
        &mut self,
        f: &ast::Function,
        ctx: Ctx,
        in_window: bool,
    ) -> Result<AggregateExpr> {
        let name = function_name(f);
        let mut func = AggFunc::from_name(&name)
            .ok_or_else(|| Error::plan(format!("{name} is not an aggregate")))?;
        let (args, distinct, star) = self.arguments(f)?;
        if star && !args.is_empty() {
            return Err(Error::plan(format!(
                "{}(*) takes no other argument",
                func.name()
            )));
        }
        if star || (func == AggFunc::Count && args.is_empty()) {
            if func != AggFunc::Count {
                return Err(Error::plan(format!("{}(*) is not valid", func.name())));
            }
            func = AggFunc::CountStar;
        } else {
            let (least, most) = func.arity();
            if args.len() < least || args.len() > most {
                let wanted = match (least, most) {
                    (1, 1) => "one argument".to_string(),
                    (2, 2) => "two arguments".to_string(),
                    (l, m) => format!("{l} to {m} arguments"),
                };
                return Err(Error::plan(format!(
                    "{}() takes {wanted}, got {}",
                    func.name(),
                    args.len()
                )));
            }
        }
        let mut bound = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            if !in_window && contains_aggregate(a) {
                return Err(Error::plan("aggregate calls cannot be nested"));
            }
            let (b, t) = self.bind_typed(a, ctx)?;
            bound.push(aggregate_argument(func, i, b, &t)?);
        }
        if func == AggFunc::StringAgg && bound.len() == 1 {
            bound.push(Expr::Literal(ScalarValue::utf8(",")));
        }
        let filter = match &f.filter {
            Some(cond) => {
                let (b, t) = self.bind_typed(cond, ctx)?;
                Some(boolean(b, &t, "FILTER")?)
            }
            None => None,
        };
        // `agg(x ORDER BY k)`: the keys follow the arguments. They are bound
        // for every aggregate (a wrong name is an error) but kept only where
        // the order changes the answer.
        let mut order = Vec::new();
        for o in aggregate_order(f).into_iter().flatten() {
            if !in_window && contains_aggregate(&o.expr) {
                return Err(Error::plan("aggregate calls cannot be nested"));
            }
            let key = self.bind_expr(&o.expr, ctx)?;
            let (descending, nulls_first) = super::query::sort_options(o)?;
            if func.ordered() {
                bound.push(key);
                order.push(arrow_schema::SortOptions {
                    descending,
                    nulls_first,
                });
            }
        }
        Ok(AggregateExpr {
            func,
            args: bound,
            distinct,
            filter,
            order,
        })
    }

    /// `s.field` (or `t.s.field`, `s.a.b`) where the name before the dot is
    /// no table but a struct column: its fields. `None` when it is not.
    fn bind_struct_path(&mut self, ids: &[ast::Ident], ctx: Ctx) -> Result<Option<Expr>> {
        let schema = match ctx.agg {
            Some(a) => a.borrow().input.clone(),
            None => ctx.schema.clone(),
        };
        let qualifier: Vec<&str> = ids[..ids.len() - 1]
            .iter()
            .map(|i| i.value.as_str())
            .collect();
        if ids.len() < 2 || super::scope::has_qualifier(&schema, &qualifier.join(".")) {
            return Ok(None);
        }
        for k in [1, 2].into_iter().filter(|&k| k < ids.len()) {
            let (q, col) = match k {
                1 => (None, &ids[0]),
                _ => (Some(ids[0].value.as_str()), &ids[1]),
            };
            let Ok(Some(i)) = resolve(&schema, q, &col.value) else {
                continue;
            };
            if !matches!(schema.columns[i].data_type, DataType::Struct(_)) {
                continue;
            }
            let column = match k {
                1 => A::Identifier(ids[0].clone()),
                _ => A::CompoundIdentifier(ids[..2].to_vec()),
            };
            let (mut e, mut t) = self.bind_typed(&column, ctx)?;
            for f in &ids[k..] {
                (e, t) = field(e, &t, &f.value)?;
            }
            return Ok(Some(e));
        }
        Ok(None)
    }

    /// `e[index]` for `e` of type `t`: a struct's field (the index a
    /// string), or a list's element (an integer, from 1).
    fn bind_subscript(
        &mut self,
        e: Expr,
        t: DataType,
        index: &A,
        ctx: Ctx,
    ) -> Result<(Expr, DataType)> {
        if let DataType::Struct(_) = t {
            let name = constant_text(index)
                .ok_or_else(|| Error::plan("a struct's field is named by a string in quotes"))?;
            return field(e, &t, &name);
        }
        if !is_list(&t) && t != DataType::Null {
            return Err(Error::type_error(format!(
                "'[...]' reads a list's element or a struct's field, not a value of type {}",
                crate::types::type_name(&t)
            )));
        }
        let index = self.bind_typed(index, ctx)?;
        call_bound(ScalarFunc::ListElement, vec![(e, t), index])
    }

    /// `list[begin:end]` (either bound may be left out) and `'text'[a:b]`.
    fn bind_slice(
        &mut self,
        e: Expr,
        t: DataType,
        begin: Option<&A>,
        end: Option<&A>,
        ctx: Ctx,
    ) -> Result<(Expr, DataType)> {
        // Left out, a slice starts at the first element and ends at the last.
        let mut bound = |b: Option<&A>, default: i64| match b {
            Some(b) => self.bind_typed(b, ctx),
            None => Ok((Expr::Literal(ScalarValue::int64(default)), DataType::Int64)),
        };
        let begin = bound(begin, 1)?;
        let end = bound(end, -1)?;
        call_bound(ScalarFunc::ListOp(ListFn::Slice), vec![(e, t), begin, end])
    }

    /// Binds a subquery with the current columns visible as outer columns.
    pub(super) fn bind_subquery(&mut self, q: &ast::Query, ctx: Ctx) -> Result<Arc<Subquery>> {
        self.outer.push(ctx.schema.clone());
        self.correlated.push(false);
        let plan = self.bind_query(q);
        let correlated = self.correlated.pop().unwrap_or(false);
        self.outer.pop();
        Ok(Arc::new(Subquery {
            plan: plan?,
            correlated,
        }))
    }
}

/// Field `name` of struct `e` (of type `t`): found by its exact name, else
/// ignoring case, with its type.
fn field(e: Expr, t: &DataType, name: &str) -> Result<(Expr, DataType)> {
    let DataType::Struct(fields) = t else {
        return Err(Error::type_error(format!(
            "'{name}' can only be read from a struct, got {}",
            crate::types::type_name(t)
        )));
    };
    let at = fields
        .iter()
        .position(|f| f.name() == name)
        .or_else(|| {
            fields
                .iter()
                .position(|f| f.name().eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| Error::UnknownName {
            kind: "field",
            name: name.to_string(),
            suggestion: crate::util::closest(name, fields.iter().map(|f| f.name().clone())),
            location: None,
        })?;
    let ft = fields[at].data_type().clone();
    let func = ScalarFunc::StructField(at as u32);
    Ok((
        Expr::Function {
            func,
            args: vec![e],
        },
        ft,
    ))
}

/// A string literal's text.
pub(super) fn constant_text(e: &A) -> Option<String> {
    match e {
        A::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        A::Nested(inner) => constant_text(inner),
        _ => None,
    }
}

/// Builds `l op r` after casting both sides to their comparison type.
pub(super) fn compare(
    l: Expr,
    lt: &DataType,
    op: BinaryOp,
    r: Expr,
    rt: &DataType,
) -> Result<Expr> {
    let t = comparison_type(lt, rt).ok_or_else(|| {
        Error::type_error(format!(
            "cannot compare {lt} with {rt} using '{}'",
            op.symbol()
        ))
    })?;
    Ok(cast(l, lt, &t)?.binary(op, cast(r, rt, &t)?))
}

/// Whether a condition is constant: `Some(true)`, `Some(false)` for false or
/// NULL, `None` when it reads columns (or cannot be computed now).
fn constant_truth(cond: &Expr) -> Option<bool> {
    if !cond.columns().is_empty() || cond.contains_subquery() || cond.references_outer(1) {
        return None;
    }
    let v = crate::exec::evaluate_constant(cond).ok()?;
    if v.is_null() {
        return Some(false);
    }
    let b = v
        .array()
        .as_any()
        .downcast_ref::<arrow_array::BooleanArray>()?;
    Some(b.value(0))
}

/// Argument `i` of aggregate `func`, bound as `b` of type `t`, checked and
/// cast to the type its accumulator reads.
fn aggregate_argument(func: AggFunc, i: usize, b: Expr, t: &DataType) -> Result<Expr> {
    let numeric = |b: Expr, to: Option<&DataType>| -> Result<Expr> {
        if is_string(t) || !(is_numeric(t) || *t == DataType::Null) {
            return Err(Error::type_error(format!(
                "{}() needs a numeric argument, got {t}",
                func.name()
            )));
        }
        match to {
            Some(to) => cast(b, t, to),
            None => Ok(b),
        }
    };
    match (func, i) {
        (AggFunc::Sum | AggFunc::Avg, _) => match t {
            DataType::Null => numeric(b, Some(&DataType::Int64)),
            DataType::Decimal128(..) | DataType::Float64 | DataType::Int64 => numeric(b, None),
            // Other decimal widths sum as DECIMAL(38, s): exact, and
            // a value past 38 digits is an error, never truncated.
            DataType::Decimal32(_, s) | DataType::Decimal64(_, s) | DataType::Decimal256(_, s) => {
                numeric(b, Some(&DataType::Decimal128(38, (*s).min(38))))
            }
            t if crate::types::is_float(t) => numeric(b, Some(&DataType::Float64)),
            _ => numeric(b, Some(&DataType::Int64)),
        },
        (f, _) if f.univariate_moment() || f.bivariate() => numeric(b, Some(&DataType::Float64)),
        (AggFunc::Median | AggFunc::QuantileCont, 0) => numeric(b, Some(&DataType::Float64)),
        (AggFunc::QuantileCont | AggFunc::QuantileDisc, 1) => {
            let q = match &b {
                Expr::Literal(v) => v.as_f64(),
                _ => None,
            };
            match q {
                Some(q) if (0.0..=1.0).contains(&q) => Ok(Expr::Literal(ScalarValue::float64(q))),
                _ => Err(Error::plan(format!(
                    "{}()'s fraction must be a constant number from 0 to 1, got {b}",
                    func.name()
                ))),
            }
        }
        (AggFunc::CountIf | AggFunc::BoolAnd | AggFunc::BoolOr, _) => {
            boolean(b, t, &format!("{}()", func.name()))
        }
        (AggFunc::StringAgg, 0) => match t {
            DataType::Utf8 => Ok(b),
            DataType::List(_) | DataType::Struct(_) | DataType::Map(..) => Err(Error::type_error(
                format!("STRING_AGG() joins texts, not values of type {t}"),
            )),
            _ => cast(b, t, &DataType::Utf8),
        },
        (AggFunc::StringAgg, _) => match &b {
            Expr::Literal(v) if v.as_str().is_some() => {
                Ok(Expr::Literal(ScalarValue::utf8(v.as_str().unwrap_or(","))))
            }
            _ => Err(Error::plan(format!(
                "STRING_AGG()'s separator must be a constant text, got {b}"
            ))),
        },
        _ => Ok(b),
    }
}

/// `e` as a boolean. As in DuckDB, a number or text where a boolean is
/// needed is cast to one (a number is true when not 0; a text must read as
/// a boolean: `'true'`, `'f'`, ...), and NULL is a boolean NULL; other types
/// are an error.
pub(super) fn boolean(e: Expr, t: &DataType, context: &str) -> Result<Expr> {
    match t {
        DataType::Boolean => Ok(e),
        DataType::Null => cast(e, t, &DataType::Boolean),
        // Arrow casts no decimal to a boolean: through DOUBLE (0 stays 0).
        DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => cast(
            cast(e, t, &DataType::Float64)?,
            &DataType::Float64,
            &DataType::Boolean,
        ),
        t if is_numeric(t) || is_string(t) => cast(e, t, &DataType::Boolean),
        other => Err(Error::type_error(format!(
            "{context} needs a boolean, got {other}"
        ))),
    }
}

/// An operand of `&`, `|` or `~`, as a BIGINT: integers only.
fn bits(e: Expr, t: &DataType, op: &dyn std::fmt::Display) -> Result<Expr> {
    match t {
        t if crate::types::is_integer(t) => cast(e, t, &DataType::Int64),
        other => Err(Error::type_error(format!(
            "'{op}' works on integers, got {}",
            crate::types::type_name(other)
        ))),
    }
}

/// `e` cast from `from` to `to`; a literal is cast now, so a bad literal is an
/// error at plan time and no per-row cast remains.
pub(super) fn cast(e: Expr, from: &DataType, to: &DataType) -> Result<Expr> {
    if from == to {
        return Ok(e);
    }
    if let Expr::Literal(v) = &e {
        let arr = crate::exec::cast::cast_values(v.array(), to, false).map_err(|err| {
            Error::type_error(format!(
                "cannot cast {v} to {}: {err}",
                crate::types::type_name(to)
            ))
        })?;
        return Ok(Expr::Literal(ScalarValue::from_array(&arr, 0)));
    }
    if !arrow_cast::can_cast_types(from, to) {
        return Err(Error::type_error(format!(
            "cannot cast {} to {}",
            crate::types::type_name(from),
            crate::types::type_name(to)
        )));
    }
    Ok(Expr::Cast {
        expr: Box::new(e),
        to: to.clone(),
        safe: false,
    })
}

fn negate(e: Expr) -> Expr {
    match &e {
        Expr::Literal(v) => {
            if let Some(i) = v.as_i64().filter(|_| v.data_type() == &DataType::Int64) {
                if let Some(n) = i.checked_neg() {
                    return Expr::Literal(ScalarValue::int64(n));
                }
            }
            Expr::Negative(Box::new(e))
        }
        _ => Expr::Negative(Box::new(e)),
    }
}

pub(super) fn number(s: &str) -> A {
    A::Value(Value::Number(s.to_string(), false).into())
}

/// A SQL literal as a value.
fn literal(v: &Value) -> Result<Expr> {
    Ok(Expr::Literal(match v {
        // `1_000` is 1000 (the underscores only group digits, as in DuckDB).
        Value::Number(s, _) if s.contains('_') => {
            return literal(&Value::Number(s.replace('_', ""), false))
        }
        Value::Number(s, _) => match s.parse::<i64>() {
            Ok(i) => ScalarValue::int64(i),
            Err(_) => match decimal_literal(s) {
                Some(v) => v,
                None => ScalarValue::float64(s.parse::<f64>().map_err(|_| Error::Syntax {
                    message: format!("bad number '{s}'"),
                    line: 0,
                    column: 0,
                })?),
            },
        },
        Value::SingleQuotedString(s)
        | Value::DoubleQuotedString(s)
        | Value::EscapedStringLiteral(s)
        | Value::NationalStringLiteral(s) => ScalarValue::utf8(s),
        Value::Boolean(b) => ScalarValue::boolean(*b),
        Value::Null => ScalarValue::null(&DataType::Null),
        // `X'CAFE'`: a BLOB, two hex digits a byte.
        Value::HexStringLiteral(hex) => {
            let bytes = crate::util::decode_hex(hex).ok_or_else(|| Error::Syntax {
                message: format!("X'{hex}' is not a BLOB: it needs an even number of hex digits"),
                line: 0,
                column: 0,
            })?;
            let array: arrow_array::ArrayRef =
                Arc::new(arrow_array::BinaryArray::from_vec(vec![&bytes]));
            ScalarValue::from_array(&array, 0)
        }
        // Bound parameters are replaced before binding (sql/params.rs).
        Value::Placeholder(p) => {
            return Err(Error::Syntax {
                message: format!(
                "no value for parameter {p}: run the query with parameters (Engine::query_params)"
            ),
                line: 0,
                column: 0,
            })
        }
        other => return Err(Error::unsupported(format!("the literal {other}"))),
    }))
}

/// LIKE's escape character (`ESCAPE '!'`); `ESCAPE ''` is none.
fn like_escape(c: &str) -> Result<Option<char>> {
    let mut chars = c.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(None),
        (Some(c), None) => Ok(Some(c)),
        _ => Err(Error::plan(format!(
            "LIKE's ESCAPE must be one character, got '{c}'"
        ))),
    }
}

/// A LIKE pattern in arrow's spelling, where a backslash escapes the
/// character after it. In SQL (DuckDB, SQLite, the standard) a backslash is
/// an ordinary character, and only the ESCAPE character, when there is
/// one, escapes: `'a!%' ESCAPE '!'` is `a\%` here, and `'a\b'` is `a\\b`.
fn like_pattern(pattern: &str, escape: Option<char>) -> Result<String> {
    let mut out = String::with_capacity(pattern.len() + 2);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if Some(c) == escape {
            let Some(next) = chars.next() else {
                return Err(Error::plan(format!(
                    "the LIKE pattern '{pattern}' ends with its escape character"
                )));
            };
            match next {
                '%' | '_' | '\\' => out.push('\\'),
                _ => {}
            }
            out.push(next);
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// A date/time field as the name `DATE_PART` takes (`YEAR` -> `year`).
fn date_field_name(f: &ast::DateTimeField) -> String {
    f.to_string().to_lowercase()
}

/// `INTERVAL '3' MONTH`, `INTERVAL '90 days'`, `INTERVAL '1 year 2 months'`.
fn interval_literal(iv: &ast::Interval) -> Result<Expr> {
    if iv.last_field.is_some() {
        return Err(Error::unsupported(
            "interval ranges (INTERVAL '...' DAY TO SECOND); write INTERVAL '1 day 2 hours'",
        ));
    }
    let text = match iv.value.as_ref() {
        A::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::Number(s, _) => s.clone(),
            other => return Err(Error::type_error(format!("bad interval {other}"))),
        },
        other => {
            return Err(Error::unsupported(format!(
                "an interval from an expression ('{other}'); write a literal such as INTERVAL '3' MONTH"
            )))
        }
    };
    let unit = iv.leading_field.as_ref().map(date_field_name);
    let value = crate::functions::datetime::parse_interval(&text, unit.as_deref())?;
    let array: arrow_array::ArrayRef =
        std::sync::Arc::new(arrow_array::IntervalMonthDayNanoArray::from(vec![value]));
    Ok(Expr::Literal(ScalarValue::from_array(&array, 0)))
}

/// A number written with a decimal point (`0.06`, `12.50`) is an exact
/// DECIMAL with the digits as written, as in PostgreSQL and DuckDB; one with
/// an exponent, or too long for DECIMAL(38), is a DOUBLE (`None` here).
fn decimal_literal(s: &str) -> Option<ScalarValue> {
    let (int, frac) = s.split_once('.')?;
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || int.len() + frac.len() == 0 {
        return None;
    }
    let scale = frac.len();
    let int_digits = int.trim_start_matches('0').len();
    let precision = (int_digits + scale).max(1);
    if precision > 38 {
        return None;
    }
    let value: i128 = format!("{int}{frac}").parse().ok()?;
    let array = arrow_array::Decimal128Array::from(vec![value])
        .with_precision_and_scale(precision as u8, scale as i8)
        .ok()?;
    Some(ScalarValue::from_array(
        &(Arc::new(array) as arrow_array::ArrayRef),
        0,
    ))
}

/// Wraps a subquery's plan so its one column has type `to`.
fn cast_subquery(sub: Arc<Subquery>, to: &DataType) -> Result<Subquery> {
    let sub = Arc::try_unwrap(sub).map_err(|_| Error::plan("subquery is shared"))?;
    let schema = sub.plan.schema().clone();
    let from = schema.columns[0].data_type.clone();
    let expr = cast(Expr::col(0), &from, to)?;
    let mut col = crate::plan::PlanColumn::clone(&schema.columns[0]);
    col.data_type = to.clone();
    Ok(Subquery {
        plan: crate::plan::LogicalPlan::Project {
            input: Box::new(sub.plan),
            exprs: vec![expr],
            schema: PlanSchema::new(vec![col]),
        },
        correlated: sub.correlated,
    })
}

/// A sqlparser span's start as a location, when the parser recorded one.
pub(super) fn location(span: sqlparser::tokenizer::Span) -> Option<crate::error::Location> {
    (span.start.line > 0).then_some(crate::error::Location {
        line: span.start.line,
        column: span.start.column,
    })
}

/// A call of `func` on arguments already bound, each cast to what the
/// function takes; with its result type.
pub(super) fn call_bound(
    func: ScalarFunc,
    args: Vec<(Expr, DataType)>,
) -> Result<(Expr, DataType)> {
    let types: Vec<DataType> = args.iter().map(|(_, t)| t.clone()).collect();
    let targets = func.coerce(&types)?;
    let rt = func.return_type(&targets);
    let args = args
        .into_iter()
        .zip(&targets)
        .map(|((e, t), to)| cast(e, &t, to))
        .collect::<Result<Vec<_>>>()?;
    Ok((Expr::Function { func, args }, rt))
}

fn is_list(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)
    )
}

/// The ORDER BY among a call's arguments (`ARRAY_AGG(x ORDER BY y)`).
fn aggregate_order(f: &ast::Function) -> Option<&Vec<ast::OrderByExpr>> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    list.clauses.iter().find_map(|c| match c {
        ast::FunctionArgumentClause::OrderBy(o) => Some(o),
        _ => None,
    })
}

fn display_list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The comparison of `x op ANY (...)` or `x op ALL (...)` (`word`).
pub(super) fn quantified_op(op: &ast::BinaryOperator, word: &str) -> Result<BinaryOp> {
    use ast::BinaryOperator as O;
    Ok(match op {
        O::Eq => BinaryOp::Eq,
        O::NotEq => BinaryOp::NotEq,
        O::Lt => BinaryOp::Lt,
        O::LtEq => BinaryOp::LtEq,
        O::Gt => BinaryOp::Gt,
        O::GtEq => BinaryOp::GtEq,
        other => return Err(Error::unsupported(format!("'{other}' with {word}"))),
    })
}
