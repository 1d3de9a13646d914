//! Scans stream: a query that needs no full materialisation (filter,
//! projection, limit, aggregation with few groups, top-k) over a file much larger
//! than the memory it is allowed runs in bounded memory. The peak resident
//! memory of the `tern` process is measured by the kernel (`wait4`), and
//! bounded above that of `SELECT 1` in the same binary: what the query adds,
//! not the binary's own pages (the debug binary's code alone is ~18 MB
//! resident, and grows with every feature).

#![cfg(unix)]

use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};

/// Rows of the generated CSV: about 120 MB.
const ROWS: usize = 1_500_000;
/// The most a streaming query may hold resident beyond a trivial query's
/// peak, in bytes: a quarter of the file.
const BOUND: i64 = 32 << 20;

fn big_csv() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("tern-streaming-{}.csv", std::process::id()));
    let mut w = BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(w, "id,grp,value,note").unwrap();
    for i in 0..ROWS {
        writeln!(
            w,
            "{i},g{},{}.{},a note of some length to make the row wider than its numbers {i}",
            i % 7,
            i % 1000,
            i % 10
        )
        .unwrap();
    }
    w.flush().unwrap();
    path
}

/// Runs `tern -c sql` and returns its stdout and peak RSS in bytes.
fn run_measured(sql: &str) -> (String, i64) {
    let child = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["--format", "csv", "-c", sql])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let output = child.wait_with_output_no_reap();
    let mut status = 0;
    // SAFETY: plain syscall on our own child; `usage` is a valid out-pointer.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{sql}: {}",
        output.1
    );
    (output.0, usage.ru_maxrss * 1024)
}

/// Reads a child's stdout and stderr to the end without reaping it, so that
/// `wait4` can still collect its resource usage.
trait NoReap {
    fn wait_with_output_no_reap(self) -> (String, String);
}

impl NoReap for std::process::Child {
    fn wait_with_output_no_reap(mut self) -> (String, String) {
        use std::io::Read;
        let mut err = self.stderr.take().unwrap();
        let errs = std::thread::spawn(move || {
            let mut s = String::new();
            err.read_to_string(&mut s).unwrap();
            s
        });
        let mut out = String::new();
        self.stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        (out, errs.join().unwrap())
    }
}

#[test]
fn streaming_queries_over_a_large_file_run_in_bounded_memory() {
    let path = big_csv();
    let size = std::fs::metadata(&path).unwrap().len() as i64;
    assert!(
        size > 2 * BOUND,
        "the file ({size} bytes) must dwarf the bound"
    );
    let f = path.display();
    let (_, start) = run_measured("SELECT 1");
    for (sql, expect) in [
        (
            format!("SELECT grp, COUNT(*), MAX(id) FROM '{f}' GROUP BY grp ORDER BY grp LIMIT 2"),
            "grp,COUNT(*),MAX(id)\ng0,214286,1499995\ng1,214286,1499996\n",
        ),
        (
            format!("SELECT COUNT(*), SUM(id) FROM '{f}' WHERE id % 2 = 0"),
            "COUNT(*),SUM(id)\n750000,562499250000\n",
        ),
        // Top-k keeps the best rows seen, not the input.
        (
            format!("SELECT id, value FROM '{f}' ORDER BY value DESC, id LIMIT 2"),
            "id,value\n999,999.9\n1999,999.9\n",
        ),
        (
            format!("SELECT id, note FROM '{f}' WHERE value > 998 LIMIT 1"),
            "id,note\n998,a note of some length to make the row wider than its numbers 998\n",
        ),
    ] {
        let (out, peak) = run_measured(&sql);
        assert_eq!(out, expect, "{sql}");
        assert!(
            peak - start < BOUND,
            "{sql}: peak RSS {peak} bytes, {} over SELECT 1's {start}: past the {BOUND}-byte bound",
            peak - start
        );
    }
    let _ = std::fs::remove_file(&path);
}
