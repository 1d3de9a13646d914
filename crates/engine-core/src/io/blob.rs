//! Where a file's bytes come from: the one read path of every file a query reads.
//!
//! A [`BlobStore`] is a place files live: the local file system
//! ([`LocalStore`]) or an object store that another crate plugs in for its URL
//! schemes (`s3://`, `gs://`, `az://`, `http(s)://`: the `source-object-store`
//! crate), so engine-core itself holds no network code. A [`Blob`] is one file
//! of a store with its identity (location, size, version). The format readers
//! never touch a store: every byte they see comes from [`Blob::read_range`],
//! through a [`BlobReader`] (`Read`, `BufRead`, `Seek`) or Parquet's
//! `ChunkReader`. That one function is where caches go: a blob opened with a
//! [`ReadCache`] asks it (buffer pool, then remote cache) before its store.

use std::fmt;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use crate::cache::ReadCache;
use crate::catalog::ScanCounters;
use crate::error::{Error, Result};

thread_local! {
    /// Where this thread's reads are counted: set by a scan while it pulls
    /// a batch, so every reader below it (Parquet, CSV, JSON, Arrow, through
    /// any cache or store) is counted without being told.
    static READ_COUNTER: std::cell::RefCell<Option<Arc<ScanCounters>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with the bytes [`Blob::read_range`] returns on this thread
/// counted in `counters` (for a query's progress and statistics).
pub(crate) fn counting_reads<R>(counters: &Arc<ScanCounters>, f: impl FnOnce() -> R) -> R {
    // The counters of an enclosing scan, restored even when `f` unwinds (a
    // reader's panic is caught further up).
    struct Restore(Option<Arc<ScanCounters>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            READ_COUNTER.with(|c| *c.borrow_mut() = outer);
        }
    }
    let _restore = Restore(READ_COUNTER.with(|c| c.replace(Some(Arc::clone(counters)))));
    f()
}

/// A file's identity: where it is, how long it is, and which version of it.
///
/// `version` (an ETag, or a local file's modification time) tells two contents
/// of the same location apart, so that cached bytes of a changed file are never
/// used.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobMeta {
    /// The location as the store names it: a path, or a URL such as `s3://bucket/key`.
    pub location: String,
    /// Length in bytes.
    pub size: u64,
    /// ETag or modification time, when the store knows one.
    pub version: Option<String>,
}

/// A place files live, such as the local file system or an object store.
///
/// Implementations do blocking I/O (an object store runs its own runtime
/// inside) and report failures as [`Error::Io`] naming the location.
///
/// ```
/// use engine_core::io::{BlobStore, LocalStore};
///
/// let dir = std::env::temp_dir().join("tern-blobstore-doc");
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("hello.csv");
/// std::fs::write(&path, "a,b\n1,2\n").unwrap();
/// let store = LocalStore;
/// let meta = store.head(path.to_str().unwrap()).unwrap();
/// assert_eq!(meta.size, 8);
/// assert_eq!(&store.get_range(&meta.location, 0..3).unwrap()[..], b"a,b");
/// ```
pub trait BlobStore: Send + Sync + fmt::Debug {
    /// The identity of the file at `location`.
    fn head(&self, location: &str) -> Result<BlobMeta>;

    /// Every file whose location starts with `prefix` (recursively), sorted by
    /// location.
    fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>>;

    /// Bytes `range` of the file at `location`.
    fn get_range(&self, location: &str, range: Range<u64>) -> Result<Bytes>;
}

/// The local file system; locations are paths.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalStore;

fn io_error(location: &str, source: io::Error) -> Error {
    Error::Io {
        path: location.to_string(),
        source,
    }
}

