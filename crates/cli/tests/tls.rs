//! HTTPS through the shipped binary: rustls on the ring provider, with the
//! certificate checked against the roots the platform trusts. The endpoint is
//! nginx on loopback with a certificate from a test CA made here with the
//! `openssl` command; `SSL_CERT_FILE` names that CA as the trusted root.

use std::path::Path;
use std::process::{Command, Output};

use tern_test_servers::fixtures::scratch;
use tern_test_servers::web::nginx_tls;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the openssl command (cargo xtask test installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`ca.pem`), a server certificate it signed for localhost and
/// 127.0.0.1 (`server.pem`, `server.key`), and a CA that signed nothing
/// (`other.pem`).
fn certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "2", "-subj", "/CN=tern test CA"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &ca);
    // Another CA, which signed nothing here.
    let mut other = vec!["req", "-x509", "-days", "2", "-subj", "/CN=another CA"];
    other.extend(ec);
    other.extend(["-keyout", "other.key", "-out", "other.pem"]);
    openssl(dir, &other);
    let mut request = vec!["req", "-subj", "/CN=localhost"];
    request.extend(ec);
    request.extend(["-keyout", "server.key", "-out", "server.csr"]);
    openssl(dir, &request);
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
}

fn tern(sql: &str, env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.args(["-f", "csv", sql]).env_remove("SSL_CERT_FILE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run tern")
}

#[test]
fn https_files_are_read_over_tls_and_bad_certificates_refused() {
    let dir = scratch("tls");
    let root = dir.join("www");
    std::fs::create_dir_all(&root).unwrap();
    certificates(&dir);
    let written = Command::new(env!("CARGO_BIN_EXE_tern"))
        .arg("-o")
        .arg(root.join("planets.parquet"))
        .arg("SELECT * FROM $planets")
        .status()
        .unwrap();
    assert!(written.success());
    let web = nginx_tls(&root, &dir.join("server.pem"), &dir.join("server.key"));
    let sql = |host: &str| {
        format!(
            "SELECT COUNT(*) AS n, MAX(name) AS last FROM 'https://{host}:{}/planets.parquet'",
            web.port
        )
    };
    let ca = dir.join("ca.pem");
    for host in ["localhost", "127.0.0.1"] {
        let ok = tern(&sql(host), &[("SSL_CERT_FILE", &ca)]);
        assert!(
            ok.status.success(),
            "{host}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&ok.stdout), "n,last\n9,Venus\n");
    }
    // With other roots the certificate is refused: an error that says so,
    // not a panic, and no data.
    let empty = dir.join("no-roots");
    std::fs::create_dir_all(&empty).unwrap();
    let refused = tern(
        &sql("localhost"),
        &[
            ("SSL_CERT_FILE", &dir.join("other.pem")),
            ("SSL_CERT_DIR", &empty),
        ],
    );
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(
        err.contains("planets.parquet") && err.contains("certificate"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(refused.stdout.is_empty());
}
