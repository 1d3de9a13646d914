//! SQL text to logical plan: [`parse`] (sqlparser with tern's dialect), then the
//! binder, which resolves names against the catalog, checks and reconciles types,
//! and builds a [`LogicalPlan`](crate::plan::LogicalPlan).

mod binder;
mod depth;
mod dialect;
mod params;
mod parser;
mod within_group;

pub use binder::{Binder, Statement};
pub use dialect::TernDialect;
pub(crate) use params::bind as bind_params;
pub use params::{Param, Params};
pub use parser::{parse, MAX_SQL_BYTES};
