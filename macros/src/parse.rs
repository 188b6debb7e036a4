//! Attribute grammar: tokens -> typed AST. Every node keeps the span of the token it
//! came from, so validation can point at the offending token.

use crate::diagnostics::{backticked, did_you_mean};
use crate::rules::MetricKind;
use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, LitInt, LitStr, Token, Type};

/// Every key `#[instrument_metric]` accepts, in the order the docs list them.
pub(crate) const KEYS: &[&str] = &[
    "histogram",
    "errors",
    "calls",
    "in_flight",
    "labels",
    "const_labels",
    "buckets",
    "help",
    "max_series",
    "error_type",
    "outcome",
    "objective",
    "native",
    "fn_label",
    "preset",
    "only",
    "skip",
];

/// The keys of `objective(...)`.
pub(crate) const OBJECTIVE_KEYS: &[&str] = &["latency", "percentile", "success"];

/// The keys that declare a metric; at least one is required.
pub(crate) const METRIC_KEYS: &[&str] = &["histogram", "errors", "calls", "in_flight"];

/// A metric name given as `key = "name"`.
#[derive(Clone)]
pub(crate) struct MetricName {
    pub(crate) key: Ident,
    pub(crate) lit: LitStr,
}

impl MetricName {
    pub(crate) fn value(&self) -> String {
        self.lit.value()
    }
}

/// `name = expr` or `name: Type = expr` inside `labels(...)`.
#[derive(Clone)]
pub(crate) struct LabelArg {
    pub(crate) name: Ident,
    /// The label's type when written (`tier: Tier = self.tier`): its values are
    /// then known at compile time wherever the value comes from.
    pub(crate) ty: Option<Type>,
    pub(crate) value: Expr,
}

/// `name = "value"` inside `const_labels(...)`.
#[derive(Clone)]
pub(crate) struct ConstLabelArg {
    pub(crate) name: Ident,
    pub(crate) value: LitStr,
}

/// One upper bound of `buckets = [...]`.
#[derive(Clone)]
pub(crate) struct Bucket {
    pub(crate) value: f64,
    /// The bound as written (`-1.0` is two tokens), for errors that underline it whole.
    pub(crate) expr: Expr,
}

#[derive(Clone)]
pub(crate) struct Buckets {
    pub(crate) key: Ident,
    pub(crate) bounds: Vec<Bucket>,
}

/// The parsed arguments of one `#[instrument_metric(...)]`.
#[derive(Default, Clone)]
pub(crate) struct Args {
    pub(crate) histogram: Option<MetricName>,
    pub(crate) errors: Option<MetricName>,
    pub(crate) calls: Option<MetricName>,
    pub(crate) in_flight: Option<MetricName>,
    pub(crate) labels_key: Option<Ident>,
    pub(crate) labels: Vec<LabelArg>,
    pub(crate) const_labels_key: Option<Ident>,
    pub(crate) const_labels: Vec<ConstLabelArg>,
    pub(crate) buckets: Option<Buckets>,
    pub(crate) help: Option<LitStr>,
    pub(crate) max_series: Option<(LitInt, u64)>,
    pub(crate) error_type: Option<LitStr>,
    /// The name of the label that splits `calls` by how each call ended.
    pub(crate) outcome: Option<LitStr>,
    pub(crate) objective: Option<ObjectiveArg>,
    /// `native(schema = N)`: the histogram is also a native histogram.
    pub(crate) native: Option<NativeArg>,
    /// `fn_label = "handler"`: a constant label whose value is the fn's name.
    pub(crate) fn_label: Option<LitStr>,
    /// `preset = path::TO::PRESET`: the keys a `preset!` declared once.
    pub(crate) preset: Option<(Ident, syn::Path)>,
    /// `only(a, b)` on an `impl` block: the methods it instruments.
    pub(crate) only: Option<MethodList>,
    /// `skip(a, b)` on an `impl` block: the methods it leaves bare.
    pub(crate) skip: Option<MethodList>,
    /// Every key as written, for an error about a key itself.
    pub(crate) keys: Vec<Ident>,
}

/// `only(a, b)` or `skip(a, b)`: the key, and the method names.
#[derive(Clone)]
pub(crate) struct MethodList {
    pub(crate) key: Ident,
    pub(crate) names: Vec<Ident>,
}

/// `native(schema = 3)`, or `native()` for the default schema.
#[derive(Clone)]
pub(crate) struct NativeArg {
    pub(crate) key: Ident,
    pub(crate) schema: Option<(LitInt, i64)>,
}

/// `objective(latency = "2s", percentile = 95, success = "99.5%")`: what the
/// fn promises, for the generated SLO rules and alerts.
#[derive(Clone)]
pub(crate) struct ObjectiveArg {
    pub(crate) key: Ident,
    /// The latency threshold, a duration: `"250ms"`, `"2s"`.
    pub(crate) latency: Option<LitStr>,
    /// The share of calls that must be faster, in percent (default 99).
    pub(crate) percentile: Option<Lit>,
    /// The share of calls that must succeed: `"99.5%"`.
    pub(crate) success: Option<LitStr>,
}

