//! Pushing to a Prometheus Pushgateway (feature `push`): for a batch job that
//! ends before any scrape could see it. [`Pushgateway::push`] sends every
//! family (what [`render_with`] writes) to the group of a
//! job name and grouping labels, by PUT (the group's metrics replaced) or POST
//! (merged by name), in the text or protobuf format, within a timeout; a
//! failure is a typed [`PushError`]. [`Pushgateway::push_after`] runs a job and
//! pushes once when it ends, however it ends.
//!
//! ```no_run
//! use metricate::push::Pushgateway;
//!
//! let gateway = Pushgateway::new("http://127.0.0.1:9091", "nightly_import")
//!     .grouping("shard", "eu/west"); // a value with `/` is sent base64-encoded
//! let (imported, pushed) = gateway.push_after(|| -> Result<u64, std::io::Error> {
//!     metricate::counter!("import_rows_total").inc_by(1200_u32);
//!     Ok(1200)
//! });
//! if let Err(error) = pushed {
//!     eprintln!("metrics not pushed: {error}");
//! }
//! # let _ = imported;
//! ```
//!
//! The Pushgateway must be scraped with `honor_labels: true`, so the pushed
//! `job` and grouping labels are kept. See `docs/operations.md` for when to
//! push and when to scrape.

use crate::expose::{render_with, Format};
use std::fmt;
use std::time::Duration;

/// How a push treats the metrics already in its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Method {
    /// `PUT`: every metric of the group is replaced by those pushed.
    #[default]
    Put,
    /// `POST`: only the metrics of the names pushed are replaced.
    Post,
}

/// The format a push is sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PushFormat {
    /// The text format 0.0.4.
    #[default]
    Text,
    /// The protobuf format (delimited `MetricFamily` messages).
    Protobuf,
}

/// A group on a Pushgateway: its URL, the job name and grouping labels, and
/// how to push. Pushing is blocking: from async code, call it in
/// `spawn_blocking`.
///
/// ```
/// use metricate::push::{Method, PushFormat, Pushgateway};
/// use std::time::Duration;
///
/// let gateway = Pushgateway::new("http://gateway:9091/", "backup/db")
///     .grouping("instance", "")
///     .grouping("region", "eu west")
///     .method(Method::Post)
///     .format(PushFormat::Protobuf)
///     .timeout(Duration::from_secs(2));
/// assert_eq!(
///     gateway.url().unwrap(),
///     "http://gateway:9091/metrics/job@base64/YmFja3VwL2Ri/instance@base64/=/region/eu%20west"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Pushgateway {
    base: String,
    job: String,
    grouping: Vec<(String, String)>,
    method: Method,
    format: PushFormat,
    timeout: Duration,
}

/// Why a push failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushError {
    /// The job name is empty, or a grouping label's name is not a label name.
    InvalidGrouping(String),
    /// The Pushgateway answered with a status other than 2xx: what it said.
    Status {
        /// The HTTP status.
        status: u16,
        /// The body of the answer (the Pushgateway says what it refused).
        body: String,
    },
    /// No answer within the timeout.
    Timeout(Duration),
    /// The Pushgateway could not be reached, or the exchange failed.
    Transport(String),
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::InvalidGrouping(reason) => write!(f, "invalid push group: {reason}"),
            PushError::Status { status, body } => {
                write!(f, "the Pushgateway answered {status}: {}", body.trim())
            }
            PushError::Timeout(after) => {
                write!(f, "the Pushgateway did not answer within {after:?}")
            }
            PushError::Transport(reason) => write!(f, "could not push: {reason}"),
        }
    }
}

impl std::error::Error for PushError {}

