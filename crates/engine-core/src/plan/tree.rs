//! One traversal for plans and expressions: every rule walks the tree through
//! these functions, so a new plan node or expression kind is taught here once
//! instead of in each rule (the idea of DataFusion's `TreeNode`).
//!
//! - [`LogicalPlan::map_inputs`]: rebuild a node with each input rewritten;
//! - [`LogicalPlan::map_exprs`]: rebuild a node with each expression it holds
//!   rewritten (predicates, projections, keys, aggregate arguments, ...);
//! - [`LogicalPlan::transform_up`]: rewrite a whole tree bottom-up;
//! - [`Expr::map_subqueries`]: rewrite the plans of the subqueries in an
//!   expression.

use std::sync::Arc;

use super::{AggregateExpr, Expr, LogicalPlan, SortExpr, Subquery};

impl LogicalPlan {
    /// The plan, moved out of `self`, which is left an empty placeholder to
    /// be overwritten (a rule rewriting a node in place).
    pub(crate) fn take(&mut self) -> LogicalPlan {
        let placeholder = LogicalPlan::Values {
            rows: Vec::new(),
            schema: super::PlanSchema::default(),
        };
        std::mem::replace(self, placeholder)
    }

    /// The node with `f` applied to each direct input (a shared CTE plan is a
    /// leaf here; rules that enter it do so on purpose).
    pub fn map_inputs(self, f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan) -> LogicalPlan {
        // Each input is rewritten in its box: no allocation per node per rule.
        let mut b = |mut p: Box<LogicalPlan>| {
            *p = f(p.take());
            p
        };
        use LogicalPlan as P;
        match self {
            P::Scan { .. } | P::Values { .. } | P::Shared(_) => self,
            P::Filter { input, predicate } => P::Filter {
                input: b(input),
                predicate,
            },
            P::Project {
                input,
                exprs,
                schema,
            } => P::Project {
                input: b(input),
                exprs,
                schema,
            },
            P::Aggregate {
                input,
                group,
                aggs,
                schema,
            } => P::Aggregate {
                input: b(input),
                group,
                aggs,
                schema,
            },
            P::Window {
                input,
                exprs,
                schema,
            } => P::Window {
                input: b(input),
                exprs,
                schema,
            },
            P::Unnest {
                input,
                list,
                outer,
                ordinality,
                schema,
            } => P::Unnest {
                input: b(input),
                list,
                outer,
                ordinality,
                schema,
            },
            P::Expand {
                input,
                lists,
                schema,
            } => P::Expand {
                input: b(input),
                lists,
                schema,
            },
            P::Join {
                left,
                right,
                kind,
                on,
                filter,
                schema,
            } => P::Join {
                left: b(left),
                right: b(right),
                kind,
                on,
                filter,
                schema,
            },
            P::Sort { input, keys, fetch } => P::Sort {
                input: b(input),
                keys,
                fetch,
            },
            P::Limit { input, skip, fetch } => P::Limit {
                input: b(input),
                skip,
                fetch,
            },
            P::Distinct { input } => P::Distinct { input: b(input) },
            P::SetOp {
                left,
                right,
                op,
                all,
                schema,
            } => P::SetOp {
                left: b(left),
                right: b(right),
                op,
                all,
                schema,
            },
            P::Rename { input, schema } => P::Rename {
                input: b(input),
                schema,
            },
        }
    }

    /// The node with `f` applied to every expression it holds (not to its
    /// inputs' expressions).
    pub fn map_exprs(self, f: &mut dyn FnMut(Expr) -> Expr) -> LogicalPlan {
        use LogicalPlan as P;
        let agg = |a: AggregateExpr, f: &mut dyn FnMut(Expr) -> Expr| AggregateExpr {
            args: a.args.into_iter().map(&mut *f).collect(),
            filter: a.filter.map(&mut *f),
            ..a
        };
        match self {
            P::Scan { .. } | P::Shared(_) | P::Limit { .. } | P::Distinct { .. } => self,
            P::SetOp { .. } | P::Rename { .. } => self,
            P::Values { rows, schema } => P::Values {
                rows: rows
                    .into_iter()
                    .map(|r| r.into_iter().map(&mut *f).collect())
                    .collect(),
                schema,
            },
            P::Filter { input, predicate } => P::Filter {
                input,
                predicate: f(predicate),
            },
            P::Project {
                input,
                exprs,
                schema,
            } => P::Project {
                input,
                exprs: exprs.into_iter().map(&mut *f).collect(),
                schema,
            },
            P::Aggregate {
                input,
                group,
                aggs,
                schema,
            } => P::Aggregate {
                input,
                group: group.into_iter().map(&mut *f).collect(),
                aggs: aggs.into_iter().map(|a| agg(a, f)).collect(),
                schema,
            },
            P::Window {
                input,
                exprs,
                schema,
            } => P::Window {
                input,
                exprs: exprs.into_iter().map(|w| w.map_exprs(f)).collect(),
                schema,
            },
            P::Unnest {
                input,
                list,
                outer,
                ordinality,
                schema,
            } => P::Unnest {
                input,
                list: f(list),
                outer,
                ordinality,
                schema,
            },
            P::Expand {
                input,
                lists,
                schema,
            } => P::Expand {
                input,
                lists: lists
                    .into_iter()
                    .map(|l| l.into_iter().map(&mut *f).collect())
                    .collect(),
                schema,
            },
            P::Join {
                left,
                right,
                kind,
                on,
                filter,
                schema,
            } => P::Join {
                left,
                right,
                kind,
                on: on.into_iter().map(|(l, r)| (f(l), f(r))).collect(),
                filter: filter.map(&mut *f),
                schema,
            },
            P::Sort { input, keys, fetch } => P::Sort {
                input,
                keys: keys
                    .into_iter()
                    .map(|k| SortExpr {
                        expr: f(k.expr),
                        ..k
                    })
                    .collect(),
                fetch,
            },
        }
    }

