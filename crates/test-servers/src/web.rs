//! Servers for the remote-read tests: an S3-compatible server (moto, from
//! PyPI) and a plain HTTP file server (nginx, from Debian).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use crate::process::{find_binary, workspace_root, Server};

impl Server {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// An S3-compatible server (moto) on a free port: `TERN_MOTO_SERVER`, then
/// what `cargo xtask test` installed under target/tools, then `PATH`.
pub fn moto() -> Server {
    let bin = find_binary(
        "TERN_MOTO_SERVER",
        &[workspace_root().join("target/tools/moto/bin/moto_server")],
        "moto_server",
    );
    Server::start("moto_server", &bin, |port, _| {
        vec![
            "-H".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ]
    })
}

/// nginx serving `root` on a free port: HEAD and range GET, as a static file
/// server does.
pub fn nginx(root: &Path) -> Server {
    nginx_with(root, "")
}

/// nginx serving `root` but ignoring `Range` (`max_ranges 0`): every GET
/// returns the whole file with 200, as Python's `http.server` does.
pub fn nginx_without_ranges(root: &Path) -> Server {
    nginx_with(root, "max_ranges 0;")
}

/// nginx serving `root` over TLS (HTTPS) on a free port, with the
/// certificate chain `cert` and its key `key` (PEM files).
pub fn nginx_tls(root: &Path, cert: &Path, key: &Path) -> Server {
    nginx_listening(
        root,
        "ssl",
        &format!(
            "ssl_certificate {}; ssl_certificate_key {};",
            cert.display(),
            key.display()
        ),
    )
}

fn nginx_with(root: &Path, server_directives: &str) -> Server {
    nginx_listening(root, "", server_directives)
}

fn nginx_listening(root: &Path, listen_options: &str, server_directives: &str) -> Server {
    let bin = find_binary("TERN_NGINX", &[PathBuf::from("/usr/sbin/nginx")], "nginx");
    let root = root.display().to_string();
    Server::start("nginx", &bin, |port, dir| {
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let d = dir.display();
        let conf = format!(
            "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid; error_log stderr;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  server {{ listen 127.0.0.1:{port} {listen_options}; root {root}; {server_directives} }}
}}
"
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        vec![
            "-p".into(),
            d.to_string(),
            "-c".into(),
            dir.join("nginx.conf").display().to_string(),
            "-e".into(),
            "stderr".into(),
        ]
    })
}

/// A plain HTTP/1.1 request; returns the status code and body.
pub fn http(port: u16, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut response = Vec::new();
    s.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body_at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |i| i + 4);
    (status, response[body_at..].to_vec())
}
