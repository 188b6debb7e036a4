//! The HTTP layer and the `/metrics` route over real HTTP on loopback.

// Test helpers: a failed socket operation should fail the test loudly.
#![allow(clippy::unwrap_used)]

use axum::routing::get;
use axum::Router;
use metricate::http::{HttpMetricsLayer, MetricsEndpoint};
use metricate_tests::sample_in;
use std::io::Read;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `app` on an ephemeral loopback port.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// One HTTP/1.1 exchange on a fresh connection: (status, head, body bytes).
async fn exchange(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response[split + 4..].to_vec();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(&body)
    } else {
        body
    };
    (status, head, body)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|window| window == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 2 + size + 2..];
    }
    out
}

fn app() -> Router {
    Router::new()
        .route(
            "/api/jobs/{id}",
            get(|| async { "a job" }).post(|body: String| async move { body }),
        )
        .merge(MetricsEndpoint::new().router())
        .layer(HttpMetricsLayer::new())
}

#[tokio::test]
async fn routes_are_templates_unknown_paths_share_one_series_and_metrics_is_not_counted() {
    let address = serve(app()).await;
    for id in 0..1_000 {
        let (status, _, body) =
            exchange(address, "GET", &format!("/api/jobs/{id}"), &[], b"").await;
        assert_eq!((status, body.as_slice()), (200, b"a job".as_slice()));
    }
    for path in ["/nope", "/api/unknown/1", "/favicon.ico"] {
        assert_eq!(exchange(address, "GET", path, &[], b"").await.0, 404);
    }
    assert_eq!(
        exchange(address, "POST", "/api/jobs/7", &[], b"twelve bytes")
            .await
            .2,
        b"twelve bytes"
    );
    assert_eq!(
        exchange(address, "PURGE", "/api/jobs/7", &[], b"").await.0,
        405
    );

    let (status, head, body) = exchange(address, "GET", "/metrics", &[], b"").await;
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    let text = String::from_utf8(body).unwrap();
    let job = [
        ("method", "GET"),
        ("route", "/api/jobs/{id}"),
        ("status", "200"),
    ];
    assert_eq!(sample_in(&text, "http_requests_total", &job), Some(1000.0));
    let route_series = text
        .lines()
        .filter(|line| line.starts_with("http_requests_total{") && line.contains("/api/jobs/"))
        .count();
    assert_eq!(
        route_series, 3,
        "GET 200, POST 200 and the other-method 405:\n{text}"
    );
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    assert_eq!(
        sample_in(&text, "http_requests_total", &unmatched),
        Some(3.0)
    );
    let other = [
        ("method", "other"),
        ("route", "/api/jobs/{id}"),
        ("status", "405"),
    ];
    assert_eq!(sample_in(&text, "http_requests_total", &other), Some(1.0));
    assert!(
        !text.contains("route=\"/metrics\""),
        "the metrics route is not counted by default"
    );
    let post = [("method", "POST"), ("route", "/api/jobs/{id}")];
    assert_eq!(
        sample_in(&text, "http_request_size_bytes_sum", &post),
        Some(12.0)
    );
    assert_eq!(
        sample_in(&text, "http_response_size_bytes_sum", &post),
        Some(12.0)
    );
    assert_eq!(
        sample_in(
            &text,
            "http_request_duration_seconds_count",
            &[("method", "GET"), ("route", "/api/jobs/{id}")]
        ),
        Some(1000.0)
    );
    assert_eq!(
        sample_in(
            &text,
            "http_requests_in_progress",
            &[("method", "GET"), ("route", "/api/jobs/{id}")]
        ),
        Some(0.0)
    );
    assert!(text.contains("process_resident_memory_bytes"));
    if let Some(verdict) = metricate_tests::promtool_check_metrics(&text) {
        verdict.unwrap_or_else(|said| panic!("promtool check metrics said:\n{said}\n---\n{text}"));
    }
}

#[tokio::test]
async fn the_metrics_route_gzips_protects_and_can_be_counted() {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(
            MetricsEndpoint::new()
                .path("/private/metrics")
                .bearer_token("s3cret")
                .router(),
        )
        .layer(
            HttpMetricsLayer::new()
                .include("/private/metrics")
                .exclude("/healthz")
                .exclude("/metrics"),
        );
    let address = serve(app).await;
    exchange(address, "GET", "/healthz", &[], b"").await;

    let (status, head, _) = exchange(address, "GET", "/private/metrics", &[], b"").await;
    assert_eq!(status, 401);
    assert!(head
        .to_ascii_lowercase()
        .contains("www-authenticate: bearer"));
    assert_eq!(
        exchange(
            address,
            "GET",
            "/private/metrics",
            &[("authorization", "Bearer wrong")],
            b""
        )
        .await
        .0,
        401
    );

    let auth = ("authorization", "Bearer s3cret");
    let (status, head, body) = exchange(
        address,
        "GET",
        "/private/metrics",
        &[auth, ("accept-encoding", "gzip")],
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase().contains("content-encoding: gzip"),
        "{head}"
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("# TYPE http_requests_total counter"));
    assert!(!text.contains("route=\"/healthz\""));

    let (_, _, body) = exchange(address, "GET", "/private/metrics", &[auth], b"").await;
    let text = String::from_utf8(body).unwrap();
    let scrapes = [
        ("method", "GET"),
        ("route", "/private/metrics"),
        ("status", "200"),
    ];
    assert!(
        sample_in(&text, "http_requests_total", &scrapes).is_some_and(|count| count >= 1.0),
        "{text}"
    );
}

