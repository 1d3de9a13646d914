//! String functions. Arguments arrive as Utf8 arrays (the binder casts them).

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, Int64Array};

use crate::error::Result;

use super::registry::{def, FunctionDef, FunctionKind::Scalar};
use super::ScalarFunc as F;

/// The text and hashing functions.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["upper", "ucase"],
        Scalar(F::Upper),
        "UPPER(text) -> VARCHAR",
        "the text in upper case",
    ),
    def(
        &["lower", "lcase"],
        Scalar(F::Lower),
        "LOWER(text) -> VARCHAR",
        "the text in lower case",
    ),
    def(
        &[
            "length",
            "len",
            "char_length",
            "character_length",
            "array_length",
        ],
        Scalar(F::Length),
        "LENGTH(text | list) -> BIGINT",
        "the number of characters of a text, or of elements of a list",
    ),
    def(
        &["substring", "substr"],
        Scalar(F::Substring),
        "SUBSTRING(text, start [, length]) -> VARCHAR",
        "the characters from start (from 1), at most length of them",
    ),
    def(
        &["concat"],
        Scalar(F::Concat),
        "CONCAT(value, ...) -> VARCHAR",
        "the values as text, joined; NULLs are skipped",
    ),
    def(
        &["trim"],
        Scalar(F::Trim),
        "TRIM(text [, chars]) -> VARCHAR",
        "the text without leading and trailing spaces (or chars)",
    ),
    def(
        &["ltrim"],
        Scalar(F::LTrim),
        "LTRIM(text [, chars]) -> VARCHAR",
        "the text without leading spaces (or chars)",
    ),
    def(
        &["rtrim"],
        Scalar(F::RTrim),
        "RTRIM(text [, chars]) -> VARCHAR",
        "the text without trailing spaces (or chars)",
    ),
    def(
        &["replace"],
        Scalar(F::Replace),
        "REPLACE(text, from, to) -> VARCHAR",
        "every occurrence of from replaced by to",
    ),
    def(
        &["left"],
        Scalar(F::Left),
        "LEFT(text, n) -> VARCHAR",
        "the first n characters",
    ),
    def(
        &["right"],
        Scalar(F::Right),
        "RIGHT(text, n) -> VARCHAR",
        "the last n characters",
    ),
    def(
        &["reverse"],
        Scalar(F::Reverse),
        "REVERSE(text) -> VARCHAR",
        "the characters in reverse order",
    ),
    def(
        &["starts_with", "prefix"],
        Scalar(F::StartsWith),
        "STARTS_WITH(text, prefix) -> BOOLEAN",
        "whether the text starts with prefix",
    ),
    def(
        &["ends_with", "suffix"],
        Scalar(F::EndsWith),
        "ENDS_WITH(text, suffix) -> BOOLEAN",
        "whether the text ends with suffix",
    ),
    def(
        &["contains"],
        Scalar(F::Contains),
        "CONTAINS(text, sub) -> BOOLEAN",
        "whether sub occurs in the text (of a list: whether it is an element, as LIST_CONTAINS)",
    ),
    def(
        &["ascii"],
        Scalar(F::Ascii),
        "ASCII(text) -> INTEGER",
        "the code point of the first character (0 for '')",
    ),
    def(
        &["lpad"],
        Scalar(F::LPad),
        "LPAD(text, n [, fill]) -> VARCHAR",
        "the text padded on the left with fill (a space) to n characters, or cut to n",
    ),
    def(
        &["rpad"],
        Scalar(F::RPad),
        "RPAD(text, n [, fill]) -> VARCHAR",
        "the text padded on the right with fill (a space) to n characters, or cut to n",
    ),
    def(
        &["split", "string_split", "str_split", "string_to_array"],
        Scalar(F::Split),
        "SPLIT(text, separator) -> VARCHAR[]",
        "the parts between separators (an empty separator splits characters)",
    ),
    def(
        &["strpos", "instr", "position"],
        Scalar(F::Strpos),
        "STRPOS(text, sub) -> BIGINT",
        "where sub first starts, in characters from 1; 0 if absent",
    ),
    def(
        &["split_part"],
        Scalar(F::SplitPart),
        "SPLIT_PART(text, separator, n) -> VARCHAR",
        "the n-th part between separators (from 1; negative from the end; '' past the ends)",
    ),
    def(
        &["levenshtein"],
        Scalar(F::Levenshtein),
        "LEVENSHTEIN(a, b) -> BIGINT",
        "the edit distance, in characters",
    ),
    def(
        &["concat_ws"],
        Scalar(F::ConcatWs),
        "CONCAT_WS(separator, value, ...) -> VARCHAR",
        "the non-NULL values joined by the separator",
    ),
    def(
        &["repeat"],
        Scalar(F::Repeat),
        "REPEAT(text, n) -> VARCHAR",
        "the text n times",
    ),
    def(
        &["hash"],
        Scalar(F::Hash),
        "HASH(value, ...) -> UBIGINT",
        "a 64-bit hash of the values (tern's own, not DuckDB's numbers)",
    ),
    def(
        &["md5"],
        Scalar(F::Md5),
        "MD5(text) -> VARCHAR",
        "the MD5 digest of the text's UTF-8 bytes, in hex",
    ),
    def(
        &["sha1"],
        Scalar(F::Sha1),
        "SHA1(text) -> VARCHAR",
        "the SHA-1 digest of the text's UTF-8 bytes, in hex",
    ),
    def(
        &["sha256"],
        Scalar(F::Sha256),
        "SHA256(text) -> VARCHAR",
        "the SHA-256 digest of the text's UTF-8 bytes, in hex",
    ),
];

