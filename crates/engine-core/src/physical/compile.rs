//! From logical to physical: each logical node becomes its operator, and the
//! choices the logical plan leaves open are made here, once, before
//! anything runs:
//!
//! - a filter's `column op constant` conditions go to the scan below it, and
//!   a LIMIT's row count to a scan reached through projections and renames;
//! - a join hashes its right input, unless it is a semi or anti join whose
//!   left input is estimated smaller, which hashes the left;
//! - every operator that gathers its input (an aggregate, a sort, a window,
//!   DISTINCT, a set operation, a join's hashed side, the query's result) takes it
//!   from a [`Parallel`](PhysicalPlan::Parallel) pipeline when the pipeline's
//!   table is big (by its row estimate, before anything is read), the run
//!   may use several threads and the table splits into parts; an aggregate
//!   whose aggregates merge then aggregates each part on its worker.

use std::collections::HashMap;
use std::sync::Arc;

use super::pushdown::column_predicates;
use super::{BuildSide, PhysicalPlan, ScanNode, SharedNode};
use crate::error::{Error, Result};
use crate::exec::{default_threads, mergeable, Parallelism};
use crate::plan::{cardinality, Expr, JoinKind, LogicalPlan, SharedPlan};

/// `plan` compiled to run to completion (a query's result, the rows of
/// CREATE TABLE AS or INSERT): the root gathers all of its input, so it may
/// be a parallel pipeline.
pub fn compile(plan: LogicalPlan, parallelism: Parallelism) -> Result<PhysicalPlan> {
    compile_gathered(plan, parallelism, false)
}

/// [`compile`] for EXPLAIN: the same plan, except that a table whose parts
/// are found by reading it (a big CSV file) is not read; its parallel step
/// is planned on as many workers as threads, marked as assumed.
pub fn compile_for_explain(plan: LogicalPlan, parallelism: Parallelism) -> Result<PhysicalPlan> {
    compile_gathered(plan, parallelism, true)
}

/// `plan` compiled with its root gathered (for EXPLAIN when `explain`).
fn compile_gathered(
    plan: LogicalPlan,
    parallelism: Parallelism,
    explain: bool,
) -> Result<PhysicalPlan> {
    let mut c = Compiler::new(parallelism);
    c.explain = explain;
    let root = c.node(plan)?;
    c.gathered(root)
}

/// `plan` compiled to be read as a stream whose reader may stop early (a
/// subquery: EXISTS stops at its first row), so its root is not run in
/// parallel. `parallel` is false for a plan that runs once per row of an
/// enclosing query (a correlated subquery), or in a worker of a parallel
/// step: neither starts threads.
pub fn compile_streamed(
    plan: LogicalPlan,
    parallelism: Parallelism,
    parallel: bool,
) -> Result<PhysicalPlan> {
    let parallelism = match parallel {
        true => parallelism,
        false => Parallelism {
            threads: Some(1),
            ..parallelism
        },
    };
    Compiler::new(parallelism).node(plan)
}

struct Compiler {
    parallelism: Parallelism,
    /// The threads a parallel step may use, found when a big table first
    /// asks (resolving the default reads the environment and the OS).
    threads: Option<usize>,
    /// Each shared plan compiled so far, by its logical plan's address.
    shared: HashMap<usize, Arc<SharedNode>>,
    /// Compiling for EXPLAIN: read no table to find its parts.
    explain: bool,
}

impl Compiler {
    fn new(parallelism: Parallelism) -> Self {
        Compiler {
            parallelism,
            threads: None,
            shared: HashMap::new(),
            explain: false,
        }
    }

