//! The service under load, faults and hostile input: no 5xx that is not
//! injected, every scrape consistent and quick, faults answered clearly, and
//! nothing acknowledged lost when the process is killed. `DEMO_SOAK_SECS`
//! runs the load test longer (a soak).

mod common;

use common::{data_dir, delta, Demo, Scrape, ADMIN_TOKEN, WEBHOOK_SECRET};
use metricate_tests::servers::request;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the load runs: `DEMO_SOAK_SECS`, or 8 seconds.
fn load_seconds() -> u64 {
    std::env::var("DEMO_SOAK_SECS")
        .ok()
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or(8)
}

/// One scrape read as samples and kinds.
struct Parsed {
    kinds: BTreeMap<String, String>,
    samples: BTreeMap<String, f64>,
}

fn parse(exposition: &str) -> Parsed {
    let mut kinds = BTreeMap::new();
    let mut samples = BTreeMap::new();
    for line in exposition.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut words = rest.split_whitespace();
            if let (Some(name), Some(kind)) = (words.next(), words.next()) {
                kinds.insert(name.to_owned(), kind.to_owned());
            }
        } else if !line.starts_with('#') && !line.is_empty() {
            let (series, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("a sample: {line}"));
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
            assert!(
                samples.insert(series.to_owned(), value).is_none(),
                "a series twice: {series}"
            );
        }
    }
    Parsed { kinds, samples }
}

/// `name{labels}` split into its name and labels, `le` taken out.
fn split(series: &str) -> (&str, Vec<&str>, Option<&str>) {
    let (name, labels) = series.split_once('{').map_or((series, ""), |(name, rest)| {
        (name, rest.trim_end_matches('}'))
    });
    let mut le = None;
    let mut rest = Vec::new();
    for pair in labels.split("\",").filter(|pair| !pair.is_empty()) {
        match pair.strip_prefix("le=\"") {
            Some(bound) => le = Some(bound.trim_end_matches('"')),
            None => rest.push(pair),
        }
    }
    (name, rest, le)
}

/// A histogram series' buckets: (bound, cumulative count).
type Buckets = Vec<(f64, f64)>;

/// Buckets cumulative, `+Inf` equal to `_count`; counters not below their
/// value in `previous`. The number of histogram series checked.
fn check_consistency(scrape: &Parsed, previous: Option<&Parsed>) -> usize {
    let mut buckets: BTreeMap<(String, Vec<&str>), Buckets> = BTreeMap::new();
    for (series, value) in &scrape.samples {
        let (name, labels, le) = split(series);
        if let (Some(base), Some(le)) = (name.strip_suffix("_bucket"), le) {
            let bound = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().expect("a bound")
            };
            buckets
                .entry((base.to_owned(), labels))
                .or_default()
                .push((bound, *value));
        }
    }
    for ((base, labels), mut bounds) in buckets.clone() {
        bounds.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in bounds.windows(2) {
            assert!(
                pair[0].1 <= pair[1].1,
                "{base}{labels:?}: buckets not cumulative: {bounds:?}"
            );
        }
        let count_key = if labels.is_empty() {
            format!("{base}_count")
        } else {
            format!("{base}_count{{{}}}", labels.join("\",") + "\"")
        };
        let count = scrape
            .samples
            .get(&count_key)
            .unwrap_or_else(|| panic!("{count_key} is missing"));
        let infinity = bounds.last().map_or(0.0, |last| last.1);
        assert_eq!(infinity, *count, "{base}{labels:?}: +Inf is not _count");
    }
    if let Some(previous) = previous {
        for (series, value) in &scrape.samples {
            let (name, ..) = split(series);
            let family = name
                .trim_end_matches("_bucket")
                .trim_end_matches("_count")
                .trim_end_matches("_sum");
            let counter = scrape.kinds.get(name).is_some_and(|kind| kind == "counter")
                || (scrape
                    .kinds
                    .get(family)
                    .is_some_and(|kind| kind == "histogram")
                    && !name.ends_with("_sum"));
            if let (true, Some(before)) = (counter, previous.samples.get(series)) {
                assert!(value >= before, "{series} went down: {before} -> {value}");
            }
        }
    }
    buckets.len()
}

