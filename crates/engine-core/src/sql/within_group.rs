//! `agg(...) WITHIN GROUP (ORDER BY ...)`, rewritten after parsing into the
//! calls the binder knows, so that no aggregate silently ignores the order:
//!
//! - the ordered-set aggregates of DuckDB and PostgreSQL:
//!   `PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY x)` is `QUANTILE_CONT(x, q)`
//!   (`QUANTILE_CONT(x, 1 - q)` for `ORDER BY x DESC`, DuckDB's answer),
//!   `PERCENTILE_DISC` likewise, `MODE() WITHIN GROUP (ORDER BY x)` is
//!   `MODE(x)`;
//! - any other aggregate takes the keys as its `ORDER BY` (`LISTAGG(s, ',')
//!   WITHIN GROUP (ORDER BY s)`, as in Oracle and Snowflake): they order
//!   `STRING_AGG` and `ARRAY_AGG` and change nothing else.

use std::ops::ControlFlow;

use sqlparser::ast::{
    self, visit_expressions_mut, Expr as A, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    Statement,
};

use crate::error::{Error, Result};

/// Rewrites every `WITHIN GROUP` call of `statement`.
pub(crate) fn rewrite(statement: &mut Statement) -> Result<()> {
    let mut failure = None;
    let _ = visit_expressions_mut(statement, |e| {
        if let A::Function(f) = e {
            if !f.within_group.is_empty() {
                if let Err(err) = rewrite_call(f) {
                    failure = Some(err);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    });
    failure.map_or(Ok(()), Err)
}

fn rewrite_call(f: &mut ast::Function) -> Result<()> {
    let name = match f.name.0.last() {
        Some(ast::ObjectNamePart::Identifier(i)) => i.value.to_lowercase(),
        _ => f.name.to_string().to_lowercase(),
    };
    let order = std::mem::take(&mut f.within_group);
    let ast::FunctionArguments::List(list) = &mut f.args else {
        return Err(Error::plan(format!(
            "{name}(...) WITHIN GROUP needs an argument list"
        )));
    };
    let (target, takes_fraction) = match name.as_str() {
        "percentile_cont" => ("quantile_cont", true),
        "percentile_disc" => ("quantile_disc", true),
        "mode" => ("mode", false),
        _ => {
            if list
                .clauses
                .iter()
                .any(|c| matches!(c, FunctionArgumentClause::OrderBy(_)))
            {
                return Err(Error::plan(format!(
                    "{name}(...) has an ORDER BY both in its arguments and in WITHIN GROUP"
                )));
            }
            list.clauses.push(FunctionArgumentClause::OrderBy(order));
            return Ok(());
        }
    };
    let [key] = order.as_slice() else {
        return Err(Error::plan(format!(
            "{name}(...) WITHIN GROUP takes one ORDER BY key, got {}",
            order.len()
        )));
    };
    let wanted = usize::from(takes_fraction);
    if list.args.len() != wanted || !list.clauses.is_empty() || list.duplicate_treatment.is_some() {
        return Err(Error::plan(format!(
            "{name}({}) WITHIN GROUP (ORDER BY x) is the form; got {} argument(s)",
            if takes_fraction { "fraction" } else { "" },
            list.args.len()
        )));
    }
    let mut args = vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(
        key.expr.clone(),
    ))];
    if let Some(fraction) = list.args.pop() {
        let FunctionArg::Unnamed(FunctionArgExpr::Expr(q)) = fraction else {
            return Err(Error::plan(format!("{name}'s fraction is a number")));
        };
        // Descending, the fraction counts from the other end.
        let q = match key.options.sort {
            Some(ast::OrderBySort::Desc) => complement(&q).ok_or_else(|| {
                Error::plan(format!(
                    "{name}(fraction) WITHIN GROUP (ORDER BY x DESC) needs a constant fraction \
                     from 0 to 1, got {q}"
                ))
            })?,
            _ => q,
        };
        args.push(FunctionArg::Unnamed(FunctionArgExpr::Expr(q)));
    }
    list.args = args;
    f.name = ast::ObjectName::from(vec![ast::Ident::new(target)]);
    Ok(())
}

/// `1 - q` for a literal fraction `q` from 0 to 1, computed in decimal
/// digits so that `1 - 0.7` is exactly `0.3`.
fn complement(q: &A) -> Option<A> {
    let A::Value(v) = q else { return None };
    let ast::Value::Number(text, _) = &v.value else {
        return None;
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 30 || !(whole.bytes().chain(fraction.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits: u128 = format!("{whole}{fraction}").parse().ok()?;
    let one = 10u128.pow(fraction.len() as u32);
    let rest = one.checked_sub(digits)?;
    let rest = format!("{rest:0width$}", width = fraction.len() + 1);
    let (w, f) = rest.split_at(rest.len() - fraction.len());
    let text = if f.is_empty() {
        w.to_string()
    } else {
        format!("{w}.{f}")
    };
    Some(A::Value(ast::Value::Number(text, false).into()))
}
