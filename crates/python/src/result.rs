//! `tern.Result`: a query's answer, held as Arrow record batches.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyList, PyTuple};

use crate::arrow::{export_schema, export_stream};
use crate::values;

/// The answer to a query: Arrow record batches.
///
/// Read it as Python tuples (`fetchall()`), or hand it to any Arrow-aware
/// library without a copy: it has `__arrow_c_stream__`, so `pyarrow.table(r)`,
/// `polars.DataFrame(r)` and `duckdb` read its buffers where they are.
/// `arrow()`, `to_pandas()` and `to_polars()` import pyarrow / polars only
/// when called.
///
/// >>> import tern
/// >>> r = tern.query("SELECT id, name FROM $planets WHERE id < 3")
/// >>> r.columns
/// ['id', 'name']
/// >>> r.fetchall()
/// [(1, 'Mercury'), (2, 'Venus')]
#[pyclass(module = "tern", frozen, name = "Result")]
pub struct QueryResult {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    rows: usize,
}

impl QueryResult {
    pub fn new(r: tern::QueryResult) -> Self {
        let schema = r.schema().clone();
        let rows = r.num_rows();
        QueryResult {
            schema,
            batches: r.into_batches(),
            rows,
        }
    }

    /// Rows `start..end` (clamped to the result) as tuples.
    pub fn rows<'py>(
        &self,
        py: Python<'py>,
        start: usize,
        end: usize,
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let end = end.min(self.rows);
        let mut out = Vec::with_capacity(end.saturating_sub(start));
        let mut offset = 0;
        for b in &self.batches {
            let (lo, hi) = (offset, offset + b.num_rows());
            offset = hi;
            if hi <= start || lo >= end {
                continue;
            }
            values::rows(py, b, start.max(lo) - lo, end.min(hi) - lo, &mut out)?;
        }
        Ok(out)
    }

    /// The DB-API description: per column `(name, type, None, None, None,
    /// None, nullable)`, the type as tern names it (`integer`, `varchar`).
    pub fn description<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .schema
            .fields()
            .iter()
            .map(|f| {
                (
                    f.name().as_str(),
                    tern::types::type_name(f.data_type()),
                    py.None(),
                    py.None(),
                    py.None(),
                    py.None(),
                    f.is_nullable(),
                )
                    .into_pyobject(py)
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
}

#[pymethods]
impl QueryResult {
    /// Every row as a tuple of Python values (NULL is None, DATE a
    /// datetime.date, DECIMAL a decimal.Decimal, lists lists, structs dicts).
    fn fetchall<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.rows(py, 0, self.rows)
    }

    /// The first row, or None when there is none.
    fn fetchone<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        Ok(self.rows(py, 0, 1)?.into_iter().next())
    }

    /// The column names.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The column types, as tern names them (`integer`, `varchar`, ...).
    #[getter]
    fn types(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| tern::types::type_name(f.data_type()))
            .collect()
    }

    /// DB-API style: per column (name, type, None, None, None, None, nullable).
    #[getter(description)]
    fn py_description<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.description(py)
    }

    /// The number of rows.
    #[getter(num_rows)]
    fn py_num_rows(&self) -> usize {
        self.rows
    }

    fn __len__(&self) -> usize {
        self.rows
    }

    fn __repr__(&self) -> String {
        let columns: Vec<String> = self
            .schema
            .fields()
            .iter()
            .map(|f| format!("{} {}", f.name(), tern::types::type_name(f.data_type())))
            .collect();
        format!(
            "<tern.Result {} row{} ({})>",
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            columns.join(", ")
        )
    }

    /// The Arrow PyCapsule interface: a C stream over the result's batches,
    /// their buffers shared, not copied. `requested_schema` is not applied
    /// (the interface allows a producer to ignore it).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        export_stream(py, self.schema.clone(), self.batches.clone())
    }

    /// The Arrow PyCapsule interface: the result's schema.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        export_schema(py, &self.schema)
    }

    /// The result as a pyarrow Table, sharing its buffers (needs pyarrow).
    fn arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let pyarrow = import(
            slf.py(),
            "pyarrow",
            "arrow() needs pyarrow (pip install pyarrow)",
        )?;
        pyarrow.getattr("table")?.call1((slf,))
    }

    /// The result as a pandas DataFrame (needs pyarrow and pandas).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        import(
            slf.py(),
            "pandas",
            "to_pandas() needs pandas (pip install pandas pyarrow)",
        )?;
        Self::arrow(slf)?.call_method0("to_pandas")
    }

    /// The result as a pandas DataFrame: `to_pandas()`, DuckDB's name.
    fn df<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_pandas(slf)
    }

    /// The result as a polars DataFrame, sharing its buffers (needs polars).
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let polars = import(
            slf.py(),
            "polars",
            "to_polars() needs polars (pip install polars)",
        )?;
        polars.getattr("DataFrame")?.call1((slf,))
    }
}

fn import<'py>(py: Python<'py>, module: &str, hint: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import(module).map_err(|e| {
        if e.is_instance_of::<pyo3::exceptions::PyImportError>(py) {
            pyo3::exceptions::PyImportError::new_err(hint.to_string())
        } else {
            e
        }
    })
}
