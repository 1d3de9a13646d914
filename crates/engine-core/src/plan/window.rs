//! Window functions: what `f(...) OVER (PARTITION BY ... ORDER BY ... frame)`
//! computes, bound. A [`LogicalPlan::Window`](super::LogicalPlan::Window)
//! node appends one column per [`WindowExpr`] to its input's rows.

use std::fmt;

use arrow_schema::DataType;

use super::{AggFunc, Expr, PlanSchema, ScalarValue, SortExpr};

/// A window function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowFunc {
    /// `ROW_NUMBER()`: 1, 2, 3, ... within the partition.
    RowNumber,
    /// `RANK()`: the row number of the first row of the row's peer group.
    Rank,
    /// `DENSE_RANK()`: the number of the row's peer group.
    DenseRank,
    /// `PERCENT_RANK()`: `(rank - 1) / (rows - 1)`, 0 for a partition of one row.
    PercentRank,
    /// `CUME_DIST()`: rows up to the end of the peer group / rows.
    CumeDist,
    /// `NTILE(n)`: the bucket (1 to n) of rows split as evenly as possible.
    Ntile,
    /// `LAG(x [, offset [, default]])`: `x` of the row `offset` before.
    Lag,
    /// `LEAD(x [, offset [, default]])`: `x` of the row `offset` after.
    Lead,
    /// `FIRST_VALUE(x)` of the frame.
    FirstValue,
    /// `LAST_VALUE(x)` of the frame.
    LastValue,
    /// `NTH_VALUE(x, n)`: `x` of the frame's n-th row (1-based).
    NthValue,
    /// An aggregate over the frame.
    Aggregate(AggFunc),
}

impl WindowFunc {
    /// Looks up a window-only function by its lower-case name (aggregates
    /// are found through [`AggFunc::from_name`]).
    pub fn from_name(name: &str) -> Option<WindowFunc> {
        crate::functions::registry::window(name)
    }

    /// The SQL name.
    pub fn name(self) -> &'static str {
        match self {
            WindowFunc::RowNumber => "ROW_NUMBER",
            WindowFunc::Rank => "RANK",
            WindowFunc::DenseRank => "DENSE_RANK",
            WindowFunc::PercentRank => "PERCENT_RANK",
            WindowFunc::CumeDist => "CUME_DIST",
            WindowFunc::Ntile => "NTILE",
            WindowFunc::Lag => "LAG",
            WindowFunc::Lead => "LEAD",
            WindowFunc::FirstValue => "FIRST_VALUE",
            WindowFunc::LastValue => "LAST_VALUE",
            WindowFunc::NthValue => "NTH_VALUE",
            WindowFunc::Aggregate(a) => a.name(),
        }
    }

    /// Whether the function reads the frame (the others read the partition
    /// and the row's position in it, whatever the frame says).
    pub fn uses_frame(self) -> bool {
        matches!(
            self,
            WindowFunc::FirstValue
                | WindowFunc::LastValue
                | WindowFunc::NthValue
                | WindowFunc::Aggregate(_)
        )
    }
}

/// How a frame's offsets count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    /// Rows.
    Rows,
    /// Values of the one ORDER BY key (`RANGE 5 PRECEDING`: keys within 5).
    Range,
    /// Peer groups (rows with equal ORDER BY keys).
    Groups,
}

/// One end of a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameBound {
    /// The partition's first row.
    UnboundedPreceding,
    /// `n PRECEDING`: a non-negative integer (ROWS, GROUPS), or a value of the
    /// ORDER BY key's type, or an interval for a date or time key (RANGE).
    Preceding(ScalarValue),
    /// The current row (ROWS), or its peer group's edge (RANGE, GROUPS).
    CurrentRow,
    /// `n FOLLOWING`, as `Preceding`.
    Following(ScalarValue),
    /// The partition's last row.
    UnboundedFollowing,
}

/// Rows taken out of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameExclude {
    /// None (the default).
    NoOthers,
    /// The current row.
    CurrentRow,
    /// The current row's peer group.
    Group,
    /// The current row's peers, but not the row itself.
    Ties,
}

/// `ROWS|RANGE|GROUPS BETWEEN start AND end [EXCLUDE ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowFrame {
    /// How offsets count.
    pub units: FrameUnits,
    /// Where the frame starts.
    pub start: FrameBound,
    /// Where it ends (inclusive).
    pub end: FrameBound,
    /// Rows taken out.
    pub exclude: FrameExclude,
}

impl WindowFrame {
    /// SQL's default frame: from the partition's start to the current row's
    /// last peer with ORDER BY, the whole partition without.
    pub fn default_for(ordered: bool) -> WindowFrame {
        WindowFrame {
            units: FrameUnits::Range,
            start: FrameBound::UnboundedPreceding,
            end: match ordered {
                true => FrameBound::CurrentRow,
                false => FrameBound::UnboundedFollowing,
            },
            exclude: FrameExclude::NoOthers,
        }
    }
}

/// A window function call, over the window node's input.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowExpr {
    /// The function.
    pub func: WindowFunc,
    /// Its arguments (for an aggregate, as an aggregate's: SUM's cast to
    /// BIGINT, DOUBLE or DECIMAL(38, s)).
    pub args: Vec<Expr>,
    /// An aggregate of distinct values.
    pub distinct: bool,
    /// An aggregate's `FILTER (WHERE ...)`: rows where it is not true are
    /// left out of the frame's aggregate.
    pub filter: Option<Expr>,
    /// `IGNORE NULLS` (LAG, LEAD, FIRST_VALUE, LAST_VALUE, NTH_VALUE).
    pub ignore_nulls: bool,
    /// PARTITION BY keys.
    pub partition_by: Vec<Expr>,
    /// ORDER BY keys.
    pub order_by: Vec<SortExpr>,
    /// The frame.
    pub frame: WindowFrame,
}

