//! Helpers shared by metricate's behaviour and end-to-end tests: reading samples
//! back out of the exposition that `metricate::render()` produces, checking it
//! with promtool and the official Python parsers, and real Prometheus and
//! Alertmanager servers ([`servers`]).

pub mod servers;

/// Polls `future` to its end on this thread, with a waker that does nothing:
/// for futures that are ready, or that the test polls until they are.
///
/// ```
/// assert_eq!(metricate_tests::block_on(async { 3 }), 3);
/// ```
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

/// The value of the sample `name{labels}` in `exposition`, if it is there. Label
/// order does not matter: the exposition sorts labels by name, with a bucket's
/// `le` last, and so does this.
pub fn sample_in(exposition: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut sorted = labels.to_vec();
    sorted.sort_unstable_by_key(|(key, _)| (*key == "le", *key));
    let rendered: Vec<String> = sorted
        .iter()
        .map(|(key, value)| format!("{key}=\"{value}\""))
        .collect();
    let series = if rendered.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{}}}", rendered.join(","))
    };
    exposition.lines().find_map(|line| {
        let rest = line.strip_prefix(&series)?.strip_prefix(' ')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// [`sample_in`] on a fresh `metricate::render()`.
pub fn sample(name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    sample_in(&metricate::render(), name, labels)
}

/// The number of series of `name` (any labels) in a fresh `metricate::render()`.
pub fn series_count(name: &str) -> usize {
    metricate::render()
        .lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .count()
}

/// The HELP text of `name` in a fresh `metricate::render()`.
pub fn help(name: &str) -> Option<String> {
    let prefix = format!("# HELP {name} ");
    metricate::render()
        .lines()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
}

/// Pipes `exposition` through `promtool check metrics`: `Some(Ok(()))` when it
/// says nothing, `Some(Err(what it said))` otherwise, and `None` (with the reason
/// printed) when promtool is not installed outside CI. In CI (`CI` set) a missing
/// promtool fails the test: `.ci/run` installs it.
pub fn promtool_check_metrics(exposition: &str) -> Option<Result<(), String>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match (child, std::env::var_os("CI").is_some()) {
        (Ok(child), _) => child,
        (Err(error), true) => panic!("promtool is required in CI ({error}): .ci/run installs the Debian package `prometheus`"),
        (Err(_), false) => {
            eprintln!("skipped: promtool is not installed (apt-get install prometheus); CI runs this check");
            return None;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(exposition.as_bytes())
            .expect("promtool reads the exposition");
    }
    let output = child.wait_with_output().expect("promtool finishes");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(if output.status.success() && said.trim().is_empty() {
        Ok(())
    } else {
        Err(said)
    })
}

/// Parses `exposition` with the official Python client's parser of `format`
/// (`"text"`: the 0.0.4 parser, `"openmetrics"`: the OpenMetrics one, which
/// rejects anything the standard does not allow) and returns one line per
/// sample, `name labels value`, sorted; `Err` with the parser's complaint.
/// `None` (with the reason printed) when Python or `prometheus_client` is
/// missing outside CI; in CI (`CI` set) that fails the test: `.ci/run`
/// installs them.
pub fn python_parse(format: &str, exposition: &str) -> Option<Result<Vec<String>, String>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    const SCRIPT: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families as text
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
parse = openmetrics if sys.argv[1] == "openmetrics" else text
try:
    lines = []
    for family in parse(sys.stdin.read()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v!r}" for k, v in sorted(sample.labels.items()))
            exemplar = ""
            if getattr(sample, "exemplar", None):
                exemplar = " # " + ",".join(f"{k}={v}" for k, v in sorted(sample.exemplar.labels.items()))
            lines.append(f"{family.type} {sample.name} {{{labels}}} {float(sample.value)!r}{exemplar}")
    print(chr(10).join(sorted(lines)))
except Exception as error:
    print(f"parse error: {error}", file=sys.stderr)
    sys.exit(1)
"#;
    let child = Command::new("python3")
        .args(["-c", SCRIPT, format])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let ci = std::env::var_os("CI").is_some();
    let mut child = match (child, ci) {
        (Ok(child), _) => child,
        (Err(error), true) => panic!("python3 is required in CI ({error})"),
        (Err(_), false) => {
            eprintln!("skipped: python3 is not installed; CI runs this check");
            return None;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(exposition.as_bytes())
            .expect("python reads the exposition");
    }
    let output = child.wait_with_output().expect("python finishes");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if stderr.contains("No module named") {
        assert!(
            !ci,
            "prometheus_client is required in CI: .ci/run installs it ({stderr})"
        );
        eprintln!(
            "skipped: the Python package prometheus_client is not installed; CI runs this check"
        );
        return None;
    }
    Some(if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect())
    } else {
        Err(stderr)
    })
}

/// Runs `promtool check rules` on `rules` (a rules file's YAML): `Ok` when it
/// finds no problem, `Err` with what it said. `None` (with the reason printed)
/// when promtool is missing outside CI; in CI (`CI` set) that fails the test.
pub fn promtool_check_rules(rules: &str) -> Option<Result<(), String>> {
    let dir = servers::TempDir::new("rules");
    let path = dir.path().join("rules.yml");
    std::fs::write(&path, rules).expect("the rules are written");
    let output = std::process::Command::new("promtool")
        .args(["check", "rules"])
        .arg(&path)
        .output();
    let output = match (output, std::env::var_os("CI").is_some()) {
        (Ok(output), _) => output,
        (Err(error), true) => panic!("promtool is required in CI ({error}): .ci/run installs the Debian package `prometheus`"),
        (Err(_), false) => {
            eprintln!("skipped: promtool is not installed (apt-get install prometheus); CI runs this check");
            return None;
        }
    };
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(said)
    })
}

#[cfg(test)]
mod tests {
    use super::sample_in;

    #[test]
    fn finds_samples_whatever_the_label_order() {
        let text = "x_total{a=\"1\",b=\"2\"} 3\nx_total 4\nx_total_other 5\n";
        assert_eq!(
            sample_in(text, "x_total", &[("b", "2"), ("a", "1")]),
            Some(3.0)
        );
        assert_eq!(sample_in(text, "x_total", &[]), Some(4.0));
        assert_eq!(sample_in(text, "x_total", &[("a", "2")]), None);
        let bucket = "x_bucket{z=\"1\",le=\"0.5\"} 2\n";
        assert_eq!(
            sample_in(bucket, "x_bucket", &[("le", "0.5"), ("z", "1")]),
            Some(2.0)
        );
    }
}
