//! Remote reads against real servers on loopback: S3 (moto) and plain HTTP
//! (nginx). Every remote answer is compared with the same query over the local
//! copy of the files.

// The engine's own test helpers: results as `a|b` rows.
#[path = "../../engine-core/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use engine_core::{Engine, Error, QueryResult};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use source_object_store::ObjectStoreSource;
use tern_test_servers::web::http;
use tern_test_servers::Server;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples")
}

/// Rows as `a|b` strings, sorted.
fn rows(r: &QueryResult) -> Vec<String> {
    common::sorted(common::result_rows(r))
}

fn query(e: &Engine, sql: &str) -> QueryResult {
    e.query(sql).unwrap_or_else(|err| panic!("{sql}: {err}"))
}

/// 10 row groups of 1,000 rows with ids ascending.
fn sorted_parquet() -> Vec<u8> {
    let batch = RecordBatch::try_from_iter([(
        "id",
        Arc::new(Int64Array::from_iter_values(0..10_000)) as ArrayRef,
    )])
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

fn s3_engine(s3: &Server) -> Engine {
    let e = Engine::new();
    Arc::new(
        ObjectStoreSource::new()
            .with_option("aws_endpoint", s3.url())
            .with_option("aws_allow_http", "true")
            .with_option("aws_access_key_id", "tern")
            .with_option("aws_secret_access_key", "tern")
            .with_option("aws_region", "us-east-1"),
    )
    .register(&e);
    e
}

fn put(s3: &Server, key: &str, body: &[u8]) {
    let (status, text) = http(s3.port, "PUT", key, body);
    assert_eq!(status, 200, "PUT {key}: {}", String::from_utf8_lossy(&text));
}

#[test]
fn s3_files_globs_folders_and_pushdown() {
    let s3 = tern_test_servers::web::moto();
    put(&s3, "/lake", b"");
    let ex = examples();
    for (key, file) in [
        ("/lake/text/cities.csv", ex.join("cities.csv")),
        ("/lake/text/events.jsonl", ex.join("events.jsonl")),
        (
            "/lake/moons/moons-1.parquet",
            ex.join("parquet/moons-1.parquet"),
        ),
        (
            "/lake/moons/2026/moons-2.parquet",
            ex.join("parquet/moons-2.parquet"),
        ),
    ] {
        put(&s3, key, &std::fs::read(file).unwrap());
    }
    put(&s3, "/lake/sorted.parquet", &sorted_parquet());
    let e = s3_engine(&s3);
    let local = Engine::new();
    let ex = ex.display();

    // The same answers as over the local files, for each format.
    for (remote, local_sql) in [
        (
            "SELECT city, population FROM 's3://lake/text/cities.csv' WHERE population > 500000"
                .to_string(),
            format!("SELECT city, population FROM '{ex}/cities.csv' WHERE population > 500000"),
        ),
        (
            "SELECT action, COUNT(*), SUM(ms) FROM 's3://lake/text/events.jsonl' GROUP BY action"
                .to_string(),
            format!("SELECT action, COUNT(*), SUM(ms) FROM '{ex}/events.jsonl' GROUP BY action"),
        ),
        // `**` crosses folders; a folder is every readable file below it.
        (
            "SELECT planetId, COUNT(*) FROM 's3://lake/moons/**/*.parquet' GROUP BY planetId"
                .to_string(),
            format!("SELECT planetId, COUNT(*) FROM '{ex}/parquet/*.parquet' GROUP BY planetId"),
        ),
        (
            "SELECT COUNT(*), MAX(radius) FROM 's3://lake/moons'".to_string(),
            format!("SELECT COUNT(*), MAX(radius) FROM '{ex}/parquet'"),
        ),
    ] {
        let got = rows(&query(&e, &remote));
        assert!(!got.is_empty(), "{remote}");
        assert_eq!(got, rows(&query(&local, &local_sql)), "{remote}");
    }
    // `*` stays within one folder level.
    let one_level = rows(&query(
        &e,
        "SELECT COUNT(*) FROM 's3://lake/moons/*.parquet'",
    ));
    let first_file = rows(&query(
        &local,
        &format!("SELECT COUNT(*) FROM '{ex}/parquet/moons-1.parquet'"),
    ));
    assert_eq!(one_level, first_file);

    // Row groups are skipped remotely too.
    let r = query(
        &e,
        "SELECT COUNT(*) FROM 's3://lake/sorted.parquet' WHERE id >= 9000",
    );
    assert_eq!(rows(&r), ["1000"]);
    assert_eq!(
        (
            r.stats().scan.row_groups_read,
            r.stats().scan.row_groups_skipped
        ),
        (1, 9)
    );

    // Registered under a name.
    e.register_file("moons", "s3://lake/moons/").unwrap();
    let named = rows(&query(&e, "SELECT COUNT(*) FROM moons"));
    assert_eq!(
        named,
        rows(&query(
            &local,
            &format!("SELECT COUNT(*) FROM '{ex}/parquet'")
        ))
    );

    // Missing objects and buckets are clear errors naming the location.
    let err = e
        .query("SELECT * FROM 's3://lake/nope.parquet'")
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("s3://lake/nope.parquet"), "{err}");
    let err = e.query("SELECT * FROM 's3://lake/none/*.csv'").unwrap_err();
    assert!(err.to_string().contains("no files match"), "{err}");
    let err = e
        .query("SELECT * FROM 's3://no-such-bucket/x.csv'")
        .unwrap_err();
    assert!(
        err.to_string().contains("s3://no-such-bucket/x.csv"),
        "{err}"
    );
}

