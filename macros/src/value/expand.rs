//! Code generation for the value macros. A `counter!` evaluates to a
//! `&'static Counter`, resolved once per call site and label combination.
//!
//! The labels' values are evaluated first, where the macro is written (so `?`
//! and `.await` work in them); the rest runs inside one closure handed to
//! `__private::handles_exist_at_run_time`, a non-`const` fn: a value macro
//! written in a `const`, a `static` or a `const fn` then gets that one error,
//! naming what is wrong, instead of one per internal step.

use super::parse::{ComputedArgs, ValueArgs};
use crate::expand::label_row;
use crate::link::Slice;
use crate::rules::{MetricKind, DEFAULT_MAX_SERIES};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, LitStr, Type};

/// The errors, and an expression of the right type, so the code around the call
/// still type-checks and does not cascade.
pub(crate) fn detached(kind: MetricKind, errors: &[syn::Error]) -> TokenStream {
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

/// Compiled out: each label's value evaluated where the macro is written, as
/// when compiled in, then a detached handle that nothing exports.
pub(crate) fn compiled_out(kind: MetricKind, args: &ValueArgs) -> TokenStream {
    // A written type is still the value's type, so it is still used.
    let evaluate = args.labels.iter().map(|label| {
        let value = &label.value;
        match &label.ty {
            Some(ty) => quote_spanned!(value.span()=> let _: &#ty = &(#value);),
            None => quote_spanned!(value.span()=> let _ = &(#value);),
        }
    });
    let detached = detached(kind, &[]);
    quote! {{
        #(#evaluate)*
        #detached
    }}
}

pub(crate) fn generate(kind: MetricKind, args: &ValueArgs) -> TokenStream {
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
    let known = args.all_typed();
    let label_values = if known {
        let types = args.labels.iter().filter_map(|label| label.ty.as_ref());
        quote!(::core::option::Option::Some(&[#(::metricate::__private::values_of_type::<#types>()),*]))
    } else {
        quote!(::core::option::Option::None)
    };
    // Each label's value is evaluated first, in the caller's context, so `?`
    // and `.await` work in it; the rest reads it by reference. Each binding is
    // named with its value's span, which resolves wherever the value came from.
    let bindings: Vec<syn::Ident> = args
        .labels
        .iter()
        .enumerate()
        .map(|(index, label)| {
            quote::format_ident!("__metricate_value_{}", index, span = label.value.span())
        })
        .collect();
    let evaluate = args.labels.iter().zip(&bindings).map(|(label, binding)| {
        let value = &label.value;
        quote_spanned!(value.span()=> let #binding = &(#value);)
    });
    let budget = budget_check(args, &bindings);
    let labels: Vec<(Option<&Type>, Expr)> = args
        .labels
        .iter()
        .zip(&bindings)
        .map(|(label, binding)| {
            let read: Expr = syn::parse_quote_spanned!(label.value.span()=> (*#binding));
            (label.ty.as_ref(), read)
        })
        .collect();
    let row = label_row(&labels, None);
    let accessor = match kind {
        MetricKind::Counter => quote!(counter),
        MetricKind::Gauge => quote!(gauge),
        MetricKind::Histogram => quote!(histogram),
    };
    let location = name.span();
    let file = quote_spanned!(location=> ::core::file!());
    let line = quote_spanned!(location=> ::core::line!());
    let site = Slice::Values.declare(quote! {
        ::metricate::__private::ValueSite::new(
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
        )
    });
    let handles = if known {
        quote!(__METRICATE_SITE.#accessor(__metricate_row))
    } else {
        let accessor_for = quote::format_ident!("{}_for", accessor.to_string());
        quote!(__METRICATE_SITE.#accessor_for(&__metricate_label_values[..], __metricate_row))
    };
    let runtime_only = quote_spanned!(location=> ::metricate::__private::handles_exist_at_run_time);
    quote! {{
        #(#evaluate)*
        #runtime_only(|| {
            #site
            #budget
            #row
            #handles
        })
    }}
}

/// Typed labels: a `const` item that `cargo check` evaluates, naming each type.
/// Untyped labels: each value's type must be a `LabelValue`, checked on the value;
/// their types cannot be named in a constant, so their budget is enforced when
/// the site's series are created (a site over budget records nothing and is
/// reported through `metricate::problems()`).
fn budget_check(args: &ValueArgs, bindings: &[syn::Ident]) -> TokenStream {
    if args.labels.is_empty() {
        return TokenStream::new();
    }
    let max = DEFAULT_MAX_SERIES as usize;
    let message = format!(
        "label cardinality of `{}` exceeds the budget of {max} series\nhelp: drop a label or label with a coarser type",
        args.name.value()
    );
    let span = args.name.span();
    if args.all_typed() {
        let cardinalities = args.labels.iter().filter_map(|label| {
            let ty = label.ty.as_ref()?;
            Some(quote_spanned!(ty.span()=> ::metricate::__private::values_of_type::<#ty>().len()))
        });
        quote_spanned! {span=>
            const _: () = ::core::assert!(1usize #(.saturating_mul(#cardinalities))* <= #max, "{}", #message);
        }
    } else {
        let checks = args.labels.iter().zip(bindings).map(|(label, binding)| {
            let value = &label.value;
            let ty = label.ty.iter();
            quote_spanned!(value.span()=> ::metricate::__private::require_label_value::<#(#ty)*>(#binding))
        });
        quote! {
            #(#checks;)*
        }
    }
}

/// The errors, and an expression of the type `computed_gauge!` has.
pub(crate) fn computed_with_errors(errors: &[syn::Error]) -> TokenStream {
    let errors = errors.iter().map(syn::Error::to_compile_error);
    quote! {{ #(#errors)* ::core::result::Result::<(), ::metricate::Problem>::Ok(()) }}
}

/// Compiled out: the reading made (so what it captures is used) and dropped,
/// never registered.
pub(crate) fn computed_compiled_out(args: &ComputedArgs) -> TokenStream {
    let read = &args.read;
    quote! {{
        let _ = #read;
        ::core::result::Result::<(), ::metricate::Problem>::Ok(())
    }}
}

/// `computed_gauge!`: the name and label checked here, the rest at run time by
/// `register_computed_gauge`.
pub(crate) fn computed_gauge(args: &ComputedArgs) -> TokenStream {
    let literal = &args.name;
    let help = args
        .help
        .as_ref()
        .map_or_else(|| literal.value(), LitStr::value);
    let label = match &args.label {
        Some(label) => quote!(::core::option::Option::Some(#label)),
        None => quote!(::core::option::Option::None),
    };
    let read = &args.read;
    let location = literal.span();
    let file = quote_spanned!(location=> ::core::file!());
    let line = quote_spanned!(location=> ::core::line!());
    // Declared in the catalogue from start, whether or not the callback is
    // ever registered; registering gives the family its callback.
    let site = Slice::Computed.declare(quote! {
        ::metricate::__private::ComputedSite::new(#literal, #help, #label, ::core::module_path!(), #file, #line)
    });
    quote! {{
        #site
        ::metricate::__private::register_computed(&__METRICATE_SITE, #read)
    }}
}
