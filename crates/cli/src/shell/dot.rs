//! The shell's dot commands (`.help`, `.tables`, ...), as sqlite3's and
//! DuckDB's shells have them: one line each, no `;`.

/// Every command: its name, its arguments and what it does (for `.help`
/// and Tab).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("help", "", "this list"),
    ("tables", "", "the tables: registered, views and $datasets"),
    (
        "schema",
        "[NAME]",
        "the columns of table NAME, or of every table",
    ),
    ("timer", "on|off", "print each statement's run time"),
    (
        "mode",
        "table|csv|tsv|json|jsonl|markdown",
        "how results are printed",
    ),
    (
        "read",
        "FILE",
        "run the statements and dot commands in FILE",
    ),
    ("exit", "", "leave the shell (also .quit and Ctrl-D)"),
];

/// A parsed dot command.
#[derive(Debug, PartialEq)]
pub enum Dot {
    Help,
    Tables,
    Schema(Option<String>),
    Timer(Option<bool>),
    Mode(Option<String>),
    Read(String),
    Exit,
}

/// The command on `line` (which starts with `.`), or what is wrong with it.
pub fn parse(line: &str) -> Result<Dot, String> {
    let line = line.trim().trim_start_matches('.');
    let (name, rest) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(n, r)| (n, r.trim()));
    let arg = (!rest.is_empty()).then(|| unquote(rest).to_string());
    let none = |dot: Dot| match &arg {
        None => Ok(dot),
        Some(_) => Err(format!(".{name} takes no argument")),
    };
    match name.to_lowercase().as_str() {
        "help" => none(Dot::Help),
        "tables" => none(Dot::Tables),
        "schema" => Ok(Dot::Schema(arg)),
        "timer" => match arg.as_deref().map(str::to_lowercase).as_deref() {
            None => Ok(Dot::Timer(None)),
            Some("on") => Ok(Dot::Timer(Some(true))),
            Some("off") => Ok(Dot::Timer(Some(false))),
            Some(other) => Err(format!(".timer takes on or off, not '{other}'")),
        },
        "mode" => Ok(Dot::Mode(arg)),
        "read" => arg
            .map(Dot::Read)
            .ok_or_else(|| ".read takes a file name".to_string()),
        "exit" | "quit" => none(Dot::Exit),
        other => Err(format!(
            "unknown command '.{other}' (.help lists them: {})",
            COMMANDS
                .iter()
                .map(|(n, _, _)| format!(".{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        )),
    }
}

/// `'file name'` or `"file name"` without its quotes.
fn unquote(s: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// `.help`'s text.
pub fn help() -> String {
    let mut out = String::from(
        "Statements end with ';' and may span lines. Tab completes keywords, tables,\n\
         columns, functions and (inside quotes) file names. Ctrl-C cancels a running\n\
         query or clears the line; Ctrl-D leaves.\n\n",
    );
    for (name, args, what) in COMMANDS {
        let usage = format!(".{name} {args}");
        out.push_str(&format!("  {usage:<44} {what}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(parse(".tables"), Ok(Dot::Tables));
        assert_eq!(
            parse(".schema $planets"),
            Ok(Dot::Schema(Some("$planets".into())))
        );
        assert_eq!(parse(".timer ON"), Ok(Dot::Timer(Some(true))));
        assert_eq!(parse(".mode csv"), Ok(Dot::Mode(Some("csv".into()))));
        assert_eq!(
            parse(".read 'my file.sql'"),
            Ok(Dot::Read("my file.sql".into()))
        );
        assert_eq!(parse(".quit"), Ok(Dot::Exit));
        assert!(parse(".timer maybe").unwrap_err().contains("on or off"));
        assert!(parse(".read").is_err());
        assert!(parse(".tables x").is_err());
        assert!(parse(".frobnicate").unwrap_err().contains(".help"));
        assert!(help().contains(".mode table|csv"));
    }
}
