//! Per-query memory accounting.
//!
//! What an operator keeps beyond the batch it is handing on — the rows a sort
//! or a join's build side gathers, the groups of an aggregation, the rows of
//! DISTINCT and set operations, a CTE kept for replay, the result being
//! collected — is reserved against the query's memory limit before (or as
//! soon as) it is held. A reservation past the limit fails the query with
//! [`Error::ResourcesExhausted`] naming what needed the memory, instead of the
//! process being killed for running out. Streaming batches are not counted:
//! each operator holds one at a time, and join output comes in bounded pieces.
//! String functions that can grow their input (REPLACE, CONCAT) check their
//! result's size against what is left before they build it.
//!
//! The limit is `SET memory_limit`, else `TERN_MEMORY_LIMIT`, else
//! [`DEFAULT_SHARE`] of what the process may really use: the smallest of RAM,
//! its cgroup's limit (a container, a serverless function) and `RLIMIT_AS`
//! (see `crate::os_memory`). The default is only worked out once a query holds
//! more than [`UNCHECKED`], so small queries never pay for reading it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use arrow_array::{Array, RecordBatch};

use super::Stream;
use crate::error::{Error, Result};

/// Share of the process's usable memory one query may hold by default
/// (DuckDB's default is 80% of RAM, too).
pub const DEFAULT_SHARE: f64 = 0.8;

/// Memory a query may hold before the limit is looked at: below it nothing is
/// worked out, so that a small query costs no system calls.
const UNCHECKED: usize = 16 << 20;

/// The environment variable that sets the default limit for every engine in
/// the process (the same sizes as `SET memory_limit`).
pub const ENV_LIMIT: &str = "TERN_MEMORY_LIMIT";

/// The memory one query run has reserved, against its limit.
#[derive(Debug, Default)]
pub(crate) struct MemoryPool {
    /// `None`: the share of the process's memory ([`default_limit`]).
    limit: Option<usize>,
    used: AtomicUsize,
    peak: AtomicUsize,
    /// Where reservations report their largest size (EXPLAIN ANALYZE).
    pub(super) profile: Option<Arc<super::profile::Profile>>,
}

impl MemoryPool {
    /// A pool of `limit` bytes; when `None`, of `TERN_MEMORY_LIMIT`, else of
    /// the default share of the process's memory. A malformed
    /// `TERN_MEMORY_LIMIT` is an error here, whatever the query's size.
    pub fn new(limit: Option<usize>) -> Result<Self> {
        let limit = match limit {
            Some(l) => Some(l),
            None => env_limit()?,
        };
        Ok(MemoryPool {
            limit,
            ..Default::default()
        })
    }

    /// A pool of exactly `limit` bytes, whatever the environment says.
    pub fn fixed(limit: usize) -> Self {
        MemoryPool {
            limit: Some(limit),
            ..Default::default()
        }
    }

    /// The most this run held at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Fails when a string column of `bytes` that `what` is about to build
    /// would not fit in what is left of the limit.
    pub fn check_strings(&self, bytes: usize, what: &str) -> Result<()> {
        check_string_column(bytes, what)?;
        self.grow(bytes, what)?;
        self.shrink(bytes);
        Ok(())
    }

    /// The most the run may hold.
    pub fn limit(&self) -> usize {
        self.limit.unwrap_or_else(default_limit)
    }

    /// Adds `bytes` held for `what`, or fails (adding nothing) past the limit.
    pub fn grow(&self, bytes: usize, what: &str) -> Result<()> {
        // Checked before adding, so a refused request leaves nothing behind
        // (operators running at the same time may overshoot by one request).
        let used = self.used.load(Ordering::Relaxed).saturating_add(bytes);
        if used > UNCHECKED || self.limit.is_some() {
            let limit = self.limit();
            if used > limit {
                return Err(over_limit(what, used, limit));
            }
        }
        let used = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(used, Ordering::Relaxed);
        Ok(())
    }

    fn shrink(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// An empty reservation for `what` (named in the error past the limit).
    pub fn reserve(self: &Arc<Self>, what: &'static str) -> Reservation {
        Reservation {
            node: match self.profile {
                Some(_) => super::profile::current_node(),
                None => 0,
            },
            peak: 0,
            pool: Arc::clone(self),
            bytes: 0,
            what,
        }
    }
}

/// Memory one operator holds, given back when it is dropped. It owns a
/// handle on its pool, so what holds it (a join's build side shared by the
/// workers of a parallel probe) borrows nothing.
#[derive(Debug)]
pub(crate) struct Reservation {
    /// The plan node it is charged to (EXPLAIN ANALYZE), and the most it held.
    node: usize,
    peak: usize,
    pool: Arc<MemoryPool>,
    bytes: usize,
    what: &'static str,
}

impl Reservation {
    /// The bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Holds `bytes` more, or fails past the limit.
    pub fn grow(&mut self, bytes: usize) -> Result<()> {
        self.pool.grow(bytes, self.what)?;
        self.bytes += bytes;
        self.peak = self.peak.max(self.bytes);
        Ok(())
    }