    // `node` recurses once per plan level, so each kind of node is compiled
    // in a function of its own and `node`'s stack frame stays small.
    fn node(&mut self, plan: LogicalPlan) -> Result<PhysicalPlan> {
        crate::stack::check()?;
        match plan {
            LogicalPlan::Scan {
                name,
                table,
                projection,
                schema,
            } => Ok(PhysicalPlan::Scan(ScanNode {
                name,
                table,
                projection,
                schema,
                filters: Vec::new(),
                limit: None,
                parts: 1,
            })),
            LogicalPlan::Values { rows, schema } => Ok(PhysicalPlan::Values { rows, schema }),
            LogicalPlan::Filter { input, predicate } => self.filter(input, predicate),
            LogicalPlan::Project {
                input,
                exprs,
                schema,
            } => Ok(PhysicalPlan::Project {
                input: self.input(input)?,
                exprs,
                schema,
            }),
            LogicalPlan::Rename { input, schema } => Ok(PhysicalPlan::Rename {
                input: self.input(input)?,
                schema,
            }),
            LogicalPlan::Limit { input, skip, fetch } => self.limit(input, skip, fetch),
            plan @ LogicalPlan::Aggregate { .. } => self.aggregate(plan),
            LogicalPlan::Sort { input, keys, fetch } => Ok(PhysicalPlan::Sort {
                input: self.gathered_input(input)?,
                keys,
                fetch,
            }),
            LogicalPlan::Window {
                input,
                exprs,
                schema,
            } => Ok(PhysicalPlan::Window {
                input: self.gathered_input(input)?,
                exprs,
                schema,
            }),
            LogicalPlan::Unnest {
                input,
                list,
                outer,
                ordinality,
                schema,
            } => Ok(PhysicalPlan::Unnest {
                input: self.input(input)?,
                list,
                outer,
                ordinality,
                schema,
            }),
            LogicalPlan::Expand {
                input,
                lists,
                schema,
            } => Ok(PhysicalPlan::Expand {
                input: self.input(input)?,
                lists,
                schema,
            }),
            LogicalPlan::Distinct { input } => Ok(PhysicalPlan::Distinct {
                input: self.gathered_input(input)?,
            }),
            LogicalPlan::SetOp {
                left,
                right,
                op,
                all,
                schema,
            } => Ok(PhysicalPlan::SetOp {
                left: self.gathered_input(left)?,
                right: self.gathered_input(right)?,
                op,
                all,
                schema,
            }),
            plan @ LogicalPlan::Join { .. } => self.join(plan),
            LogicalPlan::Shared(p) => self.shared(p),
        }
    }

    /// An input, compiled. (Inputs are passed boxed so that a pointer, not
    /// a plan node, is copied into each frame of the recursion.)
    #[inline(never)]
    #[allow(clippy::boxed_local)]
    fn input(&mut self, input: Box<LogicalPlan>) -> Result<Box<PhysicalPlan>> {
        Ok(Box::new(self.node(*input)?))
    }

    /// An input its consumer gathers, compiled ([`Self::gathered`]).
    #[inline(never)]
    #[allow(clippy::boxed_local)]
    fn gathered_input(&mut self, input: Box<LogicalPlan>) -> Result<Box<PhysicalPlan>> {
        let input = self.node(*input)?;
        Ok(Box::new(self.gathered(input)?))
    }

    #[inline(never)]
    fn filter(&mut self, input: Box<LogicalPlan>, predicate: Expr) -> Result<PhysicalPlan> {
        let mut input = self.input(input)?;
        if let PhysicalPlan::Scan(scan) = input.as_mut() {
            // The filter's column conditions go to the scan as hints to skip
            // data; the filter still decides.
            scan.filters = column_predicates(&predicate, &scan.table.schema());
        }
        Ok(PhysicalPlan::Filter { input, predicate })
    }

    #[inline(never)]
    fn limit(
        &mut self,
        input: Box<LogicalPlan>,
        skip: usize,
        fetch: Option<usize>,
    ) -> Result<PhysicalPlan> {
        let mut input = self.input(input)?;
        if let Some(n) = fetch {
            limit_scan(&mut input, skip.saturating_add(n));
        }
        Ok(PhysicalPlan::Limit { input, skip, fetch })
    }

    #[inline(never)]
    fn aggregate(&mut self, plan: LogicalPlan) -> Result<PhysicalPlan> {
        let LogicalPlan::Aggregate {
            input,
            group,
            aggs,
            schema,
        } = plan
        else {
            return Err(Error::plan("planner bug: an aggregate expected"));
        };
        let seeds = seeds(&input, &group);
        // Aggregates that do not merge (DISTINCT ones) take the input as it
        // streams: gathering it from workers would hold it all.
        let input = match mergeable(&aggs) {
            true => self.gathered_input(input)?,
            false => self.input(input)?,
        };
        let partial = matches!(*input, PhysicalPlan::Parallel { .. });
        Ok(PhysicalPlan::Aggregate {
            input,
            group,
            aggs,
            schema,
            partial,
            seeds,
        })
    }

