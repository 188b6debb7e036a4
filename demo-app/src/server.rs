//! The HTTP server: an accept loop over hyper's HTTP/1 connections, with what
//! `axum::serve` lacks: a cap on open connections, a timeout on the request
//! head (a slowloris client, or a kept-alive connection with no next request,
//! is closed after it), and every connection's end counted by reason. SIGINT
//! or SIGTERM stops the accepting; requests in flight finish.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use metricate::LabelValue;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tower::ServiceExt;

/// How long graceful shutdown waits for the connections in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The largest request head hyper reads (request line and headers); larger is
/// a 431 (or a 414 for the URI), counted as such.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The connection limits: `--max-connections` and `--header-timeout`.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Connections open at once; at the cap the one idle the longest makes
    /// room for a new one.
    pub max_connections: usize,
    /// How long a connection may take to send a request's head: its first, or
    /// the next on a kept-alive connection (then it is the idle timeout).
    pub header_timeout: Duration,
}

/// How a connection ended (or was refused): `reason` of
/// `http_connections_closed_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum ConnectionEnd {
    /// The client or the server closed it after complete exchanges.
    Completed,
    /// Closed while idle to make room for a new connection at
    /// `--max-connections`.
    Evicted,
    /// Refused at once: `--max-connections` were open, every one serving a
    /// request.
    OverCapacity,
    /// The request head did not arrive within `--header-timeout` (idle
    /// keep-alive connections and slowloris clients).
    HeaderTimeout,
    /// A request head over the limit: answered 431 by hyper.
    HeaderTooLarge,
    /// A request URI over the limit: answered 414 by hyper.
    UriTooLong,
    /// A request head that does not parse: answered 400 by hyper.
    Malformed,
    /// Reset, or cut off mid-message by the client.
    IoError,
    /// `accept` failed (out of file descriptors, ...): no connection.
    AcceptFailed,
}

fn count(end: ConnectionEnd) {
    metricate::counter!(
        "http_connections_closed_total",
        help = "Connections ended or refused, by reason: the rejections hyper answers itself (431, 414, 400), head timeouts, the cap, accept failures.",
        reason: ConnectionEnd = end
    )
    .inc();
}

/// Moves `http_connections_open` by `delta`.
fn open_connections(delta: f64) {
    metricate::gauge!("http_connections_open", help = "HTTP connections open.").add(delta);
}

fn classify(result: Result<(), hyper::Error>) -> ConnectionEnd {
    match result {
        Ok(()) => ConnectionEnd::Completed,
        Err(error) if error.is_timeout() => ConnectionEnd::HeaderTimeout,
        Err(error) if error.is_parse_too_large() => {
            if error.to_string().contains("URI too long") {
                ConnectionEnd::UriTooLong
            } else {
                ConnectionEnd::HeaderTooLarge
            }
        }
        Err(error) if error.is_parse() || error.is_parse_status() => ConnectionEnd::Malformed,
        Err(_) => ConnectionEnd::IoError,
    }
}

/// A connection the server holds: when it was last idle (waiting for a
/// request head), and how to ask it to close.
struct Tracked {
    /// Milliseconds since the server started when it last became idle;
    /// `u64::MAX` while it serves a request.
    idle_since: AtomicU64,
    /// Notified to close it gracefully (after any request in flight).
    evict: Notify,
    /// Whether it was asked to close to make room.
    evicted: AtomicBool,
}

/// The connections open, by id.
#[derive(Default)]
struct Registry {
    next: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Tracked>>>,
}

impl Registry {
    fn add(&self, now: u64) -> (u64, Arc<Tracked>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked {
            idle_since: AtomicU64::new(now),
            evict: Notify::new(),
            evicted: AtomicBool::new(false),
        });
        if let Ok(mut open) = self.open.lock() {
            open.insert(id, Arc::clone(&tracked));
        }
        (id, tracked)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut open) = self.open.lock() {
            open.remove(&id);
        }
    }

    /// Asks the connection idle the longest to close; false when every one
    /// is serving a request.
    fn evict_oldest_idle(&self) -> bool {
        let Ok(open) = self.open.lock() else {
            return false;
        };
        // Idle the longest; of those idle since the same millisecond, the
        // one accepted first.
        let oldest = open
            .iter()
            .filter(|(_, tracked)| !tracked.evicted.load(Ordering::Relaxed))
            .filter(|(_, tracked)| tracked.idle_since.load(Ordering::Relaxed) != u64::MAX)
            .min_by_key(|(id, tracked)| (tracked.idle_since.load(Ordering::Relaxed), **id));
        match oldest {
            Some((_, tracked)) => {
                tracked.evicted.store(true, Ordering::Relaxed);
                tracked.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// How long a connection accepted at the cap waits for the one evicted to
/// make room for it.
const EVICTION_WAIT: Duration = Duration::from_millis(250);

/// Serves `router` on `listener` until `shutdown` resolves, then waits (at
/// most `SHUTDOWN_GRACE`) for the requests in flight.
///
/// At `max_connections`, a new connection takes the place of the one idle
/// the longest (closed gracefully: an idle connection has nothing in
/// flight), so a flood of idle connections cannot lock clients out; only when
/// every connection is serving a request is the new one refused.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    // At most 2^20: far over any descriptor limit, and a count that the
    // shutdown's wait for every permit can take at once.
    let max = limits.max_connections.clamp(1, 1 << 20);
    let permits = Arc::new(Semaphore::new(max));
    let registry = Arc::new(Registry::default());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let started = std::time::Instant::now();
    let now = move || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most likely: back off a
                    // little rather than spin.
                    count(ConnectionEnd::AcceptFailed);
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let permit = if registry.evict_oldest_idle() {
                    tokio::time::timeout(EVICTION_WAIT, Arc::clone(&permits).acquire_owned())
                        .await
                        .ok()
                        .and_then(Result::ok)
                } else {
                    None
                };
                match permit {
                    Some(permit) => permit,
                    None => {
                        count(ConnectionEnd::OverCapacity);
                        drop(stream);
                        continue;
                    }
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let (id, tracked) = registry.add(now());
        let router = router.clone();
        let in_service = Arc::clone(&tracked);
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let mut request = request.map(axum::body::Body::new);
            request.extensions_mut().insert(ConnectInfo(remote));
            in_service.idle_since.store(u64::MAX, Ordering::Relaxed);
            let tracked = Arc::clone(&in_service);
            let answer = router.clone().oneshot(request);
            async move {
                let response = answer.await;
                tracked.idle_since.store(now(), Ordering::Relaxed);
                response
            }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let registry = Arc::clone(&registry);
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            open_connections(1.0);
            tokio::pin!(connection);
            let mut closing = false;
            let result = loop {
                tokio::select! {
                    result = connection.as_mut() => break result,
                    () = tracked.evict.notified(), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                    _ = stopping.changed(), if !closing => {
                        closing = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            };
            registry.remove(id);
            open_connections(-1.0);
            count(
                if tracked.evicted.load(Ordering::Relaxed) && result.is_ok() {
                    ConnectionEnd::Evicted
                } else {
                    classify(result)
                },
            );
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection returns its permit when it ends.
    let all = u32::try_from(max).unwrap_or(1 << 20);
    if tokio::time::timeout(SHUTDOWN_GRACE, permits.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period");
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
