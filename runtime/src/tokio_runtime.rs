//! The tokio runtime's own readings (feature `tokio`): its workers, alive
//! tasks, global queue depth, and per worker the time spent busy and the times
//! it parked, read from [`tokio::runtime::RuntimeMetrics`] at each scrape, as
//! computed families. Built with `--cfg tokio_unstable`, also the polls per
//! worker, the tasks spawned and the blocking threads.
//!
//! A saturated runtime shows as workers busy nearly all the time
//! (`rate(tokio_worker_busy_seconds_total[1m])` near 1) and a global queue
//! that does not drain: work arrives faster than the workers take it.
//!
//! ```
//! use metricate::names::{TOKIO_ALIVE_TASKS, TOKIO_WORKERS};
//!
//! let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! metricate::tokio_runtime::register(runtime.handle()).unwrap();
//! let text = metricate::render();
//! assert!(text.contains(&format!("{TOKIO_WORKERS} 2\n")));
//! assert!(text.contains(&format!("{TOKIO_ALIVE_TASKS} 0\n")));
//! assert!(text.contains("tokio_worker_busy_seconds_total{worker=\"1\"} "));
//! ```

use crate::computed::{self, Computed};
use crate::names;
use crate::store::{Callback, Readings};
use crate::vocabulary::{LabelInfo, MetricKind, Problem, SiteInfo};
use std::sync::Arc;
use tokio::runtime::{Handle, RuntimeMetrics};

/// One family read from the runtime's metrics.
struct Reading {
    name: &'static str,
    kind: MetricKind,
    help: &'static str,
    /// Whether it has one series per worker (label `worker`).
    per_worker: bool,
    read: fn(&RuntimeMetrics, usize) -> f64,
}

/// Every family read from the runtime.
#[allow(clippy::cast_precision_loss)]
fn readings() -> Vec<Reading> {
    let mut readings = vec![
        Reading {
            name: names::TOKIO_WORKERS,
            kind: MetricKind::Gauge,
            help: "Worker threads of the tokio runtime.",
            per_worker: false,
            read: |metrics, _| metrics.num_workers() as f64,
        },
        Reading {
            name: names::TOKIO_ALIVE_TASKS,
            kind: MetricKind::Gauge,
            help: "Tasks alive in the tokio runtime: spawned and not yet finished.",
            per_worker: false,
            read: |metrics, _| metrics.num_alive_tasks() as f64,
        },
        Reading {
            name: names::TOKIO_GLOBAL_QUEUE_DEPTH,
            kind: MetricKind::Gauge,
            help:
                "Tasks in the tokio runtime's global queue, waiting for a worker to pick them up.",
            per_worker: false,
            read: |metrics, _| metrics.global_queue_depth() as f64,
        },
    ];
    #[cfg(target_has_atomic = "64")]
    readings.extend([
        Reading {
            name: names::TOKIO_WORKER_BUSY_SECONDS_TOTAL,
            kind: MetricKind::Counter,
            help: "Time each tokio worker spent busy (polling tasks), by worker: its rate is the worker's busy ratio.",
            per_worker: true,
            read: |metrics, worker| metrics.worker_total_busy_duration(worker).as_secs_f64(),
        },
        Reading {
            name: names::TOKIO_WORKER_PARKS_TOTAL,
            kind: MetricKind::Counter,
            help: "Times each tokio worker parked, having no task to run, by worker.",
            per_worker: true,
            read: |metrics, worker| metrics.worker_park_count(worker) as f64,
        },
    ]);
    #[cfg(all(tokio_unstable, target_has_atomic = "64"))]
    readings.extend([
        Reading {
            name: names::TOKIO_WORKER_POLLS_TOTAL,
            kind: MetricKind::Counter,
            help: "Tasks each tokio worker polled, by worker.",
            per_worker: true,
            read: |metrics, worker| metrics.worker_poll_count(worker) as f64,
        },
        Reading {
            name: names::TOKIO_SPAWNED_TASKS_TOTAL,
            kind: MetricKind::Counter,
            help: "Tasks spawned on the tokio runtime.",
            per_worker: false,
            read: |metrics, _| metrics.spawned_tasks_count() as f64,
        },
    ]);
    #[cfg(tokio_unstable)]
    readings.push(Reading {
        name: names::TOKIO_BLOCKING_THREADS,
        kind: MetricKind::Gauge,
        help: "Threads of the tokio runtime's blocking pool.",
        per_worker: false,
        read: |metrics, _| metrics.num_blocking_threads() as f64,
    });
    readings
}

/// Registers the readings of the runtime `handle` runs on, each read at every
/// scrape. Call it once, for the runtime that serves the application (from
/// async code: `register(&tokio::runtime::Handle::current())`). The caller's
/// location is the families' site in the [`catalog`](crate::catalog()).
///
/// # Errors
///
/// [`Problem::Conflict`] when the families are registered already (one runtime
/// per process is exported), naming both sites.
#[track_caller]
pub fn register(handle: &Handle) -> Result<(), Problem> {
    let location = std::panic::Location::caller();
    let site = SiteInfo {
        file: location.file(),
        line: location.line(),
        module_path: "",
        function: None,
    };
    let workers = handle.metrics().num_workers();
    let worker_values: Arc<[&'static str]> = (0..workers)
        .map(|worker| &*Box::leak(worker.to_string().into_boxed_str()))
        .collect();
    for reading in readings() {
        let handle = handle.clone();
        let values = Arc::clone(&worker_values);
        let (per_worker, read) = (reading.per_worker, reading.read);
        let callback: Callback = Arc::new(move || -> Readings {
            let metrics = handle.metrics();
            Ok(if per_worker {
                values
                    .iter()
                    .enumerate()
                    .map(|(worker, value)| (vec![*value], read(&metrics, worker)))
                    .collect()
            } else {
                vec![(Vec::new(), read(&metrics, 0))]
            })
        });
        let labels = if per_worker {
            vec![LabelInfo {
                name: "worker",
                values: Some(worker_values.to_vec()),
            }]
        } else {
            Vec::new()
        };
        computed::declare(
            Computed {
                name: reading.name,
                kind: reading.kind,
                help: reading.help,
                labels,
                site: site.clone(),
            },
            callback,
        )?;
    }
    Ok(())
}
