//! Two declarations of one name that disagree: the catalogue reports one error
//! naming both sites, and the second site keeps working, detached.

use metricate::{instrument_metric, Problem};

#[instrument_metric(calls = "conflict_scans_total")]
fn scan_jobs() -> u8 {
    1
}

#[instrument_metric(calls = "conflict_scans_total", labels(full = full))]
fn scan_all_jobs(full: bool) -> u8 {
    2
}

fn line_of(needle: &str) -> usize {
    include_str!("conflicts.rs")
        .lines()
        .position(|line| line.starts_with(needle))
        .map(|index| index + 1)
        .expect("the needle is in this file")
}

#[test]
fn conflicting_declarations_are_one_error_naming_both_sites() {
    let error = metricate::catalog().validate().unwrap_err();
    assert_eq!(error.problems.len(), 1, "{error}");
    let conflict = error.conflicts().next().expect("the problem is a conflict");
    let message = error.to_string();
    let first = format!("conflicts.rs:{}", line_of("fn scan_jobs"));
    let second = format!("conflicts.rs:{}", line_of("fn scan_all_jobs"));
    assert!(
        message.contains(&first) && message.contains(&second),
        "{message}"
    );
    assert!(
        message.contains("conflict_scans_total") && message.contains("different label names"),
        "{message}"
    );
    assert_eq!(
        (conflict.first.function, conflict.second.function),
        (Some("scan_jobs"), Some("scan_all_jobs"))
    );

    // At start the first registration wins; the second is reported and still runs.
    metricate::init();
    assert!(metricate::problems().iter().any(|problem| matches!(problem,
        Problem::Conflict(reported) if **reported == *conflict)));
    assert_eq!(scan_jobs() + scan_all_jobs(true), 3);
}
