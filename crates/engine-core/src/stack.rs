//! A guard against stack overflow in recursion over user-shaped trees.
//!
//! Binding, optimizing, executing and printing recurse once per level of an
//! expression or plan, and the depth of those trees is chosen by whoever
//! writes the SQL. A Rust stack overflow aborts the whole process — an
//! embedding server with it — so each recursive step calls [`check`], which
//! fails with a clear error while enough stack is left to unwind cleanly, the
//! way PostgreSQL's `check_stack_depth` does. Fixed limits (expression depth,
//! SET operations, SQL length) come first and make the common cases
//! deterministic; this guard makes the rest safe on any thread, whatever its
//! stack size.
//!
//! The stack's end is read once per thread: for glibc's main thread from
//! `__libc_stack_end` and `RLIMIT_STACK`, otherwise from the thread's
//! attributes (`pthread_getattr_np` on Linux, `pthread_get_stackaddr_np` on
//! macOS).
//! Elsewhere, or if that fails, the guard allows [`FALLBACK_BUDGET`] below
//! the first address it sees.

use std::cell::Cell;

use crate::error::{Error, Result};

/// Stack kept free for the work between two checks (Arrow kernels, parsing
/// a nested subquery, formatting an error) and for unwinding.
const RESERVE: usize = 256 * 1024;

/// The stack assumed available when the thread's real stack is unknown.
const FALLBACK_BUDGET: usize = 1024 * 1024;

thread_local! {
    /// The lowest usable stack address of this thread (the stack grows
    /// down), plus [`RESERVE`]; 0 until first asked.
    static LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// Fails when less than [`RESERVE`] bytes of stack are left.
#[inline]
pub(crate) fn check() -> Result<()> {
    let here = approximate_sp();
    let limit = LIMIT.with(|l| {
        if l.get() == 0 {
            l.set(stack_end(here).saturating_add(RESERVE));
        }
        l.get()
    });
    if here < limit {
        return Err(too_deep_for_stack());
    }
    Ok(())
}

/// The error [`check`] gives.
pub(crate) fn too_deep_for_stack() -> Error {
    Error::Plan(
        "the query nests too deeply to run on this thread's stack; \
         simplify it or run it on a thread with a larger stack"
            .into(),
    )
}

/// An address in the current stack frame.
#[inline(always)]
fn approximate_sp() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The lowest address of the current thread's stack.
fn stack_end(here: usize) -> usize {
    main_thread_end(here)
        .or_else(os_stack_end)
        .unwrap_or_else(|| here.saturating_sub(FALLBACK_BUDGET))
}

/// The main thread's stack end from glibc's record of its top and the stack
/// size limit: for the main thread, `pthread_getattr_np` reads and parses
/// `/proc/self/maps` (a third of a cold query's instructions); this is one
/// system call. `None` on another thread.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn main_thread_end(here: usize) -> Option<usize> {
    extern "C" {
        static __libc_stack_end: *mut libc::c_void;
    }
    // SAFETY: glibc sets `__libc_stack_end` before `main` and never changes
    // it; `limit` is a live local.
    let (top, limit) = unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_STACK, &mut limit) != 0 {
            return None;
        }
        (__libc_stack_end as usize, limit.rlim_cur)
    };
    // An unlimited stack still meets other mappings somewhere: assume 8 MiB.
    let size = if limit == libc::RLIM_INFINITY {
        8 << 20
    } else {
        usize::try_from(limit).ok()?
    };
    let end = top.checked_sub(size)?;
    (here > end && here <= top).then_some(end)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main_thread_end(_here: usize) -> Option<usize> {
    None
}

#[cfg(target_os = "linux")]
fn os_stack_end() -> Option<usize> {
    // SAFETY: `attr` is initialised by pthread_getattr_np before it is read
    // and destroyed once; the out-pointers point at live locals.
    unsafe {
        let mut attr = std::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
        if libc::pthread_getattr_np(libc::pthread_self(), attr.as_mut_ptr()) != 0 {
            return None;
        }
        let mut attr = attr.assume_init();
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        // The guard page is inside [addr, addr + size) for the main thread on
        // some kernels; RESERVE is far larger than it.
        (ok && !addr.is_null() && size > 0).then_some(addr as usize)
    }
}

#[cfg(target_os = "macos")]
fn os_stack_end() -> Option<usize> {
    // SAFETY: both calls only read the current thread's attributes.
    unsafe {
        let thread = libc::pthread_self();
        let top = libc::pthread_get_stackaddr_np(thread) as usize;
        let size = libc::pthread_get_stacksize_np(thread);
        (top > size && size > 0).then(|| top - size)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn os_stack_end() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recurse(n: usize) -> Result<usize> {
        check()?;
        // A frame with some weight, as the binder's are.
        let pad = std::hint::black_box([n as u8; 512]);
        Ok(recurse(n + 1)? + usize::from(pad[0]))
    }

    #[test]
    fn deep_recursion_fails_cleanly_on_a_small_stack() {
        let out = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| recurse(0))
            .unwrap()
            .join()
            .unwrap();
        let err = out.unwrap_err();
        assert!(err.to_string().contains("nests too deeply"), "{err}");
    }

    #[test]
    fn shallow_recursion_passes() {
        fn down(n: usize) -> Result<()> {
            check()?;
            if n > 0 {
                down(n - 1)?;
            }
            Ok(())
        }
        down(100).unwrap();
    }
}
