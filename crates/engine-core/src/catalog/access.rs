//! What SQL may read by naming it: the sandbox a service turns on.
//!
//! Tables the program registers (`register_file`, `register_batches`, the
//! CLI's `--table`) are the program's choice and always readable; these
//! rules apply to files and URLs written in SQL. By default everything the
//! process can read is readable, as in DuckDB; a service that runs SQL it did
//! not write narrows it with `SET` (see docs/security.md) and then
//! `SET lock_configuration = true`.
//!
//! A refusal never says whether the path exists: a location outside the
//! allowed set is refused before anything touches the file system, and one
//! that escapes it through a symbolic link is refused with the same words.

use std::net::{IpAddr, ToSocketAddrs};
use std::path::{Component, Path, PathBuf};

use super::FileTable;
use crate::engine::Settings;
use crate::error::{Error, Result};

fn denied(location: &str) -> Error {
    Error::Denied(format!(
        "'{location}' is outside what this engine may read \
         (enable_external_access, allowed_directories, allowed_urls)"
    ))
}

/// Whether SQL may name `location` (checked before it is opened).
pub(crate) fn check_location(settings: &Settings, location: &str) -> Result<()> {
    if !settings.enable_external_access {
        return Err(Error::Denied(format!(
            "'{location}': reading files and URLs named in SQL is turned off \
             (enable_external_access = false)"
        )));
    }
    match crate::io::split_scheme(location) {
        None => check_local(settings, location, location),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("file") => {
            check_local(settings, location, rest)
        }
        Some(_) => check_url(settings, location),
    }
}

/// Whether every local file `table` reads is inside the allowed folders
/// (a glob or folder may reach a link to a file elsewhere).
pub(crate) fn check_files(settings: &Settings, location: &str, table: &FileTable) -> Result<()> {
    if settings.allowed_directories.is_empty() {
        return Ok(());
    }
    for file in table.locations() {
        if crate::io::split_scheme(file).is_some() {
            continue;
        }
        let real = std::fs::canonicalize(file).map_err(|_| denied(location))?;
        if !inside(&real, &settings.allowed_directories) {
            return Err(denied(location));
        }
    }
    Ok(())
}

fn inside(path: &Path, allowed: &[PathBuf]) -> bool {
    allowed.iter().any(|dir| path.starts_with(dir))
}

fn check_local(settings: &Settings, location: &str, path: &str) -> Result<()> {
    if settings.allowed_directories.is_empty() {
        return Ok(());
    }
    // The folder a glob starts from, or the path itself.
    let literal = match path.find(['*', '?', '[']) {
        Some(i) => &path[..path[..i].rfind('/').map_or(0, |j| j + 1)],
        None => path,
    };
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(literal))
        .map_err(|_| denied(location))?;
    // First by the text alone, so nothing outside is ever looked at...
    let lexical = normalize(&absolute);
    if !inside(&lexical, &settings.allowed_directories) {
        return Err(denied(location));
    }
    // ...then through the links on the way, which may lead outside.
    if let Ok(real) = std::fs::canonicalize(&lexical) {
        if !inside(&real, &settings.allowed_directories) {
            return Err(denied(location));
        }
    }
    Ok(())
}

/// `path` with `.` and `..` resolved by the text alone.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn check_url(settings: &Settings, location: &str) -> Result<()> {
    let listed = settings
        .allowed_urls
        .iter()
        .any(|prefix| url_within(location, prefix));
    if !settings.allowed_urls.is_empty() && !listed {
        return Err(denied(location));
    }
    if !settings.allow_private_network && !listed && reaches_private_network(location) {
        return Err(Error::Denied(format!(
            "'{location}' is on a loopback, private or link-local address \
             (allow_private_network = false; list it in allowed_urls to allow it)"
        )));
    }
    Ok(())
}

/// Whether `location` starts with `prefix` at a path boundary (so that
/// `https://data.example.com` does not allow `https://data.example.com.evil/`),
/// the scheme and host compared without case.
fn url_within(location: &str, prefix: &str) -> bool {
    let (l, p) = (lower_authority(location), lower_authority(prefix));
    if !l.starts_with(&p) {
        return false;
    }
    p.ends_with('/') || matches!(l[p.len()..].chars().next(), None | Some('/' | '?'))
}

fn lower_authority(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            format!(
                "{}://{}{}",
                scheme.to_ascii_lowercase(),
                rest[..end].to_ascii_lowercase(),
                &rest[end..]
            )
        }
        None => url.to_string(),
    }
}

/// Whether an `http(s)://` URL's host is, or resolves to, an address that
/// is not on the public internet. Other schemes name buckets, not hosts.
fn reaches_private_network(location: &str) -> bool {
    let Some((scheme, rest)) = location.split_once("://") else {
        return false;
    };
    let port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || host_port.starts_with('[') => {
            (h, p.parse().unwrap_or(port))
        }
        _ => (host_port, port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        return private(ip);
    }
    // A name that does not resolve is refused too: it cannot be checked.
    match (host, port).to_socket_addrs() {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            addrs.is_empty() || addrs.iter().any(|a| private(a.ip()))
        }
        Err(_) => true,
    }
}

fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)) // shared address space
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| private(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "151.101.1.1", "2606:4700::1111"] {
            assert!(!private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_hosts_are_classified_without_a_lookup() {
        assert!(reaches_private_network("http://127.0.0.1:8080/x.csv"));
        assert!(reaches_private_network("http://[::1]:8080/x.csv"));
        assert!(reaches_private_network(
            "https://169.254.169.254/latest/meta-data"
        ));
        assert!(reaches_private_network("http://user@10.0.0.1/x"));
        assert!(!reaches_private_network("https://8.8.8.8/x.csv"));
        assert!(!reaches_private_network("s3://bucket/x.csv"));
    }

    #[test]
    fn url_prefixes_stop_at_boundaries() {
        assert!(url_within(
            "https://Data.example.com/a.csv",
            "https://data.example.com"
        ));
        assert!(url_within(
            "https://data.example.com/a/b.csv",
            "https://data.example.com/a/"
        ));
        assert!(!url_within(
            "https://data.example.com.evil/x",
            "https://data.example.com"
        ));
        assert!(!url_within(
            "https://data.example.com/ab.csv",
            "https://data.example.com/a"
        ));
        assert!(url_within("s3://bucket/x/y.parquet", "s3://bucket/x"));
    }

    #[test]
    fn paths_normalize_by_text() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(normalize(Path::new("/a/../../etc")), PathBuf::from("/etc"));
    }
}
