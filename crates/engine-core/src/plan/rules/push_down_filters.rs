//! Predicate pushdown: WHERE conjuncts move into the joins below them. A
//! conjunct over one side of an inner join filters that side before the join,
//! and an equality across the sides becomes a hash-join key, so
//! `FROM a, b WHERE a.x = b.y` is a hash join rather than a cross product.
//! Through semi, anti and mark joins (whose output is the left side's columns)
//! every conjunct over those columns moves into the left input. A scan under
//! the remaining filter gets its conjuncts as skipping hints at run time.
//!
//! ```text
//! before: Filter ((#0 = #2) AND (#1 > 5))     after: Inner Join on=[#0 = #0]
//!           Cross Join                                  Filter (#1 > 5)
//!             Scan a [x, y]                               Scan a [x, y]
//!             Scan b [z]                                Scan b [z]
//! ```

use super::split_join_condition;
use crate::plan::columns::{projection_map, rename_map};
use crate::plan::{BinaryOp, Expr, JoinKind, LogicalPlan};

/// Moves filter conjuncts into the inner and cross joins below them.
pub fn push_down_filters(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Filter { input, predicate } => {
            let input = push_down_filters(*input);
            push_into(input, conjuncts(predicate))
        }
        LogicalPlan::Join {
            left,
            right,
            kind: kind @ (JoinKind::Inner | JoinKind::Cross),
            on,
            filter: Some(f),
            schema,
        } => {
            // A join condition over one side of an inner join is a filter on that side.
            let join = LogicalPlan::Join {
                left,
                right,
                kind,
                on,
                filter: None,
                schema,
            };
            push_down_filters_join(join, f.split_conjunction())
        }
        LogicalPlan::Join {
            left,
            right,
            kind: kind @ (JoinKind::Left | JoinKind::Right),
            on,
            filter: Some(f),
            schema,
        } => {
            // An ON condition over only the NULL-padded side of an outer join
            // filters that side before the join (its rows that fail it
            // would find no partner anyway).
            let (mut to_left, mut to_right, mut here) = (Vec::new(), Vec::new(), Vec::new());
            for c in f.split_conjunction() {
                let cols = c.columns();
                if c.contains_subquery() || cols.is_empty() {
                    here.push(c);
                } else if kind == JoinKind::Left && right.schema().contains_all(&cols) {
                    to_right.push(c);
                } else if kind == JoinKind::Right && left.schema().contains_all(&cols) {
                    to_left.push(c);
                } else {
                    here.push(c);
                }
            }
            LogicalPlan::Join {
                left: Box::new(push_into(push_down_filters(*left), to_left)),
                right: Box::new(push_into(push_down_filters(*right), to_right)),
                kind,
                on,
                filter: Expr::conjunction(here),
                schema,
            }
        }
        other => other.map_inputs(&mut push_down_filters),
    }
}

/// A predicate's conjuncts, with the conjuncts common to every branch of an
/// OR taken out of it: `(a AND b) OR (a AND c)` gives `a` and `b OR c`, so a
/// join key repeated in each branch (TPC-H q19) can become a hash-join key.
fn conjuncts(predicate: Expr) -> Vec<Expr> {
    let mut out = Vec::new();
    for c in predicate.split_conjunction() {
        if !matches!(
            c,
            Expr::Binary {
                op: BinaryOp::Or,
                ..
            }
        ) {
            out.push(c);
            continue;
        }
        let branches: Vec<Vec<Expr>> = disjuncts(c)
            .into_iter()
            .map(Expr::split_conjunction)
            .collect();
        let common: Vec<Expr> = branches[0]
            .iter()
            .filter(|x| !x.contains_subquery() && branches[1..].iter().all(|b| b.contains(x)))
            .cloned()
            .collect();
        let rebuilt = branches
            .into_iter()
            .map(|b| Expr::conjunction(b.into_iter().filter(|x| !common.contains(x))))
            .collect::<Option<Vec<Expr>>>();
        out.extend(common);
        // A branch left empty was all common: the OR is then always true.
        if let Some(branches) = rebuilt {
            out.extend(implied_by_every_branch(&branches));
            if let Some(or) = Expr::disjunction(branches) {
                out.push(or);
            }
        }
    }
    out
}

