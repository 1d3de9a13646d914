//! Name resolution: which input column a (possibly qualified) name means.

use crate::error::{Error, Result};
use crate::plan::PlanSchema;

/// Finds `name` (qualified by `qualifier` when given) among `schema`'s columns.
/// Names compare case-insensitively; when that leaves several columns, an exact
/// match of case wins, otherwise the name is ambiguous.
pub(super) fn resolve(
    schema: &PlanSchema,
    qualifier: Option<&str>,
    name: &str,
) -> Result<Option<usize>> {
    let matches_name = |c: &crate::plan::PlanColumn| {
        c.name.eq_ignore_ascii_case(name)
            || c.aka
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(name))
    };
    let found: Vec<usize> = schema
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| match qualifier {
            Some(q) => {
                c.qualifier
                    .as_deref()
                    .is_some_and(|cq| cq.eq_ignore_ascii_case(q))
                    && matches_name(c)
            }
            None => !c.hidden && matches_name(c),
        })
        .map(|(i, _)| i)
        .collect();
    match found.len() {
        0 => Ok(None),
        1 => Ok(Some(found[0])),
        _ => {
            let exact: Vec<usize> = found
                .iter()
                .copied()
                .filter(|&i| schema.columns[i].name == name)
                .collect();
            if exact.len() == 1 {
                return Ok(Some(exact[0]));
            }
            let sources: Vec<String> = found
                .iter()
                .map(|&i| match &schema.columns[i].qualifier {
                    Some(q) => format!("{q}.{}", schema.columns[i].name),
                    None => schema.columns[i].name.clone(),
                })
                .collect();
            Err(Error::Ambiguous(format!(
                "'{name}' could be any of {}; qualify it",
                sources.join(", ")
            )))
        }
    }
}

/// The names a user could have meant, for "did you mean" suggestions.
pub(super) fn candidates(schema: &PlanSchema) -> Vec<String> {
    schema
        .columns
        .iter()
        .filter(|c| !c.hidden)
        .map(|c| c.name.clone())
        .collect()
}

/// Whether any column carries `qualifier`.
pub(super) fn has_qualifier(schema: &PlanSchema, qualifier: &str) -> bool {
    schema.columns.iter().any(|c| {
        c.qualifier
            .as_deref()
            .is_some_and(|q| q.eq_ignore_ascii_case(qualifier))
    })
}
