//! Parquet predicate and limit pushdown: the scan statistics show which row
//! groups and pages were skipped, and every answer equals the one computed
//! without any skipping.

#![cfg(feature = "parquet")]

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use engine_core::catalog::ScanStats;
use engine_core::Engine;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

mod common;

const GROUPS: i64 = 10;
const GROUP_ROWS: i64 = 1000;
const PAGE_ROWS: usize = 100;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tern-pushdown-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// 10 row groups of 1,000 rows, 10 pages each: `id` 0..10000 ascending,
/// `half` = id / 2 as a float, `name` = 'n' || zero-padded id, `odd` NULL on
/// even ids.
fn write_sorted(path: &std::path::Path) {
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(GROUP_ROWS as usize))
        .set_data_page_row_count_limit(PAGE_ROWS)
        .set_write_batch_size(PAGE_ROWS)
        .build();
    let ids: Vec<i64> = (0..GROUPS * GROUP_ROWS).collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(ids.clone())) as ArrayRef),
        (
            "half",
            Arc::new(Float64Array::from_iter_values(
                ids.iter().map(|&i| i as f64 / 2.0),
            )) as ArrayRef,
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                ids.iter().map(|i| format!("n{i:05}")),
            )) as ArrayRef,
        ),
        (
            "odd",
            Arc::new(Int64Array::from_iter(
                ids.iter().map(|&i| (i % 2 == 1).then_some(i)),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn sorted_file(name: &str) -> String {
    let d = dir(name);
    let path = d.join("sorted.parquet");
    write_sorted(&path);
    path.to_string_lossy().into_owned()
}

/// The query's rows (as text) and its scan statistics.
fn run(e: &Engine, sql: &str) -> (Vec<String>, ScanStats) {
    let r = e.query(sql).unwrap_or_else(|err| panic!("{sql}: {err}"));
    (common::result_rows(&r), r.stats().scan)
}

#[test]
fn row_groups_whose_statistics_exclude_the_filter_are_skipped() {
    let f = sorted_file("groups");
    let e = Engine::new();
    let (rows, s) = run(&e, &format!("SELECT COUNT(*) FROM '{f}' WHERE id >= 9500"));
    assert_eq!(rows, ["500"]);
    assert_eq!((s.row_groups_read, s.row_groups_skipped), (1, 9));
    // Within the last row group, the page index drops the five pages below 9500.
    assert_eq!(s.pages_skipped, 5);
    assert_eq!(s.rows_read, 500);

    let (rows, s) = run(&e, &format!("SELECT name FROM '{f}' WHERE id = 4321"));
    assert_eq!(rows, ["n04321"]);
    assert_eq!((s.row_groups_read, s.row_groups_skipped), (1, 9));

    // Constant on the left, ranges from two conditions, strings.
    let (rows, s) = run(
        &e,
        &format!("SELECT COUNT(*) FROM '{f}' WHERE 2000 <= id AND id < 4000 AND name > 'n02999'"),
    );
    assert_eq!(rows, ["1000"]);
    assert_eq!(s.row_groups_read, 1);

    // Nothing can match: nothing is read.
    let (rows, s) = run(&e, &format!("SELECT COUNT(*) FROM '{f}' WHERE id < 0"));
    assert_eq!(rows, ["0"]);
    assert_eq!((s.row_groups_read, s.row_groups_skipped), (0, 10));

    // IS NULL: every group has NULLs in `odd`, none in `id`.
    let (rows, s) = run(&e, &format!("SELECT COUNT(*) FROM '{f}' WHERE id IS NULL"));
    assert_eq!(rows, ["0"]);
    assert_eq!(s.row_groups_read, 0);
    let (rows, s) = run(&e, &format!("SELECT COUNT(*) FROM '{f}' WHERE odd IS NULL"));
    assert_eq!(rows, ["5000"]);
    assert_eq!(s.row_groups_read, 10);
}

#[test]
fn conditions_that_prove_nothing_read_everything() {
    let f = sorted_file("everything");
    let e = Engine::new();
    for (sql, expect) in [
        // OR: no single condition bounds the rows.
        ("id > 9990 OR id < 5", "14"),
        // Not exact in the column's type: 10.5 must not become 10.
        ("id < 10.5", "11"),
        // A function of the column is not the column.
        ("id % 1000 = 0", "10"),
    ] {
        let (rows, s) = run(&e, &format!("SELECT COUNT(*) FROM '{f}' WHERE {sql}"));
        assert_eq!(rows, [expect], "{sql}");
        if sql != "id < 10.5" {
            assert_eq!(s.row_groups_read, 10, "{sql}");
        }
    }
}

#[test]
fn float_statistics_do_not_hide_nan() {
    // NaN is not in a Parquet float column's min/max, but sorts above every
    // number here: `x > 5` holds for it, so its row group must be read.
    let d = dir("nan");
    let path = d.join("nan.parquet");
    let batch = RecordBatch::try_from_iter([(
        "x",
        Arc::new(Float64Array::from(vec![1.0, f64::NAN, 2.0, 3.0])) as ArrayRef,
    )])
    .unwrap();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let f = path.to_string_lossy();
    let e = Engine::new();
    let (unfiltered, _) = run(
        &e,
        &format!("SELECT SUM(CASE WHEN x > 5 THEN 1 ELSE 0 END) FROM '{f}'"),
    );
    let (filtered, _) = run(&e, &format!("SELECT COUNT(*) FROM '{f}' WHERE x > 5"));
    assert_eq!(filtered, unfiltered);

    let f = sorted_file("floats");
    let (rows, s) = run(
        &e,
        &format!("SELECT COUNT(*) FROM '{f}' WHERE half >= 4750"),
    );
    assert_eq!(rows, ["500"]);
    // parquet-rs records a NaN count of zero here, so the statistics prune.
    assert_eq!((s.row_groups_read, s.row_groups_skipped), (1, 9));
}

#[test]
fn a_limit_reads_only_the_row_groups_it_needs() {
    let f = sorted_file("limit");
    let e = Engine::new();
    let (rows, s) = run(&e, &format!("SELECT id FROM '{f}' LIMIT 3"));
    assert_eq!(rows, ["0", "1", "2"]);
    assert_eq!((s.row_groups_read, s.row_groups_skipped), (1, 9));
    assert_eq!(s.rows_read, 3);

    let (rows, s) = run(&e, &format!("SELECT id * 2 FROM '{f}' LIMIT 2 OFFSET 2500"));
    assert_eq!(rows, ["5000", "5002"]);
    assert_eq!((s.row_groups_read, s.row_groups_skipped), (3, 7));

    // Over a glob, the second file is never opened.
    let d = dir("limit-glob");
    write_sorted(&d.join("a.parquet"));
    write_sorted(&d.join("b.parquet"));
    let (rows, s) = run(
        &e,
        &format!(
            "SELECT COUNT(*) FROM (SELECT id FROM '{}/*.parquet' LIMIT 10)",
            d.display()
        ),
    );
    assert_eq!(rows, ["10"]);
    assert_eq!(s.files, 1);

    // ORDER BY needs every row: no limit reaches the scan.
    let (rows, s) = run(
        &e,
        &format!("SELECT id FROM '{f}' ORDER BY id DESC LIMIT 1"),
    );
    assert_eq!(rows, ["9999"]);
    assert_eq!(s.row_groups_read, 10);
}

/// `column = 'text'` on a string column is decided while the file is decoded
/// (the column read as views, the others only for the rows that pass): the
/// scan hands on only the matching rows, and every answer is the one the
/// same data gives from memory, where nothing is pushed down. A file's
/// string column may be stored as `Utf8`, `LargeUtf8` or `Utf8View` (the
/// constant is then cast to the column's layout): each is pushed down. So
/// is each encoding: all pages dictionary encoded (compared per dictionary
/// entry), none, or a writer that gave up its dictionary part way through a
/// column chunk (compared per row).
#[test]
fn string_equality_is_decided_while_decoding() {
    for layout in [DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View] {
        for encoding in ["dictionary", "plain", "dictionary then plain"] {
            string_equality_in_layout(&layout, encoding);
        }
    }
}

fn string_equality_in_layout(layout: &DataType, encoding: &str) {
    let d = dir(&format!(
        "string-eq-{layout}-{}",
        encoding.replace(' ', "-")
    ));
    let path = d.join("cats.parquet");
    let words = [
        "a",
        "b",
        "a much longer word than twelve bytes",
        "ßtraße",
        "b ",
    ];
    let n = 10_000i64;
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..n)) as ArrayRef,
        ),
        (
            "cat",
            arrow_cast::cast(
                &StringArray::from_iter(
                    (0..n).map(|i| (i % 11 != 0).then(|| words[(i % words.len() as i64) as usize])),
                ),
                layout,
            )
            .unwrap(),
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| format!("n{i}")),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(3000))
        .set_write_batch_size(500)
        .set_data_page_row_count_limit(500);
    let props = match encoding {
        "dictionary" => props,
        "plain" => props.set_dictionary_enabled(false),
        // Past a 40-byte dictionary (its first three words), pages are plain.
        _ => props.set_dictionary_page_size_limit(40),
    };
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        Some(props.build()),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let file = Engine::new();
    file.register_file("t", path.to_str().unwrap()).unwrap();
    // The file's data pages have the encodings this case is about.
    let reader = parquet::file::serialized_reader::SerializedFileReader::new(
        std::fs::File::open(&path).unwrap(),
    )
    .unwrap();
    let data_pages: std::collections::BTreeSet<String> =
        parquet::file::reader::FileReader::metadata(&reader)
            .row_groups()
            .iter()
            .flat_map(|g| g.column(1).page_encoding_stats_mask().unwrap().encodings())
            .map(|e| e.to_string())
            .collect();
    let expected: &[&str] = match encoding {
        "dictionary" => &["RLE_DICTIONARY"],
        "plain" => &["PLAIN"],
        _ => &["PLAIN", "RLE_DICTIONARY"],
    };
    assert_eq!(
        data_pages.iter().collect::<Vec<_>>(),
        expected,
        "{encoding}"
    );
    let memory = Engine::new();
    memory.register_batches("t", vec![batch]).unwrap();
    for (sql, matching) in [
        ("SELECT COUNT(*) FROM t WHERE cat = 'b'", Some(1818)),
        (
            "SELECT id, cat, name FROM t WHERE cat = 'b' AND id % 7 = 0",
            None,
        ),
        (
            "SELECT id, name FROM t WHERE cat = 'a much longer word than twelve bytes'",
            Some(1818),
        ),
        (
            "SELECT MIN(id), MAX(name) FROM t WHERE cat = 'ßtraße'",
            Some(1818),
        ),
        ("SELECT COUNT(*) FROM t WHERE cat = 'zz'", Some(0)),
        // The page index's selection, carried across row groups read apart.
        (
            "SELECT COUNT(*), MIN(id), MAX(id) FROM t WHERE cat = 'b' AND id BETWEEN 2600 AND 7400",
            None,
        ),
        ("SELECT COUNT(*) FROM t WHERE cat = 'b' OR cat = 'a'", None),
        (
            "SELECT cat, COUNT(*) FROM t WHERE 'b ' = cat GROUP BY cat",
            Some(1818),
        ),
        (
            "SELECT COUNT(*) FROM t WHERE cat = 'b' AND name = 'n1'",
            Some(1),
        ),
    ] {
        let (rows, s) = run(&file, sql);
        assert_eq!(
            rows,
            common::rows(&memory, sql),
            "{sql} on {layout}, {encoding}"
        );
        if let Some(m) = matching {
            assert_eq!(
                s.rows_read, m,
                "{sql} on {layout}, {encoding}: only matching rows leave the scan"
            );
        }
    }
    // The column keeps its type.
    let r = file
        .query("SELECT cat FROM t WHERE cat = 'b' LIMIT 1")
        .unwrap();
    assert_eq!(r.schema().field(0).data_type(), layout);
    let _ = std::fs::remove_dir_all(&d);
}

