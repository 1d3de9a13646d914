//! The engine: the entry point of the library.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::{new_null_array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::cache::{BlobCache, CacheConfig, CacheReport};
use crate::catalog::{Catalog, DatasetProvider, MemTable, TableProvider};
use crate::error::{Error, Result};
use crate::exec::{collect, ExecContext, Interrupt};
use crate::physical::{compile, compile_for_explain, PhysicalPlan};
use crate::plan::{optimizer, LogicalPlan, ScalarValue};
use crate::sql::{parse, Binder, Statement};

/// What [`Engine::warmup`] runs on a scratch engine to page in the code of
/// every operator family.
const WARMUP_QUERIES: &[&str] = &[
    "CREATE TABLE w (k INTEGER, v DOUBLE, s VARCHAR, d DECIMAL(3,1)); \
     INSERT INTO w VALUES (1, 1.5, 'a', 2.5), (2, NULL, 'b', 3.0), (1, 3.0, NULL, 1.0)",
    "SELECT COUNT(*), COUNT(s), SUM(k), AVG(v), MIN(s), MAX(d) FROM w WHERE v > 1 OR s LIKE 'a%'",
    "SELECT k, COUNT(DISTINCT s), SUM(d) FROM w GROUP BY k HAVING COUNT(*) > 0 ORDER BY k DESC LIMIT 5",
    "SELECT a.k, b.s, UPPER(b.s) || 'x', CASE WHEN a.v IS NULL THEN 0 ELSE ROUND(a.v, 1) END \
     FROM w a JOIN w b ON a.k = b.k LEFT JOIN w c ON c.s = a.s ORDER BY 1",
    "SELECT * FROM w WHERE d > 2 AND v < 10.5 AND s <> 'q' AND k >= 1",
    "SELECT DISTINCT s FROM w UNION SELECT s FROM w EXCEPT SELECT 'z'",
    "SELECT k FROM w WHERE k IN (SELECT k FROM w) AND EXISTS (SELECT 1 FROM w x WHERE x.k = w.k) \
     AND CAST(k AS VARCHAR) <> '' AND k BETWEEN 0 AND 9",
];

/// Session settings, changed with `SET name = value`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `integer / integer` truncates to an integer (as in SQLite and PostgreSQL)
    /// instead of giving a float (as in DuckDB). Off by default.
    pub integer_division: bool,
    /// A statement running longer than this is stopped with
    /// [`Error::Cancelled`] (`SET statement_timeout = 5000`, milliseconds, or
    /// `'5s'`, `'2min'`; 0 turns it off, the default).
    pub statement_timeout: Option<std::time::Duration>,
    /// Whether SQL may read files and URLs it names (`FROM 'data.csv'`).
    /// On by default; tables the program registers are always readable.
    pub enable_external_access: bool,
    /// When not empty, the only folders (canonical paths) whose files SQL
    /// may read: `SET allowed_directories = '/srv/data, /tmp/in'`.
    pub allowed_directories: Vec<std::path::PathBuf>,
    /// When not empty, the only URL prefixes SQL may read:
    /// `SET allowed_urls = 's3://lake/, https://data.example.com/'`.
    pub allowed_urls: Vec<String>,
    /// Whether `http(s)://` URLs may reach loopback, private and link-local
    /// addresses (cloud metadata services among them). On by default; a
    /// service turns it off unless it lists such a URL in `allowed_urls`.
    pub allow_private_network: bool,
    /// Set by `SET lock_configuration = true`: no setting changes after.
    pub locked: bool,
    /// Whether plans go through the optimizer (`SET optimizer = false` runs
    /// them as bound: slower, the same answers; for finding planner bugs).
    pub optimizer: bool,
    /// The most memory one query may hold, in bytes
    /// (`SET memory_limit = '4GB'`; `'unlimited'`). `None`, the default, is
    /// `TERN_MEMORY_LIMIT` when set, else 80% of what the process may use:
    /// the smallest of RAM, its cgroup's limit and `RLIMIT_AS`.
    pub memory_limit: Option<usize>,
    /// Threads a query may run on (`SET threads = 4`; `'default'`). `None`,
    /// the default, is `TERN_THREADS` when set, else the CPUs the process
    /// may use. Only queries over big tables start threads.
    pub threads: Option<usize>,
    /// The rows a table needs (by its own estimate) for a scan of it to run
    /// on several threads (`SET parallel_min_rows = 100000`; default 2^18).
    pub parallel_min_rows: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            integer_division: false,
            statement_timeout: None,
            enable_external_access: true,
            allowed_directories: Vec::new(),
            allowed_urls: Vec::new(),
            allow_private_network: true,
            locked: false,
            optimizer: true,
            memory_limit: None,
            threads: None,
            parallel_min_rows: crate::exec::MIN_ROWS,
        }
    }
}

