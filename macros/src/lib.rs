//! Procedural macros behind [`metricate`](https://docs.rs/metricate).
//!
//! This crate is an implementation detail: depend on `metricate` and use the
//! macros it re-exports. The code is split by phase, as `thiserror-impl` and
//! `serde_derive` are: [`parse`] turns tokens into a typed AST that keeps every
//! span, [`validate`] applies the Prometheus rules and collects every error,
//! [`expand`] generates code and never fails.

mod derive;
mod expand;
mod parse;
mod validate;
mod value;

use proc_macro::TokenStream;

/// Times, counts and classifies the calls of a function. See `metricate::instrument_metric`.
#[proc_macro_attribute]
pub fn instrument_metric(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::instrument_metric(args.into(), item.into()).into()
}

/// Implements `metricate::LabelValue` for an enum. See `metricate::LabelValue`.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    derive::label_value(input.into()).into()
}

/// A counter series. See `metricate::counter!`.
#[proc_macro]
pub fn counter(input: TokenStream) -> TokenStream {
    value::expand(parse::MetricKind::Counter, input.into()).into()
}

/// A gauge series. See `metricate::gauge!`.
#[proc_macro]
pub fn gauge(input: TokenStream) -> TokenStream {
    value::expand(parse::MetricKind::Gauge, input.into()).into()
}

/// A histogram series. See `metricate::histogram!`.
#[proc_macro]
pub fn histogram(input: TokenStream) -> TokenStream {
    value::expand(parse::MetricKind::Histogram, input.into()).into()
}

/// A gauge computed at scrape time. See `metricate::computed_gauge!`.
#[proc_macro]
pub fn computed_gauge(input: TokenStream) -> TokenStream {
    value::computed_gauge(input.into()).into()
}