    /// Holds exactly `bytes` from now on.
    pub fn resize(&mut self, bytes: usize) -> Result<()> {
        if bytes > self.bytes {
            self.grow(bytes - self.bytes)
        } else {
            self.pool.shrink(self.bytes - bytes);
            self.bytes = bytes;
            Ok(())
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(p) = &self.pool.profile {
            p.add_memory(self.node, self.peak);
        }
        self.pool.shrink(self.bytes);
    }
}

/// Every batch of `stream`, each reserved under `held` as it arrives.
pub(crate) fn gather(stream: Stream<'_>, held: &mut Reservation) -> Result<Vec<RecordBatch>> {
    let mut out = Vec::new();
    for b in stream {
        let b = b?;
        held.grow(batch_size(&b))?;
        out.push(b);
    }
    Ok(out)
}

/// Fails when a string column of `bytes` is more than an Arrow string array
/// holds (2 GiB: its offsets are 32-bit).
pub(crate) fn check_string_column(bytes: usize, what: &str) -> Result<()> {
    if bytes > i32::MAX as usize {
        return Err(Error::ResourcesExhausted(format!(
            "{what} would build {} of text in one batch, more than the 2 GiB a string column holds",
            format_size(bytes)
        )));
    }
    Ok(())
}

/// The error for a reservation past the limit.
fn over_limit(what: &str, wanted: usize, limit: usize) -> Error {
    Error::ResourcesExhausted(format!(
        "{what} needs more memory than the query may use ({} of a {} limit); \
         raise it with SET memory_limit = '…' (or {ENV_LIMIT}), or make the query \
         hold less (filter earlier, fewer groups, a LIMIT)",
        format_size(wanted),
        format_size(limit)
    ))
}

/// The memory a batch's arrays take, counting only the rows it shows (a
/// slice of a large buffer is not charged for the whole buffer).
pub(crate) fn batch_size(batch: &RecordBatch) -> usize {
    batch.columns().iter().map(|c| array_size(c.as_ref())).sum()
}

/// The memory of several batches' visible rows.
pub(crate) fn batches_size(batches: &[RecordBatch]) -> usize {
    batches.iter().map(batch_size).sum()
}

/// The memory of an array's visible rows.
pub(crate) fn array_size(a: &dyn Array) -> usize {
    let whole = a
        .to_data()
        .get_slice_memory_size()
        .unwrap_or_else(|_| a.get_array_memory_size());
    match view_size(a) {
        Some(seen) => seen.min(whole),
        None => whole,
    }
}

/// A string or binary view array's visible rows: its views and the text
/// they point to. Arrow counts every data buffer, but many batches share
/// them: a join's output takes its strings from the build side's buffers,
/// and counting those per batch once charged TPC-H q18 1.3 GiB for 57 rows.
fn view_size(a: &dyn Array) -> Option<usize> {
    use arrow_array::cast::AsArray;
    let views = match a.data_type() {
        arrow_schema::DataType::Utf8View => a.as_string_view().views(),
        arrow_schema::DataType::BinaryView => a.as_binary_view().views(),
        _ => return None,
    };
    // A view's low 32 bits are its length; up to 12 bytes sit in the view.
    let text: usize = views
        .iter()
        .map(|v| *v as u32 as usize)
        .filter(|&len| len > 12)
        .sum();
    let nulls = a.nulls().map_or(0, |n| n.len().div_ceil(8));
    Some(views.len() * 16 + text + nulls)
}

/// `TERN_MEMORY_LIMIT`, when set (read at each query: no system call).
fn env_limit() -> Result<Option<usize>> {
    match std::env::var(ENV_LIMIT) {
        Ok(text) => parse_size(&text)
            .map(|l| Some(l.unwrap_or(usize::MAX)))
            .map_err(|e| Error::Config(format!("{ENV_LIMIT}: {e}"))),
        Err(_) => Ok(None),
    }
}

/// [`DEFAULT_SHARE`] of the memory the process may use, worked out once.
fn default_limit() -> usize {
    static DEFAULT: OnceLock<usize> = OnceLock::new();
    *DEFAULT.get_or_init(|| {
        crate::os_memory::usable().map_or(usize::MAX, |m| (m as f64 * DEFAULT_SHARE) as usize)
    })
}

/// Parses a memory size: a number of bytes, or a number with a unit (`KB`,
/// `MB`, `GB`, `TB` in powers of 1000; `KiB`, `MiB`, `GiB`, `TiB` in powers
/// of 1024; as in DuckDB). `none` or `unlimited` is no limit (`Ok(None)`).
///
/// ```
/// use engine_core::exec::parse_size;
/// assert_eq!(parse_size("2GB").unwrap(), Some(2_000_000_000));
/// assert_eq!(parse_size("512 MiB").unwrap(), Some(512 << 20));
/// assert_eq!(parse_size("unlimited").unwrap(), None);
/// assert!(parse_size("lots").is_err());
/// ```
pub fn parse_size(text: &str) -> std::result::Result<Option<usize>, String> {
    let t = text.trim().to_ascii_lowercase();
    if t == "none" || t == "unlimited" {
        return Ok(None);
    }
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || format!("'{text}' is not a size such as '4GB', '512MiB' or 'unlimited'");
    let n: f64 = number.parse().map_err(|_| bad())?;
    let scale: f64 = match unit.trim() {
        "" | "b" | "byte" | "bytes" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = n * scale;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= usize::MAX as f64 {
        return Err(bad());
    }
    Ok(Some(bytes as usize))
}

/// `bytes` for people: `1.5 GiB`, `300 MiB`, `12 KiB`, `10 bytes`.
pub(crate) fn format_size(bytes: usize) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("TiB", 1099511627776.0),
        ("GiB", 1073741824.0),
        ("MiB", 1048576.0),
        ("KiB", 1024.0),
    ];
    if bytes == usize::MAX {
        return "unlimited".into();
    }
    for (unit, size) in UNITS {
        let v = bytes as f64 / size;
        if v >= 1.0 {
            return match v < 10.0 {
                true => format!("{v:.1} {unit}"),
                false => format!("{v:.0} {unit}"),
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_count_until_dropped() {
        let pool = Arc::new(MemoryPool::new(Some(1000)).unwrap());
        let mut a = pool.reserve("a sort");
        a.grow(600).unwrap();
        let mut b = pool.reserve("a join");
        let err = b.grow(500).unwrap_err().to_string();
        assert!(err.contains("a join needs more memory"), "{err}");
        assert!(err.contains("(1.1 KiB of a 1000 bytes limit)"), "{err}");
        drop(a);
        b.grow(500).unwrap();
        b.resize(100).unwrap();
        assert_eq!(pool.used.load(Ordering::Relaxed), 100);
        assert_eq!(pool.peak(), 600);
        assert!(pool.check_strings(900, "REPLACE").is_ok());
        let err = pool.check_strings(901, "REPLACE").unwrap_err().to_string();
        assert!(err.contains("REPLACE needs more memory"), "{err}");
        let err = check_string_column(3 << 30, "||").unwrap_err().to_string();
        assert!(err.contains("more than the 2 GiB"), "{err}");
    }

    #[test]
    fn view_arrays_are_charged_for_the_rows_they_show() {
        use arrow_array::{StringArray, StringViewArray, UInt32Array};
        let long = "a string long enough to live outside its view";
        let many: StringViewArray = (0..10_000).map(|i| Some(format!("{long} {i}"))).collect();
        let whole = array_size(&many);
        assert!(whole > 10_000 * long.len(), "{whole}");
        // Two rows taken share the 10,000 rows' buffers, and cost two rows.
        let two = arrow_select::take::take(&many, &UInt32Array::from(vec![3, 7]), None).unwrap();
        assert_eq!(array_size(two.as_ref()), 2 * 16 + 2 * (long.len() + 2));
        // Short strings live in their views.
        let short = StringViewArray::from(vec![Some("ab"), None]);
        assert_eq!(array_size(&short), 2 * 16 + 1);
        let plain = StringArray::from(vec!["ab"; 4]);
        assert!(array_size(&plain) >= 8, "{}", array_size(&plain));
    }

    #[test]
    fn sizes_parse_like_duckdb() {
        assert_eq!(parse_size("1000").unwrap(), Some(1000));
        assert_eq!(parse_size("1.5GB").unwrap(), Some(1_500_000_000));
        assert_eq!(parse_size(" 4 gib ").unwrap(), Some(4 << 30));
        assert_eq!(parse_size("10KB").unwrap(), Some(10_000));
        assert_eq!(parse_size("NONE").unwrap(), None);
        for bad in ["", "-1GB", "0", "1 parsec", "1e400", "GB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_print_for_people() {
        assert_eq!(format_size(10), "10 bytes");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(300 << 20), "300 MiB");
        assert_eq!(format_size(usize::MAX), "unlimited");
    }
}
