//! The Prometheus rules metricate enforces at compile time.
//!
//! The rules themselves are pure functions over strings and numbers, unit-tested
//! below; [`check`] applies them to one annotation, collects every error with the
//! span of its offending token, and resolves what expansion needs to know.

use crate::parse::{backticked, Args, MetricKind, MetricName, METRIC_KEYS};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, Ident, ItemFn, Member, Pat, ReturnType, Type};

/// The default budget of series per family: the product of the label types' value counts.
pub(crate) const DEFAULT_MAX_SERIES: u64 = 1_000;
/// `max_series` may raise the budget up to this cap and no further.
pub(crate) const MAX_SERIES_CAP: u64 = 10_000;

/// Label names whose values are unbounded by nature; refused whatever their type.
const UNBOUNDED_LABEL_NAMES: &[&str] = &[
    "id",
    "uuid",
    "guid",
    "user",
    "user_id",
    "username",
    "user_name",
    "email",
    "email_address",
    "ip",
    "ip_address",
    "client_ip",
    "remote_addr",
    "address",
    "session",
    "session_id",
    "request_id",
    "trace_id",
    "span_id",
    "correlation_id",
    "url",
    "uri",
    "path",
    "query",
    "token",
    "api_key",
    "phone",
    "phone_number",
    "timestamp",
    "message",
    "error_message",
    "filename",
    "file_name",
];

/// Scaled time units that a duration histogram must not use: Prometheus wants seconds.
const SCALED_TIME_SUFFIXES: &[&str] = &[
    "_milliseconds",
    "_millis",
    "_ms",
    "_microseconds",
    "_micros",
    "_us",
    "_nanoseconds",
    "_nanos",
    "_ns",
    "_minutes",
    "_hours",
    "_days",
];

/// Suffixes the exposition format gives to the series of histograms and summaries.
const RESERVED_SUFFIXES: &[&str] = &["_count", "_sum", "_bucket"];

/// A rule broken: the message, and the fix when there is one.
#[derive(Debug, PartialEq)]
pub(crate) struct Violation {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl Violation {
    pub(crate) fn new(message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        Violation {
            message: message.into(),
            help: help.into(),
        }
    }

    pub(crate) fn at(self, span: Span) -> syn::Error {
        syn::Error::new(span, self.text())
    }

    /// The error on every token of `tokens`: `tier_of(body)` underlined whole, not
    /// only `tier_of`, which is all a single span covers on stable.
    pub(crate) fn on(self, tokens: impl quote::ToTokens) -> syn::Error {
        syn::Error::new_spanned(tokens, self.text())
    }

