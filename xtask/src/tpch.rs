//! `cargo xtask tpch [--sf SF] [--query N]... [--duckdb PATH] [--tern PATH] [--timeout SECS]`
//!
//! Generates TPC-H data at scale factor SF (default 1) under `target/tpch/`
//! (once; later runs reuse it), builds the release `tern` binary and runs each
//! query in a fresh process with `--table name=file.parquet` for the eight
//! tables, as a user would. Each result is checked against the stored answer:
//! `../shared/bench/tpch/answers` at SF 1, `tests/tpch/sf0.01` at SF 0.01 (other
//! scale factors are timed only). With `--duckdb` (or a DuckDB CLI installed by
//! `../shared/peers/setup.sh`) the same query runs in the DuckDB CLI over views
//! of the same files, and both times and peak RSS figures are printed. The
//! last line is `N passed, N failed`.

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
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        sf: 1.0,
        tern: None,
        queries: Vec::new(),
        duckdb: None,
        timeout: Duration::from_secs(300),
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
                .args(["build", "--release", "--quiet", "-p", "tern-cli"])
                .status()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if !status.success() {
                return Err("building the release tern failed".into());
            }
            root.join("target/release/tern")
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
        let run = run_timed(cmd, o.timeout);
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
        let ms = run.elapsed.as_secs_f64() * 1000.0;
        let mb = run.rss_kib as f64 / 1024.0;
        tern_total += ms;
        let duck = duckdb.as_ref().and_then(|d| {
            let mut cmd = Command::new(d);
            cmd.arg("-csv").arg("-c").arg(format!("{views}{sql}"));
            let r = run_timed(cmd, o.timeout);
            r.result
                .ok()
                .map(|_| (r.elapsed.as_secs_f64() * 1000.0, r.rss_kib as f64 / 1024.0))
        });
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
