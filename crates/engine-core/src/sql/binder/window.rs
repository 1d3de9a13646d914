//! Binding window function calls: `f(...) OVER (...)`, named windows
//! (`WINDOW w AS (...)`) and frames.
//!
//! A SELECT's window calls are collected in a [`WinCtx`] while its select
//! list, ORDER BY and QUALIFY are bound; each call is bound in the call's
//! place as a reference to a column that is not there yet
//! ([`WINDOW_MARK`] plus the call's number). Once everything is bound the
//! SELECT puts a window node over its (grouped) input and the references are
//! pointed at the node's new columns ([`point_at_windows`]).

use std::collections::HashMap;

use arrow_schema::DataType;
use sqlparser::ast::{self, Expr as A};

use super::aggregates::function_name;
use super::expr::{cast, Ctx};
use super::Binder;
use crate::error::{Error, Result};
use crate::plan::{
    AggFunc, Expr, FrameBound, FrameExclude, FrameUnits, PlanColumn, PlanSchema, SortExpr,
    WindowExpr, WindowFrame, WindowFunc,
};
use crate::types::{is_integer, is_numeric};

/// Where the references to window calls start: far past any real column.
pub(super) const WINDOW_MARK: usize = 1 << 40;

/// The prefix the parser gives a window's name to carry its frame's
/// EXCLUDE clause, which sqlparser does not read (see `sql::parser`).
pub(crate) const EXCLUDE_MARK: char = '\u{1}';

/// A SELECT's window calls and named windows.
#[derive(Default)]
pub(super) struct WinCtx {
    /// `WINDOW name AS (...)`, by lower-case name.
    named: HashMap<String, ast::WindowSpec>,
    /// The calls found so far.
    pub exprs: Vec<WindowExpr>,
}

impl WinCtx {
    /// The window context of a SELECT with `WINDOW` definitions `named`.
    pub fn new(named: &[ast::NamedWindowDefinition]) -> Result<WinCtx> {
        let mut ctx = WinCtx::default();
        for ast::NamedWindowDefinition(name, def) in named {
            let key = name.value.to_lowercase();
            if ctx.named.contains_key(&key) {
                return Err(Error::plan(format!(
                    "the window '{}' is defined twice",
                    name.value
                )));
            }
            let spec = match def {
                ast::NamedWindowExpr::WindowSpec(s) => ctx.resolve(s)?,
                ast::NamedWindowExpr::NamedWindow(other) => ctx.named_spec(other)?,
            };
            ctx.named.insert(key, spec);
        }
        Ok(ctx)
    }

    fn named_spec(&self, name: &ast::Ident) -> Result<ast::WindowSpec> {
        self.named
            .get(&name.value.to_lowercase())
            .cloned()
            .ok_or_else(|| Error::plan(format!("window '{}' is not defined", name.value)))
    }

    /// `spec` with the named window it builds on merged in: its PARTITION
    /// BY, its ORDER BY unless `spec` has one, and its frame unless `spec`
    /// has one (SQL's window inheritance). An EXCLUDE marker stays.
    fn resolve(&self, spec: &ast::WindowSpec) -> Result<ast::WindowSpec> {
        let (exclude, name) = split_exclude(spec.window_name.as_ref());
        let Some(name) = name else {
            return Ok(spec.clone());
        };
        let base = self.named_spec(&name)?;
        if !spec.partition_by.is_empty() {
            return Err(Error::plan(format!(
                "a window built on '{}' cannot have its own PARTITION BY",
                name.value
            )));
        }
        if !spec.order_by.is_empty() && !base.order_by.is_empty() {
            return Err(Error::plan(format!(
                "a window built on '{}' cannot replace its ORDER BY",
                name.value
            )));
        }
        let (base_exclude, _) = split_exclude(base.window_name.as_ref());
        let frame_from_spec = spec.window_frame.is_some();
        Ok(ast::WindowSpec {
            window_name: match frame_from_spec {
                true => {
                    exclude.map(|e| ast::Ident::new(format!("{EXCLUDE_MARK}{e}{EXCLUDE_MARK}")))
                }
                false => base_exclude
                    .map(|e| ast::Ident::new(format!("{EXCLUDE_MARK}{e}{EXCLUDE_MARK}"))),
            },
            partition_by: base.partition_by,
            order_by: match spec.order_by.is_empty() {
                true => base.order_by,
                false => spec.order_by.clone(),
            },
            window_frame: match frame_from_spec {
                true => spec.window_frame.clone(),
                false => base.window_frame,
            },
        })
    }
}