impl BlobStore for LocalStore {
    fn head(&self, location: &str) -> Result<BlobMeta> {
        let meta = std::fs::metadata(location).map_err(|e| io_error(location, e))?;
        if meta.is_dir() {
            return Err(io_error(
                location,
                io::Error::other("is a folder, not a file"),
            ));
        }
        let version = meta.modified().ok().and_then(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| format!("mtime:{}.{:09}", d.as_secs(), d.subsec_nanos()))
        });
        Ok(BlobMeta {
            location: location.to_string(),
            size: meta.len(),
            version,
        })
    }

    fn list(&self, prefix: &str) -> Result<Vec<BlobMeta>> {
        let mut out = Vec::new();
        walk(Path::new(prefix), &mut out, MAX_WALK_ENTRIES).map_err(|e| io_error(prefix, e))?;
        out.sort();
        out.into_iter().map(|p| self.head(&p)).collect()
    }

    fn get_range(&self, location: &str, range: Range<u64>) -> Result<Bytes> {
        let mut file = std::fs::File::open(location).map_err(|e| io_error(location, e))?;
        let len = usize::try_from(range.end.saturating_sub(range.start))
            .map_err(|_| io_error(location, io::Error::other("range too large")))?;
        // One read into a buffer used again (see `buffers`).
        file.seek(SeekFrom::Start(range.start))
            .and_then(|_| super::buffers::read_pooled(&mut file, len))
            .map_err(|e| match e.kind() {
                io::ErrorKind::UnexpectedEof => io_error(
                    location,
                    io::Error::new(io::ErrorKind::UnexpectedEof, "file ended before the range"),
                ),
                _ => io_error(location, e),
            })
    }
}

/// The most entries (files and folders) one folder walk or glob visits:
/// `'/**/*.csv'` would otherwise walk the whole disk.
pub const MAX_WALK_ENTRIES: usize = 100_000;

/// Files below `dir`, skipping hidden ones (`.x`, `_x`) as Hive-style layouts
/// do. A link to a folder is not followed (a link to its own parent would
/// loop for ever, one elsewhere would leave the folder named); a link to a
/// file is read. The walk uses a list, not recursion, and stops with an
/// error after `cap` entries.
fn walk(dir: &Path, out: &mut Vec<String>, cap: usize) -> io::Result<()> {
    let mut pending = vec![dir.to_path_buf()];
    let mut visited = 0usize;
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            visited += 1;
            if visited > cap {
                return Err(io::Error::other(format!(
                    "more than {cap} files and folders below it; \
                     name a narrower folder or glob"
                )));
            }
            let p = entry.path();
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
            if hidden {
                continue;
            }
            // The entry's own type: a symbolic link is not a folder here.
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(p);
            } else if kind.is_file() || (kind.is_symlink() && p.is_file()) {
                out.push(p.to_string_lossy().into_owned());
            }
        }
    }
    Ok(())
}

/// One file of a store, read through [`read_range`](Blob::read_range).
///
/// ```
/// use std::io::Read;
/// use std::sync::Arc;
/// use engine_core::io::{Blob, LocalStore};
///
/// let path = std::env::temp_dir().join("tern-blob-doc.txt");
/// std::fs::write(&path, "hello, blob").unwrap();
/// let blob = Arc::new(Blob::open(Arc::new(LocalStore), path.to_str().unwrap()).unwrap());
/// assert_eq!(&blob.read_range(7..11).unwrap()[..], b"blob");
/// let mut text = String::new();
/// blob.reader().read_to_string(&mut text).unwrap();
/// assert_eq!(text, "hello, blob");
/// ```
#[derive(Debug)]
pub struct Blob {
    store: Arc<dyn BlobStore>,
    meta: BlobMeta,
    cache: Option<Arc<ReadCache>>,
}

impl Blob {
    /// The file at `location` in `store`.
    pub fn open(store: Arc<dyn BlobStore>, location: &str) -> Result<Self> {
        let meta = store.head(location)?;
        Ok(Blob::new(store, meta))
    }

    /// A file whose identity is already known (from a listing).
    pub fn new(store: Arc<dyn BlobStore>, meta: BlobMeta) -> Self {
        Blob {
            store,
            meta,
            cache: None,
        }
    }

    /// The same file, read through `cache` (or uncached with `None`).
    pub fn with_cache(mut self, cache: Option<Arc<ReadCache>>) -> Self {
        self.cache = cache;
        self
    }

