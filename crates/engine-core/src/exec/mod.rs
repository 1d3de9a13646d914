//! Execution: a [`PhysicalPlan`] becomes a tree of pull-based batch iterators.
//!
//! [`execute`] builds the operator for a plan node over its inputs' streams,
//! as the node says (its choices were made by [`crate::physical::compile`]);
//! pulling from the root pulls batches up the tree. Streaming operators (scan,
//! filter, project, limit, union, the probe side of a join) hold one batch at a
//! time; blocking ones (aggregate, sort, the build side of a join) gather their
//! input first. Expressions are evaluated by `eval` with Arrow kernels.

mod aggregate;
mod basic;
pub(crate) mod cast;
mod decimal;
mod eval;
mod interrupt;
mod join;
mod memory;
mod merge;
mod parallel;
mod profile;
pub(crate) mod rowset;
mod setop;
mod sort;
#[cfg(feature = "ipc")]
mod spill;
mod unnest;
mod window;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{Field, Schema, SchemaRef};

use crate::catalog::{Partition, ScanCounters, ScanRequest};
use crate::error::Result;
use crate::physical::{BuildSide, PhysicalPlan, ScanNode, SharedNode};
use crate::plan::{Expr, PlanSchema, ScalarValue};

pub(crate) use aggregate::mergeable;
pub use eval::evaluate;
pub(crate) use eval::{comparison, true_mask};
pub(crate) use interrupt::Interrupt;
pub use interrupt::QueryHandle;
pub(crate) use memory::{
    batch_size, batches_size, check_string_column, format_size, gather, MemoryPool, Reservation,
};
pub use memory::{parse_size, DEFAULT_SHARE, ENV_LIMIT};
pub use parallel::{default_threads, parse_threads, Parallelism, ENV_THREADS, MIN_ROWS};
pub use profile::{NodeStats, Profile};

/// A stream of batches from an operator.
pub type Stream<'a> = Box<dyn Iterator<Item = Result<RecordBatch>> + 'a>;

/// State shared by the operators of one query run. The workers of a
/// parallel step each get a [`fork`](ExecContext::fork): the caches, counters,
/// memory pool and interrupt are shared, the outer-row stack is their own.
#[derive(Default)]
pub struct ExecContext {
    /// The current row of each enclosing query while a correlated subquery
    /// runs, innermost last.
    outer: RefCell<Vec<(RecordBatch, usize)>>,
    /// Results of uncorrelated subqueries, computed once per run.
    subqueries: Arc<Mutex<HashMap<usize, Arc<eval::SubqueryValue>>>>,
    /// Subqueries' plans, compiled when first run, by the subquery's address.
    subplans: Arc<Mutex<HashMap<usize, Arc<PhysicalPlan>>>>,
    /// What the scans read.
    scan: Arc<ScanCounters>,
    /// The rows of each shared plan already run, by the plan's address.
    shared: Arc<Mutex<HashMap<usize, Arc<Vec<RecordBatch>>>>>,
    /// When to stop.
    interrupt: Interrupt,
    /// What the run's operators hold, against its memory limit.
    memory: Arc<MemoryPool>,
    /// Threads a parallel step may use, and the rows a scan needs to be
    /// split. A worker's threads are 1.
    parallelism: Parallelism,
    /// In a worker: the scan node (by address) it reads one part of, and
    /// which part.
    partition: Option<(usize, Partition)>,
    /// In a worker: the build sides of the joins its pipeline probes, built
    /// once before the workers started, by the join node's address.
    prebuilt: Arc<HashMap<usize, Arc<join::BuildSide>>>,
    /// The most workers a parallel step of the run used.
    workers: Arc<AtomicUsize>,
    /// What each node did, for EXPLAIN ANALYZE (only then).
    profile: Option<Arc<Profile>>,
}

