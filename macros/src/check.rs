//! Applies every rule to one `#[instrument_metric]`: all errors are collected
//! and reported together, each on its offending token. What passes becomes a
//! [`Checked`], everything expansion needs and all it reads.

use crate::diagnostics::{backticked, Violation};
use crate::parse::{Args, LabelArg, MetricName, NativeArg, ObjectiveArg, METRIC_KEYS};
use crate::rules::{self, Measure, MetricKind, DEFAULT_MAX_SERIES};
use crate::signature::{
    self, field_path, generic_names, readable_names, value_root, with_static_lifetimes, BodyKind,
    TypeShape,
};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Expr, Ident, ItemFn, LitStr, Member, Pat, Type};

/// Everything expansion needs, resolved and checked: the one form `expand`
/// reads (never the raw arguments).
pub(crate) struct Checked<'a> {
    pub(crate) func: &'a ItemFn,
    /// The four metrics' names, those declared.
    pub(crate) histogram: Option<&'a LitStr>,
    pub(crate) errors_name: Option<&'a LitStr>,
    pub(crate) calls: Option<&'a LitStr>,
    pub(crate) in_flight: Option<&'a LitStr>,
    /// The names of every declared metric, for messages.
    pub(crate) metric_names: Vec<String>,
    /// `buckets = [..]`, when given.
    pub(crate) buckets: Option<Vec<f64>>,
    /// `const_labels(..)`: names and values.
    pub(crate) const_labels: Vec<(String, &'a LitStr)>,
    /// The label of `calls` that says how each call ended.
    pub(crate) outcome: Option<&'a LitStr>,
    /// The `labels` key, where the cardinality check is reported.
    pub(crate) labels_key: Option<&'a Ident>,
    pub(crate) labels: Vec<LabelSource<'a>>,
    pub(crate) body: BodyKind,
    pub(crate) max_series: u64,
    pub(crate) errors: ErrorSource,
    /// The call produces a `Result`, so `outcome` can tell `ok` from `error`.
    pub(crate) returns_result: bool,
    /// The HELP text: `help = ".."`, else the doc comment's first paragraph.
    pub(crate) help: String,
    pub(crate) objective: Option<Objective>,
    /// The native histogram's schema, when the histogram is also native.
    pub(crate) native_schema: Option<i8>,
}

/// A checked `objective(...)`: ratios and seconds.
pub(crate) struct Objective {
    /// The threshold in seconds and the share of calls under it.
    pub(crate) latency: Option<(f64, f64)>,
    /// The share of calls that succeed.
    pub(crate) success: Option<f64>,
}

/// Where the `error_type` values of `errors` come from.
pub(crate) enum ErrorSource {
    /// No `errors` metric.
    None,
    /// `error_type = "..."`: one fixed value.
    Fixed(syn::LitStr),
    /// The error type, nameable outside the fn: its values are known at start.
    /// Either `E` of a `Result<T, E>`, or `ErrorOf<R>` of an output `R`.
    Named(Box<Type>),
    /// The error type depends on the fn's generics or `Self`: each instantiation
    /// classifies with its own type's values, known from its first call.
    PerCall,
}

/// How a label's type is known.
pub(crate) enum LabelType {
    /// `name: Type = expr`: the written type.
    Written(Type),
    /// `name = expr`: the type of a parameter's projection, nameable outside the
    /// fn by a closure over the parameter's type (`|p: &P| &(*p).field`).
    Projected(Projection),
    /// `name = expr` where the parameter's type mentions `Self`: checked in an
    /// inline `const` block; the values are known from the first call.
    AtFirstUse(Projection),
}

/// The closure that names a label's type: from a reference to the parameter,
/// through its pattern when the root is one of its bindings, to the field.
pub(crate) struct Projection {
    /// The parameter's type, lifetimes made `'static`.
    pub(crate) param_type: Type,
    /// The parameter's pattern keeping only the root binding.
    pub(crate) pattern: Option<Pat>,
    pub(crate) root: Ident,
    pub(crate) fields: Vec<Member>,
}

