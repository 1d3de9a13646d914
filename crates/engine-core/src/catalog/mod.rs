//! Where tables come from.
//!
//! The binder asks the [`Catalog`] for a name; the catalog looks in the tables
//! registered on the engine (in-memory batches, tables made by `CREATE TABLE`,
//! registered files) and then in the [`DatasetProvider`]s plugged in (such as the
//! built-in sample datasets). A name that is none of these but looks like a path
//! (`'data/*.parquet'`) is read as a [`FileTable`]. A [`TableProvider`] hands the
//! scan operator its batches.

pub(crate) mod access;
mod files;
mod memtable;
mod scan;

pub use files::{looks_like_path, FileTable};
pub use memtable::MemTable;
pub use scan::{ColumnPredicate, Partition, PredicateOp, ScanCounters, ScanRequest, ScanStats};

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use crate::cache::{CacheConfig, CacheReport, ReadCache};
use crate::error::{Error, Result};
use crate::io::BlobStore;

/// A stream of record batches, as produced by a scan or an operator.
pub type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

/// A table the engine can scan.
///
/// ```
/// use std::sync::Arc;
/// use arrow_array::{Int64Array, RecordBatch};
/// use engine_core::catalog::{MemTable, TableProvider};
///
/// let batch = RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1, 2])) as _)]).unwrap();
/// let table = MemTable::try_new(batch.schema(), vec![batch]).unwrap();
/// assert_eq!(table.schema().fields().len(), 1);
/// let rows: usize = table.scan(None).unwrap().map(|b| b.unwrap().num_rows()).sum();
/// assert_eq!(rows, 2);
/// ```
pub trait TableProvider: Send + Sync + std::fmt::Debug {
    /// The table's columns.
    fn schema(&self) -> SchemaRef;

    /// Batches of the table, holding only the columns in `projection` (by index,
    /// in that order) when one is given.
    fn scan(&self, projection: Option<&[usize]>) -> Result<BatchIter>;

    /// Batches for a [`ScanRequest`]: its columns, skipping what its hints
    /// allow. Tables that cannot skip anything keep this default.
    fn scan_with(&self, request: &ScanRequest) -> Result<BatchIter> {
        self.scan(request.projection.as_deref())
    }

    /// Into how many parts a scan of this table can be split for parallel
    /// workers ([`ScanRequest::partition`], see [`Partition`]); 1, the
    /// default, when it cannot. A table returning more must honour
    /// `partition` in [`scan_with`](Self::scan_with).
    fn partitions(&self) -> usize {
        1
    }

    /// [`partitions`](Self::partitions) when it can be answered without
    /// reading the table's data; `None` when finding the parts reads it (a
    /// big CSV file is read through to find its line starts). EXPLAIN asks
    /// this, so that showing a plan never reads a file.
    fn partitions_without_reading(&self) -> Option<usize> {
        Some(self.partitions())
    }

    /// About how many rows the table holds, for the planner's join order
    /// (exact for in-memory tables and Parquet files, a guess from the size
    /// for text formats); `None` when unknown.
    fn estimated_rows(&self) -> Option<u64> {
        None
    }

    /// About how many distinct values column `column` holds, for the
    /// planner's join estimates (from the range of an integer column in the
    /// table's statistics); `None` when unknown.
    fn estimated_distinct(&self, _column: usize) -> Option<u64> {
        None
    }

    /// Extra names a column answers to: `(alias, real column name)` pairs.
    fn column_aliases(&self) -> &[(&'static str, &'static str)] {
        &[]
    }

    /// Appends rows, for tables that accept `INSERT`: all of `batches` or,
    /// on an error, none.
    fn insert(&self, _batches: Vec<RecordBatch>) -> Result<()> {
        Err(Error::unsupported(READ_ONLY))
    }

    /// Replaces every row, for tables that accept `UPDATE` and `DELETE`.
    fn replace(&self, _batches: Vec<RecordBatch>) -> Result<()> {
        Err(Error::unsupported(READ_ONLY))
    }

    /// What each column requires of the values written to it (none: no
    /// rules); `CREATE TABLE` gives them.
    fn column_rules(&self) -> &[ColumnRule] {
        &[]
    }

