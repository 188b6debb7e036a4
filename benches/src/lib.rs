//! The workloads the benchmarks compare: one fn body, instrumented in each of the
//! ways a Rust service can export a duration histogram and an error counter to
//! Prometheus.
//!
//! Every variant wraps [`body`]: a few nanoseconds of arithmetic that returns
//! `Err` on one call in 64. Where the library supports labels from arguments, the
//! metrics carry one label, `route`, whose type has two values.

use metered::{ErrorCount, HitCount, ResponseTime};
use metricate::LabelValue;
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
};
use std::hint::black_box;
use std::sync::{LazyLock, OnceLock};
use std::time::Instant;

/// The one label of the benchmarks: two values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum Route {
    /// `"search"`.
    Search,
    /// `"upload"`.
    Upload,
}

/// The error [`body`] returns on one call in 64: one value, `"rejected"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum WorkError {
    /// `"rejected"`.
    Rejected,
}

impl std::fmt::Display for WorkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rejected")
    }
}

impl std::error::Error for WorkError {}

/// The histogram buckets of every variant that lets them be chosen: Prometheus'
/// defaults, 5 ms to 10 s.
pub const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The work being measured: a few ns of arithmetic on the call number `n`, and
/// `Err` when `n % 64 == 63`.
#[inline(always)]
pub fn body(route: Route, n: u64) -> Result<u64, WorkError> {
    let mixed = black_box(n)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17)
        ^ route as u64;
    if n % 64 == 63 {
        Err(WorkError::Rejected)
    } else {
        Ok(mixed)
    }
}

/// (a) No instrumentation.
#[inline(never)]
pub fn bare(route: Route, n: u64) -> Result<u64, WorkError> {
    body(route, n)
}

/// The registry of the hand-written `prometheus` variants: their own, so
/// `metricate::render()` and the render benchmarks see only metricate's families.
pub fn hand_registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);
    &REGISTRY
}

struct HandFamilies {
    duration: HistogramVec,
    errors: IntCounterVec,
}

#[allow(clippy::expect_used)]
fn hand_families(prefix: &str) -> HandFamilies {
    let duration = HistogramVec::new(
        HistogramOpts::new(
            format!("{prefix}_duration_seconds"),
            "Duration of the work.",
        )
        .buckets(BUCKETS.to_vec()),
        &["route"],
    )
    .expect("valid histogram");
    let errors = IntCounterVec::new(
        Opts::new(
            format!("{prefix}_errors_total"),
            "Failed calls of the work.",
        ),
        &["route", "error_type"],
    )
    .expect("valid counter");
    let registry = hand_registry();
    registry
        .register(Box::new(duration.clone()))
        .expect("registered once");
    registry
        .register(Box::new(errors.clone()))
        .expect("registered once");
    HandFamilies { duration, errors }
}

/// (b) Hand-written `prometheus`, as it is usually written: `with_label_values`
/// (a hash and a read lock) on every call.
#[inline(never)]
pub fn prometheus_typical(route: Route, n: u64) -> Result<u64, WorkError> {
    static FAMILIES: LazyLock<HandFamilies> = LazyLock::new(|| hand_families("bench_typical"));
    let started = Instant::now();
    let result = body(route, n);
    let families = &*FAMILIES;
    families
        .duration
        .with_label_values(&[route.label_value()])
        .observe(started.elapsed().as_secs_f64());
    if let Err(error) = &result {
        families
            .errors
            .with_label_values(&[route.label_value(), error.label_value()])
            .inc();
    }
    result
}

struct Resolved {
    duration: [Histogram; 2],
    errors: [IntCounter; 2],
}

/// (c) Hand-written `prometheus` at its best: children resolved once, indexed
/// by the label's ordinal.
#[inline(never)]
pub fn prometheus_resolved(route: Route, n: u64) -> Result<u64, WorkError> {
    static RESOLVED: LazyLock<Resolved> = LazyLock::new(|| {
        let families = hand_families("bench_resolved");
        let child = |route: Route| families.duration.with_label_values(&[route.label_value()]);
        let errors = |route: Route| {
            families
                .errors
                .with_label_values(&[route.label_value(), WorkError::Rejected.label_value()])
        };
        Resolved {
            duration: [child(Route::Search), child(Route::Upload)],
            errors: [errors(Route::Search), errors(Route::Upload)],
        }
    });
    let started = Instant::now();
    let result = body(route, n);
    let resolved = &*RESOLVED;
    let index = route as usize;
    resolved.duration[index].observe(started.elapsed().as_secs_f64());
    if result.is_err() {
        resolved.errors[index].inc();
    }
    result
}