/// A window name as the parser leaves it: the frame's EXCLUDE clause (its
/// words, as `ties`) and the real name.
fn split_exclude(name: Option<&ast::Ident>) -> (Option<String>, Option<ast::Ident>) {
    let Some(name) = name else {
        return (None, None);
    };
    let Some(rest) = name.value.strip_prefix(EXCLUDE_MARK) else {
        return (None, Some(name.clone()));
    };
    match rest.split_once(EXCLUDE_MARK) {
        Some((exclude, real)) => (
            Some(exclude.to_string()),
            (!real.is_empty()).then(|| ast::Ident::new(real)),
        ),
        None => (None, Some(name.clone())),
    }
}

impl Binder<'_> {
    /// Binds window call `f` where `ctx` collects them: a reference to the
    /// column the window node will compute.
    pub(super) fn bind_window(&mut self, f: &ast::Function, ctx: Ctx) -> Result<Expr> {
        let win = ctx.win.ok_or_else(|| {
            Error::plan(format!(
                "window function {}() is not allowed here: only in the select list, QUALIFY and ORDER BY",
                function_name(f).to_uppercase()
            ))
        })?;
        let spec = {
            let w = win.borrow();
            match f.over.as_ref() {
                Some(ast::WindowType::NamedWindow(name)) => w.named_spec(name)?,
                Some(ast::WindowType::WindowSpec(s)) => w.resolve(s)?,
                None => return Err(Error::plan("internal: a window call without OVER")),
            }
        };
        // Inside the call, no other window call.
        let inner = Ctx { win: None, ..ctx };
        let bound = self.bind_window_call(f, &spec, inner)?;
        let mut w = win.borrow_mut();
        let idx = match w.exprs.iter().position(|x| *x == bound) {
            Some(i) => i,
            None => {
                w.exprs.push(bound);
                w.exprs.len() - 1
            }
        };
        Ok(Expr::col(WINDOW_MARK + idx))
    }

    fn bind_window_call(
        &mut self,
        f: &ast::Function,
        spec: &ast::WindowSpec,
        ctx: Ctx,
    ) -> Result<WindowExpr> {
        let name = function_name(f);
        let ignore_nulls = null_treatment(f)?;
        let (func, args, filter, distinct) = match WindowFunc::from_name(&name) {
            Some(func) => {
                if f.filter.is_some() {
                    return Err(Error::plan(format!(
                        "{}() takes no FILTER clause",
                        func.name()
                    )));
                }
                let (args, distinct, star) = self.function_args(f)?;
                if distinct || star {
                    return Err(Error::plan(format!(
                        "{}() takes no DISTINCT or *",
                        func.name()
                    )));
                }
                let args = self.window_args(func, &args, ctx)?;
                (func, args, None, false)
            }
            None => {
                if AggFunc::from_name(&name).is_none() {
                    return Err(Error::UnknownName {
                        kind: "window function",
                        name: name.clone(),
                        suggestion: None,
                        location: super::expr::location(sqlparser::ast::Spanned::span(&f.name)),
                    });
                }
                let agg = self.bind_aggregate(f, ctx, true)?;
                // MIN and MAX of distinct values are MIN and MAX.
                let distinct = agg.distinct && !matches!(agg.func, AggFunc::Min | AggFunc::Max);
                (
                    WindowFunc::Aggregate(agg.func),
                    agg.args,
                    agg.filter,
                    distinct,
                )
            }
        };
        if ignore_nulls
            && !matches!(
                func,
                WindowFunc::Lag
                    | WindowFunc::Lead
                    | WindowFunc::FirstValue
                    | WindowFunc::LastValue
                    | WindowFunc::NthValue
            )
        {
            return Err(Error::plan(format!(
                "{}() takes no IGNORE NULLS",
                func.name()
            )));
        }
        let partition_by = spec
            .partition_by
            .iter()
            .map(|e| self.bind_expr(e, ctx))
            .collect::<Result<Vec<_>>>()?;
        let mut order_by = Vec::with_capacity(spec.order_by.len());
        let mut key_type = DataType::Null;
        for o in &spec.order_by {
            let (descending, nulls_first) = super::query::sort_options(o)?;
            let (e, t) = self.bind_typed(&o.expr, ctx)?;
            if order_by.is_empty() {
                key_type = t;
            }
            order_by.push(SortExpr {
                expr: e,
                descending,
                nulls_first,
            });
        }
        let (exclude, _) = split_exclude(spec.window_name.as_ref());
        let frame = match &spec.window_frame {
            None => WindowFrame::default_for(!order_by.is_empty()),
            Some(frame) => self.bind_frame(frame, exclude.as_deref(), &order_by, &key_type)?,
        };
        Ok(WindowExpr {
            func,
            args,
            distinct,
            filter,
            ignore_nulls,
            partition_by,
            order_by,
            frame,
        })
    }

    /// A window-only function's arguments, checked and cast.
    fn window_args(&mut self, func: WindowFunc, args: &[&A], ctx: Ctx) -> Result<Vec<Expr>> {
        let (min, max) = match func {
            WindowFunc::RowNumber
            | WindowFunc::Rank
            | WindowFunc::DenseRank
            | WindowFunc::PercentRank
            | WindowFunc::CumeDist => (0, 0),
            WindowFunc::Ntile | WindowFunc::FirstValue | WindowFunc::LastValue => (1, 1),
            WindowFunc::NthValue => (2, 2),
            WindowFunc::Lag | WindowFunc::Lead => (1, 3),
            WindowFunc::Aggregate(_) => return Err(Error::plan("internal: an aggregate")),
        };
        if args.len() < min || args.len() > max {
            let wanted = match (min, max) {
                (0, 0) => "no arguments".to_string(),
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, b) => format!("{a} to {b} arguments"),
            };
            return Err(Error::plan(format!(
                "{}() takes {wanted}, got {}",
                func.name(),
                args.len()
            )));
        }
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            bound.push(self.bind_typed(a, ctx)?);
        }
        let int = |(e, t): (Expr, DataType), what: &str| -> Result<Expr> {
            if !is_integer(&t) && t != DataType::Null {
                return Err(Error::type_error(format!(
                    "{}()'s {what} must be an integer, got {t}",
                    func.name()
                )));
            }
            cast(e, &t, &DataType::Int64)
        };
        let mut out = Vec::with_capacity(bound.len());
        let mut it = bound.into_iter();
        match func {
            WindowFunc::Ntile => out.push(int(it.next().expect("one"), "bucket count")?),
            WindowFunc::FirstValue | WindowFunc::LastValue => out.push(it.next().expect("one").0),
            WindowFunc::NthValue => {
                out.push(it.next().expect("two").0);
                out.push(int(it.next().expect("two"), "row number")?);
            }
            WindowFunc::Lag | WindowFunc::Lead => {
                let (value, vt) = it.next().expect("one");
                let offset = it.next().map(|o| int(o, "offset")).transpose()?;
                match it.next() {
                    Some((default, dt)) => {
                        // The default takes the value's type, as in DuckDB.
                        out.push(value);
                        out.push(
                            offset.unwrap_or(Expr::Literal(crate::plan::ScalarValue::int64(1))),
                        );
                        out.push(cast(default, &dt, &vt)?);
                    }
                    None => {
                        out.push(value);
                        out.extend(offset);
                    }
                }
            }
            _ => {}
        }
        Ok(out)
    }

    /// A frame clause, checked: its offsets are constants of the right type.
    fn bind_frame(
        &mut self,
        frame: &ast::WindowFrame,
        exclude: Option<&str>,
        order_by: &[SortExpr],
        key_type: &DataType,
    ) -> Result<WindowFrame> {
        let units = match frame.units {
            ast::WindowFrameUnits::Rows => FrameUnits::Rows,
            ast::WindowFrameUnits::Range => FrameUnits::Range,
            ast::WindowFrameUnits::Groups => FrameUnits::Groups,
        };
        if units == FrameUnits::Groups && order_by.is_empty() {
            return Err(Error::plan("a GROUPS frame needs an ORDER BY"));
        }
        let start = self.bind_bound(&frame.start_bound, units, order_by, key_type)?;
        let end = match &frame.end_bound {
            Some(b) => self.bind_bound(b, units, order_by, key_type)?,
            None => FrameBound::CurrentRow,
        };
        if start == FrameBound::UnboundedFollowing {
            return Err(Error::plan("a frame cannot start at UNBOUNDED FOLLOWING"));
        }
        if end == FrameBound::UnboundedPreceding {
            return Err(Error::plan("a frame cannot end at UNBOUNDED PRECEDING"));
        }
        let rank = |b: &FrameBound| match b {
            FrameBound::UnboundedPreceding => 0,
            FrameBound::Preceding(_) => 1,
            FrameBound::CurrentRow => 2,
            FrameBound::Following(_) => 3,
            FrameBound::UnboundedFollowing => 4,
        };
        if rank(&start) > rank(&end) {
            return Err(Error::plan(format!(
                "a frame cannot start at {start} and end at {end}"
            )));
        }
        let exclude = match exclude {
            None | Some("no others") => FrameExclude::NoOthers,
            Some("current row") => FrameExclude::CurrentRow,
            Some("group") => FrameExclude::Group,
            Some("ties") => FrameExclude::Ties,
            Some(other) => return Err(Error::plan(format!("unknown frame exclusion '{other}'"))),
        };
        Ok(WindowFrame {
            units,
            start,
            end,
            exclude,
        })
    }

    fn bind_bound(
        &mut self,
        b: &ast::WindowFrameBound,
        units: FrameUnits,
        order_by: &[SortExpr],
        key_type: &DataType,
    ) -> Result<FrameBound> {
        let (offset, preceding) = match b {
            ast::WindowFrameBound::CurrentRow => return Ok(FrameBound::CurrentRow),
            ast::WindowFrameBound::Preceding(None) => return Ok(FrameBound::UnboundedPreceding),
            ast::WindowFrameBound::Following(None) => return Ok(FrameBound::UnboundedFollowing),
            ast::WindowFrameBound::Preceding(Some(e)) => (e, true),
            ast::WindowFrameBound::Following(Some(e)) => (e, false),
        };
        let empty = PlanSchema::default();
        // Offsets are constants: a column cannot be found, and says so.
        let (e, t) = match self.bind_typed(offset, Ctx::plain(&empty)) {
            Err(Error::UnknownName { kind: "column", .. }) => {
                return Err(Error::plan(format!(
                    "a frame offset must be a constant, got {offset}"
                )))
            }
            other => other?,
        };
        if !e.is_constant() {
            return Err(Error::plan("a frame offset must be a constant"));
        }
        let value = match units {
            FrameUnits::Rows | FrameUnits::Groups => {
                if !is_integer(&t) {
                    return Err(Error::type_error(format!(
                        "a ROWS or GROUPS frame offset must be an integer, got {t}"
                    )));
                }
                let v = crate::exec::evaluate_constant(&cast(e, &t, &DataType::Int64)?)?;
                match v.as_i64() {
                    Some(n) if n >= 0 => v,
                    _ => {
                        return Err(Error::plan(format!(
                            "a frame offset must be a non-negative integer, got {v}"
                        )))
                    }
                }
            }
            FrameUnits::Range => {
                if order_by.len() != 1 {
                    return Err(Error::plan(
                        "a RANGE frame with an offset needs exactly one ORDER BY key",
                    ));
                }
                let temporal = matches!(
                    key_type,
                    DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
                );
                let v = match (is_numeric(key_type), temporal) {
                    (true, _) if is_numeric(&t) => {
                        let v = crate::exec::evaluate_constant(&e)?;
                        let negative = !v.is_null() && {
                            use arrow_array::cast::AsArray;
                            let f = arrow_cast::cast(v.array(), &DataType::Float64)?;
                            f.as_primitive::<arrow_array::types::Float64Type>().value(0) < 0.0
                        };
                        if negative {
                            return Err(Error::plan(format!(
                                "a frame offset must not be negative, got {v}"
                            )));
                        }
                        v
                    }
                    (_, true) if matches!(t, DataType::Interval(_)) => {
                        crate::exec::evaluate_constant(&e)?
                    }
                    _ => {
                        return Err(Error::type_error(format!(
                            "a RANGE frame offset over an ORDER BY key of type {key_type} must be {}, got {t}",
                            if temporal { "an INTERVAL" } else { "a number" }
                        )))
                    }
                };
                if v.is_null() {
                    return Err(Error::plan("a frame offset cannot be NULL"));
                }
                v
            }
        };
        Ok(match preceding {
            true => FrameBound::Preceding(value),
            false => FrameBound::Following(value),
        })
    }
}

