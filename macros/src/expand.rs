//! Code generation for `#[instrument_metric]`. Everything here has been checked:
//! expansion never fails.
//!
//! The generated code is thin. One `static` per fn describes its metrics and holds
//! the table of pre-resolved handles (built once); a call computes its row from the
//! labels' ordinals and starts a guard that records on `finish`, or on `Drop` when
//! the call panics or its future is dropped.

use crate::parse::{self, Args, MetricName};
use crate::validate::{self, BodyKind, CheckScope, Checked, LabelSource};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, ItemFn};

pub(crate) fn instrument_metric(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            // On the item's keyword (`struct`, `fn` of a bodiless fn, ...), past its
            // attributes and visibility.
            let keyword = item.clone().into_iter().find_map(|token| match token {
                proc_macro2::TokenTree::Ident(ident) if ident != "pub" => Some(ident.span()),
                _ => None,
            });
            let error = syn::Error::new(
                keyword.unwrap_or_else(Span::call_site),
                "`#[instrument_metric]` goes on a fn with a body",
            )
            .to_compile_error();
            return quote! { #item #error };
        }
    };
    let (args, mut errors) = parse::parse_args(args);
    match validate::check(&args, &func, !errors.is_empty()) {
        Ok(checked) if errors.is_empty() => generate(&args, &checked, &func),
        Ok(_) => with_errors(&errors, &func),
        Err(more) => {
            errors.extend(more);
            with_errors(&errors, &func)
        }
    }
}

/// The errors, and the user's fn unchanged: one mistake must not cascade into
/// errors about the body, and editors keep completing inside it.
fn with_errors(errors: &[syn::Error], func: &ItemFn) -> TokenStream {
    let errors = errors.iter().map(syn::Error::to_compile_error);
    quote! { #(#errors)* #func }
}

fn generate(args: &Args, checked: &Checked<'_>, func: &ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let site = declarations(args, checked, func);
    let start = start_guard(args, checked, func);
    let finish = finish_guard(args);
    let body = match checked.body {
        BodyKind::Sync => quote! {
            #start
            #[allow(clippy::redundant_closure_call)]
            let __metricate_result = (move || #block)();
            #finish
            __metricate_result
        },
        BodyKind::Async => quote! {
            #start
            let __metricate_result = async move #block.await;
            #finish
            __metricate_result
        },
        BodyKind::AsyncTrait => return generate_async_trait(func, &site, &start, &finish),
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #site
            #body
        }
    }
}

/// For a fn that `#[async_trait]` already expanded, time the inner future, not the
/// boxing: the guard starts at the first poll, inside `Box::pin(async move { .. })`.
fn generate_async_trait(
    func: &ItemFn,
    site: &TokenStream,
    start: &TokenStream,
    finish: &TokenStream,
) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let mut block: Block = (**block).clone();
    if let Some(syn::Stmt::Expr(syn::Expr::Call(call), None)) = block.stmts.last_mut() {
        if let Some(syn::Expr::Async(future)) = call.args.first_mut() {
            // `#[async_trait]` first moves the parameters into the future
            // (`let x = x;`, `let __self = self;`): the labels are read after that,
            // so those bindings stay used, and the rest is what gets timed.
            let stmts = std::mem::take(&mut future.block.stmts);
            let split = leading_parameter_moves(&stmts);
            let (moves, rest) = stmts.split_at(split);
            future.block = syn::parse_quote!({
                #(#moves)*
                #start
                let __metricate_result = async move { #(#rest)* }.await;
                #finish
                __metricate_result
            });
        }
    }
    let stmts = &block.stmts;
    quote! {
        #(#attrs)*
        #vis #sig {
            #site
            #(#stmts)*
        }
    }
}

/// How many of the future's first statements are `#[async_trait]`'s own: the
/// early-return type hint and the `let x = x;` moves of the parameters.
fn leading_parameter_moves(stmts: &[syn::Stmt]) -> usize {
    stmts
        .iter()
        .take_while(|stmt| match stmt {
            syn::Stmt::Local(local) => matches!(
                local.init.as_ref().map(|init| &*init.expr),
                Some(syn::Expr::Path(path)) if path.path.get_ident().is_some()
            ),
            syn::Stmt::Expr(syn::Expr::If(_), None) => true,
            _ => false,
        })
        .count()
}

