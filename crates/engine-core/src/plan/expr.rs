//! Bound expressions: names already resolved to columns and types already
//! reconciled (the binder inserts the casts), so the executor can run Arrow
//! kernels without further checks. A column is named by its identity
//! ([`ColumnId`]); its position in the input is worked out after the
//! optimizer's rules ([`resolve`](super::columns::resolve)).

use std::fmt;
use std::sync::Arc;

use arrow_schema::DataType;

use super::{ColumnId, LogicalPlan, PlanSchema, ScalarValue};
use crate::functions::ScalarFunc;

/// Binary operators. Operands have already been cast to a common type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    IsDistinctFrom,
    IsNotDistinctFrom,
    And,
    Or,
    Plus,
    Minus,
    Multiply,
    /// Division whose result type is its operands' type (float, or integer under
    /// `SET integer_division = true`); division by zero yields NULL.
    Divide,
    Modulo,
    StringConcat,
    /// `a & b`, `a | b` and (for `~a`, as `a XOR -1`) exclusive or, of BIGINTs.
    BitAnd,
    BitOr,
    BitXor,
}

impl BinaryOp {
    /// Whether the operator compares its operands and yields a boolean.
    pub fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(
            self,
            Eq | NotEq | Lt | LtEq | Gt | GtEq | IsDistinctFrom | IsNotDistinctFrom
        )
    }
    /// The operator as written in SQL.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Eq => "=",
            NotEq => "<>",
            Lt => "<",
            LtEq => "<=",
            Gt => ">",
            GtEq => ">=",
            IsDistinctFrom => "IS DISTINCT FROM",
            IsNotDistinctFrom => "IS NOT DISTINCT FROM",
            And => "AND",
            Or => "OR",
            Plus => "+",
            Minus => "-",
            Multiply => "*",
            Divide => "/",
            Modulo => "%",
            StringConcat => "||",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "XOR",
        }
    }
}

/// A subquery used as an expression.
#[derive(Debug)]
pub struct Subquery {
    /// The subquery's plan.
    pub plan: LogicalPlan,
    /// Whether it refers to columns of the query around it (and so must be
    /// evaluated once per outer row rather than once per query).
    pub correlated: bool,
}

/// A reference to an input column.
///
/// `id` is what the reference means; `index` is where the column sits in the
/// input's batches. The binder names columns by position (`id` unset), right
/// after binding [`identify`](super::columns::identify) sets the identities,
/// the optimizer's rules move expressions about without touching positions,
/// and [`resolve`](super::columns::resolve) sets every position anew before
/// the plan runs.
#[derive(Debug, Clone, Copy)]
pub struct ColumnRef {
    /// The column's identity.
    pub id: ColumnId,
    /// Its position in the input (valid after binding and after `resolve`).
    pub index: usize,
}

impl ColumnRef {
    /// The column with identity `id`, position unknown until `resolve`.
    pub fn id(id: ColumnId) -> ColumnRef {
        ColumnRef {
            id,
            index: usize::MAX,
        }
    }

    /// The column at `index`, identity not set yet (the binder's references).
    pub(crate) fn position(index: usize) -> ColumnRef {
        ColumnRef {
            id: ColumnId::UNSET,
            index,
        }
    }

    /// Whether both name the same column: the same identity, or before
    /// identities are set, the same position.
    fn same(&self, other: &ColumnRef) -> bool {
        if self.id.is_set() || other.id.is_set() {
            self.id == other.id
        } else {
            self.index == other.index
        }
    }
}

