//! The logical plan tree.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use super::{AggregateExpr, Expr, PlanSchema, WindowExpr};
use crate::catalog::TableProvider;

/// Join types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    Cross,
    /// Left rows with at least one partner (EXISTS, IN); output: left's columns.
    Semi,
    /// Left rows with no partner (NOT EXISTS); output: left's columns.
    Anti,
    /// Every left row plus a boolean: `left key IN right keys` with SQL's NULL
    /// rules (NOT IN); output: left's columns, then the mark.
    Mark,
}

impl JoinKind {
    /// Whether the join outputs only its left input's columns (plus a mark).
    pub fn left_only(self) -> bool {
        matches!(self, JoinKind::Semi | JoinKind::Anti | JoinKind::Mark)
    }
}

/// Set operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

/// One ORDER BY key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortExpr {
    /// The key, over the sort's input.
    pub expr: Expr,
    /// Descending order.
    pub descending: bool,
    /// NULLs before other values.
    pub nulls_first: bool,
}

/// A node of the logical plan.
#[derive(Debug, Clone)]
pub enum LogicalPlan {
    /// Read a table.
    Scan {
        /// The name the query used.
        name: String,
        /// The table.
        table: Arc<dyn TableProvider>,
        /// The table's columns read, by index; all when `None`.
        projection: Option<Vec<usize>>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Literal rows (`VALUES`, and the one empty row behind a SELECT without FROM).
    Values {
        /// Rows of constant expressions.
        rows: Vec<Vec<Expr>>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Keep rows where the predicate is true.
    Filter {
        /// Input.
        input: Box<LogicalPlan>,
        /// A boolean expression.
        predicate: Expr,
    },
    /// Compute expressions over each row.
    Project {
        /// Input.
        input: Box<LogicalPlan>,
        /// One expression per output column.
        exprs: Vec<Expr>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Group and aggregate: output columns are the group keys, then the aggregates.
    Aggregate {
        /// Input.
        input: Box<LogicalPlan>,
        /// Group keys.
        group: Vec<Expr>,
        /// Aggregates.
        aggs: Vec<AggregateExpr>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Window functions: every input row, then one column per call.
    Window {
        /// Input.
        input: Box<LogicalPlan>,
        /// The calls, over the input.
        exprs: Vec<WindowExpr>,
        /// Output columns: the input's, then one per call.
        schema: PlanSchema,
    },
    /// One row per element of a list column, beside its input row's
    /// columns: `FROM t CROSS JOIN UNNEST(t.list) AS x`.
    Unnest {
        /// Input.
        input: Box<LogicalPlan>,
        /// The list, over the input.
        list: Expr,
        /// Keep a row whose list is NULL or empty, once, with a NULL element
        /// (`LEFT JOIN UNNEST(...) ON TRUE`); else it yields no rows.
        outer: bool,
        /// Add each element's position in its list (from 1): `WITH ORDINALITY`.
        ordinality: bool,
        /// Output columns: the input's, the element, then the position.
        schema: PlanSchema,
    },
    /// Each input row once per list of expressions, computed by that list:
    /// GROUPING SETS, ROLLUP and CUBE repeat the rows once per grouping set,
    /// with the keys the set leaves out as NULL and the set's number.
    Expand {
        /// Input.
        input: Box<LogicalPlan>,
        /// The lists, each over the input and one expression per output
        /// column (of the same types).
        lists: Vec<Vec<Expr>>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Join two inputs; output columns are left's then right's.
    Join {
        /// Left input.
        left: Box<LogicalPlan>,
        /// Right input.
        right: Box<LogicalPlan>,
        /// The join type.
        kind: JoinKind,
        /// Equi-join keys: (over left, over right).
        on: Vec<(Expr, Expr)>,
        /// Any other condition, over the joined columns.
        filter: Option<Expr>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Order rows; keep the first `fetch` when set.
    Sort {
        /// Input.
        input: Box<LogicalPlan>,
        /// Sort keys.
        keys: Vec<SortExpr>,
        /// Only this many rows are needed.
        fetch: Option<usize>,
    },
    /// Skip `skip` rows and keep `fetch`.
    Limit {
        /// Input.
        input: Box<LogicalPlan>,
        /// Rows skipped.
        skip: usize,
        /// Rows kept after skipping (all when `None`).
        fetch: Option<usize>,
    },
    /// Remove duplicate rows.
    Distinct {
        /// Input.
        input: Box<LogicalPlan>,
    },
    /// UNION / INTERSECT / EXCEPT; both sides have the schema's types.
    SetOp {
        /// Left input.
        left: Box<LogicalPlan>,
        /// Right input.
        right: Box<LogicalPlan>,
        /// The operation.
        op: SetOpKind,
        /// `ALL` (keep duplicates).
        all: bool,
        /// Output columns.
        schema: PlanSchema,
    },
    /// The same rows under new column names (a table alias or CTE).
    Rename {
        /// Input.
        input: Box<LogicalPlan>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// A CTE plan used by several references: planned once, run once.
    Shared(Arc<SharedPlan>),
}

/// The plan behind [`LogicalPlan::Shared`], with what is computed about it
/// once: walking a shared plan at each reference costs time exponential in
/// the nesting of shared plans (a CTE that uses the one before it twice, 20
/// times over, is a million paths through a plan of 40 nodes).
#[derive(Debug)]
pub struct SharedPlan {
    /// The plan.
    pub plan: LogicalPlan,
    /// Its estimated row count ([`super::cardinality::estimate`]).
    pub(crate) rows: OnceLock<f64>,
    /// Estimated distinct values per column ([`super::cardinality::distinct`]).
    pub(crate) distinct: Mutex<HashMap<super::ColumnId, Option<f64>>>,
    /// How many query levels up it reads ([`LogicalPlan::outer_reach`]).
    pub(crate) reach: OnceLock<usize>,
}

impl SharedPlan {
    /// `plan`, to be shared.
    pub fn new(plan: LogicalPlan) -> Arc<SharedPlan> {
        Arc::new(SharedPlan {
            plan,
            rows: OnceLock::new(),
            distinct: Mutex::new(HashMap::new()),
            reach: OnceLock::new(),
        })
    }
}

impl LogicalPlan {
    /// The node's output columns.
    pub fn schema(&self) -> &PlanSchema {
        match self {
            LogicalPlan::Scan { schema, .. }
            | LogicalPlan::Values { schema, .. }
            | LogicalPlan::Project { schema, .. }
            | LogicalPlan::Aggregate { schema, .. }
            | LogicalPlan::Window { schema, .. }
            | LogicalPlan::Unnest { schema, .. }
            | LogicalPlan::Expand { schema, .. }
            | LogicalPlan::Join { schema, .. }
            | LogicalPlan::SetOp { schema, .. }
            | LogicalPlan::Rename { schema, .. } => schema,
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input } => input.schema(),
            LogicalPlan::Shared(p) => p.plan.schema(),
        }
    }

    /// The node's inputs.
    pub fn inputs(&self) -> Vec<&LogicalPlan> {
        match self {
            LogicalPlan::Scan { .. } | LogicalPlan::Values { .. } => vec![],
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Project { input, .. }
            | LogicalPlan::Aggregate { input, .. }
            | LogicalPlan::Window { input, .. }
            | LogicalPlan::Unnest { input, .. }
            | LogicalPlan::Expand { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input }
            | LogicalPlan::Rename { input, .. } => vec![input],
            LogicalPlan::Join { left, right, .. } | LogicalPlan::SetOp { left, right, .. } => {
                vec![left, right]
            }
            LogicalPlan::Shared(p) => vec![&p.plan],
        }
    }

    fn describe(&self) -> String {
        let list = |v: &[Expr]| {
            v.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            LogicalPlan::Scan {
                name,
                projection,
                schema,
                ..
            } => match projection {
                Some(p) => format!(
                    "Scan {name} [{}]",
                    p.iter()
                        .map(|&i| schema.columns[i].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => format!("Scan {name}"),
            },
            LogicalPlan::Values { rows, .. } => format!("Values ({} rows)", rows.len()),
            LogicalPlan::Filter { predicate, .. } => format!("Filter {predicate}"),
            LogicalPlan::Project { exprs, .. } => format!("Project {}", list(exprs)),
            LogicalPlan::Aggregate { group, aggs, .. } => format!(
                "Aggregate group=[{}] aggs=[{}]",
                list(group),
                aggs.iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            LogicalPlan::Window { exprs, .. } => crate::plan::window_line(exprs),
            LogicalPlan::Unnest {
                list,
                outer,
                ordinality,
                ..
            } => crate::plan::unnest_line(list, *outer, *ordinality),
            LogicalPlan::Expand { lists, .. } => crate::plan::expand_line(lists),
            LogicalPlan::Join {
                kind, on, filter, ..
            } => {
                let mut s = format!("{kind:?} Join");
                if !on.is_empty() {
                    let keys: Vec<String> = on.iter().map(|(l, r)| format!("{l} = {r}")).collect();
                    s.push_str(&format!(" on=[{}]", keys.join(", ")));
                }
                if let Some(f) = filter {
                    s.push_str(&format!(" filter={f}"));
                }
                s
            }
            LogicalPlan::Sort { keys, fetch, .. } => {
                let k: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{}{}", k.expr, if k.descending { " DESC" } else { "" }))
                    .collect();
                match fetch {
                    Some(n) => format!("Sort [{}] fetch={n}", k.join(", ")),
                    None => format!("Sort [{}]", k.join(", ")),
                }
            }
            LogicalPlan::Limit { skip, fetch, .. } => match fetch {
                Some(n) => format!("Limit skip={skip} fetch={n}"),
                None => format!("Limit skip={skip}"),
            },
            LogicalPlan::Distinct { .. } => "Distinct".into(),
            LogicalPlan::SetOp { op, all, .. } => {
                format!("{op:?}{}", if *all { " ALL" } else { "" })
            }
            LogicalPlan::Rename { schema, .. } => format!(
                "Rename [{}]",
                schema
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            LogicalPlan::Shared(_) => "Shared".into(),
        }
    }

    /// The plan as indented lines, one node per line (what EXPLAIN prints).
    pub fn explain_lines(&self) -> Vec<String> {
        self.explain_lines_with(&|_| None)
    }

    /// [`explain_lines`](Self::explain_lines), each node's line followed by
    /// what `note` says of it.
    pub fn explain_lines_with(&self, note: &dyn Fn(&LogicalPlan) -> Option<String>) -> Vec<String> {
        super::explain::lines(self, note)
    }
}

impl super::explain::ExplainNode for LogicalPlan {
    fn line(&self) -> String {
        self.describe()
    }

    fn inputs(&self) -> Vec<&Self> {
        LogicalPlan::inputs(self)
    }

    fn shared(&self) -> Option<super::explain::Shared<'_, Self>> {
        match self {
            LogicalPlan::Shared(p) => Some(super::explain::Shared {
                key: Arc::as_ptr(p) as usize,
                word: "Shared",
                first: None,
                plan: &p.plan,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for LogicalPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain_lines().join("\n"))
    }
}
