//! Every `sql` block of docs/sources.md runs, with the `tern` binary from the
//! repository root, and returns rows.

use std::path::Path;
use std::process::Command;

#[test]
fn sources_page_examples_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = std::fs::read_to_string(root.join("docs/sources.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sql") => current = Some(String::new()),
            (Some(sql), "```") => {
                blocks.push(std::mem::take(sql));
                current = None;
            }
            (Some(sql), l) => {
                sql.push_str(l);
                sql.push('\n');
            }
            _ => {}
        }
    }
    assert!(blocks.len() >= 6, "found {} sql blocks", blocks.len());
    for sql in &blocks {
        let out = Command::new(env!("CARGO_BIN_EXE_tern"))
            .current_dir(&root)
            .args(["-f", "csv", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{sql}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows = String::from_utf8_lossy(&out.stdout).lines().count();
        assert!(rows >= 2, "no rows from:\n{sql}");
    }
}
