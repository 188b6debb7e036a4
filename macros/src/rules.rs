//! The Prometheus rules metricate enforces at compile time, as pure functions
//! over names and numbers. Each returns the [`Violation`] to report; where it is
//! reported, and on which token, is the caller's business.

use crate::case::{is_snake_identifier, to_snake_case};
use crate::diagnostics::Violation;

/// The kind of a metric family.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

impl MetricKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// What a histogram measures: the duration of a call (always seconds), or any
/// value in a base unit (`histogram!`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Measure {
    Duration,
    Value,
}

/// The default budget of series per family: the product of the label types' value counts.
pub(crate) const DEFAULT_MAX_SERIES: u64 = 1_000;
/// `max_series` may raise the budget up to this cap and no further.
pub(crate) const MAX_SERIES_CAP: u64 = 10_000;

/// Label names whose values are unbounded by nature; refused whatever their type.
const UNBOUNDED_LABEL_NAMES: &[&str] = &[
    "id",
    "uuid",
    "guid",
    "user",
    "user_id",
    "username",
    "user_name",
    "email",
    "email_address",
    "ip",
    "ip_address",
    "client_ip",
    "remote_addr",
    "address",
    "session",
    "session_id",
    "request_id",
    "trace_id",
    "span_id",
    "correlation_id",
    "url",
    "uri",
    "path",
    "query",
    "token",
    "api_key",
    "phone",
    "phone_number",
    "timestamp",
    "message",
    "error_message",
    "filename",
    "file_name",
];

/// Scaled time units that a duration histogram must not use: Prometheus wants seconds.
const SCALED_TIME_SUFFIXES: &[&str] = &[
    "_milliseconds",
    "_millis",
    "_ms",
    "_microseconds",
    "_micros",
    "_us",
    "_nanoseconds",
    "_nanos",
    "_ns",
    "_minutes",
    "_hours",
    "_days",
];

/// Suffixes the exposition format gives to the series of histograms and summaries.
const RESERVED_SUFFIXES: &[&str] = &["_count", "_sum", "_bucket"];

/// The base units a `histogram!` name may end in: Prometheus records base units.
pub(crate) const BASE_UNITS: &[&str] = &[
    "seconds", "bytes", "ratio", "meters", "volts", "amperes", "joules", "grams", "celsius",
    "dollars",
];

/// The duration buckets a `histogram` has when it names none: the runtime's
/// default (Prometheus' own), which an objective's latency must be one of.
/// `tests/ui/pass/objectives.rs` puts a latency on each bound.
pub(crate) const DEFAULT_DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The schema of `native()`: 8 buckets per power of two, about 4 % relative
/// error at any latency.
pub(crate) const DEFAULT_NATIVE_SCHEMA: i8 = 3;

/// A native histogram's schema: -4 (buckets 16 powers of two wide) to 5 (32
/// buckets per power of two); the runtime keeps the buckets dense, so finer
/// schemas would cost too much memory per series.
pub(crate) fn native_schema(schema: i64) -> Result<i8, Violation> {
    match i8::try_from(schema) {
        Ok(schema) if (-4..=5).contains(&schema) => Ok(schema),
        _ => Err(Violation::new(
            format!("native histogram schema `{schema}` is outside -4..=5"),
            Some(
                "3 (8 buckets per power of two, about 4 % relative error) suits latencies"
                    .to_owned(),
            ),
        )),
    }
}

/// The longest latency objective: an hour.
const MAX_LATENCY_SECONDS: f64 = 3600.0;

