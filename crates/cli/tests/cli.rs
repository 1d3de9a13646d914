//! The `tern` binary end to end: output, formats, exit codes, stdin, files.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tern(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tern")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn csv_rows(sql: &str) -> Vec<String> {
    let o = tern(&["-f", "csv", sql]);
    assert!(
        o.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o).lines().skip(1).map(str::to_string).collect()
}

#[test]
fn the_seven_queries() {
    assert_eq!(csv_rows("SELECT COUNT(*) FROM $planets"), ["9"]);
    assert_eq!(csv_rows("SELECT * FROM $planets").len(), 9);
    let mut heavy: Vec<String> = csv_rows("SELECT name FROM $planets WHERE gravity > 10");
    heavy.sort();
    assert_eq!(heavy, ["Jupiter", "Neptune"]);
    let agg = csv_rows("SELECT AVG(gravity), MAX(mass), MIN(mass) FROM $planets");
    let parts: Vec<f64> = agg[0].split(',').map(|v| v.parse().unwrap()).collect();
    assert!((parts[0] - 8.733333333333333).abs() < 1e-9);
    assert_eq!(&parts[1..], [1898.0, 0.0146]);
    let groups = csv_rows("SELECT name, COUNT(*) FROM $satellites GROUP BY name");
    assert_eq!(groups.len(), 177);
    assert!(groups.iter().all(|r| r.ends_with(",1")));
    assert_eq!(csv_rows("SELECT p.name, s.name FROM $planets p JOIN $satellites s ON p.id = s.planetId LIMIT 10").len(), 10);
    let ordered: Vec<String> = csv_rows("SELECT * FROM $planets ORDER BY mass DESC")
        .iter()
        .map(|r| r.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(
        ordered,
        ["Jupiter", "Saturn", "Neptune", "Uranus", "Earth", "Venus", "Mars", "Mercury", "Pluto"]
    );
}

#[test]
fn table_output_is_aligned_with_a_row_count() {
    let o = tern(&["SELECT name, id FROM $planets WHERE id > 3"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("│ Mars    │       4 │"), "{out}");
    assert!(out.trim_end().ends_with("6 rows"), "{out}");
    let widths: Vec<usize> = out
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| l.chars().count())
        .collect();
    assert!(
        widths.windows(2).all(|w| w[0] == w[1]),
        "ragged table:\n{out}"
    );
}

#[test]
fn dash_c_json_jsonl_tsv_markdown() {
    assert_eq!(
        stdout(&tern(&["-c", "SELECT 1 AS x", "-f", "json"])).trim(),
        r#"[{"x":1}]"#
    );
    assert_eq!(
        stdout(&tern(&[
            "-c",
            "SELECT 1 AS x UNION ALL SELECT 2",
            "-f",
            "jsonl"
        ])),
        "{\"x\":1}\n{\"x\":2}\n"
    );
    assert_eq!(
        stdout(&tern(&["-f", "tsv", "SELECT 1 AS a, 'b' AS b"])),
        "a\tb\n1\tb\n"
    );
    assert_eq!(
        stdout(&tern(&["-f", "markdown", "SELECT 1 AS a"])),
        "| a |\n| ---: |\n| 1 |\n"
    );
}

#[test]
fn sql_from_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["-f", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT COUNT(*) AS n FROM $satellites")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert_eq!(stdout(&o), "n\n177\n");
}

#[test]
fn endless_stdin_is_an_error_not_an_out_of_memory_kill() {
    // Reading stops one byte past the limit.
    let o = Command::new(env!("CARGO_BIN_EXE_tern"))
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("at most 16 MiB of SQL"), "{err}");
}

#[test]
fn exit_codes_and_messages() {
    let bad = tern(&["SELECT nme FROM $planets"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("did you mean 'name'"));
    let syntax = tern(&["SELEC 1"]);
    assert_eq!(syntax.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&syntax.stderr).contains("line 1, column 1"));
    assert_eq!(tern(&["--no-such-flag"]).status.code(), Some(2));
    assert_eq!(tern(&[]).status.code(), Some(2));
    assert_eq!(
        tern(&["--cycles", "zero", "SELECT 1"]).status.code(),
        Some(2)
    );
    assert_eq!(
        tern(&["-o", "out.unknown", "SELECT 1"]).status.code(),
        Some(2)
    );
}

