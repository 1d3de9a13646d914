//! Building the binaries to measure: this checkout, or another git revision in
//! a worktree under target/.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The measured binaries of one revision.
#[derive(Debug, Clone)]
pub struct Build {
    pub label: String,
    pub tern: PathBuf,
    /// The in-process probe; older revisions may not have one.
    pub probe: Option<PathBuf>,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The profile a tree ships with: `dist` where its manifest has one, else
/// `release` (revisions before the two profiles).
fn shipped_profile(root: &Path) -> &'static str {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    match manifest.contains("[profile.dist]") {
        true => "dist",
        false => "release",
    }
}

/// Builds the shipped `tern` (and `tern-probe` where the tree has it) from
/// the workspace at `root` into `target_dir`.
pub fn build(root: &Path, target_dir: &Path, label: &str) -> Result<Build, String> {
    let has_probe = root.join("benches/src/bin/tern-probe.rs").exists();
    let profile = shipped_profile(root);
    let mut cmd = Command::new(cargo());
    cmd.current_dir(root)
        .env("CARGO_TARGET_DIR", target_dir)
        .args([
            "build",
            "--profile",
            profile,
            "--quiet",
            "-p",
            "tern-cli",
            "--bin",
            "tern",
        ]);
    if has_probe {
        // `--bin` filters every package named, so name both binaries.
        cmd.args(["-p", "tern-benches", "--bin", "tern-probe"]);
    }
    eprintln!("building {label} ({profile} profile)...");
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building {label} failed"));
    }
    let bin = |name: &str| target_dir.join(profile).join(name);
    Ok(Build {
        label: label.to_string(),
        tern: bin("tern"),
        probe: has_probe.then(|| bin("tern-probe")),
    })
}

/// A worktree of `rev` under target/bench-rev, checked out fresh.
pub fn worktree(root: &Path, rev: &str) -> Result<PathBuf, String> {
    let resolved = git(
        root,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )?;
    let dir = root.join("target/bench-rev/tree");
    if dir.exists() {
        git(&dir, &["checkout", "--quiet", "--detach", &resolved])?;
    } else {
        std::fs::create_dir_all(root.join("target/bench-rev")).map_err(|e| e.to_string())?;
        let _ = git(root, &["worktree", "prune"]);
        git(
            root,
            &[
                "worktree",
                "add",
                "--quiet",
                "--detach",
                &dir.to_string_lossy(),
                &resolved,
            ],
        )?;
    }
    Ok(dir)
}

/// Runs git in `dir` and returns its trimmed output.
pub fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
