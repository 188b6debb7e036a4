//! Exposition: every family of the store, then those of the collectors
//! registered by hand in [`registry()`](crate::registry), written through one
//! [`Writer`] per format. The walk over the families is written once; each
//! format says only how a family and a series look.

mod openmetrics;
mod protobuf;
#[cfg(feature = "prometheus")]
mod registry;
mod text;
mod writer;

use crate::bridge::Gathered;
use crate::native::NativeCounts;
use crate::store::{self, Series, Source, Value};
use crate::vocabulary::MetricKind;
use writer::{Buckets, LabelBuffer, Labels, Number, Writer};

/// An exposition format: what [`render_with`](crate::render_with) writes and
/// the `/metrics` route negotiates from the scraper's `Accept` header.
///
/// ```
/// use metricate::Format;
///
/// assert_eq!(Format::negotiate("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"), Format::OpenMetrics);
/// assert_eq!(Format::negotiate("text/plain"), Format::Text);
/// assert_eq!(Format::negotiate("*/*"), Format::Text);
/// // What Prometheus sends with native histograms enabled.
/// assert_eq!(
///     Format::negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
///     Format::Protobuf
/// );
/// assert_eq!(Format::OpenMetrics.content_type(), "application/openmetrics-text; version=1.0.0; charset=utf-8");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text format 0.0.4, what every scraper reads.
    #[default]
    Text,
    /// OpenMetrics 1.0 text: `_created` samples, `# UNIT` lines, exemplars and
    /// a closing `# EOF`.
    OpenMetrics,
    /// The Prometheus protobuf format (delimited `MetricFamily` messages): the
    /// format of native histograms, and of exemplars beside them.
    Protobuf,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Protobuf => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
            }
        }
    }

    /// The format an `Accept` header prefers among those metricate writes: the
    /// one accepted with the highest quality, protobuf winning a tie over
    /// OpenMetrics and OpenMetrics over text; the text format when nothing
    /// else is asked for. Protobuf is taken only as Prometheus asks for it
    /// (`proto=io.prometheus.client.MetricFamily; encoding=delimited`).
    pub fn negotiate(accept: &str) -> Format {
        let quality = |wanted: &str, parameters: &[&str]| {
            accept
                .split(',')
                .filter_map(|range| {
                    let mut parts = range.split(';').map(str::trim);
                    let media = parts.next()?.to_ascii_lowercase();
                    let parts: Vec<String> = parts.map(|part| part.replace(' ', "")).collect();
                    let q = parts
                        .iter()
                        .filter_map(|parameter| parameter.strip_prefix("q="))
                        .find_map(|q| q.parse::<f32>().ok())
                        .unwrap_or(1.0);
                    let matches = media == wanted
                        && parameters
                            .iter()
                            .all(|parameter| parts.iter().any(|part| part == parameter));
                    matches.then_some(q)
                })
                .fold(0.0_f32, f32::max)
        };
        let protobuf = quality(
            "application/vnd.google.protobuf",
            &[
                "proto=io.prometheus.client.MetricFamily",
                "encoding=delimited",
            ],
        );
        let openmetrics = quality("application/openmetrics-text", &[]);
        let text = quality("text/plain", &[]).max(quality("*/*", &[]));
        if protobuf > 0.0 && protobuf >= openmetrics && protobuf >= text {
            Format::Protobuf
        } else if openmetrics > 0.0 && openmetrics >= text {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

/// The base unit a family's name ends in (a counter's before `_total`), which
/// OpenMetrics declares in a `# UNIT` line.
fn unit_of(name: &str, kind: MetricKind) -> Option<&'static str> {
    /// The base units metricate's naming rules know (the macros' `BASE_UNITS`).
    const UNITS: &[&str] = &[
        "seconds", "bytes", "ratio", "meters", "volts", "amperes", "joules", "grams", "celsius",
        "dollars",
    ];
    let stem = match kind {
        MetricKind::Counter => name.strip_suffix("_total")?,
        _ => name,
    };
    UNITS.iter().copied().find(|unit| {
        stem.strip_suffix(unit)
            .is_some_and(|rest| rest.ends_with('_'))
    })
}

/// Writes every family: the store's (computed ones read first, outside the
/// store's lock; one whose callback failed is left out of this scrape), then the
/// registry's `others`, whose names metricate does not use.
pub(crate) fn write_all<W: Writer>(writer: &mut W, others: &Gathered) {
    let computed = crate::computed::read_all();
    let text = writer.wants_label_text();
    {
        let store = store::store();
        let mut buffer = LabelBuffer::default();
        for (name, family) in store.families.iter() {
            if store::is_taken(name) {
                continue;
            }
            let unit = unit_of(name, family.kind);
            if family.computed.is_some() {
                let Some(readings) = computed.get(name).filter(|readings| !readings.is_empty())
                else {
                    continue;
                };
                writer.family(name, family.kind, &family.help, unit);
                for (values, value) in readings {
                    let labels = buffer.fill(&family.label_names, values, text);
                    writer.number(name, family.kind, &labels, Number::plain(*value));
                }
                continue;
            }
            if family.series.is_empty() {
                continue;
            }
            writer.family(name, family.kind, &family.help, unit);
            for series in &family.series {
                let labels = buffer.fill(&family.label_names, &series.values, text);
                write_series(writer, name, family.kind, &family.bounds, series, &labels);
            }
        }
    }
    #[cfg(feature = "prometheus")]
    registry::write_gathered(writer, others);
    #[cfg(not(feature = "prometheus"))]
    let () = *others;
    writer.end();
}

/// A counter's or gauge's sample, with the exemplar its source keeps.
fn write_number<W: Writer>(
    writer: &mut W,
    name: &str,
    kind: MetricKind,
    labels: &Labels<'_>,
    value: f64,
    created: Option<f64>,
    source: Source,
) {
    let exemplar = match source {
        Source::Count { exemplar, .. } => exemplar.and_then(|cells| cells.get(0)),
        _ => None,
    };
    writer.number(
        name,
        kind,
        labels,
        Number {
            value,
            created,
            exemplar,
        },
    );
}

fn write_series<W: Writer>(
    writer: &mut W,
    name: &str,
    kind: MetricKind,
    bounds: &[f64],
    series: &Series,
    labels: &Labels<'_>,
) {
    let created = Some(series.created);
    let no_exemplar = |_| None;
    if !series.more.is_empty() {
        match series.value() {
            Value::Number(value) => {
                write_number(writer, name, kind, labels, value, created, series.source)
            }
            Value::Histogram { buckets, sum } => {
                let count = |bucket| buckets.get(bucket).copied().unwrap_or(0);
                let buckets = Buckets {
                    bounds,
                    count: &count,
                    sum,
                    created,
                    exemplar: &no_exemplar,
                    native: None,
                };
                writer.histogram(name, labels, buckets);
            }
        }
        return;
    }
    // One source: read its cells straight into the output, with no `Value`.
    match series.source {
        Source::Ticks {
            arena,
            cells,
            ticks_per_second,
            exemplars,
            native,
        } => {
            let sum = arena.total(cells.sum()) as f64 / ticks_per_second;
            let count = |bucket| arena.total(cells.bucket(bucket));
            let exemplar = |bucket| exemplars.and_then(|cells| cells.get(bucket));
            let read_native = native.map(|native| move || native.read(arena));
            let buckets = Buckets {
                bounds,
                count: &count,
                sum,
                created,
                exemplar: &exemplar,
                native: read_native
                    .as_ref()
                    .map(|read| read as &dyn Fn() -> NativeCounts),
            };
            writer.histogram(name, labels, buckets);
        }
        Source::Values { arena, cells } => {
            let sum = arena.total_f64(cells.sum());
            let count = |bucket| arena.total(cells.bucket(bucket));
            let buckets = Buckets {
                bounds,
                count: &count,
                sum,
                created,
                exemplar: &no_exemplar,
                native: None,
            };
            writer.histogram(name, labels, buckets);
        }
        source => {
            if let Value::Number(value) = source.value() {
                write_number(writer, name, kind, labels, value, created, source);
            }
        }
    }
}

/// Every family in `format`.
pub(crate) fn render(format: Format, others: &Gathered) -> Vec<u8> {
    match format {
        Format::Text => {
            let mut writer = text::TextWriter::default();
            write_all(&mut writer, others);
            writer.into_bytes()
        }
        Format::OpenMetrics => {
            let mut writer = openmetrics::OpenMetricsWriter::default();
            write_all(&mut writer, others);
            writer.into_bytes()
        }
        Format::Protobuf => {
            let mut writer = protobuf::ProtobufWriter::default();
            write_all(&mut writer, others);
            writer.into_bytes()
        }
    }
}

/// Every metric in `format`: metricate's families, then those of [`registry`](crate::registry).
/// The `/metrics` route picks the format from the scraper's `Accept` header.
///
/// ```
/// use metricate::Format;
///
/// /// Parses an uploaded CV.
/// #[metricate::instrument_metric(calls = "doc_openmetrics_parse_calls_total")]
/// fn parse() {}
///
/// parse();
/// let text = String::from_utf8(metricate::render_with(Format::OpenMetrics)).unwrap();
/// assert!(text.contains("# TYPE doc_openmetrics_parse_calls counter\n"));
/// assert!(text.contains("doc_openmetrics_parse_calls_total 1\n"));
/// assert!(text.contains("doc_openmetrics_parse_calls_created "));
/// assert!(text.ends_with("# EOF\n"));
/// ```
pub fn render_with(format: Format) -> Vec<u8> {
    crate::start::init();
    render(format, &crate::bridge::gather())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_the_base_unit_the_name_ends_in() {
        assert_eq!(
            unit_of("cv_parse_duration_seconds", MetricKind::Histogram),
            Some("seconds")
        );
        assert_eq!(
            unit_of("ai_match_cost_dollars_total", MetricKind::Counter),
            Some("dollars")
        );
        assert_eq!(unit_of("cv_parse_errors_total", MetricKind::Counter), None);
        assert_eq!(
            unit_of("http_request_size_bytes", MetricKind::Histogram),
            Some("bytes")
        );
        assert_eq!(unit_of("seconds", MetricKind::Gauge), None);
    }

    #[test]
    fn negotiation_honours_quality() {
        assert_eq!(Format::negotiate(""), Format::Text);
        assert_eq!(
            Format::negotiate("application/openmetrics-text;q=0.2, text/plain;q=0.9"),
            Format::Text
        );
        assert_eq!(
            Format::negotiate("application/openmetrics-text; version=1.0.0; charset=utf-8,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::negotiate("application/openmetrics-text;q=0"),
            Format::Text
        );
    }
}
