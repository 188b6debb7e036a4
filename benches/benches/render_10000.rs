//! `metricate::render()` of 10 000 counter series against `prometheus` gather +
//! `TextEncoder` of the same number.

use benches::Digit;

const SERIES: usize = 10_000;
const LABELS: u32 = 4;
const PROMETHEUS_NAME: &str = "bench_render_calls_total";

/// One family of 10 x 10 x 10 x 10 series, the largest budget metricate allows.
#[metricate::instrument_metric(
    calls = "bench_render_calls_total",
    labels(l0 = a, l1 = b, l2 = c, l3 = d),
    max_series = 10000
)]
fn series(a: Digit, b: Digit, c: Digit, d: Digit) {
    std::hint::black_box((a, b, c, d));
}

/// Every series once.
fn fill() {
    for a in Digit::ALL {
        for b in Digit::ALL {
            for c in Digit::ALL {
                for d in Digit::ALL {
                    series(a, b, c, d);
                }
            }
        }
    }
}

include!("render_common.rs");
