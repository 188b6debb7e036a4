//! Every route of the real binary, each error path included, and the series
//! each call moves, by exactly how much.

mod common;

use common::{data_dir, delta, promtool_check_metrics, Demo, Scrape, ADMIN_TOKEN};
use demo_app::cv::fixtures;
use metricate_tests::servers::encode;
use serde_json::{json, Value};

const CV: &str = "Ada Lovelace\nada@example.com\n\nSummary\nEngineer of analytical engines.\n\nExperience\nAnalyst, Babbage & Co (1842-1843): built metrics pipelines in Rust.\n\nEducation\nPrivate tutoring in mathematics\n\nSkills\nRust, PostgreSQL, Prometheus, Kafka\n";
const PDF: &str = "application/pdf";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Runs `call`, scraping before and after: what it answered and both scrapes.
fn step<T>(demo: &Demo, call: impl FnOnce(&Demo) -> T) -> (T, Scrape, Scrape) {
    let before = demo.scrape();
    let answer = call(demo);
    (answer, before, demo.scrape())
}

/// A series, by name and labels, and how much it should move.
type Moved<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

/// An upload: its content type and body, and the status, handler error type
/// and parse error (format, kind) it should get.
type BadUpload<'a> = (&'a str, &'a [u8], u16, &'a str, Option<(&'a str, &'a str)>);

/// Asserts that each `(name, labels, amount)` moved by exactly `amount`.
fn assert_moved(before: &Scrape, after: &Scrape, expected: &[Moved<'_>]) {
    for (name, labels, amount) in expected {
        let moved = delta(before, after, name, labels);
        assert!(
            (moved - amount).abs() < 1e-9,
            "{name}{labels:?} moved by {moved}, not {amount}"
        );
    }
}

fn upload(demo: &Demo, content_type: &str, body: &[u8]) -> common::Response {
    demo.call("POST", "/api/cvs", &[("content-type", content_type)], body)
}

fn error_of(response: &common::Response) -> String {
    response.json()["error"]
        .as_str()
        .unwrap_or_else(|| panic!("an error message: {}", response.body))
        .to_owned()
}

#[test]
fn each_cv_format_is_parsed_stored_and_counted() {
    let dir = data_dir("formats");
    let demo = Demo::start(dir.path(), &[]);
    let markdown = CV.replace("\nSummary\n", "\n## Summary\n");
    let documents: [(&str, &str, Vec<u8>); 4] = [
        ("plain_text", "text/plain", CV.as_bytes().to_vec()),
        ("markdown", "text/markdown", markdown.into_bytes()),
        ("pdf", PDF, fixtures::pdf(CV)),
        ("docx", DOCX, fixtures::docx(CV)),
    ];
    for (format, content_type, body) in documents {
        let (response, before, after) = step(&demo, |demo| upload(demo, content_type, &body));
        assert_eq!(response.status, 201, "{format}: {}", response.body);
        let created = response.json();
        assert_eq!(created["format"], format);
        let sections = &created["sections"];
        assert_eq!(
            sections["skills"], "Rust, PostgreSQL, Prometheus, Kafka",
            "{format}"
        );
        assert!(sections["contact"]
            .as_str()
            .is_some_and(|contact| contact.contains("ada@example.com")));
        assert!(sections["experience"]
            .as_str()
            .is_some_and(|text| text.contains("Babbage")));
        assert_moved(
            &before,
            &after,
            &[
                (
                    "cv_parse_duration_seconds_count",
                    &[("format", format)],
                    1.0,
                ),
                (
                    "feature_usage_total",
                    &[("feature", "cv_upload"), ("plan", "free")],
                    1.0,
                ),
                ("api_handler_calls_total", &[("handler", "upload_cv")], 1.0),
                (
                    "db_operations_total",
                    &[("operation", "insert"), ("table", "cvs"), ("status", "ok")],
                    1.0,
                ),
                (
                    "http_requests_total",
                    &[("method", "POST"), ("route", "/api/cvs"), ("status", "201")],
                    1.0,
                ),
            ],
        );
        // And it reads back as it was stored.
        let id = created["id"].as_i64().expect("an id");
        let stored = demo.get(&format!("/api/cvs/{id}"));
        assert_eq!(stored.status, 200);
        assert_eq!(stored.json()["sections"], created["sections"]);
    }
}

#[test]
fn bad_uploads_get_their_status_and_their_error_series() {
    let dir = data_dir("uploads");
    let demo = Demo::start(dir.path(), &[]);
    let oversize = vec![b'a'; 2 * 1024 * 1024 + 1];
    let cases: [BadUpload<'_>; 7] = [
        (
            "text/plain",
            b"",
            400,
            "bad_request",
            Some(("plain_text", "empty")),
        ),
        ("text/plain", &oversize, 413, "payload_too_large", None),
        (
            "image/png",
            b"\x89PNG\r\n",
            415,
            "unsupported_media_type",
            None,
        ),
        (
            PDF,
            b"%PDF-1.4 not really",
            422,
            "unprocessable",
            Some(("pdf", "unreadable")),
        ),
        (
            DOCX,
            b"PK\x03\x04 not a zip",
            422,
            "unprocessable",
            Some(("docx", "unreadable")),
        ),
        (
            "text/plain",
            &[0xff, 0xfe, 0x00, 0x41],
            422,
            "unprocessable",
            Some(("plain_text", "unreadable")),
        ),
        (
            "text/markdown",
            b"  \n\n \t\n",
            422,
            "unprocessable",
            Some(("markdown", "no_text")),
        ),
    ];
    for (content_type, body, status, error_type, parse_error) in cases {
        let (response, before, after) = step(&demo, |demo| upload(demo, content_type, body));
        assert_eq!(
            response.status, status,
            "{content_type} {error_type}: {}",
            response.body
        );
        assert!(!error_of(&response).is_empty());
        let mut expected: Vec<Moved<'_>> = vec![
            ("api_handler_errors_total", &[], 0.0),
            (
                "feature_usage_total",
                &[("feature", "cv_upload"), ("plan", "free")],
                0.0,
            ),
            (
                "db_operations_total",
                &[("operation", "insert"), ("table", "cvs"), ("status", "ok")],
                0.0,
            ),
        ];
        let handler_error = [("handler", "upload_cv"), ("error_type", error_type)];
        expected[0] = ("api_handler_errors_total", &handler_error, 1.0);
        let parse_labels;
        if let Some((format, kind)) = parse_error {
            parse_labels = [("format", format), ("error_type", kind)];
            expected.push(("cv_parse_errors_total", &parse_labels, 1.0));
        }
        assert_moved(&before, &after, &expected);
    }
    // Nothing was stored: the first CV stored is still id 1.
    assert_eq!(demo.get("/api/cvs/1").status, 404);
    for path in [
        "/api/cvs/999999",
        "/api/cvs/abc",
        "/api/cvs/-1",
        "/api/cvs/1%20OR%201=1",
    ] {
        let response = demo.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert!(!error_of(&response).is_empty());
    }
}

