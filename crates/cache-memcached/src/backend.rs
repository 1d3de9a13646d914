//! The memcached protocol backend, on the `memcache` crate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use engine_core::cache::{BackendError, RemoteBackend, RemoteOptions};
use engine_core::{Error, Result};
use memcache::{Client, CommandError, ConnectionManager, MemcacheError, Url};

/// memcached's default item limit (`-I 1m`), which holds key, flags and value:
/// leave room for the rest.
const DEFAULT_ITEM_SIZE: usize = (1 << 20) - 1024;

/// Relative expiry times above 30 days are read by memcached as Unix times.
const MAX_RELATIVE_TTL: u64 = 30 * 24 * 3600;

/// memcached server(s) as a [`RemoteBackend`].
pub struct MemcachedBackend {
    urls: Vec<Url>,
    display: String,
    max_item_size: usize,
    connect_timeout: Duration,
    max_connections: u32,
    /// Built on first use and dropped after a failure, so that no connection
    /// that failed (and may hold half a reply) is ever used again.
    client: Mutex<Option<Arc<Client>>>,
}

impl std::fmt::Debug for MemcachedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemcachedBackend")
            .field("servers", &self.display)
            .finish()
    }
}

fn config_error(url: &str, why: impl std::fmt::Display) -> Error {
    Error::config(format!("bad memcached server '{url}': {why}"))
}

/// Where a key goes among the servers: keys are `tern:` and a hash in hex, so
/// their last 16 digits are already uniform, and the same in every build (the
/// crate's default hasher is not promised to be).
fn server_hash(key: &str) -> u64 {
    key.get(key.len().saturating_sub(16)..)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .unwrap_or_else(|| {
            // FNV-1a, for keys that are not ours.
            key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
                (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
            })
        })
}

