//! Engine limits and timeouts (Zimbra's LocalConfig values). Plain data; no parsing of config files here.

use std::time::Duration;

/// Default, minimum and maximum of a WaitSetRequest `timeout`, in seconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TimeoutRange {
    pub default_secs: u64,
    pub min_secs: u64,
    pub max_secs: u64,
}

impl TimeoutRange {
    /// Clamps a requested timeout into `[min, max]`; `None` gives the default (also clamped).
    /// Zimbra never rejects a timeout, it only clamps it.
    pub fn clamp(&self, requested: Option<u64>) -> Duration {
        let secs = requested.unwrap_or(self.default_secs);
        let secs = secs.min(self.max_secs).max(self.min_secs);
        Duration::from_secs(secs)
    }
}

/// Engine configuration. `Config::zimbra()` gives Zimbra's defaults.
#[derive(Clone, Debug)]
pub struct Config {
    /// Timeouts for requests from non-admin tokens (Zimbra: 300 s, 30..1200).
    pub user_timeout: TimeoutRange,
    /// Timeouts for requests from admin tokens (Zimbra: 300 s, 1..3600).
    pub admin_timeout: TimeoutRange,
    /// A waitset with no request for this long, and none parked, is destroyed (Zimbra: 20 min).
    pub idle_timeout: Duration,
    /// Waitsets one non-admin owner may hold; creating one more evicts the oldest (Zimbra: 5).
    pub max_per_owner: usize,
}

impl Config {
    /// Zimbra's LocalConfig defaults (zimbra-waitset.md §3).
    pub fn zimbra() -> Self {
        Self {
            user_timeout: TimeoutRange {
                default_secs: 300,
                min_secs: 30,
                max_secs: 1200,
            },
            admin_timeout: TimeoutRange {
                default_secs: 300,
                min_secs: 1,
                max_secs: 3600,
            },
            idle_timeout: Duration::from_secs(20 * 60),
            max_per_owner: 5,
        }
    }

    /// The timeout range that applies to a requester.
    pub fn timeout_range(&self, admin: bool) -> &TimeoutRange {
        if admin {
            &self.admin_timeout
        } else {
            &self.user_timeout
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_user_and_admin_timeouts() {
        let c = Config::zimbra();
        let user = c.timeout_range(false);
        assert_eq!(user.clamp(None), Duration::from_secs(300));
        assert_eq!(user.clamp(Some(1)), Duration::from_secs(30));
        assert_eq!(user.clamp(Some(5000)), Duration::from_secs(1200));
        assert_eq!(user.clamp(Some(77)), Duration::from_secs(77));
        let admin = c.timeout_range(true);
        assert_eq!(admin.clamp(Some(0)), Duration::from_secs(1));
        assert_eq!(admin.clamp(Some(9999)), Duration::from_secs(3600));
        assert_eq!(admin.clamp(None), Duration::from_secs(300));
    }
}
