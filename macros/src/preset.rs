//! Presets: the keys many annotated fns share, declared once by
//! `metricate::preset!` and named at each site with `preset = path::NAME`.
//!
//! A proc macro cannot read another item, so a preset is a `macro_rules!`
//! macro carrying its keys, reached by path (as `derive_alias` and
//! `macro_rules_attribute` do). Three steps, data flowing one way:
//!
//! 1. `preset! { pub(crate) HANDLER(calls = "..", fn_label = "handler"); }`
//!    checks the keys where they are written and defines `HANDLER!`;
//! 2. `#[instrument_metric(preset = crate::HANDLER, ..)] fn f() {}` becomes
//!    `crate::HANDLER! { @site [..] [crate::HANDLER] fn f() {} }`: a misspelt
//!    path is rustc's own "cannot find macro" error, on the user's path;
//! 3. `HANDLER!` hands its keys back, with its doc comment's summary (the
//!    families' help when the preset sets none): `#[instrument_metric(@preset
//!    [keys] [help] [path] ..)] fn f() {}`, and [`merge`] joins them with the
//!    site's, each error on the site's token that breaks the preset's shape.

use crate::check;
use crate::diagnostics::{backticked, Violation};
use crate::parse::{self, Args, ConstLabelArg, LabelArg};
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, LitStr, Token, Type, Visibility};

/// The keys a site may set beside its preset's: those that do not change the
/// families' shape, so every site of one preset exports the same families.
const SITE_KEYS: &[&str] = &["help", "error_type", "objective", "only", "skip"];

/// What a preset says of its labels: each name, its type or value when the
/// preset fixes them, else each site gives the value.
struct PresetLabel {
    name: Ident,
    ty: Option<Type>,
    value: Option<Expr>,
}

/// A constant label of a preset: fixed, or given by each site.
struct PresetConstLabel {
    name: Ident,
    value: Option<LitStr>,
}

/// A preset's keys, parsed.
struct Preset {
    /// Every key but `labels` and `const_labels`.
    args: Args,
    labels: Vec<PresetLabel>,
    const_labels: Vec<PresetConstLabel>,
}

/// One `VIS NAME(keys);` of `preset! { .. }`.
struct Definition {
    attrs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    keys: TokenStream,
}

impl Parse for Definition {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse()?;
        let content;
        syn::parenthesized!(content in input);
        let keys: TokenStream = content.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Definition {
            attrs,
            vis,
            name,
            keys,
        })
    }
}

/// `metricate::preset! { .. }`: each definition checked and turned into a
/// macro its sites reach by path.
pub(crate) fn preset_macro(input: TokenStream) -> TokenStream {
    let parser = |input: ParseStream<'_>| {
        let mut definitions = Vec::new();
        while !input.is_empty() {
            definitions.push(input.parse::<Definition>()?);
        }
        Ok(definitions)
    };
    let definitions = match parser.parse2(input) {
        Ok(definitions) => definitions,
        Err(error) => return error.to_compile_error(),
    };
    definitions.iter().map(define).collect()
}

fn define(definition: &Definition) -> TokenStream {
    let Definition {
        attrs,
        vis,
        name,
        keys,
    } = definition;
    let mut errors = Vec::new();
    if let Visibility::Public(public) = vis {
        errors.push(
            Violation::new(
                "a preset is reached by path within its crate, so it is at most `pub(crate)`",
                Some("write `pub(crate)`".to_owned()),
            )
            .at(public.span),
        );
    }
    let (preset, parse_errors) = parse_preset(keys.clone());
    let parse_failed = !parse_errors.is_empty();
    errors.extend(parse_errors);
    for (key, span) in [
        (
            "preset",
            preset.args.preset.as_ref().map(|(key, _)| key.span()),
        ),
        (
            "only",
            preset.args.only.as_ref().map(|list| list.key.span()),
        ),
        (
            "skip",
            preset.args.skip.as_ref().map(|list| list.key.span()),
        ),
    ] {
        if let Some(span) = span {
            errors.push(
                Violation::new(
                    format!("`{key}` goes on an annotation, not in a preset"),
                    Some(format!(
                        "remove `{key}` here and write it where the preset is used"
                    )),
                )
                .at(span),
            );
        }
    }
    errors.extend(check::check_keys(&preset.as_checkable(), parse_failed));
    if !errors.is_empty() {
        return errors.iter().map(syn::Error::to_compile_error).collect();
    }
    let hidden = format_ident!("__metricate_preset_{}", name);
    // The families are the preset's, so their help is too: without `help`,
    // the preset's doc comment, not the doc of whichever site comes first.
    let doc_help = check::doc_summary(attrs);
    quote! {
        #(#attrs)*
        #[doc(hidden)]
        macro_rules! #hidden {
            (@site [$($site:tt)*] [$($path:tt)*] $($item:tt)*) => {
                #[::metricate::instrument_metric(@preset [#keys] [#doc_help] [$($path)*] $($site)*)]
                $($item)*
            };
        }
        #[allow(unused_imports)]
        #vis use #hidden as #name;
    }
}

