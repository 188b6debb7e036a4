//! `#[instrument_metric]` sites: what each annotated fn declares
//! ([`desc`]), its table of series, one row per label combination
//! ([`table`]), the guard that records a call ([`guard`]) and the
//! classification of its result ([`classify`]).

mod classify;
mod desc;
mod guard;
mod table;

pub use classify::{call, classify, CallResult, ErrorClassifier, ErrorOf};
pub(crate) use desc::label_infos;
pub use desc::SiteDesc;
#[cfg(feature = "axum")]
pub(crate) use desc::DEFAULT_BUCKETS;
pub use guard::{polled, DropMeans, Guard};
pub use table::Table;
pub(crate) use table::{push_row_values, row_count};

use crate::instances::{Declares, Tables};
use crate::vocabulary::{FunctionInfo, LabelInfo, SiteInfo};

/// One annotated fn: its description, its label and error values when they are
/// known at compile time, and its tables: one, built at start, when the values
/// are known; else one per distinct set of values met at the calls.
pub struct Site {
    pub(crate) desc: SiteDesc,
    /// Each label's values, when every label's type can be named outside the fn.
    pub(crate) label_values: Option<&'static [&'static [&'static str]]>,
    /// The `error_type` values of the error type, when it can be named outside the fn.
    pub(crate) error_values: Option<&'static [&'static str]>,
    /// The `error_type` values that are the caller's fault, when known at start.
    pub(crate) client_errors: &'static [&'static str],
    tables: Tables<Table>,
}

impl Site {
    /// A site; `None` values are known only at its calls.
    pub const fn new(
        desc: SiteDesc,
        label_values: Option<&'static [&'static [&'static str]]>,
        error_values: Option<&'static [&'static str]>,
        client_errors: &'static [&'static str],
    ) -> Self {
        Site {
            desc,
            label_values,
            error_values,
            client_errors,
            tables: Tables::new(),
        }
    }

    /// The table of a site whose values are known at compile time.
    #[inline]
    pub fn table(&'static self) -> &'static Table {
        self.tables.known(|| {
            Table::build(
                &self.desc,
                self.label_values.unwrap_or_default(),
                self.error_values.unwrap_or_default(),
            )
        })
    }

    /// The table for the values a call found: the labels' value sets and the
    /// error type's values.
    #[inline]
    pub fn table_for(
        &'static self,
        label_values: &[&'static [&'static str]],
        error_values: &'static [&'static str],
    ) -> &'static Table {
        self.tables.for_values(label_values, error_values, || {
            Table::build(&self.desc, label_values, error_values)
        })
    }
}

impl Declares for Site {
    fn site_info(&self) -> SiteInfo {
        self.desc.site_info()
    }

    fn known_at_start(&self) -> bool {
        self.label_values.is_some() && self.error_values.is_some()
    }

    fn prebuild(&'static self) {
        if self.known_at_start() {
            self.table();
        }
    }
}

impl Site {
    /// The fn as the catalogue lists it.
    pub(crate) fn function_info(&self) -> FunctionInfo {
        let desc = &self.desc;
        let mut labels = label_infos(desc.label_names, self.label_values);
        labels.extend(desc.const_labels.iter().map(|(name, value)| LabelInfo {
            name,
            values: Some(vec![*value]),
        }));
        FunctionInfo {
            site: desc.site_info(),
            help: desc.help,
            histogram: desc.histogram,
            errors: desc.errors,
            calls: desc.calls,
            in_flight: desc.in_flight,
            outcome: desc.outcome,
            labels,
            client_errors: self.client_errors.to_vec(),
            objective: desc.objective,
            native_schema: desc.native_schema,
        }
    }
}
