//! Functions over lists: building them (`[a, b]`), membership
//! (`ARRAY_CONTAINS`) and comparisons with any element (`x = ANY(list)`). The binder casts the list's elements and
//! the value to one type first.

use std::sync::Arc;

use arrow_array::builder::BooleanBuilder;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, ListArray, Scalar};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field};

use crate::error::{Error, Result};
use crate::plan::BinaryOp;

use super::registry::{def, FunctionDef, FunctionKind as K};
use super::ScalarFunc as F;

/// The table functions that read files, each in its format.
pub(super) const READERS: &[FunctionDef] = &[
    def(
        &["read_csv", "read_csv_auto"],
        K::Files(crate::io::FileFormat::Csv),
        "read_csv(path) -> rows",
        "the CSV file(s) at path (a glob or folder too), whatever their names",
    ),
    def(
        &["read_parquet", "parquet_scan"],
        K::Files(crate::io::FileFormat::Parquet),
        "read_parquet(path) -> rows",
        "the Parquet file(s) at path",
    ),
    def(
        &[
            "read_json",
            "read_json_auto",
            "read_ndjson",
            "read_ndjson_auto",
        ],
        K::Files(crate::io::FileFormat::Jsonl),
        "read_json(path) -> rows",
        "the JSON Lines file(s) at path",
    ),
    def(
        &["read_arrow", "read_ipc"],
        K::Files(crate::io::FileFormat::Arrow),
        "read_arrow(path) -> rows",
        "the Arrow IPC file(s) at path",
    ),
];

/// The list functions, and the series that FROM reads as tables.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["list_value", "list_pack"],
        K::Scalar(F::ListValue),
        "LIST_VALUE(value, ...) -> list",
        "a list of the values; also [a, b, ...]",
    ),
    def(
        &["list_element", "list_extract", "array_extract"],
        K::Scalar(F::ListElement),
        "LIST_ELEMENT(list, i) -> element",
        "the element at i (from 1; negative from the end); also list[i]",
    ),
    def(
        &["array_contains", "list_contains", "list_has", "array_has"],
        K::Scalar(F::ArrayContains),
        "ARRAY_CONTAINS(list, value) -> BOOLEAN",
        "whether an element equals the value",
    ),
    def(
        &["list_has_all", "array_has_all"],
        K::Scalar(F::ListHasAll),
        "LIST_HAS_ALL(list, sub) -> BOOLEAN",
        "whether every element of sub is in list; also list @> sub, sub <@ list",
    ),
    def(
        &["generate_series"],
        K::Table(F::Series { inclusive: true }),
        "generate_series(start, stop [, step]) -> BIGINT rows",
        "the integers from start to stop, stop included; in FROM a table, else a list",
    ),
    def(
        &["range"],
        K::Table(F::Series { inclusive: false }),
        "range([start,] stop [, step]) -> BIGINT rows",
        "the integers from start (0) up to stop, stop excluded; in FROM a table, else a list",
    ),
];

/// Each element of row `i`'s list compared with row `i`'s value.
fn compare_row(
    op: BinaryOp,
    elements: &ArrayRef,
    value: &ArrayRef,
    i: usize,
) -> Result<BooleanArray> {
    let value = Scalar::new(value.slice(i, 1));
    let cmp = crate::exec::comparison(op)
        .filter(|_| !matches!(op, BinaryOp::IsDistinctFrom | BinaryOp::IsNotDistinctFrom))
        .ok_or_else(|| Error::exec(format!("'{}' cannot compare with ANY", op.symbol())))?;
    // `value op element`: the value is on the left, as written.
    Ok(cmp(&value, elements)?)
}

