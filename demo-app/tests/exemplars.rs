//! From a slow request on a dashboard to its trace, on a real Prometheus
//! (2.42, `--enable-feature=exemplar-storage,native-histograms`) scraping the
//! demo: the exemplars Prometheus stored carry the trace ids the demo logged
//! for those requests, and `histogram_quantile` over the native histogram of
//! match durations agrees with the exact quantile of the durations the demo
//! logged, within schema 3's bound.

mod common;

use common::{data_dir, Demo};
use metricate_tests::servers::{self, encode, wait_until};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

/// The matches sent.
const MATCHES: usize = 60;

/// `(trace id, elapsed µs)` of every `matched` line of the demo's log.
fn logged_matches(log: &str) -> BTreeMap<String, f64> {
    log.lines()
        .filter(|line| line.contains(" matched "))
        .filter_map(|line| {
            let trace = line.split("trace_id=").nth(1)?.get(..32)?.to_owned();
            let elapsed = line
                .split("elapsed_us=")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()?;
            Some((trace, elapsed))
        })
        .collect()
}

fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

#[test]
fn exemplars_lead_to_logged_traces_and_native_quantiles_agree() {
    let dir = data_dir("exemplars");
    let demo = Demo::start(dir.path(), &[]);
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: demo-app\n    static_configs:\n      - targets: ['{}']\n",
        demo.address
    );
    let Some(prometheus) = servers::prometheus(
        &config,
        &[],
        &["exemplar-storage", "native-histograms"],
        &[],
    ) else {
        return;
    };
    // Scraping before the first match: each scrape keeps only the series'
    // latest exemplar, so one that came after every match would keep one.
    wait_until(
        Duration::from_secs(30),
        "Prometheus scrapes the demo",
        || {
            prometheus
                .query("up{job=\"demo-app\"}")
                .first()
                .and_then(|sample| sample["value"][1].as_str().map(|value| value == "1"))
                == Some(true)
        },
    );
    // CVs of three sizes, so that matches take different times.
    let cvs: Vec<i64> = [200, 4_000, 40_000]
        .iter()
        .map(|words| demo.upload_words(*words))
        .collect();
    let mut sent = Vec::new();
    for call in 0..MATCHES {
        let trace = format!("{:016x}{:016x}", 0x5eed_0000 + call, call * 7919 + 1);
        let body =
            json!({ "cv_id": cvs[call % cvs.len()], "job_id": 1 + call % 5, "model": "v5.1" })
                .to_string();
        let traceparent = format!("00-{trace}-00f067aa0ba902b7-01");
        let answer = demo.call(
            "POST",
            "/api/match",
            &[
                ("content-type", "application/json"),
                ("traceparent", &traceparent),
            ],
            body.as_bytes(),
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer
            .header("traceparent")
            .is_some_and(|header| header.contains(&trace)));
        sent.push(trace);
        // Spread over several scrapes: each keeps the series' latest exemplar.
        std::thread::sleep(Duration::from_millis(200));
    }
    let query = "sum(histogram_count(ai_match_duration_seconds{model=\"v5.1\"}))";
    wait_until(
        Duration::from_secs(30),
        "Prometheus has every match",
        || {
            prometheus
                .query(query)
                .first()
                .and_then(|sample| sample["value"][1].as_str()?.parse::<f64>().ok())
                == Some(MATCHES as f64)
        },
    );

    let log = std::fs::read_to_string(dir.path().join("serve.log")).expect("the demo's log");
    let logged = logged_matches(&log);
    assert_eq!(logged.len(), MATCHES, "one `matched` line per request");
    for trace in &sent {
        assert!(logged.contains_key(trace), "{trace} was not logged");
    }

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |now| now.as_secs());
    let answer = prometheus.api(&format!(
        "/api/v1/query_exemplars?query={}&start={}&end={}",
        encode("ai_match_duration_seconds"),
        now - 300,
        now + 60
    ));
    let exemplars: Vec<(String, f64)> = answer["data"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
        .filter_map(|exemplar| {
            Some((
                exemplar["labels"]["trace_id"].as_str()?.to_owned(),
                exemplar["value"].as_str()?.parse().ok()?,
            ))
        })
        .collect();
    assert!(
        exemplars.len() >= 3,
        "too few exemplars: {answer}\n{}",
        prometheus.log()
    );
    for (trace, seconds) in &exemplars {
        let elapsed = logged
            .get(trace)
            .unwrap_or_else(|| panic!("exemplar {trace} is no request the demo logged"));
        // The exemplar's value is that call's duration: inside the window the
        // log line times (which also holds the recording, and any preemption
        // around it: on a loaded machine the window can be three times the
        // call), and of its size: the three CVs' matches differ 10-fold.
        let micros = seconds * 1e6;
        assert!(
            micros <= elapsed + 1.0 && micros >= elapsed * 0.25,
            "{trace}: exemplar {seconds} s, logged {elapsed} µs"
        );
    }

    let mut durations: Vec<f64> = logged.values().map(|micros| micros / 1e6).collect();
    durations.sort_by(f64::total_cmp);
    let bound = 2f64.powf(1.0 / 8.0);
    let mut agreed = Vec::new();
    for q in [0.5, 0.9, 0.99] {
        let answer = prometheus.query(&format!(
            "histogram_quantile({q}, sum(ai_match_duration_seconds{{model=\"v5.1\"}}))"
        ));
        let estimate: f64 = answer
            .first()
            .and_then(|sample| sample["value"][1].as_str()?.parse().ok())
            .unwrap_or(f64::NAN);
        let exact = exact_quantile(&durations, q);
        // The log's µs truncation widens the bound by a microsecond.
        assert!(
            estimate <= exact * bound + 1e-6 && estimate >= exact / bound - 1e-6,
            "q{q}: the native histogram says {estimate} s, the logged durations {exact} s (bound x{bound:.4})"
        );
        agreed.push(format!("q{q} {:.3}x", estimate / exact));
    }
    eprintln!(
        "exemplars: {} found, every trace id one the demo logged; native quantiles against the logged durations: {}",
        exemplars.len(),
        agreed.join(", ")
    );
}
