//! Ctrl-C cancels the running query: the handler sets the query handle's
//! flag, and the query stops within a batch. Running one command, a second
//! Ctrl-C exits at once (for a query that does not notice); in the shell
//! Ctrl-C never ends the shell — Ctrl-D or `.exit` does (Ctrl-\ quits).

#[cfg(not(unix))]
pub fn on_ctrl_c(_: &tern::QueryHandle, _second_exits: bool) {}

#[cfg(unix)]
pub use unix::on_ctrl_c;

#[cfg(unix)]
mod unix {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, OnceLock};

    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    static SECOND_EXITS: AtomicBool = AtomicBool::new(true);

    extern "C" fn on_sigint(_: libc::c_int) {
        // Only atomics here: this runs inside a signal handler.
        if let Some(flag) = FLAG.get() {
            if flag.swap(true, Ordering::Relaxed) && SECOND_EXITS.load(Ordering::Relaxed) {
                // SAFETY: _exit is async-signal-safe.
                unsafe { libc::_exit(130) };
            }
        }
    }

    /// Ctrl-C cancels what runs with `handle` (the process's one handle;
    /// the shell clears its flag before each statement).
    pub fn on_ctrl_c(handle: &tern::QueryHandle, second_exits: bool) {
        SECOND_EXITS.store(second_exits, Ordering::Relaxed);
        if FLAG.set(handle.flag()).is_ok() {
            // SAFETY: the handler only touches atomics and calls _exit.
            unsafe {
                libc::signal(
                    libc::SIGINT,
                    on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
            }
        }
    }
}
