//! Column identities, set and resolved.
//!
//! The binder names a node's input columns by position: that is how SQL's
//! names resolve within a scope. The optimizer's rules name them by identity
//! ([`ColumnId`]): a rule moves a predicate below a join, swaps a join's
//! inputs or turns a subquery into a join without renumbering anything, and a
//! reference means the same column wherever it ends up. The executor reads
//! batches by position. Two passes connect the three:
//!
//! - [`identify`], right after binding: every reference gets the identity of
//!   the column at its position;
//! - [`resolve`], after the rules: every reference gets the position of its
//!   column in the input it is evaluated over. A reference to a column that
//!   input does not have is a planner bug, reported as an error.
//!
//! Each expression is evaluated over one schema, decided here once for every
//! kind of node: a join's keys over their own side, its residual condition
//! over both sides' columns, everything else over the node's input. A
//! subquery's outer references are over the schema of the expression that
//! holds the subquery (the executor's outer row).
//!
//! ```text
//! bound:       Filter (#1 = 'x')            (#1: position 1 of the scan)
//! identified:  Filter (c8 = 'x')            (c8: the scan's second column)
//! reordered, resolved against the new input: Filter (#4 = 'x')
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use super::schema::{IdMap, Lookup};
use super::{ColumnId, Expr, LogicalPlan, PlanSchema, SharedPlan, Subquery};
use crate::error::{Error, Result};
use crate::plan::expr::ColumnRef;

/// Gives every column reference of a freshly bound plan the identity of the
/// column at its position.
pub fn identify(plan: LogicalPlan) -> Result<LogicalPlan> {
    Pass::new(Mode::Identify).plan(plan)
}

/// Sets every column reference's position from its identity, after the
/// optimizer's rules have moved expressions about.
pub fn resolve(plan: LogicalPlan) -> Result<LogicalPlan> {
    Pass::new(Mode::Resolve).plan(plan)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Identify,
    Resolve,
}

struct Pass {
    mode: Mode,
    /// The schemas outer references of enclosing queries are over, innermost last.
    outer: Vec<PlanSchema>,
    /// Shared plans done, by address: each is rewritten once.
    shared: HashMap<usize, Arc<SharedPlan>>,
}

impl Pass {
    fn new(mode: Mode) -> Self {
        Pass {
            mode,
            outer: Vec::new(),
            shared: HashMap::new(),
        }
    }

    fn plan(&mut self, plan: LogicalPlan) -> Result<LogicalPlan> {
        crate::stack::check()?;
        if let LogicalPlan::Shared(p) = plan {
            let key = Arc::as_ptr(&p) as usize;
            if let Some(done) = self.shared.get(&key) {
                return Ok(LogicalPlan::Shared(Arc::clone(done)));
            }
            let done = SharedPlan::new(self.plan(p.plan.clone())?);
            self.shared.insert(key, Arc::clone(&done));
            return Ok(LogicalPlan::Shared(done));
        }
        let mut failed = None;
        let mut node = plan.map_inputs(&mut |p| match failed {
            Some(_) => p,
            None => self.plan(p).unwrap_or_else(|e| {
                failed = Some(e);
                LogicalPlan::Values {
                    rows: vec![],
                    schema: PlanSchema::default(),
                }
            }),
        });
        if let Some(e) = failed {
            return Err(e);
        }
        self.node_exprs(&mut node)?;
        Ok(node)
    }

    /// Does each of the node's expressions over the schema it is evaluated
    /// over, in place.
    fn node_exprs(&mut self, node: &mut LogicalPlan) -> Result<()> {
        use LogicalPlan as P;
        match node {
            P::Filter { input, predicate } => self.expr(predicate, &Lookup::new(input.schema())),
            P::Project { input, exprs, .. } => self.exprs(exprs, &Lookup::new(input.schema())),
            P::Aggregate {
                input, group, aggs, ..
            } => {
                let lookup = Lookup::new(input.schema());
                self.exprs(group, &lookup)?;
                for a in aggs {
                    self.exprs(&mut a.args, &lookup)?;
                    if let Some(f) = &mut a.filter {
                        self.expr(f, &lookup)?;
                    }
                }
                Ok(())
            }
            P::Unnest { input, list, .. } => self.expr(list, &Lookup::new(input.schema())),
            P::Expand { input, lists, .. } => {
                let lookup = Lookup::new(input.schema());
                lists.iter_mut().try_for_each(|l| self.exprs(l, &lookup))
            }
            P::Window { input, exprs, .. } => {
                let lookup = Lookup::new(input.schema());
                exprs
                    .iter_mut()
                    .flat_map(|w| w.exprs_mut())
                    .try_for_each(|e| self.expr(e, &lookup))
            }
            P::Sort { input, keys, .. } => {
                let lookup = Lookup::new(input.schema());
                keys.iter_mut()
                    .try_for_each(|k| self.expr(&mut k.expr, &lookup))
            }
            P::Values { rows, .. } => {
                let none = PlanSchema::default();
                let lookup = Lookup::new(&none);
                rows.iter_mut().try_for_each(|r| self.exprs(r, &lookup))
            }
            P::Join {
                left,
                right,
                on,
                filter,
                ..
            } => {
                let (l, r) = (Lookup::new(left.schema()), Lookup::new(right.schema()));
                for (a, b) in on {
                    self.expr(a, &l)?;
                    self.expr(b, &r)?;
                }
                if let Some(f) = filter {
                    let both = left.schema().join(right.schema());
                    self.expr(f, &Lookup::new(&both))?;
                }
                Ok(())
            }
            P::Scan { .. }
            | P::Limit { .. }
            | P::Distinct { .. }
            | P::SetOp { .. }
            | P::Rename { .. }
            | P::Shared(_) => Ok(()),
        }
    }

