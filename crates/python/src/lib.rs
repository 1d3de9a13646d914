//! tern for Python: the extension module `tern`.
//!
//! `import tern` loads this library and nothing else — no pyarrow, no
//! pandas: those are imported only by the methods that return their objects.
//! Queries run without the GIL; results leave as Arrow through the PyCapsule
//! interface, sharing buffers. docs/python.md is the guide.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

mod arrow;
mod connection;
mod cursor;
mod errors;
mod interrupt;
mod params;
mod result;
mod values;

use connection::Connection;
use cursor::Cursor;
use result::QueryResult;

/// The connection `tern.query` uses, made on first use.
static DEFAULT: PyOnceLock<Py<Connection>> = PyOnceLock::new();

/// Runs `sql` on the default connection and returns its Result.
///
/// `params` binds the SQL's parameters, never by splicing text: a sequence
/// for `?` (in order) and `$1`, `$2`; a dict for `$name` and `:name`.
///
/// >>> import tern
/// >>> tern.query("SELECT COUNT(*) FROM $planets").fetchall()
/// [(9,)]
/// >>> tern.query("SELECT name FROM $planets WHERE id = $id", {"id": 3}).fetchall()
/// [('Earth',)]
#[pyfunction]
#[pyo3(signature = (sql, params=None))]
fn query(py: Python<'_>, sql: &str, params: Option<&Bound<'_, PyAny>>) -> PyResult<QueryResult> {
    let default = DEFAULT.get_or_try_init(py, || Py::new(py, Connection::new()))?;
    default.get().run(py, sql, params)
}

/// A new Connection: its own engine, tables, settings and cache.
///
/// >>> import tern
/// >>> con = tern.connect()
/// >>> con.query("SELECT 1 + 1 AS two").fetchall()
/// [(2,)]
#[pyfunction]
fn connect() -> Connection {
    Connection::new()
}

/// SQL over data where it lives — files, Arrow tables, pandas and polars
/// frames — answered the instant a process starts. `tern.query(sql)` runs on
/// a default connection; `tern.connect()` makes another. Results convert to
/// Python rows, pyarrow, pandas or polars. DB-API 2.0 (PEP 249).
#[pymodule]
#[pyo3(name = "tern")]
fn tern_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(query, m)?)?;
    m.add_function(wrap_pyfunction!(connect, m)?)?;
    m.add_class::<Connection>()?;
    m.add_class::<Cursor>()?;
    m.add_class::<QueryResult>()?;
    errors::add(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // PEP 249: connections may be shared by threads; `?` is the style
    // (`$1`, `$name` and `:name` work too).
    m.add("apilevel", "2.0")?;
    m.add("threadsafety", 2)?;
    m.add("paramstyle", "qmark")?;
    Ok(())
}
