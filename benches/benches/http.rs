//! CPU per request that each HTTP metrics layer adds to a real axum `Router`:
//! none, metricate's `HttpMetricsLayer`, and `axum-prometheus` (the maintained
//! tower layer on `metrics` + `metrics-exporter-prometheus`). In memory through
//! `oneshot` on one thread and on two, and over loopback with a keep-alive
//! client (one connection per thread, a bounded number of requests).

use axum::body::Body;
use axum::http::Request;
use axum::routing::{get, post};
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::LazyLock;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// The routes, as a service declares them.
const ROUTES: [&str; 3] = ["GET /api/jobs/{id}", "POST /api/cvs", "GET /health"];

fn routes() -> Router {
    Router::new()
        .route(
            "/api/jobs/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<u32>| async move {
                    format!("{{\"id\":{id},\"title\":\"Rust engineer\"}}")
                },
            ),
        )
        .route(
            "/api/cvs",
            post(|body: String| async move { body.len().to_string() }),
        )
        .route("/health", get(|| async { "ok" }))
}

/// Each variant: its name and its router.
fn variants() -> Vec<(&'static str, Router)> {
    // axum-prometheus spawns its upkeep task when the layer is made: it gets a
    // runtime of its own that lives as long as the benchmark.
    static UPKEEP: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("a runtime: {error}"))
    });
    static AXUM_PROMETHEUS: LazyLock<axum_prometheus::PrometheusMetricLayer<'static>> =
        LazyLock::new(|| {
            let _entered = UPKEEP.enter();
            axum_prometheus::PrometheusMetricLayer::pair().0
        });
    vec![
        ("none", routes()),
        (
            "metricate",
            routes().layer(metricate::http::HttpMetricsLayer::new().routes(ROUTES)),
        ),
        ("axum_prometheus", routes().layer(AXUM_PROMETHEUS.clone())),
    ]
}

fn request(n: u64) -> Request<Body> {
    Request::get(format!("/api/jobs/{}", n % 1000))
        .body(Body::empty())
        .unwrap_or_default()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("a runtime: {error}"))
}

/// `iters` requests through `app`, on this thread's runtime.
fn in_memory(app: &Router, iters: u64) -> Duration {
    let runtime = runtime();
    let started = Instant::now();
    for n in 0..iters {
        let response = runtime.block_on(app.clone().oneshot(request(n)));
        black_box(response.map(|response| response.status()).ok());
    }
    started.elapsed()
}

fn one_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("http_one_thread");
    for (name, app) in variants() {
        group.bench_function(name, |b| b.iter_custom(|iters| in_memory(&app, iters)));
    }
    group.finish();
}

fn two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("http_two_threads");
    for (name, app) in variants() {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| benches::on_two_threads(|| in_memory(&app, iters)));
        });
    }
    group.finish();
}

/// Serves `app` on loopback from a runtime of its own.
fn serve(app: Router) -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("a runtime: {error}"));
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .unwrap_or_else(|error| panic!("a loopback port: {error}"));
            let _ = sender.send(listener.local_addr().ok());
            let _ = axum::serve(listener, app).await;
        });
    });
    receiver
        .recv()
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("the server starts"))
}

/// `iters` GETs on one keep-alive connection, each response read whole.
fn over_loopback(address: SocketAddr, iters: u64) -> Duration {
    let mut stream = TcpStream::connect(address).unwrap_or_else(|error| panic!("{error}"));
    let _ = stream.set_nodelay(true);
    let mut buffer = vec![0u8; 4096];
    let started = Instant::now();
    for n in 0..iters {
        let request = format!("GET /api/jobs/{} HTTP/1.1\r\nhost: bench\r\n\r\n", n % 1000);
        if stream.write_all(request.as_bytes()).is_err() {
            break;
        }
        let mut read = 0;
        // The body is small: the head and body arrive together.
        loop {
            match stream.read(&mut buffer[read..]) {
                Ok(0) | Err(_) => break,
                Ok(got) => read += got,
            }
            if let Some(end) = buffer[..read].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|length| length.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if read >= end + 4 + length {
                    break;
                }
            }
        }
        black_box(read);
    }
    started.elapsed()
}

fn loopback(c: &mut Criterion) {
    let mut group = c.benchmark_group("http_loopback");
    group.sample_size(20);
    for (name, app) in variants() {
        let address = serve(app);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| over_loopback(address, iters))
        });
    }
    group.finish();
}

fn config() -> Criterion {
    benches::criterion(3, 40)
}

criterion_group! {
    name = http;
    config = config();
    targets = one_thread, two_threads, loopback
}
criterion_main!(http);
