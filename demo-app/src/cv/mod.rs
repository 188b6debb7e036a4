//! CVs: the formats they are uploaded in, their parsing into text (PDF's text
//! layer with `lopdf`, in a child process for uploads; DOCX's document XML
//! with `zip` and `quick-xml`), and the sections found in that text.

mod docx;
mod pdf;
mod sections;

pub use pdf::{
    child_main as parse_pdf_child, CHILD_ADDRESS_SPACE, CHILD_COMMAND as PDF_CHILD_COMMAND,
    MAX_DEPTH, MAX_INFLATED_BYTES,
};
pub use sections::{Sections, SECTION_NAMES};

use metricate::LabelValue;
use serde::Serialize;

/// The largest CV accepted: 2 MiB.
pub const MAX_CV_BYTES: usize = 2 * 1024 * 1024;

/// The most text a CV may hold, whatever its format: 1 MiB (some 170 000
/// words; a real CV is a few thousand). A 57 KB DOCX could otherwise expand
/// to 16 MiB of text, stored, answered and matched on each time.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// How long reading one CV may take before it is abandoned (the parse stops
/// at this deadline, a PDF's child process killed: it is not left running).
pub const PARSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The formats a CV is uploaded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, LabelValue)]
#[serde(rename_all = "snake_case")]
pub enum CvFormat {
    /// `application/pdf`.
    Pdf,
    /// `application/vnd.openxmlformats-officedocument.wordprocessingml.document`.
    Docx,
    /// `text/markdown`.
    Markdown,
    /// `text/plain`.
    PlainText,
}

impl CvFormat {
    /// The format of a `Content-Type`, parameters (`; charset=..`) ignored.
    pub fn from_content_type(content_type: &str) -> Option<CvFormat> {
        let media = content_type.split(';').next().unwrap_or("").trim();
        match media.to_ascii_lowercase().as_str() {
            "application/pdf" => Some(CvFormat::Pdf),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Some(CvFormat::Docx)
            }
            "text/markdown" => Some(CvFormat::Markdown),
            "text/plain" => Some(CvFormat::PlainText),
            _ => None,
        }
    }

    /// The `Content-Type` of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            CvFormat::Pdf => "application/pdf",
            CvFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            CvFormat::Markdown => "text/markdown",
            CvFormat::PlainText => "text/plain",
        }
    }

    /// The name the API answers with.
    pub fn name(self) -> &'static str {
        self.label_value()
    }
}

/// Why a CV could not be parsed: each an `error_type` of `cv_parse_errors_total`.
/// All but `timeout` are the uploader's (`client_error`): a bad upload never
/// pages; parses timing out, a sign of overload, do.
#[derive(Debug, thiserror::Error, LabelValue)]
pub enum CvError {
    /// No bytes.
    #[label(client_error)]
    #[error("the CV is empty")]
    Empty,
    /// Over [`MAX_CV_BYTES`].
    #[label(client_error)]
    #[error("the CV is {size} bytes, over the limit of {MAX_CV_BYTES}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Not a readable document of its format.
    #[label(client_error)]
    #[error("the CV could not be read as {format}: {reason}")]
    Unreadable {
        /// The format it was sent as.
        format: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A readable document without text (a scanned PDF, an empty DOCX).
    #[label(client_error)]
    #[error("the CV has no text to read")]
    NoText,
    /// More text than [`MAX_TEXT_BYTES`].
    #[label(client_error)]
    #[error("the CV has more than {MAX_TEXT_BYTES} bytes of text")]
    TextTooLong,
    /// Not read within [`PARSE_TIMEOUT`]: abandoned, and stopped.
    #[error("the CV took too long to read")]
    Timeout,
}

/// A parsed CV: its format, its text and its sections.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParsedCv {
    /// The format it was uploaded in.
    pub format: CvFormat,
    /// Its text.
    pub text: String,
    /// Its sections.
    pub sections: Sections,
}

/// Where a PDF is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PdfReader {
    /// In a child process of this binary (`demo-app parse-pdf`) with hard
    /// limits on its memory and CPU time: for untrusted PDFs, every upload.
    /// What kills the child (a stack overflow, an allocation failure) is an
    /// unreadable PDF, not a dead service. Only the `demo-app` binary has the
    /// command the child runs.
    Isolated,
    /// In this process: for PDFs the caller trusts (fixtures, tests). Its
    /// checks (nesting, inflated bytes, text, deadline) run after lopdf has
    /// read the document, so a hostile PDF can still abort the process.
    InProcess,
}

/// [`parse_cv`] in this process ([`PdfReader::InProcess`], for trusted
/// documents) with a deadline [`PARSE_TIMEOUT`] from now.
pub fn parse(format: CvFormat, body: &[u8]) -> Result<ParsedCv, CvError> {
    parse_cv(
        format,
        body,
        std::time::Instant::now() + PARSE_TIMEOUT,
        PdfReader::InProcess,
    )
}