/// A bound scalar expression.
#[derive(Debug, Clone)]
pub enum Expr {
    /// An input column.
    Column(ColumnRef),
    /// A column of an enclosing query's current row (correlated subqueries):
    /// `depth` 1 is the query directly around this one.
    OuterColumn {
        /// How many query levels up.
        depth: usize,
        /// The column, in the input of the node that evaluates the subquery
        /// at that level.
        column: ColumnRef,
        /// The column's type.
        data_type: DataType,
    },
    /// A constant.
    Literal(ScalarValue),
    /// `left op right`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// Logical NOT.
    Not(Box<Expr>),
    /// Arithmetic negation.
    Negative(Box<Expr>),
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// The tested value.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `expr IS [NOT] TRUE|FALSE`.
    IsBool {
        /// The tested value.
        expr: Box<Expr>,
        /// TRUE or FALSE.
        value: bool,
        /// `IS NOT ...`.
        negated: bool,
    },
    /// `expr [NOT] [I]LIKE pattern`.
    Like {
        /// The string tested.
        expr: Box<Expr>,
        /// The pattern.
        pattern: Box<Expr>,
        /// `NOT LIKE`.
        negated: bool,
        /// `ILIKE`.
        case_insensitive: bool,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        /// The value tested.
        expr: Box<Expr>,
        /// The candidates, cast to the tested value's type.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `CASE WHEN c THEN v ... ELSE e END` (the operand form is rewritten to this).
    Case {
        /// `(condition, result)` pairs, in order.
        whens: Vec<(Expr, Expr)>,
        /// The ELSE result (NULL when absent).
        else_expr: Option<Box<Expr>>,
    },
    /// `CAST(expr AS type)`; `safe` (TRY_CAST) yields NULL instead of failing.
    Cast {
        /// The value.
        expr: Box<Expr>,
        /// The target type.
        to: DataType,
        /// TRY_CAST semantics.
        safe: bool,
    },
    /// A scalar function call.
    Function {
        /// The function.
        func: ScalarFunc,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `(SELECT ...)` yielding one value.
    ScalarSubquery(Arc<Subquery>),
    /// `expr [NOT] IN (SELECT ...)`.
    InSubquery {
        /// The value tested.
        expr: Box<Expr>,
        /// The subquery (one column, cast to the tested value's type).
        subquery: Arc<Subquery>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `[NOT] EXISTS (SELECT ...)`.
    Exists {
        /// The subquery.
        subquery: Arc<Subquery>,
        /// `NOT EXISTS`.
        negated: bool,
    },
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        use Expr::*;
        match (self, other) {
            (Column(a), Column(b)) => a.same(b),
            (
                OuterColumn {
                    depth: d1,
                    column: c1,
                    ..
                },
                OuterColumn {
                    depth: d2,
                    column: c2,
                    ..
                },
            ) => d1 == d2 && c1.same(c2),
            (Literal(a), Literal(b)) => a == b,
            (
                Binary {
                    op: o1,
                    left: l1,
                    right: r1,
                },
                Binary {
                    op: o2,
                    left: l2,
                    right: r2,
                },
            ) => o1 == o2 && l1 == l2 && r1 == r2,
            (Not(a), Not(b)) | (Negative(a), Negative(b)) => a == b,
            (
                IsNull {
                    expr: a,
                    negated: n1,
                },
                IsNull {
                    expr: b,
                    negated: n2,
                },
            ) => a == b && n1 == n2,
            (
                IsBool {
                    expr: a,
                    value: v1,
                    negated: n1,
                },
                IsBool {
                    expr: b,
                    value: v2,
                    negated: n2,
                },
            ) => a == b && v1 == v2 && n1 == n2,
            (
                Like {
                    expr: e1,
                    pattern: p1,
                    negated: n1,
                    case_insensitive: c1,
                },
                Like {
                    expr: e2,
                    pattern: p2,
                    negated: n2,
                    case_insensitive: c2,
                },
            ) => e1 == e2 && p1 == p2 && n1 == n2 && c1 == c2,
            (
                InList {
                    expr: e1,
                    list: l1,
                    negated: n1,
                },
                InList {
                    expr: e2,
                    list: l2,
                    negated: n2,
                },
            ) => e1 == e2 && l1 == l2 && n1 == n2,
            (
                Case {
                    whens: w1,
                    else_expr: e1,
                },
                Case {
                    whens: w2,
                    else_expr: e2,
                },
            ) => w1 == w2 && e1 == e2,
            (
                Cast {
                    expr: e1,
                    to: t1,
                    safe: s1,
                },
                Cast {
                    expr: e2,
                    to: t2,
                    safe: s2,
                },
            ) => e1 == e2 && t1 == t2 && s1 == s2,
            (Function { func: f1, args: a1 }, Function { func: f2, args: a2 }) => {
                f1 == f2 && a1 == a2
            }
            (ScalarSubquery(a), ScalarSubquery(b)) => Arc::ptr_eq(a, b),
            (
                InSubquery {
                    expr: e1,
                    subquery: s1,
                    negated: n1,
                },
                InSubquery {
                    expr: e2,
                    subquery: s2,
                    negated: n2,
                },
            ) => e1 == e2 && Arc::ptr_eq(s1, s2) && n1 == n2,
            (
                Exists {
                    subquery: s1,
                    negated: n1,
                },
                Exists {
                    subquery: s2,
                    negated: n2,
                },
            ) => Arc::ptr_eq(s1, s2) && n1 == n2,
            _ => false,
        }
    }
}

impl Expr {
    /// The input column at `index`, by position only: what the binder
    /// builds before [`identify`](super::columns::identify) runs.
    pub fn col(index: usize) -> Expr {
        Expr::Column(ColumnRef::position(index))
    }

    /// The column at `index` of `schema`: its identity and position.
    pub fn column(schema: &PlanSchema, index: usize) -> Expr {
        Expr::Column(ColumnRef {
            id: schema.columns[index].id,
            index,
        })
    }

    /// The column with identity `id` (position set by `resolve`).
    pub fn column_id(id: ColumnId) -> Expr {
        Expr::Column(ColumnRef::id(id))
    }

    /// References to every column of `schema`, in order.
    pub fn columns_of(schema: &PlanSchema) -> Vec<Expr> {
        (0..schema.len()).map(|i| Expr::column(schema, i)).collect()
    }

    /// `self op other`.
    pub fn binary(self, op: BinaryOp, other: Expr) -> Expr {
        Expr::Binary {
            op,
            left: Box::new(self),
            right: Box::new(other),
        }
    }

    /// The expression's result type over an input with `schema`.
    pub fn data_type(&self, schema: &PlanSchema) -> DataType {
        match self {
            Expr::Column(c) => {
                let at = match schema.columns.get(c.index) {
                    Some(col) if col.id == c.id || !c.id.is_set() => Some(c.index),
                    _ => schema.index_of(c.id),
                };
                at.map(|i| schema.columns[i].data_type.clone())
                    .unwrap_or(DataType::Null)
            }
            Expr::OuterColumn { data_type, .. } => data_type.clone(),
            Expr::Literal(v) => v.data_type().clone(),
            Expr::Binary { op, left, right } => {
                if op.is_comparison() || matches!(op, BinaryOp::And | BinaryOp::Or) {
                    DataType::Boolean
                } else if *op == BinaryOp::StringConcat {
                    DataType::Utf8
                } else {
                    let l = left.data_type(schema);
                    match (&l, right.data_type(schema)) {
                        (DataType::Null, r) => r,
                        // Exact decimal arithmetic widens as the kernels do.
                        (DataType::Decimal128(p1, s1), DataType::Decimal128(p2, s2)) => {
                            crate::types::decimal_result(op.symbol(), (*p1, *s1), (p2, s2))
                                .unwrap_or(l)
                        }
                        _ => l,
                    }
                }
            }
            Expr::Not(_)
            | Expr::IsNull { .. }
            | Expr::IsBool { .. }
            | Expr::Like { .. }
            | Expr::InList { .. }
            | Expr::InSubquery { .. }
            | Expr::Exists { .. } => DataType::Boolean,
            Expr::Negative(e) => e.data_type(schema),
            Expr::Case { whens, else_expr } => whens
                .iter()
                .map(|(_, v)| v.data_type(schema))
                .chain(else_expr.iter().map(|e| e.data_type(schema)))
                .find(|t| *t != DataType::Null)
                .unwrap_or(DataType::Null),
            Expr::Cast { to, .. } => to.clone(),
            Expr::Function { func, args } => {
                let types: Vec<DataType> = args.iter().map(|a| a.data_type(schema)).collect();
                func.return_type(&types)
            }
            Expr::ScalarSubquery(s) => s
                .plan
                .schema()
                .columns
                .first()
                .map(|c| c.data_type.clone())
                .unwrap_or(DataType::Null),
        }
    }

    /// Calls `f` on this expression and then on every expression inside it,
    /// in place (not entering subqueries' plans): for rewrites that change
    /// nodes without changing the tree's shape, at no allocation.
    pub fn visit_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        f(self);
        match self {
            Expr::Column(_)
            | Expr::OuterColumn { .. }
            | Expr::Literal(_)
            | Expr::ScalarSubquery(_)
            | Expr::Exists { .. } => {}
            Expr::Binary { left, right, .. } => {
                left.visit_mut(f);
                right.visit_mut(f);
            }
            Expr::Not(e)
            | Expr::Negative(e)
            | Expr::IsNull { expr: e, .. }
            | Expr::IsBool { expr: e, .. }
            | Expr::Cast { expr: e, .. }
            | Expr::InSubquery { expr: e, .. } => e.visit_mut(f),
            Expr::Like { expr, pattern, .. } => {
                expr.visit_mut(f);
                pattern.visit_mut(f);
            }
            Expr::InList { expr, list, .. } => {
                expr.visit_mut(f);
                list.iter_mut().for_each(|e| e.visit_mut(f));
            }
            Expr::Case { whens, else_expr } => {
                for (c, v) in whens {
                    c.visit_mut(f);
                    v.visit_mut(f);
                }
                if let Some(e) = else_expr {
                    e.visit_mut(f);
                }
            }
            Expr::Function { args, .. } => args.iter_mut().for_each(|e| e.visit_mut(f)),
        }
    }

    /// Calls `f` on this expression and every expression inside it (not entering subqueries).
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Column(_)
            | Expr::OuterColumn { .. }
            | Expr::Literal(_)
            | Expr::ScalarSubquery(_)
            | Expr::Exists { .. } => {}
            Expr::Binary { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            Expr::Not(e)
            | Expr::Negative(e)
            | Expr::IsNull { expr: e, .. }
            | Expr::IsBool { expr: e, .. }
            | Expr::Cast { expr: e, .. }
            | Expr::InSubquery { expr: e, .. } => e.visit(f),
            Expr::Like { expr, pattern, .. } => {
                expr.visit(f);
                pattern.visit(f);
            }
            Expr::InList { expr, list, .. } => {
                expr.visit(f);
                list.iter().for_each(|e| e.visit(f));
            }
            Expr::Case { whens, else_expr } => {
                for (c, v) in whens {
                    c.visit(f);
                    v.visit(f);
                }
                if let Some(e) = else_expr {
                    e.visit(f);
                }
            }
            Expr::Function { args, .. } => args.iter().for_each(|e| e.visit(f)),
        }
    }

