//! Every fn shape `#[instrument_metric]` supports compiles and runs.

#![allow(dead_code)]

use metricate::{instrument_metric, LabelValue};
use std::fmt::Debug;
use std::future::Future;

#[derive(Clone, Copy, Debug, PartialEq, LabelValue)]
enum Tier {
    Free,
    Pro,
}

#[derive(Debug, LabelValue)]
enum StoreError {
    Missing,
    Full,
}

#[derive(Default)]
struct Store {
    tier: Option<Tier>,
    items: Vec<String>,
}

struct Owned {
    tier: Tier,
}

impl Store {
    #[instrument_metric(histogram = "shapes_new_duration_seconds")]
    fn new() -> Self {
        Store::default()
    }

    #[instrument_metric(histogram = "shapes_len_duration_seconds", labels(tier = tier))]
    fn len(&self, tier: Tier) -> usize {
        let _ = tier;
        self.items.len()
    }

    #[instrument_metric(errors = "shapes_push_errors_total", labels(tier = tier))]
    fn push(&mut self, tier: Tier, item: &str) -> Result<(), StoreError> {
        if self.items.len() >= 2 {
            return Err(StoreError::Full);
        }
        self.tier = Some(tier);
        self.items.push(item.to_owned());
        Ok(())
    }

    #[instrument_metric(calls = "shapes_into_items_calls_total")]
    fn into_items(self) -> Vec<String> {
        self.items
    }

    #[instrument_metric(errors = "shapes_first_errors_total")]
    fn first<'a>(&'a self, prefix: &str) -> Result<&'a str, StoreError> {
        self.items
            .iter()
            .find(|item| item.starts_with(prefix))
            .map(String::as_str)
            .ok_or(StoreError::Missing)
    }

    #[instrument_metric(errors = "shapes_matching_errors_total")]
    fn matching<'a>(
        &'a self,
        prefix: &'a str,
    ) -> Result<impl Iterator<Item = &'a String> + 'a, StoreError> {
        if self.items.is_empty() {
            return Err(StoreError::Missing);
        }
        Ok(self
            .items
            .iter()
            .filter(move |item| item.starts_with(prefix)))
    }
}

impl Owned {
    #[instrument_metric(calls = "shapes_owned_calls_total", labels(tier = self.tier))]
    fn consume(self) -> Tier {
        self.tier
    }

    #[instrument_metric(calls = "shapes_owned_ref_calls_total", labels(tier = self.tier))]
    fn peek(&self) -> Tier {
        self.tier
    }
}

#[instrument_metric(histogram = "shapes_generic_duration_seconds", labels(tier = tier))]
fn describe<T, I>(tier: Tier, value: &T, extra: impl IntoIterator<Item = I>) -> String
where
    T: Debug + ?Sized,
    I: Debug,
{
    let extra: Vec<String> = extra.into_iter().map(|item| format!("{item:?}")).collect();
    format!("{tier:?} {value:?} {}", extra.join(","))
}

#[instrument_metric(histogram = "shapes_longest_duration_seconds")]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

#[instrument_metric(calls = "shapes_unsafe_calls_total")]
unsafe fn read_raw(pointer: *const u32) -> u32 {
    // SAFETY: the caller passes a valid pointer.
    unsafe { *pointer }
}

#[instrument_metric(histogram = "shapes_collect_duration_seconds")]
fn squares(n: u32) -> Vec<u32> {
    (0..n).map(|i| i * i).collect()
}

#[instrument_metric(errors = "shapes_parse_errors_total", error_type = "parse")]
fn parse_all(items: &[&str]) -> Result<Vec<u32>, std::num::ParseIntError> {
    items.iter().map(|item| item.parse::<u32>()).collect()
}

#[instrument_metric(calls = "shapes_early_return_calls_total")]
fn early_return(x: u32) -> u32 {
    if x == 0 {
        return 1;
    }
    x * 2
}

#[instrument_metric(errors = "shapes_question_mark_errors_total", error_type = "parse")]
fn question_mark(text: &str) -> Result<u32, std::num::ParseIntError> {
    let value: u32 = text.parse()?;
    Ok(value + 1)
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

// A trait whose method returns `impl Future + Send`, implemented by an async fn.
trait Repository {
    fn find(&self, tier: Tier) -> impl Future<Output = Result<usize, StoreError>> + Send;
}

struct Memory {
    items: Vec<Tier>,
}

impl Repository for Memory {
    #[instrument_metric(
        histogram = "shapes_find_duration_seconds",
        errors = "shapes_find_errors_total",
        labels(tier = tier),
    )]
    async fn find(&self, tier: Tier) -> Result<usize, StoreError> {
        tokio::task::yield_now().await;
        match self.items.iter().filter(|item| **item == tier).count() {
            0 => Err(StoreError::Missing),
            count => Ok(count),
        }
    }
}

fn require_send<F: Future + Send>(future: F) -> F {
    future
}

