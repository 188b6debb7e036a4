//! OpenMetrics 1.0 text: a counter's family is named without `_total` and its
//! samples with it; counters and histograms carry `_created`; units are
//! declared in `# UNIT` lines; the exposition ends with `# EOF`.

use super::text::{sample, Float};
use super::Writer;
use crate::catalog::MetricKind;
use std::fmt::Write as _;

/// `\`, `"` and newlines escaped, as OpenMetrics writes a HELP text.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
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

    fn number(
        &mut self,
        name: &str,
        kind: MetricKind,
        labels: &str,
        value: f64,
        created: Option<f64>,
    ) {
        match kind {
            MetricKind::Counter => {
                let family = counter_family(name);
                sample(&mut self.out, family, "_total", labels, "", Float(value));
                self.out.push('\n');
                self.created(family, labels, created);
            }
            _ => {
                sample(&mut self.out, name, "", labels, "", Float(value));
                self.out.push('\n');
            }
        }
    }

    fn histogram(
        &mut self,
        name: &str,
        labels: &str,
        bounds: &[f64],
        count: &dyn Fn(usize) -> u64,
        sum: f64,
        created: Option<f64>,
    ) {
        let mut cumulative = 0u64;
        let mut le = String::new();
        for (index, bound) in bounds.iter().enumerate() {
            cumulative = cumulative.wrapping_add(count(index));
            le.clear();
            let _ = write!(le, "le=\"{}\"", Float(*bound));
            sample(&mut self.out, name, "_bucket", labels, &le, cumulative);
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
        self.out.push('\n');
        sample(&mut self.out, name, "_count", labels, "", cumulative);
        self.out.push('\n');
        sample(&mut self.out, name, "_sum", labels, "", Float(sum));
        self.out.push('\n');
        self.created(name, labels, created);
    }

    fn summary_family(&mut self, name: &str, help: &str) {
        let _ = writeln!(self.out, "# TYPE {name} summary");
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
    }

    fn summary(
        &mut self,
        name: &str,
        labels: &str,
        quantiles: &[(f64, f64)],
        count: u64,
        sum: f64,
    ) {
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

    #[test]
    fn counters_are_named_without_total_and_carry_created() {
        let mut writer = OpenMetricsWriter::default();
        writer.family(
            "jobs_cost_dollars_total",
            MetricKind::Counter,
            "Cost \"in\" dollars.",
            Some("dollars"),
        );
        writer.number(
            "jobs_cost_dollars_total",
            MetricKind::Counter,
            "model=\"v3\"",
            1.5,
            Some(1700000000.25),
        );
        writer.end();
        assert_eq!(
            String::from_utf8(writer.into_bytes()).unwrap(),
            "# TYPE jobs_cost_dollars counter\n# UNIT jobs_cost_dollars dollars\n# HELP jobs_cost_dollars Cost \\\"in\\\" dollars.\njobs_cost_dollars_total{model=\"v3\"} 1.5\njobs_cost_dollars_created{model=\"v3\"} 1700000000.25\n# EOF\n"
        );
    }
}
