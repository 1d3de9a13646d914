//! The columns a plan node produces, with the names the binder resolves against.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

/// One output column of a plan node.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanColumn {
    /// The table or alias the column can be qualified with (`p` in `p.name`).
    pub qualifier: Option<String>,
    /// The column's name.
    pub name: String,
    /// The column's type.
    pub data_type: DataType,
    /// True for the right-hand copy of a `USING` column: reachable by its
    /// qualified name but not by the bare name or `*`.
    pub hidden: bool,
    /// Another name the column answers to (e.g. `Launched_at` for `Lauched_at`).
    pub aka: Option<String>,
}

impl PlanColumn {
    /// A visible column.
    pub fn new(qualifier: Option<String>, name: impl Into<String>, data_type: DataType) -> Self {
        PlanColumn {
            qualifier,
            name: name.into(),
            data_type,
            hidden: false,
            aka: None,
        }
    }
}

/// The ordered columns of a plan node.
///
/// Columns are shared (`Arc`), not copied, between the schemas of a plan: a
/// join's schema is its inputs' columns side by side, so a chain of 1,000
/// joins would otherwise hold half a million copies of each input's names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanSchema {
    /// The columns, in output order.
    pub columns: Vec<Arc<PlanColumn>>,
}

impl PlanSchema {
    /// A schema of `columns`.
    pub fn new(columns: Vec<PlanColumn>) -> Self {
        PlanSchema {
            columns: columns.into_iter().map(Arc::new).collect(),
        }
    }
    /// A schema of columns shared with other schemas.
    pub fn shared(columns: Vec<Arc<PlanColumn>>) -> Self {
        PlanSchema { columns }
    }
    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }
    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
    /// The Arrow schema of batches this node produces (every column nullable, so
    /// that operators never fail a null check).
    pub fn to_arrow(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(&c.name, c.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }
    /// The same columns under a new qualifier (a table alias).
    pub fn requalify(&self, qualifier: Option<&str>) -> Self {
        PlanSchema {
            columns: self
                .columns
                .iter()
                .map(|c| {
                    Arc::new(PlanColumn {
                        qualifier: qualifier.map(str::to_string),
                        ..PlanColumn::clone(c)
                    })
                })
                .collect(),
        }
    }
    /// The columns of a join: left's then right's.
    pub fn join(&self, right: &PlanSchema) -> Self {
        let mut columns = self.columns.clone();
        columns.extend(right.columns.iter().cloned());
        PlanSchema { columns }
    }
}
