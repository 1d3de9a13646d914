//! Hashing rows of any column types: group keys, DISTINCT, set operations, join
//! keys and IN-subquery sets all encode their columns with `arrow-row` (a
//! byte-comparable form for every Arrow type) and intern the bytes here.

use std::hash::BuildHasher;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, BooleanArray};
use arrow_row::{Row, RowConverter, Rows, SortField};
use arrow_schema::DataType;
use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

use crate::error::Result;

/// Encodes columns of fixed types into comparable row bytes.
pub(crate) struct KeyEncoder {
    converter: RowConverter,
}

impl KeyEncoder {
    pub fn new(types: &[DataType]) -> Result<Self> {
        let fields = types.iter().map(|t| SortField::new(t.clone())).collect();
        Ok(KeyEncoder {
            converter: RowConverter::new(fields)?,
        })
    }

    pub fn encode(&self, columns: &[ArrayRef]) -> Result<Rows> {
        Ok(self.converter.convert_columns(columns)?)
    }

    pub fn empty_rows(&self) -> Rows {
        self.converter.empty_rows(0, 0)
    }

    /// Decodes rows back into columns.
    pub fn decode<'a>(&self, rows: impl IntoIterator<Item = Row<'a>>) -> Result<Vec<ArrayRef>> {
        Ok(self.converter.convert_rows(rows)?)
    }
}

/// Assigns a dense id to each distinct row.
pub(crate) struct Interner {
    table: HashTable<u32>,
    keys: Rows,
    hasher: DefaultHashBuilder,
}

impl Interner {
    pub fn new(encoder: &KeyEncoder) -> Self {
        Interner {
            table: HashTable::new(),
            keys: encoder.empty_rows(),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// The id of `row`, and whether it was seen for the first time.
    pub fn intern(&mut self, row: Row<'_>) -> (u32, bool) {
        let bytes = row.as_ref();
        let hash = self.hasher.hash_one(bytes);
        let keys = &self.keys;
        let hasher = &self.hasher;
        match self.table.entry(
            hash,
            |&id| keys.row(id as usize).as_ref() == bytes,
            |&id| hasher.hash_one(keys.row(id as usize).as_ref()),
        ) {
            Entry::Occupied(e) => (*e.get(), false),
            Entry::Vacant(e) => {
                let id = self.keys.num_rows() as u32;
                e.insert(id);
                self.keys.push(row);
                (id, true)
            }
        }
    }

    /// The id of `row` if it has been seen.
    pub fn get(&self, row: Row<'_>) -> Option<u32> {
        let bytes = row.as_ref();
        let hash = self.hasher.hash_one(bytes);
        self.table
            .find(hash, |&id| self.keys.row(id as usize).as_ref() == bytes)
            .copied()
    }

    pub fn len(&self) -> usize {
        self.keys.num_rows()
    }

    /// The distinct rows in id order.
    pub fn keys(&self) -> &Rows {
        &self.keys
    }
}

/// The values of one column, for `x IN (subquery)`.
pub(crate) struct RowSet {
    encoder: KeyEncoder,
    interner: Interner,
    has_null: bool,
}

impl RowSet {
    pub fn build(values: &ArrayRef) -> Result<Self> {
        let encoder = KeyEncoder::new(&[values.data_type().clone()])?;
        let mut interner = Interner::new(&encoder);
        let rows = encoder.encode(&[Arc::clone(values)])?;
        for i in 0..values.len() {
            if values.is_valid(i) {
                interner.intern(rows.row(i));
            }
        }
        Ok(RowSet {
            encoder,
            interner,
            has_null: values.null_count() > 0,
        })
    }

    /// TRUE where the value is in the set; NULL where it is NULL, or absent
    /// while the set holds a NULL; FALSE otherwise.
    pub fn contains(&self, v: &ArrayRef) -> Result<BooleanArray> {
        let rows = self.encoder.encode(&[Arc::clone(v)])?;
        Ok((0..v.len())
            .map(|i| {
                if v.is_null(i) {
                    None
                } else if self.interner.get(rows.row(i)).is_some() {
                    Some(true)
                } else if self.has_null {
                    None
                } else {
                    Some(false)
                }
            })
            .collect())
    }
}