impl Settings {
    /// `plan` through the optimizer, unless `SET optimizer = false`.
    pub(crate) fn optimized(&self, plan: LogicalPlan) -> Result<LogicalPlan> {
        match self.optimizer {
            true => optimizer::optimize(plan),
            false => Ok(plan),
        }
    }

    /// How a run with these settings splits its big scans.
    fn parallelism(&self) -> crate::exec::Parallelism {
        crate::exec::Parallelism {
            threads: self.threads,
            min_rows: self.parallel_min_rows,
        }
    }
}

/// Timings and sizes of one query.
#[derive(Debug, Clone, Default)]
pub struct QueryStats {
    /// Time spent parsing the SQL.
    pub parse: Duration,
    /// Time spent binding and optimizing.
    pub plan: Duration,
    /// Time spent executing.
    pub execute: Duration,
    /// Rows in the result.
    pub rows: usize,
    /// What the scans read: files, Parquet row groups read and skipped, rows.
    pub scan: crate::catalog::ScanStats,
    /// What the buffer pool and remote cache did for this query (counted on
    /// the engine as a whole: queries running at the same time on one engine
    /// see each other's counts).
    pub cache: CacheReport,
    /// The most memory the query's operators held at once (gathered rows,
    /// hash tables, groups, the result), in bytes.
    pub peak_memory: usize,
    /// The most threads a step of the query ran on (1: it ran on the
    /// caller's thread only).
    pub threads: usize,
}

/// The answer to a query: its schema, its record batches and its statistics.
#[derive(Debug, Clone)]
pub struct QueryResult {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    stats: QueryStats,
}

impl QueryResult {
    fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let rows = batches.iter().map(|b| b.num_rows()).sum();
        QueryResult {
            schema,
            batches,
            stats: QueryStats {
                rows,
                ..Default::default()
            },
        }
    }
    fn empty() -> Self {
        QueryResult::new(Arc::new(Schema::empty()), vec![])
    }
    /// The result's columns.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }
    /// The result's rows, as record batches.
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }
    /// Takes the batches out of the result.
    pub fn into_batches(self) -> Vec<RecordBatch> {
        self.batches
    }
    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        self.stats.rows
    }
    /// How long each phase took.
    pub fn stats(&self) -> &QueryStats {
        &self.stats
    }
    /// All rows in one batch.
    pub fn concat(&self) -> Result<RecordBatch> {
        Ok(arrow_select::concat::concat_batches(
            &self.schema,
            &self.batches,
        )?)
    }

    /// Writes the result to `path` in the format its extension names (`.csv`,
    /// `.tsv`, `.json`, `.jsonl`, `.arrow`, `.parquet`), through a temporary
    /// file renamed into place: a failed write leaves no partial file there.
    ///
    /// ```
    /// let engine = engine_core::Engine::new();
    /// let r = engine.query("SELECT 1 AS one, 'a' AS letter").unwrap();
    /// let path = std::env::temp_dir().join("tern-doc-write.csv");
    /// r.write(&path).unwrap();
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), "one,letter\n1,a\n");
    /// ```
    pub fn write(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let path = path.as_ref();
        let format = crate::io::OutputFormat::from_path(path).ok_or_else(|| {
            Error::unsupported(format!(
                "cannot tell an output format from '{}' (csv, tsv, json, jsonl, arrow, parquet)",
                path.display()
            ))
        })?;
        self.write_as(path, format)
    }

    /// Writes the result to `path` in `format`, as [`write`](Self::write) does.
    pub fn write_as(
        &self,
        path: impl AsRef<std::path::Path>,
        format: crate::io::OutputFormat,
    ) -> Result<()> {
        crate::io::write_file(path.as_ref(), format, &self.schema, &self.batches)
    }

    /// Writes the result as Parquet (zstd-compressed) to `path`.
    pub fn write_parquet(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.write_as(path, crate::io::OutputFormat::Parquet)
    }

    /// Writes the result as CSV with a header row to `path`.
    pub fn write_csv(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.write_as(path, crate::io::OutputFormat::Csv)
    }

    /// Writes the result as JSON Lines (one object per row) to `path`.
    pub fn write_jsonl(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.write_as(path, crate::io::OutputFormat::Jsonl)
    }

    /// Writes the result as a JSON array of objects to `path`.
    pub fn write_json(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.write_as(path, crate::io::OutputFormat::Json)
    }

    /// Writes the result as an Arrow IPC file to `path`.
    pub fn write_arrow(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.write_as(path, crate::io::OutputFormat::Arrow)
    }
}