impl ExecContext {
    /// A context for a run that `interrupt` can stop, holding at most
    /// `memory_limit` bytes (the process default when `None`), splitting
    /// big scans as `parallelism` says.
    pub(crate) fn new(
        interrupt: Interrupt,
        memory_limit: Option<usize>,
        parallelism: Parallelism,
    ) -> Result<Self> {
        if parallelism.threads.is_none() {
            // A malformed TERN_THREADS is an error at once, like a malformed
            // TERN_MEMORY_LIMIT, not only when a query is big enough to ask.
            parallel::env_threads()?;
        }
        let ctx = ExecContext {
            interrupt,
            memory: Arc::new(MemoryPool::new(memory_limit)?),
            parallelism,
            ..Default::default()
        };
        if let Some(handle) = ctx.interrupt.handle() {
            handle.watch(&ctx.scan);
        }
        Ok(ctx)
    }

    /// A worker's context: it reads part `partition` of the scan node
    /// `scan`, finds the joins in `prebuilt` already built, stops when
    /// `failed` is set, and starts no threads of its own.
    fn fork(
        &self,
        scan: &PhysicalPlan,
        partition: Partition,
        prebuilt: &Arc<HashMap<usize, Arc<join::BuildSide>>>,
        failed: &Arc<AtomicBool>,
    ) -> Self {
        ExecContext {
            outer: RefCell::default(),
            subqueries: Arc::clone(&self.subqueries),
            subplans: Arc::clone(&self.subplans),
            scan: Arc::clone(&self.scan),
            shared: Arc::clone(&self.shared),
            interrupt: self.interrupt.with_siblings(failed),
            memory: Arc::clone(&self.memory),
            parallelism: Parallelism {
                threads: Some(1),
                ..self.parallelism
            },
            partition: Some((node_address(scan), partition)),
            prebuilt: Arc::clone(prebuilt),
            workers: Arc::clone(&self.workers),
            profile: self.profile.clone(),
        }
    }

    /// This context, recording what each plan node does (EXPLAIN ANALYZE).
    pub(crate) fn profiled(mut self) -> Self {
        let profile = Arc::new(Profile::default());
        if let Some(pool) = Arc::get_mut(&mut self.memory) {
            // A new context's pool: no reservation holds it yet.
            pool.profile = Some(Arc::clone(&profile));
        }
        self.profile = Some(profile);
        self
    }

    /// What each node did, when the run was [`profiled`](Self::profiled).
    pub fn profile(&self) -> Option<&Profile> {
        self.profile.as_deref()
    }

    /// The most threads a step of the run used (at least 1).
    pub fn threads_used(&self) -> usize {
        self.workers.load(Ordering::Relaxed).max(1)
    }

    /// The most memory the run's operators held at once, in bytes.
    pub fn peak_memory(&self) -> usize {
        self.memory.peak()
    }

    /// The counters the run's scans add to.
    pub fn scan_counters(&self) -> &ScanCounters {
        &self.scan
    }
}

/// Builds the operator tree for `plan`. Each operator's stream checks, as it
/// hands on a batch, whether the run was cancelled or timed out.
pub fn execute<'a>(plan: &'a PhysicalPlan, ctx: &'a ExecContext) -> Result<Stream<'a>> {
    crate::stack::check()?;
    ctx.interrupt.check()?;
    let stream = match ctx.profile.as_deref() {
        // A parallel step's rows and time are its workers' (`parallel::run`).
        Some(p) if !matches!(plan, PhysicalPlan::Parallel { .. }) => {
            let node = node_address(plan);
            let stream = p.enter(node, || operator(plan, ctx))?;
            match plan {
                // A scan's stream is counted where it is made (`scan`).
                PhysicalPlan::Scan(_) => stream,
                _ => p.wrap(node, stream),
            }
        }
        _ => operator(plan, ctx)?,
    };
    Ok(Box::new(stream.map(move |b| {
        ctx.interrupt.check()?;
        b
    })))
}

