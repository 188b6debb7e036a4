//! Instruments a small CV-parsing fn, calls it a few times and prints the
//! exposition a Prometheus server would scrape.
//!
//! Run it with `cargo run --example quickstart`.

use metricate::{instrument_metric, LabelValue};

/// The file formats a CV is uploaded in.
#[derive(Clone, Copy, Debug, LabelValue)]
enum CvFormat {
    Pdf,
    Docx,
    PlainText,
}

/// Why parsing failed.
#[derive(Debug, LabelValue)]
enum CvError {
    Empty,
    TooLarge { size: usize },
    Corrupt(String),
}

/// Parses an uploaded CV into sections.
#[instrument_metric(
    histogram = "cv_parse_duration_seconds",
    errors = "cv_parse_errors_total",
    in_flight = "cv_parse_in_flight",
    labels(format = format),
)]
fn parse_cv(format: CvFormat, body: &[u8]) -> Result<Vec<String>, CvError> {
    match body.len() {
        0 => Err(CvError::Empty),
        size if size > 64 => Err(CvError::TooLarge { size }),
        _ if body.contains(&0) => Err(CvError::Corrupt("NUL byte".to_owned())),
        _ => Ok(String::from_utf8_lossy(body)
            .split("\n\n")
            .map(str::to_owned)
            .collect()),
    }
}

fn main() {
    let uploads: [(CvFormat, &[u8]); 4] = [
        (CvFormat::Pdf, b"Experience\n\nEducation"),
        (CvFormat::Docx, b""),
        (CvFormat::PlainText, &[b'x'; 100]),
        (CvFormat::Pdf, b"bad\0byte"),
    ];
    for (format, body) in uploads {
        match parse_cv(format, body) {
            Ok(sections) => eprintln!("{format:?}: {} sections", sections.len()),
            Err(CvError::Empty) => eprintln!("{format:?}: empty upload"),
            Err(CvError::TooLarge { size }) => eprintln!("{format:?}: {size} bytes is too large"),
            Err(CvError::Corrupt(reason)) => eprintln!("{format:?}: corrupt: {reason}"),
        }
    }
    print!("{}", metricate::render());
}
