//! Generated code must not depend on what the user's scope calls `Result`, `Ok`,
//! `Err`, `Option`, `Some`, `None`, `Box`, `Vec`, `String`, `std`, `core`,
//! `metricate` or `prometheus`: it uses absolute paths only.

#![no_implicit_prelude]
#![allow(dead_code, non_camel_case_types)]

use ::metricate::{instrument_metric, LabelValue};

mod prometheus {}
mod std {}
mod core {}
mod __private {}

type Result<T> = ::core::result::Result<T, Failure>;
type Option = ();
struct Ok;
struct Err;
struct Some;
struct None;
struct Box;
struct Vec;
struct String;
struct Send;
struct Sync;
struct Drop;
struct Fn;
struct Future;
struct Instant;
struct __METRICATE_SITE;
fn panic() {}
fn file() {}
fn line() {}
fn module_path() {}

#[derive(::core::clone::Clone, ::core::marker::Copy, LabelValue)]
enum Plan {
    Free,
    Pro,
}

#[derive(::core::fmt::Debug, LabelValue)]
enum Failure {
    Empty,
    TooLarge { size: usize },
}

struct User {
    plan: Plan,
}

/// Parses a CV.
#[instrument_metric(
    histogram = "hygiene_parse_duration_seconds",
    errors = "hygiene_parse_errors_total",
    calls = "hygiene_parse_calls_total",
    in_flight = "hygiene_parse_in_flight",
    labels(plan = user.plan, strict = strict),
    const_labels(model = "v1"),
    buckets = [0.01, 0.1, 1.0],
)]
fn parse(user: &User, strict: bool, body: &[u8]) -> Result<usize> {
    match body.len() {
        0 => ::core::result::Result::Err(Failure::Empty),
        size if strict && size > 4 => ::core::result::Result::Err(Failure::TooLarge { size }),
        size => ::core::result::Result::Ok(size),
    }
}

#[instrument_metric(
    histogram = "hygiene_fetch_duration_seconds",
    errors = "hygiene_fetch_errors_total",
    error_type = "fetch",
    labels(plan = plan),
)]
async fn fetch(plan: Plan) -> ::core::result::Result<u8, ()> {
    let _ = plan;
    ::core::result::Result::Err(())
}

fn main() {
    let user = User { plan: Plan::Pro };
    let _ = parse(&user, true, b"");
    let _ = parse(&user, true, b"abcdef");
    let _ = parse(&user, false, b"abc");
    let runtime = ::tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    ::std::assert!(runtime.block_on(fetch(Plan::Free)).is_err());
    let text = ::metricate::render();
    ::std::assert!(text.contains(
        r#"hygiene_parse_errors_total{error_type="too_large",model="v1",plan="pro",strict="true"} 1"#
    ));
    ::std::assert!(
        text.contains(r#"hygiene_parse_calls_total{model="v1",plan="free",strict="false"} 0"#)
    );
    ::std::assert!(text.contains(r#"hygiene_fetch_errors_total{error_type="fetch",plan="free"} 1"#));
}
