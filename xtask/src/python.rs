//! `cargo xtask python`: the Python package built and tested as a user gets
//! it — `maturin build --release` makes the wheel in target/wheels, a fresh
//! virtualenv installs it (with pyarrow, pandas, polars and pytest from PyPI,
//! pinned), and pytest runs crates/python/tests there, the examples of
//! docs/python.md among them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What builds the wheel, in a virtualenv of its own (kept between runs).
const MATURIN: &str = "maturin==1.16.0";
/// What the tests use, installed beside the wheel in the fresh virtualenv.
const TEST_PACKAGES: [&str; 4] = [
    "pytest==9.2.0",
    "pyarrow==26.0.1",
    "pandas==3.1.1",
    "polars==2.1.0",
];

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn venv(dir: &Path) -> Result<(), String> {
    run(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(dir),
        &format!("python3 -m venv {}", dir.display()),
    )
}

fn pip(dir: &Path, args: &[&str]) -> Result<(), String> {
    run(
        Command::new(dir.join("bin/python"))
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
            .args(args),
        &format!("pip install {}", args.join(" ")),
    )
}

/// Builds the wheel with maturin; returns its path.
pub fn build_wheel(root: &Path) -> Result<PathBuf, String> {
    let tools = root.join("target/tools/maturin");
    let maturin = tools.join("bin/maturin");
    if !maturin.exists() {
        eprintln!(
            "provisioning: pip install {MATURIN} into {}",
            tools.display()
        );
        venv(&tools)?;
        pip(&tools, &[MATURIN])?;
    }
    let out = root.join("target/wheels");
    // Only this build's wheel in the folder, so it is the one installed.
    let _ = std::fs::remove_dir_all(&out);
    run(
        Command::new(&maturin)
            .current_dir(root.join("crates/python"))
            .args(["build", "--release", "--out"])
            .arg(&out),
        "maturin build --release",
    )?;
    std::fs::read_dir(&out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| format!("maturin wrote no wheel to {}", out.display()))
}

/// Builds the wheel, installs it into a fresh virtualenv and runs pytest
/// there; `env` names the test servers (valkey-server). Whether the tests passed.
pub fn command(root: &Path, env: &[(&str, PathBuf)]) -> Result<bool, String> {
    let wheel = build_wheel(root)?;
    let fresh = root.join("target/tools/python-fresh");
    venv(&fresh)?;
    let wheel_arg = wheel.to_string_lossy().into_owned();
    let mut packages: Vec<&str> = vec![&wheel_arg];
    packages.extend(TEST_PACKAGES);
    pip(&fresh, &packages)?;
    let status = Command::new(fresh.join("bin/python"))
        .current_dir(root.join("crates/python/tests"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .env("TERN_PYTHON_DOCS", root.join("docs/python.md"))
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .status()
        .map_err(|e| format!("pytest: cannot start: {e}"))?;
    Ok(status.success())
}
