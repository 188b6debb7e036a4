//! `counter!`, `gauge!` and `histogram!`: one metric each, for values that are not
//! a call's duration, with the same compile-time rules and the same
//! pre-resolved hot path as `#[instrument_metric]`.
//!
//! Grammar: `"name"` then, comma-separated, `help = "..."`, `buckets = [...]`
//! (histograms) and labels, either `name = expr` (values known from the first
//! use) or `name: Type = expr` (values known at compile time: the series exist
//! at 0 from start, and the budget is checked by `cargo check`).

use crate::parse::{self, Bucket, MetricKind};
use crate::validate::{self, Violation};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, Ident, LitStr, Token, Type};

struct ValueArgs {
    name: LitStr,
    help: Option<LitStr>,
    buckets: Option<(Ident, Vec<Bucket>)>,
    labels: Vec<ValueLabel>,
}

struct ValueLabel {
    name: Ident,
    ty: Option<Type>,
    value: Expr,
}

impl Parse for ValueArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "the first argument is the metric name, a string literal",
            )
        })?;
        let mut args = ValueArgs {
            name,
            help: None,
            buckets: None,
            labels: Vec::new(),
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key = Ident::parse_any(input)?;
            if key == "help" && input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                args.help = Some(input.parse()?);
            } else if key == "buckets" && input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                args.buckets = Some((key, parse::parse_buckets(input)?));
            } else {
                let ty = if input.peek(Token![:]) {
                    input.parse::<Token![:]>()?;
                    Some(input.parse()?)
                } else {
                    None
                };
                input.parse::<Token![=]>()?;
                let value = input.parse()?;
                args.labels.push(ValueLabel {
                    name: key,
                    ty,
                    value,
                });
            }
        }
        Ok(args)
    }
}

pub(crate) fn expand(kind: MetricKind, input: TokenStream) -> TokenStream {
    let args: ValueArgs = match syn::parse2(input) {
        Ok(args) => args,
        Err(error) => return detached(kind, &[error]),
    };
    let errors = check(kind, &args);
    if !errors.is_empty() {
        return detached(kind, &errors);
    }
    generate(kind, &args)
}

/// The errors, and an expression of the right type, so the code around the call
/// still type-checks and does not cascade.
fn detached(kind: MetricKind, errors: &[syn::Error]) -> TokenStream {
    let errors = errors.iter().map(syn::Error::to_compile_error);
    let detached = match kind {
        MetricKind::Counter => quote!(DETACHED_COUNTER),
        MetricKind::Gauge => quote!(DETACHED_GAUGE),
        MetricKind::Histogram => quote!(DETACHED_HISTOGRAM),
    };
    quote! {{
        #(#errors)*
        &::metricate::__private::#detached
    }}
}

fn check(kind: MetricKind, args: &ValueArgs) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let name = args.name.value();
    let key = match kind {
        MetricKind::Counter => "counter!",
        MetricKind::Gauge => "gauge!",
        MetricKind::Histogram => "histogram!",
    };
    let named = validate::metric_name(&name).and_then(|()| match kind {
        MetricKind::Histogram => validate::kind_suffix(MetricKind::Gauge, key, &name)
            .and_then(|()| validate::base_unit(&name)),
        _ => validate::kind_suffix(kind, key, &name),
    });
    if let Err(violation) = named {
        errors.push(violation.at(args.name.span()));
    }
    if let Some((key, bounds)) = &args.buckets {
        if kind != MetricKind::Histogram {
            errors.push(
                Violation::new("`buckets` only applies to `histogram!`", None).at(key.span()),
            );
        }
        let values: Vec<f64> = bounds.iter().map(|bound| bound.value).collect();
        if let Err((index, violation)) = validate::buckets(&values) {
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
        } else if let Err(violation) = validate::label_name(&text) {
            errors.push(violation.at(label.name.span()));
        }
        seen.push(text);
    }
    errors
}

