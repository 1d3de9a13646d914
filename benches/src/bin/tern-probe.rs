//! In-process timings for `cargo xtask bench` and `diagnose`, one figure family
//! per fresh process so that "first" really is first:
//!
//! - `tern-probe init`: builds a facade engine, prints nanoseconds taken.
//! - `tern-probe first "SQL"`: builds an engine, runs SQL once, prints the
//!   query's nanoseconds.
//! - `tern-probe warm N "SQL"`: runs SQL N+1 times on one engine, prints the
//!   nanoseconds of each run (the first, cold, included), one per line.
//! - `tern-probe warmup "SQL"`: builds an engine, calls `warmup()`, then runs
//!   SQL once; prints the nanoseconds of the warmup, then of the query.
//! - `tern-probe none`: does nothing (a baseline for instruction counts).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["none"] => {}
        ["init"] => {
            let t = Instant::now();
            let e = black_box(tern::Engine::new());
            println!("{}", t.elapsed().as_nanos());
            drop(e);
        }
        ["first", sql] => {
            let e = tern::Engine::new();
            let t = Instant::now();
            let r = e.query(sql);
            let ns = t.elapsed().as_nanos();
            if let Err(err) = r {
                eprintln!("tern-probe: {err}");
                return ExitCode::from(1);
            }
            println!("{ns}");
        }
        ["warmup", sql] => {
            let e = tern::Engine::new();
            let t = Instant::now();
            e.warmup();
            println!("{}", t.elapsed().as_nanos());
            let t = Instant::now();
            if let Err(err) = black_box(e.query(sql)) {
                eprintln!("tern-probe: {err}");
                return ExitCode::from(1);
            }
            println!("{}", t.elapsed().as_nanos());
        }
        ["warm", n, sql] => {
            let Ok(n) = n.parse::<usize>() else {
                eprintln!("tern-probe: warm takes a count");
                return ExitCode::from(2);
            };
            let e = tern::Engine::new();
            for _ in 0..=n {
                let t = Instant::now();
                if let Err(err) = black_box(e.query(sql)) {
                    eprintln!("tern-probe: {err}");
                    return ExitCode::from(1);
                }
                println!("{}", t.elapsed().as_nanos());
            }
        }
        _ => {
            eprintln!("usage: tern-probe none | init | first SQL | warmup SQL | warm N SQL");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
