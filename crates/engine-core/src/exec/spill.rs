//! Spill files: batches an operator cannot hold within the memory limit,
//! written to a temporary Arrow IPC file and read back later. The file is
//! created in the system's temporary folder (`TMPDIR`) and, on Unix,
//! unlinked at once: it has no name while it is used and disappears with
//! its last handle, even if the process is killed.

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::RecordBatch;
use arrow_ipc::reader::FileReader;
use arrow_ipc::writer::FileWriter;

use crate::error::{Error, Result};

/// Rows per batch written, so reading a run back holds one small batch.
pub(super) const SPILL_ROWS: usize = 8192;

/// One spilled, already-sorted batch sequence.
#[derive(Debug)]
pub(super) struct SpillFile {
    file: File,
    /// Where it was created (only used where it cannot be unlinked early).
    path: Option<PathBuf>,
}

/// Spill files created by this process, for unique names.
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn spill_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::ResourcesExhausted(format!(
        "spilling to disk failed ({what}: {e}); free space in the temporary folder (TMPDIR) \
         or raise SET memory_limit"
    ))
}

impl SpillFile {
    /// Writes `batch` to a new spill file, in slices of [`SPILL_ROWS`] rows.
    pub(super) fn write(batch: &RecordBatch) -> Result<SpillFile> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("tern-spill-{}-{n}.arrow", std::process::id()));
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| spill_error(&path.display().to_string(), e))?;
        // Nameless from here on where the OS allows it.
        let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
            None
        } else {
            Some(path)
        };
        let spill = SpillFile { file, path };
        let fail = |e: &dyn std::fmt::Display| spill_error("writing", e);
        let mut w = FileWriter::try_new(BufWriter::new(&spill.file), &batch.schema())
            .map_err(|e| fail(&e))?;
        for start in (0..batch.num_rows()).step_by(SPILL_ROWS) {
            let len = SPILL_ROWS.min(batch.num_rows() - start);
            w.write(&batch.slice(start, len)).map_err(|e| fail(&e))?;
        }
        w.finish().map_err(|e| fail(&e))?;
        w.into_inner()
            .map_err(|e| fail(&e))?
            .into_inner()
            .map_err(|e| fail(&e.error()))?;
        Ok(spill)
    }

    /// The batches written, in order.
    pub(super) fn read(&self) -> Result<impl Iterator<Item = Result<RecordBatch>>> {
        let fail = |e: &dyn std::fmt::Display| spill_error("reading back", e);
        let mut file = self.file.try_clone().map_err(|e| fail(&e))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| fail(&e))?;
        let reader = FileReader::try_new(BufReader::new(file), None).map_err(|e| fail(&e))?;
        Ok(reader.map(move |b| b.map_err(|e| spill_error("reading back", e))))
    }
}

impl Drop for SpillFile {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, Int64Array};
    use std::sync::Arc;

    #[test]
    fn a_spilled_batch_reads_back_in_slices_and_leaves_no_file() {
        let a: ArrayRef = Arc::new(Int64Array::from_iter_values(0..20_000));
        let batch = RecordBatch::try_from_iter([("a", a)]).unwrap();
        let spill = SpillFile::write(&batch).unwrap();
        let back: Vec<RecordBatch> = spill.read().unwrap().map(|b| b.unwrap()).collect();
        assert_eq!(
            back.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
            [8192, 8192, 3616]
        );
        assert_eq!(crate::exec::concat(&back).unwrap(), batch);
        // Read twice: each read starts from the beginning.
        assert_eq!(spill.read().unwrap().count(), 3);
        let prefix = format!("tern-spill-{}-", std::process::id());
        let named = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with(&prefix));
        assert!(!named, "the spill file is unlinked while in use");
        drop(spill);
    }
}
