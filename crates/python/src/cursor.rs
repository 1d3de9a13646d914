//! `tern.Cursor`: the DB-API 2.0 cursor (PEP 249).

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::connection::Connection;
use crate::errors::ProgrammingError;
use crate::result::QueryResult;

/// A DB-API 2.0 cursor: `execute()` a statement, then `fetchone()`,
/// `fetchmany()`, `fetchall()` or iterate; `description` names the columns.
/// A cursor belongs to one thread; the connection can be shared.
///
/// >>> import tern
/// >>> cur = tern.connect().cursor()
/// >>> cur.execute("SELECT name FROM $planets WHERE id <= ? ORDER BY id", [2]).fetchone()
/// ('Mercury',)
#[pyclass(module = "tern")]
pub struct Cursor {
    connection: Py<Connection>,
    result: Option<QueryResult>,
    position: usize,
    closed: bool,
    /// How many rows `fetchmany()` returns by default.
    #[pyo3(get, set)]
    arraysize: usize,
}

impl Cursor {
    pub fn new(connection: Py<Connection>) -> Self {
        Cursor {
            connection,
            result: None,
            position: 0,
            closed: false,
            arraysize: 1,
        }
    }

    pub fn run(
        &mut self,
        py: Python<'_>,
        sql: &str,
        params: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.open()?;
        self.result = None;
        self.position = 0;
        self.result = Some(self.connection.get().run(py, sql, params)?);
        Ok(())
    }

    fn open(&self) -> PyResult<()> {
        match self.closed {
            true => Err(ProgrammingError::new_err("the cursor is closed")),
            false => Ok(()),
        }
    }

    fn result(&self) -> PyResult<&QueryResult> {
        self.open()?;
        self.result
            .as_ref()
            .ok_or_else(|| ProgrammingError::new_err("no statement was executed on this cursor"))
    }

    fn take<'py>(&mut self, py: Python<'py>, n: usize) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let start = self.position;
        let rows = self.result()?.rows(py, start, start.saturating_add(n))?;
        self.position += rows.len();
        Ok(rows)
    }
}

#[pymethods]
impl Cursor {
    /// Runs `sql` with `params` (a sequence for `?` / `$1`, a dict for
    /// `$name` / `:name`); returns the cursor.
    #[pyo3(signature = (sql, params=None))]
    fn execute<'py>(
        mut slf: PyRefMut<'py, Self>,
        sql: &str,
        params: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        slf.run(py, sql, params)?;
        Ok(slf)
    }

    /// Runs `sql` once for each set of parameters in `seq_of_params`.
    fn executemany<'py>(
        mut slf: PyRefMut<'py, Self>,
        sql: &str,
        seq_of_params: &Bound<'py, PyAny>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        for params in seq_of_params.try_iter()? {
            slf.run(py, sql, Some(&params?))?;
        }
        Ok(slf)
    }

    /// The next row as a tuple, or None after the last.
    fn fetchone<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        Ok(self.take(py, 1)?.into_iter().next())
    }

    /// The next `size` rows (default: `arraysize`) as a list of tuples.
    #[pyo3(signature = (size=None))]
    fn fetchmany<'py>(
        &mut self,
        py: Python<'py>,
        size: Option<usize>,
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let n = size.unwrap_or(self.arraysize);
        self.take(py, n)
    }

    /// The remaining rows as a list of tuples.
    fn fetchall<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.take(py, usize::MAX)
    }

    /// Per column of the last result: (name, type, None, None, None, None,
    /// nullable); None before any execute.
    #[getter]
    fn description<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        self.result.as_ref().map(|r| r.description(py)).transpose()
    }

    /// -1: tern does not count the rows a statement touched (DB-API allows it).
    #[getter]
    fn rowcount(&self) -> i64 {
        -1
    }

    /// The connection this cursor runs on.
    #[getter]
    fn connection(&self, py: Python<'_>) -> Py<Connection> {
        self.connection.clone_ref(py)
    }

    /// Ends the cursor: fetching from it raises ProgrammingError.
    fn close(&mut self) {
        self.closed = true;
        self.result = None;
    }

    /// DB-API: nothing to do (tern needs no size hints).
    fn setinputsizes(&self, _sizes: &Bound<'_, PyAny>) {}

    /// DB-API: nothing to do (tern needs no size hints).
    #[pyo3(signature = (_size, _column=None))]
    fn setoutputsize(&self, _size: &Bound<'_, PyAny>, _column: Option<&Bound<'_, PyAny>>) {}

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.fetchone(py)
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, _args: &Bound<'_, PyTuple>) {
        self.close();
    }
}
