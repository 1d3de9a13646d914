//! The interactive shell: `tern` on a terminal with no SQL to run.
//!
//! A line editor (rustyline) reads statements, which may span lines and end
//! with `;`, with history kept between sessions and Tab completion
//! ([`complete`]). Dot commands ([`dot`]) change how results look or read a
//! file of statements. One engine lives for the whole session, so tables
//! created or registered stay until the shell ends.

mod complete;
mod dot;
mod statements;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Config, Editor};

use crate::output::{self, Mode, MODE_NAMES};
use crate::progress::Progress;
use crate::terminal::Style;
use dot::Dot;

/// `.read` inside `.read` goes this deep at most (a file reading itself).
const MAX_READ_DEPTH: usize = 16;

/// What a line of input asks of the shell afterwards.
#[derive(PartialEq)]
enum Flow {
    Continue,
    Exit,
}

/// The session: its engine, the handle Ctrl-C cancels, and the settings the
/// dot commands change.
struct Shell {
    engine: Arc<tern::Engine>,
    handle: tern::QueryHandle,
    mode: Mode,
    timer: bool,
}

/// Where history is kept: `TERN_HISTORY`, else `~/.tern_history`.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TERN_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".tern_history"))
}

/// Every table the session knows (registered, views, `$datasets`), sorted.
fn table_names(engine: &tern::Engine) -> Vec<String> {
    let mut names = engine.catalog().names();
    names.sort();
    names.dedup();
    names
}

