//! DISTINCT, UNION [ALL], INTERSECT [ALL], EXCEPT [ALL].

use arrow_array::{RecordBatch, UInt32Array};
use arrow_schema::DataType;

use super::rowset::{Interner, KeyEncoder};
use super::{make_batch, ExecContext, Stream};
use crate::error::Result;
use crate::plan::{PlanSchema, SetOpKind};

fn types(schema: &PlanSchema) -> Vec<DataType> {
    schema.columns.iter().map(|c| c.data_type.clone()).collect()
}

/// Passes each distinct row once, in first-seen order, streaming.
pub(super) fn distinct<'a>(
    input: Stream<'a>,
    schema: &PlanSchema,
    ctx: &'a ExecContext,
) -> Stream<'a> {
    let encoder = match KeyEncoder::new(&types(schema)) {
        Ok(e) => e,
        Err(e) => return Box::new(std::iter::once(Err(e))),
    };
    let mut seen = Interner::new(&encoder);
    let mut held = ctx.memory.reserve("DISTINCT");
    let mut any_row = false;
    Box::new(input.filter_map(move |b| {
        let run = |seen: &mut Interner, any_row: &mut bool| -> Result<Option<RecordBatch>> {
            let b = b?;
            if b.num_columns() == 0 {
                // Rows with no columns are all equal: keep one.
                let keep = !*any_row && b.num_rows() > 0;
                *any_row |= b.num_rows() > 0;
                return Ok(keep.then(|| b.slice(0, 1)));
            }
            let rows = encoder.encode(b.columns())?;
            let keep: Vec<u32> = (0..b.num_rows())
                .filter(|&i| seen.intern(rows.row(i)).1)
                .map(|i| i as u32)
                .collect();
            held.resize(seen.memory_size())?;
            if keep.is_empty() {
                return Ok(None);
            }
            if keep.len() == b.num_rows() {
                return Ok(Some(b));
            }
            Ok(Some(arrow_select::take::take_record_batch(
                &b,
                &UInt32Array::from(keep),
            )?))
        };
        run(&mut seen, &mut any_row).transpose()
    }))
}

pub(super) fn set_operation<'a>(
    left: Stream<'a>,
    right: Stream<'a>,
    op: SetOpKind,
    all: bool,
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Result<Stream<'a>> {
    let relabel = move |b: Result<RecordBatch>| {
        b.and_then(|b| make_batch(schema, b.columns().to_vec(), b.num_rows()))
    };
    if op == SetOpKind::Union {
        let chained: Stream<'a> = Box::new(left.chain(right).map(relabel));
        return Ok(if all {
            chained
        } else {
            distinct(chained, schema, ctx)
        });
    }
    // INTERSECT / EXCEPT: count the right side's rows, then stream the left.
    let encoder = KeyEncoder::new(&types(schema))?;
    let mut right_rows = Interner::new(&encoder);
    let mut counts: Vec<usize> = Vec::new();
    let mut held = ctx.memory.reserve(match op {
        SetOpKind::Intersect => "INTERSECT",
        _ => "EXCEPT",
    });
    for b in right {
        let b = b?;
        let rows = encoder.encode(b.columns())?;
        for i in 0..b.num_rows() {
            let (id, new) = right_rows.intern(rows.row(i));
            if new {
                counts.push(0);
            }
            counts[id as usize] += 1;
        }
        held.resize(right_rows.memory_size() + 8 * counts.capacity())?;
    }
    let mut emitted = Interner::new(&encoder);
    let base = right_rows.memory_size() + 8 * counts.capacity();
    let input: Stream<'a> = Box::new(left.map(relabel));
    Ok(Box::new(input.filter_map(move |b| {
        let run = || -> Result<Option<RecordBatch>> {
            let b = b?;
            let rows = encoder.encode(b.columns())?;
            let mut keep = Vec::new();
            for i in 0..b.num_rows() {
                let row = rows.row(i);
                let in_right = right_rows.get(row).map(|id| id as usize);
                let take = match (op, all) {
                    (SetOpKind::Intersect, false) => in_right.is_some() && emitted.intern(row).1,
                    (SetOpKind::Except, false) => in_right.is_none() && emitted.intern(row).1,
                    (SetOpKind::Intersect, true) => match in_right {
                        Some(id) if counts[id] > 0 => {
                            counts[id] -= 1;
                            true
                        }
                        _ => false,
                    },
                    (SetOpKind::Except, true) => match in_right {
                        Some(id) if counts[id] > 0 => {
                            counts[id] -= 1;
                            false
                        }
                        _ => true,
                    },
                    (SetOpKind::Union, _) => unreachable!("handled above"),
                };
                if take {
                    keep.push(i as u32);
                }
            }
            held.resize(base + emitted.memory_size())?;
            if keep.is_empty() {
                return Ok(None);
            }
            Ok(Some(arrow_select::take::take_record_batch(
                &b,
                &UInt32Array::from(keep),
            )?))
        };
        run().transpose()
    })))
}
