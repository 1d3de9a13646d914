//! The sandbox a service turns on: what SQL may read by naming it, refusals
//! that do not tell whether a path exists, and settings that lock.

mod common;

use std::path::PathBuf;

use common::rows;
use engine_core::{Engine, Error};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tern-sandbox-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn denied(e: &Engine, sql: &str) -> String {
    match e.query(sql) {
        Err(err @ Error::Denied(_)) => err.to_string(),
        other => panic!("{sql}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn external_access_off_leaves_registered_tables() {
    let d = dir("off");
    std::fs::write(d.join("a.csv"), "x\n1\n").unwrap();
    let e = Engine::new();
    e.register_file("a", &d.join("a.csv").display().to_string())
        .unwrap();
    e.query("SET enable_external_access = false").unwrap();
    let err = denied(
        &e,
        &format!("SELECT * FROM '{}'", d.join("a.csv").display()),
    );
    assert!(err.contains("enable_external_access"), "{err}");
    // What the program registered stays readable, and so do memory tables.
    assert_eq!(rows(&e, "SELECT x FROM a"), ["1"]);
    assert_eq!(rows(&e, "SELECT 1 + 1"), ["2"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn allowed_directories_hold_through_globs_dotdot_and_links() {
    let root = dir("dirs");
    let inside = root.join("in");
    let outside = root.join("out");
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(inside.join("ok.csv"), "x\n1\n").unwrap();
    std::fs::write(outside.join("secret.csv"), "x\n42\n").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.csv"), inside.join("link.csv")).unwrap();
    std::os::unix::fs::symlink(&outside, inside.join("door")).unwrap();
    let e = Engine::new();
    e.query(&format!("SET allowed_directories = '{}'", inside.display()))
        .unwrap();
    let (i, o) = (inside.display(), outside.display());
    assert_eq!(rows(&e, &format!("SELECT x FROM '{i}/ok.csv'")), ["1"]);
    for sql in [
        format!("SELECT * FROM '{o}/secret.csv'"),
        format!("SELECT * FROM '{i}/../out/secret.csv'"),
        format!("SELECT * FROM '{i}/link.csv'"),
        format!("SELECT * FROM '{i}/door/secret.csv'"),
        format!("SELECT * FROM '{o}/*.csv'"),
        format!("SELECT * FROM 'file://{o}/secret.csv'"),
        // A folder or glob that reaches the link to a file outside.
        format!("SELECT * FROM '{i}'"),
        format!("SELECT * FROM '{i}/*.csv'"),
    ] {
        denied(&e, &sql);
    }
    // Outside, a file that exists and one that does not get the same answer.
    let a = denied(&e, &format!("SELECT * FROM '{o}/secret.csv'"));
    let b = denied(&e, &format!("SELECT * FROM '{o}/nothing.csv'"));
    assert_eq!(a.replace("secret.csv", "X"), b.replace("nothing.csv", "X"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn allowed_urls_and_the_private_network() {
    let e = Engine::new();
    // No store is registered in engine-core alone: a URL that passes the
    // rules fails later, for that reason, and one that does not is refused.
    e.query("SET allow_private_network = false").unwrap();
    for url in [
        "http://127.0.0.1:1/x.csv",
        "http://169.254.169.254/latest/meta-data/x.csv",
        "http://[::1]/x.csv",
    ] {
        let err = denied(&e, &format!("SELECT * FROM '{url}'"));
        assert!(err.contains("allow_private_network"), "{err}");
    }
    e.query("SET allowed_urls = 's3://lake/public/, http://127.0.0.1:1/'")
        .unwrap();
    denied(&e, "SELECT * FROM 's3://lake/private/x.csv'");
    denied(&e, "SELECT * FROM 's3://lakehouse/public/x.csv'");
    // Listed: allowed, loopback or not (and then no store to read it with).
    for url in ["s3://lake/public/x.csv", "http://127.0.0.1:1/x.csv"] {
        let err = e.query(&format!("SELECT * FROM '{url}'")).unwrap_err();
        assert!(!matches!(err, Error::Denied(_)), "{url}: {err}");
    }
}

#[test]
fn locked_settings_stay() {
    let e = Engine::new();
    e.query("SET enable_external_access = false; SET lock_configuration = true")
        .unwrap();
    for sql in [
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET integer_division = true",
    ] {
        let err = denied(&e, sql);
        assert!(err.contains("locked"), "{err}");
    }
    assert!(!e.settings().enable_external_access);
    assert!(matches!(
        e.query("SET allowed_directories = '/no/such/folder/anywhere'"),
        Err(Error::Denied(_))
    ));
}
