//! OpenMetrics 1.0 text: a counter's family is named without `_total` and its
//! samples with it; counters and histograms carry `_created`; units are
//! declared in `# UNIT` lines; buckets and counters carry their exemplars;
//! the exposition ends with `# EOF`.

use super::text::{sample, Float};
use super::writer::{Buckets, Labels, Number, Writer};
use crate::exemplars::Exemplar;
use crate::vocabulary::MetricKind;
use std::fmt::Write as _;

/// `\`, `"` and newlines escaped, as OpenMetrics writes a HELP text.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// ` # {trace_id="..."} value timestamp` at the end of a sample line.
fn write_exemplar(out: &mut String, exemplar: Option<Exemplar>) {
    if let Some(exemplar) = exemplar {
        let _ = write!(
            out,
            " # {{trace_id=\"{}\"}} {} {}",
            exemplar.trace,
            Float(exemplar.value),
            Float(exemplar.timestamp)
        );
    }
}

/// OpenMetrics text, into a string.
#[derive(Default)]
pub(super) struct OpenMetricsWriter {
    out: String,
}

impl OpenMetricsWriter {
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.out.into_bytes()
    }

    fn created(&mut self, family: &str, labels: &str, created: Option<f64>) {
        if let Some(created) = created {
            sample(
                &mut self.out,
                family,
                "_created",
                labels,
                "",
                Float(created),
            );
            self.out.push('\n');
        }
    }
}

/// A counter's family name: its samples' name without `_total`.
fn counter_family(name: &str) -> &str {
    name.strip_suffix("_total").unwrap_or(name)
}

impl Writer for OpenMetricsWriter {
    fn family(&mut self, name: &str, kind: MetricKind, help: &str, unit: Option<&str>) {
        let family = match kind {
            MetricKind::Counter => counter_family(name),
            _ => name,
        };
        let _ = writeln!(self.out, "# TYPE {family} {kind}");
        if let Some(unit) = unit {
            let _ = writeln!(self.out, "# UNIT {family} {unit}");
        }
        let _ = writeln!(self.out, "# HELP {family} {}", escape_help(help));
    }

    fn number(&mut self, name: &str, kind: MetricKind, labels: &Labels<'_>, number: Number) {
        let labels = labels.text;
        match kind {
            MetricKind::Counter => {
                let family = counter_family(name);
                sample(
                    &mut self.out,
                    family,
                    "_total",
                    labels,
                    "",
                    Float(number.value),
                );
                write_exemplar(&mut self.out, number.exemplar);
                self.out.push('\n');
                self.created(family, labels, number.created);
            }
            _ => {
                sample(&mut self.out, name, "", labels, "", Float(number.value));
                self.out.push('\n');
            }
        }
    }

    fn histogram(&mut self, name: &str, labels: &Labels<'_>, buckets: Buckets<'_>) {
        let labels = labels.text;
        let Buckets {
            bounds,
            count,
            sum,
            created,
            exemplar,
            ..
        } = buckets;
        let mut cumulative = 0u64;
        let mut le = String::new();
        for (index, bound) in bounds.iter().enumerate() {
            cumulative = cumulative.wrapping_add(count(index));
            le.clear();
            let _ = write!(le, "le=\"{}\"", Float(*bound));
            sample(&mut self.out, name, "_bucket", labels, &le, cumulative);
            write_exemplar(&mut self.out, exemplar(index));
            self.out.push('\n');
        }
        cumulative = cumulative.wrapping_add(count(bounds.len()));
        sample(
            &mut self.out,
            name,
            "_bucket",
            labels,
            "le=\"+Inf\"",
            cumulative,
        );
        write_exemplar(&mut self.out, exemplar(bounds.len()));
        self.out.push('\n');
        sample(&mut self.out, name, "_count", labels, "", cumulative);
        self.out.push('\n');
        sample(&mut self.out, name, "_sum", labels, "", Float(sum));
        self.out.push('\n');
        self.created(name, labels, created);
    }

    #[cfg(feature = "prometheus")]
    fn summary_family(&mut self, name: &str, help: &str) {
        let _ = writeln!(self.out, "# TYPE {name} summary");
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
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
        for (quantile, value) in quantiles {
            let extra = format!("quantile=\"{}\"", Float(*quantile));
            sample(&mut self.out, name, "", labels, &extra, Float(*value));
            self.out.push('\n');
        }
        sample(&mut self.out, name, "_count", labels, "", count);
        self.out.push('\n');
        sample(&mut self.out, name, "_sum", labels, "", Float(sum));
        self.out.push('\n');
    }

    fn end(&mut self) {
        self.out.push_str("# EOF\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exemplars::TraceId;

    #[test]
    fn counters_are_named_without_total_and_carry_created_and_exemplars() {
        let mut writer = OpenMetricsWriter::default();
        writer.family(
            "jobs_cost_dollars_total",
            MetricKind::Counter,
            "Cost \"in\" dollars.",
            Some("dollars"),
        );
        let number = Number {
            value: 1.5,
            created: Some(1700000000.25),
            exemplar: Some(Exemplar {
                trace: TraceId(0xabc),
                value: 1.0,
                timestamp: 1700000001.5,
            }),
        };
        writer.number(
            "jobs_cost_dollars_total",
            MetricKind::Counter,
            &crate::expose::writer::Labels {
                pairs: &[("model", "v3")],
                text: "model=\"v3\"",
            },
            number,
        );
        writer.end();
        assert_eq!(
            String::from_utf8(writer.into_bytes()).unwrap(),
            "# TYPE jobs_cost_dollars counter\n# UNIT jobs_cost_dollars dollars\n# HELP jobs_cost_dollars Cost \\\"in\\\" dollars.\njobs_cost_dollars_total{model=\"v3\"} 1.5 # {trace_id=\"00000000000000000000000000000abc\"} 1 1700000001.5\njobs_cost_dollars_created{model=\"v3\"} 1700000000.25\n# EOF\n"
        );
    }
}
