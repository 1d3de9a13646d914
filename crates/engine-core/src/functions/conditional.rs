//! Conditional functions: COALESCE, NULLIF, GREATEST and LEAST (CASE is an
//! expression of its own).

use std::sync::Arc;

use arrow_array::{new_null_array, Array, ArrayRef, BooleanArray};
use arrow_schema::DataType;

use super::registry::{def, FunctionDef, FunctionKind::Scalar};
use super::ScalarFunc as F;
use crate::error::Result;

/// The conditional functions.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["coalesce", "ifnull"],
        Scalar(F::Coalesce),
        "COALESCE(value, ...) -> common type",
        "the first argument that is not NULL",
    ),
    def(
        &["if", "iif"],
        Scalar(F::If),
        "IF(condition, a, b) -> common type",
        "a where the condition is true, else b",
    ),
    def(
        &["nullif"],
        Scalar(F::NullIf),
        "NULLIF(a, b) -> type of a",
        "NULL where a equals b (compared in their common type), else a",
    ),
    def(
        &["greatest"],
        Scalar(F::Greatest),
        "GREATEST(value, ...) -> common type",
        "the largest argument, NULLs skipped",
    ),
    def(
        &["least"],
        Scalar(F::Least),
        "LEAST(value, ...) -> common type",
        "the smallest argument, NULLs skipped",
    ),
];

/// The first non-null argument, row by row.
pub(super) fn coalesce(args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
    let mut iter = args.iter().rev();
    let mut result = match iter.next() {
        Some(last) => Arc::clone(last),
        None => return Ok(new_null_array(&DataType::Null, num_rows)),
    };
    for a in iter {
        if a.null_count() == 0 {
            result = Arc::clone(a);
            continue;
        }
        let mask: BooleanArray = (0..a.len()).map(|i| Some(a.is_valid(i))).collect();
        result = arrow_select::zip::zip(&mask, a, &result)?;
    }
    Ok(result)
}
