//! Parallel steps. A *pipeline* is a scan and the streaming operators above
//! it — filters, projections, renames and the probe side of joins — up to the
//! first operator that gathers its input (an aggregate, a sort, a join's build
//! side, the query's result). When the scan is big and its table can be split
//! ([`TableProvider::partitions`]), the pipeline runs on several threads:
//! each worker reads its own contiguous part of the table
//! ([`Partition`]) and runs the pipeline's operators over it, the joins it
//! probes having been built once beforehand and shared. What the workers
//! produce is merged by the gathering operator: partial aggregates merge
//! their groups, other consumers take the parts' batches in part order —
//! which is the table's order, so a parallel scan returns rows in the order
//! a serial one does.
//!
//! A query whose scans are small never starts a thread: the size is judged
//! from the table's row count before anything runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;

use super::join::{self, BuildSide};
use super::memory::gather as gather_held;
use super::{batch_size, batches_size, execute, node_address, ExecContext, Stream};
use crate::catalog::Partition;
use crate::error::{Error, Result};
use crate::plan::{JoinKind, LogicalPlan};

/// The environment variable giving the default number of threads.
pub const ENV_THREADS: &str = "TERN_THREADS";

/// Rows a scan must have (by its table's estimate) before its pipeline runs
/// in parallel, by default: below it, starting threads costs more than it
/// saves.
pub const MIN_ROWS: u64 = 1 << 18;

/// How a run splits its big scans.
///
/// ```
/// let p = engine_core::exec::Parallelism::default();
/// assert_eq!(p.threads, None);
/// assert_eq!(p.min_rows, engine_core::exec::MIN_ROWS);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parallelism {
    /// The most threads a step may use; `None`: [`default_threads`].
    pub threads: Option<usize>,
    /// The rows a table needs (by its estimate) for a scan of it to be split.
    pub min_rows: u64,
}

impl Default for Parallelism {
    fn default() -> Self {
        Parallelism {
            threads: None,
            min_rows: MIN_ROWS,
        }
    }
}

/// Stack of a worker thread: expressions recurse, and a worker must run
/// what the caller's thread would (the main thread has 8 MiB).
const WORKER_STACK: usize = 8 << 20;

/// A pipeline worth running in parallel.
pub(super) struct Pipeline<'p> {
    /// The pipeline's scan node.
    scan: &'p LogicalPlan,
    /// The joins whose left input is in the pipeline, top first.
    joins: Vec<&'p LogicalPlan>,
    /// How many workers.
    parts: usize,
}

/// The pipeline ending at `plan`, when it is big enough to run in parallel
/// and `ctx` may start threads.
pub(super) fn pipeline<'p>(
    plan: &'p LogicalPlan,
    ctx: &ExecContext,
) -> Result<Option<Pipeline<'p>>> {
    // A worker starts no threads; a correlated subquery's plan runs per
    // outer row, each run too small to split.
    if ctx.partition.is_some() || !ctx.outer.borrow().is_empty() {
        return Ok(None);
    }
    let mut node = plan;
    let mut joins = Vec::new();
    let table = loop {
        match node {
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Project { input, .. }
            | LogicalPlan::Rename { input, .. } => node = input,
            LogicalPlan::Join { left, kind, .. }
                if !matches!(kind, JoinKind::Right | JoinKind::Full) =>
            {
                joins.push(node);
                node = left;
            }
            LogicalPlan::Scan { table, .. } => break table,
            _ => return Ok(None),
        }
    };
    // Small tables and one thread first: asking a text file for its parts
    // reads it.
    if table.estimated_rows().unwrap_or(0) < ctx.parallelism.min_rows {
        return Ok(None);
    }
    let threads = threads(ctx)?;
    if threads < 2 {
        return Ok(None);
    }
    // Asked only of a big pipeline: it estimates both sides of each join.
    if !joins.iter().all(|j| probes_left(j)) {
        return Ok(None);
    }
    let units = table.partitions();
    let parts = threads.min(units);
    Ok((parts > 1).then_some(Pipeline {
        scan: node,
        joins,
        parts,
    }))
}

impl Pipeline<'_> {
    /// How many workers run it.
    pub(super) fn parts(&self) -> usize {
        self.parts
    }
}

/// Whether a join node streams its left input past a hash of its right (the
/// usual way; a semi or anti join whose left side is the smaller hashes the
/// left instead, see `super::join_node`).
pub(super) fn probes_left(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            ..
        } => {
            !(matches!(kind, JoinKind::Semi | JoinKind::Anti)
                && !on.is_empty()
                && crate::plan::cardinality::estimate(left)
                    < crate::plan::cardinality::estimate(right))
        }
        _ => false,
    }
}

/// The threads a parallel step of `ctx`'s run may use.
fn threads(ctx: &ExecContext) -> Result<usize> {
    match ctx.parallelism.threads {
        Some(n) => Ok(n.max(1)),
        None => default_threads(),
    }
}

