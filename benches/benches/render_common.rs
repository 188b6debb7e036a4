// Shared by render_1000.rs and render_10000.rs, each of which defines
// `SERIES`, `LABELS`, `PROMETHEUS_NAME` and `fill()` (one call per series of its
// own metricate fn) before including this file. Each size is its own binary so
// `metricate::render()` sees only that size's family.

use benches::counting::CountingAllocator;
use criterion::{criterion_group, criterion_main, Criterion};

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

    benches::compare_scrapes(c, &format!("render_{SERIES}"), SERIES, 20, &registry);
}

fn config() -> Criterion {
    benches::criterion(4, 20)
}

criterion_group! {
    name = scrape;
    config = config();
    targets = render
}
criterion_main!(scrape);
