//! The generated operations files in `demo-app/deploy/`: current with the
//! code, accepted by promtool and amtool, and every kind of alert proven by
//! `promtool test rules` on series that fire it and series that do not.

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
        let output = Command::new(env!("CARGO_BIN_EXE_demo-app"))
            .args(["emit", artifact])
            .output()
            .expect("demo-app emit runs");
        assert!(
            output.status.success(),
            "emit {artifact}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let generated = String::from_utf8(output.stdout).expect("UTF-8");
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