    fn text(self) -> String {
        match self.help {
            Some(help) => format!("{}\nhelp: {help}", self.message),
            None => self.message,
        }
    }
}

fn is_snake_identifier(name: &str, allow_upper: bool) -> bool {
    let mut chars = name.chars();
    let first_ok =
        |c: char| c == '_' || c.is_ascii_lowercase() || (allow_upper && c.is_ascii_uppercase());
    matches!(chars.next(), Some(c) if first_ok(c))
        && chars.all(|c| first_ok(c) || c.is_ascii_digit())
}

/// `Cv-Parse duration` -> `cv_parse_duration`: the nearest valid metric name.
pub(crate) fn to_snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            previous_lower = false;
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

/// A metric name is lower snake_case and does not end in a reserved suffix.
pub(crate) fn metric_name(name: &str) -> Result<(), Violation> {
    if !is_snake_identifier(name, false) {
        let suggestion = to_snake_case(name);
        return Err(Violation::new(
            format!("`{name}` is not a valid metric name: a metric name is lower snake_case, `[a-z_][a-z0-9_]*`"),
            (!suggestion.is_empty()).then(|| format!("try `{suggestion}`")),
        ));
    }
    if name.starts_with("__") {
        return Err(Violation::new(
            format!("metric name `{name}` starts with `__`, which is reserved for Prometheus' internal use"),
            None,
        ));
    }
    if let Some(suffix) = RESERVED_SUFFIXES
        .iter()
        .find(|suffix| name.ends_with(*suffix))
    {
        return Err(Violation::new(
            format!("metric name `{name}` ends in `{suffix}`, a suffix reserved for the series of histograms and summaries"),
            Some(format!("rename it, e.g. `{}`", name.trim_end_matches(suffix).to_owned() + "_events_total")),
        ));
    }
    Ok(())
}

/// Every naming rule for a metric of `kind` declared by `key`. A reserved suffix
/// gets a suggestion that suits the kind, so following the help never leads
/// straight into the next error (a gauge is not told to end in `_total`).
pub(crate) fn metric_rules(kind: MetricKind, key: &str, name: &str) -> Result<(), Violation> {
    metric_name(name).map_err(|mut violation| {
        if let Some(suffix) = RESERVED_SUFFIXES
            .iter()
            .find(|suffix| name.ends_with(*suffix))
        {
            let stem = &name[..name.len() - suffix.len()];
            let suggestion = match kind {
                MetricKind::Counter => format!("{stem}_total"),
                MetricKind::Gauge => stem.to_owned(),
                MetricKind::Histogram => format!("{stem}_seconds"),
            };
            if is_snake_identifier(&suggestion, false) {
                violation.help = Some(format!("try `{suggestion}`"));
            }
        }
        violation
    })?;
    kind_suffix(kind, key, name)
}

/// The suffix rules of each kind: counters end in `_total`; gauges and histograms do
/// not; a duration histogram ends in `_seconds`, the base unit.
pub(crate) fn kind_suffix(kind: MetricKind, key: &str, name: &str) -> Result<(), Violation> {
    match kind {
        MetricKind::Counter if !name.ends_with("_total") => Err(Violation::new(
            format!("counter `{name}` (`{key}`) must end in `_total`"),
            Some(format!("try `{name}_total`")),
        )),
        MetricKind::Gauge | MetricKind::Histogram if name.ends_with("_total") => {
            Err(Violation::new(
                format!(
                    "`{name}` is a {} (`{key}`), but `_total` is reserved for counters",
                    kind_name(kind)
                ),
                Some(format!("try `{}`", name.trim_end_matches("_total"))),
            ))
        }
        MetricKind::Histogram => duration_unit(name),
        _ => Ok(()),
    }
}

fn kind_name(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Counter => "counter",
        MetricKind::Gauge => "gauge",
        MetricKind::Histogram => "histogram",
    }
}

/// A duration histogram measures seconds and says so in its name.
pub(crate) fn duration_unit(name: &str) -> Result<(), Violation> {
    if name.ends_with("_seconds") {
        return Ok(());
    }
    if let Some(scaled) = SCALED_TIME_SUFFIXES
        .iter()
        .find(|suffix| name.ends_with(*suffix))
    {
        return Err(Violation::new(
            format!(
                "duration histogram `{name}` is in `{}`: Prometheus measures durations in seconds",
                &scaled[1..]
            ),
            Some(format!(
                "rename it `{}_seconds`; metricate records seconds",
                name.trim_end_matches(scaled)
            )),
        ));
    }
    Err(Violation::new(
        format!("duration histogram `{name}` must end in `_seconds`, its base unit"),
        Some(format!("try `{name}_seconds`")),
    ))
}

/// The base units a `histogram!` name may end in: Prometheus records base units.
pub(crate) const BASE_UNITS: &[&str] = &[
    "seconds", "bytes", "ratio", "meters", "volts", "amperes", "joules", "grams", "celsius",
];