/// An embeddable SQL engine.
///
/// Creating one does no I/O, starts no thread and builds no table: function
/// lookup is compiled in and datasets are decoded when a query first reads them.
///
/// ```
/// use engine_core::Engine;
/// use std::sync::Arc;
/// use arrow_array::{Int64Array, RecordBatch};
///
/// let engine = Engine::new();
/// let batch = RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1, 2, 3])) as _)]).unwrap();
/// engine.register_batches("t", vec![batch]).unwrap();
/// let result = engine.query("SELECT SUM(x) AS total FROM t WHERE x > 1").unwrap();
/// assert_eq!(result.num_rows(), 1);
/// ```
#[derive(Default)]
pub struct Engine {
    catalog: Catalog,
    settings: RwLock<Settings>,
    /// Held by a statement that writes a table, from reading it to putting
    /// its new rows in place, so that two writes never overwrite each
    /// other's changes (queries take no lock: they read snapshots).
    writing: std::sync::Mutex<()>,
}

/// Builds an [`Engine`] with caching settings; [`Engine::builder`] makes one.
///
/// ```
/// use engine_core::{cache::NullCache, Engine};
///
/// let engine = Engine::builder()
///     .cache(NullCache) // a remote cache: cache_redis::RedisCache, ...
///     .buffer_pool_size(16 << 20)
///     .cache_local_files(true)
///     .build();
/// assert!(engine.catalog().cache_config().cache_local_files);
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct EngineBuilder {
    cache: CacheConfig,
}

impl EngineBuilder {
    /// Puts `cache` (Redis, Memcached, Valkey: the `cache-*` crates) between
    /// the buffer pool and the files' stores, shared by every process that
    /// uses the same server. It connects on first use.
    pub fn cache(self, cache: impl BlobCache + 'static) -> Self {
        self.shared_cache(std::sync::Arc::new(cache))
    }

    /// [`cache`](Self::cache) for a cache already behind an `Arc` (one cache
    /// shared by several engines, or chosen at run time).
    pub fn shared_cache(mut self, cache: std::sync::Arc<dyn BlobCache>) -> Self {
        self.cache.remote = Some(cache);
        self
    }

    /// Bounds the in-process buffer pool (64 MiB by default); 0 turns it off.
    pub fn buffer_pool_size(mut self, bytes: usize) -> Self {
        self.cache.buffer_pool_bytes = bytes;
        self
    }

    /// Ranges larger than `bytes` (2 MiB by default) are not written to the
    /// remote cache; they stay in the buffer pool.
    pub fn remote_cache_max_entry(mut self, bytes: usize) -> Self {
        self.cache.remote_max_entry = bytes;
        self
    }

    /// Caches local files too (off by default; useful on network file systems).
    pub fn cache_local_files(mut self, yes: bool) -> Self {
        self.cache.cache_local_files = yes;
        self
    }

    /// The engine. Like [`Engine::new`] it does no I/O: the cache connects when
    /// a query first reads a file through it.
    pub fn build(self) -> Engine {
        Engine {
            catalog: Catalog::with_cache(self.cache),
            settings: RwLock::default(),
            writing: std::sync::Mutex::new(()),
        }
    }
}

impl Engine {
    /// A new engine with no tables.
    pub fn new() -> Self {
        Engine::default()
    }

    /// An [`EngineBuilder`], to set up caching.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// What the buffer pool and remote cache have done since the engine was
    /// built.
    pub fn cache_report(&self) -> CacheReport {
        self.catalog.cache_report()
    }

    /// Runs `sql` (one statement, or several separated by `;`) and returns the
    /// result of the last.
    pub fn query(&self, sql: &str) -> Result<QueryResult> {
        self.query_inner(sql, None, None)
    }

    /// Runs `sql` with `params` bound to its parameters (`?`, `$1`,
    /// `$name`, `:name`; see [`Params`](crate::sql::Params)). The values are
    /// bound into the parsed statement, never into the text.
    ///
    /// ```
    /// use engine_core::sql::Params;
    /// let engine = engine_core::Engine::new();
    /// let r = engine
    ///     .query_params("SELECT ? + 1 AS n, $name AS s", &Params::new().push(41).set("name", "tern"))
    ///     .unwrap();
    /// assert_eq!(r.num_rows(), 1);
    /// ```
    pub fn query_params(&self, sql: &str, params: &crate::sql::Params) -> Result<QueryResult> {
        self.query_inner(sql, Some(params), None)
    }