/// 4 row groups of 1,000 rows whose dictionaries hold: `city` {amsterdam,
/// cairo}, {berlin, dublin, NULL}, {amsterdam, dublin}, {cairo}; `code`
/// (BIGINT) and `small` (INTEGER) {10, 30}, {20, 40}, {10, 40}, {30}. In
/// groups 0 and 2 the min/max statistics allow 'berlin' and 20; only the
/// dictionaries rule them out.
fn dictionary_batch() -> RecordBatch {
    let sets: [(&[Option<&str>], &[i64]); 4] = [
        (&[Some("amsterdam"), Some("cairo")], &[10, 30]),
        (&[Some("berlin"), Some("dublin"), None], &[20, 40]),
        (&[Some("amsterdam"), Some("dublin")], &[10, 40]),
        (&[Some("cairo")], &[30]),
    ];
    let mut cities = Vec::new();
    let mut codes = Vec::new();
    for (names, values) in sets {
        for i in 0..1000 {
            cities.push(names[i % names.len()]);
            codes.push(values[i % values.len()]);
        }
    }
    let small: Vec<i32> = codes.iter().map(|&c| c as i32).collect();
    RecordBatch::try_from_iter([
        ("city", Arc::new(StringArray::from(cities)) as ArrayRef),
        ("code", Arc::new(Int64Array::from(codes)) as ArrayRef),
        (
            "small",
            Arc::new(arrow_array::Int32Array::from(small)) as ArrayRef,
        ),
    ])
    .unwrap()
}

