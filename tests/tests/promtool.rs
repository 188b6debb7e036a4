//! Everything `render()` emits, after exercising every key, passes
//! `promtool check metrics` without a word.

use metricate::{instrument_metric, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Format {
    Pdf,
    #[label(rename = "plain text \"quoted\"")]
    PlainText,
}

#[derive(Debug, LabelValue)]
enum ParseError {
    Empty,
    TooLarge,
}

/// Parses a CV: "quoted" help, with a backslash \ and
/// a second line.
#[instrument_metric(
    histogram = "promtool_parse_duration_seconds",
    errors = "promtool_parse_errors_total",
    calls = "promtool_parse_calls_total",
    in_flight = "promtool_parse_in_flight",
    labels(format = format),
    const_labels(model = "v3_0"),
    buckets = [0.001, 0.01, 0.1],
    max_series = 10
)]
async fn parse(format: Format, size: usize) -> Result<usize, ParseError> {
    match size {
        0 => Err(ParseError::Empty),
        1..=9 => Ok(size),
        _ => Err(ParseError::TooLarge),
    }
}

#[instrument_metric(
    errors = "promtool_fixed_errors_total",
    error_type = "rejected",
    help = "Fixed error type."
)]
fn reject() -> Result<(), String> {
    Err("no".to_owned())
}

#[tokio::test]
async fn render_passes_promtool_check_metrics() {
    for size in [0, 3, 12] {
        parse(Format::Pdf, size).await.ok();
    }
    parse(Format::PlainText, 1).await.ok();
    reject().ok();
    metricate::counter!("promtool_tokens_total", help = "Tokens \\ used.", format: Format = Format::Pdf).inc_by(0.5);
    metricate::gauge!("promtool_queue_depth").set(-2.0);
    metricate::histogram!("promtool_upload_size_bytes", buckets = [1024.0]).observe(10.0);
    let exposition = metricate::render();
    assert!(exposition.contains("promtool_parse_in_flight"));
    assert!(exposition.contains(r#"format="plain text \"quoted\"""#));
    if let Some(verdict) = metricate_tests::promtool_check_metrics(&exposition) {
        verdict.unwrap_or_else(|said| {
            panic!("promtool check metrics said:\n{said}\n---\n{exposition}")
        });
    }
}

#[test]
fn promtool_does_report_a_lint() {
    // Proves the check above can fail: a counter without `_total` is a lint.
    let bad = "# HELP bad_counter x\n# TYPE bad_counter counter\nbad_counter 1\n";
    if let Some(verdict) = metricate_tests::promtool_check_metrics(bad) {
        assert!(verdict.is_err());
    }
}
