//! `tern.Connection`: one engine, its tables and its cache settings.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tern::cache::BlobCache;

use crate::arrow::{at_least_one, import};
use crate::cursor::Cursor;
use crate::errors::{to_py, NotSupportedError, ProgrammingError};
use crate::result::QueryResult;
use crate::{interrupt, params};

/// A connection: its own engine, with its own tables, settings and caches.
/// Safe to share between threads (queries run in parallel, without the GIL).
///
/// >>> import tern
/// >>> con = tern.connect()
/// >>> _ = con.query("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, name)")
/// >>> con.query("SELECT name FROM t WHERE id = ?", [2]).fetchall()
/// [('b',)]
#[pyclass(module = "tern", frozen)]
pub struct Connection {
    setup: Mutex<Setup>,
    /// The handles of the queries running now, for `interrupt()`.
    running: Mutex<Vec<tern::QueryHandle>>,
}

#[derive(Default)]
struct Setup {
    /// Built on first use, so that `cache()` can still choose its cache.
    engine: Option<Arc<tern::Engine>>,
    cache: Option<Arc<dyn BlobCache>>,
    cache_local_files: bool,
    closed: bool,
}

impl Connection {
    pub fn new() -> Self {
        Connection {
            setup: Mutex::new(Setup::default()),
            running: Mutex::new(Vec::new()),
        }
    }

    fn setup(&self) -> std::sync::MutexGuard<'_, Setup> {
        // A panic cannot happen while it is held; recover the data anyway.
        self.setup.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The engine, built now if this is its first use.
    pub fn engine(&self) -> PyResult<Arc<tern::Engine>> {
        let mut setup = self.setup();
        if setup.closed {
            return Err(ProgrammingError::new_err("the connection is closed"));
        }
        let (cache, local_files) = (setup.cache.clone(), setup.cache_local_files);
        let engine = setup.engine.get_or_insert_with(|| {
            let mut builder = tern::Engine::builder().cache_local_files(local_files);
            if let Some(cache) = cache {
                builder = builder.shared_cache(cache);
            }
            Arc::new(builder.build())
        });
        Ok(Arc::clone(engine))
    }

