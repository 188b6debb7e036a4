//! Heap bytes per series that metricate, `prometheus` and `prometheus-client`
//! hold for 1000 counter series and 1000 histogram series of 12 buckets, when
//! 1, 2, 8 and 64 threads have recorded into each (metricate keeps a region of
//! cells per thread slot that writes a table; the others share one set of
//! atomics). Live bytes are counted by the global allocator: allocated minus
//! freed. `METRICATE_THREAD_SLOTS=64` gives every thread a slot of its own, as
//! on a machine with 32 CPUs; the default caps them at twice the CPU count.
//!
//! Prints a table, one row per library and kind, one column per thread count.

use benches::Digit;
use prometheus_client::metrics::counter::Counter as ClientCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram as ClientHistogram;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Barrier;

/// [`System`], keeping the number of live heap bytes.
struct LiveBytes;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged.
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LiveBytes = LiveBytes;

const SERIES: usize = 1000;
/// 12 bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

macro_rules! metricate_sites {
    ($($counter:ident $histogram:ident $counter_name:literal $histogram_name:literal;)*) => {$(
        #[metricate::instrument_metric(calls = $counter_name, labels(a = a, b = b, c = c))]
        fn $counter(a: Digit, b: Digit, c: Digit) {
            black_box((a, b, c));
        }

        #[metricate::instrument_metric(
            histogram = $histogram_name,
            labels(a = a, b = b, c = c),
            buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]
        )]
        fn $histogram(a: Digit, b: Digit, c: Digit) {
            black_box((a, b, c));
        }
    )*};
}

// One pair of sites per thread count, so each is measured from nothing.
metricate_sites! {
    counter_1 histogram_1 "memory_1_calls_total" "memory_1_duration_seconds";
    counter_2 histogram_2 "memory_2_calls_total" "memory_2_duration_seconds";
    counter_8 histogram_8 "memory_8_calls_total" "memory_8_duration_seconds";
    counter_64 histogram_64 "memory_64_calls_total" "memory_64_duration_seconds";
}

/// Every label combination, once.
fn each_series(mut record: impl FnMut(Digit, Digit, Digit)) {
    for a in Digit::ALL {
        for b in Digit::ALL {
            for c in Digit::ALL {
                record(a, b, c);
            }
        }
    }
}

fn label_values(a: Digit, b: Digit, c: Digit) -> [&'static str; 3] {
    use metricate::LabelValue;
    [a.label_value(), b.label_value(), c.label_value()]
}

/// Live bytes added by `record`ing every series from `threads` threads, all
/// alive until the last has recorded (each holds its slot), per series.
fn bytes_per_series(threads: usize, record: impl Fn() + Sync) -> f64 {
    let before = LIVE.load(Ordering::Relaxed);
    let recorded = Barrier::new(threads + 1);
    let measured = Barrier::new(threads + 1);
    let mut after = 0;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                record();
                recorded.wait();
                measured.wait();
            });
        }
        recorded.wait();
        after = LIVE.load(Ordering::Relaxed);
        measured.wait();
    });
    (after - before) as f64 / SERIES as f64
}

fn main() {
    // Before metricate reads it: every thread a slot of its own.
    // SAFETY (of intent): set at the start of `main`, before any other thread exists.
    std::env::set_var("METRICATE_THREAD_SLOTS", "64");

    let thread_counts = [1usize, 2, 8, 64];
    type Row = (&'static str, Vec<f64>);
    let mut rows: Vec<Row> = Vec::new();

    let counters: [fn(Digit, Digit, Digit); 4] = [counter_1, counter_2, counter_8, counter_64];
    let histograms: [fn(Digit, Digit, Digit); 4] =
        [histogram_1, histogram_2, histogram_8, histogram_64];
    rows.push((
        "metricate counter",
        thread_counts
            .iter()
            .zip(counters)
            .map(|(&threads, site)| bytes_per_series(threads, || each_series(site)))
            .collect(),
    ));
    rows.push((
        "metricate histogram",
        thread_counts
            .iter()
            .zip(histograms)
            .map(|(&threads, site)| bytes_per_series(threads, || each_series(site)))
            .collect(),
    ));

    rows.push((
        "prometheus counter",
        thread_counts
            .iter()
            .map(|&threads| {
                let opts = prometheus::Opts::new("memory_counter_total", "Calls.");
                let before = LIVE.load(Ordering::Relaxed);
                let counters = prometheus::IntCounterVec::new(opts, &["a", "b", "c"])
                    .unwrap_or_else(|error| panic!("{error}"));
                let created = (LIVE.load(Ordering::Relaxed) - before) as f64 / SERIES as f64;
                let recorded = bytes_per_series(threads, || {
                    each_series(|a, b, c| counters.with_label_values(&label_values(a, b, c)).inc())
                });
                black_box(&counters);
                created + recorded
            })
            .collect(),
    ));
    rows.push((
        "prometheus histogram",
        thread_counts
            .iter()
            .map(|&threads| {
                let opts = prometheus::HistogramOpts::new("memory_duration_seconds", "Calls.")
                    .buckets(BUCKETS.to_vec());
                let before = LIVE.load(Ordering::Relaxed);
                let histograms = prometheus::HistogramVec::new(opts, &["a", "b", "c"])
                    .unwrap_or_else(|error| panic!("{error}"));
                let created = (LIVE.load(Ordering::Relaxed) - before) as f64 / SERIES as f64;
                let recorded = bytes_per_series(threads, || {
                    each_series(|a, b, c| {
                        histograms
                            .with_label_values(&label_values(a, b, c))
                            .observe(0.01)
                    })
                });
                black_box(&histograms);
                created + recorded
            })
            .collect(),
    ));

    type Labels = Vec<(String, String)>;
    let labels = |a, b, c| -> Labels {
        let [a, b, c] = label_values(a, b, c);
        vec![
            ("a".to_owned(), a.to_owned()),
            ("b".to_owned(), b.to_owned()),
            ("c".to_owned(), c.to_owned()),
        ]
    };
    rows.push((
        "prometheus-client counter",
        thread_counts
            .iter()
            .map(|&threads| {
                let family = Family::<Labels, ClientCounter>::default();
                let bytes = bytes_per_series(threads, || {
                    each_series(|a, b, c| {
                        family.get_or_create(&labels(a, b, c)).inc();
                    })
                });
                black_box(&family);
                bytes
            })
            .collect(),
    ));
    rows.push((
        "prometheus-client histogram",
        thread_counts
            .iter()
            .map(|&threads| {
                let family = Family::<Labels, ClientHistogram>::new_with_constructor(|| {
                    ClientHistogram::new(BUCKETS)
                });
                let bytes = bytes_per_series(threads, || {
                    each_series(|a, b, c| family.get_or_create(&labels(a, b, c)).observe(0.01))
                });
                black_box(&family);
                bytes
            })
            .collect(),
    ));

    benches::write_results("memory", &thread_counts, &rows);
    println!("heap bytes per series, {SERIES} series, by threads that recorded into each");
    print!("{:<30}", "library and kind");
    for threads in thread_counts {
        print!(" {:>12}", format!("{threads} thread(s)"));
    }
    println!();
    for (name, bytes) in &rows {
        print!("{name:<30}");
        for value in bytes {
            print!(" {value:>12.0}");
        }
        println!();
    }
}
