//! Hashing rows of any column types: group keys, DISTINCT, set operations, join
//! keys and IN-subquery sets all encode their columns with `arrow-row` (a
//! byte-comparable form for every Arrow type) and intern the bytes here.

use std::hash::BuildHasher;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int64Type};
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
        if columns
            .iter()
            .any(|c| crate::types::is_float(c.data_type()))
        {
            let canonical: Vec<ArrayRef> = columns.iter().map(canonical_floats).collect();
            return Ok(self.converter.convert_columns(&canonical)?);
        }
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

/// `a` with −0.0 as 0.0 and every NaN as one NaN, so that values SQL calls
/// equal have equal bytes: arrow's row format and comparison kernels order
/// floats by IEEE total order, where −0.0 < 0.0 and NaNs differ by payload.
/// Other arrays are returned as they are.
pub(crate) fn canonical_floats(a: &ArrayRef) -> ArrayRef {
    // Almost every column holds neither: a read-only scan spares the copy.
    let odd64 = |v: &f64| {
        v.to_bits() == (-0.0f64).to_bits() || (v.is_nan() && v.to_bits() != f64::NAN.to_bits())
    };
    let odd32 = |v: &f32| {
        v.to_bits() == (-0.0f32).to_bits() || (v.is_nan() && v.to_bits() != f32::NAN.to_bits())
    };
    let clean = match a.data_type() {
        DataType::Float64 => !a.as_primitive::<Float64Type>().values().iter().any(odd64),
        DataType::Float32 => !a.as_primitive::<Float32Type>().values().iter().any(odd32),
        DataType::Float16 => false,
        _ => true,
    };
    if clean {
        return Arc::clone(a);
    }
    match a.data_type() {
        DataType::Float64 => Arc::new(
            a.as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|v| if v.is_nan() { f64::NAN } else { v + 0.0 }),
        ),
        DataType::Float32 => Arc::new(
            a.as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|v| if v.is_nan() { f32::NAN } else { v + 0.0 }),
        ),
        DataType::Float16 => {
            // Exact both ways; f16 values are rare enough not to need a kernel.
            arrow_cast::cast(a, &DataType::Float32)
                .and_then(|wide| arrow_cast::cast(&canonical_floats(&wide), &DataType::Float16))
                .unwrap_or_else(|_| Arc::clone(a))
        }
        _ => Arc::clone(a),
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

    /// Bytes held: the encoded keys and the table of ids.
    pub fn memory_size(&self) -> usize {
        self.keys.size() + self.table.capacity() * (4 + 8)
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
        ids: IntIds,
        /// The distinct keys in id order (0 at `null_id`): 8 bytes a key,
        /// where `Option<i64>` took 16 (TPC-H q18 groups 1.5 million).
        keys: Vec<i64>,
        null_id: Option<u32>,
        data_type: DataType,
    },
    /// Up to four columns, each integer, date or short string (a composite
    /// key: TPC-H's (partkey, suppkey), q1's two one-letter flags): the
    /// values hashed as a tuple of `i64`, no row encoding. A string is
    /// packed into its `i64` while every string seen fits in 7 bytes
    /// ([`pack_view`]); a longer one turns the map into `Rows`.
    Ints {
        table: HashTable<u32>,
        /// The distinct keys in id order, one value per column each (0
        /// where NULL).
        values: Vec<i64>,
        /// Per distinct key, bit `c` set when its column `c` is NULL.
        nulls: Vec<u8>,
        types: Vec<DataType>,
        hasher: DefaultHashBuilder,
    },
    Rows {
        encoder: KeyEncoder,
        interner: Interner,
    },
}

/// The most columns [`KeyMap::Ints`] takes (its NULL mask is a byte).
const MAX_INT_COLUMNS: usize = 4;

/// Whether distinct key `id` of a [`KeyMap::Ints`] (its `values`, one per
/// column, and NULL `nulls`) is `key` with NULL mask `mask`.
fn tuple_is(values: &[i64], nulls: &[u8], id: u32, key: &[i64], mask: u8) -> bool {
    let (id, w) = (id as usize, key.len());
    nulls[id] == mask && values[id * w..id * w + w] == *key
}

/// The mask bit of a row whose string is too long to pack: such a row is
/// never interned (the map turns into `Rows` first) and never matches.
const LONG: u8 = 0x80;

/// The longest string [`pack_view`] packs.
const PACKED_BYTES: u32 = 7;

