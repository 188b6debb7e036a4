//! [`LabelValue`]: the closed set of values a label can take.

/// A type whose values form a closed set known at compile time, so it can be a
/// metric label without exploding cardinality.
///
/// Derive it on an enum: each variant, unit, tuple or struct, is one value, the
/// snake_case of its name, or the name given by `#[label(rename = "...")]`.
/// The set is a constant, [`VALUES`](LabelValue::VALUES): metricate creates every
/// series at start, and checks at compile time that the product of the labels'
/// value counts stays within the family's budget.
///
/// It is implemented for `bool` (`"false"`, `"true"`), for [`std::io::Error`] (by
/// [`std::io::ErrorKind`], kinds without a name of their own as `"other"`), for
/// `Option<T>` (`T`'s values and `"none"`), and for references, `Box<T>`,
/// `Arc<T>` and `Rc<T>` of any `LabelValue` (`T`'s values: `Box<E>` is what
/// clippy's `result_large_err` suggests returning). Errors of types that cannot implement it
/// (`Box<dyn Error>`, `anyhow::Error`, `String`) are counted under a fixed
/// `error_type = "..."` of [`instrument_metric`](crate::instrument_metric).
///
/// # Example
///
/// ```
/// use metricate::LabelValue;
///
/// #[derive(LabelValue)]
/// enum CvFormat {
///     Pdf,
///     Docx,
///     PlainText,
///     #[label(rename = "odt")]
///     OpenDocument,
/// }
///
/// assert_eq!(CvFormat::VALUES, ["pdf", "docx", "plain_text", "odt"]);
/// assert_eq!(CvFormat::PlainText.index(), 2);
/// assert_eq!(CvFormat::OpenDocument.label_value(), "odt");
/// assert_eq!(CvFormat::CARDINALITY, 4);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a bounded label type: metricate needs `LabelValue` for label values and error types",
    label = "not a `LabelValue`: its values are not a closed set known at compile time",
    note = "a string or an id as a label creates one series per distinct value and explodes the cardinality of the metric",
    note = "derive `metricate::LabelValue` on an enum with one variant per value; to count errors of a type that cannot, set `error_type = \"...\"`"
)]
pub trait LabelValue {
    /// Every value this type can take, in [`index`](LabelValue::index) order.
    const VALUES: &'static [&'static str];

    /// How many values there are.
    const CARDINALITY: usize = Self::VALUES.len();

    /// [`VALUES`](LabelValue::VALUES) followed by `"none"`: the values of
    /// `Option<Self>`. `#[derive(LabelValue)]` writes it (unless a variant is
    /// already `"none"`); a hand-written impl whose `Option` should be a label
    /// writes it too, since a generic constant cannot join two slices. Without
    /// it, an `Option<Self>` label is a compile error.
    const VALUES_WITH_NONE: &'static [&'static str] = option_needs_values_with_none();

    /// The values, among [`VALUES`](LabelValue::VALUES), that are the caller's
    /// fault when this type is an error: bad input, a missing resource, a
    /// refused request. `#[derive(LabelValue)]` lists the variants marked
    /// `#[label(client_error)]` (or all, with the attribute on the enum). The
    /// catalogue exports them, and the generated error-ratio alerts and success
    /// objectives count only the other values: a service is not paged for its
    /// clients' mistakes. Empty by default.
    ///
    /// ```
    /// use metricate::LabelValue;
    ///
    /// #[derive(LabelValue)]
    /// enum UploadError {
    ///     #[label(client_error)]
    ///     TooLarge,
    ///     #[label(client_error, rename = "unsupported")]
    ///     UnsupportedFormat,
    ///     Storage,
    /// }
    ///
    /// assert_eq!(UploadError::CLIENT_ERRORS, ["too_large", "unsupported"]);
    /// ```
    const CLIENT_ERRORS: &'static [&'static str] = &[];

    /// The position of this value in [`VALUES`](LabelValue::VALUES).
    fn index(&self) -> usize;

    /// This value as it appears on the label.
    fn label_value(&self) -> &'static str {
        Self::VALUES.get(self.index()).copied().unwrap_or("")
    }
}

/// The default of [`LabelValue::VALUES_WITH_NONE`]: a compile error where
/// `Option<T>` is used as a label and `T` does not give its values with `"none"`.
const fn option_needs_values_with_none() -> &'static [&'static str] {
    panic!("`Option<T>` as a label needs `T::VALUES_WITH_NONE`, its values followed by \"none\": derive `LabelValue` on `T` (and give no variant the value `none`), or write the constant in its impl")
}

// `do_not_recommend` on metricate's own impls keeps them out of "the following
// other types implement `LabelValue`" under a `String` label or error type: the
// user's own enums are the useful hint.
macro_rules! forward_to_pointee {
    ($($pointer:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: LabelValue + ?Sized> LabelValue for $pointer {
            const VALUES: &'static [&'static str] = T::VALUES;
            const VALUES_WITH_NONE: &'static [&'static str] = T::VALUES_WITH_NONE;
            const CLIENT_ERRORS: &'static [&'static str] = T::CLIENT_ERRORS;

            #[inline]
            fn index(&self) -> usize {
                (**self).index()
            }
        }
    )*};
}

