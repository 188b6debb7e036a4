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
use syn::{Block, ItemFn, ReturnType};

pub(crate) fn instrument_metric(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
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
    let ItemFn { attrs, vis, sig, block } = func;
    let site = site_static(args, func);
    let budget = cardinality_check(args, checked);
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
        BodyKind::AsyncTrait => return generate_async_trait(func, &site, &budget, &start, &finish),
    };
    quote! {
        #(#attrs)*
        #vis #sig {
            #site
            #budget
            #body
        }
    }
}

/// For a fn that `#[async_trait]` already expanded, time the inner future, not the
/// boxing: the guard starts at the first poll, inside `Box::pin(async move { .. })`.
fn generate_async_trait(
    func: &ItemFn,
    site: &TokenStream,
    budget: &TokenStream,
    start: &TokenStream,
    finish: &TokenStream,
) -> TokenStream {
    let ItemFn { attrs, vis, sig, block } = func;
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
            #budget
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
fn site_static(args: &Args, func: &ItemFn) -> TokenStream {
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
    quote! {
        static __METRICATE_SITE: ::metricate::__private::Site =
            ::metricate::__private::Site::new(::metricate::__private::SiteDesc {
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
            });
    }
}

/// The first paragraph of the fn's doc comment, on one line.
fn doc_summary(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("doc")) {
        let syn::Meta::NameValue(meta) = &attr.meta else { continue };
        let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &meta.value else { continue };
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
    let cardinalities = checked.labels.iter().map(label_cardinality);
    let names: Vec<String> = checked.labels.iter().map(|label| format!("`{}`", label.name)).collect();
    let families: Vec<String> = args.metrics().map(|(_, metric)| format!("`{}`", metric.value())).collect();
    let max = checked.max_series as usize;
    let message = format!(
        "label cardinality of {} exceeds the budget of {max} series: the product of the value counts of {} is larger\nhelp: drop a label, label with a coarser type, or raise the budget with `max_series = N` (at most {})",
        families.join(", "),
        names.join(", "),
        validate::MAX_SERIES_CAP,
    );
    let check = quote_spanned! {labels_key.span()=>
        ::metricate::__private::check_cardinality(&[#(#cardinalities),*], #max, #message)
    };
    if checked.labels.iter().all(|label| matches!(label.scope, CheckScope::Item)) {
        quote_spanned!(labels_key.span()=> const _: () = #check;)
    } else {
        quote_spanned!(labels_key.span()=> const { #check };)
    }
}

/// `cardinality_of(|p: &Param| &(*p).field)`: the closure names the label's type
/// without a value, so the check needs no call.
fn label_cardinality(label: &LabelSource<'_>) -> TokenStream {
    let param_type = &label.param_type;
    let fields = &label.fields;
    let span = label.expr.span();
    quote_spanned! {span=>
        ::metricate::__private::cardinality_of(
            |__metricate_param: &#param_type| &(*__metricate_param) #(.#fields)*
        )
    }
}

/// Reads the labels, resolves the error classifier, and starts the guard.
fn start_guard(args: &Args, checked: &Checked<'_>, func: &ItemFn) -> TokenStream {
    let labels = if checked.labels.is_empty() {
        quote! {
            let __metricate_label_index = 0usize;
            let __metricate_label_values: [&'static [&'static str]; 0] = [];
        }
    } else {
        let probes: Vec<_> = (0..checked.labels.len())
            .map(|index| quote::format_ident!("__metricate_label_{}", index))
            .collect();
        let rename_self = checked.body == BodyKind::AsyncTrait && async_trait_renames_self(func);
        let exprs = checked.labels.iter().map(|label| {
            let mut expr = label.expr.clone();
            if rename_self {
                syn::visit_mut::VisitMut::visit_expr_mut(&mut SelfToAlias, &mut expr);
            }
            expr
        });
        quote! {
            let (__metricate_label_index, __metricate_label_values) = {
                #[allow(unused_imports)]
                use ::metricate::__private::{ViaFallback as _, ViaLabelValue as _};
                #(let #probes = ::metricate::__private::Probe(&(#exprs));)*
                let mut __metricate_index = 0usize;
                #(
                    __metricate_index = __metricate_index * (&#probes).label_values().len()
                        + (&#probes).label_index();
                )*
                (__metricate_index, [#((&#probes).label_values()),*])
            };
        }
    };
    let classifier = match (&args.errors, &args.error_type) {
        (None, _) => quote!(::metricate::__private::ErrorClassifier::<()>::none()),
        (Some(_), Some(fixed)) => quote!(::metricate::__private::ErrorClassifier::fixed(&[#fixed])),
        (Some(_), None) => {
            let span = match &func.sig.output {
                ReturnType::Type(_, ty) => ty.span(),
                ReturnType::Default => func.sig.ident.span(),
            };
            quote_spanned!(span=> ::metricate::__private::ErrorClassifier::by_label_value())
        }
    };
    let is_async = checked.body != BodyKind::Sync;
    quote! {
        #labels
        let __metricate_errors = #classifier;
        let __metricate_guard = ::metricate::__private::Guard::start(
            &__METRICATE_SITE,
            &__metricate_label_values,
            __metricate_label_index,
            __metricate_errors.values(),
            #is_async,
        );
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
