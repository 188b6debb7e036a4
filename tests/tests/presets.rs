//! Instrumenting a whole service: presets (keys declared once, used by path),
//! `fn_label` (the fn's name as a label value) and annotated `impl` blocks
//! (inherent, generic and trait impls; sync and async methods), each with
//! exact counts, and every series at 0 from start.

#![allow(dead_code)]

use metricate::{instrument_metric, LabelValue};
use metricate_tests::{block_on, sample};

/// Why a lookup failed.
#[derive(Debug, PartialEq, LabelValue)]
enum LookupError {
    Missing,
    Locked,
}

/// The format a document comes in.
#[derive(Clone, Copy, Debug, LabelValue)]
enum Format {
    Pdf,
    Text,
}

mod metrics {
    metricate::preset! {
        /// A query: timed, counted by status, and labelled by the site.
        pub(crate) QUERY(
            histogram = "ps_query_duration_seconds",
            calls = "ps_queries_total",
            outcome = "status",
            const_labels(operation, table),
            buckets = [0.001, 0.01, 0.1, 1.0],
        );
        /// A handler: calls and errors, by the handler's fn name.
        pub(crate) HANDLER(
            calls = "ps_handler_calls_total",
            errors = "ps_handler_errors_total",
            fn_label = "handler",
        );
        /// A parse: by format, whose value each site reads from its own parameter.
        pub(crate) PARSE(calls = "ps_parses_total", labels(format: crate::Format));
        /// Fixed in the preset: the table every site of it touches.
        pub(crate) JOBS_QUERY(calls = "ps_jobs_queries_total", const_labels(table = "jobs", operation));
    }
}

#[instrument_metric(preset = metrics::QUERY, const_labels(operation = "select", table = "jobs"))]
fn select_job(id: u32) -> Result<u32, LookupError> {
    match id {
        0 => Err(LookupError::Missing),
        _ => Ok(id),
    }
}

#[instrument_metric(preset = crate::metrics::QUERY, const_labels(table = "cvs", operation = "insert"))]
async fn insert_cv(locked: bool) -> Result<(), LookupError> {
    if locked {
        return Err(LookupError::Locked);
    }
    Ok(())
}

/// The jobs a filter selects.
#[instrument_metric(preset = metrics::HANDLER)]
fn search_jobs(id: u32) -> Result<u32, LookupError> {
    id.checked_sub(1).ok_or(LookupError::Missing)
}

#[instrument_metric(preset = metrics::HANDLER)]
async fn upload_cv(locked: bool) -> Result<(), LookupError> {
    match locked {
        true => Err(LookupError::Locked),
        false => Ok(()),
    }
}

#[instrument_metric(preset = metrics::PARSE, labels(format = format))]
fn parse(format: Format, body: &str) -> usize {
    body.len()
}

#[instrument_metric(preset = metrics::JOBS_QUERY, const_labels(operation = "update"))]
fn update_job() {}

