//! Generated code is clean under strict lints, with every key in use.

#![deny(warnings)]
#![deny(unused_qualifications)]
#![deny(clippy::pedantic)]
#![deny(
    unused_results,
    unused_extern_crates,
    unreachable_pub,
    missing_debug_implementations
)]
#![deny(rust_2018_idioms, unsafe_code, trivial_casts, trivial_numeric_casts)]

use metricate::{instrument_metric, LabelValue};

/// Document formats.
#[derive(Clone, Copy, Debug, LabelValue)]
pub enum Format {
    /// Portable document format.
    Pdf,
    /// Word.
    Docx,
    /// Text.
    #[label(rename = "text")]
    PlainText,
}

/// Why parsing fails.
#[derive(Debug, LabelValue)]
pub enum ParseError {
    /// Nothing to parse.
    Empty,
    /// Too much to parse.
    TooLarge {
        /// Size in bytes.
        size: usize,
    },
    /// Not a document.
    Corrupt(String),
}

/// Who asks.
#[derive(Debug)]
pub struct Caller {
    /// Whether the caller pays.
    pub paying: bool,
}

/// Parses a document.
///
/// More text that is not part of the help.
///
/// # Errors
///
/// When the body is empty or too large.
#[instrument_metric(
    histogram = "lints_parse_duration_seconds",
    errors = "lints_parse_errors_total",
    calls = "lints_parse_calls_total",
    in_flight = "lints_parse_in_flight",
    labels(format = format, paying = caller.paying),
    const_labels(model = "v3_0", region = "eu"),
    buckets = [0.001, 0.01, 0.1, 1, 10.0],
    help = "Documents parsed.",
    max_series = 2000,
)]
pub fn parse(format: Format, caller: &Caller, body: &[u8]) -> Result<usize, ParseError> {
    match body.len() {
        0 => Err(ParseError::Empty),
        size if size > 1 << 20 => Err(ParseError::TooLarge { size }),
        size if body[0] == 0 => Err(ParseError::Corrupt(format!("{size} bytes"))),
        size => Ok(size),
    }
}

/// Loads a document.
///
/// # Errors
///
/// When the document cannot be read.
#[instrument_metric(
    histogram = "lints_load_duration_seconds",
    errors = "lints_load_errors_total",
    error_type = "load",
    labels(format = format),
)]
pub async fn load(
    format: Format,
    name: &str,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    if name.is_empty() {
        return Err("no name".into());
    }
    Ok(vec![format as u8])
}

/// Counts without labels.
#[instrument_metric(calls = "lints_tick_calls_total")]
pub fn tick() {}

/// Reads a file, errors classified by `io::ErrorKind`.
///
/// # Errors
///
/// When the file cannot be read.
#[instrument_metric(errors = "lints_read_errors_total")]
pub fn read(path: &std::path::Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

fn main() {
    let caller = Caller { paying: true };
    let _ = parse(Format::Pdf, &caller, b"doc");
    let _ = parse(Format::PlainText, &caller, b"");
    tick();
    let _ = read(std::path::Path::new("/nonexistent/metricate"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let _ = runtime.block_on(load(Format::Docx, ""));
    let text = metricate::render();
    assert!(text.contains(r"# HELP lints_parse_duration_seconds Documents parsed."));
    assert!(text.contains(r#"lints_parse_errors_total{error_type="empty",format="text",model="v3_0",paying="true",region="eu"} 1"#));
    assert!(text.contains(r#"lints_load_errors_total{error_type="load",format="docx"} 1"#));
    assert!(text.contains(r#"lints_read_errors_total{error_type="not_found"} 1"#));
    assert!(text.contains("lints_tick_calls_total 1"));
}