#[test]
fn under_load_every_scrape_is_quick_and_consistent_and_nothing_fails() {
    let dir = data_dir("load");
    let demo = Demo::start(dir.path(), &[]);
    let rss_before = demo.rss_bytes();
    let summary_path = dir.path().join("summary.json");
    let mut load = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args(["load", "--target", &demo.url(), "--concurrency", "32"])
        .args([
            "--duration",
            &format!("{}s", load_seconds()),
            "--admin-token",
            ADMIN_TOKEN,
        ])
        .args(["--webhook-secret", WEBHOOK_SECRET, "--json"])
        .arg(&summary_path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("demo-app load starts");
    let mut previous: Option<Parsed> = None;
    let (mut scrapes, mut histograms, mut slowest, mut rss_peak) =
        (0, 0, Duration::ZERO, rss_before);
    while load.try_wait().expect("the load runs").is_none() {
        let started = Instant::now();
        let scrape = demo.scrape();
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "a scrape took {took:?} under load"
        );
        slowest = slowest.max(took);
        let parsed = parse(&scrape.0);
        histograms += check_consistency(&parsed, previous.as_ref());
        previous = Some(parsed);
        scrapes += 1;
        rss_peak = rss_peak.max(demo.rss_bytes());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(load.wait().expect("the load ends").success());
    std::thread::sleep(Duration::from_secs(1));
    let rss_after = demo.rss_bytes();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary_path).expect("the summary"))
            .expect("JSON");
    let by_status = summary["by_status"].as_object().expect("statuses");
    let failed: Vec<(&String, &Value)> = by_status
        .iter()
        .filter(|(status, _)| *status == "0" || status.starts_with('5'))
        .collect();
    assert!(
        failed.is_empty(),
        "5xx or unanswered under load: {failed:?}"
    );
    assert!(scrapes >= 5, "{scrapes} scrapes");
    let mib = |bytes: u64| bytes as f64 / 1048576.0;
    assert!(
        rss_after.saturating_sub(rss_before) < 200 << 20,
        "RSS grew from {:.1} to {:.1} MiB",
        mib(rss_before),
        mib(rss_after)
    );
    eprintln!(
        "load: {} requests ({}/s), by status {:?}, p99 {} ms; {scrapes} scrapes checked ({histograms} histogram series), slowest {:?}; RSS {:.1} MiB before, {:.1} peak, {:.1} after",
        summary["requests"],
        summary["throughput"].as_f64().unwrap_or(0.0).round(),
        by_status,
        summary["latency_ms"]["p99"],
        slowest,
        mib(rss_before),
        mib(rss_peak),
        mib(rss_after),
    );
}

#[test]
fn a_feed_that_is_down_fails_scans_not_the_api() {
    let dir = data_dir("feed-down");
    // Nothing listens on port 1: every page is refused.
    let demo = Demo::start(
        dir.path(),
        &["--feed-url", "http://127.0.0.1:1", "--scan-every", "1s"],
    );
    demo.wait_until("two scans failed", |demo| {
        demo.scrape()
            .value("iam_scan_runs_total", &[("status", "error")])
            >= 2.0
    });
    let scrape = demo.scrape();
    assert_eq!(
        scrape.value("iam_scan_runs_total", &[("status", "ok")]),
        0.0
    );
    assert!(
        scrape.value(
            "external_api_requests_total",
            &[("api_name", "remote_board"), ("status", "error")]
        ) >= 2.0
    );
    assert_eq!(
        scrape.value("iam_last_successful_scan_timestamp_seconds", &[]),
        0.0
    );
    assert_eq!(demo.get("/health").status, 200);
    assert_eq!(demo.get("/api/jobs").status, 200);
    let scan = demo.call(
        "POST",
        "/admin/run-scan",
        &[("x-admin-token", ADMIN_TOKEN)],
        b"",
    );
    assert_eq!(scan.status, 503, "{}", scan.body);
    assert_eq!(scan.header("retry-after"), Some("1"));
    assert!(scan.json()["error"]
        .as_str()
        .is_some_and(|error| error.contains("the feed did not answer")));
}

#[test]
fn a_locked_database_answers_503_with_retry_after_then_recovers() {
    let dir = data_dir("locked");
    let demo = Demo::start(dir.path(), &[]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let path = dir.path().join("demo.db");
    let mut lock = runtime.block_on(async {
        use sqlx::Connection;
        let mut connection =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("the database opens");
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut connection)
            .await
            .expect("the write lock");
        connection
    });
    let started = Instant::now();
    let (busy, before, after) = {
        let before = demo.scrape();
        let busy = demo.json("PATCH", "/api/jobs/1", &json!({ "status": "saved" }));
        (busy, before, demo.scrape())
    };
    let waited = started.elapsed();
    assert_eq!(busy.status, 503, "{}", busy.body);
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert!(busy.json()["error"]
        .as_str()
        .is_some_and(|error| error.contains("busy")));
    assert!(
        waited < Duration::from_secs(10),
        "answered after {waited:?}, not hung"
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "api_handler_errors_total",
            &[("handler", "set_job_status"), ("error_type", "unavailable")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "db_operations_total",
            &[
                ("operation", "update"),
                ("table", "jobs"),
                ("status", "error")
            ]
        ),
        1.0
    );
    // Reads go on in WAL mode; health answers.
    assert_eq!(demo.get("/api/jobs/1").status, 200);
    assert_eq!(demo.get("/health").status, 200);
    runtime.block_on(async {
        sqlx::query("ROLLBACK")
            .execute(&mut lock)
            .await
            .expect("the lock released");
    });
    let saved = demo.json("PATCH", "/api/jobs/1", &json!({ "status": "saved" }));
    assert_eq!(saved.status, 200, "{}", saved.body);
}

