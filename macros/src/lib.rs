//! Procedural macros behind [`metricate`](https://docs.rs/metricate).
//!
//! This crate is an implementation detail: depend on `metricate` and use the
//! macros it re-exports. The code is split by phase, as `thiserror-impl` and
//! `serde_derive` are, and data flows one way:
//!
//! - `parse` turns the attribute's tokens into a typed AST that keeps every span;
//! - `signature` reads what the annotated fn says (how its body runs, its
//!   parameters and their patterns, which types can be named outside it);
//! - `check` applies the pure rules of `rules` to both, collects every error
//!   (`diagnostics`) and resolves a `check::Checked` annotation;
//! - `expand` generates code from it and never fails; `link` is the one
//!   place that knows how a site joins the catalogue.
//!
//! `value` holds the function-like macros, in the same phases; `derive`
//! implements `#[derive(LabelValue)]`; `case` converts names.

mod case;
mod check;
mod derive;
mod diagnostics;
mod expand;
mod impl_block;
mod link;
mod parse;
mod preset;
mod rules;
mod signature;
mod value;

use proc_macro::TokenStream;

/// metricate's `off` feature: every annotation and value macro is checked,
/// then compiled out.
const COMPILED_OUT: bool = cfg!(feature = "off");

/// Times, counts and classifies the calls of a function, or of every method of
/// an `impl` block. See `metricate::instrument_metric`.
#[proc_macro_attribute]
pub fn instrument_metric(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::instrument_metric(args.into(), item.into(), COMPILED_OUT).into()
}

/// Keys many annotations share, declared once. See `metricate::preset!`.
#[proc_macro]
pub fn preset(input: TokenStream) -> TokenStream {
    preset::preset_macro(input.into()).into()
}

/// Implements `metricate::LabelValue` for an enum. See `metricate::LabelValue`.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    derive::label_value(input.into()).into()
}

/// A counter series. See `metricate::counter!`.
#[proc_macro]
pub fn counter(input: TokenStream) -> TokenStream {
    value::value(rules::MetricKind::Counter, input.into(), COMPILED_OUT).into()
}

/// A gauge series. See `metricate::gauge!`.
#[proc_macro]
pub fn gauge(input: TokenStream) -> TokenStream {
    value::value(rules::MetricKind::Gauge, input.into(), COMPILED_OUT).into()
}

/// A histogram series. See `metricate::histogram!`.
#[proc_macro]
pub fn histogram(input: TokenStream) -> TokenStream {
    value::value(rules::MetricKind::Histogram, input.into(), COMPILED_OUT).into()
}

/// A gauge computed at scrape time. See `metricate::computed_gauge!`.
#[proc_macro]
pub fn computed_gauge(input: TokenStream) -> TokenStream {
    value::computed_gauge(input.into(), COMPILED_OUT).into()
}