fn sum_of(scrape: &Scrape, name: &str, label: &str, values: &[&str]) -> f64 {
    values
        .iter()
        .map(|value| scrape.value(name, &[(label, value)]))
        .sum()
}

#[test]
fn jobs_are_searched_literally_and_change_status() {
    let dir = data_dir("jobs");
    let demo = Demo::start(dir.path(), &[]);
    let stored = sum_of(
        &demo.scrape(),
        "iam_jobs",
        "status",
        &["new", "saved", "applied"],
    );
    let all = demo.get("/api/jobs?limit=5");
    assert_eq!(all.status, 200);
    let all = all.json();
    assert_eq!(all["jobs"].as_array().map(Vec::len), Some(5));
    assert_eq!(all["total"].as_f64(), Some(stored));

    // Empty parameters, as a form sends them, are no filter.
    let empty = demo
        .get("/api/jobs?status=&q=&source=&limit=&offset=")
        .json();
    assert_eq!(empty["total"], all["total"]);
    // Filters filter.
    let sample = demo.get("/api/jobs?source=sample&limit=100").json();
    assert_eq!(sample["total"], 8);
    assert!(sample["jobs"]
        .as_array()
        .is_some_and(|jobs| jobs.iter().all(|job| job["source"] == "sample")));
    let words = demo.get("/api/jobs?q=engineer&limit=100").json();
    for job in words["jobs"].as_array().expect("jobs") {
        let text =
            format!("{} {} {}", job["title"], job["company"], job["description"]).to_lowercase();
        assert!(text.contains("engineer"), "{text}");
    }
    // Hostile words are words: matched literally, never run.
    for hostile in ["'; DROP TABLE jobs; --", "%", "_", "\" OR 1=1 --", "\\"] {
        let response = demo.get(&format!("/api/jobs?q={}", encode(hostile)));
        assert_eq!(response.status, 200, "{hostile}");
        assert_eq!(response.json()["total"], 0, "{hostile}");
    }
    assert_eq!(
        demo.get("/api/jobs").json()["total"],
        all["total"],
        "the table is intact"
    );
    for bad in ["status=archived", "limit=ten", "offset=1.5"] {
        let response = demo.get(&format!("/api/jobs?{bad}"));
        assert_eq!(response.status, 422, "{bad}: {}", response.body);
        assert!(!error_of(&response).is_empty());
    }

    let id = all["jobs"][0]["id"].as_i64().expect("an id");
    let job = demo.get(&format!("/api/jobs/{id}"));
    assert_eq!(job.status, 200);
    assert_eq!(job.json()["status"], "new");
    let (response, before, after) = step(&demo, |demo| {
        demo.json(
            "PATCH",
            &format!("/api/jobs/{id}"),
            &json!({ "status": "saved" }),
        )
    });
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["status"], "saved");
    assert_eq!(response.json()["id"], id);
    assert_moved(
        &before,
        &after,
        &[
            ("iam_jobs", &[("status", "saved")], 1.0),
            ("iam_jobs", &[("status", "new")], -1.0),
            (
                "db_operations_total",
                &[("operation", "update"), ("table", "jobs"), ("status", "ok")],
                1.0,
            ),
            (
                "api_handler_calls_total",
                &[("handler", "set_job_status")],
                1.0,
            ),
        ],
    );
    assert_eq!(
        demo.get(&format!("/api/jobs/{id}")).json()["status"],
        "saved"
    );

    let (response, before, after) = step(&demo, |demo| {
        demo.json(
            "PATCH",
            &format!("/api/jobs/{id}"),
            &json!({ "status": "archived" }),
        )
    });
    assert_eq!(response.status, 422, "{}", response.body);
    assert_moved(
        &before,
        &after,
        &[
            ("iam_jobs", &[("status", "saved")], 0.0),
            (
                "api_handler_errors_total",
                &[
                    ("handler", "set_job_status"),
                    ("error_type", "unprocessable"),
                ],
                1.0,
            ),
        ],
    );
    let missing = demo.json("PATCH", "/api/jobs/999999", &json!({ "status": "saved" }));
    assert_eq!(missing.status, 404);
    let malformed = demo.call(
        "PATCH",
        &format!("/api/jobs/{id}"),
        &[("content-type", "application/json")],
        b"{\"status\":",
    );
    assert_eq!(malformed.status, 400, "{}", malformed.body);
    let not_json = demo.call(
        "PATCH",
        &format!("/api/jobs/{id}"),
        &[("content-type", "text/plain")],
        b"saved",
    );
    assert_eq!(not_json.status, 415, "{}", not_json.body);
    assert_eq!(demo.get("/api/jobs/999999").status, 404);
    assert_eq!(
        demo.get(&format!("/api/jobs/{id}")).json()["status"],
        "saved",
        "no bad request changed it"
    );
}