    /// The file's identity.
    pub fn meta(&self) -> &BlobMeta {
        &self.meta
    }

    /// Where the file is, for messages.
    pub fn location(&self) -> &str {
        &self.meta.location
    }

    /// Length in bytes.
    pub fn size(&self) -> u64 {
        self.meta.size
    }

    /// Bytes `range` of the file: the read path every reader goes through.
    pub fn read_range(&self, range: Range<u64>) -> Result<Bytes> {
        if range.start > range.end || range.end > self.meta.size {
            return Err(Error::Data {
                source_name: self.meta.location.clone(),
                message: format!(
                    "read of bytes {}..{} past the end of a {}-byte file (was it truncated?)",
                    range.start, range.end, self.meta.size
                ),
            });
        }
        if range.start == range.end {
            return Ok(Bytes::new());
        }
        let bytes = match &self.cache {
            Some(cache) => cache.read(&self.meta, range.clone(), || {
                self.store.get_range(&self.meta.location, range)
            }),
            None => self.store.get_range(&self.meta.location, range),
        }?;
        READ_COUNTER.with(|c| {
            if let Some(counters) = &*c.borrow() {
                counters.add_bytes(bytes.len() as u64);
            }
        });
        Ok(bytes)
    }

    /// A reader from the start of the file.
    pub fn reader(self: &Arc<Self>) -> BlobReader {
        BlobReader::new(Arc::clone(self), 0)
    }

    /// A reader from byte `start` of the file.
    pub fn reader_at(self: &Arc<Self>, start: u64) -> BlobReader {
        BlobReader::new(Arc::clone(self), start.min(self.size()))
    }
}

/// Bytes fetched per read of a [`BlobReader`]: large enough that a remote file
/// is read in few requests, small enough that a scan holds little of it.
const READ_AHEAD: u64 = 1 << 20;

/// A blob as `Read + BufRead + Seek`, fetching [`READ_AHEAD`] bytes at a time
/// through [`Blob::read_range`].
#[derive(Debug)]
pub struct BlobReader {
    blob: Arc<Blob>,
    /// Offset of `buf` in the file.
    buf_start: u64,
    buf: Bytes,
    /// Position within `buf`.
    pos: usize,
}

impl BlobReader {
    fn new(blob: Arc<Blob>, start: u64) -> Self {
        BlobReader {
            blob,
            buf_start: start,
            buf: Bytes::new(),
            pos: 0,
        }
    }

    fn offset(&self) -> u64 {
        self.buf_start + self.pos as u64
    }
}

fn to_io(e: Error) -> io::Error {
    match e {
        Error::Io { source, .. } => source,
        other => io::Error::other(other.to_string()),
    }
}

impl BufRead for BlobReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.buf.len() {
            let start = self.offset().min(self.blob.size());
            let end = (start + READ_AHEAD).min(self.blob.size());
            self.buf = self.blob.read_range(start..end).map_err(to_io)?;
            self.buf_start = start;
            self.pos = 0;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.buf.len());
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.blob.size().checked_add_signed(d),
            SeekFrom::Current(d) => self.offset().checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        // Stay in the buffer when the target is in it; refetch otherwise.
        if target >= self.buf_start && target <= self.buf_start + self.buf.len() as u64 {
            self.pos = (target - self.buf_start) as usize;
        } else {
            self.buf = Bytes::new();
            self.buf_start = target;
            self.pos = 0;
        }
        Ok(target)
    }
}

/// Parquet reads through aligned blocks of the file.
///
/// parquet-rs reads each page header through `get_read` (a reader from an
/// offset, with no length) and each page's data through `get_bytes`. Served
/// straight from [`Blob::read_range`], every page header would fetch a whole
/// read-ahead buffer: one request per page against object storage, and
/// overlapping ranges in the caches. Instead both are served from
/// [`READ_AHEAD`]-aligned blocks, each fetched once per scan and kept while
/// the scan uses it; page data spanning a block or more is read exactly. So a
/// remote file is read in few, large, non-overlapping requests whose ranges
/// (and cache keys) are the same in every query.
#[cfg(feature = "parquet")]
mod parquet_chunks {
    use super::*;
    use parquet::errors::ParquetError;
    use parquet::file::reader::{ChunkReader, Length};
    use std::sync::Mutex;

