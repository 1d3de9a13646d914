//! `cargo xtask tpch [--sf SF] [--query N]... [--runs N] [--duckdb PATH] [--tern PATH] [--timeout SECS]`
//!
//! Generates TPC-H data at scale factor SF (default 1) under `target/tpch/`
//! (once; later runs reuse it), builds the release `tern` binary and runs each
//! query in a fresh process with `--table name=file.parquet` for the eight
//! tables, as a user would. Each result is checked against the stored answer:
//! `../shared/bench/tpch/answers` at SF 1, `tests/tpch/sf0.01` at SF 0.01 (other
//! scale factors are timed only). With `--duckdb` (or a DuckDB CLI installed by
//! `../shared/peers/setup.sh`) the same query runs in the DuckDB CLI over views
//! of the same files, and both times and peak RSS figures are printed. With
//! `--runs N` each query runs N times in each engine, the two interleaved,
//! and the medians are printed (this VM's times swing by a third from one
//! run to the next; a single run cannot tell 5% apart). The last line is
//! `N passed, N failed`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tern_benches::tpch;

const QUERIES: &str = "tests/tpch/queries";

struct Options {
    sf: f64,
    /// A tern binary to run instead of building the release one.
    tern: Option<PathBuf>,
    queries: Vec<u32>,
    duckdb: Option<PathBuf>,
    timeout: Duration,
    /// Runs of each query in each engine; the medians are reported.
    runs: usize,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        sf: 1.0,
        tern: None,
        queries: Vec::new(),
        duckdb: None,
        timeout: Duration::from_secs(300),
        runs: 1,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--sf" => {
                let v = value("--sf")?;
                o.sf = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0)
                    .ok_or_else(|| format!("--sf takes a positive number, got '{v}'"))?;
            }
            "--query" | "-q" => {
                let v = value("--query")?;
                let n: u32 = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=22).contains(n))
                    .ok_or_else(|| format!("--query takes 1 to 22, got '{v}'"))?;
                o.queries.push(n);
            }
            "--runs" => {
                let v = value("--runs")?;
                o.runs = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("--runs takes a positive number, got '{v}'"))?;
            }
            "--duckdb" => o.duckdb = Some(PathBuf::from(value("--duckdb")?)),
            "--tern" => o.tern = Some(PathBuf::from(value("--tern")?)),
            "--timeout" => {
                let v = value("--timeout")?;
                o.timeout = Duration::from_secs(
                    v.parse()
                        .map_err(|_| format!("--timeout takes seconds, got '{v}'"))?,
                );
            }
            other => return Err(format!("unknown tpch option '{other}'")),
        }
    }
    if o.queries.is_empty() {
        o.queries = (1..=22).collect();
    }
    Ok(o)
}

/// Where the answers of scale factor `sf` are kept, if anywhere.
fn answers_dir(root: &Path, sf: f64) -> Option<PathBuf> {
    let dir = if sf == 1.0 {
        root.join("../shared/bench/tpch/answers")
    } else if sf == 0.01 {
        root.join("tests/tpch/sf0.01")
    } else {
        return None;
    };
    dir.is_dir().then_some(dir)
}

/// The DuckDB CLI that `../shared/peers/setup.sh` installs, if it is there.
fn find_duckdb() -> Option<PathBuf> {
    let peers = std::env::var("PEERS_DIR").unwrap_or_else(|_| "/tmp/tern-peers".into());
    let lib = Path::new(&peers).join("venv/lib");
    for py in std::fs::read_dir(lib).ok()?.flatten() {
        let p = py.path().join("site-packages/duckdb_cli/duckdb");
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

/// One process run: its wall time, peak RSS (KiB) and stdout, or why it failed.
struct Run {
    elapsed: Duration,
    rss_kib: u64,
    result: Result<String, String>,
}

/// Runs `cmd` to completion or until `timeout`.
fn run_timed(mut cmd: Command, timeout: Duration) -> Run {
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Run {
                elapsed: start.elapsed(),
                rss_kib: 0,
                result: Err(format!("cannot start: {e}")),
            }
        }
    };
    // Read the pipes on threads so a large result cannot block the child.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    // wait4 rather than `try_wait`, for the child's peak RSS.
    let pid = child.id() as libc::pid_t;
    // SAFETY: rusage is plain data, and wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let status = loop {
        let mut raw = 0;
        // SAFETY: as above; WNOHANG returns 0 while the child runs.
        let r = unsafe { libc::wait4(pid, &mut raw, libc::WNOHANG, &mut usage) };
        if r == pid {
            break Ok(raw);
        } else if r < 0 {
            break Err(std::io::Error::last_os_error().to_string());
        } else if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break Err(format!("timed out after {} s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let stdout = out.join().ok().and_then(|r| r.ok()).unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let result = match status {
        Ok(s) if libc::WIFEXITED(s) && libc::WEXITSTATUS(s) == 0 => Ok(stdout),
        Ok(s) => Err(format!(
            "{}: {}",
            if libc::WIFEXITED(s) {
                format!("exit {}", libc::WEXITSTATUS(s))
            } else {
                format!("killed by signal {}", libc::WTERMSIG(s))
            },
            stderr.lines().next().unwrap_or("")
        )),
        Err(e) => Err(e),
    };
    Run {
        elapsed,
        rss_kib: usage.ru_maxrss as u64,
        result,
    }
}

/// The median time and the median peak RSS of some runs.
fn medians(runs: &[(f64, f64)]) -> (f64, f64) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    (
        median(runs.iter().map(|r| r.0).collect()),
        median(runs.iter().map(|r| r.1).collect()),
    )
}

