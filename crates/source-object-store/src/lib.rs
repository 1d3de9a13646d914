//! Object storage for tern: files at `s3://`, `gs://`, `az://` and `http(s)://`
//! locations, read through engine-core's blob path (so caches in front of it
//! cover them), on the [`object_store`] crate.
//!
//! [`ObjectStoreSource`] is a [`BlobStore`]: [`register`](ObjectStoreSource::register)
//! it on an engine and SQL can name remote files, globs and folders:
//!
//! ```no_run
//! use std::sync::Arc;
//! use source_object_store::ObjectStoreSource;
//!
//! let engine = engine_core::Engine::new();
//! Arc::new(ObjectStoreSource::new()).register(&engine);
//! let r = engine
//!     .query("SELECT COUNT(*) FROM 's3://my-bucket/trips/2026/*.parquet'")
//!     .unwrap();
//! ```
//!
//! Nothing connects until a query reads a remote file. Credentials and settings
//! come from the usual environment variables, read when a bucket is first used:
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION`, `AWS_ENDPOINT` (an S3-compatible server), `AWS_ALLOW_HTTP`;
//! `GOOGLE_SERVICE_ACCOUNT` / `GOOGLE_APPLICATION_CREDENTIALS`;
//! `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`, ... (everything
//! `object_store`'s builders' `from_env` read). [`with_option`](ObjectStoreSource::with_option)
//! sets one in code, overriding the environment (`aws_endpoint`, `aws_region`, ...).
//! `http(s)://` needs no credentials: the server must answer `HEAD` and `GET`.
//! A server that ignores `Range` (Python's `http.server`, many simple hosts)
//! is read with one whole `GET` per file, kept in memory (up to
//! [`WHOLE_BODY_BYTES`]) for the file's other reads. Listing (for globs and
//! folders) needs WebDAV, as `object_store`'s HTTP store does.
//!
//! Without credentials, `object_store` asks the cloud's instance-metadata
//! service (169.254.169.254) for them — what a program on a cloud VM wants.
//! Elsewhere that lookup only waits for a timeout, and in a test suite it is
//! traffic leaving the machine: `TERN_INSTANCE_METADATA=false` (or
//! `with_option("instance_metadata", "false")`) turns it off, and a bucket
//! without credentials is then an error saying which ones to set. The
//! workspace's `.cargo/config.toml` sets it for every `cargo test`.
//!
//! Calls are blocking: each runs on a small runtime this source owns, so the
//! engine stays free of async code and works inside or outside a tokio program.

mod credentials;
mod tls;

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use engine_core::io::{BlobMeta, BlobStore};
use engine_core::{Engine, Error, Result};
use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

/// The environment variable (and, as `instance_metadata`, the option) that
/// turns the credential lookup at the cloud's instance-metadata service off.
pub const INSTANCE_METADATA: &str = "TERN_INSTANCE_METADATA";

/// The URL schemes this source reads.
pub const SCHEMES: [&str; 9] = [
    "s3", "s3a", "gs", "az", "azure", "abfs", "abfss", "http", "https",
];

/// Files in object stores, as a [`BlobStore`] for every scheme in [`SCHEMES`].
#[derive(Debug, Default)]
pub struct ObjectStoreSource {
    options: Vec<(String, String)>,
    runtime: OnceLock<std::result::Result<tokio::runtime::Runtime, String>>,
    /// One client per `scheme://authority`, built on first use.
    stores: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
    /// Files read whole from servers that ignore `Range`.
    whole: Mutex<WholeBodies>,
}

/// The most bytes of whole files kept for servers that ignore `Range`
/// (the newest file is kept even when larger).
pub const WHOLE_BODY_BYTES: usize = 256 << 20;

/// Whole files from servers that answered a range request with the whole
/// file, oldest first, with the version each was read at.
#[derive(Debug, Default)]
struct WholeBodies {
    /// `scheme://authority` of servers known to ignore `Range`.
    no_ranges: std::collections::HashSet<String>,
    files: std::collections::VecDeque<(String, Option<String>, Bytes)>,
    bytes: usize,
}

impl WholeBodies {
    fn get(&self, location: &str) -> Option<Bytes> {
        self.files
            .iter()
            .find(|(l, _, _)| l == location)
            .map(|(_, _, b)| b.clone())
    }

    fn insert(&mut self, location: &str, version: Option<String>, body: Bytes) {
        self.forget(location);
        self.bytes += body.len();
        self.files.push_back((location.to_string(), version, body));
        while self.bytes > WHOLE_BODY_BYTES && self.files.len() > 1 {
            if let Some((_, _, old)) = self.files.pop_front() {
                self.bytes -= old.len();
            }
        }
    }

    fn forget(&mut self, location: &str) {
        if let Some(i) = self.files.iter().position(|(l, _, _)| l == location) {
            if let Some((_, _, old)) = self.files.remove(i) {
                self.bytes -= old.len();
            }
        }
    }

    /// Drops `location`'s body if the file has changed since it was read.
    fn check_version(&mut self, location: &str, version: &Option<String>) {
        let stale = self
            .files
            .iter()
            .any(|(l, v, _)| l == location && v != version);
        if stale {
            self.forget(location);
        }
    }
}