    /// Calls `f` on every expression the node holds.
    pub fn for_each_expr(&self, f: &mut dyn FnMut(&Expr)) {
        use LogicalPlan as P;
        match self {
            P::Scan { .. } | P::Shared(_) | P::Limit { .. } | P::Distinct { .. } => {}
            P::SetOp { .. } | P::Rename { .. } => {}
            P::Values { rows, .. } => rows.iter().flatten().for_each(f),
            P::Filter { predicate, .. } => f(predicate),
            P::Project { exprs, .. } => exprs.iter().for_each(f),
            P::Aggregate { group, aggs, .. } => {
                group.iter().for_each(&mut *f);
                for a in aggs {
                    a.args.iter().for_each(&mut *f);
                    if let Some(x) = &a.filter {
                        f(x);
                    }
                }
            }
            P::Window { exprs, .. } => exprs.iter().flat_map(|w| w.exprs()).for_each(f),
            P::Unnest { list, .. } => f(list),
            P::Expand { lists, .. } => lists.iter().flatten().for_each(f),
            P::Join { on, filter, .. } => {
                for (l, r) in on {
                    f(l);
                    f(r);
                }
                if let Some(x) = filter {
                    f(x);
                }
            }
            P::Sort { keys, .. } => keys.iter().for_each(|k| f(&k.expr)),
        }
    }

    /// The plan under a filter of `conjuncts` (the plan itself when there are none).
    pub fn filtered(self, conjuncts: Vec<Expr>) -> LogicalPlan {
        match Expr::conjunction(conjuncts) {
            Some(predicate) => LogicalPlan::Filter {
                input: Box::new(self),
                predicate,
            },
            None => self,
        }
    }

    /// Rewrites the tree bottom-up: inputs first, then `f` on the node.
    pub fn transform_up(self, f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan) -> LogicalPlan {
        let node = self.map_inputs(&mut |p| p.transform_up(f));
        f(node)
    }

    /// Whether anything in this tree (subqueries and shared plans included)
    /// reads a column of a query `depth` or more levels above the tree's root.
    pub fn references_outer(&self, depth: usize) -> bool {
        self.outer_reach() >= depth
    }

    /// How many query levels above the tree's root it reads columns from
    /// (0: none; 1: the enclosing query's). A shared plan's is computed once.
    pub fn outer_reach(&self) -> usize {
        if let LogicalPlan::Shared(p) = self {
            return *p.reach.get_or_init(|| p.plan.outer_reach());
        }
        let mut reach = 0;
        self.for_each_expr(&mut |e| reach = reach.max(e.outer_reach()));
        self.inputs()
            .iter()
            .fold(reach, |r, i| r.max(i.outer_reach()))
    }
}

impl Expr {
    /// The expression with `f` applied to the plan of each subquery in it
    /// (outermost subqueries only; `f` decides whether to go deeper).
    pub fn map_subqueries(&self, f: &mut dyn FnMut(&LogicalPlan) -> LogicalPlan) -> Expr {
        let rebuild = |s: &Arc<Subquery>, f: &mut dyn FnMut(&LogicalPlan) -> LogicalPlan| {
            Arc::new(Subquery {
                plan: f(&s.plan),
                correlated: s.correlated,
            })
        };
        self.transform(&mut |e| match e {
            Expr::ScalarSubquery(s) => Some(Expr::ScalarSubquery(rebuild(s, f))),
            Expr::Exists { subquery, negated } => Some(Expr::Exists {
                subquery: rebuild(subquery, f),
                negated: *negated,
            }),
            Expr::InSubquery {
                expr,
                subquery,
                negated,
            } => Some(Expr::InSubquery {
                expr: Box::new(expr.map_subqueries(f)),
                subquery: rebuild(subquery, f),
                negated: *negated,
            }),
            _ => None,
        })
    }

    /// Whether the expression reads a column of a query `depth` or more levels
    /// up, counting from the query that holds it (1: the enclosing query).
    pub fn references_outer(&self, depth: usize) -> bool {
        self.outer_reach() >= depth
    }

    /// How many query levels up the expression reads columns from (0: none;
    /// 1: the enclosing query's). A subquery's columns of its own enclosing
    /// query are this expression's query, one level less.
    pub fn outer_reach(&self) -> usize {
        let mut reach = 0;
        self.visit(&mut |e| {
            let r = match e {
                Expr::OuterColumn { depth, .. } => *depth,
                Expr::ScalarSubquery(s) | Expr::Exists { subquery: s, .. } => {
                    s.plan.outer_reach().saturating_sub(1)
                }
                Expr::InSubquery { subquery, .. } => subquery.plan.outer_reach().saturating_sub(1),
                _ => 0,
            };
            reach = reach.max(r);
        });
        reach
    }
}
