//! Functions that reorder and reshape lists: LIST_SORT, LIST_DISTINCT,
//! LIST_REVERSE, slices (`list[a:b]`), LIST_CONCAT (`||`), FLATTEN, and the
//! ones that read a list down to one value (LIST_UNIQUE, LIST_POSITION).
//!
//! Each reshaping function picks, for every row, the positions of the
//! elements its result keeps; one `take` then builds all the results'
//! elements at once, whatever their type.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, Int64Array, ListArray, StringArray, UInt32Array};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{DataType, FieldRef};

use crate::error::{Error, Result};

use super::registry::{def, FunctionDef, FunctionKind as K};
use super::ScalarFunc as F;

/// A function of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ListFn {
    /// `LIST_SORT(list [, 'ASC'|'DESC' [, 'NULLS FIRST'|'NULLS LAST']])`;
    /// `reverse` for LIST_REVERSE_SORT, whose one option is the NULL order.
    Sort {
        reverse: bool,
    },
    Distinct,
    Unique,
    Reverse,
    /// `LIST_SLICE(list, begin, end)` and `list[begin:end]`; text too.
    Slice,
    Concat,
    Flatten,
    Position,
}

impl ListFn {
    /// The fewest and most arguments.
    pub(super) fn arity(self) -> (usize, usize) {
        match self {
            ListFn::Sort { reverse: false } => (1, 3),
            ListFn::Sort { reverse: true } => (1, 2),
            ListFn::Slice => (3, 3),
            ListFn::Concat | ListFn::Position => (2, 2),
            _ => (1, 1),
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            ListFn::Sort { reverse: false } => "LIST_SORT",
            ListFn::Sort { reverse: true } => "LIST_REVERSE_SORT",
            ListFn::Distinct => "LIST_DISTINCT",
            ListFn::Unique => "LIST_UNIQUE",
            ListFn::Reverse => "LIST_REVERSE",
            ListFn::Slice => "LIST_SLICE",
            ListFn::Concat => "LIST_CONCAT",
            ListFn::Flatten => "FLATTEN",
            ListFn::Position => "LIST_POSITION",
        }
    }
}

/// This family's part of the function table.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["list_sort", "array_sort"],
        K::Scalar(F::ListOp(ListFn::Sort { reverse: false })),
        "LIST_SORT(list [, order [, nulls]]) -> list",
        "the elements sorted ('ASC' or 'DESC'; NULLs 'NULLS LAST' unless 'NULLS FIRST')",
    ),
    def(
        &["list_reverse_sort", "array_reverse_sort"],
        K::Scalar(F::ListOp(ListFn::Sort { reverse: true })),
        "LIST_REVERSE_SORT(list [, nulls]) -> list",
        "the elements sorted largest first (NULLs last unless 'NULLS FIRST')",
    ),
    def(
        &["list_distinct", "array_distinct"],
        K::Scalar(F::ListOp(ListFn::Distinct)),
        "LIST_DISTINCT(list) -> list",
        "each non-NULL element once, in the order first met",
    ),
    def(
        &["list_unique", "array_unique"],
        K::Scalar(F::ListOp(ListFn::Unique)),
        "LIST_UNIQUE(list) -> BIGINT",
        "how many distinct non-NULL elements the list has",
    ),
    def(
        &["list_reverse", "array_reverse"],
        K::Scalar(F::ListOp(ListFn::Reverse)),
        "LIST_REVERSE(list) -> list",
        "the elements last first",
    ),
    def(
        &["list_slice", "array_slice"],
        K::Scalar(F::ListOp(ListFn::Slice)),
        "LIST_SLICE(list, begin, end) -> list",
        "elements begin to end, both included (from 1; negative from the end); also list[begin:end], and on text",
    ),
    def(
        &["list_concat", "list_cat", "array_concat", "array_cat"],
        K::Scalar(F::ListOp(ListFn::Concat)),
        "LIST_CONCAT(a, b) -> list",
        "a's elements then b's (a NULL list adds none); also a || b",
    ),
    def(
        &["flatten"],
        K::Scalar(F::ListOp(ListFn::Flatten)),
        "FLATTEN(list of lists) -> list",
        "the inner lists' elements, one list after another",
    ),
    def(
        &[
            "list_position",
            "list_indexof",
            "array_position",
            "array_indexof",
        ],
        K::Scalar(F::ListOp(ListFn::Position)),
        "LIST_POSITION(list, value) -> BIGINT",
        "where the value first occurs (from 1; NULL finds a NULL element), or NULL",
    ),
];

