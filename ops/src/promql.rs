//! PromQL for an operation's signals, written once for the rules and the
//! dashboard: the two differ only in their label filter, grouping and window.

use crate::model::Operation;

/// Where a query looks: the label matchers every selector gets (`""` for
/// none), the labels it keeps, and its range.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) filter: &'a str,
    pub(crate) by: &'a [&'a str],
    pub(crate) window: &'a str,
}

/// `name{filter,extra}`, without braces when there is nothing to match.
pub(crate) fn series(name: &str, filter: &str, extra: &[String]) -> String {
    let matchers: Vec<&str> = std::iter::once(filter)
        .chain(extra.iter().map(String::as_str))
        .filter(|matcher| !matcher.is_empty())
        .collect();
    if matchers.is_empty() {
        name.to_owned()
    } else {
        format!("{name}{{{}}}", matchers.join(","))
    }
}

/// `sum by (labels) (rate(name{..}[window]))`.
fn summed_rate(name: &str, scope: Scope<'_>, extra: &[String]) -> String {
    format!(
        "sum by ({}) (rate({}[{}]))",
        scope.by.join(", "),
        series(name, scope.filter, extra),
        scope.window
    )
}

/// A matcher for `le` equal to `bound` however the exposition wrote it:
/// `1` and `1.0` name the same bound.
pub(crate) fn le_matcher(bound: f64) -> String {
    if bound.fract() == 0.0 && bound.abs() < 1e15 {
        format!(r#"le=~"{bound}(\\.0)?""#)
    } else {
        format!(r#"le="{bound}""#)
    }
}

/// `label="value"` for each pair.
pub(crate) fn equalities(pairs: &[(&str, &str)]) -> Vec<String> {
    pairs
        .iter()
        .map(|(name, value)| format!(r#"{name}="{}""#, escape(value)))
        .collect()
}

/// `value` matched literally inside a PromQL (RE2) regular expression.
pub(crate) fn regex_literal(value: &str) -> String {
    let mut literal = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            literal.push('\\');
        }
        literal.push(c);
    }
    literal
}

/// A label value inside a double-quoted PromQL string: a quote, a backslash
/// and every control character escaped (a raw line break ends the string;
/// the rules hold expressions in YAML block scalars, whose readers break
/// lines at U+2028 too).
pub(crate) fn escape(value: &str) -> String {
    crate::escape_double_quoted(value)
}

impl Operation<'_> {
    /// Calls per second, when they are counted.
    pub(crate) fn calls_rate(&self, scope: Scope<'_>, extra: &[String]) -> Option<String> {
        match (self.histogram, self.calls) {
            (Some(histogram), _) => Some(summed_rate(
                &format!("{}_count", histogram.name),
                scope,
                extra,
            )),
            (None, Some(calls)) => Some(summed_rate(calls.name, scope, extra)),
            (None, None) => None,
        }
    }

    /// Failed calls per second: the `errors` counter but the `error_type`
    /// values that are the caller's fault, or the calls whose outcome is not
    /// `ok`.
    pub(crate) fn errors_rate(&self, scope: Scope<'_>, extra: &[String]) -> Option<String> {
        match (self.errors, self.calls, self.outcome) {
            (Some(errors), _, _) => {
                let mut matchers = extra.to_vec();
                if !self.client_errors.is_empty() {
                    let client: Vec<String> = self
                        .client_errors
                        .iter()
                        .map(|value| escape(&regex_literal(value)))
                        .collect();
                    matchers.push(format!(r#"error_type!~"{}""#, client.join("|")));
                }
                Some(summed_rate(errors.name, scope, &matchers))
            }
            (None, Some(calls), Some(outcome)) => {
                let mut matchers = extra.to_vec();
                matchers.push(format!(r#"{outcome}!="ok""#));
                Some(summed_rate(calls.name, scope, &matchers))
            }
            _ => None,
        }
    }

    /// The share of calls that failed.
    pub(crate) fn error_ratio(&self, scope: Scope<'_>, extra: &[String]) -> Option<String> {
        Some(format!(
            "{}\n/\n{}",
            self.errors_rate(scope, extra)?,
            self.calls_rate(scope, extra)?
        ))
    }

    /// The share of calls slower than `bound` (one of the histogram's bounds).
    pub(crate) fn slow_ratio(
        &self,
        bound: f64,
        scope: Scope<'_>,
        extra: &[String],
    ) -> Option<String> {
        let histogram = self.histogram?;
        let mut under = extra.to_vec();
        under.push(le_matcher(bound));
        Some(format!(
            "1 - (\n{}\n/\n{}\n)",
            summed_rate(&format!("{}_bucket", histogram.name), scope, &under),
            summed_rate(&format!("{}_count", histogram.name), scope, extra)
        ))
    }
}

/// `histogram_quantile(q, sum by (labels, le) (rate(name_bucket[window])))`.
pub(crate) fn histogram_quantile(
    histogram: &str,
    quantile: f64,
    scope: Scope<'_>,
    extra: &[String],
) -> String {
    let mut by = scope.by.to_vec();
    by.push("le");
    format!(
        "histogram_quantile({quantile}, {})",
        summed_rate(
            &format!("{histogram}_bucket"),
            Scope { by: &by, ..scope },
            extra
        )
    )
}

/// The rate of `counter`'s requests with a 5xx status; 0, not nothing, when
/// there are none (a status series exists only once it was answered).
pub(crate) fn server_error_rate(counter: &str, scope: Scope<'_>) -> String {
    let all = summed_rate(counter, scope, &[]);
    let failed = summed_rate(counter, scope, &[r#"status=~"5..""#.to_owned()]);
    format!("{failed}\nor\n{all} * 0")
}

/// The share of `counter`'s requests with a 5xx status; 0, not nothing, when
/// there are none.
pub(crate) fn server_error_ratio(counter: &str, scope: Scope<'_>) -> String {
    let all = summed_rate(counter, scope, &[]);
    let failed = summed_rate(counter, scope, &[r#"status=~"5..""#.to_owned()]);
    format!("(\n{failed}\nor\n{all} * 0\n)\n/\n{all}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_bounds_read_as_promql() {
        assert_eq!(series("up", "", &[]), "up");
        assert_eq!(
            series("up", r#"job="a""#, &[r#"x="y""#.to_owned()]),
            r#"up{job="a",x="y"}"#
        );
        assert_eq!(le_matcher(0.25), r#"le="0.25""#);
        assert_eq!(le_matcher(2.0), r#"le=~"2(\\.0)?""#);
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(
            escape("a\nb\tc\u{7}\u{85}\u{2028}é"),
            r"a\nb\tc\u0007\u0085\u2028é"
        );
    }
}