    /// Runs `sql` as [`query`](Self::query) does; calling
    /// [`QueryHandle::cancel`](crate::QueryHandle::cancel) on `handle` (from
    /// another thread) stops it with [`Error::Cancelled`].
    pub fn query_with(&self, sql: &str, handle: &crate::QueryHandle) -> Result<QueryResult> {
        self.query_inner(sql, None, Some(handle))
    }

    /// [`query_params`](Self::query_params) that
    /// [`QueryHandle::cancel`](crate::QueryHandle::cancel) can stop, as
    /// [`query_with`](Self::query_with).
    pub fn query_params_with(
        &self,
        sql: &str,
        params: &crate::sql::Params,
        handle: &crate::QueryHandle,
    ) -> Result<QueryResult> {
        self.query_inner(sql, Some(params), Some(handle))
    }

    /// The physical plan `sql` (one query) would run with now: every choice
    /// the engine makes before running it — which filter conditions reach
    /// the scans, which side of each join is hashed, which pipelines run in
    /// parallel on how many threads. Nothing is run (though a big CSV file
    /// is read once to find where it splits, as a run would); EXPLAIN
    /// prints the same plan as text, without that read.
    ///
    /// ```
    /// use engine_core::physical::PhysicalPlan;
    /// let e = engine_core::Engine::new();
    /// e.query("CREATE TABLE t (id INTEGER)").unwrap();
    /// let plan = e.physical_plan("SELECT id FROM t ORDER BY id LIMIT 3").unwrap();
    /// assert!(matches!(plan, PhysicalPlan::Limit { fetch: Some(3), .. }));
    /// assert_eq!(
    ///     plan.explain_lines(),
    ///     ["Limit skip=0 fetch=3", "  TopK 3 [#0]", "    Projection #0", "      TableScan t"]
    /// );
    /// assert!(e.physical_plan("SET threads = 2").is_err());
    /// ```
    pub fn physical_plan(&self, sql: &str) -> Result<PhysicalPlan> {
        let statements = parse(sql)?;
        let [stmt] = statements.as_slice() else {
            return Err(Error::plan(format!(
                "physical_plan takes one query, got {} statements",
                statements.len()
            )));
        };
        let settings = self.settings();
        let Statement::Query(plan) = Binder::new(&self.catalog, &settings).bind_statement(stmt)?
        else {
            return Err(Error::plan(
                "physical_plan takes a query (SELECT, VALUES, WITH)",
            ));
        };
        compile(settings.optimized(plan)?, settings.parallelism())
    }

    fn query_inner(
        &self,
        sql: &str,
        params: Option<&crate::sql::Params>,
        handle: Option<&crate::QueryHandle>,
    ) -> Result<QueryResult> {
        let t0 = Instant::now();
        let mut statements = parse(sql)?;
        if let Some(params) = params {
            crate::sql::bind_params(&mut statements, params)?;
        }
        let parse_time = t0.elapsed();
        if statements.is_empty() {
            return Err(Error::Syntax {
                message: "no statement to run".into(),
                line: 0,
                column: 0,
            });
        }
        let mut last = QueryResult::empty();
        for stmt in &statements {
            let t1 = Instant::now();
            // Binding opens files (their schemas), so count from here.
            let cache_before = self.catalog.cache_report();
            let settings = self.settings();
            let bound = Binder::new(&self.catalog, &settings).bind_statement(stmt)?;
            // Every plan a statement runs goes through the optimizer.
            let optimize = |plan| settings.optimized(plan);
            let bound = match bound {
                Statement::Query(plan) => Statement::Query(optimize(plan)?),
                Statement::CreateTable {
                    name,
                    schema,
                    rules,
                    source,
                    if_not_exists,
                    or_replace,
                } => Statement::CreateTable {
                    name,
                    schema,
                    rules,
                    source: source.map(optimize).transpose()?,
                    if_not_exists,
                    or_replace,
                },
                Statement::Change {
                    table,
                    rows,
                    delete,
                } => Statement::Change {
                    table,
                    rows: optimize(rows)?,
                    delete,
                },
                Statement::Copy { plan, path, format } => Statement::Copy {
                    plan: optimize(plan)?,
                    path,
                    format,
                },
                Statement::Insert {
                    table,
                    mapping,
                    source,
                } => Statement::Insert {
                    table,
                    mapping,
                    source: optimize(source)?,
                },
                other => other,
            };
            let plan_time = t1.elapsed();
            let t2 = Instant::now();
            let interrupt = Interrupt::new(handle, settings.statement_timeout);
            let mut result = self.run(bound, interrupt, &settings)?;
            result.stats.cache = self.catalog.cache_report().since(&cache_before);
            result.stats.parse = parse_time;
            result.stats.plan = plan_time;
            result.stats.execute = t2.elapsed();
            last = result;
        }
        Ok(last)
    }

