//! The tokio runtime's readings (feature `tokio`) move under a spawned load:
//! workers blocked, tasks queued behind them, busy time accumulated.

// Test helpers called by the tests: a failure should fail the test loudly.
#![allow(clippy::unwrap_used)]

use metricate::names::{
    TOKIO_ALIVE_TASKS, TOKIO_GLOBAL_QUEUE_DEPTH, TOKIO_WORKERS, TOKIO_WORKER_BUSY_SECONDS_TOTAL,
    TOKIO_WORKER_PARKS_TOTAL,
};
use metricate::{MetricKind, Problem};
use metricate_tests::sample_in;
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn reading(name: &str, labels: &[(&str, &str)]) -> f64 {
    let text = metricate::render();
    sample_in(&text, name, labels).unwrap_or_else(|| panic!("{name} {labels:?} in:\n{text}"))
}

fn busy_seconds() -> f64 {
    reading(TOKIO_WORKER_BUSY_SECONDS_TOTAL, &[("worker", "0")])
        + reading(TOKIO_WORKER_BUSY_SECONDS_TOTAL, &[("worker", "1")])
}

/// Polls until `ready`, failing after 10 seconds.
fn eventually(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(10), "{what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_readings_move_under_a_spawned_load() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    metricate::tokio_runtime::register(runtime.handle()).unwrap();
    // One runtime per process: a second registration is refused.
    assert!(matches!(
        metricate::tokio_runtime::register(runtime.handle()),
        Err(Problem::Conflict(_))
    ));
    let catalog = metricate::catalog();
    let busy = catalog.family(TOKIO_WORKER_BUSY_SECONDS_TOTAL).unwrap();
    assert_eq!(busy.kind, MetricKind::Counter);
    assert_eq!(busy.labels[0].values, Some(vec!["0", "1"]));

    assert_eq!(reading(TOKIO_WORKERS, &[]), 2.0);
    assert_eq!(reading(TOKIO_ALIVE_TASKS, &[]), 0.0);
    let parks_before = reading(TOKIO_WORKER_PARKS_TOTAL, &[("worker", "0")])
        + reading(TOKIO_WORKER_PARKS_TOTAL, &[("worker", "1")]);
    let busy_before = busy_seconds();

    // Both workers blocked by a task each, until released.
    let (started, running) = mpsc::channel();
    let mut releases = Vec::new();
    for _ in 0..2 {
        let (release, wait) = mpsc::channel::<()>();
        releases.push(release);
        let started = started.clone();
        runtime.spawn(async move {
            started.send(()).unwrap();
            let _ = wait.recv();
        });
    }
    for _ in 0..2 {
        running.recv_timeout(Duration::from_secs(10)).unwrap();
    }
    // Five more, spawned from outside the runtime: in the global queue, as no
    // worker is free to take them.
    let (done, finished) = mpsc::channel();
    for _ in 0..5 {
        let done = done.clone();
        runtime.spawn(async move { done.send(()).unwrap() });
    }
    assert_eq!(reading(TOKIO_GLOBAL_QUEUE_DEPTH, &[]), 5.0);
    assert_eq!(reading(TOKIO_ALIVE_TASKS, &[]), 7.0);

    std::thread::sleep(Duration::from_millis(300));
    releases.clear();
    for _ in 0..5 {
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
    }
    eventually("every task finished", || {
        reading(TOKIO_ALIVE_TASKS, &[]) == 0.0 && reading(TOKIO_GLOBAL_QUEUE_DEPTH, &[]) == 0.0
    });
    // Each worker was busy at least the 300 ms it was blocked; both parked again.
    eventually("the busy time is counted", || {
        busy_seconds() - busy_before >= 0.6
    });
    eventually("the workers parked again", || {
        reading(TOKIO_WORKER_PARKS_TOTAL, &[("worker", "0")])
            + reading(TOKIO_WORKER_PARKS_TOTAL, &[("worker", "1")])
            > parks_before
    });
}