/// Applies `f` to each non-null string, writing the result into a reused buffer.
pub(super) fn map_str(a: &ArrayRef, f: impl Fn(&str, &mut String)) -> Result<ArrayRef> {
    let a = a.as_string::<i32>();
    let mut b = StringBuilder::with_capacity(a.len(), a.values().len());
    let mut buf = String::new();
    for v in a.iter() {
        match v {
            Some(s) => {
                buf.clear();
                f(s, &mut buf);
                b.append_value(&buf);
            }
            None => b.append_null(),
        }
    }
    Ok(Arc::new(b.finish()))
}

/// Length in characters (not bytes).
pub(super) fn char_length(a: &ArrayRef) -> Result<ArrayRef> {
    let a = a.as_string::<i32>();
    let out: Int64Array = a
        .iter()
        .map(|v| v.map(|s| s.chars().count() as i64))
        .collect();
    Ok(Arc::new(out))
}

/// SUBSTRING(s, start [, len]) with 1-based `start`, counting characters; a
/// negative start counts from the end (DuckDB's rule), and a start that is
/// then before 1 eats into the length, as in SQL.
pub(super) fn substring(args: &[ArrayRef]) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    let start = args[1].as_primitive::<Int64Type>();
    let len = args.get(2).map(|l| l.as_primitive::<Int64Type>());
    let mut b = StringBuilder::with_capacity(s.len(), 0);
    for i in 0..s.len() {
        if s.is_null(i) || start.is_null(i) || len.is_some_and(|l| l.is_null(i)) {
            b.append_null();
            continue;
        }
        let mut from = start.value(i);
        if from < 0 {
            // From the end, as in DuckDB: -1 is the last character.
            from = from.saturating_add(s.value(i).chars().count() as i64 + 1);
        }
        let (skip, take) = match len {
            Some(l) => {
                let l = l.value(i);
                if l < 0 {
                    return Err(crate::Error::exec("SUBSTRING length must not be negative"));
                }
                let end = from.saturating_add(l);
                let begin = from.max(1);
                ((begin - 1) as usize, (end - begin).max(0) as usize)
            }
            None => ((from.max(1) - 1) as usize, usize::MAX),
        };
        let v: String = s.value(i).chars().skip(skip).take(take).collect();
        b.append_value(v);
    }
    Ok(Arc::new(b.finish()))
}

/// LEFT(s, n) / RIGHT(s, n): the first or last `n` characters (negative `n`: all but).
pub(super) fn left_right(args: &[ArrayRef], left: bool) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    let n = args[1].as_primitive::<Int64Type>();
    let mut b = StringBuilder::new();
    for i in 0..s.len() {
        if s.is_null(i) || n.is_null(i) {
            b.append_null();
            continue;
        }
        let v = s.value(i);
        let count = v.chars().count() as i64;
        let k = n.value(i);
        let keep = if k >= 0 {
            k.min(count)
        } else {
            (count + k).max(0)
        } as usize;
        let out: String = if left {
            v.chars().take(keep).collect()
        } else {
            v.chars().skip(count as usize - keep).collect()
        };
        b.append_value(out);
    }
    Ok(Arc::new(b.finish()))
}