/// The operator for `plan` over its inputs' streams.
fn operator<'a>(plan: &'a PhysicalPlan, ctx: &'a ExecContext) -> Result<Stream<'a>> {
    Ok(match plan {
        PhysicalPlan::Scan(node) => scan(plan, node, ctx)?,
        PhysicalPlan::Values { rows, schema } => basic::values(rows, schema, ctx)?,
        PhysicalPlan::Filter { input, predicate } => {
            basic::filter(execute(input, ctx)?, predicate, ctx)
        }
        PhysicalPlan::Project {
            input,
            exprs,
            schema,
        } => basic::project(execute(input, ctx)?, exprs, schema, ctx),
        PhysicalPlan::Rename { input, schema } => basic::rename(execute(input, ctx)?, schema),
        PhysicalPlan::Limit { input, skip, fetch } => {
            basic::limit(execute(input, ctx)?, *skip, *fetch)
        }
        PhysicalPlan::Aggregate { .. } => aggregate_node(plan, ctx)?,
        PhysicalPlan::Sort { .. } => sort_node(plan, ctx)?,
        PhysicalPlan::Distinct { input } => {
            setop::distinct(execute(input, ctx)?, input.schema(), ctx)
        }
        PhysicalPlan::Window {
            input,
            exprs,
            schema,
        } => window::window(execute(input, ctx)?, exprs, schema, ctx)?,
        PhysicalPlan::Unnest {
            input,
            list,
            outer,
            ordinality,
            schema,
        } => unnest::unnest(execute(input, ctx)?, list, *outer, *ordinality, schema, ctx),
        PhysicalPlan::Expand {
            input,
            lists,
            schema,
        } => basic::expand(execute(input, ctx)?, lists, schema, ctx),
        PhysicalPlan::SetOp {
            left,
            right,
            op,
            all,
            schema,
        } => setop::set_operation(
            execute(left, ctx)?,
            execute(right, ctx)?,
            *op,
            *all,
            schema,
            ctx,
        )?,
        PhysicalPlan::Join { .. } => join_node(plan, ctx)?,
        PhysicalPlan::Shared(s) => shared(s, ctx)?,
        PhysicalPlan::Parallel { input, .. } => match ctx.partition {
            None => parallel::gather(plan, ctx)?,
            // Within a worker (a shared plan first read there), serially.
            Some(_) => execute(input, ctx)?,
        },
    })
}

// The blocking operators' nodes are built in functions of their own, so that
// `operator`, which recurses once per plan level, keeps a small stack frame.

/// `input` and its workers when it is a [`PhysicalPlan::Parallel`] node this
/// run can start threads for (not in a worker).
fn parallel_input<'p>(
    input: &'p PhysicalPlan,
    ctx: &ExecContext,
) -> Option<(&'p PhysicalPlan, usize)> {
    match input {
        PhysicalPlan::Parallel { workers, .. } if ctx.partition.is_none() => {
            Some((input, *workers))
        }
        _ => None,
    }
}

/// An aggregate: over a parallel pipeline, each worker aggregates its part
/// and the parts' groups merge.
fn aggregate_node<'a>(plan: &'a PhysicalPlan, ctx: &'a ExecContext) -> Result<Stream<'a>> {
    let PhysicalPlan::Aggregate {
        input,
        group,
        aggs,
        schema,
        partial,
        seeds,
    } = plan
    else {
        unreachable!("aggregate_node of an aggregate")
    };
    let input_schema = input.schema();
    let Some((parallel, _)) = parallel_input(input, ctx).filter(|_| *partial) else {
        let input = execute(input, ctx)?;
        return aggregate::aggregate(input, input_schema, group, aggs, seeds, schema, ctx);
    };
    let parts = parallel::run(parallel, ctx, |stream, c| {
        let mut agg = aggregate::Aggregator::new(input_schema, group, aggs, c)?;
        for b in stream {
            agg.fold(&b?, c)?;
        }
        Ok(agg)
    })?;
    let mut whole = aggregate::Aggregator::new(input_schema, group, aggs, ctx)?;
    whole.seed(seeds)?;
    for part in parts {
        whole.merge(part)?;
    }
    let batch = whole.finish(schema)?;
    Ok(Box::new(std::iter::once(Ok(batch))))
}