/// A latency objective's threshold, in seconds: a number and a unit, `"250ms"`,
/// `"2s"`, `"1.5s"`, `"1m"`. The number is scaled as decimal text and parsed
/// once, so `"700ms"` is the double nearest 0.7 (the one `0.7` in `buckets`
/// is), not `700.0 * 0.001`.
pub(crate) fn duration(text: &str) -> Result<f64, Violation> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    // Seconds per unit as (multiplier, decimal places to shift left).
    let scale = match unit {
        "ms" => Some((1, 3)),
        "s" => Some((1, 0)),
        "m" => Some((60, 0)),
        _ => None,
    };
    let seconds = match (decimal(number), scale) {
        (Some((mantissa, places)), Some((multiplier, shift))) => mantissa
            .checked_mul(multiplier)
            .and_then(|scaled| format!("{scaled}e-{}", places + shift).parse::<f64>().ok()),
        _ => None,
    };
    let Some(seconds) = seconds else {
        return Err(Violation::new(
            format!("`{text}` is not a duration"),
            Some("write a number and a unit: `250ms`, `2s` or `1m`".to_owned()),
        ));
    };
    if seconds <= 0.0 || seconds > MAX_LATENCY_SECONDS {
        return Err(Violation::new(
            format!("a latency objective of `{text}` is out of range: it must be more than 0 and at most 1 hour"),
            None,
        ));
    }
    Ok(seconds)
}

/// `"12.345"` as (12345, 3): its digits and its decimal places; `None` unless it
/// is digits with at most one `.` and fits.
fn decimal(number: &str) -> Option<(u128, u32)> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let mantissa = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    Some((mantissa, u32::try_from(fraction.len()).ok()?))
}

/// A share in percent, strictly between 0 and 100: `"99.5%"` for `success`,
/// `95` for `percentile`. Returned as a ratio, 0.995.
pub(crate) fn percent(text: &str, what: &str) -> Result<f64, Violation> {
    let number = text.trim().trim_end_matches('%').trim();
    // `99.9e-2` parses to the double nearest 0.999; `99.9 / 100.0` does not.
    let ratio = format!("{number}e-2").parse::<f64>();
    match number.parse::<f64>() {
        Ok(percent) if percent > 0.0 && percent < 100.0 => Ok(ratio.unwrap_or(percent / 100.0)),
        Ok(_) => Err(Violation::new(
            format!("{what} `{text}` is out of range: it must be strictly between 0% and 100%"),
            Some("100% leaves no error budget: e.g. `99.9%`".to_owned()),
        )),
        Err(_) => Err(Violation::new(
            format!("{what} `{text}` is not a percentage"),
            Some("write e.g. `99.5%`".to_owned()),
        )),
    }
}

/// A latency objective's threshold must be a bucket bound, or the fraction of
/// calls under it cannot be read from the histogram. Returns that bound, bit for
/// bit: the threshold the rules select must be the `le` the exposition writes.
pub(crate) fn threshold_is_a_bound(
    seconds: f64,
    text: &str,
    bounds: &[f64],
) -> Result<f64, Violation> {
    if let Some(bound) = bounds
        .iter()
        .find(|bound| (*bound - seconds).abs() <= *bound * 1e-9)
    {
        return Ok(*bound);
    }
    let shown: Vec<String> = bounds.iter().map(|bound| format!("{bound}")).collect();
    Err(Violation::new(
        format!("the latency objective `{text}` ({seconds} s) is not a bucket bound of the histogram, so the share of calls under it cannot be measured"),
        Some(format!("use one of the bounds, in seconds: {}; or add it to `buckets`", shown.join(", "))),
    ))
}

/// A metric name is lower snake_case and does not end in a reserved suffix.
pub(crate) fn metric_name(name: &str) -> Result<(), Violation> {
    if !is_snake_identifier(name, false) {
        let suggestion = to_snake_case(name);
        return Err(Violation::new(
            format!("`{name}` is not a valid metric name: a metric name is lower snake_case, `[a-z_][a-z0-9_]*`"),
            (!suggestion.is_empty()).then(|| format!("try `{suggestion}`")),
        ));
    }
    if name.starts_with("__") {
        return Err(Violation::new(
            format!("metric name `{name}` starts with `__`, which is reserved for Prometheus' internal use"),
            None,
        ));
    }
    if let Some(suffix) = reserved_suffix(name) {
        return Err(Violation::new(
            format!("metric name `{name}` ends in `{suffix}`, a suffix reserved for the series of histograms and summaries"),
            Some(format!("rename it, e.g. `{}`", name.trim_end_matches(suffix).to_owned() + "_events_total")),
        ));
    }
    Ok(())
}

