//! EXPLAIN ANALYZE: what each physical operator did in one run — rows out, time and
//! memory. Only a run made for EXPLAIN ANALYZE collects them; any other run
//! pays one branch per operator built.
//!
//! Time is measured around each node's construction and each `next()` of its
//! stream, so it includes its inputs' time (the stream pulls them); the
//! printed "self" time subtracts the inputs'. Work done by the workers of a
//! parallel step adds up, so a node's time can pass the query's wall time.
//! Memory is what the node's reservations held at their largest (summed over
//! workers), attributed to the node whose code was running on the thread when
//! the reservation was made.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;

use super::Stream;
use crate::error::Result;
use crate::physical::PhysicalPlan;

/// What one node did.
#[derive(Debug, Default, Clone, Copy)]
pub struct NodeStats {
    /// Rows it handed on.
    pub rows: u64,
    /// Time in its construction and its stream's `next()`, inputs included.
    pub time: Duration,
    /// The largest memory its reservations held.
    pub memory: usize,
}

/// The statistics of one run, by node address.
#[derive(Debug, Default)]
pub struct Profile {
    nodes: Mutex<HashMap<usize, NodeStats>>,
}

thread_local! {
    /// The node whose operator code runs on this thread (while profiling).
    static CURRENT: Cell<usize> = const { Cell::new(0) };
}

/// The node running on this thread, for a reservation made now.
pub(super) fn current_node() -> usize {
    CURRENT.with(Cell::get)
}

impl Profile {
    fn update(&self, node: usize, f: impl FnOnce(&mut NodeStats)) {
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        f(nodes.entry(node).or_default());
    }

    /// Adds a reservation's largest size to `node`.
    pub(super) fn add_memory(&self, node: usize, bytes: usize) {
        self.update(node, |s| s.memory += bytes);
    }

    /// What `node` did (all zero if it never ran).
    pub fn stats(&self, node: &PhysicalPlan) -> NodeStats {
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        nodes
            .get(&super::node_address(node))
            .copied()
            .unwrap_or_default()
    }

    /// Runs `f` as node `node`'s work, timing it.
    pub(super) fn enter<T>(&self, node: usize, f: impl FnOnce() -> T) -> T {
        let outer = CURRENT.with(|c| c.replace(node));
        let start = Instant::now();
        let out = f();
        let spent = start.elapsed();
        CURRENT.with(|c| c.set(outer));
        self.update(node, |s| s.time += spent);
        out
    }

    /// `stream`, each `next()` timed and its rows counted as `node`'s.
    pub(super) fn wrap<'a>(&'a self, node: usize, mut stream: Stream<'a>) -> Stream<'a> {
        Box::new(std::iter::from_fn(move || {
            let item: Option<Result<RecordBatch>> = self.enter(node, || stream.next());
            if let Some(Ok(b)) = &item {
                self.update(node, |s| s.rows += b.num_rows() as u64);
            }
            item
        }))
    }

    /// The physical plan's lines (as EXPLAIN prints them), each with what
    /// its operator did.
    pub fn annotate(&self, plan: &PhysicalPlan) -> Vec<String> {
        plan.explain_lines_with(&|node: &PhysicalPlan| {
            let s = self.stats(node);
            let inputs: Duration = node.inputs().iter().map(|i| self.stats(i).time).sum();
            let own = s.time.saturating_sub(inputs);
            let mut text = format!(
                "rows={} time={:.3} ms (self {:.3} ms)",
                s.rows,
                s.time.as_secs_f64() * 1000.0,
                own.as_secs_f64() * 1000.0
            );
            if s.memory > 0 {
                text.push_str(&format!(" memory={}", super::memory::format_size(s.memory)));
            }
            Some(text)
        })
    }
}
