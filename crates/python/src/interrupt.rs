//! Ctrl-C while a query runs.
//!
//! A query runs without the GIL, and Python only acts on a signal when its
//! main thread runs Python code — which it does not do until the query
//! returns. So for a query on the main thread, tern's own SIGINT handler
//! stands in for Python's while it runs: it stops the query (an atomic store,
//! all a signal handler may do), and once the query has returned Python's
//! handler is put back and the signal raised again, so that Python does with
//! it what it would have done (`KeyboardInterrupt`, or the program's own
//! handler). Queries on other threads are left alone: Python delivers
//! signals to the main thread only.

use pyo3::prelude::*;
use tern::QueryHandle;

/// Runs `query` with `handle` without the GIL; Ctrl-C cancels it (see the
/// module docs).
pub fn run<T: Send>(
    py: Python<'_>,
    handle: &QueryHandle,
    query: impl FnOnce(&QueryHandle) -> T + Send,
) -> PyResult<T> {
    let guard = unix::Guard::install(handle);
    let out = py.detach(|| query(handle));
    let interrupted = guard.map(unix::Guard::restore).unwrap_or(false);
    if interrupted {
        // Python's handler now sees the signal; its exception wins over the
        // query's "cancelled" error. A handler that raised nothing lets the
        // query's own answer through.
        py.check_signals()?;
    }
    Ok(out)
}

#[cfg(target_os = "linux")]
mod unix {
    use std::ptr;
    use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
    use std::sync::Arc;

    /// The running main-thread query's cancel flag (null when none runs).
    static FLAG: AtomicPtr<AtomicBool> = AtomicPtr::new(ptr::null_mut());
    /// Whether SIGINT came while it ran.
    static CAUGHT: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_sigint(_: libc::c_int) {
        // Only atomics here: this runs inside a signal handler.
        CAUGHT.store(true, Ordering::SeqCst);
        let flag = FLAG.load(Ordering::SeqCst);
        if !flag.is_null() {
            // SAFETY: the pointer is the flag of the query that runs; the
            // guard clears it before that query's flag can be dropped.
            unsafe { (*flag).store(true, Ordering::Relaxed) };
        }
    }

    /// tern's handler in place of Python's, for one main-thread query.
    pub struct Guard {
        previous: libc::sigaction,
        /// Keeps the flag alive while FLAG points at it.
        _flag: Arc<AtomicBool>,
    }

    impl Guard {
        /// Installs the handler when this is the main thread and Python
        /// handles SIGINT (not when it is ignored or left to the default).
        pub fn install(handle: &tern::QueryHandle) -> Option<Guard> {
            // SAFETY: getpid and gettid cannot fail.
            if unsafe { libc::getpid() != libc::gettid() } {
                return None;
            }
            // SAFETY: a zeroed sigaction is a valid value to be written into.
            let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: reading the current action only.
            if unsafe { libc::sigaction(libc::SIGINT, ptr::null(), &mut previous) } != 0
                || previous.sa_sigaction == libc::SIG_IGN
                || previous.sa_sigaction == libc::SIG_DFL
            {
                return None;
            }
            let flag = handle.flag();
            CAUGHT.store(false, Ordering::SeqCst);
            FLAG.store(Arc::as_ptr(&flag).cast_mut(), Ordering::SeqCst);
            // SAFETY: as above; the handler only touches atomics.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                if libc::sigaction(libc::SIGINT, &action, ptr::null_mut()) != 0 {
                    FLAG.store(ptr::null_mut(), Ordering::SeqCst);
                    return None;
                }
            }
            Some(Guard {
                previous,
                _flag: flag,
            })
        }

        /// Puts Python's handler back; when SIGINT came, raises it again
        /// for Python. Whether it came.
        pub fn restore(self) -> bool {
            // SAFETY: `previous` is the action read in `install`.
            unsafe { libc::sigaction(libc::SIGINT, &self.previous, ptr::null_mut()) };
            FLAG.store(ptr::null_mut(), Ordering::SeqCst);
            let caught = CAUGHT.swap(false, Ordering::SeqCst);
            if caught {
                // SAFETY: raising a signal whose handler is Python's.
                unsafe { libc::raise(libc::SIGINT) };
            }
            caught
        }
    }
}

// Elsewhere (no gettid to tell the main thread), Ctrl-C acts when the
// query returns.
#[cfg(not(target_os = "linux"))]
mod unix {
    pub struct Guard;
    impl Guard {
        pub fn install(_: &tern::QueryHandle) -> Option<Guard> {
            None
        }
        pub fn restore(self) -> bool {
            false
        }
    }
}