/// Runs the shell until `.exit` or Ctrl-D.
pub fn run(engine: tern::Engine, mode: Mode) -> ExitCode {
    let engine = Arc::new(engine);
    let handle = tern::QueryHandle::new();
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)
        .and_then(|c| c.max_history_size(10_000))
        .map(|c| c.completion_type(rustyline::CompletionType::List).build());
    let editor = config.and_then(Editor::<complete::ShellHelper, FileHistory>::with_config);
    let mut editor = match editor {
        Ok(e) => e,
        Err(e) => {
            eprintln!("tern: cannot start the shell: {e}");
            return ExitCode::from(1);
        }
    };
    // After the editor, which takes SIGINT for itself when created. At the
    // prompt the terminal is in raw mode and Ctrl-C reaches the editor as a
    // key, not a signal; while a statement runs it is a signal, and ours.
    crate::interrupt::on_ctrl_c(&handle, false);
    editor.set_helper(Some(complete::ShellHelper::new(Arc::clone(&engine))));
    let history = history_path();
    if let Some(path) = &history {
        // A missing file is a first session; a broken one is started anew.
        let _ = editor.load_history(path);
    }
    let mut shell = Shell {
        engine,
        handle,
        mode,
        timer: false,
    };
    println!(
        "tern {} — SQL ends with ';'. .help for help, Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    );
    loop {
        match editor.readline("tern> ") {
            Ok(text) => {
                if !text.trim().is_empty() {
                    let _ = editor.add_history_entry(text.trim_end());
                    if let Some(path) = &history {
                        if let Err(e) = editor.append_history(path) {
                            eprintln!("tern: cannot save history to {}: {e}", path.display());
                        }
                    }
                }
                if shell.input(&text, 0) == Flow::Exit {
                    break;
                }
            }
            // Ctrl-C at the prompt drops the line being typed.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("tern: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}

impl Shell {
    /// Runs `text`: dot commands (lines starting with `.` between
    /// statements) and SQL statements, in order. A statement Ctrl-C
    /// cancelled stops the rest.
    fn input(&mut self, text: &str, depth: usize) -> Flow {
        let mut sql = String::new();
        for line in text.split_inclusive('\n') {
            if sql.trim().is_empty() && line.trim_start().starts_with('.') {
                sql.clear();
                if self.dot(line.trim(), depth) == Flow::Exit {
                    return Flow::Exit;
                }
                continue;
            }
            sql.push_str(line);
            let (done, rest) = statements::split(&sql);
            let done: Vec<String> = done.into_iter().map(str::to_string).collect();
            let rest = rest.map(str::to_string);
            for statement in done {
                if !self.statement(&statement) {
                    return Flow::Continue;
                }
            }
            sql = rest.unwrap_or_default();
        }
        // The last statement of a file may lack its `;`.
        if !sql.trim().is_empty() {
            self.statement(&sql);
        }
        Flow::Continue
    }

    /// Runs one SQL statement and prints its result; false when Ctrl-C
    /// cancelled it.
    fn statement(&mut self, sql: &str) -> bool {
        self.handle
            .flag()
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let started = Instant::now();
        let progress = Progress::start(&self.handle);
        let result = self.engine.query_with(sql, &self.handle);
        drop(progress);
        let elapsed = started.elapsed();
        match result {
            Ok(result) => {
                // Statements that return nothing (CREATE, SET) print nothing.
                if !result.schema().fields().is_empty() {
                    let stdout = std::io::stdout();
                    let mut out = stdout.lock();
                    let style = Style::for_stdout();
                    if let Err(e) = output::print(
                        &mut out,
                        result.schema(),
                        result.batches(),
                        self.mode,
                        &style,
                    ) {
                        eprintln!("Error: {e}");
                    }
                }
            }
            Err(e) => eprintln!("Error: {e}"),
        }
        if self.timer {
            println!("Run time: {:.3} ms", elapsed.as_secs_f64() * 1000.0);
        }
        !self.handle.is_cancelled()
    }

    /// Runs one dot command.
    fn dot(&mut self, line: &str, depth: usize) -> Flow {
        let command = match dot::parse(line) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("Error: {e}");
                return Flow::Continue;
            }
        };
        match command {
            Dot::Help => print!("{}", dot::help()),
            Dot::Tables => {
                for n in table_names(&self.engine) {
                    println!("{n}");
                }
            }
            Dot::Schema(Some(name)) => {
                let quoted = format!("\"{}\"", name.replace('"', "\"\""));
                self.statement(&format!("DESCRIBE {quoted}"));
            }
            Dot::Schema(None) => self.schemas(),
            Dot::Timer(None) => println!("timer is {}", if self.timer { "on" } else { "off" }),
            Dot::Timer(Some(on)) => self.timer = on,
            Dot::Mode(None) => println!("mode is {}", self.mode.name()),
            Dot::Mode(Some(name)) => match Mode::from_name(&name) {
                Some(m) => self.mode = m,
                None => eprintln!("Error: unknown mode '{name}' (use {MODE_NAMES})"),
            },
            Dot::Read(path) => {
                if depth >= MAX_READ_DEPTH {
                    eprintln!("Error: .read nested more than {MAX_READ_DEPTH} deep");
                    return Flow::Continue;
                }
                match std::fs::read_to_string(&path) {
                    Ok(text) => return self.input(&text, depth + 1),
                    Err(e) => eprintln!("Error: cannot read '{path}': {e}"),
                }
            }
            Dot::Exit => return Flow::Exit,
        }
        let _ = std::io::stdout().flush();
        Flow::Continue
    }

    /// `.schema` alone: every table with its columns, one line each.
    fn schemas(&self) {
        for name in table_names(&self.engine) {
            match self.engine.catalog().lookup(&name) {
                Ok(Some(table)) => {
                    let columns: Vec<String> = table
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| {
                            format!(
                                "{} {}",
                                f.name(),
                                tern::types::type_name(f.data_type()).to_lowercase()
                            )
                        })
                        .collect();
                    println!("{name}({})", columns.join(", "));
                }
                // A view is bound at each use: DESCRIBE shows its columns.
                Ok(None) => println!("{name} (a view: .schema {name} shows its columns)"),
                Err(e) => eprintln!("Error: {name}: {e}"),
            }
        }
    }
}
