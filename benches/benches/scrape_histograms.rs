// Shared by scrape_classic.rs and scrape_native.rs, each of which defines
// `KIND` and `fill()` (1000 histogram series of its own kind) before including
// this file: each is its own binary, so a scrape holds only that kind.

use criterion::{criterion_group, criterion_main, Criterion};
use metricate::Format;
use std::hint::black_box;

fn scrape(c: &mut Criterion) {
    fill();
    let size = |format| metricate::render_with(format).len();
    println!(
        "{KIND}: 1000 histogram series, text {} bytes, protobuf {} bytes",
        size(Format::Text),
        size(Format::Protobuf)
    );
    let mut group = c.benchmark_group(format!("scrape_{KIND}"));
    for format in [Format::Text, Format::Protobuf] {
        group.bench_function(format!("{format:?}"), |b| {
            b.iter(|| black_box(metricate::render_with(format)))
        });
    }
    group.finish();
}

fn config() -> Criterion {
    benches::criterion(3, 30)
}

criterion_group! {
    name = histograms;
    config = config();
    targets = scrape
}
criterion_main!(histograms);
