//! One error type for the whole engine.
//!
//! Every mistake a user can make has its own variant with a message written for
//! people: what was wrong, where (line and column for SQL), and when we can guess
//! it, what was probably meant.

use std::fmt;

/// The result type used throughout tern.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A position in the SQL text (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1.
    pub column: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Everything that can go wrong while answering a query.
///
/// ```
/// let engine = engine_core::Engine::new();
/// let err = engine.query("SELEC 1").unwrap_err();
/// assert!(matches!(err, engine_core::Error::Syntax { .. }));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The SQL text could not be parsed.
    Syntax {
        /// What the parser expected and found.
        message: String,
        /// 1-based line of the problem, when known (0 otherwise).
        line: u64,
        /// 1-based column of the problem, when known (0 otherwise).
        column: u64,
    },
    /// A table, column, function or setting that does not exist.
    UnknownName {
        /// "table", "column", "function", "window function" or "setting".
        kind: &'static str,
        /// The name as written.
        name: String,
        /// The closest known name, when one is close enough to be a likely typo.
        suggestion: Option<String>,
        /// Where the name is in the SQL, when known.
        location: Option<Location>,
    },
    /// A name that matches more than one column.
    Ambiguous(String),
    /// An expression whose types do not fit (e.g. `'a' + 1`, `SUM(name)`).
    Type {
        /// What does not fit.
        message: String,
        /// Where the expression is in the SQL, when known.
        location: Option<Location>,
    },
    /// Valid SQL that tern does not (yet) support.
    Unsupported(String),
    /// A semantic mistake in the query (e.g. a column outside GROUP BY).
    Plan(String),
    /// A failure while computing the result (overflow, a bad cast of data, ...).
    Execution(String),
    /// Reading or writing a file failed.
    Io {
        /// The path involved.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A file's contents could not be decoded.
    Data {
        /// The file or source involved.
        source_name: String,
        /// What was wrong, with the row or line where known.
        message: String,
    },
    /// A setting that cannot be used, such as a malformed cache URL.
    Config(String),
    /// A file, URL or setting this engine's settings do not allow SQL to
    /// reach (see docs/security.md).
    Denied(String),
    /// The query was stopped: by [`QueryHandle::cancel`](crate::QueryHandle::cancel)
    /// or by running past `statement_timeout`.
    Cancelled(String),
    /// The query needed more memory than its limit (`SET memory_limit`,
    /// `TERN_MEMORY_LIMIT`, by default a share of what the process may use).
    ResourcesExhausted(String),
    /// A write broke a table's rule (NOT NULL, PRIMARY KEY, UNIQUE); the
    /// table is left as it was.
    Constraint(String),
}

impl Error {
    pub(crate) fn unknown_table(name: &str, candidates: impl IntoIterator<Item = String>) -> Self {
        Error::UnknownName {
            kind: "table",
            name: name.to_string(),
            suggestion: crate::util::closest(name, candidates),
            location: None,
        }
    }

    pub(crate) fn unknown_column(name: &str, candidates: impl IntoIterator<Item = String>) -> Self {
        Error::UnknownName {
            kind: "column",
            name: name.to_string(),
            suggestion: crate::util::closest(name, candidates),
            location: None,
        }
    }

    /// An [`Error::Execution`].
    pub fn exec(message: impl Into<String>) -> Self {
        Error::Execution(message.into())
    }

    /// An [`Error::Plan`]: the query (or a location in it) cannot be planned.
    pub fn plan(message: impl Into<String>) -> Self {
        Error::Plan(message.into())
    }

    /// An [`Error::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
    }

    /// An [`Error::Unsupported`].
    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::Unsupported(message.into())
    }

    pub(crate) fn type_error(message: impl Into<String>) -> Self {
        Error::Type {
            message: message.into(),
            location: None,
        }
    }

    /// Whether this is a kind of error that carries a location and has none yet.
    pub(crate) fn wants_location(&self) -> bool {
        matches!(
            self,
            Error::UnknownName { location: None, .. } | Error::Type { location: None, .. }
        )
    }

    /// The error with `location` attached, if it is a kind that carries one and
    /// has none yet (so the innermost, most precise location wins).
    pub(crate) fn at(self, location: Option<Location>) -> Self {
        match self {
            Error::UnknownName {
                kind,
                name,
                suggestion,
                location: None,
            } => Error::UnknownName {
                kind,
                name,
                suggestion,
                location,
            },
            Error::Type {
                message,
                location: None,
            } => Error::Type { message, location },
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax {
                message,
                line,
                column,
            } if *line > 0 => {
                write!(f, "syntax error at line {line}, column {column}: {message}")
            }
            Error::Syntax { message, .. } => write!(f, "syntax error: {message}"),
            Error::UnknownName {
                kind,
                name,
                suggestion,
                location,
            } => {
                write!(f, "unknown {kind} '{name}'")?;
                if let Some(l) = location {
                    write!(f, " at {l}")?;
                }
                if let Some(s) = suggestion {
                    write!(f, " (did you mean '{s}'?)")?;
                }
                Ok(())
            }
            Error::Ambiguous(m) => write!(f, "ambiguous name: {m}"),
            Error::Type {
                message,
                location: Some(l),
            } => write!(f, "type error at {l}: {message}"),
            Error::Type {
                message,
                location: None,
            } => write!(f, "type error: {message}"),
            Error::Unsupported(m) => write!(f, "not supported: {m}"),
            Error::Plan(m) => write!(f, "invalid query: {m}"),
            Error::Execution(m) => write!(f, "execution error: {m}"),
            Error::Io { path, source } => write!(f, "cannot access '{path}': {source}"),
            Error::Data {
                source_name,
                message,
            } => write!(f, "bad data in '{source_name}': {message}"),
            Error::Config(m) => write!(f, "bad configuration: {m}"),
            Error::Cancelled(m) => write!(f, "query cancelled: {m}"),
            Error::Denied(m) => write!(f, "not allowed: {m}"),
            Error::ResourcesExhausted(m) => write!(f, "out of memory: {m}"),
            Error::Constraint(m) => write!(f, "constraint violated: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<arrow_schema::ArrowError> for Error {
    fn from(e: arrow_schema::ArrowError) -> Self {
        use arrow_schema::ArrowError as A;
        match e {
            A::DivideByZero => Error::Execution("division by zero".into()),
            A::ArithmeticOverflow(m) => Error::Execution(format!("numeric overflow: {m}")),
            A::CastError(m) => Error::Execution(format!("cannot cast: {m}")),
            A::ParseError(m) => Error::Execution(format!("cannot parse: {m}")),
            A::InvalidArgumentError(m) => Error::Execution(m),
            A::NotYetImplemented(m) => Error::Unsupported(m),
            A::ComputeError(m) => Error::Execution(m),
            other => Error::Execution(other.to_string()),
        }
    }
}
