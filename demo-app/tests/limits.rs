//! Connection and request limits of the real binary (issue 17, points 4 to
//! 6): idle and slowloris connections closed after the header timeout, a cap
//! on connections under the file descriptor limit, one deadline for a whole
//! body (408 on every route), and bounded query parameters (422, never 500).

mod common;

use common::{data_dir, delta, Demo};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Reads until the peer closes or `limit` passes: what arrived, and whether
/// it was closed.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < limit {
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&seen).into_owned(), true),
            Ok(read) => seen.extend_from_slice(&buffer[..read]),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (String::from_utf8_lossy(&seen).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&seen).into_owned(), false)
}

#[test]
fn eleven_hundred_idle_connections_under_a_1024_fd_limit_do_not_deny_service() {
    let dir = data_dir("idle-connections");
    // A header timeout longer than the test: only the cap frees room.
    let demo = Demo::start_under(
        &["prlimit", "--nofile=1024:1024", "--"],
        dir.path(),
        &["--max-connections", "900", "--header-timeout", "60s"],
    );
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", demo.pid())).expect("limits");
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .expect("its fd limit");
    assert!(
        line.split_whitespace().any(|field| field == "1024"),
        "{line}"
    );
    let before = demo.scrape();

    let opened = Instant::now();
    let mut idle = Vec::with_capacity(1100);
    let mut peak_fds = 0;
    for index in 0..1100 {
        idle.push(TcpStream::connect(demo.address).expect("an idle connection"));
        if index % 100 == 99 {
            peak_fds = peak_fds.max(demo.open_fds());
        }
    }
    let connecting = opened.elapsed();
    peak_fds = peak_fds.max(demo.open_fds());
    // With 1100 idle connections made (900 of them still open), /health
    // answers on its first try, on a new connection.
    let asked = Instant::now();
    let health = demo.get("/health");
    let latency = asked.elapsed();
    assert_eq!(health.status, 200, "{}", health.body);
    assert!(demo.alive());
    let after = demo.scrape();
    eprintln!(
        "1100 idle connections made in {connecting:?}, fd limit 1024, cap 900: /health answered on its first try in {latency:?}; server fds at most {peak_fds}; {} open",
        after.value("http_connections_open", &[])
    );
    assert!(peak_fds < 1024, "{peak_fds} descriptors");
    assert!(after.value("http_connections_open", &[]) <= 900.0);
    // The oldest idle connections made room: closed by the server.
    for stream in idle.iter_mut().take(200) {
        let (_, closed) = read_until_closed(stream, Duration::from_secs(5));
        assert!(closed, "one of the oldest idle connections is still open");
    }
    let by = |reason: &str| {
        delta(
            &before,
            &after,
            "http_connections_closed_total",
            &[("reason", reason)],
        )
    };
    // 200 for the idle ones over the cap and one for /health; one more for
    // the scrape unless /health's closed connection had returned its place.
    assert!(
        (201.0..=202.0).contains(&by("evicted")),
        "{}",
        by("evicted")
    );
    assert_eq!(by("over_capacity"), 0.0);
    assert_eq!(by("accept_failed"), 0.0);
}

