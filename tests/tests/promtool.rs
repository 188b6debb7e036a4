//! Everything `render()` emits, after exercising every key, passes
//! `promtool check metrics` without a word.

use metricate::{instrument_metric, LabelValue};
use std::io::Write;
use std::process::{Command, Stdio};

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

/// `promtool` on PATH, or `None` when absent outside CI (with the reason printed).
fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    match (found, std::env::var_os("CI").is_some()) {
        (true, _) => Some("promtool"),
        (false, true) => {
            panic!("promtool is required in CI: .ci/run installs the Debian package `prometheus`")
        }
        (false, false) => {
            eprintln!("skipped: promtool is not installed (apt-get install prometheus); CI runs this test");
            None
        }
    }
}

#[tokio::test]
async fn render_passes_promtool_check_metrics() {
    for size in [0, 3, 12] {
        parse(Format::Pdf, size).await.ok();
    }
    parse(Format::PlainText, 1).await.ok();
    reject().ok();
    let exposition = metricate::render();
    assert!(exposition.contains("promtool_parse_in_flight"));
    assert!(exposition.contains(r#"format="plain text \"quoted\"""#));
    let Some(promtool) = promtool() else { return };

    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(exposition.as_bytes())
        .expect("promtool reads the exposition");
    let output = child.wait_with_output().expect("promtool finishes");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && said.trim().is_empty(),
        "promtool check metrics said:\n{said}\n---\n{exposition}"
    );
}