/// Parses an uploaded CV into its text and sections.
///
/// A PDF is read where `pdf_reader` says: uploads, untrusted, with
/// [`PdfReader::Isolated`].
#[metricate::instrument_metric(
    histogram = "cv_parse_duration_seconds",
    errors = "cv_parse_errors_total",
    labels(format = format),
    buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0],
    objective(latency = "1s", percentile = 99),
)]
pub fn parse_cv(
    format: CvFormat,
    body: &[u8],
    deadline: std::time::Instant,
    pdf_reader: PdfReader,
) -> Result<ParsedCv, CvError> {
    if body.is_empty() {
        return Err(CvError::Empty);
    }
    if body.len() > MAX_CV_BYTES {
        return Err(CvError::TooLarge { size: body.len() });
    }
    let text = match format {
        CvFormat::Pdf => match pdf_reader {
            PdfReader::Isolated => pdf::text_isolated(body, deadline)?,
            PdfReader::InProcess => pdf::text(body, deadline)?,
        },
        CvFormat::Docx => docx::text(body, deadline)?,
        CvFormat::Markdown | CvFormat::PlainText => utf8(format, body)?,
    };
    // Text is capped whatever the format: what is stored, answered, matched
    // and tailored on is bounded.
    if text.len() > MAX_TEXT_BYTES {
        return Err(CvError::TextTooLong);
    }
    let text = normalise(text.strip_prefix('\u{feff}').unwrap_or(&text));
    if text.trim().is_empty() {
        return Err(CvError::NoText);
    }
    let sections = Sections::of(&text);
    Ok(ParsedCv {
        format,
        text,
        sections,
    })
}

fn utf8(format: CvFormat, body: &[u8]) -> Result<String, CvError> {
    let text = std::str::from_utf8(body).map_err(|error| CvError::Unreadable {
        format: format.name(),
        reason: format!("not UTF-8 text ({error})"),
    })?;
    if text.contains('\0') {
        return Err(CvError::Unreadable {
            format: format.name(),
            reason: "binary data, not text".to_owned(),
        });
    }
    Ok(text.to_owned())
}

/// Line endings as `\n`, runs of blank lines as one, trailing spaces gone.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

/// Fixtures: real documents of each format, written with the same crates that
/// read them, for tests and for the load generator.
pub mod fixtures {
    pub use super::docx::write as docx;
    pub use super::pdf::write as pdf;
}

#[cfg(test)]
mod tests {
    use super::*;

    const CV: &str = "Ada Lovelace\nada@example.com\n\nSummary\nEngineer of analytical engines.\n\nExperience\nAnalyst, Babbage & Co (1842-1843)\n\nSkills\nRust, PostgreSQL, Prometheus\n";

    #[test]
    fn every_format_parses_to_the_same_sections() {
        for (format, body) in [
            (CvFormat::PlainText, CV.as_bytes().to_vec()),
            (
                CvFormat::Markdown,
                CV.replace("Summary", "## Summary").into_bytes(),
            ),
            (CvFormat::Pdf, fixtures::pdf(CV)),
            (CvFormat::Docx, fixtures::docx(CV)),
        ] {
            let parsed = parse(format, &body).unwrap_or_else(|error| panic!("{format:?}: {error}"));
            assert!(
                parsed.sections.skills.contains("Prometheus"),
                "{format:?}: {parsed:?}"
            );
            assert!(
                parsed.sections.contact.contains("ada@example.com"),
                "{format:?}: {parsed:?}"
            );
            assert!(
                parsed.sections.experience.contains("Babbage"),
                "{format:?}: {parsed:?}"
            );
        }
    }

    #[test]
    fn bad_input_gets_its_own_error() {
        assert!(matches!(
            parse(CvFormat::PlainText, b""),
            Err(CvError::Empty)
        ));
        let large = vec![b'a'; MAX_CV_BYTES + 1];
        assert!(matches!(
            parse(CvFormat::PlainText, &large),
            Err(CvError::TooLarge { .. })
        ));
        assert!(matches!(
            parse(CvFormat::Pdf, b"%PDF-1.4 garbage"),
            Err(CvError::Unreadable { .. })
        ));
        assert!(matches!(
            parse(CvFormat::Docx, b"PK\x03\x04 nope"),
            Err(CvError::Unreadable { .. })
        ));
        assert!(matches!(
            parse(CvFormat::PlainText, &[0xff, 0xfe, 0x00]),
            Err(CvError::Unreadable { .. })
        ));
        assert!(matches!(
            parse(CvFormat::PlainText, b"   \n\n  "),
            Err(CvError::NoText)
        ));
    }

    #[test]
    fn content_types_map_to_formats() {
        assert_eq!(
            CvFormat::from_content_type("text/plain; charset=utf-8"),
            Some(CvFormat::PlainText)
        );
        assert_eq!(
            CvFormat::from_content_type("APPLICATION/PDF"),
            Some(CvFormat::Pdf)
        );
        assert_eq!(CvFormat::from_content_type("image/png"), None);
        for format in [
            CvFormat::Pdf,
            CvFormat::Docx,
            CvFormat::Markdown,
            CvFormat::PlainText,
        ] {
            assert_eq!(
                CvFormat::from_content_type(format.content_type()),
                Some(format)
            );
        }
    }
}
