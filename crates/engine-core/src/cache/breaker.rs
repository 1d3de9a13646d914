//! A circuit breaker: stop calling a server that keeps failing, and try it
//! again, once, after a cool-down.
//!
//! ```text
//!            failure × threshold              cool-down over
//!  Closed ───────────────────────► Open ──────────────────────► HalfOpen
//!    ▲                              ▲   (calls skipped)          (one probe)
//!    │          probe succeeded     │        probe failed            │
//!    └──────────────────────────────┼────────────────────────────────┤
//!                                   └────────────────────────────────┘
//! ```
//!
//! Each failed probe doubles the cool-down (up to a cap), so a server that
//! stays down costs one probe per cool-down and nothing in between; one that
//! comes back is used again without a restart.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where a [`CircuitBreaker`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are skipped until the cool-down is over.
    Open,
    /// One probe call is out; the rest are skipped until it reports.
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant, cool_down: Duration },
    HalfOpen { cool_down: Duration },
}

/// Counts consecutive failures and opens after `threshold` of them.
///
/// ```
/// use std::time::Duration;
/// use engine_core::cache::{BreakerState, CircuitBreaker};
///
/// let breaker = CircuitBreaker::new(2, Duration::from_millis(20));
/// assert!(breaker.admit());
/// breaker.failure();
/// assert!(breaker.admit());
/// breaker.failure();
/// assert_eq!(breaker.state(), BreakerState::Open); // calls are skipped
/// std::thread::sleep(Duration::from_millis(25));
/// assert!(breaker.admit()); // the probe
/// assert!(!breaker.admit()); // others wait for it
/// breaker.success();
/// assert_eq!(breaker.state(), BreakerState::Closed);
/// ```
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cool_down: Duration,
    max_cool_down: Duration,
    state: Mutex<State>,
}

impl CircuitBreaker {
    /// Opens after `threshold` consecutive failures (at least 1) for
    /// `cool_down`, doubled after each failed probe up to 16 × `cool_down`.
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        CircuitBreaker {
            threshold: threshold.max(1),
            cool_down,
            max_cool_down: cool_down.saturating_mul(16),
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a call may go out now. Every admitted call must report
    /// [`success`](Self::success) or [`failure`](Self::failure).
    pub fn admit(&self) -> bool {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> bool {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => true,
            State::Open { until, cool_down } if now >= until => {
                *state = State::HalfOpen { cool_down };
                true
            }
            State::Open { .. } | State::HalfOpen { .. } => false,
        }
    }

    /// The admitted call worked: the server is healthy.
    pub fn success(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    /// The admitted call failed.
    pub fn failure(&self) {
        self.failure_at(Instant::now())
    }

    fn failure_at(&self, now: Instant) {
        let mut state = self.lock();
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            State::Closed { .. } => State::Open {
                until: now + self.cool_down,
                cool_down: self.cool_down,
            },
            State::HalfOpen { cool_down } | State::Open { cool_down, .. } => {
                let cool_down = cool_down.saturating_mul(2).min(self.max_cool_down);
                State::Open {
                    until: now + cool_down,
                    cool_down,
                }
            }
        };
    }

    /// Where the breaker is now.
    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_resets_the_count_of_failures() {
        let b = CircuitBreaker::new(3, Duration::from_secs(60));
        for _ in 0..10 {
            assert!(b.admit());
            b.failure();
            assert!(b.admit());
            b.failure();
            assert!(b.admit());
            b.success();
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn open_skips_then_probes_once_and_failed_probes_back_off() {
        let cool = Duration::from_secs(10);
        let b = CircuitBreaker::new(2, cool);
        let t0 = Instant::now();
        b.failure_at(t0);
        assert_eq!(b.state(), BreakerState::Closed);
        b.failure_at(t0);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.admit_at(t0 + cool / 2), "skipped during the cool-down");
        assert!(b.admit_at(t0 + cool), "the probe");
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(!b.admit_at(t0 + cool), "one probe at a time");
        let t1 = t0 + cool;
        b.failure_at(t1); // cool-down doubles to 20 s
        assert!(!b.admit_at(t1 + cool), "the doubled cool-down is not over");
        assert!(b.admit_at(t1 + 2 * cool));
        b.failure_at(t1 + 2 * cool);
        // Doubling stops at 16 x the cool-down.
        let mut t = t1 + 2 * cool;
        for _ in 0..10 {
            assert!(b.admit_at(t + 16 * cool));
            t += 16 * cool;
            b.failure_at(t);
        }
        assert!(!b.admit_at(t + 16 * cool - Duration::from_millis(1)));
        assert!(b.admit_at(t + 16 * cool));
        b.success();
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.admit());
    }
}
