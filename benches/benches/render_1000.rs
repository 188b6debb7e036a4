//! `metricate::render()` of 1 000 counter series against `prometheus` gather +
//! `TextEncoder` of the same number.

use benches::Digit;

const SERIES: usize = 1_000;
const LABELS: u32 = 3;
const PROMETHEUS_NAME: &str = "bench_render_calls_total";

/// One family of 10 x 10 x 10 series.
#[metricate::instrument_metric(calls = "bench_render_calls_total", labels(l0 = a, l1 = b, l2 = c))]
fn series(a: Digit, b: Digit, c: Digit) {
    std::hint::black_box((a, b, c));
}

/// Every series once.
fn fill() {
    for a in Digit::ALL {
        for b in Digit::ALL {
            for c in Digit::ALL {
                series(a, b, c);
            }
        }
    }
}

include!("render_common.rs");