fn in_progress(scrape: &Scrape) -> f64 {
    scrape
        .0
        .lines()
        .filter(|line| line.starts_with("http_requests_in_progress{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn raw(demo: &Demo, text: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(demo.address).expect("a connection");
    stream.write_all(text).expect("the request is written");
    stream
}

#[test]
fn a_body_that_never_finishes_times_out_and_frees_the_connection() {
    let dir = data_dir("slow-body");
    let demo = Demo::start(dir.path(), &["--body-timeout", "1s"]);
    let mut stream = raw(
        &demo,
        b"POST /api/cvs HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\nAda Lovelace",
    );
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("a timeout");
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the connection was held {:?}",
        started.elapsed()
    );
    demo.wait_until("nothing is in progress", |demo| {
        in_progress(&demo.scrape()) == 0.0
    });
    assert_eq!(demo.get("/api/cvs/1").status, 404, "nothing was stored");
}

#[test]
fn a_client_that_disconnects_mid_request_leaves_nothing_behind() {
    let dir = data_dir("disconnect");
    let demo = Demo::start(dir.path(), &[]);
    // An upload cut off halfway: nothing stored.
    drop(raw(&demo, b"POST /api/cvs HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 5000\r\n\r\nGrace Hopper\n\nSkills\nCOBOL"));
    // A slow match abandoned after 50 ms.
    let cv_id = demo.upload_words(120_000);
    let body = json!({ "cv_id": cv_id, "job_id": 1, "model": "v5.1" }).to_string();
    let stream = raw(
        &demo,
        format!("POST /api/match HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(50));
    drop(stream);
    demo.wait_until("nothing is in progress", |demo| {
        in_progress(&demo.scrape()) == 0.0
    });
    let scrape = demo.scrape();
    assert_eq!(
        scrape.value(
            "db_operations_total",
            &[("operation", "insert"), ("table", "cvs"), ("status", "ok")]
        ),
        1.0,
        "only the big CV was stored"
    );
    assert_eq!(demo.get("/api/cvs/2").status, 404);
    assert_eq!(demo.get("/health").status, 200);
}

#[test]
fn sigterm_under_load_finishes_in_flight_requests_and_restarts_clean() {
    let dir = data_dir("sigterm");
    let demo = Demo::start(dir.path(), &[]);
    let cv_id = demo.upload_words(120_000);
    let mut load = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args([
            "load",
            "--target",
            &demo.url(),
            "--duration",
            "10s",
            "--concurrency",
            "8",
        ])
        .args([
            "--webhook-secret",
            WEBHOOK_SECRET,
            "--admin-token",
            ADMIN_TOKEN,
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("demo-app load starts");
    std::thread::sleep(Duration::from_secs(2));
    let address = demo.address;
    let slow = std::thread::spawn(move || {
        let body = json!({ "cv_id": cv_id, "job_id": 1, "model": "v5.1" }).to_string();
        request(
            address,
            "POST",
            "/api/match",
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
    });
    std::thread::sleep(Duration::from_millis(100));
    let stopping = Instant::now();
    let status = demo.stop();
    let stopped_after = stopping.elapsed();
    assert!(status.success(), "{status}");
    let answered = slow
        .join()
        .expect("the slow request")
        .expect("it was answered");
    assert_eq!(
        answered.status, 200,
        "the request in flight at SIGTERM finished: {}",
        answered.body
    );
    let _ = load.kill();
    let _ = load.wait();

    let again = Demo::start(dir.path(), &[]);
    assert_eq!(again.get("/health").status, 200);
    assert_eq!(again.get(&format!("/api/cvs/{cv_id}")).status, 200);
    eprintln!("sigterm: stopped after {stopped_after:?} with the in-flight match answered");
}

#[test]
fn hostile_requests_get_a_4xx_and_change_nothing() {
    let dir = data_dir("hostile");
    let demo = Demo::start(dir.path(), &[]);
    let total = demo.get("/api/jobs").json()["total"].clone();
    for route in ["/api/match", "/api/tailor", "/api/jobs/1"] {
        let method = if route == "/api/jobs/1" {
            "PATCH"
        } else {
            "POST"
        };
        for body in [&b"{"[..], b"[1,2", b"\xff\xfe", b"null"] {
            let answer = demo.call(method, route, &[("content-type", "application/json")], body);
            assert!(
                matches!(answer.status, 400 | 422),
                "{method} {route} {body:?}: {}",
                answer.status
            );
            assert!(answer.json()["error"]
                .as_str()
                .is_some_and(|error| !error.is_empty()));
        }
        let huge = vec![b' '; 70 * 1024];
        let answer = demo.call(
            method,
            route,
            &[("content-type", "application/json")],
            &huge,
        );
        assert_eq!(answer.status, 413, "{route}");
    }
    let webhook = demo.call("POST", "/webhooks/paypal", &[], &vec![b'{'; 70 * 1024]);
    assert_eq!(webhook.status, 413);
    // Injection in every filter: refused (422) or matched literally.
    for query in [
        "status=new'%20OR%20'1'='1",
        "source=x'%20OR%20'1'='1",
        "limit=1;DROP%20TABLE%20jobs",
        "offset=0%20UNION%20SELECT%201",
        "q=%25'%20OR%201=1%20--",
    ] {
        let answer = demo.get(&format!("/api/jobs?{query}"));
        match answer.status {
            422 => {}
            200 => assert_eq!(answer.json()["total"], 0, "{query}"),
            status => panic!("{query}: {status}"),
        }
    }
    assert_eq!(
        demo.get("/api/jobs").json()["total"],
        total,
        "the table is intact"
    );
    for path in [
        "/api/cvs/..%2F..%2Fetc%2Fpasswd",
        "/api/jobs/%2e%2e",
        "/api/cvs/1e3",
        "/api/jobs/99999999999999999999",
    ] {
        assert_eq!(demo.get(path).status, 404, "{path}");
    }
    // Header values crafted against the exposition never reach it.
    let crafted = demo.call("GET", "/api/jobs", &[("x-account-id", "a\"}\\ 1")], b"");
    assert_eq!(crafted.status, 400);
    let traced = demo.call(
        "GET",
        "/health",
        &[("traceparent", "00-\"}\\n# EOF-x-01")],
        b"",
    );
    assert_eq!(traced.status, 200);
    let scrape = demo.scrape().0;
    if let Some(checked) = metricate_tests::promtool_check_metrics(&scrape) {
        checked.unwrap_or_else(|said| panic!("promtool: {said}"));
    }
    if let Some(parsed) = metricate_tests::python_parse("text", &scrape) {
        parsed.unwrap_or_else(|said| panic!("the Python parser: {said}"));
    }
}

#[test]
fn one_event_delivered_sixteen_times_at_once_is_applied_once() {
    let dir = data_dir("concurrent-webhooks");
    let demo = Arc::new(Demo::start(dir.path(), &[]));
    let before = demo.scrape();
    let now = demo_app::db::now();
    let body = json!({ "id": "WH-race", "event_type": "BILLING.SUBSCRIPTION.ACTIVATED", "resource": { "account_id": "race", "plan": "team" } }).to_string();
    let go = Arc::new(std::sync::Barrier::new(16));
    let answers: Vec<String> = (0..16)
        .map(|_| {
            let (demo, body, go) = (Arc::clone(&demo), body.clone(), Arc::clone(&go));
            std::thread::spawn(move || {
                go.wait();
                demo.webhook(&body, now).json()["status"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|thread| thread.join().expect("a delivery"))
        .collect();
    assert_eq!(
        answers.iter().filter(|status| *status == "applied").count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        answers
            .iter()
            .filter(|status| *status == "duplicate")
            .count(),
        15,
        "{answers:?}"
    );
    let after = demo.scrape();
    let counted = |outcome| {
        [
            ("event_type", "subscription_activated"),
            ("outcome", outcome),
        ]
    };
    assert_eq!(
        delta(
            &before,
            &after,
            "paypal_webhooks_total",
            &counted("applied")
        ),
        1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "paypal_webhooks_total",
            &counted("duplicate")
        ),
        15.0
    );
}

/// What one writer had acknowledged, and what it sent last without an answer.
#[derive(Default)]
struct Acknowledged {
    cvs: Vec<(i64, String)>,
    /// Per job: the last status acknowledged, and the one sent after it.
    statuses: BTreeMap<i64, (Option<&'static str>, Option<&'static str>)>,
    webhooks: Vec<String>,
}

#[test]
fn a_kill_9_mid_write_loses_nothing_acknowledged() {
    let dir = data_dir("kill-9");
    let demo = Demo::start(dir.path(), &[]);
    let address = demo.address;
    let jobs: Vec<i64> = demo.get("/api/jobs?limit=100").json()["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|job| job["id"].as_i64())
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (stop, acknowledged) = (Arc::clone(&stop), Arc::clone(&acknowledged));
            let own_jobs: Vec<i64> = jobs.iter().copied().filter(|id| id % 4 == writer).collect();
            std::thread::spawn(move || {
                for round in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let marker = format!("kill-test-{writer}-{round}");
                    let cv = format!("{marker}\n\nSkills\nRust, {marker}\n");
                    let Some(answer) = request(address, "POST", "/api/cvs", &[("content-type", "text/plain")], cv.as_bytes()) else { break };
                    if answer.status == 201 {
                        let id = answer.json()["id"].as_i64().expect("an id");
                        acknowledged.lock().expect("the record").cvs.push((id, marker.clone()));
                    }
                    let job = own_jobs[round % own_jobs.len().max(1)];
                    let status = ["saved", "applied", "new"][round % 3];
                    acknowledged.lock().expect("the record").statuses.entry(job).or_default().1 = Some(status);
                    let body = json!({ "status": status }).to_string();
                    let Some(answer) = request(address, "PATCH", &format!("/api/jobs/{job}"), &[("content-type", "application/json")], body.as_bytes()) else { break };
                    if answer.status == 200 {
                        let mut record = acknowledged.lock().expect("the record");
                        let entry = record.statuses.entry(job).or_default();
                        *entry = (Some(status), None);
                    }
                    let id = format!("WH-kill-{writer}-{round}");
                    let event = json!({ "id": id, "event_type": "PAYMENT.SALE.COMPLETED", "resource": { "account_id": marker } }).to_string();
                    let now = demo_app::db::now();
                    let signature = demo_app::webhooks::sign(WEBHOOK_SECRET.as_bytes(), now, event.as_bytes());
                    let headers = [("content-type", "application/json"), ("x-webhook-timestamp", &now.to_string()), ("x-webhook-signature", &signature)];
                    let Some(answer) = request(address, "POST", "/webhooks/paypal", &headers, event.as_bytes()) else { break };
                    if answer.status == 200 && answer.json()["status"] == "applied" {
                        acknowledged.lock().expect("the record").webhooks.push(id);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(2500));
    demo.kill();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("a writer");
    }
    let record = acknowledged.lock().expect("the record");
    assert!(
        record.cvs.len() > 5 && record.webhooks.len() > 5,
        "too few writes to judge: {}",
        record.cvs.len()
    );

    let demo = Demo::start(dir.path(), &[]);
    let mut lost = Vec::new();
    for (id, marker) in &record.cvs {
        let stored = demo.get(&format!("/api/cvs/{id}"));
        if stored.status != 200 || !stored.body.contains(marker.as_str()) {
            lost.push(format!("CV {id} ({marker})"));
        }
    }
    for (job, (acked, after)) in &record.statuses {
        let Some(acked) = acked else { continue };
        let stored = demo.get(&format!("/api/jobs/{job}")).json()["status"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        // The status sent after the last acknowledged one may have committed unanswered.
        if stored != *acked && Some(stored.as_str()) != *after {
            lost.push(format!("job {job}: {stored}, acknowledged {acked}"));
        }
    }
    let before = demo.scrape();
    for id in &record.webhooks {
        let event = json!({ "id": id, "event_type": "PAYMENT.SALE.COMPLETED", "resource": { "account_id": "replay" } }).to_string();
        let replay = demo.webhook(&event, demo_app::db::now());
        if replay.json()["status"] != "duplicate" {
            lost.push(format!("webhook {id} was applied again"));
        }
    }
    let after = demo.scrape();
    assert!(lost.is_empty(), "lost after kill -9: {lost:?}");
    assert_eq!(
        delta(
            &before,
            &after,
            "paypal_webhooks_total",
            &[("event_type", "payment_completed"), ("outcome", "applied")]
        ),
        0.0
    );
    eprintln!(
        "kill -9: {} CVs, {} status changes and {} webhooks acknowledged before the kill; 0 lost, 0 applied twice",
        record.cvs.len(),
        record.statuses.values().filter(|(acked, _)| acked.is_some()).count(),
        record.webhooks.len()
    );
}