    /// Blocks a scan keeps unless told how many columns it reads.
    const KEPT_BLOCKS: usize = 16;

    /// A blob as Parquet's random-access input. Clones share their blocks.
    #[derive(Clone)]
    pub struct BlobChunks {
        blob: Arc<Blob>,
        /// Recently used blocks, most recent last: (block index, bytes).
        blocks: Arc<Mutex<Vec<(u64, Bytes)>>>,
        /// How many blocks `blocks` holds at most.
        kept: usize,
    }

    impl BlobChunks {
        pub fn new(blob: Arc<Blob>) -> Self {
            BlobChunks {
                blob,
                blocks: Arc::new(Mutex::new(Vec::new())),
                kept: KEPT_BLOCKS,
            }
        }

        /// Keeps as many blocks as a scan of `columns` leaf columns needs:
        /// one per column read in step, and two for reads crossing a block
        /// boundary. Every block kept is a MiB of the scan's memory, held by
        /// each worker: TPC-H q6 (4 columns) held 16 of them per worker.
        pub fn keep_for_columns(&mut self, columns: usize) {
            self.kept = (columns + 2).clamp(3, KEPT_BLOCKS);
        }

        fn block(&self, index: u64) -> Result<Bytes> {
            let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = blocks.iter().position(|(b, _)| *b == index) {
                let entry = blocks.remove(i);
                let bytes = entry.1.clone();
                blocks.push(entry);
                return Ok(bytes);
            }
            let start = index * READ_AHEAD;
            let end = (start + READ_AHEAD).min(self.blob.size());
            let bytes = self.blob.read_range(start..end)?;
            if blocks.len() >= self.kept {
                blocks.remove(0);
            }
            blocks.push((index, bytes.clone()));
            Ok(bytes)
        }

        fn bytes(&self, start: u64, len: u64) -> Result<Bytes> {
            let end = start.saturating_add(len);
            if len == 0 || end > self.blob.size() {
                return self.blob.read_range(start..end);
            }
            let (first, last) = (start / READ_AHEAD, (end - 1) / READ_AHEAD);
            let at = (start - first * READ_AHEAD) as usize;
            if first == last {
                return Ok(self.block(first)?.slice(at..at + len as usize));
            }
            if len < READ_AHEAD {
                // Straddles a boundary: the two blocks, as every other read.
                let mut joined = Vec::with_capacity(len as usize);
                joined.extend_from_slice(&self.block(first)?[at..]);
                let rest = len as usize - joined.len();
                joined.extend_from_slice(&self.block(last)?[..rest]);
                return Ok(Bytes::from(joined));
            }
            // A block or more: read exactly, not through blocks.
            self.blob.read_range(start..end)
        }
    }

    fn external(e: Error) -> ParquetError {
        ParquetError::External(Box::new(e))
    }

    impl Length for BlobChunks {
        fn len(&self) -> u64 {
            self.blob.size()
        }
    }

    impl ChunkReader for BlobChunks {
        type T = std::io::BufReader<OwnedBlockReader>;

        fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
            let first = if start < self.blob.size() {
                let index = start / READ_AHEAD;
                let block = self.block(index).map_err(external)?;
                block.slice((start - index * READ_AHEAD) as usize..)
            } else {
                Bytes::new()
            };
            Ok(std::io::BufReader::new(OwnedBlockReader {
                blob: Arc::clone(&self.blob),
                offset: start,
                buf: first,
            }))
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
            self.bytes(start, length as u64).map_err(external)
        }
    }

    /// One range of a file held in memory as Parquet's input, for reading a
    /// page whose place the metadata gives (a dictionary page) without the
    /// blocks around it. Reads outside the range are errors.
    pub struct ChunkWindow {
        start: u64,
        bytes: Bytes,
        file_len: u64,
    }

    impl ChunkWindow {
        /// Bytes `range` of `blob`, read once.
        pub fn read(blob: &Blob, range: Range<u64>) -> Result<Self> {
            Ok(ChunkWindow {
                start: range.start,
                bytes: blob.read_range(range)?,
                file_len: blob.size(),
            })
        }

        fn slice(&self, start: u64, len: Option<usize>) -> parquet::errors::Result<Bytes> {
            let at = start
                .checked_sub(self.start)
                .map(|at| at as usize)
                .filter(|&at| at <= self.bytes.len());
            let end = at.and_then(|at| match len {
                Some(len) => at.checked_add(len).filter(|&e| e <= self.bytes.len()),
                None => Some(self.bytes.len()),
            });
            match (at, end) {
                (Some(at), Some(end)) => Ok(self.bytes.slice(at..end)),
                _ => Err(ParquetError::General(format!(
                    "read at byte {start} outside the page read ({}..{})",
                    self.start,
                    self.start + self.bytes.len() as u64
                ))),
            }
        }
    }

    impl Length for ChunkWindow {
        fn len(&self) -> u64 {
            self.file_len
        }
    }

    impl ChunkReader for ChunkWindow {
        type T = bytes::buf::Reader<Bytes>;

        fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
            Ok(bytes::Buf::reader(self.slice(start, None)?))
        }

        fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
            self.slice(start, Some(length))
        }
    }

    /// What `get_read` hands out: the rest of the block its offset is in, then
    /// whole blocks read on (rarely needed: a page header crossing a block).
    pub struct OwnedBlockReader {
        blob: Arc<Blob>,
        offset: u64,
        buf: Bytes,
    }

    impl Read for OwnedBlockReader {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.buf.is_empty() {
                let start = self.offset;
                if start >= self.blob.size() {
                    return Ok(0);
                }
                let end = ((start / READ_AHEAD + 1) * READ_AHEAD).min(self.blob.size());
                self.buf = self.blob.read_range(start..end).map_err(to_io)?;
            }
            let n = self.buf.len().min(out.len());
            out[..n].copy_from_slice(&self.buf[..n]);
            self.buf = self.buf.slice(n..);
            self.offset += n as u64;
            Ok(n)
        }
    }
}

#[cfg(feature = "parquet")]
pub(crate) use parquet_chunks::{BlobChunks, ChunkWindow};

