//! Real Prometheus and Alertmanager servers, from Debian's packages, started on
//! loopback for one test and stopped when dropped; and a small blocking HTTP
//! client to query them. Under `CI=true` a missing server fails the test
//! (`.ci/run` installs them); elsewhere the test is skipped with a line saying
//! how to install them.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free port on loopback (bound, then released for the server to take).
pub fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
}

/// A directory of its own under the system's temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty directory.
    pub fn new(name: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("metricate-{name}-{}-{unique}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        TempDir(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process killed when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
    /// Its data and configuration.
    pub dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `program` is installed; outside CI a missing one skips the test
/// (`None`), in CI it fails it.
fn installed(program: &str, package: &str) -> Option<()> {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    match (found, std::env::var_os("CI").is_some()) {
        (true, _) => Some(()),
        (false, true) => {
            panic!("{program} is required in CI: .ci/run installs the Debian package `{package}`")
        }
        (false, false) => {
            eprintln!("skipped: {program} is not installed (apt-get install {package}); CI runs this test");
            None
        }
    }
}

/// Starts Prometheus on loopback with `config` (`prometheus.yml`) and the
/// other `files` beside it, with the `features` flags, and waits until it is
/// ready. `extra` flags are passed as they are.
pub fn prometheus(
    config: &str,
    files: &[(&str, &str)],
    features: &[&str],
    extra: &[&str],
) -> Option<Server> {
    installed("prometheus", "prometheus")?;
    let dir = TempDir::new("prometheus");
    std::fs::write(dir.path().join("prometheus.yml"), config).expect("the config is written");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("a file beside the config is written");
    }
    let address = free_address();
    let mut command = Command::new("prometheus");
    command
        .arg(format!(
            "--config.file={}",
            dir.path().join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={address}"))
        .arg("--log.level=warn")
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("prometheus.log")).expect("a log file"),
        ));
    if !features.is_empty() {
        command.arg(format!("--enable-feature={}", features.join(",")));
    }
    let child = command.spawn().expect("prometheus starts");
    let server = Server {
        child,
        address,
        dir,
    };
    wait_until(Duration::from_secs(30), "prometheus is ready", || {
        get(server.address, "/-/ready").is_some_and(|(status, _)| status == 200)
    });
    Some(server)
}

/// Starts Alertmanager on loopback with `config` and waits until it is ready.
pub fn alertmanager(config: &str) -> Option<Server> {
    installed("prometheus-alertmanager", "prometheus-alertmanager")?;
    let dir = TempDir::new("alertmanager");
    std::fs::write(dir.path().join("alertmanager.yml"), config).expect("the config is written");
    let address = free_address();
    let cluster = free_address();
    let child = Command::new("prometheus-alertmanager")
        .arg(format!(
            "--config.file={}",
            dir.path().join("alertmanager.yml").display()
        ))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={address}"))
        .arg(format!("--cluster.listen-address={cluster}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("alertmanager.log")).expect("a log file"),
        ))
        .spawn()
        .expect("alertmanager starts");
    let server = Server {
        child,
        address,
        dir,
    };
    wait_until(Duration::from_secs(30), "alertmanager is ready", || {
        get(server.address, "/-/ready").is_some_and(|(status, _)| status == 200)
    });
    Some(server)
}

/// Starts a Prometheus Pushgateway on loopback (no persistence) and waits
/// until it is ready.
pub fn pushgateway() -> Option<Server> {
    installed("prometheus-pushgateway", "prometheus-pushgateway")?;
    let dir = TempDir::new("pushgateway");
    let address = free_address();
    let child = Command::new("prometheus-pushgateway")
        .arg(format!("--web.listen-address={address}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("pushgateway.log")).expect("a log file"),
        ))
        .spawn()
        .expect("the pushgateway starts");
    let server = Server {
        child,
        address,
        dir,
    };
    wait_until(Duration::from_secs(30), "the pushgateway is ready", || {
        get(server.address, "/-/ready").is_some_and(|(status, _)| status == 200)
    });
    Some(server)
}

impl Server {
    /// `GET path` of the server's HTTP API, its JSON body.
    pub fn api(&self, path: &str) -> Value {
        let (status, body) = get(self.address, path).unwrap_or_else(|| panic!("{path} answers"));
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|error| panic!("{path}: {error}: {body}"))
    }

    /// The result of an instant PromQL query (`data.result`).
    pub fn query(&self, promql: &str) -> Vec<Value> {
        let answer = self.api(&format!("/api/v1/query?query={}", encode(promql)));
        answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        ["prometheus.log", "alertmanager.log", "pushgateway.log"]
            .iter()
            .filter_map(|name| std::fs::read_to_string(self.dir.path().join(name)).ok())
            .collect()
    }
}

/// Polls `ready` every 200 ms until it holds, failing the test after `timeout`.
pub fn wait_until(timeout: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Percent-encodes a query parameter.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// One blocking `GET` over a fresh loopback connection, bounded in time: the
/// status and the body, or `None` when nothing answers.
pub fn get(address: SocketAddr, path: &str) -> Option<(u16, String)> {
    request(address, "GET", path, &[], b"").map(|response| (response.status, response.body))
}

/// An HTTP response: its status, headers (names in lower case) and body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, as text.
    pub body: String,
}

impl Response {
    /// The value of header `name` (lower case), if there is one.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

/// One blocking request over a fresh loopback connection, bounded in time:
/// `method path` with `headers` and `body` (its length sent as
/// `content-length`); `None` when nothing answers.
pub fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Response> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    // A server may answer before it reads the whole body (a 413): the
    // answer counts, not whether the rest could be written.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Some(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
