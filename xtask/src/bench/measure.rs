//! Running one measurement: a fresh process timed from spawn to exit (with its
//! peak RSS), or the in-process figures the probe prints.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Wall time (ms) and peak RSS (KiB) of one process run to completion.
pub fn process(bin: &Path, args: &[&str]) -> Result<(f64, u64), String> {
    let start = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data, and wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    if r != pid {
        return Err(format!("wait4 failed for {}", bin.display()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "{} {} failed (status {status})",
            bin.display(),
            args.join(" ")
        ));
    }
    Ok((elapsed, usage.ru_maxrss as u64))
}

/// The probe's output: one number of nanoseconds per line, as milliseconds.
pub fn probe(bin: &Path, args: &[&str]) -> Result<Vec<f64>, String> {
    let out = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {}: {}",
            bin.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.trim()
                .parse::<f64>()
                .map(|ns| ns / 1e6)
                .map_err(|_| format!("probe printed '{l}'"))
        })
        .collect()
}
