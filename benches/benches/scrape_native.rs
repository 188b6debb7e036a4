//! One scrape of 1000 native histogram series, in the text and protobuf formats.

use benches::Digit;

const KIND: &str = "native";

/// 1000 series, each observed once.
#[metricate::instrument_metric(
    histogram = "scrape_native_duration_seconds",
    labels(a = a, b = b, c = c),
    native(schema = 3),
)]
fn series(a: Digit, b: Digit, c: Digit) {
    std::hint::black_box((a, b, c));
}

fn fill() {
    for a in Digit::ALL {
        for b in Digit::ALL {
            for c in Digit::ALL {
                series(a, b, c);
            }
        }
    }
}

include!("scrape_histograms.rs");
