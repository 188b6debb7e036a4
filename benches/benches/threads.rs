//! CPU cost per call against the number of threads calling one series: 1, 2,
//! 8 and 64 threads, for metricate and for the best hand-written `prometheus`
//! code (children resolved once). Each thread calls for a fixed time; the cost
//! is the CPU time the threads had (wall time x the CPUs they could use) over
//! the calls they made, so threads beyond the CPU count do not inflate it.
//! `METRICATE_THREAD_SLOTS=64` gives each thread a slot; each table still
//! gives regions of their own to its first eight writers only.
//!
//! Prints a table and writes `target/metricate-bench/threads.json` for
//! `benches/report.py`.

use benches::{Route, WorkError};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

#[inline(never)]
#[metricate::instrument_metric(
    histogram = "threads_bench_duration_seconds",
    errors = "threads_bench_errors_total",
    labels(route = route)
)]
fn metricate_instrumented(route: Route, n: u64) -> Result<u64, WorkError> {
    benches::body(route, n)
}

/// An instrumented call.
type Call = fn(Route, u64) -> Result<u64, WorkError>;

/// ns of CPU per call of `call` with `threads` threads calling for `run`.
fn cost(threads: usize, run: Duration, call: Call) -> f64 {
    let stop = AtomicBool::new(false);
    let calls = AtomicU64::new(0);
    let start = Barrier::new(threads + 1);
    let mut elapsed = Duration::ZERO;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                start.wait();
                let mut made = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..256 {
                        let _ = black_box(call(black_box(Route::Search), made));
                        made += 1;
                    }
                }
                calls.fetch_add(made, Ordering::Relaxed);
            });
        }
        start.wait();
        let started = Instant::now();
        std::thread::sleep(run);
        stop.store(true, Ordering::Relaxed);
        elapsed = started.elapsed();
    });
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    elapsed.as_nanos() as f64 * threads.min(cpus) as f64 / calls.load(Ordering::Relaxed) as f64
}

fn main() {
    // SAFETY (of intent): set at the start of `main`, before any other thread exists.
    std::env::set_var("METRICATE_THREAD_SLOTS", "64");
    benches::warm_up(benches::VARIANTS);
    let _ = metricate_instrumented(Route::Search, 0);
    let thread_counts = [1usize, 2, 8, 64];
    let run = Duration::from_millis(800);
    let variants: [(&str, Call); 2] = [
        ("metricate", metricate_instrumented),
        ("prometheus_resolved", benches::prometheus_resolved),
    ];
    let mut rows = Vec::new();
    for (name, call) in variants {
        let costs: Vec<f64> = thread_counts
            .iter()
            .map(|&threads| cost(threads, run, call))
            .collect();
        rows.push((name, costs));
    }
    println!("ns of CPU per call, by threads calling one series");
    print!("{:<22}", "variant");
    for threads in thread_counts {
        print!(" {:>10}", format!("{threads} thr"));
    }
    println!();
    for (name, costs) in &rows {
        print!("{name:<22}");
        for cost in costs {
            print!(" {cost:>10.1}");
        }
        println!();
    }
    benches::write_results("threads", &thread_counts, &rows);
}
