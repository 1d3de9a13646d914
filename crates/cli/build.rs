//! Link options of the release binaries (`tern`, and `tern-probe`, whose
//! manifest points here too).
//!
//! - **Hot code together.** `link/symbol-order.txt` lists the functions a cold
//!   process runs for typical queries (recorded by `cargo xtask layout`). Given
//!   to the linker, it puts those ~1.3 MB of code side by side instead of spread
//!   over ~18 MB of text, so a first query faults in a few pages of code rather
//!   than dozens: see docs/performance.md. Only LLD takes
//!   `--symbol-ordering-file`; it is rustc's default linker for x86_64 Linux
//!   since Rust 1.90, so the option is passed there only.
//! - **Stripped by the linker**, not by the profile's `strip` setting: cargo
//!   derives symbol names from the profile, so keeping symbols must not change
//!   it. `TERN_KEEP_SYMBOLS=1` keeps them, which is how `cargo xtask layout`
//!   builds the binary it profiles, with the very names of the shipped build.
//!
//! - **A fixed-address executable** (`-no-pie`) on Linux. A position-independent
//!   one has ~32,000 pointers the loader rewrites at every start, writing to
//!   (and so copying) ~110 pages: a third of a cold `tern -c` (1.6 -> 1.3 ms,
//!   238 -> 126 page faults). The price is that the executable itself is not
//!   placed at a random address (shared libraries, stack and heap still are).
//!   `TERN_PIE=1` builds a position-independent executable.
//!
//! `TERN_NO_SYMBOL_ORDER=1` leaves the order to the linker (to measure the
//! difference, or for a linker without the option).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=TERN_NO_SYMBOL_ORDER");
    println!("cargo:rerun-if-env-changed=TERN_KEEP_SYMBOLS");
    println!("cargo:rerun-if-env-changed=TERN_PIE");
    let on = |var: &str| std::env::var_os(var).is_some_and(|v| v != "0" && !v.is_empty());
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    // Profiles with debug info (`bench`) are for profilers: keep their symbols.
    let debug_info = std::env::var("DEBUG").is_ok_and(|d| d != "false" && d != "0");
    if !release {
        return;
    }
    if !on("TERN_PIE") && std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    if !debug_info && !on("TERN_KEEP_SYMBOLS") {
        println!("cargo:rustc-link-arg-bins=-Wl,--strip-all");
    }
    let Some(list) = symbol_order() else { return };
    println!("cargo:rerun-if-changed={}", list.display());
    let target = std::env::var("TARGET").unwrap_or_default();
    if !on("TERN_NO_SYMBOL_ORDER") && target == "x86_64-unknown-linux-gnu" && rustc_uses_lld() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        // A function renamed since the list was recorded is simply not moved;
        // `cargo xtask layout` records the list again.
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// `crates/cli/link/symbol-order.txt`, found from this package or a sibling.
fn symbol_order() -> Option<PathBuf> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    [
        manifest.join("link/symbol-order.txt"),
        manifest.join("../crates/cli/link/symbol-order.txt"),
    ]
    .into_iter()
    .find(|p| Path::new(p).is_file())
}

/// Whether rustc is 1.90 or newer, whose x86_64 Linux default linker is LLD.
fn rustc_uses_lld() -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).arg("-V").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut version = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    matches!((version.next(), version.next()), (Some(1), Some(minor)) if minor >= 90)
}
