//! docs/caching.md end to end: two `tern` processes share one real Redis (and
//! Valkey, memcached) server, and the second one's `--stats` shows remote
//! hits; a dead server or a bad URL never breaks the answer.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use tern_test_servers::caches::{memcached, resp, Resp};

fn tern(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tern"));
    for var in ["REDIS_CONNECTION", "VALKEY_CONNECTION", "MEMCACHED_SERVER"] {
        cmd.env_remove(var);
    }
    // The workers of one fleet share a secret that signs the entries.
    cmd.env("TERN_CACHE_KEY", "the tests' fleet secret, long enough")
        .env_remove("TERN_CACHE_UNAUTHENTICATED");
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .expect("run tern")
}

/// `--stats` lines as name -> value.
fn stats(o: &Output) -> HashMap<String, String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn figure(s: &HashMap<String, String>, name: &str) -> u64 {
    s.get(name)
        .unwrap_or_else(|| panic!("no {name} in --stats: {s:?}"))
        .parse()
        .unwrap()
}

/// A Parquet file written by tern itself, as docs/caching.md does.
fn planets_parquet(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tern-cli-caching-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.parquet"));
    let o = tern(
        &["-o", path.to_str().unwrap(), "SELECT * FROM $satellites"],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    path
}

fn sql(path: &std::path::Path) -> String {
    format!(
        "SELECT planetId, COUNT(*) FROM '{}' GROUP BY planetId ORDER BY planetId",
        path.display()
    )
}

/// Two processes on one cache server: the second reads everything from it.
fn two_processes(url: &str, env: &[(&str, String)], name: &str) {
    let path = planets_parquet(name);
    let q = sql(&path);
    let mut args = vec!["--stats", "--cache-local", "-f", "csv", q.as_str()];
    if !url.is_empty() {
        args.splice(0..0, ["--cache", url]);
    }
    let first = tern(&args, env);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let s1 = stats(&first);
    assert!(figure(&s1, "remote_cache_sets") > 0, "{s1:?}");
    assert_eq!(figure(&s1, "remote_cache_hits"), 0, "{s1:?}");
    assert_eq!(figure(&s1, "cache_errors"), 0, "{s1:?}");

    let second = tern(&args, env);
    assert!(second.status.success());
    assert_eq!(second.stdout, first.stdout, "the same answer");
    let s2 = stats(&second);
    assert_eq!(
        figure(&s2, "remote_cache_hits"),
        figure(&s1, "remote_cache_sets"),
        "{s2:?}"
    );
    assert_eq!(figure(&s2, "origin_reads"), 0, "{s2:?}");
    assert!(figure(&s2, "bufferpool_hits") > 0, "{s2:?}");
    let out = String::from_utf8_lossy(&second.stdout);
    assert_eq!(out.lines().count(), 8, "{out}"); // header and 7 planets with moons
}

#[test]
fn redis_by_flag_and_by_environment() {
    let server = resp(Resp::Redis);
    two_processes(&format!("redis://{}", server.addr()), &[], "redis-flag");
    two_processes(
        "",
        &[("REDIS_CONNECTION", format!("redis://{}", server.addr()))],
        "redis-env",
    );
}

#[test]
fn valkey_by_flag_and_by_environment() {
    let server = resp(Resp::Valkey);
    two_processes(&format!("valkey://{}", server.addr()), &[], "valkey-flag");
    two_processes(
        "",
        &[("VALKEY_CONNECTION", format!("valkey://{}", server.addr()))],
        "valkey-env",
    );
}

#[test]
fn memcached_by_flag_and_by_environment() {
    let a = memcached();
    let b = memcached();
    two_processes(&format!("memcached://{}", a.addr()), &[], "memcached-flag");
    two_processes(
        "",
        &[("MEMCACHED_SERVER", format!("{},{}", a.addr(), b.addr()))],
        "memcached-env",
    );
}

#[test]
fn a_dead_server_is_counted_not_fatal() {
    let path = planets_parquet("dead");
    let q = sql(&path);
    let url = format!("redis://127.0.0.1:{}", tern_test_servers::free_port());
    let plain = tern(&["-f", "csv", q.as_str()], &[]);
    let o = tern(
        &[
            "--cache",
            &url,
            "--cache-local",
            "--stats",
            "-f",
            "csv",
            q.as_str(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, plain.stdout);
    let s = stats(&o);
    assert!(figure(&s, "cache_errors") >= 1, "{s:?}");
    assert!(s["cache_last_error"].contains("127.0.0.1"), "{s:?}");
}

#[test]
fn a_bad_cache_url_is_a_clear_error() {
    let o = tern(&["--cache", "ftp://nowhere", "SELECT 1"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("redis://") && e.contains("memcached://"), "{e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn a_shared_cache_needs_a_secret_and_rejects_entries_signed_with_another() {
    let server = resp(Resp::Redis);
    let url = format!("redis://{}", server.addr());
    let path = planets_parquet("signed");
    let q = sql(&path);
    let args = [
        "--cache",
        url.as_str(),
        "--cache-local",
        "--stats",
        "-f",
        "csv",
        q.as_str(),
    ];
    // No secret: refused, unless explicitly allowed.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tern"));
    let o = cmd
        .args(args)
        .env_remove("TERN_CACHE_KEY")
        .env_remove("TERN_CACHE_UNAUTHENTICATED")
        .env_remove("REDIS_CONNECTION")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("TERN_CACHE_KEY"), "{e}");
    // A worker with the fleet's secret fills the cache.
    let honest = tern(&args, &[]);
    assert!(
        honest.status.success(),
        "{}",
        String::from_utf8_lossy(&honest.stderr)
    );
    assert!(figure(&stats(&honest), "remote_cache_sets") > 0);
    // Someone who can write to the server but has another secret (here: a
    // process signing with it) gets nothing it wrote believed, and believes
    // nothing the fleet wrote: every entry is invalid, the origin is read,
    // the answer is the same.
    let other = tern(
        &args,
        &[(
            "TERN_CACHE_KEY",
            "an attacker's secret, just as long".to_string(),
        )],
    );
    assert!(other.status.success());
    assert_eq!(other.stdout, honest.stdout);
    let s = stats(&other);
    assert_eq!(figure(&s, "remote_cache_hits"), 0, "{s:?}");
    assert!(figure(&s, "remote_cache_invalid") > 0, "{s:?}");
    // Explicitly unauthenticated: allowed, and it takes no signed entry.
    let open = tern(
        &args,
        &[
            ("TERN_CACHE_KEY", String::new()),
            ("TERN_CACHE_UNAUTHENTICATED", "1".to_string()),
        ],
    );
    assert!(
        open.status.success(),
        "{}",
        String::from_utf8_lossy(&open.stderr)
    );
    assert_eq!(open.stdout, honest.stdout);
    assert_eq!(figure(&stats(&open), "remote_cache_hits"), 0);
}
