//! Native histograms: exponential buckets whose width is set by a *schema*
//! (bucket `k` covers `(b^(k-1), b^k]` with `b = 2^(2^-schema)`), so any
//! latency is measured to within a fixed relative error, with no buckets to
//! choose. Prometheus scrapes them through the protobuf format.
//!
//! metricate keeps them dense, like its classic buckets: per row, a zero
//! bucket (`|v| <= 2^-20` s, about a microsecond) and one cell per bucket from
//! there to `2^14` s (four and a half hours; longer calls count in the last
//! bucket), per thread slot. That is `34 * 2^schema` cells, so the schema is
//! limited to 5 (1088 cells, 8.5 KiB per row and thread).

use crate::arena::Arena;
use crate::slots::Slot;

/// The smallest and largest schemas metricate records.
#[cfg(test)]
pub(crate) const MIN_SCHEMA: i8 = -4;
pub(crate) const MAX_SCHEMA: i8 = 5;

/// Values at or below `2^MIN_EXPONENT` count in the zero bucket.
const MIN_EXPONENT: i32 = -20;
/// Values above `2^MAX_EXPONENT` count in the last bucket.
const MAX_EXPONENT: i32 = 14;

/// The zero bucket's threshold, in seconds.
pub(crate) const ZERO_THRESHOLD: f64 = 1.0 / (1u64 << -MIN_EXPONENT) as f64;

/// Where one series' native buckets sit in an arena: the zero bucket at
/// `first`, then the buckets from key `min_key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NativeCells {
    pub(crate) first: usize,
    pub(crate) schema: i8,
}

impl NativeCells {
    /// The key of the first bucket kept: the one just above the zero bucket.
    pub(crate) fn min_key(schema: i8) -> i32 {
        key(schema, ZERO_THRESHOLD) + 1
    }

    fn max_key(schema: i8) -> i32 {
        key(schema, (2.0_f64).powi(MAX_EXPONENT))
    }

    /// How many buckets a series keeps, the zero bucket not counted.
    pub(crate) fn buckets(schema: i8) -> usize {
        usize::try_from(Self::max_key(schema) - Self::min_key(schema) + 1).unwrap_or(0)
    }

    /// The words a series takes: the zero bucket and the buckets.
    pub(crate) fn width(schema: i8) -> usize {
        1 + Self::buckets(schema)
    }

    /// Counts `seconds`.
    #[inline]
    pub(crate) fn record(self, arena: &Arena, slot: Slot, seconds: f64) {
        if seconds <= ZERO_THRESHOLD {
            arena.add(slot, self.first, 1);
            return;
        }
        let min = Self::min_key(self.schema);
        let last = Self::buckets(self.schema).saturating_sub(1);
        let offset =
            usize::try_from(key(self.schema, seconds) - min).map_or(0, |offset| offset.min(last));
        arena.add(slot, self.first + 1 + offset, 1);
    }

    /// The zero bucket's count and each bucket's, summed over slots.
    pub(crate) fn read(self, arena: &Arena) -> NativeCounts {
        NativeCounts {
            schema: self.schema,
            zero: arena.total(self.first),
            min_key: Self::min_key(self.schema),
            counts: (0..Self::buckets(self.schema))
                .map(|bucket| arena.total(self.first + 1 + bucket))
                .collect(),
        }
    }
}

/// A native histogram at one scrape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NativeCounts {
    pub(crate) schema: i8,
    pub(crate) zero: u64,
    /// The key of `counts[0]`.
    pub(crate) min_key: i32,
    pub(crate) counts: Vec<u64>,
}

impl NativeCounts {
    /// The populated buckets as the protobuf format wants them: spans of
    /// consecutive keys (`(offset, length)`, the first offset absolute, the
    /// others from the end of the previous span) and each bucket's count as a
    /// delta from the previous bucket's.
    pub(crate) fn spans_and_deltas(&self) -> (Vec<(i32, u32)>, Vec<i64>) {
        let mut spans: Vec<(i32, u32)> = Vec::new();
        let mut deltas = Vec::new();
        let mut previous_count = 0i64;
        let mut previous_key: Option<i32> = None;
        for (index, count) in self.counts.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let key = self.min_key + index as i32;
            match (previous_key, spans.last_mut()) {
                (Some(last), Some(span)) if key == last + 1 => span.1 += 1,
                (Some(last), _) => spans.push((key - last - 1, 1)),
                (None, _) => spans.push((key, 1)),
            }
            let count = i64::try_from(*count).unwrap_or(i64::MAX);
            deltas.push(count - previous_count);
            previous_count = count;
            previous_key = Some(key);
        }
        (spans, deltas)
    }
}