#[test]
fn a_preset_declares_the_families_once_and_every_site_adds_its_labels() {
    // At 0 from start, for every site and every status.
    assert_eq!(
        sample(
            "ps_queries_total",
            &[
                ("operation", "insert"),
                ("table", "cvs"),
                ("status", "error")
            ]
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(
            "ps_query_duration_seconds_count",
            &[("operation", "select"), ("table", "jobs")]
        ),
        Some(0.0)
    );
    assert_eq!(select_job(3), Ok(3));
    assert_eq!(select_job(0), Err(LookupError::Missing));
    assert_eq!(select_job(5), Ok(5));
    assert_eq!(block_on(insert_cv(true)), Err(LookupError::Locked));
    let ok = [("operation", "select"), ("table", "jobs"), ("status", "ok")];
    let error = [
        ("operation", "select"),
        ("table", "jobs"),
        ("status", "error"),
    ];
    assert_eq!(sample("ps_queries_total", &ok), Some(2.0));
    assert_eq!(sample("ps_queries_total", &error), Some(1.0));
    assert_eq!(
        sample(
            "ps_queries_total",
            &[
                ("operation", "insert"),
                ("table", "cvs"),
                ("status", "error")
            ]
        ),
        Some(1.0)
    );
    // The preset's buckets, at every site, and no others.
    let text = metricate::render();
    let bounds: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("ps_query_duration_seconds_bucket{operation=\"insert\""))
        .filter_map(|line| line.split(",le=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(bounds, ["0.001", "0.01", "0.1", "1", "+Inf"]);
    assert_eq!(
        sample(
            "ps_query_duration_seconds_count",
            &[("operation", "select"), ("table", "jobs")]
        ),
        Some(3.0),
        "an error returned is timed too"
    );
}

#[test]
fn fn_label_values_each_series_with_its_fns_name() {
    assert_eq!(
        sample(
            "ps_handler_errors_total",
            &[("handler", "upload_cv"), ("error_type", "locked")]
        ),
        Some(0.0)
    );
    assert_eq!(search_jobs(1), Ok(0));
    assert_eq!(search_jobs(0), Err(LookupError::Missing));
    assert_eq!(block_on(upload_cv(false)), Ok(()));
    assert_eq!(
        sample("ps_handler_calls_total", &[("handler", "search_jobs")]),
        Some(2.0)
    );
    assert_eq!(
        sample("ps_handler_calls_total", &[("handler", "upload_cv")]),
        Some(1.0)
    );
    assert_eq!(
        sample(
            "ps_handler_errors_total",
            &[("handler", "search_jobs"), ("error_type", "missing")]
        ),
        Some(1.0)
    );
}

#[test]
fn a_preset_label_takes_the_presets_type_and_the_sites_value() {
    assert_eq!(sample("ps_parses_total", &[("format", "text")]), Some(0.0));
    assert_eq!(parse(Format::Pdf, "abc"), 3);
    assert_eq!(parse(Format::Pdf, ""), 0);
    assert_eq!(sample("ps_parses_total", &[("format", "pdf")]), Some(2.0));
    assert_eq!(sample("ps_parses_total", &[("format", "text")]), Some(0.0));
    update_job();
    assert_eq!(
        sample(
            "ps_jobs_queries_total",
            &[("operation", "update"), ("table", "jobs")]
        ),
        Some(1.0)
    );
}

// --- `impl` blocks ---

/// A key-value store.
struct Store {
    keys: Vec<u32>,
}

#[instrument_metric(
    histogram = "ps_store_duration_seconds",
    errors = "ps_store_errors_total",
    fn_label = "method",
    skip(new)
)]
impl Store {
    fn new() -> Store {
        Store { keys: Vec::new() }
    }

    /// Finds a key.
    fn get(&self, key: u32) -> Result<u32, LookupError> {
        self.keys
            .iter()
            .copied()
            .find(|k| *k == key)
            .ok_or(LookupError::Missing)
    }

    async fn put(&mut self, key: u32) -> Result<(), LookupError> {
        if self.keys.len() >= 2 {
            return Err(LookupError::Locked);
        }
        self.keys.push(key);
        Ok(())
    }

    /// Not instrumented by the block: its own annotation wins.
    #[instrument_metric(calls = "ps_store_len_calls_total")]
    fn len(&self) -> usize {
        self.keys.len()
    }
}