/// CONCAT skips NULL arguments (as DuckDB and PostgreSQL do).
pub(super) fn concat(args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
    let arrays: Vec<_> = args.iter().map(|a| a.as_string::<i32>()).collect();
    let mut b = StringBuilder::with_capacity(num_rows, 0);
    let mut buf = String::new();
    for i in 0..num_rows {
        buf.clear();
        for a in &arrays {
            if a.is_valid(i) {
                buf.push_str(a.value(i));
            }
        }
        b.append_value(&buf);
    }
    Ok(Arc::new(b.finish()))
}

/// TRIM / LTRIM / RTRIM, of spaces or of the characters in the second argument.
pub(super) fn trim(args: &[ArrayRef], start: bool, end: bool) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    let chars = args.get(1).map(|c| c.as_string::<i32>());
    let mut b = StringBuilder::with_capacity(s.len(), s.values().len());
    for i in 0..s.len() {
        if s.is_null(i) || chars.is_some_and(|c| c.is_null(i)) {
            b.append_null();
            continue;
        }
        let set: Vec<char> = match chars {
            Some(c) => c.value(i).chars().collect(),
            None => vec![' '],
        };
        let mut v = s.value(i);
        if start {
            v = v.trim_start_matches(set.as_slice());
        }
        if end {
            v = v.trim_end_matches(set.as_slice());
        }
        b.append_value(v);
    }
    Ok(Arc::new(b.finish()))
}

/// The bytes of text an array of strings shows (a slice counts only its rows).
pub(crate) fn text_bytes(a: &ArrayRef) -> usize {
    match a.as_string_opt::<i32>() {
        Some(s) => {
            let o = s.value_offsets();
            (o[o.len() - 1] - o[0]) as usize
        }
        None => 0,
    }
}

/// The bytes of text REPLACE(s, from, to) gives, worked out before it is
/// built (one nested REPLACE can multiply a string's length): `exact` counts
/// the occurrences, otherwise each string is assumed to be all occurrences
/// (an upper bound, without reading the text).
pub(super) fn replaced_bytes(args: &[ArrayRef], exact: bool) -> usize {
    let s = args[0].as_string::<i32>();
    let from = args[1].as_string::<i32>();
    let to = args[2].as_string::<i32>();
    let mut total = text_bytes(&args[0]);
    for i in 0..s.len() {
        if s.is_null(i) || from.is_null(i) || to.is_null(i) {
            continue;
        }
        let (f, t) = (from.value(i), to.value(i));
        if !f.is_empty() && t.len() > f.len() {
            let n = match exact {
                true => s.value(i).matches(f).count(),
                false => s.value_length(i) as usize / f.len(),
            };
            total = total.saturating_add(n.saturating_mul(t.len() - f.len()));
        }
    }
    total
}

/// REPLACE(s, from, to): every occurrence of `from` replaced.
pub(super) fn replace(args: &[ArrayRef]) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    let from = args[1].as_string::<i32>();
    let to = args[2].as_string::<i32>();
    let mut b = StringBuilder::with_capacity(s.len(), s.values().len());
    for i in 0..s.len() {
        if s.is_null(i) || from.is_null(i) || to.is_null(i) {
            b.append_null();
        } else if from.value(i).is_empty() {
            b.append_value(s.value(i));
        } else {
            b.append_value(s.value(i).replace(from.value(i), to.value(i)));
        }
    }
    Ok(Arc::new(b.finish()))
}

/// ASCII(s): the code point of the first character; 0 for the empty string.
pub(super) fn ascii(a: &ArrayRef) -> Result<ArrayRef> {
    let a = a.as_string::<i32>();
    let out: arrow_array::Int32Array = a
        .iter()
        .map(|v| v.map(|s| s.chars().next().map_or(0, |c| c as i32)))
        .collect();
    Ok(Arc::new(out))
}

