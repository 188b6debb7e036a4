//! The generated operations files in `demo-app/deploy/`: current with the
//! code, accepted by promtool and amtool, and every kind of alert proven by
//! `promtool test rules` on series that fire it and series that do not.

mod common;

use common::{emit, emit_answer, series_per_instance};
use metricate_tests::servers::TempDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ARTIFACTS: [(&str, &str); 9] = [
    ("rules", "rules.yml"),
    ("dashboard", "dashboard.json"),
    ("reference", "metrics.md"),
    ("runbooks", "runbooks.md"),
    ("prometheus-config", "prometheus.yml"),
    ("alertmanager-config", "alertmanager.yml"),
    ("scrape-config", "scrape.yml"),
    ("agent-config", "agent.yml"),
    ("targets", "targets.json"),
];

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

#[test]
fn the_deploy_files_are_what_the_code_generates() {
    for (artifact, file) in ARTIFACTS {
        let generated = emit(&[artifact]);
        let committed = std::fs::read_to_string(deploy_dir().join(file)).unwrap_or_default();
        assert!(
            generated == committed,
            "demo-app/deploy/{file} is stale: regenerate the deploy files with\n\n    cargo run -p demo-app -- emit all --dir demo-app/deploy\n"
        );
    }
}

/// Runs a CI tool; `None` (skipped, said why) when it is missing outside CI.
fn tool(program: &str, args: &[&str], dir: &Path) -> Option<(bool, String)> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output();
    match (output, std::env::var_os("CI").is_some()) {
        (Ok(output), _) => Some((
            output.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        )),
        (Err(error), true) => panic!("{program} is required in CI ({error}): .ci/run installs it"),
        (Err(_), false) => {
            eprintln!("skipped: {program} is not installed (apt-get install prometheus prometheus-alertmanager victoria-metrics)");
            None
        }
    }
}

#[test]
fn promtool_and_amtool_accept_the_deploy_files() {
    let dir = deploy_dir();
    for args in [
        &["check", "rules", "rules.yml"][..],
        &["check", "config", "prometheus.yml"],
        &["check", "config", "scrape.yml"],
        &["check", "config", "--agent", "agent.yml"],
    ] {
        if let Some((ok, said)) = tool("promtool", args, &dir) {
            assert!(ok, "promtool {args:?}:\n{said}");
        }
    }
    if let Some((ok, said)) = tool("amtool", &["check-config", "alertmanager.yml"], &dir) {
        assert!(ok, "amtool check-config:\n{said}");
    }
    // The fleet's engines, strictly: vmagent refuses a field it does not
    // know, vmalert a rule or template it cannot run.
    if let Some((ok, said)) = tool(
        "vmagent",
        &[
            "-promscrape.config=scrape.yml",
            "-promscrape.config.dryRun",
            "-loggerLevel=ERROR",
        ],
        &dir,
    ) {
        assert!(ok, "vmagent -promscrape.config.dryRun:\n{said}");
    }
    if let Some((ok, said)) = tool(
        "vmalert",
        &["-rule=rules.yml", "-dryRun", "-loggerLevel=ERROR"],
        &dir,
    ) {
        assert!(ok, "vmalert -dryRun:\n{said}");
    }
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("dashboard.json")).expect("the dashboard"),
    )
    .expect("JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    for panel in panels.iter().filter(|panel| panel["type"] != "row") {
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("an expr");
            for variable in ["job=~\"$job\"", "instance=~\"$instance\""] {
                let selectors = expr.matches('{').count();
                assert_eq!(
                    expr.matches(variable).count(),
                    selectors,
                    "{}: {expr}",
                    panel["title"]
                );
            }
        }
    }
}

/// One `promtool test rules` case: input series, then the alerts expected
/// (name, evaluation time, and each expected alert's labels and annotations).
const TESTS: &str = include_str!("rules_test.yml");

#[test]
fn promtool_test_rules_fires_every_alert_kind_and_only_when_it_should() {
    let dir = TempDir::new("rules-test");
    std::fs::copy(deploy_dir().join("rules.yml"), dir.path().join("rules.yml"))
        .expect("rules copied");
    std::fs::write(dir.path().join("rules_test.yml"), TESTS).expect("tests written");
    if let Some((ok, said)) = tool("promtool", &["test", "rules", "rules_test.yml"], dir.path()) {
        assert!(ok, "promtool test rules:\n{said}");
        assert!(said.contains("SUCCESS"), "{said}");
    }
    // Every alert of the rules has a case.
    let rules = std::fs::read_to_string(deploy_dir().join("rules.yml")).expect("rules");
    for line in rules
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- alert: "))
    {
        let name = line.trim_matches('"');
        assert!(
            TESTS.contains(&format!("alertname: {name}\n")),
            "no promtool case for {name}"
        );
    }
}