/// A string of at most [`PACKED_BYTES`] bytes, from its Arrow view (length
/// in the low 32 bits, the bytes after it), as one `i64`: the bytes above
/// three bits of length. Bytes past the length are masked off, so equal
/// strings pack equal whatever a writer left there.
fn pack_view(view: u128) -> Option<i64> {
    let len = view as u32;
    if len > PACKED_BYTES {
        return None;
    }
    let bytes = ((view >> 32) as u64) & ((1u64 << (8 * len)) - 1);
    Some(((bytes << 3) | len as u64) as i64)
}

/// The view of a string [`pack_view`] packed.
fn unpack_view(word: i64) -> u128 {
    let word = word as u64;
    (word & 7) as u128 | ((word >> 3) as u128) << 32
}

/// Whether every string of `columns`' string columns packs into an `i64`.
fn packable(columns: &[ArrayRef]) -> bool {
    let short = |len: usize| len <= PACKED_BYTES as usize;
    columns.iter().all(|c| match c.data_type() {
        DataType::Utf8View => c
            .as_string_view()
            .views()
            .iter()
            .all(|v| short(*v as u32 as usize)),
        DataType::Utf8 => c.as_string::<i32>().offsets().lengths().all(short),
        DataType::LargeUtf8 => c.as_string::<i64>().offsets().lengths().all(short),
        _ => true,
    })
}