/// A `histogram!` name ends in its base unit, so readers know what it measures.
pub(crate) fn base_unit(name: &str) -> Result<(), Violation> {
    if BASE_UNITS
        .iter()
        .any(|unit| name.ends_with(&format!("_{unit}")))
    {
        return Ok(());
    }
    if SCALED_TIME_SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
    {
        return duration_unit(name);
    }
    Err(Violation::new(
        format!(
            "histogram `{name}` must end in its unit, a base unit such as `_seconds` or `_bytes`"
        ),
        Some(format!(
            "the base units are {}; e.g. `{name}_bytes`",
            BASE_UNITS
                .iter()
                .map(|unit| format!("`_{unit}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    ))
}

/// Label names: valid identifiers, not reserved by Prometheus, not unbounded by nature.
pub(crate) fn label_name(name: &str) -> Result<(), Violation> {
    if !is_snake_identifier(name, true) {
        return Err(Violation::new(
            format!("`{name}` is not a valid label name: `[a-zA-Z_][a-zA-Z0-9_]*`"),
            Some(format!("try `{}`", to_snake_case(name))),
        ));
    }
    if name == "le" || name == "quantile" {
        return Err(Violation::new(
            format!("label name `{name}` is reserved: Prometheus uses it for the buckets of histograms and summaries"),
            Some("choose another name".to_owned()),
        ));
    }
    if name.starts_with("__") {
        return Err(Violation::new(
            format!(
                "label name `{name}` is reserved: names starting with `__` are Prometheus' own"
            ),
            Some("choose another name".to_owned()),
        ));
    }
    if UNBOUNDED_LABEL_NAMES.contains(&name) || name.ends_with("_id") {
        return Err(Violation::new(
            format!("label `{name}` is unbounded by nature: one series per distinct value would explode the cardinality of the metric"),
            Some("drop the label, or label with a bounded classification (an enum deriving `LabelValue`) under another name".to_owned()),
        ));
    }
    Ok(())
}

/// Bucket bounds: finite, positive, strictly increasing. Returns the index of the
/// offending bound with the violation.
pub(crate) fn buckets(bounds: &[f64]) -> Result<(), (usize, Violation)> {
    for (index, &bound) in bounds.iter().enumerate() {
        if !bound.is_finite() || bound <= 0.0 {
            return Err((index, Violation::new(
                format!("bucket bound `{bound:?}` must be positive: durations are never negative or zero"),
                Some("remove it; Prometheus adds the `+Inf` bucket itself".to_owned()),
            )));
        }
        if let Some(&previous) = index.checked_sub(1).and_then(|i| bounds.get(i)) {
            if bound <= previous {
                return Err((index, Violation::new(
                    format!("buckets must be strictly increasing, but `{bound:?}` follows `{previous:?}`"),
                    Some("sort the bounds and remove duplicates".to_owned()),
                )));
            }
        }
    }
    Ok(())
}

/// The cardinality budget: `max_series` must stay within the hard cap.
pub(crate) fn max_series(value: u64) -> Result<(), Violation> {
    if value == 0 || value > MAX_SERIES_CAP {
        return Err(Violation::new(
            format!("`max_series = {value}` is outside 1..={MAX_SERIES_CAP}: the hard cap on series per family keeps cardinality bounded"),
            Some("reduce the labels' value counts instead of raising the budget further".to_owned()),
        ));
    }
    Ok(())
}

/// Optimal string alignment distance, for did-you-mean suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The candidate nearest to `word`, when it is near enough to be a typo.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// How the label's type is checked against its budget at compile time.
pub(crate) enum CheckScope {
    /// The type can be named outside the fn: a `const` item, evaluated by `cargo check`.
    Item,
    /// The type mentions `Self` or the fn's generics: an inline `const` block.
    Inline,
}

/// A label whose value is read from a parameter.
pub(crate) struct LabelSource<'a> {
    pub(crate) name: &'a Ident,
    pub(crate) expr: &'a Expr,
    /// The field path from the parameter to the value (empty for the parameter itself).
    pub(crate) fields: Vec<Member>,
    /// The parameter's type with references stripped and lifetimes made `'static`.
    pub(crate) param_type: Type,
    pub(crate) scope: CheckScope,
}

/// How the body of the fn runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Sync,
    Async,
    /// A fn already expanded by `#[async_trait]`: a sync fn whose body is
    /// `Box::pin(async move { .. })`. The inner future is what gets timed.
    AsyncTrait,
}

/// Everything expansion needs, resolved and checked.
pub(crate) struct Checked<'a> {
    pub(crate) labels: Vec<LabelSource<'a>>,
    pub(crate) body: BodyKind,
    pub(crate) max_series: u64,
    /// `E` of `Result<T, E>` when `errors` classifies by it and it can be named
    /// outside the fn: its values are then known at start.
    pub(crate) error_type: Option<&'a Type>,
}

/// Applies every rule to one annotation; all errors are returned together.
pub(crate) fn check<'a>(
    args: &'a Args,
    func: &'a ItemFn,
    parse_failed: bool,
) -> Result<Checked<'a>, Vec<syn::Error>> {
    let mut errors = Vec::new();
    check_metrics(args, parse_failed, &mut errors);
    check_label_names(args, &mut errors);
    if let Some(buckets) = &args.buckets {
        let bounds: Vec<f64> = buckets.bounds.iter().map(|bound| bound.value).collect();
        if bounds.is_empty() {
            errors.push(
                Violation::new("`buckets` needs at least one bound", None).at(buckets.key.span()),
            );
        }
        if let Err((index, violation)) = self::buckets(&bounds) {
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
    if let (Some(error_type), None) = (&args.error_type, &args.errors) {
        errors.push(
            Violation::new(
                "`error_type` only applies to `errors`",
                Some("add `errors = \"..._total\"` or remove `error_type`".to_owned()),
            )
            .at(error_type.span()),
        );
    }
    let max_series = match &args.max_series {
        Some((lit, value)) => {
            if let Err(violation) = self::max_series(*value) {
                errors.push(violation.at(lit.span()));
            }
            *value
        }
        None => DEFAULT_MAX_SERIES,
    };
    if let Some(constness) = &func.sig.constness {
        errors.push(Violation::new(
            "`#[instrument_metric]` cannot instrument a `const fn`: a call evaluated at compile time has no duration to record",
            Some("remove `const`, or instrument the non-const fn that calls it".to_owned()),
        ).at(constness.span()));
    }
    let body = body_kind(func);
    if let Some(errors_name) = &args.errors {
        if args.error_type.is_none() {
            check_result_output(func, body, errors_name, &mut errors);
        }
    }
    let labels = resolve_label_sources(args, func, &mut errors);
    if errors.is_empty() {
        let error_type = match (&args.errors, &args.error_type) {
            (Some(_), None) => nameable_error_type(func, body),
            _ => None,
        };
        Ok(Checked {
            labels,
            body,
            max_series,
            error_type,
        })
    } else {
        Err(errors)
    }
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
        if let Err(violation) = metric_rules(*kind, &key, &name) {
            errors.push(violation.at(metric.lit.span()));
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
        } else if let Err(violation) = label_name(&text) {
            errors.push(violation.at(name.span()));
        }
        seen.push(text);
    }
}

fn body_kind(func: &ItemFn) -> BodyKind {
    if func.sig.asyncness.is_some() {
        BodyKind::Async
    } else if async_trait_future(func).is_some() {
        BodyKind::AsyncTrait
    } else {
        BodyKind::Sync
    }
}

/// The `async move { .. }` block of a body that `#[async_trait]` expanded to
/// `Box::pin(async move { .. })`.
pub(crate) fn async_trait_future(func: &ItemFn) -> Option<&syn::ExprAsync> {
    let syn::Stmt::Expr(Expr::Call(call), None) = func.block.stmts.last()? else {
        return None;
    };
    let Expr::Path(callee) = &*call.func else {
        return None;
    };
    let segments: Vec<String> = callee
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    match call.args.first()? {
        Expr::Async(future) => Some(future),
        _ => None,
    }
}

/// The type a call produces: the declared output, or for `#[async_trait]` the
/// `Output` of the boxed future.
pub(crate) fn produced_type(func: &ItemFn, body: BodyKind) -> Option<&Type> {
    let ReturnType::Type(_, output) = &func.sig.output else {
        return None;
    };
    if body != BodyKind::AsyncTrait {
        return Some(output);
    }
    // Pin<Box<dyn Future<Output = T> + Send + 'async_trait>>
    let mut found = None;
    struct FindOutput<'a, 'b>(&'b mut Option<&'a Type>);
    impl<'a> Visit<'a> for FindOutput<'a, '_> {
        fn visit_assoc_type(&mut self, assoc: &'a syn::AssocType) {
            if assoc.ident == "Output" && self.0.is_none() {
                *self.0 = Some(&assoc.ty);
            }
        }
    }
    FindOutput(&mut found).visit_type(output);
    found.or(Some(output))
}

/// `errors` needs a `Result`. Aliases (`io::Result<T>`) are left to the type checker;
/// what is plainly not a `Result` is refused here, on its token.
fn check_result_output(
    func: &ItemFn,
    body: BodyKind,
    errors_name: &MetricName,
    errors: &mut Vec<syn::Error>,
) {
    let violation = |found: &str| {
        Violation::new(
            format!("`errors` needs a fn returning `Result<_, E>`, but this fn returns {found}"),
            Some(format!(
                "return a `Result`, or remove `errors = \"{}\"`",
                errors_name.value()
            )),
        )
    };
    match produced_type(func, body) {
        None => errors.push(violation("`()`").at(func.sig.paren_token.span.close())),
        Some(ty) if plainly_not_result(ty) => {
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

fn plainly_not_result(ty: &Type) -> bool {
    const NOT_RESULT: &[&str] = &[
        "bool", "char", "str", "String", "Option", "Vec", "Box", "u8", "u16", "u32", "u64", "u128",
        "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "HashMap", "BTreeMap",
    ];
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| NOT_RESULT.contains(&segment.ident.to_string().as_str())),
        Type::Tuple(_) | Type::Reference(_) | Type::Array(_) | Type::Slice(_) | Type::Never(_) => {
            true
        }
        _ => false,
    }
}

/// Resolves each `labels(name = expr)` to the parameter it reads and that
/// parameter's type, which the compile-time cardinality check names.
fn resolve_label_sources<'a>(
    args: &'a Args,
    func: &'a ItemFn,
    errors: &mut Vec<syn::Error>,
) -> Vec<LabelSource<'a>> {
    let generics: Vec<String> = func
        .sig
        .generics
        .type_params()
        .map(|param| param.ident.to_string())
        .collect();
    let mut sources = Vec::new();
    for label in &args.labels {
        let Some((root, fields)) = field_path(&label.value) else {
            errors.push(Violation::new(
                format!("the value of label `{}` must be a parameter or a field path on one, like `user.plan`", label.name),
                Some("bind the value to a parameter of the fn".to_owned()),
            ).on(&label.value));
            continue;
        };
        let Some(param_type) = parameter_type(func, &root) else {
            errors.push(
                Violation::new(
                    format!("`{root}` is not a parameter of `{}`", func.sig.ident),
                    Some(format!(
                        "label values are read from parameters; the parameters are {}",
                        parameter_names(func)
                    )),
                )
                .on(&label.value),
            );
            continue;
        };
        let mut param_type = strip_references(param_type).clone();
        let shape = TypeShape::of(&param_type, &generics);
        if shape.has_impl_trait || (fields.is_empty() && shape.is_bare_generic) {
            errors.push(Violation::new(
                format!("label `{}` reads `{root}`, whose type is generic: a label needs one concrete type whose values are known at compile time", label.name),
                Some("use a concrete enum deriving `LabelValue`".to_owned()),
            ).on(&label.value));
            continue;
        }
        StaticLifetimes.visit_type_mut(&mut param_type);
        let scope = if shape.mentions_self || shape.mentions_generics {
            CheckScope::Inline
        } else {
            CheckScope::Item
        };
        sources.push(LabelSource {
            name: &label.name,
            expr: &label.value,
            fields,
            param_type,
            scope,
        });
    }
    sources
}

/// `user.plan.tier` -> (`user`, [`plan`, `tier`]); `None` for anything else.
fn field_path(expr: &Expr) -> Option<(String, Vec<Member>)> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => {
            Some((path.path.get_ident()?.to_string(), Vec::new()))
        }
        Expr::Field(field) => {
            let (root, mut fields) = field_path(&field.base)?;
            fields.push(field.member.clone());
            Some((root, fields))
        }
        Expr::Paren(paren) => field_path(&paren.expr),
        _ => None,
    }
}

