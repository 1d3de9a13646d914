//! Regular expressions: REGEXP_MATCHES (and `~`), REGEXP_FULL_MATCH,
//! REGEXP_REPLACE, REGEXP_EXTRACT, REGEXP_EXTRACT_ALL and
//! REGEXP_SPLIT_TO_ARRAY, in the `regex` crate's syntax (RE2's, as DuckDB
//! uses). Arguments arrive as Utf8 arrays; a pattern is compiled once for
//! each run of rows that share it, so a constant pattern is compiled once.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, StringArray};
use regex::{Regex, RegexBuilder};

use crate::error::{Error, Result};

use super::registry::{def, FunctionDef, FunctionKind::Scalar};
use super::ScalarFunc as F;

/// The regular-expression functions.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["regexp_matches"],
        Scalar(F::RegexpMatches),
        "REGEXP_MATCHES(text, pattern [, flags]) -> BOOLEAN",
        "whether the pattern matches somewhere in the text (also text ~ pattern)",
    ),
    def(
        &["regexp_full_match"],
        Scalar(F::RegexpFullMatch),
        "REGEXP_FULL_MATCH(text, pattern [, flags]) -> BOOLEAN",
        "whether the pattern matches the whole text",
    ),
    def(
        &["regexp_replace"],
        Scalar(F::RegexpReplace),
        "REGEXP_REPLACE(text, pattern, replacement [, flags]) -> VARCHAR",
        "the first match (every match with flag g) replaced; \\1 is a group",
    ),
    def(
        &["regexp_extract", "regexp_substr"],
        Scalar(F::RegexpExtract),
        "REGEXP_EXTRACT(text, pattern [, group]) -> VARCHAR",
        "the first match, or its group; '' if none",
    ),
    def(
        &["regexp_extract_all"],
        Scalar(F::RegexpExtractAll),
        "REGEXP_EXTRACT_ALL(text, pattern [, group]) -> VARCHAR[]",
        "every match, or its group",
    ),
    def(
        &[
            "regexp_split_to_array",
            "string_split_regex",
            "str_split_regex",
        ],
        Scalar(F::RegexpSplit),
        "REGEXP_SPLIT_TO_ARRAY(text, pattern) -> VARCHAR[]",
        "the texts between matches",
    ),
];

/// Options read from a flags argument such as `'gi'`.
#[derive(Default, Clone, Copy, PartialEq)]
struct Options {
    case_insensitive: bool,
    /// `.` matches a newline too (`s`); `m` makes `^`/`$` match at lines.
    dot_all: bool,
    multi_line: bool,
    /// The pattern is a literal text (`l`).
    literal: bool,
    /// Whitespace and `#` comments in the pattern are ignored (`x`).
    extended: bool,
    /// Every match is replaced, not the first (`g`; REGEXP_REPLACE only).
    global: bool,
}

impl Options {
    fn parse(flags: &str, func: &str) -> Result<Options> {
        let mut o = Options::default();
        for c in flags.chars() {
            match c {
                'i' => o.case_insensitive = true,
                'c' => o.case_insensitive = false,
                's' => o.dot_all = true,
                'm' | 'n' | 'p' => o.multi_line = true,
                'l' => o.literal = true,
                'x' => o.extended = true,
                'g' if func == "REGEXP_REPLACE" => o.global = true,
                other => {
                    return Err(Error::plan(format!(
                        "{func}: unknown regular expression option '{other}'"
                    )))
                }
            }
        }
        Ok(o)
    }
}

/// The compiled pattern of the rows being read, kept while rows repeat it.
struct Patterns {
    func: &'static str,
    /// Whether a pattern must match the whole text.
    whole: bool,
    last: Option<(String, Options, Regex)>,
}

impl Patterns {
    fn new(func: &'static str) -> Self {
        Patterns {
            func,
            whole: false,
            last: None,
        }
    }

