//! Evaluating bound expressions over a batch with Arrow kernels.

use std::sync::Arc;

use arrow_arith::boolean::{and_kleene, is_not_null, is_null, not, or_kleene};
use arrow_arith::numeric;
use arrow_array::cast::AsArray;
use arrow_array::{
    new_null_array, Array, ArrayRef, BooleanArray, Datum, RecordBatch, Scalar, UInt32Array,
};
use arrow_ord::cmp;
use arrow_schema::DataType;

use super::rowset::{canonical_floats, RowSet};
use super::{execute, ExecContext};
use crate::error::{Error, Result};
use crate::physical::{compile_streamed, PhysicalPlan};
use crate::plan::{BinaryOp, Expr, Subquery};

/// Evaluates `expr` over every row of `batch`.
pub fn evaluate(expr: &Expr, batch: &RecordBatch, ctx: &ExecContext) -> Result<ArrayRef> {
    crate::stack::check()?;
    let n = batch.num_rows();
    match expr {
        Expr::Column(c) => batch
            .columns()
            .get(c.index)
            .cloned()
            .ok_or_else(|| Error::exec(format!("no column #{} in the input", c.index))),
        Expr::OuterColumn { depth, column, .. } => {
            let outer = ctx.outer.borrow();
            let (b, row) = outer
                .len()
                .checked_sub(*depth)
                .and_then(|i| outer.get(i))
                .ok_or_else(|| Error::exec("outer column referenced outside its query"))?;
            let col = b
                .columns()
                .get(column.index)
                .ok_or_else(|| Error::exec("outer column beyond its query's row"))?;
            repeat(&col.slice(*row, 1), n)
        }
        Expr::Literal(v) => repeat(v.array(), n),
        Expr::Binary { op, left, right } => binary(*op, left, right, batch, ctx),
        Expr::Not(e) => Ok(Arc::new(not(evaluate(e, batch, ctx)?.as_boolean())?)),
        Expr::Negative(e) => Ok(numeric::neg(&evaluate(e, batch, ctx)?)?),
        Expr::IsNull { expr, negated } => {
            let a = evaluate(expr, batch, ctx)?;
            Ok(Arc::new(if *negated {
                is_not_null(&a)?
            } else {
                is_null(&a)?
            }))
        }
        Expr::IsBool {
            expr,
            value,
            negated,
        } => {
            let a = evaluate(expr, batch, ctx)?;
            let a = a.as_boolean();
            let out: BooleanArray = a
                .iter()
                .map(|v| Some((v == Some(*value)) != *negated))
                .collect();
            Ok(Arc::new(out))
        }
        Expr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => {
            let l = evaluate(expr, batch, ctx)?;
            let r = operand(pattern, batch, ctx)?;
            let out = match (negated, case_insensitive) {
                (false, false) => arrow_string::like::like(&l, r.as_ref())?,
                (false, true) => arrow_string::like::ilike(&l, r.as_ref())?,
                (true, false) => arrow_string::like::nlike(&l, r.as_ref())?,
                (true, true) => arrow_string::like::nilike(&l, r.as_ref())?,
            };
            Ok(Arc::new(out))
        }
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let v = canonical_floats(&evaluate(expr, batch, ctx)?);
            let mut acc: Option<BooleanArray> = None;
            for item in list {
                let r = comparand(item, batch, ctx)?;
                let eq = cmp::eq(&v, r.as_ref())?;
                acc = Some(match acc {
                    Some(a) => or_kleene(&a, &eq)?,
                    None => eq,
                });
            }
            let out = acc.unwrap_or_else(|| BooleanArray::from(vec![false; n]));
            Ok(Arc::new(if *negated { not(&out)? } else { out }))
        }
        Expr::Case { whens, else_expr } => {
            let t = whens.first().map(|(_, v)| v.data_type(&Default::default()));
            let mut result = match else_expr {
                Some(e) => evaluate(e, batch, ctx)?,
                None => new_null_array(&t.unwrap_or(DataType::Null), n),
            };
            for (cond, value) in whens.iter().rev() {
                let c = evaluate(cond, batch, ctx)?;
                let mask = true_mask(c.as_boolean());
                if mask.true_count() == 0 {
                    continue;
                }
                let v = evaluate(value, batch, ctx)?;
                result = arrow_select::zip::zip(&mask, &v, &result)?;
            }
            Ok(result)
        }
        Expr::Cast { expr, to, safe } => {
            let a = evaluate(expr, batch, ctx)?;
            Ok(super::cast::cast_values(&a, to, *safe)?)
        }
        Expr::Function { func, args } => {
            let args = args
                .iter()
                .map(|a| evaluate(a, batch, ctx))
                .collect::<Result<Vec<_>>>()?;
            func.invoke_checked(&args, n, &|bytes, what| {
                ctx.memory.check_strings(bytes, what)
            })
        }
        Expr::ScalarSubquery(sub) => {
            if !sub.correlated {
                let v = subquery_value(sub, ctx)?;
                return repeat(&v.scalar()?, n);
            }
            let mut parts = Vec::with_capacity(n);
            for row in 0..n {
                let v = with_outer_row(batch, row, ctx, || run_subquery(sub, ctx))?;
                parts.push(v.scalar()?);
            }
            concat_or_empty(&parts, &expr.data_type(&Default::default()))
        }
        Expr::InSubquery {
            expr: e,
            subquery,
            negated,
        } => {
            let v = evaluate(e, batch, ctx)?;
            let out = if !subquery.correlated {
                let set = subquery_value(subquery, ctx)?;
                set.contains(&v)?
            } else {
                let mut bits = Vec::with_capacity(n);
                for row in 0..n {
                    let set = with_outer_row(batch, row, ctx, || run_subquery(subquery, ctx))?;
                    let one = set.contains(&v.slice(row, 1))?;
                    bits.push(one.is_valid(0).then(|| one.value(0)));
                }
                BooleanArray::from(bits)
            };
            Ok(Arc::new(if *negated { not(&out)? } else { out }))
        }
        Expr::Exists { subquery, negated } => {
            let out = if !subquery.correlated {
                let v = subquery_value(subquery, ctx)?;
                BooleanArray::from(vec![v.rows > 0; n])
            } else {
                let mut bits = Vec::with_capacity(n);
                for row in 0..n {
                    bits.push(with_outer_row(batch, row, ctx, || exists(subquery, ctx))?);
                }
                BooleanArray::from(bits)
            };
            Ok(Arc::new(if *negated { not(&out)? } else { out }))
        }
    }
}

