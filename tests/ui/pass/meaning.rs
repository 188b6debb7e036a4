//! Every fn here compiles without the attribute, and so with it, with the same
//! meaning: reborrows of `&mut self`, coercions to the declared return type,
//! `impl Trait` and `!` returns, `Self`, lifetimes tied to `self`, early
//! returns by `return`, `?` and macros, inner attributes and `#[track_caller]`,
//! sync and async, with and without a `Result` to classify.

#![deny(warnings)]
#![allow(dead_code)]

use metricate::{instrument_metric, LabelValue};
use std::collections::HashMap;
use std::fmt::Debug;

#[derive(Debug, LabelValue)]
enum StoreError {
    Missing,
    Full,
}

impl From<std::num::ParseIntError> for StoreError {
    fn from(_: std::num::ParseIntError) -> Self {
        StoreError::Full
    }
}

trait Shape {
    fn area(&self) -> f64;
}

struct Square(f64);

impl Shape for Square {
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

struct Store {
    name: String,
    items: Vec<u32>,
    index: HashMap<String, u32>,
}

/// Bails out like `anyhow::bail!`: a `return` the attribute cannot see.
macro_rules! bail {
    ($error:expr) => {
        return Err($error)
    };
}

impl Store {
    #[instrument_metric(calls = "meaning_get_mut_calls_total")]
    fn items_mut(&mut self) -> &mut Vec<u32> {
        &mut self.items
    }

    #[instrument_metric(errors = "meaning_entry_errors_total")]
    fn entry_mut(&mut self, key: &str) -> Result<&mut u32, StoreError> {
        self.index.get_mut(key).ok_or(StoreError::Missing)
    }

    #[instrument_metric(errors = "meaning_name_errors_total")]
    fn name(&self) -> Result<&str, StoreError> {
        if self.name.is_empty() {
            return Err(StoreError::Missing);
        }
        Ok(&self.name)
    }

    #[instrument_metric(histogram = "meaning_slice_duration_seconds")]
    fn slice(&self) -> &[u32] {
        &self.items
    }

    #[instrument_metric(errors = "meaning_checked_slice_errors_total")]
    fn checked_slice(&self) -> Result<&[u32], StoreError> {
        Ok(&self.items)
    }

    #[instrument_metric(calls = "meaning_boxed_calls_total")]
    fn boxed(&self) -> Box<dyn Shape> {
        Box::new(Square(2.0))
    }

    #[instrument_metric(errors = "meaning_boxed_result_errors_total")]
    fn boxed_result(&self, side: f64) -> Result<Box<dyn Shape>, StoreError> {
        if side < 0.0 {
            bail!(StoreError::Full);
        }
        Ok(Box::new(Square(side)))
    }

    #[instrument_metric(errors = "meaning_iter_errors_total")]
    fn iter<'a>(&'a self, floor: u32) -> Result<impl Iterator<Item = &'a u32> + 'a, StoreError> {
        Ok(self.items.iter().filter(move |item| **item >= floor))
    }

    #[instrument_metric(calls = "meaning_new_calls_total")]
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            items: Vec::new(),
            index: HashMap::new(),
        }
    }

    #[instrument_metric(errors = "meaning_parse_errors_total")]
    fn parse(&mut self, text: &str) -> Result<&mut Self, StoreError> {
        let value: u32 = text.parse()?;
        self.items.push(value);
        Ok(self)
    }

    #[instrument_metric(errors = "meaning_async_name_errors_total")]
    async fn async_name(&self) -> Result<&str, StoreError> {
        if self.name.is_empty() {
            return Err(StoreError::Missing);
        }
        Ok(&self.name)
    }

    #[instrument_metric(errors = "meaning_async_entry_errors_total")]
    async fn async_entry_mut(&mut self, key: &str) -> Result<&mut u32, StoreError> {
        self.index.get_mut(key).ok_or(StoreError::Missing)
    }

    #[instrument_metric(histogram = "meaning_async_slice_duration_seconds")]
    async fn async_slice(&self) -> &[u32] {
        &self.items
    }

    #[instrument_metric(errors = "meaning_async_parse_errors_total")]
    async fn async_parse(&mut self, text: &str) -> Result<u32, StoreError> {
        let value: u32 = text.parse()?;
        if value > 100 {
            bail!(StoreError::Full);
        }
        Ok(value)
    }

    #[instrument_metric(errors = "meaning_async_boxed_errors_total")]
    async fn async_boxed(&self) -> Result<Box<dyn Shape + Send>, StoreError> {
        Ok(Box::new(Square(1.0)))
    }
}

#[instrument_metric(calls = "meaning_never_calls_total")]
fn never(message: &str) -> ! {
    panic!("{message}")
}

#[instrument_metric(calls = "meaning_inner_attribute_calls_total")]
fn inner_attribute() -> u32 {
    #![allow(clippy::let_and_return)]
    let value = 1;
    value
}

#[instrument_metric(errors = "meaning_track_caller_errors_total")]
#[track_caller]
fn located(index: usize, items: &[u32]) -> Result<u32, StoreError> {
    items.get(index).copied().ok_or(StoreError::Missing)
}

#[instrument_metric(calls = "meaning_track_caller_in_place_calls_total")]
#[track_caller]
fn located_in_place() -> &'static std::panic::Location<'static> {
    std::panic::Location::caller()
}

#[instrument_metric(histogram = "meaning_debug_duration_seconds")]
fn describe(value: &dyn Debug) -> String {
    format!("{value:?}")
}

#[instrument_metric(errors = "meaning_unit_errors_total")]
fn unit_result(fail: bool) -> Result<(), StoreError> {
    if fail {
        return Err(StoreError::Full);
    }
    Ok(())
}

fn main() {
    let mut store = Store::new("jobs");
    store.items_mut().push(3);
    store.index.insert("a".to_owned(), 1);
    *store.entry_mut("a").unwrap() += 1;
    assert_eq!(store.name().unwrap(), "jobs");
    assert_eq!(store.slice(), [3]);
    assert_eq!(store.checked_slice().unwrap(), [3]);
    assert_eq!(store.boxed().area(), 4.0);
    assert!(store.boxed_result(-1.0).is_err());
    assert_eq!(store.iter(2).unwrap().count(), 1);
    assert!(store.parse("7").unwrap().parse("x").is_err());
    assert_eq!(inner_attribute(), 1);
    assert!(located(9, &[]).is_err());
    let here = line!() + 1;
    assert_eq!(located_in_place().line(), here);
    assert_eq!(describe(&1), "1");
    assert!(unit_result(true).is_err());
    let _ = never as fn(&str) -> !;
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        assert_eq!(store.async_name().await.unwrap(), "jobs");
        *store.async_entry_mut("a").await.unwrap() += 1;
        assert_eq!(store.async_slice().await, [3, 7]);
        assert!(store.async_parse("500").await.is_err());
        assert_eq!(store.async_boxed().await.unwrap().area(), 1.0);
    });
    assert_eq!(store.index["a"], 3);
}