fn parameter_type<'a>(func: &'a ItemFn, name: &str) -> Option<&'a Type> {
    func.sig.inputs.iter().find_map(|input| match input {
        FnArg::Receiver(receiver) if name == "self" => Some(&*receiver.ty),
        FnArg::Typed(typed) => match &*typed.pat {
            Pat::Ident(ident) if ident.ident == name => Some(&*typed.ty),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    })
}

fn parameter_names(func: &ItemFn) -> String {
    let names: Vec<String> = func
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Receiver(_) => Some("self".to_owned()),
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) => Some(ident.ident.to_string()),
                _ => None,
            },
        })
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        backticked(&names.iter().map(String::as_str).collect::<Vec<_>>())
    }
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

/// `E` of a `Result<T, E>` output, when a `const` item outside the fn can name it
/// as written: it mentions no `Self`, generic parameter, `impl Trait` or lifetime.
fn nameable_error_type(func: &ItemFn, body: BodyKind) -> Option<&Type> {
    let error = result_error_type(produced_type(func, body)?)?;
    let generics: Vec<String> = func
        .sig
        .generics
        .type_params()
        .map(|param| param.ident.to_string())
        .collect();
    let shape = TypeShape::of(error, &generics);
    let mut lifetimes = false;
    struct FindLifetime<'f>(&'f mut bool);
    impl Visit<'_> for FindLifetime<'_> {
        fn visit_lifetime(&mut self, _: &syn::Lifetime) {
            *self.0 = true;
        }
        fn visit_type_reference(&mut self, _: &syn::TypeReference) {
            *self.0 = true;
        }
    }
    FindLifetime(&mut lifetimes).visit_type(error);
    let nameable =
        !(shape.mentions_self || shape.mentions_generics || shape.has_impl_trait || lifetimes);
    nameable.then_some(error)
}