/// Each row of `columns` (integer columns cast to `i64`, strings packed) as
/// values and a NULL mask, handed to `f` in row order. A string too long to
/// pack sets [`LONG`] in the mask.
fn int_tuples(columns: &[ArrayRef], mut f: impl FnMut(&[i64], u8)) -> Result<()> {
    enum Col<'a> {
        Int(&'a Int64Array),
        View(&'a arrow_array::StringViewArray),
    }
    let wide = columns
        .iter()
        .map(|c| match c.data_type() {
            DataType::Utf8View => Ok(Arc::clone(c)),
            // Strings of another layout (a probe side read otherwise) as views.
            DataType::Utf8 | DataType::LargeUtf8 => Ok(arrow_cast::cast(c, &DataType::Utf8View)?),
            _ => as_i64(c),
        })
        .collect::<Result<Vec<_>>>()?;
    let cols: Vec<Col> = wide
        .iter()
        .map(|c| match c.data_type() {
            DataType::Utf8View => Col::View(c.as_string_view()),
            _ => Col::Int(c.as_primitive::<Int64Type>()),
        })
        .collect();
    let rows = wide.first().map_or(0, |c| c.len());
    let nullable = wide.iter().any(|c| c.null_count() > 0);
    let mut key = [0i64; MAX_INT_COLUMNS];
    let key = &mut key[..cols.len()];
    for i in 0..rows {
        let mut mask = 0u8;
        for (c, (col, array)) in cols.iter().zip(&wide).enumerate() {
            if nullable && array.is_null(i) {
                mask |= 1 << c;
                key[c] = 0;
                continue;
            }
            key[c] = match col {
                Col::Int(a) => a.value(i),
                Col::View(a) => pack_view(a.views()[i]).unwrap_or_else(|| {
                    mask |= LONG;
                    0
                }),
            };
        }
        f(key, mask);
    }
    Ok(())
}

/// Ids of integer keys: while the keys seen span a range not much wider than
/// the rows seen, a slot per value in that range (no hashing: TPC-H's
/// partkey and orderkey group this way); past that, a hash map.
#[derive(Default)]
pub(crate) struct IntIds {
    /// `(smallest value, slots)`: `slots[x - smallest]` is the id + 1, or 0.
    dense: Option<(i64, Vec<u32>)>,
    map: HashMap<i64, u32>,
    rows_seen: usize,
}

/// The widest range of values kept in slots (16 Mi slots, 64 MiB).
const MAX_SLOTS: i128 = 1 << 24;

/// Slots per row seen at most. A slot is 4 bytes; the hash map's bucket is
/// 17 (key, id and control byte) at a load of 7/16 to 7/8, so about 28 bytes
/// a key. Up to 10 slots a row, slots hold at most about 1.5 times that and
/// need no hashing: TPC-H q21 joins 729,000 orders keys spread over 6
/// million values 12% faster through slots. Wider ranges hash: q3's join of
/// 147,000 such keys took 24 MB of slots, against 4 MB hashed.
const SLOTS_PER_ROW: i128 = 10;

/// Slots always allowed once a batch of some size has been seen (4 MiB):
/// the first batch decides between slots and hashing for good, and 8,192
/// random part keys of 200,000 would hash at 10 slots a row, which made
/// TPC-H q17's GROUP BY seven times slower.
const FEW_SLOTS: i128 = 1 << 20;

impl IntIds {
    /// Makes room for a batch's values: widens the slots to cover them, or
    /// moves every key seen so far into the hash map when they spread too far.
    fn prepare(&mut self, v: &arrow_array::Int64Array, keys: &[i64]) {
        let first = self.rows_seen == 0;
        self.rows_seen += v.len();
        if !first && self.dense.is_none() {
            return;
        }
        let (Some(lo), Some(hi)) = (
            arrow_arith::aggregate::min(v),
            arrow_arith::aggregate::max(v),
        ) else {
            return;
        };
        let old_len = self.dense.as_ref().map_or(0, |(_, s)| s.len());
        let (lo, hi) = match &self.dense {
            Some((base, slots)) => {
                if lo >= *base && hi < *base + slots.len() as i64 {
                    return; // already covered
                }
                (lo.min(*base), hi.max(*base + slots.len() as i64 - 1))
            }
            None => (lo, hi),
        };
        let span = hi as i128 - lo as i128 + 1;
        let rows = self.rows_seen as i128;
        let allowed = (SLOTS_PER_ROW * rows + 4096).max(FEW_SLOTS.min(256 * rows));
        if span <= MAX_SLOTS && span <= allowed {
            // Grown at least twofold, so keys arriving in order (a sorted
            // file) cost amortized constant time, not a copy per batch.
            let len = (span as usize).max((2 * old_len).min(MAX_SLOTS as usize));
            let base = match &self.dense {
                Some((base, _)) if lo < *base => hi - len as i64 + 1,
                _ => lo,
            };
            let mut slots = vec![0u32; len];
            if let Some((old_base, old)) = self.dense.take() {
                let shift = (old_base - base) as usize;
                slots[shift..shift + old.len()].copy_from_slice(&old);
            }
            self.dense = Some((base, slots));
        } else if let Some((base, slots)) = self.dense.take() {
            self.map.reserve(keys.len());
            for (off, &slot) in slots.iter().enumerate() {
                if slot != 0 {
                    self.map.insert(base + off as i64, slot - 1);
                }
            }
        }
    }

    /// The common case in a tight loop: the ids of `values` (no NULLs) when
    /// every one falls in the slots, without a pass for their range first.
    /// False, with `out` as it was, when one does not (or there are no
    /// slots); the keys met before it stay interned.
    fn intern_in_slots(&mut self, values: &[i64], keys: &mut Vec<i64>, out: &mut Vec<u32>) -> bool {
        let Some((base, slots)) = &mut self.dense else {
            return false;
        };
        let start = out.len();
        out.reserve(values.len());
        for &x in values {
            let Some(slot) = slots.get_mut(x.wrapping_sub(*base) as u64 as usize) else {
                out.truncate(start);
                return false;
            };
            if *slot == 0 {
                keys.push(x);
                *slot = keys.len() as u32;
            }
            out.push(*slot - 1);
        }
        self.rows_seen += values.len();
        true
    }

    /// The id of `x`, a new one (pushed onto `keys`) when first seen.
    fn intern(&mut self, x: i64, keys: &mut Vec<i64>) -> u32 {
        if let Some((base, slots)) = &mut self.dense {
            let slot = &mut slots[(x - *base) as usize];
            if *slot == 0 {
                keys.push(x);
                *slot = keys.len() as u32;
            }
            return *slot - 1;
        }
        *self.map.entry(x).or_insert_with(|| {
            keys.push(x);
            (keys.len() - 1) as u32
        })
    }

    pub(crate) fn get(&self, x: i64) -> Option<u32> {
        match &self.dense {
            Some((base, slots)) => {
                let off = x as i128 - *base as i128;
                if off < 0 || off >= slots.len() as i128 {
                    return None;
                }
                slots[off as usize].checked_sub(1)
            }
            None => self.map.get(&x).copied(),
        }
    }
}

/// Whether a column type takes [`KeyMap`]'s integer path.
pub(crate) fn int_key(t: &DataType) -> bool {
    use DataType::*;
    matches!(
        t,
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | Date32
    )
}

pub(crate) fn as_i64(column: &ArrayRef) -> Result<ArrayRef> {
    Ok(arrow_cast::cast(column, &DataType::Int64)?)
}

impl KeyMap {
    /// Bytes held: the keys and the structure finding their ids.
    pub fn memory_size(&self) -> usize {
        match self {
            KeyMap::Int { ids, keys, .. } => {
                keys.capacity() * 8
                    + ids.dense.as_ref().map_or(0, |(_, s)| s.capacity() * 4)
                    + ids.map.capacity() * (8 + 4 + 8)
            }
            KeyMap::Ints {
                table,
                values,
                nulls,
                ..
            } => values.capacity() * 8 + nulls.capacity() + table.capacity() * (4 + 8),
            KeyMap::Rows { interner, .. } => interner.memory_size(),
        }
    }

    /// Turns an `Ints` map into `Rows`, its keys keeping their ids (they
    /// are interned in id order, each new).
    fn rehash_as_rows(&mut self) -> Result<()> {
        let KeyMap::Ints { types, .. } = self else {
            return Ok(());
        };
        let encoder = KeyEncoder::new(types)?;
        let mut interner = Interner::new(&encoder);
        if self.len() > 0 {
            let rows = encoder.encode(&self.keys()?)?;
            for row in rows.iter() {
                interner.intern(row);
            }
        }
        *self = KeyMap::Rows { encoder, interner };
        Ok(())
    }

    pub fn new(types: &[DataType]) -> Result<Self> {
        let tuple = |t: &DataType| int_key(t) || *t == DataType::Utf8View;
        let strings = types.contains(&DataType::Utf8View);
        let columns = if strings { 1 } else { 2 };
        if (columns..=MAX_INT_COLUMNS).contains(&types.len()) && types.iter().all(tuple) {
            return Ok(KeyMap::Ints {
                table: HashTable::new(),
                values: Vec::new(),
                nulls: Vec::new(),
                types: types.to_vec(),
                hasher: DefaultHashBuilder::default(),
            });
        }
        if let [t] = types {
            if int_key(t) {
                return Ok(KeyMap::Int {
                    ids: IntIds::default(),
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
                if v.null_count() == 0 && ids.intern_in_slots(v.values(), keys, out) {
                    return Ok(());
                }
                ids.prepare(v, keys);
                for i in 0..v.len() {
                    let id = if v.is_null(i) {
                        *null_id.get_or_insert_with(|| {
                            keys.push(0);
                            (keys.len() - 1) as u32
                        })
                    } else {
                        ids.intern(v.value(i), keys)
                    };
                    out.push(id);
                }
            }
            KeyMap::Ints { .. } if !packable(columns) => {
                self.rehash_as_rows()?;
                return self.intern(columns, out);
            }
            KeyMap::Ints {
                table,
                values,
                nulls,
                types,
                hasher,
            } => {
                let w = types.len();
                int_tuples(columns, |key, mask| {
                    let hash = hasher.hash_one((key, mask));
                    let entry = table.entry(
                        hash,
                        |&id| tuple_is(values, nulls, id, key, mask),
                        |&id| {
                            let id = id as usize;
                            hasher.hash_one((&values[id * w..id * w + w], nulls[id]))
                        },
                    );
                    out.push(match entry {
                        Entry::Occupied(e) => *e.get(),
                        Entry::Vacant(e) => {
                            let id = nulls.len() as u32;
                            e.insert(id);
                            values.extend_from_slice(key);
                            nulls.push(mask);
                            id
                        }
                    });
                })?;
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
                            ids.get(v.value(i))
                        }
                    })
                    .collect()
            }
            KeyMap::Ints {
                table,
                values,
                nulls,
                hasher,
                ..
            } => {
                let mut out = Vec::with_capacity(columns[0].len());
                int_tuples(columns, |key, mask| {
                    let hash = hasher.hash_one((key, mask));
                    out.push(
                        (mask == 0)
                            .then(|| table.find(hash, |&id| tuple_is(values, nulls, id, key, 0)))
                            .flatten()
                            .copied(),
                    );
                })?;
                out
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
            KeyMap::Ints { nulls, .. } => nulls.len(),
            KeyMap::Rows { interner, .. } => interner.len(),
        }
    }

    /// The distinct keys in id order, as columns.
    pub fn keys(&self) -> Result<Vec<ArrayRef>> {
        match self {
            KeyMap::Int {
                keys,
                null_id,
                data_type,
                ..
            } => {
                let nulls = null_id.map(|n| {
                    let mut valid = arrow_buffer::BooleanBufferBuilder::new(keys.len());
                    valid.append_n(keys.len(), true);
                    valid.set_bit(n as usize, false);
                    arrow_buffer::NullBuffer::new(valid.finish())
                });
                let a: ArrayRef = Arc::new(Int64Array::new(keys.clone().into(), nulls));
                Ok(vec![arrow_cast::cast(&a, data_type)?])
            }
            KeyMap::Ints {
                values,
                nulls,
                types,
                ..
            } => {
                let w = types.len();
                types
                    .iter()
                    .enumerate()
                    .map(|(c, t)| {
                        let column: Int64Array = (0..nulls.len())
                            .map(|id| (nulls[id] & (1 << c) == 0).then(|| values[id * w + c]))
                            .collect();
                        if *t == DataType::Utf8View {
                            let views = column.values().iter().map(|&v| unpack_view(v)).collect();
                            let strings = arrow_array::StringViewArray::try_new(
                                views,
                                vec![],
                                column.nulls().cloned(),
                            )?;
                            return Ok(Arc::new(strings) as ArrayRef);
                        }
                        Ok(arrow_cast::cast(&column, t)?)
                    })
                    .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(map: &mut KeyMap, values: Vec<Option<i64>>) -> Vec<u32> {
        let a: ArrayRef = Arc::new(Int64Array::from(values));
        let mut out = Vec::new();
        map.intern(&[a], &mut out).unwrap();
        out
    }

    #[test]
    fn integer_keys_keep_their_ids_from_slots_to_hashing() {
        let mut m = KeyMap::new(&[DataType::Int64]).unwrap();
        // Close values: slots; a NULL is a key of its own.
        assert_eq!(
            ids(&mut m, vec![Some(10), Some(12), Some(10), None]),
            [0, 1, 0, 2]
        );
        // A value below the range widens the slots, ids unchanged.
        assert_eq!(ids(&mut m, vec![Some(5), Some(12)]), [3, 1]);
        // A value far away moves every key into the hash map.
        assert_eq!(
            ids(&mut m, vec![Some(1 << 40), Some(10), Some(5)]),
            [4, 0, 3]
        );
        assert_eq!(ids(&mut m, vec![Some(11), None]), [5, 2]);
        let probe: ArrayRef = Arc::new(Int64Array::from(vec![Some(12), Some(7), None]));
        assert_eq!(m.get(&[probe]).unwrap(), [Some(1), None, None]);
        let keys = m.keys().unwrap();
        let keys = keys[0].as_primitive::<Int64Type>();
        assert_eq!(
            keys.iter().collect::<Vec<_>>(),
            [Some(10), Some(12), None, Some(5), Some(1 << 40), Some(11)]
        );
    }

    #[test]
    fn sparse_integer_keys_hash_instead_of_taking_slots() {
        let dense = |m: &KeyMap| matches!(m, KeyMap::Int { ids, .. } if ids.dense.is_some());
        // 10,000 keys 200 apart: 2 million slots would be 200 per key.
        let mut m = KeyMap::new(&[DataType::Int64]).unwrap();
        let sparse: Vec<Option<i64>> = (0..10_000).map(|i| Some(i * 200)).collect();
        assert_eq!(ids(&mut m, sparse)[9_999], 9_999);
        assert!(!dense(&m));
        assert!(m.memory_size() < 10_000 * 64, "{}", m.memory_size());
        // 4 apart: slots.
        let mut m = KeyMap::new(&[DataType::Int64]).unwrap();
        let close: Vec<Option<i64>> = (0..10_000).map(|i| Some(i * 4)).collect();
        assert_eq!(ids(&mut m, close)[9_999], 9_999);
        assert!(dense(&m));
        // 8,192 keys spread over 200,000 values: the first batch of a
        // GROUP BY on random keys, which the next batches fill in.
        let mut m = KeyMap::new(&[DataType::Int64]).unwrap();
        let random: Vec<Option<i64>> = (0..8_192).map(|i| Some(i * 7919 % 200_000)).collect();
        ids(&mut m, random);
        assert!(dense(&m));
        // A few rows far apart hash.
        let mut m = KeyMap::new(&[DataType::Int64]).unwrap();
        ids(&mut m, vec![Some(0), Some(100_000)]);
        assert!(!dense(&m));
    }

    #[test]
    fn short_strings_pack_until_a_long_one_comes() {
        use arrow_array::StringViewArray;
        let types = [DataType::Utf8View, DataType::Int32];
        let mut m = KeyMap::new(&types).unwrap();
        assert!(matches!(m, KeyMap::Ints { .. }));
        let batch = |s: Vec<Option<&str>>, n: Vec<Option<i32>>| -> Vec<ArrayRef> {
            vec![
                Arc::new(StringViewArray::from(s)),
                Arc::new(arrow_array::Int32Array::from(n)),
            ]
        };
        let mut out = Vec::new();
        let first = batch(
            vec![Some("A"), Some(""), None, Some("A"), Some("seven77")],
            vec![Some(1), Some(1), Some(1), Some(1), None],
        );
        m.intern(&first, &mut out).unwrap();
        assert_eq!(out, [0, 1, 2, 0, 3]);
        assert!(matches!(m, KeyMap::Ints { .. }));
        // Bytes a writer left past a string's length do not make it another key.
        let clean = StringViewArray::from(vec!["A"]).views()[0];
        assert_eq!(pack_view(clean | (0xFF << 64)), pack_view(clean));
        assert_eq!(unpack_view(pack_view(clean).unwrap()), clean);
        // A probe with a string too long to pack matches nothing.
        let probe = batch(vec![Some("eight888"), Some("A")], vec![Some(1), Some(1)]);
        assert_eq!(m.get(&probe).unwrap(), [None, Some(0)]);
        // Strings not held as views match as theirs would.
        let plain: Vec<ArrayRef> = vec![
            Arc::new(arrow_array::StringArray::from(vec!["12", "A", "eight888"])),
            Arc::new(arrow_array::Int32Array::from(vec![1, 1, 1])),
        ];
        assert_eq!(m.get(&plain).unwrap(), [None, Some(0), None]);
        // A long string turns the map into rows; every key keeps its id.
        out.clear();
        let second = batch(
            vec![
                Some("a string of more than twelve bytes"),
                Some("A"),
                Some("seven77"),
            ],
            vec![Some(2), Some(1), None],
        );
        m.intern(&second, &mut out).unwrap();
        assert!(matches!(m, KeyMap::Rows { .. }));
        assert_eq!(out, [4, 0, 3]);
        let keys = m.keys().unwrap();
        let strings = keys[0].as_string_view();
        assert_eq!(
            strings.iter().collect::<Vec<_>>(),
            [
                Some("A"),
                Some(""),
                None,
                Some("seven77"),
                Some("a string of more than twelve bytes")
            ]
        );
    }

    #[test]
    fn composite_integer_keys_hash_as_tuples_with_nulls_apart() {
        use arrow_array::{Date32Array, Int32Array};
        let types = [DataType::Int32, DataType::Date32];
        let mut m = KeyMap::new(&types).unwrap();
        assert!(matches!(m, KeyMap::Ints { .. }));
        let a: ArrayRef = Arc::new(Int32Array::from(vec![
            Some(1),
            Some(1),
            None,
            Some(0),
            None,
        ]));
        let b: ArrayRef = Arc::new(Date32Array::from(vec![
            Some(7),
            Some(7),
            Some(0),
            None,
            Some(0),
        ]));
        let mut out = Vec::new();
        m.intern(&[a, b], &mut out).unwrap();
        // (NULL, 0) and (0, NULL) are keys of their own, each once.
        assert_eq!(out, [0, 0, 1, 2, 1]);
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), None, Some(0)]));
        let b: ArrayRef = Arc::new(Date32Array::from(vec![Some(7), Some(0), Some(0)]));
        // A NULL part never matches in a lookup.
        assert_eq!(m.get(&[a, b]).unwrap(), [Some(0), None, None]);
        let keys = m.keys().unwrap();
        assert_eq!(keys[0].data_type(), &DataType::Int32);
        assert_eq!(keys[1].data_type(), &DataType::Date32);
        assert_eq!(
            keys[0]
                .as_primitive::<arrow_array::types::Int32Type>()
                .iter()
                .collect::<Vec<_>>(),
            [Some(1), None, Some(0)]
        );
        assert_eq!(
            keys[1]
                .as_primitive::<arrow_array::types::Date32Type>()
                .iter()
                .collect::<Vec<_>>(),
            [Some(7), Some(0), None]
        );
    }
}