impl ObjectStoreSource {
    /// A source configured from the environment only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one `object_store` configuration key (such as `aws_endpoint`,
    /// `aws_allow_http`, `aws_access_key_id`, `google_service_account`,
    /// `azure_storage_account_name`), overriding the environment. Keys that do
    /// not apply to a store are ignored by it; unknown keys are an error when
    /// the store is first used.
    ///
    /// ```
    /// let source = source_object_store::ObjectStoreSource::new()
    ///     .with_option("aws_endpoint", "http://127.0.0.1:9000")
    ///     .with_option("aws_allow_http", "true");
    /// ```
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.push((key.into(), value.into()));
        self
    }

    /// Makes `engine` read every scheme in [`SCHEMES`] through this source.
    pub fn register(self: Arc<Self>, engine: &Engine) {
        for scheme in SCHEMES {
            engine.register_store(scheme, Arc::clone(&self) as Arc<dyn BlobStore>);
        }
    }

    /// Runs `f` to completion on this source's runtime, from any thread
    /// (also from inside another tokio runtime, via a helper thread).
    fn block_on<T: Send>(&self, f: impl std::future::Future<Output = T> + Send) -> Result<T> {
        let rt = self
            .runtime
            .get_or_init(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::exec(format!("cannot start the object store runtime: {e}")))?;
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(|| rt.block_on(f))
                    .join()
                    .map_err(|_| Error::exec("object store call panicked"))
            })
        } else {
            Ok(rt.block_on(f))
        }
    }

    /// The client for `url`'s bucket or host, and the object's path in it.
    fn resolve(&self, url: &str) -> Result<(Arc<dyn ObjectStore>, ObjectPath, url::Url)> {
        let parsed =
            url::Url::parse(url).map_err(|e| Error::plan(format!("bad URL '{url}': {e}")))?;
        let root = format!("{}://{}", parsed.scheme(), parsed.authority());
        let path = ObjectPath::from_url_path(parsed.path())
            .map_err(|e| Error::plan(format!("bad object path in '{url}': {e}")))?;
        let mut stores = self.stores.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = stores.get(&root) {
            return Ok((Arc::clone(s), path, parsed));
        }
        let store = self.build(&parsed, &root)?;
        stores.insert(root, Arc::clone(&store));
        Ok((store, path, parsed))
    }

    /// Whether stores may ask the instance-metadata service for credentials:
    /// the `instance_metadata` option, else `TERN_INSTANCE_METADATA`, else yes.
    fn instance_metadata_allowed(&self) -> Result<bool> {
        let set = self
            .options
            .iter()
            .rev()
            .find(|(k, _)| k == "instance_metadata")
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(INSTANCE_METADATA).ok());
        match set.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("true" | "on" | "1") => Ok(true),
            Some("false" | "off" | "0") => Ok(false),
            Some(other) => Err(Error::config(format!(
                "{INSTANCE_METADATA} (instance_metadata) is true or false, not '{other}'"
            ))),
        }
    }

    fn build(&self, url: &url::Url, root: &str) -> Result<Arc<dyn ObjectStore>> {
        use object_store::aws::AmazonS3Builder;
        use object_store::azure::MicrosoftAzureBuilder;
        use object_store::gcp::GoogleCloudStorageBuilder;
        use object_store::http::HttpBuilder;
        tls::install_provider();
        let bad = |e: object_store::Error| Error::plan(format!("cannot use '{root}': {e}"));
        // Fail fast on a dead endpoint: a query should not wait minutes for a
        // connection (object_store retries for up to 3 minutes by default).
        let mut defaults = vec![("connect_timeout", "3s"), ("timeout", "60s")];
        if url.scheme() == "http" {
            // A plain `http://` URL is itself the consent to plain HTTP (for
            // S3 and the others it is `AWS_ALLOW_HTTP` and friends).
            defaults.push(("allow_http", "true"));
        }
        let retry = object_store::RetryConfig {
            max_retries: 2,
            retry_timeout: std::time::Duration::from_secs(15),
            ..Default::default()
        };
        // The client keys (no store prefix) and the keys with `prefix`.
        let keys = |prefix: &'static str| {
            let prefixes = ["aws_", "google_", "azure_"];
            defaults
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .chain(self.options.iter().cloned())
                .filter(|(k, _)| k != "instance_metadata")
                .filter(move |(k, _)| {
                    k.starts_with(prefix) || !prefixes.iter().any(|p| k.starts_with(p))
                })
        };
        let metadata_allowed = self.instance_metadata_allowed()?;
        macro_rules! configure {
            ($builder:expr, $prefix:expr, $asks_metadata:expr, $what:expr) => {{
                let mut b = $builder.with_retry(retry.clone());
                for (k, v) in keys($prefix) {
                    let key = k
                        .parse()
                        .map_err(|e| Error::plan(format!("object store option '{k}': {e}")))?;
                    b = b.with_config(key, v);
                }
                if !metadata_allowed && $asks_metadata(&b) {
                    return Err(Error::config(format!(
                        "no credentials for '{root}': set {} (the lookup at the cloud's \
                         instance-metadata service is off: {INSTANCE_METADATA}=false)",
                        $what
                    )));
                }
                Arc::new(b.build().map_err(bad)?)
            }};
        }
        let store: Arc<dyn ObjectStore> = match url.scheme() {
            "s3" | "s3a" => configure!(
                AmazonS3Builder::from_env().with_url(url.as_str()),
                "aws_",
                credentials::s3_asks_metadata,
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or aws_skip_signature for a public bucket)"
            ),
            "gs" => configure!(
                GoogleCloudStorageBuilder::from_env().with_url(url.as_str()),
                "google_",
                credentials::gcs_asks_metadata,
                "GOOGLE_SERVICE_ACCOUNT or GOOGLE_APPLICATION_CREDENTIALS (or google_skip_signature)"
            ),
            "az" | "azure" | "abfs" | "abfss" => configure!(
                MicrosoftAzureBuilder::from_env().with_url(url.as_str()),
                "azure_",
                credentials::azure_asks_metadata,
                "AZURE_STORAGE_ACCOUNT_KEY, a SAS token or a client secret (or azure_skip_signature)"
            ),
            "http" | "https" => configure!(
                HttpBuilder::new().with_url(root),
                "http_",
                |_: &HttpBuilder| false,
                "nothing"
            ),
            other => {
                return Err(Error::unsupported(format!(
                    "'{other}://' is not an object store scheme ({})",
                    SCHEMES.join(", ")
                )))
            }
        };
        Ok(store)
    }
}