/// IGNORE NULLS (after the call or inside its parentheses).
fn null_treatment(f: &ast::Function) -> Result<bool> {
    let mut ignore = matches!(f.null_treatment, Some(ast::NullTreatment::IgnoreNulls));
    if let ast::FunctionArguments::List(list) = &f.args {
        for c in &list.clauses {
            match c {
                ast::FunctionArgumentClause::IgnoreOrRespectNulls(t) => {
                    ignore = matches!(t, ast::NullTreatment::IgnoreNulls)
                }
                other => {
                    return Err(Error::unsupported(format!(
                        "'{other}' in a window function's arguments"
                    )))
                }
            }
        }
    }
    Ok(ignore)
}

/// The window node's columns: `input`'s, then one per call.
pub(super) fn window_schema(input: &PlanSchema, exprs: &[WindowExpr]) -> PlanSchema {
    let mut columns = input.columns.clone();
    for (i, w) in exprs.iter().enumerate() {
        columns.push(std::sync::Arc::new(PlanColumn::new(
            None,
            format!("__window{i}"),
            w.data_type(input),
        )));
    }
    PlanSchema::shared(columns)
}

/// `e` with its references to window calls pointed at the window node's
/// columns, which follow the `width` columns of its input.
pub(super) fn point_at_windows(e: &Expr, width: usize) -> Expr {
    e.transform(&mut |x| match x {
        Expr::Column(c) if c.index >= WINDOW_MARK => Some(Expr::col(width + c.index - WINDOW_MARK)),
        _ => None,
    })
}