fn generate(kind: MetricKind, args: &ValueArgs) -> TokenStream {
    let name = &args.name;
    let help = args
        .help
        .as_ref()
        .map_or_else(|| name.value(), LitStr::value);
    let kind_variant = match kind {
        MetricKind::Counter => quote!(Counter),
        MetricKind::Gauge => quote!(Gauge),
        MetricKind::Histogram => quote!(Histogram),
    };
    let buckets = match &args.buckets {
        Some((_, bounds)) => {
            let bounds = bounds.iter().map(|bound| bound.value);
            quote!(::core::option::Option::Some(&[#(#bounds),*]))
        }
        None => quote!(::core::option::Option::None),
    };
    let label_names = args.labels.iter().map(|label| label.name.to_string());
    let all_typed = args.labels.iter().all(|label| label.ty.is_some());
    let label_values = if all_typed && !args.labels.is_empty() {
        let types = args.labels.iter().filter_map(|label| label.ty.as_ref());
        quote!(::core::option::Option::Some(&[#(::metricate::__private::values_of_type::<#types>()),*]))
    } else {
        quote!(::core::option::Option::None)
    };
    let budget = budget_check(args, all_typed);
    let labels: Vec<(Option<&Type>, Expr)> = args
        .labels
        .iter()
        .map(|label| (label.ty.as_ref(), label.value.clone()))
        .collect();
    let row = crate::expand::label_row(&labels, None);
    let accessor = match kind {
        MetricKind::Counter => quote!(counter),
        MetricKind::Gauge => quote!(gauge),
        MetricKind::Histogram => quote!(histogram),
    };
    let declare = crate::expand::declare_attributes("VALUE_SITES");
    let location = name.span();
    let file = quote_spanned!(location=> ::core::file!());
    let line = quote_spanned!(location=> ::core::line!());
    quote! {{
        #declare
        static __METRICATE_SITE: ::metricate::__private::ValueSite = ::metricate::__private::ValueSite::new(
            ::metricate::__private::ValueSiteDesc {
                kind: ::metricate::__private::ValueKind::#kind_variant,
                name: #name,
                help: #help,
                buckets: #buckets,
                label_names: &[#(#label_names),*],
                module_path: ::core::module_path!(),
                file: #file,
                line: #line,
            },
            #label_values,
        );
        #budget
        #row
        __METRICATE_SITE.#accessor(&__metricate_label_values[..], __metricate_row)
    }}
}

/// Typed labels: a `const` item that `cargo check` evaluates, naming each type.
/// Untyped labels: each value's type must be a `LabelValue`, checked on the value;
/// their types cannot be named in a constant, so their budget is enforced when
/// the site's series are created (a site over budget records nothing and is
/// reported through `metricate::problems()`).
fn budget_check(args: &ValueArgs, all_typed: bool) -> TokenStream {
    if args.labels.is_empty() {
        return TokenStream::new();
    }
    let max = validate::DEFAULT_MAX_SERIES as usize;
    let message = format!(
        "label cardinality of `{}` exceeds the budget of {max} series\nhelp: drop a label or label with a coarser type",
        args.name.value()
    );
    let span = args.name.span();
    if all_typed {
        let cardinalities = args.labels.iter().filter_map(|label| {
            let ty = label.ty.as_ref()?;
            Some(quote_spanned!(ty.span()=> ::metricate::__private::values_of_type::<#ty>().len()))
        });
        quote_spanned! {span=>
            const _: () = ::core::assert!(1usize #(.saturating_mul(#cardinalities))* <= #max, "{}", #message);
        }
    } else {
        let checks = args.labels.iter().map(|label| {
            let value = &label.value;
            let ty = label.ty.iter();
            quote_spanned!(value.span()=> ::metricate::__private::require_label_value::<#(#ty)*>(&(#value)))
        });
        quote! {
            #(#checks;)*
        }
    }
}

/// `computed_gauge!("name", help = "...", label = "state", || read())`: the name
/// and label checked here, the rest at run time by `register_computed_gauge`.
struct ComputedArgs {
    name: LitStr,
    help: Option<LitStr>,
    label: Option<LitStr>,
    read: Expr,
}

impl Parse for ComputedArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: LitStr = input.parse()?;
        let (mut help, mut label) = (None, None);
        loop {
            input.parse::<Token![,]>()?;
            if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>()?;
                match key.to_string().as_str() {
                    "help" => help = Some(input.parse()?),
                    "label" => label = Some(input.parse()?),
                    other => {
                        return Err(syn::Error::new(
                            key.span(),
                            format!("unknown key `{other}` in `computed_gauge!`\nhelp: the keys are `help` and `label`, then the callback"),
                        ))
                    }
                }
            } else {
                let read = input.parse()?;
                let _ = input.parse::<Option<Token![,]>>()?;
                return Ok(ComputedArgs {
                    name,
                    help,
                    label,
                    read,
                });
            }
        }
    }
}

pub(crate) fn computed_gauge(input: TokenStream) -> TokenStream {
    let args: ComputedArgs = match syn::parse2(input) {
        Ok(args) => args,
        Err(error) => return error.to_compile_error(),
    };
    let name = args.name.value();
    let mut errors = Vec::new();
    if let Err(violation) = validate::metric_name(&name)
        .and_then(|()| validate::kind_suffix(MetricKind::Gauge, "computed_gauge!", &name))
    {
        errors.push(violation.at(args.name.span()));
    }
    if let Some(label) = &args.label {
        if let Err(violation) = validate::label_name(&label.value()) {
            errors.push(violation.at(label.span()));
        }
    }
    if !errors.is_empty() {
        let errors = errors.iter().map(syn::Error::to_compile_error);
        return quote! {{ #(#errors)* ::core::result::Result::<(), ::metricate::__private::prometheus::Error>::Ok(()) }};
    }
    let literal = &args.name;
    let help = args
        .help
        .as_ref()
        .map_or_else(|| name.clone(), LitStr::value);
    let label = match &args.label {
        Some(label) => quote!(::core::option::Option::Some(#label)),
        None => quote!(::core::option::Option::None),
    };
    let read = &args.read;
    quote! {
        ::metricate::register_computed_gauge(#literal, #help, #label, #read)
    }
}
