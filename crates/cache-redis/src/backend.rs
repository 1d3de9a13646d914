//! The RESP protocol backend, shared by the Redis and Valkey caches.

use std::sync::Mutex;
use std::time::Duration;

use engine_core::cache::{BackendError, RemoteBackend, RemoteOptions};
use engine_core::{Error, Result};
use redis::cluster::ClusterClientBuilder;
use redis::{ConnectionInfo, FromRedisValue, IntoConnectionInfo, RedisError};

use crate::pool::{Conn, Pool};

/// A Redis-protocol server or cluster, as a [`RemoteBackend`].
///
/// Serves both `cache-redis` and `cache-valkey`: Valkey speaks the same
/// protocol, so only the name, the URL schemes and the environment variable
/// differ.
pub struct RespBackend {
    name: &'static str,
    seeds: Vec<ConnectionInfo>,
    display: String,
    /// Cluster mode: known at once for several seeds, found out at the first
    /// connection for one (`INFO cluster`).
    cluster: Mutex<Option<bool>>,
    pool: Pool,
    connect_timeout: Duration,
    io_timeout: Duration,
}

impl std::fmt::Debug for RespBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RespBackend")
            .field("server", &self.display)
            .field("pool", &self.pool)
            .finish()
    }
}

fn config_error(name: &str, url: &str, why: impl std::fmt::Display) -> Error {
    Error::config(format!("bad {name} URL '{url}': {why}"))
}

impl RespBackend {
    /// A backend named `name` for `urls`: one URL, or several cluster seeds
    /// separated by commas; each `scheme://host[:port]` with a scheme from
    /// `schemes`, or a bare `host[:port]`. Parses only: connects on first use.
    pub fn new(
        name: &'static str,
        schemes: &[&str],
        urls: &str,
        options: &RemoteOptions,
    ) -> Result<Self> {
        let mut seeds = Vec::new();
        let mut hosts = Vec::new();
        for url in urls.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            let full = if url.contains("://") {
                url.to_string()
            } else {
                format!("{}://{url}", schemes[0])
            };
            let scheme = full.split("://").next().unwrap_or_default();
            if !schemes.contains(&scheme) {
                return Err(config_error(
                    name,
                    url,
                    format!(
                        "use {}",
                        schemes
                            .iter()
                            .map(|s| format!("{s}://"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                ));
            }
            let info = full
                .as_str()
                .into_connection_info()
                .map_err(|e| config_error(name, url, e))?;
            hosts.push(info.addr().to_string());
            seeds.push(info);
        }
        if seeds.is_empty() {
            return Err(config_error(name, urls, "no server given"));
        }
        Ok(RespBackend {
            name,
            cluster: Mutex::new((seeds.len() > 1).then_some(true)),
            display: format!("{name} {}", hosts.join(",")),
            seeds,
            pool: Pool::new(options.max_idle_connections),
            connect_timeout: options.connect_timeout,
            io_timeout: options.io_timeout,
        })
    }

    /// Whether the server turned out to be a cluster (`None`: not connected yet).
    pub fn is_cluster(&self) -> Option<bool> {
        *self.cluster.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn connect_node(&self) -> redis::RedisResult<redis::Connection> {
        let conn = redis::Client::open(self.seeds[0].clone())?
            .get_connection_with_timeout(self.connect_timeout)?;
        conn.set_read_timeout(Some(self.io_timeout))?;
        conn.set_write_timeout(Some(self.io_timeout))?;
        Ok(conn)
    }

    fn connect_cluster(&self) -> redis::RedisResult<Conn> {
        let conn = ClusterClientBuilder::new(self.seeds.clone())
            .connection_timeout(self.connect_timeout)
            .response_timeout(self.io_timeout)
            // Fail fast: the circuit breaker, not the client, decides when to
            // try again.
            .retries(1)
            .min_retry_wait(5)
            .max_retry_wait(20)
            .build()?
            .get_connection()?;
        conn.set_read_timeout(Some(self.io_timeout))?;
        conn.set_write_timeout(Some(self.io_timeout))?;
        Ok(Box::new(conn))
    }

    fn connect(&self) -> redis::RedisResult<Conn> {
        match self.is_cluster() {
            Some(true) => self.connect_cluster(),
            Some(false) => Ok(Box::new(self.connect_node()?)),
            None => {
                let mut node = self.connect_node()?;
                let info: String = redis::cmd("INFO").arg("cluster").query(&mut node)?;
                let cluster = info.contains("cluster_enabled:1");
                *self.cluster.lock().unwrap_or_else(|e| e.into_inner()) = Some(cluster);
                if cluster {
                    self.connect_cluster()
                } else {
                    Ok(Box::new(node))
                }
            }
        }
    }

    /// Runs `cmd` on a pooled connection (a new one if none is idle). A pooled
    /// connection found dead (the server restarted since) is replaced once
    /// before the call counts as failed; a timeout is not retried.
    fn run<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, BackendError> {
        let pooled = self.pool.take();
        let from_pool = pooled.is_some();
        let mut conn = match pooled {
            Some(c) => c,
            None => self.connect().map_err(|e| self.unavailable(e))?,
        };
        match cmd.query::<T>(conn.as_mut()) {
            Ok(v) => {
                self.pool.put(conn);
                Ok(v)
            }
            Err(e) if e.code() == Some("OOM") => {
                // The server is up but full and set to not evict.
                self.pool.put(conn);
                Err(BackendError::Rejected(e.to_string()))
            }
            Err(e)
                if from_pool
                    && (e.is_connection_dropped() || e.is_io_error())
                    && !e.is_timeout() =>
            {
                self.pool.clear();
                let mut fresh = self.connect().map_err(|e| self.unavailable(e))?;
                let v = cmd
                    .query::<T>(fresh.as_mut())
                    .map_err(|e| self.unavailable(e))?;
                self.pool.put(fresh);
                Ok(v)
            }
            Err(e) => Err(self.unavailable(e)),
        }
    }

    fn unavailable(&self, e: RedisError) -> BackendError {
        // The other idle connections are to the same server: suspect too.
        self.pool.clear();
        BackendError::Unavailable(e.to_string())
    }
}

/// Whole seconds for a TTL, at least 1 (0 would mean "expire now" or an error).
fn seconds(ttl: Duration) -> u64 {
    ttl.as_secs().max(1)
}

impl RemoteBackend for RespBackend {
    fn name(&self) -> &'static str {
        self.name
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn get(
        &self,
        key: &str,
        refresh_ttl: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, BackendError> {
        let mut cmd = match refresh_ttl {
            Some(ttl) => {
                let mut c = redis::cmd("GETEX");
                c.arg(key).arg("EX").arg(seconds(ttl));
                c
            }
            None => redis::cmd("GET"),
        };
        if refresh_ttl.is_none() {
            cmd.arg(key);
        }
        self.run(&cmd)
    }

    fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), BackendError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        if let Some(ttl) = ttl {
            cmd.arg("EX").arg(seconds(ttl));
        }
        self.run(&cmd)
    }

    fn touch(&self, key: &str, ttl: Duration) -> Result<(), BackendError> {
        self.run::<i64>(redis::cmd("EXPIRE").arg(key).arg(seconds(ttl)))
            .map(|_| ())
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        self.run::<i64>(redis::cmd("DEL").arg(key)).map(|_| ())
    }

    /// Redis takes values up to 512 MB (`proto-max-bulk-len`).
    fn max_value_size(&self) -> usize {
        512 << 20
    }
}
