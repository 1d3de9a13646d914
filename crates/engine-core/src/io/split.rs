//! Where a text file splits for a parallel scan: byte ranges that begin at the
//! start of a line, so every row is read by exactly one part and the parts one
//! after another are the file.
//!
//! JSON Lines split at any line break (a JSON string cannot hold a raw one).
//! CSV and TSV split only when the file holds no quote character at all: a
//! quoted field may hold a line break, and whether a given line break is
//! inside one depends on every quote before it. So a CSV file is read once,
//! block by block, both to look for quotes and to find the line starts; a
//! file with a quote anywhere stays one part (read by one worker, correctly).

use std::ops::Range;

use super::{Blob, FileFormat};
use crate::error::Result;

/// Bytes of a text file per unit of a parallel scan: files under two units
/// are never split.
pub const SPLIT_BYTES: u64 = 8 << 20;

/// Bytes read at a time while looking for line starts.
const BLOCK: u64 = 1 << 20;

/// The offsets where the units of a text file begin, then its size: `[0,
/// size]` when it does not split. Each offset but the last begins a line.
pub fn line_splits(blob: &Blob, format: FileFormat) -> Result<Vec<u64>> {
    let size = blob.size();
    let whole = vec![0, size];
    if size < 2 * SPLIT_BYTES {
        return Ok(whole);
    }
    match format {
        FileFormat::Jsonl => {
            let mut bounds = vec![0];
            let mut target = SPLIT_BYTES;
            while target < size {
                let start = next_line_start(blob, target)?;
                if start >= size {
                    break;
                }
                bounds.push(start);
                target = (start / SPLIT_BYTES + 1) * SPLIT_BYTES;
            }
            bounds.push(size);
            Ok(bounds)
        }
        FileFormat::Csv | FileFormat::Tsv | FileFormat::Delimited(_) => {
            let quote = format.dialect().map_or(b'"', |d| d.quote);
            let mut bounds = vec![0];
            let mut target = SPLIT_BYTES;
            let mut pos = 0;
            while pos < size {
                let end = (pos + BLOCK).min(size);
                let block = blob.read_range(pos..end)?;
                if block.contains(&quote) {
                    return Ok(whole);
                }
                // Line starts for the targets this block reaches: the first
                // line break at or after `target - 1` ends the line before.
                while target - 1 < end {
                    let from = (target - 1).max(pos);
                    let Some(at) = block[(from - pos) as usize..]
                        .iter()
                        .position(|&b| b == b'\n')
                    else {
                        break;
                    };
                    let start = from + at as u64 + 1;
                    if start < size {
                        bounds.push(start);
                    }
                    target = (start / SPLIT_BYTES + 1) * SPLIT_BYTES;
                }
                pos = end;
            }
            bounds.push(size);
            Ok(bounds)
        }
        FileFormat::Arrow | FileFormat::Parquet => Ok(whole),
    }
}

/// The first line start at or after `target` (the size when none).
fn next_line_start(blob: &Blob, target: u64) -> Result<u64> {
    let size = blob.size();
    let mut pos = target - 1;
    while pos < size {
        let end = (pos + BLOCK / 16).min(size);
        let block = blob.read_range(pos..end)?;
        if let Some(at) = block.iter().position(|&b| b == b'\n') {
            return Ok(pos + at as u64 + 1);
        }
        pos = end;
    }
    Ok(size)
}

/// The byte range of units `units` of a file split at `bounds`.
pub fn unit_bytes(bounds: &[u64], units: Range<usize>) -> Range<u64> {
    bounds[units.start]..bounds[units.end]
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::io::LocalStore;

    fn blob_of(bytes: &[u8], name: &str) -> (tempfile_dir::Dir, Blob) {
        let dir = tempfile_dir::Dir::new();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let blob = Blob::open(Arc::new(LocalStore), path.to_str().unwrap()).unwrap();
        (dir, blob)
    }

    /// A directory removed when dropped.
    mod tempfile_dir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static N: AtomicUsize = AtomicUsize::new(0);
                let p = std::env::temp_dir().join(format!(
                    "tern-split-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    /// Lines of varying length, about `bytes` of them.
    fn lines(bytes: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0u64;
        while (out.len() as u64) < bytes {
            out.extend_from_slice(format!("{i},{}\n", "x".repeat((i % 97) as usize)).as_bytes());
            i += 1;
        }
        out
    }

    #[test]
    fn every_split_begins_a_line_and_they_cover_the_file() {
        let text = lines(5 * SPLIT_BYTES / 2);
        for format in [FileFormat::Csv, FileFormat::Jsonl] {
            let (_dir, blob) = blob_of(&text, "t.txt");
            let bounds = line_splits(&blob, format).unwrap();
            assert!(bounds.len() >= 3, "{bounds:?}");
            assert_eq!(bounds[0], 0);
            assert_eq!(*bounds.last().unwrap(), text.len() as u64);
            for w in bounds.windows(2) {
                assert!(w[0] < w[1], "{bounds:?}");
            }
            for &b in &bounds[1..bounds.len() - 1] {
                assert_eq!(text[b as usize - 1], b'\n', "split at {b}");
            }
        }
    }

    #[test]
    fn a_quote_anywhere_keeps_a_csv_whole_and_small_files_never_split() {
        let mut text = lines(3 * SPLIT_BYTES);
        let (_dir, blob) = blob_of(&text, "a.csv");
        assert!(line_splits(&blob, FileFormat::Csv).unwrap().len() > 2);
        let at = text.len() - 10;
        text[at] = b'"';
        let (_dir, blob) = blob_of(&text, "b.csv");
        assert_eq!(
            line_splits(&blob, FileFormat::Csv).unwrap(),
            [0, text.len() as u64]
        );
        // JSON Lines split all the same: a raw line break cannot be quoted.
        assert!(line_splits(&blob, FileFormat::Jsonl).unwrap().len() > 2);
        let (_dir, small) = blob_of(b"a\n1\n", "c.csv");
        assert_eq!(line_splits(&small, FileFormat::Csv).unwrap(), [0, 4]);
    }

    #[test]
    fn a_line_longer_than_a_unit_is_one_units_alone() {
        // One line spanning two units, then short ones.
        let mut text = vec![b'y'; (2 * SPLIT_BYTES + 5) as usize];
        text.push(b'\n');
        text.extend(lines(SPLIT_BYTES));
        let (_dir, blob) = blob_of(&text, "long.csv");
        let bounds = line_splits(&blob, FileFormat::Csv).unwrap();
        assert_eq!(bounds[1], 2 * SPLIT_BYTES + 6, "{bounds:?}");
        assert_eq!(*bounds.last().unwrap(), text.len() as u64);
    }
}