#[derive(Clone, Copy, metricate::LabelValue)]
enum QueueState {
    Waiting,
    Running,
}

#[tokio::test]
async fn before_scrape_refreshes_values_from_an_async_source_after_the_token_check() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    let refreshes = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&refreshes);
    let endpoint = MetricsEndpoint::new()
        .path("/refreshed")
        .bearer_token("t0k3n")
        .before_scrape(move || {
            let counted = Arc::clone(&counted);
            async move {
                // An async source, as a database query would be.
                tokio::task::yield_now().await;
                let refresh = counted.fetch_add(1, Ordering::SeqCst) + 1;
                for (state, jobs) in [(QueueState::Waiting, 3 * refresh), (QueueState::Running, 1)] {
                    metricate::gauge!("http_test_queue_jobs", help = "Jobs by state.", state: QueueState = state)
                        .set(f64::from(jobs));
                }
            }
        });
    let address = serve(Router::new().merge(endpoint.router())).await;

    let (status, _, _) = exchange(address, "GET", "/refreshed", &[], b"").await;
    assert_eq!(status, 401);
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        0,
        "no refresh for a refused scrape"
    );

    let auth = [("authorization", "Bearer t0k3n")];
    for expected in [3.0, 6.0] {
        let (status, _, body) = exchange(address, "GET", "/refreshed", &auth, b"").await;
        assert_eq!(status, 200);
        let text = String::from_utf8(body).unwrap();
        assert_eq!(
            sample_in(&text, "http_test_queue_jobs", &[("state", "waiting")]),
            Some(expected)
        );
        assert_eq!(
            sample_in(&text, "http_test_queue_jobs", &[("state", "running")]),
            Some(1.0)
        );
    }
}

/// The API of a service, built with metricate's router: a route added here
/// has its series at 0 from start, with nothing else to touch.
fn learnt_routes() -> metricate::http::routing::Router {
    use metricate::http::routing::{get, post, Router};
    let jobs = Router::new().route("/", get(|| async { "jobs" })).route(
        "/{id}",
        get(|| async { "a job" }).patch(|| async { "moved" }),
    );
    let admin = Router::new().route("/learnt-admin/scan", post(|| async { "scanning" }));
    Router::new()
        .route("/learnt/health", get(|| async { "ok" }))
        .nest("/learnt/jobs", jobs)
        .merge(admin)
}

#[tokio::test]
async fn routes_learnt_by_the_router_exist_at_0_and_record_under_the_same_template() {
    // The router is built before its layer, as a service builds it.
    let app: Router = learnt_routes().layer(HttpMetricsLayer::new()).into_inner();
    let text = metricate::render();
    let count = |text: &str, method: &str, route: &str| {
        sample_in(
            text,
            "http_request_duration_seconds_count",
            &[("method", method), ("route", route)],
        )
    };
    for (method, route) in [
        ("GET", "/learnt/health"),
        ("GET", "/learnt/jobs"),
        ("GET", "/learnt/jobs/{id}"),
        ("PATCH", "/learnt/jobs/{id}"),
        ("POST", "/learnt-admin/scan"),
    ] {
        assert_eq!(count(&text, method, route), Some(0.0), "{method} {route}");
    }
    assert_eq!(
        count(&text, "POST", "/learnt/jobs/{id}"),
        None,
        "no such method"
    );
    let address = serve(app).await;
    for (method, path) in [
        ("GET", "/learnt/jobs"),
        ("PATCH", "/learnt/jobs/7"),
        ("PATCH", "/learnt/jobs/8"),
        ("POST", "/learnt-admin/scan"),
    ] {
        let (status, _, _) = exchange(address, method, path, &[], b"").await;
        assert_eq!(status, 200, "{method} {path}");
    }
    let text = metricate::render();
    assert_eq!(count(&text, "GET", "/learnt/jobs"), Some(1.0));
    assert_eq!(count(&text, "PATCH", "/learnt/jobs/{id}"), Some(2.0));
    assert_eq!(count(&text, "POST", "/learnt-admin/scan"), Some(1.0));
    assert_eq!(count(&text, "GET", "/learnt/health"), Some(0.0));
    // The templates the router learnt are the ones axum matched: no second
    // series for any of them.
    let learnt_series = text
        .lines()
        .filter(|line| {
            line.starts_with("http_request_duration_seconds_count{") && line.contains("learnt")
        })
        .count();
    assert_eq!(learnt_series, 5, "{text}");
}
