//! Code generation for `#[instrument_metric]`, from a [`Checked`] annotation:
//! expansion never fails.
//!
//! The generated code is thin. One `static` per fn describes its metrics and
//! holds its table of series (built once); a call computes its row from the
//! labels' ordinals and starts a guard that records when the call ends. How the
//! body is wrapped decides what compiles, so each wrapper keeps the body's
//! meaning:
//!
//! - a sync fn whose result need not be seen: the body runs in place, untouched,
//!   and the guard records on `Drop` (a return, or a panic while unwinding);
//! - a sync fn whose `Result` is classified: the body becomes a `move` closure
//!   passed to a fn that takes `FnOnce() -> R`, so the closure's signature and
//!   kind come from `R` (coercions to the declared type and reborrows of `&mut
//!   self` compile as in the fn);
//! - an `async fn`: the body runs in an inner `async` block whose output type is
//!   fixed to the fn's before any user `return` is checked (as `#[async_trait]`
//!   does), so those returns coerce too;
//! - `#[async_trait]`'s boxed future: its own statements stay first, the user's
//!   run in the timed region;
//! - a fn returning a future: the guard starts with the call and moves into a
//!   future that awaits the returned one.

use crate::check::{self, Checked, ErrorSource, LabelSource, LabelType, Projection};
use crate::diagnostics::spanning;
use crate::impl_block;
use crate::link::Slice;
use crate::parse::{self, Args};
use crate::preset;
use crate::signature::{self, BodyKind};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{AttrStyle, Attribute, ItemFn, ItemImpl, ReturnType, Stmt, Type};

/// `#[instrument_metric(..)]` on a fn or an `impl` block. `compiled_out`:
/// metricate's `off` feature, under which every annotation is checked and
/// then gives back its item bare.
pub(crate) fn instrument_metric(
    args: TokenStream,
    item: TokenStream,
    compiled_out: bool,
) -> TokenStream {
    let (args, errors) = if preset::is_applied(&args) {
        preset::merge(args)
    } else {
        let (parsed, errors) = parse::parse_args(args.clone());
        if let Some((_, path)) = &parsed.preset {
            return preset::call(path, args, item);
        }
        (parsed, errors)
    };
    if starts_an_impl(&item) {
        return match syn::parse2::<ItemImpl>(item.clone()) {
            Ok(block) => impl_block::instrument(&args, errors, block, compiled_out),
            // Not an impl after all (or one that does not parse): rustc says why.
            Err(_) => item,
        };
    }
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        // A fn whose body does not parse: give it back as it is, so rustc reports
        // the real syntax error where it is.
        Err(_) if ends_in_a_body(&item) => return item,
        Err(_) => {
            // On the item's keyword (`struct`, `fn` of a bodiless fn, ...), past its
            // attributes and visibility.
            let keyword = item.clone().into_iter().find_map(|token| match token {
                TokenTree::Ident(ident) if ident != "pub" => Some(ident.span()),
                _ => None,
            });
            let error = syn::Error::new(
                keyword.unwrap_or_else(Span::call_site),
                "`#[instrument_metric]` goes on a fn with a body, or on an `impl` block",
            )
            .to_compile_error();
            return quote! { #item #error };
        }
    };
    match instrument_fn(args, errors, func, compiled_out) {
        Ok(tokens) => tokens,
        Err(refused) => with_errors(&refused.errors, &refused.func),
    }
}

/// An annotation refused: every error found, and the fn as it was.
pub(crate) struct Refused {
    pub(crate) errors: Vec<syn::Error>,
    pub(crate) func: Box<ItemFn>,
}

impl Refused {
    fn new(errors: Vec<syn::Error>, func: ItemFn) -> Refused {
        Refused {
            errors,
            func: Box::new(func),
        }
    }
}

/// One annotated fn: its code, or every error found and the fn as it was.
pub(crate) fn instrument_fn(
    mut args: Args,
    mut errors: Vec<syn::Error>,
    func: ItemFn,
    compiled_out: bool,
) -> Result<TokenStream, Refused> {
    // The outer attribute expands first and sees the others as attributes.
    if let Some(second) = func.attrs.iter().find(|attr| is_instrument_metric(attr)) {
        let error = syn::Error::new_spanned(
            second,
            "`#[instrument_metric]` is given twice on this fn: one annotation declares all of a fn's metrics\nhelp: merge the keys of both attributes into one `#[instrument_metric(..)]`",
        );
        return Err(Refused::new(vec![error], strip_instrument_attrs(func)));
    }
    check::apply_fn_label(&mut args, &func.sig.ident);
    match check::check(&args, &func, !errors.is_empty()) {
        Ok(checked) if errors.is_empty() && compiled_out => Ok(bare(&checked)),
        Ok(checked) if errors.is_empty() => Ok(generate(&checked)),
        Ok(_) => Err(Refused::new(errors, func)),
        Err(more) => {
            errors.extend(more);
            Err(Refused::new(errors, func))
        }
    }
}