/// The most bytes LPAD/RPAD(s, n [, fill]) can give, before it is built: a
/// large `n` would otherwise allocate without bound.
pub(super) fn padded_bytes(args: &[ArrayRef]) -> usize {
    let s = args[0].as_string::<i32>();
    let n = args[1].as_primitive::<Int64Type>();
    (0..s.len())
        .filter(|&i| s.is_valid(i) && n.is_valid(i))
        .map(|i| (n.value(i).max(0) as usize).saturating_mul(4))
        .fold(0usize, usize::saturating_add)
}

/// LPAD / RPAD(s, n [, fill]): `s` cut or padded to `n` characters with
/// `fill` repeated (a space by default) on the left or right. Cutting keeps
/// the first `n` characters either way; `n` below 1 gives ''. Padding with an
/// empty `fill` is an error (as in DuckDB).
pub(super) fn pad(args: &[ArrayRef], left: bool) -> Result<ArrayRef> {
    let s = args[0].as_string::<i32>();
    let n = args[1].as_primitive::<Int64Type>();
    let fill = args.get(2).map(|f| f.as_string::<i32>());
    let mut b = StringBuilder::with_capacity(s.len(), s.values().len());
    let mut buf = String::new();
    for i in 0..s.len() {
        if s.is_null(i) || n.is_null(i) || fill.is_some_and(|f| f.is_null(i)) {
            b.append_null();
            continue;
        }
        let v = s.value(i);
        let want = n.value(i).max(0) as usize;
        let have = v.chars().count();
        buf.clear();
        if have >= want {
            buf.extend(v.chars().take(want));
        } else {
            let f = fill.map_or(" ", |f| f.value(i));
            if f.is_empty() {
                let name = if left { "LPAD" } else { "RPAD" };
                return Err(crate::Error::exec(format!(
                    "{name} has nothing to pad with (an empty fill)"
                )));
            }
            let padding = f.chars().cycle().take(want - have);
            if left {
                buf.extend(padding);
                buf.push_str(v);
            } else {
                buf.push_str(v);
                buf.extend(padding);
            }
        }
        b.append_value(&buf);
    }
    Ok(Arc::new(b.finish()))
}

/// MD5, SHA1, SHA256 of the text's UTF-8 bytes, as lower-case hex digits.
pub(super) fn digest<D: sha2::Digest>(a: &ArrayRef) -> Result<ArrayRef> {
    use std::fmt::Write;
    map_str(a, |s, out| {
        for byte in D::digest(s.as_bytes()) {
            let _ = write!(out, "{byte:02x}");
        }
    })
}

/// `SPLIT(s, separator)`: the parts of `s` between separators, as a list;
/// an empty separator splits into characters (as in DuckDB). NULL for a
/// NULL string or separator.
pub(super) fn split(s: &ArrayRef, sep: &ArrayRef) -> Result<ArrayRef> {
    use arrow_array::builder::{ListBuilder, StringBuilder};
    let (s, sep) = (s.as_string::<i32>(), sep.as_string::<i32>());
    let mut out = ListBuilder::new(StringBuilder::new());
    for i in 0..s.len() {
        if s.is_null(i) || sep.is_null(i) {
            out.append(false);
            continue;
        }
        let (text, by) = (s.value(i), sep.value(i));
        match by.is_empty() {
            true => {
                for c in text.chars() {
                    let mut b = [0u8; 4];
                    out.values().append_value(c.encode_utf8(&mut b));
                }
            }
            false => text.split(by).for_each(|p| out.values().append_value(p)),
        }
        out.append(true);
    }
    Ok(std::sync::Arc::new(out.finish()))
}

/// `STRPOS(s, sub)`: where `sub` first starts in `s`, in characters from 1;
/// 0 when it does not occur (an empty `sub` is at 1).
pub(super) fn strpos(s: &ArrayRef, sub: &ArrayRef) -> Result<ArrayRef> {
    let (s, sub) = (s.as_string::<i32>(), sub.as_string::<i32>());
    let out: Int64Array = s
        .iter()
        .zip(sub.iter())
        .map(|(s, sub)| {
            let (s, sub) = (s?, sub?);
            Some(
                s.find(sub)
                    .map_or(0, |at| s[..at].chars().count() as i64 + 1),
            )
        })
        .collect();
    Ok(Arc::new(out))
}

