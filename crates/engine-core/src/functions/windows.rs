//! The window functions' part of the function table (computed by
//! `exec::window`; every aggregate of COUNT, SUM, AVG, MIN and MAX runs over
//! windows too).

use super::registry::{def, FunctionDef, FunctionKind::Window};
use crate::plan::WindowFunc as W;

/// The window functions.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["row_number"],
        Window(W::RowNumber),
        "ROW_NUMBER() OVER (...) -> BIGINT",
        "the row's number in its partition, from 1",
    ),
    def(
        &["rank"],
        Window(W::Rank),
        "RANK() OVER (...) -> BIGINT",
        "the row's rank, with gaps after ties",
    ),
    def(
        &["dense_rank"],
        Window(W::DenseRank),
        "DENSE_RANK() OVER (...) -> BIGINT",
        "the row's rank, without gaps",
    ),
    def(
        &["percent_rank"],
        Window(W::PercentRank),
        "PERCENT_RANK() OVER (...) -> DOUBLE",
        "(rank - 1) / (rows - 1)",
    ),
    def(
        &["cume_dist"],
        Window(W::CumeDist),
        "CUME_DIST() OVER (...) -> DOUBLE",
        "the share of rows up to the row's peers",
    ),
    def(
        &["ntile"],
        Window(W::Ntile),
        "NTILE(n) OVER (...) -> BIGINT",
        "the row's bucket of n near-equal buckets",
    ),
    def(
        &["lag"],
        Window(W::Lag),
        "LAG(x [, offset [, default]]) OVER (...)",
        "x from offset (1) rows before",
    ),
    def(
        &["lead"],
        Window(W::Lead),
        "LEAD(x [, offset [, default]]) OVER (...)",
        "x from offset (1) rows after",
    ),
    def(
        &["first_value", "first"],
        Window(W::FirstValue),
        "FIRST_VALUE(x) OVER (...)",
        "x at the frame's first row",
    ),
    def(
        &["last_value", "last"],
        Window(W::LastValue),
        "LAST_VALUE(x) OVER (...)",
        "x at the frame's last row",
    ),
    def(
        &["nth_value"],
        Window(W::NthValue),
        "NTH_VALUE(x, n) OVER (...)",
        "x at the frame's n-th row",
    ),
];
