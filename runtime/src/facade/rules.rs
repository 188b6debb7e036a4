//! The naming rules the macros enforce at compile time, applied at run time to
//! the names the `metrics` facade is given: each name is valid, fixed (with the
//! rule it broke), or has no valid form. Pure functions, no state.

use crate::vocabulary::MetricKind;

/// What the rules make of a name: the name to export (`None` when no valid
/// name can be made) and, when the given one broke a rule, which.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) exported: Option<String>,
    pub(crate) reason: Option<String>,
}

impl Verdict {
    fn valid(name: &str) -> Verdict {
        Verdict {
            exported: Some(name.to_owned()),
            reason: None,
        }
    }
}

/// The base units a histogram's name ends in (the macros' `BASE_UNITS`).
pub(crate) const BASE_UNITS: &[&str] = &[
    "seconds", "bytes", "ratio", "meters", "volts", "amperes", "joules", "grams", "celsius",
    "dollars",
];

/// Suffixes the exposition gives to the series of histograms and summaries.
const RESERVED_SUFFIXES: &[&str] = &["_count", "_sum", "_bucket"];

/// Label names whose values are unbounded by nature (the macros refuse them;
/// here the family's series cap bounds them, and they are reported).
const UNBOUNDED_LABEL_NAMES: &[&str] = &[
    "id",
    "uuid",
    "guid",
    "user",
    "username",
    "email",
    "ip",
    "ip_address",
    "client_ip",
    "remote_addr",
    "session",
    "url",
    "uri",
    "path",
    "query",
    "token",
    "timestamp",
    "message",
    "error_message",
];

