//! A server process on a free loopback port: started, killed, paused,
//! resumed and restarted on the same port by the tests, killed on drop.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch folder for one server, removed with it.
fn scratch(what: &str, port: u16) -> PathBuf {
    let name = what.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let dir = std::env::temp_dir().join(format!("tern-{name}-{}-{port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// A running server.
pub struct Server {
    what: String,
    program: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    /// The loopback port it listens on.
    pub port: u16,
    /// Its scratch folder (config, data), removed on drop.
    pub dir: PathBuf,
}

impl Server {
    /// Starts `program` with the arguments `args(port, dir)` gives, on a free
    /// port (another one if that port is taken meanwhile), and waits until it
    /// accepts connections.
    pub fn start(what: &str, program: &Path, args: impl Fn(u16, &Path) -> Vec<String>) -> Server {
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let dir = scratch(what, port);
            let mut server = Server {
                what: what.to_string(),
                program: program.to_path_buf(),
                args: args(port, &dir),
                child: None,
                port,
                dir,
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("{what} would not start: {last}");
    }

    fn spawn(&mut self) -> Result<(), String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot run {}: {e}. `cargo xtask test` installs the test servers",
                    self.program.display()
                )
            })?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("{} exited at start: {status}", self.what));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        Err(format!(
            "{} did not listen on {} within 60 s",
            self.what, self.port
        ))
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, with the same arguments (and data
    /// folder: a cluster node rejoins its cluster).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.spawn() {
                Ok(()) => return,
                // The port can stay busy for a moment after a kill.
                Err(e) if Instant::now() > deadline => panic!("restart: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    fn signal(&self, signal: libc::c_int) {
        if let Some(child) = &self.child {
            // SAFETY: kill(2) on our own child's pid; no memory is involved.
            unsafe {
                libc::kill(child.id() as libc::pid_t, signal);
            }
        }
    }

    /// Freezes the server (SIGSTOP): connections are accepted by the kernel
    /// but never answered, as with a server stuck in a long pause.
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Thaws a paused server (SIGCONT).
    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.resume();
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `env` if set, else the first of `candidates` that exists, else `name` (on
/// `PATH`).
pub fn find_binary(env: &str, candidates: &[PathBuf], name: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .unwrap_or_else(|| PathBuf::from(name))
}
