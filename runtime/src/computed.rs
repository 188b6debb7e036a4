//! Gauges computed when Prometheus scrapes: rows in a table, a pool's active and
//! idle connections. A callback that fails or panics does not break the scrape:
//! its gauge is left out of that scrape and the failure is counted in
//! `metricate_callback_failures_total{metric="..."}`.

use crate::LabelValue;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{GaugeVec, IntCounterVec, Opts};
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::LazyLock;

/// What a computed gauge's callback may return: a number, an `Option` (`None`
/// leaves the gauge out of this scrape), a `Result` (an `Err` counts as a
/// failure), or, for a gauge with a label, pairs of label value and number.
pub trait Reading {
    /// The label values and numbers read; `Err` with a reason when the read failed.
    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String>;
}

macro_rules! numeric_reading {
    ($($number:ty),*) => {$(
        impl Reading for $number {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
                Ok(vec![(None, self as f64)])
            }
        }
    )*};
}

numeric_reading!(f64, f32, i64, i32, u64, u32, usize);

impl<T: Reading> Reading for Option<T> {
    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
        self.map_or_else(|| Ok(Vec::new()), Reading::readings)
    }
}

impl<T: Reading, E: Display> Reading for Result<T, E> {
    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
        self.map_err(|error| error.to_string())?.readings()
    }
}

impl<L: LabelValue> Reading for Vec<(L, f64)> {
    fn readings(self) -> Result<Vec<(Option<&'static str>, f64)>, String> {
        Ok(self
            .into_iter()
            .map(|(label, value)| (Some(label.label_value()), value))
            .collect())
    }
}

static FAILURES: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    let failures = IntCounterVec::new(
        Opts::new(
            "metricate_callback_failures_total",
            "Scrapes in which the callback of a computed metric failed or panicked, by metric.",
        ),
        &["metric"],
    )
    .ok()?;
    crate::registry()
        .register(Box::new(failures.clone()))
        .ok()?;
    Some(failures)
});

/// A gauge whose value a callback computes at scrape time.
struct ComputedGauge<F> {
    name: &'static str,
    label: Option<&'static str>,
    gauge: GaugeVec,
    read: F,
}

impl<F, R> Collector for ComputedGauge<F>
where
    F: Fn() -> R + Send + Sync,
    R: Reading,
{
    fn desc(&self) -> Vec<&Desc> {
        self.gauge.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let read = catch_unwind(AssertUnwindSafe(|| (self.read)().readings()));
        match read {
            Ok(Ok(readings)) => {
                self.gauge.reset();
                for (value, reading) in readings {
                    let labels: Vec<&str> = match (self.label, value) {
                        (Some(_), Some(value)) => vec![value],
                        _ => Vec::new(),
                    };
                    if let Ok(gauge) = self.gauge.get_metric_with_label_values(&labels) {
                        gauge.set(reading);
                    }
                }
                self.gauge.collect()
            }
            Ok(Err(_)) | Err(_) => {
                if let Some(failures) = FAILURES.as_ref() {
                    failures.with_label_values(&[self.name]).inc();
                }
                Vec::new()
            }
        }
    }
}

/// Registers a gauge whose value `read` computes at each scrape. Use it through
/// [`computed_gauge!`](crate::computed_gauge), which checks the name at compile
/// time; this function checks it at run time.
///
/// `label` names the label of a callback returning `Vec<(L, f64)>`.
///
/// # Errors
///
/// When the name or label is invalid, or already registered.
///
/// ```
/// metricate::register_computed_gauge("doc_rows_in_jobs_table", "Rows in the jobs table.", None, || 42_u64)
///     .unwrap();
/// assert!(metricate::render().contains("doc_rows_in_jobs_table 42"));
/// ```
pub fn register_computed_gauge<F, R>(
    name: &'static str,
    help: &'static str,
    label: Option<&'static str>,
    read: F,
) -> prometheus::Result<()>
where
    F: Fn() -> R + Send + Sync + 'static,
    R: Reading + 'static,
{
    LazyLock::force(&FAILURES);
    let labels: Vec<&str> = label.into_iter().collect();
    let gauge = GaugeVec::new(
        Opts::new(name, if help.is_empty() { name } else { help }),
        &labels,
    )?;
    crate::registry().register(Box::new(ComputedGauge {
        name,
        label,
        gauge,
        read,
    }))
}