impl WindowExpr {
    /// The result type over an input with `schema`.
    pub fn data_type(&self, input: &PlanSchema) -> DataType {
        let arg = || {
            self.args
                .first()
                .map(|a| a.data_type(input))
                .unwrap_or(DataType::Null)
        };
        match self.func {
            WindowFunc::RowNumber
            | WindowFunc::Rank
            | WindowFunc::DenseRank
            | WindowFunc::Ntile => DataType::Int64,
            WindowFunc::PercentRank | WindowFunc::CumeDist => DataType::Float64,
            WindowFunc::Lag
            | WindowFunc::Lead
            | WindowFunc::FirstValue
            | WindowFunc::LastValue
            | WindowFunc::NthValue => arg(),
            WindowFunc::Aggregate(func) => func.result_type(arg()),
        }
    }

    /// Whether `other` sorts its input the same way (the same partition and
    /// order keys), so both are computed over one sort.
    pub fn same_order(&self, other: &WindowExpr) -> bool {
        self.partition_by == other.partition_by && self.order_by == other.order_by
    }

    /// Every expression the call holds.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.args
            .iter()
            .chain(self.filter.iter())
            .chain(self.partition_by.iter())
            .chain(self.order_by.iter().map(|k| &k.expr))
    }

    /// The call with `f` applied to each expression it holds.
    pub fn map_exprs(self, f: &mut dyn FnMut(Expr) -> Expr) -> WindowExpr {
        WindowExpr {
            args: self.args.into_iter().map(&mut *f).collect(),
            filter: self.filter.map(&mut *f),
            partition_by: self.partition_by.into_iter().map(&mut *f).collect(),
            order_by: self
                .order_by
                .into_iter()
                .map(|k| SortExpr {
                    expr: f(k.expr),
                    ..k
                })
                .collect(),
            ..self
        }
    }

    /// Each expression the call holds, in place.
    pub fn exprs_mut(&mut self) -> impl Iterator<Item = &mut Expr> {
        self.args
            .iter_mut()
            .chain(self.filter.iter_mut())
            .chain(self.partition_by.iter_mut())
            .chain(self.order_by.iter_mut().map(|k| &mut k.expr))
    }
}

impl fmt::Display for FrameBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(v) => write!(f, "{v} PRECEDING"),
            FrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            FrameBound::Following(v) => write!(f, "{v} FOLLOWING"),
            FrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
        }
    }
}

impl fmt::Display for WindowExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(", ");
        match self.func {
            WindowFunc::Aggregate(AggFunc::CountStar) => f.write_str("COUNT(*)")?,
            func => write!(
                f,
                "{}({}{})",
                func.name(),
                if self.distinct { "DISTINCT " } else { "" },
                list(&mut self.args.iter().map(|a| a.to_string()))
            )?,
        }
        if self.ignore_nulls {
            f.write_str(" IGNORE NULLS")?;
        }
        if let Some(filter) = &self.filter {
            write!(f, " FILTER (WHERE {filter})")?;
        }
        f.write_str(" OVER (")?;
        let mut parts = Vec::new();
        if !self.partition_by.is_empty() {
            parts.push(format!(
                "PARTITION BY {}",
                list(&mut self.partition_by.iter().map(|e| e.to_string()))
            ));
        }
        if !self.order_by.is_empty() {
            parts.push(format!(
                "ORDER BY {}",
                list(&mut self.order_by.iter().map(|k| format!(
                    "{}{}",
                    k.expr,
                    if k.descending { " DESC" } else { "" }
                )))
            ));
        }
        if self.func.uses_frame()
            && self.frame != WindowFrame::default_for(!self.order_by.is_empty())
        {
            let units = match self.frame.units {
                FrameUnits::Rows => "ROWS",
                FrameUnits::Range => "RANGE",
                FrameUnits::Groups => "GROUPS",
            };
            let mut s = format!(
                "{units} BETWEEN {} AND {}",
                self.frame.start, self.frame.end
            );
            match self.frame.exclude {
                FrameExclude::NoOthers => {}
                FrameExclude::CurrentRow => s.push_str(" EXCLUDE CURRENT ROW"),
                FrameExclude::Group => s.push_str(" EXCLUDE GROUP"),
                FrameExclude::Ties => s.push_str(" EXCLUDE TIES"),
            }
            parts.push(s);
        }
        write!(f, "{})", parts.join(" "))
    }
}

/// A window node's line in EXPLAIN (logical and physical alike).
pub(crate) fn window_line(exprs: &[WindowExpr]) -> String {
    let calls: Vec<String> = exprs.iter().map(|w| w.to_string()).collect();
    format!("Window [{}]", calls.join(", "))
}

/// An Expand node's line in EXPLAIN (logical and physical alike): its lists.
pub(crate) fn expand_line(lists: &[Vec<Expr>]) -> String {
    let lists: Vec<String> = lists
        .iter()
        .map(|l| {
            let items: Vec<String> = l.iter().map(|e| e.to_string()).collect();
            format!("[{}]", items.join(", "))
        })
        .collect();
    format!("Expand {}", lists.join(" "))
}

/// An UNNEST node's line in EXPLAIN (logical and physical alike).
pub(crate) fn unnest_line(list: &Expr, outer: bool, ordinality: bool) -> String {
    format!(
        "Unnest {list}{}{}",
        if outer { " outer" } else { "" },
        if ordinality { " with ordinality" } else { "" }
    )
}