/// `SPLIT_PART(s, sep, n)`: the n-th part between separators, from 1 (or
/// from the end when negative); `''` past either end or at 0, as in DuckDB.
/// An empty separator splits characters.
pub(super) fn split_part(args: &[ArrayRef]) -> Result<ArrayRef> {
    let (s, sep) = (args[0].as_string::<i32>(), args[1].as_string::<i32>());
    let n = args[2].as_primitive::<Int64Type>();
    let mut b = StringBuilder::new();
    for i in 0..s.len() {
        if s.is_null(i) || sep.is_null(i) || n.is_null(i) {
            b.append_null();
            continue;
        }
        let (text, by) = (s.value(i), sep.value(i));
        let parts: Vec<&str> = match by.is_empty() {
            true => text
                .char_indices()
                .map(|(k, c)| &text[k..k + c.len_utf8()])
                .collect(),
            false => text.split(by).collect(),
        };
        let k = n.value(i);
        let at = match k {
            k if k > 0 => usize::try_from(k - 1).ok(),
            k if k < 0 => parts.len().checked_sub(k.unsigned_abs() as usize),
            _ => None,
        };
        b.append_value(at.and_then(|at| parts.get(at)).copied().unwrap_or(""));
    }
    Ok(Arc::new(b.finish()))
}

/// `LEVENSHTEIN(a, b)`: the fewest single-character insertions, deletions
/// and substitutions that turn a into b.
pub(super) fn levenshtein(a: &ArrayRef, b: &ArrayRef) -> Result<ArrayRef> {
    let (a, b) = (a.as_string::<i32>(), b.as_string::<i32>());
    let mut row: Vec<usize> = Vec::new();
    let out: Int64Array = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| {
            let (x, y) = (x?, y?);
            let y: Vec<char> = y.chars().collect();
            row.clear();
            row.extend(0..=y.len());
            for (i, cx) in x.chars().enumerate() {
                let mut diagonal = row[0];
                row[0] = i + 1;
                for (j, &cy) in y.iter().enumerate() {
                    let next = (diagonal + usize::from(cx != cy))
                        .min(row[j] + 1)
                        .min(row[j + 1] + 1);
                    diagonal = row[j + 1];
                    row[j + 1] = next;
                }
            }
            Some(row[y.len()] as i64)
        })
        .collect();
    Ok(Arc::new(out))
}

/// `CONCAT_WS(sep, a, ...)`: the non-NULL values joined by sep; NULL when
/// sep is.
pub(super) fn concat_ws(args: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
    let sep = args[0].as_string::<i32>();
    let parts: Vec<_> = args[1..].iter().map(|a| a.as_string::<i32>()).collect();
    let mut b = StringBuilder::new();
    let mut buf = String::new();
    for i in 0..num_rows {
        if sep.is_null(i) {
            b.append_null();
            continue;
        }
        buf.clear();
        let mut first = true;
        for p in parts.iter().filter(|p| p.is_valid(i)) {
            if !first {
                buf.push_str(sep.value(i));
            }
            buf.push_str(p.value(i));
            first = false;
        }
        b.append_value(&buf);
    }
    Ok(Arc::new(b.finish()))
}

/// Bytes REPEAT's result would take.
pub(super) fn repeated_bytes(args: &[ArrayRef]) -> usize {
    let (s, n) = (
        args[0].as_string::<i32>(),
        args[1].as_primitive::<Int64Type>(),
    );
    (0..s.len())
        .filter(|&i| s.is_valid(i) && n.is_valid(i))
        .map(|i| s.value(i).len().saturating_mul(n.value(i).max(0) as usize))
        .fold(0usize, usize::saturating_add)
}

/// `REPEAT(s, n)`: s n times (`''` for n below 1).
pub(super) fn repeat(s: &ArrayRef, n: &ArrayRef) -> Result<ArrayRef> {
    let (s, n) = (s.as_string::<i32>(), n.as_primitive::<Int64Type>());
    let out: arrow_array::StringArray = s
        .iter()
        .zip(n.iter())
        .map(|(s, n)| Some(s?.repeat(n?.max(0) as usize)))
        .collect();
    Ok(Arc::new(out))
}