/// A sort: over a parallel pipeline, each worker gathers (and, past its
/// share of the memory limit, spills) and sorts its part; the parts merge.
fn sort_node<'a>(plan: &'a PhysicalPlan, ctx: &'a ExecContext) -> Result<Stream<'a>> {
    let PhysicalPlan::Sort { input, keys, fetch } = plan else {
        unreachable!("sort_node of a sort")
    };
    let Some((parallel, workers)) = parallel_input(input, ctx) else {
        return sort::sort(execute(input, ctx)?, keys, *fetch, ctx);
    };
    let share = ctx.memory.limit() / workers;
    let parts = parallel::run(parallel, ctx, |stream, c| {
        let mut runs = sort::gather(stream, keys, *fetch, Some(share), c)?;
        runs.sort(keys, *fetch, c)?;
        Ok(runs)
    })?;
    sort::finish(parts, keys, *fetch, ctx)
}

/// A join: probing a shared build in a worker, or building then probing.
fn join_node<'a>(plan: &'a PhysicalPlan, ctx: &'a ExecContext) -> Result<Stream<'a>> {
    let PhysicalPlan::Join {
        left, right, build, ..
    } = plan
    else {
        unreachable!("join_node of a join")
    };
    let spec = join_spec(plan);
    if let Some(built) = ctx.prebuilt.get(&node_address(plan)) {
        // A worker's part of a parallel probe: the build is shared.
        return join::probe(execute(left, ctx)?, Arc::clone(built), spec, ctx);
    }
    if *build == BuildSide::Right {
        return join::join(execute(left, ctx)?, execute(right, ctx)?, spec, ctx);
    }
    // The left side is the smaller: hash the left rows and stream the right
    // past them, marking which left rows found a partner.
    let Some((parallel, _)) = parallel_input(right, ctx) else {
        return join::semi_join_build_left(execute(left, ctx)?, execute(right, ctx)?, spec, ctx);
    };
    // The right side's parts stream past the one hash at once.
    let Some(hash) = join::LeftHash::build(execute(left, ctx)?, &spec, ctx)? else {
        return Ok(Box::new(std::iter::empty()));
    };
    let marks = parallel::run(parallel, ctx, |stream, c| hash.mark(stream, &spec, c))?;
    let mut matched = vec![false; marks.first().map_or(0, Vec::len)];
    for m in &marks {
        matched.iter_mut().zip(m).for_each(|(a, b)| *a |= *b);
    }
    let out = hash.finish(&matched, &spec)?;
    Ok(Box::new(std::iter::once(Ok(out))))
}

/// A join node's description for the join operators.
fn join_spec(plan: &PhysicalPlan) -> join::JoinSpec<'_> {
    match plan {
        PhysicalPlan::Join {
            left,
            right,
            kind,
            on,
            filter,
            schema,
            ..
        } => join::JoinSpec {
            kind: *kind,
            on,
            filter: filter.as_ref(),
            schema,
            left: left.schema(),
            right: right.schema(),
        },
        _ => unreachable!("join_spec of a join node"),
    }
}

/// A shared plan's rows: run on first use, replayed after. One that reads an
/// enclosing query's columns runs at each use, as its rows differ per outer row.
fn shared<'a>(s: &'a SharedNode, ctx: &'a ExecContext) -> Result<Stream<'a>> {
    if s.correlated {
        return execute(&s.plan, ctx);
    }
    // Named by the logical plan: a subquery's compilation of the same CTE
    // finds the rows the query's made.
    let key = Arc::as_ptr(&s.source) as usize;
    let known = lock(&ctx.shared).get(&key).cloned();
    let batches = match known {
        Some(b) => b,
        None => {
            let b = coalesce(execute(&s.plan, ctx)?)?;
            // Kept for the rest of the run, so never given back.
            ctx.memory
                .grow(batches_size(&b), "a CTE used more than once")?;
            let b = Arc::new(b);
            Arc::clone(lock(&ctx.shared).entry(key).or_insert(b))
        }
    };
    Ok(Box::new(
        (0..batches.len()).map(move |i| Ok(batches[i].clone())),
    ))
}

