//! How a call's result becomes an `error_type`: the error classifier of the
//! error type, and the closure a classified sync body runs in.

use crate::label::LabelValue;

/// How a call's `Err` becomes an `error_type` index.
pub struct ErrorClassifier<E: ?Sized> {
    values: &'static [&'static str],
    client_errors: &'static [&'static str],
    index: fn(&E) -> usize,
}

impl<E: ?Sized> Clone for ErrorClassifier<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: ?Sized> Copy for ErrorClassifier<E> {}

impl<E> ErrorClassifier<E> {
    /// No `errors` metric, and no result to look at.
    pub fn none() -> Self {
        ErrorClassifier {
            values: &[],
            client_errors: &[],
            index: |_| 0,
        }
    }

    /// No `errors` metric, but an `outcome` that tells `Err` from `Ok`.
    pub fn any() -> Self {
        ErrorClassifier::none()
    }

    /// `error_type = "..."`: every error counts under one value.
    pub fn fixed(value: &'static [&'static str; 1]) -> Self {
        ErrorClassifier {
            values: value,
            client_errors: &[],
            index: |_| 0,
        }
    }

    /// Errors labelled by their own `LabelValue`.
    pub const fn by_label_value() -> Self
    where
        E: LabelValue,
    {
        ErrorClassifier {
            values: E::VALUES,
            client_errors: E::CLIENT_ERRORS,
            index: E::index,
        }
    }

    /// The `error_type` values of the error type.
    #[inline]
    pub const fn values(&self) -> &'static [&'static str] {
        self.values
    }

    /// The values that are the caller's fault ([`LabelValue::CLIENT_ERRORS`]).
    #[inline]
    pub const fn client_errors(&self) -> &'static [&'static str] {
        self.client_errors
    }
}

/// A call's return value that may be an error.
#[diagnostic::on_unimplemented(
    message = "`errors` needs a fn returning `Result<_, E>`, but this fn returns `{Self}`",
    label = "not a `Result`",
    note = "return a `Result`, or remove `errors = \"...\"`; a fn returning a future must write the future's type out in its signature (`impl Future<Output = Result<T, E>> + Send`, `Pin<Box<dyn Future<Output = Result<T, E>> + Send>>` or `BoxFuture<'_, Result<T, E>>`) or be `async`: through a type alias, `#[instrument_metric]` cannot see the future"
)]
pub trait CallResult {
    /// The error type.
    type Error;
    /// The error, if the call failed.
    fn error(&self) -> Option<&Self::Error>;
}

impl<T, E> CallResult for Result<T, E> {
    type Error = E;

    #[inline]
    fn error(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

/// The `error_type` index of an `Err`, `None` for `Ok`.
#[inline]
pub fn classify<R: CallResult>(
    classifier: &ErrorClassifier<R::Error>,
    result: &R,
) -> Option<usize> {
    result.error().map(classifier.index)
}

/// The `Err` type of a call's output, for naming it in a constant.
pub type ErrorOf<R> = <R as CallResult>::Error;

/// Runs a sync body moved into a closure. Taking `FnOnce() -> R` with `R` given
/// makes the closure's signature and kind come from the fn's output: its
/// returns coerce to `R`, and it may return reborrows of what it captured.
#[inline(always)]
pub fn call<R, F: FnOnce() -> R>(body: F) -> R {
    body()
}
