//! Writing a result in the chosen mode: a box table, Markdown, or one of the
//! engine's text formats (CSV, TSV, JSON, JSON Lines). Shared by the
//! one-shot command and the shell's `.mode`.

use std::io::Write;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use tern::io::{write_to, OutputFormat};

use crate::render;
use crate::terminal::Style;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Aligned box table with types and a row count.
    Table,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// A text format of the engine's writers.
    Text(OutputFormat),
}

impl Mode {
    /// The mode called `name` (`table`, `csv`, `tsv`, `json`, `jsonl`,
    /// `markdown`/`md`), any case.
    pub fn from_name(name: &str) -> Option<Mode> {
        match name.to_lowercase().as_str() {
            "table" | "box" => Some(Mode::Table),
            "markdown" | "md" => Some(Mode::Markdown),
            other => OutputFormat::from_name(other)
                .filter(|f| !matches!(f, OutputFormat::Arrow | OutputFormat::Parquet))
                .map(Mode::Text),
        }
    }

    /// Its name, as `.mode` shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Table => "table",
            Mode::Markdown => "markdown",
            Mode::Text(OutputFormat::Csv) => "csv",
            Mode::Text(OutputFormat::Tsv) => "tsv",
            Mode::Text(OutputFormat::Json) => "json",
            Mode::Text(OutputFormat::Jsonl) => "jsonl",
            Mode::Text(_) => "text",
        }
    }
}

/// The names [`Mode::from_name`] knows, for messages.
pub const MODE_NAMES: &str = "table, csv, tsv, json, jsonl or markdown";

/// Writes `batches` to `out` in `mode`. A reader that went away (`| head`)
/// is not an error.
pub fn print(
    out: &mut dyn Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    mode: Mode,
    style: &Style,
) -> Result<(), String> {
    let written = match mode {
        Mode::Table => {
            let text = render::table(schema, batches, style)?;
            out.write_all(text.as_bytes())
        }
        Mode::Markdown => out.write_all(render::markdown(schema, batches)?.as_bytes()),
        Mode::Text(f) => {
            write_to(&mut *out, f, schema, batches).map_err(|e| e.to_string())?;
            // A JSON array ends without a newline; a terminal wants one.
            if f == OutputFormat::Json {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        }
    };
    written
        .and_then(|_| out.flush())
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Ok(()),
            _ => Err(e),
        })
        .map_err(|e| e.to_string())
}
