//! Cells of 64 bits with one region per thread slot, and where a histogram's
//! cells sit among them.

use crate::slots::{slot_count, Slot};
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::OnceLock;

/// How many threads may write one arena's cells with plain loads and stores,
/// each in a region of its own: the first to write it. Later threads share one
/// more region and add atomically. This bounds an arena's memory at
/// `EXCLUSIVE_REGIONS + 1` regions however many threads touch it (a blocking
/// pool can touch hundreds), while the busy threads of a runtime, which write
/// first and most, keep the uncontended path.
pub(crate) const EXCLUSIVE_REGIONS: usize = 8;

/// Cells of 64 bits in regions of `words`: up to [`EXCLUSIVE_REGIONS`] written
/// by one thread slot each, then one shared by every other. A region is
/// allocated when its first writer writes, so memory grows with the threads
/// that use a site, up to the cap. A scrape sums the regions: every update
/// that returned before it is in it.
pub(crate) struct Arena {
    /// The exclusive regions, then the shared one (last).
    regions: Box<[OnceLock<Box<[AtomicU64]>>]>,
    /// For each thread slot, the region it writes: 0 when not yet chosen, else
    /// the region's index plus one.
    region_of: Box<[AtomicU8]>,
    /// Exclusive regions handed out so far.
    claimed: AtomicUsize,
    words: usize,
}

impl Arena {
    pub(crate) fn new(words: usize) -> Arena {
        Arena::for_slots(words, slot_count())
    }

    /// An arena for `slots` thread slots, the last of them shared.
    fn for_slots(words: usize, slots: usize) -> Arena {
        let exclusive = (slots - 1).min(EXCLUSIVE_REGIONS);
        Arena {
            regions: (0..=exclusive).map(|_| OnceLock::new()).collect(),
            region_of: (0..slots).map(|_| AtomicU8::new(0)).collect(),
            claimed: AtomicUsize::new(0),
            words,
        }
    }

    /// The region `slot` writes, and whether other threads write it too.
    #[inline]
    fn region(&self, slot: Slot) -> Option<(&[AtomicU64], bool)> {
        let shared_index = self.regions.len() - 1;
        let index = if slot.shared {
            shared_index
        } else {
            match self.region_of.get(slot.index)?.load(Relaxed) {
                0 => self.claim(slot.index),
                chosen => usize::from(chosen) - 1,
            }
        };
        let region = self.regions.get(index)?;
        let region = region.get_or_init(|| (0..self.words).map(|_| AtomicU64::new(0)).collect());
        Some((region, index == shared_index))
    }

    /// Chooses the region of a slot writing this arena for the first time: one
    /// of its own while some are left, else the shared one. Only the thread
    /// holding the slot writes its entry.
    #[cold]
    fn claim(&self, slot: usize) -> usize {
        let shared_index = self.regions.len() - 1;
        let index = self
            .claimed
            .fetch_update(Relaxed, Relaxed, |claimed| {
                (claimed < shared_index).then_some(claimed + 1)
            })
            .unwrap_or(shared_index);
        if let Some(entry) = self.region_of.get(slot) {
            entry.store(u8::try_from(index + 1).unwrap_or(u8::MAX), Relaxed);
        }
        index
    }

    /// An arena that lives as long as the program: tables are built once and
    /// their series are exported until the end.
    pub(crate) fn leaked(words: usize) -> &'static Arena {
        Box::leak(Box::new(Arena::new(words)))
    }

    /// Adds `amount` (wrapping: a gauge adds `u64::MAX` to go down by one).
    #[inline]
    pub(crate) fn add(&self, slot: Slot, word: usize, amount: u64) {
        let Some((region, shared)) = self.region(slot) else {
            return;
        };
        if let Some(cell) = region.get(word) {
            if shared {
                cell.fetch_add(amount, Relaxed);
            } else {
                cell.store(cell.load(Relaxed).wrapping_add(amount), Relaxed);
            }
        }
    }

    /// Adds a float kept as its bits.
    #[inline]
    pub(crate) fn add_f64(&self, slot: Slot, word: usize, amount: f64) {
        let Some((region, shared)) = self.region(slot) else {
            return;
        };
        if let Some(cell) = region.get(word) {
            let add = |bits: u64| (f64::from_bits(bits) + amount).to_bits();
            if shared {
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
    fn threads_past_the_cap_share_one_region_and_lose_nothing() {
        let slots = 20;
        let arena = Arena::for_slots(1, slots);
        assert_eq!(arena.regions.len(), EXCLUSIVE_REGIONS + 1);
        // Every exclusive slot writes; only the first eight get regions of their own.
        for index in 0..slots - 1 {
            arena.add(
                Slot {
                    index,
                    shared: false,
                },
                0,
                1,
            );
        }
        assert_eq!(arena.total(0), (slots - 1) as u64);
        let owners: Vec<u8> = arena
            .region_of
            .iter()
            .map(|entry| entry.load(Relaxed))
            .collect();
        assert_eq!(&owners[..8], [1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(
            owners[8..slots - 1].iter().all(|region| *region == 9),
            "{owners:?}"
        );
        // A slot keeps its region: its next write goes to the same one.
        arena.add(
            Slot {
                index: 3,
                shared: false,
            },
            0,
            5,
        );
        assert_eq!(
            arena.regions[3].get().map(|region| region[0].load(Relaxed)),
            Some(6)
        );
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
