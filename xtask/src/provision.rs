//! Installing what the tests need but a fresh machine may lack. Each tool is
//! looked for first; only a missing one is installed (Debian packages, as root).

use std::process::{Command, Stdio};

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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

/// Tools the test command uses: valgrind for the instruction-count guard.
pub fn tools() -> Result<(), String> {
    if !have("valgrind") {
        apt_install(&["valgrind"])?;
    }
    Ok(())
}
