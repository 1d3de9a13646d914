//! How much memory this process may really use: the smallest of the machine's
//! RAM, the memory limit of its cgroup (a container or a serverless function
//! is usually given far less than the machine has) and `RLIMIT_AS`. The
//! default per-query memory limit is a share of it (`exec::memory`).

/// The memory this process may use, in bytes; `None` when nothing is known.
pub(crate) fn usable() -> Option<u64> {
    [ram(), cgroup_limit(), address_space_limit()]
        .into_iter()
        .flatten()
        .min()
}

/// Physical memory.
#[cfg(unix)]
fn ram() -> Option<u64> {
    // SAFETY: sysconf only reads system configuration.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    (pages > 0 && size > 0).then(|| pages as u64 * size as u64)
}

#[cfg(not(unix))]
fn ram() -> Option<u64> {
    None
}

/// `RLIMIT_AS`, the cap on the process's address space, when one is set.
#[cfg(unix)]
fn address_space_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) } == 0;
    // rlim_t is u64 on Linux and macOS, narrower on some other systems.
    #[allow(clippy::unnecessary_cast)]
    (ok && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur as u64)
}

#[cfg(not(unix))]
fn address_space_limit() -> Option<u64> {
    None
}

/// The memory limit of the process's cgroup (v2, then v1), when one is set.
fn cgroup_limit() -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    cgroup_v2_limit(&own).or_else(cgroup_v1_limit)
}

/// cgroup v2: `memory.max` of the process's group and each group above it
/// (a parent's limit binds its children too); "max" is no limit.
fn cgroup_v2_limit(own: &str) -> Option<u64> {
    let path = own.lines().find_map(|l| l.strip_prefix("0::"))?;
    let mut dir = std::path::PathBuf::from("/sys/fs/cgroup");
    dir.push(path.trim_start_matches('/'));
    let mut best: Option<u64> = None;
    for d in dir
        .ancestors()
        .take_while(|d| d.starts_with("/sys/fs/cgroup"))
    {
        if let Some(v) = read_limit(&d.join("memory.max")) {
            best = Some(best.map_or(v, |b| b.min(v)));
        }
    }
    best
}

/// cgroup v1: `memory.limit_in_bytes` (a huge number when unlimited).
fn cgroup_v1_limit() -> Option<u64> {
    read_limit(std::path::Path::new(
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ))
    .filter(|&v| v < 1 << 60)
}

fn read_limit(path: &std::path::Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn usable_memory_is_known_here_and_at_most_ram() {
        let usable = super::usable().expect("Linux and macOS report their RAM");
        assert!(usable > 0);
        assert!(usable <= super::ram().unwrap());
    }
}
