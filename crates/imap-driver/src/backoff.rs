//! Exponential reconnect backoff with deterministic jitter (pure: the caller sleeps).

use std::time::Duration;

/// Delays `base, 2·base, 4·base, …` capped at `max`, each reduced by up to a quarter so that many workers
/// failing together do not reconnect in lockstep.
#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    seed: u64,
}

impl Backoff {
    /// `seed` varies the jitter between workers (e.g. a hash of the account id).
    pub fn new(base: Duration, max: Duration, seed: u64) -> Self {
        Self {
            base,
            max,
            attempt: 0,
            seed,
        }
    }

    /// The delay before the next attempt; each call doubles the next one.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1u32 << self.attempt.min(20);
        self.attempt = self.attempt.saturating_add(1);
        let full = self.base.saturating_mul(factor).min(self.max);
        // splitmix64 step: cheap, deterministic jitter in [0, 1/4).
        self.seed = self.seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let quarter_ppm = (z % 250_000) as u32;
        full - full.mul_f64(f64::from(quarter_ppm) / 1_000_000.0)
    }

    /// Back to the first delay (after a successful connection).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Attempts since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_caps_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60), 7);
        let d: Vec<Duration> = (0..10).map(|_| b.next_delay()).collect();
        for (i, d) in d.iter().enumerate() {
            let full = Duration::from_secs((1u64 << i).min(60));
            assert!(*d <= full && *d >= full.mul_f64(0.75), "{i}: {d:?}");
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
    }
}
