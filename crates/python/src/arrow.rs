//! The Arrow PyCapsule interface: record batches to and from any Arrow-aware
//! library (pyarrow, polars, pandas, DuckDB, ...) through the C stream
//! interface, sharing the buffers instead of copying them.

use std::ffi::CStr;
use std::sync::Arc;

use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow_schema::SchemaRef;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::{DataError, InterfaceError};
use crate::params::type_name;

const STREAM: &CStr = c"arrow_array_stream";
const SCHEMA: &CStr = c"arrow_schema";

/// A capsule holding a C stream over `batches` (the buffers are shared).
pub fn export_stream<'py>(
    py: Python<'py>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> PyResult<Bound<'py, PyCapsule>> {
    let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
    let stream = FFI_ArrowArrayStream::new(Box::new(reader));
    // Dropping the capsule drops the stream, which releases it unless a
    // consumer moved it out (and so marked it released).
    PyCapsule::new_with_value(py, stream, STREAM)
}

/// A capsule holding `schema` as a C schema.
pub fn export_schema<'py>(py: Python<'py>, schema: &SchemaRef) -> PyResult<Bound<'py, PyCapsule>> {
    let ffi = FFI_ArrowSchema::try_from(schema.as_ref())
        .map_err(|e| InterfaceError::new_err(format!("cannot export the schema: {e}")))?;
    PyCapsule::new_with_value(py, ffi, SCHEMA)
}

/// The record batches of a Python table-like object: anything with
/// `__arrow_c_stream__` (pyarrow Tables and RecordBatchReaders, polars
/// frames, tern results, ...), a pandas DataFrame (through pyarrow), or
/// anything with `to_arrow()`.
pub fn import(obj: &Bound<'_, PyAny>) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    let py = obj.py();
    if obj.hasattr("__arrow_c_stream__")? {
        let capsule = obj.call_method0("__arrow_c_stream__")?;
        let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
            InterfaceError::new_err("__arrow_c_stream__ did not return a PyCapsule")
        })?;
        let ptr = capsule.pointer_checked(Some(STREAM))?;
        // SAFETY: a capsule named "arrow_array_stream" holds an
        // ArrowArrayStream (the PyCapsule interface); from_raw moves it out
        // and marks the capsule's copy released, as the interface asks.
        let reader = unsafe { RecordBatchStreamReader::from_raw(ptr.cast().as_ptr()) }
            .map_err(|e| DataError::new_err(format!("cannot read the Arrow stream: {e}")))?;
        let schema = reader.schema();
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DataError::new_err(format!("cannot read the Arrow stream: {e}")))?;
        return Ok((schema, batches));
    }
    let ty = type_name(obj);
    if ty.starts_with("pandas.") {
        let pyarrow = py.import("pyarrow").map_err(|_| {
            InterfaceError::new_err(
                "registering a pandas DataFrame needs pyarrow (pip install pyarrow)",
            )
        })?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("preserve_index", false)?;
        let table = pyarrow
            .getattr("Table")?
            .call_method("from_pandas", (obj,), Some(&kwargs))?;
        return import(&table);
    }
    if obj.hasattr("to_arrow")? {
        return import(&obj.call_method0("to_arrow")?);
    }
    Err(InterfaceError::new_err(format!(
        "cannot register a {ty}: give a pyarrow Table or RecordBatchReader, a pandas or \
         polars DataFrame, or any object with __arrow_c_stream__"
    )))
}

/// `batches`, or one empty batch when there are none (a table keeps its
/// columns even with no rows).
pub fn at_least_one(schema: SchemaRef, mut batches: Vec<RecordBatch>) -> Vec<RecordBatch> {
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(Arc::clone(&schema)));
    }
    batches
}