// (d) metricate is defined in `benches/calls.rs`, not here: metricate collects
// every annotated fn of the binary at link time, and the render benchmarks must
// see only their own family.

/// (e) autometrics, prometheus backend. Its labels are its own (function,
/// module, caller, result): it has no way to label by an argument.
#[inline(never)]
#[autometrics::autometrics]
pub fn autometrics_instrumented(route: Route, n: u64) -> Result<u64, WorkError> {
    body(route, n)
}

/// (f) metered: a hit counter, an error counter and a response-time histogram
/// (HdrHistogram) in a registry struct. No labels.
#[derive(Default, Debug)]
pub struct MeteredService {
    metrics: MeteredServiceMetrics,
}

#[metered::metered(registry = MeteredServiceMetrics)]
impl MeteredService {
    /// The work, measured.
    #[inline(never)]
    #[measure([HitCount, ErrorCount, ResponseTime])]
    pub fn work(&self, route: Route, n: u64) -> Result<u64, WorkError> {
        body(route, n)
    }
}

/// The one `MeteredService` of the benchmarks.
pub fn metered_service() -> &'static MeteredService {
    static SERVICE: LazyLock<MeteredService> = LazyLock::new(MeteredService::default);
    &SERVICE
}

/// (f) metered, as a plain fn.
#[inline(never)]
pub fn metered_instrumented(route: Route, n: u64) -> Result<u64, WorkError> {
    metered_service().work(route, n)
}

/// The `metrics` recorder, installed once: `metrics-exporter-prometheus` with
/// the same buckets as the others, and a thread doing the upkeep its HTTP
/// listener would otherwise do every 5 s.
#[allow(clippy::expect_used)]
pub fn install_metrics_recorder() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("valid buckets")
            .install_recorder()
            .expect("the only recorder");
        let upkeep = handle.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(5));
            upkeep.run_upkeep();
        });
        handle
    })
}

/// (g) the `metrics` facade with `metrics-exporter-prometheus` installed
/// ([`install_metrics_recorder`] first).
#[inline(never)]
pub fn metrics_instrumented(route: Route, n: u64) -> Result<u64, WorkError> {
    let started = Instant::now();
    let result = body(route, n);
    metrics::histogram!("bench_metrics_duration_seconds", "route" => route.label_value())
        .record(started.elapsed().as_secs_f64());
    if let Err(error) = &result {
        metrics::counter!(
            "bench_metrics_errors_total",
            "route" => route.label_value(),
            "error_type" => error.label_value()
        )
        .increment(1);
    }
    result
}

/// (h) The standard clock alone: `Instant::now()` and `elapsed().as_secs_f64()`
/// around the body.
#[inline(never)]
pub fn std_clock(route: Route, n: u64) -> Result<u64, WorkError> {
    let started = Instant::now();
    let result = body(route, n);
    black_box(started.elapsed().as_secs_f64());
    result
}

/// (h') A TSC clock alone: `quanta::Instant` pair around the body.
#[inline(never)]
pub fn quanta_clock(route: Route, n: u64) -> Result<u64, WorkError> {
    let started = quanta::Instant::now();
    let result = body(route, n);
    black_box(started.elapsed().as_secs_f64());
    result
}

/// The cheapest clock pair: `quanta::Clock::raw()` (the TSC, where quanta finds an
/// invariant one) read twice, the delta scaled to seconds.
#[inline(never)]
pub fn quanta_raw_clock(route: Route, n: u64) -> Result<u64, WorkError> {
    static CLOCK: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);
    let clock = &*CLOCK;
    let started = clock.raw();
    let result = body(route, n);
    black_box(clock.delta_as_nanos(started, clock.raw()) as f64 * 1e-9);
    result
}

/// A histogram observation into thread-local, non-atomic buckets (what a
/// batching design pays on the hot path, before any merge), no clock.
#[inline(never)]
pub fn observe_thread_local(route: Route, n: u64) -> Result<u64, WorkError> {
    use std::cell::Cell;
    struct Local {
        buckets: [Cell<u64>; 12],
        sum: Cell<f64>,
    }
    thread_local! {
        static LOCAL: Local = const {
            Local { buckets: [const { Cell::new(0) }; 12], sum: Cell::new(0.0) }
        };
    }
    let result = body(route, n);
    let value = black_box(1.0e-8);
    LOCAL.with(|local| {
        let index = BUCKETS
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(BUCKETS.len());
        if let Some(bucket) = local.buckets.get(index) {
            bucket.set(bucket.get() + 1);
        }
        local.sum.set(local.sum.get() + value);
    });
    result
}

