//! The guard that records one call, and how it tells a return from an unwind
//! and a cancellation.

use super::table::{Ending, Table};
use crate::clock;
use crate::slots;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// What a guard dropped without [`Guard::finish`] means, besides a panic of
/// the call itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DropMeans {
    /// The body ran in place and returned: its guard is never finished by hand.
    Returned,
    /// Only a panic: the call always returns through `finish`.
    Panic,
    /// The future was dropped before it completed.
    Cancelled,
}

/// Records one call: created by [`Guard::start`], and either consumed by
/// [`Guard::finish`] when the call returns or dropped. Either way the in-flight
/// gauge comes back down.
///
/// Whether a dropped guard's call unwound is decided by the call itself, never
/// by `std::thread::panicking()` alone: a call made from a `Drop` while another
/// panic unwinds (a rollback) returns normally and is recorded so.
pub struct Guard {
    table: &'static Table,
    /// The call's row, or `usize::MAX` when a hand-written `LabelValue` gave an
    /// ordinal outside its values: the call is then not recorded.
    row: usize,
    started: u64,
    drop_means: DropMeans,
    /// The call's own code is on the stack: from the start to the end of its
    /// sync part, and during each poll of its future ([`polled`]). A guard
    /// dropped while this is set was dropped by the call unwinding.
    running: AtomicBool,
    /// The thread was already unwinding another panic when the call started,
    /// so unwinding at its end is not the call's own panic.
    unwinding_at_start: bool,
}

impl Guard {
    /// A call starts in row `row` of `table`.
    #[inline]
    pub fn start(table: &'static Table, row: usize, drop_means: DropMeans) -> Guard {
        let row = if row < table.rows { row } else { usize::MAX };
        if row != usize::MAX && table.in_flight.is_some() {
            table.enter(slots::current_slot(), row);
        }
        Guard {
            table,
            row,
            started: clock::now(),
            drop_means,
            running: AtomicBool::new(true),
            unwinding_at_start: drop_means == DropMeans::Returned && std::thread::panicking(),
        }
    }

    /// The call returned; `error` is the `error_type` index when it returned `Err`.
    #[inline]
    pub fn finish(self, error: Option<usize>) {
        self.returned(error);
        core::mem::forget(self);
    }

    /// The sync part of a call that returns a future is over: from here the
    /// call runs only while its future is polled.
    #[inline]
    pub fn suspend(&self) {
        self.running.store(false, Relaxed);
    }

    #[inline]
    fn returned(&self, error: Option<usize>) {
        if self.row != usize::MAX {
            let ticks = clock::now().saturating_sub(self.started);
            self.table.end(self.row, Ending::Returned { ticks, error });
        }
    }
}

impl Drop for Guard {
    /// The call ended without `finish`: it unwound, its future was dropped, or
    /// (for a body run in place) it returned.
    fn drop(&mut self) {
        if self.row == usize::MAX {
            return;
        }
        let ending = match self.drop_means {
            DropMeans::Panic => Ending::Panicked,
            DropMeans::Returned if std::thread::panicking() && !self.unwinding_at_start => {
                Ending::Panicked
            }
            DropMeans::Returned => {
                self.returned(None);
                return;
            }
            DropMeans::Cancelled if self.running.load(Relaxed) => Ending::Panicked,
            DropMeans::Cancelled => Ending::Cancelled,
        };
        self.table.end(self.row, ending);
    }
}

/// Awaits `future` as the timed part of the call `guard` records, marking the
/// call as running during each poll: a poll that unwinds leaves the mark, so
/// the guard dropped then counts a panic, and one dropped between polls counts
/// a cancellation.
pub async fn polled<F: Future>(guard: &Guard, future: F) -> F::Output {
    let mut future = core::pin::pin!(future);
    core::future::poll_fn(|context| {
        guard.running.store(true, Relaxed);
        let poll = future.as_mut().poll(context);
        guard.running.store(false, Relaxed);
        poll
    })
    .await
}