    /// Rebuilds the expression bottom-up, replacing nodes for which `f` returns `Some`.
    pub fn transform(&self, f: &mut dyn FnMut(&Expr) -> Option<Expr>) -> Expr {
        if let Some(e) = f(self) {
            return e;
        }
        let b = |e: &Expr, f: &mut dyn FnMut(&Expr) -> Option<Expr>| Box::new(e.transform(f));
        match self {
            Expr::Column(_)
            | Expr::OuterColumn { .. }
            | Expr::Literal(_)
            | Expr::ScalarSubquery(_)
            | Expr::Exists { .. } => self.clone(),
            Expr::Binary { op, left, right } => Expr::Binary {
                op: *op,
                left: b(left, f),
                right: b(right, f),
            },
            Expr::Not(e) => Expr::Not(b(e, f)),
            Expr::Negative(e) => Expr::Negative(b(e, f)),
            Expr::IsNull { expr, negated } => Expr::IsNull {
                expr: b(expr, f),
                negated: *negated,
            },
            Expr::IsBool {
                expr,
                value,
                negated,
            } => Expr::IsBool {
                expr: b(expr, f),
                value: *value,
                negated: *negated,
            },
            Expr::Cast { expr, to, safe } => Expr::Cast {
                expr: b(expr, f),
                to: to.clone(),
                safe: *safe,
            },
            Expr::InSubquery {
                expr,
                subquery,
                negated,
            } => Expr::InSubquery {
                expr: b(expr, f),
                subquery: Arc::clone(subquery),
                negated: *negated,
            },
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => Expr::Like {
                expr: b(expr, f),
                pattern: b(pattern, f),
                negated: *negated,
                case_insensitive: *case_insensitive,
            },
            Expr::InList {
                expr,
                list,
                negated,
            } => Expr::InList {
                expr: b(expr, f),
                list: list.iter().map(|e| e.transform(f)).collect(),
                negated: *negated,
            },
            Expr::Case { whens, else_expr } => Expr::Case {
                whens: whens
                    .iter()
                    .map(|(c, v)| (c.transform(f), v.transform(f)))
                    .collect(),
                else_expr: else_expr.as_ref().map(|e| b(e, f)),
            },
            Expr::Function { func, args } => Expr::Function {
                func: *func,
                args: args.iter().map(|e| e.transform(f)).collect(),
            },
        }
    }

