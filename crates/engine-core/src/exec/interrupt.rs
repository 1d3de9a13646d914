//! Stopping a running query: a flag another thread (or a signal handler)
//! sets, and a deadline from `statement_timeout`. Every operator checks both
//! each time it hands on a batch (see [`super::execute`]), so a query stops
//! within one batch of work per operator.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::catalog::{ScanCounters, ScanStats};
use crate::error::{Error, Result};

/// Cancels queries run with it, from any thread.
///
/// ```
/// use engine_core::{Engine, QueryHandle};
///
/// let engine = Engine::new();
/// let handle = QueryHandle::new();
/// handle.cancel(); // typically from another thread, or a Ctrl-C handler
/// let err = engine.query_with("SELECT 1", &handle).unwrap_err();
/// assert!(matches!(err, engine_core::Error::Cancelled(_)));
/// ```
///
/// It also shows how far the running statement has got, for a progress
/// line: [`progress`](Self::progress).
#[derive(Debug, Clone, Default)]
pub struct QueryHandle {
    cancelled: Arc<AtomicBool>,
    /// The scan counters of the statement running with this handle (or of
    /// the last one run).
    progress: Arc<Mutex<Option<Arc<ScanCounters>>>>,
}

impl QueryHandle {
    /// A handle that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the queries running with this handle (they fail with
    /// [`Error::Cancelled`]) and any started with it later.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// The flag itself, for code that may only touch an atomic (a signal
    /// handler): storing `true` in it cancels.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancelled)
    }

    /// What the statement running with this handle has read so far (files,
    /// rows, bytes), read from any thread while it runs; after it, its
    /// totals. `None` before a statement has started executing.
    ///
    /// ```
    /// use engine_core::{Engine, QueryHandle};
    ///
    /// let engine = Engine::new();
    /// let handle = QueryHandle::new();
    /// assert!(handle.progress().is_none());
    /// engine.query_with("SELECT 1", &handle).unwrap();
    /// assert_eq!(handle.progress().unwrap().files_planned, 0);
    /// ```
    pub fn progress(&self) -> Option<ScanStats> {
        let slot = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map(|c| c.snapshot())
    }

    /// Makes `counters` the ones [`progress`](Self::progress) reads.
    pub(crate) fn watch(&self, counters: &Arc<ScanCounters>) {
        let mut slot = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(Arc::clone(counters));
    }
}

/// What stops one statement's execution.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interrupt {
    handle: Option<QueryHandle>,
    deadline: Option<(Instant, Duration)>,
    /// Set when another worker of the same parallel step failed: its error
    /// is the query's, this one's work is wasted.
    siblings: Option<Arc<AtomicBool>>,
}

impl Interrupt {
    /// Stops when `handle` is cancelled or `timeout` has passed from now.
    pub fn new(handle: Option<&QueryHandle>, timeout: Option<Duration>) -> Self {
        Interrupt {
            handle: handle.cloned(),
            deadline: timeout.map(|t| (Instant::now() + t, t)),
            siblings: None,
        }
    }

    /// The caller's handle, when there is one.
    pub fn handle(&self) -> Option<&QueryHandle> {
        self.handle.as_ref()
    }

    /// This interrupt, also stopping once `failed` is set.
    pub fn with_siblings(&self, failed: &Arc<AtomicBool>) -> Self {
        Interrupt {
            siblings: Some(Arc::clone(failed)),
            ..self.clone()
        }
    }

    /// An error once the query should stop.
    #[inline]
    pub fn check(&self) -> Result<()> {
        if self.handle.as_ref().is_some_and(QueryHandle::is_cancelled) {
            return Err(Error::Cancelled("cancelled by its caller".into()));
        }
        if self
            .siblings
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
        {
            return Err(Error::Cancelled(
                "another worker of the query failed".into(),
            ));
        }
        if let Some((at, limit)) = self.deadline {
            if Instant::now() >= at {
                return Err(Error::Cancelled(format!(
                    "it ran past statement_timeout ({} ms)",
                    limit.as_millis()
                )));
            }
        }
        Ok(())
    }
}