#[test]
fn slowloris_heads_oversized_heads_and_garbage_are_closed_and_counted() {
    let dir = data_dir("slowloris");
    let demo = Demo::start(dir.path(), &["--header-timeout", "2s"]);
    let before = demo.scrape();

    // A head sent one byte every 200 ms: closed at the header timeout, not
    // kept alive by each byte.
    let mut slow = TcpStream::connect(demo.address).expect("connect");
    let started = Instant::now();
    slow.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n")
        .expect("write");
    let mut closed_after = None;
    for byte in b"x-slow: ".iter().cycle() {
        if slow.write_all(&[*byte]).is_err() {
            closed_after = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 1];
        let _ = slow.set_read_timeout(Some(Duration::from_millis(200)));
        if matches!(slow.read(&mut probe), Ok(0)) {
            closed_after = Some(started.elapsed());
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the slow head is still open"
        );
    }
    let closed_after = closed_after.expect("closed");
    assert!(closed_after >= Duration::from_secs(2), "{closed_after:?}");

    // A kept-alive connection with no next request: closed at the timeout.
    let mut kept = TcpStream::connect(demo.address).expect("connect");
    kept.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        .expect("write");
    let (answer, closed) = read_until_closed(&mut kept, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "the idle kept-alive connection is still open");

    // A head far over 64 KiB: 431; a head that does not parse: 400.
    let mut large = TcpStream::connect(demo.address).expect("connect");
    let padding = "a".repeat(300 * 1024);
    let _ = large.write_all(
        format!("GET /health HTTP/1.1\r\nhost: x\r\nx-pad: {padding}\r\n\r\n").as_bytes(),
    );
    let (answer, _) = read_until_closed(&mut large, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let mut garbage = TcpStream::connect(demo.address).expect("connect");
    garbage
        .write_all(b"\x01\x02 nonsense\r\n\r\n")
        .expect("write");
    let (answer, _) = read_until_closed(&mut garbage, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");

    assert!(demo.alive());
    let after = demo.scrape();
    let by = |reason: &str| {
        delta(
            &before,
            &after,
            "http_connections_closed_total",
            &[("reason", reason)],
        )
    };
    assert_eq!(
        by("header_timeout"),
        2.0,
        "the slow head and the idle kept-alive one"
    );
    assert_eq!(by("evicted") + by("over_capacity"), 0.0);
    assert_eq!(by("header_too_large"), 1.0);
    assert_eq!(by("malformed"), 1.0);
}

#[test]
fn a_trickled_body_is_408_at_one_deadline_on_every_route() {
    let dir = data_dir("trickle");
    let demo = Demo::start(dir.path(), &["--body-timeout", "2s"]);
    let before = demo.scrape();
    let routes = [
        ("POST", "/api/cvs", "text/plain", "upload_cv"),
        ("POST", "/api/match", "application/json", "match_cv"),
        ("POST", "/api/tailor", "application/json", "tailor_cv"),
        ("PATCH", "/api/jobs/1", "application/json", "set_job_status"),
        (
            "POST",
            "/webhooks/paypal",
            "application/json",
            "paypal_webhook",
        ),
    ];
    std::thread::scope(|scope| {
        for (method, path, content_type, _) in routes {
            let address = demo.address;
            scope.spawn(move || {
                let mut stream = TcpStream::connect(address).expect("connect");
                stream
                    .write_all(format!("{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: {content_type}\r\ncontent-length: 100\r\n\r\n").as_bytes())
                    .expect("the head");
                let started = Instant::now();
                // A byte every 300 ms: each chunk would have reset a timeout
                // per chunk forever.
                let mut answer = Vec::new();
                while started.elapsed() < Duration::from_secs(10) {
                    if stream.write_all(b" ").is_err() {
                        break;
                    }
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
                    let mut buffer = [0u8; 4096];
                    match stream.read(&mut buffer) {
                        Ok(0) => break,
                        Ok(read) => {
                            answer.extend_from_slice(&buffer[..read]);
                            break;
                        }
                        Err(_) => {}
                    }
                }
                let answer = String::from_utf8_lossy(&answer).into_owned();
                let took = started.elapsed();
                assert!(answer.starts_with("HTTP/1.1 408"), "{method} {path} after {took:?}: {answer}");
                assert!(took >= Duration::from_secs(2), "{method} {path}: {took:?}");
            });
        }
    });
    let after = demo.scrape();
    for (method, path, _, _) in routes {
        let route = if path == "/api/jobs/1" {
            "/api/jobs/{id}"
        } else {
            path
        };
        let labels = |status| [("method", method), ("route", route), ("status", status)];
        assert_eq!(
            delta(&before, &after, "http_requests_total", &labels("408")),
            1.0,
            "{method} {path}"
        );
        assert_eq!(
            delta(&before, &after, "http_requests_total", &labels("503")),
            0.0,
            "{method} {path}"
        );
        assert_eq!(
            delta(&before, &after, "http_requests_total", &labels("400")),
            0.0,
            "{method} {path}"
        );
    }
    assert!(demo.alive());
}

#[test]
fn every_query_parameter_is_bounded_and_none_is_a_500() {
    let dir = data_dir("query-bounds");
    let demo = Demo::start(dir.path(), &[]);
    let before = demo.scrape();
    let long = "a".repeat(50_000);
    for (query, expected) in [
        (format!("q={long}"), 422),
        (format!("q={}", "%25".repeat(20_000)), 422),
        (format!("source={long}"), 422),
        ("offset=9223372036854775807".to_owned(), 422),
        ("offset=-1".to_owned(), 422),
        (format!("q={}", "b".repeat(200)), 200),
        ("limit=100000&offset=100000".to_owned(), 200),
    ] {
        let answer = demo.get(&format!("/api/jobs?{query}"));
        assert_eq!(
            answer.status,
            expected,
            "{}: {}",
            &query[..query.len().min(40)],
            answer.body
        );
    }
    let after = demo.scrape();
    assert_eq!(
        delta(
            &before,
            &after,
            "api_handler_errors_total",
            &[("handler", "search_jobs"), ("error_type", "unprocessable")]
        ),
        5.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "api_handler_errors_total",
            &[("handler", "search_jobs"), ("error_type", "internal")]
        ),
        0.0
    );
}