/// A label, with where its value comes from and how its type is known.
pub(crate) struct LabelSource<'a> {
    pub(crate) name: &'a Ident,
    pub(crate) expr: &'a Expr,
    pub(crate) ty: LabelType,
}

impl LabelSource<'_> {
    /// Whether the label's values are known at compile time.
    pub(crate) fn known_at_start(&self) -> bool {
        !matches!(self.ty, LabelType::AtFirstUse(_))
    }
}

impl Checked<'_> {
    /// Whether every label's values are known at compile time.
    pub(crate) fn labels_known(&self) -> bool {
        self.labels.iter().all(LabelSource::known_at_start)
    }

    /// Whether the `error_type` values are known at compile time.
    pub(crate) fn errors_known(&self) -> bool {
        !matches!(self.errors, ErrorSource::PerCall)
    }

    /// Whether a call's return value must be seen: to classify its error, or to
    /// tell `ok` from `error` in the outcome.
    pub(crate) fn needs_result(&self) -> bool {
        self.errors_name.is_some() || (self.outcome.is_some() && self.returns_result)
    }
}

/// Applies every rule to one annotation; all errors are returned together.
pub(crate) fn check<'a>(
    args: &'a Args,
    func: &'a ItemFn,
    parse_failed: bool,
) -> Result<Checked<'a>, Vec<syn::Error>> {
    let mut errors = check_keys(args, parse_failed);
    for list in [&args.only, &args.skip].into_iter().flatten() {
        errors.push(
            Violation::new(
                format!(
                    "`{}` chooses the methods of an annotated `impl` block",
                    list.key
                ),
                Some(format!(
                    "annotate the `impl` block, or remove `{}`",
                    list.key
                )),
            )
            .at(list.key.span()),
        );
    }
    let max_series = args
        .max_series
        .as_ref()
        .map_or(DEFAULT_MAX_SERIES, |(_, value)| *value);
    if let Some(constness) = &func.sig.constness {
        errors.push(Violation::new(
            "`#[instrument_metric]` cannot instrument a `const fn`: a call evaluated at compile time has no duration to record",
            Some("remove `const`, or instrument the non-const fn that calls it".to_owned()),
        ).at(constness.span()));
    }
    let body = signature::body_kind(func);
    let produced = signature::produced_type(func, body);
    if let (Some(errors_name), None) = (&args.errors, &args.error_type) {
        check_result_output(func, produced, errors_name, &mut errors);
    }
    let labels = resolve_labels(args, func, &mut errors);
    // Their errors are `check_keys`' already.
    let mut reported = Vec::new();
    let objective = args
        .objective
        .as_ref()
        .and_then(|objective| check_objective(args, objective, &mut reported));
    let native_schema = args
        .native
        .as_ref()
        .and_then(|native| check_native(args, native, &mut reported));
    if !errors.is_empty() {
        return Err(errors);
    }
    let errors = match (&args.errors, &args.error_type) {
        (None, _) => ErrorSource::None,
        (Some(_), Some(fixed)) => ErrorSource::Fixed(fixed.clone()),
        (Some(_), None) => error_source(func, produced),
    };
    Ok(Checked {
        func,
        histogram: args.histogram.as_ref().map(|metric| &metric.lit),
        errors_name: args.errors.as_ref().map(|metric| &metric.lit),
        calls: args.calls.as_ref().map(|metric| &metric.lit),
        in_flight: args.in_flight.as_ref().map(|metric| &metric.lit),
        metric_names: args.metrics().map(|(_, metric)| metric.value()).collect(),
        buckets: args
            .buckets
            .as_ref()
            .map(|buckets| buckets.bounds.iter().map(|bound| bound.value).collect()),
        const_labels: args
            .const_labels
            .iter()
            .map(|label| (label.name.to_string(), &label.value))
            .collect(),
        outcome: args.outcome.as_ref(),
        labels_key: args.labels_key.as_ref(),
        labels,
        body,
        max_series,
        errors,
        returns_result: args.errors.is_some() || produced.is_some_and(signature::looks_like_result),
        help: help_text(args, func),
        objective,
        native_schema,
    })
}