/// Whether `name` is a label name, `[a-zA-Z_][a-zA-Z0-9_]*`.
fn is_label_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `bytes` in the URL-safe base64 alphabet (RFC 4648 §5), padded.
fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk.iter().enumerate().fold(0_u32, |word, (i, byte)| {
            word | u32::from(*byte) << (16 - 8 * i)
        });
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(char::from(
                    ALPHABET[(word >> (18 - 6 * index)) as usize & 63],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `value` escaped as one path segment: every byte but the unreserved ones
/// (RFC 3986) percent-encoded.
fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `/name/value` of the grouping key path, in the base64 form
/// (`/name@base64/...`) for a value with a `/` or an empty one, as the
/// Pushgateway's API asks.
fn key_segment(name: &str, value: &str) -> String {
    if value.is_empty() {
        format!("/{name}@base64/=")
    } else if value.contains('/') {
        format!("/{name}@base64/{}", base64_url(value.as_bytes()))
    } else {
        format!("/{name}/{}", path_segment(value))
    }
}

impl Pushgateway {
    /// The group of job `job` on the Pushgateway at `url` (`http://host:9091`),
    /// pushed by PUT in the text format within 10 seconds.
    pub fn new(url: impl Into<String>, job: impl Into<String>) -> Pushgateway {
        Pushgateway {
            base: url.into(),
            job: job.into(),
            grouping: Vec::new(),
            method: Method::Put,
            format: PushFormat::Text,
            timeout: Duration::from_secs(10),
        }
    }

    /// Adds a grouping label, beside the job name, to the group's key.
    pub fn grouping(mut self, name: impl Into<String>, value: impl Into<String>) -> Pushgateway {
        self.grouping.push((name.into(), value.into()));
        self
    }

    /// PUT (replace the group, the default) or POST (merge by name).
    pub fn method(mut self, method: Method) -> Pushgateway {
        self.method = method;
        self
    }

    /// The text format (the default) or protobuf.
    pub fn format(mut self, format: PushFormat) -> Pushgateway {
        self.format = format;
        self
    }

    /// How long a push may take, connecting included (default 10 seconds).
    pub fn timeout(mut self, timeout: Duration) -> Pushgateway {
        self.timeout = timeout;
        self
    }

    /// The group's URL: `/metrics/job/<job>/<label>/<value>...`, each part
    /// escaped.
    ///
    /// # Errors
    ///
    /// [`PushError::InvalidGrouping`] when the job is empty or a grouping
    /// label's name is not a label name.
    pub fn url(&self) -> Result<String, PushError> {
        if self.job.is_empty() {
            return Err(PushError::InvalidGrouping(
                "the job name is empty".to_owned(),
            ));
        }
        let mut url = self.base.trim_end_matches('/').to_owned();
        url.push_str("/metrics");
        url.push_str(&key_segment("job", &self.job));
        for (name, value) in &self.grouping {
            if !is_label_name(name) || name == "job" {
                return Err(PushError::InvalidGrouping(format!(
                    "`{name}` is not a grouping label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not `job`"
                )));
            }
            url.push_str(&key_segment(name, value));
        }
        Ok(url)
    }

    /// Pushes every family, as it is now, to the group.
    ///
    /// # Errors
    ///
    /// [`PushError`]: an invalid group, a non-2xx answer (with its body), a
    /// timeout, or a connection that failed.
    pub fn push(&self) -> Result<(), PushError> {
        let url = self.url()?;
        let format = match self.format {
            PushFormat::Text => Format::Text,
            PushFormat::Protobuf => Format::Protobuf,
        };
        let body = render_with(format);
        self.send(&url, self.method, Some((format.content_type(), &body)))
    }

    /// Deletes the group's metrics from the Pushgateway.
    ///
    /// # Errors
    ///
    /// As [`push`](Pushgateway::push).
    pub fn delete(&self) -> Result<(), PushError> {
        let url = self.url()?;
        self.send(&url, self.method, None)
    }

    /// Runs `job`, then pushes once, however it ended: with a value, an `Err`,
    /// or a panic (pushed, then resumed). Returns what the job returned, and
    /// how the push went.
    pub fn push_after<R>(&self, job: impl FnOnce() -> R) -> (R, Result<(), PushError>) {
        /// Pushes when dropped while the job unwinds.
        struct OnPanic<'a>(Option<&'a Pushgateway>);
        impl Drop for OnPanic<'_> {
            fn drop(&mut self) {
                if let Some(gateway) = self.0.take() {
                    let _ = gateway.push();
                }
            }
        }
        let mut guard = OnPanic(Some(self));
        let outcome = job();
        guard.0 = None;
        (outcome, self.push())
    }

    fn send(
        &self,
        url: &str,
        method: Method,
        body: Option<(&str, &[u8])>,
    ) -> Result<(), PushError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let answer = match (body, method) {
            (Some((content_type, body)), Method::Put) => agent
                .put(url)
                .header("Content-Type", content_type)
                .send(body),
            (Some((content_type, body)), Method::Post) => agent
                .post(url)
                .header("Content-Type", content_type)
                .send(body),
            (None, _) => agent.delete(url).call(),
        };
        let mut answer = answer.map_err(|error| match error {
            ureq::Error::Timeout(_) => PushError::Timeout(self.timeout),
            other => PushError::Transport(other.to_string()),
        })?;
        let status = answer.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let body = answer
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        Err(PushError::Status { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_the_url_safe_alphabet_padded() {
        assert_eq!(base64_url(b""), "");
        assert_eq!(base64_url(b"f"), "Zg==");
        assert_eq!(base64_url(b"fo"), "Zm8=");
        assert_eq!(base64_url(b"foo"), "Zm9v");
        assert_eq!(base64_url(b"/var/tmp"), "L3Zhci90bXA=");
        assert_eq!(base64_url(&[0xfb, 0xff]), "-_8=");
    }

    #[test]
    fn the_grouping_key_is_escaped_per_the_pushgateway_api() {
        let url = |gateway: Pushgateway| gateway.url();
        assert_eq!(
            url(Pushgateway::new("http://g:9091", "scan").grouping("source", "a b")).as_deref(),
            Ok("http://g:9091/metrics/job/scan/source/a%20b")
        );
        assert_eq!(
            url(Pushgateway::new("http://g:9091", "")),
            Err(PushError::InvalidGrouping(
                "the job name is empty".to_owned()
            ))
        );
        assert!(url(Pushgateway::new("http://g:9091", "scan").grouping("bad-name", "x")).is_err());
        assert!(url(Pushgateway::new("http://g:9091", "scan").grouping("job", "x")).is_err());
    }

    /// A server on loopback that answers one request with `answer` (or never,
    /// when `None`), after reading the request head.
    fn one_answer(answer: Option<&'static str>) -> std::net::SocketAddr {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0_u8; 4096];
            let _ = stream.read(&mut request);
            match answer {
                Some(answer) => {
                    let _ = stream.write_all(answer.as_bytes());
                }
                None => std::thread::sleep(Duration::from_secs(5)),
            }
        });
        address
    }

    #[test]
    fn a_refusal_is_its_status_with_the_body() {
        let address = one_answer(Some(
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 24\r\nConnection: close\r\n\r\ninconsistent help string",
        ));
        let error = Pushgateway::new(format!("http://{address}"), "scan")
            .push()
            .unwrap_err();
        assert_eq!(
            error,
            PushError::Status {
                status: 400,
                body: "inconsistent help string".to_owned()
            }
        );
    }

    #[test]
    fn no_answer_is_a_timeout() {
        let address = one_answer(None);
        let timeout = Duration::from_millis(300);
        let error = Pushgateway::new(format!("http://{address}"), "scan")
            .timeout(timeout)
            .push()
            .unwrap_err();
        assert_eq!(error, PushError::Timeout(timeout));
    }

    #[test]
    fn a_closed_port_is_a_transport_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let error = Pushgateway::new(format!("http://{address}"), "scan")
            .timeout(Duration::from_secs(5))
            .push()
            .unwrap_err();
        assert!(matches!(error, PushError::Transport(_)), "{error:?}");
    }
}