/// `value op ANY(list)`, row by row, with DuckDB's rules: true when some
/// element satisfies it; otherwise NULL when the value or an element is NULL
/// and the list is not empty; otherwise false. An empty or NULL list gives
/// false.
pub(super) fn any(op: BinaryOp, value: &ArrayRef, lists: &ArrayRef) -> Result<ArrayRef> {
    let lists = lists
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::exec("ANY needs a list"))?;
    let mut out = BooleanBuilder::with_capacity(lists.len());
    for i in 0..lists.len() {
        if lists.is_null(i) || lists.value_length(i) == 0 {
            out.append_value(false);
            continue;
        }
        if value.is_null(i) {
            out.append_null();
            continue;
        }
        let hits = compare_row(op, &lists.value(i), value, i)?;
        if hits.true_count() > 0 {
            out.append_value(true);
        } else if hits.null_count() > 0 {
            out.append_null();
        } else {
            out.append_value(false);
        }
    }
    Ok(Arc::new(out.finish()))
}

/// `ARRAY_CONTAINS(list, value)`: whether an element equals the value (NULL
/// elements are skipped); NULL when the list or the value is NULL.
pub(super) fn contains(lists: &ArrayRef, value: &ArrayRef) -> Result<ArrayRef> {
    let lists = lists
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::exec("ARRAY_CONTAINS needs a list"))?;
    let mut out = BooleanBuilder::with_capacity(lists.len());
    for i in 0..lists.len() {
        if lists.is_null(i) || value.is_null(i) {
            out.append_null();
            continue;
        }
        let hits = compare_row(BinaryOp::Eq, &lists.value(i), value, i)?;
        out.append_value(hits.true_count() > 0);
    }
    Ok(Arc::new(out.finish()))
}

/// `LIST_HAS_ALL(list, sub)` (`list @> sub`, `sub <@ list`): whether every
/// non-NULL element of `sub` is an element of `list` (NULL elements are
/// skipped, as in DuckDB); NULL for a NULL list.
pub(super) fn has_all(lists: &ArrayRef, subs: &ArrayRef) -> Result<ArrayRef> {
    let (lists, subs) = match (lists.as_list_opt::<i32>(), subs.as_list_opt::<i32>()) {
        (Some(l), Some(s)) => (l, s),
        _ => return Err(Error::exec("LIST_HAS_ALL needs two lists")),
    };
    // Elements compare as `arrow-row` bytes (the binder gave both lists one
    // element type).
    let converter =
        arrow_row::RowConverter::new(vec![arrow_row::SortField::new(lists.value_type())])?;
    let have = converter.convert_columns(std::slice::from_ref(lists.values()))?;
    let want = converter.convert_columns(std::slice::from_ref(subs.values()))?;
    let (have_nulls, want_nulls) = (
        lists.values().logical_nulls(),
        subs.values().logical_nulls(),
    );
    let valid =
        |n: &Option<arrow_buffer::NullBuffer>, k: usize| n.as_ref().is_none_or(|n| n.is_valid(k));
    let range =
        |l: &ListArray, i: usize| l.value_offsets()[i] as usize..l.value_offsets()[i + 1] as usize;
    let mut own = std::collections::HashSet::new();
    let mut out = BooleanBuilder::with_capacity(lists.len());
    for i in 0..lists.len() {
        if lists.is_null(i) || subs.is_null(i) {
            out.append_null();
            continue;
        }
        own.clear();
        own.extend(
            range(lists, i)
                .filter(|&k| valid(&have_nulls, k))
                .map(|k| have.row(k)),
        );
        let all = range(subs, i)
            .filter(|&k| valid(&want_nulls, k))
            .all(|k| own.contains(&want.row(k)));
        out.append_value(all);
    }
    Ok(Arc::new(out.finish()))
}

/// `[a, b, ...]`: each row's arguments as one list (of the arguments' one
/// type, which the binder cast them to; NULL for none).
pub(super) fn make(args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
    let k = args.len();
    let element = args
        .first()
        .map_or(DataType::Null, |a| a.data_type().clone());
    let values = match k {
        0 => arrow_array::new_empty_array(&element),
        _ => {
            let refs: Vec<&dyn Array> = args.iter().map(|a| a.as_ref()).collect();
            let picks: Vec<(usize, usize)> = (0..num_rows)
                .flat_map(|i| (0..k).map(move |j| (j, i)))
                .collect();
            arrow_select::interleave::interleave(&refs, &picks)?
        }
    };
    let offsets = OffsetBuffer::<i32>::from_lengths(std::iter::repeat_n(k, num_rows));
    let field = Arc::new(Field::new_list_field(element, true));
    Ok(Arc::new(ListArray::try_new(field, offsets, values, None)?))
}

