//! The generated rules for objectives whose thresholds, names and fns used to
//! break them: `700ms` selected `le="0.7000000000000001"` (an alert that could
//! never fire), two fns named `list` wrote one SLO twice, and a fn named in
//! Unicode wrote names Prometheus refuses.

use metricate::{instrument_metric, LabelValue};
use metricate_ops::{self as ops, Artifact, Settings};
use metricate_tests::{promtool_check_rules, sample};
use std::collections::BTreeSet;

#[derive(Debug, LabelValue)]
#[allow(dead_code)] // declared for its `error_type` value; these fns never fail
enum ListError {
    Unavailable,
    #[label(client_error)]
    BadQuery,
}

mod jobs {
    use super::ListError;
    use metricate::instrument_metric;

    /// Lists jobs.
    #[instrument_metric(
        histogram = "on_jobs_list_duration_seconds",
        errors = "on_jobs_list_errors_total",
        calls = "on_jobs_list_calls_total",
        buckets = [0.1, 0.7, 2.3, 5.0],
        objective(latency = "700ms", percentile = 95, success = "99%")
    )]
    pub fn list() -> Result<u32, ListError> {
        Ok(3)
    }
}

mod users {
    use super::ListError;
    use metricate::instrument_metric;

    /// Lists users.
    #[instrument_metric(
        histogram = "on_users_list_duration_seconds",
        errors = "on_users_list_errors_total",
        calls = "on_users_list_calls_total",
        buckets = [0.1, 0.7, 2.3, 5.0],
        objective(latency = "2300ms", percentile = 99, success = "99.5%")
    )]
    pub fn list() -> Result<u32, ListError> {
        Ok(2)
    }
}

/// Waits, in French.
#[instrument_metric(
    histogram = "on_delay_duration_seconds",
    errors = "on_delay_errors_total",
    calls = "on_delay_calls_total",
    objective(latency = "250ms", success = "99.9%")
)]
fn délai() -> Result<(), ListError> {
    Ok(())
}

fn rules() -> String {
    ops::generate(
        Artifact::Rules,
        &metricate::catalog(),
        &Settings::new("names"),
    )
}

#[test]
fn every_generated_rule_passes_promtool_and_slo_names_are_unique_and_valid() {
    let rules = rules();
    if let Some(checked) = promtool_check_rules(&rules) {
        checked.unwrap_or_else(|said| panic!("{said}\n{rules}"));
    }
    let names: Vec<&str> = rules
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            line.strip_prefix("- record: ")
                .or_else(|| line.strip_prefix("- alert: "))
                .map(|name| name.trim_matches('"'))
        })
        .collect();
    let unique: BTreeSet<&&str> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a rule named twice: {names:?}");
    // Readable, and told apart by their modules.
    assert!(
        rules.contains("job:ops_names_jobs_list_latency_failures:ratio_rate5m"),
        "{rules}"
    );
    assert!(rules.contains("job:ops_names_users_list_latency_failures:ratio_rate5m"));
    assert!(rules.contains("job:d_ue9_lai_success_failures:ratio_rate5m"));
    for name in names {
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{name}"
        );
    }
}

/// Every `le` value in `text`: `le="0.7"`, and the bound of `le=~"1(\\.0)?"`.
fn le_values(text: &str) -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    for (marker, end) in [("le=\"", '"'), ("le=~\"", '(')] {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            if let Some(value) = rest.split(end).next() {
                values.insert(value.to_owned());
            }
        }
    }
    values
}

#[test]
fn every_le_a_rule_selects_is_one_the_exposition_writes() {
    jobs::list().unwrap();
    users::list().unwrap();
    délai().unwrap();
    assert_eq!(sample("on_jobs_list_calls_total", &[]), Some(1.0));
    let written = le_values(&metricate::render());
    let selected = le_values(&rules());
    assert!(
        selected.contains("0.7") && selected.contains("2.3"),
        "{selected:?}"
    );
    for le in &selected {
        assert!(
            written.contains(le),
            "the rules select le=\"{le}\", which no series has: {written:?}"
        );
    }
}

#[test]
fn the_callers_errors_are_exported_and_left_out_of_failure_ratios() {
    let catalog = metricate::catalog();
    let list = catalog
        .functions()
        .iter()
        .find(|function| function.errors == Some("on_jobs_list_errors_total"))
        .unwrap();
    assert_eq!(list.client_errors, ["bad_query"]);
    let rules = rules();
    // The error ratio and the success objective's failures: server faults only.
    assert!(
        rules.contains(r#"rate(on_jobs_list_errors_total{error_type!~"bad_query"}[5m])"#),
        "{rules}"
    );
    assert!(rules.contains(r#"rate(on_jobs_list_errors_total{error_type!~"bad_query"}[1h])"#));
    assert!(!rules.contains("rate(on_jobs_list_errors_total[5m])"));
}
