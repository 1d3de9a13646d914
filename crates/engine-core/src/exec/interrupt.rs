//! Stopping a running query: a flag another thread (or a signal handler)
//! sets, and a deadline from `statement_timeout`. Every operator checks both
//! each time it hands on a batch (see [`super::execute`]), so a query stops
//! within one batch of work per operator.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
#[derive(Debug, Clone, Default)]
pub struct QueryHandle {
    cancelled: Arc<AtomicBool>,
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
