//! The physical plan as EXPLAIN prints it: one operator a line, inputs
//! indented below, each line saying what was chosen (the hashed side of a
//! join, a scan's pushed conditions and parts, the workers of a parallel
//! pipeline) and how its output is split.

use std::sync::Arc;

use super::{BuildSide, Partitioning, PhysicalPlan};
use crate::catalog::{ColumnPredicate, PredicateOp};
use crate::plan::explain::{self, ExplainNode, Shared};
use crate::plan::{Expr, SortExpr};

impl PhysicalPlan {
    /// The plan as indented lines, one operator per line.
    ///
    /// ```
    /// let e = engine_core::Engine::new();
    /// e.query("CREATE TABLE t (id INTEGER, name VARCHAR)").unwrap();
    /// let plan = e.physical_plan("SELECT name FROM t WHERE id > 3 LIMIT 2").unwrap();
    /// let lines = plan.explain_lines();
    /// assert!(lines[0].starts_with("Limit"), "{lines:?}");
    /// // The filter's condition is also told to the scan, to skip data.
    /// assert!(lines.iter().any(|l| l.contains("TableScan t filters=[id > 3]")), "{lines:?}");
    /// ```
    pub fn explain_lines(&self) -> Vec<String> {
        self.explain_lines_with(&|_| None)
    }

    /// [`explain_lines`](Self::explain_lines), each operator's line followed
    /// by what `note` says of it (EXPLAIN ANALYZE's figures).
    pub fn explain_lines_with(
        &self,
        note: &dyn Fn(&PhysicalPlan) -> Option<String>,
    ) -> Vec<String> {
        explain::lines(self, note)
    }

    fn describe(&self) -> String {
        match self {
            PhysicalPlan::Scan(s) => {
                let mut text = format!("TableScan {}", s.name);
                if let Some(p) = &s.projection {
                    let names: Vec<&str> = p
                        .iter()
                        .map(|&i| s.schema.columns[i].name.as_str())
                        .collect();
                    text.push_str(&format!(" [{}]", names.join(", ")));
                }
                if !s.filters.is_empty() {
                    let f: Vec<String> = s.filters.iter().map(predicate).collect();
                    text.push_str(&format!(" filters=[{}]", f.join(", ")));
                }
                if let Some(n) = s.limit {
                    text.push_str(&format!(" limit={n}"));
                }
                text
            }
            PhysicalPlan::Values { rows, .. } => format!("Values ({} rows)", rows.len()),
            PhysicalPlan::Filter { predicate, .. } => format!("Filter {predicate}"),
            PhysicalPlan::Project { exprs, .. } => format!("Projection {}", list(exprs)),
            PhysicalPlan::Rename { schema, .. } => format!(
                "Rename [{}]",
                schema
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PhysicalPlan::Limit { skip, fetch, .. } => match fetch {
                Some(n) => format!("Limit skip={skip} fetch={n}"),
                None => format!("Limit skip={skip}"),
            },
            PhysicalPlan::Aggregate {
                group,
                aggs,
                partial,
                ..
            } => {
                let aggs: Vec<String> = aggs.iter().map(|a| a.to_string()).collect();
                format!(
                    "HashAggregate{} group=[{}] aggs=[{}]",
                    match partial {
                        true => " (partial per worker, then merged)",
                        false => "",
                    },
                    list(group),
                    aggs.join(", ")
                )
            }
            PhysicalPlan::Sort { keys, fetch, .. } => match fetch {
                Some(n) => format!("TopK {n} [{}]", sort_keys(keys)),
                None => format!("Sort [{}]", sort_keys(keys)),
            },
            PhysicalPlan::Join {
                kind,
                on,
                filter,
                build,
                ..
            } => {
                let mut s = match on.is_empty() {
                    true => format!("NestedLoopJoin {kind:?}"),
                    false => {
                        let keys: Vec<String> =
                            on.iter().map(|(l, r)| format!("{l} = {r}")).collect();
                        let side = match build {
                            BuildSide::Right => "right",
                            BuildSide::Left => "left",
                        };
                        format!("HashJoin {kind:?} on=[{}] build={side}", keys.join(", "))
                    }
                };
                if let Some(f) = filter {
                    s.push_str(&format!(" filter={f}"));
                }
                s
            }
            PhysicalPlan::Distinct { .. } => "HashDistinct".into(),
            PhysicalPlan::Unnest {
                list,
                outer,
                ordinality,
                ..
            } => crate::plan::unnest_line(list, *outer, *ordinality),
            PhysicalPlan::Window { exprs, .. } => crate::plan::window_line(exprs),
            PhysicalPlan::Expand { lists, .. } => crate::plan::expand_line(lists),
            PhysicalPlan::SetOp { op, all, .. } => {
                format!("{op:?}{}", if *all { " ALL" } else { "" })
            }
            PhysicalPlan::Parallel {
                workers, assumed, ..
            } => match assumed {
                false => format!("Parallel workers={workers}"),
                true => format!(
                    "Parallel workers={workers} (at most: the file's parts are found when it runs)"
                ),
            },
            PhysicalPlan::Shared(_) => "Materialized".into(),
        }
    }
}

impl ExplainNode for PhysicalPlan {
    /// The operator's line, with how its output is split when in parts.
    fn line(&self) -> String {
        match self.partitioning() {
            Partitioning::Parts(n) => format!("{} partitions={n}", self.describe()),
            Partitioning::Single => self.describe(),
        }
    }

    fn inputs(&self) -> Vec<&Self> {
        PhysicalPlan::inputs(self)
    }

    fn shared(&self) -> Option<Shared<'_, Self>> {
        match self {
            PhysicalPlan::Shared(s) => Some(Shared {
                key: Arc::as_ptr(s) as usize,
                word: "Materialized",
                first: Some(match s.correlated {
                    true => "run per outer row",
                    false => "run once",
                }),
                plan: &s.plan,
            }),
            _ => None,
        }
    }
}

fn list(v: &[Expr]) -> String {
    v.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn sort_keys(keys: &[SortExpr]) -> String {
    keys.iter()
        .map(|k| format!("{}{}", k.expr, if k.descending { " DESC" } else { "" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A pushed condition as SQL-ish text: `id > 3`, `name IS NULL`.
fn predicate(p: &ColumnPredicate) -> String {
    let op = match p.op {
        PredicateOp::Eq => "=",
        PredicateOp::NotEq => "<>",
        PredicateOp::Lt => "<",
        PredicateOp::LtEq => "<=",
        PredicateOp::Gt => ">",
        PredicateOp::GtEq => ">=",
        PredicateOp::IsNull => return format!("{} IS NULL", p.column),
        PredicateOp::IsNotNull => return format!("{} IS NOT NULL", p.column),
    };
    format!("{} {op} {}", p.column, p.value)
}