/// Calls `f` on arrays of the types `ScalarFunc::coerce` chose.
pub(super) fn call(f: ListFn, args: &[ArrayRef]) -> Result<ArrayRef> {
    match f {
        ListFn::Sort { reverse } => sort(args, reverse),
        ListFn::Distinct => distinct(&args[0]),
        ListFn::Unique => unique(&args[0]),
        ListFn::Reverse => {
            let lists = list(&args[0], f)?;
            rebuild(lists, |_, r, out| {
                out.extend(r.rev().map(|j| j as u32));
                Ok(true)
            })
        }
        ListFn::Slice => match args[0].data_type() {
            DataType::Utf8 => slice_text(args),
            _ => slice(args),
        },
        ListFn::Concat => concat(&args[0], &args[1]),
        ListFn::Flatten => flatten(&args[0]),
        ListFn::Position => position(&args[0], &args[1]),
    }
}

fn list(a: &ArrayRef, f: ListFn) -> Result<&ListArray> {
    a.as_list_opt::<i32>()
        .ok_or_else(|| Error::exec(format!("{} needs a list", f.name())))
}

/// A list per row of `lists` made of the elements (positions in
/// `lists.values()`) that `pick(row, the row's positions, out)` pushes;
/// NULL where the list is NULL or `pick` returns false.
fn rebuild(
    lists: &ListArray,
    mut pick: impl FnMut(usize, Range<usize>, &mut Vec<u32>) -> Result<bool>,
) -> Result<ArrayRef> {
    let offsets = lists.value_offsets();
    let mut picks = Vec::new();
    let mut lengths = Vec::with_capacity(lists.len());
    let mut valid = Vec::with_capacity(lists.len());
    for i in 0..lists.len() {
        let before = picks.len();
        let keep =
            !lists.is_null(i) && pick(i, offsets[i] as usize..offsets[i + 1] as usize, &mut picks)?;
        if !keep {
            picks.truncate(before);
        }
        lengths.push(picks.len() - before);
        valid.push(keep);
    }
    let field = element_field(lists)?;
    finish(field, lists.values(), picks, lengths, valid)
}

fn element_field(lists: &ListArray) -> Result<FieldRef> {
    match lists.data_type() {
        DataType::List(f) => Ok(Arc::clone(f)),
        other => Err(Error::exec(format!("a list expected, got {other}"))),
    }
}

/// The lists of `lengths` elements taken from `values` at `picks`.
fn finish(
    field: FieldRef,
    values: &ArrayRef,
    picks: Vec<u32>,
    lengths: Vec<usize>,
    valid: Vec<bool>,
) -> Result<ArrayRef> {
    let values = arrow_select::take::take(values.as_ref(), &UInt32Array::from(picks), None)?;
    assemble(field, values, lengths, valid)
}

/// Lists of `lengths` consecutive `values`; NULL where not `valid`.
fn assemble(
    field: FieldRef,
    values: ArrayRef,
    lengths: Vec<usize>,
    valid: Vec<bool>,
) -> Result<ArrayRef> {
    let nulls = valid.iter().any(|v| !v).then(|| NullBuffer::from(valid));
    Ok(Arc::new(ListArray::try_new(
        field,
        OffsetBuffer::from_lengths(lengths),
        values,
        nulls,
    )?))
}

/// Every element of `lists`, encoded so that equal values have equal
/// bytes and byte order is ascending value order.
fn encode(values: &ArrayRef) -> Result<(RowConverter, Rows)> {
    let converter = RowConverter::new(vec![SortField::new(values.data_type().clone())])?;
    let rows = converter.convert_columns(std::slice::from_ref(values))?;
    Ok((converter, rows))
}

/// Row `i`'s constant text option, upper-cased ('' when absent or NULL).
fn option(args: &[ArrayRef], at: usize, i: usize) -> String {
    args.get(at)
        .and_then(|a| a.as_string_opt::<i32>())
        .filter(|a| a.is_valid(i))
        .map_or(String::new(), |a| a.value(i).trim().to_ascii_uppercase())
}