/// A pre-resolved `Histogram::observe` alone, no clock: what the histogram
/// itself costs.
#[inline(never)]
pub fn observe_only(route: Route, n: u64) -> Result<u64, WorkError> {
    static HISTOGRAM: LazyLock<Histogram> = LazyLock::new(|| {
        #[allow(clippy::expect_used)]
        Histogram::with_opts(
            HistogramOpts::new("bench_observe_seconds", "Observe only.").buckets(BUCKETS.to_vec()),
        )
        .expect("valid histogram")
    });
    let result = body(route, n);
    HISTOGRAM.observe(black_box(1.0e-8));
    result
}

/// A benchmarked variant: its id, a short description, and the fn.
pub type Variant = (
    &'static str,
    &'static str,
    fn(Route, u64) -> Result<u64, WorkError>,
);

/// Every variant but (d), in table order; `benches/calls.rs` adds (d).
pub const VARIANTS: &[Variant] = &[
    ("a_bare", "no instrumentation", bare),
    (
        "b_prometheus_typical",
        "prometheus, with_label_values per call",
        prometheus_typical,
    ),
    (
        "c_prometheus_resolved",
        "prometheus, children resolved once",
        prometheus_resolved,
    ),
    (
        "e_autometrics",
        "#[autometrics] (prometheus-0_14)",
        autometrics_instrumented,
    ),
    (
        "f_metered",
        "metered #[measure([HitCount, ErrorCount, ResponseTime])]",
        metered_instrumented,
    ),
    (
        "g_metrics",
        "metrics + metrics-exporter-prometheus",
        metrics_instrumented,
    ),
    ("h_std_clock", "Instant::now() pair only", std_clock),
    ("h_quanta_clock", "quanta::Instant pair only", quanta_clock),
    (
        "x_quanta_raw_clock",
        "quanta::Clock::raw() pair only",
        quanta_raw_clock,
    ),
    (
        "x_observe_only",
        "pre-resolved Histogram::observe only",
        observe_only,
    ),
    (
        "x_observe_thread_local",
        "thread-local non-atomic histogram only",
        observe_thread_local,
    ),
];

/// Makes every variant ready: registers its families and installs the `metrics`
/// recorder, so benchmarks and allocation counts see only steady-state calls.
pub fn warm_up(variants: &[Variant]) {
    install_metrics_recorder();
    for (_, _, variant) in variants {
        for n in 0..256 {
            let route = if n % 2 == 0 {
                Route::Search
            } else {
                Route::Upload
            };
            let _ = black_box(variant(route, n));
        }
    }
}

/// A global allocator that counts allocations, for the allocation figures.
/// Each bench binary installs it with `#[global_allocator]`.
pub mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        /// Allocations and bytes requested by this thread: other threads (the
        /// `metrics` upkeep thread) do not blur the figures.
        static COUNTS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    fn count(bytes: usize) {
        let _ = COUNTS.try_with(|counts| {
            let (allocations, total) = counts.get();
            counts.set((allocations + 1, total + bytes as u64));
        });
    }

    /// [`System`], counting every allocation and reallocation per thread.
    #[derive(Debug)]
    pub struct CountingAllocator;

    // SAFETY: every call is forwarded to `System` unchanged.
    unsafe impl GlobalAlloc for CountingAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count(layout.size());
            // SAFETY: the caller's contract is `System`'s.
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count(layout.size());
            // SAFETY: as above.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count(new_size);
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// Allocations (including reallocations) and bytes requested so far by the
    /// current thread.
    pub fn snapshot() -> (u64, u64) {
        COUNTS.with(Cell::get)
    }

    /// Allocations and bytes per run of `f` on the current thread, averaged over
    /// `runs` runs.
    pub fn per_run(runs: u64, mut f: impl FnMut(u64)) -> (f64, f64) {
        let (allocations, bytes) = snapshot();
        for run in 0..runs {
            f(run);
        }
        let (allocations_after, bytes_after) = snapshot();
        (
            (allocations_after - allocations) as f64 / runs as f64,
            (bytes_after - bytes) as f64 / runs as f64,
        )
    }
}

/// The label type of the render benchmarks: ten values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
#[allow(missing_docs)]
pub enum Digit {
    D0,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    D7,
    D8,
    D9,
}

impl Digit {
    /// Every value, in ordinal order.
    pub const ALL: [Digit; 10] = [
        Digit::D0,
        Digit::D1,
        Digit::D2,
        Digit::D3,
        Digit::D4,
        Digit::D5,
        Digit::D6,
        Digit::D7,
        Digit::D8,
        Digit::D9,
    ];
}