/// `E` of a type written `Result<T, E>` (any path ending in `Result` with two
/// type arguments).
pub(crate) fn result_error_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    let mut types = arguments.args.iter().filter_map(|argument| match argument {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (
        last.ident == "Result",
        types.next(),
        types.next(),
        types.next(),
    ) {
        (true, Some(_), Some(error), None) => Some(error),
        _ => None,
    }
}

/// What a parameter's type mentions that decides where it can be named.
#[derive(Default)]
struct TypeShape<'g> {
    generics: &'g [String],
    mentions_self: bool,
    mentions_generics: bool,
    has_impl_trait: bool,
    is_bare_generic: bool,
}

impl<'g> TypeShape<'g> {
    fn of(ty: &Type, generics: &'g [String]) -> Self {
        let mut shape = TypeShape {
            generics,
            ..TypeShape::default()
        };
        if let Type::Path(path) = ty {
            shape.is_bare_generic = path.qself.is_none()
                && path
                    .path
                    .get_ident()
                    .is_some_and(|ident| generics.iter().any(|g| ident == g));
        }
        shape.visit_type(ty);
        shape
    }
}

impl<'ast> Visit<'ast> for TypeShape<'_> {
    fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
        self.has_impl_trait = true;
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if let Some(first) = path.segments.first() {
            if first.ident == "Self" {
                self.mentions_self = true;
            }
            if path.leading_colon.is_none() && self.generics.iter().any(|g| first.ident == g) {
                self.mentions_generics = true;
            }
        }
        syn::visit::visit_path(self, path);
    }
}

