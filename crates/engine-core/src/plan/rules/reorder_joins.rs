//! Join reordering: a tree of inner and cross joins (a comma join of many
//! tables, after [`push_down_filters`](super::push_down_filters) turned its
//! WHERE into join keys) is rebuilt in an order chosen from cardinality
//! estimates. Up to 10 inputs connected by equalities, the cheapest tree,
//! bushy or left-deep, is found by dynamic programming ([`enumerate`]).
//! Otherwise the tree is left-deep, in a greedy order:
//!
//! - the input estimated largest goes first: it streams through every join
//!   as the probe side and is never hashed;
//! - then, repeatedly, the input connected to those already joined by an
//!   equality predicate whose join is estimated to give the fewest rows
//!   (`|joined| x |input| / distinct values of the key`), the smaller input on
//!   a tie; it becomes the next join's build (hash) side;
//! - only when no remaining input is connected does a cross product form.
//!
//! Estimates come from table row counts (Parquet footers, in-memory tables),
//! distinct counts bounded by an integer column's range (Parquet statistics,
//! min/max of in-memory columns), and fixed selectivities for filters
//! (equality 1/10, range 1/3, LIKE 1/4). Joining on `c_nationkey =
//! s_nationkey` (25 values) is then seen to multiply rows, and waits until a
//! key join has narrowed the rows (TPC-H q5).
//! A projection on top restores the original column order, so nothing above
//! the joins changes. Example (`a` 1,000 rows, `b` 10, `c` 100):
//!
//! ```text
//! before: Inner Join on=[#1 = #0]          after: Project #2, #3, #4, #0, #1
//!           Cross Join                              Inner Join on=[#0 = #3]
//!             Scan b [x]                              Inner Join on=[#1 = #0]
//!             Scan a [y, z]                             Scan a [y, z]
//!           Scan c [w]                                  Scan c [w]
//!                                                     Scan b [x]
//! ```

mod enumerate;

use enumerate::Tree;

use super::split_join_condition;
use crate::plan::cardinality::{distinct, estimate};
use crate::plan::schema::IdMap;
use crate::plan::{BinaryOp, Expr, JoinKind, LogicalPlan, PlanSchema};

/// Reorders every inner-join tree in `plan`.
pub fn reorder_joins(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Join {
            kind: JoinKind::Inner | JoinKind::Cross,
            ..
        } => {
            let schema = plan.schema().clone();
            let mut leaves = Vec::new();
            let mut conds = Vec::new();
            flatten(plan, &mut leaves, &mut conds);
            let leaves: Vec<LogicalPlan> = leaves.into_iter().map(reorder_joins).collect();
            build(leaves, conds, schema)
        }
        LogicalPlan::Join {
            kind: JoinKind::Left | JoinKind::Right,
            ..
        } => swap_outer_join(plan.map_inputs(&mut reorder_joins)),
        other => other.map_inputs(&mut reorder_joins),
    }
}

/// An outer join whose build (right) side is estimated larger than its probe
/// side is turned around (`a LEFT JOIN b` as `b RIGHT JOIN a`), so the hash
/// table holds the smaller input; a projection restores the column order.
fn swap_outer_join(plan: LogicalPlan) -> LogicalPlan {
    let LogicalPlan::Join {
        left,
        right,
        kind,
        on,
        filter,
        schema,
    } = plan
    else {
        return plan;
    };
    let subquery = filter.as_ref().is_some_and(Expr::contains_subquery)
        || on
            .iter()
            .any(|(l, r)| l.contains_subquery() || r.contains_subquery());
    if on.is_empty() || subquery || estimate(&right) <= estimate(&left) {
        return LogicalPlan::Join {
            left,
            right,
            kind,
            on,
            filter,
            schema,
        };
    }
    let kind = if kind == JoinKind::Left {
        JoinKind::Right
    } else {
        JoinKind::Left
    };
    let swapped_schema = right.schema().join(left.schema());
    let join = LogicalPlan::Join {
        left: right,
        right: left,
        kind,
        on: on.into_iter().map(|(l, r)| (r, l)).collect(),
        filter,
        schema: swapped_schema,
    };
    LogicalPlan::Project {
        input: Box::new(join),
        exprs: Expr::columns_of(&schema),
        schema,
    }
}

/// Collects the inputs of an inner-join tree and its conditions.
fn flatten(plan: LogicalPlan, leaves: &mut Vec<LogicalPlan>, conds: &mut Vec<Expr>) {
    match plan {
        LogicalPlan::Join {
            left,
            right,
            kind: JoinKind::Inner | JoinKind::Cross,
            on,
            filter,
            ..
        } => {
            for (l, r) in on {
                conds.push(l.binary(BinaryOp::Eq, r));
            }
            if let Some(f) = filter {
                conds.extend(f.split_conjunction());
            }
            flatten(*left, leaves, conds);
            flatten(*right, leaves, conds);
        }
        other => leaves.push(other),
    }
}

