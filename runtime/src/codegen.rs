//! Helpers the generated code calls that belong to no site: reading a label's
//! ordinal, naming label types' values in constants, the compile-time budget.

use crate::LabelValue;

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
}

impl<T: LabelValue + ?Sized> ViaLabelValue for Probe<'_, T> {
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
}

impl<T: ?Sized> ViaFallback for &Probe<'_, T> {
    fn label_values(&self) -> &'static [&'static str] {
        &[]
    }

    fn label_index(&self) -> usize {
        0
    }
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
