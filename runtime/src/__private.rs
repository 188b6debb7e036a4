//! What generated code calls into. Not part of the public API: names and
//! signatures here change without notice. The helpers that belong to no site
//! (reading a label's ordinal, naming label types' values in constants, the
//! compile-time budget, the future probe) live here; the rest are re-exports
//! from the module of their concern.

pub use crate::catalog::{COMPUTED_SITES, FUNCTION_SITES, VALUE_SITES};
pub use crate::computed::{register_computed, ComputedSite};
/// The key of a native histogram's bucket, for the benchmarks of its cost.
pub use crate::native::key as native_bucket_key;
pub use crate::process::register_build_info;
pub use crate::site::{
    call, classify, polled, CallResult, DropMeans, ErrorClassifier, ErrorOf, Guard, Site, SiteDesc,
    Table,
};
pub use crate::value_site::{
    ValueKind, ValueSite, ValueSiteDesc, DETACHED_COUNTER, DETACHED_GAUGE, DETACHED_HISTOGRAM,
};
pub use linkme;

use crate::label::LabelValue;

/// A label value on its way to an ordinal. Method calls on `&Probe` pick
/// [`ViaLabelValue`] when the value's type implements [`LabelValue`] and
/// [`ViaFallback`] otherwise, so a wrong type is reported once, by the
/// compile-time check, instead of a second time here.
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// A probed value whose type is a [`LabelValue`].
pub trait ViaLabelValue {
    /// The type's values.
    fn label_values(&self) -> &'static [&'static str];
    /// The value's ordinal.
    fn label_index(&self) -> usize;
    /// The value's type, for a report.
    fn label_type(&self) -> &'static str;
}

impl<T: LabelValue + ?Sized> ViaLabelValue for Probe<'_, T> {
    #[inline]
    fn label_type(&self) -> &'static str {
        core::any::type_name::<T>()
    }

    #[inline]
    fn label_values(&self) -> &'static [&'static str] {
        T::VALUES
    }

    #[inline]
    fn label_index(&self) -> usize {
        self.0.index()
    }
}

/// A probed value whose type is not a [`LabelValue`]: already an error elsewhere.
pub trait ViaFallback {
    /// No values.
    fn label_values(&self) -> &'static [&'static str];
    /// 0.
    fn label_index(&self) -> usize;
    /// The value's type.
    fn label_type(&self) -> &'static str;
}

impl<T: ?Sized> ViaFallback for &Probe<'_, T> {
    fn label_type(&self) -> &'static str {
        core::any::type_name::<T>()
    }

    fn label_values(&self) -> &'static [&'static str] {
        &[]
    }

    fn label_index(&self) -> usize {
        0
    }
}

/// The row so far, one label further: `row * count + ordinal` in mixed radix.
/// An ordinal outside the label's `count` values (a hand-written `LabelValue`
/// whose `index()` is out of range) makes the row `usize::MAX`, which records
/// nothing, rather than spilling into the next label's digit; it is reported
/// once as a [`Problem::LabelOutOfRange`](crate::Problem::LabelOutOfRange).
#[inline]
pub fn next_row(row: usize, count: usize, ordinal: usize, label_type: &'static str) -> usize {
    if ordinal < count && row != usize::MAX {
        row * count + ordinal
    } else {
        out_of_range(count, ordinal, label_type)
    }
}

#[cold]
#[inline(never)]
fn out_of_range(count: usize, ordinal: usize, label_type: &'static str) -> usize {
    if ordinal >= count {
        crate::problems::report(crate::vocabulary::Problem::LabelOutOfRange {
            label_type,
            index: ordinal,
            values: count,
        });
    }
    usize::MAX
}

/// The label values a closure projects a parameter to, in a constant.
pub const fn values_of<P: ?Sized, T: LabelValue + ?Sized, F: Fn(&P) -> &T>(
    projection: F,
) -> &'static [&'static str] {
    core::mem::forget(projection);
    T::VALUES
}

/// The values of a type named outright, in a constant.
pub const fn values_of_type<T: LabelValue + ?Sized>() -> &'static [&'static str] {
    T::VALUES
}

/// Where a `counter!`-style label's type is inferred: fails type-checking, on the
/// value, unless it is a `LabelValue`.
#[inline(always)]
pub fn require_label_value<T: LabelValue + ?Sized>(_value: &T) {}

/// The labels' value sets, after checking at compile time (in the `const` item
/// that calls it) that the product of their counts is within the budget. One
/// call rather than an `assert!` item per fn keeps type-checking cheap.
pub const fn within_budget(
    label_values: &'static [&'static [&'static str]],
    max_series: usize,
    message: &'static str,
) -> &'static [&'static [&'static str]] {
    let mut series = 1usize;
    let mut index = 0;
    while index < label_values.len() {
        series = series.saturating_mul(label_values[index].len());
        index += 1;
    }
    if series > max_series {
        panic!("{}", message);
    }
    label_values
}

/// Runs a `counter!`, `gauge!` or `histogram!`: its handle exists only at run
/// time, so this fn is deliberately not `const`. Written in a `const`, a
/// `static` or a `const fn`, the macro gets one error naming this fn: make the
/// value a `fn`, or a `LazyLock`.
#[inline(always)]
pub fn handles_exist_at_run_time<T, F: FnOnce() -> T>(handle: F) -> T {
    handle()
}

/// A sync fn's return type, probed for being a future the annotation could not
/// see (written through a type alias): method calls on `&FutureProbe<T>` pick
/// [`ReturnsAFuture`], whose method is deprecated so the build warns, when `T`
/// is a future, and [`ReturnsAValue`] otherwise. Nothing runs.
pub struct FutureProbe<T: ?Sized>(core::marker::PhantomData<T>);

impl<T: ?Sized> FutureProbe<T> {
    /// The probe of `T`.
    pub const NEW: Self = FutureProbe(core::marker::PhantomData);
}

/// The return type is a future.
pub trait ReturnsAFuture {
    /// Warns: only the call that builds the future is timed.
    #[deprecated(
        note = "this fn returns a future through a type alias, so `#[instrument_metric]` times only the call that builds it, not the future's run: write the future's type out in the signature (`impl Future<Output = T> + Send`, `Pin<Box<dyn Future<Output = T> + Send>>` or `BoxFuture<'_, T>`) so the run is timed, or make the fn `async`"
    )]
    fn times_only_the_call_building_the_future(&self) {}
}

impl<T: core::future::Future + ?Sized> ReturnsAFuture for FutureProbe<T> {}

/// The return type is not a future.
pub trait ReturnsAValue {
    /// Nothing to say.
    fn times_only_the_call_building_the_future(&self) {}
}

impl<T: ?Sized> ReturnsAValue for &FutureProbe<T> {}
