//! The real `demo-app` binary, started on an ephemeral loopback port with a
//! data directory of its own, and what the tests ask of it.

#![allow(dead_code, unused_imports, unreachable_pub)]

pub use metricate_tests::servers::Response;
use metricate_tests::servers::{request, TempDir};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub use metricate_tests::{promtool_check_metrics, sample_in};

/// The admin token and webhook secret every test service is started with.
pub const ADMIN_TOKEN: &str = "test-admin-token";
pub const WEBHOOK_SECRET: &str = "test-webhook-secret";

/// A running `demo-app serve`, stopped (SIGTERM) when dropped.
pub struct Demo {
    child: Option<Child>,
    /// Where it listens.
    pub address: SocketAddr,
}

impl Demo {
    /// Starts the service on `data_dir` with `extra` flags, waits for the
    /// address it prints and for its first scan to finish.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Demo {
        Demo::start_under(&[], data_dir, extra)
    }

    /// As [`Demo::start`], the binary run by `wrapper` (`["prlimit",
    /// "--nofile=1024:1024", "--"]`): it must exec the binary, keeping the pid.
    pub fn start_under(wrapper: &[&str], data_dir: &Path, extra: &[&str]) -> Demo {
        let mut args = vec!["serve", "--addr", "127.0.0.1:0"];
        if !extra.contains(&"--scan-every") {
            args.extend(["--scan-every", "1h"]);
        }
        // As many workers as `emit` counts, whatever the machine's cores.
        if !extra.contains(&"--workers") {
            args.extend(["--workers", "2"]);
        }
        args.extend([
            "--admin-token",
            ADMIN_TOKEN,
            "--webhook-secret",
            WEBHOOK_SECRET,
        ]);
        let data = data_dir.to_str().expect("a UTF-8 path");
        args.extend(["--data-dir", data]);
        args.extend(extra);
        let demo = Demo::spawn_under(wrapper, &args, &data_dir.join("serve.log"));
        demo.wait_until("the first scan finished", |demo| {
            let scrape = demo.scrape();
            scrape.value("iam_scan_runs_total", &[("status", "ok")])
                + scrape.value("iam_scan_runs_total", &[("status", "error")])
                >= 1.0
        });
        demo
    }

    /// Starts a job feed that never fails, with 1 ms pages, for scans whose
    /// every figure is known.
    pub fn feed(log: &Path) -> Demo {
        Demo::spawn(
            &[
                "feed",
                "--addr",
                "127.0.0.1:0",
                "--fail-rate",
                "0",
                "--latency",
                "1ms",
            ],
            log,
        )
    }

    /// Runs `demo-app args`, its log to `log`; waits for the address it
    /// prints first.
    fn spawn(args: &[&str], log: &Path) -> Demo {
        Demo::spawn_under(&[], args, log)
    }

    fn spawn_under(wrapper: &[&str], args: &[&str], log: &Path) -> Demo {
        let log = std::fs::File::create(log).expect("a log file");
        let binary = env!("CARGO_BIN_EXE_demo-app");
        let mut command = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        let mut child = command
            .args(args)
            .env("RUST_LOG", "warn,demo_app=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("demo-app starts");
        let stdout = child.stdout.take().expect("its stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = sender.send(line);
            }
            // Keep reading so that the process never blocks on a full pipe.
            for _ in lines {}
        });
        let first = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("demo-app prints where it listens");
        let address = first
            .strip_prefix("listening on http://")
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("the first line names the address: {first}"));
        Demo {
            child: Some(child),
            address,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `method path` with `headers` and `body`.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        request(self.address, method, path, headers, body)
            .unwrap_or_else(|| panic!("{method} {path} is answered"))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Response {
        self.call("GET", path, &[], b"")
    }

    /// `method path` with a JSON body.
    pub fn json(&self, method: &str, path: &str, body: &serde_json::Value) -> Response {
        self.call(
            method,
            path,
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    /// Uploads a plain-text CV of `words` distinct-ish words (a v5.1 match on
    /// 120 000 of them takes hundreds of ms in a debug build); its id.
    pub fn upload_words(&self, words: usize) -> i64 {
        let text: String = (0..words)
            .map(|index| format!("w{:x} ", index % 9973))
            .collect();
        let cv = self.call(
            "POST",
            "/api/cvs",
            &[("content-type", "text/plain")],
            format!("CV of {words} words\n\nSkills\nRust\n\nExperience\n{text}").as_bytes(),
        );
        assert_eq!(cv.status, 201, "{}", cv.body);
        cv.json()["id"].as_i64().expect("an id")
    }

    /// A payment webhook with `body`, signed with the service's secret at
    /// `timestamp` (unix seconds).
    pub fn webhook(&self, body: &str, timestamp: i64) -> Response {
        let signature =
            demo_app::webhooks::sign(WEBHOOK_SECRET.as_bytes(), timestamp, body.as_bytes());
        let timestamp = timestamp.to_string();
        self.call(
            "POST",
            "/webhooks/paypal",
            &[
                ("content-type", "application/json"),
                ("x-webhook-timestamp", &timestamp),
                ("x-webhook-signature", &signature),
            ],
            body.as_bytes(),
        )
    }

    /// The exposition, as `GET /metrics` serves it.
    pub fn scrape(&self) -> Scrape {
        let response = self.get("/metrics");
        assert_eq!(response.status, 200, "{}", response.body);
        Scrape(response.body)
    }

    /// Polls `ready` every 100 ms for up to 30 s.
    pub fn wait_until(&self, what: &str, mut ready: impl FnMut(&Demo) -> bool) {
        let started = Instant::now();
        while !ready(self) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "timed out waiting until {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it with SIGTERM, as an orchestrator does; how it exited.
    pub fn stop(mut self) -> ExitStatus {
        self.terminate().expect("the service was running")
    }

    /// Kills it with SIGKILL, as a crash or the OOM killer does.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Its resident memory, in bytes (Linux), or 0.
    pub fn rss_bytes(&self) -> u64 {
        self.status_bytes("VmRSS:")
    }

    /// Its peak resident memory so far (`VmHWM`), in bytes (Linux), or 0.
    pub fn peak_rss_bytes(&self) -> u64 {
        self.status_bytes("VmHWM:")
    }

    /// Whether the process is still there and not a zombie.
    pub fn alive(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid())).is_ok_and(|status| {
            status
                .lines()
                .find(|line| line.starts_with("State:"))
                .is_some_and(|line| !line.contains("zombie") && !line.contains("dead"))
        })
    }

    /// Its child processes (Linux), zombies included: a child not reaped
    /// is still one.
    pub fn children(&self) -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                    // The fields after the command name, in parentheses:
                    // state, then the parent's pid.
                    stat.rfind(')')
                        .and_then(|end| stat[end + 1..].split_whitespace().nth(1))
                        .and_then(|ppid| ppid.parse::<u32>().ok())
                        == Some(self.pid())
                })
            })
            .collect()
    }

    /// Its open file descriptors (Linux), or 0.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map_or(0, Iterator::count)
    }

    fn status_bytes(&self, field: &str) -> u64 {
        status_bytes(self.pid(), field)
    }

    fn terminate(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// A data directory of its own.
pub fn data_dir(name: &str) -> TempDir {
    TempDir::new(&format!("demo-{name}"))
}

/// Series values of one scrape, read by name and labels.
pub struct Scrape(pub String);

impl Scrape {
    /// The value of `name{labels}`; 0 when the series is absent.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        sample_in(&self.0, name, labels).unwrap_or(0.0)
    }
}

