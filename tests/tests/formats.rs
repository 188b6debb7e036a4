//! Both exposition formats, parsed by the official Python client's parsers:
//! the text format 0.0.4 (also through promtool) and OpenMetrics 1.0, with
//! escaping, units, `_created`, and collectors registered by hand; and the
//! `/metrics` route negotiating them from `Accept`.

// Test helpers called by the tests: a failure should fail the test loudly.
#![allow(clippy::unwrap_used)]

use metricate::{instrument_metric, Format, LabelValue};
use metricate_tests::{promtool_check_metrics, python_parse};

#[derive(Clone, Copy, LabelValue)]
enum Model {
    #[label(rename = "v3 \"classic\"\\\n")]
    Classic,
    V5_1,
}

#[derive(Debug, LabelValue)]
enum MatchError {
    NoSkills,
}

/// Scores a CV against a job.
/// The "match" a recruiter sees.
#[instrument_metric(
    histogram = "formats_match_duration_seconds",
    errors = "formats_match_errors_total",
    calls = "formats_match_calls_total",
    in_flight = "formats_match_in_flight",
    labels(model = model),
    buckets = [0.001, 0.1],
)]
fn score(model: Model, skills: usize) -> Result<f64, MatchError> {
    metricate::counter!("formats_match_cost_dollars_total", help = "Dollars spent on matching.", model: Model = model)
        .inc_by(0.002);
    metricate::histogram!(
        "formats_cv_size_bytes",
        help = "Size of matched CVs.",
        buckets = [1024.0, 65536.0]
    )
    .observe(2048.0);
    if skills == 0 {
        Err(MatchError::NoSkills)
    } else {
        Ok(0.5)
    }
}

/// The trace of the calls below, as a tracing integration would report it.
fn current_trace() -> Option<metricate::exemplars::TraceId> {
    Some(metricate::exemplars::TraceId(
        0x0af7651916cd43dd8448eb211c80319c,
    ))
}

fn exercise() {
    metricate::exemplars::set_trace_id_source(current_trace);
    score(Model::Classic, 3).ok();
    score(Model::V5_1, 0).ok();
    metricate::gauge!("formats_queue_depth", help = "Jobs waiting.").set(4.0);
    let _ = metricate::computed_gauge!("formats_rows", help = "Rows, computed at scrape.", || {
        12_u32
    });
    // Collectors registered by hand are converted into each format too.
    let summary = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("formats_by_hand_seconds", "Timed by hand.")
            .buckets(vec![0.5, 1.0]),
    )
    .expect("a valid histogram");
    let _ = metricate::registry().register(Box::new(summary.clone()));
    summary.observe(0.7);
}

#[test]
fn both_formats_parse_with_the_official_parsers() {
    exercise();
    text_format_parses_with_the_python_parser_and_promtool();
    openmetrics_parses_with_the_python_openmetrics_parser();
}

fn text_format_parses_with_the_python_parser_and_promtool() {
    let text = String::from_utf8(metricate::render_with(Format::Text)).unwrap();
    if let Some(result) = promtool_check_metrics(&text) {
        result.unwrap();
    }
    let Some(parsed) = python_parse("text", &text) else {
        return;
    };
    let parsed = parsed.unwrap();
    let has = |line: &str| parsed.iter().any(|sample| sample == line);
    assert!(
        has(r#"counter formats_match_calls_total {model='v3 "classic"\\\n'} 1.0"#),
        "{parsed:#?}"
    );
    assert!(
        has("histogram formats_by_hand_seconds_bucket {le='1'} 1.0"),
        "{parsed:#?}"
    );
}

fn openmetrics_parses_with_the_python_openmetrics_parser() {
    let text = String::from_utf8(metricate::render_with(Format::OpenMetrics)).unwrap();
    assert!(text.ends_with("# EOF\n"));
    assert!(text.contains("# TYPE formats_match_calls counter\n"));
    assert!(text.contains(
        "# TYPE formats_match_cost_dollars counter\n# UNIT formats_match_cost_dollars dollars\n"
    ));
    assert!(text.contains("# UNIT formats_match_duration_seconds seconds\n"));
    assert!(text.contains("# HELP formats_match_duration_seconds Scores a CV against a job. The \\\"match\\\" a recruiter sees.\n"));
    let Some(parsed) = python_parse("openmetrics", &text) else {
        return;
    };
    let parsed = parsed.unwrap_or_else(|error| panic!("{error}\n{text}"));
    let has = |line: &str| parsed.iter().any(|sample| sample == line);
    assert!(
        has("counter formats_match_calls_total {model='v5_1'} 1.0"),
        "{parsed:#?}"
    );
    assert!(
        parsed.iter().any(|sample| sample.starts_with("counter formats_match_calls_created {model='v5_1'} ")),
        "{parsed:#?}"
    );
    assert!(
        has("histogram formats_match_duration_seconds_count {model='v5_1'} 1.0"),
        "{parsed:#?}"
    );
    assert!(has("gauge formats_queue_depth {} 4.0"), "{parsed:#?}");
    assert!(has("gauge formats_rows {} 12.0"), "{parsed:#?}");
    assert!(
        has("histogram formats_by_hand_seconds_count {} 1.0"),
        "{parsed:#?}"
    );
    assert!(
        has("histogram formats_cv_size_bytes_bucket {le='65536'} 2.0"),
        "{parsed:#?}"
    );
}

#[tokio::test]
async fn the_metrics_route_negotiates_the_format_from_accept() {
    use axum::body::Body;
    use axum::http::{header, Request};
    use tower_service::Service;
    let mut app: axum::Router =
        axum::Router::new().merge(metricate::http::MetricsEndpoint::new().router());
    let mut scrape = |accept: &'static str| {
        let request = Request::get("/metrics")
            .header(header::ACCEPT, accept)
            .body(Body::empty())
            .unwrap();
        let response = app.call(request);
        async move {
            let response = response.await.unwrap();
            let content_type = response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (content_type, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    // What Prometheus sends.
    let (content_type, body) = scrape("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1").await;
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(body.ends_with("# EOF\n"));
    let (content_type, body) = scrape("text/plain").await;
    assert_eq!(content_type, metricate::http::TEXT_FORMAT);
    assert!(!body.contains("# EOF"));
}
