//! The interactive shell through a real pseudo-terminal: each test starts
//! `tern` in its own tmux server, types with `send-keys` and reads the
//! screen with `capture-pane`, as a person at a terminal would see it.
//!
//! `cargo xtask test` installs tmux where it is missing. Waits poll the
//! screen until what is expected appears, with a generous deadline for
//! failing: no test depends on how fast anything runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tern_test_servers::fixtures::scratch;

const DEADLINE: Duration = Duration::from_secs(60);
/// Never finishes: 177^5 rows.
const ENDLESS: &str = "SELECT COUNT(*) FROM $satellites a, $satellites b, $satellites c, $satellites d, $satellites e;";

/// A `tern` shell in a tmux pane of its own server (killed on drop).
struct Pane {
    socket: String,
}

impl Pane {
    /// Starts the shell in `dir` with `env` set, on a 120x40 terminal; its
    /// history is `dir/history`, so shells started in one folder share it.
    fn start(dir: &Path, env: &[(&str, &str)]) -> Pane {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "tern-shell-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let history = dir.join("history").display().to_string();
        let mut command = String::from("exec env");
        for (k, v) in [("TERN_HISTORY", history.as_str())].iter().chain(env) {
            command.push_str(&format!(" {k}='{v}'"));
        }
        command.push_str(&format!(" '{}'", env!("CARGO_BIN_EXE_tern")));
        let pane = Pane { socket };
        let out = pane
            .tmux()
            .args(["new-session", "-d", "-x", "120", "-y", "40", "-c"])
            .arg(dir)
            .arg(&command)
            .output()
            .expect("tmux runs (cargo xtask test installs it)");
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pane.wait_for("tern>");
        pane
    }

    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        // Its own server and no user configuration.
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    /// Types `text` literally (a `;` included).
    fn type_text(&self, text: &str) {
        // tmux reads an argument ending in `;` as the end of its command,
        // even with -l; `\;` is a literal one.
        let text = match text.strip_suffix(';') {
            Some(head) => format!("{head}\\;"),
            None => text.to_string(),
        };
        let ok = self
            .tmux()
            .args(["send-keys", "-l", "--", &text])
            .status()
            .unwrap()
            .success();
        assert!(ok, "send-keys {text}");
    }

    /// Presses keys by name: `Enter`, `Tab`, `C-c`, `Up`...
    fn press(&self, keys: &[&str]) {
        let ok = self
            .tmux()
            .arg("send-keys")
            .args(keys)
            .status()
            .unwrap()
            .success();
        assert!(ok, "send-keys {keys:?}");
    }

    /// Types `text`, presses Tab and waits for `completed` on the screen.
    fn tab(&self, text: &str, completed: &str) {
        self.type_text(text);
        self.press(&["Tab"]);
        self.wait_for(completed);
    }

    /// Types a line and presses Enter.
    fn line(&self, text: &str) {
        self.type_text(text);
        self.press(&["Enter"]);
    }