/// Replaces every lifetime with `'static`, so a parameter's type can be named in a
/// `const` item outside the fn's generics.
struct StaticLifetimes;

impl VisitMut for StaticLifetimes {
    fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
        *lifetime = syn::Lifetime::new("'static", lifetime.span());
    }

    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        reference.lifetime = Some(syn::Lifetime::new("'static", reference.and_token.span));
        syn::visit_mut::visit_type_reference_mut(self, reference);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_lower_snake_case() {
        assert!(metric_name("cv_parse_duration_seconds").is_ok());
        assert!(metric_name("_private_total").is_ok());
        let violation = metric_name("Cv-Parse duration_seconds").unwrap_err();
        assert!(violation.message.contains("metric name"));
        assert_eq!(
            violation.help.as_deref(),
            Some("try `cv_parse_duration_seconds`")
        );
        assert!(metric_name("9lives_total").is_err());
        assert!(metric_name("").is_err());
        assert!(metric_name("__internal_total").is_err());
    }

    #[test]
    fn reserved_suffixes_are_refused() {
        for name in ["x_count", "x_sum", "x_bucket"] {
            assert!(
                metric_name(name).unwrap_err().message.contains("reserved"),
                "{name}"
            );
        }
    }

    #[test]
    fn reserved_suffix_suggestions_suit_the_kind() {
        let help = |kind, name| metric_rules(kind, "key", name).unwrap_err().help;
        assert_eq!(
            help(MetricKind::Counter, "jobs_count").as_deref(),
            Some("try `jobs_total`")
        );
        assert_eq!(
            help(MetricKind::Gauge, "jobs_count").as_deref(),
            Some("try `jobs`")
        );
        assert_eq!(
            help(MetricKind::Histogram, "x_sum").as_deref(),
            Some("try `x_seconds`")
        );
        assert!(metric_rules(MetricKind::Counter, "calls", "x_total").is_ok());
        assert!(metric_rules(MetricKind::Counter, "calls", "x")
            .unwrap_err()
            .message
            .contains("_total"));
    }

    #[test]
    fn counters_end_in_total_and_nothing_else_does() {
        assert!(kind_suffix(MetricKind::Counter, "errors", "cv_parse_errors_total").is_ok());
        assert!(
            kind_suffix(MetricKind::Counter, "errors", "cv_parse_errors")
                .unwrap_err()
                .message
                .contains("_total")
        );
        assert!(kind_suffix(MetricKind::Gauge, "in_flight", "jobs_total").is_err());
        assert!(kind_suffix(MetricKind::Gauge, "in_flight", "jobs_in_flight").is_ok());
        assert!(kind_suffix(MetricKind::Histogram, "histogram", "x_seconds_total").is_err());
    }

    #[test]
    fn duration_histograms_are_in_seconds() {
        assert!(duration_unit("cv_parse_duration_seconds").is_ok());
        assert!(duration_unit("cv_parse_duration")
            .unwrap_err()
            .message
            .contains("_seconds"));
        let scaled = duration_unit("cv_parse_duration_milliseconds").unwrap_err();
        assert!(scaled.message.contains("seconds"));
        assert_eq!(
            scaled.help.as_deref(),
            Some("rename it `cv_parse_duration_seconds`; metricate records seconds")
        );
    }

    #[test]
    fn value_histograms_end_in_a_base_unit() {
        assert!(base_unit("cv_size_bytes").is_ok());
        assert!(base_unit("match_score_ratio").is_ok());
        assert!(base_unit("cv_size").unwrap_err().message.contains("unit"));
        assert!(base_unit("render_milliseconds")
            .unwrap_err()
            .message
            .contains("seconds"));
    }

    #[test]
    fn label_names_reserved_and_unbounded() {
        assert!(label_name("format").is_ok());
        assert!(label_name("Format").is_ok());
        assert!(label_name("le").unwrap_err().message.contains("reserved"));
        assert!(label_name("quantile")
            .unwrap_err()
            .message
            .contains("reserved"));
        assert!(label_name("__name__")
            .unwrap_err()
            .message
            .contains("reserved"));
        assert!(label_name("bad-name").is_err());
        for name in [
            "user_id",
            "email",
            "ip",
            "session_id",
            "request_id",
            "trace_id",
            "url",
            "customer_id",
        ] {
            let violation = label_name(name).unwrap_err();
            assert!(
                violation.message.contains(name) && violation.message.contains("cardinality"),
                "{name}"
            );
        }
    }

    #[test]
    fn buckets_are_positive_and_strictly_increasing() {
        assert!(buckets(&[0.005, 0.01, 1.0, 10.0]).is_ok());
        let (index, violation) = buckets(&[0.5, 0.1]).unwrap_err();
        assert_eq!(index, 1);
        assert!(violation.message.contains("increasing"));
        assert_eq!(buckets(&[0.1, 0.1]).unwrap_err().0, 1);
        assert_eq!(buckets(&[0.0, 1.0]).unwrap_err().0, 0);
        assert_eq!(buckets(&[-1.0]).unwrap_err().0, 0);
        assert_eq!(buckets(&[f64::INFINITY]).unwrap_err().0, 0);
    }

    #[test]
    fn max_series_has_a_hard_cap() {
        assert!(max_series(1).is_ok());
        assert!(max_series(MAX_SERIES_CAP).is_ok());
        assert!(max_series(MAX_SERIES_CAP + 1).is_err());
        assert!(max_series(0).is_err());
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let keys = crate::parse::KEYS;
        assert_eq!(did_you_mean("histgram", keys), Some("histogram"));
        assert_eq!(did_you_mean("eror", keys), Some("errors"));
        assert_eq!(did_you_mean("inflight", keys), Some("in_flight"));
        assert_eq!(did_you_mean("label", keys), Some("labels"));
        assert_eq!(did_you_mean("frobnicate", keys), None);
    }

    #[test]
    fn snake_case_suggestions() {
        assert_eq!(
            to_snake_case("Cv-Parse duration_seconds"),
            "cv_parse_duration_seconds"
        );
        assert_eq!(to_snake_case("HTTPRequests"), "httprequests");
        assert_eq!(to_snake_case("PlainText"), "plain_text");
        assert_eq!(to_snake_case("1st"), "_1st");
    }
}
