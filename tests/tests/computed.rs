//! Gauges computed at scrape time: a failing or panicking callback does not break
//! the scrape, and its failures are counted.

use metricate::LabelValue;
use metricate_tests::sample_in;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(LabelValue)]
enum State {
    Active,
    Idle,
}

/// Whether the flaky gauge's source is down. Set by the test, not counted per
/// scrape: other tests of this binary scrape concurrently.
static SOURCE_DOWN: AtomicBool = AtomicBool::new(false);

#[test]
fn failing_and_panicking_callbacks_do_not_break_the_scrape() {
    metricate::computed_gauge!("computed_rows", help = "Rows in the jobs table.", || 42_u32)
        .unwrap();
    metricate::computed_gauge!("computed_pool_connections", label = "state", || vec![
        (State::Active, 2.0),
        (State::Idle, 8.0)
    ])
    .unwrap();
    metricate::computed_gauge!("computed_flaky", || {
        if SOURCE_DOWN.load(Ordering::SeqCst) {
            Err("the source is down".to_owned())
        } else {
            Ok(7.0)
        }
    })
    .unwrap();
    metricate::computed_gauge!("computed_panicking", || -> f64 {
        panic!("the callback's own bug")
    })
    .unwrap();
    metricate::computed_gauge!("computed_absent", || None::<f64>).unwrap();
    // The same name twice is refused, not a panic.
    assert!(metricate::computed_gauge!("computed_rows", || 1_u32).is_err());

    let first = metricate::render();
    assert_eq!(sample_in(&first, "computed_rows", &[]), Some(42.0));
    assert_eq!(
        sample_in(&first, "computed_pool_connections", &[("state", "idle")]),
        Some(8.0)
    );
    assert_eq!(sample_in(&first, "computed_flaky", &[]), Some(7.0));
    assert_eq!(sample_in(&first, "computed_panicking", &[]), None);
    assert_eq!(sample_in(&first, "computed_absent", &[]), None);

    SOURCE_DOWN.store(true, Ordering::SeqCst);
    let second = metricate::render();
    SOURCE_DOWN.store(false, Ordering::SeqCst);
    assert_eq!(
        sample_in(&second, "computed_rows", &[]),
        Some(42.0),
        "the scrape goes on"
    );
    assert_eq!(
        sample_in(&second, "computed_flaky", &[]),
        None,
        "a failed read is left out"
    );
    let third = metricate::render();
    assert_eq!(sample_in(&third, "computed_flaky", &[]), Some(7.0));
    let failures = |gauge| {
        sample_in(
            &third,
            "metricate_callback_failures_total",
            &[("metric", gauge)],
        )
    };
    assert!(failures("computed_panicking").is_some_and(|count| count >= 2.0));
    assert!(failures("computed_flaky").is_some_and(|count| count >= 1.0));
    if let Some(verdict) = metricate_tests::promtool_check_metrics(&third) {
        verdict.unwrap_or_else(|said| panic!("promtool check metrics said:\n{said}"));
    }
}

#[test]
fn build_info_names_the_build() {
    metricate::register_build_info!().unwrap();
    let text = metricate::render();
    let line = text
        .lines()
        .find(|line| line.starts_with("build_info{"))
        .unwrap();
    assert!(
        line.contains(r#"package="metricate-tests""#) && line.ends_with(" 1"),
        "{line}"
    );
    assert!(line.contains(&format!(r#"version="{}""#, env!("CARGO_PKG_VERSION"))));
    assert!(!line.contains(r#"rustc_version="unknown""#), "{line}");
}