fn sort(args: &[ArrayRef], reverse: bool) -> Result<ArrayRef> {
    let f = ListFn::Sort { reverse };
    let lists = list(&args[0], f)?;
    let values = lists.values();
    let (_, rows) = encode(values)?;
    rebuild(lists, |i, r, out| {
        let (order, nulls) = match reverse {
            true => ("DESC".to_string(), option(args, 1, i)),
            false => (option(args, 1, i), option(args, 2, i)),
        };
        let desc = match order.as_str() {
            "" | "ASC" => false,
            "DESC" => true,
            other => {
                return Err(Error::exec(format!(
                    "{}'s order is 'ASC' or 'DESC', not '{other}'",
                    f.name()
                )))
            }
        };
        let nulls_first = match nulls.as_str() {
            "" | "NULLS LAST" => false,
            "NULLS FIRST" => true,
            other => {
                return Err(Error::exec(format!(
                    "{}'s NULL order is 'NULLS FIRST' or 'NULLS LAST', not '{other}'",
                    f.name()
                )))
            }
        };
        let start = out.len();
        out.extend(r.map(|j| j as u32));
        // A stable sort: equal elements keep their order.
        out[start..].sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            match (values.is_valid(a), values.is_valid(b)) {
                (true, true) if desc => rows.row(b).cmp(&rows.row(a)),
                (true, true) => rows.row(a).cmp(&rows.row(b)),
                (x, y) if nulls_first => x.cmp(&y),
                (x, y) => y.cmp(&x),
            }
        });
        Ok(true)
    })
}

fn distinct(a: &ArrayRef) -> Result<ArrayRef> {
    let lists = list(a, ListFn::Distinct)?;
    let values = lists.values();
    let (_, rows) = encode(values)?;
    rebuild(lists, |_, r, out| {
        let mut seen = HashSet::new();
        out.extend(
            r.filter(|&j| values.is_valid(j) && seen.insert(rows.row(j)))
                .map(|j| j as u32),
        );
        Ok(true)
    })
}

fn unique(a: &ArrayRef) -> Result<ArrayRef> {
    let lists = list(a, ListFn::Unique)?;
    let values = lists.values();
    let (_, rows) = encode(values)?;
    let offsets = lists.value_offsets();
    let out: Int64Array = (0..lists.len())
        .map(|i| {
            (!lists.is_null(i)).then(|| {
                let r = offsets[i] as usize..offsets[i + 1] as usize;
                r.filter(|&j| values.is_valid(j))
                    .map(|j| rows.row(j))
                    .collect::<HashSet<_>>()
                    .len() as i64
            })
        })
        .collect();
    Ok(Arc::new(out))
}

/// The positions `begin..=end` (from 1; negative from the end; 0 as 1)
/// of `len` elements, as a range from 0 (empty when they cross).
fn bounds(begin: i64, end: i64, len: usize) -> Range<usize> {
    let len = len as i64;
    let from_end = |k: i64| if k < 0 { len + k + 1 } else { k };
    let b = from_end(begin).max(1);
    let e = from_end(end).min(len);
    match b <= e {
        true => (b - 1) as usize..e as usize,
        false => 0..0,
    }
}

fn slice(args: &[ArrayRef]) -> Result<ArrayRef> {
    let lists = list(&args[0], ListFn::Slice)?;
    let (begin, end) = (
        args[1].as_primitive::<Int64Type>(),
        args[2].as_primitive::<Int64Type>(),
    );
    rebuild(lists, |i, r, out| {
        if begin.is_null(i) || end.is_null(i) {
            return Ok(false);
        }
        let keep = bounds(begin.value(i), end.value(i), r.len());
        out.extend(keep.map(|k| (r.start + k) as u32));
        Ok(true)
    })
}

