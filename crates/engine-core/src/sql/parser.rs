//! Parsing with sqlparser, turning its errors into [`Error::Syntax`] with a line
//! and column.

use sqlparser::ast::Statement;
use sqlparser::parser::{Parser, ParserError};

use super::TernDialect;
use crate::error::{Error, Result};

/// How deep expressions may nest. sqlparser's own stack-growth protection pulls
/// in a C-built crate; a depth limit keeps a hostile query from overflowing the
/// stack without it.
const RECURSION_LIMIT: usize = 64;

/// The longest SQL text tern parses. Its syntax tree takes a few hundred
/// bytes per byte of text, so this bounds the parser's memory (a few GiB at
/// worst), and a runaway input (`tern < /dev/zero`) is an error, not an
/// out-of-memory kill.
pub const MAX_SQL_BYTES: usize = 16 << 20;

/// Parses `sql` into statements.
///
/// ```
/// let stmts = engine_core::sql::parse("SELECT 1; SELECT 2").unwrap();
/// assert_eq!(stmts.len(), 2);
/// let err = engine_core::sql::parse("SELECT FROM WHERE").unwrap_err();
/// assert!(err.to_string().contains("line 1"));
/// ```
pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    if sql.len() > MAX_SQL_BYTES {
        return Err(Error::Syntax {
            message: format!(
                "the SQL text is {} bytes; tern reads at most {} MiB of SQL at once \
                 (load large data from files instead)",
                sql.len(),
                MAX_SQL_BYTES >> 20
            ),
            line: 0,
            column: 0,
        });
    }
    let parser = Parser::new(&TernDialect).with_recursion_limit(RECURSION_LIMIT);
    let result = parser
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements());
    let mut statements = result.map_err(|e| at_end(sql, syntax_error(e)))?;
    // Every level of nesting takes at least a character, so only a text
    // longer than the limit can nest past it.
    if sql.len() > super::depth::MAX_DEPTH {
        super::depth::limit_depth(&mut statements)?;
    }
    Ok(statements)
}

fn syntax_error(e: ParserError) -> Error {
    let raw = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m,
        ParserError::RecursionLimitExceeded => {
            return Error::Syntax {
                message: "the query nests too deeply".into(),
                line: 0,
                column: 0,
            }
        }
    };
    // sqlparser appends " at Line: L, Column: C" to its messages.
    let (message, line, column) = match raw.rfind(" at Line: ") {
        Some(pos) => {
            let loc = &raw[pos + " at Line: ".len()..];
            let mut parts = loc.split(", Column: ");
            let line = parts
                .next()
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(0);
            let column = parts
                .next()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(0);
            (raw[..pos].to_string(), line, column)
        }
        None => (raw, 0, 0),
    };
    Error::Syntax {
        message,
        line,
        column,
    }
}

/// sqlparser gives no position for an error at the end of the input: point
/// just past the last character.
fn at_end(sql: &str, err: Error) -> Error {
    match err {
        Error::Syntax {
            message, line: 0, ..
        } if message.ends_with("found: EOF") => {
            let line = sql.lines().count().max(1) as u64;
            let column = sql
                .lines()
                .last()
                .map(|l| l.chars().count() + 1)
                .unwrap_or(1) as u64;
            Error::Syntax {
                message,
                line,
                column,
            }
        }
        other => other,
    }
}