#[test]
fn matches_count_tokens_and_cost_by_model_and_tailoring_answers() {
    let dir = data_dir("matching");
    let demo = Demo::start(dir.path(), &[]);
    let cv = upload(&demo, "text/plain", CV.as_bytes()).json();
    let cv_id = cv["id"].as_i64().expect("a CV id");
    let job = demo.get("/api/jobs?limit=1").json()["jobs"][0].clone();
    let job_id = job["id"].as_i64().expect("a job id");
    let job_skills: Vec<&str> = job["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .filter_map(Value::as_str)
        .collect();

    for model in ["v3.0", "v5.1"] {
        let (response, before, after) = step(&demo, |demo| {
            demo.json(
                "POST",
                "/api/match",
                &json!({ "cv_id": cv_id, "job_id": job_id, "model": model }),
            )
        });
        assert_eq!(response.status, 200, "{model}: {}", response.body);
        let found = response.json();
        assert_eq!(found["model"], model);
        let score = found["score"].as_f64().expect("a score");
        assert!((0.0..=1.0).contains(&score), "{score}");
        let tokens = found["tokens"].as_f64().expect("tokens");
        assert!(tokens > 20.0, "{tokens}");
        let cost = found["cost_dollars"].as_f64().expect("a cost");
        let price = if model == "v3.0" { 0.0005 } else { 0.003 };
        assert!((cost - tokens / 1000.0 * price).abs() < 1e-9, "{cost}");
        if model == "v3.0" {
            let matched = found["matched_skills"].as_array().map_or(0, Vec::len) as f64;
            assert_eq!(
                score,
                (matched / job_skills.len() as f64 * 1000.0).round() / 1000.0
            );
        }
        assert_moved(
            &before,
            &after,
            &[
                ("ai_match_tokens_total", &[("model", model)], tokens),
                ("ai_match_duration_seconds_count", &[("model", model)], 1.0),
                (
                    "feature_usage_total",
                    &[("feature", "match"), ("plan", "free")],
                    1.0,
                ),
            ],
        );
        let cost_moved = delta(
            &before,
            &after,
            "ai_match_cost_dollars_total",
            &[("model", model)],
        );
        assert!((cost_moved - cost).abs() < 1e-9, "{cost_moved} vs {cost}");
    }

    let bad: [(Value, u16); 4] = [
        (
            json!({ "cv_id": cv_id, "job_id": job_id, "model": "v9.9" }),
            422,
        ),
        (
            json!({ "cv_id": 999_999, "job_id": job_id, "model": "v3.0" }),
            404,
        ),
        (
            json!({ "cv_id": cv_id, "job_id": 999_999, "model": "v5.1" }),
            404,
        ),
        (
            json!({ "cv_id": "one", "job_id": job_id, "model": "v5.1" }),
            422,
        ),
    ];
    for (body, status) in bad {
        let (response, before, after) = step(&demo, |demo| demo.json("POST", "/api/match", &body));
        assert_eq!(response.status, status, "{body}: {}", response.body);
        assert!(!error_of(&response).is_empty());
        assert_moved(
            &before,
            &after,
            &[
                ("ai_match_duration_seconds_count", &[("model", "v3.0")], 0.0),
                ("ai_match_duration_seconds_count", &[("model", "v5.1")], 0.0),
                (
                    "feature_usage_total",
                    &[("feature", "match"), ("plan", "free")],
                    0.0,
                ),
            ],
        );
    }
    let malformed = demo.call(
        "POST",
        "/api/match",
        &[("content-type", "application/json")],
        b"{\"cv_id\": ",
    );
    assert_eq!(malformed.status, 400, "{}", malformed.body);

    let (response, before, after) = step(&demo, |demo| {
        demo.json(
            "POST",
            "/api/tailor",
            &json!({ "cv_id": cv_id, "job_id": job_id }),
        )
    });
    assert_eq!(response.status, 200, "{}", response.body);
    let text = response.json()["text"].as_str().expect("a text").to_owned();
    assert!(text.starts_with("Ada Lovelace"), "{text}");
    assert!(
        text.contains("Skills") && text.contains("Experience"),
        "{text}"
    );
    assert_moved(
        &before,
        &after,
        &[
            ("cv_tailor_calls_total", &[], 1.0),
            (
                "feature_usage_total",
                &[("feature", "tailor"), ("plan", "free")],
                1.0,
            ),
        ],
    );
    let missing = demo.json(
        "POST",
        "/api/tailor",
        &json!({ "cv_id": 999_999, "job_id": job_id }),
    );
    assert_eq!(missing.status, 404);
}

fn event(id: &str, event_type: &str, account: &str, plan: &str) -> String {
    json!({ "id": id, "event_type": event_type, "resource": { "account_id": account, "plan": plan } }).to_string()
}

/// The plan `account` is counted under: one job search as it, and the
/// `feature_usage_total` series that moved.
fn plan_of(demo: &Demo, account: &str) -> &'static str {
    let (response, before, after) = step(demo, |demo| {
        demo.call(
            "GET",
            "/api/jobs?limit=1",
            &[("x-account-id", account)],
            b"",
        )
    });
    assert_eq!(response.status, 200, "{}", response.body);
    ["free", "pro", "team"]
        .into_iter()
        .find(|plan| {
            delta(
                &before,
                &after,
                "feature_usage_total",
                &[("feature", "job_search"), ("plan", plan)],
            ) == 1.0
        })
        .expect("one plan counted the search")
}