    fn get(&mut self, pattern: &str, options: Options) -> Result<&Regex> {
        let same = matches!(&self.last, Some((p, o, _)) if p == pattern && *o == options);
        if !same {
            let mut source = match options.literal {
                true => regex::escape(pattern),
                false => pattern.to_string(),
            };
            if self.whole {
                source = format!(r"\A(?:{source})\z");
            }
            let re = RegexBuilder::new(&source)
                .case_insensitive(options.case_insensitive)
                .dot_matches_new_line(options.dot_all)
                .multi_line(options.multi_line)
                .ignore_whitespace(options.extended)
                // Bounds what one pattern may cost to compile.
                .size_limit(1 << 22)
                .build()
                .map_err(|e| {
                    Error::plan(format!(
                        "{}: invalid regular expression '{pattern}': {}",
                        self.func,
                        first_line(&e.to_string())
                    ))
                })?;
            self.last = Some((pattern.to_string(), options, re));
        }
        match &self.last {
            Some((_, _, re)) => Ok(re),
            None => Err(Error::exec("internal: no compiled pattern")),
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim_start_matches("error: ")
}

/// The rows' texts, patterns and options (`flags`, if given, is argument `at`).
struct Rows<'a> {
    text: &'a StringArray,
    pattern: &'a StringArray,
    flags: Option<&'a StringArray>,
}

impl<'a> Rows<'a> {
    fn new(args: &'a [ArrayRef], flags_at: usize) -> Self {
        Rows {
            text: args[0].as_string::<i32>(),
            pattern: args[1].as_string::<i32>(),
            flags: args.get(flags_at).map(|f| f.as_string::<i32>()),
        }
    }