fn reserved_suffix(name: &str) -> Option<&'static str> {
    RESERVED_SUFFIXES
        .iter()
        .copied()
        .find(|suffix| name.ends_with(suffix))
}

/// Every naming rule for a metric of `kind` declared by `key` (`errors`,
/// `counter!`, ...). A reserved suffix gets a suggestion that suits the kind, so
/// following the help never leads straight into the next error (a gauge is not
/// told to end in `_total`).
pub(crate) fn metric_rules(
    kind: MetricKind,
    measure: Measure,
    key: &str,
    name: &str,
) -> Result<(), Violation> {
    metric_name(name).map_err(|mut violation| {
        if let Some(suffix) = reserved_suffix(name) {
            let stem = &name[..name.len() - suffix.len()];
            let suggestion = match (kind, measure) {
                (MetricKind::Counter, _) => format!("{stem}_total"),
                (MetricKind::Gauge, _) => stem.to_owned(),
                (MetricKind::Histogram, Measure::Duration) => format!("{stem}_seconds"),
                (MetricKind::Histogram, Measure::Value) => format!("{stem}_bytes"),
            };
            if is_snake_identifier(&suggestion, false) {
                violation.help = Some(format!("try `{suggestion}`"));
            }
        }
        violation
    })?;
    kind_suffix(kind, measure, key, name)?;
    promlint(name)
}

/// Unit abbreviations `promtool check metrics` warns about, as name segments,
/// with the base unit to write instead.
const UNIT_ABBREVIATIONS: &[(&str, &str)] = &[
    ("s", "seconds"),
    ("sec", "seconds"),
    ("ms", "seconds"),
    ("us", "seconds"),
    ("ns", "seconds"),
    ("h", "seconds"),
    ("d", "seconds"),
    ("m", "meters"),
    ("b", "bytes"),
    ("kb", "bytes"),
    ("mb", "bytes"),
    ("gb", "bytes"),
    ("tb", "bytes"),
    ("pb", "bytes"),
];

/// The base units `promtool check metrics` knows, which it wants unprefixed.
const PREFIXABLE_BASE_UNITS: &[&str] = &[
    "amperes", "bytes", "celsius", "grams", "joules", "kelvin", "meters", "metres", "seconds",
    "volts",
];

/// The SI and binary prefixes `promtool check metrics` refuses on a base unit.
const UNIT_PREFIXES: &[&str] = &[
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi", "mega",
    "mebi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
];

/// Units that are not base units, with the base unit `promtool` names for each.
const NON_BASE_UNITS: &[(&str, &str)] = &[
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("weeks", "seconds"),
    ("bits", "bytes"),
    ("miles", "meters"),
    ("yards", "meters"),
    ("inches", "meters"),
    ("fahrenheit", "celsius"),
];

/// The metric types `promtool check metrics` refuses inside a name.
const TYPES_IN_NAMES: &[&str] = &["counter", "gauge", "histogram", "summary"];

/// The naming rules `promtool check metrics` applies beyond the suffixes: no
/// abbreviated unit, no scaled or non-base unit, no metric type in the name. A
/// name metricate accepts must lint clean.
pub(crate) fn promlint(name: &str) -> Result<(), Violation> {
    let segments: Vec<&str> = name.split('_').collect();
    let replaced = |index: usize, with: &str| {
        let mut renamed = segments.clone();
        renamed[index] = with;
        let mut renamed: Vec<&str> = renamed.into_iter().filter(|s| !s.is_empty()).collect();
        renamed.dedup();
        renamed.join("_")
    };
    // promtool reads a unit only after an underscore: never the first word.
    for (index, segment) in segments.iter().enumerate().skip(1) {
        if let Some((_, base)) = UNIT_ABBREVIATIONS
            .iter()
            .find(|(short, _)| short == segment)
        {
            return Err(Violation::new(
                format!("metric name `{name}` abbreviates a unit (`{segment}`): Prometheus names spell out the base unit, and `promtool check metrics` warns about abbreviations"),
                Some(format!("did you mean `{}`? Record the value in {base}", replaced(index, base))),
            ));
        }
        let prefixed = UNIT_PREFIXES.iter().find_map(|prefix| {
            let unit = segment.strip_prefix(prefix)?;
            PREFIXABLE_BASE_UNITS.iter().find(|base| **base == unit)
        });
        let base = prefixed.or_else(|| {
            NON_BASE_UNITS
                .iter()
                .find(|(unit, _)| unit == segment)
                .map(|(_, base)| base)
        });
        if let Some(base) = base {
            return Err(Violation::new(
                format!("metric name `{name}` is in `{segment}`: Prometheus records the base unit, `{base}`"),
                Some(format!("did you mean `{}`? Record the value in {base}", replaced(index, base))),
            ));
        }
    }
    if let Some(kind) = TYPES_IN_NAMES
        .iter()
        .find(|kind| name.contains(&format!("_{kind}_")) || name.ends_with(&format!("_{kind}")))
    {
        return Err(Violation::new(
            format!("metric name `{name}` names its type `{kind}`: the type is in the exposition already, and `promtool check metrics` warns about it"),
            Some(format!("try `{}`", name.replacen(&format!("_{kind}"), "", 1))),
        ));
    }
    Ok(())
}