#[test]
fn webhooks_are_verified_applied_once_and_counted_by_type_and_outcome() {
    let dir = data_dir("webhooks");
    let demo = Demo::start(dir.path(), &[]);
    let now = demo_app::db::now();
    assert_eq!(plan_of(&demo, "acme"), "free");

    let activated = event("WH-1", "BILLING.SUBSCRIPTION.ACTIVATED", "acme", "pro");
    let counted = |outcome: &'static str| {
        [
            ("event_type", "subscription_activated"),
            ("outcome", outcome),
        ]
    };
    let (response, before, after) = step(&demo, |demo| demo.webhook(&activated, now));
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["status"], "applied");
    assert_moved(
        &before,
        &after,
        &[("paypal_webhooks_total", &counted("applied"), 1.0)],
    );
    assert_eq!(plan_of(&demo, "acme"), "pro");

    let (response, before, after) = step(&demo, |demo| demo.webhook(&activated, now));
    assert_eq!(response.json()["status"], "duplicate");
    assert_moved(
        &before,
        &after,
        &[
            ("paypal_webhooks_total", &counted("duplicate"), 1.0),
            ("paypal_webhooks_total", &counted("applied"), 0.0),
        ],
    );

    // Forged, stale and unsigned deliveries change nothing.
    let cancelled = event("WH-2", "BILLING.SUBSCRIPTION.CANCELLED", "acme", "free");
    let timestamp = now.to_string();
    let forged = demo.call(
        "POST",
        "/webhooks/paypal",
        &[
            ("x-webhook-timestamp", &timestamp),
            ("x-webhook-signature", "sha256=00ff00ff"),
        ],
        cancelled.as_bytes(),
    );
    assert_eq!(forged.status, 401, "{}", forged.body);
    let other_secret = demo_app::webhooks::sign(b"not the secret", now, cancelled.as_bytes());
    let (response, before, after) = step(&demo, |demo| {
        demo.call(
            "POST",
            "/webhooks/paypal",
            &[
                ("x-webhook-timestamp", &timestamp),
                ("x-webhook-signature", &other_secret),
            ],
            cancelled.as_bytes(),
        )
    });
    assert_eq!(response.status, 401);
    let rejected = [
        ("event_type", "subscription_cancelled"),
        ("outcome", "rejected"),
    ];
    assert_moved(
        &before,
        &after,
        &[("paypal_webhooks_total", &rejected, 1.0)],
    );
    // Timestamps from the clock as each request leaves: `now` was read
    // seconds ago on a loaded machine. Older grows older as time passes; a
    // future one keeps a margin larger than any request takes.
    assert_eq!(
        demo.webhook(&cancelled, demo_app::db::now() - 301).status,
        401,
        "older than five minutes"
    );
    assert_eq!(
        demo.webhook(&cancelled, demo_app::db::now() + 330).status,
        401,
        "from the future"
    );
    assert_eq!(
        demo.call("POST", "/webhooks/paypal", &[], cancelled.as_bytes())
            .status,
        401
    );
    assert_eq!(
        plan_of(&demo, "acme"),
        "pro",
        "no rejected delivery changed the plan"
    );

    // A type the service does not act on is stored and ignored.
    let dispute = event("WH-3", "CUSTOMER.DISPUTE.CREATED", "acme", "");
    let (response, before, after) = step(&demo, |demo| demo.webhook(&dispute, now));
    assert_eq!(response.json()["status"], "ignored");
    assert_moved(
        &before,
        &after,
        &[(
            "paypal_webhooks_total",
            &[("event_type", "unknown"), ("outcome", "ignored")],
            1.0,
        )],
    );
    assert_eq!(demo.webhook(&dispute, now).json()["status"], "duplicate");

    // Signed but malformed: a 4xx, nothing stored.
    assert_eq!(demo.webhook("{\"id\": ", now).status, 400);
    assert_eq!(
        demo.webhook(&event("", "PAYMENT.SALE.COMPLETED", "acme", ""), now)
            .status,
        400
    );
    let incomplete =
        json!({ "id": "WH-4", "event_type": "BILLING.SUBSCRIPTION.ACTIVATED", "resource": {} })
            .to_string();
    assert_eq!(demo.webhook(&incomplete, now).status, 422);

    // The genuine cancellation applies.
    assert_eq!(demo.webhook(&cancelled, now).json()["status"], "applied");
    assert_eq!(plan_of(&demo, "acme"), "free");
    let bad_account = demo.call("GET", "/api/jobs", &[("x-account-id", "a b")], b"");
    assert_eq!(bad_account.status, 400);
}

