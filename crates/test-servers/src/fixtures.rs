//! Files for the cache tests, and a store that does something mid-query.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use bytes::Bytes;
use engine_core::io::{BlobMeta, BlobStore, LocalStore};
use engine_core::Result;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// A scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tern-cache-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A Parquet file of `rows` rows (`id` 0.., `value` = id / 4, `name` =
/// 'name-' || id) in row groups of `group_rows`, uncompressed so that its size
/// follows the row count (about 30 bytes a row).
pub fn parquet_file(path: &Path, rows: i64, group_rows: usize) {
    parquet_rows(path, 0..rows, group_rows)
}

/// [`parquet_file`] with the ids `ids`.
pub fn parquet_rows(path: &Path, ids: Range<i64>, group_rows: usize) {
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .set_compression(parquet::basic::Compression::UNCOMPRESSED)
        .set_dictionary_enabled(false)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let ids: Vec<i64> = ids.collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(ids.clone())) as ArrayRef),
        (
            "value",
            Arc::new(Float64Array::from_iter_values(
                ids.iter().map(|&i| i as f64 / 4.0),
            )) as ArrayRef,
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                ids.iter().map(|i| format!("name-{i:08}")),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

type Hook = Box<dyn FnOnce() + Send>;

/// Local files under the scheme `hook://`, running a hook once, right after
/// the `at`-th range read (1-based): "kill the server in the middle of this
/// query". Every other read is passed to the local file system.
#[derive(Default)]
pub struct HookStore {
    reads: AtomicUsize,
    at: AtomicUsize,
    hook: Mutex<Option<Hook>>,
}

impl std::fmt::Debug for HookStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookStore")
            .field("reads", &self.reads)
            .finish()
    }
}

/// The `hook://` location of a local path.
pub fn hook_url(path: &Path) -> String {
    format!("hook://{}", path.display())
}

fn local(location: &str) -> &str {
    location.strip_prefix("hook://").unwrap_or(location)
}

impl HookStore {
    /// Arms `hook` to run after `at` more range reads.
    pub fn arm(&self, at: usize, hook: impl FnOnce() + Send + 'static) {
        self.at
            .store(self.reads.load(Ordering::SeqCst) + at, Ordering::SeqCst);
        *self.hook.lock().unwrap() = Some(Box::new(hook));
    }

    /// Whether the armed hook has run.
    pub fn fired(&self) -> bool {
        self.hook.lock().unwrap().is_none()
    }
}

impl BlobStore for HookStore {
    fn head(&self, location: &str) -> Result<BlobMeta> {
        let mut meta = LocalStore.head(local(location))?;
        meta.location = location.to_string();
        Ok(meta)
    }

    fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>> {
        let mut metas = LocalStore.list(local(prefix))?;
        for m in &mut metas {
            m.location = format!("hook://{}", m.location);
        }
        Ok(metas)
    }

    fn get_range(&self, location: &str, range: Range<u64>) -> Result<Bytes> {
        let bytes = LocalStore.get_range(local(location), range)?;
        let n = self.reads.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.at.load(Ordering::SeqCst) {
            if let Some(hook) = self.hook.lock().unwrap().take() {
                hook();
            }
        }
        Ok(bytes)
    }
}
