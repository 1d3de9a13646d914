//! Query parameters: values bound to the placeholders of a parsed statement.
//!
//! A parameter is written `?` (the next value by position), `$1` (the first
//! value), or `$name` / `:name` (the value named `name`). Values are put into
//! the parsed statement as literal nodes — never spliced into the SQL text —
//! so a value can never change what the statement does: `'x'' OR 1=1 --'` is
//! one string, whatever it holds.

use std::collections::{HashMap, HashSet};

use sqlparser::ast::{
    self, visit_expressions, visit_expressions_mut, CastKind, Expr as A, Ident, Value,
};
use std::ops::ControlFlow;

use crate::error::{Error, Result};

/// One value bound to a query parameter.
///
/// Integers, doubles, text and booleans convert with `into()`; the types
/// without a Rust literal (dates, timestamps, decimals) carry their text
/// form, which the engine casts to the type:
///
/// ```
/// use engine_core::sql::Param;
/// let p: Param = 42.into();
/// assert_eq!(p, Param::Integer(42));
/// let d = Param::Date("2024-02-29".into());
/// assert!(matches!(d, Param::Date(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Param {
    /// SQL NULL.
    Null,
    /// A BOOLEAN.
    Boolean(bool),
    /// A BIGINT.
    Integer(i64),
    /// A DOUBLE (NaN and the infinities too).
    Double(f64),
    /// A VARCHAR.
    Text(String),
    /// A DECIMAL written in plain digits, such as `12.50` (its scale is the
    /// digits after the point) or `123456789012345678901234567890`.
    Decimal(String),
    /// A DATE as `YYYY-MM-DD`.
    Date(String),
    /// A TIMESTAMP as `YYYY-MM-DD HH:MM:SS[.ffffff]`; with a UTC offset
    /// (`+02:00`) it is converted to UTC.
    Timestamp(String),
    /// A BLOB.
    Blob(Vec<u8>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Integer(v)
    }
}

impl From<i32> for Param {
    fn from(v: i32) -> Self {
        Param::Integer(v.into())
    }
}

impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Double(v)
    }
}

impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Boolean(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// The values for a statement's parameters: by position (`?`, `$1`) and by
/// name (`$name`, `:name`).
///
/// Every parameter the SQL uses needs a value, and every value given must be
/// used; either mistake is an error before anything runs.
///
/// ```
/// use engine_core::sql::Params;
/// let engine = engine_core::Engine::new();
/// engine.query("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) v(id, name)").unwrap();
/// let by_position = Params::new().push(2);
/// let r = engine.query_params("SELECT name FROM t WHERE id = ?", &by_position).unwrap();
/// assert_eq!(r.num_rows(), 1);
/// let by_name = Params::new().set("name", "a' OR 1=1 --");
/// let r = engine.query_params("SELECT id FROM t WHERE name = $name", &by_name).unwrap();
/// assert_eq!(r.num_rows(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    positional: Vec<Param>,
    named: HashMap<String, Param>,
}

impl Params {
    /// No values.
    pub fn new() -> Self {
        Params::default()
    }

    /// Adds the value of the next positional parameter.
    pub fn push(mut self, value: impl Into<Param>) -> Self {
        self.positional.push(value.into());
        self
    }

    /// Sets the value of the parameter `name` (written `$name` or `:name`).
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Param>) -> Self {
        self.named.insert(name.into(), value.into());
        self
    }

    /// Whether no value was given.
    pub fn is_empty(&self) -> bool {
        self.positional.is_empty() && self.named.is_empty()
    }
}

/// Where a parameter takes its value from.
enum Slot {
    Position(usize),
    Name(String),
}

