//! # datasets-virtual
//!
//! tern's built-in sample datasets, compiled into the binary:
//!
//! | name | rows | what |
//! |---|---|---|
//! | `$planets` | 9 | NASA's planetary fact sheet |
//! | `$satellites` | 177 | moons of the planets |
//! | `$astronauts` | 357 | NASA astronauts |
//! | `$missions` | 4,630 | space missions |
//! | `$no_table` | 1 | one row, one column: what `SELECT 1` reads |
//! | `$stop_words` | 305 | common English words |
//!
//! Registering the provider costs nothing: the names are static, and each
//! dataset is decoded from its embedded Arrow IPC bytes the first time a query
//! reads it, then kept.
//!
//! ```
//! let engine = engine_core::Engine::new();
//! engine.register_datasets(datasets_virtual::provider());
//! let r = engine.query("SELECT COUNT(*) FROM $planets").unwrap();
//! assert_eq!(r.num_rows(), 1);
//! ```

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use arrow_array::RecordBatch;
use engine_core::catalog::{DatasetProvider, MemTable, TableProvider};
use engine_core::{Error, Result};

struct Dataset {
    name: &'static str,
    bytes: &'static [u8],
    /// Extra column names: `$missions.Lauched_at` (sic, as in the source data)
    /// also answers to `Launched_at`.
    aliases: &'static [(&'static str, &'static str)],
}

const DATASETS: [Dataset; 6] = [
    Dataset {
        name: "$planets",
        bytes: include_bytes!("../data/planets.arrow"),
        aliases: &[],
    },
    Dataset {
        name: "$satellites",
        bytes: include_bytes!("../data/satellites.arrow"),
        aliases: &[],
    },
    Dataset {
        name: "$astronauts",
        bytes: include_bytes!("../data/astronauts.arrow"),
        aliases: &[],
    },
    Dataset {
        name: "$missions",
        bytes: include_bytes!("../data/missions.arrow"),
        aliases: &[("Launched_at", "Lauched_at")],
    },
    Dataset {
        name: "$no_table",
        bytes: include_bytes!("../data/no_table.arrow"),
        aliases: &[],
    },
    Dataset {
        name: "$stop_words",
        bytes: include_bytes!("../data/stop_words.arrow"),
        aliases: &[],
    },
];

const NAMES: [&str; 6] = [
    "$planets",
    "$satellites",
    "$astronauts",
    "$missions",
    "$no_table",
    "$stop_words",
];

/// The sample datasets as a [`DatasetProvider`].
pub struct VirtualDatasets {
    decoded: [OnceLock<Arc<MemTable>>; 6],
}

/// A provider of the sample datasets, ready for `Engine::register_datasets`.
pub fn provider() -> Arc<VirtualDatasets> {
    Arc::new(VirtualDatasets {
        decoded: Default::default(),
    })
}

fn decode(d: &Dataset) -> Result<MemTable> {
    decode_with(d, false)
}

/// The dataset's table; `validate` checks every array's buffers as any
/// file's are. The datasets are compiled into the binary and
/// `every_dataset_is_valid_arrow` checks each in full, so at run time the
/// check is skipped: it was a tenth of the first query's instructions.
fn decode_with(d: &Dataset, validate: bool) -> Result<MemTable> {
    let bad = |e: arrow_schema::ArrowError| Error::Data {
        source_name: d.name.to_string(),
        message: e.to_string(),
    };
    let reader = arrow_ipc::reader::FileReader::try_new(Cursor::new(d.bytes), None).map_err(bad)?;
    // SAFETY: the bytes are this crate's own, compiled in, and valid Arrow
    // IPC: the test `every_dataset_is_valid_arrow` decodes each with full
    // validation.
    let reader = unsafe { reader.with_skip_validation(!validate) };
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<RecordBatch>, _>>()
        .map_err(bad)?;
    Ok(MemTable::try_new(schema, batches)?
        .with_column_aliases(d.aliases)
        .read_only())
}

impl DatasetProvider for VirtualDatasets {
    fn names(&self) -> &[&'static str] {
        &NAMES
    }

    fn table(&self, name: &str) -> Option<Result<Arc<dyn TableProvider>>> {
        let i = DATASETS
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case(name))?;
        if let Some(t) = self.decoded[i].get() {
            return Some(Ok(Arc::clone(t) as Arc<dyn TableProvider>));
        }
        Some(decode(&DATASETS[i]).map(|t| {
            let t = self.decoded[i].get_or_init(|| Arc::new(t));
            Arc::clone(t) as Arc<dyn TableProvider>
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dataset_decodes_with_its_documented_shape() {
        let p = provider();
        let expect = [
            ("$planets", 9, 20),
            ("$satellites", 177, 8),
            ("$astronauts", 357, 19),
            ("$missions", 4630, 8),
            ("$no_table", 1, 1),
            ("$stop_words", 305, 1),
        ];
        for (name, rows, cols) in expect {
            let t = p.table(name).unwrap().unwrap();
            assert_eq!(t.schema().fields().len(), cols, "{name}");
            let n: usize = t.scan(None).unwrap().map(|b| b.unwrap().num_rows()).sum();
            assert_eq!(n, rows, "{name}");
        }
        assert!(p.table("$PLANETS").is_some());
        assert!(p.table("$nothing").is_none());
    }

    /// What makes skipping validation at run time sound.
    #[test]
    fn every_dataset_is_valid_arrow() {
        for d in &DATASETS {
            let checked = decode_with(d, true).unwrap();
            let unchecked = decode_with(d, false).unwrap();
            let rows = |t: &MemTable| -> Vec<RecordBatch> {
                t.scan(None).unwrap().map(|b| b.unwrap()).collect()
            };
            assert_eq!(rows(&checked), rows(&unchecked), "{}", d.name);
        }
    }
}