impl Preset {
    /// The preset as annotation arguments, for the checks that need no fn:
    /// labels a site will give get a placeholder value.
    fn as_checkable(&self) -> Args {
        let mut args = self.args.clone();
        args.labels = self
            .labels
            .iter()
            .map(|label| LabelArg {
                name: label.name.clone(),
                ty: label.ty.clone(),
                value: label
                    .value
                    .clone()
                    .unwrap_or_else(|| syn::parse_quote_spanned!(label.name.span()=> ())),
            })
            .collect();
        args.const_labels = self
            .const_labels
            .iter()
            .map(|label| ConstLabelArg {
                name: label.name.clone(),
                value: label
                    .value
                    .clone()
                    .unwrap_or_else(|| LitStr::new("site", label.name.span())),
            })
            .collect();
        if args.labels_key.is_none() && !args.labels.is_empty() {
            args.labels_key = Some(Ident::new("labels", Span::call_site()));
        }
        args
    }
}

/// The preset's keys: `labels(..)` and `const_labels(..)` may leave values to
/// each site; every other key parses as in an annotation.
fn parse_preset(keys: TokenStream) -> (Preset, Vec<syn::Error>) {
    let mut others = Vec::new();
    let mut labels = Vec::new();
    let mut const_labels = Vec::new();
    let mut labels_key = None;
    let mut const_labels_key = None;
    let mut errors = Vec::new();
    for item in parse::split_top_level_commas(keys) {
        let key = item.clone().into_iter().next();
        let key = match key {
            Some(TokenTree::Ident(ident)) if ident == "labels" || ident == "const_labels" => ident,
            _ => {
                others.push(item);
                continue;
            }
        };
        let result = if key == "labels" {
            preset_labels.parse2(item).map(|parsed| {
                labels = parsed;
                labels_key = Some(key.clone());
            })
        } else {
            preset_const_labels.parse2(item).map(|parsed| {
                const_labels = parsed;
                const_labels_key = Some(key.clone());
            })
        };
        if let Err(error) = result {
            errors.push(error);
        }
    }
    let others: TokenStream = others
        .into_iter()
        .enumerate()
        .flat_map(|(index, item)| {
            let comma = (index > 0).then(|| quote!(,));
            comma.into_iter().flatten().chain(item)
        })
        .collect();
    let (mut args, parse_errors) = parse::parse_args(others);
    errors.extend(parse_errors);
    args.labels_key = labels_key;
    args.const_labels_key = const_labels_key;
    (
        Preset {
            args,
            labels,
            const_labels,
        },
        errors,
    )
}

/// `labels(name, name: Type, name = expr, name: Type = expr)`.
fn preset_labels(input: ParseStream<'_>) -> syn::Result<Vec<PresetLabel>> {
    Ident::parse_any(input)?;
    let content;
    syn::parenthesized!(content in input);
    let labels = Punctuated::<PresetLabel, Token![,]>::parse_terminated_with(&content, |input| {
        let name = Ident::parse_any(input)?;
        let ty = match input.parse::<Option<Token![:]>>()? {
            Some(_) => Some(input.parse()?),
            None => None,
        };
        let value = match input.parse::<Option<Token![=]>>()? {
            Some(_) => Some(input.parse()?),
            None => None,
        };
        Ok(PresetLabel { name, ty, value })
    })?;
    Ok(labels.into_iter().collect())
}

