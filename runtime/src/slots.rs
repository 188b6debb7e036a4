//! Thread slots: which region of every arena the current thread writes.
//!
//! Each thread gets a slot of its own (while there are free ones) and writes its
//! region with a plain load and store — no locked instruction, no cache line
//! shared with another thread — so two threads on one series cost what one
//! does. Threads beyond the exclusive slots share one last region and write it
//! with atomic read-modify-write. A thread hands its slot back when it ends.

use std::cell::Cell;
use std::sync::{LazyLock, Mutex, PoisonError};

/// How many threads can have a slot of their own: twice the parallelism, so a
/// runtime's workers and a few helpers each get one, within 4..=64; or what
/// the environment variable `METRICATE_THREAD_SLOTS` says (1..=256), read once.
/// Memory is one region per slot that writes a table, so this bounds it.
static EXCLUSIVE_SLOTS: LazyLock<usize> = LazyLock::new(|| {
    let configured = std::env::var("METRICATE_THREAD_SLOTS")
        .ok()
        .and_then(|slots| slots.trim().parse::<usize>().ok())
        .filter(|slots| (1..=256).contains(slots));
    configured.unwrap_or_else(|| {
        let parallelism = std::thread::available_parallelism().map_or(4, usize::from);
        (parallelism * 2).clamp(4, 64)
    })
});

/// The slots: the exclusive ones, then the shared one.
pub(crate) fn slot_count() -> usize {
    *EXCLUSIVE_SLOTS + 1
}

/// A thread's slot: the region of every arena it writes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub(crate) index: usize,
    /// Other threads write this region too: updates must be atomic.
    pub(crate) shared: bool,
}

#[cfg(test)]
impl Slot {
    /// The region every thread without a slot of its own writes.
    pub(crate) fn shared() -> Slot {
        Slot {
            index: *EXCLUSIVE_SLOTS,
            shared: true,
        }
    }
}

const UNASSIGNED: usize = usize::MAX;

thread_local! {
    /// This thread's slot, encoded as `index << 1 | shared`.
    static SLOT: Cell<usize> = const { Cell::new(UNASSIGNED) };
    /// Hands the slot back when the thread ends.
    static RELEASE: SlotRelease = const { SlotRelease(Cell::new(UNASSIGNED)) };
}

struct SlotRelease(Cell<usize>);

impl Drop for SlotRelease {
    fn drop(&mut self) {
        let index = self.0.get();
        if index != UNASSIGNED {
            // The thread is ending: no write of its can follow this one. If
            // something does record later in its teardown, it gets the shared slot.
            let _ = SLOT.try_with(|slot| slot.set(shared_slot_code()));
            pool().free.push(index);
        }
    }
}

/// Exclusive slot indices ready for reuse, and the next never used.
struct SlotPool {
    free: Vec<usize>,
    next: usize,
}

static POOL: Mutex<SlotPool> = Mutex::new(SlotPool {
    free: Vec::new(),
    next: 0,
});

fn pool() -> std::sync::MutexGuard<'static, SlotPool> {
    POOL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn shared_slot_code() -> usize {
    (*EXCLUSIVE_SLOTS << 1) | 1
}

/// The current thread's slot.
#[inline]
pub(crate) fn current_slot() -> Slot {
    let code = SLOT.try_with(Cell::get).unwrap_or(UNASSIGNED);
    let code = if code == UNASSIGNED {
        assign_slot()
    } else {
        code
    };
    Slot {
        index: code >> 1,
        shared: code & 1 == 1,
    }
}

#[cold]
fn assign_slot() -> usize {
    let exclusive = {
        let mut pool = pool();
        match pool.free.pop() {
            Some(index) => Some(index),
            None if pool.next < *EXCLUSIVE_SLOTS => {
                pool.next += 1;
                Some(pool.next - 1)
            }
            None => None,
        }
    };
    let code = match exclusive {
        // Only a thread that will hand its slot back may keep it.
        Some(index) => match RELEASE.try_with(|release| release.0.set(index)) {
            Ok(()) => index << 1,
            Err(_) => {
                pool().free.push(index);
                shared_slot_code()
            }
        },
        None => shared_slot_code(),
    };
    let _ = SLOT.try_with(|slot| slot.set(code));
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_get_their_own_slots_and_give_them_back() {
        let slot = current_slot();
        let other = std::thread::spawn(|| current_slot().index).join().unwrap();
        assert_ne!(slot.index, other);
        assert!(!slot.shared);
        assert!(Slot::shared().shared);
        assert_eq!(Slot::shared().index, slot_count() - 1);
    }
}