    fn run(
        &self,
        stmt: Statement,
        interrupt: Interrupt,
        settings: &Settings,
    ) -> Result<QueryResult> {
        let parallelism = settings.parallelism();
        let context = || ExecContext::new(interrupt, settings.memory_limit, parallelism);
        match stmt {
            Statement::Query(plan) => {
                let ctx = context()?;
                let plan = compile(plan, parallelism)?;
                let batches = collect(&plan, &ctx)?;
                let schema = batches
                    .first()
                    .map(|b| b.schema())
                    .unwrap_or_else(|| plan.schema().to_arrow());
                let mut result = QueryResult::new(schema, batches);
                result.stats.scan = ctx.scan_counters().snapshot();
                result.stats.peak_memory = ctx.peak_memory();
                result.stats.threads = ctx.threads_used();
                Ok(result)
            }
            Statement::ExplainAnalyze(plan) => {
                let ctx = context()?.profiled();
                let start = Instant::now();
                let plan = compile(plan, parallelism)?;
                let rows: usize = collect(&plan, &ctx)?.iter().map(|b| b.num_rows()).sum();
                let elapsed = start.elapsed();
                let mut lines = match ctx.profile() {
                    Some(p) => p.annotate(&plan),
                    None => plan.explain_lines(),
                };
                lines.push(format!(
                    "total: {rows} rows in {:.3} ms, peak memory {}, {} thread{}",
                    elapsed.as_secs_f64() * 1000.0,
                    crate::exec::format_size(ctx.peak_memory()),
                    ctx.threads_used(),
                    if ctx.threads_used() == 1 { "" } else { "s" }
                ));
                let batch = RecordBatch::try_from_iter([(
                    "plan",
                    Arc::new(StringArray::from(lines)) as ArrayRef,
                )])?;
                Ok(QueryResult::new(batch.schema(), vec![batch]))
            }
            Statement::Explain(plan) => {
                let mut lines = vec!["Logical plan:".to_string()];
                lines.extend(plan.explain_lines().into_iter().map(|l| format!("  {l}")));
                lines.push("Physical plan:".into());
                let physical = compile_for_explain(plan, parallelism)?;
                lines.extend(
                    physical
                        .explain_lines()
                        .into_iter()
                        .map(|l| format!("  {l}")),
                );
                let batch = RecordBatch::try_from_iter([(
                    "plan",
                    Arc::new(StringArray::from(lines)) as ArrayRef,
                )])?;
                Ok(QueryResult::new(batch.schema(), vec![batch]))
            }
            Statement::Describe(schema) => {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                let types: Vec<String> = schema
                    .fields()
                    .iter()
                    .map(|f| crate::types::type_name(f.data_type()))
                    .collect();
                let nulls: Vec<&str> = schema
                    .fields()
                    .iter()
                    .map(|f| if f.is_nullable() { "YES" } else { "NO" })
                    .collect();
                let batch = RecordBatch::try_from_iter([
                    (
                        "column_name",
                        Arc::new(StringArray::from(names)) as ArrayRef,
                    ),
                    (
                        "column_type",
                        Arc::new(StringArray::from(types)) as ArrayRef,
                    ),
                    ("null", Arc::new(StringArray::from(nulls)) as ArrayRef),
                ])?;
                Ok(QueryResult::new(batch.schema(), vec![batch]))
            }
            Statement::Set { name, value } => {
                let mut s = self.settings.write().unwrap_or_else(|e| e.into_inner());
                if s.locked {
                    return Err(Error::Denied(format!(
                        "SET {name}: the configuration is locked (lock_configuration)"
                    )));
                }
                match name.as_str() {
                    "integer_division" => s.integer_division = setting_bool(&name, &value)?,
                    "statement_timeout" => s.statement_timeout = setting_duration(&name, &value)?,
                    "enable_external_access" => {
                        s.enable_external_access = setting_bool(&name, &value)?
                    }
                    "allowed_directories" => {
                        s.allowed_directories = setting_list(&value)
                            .iter()
                            .map(|d| {
                                std::fs::canonicalize(d).map_err(|e| {
                                    Error::plan(format!("SET {name}: folder '{d}': {e}"))
                                })
                            })
                            .collect::<Result<_>>()?
                    }
                    "allowed_urls" => s.allowed_urls = setting_list(&value),
                    "allow_private_network" => {
                        s.allow_private_network = setting_bool(&name, &value)?
                    }
                    "lock_configuration" => s.locked = setting_bool(&name, &value)?,
                    "optimizer" => s.optimizer = setting_bool(&name, &value)?,
                    "memory_limit" => s.memory_limit = setting_size(&name, &value)?,
                    "threads" => s.threads = setting_threads(&name, &value)?,
                    "parallel_min_rows" => s.parallel_min_rows = setting_rows(&name, &value)?,
                    other => {
                        return Err(Error::UnknownName {
                            kind: "setting",
                            name: other.to_string(),
                            suggestion: crate::util::closest(other, SETTINGS.map(String::from)),
                            location: None,
                        })
                    }
                }
                Ok(QueryResult::empty())
            }
            Statement::CreateTable {
                name,
                schema,
                rules,
                source,
                if_not_exists,
                or_replace,
            } => {
                if self.catalog.lookup(&name)?.is_some() && !or_replace {
                    if if_not_exists {
                        return Ok(QueryResult::empty());
                    }
                    return Err(Error::plan(format!("table '{name}' already exists")));
                }
                let table =
                    Arc::new(MemTable::try_new(Arc::clone(&schema), vec![])?.with_rules(rules));
                if let Some(plan) = source {
                    let mapping: Vec<Option<usize>> =
                        (0..schema.fields().len()).map(Some).collect();
                    let ctx = context()?;
                    let batches = collect(&compile(plan, parallelism)?, &ctx)?;
                    table.insert(conform_all(batches, table.as_ref(), &mapping, &ctx)?)?;
                }
                self.catalog.register(&name, table);
                Ok(QueryResult::empty())
            }
            Statement::Insert {
                table,
                mapping,
                source,
            } => {
                let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
                let ctx = context()?;
                let batches = collect(&compile(source, parallelism)?, &ctx)?;
                let count = batches.iter().map(|b| b.num_rows() as i64).sum();
                // Every batch is checked before any is added: a failing
                // INSERT leaves the table as it was.
                let rows = conform_all(batches, table.as_ref(), &mapping, &ctx)?;
                table.insert(rows)?;
                Ok(count_result(count))
            }
            Statement::Change {
                table,
                rows,
                delete,
            } => {
                let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
                let schema = table.schema();
                let n = schema.fields().len();
                let columns: Vec<usize> = (0..n).collect();
                let mapping: Vec<Option<usize>> = (0..n).map(Some).collect();
                let mut count = 0;
                let mut kept = Vec::new();
                let ctx = context()?;
                for b in collect(&compile(rows, parallelism)?, &ctx)? {
                    let hit = b.column(n).as_boolean().clone();
                    count += hit.true_count() as i64;
                    let mut b = b.project(&columns)?;
                    if delete {
                        let keep = arrow_arith::boolean::not(&hit)?;
                        b = arrow_select::filter::filter_record_batch(&b, &keep)?;
                    }
                    kept.push(b);
                }
                table.replace(conform_all(kept, table.as_ref(), &mapping, &ctx)?)?;
                Ok(count_result(count))
            }
            Statement::Copy { plan, path, format } => {
                let plan = compile(plan, parallelism)?;
                let batches = collect(&plan, &context()?)?;
                let schema = plan.schema().to_arrow();
                crate::io::write_file(path.as_ref(), format, &schema, &batches)?;
                Ok(count_result(
                    batches.iter().map(|b| b.num_rows() as i64).sum(),
                ))
            }
            Statement::CreateView {
                name,
                view,
                or_replace,
                if_not_exists,
            } => {
                let exists_as_view = self.catalog.view(&name).is_some();
                if self.catalog.lookup(&name)?.is_some() {
                    return Err(Error::plan(format!(
                        "'{name}' is a table; a view needs a name of its own"
                    )));
                }
                if exists_as_view && !or_replace {
                    if if_not_exists {
                        return Ok(QueryResult::empty());
                    }
                    return Err(Error::plan(format!("view '{name}' already exists")));
                }
                self.catalog.register_view(&name, *view);
                Ok(QueryResult::empty())
            }
            Statement::DropView { names, if_exists } => {
                for n in names {
                    if !self.catalog.deregister_view(&n) && !if_exists {
                        return Err(Error::plan(format!("no view named '{n}'")));
                    }
                }
                Ok(QueryResult::empty())
            }
            Statement::DropTable { names, if_exists } => {
                for n in names {
                    if !self.catalog.deregister(&n) && !if_exists {
                        return Err(Error::unknown_table(&n, self.catalog.names()));
                    }
                }
                Ok(QueryResult::empty())
            }
            Statement::Accepted(_) => Ok(QueryResult::empty()),
        }
    }