/// How much `name{labels}` moved from `before` to `after`.
pub fn delta(before: &Scrape, after: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.value(name, labels) - before.value(name, labels)
}

/// A `/proc/{pid}/status` field in kB, in bytes (Linux), or 0: `VmHWM:` is
/// the peak resident memory of `pid` so far.
pub fn status_bytes(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with(field))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}

/// An Alertmanager webhook receiver: every notification's body, with when it
/// arrived.
pub struct Receiver {
    /// Where it listens.
    pub address: SocketAddr,
    received: Arc<Mutex<Vec<(Instant, Value)>>>,
}

impl Receiver {
    /// Starts it on a loopback port.
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(&stream);
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut body = vec![0; length.min(1 << 20)];
                if reader.read_exact(&mut body).is_ok() {
                    if let Ok(value) = serde_json::from_slice(&body) {
                        if let Ok(mut received) = store.lock() {
                            received.push((Instant::now(), value));
                        }
                    }
                }
                let _ = (&stream).write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            }
        });
        Receiver { address, received }
    }

    /// When `alertname` first arrived firing.
    pub fn arrived(&self, alertname: &str) -> Option<Instant> {
        let received = self.received.lock().ok()?;
        received.iter().find_map(|(at, body)| {
            body["alerts"]
                .as_array()?
                .iter()
                .any(|alert| {
                    alert["labels"]["alertname"] == alertname && alert["status"] == "firing"
                })
                .then_some(*at)
        })
    }

    /// Every notification received so far, in order.
    pub fn notifications(&self) -> Vec<Value> {
        self.received
            .lock()
            .map(|received| received.iter().map(|(_, body)| body.clone()).collect())
            .unwrap_or_default()
    }
}

/// The series one instance exposes from start, `S = `, as the generated
/// reference states it.
pub fn series_per_instance(reference: &str) -> usize {
    reference
        .split_once("One instance exposes S = ")
        .and_then(|(_, rest)| rest.split(' ').next()?.parse().ok())
        .expect("the reference states S")
}

/// `demo-app emit <args>`, however it ends: whether it succeeded, its
/// stdout and its stderr.
pub fn emit_answer(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .arg("emit")
        .args(args)
        .output()
        .expect("demo-app emit runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `demo-app emit <args>`: the generated file, as the product makes it.
pub fn emit(args: &[&str]) -> String {
    let (ok, text, said) = emit_answer(args);
    assert!(ok, "emit {args:?}: {said}");
    text
}

/// The titles of the generated dashboard's panels (rows aside) none of whose
/// queries `finite` finds a finite value for, and how many panels there are.
/// Each query gets the dashboard's variables filled in: job `demo-app`, every
/// instance, a 1 minute rate interval.
pub fn empty_panels(finite: impl Fn(&str) -> usize) -> (Vec<String>, usize) {
    let dashboard: Value =
        serde_json::from_str(&emit(&["dashboard"])).expect("the dashboard is JSON");
    let mut panels = 0;
    let mut empty = Vec::new();
    for panel in dashboard["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .filter(|panel| panel["type"] != "row")
    {
        panels += 1;
        let found: usize = panel["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .map(|target| {
                let expr = target["expr"]
                    .as_str()
                    .expect("an expr")
                    .replace("$job", "demo-app")
                    .replace("$instance", ".+")
                    .replace("$__rate_interval", "1m");
                finite(&expr)
            })
            .sum();
        if found == 0 {
            empty.push(panel["title"].as_str().unwrap_or("?").to_owned());
        }
    }
    (empty, panels)
}