/// `'text'[a:b]`: the characters `a` to `b`, as a list slice would.
fn slice_text(args: &[ArrayRef]) -> Result<ArrayRef> {
    let (text, begin, end) = (
        args[0].as_string::<i32>(),
        args[1].as_primitive::<Int64Type>(),
        args[2].as_primitive::<Int64Type>(),
    );
    let out: StringArray = (0..text.len())
        .map(|i| {
            if text.is_null(i) || begin.is_null(i) || end.is_null(i) {
                return None;
            }
            let s = text.value(i);
            let keep = bounds(begin.value(i), end.value(i), s.chars().count());
            Some(
                s.chars()
                    .skip(keep.start)
                    .take(keep.len())
                    .collect::<String>(),
            )
        })
        .collect();
    Ok(Arc::new(out))
}

/// `a || b`: a NULL list adds nothing; both NULL give NULL.
fn concat(a: &ArrayRef, b: &ArrayRef) -> Result<ArrayRef> {
    let (la, lb) = (list(a, ListFn::Concat)?, list(b, ListFn::Concat)?);
    let (oa, ob) = (la.value_offsets(), lb.value_offsets());
    let mut picks = Vec::new();
    let mut lengths = Vec::with_capacity(la.len());
    let mut valid = Vec::with_capacity(la.len());
    for i in 0..la.len() {
        let before = picks.len();
        if la.is_valid(i) {
            picks.extend((oa[i] as usize..oa[i + 1] as usize).map(|j| (0, j)));
        }
        if lb.is_valid(i) {
            picks.extend((ob[i] as usize..ob[i + 1] as usize).map(|j| (1, j)));
        }
        lengths.push(picks.len() - before);
        valid.push(la.is_valid(i) || lb.is_valid(i));
    }
    let values = arrow_select::interleave::interleave(
        &[la.values().as_ref(), lb.values().as_ref()],
        &picks,
    )?;
    assemble(element_field(la)?, values, lengths, valid)
}

/// A list of lists as one list: NULL inner lists add nothing.
fn flatten(a: &ArrayRef) -> Result<ArrayRef> {
    let outer = list(a, ListFn::Flatten)?;
    let inner = outer
        .values()
        .as_list_opt::<i32>()
        .ok_or_else(|| Error::exec("FLATTEN needs a list of lists"))?;
    let (oo, io) = (outer.value_offsets(), inner.value_offsets());
    let mut picks = Vec::new();
    let mut lengths = Vec::with_capacity(outer.len());
    let mut valid = Vec::with_capacity(outer.len());
    for i in 0..outer.len() {
        let before = picks.len();
        if outer.is_valid(i) {
            for j in oo[i] as usize..oo[i + 1] as usize {
                if inner.is_valid(j) {
                    picks.extend(io[j] as u32..io[j + 1] as u32);
                }
            }
        }
        lengths.push(picks.len() - before);
        valid.push(outer.is_valid(i));
    }
    finish(element_field(inner)?, inner.values(), picks, lengths, valid)
}

/// Where `value` first occurs in each list (from 1), or NULL; a NULL value
/// finds a NULL element (as in DuckDB).
fn position(lists: &ArrayRef, value: &ArrayRef) -> Result<ArrayRef> {
    let lists = list(lists, ListFn::Position)?;
    let values = lists.values();
    let (converter, rows) = encode(values)?;
    let needles = converter.convert_columns(std::slice::from_ref(value))?;
    let offsets = lists.value_offsets();
    let out: Int64Array = (0..lists.len())
        .map(|i| {
            if lists.is_null(i) {
                return None;
            }
            let r = offsets[i] as usize..offsets[i + 1] as usize;
            let start = r.start;
            let found = match value.is_valid(i) {
                true => r
                    .clone()
                    .find(|&j| values.is_valid(j) && rows.row(j) == needles.row(i)),
                false => r.clone().find(|&j| values.is_null(j)),
            };
            found.map(|j| (j - start + 1) as i64)
        })
        .collect();
    Ok(Arc::new(out))
}

#[cfg(test)]
mod tests {
    use super::bounds;

    #[test]
    fn slice_bounds_count_from_one_and_from_the_end() {
        assert_eq!(bounds(2, 3, 4), 1..3);
        assert_eq!(bounds(-2, -1, 4), 2..4);
        assert_eq!(bounds(0, 2, 4), 0..2);
        assert_eq!(bounds(3, 2, 4), 0..0);
        assert_eq!(bounds(2, 10, 4), 1..4);
        assert_eq!(bounds(-10, 1, 4), 0..1);
        assert_eq!(bounds(1, -1, 0), 0..0);
    }
}
