//! An instrumented call allocates nothing once its table of handles exists.
//!
//! A counting global allocator counts the allocations of the current thread only
//! (a thread-local switch), so the test harness's own threads do not disturb it.

use metricate::{instrument_metric, LabelValue};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: the allocator may run while thread-locals are torn down.
    let counting = COUNTING.try_with(Cell::get).unwrap_or(false);
    if counting {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
    }
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(pointer, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(pointer, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during(run: impl FnOnce()) -> u64 {
    ALLOCATIONS.with(|count| count.set(0));
    COUNTING.with(|counting| counting.set(true));
    run();
    COUNTING.with(|counting| counting.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[derive(Clone, Copy, LabelValue)]
enum Format {
    Pdf,
    Docx,
}

#[derive(Debug, LabelValue)]
enum ParseError {
    Empty,
}

#[instrument_metric(
    histogram = "alloc_parse_duration_seconds",
    errors = "alloc_parse_errors_total",
    calls = "alloc_parse_calls_total",
    in_flight = "alloc_parse_in_flight",
    labels(format = format, strict = strict),
    const_labels(model = "v1")
)]
fn parse(format: Format, strict: bool, size: usize) -> Result<usize, ParseError> {
    if size == 0 {
        Err(ParseError::Empty)
    } else {
        Ok(size)
    }
}

#[test]
fn an_instrumented_call_allocates_nothing_once_its_table_exists() {
    // The first call builds the table: that allocates, once.
    assert!(parse(Format::Pdf, true, 1).is_ok());
    // A run that must allocate proves the counter counts.
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 16]))) >= 1);

    let allocations = allocations_during(|| {
        for size in 0..1_000 {
            let format = if size % 2 == 0 {
                Format::Pdf
            } else {
                Format::Docx
            };
            let outcome = parse(format, size % 3 == 0, size % 7);
            std::hint::black_box(outcome).ok();
        }
    });
    assert_eq!(
        allocations, 0,
        "1000 instrumented calls allocated {allocations} times"
    );
}