/// The same program with the same arguments, to run again.
fn clone_command(cmd: &Command) -> Command {
    let mut c = Command::new(cmd.get_program());
    c.args(cmd.get_args());
    c
}

pub fn command(root: &Path, args: &[String]) -> Result<bool, String> {
    let o = parse(args)?;
    let data = tpch::data_dir(&root.join("target"), o.sf);
    let t = Instant::now();
    tpch::generate(&data, o.sf)?;
    eprintln!(
        "tpch: data at scale factor {} in {} ({:.1} s)",
        o.sf,
        data.display(),
        t.elapsed().as_secs_f64()
    );
    let tern = match &o.tern {
        Some(t) => t.clone(),
        None => {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(&cargo)
                .args(["build", "--profile", "dist", "--quiet", "-p", "tern-cli"])
                .status()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if !status.success() {
                return Err("building the dist tern failed".into());
            }
            root.join("target/dist/tern")
        }
    };
    let answers = answers_dir(root, o.sf);
    if answers.is_none() {
        eprintln!(
            "tpch: no stored answers at scale factor {}: times only",
            o.sf
        );
    }
    let duckdb = o.duckdb.clone().or_else(find_duckdb);
    let views: String = tpch::TABLES
        .iter()
        .map(|t| {
            format!(
                "CREATE VIEW {t} AS SELECT * FROM '{}';",
                tpch::table_path(&data, t).display()
            )
        })
        .collect();

    println!(
        "{:<5} {:>10} {:>10} {:>7} {:>8} {:>8} {:>7}  result",
        "query", "tern ms", "duckdb ms", "ratio", "tern MB", "duck MB", "ratio"
    );
    let (mut passed, mut failed) = (0, 0);
    let (mut tern_total, mut duck_total) = (0.0, 0.0);
    let mut rss_worse = 0;
    for q in &o.queries {
        let sql_path = root.join(QUERIES).join(format!("q{q:02}.sql"));
        let sql = std::fs::read_to_string(&sql_path)
            .map_err(|e| format!("cannot read {}: {e}", sql_path.display()))?;
        let mut cmd = Command::new(&tern);
        cmd.args(["-f", "csv"]);
        for t in tpch::TABLES {
            cmd.arg("--table")
                .arg(format!("{t}={}", tpch::table_path(&data, t).display()));
        }
        cmd.arg("-c").arg(&sql);
        let mut tern_runs = Vec::new();
        let mut duck_runs = Vec::new();
        let mut first: Option<Run> = None;
        for _ in 0..o.runs {
            let run = run_timed(clone_command(&cmd), o.timeout);
            tern_runs.push((
                run.elapsed.as_secs_f64() * 1000.0,
                run.rss_kib as f64 / 1024.0,
            ));
            // A failed run decides the verdict; otherwise the first does.
            if first
                .as_ref()
                .is_none_or(|f| f.result.is_ok() && run.result.is_err())
            {
                first = Some(run);
            }
            if let Some(d) = &duckdb {
                let mut dcmd = Command::new(d);
                dcmd.arg("-csv").arg("-c").arg(format!("{views}{sql}"));
                let r = run_timed(dcmd, o.timeout);
                if r.result.is_ok() {
                    duck_runs.push((r.elapsed.as_secs_f64() * 1000.0, r.rss_kib as f64 / 1024.0));
                }
            }
        }
        let run = first.expect("at least one run");
        let verdict = match (&run.result, &answers) {
            (Err(e), _) => Err(e.clone()),
            (Ok(text), Some(dir)) => {
                let path = dir.join(format!("q{q:02}.csv"));
                match std::fs::read_to_string(&path) {
                    Ok(expected) => tpch::compare_csv(&expected, text),
                    Err(e) => Err(format!("no answer {}: {e}", path.display())),
                }
            }
            (Ok(_), None) => Ok(()),
        };
        let (ms, mb) = medians(&tern_runs);
        tern_total += ms;
        let duck = (!duck_runs.is_empty()).then(|| medians(&duck_runs));
        let peer_cols = match duck {
            Some((d, d_mb)) => {
                duck_total += d;
                if mb > d_mb {
                    rss_worse += 1;
                }
                format!(
                    "{d:>10.1} {:>6.2}x {mb:>8.1} {d_mb:>8.1} {:>6.2}x",
                    ms / d,
                    mb / d_mb
                )
            }
            None => format!("{:>10} {:>7} {mb:>8.1} {:>8} {:>7}", "-", "-", "-", "-"),
        };
        let result = match &verdict {
            Ok(()) => {
                passed += 1;
                "ok".to_string()
            }
            Err(e) => {
                failed += 1;
                format!("FAILED: {e}")
            }
        };
        println!("q{q:02}   {ms:>10.1} {peer_cols}  {result}");
    }
    if duckdb.is_some() && duck_total > 0.0 {
        println!(
            "total {tern_total:>10.1} {duck_total:>10.1} {:>6.2}x  (peak RSS above DuckDB's in {rss_worse} queries)",
            tern_total / duck_total
        );
    } else {
        println!("total {tern_total:>10.1}");
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}