/// Compiled out: the fn as written, but that each label's value is borrowed
/// first (`let _ = &(format);`), so a parameter read only by a label is still
/// used. A borrow nothing reads compiles to no instruction.
fn bare(checked: &Checked<'_>) -> TokenStream {
    let mut func = checked.func.clone();
    let uses = checked.labels.iter().map(|label| {
        let expr = label.expr;
        syn::parse_quote_spanned!(expr.span()=> let _ = &(#expr);)
    });
    let uses: Vec<Stmt> = uses.collect();
    func.block.stmts.splice(0..0, uses);
    func.into_token_stream()
}

/// `impl ..`, past attributes and `unsafe`/`default`: an `impl` block.
fn starts_an_impl(item: &TokenStream) -> bool {
    item.clone()
        .into_iter()
        .find_map(|token| match token {
            TokenTree::Ident(ident) if ident == "unsafe" || ident == "default" => None,
            TokenTree::Ident(ident) => Some(ident == "impl"),
            TokenTree::Punct(punct) if punct.as_char() == '#' => None,
            TokenTree::Group(group) if group.delimiter() == proc_macro2::Delimiter::Bracket => None,
            _ => Some(false),
        })
        .unwrap_or(false)
}

/// Whether `attr` is an `#[instrument_metric]` (by any path).
pub(crate) fn is_instrument_metric(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "instrument_metric")
}

/// The fn without its other `#[instrument_metric]` attributes, so a refused
/// second one reports once and expands to nothing.
fn strip_instrument_attrs(mut func: ItemFn) -> ItemFn {
    func.attrs.retain(|attr| !is_instrument_metric(attr));
    func
}

/// `fn name(..) .. { .. }`: a `fn` keyword, and a brace group last.
fn ends_in_a_body(item: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = item.clone().into_iter().collect();
    let has_fn = tokens
        .iter()
        .any(|token| matches!(token, TokenTree::Ident(ident) if ident == "fn"));
    let ends_in_braces = matches!(tokens.last(),
        Some(TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Brace);
    has_fn && ends_in_braces
}

/// The errors, and the user's fn unchanged: one mistake must not cascade into
/// errors about the body, and editors keep completing inside it.
fn with_errors(errors: &[syn::Error], func: &ItemFn) -> TokenStream {
    let errors = errors.iter().map(syn::Error::to_compile_error);
    quote! { #(#errors)* #func }
}

fn generate(checked: &Checked<'_>) -> TokenStream {
    let func = checked.func;
    let (outer, inner): (Vec<&Attribute>, Vec<&Attribute>) = func
        .attrs
        .iter()
        .partition(|attr| matches!(attr.style, AttrStyle::Outer));
    let ItemFn { vis, sig, .. } = func;
    let items = declarations(checked);
    let body = match checked.body {
        BodyKind::Sync if checked.needs_result() => {
            sync_in_closure(checked, &start_guard(checked, DropMeans::Panic))
        }
        BodyKind::Sync => sync_in_place(checked, &start_guard(checked, DropMeans::Returned)),
        BodyKind::Async => async_body(checked, &start_guard(checked, DropMeans::Cancelled)),
        BodyKind::AsyncTrait => async_trait_body(checked),
        BodyKind::ReturnedFuture { boxed } => {
            returned_future(checked, &start_guard(checked, DropMeans::Cancelled), boxed)
        }
    };
    quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            #items
            #body
        }
    }
}

/// What a guard dropped without `finish` means, besides a panic.
#[derive(Clone, Copy)]
enum DropMeans {
    /// The body ran in place and returned (it is never finished by hand).
    Returned,
    /// Nothing else: a closure always returns through `finish`.
    Panic,
    /// The future was dropped before it completed.
    Cancelled,
}

impl ToTokens for DropMeans {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let variant = match self {
            DropMeans::Returned => quote!(Returned),
            DropMeans::Panic => quote!(Panic),
            DropMeans::Cancelled => quote!(Cancelled),
        };
        tokens.extend(quote!(::metricate::__private::DropMeans::#variant));
    }
}

/// A sync fn whose result is not needed: the guard, then the body unchanged.
fn sync_in_place(checked: &Checked<'_>, start: &TokenStream) -> TokenStream {
    let stmts = &checked.func.block.stmts;
    let probe = future_probe(checked.func);
    quote! {
        #probe
        #start
        #(#stmts)*
    }
}

/// For a sync fn whose return type is a path the attribute cannot read (an
/// alias), a probe that warns at build time when that type is a future: only
/// the call building it would be timed, and the attribute must not change
/// what is timed in silence.
fn future_probe(func: &ItemFn) -> TokenStream {
    let ReturnType::Type(_, output) = &func.sig.output else {
        return TokenStream::new();
    };
    let readable = signature::looks_like_result(output)
        || signature::plainly_not_result(output)
        || signature::TypeShape::of(output, &[]).has_impl_trait;
    if readable || !matches!(**output, Type::Path(_)) {
        return TokenStream::new();
    }
    let call = quote_spanned!(output.span()=> .times_only_the_call_building_the_future());
    quote! {
        {
            #[allow(unused_imports)]
            use ::metricate::__private::{ReturnsAFuture as _, ReturnsAValue as _};
            (&::metricate::__private::FutureProbe::<#output>::NEW)#call;
        }
    }
}

/// A sync fn whose `Result` is classified: the body in a closure whose signature
/// and kind (`FnOnce`) are deduced from the fn's output.
fn sync_in_closure(checked: &Checked<'_>, start: &TokenStream) -> TokenStream {
    let block = &checked.func.block;
    let output = inferred_output(checked.func);
    let finish = finish_guard(checked);
    quote! {
        #start
        let __metricate_result = ::metricate::__private::call::<#output, _>(move || #block);
        #finish
        __metricate_result
    }
}

/// An `async fn`: the body in an inner future whose output type is fixed first,
/// so every `return` in the body is checked against it.
fn async_body(checked: &Checked<'_>, start: &TokenStream) -> TokenStream {
    let block = &checked.func.block;
    let finish = finish_guard(checked);
    let future = match &checked.func.sig.output {
        ReturnType::Type(_, output) if matches!(**output, Type::Never(_)) => {
            quote!(async move #block)
        }
        _ => {
            let output = inferred_output(checked.func);
            quote! {
                async move {
                    if let ::core::option::Option::Some(__metricate_hint) = ::core::option::Option::None::<#output> {
                        #[allow(unreachable_code)]
                        return __metricate_hint;
                    }
                    let __metricate_value: #output = #block;
                    #[allow(unreachable_code)]
                    __metricate_value
                }
            }
        }
    };
    quote! {
        #start
        let __metricate_result = ::metricate::__private::polled(&__metricate_guard, #future).await;
        #finish
        __metricate_result
    }
}

/// A method `#[async_trait]` expanded: inside its `Box::pin(async move { .. })`,
/// its own statements first (the parameters are bound again there), then the
/// guard, then the user's statements in the timed region.
fn async_trait_body(checked: &Checked<'_>) -> TokenStream {
    let mut block = (*checked.func.block).clone();
    let Some(Stmt::Expr(syn::Expr::Call(call), None)) = block.stmts.last_mut() else {
        return quote!(#block);
    };
    let Some(syn::Expr::Async(future)) = call.args.first_mut() else {
        return quote!(#block);
    };
    let stmts = std::mem::take(&mut future.block.stmts);
    let (prelude, rest) = stmts.split_at(signature::async_trait_prelude(&stmts));
    let renames_self = prelude.iter().any(|stmt| {
        matches!(stmt, Stmt::Local(local)
            if matches!(&local.pat, syn::Pat::Ident(binding) if binding.ident == "__self"))
    });
    let start = start_guard_reading(checked, DropMeans::Cancelled, renames_self);
    let finish = finish_guard(checked);
    future.block = syn::parse_quote!({
        #(#prelude)*
        #start
        let __metricate_result = ::metricate::__private::polled(&__metricate_guard, async move { #(#rest)* }).await;
        #finish
        __metricate_result
    });
    let stmts = &block.stmts;
    quote!(#(#stmts)*)
}

/// A sync fn returning a future: the guard starts with the call, the body runs
/// in a closure (so every `return`, even one inside a macro call the attribute
/// cannot see, hands its future to the timing), and the guard moves into a
/// future that awaits the returned one, so `in_flight` is up while it is
/// pending and the histogram sees it complete.
fn returned_future(checked: &Checked<'_>, start: &TokenStream, boxed: bool) -> TokenStream {
    let block = &checked.func.block;
    let finish = finish_guard(checked);
    // The declared type is the closure's output, as it is the fn's: an
    // `if`/`else` of two boxed futures coerces each to the trait object.
    let output = inferred_output(checked.func);
    let timed = quote! {
        async move {
            let __metricate_guard = __metricate_guard;
            let __metricate_result =
                ::metricate::__private::polled(&__metricate_guard, __metricate_future).await;
            #finish
            __metricate_result
        }
    };
    let timed = if boxed {
        quote!(::std::boxed::Box::pin(#timed))
    } else {
        timed
    };
    quote! {
        #start
        let __metricate_future = ::metricate::__private::call::<#output, _>(move || #block);
        __metricate_guard.suspend();
        #timed
    }
}

/// The fn's output with `impl Trait` made `_`, to name it inside the body.
fn inferred_output(func: &ItemFn) -> TokenStream {
    match &func.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, output) => {
            signature::with_inferred_impl_traits(output).into_token_stream()
        }
    }
}

/// Everything the fn declares, as items inside its body: the error classifier
/// and the labels' value sets when they can be named outside the fn (so the
/// catalogue knows them at start), the cardinality check, and the site.
fn declarations(checked: &Checked<'_>) -> TokenStream {
    let errors = match &checked.errors {
        ErrorSource::Named(error) => {
            let constructor = spanning(
                quote!(::metricate::__private::ErrorClassifier::by_label_value),
                error,
            );
            Some(quote_spanned! {error.span()=>
                const __METRICATE_ERRORS: ::metricate::__private::ErrorClassifier<#error> = #constructor();
            })
        }
        _ => None,
    };
    let budget = cardinality_check(checked);
    let site = Slice::Functions.declare(site_init(checked));
    quote! {
        #errors
        #budget
        #site
    }
}

/// The site's constant description, built through the runtime's `const`
/// builder (one call per key set, no field named), and its value sets when
/// known.
fn site_init(checked: &Checked<'_>) -> TokenStream {
    let func = checked.func;
    let function = func.sig.ident.to_string();
    let help = &checked.help;
    let location = func.sig.ident.span();
    let file = quote_spanned!(location=> ::core::file!());
    let line = quote_spanned!(location=> ::core::line!());
    let mut desc = quote! {
        ::metricate::__private::SiteDesc::new(#function, ::core::module_path!(), #file, #line, #help)
    };
    let mut set = |call: TokenStream| desc.extend(quote!(.#call));
    for (method, name) in [
        (quote!(histogram), checked.histogram),
        (quote!(errors), checked.errors_name),
        (quote!(calls), checked.calls),
        (quote!(in_flight), checked.in_flight),
    ] {
        if let Some(name) = name {
            set(quote!(#method(#name)));
        }
    }
    if let Some(bounds) = &checked.buckets {
        set(quote!(bucket_bounds(&[#(#bounds),*])));
    }
    if !checked.labels.is_empty() {
        let names = checked.labels.iter().map(|label| label.name.to_string());
        set(quote!(labels(&[#(#names),*])));
    }
    if !checked.const_labels.is_empty() {
        let pairs = checked
            .const_labels
            .iter()
            .map(|(name, value)| quote!((#name, #value)));
        set(quote!(const_labels(&[#(#pairs),*])));
    }
    if let Some(outcome) = checked.outcome {
        set(quote!(outcome(#outcome)));
    }
    if checked.body != BodyKind::Sync {
        set(quote!(future()));
    }
    if checked.returns_result {
        set(quote!(result()));
    }
    let first_use_fix = first_use_fix(checked);
    if !first_use_fix.is_empty() {
        set(quote!(first_use_fix(#first_use_fix)));
    }
    if let Some(objective) = &checked.objective {
        if let Some((threshold_seconds, percentile)) = objective.latency {
            set(quote!(latency_objective(#threshold_seconds, #percentile)));
        }
        if let Some(ratio) = objective.success {
            set(quote!(success_objective(#ratio)));
        }
    }
    if let Some(schema) = checked.native_schema {
        set(quote!(native(#schema)));
    }
    let label_values = if checked.labels.is_empty() {
        quote!(::core::option::Option::Some(&[]))
    } else if checked.labels_known() {
        quote!(::core::option::Option::Some(__METRICATE_LABEL_VALUES))
    } else {
        quote!(::core::option::Option::None)
    };
    let error_values = match &checked.errors {
        ErrorSource::None => quote!(::core::option::Option::Some(&[])),
        ErrorSource::Fixed(fixed) => quote!(::core::option::Option::Some(&[#fixed])),
        ErrorSource::Named(_) => quote!(::core::option::Option::Some(__METRICATE_ERRORS.values())),
        ErrorSource::PerCall => quote!(::core::option::Option::None),
    };
    let client_errors = match &checked.errors {
        ErrorSource::Named(_) => quote!(__METRICATE_ERRORS.client_errors()),
        _ => quote!(&[]),
    };
    quote! {
        ::metricate::__private::Site::new(#desc, #label_values, #error_values, #client_errors)
    }
}

/// What to write so the site's values are known at start, when they are not:
/// the typed form of each label read through `Self`, and a named error type.
fn first_use_fix(checked: &Checked<'_>) -> String {
    let typed: Vec<String> = checked
        .labels
        .iter()
        .filter(|label| !label.known_at_start())
        .map(|label| {
            let value = label.expr.to_token_stream().to_string().replace(" . ", ".");
            format!("{}: Type = {value}", label.name)
        })
        .collect();
    let mut fixes = Vec::new();
    if !typed.is_empty() {
        fixes.push(format!("`labels({})`", typed.join(", ")));
    }
    if !checked.errors_known() {
        fixes.push("the error type by its name in the signature, not through `Self` or a generic parameter (or `error_type = \"...\"`)".to_owned());
    }
    fixes.join(" and ")
}

/// The compile-time cardinality check: the product of the label types' value
/// counts within the budget, and every label type a `LabelValue`. Where every
/// type can be named outside the fn it is a `const` item, which `cargo check`
/// evaluates; a type mentioning `Self` needs an inline `const` block, whose bound
/// errors `cargo check` reports and whose budget `cargo build` does.
fn cardinality_check(checked: &Checked<'_>) -> TokenStream {
    let (Some(labels_key), false) = (checked.labels_key, checked.labels.is_empty()) else {
        return TokenStream::new();
    };
    let names: Vec<String> = checked
        .labels
        .iter()
        .map(|label| format!("`{}`", label.name))
        .collect();
    let families: Vec<String> = checked
        .metric_names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect();
    let max = checked.max_series as usize;
    let message = format!(
        "label cardinality of {} exceeds the budget of {max} series: the product of the value counts of {} is larger\nhelp: drop a label, label with a coarser type, or raise the budget with `max_series = N` (at most {})",
        families.join(", "),
        names.join(", "),
        crate::rules::MAX_SERIES_CAP,
    );
    let value_sets = checked.labels.iter().map(label_values);
    if checked.labels_known() {
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

/// A label's value set, in a constant: the written type's, or that of a closure
/// projecting the parameter to the value (`values_of(|p: &P| &(*p).field)`),
/// which names the type without a value.
fn label_values(label: &LabelSource<'_>) -> TokenStream {
    match &label.ty {
        LabelType::Written(ty) => {
            let callee = spanning(quote!(::metricate::__private::values_of_type), ty);
            quote_spanned!(ty.span()=> #callee::<#ty>())
        }
        LabelType::Projected(projection) | LabelType::AtFirstUse(projection) => {
            let Projection {
                param_type,
                pattern,
                root,
                fields,
            } = projection;
            let span = label.expr.span();
            let callee = spanning(quote!(::metricate::__private::values_of), label.expr);
            // One span for the closure's parameter and its uses: a label in a fn
            // a `macro_rules!` writes has its tokens from another context, and
            // a local binding resolves only within its own.
            let param = quote::format_ident!("__metricate_param");
            let project = match pattern {
                None => quote!(&(*#param) #(.#fields)*),
                Some(pattern) if fields.is_empty() => quote! {{
                    let #pattern = #param;
                    #root
                }},
                Some(pattern) => quote! {{
                    let #pattern = #param;
                    &#root #(.#fields)*
                }},
            };
            quote_spanned! {span=>
                #callee(|#param: &#param_type| #project)
            }
        }
    }
}

fn start_guard(checked: &Checked<'_>, drop_means: DropMeans) -> TokenStream {
    start_guard_reading(checked, drop_means, false)
}

/// Reads the labels, resolves the error classifier and the site's table, and
/// starts the guard. `renames_self`: the labels are read in `#[async_trait]`'s
/// future, where `self` is `__self`.
fn start_guard_reading(
    checked: &Checked<'_>,
    drop_means: DropMeans,
    renames_self: bool,
) -> TokenStream {
    let labels: Vec<(Option<&Type>, syn::Expr)> = checked
        .labels
        .iter()
        .map(|label| {
            let mut expr = label.expr.clone();
            if renames_self {
                syn::visit_mut::VisitMut::visit_expr_mut(&mut SelfToAlias, &mut expr);
            }
            let ty = match &label.ty {
                LabelType::Written(ty) => Some(ty),
                _ => None,
            };
            (ty, expr)
        })
        .collect();
    let known = checked.labels_known();
    let row = label_row(&labels, known.then(|| quote!(__METRICATE_LABEL_VALUES)));
    let classifier = match &checked.errors {
        ErrorSource::None if checked.needs_result() => {
            quote!(::metricate::__private::ErrorClassifier::any())
        }
        ErrorSource::None => quote!(::metricate::__private::ErrorClassifier::<()>::none()),
        ErrorSource::Fixed(fixed) => {
            quote!(::metricate::__private::ErrorClassifier::fixed(&[#fixed]))
        }
        ErrorSource::Named(_) => quote!(__METRICATE_ERRORS),
        ErrorSource::PerCall => {
            // On `E` of `Result<T, E>` when it can be seen, else on the return type.
            let error_type = signature::produced_type(checked.func, checked.body)
                .map(|ty| signature::result_error_type(ty).unwrap_or(ty));
            let constructor = quote!(::metricate::__private::ErrorClassifier::by_label_value);
            let (constructor, span) = match error_type {
                Some(ty) => (spanning(constructor, ty), ty.span()),
                None => (
                    spanning(constructor, &checked.func.sig.ident),
                    checked.func.sig.ident.span(),
                ),
            };
            quote_spanned!(span=> #constructor())
        }
    };
    let table = if known && checked.errors_known() {
        quote!(__METRICATE_SITE.table())
    } else {
        quote!(
            __METRICATE_SITE.table_for(&__metricate_label_values[..], __metricate_errors.values())
        )
    };
    quote! {
        #row
        let __metricate_errors = #classifier;
        let __metricate_guard = ::metricate::__private::Guard::start(
            #table,
            __metricate_row,
            #drop_means,
        );
    }
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

/// Binds `__metricate_row`, the row of the labels' values in the site's table
/// (their ordinals in mixed radix), and `__metricate_label_values`, each label's
/// value set. A label with a type given is read as that type; the others are
/// probed, so a value that is not a `LabelValue` is reported once, by the
/// compile-time check on its type, not again here.
///
/// `known_values` names a constant with the value sets, when there is one: the
/// row then needs only each label's ordinal.
pub(crate) fn label_row(
    labels: &[(Option<&Type>, syn::Expr)],
    known_values: Option<TokenStream>,
) -> TokenStream {
    if labels.is_empty() {
        return quote! {
            let __metricate_row = 0usize;
            let __metricate_label_values: [&'static [&'static str]; 0] = [];
        };
    }
    if let Some(values) = known_values {
        let indices = 0..labels.len();
        let (ordinals, types): (Vec<TokenStream>, Vec<TokenStream>) = labels
            .iter()
            .map(|(ty, expr)| match ty {
                Some(ty) => (
                    quote_spanned!(expr.span()=> <#ty as ::metricate::LabelValue>::index(&(#expr))),
                    quote_spanned!(expr.span()=> ::core::any::type_name::<#ty>()),
                ),
                None => (
                    quote!((&::metricate::__private::Probe(&(#expr))).label_index()),
                    quote!((&::metricate::__private::Probe(&(#expr))).label_type()),
                ),
            })
            .unzip();
        return quote! {
            let __metricate_label_values: &[&[&str]] = #values;
            let __metricate_row = {
                #[allow(unused_imports)]
                use ::metricate::__private::{ViaFallback as _, ViaLabelValue as _};
                let mut __metricate_row = 0usize;
                #(
                    __metricate_row = ::metricate::__private::next_row(
                        __metricate_row,
                        #values[#indices].len(),
                        #ordinals,
                        #types,
                    );
                )*
                __metricate_row
            };
        };
    }
    let probes: Vec<syn::Ident> = (0..labels.len())
        .map(|index| quote::format_ident!("__metricate_label_{}", index))
        .collect();
    let reads = labels.iter().map(|(ty, expr)| match ty {
        Some(ty) => quote_spanned!(expr.span()=> ::metricate::__private::Probe::<#ty>(&(#expr))),
        None => quote!(::metricate::__private::Probe(&(#expr))),
    });
    quote! {
        let (__metricate_row, __metricate_label_values) = {
            #[allow(unused_imports)]
            use ::metricate::__private::{ViaFallback as _, ViaLabelValue as _};
            #(let #probes = #reads;)*
            let mut __metricate_row = 0usize;
            #(
                __metricate_row = ::metricate::__private::next_row(
                    __metricate_row,
                    (&#probes).label_values().len(),
                    (&#probes).label_index(),
                    (&#probes).label_type(),
                );
            )*
            (__metricate_row, [#((&#probes).label_values()),*])
        };
    }
}

fn finish_guard(checked: &Checked<'_>) -> TokenStream {
    if checked.needs_result() {
        // On the type the call produces: a type that is not a `Result` is
        // reported there, once.
        let classify = match signature::produced_type(checked.func, checked.body) {
            Some(ty) => spanning(quote!(::metricate::__private::classify), ty),
            None => quote!(::metricate::__private::classify),
        };
        quote! {
            __metricate_guard.finish(#classify(&__metricate_errors, &__metricate_result));
        }
    } else {
        quote! {
            __metricate_guard.finish(::core::option::Option::None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::instrument_metric;
    use quote::quote;

    /// Compiled out, an annotation gives back the fn as written, its labels'
    /// values borrowed first so that a parameter only a label reads stays
    /// used: the same machine code as without the annotation.
    #[test]
    fn compiled_out_an_annotated_fn_is_the_fn_as_written() {
        let func = quote! {
            /// Parses a CV.
            #[inline]
            pub async fn parse_cv(format: Format, body: &[u8]) -> Result<usize, CvError> {
                Ok(body.len())
            }
        };
        let args = quote!(
            histogram = "cv_parse_duration_seconds",
            errors = "cv_parse_errors_total",
            labels(format = format)
        );
        let expanded = instrument_metric(args.clone(), func.clone(), true);
        let expected = quote! {
            /// Parses a CV.
            #[inline]
            pub async fn parse_cv(format: Format, body: &[u8]) -> Result<usize, CvError> {
                let _ = &(format);
                Ok(body.len())
            }
        };
        let reparsed: syn::ItemFn = syn::parse2(expected).expect("a fn");
        assert_eq!(expanded.to_string(), quote!(#reparsed).to_string());
        // Without labels, token for token.
        let unlabelled = instrument_metric(quote!(calls = "parse_calls_total"), func.clone(), true);
        let reparsed: syn::ItemFn = syn::parse2(func.clone()).expect("a fn");
        assert_eq!(unlabelled.to_string(), quote!(#reparsed).to_string());
        // Compiled in, it is not.
        assert_ne!(
            instrument_metric(args, func.clone(), false).to_string(),
            func.to_string()
        );
    }

    #[test]
    fn compiled_out_an_impl_block_is_the_block_as_written() {
        let block = quote! {
            impl<T: Clone> Cache<T> {
                fn get(&self) -> Option<T> { self.value.clone() }
                async fn put(&mut self, value: T) { self.value = Some(value); }
            }
        };
        let args = quote!(calls = "cache_calls_total", fn_label = "method");
        let expanded = instrument_metric(args, block.clone(), true);
        let reparsed: syn::ItemImpl = syn::parse2(block).expect("an impl block");
        assert_eq!(expanded.to_string(), quote!(#reparsed).to_string());
    }

    #[test]
    fn compiled_out_a_mistake_is_still_an_error() {
        let func = quote!(
            fn parse() {}
        );
        let expanded = instrument_metric(quote!(calls = "parse_calls"), func, true);
        assert!(expanded.to_string().contains("compile_error"), "{expanded}");
    }
}
