//! A short, seeded mutation fuzz of every reader's entry point: valid files of
//! each format are corrupted (bits flipped, bytes inserted or dropped, cut
//! short, chunks repeated) and queried. Every run must end in an answer or an
//! error, never a panic. `TERN_FUZZ_ITERATIONS` runs longer (CI runs the
//! default, a few seconds).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use engine_core::io::{write_file, OutputFormat};
use engine_core::{Engine, Error};

mod common;

use common::Rng;

fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(d.len());
        match rng.below(6) {
            0 => {
                if !d.is_empty() {
                    d[at] ^= 1 << rng.below(8);
                }
            }
            1 => {
                if !d.is_empty() {
                    d[at] = rng.next() as u8;
                }
            }
            2 => d.truncate(at),
            3 => {
                let n = 1 + rng.below(16);
                let end = (at + n).min(d.len());
                d.drain(at..end);
            }
            4 => {
                let bytes: Vec<u8> = (0..1 + rng.below(16)).map(|_| rng.next() as u8).collect();
                d.splice(at..at, bytes);
            }
            _ => {
                let end = (at + 1 + rng.below(64)).min(d.len());
                let chunk = d[at..end].to_vec();
                d.splice(at..at, chunk);
            }
        }
    }
    d
}

fn sample_files(dir: &Path) -> Vec<PathBuf> {
    let batch = RecordBatch::try_from_iter([
        (
            "id",
            Arc::new(Int64Array::from_iter_values(0..200)) as ArrayRef,
        ),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                (0..200).map(|i| format!("name {i}")),
            )) as ArrayRef,
        ),
        (
            "score",
            Arc::new(Float64Array::from_iter(
                (0..200).map(|i| (i % 7 != 0).then_some(i as f64 / 3.0)),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    let mut out = Vec::new();
    for (name, format) in [
        ("s.csv", OutputFormat::Csv),
        ("s.tsv", OutputFormat::Tsv),
        ("s.jsonl", OutputFormat::Jsonl),
        ("s.arrow", OutputFormat::Arrow),
        #[cfg(feature = "parquet")]
        ("s.parquet", OutputFormat::Parquet),
    ] {
        let path = dir.join(name);
        write_file(&path, format, &batch.schema(), std::slice::from_ref(&batch)).unwrap();
        out.push(path);
    }
    // An Arrow IPC stream too (the reader tells the two apart by magic bytes).
    let stream = dir.join("stream.arrow");
    let mut bytes = Vec::new();
    {
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &batch.schema()).unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
    }
    std::fs::write(&stream, bytes).unwrap();
    out.push(stream);
    out
}

#[test]
fn corrupted_files_give_answers_or_errors_never_panics() {
    let iterations: usize = std::env::var("TERN_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let dir = std::env::temp_dir().join(format!("tern-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let engine = Engine::new();
    let mut errors = 0;
    for (k, original) in sample_files(&dir).iter().enumerate() {
        let data = std::fs::read(original).unwrap();
        let ext = original.extension().unwrap().to_str().unwrap();
        for i in 0..iterations {
            let seed = 0x7e4e_0000 + (k * 100_000 + i) as u64;
            let mut rng = Rng(seed);
            let bad = dir.join(format!("m{k}-{i}.{ext}"));
            std::fs::write(&bad, mutate(&data, &mut rng)).unwrap();
            let file = bad.display();
            for sql in [
                format!("SELECT * FROM '{file}'"),
                format!("SELECT COUNT(*), MAX(id) FROM '{file}' WHERE id > 10"),
            ] {
                // The engine turns reader panics into errors: keep their
                // messages quiet while it runs.
                std::panic::set_hook(Box::new(|_| {}));
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| engine.query(&sql)));
                drop(std::panic::take_hook());
                match outcome {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        errors += 1;
                        // Errors reading the file name it (a cast of a
                        // garbled value fails as a query error instead).
                        let name = bad.file_name().unwrap().to_string_lossy();
                        if matches!(e, Error::Data { .. } | Error::Io { .. }) {
                            assert!(e.to_string().contains(name.as_ref()), "{sql}: {e}");
                        }
                    }
                    Err(_) => panic!(
                        "{sql} panicked (seed {seed:#x}, mutation of {})",
                        original.display()
                    ),
                }
            }
            let _ = std::fs::remove_file(&bad);
        }
    }
    // The mutations do break files: most runs end in an error.
    assert!(errors > iterations, "only {errors} errors");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Inputs `cargo fuzz` (fuzz/) found, kept so that they stay fixed.
mod found_by_cargo_fuzz {
    use super::*;

    fn bytes(hex: &[&str]) -> Vec<u8> {
        let hex: String = hex.concat();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// A 482-byte Arrow file whose record batch claims 671,088,641 rows:
    /// COUNT(*) allocated a group id per row (2.6 GB) before folding them.
    const HUGE_ROW_COUNT: &[&str] = &[
    "4152524f57310000ffffffff800000001000000000000a000c000600050008000a000000000104000c00000008000800",
    "0000040008000000040000000100000014000000100014000800060007000c0000001000100000000000010210000000",
    "2000000004000000000000000700000024636f6c756d6e0008000c000800070008000000000000014000000000000000",
    "ffffffff8800000014000000000000000c0016000600050008000c000c00000000030400180000000800000000000000",
    "00000a0018000c00040008000a0000003c00000010000000010000280000000000000000020000000000000000000000",
    "000000000000000000000000000000000800000000000000000000000100000001000000000000000000000000000000",
    "0000000000000000ffffffff00000000100000000c001400060008000c0010000c000000000004003800000028000000",
    "040000000100000090000000000000009000000000000000080000000000000000000000000000000800080000000400",
    "08000000040000000100000014000000100014000800060007000c000000100010000000000001021000000020000000",
    "04000000000000000700000024636f6c756d6e0008000c0008000700080000000000000140000000a80000004152524f",
    "5731",
    ];

    #[test]
    fn a_batch_claiming_huge_row_counts_is_counted_in_bounded_memory() {
        let path = std::env::temp_dir().join(format!(
            "tern-fuzz-found-{}-huge-rows.arrow",
            std::process::id()
        ));
        std::fs::write(&path, bytes(HUGE_ROW_COUNT)).unwrap();
        let e = Engine::new();
        e.query("SET memory_limit = '64MB'").unwrap();
        let r = e
            .query(&format!("SELECT COUNT(*) FROM '{}'", path.display()))
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(common::result_rows(&r), ["671088641"]);
        let _ = std::fs::remove_file(&path);
    }
}