    fn exprs(&mut self, exprs: &mut [Expr], over: &Lookup) -> Result<()> {
        exprs.iter_mut().try_for_each(|e| self.expr(e, over))
    }

    /// Does `e`, evaluated over `over`, in place: its references, and the
    /// plans of its subqueries with `over` as their outer row.
    fn expr(&mut self, e: &mut Expr, over: &Lookup) -> Result<()> {
        let mut failed = None;
        e.visit_mut(&mut |x| {
            if failed.is_some() {
                return;
            }
            let done = match x {
                Expr::Column(c) => fix(self.mode, *c, over).map(|d| *c = d),
                Expr::OuterColumn { column, depth, .. } => {
                    match self.outer.len().checked_sub(*depth) {
                        Some(i) => fix(self.mode, *column, &Lookup::new(&self.outer[i]))
                            .map(|d| *column = d),
                        None => Err(bug(format!(
                            "a reference to a column {depth} queries up has no such query"
                        ))),
                    }
                }
                Expr::ScalarSubquery(s)
                | Expr::Exists { subquery: s, .. }
                | Expr::InSubquery { subquery: s, .. } => {
                    self.outer.push(over.schema().clone());
                    let done = self.plan(s.plan.clone());
                    self.outer.pop();
                    done.map(|plan| {
                        *s = Arc::new(Subquery {
                            plan,
                            correlated: s.correlated,
                        })
                    })
                }
                _ => Ok(()),
            };
            if let Err(err) = done {
                failed = Some(err);
            }
        });
        failed.map_or(Ok(()), Err)
    }
}

