//! The progress line: for a query still running after a second, one line on
//! standard error (only a terminal) with the time so far, the rows and bytes
//! its scans read and how many of their files are done, redrawn ten times a
//! second and erased when the query ends.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::render::thousands;
use crate::terminal;

/// How long a query runs before the line appears.
const DELAY: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(100);

/// A running progress line; dropping it erases the line.
pub struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts watching the query that runs with `handle`, when standard
    /// error is a terminal; otherwise does nothing.
    pub fn start(handle: &tern::QueryHandle) -> Progress {
        if !terminal::stderr_is_terminal() {
            return Progress {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let handle = handle.clone();
        let started = Instant::now();
        let thread = std::thread::Builder::new()
            .name("tern-progress".into())
            .spawn(move || {
                let mut wait = DELAY;
                let mut drawn = false;
                // Until the query ends (a message, or the sender dropped).
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
                    let text = line(started.elapsed(), handle.progress());
                    let width = terminal::stderr_width().saturating_sub(1);
                    let text: String = text.chars().take(width).collect();
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{text}");
                    let _ = err.flush();
                    drawn = true;
                    wait = REDRAW;
                }
                if drawn {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K");
                    let _ = err.flush();
                }
            })
            .ok();
        Progress {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `⏵ 3.2 s · 1,234,567 rows · 45.6 MB read · 3 of 10 files (30%)`.
fn line(elapsed: Duration, scan: Option<tern::catalog::ScanStats>) -> String {
    let mut text = format!("running {:.1} s", elapsed.as_secs_f64());
    if let Some(s) = scan.filter(|s| s.files_planned > 0 || s.rows_read > 0) {
        text.push_str(&format!(" · {} rows", thousands(s.rows_read as usize)));
        text.push_str(&format!(" · {} read", bytes(s.bytes_read)));
        if s.files_planned > 0 {
            let done = s.files_done.min(s.files_planned);
            text.push_str(&format!(
                " · {done} of {} files ({}%)",
                s.files_planned,
                done * 100 / s.files_planned
            ));
        }
    }
    text.push_str(" · Ctrl-C cancels");
    text
}

/// Bytes in decimal units, as disks and networks count them.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_time_rows_bytes_and_files() {
        let scan = tern::catalog::ScanStats {
            rows_read: 1_234_567,
            bytes_read: 45_600_000,
            files_planned: 10,
            files_done: 3,
            ..Default::default()
        };
        assert_eq!(
            line(Duration::from_millis(3200), Some(scan)),
            "running 3.2 s · 1,234,567 rows · 45.6 MB read · 3 of 10 files (30%) · Ctrl-C cancels"
        );
        assert_eq!(
            line(Duration::from_secs(2), None),
            "running 2.0 s · Ctrl-C cancels"
        );
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500), "1.5 kB");
    }
}