/// Conditions an OR implies on fewer columns: for the columns of a conjunct
/// of the first branch, the OR over all branches of their conjuncts on those
/// columns, when every branch has one. `(n1 = 'FRANCE' AND n2 = 'GERMANY') OR
/// (n1 = 'GERMANY' AND n2 = 'FRANCE')` implies `n1 = 'FRANCE' OR n1 =
/// 'GERMANY'`, which can filter n1's table before any join (TPC-H q7, q19).
/// The OR itself stays; these only add filters lower down.
fn implied_by_every_branch(branches: &[Expr]) -> Vec<Expr> {
    const MAX_BRANCHES: usize = 8;
    const MAX_CONJUNCTS: usize = 16;
    let split: Vec<Vec<Expr>> = branches
        .iter()
        .map(|b| b.clone().split_conjunction())
        .collect();
    if split.len() < 2
        || split.len() > MAX_BRANCHES
        || split
            .iter()
            .any(|b| b.len() > MAX_CONJUNCTS || b.iter().any(Expr::contains_subquery))
    {
        return vec![];
    }
    let mut out: Vec<Expr> = Vec::new();
    let mut seen_sets: Vec<Vec<crate::plan::ColumnId>> = Vec::new();
    for c in &split[0] {
        let mut cols = c.columns();
        cols.sort_unstable();
        cols.dedup();
        if cols.is_empty() || seen_sets.contains(&cols) {
            continue;
        }
        let within = |e: &Expr| {
            let ec = e.columns();
            !ec.is_empty() && ec.iter().all(|x| cols.contains(x))
        };
        let parts: Option<Vec<Expr>> = split
            .iter()
            .map(|b| Expr::conjunction(b.iter().filter(|e| within(e)).cloned()))
            .collect();
        let Some(parts) = parts else { continue };
        // Nothing gained when this is the whole OR again.
        let whole = parts
            .iter()
            .zip(&split)
            .all(|(p, b)| p.clone().split_conjunction().len() == b.len());
        if whole {
            continue;
        }
        if let Some(or) = Expr::disjunction(parts) {
            out.push(or);
            seen_sets.push(cols);
        }
    }
    out
}

fn disjuncts(e: Expr) -> Vec<Expr> {
    match e {
        Expr::Binary {
            op: BinaryOp::Or,
            left,
            right,
        } => {
            let mut v = disjuncts(*left);
            v.extend(disjuncts(*right));
            v
        }
        other => vec![other],
    }
}

fn push_down_filters_join(join: LogicalPlan, conjuncts: Vec<Expr>) -> LogicalPlan {
    let join = join.map_inputs(&mut push_down_filters);
    push_into(join, conjuncts)
}

