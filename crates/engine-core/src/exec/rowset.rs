//! Hashing rows of any column types: group keys, DISTINCT, set operations, join
//! keys and IN-subquery sets all encode their columns with `arrow-row` (a
//! byte-comparable form for every Arrow type) and intern the bytes here.

use std::hash::BuildHasher;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, BooleanArray, Int64Array};
use arrow_row::{Row, RowConverter, Rows, SortField};
use arrow_schema::DataType;
use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

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

/// Dense ids for distinct keys, as [`Interner`] gives, with a fast path: a key
/// of one integer or date column (most join and group keys) is hashed as an
/// `i64` directly instead of being encoded into row bytes first.
pub(crate) enum KeyMap {
    Int {
        ids: HashMap<i64, u32>,
        /// The distinct keys in id order (`None`: the NULL key).
        keys: Vec<Option<i64>>,
        null_id: Option<u32>,
        data_type: DataType,
    },
    Rows {
        encoder: KeyEncoder,
        interner: Interner,
    },
}

/// Whether a column type takes [`KeyMap`]'s integer path.
fn int_key(t: &DataType) -> bool {
    use DataType::*;
    matches!(
        t,
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | Date32
    )
}

fn as_i64(column: &ArrayRef) -> Result<ArrayRef> {
    Ok(arrow_cast::cast(column, &DataType::Int64)?)
}

impl KeyMap {
    pub fn new(types: &[DataType]) -> Result<Self> {
        if let [t] = types {
            if int_key(t) {
                return Ok(KeyMap::Int {
                    ids: HashMap::new(),
                    keys: Vec::new(),
                    null_id: None,
                    data_type: t.clone(),
                });
            }
        }
        let encoder = KeyEncoder::new(types)?;
        let interner = Interner::new(&encoder);
        Ok(KeyMap::Rows { encoder, interner })
    }

    /// The id of every row's key, adding keys not seen yet (NULL is a key).
    pub fn intern(&mut self, columns: &[ArrayRef], out: &mut Vec<u32>) -> Result<()> {
        match self {
            KeyMap::Int {
                ids, keys, null_id, ..
            } => {
                let v = as_i64(&columns[0])?;
                let v = v.as_primitive::<Int64Type>();
                for i in 0..v.len() {
                    let id = if v.is_null(i) {
                        *null_id.get_or_insert_with(|| {
                            keys.push(None);
                            (keys.len() - 1) as u32
                        })
                    } else {
                        let x = v.value(i);
                        *ids.entry(x).or_insert_with(|| {
                            keys.push(Some(x));
                            (keys.len() - 1) as u32
                        })
                    };
                    out.push(id);
                }
            }
            KeyMap::Rows { encoder, interner } => {
                let rows = encoder.encode(columns)?;
                out.extend((0..rows.num_rows()).map(|i| interner.intern(rows.row(i)).0));
            }
        }
        Ok(())
    }

    /// The id of every row's key, when the map holds it (a NULL key never
    /// matches here).
    pub fn get(&self, columns: &[ArrayRef]) -> Result<Vec<Option<u32>>> {
        Ok(match self {
            KeyMap::Int { ids, .. } => {
                let v = as_i64(&columns[0])?;
                let v = v.as_primitive::<Int64Type>();
                (0..v.len())
                    .map(|i| {
                        if v.is_null(i) {
                            None
                        } else {
                            ids.get(&v.value(i)).copied()
                        }
                    })
                    .collect()
            }
            KeyMap::Rows { encoder, interner } => {
                let rows = encoder.encode(columns)?;
                (0..rows.num_rows())
                    .map(|i| interner.get(rows.row(i)))
                    .collect()
            }
        })
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        match self {
            KeyMap::Int { keys, .. } => keys.len(),
            KeyMap::Rows { interner, .. } => interner.len(),
        }
    }

    /// The distinct keys in id order, as columns.
    pub fn keys(&self) -> Result<Vec<ArrayRef>> {
        match self {
            KeyMap::Int {
                keys, data_type, ..
            } => {
                let a: ArrayRef = Arc::new(Int64Array::from(keys.clone()));
                Ok(vec![arrow_cast::cast(&a, data_type)?])
            }
            KeyMap::Rows { encoder, interner } => encoder.decode(interner.keys().iter()),
        }
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
