//! Cells of 64 bits with one region per thread slot, and where a histogram's
//! cells sit among them.

use crate::slots::{slot_count, Slot};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

/// Cells of 64 bits, one region of `words` per slot. A slot's region is
/// allocated when a thread holding that slot first writes to this arena, so
/// memory grows with the threads that use a site, not with the machine's size.
/// A scrape sums the regions: every update that returned before it is in it.
pub(crate) struct Arena {
    regions: Box<[OnceLock<Box<[AtomicU64]>>]>,
    words: usize,
}

impl Arena {
    pub(crate) fn new(words: usize) -> Arena {
        Arena {
            regions: (0..slot_count()).map(|_| OnceLock::new()).collect(),
            words,
        }
    }

    /// An arena that lives as long as the program: tables are built once and
    /// their series are exported until the end.
    pub(crate) fn leaked(words: usize) -> &'static Arena {
        Box::leak(Box::new(Arena::new(words)))
    }

    #[inline]
    fn cell(&self, slot: Slot, word: usize) -> Option<&AtomicU64> {
        let region = self.regions.get(slot.index)?;
        let region = region.get_or_init(|| (0..self.words).map(|_| AtomicU64::new(0)).collect());
        region.get(word)
    }

    /// Adds `amount` (wrapping: a gauge adds `u64::MAX` to go down by one).
    #[inline]
    pub(crate) fn add(&self, slot: Slot, word: usize, amount: u64) {
        if let Some(cell) = self.cell(slot, word) {
            if slot.shared {
                cell.fetch_add(amount, Relaxed);
            } else {
                cell.store(cell.load(Relaxed).wrapping_add(amount), Relaxed);
            }
        }
    }

    /// Adds a float kept as its bits.
    #[inline]
    pub(crate) fn add_f64(&self, slot: Slot, word: usize, amount: f64) {
        if let Some(cell) = self.cell(slot, word) {
            let add = |bits: u64| (f64::from_bits(bits) + amount).to_bits();
            if slot.shared {
                let _ = cell.fetch_update(Relaxed, Relaxed, |bits| Some(add(bits)));
            } else {
                cell.store(add(cell.load(Relaxed)), Relaxed);
            }
        }
    }

    /// A cell of every region written so far.
    fn cells(&self, word: usize) -> impl Iterator<Item = &AtomicU64> {
        self.regions
            .iter()
            .filter_map(move |region| region.get()?.get(word))
    }

    /// The sum of a cell over every slot.
    pub(crate) fn total(&self, word: usize) -> u64 {
        self.cells(word)
            .fold(0u64, |sum, cell| sum.wrapping_add(cell.load(Relaxed)))
    }

    /// The sum of a float cell over every slot.
    pub(crate) fn total_f64(&self, word: usize) -> f64 {
        // A fold from +0.0: `Sum` starts from -0.0, which would print as `-0`
        // for a series nothing has written yet.
        self.cells(word)
            .fold(0.0, |sum, cell| sum + f64::from_bits(cell.load(Relaxed)))
    }
}

/// Where one histogram series' cells sit in an arena: a count per bucket
/// (not cumulative), `+Inf` last, then the sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HistogramCells {
    /// The word of the first bucket.
    pub(crate) first: usize,
    /// The number of bounds, `+Inf` not counted.
    pub(crate) bounds: usize,
}

impl HistogramCells {
    /// The words a histogram with `bounds` bounds takes.
    pub(crate) const fn width(bounds: usize) -> usize {
        bounds + 2
    }

    /// The word counting bucket `index` (`bounds` for `+Inf`).
    #[inline]
    pub(crate) fn bucket(self, index: usize) -> usize {
        self.first + index
    }

    /// The word of the sum.
    #[inline]
    pub(crate) fn sum(self) -> usize {
        self.first + self.bounds + 1
    }

    /// The per-bucket counts summed over slots, `+Inf` last.
    pub(crate) fn counts(self, arena: &Arena) -> impl Iterator<Item = u64> + '_ {
        (0..=self.bounds).map(move |index| arena.total(self.bucket(index)))
    }
}

/// Where a value falls among `bounds` (upper bounds, inclusive): the bucket
/// index, `bounds.len()` for `+Inf`.
#[inline]
pub(crate) fn bucket_of<T: PartialOrd + Copy>(bounds: &[T], value: T) -> usize {
    bounds
        .iter()
        .position(|bound| value <= *bound)
        .unwrap_or(bounds.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_and_shared_slots_sum_exactly() {
        let arena = Arena::new(2);
        let exclusive = Slot {
            index: 0,
            shared: false,
        };
        let shared = Slot::shared();
        arena.add(exclusive, 0, 3);
        arena.add(shared, 0, 4);
        arena.add(exclusive, 1, u64::MAX);
        assert_eq!(arena.total(0), 7);
        assert_eq!(arena.total(1) as i64, -1);
        let floats = Arena::new(1);
        assert_eq!(
            floats.total_f64(0).to_string(),
            "0",
            "no region written yet"
        );
        floats.add_f64(shared, 0, 0.5);
        floats.add_f64(exclusive, 0, 0.25);
        assert_eq!(floats.total_f64(0), 0.75);
        // An out-of-range word is ignored, not a panic.
        arena.add(exclusive, 9, 1);
    }

    #[test]
    fn buckets_are_inclusive_upper_bounds() {
        let bounds = [1.0, 2.5];
        assert_eq!(bucket_of(&bounds, 0.5), 0);
        assert_eq!(bucket_of(&bounds, 1.0), 0);
        assert_eq!(bucket_of(&bounds, 2.0), 1);
        assert_eq!(bucket_of(&bounds, 3.0), 2);
        let cells = HistogramCells {
            first: 4,
            bounds: 2,
        };
        assert_eq!((cells.bucket(0), cells.bucket(2), cells.sum()), (4, 6, 7));
        assert_eq!(HistogramCells::width(2), 4);
    }
}