#[test]
fn an_impl_block_instruments_each_method_with_its_name() {
    for method in ["get", "put"] {
        assert_eq!(
            sample(
                "ps_store_errors_total",
                &[("method", method), ("error_type", "locked")]
            ),
            Some(0.0),
            "{method} at 0 from start"
        );
    }
    let mut store = Store::new();
    assert_eq!(block_on(store.put(1)), Ok(()));
    assert_eq!(block_on(store.put(2)), Ok(()));
    assert_eq!(block_on(store.put(3)), Err(LookupError::Locked));
    assert_eq!(store.get(2), Ok(2));
    assert_eq!(store.get(9), Err(LookupError::Missing));
    assert_eq!(store.len(), 2);
    assert_eq!(
        sample("ps_store_duration_seconds_count", &[("method", "put")]),
        Some(3.0)
    );
    assert_eq!(
        sample("ps_store_duration_seconds_count", &[("method", "get")]),
        Some(2.0)
    );
    assert_eq!(
        sample(
            "ps_store_errors_total",
            &[("method", "put"), ("error_type", "locked")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            "ps_store_errors_total",
            &[("method", "get"), ("error_type", "missing")]
        ),
        Some(1.0)
    );
    assert_eq!(sample("ps_store_len_calls_total", &[]), Some(1.0));
    let text = metricate::render();
    assert!(!text.contains(r#"method="new""#), "skipped");
    assert!(!text.contains(r#"method="len""#), "annotated on its own");
}

/// A cache of any value.
struct Cache<T> {
    value: Option<T>,
}

#[instrument_metric(calls = "ps_cache_calls_total", fn_label = "method", only(fill, take))]
impl<T: Clone> Cache<T> {
    fn fill(&mut self, value: T) {
        self.value = Some(value);
    }

    fn take(&mut self) -> Option<T> {
        self.value.take()
    }

    fn peek(&self) -> Option<T> {
        self.value.clone()
    }
}

#[test]
fn a_generic_impl_block_counts_every_instantiation_in_one_series() {
    assert_eq!(
        sample("ps_cache_calls_total", &[("method", "take")]),
        Some(0.0)
    );
    let mut numbers = Cache { value: None };
    numbers.fill(3u8);
    let mut words = Cache { value: None };
    words.fill("three");
    assert_eq!(words.take(), Some("three"));
    assert_eq!(numbers.peek(), Some(3));
    assert_eq!(
        sample("ps_cache_calls_total", &[("method", "fill")]),
        Some(2.0)
    );
    assert_eq!(
        sample("ps_cache_calls_total", &[("method", "take")]),
        Some(1.0)
    );
    assert!(
        !metricate::render().contains(r#"method="peek""#),
        "not in only(..)"
    );
}

/// Something that parses documents.
trait Parser {
    fn parse(&self, body: &str) -> Result<usize, LookupError>;
    async fn parse_later(&self, body: &str) -> Result<usize, LookupError>;
}

struct Plain;

#[instrument_metric(
    preset = metrics::HANDLER,
    only(parse_later, parse)
)]
impl Parser for Plain {
    fn parse(&self, body: &str) -> Result<usize, LookupError> {
        if body.is_empty() {
            return Err(LookupError::Missing);
        }
        Ok(body.len())
    }

    async fn parse_later(&self, body: &str) -> Result<usize, LookupError> {
        self.parse(body)
    }
}

#[test]
fn a_trait_impl_block_with_a_preset_names_each_method() {
    assert_eq!(
        sample("ps_handler_calls_total", &[("handler", "parse_later")]),
        Some(0.0)
    );
    assert_eq!(Plain.parse("ab"), Ok(2));
    assert_eq!(block_on(Plain.parse_later("")), Err(LookupError::Missing));
    assert_eq!(
        sample("ps_handler_calls_total", &[("handler", "parse")]),
        Some(2.0)
    );
    assert_eq!(
        sample("ps_handler_calls_total", &[("handler", "parse_later")]),
        Some(1.0)
    );
    assert_eq!(
        sample(
            "ps_handler_errors_total",
            &[("handler", "parse"), ("error_type", "missing")]
        ),
        Some(1.0)
    );
}

#[test]
fn a_presets_families_take_their_help_from_the_preset_not_from_a_site() {
    let text = metricate::render();
    assert!(
        text.contains("# HELP ps_handler_calls_total A handler: calls and errors, by the handler's fn name. Calls that ended.\n"),
        "{text}"
    );
    assert!(
        text.contains("# HELP ps_query_duration_seconds A query: timed, counted by status, and labelled by the site.\n"),
        "{text}"
    );
    // `search_jobs`, the first site with a doc comment, names no family.
    assert!(!text.contains("The jobs a filter selects."), "{text}");
}
