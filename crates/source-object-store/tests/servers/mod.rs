//! Real servers for the remote-read tests, each started on a free loopback
//! port and stopped when dropped: an S3-compatible server (moto, from PyPI) and
//! a plain HTTP file server (nginx, from Debian). `cargo xtask test` installs
//! both when they are missing.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A server process, killed on drop.
pub struct Server {
    child: Child,
    pub port: u16,
    _dir: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(d) = &self._dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Waits until `port` accepts connections (or the process died).
fn wait_for(child: &mut Child, port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited at start: {status}");
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within 60 s");
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `moto_server`: `TERN_MOTO_SERVER`, then what `cargo xtask test` installed
/// under target/tools, then `PATH`.
fn moto_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TERN_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let provisioned = workspace_root().join("target/tools/moto/bin/moto_server");
    if provisioned.exists() {
        return provisioned;
    }
    PathBuf::from("moto_server")
}

/// An S3-compatible server (moto) on a free port.
pub fn moto() -> Server {
    let bin = moto_binary();
    for _ in 0..3 {
        let port = free_port();
        let mut child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e}. `cargo xtask test` installs it (pip install 'moto[server]')",
                    bin.display()
                )
            });
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(Some(_)) = child.try_wait() {
            continue; // the port was taken meanwhile: try another
        }
        wait_for(&mut child, port, "moto_server");
        return Server {
            child,
            port,
            _dir: None,
        };
    }
    panic!("moto_server would not start");
}

/// nginx serving `root` on a free port: HEAD and range GET, as a static file
/// server does.
pub fn nginx(root: &Path) -> Server {
    let bin = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("-v")
                .stderr(Stdio::null())
                .status()
                .is_ok()
        })
        .expect("nginx not found: `cargo xtask test` installs it (apt-get install nginx-light)");
    for _ in 0..3 {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("tern-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let d = dir.display();
        let conf = format!(
            "daemon off; master_process off; worker_processes 1; pid {d}/nginx.pid; error_log stderr;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp; fastcgi_temp_path {d}/tmp;
  uwsgi_temp_path {d}/tmp; scgi_temp_path {d}/tmp;
  server {{ listen 127.0.0.1:{port}; root {}; }}
}}
",
            root.display()
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let mut child = Command::new(bin)
            .args(["-p", &dir.display().to_string(), "-c"])
            .arg(dir.join("nginx.conf"))
            .args(["-e", "stderr"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(Some(_)) = child.try_wait() {
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        wait_for(&mut child, port, "nginx");
        return Server {
            child,
            port,
            _dir: Some(dir),
        };
    }
    panic!("nginx would not start");
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
