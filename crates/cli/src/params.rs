//! `--param NAME=VALUE`: values for the SQL's parameters, typed as the same
//! text would be typed as a literal in SQL.

use tern::sql::{Param, Params};

/// Adds `--param`'s `NAME=VALUE` to `params`. A number names a position
/// (`1=...` is `?`'s first value and `$1`), a word a name (`$name`, `:name`).
///
/// The value reads as SQL would read it as a literal: `42` a BIGINT, `4.20`
/// a DECIMAL, `1e3` a DOUBLE, `true`/`false` a BOOLEAN, `null` NULL, and
/// anything else text; `'...'` is always text (`'042'`), without the quotes.
/// Positions go to `positional` until [`finish`] puts them in order.
pub fn add(
    params: Params,
    positional: &mut Vec<Option<Param>>,
    arg: &str,
) -> Result<Params, String> {
    let (name, value) = arg
        .split_once('=')
        .filter(|(n, _)| !n.is_empty())
        .ok_or_else(|| format!("--param takes NAME=VALUE, got '{arg}'"))?;
    let value = typed(value);
    if let Ok(position) = name.parse::<usize>() {
        if position == 0 {
            return Err("--param positions count from 1".into());
        }
        if positional.len() < position {
            positional.resize(position, None);
        }
        positional[position - 1] = Some(value);
        return Ok(params);
    }
    let valid = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "--param {name}=...: a name is letters, digits and _, or a position from 1"
        ));
    }
    Ok(params.set(name, value))
}

/// `params` with the positional values added, in order; a position left out
/// (`2=...` without `1=...`) is an error.
pub fn finish(params: Params, positional: Vec<Option<Param>>) -> Result<Params, String> {
    positional
        .into_iter()
        .enumerate()
        .try_fold(params, |params, (i, value)| match value {
            Some(v) => Ok(params.push(v)),
            None => Err(format!("--param {}=... is missing", i + 1)),
        })
}

fn typed(v: &str) -> Param {
    if let Some(text) = v.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Param::Text(text.to_string());
    }
    if let Ok(i) = v.parse::<i64>() {
        return Param::Integer(i);
    }
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = v.strip_prefix('-').unwrap_or(v);
    if let Some((int, frac)) = unsigned.split_once('.') {
        if (digits(int) || int.is_empty()) && digits(frac) {
            return Param::Decimal(v.to_string());
        }
    }
    // Only what SQL would read as a number (not `inf` or `NaN`, which are text).
    if v.bytes().any(|b| b.is_ascii_digit()) && v.bytes().all(|b| b"+-.eE0123456789".contains(&b)) {
        if let Ok(f) = v.parse::<f64>() {
            return Param::Double(f);
        }
    }
    match v.to_ascii_lowercase().as_str() {
        "true" => Param::Boolean(true),
        "false" => Param::Boolean(false),
        "null" => Param::Null,
        _ => Param::Text(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: &str) -> Param {
        typed(v)
    }

    #[test]
    fn values_are_typed_as_sql_literals() {
        assert_eq!(one("42"), Param::Integer(42));
        assert_eq!(one("-7"), Param::Integer(-7));
        assert_eq!(one("4.20"), Param::Decimal("4.20".into()));
        assert_eq!(one("-.5"), Param::Decimal("-.5".into()));
        assert_eq!(one("1e3"), Param::Double(1000.0));
        assert_eq!(one("TRUE"), Param::Boolean(true));
        assert_eq!(one("null"), Param::Null);
        assert_eq!(one("'042'"), Param::Text("042".into()));
        assert_eq!(one("inf"), Param::Text("inf".into()));
        assert_eq!(one("Earth"), Param::Text("Earth".into()));
        assert_eq!(one(""), Param::Text("".into()));
        assert_eq!(one("a=b"), Param::Text("a=b".into()));
    }

    #[test]
    fn names_and_positions() {
        let mut positional = Vec::new();
        let p = add(Params::new(), &mut positional, "2=x").unwrap();
        let p = add(p, &mut positional, "1=5").unwrap();
        let p = add(p, &mut positional, "planet=Mars=red").unwrap();
        assert_eq!(
            finish(p, positional).unwrap(),
            Params::new().push(5).push("x").set("planet", "Mars=red")
        );
        let mut positional = Vec::new();
        let p = add(Params::new(), &mut positional, "2=x").unwrap();
        assert_eq!(
            finish(p, positional).unwrap_err(),
            "--param 1=... is missing"
        );
        let mut positional = Vec::new();
        for bad in ["=1", "x", "0=1", "a b=1", "$x=1"] {
            assert!(add(Params::new(), &mut positional, bad).is_err(), "{bad}");
        }
    }
}
