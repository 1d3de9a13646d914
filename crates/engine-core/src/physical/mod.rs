//! The physical plan: what runs. [`compile`] turns an optimized
//! [`LogicalPlan`](crate::plan::LogicalPlan) into a tree of operators with
//! every execution choice made — which side of a join is hashed, which
//! filter conditions and row limits a scan is told, which pipelines run on
//! several threads and how their parts are merged — and `exec` runs that
//! tree as it says.
//!
//! A physical plan owns what it needs: the expressions, schemas and tables
//! are moved out of the logical plan (copied only from a shared CTE or a
//! subquery, which other plans also hold), so a compiled plan is a value of
//! its own, `Send` and `Sync`, that the workers of a parallel step read at
//! once. Each node declares how its output is split
//! ([`PhysicalPlan::partitioning`]): a scan read by several workers and the
//! streaming operators above it produce one stream per part; a
//! [`Parallel`](PhysicalPlan::Parallel) node, or the aggregate or sort that
//! takes its parts, brings them back to one.
//!
//! EXPLAIN prints the logical plan and this one; EXPLAIN ANALYZE prints this
//! one with what each operator did.

mod compile;
mod explain;
pub(crate) mod pushdown;

use std::sync::Arc;

pub use compile::{compile, compile_for_explain, compile_streamed};

use crate::catalog::{ColumnPredicate, TableProvider};
use crate::plan::{
    AggregateExpr, Expr, JoinKind, PlanSchema, SetOpKind, SharedPlan, SortExpr, WindowExpr,
};

/// A node of the physical plan.
#[derive(Debug)]
pub enum PhysicalPlan {
    /// Read a table, telling it what the query needs of it.
    Scan(ScanNode),
    /// Literal rows.
    Values {
        /// Rows of constant expressions.
        rows: Vec<Vec<Expr>>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Keep rows where the predicate is true.
    Filter {
        /// Input.
        input: Box<PhysicalPlan>,
        /// A boolean expression over the input.
        predicate: Expr,
    },
    /// Compute expressions over each row.
    Project {
        /// Input.
        input: Box<PhysicalPlan>,
        /// One expression per output column.
        exprs: Vec<Expr>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// The same rows under new column names.
    Rename {
        /// Input.
        input: Box<PhysicalPlan>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Skip `skip` rows and keep `fetch`.
    Limit {
        /// Input.
        input: Box<PhysicalPlan>,
        /// Rows skipped.
        skip: usize,
        /// Rows kept after skipping (all when `None`).
        fetch: Option<usize>,
    },
    /// Group rows in a hash table and aggregate each group.
    Aggregate {
        /// Input.
        input: Box<PhysicalPlan>,
        /// Group keys.
        group: Vec<Expr>,
        /// Aggregates.
        aggs: Vec<AggregateExpr>,
        /// Output columns: the group keys, then the aggregates.
        schema: PlanSchema,
        /// The input is a [`Parallel`](PhysicalPlan::Parallel) pipeline whose
        /// workers each aggregate their part; the parts' groups then merge.
        partial: bool,
        /// Groups (their key values) that exist even when no row falls in
        /// them: the empty grouping set of GROUPING SETS, ROLLUP and CUBE,
        /// which gives its row over no input, as a query without GROUP BY does.
        seeds: Vec<Vec<crate::plan::ScalarValue>>,
    },
    /// Window functions: the input gathered, sorted once per distinct
    /// PARTITION BY / ORDER BY, and one column computed per call.
    Window {
        /// Input.
        input: Box<PhysicalPlan>,
        /// The calls.
        exprs: Vec<WindowExpr>,
        /// Output columns: the input's, then one per call.
        schema: PlanSchema,
    },
    /// One row per list element, beside its input row (streaming).
    Unnest {
        /// Input.
        input: Box<PhysicalPlan>,
        /// The list, over the input.
        list: Expr,
        /// Keep a row with a NULL or empty list, with a NULL element.
        outer: bool,
        /// Add each element's position (from 1).
        ordinality: bool,
        /// Output columns: the input's, the element, then the position.
        schema: PlanSchema,
    },
    /// Each input batch once per list of expressions (streaming): the
    /// repeated rows of GROUPING SETS.
    Expand {
        /// Input.
        input: Box<PhysicalPlan>,
        /// The lists, each one expression per output column.
        lists: Vec<Vec<Expr>>,
        /// Output columns.
        schema: PlanSchema,
    },
    /// Order rows; keep the first `fetch` when set (a top-k).
    Sort {
        /// Input.
        input: Box<PhysicalPlan>,
        /// Sort keys.
        keys: Vec<SortExpr>,
        /// Only this many rows are needed.
        fetch: Option<usize>,
    },
    /// A join. With keys, one side's rows are hashed on their keys and the
    /// other's stream past them; without, every pair is a candidate (a
    /// nested loop, in bounded chunks).
    Join {
        /// Left input.
        left: Box<PhysicalPlan>,
        /// Right input.
        right: Box<PhysicalPlan>,
        /// The join type.
        kind: JoinKind,
        /// Equi-join keys: (over left, over right).
        on: Vec<(Expr, Expr)>,
        /// Any other condition, over the joined columns.
        filter: Option<Expr>,
        /// Output columns.
        schema: PlanSchema,
        /// The side whose rows are hashed.
        build: BuildSide,
    },
    /// Remove duplicate rows (by hashing them).
    Distinct {
        /// Input.
        input: Box<PhysicalPlan>,
    },
    /// UNION / INTERSECT / EXCEPT.
    SetOp {
        /// Left input.
        left: Box<PhysicalPlan>,
        /// Right input.
        right: Box<PhysicalPlan>,
        /// The operation.
        op: SetOpKind,
        /// `ALL` (keep duplicates).
        all: bool,
        /// Output columns.
        schema: PlanSchema,
    },
    /// A plan several parts of the query read: run once and replayed.
    Shared(Arc<SharedNode>),
    /// A pipeline — a scan and the filters, projections, renames and join
    /// probes above it — run by `workers` threads, each reading its own part
    /// of the scan's table. The parts' rows come out in part order, which is
    /// the table's order.
    Parallel {
        /// The pipeline.
        input: Box<PhysicalPlan>,
        /// How many threads run it (as many as the table's parts).
        workers: usize,
        /// Planned for EXPLAIN without looking for the table's parts, which
        /// would have read it (a big CSV file): `workers` is then the
        /// threads, and a run may use fewer (one for a CSV file holding a
        /// quote character, which cannot be split).
        assumed: bool,
    },
}

/// A table scan with what it is told.
#[derive(Debug)]
pub struct ScanNode {
    /// The name the query used.
    pub name: String,
    /// The table.
    pub table: Arc<dyn TableProvider>,
    /// The table's columns read, by index; all when `None`.
    pub projection: Option<Vec<usize>>,
    /// Output columns.
    pub schema: PlanSchema,
    /// Conditions of the filter above, which the table may use to skip data
    /// (the filter still runs).
    pub filters: Vec<ColumnPredicate>,
    /// Rows the consumer needs at most (nothing between drops rows).
    pub limit: Option<usize>,
    /// How many parts the scan is read in (1: whole, by one thread).
    pub parts: usize,
}

/// Which input of a join is hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildSide {
    /// The right rows are hashed; left rows stream past (the usual way: the
    /// optimizer puts the smaller input on the right).
    Right,
    /// The left rows are hashed and marked as right rows stream past: a semi
    /// or anti join whose left input is the smaller.
    Left,
}

/// A shared plan, compiled once for all the nodes that read it.
#[derive(Debug)]
pub struct SharedNode {
    /// The plan.
    pub plan: PhysicalPlan,
    /// It reads an enclosing query's row, so it runs at each use.
    pub correlated: bool,
    /// The logical plan it was compiled from: its address names the rows in
    /// a run, whichever compilation (the query's, a subquery's) runs first.
    pub(crate) source: Arc<SharedPlan>,
}

/// How a node's output is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioning {
    /// One stream.
    Single,
    /// One stream per part of a parallel scan, each produced by its own
    /// worker.
    Parts(usize),
}

impl PhysicalPlan {
    /// The node's output columns.
    pub fn schema(&self) -> &PlanSchema {
        match self {
            PhysicalPlan::Scan(s) => &s.schema,
            PhysicalPlan::Values { schema, .. }
            | PhysicalPlan::Project { schema, .. }
            | PhysicalPlan::Rename { schema, .. }
            | PhysicalPlan::Aggregate { schema, .. }
            | PhysicalPlan::Window { schema, .. }
            | PhysicalPlan::Unnest { schema, .. }
            | PhysicalPlan::Expand { schema, .. }
            | PhysicalPlan::Join { schema, .. }
            | PhysicalPlan::SetOp { schema, .. } => schema,
            PhysicalPlan::Filter { input, .. }
            | PhysicalPlan::Limit { input, .. }
            | PhysicalPlan::Sort { input, .. }
            | PhysicalPlan::Distinct { input }
            | PhysicalPlan::Parallel { input, .. } => input.schema(),
            PhysicalPlan::Shared(s) => s.plan.schema(),
        }
    }

