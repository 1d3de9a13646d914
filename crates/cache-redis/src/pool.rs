//! Connections made on demand and kept for reuse.

use std::sync::Mutex;

use redis::ConnectionLike;

/// One connection, to a node or a cluster.
pub(crate) type Conn = Box<dyn ConnectionLike + Send>;

/// Idle connections; at most `max_idle` kept.
pub(crate) struct Pool {
    idle: Mutex<Vec<Conn>>,
    max_idle: usize,
}

impl Pool {
    pub(crate) fn new(max_idle: usize) -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Conn>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection, if one is kept.
    pub(crate) fn take(&self) -> Option<Conn> {
        self.lock().pop()
    }

    /// Returns a healthy connection for reuse.
    pub(crate) fn put(&self, conn: Conn) {
        let mut idle = self.lock();
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
    }

    /// Drops every idle connection: after a connection failed, the others
    /// (to the same server, which may have restarted) are suspect too.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pool({} idle)", self.lock().len())
    }
}
