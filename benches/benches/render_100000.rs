//! A service with 100 000 series: the process' resident memory once they exist,
//! and the time and allocations of one scrape, `metricate::render()` against
//! `prometheus` gather + `TextEncoder` of as many series. Ten families of
//! 10 x 10 x 10 x 10 counter series (metricate's cap per family is 10 000).

use benches::counting::CountingAllocator;
use benches::Digit;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const FAMILIES: usize = 10;
const SERIES: usize = 100_000;

macro_rules! families {
    ($($name:ident $metric:literal;)*) => {
        $(
            #[metricate::instrument_metric(
                calls = $metric,
                labels(l0 = a, l1 = b, l2 = c, l3 = d),
                max_series = 10000
            )]
            fn $name(a: Digit, b: Digit, c: Digit, d: Digit) {
                black_box((a, b, c, d));
            }
        )*
        /// Every series of every family once.
        fn fill() {
            for a in Digit::ALL {
                for b in Digit::ALL {
                    for c in Digit::ALL {
                        for d in Digit::ALL {
                            $($name(a, b, c, d);)*
                        }
                    }
                }
            }
        }
    };
}

families! {
    family_0 "scale_0_calls_total";
    family_1 "scale_1_calls_total";
    family_2 "scale_2_calls_total";
    family_3 "scale_3_calls_total";
    family_4 "scale_4_calls_total";
    family_5 "scale_5_calls_total";
    family_6 "scale_6_calls_total";
    family_7 "scale_7_calls_total";
    family_8 "scale_8_calls_total";
    family_9 "scale_9_calls_total";
}

/// The process' resident memory, in MiB.
fn resident_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))?
                .split_whitespace()
                .next()?
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The `prometheus` registry holding as many series, in as many families.
fn prometheus_registry() -> prometheus::Registry {
    use metricate::LabelValue;
    let registry = prometheus::Registry::new();
    for family in 0..FAMILIES {
        let counters = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                format!("scale_hand_{family}_calls_total"),
                "Calls that ended.",
            ),
            &["l0", "l1", "l2", "l3"],
        )
        .unwrap_or_else(|error| panic!("{error}"));
        let _ = registry.register(Box::new(counters.clone()));
        for a in Digit::ALL {
            for b in Digit::ALL {
                for c in Digit::ALL {
                    for d in Digit::ALL {
                        counters
                            .with_label_values(&[
                                a.label_value(),
                                b.label_value(),
                                c.label_value(),
                                d.label_value(),
                            ])
                            .inc();
                    }
                }
            }
        }
    }
    registry
}

fn scale(c: &mut Criterion) {
    let start = resident_mib();
    let started = Instant::now();
    metricate::init();
    let init_time = started.elapsed();
    let created = resident_mib();
    let started = Instant::now();
    fill();
    let filled = started.elapsed();
    let recorded = resident_mib();
    let text = metricate::render();
    let rendered = resident_mib();
    let lines = text
        .lines()
        .filter(|line| line.starts_with("scale_") && !line.starts_with('#'))
        .count();
    assert_eq!(lines, SERIES);
    println!("resident memory of the process, 100 000 metricate series (MiB)");
    println!("  at start {start:.1}, series created at 0 (init) {created:.1}, after one call per series {recorded:.1}, after a scrape {rendered:.1}");
    println!("  start-up: init() creating every series at 0: {init_time:.2?} for {SERIES}");
    println!("  first call of every series: {filled:.2?} for {SERIES}");

    let before_theirs = resident_mib();
    let registry = prometheus_registry();
    let theirs = benches::prometheus_render(&registry);
    println!(
        "resident memory added by the prometheus registry of as many series: {:.1} MiB",
        resident_mib() - before_theirs
    );
    assert_eq!(
        theirs.lines().filter(|line| !line.starts_with('#')).count(),
        SERIES
    );

    benches::compare_scrapes(c, "render_100000", SERIES, 5, &registry);
}

fn config() -> Criterion {
    benches::criterion(6, 10)
}

criterion_group! {
    name = scrape;
    config = config();
    targets = scale
}
criterion_main!(scrape);
