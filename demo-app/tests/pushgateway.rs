//! The scheduled scan as a batch job: `demo-app scan --once --push-gateway`
//! against a real Prometheus Pushgateway, scraped by a real Prometheus with
//! `honor_labels: true`; the scan's series arrive with their exact values.
//! Every server is on loopback, on free ports, in temporary directories, and
//! killed when dropped.

mod common;

use common::{data_dir, Demo};
use metricate_tests::servers::{self, free_address, wait_until};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `demo-app args`, killing it after 60 seconds.
fn run_demo(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("demo-app starts");
    let start = Instant::now();
    while child.try_wait().expect("its status").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("demo-app {args:?} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("its output")
}

/// The one value of an instant query, `None` when it has no result.
fn value(prometheus: &servers::Server, promql: &str) -> Option<f64> {
    let result = prometheus.query(promql);
    assert!(result.len() <= 1, "{promql}: {result:?}");
    result.first()?["value"][1].as_str()?.parse().ok()
}

#[test]
fn a_one_shot_scan_pushes_its_series_to_prometheus_through_the_pushgateway() {
    let Some(gateway) = servers::pushgateway() else {
        return;
    };
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    static_configs:\n      - targets: ['{}']\n",
        gateway.address
    );
    let Some(prometheus) = servers::prometheus(&config, &[], &[], &[]) else {
        return;
    };
    let dir = data_dir("pushgateway");
    let feed = Demo::feed(&dir.path().join("feed.log"));
    let data = dir.path().join("scan");
    let gateway_url = format!("http://{}", gateway.address);
    let output = run_demo(&[
        "scan",
        "--once",
        "--push-gateway",
        &gateway_url,
        "--feed-url",
        &feed.url(),
        "--data-dir",
        data.to_str().expect("a UTF-8 path"),
        "--durability",
        "normal",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the report is JSON");
    // Three sources of 40 postings each, every one new to a fresh database.
    assert_eq!(
        (report["found"].as_u64(), report["new"].as_u64()),
        (Some(120), Some(120))
    );

    let job = r#"job="demo_app_scan""#;
    wait_until(
        Duration::from_secs(30),
        "the pushed series are scraped",
        || {
            value(
                &prometheus,
                &format!("iam_scan_runs_total{{{job},status=\"ok\"}}"),
            )
            .is_some()
        },
    );
    assert_eq!(
        value(
            &prometheus,
            &format!("iam_scan_runs_total{{{job},status=\"ok\"}}")
        ),
        Some(1.0)
    );
    // Created at 0, as every series metricate knows: pushed too.
    assert_eq!(
        value(
            &prometheus,
            &format!("iam_scan_runs_total{{{job},status=\"error\"}}")
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&prometheus, &format!("iam_scan_jobs_found_last{{{job}}}")),
        Some(120.0)
    );
    assert_eq!(
        value(
            &prometheus,
            &format!("scan_duration_seconds_count{{{job}}}")
        ),
        Some(1.0)
    );
    // The Pushgateway's own record of the push, under the same group.
    let pushed_at = value(&prometheus, &format!("push_time_seconds{{{job}}}"))
        .expect("the pushgateway records the push");
    let last_success = value(
        &prometheus,
        &format!("iam_last_successful_scan_timestamp_seconds{{{job}}}"),
    )
    .expect("the scan's success time is pushed");
    assert!(
        (0.0..60.0).contains(&(pushed_at - last_success)),
        "pushed at {pushed_at}, the scan succeeded at {last_success}"
    );
}

#[test]
fn a_push_that_fails_fails_the_job_and_says_why() {
    let dir = data_dir("pushgateway-down");
    let feed = Demo::feed(&dir.path().join("feed.log"));
    // A free port nothing listens on.
    let nowhere = format!("http://{}", free_address());
    let output = run_demo(&[
        "scan",
        "--once",
        "--push-gateway",
        &nowhere,
        "--feed-url",
        &feed.url(),
        "--data-dir",
        dir.path().join("scan").to_str().expect("a UTF-8 path"),
        "--durability",
        "normal",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: the metrics could not be pushed: could not push: "),
        "{stderr}"
    );
}