#[test]
fn stats_and_cycles_go_to_stderr() {
    let o = tern(&["--stats", "--cycles", "3", "SELECT COUNT(*) FROM $planets"]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    for key in ["parse: ", "plan: ", "execute: ", "rows: 1"] {
        assert!(
            err.lines().any(|l| l.starts_with(key)),
            "{key} missing in {err}"
        );
    }
    assert_eq!(err.lines().filter(|l| l.starts_with("cycle ")).count(), 3);
    assert!(stdout(&o).contains("9"));

    // Scans of files add what they read, one `name: value` line each.
    let moons = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/parquet/moons-1.parquet"
    );
    let o = tern(&[
        "--stats",
        &format!("SELECT name FROM '{moons}' WHERE id < 0"),
    ]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    for key in [
        "files_read: 1",
        "rows_read: 0",
        "row_groups_read: 0",
        "row_groups_skipped: 1",
    ] {
        assert!(err.lines().any(|l| l == key), "{key} missing in {err}");
    }
}

#[test]
fn output_files_by_extension() {
    let dir = std::env::temp_dir().join(format!("tern-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for ext in ["csv", "tsv", "json", "jsonl", "arrow"] {
        let path = dir.join(format!("out.{ext}"));
        let o = tern(&[
            "-o",
            path.to_str().unwrap(),
            "SELECT name FROM $planets ORDER BY id",
        ]);
        assert!(
            o.status.success(),
            "{ext}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.stdout.is_empty());
        let bytes = std::fs::read(&path).unwrap();
        match ext {
            "arrow" => assert_eq!(&bytes[..6], b"ARROW1"),
            "csv" | "tsv" => {
                assert!(String::from_utf8_lossy(&bytes).starts_with("name\nMercury\n"))
            }
            _ => assert!(String::from_utf8_lossy(&bytes).contains("\"name\":\"Mercury\"")),
        }
    }
    // A failing query leaves no file behind.
    let path = dir.join("failed.csv");
    assert_eq!(
        tern(&["-o", path.to_str().unwrap(), "SELECT nope FROM $planets"])
            .status
            .code(),
        Some(1)
    );
    assert!(!path.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn table_flag_names_files() {
    let dir = std::env::temp_dir().join(format!("tern-cli-table-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cities = dir.join("cities.csv");
    let people = dir.join("people.csv");
    std::fs::write(&cities, "id,name\n1,Oslo\n2,Lima\n").unwrap();
    std::fs::write(&people, "who,city\nann,1\nbob,2\ncy,1\n").unwrap();
    let c = format!("cities={}", cities.display());
    let p = format!("people={}", people.display());
    let o = tern(&[
        "-f",
        "csv",
        "--table",
        &c,
        "-t",
        &p,
        "SELECT name, COUNT(*) AS n FROM people, cities WHERE city = id GROUP BY name ORDER BY name",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o), "name,n\nLima,1\nOslo,2\n");
    // A bad --table is a usage error; a missing file an error naming the flag.
    let o = tern(&["--table", "nopath", "SELECT 1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("NAME=PATH"));
    let o = tern(&["--table", "t=/no/such/file.csv", "SELECT 1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--table t="));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ctrl_c_cancels_the_running_query() {
    let child = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args([
            "-c",
            "CREATE TABLE t AS SELECT a.id AS x FROM $satellites a, $satellites b; \
             SELECT COUNT(*) FROM t a, t b WHERE a.x + b.x > 0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for the handler to be installed (a few ms after start);
    // the query itself runs for minutes.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    // SAFETY: sends SIGINT to the child this test started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("query cancelled"), "{err}");
}

#[test]
fn tern_memory_limit_bounds_each_query() {
    let run = |limit: &str| {
        Command::new(env!("CARGO_BIN_EXE_tern"))
            .env("TERN_MEMORY_LIMIT", limit)
            .args(["SELECT * FROM $astronauts ORDER BY name"])
            .stdin(Stdio::null())
            .output()
            .expect("run tern")
    };
    for (limit, says) in [
        ("10KB", "out of memory: ORDER BY needs more memory"),
        ("lots", "TERN_MEMORY_LIMIT: 'lots' is not a size"),
    ] {
        let o = run(limit);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success());
        assert!(err.contains(says), "{limit}: {err}");
    }
    let o = run("1GB");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).trim_end().ends_with("357 rows"));
}

#[test]
fn tern_threads_is_checked_and_stats_show_the_threads_used() {
    let run = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_tern"))
            .env("TERN_THREADS", threads)
            .args(["--stats", "SELECT COUNT(*) FROM $planets"])
            .stdin(Stdio::null())
            .output()
            .expect("run tern")
    };
    let o = run("many");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("TERN_THREADS: 'many' is not a number of threads"),
        "{err}"
    );
    let o = run("2");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Nine planets are not worth a thread.
    assert!(String::from_utf8_lossy(&o.stderr).contains("threads: 1\n"));
}

#[test]
fn params_are_bound_not_spliced() {
    let o = tern(&[
        "-f",
        "csv",
        "--param",
        "name=Mars",
        "-p",
        "1=3",
        "SELECT id, name FROM $planets WHERE name = :name OR id = ? ORDER BY id",
    ]);
    assert_eq!(stdout(&o), "id,name\n3,Earth\n4,Mars\n");
    // A hostile value is one string.
    let o = tern(&[
        "-f",
        "csv",
        "-p",
        "n=x' OR '1'='1",
        "SELECT COUNT(*) AS c FROM $planets WHERE name = $n",
    ]);
    assert_eq!(stdout(&o), "c\n0\n");
    // Typed as SQL literals; quotes force text.
    let o = tern(&[
        "-f",
        "csv",
        "-p",
        "a=4.20",
        "-p",
        "b='042'",
        "SELECT $a * 2 AS a, $b AS b",
    ]);
    assert_eq!(stdout(&o), "a,b\n8.40,042\n");
    // Mistakes: an unused value, a missing one, a malformed flag.
    let o = tern(&["-p", "x=1", "SELECT 1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no parameter $x"));
    let o = tern(&["SELECT ?"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no value for parameter ?"));
    let o = tern(&["-p", "2=1", "SELECT $2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--param 1=... is missing"));
}