/// `list[i]`: the element at `i`, counting from 1, or from the end when
/// negative (DuckDB's rule); NULL past either end, at 0, or for a NULL list
/// or index.
pub(super) fn element(lists: &ArrayRef, index: &ArrayRef) -> Result<ArrayRef> {
    let lists = lists
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::exec("a list index needs a list"))?;
    let index = index.as_primitive::<arrow_array::types::Int64Type>();
    let offsets = lists.value_offsets();
    let picks: arrow_array::UInt32Array = (0..lists.len())
        .map(|i| {
            if lists.is_null(i) || index.is_null(i) {
                return None;
            }
            let (start, len) = (offsets[i] as i64, (offsets[i + 1] - offsets[i]) as i64);
            let k = index.value(i);
            let at = match k {
                1.. => k - 1,
                0 => return None,
                _ => len + k,
            };
            (0..len).contains(&at).then(|| (start + at) as u32)
        })
        .collect();
    Ok(arrow_select::take::take(
        lists.values().as_ref(),
        &picks,
        None,
    )?)
}

/// `LENGTH(list)`: the number of elements (NULL for a NULL list).
pub(super) fn lengths(lists: &ArrayRef) -> Result<ArrayRef> {
    let lists = lists
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::exec("LENGTH of a list needs a list"))?;
    let offsets = lists.value_offsets();
    let out: arrow_array::Int64Array = (0..lists.len())
        .map(|i| (!lists.is_null(i)).then(|| (offsets[i + 1] - offsets[i]) as i64))
        .collect();
    Ok(Arc::new(out))
}

/// The most values one series may hold: a series is built whole, as a list.
const MAX_SERIES: i64 = 1 << 28;

/// `GENERATE_SERIES(start, stop [, step])`, `RANGE(...)`: the integers from
/// `start` (0 when only `stop` is given) by `step` (1) up to `stop`
/// (included when `inclusive`), downwards for a negative step; empty when
/// `stop` is on the other side; NULL when an argument is.
pub(super) fn series(args: &[ArrayRef], num_rows: usize, inclusive: bool) -> Result<ArrayRef> {
    use arrow_array::builder::{Int64Builder, ListBuilder};
    use arrow_array::types::Int64Type;
    let ints: Vec<_> = args.iter().map(|a| a.as_primitive::<Int64Type>()).collect();
    let mut out = ListBuilder::new(Int64Builder::new());
    for i in 0..num_rows {
        let value = |k: usize| (!ints[k].is_null(i)).then(|| ints[k].value(i));
        let parts = match ints.len() {
            1 => (Some(0), value(0), Some(1)),
            2 => (value(0), value(1), Some(1)),
            _ => (value(0), value(1), value(2)),
        };
        let (Some(start), Some(stop), Some(step)) = parts else {
            out.append(false);
            continue;
        };
        if step == 0 {
            return Err(Error::exec("a series' step cannot be 0"));
        }
        // How many values, in 128 bits so that no bound overflows.
        let (start_w, stop_w, step_w) = (start as i128, stop as i128, step as i128);
        let span = match inclusive {
            true => stop_w - start_w + step_w.signum(),
            false => stop_w - start_w,
        };
        let count = if span.signum() == step_w.signum() {
            (span.abs() + step_w.abs() - 1) / step_w.abs()
        } else {
            0
        };
        if count > MAX_SERIES as i128 {
            return Err(Error::ResourcesExhausted(format!(
                "a series of {count} values; tern builds at most {MAX_SERIES} at once"
            )));
        }
        for k in 0..count {
            out.values().append_value((start_w + k * step_w) as i64);
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}