/// A literal as an Arrow `Scalar` (no copy per row); anything else evaluated.
fn operand(e: &Expr, batch: &RecordBatch, ctx: &ExecContext) -> Result<Box<dyn Datum>> {
    match e {
        Expr::Literal(v) => Ok(Box::new(Scalar::new(Arc::clone(v.array())))),
        other => Ok(Box::new(evaluate(other, batch, ctx)?)),
    }
}

/// An operand of a comparison: floats compare as SQL says (−0.0 = 0.0), not
/// by arrow's total order.
fn comparand(e: &Expr, batch: &RecordBatch, ctx: &ExecContext) -> Result<Box<dyn Datum>> {
    match e {
        Expr::Literal(v) => Ok(Box::new(Scalar::new(canonical_floats(v.array())))),
        other => Ok(Box::new(canonical_floats(&evaluate(other, batch, ctx)?))),
    }
}

fn binary(
    op: BinaryOp,
    left: &Expr,
    right: &Expr,
    batch: &RecordBatch,
    ctx: &ExecContext,
) -> Result<ArrayRef> {
    use BinaryOp::*;
    match op {
        And | Or => {
            let l = evaluate(left, batch, ctx)?;
            // Short-circuit: when the left side decides every row, skip the right
            // (which may be a costly subquery).
            let lb = l.as_boolean();
            if l.null_count() == 0 {
                let t = lb.true_count();
                if (op == And && t == 0) || (op == Or && t == lb.len()) {
                    return Ok(l);
                }
            }
            let r = evaluate(right, batch, ctx)?;
            let out = if op == And {
                and_kleene(lb, r.as_boolean())?
            } else {
                or_kleene(lb, r.as_boolean())?
            };
            Ok(Arc::new(out))
        }
        _ => {
            let compares = matches!(
                op,
                Eq | NotEq | Lt | LtEq | Gt | GtEq | IsDistinctFrom | IsNotDistinctFrom
            );
            let (l, r) = if compares {
                (comparand(left, batch, ctx)?, comparand(right, batch, ctx)?)
            } else {
                (operand(left, batch, ctx)?, operand(right, batch, ctx)?)
            };
            let (l, r) = (l.as_ref(), r.as_ref());
            let out: ArrayRef = match op {
                Eq | NotEq | Lt | LtEq | Gt | GtEq | IsDistinctFrom | IsNotDistinctFrom => {
                    match comparison(op) {
                        Some(compare) => Arc::new(compare(l, r)?),
                        None => {
                            return Err(Error::exec("internal: a comparison without its kernel"))
                        }
                    }
                }
                Plus | Minus | Multiply => match super::decimal::arithmetic(op, l, r) {
                    Some(out) => out?,
                    None if op == Plus => numeric::add(l, r)?,
                    None if op == Minus => numeric::sub(l, r)?,
                    None => numeric::mul(l, r)?,
                },
                // A float divided by zero is ±infinity (NaN for 0/0), as
                // in IEEE 754 and DuckDB.
                Divide if crate::types::is_float(r.get().0.data_type()) => numeric::div(l, r)?,
                Divide | Modulo => {
                    // Otherwise division by zero yields NULL: null out zero
                    // divisors first.
                    let (rv, rscalar) = r.get();
                    let zero =
                        arrow_cast::cast(&arrow_array::Int64Array::from(vec![0]), rv.data_type())?;
                    let is_zero = cmp::eq(&rv, &Scalar::new(zero))?;
                    let divisor: ArrayRef = if is_zero.true_count() > 0 {
                        arrow_select::nullif::nullif(rv, &is_zero)?
                    } else {
                        rv.slice(0, rv.len())
                    };
                    let out = if rscalar {
                        let d = Scalar::new(divisor);
                        if op == Divide {
                            numeric::div(l, &d)
                        } else {
                            numeric::rem(l, &d)
                        }
                    } else if op == Divide {
                        numeric::div(l, &divisor)
                    } else {
                        numeric::rem(l, &divisor)
                    };
                    out?
                }
                BitAnd | BitOr | BitXor => {
                    use arrow_array::types::Int64Type;
                    let la = materialize(l, batch.num_rows())?;
                    let ra = materialize(r, batch.num_rows())?;
                    let (la, ra) = (
                        la.as_primitive::<Int64Type>(),
                        ra.as_primitive::<Int64Type>(),
                    );
                    Arc::new(match op {
                        BitAnd => arrow_arith::bitwise::bitwise_and(la, ra)?,
                        BitOr => arrow_arith::bitwise::bitwise_or(la, ra)?,
                        _ => arrow_arith::bitwise::bitwise_xor(la, ra)?,
                    })
                }
                StringConcat => {
                    let la = materialize(l, batch.num_rows())?;
                    let ra = materialize(r, batch.num_rows())?;
                    let text =
                        crate::functions::text_bytes(&la) + crate::functions::text_bytes(&ra);
                    ctx.memory.check_strings(text, "||")?;
                    Arc::new(arrow_string::concat_elements::concat_elements_utf8(
                        la.as_string::<i32>(),
                        ra.as_string::<i32>(),
                    )?)
                }
                And | Or => unreachable!("handled above"),
            };
            // Two scalar operands give one value: stretch it to the batch.
            if out.len() == 1 && batch.num_rows() != 1 {
                return repeat(&out, batch.num_rows());
            }
            Ok(out)
        }
    }
}

