//! The logical plan: what a query computes, independent of how.
//!
//! The binder (`sql/`) builds a [`LogicalPlan`] whose expressions ([`Expr`]) refer
//! to their input's columns by position; [`columns::identify`] gives each
//! reference its column's identity; the optimizer (`optimizer`) rewrites the
//! plan with small rules that work with identities; [`columns::resolve`] sets
//! positions again; the executor (`exec/`) turns the plan into batch iterators.

pub mod cardinality;
pub mod columns;
pub(crate) mod explain;
mod expr;
mod logical;
pub mod optimizer;
pub mod rules;
mod scalar;
pub(crate) mod schema;
mod tree;
mod window;

pub use expr::{AggFunc, AggregateExpr, BinaryOp, ColumnRef, Expr, Subquery};
pub use logical::{JoinKind, LogicalPlan, SetOpKind, SharedPlan, SortExpr};
pub use rules::prune_columns;
pub use scalar::ScalarValue;
pub use schema::{ColumnId, PlanColumn, PlanSchema};
pub(crate) use window::{expand_line, unnest_line, window_line};
pub use window::{FrameBound, FrameExclude, FrameUnits, WindowExpr, WindowFrame, WindowFunc};