/// An `object_store` failure as the engine's I/O error on `url`.
fn io_error(url: &str, e: object_store::Error) -> Error {
    let kind = match e {
        object_store::Error::NotFound { .. } => std::io::ErrorKind::NotFound,
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. } => std::io::ErrorKind::PermissionDenied,
        _ => std::io::ErrorKind::Other,
    };
    Error::Io {
        path: url.to_string(),
        source: std::io::Error::new(kind, with_causes(&e)),
    }
}

/// `e`'s message followed by its causes' that it does not already say: the
/// HTTP client's "error sending request" alone hides why (a refused
/// certificate, a refused connection).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let said = c.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = c.source();
    }
    text
}

fn meta(url: &url::Url, m: &object_store::ObjectMeta) -> BlobMeta {
    let location = format!("{}://{}/{}", url.scheme(), url.authority(), m.location);
    BlobMeta {
        location,
        size: m.size,
        version: m.e_tag.clone().or_else(|| m.version.clone()).or_else(|| {
            Some(format!(
                "modified:{}",
                m.last_modified.timestamp_nanos_opt()?
            ))
        }),
    }
}

impl BlobStore for ObjectStoreSource {
    fn head(&self, location: &str) -> Result<BlobMeta> {
        let (store, path, url) = self.resolve(location)?;
        let m = self
            .block_on(async move { store.head(&path).await })?
            .map_err(|e| io_error(location, e))?;
        let meta = meta(&url, &m);
        // A query opens each file with a HEAD first: a whole body read
        // before the file changed is not used again.
        self.whole
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check_version(location, &meta.version);
        Ok(meta)
    }

    fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>> {
        let (store, path, url) = self.resolve(prefix)?;
        let prefix_path = (!path.as_ref().is_empty()).then_some(path);
        let mut found = self
            .block_on(async move {
                store
                    .list(prefix_path.as_ref())
                    .try_collect::<Vec<_>>()
                    .await
            })?
            .map_err(|e| io_error(prefix, e))?;
        found.sort_by(|a, b| a.location.cmp(&b.location));
        Ok(found.iter().map(|m| meta(&url, m)).collect())
    }

    fn get_range(&self, location: &str, range: Range<u64>) -> Result<Bytes> {
        let (store, path, url) = self.resolve(location)?;
        let server = format!("{}://{}", url.scheme(), url.authority());
        let lock = || self.whole.lock().unwrap_or_else(|e| e.into_inner());
        if !lock().no_ranges.contains(&server) {
            let (s, p, r) = (Arc::clone(&store), path.clone(), range.clone());
            match self.block_on(async move { s.get_range(&p, r).await })? {
                Ok(bytes) => return Ok(bytes),
                // The server sent the whole file instead of the range.
                Err(object_store::Error::NotSupported { .. }) => {
                    lock().no_ranges.insert(server);
                }
                Err(e) => return Err(io_error(location, e)),
            }
        }
        let known = lock().get(location);
        let body = match known {
            Some(body) => body,
            None => {
                let (body, version) = self
                    .block_on(async move {
                        let got = store.get(&path).await?;
                        let m = meta(&url, &got.meta);
                        Ok::<_, object_store::Error>((got.bytes().await?, m.version))
                    })?
                    .map_err(|e| io_error(location, e))?;
                lock().insert(location, version, body.clone());
                body
            }
        };
        let (start, end) = (range.start as usize, range.end as usize);
        if start > end || end > body.len() {
            return Err(Error::Io {
                path: location.to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("bytes {start}..{end} asked of a {}-byte file", body.len()),
                ),
            });
        }
        Ok(body.slice(start..end))
    }
}
