//! The yuqing binary as the tests run it: one command in a directory, and a long-running one
//! (`serve`, `run --serve`) that is killed when the test ends, however the test ends (a failed
//! assertion must not leave a dashboard running).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// `yuqing ARGS` in `dir` (without the caller's `RUST_LOG`), to its end.
pub fn yuqing(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

/// The command `yuqing ARGS` in `dir`, to add environment to before it starts.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yuqing"));
    c.current_dir(dir).args(args).env_remove("RUST_LOG");
    c
}

/// A yuqing serving the dashboard, killed on drop.
pub struct Serving {
    child: Child,
    /// `http://127.0.0.1:PORT`, as its first line printed it.
    pub origin: String,
}

impl Serving {
    /// Starts `cmd` (a `serve` or `run --serve`) and waits for the line with its address.
    pub fn start(mut cmd: Command) -> Serving {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let origin = line.split_whitespace().nth(1).unwrap_or_else(|| panic!("no address in {line:?}"));
        let origin = origin.trim_end_matches('/').to_string();
        Serving { child, origin }
    }

    /// `host:port`, for raw TCP clients.
    pub fn addr(&self) -> &str {
        self.origin.trim_start_matches("http://")
    }

    /// Sends SIGINT and waits at most `limit` for the exit.
    pub fn interrupt(&mut self, limit: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let since = Instant::now();
        while since.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
