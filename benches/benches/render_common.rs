// Shared by render_1000.rs and render_10000.rs, each of which defines
// `SERIES`, `LABELS`, `PROMETHEUS_NAME` and `fill()` (one call per series of its
// own metricate fn) before including this file. Each size is its own binary so
// `metricate::render()` sees only that size's family.

use benches::counting::{self, CountingAllocator};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn render(c: &mut Criterion) {
    fill();
    let registry = benches::prometheus_counters(PROMETHEUS_NAME, LABELS);
    let ours = metricate::render();
    let theirs = benches::prometheus_render(&registry);
    let others: Vec<&str> = ours
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with(PROMETHEUS_NAME))
        .collect();
    if !others.is_empty() {
        println!(
            "metricate::render() also exports {} other series: {others:?}",
            others.len()
        );
    }
    assert_eq!(
        ours.lines()
            .filter(|line| line.starts_with(PROMETHEUS_NAME))
            .count(),
        SERIES
    );
    assert_eq!(
        theirs.lines().filter(|line| !line.starts_with('#')).count(),
        SERIES
    );

    let (ours_allocations, ours_bytes) =
        counting::per_run(20, |_| drop(black_box(metricate::render())));
    let (theirs_allocations, theirs_bytes) = counting::per_run(20, |_| {
        drop(black_box(benches::prometheus_render(&registry)))
    });
    println!("allocations per scrape of {SERIES} counter series (mean over 20 scrapes)");
    println!(
        "{:<34} {:>12} {:>14} {:>12}",
        "variant", "allocs", "bytes", "output bytes"
    );
    println!(
        "{:<34} {ours_allocations:>12.1} {ours_bytes:>14.0} {:>12}",
        "metricate::render()",
        ours.len()
    );
    println!(
        "{:<34} {theirs_allocations:>12.1} {theirs_bytes:>14.0} {:>12}",
        "prometheus gather + TextEncoder",
        theirs.len()
    );
    println!();

    let mut group = c.benchmark_group(format!("render_{SERIES}"));
    group.bench_function("metricate_render", |b| b.iter(metricate::render));
    group.bench_function("prometheus_gather_encode", |b| {
        b.iter(|| benches::prometheus_render(black_box(&registry)))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(20)
}

criterion_group! {
    name = scrape;
    config = config();
    targets = render
}
criterion_main!(scrape);