/// `TERN_THREADS` when set (a malformed value is an error), else the
/// threads the process may run on (its CPU affinity and cgroup quota).
pub fn default_threads() -> Result<usize> {
    if let Some(n) = env_threads()? {
        return Ok(n);
    }
    // Asked of the OS once: a few system calls and cgroup files.
    static AVAILABLE: OnceLock<usize> = OnceLock::new();
    Ok(*AVAILABLE.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())))
}

/// `TERN_THREADS`, when set.
pub(super) fn env_threads() -> Result<Option<usize>> {
    match std::env::var(ENV_THREADS) {
        Ok(text) => parse_threads(&text)
            .map(Some)
            .map_err(|e| Error::plan(format!("{ENV_THREADS}: {e}"))),
        Err(_) => Ok(None),
    }
}

/// A thread count as `SET threads` and `TERN_THREADS` take it: a positive
/// number.
///
/// ```
/// use engine_core::exec::parse_threads;
/// assert_eq!(parse_threads("4"), Ok(4));
/// assert!(parse_threads("0").is_err());
/// assert!(parse_threads("many").is_err());
/// ```
pub fn parse_threads(text: &str) -> std::result::Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' is not a number of threads (1 to 1024)")),
    }
}

/// Runs the pipeline ending at `plan` on its workers, each handing its
/// stream to `work` on its own thread (this thread is one of them); the
/// results in part order. The first worker to fail stops the others, and
/// its error is the step's.
pub(super) fn run<T: Send>(
    plan: &LogicalPlan,
    pipeline: &Pipeline<'_>,
    ctx: &ExecContext,
    work: impl Fn(Stream<'_>, &ExecContext) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    // Each probed join's right side is built once, here, before the workers
    // start; a worker finds it by the join node's address.
    let mut prebuilt: HashMap<usize, Arc<BuildSide>> = HashMap::new();
    for &node in &pipeline.joins {
        if let LogicalPlan::Join { right, .. } = node {
            let spec = super::join_spec(node);
            let build = join::build_side(super::gathered(right, ctx)?, &spec, ctx)?;
            prebuilt.insert(node_address(node), Arc::new(build));
        }
    }
    let prebuilt = Arc::new(prebuilt);
    ctx.workers.fetch_max(pipeline.parts, Ordering::Relaxed);
    let failed = Arc::new(AtomicBool::new(false));
    // The first worker to fail, whose error is the step's (the others then
    // stop with a "another worker failed" cancellation).
    let first_failure = AtomicUsize::new(usize::MAX);
    let count = pipeline.parts;
    let one = |index: usize, c: ExecContext| -> Result<T> {
        let out = execute(plan, &c).and_then(|s| work(s, &c));
        if out.is_err() && !failed.swap(true, Ordering::AcqRel) {
            first_failure.store(index, Ordering::Release);
        }
        out
    };
    let mut contexts: Vec<ExecContext> = (0..count)
        .map(|index| {
            ctx.fork(
                pipeline.scan,
                Partition { index, count },
                &prebuilt,
                &failed,
            )
        })
        .collect();
    let here = contexts.remove(0);
    let results: Vec<Result<T>> = std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(count - 1);
        for (i, c) in contexts.into_iter().enumerate() {
            let one = &one;
            let spawned = std::thread::Builder::new()
                .name(format!("tern-worker-{}", i + 1))
                .stack_size(WORKER_STACK)
                .spawn_scoped(s, move || one(i + 1, c));
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    // No thread to be had: stop those started, report it.
                    failed.store(true, Ordering::Release);
                    for h in handles {
                        let _ = h.join();
                    }
                    return vec![Err(Error::exec(format!(
                        "could not start a worker thread: {e}"
                    )))];
                }
            }
        }
        let mut results = vec![one(0, here)];
        for h in handles {
            // A worker's panic is re-raised here, as it would have been had
            // its part run on this thread.
            results.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        results
    });
    let failure = first_failure.load(Ordering::Acquire);
    let mut out = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(v) => out.push(v),
            Err(e) if i == failure || failure == usize::MAX => return Err(e),
            Err(_) => {}
        }
    }
    Ok(out)
}

/// The pipeline ending at `plan` run in parallel, its batches gathered per
/// part and handed on in part order. They count against the memory limit
/// until handed on.
pub(super) fn gather<'a>(
    plan: &'a LogicalPlan,
    pipeline: &Pipeline<'_>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    const WHAT: &str = "a parallel scan's rows";
    let parts = run(plan, pipeline, ctx, |stream, c| {
        gather_held(stream, &mut c.memory.reserve(WHAT))
    })?;
    let batches: Vec<RecordBatch> = parts.into_iter().flatten().collect();
    let mut held = ctx.memory.reserve(WHAT);
    let mut left = batches_size(&batches);
    held.grow(left)?;
    Ok(Box::new(batches.into_iter().map(move |b| {
        left = left.saturating_sub(batch_size(&b));
        held.resize(left)?;
        Ok(b)
    })))
}