/// Replaces every parameter in `statements` by its value from `params`.
pub(crate) fn bind(statements: &mut [ast::Statement], params: &Params) -> Result<()> {
    // `?` numbers count in the order the marks are written, which is not
    // always the order the tree is visited in: sort them by position.
    let mut marks = Vec::new();
    for statement in statements.iter() {
        let _ = visit_expressions(statement, |e| {
            if let A::Value(v) = e {
                if matches!(&v.value, Value::Placeholder(p) if p == "?") {
                    marks.push(v.span.start);
                }
            }
            ControlFlow::<()>::Continue(())
        });
    }
    marks.sort_by_key(|l| (l.line, l.column));
    let mut used_positions = vec![false; params.positional.len()];
    let mut used_names = HashSet::new();
    for statement in statements.iter_mut() {
        let flow = visit_expressions_mut(statement, |e| {
            let (slot, written, at) = match &*e {
                A::Value(v) => match &v.value {
                    Value::Placeholder(p) if p == "?" => {
                        let at = v.span.start;
                        let n = marks
                            .binary_search_by_key(&(at.line, at.column), |l| (l.line, l.column));
                        (Slot::Position(n.unwrap_or(0)), p.clone(), at)
                    }
                    Value::Placeholder(p) => match slot(p) {
                        Some(s) => (s, p.clone(), v.span.start),
                        None => return ControlFlow::Continue(()),
                    },
                    _ => return ControlFlow::Continue(()),
                },
                A::Identifier(Ident {
                    value,
                    quote_style: None,
                    span,
                }) => match slot(value) {
                    // `$name` is an identifier to the parser: a parameter
                    // only when a value has that name (or it is `$N`), so a
                    // column really called `$x` still reads as one.
                    Some(Slot::Name(n)) if !params.named.contains_key(&n) => {
                        return ControlFlow::Continue(())
                    }
                    Some(s) => (s, value.clone(), span.start),
                    None => return ControlFlow::Continue(()),
                },
                _ => return ControlFlow::Continue(()),
            };
            let value = match &slot {
                Slot::Position(i) => params.positional.get(*i).inspect(|_| {
                    used_positions[*i] = true;
                }),
                Slot::Name(n) => params.named.get(n).inspect(|_| {
                    used_names.insert(n.clone());
                }),
            };
            match value {
                Some(v) => {
                    *e = expr(v);
                    ControlFlow::Continue(())
                }
                None => ControlFlow::Break(Error::Syntax {
                    message: match slot {
                        Slot::Position(i) => format!(
                            "no value for parameter {written} (parameter {} by position; {} given)",
                            // `$0` is usize::MAX, which reads back as 0.
                            i.wrapping_add(1),
                            params.positional.len()
                        ),
                        Slot::Name(_) => format!("no value for parameter {written}"),
                    },
                    line: at.line,
                    column: at.column,
                }),
            }
        });
        if let ControlFlow::Break(e) = flow {
            return Err(e);
        }
    }
    if let Some(i) = used_positions.iter().position(|used| !used) {
        return Err(Error::Syntax {
            message: format!(
                "{} values were given by position but the SQL uses {}; value {} has no parameter",
                params.positional.len(),
                used_positions.iter().filter(|u| **u).count(),
                i + 1
            ),
            line: 0,
            column: 0,
        });
    }
    let mut unused: Vec<&String> = params
        .named
        .keys()
        .filter(|n| !used_names.contains(*n))
        .collect();
    unused.sort();
    if let Some(name) = unused.first() {
        return Err(Error::Syntax {
            message: format!("the SQL has no parameter ${name} (nor :{name})"),
            line: 0,
            column: 0,
        });
    }
    Ok(())
}

/// The slot `$1` / `$name` / `:name` names (`None` for any other text).
fn slot(written: &str) -> Option<Slot> {
    let name = written.strip_prefix(['$', ':'])?;
    if name.is_empty() {
        return None;
    }
    if name.bytes().all(|b| b.is_ascii_digit()) {
        // `$0` is no position: report it as one past the end, as a missing value.
        let n: usize = name.parse().ok()?;
        return Some(Slot::Position(n.checked_sub(1).unwrap_or(usize::MAX)));
    }
    Some(Slot::Name(name.to_string()))
}

/// The literal node that stands for `value`.
fn expr(value: &Param) -> A {
    let text = |s: &str| A::Value(Value::SingleQuotedString(s.to_string()).into());
    let cast = |s: &str, data_type| A::Cast {
        kind: CastKind::Cast,
        expr: Box::new(text(s)),
        data_type,
        format: None,
    };
    match value {
        Param::Null => A::Value(Value::Null.into()),
        Param::Boolean(b) => A::Value(Value::Boolean(*b).into()),
        Param::Integer(i) => A::Value(Value::Number(i.to_string(), false).into()),
        // The shortest text that reads back as the same double (NaN, inf too).
        Param::Double(f) => cast(
            &f.to_string(),
            ast::DataType::Double(ast::ExactNumberInfo::None),
        ),
        Param::Text(s) => text(s),
        // Whole numbers past BIGINT (a literal would read them as DOUBLE).
        Param::Decimal(s) if !s.contains('.') => {
            let digits = s.trim_start_matches('-').len() as u64;
            let info = ast::ExactNumberInfo::PrecisionAndScale(digits.max(1), 0);
            cast(s, ast::DataType::Decimal(info))
        }
        Param::Decimal(s) => match s.strip_prefix('-') {
            // A literal has no sign: `-12.5` is the negation of `12.5`.
            Some(digits) => A::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr: Box::new(A::Value(Value::Number(digits.to_string(), false).into())),
            },
            None => A::Value(Value::Number(s.clone(), false).into()),
        },
        Param::Date(s) => cast(s, ast::DataType::Date),
        Param::Timestamp(s) => cast(
            s,
            ast::DataType::Timestamp(None, ast::TimezoneInfo::WithTimeZone),
        ),
        Param::Blob(b) => {
            use std::fmt::Write;
            // One string for all the digits, not one per byte.
            let mut hex = String::with_capacity(2 * b.len());
            for x in b {
                let _ = write!(hex, "{x:02x}");
            }
            A::Value(Value::HexStringLiteral(hex).into())
        }
    }
}