    /// The CHECK constraints rows written to it must keep (none by default).
    fn checks(&self) -> &[TableCheck] {
        &[]
    }
}

/// The refusal of a write to a table that takes none.
pub(crate) const READ_ONLY: &str = "writing to a read-only table (files, URLs and the sample \
     datasets are read-only; tables made by CREATE TABLE or registered batches are not)";

/// What a writable table requires of the rows written to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableRules {
    /// One per column (or none: no column rules).
    pub columns: Vec<ColumnRule>,
    /// PRIMARY KEY and UNIQUE column sets.
    pub keys: Vec<UniqueKey>,
    /// CHECK constraints: conditions every row written must not make false.
    pub checks: Vec<TableCheck>,
}

/// A `CHECK (condition)` of a table: a row for which the condition is false
/// is not written (NULL passes, as in SQL).
#[derive(Debug, Clone, PartialEq)]
pub struct TableCheck {
    /// The condition, over the table's columns by position.
    pub condition: crate::plan::Expr,
    /// The condition as written, for messages.
    pub text: String,
}

/// Columns whose values no two rows may share: a PRIMARY KEY (whose
/// columns are also NOT NULL) or a UNIQUE constraint (rows with a NULL in
/// the key never collide, as in SQL).
#[derive(Debug, Clone, PartialEq)]
pub struct UniqueKey {
    /// The key's columns, by position.
    pub columns: Vec<usize>,
    /// PRIMARY KEY rather than UNIQUE (for messages).
    pub primary: bool,
}

/// What a writable table's column requires of values written to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnRule {
    /// `NOT NULL`: a NULL written to it is an error.
    pub not_null: bool,
    /// `DEFAULT expr`: the value an INSERT that leaves the column out gives
    /// it (an expression over no columns, computed at each INSERT).
    pub default: Option<crate::plan::Expr>,
}

/// A named query (`CREATE VIEW name [(columns)] AS query`).
#[derive(Debug, Clone)]
pub struct View {
    /// The query, as parsed.
    pub query: sqlparser::ast::Query,
    /// Column names given after the view's name (none: the query's own).
    pub columns: Vec<String>,
}

/// A family of named tables that is plugged into an engine as a whole, such as
/// the sample datasets.
///
/// Registering a provider must cost nothing: [`names`](Self::names) is a static
/// list and [`table`](Self::table) builds a table only when a query asks for it.
pub trait DatasetProvider: Send + Sync {
    /// The names this provider answers to, as users write them (e.g. `$planets`).
    fn names(&self) -> &[&'static str];

    /// The table for `name`, which is one of [`names`](Self::names) compared
    /// case-insensitively; `None` for any other name.
    fn table(&self, name: &str) -> Option<Result<Arc<dyn TableProvider>>>;
}

/// The engine's tables: registered ones first, then dataset providers.
#[derive(Default)]
pub struct Catalog {
    tables: RwLock<HashMap<String, Arc<dyn TableProvider>>>,
    /// Views by lower-case name: the query and its column names, bound anew
    /// at each use so they see the tables as they are then.
    views: RwLock<HashMap<String, Arc<View>>>,
    providers: RwLock<Vec<Arc<dyn DatasetProvider>>>,
    /// Blob stores by URL scheme (`s3`, `https`, ...).
    stores: RwLock<HashMap<String, Arc<dyn BlobStore>>>,
    cache_config: CacheConfig,
    /// Built when the first cached file is opened, so an engine that reads no
    /// file pays nothing for caching.
    read_cache: OnceLock<Arc<ReadCache>>,
}

impl Catalog {
    /// An empty catalog whose files are read as `cache` says.
    pub(crate) fn with_cache(cache: CacheConfig) -> Self {
        Catalog {
            cache_config: cache,
            ..Catalog::default()
        }
    }

    fn read_cache(&self) -> Arc<ReadCache> {
        Arc::clone(
            self.read_cache
                .get_or_init(|| Arc::new(ReadCache::new(&self.cache_config))),
        )
    }

    /// What the cached read path has done so far (all zero before any cached
    /// file was read).
    pub fn cache_report(&self) -> CacheReport {
        self.read_cache
            .get()
            .map(|c| c.report())
            .unwrap_or_default()
    }

