//! The Prometheus text format 0.0.4.

use super::writer::{Buckets, Labels, Number, Writer};
use crate::vocabulary::MetricKind;
use std::fmt::Write as _;

/// `\` and newlines escaped, as a HELP text in the 0.0.4 format.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// One sample line: `name{labels,extra} value`.
pub(super) fn sample(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &str,
    extra: &str,
    value: impl std::fmt::Display,
) {
    let _ = match (labels.is_empty(), extra.is_empty()) {
        (true, true) => write!(out, "{name}{suffix} {value}"),
        (true, false) => write!(out, "{name}{suffix}{{{extra}}} {value}"),
        (false, true) => write!(out, "{name}{suffix}{{{labels}}} {value}"),
        (false, false) => write!(out, "{name}{suffix}{{{labels},{extra}}} {value}"),
    };
}

/// A float as the text formats write it: `+Inf`, `-Inf`, `NaN`, or decimal.
pub(crate) struct Float(pub(crate) f64);

impl std::fmt::Display for Float {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            value if value.is_nan() => f.write_str("NaN"),
            value if value == f64::INFINITY => f.write_str("+Inf"),
            value if value == f64::NEG_INFINITY => f.write_str("-Inf"),
            value => write!(f, "{value}"),
        }
    }
}

/// The text format 0.0.4, into a string.
#[derive(Default)]
pub(super) struct TextWriter {
    out: String,
}

impl TextWriter {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }
}

impl Writer for TextWriter {
    fn family(&mut self, name: &str, kind: MetricKind, help: &str, _unit: Option<&str>) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    fn number(&mut self, name: &str, _kind: MetricKind, labels: &Labels<'_>, number: Number) {
        sample(
            &mut self.out,
            name,
            "",
            labels.text,
            "",
            Float(number.value),
        );
        self.out.push('\n');
    }

    fn histogram(&mut self, name: &str, labels: &Labels<'_>, buckets: Buckets<'_>) {
        let Buckets {
            bounds, count, sum, ..
        } = buckets;
        let labels = labels.text;
        let out = &mut self.out;
        let mut cumulative = 0u64;
        let mut le = String::new();
        for (index, bound) in bounds.iter().enumerate() {
            cumulative = cumulative.wrapping_add(count(index));
            le.clear();
            let _ = write!(le, "le=\"{}\"", Float(*bound));
            sample(out, name, "_bucket", labels, &le, cumulative);
            out.push('\n');
        }
        cumulative = cumulative.wrapping_add(count(bounds.len()));
        sample(out, name, "_bucket", labels, "le=\"+Inf\"", cumulative);
        out.push('\n');
        sample(out, name, "_sum", labels, "", Float(sum));
        out.push('\n');
        sample(out, name, "_count", labels, "", cumulative);
        out.push('\n');
    }

    #[cfg(feature = "prometheus")]
    fn summary_family(&mut self, name: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} summary");
    }

    #[cfg(feature = "prometheus")]
    fn summary(
        &mut self,
        name: &str,
        labels: &Labels<'_>,
        quantiles: &[(f64, f64)],
        count: u64,
        sum: f64,
    ) {
        let labels = labels.text;
        let out = &mut self.out;
        for (quantile, value) in quantiles {
            let extra = format!("quantile=\"{}\"", Float(*quantile));
            sample(out, name, "", labels, &extra, Float(*value));
            out.push('\n');
        }
        sample(out, name, "_sum", labels, "", Float(sum));
        out.push('\n');
        sample(out, name, "_count", labels, "", count);
        out.push('\n');
    }

    fn end(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_and_escapes() {
        assert_eq!(Float(f64::INFINITY).to_string(), "+Inf");
        assert_eq!(Float(0.25).to_string(), "0.25");
        assert_eq!(Float(3.0).to_string(), "3");
        assert_eq!(Float(f64::NAN).to_string(), "NaN");
        let mut escaped = String::new();
        use crate::expose::writer::escape_label_value_into;
        escape_label_value_into(&mut escaped, "a\"b\\c\nd");
        assert_eq!(escaped, "a\\\"b\\\\c\\nd");
        assert_eq!(escape_help("x\\y\nz"), "x\\\\y\\nz");
    }

    #[test]
    fn a_histogram_is_cumulative_with_inf_equal_to_count() {
        let mut writer = TextWriter::default();
        let buckets = Buckets {
            bounds: &[0.1, 1.0],
            count: &|bucket| [2, 3, 1][bucket],
            sum: 4.5,
            created: None,
            exemplar: &|_| None,
            native: None,
        };
        let labels = Labels {
            pairs: &[("a", "b")],
            text: "a=\"b\"",
        };
        writer.histogram("x_seconds", &labels, buckets);
        assert_eq!(
            String::from_utf8(writer.into_bytes()).unwrap(),
            "x_seconds_bucket{a=\"b\",le=\"0.1\"} 2\nx_seconds_bucket{a=\"b\",le=\"1\"} 5\nx_seconds_bucket{a=\"b\",le=\"+Inf\"} 6\nx_seconds_sum{a=\"b\"} 4.5\nx_seconds_count{a=\"b\"} 6\n"
        );
    }
}