#[test]
fn http_files_are_read_with_range_requests() {
    let root = std::env::temp_dir().join(format!("tern-http-root-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(examples().join("cities.csv"), root.join("cities.csv")).unwrap();
    std::fs::write(root.join("sorted.parquet"), sorted_parquet()).unwrap();
    let web = tern_test_servers::web::nginx(&root);
    let e = Engine::new();
    Arc::new(ObjectStoreSource::new()).register(&e);
    let base = web.url();

    let got = rows(&query(
        &e,
        &format!("SELECT city FROM '{base}/cities.csv' WHERE country = 'Portugal'"),
    ));
    let want = rows(&query(
        &Engine::new(),
        &format!(
            "SELECT city FROM '{}/cities.csv' WHERE country = 'Portugal'",
            examples().display()
        ),
    ));
    assert!(!got.is_empty());
    assert_eq!(got, want);

    // Parquet over HTTP reads the footer and one row group's chunk by range.
    let r = query(
        &e,
        &format!("SELECT MIN(id), MAX(id) FROM '{base}/sorted.parquet' WHERE id < 1000"),
    );
    assert_eq!(rows(&r), ["0|999"]);
    assert_eq!(r.stats().scan.row_groups_read, 1);

    let err = e
        .query(&format!("SELECT * FROM '{base}/missing.csv'"))
        .unwrap_err();
    assert!(err.to_string().contains("missing.csv"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn servers_that_ignore_range_are_read_whole() {
    let root = std::env::temp_dir().join(format!("tern-http-noranges-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(examples().join("cities.csv"), root.join("cities.csv")).unwrap();
    std::fs::write(root.join("sorted.parquet"), sorted_parquet()).unwrap();
    let web = tern_test_servers::web::nginx_without_ranges(&root);
    // The server really answers a range request with the whole file.
    let (status, body) = tern_test_servers::web::http(web.port, "GET", "/cities.csv", b"");
    assert_eq!(status, 200);
    assert_eq!(
        body.len() as u64,
        std::fs::metadata(root.join("cities.csv")).unwrap().len()
    );
    let e = Engine::new();
    Arc::new(ObjectStoreSource::new()).register(&e);
    let base = web.url();
    let got = rows(&query(
        &e,
        &format!("SELECT COUNT(*) FROM '{base}/cities.csv' WHERE country = 'Portugal'"),
    ));
    let want = rows(&query(
        &Engine::new(),
        &format!(
            "SELECT COUNT(*) FROM '{}/cities.csv' WHERE country = 'Portugal'",
            examples().display()
        ),
    ));
    assert_eq!(got, want);
    // Parquet reads the footer, then column chunks: all from one body.
    let r = query(
        &e,
        &format!("SELECT MIN(id), MAX(id), COUNT(*) FROM '{base}/sorted.parquet' WHERE id < 1000"),
    );
    assert_eq!(rows(&r), ["0|999|1000"]);
    // A changed file is read again, not served from the kept body.
    std::fs::write(root.join("cities.csv"), "city,country\nPorto,Portugal\n").unwrap();
    let r = query(&e, &format!("SELECT COUNT(*) FROM '{base}/cities.csv'"));
    assert_eq!(rows(&r), ["1"]);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_dead_endpoint_is_an_error() {
    // Nothing listens on this port: the query fails (after the short connect
    // timeout and two retries) instead of hanging or panicking.
    let port = tern_test_servers::free_port();
    let e = Engine::new();
    Arc::new(
        ObjectStoreSource::new()
            .with_option("aws_endpoint", format!("http://127.0.0.1:{port}"))
            .with_option("aws_allow_http", "true")
            .with_option("aws_access_key_id", "tern")
            .with_option("aws_secret_access_key", "tern")
            .with_option("aws_region", "us-east-1"),
    )
    .register(&e);
    let err = e.query("SELECT * FROM 's3://lake/x.csv'").unwrap_err();
    assert!(err.to_string().contains("s3://lake/x.csv"), "{err}");
    // An unknown scheme without a store says what to do.
    let err = Engine::new()
        .query("SELECT * FROM 'ftp://host/x.csv'")
        .unwrap_err();
    assert!(err.to_string().contains("ftp://"), "{err}");
}

/// Cloud credentials in this process's environment, if any.
fn cloud_credentials_in_env() -> bool {
    [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "GOOGLE_SERVICE_ACCOUNT",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_STORAGE_SAS_KEY",
        "AZURE_CLIENT_SECRET",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some())
}

#[test]
fn no_test_asks_the_cloud_metadata_service() {
    // Every `cargo test` in this workspace runs with the lookup off
    // (.cargo/config.toml): a test that names s3://, gs:// or az:// without
    // credentials fails with this error instead of sending a request to
    // 169.254.169.254.
    assert_eq!(
        std::env::var(source_object_store::INSTANCE_METADATA).as_deref(),
        Ok("false"),
        "the test suite must run with the instance-metadata lookup off"
    );
    if cloud_credentials_in_env() {
        return; // a developer's own credentials: those stores need no lookup
    }
    let e = Engine::new();
    Arc::new(ObjectStoreSource::new()).register(&e);
    for url in [
        "s3://tern-no-bucket/x.csv",
        "gs://tern-no-bucket/x.csv",
        "az://account/container/x.csv",
    ] {
        let err = e.query(&format!("SELECT * FROM '{url}'")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("no credentials for") && text.contains("TERN_INSTANCE_METADATA=false"),
            "{url}: {text}"
        );
    }
    // The option decides over the environment, both ways.
    let e = Engine::new();
    Arc::new(ObjectStoreSource::new().with_option("instance_metadata", "maybe")).register(&e);
    let err = e.query("SELECT * FROM 's3://b/x.csv'").unwrap_err();
    assert!(err.to_string().contains("not 'maybe'"), "{err}");
}
