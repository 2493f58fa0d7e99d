//! A real nats-server (Debian's package, with JetStream) for the cluster tests: started on a
//! free loopback port with its store in a temporary directory, waited for until it accepts
//! connections, killed on drop; it can be killed and started again on the same port and store,
//! as a NATS restart.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running nats-server.
pub struct Nats {
    child: Option<Child>,
    pub port: u16,
    store: tempfile::TempDir,
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The server binary: on the PATH, or where Debian puts it.
fn binary() -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':').chain(["/usr/sbin", "/usr/bin"]) {
        let p = PathBuf::from(dir).join("nats-server");
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "nats-server is not installed: run scripts/test (it installs Debian's nats-server), or apt-get install nats-server"
    )
}

impl Nats {
    pub fn start() -> Nats {
        let mut n = Nats { child: None, port: free_port(), store: tempfile::tempdir().unwrap() };
        n.restart();
        n
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: nothing is flushed on the way out).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server (again) on the same port and store, and waits until it accepts.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(binary())
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting nats-server");
        self.child = Some(child);
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "nats-server did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
        // JetStream comes up just after the listener.
        std::thread::sleep(Duration::from_millis(300));
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}
