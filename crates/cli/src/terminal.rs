//! What the output goes to: a terminal (how wide, whether to colour) or a
//! pipe or file, which gets every row and no escape codes.

use std::io::IsTerminal;

/// How text for a reader is laid out: the terminal's width, rows shown,
/// colour. `Style::plain()` (pipes, files) lays out everything, uncoloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// The widest a table may be, in terminal columns.
    pub width: Option<usize>,
    /// The most rows a table shows (half from the top, half from the end).
    pub max_rows: Option<usize>,
    /// ANSI colours (bold names, dim types and NULLs).
    pub colour: bool,
}

/// Rows a table shows on a terminal, as DuckDB's shell does.
pub const TERMINAL_ROWS: usize = 40;

impl Style {
    /// Everything, no colour: for pipes and files.
    pub fn plain() -> Self {
        Style {
            width: None,
            max_rows: None,
            colour: false,
        }
    }

    /// For standard output: fitted and coloured when it is a terminal.
    pub fn for_stdout() -> Self {
        if !std::io::stdout().is_terminal() {
            return Style::plain();
        }
        Style {
            width: Some(width(libc_fd::STDOUT).unwrap_or(80)),
            max_rows: Some(TERMINAL_ROWS),
            colour: colour_allowed(),
        }
    }
}

/// Colour unless `NO_COLOR` is set to anything (https://no-color.org) or the
/// terminal says it has none (`TERM=dumb`).
pub fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Whether standard error is a terminal (for the progress line).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

mod libc_fd {
    pub const STDOUT: i32 = 1;
    pub const STDERR: i32 = 2;
}

/// Standard error's width, for the progress line.
pub fn stderr_width() -> usize {
    width(libc_fd::STDERR).unwrap_or(80)
}

/// The width of the terminal on `fd`, or `COLUMNS` when it does not say.
fn width(fd: i32) -> Option<usize> {
    terminal_columns(fd).or_else(|| {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
    })
}

#[cfg(unix)]
fn terminal_columns(fd: i32) -> Option<usize> {
    // SAFETY: TIOCGWINSZ writes one winsize into the struct we pass.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

#[cfg(not(unix))]
fn terminal_columns(_fd: i32) -> Option<usize> {
    None
}
