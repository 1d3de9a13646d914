//! What the shell's line editor is told: where a statement ends (Enter
//! before the `;` starts a new line of the same statement) and what Tab
//! offers — keywords, tables and `$datasets`, the columns of the tables the
//! statement names, functions, dot commands, and inside a `'string'` the
//! files of the current folder.

use std::borrow::Cow;
use std::sync::Arc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::dot::COMMANDS;
use super::statements;

/// Keywords offered by Tab, in the case they are typed.
const KEYWORDS: &[&str] = &[
    "ALL",
    "ALTER",
    "ANALYZE",
    "AND",
    "ANTI",
    "ANY",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "COPY",
    "CREATE",
    "CROSS",
    "CUBE",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "END",
    "EXCEPT",
    "EXCLUDE",
    "EXISTS",
    "EXPLAIN",
    "FALSE",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FROM",
    "FULL",
    "FUNCTIONS",
    "GROUP",
    "GROUPING",
    "HAVING",
    "ILIKE",
    "IN",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "JOIN",
    "LAST",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NATURAL",
    "NOT",
    "NULL",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "PARTITION",
    "PRECEDING",
    "PRIMARY",
    "QUALIFY",
    "RANGE",
    "REPLACE",
    "RIGHT",
    "ROLLUP",
    "ROWS",
    "SELECT",
    "SEMI",
    "SET",
    "SETS",
    "SHOW",
    "SIMILAR",
    "TABLE",
    "THEN",
    "TO",
    "TRUE",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// The shell's helper for rustyline.
pub struct ShellHelper {
    engine: Arc<tern::Engine>,
}

impl ShellHelper {
    pub fn new(engine: Arc<tern::Engine>) -> Self {
        ShellHelper { engine }
    }

    /// The columns of every table `text` names.
    fn columns(&self, text: &str, tables: &[String]) -> Vec<String> {
        let words: Vec<String> = words(text).map(str::to_lowercase).collect();
        let mut columns = Vec::new();
        for t in tables.iter().filter(|t| words.contains(&t.to_lowercase())) {
            if let Ok(Some(table)) = self.engine.catalog().lookup(t) {
                columns.extend(table.schema().fields().iter().map(|f| f.name().clone()));
            }
        }
        columns.sort();
        columns.dedup();
        columns
    }

    /// Candidates for the word `prefix` in `text` (the whole statement so
    /// far); `after_dot` when it follows `alias.`.
    fn candidates(&self, text: &str, prefix: &str, after_dot: bool) -> Vec<String> {
        let tables = super::table_names(&self.engine);
        let mut out: Vec<String> = self.columns(text, &tables);
        if !after_dot {
            let upper = !prefix.chars().any(|c| c.is_lowercase());
            let cased = |w: &str| match upper {
                true => w.to_uppercase(),
                false => w.to_lowercase(),
            };
            out.extend(tables);
            out.extend(KEYWORDS.iter().map(|k| cased(k)));
            out.extend(tern::functions::registry::all_names().map(cased));
        }
        let lower = prefix.to_lowercase();
        out.retain(|c| c.to_lowercase().starts_with(&lower) && c.len() > prefix.len());
        out.sort_by_key(|c| c.to_lowercase());
        out.dedup();
        out
    }
}

/// The identifier-like words of `text` (names may start with `$`).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
}

/// Files and folders in `dir` (the current folder for `""`) whose names
/// start with `stem`; folders end with `/`. Hidden ones only when asked.
fn files(dir: &str, stem: &str) -> Vec<String> {
    let path = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(stem) || (name.starts_with('.') && !stem.starts_with('.')) {
                return None;
            }
            let folder = e.file_type().is_ok_and(|t| t.is_dir());
            Some(if folder { format!("{name}/") } else { name })
        })
        .collect();
    out.sort();
    out
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let pair = |s: String| Pair {
            display: s.clone(),
            replacement: s,
        };
        // A file name inside a string: complete the part after the last `/`.
        if let Some(start) = statements::open_string(before) {
            let typed = &before[start..];
            let (dir, stem) = match typed.rfind('/') {
                Some(slash) => (&typed[..=slash], &typed[slash + 1..]),
                None => ("", typed),
            };
            let found = files(dir, stem);
            return Ok((pos - stem.len(), found.into_iter().map(pair).collect()));
        }
        // A dot command at the start of the line.
        let trimmed = before.trim_start();
        if trimmed.starts_with('.') && !trimmed.contains(char::is_whitespace) {
            let found = COMMANDS
                .iter()
                .map(|(name, _, _)| format!(".{name}"))
                .filter(|c| c.starts_with(trimmed))
                .map(pair)
                .collect();
            return Ok((pos - trimmed.len(), found));
        }
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let prefix = &before[start..];
        let after_dot = before[..start].ends_with('.');
        if prefix.is_empty() && !after_dot {
            return Ok((pos, Vec::new()));
        }
        let found = self.candidates(line, prefix, after_dot);
        Ok((start, found.into_iter().map(pair).collect()))
    }
}

impl Validator for ShellHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let text = ctx.input();
        let complete = text.trim_start().starts_with('.') || statements::split(text).1.is_none();
        Ok(match complete {
            true => ValidationResult::Valid(None),
            false => ValidationResult::Incomplete,
        })
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ShellHelper {
        let engine = tern::Engine::new();
        engine
            .query("CREATE TABLE trips (distance DOUBLE, fare DOUBLE)")
            .unwrap();
        ShellHelper::new(Arc::new(engine))
    }

    #[test]
    fn offers_keywords_tables_columns_and_functions() {
        let h = helper();
        let c = |text: &str, prefix: &str| h.candidates(text, prefix, false);
        assert!(c("SEL", "SEL").contains(&"SELECT".to_string()));
        assert!(c("sel", "sel").contains(&"select".to_string()));
        assert_eq!(c("SELECT * FROM $pla", "$pla"), ["$planets"]);
        assert_eq!(
            c("SELECT * FROM tr", "tr"),
            ["trim", "trips", "true", "trunc", "try_strptime"]
        );
        assert_eq!(
            c("SELECT * FROM TR", "TR"),
            ["TRIM", "trips", "TRUE", "TRUNC", "TRY_STRPTIME"]
        );
        // Columns of the tables the statement names, wherever the cursor is.
        assert!(c("SELECT dis FROM trips", "dis").contains(&"distance".to_string()));
        assert!(!c("SELECT dis FROM $planets", "dis").contains(&"distance".to_string()));
        assert!(c("SELECT upp", "upp").contains(&"upper".to_string()));
        assert_eq!(
            h.candidates("SELECT t.fa FROM trips t", "fa", true),
            ["fare"]
        );
    }
}
