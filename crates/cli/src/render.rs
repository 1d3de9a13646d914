//! Human-readable output: an aligned box table (DuckDB style) and Markdown.
//!
//! On a terminal ([`Style`] with a width and a row limit) the table fits the
//! screen: long cells are cut with `…`, columns in the middle give way to a
//! `…` column when even narrowed ones do not fit, and a long result shows its
//! first and last rows. Only the rows shown are formatted, so a million-row
//! result prints as fast as a forty-row one. Elsewhere every row and column
//! is written in full.

use std::ops::Range;

use arrow_array::{Array, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::terminal::Style;

/// Cells wider than this are cut with an ellipsis in the table view.
const MAX_CELL: usize = 48;
/// A column is not narrowed below this to make room for the others (nor
/// below its own widest cell).
const MIN_COLUMN: usize = 10;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

fn format_options() -> FormatOptions<'static> {
    FormatOptions::default()
        .with_null("NULL")
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"))
}

/// One value as shown.
struct Cell {
    text: String,
    null: bool,
}

/// The values of `rows` (ranges of the result's row numbers), column by
/// column, each on one line.
fn cells(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    rows: &[Range<usize>],
) -> Result<Vec<Vec<Cell>>, String> {
    let opts = format_options();
    let mut columns: Vec<Vec<Cell>> = (0..schema.fields().len()).map(|_| Vec::new()).collect();
    let mut start = 0;
    for b in batches {
        let here = start..start + b.num_rows();
        start = here.end;
        let wanted: Vec<Range<usize>> = rows
            .iter()
            .map(|r| {
                r.start.max(here.start) - here.start
                    ..r.end.min(here.end).max(here.start) - here.start
            })
            .filter(|r| !r.is_empty())
            .collect();
        if wanted.is_empty() {
            continue;
        }
        for (c, col) in b.columns().iter().enumerate() {
            let f = ArrayFormatter::try_new(col.as_ref(), &opts).map_err(|e| e.to_string())?;
            for i in wanted.iter().flat_map(|r| r.clone()) {
                columns[c].push(Cell {
                    text: one_line(&f.value(i).to_string()),
                    null: col.is_null(i),
                });
            }
        }
    }
    Ok(columns)
}