    /// Makes `batches` queryable as table `name` (case-insensitive), replacing
    /// any table of that name. All batches must share one schema.
    pub fn register_batches(&self, name: &str, batches: Vec<RecordBatch>) -> Result<()> {
        let schema = batches.first().map(|b| b.schema()).ok_or_else(|| {
            Error::plan(
                "register_batches needs at least one batch (for an empty table use register_table)",
            )
        })?;
        self.register_table(name, Arc::new(MemTable::try_new(schema, batches)?));
        Ok(())
    }

    /// Makes a file, a glob (`data/*.parquet`) or a folder queryable as table
    /// `name`. The files' schemas are read now; their rows at each query.
    ///
    /// ```no_run
    /// let engine = engine_core::Engine::new();
    /// engine.register_file("trips", "data/trips/*.parquet").unwrap();
    /// ```
    pub fn register_file(&self, name: &str, location: &str) -> Result<()> {
        let table = self.catalog.open_files(location)?;
        self.register_table(name, Arc::new(table));
        Ok(())
    }

    /// Reads files named `scheme://...` (in SQL and in
    /// [`register_file`](Self::register_file)) from `store`. The
    /// `source-object-store` crate registers `s3`, `gs`, `az`, `http` and
    /// `https` this way.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use engine_core::{io::BlobStore, Engine};
    ///
    /// fn plug_in(engine: &Engine, s3: Arc<dyn BlobStore>) {
    ///     engine.register_store("s3", s3);
    /// }
    /// ```
    pub fn register_store(&self, scheme: &str, store: Arc<dyn crate::io::BlobStore>) {
        self.catalog.register_store(scheme, store);
    }