impl Args {
    /// The metric names of this annotation with the kind each declares.
    pub(crate) fn metrics(&self) -> impl Iterator<Item = (MetricKind, &MetricName)> {
        [
            (MetricKind::Histogram, self.histogram.as_ref()),
            (MetricKind::Counter, self.errors.as_ref()),
            (MetricKind::Counter, self.calls.as_ref()),
            (MetricKind::Gauge, self.in_flight.as_ref()),
        ]
        .into_iter()
        .filter_map(|(kind, name)| Some((kind, name?)))
    }

    /// The key `name` as written, when it was.
    pub(crate) fn key(&self, name: &str) -> Option<&Ident> {
        self.keys.iter().find(|key| *key == name)
    }
}

/// Parses the attribute's arguments, collecting every error instead of stopping at
/// the first, so that one run of the compiler shows them all.
pub(crate) fn parse_args(tokens: TokenStream) -> (Args, Vec<syn::Error>) {
    let mut args = Args::default();
    let mut errors = Vec::new();
    for item in split_top_level_commas(tokens) {
        if let Err(error) = (|input: ParseStream<'_>| parse_item(input, &mut args)).parse2(item) {
            errors.push(error);
        }
    }
    (args, errors)
}

/// Splits `a = 1, b(c, d), e = [1, 2]` into its items. Groups are single token
/// trees, so only commas at the top level separate items.
pub(crate) fn split_top_level_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut items = Vec::new();
    let mut current = Vec::new();
    for token in tokens {
        match &token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => {
                items.push(current.drain(..).collect());
            }
            _ => current.push(token),
        }
    }
    if !current.is_empty() {
        items.push(current.into_iter().collect());
    }
    items
}

fn parse_item(input: ParseStream<'_>, args: &mut Args) -> syn::Result<()> {
    let key = Ident::parse_any(input)?;
    args.keys.push(key.clone());
    match key.to_string().as_str() {
        "histogram" => set_once(&mut args.histogram, &key, metric_name(input, &key)?),
        "errors" => set_once(&mut args.errors, &key, metric_name(input, &key)?),
        "calls" => set_once(&mut args.calls, &key, metric_name(input, &key)?),
        "in_flight" => set_once(&mut args.in_flight, &key, metric_name(input, &key)?),
        "help" => set_once(&mut args.help, &key, string_value(input)?),
        "error_type" => set_once(&mut args.error_type, &key, string_value(input)?),
        "fn_label" => set_once(&mut args.fn_label, &key, string_value(input)?),
        "preset" => {
            input.parse::<Token![=]>()?;
            let path: syn::Path = input.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "`preset` takes the path of a `metricate::preset!`, e.g. `preset = crate::metrics::HANDLER`",
                )
            })?;
            set_once(&mut args.preset, &key, (key.clone(), path))
        }
        "only" => {
            let names = parenthesized_idents(input)?;
            set_once(
                &mut args.only,
                &key,
                MethodList {
                    key: key.clone(),
                    names,
                },
            )
        }
        "skip" => {
            let names = parenthesized_idents(input)?;
            set_once(
                &mut args.skip,
                &key,
                MethodList {
                    key: key.clone(),
                    names,
                },
            )
        }
        "outcome" => set_once(&mut args.outcome, &key, string_value(input)?),
        "objective" => {
            let objective = parse_objective(input, &key)?;
            set_once(&mut args.objective, &key, objective)
        }
        "native" => {
            let content;
            syn::parenthesized!(content in input);
            let schema = if content.is_empty() {
                None
            } else {
                let name = Ident::parse_any(&content)?;
                if name != "schema" {
                    return Err(syn::Error::new(
                        name.span(),
                        format!("unknown key `{name}` in `native(...)`\nhelp: the one key is `schema`: `native(schema = 3)`"),
                    ));
                }
                content.parse::<Token![=]>()?;
                let negative = content.parse::<Option<Token![-]>>()?.is_some();
                let lit: LitInt = content.parse()?;
                let value = lit.base10_parse::<i64>()?;
                Some((lit, if negative { -value } else { value }))
            };
            set_once(
                &mut args.native,
                &key,
                NativeArg {
                    key: key.clone(),
                    schema,
                },
            )
        }
        "max_series" => {
            input.parse::<Token![=]>()?;
            let lit: LitInt = input.parse()?;
            let value = lit.base10_parse::<u64>()?;
            set_once(&mut args.max_series, &key, (lit, value))
        }
        "buckets" => {
            input.parse::<Token![=]>()?;
            let bounds = parse_buckets(input)?;
            set_once(
                &mut args.buckets,
                &key,
                Buckets {
                    key: key.clone(),
                    bounds,
                },
            )
        }
        "labels" => {
            if args.labels_key.is_some() {
                return Err(duplicate_key(&key));
            }
            args.labels = parenthesized_labels(input)?;
            args.labels_key = Some(key);
            Ok(())
        }
        "const_labels" => {
            if args.const_labels_key.is_some() {
                return Err(duplicate_key(&key));
            }
            args.const_labels = parenthesized_const_labels(input)?;
            args.const_labels_key = Some(key);
            Ok(())
        }
        unknown => {
            let mut message = format!("unknown key `{unknown}` in `#[instrument_metric]`");
            match did_you_mean(unknown, KEYS) {
                Some(nearest) => message.push_str(&format!("\nhelp: did you mean `{nearest}`?")),
                None => message.push_str(&format!("\nhelp: the keys are {}", backticked(KEYS))),
            }
            // Swallow the value so the error stays on the key alone.
            let _: TokenStream = input.parse()?;
            Err(syn::Error::new(key.span(), message))
        }
    }
}

