//! Statements that write: CREATE TABLE, INSERT, UPDATE, DELETE and COPY.
//!
//! UPDATE and DELETE are bound as a query over the table that gives every
//! column's new value and whether the row was hit (the WHERE condition IS
//! TRUE); the engine runs it over a snapshot and swaps the table's rows for
//! the result in one step, so a failing statement changes nothing.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use sqlparser::ast;

use super::expr::{cast, Ctx};
use super::query::condition;
use super::{object_name, Binder, Statement};
use crate::catalog::{ColumnRule, TableProvider, TableRules, UniqueKey};
use crate::error::{Error, Result};
use crate::io::OutputFormat;
use crate::plan::{Expr, LogicalPlan, PlanColumn, PlanSchema, ScalarValue};
use crate::types::sql_to_arrow;

impl Binder<'_> {
    pub(super) fn bind_create_table(&mut self, ct: &ast::CreateTable) -> Result<Statement> {
        let name = object_name(&ct.name);
        let source = ct.query.as_ref().map(|q| self.bind_query(q)).transpose()?;
        let mut rules = TableRules::default();
        let schema = match &source {
            Some(plan) if ct.columns.is_empty() => plan.schema().to_arrow(),
            _ => {
                if ct.columns.is_empty() {
                    return Err(Error::plan("CREATE TABLE needs columns or AS query"));
                }
                let mut fields = Vec::with_capacity(ct.columns.len());
                for (i, c) in ct.columns.iter().enumerate() {
                    let t = sql_to_arrow(&c.data_type)?;
                    if fields
                        .iter()
                        .any(|f: &Field| f.name().eq_ignore_ascii_case(&c.name.value))
                    {
                        return Err(Error::plan(format!(
                            "CREATE TABLE names column '{}' twice",
                            c.name.value
                        )));
                    }
                    let (rule, key) = self.column_rule(c, &t)?;
                    rules.columns.push(rule);
                    if let Some(primary) = key {
                        rules.keys.push(UniqueKey {
                            columns: vec![i],
                            primary,
                        });
                    }
                    fields.push(Field::new(&c.name.value, t, true));
                }
                Arc::new(Schema::new(fields))
            }
        };
        rules.checks = self.bind_checks(ct, &schema)?;
        for c in &ct.constraints {
            let (columns, primary) = match c {
                ast::TableConstraint::PrimaryKey(k) => (&k.columns, true),
                ast::TableConstraint::Unique(k) => (&k.columns, false),
                ast::TableConstraint::Check(_) => continue,
                other => {
                    return Err(Error::unsupported(format!(
                        "the table constraint '{other}' (tern keeps NOT NULL, DEFAULT, \
                         PRIMARY KEY, UNIQUE and CHECK)"
                    )))
                }
            };
            let columns = columns
                .iter()
                .map(|k| match &k.column.expr {
                    ast::Expr::Identifier(id) => column_index(&schema, &id.value),
                    other => Err(Error::unsupported(format!(
                        "a key on the expression {other}"
                    ))),
                })
                .collect::<Result<Vec<_>>>()?;
            rules
                .columns
                .resize(schema.fields().len(), ColumnRule::default());
            if primary {
                columns
                    .iter()
                    .for_each(|&i| rules.columns[i].not_null = true);
            }
            rules.keys.push(UniqueKey { columns, primary });
        }
        if rules.keys.iter().filter(|k| k.primary).count() > 1 {
            return Err(Error::plan(format!(
                "table '{name}' has more than one PRIMARY KEY"
            )));
        }
        Ok(Statement::CreateTable {
            name,
            schema,
            rules,
            source,
            if_not_exists: ct.if_not_exists,
            or_replace: ct.or_replace,
        })
    }

    /// The table's CHECK constraints, written on columns or on the table,
    /// each a condition over the table's columns.
    fn bind_checks(
        &mut self,
        ct: &ast::CreateTable,
        schema: &Schema,
    ) -> Result<Vec<crate::catalog::TableCheck>> {
        let on_columns = ct.columns.iter().flat_map(|c| {
            c.options.iter().filter_map(|o| match &o.option {
                ast::ColumnOption::Check(k) => Some(k),
                _ => None,
            })
        });
        let on_table = ct.constraints.iter().filter_map(|c| match c {
            ast::TableConstraint::Check(k) => Some(k),
            _ => None,
        });
        let columns = PlanSchema::new(
            schema
                .fields()
                .iter()
                .map(|f| PlanColumn::new(None, f.name(), f.data_type().clone()))
                .collect(),
        );
        let mut checks = Vec::new();
        for k in on_columns.chain(on_table) {
            let (b, t) = self.bind_typed(&k.expr, Ctx::plain(&columns))?;
            if b.contains_subquery() {
                return Err(Error::unsupported(format!(
                    "a subquery in CHECK ({})",
                    k.expr
                )));
            }
            checks.push(crate::catalog::TableCheck {
                condition: condition(b, t, "CHECK")?,
                text: k.expr.to_string(),
            });
        }
        Ok(checks)
    }

    /// A column's NOT NULL and DEFAULT, and whether it is a PRIMARY KEY
    /// (`Some(true)`) or UNIQUE (`Some(false)`) by itself. Other column
    /// options are errors rather than rules silently not kept.
    fn column_rule(
        &mut self,
        c: &ast::ColumnDef,
        t: &DataType,
    ) -> Result<(ColumnRule, Option<bool>)> {
        let mut rule = ColumnRule::default();
        let mut key = None;
        for o in &c.options {
            match &o.option {
                ast::ColumnOption::Null => rule.not_null = false,
                ast::ColumnOption::NotNull => rule.not_null = true,
                ast::ColumnOption::PrimaryKey(_) => {
                    rule.not_null = true;
                    key = Some(true);
                }
                ast::ColumnOption::Unique(_) => key = key.or(Some(false)),
                ast::ColumnOption::Default(e) => {
                    let empty = PlanSchema::default();
                    let (b, bt) = self.bind_typed(e, Ctx::plain(&empty))?;
                    rule.default = Some(cast(b, &bt, t)?);
                }
                // Bound once every column is known (see `bind_checks`).
                ast::ColumnOption::Check(_) => {}
                other => {
                    return Err(Error::unsupported(format!(
                        "the column option '{other}' on '{}' (tern keeps NOT NULL, DEFAULT, \
                         PRIMARY KEY, UNIQUE and CHECK)",
                        c.name.value
                    )))
                }
            }
        }
        Ok((rule, key))
    }

    pub(super) fn bind_insert(&mut self, ins: &ast::Insert) -> Result<Statement> {
        let name = match &ins.table {
            ast::TableObject::TableName(n) => object_name(n),
            other => return Err(Error::unsupported(format!("INSERT INTO {other}"))),
        };
        let table = self.catalog.resolve(&name)?;
        let source = ins
            .source
            .as_ref()
            .ok_or_else(|| Error::unsupported("INSERT without a query or VALUES"))?;
        let source = self.bind_query(source)?;
        let schema = table.schema();
        let targets: Vec<usize> = if ins.columns.is_empty() {
            (0..schema.fields().len()).collect()
        } else {
            ins.columns
                .iter()
                .map(|c| column_index(&schema, &object_name(c)))
                .collect::<Result<_>>()?
        };
        if targets.len() != source.schema().len() {
            return Err(Error::plan(format!(
                "INSERT names {} columns but the query gives {}",
                targets.len(),
                source.schema().len()
            )));
        }
        let mut mapping = vec![None; schema.fields().len()];
        for (src, &t) in targets.iter().enumerate() {
            if mapping[t].replace(src).is_some() {
                return Err(Error::plan(format!(
                    "INSERT names column '{}' twice",
                    schema.field(t).name()
                )));
            }
        }
        let source = with_defaults(source, table.column_rules(), &mut mapping);
        Ok(Statement::Insert {
            table,
            mapping,
            source,
        })
    }

    pub(super) fn bind_update(&mut self, u: &ast::Update) -> Result<Statement> {
        if !u.table.joins.is_empty() || u.from.is_some() {
            return Err(Error::unsupported(
                "UPDATE ... FROM (read other tables in a subquery in SET or WHERE)",
            ));
        }
        if u.returning.is_some() || u.limit.is_some() || !u.order_by.is_empty() || u.or.is_some() {
            return Err(Error::unsupported(
                "UPDATE with RETURNING, ORDER BY, LIMIT or OR",
            ));
        }
        let (table, scan) = self.target(&u.table.relation, "UPDATE")?;
        let schema = scan.schema().clone();
        let hit = self.hit(u.selection.as_ref(), &schema)?;
        let mut exprs: Vec<Expr> = (0..schema.len())
            .map(|i| Expr::column(&schema, i))
            .collect();
        let mut set = vec![false; schema.len()];
        let fields = table.schema();
        for a in &u.assignments {
            let ast::AssignmentTarget::ColumnName(column) = &a.target else {
                return Err(Error::unsupported("UPDATE ... SET (a, b) = ..."));
            };
            // `SET t.c = ...` names the column `c`.
            let name = column
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.clone())
                .unwrap_or_default();
            let i = column_index(&fields, &name)?;
            if std::mem::replace(&mut set[i], true) {
                return Err(Error::plan(format!("UPDATE sets column '{name}' twice")));
            }
            let (v, vt) = self.bind_typed(&a.value, Ctx::plain(&schema))?;
            let v = cast(v, &vt, fields.field(i).data_type())?;
            exprs[i] = match &hit {
                Expr::Literal(_) => v,
                cond => Expr::Case {
                    whens: vec![(cond.clone(), v)],
                    else_expr: Some(Box::new(exprs[i].clone())),
                },
            };
        }
        Ok(Statement::Change {
            table,
            rows: with_hit(scan, exprs, hit),
            delete: false,
        })
    }

    pub(super) fn bind_delete(&mut self, d: &ast::Delete) -> Result<Statement> {
        let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
            &d.from;
        let [only] = from.as_slice() else {
            return Err(Error::unsupported("DELETE from more than one table"));
        };
        if !only.joins.is_empty()
            || !d.tables.is_empty()
            || d.using.is_some()
            || d.returning.is_some()
            || d.limit.is_some()
            || !d.order_by.is_empty()
        {
            return Err(Error::unsupported(
                "DELETE with USING, joins, RETURNING, ORDER BY or LIMIT",
            ));
        }
        let (table, scan) = self.target(&only.relation, "DELETE")?;
        let schema = scan.schema().clone();
        let hit = self.hit(d.selection.as_ref(), &schema)?;
        let exprs = (0..schema.len())
            .map(|i| Expr::column(&schema, i))
            .collect();
        Ok(Statement::Change {
            table,
            rows: with_hit(scan, exprs, hit),
            delete: true,
        })
    }

    /// The table an UPDATE or DELETE writes to (a table of the engine's own,
    /// not a file or a view), and a scan of it.
    fn target(
        &mut self,
        relation: &ast::TableFactor,
        what: &str,
    ) -> Result<(Arc<dyn TableProvider>, LogicalPlan)> {
        let ast::TableFactor::Table {
            name, args: None, ..
        } = relation
        else {
            return Err(Error::unsupported(format!("{what} of '{relation}'")));
        };
        // A file is found too, to be refused as read-only by name.
        let table = self.resolve_table(&object_name(name))?;
        let scan = self.bind_table_factor(relation)?;
        Ok((table, scan))
    }

    /// `cond IS TRUE` for a WHERE condition over `schema` (TRUE without one).
    fn hit(&mut self, selection: Option<&ast::Expr>, schema: &PlanSchema) -> Result<Expr> {
        let Some(c) = selection else {
            return Ok(Expr::Literal(ScalarValue::boolean(true)));
        };
        let (e, t) = self.bind_typed(c, Ctx::plain(schema))?;
        Ok(Expr::IsBool {
            expr: Box::new(condition(e, t, "WHERE")?),
            value: true,
            negated: false,
        })
    }

    /// `COPY table|(query) TO 'file' [(FORMAT f, HEADER, DELIMITER d)]`, and
    /// `COPY table FROM 'file'` (an INSERT of the file's rows).
    pub(super) fn bind_copy(
        &mut self,
        source: &ast::CopySource,
        to: bool,
        target: &ast::CopyTarget,
        options: &[ast::CopyOption],
    ) -> Result<Statement> {
        let ast::CopyTarget::File { filename } = target else {
            return Err(Error::unsupported(format!("COPY {target}")));
        };
        let mut format = OutputFormat::from_path(filename.as_ref());
        for o in options {
            match o {
                ast::CopyOption::Format(f) => {
                    format = Some(OutputFormat::from_name(&f.value.to_lowercase()).ok_or_else(
                        || Error::plan(format!("COPY: unknown FORMAT '{}'", f.value)),
                    )?)
                }
                ast::CopyOption::Header(true) => {}
                ast::CopyOption::Delimiter(',') => {}
                ast::CopyOption::Delimiter('\t') => format = Some(OutputFormat::Tsv),
                other => {
                    return Err(Error::unsupported(format!(
                        "the COPY option '{other}' (FORMAT, HEADER and a ',' or tab DELIMITER are)"
                    )))
                }
            }
        }
        crate::catalog::access::check_location(self.settings, filename)?;
        if crate::io::split_scheme(filename).is_some() {
            return Err(Error::unsupported(
                "COPY to or from a URL (a local file path is)",
            ));
        }
        match (source, to) {
            (ast::CopySource::Query(q), true) => Ok(Statement::Copy {
                plan: self.bind_query(q)?,
                path: filename.clone(),
                format: format.unwrap_or(OutputFormat::Csv),
            }),
            (
                ast::CopySource::Table {
                    table_name,
                    columns,
                },
                true,
            ) => {
                let relation = table_factor(table_name.clone());
                let mut plan = self.bind_table_factor(&relation)?;
                if !columns.is_empty() {
                    let schema = plan.schema().clone();
                    let picks = columns
                        .iter()
                        .map(|c| column_index(&schema.to_arrow(), &c.value))
                        .collect::<Result<Vec<_>>>()?;
                    let exprs = picks.iter().map(|&i| Expr::column(&schema, i)).collect();
                    let out = PlanSchema::new(
                        picks
                            .iter()
                            .map(|&i| {
                                let c = &schema.columns[i];
                                PlanColumn::new(None, c.name.clone(), c.data_type.clone())
                            })
                            .collect(),
                    );
                    plan = LogicalPlan::Project {
                        input: Box::new(plan),
                        exprs,
                        schema: out,
                    };
                }
                Ok(Statement::Copy {
                    plan,
                    path: filename.clone(),
                    format: format.unwrap_or(OutputFormat::Csv),
                })
            }
            (
                ast::CopySource::Table {
                    table_name,
                    columns,
                },
                false,
            ) => {
                if !columns.is_empty() {
                    return Err(Error::unsupported("COPY table (columns) FROM"));
                }
                let table = self.catalog.resolve(&object_name(table_name))?;
                let file = ast::ObjectName::from(vec![ast::Ident::with_quote('\'', filename)]);
                let source = self.bind_table_factor(&table_factor(file))?;
                let n = table.schema().fields().len();
                if source.schema().len() != n {
                    return Err(Error::plan(format!(
                        "COPY FROM: '{filename}' has {} columns, the table {n}",
                        source.schema().len()
                    )));
                }
                Ok(Statement::Insert {
                    table,
                    mapping: (0..n).map(Some).collect(),
                    source,
                })
            }
            (ast::CopySource::Query(_), false) => Err(Error::plan("COPY (query) FROM is not SQL")),
        }
    }
}

