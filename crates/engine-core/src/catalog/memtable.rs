//! In-memory tables: registered Arrow batches and the tables `CREATE TABLE` makes.

use arrow_array::cast::AsArray;
use std::sync::{Arc, RwLock};

use arrow_array::{Array, RecordBatch};
use arrow_schema::SchemaRef;

use super::{BatchIter, ScanRequest, TableProvider};
use crate::error::{Error, Result};

/// A table held in memory as Arrow record batches.
#[derive(Debug)]
pub struct MemTable {
    schema: SchemaRef,
    batches: RwLock<Arc<Vec<RecordBatch>>>,
    aliases: &'static [(&'static str, &'static str)],
    rules: super::TableRules,
    /// Whether INSERT, UPDATE and DELETE may change it.
    writable: bool,
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
            rules: super::TableRules::default(),
            writable: true,
            distinct: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Makes the table refuse INSERT, UPDATE and DELETE (the sample datasets
    /// do, being shared by every engine that registers them).
    pub fn read_only(mut self) -> Self {
        self.writable = false;
        self
    }

    /// Gives the table rules that writes must keep.
    pub fn with_rules(mut self, rules: super::TableRules) -> Self {
        self.rules = rules;
        self
    }

    /// Sets the table's rows (each batch already checked), forgetting what
    /// was estimated of the old ones.
    fn store(&self, f: impl FnOnce(&mut Vec<RecordBatch>)) {
        self.distinct
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let mut guard = self.batches.write().unwrap_or_else(|e| e.into_inner());
        f(Arc::make_mut(&mut guard));
    }

    /// `batches` checked against the schema and relabelled with it.
    fn checked(&self, batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
        if !self.writable {
            return Err(Error::unsupported(super::READ_ONLY));
        }
        batches
            .into_iter()
            .filter(|b| b.num_rows() > 0)
            .map(|b| {
                check_schema(&self.schema, &b)?;
                Ok(b.with_schema(Arc::clone(&self.schema))?)
            })
            .collect()
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

/// That no two of the rows in `batches` share a value of a key. Rows with
/// a NULL in the key are skipped (a PRIMARY KEY's columns hold none).
fn check_keys<'a>(
    schema: &SchemaRef,
    keys: &[super::UniqueKey],
    batches: impl Iterator<Item = &'a RecordBatch> + Clone,
) -> Result<()> {
    use crate::exec::rowset::{Interner, KeyEncoder};
    for key in keys {
        let types: Vec<_> = key
            .columns
            .iter()
            .map(|&i| schema.field(i).data_type().clone())
            .collect();
        let encoder = KeyEncoder::new(&types)?;
        let mut seen = Interner::new(&encoder);
        for b in batches.clone() {
            let columns: Vec<_> = key
                .columns
                .iter()
                .map(|&i| Arc::clone(b.column(i)))
                .collect();
            let rows = encoder.encode(&columns)?;
            for r in 0..b.num_rows() {
                if columns.iter().any(|c| c.is_null(r)) || seen.intern(rows.row(r)).1 {
                    continue;
                }
                let show = |f: &dyn Fn(usize) -> String| {
                    key.columns
                        .iter()
                        .map(|&i| f(i))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let names = show(&|i| schema.field(i).name().clone());
                let values = show(&|i| {
                    arrow_cast::display::array_value_to_string(b.column(i), r).unwrap_or_default()
                });
                return Err(Error::Constraint(format!(
                    "duplicate key ({names}) = ({values}): the table's {} allows each once",
                    if key.primary {
                        "PRIMARY KEY"
                    } else {
                        "UNIQUE constraint"
                    }
                )));
            }
        }
    }
    Ok(())
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

    fn insert(&self, batches: Vec<RecordBatch>) -> Result<()> {
        let batches = self.checked(batches)?;
        if !self.rules.keys.is_empty() {
            let old = Arc::clone(&self.batches.read().unwrap_or_else(|e| e.into_inner()));
            check_keys(&self.schema, &self.rules.keys, old.iter().chain(&batches))?;
        }
        self.store(|rows| rows.extend(batches));
        Ok(())
    }

    fn replace(&self, batches: Vec<RecordBatch>) -> Result<()> {
        let batches = self.checked(batches)?;
        check_keys(&self.schema, &self.rules.keys, batches.iter())?;
        self.store(|rows| *rows = batches);
        Ok(())
    }

    fn checks(&self) -> &[super::TableCheck] {
        &self.rules.checks
    }

    fn column_rules(&self) -> &[super::ColumnRule] {
        &self.rules.columns
    }
}
