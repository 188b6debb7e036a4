//! Limits on untrusted input, set per thread by the caller (demo-app patch,
//! see `demo-app/vendor/lopdf/PATCHES.md`): how deep arrays, dictionaries and
//! reference chains may nest, how many bytes the stream filters may inflate
//! in all, and a deadline after which every filter and parse step fails.

use std::cell::Cell;
use std::time::Instant;

/// How deep arrays and dictionaries may nest, and reference chains (a
/// stream's `/Length`, a page's `/Parent`) may run.
pub const MAX_DEPTH: usize = 64;

thread_local! {
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    static INFLATE_LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static TRIPPED: Cell<Option<Tripped>> = const { Cell::new(None) };
}

/// Which limit a parse ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tripped {
    /// Nesting deeper than [`MAX_DEPTH`].
    Depth,
    /// More inflated bytes than the budget.
    Inflate,
    /// The deadline passed.
    Deadline,
}

/// Sets this thread's limits for the parse that follows: `inflate_budget`
/// bytes of filter output in all, and a deadline. Clears what tripped before.
pub fn set(inflate_budget: u64, deadline: Instant) {
    DEPTH.with(|depth| depth.set(0));
    INFLATE_LEFT.with(|left| left.set(inflate_budget));
    DEADLINE.with(|cell| cell.set(Some(deadline)));
    TRIPPED.with(|tripped| tripped.set(None));
}

/// Lifts this thread's limits.
pub fn clear() {
    DEPTH.with(|depth| depth.set(0));
    INFLATE_LEFT.with(|left| left.set(u64::MAX));
    DEADLINE.with(|cell| cell.set(None));
}

/// The first limit this thread's parse ran into, if any.
pub fn tripped() -> Option<Tripped> {
    TRIPPED.with(Cell::get)
}

pub(crate) fn trip(what: Tripped) {
    TRIPPED.with(|tripped| {
        if tripped.get().is_none() {
            tripped.set(Some(what));
        }
    });
}

/// Whether the deadline has passed (and records it).
pub fn past_deadline() -> bool {
    let past = DEADLINE.with(|cell| {
        cell.get()
            .is_some_and(|deadline| Instant::now() >= deadline)
    });
    if past {
        trip(Tripped::Deadline);
    }
    past
}

/// Takes `bytes` from the inflate budget; false (and recorded) when it is spent
/// or the deadline has passed.
pub(crate) fn take_inflated(bytes: usize) -> bool {
    if past_deadline() {
        return false;
    }
    INFLATE_LEFT.with(|left| match left.get().checked_sub(bytes as u64) {
        Some(rest) => {
            left.set(rest);
            true
        }
        None => {
            left.set(0);
            trip(Tripped::Inflate);
            false
        }
    })
}

/// One level deeper: false (and recorded) beyond [`MAX_DEPTH`]; pair every
/// true with [`leave`].
pub(crate) fn enter() -> bool {
    DEPTH.with(|depth| {
        if depth.get() >= MAX_DEPTH {
            trip(Tripped::Depth);
            false
        } else {
            depth.set(depth.get() + 1);
            true
        }
    })
}

pub(crate) fn leave() {
    DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
}