/// The store and location for a file name written in SQL or given to the API:
/// `scheme://...` goes to the store registered for that scheme, `file://` and
/// plain paths to the local file system.
pub(crate) fn split_scheme(location: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = location.split_once("://")?;
    let valid = scheme.len() > 1
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some((scheme, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob_of(content: &[u8]) -> Arc<Blob> {
        let dir = std::env::temp_dir().join(format!("tern-blob-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.bin", content.len()));
        std::fs::write(&path, content).unwrap();
        Arc::new(Blob::open(Arc::new(LocalStore), path.to_str().unwrap()).unwrap())
    }

    #[test]
    fn reader_reads_and_seeks_across_read_ahead_blocks() {
        let content: Vec<u8> = (0..(READ_AHEAD as usize * 2 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        let blob = blob_of(&content);
        let mut all = Vec::new();
        blob.reader().read_to_end(&mut all).unwrap();
        assert_eq!(all, content);
        let mut r = blob.reader();
        let at = READ_AHEAD + 5;
        r.seek(SeekFrom::Start(at)).unwrap();
        let mut four = [0u8; 4];
        r.read_exact(&mut four).unwrap();
        assert_eq!(&four[..], &content[at as usize..at as usize + 4]);
        r.seek(SeekFrom::Current(-8)).unwrap();
        r.read_exact(&mut four).unwrap();
        assert_eq!(&four[..], &content[at as usize - 4..at as usize]);
        assert_eq!(r.seek(SeekFrom::End(-1)).unwrap(), content.len() as u64 - 1);
        assert!(r.seek(SeekFrom::Current(-(content.len() as i64))).is_err());
    }

    #[test]
    fn reads_past_the_end_are_errors_not_short_reads() {
        let blob = blob_of(b"0123456789");
        assert_eq!(&blob.read_range(2..5).unwrap()[..], b"234");
        let e = blob.read_range(8..12).unwrap_err().to_string();
        assert!(e.contains("past the end"), "{e}");
        // The store itself, as for a file that shrank after it was opened.
        let path = blob.location().to_string();
        assert_eq!(&LocalStore.get_range(&path, 2..5).unwrap()[..], b"234");
        assert_eq!(LocalStore.get_range(&path, 4..4).unwrap().len(), 0);
        let e = LocalStore.get_range(&path, 8..12).unwrap_err().to_string();
        assert!(e.contains("file ended before the range"), "{e}");
    }

    #[test]
    fn schemes_are_told_from_paths() {
        assert_eq!(
            split_scheme("s3://b/k.parquet"),
            Some(("s3", "b/k.parquet"))
        );
        assert_eq!(split_scheme("data/x.csv"), None);
        assert_eq!(split_scheme("C://x"), None);
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn parquet_reads_through_blocks_return_the_file_bytes() {
        use parquet::file::reader::ChunkReader;
        let content: Vec<u8> = (0..(READ_AHEAD as usize * 2 + 500))
            .map(|i| (i % 253) as u8)
            .collect();
        let chunks = BlobChunks::new(blob_of(&content));
        let b = READ_AHEAD as usize;
        for (start, len) in [
            (0, 10),
            (b - 10, 20),
            (b - 1, 2),
            (b + 7, 100),
            (5, b + 10),
            (2 * b, 500),
        ] {
            let got = chunks.get_bytes(start as u64, len).unwrap();
            assert_eq!(&got[..], &content[start..start + len], "{start}+{len}");
        }
        let mut r = chunks.get_read(b as u64 - 3).unwrap();
        let mut across = [0u8; 8];
        r.read_exact(&mut across).unwrap();
        assert_eq!(&across[..], &content[b - 3..b + 5]);
        assert!(
            chunks.get_bytes(2 * b as u64 + 400, 200).is_err(),
            "past the end"
        );
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn a_chunk_window_serves_its_range_and_refuses_the_rest() {
        use parquet::file::reader::{ChunkReader, Length};
        let content: Vec<u8> = (0..1000).map(|i| (i % 251) as u8).collect();
        let window = ChunkWindow::read(&blob_of(&content), 100..200).unwrap();
        assert_eq!(window.len(), 1000);
        assert_eq!(&window.get_bytes(150, 50).unwrap()[..], &content[150..200]);
        let mut rest = Vec::new();
        window
            .get_read(190)
            .unwrap()
            .read_to_end(&mut rest)
            .unwrap();
        assert_eq!(rest, &content[190..200]);
        for (start, len) in [(99, 1), (150, 51), (201, 0), (u64::MAX, 1)] {
            let e = window.get_bytes(start, len).unwrap_err().to_string();
            assert!(e.contains("outside the page read (100..200)"), "{e}");
        }
        assert!(window.get_read(50).is_err());
    }

    #[test]
    fn walks_stop_at_links_to_folders_and_at_the_cap() {
        let dir = std::env::temp_dir().join(format!("tern-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a.csv"), "x\n1\n").unwrap();
        // A loop back to the root, and a link to a file.
        std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
        std::os::unix::fs::symlink(dir.join("sub/a.csv"), dir.join("b.csv")).unwrap();
        let mut out = Vec::new();
        walk(&dir, &mut out, 100).unwrap();
        out.sort();
        let names: Vec<_> = out.iter().map(|p| p.rsplit('/').next().unwrap()).collect();
        assert_eq!(names, ["b.csv", "a.csv"]);
        let err = walk(&dir, &mut Vec::new(), 2).unwrap_err();
        assert!(
            err.to_string().contains("more than 2 files and folders"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
