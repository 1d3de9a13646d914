//! The options of the reading functions: `read_csv(path, delim = ';',
//! header = false, ...)` takes the dialect of delimited text; every reader
//! takes `filename = true`, and `read_json` its one format, JSON Lines.

use sqlparser::ast::{self, Expr as A};

use super::expr::constant_text;
use crate::error::{Error, Result};
use crate::io::FileFormat;

/// The options read_csv understands, for errors.
const CSV_OPTIONS: &str =
    "delim (or sep), header, quote, escape, comment, all_varchar, auto_detect, filename";

/// What a reading function's options ask for.
pub(super) struct FileOptions {
    /// The format, with a CSV dialect when one was given.
    pub format: FileFormat,
    /// `filename = true`: a last column naming each row's file.
    pub filename: bool,
}

/// The format `function` reads with `options` (the arguments after the
/// path), and whether it adds the file's name.
pub(super) fn file_options(
    function: &str,
    format: FileFormat,
    options: &[ast::FunctionArg],
) -> Result<FileOptions> {
    let mut dialect = format.dialect();
    let mut filename = false;
    let accepted = match format {
        FileFormat::Jsonl => "filename, format",
        _ if dialect.is_some() => CSV_OPTIONS,
        _ => "filename",
    };
    for option in options {
        let (name, value) = named(option).ok_or_else(|| {
            Error::plan(format!(
                "{function}()'s options are written name = value, got '{option}'"
            ))
        })?;
        let unknown = || {
            Error::unsupported(format!(
                "{function}() option '{name}': the options are {accepted}"
            ))
        };
        if name == "filename" {
            filename = boolean(&name, value)?;
            continue;
        }
        if format == FileFormat::Jsonl && name == "format" {
            // tern reads JSON Lines: one object per line.
            match constant_text(value)
                .map(|t| t.to_ascii_lowercase())
                .as_deref()
            {
                Some("newline_delimited" | "nd" | "auto") => continue,
                _ => {
                    return Err(Error::unsupported(format!(
                        "{function}(format = {value}): tern reads JSON Lines \
                         (format = 'newline_delimited'), one object per line"
                    )))
                }
            }
        }
        let Some(d) = dialect.as_mut() else {
            return Err(unknown());
        };
        match name.as_str() {
            "delim" | "sep" | "delimiter" => d.delimiter = byte(&name, value)?,
            "quote" => d.quote = byte(&name, value)?,
            "escape" => d.escape = Some(byte(&name, value)?),
            "comment" => d.comment = Some(byte(&name, value)?),
            "header" => d.header = boolean(&name, value)?,
            "all_varchar" => d.all_text = boolean(&name, value)?,
            // Types are always detected; saying so changes nothing.
            "auto_detect" if boolean(&name, value)? => {}
            "auto_detect" => {
                return Err(Error::unsupported(
                    "read_csv(auto_detect = false): tern always detects the columns' types \
                     (all_varchar = true reads every column as text)",
                ))
            }
            _ => return Err(unknown()),
        }
    }
    let format = match dialect {
        Some(d) if Some(d) != format.dialect() => FileFormat::Delimited(d),
        _ => format,
    };
    Ok(FileOptions { format, filename })
}

/// `name = value`, `name := value` or `name => value`.
fn named(a: &ast::FunctionArg) -> Option<(String, &A)> {
    match a {
        ast::FunctionArg::Named {
            name,
            arg: ast::FunctionArgExpr::Expr(e),
            ..
        } => Some((name.value.to_ascii_lowercase(), e)),
        ast::FunctionArg::ExprNamed {
            name: A::Identifier(name),
            arg: ast::FunctionArgExpr::Expr(e),
            ..
        } => Some((name.value.to_ascii_lowercase(), e)),
        // The parser reads `header = true` as a comparison, and
        // `header := true` as an assignment.
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(A::BinaryOp {
            left,
            op: ast::BinaryOperator::Eq | ast::BinaryOperator::Assignment,
            right,
        })) => match left.as_ref() {
            A::Identifier(name) => Some((name.value.to_ascii_lowercase(), right.as_ref())),
            _ => None,
        },
        _ => None,
    }
}

/// A one-byte character in quotes (`'\t'` is a tab, as in DuckDB).
fn byte(name: &str, value: &A) -> Result<u8> {
    let text = constant_text(value).map(|t| match t.as_str() {
        "\\t" => "\t".to_string(),
        _ => t,
    });
    match text.as_deref().map(str::as_bytes) {
        Some([b]) if b.is_ascii() && *b != b'\n' && *b != b'\r' => Ok(*b),
        _ => Err(Error::plan(format!(
            "read_csv()'s {name} is one character in quotes (not a newline), got {value}"
        ))),
    }
}

fn boolean(name: &str, value: &A) -> Result<bool> {
    match value {
        A::Value(v) => match &v.value {
            ast::Value::Boolean(b) => return Ok(*b),
            ast::Value::Number(n, _) if n == "0" || n == "1" => return Ok(n == "1"),
            _ => {}
        },
        A::Nested(inner) => return boolean(name, inner),
        _ => {}
    }
    Err(Error::plan(format!(
        "read_csv()'s {name} is true or false, got {value}"
    )))
}