/// Places `conjuncts` (over `plan`'s output) as deep as they can go.
fn push_into(plan: LogicalPlan, conjuncts: Vec<Expr>) -> LogicalPlan {
    if conjuncts.is_empty() {
        return plan;
    }
    match plan {
        LogicalPlan::Join {
            left,
            right,
            kind: JoinKind::Inner | JoinKind::Cross,
            mut on,
            filter,
            schema,
        } => {
            let (mut to_left, mut to_right, mut here) = (Vec::new(), Vec::new(), Vec::new());
            for c in conjuncts {
                // A subquery reads the row it is evaluated on as its outer
                // row, which only this level has whole: keep it here.
                if c.contains_subquery() {
                    here.push(c);
                    continue;
                }
                let cols = c.columns();
                if !cols.is_empty() && left.schema().contains_all(&cols) {
                    to_left.push(c);
                } else if !cols.is_empty() && right.schema().contains_all(&cols) {
                    to_right.push(c);
                } else {
                    here.push(c);
                }
            }
            let left = Box::new(push_into(*left, to_left));
            let right = Box::new(push_into(*right, to_right));
            let mut rest = filter.map(|f| f.split_conjunction()).unwrap_or_default();
            if let Some(cond) = Expr::conjunction(here) {
                let (keys, others) = split_join_condition(cond, left.schema(), right.schema());
                on.extend(keys);
                rest.extend(others);
            }
            let filter = Expr::conjunction(rest);
            let kind = if on.is_empty() && filter.is_none() {
                JoinKind::Cross
            } else {
                JoinKind::Inner
            };
            LogicalPlan::Join {
                left,
                right,
                kind,
                on,
                filter,
                schema,
            }
        }
        LogicalPlan::Join {
            left,
            right,
            kind:
                kind @ (JoinKind::Left
                | JoinKind::Right
                | JoinKind::Semi
                | JoinKind::Anti
                | JoinKind::Mark),
            on,
            filter,
            schema,
        } => {
            // A condition on the preserved side of an outer join filters that
            // side (the other side's rows may be NULL-padded, so those stay);
            // a semi, anti or mark join outputs its left side's columns (a
            // condition on the mark stays above).
            let on_left = kind != JoinKind::Right;
            let side = if on_left {
                left.schema()
            } else {
                right.schema()
            };
            let preserved = |c: &Expr| !c.contains_subquery() && side.contains_all(&c.columns());
            let (down, here): (Vec<Expr>, Vec<Expr>) = conjuncts.into_iter().partition(preserved);
            let (left, right) = if on_left {
                (Box::new(push_into(*left, down)), right)
            } else {
                (left, Box::new(push_into(*right, down)))
            };
            LogicalPlan::Join {
                left,
                right,
                kind,
                on,
                filter,
                schema,
            }
            .filtered(here)
        }
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } => {
            // Through a projection by substituting its expressions, unless a
            // conjunct would then compute a subquery or a volatile call below.
            let computed = projection_map(&exprs, &schema);
            let inlinable = |c: &Expr| {
                !c.contains_subquery()
                    && c.columns().iter().all(|id| {
                        computed
                            .get(id)
                            .is_some_and(|e| !e.contains_subquery() && e.is_deterministic())
                    })
            };
            let (down, here): (Vec<Expr>, Vec<Expr>) = conjuncts.into_iter().partition(inlinable);
            let down: Vec<Expr> = down
                .iter()
                .map(|c| c.substitute(&|id| computed.get(&id).cloned()))
                .collect();
            let project = LogicalPlan::Project {
                input: Box::new(push_into(*input, down)),
                exprs,
                schema,
            };
            project.filtered(here)
        }
        LogicalPlan::Sort {
            input,
            keys,
            fetch: None,
        } => LogicalPlan::Sort {
            input: Box::new(push_into(*input, conjuncts)),
            keys,
            fetch: None,
        },
        LogicalPlan::Filter { input, predicate } => {
            let mut all = predicate.split_conjunction();
            all.extend(conjuncts);
            push_into(*input, all)
        }
        LogicalPlan::Rename { input, schema } => {
            let pushable = !conjuncts.iter().any(Expr::contains_subquery);
            if pushable {
                // The rename's columns are its input's under new identities.
                let renamed = rename_map(input.schema(), &schema);
                let down = conjuncts
                    .iter()
                    .map(|c| c.substitute(&|id| renamed.get(&id).cloned()))
                    .collect();
                LogicalPlan::Rename {
                    input: Box::new(push_into(*input, down)),
                    schema,
                }
            } else {
                LogicalPlan::Rename { input, schema }.filtered(conjuncts)
            }
        }
        other => other.filtered(conjuncts),
    }
}