    /// Makes any [`TableProvider`] queryable as table `name`.
    pub fn register_table(&self, name: &str, table: Arc<dyn TableProvider>) {
        self.catalog.register(name, table);
    }

    /// Plugs in a family of datasets (such as tern's sample datasets). Costs
    /// nothing until a query reads one of them.
    pub fn register_datasets(&self, provider: Arc<dyn DatasetProvider>) {
        self.catalog.add_provider(provider);
    }

    /// Builds now what is otherwise built on first use, so that the first real
    /// query runs at warm speed:
    ///
    /// - decodes every dataset of the registered providers (the sample datasets:
    ///   about 1 ms);
    /// - runs a handful of queries on a scratch engine with a tiny table, through
    ///   every operator family (filter, aggregate, join, sort, distinct, set
    ///   operations, subqueries), so that their code is paged in. The scratch
    ///   engine is dropped; this engine's tables are untouched.
    ///
    /// A long-running process (a server, a notebook) calls it once at start-up.
    /// A process that answers one query and exits should not: it would decode
    /// datasets it never reads. Figures: docs/performance.md.
    ///
    /// ```
    /// let engine = engine_core::Engine::new();
    /// engine.warmup();
    /// assert_eq!(engine.catalog().names().len(), 0);
    /// ```
    pub fn warmup(&self) {
        self.catalog.warm_providers();
        let scratch = Engine::new();
        for sql in WARMUP_QUERIES {
            // Failures here only mean less was warmed; a real query reports its own.
            let _ = scratch.query(sql);
        }
    }