    /// Row `i`'s text, pattern and options; `None` when any is NULL.
    fn row(&self, i: usize, func: &str) -> Result<Option<(&'a str, &'a str, Options)>> {
        if self.text.is_null(i)
            || self.pattern.is_null(i)
            || self.flags.is_some_and(|f| f.is_null(i))
        {
            return Ok(None);
        }
        let options = match self.flags {
            Some(f) => Options::parse(f.value(i), func)?,
            None => Options::default(),
        };
        Ok(Some((self.text.value(i), self.pattern.value(i), options)))
    }
}

/// `REGEXP_MATCHES(s, pattern [, flags])`: whether the pattern matches
/// somewhere in `s`; with `full`, whether it matches all of `s`.
pub(super) fn matches(args: &[ArrayRef], full: bool) -> Result<ArrayRef> {
    let func = if full {
        "REGEXP_FULL_MATCH"
    } else {
        "REGEXP_MATCHES"
    };
    let rows = Rows::new(args, 2);
    let mut patterns = Patterns::new(func);
    patterns.whole = full;
    let mut out = BooleanBuilder::with_capacity(rows.text.len());
    for i in 0..rows.text.len() {
        match rows.row(i, func)? {
            Some((s, p, o)) => out.append_value(patterns.get(p, o)?.is_match(s)),
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// `REGEXP_REPLACE(s, pattern, replacement [, flags])`: the first match (every
/// match with `g`) replaced. In the replacement `\1`..`\9` are groups, `\0`
/// the whole match and `\\` a backslash, as in RE2 and DuckDB.
pub(super) fn replace(
    args: &[ArrayRef],
    fits: &dyn Fn(usize, &str) -> Result<()>,
) -> Result<ArrayRef> {
    const FUNC: &str = "REGEXP_REPLACE";
    let rows = Rows::new(args, 3);
    let with = args[2].as_string::<i32>();
    let mut patterns = Patterns::new(FUNC);
    let mut out = StringBuilder::with_capacity(rows.text.len(), rows.text.values().len());
    let mut built = 0usize;
    for i in 0..rows.text.len() {
        let Some((s, p, o)) = rows.row(i, FUNC)?.filter(|_| with.is_valid(i)) else {
            out.append_null();
            continue;
        };
        let re = patterns.get(p, o)?;
        let replacement = expansion(with.value(i));
        let limit = if o.global { 0 } else { 1 };
        let replaced = re.replacen(s, limit, replacement.as_str());
        built += replaced.len();
        // A replacement can make the text far longer than its input.
        if i % 1024 == 0 || replaced.len() > 1 << 20 {
            fits(built, FUNC)?;
        }
        out.append_value(replaced);
    }
    fits(built, FUNC)?;
    Ok(Arc::new(out.finish()))
}

/// An RE2 replacement (`\1`, `\\`) in the `regex` crate's syntax (`${1}`, `$$`).
fn expansion(re2: &str) -> String {
    let mut out = String::with_capacity(re2.len() + 4);
    let mut chars = re2.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    chars.next();
                    out.push_str("${");
                    out.push(d);
                    out.push('}');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

/// The group argument (argument 2, 0 by default) of row `i`, checked
/// against the pattern's groups.
fn group(args: &[ArrayRef], i: usize, re: &Regex, func: &str) -> Result<Option<usize>> {
    let Some(g) = args.get(2).map(|g| g.as_primitive::<Int64Type>()) else {
        return Ok(Some(0));
    };
    if g.is_null(i) {
        return Ok(None);
    }
    let n = g.value(i);
    if n < 0 || n as usize >= re.captures_len() {
        return Err(Error::plan(format!(
            "{func}: the pattern '{}' has no group {n}",
            re.as_str()
        )));
    }
    Ok(Some(n as usize))
}

/// `REGEXP_EXTRACT(s, pattern [, group])`: the first match (or its group),
/// `''` when nothing matches, as in DuckDB.
pub(super) fn extract(args: &[ArrayRef]) -> Result<ArrayRef> {
    const FUNC: &str = "REGEXP_EXTRACT";
    let rows = Rows::new(args, usize::MAX);
    let mut patterns = Patterns::new(FUNC);
    let mut out = StringBuilder::with_capacity(rows.text.len(), 0);
    for i in 0..rows.text.len() {
        let Some((s, p, o)) = rows.row(i, FUNC)? else {
            out.append_null();
            continue;
        };
        let re = patterns.get(p, o)?;
        let Some(g) = group(args, i, re, FUNC)? else {
            out.append_null();
            continue;
        };
        let found = re
            .captures(s)
            .and_then(|c| c.get(g))
            .map_or("", |m| m.as_str());
        out.append_value(found);
    }
    Ok(Arc::new(out.finish()))
}

/// `REGEXP_EXTRACT_ALL(s, pattern [, group])`: every match (or its group) as
/// a list; `REGEXP_SPLIT_TO_ARRAY(s, pattern)` (`split`): the texts between
/// matches.
pub(super) fn all(args: &[ArrayRef], split: bool) -> Result<ArrayRef> {
    let func = match split {
        true => "REGEXP_SPLIT_TO_ARRAY",
        false => "REGEXP_EXTRACT_ALL",
    };
    let rows = Rows::new(args, usize::MAX);
    let mut patterns = Patterns::new(func);
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..rows.text.len() {
        let Some((s, p, o)) = rows.row(i, func)? else {
            out.append(false);
            continue;
        };
        let re = patterns.get(p, o)?;
        if split {
            re.split(s).for_each(|part| out.values().append_value(part));
        } else {
            let Some(g) = group(args, i, re, func)? else {
                out.append(false);
                continue;
            };
            for c in re.captures_iter(s) {
                out.values()
                    .append_value(c.get(g).map_or("", |m| m.as_str()));
            }
        }
        out.append(true);
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re2_replacements_become_regex_expansions() {
        assert_eq!(expansion(r"<\1>"), "<${1}>");
        assert_eq!(expansion(r"\0\0"), "${0}${0}");
        assert_eq!(expansion(r"a\\b"), r"a\b");
        assert_eq!(expansion("$1"), "$$1");
        assert_eq!(expansion(r"x\"), r"x\");
    }
}