/// `const_labels(name, name = "value")`.
fn preset_const_labels(input: ParseStream<'_>) -> syn::Result<Vec<PresetConstLabel>> {
    Ident::parse_any(input)?;
    let content;
    syn::parenthesized!(content in input);
    let labels =
        Punctuated::<PresetConstLabel, Token![,]>::parse_terminated_with(&content, |input| {
            let name = Ident::parse_any(input)?;
            let value = match input.parse::<Option<Token![=]>>()? {
                Some(_) => Some(input.parse()?),
                None => None,
            };
            Ok(PresetConstLabel { name, value })
        })?;
    Ok(labels.into_iter().collect())
}

/// `preset = PATH` at a site: the site's other keys and its item, handed to
/// the preset's macro.
pub(crate) fn call(path: &syn::Path, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut presets = Vec::new();
    let mut site = Vec::new();
    for keys in parse::split_top_level_commas(args) {
        match keys.clone().into_iter().next() {
            Some(TokenTree::Ident(ident)) if ident == "preset" => presets.push(ident),
            _ => site.push(keys),
        }
    }
    if let Some(second) = presets.get(1) {
        let error = parse::duplicate_key(second).to_compile_error();
        return quote! { #error #item };
    }
    let site = site.iter().enumerate().map(|(index, keys)| {
        let comma = (index > 0).then(|| quote!(,));
        quote!(#comma #keys)
    });
    quote! {
        #path! { @site [#(#site)*] [#path] #item }
    }
}

/// Whether the arguments are a preset's keys handed back: `@preset [keys]
/// [doc help] [path] site keys`.
pub(crate) fn is_applied(args: &TokenStream) -> bool {
    matches!(args.clone().into_iter().next(), Some(TokenTree::Punct(punct)) if punct.as_char() == '@')
}

/// `@preset [keys] [help] [path] site keys`: the annotation's arguments, the
/// preset's keys joined with the site's, and every way the site breaks the
/// preset's shape.
pub(crate) fn merge(args: TokenStream) -> (Args, Vec<syn::Error>) {
    let mut tokens = args.into_iter().skip(2);
    let mut bracketed = || match tokens.next() {
        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Bracket => group.stream(),
        _ => TokenStream::new(),
    };
    let keys = bracketed();
    let doc_help = syn::parse2::<LitStr>(bracketed()).ok();
    let path = bracketed();
    let site_tokens: TokenStream = tokens.collect();
    let name = path
        .clone()
        .into_iter()
        .filter_map(|token| match token {
            TokenTree::Ident(ident) => Some(ident),
            _ => None,
        })
        .last()
        .map_or_else(|| "preset".to_owned(), |ident| ident.to_string());
    let (preset, mut errors) = parse_preset(keys);
    let (site, site_errors) = parse::parse_args(site_tokens);
    errors.extend(site_errors);
    let mut args = preset.args.clone();
    refuse_shape_keys(&site, &preset.args, &name, &mut errors);
    for (slot, site_value) in [
        (&mut args.help, site.help.clone()),
        (&mut args.error_type, site.error_type.clone()),
    ] {
        if site_value.is_some() && slot.is_none() {
            *slot = site_value;
        }
    }
    if args.help.is_none() {
        args.help = doc_help;
    }
    if args.objective.is_none() {
        args.objective = site.objective.clone();
    }
    args.only = site.only.clone();
    args.skip = site.skip.clone();
    args.labels_key = site.labels_key.clone().or(preset.args.labels_key.clone());
    args.labels = merge_labels(&preset, &site, &name, &path, &mut errors);
    args.const_labels_key = site
        .const_labels_key
        .clone()
        .or(preset.args.const_labels_key.clone());
    args.const_labels = merge_const_labels(&preset, &site, &name, &path, &mut errors);
    (args, errors)
}

/// A site may not change what makes the families one: their names, buckets,
/// outcome, native schema, series budget or name label; nor set a key twice.
fn refuse_shape_keys(site: &Args, preset: &Args, name: &str, errors: &mut Vec<syn::Error>) {
    let metric_keys = site.metrics().map(|(_, metric)| metric.key.clone());
    let shape_keys = metric_keys
        .chain(site.buckets.as_ref().map(|buckets| buckets.key.clone()))
        .chain(site.native.as_ref().map(|native| native.key.clone()))
        .chain(
            ["outcome", "max_series", "fn_label"]
                .into_iter()
                .filter_map(|key| site.key(key).cloned()),
        );
    for key in shape_keys {
        errors.push(
            Violation::new(
                format!("`{key}` shapes the families of the preset `{name}`, which every site of it shares"),
                Some(format!(
                    "set `{key}` in the preset, or annotate this fn without it; a site may add {}",
                    backticked(&["labels", "const_labels"].iter().chain(SITE_KEYS).collect::<Vec<_>>())
                )),
            )
            .at(key.span()),
        );
    }
    let both = [
        (
            "help",
            site.help.as_ref().map(LitStr::span),
            preset.help.is_some(),
        ),
        (
            "error_type",
            site.error_type.as_ref().map(LitStr::span),
            preset.error_type.is_some(),
        ),
        (
            "objective",
            site.objective.as_ref().map(|o| o.key.span()),
            preset.objective.is_some(),
        ),
    ];
    for (key, span, in_preset) in both {
        if let (Some(span), true) = (span, in_preset) {
            errors.push(
                Violation::new(
                    format!("`{key}` is already set by the preset `{name}`"),
                    Some(format!("remove `{key}` here, or from the preset")),
                )
                .at(span),
            );
        }
    }
}

/// The labels: the preset's names, each valued by the preset or the site.
fn merge_labels(
    preset: &Preset,
    site: &Args,
    name: &str,
    path: &TokenStream,
    errors: &mut Vec<syn::Error>,
) -> Vec<LabelArg> {
    let mut labels = Vec::new();
    for label in &preset.labels {
        let given = site.labels.iter().find(|given| given.name == label.name);
        match (&label.value, given) {
            (Some(_), Some(given)) => errors.push(fixed_by_preset("label", &given.name, name)),
            (Some(value), None) => labels.push(LabelArg {
                name: label.name.clone(),
                ty: label.ty.clone(),
                value: value.clone(),
            }),
            (None, Some(given)) => labels.push(LabelArg {
                name: given.name.clone(),
                ty: given.ty.clone().or_else(|| label.ty.clone()),
                value: given.value.clone(),
            }),
            (None, None) => errors.push(missing("labels", &label.name, "...", name, path)),
        }
    }
    for given in &site.labels {
        if !preset.labels.iter().any(|label| label.name == given.name) {
            errors.push(not_in_preset("label", &given.name, name));
        }
    }
    labels
}

/// The constant labels: the preset's names, each valued by the preset or the site.
fn merge_const_labels(
    preset: &Preset,
    site: &Args,
    name: &str,
    path: &TokenStream,
    errors: &mut Vec<syn::Error>,
) -> Vec<ConstLabelArg> {
    let mut labels = Vec::new();
    for label in &preset.const_labels {
        let given = site
            .const_labels
            .iter()
            .find(|given| given.name == label.name);
        match (&label.value, given) {
            (Some(_), Some(given)) => {
                errors.push(fixed_by_preset("constant label", &given.name, name));
            }
            (Some(value), None) => labels.push(ConstLabelArg {
                name: label.name.clone(),
                value: value.clone(),
            }),
            (None, Some(given)) => labels.push(given.clone()),
            (None, None) => {
                errors.push(missing("const_labels", &label.name, "\"...\"", name, path))
            }
        }
    }
    for given in &site.const_labels {
        if !preset
            .const_labels
            .iter()
            .any(|label| label.name == given.name)
        {
            errors.push(not_in_preset("constant label", &given.name, name));
        }
    }
    labels
}

fn fixed_by_preset(what: &str, label: &Ident, preset: &str) -> syn::Error {
    Violation::new(
        format!("the {what} `{label}` has its value in the preset `{preset}`"),
        Some(format!(
            "remove `{label}` here, or leave its value to each site in the preset"
        )),
    )
    .at(label.span())
}

fn not_in_preset(what: &str, label: &Ident, preset: &str) -> syn::Error {
    Violation::new(
        format!("the preset `{preset}` has no {what} `{label}`: every site of a preset has the same labels, so their series add up"),
        Some(format!("add `{label}` to the preset, or remove it here")),
    )
    .at(label.span())
}

fn missing(key: &str, label: &Ident, value: &str, preset: &str, path: &TokenStream) -> syn::Error {
    Violation::new(
        format!("the preset `{preset}` needs this site's value of `{label}`"),
        Some(format!("add `{key}({label} = {value})`")),
    )
    .on(path.clone())
}
