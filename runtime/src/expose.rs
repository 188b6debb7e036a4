//! The text exposition format 0.0.4 of metricate's families.

use crate::arena::HistogramCells;
use crate::families::{self, Series, Source, Value};
use std::fmt::Write as _;

/// `\`, `"` and newlines escaped, as a label value in the text format.
pub(crate) fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Writes every family with series in the text format 0.0.4. Computed
/// families are read first, outside the families' lock; one whose callback
/// failed is left out of this scrape.
pub(crate) fn render_into(out: &mut String) {
    let computed = crate::computed::read_all();
    let families = families::families();
    for (name, family) in families.iter() {
        if families::is_taken(name) {
            continue;
        }
        if family.computed.is_some() {
            let Some(readings) = computed.get(name).filter(|readings| !readings.is_empty()) else {
                continue;
            };
            write_header(out, name, family);
            for (values, value) in readings {
                let labels = families::labels_text(&family.label_names, values);
                write_sample(out, name, "", &labels, "", Float(*value));
            }
            continue;
        }
        if family.series.is_empty() {
            continue;
        }
        write_header(out, name, family);
        for series in &family.series {
            write_series(out, name, &family.bounds, series);
        }
    }
}

fn write_header(out: &mut String, name: &str, family: &families::Family) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(&family.help));
    let _ = writeln!(out, "# TYPE {name} {}", family.kind);
}

fn write_sample(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &str,
    extra: &str,
    value: impl std::fmt::Display,
) {
    let _ = match (labels.is_empty(), extra.is_empty()) {
        (true, true) => writeln!(out, "{name}{suffix} {value}"),
        (true, false) => writeln!(out, "{name}{suffix}{{{extra}}} {value}"),
        (false, true) => writeln!(out, "{name}{suffix}{{{labels}}} {value}"),
        (false, false) => writeln!(out, "{name}{suffix}{{{labels},{extra}}} {value}"),
    };
}

fn write_series(out: &mut String, name: &str, bounds: &[f64], series: &Series) {
    let labels = series.labels.as_str();
    if !series.more.is_empty() {
        match series.value() {
            Value::Number(number) => write_sample(out, name, "", labels, "", Float(number)),
            Value::Histogram { buckets, sum } => write_buckets(
                out,
                name,
                labels,
                bounds,
                |bucket| buckets.get(bucket).copied().unwrap_or(0),
                sum,
            ),
        }
        return;
    }
    // One source: read its cells straight into the text, with no `Value`.
    match series.source {
        Source::Count { arena, word } => write_sample(out, name, "", labels, "", arena.total(word)),
        Source::Level { arena, word } => {
            write_sample(out, name, "", labels, "", arena.total(word) as i64);
        }
        Source::FloatCount { .. } | Source::Cell { .. } => {
            if let Value::Number(number) = series.source.value() {
                write_sample(out, name, "", labels, "", Float(number));
            }
        }
        Source::Ticks {
            arena,
            cells,
            ticks_per_second,
        } => {
            let sum = arena.total(cells.sum()) as f64 / ticks_per_second;
            write_cells(out, name, labels, bounds, arena, cells, sum);
        }
        Source::Values { arena, cells } => {
            let sum = arena.total_f64(cells.sum());
            write_cells(out, name, labels, bounds, arena, cells, sum);
        }
    }
}

fn write_cells(
    out: &mut String,
    name: &str,
    labels: &str,
    bounds: &[f64],
    arena: &crate::arena::Arena,
    cells: HistogramCells,
    sum: f64,
) {
    write_buckets(
        out,
        name,
        labels,
        bounds,
        |bucket| arena.total(cells.bucket(bucket)),
        sum,
    );
}

/// A histogram's lines: `count(b)` is the number in bucket `b` (not
/// cumulative), `+Inf` being bucket `bounds.len()`.
fn write_buckets(
    out: &mut String,
    name: &str,
    labels: &str,
    bounds: &[f64],
    count: impl Fn(usize) -> u64,
    sum: f64,
) {
    let mut cumulative = 0u64;
    let mut le = String::new();
    for (index, bound) in bounds.iter().enumerate() {
        cumulative = cumulative.wrapping_add(count(index));
        le.clear();
        let _ = write!(le, "le=\"{}\"", Float(*bound));
        write_sample(out, name, "_bucket", labels, &le, cumulative);
    }
    cumulative = cumulative.wrapping_add(count(bounds.len()));
    write_sample(out, name, "_bucket", labels, "le=\"+Inf\"", cumulative);
    write_sample(out, name, "_sum", labels, "", Float(sum));
    write_sample(out, name, "_count", labels, "", cumulative);
}

/// A float as the text format writes it: `+Inf`, `-Inf`, `NaN`, or decimal.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_and_escapes() {
        assert_eq!(Float(f64::INFINITY).to_string(), "+Inf");
        assert_eq!(Float(0.25).to_string(), "0.25");
        assert_eq!(Float(f64::NAN).to_string(), "NaN");
        assert_eq!(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(escape_help("x\\y\nz"), "x\\\\y\\nz");
    }
}