fn set_once<T>(slot: &mut Option<T>, key: &Ident, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate_key(key));
    }
    *slot = Some(value);
    Ok(())
}

pub(crate) fn duplicate_key(key: &Ident) -> syn::Error {
    syn::Error::new(
        key.span(),
        format!("duplicate key `{key}`\nhelp: give each key once"),
    )
}

fn string_value(input: ParseStream<'_>) -> syn::Result<LitStr> {
    input.parse::<Token![=]>()?;
    input.parse()
}

fn metric_name(input: ParseStream<'_>, key: &Ident) -> syn::Result<MetricName> {
    input.parse::<Token![=]>()?;
    let lit: LitStr = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("`{key}` takes the metric name as a string literal, e.g. `{key} = \"...\"`"),
        )
    })?;
    Ok(MetricName {
        key: key.clone(),
        lit,
    })
}

/// `(name = expr, name: Type = expr, ...)`.
fn parenthesized_labels(input: ParseStream<'_>) -> syn::Result<Vec<LabelArg>> {
    let content;
    syn::parenthesized!(content in input);
    let labels = Punctuated::<LabelArg, Token![,]>::parse_terminated_with(&content, |input| {
        let name = Ident::parse_any(input)?;
        let ty = if input.peek(Token![:]) {
            input.parse::<Token![:]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(LabelArg { name, ty, value })
    })?;
    Ok(labels.into_iter().collect())
}

/// `(a, b, c)`: method names.
fn parenthesized_idents(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    syn::parenthesized!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
    Ok(names.into_iter().collect())
}

/// `(latency = "2s", percentile = 95, success = "99.5%")`.
fn parse_objective(input: ParseStream<'_>, key: &Ident) -> syn::Result<ObjectiveArg> {
    let content;
    syn::parenthesized!(content in input);
    let mut objective = ObjectiveArg {
        key: key.clone(),
        latency: None,
        percentile: None,
        success: None,
    };
    while !content.is_empty() {
        let name = Ident::parse_any(&content)?;
        content.parse::<Token![=]>()?;
        match name.to_string().as_str() {
            "latency" => set_once(&mut objective.latency, &name, content.parse()?)?,
            "percentile" => set_once(&mut objective.percentile, &name, content.parse()?)?,
            "success" => set_once(&mut objective.success, &name, content.parse()?)?,
            unknown => {
                let help = match did_you_mean(unknown, OBJECTIVE_KEYS) {
                    Some(nearest) => format!("did you mean `{nearest}`?"),
                    None => format!("the keys are {}", backticked(OBJECTIVE_KEYS)),
                };
                return Err(syn::Error::new(
                    name.span(),
                    format!("unknown key `{unknown}` in `objective(...)`\nhelp: {help}"),
                ));
            }
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(objective)
}

/// `(name = "value", ...)`.
fn parenthesized_const_labels(input: ParseStream<'_>) -> syn::Result<Vec<ConstLabelArg>> {
    let content;
    syn::parenthesized!(content in input);
    let labels =
        Punctuated::<ConstLabelArg, Token![,]>::parse_terminated_with(&content, |input| {
            let name = Ident::parse_any(input)?;
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            Ok(ConstLabelArg { name, value })
        })?;
    Ok(labels.into_iter().collect())
}

pub(crate) fn parse_buckets(input: ParseStream<'_>) -> syn::Result<Vec<Bucket>> {
    let content;
    syn::bracketed!(content in input);
    let exprs = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
    exprs.iter().map(bucket_bound).collect()
}

fn bucket_bound(expr: &Expr) -> syn::Result<Bucket> {
    let (negative, lit) = match expr {
        Expr::Lit(lit) => (false, &lit.lit),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(lit) => (true, &lit.lit),
            _ => return Err(not_a_number(expr)),
        },
        _ => return Err(not_a_number(expr)),
    };
    let magnitude = match lit {
        Lit::Float(float) => float.base10_parse::<f64>()?,
        Lit::Int(int) => int.base10_parse::<f64>()?,
        _ => return Err(not_a_number(expr)),
    };
    Ok(Bucket {
        value: if negative { -magnitude } else { magnitude },
        expr: expr.clone(),
    })
}

fn not_a_number(expr: &Expr) -> syn::Error {
    syn::Error::new_spanned(
        expr,
        "a bucket bound is a number literal in seconds, e.g. `0.25`",
    )
}
