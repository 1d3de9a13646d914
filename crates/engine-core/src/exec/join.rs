//! Joins. The right input is gathered and hashed on its key columns (the build
//! side); left batches stream through and probe it. Without keys (CROSS JOIN or
//! a non-equi condition) every pair is a candidate, produced in bounded chunks.
//! A residual condition is evaluated on the candidate pairs; outer joins then
//! add the rows that found no partner, padded with NULLs.
//!
//! Semi and anti joins (EXISTS, IN, NOT EXISTS after decorrelation) output
//! the left rows that found a partner, or found none. A mark join outputs every
//! left row plus a boolean column with `left IN right`'s three-valued answer:
//! true on a match; otherwise NULL when the left key is NULL or the right side
//! holds a NULL key (and is not empty), else false.

use std::collections::VecDeque;

use arrow_array::cast::AsArray;
use arrow_array::{new_empty_array, Array, ArrayRef, RecordBatch, UInt32Array};

use super::eval::{evaluate, true_mask};
use super::rowset::{Interner, KeyEncoder};
use super::{make_batch, ExecContext, Stream};
use crate::error::Result;
use crate::plan::{Expr, JoinKind, PlanSchema};

/// Candidate pairs produced per output batch, at most (bounds a cross product's memory).
const PAIRS_PER_BATCH: usize = 64 * 1024;

pub(super) struct JoinSpec<'a> {
    pub kind: JoinKind,
    pub on: &'a [(Expr, Expr)],
    pub filter: Option<&'a Expr>,
    pub schema: &'a PlanSchema,
    pub left: &'a PlanSchema,
    pub right: &'a PlanSchema,
}

impl JoinSpec<'_> {
    /// Whether the output holds only the left side's columns (plus a mark).
    fn left_only(&self) -> bool {
        matches!(self.kind, JoinKind::Semi | JoinKind::Anti | JoinKind::Mark)
    }
}

struct BuildSide {
    batch: RecordBatch,
    /// Key interner and, per key id, the right rows with that key.
    keys: Option<(KeyEncoder, Interner, Vec<Vec<u32>>)>,
    /// Whether some right row has a NULL key (for the mark join's NULL rule).
    has_null_key: bool,
    /// The columns of a candidate pair: left's then right's.
    pair_schema: PlanSchema,
}