    #[inline(never)]
    fn join(&mut self, plan: LogicalPlan) -> Result<PhysicalPlan> {
        let LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            filter,
            schema,
        } = plan
        else {
            return Err(Error::plan("planner bug: a join expected"));
        };
        let build = match matches!(kind, JoinKind::Semi | JoinKind::Anti)
            && !on.is_empty()
            && cardinality::estimate(&left) < cardinality::estimate(&right)
        {
            true => BuildSide::Left,
            false => BuildSide::Right,
        };
        // The hashed side is gathered; the streamed left side is part of the
        // pipeline above. Hashing the left, the right side's parts each mark
        // the left rows they match.
        let left = match build {
            BuildSide::Right => self.input(left)?,
            BuildSide::Left => self.gathered_input(left)?,
        };
        Ok(PhysicalPlan::Join {
            left,
            right: self.gathered_input(right)?,
            kind,
            on,
            filter,
            schema,
            build,
        })
    }

    #[inline(never)]
    fn shared(&mut self, p: Arc<SharedPlan>) -> Result<PhysicalPlan> {
        let key = Arc::as_ptr(&p) as usize;
        if let Some(node) = self.shared.get(&key) {
            return Ok(PhysicalPlan::Shared(Arc::clone(node)));
        }
        let correlated = *p.reach.get_or_init(|| p.plan.outer_reach()) > 0;
        // Other references hold the logical plan: compile a copy.
        let plan = match correlated {
            // Run at each use, per outer row: too small to split.
            true => compile_streamed(p.plan.clone(), self.parallelism, false)?,
            false => self.node(p.plan.clone())?,
        };
        let node = Arc::new(SharedNode {
            plan,
            correlated,
            source: p,
        });
        self.shared.insert(key, Arc::clone(&node));
        Ok(PhysicalPlan::Shared(node))
    }

    /// `plan`, whose consumer gathers all of it: a [`Parallel`] pipeline
    /// when it is big enough and the run may split it.
    ///
    /// [`Parallel`]: PhysicalPlan::Parallel
    fn gathered(&mut self, mut plan: PhysicalPlan) -> Result<PhysicalPlan> {
        let Some(scan) = pipeline_scan(&mut plan) else {
            return Ok(plan);
        };
        // Small tables and one thread first: asking a text file for its
        // parts reads it.
        if scan.table.estimated_rows().unwrap_or(0) < self.parallelism.min_rows {
            return Ok(plan);
        }
        let threads = match (self.threads, self.parallelism.threads) {
            (Some(n), _) => n,
            (None, Some(n)) => n.max(1),
            (None, None) => default_threads()?,
        };
        self.threads = Some(threads);
        if threads < 2 {
            return Ok(plan);
        }
        let (parts, assumed) = match self.explain {
            true => match scan.table.partitions_without_reading() {
                Some(n) => (n, false),
                None => (threads, true),
            },
            false => (scan.table.partitions(), false),
        };
        let workers = threads.min(parts);
        if workers < 2 {
            return Ok(plan);
        }
        scan.parts = workers;
        Ok(PhysicalPlan::Parallel {
            input: Box::new(plan),
            workers,
            assumed,
        })
    }
}

/// The groups an aggregate over an Expand must have even with no input:
/// those of the lists that give every group key a constant (the empty
/// grouping set: NULL keys and the set's number).
fn seeds(input: &LogicalPlan, group: &[Expr]) -> Vec<Vec<crate::plan::ScalarValue>> {
    let LogicalPlan::Expand { lists, schema, .. } = input else {
        return vec![];
    };
    lists
        .iter()
        .filter_map(|list| {
            group
                .iter()
                .map(|g| match g {
                    Expr::Column(c) => match &list[schema.index_of(c.id)?] {
                        Expr::Literal(v) => Some(v.clone()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
        })
        .collect()
}

/// The scan of the pipeline ending at `plan`: below filters, projections,
/// expansions, renames and the left (probe) side of joins that hash their
/// right input and keep every left row's chance (not RIGHT or FULL joins,
/// which must also see which right rows no left row matched).
fn pipeline_scan(plan: &mut PhysicalPlan) -> Option<&mut ScanNode> {
    let mut node = plan;
    loop {
        node = match node {
            PhysicalPlan::Filter { input, .. }
            | PhysicalPlan::Project { input, .. }
            | PhysicalPlan::Expand { input, .. }
            | PhysicalPlan::Rename { input, .. } => input,
            PhysicalPlan::Join {
                left,
                kind,
                build: BuildSide::Right,
                ..
            } if !matches!(kind, JoinKind::Right | JoinKind::Full) => left,
            PhysicalPlan::Scan(scan) => return Some(scan),
            _ => return None,
        };
    }
}

/// Tells the scan reached from `plan` through nodes that keep every row
/// (projections, renames) that only `rows` rows are wanted.
fn limit_scan(plan: &mut PhysicalPlan, rows: usize) {
    let mut node = plan;
    loop {
        node = match node {
            PhysicalPlan::Project { input, .. } | PhysicalPlan::Rename { input, .. } => input,
            PhysicalPlan::Scan(scan) => {
                scan.limit = Some(rows);
                return;
            }
            _ => return,
        };
    }
}
