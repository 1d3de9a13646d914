//! Reading files: every format, globs, folders, schema differences between
//! files, registering files, writing and reading back, and bad files.

use std::path::{Path, PathBuf};

use engine_core::io::{write_file, OutputFormat};
mod common;

use engine_core::{Engine, Error};

/// Rows sorted: file order is not the point of these tests.
fn rows(e: &Engine, sql: &str) -> Vec<String> {
    common::sorted(common::rows(e, sql))
}

/// A fresh folder for one test.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tern-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn p(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

const CSV: &str = "id,name,score\n1,ann,1.5\n2,bob,\n3,cy,3.25\n";

#[test]
fn csv_tsv_jsonl_with_inferred_types() {
    let d = dir("text");
    std::fs::write(d.join("a.csv"), CSV).unwrap();
    std::fs::write(d.join("a.tsv"), CSV.replace(',', "\t")).unwrap();
    std::fs::write(d.join("a.jsonl"), "{\"id\":1,\"name\":\"ann\",\"score\":1.5}\n{\"id\":2,\"name\":\"bob\"}\n{\"id\":3,\"name\":\"cy\",\"score\":3.25}\n").unwrap();
    let e = Engine::new();
    for f in ["a.csv", "a.tsv", "a.jsonl"] {
        let path = p(&d.join(f));
        assert_eq!(
            rows(
                &e,
                &format!("SELECT id + 1, name, score FROM '{path}' WHERE id < 3")
            ),
            ["2|ann|1.5", "3|bob|NULL"],
            "{f}"
        );
        assert_eq!(
            rows(&e, &format!("SELECT SUM(score) FROM '{path}'")),
            ["4.75"],
            "{f}"
        );
        let types = rows(&e, &format!("DESCRIBE '{path}'"));
        assert_eq!(
            types,
            ["id|INTEGER|YES", "name|VARCHAR|YES", "score|DOUBLE|YES"],
            "{f}"
        );
    }
    // Backticks and double quotes name files too.
    assert_eq!(
        rows(
            &e,
            &format!("SELECT COUNT(*) FROM `{}`", p(&d.join("a.csv")))
        ),
        ["3"]
    );
}

#[test]
fn arrow_and_parquet_round_trip() {
    let d = dir("binary");
    let e = Engine::new();
    let r = e
        .query("SELECT 1 AS id, 'x' AS s UNION ALL SELECT 2, NULL")
        .unwrap();
    for (f, fmt) in [
        ("t.arrow", OutputFormat::Arrow),
        ("t.parquet", OutputFormat::Parquet),
    ] {
        write_file(&d.join(f), fmt, r.schema(), r.batches()).unwrap();
        assert_eq!(
            rows(&e, &format!("SELECT s, id FROM '{}'", p(&d.join(f)))),
            ["NULL|2", "x|1"],
            "{f}"
        );
    }
    // The Arrow stream format is read too.
    let mut stream = Vec::new();
    {
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut stream, r.schema()).unwrap();
        for b in r.batches() {
            w.write(b).unwrap();
        }
        w.finish().unwrap();
    }
    std::fs::write(d.join("s.arrows"), stream).unwrap();
    assert_eq!(
        rows(
            &e,
            &format!("SELECT COUNT(*) FROM '{}'", p(&d.join("s.arrows")))
        ),
        ["2"]
    );
}

