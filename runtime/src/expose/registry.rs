//! Families gathered from collectors registered by hand in
//! [`registry()`](crate::registry), written through the same [`Writer`]s.

use super::writer::{Buckets, LabelBuffer, Number, Writer};
use crate::vocabulary::MetricKind;
use prometheus::proto::{MetricFamily, MetricType};

/// Writes `gathered` after metricate's own families.
pub(super) fn write_gathered<W: Writer>(writer: &mut W, gathered: &[MetricFamily]) {
    for family in gathered {
        let name = family.name();
        let kind = match family.get_field_type() {
            MetricType::COUNTER => MetricKind::Counter,
            MetricType::HISTOGRAM => MetricKind::Histogram,
            // Gauges, and untyped metrics written as gauges; summaries below.
            _ => MetricKind::Gauge,
        };
        if family.get_field_type() == MetricType::SUMMARY {
            writer.summary_family(name, family.help());
        } else {
            writer.family(name, kind, family.help(), None);
        }
        let text = writer.wants_label_text();
        let mut buffer = LabelBuffer::default();
        for metric in family.get_metric() {
            let names: Vec<&str> = metric.get_label().iter().map(|pair| pair.name()).collect();
            let values: Vec<&str> = metric.get_label().iter().map(|pair| pair.value()).collect();
            let labels = buffer.fill(&names, &values, text);
            match family.get_field_type() {
                MetricType::COUNTER => {
                    writer.number(
                        name,
                        kind,
                        &labels,
                        Number::plain(metric.get_counter().get_value()),
                    );
                }
                MetricType::HISTOGRAM => {
                    let histogram = metric.get_histogram();
                    let buckets = histogram.get_bucket();
                    let bounds: Vec<f64> = buckets
                        .iter()
                        .map(|bucket| bucket.upper_bound())
                        .filter(|bound| bound.is_finite())
                        .collect();
                    let cumulative = |index: usize| {
                        if index < bounds.len() {
                            buckets[index].cumulative_count()
                        } else {
                            histogram.get_sample_count()
                        }
                    };
                    let count = |index: usize| {
                        let below = index.checked_sub(1).map_or(0, cumulative);
                        cumulative(index).saturating_sub(below)
                    };
                    let buckets = Buckets {
                        bounds: &bounds,
                        count: &count,
                        sum: histogram.get_sample_sum(),
                        created: None,
                        exemplar: &|_| None,
                        native: None,
                    };
                    writer.histogram(name, &labels, buckets);
                }
                MetricType::SUMMARY => {
                    let summary = metric.get_summary();
                    let quantiles: Vec<(f64, f64)> = summary
                        .get_quantile()
                        .iter()
                        .map(|quantile| (quantile.quantile(), quantile.value()))
                        .collect();
                    writer.summary(
                        name,
                        &labels,
                        &quantiles,
                        summary.sample_count(),
                        summary.sample_sum(),
                    );
                }
                // The `prometheus` crate makes no untyped metrics: gauges remain.
                _ => writer.number(
                    name,
                    kind,
                    &labels,
                    Number::plain(metric.get_gauge().get_value()),
                ),
            }
        }
    }
}
