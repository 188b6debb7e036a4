//! End to end on the real servers from Debian: two demo instances, one
//! Prometheus on the generated configuration and rules, an Alertmanager on
//! the generated configuration delivering to a webhook receiver inside this
//! test, and a second Prometheus receiving the first's samples by
//! remote_write. Every dashboard panel has data, every rule evaluates, the
//! alerts the test forces reach the receiver, and no other alert fires.

mod common;

use common::{data_dir, emit, Demo, Receiver, WEBHOOK_SECRET};
use metricate_tests::servers::{self, encode, get, wait_until, Server};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};

/// The alerts the test forces, and what forces them. The forged webhooks it
/// also sends are the callers' errors (401, `client_error`): they must page
/// nothing, which the check that no unforced alert fires proves.
const FORCED: [(&str, &str); 6] = [
    ("ScanErrorsHigh", "the feed down"),
    ("ExternalApiErrorsHigh", "the feed down"),
    ("RunScanSuccessBudgetBurnFast", "the feed down"),
    ("RunScanSuccessBudgetBurnSlow", "the feed down"),
    ("MatchCvLatencyBudgetBurnFast", "slow matches"),
    ("MatchCvLatencyBudgetBurnSlow", "slow matches"),
];

/// The result of an instant query at `time` (unix seconds), or now.
fn query_at(server: &Server, promql: &str, time: Option<f64>) -> Vec<Value> {
    let at = time.map_or(String::new(), |time| format!("&time={time}"));
    let answer = server.api(&format!("/api/v1/query?query={}{at}", encode(promql)));
    answer["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn finite_values(result: &[Value]) -> usize {
    result
        .iter()
        .filter_map(|sample| sample["value"][1].as_str()?.parse::<f64>().ok())
        .filter(|value| value.is_finite())
        .count()
}

/// Alerts by name in `states`.
fn alerts(prometheus: &Server, states: &[&str]) -> BTreeSet<String> {
    prometheus.api("/api/v1/alerts")["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|alert| states.iter().any(|state| alert["state"] == *state))
        .filter_map(|alert| alert["labels"]["alertname"].as_str().map(str::to_owned))
        .collect()
}

/// `demo-app load` against `demo` in the background.
fn load(demo: &Demo, data_dir: &std::path::Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args([
            "load",
            "--target",
            &demo.url(),
            "--webhook-secret",
            WEBHOOK_SECRET,
        ])
        .args(["--admin-token", common::ADMIN_TOKEN, "--data-dir"])
        .arg(data_dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("demo-app load starts")
}

#[test]
fn generated_rules_and_dashboard_work_on_real_servers_and_forced_alerts_arrive() {
    let dir = data_dir("operations");
    let feed = Demo::feed(&dir.path().join("feed.log"));
    let feed_url = feed.url();
    let instance_dirs = [dir.path().join("a"), dir.path().join("b")];
    let instances: Vec<Demo> = instance_dirs
        .iter()
        .map(|data| {
            std::fs::create_dir_all(data).expect("a data directory");
            Demo::start(data, &["--feed-url", &feed_url, "--scan-every", "2s"])
        })
        .collect();
    let receiver = Receiver::start();

    let receiver_url = format!("http://{}/alerts", receiver.address);
    let Some(alertmanager) = servers::alertmanager(&emit(&[
        "alertmanager-config",
        "--webhook-url",
        &receiver_url,
        "--group-wait",
        "1s",
    ])) else {
        return;
    };
    let Some(long_term) = servers::prometheus(
        "global:\n  scrape_interval: 1s\n",
        &[],
        &[],
        &["--web.enable-remote-write-receiver"],
    ) else {
        return;
    };
    let targets: Vec<String> = instances
        .iter()
        .map(|demo| demo.address.to_string())
        .collect();
    let alertmanager_address = alertmanager.address.to_string();
    let remote_write = format!("http://{}/api/v1/write", long_term.address);
    let config = emit(&[
        "prometheus-config",
        "--target",
        &targets[0],
        "--target",
        &targets[1],
        "--alertmanager",
        &alertmanager_address,
        "--remote-write",
        &remote_write,
        "--scrape-interval",
        "1s",
    ]);
    let rules = emit(&["rules", "--alert-for", "5s"]);
    let prometheus = servers::prometheus(&config, &[("rules.yml", &rules)], &[], &[])
        .expect("prometheus is installed when alertmanager is");
    wait_until(Duration::from_secs(30), "both instances are up", || {
        finite_values(&query_at(&prometheus, "up{job=\"demo-app\"} == 1", None)) == 2
    });

    // Valid traffic only, at a modest rate, on both instances.
    let mut loads: Vec<_> = instances
        .iter()
        .zip(&instance_dirs)
        .map(|(demo, data)| {
            load(
                demo,
                data,
                &[
                    "--duration",
                    "15s",
                    "--rate",
                    "20",
                    "--concurrency",
                    "2",
                    "--mix",
                    "valid",
                ],
            )
        })
        .collect();
    for load in &mut loads {
        assert!(load.wait().expect("the load finishes").success());
    }
    std::thread::sleep(Duration::from_secs(3));

    // Every panel of the dashboard has data.
    let (empty, panels) =
        common::empty_panels(|expr| finite_values(&query_at(&prometheus, expr, None)));
    assert!(empty.is_empty(), "panels without a finite value: {empty:?}");

    // Every rule evaluates without error.
    let groups = prometheus.api("/api/v1/rules")["data"]["groups"].clone();
    let rules: Vec<&Value> = groups
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|group| group["rules"].as_array().into_iter().flatten())
        .collect();
    let unhealthy: Vec<String> = rules
        .iter()
        .filter(|rule| rule["health"] != "ok")
        .map(|rule| {
            format!(
                "{} ({}): {}",
                rule["name"], rule["health"], rule["lastError"]
            )
        })
        .collect();
    assert!(unhealthy.is_empty(), "rules not healthy: {unhealthy:?}");
    let recording = rules
        .iter()
        .filter(|rule| rule["type"] == "recording")
        .count();
    let alerting = rules
        .iter()
        .filter(|rule| rule["type"] == "alerting")
        .count();
    assert!(
        recording > 40 && alerting > 10,
        "{recording} recording, {alerting} alerting"
    );
    let quiet = alerts(&prometheus, &["pending", "firing"]);
    assert!(
        quiet.is_empty(),
        "alerts before anything was forced: {quiet:?}"
    );

    // Force: forged webhooks, the feed down, slow matches.
    let forced_at = Instant::now();
    let a = &instances[0];
    for index in 0..100 {
        let body = format!(
            r#"{{"id":"forged-{index}","event_type":"PAYMENT.SALE.COMPLETED","resource":{{"account_id":"x"}}}}"#
        );
        let forged = a.call(
            "POST",
            "/webhooks/paypal",
            &[
                ("x-webhook-timestamp", &demo_app::db::now().to_string()),
                ("x-webhook-signature", "sha256=00"),
            ],
            body.as_bytes(),
        );
        assert_eq!(forged.status, 401);
    }
    drop(feed);
    let cv_id = a.upload_words(150_000);
    let started = Instant::now();
    let mut slow_matches = 0;
    while started.elapsed() < Duration::from_secs(15) {
        let matched = a.json(
            "POST",
            "/api/match",
            &serde_json::json!({ "cv_id": cv_id, "job_id": 1, "model": "v5.1" }),
        );
        assert_eq!(matched.status, 200, "{}", matched.body);
        slow_matches += 1;
    }

    let expected: BTreeSet<String> = FORCED.iter().map(|(name, _)| (*name).to_owned()).collect();
    wait_until(Duration::from_secs(90), "every forced alert fires", || {
        expected.is_subset(&alerts(&prometheus, &["firing"]))
    });
    let active = alerts(&prometheus, &["pending", "firing"]);
    let unforced: Vec<&String> = active.difference(&expected).collect();
    assert!(unforced.is_empty(), "alerts nothing forced: {unforced:?}");
    wait_until(
        Duration::from_secs(60),
        "every forced alert reaches the receiver",
        || {
            FORCED
                .iter()
                .all(|(name, _)| receiver.arrived(name).is_some())
        },
    );
    let arrivals: BTreeMap<&str, f64> = FORCED
        .iter()
        .filter_map(|(name, _)| {
            Some((
                *name,
                receiver
                    .arrived(name)?
                    .duration_since(forced_at)
                    .as_secs_f64(),
            ))
        })
        .collect();

    // The recording rules arrive on the long-term store and answer the same.
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |now| now.as_secs_f64())
        - 10.0;
    for record in [
        "job_handler:api_handler_calls:rate5m",
        "job:run_scan_success_failures:ratio_rate5m",
        "job_model:ai_match_duration_seconds:p95_rate5m",
    ] {
        wait_until(
            Duration::from_secs(30),
            "the long-term store has the recorded series",
            || !query_at(&long_term, record, Some(at)).is_empty(),
        );
        let local = query_at(&prometheus, record, Some(at));
        let remote = query_at(&long_term, record, Some(at));
        let values = |result: &[Value]| -> BTreeMap<String, String> {
            result
                .iter()
                .map(|sample| (sample["metric"].to_string(), sample["value"][1].to_string()))
                .collect()
        };
        assert_eq!(values(&local), values(&remote), "{record}");
    }
    // Samples the long-term store appended: what remote_write delivered.
    let (_, own_metrics) = get(long_term.address, "/metrics").expect("the long-term store answers");
    let samples: f64 = own_metrics
        .lines()
        .filter(|line| line.starts_with("prometheus_tsdb_head_samples_appended_total"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(
        samples > 10_000.0,
        "{samples} samples on the long-term store"
    );
    eprintln!(
        "operations: {panels} panels with data, {recording} recording and {alerting} alerting rules healthy, \
         {slow_matches} slow matches; forced alerts at the receiver after (s): {arrivals:?}; \
         {samples} samples on the long-term store"
    );
    // Alertmanager saw them too.
    let (status, body) = get(alertmanager.address, "/api/v2/alerts").expect("alertmanager answers");
    assert_eq!(status, 200);
    for (name, _) in FORCED {
        assert!(body.contains(name), "{name} not in Alertmanager: {body}");
    }
}
