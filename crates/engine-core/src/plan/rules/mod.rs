//! The optimizer's rules, one per file, each a function from plan to plan
//! with one job. [`optimize`](super::optimizer::optimize) runs them in order.

mod decorrelate;
mod fold_constants;
mod inline_ctes;
mod merge_projections;
mod prune_columns;
mod push_down_filters;
mod push_down_semi_joins;
mod reorder_joins;

pub use decorrelate::decorrelate;
pub use fold_constants::fold_constants;
pub use inline_ctes::inline_ctes;
pub use merge_projections::merge_projections;
pub use prune_columns::prune_columns;
pub use push_down_filters::push_down_filters;
pub use push_down_semi_joins::push_down_semi_joins;
pub use reorder_joins::reorder_joins;