/// Line breaks and tabs as escapes, so that a cell keeps to its row.
fn one_line(s: &str) -> String {
    if !s.contains(['\n', '\r', '\t']) {
        return s.to_string();
    }
    s.replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

/// Terminal columns `s` takes.
fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` terminal columns, ending in `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > max.saturating_sub(1) {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

fn plural(n: usize, one: &str) -> String {
    let n_text = thousands(n);
    if n == 1 {
        format!("{n_text} {one}")
    } else {
        format!("{n_text} {one}s")
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The columns a table of `natural` widths keeps within `max` terminal
/// columns: from both ends towards the middle, each at its narrowest.
/// `None` when all fit.
fn kept_columns(natural: &[usize], max: usize) -> Option<Vec<usize>> {
    let narrow = |c: usize| natural[c].min(MIN_COLUMN);
    // A row is `│` plus ` cell │` per column: width + 3 each.
    let all: usize = 1 + (0..natural.len()).map(|c| narrow(c) + 3).sum::<usize>();
    if all <= max {
        return None;
    }
    let ellipsis = 1 + 3;
    let (mut left, mut right) = (Vec::new(), Vec::new());
    let mut used = 1 + ellipsis;
    let (mut lo, mut hi) = (0, natural.len());
    while lo < hi {
        let take_left = left.len() <= right.len();
        let c = if take_left { lo } else { hi - 1 };
        if used + narrow(c) + 3 > max && !(left.is_empty() && right.is_empty()) {
            break;
        }
        used += narrow(c) + 3;
        if take_left {
            left.push(c);
            lo += 1;
        } else {
            right.push(c);
            hi -= 1;
        }
    }
    right.reverse();
    left.extend(right);
    Some(left)
}

/// Narrows the widest of `widths` until the table fits in `max` columns
/// (or every column is at its floor).
fn narrow_to_fit(widths: &mut [usize], floors: &[usize], max: usize) {
    let total = |w: &[usize]| 1 + w.iter().map(|w| w + 3).sum::<usize>();
    while total(widths) > max {
        let Some(c) = (0..widths.len())
            .filter(|&c| widths[c] > floors[c])
            .max_by_key(|&c| (widths[c], std::cmp::Reverse(c)))
        else {
            return;
        };
        widths[c] -= 1;
    }
}

/// A box-drawn table with column names, types, the rows, and a row count.
pub fn table(schema: &SchemaRef, batches: &[RecordBatch], style: &Style) -> Result<String, String> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if schema.fields().is_empty() {
        return Ok(format!("{}\n", plural(rows, "row")));
    }
    // Which rows: all, or the first and last halves of the limit.
    let shown_rows: [Range<usize>; 2] = match style.max_rows {
        Some(m) if rows > m => {
            let top = m.div_ceil(2);
            [0..top, rows - (m - top)..rows]
        }
        _ => [0..rows, rows..rows],
    };
    let row_cut = !shown_rows[1].is_empty();
    let shown_count: usize = shown_rows.iter().map(|r| r.len()).sum();
    let columns = cells(schema, batches, &shown_rows)?;
    let names: Vec<String> = schema.fields().iter().map(|f| one_line(f.name())).collect();
    let types: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| tern::types::type_name(f.data_type()).to_lowercase())
        .collect();
    let natural: Vec<usize> = (0..names.len())
        .map(|c| {
            columns[c]
                .iter()
                .map(|v| width(&v.text))
                .chain([width(&names[c]), width(&types[c])])
                .max()
                .unwrap_or(0)
                .min(MAX_CELL)
        })
        .collect();
    // Which columns, then how wide.
    let kept: Vec<usize> = match style.width {
        Some(max) => kept_columns(&natural, max).unwrap_or_else(|| (0..names.len()).collect()),
        None => (0..names.len()).collect(),
    };
    let col_cut = kept.len() < names.len();
    // Where the `…` column goes: after the kept columns on the left.
    let gap = col_cut.then(|| {
        kept.windows(2)
            .position(|w| w[1] != w[0] + 1)
            .map_or(kept.len(), |p| p + 1)
    });
    let mut widths: Vec<usize> = kept.iter().map(|&c| natural[c]).collect();
    if let Some(max) = style.width {
        let floors: Vec<usize> = kept.iter().map(|&c| natural[c].min(MIN_COLUMN)).collect();
        let room = if col_cut { max.saturating_sub(4) } else { max };
        narrow_to_fit(&mut widths, &floors, room);
    }

    // Each displayed column: its name, type, alignment, cells, width.
    struct Shown<'a> {
        name: String,
        ty: String,
        right: bool,
        cells: Option<&'a [Cell]>,
        width: usize,
    }
    let mut shown: Vec<Shown> = kept
        .iter()
        .enumerate()
        .map(|(k, &c)| Shown {
            name: clip(&names[c], widths[k]),
            ty: clip(&types[c], widths[k]),
            right: is_numeric(schema.field(c).data_type()),
            cells: Some(&columns[c]),
            width: widths[k],
        })
        .collect();
    if let Some(at) = gap {
        let elided = Shown {
            name: "…".into(),
            ty: String::new(),
            right: false,
            cells: None,
            width: 1,
        };
        shown.insert(at, elided);
    }

    let paint = |text: &str, code: &str| {
        if style.colour && !text.is_empty() {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let line = |l: &str, m: &str, r: &str| {
        let parts: Vec<String> = shown.iter().map(|s| "─".repeat(s.width + 2)).collect();
        format!("{l}{}{r}\n", parts.join(m))
    };
    let pad = |text: &str, w: usize, how: Align| {
        let room = w.saturating_sub(width(text));
        match how {
            Align::Left => (String::new(), " ".repeat(room)),
            Align::Right => (" ".repeat(room), String::new()),
            Align::Centre => (" ".repeat(room / 2), " ".repeat(room - room / 2)),
        }
    };
    let mut out = line("┌", "┬", "┐");
    for (heading, code) in [(true, BOLD), (false, DIM)] {
        out.push('│');
        for s in &shown {
            let text = if heading { &s.name } else { &s.ty };
            let (l, r) = pad(text, s.width, Align::Centre);
            out.push_str(&format!(" {l}{}{r} │", paint(text, code)));
        }
        out.push('\n');
    }
    out.push_str(&line("├", "┼", "┤"));
    let top = shown_rows[0].len();
    for r in 0..shown_count {
        if row_cut && r == top {
            for _ in 0..3 {
                out.push('│');
                for s in &shown {
                    let (l, rr) = pad("·", s.width, Align::Centre);
                    out.push_str(&format!(" {l}·{rr} │"));
                }
                out.push('\n');
            }
        }
        out.push('│');
        for s in &shown {
            match s.cells {
                Some(cells) => {
                    let cell = &cells[r];
                    let text = clip(&cell.text, s.width);
                    let how = if s.right { Align::Right } else { Align::Left };
                    let (l, rr) = pad(&text, s.width, how);
                    let text = if cell.null { paint(&text, DIM) } else { text };
                    out.push_str(&format!(" {l}{text}{rr} │"));
                }
                None => out.push_str(" … │"),
            }
        }
        out.push('\n');
    }
    out.push_str(&line("└", "┴", "┘"));
    let mut footer = plural(rows, "row");
    if row_cut {
        footer.push_str(&format!(" ({} shown)", thousands(shown_count)));
    }
    if col_cut {
        footer.push_str(&format!(
            "  {} ({} shown)",
            plural(names.len(), "column"),
            thousands(kept.len())
        ));
    }
    out.push_str(&paint(&footer, DIM));
    out.push('\n');
    Ok(out)
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
    Centre,
}

fn is_numeric(t: &DataType) -> bool {
    t.is_numeric()
}

/// A GitHub-flavoured Markdown table.
pub fn markdown(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<String, String> {
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let all = 0..rows;
    let columns = cells(schema, batches, std::slice::from_ref(&all))?;
    let esc = |s: &str| s.replace('|', "\\|");
    let mut out = String::new();
    out.push('|');
    for f in schema.fields() {
        out.push_str(&format!(" {} |", esc(&one_line(f.name()))));
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
            out.push_str(&format!(" {} |", esc(&col[r].text)));
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::{Field, Schema};

    use super::*;

    fn wide(columns: usize, rows: i64) -> (SchemaRef, Vec<RecordBatch>) {
        let fields: Vec<Field> = (0..columns)
            .map(|c| Field::new(format!("column_{c}"), DataType::Int64, true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let cols = (0..columns)
            .map(|_| Arc::new(Int64Array::from_iter_values(0..rows)) as _)
            .collect();
        (
            Arc::clone(&schema),
            vec![RecordBatch::try_new(schema, cols).unwrap()],
        )
    }

    fn terminal(width: usize) -> Style {
        Style {
            width: Some(width),
            max_rows: Some(40),
            colour: false,
        }
    }

    #[test]
    fn fits_the_terminal_by_eliding_middle_columns() {
        let (schema, batches) = wide(30, 3);
        let out = table(&schema, &batches, &terminal(80)).unwrap();
        for line in out.lines() {
            assert!(width(line) <= 80, "{line} is {} wide", width(line));
        }
        assert!(
            out.contains("column_0") && out.contains("column_29"),
            "{out}"
        );
        assert!(out.contains(" … │"), "{out}");
        assert!(out.contains("3 rows  30 columns ("), "{out}");
        // Unlimited, every column is there.
        let full = table(&schema, &batches, &Style::plain()).unwrap();
        assert!((0..30).all(|c| full.contains(&format!("column_{c} "))));
    }

    #[test]
    fn long_results_show_their_first_and_last_rows() {
        let (schema, batches) = wide(1, 1000);
        let out = table(&schema, &batches, &terminal(80)).unwrap();
        let values: Vec<&str> = out
            .lines()
            .filter_map(|l| l.strip_prefix('│'))
            .map(|l| l.trim_end_matches('│').trim())
            .collect();
        assert_eq!(values[2], "0");
        assert!(values.contains(&"19") && !values.contains(&"20"), "{out}");
        assert!(values.contains(&"980") && values.contains(&"999"), "{out}");
        assert!(out.trim_end().ends_with("1,000 rows (40 shown)"), "{out}");
    }

    #[test]
    fn long_cells_are_cut_and_nulls_dimmed_in_colour() {
        let long = "x".repeat(200);
        let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, true)]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![Arc::new(StringArray::from(vec![Some(long.as_str()), None]))],
        )
        .unwrap();
        let style = Style {
            colour: true,
            ..terminal(30)
        };
        let out = table(&schema, &[batch], &style).unwrap();
        assert!(out.contains("xxx…"), "{out}");
        assert!(out.contains(&format!("{DIM}NULL{RESET}")), "{out}");
        let stripped = out.replace(DIM, "").replace(BOLD, "").replace(RESET, "");
        for line in stripped.lines() {
            assert!(width(line) <= 30, "{line}");
        }
    }

    #[test]
    fn clip_counts_terminal_columns() {
        assert_eq!(clip("日本語のテキスト", 7), "日本語…");
        assert_eq!(clip("short", 10), "short");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