    /// The input columns this expression reads (not counting outer columns).
    pub fn columns(&self) -> Vec<ColumnId> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Column(c) = e {
                out.push(c.id);
            }
        });
        out
    }

    /// The positions of the input columns this expression reads: for the
    /// binder, which works by position before identities are set.
    pub(crate) fn column_positions(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.visit(&mut |e| {
            if let Expr::Column(c) = e {
                out.push(c.index);
            }
        });
        out
    }

    /// Whether the expression reads no input column and no subquery, so it can
    /// be computed once at plan time.
    pub fn is_constant(&self) -> bool {
        let mut constant = true;
        self.visit(&mut |e| match e {
            Expr::Column(_)
            | Expr::OuterColumn { .. }
            | Expr::ScalarSubquery(_)
            | Expr::InSubquery { .. }
            | Expr::Exists { .. } => constant = false,
            Expr::Function { func, .. } if func.is_volatile() => constant = false,
            _ => {}
        });
        constant
    }

    /// Whether every evaluation over the same row gives the same value (no
    /// volatile function such as NOW()).
    pub fn is_deterministic(&self) -> bool {
        let mut yes = true;
        self.visit(&mut |e| {
            if let Expr::Function { func, .. } = e {
                yes &= !func.is_volatile();
            }
        });
        yes
    }

    /// Whether the expression holds a subquery (which may read any column of
    /// the row as an outer column, so its column use is not all visible here).
    pub fn contains_subquery(&self) -> bool {
        let mut found = false;
        self.visit(&mut |x| {
            if matches!(
                x,
                Expr::ScalarSubquery(_) | Expr::InSubquery { .. } | Expr::Exists { .. }
            ) {
                found = true;
            }
        });
        found
    }

    /// Whether the expression holds a subquery that reads the row it is
    /// evaluated for (an uncorrelated one reads no column of it).
    pub fn contains_correlated_subquery(&self) -> bool {
        let mut found = false;
        self.visit(&mut |x| match x {
            Expr::ScalarSubquery(s)
            | Expr::InSubquery { subquery: s, .. }
            | Expr::Exists { subquery: s, .. } => {
                found |= s.correlated;
            }
            _ => {}
        });
        found
    }

    /// Splits a conjunction (`a AND b AND c`) into its parts.
    pub fn split_conjunction(self) -> Vec<Expr> {
        match self {
            Expr::Binary {
                op: BinaryOp::And,
                left,
                right,
            } => {
                let mut v = left.split_conjunction();
                v.extend(right.split_conjunction());
                v
            }
            other => vec![other],
        }
    }

    /// Joins expressions with AND; `None` for an empty list. A long list
    /// becomes a balanced tree, so that thousands of conditions do not make
    /// a tree thousands of levels deep.
    pub fn conjunction(exprs: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        Self::chain(BinaryOp::And, exprs.into_iter().collect())
    }

    /// Joins expressions with OR, as [`conjunction`](Self::conjunction) does with AND.
    pub fn disjunction(exprs: impl IntoIterator<Item = Expr>) -> Option<Expr> {
        Self::chain(BinaryOp::Or, exprs.into_iter().collect())
    }

    /// `v` joined by `op`: left-deep when short (as written), balanced when long.
    fn chain(op: BinaryOp, mut v: Vec<Expr>) -> Option<Expr> {
        if v.len() <= 8 {
            let mut items = v.into_iter();
            let first = items.next()?;
            return Some(items.fold(first, |a, b| a.binary(op, b)));
        }
        let right = v.split_off(v.len() / 2);
        Some(Self::chain(op, v)?.binary(op, Self::chain(op, right)?))
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column(c) => write!(f, "#{}", c.index),
            Expr::OuterColumn { depth, column, .. } => write!(f, "outer{depth}.#{}", column.index),
            Expr::Literal(v) => write!(f, "{v}"),
            Expr::Binary { op, left, right } => write!(f, "({left} {} {right})", op.symbol()),
            Expr::Not(e) => write!(f, "NOT {e}"),
            Expr::Negative(e) => write!(f, "-{e}"),
            Expr::IsNull { expr, negated } => {
                write!(f, "{expr} IS {}NULL", if *negated { "NOT " } else { "" })
            }
            Expr::IsBool {
                expr,
                value,
                negated,
            } => write!(
                f,
                "{expr} IS {}{}",
                if *negated { "NOT " } else { "" },
                if *value { "TRUE" } else { "FALSE" }
            ),
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => write!(
                f,
                "{expr} {}{} {pattern}",
                if *negated { "NOT " } else { "" },
                if *case_insensitive { "ILIKE" } else { "LIKE" }
            ),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let items: Vec<String> = list.iter().map(|e| e.to_string()).collect();
                write!(
                    f,
                    "{expr} {}IN ({})",
                    if *negated { "NOT " } else { "" },
                    items.join(", ")
                )
            }
            Expr::Case { whens, else_expr } => {
                f.write_str("CASE")?;
                for (c, v) in whens {
                    write!(f, " WHEN {c} THEN {v}")?;
                }
                if let Some(e) = else_expr {
                    write!(f, " ELSE {e}")?;
                }
                f.write_str(" END")
            }
            Expr::Cast { expr, to, safe } => write!(
                f,
                "{}({expr} AS {to})",
                if *safe { "TRY_CAST" } else { "CAST" }
            ),
            Expr::Function { func, args } => {
                let items: Vec<String> = args.iter().map(|e| e.to_string()).collect();
                write!(f, "{}({})", func.name(), items.join(", "))
            }
            Expr::ScalarSubquery(s) => write!(
                f,
                "(subquery{})",
                if s.correlated { ", correlated" } else { "" }
            ),
            Expr::InSubquery { expr, negated, .. } => write!(
                f,
                "{expr} {}IN (subquery)",
                if *negated { "NOT " } else { "" }
            ),
            Expr::Exists { negated, .. } => {
                write!(f, "{}EXISTS (subquery)", if *negated { "NOT " } else { "" })
            }
        }
    }
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum AggFunc {
    CountStar,
    Count,
    /// `COUNT_IF(cond)`: the rows where `cond` is true.
    CountIf,
    Sum,
    Avg,
    Min,
    Max,
    /// `BOOL_AND(b)`/`EVERY(b)`: whether every non-NULL value is true.
    BoolAnd,
    /// `BOOL_OR(b)`: whether some value is true.
    BoolOr,
    /// `ANY_VALUE(x)`: the first non-NULL value met.
    AnyValue,
    /// `ARG_MIN(x, key)`/`MIN_BY`: `x` on the row with the smallest `key`
    /// (rows where either is NULL are skipped, as in DuckDB).
    ArgMin,
    /// `ARG_MAX(x, key)`/`MAX_BY`.
    ArgMax,
    /// `ARRAY_AGG(x)`/`LIST(x)`: the group's values as a list, in input
    /// order, NULLs included.
    ArrayAgg,
    /// `STRING_AGG(x [, sep])`: the non-NULL texts joined by a constant
    /// separator (`,` by default), in input order.
    StringAgg,
    /// Sample and population variance and standard deviation.
    VarSamp,
    VarPop,
    StddevSamp,
    StddevPop,
    /// Two-argument statistics: `CORR(y, x)`, `COVAR_*(y, x)` and the
    /// regression family `REGR_*(y, x)` of SQL:2003.
    Corr,
    CovarSamp,
    CovarPop,
    RegrSlope,
    RegrIntercept,
    RegrR2,
    RegrCount,
    RegrAvgX,
    RegrAvgY,
    RegrSxx,
    RegrSyy,
    RegrSxy,
    /// `MEDIAN(x)`: `QUANTILE_CONT(x, 0.5)`.
    Median,
    /// `QUANTILE_CONT(x, q)`: interpolated between the two nearest values.
    QuantileCont,
    /// `QUANTILE_DISC(x, q)`: the first value at or past the fraction `q`.
    QuantileDisc,
    /// `MODE(x)`: the most frequent value; of equally frequent values,
    /// the one met first.
    Mode,
    /// `APPROX_COUNT_DISTINCT(x)`: counted exactly.
    ApproxCountDistinct,
}

