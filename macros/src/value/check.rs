//! The rules of the value macros: the same naming and label rules as the
//! attribute's, with the kind each macro declares.

use super::parse::{ComputedArgs, ValueArgs};
use crate::diagnostics::Violation;
use crate::rules::{self, Measure, MetricKind};

/// The macro's name, as errors quote it.
pub(crate) fn macro_name(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Counter => "counter!",
        MetricKind::Gauge => "gauge!",
        MetricKind::Histogram => "histogram!",
    }
}

pub(crate) fn check(kind: MetricKind, args: &ValueArgs) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let name = args.name.value();
    if let Err(violation) = rules::metric_rules(kind, Measure::Value, macro_name(kind), &name) {
        errors.push(violation.at(args.name.span()));
    }
    if let Some((key, bounds)) = &args.buckets {
        if kind != MetricKind::Histogram {
            errors.push(
                Violation::new("`buckets` only applies to `histogram!`", None).at(key.span()),
            );
        }
        let values: Vec<f64> = bounds.iter().map(|bound| bound.value).collect();
        if let Err((index, violation)) = rules::buckets(&values) {
            errors.push(violation.on(&bounds[index].expr));
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for label in &args.labels {
        let text = label.name.to_string();
        if seen.contains(&text) {
            errors.push(
                Violation::new(
                    format!("duplicate label `{text}`"),
                    Some("give each label one name and one value".to_owned()),
                )
                .at(label.name.span()),
            );
        } else if let Err(violation) = rules::label_name(&text) {
            errors.push(violation.at(label.name.span()));
        }
        seen.push(text);
    }
    errors
}

pub(crate) fn check_computed(args: &ComputedArgs) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let name = args.name.value();
    if let Err(violation) =
        rules::metric_rules(MetricKind::Gauge, Measure::Value, "computed_gauge!", &name)
    {
        errors.push(violation.at(args.name.span()));
    }
    if let Some(label) = &args.label {
        if let Err(violation) = rules::label_name(&label.value()) {
            errors.push(violation.at(label.span()));
        }
    }
    errors
}
