//! A site's table: the cells of every label combination, laid out once, its
//! series exported into the store, and a call's end recorded in its row.

use super::desc::{SiteDesc, CANCELLED, ERROR, MAX_ROWS, OK, PANIC};
use crate::arena::{bucket_of, Arena, HistogramCells};
use crate::clock;
use crate::exemplars::{self, ExemplarCells, Exemplars};
use crate::native::NativeCells;
use crate::slots::{self, Slot};
use crate::store::{self, Joined, Source};

/// The cells of every label combination of one site, and where each metric's
/// cells sit in a row. Rows are in mixed radix of the labels' ordinals.
pub struct Table {
    arena: &'static Arena,
    pub(super) rows: usize,
    /// Words per row.
    width: usize,
    /// The histogram's cells in row 0, and its bounds in clock ticks (inclusive).
    histogram: Option<(HistogramCells, Box<[u64]>)>,
    /// The native histogram's cells in row 0.
    native: Option<NativeCells>,
    /// The first `calls` cell: one, or one per outcome.
    calls: Option<usize>,
    outcomes: Option<Outcomes>,
    pub(super) in_flight: Option<usize>,
    /// The first `errors` cell; one per `error_type` value.
    errors: Option<usize>,
    error_count: usize,
    panic_index: usize,
    cancelled_index: Option<usize>,
    /// The latest exemplar of each histogram bucket and error series: per row,
    /// the buckets (`+Inf` last), then the `error_type` values.
    exemplars: &'static Exemplars,
    exemplars_per_row: usize,
    ticks_per_second: f64,
}

/// Where each outcome's cell sits among the `calls` cells.
#[derive(Clone, Copy)]
struct Outcomes {
    ok: usize,
    error: Option<usize>,
    panic: usize,
    cancelled: Option<usize>,
}

/// How a call ended.
#[derive(Clone, Copy)]
pub(super) enum Ending {
    /// It returned after `ticks`; `error` is the `error_type` index of an `Err`.
    Returned {
        ticks: u64,
        error: Option<usize>,
    },
    Panicked,
    Cancelled,
}

impl Table {
    /// Lays out the site's cells, joins (or creates) its families and exports
    /// every combination of label values, so every series exists, at 0, from here on.
    #[cold]
    pub(super) fn build(
        desc: &SiteDesc,
        label_values: &[&'static [&'static str]],
        error_values: &[&'static str],
    ) -> Table {
        let calibration = clock::calibration();
        let rows = row_count(label_values);
        let error_types = desc.error_types(error_values);
        let outcome_values = desc.outcomes();
        let position = |values: &[&str], value: &str| values.iter().position(|v| *v == value);
        let bounds = desc.buckets();

        // The row: histogram buckets (+Inf last) and sum, calls, in-flight, errors.
        let mut width = 0;
        let mut take = |present: bool, words: usize| {
            present.then(|| {
                width += words;
                width - words
            })
        };
        let histogram_first = take(
            desc.histogram.is_some(),
            HistogramCells::width(bounds.len()),
        );
        let native_schema = desc.native_schema.filter(|_| desc.histogram.is_some());
        let native_first = native_schema.and_then(|schema| take(true, NativeCells::width(schema)));
        let call_cells = if desc.outcome.is_some() {
            outcome_values.len()
        } else {
            1
        };
        let calls = take(desc.calls.is_some(), call_cells);
        let in_flight = take(desc.in_flight.is_some(), 1);
        let errors = take(desc.errors.is_some(), error_types.len());
        let arena = Arena::leaked(rows * width);
        let histogram_cells = histogram_first.map(|first| HistogramCells {
            first,
            bounds: bounds.len(),
        });
        let native_cells = native_first
            .zip(native_schema)
            .map(|(first, schema)| NativeCells { first, schema });
        let bucket_exemplars = if desc.histogram.is_some() {
            bounds.len() + 1
        } else {
            0
        };
        let error_exemplars = if desc.errors.is_some() {
            error_types.len()
        } else {
            0
        };
        let exemplars_per_row = bucket_exemplars + error_exemplars;
        let exemplars: &'static Exemplars =
            Box::leak(Box::new(Exemplars::new(rows * exemplars_per_row)));

        let mut joined: [Option<Joined>; 4] = [None, None, None, None];
        for (role, declaration) in desc.families(Some(label_values), Some(error_values)) {
            joined[role as usize] = store::declare(&declaration);
        }
        let [histogram_family, errors_family, calls_family, in_flight_family] = &joined;
        let mut values: Vec<&str> = Vec::with_capacity(desc.label_names.len() + 4);
        for row in 0..rows {
            values.clear();
            push_row_values(row, label_values, &mut values);
            values.extend(desc.const_labels.iter().map(|(_, value)| *value));
            let base = row * width;
            if let (Some(family), Some(cells)) = (histogram_family, histogram_cells) {
                family.export(
                    &values,
                    Source::Ticks {
                        arena,
                        cells: HistogramCells {
                            first: base + cells.first,
                            ..cells
                        },
                        ticks_per_second: calibration.ticks_per_second,
                        exemplars: Some(ExemplarCells {
                            exemplars,
                            first: row * exemplars_per_row,
                        }),
                        native: native_cells.map(|cells| NativeCells {
                            first: base + cells.first,
                            ..cells
                        }),
                    },
                );
            }
            if let (Some(family), Some(first)) = (calls_family, calls) {
                if desc.outcome.is_some() {
                    for (index, outcome) in outcome_values.iter().enumerate() {
                        values.push(outcome);
                        family.export(
                            &values,
                            Source::Count {
                                arena,
                                word: base + first + index,
                                exemplar: None,
                            },
                        );
                        values.pop();
                    }
                } else {
                    family.export(
                        &values,
                        Source::Count {
                            arena,
                            word: base + first,
                            exemplar: None,
                        },
                    );
                }
            }
            if let (Some(family), Some(word)) = (in_flight_family, in_flight) {
                family.export(
                    &values,
                    Source::Level {
                        arena,
                        word: base + word,
                    },
                );
            }
            if let (Some(family), Some(first)) = (errors_family, errors) {
                for (index, error_type) in error_types.iter().enumerate() {
                    values.push(error_type);
                    family.export(
                        &values,
                        Source::Count {
                            arena,
                            word: base + first + index,
                            exemplar: Some(ExemplarCells {
                                exemplars,
                                first: row * exemplars_per_row + bucket_exemplars + index,
                            }),
                        },
                    );
                    values.pop();
                }
            }
        }
        // Bounds in ticks, so a call compares integers; rounding down keeps a
        // duration exactly on a bound in that bound's bucket.
        let tick_bounds = bounds
            .iter()
            .map(|bound| (bound * calibration.ticks_per_second) as u64)
            .collect();
        let outcomes = desc.outcome.map(|_| Outcomes {
            ok: position(&outcome_values, OK).unwrap_or(0),
            error: position(&outcome_values, ERROR),
            panic: position(&outcome_values, PANIC).unwrap_or(0),
            cancelled: position(&outcome_values, CANCELLED),
        });
        Table {
            arena,
            rows,
            width,
            histogram: histogram_cells.map(|cells| (cells, tick_bounds)),
            native: native_cells,
            calls,
            outcomes,
            in_flight,
            errors,
            error_count: error_types.len(),
            panic_index: position(&error_types, PANIC).unwrap_or(0),
            cancelled_index: position(&error_types, CANCELLED),
            exemplars,
            exemplars_per_row,
            ticks_per_second: calibration.ticks_per_second,
        }
    }

