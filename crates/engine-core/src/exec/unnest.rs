//! UNNEST: each input row repeated once per element of its list, beside
//! the element (and its position, WITH ORDINALITY). Streaming: a batch in,
//! its rows' elements out.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int64Array, OffsetSizeTrait, UInt32Array};
use arrow_schema::DataType;
use arrow_select::take::take;

use super::eval::evaluate;
use super::{BatchMaker, ExecContext, Stream};
use crate::error::{Error, Result};
use crate::plan::{Expr, PlanSchema};

pub(super) fn unnest<'a>(
    input: Stream<'a>,
    list: &'a Expr,
    outer: bool,
    ordinality: bool,
    schema: &'a PlanSchema,
    ctx: &'a ExecContext,
) -> Stream<'a> {
    let mut maker = BatchMaker::new(schema);
    Box::new(input.map(move |b| {
        let b = b?;
        let lists = evaluate(list, &b, ctx)?;
        let (rows, values, elements) = match lists.data_type() {
            DataType::List(_) => spread(lists.as_list::<i32>(), outer)?,
            DataType::LargeList(_) => spread(lists.as_list::<i64>(), outer)?,
            DataType::FixedSizeList(..) => {
                let l = arrow_cast::cast(&lists, &DataType::List(list_field(&lists)))?;
                spread(l.as_list::<i32>(), outer)?
            }
            // An untyped NULL: no elements anywhere.
            DataType::Null => (
                (0..b.num_rows() as u32).filter(|_| outer).collect(),
                arrow_array::new_null_array(&DataType::Null, 0),
                vec![None; if outer { b.num_rows() } else { 0 }],
            ),
            other => {
                return Err(Error::type_error(format!(
                    "UNNEST needs a list, got {other}"
                )))
            }
        };
        let rows = UInt32Array::from(rows);
        let n = rows.len();
        let mut columns = b
            .columns()
            .iter()
            .map(|c| Ok(take(c.as_ref(), &rows, None)?))
            .collect::<Result<Vec<ArrayRef>>>()?;
        let picks = UInt32Array::from(
            elements
                .iter()
                .map(|e| e.map(|(i, _)| i))
                .collect::<Vec<_>>(),
        );
        columns.push(take(values.as_ref(), &picks, None)?);
        if ordinality {
            let at: Int64Array = elements.iter().map(|e| e.map(|(_, k)| k)).collect();
            columns.push(Arc::new(at));
        }
        maker.make(columns, n)
    }))
}

/// The element field of a fixed-size list, for a cast to a list.
fn list_field(a: &ArrayRef) -> Arc<arrow_schema::Field> {
    match a.data_type() {
        DataType::FixedSizeList(f, _) => Arc::clone(f),
        _ => Arc::new(arrow_schema::Field::new_list_field(DataType::Null, true)),
    }
}

/// Output rows: for each element, its input row, and its index in the
/// values with its position in the list (`None`: the NULL element of an
/// outer row whose list is NULL or empty).
#[allow(clippy::type_complexity)]
fn spread<O: OffsetSizeTrait>(
    lists: &arrow_array::GenericListArray<O>,
    outer: bool,
) -> Result<(Vec<u32>, ArrayRef, Vec<Option<(u32, i64)>>)> {
    let offsets = lists.value_offsets();
    let mut rows = Vec::new();
    let mut elements = Vec::new();
    for i in 0..lists.len() {
        let (start, end) = (offsets[i].as_usize(), offsets[i + 1].as_usize());
        if lists.is_null(i) || start == end {
            if outer {
                rows.push(i as u32);
                elements.push(None);
            }
            continue;
        }
        if u32::try_from(end).is_err() {
            return Err(Error::ResourcesExhausted(
                "UNNEST of more than 4 billion elements in one batch".into(),
            ));
        }
        for (k, j) in (start..end).enumerate() {
            rows.push(i as u32);
            elements.push(Some((j as u32, k as i64 + 1)));
        }
    }
    Ok((rows, Arc::clone(lists.values()), elements))
}
