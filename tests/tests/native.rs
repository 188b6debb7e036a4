//! A real Prometheus (Debian's 2.42) with `native-histograms` and
//! `exemplar-storage` scrapes a service through the protobuf format:
//! `histogram_quantile` over the native histogram agrees with the exact
//! quantile of the observed durations within schema 3's error bound, and the
//! exemplars Prometheus stores carry the trace ids the calls ran under.

use metricate::exemplars::{self, TraceId};
use metricate::instrument_metric;
use metricate_tests::servers::{self, wait_until};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The trace of the call in progress (0: none).
static CURRENT_TRACE: AtomicU64 = AtomicU64::new(0);

fn current_trace() -> Option<TraceId> {
    match CURRENT_TRACE.load(Ordering::Relaxed) {
        0 => None,
        id => Some(TraceId(u128::from(id) << 64 | 0x5eed)),
    }
}

/// Waits, as a handler waits on a slow dependency.
#[instrument_metric(histogram = "native_wait_duration_seconds", native(schema = 3))]
async fn wait(pause: Duration) {
    tokio::time::sleep(pause).await;
}

/// The `q` quantile of `sorted` durations, as Prometheus defines it on the
/// observations themselves: the smallest value with at least `q` of them at
/// or below it.
fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_native_histograms_and_exemplars_through_protobuf() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = listener.local_addr().unwrap();
    let app: axum::Router =
        axum::Router::new().merge(metricate::http::MetricsEndpoint::new().router());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: native\n    static_configs:\n      - targets: ['{target}']\n"
    );
    let Some(prometheus) = tokio::task::spawn_blocking(move || {
        servers::prometheus(
            &config,
            &[],
            &["exemplar-storage", "native-histograms"],
            &[],
        )
    })
    .await
    .unwrap() else {
        return;
    };

    exemplars::set_trace_id_source(current_trace);
    let mut observed = Vec::new();
    let mut traces = Vec::new();
    for call in 0..60_u64 {
        let id = call + 1;
        CURRENT_TRACE.store(id, Ordering::Relaxed);
        let pause = Duration::from_millis(1 + (call * 7) % 40);
        let started = Instant::now();
        wait(pause).await;
        observed.push(started.elapsed().as_secs_f64());
        traces.push(TraceId(u128::from(id) << 64 | 0x5eed).to_string());
    }
    CURRENT_TRACE.store(0, Ordering::Relaxed);

    let prometheus = tokio::task::spawn_blocking(move || {
        wait_until(
            Duration::from_secs(30),
            "Prometheus has scraped all 60 calls",
            || {
                prometheus
                    .query("histogram_count(native_wait_duration_seconds)")
                    .first()
                    .and_then(|sample| sample["value"][1].as_str()?.parse::<f64>().ok())
                    == Some(60.0)
            },
        );
        prometheus
    })
    .await
    .unwrap();

    observed.sort_by(f64::total_cmp);
    // Schema 3: a bucket spans a factor 2^(1/8); an estimate within the bucket
    // of the true quantile is within that factor of it.
    let bound = 2f64.powf(1.0 / 8.0);
    for q in [0.5, 0.9, 0.99] {
        let answer = prometheus.query(&format!(
            "histogram_quantile({q}, native_wait_duration_seconds)"
        ));
        let estimate: f64 = answer[0]["value"][1].as_str().unwrap().parse().unwrap();
        let exact = exact_quantile(&observed, q);
        eprintln!(
            "q{q}: native histogram {estimate:.6} s, calls' own {exact:.6} s, ratio {:.4}",
            estimate / exact
        );
        assert!(
            estimate <= exact * bound && estimate >= exact / bound,
            "q{q}: Prometheus estimates {estimate} s, the calls' own is {exact} s (bound x{bound:.4})"
        );
    }

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let answer = prometheus.api(&format!(
        "/api/v1/query_exemplars?query={}&start={}&end={}",
        servers::encode("native_wait_duration_seconds"),
        now - 300,
        now + 60
    ));
    let found: Vec<String> = answer["data"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
        .filter_map(|exemplar| exemplar["labels"]["trace_id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        !found.is_empty(),
        "no exemplars: {answer}\n{}",
        prometheus.log()
    );
    eprintln!("{} exemplars, trace ids {:?}", found.len(), found);
    for trace in &found {
        assert!(
            traces.contains(trace),
            "{trace} is not a trace the calls ran under"
        );
    }
}
