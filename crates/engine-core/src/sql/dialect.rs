//! tern's SQL dialect: DuckDB/Generic behaviour, plus identifiers that start with
//! `$` or `@` (`$planets`) and backtick-quoted identifiers.

use sqlparser::dialect::Dialect;

/// The dialect tern parses.
///
/// sqlparser's Generic, DuckDB and PostgreSQL dialects reject `$planets`; this one
/// reads it as an identifier.
///
/// ```
/// use sqlparser::parser::Parser;
/// let ast = Parser::parse_sql(&engine_core::sql::TernDialect, "SELECT * FROM $planets").unwrap();
/// assert_eq!(ast.len(), 1);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct TernDialect;

impl Dialect for TernDialect {
    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch == '_' || ch == '$' || ch == '@'
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_alphanumeric() || ch == '_' || ch == '$'
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '"' || ch == '`'
    }

    fn identifier_quote_style(&self, _identifier: &str) -> Option<char> {
        Some('"')
    }

    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }

    fn supports_group_by_expr(&self) -> bool {
        true
    }

    fn supports_order_by_all(&self) -> bool {
        true
    }

    fn supports_select_wildcard_exclude(&self) -> bool {
        true
    }

    fn supports_select_wildcard_except(&self) -> bool {
        true
    }

    fn supports_in_empty_list(&self) -> bool {
        true
    }

    fn supports_comparison_in_between_low_bound(&self) -> bool {
        true
    }

    fn supports_limit_comma(&self) -> bool {
        true
    }

    fn supports_window_function_null_treatment_arg(&self) -> bool {
        true
    }

    /// `1_000_000`, as in DuckDB.
    fn supports_numeric_literal_underscores(&self) -> bool {
        true
    }

    fn supports_window_clause_named_window_reference(&self) -> bool {
        true
    }
}
