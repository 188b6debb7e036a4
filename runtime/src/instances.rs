//! The tables of a site whose label or error values are known only at its
//! calls: a generic fn serves every instantiation from one `static`, so each
//! distinct set of values (one per error type, or per inferred label type) gets
//! a table of its own, found without a lock. Tables with the same values share
//! one, and series with the same labels in two tables are summed at scrape.

use crate::vocabulary::SiteInfo;
use std::sync::{Mutex, OnceLock, PoisonError};

/// An append-only list of tables keyed by value sets.
pub(crate) struct Instances<T: 'static> {
    head: OnceLock<Box<Instance<T>>>,
}

struct Instance<T> {
    labels: Box<[&'static [&'static str]]>,
    errors: &'static [&'static str],
    value: T,
    next: OnceLock<Box<Instance<T>>>,
}

/// Whether two value sets are the same: the same constant (usually the same
/// address, checked first), or the same values.
fn same(a: &'static [&'static str], b: &'static [&'static str]) -> bool {
    std::ptr::eq(a, b) || a == b
}

impl<T> Instance<T> {
    fn matches(&self, labels: &[&'static [&'static str]], errors: &'static [&'static str]) -> bool {
        same(self.errors, errors)
            && self.labels.len() == labels.len()
            && self
                .labels
                .iter()
                .zip(labels)
                .all(|(known, asked)| same(known, asked))
    }
}

impl<T> Instances<T> {
    pub(crate) const fn new() -> Self {
        Instances {
            head: OnceLock::new(),
        }
    }

    /// The table for these value sets, built by `build` on first need. Lookups
    /// take no lock; a new table is appended under one, so each is built once.
    #[inline]
    pub(crate) fn get_or_build(
        &'static self,
        labels: &[&'static [&'static str]],
        errors: &'static [&'static str],
        build: impl FnOnce() -> T,
    ) -> &'static T {
        match self.find(labels, errors) {
            Some(found) => found,
            None => self.insert(labels, errors, build),
        }
    }

    #[inline]
    fn find(
        &'static self,
        labels: &[&'static [&'static str]],
        errors: &'static [&'static str],
    ) -> Option<&'static T> {
        let mut slot = &self.head;
        while let Some(node) = slot.get() {
            if node.matches(labels, errors) {
                return Some(&node.value);
            }
            slot = &node.next;
        }
        None
    }

    #[cold]
    fn insert(
        &'static self,
        labels: &[&'static [&'static str]],
        errors: &'static [&'static str],
        build: impl FnOnce() -> T,
    ) -> &'static T {
        static INSERTING: Mutex<()> = Mutex::new(());
        let _inserting = INSERTING.lock().unwrap_or_else(PoisonError::into_inner);
        let mut slot = &self.head;
        loop {
            match slot.get() {
                Some(node) if node.matches(labels, errors) => return &node.value,
                Some(node) => slot = &node.next,
                None => {
                    // Every append happens under the lock: this slot is empty
                    // until this initialiser fills it.
                    let node = slot.get_or_init(|| {
                        Box::new(Instance {
                            labels: labels.into(),
                            errors,
                            value: build(),
                            next: OnceLock::new(),
                        })
                    });
                    return &node.value;
                }
            }
        }
    }
}

/// Where a site keeps its tables, whichever kind of site it is (an annotated
/// fn, or a `counter!`/`gauge!`/`histogram!` call): one, built once, when its
/// values are known at compile time; else one per distinct set of values met
/// at run time. The one engine both kinds of site use.
pub(crate) struct Tables<T: 'static> {
    known: OnceLock<T>,
    instances: Instances<T>,
}

impl<T> Tables<T> {
    pub(crate) const fn new() -> Self {
        Tables {
            known: OnceLock::new(),
            instances: Instances::new(),
        }
    }

    /// The table of the values known at compile time, built on first use.
    #[inline]
    pub(crate) fn known(&'static self, build: impl FnOnce() -> T) -> &'static T {
        self.known.get_or_init(build)
    }

    /// The table of the values a call found, built on first use.
    #[inline]
    pub(crate) fn for_values(
        &'static self,
        labels: &[&'static [&'static str]],
        errors: &'static [&'static str],
        build: impl FnOnce() -> T,
    ) -> &'static T {
        self.instances.get_or_build(labels, errors, build)
    }
}

/// What every site tells the catalogue and start: where it is, and whether its
/// values are known without a call (then its table is built at start).
pub(crate) trait Declares {
    /// Where it is declared.
    fn site_info(&self) -> SiteInfo;
    /// Whether its values are known without a call.
    fn known_at_start(&self) -> bool;
    /// Builds its table now, when its values are known without a call.
    fn prebuild(&'static self);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_table_per_distinct_value_set() {
        static INSTANCES: Instances<usize> = Instances::new();
        static A: &[&str] = &["a", "b"];
        static B: &[&str] = &["x"];
        let a_copy: &'static [&'static str] = Box::leak(vec!["a", "b"].into_boxed_slice());
        let first = INSTANCES.get_or_build(&[A], &[], || 1);
        let second = INSTANCES.get_or_build(&[B], &[], || 2);
        let again = INSTANCES.get_or_build(&[a_copy], &[], || 3);
        let by_errors = INSTANCES.get_or_build(&[A], B, || 4);
        assert_eq!((*first, *second, *again, *by_errors), (1, 2, 1, 4));
    }
}
