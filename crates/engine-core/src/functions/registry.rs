//! The function table: each function's names, kind, signature and one-line
//! description. The binder finds functions here by name and `SHOW
//! FUNCTIONS` lists this table, so the two cannot disagree. Each family
//! keeps its part beside its code (`string::FUNCTIONS`, `math::FUNCTIONS`,
//! ...). The parts are constants: nothing is built at start-up, and a lookup
//! is a scan of a few hundred short names, done only while binding a call.

use super::ScalarFunc;
use crate::plan::{AggFunc, WindowFunc};

/// What a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    /// A function of each row's values.
    Scalar(ScalarFunc),
    /// A function of a group's rows (and, for some, over a window).
    Aggregate(AggFunc),
    /// A function of a row's place in its window (needs `OVER`).
    Window(WindowFunc),
    /// A table in FROM (`generate_series`, `range`).
    Table(ScalarFunc),
    /// A table in FROM reading files in a format (`read_csv`, ...).
    Files(crate::io::FileFormat),
}

impl FunctionKind {
    /// The kind's name as SHOW FUNCTIONS gives it.
    pub fn name(self) -> &'static str {
        match self {
            FunctionKind::Scalar(_) => "scalar",
            FunctionKind::Aggregate(_) => "aggregate",
            FunctionKind::Window(_) => "window",
            FunctionKind::Table(_) | FunctionKind::Files(_) => "table",
        }
    }
}

/// One function of the table.
#[derive(Debug)]
pub struct FunctionDef {
    /// Its names, lower case; the first is the one listed, the others are aliases.
    pub names: &'static [&'static str],
    /// What it is.
    pub kind: FunctionKind,
    /// How it is called, with argument and result types.
    pub signature: &'static str,
    /// What it computes, in one line.
    pub description: &'static str,
}

/// Shorthand for the family tables.
pub(super) const fn def(
    names: &'static [&'static str],
    kind: FunctionKind,
    signature: &'static str,
    description: &'static str,
) -> FunctionDef {
    FunctionDef {
        names,
        kind,
        signature,
        description,
    }
}

/// JSON's part, with the `json` feature.
#[cfg(feature = "json")]
const JSON: &[FunctionDef] = super::json::FUNCTIONS;
#[cfg(not(feature = "json"))]
const JSON: &[FunctionDef] = &[];

/// The scalar (and table) families.
const SCALAR: &[&[FunctionDef]] = &[
    super::string::FUNCTIONS,
    super::regex::FUNCTIONS,
    super::math::FUNCTIONS,
    super::conditional::FUNCTIONS,
    super::datetime::FUNCTIONS,
    super::list::FUNCTIONS,
    super::list_shape::FUNCTIONS,
    JSON,
];

/// The other families, listed after the scalar ones.
const OTHERS: &[&[FunctionDef]] = &[
    super::list::READERS,
    super::aggregates::FUNCTIONS,
    super::windows::FUNCTIONS,
];

/// Every function, family by family.
///
/// ```
/// use engine_core::functions::registry::functions;
/// assert!(functions().any(|f| f.names.contains(&"upper")));
/// ```
pub fn functions() -> impl Iterator<Item = &'static FunctionDef> {
    SCALAR.iter().chain(OTHERS).flat_map(|f| f.iter())
}

/// The function of `families` called `name` (lower case).
fn find(families: &[&'static [FunctionDef]], name: &str) -> Option<FunctionKind> {
    families
        .iter()
        .flat_map(|f| f.iter())
        .find(|f| f.names.contains(&name))
        .map(|f| f.kind)
}

/// The scalar or table function called `name` (lower case). Each kind is
/// looked up in its own families: every call the binder meets is first
/// asked whether it is an aggregate, which scans the aggregates alone.
pub fn scalar(name: &str) -> Option<ScalarFunc> {
    match find(SCALAR, name)? {
        FunctionKind::Scalar(f) | FunctionKind::Table(f) => Some(f),
        _ => None,
    }
}

/// The format the file-reading table function `name` (lower case) reads.
pub fn reader(name: &str) -> Option<crate::io::FileFormat> {
    match find(&[super::list::READERS], name)? {
        FunctionKind::Files(f) => Some(f),
        _ => None,
    }
}

/// The aggregate called `name` (lower case).
pub fn aggregate(name: &str) -> Option<AggFunc> {
    match find(&[super::aggregates::FUNCTIONS], name)? {
        FunctionKind::Aggregate(a) => Some(a),
        _ => None,
    }
}

/// The window function called `name` (lower case).
pub fn window(name: &str) -> Option<WindowFunc> {
    match find(&[super::windows::FUNCTIONS], name)? {
        FunctionKind::Window(w) => Some(w),
        _ => None,
    }
}

/// Every name (aliases too), for "did you mean" suggestions.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    functions().flat_map(|f| f.names.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each family holds its own kind of function, no name means two
    /// functions of one kind, and every function says what it is.
    #[test]
    fn names_are_unique_per_kind_and_described() {
        let scalar = |k| matches!(k, FunctionKind::Scalar(_) | FunctionKind::Table(_));
        assert!(SCALAR.iter().flat_map(|f| f.iter()).all(|f| scalar(f.kind)));
        assert!(super::super::aggregates::FUNCTIONS
            .iter()
            .all(|f| matches!(f.kind, FunctionKind::Aggregate(_))));
        assert!(super::super::windows::FUNCTIONS
            .iter()
            .all(|f| matches!(f.kind, FunctionKind::Window(_))));
        let all: Vec<&FunctionDef> = functions().collect();
        for (i, f) in all.iter().enumerate() {
            assert!(
                !f.description.is_empty() && !f.signature.is_empty(),
                "{:?}",
                f.names
            );
            for g in &all[i + 1..] {
                let same_kind = std::mem::discriminant(&f.kind) == std::mem::discriminant(&g.kind);
                for n in f.names {
                    assert!(!(same_kind && g.names.contains(n)), "'{n}' twice");
                }
            }
        }
    }
}