// `#[async_trait]` on the impl expands before the methods' attributes, so
// `#[instrument_metric]` sees the boxed future it produced, whichever place it
// takes among the method's attributes; on a trait, it instruments a default body.
#[async_trait::async_trait]
trait Service {
    async fn call(&self, tier: Tier) -> Result<u32, StoreError>;

    #[instrument_metric(calls = "shapes_default_ping_calls_total")]
    async fn ping(&self) -> u32 {
        7
    }
}

struct First;
struct Last;

#[async_trait::async_trait]
impl Service for First {
    #[instrument_metric(
        histogram = "shapes_first_call_duration_seconds",
        errors = "shapes_first_call_errors_total",
        labels(tier = tier),
    )]
    #[allow(clippy::unused_async)]
    /// Calls first.
    async fn call(&self, tier: Tier) -> Result<u32, StoreError> {
        tokio::task::yield_now().await;
        match tier {
            Tier::Free => Err(StoreError::Full),
            Tier::Pro => Ok(1),
        }
    }
}

#[async_trait::async_trait]
impl Service for Last {
    /// Calls last.
    #[allow(clippy::unused_async)]
    #[instrument_metric(
        histogram = "shapes_last_call_duration_seconds",
        errors = "shapes_last_call_errors_total",
        labels(tier = tier),
    )]
    async fn call(&self, tier: Tier) -> Result<u32, StoreError> {
        tokio::task::yield_now().await;
        match tier {
            Tier::Free => Err(StoreError::Missing),
            Tier::Pro => Ok(2),
        }
    }

    #[instrument_metric(calls = "shapes_last_ping_calls_total")]
    async fn ping(&self) -> u32 {
        8
    }
}

// A label read from `self`, which `#[async_trait]` renames inside the future.
struct Tiered {
    tier: Tier,
}

#[async_trait::async_trait]
impl Service for Tiered {
    #[instrument_metric(
        errors = "shapes_tiered_call_errors_total",
        labels(tier = self.tier, asked = tier),
    )]
    async fn call(&self, tier: Tier) -> Result<u32, StoreError> {
        if tier == self.tier {
            Ok(3)
        } else {
            Err(StoreError::Missing)
        }
    }
}

fn main() {
    let mut store = Store::new();
    assert!(store.push(Tier::Pro, "alpha").is_ok());
    assert!(store.push(Tier::Free, "beta").is_ok());
    assert!(store.push(Tier::Free, "gamma").is_err());
    assert_eq!(store.len(Tier::Free), 2);
    assert_eq!(store.first("be").ok(), Some("beta"));
    assert_eq!(store.matching("a").map(Iterator::count).ok(), Some(1));
    assert_eq!(store.into_items().len(), 2);
    assert_eq!(Owned { tier: Tier::Pro }.peek(), Tier::Pro);
    assert_eq!(Owned { tier: Tier::Pro }.consume(), Tier::Pro);
    assert_eq!(describe(Tier::Free, "x", [1, 2]), "Free \"x\" 1,2");
    assert_eq!(longest("ab", "abc"), "abc");
    let value = 5u32;
    // SAFETY: a valid pointer to a live u32.
    assert_eq!(unsafe { read_raw(&value) }, 5);
    assert_eq!(squares(4), vec![0, 1, 4, 9]);
    assert!(parse_all(&["1", "x"]).is_err());
    assert_eq!(early_return(0), 1);
    assert_eq!(question_mark("41").ok(), Some(42));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("runtime");
    let memory = Memory {
        items: vec![Tier::Pro, Tier::Pro],
    };
    let found = runtime.block_on(require_send(memory.find(Tier::Pro)));
    assert_eq!(found.ok(), Some(2));
    assert!(runtime
        .block_on(require_send(memory.find(Tier::Free)))
        .is_err());
    assert!(runtime
        .block_on(require_send(First.call(Tier::Free)))
        .is_err());
    assert_eq!(runtime.block_on(First.ping()), 7);
    assert_eq!(
        runtime.block_on(require_send(Last.call(Tier::Pro))).ok(),
        Some(2)
    );
    assert_eq!(runtime.block_on(Last.ping()), 8);
    let tiered = Tiered { tier: Tier::Pro };
    assert!(runtime
        .block_on(require_send(tiered.call(Tier::Free)))
        .is_err());
    let spawned = runtime.block_on(runtime.spawn(async { First.call(Tier::Pro).await }));
    assert_eq!(spawned.ok().and_then(Result::ok), Some(1));

    let text = metricate::render();
    assert!(
        text.contains(r#"shapes_find_errors_total{error_type="missing",tier="free"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"shapes_first_call_errors_total{error_type="full",tier="free"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"shapes_last_call_errors_total{error_type="missing",tier="pro"} 0"#),
        "{text}"
    );
    assert!(text.contains("shapes_default_ping_calls_total 1"), "{text}");
    assert!(text.contains("shapes_last_ping_calls_total 1"), "{text}");
    assert!(
        text.contains(r#"shapes_first_call_duration_seconds_count{tier="pro"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"shapes_tiered_call_errors_total{asked="free",error_type="missing",tier="pro"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"shapes_push_errors_total{error_type="full",tier="free"} 1"#),
        "{text}"
    );
}
