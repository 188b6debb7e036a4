//! Handles returned by [`counter!`](crate::counter), [`gauge!`](crate::gauge) and
//! [`histogram!`](crate::histogram): one pre-resolved series each, no lookup.

/// A counter series, from [`counter!`](crate::counter).
///
/// ```
/// let tokens = metricate::counter!("doc_tokens_total");
/// tokens.inc();
/// tokens.inc_by(120_u32);
/// tokens.inc_by(0.5);
/// assert_eq!(tokens.get(), 121.5);
/// ```
#[derive(Debug)]
pub struct Counter(pub(crate) Option<prometheus::Counter>);

/// A gauge series, from [`gauge!`](crate::gauge).
///
/// ```
/// let queued = metricate::gauge!("doc_queued_jobs");
/// queued.set(4.0);
/// queued.inc();
/// queued.sub(2.0);
/// assert_eq!(queued.get(), 3.0);
/// ```
#[derive(Debug)]
pub struct Gauge(pub(crate) Option<prometheus::Gauge>);

/// A histogram series, from [`histogram!`](crate::histogram).
///
/// ```
/// let sizes = metricate::histogram!("doc_upload_size_bytes", buckets = [1024.0, 65536.0]);
/// sizes.observe(2048.0);
/// assert_eq!(sizes.sample_count(), 1);
/// ```
#[derive(Debug)]
pub struct Histogram(pub(crate) Option<prometheus::Histogram>);

impl Counter {
    /// A handle that records nothing: what a site whose family could not be
    /// registered gets, so the caller's code still runs.
    pub(crate) const DETACHED: Counter = Counter(None);

    /// Adds 1.
    #[inline]
    pub fn inc(&self) {
        if let Some(counter) = &self.0 {
            counter.inc();
        }
    }

    /// Adds `amount`: any unsigned integer, or an `f64` (or `f32`). A counter only
    /// goes up: negative and NaN amounts are ignored.
    #[inline]
    pub fn inc_by(&self, amount: impl CounterIncrement) {
        let amount = amount.into_increment();
        if let (Some(counter), true) = (&self.0, amount >= 0.0) {
            counter.inc_by(amount);
        }
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        self.0.as_ref().map_or(0.0, prometheus::Counter::get)
    }
}

impl Gauge {
    pub(crate) const DETACHED: Gauge = Gauge(None);

    fn with(&self, update: impl FnOnce(&prometheus::Gauge)) {
        if let Some(gauge) = &self.0 {
            update(gauge);
        }
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, value: f64) {
        self.with(|gauge| gauge.set(value));
    }

    /// Adds 1.
    #[inline]
    pub fn inc(&self) {
        self.with(prometheus::Gauge::inc);
    }

    /// Subtracts 1.
    #[inline]
    pub fn dec(&self) {
        self.with(prometheus::Gauge::dec);
    }

    /// Adds `value`.
    #[inline]
    pub fn add(&self, value: f64) {
        self.with(|gauge| gauge.add(value));
    }

    /// Subtracts `value`.
    #[inline]
    pub fn sub(&self, value: f64) {
        self.with(|gauge| gauge.sub(value));
    }

    /// Sets the value to the current Unix time in seconds, as for
    /// `*_last_success_timestamp_seconds` gauges.
    pub fn set_to_current_time(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        self.set(now);
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        self.0.as_ref().map_or(0.0, prometheus::Gauge::get)
    }
}

impl Histogram {
    pub(crate) const DETACHED: Histogram = Histogram(None);

    /// Records one observation, in the unit the metric's name ends with.
    #[inline]
    pub fn observe(&self, value: f64) {
        if let Some(histogram) = &self.0 {
            histogram.observe(value);
        }
    }

    /// How many observations were recorded.
    pub fn sample_count(&self) -> u64 {
        self.0
            .as_ref()
            .map_or(0, prometheus::Histogram::get_sample_count)
    }

    /// The sum of the observations.
    pub fn sample_sum(&self) -> f64 {
        self.0
            .as_ref()
            .map_or(0.0, prometheus::Histogram::get_sample_sum)
    }
}

/// An amount a [`Counter`] can go up by: an unsigned integer or a float.
pub trait CounterIncrement {
    /// The amount as the `f64` Prometheus counters hold.
    fn into_increment(self) -> f64;
}

macro_rules! lossless_increment {
    ($($unsigned:ty),*) => {$(
        impl CounterIncrement for $unsigned {
            #[inline]
            fn into_increment(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}

lossless_increment!(u8, u16, u32, f32, f64);

macro_rules! rounded_increment {
    ($($unsigned:ty),*) => {$(
        /// Values above 2^53 are rounded to the nearest `f64`, as Prometheus stores them.
        impl CounterIncrement for $unsigned {
            #[inline]
            #[allow(clippy::cast_precision_loss)]
            fn into_increment(self) -> f64 {
                self as f64
            }
        }
    )*};
}

rounded_increment!(u64, u128, usize);
