//! Calls on many threads: every update is in the next scrape, none is lost,
//! whether the threads have slots of their own or share the overflow slot.

// `Route::Upload` is only ever a label value, never constructed.
#![allow(dead_code)]

use metricate::{instrument_metric, LabelValue};
use metricate_tests::{sample, sample_in};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Clone, Copy, LabelValue)]
enum Route {
    Search,
    Upload,
}

#[derive(Debug, LabelValue)]
enum Failure {
    Rejected,
}

#[instrument_metric(
    histogram = "threads_call_duration_seconds",
    errors = "threads_call_errors_total",
    calls = "threads_calls_total",
    in_flight = "threads_in_flight",
    labels(route = route)
)]
fn call(route: Route, n: u64) -> Result<u64, Failure> {
    if n % 64 == 0 {
        Err(Failure::Rejected)
    } else {
        Ok(n)
    }
}

#[test]
fn no_update_is_lost_or_held_back_on_many_threads() {
    // More threads than exclusive slots, so some share the overflow slot.
    let threads = 2 * std::thread::available_parallelism().map_or(4, usize::from) * 2 + 3;
    const CALLS: u64 = 20_000;
    let stop = Arc::new(AtomicBool::new(false));
    let scraper = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            // Scrapes while the calls run: counts never go down.
            let mut last = 0.0;
            while !stop.load(Ordering::Relaxed) {
                let calls = sample("threads_calls_total", &[("route", "search")]).unwrap_or(0.0);
                assert!(calls >= last, "went down from {last} to {calls}");
                last = calls;
            }
        })
    };
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(|| {
                for n in 1..=CALLS {
                    let _ = call(Route::Search, n);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    scraper.join().unwrap();

    let total = (threads as u64 * CALLS) as f64;
    let errors = (threads as u64 * (CALLS / 64)) as f64;
    let text = metricate::render();
    let search = [("route", "search")];
    assert_eq!(
        sample_in(&text, "threads_calls_total", &search),
        Some(total)
    );
    assert_eq!(
        sample_in(&text, "threads_call_duration_seconds_count", &search),
        Some(total)
    );
    assert_eq!(
        sample_in(
            &text,
            "threads_call_duration_seconds_bucket",
            &[("route", "search"), ("le", "+Inf")]
        ),
        Some(total)
    );
    assert_eq!(
        sample_in(
            &text,
            "threads_call_errors_total",
            &[("route", "search"), ("error_type", "rejected")]
        ),
        Some(errors)
    );
    assert_eq!(sample_in(&text, "threads_in_flight", &search), Some(0.0));
    assert_eq!(
        sample_in(&text, "threads_calls_total", &[("route", "upload")]),
        Some(0.0)
    );
}

#[instrument_metric(calls = "threads_shared_calls_total")]
fn first_counter() {}

#[instrument_metric(calls = "threads_shared_calls_total")]
fn second_counter() {}

#[test]
fn sites_with_the_same_labels_share_one_series() {
    first_counter();
    second_counter();
    second_counter();
    let text = metricate::render();
    let series: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("threads_shared_calls_total"))
        .collect();
    assert_eq!(series, ["threads_shared_calls_total 3"]);

    metricate::gauge!("threads_queue_depth").set(5.0);
    metricate::gauge!("threads_queue_depth").inc();
    assert_eq!(sample("threads_queue_depth", &[]), Some(6.0));
}

#[instrument_metric(calls = "threads_beside_registry_calls_total")]
fn beside_registry() {}

#[test]
fn hand_registered_collectors_render_after_metricate_families_once_each() {
    beside_registry();
    let by_hand = prometheus::IntCounter::new("threads_by_hand_total", "Registered by hand.")
        .expect("a valid counter");
    metricate::registry()
        .register(Box::new(by_hand.clone()))
        .expect("the name is free");
    by_hand.inc_by(7);
    // The registry is for collectors registered by hand: metricate's own
    // families are not in it, so nothing can clash or be gathered twice.
    let gathered = metricate::registry().gather();
    assert!(gathered
        .iter()
        .all(|family| family.name() != "threads_beside_registry_calls_total"));
    let text = metricate::render();
    for family in [
        "threads_beside_registry_calls_total",
        "threads_by_hand_total",
    ] {
        assert_eq!(
            text.matches(&format!("# TYPE {family} counter")).count(),
            1,
            "{family}"
        );
    }
    assert_eq!(sample("threads_by_hand_total", &[]), Some(7.0));
}
