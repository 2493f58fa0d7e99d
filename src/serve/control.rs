//! How a command reaches the running daemon: `yuqing run` holds the data directory's state (sled
//! lets one process open it), so it serves the dashboard's API on a loopback port of its own and
//! writes where, with the CSRF secret changes need, to `<data>/control.json` (readable by its
//! owner only). `yuqing incidents` and `yuqing saved` read that file when it finds the state locked and sends its
//! request there instead of failing.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::data_dir::DataDir;

/// Where the daemon's API listens, and the secret its changes need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Control {
    pub addr: SocketAddr,
    pub csrf: String,
    pub pid: u32,
}

/// Why the daemon could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("the daemon's control file {0} cannot be read: is `yuqing run` running on this data directory?")]
    NoFile(PathBuf),
    #[error("the daemon at {addr} does not answer ({reason}); if it stopped, run the command again")]
    Unreachable { addr: SocketAddr, reason: String },
    #[error("the daemon refused: {0}")]
    Refused(String),
}

fn path(data: &DataDir) -> PathBuf {
    data.root().join("control.json")
}

/// Writes the control file (owner-only on Unix).
pub fn write(data: &DataDir, c: &Control) -> std::io::Result<()> {
    let p = path(data);
    let tmp = data.root().join(".control.json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(c).expect("control serializes"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(tmp, p)
}

/// Removes the control file (when the daemon stops).
pub fn remove(data: &DataDir) {
    let _ = std::fs::remove_file(path(data));
}

/// The running daemon's control, from its file.
pub fn read(data: &DataDir) -> Result<Control, ControlError> {
    let p = path(data);
    std::fs::read(&p).ok().and_then(|b| serde_json::from_slice(&b).ok()).ok_or(ControlError::NoFile(p))
}

impl Control {
    /// `GET path` on the daemon's API, as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, ControlError> {
        self.answer(reqwest::Client::new().get(self.url(path))).await
    }

    /// `POST path` with a JSON body on the daemon's API, as JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ControlError> {
        let request = reqwest::Client::new()
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(super::incidents::CSRF_HEADER, &self.csrf)
            .body(body.to_string());
        self.answer(request).await
    }

    /// `DELETE path` on the daemon's API, as JSON.
    pub async fn delete(&self, path: &str) -> Result<Value, ControlError> {
        let request = reqwest::Client::new().delete(self.url(path)).header(super::incidents::CSRF_HEADER, &self.csrf);
        self.answer(request).await
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> Result<Value, ControlError> {
        let unreachable = |e: reqwest::Error| ControlError::Unreachable { addr: self.addr, reason: e.to_string() };
        let response = request.timeout(std::time::Duration::from_secs(30)).send().await.map_err(unreachable)?;
        let status = response.status();
        let body: Value = serde_json::from_slice(&response.bytes().await.map_err(unreachable)?).unwrap_or(Value::Null);
        if !status.is_success() {
            let message = body["error"].as_str().map_or_else(|| status.to_string(), str::to_string);
            return Err(ControlError::Refused(message));
        }
        Ok(body)
    }
}
