//! The catalogue knows, at start, every family declared anywhere in the binary:
//! fns in two modules, a fn and a `counter!` in a second crate, and `counter!`,
//! `gauge!` and `histogram!` sites that never run. Nothing here is called before
//! the first assertion on `render()`.

// Label enums list values that no code here constructs: that is the point.
#![allow(dead_code)]

use metricate::{instrument_metric, LabelValue, MetricKind, Problem};
use metricate_tests::sample_in;

#[derive(Clone, Copy, LabelValue)]
enum Format {
    Pdf,
    Docx,
    PlainText,
}

#[derive(Clone, Copy, LabelValue)]
enum Model {
    V3_0,
    V5_1,
}

#[derive(Debug, LabelValue)]
enum UploadError {
    Empty,
    TooLarge,
}

mod uploads {
    use super::{Format, UploadError};
    use metricate::instrument_metric;

    /// Stores an uploaded CV.
    #[instrument_metric(histogram = "catalog_upload_duration_seconds", errors = "catalog_upload_errors_total", labels(format = format))]
    pub(crate) fn upload(format: Format, body: &[u8]) -> Result<usize, UploadError> {
        if body.is_empty() {
            Err(UploadError::Empty)
        } else {
            Ok(body.len())
        }
    }
}

mod matching {
    use super::Model;
    use metricate::instrument_metric;

    /// Matches a CV with the old model.
    #[instrument_metric(calls = "catalog_match_calls_total", const_labels(model = "v3_0"), labels(strict = strict))]
    pub(crate) fn match_v3(strict: bool) -> u8 {
        3
    }

    /// Matches a CV with the new model.
    #[instrument_metric(calls = "catalog_match_calls_total", labels(strict = strict), const_labels(model = "v5_1"))]
    pub(crate) fn match_v5(strict: bool) -> u8 {
        5
    }

    /// Never runs: its series still exist.
    pub(crate) fn spend(model: Model, tokens: u32, score: f64) {
        metricate::counter!("catalog_ai_tokens_total", model: Model = model).inc_by(tokens);
        metricate::gauge!("catalog_last_match_timestamp_seconds").set_to_current_time();
        metricate::histogram!("catalog_match_score_ratio", buckets = [0.25, 0.5, 0.75], model: Model = model).observe(score);
    }
}

/// Labels read from `self` cannot be named outside the method: known at first
/// call, unless their type is written.
struct Scanner {
    format: Format,
}

impl Scanner {
    #[instrument_metric(calls = "catalog_scanner_calls_total", labels(format = self.format))]
    fn scan(&self) -> u8 {
        1
    }

    #[instrument_metric(calls = "catalog_typed_scanner_calls_total", labels(format: Format = self.format))]
    fn scan_typed(&self) -> u8 {
        2
    }
}

