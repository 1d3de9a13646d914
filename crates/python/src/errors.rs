//! The DB-API 2.0 exception tree, and which of them each engine error is.
//!
//! Every exception carries the engine's message; a mistake in the SQL also
//! carries where it is (`line` and `column`, from 1; `None` when unknown).

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::{create_exception, PyErr};

create_exception!(tern, Warning, PyException, "DB-API: an important warning.");
create_exception!(
    tern,
    Error,
    PyException,
    "The base of every error tern raises."
);
create_exception!(
    tern,
    InterfaceError,
    Error,
    "A misuse of the Python interface (a closed cursor, a value that cannot be a parameter)."
);
create_exception!(tern, DatabaseError, Error, "An error of the engine.");
create_exception!(
    tern,
    DataError,
    DatabaseError,
    "Data that cannot be read or computed: a broken file, an overflow, a bad cast of a value."
);
create_exception!(
    tern,
    OperationalError,
    DatabaseError,
    "A failure of the environment: a file that cannot be opened, a cancelled query, memory."
);
create_exception!(
    tern,
    IntegrityError,
    DatabaseError,
    "A write that breaks a table's rule (NOT NULL, PRIMARY KEY, UNIQUE, CHECK)."
);
create_exception!(tern, InternalError, DatabaseError, "A bug in tern.");
create_exception!(tern, ProgrammingError, DatabaseError, "A mistake in the SQL: its syntax, an unknown table or column, types that do not fit, a missing parameter.");
create_exception!(
    tern,
    NotSupportedError,
    DatabaseError,
    "Valid SQL that tern does not support."
);

/// Puts the exception types in the module.
pub fn add(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Warning", py.get_type::<Warning>())?;
    m.add("Error", py.get_type::<Error>())?;
    m.add("InterfaceError", py.get_type::<InterfaceError>())?;
    m.add("DatabaseError", py.get_type::<DatabaseError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("OperationalError", py.get_type::<OperationalError>())?;
    m.add("IntegrityError", py.get_type::<IntegrityError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    m.add("ProgrammingError", py.get_type::<ProgrammingError>())?;
    m.add("NotSupportedError", py.get_type::<NotSupportedError>())?;
    // Every tern.Error has a position, None unless `to_py` sets one.
    let base = py.get_type::<Error>();
    base.setattr("line", py.None())?;
    base.setattr("column", py.None())?;
    Ok(())
}

/// The Python exception for an engine error: its class by kind, its message
/// the engine's, and `line` / `column` where the SQL says.
pub fn to_py(py: Python<'_>, e: tern::Error) -> PyErr {
    use tern::Error as E;
    let (line, column) = match &e {
        E::Syntax { line, column, .. } if *line > 0 => (Some(*line), Some(*column)),
        E::UnknownName {
            location: Some(l), ..
        }
        | E::Type {
            location: Some(l), ..
        } => (Some(l.line), Some(l.column)),
        _ => (None, None),
    };
    let message = e.to_string();
    let err = match e {
        E::Syntax { .. }
        | E::UnknownName { .. }
        | E::Ambiguous(_)
        | E::Type { .. }
        | E::Plan(_)
        | E::Config(_)
        | E::Denied(_) => ProgrammingError::new_err(message),
        E::Unsupported(_) => NotSupportedError::new_err(message),
        E::Execution(_) | E::Data { .. } => DataError::new_err(message),
        E::Constraint(_) => IntegrityError::new_err(message),
        E::Io { .. } | E::Cancelled(_) | E::ResourcesExhausted(_) => {
            OperationalError::new_err(message)
        }
        _ => DatabaseError::new_err(message),
    };
    let value = err.value(py);
    let _ = value.setattr("line", line);
    let _ = value.setattr("column", column);
    err
}
