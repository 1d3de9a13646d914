//! In-memory tables: registered Arrow batches and the tables `CREATE TABLE` makes.

use arrow_array::cast::AsArray;
use std::sync::{Arc, RwLock};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use super::{BatchIter, ScanRequest, TableProvider};
use crate::error::{Error, Result};

/// A table held in memory as Arrow record batches.
#[derive(Debug)]
pub struct MemTable {
    schema: SchemaRef,
    batches: RwLock<Arc<Vec<RecordBatch>>>,
    aliases: &'static [(&'static str, &'static str)],
    /// Distinct-count estimates already computed, by column (cleared by an
    /// insert): planning a join asks for them more than once.
    distinct: std::sync::Mutex<Vec<Option<Option<u64>>>>,
}

impl MemTable {
    /// A table of `batches`, each of which must have exactly `schema`'s columns and types.
    pub fn try_new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<Self> {
        for b in &batches {
            check_schema(&schema, b)?;
        }
        Ok(MemTable {
            schema,
            batches: RwLock::new(Arc::new(batches)),
            aliases: &[],
            distinct: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Adds extra names for columns: `(alias, real column name)` pairs.
    pub fn with_column_aliases(mut self, aliases: &'static [(&'static str, &'static str)]) -> Self {
        self.aliases = aliases;
        self
    }

    /// The number of rows in the table.
    pub fn num_rows(&self) -> usize {
        self.batches
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|b| b.num_rows())
            .sum()
    }
}

impl MemTable {
    /// The range of an integer column, computed from the data (in memory, a
    /// pass of min/max kernels), capped by the row count.
    fn compute_distinct(&self, column: usize) -> Option<u64> {
        let field = self.schema.fields().get(column)?;

        if !crate::types::is_integer(field.data_type()) {
            return None;
        }
        let batches = self.batches.read().unwrap_or_else(|e| e.into_inner());
        let mut range: Option<(i64, i64)> = None;
        let mut rows = 0u64;
        for b in batches.iter() {
            rows += b.num_rows() as u64;
            let col = arrow_cast::cast(b.column(column), &arrow_schema::DataType::Int64).ok()?;
            let col = col.as_primitive::<arrow_array::types::Int64Type>();
            if let (Some(lo), Some(hi)) = (
                arrow_arith::aggregate::min(col),
                arrow_arith::aggregate::max(col),
            ) {
                range = Some(match range {
                    Some((a, b)) => (a.min(lo), b.max(hi)),
                    None => (lo, hi),
                });
            }
        }
        let (lo, hi) = range?;
        Some(((hi as i128 - lo as i128 + 1).max(1)).min(rows.max(1) as i128) as u64)
    }
}

fn check_schema(schema: &SchemaRef, batch: &RecordBatch) -> Result<()> {
    let bs = batch.schema();
    let same = bs.fields().len() == schema.fields().len()
        && bs
            .fields()
            .iter()
            .zip(schema.fields())
            .all(|(a, b)| a.data_type() == b.data_type());
    if same {
        Ok(())
    } else {
        Err(Error::type_error(format!(
            "batch columns ({}) do not match the table's ({})",
            describe(&bs),
            describe(schema)
        )))
    }
}

fn describe(schema: &SchemaRef) -> String {
    schema
        .fields()
        .iter()
        .map(|f| format!("{} {}", f.name(), f.data_type()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl TableProvider for MemTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn estimated_rows(&self) -> Option<u64> {
        let batches = self.batches.read().unwrap_or_else(|e| e.into_inner());
        Some(batches.iter().map(|b| b.num_rows() as u64).sum())
    }

    fn estimated_distinct(&self, column: usize) -> Option<u64> {
        let mut cache = self.distinct.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(Some(known)) = cache.get(column) {
            return *known;
        }
        let estimate = self.compute_distinct(column);
        if cache.len() <= column {
            cache.resize(column + 1, None);
        }
        cache[column] = Some(estimate);
        estimate
    }

    fn scan(&self, projection: Option<&[usize]>) -> Result<BatchIter> {
        self.scan_with(&ScanRequest {
            projection: projection.map(<[usize]>::to_vec),
            ..ScanRequest::default()
        })
    }

    /// Batches are the units of a partition. (Each worker of a parallel scan
    /// takes its own snapshot: an INSERT committed between two workers'
    /// starts may be seen by one part and not another.)
    fn partitions(&self) -> usize {
        self.batches.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn scan_with(&self, request: &ScanRequest) -> Result<BatchIter> {
        // Take a snapshot: an INSERT during the scan does not change what it sees.
        let batches = Arc::clone(&self.batches.read().unwrap_or_else(|e| e.into_inner()));
        let projection = request.projection.clone();
        let units = match request.partition {
            Some(p) => p.units(batches.len()),
            None => 0..batches.len(),
        };
        let mut i = units.start;
        Ok(Box::new(std::iter::from_fn(move || {
            if i >= units.end {
                return None;
            }
            let b = batches.get(i)?;
            i += 1;
            Some(match &projection {
                Some(p) => b.project(p).map_err(Error::from),
                None => Ok(b.clone()),
            })
        })))
    }

    fn column_aliases(&self) -> &[(&'static str, &'static str)] {
        self.aliases
    }

    fn insert(&self, batch: RecordBatch) -> Result<()> {
        check_schema(&self.schema, &batch)?;
        self.distinct
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let batch = batch.with_schema(Arc::clone(&self.schema))?;
        let mut guard = self.batches.write().unwrap_or_else(|e| e.into_inner());
        Arc::make_mut(&mut guard).push(batch);
        Ok(())
    }
}