/// The rules that need no fn: names, labels, buckets, and how the keys fit
/// together. A preset is checked by these where it is declared.
pub(crate) fn check_keys(args: &Args, parse_failed: bool) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    check_metrics(args, parse_failed, &mut errors);
    check_label_names(args, &mut errors);
    check_buckets(args, &mut errors);
    if let (Some(error_type), None) = (&args.error_type, &args.errors) {
        errors.push(
            Violation::new(
                "`error_type` only applies to `errors`",
                Some("add `errors = \"..._total\"` or remove `error_type`".to_owned()),
            )
            .at(error_type.span()),
        );
    }
    if let Some(fixed) = &args.error_type {
        if let Err(violation) = rules::label_value("`error_type`", &fixed.value()) {
            errors.push(violation.at(fixed.span()));
        }
    }
    if let (Some(outcome), None) = (&args.outcome, &args.calls) {
        errors.push(
            Violation::new(
                "`outcome` labels the `calls` counter with how each call ended",
                Some("add `calls = \"..._total\"` or remove `outcome`".to_owned()),
            )
            .at(outcome.span()),
        );
    }
    if let Some((lit, value)) = &args.max_series {
        if let Err(violation) = rules::max_series(*value) {
            errors.push(violation.at(lit.span()));
        }
    }
    if let Some(fn_label) = &args.fn_label {
        if let Err(violation) = rules::label_name(&fn_label.value()) {
            errors.push(violation.at(fn_label.span()));
        }
    }
    if let Some(objective) = &args.objective {
        check_objective(args, objective, &mut errors);
    }
    if let Some(native) = &args.native {
        check_native(args, native, &mut errors);
    }
    errors
}

/// `fn_label = "name"`: a constant label valued with the fn's name, added
/// to `args` when the name is a valid label name (`check_keys` reports it
/// otherwise).
pub(crate) fn apply_fn_label(args: &mut Args, fn_name: &Ident) {
    let Some(label) = &args.fn_label else {
        return;
    };
    let Ok(name) = syn::parse_str::<Ident>(&label.value()) else {
        return;
    };
    if rules::label_name(&label.value()).is_err() {
        return;
    }
    let value = fn_name.unraw().to_string();
    args.const_labels.push(crate::parse::ConstLabelArg {
        name: Ident::new(&name.to_string(), label.span()),
        value: LitStr::new(&value, fn_name.span()),
    });
    if args.const_labels_key.is_none() {
        args.const_labels_key = Some(Ident::new("const_labels", label.span()));
    }
}

/// `native(schema = N)`: on a histogram, with a schema metricate records.
fn check_native(args: &Args, native: &NativeArg, errors: &mut Vec<syn::Error>) -> Option<i8> {
    if args.histogram.is_none() {
        errors.push(
            Violation::new(
                "`native` makes the call's duration histogram a native histogram too",
                Some("add `histogram = \"..._seconds\"` or remove `native`".to_owned()),
            )
            .at(native.key.span()),
        );
        return None;
    }
    let Some((lit, schema)) = &native.schema else {
        return Some(rules::DEFAULT_NATIVE_SCHEMA);
    };
    match rules::native_schema(*schema) {
        Ok(schema) => Some(schema),
        Err(violation) => {
            errors.push(violation.at(lit.span()));
            None
        }
    }
}