impl AggFunc {
    /// Looks up an aggregate by its lower-case SQL name.
    pub fn from_name(name: &str) -> Option<AggFunc> {
        crate::functions::registry::aggregate(name)
    }

    /// The SQL name.
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::CountStar => "COUNT(*)",
            AggFunc::Count => "COUNT",
            AggFunc::CountIf => "COUNT_IF",
            AggFunc::Sum => "SUM",
            AggFunc::Avg => "AVG",
            AggFunc::Min => "MIN",
            AggFunc::Max => "MAX",
            AggFunc::BoolAnd => "BOOL_AND",
            AggFunc::BoolOr => "BOOL_OR",
            AggFunc::AnyValue => "ANY_VALUE",
            AggFunc::ArgMin => "ARG_MIN",
            AggFunc::ArgMax => "ARG_MAX",
            AggFunc::ArrayAgg => "ARRAY_AGG",
            AggFunc::StringAgg => "STRING_AGG",
            AggFunc::VarSamp => "VAR_SAMP",
            AggFunc::VarPop => "VAR_POP",
            AggFunc::StddevSamp => "STDDEV_SAMP",
            AggFunc::StddevPop => "STDDEV_POP",
            AggFunc::Corr => "CORR",
            AggFunc::CovarSamp => "COVAR_SAMP",
            AggFunc::CovarPop => "COVAR_POP",
            AggFunc::RegrSlope => "REGR_SLOPE",
            AggFunc::RegrIntercept => "REGR_INTERCEPT",
            AggFunc::RegrR2 => "REGR_R2",
            AggFunc::RegrCount => "REGR_COUNT",
            AggFunc::RegrAvgX => "REGR_AVGX",
            AggFunc::RegrAvgY => "REGR_AVGY",
            AggFunc::RegrSxx => "REGR_SXX",
            AggFunc::RegrSyy => "REGR_SYY",
            AggFunc::RegrSxy => "REGR_SXY",
            AggFunc::Median => "MEDIAN",
            AggFunc::QuantileCont => "QUANTILE_CONT",
            AggFunc::QuantileDisc => "QUANTILE_DISC",
            AggFunc::Mode => "MODE",
            AggFunc::ApproxCountDistinct => "APPROX_COUNT_DISTINCT",
        }
    }

    /// Whether the order of its rows can change its value, so that
    /// `agg(x ORDER BY k)` means something (a first value, a list, a text,
    /// the first of tied modes).
    pub fn ordered(self) -> bool {
        matches!(
            self,
            AggFunc::ArrayAgg | AggFunc::StringAgg | AggFunc::AnyValue | AggFunc::Mode
        )
    }

    /// How many arguments it takes: at least the first, at most the second.
    pub fn arity(self) -> (usize, usize) {
        match self {
            AggFunc::CountStar => (0, 0),
            AggFunc::StringAgg => (1, 2),
            AggFunc::ArgMin | AggFunc::ArgMax | AggFunc::QuantileCont | AggFunc::QuantileDisc => {
                (2, 2)
            }
            f if f.bivariate() => (2, 2),
            _ => (1, 1),
        }
    }

    /// Whether it is one of the two-variable statistics (CORR, COVAR_*, REGR_*).
    pub fn bivariate(self) -> bool {
        matches!(
            self,
            AggFunc::Corr
                | AggFunc::CovarSamp
                | AggFunc::CovarPop
                | AggFunc::RegrSlope
                | AggFunc::RegrIntercept
                | AggFunc::RegrR2
                | AggFunc::RegrCount
                | AggFunc::RegrAvgX
                | AggFunc::RegrAvgY
                | AggFunc::RegrSxx
                | AggFunc::RegrSyy
                | AggFunc::RegrSxy
        )
    }

    /// Whether it is a variance or standard deviation.
    pub fn univariate_moment(self) -> bool {
        matches!(
            self,
            AggFunc::VarSamp | AggFunc::VarPop | AggFunc::StddevSamp | AggFunc::StddevPop
        )
    }

    /// Whether it counts, so that no rows give 0 rather than NULL.
    pub fn counts(self) -> bool {
        matches!(
            self,
            AggFunc::CountStar
                | AggFunc::Count
                | AggFunc::CountIf
                | AggFunc::RegrCount
                | AggFunc::ApproxCountDistinct
        )
    }

    /// The result type, given the (bound and coerced) first argument's type.
    pub fn result_type(self, arg: DataType) -> DataType {
        match self {
            AggFunc::CountStar
            | AggFunc::Count
            | AggFunc::CountIf
            | AggFunc::RegrCount
            | AggFunc::ApproxCountDistinct => DataType::Int64,
            AggFunc::Min
            | AggFunc::Max
            | AggFunc::AnyValue
            | AggFunc::ArgMin
            | AggFunc::ArgMax
            | AggFunc::QuantileDisc
            | AggFunc::Mode => arg,
            AggFunc::BoolAnd | AggFunc::BoolOr => DataType::Boolean,
            AggFunc::StringAgg => DataType::Utf8,
            AggFunc::ArrayAgg => {
                DataType::List(Arc::new(arrow_schema::Field::new_list_field(arg, true)))
            }
            AggFunc::Sum => match arg {
                DataType::Decimal128(_, s) => DataType::Decimal128(38, s),
                DataType::Float16 | DataType::Float32 | DataType::Float64 => DataType::Float64,
                _ => DataType::Int64,
            },
            _ => DataType::Float64,
        }
    }
}