/// `name` as lower snake_case: `camelCase` split at its capitals, every other
/// character than `[a-z0-9_]` an underscore, runs of underscores one, and a
/// leading digit behind an underscore.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous: Option<char> = None;
    for c in name.chars() {
        let mapped = if c.is_ascii_uppercase() {
            if previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
            c.to_ascii_lowercase()
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if !(mapped == '_' && out.ends_with('_')) {
            out.push(mapped);
        }
        previous = Some(c);
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn is_snake(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The name a metric of `kind` is exported under, given `name` and the base
/// unit it was described with (`unit`, when one of [`BASE_UNITS`]).
pub(crate) fn metric(name: &str, kind: MetricKind, unit: Option<&str>) -> Verdict {
    let mut reasons: Vec<String> = Vec::new();
    let mut fixed = name.to_owned();
    if !is_snake(&fixed) {
        reasons.push("not lower snake_case `[a-z_][a-z0-9_]*`".to_owned());
        fixed = snake_case(&fixed);
    }
    if fixed.starts_with("__") {
        reasons.push("`__` starts names reserved for Prometheus".to_owned());
        fixed = fixed.trim_start_matches('_').to_owned();
    }
    if let Some(suffix) = RESERVED_SUFFIXES.iter().find(|s| fixed.ends_with(*s)) {
        reasons.push(format!(
            "`{suffix}` ends only the series of histograms and summaries"
        ));
        fixed.truncate(fixed.len() - suffix.len());
    }
    match kind {
        MetricKind::Counter if !fixed.ends_with("_total") => {
            reasons.push("a counter's name ends in `_total`".to_owned());
            fixed.push_str("_total");
        }
        MetricKind::Gauge | MetricKind::Histogram if fixed.ends_with("_total") => {
            reasons.push(format!("`_total` ends only counters, and this is a {kind}"));
            fixed.truncate(fixed.len() - "_total".len());
        }
        _ => {}
    }
    if kind == MetricKind::Histogram
        && !BASE_UNITS
            .iter()
            .any(|base| fixed.ends_with(&format!("_{base}")))
    {
        match unit {
            Some(unit) => {
                reasons.push(format!(
                    "a histogram's name ends in its base unit, described as `{unit}`"
                ));
                fixed.push('_');
                fixed.push_str(unit);
            }
            None => reasons.push(
                "a histogram's name ends in its base unit (`_seconds`, `_bytes`, ...); describe it with its unit to have it added"
                    .to_owned(),
            ),
        }
    }
    let exported =
        (!fixed.is_empty() && fixed != "_total" && !fixed.starts_with('_')).then_some(fixed);
    if reasons.is_empty() {
        return Verdict::valid(name);
    }
    Verdict {
        exported,
        reason: Some(reasons.join("; ")),
    }
}

/// The name a label is exported under, given `name`.
pub(crate) fn label(name: &str) -> Verdict {
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut reasons = Vec::new();
    let mut fixed = name.to_owned();
    if !valid {
        reasons.push("not a valid label name `[a-zA-Z_][a-zA-Z0-9_]*`".to_owned());
        fixed = snake_case(&fixed);
    }
    let trimmed = fixed.trim_start_matches('_');
    if fixed.starts_with("__") || ["le", "quantile", "job", "instance"].contains(&fixed.as_str()) {
        reasons.push(
            "reserved: Prometheus uses it itself (the buckets `le`, `quantile`, the target's `job` and `instance`, or a `__` name)"
                .to_owned(),
        );
        fixed = format!("exported_{trimmed}");
    }
    if fixed.is_empty() {
        return Verdict {
            exported: None,
            reason: Some("an empty label name".to_owned()),
        };
    }
    if UNBOUNDED_LABEL_NAMES.contains(&fixed.as_str()) || fixed.ends_with("_id") {
        reasons.push(
            "unbounded by nature: one series per value; the family's series cap bounds it"
                .to_owned(),
        );
    }
    if reasons.is_empty() {
        return Verdict::valid(name);
    }
    Verdict {
        exported: Some(fixed),
        reason: Some(reasons.join("; ")),
    }
}

/// The buckets of a histogram the facade creates that no declaration and no
/// [`Facade::buckets`](super::Facade::buckets) gives: Prometheus' duration
/// buckets (5 ms to 10 s) for a name in `_seconds`, else powers of 4 from 1 to
/// about 4 million (those of `histogram!`).
pub(crate) fn default_buckets(name: &str) -> &'static [f64] {
    if name.ends_with("_seconds") {
        super::DEFAULT_DURATION_BUCKETS
    } else {
        super::DEFAULT_VALUE_BUCKETS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exported(verdict: Verdict) -> Option<String> {
        verdict.exported
    }

    #[test]
    fn metric_names_are_fixed_to_the_macros_rules() {
        assert_eq!(
            metric("jobs_total", MetricKind::Counter, None),
            Verdict::valid("jobs_total")
        );
        assert_eq!(
            exported(metric("http.requests", MetricKind::Counter, None)).as_deref(),
            Some("http_requests_total")
        );
        assert_eq!(
            exported(metric("queueDepth", MetricKind::Gauge, None)).as_deref(),
            Some("queue_depth")
        );
        assert_eq!(
            exported(metric("queue_total", MetricKind::Gauge, None)).as_deref(),
            Some("queue")
        );
        assert_eq!(
            exported(metric("rows_count", MetricKind::Counter, None)).as_deref(),
            Some("rows_total")
        );
        assert_eq!(
            exported(metric("latency", MetricKind::Histogram, Some("seconds"))).as_deref(),
            Some("latency_seconds")
        );
        // No unit to add: exported as given, and reported.
        let latency = metric("latency", MetricKind::Histogram, None);
        assert_eq!(latency.exported.as_deref(), Some("latency"));
        assert!(latency.reason.is_some());
        assert_eq!(exported(metric("...", MetricKind::Gauge, None)), None);
        assert_eq!(exported(metric("_count", MetricKind::Counter, None)), None);
        assert_eq!(
            exported(metric("9lives", MetricKind::Gauge, None)),
            None,
            "a leading digit leaves only a name starting with `_`"
        );
    }

    #[test]
    fn label_names_are_fixed_or_reported() {
        assert_eq!(label("method"), Verdict::valid("method"));
        assert_eq!(exported(label("le")).as_deref(), Some("exported_le"));
        assert_eq!(
            exported(label("__name__")).as_deref(),
            Some("exported_name__")
        );
        assert_eq!(
            exported(label("http.method")).as_deref(),
            Some("http_method")
        );
        let user = label("user_id");
        assert_eq!(user.exported.as_deref(), Some("user_id"));
        assert!(user.reason.is_some());
        assert_eq!(exported(label("")), None);
    }
}