pub(super) fn join<'a>(
    left: Stream<'a>,
    right: Stream<'a>,
    spec: JoinSpec<'a>,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let build = build_side(right, &spec, ctx)?;
    let right_rows = build.batch.num_rows();
    let mut matched_right = vec![false; right_rows];
    let mut pending: VecDeque<RecordBatch> = VecDeque::new();
    let mut left = left;
    let mut left_done = false;
    let mut tail_done = false;
    Ok(Box::new(std::iter::from_fn(move || loop {
        if let Some(piece) = pending.pop_front() {
            match probe(&piece, &build, &spec, &mut matched_right, ctx) {
                Ok(Some(b)) => return Some(Ok(b)),
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
        if !left_done {
            match left.next() {
                Some(Ok(b)) => {
                    // Split so that one piece yields a bounded number of candidate pairs.
                    let per_row = if build.keys.is_some() {
                        1
                    } else {
                        right_rows.max(1)
                    };
                    let step = (PAIRS_PER_BATCH / per_row).max(1);
                    let mut start = 0;
                    while start < b.num_rows() {
                        let len = step.min(b.num_rows() - start);
                        pending.push_back(b.slice(start, len));
                        start += len;
                    }
                    continue;
                }
                Some(Err(e)) => return Some(Err(e)),
                None => left_done = true,
            }
        }
        if !tail_done {
            tail_done = true;
            if matches!(spec.kind, JoinKind::Right | JoinKind::Full) {
                let unmatched: Vec<Option<u32>> = (0..right_rows)
                    .filter(|&j| !matched_right[j])
                    .map(|j| Some(j as u32))
                    .collect();
                if !unmatched.is_empty() {
                    let left_nulls = vec![None; unmatched.len()];
                    return Some(assemble(
                        None,
                        &build.batch,
                        &left_nulls,
                        &unmatched,
                        spec.left,
                        spec.schema,
                    ));
                }
            }
        }
        return None;
    })))
}

fn build_side(right: Stream<'_>, spec: &JoinSpec, ctx: &ExecContext) -> Result<BuildSide> {
    let batches = right.collect::<Result<Vec<_>>>()?;
    let batch = match batches.first() {
        Some(first) => arrow_select::concat::concat_batches(&first.schema(), &batches)?,
        None => {
            let columns: Vec<ArrayRef> = spec
                .right
                .columns
                .iter()
                .map(|c| new_empty_array(&c.data_type))
                .collect();
            make_batch(spec.right, columns, 0)?
        }
    };
    let pair_schema = spec.left.join(spec.right);
    if spec.on.is_empty() {
        return Ok(BuildSide {
            batch,
            keys: None,
            has_null_key: false,
            pair_schema,
        });
    }
    let key_columns = spec
        .on
        .iter()
        .map(|(_, r)| evaluate(r, &batch, ctx))
        .collect::<Result<Vec<_>>>()?;
    let types: Vec<_> = key_columns.iter().map(|c| c.data_type().clone()).collect();
    let encoder = KeyEncoder::new(&types)?;
    let rows = encoder.encode(&key_columns)?;
    let mut interner = Interner::new(&encoder);
    let mut chains: Vec<Vec<u32>> = Vec::new();
    let key_nulls: Vec<_> = key_columns
        .iter()
        .filter_map(|c| c.logical_nulls())
        .collect();
    let mut has_null_key = false;
    for j in 0..batch.num_rows() {
        // NULL keys never match.
        if key_nulls.iter().any(|n| n.is_null(j)) {
            has_null_key = true;
            continue;
        }
        let (id, new) = interner.intern(rows.row(j));
        if new {
            chains.push(Vec::new());
        }
        chains[id as usize].push(j as u32);
    }
    Ok(BuildSide {
        batch,
        keys: Some((encoder, interner, chains)),
        has_null_key,
        pair_schema,
    })
}

/// Joins one left piece against the build side.
fn probe(
    lb: &RecordBatch,
    build: &BuildSide,
    spec: &JoinSpec,
    matched_right: &mut [bool],
    ctx: &ExecContext,
) -> Result<Option<RecordBatch>> {
    let n = lb.num_rows();
    let mut li: Vec<u32> = Vec::new();
    let mut ri: Vec<u32> = Vec::new();
    // Left rows whose key holds a NULL (the mark join answers NULL for them).
    let mut null_left: Vec<bool> = Vec::new();
    match &build.keys {
        Some((encoder, interner, chains)) => {
            let key_columns = spec
                .on
                .iter()
                .map(|(l, _)| evaluate(l, lb, ctx))
                .collect::<Result<Vec<_>>>()?;
            let rows = encoder.encode(&key_columns)?;
            let key_nulls: Vec<_> = key_columns
                .iter()
                .filter_map(|c| c.logical_nulls())
                .collect();
            if spec.kind == JoinKind::Mark {
                null_left = (0..n)
                    .map(|i| key_nulls.iter().any(|k| k.is_null(i)))
                    .collect();
            }
            for i in 0..n {
                if key_nulls.iter().any(|k| k.is_null(i)) {
                    continue;
                }
                if let Some(id) = interner.get(rows.row(i)) {
                    // Without a residual condition one partner decides a semi,
                    // anti or mark join: no need to list them all.
                    if spec.left_only() && spec.filter.is_none() {
                        li.push(i as u32);
                        continue;
                    }
                    for &j in &chains[id as usize] {
                        li.push(i as u32);
                        ri.push(j);
                    }
                }
            }
        }
        None => {
            let m = build.batch.num_rows() as u32;
            for i in 0..n as u32 {
                for j in 0..m {
                    li.push(i);
                    ri.push(j);
                }
            }
        }
    }
    // The residual condition, on the candidate pairs.
    if let Some(filter) = spec.filter {
        if !li.is_empty() {
            let lo: Vec<Option<u32>> = li.iter().map(|&i| Some(i)).collect();
            let ro: Vec<Option<u32>> = ri.iter().map(|&j| Some(j)).collect();
            let candidates = assemble(
                Some(lb),
                &build.batch,
                &lo,
                &ro,
                spec.left,
                &build.pair_schema,
            )?;
            let mask = evaluate(filter, &candidates, ctx)?;
            let mask = true_mask(mask.as_boolean());
            let (mut l2, mut r2) = (
                Vec::with_capacity(mask.true_count()),
                Vec::with_capacity(mask.true_count()),
            );
            for k in 0..li.len() {
                if mask.value(k) {
                    l2.push(li[k]);
                    r2.push(ri[k]);
                }
            }
            li = l2;
            ri = r2;
        }
    }
    if spec.left_only() {
        return semi_anti_mark(lb, &li, build, spec, &null_left);
    }
    for &j in &ri {
        matched_right[j as usize] = true;
    }
    let mut lo: Vec<Option<u32>> = li.iter().map(|&i| Some(i)).collect();
    let mut ro: Vec<Option<u32>> = ri.iter().map(|&j| Some(j)).collect();
    if matches!(spec.kind, JoinKind::Left | JoinKind::Full) {
        let mut matched_left = vec![false; n];
        for &i in &li {
            matched_left[i as usize] = true;
        }
        for (i, m) in matched_left.iter().enumerate() {
            if !m {
                lo.push(Some(i as u32));
                ro.push(None);
            }
        }
    }
    if lo.is_empty() {
        return Ok(None);
    }
    assemble(Some(lb), &build.batch, &lo, &ro, spec.left, spec.schema).map(Some)
}

/// The output of a semi, anti or mark join for one left piece, given the left
/// rows of the pairs that passed the join condition.
fn semi_anti_mark(
    lb: &RecordBatch,
    li: &[u32],
    build: &BuildSide,
    spec: &JoinSpec,
    null_left: &[bool],
) -> Result<Option<RecordBatch>> {
    let n = lb.num_rows();
    let mut matched = vec![false; n];
    for &i in li {
        matched[i as usize] = true;
    }
    let keep = |want: bool| -> Result<Option<RecordBatch>> {
        let mask = arrow_array::BooleanArray::from(
            matched.iter().map(|m| *m == want).collect::<Vec<bool>>(),
        );
        if mask.true_count() == 0 {
            return Ok(None);
        }
        let columns = lb
            .columns()
            .iter()
            .map(|c| Ok(arrow_select::filter::filter(c.as_ref(), &mask)?))
            .collect::<Result<Vec<_>>>()?;
        make_batch(spec.schema, columns, mask.true_count()).map(Some)
    };
    match spec.kind {
        JoinKind::Semi => keep(true),
        JoinKind::Anti => keep(false),
        _ => {
            let right_empty = build.batch.num_rows() == 0;
            let mark: arrow_array::BooleanArray = (0..n)
                .map(|i| {
                    if matched[i] {
                        Some(true)
                    } else if right_empty {
                        Some(false)
                    } else if build.has_null_key || null_left.get(i).copied().unwrap_or(false) {
                        None
                    } else {
                        Some(false)
                    }
                })
                .collect();
            let mut columns = lb.columns().to_vec();
            columns.push(std::sync::Arc::new(mark));
            make_batch(spec.schema, columns, n).map(Some)
        }
    }
}

/// Rows of `schema` (left's columns then right's) from index pairs; `None` is
/// a NULL-padded side.
fn assemble(
    lb: Option<&RecordBatch>,
    rb: &RecordBatch,
    lo: &[Option<u32>],
    ro: &[Option<u32>],
    left: &PlanSchema,
    schema: &PlanSchema,
) -> Result<RecordBatch> {
    let lidx = UInt32Array::from(lo.to_vec());
    let ridx = UInt32Array::from(ro.to_vec());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.len());
    match lb {
        Some(lb) => {
            for c in lb.columns() {
                columns.push(arrow_select::take::take(c.as_ref(), &lidx, None)?);
            }
        }
        None => {
            for c in &left.columns {
                columns.push(arrow_array::new_null_array(&c.data_type, lo.len()));
            }
        }
    }
    for c in rb.columns() {
        columns.push(arrow_select::take::take(c.as_ref(), &ridx, None)?);
    }
    make_batch(schema, columns, lo.len())
}
