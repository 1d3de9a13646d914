//! Python values as query parameters: a sequence binds `?` and `$1`, a
//! mapping binds `$name` and `:name`.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyString};
use tern::sql::{Param, Params};

use crate::errors::InterfaceError;

/// `params` as the engine's [`Params`]; `None` for no parameters at all.
pub fn from_py(params: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Params>> {
    let Some(params) = params.filter(|p| !p.is_none()) else {
        return Ok(None);
    };
    let mut out = Params::new();
    if let Ok(dict) = params.cast::<PyDict>() {
        for (k, v) in dict.iter() {
            let name: String = k.extract().map_err(|_| {
                InterfaceError::new_err(format!("parameter names are strings, got {k:?}"))
            })?;
            let name = name
                .strip_prefix(['$', ':'])
                .map(str::to_string)
                .unwrap_or(name);
            out = out.set(name, value(&v)?);
        }
        return Ok(Some(out));
    }
    if params.is_instance_of::<PyString>() || params.is_instance_of::<PyBytes>() {
        return Err(InterfaceError::new_err(
            "params is a sequence (for ?, $1) or a dict (for $name, :name), not a string",
        ));
    }
    let items = params.try_iter().map_err(|_| {
        InterfaceError::new_err(format!(
            "params is a sequence (for ?, $1) or a dict (for $name, :name), not {}",
            type_name(params)
        ))
    })?;
    for v in items {
        out = out.push(value(&v?)?);
    }
    Ok(Some(out))
}

/// One Python value as a parameter.
fn value(v: &Bound<'_, PyAny>) -> PyResult<Param> {
    if v.is_none() {
        return Ok(Param::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Param::Boolean(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        return match v.extract::<i64>() {
            Ok(i) => Ok(Param::Integer(i)),
            // Past 64 bits: a DECIMAL of its digits (up to 38 of them).
            Err(_) => Ok(Param::Decimal(v.str()?.to_string())),
        };
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return Ok(Param::Double(f.value()));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Param::Text(v.extract()?));
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Param::Blob(b.as_bytes().to_vec()));
    }
    if let Ok(b) = v.cast::<PyByteArray>() {
        return Ok(Param::Blob(b.to_vec()));
    }
    let ty = type_name(v);
    // Dates and times by shape, so that `datetime` is never imported here
    // (and pandas' Timestamp, a datetime, works too).
    let has = |name: &str| v.hasattr(name).unwrap_or(false);
    if has("isoformat") && has("year") {
        if has("hour") {
            let text: String = v.call_method1("isoformat", (" ",))?.extract()?;
            return Ok(Param::Timestamp(text));
        }
        let text: String = v.call_method0("isoformat")?.extract()?;
        return Ok(Param::Date(text));
    }
    if ty == "decimal.Decimal" {
        if !v.call_method0("is_finite")?.extract::<bool>()? {
            return Err(InterfaceError::new_err(format!(
                "the Decimal {} cannot be a parameter (pass a float for NaN or infinity)",
                v.str()?
            )));
        }
        let text: String = v.call_method1("__format__", ("f",))?.extract()?;
        return Ok(Param::Decimal(text));
    }
    if ty == "memoryview" {
        let b: Vec<u8> = v.call_method0("tobytes")?.extract()?;
        return Ok(Param::Blob(b));
    }
    // numpy's scalars and the like.
    if has("__index__") {
        return value(&v.call_method0("__index__")?);
    }
    if has("__float__") && !has("isoformat") {
        return Ok(Param::Double(v.call_method0("__float__")?.extract()?));
    }
    Err(InterfaceError::new_err(format!(
        "a {ty} cannot be a parameter (use None, bool, int, float, str, bytes, \
         decimal.Decimal, datetime.date or datetime.datetime)"
    )))
}

/// `module.Name` of `v`'s type (`int`, `datetime.time`).
pub fn type_name(v: &Bound<'_, PyAny>) -> String {
    let t = v.get_type();
    let name = t
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    match t.module().map(|m| m.to_string()) {
        Ok(m) if m != "builtins" => format!("{m}.{name}"),
        _ => name,
    }
}