/// An aggregate call: `func([DISTINCT] args) [FILTER (WHERE filter)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateExpr {
    /// The function.
    pub func: AggFunc,
    /// Arguments, over the aggregate's input.
    pub args: Vec<Expr>,
    /// Whether duplicates are removed first.
    pub distinct: bool,
    /// Rows for which this is not true are ignored.
    pub filter: Option<Expr>,
    /// `agg(x ORDER BY k)`: the keys' directions. The keys are the last
    /// `order.len()` of `args` (so that every rewrite of the arguments
    /// reaches them), read in this order by the aggregates it matters to.
    pub order: Vec<arrow_schema::SortOptions>,
}

impl AggregateExpr {
    /// The aggregate's result type.
    pub fn data_type(&self, input: &PlanSchema) -> DataType {
        let arg = self.args.first().map(|a| a.data_type(input));
        self.func.result_type(arg.unwrap_or(DataType::Null))
    }
}

impl fmt::Display for AggregateExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.func == AggFunc::CountStar {
            f.write_str("COUNT(*)")?;
        } else {
            let (args, keys) = self.args.split_at(self.args.len() - self.order.len());
            let items: Vec<String> = args.iter().map(|e| e.to_string()).collect();
            let keys: Vec<String> = keys
                .iter()
                .zip(&self.order)
                .map(|(k, o)| {
                    let nulls = match o.nulls_first {
                        true => " NULLS FIRST",
                        false => " NULLS LAST",
                    };
                    format!("{k}{}{nulls}", if o.descending { " DESC" } else { "" })
                })
                .collect();
            let order = match keys.is_empty() {
                true => String::new(),
                false => format!(" ORDER BY {}", keys.join(", ")),
            };
            write!(
                f,
                "{}({}{}{order})",
                self.func.name(),
                if self.distinct { "DISTINCT " } else { "" },
                items.join(", ")
            )?;
        }
        if let Some(filter) = &self.filter {
            write!(f, " FILTER (WHERE {filter})")?;
        }
        Ok(())
    }
}
