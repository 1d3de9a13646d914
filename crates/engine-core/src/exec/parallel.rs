//! Parallel steps. A *pipeline* is a scan and the streaming operators above
//! it — filters, projections, renames and the probe side of joins — up to the
//! first operator that gathers its input (an aggregate, a sort, a join's build
//! side, the query's result). When the scan is big and its table can be split
//! ([`crate::catalog::TableProvider::partitions`]), the compiler puts the pipeline under a
//! [`PhysicalPlan::Parallel`] node, and it runs on several threads:
//! each worker reads its own contiguous part of the table
//! ([`Partition`]) and runs the pipeline's operators over it, the joins it
//! probes having been built once beforehand and shared. What the workers
//! produce is merged by the gathering operator: partial aggregates merge
//! their groups, other consumers take the parts' batches in part order —
//! which is the table's order, so a parallel scan returns rows in the order
//! a serial one does.
//!
//! A query whose scans are small never starts a thread: the size is judged
//! from the table's row count when the plan is compiled, before anything
//! runs (`crate::physical::compile`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;

use super::join::{self, BuildSide};
use super::memory::gather as gather_held;
use super::{batch_size, batches_size, execute, node_address, ExecContext, Stream};
use crate::catalog::Partition;
use crate::error::{Error, Result};
use crate::physical::PhysicalPlan;

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

/// The scan node of the pipeline `plan` (the input of a
/// [`PhysicalPlan::Parallel`] node), and the joins it probes, top first.
fn pipeline(plan: &PhysicalPlan) -> Result<(&PhysicalPlan, Vec<&PhysicalPlan>)> {
    let mut node = plan;
    let mut joins = Vec::new();
    loop {
        node = match node {
            PhysicalPlan::Filter { input, .. }
            | PhysicalPlan::Project { input, .. }
            | PhysicalPlan::Expand { input, .. }
            | PhysicalPlan::Rename { input, .. } => input,
            PhysicalPlan::Join { left, .. } => {
                joins.push(node);
                left
            }
            PhysicalPlan::Scan(_) => return Ok((node, joins)),
            _ => {
                return Err(Error::exec(
                    "planner bug: a parallel step is not a pipeline",
                ))
            }
        };
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

/// Runs the pipeline of `node`, a [`PhysicalPlan::Parallel`] node, on its
/// workers, each handing its stream to `work` on its own thread (this
/// thread is one of them); the results in part order. The first worker to
/// fail stops the others, and its error is the step's.
pub(super) fn run<T: Send>(
    node: &PhysicalPlan,
    ctx: &ExecContext,
    work: impl Fn(Stream<'_>, &ExecContext) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let PhysicalPlan::Parallel {
        input: plan,
        workers: count,
        ..
    } = node
    else {
        return Err(Error::exec("planner bug: a parallel step without its node"));
    };
    let count = *count;
    let (scan, joins) = pipeline(plan)?;
    // Each probed join's right side is built once, here, before the workers
    // start; a worker finds it by the join node's address.
    let mut prebuilt: HashMap<usize, Arc<BuildSide>> = HashMap::new();
    for node in joins {
        if let PhysicalPlan::Join { right, .. } = node {
            let spec = super::join_spec(node);
            let build = join::build_side(execute(right, ctx)?, &spec, ctx)?;
            prebuilt.insert(node_address(node), Arc::new(build));
        }
    }
    let prebuilt = Arc::new(prebuilt);
    ctx.workers.fetch_max(count, Ordering::Relaxed);
    let failed = Arc::new(AtomicBool::new(false));
    // The first worker to fail, whose error is the step's (the others then
    // stop with a "another worker failed" cancellation).
    let first_failure = AtomicUsize::new(usize::MAX);
    let one = |index: usize, c: ExecContext| -> Result<T> {
        let out = execute(plan, &c).and_then(|s| match c.profile.as_deref() {
            // What the pipeline hands on, summed over the workers.
            Some(p) => work(p.wrap(node_address(node), s), &c),
            None => work(s, &c),
        });
        if out.is_err() && !failed.swap(true, Ordering::AcqRel) {
            first_failure.store(index, Ordering::Release);
        }
        out
    };
    let mut contexts: Vec<ExecContext> = (0..count)
        .map(|index| ctx.fork(scan, Partition { index, count }, &prebuilt, &failed))
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

/// The pipeline of `node`, a [`PhysicalPlan::Parallel`] node, run by its
/// workers, its batches gathered per part and handed on in part order. They
/// count against the memory limit until handed on.
pub(super) fn gather<'a>(node: &'a PhysicalPlan, ctx: &'a ExecContext) -> Result<Stream<'a>> {
    const WHAT: &str = "a parallel scan's rows";
    let parts = run(node, ctx, |stream, c| {
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