#[test]
fn every_declared_family_is_known_and_exported_at_zero_before_any_call() {
    let text = metricate::render();

    // Two modules of this crate.
    for format in ["pdf", "docx", "plain_text"] {
        assert_eq!(
            sample_in(
                &text,
                "catalog_upload_duration_seconds_count",
                &[("format", format)]
            ),
            Some(0.0),
            "{format}"
        );
        for error_type in ["empty", "too_large", "panic"] {
            let labels = [("format", format), ("error_type", error_type)];
            assert_eq!(
                sample_in(&text, "catalog_upload_errors_total", &labels),
                Some(0.0)
            );
        }
    }
    for (model, strict) in [
        ("v3_0", "true"),
        ("v3_0", "false"),
        ("v5_1", "true"),
        ("v5_1", "false"),
    ] {
        let labels = [("model", model), ("strict", strict)];
        assert_eq!(
            sample_in(&text, "catalog_match_calls_total", &labels),
            Some(0.0)
        );
    }
    // Function-like macros that never run.
    assert_eq!(
        sample_in(&text, "catalog_ai_tokens_total", &[("model", "v5_1")]),
        Some(0.0)
    );
    assert_eq!(
        sample_in(&text, "catalog_last_match_timestamp_seconds", &[]),
        Some(0.0)
    );
    assert_eq!(
        sample_in(
            &text,
            "catalog_match_score_ratio_bucket",
            &[("model", "v3_0"), ("le", "0.5")]
        ),
        Some(0.0)
    );
    // The second crate, linked because this binary uses it.
    assert_eq!(
        sample_in(&text, "fixture_scan_calls_total", &[("board", "partner")]),
        Some(0.0)
    );
    assert_eq!(
        sample_in(&text, "fixture_jobs_found_total", &[("board", "public")]),
        Some(0.0)
    );

    // The one family known only at first use is reported, with the typed form.
    let catalog = metricate::catalog();
    let error = catalog.validate().unwrap_err();
    let [Problem::KnownAtFirstUse(first_use)] = error.problems.as_slice() else {
        panic!("{error}");
    };
    assert_eq!(first_use.family, "catalog_scanner_calls_total");
    assert_eq!(first_use.unknown, ["format"]);
    assert_eq!(first_use.fix, "`labels(format: Type = self.format)`");
    assert_eq!(first_use.site.function, Some("scan"));
    assert!(metricate::problems().iter().any(
        |problem| matches!(problem, Problem::KnownAtFirstUse(reported) if **reported == **first_use)
    ));
    // Its typed twin is known at start.
    for format in ["pdf", "docx", "plain_text"] {
        assert_eq!(
            sample_in(
                &text,
                "catalog_typed_scanner_calls_total",
                &[("format", format)]
            ),
            Some(0.0)
        );
    }
    let upload = catalog.family("catalog_upload_errors_total").unwrap();
    assert_eq!(upload.kind, MetricKind::Counter);
    assert_eq!(
        upload.help,
        "Stores an uploaded CV. Calls that failed, by error_type."
    );
    let names: Vec<_> = upload.labels.iter().map(|label| label.name).collect();
    assert_eq!(names, ["format", "error_type"]);
    assert_eq!(
        upload.labels[1].values.as_deref(),
        Some(&["empty", "too_large", "panic"][..])
    );
    assert_eq!(upload.series(), Some(9));
    assert_eq!(upload.sites[0].function, Some("upload"));
    assert_eq!(upload.sites[0].module_path, "catalog::uploads");
    assert!(upload.sites[0].file.ends_with("catalog.rs"));

    let shared = catalog.family("catalog_match_calls_total").unwrap();
    assert_eq!(shared.sites.len(), 2);
    let model = shared
        .labels
        .iter()
        .find(|label| label.name == "model")
        .unwrap();
    assert_eq!(model.values.as_deref(), Some(&["v3_0", "v5_1"][..]));

    let tokens = catalog.family("catalog_ai_tokens_total").unwrap();
    assert_eq!(
        (tokens.sites[0].function, tokens.sites[0].module_path),
        (None, "catalog::matching")
    );
    let score = catalog.family("catalog_match_score_ratio").unwrap();
    assert_eq!(score.buckets.as_deref(), Some(&[0.25, 0.5, 0.75][..]));
    assert!(catalog.family("fixture_scan_duration_seconds").is_some());
    let fixture = catalog.family("fixture_jobs_found_total").unwrap();
    assert_eq!(fixture.sites[0].module_path, "metricate_fixture");

    // A label read from `self` is known from the first call only.
    let scanner = catalog.family("catalog_scanner_calls_total").unwrap();
    assert_eq!(scanner.labels[0].values, None);
    assert_eq!(
        sample_in(&text, "catalog_scanner_calls_total", &[("format", "pdf")]),
        None
    );

    // Calls then update the series created at start.
    assert!(uploads::upload(Format::Docx, b"cv").is_ok());
    assert_eq!(matching::match_v3(true) + matching::match_v5(false), 8);
    assert_eq!(
        metricate_fixture::scan(metricate_fixture::Board::Partner),
        1
    );
    assert_eq!(
        Scanner {
            format: Format::PlainText
        }
        .scan(),
        1
    );
    let text = metricate::render();
    assert_eq!(
        sample_in(
            &text,
            "catalog_upload_duration_seconds_count",
            &[("format", "docx")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample_in(&text, "fixture_scan_calls_total", &[("board", "partner")]),
        Some(1.0)
    );
    assert_eq!(
        sample_in(&text, "catalog_scanner_calls_total", &[("format", "pdf")]),
        Some(0.0)
    );
    assert_eq!(
        sample_in(
            &text,
            "catalog_scanner_calls_total",
            &[("format", "plain_text")]
        ),
        Some(1.0)
    );
    assert_eq!(
        metricate::problems().len(),
        1,
        "only the family known at first use: {:?}",
        metricate::problems()
    );
    // Keep the never-called fns referenced so they are not dead code.
    let _ = (
        Scanner::scan_typed as fn(&Scanner) -> u8,
        matching::spend as fn(Model, u32, f64),
        metricate_fixture::found as fn(metricate_fixture::Board, u32),
    );
}

/// A gauge whose code never runs.
#[allow(dead_code)]
fn never_registered() {
    let _ = metricate::computed_gauge!("catalog_never_registered_rows", || 1_u64);
}

#[test]
fn fixed_families_and_computed_gauges_are_in_the_catalogue_before_any_code_runs() {
    // No init(), no registration: the linker's declarations and metricate's
    // own fixed families are the catalogue.
    let catalog = metricate::catalog();
    let gauge = catalog.family("catalog_never_registered_rows").unwrap();
    assert_eq!(gauge.kind, metricate::MetricKind::Gauge);
    assert_eq!(gauge.sites[0].module_path, "catalog");
    #[cfg(target_os = "linux")]
    assert!(catalog.family("process_resident_memory_bytes").is_some());
    let failures = catalog.family("metricate_callback_failures_total").unwrap();
    let metrics = failures.labels[0].values.as_ref().unwrap();
    assert!(
        metrics.contains(&"catalog_never_registered_rows"),
        "{metrics:?}"
    );
    // Declared, never registered: nothing to export.
    assert!(!metricate::render().contains("catalog_never_registered_rows "));
}