/// The key of the bucket `value` (> 0) falls in, as Prometheus computes it:
/// `value = frac * 2^exp` with `frac` in `[0.5, 1)`; for a positive schema
/// the bucket within the octave is the first of its `2^schema` bounds at or
/// above `frac`, for the others octaves are merged.
#[inline]
pub fn key(schema: i8, value: f64) -> i32 {
    let (frac, exp) = frexp(value);
    if schema > 0 {
        let per_octave = 1i32 << schema;
        let mut index = bounds(schema)
            .iter()
            .position(|bound| *bound >= frac)
            .map_or(per_octave, |index| index as i32);
        let mut exp = exp;
        if index == per_octave {
            index = 0;
            exp += 1;
        }
        index + (exp - 1) * per_octave
    } else {
        let mut key = exp;
        if frac == 0.5 {
            key -= 1;
        }
        let shift = i32::from(-schema);
        let offset = (1i32 << shift) - 1;
        (key + offset) >> shift
    }
}

/// `value = frac * 2^exp`, `frac` in `[0.5, 1)`, for a positive normal `value`.
#[inline]
fn frexp(value: f64) -> (f64, i32) {
    let bits = value.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, exponent - 1022)
}

/// The `2^schema` bounds of `frac` within an octave: `2^(j / 2^schema - 1)`.
fn bounds(schema: i8) -> &'static [f64] {
    static BOUNDS: std::sync::OnceLock<Vec<Vec<f64>>> = std::sync::OnceLock::new();
    let all = BOUNDS.get_or_init(|| {
        (0..=MAX_SCHEMA)
            .map(|schema| {
                let per_octave = 1u32 << schema;
                (0..per_octave)
                    .map(|j| (f64::from(j) / f64::from(per_octave) - 1.0).exp2())
                    .collect()
            })
            .collect()
    });
    all.get(usize::try_from(schema).unwrap_or(0))
        .map_or(&[], Vec::as_slice)
}

/// The upper bound of bucket `key`: `2^(key * 2^-schema)`.
#[cfg(test)]
fn upper_bound(schema: i8, key: i32) -> f64 {
    (f64::from(key) * (-f64::from(schema)).exp2()).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_prometheus_bucket_boundaries() {
        // Schema 0: bucket k covers (2^(k-1), 2^k].
        assert_eq!(key(0, 1.0), 0);
        assert_eq!(key(0, 1.5), 1);
        assert_eq!(key(0, 2.0), 1);
        assert_eq!(key(0, 0.5), -1);
        assert_eq!(key(0, 0.75), 0);
        // Schema 3: eight buckets per octave.
        assert_eq!(key(3, 1.0), 0);
        assert_eq!(key(3, 2.0), 8);
        assert_eq!(key(3, 1.0001), 1);
        // Schema -1: two octaves per bucket.
        assert_eq!(key(-1, 1.0), 0);
        assert_eq!(key(-1, 3.0), 1);
        assert_eq!(key(-1, 4.0), 1);
        assert_eq!(key(-1, 4.5), 2);
        // Every value lies in its bucket, for every schema.
        for schema in MIN_SCHEMA..=MAX_SCHEMA {
            for value in [0.000_003, 0.001, 0.0234, 0.1, 0.5, 1.0, 3.7, 250.0] {
                let key = key(schema, value);
                assert!(
                    value <= upper_bound(schema, key) * (1.0 + 1e-12)
                        && value > upper_bound(schema, key - 1) * (1.0 - 1e-12),
                    "schema {schema}, value {value}, key {key}"
                );
            }
        }
    }

    #[test]
    fn spans_group_consecutive_buckets_and_deltas_chain_counts() {
        let counts = NativeCounts {
            schema: 0,
            zero: 1,
            min_key: -2,
            counts: vec![0, 3, 3, 0, 0, 1, 0],
        };
        // Keys -1 and 0 hold 3 each; key 3 holds 1.
        assert_eq!(
            counts.spans_and_deltas(),
            (vec![(-1, 2), (2, 1)], vec![3, 0, -2])
        );
    }

    #[test]
    fn cells_cover_a_microsecond_to_hours() {
        assert_eq!(NativeCells::buckets(0), 34);
        assert_eq!(NativeCells::buckets(3), 34 * 8);
        assert_eq!(NativeCells::buckets(MAX_SCHEMA), 34 * 32);
        assert!(NativeCells::buckets(MIN_SCHEMA) >= 2);
        let arena = Arena::new(NativeCells::width(3));
        let cells = NativeCells {
            first: 0,
            schema: 3,
        };
        let slot = crate::slots::current_slot();
        cells.record(&arena, slot, 0.0);
        cells.record(&arena, slot, 1.0);
        cells.record(&arena, slot, 1.0e9);
        let read = cells.read(&arena);
        assert_eq!(read.zero, 1);
        assert_eq!(read.counts.iter().sum::<u64>(), 2);
        assert_eq!(*read.counts.last().unwrap(), 1, "too long: the last bucket");
        assert_eq!(
            read.min_key + read.counts.iter().position(|c| *c == 1).unwrap() as i32,
            0
        );
    }
}