/// The objective's values, each checked where it is written: a duration that
/// is a bucket bound of a histogram, percentages strictly between 0 and 100,
/// and the metrics each kind of objective is measured on.
fn check_objective(
    args: &Args,
    objective: &ObjectiveArg,
    errors: &mut Vec<syn::Error>,
) -> Option<Objective> {
    let before = errors.len();
    if objective.latency.is_none() && objective.success.is_none() {
        errors.push(
            Violation::new(
                "`objective(...)` needs `latency = \"...\"`, `success = \"...%\"` or both",
                Some(
                    "e.g. `objective(latency = \"250ms\", percentile = 99, success = \"99.5%\")`"
                        .to_owned(),
                ),
            )
            .at(objective.key.span()),
        );
    }
    let latency = objective.latency.as_ref().and_then(|latency| {
        let seconds = rules::duration(&latency.value())
            .map_err(|violation| errors.push(violation.at(latency.span())))
            .ok()?;
        if args.histogram.is_none() {
            errors.push(
                Violation::new(
                    "a latency objective is measured on the call's duration histogram",
                    Some("add `histogram = \"..._seconds\"`".to_owned()),
                )
                .at(latency.span()),
            );
            return None;
        }
        let bounds: Vec<f64> = match &args.buckets {
            Some(buckets) => buckets.bounds.iter().map(|bound| bound.value).collect(),
            None => rules::DEFAULT_DURATION_BUCKETS.to_vec(),
        };
        // The bound itself, bit for bit, so the rules select the `le` the
        // exposition writes.
        rules::threshold_is_a_bound(seconds, &latency.value(), &bounds)
            .map_err(|violation| errors.push(violation.at(latency.span())))
            .ok()
    });
    let percentile = match &objective.percentile {
        None => Some(0.99),
        Some(lit) => {
            let text = match lit {
                syn::Lit::Int(int) => int.base10_digits().to_owned(),
                syn::Lit::Float(float) => float.base10_digits().to_owned(),
                syn::Lit::Str(text) => text.value(),
                _ => String::new(),
            };
            let percentile = rules::percent(&text, "`percentile`")
                .map_err(|violation| errors.push(violation.at(lit.span())))
                .ok();
            if objective.latency.is_none() {
                errors.push(
                    Violation::new(
                        "`percentile` is the share of calls under the latency objective",
                        Some("add `latency = \"...\"` or remove `percentile`".to_owned()),
                    )
                    .at(lit.span()),
                );
            }
            percentile
        }
    };
    let success = objective.success.as_ref().and_then(|success| {
        let ratio = rules::percent(&success.value(), "`success`")
            .map_err(|violation| errors.push(violation.at(success.span())))
            .ok()?;
        // Failed calls are counted by `errors`, or by `calls` split by `outcome`.
        let counts_failures = args.errors.is_some() || (args.calls.is_some() && args.outcome.is_some());
        let counts_calls = args.calls.is_some() || args.histogram.is_some();
        if !(counts_failures && counts_calls) {
            errors.push(
                Violation::new(
                    "a success objective is measured as the share of calls without an error: it needs `errors` and either `calls` or `histogram`, or `calls` with `outcome`",
                    Some("add `errors = \"..._total\"` and `calls = \"..._total\"`, or `calls = \"..._total\"` and `outcome = \"status\"`".to_owned()),
                )
                .at(success.span()),
            );
            return None;
        }
        Some(ratio)
    });
    (errors.len() == before).then(|| Objective {
        latency: latency.zip(percentile),
        success,
    })
}