forward_to_pointee!(&T, Box<T>, std::sync::Arc<T>, std::rc::Rc<T>);

/// `Some(v)` is `v`'s value, `None` is `"none"`, after all of `T`'s.
#[diagnostic::do_not_recommend]
impl<T: LabelValue> LabelValue for Option<T> {
    const VALUES: &'static [&'static str] = T::VALUES_WITH_NONE;
    const CLIENT_ERRORS: &'static [&'static str] = T::CLIENT_ERRORS;

    #[inline]
    fn index(&self) -> usize {
        match self {
            Some(value) => value.index(),
            None => T::VALUES.len(),
        }
    }
}

#[diagnostic::do_not_recommend]
impl LabelValue for bool {
    const VALUES: &'static [&'static str] = &["false", "true"];
    const VALUES_WITH_NONE: &'static [&'static str] = &["false", "true", "none"];

    #[inline]
    fn index(&self) -> usize {
        usize::from(*self)
    }
}

/// `io::Error` is classified by its kind; the list is the stable kinds at the
/// crate's minimum Rust version, and every other kind is `"other"`.
#[diagnostic::do_not_recommend]
impl LabelValue for std::io::Error {
    const VALUES: &'static [&'static str] = &[
        "not_found",
        "permission_denied",
        "connection_refused",
        "connection_reset",
        "connection_aborted",
        "not_connected",
        "addr_in_use",
        "addr_not_available",
        "broken_pipe",
        "already_exists",
        "would_block",
        "invalid_input",
        "invalid_data",
        "timed_out",
        "write_zero",
        "interrupted",
        "unsupported",
        "unexpected_eof",
        "out_of_memory",
        "host_unreachable",
        "network_unreachable",
        "network_down",
        "not_a_directory",
        "is_a_directory",
        "directory_not_empty",
        "read_only_filesystem",
        "storage_full",
        "not_seekable",
        "file_too_large",
        "resource_busy",
        "executable_file_busy",
        "deadlock",
        "crosses_devices",
        "too_many_links",
        "argument_list_too_long",
        "other",
    ];

    fn index(&self) -> usize {
        use std::io::ErrorKind as Kind;
        match self.kind() {
            Kind::NotFound => 0,
            Kind::PermissionDenied => 1,
            Kind::ConnectionRefused => 2,
            Kind::ConnectionReset => 3,
            Kind::ConnectionAborted => 4,
            Kind::NotConnected => 5,
            Kind::AddrInUse => 6,
            Kind::AddrNotAvailable => 7,
            Kind::BrokenPipe => 8,
            Kind::AlreadyExists => 9,
            Kind::WouldBlock => 10,
            Kind::InvalidInput => 11,
            Kind::InvalidData => 12,
            Kind::TimedOut => 13,
            Kind::WriteZero => 14,
            Kind::Interrupted => 15,
            Kind::Unsupported => 16,
            Kind::UnexpectedEof => 17,
            Kind::OutOfMemory => 18,
            Kind::HostUnreachable => 19,
            Kind::NetworkUnreachable => 20,
            Kind::NetworkDown => 21,
            Kind::NotADirectory => 22,
            Kind::IsADirectory => 23,
            Kind::DirectoryNotEmpty => 24,
            Kind::ReadOnlyFilesystem => 25,
            Kind::StorageFull => 26,
            Kind::NotSeekable => 27,
            Kind::FileTooLarge => 28,
            Kind::ResourceBusy => 29,
            Kind::ExecutableFileBusy => 30,
            Kind::Deadlock => 31,
            Kind::CrossesDevices => 32,
            Kind::TooManyLinks => 33,
            Kind::ArgumentListTooLong => 34,
            _ => 35,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LabelValue;

    #[test]
    fn io_errors_are_classified_by_kind_and_every_index_has_a_value() {
        let error = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        assert_eq!(error.label_value(), "timed_out");
        assert_eq!(std::io::Error::other("x").label_value(), "other");
        assert_eq!(
            <std::io::Error as LabelValue>::VALUES.last(),
            Some(&"other")
        );
    }

    #[test]
    fn bools_references_and_smart_pointers() {
        assert_eq!(true.label_value(), "true");
        assert_eq!(LabelValue::label_value(&&false), "false");
        assert_eq!(<&bool as LabelValue>::CARDINALITY, 2);
        assert_eq!(Box::new(true).label_value(), "true");
        assert_eq!(std::sync::Arc::new(false).index(), 0);
        assert_eq!(<std::rc::Rc<bool> as LabelValue>::VALUES, ["false", "true"]);
    }

    #[test]
    fn options_add_none_after_the_values() {
        assert_eq!(
            <Option<bool> as LabelValue>::VALUES,
            ["false", "true", "none"]
        );
        assert_eq!(Some(true).label_value(), "true");
        assert_eq!(None::<bool>.index(), 2);
        assert_eq!(None::<bool>.label_value(), "none");
        assert_eq!(<Option<Box<bool>> as LabelValue>::CARDINALITY, 3);
    }
}
