//! `tern`: run SQL over files and the built-in datasets from the command line.

mod interrupt;
mod output;
mod params;
mod progress;
mod render;
mod shell;
mod terminal;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use output::{Mode, MODE_NAMES};
use tern::io::{write_file, OutputFormat};

const USAGE: &str = "\
tern — SQL over data where it lives

Usage:
  tern [OPTIONS] \"SQL\"
  tern [OPTIONS] -c \"SQL\"
  echo \"SQL\" | tern [OPTIONS]
  tern [OPTIONS]         an interactive shell (on a terminal; .help inside)

Options:
  -c, --command SQL    the SQL to run
  -f, --format FMT     table (default), csv, tsv, json, jsonl, markdown
  -o, --output FILE    write the result to FILE, format from its extension
                       (csv, tsv, json, jsonl, arrow, parquet)
  -t, --table NAME=PATH  name a file, glob or folder as a table (repeatable):
                       --table lineitem=data/lineitem.parquet
  -p, --param NAME=VALUE  a value for the SQL's parameter $NAME or :NAME, or
                       by position (1=VALUE for the first ? or $1); typed as a
                       SQL literal: 42, 4.20, true, null, text; '042' is text
      --stats          print timings, row counts and cache figures to stderr
      --cache URL      share a cache of file blocks: redis://host:6379,
                       valkey://host:6379 or memcached://host:11211 (default:
                       REDIS_CONNECTION, VALKEY_CONNECTION or MEMCACHED_SERVER)
      --cache-local    cache local files too (for network file systems)
      --cycles N       run the query N times and print each run's time
  -h, --help           print this help
  -V, --version        print the version

Try:
  tern \"SELECT name, id FROM \\$planets WHERE id > 3\"
";

struct Args {
    sql: Option<String>,
    format: Mode,
    output: Option<PathBuf>,
    stats: bool,
    cycles: usize,
    cache: Option<String>,
    cache_local: bool,
    /// `--table NAME=PATH`, in order.
    tables: Vec<(String, String)>,
    /// `--param`s; `None` when none was given (the SQL runs without binding).
    params: Option<tern::sql::Params>,
}

enum Parsed {
    Run(Args),
    Exit(String),
}

fn parse_args() -> Result<Parsed, String> {
    use lexopt::prelude::*;
    let mut args = Args {
        sql: None,
        format: Mode::Table,
        output: None,
        stats: false,
        cycles: 1,
        cache: None,
        cache_local: false,
        tables: Vec::new(),
        params: None,
    };
    let mut named = tern::sql::Params::new();
    let mut positional = Vec::new();
    let mut any_param = false;
    let mut p = lexopt::Parser::from_env();
    let text = |v: std::ffi::OsString| {
        v.into_string()
            .map_err(|_| "arguments must be UTF-8".to_string())
    };
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Short('c') | Long("command") => {
                let v = text(p.value().map_err(|e| e.to_string())?)?;
                set_sql(&mut args, v)?;
            }
            Short('f') | Long("format") => {
                let v = text(p.value().map_err(|e| e.to_string())?)?;
                args.format = Mode::from_name(&v)
                    .ok_or_else(|| format!("unknown format '{v}' (use {MODE_NAMES})"))?;
            }
            Short('o') | Long("output") => {
                args.output = Some(PathBuf::from(p.value().map_err(|e| e.to_string())?))
            }
            Short('t') | Long("table") => {
                let v = text(p.value().map_err(|e| e.to_string())?)?;
                let (name, path) = v
                    .split_once('=')
                    .filter(|(n, p)| !n.trim().is_empty() && !p.is_empty())
                    .ok_or_else(|| format!("--table takes NAME=PATH, got '{v}'"))?;
                args.tables
                    .push((name.trim().to_string(), path.to_string()));
            }
            Short('p') | Long("param") => {
                let v = text(p.value().map_err(|e| e.to_string())?)?;
                named = params::add(named, &mut positional, &v)?;
                any_param = true;
            }
            Long("stats") => args.stats = true,
            Long("cache") => args.cache = Some(text(p.value().map_err(|e| e.to_string())?)?),
            Long("cache-local") => args.cache_local = true,
            Long("cycles") => {
                let v = text(p.value().map_err(|e| e.to_string())?)?;
                args.cycles = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--cycles takes a positive number, got '{v}'"))?;
            }
            Short('h') | Long("help") => return Ok(Parsed::Exit(USAGE.to_string())),
            Short('V') | Long("version") => {
                return Ok(Parsed::Exit(format!(
                    "tern {}\n",
                    env!("CARGO_PKG_VERSION")
                )))
            }
            Value(v) => set_sql(&mut args, text(v)?)?,
            other => return Err(other.unexpected().to_string()),
        }
    }
    if any_param {
        args.params = Some(params::finish(named, positional)?);
    }
    Ok(Parsed::Run(args))
}

