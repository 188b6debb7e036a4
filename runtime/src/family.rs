//! The kinds of metric family metricate declares.

/// The kind of a metric family, with the value type of its collector: the
/// counters and gauges of annotated fns hold integers (an atomic add is cheaper),
/// those of `counter!` and `gauge!` hold floats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    IntCounter,
    Counter,
    IntGauge,
    Gauge,
    Histogram,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::IntCounter => "integer counter",
            Kind::Counter => "counter",
            Kind::IntGauge => "integer gauge",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }

    /// The kind Prometheus sees.
    pub(crate) fn metric_kind(self) -> crate::MetricKind {
        match self {
            Kind::IntCounter | Kind::Counter => crate::MetricKind::Counter,
            Kind::IntGauge | Kind::Gauge => crate::MetricKind::Gauge,
            Kind::Histogram => crate::MetricKind::Histogram,
        }
    }
}
