//! The Prometheus protobuf format: each family a length-delimited
//! `io.prometheus.client.MetricFamily` message (Prometheus' `metrics.proto`).
//! It is the only format that carries native histograms; a histogram that is
//! also native keeps its classic buckets beside, and its exemplars on them.
//!
//! The handful of messages are encoded here directly: varints, zigzag for
//! signed fields, little-endian doubles and length-delimited sub-messages.

use super::writer::{Buckets, Labels, Number, Writer};
use crate::exemplars::Exemplar;
use crate::native::ZERO_THRESHOLD;
use crate::vocabulary::MetricKind;

/// `MetricType` of `metrics.proto`.
const COUNTER: u64 = 0;
const GAUGE: u64 = 1;
#[cfg(feature = "prometheus")]
const SUMMARY: u64 = 2;
const HISTOGRAM: u64 = 4;

/// Wire types.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LENGTH: u32 = 2;

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from((field << 3) | wire));
}

fn uint(out: &mut Vec<u8>, field: u32, value: u64) {
    key(out, field, VARINT);
    varint(out, value);
}

fn sint(out: &mut Vec<u8>, field: u32, value: i64) {
    key(out, field, VARINT);
    varint(out, zigzag(value));
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn double(out: &mut Vec<u8>, field: u32, value: f64) {
    key(out, field, FIXED64);
    out.extend_from_slice(&value.to_le_bytes());
}

fn bytes(out: &mut Vec<u8>, field: u32, value: &[u8]) {
    key(out, field, LENGTH);
    varint(out, value.len() as u64);
    out.extend_from_slice(value);
}

/// A sub-message: its body written into `scratch`, then length-delimited.
fn message(out: &mut Vec<u8>, field: u32, write: impl FnOnce(&mut Vec<u8>)) {
    let mut body = Vec::new();
    write(&mut body);
    bytes(out, field, &body);
}

/// A series' `LabelPair`s.
fn labels(out: &mut Vec<u8>, field: u32, labels: &Labels<'_>) {
    for (name, value) in labels.pairs {
        message(out, field, |pair| {
            bytes(pair, 1, name.as_bytes());
            bytes(pair, 2, value.as_bytes());
        });
    }
}

/// An `Exemplar` with its `trace_id` label, value and timestamp.
fn exemplar(out: &mut Vec<u8>, field: u32, exemplar: Exemplar) {
    message(out, field, |body| {
        message(body, 1, |pair| {
            bytes(pair, 1, b"trace_id");
            bytes(pair, 2, exemplar.trace.to_string().as_bytes());
        });
        double(body, 2, exemplar.value);
        message(body, 3, |timestamp| {
            let seconds = exemplar.timestamp.floor();
            sint_as_int(timestamp, 1, seconds as i64);
            let nanos = ((exemplar.timestamp - seconds) * 1e9) as i64;
            sint_as_int(timestamp, 2, nanos);
        });
    });
}

/// An `int64`/`int32` field (two's complement varint, not zigzag).
fn sint_as_int(out: &mut Vec<u8>, field: u32, value: i64) {
    uint(out, field, value as u64);
}

/// Length-delimited `MetricFamily` messages, into a buffer.
#[derive(Default)]
pub(super) struct ProtobufWriter {
    out: Vec<u8>,
    /// The family being written, not yet delimited.
    family: Vec<u8>,
}

impl ProtobufWriter {
    pub(super) fn into_bytes(mut self) -> Vec<u8> {
        self.flush();
        self.out
    }

    fn flush(&mut self) {
        if !self.family.is_empty() {
            varint(&mut self.out, self.family.len() as u64);
            self.out.append(&mut self.family);
        }
    }

    fn start(&mut self, name: &str, help: &str, kind: u64) {
        self.flush();
        bytes(&mut self.family, 1, name.as_bytes());
        bytes(&mut self.family, 2, help.as_bytes());
        uint(&mut self.family, 3, kind);
    }
}

impl Writer for ProtobufWriter {
    fn family(&mut self, name: &str, kind: MetricKind, help: &str, _unit: Option<&str>) {
        let kind = match kind {
            MetricKind::Counter => COUNTER,
            MetricKind::Gauge => GAUGE,
            MetricKind::Histogram => HISTOGRAM,
        };
        self.start(name, help, kind);
    }

    fn wants_label_text(&self) -> bool {
        false
    }

    fn number(&mut self, _name: &str, kind: MetricKind, labels_text: &Labels<'_>, number: Number) {
        message(&mut self.family, 4, |metric| {
            labels(metric, 1, labels_text);
            match kind {
                MetricKind::Counter => message(metric, 3, |counter| {
                    double(counter, 1, number.value);
                    if let Some(found) = number.exemplar {
                        exemplar(counter, 2, found);
                    }
                }),
                _ => message(metric, 2, |gauge| double(gauge, 1, number.value)),
            }
        });
    }

    fn histogram(&mut self, _name: &str, labels_text: &Labels<'_>, buckets: Buckets<'_>) {
        message(&mut self.family, 4, |metric| {
            labels(metric, 1, labels_text);
            message(metric, 7, |histogram| {
                let mut cumulative = 0u64;
                let mut bucket_messages = Vec::with_capacity(buckets.bounds.len());
                for (index, bound) in buckets.bounds.iter().enumerate() {
                    cumulative = cumulative.wrapping_add((buckets.count)(index));
                    bucket_messages.push((cumulative, *bound, (buckets.exemplar)(index)));
                }
                let count = cumulative.wrapping_add((buckets.count)(buckets.bounds.len()));
                uint(histogram, 1, count);
                double(histogram, 2, buckets.sum);
                for (cumulative, bound, found) in bucket_messages {
                    message(histogram, 3, |bucket| {
                        uint(bucket, 1, cumulative);
                        double(bucket, 2, bound);
                        if let Some(found) = found {
                            exemplar(bucket, 3, found);
                        }
                    });
                }
                if let Some(read) = buckets.native {
                    let native = read();
                    let (spans, deltas) = native.spans_and_deltas();
                    sint(histogram, 5, i64::from(native.schema));
                    double(histogram, 6, ZERO_THRESHOLD);
                    uint(histogram, 7, native.zero);
                    for (offset, length) in spans {
                        message(histogram, 12, |span| {
                            sint(span, 1, i64::from(offset));
                            uint(span, 2, u64::from(length));
                        });
                    }
                    if !deltas.is_empty() {
                        message(histogram, 13, |packed| {
                            for delta in deltas {
                                varint(packed, zigzag(delta));
                            }
                        });
                    }
                }
            });
        });
    }

    #[cfg(feature = "prometheus")]
    fn summary_family(&mut self, name: &str, help: &str) {
        self.start(name, help, SUMMARY);
    }

    #[cfg(feature = "prometheus")]
    fn summary(
        &mut self,
        _name: &str,
        labels_text: &Labels<'_>,
        quantiles: &[(f64, f64)],
        count: u64,
        sum: f64,
    ) {
        message(&mut self.family, 4, |metric| {
            labels(metric, 1, labels_text);
            message(metric, 4, |summary| {
                uint(summary, 1, count);
                double(summary, 2, sum);
                for (quantile, value) in quantiles {
                    message(summary, 3, |entry| {
                        double(entry, 1, *quantile);
                        double(entry, 2, *value);
                    });
                }
            });
        });
    }

    fn end(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_follow_the_wire_format() {
        let mut out = Vec::new();
        varint(&mut out, 300);
        assert_eq!(out, [0xac, 0x02]);
        assert_eq!((zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)), (0, 1, 2, 3));
    }

    #[test]
    fn a_gauge_family_is_one_delimited_message() {
        let mut writer = ProtobufWriter::default();
        writer.family("up", MetricKind::Gauge, "", None);
        let labels = Labels {
            pairs: &[("a", "b")],
            text: "",
        };
        writer.number("up", MetricKind::Gauge, &labels, Number::plain(1.0));
        let bytes = writer.into_bytes();
        let mut expected = vec![
            0x0a, 2, b'u', b'p', // name
            0x12, 0, // help
            0x18, 1, // type GAUGE
            0x22, 19, // metric
            0x0a, 6, 0x0a, 1, b'a', 0x12, 1, b'b', // label a="b"
            0x12, 9, 0x09, // gauge { value: 1.0 }
        ];
        expected.extend_from_slice(&1.0f64.to_le_bytes());
        let mut delimited = vec![expected.len() as u8];
        delimited.extend(expected);
        assert_eq!(bytes, delimited);
    }
}