/// One reference done: its identity from its position, or its position from
/// its identity.
fn fix(mode: Mode, c: ColumnRef, over: &Lookup) -> Result<ColumnRef> {
    match mode {
        Mode::Identify => match over.schema().columns.get(c.index) {
            Some(col) => Ok(ColumnRef {
                id: col.id,
                index: c.index,
            }),
            None => Err(bug(format!(
                "column #{} of an input of {} columns",
                c.index,
                over.schema().len()
            ))),
        },
        Mode::Resolve => match over.index_of(c.id) {
            Some(index) => Ok(ColumnRef { id: c.id, index }),
            None => Err(bug(format!(
                "column {} is not in the input it is read from ({})",
                c.id,
                over.schema()
                    .columns
                    .iter()
                    .map(|c| format!("{} {}", c.id, c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        },
    }
}

impl Expr {
    /// The expression with each reference to a column for which `f` gives
    /// an expression replaced by it (a projection's expression substituted
    /// for its output column, a renamed column for its input's).
    pub fn substitute(&self, f: &dyn Fn(ColumnId) -> Option<Expr>) -> Expr {
        self.transform(&mut |x| match x {
            Expr::Column(c) => f(c.id),
            _ => None,
        })
    }
}

/// The substitution a projection defines: each output column's identity to
/// the expression computing it.
pub(crate) fn projection_map(exprs: &[Expr], schema: &PlanSchema) -> IdMap<Expr> {
    schema
        .columns
        .iter()
        .zip(exprs)
        .map(|(c, e)| (c.id, e.clone()))
        .collect()
}

/// The substitution a rename defines: each output column's identity to the
/// input column at the same position.
pub(crate) fn rename_map(input: &PlanSchema, output: &PlanSchema) -> IdMap<Expr> {
    output
        .columns
        .iter()
        .zip(&input.columns)
        .map(|(o, i)| (o.id, Expr::column_id(i.id)))
        .collect()
}

/// A reference the plan cannot satisfy: a mistake of the planner, not of the
/// query, reported rather than run.
fn bug(message: String) -> Error {
    Error::plan(format!("planner bug: {message}; please report it"))
}

#[cfg(test)]
mod tests {
    use arrow_schema::DataType;

    use super::*;
    use crate::plan::{BinaryOp, JoinKind, PlanColumn, ScalarValue, Subquery};

    fn values(names: &[&str]) -> LogicalPlan {
        let columns = names
            .iter()
            .map(|n| PlanColumn::new(None, *n, DataType::Int64))
            .collect();
        LogicalPlan::Values {
            rows: vec![],
            schema: PlanSchema::new(columns),
        }
    }

    fn cross(left: LogicalPlan, right: LogicalPlan) -> LogicalPlan {
        LogicalPlan::Join {
            schema: left.schema().join(right.schema()),
            left: Box::new(left),
            right: Box::new(right),
            kind: JoinKind::Cross,
            on: vec![],
            filter: None,
        }
    }

    #[test]
    fn a_reference_follows_its_column_when_a_rule_moves_the_inputs() {
        // `y = z` over a x b, as bound: y is #1, z is #2.
        let bound = LogicalPlan::Filter {
            input: Box::new(cross(values(&["x", "y"]), values(&["z"]))),
            predicate: Expr::col(1).binary(BinaryOp::Eq, Expr::col(2)),
        };
        let LogicalPlan::Filter { input, predicate } = identify(bound).unwrap() else {
            panic!("a filter stays a filter");
        };
        // The join's inputs swapped, as join reordering does; the predicate
        // untouched.
        let LogicalPlan::Join { left, right, .. } = *input else {
            panic!("a join stays a join");
        };
        let swapped = LogicalPlan::Filter {
            input: Box::new(cross(*right, *left)),
            predicate,
        };
        assert_eq!(
            resolve(swapped).unwrap().explain_lines()[0],
            "Filter (#2 = #0)"
        );
    }

    #[test]
    fn an_outer_reference_follows_the_row_of_the_expression_holding_it() {
        // SELECT (SELECT z FROM c WHERE z = outer.y) FROM (x, y)
        let outer_input = values(&["x", "y"]);
        let sub = LogicalPlan::Filter {
            input: Box::new(values(&["z"])),
            predicate: Expr::col(0).binary(
                BinaryOp::Eq,
                Expr::OuterColumn {
                    depth: 1,
                    column: ColumnRef::position(1),
                    data_type: DataType::Int64,
                },
            ),
        };
        let project = |input: LogicalPlan, sub: Arc<Subquery>| LogicalPlan::Project {
            input: Box::new(input),
            exprs: vec![Expr::ScalarSubquery(sub)],
            schema: PlanSchema::new(vec![PlanColumn::new(None, "v", DataType::Int64)]),
        };
        let bound = project(
            outer_input,
            Arc::new(Subquery {
                plan: sub,
                correlated: true,
            }),
        );
        let LogicalPlan::Project {
            input, mut exprs, ..
        } = identify(bound).unwrap()
        else {
            panic!("a projection stays a projection");
        };
        let Some(Expr::ScalarSubquery(sub)) = exprs.pop() else {
            panic!("the subquery stays");
        };
        // The same columns in the other order below the projection.
        let mut reversed = input.schema().clone();
        reversed.columns.reverse();
        let moved = project(
            LogicalPlan::Values {
                rows: vec![],
                schema: reversed,
            },
            sub,
        );
        let LogicalPlan::Project { exprs, .. } = resolve(moved).unwrap() else {
            panic!("a projection stays a projection");
        };
        let Expr::ScalarSubquery(sub) = &exprs[0] else {
            panic!("the subquery stays");
        };
        assert_eq!(sub.plan.explain_lines()[0], "Filter (#0 = outer1.#0)");
    }

    #[test]
    fn a_reference_its_input_lacks_is_an_error_not_a_crash() {
        let stray = LogicalPlan::Filter {
            input: Box::new(values(&["x"])),
            predicate: Expr::column_id(ColumnId::fresh())
                .binary(BinaryOp::Eq, Expr::Literal(ScalarValue::int64(1))),
        };
        let err = resolve(stray).unwrap_err().to_string();
        assert!(err.contains("planner bug"), "{err}");

        let beyond = LogicalPlan::Filter {
            input: Box::new(values(&["x"])),
            predicate: Expr::col(3),
        };
        assert!(identify(beyond).is_err());
    }

    #[test]
    fn a_rename_gives_its_columns_new_identities() {
        let plan = values(&["x", "y"]);
        let renamed = plan.schema().requalify(Some("t"));
        for (a, b) in plan.schema().columns.iter().zip(&renamed.columns) {
            assert_ne!(a.id, b.id);
            assert_eq!(a.name, b.name);
        }
    }
}