fn check_metrics(args: &Args, parse_failed: bool, errors: &mut Vec<syn::Error>) {
    let metrics: Vec<(MetricKind, &MetricName)> = args.metrics().collect();
    // After a parse error (a misspelt key) the missing metric is that error's echo.
    if metrics.is_empty() && !parse_failed {
        errors.push(syn::Error::new(
            Span::call_site(),
            format!(
                "`#[instrument_metric]` needs at least one metric\nhelp: add one of {}, e.g. `histogram = \"my_fn_duration_seconds\"`",
                backticked(METRIC_KEYS)
            ),
        ));
    }
    for (position, (kind, metric)) in metrics.iter().enumerate() {
        let name = metric.value();
        let key = metric.key.to_string();
        if let Err(violation) = rules::metric_rules(*kind, Measure::Duration, &key, &name) {
            errors.push(violation.at(metric.lit.span()));
        }
        let openmetrics = |kind: MetricKind, name: &str| match kind {
            MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name).to_owned(),
            _ => name.to_owned(),
        };
        if let Some((other_kind, first)) = metrics[..position].iter().find(|(other_kind, other)| {
            other.value() != name
                && openmetrics(*other_kind, &other.value()) == openmetrics(*kind, &name)
        }) {
            errors.push(Violation::new(
                format!(
                    "`{key}` and `{}` share the OpenMetrics family name `{}`: a {} `{}` and a {} `{name}` would write two `# TYPE {}` lines, which OpenMetrics parsers refuse",
                    first.key,
                    openmetrics(*kind, &name),
                    other_kind.name(),
                    first.value(),
                    kind.name(),
                    openmetrics(*kind, &name),
                ),
                Some(format!("rename one, e.g. `{}_current`", openmetrics(*kind, &name))),
            ).at(metric.lit.span()));
        }
        if let Some((_, first)) = metrics[..position]
            .iter()
            .find(|(_, other)| other.value() == name)
        {
            errors.push(Violation::new(
                format!("`{key}` and `{}` both name `{name}`: each metric of an annotation needs its own name", first.key),
                None,
            ).at(metric.lit.span()));
        }
    }
}

fn check_label_names(args: &Args, errors: &mut Vec<syn::Error>) {
    let names = args
        .labels
        .iter()
        .map(|label| &label.name)
        .chain(args.const_labels.iter().map(|label| &label.name));
    let mut seen: Vec<String> = Vec::new();
    let outcome = args.outcome.as_ref().map(syn::LitStr::value);
    for name in names {
        let text = name.to_string();
        if seen.contains(&text) {
            errors.push(
                Violation::new(
                    format!("duplicate label name `{text}`"),
                    Some("each label name appears once: rename or remove this one".to_owned()),
                )
                .at(name.span()),
            );
            continue;
        }
        if text == "error_type" && args.errors.is_some() {
            errors.push(
                Violation::new(
                    "label `error_type` is reserved: `errors` sets it to the error's label value",
                    Some("rename this label".to_owned()),
                )
                .at(name.span()),
            );
        } else if outcome.as_deref() == Some(text.as_str()) {
            errors.push(
                Violation::new(
                    format!("label `{text}` is also the `outcome` label"),
                    Some("rename this label, or give `outcome` another name".to_owned()),
                )
                .at(name.span()),
            );
        } else if let Err(violation) = rules::label_name(&text) {
            errors.push(violation.at(name.span()));
        }
        seen.push(text);
    }
    for label in &args.const_labels {
        let what = format!("the value of `{}`", label.name);
        if let Err(violation) = rules::label_value(&what, &label.value.value()) {
            errors.push(violation.at(label.value.span()));
        }
    }
    if let Some(outcome) = &args.outcome {
        let name = outcome.value();
        let reserved = (name == "error_type" && args.errors.is_some()).then(|| {
            Violation::new(
                "label `error_type` is reserved: `errors` sets it to the error's label value",
                Some("name the outcome label `status` or `outcome`".to_owned()),
            )
        });
        if let Some(violation) = reserved.or_else(|| rules::label_name(&name).err()) {
            errors.push(violation.at(outcome.span()));
        }
    }
}

fn check_buckets(args: &Args, errors: &mut Vec<syn::Error>) {
    let Some(buckets) = &args.buckets else {
        return;
    };
    let bounds: Vec<f64> = buckets.bounds.iter().map(|bound| bound.value).collect();
    if bounds.is_empty() {
        errors.push(
            Violation::new("`buckets` needs at least one bound", None).at(buckets.key.span()),
        );
    }
    if let Err((index, violation)) = rules::buckets(&bounds) {
        errors.push(violation.on(&buckets.bounds[index].expr));
    }
    if args.histogram.is_none() {
        errors.push(
            Violation::new(
                "`buckets` only applies to a `histogram`",
                Some("add `histogram = \"..._seconds\"` or remove `buckets`".to_owned()),
            )
            .at(buckets.key.span()),
        );
    }
}

