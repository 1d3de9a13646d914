//! The binder: SQL syntax tree to [`LogicalPlan`], resolving names against the
//! catalog and reconciling types. Expressions are in `expr`, queries in `query`.

mod aggregates;
mod dml;
mod expr;
mod file_options;
mod grouping;
mod quantified;
mod query;
mod scope;
mod window;

pub(crate) use window::EXCLUDE_MARK;

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::SchemaRef;
use sqlparser::ast;

use crate::catalog::{Catalog, TableProvider};
use crate::engine::Settings;
use crate::error::{Error, Result};
use crate::plan::{LogicalPlan, PlanSchema, ScalarValue};

/// A statement ready to run.
#[derive(Debug)]
pub enum Statement {
    /// A query.
    Query(LogicalPlan),
    /// `EXPLAIN query`: the plan, as rows.
    Explain(LogicalPlan),
    /// `EXPLAIN ANALYZE query`: the query run, its plan as rows with what
    /// each node did.
    ExplainAnalyze(LogicalPlan),
    /// `DESCRIBE t` / `SHOW COLUMNS FROM t`.
    Describe(SchemaRef),
    /// `SET name = value`.
    Set {
        /// The setting, lower case.
        name: String,
        /// Its new value.
        value: ScalarValue,
    },
    /// `CREATE TABLE name (...)` or `CREATE TABLE name AS query`.
    CreateTable {
        /// The new table's name.
        name: String,
        /// Its columns.
        schema: SchemaRef,
        /// What the table requires of rows written to it.
        rules: crate::catalog::TableRules,
        /// Rows to fill it with.
        source: Option<LogicalPlan>,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// `OR REPLACE`.
        or_replace: bool,
    },
    /// `INSERT INTO table [(columns)] query`.
    Insert {
        /// The target table.
        table: Arc<dyn TableProvider>,
        /// For each table column, the source column that fills it (NULL if none).
        mapping: Vec<Option<usize>>,
        /// The rows.
        source: LogicalPlan,
    },
    /// `UPDATE` or `DELETE`: a query over the table giving each row's new
    /// values (its columns, in order) and, last, whether the statement hit
    /// the row; the table's rows are replaced with the query's.
    Change {
        /// The table written.
        table: Arc<dyn TableProvider>,
        /// The rows, as described above.
        rows: LogicalPlan,
        /// DELETE: rows hit are dropped (UPDATE: all are kept).
        delete: bool,
    },
    /// `COPY ... TO 'file'`: a query's rows written to a file.
    Copy {
        /// The rows.
        plan: LogicalPlan,
        /// The file.
        path: String,
        /// How it is written.
        format: crate::io::OutputFormat,
    },
    /// `CREATE VIEW name AS query`.
    CreateView {
        /// The view's name.
        name: String,
        /// The view.
        view: Box<crate::catalog::View>,
        /// `OR REPLACE`.
        or_replace: bool,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP VIEW`.
    DropView {
        /// The views.
        names: Vec<String>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `DROP TABLE`.
    DropTable {
        /// The tables.
        names: Vec<String>,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// A statement accepted for compatibility that changes nothing tern computes
    /// (`CREATE INDEX`: tern scans without indexes, so results are the same).
    Accepted(&'static str),
}

/// Turns parsed statements into plans.
pub struct Binder<'a> {
    catalog: &'a Catalog,
    settings: &'a Settings,
    /// CTEs in scope, innermost WITH last.
    /// Each CTE with the number of enclosing queries where it was defined.
    ctes: Vec<HashMap<String, (Arc<crate::plan::SharedPlan>, usize)>>,
    /// Columns of the enclosing queries while binding a subquery, innermost last.
    outer: Vec<PlanSchema>,
    /// For each subquery being bound, whether it reads an enclosing query's columns.
    correlated: Vec<bool>,
    /// How deeply the expression being bound nests (see [`MAX_EXPR_DEPTH`]).
    depth: usize,
    /// The views being bound, outermost first (a view may not use itself).
    views: Vec<String>,
}

/// The deepest expression tern binds: the parser's limit
/// ([`super::depth::MAX_DEPTH`]), checked again for plans built from an AST
/// that did not come through [`super::parse`].
pub(crate) const MAX_EXPR_DEPTH: usize = super::depth::MAX_DEPTH;

impl<'a> Binder<'a> {
    /// A binder over `catalog` with session `settings`.
    pub fn new(catalog: &'a Catalog, settings: &'a Settings) -> Self {
        Binder {
            catalog,
            settings,
            ctes: Vec::new(),
            outer: Vec::new(),
            correlated: Vec::new(),
            depth: 0,
            views: Vec::new(),
        }
    }

    /// Binds one parsed statement.
    pub fn bind_statement(&mut self, stmt: &ast::Statement) -> Result<Statement> {
        match stmt {
            ast::Statement::Query(q) => Ok(Statement::Query(self.bind_query(q)?)),
            ast::Statement::Explain {
                statement, analyze, ..
            } => match statement.as_ref() {
                ast::Statement::Query(q) => {
                    let plan = self.settings.optimized(self.bind_query(q)?)?;
                    Ok(match analyze {
                        true => Statement::ExplainAnalyze(plan),
                        false => Statement::Explain(plan),
                    })
                }
                other => Err(Error::unsupported(format!("EXPLAIN of '{other}'"))),
            },
            ast::Statement::ExplainTable { table_name, .. } => self.describe(table_name),
            ast::Statement::ShowColumns { show_options, .. } => {
                let name = show_options
                    .show_in
                    .as_ref()
                    .and_then(|s| s.parent_name.as_ref())
                    .ok_or_else(|| Error::plan("SHOW COLUMNS needs FROM <table>"))?;
                self.describe(name)
            }
            ast::Statement::Set(ast::Set::SingleAssignment {
                variable, values, ..
            }) => {
                let name = variable.to_string().to_lowercase();
                if values.len() != 1 {
                    return Err(Error::plan(format!("SET {name} takes one value")));
                }
                let empty = PlanSchema::default();
                let v = match &values[0] {
                    // `SET x = true` and `SET x = on` alike.
                    ast::Expr::Identifier(id) => ScalarValue::utf8(&id.value),
                    e => {
                        let b = self.bind_expr(e, expr::Ctx::plain(&empty))?;
                        crate::exec::evaluate_constant(&b)?
                    }
                };
                Ok(Statement::Set { name, value: v })
            }
            ast::Statement::CreateTable(ct) => self.bind_create_table(ct),
            ast::Statement::Insert(ins) => self.bind_insert(ins),
            ast::Statement::Update(u) => self.bind_update(u),
            ast::Statement::Delete(d) => self.bind_delete(d),
            ast::Statement::Copy {
                source,
                to,
                target,
                options,
                legacy_options,
                payload: None,
            } if legacy_options.is_empty() => self.bind_copy(source, *to, target, options),
            ast::Statement::CreateView(cv) => {
                if cv.materialized {
                    return Err(Error::unsupported(
                        "CREATE MATERIALIZED VIEW (use CREATE TABLE ... AS)",
                    ));
                }
                let name = object_name(&cv.name);
                let view = Box::new(crate::catalog::View {
                    query: cv.query.as_ref().clone(),
                    columns: cv.columns.iter().map(|c| c.name.value.clone()).collect(),
                });
                // Bound now so a broken view fails here, not at its first use.
                let plan = self.bind_view(&name, &view)?;
                drop(plan);
                Ok(Statement::CreateView {
                    name,
                    view,
                    or_replace: cv.or_replace,
                    if_not_exists: cv.if_not_exists,
                })
            }
            ast::Statement::Drop {
                object_type: ast::ObjectType::View,
                if_exists,
                names,
                ..
            } => Ok(Statement::DropView {
                names: names.iter().map(object_name).collect(),
                if_exists: *if_exists,
            }),
            ast::Statement::Drop {
                object_type: ast::ObjectType::Table,
                if_exists,
                names,
                ..
            } => Ok(Statement::DropTable {
                names: names.iter().map(object_name).collect(),
                if_exists: *if_exists,
            }),
            ast::Statement::CreateIndex(_) => Ok(Statement::Accepted("CREATE INDEX")),
            ast::Statement::ShowFunctions { filter } => show_functions(filter.as_ref()),
            other => {
                let text = other.to_string();
                let word = text
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ");
                Err(Error::unsupported(format!("the statement '{word} ...'")))
            }
        }
    }

    fn describe(&mut self, name: &ast::ObjectName) -> Result<Statement> {
        let name = object_name(name);
        let lower = name.to_lowercase();
        if let Some((cte, _)) = self.ctes.iter().rev().find_map(|f| f.get(&lower)) {
            return Ok(Statement::Describe(cte.plan.schema().to_arrow()));
        }
        Ok(Statement::Describe(self.resolve_table(&name)?.schema()))
    }
}

/// `SHOW FUNCTIONS [LIKE 'pattern' | ILIKE 'pattern']`: the function table,
/// a row per function (`pattern` matched against each of its names).
fn show_functions(filter: Option<&ast::ShowStatementFilter>) -> Result<Statement> {
    use crate::functions::registry::functions;
    use arrow_array::{Array, StringArray};
    use arrow_schema::DataType;
    let (pattern, insensitive) = match filter {
        None => (None, false),
        Some(ast::ShowStatementFilter::Like(p) | ast::ShowStatementFilter::NoKeyword(p)) => {
            (Some(p.as_str()), false)
        }
        Some(ast::ShowStatementFilter::ILike(p)) => (Some(p.as_str()), true),
        Some(ast::ShowStatementFilter::Where(_)) => {
            return Err(Error::unsupported(
                "SHOW FUNCTIONS WHERE (use LIKE, or SELECT from a view of it)",
            ))
        }
    };
    let listed: Vec<_> = functions().collect();
    let mut keep = vec![pattern.is_none(); listed.len()];
    if let Some(p) = pattern {
        let owners: Vec<usize> = listed
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.names.iter().map(move |_| i))
            .collect();
        let names = StringArray::from_iter_values(listed.iter().flat_map(|f| f.names.iter()));
        let p = arrow_array::Scalar::new(StringArray::from(vec![p]));
        let hits = match insensitive {
            true => arrow_string::like::ilike(&names, &p)?,
            false => arrow_string::like::like(&names, &p)?,
        };
        for (i, &owner) in owners.iter().enumerate() {
            if hits.is_valid(i) && hits.value(i) {
                keep[owner] = true;
            }
        }
    }
    let text = |s: &str| crate::plan::Expr::Literal(ScalarValue::utf8(s));
    let rows = listed
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(f, _)| {
            vec![
                text(f.names[0]),
                text(f.kind.name()),
                text(f.signature),
                text(&f.names[1..].join(", ")),
                text(f.description),
            ]
        })
        .collect();
    let schema = PlanSchema::new(
        ["name", "kind", "signature", "aliases", "description"]
            .into_iter()
            .map(|n| crate::plan::PlanColumn::new(None, n, DataType::Utf8))
            .collect(),
    );
    Ok(Statement::Query(LogicalPlan::Values { rows, schema }))
}

/// A dotted name as one string (`$planets`, `schema.table`).
pub(super) fn object_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| {
            p.as_ident()
                .map(|i| i.value.clone())
                .unwrap_or_else(|| p.to_string())
        })
        .collect::<Vec<_>>()
        .join(".")
}