/// A job named with every character a PromQL string, a YAML file or a
/// comment must escape.
const HOSTILE_JOB: &str = "we\"ird\\job\nline\u{2028}{{ $x }} é";

#[test]
fn a_job_named_with_quotes_and_line_breaks_gives_files_the_tools_accept_and_a_service_down_that_fires(
) {
    let dir = TempDir::new("hostile-job");
    let path = dir.path().to_str().expect("a UTF-8 path");
    emit(&["all", "--job", HOSTILE_JOB, "--dir", path]);
    for args in [
        &["check", "rules", "rules.yml"][..],
        &["check", "config", "prometheus.yml"],
        &["check", "config", "scrape.yml"],
        &["check", "config", "--agent", "agent.yml"],
    ] {
        if let Some((ok, said)) = tool("promtool", args, dir.path()) {
            assert!(ok, "promtool {args:?}:\n{said}");
        }
    }
    if let Some((ok, said)) = tool("amtool", &["check-config", "alertmanager.yml"], dir.path()) {
        assert!(ok, "amtool check-config:\n{said}");
    }
    if let Some((ok, said)) = tool(
        "vmalert",
        &["-rule=rules.yml", "-dryRun", "-loggerLevel=ERROR"],
        dir.path(),
    ) {
        assert!(ok, "vmalert -dryRun:\n{said}");
    }
    // The job's `up` at 0 fires `ServiceDown` with the job as it is named:
    // the rule's selector escaped it, nothing else matched. A JSON string is
    // a YAML double-quoted scalar.
    let selector_value = HOSTILE_JOB
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
        .replace('\u{2028}', r"\u2028");
    let json = |text: &str| serde_json::to_string(text).expect("a string");
    let test = format!(
        "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n      - series: {}\n        values: '0x10'\n      - series: {}\n        values: '0x10'\n    alert_rule_test:\n      - eval_time: 5m\n        alertname: ServiceDown\n        exp_alerts:\n          - exp_labels: {{severity: page, job: {}, instance: \"a:8080\"}}\n            exp_annotations:\n              summary: {}\n              description: \"Prometheus could not scrape a:8080: the process is gone, hung, or unreachable.\"\n              runbook_url: \"runbooks.md#servicedown\"\n              dashboard_url: \"http://127.0.0.1:3000/d/metricate-we-ird-job-line-----x-----?viewPanel=2\"\n",
        json(&format!(
            "up{{job=\"{selector_value}\", instance=\"a:8080\"}}"
        )),
        json("up{job=\"other\", instance=\"b:8080\"}"),
        json(HOSTILE_JOB),
        json(&format!("a:8080 of {HOSTILE_JOB} is down")),
    );
    std::fs::write(dir.path().join("hostile_test.yml"), test).expect("test written");
    if let Some((ok, said)) = tool(
        "promtool",
        &["test", "rules", "hostile_test.yml"],
        dir.path(),
    ) {
        assert!(ok, "promtool test rules:\n{said}");
    }
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("dashboard.json")).expect("the dashboard"),
    )
    .expect("JSON");
    assert_eq!(dashboard["title"], format!("{HOSTILE_JOB} (metricate)"));
}

#[test]
fn the_reference_counts_the_workers_it_is_told_not_the_cores_of_the_machine_that_emits_it() {
    let (ok, two, _) = emit_answer(&["reference"]);
    assert!(ok);
    assert!(two.contains("| `worker` | `0`, `1` |\n"), "{two}");
    let (ok, four, _) = emit_answer(&["reference", "--workers", "4"]);
    assert!(ok);
    assert!(
        four.contains("| `worker` | `0`, `1`, `2`, `3` |\n"),
        "{four}"
    );
    // Two more workers: two more series of each of the two per-worker families.
    assert_eq!(series_per_instance(&four), series_per_instance(&two) + 4);
    let (ok, _, said) = emit_answer(&["reference", "--workers", "0"]);
    assert!(!ok);
    assert!(
        said.contains("`0` is not a worker count from 1 to 1024"),
        "{said}"
    );
}
