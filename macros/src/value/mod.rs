//! `counter!`, `gauge!` and `histogram!`: one metric each, for values that are not
//! a call's duration, with the same compile-time rules and the same
//! pre-resolved hot path as `#[instrument_metric]`; and `computed_gauge!`.
//! Split by phase like the attribute: [`parse`], [`check`], [`expand`].

mod check;
mod expand;
mod parse;

use crate::rules::MetricKind;
use proc_macro2::TokenStream;

/// `counter!`, `gauge!` or `histogram!`. `compiled_out`: checked, then a
/// detached handle after the labels are evaluated (their `?` and `.await` still
/// run), registering nothing.
pub(crate) fn value(kind: MetricKind, input: TokenStream, compiled_out: bool) -> TokenStream {
    let args: parse::ValueArgs = match syn::parse2(input) {
        Ok(args) => args,
        Err(error) => return expand::detached(kind, &[error]),
    };
    let errors = check::check(kind, &args);
    if !errors.is_empty() {
        return expand::detached(kind, &errors);
    }
    if compiled_out {
        return expand::compiled_out(kind, &args);
    }
    expand::generate(kind, &args)
}

/// `computed_gauge!`. `compiled_out`: checked, then the reading is dropped
/// unregistered.
pub(crate) fn computed_gauge(input: TokenStream, compiled_out: bool) -> TokenStream {
    let args: parse::ComputedArgs = match syn::parse2(input) {
        Ok(args) => args,
        Err(error) => return error.to_compile_error(),
    };
    let errors = check::check_computed(&args);
    if !errors.is_empty() {
        return expand::computed_with_errors(&errors);
    }
    if compiled_out {
        return expand::computed_compiled_out(&args);
    }
    expand::computed_gauge(&args)
}