impl MemcachedBackend {
    /// Backend for `servers`: `memcached://host[:port]`, `memcache://...` or
    /// `host[:port]`, separated by commas; `?max_item_size=BYTES` on any of
    /// them sets the item limit. Parses only.
    pub fn new(servers: &str, options: &RemoteOptions) -> Result<Self> {
        let mut urls = Vec::new();
        let mut hosts = Vec::new();
        let mut max_item_size = DEFAULT_ITEM_SIZE;
        for server in servers.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let rest = match server.split_once("://") {
                Some(("memcached" | "memcache", rest)) => rest,
                Some((scheme, _)) => {
                    return Err(config_error(
                        server,
                        format!("'{scheme}://' is not memcached (use memcached://host:port)"),
                    ))
                }
                None => server,
            };
            let mut url =
                Url::parse(&format!("memcache://{rest}")).map_err(|e| config_error(server, e))?;
            let host = url
                .host_str()
                .filter(|h| !h.is_empty())
                .ok_or_else(|| config_error(server, "no host"))?;
            let port = url.port().unwrap_or(11211);
            hosts.push(format!("{host}:{port}"));
            for (k, v) in url.query_pairs() {
                match k.as_ref() {
                    "max_item_size" => {
                        max_item_size = v.parse().map_err(|_| {
                            config_error(server, "max_item_size takes a number of bytes")
                        })?
                    }
                    other => {
                        return Err(config_error(
                            server,
                            format!("unknown option '{other}' (max_item_size)"),
                        ))
                    }
                }
            }
            // The crate applies `timeout` to every connection it makes.
            let io = options.io_timeout.as_secs_f64();
            url = Url::parse(&format!("memcache://{host}:{port}?timeout={io}"))
                .map_err(|e| config_error(server, e))?;
            urls.push(url);
        }
        if urls.is_empty() {
            return Err(config_error(servers, "no server given"));
        }
        Ok(MemcachedBackend {
            display: format!("memcached {}", hosts.join(",")),
            urls,
            max_item_size,
            connect_timeout: options.connect_timeout,
            max_connections: options.max_idle_connections.max(1) as u32,
            client: Mutex::new(None),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<Client>>> {
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The client, built now if there is none: one pool per server that
    /// connects as connections are needed (none at build time) and does not
    /// ping on every checkout.
    fn client(&self) -> Result<Arc<Client>, BackendError> {
        let mut slot = self.lock();
        if let Some(c) = slot.as_ref() {
            return Ok(Arc::clone(c));
        }
        let pools = self
            .urls
            .iter()
            .map(|url| {
                r2d2::Pool::builder()
                    .max_size(self.max_connections)
                    .min_idle(Some(0))
                    .test_on_check_out(false)
                    .connection_timeout(self.connect_timeout)
                    .build_unchecked(ConnectionManager::new(url.clone()))
            })
            .collect();
        let mut client =
            Client::with_pools(pools).map_err(|e| BackendError::Unavailable(e.to_string()))?;
        client.hash_function = server_hash;
        let client = Arc::new(client);
        *slot = Some(Arc::clone(&client));
        Ok(client)
    }

    fn run<T>(
        &self,
        f: impl FnOnce(&Client) -> Result<T, MemcacheError>,
    ) -> Result<T, BackendError> {
        let client = self.client()?;
        match f(&client) {
            Ok(v) => Ok(v),
            Err(MemcacheError::CommandError(CommandError::ValueTooLarge)) => Err(
                BackendError::Rejected("value too large for the server".into()),
            ),
            Err(e) => {
                *self.lock() = None;
                Err(BackendError::Unavailable(e.to_string()))
            }
        }
    }
}

/// A TTL as memcached's expiry: seconds, or a Unix time past 30 days.
fn expiry(ttl: Option<Duration>) -> u32 {
    let Some(ttl) = ttl else { return 0 };
    let secs = ttl.as_secs().max(1);
    if secs <= MAX_RELATIVE_TTL {
        return secs as u32;
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u32::try_from(now + secs).unwrap_or(u32::MAX)
}

impl RemoteBackend for MemcachedBackend {
    fn name(&self) -> &'static str {
        "memcached"
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn get(
        &self,
        key: &str,
        refresh_ttl: Option<Duration>,
    ) -> Result<Option<Vec<u8>>, BackendError> {
        let value: Option<Vec<u8>> = self.run(|c| c.get(key))?;
        if let (Some(_), Some(ttl)) = (&value, refresh_ttl) {
            self.touch(key, ttl)?;
        }
        Ok(value)
    }

    fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<(), BackendError> {
        self.run(|c| c.set(key, value, expiry(ttl)))
    }

    fn touch(&self, key: &str, ttl: Duration) -> Result<(), BackendError> {
        self.run(|c| c.touch(key, expiry(Some(ttl)))).map(|_| ())
    }

    fn delete(&self, key: &str) -> Result<(), BackendError> {
        self.run(|c| c.delete(key)).map(|_| ())
    }

    fn max_value_size(&self) -> usize {
        self.max_item_size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_parsed_and_checked_without_connecting() {
        let o = RemoteOptions::default();
        let b = MemcachedBackend::new(
            "memcached://a:1, b ,memcache://c:3?max_item_size=4000000",
            &o,
        )
        .unwrap();
        assert_eq!(b.describe(), "memcached a:1,b:11211,c:3");
        assert_eq!(b.max_value_size(), 4_000_000);
        for bad in [
            "",
            "redis://a",
            "memcached://a?x=1",
            "memcached://:1",
            "memcached://a?max_item_size=big",
        ] {
            assert!(MemcachedBackend::new(bad, &o).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_spread_evenly_and_stably() {
        let keys: Vec<String> = (0..3000u128)
            .map(|i| {
                format!(
                    "tern:{:032x}",
                    i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834)
                )
            })
            .collect();
        let mut counts = [0usize; 3];
        for k in &keys {
            counts[(server_hash(k) % 3) as usize] += 1;
        }
        assert!(counts.iter().all(|&n| n > 800), "{counts:?}");
        assert_eq!(server_hash("tern:0000000000000000000000000000002a"), 42);
    }

    #[test]
    fn long_ttls_become_unix_times() {
        assert_eq!(expiry(None), 0);
        assert_eq!(expiry(Some(Duration::from_millis(10))), 1);
        assert_eq!(expiry(Some(Duration::from_secs(3600))), 3600);
        assert!(expiry(Some(Duration::from_secs(MAX_RELATIVE_TTL + 1))) > 1_700_000_000);
    }
}