/// A FROM item naming `name`.
fn table_factor(name: ast::ObjectName) -> ast::TableFactor {
    ast::TableFactor::Table {
        name,
        alias: None,
        args: None,
        with_hints: vec![],
        version: None,
        with_ordinality: false,
        partitions: vec![],
        json_path: None,
        sample: None,
        index_directives: vec![],
        inheritance: None,
    }
}

/// Where `name` is among `schema`'s columns (case-insensitive).
fn column_index(schema: &Schema, name: &str) -> Result<usize> {
    schema
        .fields()
        .iter()
        .position(|f| f.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Error::unknown_column(name, schema.fields().iter().map(|f| f.name().clone()))
        })
}

/// `scan` projected to `exprs` (the table's columns) and a last column, `hit`.
fn with_hit(scan: LogicalPlan, mut exprs: Vec<Expr>, hit: Expr) -> LogicalPlan {
    let input = scan.schema().clone();
    let mut columns: Vec<PlanColumn> = input
        .columns
        .iter()
        .zip(&exprs)
        .map(|(c, e)| PlanColumn::new(None, c.name.clone(), e.data_type(&input)))
        .collect();
    columns.push(PlanColumn::new(None, "hit", DataType::Boolean));
    exprs.push(hit);
    LogicalPlan::Project {
        input: Box::new(scan),
        exprs,
        schema: PlanSchema::new(columns),
    }
}

/// `source` with a column for each DEFAULT of a table column the INSERT
/// leaves out, and `mapping` pointing at it.
fn with_defaults(
    source: LogicalPlan,
    rules: &[ColumnRule],
    mapping: &mut [Option<usize>],
) -> LogicalPlan {
    let defaults: Vec<(usize, &Expr)> = mapping
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_none())
        .filter_map(|(i, _)| Some((i, rules.get(i)?.default.as_ref()?)))
        .collect();
    if defaults.is_empty() {
        return source;
    }
    let input = source.schema().clone();
    let empty = PlanSchema::default();
    let mut exprs: Vec<Expr> = (0..input.len()).map(|i| Expr::column(&input, i)).collect();
    let mut columns: Vec<PlanColumn> = input
        .columns
        .iter()
        .map(|c| PlanColumn::new(None, c.name.clone(), c.data_type.clone()))
        .collect();
    for (i, default) in defaults {
        mapping[i] = Some(exprs.len());
        columns.push(PlanColumn::new(None, "default", default.data_type(&empty)));
        exprs.push(default.clone());
    }
    LogicalPlan::Project {
        input: Box::new(source),
        exprs,
        schema: PlanSchema::new(columns),
    }
}
