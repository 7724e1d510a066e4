//! The one place that reads the wall clock. Everything else receives `now` as a `Timestamp`, so the sans-IO cores
//! and the tests can use virtual time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use inboxd_model::Timestamp;

/// A source of `now`. Cloning shares the source.
#[derive(Clone)]
pub enum Clock {
    /// The system's wall clock.
    System,
    /// A manually advanced clock for tests.
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock starting at `start`.
    pub fn manual(start: Timestamp) -> Self {
        Clock::Manual(Arc::new(AtomicU64::new(start.as_millis())))
    }

    #[allow(clippy::disallowed_methods)] // the single sanctioned clock read
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => {
                let since_epoch = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                Timestamp::from_millis(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
            }
            Clock::Manual(ms) => Timestamp::from_millis(ms.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward; no effect on the system clock.
    pub fn advance(&self, d: std::time::Duration) {
        if let Clock::Manual(ms) = self {
            let add = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            ms.fetch_add(add, Ordering::SeqCst);
        }
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Clock::System => f.write_str("Clock::System"),
            Clock::Manual(_) => write!(f, "Clock::Manual({:?})", self.now()),
        }
    }
}

/// A monotonic instant for measuring durations (metrics, timeouts in IO shells); never used as a timestamp.
#[allow(clippy::disallowed_methods)]
pub fn monotonic_now() -> std::time::Instant {
    std::time::Instant::now()
}