fn set_sql(args: &mut Args, sql: String) -> Result<(), String> {
    if args.sql.is_some() {
        return Err("give the SQL once (as an argument or with -c)".into());
    }
    args.sql = Some(sql);
    Ok(())
}

fn main() -> ExitCode {
    let mut args = match parse_args() {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Exit(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tern: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.sql.is_none() && std::io::stdin().is_terminal() {
        if args.output.is_some() || args.cycles > 1 || args.stats || args.params.is_some() {
            eprintln!("tern: --output, --cycles, --stats and --param need SQL to run\n\n{USAGE}");
            return ExitCode::from(2);
        }
        return match engine(&args) {
            Ok(engine) => shell::run(engine, args.format),
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::from(1)
            }
        };
    }
    if args.sql.is_none() {
        // One byte past the engine's limit is enough for its error; an
        // endless input (`< /dev/zero`) is not read to the end.
        let limit = tern::sql::MAX_SQL_BYTES as u64 + 1;
        let mut sql = String::new();
        if let Err(e) = std::io::stdin().take(limit).read_to_string(&mut sql) {
            eprintln!("tern: cannot read SQL from stdin: {e}");
            return ExitCode::from(2);
        }
        args.sql = Some(sql);
    }
    let sql = match args
        .sql
        .take()
        .filter(|s| s.len() > tern::sql::MAX_SQL_BYTES || !s.trim().is_empty())
    {
        Some(s) => s,
        None => {
            eprintln!("tern: no SQL given\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let output_format = match &args.output {
        Some(path) => match OutputFormat::from_path(path) {
            Some(f) => Some(f),
            None => {
                eprintln!("tern: cannot tell the format of '{}' from its extension (use .csv, .tsv, .json, .jsonl, .arrow or .parquet)", path.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let handle = tern::QueryHandle::new();
    interrupt::on_ctrl_c(&handle, true);
    match run(&sql, &args, output_format, &handle) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            // 128 + SIGINT, as a shell reports a process stopped by Ctrl-C.
            ExitCode::from(if handle.is_cancelled() { 130 } else { 1 })
        }
    }
}

fn run(
    sql: &str,
    args: &Args,
    output_format: Option<OutputFormat>,
    handle: &tern::QueryHandle,
) -> Result<(), String> {
    let t0 = Instant::now();
    let engine = engine(args)?;
    let init = t0.elapsed();
    let mut result = None;
    for cycle in 1..=args.cycles {
        let t = Instant::now();
        let progress = progress::Progress::start(handle);
        let r = match &args.params {
            Some(params) => engine.query_params_with(sql, params, handle),
            None => engine.query_with(sql, handle),
        }
        .map_err(|e| e.to_string());
        drop(progress);
        let r = r?;
        if args.cycles > 1 {
            eprintln!(
                "cycle {cycle}: {:.3} ms",
                t.elapsed().as_secs_f64() * 1000.0
            );
        }
        result = Some(r);
    }
    let result = result.expect("at least one cycle");
    let t_out = Instant::now();
    let schema = result.schema().clone();
    match (&args.output, output_format) {
        (Some(path), Some(fmt)) => {
            write_file(path, fmt, &schema, result.batches()).map_err(|e| e.to_string())?
        }
        _ => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let style = terminal::Style::for_stdout();
            output::print(&mut out, &schema, result.batches(), args.format, &style)?;
        }
    }
    if args.stats {
        let s = result.stats();
        let ms = |d: std::time::Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
        eprintln!("init: {}", ms(init));
        eprintln!("parse: {}", ms(s.parse));
        eprintln!("plan: {}", ms(s.plan));
        eprintln!("execute: {}", ms(s.execute));
        eprintln!("output: {}", ms(t_out.elapsed()));
        eprintln!("rows: {}", s.rows);
        eprintln!("columns: {}", schema.fields().len());
        eprintln!("peak_memory: {} bytes", s.peak_memory);
        eprintln!("threads: {}", s.threads);
        if s.scan.files > 0 {
            eprintln!("files_read: {}", s.scan.files);
            eprintln!("rows_read: {}", s.scan.rows_read);
            eprintln!("bytes_read: {}", s.scan.bytes_read);
        }
        if s.scan.row_groups_read + s.scan.row_groups_skipped > 0 {
            eprintln!("row_groups_read: {}", s.scan.row_groups_read);
            eprintln!("row_groups_skipped: {}", s.scan.row_groups_skipped);
            eprintln!(
                "row_groups_skipped_by_dictionary: {}",
                s.scan.row_groups_skipped_by_dictionary
            );
            eprintln!("pages_skipped: {}", s.scan.pages_skipped);
        }
        print_cache_stats(&s.cache);
    }
    Ok(())
}

/// The engine, with the remote cache `--cache` or the environment names.
fn engine(args: &Args) -> Result<tern::Engine, String> {
    let mut builder = tern::Engine::builder().cache_local_files(args.cache_local);
    let cache = match &args.cache {
        Some(url) => Some(tern::remote_cache::from_url(url)),
        None => tern::remote_cache::from_env().transpose(),
    };
    if let Some(cache) = cache {
        builder = builder.shared_cache(cache.map_err(|e| e.to_string())?);
    }
    let engine = builder.build();
    for (name, path) in &args.tables {
        engine
            .register_file(name, path)
            .map_err(|e| format!("--table {name}={path}: {e}"))?;
    }
    Ok(engine)
}

/// The cache figures of `--stats`, one `name: value` line each, when the
/// query read anything through the cached path.
fn print_cache_stats(c: &tern::cache::CacheReport) {
    if c.origin_reads == 0
        && c.bufferpool.hits + c.bufferpool.misses == 0
        && c.remote_name.is_none()
    {
        return;
    }
    let p = &c.bufferpool;
    eprintln!("bufferpool_hits: {}", p.hits);
    eprintln!("bufferpool_misses: {}", p.misses);
    eprintln!("bufferpool_evictions: {}", p.evictions);
    eprintln!("origin_reads: {}", c.origin_reads);
    eprintln!("origin_bytes: {}", c.origin_bytes);
    if let Some(name) = &c.remote_name {
        let r = &c.remote;
        eprintln!("remote_cache: {name}");
        eprintln!("remote_cache_hits: {}", r.hits);
        eprintln!("remote_cache_misses: {}", r.misses);
        eprintln!("remote_cache_sets: {}", r.sets);
        eprintln!("remote_cache_skips: {}", r.skips);
        eprintln!("remote_cache_invalid: {}", r.invalid);
        eprintln!("remote_cache_rejected: {}", r.rejected);
        eprintln!("remote_cache_bytes_read: {}", r.bytes_read);
        eprintln!("remote_cache_bytes_written: {}", r.bytes_written);
        eprintln!("cache_errors: {}", r.errors);
        if let Some(e) = &r.last_error {
            eprintln!("cache_last_error: {e}");
        }
    }
}