/// The suffix rules of each kind: counters end in `_total`; gauges and histograms
/// do not; a duration histogram ends in `_seconds`, any other in a base unit.
pub(crate) fn kind_suffix(
    kind: MetricKind,
    measure: Measure,
    key: &str,
    name: &str,
) -> Result<(), Violation> {
    match kind {
        MetricKind::Counter if !name.ends_with("_total") => Err(Violation::new(
            format!("counter `{name}` (`{key}`) must end in `_total`"),
            Some(format!("try `{name}_total`")),
        )),
        MetricKind::Gauge | MetricKind::Histogram if name.ends_with("_total") => {
            Err(Violation::new(
                format!(
                    "`{name}` is a {} (`{key}`), but `_total` is reserved for counters",
                    kind.name()
                ),
                Some(format!("try `{}`", name.trim_end_matches("_total"))),
            ))
        }
        MetricKind::Histogram => match measure {
            Measure::Duration => duration_unit(name),
            Measure::Value => base_unit(name),
        },
        _ => Ok(()),
    }
}

/// A duration histogram measures seconds and says so in its name.
pub(crate) fn duration_unit(name: &str) -> Result<(), Violation> {
    if name.ends_with("_seconds") {
        return Ok(());
    }
    if let Some(scaled) = SCALED_TIME_SUFFIXES
        .iter()
        .find(|suffix| name.ends_with(*suffix))
    {
        return Err(Violation::new(
            format!(
                "duration histogram `{name}` is in `{}`: Prometheus measures durations in seconds",
                &scaled[1..]
            ),
            Some(format!(
                "rename it `{}_seconds`; metricate records seconds",
                name.trim_end_matches(scaled)
            )),
        ));
    }
    Err(Violation::new(
        format!("duration histogram `{name}` must end in `_seconds`, its base unit"),
        Some(format!("try `{name}_seconds`")),
    ))
}