/// An expression's text with each frame's EXCLUDE clause back where it was
/// written: the parser moved it into the window's name
/// (`OVER ("\u{1}ties\u{1}w" ROWS 1 PRECEDING)` is shown as
/// `OVER (w ROWS 1 PRECEDING EXCLUDE TIES)`).
pub(super) fn show_exclusions(mut text: String) -> String {
    let open = format!("\"{EXCLUDE_MARK}");
    while let Some(at) = text.find(&open) {
        let rest = &text[at + open.len()..];
        let Some((what, after)) = rest.split_once(EXCLUDE_MARK) else {
            break;
        };
        let Some(close) = after.find('"') else {
            break;
        };
        let (what, name) = (what.to_uppercase(), &after[..close]);
        let tail = &after[close + 1..];
        let tail = match name.is_empty() {
            true => tail.strip_prefix(' ').unwrap_or(tail),
            false => tail,
        };
        // The window's closing parenthesis: the first one not matched
        // after the marker.
        let mut depth = 0usize;
        let end = tail.char_indices().find_map(|(i, c)| match c {
            '(' => {
                depth += 1;
                None
            }
            ')' if depth == 0 => Some(i),
            ')' => {
                depth -= 1;
                None
            }
            _ => None,
        });
        let Some(end) = end else {
            break;
        };
        text = format!(
            "{}{name}{} EXCLUDE {what}{}",
            &text[..at],
            &tail[..end],
            &tail[end..]
        );
    }
    text
}

/// Whether `e` refers to a window call.
pub(super) fn has_window(e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |x| {
        if let Expr::Column(c) = x {
            found |= c.index >= WINDOW_MARK;
        }
    });
    found
}