    /// The screen and its scrollback, as text (with colours when asked).
    fn screen_with(&self, escapes: bool) -> String {
        let mut c = self.tmux();
        c.args(["capture-pane", "-p", "-J", "-S", "-2000"]);
        if escapes {
            c.arg("-e");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.screen_with(false)
    }

    /// Waits until the screen shows `text` `times` times; the screen.
    fn wait_for_n(&self, text: &str, times: usize) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.matches(text).count() >= times {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "the screen never showed {text:?} {times} times:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_for_n(text, 1)
    }

    /// Waits for the prompt after `n` prompts in all.
    fn wait_for_prompt(&self, n: usize) -> String {
        self.wait_for_n("tern>", n)
    }

    /// Waits until the shell process has ended; `what` ended it.
    fn wait_until_ended(&self, what: &str) {
        let start = Instant::now();
        while !self.ended() {
            assert!(start.elapsed() < DEADLINE, "{what} did not end the shell");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the shell process has ended (the pane is gone).
    fn ended(&self) -> bool {
        !self
            .tmux()
            .args(["has-session"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

fn home(name: &str) -> PathBuf {
    scratch(&format!("shell-{name}"))
}

#[test]
fn a_statement_over_several_lines_and_mode_csv() {
    let dir = home("multi");
    let pane = Pane::start(&dir, &[]);
    pane.line("SELECT name, id");
    pane.line("FROM $planets");
    pane.line("WHERE id > 7;");
    let screen = pane.wait_for("2 rows");
    assert!(screen.contains("│ Neptune │"), "{screen}");
    assert!(screen.contains("│ Pluto   │       9 │"), "{screen}");
    pane.line(".mode csv");
    pane.line("SELECT id, name FROM $planets WHERE id < 3 ORDER BY id;");
    let screen = pane.wait_for("2,Venus");
    assert!(screen.contains("id,name\n1,Mercury\n2,Venus"), "{screen}");
    // Two statements on a line run one after the other.
    pane.line("SELECT 'one' AS a; SELECT 'two' AS b;");
    let screen = pane.wait_for("b\ntwo");
    assert!(screen.contains("a\none\n"), "{screen}");
}

#[test]
fn tab_completes_datasets_columns_functions_commands_and_files() {
    let dir = home("complete");
    std::fs::write(dir.join("measurements_2024.csv"), "x\n1\n").unwrap();
    let pane = Pane::start(&dir, &[]);
    pane.tab("SELECT * FROM $plan", "FROM $planets");
    pane.tab(" WHERE diam", "WHERE diameter");
    pane.tab(" > 0 AND upp", "AND upper");
    pane.press(&["C-u"]);
    pane.tab("SELECT * FROM 'measure", "FROM 'measurements_2024.csv");
    pane.line("';");
    pane.wait_for("1 row");
    pane.tab(".sch", ".schema");
    pane.line(" $planets");
    let screen = pane.wait_for("numberOfMoons");
    assert!(screen.contains("column_name"), "{screen}");
}

#[test]
fn ctrl_c_cancels_the_query_not_the_shell_and_shows_progress_first() {
    let dir = home("cancel");
    let pane = Pane::start(&dir, &[]);
    pane.line(ENDLESS);
    // The progress line appears once the query has run a second.
    pane.wait_for("running ");
    pane.press(&["C-c"]);
    let screen = pane.wait_for("cancelled");
    assert!(!pane.ended(), "{screen}");
    pane.wait_for_prompt(2);
    pane.line("SELECT 40 + 2 AS answer;");
    let screen = pane.wait_for("│      42 │");
    assert!(screen.contains("1 row"), "{screen}");
    // Ctrl-C at the prompt drops the line being typed.
    pane.type_text("SELECT 'never run'");
    pane.press(&["C-c"]);
    pane.line("SELECT 'after' AS x;");
    let screen = pane.wait_for("│ after   │");
    assert!(!screen.contains("never run │"), "{screen}");
}

#[test]
fn history_is_kept_between_sessions() {
    let dir = home("history");
    {
        let first = Pane::start(&dir, &[]);
        first.line("SELECT 'from the first session' AS s;");
        first.wait_for("1 row");
        first.line("SELECT 1");
        first.line("+ 1 AS two;");
        first.wait_for_n("1 row", 2);
        first.press(&["C-d"]);
        first.wait_until_ended("Ctrl-D");
    }
    let second = Pane::start(&dir, &[]);
    second.press(&["Up"]);
    // The multi-line statement comes back whole.
    second.wait_for("+ 1 AS two;");
    // Up moves through the lines of a multi-line entry before the entry
    // before it.
    second.press(&["Up", "Up"]);
    second.wait_for("tern> SELECT 'from the first session' AS s;");
    second.press(&["Enter"]);
    second.wait_for("│ from the first session │");
}

#[test]
fn dot_commands() {
    let dir = home("dot");
    std::fs::write(
        dir.join("setup.sql"),
        "CREATE TABLE notes (id INTEGER, body VARCHAR);\nINSERT INTO notes VALUES (1, 'hello'), (2, NULL);\n.mode markdown\nSELECT * FROM notes ORDER BY id\n",
    )
    .unwrap();
    let pane = Pane::start(&dir, &[]);
    pane.line(".help");
    pane.wait_for(".read FILE");
    pane.line(".read setup.sql");
    let screen = pane.wait_for("| 2 | NULL |");
    assert!(screen.contains("| id | body |"), "{screen}");
    pane.line(".tables");
    let screen = pane.wait_for("notes");
    assert!(screen.contains("$planets"), "{screen}");
    pane.line(".mode table");
    pane.line(".timer on");
    pane.line("SELECT COUNT(*) AS n FROM notes;");
    pane.wait_for("Run time: ");
    pane.line(".mode yaml");
    pane.wait_for("unknown mode 'yaml'");
    pane.line(".exit");
    pane.wait_until_ended(".exit");
}

#[test]
fn tables_fit_the_terminal_in_colour_unless_no_color() {
    let dir = home("colour");
    let pane = Pane::start(&dir, &[]);
    pane.line("SELECT * FROM $planets;");
    let screen = pane.wait_for("9 rows");
    assert!(screen.contains("20 columns ("), "{screen}");
    for line in screen.lines() {
        assert!(
            line.chars().count() <= 120,
            "wider than the terminal: {line}"
        );
    }
    pane.line("SELECT * FROM $satellites;");
    pane.wait_for("177 rows (40 shown)");
    let coloured = pane.screen_with(true);
    assert!(coloured.contains("\x1b[1m"), "no bold names:\n{coloured}");

    let plain = Pane::start(&dir, &[("NO_COLOR", "1")]);
    plain.line("SELECT NULL AS nothing;");
    plain.wait_for("1 row");
    let screen = plain.screen_with(true);
    assert!(screen.contains("│ NULL    │"), "{screen}");
    assert!(
        !screen.contains("\x1b[1m") && !screen.contains("\x1b[2m"),
        "{screen}"
    );
}