/// A `histogram!` name ends in its base unit, so readers know what it measures.
pub(crate) fn base_unit(name: &str) -> Result<(), Violation> {
    if BASE_UNITS
        .iter()
        .any(|unit| name.ends_with(&format!("_{unit}")))
    {
        return Ok(());
    }
    if SCALED_TIME_SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
    {
        return duration_unit(name);
    }
    Err(Violation::new(
        format!(
            "histogram `{name}` must end in its unit, a base unit such as `_seconds` or `_bytes`"
        ),
        Some(format!(
            "the base units are {}; e.g. `{name}_bytes`",
            BASE_UNITS
                .iter()
                .map(|unit| format!("`_{unit}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    ))
}

/// Label names: valid identifiers, not reserved by Prometheus, not unbounded by nature.
pub(crate) fn label_name(name: &str) -> Result<(), Violation> {
    if !is_snake_identifier(name, true) {
        return Err(Violation::new(
            format!("`{name}` is not a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`"),
            Some(format!("try `{}`", to_snake_case(name))),
        ));
    }
    if name == "le" || name == "quantile" {
        return Err(Violation::new(
            format!("label name `{name}` is reserved: Prometheus uses it for the buckets of histograms and summaries"),
            Some("choose another name".to_owned()),
        ));
    }
    if name == "job" || name == "instance" {
        return Err(Violation::new(
            format!("label name `{name}` is reserved: Prometheus sets it on every scraped series from the target, and renames a series' own `{name}` to `exported_{name}`"),
            Some(format!("choose another name, e.g. `{}`", if name == "job" { "task" } else { "replica" })),
        ));
    }
    if name.starts_with("__") {
        return Err(Violation::new(
            format!(
                "label name `{name}` is reserved: names starting with `__` are Prometheus' own"
            ),
            Some("choose another name".to_owned()),
        ));
    }
    if UNBOUNDED_LABEL_NAMES.contains(&name) || name.ends_with("_id") {
        return Err(Violation::new(
            format!("label `{name}` is unbounded by nature: one series per distinct value would explode the cardinality of the metric"),
            Some("drop the label, or label with a bounded classification (an enum deriving `LabelValue`) under another name".to_owned()),
        ));
    }
    Ok(())
}

/// A label value is not empty: in Prometheus an empty value means no label at all.
pub(crate) fn label_value(what: &str, value: &str) -> Result<(), Violation> {
    if value.is_empty() {
        return Err(Violation::new(
            format!(
                "{what} is empty: in Prometheus a label with an empty value is no label at all"
            ),
            Some("give it a non-empty value, or remove the label".to_owned()),
        ));
    }
    Ok(())
}

/// Bucket bounds: finite, positive, strictly increasing. Returns the index of the
/// offending bound with the violation.
pub(crate) fn buckets(bounds: &[f64]) -> Result<(), (usize, Violation)> {
    for (index, &bound) in bounds.iter().enumerate() {
        if !bound.is_finite() || bound <= 0.0 {
            return Err((index, Violation::new(
                format!("bucket bound `{bound:?}` must be positive: durations are never negative or zero"),
                Some("remove it; Prometheus adds the `+Inf` bucket itself".to_owned()),
            )));
        }
        if let Some(&previous) = index.checked_sub(1).and_then(|i| bounds.get(i)) {
            if bound <= previous {
                return Err((index, Violation::new(
                    format!("buckets must be strictly increasing, but `{bound:?}` follows `{previous:?}`"),
                    Some("sort the bounds and remove duplicates".to_owned()),
                )));
            }
        }
    }
    Ok(())
}

/// The cardinality budget: `max_series` must stay within the hard cap.
pub(crate) fn max_series(value: u64) -> Result<(), Violation> {
    if value == 0 || value > MAX_SERIES_CAP {
        return Err(Violation::new(
            format!("`max_series = {value}` is outside 1..={MAX_SERIES_CAP}: the hard cap on series per family keeps cardinality bounded"),
            Some("reduce the labels' value counts instead of raising the budget further".to_owned()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lint_clean_under_promtool() {
        // Each of these is one `promtool check metrics` warns about (checked by
        // hand against promtool 2.42), with the fix the error offers.
        for (name, fix) in [
            ("cache_size_mb", "cache_size_bytes"),
            ("downloaded_kb_total", "downloaded_bytes_total"),
            ("uploads_kb", "uploads_bytes"),
            ("request_ms_total", "request_seconds_total"),
            ("queue_wait_sec", "queue_wait_seconds"),
            ("cache_kilobytes", "cache_bytes"),
            ("uptime_minutes", "uptime_seconds"),
            ("link_bits_total", "link_bytes_total"),
            ("board_fahrenheit", "board_celsius"),
        ] {
            let violation = promlint(name).unwrap_err();
            assert!(
                violation.help.unwrap().contains(&format!("`{fix}`")),
                "{name}"
            );
        }
        assert!(promlint("jobs_gauge")
            .unwrap_err()
            .message
            .contains("`gauge`"));
        assert!(promlint("a_counter_total").is_err());
        for name in [
            "cv_parse_duration_seconds",
            "process_resident_memory_bytes",
            "cache_size_bytes",
            "gauge_readings",
            "temperature_kelvin",
            "ms_office_uploads_total".trim_start_matches("ms_"),
        ] {
            assert!(promlint(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn job_and_instance_are_the_targets_labels() {
        for name in ["job", "instance"] {
            let violation = label_name(name).unwrap_err();
            assert!(violation.message.contains("exported_"), "{name}");
        }
    }

    #[test]
    fn metric_names_are_lower_snake_case() {
        assert!(metric_name("cv_parse_duration_seconds").is_ok());
        assert!(metric_name("_private_total").is_ok());
        let violation = metric_name("Cv-Parse duration_seconds").unwrap_err();
        assert!(violation.message.contains("metric name"));
        assert_eq!(
            violation.help.as_deref(),
            Some("try `cv_parse_duration_seconds`")
        );
        assert!(metric_name("9lives_total").is_err());
        assert!(metric_name("").is_err());
        assert!(metric_name("__internal_total").is_err());
    }

    #[test]
    fn reserved_suffixes_are_refused() {
        for name in ["x_count", "x_sum", "x_bucket"] {
            assert!(
                metric_name(name).unwrap_err().message.contains("reserved"),
                "{name}"
            );
        }
    }

    #[test]
    fn reserved_suffix_suggestions_suit_the_kind() {
        let help = |kind, measure, name| metric_rules(kind, measure, "key", name).unwrap_err().help;
        assert_eq!(
            help(MetricKind::Counter, Measure::Duration, "jobs_count").as_deref(),
            Some("try `jobs_total`")
        );
        assert_eq!(
            help(MetricKind::Gauge, Measure::Duration, "jobs_count").as_deref(),
            Some("try `jobs`")
        );
        assert_eq!(
            help(MetricKind::Histogram, Measure::Duration, "x_sum").as_deref(),
            Some("try `x_seconds`")
        );
        assert_eq!(
            help(MetricKind::Histogram, Measure::Value, "x_sum").as_deref(),
            Some("try `x_bytes`")
        );
        assert!(metric_rules(MetricKind::Counter, Measure::Duration, "calls", "x_total").is_ok());
        assert!(
            metric_rules(MetricKind::Counter, Measure::Duration, "calls", "x")
                .unwrap_err()
                .message
                .contains("_total")
        );
    }

    #[test]
    fn counters_end_in_total_and_nothing_else_does() {
        let rule = |kind, name| kind_suffix(kind, Measure::Duration, "key", name);
        assert!(rule(MetricKind::Counter, "cv_parse_errors_total").is_ok());
        assert!(rule(MetricKind::Counter, "cv_parse_errors")
            .unwrap_err()
            .message
            .contains("_total"));
        assert!(rule(MetricKind::Gauge, "jobs_total").is_err());
        assert!(rule(MetricKind::Gauge, "jobs_in_flight").is_ok());
        assert!(rule(MetricKind::Histogram, "x_seconds_total").is_err());
        assert!(kind_suffix(
            MetricKind::Histogram,
            Measure::Value,
            "histogram!",
            "x_bytes_total"
        )
        .unwrap_err()
        .message
        .contains("histogram"));
    }

    #[test]
    fn duration_histograms_are_in_seconds() {
        assert!(duration_unit("cv_parse_duration_seconds").is_ok());
        assert!(duration_unit("cv_parse_duration")
            .unwrap_err()
            .message
            .contains("_seconds"));
        let scaled = duration_unit("cv_parse_duration_milliseconds").unwrap_err();
        assert!(scaled.message.contains("seconds"));
        assert_eq!(
            scaled.help.as_deref(),
            Some("rename it `cv_parse_duration_seconds`; metricate records seconds")
        );
    }

    #[test]
    fn value_histograms_end_in_a_base_unit() {
        assert!(base_unit("cv_size_bytes").is_ok());
        assert!(base_unit("match_score_ratio").is_ok());
        assert!(base_unit("match_cost_dollars").is_ok());
        assert!(base_unit("cv_size").unwrap_err().message.contains("unit"));
        assert!(base_unit("render_milliseconds")
            .unwrap_err()
            .message
            .contains("seconds"));
    }

    #[test]
    fn label_names_reserved_and_unbounded() {
        assert!(label_name("format").is_ok());
        assert!(label_name("Format").is_ok());
        assert!(label_name("le").unwrap_err().message.contains("reserved"));
        assert!(label_name("quantile")
            .unwrap_err()
            .message
            .contains("reserved"));
        assert!(label_name("__name__")
            .unwrap_err()
            .message
            .contains("reserved"));
        assert!(label_name("bad-name").is_err());
        for name in [
            "user_id",
            "email",
            "ip",
            "session_id",
            "request_id",
            "trace_id",
            "url",
            "customer_id",
        ] {
            let violation = label_name(name).unwrap_err();
            assert!(
                violation.message.contains(name) && violation.message.contains("cardinality"),
                "{name}"
            );
        }
    }

    #[test]
    fn label_values_are_not_empty() {
        assert!(label_value("the value of `env`", "prod").is_ok());
        let violation = label_value("the value of `env`", "").unwrap_err();
        assert!(violation.message.contains("empty"));
        assert!(violation.message.starts_with("the value of `env`"));
    }

    #[test]
    fn buckets_are_positive_and_strictly_increasing() {
        assert!(buckets(&[0.005, 0.01, 1.0, 10.0]).is_ok());
        let (index, violation) = buckets(&[0.5, 0.1]).unwrap_err();
        assert_eq!(index, 1);
        assert!(violation.message.contains("increasing"));
        assert_eq!(buckets(&[0.1, 0.1]).unwrap_err().0, 1);
        assert_eq!(buckets(&[0.0, 1.0]).unwrap_err().0, 0);
        assert_eq!(buckets(&[-1.0]).unwrap_err().0, 0);
        assert_eq!(buckets(&[f64::INFINITY]).unwrap_err().0, 0);
    }

    #[test]
    fn durations_and_percentages() {
        assert_eq!(duration("250ms").unwrap(), 0.25);
        assert_eq!(duration("2s").unwrap(), 2.0);
        assert_eq!(duration("1.5s").unwrap(), 1.5);
        assert_eq!(duration("1m").unwrap(), 60.0);
        // Scaled as decimal text: 700.0 * 0.001 is 0.7000000000000001.
        assert_eq!(duration("700ms").unwrap(), 0.7);
        assert_eq!(duration("2300ms").unwrap(), 2.3);
        assert_eq!(duration("0.1m").unwrap(), 6.0);
        assert_eq!(duration(".5s").unwrap(), 0.5);
        assert!(duration(".s").is_err());
        assert!(duration("1.2.3s").is_err());
        assert!(duration("2")
            .unwrap_err()
            .message
            .contains("not a duration"));
        assert!(duration("fast").is_err());
        assert!(duration("0s").unwrap_err().message.contains("out of range"));
        assert!(duration("2h").is_err());
        assert_eq!(percent("99.5%", "`success`").unwrap(), 0.995);
        assert_eq!(percent("95", "`percentile`").unwrap(), 0.95);
        assert_eq!(percent("99.9", "`percentile`").unwrap(), 0.999);
        assert!(percent("100%", "`success`")
            .unwrap_err()
            .message
            .contains("out of range"));
        assert!(percent("abc", "`success`")
            .unwrap_err()
            .message
            .contains("not a percentage"));
        assert_eq!(
            threshold_is_a_bound(2.5, "2.5s", DEFAULT_DURATION_BUCKETS).unwrap(),
            2.5
        );
        assert_eq!(
            threshold_is_a_bound(700.0 * 0.001, "700ms", &[0.7])
                .unwrap()
                .to_bits(),
            0.7f64.to_bits()
        );
        let violation = threshold_is_a_bound(2.0, "2s", DEFAULT_DURATION_BUCKETS).unwrap_err();
        assert!(violation.help.unwrap().contains("1, 2.5, 5"));
    }

    #[test]
    fn max_series_has_a_hard_cap() {
        assert!(max_series(1).is_ok());
        assert!(max_series(MAX_SERIES_CAP).is_ok());
        assert!(max_series(MAX_SERIES_CAP + 1).is_err());
        assert!(max_series(0).is_err());
    }
}
