//! The INTERNALDATE probe that picks how far back a grow reaches (gaia's `imap_mix_probe_for_date`).
//!
//! Assumption: sequence order roughly follows date order. We sample dates at positions dense near the
//! unknown/known boundary and sparser further back, check the assumption (summed inversions must stay under
//! a week), and aim the window at the third sample (~25 messages back). When the assumption fails we fall
//! back to a fixed 3-day step. Pure functions only; `sync_grow` does the IMAP part.

use crate::DAY_MS;

/// Messages a grow aims for (gaia `GROWTH_MESSAGE_COUNT_TARGET`).
pub const GROWTH_MESSAGE_COUNT_TARGET: u32 = 32;
/// Fewer unknown messages than this: sync the whole folder (gaia `SYNC_WHOLE_FOLDER_AT_N_MESSAGES`).
pub const SYNC_WHOLE_FOLDER_AT_N_MESSAGES: u32 = 40;
/// Summed date inversions above this mean the date/sequence correlation does not hold ("100% arbitrary").
pub const MAX_VIOLATIONS_MS: u64 = 7 * DAY_MS;
/// Fallback window step, in days (gaia `INITIAL_SYNC_GROWTH_DAYS`).
pub const FALLBACK_GROWTH_DAYS: u64 = 3;

/// Sample positions (1-based sequence numbers): `start, start-8, start-24, start-56, …` while ≥ 1.
pub fn sample_positions(start: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let seq = i64::from(start);
    let mut step = i64::from(GROWTH_MESSAGE_COUNT_TARGET.div_ceil(4));
    let mut offset = 0i64;
    while seq - offset >= 1 {
        out.push(u32::try_from(seq - offset).unwrap_or(0));
        offset += step;
        step *= 2;
    }
    out
}

/// The new since-date from `(position, INTERNALDATE ms)` samples; `cur_date` is the old since-date (or today).
/// Returns a UTC-day-quantized timestamp in ms.
pub fn pick_since_date(samples: &[(u32, i64)], cur_date: u64) -> u64 {
    let mut sorted: Vec<(u32, i64)> = samples.to_vec();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.0));
    let fallback = quantize(cur_date).saturating_sub(FALLBACK_GROWTH_DAYS * DAY_MS);
    let mut check: Option<i64> = None;
    let mut violations: u64 = 0;
    for (_, date) in &sorted {
        match check {
            Some(c) if *date > c => violations += u64::try_from(date - c).unwrap_or(0),
            _ => check = Some(*date),
        }
    }
    if violations > MAX_VIOLATIONS_MS {
        return fallback;
    }
    let Some((_, target)) = sorted.get(2.min(sorted.len().saturating_sub(1))) else {
        return fallback;
    };
    let target = quantize(u64::try_from(*target).unwrap_or(0));
    // A grow must reach further back than the current window.
    if target >= quantize(cur_date) {
        fallback
    } else {
        target
    }
}

/// Start of the UTC day.
pub fn quantize(ms: u64) -> u64 {
    ms - ms % DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_double_their_gaps() {
        assert_eq!(sample_positions(100), [100, 92, 76, 44]);
        assert_eq!(sample_positions(5), [5]);
        assert!(sample_positions(0).is_empty());
    }

    #[test]
    fn picks_third_sample_day_when_dates_are_ordered() {
        let day = |d: u64| i64::try_from(d * DAY_MS + 3_600_000).unwrap();
        let samples = [(100, day(50)), (92, day(48)), (76, day(40)), (44, day(20))];
        assert_eq!(pick_since_date(&samples, 60 * DAY_MS), 40 * DAY_MS);
    }

    #[test]
    fn falls_back_to_three_days_when_dates_are_scrambled() {
        // Old mail at high sequence numbers: a newer sample further back is a violation of 30 days.
        let day = |d: u64| i64::try_from(d * DAY_MS).unwrap();
        let samples = [(100, day(10)), (92, day(40)), (76, day(9)), (44, day(8))];
        assert_eq!(pick_since_date(&samples, 60 * DAY_MS + 5), 57 * DAY_MS);
    }

    #[test]
    fn small_inversions_are_tolerated() {
        let day = |d: u64| i64::try_from(d * DAY_MS).unwrap();
        let samples = [(100, day(50)), (92, day(51)), (76, day(45)), (44, day(30))];
        assert_eq!(pick_since_date(&samples, 60 * DAY_MS), 45 * DAY_MS);
    }
}