#[test]
fn an_admin_scan_needs_the_token_and_reports_what_it_read() {
    let dir = data_dir("scan");
    let feed = Demo::feed(&dir.path().join("feed.log"));
    let feed_url = feed.url();
    let demo = Demo::start(dir.path(), &["--feed-url", &feed_url]);
    let first = demo.scrape();
    assert_eq!(first.value("iam_scan_runs_total", &[("status", "ok")]), 1.0);
    assert_eq!(first.value("iam_scan_jobs_found_last", &[]), 120.0);
    assert_eq!(
        sum_of(&first, "iam_jobs", "status", &["new", "saved", "applied"]),
        128.0
    );

    let missing = demo.call("POST", "/admin/run-scan", &[], b"");
    assert_eq!(missing.status, 401);
    let wrong = demo.call(
        "POST",
        "/admin/run-scan",
        &[("x-admin-token", "guess")],
        b"",
    );
    assert_eq!(wrong.status, 403);
    let (response, before, after) = step(&demo, |demo| {
        demo.call(
            "POST",
            "/admin/run-scan",
            &[("x-admin-token", ADMIN_TOKEN)],
            b"",
        )
    });
    assert_eq!(response.status, 200, "{}", response.body);
    let report = response.json();
    let sources = report["sources"].as_object().expect("sources");
    assert_eq!(sources.len(), 3);
    let found: u64 = sources
        .values()
        .filter_map(|source| source["found"].as_u64())
        .sum();
    let new: u64 = sources
        .values()
        .filter_map(|source| source["new"].as_u64())
        .sum();
    assert_eq!(report["found"].as_u64(), Some(found));
    assert_eq!(report["new"].as_u64(), Some(new));
    assert!(found >= 120, "{found}");
    assert_eq!(
        new,
        found - 120,
        "only postings published since the first scan are new"
    );
    let mut expected: Vec<Moved<'_>> = vec![
        ("iam_scan_runs_total", &[("status", "ok")], 1.0),
        ("scan_duration_seconds_count", &[], 1.0),
        (
            "api_handler_errors_total",
            &[("handler", "run_scan"), ("error_type", "unauthorized")],
            0.0,
        ),
    ];
    let labels: Vec<[(&str, &str); 2]> = sources
        .keys()
        .map(|source| [("api_name", source.as_str()), ("status", "ok")])
        .collect();
    let pages: Vec<f64> = sources
        .values()
        .map(|source| source["found"].as_u64().unwrap_or(0).div_ceil(20) as f64)
        .collect();
    for (labels, pages) in labels.iter().zip(&pages) {
        expected.push(("external_api_requests_total", labels, *pages));
    }
    assert_moved(&before, &after, &expected);
    assert_eq!(after.value("iam_scan_jobs_found_last", &[]), found as f64);
    assert!(
        after.value("iam_last_successful_scan_timestamp_seconds", &[])
            > before.value("iam_last_successful_scan_timestamp_seconds", &[])
    );
    assert_eq!(
        after.value(
            "api_handler_errors_total",
            &[("handler", "run_scan"), ("error_type", "unauthorized")]
        ),
        1.0
    );
    assert_eq!(
        after.value(
            "api_handler_errors_total",
            &[("handler", "run_scan"), ("error_type", "forbidden")]
        ),
        1.0
    );
}