    /// Records the end of a call in row `row`.
    #[inline]
    pub(super) fn end(&self, row: usize, ending: Ending) {
        let slot = slots::current_slot();
        let base = row * self.width;
        let trace = exemplars::current_trace();
        let exemplars_base = row * self.exemplars_per_row;
        if let (Ending::Returned { ticks, .. }, Some((cells, bounds))) = (ending, &self.histogram) {
            let bucket = bucket_of(bounds, ticks);
            self.arena.add(slot, base + cells.bucket(bucket), 1);
            self.arena.add(slot, base + cells.sum(), ticks);
            if let Some(native) = self.native {
                let seconds = ticks as f64 / self.ticks_per_second;
                let row_cells = NativeCells {
                    first: base + native.first,
                    ..native
                };
                row_cells.record(self.arena, slot, seconds);
            }
            if let Some(trace) = trace {
                let seconds = ticks as f64 / self.ticks_per_second;
                self.exemplars
                    .record(exemplars_base + bucket, trace, seconds);
            }
        }
        if let Some(first) = self.calls {
            let cell = match (self.outcomes, ending) {
                (None, _) => Some(0),
                (Some(outcomes), Ending::Returned { error: None, .. }) => Some(outcomes.ok),
                (Some(outcomes), Ending::Returned { error: Some(_), .. }) => {
                    Some(outcomes.error.unwrap_or(outcomes.ok))
                }
                (Some(outcomes), Ending::Panicked) => Some(outcomes.panic),
                (Some(outcomes), Ending::Cancelled) => outcomes.cancelled,
            };
            if let Some(cell) = cell {
                self.arena.add(slot, base + first + cell, 1);
            }
        }
        if let Some(first) = self.errors {
            let index = match ending {
                Ending::Returned { error, .. } => error.filter(|index| *index < self.error_count),
                Ending::Panicked => Some(self.panic_index),
                Ending::Cancelled => self.cancelled_index,
            };
            if let Some(index) = index {
                self.arena.add(slot, base + first + index, 1);
                if let Some(trace) = trace {
                    let buckets = self
                        .histogram
                        .as_ref()
                        .map_or(0, |(cells, _)| cells.bounds + 1);
                    self.exemplars
                        .record(exemplars_base + buckets + index, trace, 1.0);
                }
            }
        }
        if let Some(word) = self.in_flight {
            self.arena.add(slot, base + word, u64::MAX);
        }
    }

    #[inline]
    pub(super) fn enter(&self, slot: Slot, row: usize) {
        if let Some(word) = self.in_flight {
            self.arena.add(slot, row * self.width + word, 1);
        }
    }
}

/// The product of the labels' value counts, or 0 past the hard cap.
pub(crate) fn row_count(label_values: &[&[&str]]) -> usize {
    label_values
        .iter()
        .try_fold(1usize, |rows, values| rows.checked_mul(values.len()))
        .filter(|rows| *rows <= MAX_ROWS)
        .unwrap_or(0)
}

/// Row `row` in mixed radix, the last label varying fastest: the same order the
/// generated code computes the row from the labels' ordinals.
pub(crate) fn push_row_values(
    row: usize,
    label_values: &[&'static [&'static str]],
    out: &mut Vec<&'static str>,
) {
    let start = out.len();
    let mut rest = row;
    for values in label_values.iter().rev() {
        let count = values.len().max(1);
        out.push(values.get(rest % count).copied().unwrap_or(""));
        rest /= count;
    }
    out[start..].reverse();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_mixed_radix() {
        let labels: &[&'static [&'static str]] = &[&["a", "b"], &["x", "y", "z"]];
        let mut values = Vec::new();
        push_row_values(4, labels, &mut values);
        assert_eq!(values, ["b", "y"]);
        assert_eq!(row_count(labels), 6);
        assert_eq!(row_count(&[]), 1);
        assert_eq!(row_count(&[&[]]), 0);
    }
}
