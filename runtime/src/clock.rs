//! The clock that times calls: the CPU's time-stamp counter where it is
//! invariant (one `rdtsc`, a few ns), else `std::time::Instant`. Durations are
//! kept in ticks on the hot path and turned into seconds only at scrape time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// Ticks of [`now`] per second, and whether they are TSC ticks.
pub(crate) struct Calibration {
    pub(crate) ticks_per_second: f64,
}

/// Set once the TSC is known to be invariant and calibrated: only then does
/// [`now`] read it. Until then (and everywhere else) ticks are nanoseconds.
static USE_TSC: AtomicBool = AtomicBool::new(false);

/// The origin of the nanosecond ticks.
static ORIGIN: LazyLock<Instant> = LazyLock::new(Instant::now);

static CALIBRATION: LazyLock<Calibration> = LazyLock::new(calibrate);

/// Calibrates the clock (once, about 1 ms, on the first table built) and returns
/// its rate. Must run before any tick is read, so both ends of a call use the
/// same clock: tables are built before their first call starts.
pub(crate) fn calibration() -> &'static Calibration {
    &CALIBRATION
}

fn calibrate() -> Calibration {
    LazyLock::force(&ORIGIN);
    match tsc_rate() {
        Some(ticks_per_second) => {
            USE_TSC.store(true, Ordering::Release);
            Calibration { ticks_per_second }
        }
        None => Calibration {
            ticks_per_second: 1e9,
        },
    }
}

/// The current time in ticks.
#[inline(always)]
pub(crate) fn now() -> u64 {
    #[cfg(target_arch = "x86_64")]
    if USE_TSC.load(Ordering::Relaxed) {
        // SAFETY: `rdtsc` has no preconditions; it is only used once the CPU
        // reported an invariant TSC.
        return unsafe { core::arch::x86_64::_rdtsc() };
    }
    nanos_since_origin()
}

#[inline]
fn nanos_since_origin() -> u64 {
    u64::try_from(ORIGIN.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The TSC's rate in ticks per second, when it runs at a constant rate through
/// every power state (Linux's `constant_tsc` and `nonstop_tsc` flags) and the
/// kernel trusts it as its own clock source.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn tsc_rate() -> Option<f64> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let flags = cpuinfo.lines().find(|line| line.starts_with("flags"))?;
    let invariant = ["constant_tsc", "nonstop_tsc"]
        .iter()
        .all(|flag| flags.split_whitespace().any(|word| word == *flag));
    let source =
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .unwrap_or_default();
    if !invariant || source.trim() != "tsc" {
        return None;
    }
    // SAFETY: as in `now`.
    let read = || unsafe { core::arch::x86_64::_rdtsc() };
    let (ticks, start) = (read(), Instant::now());
    while start.elapsed() < Duration::from_millis(1) {
        std::hint::spin_loop();
    }
    let (ticks_after, elapsed) = (read(), start.elapsed());
    let rate = (ticks_after.wrapping_sub(ticks)) as f64 / elapsed.as_secs_f64();
    (rate.is_finite() && rate > 1e6).then_some(rate)
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn tsc_rate() -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_measure_seconds() {
        let rate = calibration().ticks_per_second;
        let start = now();
        std::thread::sleep(Duration::from_millis(20));
        let seconds = now().wrapping_sub(start) as f64 / rate;
        assert!((0.019..0.2).contains(&seconds), "measured {seconds} s");
    }
}