    /// Runs `sql` with `params`, without the GIL; Ctrl-C cancels it.
    pub fn run(
        &self,
        py: Python<'_>,
        sql: &str,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<QueryResult> {
        let engine = self.engine()?;
        let params = params::from_py(params)?;
        let handle = tern::QueryHandle::new();
        self.running().push(handle.clone());
        let result = interrupt::run(py, &handle, |handle| match &params {
            Some(p) => engine.query_params_with(sql, p, handle),
            None => engine.query_with(sql, handle),
        });
        let flag = handle.flag();
        self.running().retain(|h| !Arc::ptr_eq(&h.flag(), &flag));
        result?.map(QueryResult::new).map_err(|e| to_py(py, e))
    }

    fn running(&self) -> std::sync::MutexGuard<'_, Vec<tern::QueryHandle>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl Connection {
    #[new]
    fn py_new() -> Self {
        Connection::new()
    }

    /// Runs `sql` (one statement, or several separated by `;`: the last one's
    /// answer is returned) and returns its Result.
    ///
    /// `params` binds the SQL's parameters, never by splicing text: a
    /// sequence for `?` (in order) and `$1`, `$2`; a dict for `$name` and
    /// `:name`. Values: None, bool, int, float, str, bytes, decimal.Decimal,
    /// datetime.date, datetime.datetime.
    ///
    /// Raises a subclass of tern.Error with the engine's message (and
    /// `line` / `column` for mistakes in the SQL). Ctrl-C stops the query
    /// and raises KeyboardInterrupt.
    #[pyo3(signature = (sql, params=None))]
    fn query(
        &self,
        py: Python<'_>,
        sql: &str,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<QueryResult> {
        self.run(py, sql, params)
    }

    /// DB-API: a new Cursor, runs `sql` on it and returns it.
    #[pyo3(signature = (sql, params=None))]
    fn execute(
        slf: &Bound<'_, Self>,
        sql: &str,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Cursor> {
        let mut cursor = Cursor::new(slf.clone().unbind());
        cursor.run(slf.py(), sql, params)?;
        Ok(cursor)
    }

    /// DB-API: a new Cursor on this connection.
    fn cursor(slf: &Bound<'_, Self>) -> Cursor {
        Cursor::new(slf.clone().unbind())
    }

    /// Names `data` as the table `name`: a pyarrow Table or RecordBatchReader,
    /// a pandas or polars DataFrame, or any object with `__arrow_c_stream__`.
    /// Arrow buffers are shared, not copied (a pandas frame is converted
    /// through pyarrow first). The table keeps the data as it is now.
    fn register(&self, py: Python<'_>, name: &str, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let engine = self.engine()?;
        let (schema, batches) = import(data)?;
        engine
            .register_batches(name, at_least_one(schema, batches))
            .map_err(|e| to_py(py, e))
    }

    /// Names a file, glob, folder or URL as the table `name`
    /// (`con.register_file("trips", "data/*.parquet")`).
    fn register_file(&self, py: Python<'_>, name: &str, path: &str) -> PyResult<()> {
        self.engine()?
            .register_file(name, path)
            .map_err(|e| to_py(py, e))
    }

    /// Shares a cache of file blocks with other processes: `redis://host:6379`
    /// (several, comma-separated: a cluster), `valkey://host:6379` or
    /// `memcached://host:11211`. Entries are signed with the secret in
    /// TERN_CACHE_KEY (docs/caching.md). `local_files=True` caches local
    /// files too (for network file systems). Set it before the connection's
    /// first query; returns the connection.
    #[pyo3(signature = (url, local_files=false))]
    fn cache<'py>(
        slf: &Bound<'py, Self>,
        url: &str,
        local_files: bool,
    ) -> PyResult<Bound<'py, Self>> {
        let mut setup = slf.get().setup();
        if setup.closed {
            return Err(ProgrammingError::new_err("the connection is closed"));
        }
        if setup.engine.is_some() {
            return Err(ProgrammingError::new_err(
                "set the cache before the connection's first query or registration \
                 (or make a new connection: tern.connect().cache(url))",
            ));
        }
        let cache = tern::remote_cache::from_url(url).map_err(|e| to_py(slf.py(), e))?;
        setup.cache = Some(cache);
        setup.cache_local_files = local_files;
        Ok(slf.clone())
    }

    /// What the buffer pool and the remote cache have done: a dict of
    /// counts (`bufferpool` and `remote`: hits, misses, sets, errors, ...;
    /// `origin_reads`, `origin_bytes`).
    fn cache_report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = self.engine()?.cache_report();
        let stats = |s: &tern::cache::CacheStats| -> PyResult<Bound<'py, PyDict>> {
            let d = PyDict::new(py);
            for (k, v) in [
                ("hits", s.hits),
                ("misses", s.misses),
                ("skips", s.skips),
                ("errors", s.errors),
                ("sets", s.sets),
                ("rejected", s.rejected),
                ("invalid", s.invalid),
                ("evictions", s.evictions),
                ("bytes_read", s.bytes_read),
                ("bytes_written", s.bytes_written),
            ] {
                d.set_item(k, v)?;
            }
            Ok(d)
        };
        let d = PyDict::new(py);
        d.set_item("bufferpool", stats(&r.bufferpool)?)?;
        d.set_item("remote_name", r.remote_name)?;
        d.set_item("remote", stats(&r.remote)?)?;
        d.set_item("origin_reads", r.origin_reads)?;
        d.set_item("origin_bytes", r.origin_bytes)?;
        Ok(d)
    }

    /// Stops the queries running on this connection now (from another
    /// thread): they raise OperationalError. Later queries run as usual.
    fn interrupt(&self) {
        for handle in self.running().iter() {
            handle.cancel();
        }
    }

    /// DB-API: tern writes as it goes (each statement is its own
    /// transaction), so there is nothing to commit.
    fn commit(&self) -> PyResult<()> {
        self.engine().map(|_| ())
    }

    /// DB-API: tern has no transactions to roll back.
    fn rollback(&self) -> PyResult<()> {
        Err(NotSupportedError::new_err(
            "tern has no transactions: each statement takes effect when it ends",
        ))
    }

    /// Closes the connection: its tables go, and using it raises
    /// ProgrammingError.
    fn close(&self) {
        let mut setup = self.setup();
        setup.closed = true;
        setup.engine = None;
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.close();
    }

    fn __repr__(&self) -> &'static str {
        match self.setup().closed {
            true => "<tern.Connection (closed)>",
            false => "<tern.Connection>",
        }
    }
}
