//! Functions over lists: membership (`ARRAY_CONTAINS`) and comparisons with
//! any element (`x = ANY(list)`). The binder casts the list's elements and
//! the value to one type first.

use std::sync::Arc;

use arrow_array::builder::BooleanBuilder;
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, Scalar};

use crate::error::{Error, Result};
use crate::plan::BinaryOp;

/// Each element of row `i`'s list compared with row `i`'s value.
fn compare_row(
    op: BinaryOp,
    elements: &ArrayRef,
    value: &ArrayRef,
    i: usize,
) -> Result<BooleanArray> {
    let value = Scalar::new(value.slice(i, 1));
    let cmp = match op {
        BinaryOp::Eq => arrow_ord::cmp::eq,
        BinaryOp::NotEq => arrow_ord::cmp::neq,
        BinaryOp::Lt => arrow_ord::cmp::lt,
        BinaryOp::LtEq => arrow_ord::cmp::lt_eq,
        BinaryOp::Gt => arrow_ord::cmp::gt,
        BinaryOp::GtEq => arrow_ord::cmp::gt_eq,
        other => {
            return Err(Error::exec(format!(
                "'{}' cannot compare with ANY",
                other.symbol()
            )))
        }
    };
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
