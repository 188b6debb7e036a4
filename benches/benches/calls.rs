//! Cost per call of each variant, on one thread and on two threads calling the
//! same series; and the heap allocations per call, printed before the timings.

use benches::counting::{self, CountingAllocator};
use benches::{body, Route, Variant, WorkError, VARIANTS};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// (d) metricate. Here rather than in the library: metricate collects every
/// annotated fn of a binary at link time, and the render binaries must hold only
/// their own family.
#[inline(never)]
#[metricate::instrument_metric(
    histogram = "bench_metricate_duration_seconds",
    errors = "bench_metricate_errors_total",
    labels(route = route)
)]
fn metricate_instrumented(route: Route, n: u64) -> Result<u64, WorkError> {
    body(route, n)
}

/// Every variant, in table order.
fn variants() -> Vec<Variant> {
    let mut variants = VARIANTS.to_vec();
    variants.insert(
        3,
        (
            "d_metricate",
            "#[metricate::instrument_metric]",
            metricate_instrumented,
        ),
    );
    variants
}

/// Allocations per call of every variant, after warm-up.
fn allocations() {
    benches::warm_up(&variants());
    println!("allocations per call (after warm-up, mean over 100 000 calls)");
    println!(
        "{:<24} {:>12} {:>12}",
        "variant", "allocs/call", "bytes/call"
    );
    for (id, _, variant) in variants() {
        let (allocations, bytes) = counting::per_run(100_000, |n| {
            let _ = black_box(variant(black_box(Route::Search), n));
        });
        println!("{id:<24} {allocations:>12.4} {bytes:>12.2}");
    }
    println!();
}

fn one_thread(c: &mut Criterion) {
    allocations();
    let mut group = c.benchmark_group("one_thread");
    for (id, _, variant) in variants() {
        group.bench_function(id, |b| {
            let mut n = 0u64;
            b.iter(|| {
                n = n.wrapping_add(1);
                variant(black_box(Route::Search), n)
            });
        });
    }
    group.finish();
}

/// Both threads call the variant with the same label value, so they hit the same
/// series; the time reported is per call per thread (the mean of the two
/// threads' own timings).
fn two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("two_threads");
    for (id, _, variant) in variants() {
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                benches::on_two_threads(|| {
                    let started = Instant::now();
                    for i in 0..iters {
                        let _ = black_box(variant(black_box(Route::Search), i));
                    }
                    started.elapsed()
                })
            });
        });
    }
    group.finish();
}

/// A thread past the slots with regions of their own: it writes the shared
/// region with atomic adds. Every exclusive slot is held by a parked thread
/// first (a thread keeps its slot for life), so the measuring thread gets none.
fn shared_region(c: &mut Criterion) {
    let mut group = c.benchmark_group("shared_region");
    let holders = std::sync::Arc::new(Barrier::new(65));
    let release = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut parked = Vec::new();
    for _ in 0..64 {
        let (holders, release) = (
            std::sync::Arc::clone(&holders),
            std::sync::Arc::clone(&release),
        );
        parked.push(std::thread::spawn(move || {
            let _ = metricate_instrumented(Route::Search, 0);
            holders.wait();
            while !release.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::park_timeout(Duration::from_millis(50));
            }
        }));
    }
    holders.wait();
    group.bench_function("d_metricate", |b| {
        b.iter_custom(|iters| {
            std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        let started = Instant::now();
                        for i in 0..iters {
                            let _ = black_box(metricate_instrumented(black_box(Route::Search), i));
                        }
                        started.elapsed()
                    })
                    .join()
                    .unwrap_or_default()
            })
        });
    });
    group.finish();
    release.store(true, std::sync::atomic::Ordering::Relaxed);
    for thread in parked {
        let _ = thread.join();
    }
}

fn config() -> Criterion {
    benches::criterion(3, 60)
}

criterion_group! {
    name = calls;
    config = config();
    targets = one_thread, two_threads, shared_region
}
criterion_main!(calls);