/// The input (by index) each column belongs to.
fn owners(leaves: &[LogicalPlan]) -> IdMap<usize> {
    let mut owner = IdMap::default();
    for (i, leaf) in leaves.iter().enumerate() {
        for c in &leaf.schema().columns {
            owner.insert(c.id, i);
        }
    }
    owner
}

/// The inputs (by index) whose columns `e` reads, sorted, each once.
fn inputs_of(e: &Expr, owner: &IdMap<usize>) -> Vec<usize> {
    let mut set: Vec<usize> = e
        .columns()
        .into_iter()
        .filter_map(|c| owner.get(&c).copied())
        .collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// An equality `a = b` that can key a hash join once the inputs `a` reads
/// are joined and the one input `b` reads is next (or the other way round).
struct KeyEdge {
    sides: [Vec<usize>; 2],
    /// Distinct values of the key: the larger of its two sides' counts.
    distinct: f64,
}

/// The left-deep join of `leaves` in the chosen order, projected back to the
/// original column order (`schema`).
fn build(leaves: Vec<LogicalPlan>, conds: Vec<Expr>, schema: PlanSchema) -> LogicalPlan {
    let n = leaves.len();
    let owner = owners(&leaves);
    // A condition holding a subquery reads the whole joined row as its outer
    // row: keep such a tree in its order.
    if conds.iter().any(Expr::contains_subquery) {
        let order: Vec<usize> = (0..n).collect();
        return assemble(leaves, conds, &Tree::left_deep(&order), &owner, schema);
    }
    let sizes: Vec<f64> = leaves.iter().map(estimate).collect();
    // Distinct values of one side of a join key (a column traced to its table).
    let key_distinct = |e: &Expr| -> f64 {
        let mut e = e;
        while let Expr::Cast { expr, .. } = e {
            e = expr;
        }
        match e {
            Expr::Column(c) => match owner.get(&c.id) {
                Some(&i) => distinct(&leaves[i], c.id).unwrap_or(sizes[i]).max(1.0),
                None => 1.0,
            },
            other => inputs_of(other, &owner)
                .into_iter()
                .map(|i| sizes[i])
                .fold(1.0, f64::max),
        }
    };
    let edges: Vec<KeyEdge> = conds
        .iter()
        .filter_map(|c| match c {
            Expr::Binary {
                op: BinaryOp::Eq,
                left,
                right,
            } => {
                let sides = [inputs_of(left, &owner), inputs_of(right, &owner)];
                (sides.iter().all(|s| !s.is_empty())).then(|| KeyEdge {
                    sides,
                    distinct: key_distinct(left).max(key_distinct(right)),
                })
            }
            _ => None,
        })
        .collect();
    let tree = match enumerate::best_tree(&sizes, &edges) {
        Some(tree) => tree,
        None => Tree::left_deep(&greedy_order(&sizes, &edges)),
    };
    assemble(leaves, conds, &tree, &owner, schema)
}

/// A left-deep order for inputs of estimated `sizes` joined by `edges`: the
/// largest first, then each time the input whose join gives the fewest rows.
fn greedy_order(sizes: &[f64], edges: &[KeyEdge]) -> Vec<usize> {
    let n = sizes.len();
    let mut edges_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, e) in edges.iter().enumerate() {
        for &i in e.sides[0].iter().chain(&e.sides[1]) {
            if edges_of[i].last() != Some(&k) {
                edges_of[i].push(k);
            }
        }
    }
    // Inputs of each edge side not joined yet; per input, the largest key
    // distinct count of the edges that now connect it to the joined inputs.
    // Both change only where the input just joined appears, so each step
    // looks at that input's edges alone: planning stays quadratic in the
    // number of inputs, not quartic (a 1,000-way join planned in minutes).
    let mut missing: Vec<[usize; 2]> = edges
        .iter()
        .map(|e| [e.sides[0].len(), e.sides[1].len()])
        .collect();
    let mut key: Vec<Option<f64>> = vec![None; n];
    let mut done = vec![false; n];
    let mut join = |pick: usize, done: &mut Vec<bool>, key: &mut Vec<Option<f64>>| {
        done[pick] = true;
        for &k in &edges_of[pick] {
            let e = &edges[k];
            for (left, side) in missing[k].iter_mut().zip(&e.sides) {
                if side.contains(&pick) {
                    *left -= 1;
                }
            }
            // A side all joined, the other exactly one input not joined yet.
            for (this, other) in [(0, 1), (1, 0)] {
                if let ([i], 0) = (e.sides[other].as_slice(), missing[k][this]) {
                    if !done[*i] {
                        key[*i] = Some(key[*i].map_or(e.distinct, |d| d.max(e.distinct)));
                    }
                }
            }
        }
    };
    let mut order = Vec::with_capacity(n);
    let first = (0..n)
        .max_by(|&a, &b| sizes[a].total_cmp(&sizes[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    join(first, &mut done, &mut key);
    order.push(first);
    let mut current = sizes[first];
    while order.len() < n {
        // For each input not yet joined: the estimated rows after joining it
        // (|current| x |input| / the larger distinct count of the key), when
        // an equality connects it.
        let candidates: Vec<(usize, Option<f64>)> = (0..n)
            .filter(|&i| !done[i])
            .map(|i| (i, key[i].map(|d| (current * sizes[i] / d).max(1.0))))
            .collect();
        let (pick, size) = candidates
            .iter()
            .filter_map(|&(i, s)| s.map(|s| (i, s)))
            .min_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then(sizes[a.0].total_cmp(&sizes[b.0]))
                    .then(a.0.cmp(&b.0))
            })
            .or_else(|| {
                candidates
                    .iter()
                    .map(|&(i, _)| (i, current * sizes[i]))
                    .min_by(|a, b| sizes[a.0].total_cmp(&sizes[b.0]).then(a.0.cmp(&b.0)))
            })
            .expect("an input remains");
        join(pick, &mut done, &mut key);
        order.push(pick);
        current = size;
    }
    order
}

/// Joins `leaves` as `tree` says; each condition goes to the lowest join
/// that has all its columns.
fn assemble(
    leaves: Vec<LogicalPlan>,
    conds: Vec<Expr>,
    tree: &Tree,
    owner: &IdMap<usize>,
    schema: PlanSchema,
) -> LogicalPlan {
    let sets: Vec<Vec<usize>> = conds.iter().map(|c| inputs_of(c, owner)).collect();
    let mut placed = vec![false; conds.len()];
    let mut slots: Vec<Option<LogicalPlan>> = leaves.into_iter().map(Some).collect();
    let mut joins = Joins {
        conds: &conds,
        sets: &sets,
        placed: &mut placed,
        slots: &mut slots,
    };
    let (plan, _) = joins.join(tree);
    // Conditions over no column (or a single input, left by earlier rules) on top.
    let rest: Vec<Expr> = conds
        .into_iter()
        .enumerate()
        .filter(|(k, _)| !placed[*k])
        .map(|(_, c)| c)
        .collect();
    let plan = plan.filtered(rest);
    if tree.leaves().iter().enumerate().all(|(k, &i)| k == i) {
        return plan;
    }
    // The original column order, for the nodes above.
    LogicalPlan::Project {
        input: Box::new(plan),
        exprs: Expr::columns_of(&schema),
        schema,
    }
}

/// What [`assemble`] builds a tree's joins from.
struct Joins<'a> {
    conds: &'a [Expr],
    /// The inputs each condition reads.
    sets: &'a [Vec<usize>],
    placed: &'a mut [bool],
    slots: &'a mut [Option<LogicalPlan>],
}