fn materialize(d: &dyn Datum, n: usize) -> Result<ArrayRef> {
    let (a, is_scalar) = d.get();
    if is_scalar {
        repeat(&a.slice(0, 1), n)
    } else {
        Ok(a.slice(0, a.len()))
    }
}

/// A boolean array with NULL read as false.
/// A comparison kernel: `l op r`, row by row.
pub(crate) type Compare = fn(
    &dyn arrow_array::Datum,
    &dyn arrow_array::Datum,
) -> std::result::Result<BooleanArray, arrow_schema::ArrowError>;

/// The kernel of comparison `op` (`None` for an operator that compares nothing).
pub(crate) fn comparison(op: BinaryOp) -> Option<Compare> {
    use BinaryOp::*;
    Some(match op {
        Eq => cmp::eq,
        NotEq => cmp::neq,
        Lt => cmp::lt,
        LtEq => cmp::lt_eq,
        Gt => cmp::gt,
        GtEq => cmp::gt_eq,
        IsDistinctFrom => cmp::distinct,
        IsNotDistinctFrom => cmp::not_distinct,
        _ => return None,
    })
}

pub(crate) fn true_mask(a: &BooleanArray) -> BooleanArray {
    match a.nulls() {
        Some(nulls) if a.null_count() > 0 => {
            let values = a.values() & nulls.inner();
            BooleanArray::new(values, None)
        }
        _ => a.clone(),
    }
}

/// `n` copies of the one value in `one`.
pub(crate) fn repeat(one: &ArrayRef, n: usize) -> Result<ArrayRef> {
    if one.len() == n {
        return Ok(Arc::clone(one));
    }
    if one.logical_nulls().is_some_and(|n| n.is_null(0)) {
        return Ok(new_null_array(one.data_type(), n));
    }
    let idx = UInt32Array::from(vec![0u32; n]);
    Ok(arrow_select::take::take(one.as_ref(), &idx, None)?)
}