#[test]
fn globs_folders_and_schema_differences() {
    let d = dir("many");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("1.csv"), "id,v\n1,10\n").unwrap();
    std::fs::write(d.join("2.csv"), "id,v,extra\n2,2.5,x\n").unwrap();
    std::fs::write(d.join("sub/3.csv"), "v,id\n7,3\n").unwrap();
    std::fs::write(d.join("notes.txt"), "not data").unwrap();
    let e = Engine::new();
    // Int and float widen to float; a column missing from a file is NULL there.
    assert_eq!(
        rows(&e, &format!("SELECT id, v, extra FROM '{}/*.csv'", p(&d))),
        ["1|10.0|NULL", "2|2.5|x"]
    );
    assert_eq!(
        rows(
            &e,
            &format!("SELECT COUNT(*), SUM(id) FROM '{}/**/*.csv'", p(&d))
        ),
        ["3|6"]
    );
    // A folder is every readable file below it.
    assert_eq!(
        rows(&e, &format!("SELECT COUNT(*) FROM '{}'", p(&d))),
        ["3"]
    );
    e.register_file("nums", &format!("{}/*.csv", p(&d)))
        .unwrap();
    assert_eq!(rows(&e, "SELECT MAX(v) FROM nums"), ["10.0"]);
    // Types with nothing in common: an error naming both files.
    std::fs::write(d.join("sub/bad.jsonl"), "{\"id\": true}\n").unwrap();
    std::fs::write(d.join("sub/ok.jsonl"), "{\"id\": [1, 2]}\n").unwrap();
    let err = e
        .query(&format!("SELECT * FROM '{}/sub/*.jsonl'", p(&d)))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.jsonl") && err.contains("ok.jsonl") && err.contains("no common type"),
        "{err}"
    );
}

