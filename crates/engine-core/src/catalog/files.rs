//! Tables over files: one file, a glob (`data/*.parquet`, `logs/**/*.jsonl`) or
//! a folder (every readable file below it).
//!
//! The table's schema is the union of its files' schemas: a column missing from
//! a file reads as NULL there, and a column whose type differs between files is
//! widened to their common type; types with none are an error naming both files.
//! A scan opens the files one after another and streams their batches.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{Field, Schema, SchemaRef};

use super::{BatchIter, TableProvider};
use crate::error::{Error, Result};
use crate::io::{infer_schema, read, FileFormat};
use crate::types::common_type;

/// A table backed by files of one format.
#[derive(Debug)]
pub struct FileTable {
    files: Vec<(PathBuf, SchemaRef)>,
    format: FileFormat,
    schema: SchemaRef,
}

/// Whether a table name written in SQL looks like a path rather than a table:
/// it has a readable extension, a path separator or a glob character.
pub fn looks_like_path(name: &str) -> bool {
    name.contains('/')
        || name.contains('\\')
        || name.contains('*')
        || name.contains('?')
        || FileFormat::from_path(Path::new(name)).is_some()
}

impl FileTable {
    /// A table over `location`: a file, a glob or a folder.
    ///
    /// ```no_run
    /// let t = engine_core::catalog::FileTable::open("data/*.parquet").unwrap();
    /// ```
    pub fn open(location: &str) -> Result<Self> {
        let paths = expand(location)?;
        let mut format: Option<FileFormat> = None;
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            let f = FileFormat::from_path(&p).ok_or_else(|| {
                Error::plan(format!("cannot tell the format of '{}' from its extension (csv, tsv, jsonl, arrow, parquet)", p.display()))
            })?;
            match format {
                None => format = Some(f),
                Some(prev) if prev != f => {
                    return Err(Error::plan(format!(
                        "'{location}' mixes formats ({prev:?} and {f:?} in '{}'); one table reads one format",
                        p.display()
                    )))
                }
                _ => {}
            }
            let schema = infer_schema(&p, f)?;
            files.push((p, schema));
        }
        let format =
            format.ok_or_else(|| Error::plan(format!("no readable files in '{location}'")))?;
        let schema = merge_schemas(&files)?;
        Ok(FileTable {
            files,
            format,
            schema,
        })
    }
}

/// The files a location names, sorted.
fn expand(location: &str) -> Result<Vec<PathBuf>> {
    let path = Path::new(location);
    if location.contains(['*', '?', '[']) {
        let entries =
            glob::glob(location).map_err(|e| Error::plan(format!("bad glob '{location}': {e}")))?;
        let mut out: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|p| p.is_file())
            .collect();
        out.sort();
        if out.is_empty() {
            return Err(Error::plan(format!("no files match '{location}'")));
        }
        return Ok(out);
    }
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: location.to_string(),
        source,
    })?;
    if meta.is_dir() {
        let mut out = Vec::new();
        walk(path, &mut out).map_err(|source| Error::Io {
            path: location.to_string(),
            source,
        })?;
        out.sort();
        if out.is_empty() {
            return Err(Error::plan(format!(
                "no readable files (csv, tsv, jsonl, arrow, parquet) in folder '{location}'"
            )));
        }
        return Ok(out);
    }
    Ok(vec![path.to_path_buf()])
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if FileFormat::from_path(&p).is_some() {
            out.push(p);
        }
    }
    Ok(())
}

/// The union of the files' columns, in first-seen order, types widened.
fn merge_schemas(files: &[(PathBuf, SchemaRef)]) -> Result<SchemaRef> {
    let mut fields: Vec<(Field, usize)> = Vec::new();
    for (i, (path, schema)) in files.iter().enumerate() {
        for f in schema.fields() {
            match fields.iter_mut().find(|(g, _)| g.name() == f.name()) {
                Some((g, first)) => {
                    if g.data_type() != f.data_type() {
                        let t = common_type(g.data_type(), f.data_type()).ok_or_else(|| Error::Data {
                            source_name: path.display().to_string(),
                            message: format!(
                                "column '{}' is {} here but {} in '{}', and they have no common type",
                                f.name(),
                                f.data_type(),
                                g.data_type(),
                                files[*first].0.display()
                            ),
                        })?;
                        *g = Field::new(g.name(), t, true);
                    }
                }
                None => fields.push((Field::new(f.name(), f.data_type().clone(), true), i)),
            }
        }
    }
    Ok(Arc::new(Schema::new(
        fields.into_iter().map(|(f, _)| f).collect::<Vec<_>>(),
    )))
}

impl TableProvider for FileTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn scan(&self, projection: Option<&[usize]>) -> Result<BatchIter> {
        let wanted: Vec<usize> = match projection {
            Some(p) => p.to_vec(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let out_schema = Arc::new(Schema::new(
            wanted
                .iter()
                .map(|&i| self.schema.field(i).clone())
                .collect::<Vec<_>>(),
        ));
        let files = self.files.clone();
        let format = self.format;
        let table_schema = Arc::clone(&self.schema);
        let mut next_file = 0;
        let mut current: Option<(BatchIter, Vec<Option<usize>>)> = None;
        Ok(Box::new(std::iter::from_fn(move || loop {
            if let Some((batches, slots)) = &mut current {
                match batches.next() {
                    Some(Ok(b)) => return Some(conform(&b, slots, &out_schema)),
                    Some(Err(e)) => return Some(Err(e)),
                    None => current = None,
                }
            }
            let (path, file_schema) = files.get(next_file)?;
            next_file += 1;
            // Which of this file's columns fill the wanted ones (None: absent, NULL).
            let mut file_projection = Vec::new();
            let slots: Vec<Option<usize>> = wanted
                .iter()
                .map(|&i| {
                    let name = table_schema.field(i).name();
                    file_schema.index_of(name).ok().map(|fi| {
                        file_projection.push(fi);
                        file_projection.len() - 1
                    })
                })
                .collect();
            match read(path, format, file_schema, Some(&file_projection)) {
                Ok(it) => current = Some((it, slots)),
                Err(e) => return Some(Err(e)),
            }
        })))
    }
}

/// A file's batch as the table's columns: absent ones NULL, types widened.
fn conform(b: &RecordBatch, slots: &[Option<usize>], schema: &SchemaRef) -> Result<RecordBatch> {
    let columns = slots
        .iter()
        .zip(schema.fields())
        .map(|(slot, f)| -> Result<ArrayRef> {
            match slot {
                Some(i) => {
                    let c = b.column(*i);
                    if c.data_type() == f.data_type() {
                        Ok(Arc::clone(c))
                    } else {
                        Ok(arrow_cast::cast(c, f.data_type())?)
                    }
                }
                None => Ok(new_null_array(f.data_type(), b.num_rows())),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new_with_options(
        Arc::clone(schema),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
    )?)
}