/// `errors` needs a `Result`. Aliases (`io::Result<T>`) are left to the type
/// checker; what is plainly not a `Result` is refused here, on its token.
fn check_result_output(
    func: &ItemFn,
    produced: Option<&Type>,
    errors_name: &MetricName,
    errors: &mut Vec<syn::Error>,
) {
    let violation = |found: &str| {
        let help = format!(
            "return a `Result`, or remove `errors = \"{}\"`",
            errors_name.value()
        );
        Violation::new(
            format!("`errors` needs a fn returning `Result<_, E>`, but this fn returns {found}"),
            Some(help),
        )
    };
    match produced {
        None => errors.push(violation("`()`").at(func.sig.paren_token.span.close())),
        Some(ty) if signature::plainly_not_result(ty) => {
            let shown = quote::ToTokens::to_token_stream(ty)
                .to_string()
                .replace(" < ", "<")
                .replace(" >", ">")
                .replace(" ,", ",");
            errors.push(violation(&format!("`{shown}`")).on(ty));
        }
        Some(_) => {}
    }
}

/// The error type `errors` classifies by: named outside the fn when it can be
/// (as `E` of `Result<T, E>`, or as `ErrorOf<R>` of an alias `R`), so its values
/// are known at start; else found per call.
fn error_source(func: &ItemFn, produced: Option<&Type>) -> ErrorSource {
    let generics = generic_names(func);
    let nameable = |ty: &Type| TypeShape::of(ty, &generics).nameable_outside();
    let Some(produced) = produced else {
        return ErrorSource::PerCall;
    };
    if let Some(error) = signature::result_error_type(produced).filter(|error| nameable(error)) {
        return ErrorSource::Named(Box::new(with_static_lifetimes(error)));
    }
    if nameable(produced) {
        // Spanned on the return type, so an error type that is not a
        // `LabelValue` (`anyhow::Result<T>`) is reported there.
        let span = produced.span();
        let produced = with_static_lifetimes(produced);
        return ErrorSource::Named(Box::new(syn::parse_quote_spanned!(span=>
            ::metricate::__private::ErrorOf<#produced>
        )));
    }
    ErrorSource::PerCall
}

/// Resolves each label: its value must be a parameter, a binding of a
/// parameter's pattern, or a field path on one; its type is written, or named
/// through the parameter's type.
fn resolve_labels<'a>(
    args: &'a Args,
    func: &'a ItemFn,
    errors: &mut Vec<syn::Error>,
) -> Vec<LabelSource<'a>> {
    let generics = generic_names(func);
    let mut sources = Vec::new();
    for label in &args.labels {
        match resolve_label(label, func, &generics) {
            Ok(ty) => sources.push(LabelSource {
                name: &label.name,
                expr: &label.value,
                ty,
            }),
            Err(error) => errors.push(error),
        }
    }
    sources
}