/// The map behind `m`, even if a thread panicked while holding it (its
/// entries are whole values, inserted at once).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A plan node's identity for the run: its address (plans do not move
/// while they run).
fn node_address(plan: &PhysicalPlan) -> usize {
    plan as *const PhysicalPlan as usize
}

/// `batches` (at least one) as one batch. A column the plan never reads is an
/// untyped NULL array in some batches (`prune_columns`) and typed in others
/// (an outer join's padding): such columns take the typed one's type.
pub(crate) fn concat(batches: &[RecordBatch]) -> Result<RecordBatch> {
    let first = &batches[0];
    let width = first.num_columns();
    let mut types: Vec<arrow_schema::DataType> = first
        .columns()
        .iter()
        .map(|c| c.data_type().clone())
        .collect();
    let mut mixed = false;
    for b in &batches[1..] {
        for (t, c) in types.iter_mut().zip(b.columns()) {
            if t != c.data_type() {
                mixed = true;
                if t.is_null() {
                    *t = c.data_type().clone();
                }
            }
        }
    }
    if !mixed {
        return Ok(arrow_select::concat::concat_batches(
            &first.schema(),
            batches,
        )?);
    }
    let fields: Vec<Field> = (0..width)
        .map(|i| {
            let f = first.schema_ref().field(i).clone();
            f.with_data_type(types[i].clone()).with_nullable(true)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let conformed = batches
        .iter()
        .map(|b| {
            let columns = b
                .columns()
                .iter()
                .zip(&types)
                .map(|(c, t)| match c.data_type() == t {
                    true => Ok(Arc::clone(c)),
                    false => Ok(arrow_cast::cast(c, t)?),
                })
                .collect::<Result<Vec<ArrayRef>>>()?;
            let opts = RecordBatchOptions::new().with_row_count(Some(b.num_rows()));
            Ok(RecordBatch::try_new_with_options(
                Arc::clone(&schema),
                columns,
                &opts,
            )?)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(arrow_select::concat::concat_batches(&schema, &conformed)?)
}

/// The batches of `stream`, small ones merged up to [`COALESCE_ROWS`] rows:
/// a plan kept to be replayed should not be a million one-row batches.
fn coalesce(stream: Stream<'_>) -> Result<Vec<RecordBatch>> {
    let mut out = Vec::new();
    let mut pending: Vec<RecordBatch> = Vec::new();
    let mut rows = 0;
    let flush = |pending: &mut Vec<RecordBatch>, out: &mut Vec<RecordBatch>| -> Result<()> {
        match pending.len() {
            0 => {}
            1 => out.extend(pending.pop()),
            _ => {
                out.push(concat(pending)?);
                pending.clear();
            }
        }
        Ok(())
    };
    for b in stream {
        let b = b?;
        if rows + b.num_rows() > COALESCE_ROWS {
            flush(&mut pending, &mut out)?;
            rows = 0;
        }
        rows += b.num_rows();
        pending.push(b);
    }
    flush(&mut pending, &mut out)?;
    Ok(out)
}

/// Rows a coalesced batch grows to.
const COALESCE_ROWS: usize = 8192;

/// The stream of scan node `plan` (`node`): the table read as the node
/// says (in a worker, the worker's part of it), its batches widened to the
/// scan's columns.
fn scan<'a>(
    plan: &'a PhysicalPlan,
    node: &'a ScanNode,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let request = ScanRequest {
        projection: node.projection.clone(),
        filters: node.filters.clone(),
        limit: node.limit,
        counters: Arc::clone(&ctx.scan),
        partition: ctx
            .partition
            .filter(|(scan, _)| *scan == node_address(plan))
            .map(|(_, p)| p),
    };
    let batches = node.table.scan_with(&request)?;
    let stream = match &node.projection {
        None => batches,
        Some(p) => basic::projected_scan(batches, p, node.schema.len()),
    };
    Ok(match ctx.profile.as_deref() {
        Some(p) => p.wrap(node_address(plan), stream),
        None => stream,
    })
}

/// Runs `plan` (compiled by [`compile`](crate::physical::compile)) to
/// completion. The batches count against the run's memory limit while they
/// are gathered.
pub fn collect(plan: &PhysicalPlan, ctx: &ExecContext) -> Result<Vec<RecordBatch>> {
    let mut held = ctx.memory.reserve("the query's result");
    memory::gather(execute(plan, ctx)?, &mut held)
}

/// Memory a constant computed outside a query run may take: the planner
/// folds constants before the query's own limit applies, and leaves one it
/// cannot fold to be computed in the run, under that limit.
const CONSTANT_LIMIT: usize = 16 << 20;

/// Computes an expression that reads no column (using at most 16 MiB).
pub fn evaluate_constant(expr: &Expr) -> Result<ScalarValue> {
    let ctx = ExecContext {
        memory: Arc::new(MemoryPool::fixed(CONSTANT_LIMIT)),
        ..Default::default()
    };
    evaluate_constant_in(expr, &ctx)
}

/// Computes an expression that reads no column, in a query run.
fn evaluate_constant_in(expr: &Expr, ctx: &ExecContext) -> Result<ScalarValue> {
    let batch = RecordBatch::try_new_with_options(
        Arc::new(Schema::empty()),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )?;
    let array = evaluate(expr, &batch, ctx)?;
    Ok(ScalarValue::from_array(&array, 0))
}

/// Builds the output batches of one streaming operator, reusing the Arrow
/// schema from batch to batch while the column types stay the same.
pub(crate) struct BatchMaker<'a> {
    schema: &'a PlanSchema,
    cached: Option<SchemaRef>,
}

impl<'a> BatchMaker<'a> {
    pub(crate) fn new(schema: &'a PlanSchema) -> Self {
        BatchMaker {
            schema,
            cached: None,
        }
    }

    pub(crate) fn make(&mut self, columns: Vec<ArrayRef>, num_rows: usize) -> Result<RecordBatch> {
        let fits = |s: &SchemaRef| {
            s.fields().len() == columns.len()
                && s.fields()
                    .iter()
                    .zip(&columns)
                    .all(|(f, c)| f.data_type() == c.data_type())
        };
        let schema = match &self.cached {
            Some(s) if fits(s) => Arc::clone(s),
            _ => {
                let s = output_schema(self.schema, &columns);
                self.cached = Some(Arc::clone(&s));
                s
            }
        };
        Ok(RecordBatch::try_new_with_options(
            schema,
            columns,
            &RecordBatchOptions::new().with_row_count(Some(num_rows)),
        )?)
    }
}

/// The Arrow schema of a batch: the plan's column names, the arrays' own types.
fn output_schema(schema: &PlanSchema, columns: &[ArrayRef]) -> SchemaRef {
    let fields: Vec<Field> = schema
        .columns
        .iter()
        .zip(columns)
        .map(|(c, a)| Field::new(&c.name, a.data_type().clone(), true))
        .collect();
    Arc::new(Schema::new(fields))
}

/// A batch with the plan's column names and the arrays' own types.
pub(crate) fn make_batch(
    schema: &PlanSchema,
    columns: Vec<ArrayRef>,
    num_rows: usize,
) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new_with_options(
        output_schema(schema, &columns),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(num_rows)),
    )?)
}