    /// How this catalog's files are cached.
    pub fn cache_config(&self) -> &CacheConfig {
        &self.cache_config
    }

    /// Registers (or replaces) a table under `name`; names are case-insensitive.
    pub fn register(&self, name: &str, table: Arc<dyn TableProvider>) {
        self.tables
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_lowercase(), table);
    }

    /// Stores a view (`CREATE VIEW`), replacing one of that name.
    pub fn register_view(&self, name: &str, view: View) {
        self.views
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_lowercase(), Arc::new(view));
    }

    /// The view called `name` (case-insensitive), if any.
    pub fn view(&self, name: &str) -> Option<Arc<View>> {
        self.views
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&name.to_lowercase())
            .cloned()
    }

    /// Removes a view; returns whether it existed.
    pub fn deregister_view(&self, name: &str) -> bool {
        self.views
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name.to_lowercase())
            .is_some()
    }

    /// Removes a registered table; returns whether it existed.
    pub fn deregister(&self, name: &str) -> bool {
        self.tables
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name.to_lowercase())
            .is_some()
    }

    /// Plugs in a dataset provider.
    pub fn add_provider(&self, provider: Arc<dyn DatasetProvider>) {
        self.providers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(provider);
    }

    /// Reads locations `scheme://...` from `store` (schemes are case-insensitive).
    pub fn register_store(&self, scheme: &str, store: Arc<dyn BlobStore>) {
        self.stores
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scheme.to_ascii_lowercase(), store);
    }

    /// A table over the files at `location`: a local path, glob or folder,
    /// `file://...`, or a URL of a registered store. Files of stores are read
    /// through the buffer pool and remote cache; local files only when the
    /// engine was built with `cache_local_files`.
    pub fn open_files(&self, location: &str) -> Result<FileTable> {
        self.open_files_as(location, None)
    }

    /// [`open_files`](Self::open_files), reading every file in `format`
    /// when one is given (else each file's format is its extension's).
    pub fn open_files_as(
        &self,
        location: &str,
        format: Option<crate::io::FileFormat>,
    ) -> Result<FileTable> {
        let local_cache = || {
            self.cache_config
                .cache_local_files
                .then(|| self.read_cache())
        };
        let Some((scheme, rest)) = crate::io::split_scheme(location) else {
            return FileTable::open_local(location, local_cache(), format);
        };
        if scheme.eq_ignore_ascii_case("file") {
            return FileTable::open_local(rest, local_cache(), format);
        }
        let store = self
            .stores
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&scheme.to_ascii_lowercase())
            .cloned();
        match store {
            Some(store) => FileTable::open_store(store, location, Some(self.read_cache()), format),
            None => Err(Error::unsupported(format!(
                "no storage for '{scheme}://' locations in this engine: tern reads s3://, gs://, az:// and http(s):// with its `object-store` feature, or register a BlobStore for '{scheme}'"
            ))),
        }
    }

    /// Finds a table by name (case-insensitive), or `None`.
    pub fn lookup(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let lower = name.to_lowercase();
        if let Some(t) = self
            .tables
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&lower)
        {
            return Ok(Some(Arc::clone(t)));
        }
        for p in self
            .providers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            if let Some(t) = p.table(&lower) {
                return t.map(Some);
            }
        }
        Ok(None)
    }

    /// Finds a table by name or fails with an error that suggests the closest name.
    pub fn resolve(&self, name: &str) -> Result<Arc<dyn TableProvider>> {
        self.lookup(name)?
            .ok_or_else(|| Error::unknown_table(name, self.names()))
    }

    /// Every table name known, registered and provided.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .tables
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        names.extend(
            self.views
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .keys()
                .cloned(),
        );
        for p in self
            .providers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            names.extend(p.names().iter().map(|n| n.to_string()));
        }
        names.sort();
        names
    }

    /// Builds every provided table now (see `Engine::warmup`).
    pub(crate) fn warm_providers(&self) {
        for p in self
            .providers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            for n in p.names() {
                // A dataset that cannot be built reports its error when queried.
                let _ = p.table(n);
            }
        }
    }
}
