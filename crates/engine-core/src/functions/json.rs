//! JSON in text columns: `->`, `->>`, JSON_EXTRACT, JSON_EXTRACT_STRING,
//! JSON_VALID, JSON_ARRAY_LENGTH and JSON_TYPE, as in DuckDB. Each row's
//! text is parsed with `serde_json` (in the tree already through arrow-json,
//! so the functions come with the `json` feature). A path is `$.a.b[0]`, a
//! key (`'a'`), or an array index (`1`, from 0).

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, StringBuilder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use serde_json::Value;

use super::registry::{def, FunctionDef, FunctionKind::Scalar};
use super::{JsonFn, ScalarFunc as F};
use crate::error::{Error, Result};

/// The JSON functions.
pub(super) const FUNCTIONS: &[FunctionDef] = &[
    def(
        &["json_extract"],
        Scalar(F::Json(JsonFn::Extract)),
        "JSON_EXTRACT(json, path) -> JSON text",
        "the value at path, as JSON; also json -> path",
    ),
    def(
        &["json_extract_string"],
        Scalar(F::Json(JsonFn::ExtractString)),
        "JSON_EXTRACT_STRING(json, path) -> VARCHAR",
        "the value at path as text (a string unquoted); also json ->> path",
    ),
    def(
        &["json_valid"],
        Scalar(F::Json(JsonFn::Valid)),
        "JSON_VALID(text) -> BOOLEAN",
        "whether the text is JSON",
    ),
    def(
        &["json_array_length"],
        Scalar(F::Json(JsonFn::ArrayLength)),
        "JSON_ARRAY_LENGTH(json [, path]) -> UBIGINT",
        "the number of elements of the array (0 for another value)",
    ),
    def(
        &["json_type"],
        Scalar(F::Json(JsonFn::Type)),
        "JSON_TYPE(json [, path]) -> VARCHAR",
        "OBJECT, ARRAY, VARCHAR, BIGINT, UBIGINT, DOUBLE, BOOLEAN or NULL",
    ),
];

/// One step of a path.
#[derive(Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `$.a.b[0]`, `$."a b"`, or a bare key.
fn parse_path(path: &str) -> Result<Vec<Step>> {
    let Some(mut rest) = path.strip_prefix('$') else {
        return Ok(vec![Step::Key(path.to_string())]);
    };
    let bad = || Error::plan(format!("invalid JSON path '{path}'"));
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let (key, next) = match r.strip_prefix('"') {
                Some(q) => {
                    let end = q.find('"').ok_or_else(bad)?;
                    (&q[..end], &q[end + 1..])
                }
                None => {
                    let end = r.find(['.', '[']).unwrap_or(r.len());
                    (&r[..end], &r[end..])
                }
            };
            if key.is_empty() {
                return Err(bad());
            }
            steps.push(Step::Key(key.to_string()));
            rest = next;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(bad)?;
            let index = r[..end].trim().parse().map_err(|_| bad())?;
            steps.push(Step::Index(index));
            rest = &r[end + 1..];
        } else {
            return Err(bad());
        }
    }
    Ok(steps)
}

fn walk<'v>(mut v: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    for s in steps {
        v = match (s, v) {
            (Step::Key(k), Value::Object(m)) => m.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn parse(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Data {
        source_name: "JSON text".into(),
        message: format!(
            "malformed JSON ({e}): {}",
            text.chars().take(40).collect::<String>()
        ),
    })
}

/// Row `i`'s path (argument 1): a text path, or an integer array index.
fn path_at(
    args: &[ArrayRef],
    i: usize,
    last: &mut Option<(String, Vec<Step>)>,
) -> Result<Option<Vec<Step>>> {
    let Some(p) = args.get(1) else {
        return Ok(Some(vec![]));
    };
    if p.is_null(i) {
        return Ok(None);
    }
    if let DataType::Int64 = p.data_type() {
        let n = p.as_primitive::<Int64Type>().value(i);
        return Ok(usize::try_from(n).ok().map(|n| vec![Step::Index(n)]));
    }
    let text = p.as_string::<i32>().value(i);
    match last {
        Some((t, steps)) if t == text => Ok(Some(steps.iter().map(clone_step).collect())),
        _ => {
            let steps = parse_path(text)?;
            let copy = steps.iter().map(clone_step).collect();
            *last = Some((text.to_string(), steps));
            Ok(Some(copy))
        }
    }
}

fn clone_step(s: &Step) -> Step {
    match s {
        Step::Key(k) => Step::Key(k.clone()),
        Step::Index(i) => Step::Index(*i),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Bool(_) => "BOOLEAN",
        Value::Number(n) if n.is_u64() => "UBIGINT",
        Value::Number(n) if n.is_i64() => "BIGINT",
        Value::Number(_) => "DOUBLE",
        Value::String(_) => "VARCHAR",
        Value::Array(_) => "ARRAY",
        Value::Object(_) => "OBJECT",
    }
}

/// Calls `f` on arrays of the types `coerce` chose.
pub(super) fn call(f: JsonFn, args: &[ArrayRef]) -> Result<ArrayRef> {
    let text = args[0].as_string::<i32>();
    let mut last = None;
    // The value each row's path reaches (`None`: NULL text or path, or no value there).
    let mut values = (0..text.len()).map(|i| -> Result<Option<Value>> {
        if text.is_null(i) {
            return Ok(None);
        }
        let Some(steps) = path_at(args, i, &mut last)? else {
            return Ok(None);
        };
        let v = parse(text.value(i))?;
        Ok(walk(&v, &steps).cloned())
    });
    Ok(match f {
        JsonFn::Valid => {
            let mut b = BooleanBuilder::with_capacity(text.len());
            for s in text.iter() {
                b.append_option(s.map(|s| serde_json::from_str::<Value>(s).is_ok()));
            }
            Arc::new(b.finish())
        }
        JsonFn::Extract | JsonFn::ExtractString | JsonFn::Type => {
            let mut b = StringBuilder::new();
            for v in &mut values {
                match (v?, f) {
                    (None, _) | (Some(Value::Null), JsonFn::ExtractString) => b.append_null(),
                    (Some(Value::String(s)), JsonFn::ExtractString) => b.append_value(s),
                    (Some(v), JsonFn::Type) => b.append_value(type_name(&v)),
                    (Some(v), _) => b.append_value(v.to_string()),
                }
            }
            Arc::new(b.finish())
        }
        JsonFn::ArrayLength => {
            let mut b = UInt64Builder::with_capacity(text.len());
            for v in &mut values {
                match v? {
                    None => b.append_null(),
                    Some(Value::Array(a)) => b.append_value(a.len() as u64),
                    Some(_) => b.append_value(0),
                }
            }
            Arc::new(b.finish())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("$.a.b[2].c").unwrap(),
            [
                Step::Key("a".into()),
                Step::Key("b".into()),
                Step::Index(2),
                Step::Key("c".into())
            ]
        );
        assert_eq!(parse_path("$.\"a b\"").unwrap(), [Step::Key("a b".into())]);
        assert_eq!(parse_path("key").unwrap(), [Step::Key("key".into())]);
        assert_eq!(parse_path("$").unwrap(), []);
        for bad in ["$.", "$[x]", "$a", "$.\"open", "$[1"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }
}