/// A plain `prometheus` registry with one counter family of `10^labels` series,
/// labelled like the metricate one, each series incremented once.
#[allow(clippy::expect_used)]
pub fn prometheus_counters(name: &str, labels: u32) -> Registry {
    let registry = Registry::new();
    let names: Vec<String> = (0..labels).map(|label| format!("l{label}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let counters =
        IntCounterVec::new(Opts::new(name, "Calls that ended."), &names).expect("valid counter");
    registry
        .register(Box::new(counters.clone()))
        .expect("registered once");
    let mut values = vec![""; labels as usize];
    for series in 0..10usize.pow(labels) {
        let mut rest = series;
        for value in values.iter_mut().rev() {
            *value = Digit::ALL[rest % 10].label_value();
            rest /= 10;
        }
        counters.with_label_values(&values).inc();
    }
    registry
}

/// `gather()` and `TextEncoder::encode` of `registry`: what a hand-written
/// `/metrics` handler does.
#[allow(clippy::expect_used)]
pub fn prometheus_render(registry: &Registry) -> String {
    use prometheus::Encoder;
    let mut buffer = Vec::new();
    prometheus::TextEncoder::new()
        .encode(&registry.gather(), &mut buffer)
        .expect("encodable");
    String::from_utf8(buffer).expect("utf-8")
}

/// Writes a table of results for `benches/report.py` to
/// `target/metricate-bench/<name>.json`: the column headings (thread counts)
/// and one row of values per variant.
pub fn write_results(name: &str, columns: &[usize], rows: &[(&str, Vec<f64>)]) {
    let directory =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/metricate-bench");
    let rows: Vec<String> = rows
        .iter()
        .map(|(variant, values)| {
            let values: Vec<String> = values.iter().map(|value| format!("{value:.3}")).collect();
            format!(
                "{{\"name\": \"{variant}\", \"values\": [{}]}}",
                values.join(", ")
            )
        })
        .collect();
    let columns: Vec<String> = columns.iter().map(usize::to_string).collect();
    let json = format!(
        "{{\"columns\": [{}], \"rows\": [\n  {}\n]}}\n",
        columns.join(", "),
        rows.join(",\n  ")
    );
    let written = std::fs::create_dir_all(&directory)
        .and_then(|()| std::fs::write(directory.join(format!("{name}.json")), json));
    if let Err(error) = written {
        eprintln!("could not write the {name} results: {error}");
    }
}

/// Prints the allocations and bytes per scrape of `metricate::render()` and
/// of `registry`'s gather + `TextEncoder` (means over `scrapes`), then times
/// both in the criterion group `group`: what every scrape bench compares.
pub fn compare_scrapes(
    c: &mut criterion::Criterion,
    group: &str,
    series: usize,
    scrapes: u64,
    registry: &Registry,
) {
    use std::hint::black_box;
    let ours = metricate::render().len();
    let theirs = prometheus_render(registry).len();
    let (ours_allocations, ours_bytes) =
        counting::per_run(scrapes, |_| drop(black_box(metricate::render())));
    let (theirs_allocations, theirs_bytes) =
        counting::per_run(scrapes, |_| drop(black_box(prometheus_render(registry))));
    println!("allocations per scrape of {series} counter series (mean over {scrapes} scrapes)");
    println!(
        "{:<34} {:>12} {:>14} {:>12}",
        "variant", "allocs", "bytes", "output bytes"
    );
    println!(
        "{:<34} {ours_allocations:>12.1} {ours_bytes:>14.0} {ours:>12}",
        "metricate::render()"
    );
    println!(
        "{:<34} {theirs_allocations:>12.1} {theirs_bytes:>14.0} {theirs:>12}",
        "prometheus gather + TextEncoder"
    );
    println!();
    let mut group = c.benchmark_group(group);
    group.bench_function("metricate_render", |b| b.iter(metricate::render));
    group.bench_function("prometheus_gather_encode", |b| {
        b.iter(|| prometheus_render(black_box(registry)))
    });
    group.finish();
}

/// Criterion with a 1 s warm-up, `measurement_secs` of measurement and
/// `samples` samples: the short times the benches set in code (criterion's
/// command-line options override them).
pub fn criterion(measurement_secs: u64, samples: usize) -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(measurement_secs))
        .sample_size(samples)
}

/// Runs `timed` on two threads released together and returns the mean of
/// their own timings: the per-thread time of a two-thread bench, for
/// criterion's `iter_custom`.
pub fn on_two_threads(timed: impl Fn() -> std::time::Duration + Sync) -> std::time::Duration {
    let barrier = std::sync::Barrier::new(2);
    let elapsed: Vec<std::time::Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (barrier, timed) = (&barrier, &timed);
                scope.spawn(move || {
                    barrier.wait();
                    timed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    elapsed.iter().sum::<std::time::Duration>() / 2
}