#[test]
fn health_unknown_routes_and_methods_answer_json() {
    let dir = data_dir("routes");
    let demo = Demo::start(dir.path(), &[]);
    let (health, before, after) = step(&demo, |demo| demo.get("/health"));
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({ "status": "ok" }));
    assert_moved(
        &before,
        &after,
        &[
            (
                "http_requests_total",
                &[("method", "GET"), ("route", "/health"), ("status", "200")],
                1.0,
            ),
            (
                "http_request_duration_seconds_count",
                &[("method", "GET"), ("route", "/health")],
                1.0,
            ),
            ("api_handler_calls_total", &[("handler", "health")], 1.0),
        ],
    );
    let (unknown, before, after) = step(&demo, |demo| demo.get("/wp-admin/setup.php"));
    assert_eq!(unknown.status, 404);
    assert!(!error_of(&unknown).is_empty());
    assert_moved(
        &before,
        &after,
        &[(
            "http_requests_total",
            &[("method", "GET"), ("route", "unmatched"), ("status", "404")],
            1.0,
        )],
    );
    let wrong_method = demo.call("DELETE", "/api/jobs/1", &[], b"");
    assert_eq!(wrong_method.status, 405);
    assert!(!error_of(&wrong_method).is_empty());
}

#[test]
fn the_scrape_passes_promtool_has_every_family_at_start_and_names_no_person() {
    let dir = data_dir("scrape");
    let demo = Demo::start(dir.path(), &[]);
    let at_start = demo.scrape();
    // Every family of the service, with its series at 0 before any request.
    let families: [(&str, usize); 24] = [
        ("cv_parse_duration_seconds_count", 4),
        ("cv_parse_errors_total", 4 * 7),
        ("feature_usage_total", 4 * 3),
        ("ai_match_duration_seconds_count", 2),
        ("ai_match_tokens_total", 2),
        ("ai_match_cost_dollars_total", 2),
        ("paypal_webhooks_total", 6 * 5),
        ("paypal_webhook_rejections_total", 4),
        ("scan_duration_seconds_count", 1),
        ("iam_scan_runs_total", 4),
        ("iam_last_successful_scan_timestamp_seconds", 1),
        ("iam_scan_jobs_found_last", 1),
        ("iam_jobs", 3),
        ("external_api_duration_seconds_count", 3),
        ("external_api_requests_total", 3 * 4),
        // insert and select of accounts, CVs and jobs, update of jobs, insert of webhook events
        ("db_query_duration_seconds_count", 8),
        ("db_operations_total", 8 * 4),
        ("db_connections_active", 1),
        ("db_connections_idle", 1),
        ("http_request_duration_seconds_count", 11),
        ("http_connections_closed_total", 9),
        ("http_connections_open", 1),
        ("process_cpu_seconds_total", 1),
        ("build_info", 1),
    ];
    for (family, series) in families {
        let found = at_start
            .0
            .lines()
            .filter(|line| {
                line.strip_prefix(family)
                    .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
            })
            .count();
        assert_eq!(found, series, "{family}");
    }
    assert_eq!(
        at_start.value("ai_match_tokens_total", &[("model", "v5.1")]),
        0.0
    );
    assert_eq!(
        at_start.value(
            "cv_parse_errors_total",
            &[("format", "pdf"), ("error_type", "unreadable")]
        ),
        0.0
    );

    // Some traffic, then the scrape is linted and its label names checked.
    upload(&demo, "text/plain", CV.as_bytes());
    demo.call("GET", "/api/jobs", &[("x-account-id", "user-42")], b"");
    demo.get("/api/users/42");
    let scrape = demo.scrape().0;
    if let Some(checked) = promtool_check_metrics(&scrape) {
        checked.unwrap_or_else(|said| panic!("promtool check metrics said:\n{said}"));
    }
    const FORBIDDEN: [&str; 8] = [
        "user",
        "user_id",
        "email",
        "ip",
        "path",
        "url",
        "session_id",
        "request_id",
    ];
    for line in scrape.lines().filter(|line| !line.starts_with('#')) {
        let Some((_, labels)) = line.split_once('{') else {
            continue;
        };
        let labels = labels.rsplit_once('}').map_or(labels, |(labels, _)| labels);
        for pair in labels.split("\",").filter(|pair| !pair.is_empty()) {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            assert!(!FORBIDDEN.contains(&name), "label `{name}` in {line}");
        }
    }
    assert!(
        !scrape.contains("user-42"),
        "no account id reaches a label value"
    );
}