    /// The node's inputs, left first.
    pub fn inputs(&self) -> Vec<&PhysicalPlan> {
        match self {
            PhysicalPlan::Scan(_) | PhysicalPlan::Values { .. } => vec![],
            PhysicalPlan::Filter { input, .. }
            | PhysicalPlan::Project { input, .. }
            | PhysicalPlan::Rename { input, .. }
            | PhysicalPlan::Limit { input, .. }
            | PhysicalPlan::Aggregate { input, .. }
            | PhysicalPlan::Window { input, .. }
            | PhysicalPlan::Unnest { input, .. }
            | PhysicalPlan::Expand { input, .. }
            | PhysicalPlan::Sort { input, .. }
            | PhysicalPlan::Distinct { input }
            | PhysicalPlan::Parallel { input, .. } => vec![input],
            PhysicalPlan::Join { left, right, .. } | PhysicalPlan::SetOp { left, right, .. } => {
                vec![left, right]
            }
            PhysicalPlan::Shared(s) => vec![&s.plan],
        }
    }

    /// How the node's output is split: a scan read in parts, and the
    /// streaming operators of its pipeline, give one stream per part; every
    /// other node gives one.
    ///
    /// ```
    /// use engine_core::physical::Partitioning;
    /// use engine_core::Engine;
    ///
    /// let e = Engine::new();
    /// e.query("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (5, 'b')) v(id, name)").unwrap();
    /// let plan = e.physical_plan("SELECT name FROM t WHERE id > 3").unwrap();
    /// // Two rows are far too few to split.
    /// assert_eq!(plan.partitioning(), Partitioning::Single);
    /// ```
    pub fn partitioning(&self) -> Partitioning {
        match self {
            PhysicalPlan::Scan(s) if s.parts > 1 => Partitioning::Parts(s.parts),
            PhysicalPlan::Filter { input, .. }
            | PhysicalPlan::Project { input, .. }
            | PhysicalPlan::Rename { input, .. } => input.partitioning(),
            PhysicalPlan::Join {
                left,
                build: BuildSide::Right,
                ..
            } => left.partitioning(),
            _ => Partitioning::Single,
        }
    }
}

// Workers of a parallel step share the plan by reference.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<PhysicalPlan>()
};