    /// The engine's tables.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The current session settings.
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The names `SET` knows.
const SETTINGS: [&str; 11] = [
    "optimizer",
    "threads",
    "parallel_min_rows",
    "memory_limit",
    "integer_division",
    "statement_timeout",
    "enable_external_access",
    "allowed_directories",
    "allowed_urls",
    "allow_private_network",
    "lock_configuration",
];

/// A memory size setting (`'4GB'`, `'512MiB'`, a number of bytes,
/// `'unlimited'`; `'default'` goes back to the process default).
fn setting_size(name: &str, v: &ScalarValue) -> Result<Option<usize>> {
    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
    if text.trim().eq_ignore_ascii_case("default") {
        return Ok(None);
    }
    crate::exec::parse_size(&text)
        .map(|l| Some(l.unwrap_or(usize::MAX)))
        .map_err(|e| Error::plan(format!("SET {name}: {e}")))
}

/// A thread count setting: a positive number, or `'default'`.
fn setting_threads(name: &str, v: &ScalarValue) -> Result<Option<usize>> {
    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
    if text.trim().eq_ignore_ascii_case("default") {
        return Ok(None);
    }
    crate::exec::parse_threads(&text)
        .map(Some)
        .map_err(|e| Error::plan(format!("SET {name}: {e}")))
}

/// A row count setting: a number, or `'default'` (the engine's default).
fn setting_rows(name: &str, v: &ScalarValue) -> Result<u64> {
    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
    if text.trim().eq_ignore_ascii_case("default") {
        return Ok(crate::exec::MIN_ROWS);
    }
    text.trim()
        .parse::<u64>()
        .map_err(|_| Error::plan(format!("SET {name}: '{text}' is not a number of rows")))
}

/// A list setting: comma-separated entries in a string (empty: none).
fn setting_list(v: &ScalarValue) -> Vec<String> {
    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A duration setting: a number of milliseconds (as in PostgreSQL) or a
/// string with a unit (`'5s'`, `'500ms'`, `'2min'`, `'1h'`); 0 is off.
fn setting_duration(name: &str, v: &ScalarValue) -> Result<Option<std::time::Duration>> {
    let bad = || {
        Error::plan(format!(
            "SET {name} takes milliseconds or a duration such as '5s', got {v}"
        ))
    };
    let ms = match v.as_i64() {
        Some(n) if v.as_str().is_none() => n,
        _ => {
            let text = v.to_string().trim_matches('\'').trim().to_lowercase();
            let split = text
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(text.len());
            let (digits, unit) = text.split_at(split);
            let n: i64 = digits.parse().map_err(|_| bad())?;
            let scale = match unit.trim() {
                "" | "ms" => 1,
                "s" | "sec" | "second" | "seconds" => 1_000,
                "min" | "minute" | "minutes" => 60_000,
                "h" | "hour" | "hours" => 3_600_000,
                _ => return Err(bad()),
            };
            n.checked_mul(scale).ok_or_else(bad)?
        }
    };
    match ms {
        0 => Ok(None),
        n if n > 0 => Ok(Some(std::time::Duration::from_millis(n as u64))),
        _ => Err(bad()),
    }
}

fn setting_bool(name: &str, v: &ScalarValue) -> Result<bool> {
    if v.data_type() == &DataType::Boolean {
        if let Some(b) = arrow_array::cast::AsArray::as_boolean_opt(v.array()) {
            return Ok(b.value(0));
        }
    }
    let text = v.to_string().trim_matches('\'').to_lowercase();
    match text.as_str() {
        "true" | "on" | "1" | "yes" => Ok(true),
        "false" | "off" | "0" | "no" => Ok(false),
        _ => Err(Error::plan(format!(
            "SET {name} takes true or false, got {v}"
        ))),
    }
}

/// A source batch rearranged and cast to a table's columns.
/// A one-row result of how many rows a statement wrote.
fn count_result(count: i64) -> QueryResult {
    let column: ArrayRef = Arc::new(Int64Array::from(vec![count]));
    let schema = Arc::new(arrow_schema::Schema::new(vec![Field::new(
        "count",
        DataType::Int64,
        false,
    )]));
    match RecordBatch::try_new(Arc::clone(&schema), vec![column]) {
        Ok(batch) => QueryResult::new(schema, vec![batch]),
        Err(_) => QueryResult::empty(),
    }
}

/// `batches` made into rows of `table` (see [`conform`]), its NOT NULL
/// columns and CHECK constraints kept.
fn conform_all(
    batches: Vec<RecordBatch>,
    table: &dyn crate::catalog::TableProvider,
    mapping: &[Option<usize>],
    ctx: &ExecContext,
) -> Result<Vec<RecordBatch>> {
    let schema = table.schema();
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let b = conform(&b, &schema, mapping)?;
        for (i, rule) in table.column_rules().iter().enumerate() {
            if rule.not_null && b.column(i).null_count() > 0 {
                return Err(Error::Constraint(format!(
                    "column '{}' is NOT NULL, and a NULL was written to it",
                    schema.field(i).name()
                )));
            }
        }
        for check in table.checks() {
            let holds = crate::exec::evaluate(&check.condition, &b, ctx)?;
            let holds = holds.as_boolean();
            // NULL passes: only a false condition stops the write.
            if (0..holds.len()).any(|i| arrow_array::Array::is_valid(holds, i) && !holds.value(i)) {
                return Err(Error::Constraint(format!(
                    "CHECK ({}) is false for a row written",
                    check.text
                )));
            }
        }
        out.push(b);
    }
    Ok(out)
}

fn conform(b: &RecordBatch, schema: &SchemaRef, mapping: &[Option<usize>]) -> Result<RecordBatch> {
    let columns = schema
        .fields()
        .iter()
        .zip(mapping)
        .map(|(f, m): (&Arc<Field>, &Option<usize>)| match m {
            Some(i) => {
                crate::exec::cast::cast_values(b.column(*i), f.data_type(), false).map_err(|e| {
                    Error::type_error(format!(
                        "value for column '{}' does not fit {}: {e}",
                        f.name(),
                        crate::types::type_name(f.data_type())
                    ))
                })
            }
            None => Ok(new_null_array(f.data_type(), b.num_rows())),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new_with_options(
        Arc::clone(schema),
        columns,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
    )?)
}