fn concat_or_empty(parts: &[ArrayRef], t: &DataType) -> Result<ArrayRef> {
    if parts.is_empty() {
        return Ok(new_null_array(t, 0));
    }
    let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
    Ok(arrow_select::concat::concat(&refs)?)
}

/// A subquery's result, as needed by the expression using it.
pub(crate) struct SubqueryValue {
    /// Number of rows.
    pub rows: usize,
    /// The first column, all rows (empty for EXISTS with no columns).
    column: Option<ArrayRef>,
    data_type: DataType,
    set: std::sync::OnceLock<Result<RowSet, String>>,
}

impl SubqueryValue {
    /// The one value of a scalar subquery (NULL when it returns no row).
    fn scalar(&self) -> Result<ArrayRef> {
        match (&self.column, self.rows) {
            (_, 0) | (None, _) => Ok(new_null_array(&self.data_type, 1)),
            (Some(c), 1) => Ok(Arc::clone(c)),
            (Some(_), n) => Err(Error::exec(format!(
                "a scalar subquery returned {n} rows; it must return at most one"
            ))),
        }
    }

    /// `v IN (subquery)` for each value of `v`, with SQL's NULL rules.
    fn contains(&self, v: &ArrayRef) -> Result<BooleanArray> {
        if self.rows == 0 {
            // Nothing is IN an empty set, not even NULL.
            return Ok(BooleanArray::from(vec![false; v.len()]));
        }
        let set = self
            .set
            .get_or_init(|| match &self.column {
                Some(c) => RowSet::build(c).map_err(|e| e.to_string()),
                None => Err("IN subquery has no column".into()),
            })
            .as_ref()
            .map_err(|e| Error::exec(e.clone()))?;
        set.contains(v)
    }
}

fn with_outer_row<T>(
    batch: &RecordBatch,
    row: usize,
    ctx: &ExecContext,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    ctx.outer.borrow_mut().push((batch.clone(), row));
    let out = f();
    ctx.outer.borrow_mut().pop();
    out
}

fn subquery_value(sub: &Arc<Subquery>, ctx: &ExecContext) -> Result<Arc<SubqueryValue>> {
    let key = Arc::as_ptr(sub) as usize;
    if let Some(v) = super::lock(&ctx.subqueries).get(&key) {
        return Ok(Arc::clone(v));
    }
    // Not locked while it runs: a nested subquery takes the lock too. Two
    // workers of a parallel scan may both run it; the first answer stays.
    let v = Arc::new(run_subquery(sub, ctx)?);
    Ok(Arc::clone(
        super::lock(&ctx.subqueries).entry(key).or_insert(v),
    ))
}

/// The subquery's physical plan, compiled on its first run in the query run
/// and kept for the others (a correlated one runs once per outer row). One
/// that runs per outer row, or first runs in a worker, starts no threads.
fn subquery_plan(sub: &Subquery, ctx: &ExecContext) -> Result<Arc<PhysicalPlan>> {
    let key = sub as *const Subquery as usize;
    if let Some(p) = super::lock(&ctx.subplans).get(&key) {
        return Ok(Arc::clone(p));
    }
    let parallel = !sub.correlated && ctx.partition.is_none();
    let plan = Arc::new(compile_streamed(
        sub.plan.clone(),
        ctx.parallelism,
        parallel,
    )?);
    Ok(Arc::clone(
        super::lock(&ctx.subplans).entry(key).or_insert(plan),
    ))
}

fn run_subquery(sub: &Subquery, ctx: &ExecContext) -> Result<SubqueryValue> {
    let data_type = sub
        .plan
        .schema()
        .columns
        .first()
        .map(|c| c.data_type.clone())
        .unwrap_or(DataType::Null);
    let mut parts = Vec::new();
    let mut rows = 0;
    let plan = subquery_plan(sub, ctx)?;
    for b in execute(&plan, ctx)? {
        let b = b?;
        rows += b.num_rows();
        if b.num_columns() > 0 && b.num_rows() > 0 {
            parts.push(Arc::clone(b.column(0)));
        }
    }
    let column = if parts.is_empty() {
        None
    } else {
        Some(concat_or_empty(&parts, &data_type)?)
    };
    Ok(SubqueryValue {
        rows,
        column,
        data_type,
        set: std::sync::OnceLock::new(),
    })
}

fn exists(sub: &Subquery, ctx: &ExecContext) -> Result<bool> {
    let plan = subquery_plan(sub, ctx)?;
    for b in execute(&plan, ctx)? {
        if b?.num_rows() > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}
