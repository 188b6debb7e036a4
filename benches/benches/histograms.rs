//! What native histograms and exemplars cost per call: a classic histogram, a
//! classic histogram that is also native (schema 3), and a classic histogram
//! with a trace-id source installed, with no trace active and with one.
//! (Per scrape: `scrape_classic.rs` and `scrape_native.rs`.)

use benches::{body, Route, WorkError};
use criterion::{criterion_group, criterion_main, Criterion};
use metricate::exemplars::{self, TraceId};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};

#[inline(never)]
#[metricate::instrument_metric(histogram = "hist_classic_duration_seconds", labels(route = route))]
fn classic(route: Route, n: u64) -> Result<u64, WorkError> {
    body(route, n)
}

#[inline(never)]
#[metricate::instrument_metric(
    histogram = "hist_native_duration_seconds",
    labels(route = route),
    native(schema = 3)
)]
fn native(route: Route, n: u64) -> Result<u64, WorkError> {
    body(route, n)
}

#[inline(never)]
#[metricate::instrument_metric(histogram = "hist_traced_duration_seconds", labels(route = route))]
fn traced(route: Route, n: u64) -> Result<u64, WorkError> {
    body(route, n)
}

static TRACING: AtomicBool = AtomicBool::new(false);

fn current_trace() -> Option<TraceId> {
    TRACING
        .load(Ordering::Relaxed)
        .then_some(TraceId(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736))
}

fn per_call(c: &mut Criterion) {
    let mut group = c.benchmark_group("histogram_per_call");
    let mut n = 0u64;
    group.bench_function("classic", |b| {
        b.iter(|| {
            n += 1;
            black_box(classic(black_box(Route::Search), n))
        })
    });
    group.bench_function("classic_and_native_schema_3", |b| {
        b.iter(|| {
            n += 1;
            black_box(native(black_box(Route::Search), n))
        })
    });
    // What a native histogram adds to a call whose duration is above its zero
    // bucket (the calls above are shorter than that): the bucket's key.
    let durations: Vec<f64> = (0..1024).map(|i| 1.0e-5 * 1.013_f64.powi(i)).collect();
    group.bench_function("native_schema_3_bucket_key_alone", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(metricate::__private::native_bucket_key(
                3,
                black_box(durations[i]),
            ))
        })
    });
    exemplars::set_trace_id_source(current_trace);
    group.bench_function("trace_source_no_trace_active", |b| {
        b.iter(|| {
            n += 1;
            black_box(traced(black_box(Route::Search), n))
        })
    });
    TRACING.store(true, Ordering::Relaxed);
    group.bench_function("trace_active_exemplar_kept", |b| {
        b.iter(|| {
            n += 1;
            black_box(traced(black_box(Route::Search), n))
        })
    });
    TRACING.store(false, Ordering::Relaxed);
    group.finish();
}

fn config() -> Criterion {
    benches::criterion(3, 40)
}

criterion_group! {
    name = histograms;
    config = config();
    targets = per_call
}
criterion_main!(histograms);