/// Whether `#[async_trait]` renamed `self` to `__self` in the future.
fn async_trait_renames_self(func: &ItemFn) -> bool {
    let Some(future) = validate::async_trait_future(func) else {
        return false;
    };
    future.block.stmts.iter().any(|stmt| match stmt {
        syn::Stmt::Local(local) => {
            matches!(&local.pat, syn::Pat::Ident(binding) if binding.ident == "__self")
        }
        _ => false,
    })
}

/// Rewrites `self` to `__self` in a label expression, as `#[async_trait]` does in
/// the body.
struct SelfToAlias;

impl syn::visit_mut::VisitMut for SelfToAlias {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.is_ident("self") {
            *path = syn::parse_quote!(__self);
        }
    }
}

/// The per-fn `static`: what the fn's metrics are, and (once built) their handles.
fn site_static(args: &Args, checked: &Checked<'_>, func: &ItemFn) -> TokenStream {
    let function = func.sig.ident.to_string();
    let help = match &args.help {
        Some(help) => help.value(),
        None => doc_summary(&func.attrs).unwrap_or_else(|| format!("Calls of `{function}`.")),
    };
    let name = |metric: &Option<MetricName>| match metric {
        Some(metric) => {
            let lit = &metric.lit;
            quote!(::core::option::Option::Some(#lit))
        }
        None => quote!(::core::option::Option::None),
    };
    let (histogram, errors, calls, in_flight) = (
        name(&args.histogram),
        name(&args.errors),
        name(&args.calls),
        name(&args.in_flight),
    );
    let buckets = match &args.buckets {
        Some(buckets) => {
            let bounds = buckets.bounds.iter().map(|bound| bound.value);
            quote!(::core::option::Option::Some(&[#(#bounds),*]))
        }
        None => quote!(::core::option::Option::None),
    };
    let label_names = args.labels.iter().map(|label| label.name.to_string());
    let const_labels = args.const_labels.iter().map(|label| {
        let name = label.name.to_string();
        let value = &label.value;
        quote!((#name, #value))
    });
    let location = func.sig.ident.span();
    let file = quote_spanned!(location=> ::core::file!());
    let line = quote_spanned!(location=> ::core::line!());
    let label_values = if checked.labels.is_empty() || !all_item_scope(checked) {
        quote!(::core::option::Option::None)
    } else {
        quote!(::core::option::Option::Some(__METRICATE_LABEL_VALUES))
    };
    let error_values = match (&args.error_type, checked.error_type) {
        (Some(fixed), _) => quote!(::core::option::Option::Some(&[#fixed])),
        (None, Some(_)) => quote!(::core::option::Option::Some(__METRICATE_ERRORS.values())),
        (None, None) => quote!(::core::option::Option::None),
    };
    let declare = declare_attributes("FUNCTION_SITES");
    quote! {
        #declare
        static __METRICATE_SITE: ::metricate::__private::Site =
            ::metricate::__private::Site::with_values(::metricate::__private::SiteDesc {
                function: #function,
                module_path: ::core::module_path!(),
                file: #file,
                line: #line,
                help: #help,
                histogram: #histogram,
                errors: #errors,
                calls: #calls,
                in_flight: #in_flight,
                buckets: #buckets,
                label_names: &[#(#label_names),*],
                const_labels: &[#(#const_labels),*],
            }, #label_values, #error_values);
    }
}

/// The attributes that make a site's `static` an element of the catalogue's
/// distributed `slice`. On ELF targets they are what `linkme`'s element macro
/// expands to (`#[used]` in the `linkme_<SLICE>` section); writing them here
/// skips that macro and its type-check closure, a quarter of the annotation's
/// compile time. Elsewhere `linkme`'s attribute does the work.
pub(crate) fn declare_attributes(slice: &str) -> TokenStream {
    let section = format!("linkme_{slice}");
    let slice = syn::Ident::new(slice, Span::call_site());
    quote! {
        #[cfg_attr(
            any(target_os = "none", target_os = "linux", target_os = "android", target_os = "fuchsia", target_os = "psp", target_os = "freebsd", target_os = "openbsd"),
            used,
            unsafe(link_section = #section)
        )]
        #[cfg_attr(
            not(any(target_os = "none", target_os = "linux", target_os = "android", target_os = "fuchsia", target_os = "psp", target_os = "freebsd", target_os = "openbsd")),
            ::metricate::__private::linkme::distributed_slice(::metricate::__private::#slice)
        )]
        #[cfg_attr(
            not(any(target_os = "none", target_os = "linux", target_os = "android", target_os = "fuchsia", target_os = "psp", target_os = "freebsd", target_os = "openbsd")),
            linkme(crate = ::metricate::__private::linkme)
        )]
    }
}

fn all_item_scope(checked: &Checked<'_>) -> bool {
    checked
        .labels
        .iter()
        .all(|label| matches!(label.scope, CheckScope::Item))
}

/// Everything the fn declares, as items inside its body: the labels' value sets
/// and the error classifier when they can be named outside the fn (so the
/// catalogue knows them at start), the cardinality check, and the site itself.
fn declarations(args: &Args, checked: &Checked<'_>, func: &ItemFn) -> TokenStream {
    let errors = checked.error_type.map(|error| {
        let constructor = spanning(quote!(::metricate::__private::ErrorClassifier::by_label_value), error);
        quote_spanned! {error.span()=>
            const __METRICATE_ERRORS: ::metricate::__private::ErrorClassifier<#error> = #constructor();
        }
    });
    let site = site_static(args, checked, func);
    let budget = cardinality_check(args, checked);
    quote! {
        #errors
        #budget
        #site
    }
}

/// The first paragraph of the fn's doc comment, on one line.
fn doc_summary(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
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
        for line in text.value().lines() {
            let line = line.trim();
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

/// The compile-time cardinality check: the product of the label types' value
/// counts within the budget, and every label type a `LabelValue`. Where every
/// type can be named outside the fn it is a `const` item, which `cargo check`
/// evaluates; a type mentioning `Self` or the fn's generics needs an inline
/// `const` block, whose bound errors `cargo check` reports and whose budget
/// `cargo build` does.
fn cardinality_check(args: &Args, checked: &Checked<'_>) -> TokenStream {
    let (Some(labels_key), false) = (&args.labels_key, checked.labels.is_empty()) else {
        return TokenStream::new();
    };
    let names: Vec<String> = checked
        .labels
        .iter()
        .map(|label| format!("`{}`", label.name))
        .collect();
    let families: Vec<String> = args
        .metrics()
        .map(|(_, metric)| format!("`{}`", metric.value()))
        .collect();
    let max = checked.max_series as usize;
    let message = format!(
        "label cardinality of {} exceeds the budget of {max} series: the product of the value counts of {} is larger\nhelp: drop a label, label with a coarser type, or raise the budget with `max_series = N` (at most {})",
        families.join(", "),
        names.join(", "),
        validate::MAX_SERIES_CAP,
    );
    let value_sets = checked.labels.iter().map(label_values);
    if all_item_scope(checked) {
        // The value sets are a constant the site and the catalogue share, checked
        // against the budget as it is evaluated: one item per fn, not two, and a
        // call of one `const fn` rather than an `assert!` to type-check in every
        // fn (the error then notes the helper; its message is still on `labels`).
        quote_spanned! {labels_key.span()=>
            const __METRICATE_LABEL_VALUES: &[&[&str]] =
                ::metricate::__private::within_budget(&[#(#value_sets),*], #max, #message);
        }
    } else {
        quote_spanned! {labels_key.span()=>
            const { ::core::assert!(1usize #(.saturating_mul(#value_sets.len()))* <= #max, "{}", #message) };
        }
    }
}

/// `values_of(|p: &Param| &(*p).field)`: the closure names the label's type
/// without a value, so its value set is a constant.
fn label_values(label: &LabelSource<'_>) -> TokenStream {
    let param_type = &label.param_type;
    let fields = &label.fields;
    let span = label.expr.span();
    let callee = spanning(quote!(::metricate::__private::values_of), label.expr);
    quote_spanned! {span=>
        #callee(
            |__metricate_param: &#param_type| &(*__metricate_param) #(.#fields)*
        )
    }
}

/// `path` respanned so that an error on it underlines all of `tokens` (`user.plan`,
/// not only `user`): rustc spans a path from its first token to its last, so the
/// first gets the span of `tokens`' first token and the last that of their last.
fn spanning(path: TokenStream, tokens: impl quote::ToTokens) -> TokenStream {
    let mut user = tokens.into_token_stream().into_iter();
    let first = user
        .next()
        .map_or_else(Span::call_site, |token| token.span());
    let last = user.last().map_or(first, |token| token.span());
    let mut path: Vec<proc_macro2::TokenTree> = path.into_iter().collect();
    let end = path.len().saturating_sub(1);
    for (index, token) in path.iter_mut().enumerate() {
        token.set_span(if index == end { last } else { first });
    }
    path.into_iter().collect()
}

/// Reads the labels, resolves the error classifier, and starts the guard.
fn start_guard(args: &Args, checked: &Checked<'_>, func: &ItemFn) -> TokenStream {
    let rename_self = checked.body == BodyKind::AsyncTrait && async_trait_renames_self(func);
    let labels: Vec<(Option<&syn::Type>, syn::Expr)> = checked
        .labels
        .iter()
        .map(|label| {
            let mut expr = label.expr.clone();
            if rename_self {
                syn::visit_mut::VisitMut::visit_expr_mut(&mut SelfToAlias, &mut expr);
            }
            (None, expr)
        })
        .collect();
    let known_values = (!checked.labels.is_empty() && all_item_scope(checked))
        .then(|| quote!(__METRICATE_LABEL_VALUES));
    let row = label_row(&labels, known_values);
    let classifier = match (&args.errors, &args.error_type, checked.error_type) {
        (None, _, _) => quote!(::metricate::__private::ErrorClassifier::<()>::none()),
        (Some(_), Some(fixed), _) => {
            quote!(::metricate::__private::ErrorClassifier::fixed(&[#fixed]))
        }
        (Some(_), None, Some(_)) => quote!(__METRICATE_ERRORS),
        (Some(_), None, None) => {
            // On `E` of `Result<T, E>` when it can be seen, else on the return type.
            let error_type = validate::produced_type(func, checked.body)
                .map(|ty| validate::result_error_type(ty).unwrap_or(ty));
            let constructor = quote!(::metricate::__private::ErrorClassifier::by_label_value);
            let (constructor, span) = match error_type {
                Some(ty) => (spanning(constructor, ty), ty.span()),
                None => (
                    spanning(constructor, &func.sig.ident),
                    func.sig.ident.span(),
                ),
            };
            quote_spanned!(span=> #constructor())
        }
    };
    let is_async = checked.body != BodyKind::Sync;
    quote! {
        #row
        let __metricate_errors = #classifier;
        let __metricate_guard = ::metricate::__private::Guard::start(
            &__METRICATE_SITE,
            &__metricate_label_values[..],
            __metricate_row,
            __metricate_errors.values(),
            #is_async,
        );
    }
}

/// Binds `__metricate_row`, the row of the labels' values in the site's table
/// (their ordinals in mixed radix), and `__metricate_label_values`, each label's
/// value set. A label with a type given is read as that type; the others are
/// probed, so a value that is not a `LabelValue` is reported once, by the
/// compile-time check on its type, not again here.
///
/// `known_values` names a constant with the value sets, when there is one: the
/// row then needs only each label's ordinal.
pub(crate) fn label_row(
    labels: &[(Option<&syn::Type>, syn::Expr)],
    known_values: Option<TokenStream>,
) -> TokenStream {
    if labels.is_empty() {
        return quote! {
            let __metricate_row = 0usize;
            let __metricate_label_values: [&'static [&'static str]; 0] = [];
        };
    }
    let probes: Vec<syn::Ident> = (0..labels.len())
        .map(|index| quote::format_ident!("__metricate_label_{}", index))
        .collect();
    let reads = labels.iter().map(|(ty, expr)| match ty {
        Some(ty) => quote_spanned!(expr.span()=> ::metricate::__private::Probe::<#ty>(&(#expr))),
        None => quote!(::metricate::__private::Probe(&(#expr))),
    });
    if let Some(values) = known_values {
        let indices = 0..labels.len();
        return quote! {
            let __metricate_label_values: &[&[&str]] = #values;
            let __metricate_row = {
                #[allow(unused_imports)]
                use ::metricate::__private::{ViaFallback as _, ViaLabelValue as _};
                let mut __metricate_row = 0usize;
                #(
                    __metricate_row = __metricate_row * #values[#indices].len()
                        + (&#reads).label_index();
                )*
                __metricate_row
            };
        };
    }
    quote! {
        let (__metricate_row, __metricate_label_values) = {
            #[allow(unused_imports)]
            use ::metricate::__private::{ViaFallback as _, ViaLabelValue as _};
            #(let #probes = #reads;)*
            let mut __metricate_row = 0usize;
            #(
                __metricate_row = __metricate_row * (&#probes).label_values().len()
                    + (&#probes).label_index();
            )*
            (__metricate_row, [#((&#probes).label_values()),*])
        };
    }
}

fn finish_guard(args: &Args) -> TokenStream {
    if args.errors.is_some() {
        quote! {
            __metricate_guard.finish(::metricate::__private::classify(&__metricate_errors, &__metricate_result));
        }
    } else {
        quote! {
            __metricate_guard.finish(::core::option::Option::None);
        }
    }
}