fn write_dictionary_file(path: &std::path::Path, dictionary: bool) {
    let batch = dictionary_batch();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .set_dictionary_enabled(dictionary)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// A row group whose every page is dictionary encoded holds only its
/// dictionary's values: `column = constant` skips the groups whose
/// dictionary lacks the constant, where the min/max statistics cannot tell.
/// Every answer is the one the same rows give from memory.
#[test]
fn dictionaries_rule_out_row_groups_their_statistics_allow() {
    let d = dir("dictionary");
    let with = d.join("with.parquet");
    let without = d.join("without.parquet");
    write_dictionary_file(&with, true);
    write_dictionary_file(&without, false);
    let memory = Engine::new();
    memory
        .register_batches("t", vec![dictionary_batch()])
        .unwrap();
    let file = Engine::new();
    file.register_file("t", with.to_str().unwrap()).unwrap();
    file.register_file("plain", without.to_str().unwrap())
        .unwrap();
    // (query, row groups read, skipped, of which by dictionary)
    for (sql, read, skipped, by_dictionary) in [
        ("SELECT COUNT(*) FROM t WHERE city = 'berlin'", 1, 3, 2),
        ("SELECT COUNT(*) FROM t WHERE code = 20", 1, 3, 2),
        ("SELECT COUNT(*) FROM t WHERE small = 20", 1, 3, 2),
        (
            "SELECT COUNT(*), MIN(code) FROM t WHERE city = 'dublin'",
            2,
            2,
            0,
        ),
        (
            "SELECT COUNT(*) FROM t WHERE city = 'berlin' AND code = 40",
            1,
            3,
            1,
        ),
        // In no dictionary, and between every group's bounds: all skipped.
        ("SELECT COUNT(*) FROM t WHERE city = 'bremen'", 0, 4, 3),
        // Not an exact integer: nothing can be ruled out, nothing matches.
        ("SELECT COUNT(*) FROM t WHERE code = 20.5", 4, 0, 0),
        // Other conditions than equality do not read dictionaries.
        ("SELECT COUNT(*) FROM t WHERE city <> 'berlin'", 4, 0, 0),
    ] {
        let (rows, stats) = run(&file, sql);
        assert_eq!(rows, common::rows(&memory, sql), "{sql}");
        assert_eq!(
            (
                stats.row_groups_read,
                stats.row_groups_skipped,
                stats.row_groups_skipped_by_dictionary
            ),
            (read, skipped, by_dictionary),
            "{sql}"
        );
    }
    assert_eq!(
        common::rows(&memory, "SELECT COUNT(*) FROM t WHERE city = 'berlin'"),
        ["334"]
    );
    // Pages not dictionary encoded: only the statistics decide.
    let (rows, stats) = run(&file, "SELECT COUNT(*) FROM plain WHERE city = 'berlin'");
    assert_eq!(rows, ["334"]);
    assert_eq!(
        (
            stats.row_groups_read,
            stats.row_groups_skipped,
            stats.row_groups_skipped_by_dictionary
        ),
        (3, 1, 0)
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// The scans count the bytes their readers are handed and the files they
/// finish, and a [`QueryHandle`](engine_core::QueryHandle) shows the same
/// figures (a progress line reads them while the query runs).
#[test]
fn scans_count_bytes_and_files_and_the_handle_sees_them() {
    let d = dir("progress");
    let mut parquet_bytes = 0;
    for i in 0..3 {
        let path = d.join(format!("part{i}.parquet"));
        write_sorted(&path);
        parquet_bytes += std::fs::metadata(&path).unwrap().len();
    }
    let e = Engine::new();
    let handle = engine_core::QueryHandle::new();
    assert!(handle.progress().is_none());
    let glob = format!("{}/*.parquet", d.display());
    let r = e
        .query_with(&format!("SELECT SUM(id) FROM '{glob}'"), &handle)
        .unwrap();
    let s = r.stats().scan;
    assert_eq!(common::result_rows(&r), ["149985000"]);
    assert_eq!((s.files_planned, s.files_done), (3, 3));
    // Parquet is fetched in blocks of a MiB (as from a remote store), so
    // these small files are read whole, once.
    assert_eq!(s.bytes_read, parquet_bytes, "{s:?}");
    assert_eq!(handle.progress(), Some(s));

    // A CSV file is read whole, once.
    let csv = d.join("t.csv");
    std::fs::write(&csv, "a,b\n1,x\n2,y\n").unwrap();
    let (rows, c) = run(&e, &format!("SELECT SUM(a) FROM '{}'", csv.display()));
    assert_eq!(rows, ["3"]);
    assert_eq!((c.files_planned, c.files_done, c.bytes_read), (1, 1, 12));
}