impl Joins<'_> {
    /// The plan of `tree`, and which inputs it joins. The left spine is
    /// walked in a loop and only right inputs recurse: a left-deep tree of
    /// a thousand inputs does not nest a thousand calls.
    fn join(&mut self, tree: &Tree) -> (LogicalPlan, Vec<bool>) {
        let mut rights = Vec::new();
        let mut first = tree;
        while let Tree::Join(l, r) = first {
            rights.push(r);
            first = l;
        }
        let mut joined = vec![false; self.slots.len()];
        let mut plan = match first {
            Tree::Leaf(i) => {
                joined[*i] = true;
                self.slots[*i].take().expect("each input once")
            }
            Tree::Join(..) => unreachable!("the end of the left spine is a leaf"),
        };
        for r in rights.into_iter().rev() {
            let (right, on_right) = self.join(r);
            joined.iter_mut().zip(&on_right).for_each(|(a, b)| *a |= *b);
            plan = self.joined(plan, right, &joined);
        }
        (plan, joined)
    }

    /// `plan` joined to `right` on the conditions not placed yet whose
    /// inputs are all `joined`.
    fn joined(&mut self, plan: LogicalPlan, right: LogicalPlan, joined: &[bool]) -> LogicalPlan {
        let mut here = Vec::new();
        for (k, c) in self.conds.iter().enumerate() {
            // A subquery reads the whole joined row as its outer row, which
            // only the top of the tree has: such a condition stays above.
            if c.contains_subquery() {
                continue;
            }
            let set = &self.sets[k];
            if !self.placed[k] && !set.is_empty() && set.iter().all(|&s| joined[s]) {
                self.placed[k] = true;
                here.push(c.clone());
            }
        }
        let (on, rest) = match Expr::conjunction(here) {
            Some(cond) => split_join_condition(cond, plan.schema(), right.schema()),
            None => (vec![], vec![]),
        };
        let filter = Expr::conjunction(rest);
        let kind = if on.is_empty() && filter.is_none() {
            JoinKind::Cross
        } else {
            JoinKind::Inner
        };
        let join_schema = plan.schema().join(right.schema());
        LogicalPlan::Join {
            left: Box::new(plan),
            right: Box::new(right),
            kind,
            on,
            filter,
            schema: join_schema,
        }
    }
}
