//! Cost per `metrics` facade call: metricate as the recorder (feature
//! `metrics`) against `metrics-exporter-prometheus`, side by side in one run.
//! Each recorder is set as the thread's local recorder around the measured
//! calls, so both go through the same macro code; only the recorder differs.
//! The calls are what a dependency writes: a counter with one label, a gauge,
//! a histogram.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// One call of each kind, with label values from a bounded set.
#[inline(never)]
fn calls(i: u64) {
    let route = if i & 1 == 0 { "search" } else { "upload" };
    metrics::counter!("bench_facade_requests_total", "route" => route).increment(1);
    metrics::gauge!("bench_facade_in_flight").set(black_box(3.0));
    metrics::histogram!("bench_facade_duration_seconds", "route" => route).record(0.042);
}

fn counter_only(i: u64) {
    let route = if i & 1 == 0 { "search" } else { "upload" };
    metrics::counter!("bench_facade_counter_total", "route" => route).increment(1);
}

fn facade(c: &mut Criterion) {
    let metricate = metricate::facade::Facade::new().build();
    let exporter = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    for (group, call) in [
        ("facade_counter", counter_only as fn(u64)),
        ("facade_three_calls", calls as fn(u64)),
    ] {
        let mut group = c.benchmark_group(group);
        metrics::with_local_recorder(&metricate, || {
            group.bench_function("metricate", |b| {
                let mut i = 0_u64;
                b.iter(|| {
                    i = i.wrapping_add(1);
                    call(black_box(i));
                })
            });
        });
        metrics::with_local_recorder(&exporter, || {
            group.bench_function("metrics_exporter_prometheus", |b| {
                let mut i = 0_u64;
                b.iter(|| {
                    i = i.wrapping_add(1);
                    call(black_box(i));
                })
            });
        });
        group.finish();
    }
    // Both recorded every call: the exposition of each holds the counter.
    assert!(metricate::render().contains("bench_facade_counter_total{route=\"search\"}"));
    assert!(exporter
        .handle()
        .render()
        .contains("bench_facade_counter_total{route=\"search\"}"));
}

criterion_group!(benches, facade);
criterion_main!(benches);
