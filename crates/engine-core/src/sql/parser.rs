//! Parsing with sqlparser, turning its errors into [`Error::Syntax`] with a line
//! and column.

use sqlparser::ast::Statement;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace, Word};

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
    // Only a text that mentions EXCLUDE can hold a frame exclusion: others
    // are tokenized by the parser itself, as they always were.
    let bytes = sql.as_bytes();
    let mentions_exclude = bytes.iter().enumerate().any(|(i, &b)| {
        b | 0x20 == b'x'
            && i > 0
            && bytes[i - 1..].len() >= 7
            && bytes[i - 1..i + 6].eq_ignore_ascii_case(b"exclude")
    });
    let result = match mentions_exclude {
        false => parser.try_with_sql(sql),
        true => Tokenizer::new(&TernDialect, sql)
            .tokenize_with_location()
            .map_err(ParserError::from)
            .map(|tokens| parser.with_tokens_with_locations(frame_exclusions(tokens))),
    }
    .and_then(|mut p| p.parse_statements());
    let mut statements = result.map_err(|e| at_end(sql, syntax_error(e)))?;
    // Every level of nesting takes at least a character, so only a text
    // longer than the limit can nest past it.
    if sql.len() > super::depth::MAX_DEPTH {
        super::depth::limit_depth(&mut statements)?;
    }
    // Only a text that says WITHIN can hold `WITHIN GROUP`: others are not
    // walked.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"within")) {
        for s in &mut statements {
            super::within_group::rewrite(s)?;
        }
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

/// Moves each window frame's `EXCLUDE CURRENT ROW | GROUP | TIES | NO
/// OTHERS`, which sqlparser does not read, into the window's name, where the
/// binder finds it: `OVER (ORDER BY x ROWS 1 PRECEDING EXCLUDE TIES)` is
/// parsed as `OVER ("\u{1}ties\u{1}" ORDER BY x ROWS 1 PRECEDING)`, and a
/// named base window `w` becomes `"\u{1}ties\u{1}w"`. An EXCLUDE is a frame's
/// when it follows a frame bound (`ROW`, `PRECEDING`, `FOLLOWING`); the
/// select list's `* EXCLUDE (...)` never does.
fn frame_exclusions(mut tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mark = crate::sql::binder::EXCLUDE_MARK;
    let significant = |t: &TokenWithSpan| !matches!(t.token, Token::Whitespace(_));
    let keyword = |t: Option<&TokenWithSpan>| match t.map(|t| &t.token) {
        Some(Token::Word(w)) => w.keyword,
        _ => Keyword::NoKeyword,
    };
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].token {
            Token::LParen => open.push(i),
            Token::RParen => {
                open.pop();
            }
            Token::Word(w) if w.keyword == Keyword::EXCLUDE => {
                let prev = tokens[..i].iter().rev().find(|t| significant(t));
                let after: Vec<usize> = (i + 1..tokens.len())
                    .filter(|&j| significant(&tokens[j]))
                    .take(2)
                    .collect();
                let next = |k: usize| match after.get(k).map(|&j| &tokens[j].token) {
                    Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_uppercase(),
                    _ => String::new(),
                };
                let (what, words) = match (next(0).as_str(), next(1).as_str()) {
                    ("CURRENT", "ROW") => ("current row", 2),
                    ("GROUP", _) => ("group", 1),
                    ("TIES", _) => ("ties", 1),
                    ("NO", "OTHERS") => ("no others", 2),
                    _ => ("", 0),
                };
                let after_bound = matches!(
                    keyword(prev),
                    Keyword::ROW | Keyword::PRECEDING | Keyword::FOLLOWING
                );
                if let (true, true, Some(&paren)) = (words > 0, after_bound, open.last()) {
                    let last = after[words - 1];
                    tokens.drain(i..=last);
                    let name = (paren + 1..i)
                        .find(|&j| significant(&tokens[j]))
                        .filter(|&j| matches!(&tokens[j].token, Token::Word(w) if w.keyword == Keyword::NoKeyword));
                    match name {
                        Some(j) => {
                            if let Token::Word(w) = &mut tokens[j].token {
                                w.value = format!("{mark}{what}{mark}{}", w.value);
                                w.quote_style = Some('"');
                            }
                        }
                        None => {
                            let span = tokens[paren].span;
                            let word = Token::Word(Word {
                                value: format!("{mark}{what}{mark}"),
                                quote_style: Some('"'),
                                keyword: Keyword::NoKeyword,
                            });
                            tokens.insert(paren + 1, TokenWithSpan::new(word, span));
                            tokens.insert(
                                paren + 2,
                                TokenWithSpan::new(Token::Whitespace(Whitespace::Space), span),
                            );
                            i += 2;
                        }
                    }
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    tokens
}
