//! Helpers shared by metricate's behaviour and end-to-end tests: reading samples
//! back out of the exposition that `metricate::render()` produces.

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