#[test]
fn bad_files_are_clear_errors() {
    let d = dir("bad");
    let e = Engine::new();
    let err = |sql: String| e.query(&sql).unwrap_err();

    let missing = err(format!("SELECT * FROM '{}/nope.parquet'", p(&d)));
    assert!(
        matches!(missing, Error::Io { .. }) && missing.to_string().contains("nope.parquet"),
        "{missing}"
    );

    let r = e.query("SELECT 1 AS x").unwrap();
    write_file(
        &d.join("whole.parquet"),
        OutputFormat::Parquet,
        r.schema(),
        r.batches(),
    )
    .unwrap();
    let bytes = std::fs::read(d.join("whole.parquet")).unwrap();
    std::fs::write(d.join("cut.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    let cut = err(format!("SELECT * FROM '{}/cut.parquet'", p(&d)));
    assert!(
        matches!(cut, Error::Data { .. }) && cut.to_string().contains("cut.parquet"),
        "{cut}"
    );

    std::fs::write(d.join("ragged.csv"), "a,b\n1,2\n3,4,5\n").unwrap();
    let ragged = err(format!("SELECT * FROM '{}/ragged.csv'", p(&d)));
    assert!(ragged.to_string().contains("ragged.csv"), "{ragged}");

    std::fs::write(d.join("broken.jsonl"), "{\"a\": 1}\nthis is not json\n").unwrap();
    let broken = err(format!("SELECT * FROM '{}/broken.jsonl'", p(&d)));
    assert!(broken.to_string().contains("broken.jsonl"), "{broken}");

    std::fs::create_dir_all(d.join("empty")).unwrap();
    std::fs::write(d.join("empty/readme.txt"), "nothing here").unwrap();
    let empty = err(format!("SELECT * FROM '{}/empty'", p(&d)));
    assert!(empty.to_string().contains("no readable files"), "{empty}");

    let unknown = err("SELECT * FROM no_such_table".into());
    assert!(
        matches!(unknown, Error::UnknownName { kind: "table", .. }),
        "{unknown}"
    );
}

#[test]
fn only_the_columns_used_are_read() {
    // Column b looks numeric in the rows sampled for the schema, then is not:
    // decoding b fails, so a query that succeeds did not read it.
    let d = dir("pushdown");
    let mut csv = String::from("a,b\n");
    for i in 0..1500 {
        csv.push_str(&format!(
            "{i},{}\n",
            if i < 1200 {
                i.to_string()
            } else {
                "oops".into()
            }
        ));
    }
    std::fs::write(d.join("t.csv"), csv).unwrap();
    let path = p(&d.join("t.csv"));
    let e = Engine::new();
    assert_eq!(
        rows(
            &e,
            &format!("SELECT COUNT(*), SUM(a) FROM '{path}' WHERE a >= 0")
        ),
        ["1500|1124250"]
    );
    assert!(e.query(&format!("SELECT SUM(b) FROM '{path}'")).is_err());
    let plan = rows(&e, &format!("EXPLAIN SELECT a FROM '{path}' WHERE a > 5"));
    assert!(
        plan.iter()
            .any(|l| l.trim_start().starts_with("Scan") && l.ends_with("[a]")),
        "{plan:?}"
    );
}

#[test]
fn query_results_write_every_format_and_read_back() {
    let d = dir("result-write");
    let e = Engine::new();
    let r = e
        .query("SELECT * FROM (VALUES (1, 'ann', 1.5), (2, 'bob', NULL)) AS t(id, name, score)")
        .unwrap();
    for f in ["r.parquet", "r.csv", "r.jsonl", "r.arrow", "r.tsv"] {
        let path = d.join(f);
        r.write(&path).unwrap();
        assert_eq!(
            rows(&e, &format!("SELECT id, name, score FROM '{}'", p(&path))),
            ["1|ann|1.5", "2|bob|NULL"],
            "{f}"
        );
    }
    r.write_json(d.join("r.json")).unwrap();
    let json = std::fs::read_to_string(d.join("r.json")).unwrap();
    assert!(
        json.starts_with('[') && json.contains("\"name\":\"bob\""),
        "{json}"
    );
    r.write_parquet(d.join("explicit.data")).unwrap();
    assert_eq!(
        std::fs::read(d.join("explicit.data")).unwrap()[..4],
        *b"PAR1"
    );
    // No format from the extension, and a failed write leaves nothing behind.
    assert!(r.write(d.join("r.xyz")).is_err());
    let missing = d.join("no-such-folder/r.csv");
    assert!(r.write_csv(&missing).is_err());
    assert!(!missing.exists());
}

#[test]
fn writing_never_follows_a_planted_link() {
    let dir = std::env::temp_dir().join(format!("tern-nofollow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let out = dir.join("out.csv");
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    // The temporary name tern once used, predictable from the process id.
    let planted = dir.join(format!(".out.csv.tern-tmp-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let e = Engine::new();
    e.query("SELECT 1 AS x").unwrap().write(&out).unwrap();
    // The link was replaced, not written through; no temporary file is left.
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(!std::fs::symlink_metadata(&out)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "x\n1\n");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 3, "victim, out.csv and the planted link");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn globs_and_folders_do_not_follow_links_into_loops() {
    let d = dir("loop");
    std::fs::create_dir_all(d.join("a")).unwrap();
    std::fs::write(d.join("a/x.csv"), "v\n1\n2\n").unwrap();
    std::os::unix::fs::symlink(&d, d.join("a/back")).unwrap();
    let e = Engine::new();
    let p = d.display();
    assert_eq!(
        rows(&e, &format!("SELECT COUNT(*) FROM '{p}/**/*.csv'")),
        ["2"]
    );
    assert_eq!(rows(&e, &format!("SELECT COUNT(*) FROM '{p}'")), ["2"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn very_wide_text_files_are_read_in_short_batches() {
    // The CSV decoder sets aside room for every cell of a batch: 8,192 rows of
    // 20,000 columns took 2.6 GB. Wide files are read a few rows at a time.
    let d = dir("wide");
    let cols = 5_000;
    let header: Vec<String> = (0..cols).map(|i| format!("c{i}")).collect();
    let mut text = header.join(",") + "\n";
    for r in 0..500 {
        let row: Vec<String> = (0..cols).map(|i| (r * i % 7).to_string()).collect();
        text += &(row.join(",") + "\n");
    }
    std::fs::write(d.join("wide.csv"), text).unwrap();
    let e = Engine::new();
    let path = p(&d.join("wide.csv"));
    let r = e.query(&format!("SELECT c1, c4999 FROM '{path}'")).unwrap();
    let sizes: Vec<usize> = r.batches().iter().map(|b| b.num_rows()).collect();
    // 2^20 cells a batch: 209 rows of 5,000 columns.
    assert_eq!(sizes, [209, 209, 82]);
    let sum: usize = (0..500).map(|r| r * 4999 % 7).sum();
    assert_eq!(
        rows(&e, &format!("SELECT COUNT(*), SUM(c4999) FROM '{path}'")),
        [format!("500|{sum}")]
    );
}
