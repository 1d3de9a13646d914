//! GROUPING SETS, ROLLUP and CUBE: a GROUP BY with several grouping sets.
//!
//! The sets become an [`LogicalPlan::Expand`] below an ordinary aggregate:
//! each input row once per set, with the keys the set leaves out as NULL
//! and the set's number as one more group key. `GROUPING(a, ...)` reads
//! that number.

use sqlparser::ast::{self, Expr as A};

use crate::error::{Error, Result};
use crate::plan::{BinaryOp, Expr, LogicalPlan, PlanColumn, PlanSchema, ScalarValue};

/// The most grouping sets a GROUP BY may expand to (CUBE of 12 keys).
const MAX_SETS: usize = 4096;

/// GROUP BY's grouping sets, each the list of key expressions it groups by
/// (as written), or `None` for a GROUP BY without GROUPING SETS, ROLLUP or
/// CUBE. Items multiply: `GROUP BY a, ROLLUP(b)` is the sets (a, b) and (a).
pub(super) fn grouping_sets(items: &[A]) -> Result<Option<Vec<Vec<&A>>>> {
    let several = |e: &A| matches!(e, A::GroupingSets(_) | A::Rollup(_) | A::Cube(_));
    if !items.iter().any(several) {
        return Ok(None);
    }
    let mut sets: Vec<Vec<&A>> = vec![vec![]];
    for item in items {
        let options: Vec<Vec<&A>> = match item {
            A::GroupingSets(list) => list.iter().map(|s| s.iter().collect()).collect(),
            A::Rollup(groups) => (0..=groups.len())
                .rev()
                .map(|n| groups[..n].iter().flatten().collect())
                .collect(),
            A::Cube(groups) => {
                if groups.len() > 12 {
                    return Err(Error::plan("CUBE of more than 12 keys"));
                }
                let n = groups.len();
                (0..1usize << n)
                    .rev()
                    .map(|mask| {
                        (0..n)
                            .filter(|j| mask & (1 << (n - 1 - j)) != 0)
                            .flat_map(|j| groups[j].iter())
                            .collect()
                    })
                    .collect()
            }
            e => vec![vec![e]],
        };
        let mut next = Vec::with_capacity(sets.len() * options.len());
        for s in &sets {
            for o in &options {
                next.push(s.iter().chain(o.iter()).copied().collect());
            }
        }
        if next.len() > MAX_SETS {
            return Err(Error::plan(format!(
                "GROUP BY expands to more than {MAX_SETS} grouping sets"
            )));
        }
        sets = next;
    }
    Ok(Some(sets))
}

/// The grouping sets as an Expand over `input`: its columns, then one per
/// key (NULL where a set leaves it out), then the set's number.
/// `keys` are bound over `input`, `sets` the positions of the keys of each set.
pub(super) fn expand(input: LogicalPlan, keys: &[Expr], sets: &[Vec<usize>]) -> LogicalPlan {
    let schema = input.schema().clone();
    let n = schema.len();
    let mut columns: Vec<PlanColumn> = schema.columns.iter().map(|c| (**c).clone()).collect();
    for k in keys {
        columns.push(PlanColumn::new(None, k.to_string(), k.data_type(&schema)));
    }
    columns.push(PlanColumn::new(
        None,
        "__grouping_set",
        arrow_schema::DataType::Int64,
    ));
    let lists = sets
        .iter()
        .enumerate()
        .map(|(s, set)| {
            let mut list: Vec<Expr> = (0..n).map(|i| Expr::column(&schema, i)).collect();
            for (i, k) in keys.iter().enumerate() {
                list.push(match set.contains(&i) {
                    true => k.clone(),
                    false => Expr::Literal(ScalarValue::null(&k.data_type(&schema))),
                });
            }
            list.push(Expr::Literal(ScalarValue::int64(s as i64)));
            list
        })
        .collect();
    LogicalPlan::Expand {
        input: Box::new(input),
        lists,
        schema: PlanSchema::new(columns),
    }
}

/// `GROUPING(args)` given the positions of its arguments among the keys:
/// for each row, a bit per argument (the first the highest), set where the
/// row's grouping set leaves that key out. `set` is the group key holding
/// the set's number.
pub(super) fn grouping(args: &[usize], sets: Option<&[Vec<usize>]>, set: Expr) -> Expr {
    let mask = |s: &[usize]| {
        args.iter()
            .fold(0i64, |m, a| (m << 1) | i64::from(!s.contains(a)))
    };
    let Some(sets) = sets else {
        return Expr::Literal(ScalarValue::int64(0));
    };
    Expr::Case {
        whens: sets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let is = set
                    .clone()
                    .binary(BinaryOp::Eq, Expr::Literal(ScalarValue::int64(i as i64)));
                (is, Expr::Literal(ScalarValue::int64(mask(s))))
            })
            .collect(),
        else_expr: None,
    }
}

/// Whether `f` is a call of `GROUPING(...)`/`GROUPING_ID(...)`.
pub(super) fn is_grouping_call(f: &ast::Function) -> bool {
    matches!(
        super::aggregates::function_name(f).as_str(),
        "grouping" | "grouping_id"
    )
}
