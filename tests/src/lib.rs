//! Helpers shared by metricate's behaviour and end-to-end tests: reading samples
//! back out of the exposition that `metricate::render()` produces.

/// The value of the sample `name{labels}` in `exposition`, if it is there. Label
/// order does not matter: the exposition sorts labels by name, and so does this.
pub fn sample_in(exposition: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut sorted = labels.to_vec();
    sorted.sort_unstable();
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
    }
}