fn resolve_label(
    label: &LabelArg,
    func: &ItemFn,
    generics: &[String],
) -> Result<LabelType, syn::Error> {
    let Some((root, fields)) = field_path(&label.value) else {
        return Err(Violation::new(
            format!("the value of label `{}` must be a parameter, a binding of a parameter's pattern, or a field path on one, like `user.plan`", label.name),
            Some("bind the value to a parameter of the fn".to_owned()),
        ).on(&label.value));
    };
    let Some(source) = value_root(func, &root, fields) else {
        let names = readable_names(func);
        let names = if names.is_empty() {
            "none".to_owned()
        } else {
            backticked(&names)
        };
        return Err(Violation::new(
            format!("`{root}` is not a parameter of `{}`", func.sig.ident),
            Some(format!(
                "label values are read from parameters and the bindings of their patterns; here they are {names}"
            )),
        )
        .on(&label.value));
    };
    if let Some(ty) = &label.ty {
        let shape = TypeShape::of(ty, generics);
        if !shape.nameable_outside() {
            let what = if shape.mentions_self {
                "write the type's own name instead of `Self`"
            } else {
                "a label's type is one concrete enum deriving `LabelValue`"
            };
            return Err(Violation::new(
                format!("the type of label `{}` must be named without the fn's generics, `Self` or `impl Trait`: its values must be known at compile time", label.name),
                Some(what.to_owned()),
            ).on(ty));
        }
        return Ok(LabelType::Written(with_static_lifetimes(ty)));
    }
    let param_type = source.param_type;
    let shape = TypeShape::of(strip_references(param_type), generics);
    let typed_form = format!(
        "labels({}: Type = {})",
        label.name,
        quote::ToTokens::to_token_stream(&label.value)
            .to_string()
            .replace(" . ", ".")
    );
    if shape.has_impl_trait || (source.fields.is_empty() && shape.is_bare_generic) {
        return Err(Violation::new(
            format!("label `{}` reads `{root}`, whose type is generic: a label needs one concrete type whose values are known at compile time", label.name),
            Some("use a concrete enum deriving `LabelValue`".to_owned()),
        ).on(&label.value));
    }
    if shape.mentions_generics {
        return Err(Violation::new(
            format!("label `{}` reads `{root}`, whose type depends on the fn's generic parameters: the label's type could differ between instantiations", label.name),
            Some(format!("write the label's concrete type: `{typed_form}`")),
        ).on(&label.value));
    }
    let projection = Projection {
        param_type: with_static_lifetimes(match source.pattern {
            // A binding's type is found by matching the parameter's pattern
            // against a reference to the parameter, references and all.
            Some(_) => param_type,
            None => strip_references(param_type),
        }),
        pattern: source
            .pattern
            .map(|pattern| signature::pattern_keeping(pattern, &root)),
        root: Ident::new(&root, label.value.span()),
        fields: source.fields,
    };
    Ok(if shape.mentions_self {
        LabelType::AtFirstUse(projection)
    } else {
        LabelType::Projected(projection)
    })
}

fn strip_references(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Reference(reference) => ty = &reference.elem,
            Type::Paren(paren) => ty = &paren.elem,
            Type::Group(group) => ty = &group.elem,
            _ => return ty,
        }
    }
}

/// `help = ".."`, else the first paragraph of the doc comment on one line, else
/// ``Calls of `fn_name`.``.
fn help_text(args: &Args, func: &ItemFn) -> String {
    match &args.help {
        Some(help) => help.value(),
        None => {
            doc_summary(&func.attrs).unwrap_or_else(|| format!("Calls of `{}`.", func.sig.ident))
        }
    }
}

/// The first paragraph of a doc comment, on one line. Each `///` line is an
/// attribute of its own; a blank one (`///` alone) ends the paragraph.
pub(crate) fn doc_summary(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("doc")) {
        let syn::Meta::NameValue(meta) = &attr.meta else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &meta.value
        else {
            continue;
        };
        let text = text.value();
        // `/** .. */` puts a whole paragraph, blank lines and all, in one attribute.
        let mut pieces: Vec<&str> = text.lines().map(str::trim).collect();
        if pieces.is_empty() {
            pieces.push("");
        }
        for line in pieces {
            if line.is_empty() {
                if lines.is_empty() {
                    continue;
                }
                return Some(lines.join(" "));
            }
            lines.push(line.to_owned());
        }
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_is_the_first_paragraph_of_the_doc() {
        let func: ItemFn = syn::parse_str(
            "/// Parses an uploaded CV
            /// into sections.
            ///
            /// # Errors
            ///
            /// When the body is empty.
            fn parse() {}",
        )
        .unwrap();
        assert_eq!(
            doc_summary(&func.attrs).as_deref(),
            Some("Parses an uploaded CV into sections.")
        );
        let block: ItemFn =
            syn::parse_str("/** First line.\n\n Second paragraph. */ fn f() {}").unwrap();
        assert_eq!(doc_summary(&block.attrs).as_deref(), Some("First line."));
        let none: ItemFn = syn::parse_str("fn f() {}").unwrap();
        assert_eq!(doc_summary(&none.attrs), None);
    }
}
