//! Human-readable output: an aligned box table (DuckDB style) and Markdown.

use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};

/// Cells wider than this are cut with an ellipsis in the table view.
const MAX_CELL: usize = 48;

fn is_numeric(t: &DataType) -> bool {
    t.is_numeric()
}

/// Every value as text, column by column.
fn cells(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<Vec<Vec<String>>, String> {
    let opts = FormatOptions::default()
        .with_null("NULL")
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"));
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); schema.fields().len()];
    for b in batches {
        for (c, col) in b.columns().iter().enumerate() {
            let f = ArrayFormatter::try_new(col.as_ref(), &opts).map_err(|e| e.to_string())?;
            for i in 0..col.len() {
                columns[c].push(f.value(i).to_string());
            }
        }
    }
    Ok(columns)
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn clip(s: &str) -> String {
    let one_line = s.replace('\n', "\\n");
    if width(&one_line) <= MAX_CELL {
        one_line
    } else {
        let mut t: String = one_line.chars().take(MAX_CELL - 1).collect();
        t.push('…');
        t
    }
}

/// A box-drawn table with column names, types, the rows, and a row count.
pub fn table(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<String, String> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let footer = format!("{rows} row{}", if rows == 1 { "" } else { "s" });
    if schema.fields().is_empty() {
        return Ok(format!("{footer}\n"));
    }
    let columns: Vec<Vec<String>> = cells(schema, batches)?
        .into_iter()
        .map(|c| c.iter().map(|v| clip(v)).collect())
        .collect();
    let names: Vec<String> = schema.fields().iter().map(|f| clip(f.name())).collect();
    let types: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| tern::types::type_name(f.data_type()).to_lowercase())
        .collect();
    let widths: Vec<usize> = (0..names.len())
        .map(|c| {
            columns[c]
                .iter()
                .map(|v| width(v))
                .chain([width(&names[c]), width(&types[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |l: &str, m: &str, r: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    let centered = |s: &str, w: usize| {
        let pad = w - width(s);
        format!("{}{s}{}", " ".repeat(pad / 2), " ".repeat(pad - pad / 2))
    };
    let mut out = line("┌", "┬", "┐");
    for labels in [&names, &types] {
        out.push('│');
        for (c, s) in labels.iter().enumerate() {
            out.push_str(&format!(" {} │", centered(s, widths[c])));
        }
        out.push('\n');
    }
    out.push_str(&line("├", "┼", "┤"));
    for r in 0..rows {
        out.push('│');
        for (c, col) in columns.iter().enumerate() {
            let v = &col[r];
            let pad = " ".repeat(widths[c] - width(v));
            if is_numeric(schema.field(c).data_type()) {
                out.push_str(&format!(" {pad}{v} │"));
            } else {
                out.push_str(&format!(" {v}{pad} │"));
            }
        }
        out.push('\n');
    }
    out.push_str(&line("└", "┴", "┘"));
    out.push_str(&footer);
    out.push('\n');
    Ok(out)
}

/// A GitHub-flavoured Markdown table.
pub fn markdown(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<String, String> {
    let columns = cells(schema, batches)?;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    out.push('|');
    for f in schema.fields() {
        out.push_str(&format!(" {} |", esc(f.name())));
    }
    out.push_str("\n|");
    for f in schema.fields() {
        out.push_str(if is_numeric(f.data_type()) {
            " ---: |"
        } else {
            " --- |"
        });
    }
    out.push('\n');
    for r in 0..rows {
        out.push('|');
        for col in &columns {
            out.push_str(&format!(" {} |", esc(&col[r])));
        }
        out.push('\n');
    }
    Ok(out)
}
