//! What a load run did: requests by endpoint and status, throughput, latency.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Requests by endpoint and status, and their latencies.
#[derive(Clone)]
pub struct Summary {
    counts: BTreeMap<(&'static str, u16), u64>,
    /// Latencies in microseconds, 1 µs to 60 s, 3 significant digits.
    latency: Option<Histogram<u64>>,
    elapsed: Duration,
}

impl Summary {
    pub(super) fn new() -> Summary {
        Summary {
            counts: BTreeMap::new(),
            latency: Histogram::new_with_bounds(1, 60_000_000, 3).ok(),
            elapsed: Duration::ZERO,
        }
    }

    /// One request to `endpoint` answered `status` (0: no answer) after `latency`.
    pub(super) fn record(&mut self, endpoint: &'static str, status: u16, latency: Duration) {
        *self.counts.entry((endpoint, status)).or_insert(0) += 1;
        if let Some(histogram) = &mut self.latency {
            let micros = u64::try_from(latency.as_micros())
                .unwrap_or(u64::MAX)
                .clamp(1, 60_000_000);
            let _ = histogram.record(micros);
        }
    }

    pub(super) fn finish(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
    }

    /// Requests sent.
    pub fn requests(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Requests answered with a 5xx, or not answered.
    pub fn server_errors(&self) -> u64 {
        self.counts
            .iter()
            .filter(|((_, status), _)| *status >= 500 || *status == 0)
            .map(|(_, count)| count)
            .sum()
    }

    /// Requests by status.
    pub fn by_status(&self) -> BTreeMap<u16, u64> {
        let mut statuses = BTreeMap::new();
        for ((_, status), count) in &self.counts {
            *statuses.entry(*status).or_insert(0) += count;
        }
        statuses
    }

    /// Requests per second.
    pub fn throughput(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q`, in milliseconds.
    pub fn latency_ms(&self, q: f64) -> f64 {
        self.latency.as_ref().map_or(0.0, |histogram| {
            histogram.value_at_quantile(q) as f64 / 1000.0
        })
    }

    /// The slowest request, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.latency
            .as_ref()
            .map_or(0.0, |histogram| histogram.max() as f64 / 1000.0)
    }

    /// The summary as JSON.
    pub fn to_json(&self) -> String {
        let by_endpoint: Vec<serde_json::Value> = self
            .counts
            .iter()
            .map(|((endpoint, status), count)| {
                serde_json::json!({ "endpoint": endpoint, "status": status, "requests": count })
            })
            .collect();
        serde_json::json!({
            "requests": self.requests(),
            "seconds": self.elapsed.as_secs_f64(),
            "throughput": self.throughput(),
            "by_status": self.by_status(),
            "by_endpoint": by_endpoint,
            "latency_ms": {
                "p50": self.latency_ms(0.5),
                "p90": self.latency_ms(0.9),
                "p99": self.latency_ms(0.99),
                "max": self.max_ms(),
            },
        })
        .to_string()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<28} {:>6} {:>10}", "endpoint", "status", "requests")?;
        for ((endpoint, status), count) in &self.counts {
            let status = if *status == 0 {
                "none".to_owned()
            } else {
                status.to_string()
            };
            writeln!(f, "{endpoint:<28} {status:>6} {count:>10}")?;
        }
        writeln!(f)?;
        let statuses: Vec<String> = self
            .by_status()
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect();
        writeln!(
            f,
            "{} requests in {:.1} s: {:.0} requests/s; by status {}",
            self.requests(),
            self.elapsed.as_secs_f64(),
            self.throughput(),
            statuses.join(", ")
        )?;
        write!(
            f,
            "latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.latency_ms(0.5),
            self.latency_ms(0.9),
            self.latency_ms(0.99),
            self.max_ms()
        )
    }
}
