//! The logical plan: what a query computes, independent of how.
//!
//! The binder (`sql/`) builds a [`LogicalPlan`] whose expressions ([`Expr`]) refer
//! to their input's columns by position; the optimizer (`optimizer`) rewrites it
//! with small rules; the executor (`exec/`) turns it into batch iterators.

pub mod cardinality;
mod expr;
mod logical;
pub mod optimizer;
pub mod rules;
mod scalar;
mod schema;
mod tree;

pub use expr::{AggFunc, AggregateExpr, BinaryOp, Expr, Subquery};
pub use logical::{JoinKind, LogicalPlan, SetOpKind, SharedPlan, SortExpr};
pub use rules::prune_columns;
pub use scalar::ScalarValue;
pub use schema::{PlanColumn, PlanSchema};
